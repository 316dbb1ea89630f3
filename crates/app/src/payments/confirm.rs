//! A booking becomes confirmed when it is paid, or at once when it is free:
//! the student is enrolled, both sides are told, and reminders are scheduled.
//! Also the booking notices and audit rows every booking change shares.

use medicaledu_domain::{BookingStatus, Id, NotificationKind, TimeZone, Timestamp, local_time};
use medicaledu_store::Tx;
use medicaledu_store::bookings::{self, BookingRow, Transition};
use medicaledu_store::courses::{self, CourseRow};
use medicaledu_store::slots::{self, SlotRow};
use serde_json::{Value, json};

use crate::audit::{self, Change};
use crate::notify::{Notice, Session};
use crate::{Internal, RequestMeta};

/// Queues a notice about `booking`; `body` writes the text with times in the
/// recipient's own zone.
pub async fn booking_notice(
    tx: &mut Tx,
    user_id: Id,
    kind: NotificationKind,
    title: String,
    body: impl FnOnce(&dyn Fn(Timestamp) -> String) -> String,
    booking: &BookingRow,
    now: Timestamp,
) -> Result<(), Internal> {
    let data = json!({
        "booking_id": booking.id,
        "slot_id": booking.slot_id,
        "status": booking.status,
        "cancelled_by": booking.cancelled_by,
        "refund_eligible": booking.refund_eligible,
    });
    let notice = |zone: &TimeZone| Notice {
        kind,
        title,
        body: body(&|at| local_time(at, zone)),
        data,
    };
    crate::notify::send_local(tx, user_id, notice, now).await
}

/// A booking's session, as its reminders name it.
pub fn session<'a>(booking: &BookingRow, slot: &SlotRow, course: &'a CourseRow) -> Session<'a> {
    Session {
        booking_id: booking.id,
        slot_id: slot.id,
        starts_at: slot.starts_at,
        course_title: &course.title,
        student_id: booking.student_id,
        instructor_id: course.instructor_id,
    }
}

/// Writes the audit row of a booking change.
pub async fn record_booking(
    tx: &mut Tx,
    meta: &RequestMeta,
    actor: Option<Id>,
    action: &str,
    booking: &BookingRow,
    changes: Value,
    now: Timestamp,
) -> Result<(), Internal> {
    audit::record(
        tx,
        meta,
        now,
        Change {
            actor,
            action,
            entity_type: "booking",
            entity_id: booking.id,
            changes,
        },
    )
    .await
}

/// Announces a confirmed booking to both sides and makes sure the student is
/// enrolled in the course.
pub async fn confirmed(
    tx: &mut Tx,
    meta: &RequestMeta,
    actor: Option<Id>,
    booking: &BookingRow,
    course: &CourseRow,
    slot: &SlotRow,
    now: Timestamp,
) -> Result<(), Internal> {
    crate::enrollments::ensure_for_booking(tx, meta, booking.student_id, course.id, now).await?;
    record_booking(
        tx,
        meta,
        actor,
        "booking.confirmed",
        booking,
        json!({ "status": { "after": BookingStatus::Confirmed } }),
        now,
    )
    .await?;
    let when = slot.starts_at;
    let title = &course.title;
    booking_notice(
        tx,
        booking.student_id,
        NotificationKind::BookingConfirmed,
        "Session booked".into(),
        |local| format!("Your session of {title} on {} is confirmed.", local(when)),
        booking,
        now,
    )
    .await?;
    booking_notice(
        tx,
        course.instructor_id,
        NotificationKind::BookingConfirmed,
        "New booking".into(),
        |local| {
            format!(
                "A student booked your session of {title} on {}.",
                local(when)
            )
        },
        booking,
        now,
    )
    .await?;
    crate::notify::schedule_reminders(tx, &session(booking, slot, course), now).await
}

/// Confirms a paid booking, read under its lock; false when it can no longer
/// be honoured (cancelled meanwhile, or expired with no seat left).
pub(super) async fn confirm_paid_booking(
    tx: &mut Tx,
    meta: &RequestMeta,
    actor: Option<Id>,
    booking_id: Id,
    now: Timestamp,
) -> Result<bool, Internal> {
    let booking = bookings::find_for_update(tx, booking_id)
        .await?
        .ok_or_else(|| Internal::invariant("payment without booking"))?;
    let slot = slots::find_tx(tx, booking.slot_id)
        .await?
        .ok_or_else(|| Internal::invariant("booking without slot"))?;
    let Some(course) = courses::find_live_tx(tx, slot.course_id).await? else {
        return Ok(false);
    };
    let from = match booking.status {
        BookingStatus::Pending => BookingStatus::Pending,
        // A late payment: the hold expired, but a free seat makes it good.
        BookingStatus::Expired
            if slot.deleted_at.is_none() && slots::take_seat(tx, slot.id, now).await? =>
        {
            BookingStatus::Expired
        }
        _ => return Ok(false),
    };
    let Some(confirmed_row) = bookings::transition(
        tx,
        booking.id,
        &[from],
        BookingStatus::Confirmed,
        &Transition::default(),
        now,
    )
    .await?
    else {
        return Ok(false);
    };
    confirmed(tx, meta, actor, &confirmed_row, &course, &slot, now).await?;
    Ok(true)
}
