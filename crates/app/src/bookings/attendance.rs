//! Marking attendance once a session has started.

use medicaledu_domain::{BookingRuleError, BookingStatus, Id, check_attendance_mark};
use medicaledu_store::bookings::{self, BookingRow, Transition};
use medicaledu_store::slots;
use serde_json::json;

use super::{Party, participant};
use crate::payments::confirm::record_booking;
use crate::{Actor, AppContext, Forbidden, Internal, RequestMeta};

/// Why attendance was not marked.
#[derive(Debug, thiserror::Error)]
pub enum AttendanceError {
    #[error("Booking not found.")]
    NotFound,
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("{0}")]
    Rule(#[from] BookingRuleError),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(AttendanceError);

crate::failure!(AttendanceError {
    NotFound => NotFound,
} wraps {
    Forbidden(Forbidden),
    Rule(BookingRuleError),
    Internal(Internal),
});

/// Marks a session as attended (the instructor or an admin, once it has started).
pub async fn complete(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    booking_id: Id,
) -> Result<BookingRow, AttendanceError> {
    mark(ctx, actor, meta, booking_id, BookingStatus::Completed).await
}

/// Marks a student as absent (the instructor or an admin, once the session has started).
pub async fn no_show(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    booking_id: Id,
) -> Result<BookingRow, AttendanceError> {
    mark(ctx, actor, meta, booking_id, BookingStatus::NoShow).await
}

async fn mark(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    booking_id: Id,
    to: BookingStatus,
) -> Result<BookingRow, AttendanceError> {
    let (_, _, _, party) = participant(ctx, actor, booking_id)
        .await?
        .ok_or(AttendanceError::NotFound)?;
    if party == Party::Student {
        return Err(Forbidden("The instructor or an admin marks attendance.").into());
    }
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let booking = bookings::find_for_update(&mut tx, booking_id)
        .await?
        .ok_or(AttendanceError::NotFound)?;
    let slot = slots::find_tx(&mut tx, booking.slot_id)
        .await?
        .ok_or(AttendanceError::NotFound)?;
    check_attendance_mark(
        *slot.starts_at.as_datetime(),
        *now.as_datetime(),
        booking.status,
    )?;
    let marked = bookings::transition(
        &mut tx,
        booking.id,
        &[BookingStatus::Confirmed],
        to,
        &Transition::default(),
        now,
    )
    .await?
    .ok_or(BookingRuleError::InvalidTransition)?;
    let action = if to == BookingStatus::Completed {
        "booking.completed"
    } else {
        "booking.no_show"
    };
    record_booking(
        &mut tx,
        meta,
        Some(actor.id()),
        action,
        &marked,
        json!({ "status": { "before": BookingStatus::Confirmed, "after": to } }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(marked)
}
