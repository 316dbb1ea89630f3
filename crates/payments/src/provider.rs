//! What every provider shares: its name, the requests it takes, what it
//! answers, how it fails, and [`Providers`], which picks one by name.

use std::future::Future;

use crate::manual::Manual;
use crate::money::minor_digits;
use crate::paypal::{Paypal, PaypalConfig};
use crate::stripe::{Stripe, StripeConfig};

/// A payment provider, as stored in `payments.provider` and named in
/// `POST /bookings/{id}/payments {provider}`: the domain's vocabulary, under
/// the name this crate has always used.
pub use medicaledu_domain::PaymentProvider as ProviderName;

/// Where a charge or refund stands after a provider call.
///
/// `RequiresAction` and `Pending` both map to a `pending` payment row; they
/// differ in who moves next. `RequiresAction`: the customer (enter a card with
/// the Stripe client secret, approve at PayPal's approval URL). `Pending`: the
/// provider or an admin (a bank transfer awaiting an admin, a Stripe payment
/// `processing`, an approved PayPal order awaiting capture). Only a webhook,
/// a capture or an admin turns either into `Succeeded` or `Failed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChargeStatus {
    Pending,
    RequiresAction,
    Succeeded,
    Failed,
}

impl ChargeStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::RequiresAction => "requires_action",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    /// Succeeded and failed never change again.
    pub const fn is_final(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed)
    }
}

/// A charge to create for a booking.
#[derive(Clone, Copy, Debug)]
pub struct ChargeRequest<'a> {
    pub booking_id: &'a str,
    /// The `payments` row this charge belongs to; sent to the provider as
    /// metadata so a webhook leads back to the row.
    pub payment_id: &'a str,
    /// In the currency's ISO 4217 minor unit; must be positive.
    pub amount_minor: i64,
    /// ISO 4217, uppercase.
    pub currency: &'a str,
    /// The same key for every retry of one charge (the payment id is a good
    /// one): the provider then answers a retry with the first charge instead of
    /// creating a second.
    pub idempotency_key: &'a str,
    /// Shown to the customer by some providers (PayPal cuts it at 127
    /// characters).
    pub description: &'a str,
}

/// What a provider said about a new charge.
#[derive(Clone, Debug, PartialEq)]
pub struct ProviderCharge {
    /// Stripe's PaymentIntent id (`pi_…`) or PayPal's order id; `None` for
    /// manual payments.
    pub provider_payment_id: Option<String>,
    /// Stripe only: what the browser needs to confirm the payment. Hand it to
    /// the customer who pays and to nobody else.
    pub client_secret: Option<String>,
    /// PayPal only: where to send the payer to approve the order.
    pub approval_url: Option<String>,
    pub status: ChargeStatus,
    /// The provider's own status and ids, worth keeping for support.
    pub metadata: serde_json::Value,
}

impl ProviderCharge {
    /// After a PayPal capture: the capture id, which is what a PayPal refund
    /// needs (see [`RefundRequest::provider_payment_id`]).
    pub fn paypal_capture_id(&self) -> Option<&str> {
        self.metadata.get("paypal_capture_id")?.as_str()
    }
}

/// A refund of (part of) a charge.
#[derive(Clone, Copy, Debug)]
pub struct RefundRequest<'a> {
    /// The charge at the provider: for Stripe the PaymentIntent id, for
    /// PayPal the **capture** id (PayPal refunds captures, not orders; it is
    /// in the capture's [`ProviderCharge::paypal_capture_id`]). Ignored for
    /// manual payments.
    pub provider_payment_id: &'a str,
    /// Positive, in the charge's currency; the caller makes sure refunds never
    /// add up to more than the charge.
    pub amount_minor: i64,
    pub currency: &'a str,
    /// One key per refund request, reused on retry.
    pub idempotency_key: &'a str,
    /// Kept with the refund at Stripe (metadata); not sent to PayPal, whose
    /// only free-text field is shown to the payer.
    pub reason: &'a str,
}

/// What a provider said about a refund.
#[derive(Clone, Debug, PartialEq)]
pub struct ProviderRefund {
    pub provider_refund_id: Option<String>,
    pub status: ChargeStatus,
    pub metadata: serde_json::Value,
}

