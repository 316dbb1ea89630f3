//! Writes the audit row of a change inside the change's own transaction.

use medicaledu_domain::{Id, Timestamp};
use medicaledu_store::Tx;
use medicaledu_store::audit::{self, AuditEvent, RequestMeta};
use serde_json::Value;

use crate::Internal;

pub struct Change<'a> {
    pub actor: Option<Id>,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Id,
    pub changes: Value,
}

pub async fn record(
    tx: &mut Tx,
    meta: &RequestMeta,
    now: Timestamp,
    change: Change<'_>,
) -> Result<(), Internal> {
    audit::record(
        tx,
        meta,
        now,
        AuditEvent {
            actor_id: change.actor,
            action: change.action,
            entity_type: change.entity_type,
            entity_id: Some(change.entity_id),
            changes: change.changes,
        },
    )
    .await
    .map_err(Internal::from)
}
