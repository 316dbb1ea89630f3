//! Refunds: money back on a succeeded charge, never more than was charged.

use medicaledu_domain::{Id, NotificationKind, PaymentKind, PaymentStatus};
use medicaledu_payments::{ChargeStatus, RefundRequest};
use medicaledu_store::payments::{self, InsertPaymentError, NewPayment, PaymentRow};
use medicaledu_store::{bookings, slots};
use serde_json::{Value, json};

use super::{ProviderFailure, display, notify, record};
use crate::{Actor, AppContext, Fields, Forbidden, Internal, Invalid, RequestMeta};

/// Why a refund was not made.
#[derive(Debug, thiserror::Error)]
pub enum RefundError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("Payment not found.")]
    NotFound,
    #[error("Only succeeded charges are refunded.")]
    NotRefundable,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// "The rest" of a charge refunded in full is nothing: the request is
    /// fine, the charge is not, as when an amount exceeds what is left.
    #[error("Nothing is left to refund on this charge.")]
    NothingLeft,
    #[error("That would refund more than was charged.")]
    ExceedsCharge,
    #[error("This refund already exists.")]
    Duplicate,
    #[error(transparent)]
    Provider(#[from] ProviderFailure),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(RefundError);

crate::failure!(RefundError {
    NotFound => NotFound,
    NotRefundable => NotRefundable,
    NothingLeft => RefundExceedsCharge,
    ExceedsCharge => RefundExceedsCharge,
    Duplicate => DuplicateRefund,
} wraps {
    Forbidden(Forbidden),
    Invalid(Invalid),
    Provider(ProviderFailure),
    Internal(Internal),
});

/// An administrator's refund of (part of) a charge.
#[derive(Clone, Debug)]
pub struct RefundInput {
    /// Default: all that is left of the charge.
    pub amount_minor: Option<i64>,
    pub reason: String,
    /// Makes a retry return the same refund.
    pub idempotency_key: Option<String>,
}

/// Refunds (part of) a charge: admins only.
pub async fn create_refund(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    charge_id: Id,
    input: RefundInput,
) -> Result<PaymentRow, RefundError> {
    actor.require_admin()?;
    let charge = payments::find(&ctx.db, charge_id)
        .await?
        .ok_or(RefundError::NotFound)?;
    if charge.kind != PaymentKind::Charge || charge.status != PaymentStatus::Succeeded {
        return Err(RefundError::NotRefundable);
    }
    let mut fields = Fields::default();
    if input.amount_minor.is_some_and(|amount| amount <= 0) {
        fields.reject("amount_minor", "out_of_range", "must be positive");
    }
    let reason = input.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        fields.reject("reason", "invalid", "1 to 500 characters");
    }
    fields.finish()?;
    let key = match &input.idempotency_key {
        Some(k) => format!("refund:{}:{k}", charge.id),
        None => format!("refund:{}", Id::generate()),
    };
    refund(
        ctx,
        meta,
        Some(actor.id()),
        charge.id,
        input.amount_minor,
        reason,
        &key,
    )
    .await
}