/// Why a provider call did not produce a charge or refund.
///
/// After `Unavailable` or `InvalidResponse` the outcome is unknown (the
/// provider may have acted before the connection dropped): retry with the
/// same idempotency key rather than a new one. After `Rejected` or
/// `InvalidRequest` nothing happened at the provider.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("payment provider {0} is not configured")]
    NotConfigured(ProviderName),
    /// The provider said no: a declined card, an invalid request, an order
    /// already captured. `code` is the provider's own (Stripe's `code`, PayPal's
    /// `issue`), `message` may be shown to the customer.
    #[error("the payment provider refused: {message} ({code})")]
    Rejected { code: String, message: String },
    /// Network failure, timeout, 5xx, rate limiting, or our own credentials
    /// refused (a configuration problem the customer cannot fix).
    #[error("the payment provider is unavailable: {0}")]
    Unavailable(String),
    /// A 2xx answer this code cannot read.
    #[error("unexpected answer from the payment provider: {0}")]
    InvalidResponse(String),
    /// Refused before anything was sent: an unknown currency, a non-positive
    /// amount, an amount the provider cannot represent.
    #[error("invalid payment request: {0}")]
    InvalidRequest(String),
}

impl ProviderError {
    /// Stable, for programs, like the domain's error codes.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::NotConfigured(_) => "provider_not_configured",
            Self::Rejected { .. } => "provider_rejected",
            Self::Unavailable(_) => "provider_unavailable",
            Self::InvalidResponse(_) => "provider_invalid_response",
            Self::InvalidRequest(_) => "invalid_payment_request",
        }
    }

    /// Whether trying again later (with the same idempotency key) may help.
    pub const fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable(_) | Self::InvalidResponse(_))
    }
}

/// A provider's configuration that cannot work.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{provider}: {field} must not be empty")]
    Missing {
        provider: ProviderName,
        field: &'static str,
    },
    #[error("{provider}: api_base {value:?} is not an http(s) URL")]
    ApiBase {
        provider: ProviderName,
        value: String,
    },
    #[error("{provider}: {field} {reason}")]
    Invalid {
        provider: ProviderName,
        field: &'static str,
        reason: &'static str,
    },
    #[error("{provider}: cannot build the HTTP client: {message}")]
    HttpClient {
        provider: ProviderName,
        message: String,
    },
}

/// A signed webhook body that does not have the shape its type promises.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read webhook event: {0}")]
pub struct EventParseError(pub String);

/// A payment provider.
///
/// The methods return `impl Future + Send` rather than being `async fn` so the
/// futures can be awaited inside axum handlers, which must be `Send`; the
/// implementations still write `async fn`. Such a trait cannot be a `dyn`
/// object, so choosing a provider by name goes through [`Providers`], which
/// matches on the name instead.
pub trait PaymentProvider: Send + Sync {
    fn name(&self) -> ProviderName;

    fn create_charge(
        &self,
        req: ChargeRequest<'_>,
    ) -> impl Future<Output = Result<ProviderCharge, ProviderError>> + Send;

    fn refund(
        &self,
        req: RefundRequest<'_>,
    ) -> impl Future<Output = Result<ProviderRefund, ProviderError>> + Send;
}

/// The providers this deployment has: manual always, Stripe and PayPal when
/// configured. Cheap to clone (the HTTP clients and PayPal's token cache are
/// shared between clones).
#[derive(Clone, Debug)]
pub struct Providers {
    manual: Manual,
    stripe: Option<Stripe>,
    paypal: Option<Paypal>,
}

impl Providers {
    pub fn new(
        stripe: Option<StripeConfig>,
        paypal: Option<PaypalConfig>,
    ) -> Result<Self, ConfigError> {
        Ok(Self {
            manual: Manual,
            stripe: stripe.map(Stripe::new).transpose()?,
            paypal: paypal.map(Paypal::new).transpose()?,
        })
    }

    pub fn is_configured(&self, name: ProviderName) -> bool {
        match name {
            ProviderName::Manual => true,
            ProviderName::Stripe => self.stripe.is_some(),
            ProviderName::Paypal => self.paypal.is_some(),
        }
    }

    pub fn manual(&self) -> &Manual {
        &self.manual
    }

    /// For what only Stripe does (webhook verification).
    pub fn stripe(&self) -> Result<&Stripe, ProviderError> {
        self.stripe
            .as_ref()
            .ok_or(ProviderError::NotConfigured(ProviderName::Stripe))
    }

    /// For what only PayPal does (capture, webhook verification).
    pub fn paypal(&self) -> Result<&Paypal, ProviderError> {
        self.paypal
            .as_ref()
            .ok_or(ProviderError::NotConfigured(ProviderName::Paypal))
    }

    pub async fn create_charge(
        &self,
        name: ProviderName,
        req: ChargeRequest<'_>,
    ) -> Result<ProviderCharge, ProviderError> {
        match name {
            ProviderName::Manual => self.manual.create_charge(req).await,
            ProviderName::Stripe => self.stripe()?.create_charge(req).await,
            ProviderName::Paypal => self.paypal()?.create_charge(req).await,
        }
    }

