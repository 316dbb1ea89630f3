//! Paying on the booking's own pages: by card with Stripe's Payment Element
//! (the page needs the booking's live Stripe charge and its client secret
//! each time it is shown) and with PayPal's buttons (an order to approve,
//! then its capture).

use medicaledu_domain::{BookingStatus, Id, PaymentKind, PaymentProvider, PaymentStatus};
use medicaledu_payments::{ProviderError, ProviderName};
use medicaledu_store::bookings;
use medicaledu_store::payments::{self, PaymentRow};

use super::ProviderFailure;
use super::charge::{CaptureError, ChargeError, capture, create_charge};
use crate::{Actor, AppContext, RequestMeta};

/// What the card page shows and hands to Stripe.js.
#[derive(Clone, Debug)]
pub struct CardCheckout {
    pub payment: PaymentRow,
    pub client_secret: String,
    pub publishable_key: String,
    pub js_url: String,
}

/// The actor's pending booking's live Stripe charge, made now when it has
/// none, with its client secret. Showing the page again reuses the charge
/// (Stripe hands its secret out again), so reloading or coming back later
/// starts no second payment; after a failed one, the next visit starts anew.
pub async fn card_checkout(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    booking_id: Id,
) -> Result<CardCheckout, ChargeError> {
    let not_configured = || {
        ChargeError::from(ProviderFailure::from(ProviderError::NotConfigured(
            ProviderName::Stripe,
        )))
    };
    let stripe = ctx.providers.stripe().map_err(|_| not_configured())?;
    let browser = stripe.browser().ok_or_else(not_configured)?.clone();
    let live = live_charge(ctx, actor, booking_id, PaymentProvider::Stripe).await?;
    let (payment, client_secret) = match live {
        Some(payment) if payment.provider_payment_id.is_some() => {
            let intent = payment.provider_payment_id.as_deref().unwrap_or_default();
            let secret = stripe
                .client_secret(intent)
                .await
                .map_err(ProviderFailure::from)?;
            (payment, secret)
        }
        _ => {
            let charge = create_charge(
                ctx,
                actor,
                meta,
                booking_id,
                ProviderName::Stripe.as_str(),
                None,
            )
            .await?;
            let secret = charge.client_secret.ok_or_else(|| {
                ChargeError::from(ProviderFailure::from(ProviderError::InvalidResponse(
                    "Stripe gave no client secret".to_owned(),
                )))
            })?;
            (charge.payment, secret)
        }
    };
    Ok(CardCheckout {
        payment,
        client_secret,
        publishable_key: browser.publishable_key,
        js_url: browser.js_url,
    })
}

/// The newest charge of `provider` on the actor's pending booking that is
/// still open (pending or awaiting the payer), if any. Only the booking's
/// student may pay it; to anyone else the booking does not exist.
async fn live_charge(
    ctx: &AppContext,
    actor: &Actor,
    booking_id: Id,
    provider: PaymentProvider,
) -> Result<Option<PaymentRow>, ChargeError> {
    let booking = bookings::find(&ctx.db, booking_id)
        .await?
        .filter(|b| b.student_id == actor.id())
        .ok_or(ChargeError::NotFound)?;
    if booking.status != BookingStatus::Pending || booking.total_minor <= 0 {
        return Err(ChargeError::NotPayable);
    }
    Ok(payments::for_booking(&ctx.db, booking.id)
        .await?
        .into_iter()
        .rev()
        .find(|p| {
            p.kind == PaymentKind::Charge
                && p.provider == provider
                && matches!(
                    p.status,
                    PaymentStatus::Pending | PaymentStatus::RequiresAction
                )
        }))
}

/// A PayPal order for the actor's pending booking, for the buttons'
/// `createOrder`: the booking's open order again, or a new one.
pub async fn paypal_order(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    booking_id: Id,
) -> Result<PaymentRow, ChargeError> {
    let open = live_charge(ctx, actor, booking_id, PaymentProvider::Paypal)
        .await?
        .filter(|p| p.provider_payment_id.is_some());
    match open {
        Some(payment) => Ok(payment),
        None => Ok(create_charge(
            ctx,
            actor,
            meta,
            booking_id,
            ProviderName::Paypal.as_str(),
            None,
        )
        .await?
        .payment),
    }
}

/// Captures the booking's PayPal order `order_id` once the payer approved it
/// (the buttons' `onApprove`). An order that is not this booking's is
/// refused as not found.
pub async fn paypal_capture(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    booking_id: Id,
    order_id: &str,
) -> Result<PaymentRow, CaptureError> {
    let charge = payments::for_booking(&ctx.db, booking_id)
        .await?
        .into_iter()
        .find(|p| {
            p.kind == PaymentKind::Charge
                && p.provider == PaymentProvider::Paypal
                && p.provider_payment_id.as_deref() == Some(order_id)
        })
        .ok_or(CaptureError::NotFound)?;
    capture(ctx, actor, meta, charge.id).await
}