/// Refunds `amount` (default: what is left) of a succeeded charge: reserves
/// it on the charge, read under its lock (never past the charged amount, also
/// under concurrency), records the refund row, asks the provider, and
/// records its answer. Idempotent per `key`.
pub(super) async fn refund(
    ctx: &AppContext,
    meta: &RequestMeta,
    actor: Option<Id>,
    charge_id: Id,
    amount: Option<i64>,
    reason: &str,
    key: &str,
) -> Result<PaymentRow, RefundError> {
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let charge = payments::find_for_update(&mut tx, charge_id)
        .await?
        .ok_or(RefundError::NotFound)?;
    if charge.kind != PaymentKind::Charge || charge.status != PaymentStatus::Succeeded {
        return Err(RefundError::NotRefundable);
    }
    let amount = amount.unwrap_or(charge.amount_minor - charge.refunded_minor);
    if amount <= 0 {
        return Err(RefundError::NothingLeft);
    }
    if let Some(existing) = payments::find_by_key(&mut tx, key).await? {
        tx.commit().await?;
        return Ok(existing);
    }
    if !payments::reserve_refund(&mut tx, charge.id, amount, now).await? {
        return Err(RefundError::ExceedsCharge);
    }
    let row = payments::insert(
        &mut tx,
        &NewPayment {
            id: Id::generate(),
            booking_id: charge.booking_id,
            provider: charge.provider,
            kind: PaymentKind::Refund,
            refund_of: Some(charge.id),
            amount_minor: amount,
            currency: &charge.currency,
            status: PaymentStatus::Pending,
            provider_payment_id: None,
            idempotency_key: key,
        },
        now,
    )
    .await
    .map_err(|e| match e {
        InsertPaymentError::Duplicate => RefundError::Duplicate,
        InsertPaymentError::Database(e) => e.into(),
    })?;
    record(
        &mut tx,
        meta,
        actor,
        "payment.refund_requested",
        &row,
        json!({ "refund_of": charge.id, "amount_minor": amount, "reason": reason }),
        now,
    )
    .await?;
    tx.commit().await?;

    let provider = charge.provider;
    let target = charge
        .provider_metadata
        .0
        .get("paypal_capture_id")
        .and_then(Value::as_str)
        .or(charge.provider_payment_id.as_deref())
        .unwrap_or_default()
        .to_owned();
    let answer = ctx
        .providers
        .refund(
            provider,
            RefundRequest {
                provider_payment_id: &target,
                amount_minor: amount,
                currency: &charge.currency,
                idempotency_key: key,
                reason,
            },
        )
        .await;
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let settled = match answer {
        Ok(done) => {
            payments::set_provider_details(
                &mut tx,
                row.id,
                done.provider_refund_id.as_deref(),
                &done.metadata,
                now,
            )
            .await?;
            match done.status {
                ChargeStatus::Succeeded => {
                    super::set_status(
                        &mut tx,
                        row.id,
                        &[PaymentStatus::Pending],
                        PaymentStatus::Succeeded,
                        None,
                        now,
                    )
                    .await?
                }
                ChargeStatus::Failed => {
                    payments::unreserve_refund(&mut tx, charge.id, amount, now).await?;
                    super::set_status(
                        &mut tx,
                        row.id,
                        &[PaymentStatus::Pending],
                        PaymentStatus::Failed,
                        Some("refused by the provider"),
                        now,
                    )
                    .await?
                }
                ChargeStatus::Pending | ChargeStatus::RequiresAction => None,
            }
        }
        Err(e) if !e.is_retryable() => {
            payments::unreserve_refund(&mut tx, charge.id, amount, now).await?;
            super::set_status(
                &mut tx,
                row.id,
                &[PaymentStatus::Pending],
                PaymentStatus::Failed,
                Some(&e.to_string()),
                now,
            )
            .await?
        }
        Err(e) => {
            tracing::warn!(code = e.code(), refund = %row.id, "refund outcome unknown; it stays pending");
            None
        }
    };
    let final_row = settled.unwrap_or(row);
    if final_row.status == PaymentStatus::Succeeded {
        record(
            &mut tx,
            meta,
            actor,
            "payment.refunded",
            &final_row,
            json!({ "refund_of": charge.id, "amount_minor": amount }),
            now,
        )
        .await?;
        if let Some(booking) = bookings::find_tx(&mut tx, charge.booking_id).await? {
            if let Some(slot) = slots::find_tx(&mut tx, booking.slot_id).await? {
                crate::enrollments::revoke_unpaid(
                    &mut tx,
                    meta,
                    actor,
                    booking.student_id,
                    slot.course_id,
                    now,
                )
                .await?;
            }
            notify(
                &mut tx,
                booking.student_id,
                NotificationKind::PaymentRefunded,
                "Refund issued",
                format!(
                    "{} was refunded: {reason}.",
                    display(amount, &charge.currency)
                ),
                &final_row,
                now,
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(final_row)
}

/// The payments of a booking and of the bookings it was rescheduled from: a
/// reschedule carries the payment over to the new booking.
async fn paid_for(ctx: &AppContext, booking_id: Id) -> Result<Vec<PaymentRow>, Internal> {
    let mut all = Vec::new();
    let mut next = Some(booking_id);
    while let Some(id) = next {
        all.extend(payments::for_booking(&ctx.db, id).await?);
        next = bookings::find(&ctx.db, id)
            .await?
            .and_then(|b| b.rescheduled_from);
    }
    Ok(all)
}

/// Refunds what remains of the booking's succeeded charges; used when a
/// booking is cancelled inside the refund window or its slot is cancelled.
pub async fn refund_booking(
    ctx: &AppContext,
    meta: &RequestMeta,
    actor: Option<Id>,
    booking_id: Id,
    reason: &str,
) -> Result<(), RefundError> {
    for charge in paid_for(ctx, booking_id).await? {
        if charge.kind != PaymentKind::Charge || charge.status != PaymentStatus::Succeeded {
            continue;
        }
        // What is left is read again under the charge's lock: a refund that
        // got there first (a retry, a concurrent cancellation) leaves nothing.
        let refunded = refund(
            ctx,
            meta,
            actor,
            charge.id,
            None,
            reason,
            &format!("cancel-{}", charge.id),
        )
        .await;
        match refunded {
            Ok(_) | Err(RefundError::NothingLeft) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
