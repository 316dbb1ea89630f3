//! The append-only audit log. Rows are written inside the transaction of the
//! change they describe, so the log holds an entry exactly when the change
//! committed.

use medicaledu_domain::{Id, Timestamp};
use serde_json::Value;
use sqlx::types::Json;

use crate::{Db, Tx, on_db, on_tx};

/// Who asked for a change, taken from the HTTP request.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

/// One audit event. `changes` holds `{"field": {"before": …, "after": …}}` or
/// event details; never passwords, hashes or tokens.
#[derive(Clone, Debug)]
pub struct AuditEvent<'a> {
    pub actor_id: Option<Id>,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<Id>,
    pub changes: Value,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuditLogRow {
    pub id: Id,
    pub actor_id: Option<Id>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<Id>,
    pub changes: Json<Value>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub actor_id: Option<Id>,
    pub entity_type: Option<String>,
    pub entity_id: Option<Id>,
    pub action: Option<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// Keyset cursor: only rows strictly older than this `(created_at, id)`.
    pub before: Option<(Timestamp, Id)>,
    pub limit: i64,
}

pub async fn record(
    tx: &mut Tx,
    meta: &RequestMeta,
    at: Timestamp,
    event: AuditEvent<'_>,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO audit_logs \
             (id, actor_id, action, entity_type, entity_id, changes, ip_address, user_agent, request_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(Id::generate())
        .bind(event.actor_id)
        .bind(event.action)
        .bind(event.entity_type)
        .bind(event.entity_id)
        .bind(Json(event.changes))
        .bind(meta.ip_address.as_deref())
        .bind(meta.user_agent.as_deref())
        .bind(meta.request_id.as_deref())
        .bind(at)
        .execute(conn)
        .await
        .map(drop)
    })
}

/// Newest first. Every filter is optional; unset ones match everything, which
/// keeps this one statement for all combinations.
pub async fn list(db: &Db, filter: &AuditFilter) -> Result<Vec<AuditLogRow>, sqlx::Error> {
    let (before_at, before_id) = filter.before.unzip();
    on_db!(db, pool => {
        sqlx::query_as(
            "SELECT id, actor_id, action, entity_type, entity_id, changes, ip_address, user_agent, request_id, created_at \
             FROM audit_logs \
             WHERE ($1 IS NULL OR actor_id = $1) \
               AND ($2 IS NULL OR entity_type = $2) \
               AND ($3 IS NULL OR entity_id = $3) \
               AND ($4 IS NULL OR action = $4) \
               AND ($5 IS NULL OR created_at >= $5) \
               AND ($6 IS NULL OR created_at < $6) \
               AND ($7 IS NULL OR created_at < $7 OR (created_at = $7 AND id < $8)) \
             ORDER BY created_at DESC, id DESC \
             LIMIT $9",
        )
        .bind(filter.actor_id)
        .bind(filter.entity_type.as_deref())
        .bind(filter.entity_id)
        .bind(filter.action.as_deref())
        .bind(filter.from)
        .bind(filter.to)
        .bind(before_at)
        .bind(before_id)
        .bind(filter.limit)
        .fetch_all(pool)
        .await
    })
}
