//! Cancelling a booking: by its student, the session's instructor or an admin.

use medicaledu_domain::{
    BookingRuleError, BookingStatus, Id, NotificationKind, Timestamp, refund_eligible,
};
use medicaledu_store::bookings::{self, BookingRow, Transition};
use medicaledu_store::courses::CourseRow;
use medicaledu_store::slots::{self, SlotRow};
use medicaledu_store::{Tx, promo};
use serde_json::json;

use super::participant;
use crate::payments::confirm::{booking_notice, record_booking, session};
use crate::payments::{RefundError, refund_booking};
use crate::{Actor, AppContext, Internal, Invalid, RequestMeta, Settings};

/// Why a booking was not cancelled.
#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    #[error("Booking not found.")]
    NotFound,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("{0}")]
    Rule(#[from] BookingRuleError),
    /// Cancelled, but the refund it is owed failed; retrying is safe.
    #[error(transparent)]
    Refund(#[from] RefundError),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(CancelError);

crate::failure!(CancelError {
    NotFound => NotFound,
} wraps {
    Invalid(Invalid),
    Rule(BookingRuleError),
    Refund(RefundError),
    Internal(Internal),
});

/// Cancels a live booking. Its status is read under the booking's lock, so
/// refund eligibility and the promo release are judged from the status the
/// cancellation actually ends: a payment confirming the booking meanwhile is
/// either seen (and refunded inside the window) or waits for the cancellation
/// (and is then refunded because the booking is gone).
pub async fn cancel(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    booking_id: Id,
    reason: Option<&str>,
) -> Result<BookingRow, CancelError> {
    let (_, _, course, _) = participant(ctx, actor, booking_id)
        .await?
        .ok_or(CancelError::NotFound)?;
    let reason = reason
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .unwrap_or("no reason given");
    if reason.chars().count() > 500 {
        return Err(
            Invalid::one("reason", "too_long", "must be at most 500 characters long").into(),
        );
    }
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let booking = bookings::find_for_update(&mut tx, booking_id)
        .await?
        .ok_or(CancelError::NotFound)?;
    let slot = slots::find_tx(&mut tx, booking.slot_id)
        .await?
        .ok_or(CancelError::NotFound)?;
    let cancelled = cancel_in_tx(
        &mut tx,
        &ctx.settings,
        meta,
        actor.id(),
        &booking,
        &slot,
        &course,
        reason,
        now,
    )
    .await?
    .ok_or(BookingRuleError::InvalidTransition)?;
    tx.commit().await?;
    crate::telemetry::bookings_cancelled(1);
    if cancelled.refund_eligible == Some(true) {
        refund_booking(
            ctx,
            meta,
            Some(actor.id()),
            cancelled.id,
            "cancelled inside the refund window",
        )
        .await?;
    }
    Ok(cancelled)
}

/// The earliest start among the sessions of the booking's reschedule chain
/// (it and the bookings it was moved from). The refund window is judged from
/// it, so moving a booking that is already inside the window, or to a later
/// session, does not buy a refund the first session no longer allowed.
async fn chain_first_start(
    tx: &mut Tx,
    booking: &BookingRow,
    slot: &SlotRow,
) -> Result<Timestamp, Internal> {
    let mut first = slot.starts_at;
    let mut previous = booking.rescheduled_from;
    while let Some(id) = previous {
        let Some(earlier) = bookings::find_tx(tx, id).await? else {
            break;
        };
        if let Some(earlier_slot) = slots::find_tx(tx, earlier.slot_id).await? {
            first = first.min(earlier_slot.starts_at);
        }
        previous = earlier.rescheduled_from;
    }
    Ok(first)
}

/// Cancels `booking`, read under its lock in `tx`: records who and why and
/// whether it is inside the refund window, frees the seat, gives an unpaid
/// booking's promo code back, audits and notifies. `None` when the booking
/// is no longer live.
#[allow(clippy::too_many_arguments)]
async fn cancel_in_tx(
    tx: &mut Tx,
    settings: &Settings,
    meta: &RequestMeta,
    actor: Id,
    booking: &BookingRow,
    slot: &SlotRow,
    course: &CourseRow,
    reason: &str,
    now: Timestamp,
) -> Result<Option<BookingRow>, Internal> {
    if !booking.status.is_live() {
        return Ok(None);
    }
    let eligible = booking.status == BookingStatus::Confirmed
        && refund_eligible(
            &settings.booking,
            *chain_first_start(tx, booking, slot).await?.as_datetime(),
            *now.as_datetime(),
        );
    let Some(cancelled) = bookings::transition(
        tx,
        booking.id,
        &[booking.status],
        BookingStatus::Cancelled,
        &Transition {
            cancelled_by: Some(actor),
            cancel_reason: Some(reason.to_owned()),
            refund_eligible: Some(eligible),
        },
        now,
    )
    .await?
    else {
        return Ok(None);
    };
    slots::release_seat(tx, slot.id, now).await?;
    if booking.status == BookingStatus::Pending {
        promo::release_for_booking(tx, booking.id, now).await?;
    }
    crate::notify::cancel_reminders(tx, &session(booking, slot, course), now).await?;
    crate::enrollments::revoke_unpaid(tx, meta, Some(actor), booking.student_id, course.id, now)
        .await?;
    record_booking(
        tx,
        meta,
        Some(actor),
        "booking.cancelled",
        &cancelled,
        json!({ "status": { "before": booking.status, "after": BookingStatus::Cancelled }, "reason": reason, "refund_eligible": eligible }),
        now,
    )
    .await?;
    let paid = booking.status == BookingStatus::Confirmed && booking.total_minor > 0;
    let text = |recipient: Id| {
        move |local: &dyn Fn(Timestamp) -> String| {
            let who = if actor == recipient {
                "You"
            } else if actor == booking.student_id {
                "The student"
            } else if actor == course.instructor_id {
                "The instructor"
            } else {
                "An administrator"
            };
            let money = match (paid, eligible) {
                (false, _) => "",
                (true, true) => " The payment is refunded.",
                (true, false) => {
                    " It was cancelled inside the refund window, so the payment is not refunded."
                }
            };
            format!(
                "{who} cancelled the session of {} on {} ({reason}).{money}",
                course.title,
                local(slot.starts_at)
            )
        }
    };
    booking_notice(
        tx,
        cancelled.student_id,
        NotificationKind::BookingCancelled,
        "Session cancelled".into(),
        text(cancelled.student_id),
        &cancelled,
        now,
    )
    .await?;
    if actor != course.instructor_id {
        booking_notice(
            tx,
            course.instructor_id,
            NotificationKind::BookingCancelled,
            "Booking cancelled".into(),
            text(course.instructor_id),
            &cancelled,
            now,
        )
        .await?;
    }
    Ok(Some(cancelled))
}