    pub async fn refund(
        &self,
        name: ProviderName,
        req: RefundRequest<'_>,
    ) -> Result<ProviderRefund, ProviderError> {
        match name {
            ProviderName::Manual => self.manual.refund(req).await,
            ProviderName::Stripe => self.stripe()?.refund(req).await,
            ProviderName::Paypal => self.paypal()?.refund(req).await,
        }
    }
}

/// Checks every provider applies before sending anything; returns the
/// currency's ISO minor digits.
pub(crate) fn check_amount(
    amount_minor: i64,
    currency: &str,
    idempotency_key: &str,
) -> Result<u32, ProviderError> {
    let invalid = |message: String| Err(ProviderError::InvalidRequest(message));
    if amount_minor <= 0 {
        return invalid(format!("amount must be positive, got {amount_minor}"));
    }
    // Stripe's limit; PayPal takes at most 108 characters, and the PayPal client
    // sends a digest of longer keys.
    if idempotency_key.trim().is_empty() || idempotency_key.len() > 255 {
        return invalid("idempotency key must have 1 to 255 characters".to_owned());
    }
    minor_digits(currency).ok_or_else(|| {
        ProviderError::InvalidRequest(format!(
            "{currency:?} is not an uppercase ISO 4217 currency code with minor units"
        ))
    })
}

/// `id` goes into a URL path: refuse anything but the characters provider
/// ids are made of, so it cannot point the request elsewhere.
pub(crate) fn check_path_id(what: &str, id: &str) -> Result<(), ProviderError> {
    let ok = !id.is_empty()
        && id.len() <= 255
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ProviderError::InvalidRequest(format!(
            "{what} {id:?} is not a provider id"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_names_round_trip() {
        for name in ProviderName::ALL {
            assert_eq!(name.as_str().parse::<ProviderName>(), Ok(name));
        }
        // Exact lowercase only, like every vocabulary of the domain.
        assert!("Stripe".parse::<ProviderName>().is_err());
        assert!("".parse::<ProviderName>().is_err());
    }

    #[test]
    fn error_codes_are_stable() {
        assert_eq!(
            ProviderError::NotConfigured(ProviderName::Paypal).code(),
            "provider_not_configured"
        );
        let rejected = ProviderError::Rejected {
            code: "card_declined".to_owned(),
            message: "Your card was declined.".to_owned(),
        };
        assert_eq!(rejected.code(), "provider_rejected");
        assert!(!rejected.is_retryable());
        assert!(ProviderError::Unavailable("timeout".to_owned()).is_retryable());
        assert_eq!(
            ProviderError::NotConfigured(ProviderName::Paypal).to_string(),
            "payment provider paypal is not configured"
        );
    }

    #[test]
    fn amounts_are_checked_before_sending() {
        assert_eq!(check_amount(1, "USD", "k").ok(), Some(2));
        assert_eq!(check_amount(1, "JPY", "k").ok(), Some(0));
        assert_eq!(check_amount(1, "BHD", "k").ok(), Some(3));
        for (amount, currency, key) in [
            (0, "USD", "k"),
            (-5, "USD", "k"),
            (1, "usd", "k"),
            (1, "ZZZ", "k"),
            (1, "XAU", "k"),
            (1, "USD", ""),
            (1, "USD", " "),
        ] {
            let err = check_amount(amount, currency, key).expect_err("invalid");
            assert_eq!(err.code(), "invalid_payment_request", "{amount} {currency}");
        }
        assert!(check_amount(1, "USD", &"k".repeat(256)).is_err());
    }

    #[test]
    fn path_ids_cannot_escape_the_path() {
        assert!(check_path_id("order", "5O190127TN364715T").is_ok());
        assert!(check_path_id("order", "pi_3MtwBwLkdIwHu7ix28a3tqPa").is_ok());
        for bad in ["", "../v1/x", "a/b", "a?b=c", "a%2F", "a b", "é"] {
            assert!(check_path_id("order", bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn unconfigured_providers_are_refused_by_name() {
        let providers = Providers::new(None, None).expect("no config to reject");
        assert!(providers.is_configured(ProviderName::Manual));
        assert!(!providers.is_configured(ProviderName::Stripe));
        let req = ChargeRequest {
            booking_id: "b",
            payment_id: "p",
            amount_minor: 100,
            currency: "USD",
            idempotency_key: "p",
            description: "",
        };
        for name in [ProviderName::Stripe, ProviderName::Paypal] {
            let err = providers
                .create_charge(name, req)
                .await
                .expect_err("not configured");
            assert!(matches!(err, ProviderError::NotConfigured(n) if n == name));
        }
        let charge = providers
            .create_charge(ProviderName::Manual, req)
            .await
            .expect("manual always works");
        assert_eq!(charge.status, ChargeStatus::Pending);
    }
}
