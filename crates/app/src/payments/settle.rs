//! A charge's outcome, however it is learnt (a webhook, a capture, an
//! administrator): recorded once, however often it is reported.

use medicaledu_domain::{Id, NotificationKind, PaymentStatus};
use medicaledu_payments::{ChargeStatus, ProviderCharge};
use medicaledu_store::payments::{self, PaymentRow};
use medicaledu_store::{Tx, bookings};
use serde_json::{Value, json};

use super::confirm::confirm_paid_booking;
use super::refund::{RefundError, refund};
use super::{display, notify, record};
use crate::{AppContext, Internal, RequestMeta};

/// Why settling a charge failed.
#[derive(Debug, thiserror::Error)]
pub enum SettleError {
    /// The provider captured another amount than the charge's.
    #[error("PayPal captured an amount other than this payment's.")]
    AmountMismatch,
    /// The booking could not be honoured and giving the money back failed.
    #[error(transparent)]
    Refund(#[from] RefundError),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(SettleError);

crate::failure!(SettleError {
    AmountMismatch => ProviderInvalidResponse,
} wraps {
    Refund(RefundError),
    Internal(Internal),
});

/// Records a charge's success once, however often it is reported, and
/// confirms its booking. If the booking's hold ran out meanwhile, the seat is
/// taken again when one is free; if the booking cannot be honoured any more
/// (cancelled meanwhile, no seat left) the money goes back at once.
pub async fn settle_success(
    ctx: &AppContext,
    meta: &RequestMeta,
    actor: Option<Id>,
    payment_id: Id,
) -> Result<(), SettleError> {
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let Some(before) = payments::find_for_update(&mut tx, payment_id).await? else {
        return Ok(());
    };
    let Some(paid) = super::set_status(
        &mut tx,
        payment_id,
        &[
            PaymentStatus::Pending,
            PaymentStatus::RequiresAction,
            PaymentStatus::Failed,
        ],
        PaymentStatus::Succeeded,
        None,
        now,
    )
    .await?
    else {
        return Ok(());
    };
    record(
        &mut tx,
        meta,
        actor,
        "payment.succeeded",
        &paid,
        json!({ "status": { "before": before.status, "after": PaymentStatus::Succeeded } }),
        now,
    )
    .await?;
    let booking = bookings::find_for_update(&mut tx, paid.booking_id)
        .await?
        .ok_or_else(|| Internal::invariant("payment without booking"))?;
    notify(
        &mut tx,
        booking.student_id,
        NotificationKind::PaymentSucceeded,
        "Payment received",
        format!(
            "We received {}.",
            display(paid.amount_minor, &paid.currency)
        ),
        &paid,
        now,
    )
    .await?;
    let confirmed = confirm_paid_booking(&mut tx, meta, actor, booking.id, now).await?;
    tx.commit().await?;
    if !confirmed {
        refund(
            ctx,
            meta,
            actor,
            paid.id,
            Some(paid.amount_minor),
            "the session's seat was no longer available",
            &format!("auto-{}", paid.id),
        )
        .await?;
    }
    Ok(())
}

/// Records a charge's failure inside `tx`, unless it already succeeded.
pub(super) async fn settle_failure(
    tx: &mut Tx,
    meta: &RequestMeta,
    payment_id: Id,
    reason: &str,
    now: medicaledu_domain::Timestamp,
) -> Result<(), Internal> {
    let Some(failed) = super::set_status(
        tx,
        payment_id,
        &[PaymentStatus::Pending, PaymentStatus::RequiresAction],
        PaymentStatus::Failed,
        Some(reason),
        now,
    )
    .await?
    else {
        return Ok(());
    };
    record(
        tx,
        meta,
        None,
        "payment.failed",
        &failed,
        json!({ "reason": reason }),
        now,
    )
    .await?;
    if let Some(booking) = bookings::find_tx(tx, failed.booking_id).await? {
        notify(
            tx,
            booking.student_id,
            NotificationKind::PaymentFailed,
            "Payment failed",
            format!(
                "Your payment of {} failed: {reason}",
                display(failed.amount_minor, &failed.currency)
            ),
            &failed,
            now,
        )
        .await?;
    }
    Ok(())
}

/// Records a charge's failure in a transaction of its own.
pub async fn settle_failure_now(
    ctx: &AppContext,
    meta: &RequestMeta,
    payment_id: Id,
    reason: &str,
) -> Result<(), Internal> {
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    settle_failure(&mut tx, meta, payment_id, reason, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The `PayPal-Request-Id` of a charge's capture: one per charge, so the
/// capture endpoint and the approval webhook, racing or retried, make one
/// request in PayPal's eyes.
pub fn paypal_capture_key(charge: &PaymentRow) -> String {
    format!("{}:capture", charge.idempotency_key)
}

/// Keeps what PayPal answered to capturing a charge's order and settles the
/// charge by it; the capture endpoint and the approval webhook both end here,
/// so whichever comes second finds the charge settled and changes nothing.
pub async fn settle_paypal_capture(
    ctx: &AppContext,
    meta: &RequestMeta,
    actor: Option<Id>,
    charge: &PaymentRow,
    captured: &ProviderCharge,
) -> Result<(), SettleError> {
    let amount = captured
        .metadata
        .get("amount_minor")
        .and_then(Value::as_i64);
    let currency = captured.metadata.get("currency").and_then(Value::as_str);
    if amount != Some(charge.amount_minor) || currency != Some(charge.currency.as_str()) {
        // The order was made for the charge's amount; anything else means the
        // order is not what this row thinks it is, and no seat is given for it.
        tracing::error!(
            payment = %charge.id,
            ?amount,
            ?currency,
            "PayPal captured an amount other than the charge's; not settled"
        );
        return Err(SettleError::AmountMismatch);
    }
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    payments::set_provider_details(&mut tx, charge.id, None, &captured.metadata, now).await?;
    tx.commit().await?;
    match captured.status {
        ChargeStatus::Succeeded => settle_success(ctx, meta, actor, charge.id).await,
        ChargeStatus::Failed => {
            Ok(settle_failure_now(ctx, meta, charge.id, "PayPal declined the capture").await?)
        }
        // A capture PayPal holds for review: its PAYMENT.CAPTURE webhook settles it.
        ChargeStatus::Pending | ChargeStatus::RequiresAction => Ok(()),
    }
}
