//! Payments: charges for bookings through a provider, their outcome (webhooks
//! or, for manual payments, an admin), refunds, and the revenue report.
//!
//! Provider calls never run inside a database transaction: the payment row is
//! written first, the provider is called with the row's id as idempotency
//! key, and the answer is recorded in a second transaction. A crash in between
//! leaves a pending row that a retry with the same key completes.
//!
//! A booking becomes confirmed when it is paid (or free), so the
//! confirmation's side effects live here too ([`confirm`]); bookings call
//! into this module, never the other way round.

mod charge;
mod checkout;
pub mod confirm;
mod read;
mod refund;
mod settle;
mod webhook;

pub use charge::{
    CaptureError, Charge, ChargeError, MarkError, MarkInput, capture, create_charge, mark,
};
pub use checkout::{CardCheckout, card_checkout, paypal_capture, paypal_order};
pub use read::{
    PaymentDetail, PaymentListInput, RevenueInput, RevenueLine, RevenueReport, RevenueSum,
    booking_payments, detail, list, revenue_report,
};
pub use refund::{RefundError, RefundInput, create_refund, refund_booking};
pub use settle::{SettleError, settle_success};
pub use webhook::{WebhookError, paypal_event, stripe_event};

use medicaledu_domain::{Currency, Id, Money, NotificationKind, PaymentStatus, Timestamp};
use medicaledu_payments::ProviderError;
use medicaledu_store::Tx;
use medicaledu_store::payments::PaymentRow;
use serde_json::{Value, json};

use crate::audit::{self, Change};
use crate::{Internal, Invalid, RequestMeta};

/// An amount as people read it, e.g. `EUR 49.90`.
pub fn display(amount_minor: i64, currency: &str) -> String {
    Currency::parse(currency)
        .ok()
        .and_then(|c| Money::new(amount_minor, c).ok())
        .map_or_else(|| format!("{currency} {amount_minor}"), |m| m.display())
}

/// What went wrong at the payment provider, as the caller should hear it.
#[derive(Debug, thiserror::Error)]
pub enum ProviderFailure {
    /// The provider is not set up on this server: the caller chose wrong.
    #[error(transparent)]
    NotConfigured(Invalid),
    #[error("{message} ({code})")]
    Rejected { code: String, message: String },
    /// Nothing reached the provider: an amount it cannot represent, say.
    #[error("The provider cannot take this payment: {0}")]
    InvalidRequest(String),
    #[error("The payment provider did not answer; try again.")]
    Unavailable(ProviderError),
}

impl From<ProviderError> for ProviderFailure {
    fn from(e: ProviderError) -> Self {
        match e {
            ProviderError::NotConfigured(name) => ProviderFailure::NotConfigured(Invalid::one(
                "provider",
                "provider_not_configured",
                format!("{name} payments are not configured on this server"),
            )),
            ProviderError::Rejected { code, message } => {
                ProviderFailure::Rejected { code, message }
            }
            ProviderError::InvalidRequest(reason) => ProviderFailure::InvalidRequest(reason),
            other => {
                // The cause is for the operator; the caller is asked to retry.
                tracing::warn!(error = %other, "payment provider call failed");
                ProviderFailure::Unavailable(other)
            }
        }
    }
}

crate::failure!(ProviderFailure {
    Rejected { .. } => PaymentRejected,
    InvalidRequest(_) => InvalidPaymentRequest,
    Unavailable(ProviderError::InvalidResponse(_)) => ProviderInvalidResponse,
    Unavailable(_) => ProviderUnavailable,
} wraps {
    NotConfigured(Invalid),
});

/// Moves a payment to `to` only from one of `from` (see the store's
/// `set_status`) and counts the outcome it reached for operators.
async fn set_status(
    tx: &mut Tx,
    id: Id,
    from: &[PaymentStatus],
    to: PaymentStatus,
    failure_reason: Option<&str>,
    now: Timestamp,
) -> Result<Option<PaymentRow>, sqlx::Error> {
    let moved =
        medicaledu_store::payments::set_status(tx, id, from, to, failure_reason, now).await?;
    if let Some(row) = &moved {
        crate::telemetry::payment_settled(row);
    }
    Ok(moved)
}

/// Queues a payment notice for the booking's student.
async fn notify(
    tx: &mut Tx,
    user_id: Id,
    kind: NotificationKind,
    title: &str,
    body: String,
    payment: &PaymentRow,
    now: Timestamp,
) -> Result<(), Internal> {
    let notice = crate::notify::Notice {
        kind,
        title: title.to_owned(),
        body,
        data: json!({ "payment_id": payment.id, "booking_id": payment.booking_id, "amount_minor": payment.amount_minor, "currency": payment.currency }),
    };
    crate::notify::send(tx, user_id, &notice, now).await
}

async fn record(
    tx: &mut Tx,
    meta: &RequestMeta,
    actor: Option<Id>,
    action: &str,
    payment: &PaymentRow,
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
            entity_type: "payment",
            entity_id: payment.id,
            changes,
        },
    )
    .await
}
