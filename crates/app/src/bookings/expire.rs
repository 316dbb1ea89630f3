//! Expiring unpaid holds: the seat and the promo code go back.

use medicaledu_domain::{BookingStatus, NotificationKind};
use medicaledu_store::bookings::{self, Transition};
use medicaledu_store::{promo, slots};
use serde_json::json;

use crate::payments::confirm::{booking_notice, record_booking};
use crate::{AppContext, Internal, RequestMeta};

/// Expires pending bookings whose hold ran out by `ctx.now()` and gives
/// their seats back; returns how many. Safe to run on every server and
/// worker at once: each expiry is its own transaction and a conditional
/// update on the booking still being pending, so a payment confirming it
/// meanwhile wins and the sweep skips it.
pub async fn expire_holds(ctx: &AppContext) -> Result<usize, Internal> {
    let now = ctx.now();
    let meta = RequestMeta {
        user_agent: Some("medicaledu hold sweeper".into()),
        ..RequestMeta::default()
    };
    let mut expired = 0;
    for id in bookings::due_holds(&ctx.db, now, 200).await? {
        let mut tx = ctx.db.begin_write().await?;
        let Some(booking) = bookings::transition(
            &mut tx,
            id,
            &[BookingStatus::Pending],
            BookingStatus::Expired,
            &Transition::default(),
            now,
        )
        .await?
        else {
            continue;
        };
        slots::release_seat(&mut tx, booking.slot_id, now).await?;
        promo::release_for_booking(&mut tx, booking.id, now).await?;
        record_booking(
            &mut tx,
            &meta,
            None,
            "booking.expired",
            &booking,
            json!({ "status": { "before": BookingStatus::Pending, "after": BookingStatus::Expired } }),
            now,
        )
        .await?;
        booking_notice(
            &mut tx,
            booking.student_id,
            NotificationKind::BookingExpired,
            "Booking expired".into(),
            |_| "Your booking expired before it was paid; the seat was released.".into(),
            &booking,
            now,
        )
        .await?;
        tx.commit().await?;
        crate::telemetry::bookings_expired();
        expired += 1;
    }
    Ok(expired)
}
