//! The notifications outbox as operators see it: what was sent, what is
//! waiting, what failed and why, and sending a failed one again.

use medicaledu_domain::{Channel, FieldIssue, Id, NotificationKind, NotificationStatus};
use medicaledu_store::notifications::{self, NotificationRow, OutboxFilter};
use serde_json::json;

use crate::audit::{self, Change};
use crate::{
    Actor, AppContext, Fields, Forbidden, Internal, Page, PageRequest, ReadError, RequestMeta, page,
};

#[derive(Clone, Debug, Default)]
pub struct OutboxInput {
    /// `queued`, `sending`, `sent`, `failed` or `cancelled`.
    pub status: Option<String>,
    /// `email`, `sms`, `push` or `in_app`.
    pub channel: Option<String>,
    /// e.g. `booking.reminder`.
    pub kind: Option<String>,
    pub user_id: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Notifications on every channel, newest first.
pub async fn list(
    ctx: &AppContext,
    actor: &Actor,
    input: OutboxInput,
) -> Result<Page<NotificationRow>, ReadError> {
    actor.require_admin()?;
    let mut fields = Fields::default();
    let status = input
        .status
        .as_deref()
        .and_then(|s| fields.check("status", s.parse::<NotificationStatus>()));
    let channel = input
        .channel
        .as_deref()
        .and_then(|c| fields.check("channel", c.parse::<Channel>()));
    let kind = input
        .kind
        .as_deref()
        .and_then(|k| fields.check("kind", k.parse::<NotificationKind>()));
    let user_id = input.user_id.as_deref().and_then(|id| {
        fields.check(
            "user_id",
            id.parse::<Id>()
                .map_err(|_| FieldIssue::invalid("must be a user id")),
        )
    });
    fields.finish()?;
    let paging = PageRequest::parse(input.cursor.as_deref(), input.limit)?;
    let filter = OutboxFilter {
        status,
        channel,
        kind,
        user_id,
        before: paging.after,
        limit: paging.limit + 1,
    };
    let rows = notifications::outbox(&ctx.db, &filter).await?;
    Ok(page(rows, paging.limit, |r| (r.created_at, r.id)))
}

#[derive(Debug, thiserror::Error)]
pub enum RetryError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("Notification not found.")]
    NotFound,
    #[error("It is too late for this notification to be of use.")]
    Expired,
    #[error("Only failed notifications are sent again; this one is {0}.")]
    NotFailed(NotificationStatus),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(RetryError);

crate::failure!(RetryError {
    NotFound => NotFound,
    Expired => NotificationExpired,
    NotFailed(_) => NotificationNotFailed,
} wraps {
    Forbidden(Forbidden),
    Internal(Internal),
});

/// Sends a failed notification again, with a fresh set of attempts (after
/// fixing what made it fail, such as the SMTP settings).
pub async fn retry(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    id: Id,
) -> Result<NotificationRow, RetryError> {
    actor.require_admin()?;
    let mut tx = ctx.db.begin_write().await?;
    let now = ctx.now();
    let Some(row) = notifications::requeue(&mut tx, id, now).await? else {
        // Not requeued: say why, from the row as this transaction sees it.
        return Err(match notifications::find_tx(&mut tx, id).await? {
            None => RetryError::NotFound,
            Some(row) if row.status == NotificationStatus::Failed => RetryError::Expired,
            Some(row) => RetryError::NotFailed(row.status),
        });
    };
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "notification.retried",
            entity_type: "notification",
            entity_id: row.id,
            changes: json!({ "status": { "before": "failed", "after": "queued" } }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}
