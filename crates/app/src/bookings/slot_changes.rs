//! What a slot's change does to its bookings: cancelled with it, or told
//! that it moved.

use medicaledu_domain::{BookingStatus, Id, NotificationKind, Timestamp};
use medicaledu_store::Tx;
use medicaledu_store::bookings::{self, Transition};
use medicaledu_store::courses::CourseRow;
use medicaledu_store::slots::SlotRow;
use serde_json::json;

use crate::payments::confirm::{booking_notice, record_booking, session};
use crate::{Internal, RequestMeta};

/// Cancels every live booking of a slot being cancelled, inside the slot's
/// transaction; returns their ids. Confirmed ones are owed a refund, which
/// the caller issues once the transaction is committed.
pub async fn cancel_for_slot(
    tx: &mut Tx,
    meta: &RequestMeta,
    actor: Id,
    course: &CourseRow,
    slot: &SlotRow,
    now: Timestamp,
) -> Result<Vec<Id>, Internal> {
    let mut cancelled_ids = Vec::new();
    for booking in bookings::live_for_slot(tx, slot.id).await? {
        let cancelled = bookings::transition(
            tx,
            booking.id,
            &[booking.status],
            BookingStatus::Cancelled,
            &Transition {
                cancelled_by: Some(actor),
                cancel_reason: Some("slot_cancelled".into()),
                refund_eligible: Some(booking.status == BookingStatus::Confirmed),
            },
            now,
        )
        .await?;
        if let Some(cancelled) = cancelled {
            crate::notify::cancel_reminders(tx, &session(&cancelled, slot, course), now).await?;
            crate::enrollments::revoke_unpaid(
                tx,
                meta,
                Some(actor),
                cancelled.student_id,
                course.id,
                now,
            )
            .await?;
            record_booking(
                tx,
                meta,
                Some(actor),
                "booking.cancelled",
                &cancelled,
                json!({ "reason": "slot_cancelled" }),
                now,
            )
            .await?;
            let text = |local: &dyn Fn(Timestamp) -> String| {
                format!(
                    "The instructor cancelled the session of {} on {}.",
                    course.title,
                    local(slot.starts_at)
                )
            };
            booking_notice(
                tx,
                cancelled.student_id,
                NotificationKind::SlotCancelled,
                "Session cancelled".into(),
                text,
                &cancelled,
                now,
            )
            .await?;
            cancelled_ids.push(cancelled.id);
        }
    }
    Ok(cancelled_ids)
}

/// Tells the students of a moved slot about its new time and moves the
/// reminders of its confirmed bookings.
pub async fn notify_slot_moved(
    tx: &mut Tx,
    course: &CourseRow,
    before: &SlotRow,
    slot: &SlotRow,
    now: Timestamp,
) -> Result<(), Internal> {
    for booking in bookings::live_for_slot(tx, slot.id).await? {
        if booking.status == BookingStatus::Confirmed {
            crate::notify::cancel_reminders(tx, &session(&booking, before, course), now).await?;
            crate::notify::schedule_reminders(tx, &session(&booking, slot, course), now).await?;
        }
        let text = |local: &dyn Fn(Timestamp) -> String| {
            format!(
                "The session of {} now starts on {}.",
                course.title,
                local(slot.starts_at)
            )
        };
        booking_notice(
            tx,
            booking.student_id,
            NotificationKind::BookingRescheduled,
            "Session moved".into(),
            text,
            &booking,
            now,
        )
        .await?;
    }
    Ok(())
}
