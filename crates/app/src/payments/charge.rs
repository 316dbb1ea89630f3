//! Charges: paying for a pending booking, capturing an approved PayPal
//! order, and settling a manual payment by hand.

use medicaledu_domain::{BookingStatus, Id, PaymentKind, PaymentStatus};
use medicaledu_payments::{
    ChargeRequest, ChargeStatus, ProviderCharge, ProviderError, ProviderName,
};
use medicaledu_store::bookings;
use medicaledu_store::payments::{self, InsertPaymentError, NewPayment, PaymentRow};
use serde_json::json;

use super::settle::{
    SettleError, paypal_capture_key, settle_failure, settle_failure_now, settle_paypal_capture,
    settle_success,
};
use super::{ProviderFailure, record};
use crate::{Actor, AppContext, Forbidden, Internal, Invalid, RequestMeta};

/// Why a charge was not created.
#[derive(Debug, thiserror::Error)]
pub enum ChargeError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("Booking not found.")]
    NotFound,
    #[error("This booking is not awaiting payment.")]
    NotPayable,
    #[error("This booking is already paid.")]
    AlreadyPaid,
    #[error("This payment already exists.")]
    Duplicate,
    #[error(transparent)]
    Provider(#[from] ProviderFailure),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(ChargeError);

crate::failure!(ChargeError {
    NotFound => NotFound,
    NotPayable => NotPayable,
    AlreadyPaid => AlreadyPaid,
    Duplicate => DuplicatePayment,
} wraps {
    Invalid(Invalid),
    Provider(ProviderFailure),
    Internal(Internal),
});

/// A charge as created, with what the payer needs next.
#[derive(Clone, Debug)]
pub struct Charge {
    pub payment: PaymentRow,
    /// Stripe: confirm the payment with it in the browser.
    pub client_secret: Option<String>,
    /// PayPal: where the payer approves the order.
    pub approval_url: Option<String>,
    /// False when an `Idempotency-Key` retry found the charge made before.
    pub created: bool,
}

/// Pays for a pending booking of the actor's: creates a charge for the
/// booking's total with the chosen provider. With an idempotency key, a retry
/// returns the same charge.
pub async fn create_charge(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    booking_id: Id,
    provider: &str,
    idempotency_key: Option<&str>,
) -> Result<Charge, ChargeError> {
    let provider: ProviderName = provider.parse().map_err(|_| {
        Invalid::one(
            "provider",
            "invalid",
            "must be one of: stripe, paypal, manual",
        )
    })?;
    if !ctx.providers.is_configured(provider) {
        return Err(ProviderFailure::from(ProviderError::NotConfigured(provider)).into());
    }
    let payment_id = Id::generate();
    let key = match idempotency_key {
        Some(k) => format!("{}:{k}", actor.id()),
        None => payment_id.to_string(),
    };
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let booking = bookings::find_for_update(&mut tx, booking_id)
        .await?
        .filter(|b| b.student_id == actor.id())
        .ok_or(ChargeError::NotFound)?;
    if booking.status != BookingStatus::Pending || booking.total_minor <= 0 {
        return Err(ChargeError::NotPayable);
    }
    if let Some(existing) = payments::find_by_key(&mut tx, &key).await? {
        tx.commit().await?;
        return Ok(Charge {
            payment: existing,
            client_secret: None,
            approval_url: None,
            created: false,
        });
    }
    if payments::for_booking_tx(&mut tx, booking.id)
        .await?
        .iter()
        .any(|p| p.kind == PaymentKind::Charge && p.status == PaymentStatus::Succeeded)
    {
        return Err(ChargeError::AlreadyPaid);
    }
    let row = payments::insert(
        &mut tx,
        &NewPayment {
            id: payment_id,
            booking_id: booking.id,
            provider,
            kind: PaymentKind::Charge,
            refund_of: None,
            amount_minor: booking.total_minor,
            currency: &booking.currency,
            status: PaymentStatus::Pending,
            provider_payment_id: None,
            idempotency_key: &key,
        },
        now,
    )
    .await
    .map_err(|e| match e {
        InsertPaymentError::Duplicate => ChargeError::Duplicate,
        InsertPaymentError::Database(e) => e.into(),
    })?;
    record(&mut tx, meta, Some(actor.id()), "payment.created", &row, json!({ "provider": provider.as_str(), "amount_minor": row.amount_minor, "currency": row.currency }), now).await?;
    tx.commit().await?;

    let booking_ref = booking.id.to_string();
    let payment_ref = row.id.to_string();
    let charge = ctx
        .providers
        .create_charge(
            provider,
            ChargeRequest {
                booking_id: &booking_ref,
                payment_id: &payment_ref,
                amount_minor: row.amount_minor,
                currency: &row.currency,
                idempotency_key: &row.idempotency_key,
                description: "MedicalEdu session booking",
            },
        )
        .await;
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let result = match charge {
        Ok(charge) => {
            let stored = payments::set_provider_details(
                &mut tx,
                row.id,
                charge.provider_payment_id.as_deref(),
                &charge.metadata,
                now,
            )
            .await?
            .ok_or_else(|| Internal::invariant("payment row vanished"))?;
            let stored = match charge.status {
                ChargeStatus::RequiresAction => super::set_status(
                    &mut tx,
                    row.id,
                    &[PaymentStatus::Pending],
                    PaymentStatus::RequiresAction,
                    None,
                    now,
                )
                .await?
                .unwrap_or(stored),
                _ => stored,
            };
            let ProviderCharge {
                client_secret,
                approval_url,
                ..
            } = charge;
            Ok(Charge {
                payment: stored,
                client_secret,
                approval_url,
                created: true,
            })
        }
        Err(e) => {
            if !e.is_retryable() {
                settle_failure(&mut tx, meta, row.id, &e.to_string(), now).await?;
            }
            Err(ChargeError::Provider(e.into()))
        }
    };
    tx.commit().await?;
    result
}

/// Why a PayPal charge was not captured.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("Payment not found.")]
    NotFound,
    #[error("{0}")]
    NotCapturable(String),
    #[error("The payer has not approved this PayPal order yet.")]
    NotApproved,
    #[error(transparent)]
    Provider(#[from] ProviderFailure),
    #[error(transparent)]
    Settle(#[from] SettleError),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(CaptureError);

crate::failure!(CaptureError {
    NotFound => NotFound,
    NotCapturable(_) => NotCapturable,
    NotApproved => PaymentNotApproved,
} wraps {
    Provider(ProviderFailure),
    Settle(SettleError),
    Internal(Internal),
});

/// Captures a PayPal charge once the payer has approved its order, and
/// settles it as PayPal's approval webhook does, whichever comes first. A
/// charge already paid is returned unchanged. For the charge's student and
/// admins.
pub async fn capture(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    payment_id: Id,
) -> Result<PaymentRow, CaptureError> {
    let charge = payments::find(&ctx.db, payment_id)
        .await?
        .ok_or(CaptureError::NotFound)?;
    if !actor.is_admin() {
        let booking = bookings::find(&ctx.db, charge.booking_id).await?;
        if booking.is_none_or(|b| b.student_id != actor.id()) {
            return Err(CaptureError::NotFound);
        }
    }
    if charge.kind != PaymentKind::Charge || charge.provider != ProviderName::Paypal {
        return Err(CaptureError::NotCapturable(
            "Only PayPal charges are captured.".into(),
        ));
    }
    match charge.status {
        PaymentStatus::Succeeded => return Ok(charge),
        PaymentStatus::Pending | PaymentStatus::RequiresAction => {}
        other => {
            return Err(CaptureError::NotCapturable(format!(
                "This payment is {other}; pay with a new one."
            )));
        }
    }
    let Some(order_id) = charge.provider_payment_id.as_deref() else {
        return Err(CaptureError::NotCapturable(
            "PayPal has no order for this payment.".into(),
        ));
    };
    let paypal = ctx.providers.paypal().map_err(ProviderFailure::from)?;
    let captured = paypal
        .capture(order_id, &paypal_capture_key(&charge))
        .await
        .map_err(|e| match e {
            ProviderError::Rejected { code, .. } if code == "ORDER_NOT_APPROVED" => {
                CaptureError::NotApproved
            }
            other => ProviderFailure::from(other).into(),
        })?;
    settle_paypal_capture(ctx, meta, Some(actor.id()), &charge, &captured).await?;
    payments::find(&ctx.db, payment_id)
        .await?
        .ok_or(CaptureError::NotFound)
}

/// How an administrator settles a manual charge.
#[derive(Clone, Debug)]
pub struct MarkInput {
    /// `succeeded` or `failed`.
    pub status: String,
    pub failure_reason: Option<String>,
}

/// Why a manual charge was not settled.
#[derive(Debug, thiserror::Error)]
pub enum MarkError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("Payment not found.")]
    NotFound,
    #[error("Only manual charges are settled by hand.")]
    NotManual,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Settle(#[from] SettleError),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(MarkError);

crate::failure!(MarkError {
    NotFound => NotFound,
    NotManual => NotManual,
} wraps {
    Forbidden(Forbidden),
    Invalid(Invalid),
    Settle(SettleError),
    Internal(Internal),
});

/// Settles a manual payment (bank transfer, cash): admins only.
pub async fn mark(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    payment_id: Id,
    input: MarkInput,
) -> Result<PaymentRow, MarkError> {
    actor.require_admin()?;
    let payment = payments::find(&ctx.db, payment_id)
        .await?
        .ok_or(MarkError::NotFound)?;
    if payment.provider != ProviderName::Manual || payment.kind != PaymentKind::Charge {
        return Err(MarkError::NotManual);
    }
    let to = input
        .status
        .parse::<PaymentStatus>()
        .ok()
        .filter(|s| matches!(s, PaymentStatus::Succeeded | PaymentStatus::Failed))
        .ok_or_else(|| Invalid::one("status", "invalid", "must be succeeded or failed"))?;
    if to == PaymentStatus::Succeeded {
        settle_success(ctx, meta, Some(actor.id()), payment.id).await?;
    } else {
        let reason = input
            .failure_reason
            .as_deref()
            .unwrap_or("marked failed by an administrator");
        settle_failure_now(ctx, meta, payment.id, reason).await?;
    }
    payments::find(&ctx.db, payment_id)
        .await?
        .ok_or(MarkError::NotFound)
}
