//! The calendar feed: a user's sessions as iCalendar, behind a per-user token
//! that calendar apps can keep in a subscription URL.

use chrono::Duration;
use medicaledu_domain::{
    BookingStatus, CalendarEvent, Role, SessionToken, Timestamp, render_calendar,
};
use medicaledu_store::{bookings, courses, slots, users};
use serde_json::json;

use crate::audit::{self, Change};
use crate::{Actor, AppContext, Internal, RequestMeta};

/// Past sessions stay in the feed this long.
const HISTORY: Duration = Duration::days(90);

/// Creates (or replaces) the actor's feed token; returns it, to be shown
/// once. The old token stops working.
pub async fn new_token(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
) -> Result<String, Internal> {
    let token = SessionToken::generate();
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    users::set_calendar_token(&mut tx, actor.id(), Some(&token.hash()), now).await?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "calendar_token.created",
            entity_type: "user",
            entity_id: actor.id(),
            changes: json!({ "calendar_token": "replaced" }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(token.expose().to_owned())
}

/// Deletes the actor's feed token: the feed then answers as for an unknown
/// token until a new one is created.
pub async fn revoke_token(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
) -> Result<(), Internal> {
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    users::set_calendar_token(&mut tx, actor.id(), None, now).await?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "calendar_token.revoked",
            entity_type: "user",
            entity_id: actor.id(),
            changes: json!({ "calendar_token": "revoked" }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Why no feed was rendered.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("Unknown calendar token.")]
    UnknownToken,
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(FeedError);

crate::failure!(FeedError {
    UnknownToken => Unauthenticated,
} wraps {
    Internal(Internal),
});

/// The token owner's sessions (as a student, and on their slots as an
/// instructor) as an RFC 5545 calendar: times in UTC, one event per booking
/// with a stable UID, `SEQUENCE` raised on every change, cancellations as
/// `STATUS:CANCELLED`.
pub async fn feed(ctx: &AppContext, token: &str) -> Result<String, FeedError> {
    let token = SessionToken::parse(token).ok_or(FeedError::UnknownToken)?;
    let user = users::find_by_calendar_token(&ctx.db, &token.hash())
        .await?
        .ok_or(FeedError::UnknownToken)?;
    let now = *ctx.now().as_datetime();
    let rows = bookings::for_calendar(&ctx.db, user.id, Timestamp::from(now - HISTORY)).await?;
    let mut events = Vec::with_capacity(rows.len());
    for booking in rows {
        let Some(slot) = slots::find_any(&ctx.db, booking.slot_id).await? else {
            continue;
        };
        let Some(course) = courses::find_by_id_any(&ctx.db, slot.course_id).await? else {
            continue;
        };
        // The link joins the session: the instructor keeps it, a student only
        // while their booking is confirmed (not once it is cancelled).
        let may_join = course.instructor_id == user.id
            || user.role == Role::Admin
            || booking.status == BookingStatus::Confirmed;
        events.push(CalendarEvent {
            uid: format!("booking-{}@medicaledu", booking.id),
            starts_at: *slot.starts_at.as_datetime(),
            ends_at: *slot.ends_at.as_datetime(),
            summary: course.title,
            description: Some(format!("MedicalEdu session, booking {}", booking.id)),
            location: slot.location,
            url: slot.meeting_url.filter(|_| may_join),
            sequence: slot.revision + booking.revision,
            cancelled: booking.status == BookingStatus::Cancelled,
            last_modified: *booking
                .updated_at
                .as_datetime()
                .max(slot.updated_at.as_datetime()),
        });
    }
    Ok(render_calendar("MedicalEdu sessions", &events, now))
}
