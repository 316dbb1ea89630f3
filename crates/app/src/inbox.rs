//! The in-app inbox (a user's notifications, unread count and read marks) and
//! the user's choice of channels per kind of notification.

use std::collections::BTreeMap;

use medicaledu_domain::{Channel, Id, NotificationKind, Preferences};
use medicaledu_store::notifications::{self, NotificationRow};

use crate::audit::{self, Change};
use crate::{
    Actor, AppContext, Internal, Invalid, Page, PageRequest, ReadError, RequestMeta, page,
};

#[derive(Clone, Debug, Default)]
pub struct InboxInput {
    /// Only unread notifications.
    pub unread: bool,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// The actor's in-app notifications, most recently delivered first.
pub async fn list(
    ctx: &AppContext,
    actor: &Actor,
    input: InboxInput,
) -> Result<Page<NotificationRow>, ReadError> {
    let paging = PageRequest::parse(input.cursor.as_deref(), input.limit)?;
    let rows = notifications::inbox(
        &ctx.db,
        actor.id(),
        input.unread,
        paging.after,
        paging.limit + 1,
    )
    .await?;
    Ok(page(rows, paging.limit, |r| (r.send_after, r.id)))
}

/// How many of the actor's in-app notifications are unread.
pub async fn unread_count(ctx: &AppContext, actor: &Actor) -> Result<i64, Internal> {
    Ok(notifications::unread_count(&ctx.db, actor.id()).await?)
}

/// Marks one of the actor's notifications read (again: no change).
pub async fn mark_read(
    ctx: &AppContext,
    actor: &Actor,
    id: Id,
) -> Result<NotificationRow, ReadError> {
    let mut tx = ctx.db.begin_write().await?;
    let row = notifications::mark_read(&mut tx, id, actor.id(), ctx.now())
        .await?
        .ok_or(ReadError::NotFound("Notification"))?;
    tx.commit().await?;
    Ok(row)
}

/// Marks all the actor's notifications read; returns how many were unread.
pub async fn mark_all_read(ctx: &AppContext, actor: &Actor) -> Result<u64, Internal> {
    let mut tx = ctx.db.begin_write().await?;
    let count = notifications::mark_all_read(&mut tx, actor.id(), ctx.now()).await?;
    tx.commit().await?;
    Ok(count)
}

/// The actor's channels per kind of notification.
pub async fn preferences(ctx: &AppContext, actor: &Actor) -> Result<Preferences, ReadError> {
    notifications::preferences(&ctx.db, actor.id())
        .await?
        .ok_or(ReadError::NotFound("User"))
}

/// Channel choices as sent: on or off per kind and channel.
pub type PreferenceMatrix = BTreeMap<NotificationKind, BTreeMap<Channel, bool>>;

#[derive(Debug, thiserror::Error)]
pub enum PreferencesError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("User not found.")]
    NotFound,
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(PreferencesError);

crate::failure!(PreferencesError {
    NotFound => NotFound,
} wraps {
    Invalid(Invalid),
    Internal(Internal),
});

/// Replaces the actor's channel choices. Kinds and channels left out take
/// their defaults; SMS needs a phone number on the account, and security
/// notices always reach the inbox.
pub async fn set_preferences(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    matrix: &PreferenceMatrix,
) -> Result<Preferences, PreferencesError> {
    let mut tx = ctx.db.begin_write().await?;
    let now = ctx.now();
    // Whether SMS is possible depends on the phone number stored now.
    let recipient = notifications::recipient(&mut tx, actor.id())
        .await?
        .ok_or(PreferencesError::NotFound)?;
    let preferences = Preferences::default()
        .apply(matrix, recipient.phone.is_some())
        .map_err(|e| {
            Invalid::one(
                format!("preferences.{}", e.field()),
                e.code(),
                e.to_string(),
            )
        })?;
    notifications::set_preferences(&mut tx, actor.id(), &preferences, now).await?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "notification_preferences.updated",
            entity_type: "user",
            entity_id: actor.id(),
            changes: serde_json::to_value(&preferences).map_err(Internal::from)?,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(preferences)
}
