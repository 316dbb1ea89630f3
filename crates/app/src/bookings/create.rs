//! Booking a seat.

use medicaledu_domain::{
    BookingRuleError, BookingStatus, CourseStatus, Id, PromoCheck, Role, Timestamp, check_notice,
    hold_expires_at, initial_status,
};
use medicaledu_store::bookings::{self, BookingRow, InsertBookingError, NewBooking};
use medicaledu_store::{courses, promo, slots, users};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::payments::confirm::{confirmed, record_booking};
use crate::{Actor, AppContext, Forbidden, Internal, Invalid, RequestMeta};

/// A seat asked for.
#[derive(Clone, Debug)]
pub struct BookInput {
    pub slot_id: Id,
    pub promo_code: Option<String>,
    /// Makes a retry return the same booking.
    pub idempotency_key: Option<String>,
}

/// The booking made, or found again by its idempotency key.
#[derive(Clone, Debug)]
pub struct Booked {
    pub booking: BookingRow,
    /// False when a retry with the same idempotency key found it.
    pub created: bool,
}

/// Why no seat was booked.
#[derive(Debug, thiserror::Error)]
pub enum BookError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// A bad promo code, or an idempotency key reused for another request.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("Slot not found.")]
    SlotNotFound,
    #[error("This session is not open for booking.")]
    SlotNotOpen,
    #[error("{0}")]
    Rule(#[from] BookingRuleError),
    #[error("You already hold a booking for this session.")]
    AlreadyBooked,
    #[error("No seats are left in this session.")]
    SlotFull,
    #[error("You already hold {0} unpaid bookings; pay for or cancel one first.")]
    TooManyPending(u32),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(BookError);

crate::failure!(BookError {
    SlotNotFound => NotFound,
    SlotNotOpen => SlotNotOpen,
    AlreadyBooked => AlreadyBooked,
    SlotFull => SlotFull,
    TooManyPending(_) => TooManyPendingBookings,
} wraps {
    Forbidden(Forbidden),
    Invalid(Invalid),
    Rule(BookingRuleError),
    Internal(Internal),
});

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Books a seat in a slot for the acting student. A free booking is
/// confirmed at once; a paid one is pending, its seat held for payment.
pub async fn book(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    input: BookInput,
) -> Result<Booked, BookError> {
    if !actor.is(Role::Student) {
        return Err(Forbidden("Only students book sessions.").into());
    }
    let fingerprint = hex(&Sha256::digest(format!(
        "slot={};promo={:?}",
        input.slot_id, input.promo_code
    )));
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let limit = ctx.settings.max_pending_bookings;
    if limit > 0 {
        // Concurrent bookings of one student wait for each other here, so
        // that each counts the pending bookings the others made.
        users::lock(&mut tx, actor.id()).await?;
    }
    if let Some(key) = &input.idempotency_key
        && let Some(existing) = bookings::find_by_idempotency_key(&mut tx, actor.id(), key).await?
    {
        tx.commit().await?;
        if existing.request_fingerprint.as_deref() != Some(fingerprint.as_str()) {
            return Err(Invalid::one(
                "Idempotency-Key",
                "reused",
                "this key was used for a different request",
            )
            .into());
        }
        return Ok(Booked {
            booking: existing,
            created: false,
        });
    }
    let slot = slots::find_tx(&mut tx, input.slot_id)
        .await?
        .filter(|s| s.deleted_at.is_none())
        .ok_or(BookError::SlotNotFound)?;
    let course = courses::find_live_tx(&mut tx, slot.course_id)
        .await?
        .filter(|c| c.status == CourseStatus::Published)
        .ok_or(BookError::SlotNotFound)?;
    if !slot.status.is_bookable() {
        return Err(BookError::SlotNotOpen);
    }
    check_notice(
        &ctx.settings.booking,
        *slot.starts_at.as_datetime(),
        *now.as_datetime(),
    )?;
    if bookings::find_live_for(&mut tx, actor.id(), slot.id)
        .await?
        .is_some()
    {
        return Err(BookError::AlreadyBooked);
    }
    let promo = match input
        .promo_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(code) => {
            let check = PromoCheck {
                list_minor: slot.price_minor,
                currency: &slot.currency,
                course_id: course.id,
                instructor_id: course.instructor_id,
                now: *now.as_datetime(),
            };
            Some(crate::promo::redeem_for_booking(&mut tx, code, actor.id(), &check, now).await??)
        }
        None => None,
    };
    let discount = promo.as_ref().map_or(0, |(_, d)| *d);
    let status = initial_status(slot.price_minor - discount);
    // Only unpaid bookings hold seats without paying for them; a free
    // booking is confirmed at once and is never refused for this.
    if limit > 0
        && status == BookingStatus::Pending
        && bookings::pending_held_by(&mut tx, actor.id(), now).await? >= i64::from(limit)
    {
        return Err(BookError::TooManyPending(limit));
    }
    if !slots::take_seat(&mut tx, slot.id, now).await? {
        return Err(BookError::SlotFull);
    }
    let hold = (status == BookingStatus::Pending)
        .then(|| Timestamp::from(hold_expires_at(&ctx.settings.booking, *now.as_datetime())));
    let booking = bookings::insert(
        &mut tx,
        &NewBooking {
            id: Id::generate(),
            slot_id: slot.id,
            student_id: actor.id(),
            status,
            list_price_minor: slot.price_minor,
            discount_minor: discount,
            currency: &slot.currency,
            hold_expires_at: hold,
            rescheduled_from: None,
            reschedule_count: 0,
            idempotency_key: input.idempotency_key.as_deref(),
            request_fingerprint: Some(&fingerprint),
        },
        now,
    )
    .await
    .map_err(|e| match e {
        InsertBookingError::Duplicate => BookError::AlreadyBooked,
        InsertBookingError::Database(e) => e.into(),
    })?;
    if let Some((code, discount)) = &promo {
        promo::attach(
            &mut tx,
            booking.id,
            code.id,
            *discount,
            &booking.currency,
            now,
        )
        .await?;
    }
    record_booking(
        &mut tx,
        meta,
        Some(actor.id()),
        "booking.created",
        &booking,
        json!({
            "slot_id": slot.id,
            "status": booking.status,
            "list_price_minor": booking.list_price_minor,
            "discount_minor": booking.discount_minor,
            "total_minor": booking.total_minor,
            "currency": booking.currency,
            "promo_code": promo.as_ref().map(|(code, _)| code.code.clone()),
        }),
        now,
    )
    .await?;
    if status == BookingStatus::Confirmed {
        confirmed(
            &mut tx,
            meta,
            Some(actor.id()),
            &booking,
            &course,
            &slot,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    crate::telemetry::bookings_created();
    Ok(Booked {
        booking,
        created: true,
    })
}
