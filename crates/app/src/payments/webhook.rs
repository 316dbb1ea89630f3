//! Provider events, verified by the adapter that received them, handled
//! through the same conditional updates as the API, so a replayed or
//! out-of-order event can never confirm or count twice.

use medicaledu_domain::{Id, NotificationKind, PaymentKind, PaymentStatus};
use medicaledu_payments::{
    PaypalEvent, PaypalResource, ProviderError, ProviderName, StripeEvent, StripeObject,
};
use medicaledu_store::payments::{self, InsertPaymentError, NewPayment, PaymentRow};
use medicaledu_store::{bookings, slots};
use serde_json::json;

use super::settle::{
    SettleError, paypal_capture_key, settle_failure_now, settle_paypal_capture, settle_success,
};
use super::{display, notify, record};
use crate::{AppContext, Internal, RequestMeta};

/// Why an event could not be handled; the provider delivers it again.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// PayPal approved an order that could not be captured.
    #[error("Could not capture the order.")]
    Capture(ProviderError),
    #[error(transparent)]
    Settle(#[from] SettleError),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(WebhookError);

crate::failure!(WebhookError {
    Capture(ProviderError::NotConfigured(_)) => ProviderNotConfigured,
    Capture(ProviderError::Rejected { .. }) => ProviderRejected,
    Capture(ProviderError::InvalidRequest(_)) => InvalidPaymentRequest,
    Capture(ProviderError::InvalidResponse(_)) => ProviderInvalidResponse,
    Capture(ProviderError::Unavailable(_)) => ProviderUnavailable,
} wraps {
    Settle(SettleError),
    Internal(Internal),
});

/// How payment rows name the providers whose events arrive here.
const STRIPE: ProviderName = ProviderName::Stripe;
const PAYPAL: ProviderName = ProviderName::Paypal;

fn meta(provider: ProviderName, event_id: &str) -> RequestMeta {
    RequestMeta {
        user_agent: Some(format!("{provider} webhook")),
        request_id: Some(event_id.to_owned()),
        ..RequestMeta::default()
    }
}

/// The charge a provider event is about, if it is ours and its amount agrees.
async fn our_charge(
    ctx: &AppContext,
    provider: ProviderName,
    provider_id: &str,
    amount_minor: Option<(i64, &str)>,
) -> Result<Option<PaymentRow>, Internal> {
    let Some(charge) = payments::find_by_provider_id(&ctx.db, provider, provider_id).await? else {
        tracing::info!(
            %provider,
            provider_id,
            "webhook about a payment this server does not know; ignored"
        );
        return Ok(None);
    };
    if let Some((amount, currency)) = amount_minor
        && (amount != charge.amount_minor || currency != charge.currency)
    {
        tracing::error!(
            %provider,
            provider_id,
            amount,
            currency,
            "webhook amount differs from the charge; not settled"
        );
        return Ok(None);
    }
    Ok(Some(charge))
}

/// How much a provider event says was refunded.
#[derive(Clone, Copy, Debug)]
enum Refunded {
    /// The charge's running total (Stripe's `amount_refunded`).
    Total(i64),
    /// One refund not recorded under its id (a PayPal refund event without
    /// the total).
    Amount(i64),
}

/// Records a refund made at the provider (its dashboard, a chargeback) that
/// this server did not ask for: the part of the refunded money not yet counted.
async fn external_refund(
    ctx: &AppContext,
    meta: &RequestMeta,
    charge_id: Id,
    refunded: Refunded,
    provider_refund_id: Option<&str>,
    event_id: &str,
) -> Result<(), Internal> {
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    // What is still missing is read under the charge's lock: events about one
    // charge can arrive together, and each working from the same earlier
    // total would count the same money twice.
    let Some(charge) = payments::find_for_update(&mut tx, charge_id).await? else {
        return Ok(());
    };
    // A refund the app asked for and whose answer it has not stored yet is
    // already counted in `refunded_minor`, but its provider id is unknown
    // here: it may be the very refund this event announces.
    let in_flight = payments::for_booking_tx(&mut tx, charge.booking_id)
        .await?
        .iter()
        .any(|p| {
            p.refund_of == Some(charge.id)
                && p.status == PaymentStatus::Pending
                && p.provider_payment_id.is_none()
        });
    let missing = match refunded {
        Refunded::Total(total) => total - charge.refunded_minor,
        Refunded::Amount(_) if in_flight => {
            tracing::warn!(
                payment = %charge.id,
                "refund event without a total while a refund awaits the provider's answer; not counted"
            );
            return Ok(());
        }
        Refunded::Amount(amount) => amount,
    };
    if missing <= 0 {
        return Ok(());
    }
    // Naming the in-flight refund's id here would take it from the refund's
    // own row, which stores it when the provider's answer arrives.
    let provider_refund_id = provider_refund_id.filter(|_| !in_flight);
    if !payments::reserve_refund(&mut tx, charge.id, missing, now).await? {
        tracing::error!(
            payment = %charge.id,
            missing,
            "provider reports more refunded than this charge has left; not recorded"
        );
        return Ok(());
    }
    let key = format!("{}-event:{event_id}", charge.provider);
    let inserted = payments::insert(
        &mut tx,
        &NewPayment {
            id: Id::generate(),
            booking_id: charge.booking_id,
            provider: charge.provider,
            kind: PaymentKind::Refund,
            refund_of: Some(charge.id),
            amount_minor: missing,
            currency: &charge.currency,
            status: PaymentStatus::Succeeded,
            provider_payment_id: provider_refund_id,
            idempotency_key: &key,
        },
        now,
    )
    .await;
    let row = match inserted {
        Ok(row) => row,
        // The same event again: already recorded.
        Err(InsertPaymentError::Duplicate) => return Ok(()),
        Err(InsertPaymentError::Database(e)) => return Err(e.into()),
    };
    crate::telemetry::payment_settled(&row);
    record(
        &mut tx,
        meta,
        None,
        "payment.refunded",
        &row,
        json!({ "refund_of": charge.id, "amount_minor": missing, "source": "provider" }),
        now,
    )
    .await?;
    if let Some(booking) = bookings::find_tx(&mut tx, charge.booking_id).await? {
        if let Some(slot) = slots::find_tx(&mut tx, booking.slot_id).await? {
            crate::enrollments::revoke_unpaid(
                &mut tx,
                meta,
                None,
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
            format!("{} was refunded.", display(missing, &charge.currency)),
            &row,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Keeps the capture id on a PayPal charge that lacks it: refunds are made
/// against the capture. A charge lacks it when PayPal captured but its answer
/// to our capture call was lost, and this event is all that says so.
async fn remember_capture(
    ctx: &AppContext,
    charge: &PaymentRow,
    capture_id: &str,
) -> Result<(), Internal> {
    if charge
        .provider_metadata
        .0
        .get("paypal_capture_id")
        .is_some()
    {
        return Ok(());
    }
    let mut metadata = match &charge.provider_metadata.0 {
        serde_json::Value::Object(fields) => fields.clone(),
        _ => serde_json::Map::new(),
    };
    metadata.insert("paypal_capture_id".to_owned(), json!(capture_id));
    let mut tx = ctx.db.begin_write().await?;
    payments::set_provider_details(
        &mut tx,
        charge.id,
        None,
        &serde_json::Value::Object(metadata),
        ctx.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Handles a verified Stripe event: `payment_intent.succeeded`,
/// `payment_intent.payment_failed` and `charge.refunded`. An event of the
/// other mode than the secret key's (a test payment on a live account, or
/// the reverse) is acknowledged and changes nothing: one webhook secret can
/// be shared by both modes, and test money must never confirm a real seat.
pub async fn stripe_event(ctx: &AppContext, event: &StripeEvent) -> Result<(), WebhookError> {
    let key_mode = ctx.settings.stripe.as_ref().and_then(|c| c.livemode());
    if key_mode.is_some_and(|live| live != event.livemode) {
        tracing::warn!(
            event = %event.id,
            livemode = event.livemode,
            "stripe event of the other mode than the secret key ignored"
        );
        return Ok(());
    }
    let meta = meta(STRIPE, &event.id);
    match &event.object {
        StripeObject::PaymentIntentSucceeded(intent) => {
            if let Some(charge) = our_charge(
                ctx,
                STRIPE,
                &intent.id,
                Some((intent.amount_minor, &intent.currency)),
            )
            .await?
            {
                settle_success(ctx, &meta, None, charge.id).await?;
            }
        }
        StripeObject::PaymentIntentFailed(intent) => {
            if let Some(charge) = our_charge(ctx, STRIPE, &intent.id, None).await? {
                let reason = intent
                    .failure_message
                    .as_deref()
                    .unwrap_or("the payment failed");
                settle_failure_now(ctx, &meta, charge.id, reason).await?;
            }
        }
        StripeObject::ChargeRefunded(stripe_charge) => {
            if let Some(intent) = &stripe_charge.payment_intent
                && let Some(charge) = our_charge(ctx, STRIPE, intent, None).await?
            {
                // The newest refund not recorded yet: the list also holds the
                // refunds this server made, whose ids it already stores.
                let mut refund_id = None;
                for id in &stripe_charge.refund_ids {
                    if payments::find_by_provider_id(&ctx.db, STRIPE, id)
                        .await?
                        .is_none()
                    {
                        refund_id = Some(id.as_str());
                        break;
                    }
                }
                external_refund(
                    ctx,
                    &meta,
                    charge.id,
                    Refunded::Total(stripe_charge.amount_refunded_minor),
                    refund_id,
                    &event.id,
                )
                .await?;
            }
        }
        StripeObject::Other => tracing::debug!(kind = %event.kind, "stripe event ignored"),
    }
    Ok(())
}

/// Handles a verified PayPal event: an approved order is captured; a
/// completed, denied or refunded capture settles the charge.
pub async fn paypal_event(ctx: &AppContext, event: &PaypalEvent) -> Result<(), WebhookError> {
    let meta = meta(PAYPAL, &event.id);
    match &event.resource {
        PaypalResource::Order {
            order_id, status, ..
        } if status == "APPROVED" => {
            if let Some(charge) = our_charge(ctx, PAYPAL, order_id, None).await? {
                let paypal = ctx.providers.paypal().map_err(WebhookError::Capture)?;
                let captured = paypal
                    .capture(order_id, &paypal_capture_key(&charge))
                    .await
                    .map_err(WebhookError::Capture)?;
                settle_paypal_capture(ctx, &meta, None, &charge, &captured).await?;
            }
        }
        PaypalResource::Capture {
            capture_id,
            status,
            order_id: Some(order_id),
            amount_minor,
            currency,
            ..
        } => {
            if let Some(charge) =
                our_charge(ctx, PAYPAL, order_id, Some((*amount_minor, currency))).await?
            {
                match status.as_str() {
                    "COMPLETED" => {
                        remember_capture(ctx, &charge, capture_id).await?;
                        settle_success(ctx, &meta, None, charge.id).await?
                    }
                    "DENIED" | "DECLINED" | "FAILED" => {
                        settle_failure_now(ctx, &meta, charge.id, "PayPal declined the payment")
                            .await?
                    }
                    _ => {}
                }
            }
        }
        PaypalResource::Refund {
            refund_id,
            custom_id: Some(payment_id),
            amount_minor,
            currency,
            total_refunded_minor,
            ..
        } => {
            let known = payments::find_by_provider_id(&ctx.db, PAYPAL, refund_id)
                .await?
                .is_some();
            // The running total, as for Stripe: this event may be about a
            // refund the app asked for whose answer it has not stored yet,
            // and only the total says whether its money is already counted.
            // Events without it can only be counted by their own amount.
            let refunded = match total_refunded_minor {
                Some(total) => Some(Refunded::Total(*total)),
                None if known => None,
                None => Some(Refunded::Amount(*amount_minor)),
            };
            if let Some(refunded) = refunded
                && let Ok(id) = payment_id.parse::<Id>()
                && let Some(charge) = payments::find(&ctx.db, id).await?
                && charge.provider == ProviderName::Paypal
            {
                if *currency == charge.currency {
                    external_refund(
                        ctx,
                        &meta,
                        charge.id,
                        refunded,
                        (!known).then_some(refund_id.as_str()),
                        &event.id,
                    )
                    .await?;
                } else {
                    tracing::error!(
                        payment = %charge.id,
                        currency,
                        "PayPal refund in another currency than the charge; not recorded"
                    );
                }
            }
        }
        _ => tracing::debug!(kind = %event.event_type, "paypal event ignored"),
    }
    Ok(())
}
