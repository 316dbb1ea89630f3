//! Moving a booking to another slot of the same course.

use medicaledu_domain::{
    BookingRuleError, BookingStatus, Id, NotificationKind, Timestamp, check_notice,
    check_reschedule,
};
use medicaledu_store::bookings::{self, BookingRow, InsertBookingError, NewBooking, Transition};
use medicaledu_store::{promo, slots};
use serde_json::json;

use super::{Party, participant};
use crate::payments::confirm::{booking_notice, record_booking, session};
use crate::{Actor, AppContext, Forbidden, Internal, Invalid, RequestMeta};

/// Why a booking was not moved.
#[derive(Debug, thiserror::Error)]
pub enum RescheduleError {
    #[error("Booking not found.")]
    NotFound,
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("{0}")]
    Rule(#[from] BookingRuleError),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("That session is not open for booking.")]
    SlotNotOpen,
    #[error("No seats are left in that session.")]
    SlotFull,
    #[error("You already hold a booking for this session.")]
    AlreadyBooked,
    /// The current session starts within the minimum notice or has started:
    /// moving it now would dodge the refund window and the instructor's
    /// preparation.
    #[error("This session starts too soon to be moved.")]
    TooLate,
    #[error("Bookings move only to a session with the same price and currency.")]
    PriceDiffers,
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(RescheduleError);

crate::failure!(RescheduleError {
    NotFound => NotFound,
    SlotNotOpen => SlotNotOpen,
    SlotFull => SlotFull,
    AlreadyBooked => AlreadyBooked,
    TooLate => RescheduleTooLate,
    PriceDiffers => ReschedulePriceDiffers,
} wraps {
    Forbidden(Forbidden),
    Rule(BookingRuleError),
    Invalid(Invalid),
    Internal(Internal),
});

/// Moves a booking to another open slot of the same course. The new seat is
/// taken and the old one freed in one transaction; the new booking links to
/// the old one and keeps its price and status (read under the old booking's
/// lock, so a payment landing meanwhile is carried over).
pub async fn reschedule(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    booking_id: Id,
    new_slot_id: Id,
) -> Result<BookingRow, RescheduleError> {
    let (_, _, course, party) = participant(ctx, actor, booking_id)
        .await?
        .ok_or(RescheduleError::NotFound)?;
    if party == Party::Instructor {
        return Err(Forbidden("The student or an admin reschedules a booking.").into());
    }
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let booking = bookings::find_for_update(&mut tx, booking_id)
        .await?
        .ok_or(RescheduleError::NotFound)?;
    check_reschedule(
        &ctx.settings.booking,
        booking.reschedule_count,
        booking.status,
    )?;
    let old_slot = slots::find_tx(&mut tx, booking.slot_id)
        .await?
        .ok_or(RescheduleError::NotFound)?;
    if check_notice(
        &ctx.settings.booking,
        *old_slot.starts_at.as_datetime(),
        *now.as_datetime(),
    )
    .is_err()
    {
        return Err(RescheduleError::TooLate);
    }
    let new_slot = slots::find_tx(&mut tx, new_slot_id)
        .await?
        .filter(|s| s.deleted_at.is_none() && s.course_id == course.id && s.id != old_slot.id)
        .ok_or_else(|| {
            Invalid::one(
                "slot_id",
                "invalid",
                "must be another live slot of the same course",
            )
        })?;
    if !new_slot.status.is_bookable() {
        return Err(RescheduleError::SlotNotOpen);
    }
    // The booking keeps what was paid for it, so it may only move where that
    // is the price: a dearer session would be had for less, a cheaper one
    // would keep money the student is owed. The booking's own list price is
    // compared, not the old slot's, which the instructor may have changed.
    if new_slot.price_minor != booking.list_price_minor || new_slot.currency != booking.currency {
        return Err(RescheduleError::PriceDiffers);
    }
    check_notice(
        &ctx.settings.booking,
        *new_slot.starts_at.as_datetime(),
        *now.as_datetime(),
    )?;
    if !slots::take_seat(&mut tx, new_slot.id, now).await? {
        return Err(RescheduleError::SlotFull);
    }
    let old = bookings::transition(
        &mut tx,
        booking.id,
        &[booking.status],
        BookingStatus::Cancelled,
        &Transition {
            cancelled_by: Some(actor.id()),
            cancel_reason: Some("rescheduled".into()),
            refund_eligible: Some(false),
        },
        now,
    )
    .await?
    .ok_or(BookingRuleError::InvalidTransition)?;
    slots::release_seat(&mut tx, old_slot.id, now).await?;
    let new = bookings::insert(
        &mut tx,
        &NewBooking {
            id: Id::generate(),
            slot_id: new_slot.id,
            student_id: old.student_id,
            status: booking.status,
            list_price_minor: old.list_price_minor,
            discount_minor: old.discount_minor,
            currency: &old.currency,
            hold_expires_at: old.hold_expires_at,
            rescheduled_from: Some(old.id),
            reschedule_count: old.reschedule_count + 1,
            idempotency_key: None,
            request_fingerprint: None,
        },
        now,
    )
    .await
    .map_err(|e| match e {
        InsertBookingError::Duplicate => RescheduleError::AlreadyBooked,
        InsertBookingError::Database(e) => e.into(),
    })?;
    promo::move_to(&mut tx, old.id, new.id, now).await?;
    crate::notify::cancel_reminders(&mut tx, &session(&old, &old_slot, &course), now).await?;
    if new.status == BookingStatus::Confirmed {
        crate::notify::schedule_reminders(&mut tx, &session(&new, &new_slot, &course), now).await?;
    }
    record_booking(
        &mut tx,
        meta,
        Some(actor.id()),
        "booking.rescheduled",
        &new,
        json!({ "from_booking": old.id, "slot_id": { "before": old_slot.id, "after": new_slot.id } }),
        now,
    )
    .await?;
    let text = |local: &dyn Fn(Timestamp) -> String| {
        format!(
            "The session of {} moved from {} to {}.",
            course.title,
            local(old_slot.starts_at),
            local(new_slot.starts_at)
        )
    };
    booking_notice(
        &mut tx,
        new.student_id,
        NotificationKind::BookingRescheduled,
        "Session rescheduled".into(),
        text,
        &new,
        now,
    )
    .await?;
    booking_notice(
        &mut tx,
        course.instructor_id,
        NotificationKind::BookingRescheduled,
        "Booking rescheduled".into(),
        text,
        &new,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(new)
}
