//! Stripe: PaymentIntents for charges, the refunds API, signed webhooks.
//!
//! Requests are form-encoded with bracketed keys (`metadata[booking_id]`), as
//! Stripe's API takes them, and carry an `Idempotency-Key` so a retry after a
//! timeout returns the first intent instead of creating a second.

mod event;
mod signature;

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use serde::Deserialize;
use url::form_urlencoded;

pub use event::{StripeCharge, StripeEvent, StripeObject, StripePaymentIntent, parse_stripe_event};
pub use signature::{DEFAULT_TOLERANCE_SECS, SignatureError, verify_stripe_signature};

use crate::http;
use crate::money::rescale;
use crate::provider::{
    ChargeRequest, ChargeStatus, ConfigError, EventParseError, PaymentProvider, ProviderCharge,
    ProviderError, ProviderName, ProviderRefund, RefundRequest, check_amount,
};

const NAME: ProviderName = ProviderName::Stripe;

/// Where to reach Stripe and with which secrets.
#[derive(Clone)]
pub struct StripeConfig {
    /// `sk_live_…` or `sk_test_…` (a restricted `rk_…` key works too).
    pub secret_key: String,
    /// `whsec_…`, the signing secret of the webhook endpoint.
    pub webhook_secret: String,
    /// Stripe's API, or a local stand-in in tests.
    pub api_base: String,
    pub timeout: Duration,
    /// `pk_live_…` or `pk_test_…`: what the browser's Stripe.js needs to show
    /// the Payment Element. Without it, cards are taken through the API only.
    pub publishable_key: Option<String>,
    /// Where browsers load Stripe.js from. Stripe requires its own copy in
    /// production; a stand-in serves one in browser tests.
    pub js_url: String,
}

impl StripeConfig {
    pub const DEFAULT_API_BASE: &'static str = "https://api.stripe.com";
    pub const DEFAULT_JS_URL: &'static str = "https://js.stripe.com/v3/";

    /// The default API base and Stripe.js, a 10 s timeout, no publishable key.
    pub fn new(secret_key: impl Into<String>, webhook_secret: impl Into<String>) -> Self {
        Self {
            secret_key: secret_key.into(),
            webhook_secret: webhook_secret.into(),
            api_base: Self::DEFAULT_API_BASE.to_owned(),
            timeout: http::DEFAULT_TIMEOUT,
            publishable_key: None,
            js_url: Self::DEFAULT_JS_URL.to_owned(),
        }
    }

    /// Whether the secret key is a live key (`sk_live_…`, `rk_live_…`) or a
    /// test key (`sk_test_…`, `rk_test_…`); `None` for any other shape.
    pub fn livemode(&self) -> Option<bool> {
        let mode = ["sk_", "rk_"]
            .iter()
            .find_map(|prefix| self.secret_key.strip_prefix(prefix))?;
        if mode.starts_with("live_") {
            Some(true)
        } else if mode.starts_with("test_") {
            Some(false)
        } else {
            None
        }
    }
}

/// Secrets never reach a log through `{:?}`.
impl fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeConfig")
            .field("secret_key", &"***")
            .field("webhook_secret", &"***")
            .field("api_base", &self.api_base)
            .field("timeout", &self.timeout)
            .field("publishable_key", &self.publishable_key)
            .field("js_url", &self.js_url)
            .finish()
    }
}

/// A Stripe client. Cloning shares the connection pool.
#[derive(Clone)]
pub struct Stripe {
    http: reqwest::Client,
    base: String,
    secret_key: String,
    webhook_secret: String,
    browser: Option<StripeBrowser>,
}

/// What a page needs to take a card with Stripe's Payment Element.
#[derive(Clone, Debug)]
pub struct StripeBrowser {
    pub publishable_key: String,
    /// Stripe.js.
    pub js_url: String,
}

impl fmt::Debug for Stripe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stripe")
            .field("api_base", &self.base)
            .finish_non_exhaustive()
    }
}

/// Why a webhook was refused: not signed by Stripe, or signed but unreadable.
#[derive(Debug, thiserror::Error)]
pub enum StripeWebhookError {
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error(transparent)]
    Parse(#[from] EventParseError),
}

impl Stripe {
    /// Both secrets are required: without the webhook secret no payment would
    /// ever be confirmed.
    pub fn new(config: StripeConfig) -> Result<Self, ConfigError> {
        for (field, value) in [
            ("secret_key", &config.secret_key),
            ("webhook_secret", &config.webhook_secret),
        ] {
            if value.trim().is_empty() {
                return Err(ConfigError::Missing {
                    provider: NAME,
                    field,
                });
            }
        }
        let browser = match config.publishable_key.filter(|k| !k.trim().is_empty()) {
            None => None,
            Some(key) if !key.starts_with("pk_") => {
                return Err(ConfigError::Invalid {
                    provider: NAME,
                    field: "publishable_key",
                    reason: "must start with pk_",
                });
            }
            Some(key) => {
                let js_url = url::Url::parse(&config.js_url)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
                    .ok_or(ConfigError::Invalid {
                        provider: NAME,
                        field: "js_url",
                        reason: "must be an http(s) URL",
                    })?;
                Some(StripeBrowser {
                    publishable_key: key,
                    js_url: js_url.to_string(),
                })
            }
        };
        Ok(Self {
            http: http::client(NAME, config.timeout)?,
            base: http::base_url(NAME, &config.api_base)?,
            secret_key: config.secret_key,
            webhook_secret: config.webhook_secret,
            browser,
        })
    }

    /// Set when a publishable key is configured: pages may then take cards
    /// with the Payment Element.
    pub fn browser(&self) -> Option<&StripeBrowser> {
        self.browser.as_ref()
    }

    /// The client secret of a payment intent, for a page that shows the
    /// Payment Element again (Stripe hands it out with the intent; it is not
    /// stored here).
    pub async fn client_secret(&self, intent_id: &str) -> Result<String, ProviderError> {
        if intent_id.is_empty()
            || !intent_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(ProviderError::InvalidRequest(format!(
                "{intent_id:?} is not a payment intent id"
            )));
        }
        let request = self
            .http
            .get(format!("{}/v1/payment_intents/{intent_id}", self.base))
            .bearer_auth(&self.secret_key);
        let (status, body) = http::send(NAME, request).await?;
        if !status.is_success() {
            return Err(stripe_error(status, &body));
        }
        let intent: PaymentIntentBody = http::parse_json(NAME, "payment intent", &body)?;
        intent
            .client_secret
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                ProviderError::InvalidResponse(format!(
                    "payment intent {} has no client secret",
                    intent.id
                ))
            })
    }

    /// Verifies a webhook with the configured secret and Stripe's five-minute
    /// tolerance, then reads it. `payload` must be the body exactly as
    /// received (not re-serialized JSON); `now` is Unix seconds.
    pub fn verify_webhook(
        &self,
        payload: &[u8],
        signature_header: &str,
        now: i64,
    ) -> Result<StripeEvent, StripeWebhookError> {
        verify_stripe_signature(
            payload,
            signature_header,
            &self.webhook_secret,
            now,
            DEFAULT_TOLERANCE_SECS,
        )?;
        Ok(parse_stripe_event(payload)?)
    }

    async fn post_form(
        &self,
        path: &str,
        idempotency_key: &str,
        form: String,
    ) -> Result<Vec<u8>, ProviderError> {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.secret_key)
            .header("Idempotency-Key", idempotency_key)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(form);
        let (status, body) = http::send(NAME, request).await?;
        if status.is_success() {
            Ok(body)
        } else {
            Err(stripe_error(status, &body))
        }
    }
}

#[derive(Deserialize)]
struct PaymentIntentBody {
    id: String,
    client_secret: Option<String>,
    status: String,
    amount: Option<i64>,
    currency: Option<String>,
}

#[derive(Deserialize)]
struct RefundBody {
    id: String,
    status: Option<String>,
    amount: Option<i64>,
    failure_reason: Option<String>,
}

impl PaymentProvider for Stripe {
    fn name(&self) -> ProviderName {
        NAME
    }

    async fn create_charge(&self, req: ChargeRequest<'_>) -> Result<ProviderCharge, ProviderError> {
        let digits = check_amount(req.amount_minor, req.currency, req.idempotency_key)?;
        let amount = to_stripe_amount(req.amount_minor, req.currency, digits)?;
        let currency = req.currency.to_ascii_lowercase();
        let amount_text = amount.to_string();
        let mut fields = vec![
            ("amount", amount_text.as_str()),
            ("currency", &currency),
            ("automatic_payment_methods[enabled]", "true"),
            ("metadata[booking_id]", req.booking_id),
            ("metadata[payment_id]", req.payment_id),
        ];
        if !req.description.is_empty() {
            fields.push(("description", req.description));
        }
        let body = self
            .post_form("/v1/payment_intents", req.idempotency_key, form(&fields))
            .await?;
        let intent: PaymentIntentBody = http::parse_json(NAME, "payment intent", &body)?;
        // An idempotent replay answers with the first request's intent; make
        // sure it is for this amount, so a reused key cannot charge the
        // wrong sum unnoticed.
        if intent.amount.is_some_and(|a| a != amount)
            || intent.currency.as_deref().is_some_and(|c| c != currency)
        {
            return Err(ProviderError::InvalidResponse(format!(
                "payment intent {} is for {:?} {:?}, not {amount} {currency}",
                intent.id, intent.amount, intent.currency
            )));
        }
        let Some(client_secret) = intent.client_secret.filter(|s| !s.is_empty()) else {
            return Err(ProviderError::InvalidResponse(format!(
                "payment intent {} has no client secret",
                intent.id
            )));
        };
        Ok(ProviderCharge {
            status: intent_status(&intent.status),
            metadata: serde_json::json!({ "stripe_status": intent.status }),
            provider_payment_id: Some(intent.id),
            client_secret: Some(client_secret),
            approval_url: None,
        })
    }

    async fn refund(&self, req: RefundRequest<'_>) -> Result<ProviderRefund, ProviderError> {
        let digits = check_amount(req.amount_minor, req.currency, req.idempotency_key)?;
        if req.provider_payment_id.is_empty() {
            return Err(ProviderError::InvalidRequest(
                "a Stripe refund needs the charge's payment intent id".to_owned(),
            ));
        }
        let amount = to_stripe_amount(req.amount_minor, req.currency, digits)?;
        let amount_text = amount.to_string();
        let mut fields = vec![
            ("payment_intent", req.provider_payment_id),
            ("amount", amount_text.as_str()),
        ];
        if !req.reason.is_empty() {
            // Stripe caps metadata values at 500 characters.
            fields.push(("metadata[reason]", truncate(req.reason, 500)));
        }
        let body = self
            .post_form("/v1/refunds", req.idempotency_key, form(&fields))
            .await?;
        let refund: RefundBody = http::parse_json(NAME, "refund", &body)?;
        if refund.amount.is_some_and(|a| a != amount) {
            return Err(ProviderError::InvalidResponse(format!(
                "refund {} is for {:?}, not {amount}",
                refund.id, refund.amount
            )));
        }
        let status = refund.status.as_deref().unwrap_or("pending");
        Ok(ProviderRefund {
            status: refund_status(status),
            metadata: serde_json::json!({
                "stripe_status": status,
                "failure_reason": refund.failure_reason,
            }),
            provider_refund_id: Some(refund.id),
        })
    }
}

/// A new intent waits for the customer's card (`requires_payment_method`,
/// `requires_confirmation`, `requires_action`); `processing` and
/// `requires_capture` wait for Stripe. A status this code does not know yet
/// counts as pending: the webhook will settle it, whereas an error here would
/// lose the id of an intent that exists.
fn intent_status(status: &str) -> ChargeStatus {
    match status {
        "requires_payment_method" | "requires_confirmation" | "requires_action" => {
            ChargeStatus::RequiresAction
        }
        "succeeded" => ChargeStatus::Succeeded,
        "canceled" => ChargeStatus::Failed,
        _ => ChargeStatus::Pending,
    }
}

fn refund_status(status: &str) -> ChargeStatus {
    match status {
        "succeeded" => ChargeStatus::Succeeded,
        "failed" | "canceled" => ChargeStatus::Failed,
        _ => ChargeStatus::Pending,
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(rename = "type")]
    kind: Option<String>,
    code: Option<String>,
    message: Option<String>,
}

/// A non-2xx answer. 4xx means Stripe refused this request (a declined card
/// is 402), except 401/403 (our key is wrong: configuration, not the
/// customer's fault), 409 (another request with this idempotency key is
/// still running) and 429 (rate limited), which are worth retrying later.
fn stripe_error(status: StatusCode, body: &[u8]) -> ProviderError {
    let detail = serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .map(|b| b.error);
    let message = detail
        .as_ref()
        .and_then(|d| d.message.clone())
        .unwrap_or_else(|| status.to_string());
    match status.as_u16() {
        // Stripe's message here quotes part of the key: leave it out.
        401 | 403 => ProviderError::Unavailable(format!("stripe refused the API key ({status})")),
        409 | 429 => ProviderError::Unavailable(format!("stripe answered {status}: {message}")),
        400..=499 => ProviderError::Rejected {
            code: detail
                .and_then(|d| d.code.or(d.kind))
                .unwrap_or_else(|| format!("http_{}", status.as_u16())),
            message,
        },
        500..=599 => ProviderError::Unavailable(format!("stripe answered {status}: {message}")),
        _ => ProviderError::InvalidResponse(format!("stripe answered {status}")),
    }
}

/// Stripe's zero-decimal currencies. All have no ISO minor unit either,
/// except MGA (ISO: 2 decimals), which Stripe counts in whole ariary.
const ZERO_DECIMAL: [&str; 16] = [
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
    "XAF", "XOF", "XPF",
];

/// How many decimals Stripe's `amount` has for `currency`, where that
/// differs from ISO 4217: the zero-decimal list, and ISK, which ISO gives no
/// decimals but Stripe still counts in hundredths for backwards compatibility.
fn stripe_digits(currency: &str, iso_digits: u32) -> u32 {
    if ZERO_DECIMAL.contains(&currency) {
        0
    } else if currency == "ISK" {
        2
    } else {
        iso_digits
    }
}

/// `amount_minor` (ISO) in Stripe's units, or why Stripe cannot take it.
fn to_stripe_amount(
    amount_minor: i64,
    currency: &str,
    iso_digits: u32,
) -> Result<i64, ProviderError> {
    let stripe = stripe_digits(currency, iso_digits);
    let amount = rescale(amount_minor, iso_digits, stripe).ok_or_else(|| {
        ProviderError::InvalidRequest(format!(
            "Stripe takes {currency} only in whole units of 10^-{stripe}"
        ))
    })?;
    // Three-decimal currencies (BHD, JOD, KWD, OMR, TND): Stripe's card
    // partners need the last digit to be 0. Refuse rather than round: the
    // booking total is what the student agreed to pay.
    if stripe == 3 && amount % 10 != 0 {
        return Err(ProviderError::InvalidRequest(format!(
            "Stripe takes {currency} amounts only in multiples of 10 minor units"
        )));
    }
    Ok(amount)
}

/// The inverse, for amounts in webhooks: `None` if not a whole ISO amount.
pub(crate) fn from_stripe_amount(amount: i64, currency: &str, iso_digits: u32) -> Option<i64> {
    rescale(amount, stripe_digits(currency, iso_digits), iso_digits)
}

/// `application/x-www-form-urlencoded`, in order. (The serializer is not
/// `Send`, so it must not live across an `.await`.)
fn form(fields: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// At most `max` characters, cut at a character boundary.
fn truncate(text: &str, max: usize) -> &str {
    text.char_indices()
        .nth(max)
        .map_or(text, |(index, _)| &text[..index])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_stripe_units() {
        assert_eq!(to_stripe_amount(1234, "USD", 2).ok(), Some(1234));
        assert_eq!(to_stripe_amount(500, "JPY", 0).ok(), Some(500));
        assert_eq!(to_stripe_amount(5000, "ISK", 0).ok(), Some(500_000));
        assert_eq!(to_stripe_amount(150_000, "MGA", 2).ok(), Some(1500));
        assert!(to_stripe_amount(150_050, "MGA", 2).is_err());
        assert_eq!(to_stripe_amount(12_340, "BHD", 3).ok(), Some(12_340));
        assert!(to_stripe_amount(12_345, "BHD", 3).is_err());
        assert_eq!(from_stripe_amount(500_000, "ISK", 0), Some(5000));
        assert_eq!(from_stripe_amount(1500, "MGA", 2), Some(150_000));
        assert_eq!(from_stripe_amount(1234, "USD", 2), Some(1234));
    }

    #[test]
    fn statuses() {
        assert_eq!(
            intent_status("requires_payment_method"),
            ChargeStatus::RequiresAction
        );
        assert_eq!(
            intent_status("requires_action"),
            ChargeStatus::RequiresAction
        );
        assert_eq!(intent_status("processing"), ChargeStatus::Pending);
        assert_eq!(intent_status("succeeded"), ChargeStatus::Succeeded);
        assert_eq!(intent_status("canceled"), ChargeStatus::Failed);
        assert_eq!(intent_status("something_new"), ChargeStatus::Pending);
        assert_eq!(refund_status("succeeded"), ChargeStatus::Succeeded);
        assert_eq!(refund_status("pending"), ChargeStatus::Pending);
        assert_eq!(refund_status("requires_action"), ChargeStatus::Pending);
        assert_eq!(refund_status("failed"), ChargeStatus::Failed);
        assert_eq!(refund_status("canceled"), ChargeStatus::Failed);
    }

    #[test]
    fn errors_map_by_status() {
        let declined = br#"{"error": {"type": "card_error", "code": "card_declined",
            "decline_code": "generic_decline", "message": "Your card was declined."}}"#;
        match stripe_error(StatusCode::PAYMENT_REQUIRED, declined) {
            ProviderError::Rejected { code, message } => {
                assert_eq!(code, "card_declined");
                assert_eq!(message, "Your card was declined.");
            }
            other => panic!("expected Rejected, got {other:?}"),
        }
        let no_code = br#"{"error": {"type": "idempotency_error", "message": "Keys for idempotent requests can only be used with the same parameters"}}"#;
        assert!(matches!(
            stripe_error(StatusCode::BAD_REQUEST, no_code),
            ProviderError::Rejected { code, .. } if code == "idempotency_error"
        ));
        assert!(matches!(
            stripe_error(StatusCode::NOT_FOUND, b"<html>"),
            ProviderError::Rejected { code, .. } if code == "http_404"
        ));
        let key = br#"{"error": {"type": "invalid_request_error", "message": "Invalid API Key provided: sk_test_****abcd"}}"#;
        let err = stripe_error(StatusCode::UNAUTHORIZED, key);
        assert!(matches!(err, ProviderError::Unavailable(_)));
        assert!(!err.to_string().contains("sk_test"));
        for status in [
            StatusCode::CONFLICT,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::BAD_GATEWAY,
        ] {
            assert!(matches!(
                stripe_error(status, b""),
                ProviderError::Unavailable(_)
            ));
        }
    }

    #[test]
    fn config_needs_both_secrets_and_hides_them() {
        let config = StripeConfig::new("sk_test_secret", "whsec_secret");
        assert_eq!(config.livemode(), Some(false));
        assert_eq!(StripeConfig::new("rk_live_x", "").livemode(), Some(true));
        assert_eq!(StripeConfig::new("sk_live_x", "").livemode(), Some(true));
        assert_eq!(StripeConfig::new("secret", "").livemode(), None);
        assert_eq!(config.api_base, "https://api.stripe.com");
        assert_eq!(config.timeout, Duration::from_secs(10));
        let debug = format!("{config:?}");
        assert!(!debug.contains("sk_test_secret") && !debug.contains("whsec_secret"));
        let stripe = Stripe::new(config).expect("valid config");
        assert!(!format!("{stripe:?}").contains("secret"));
        assert!(matches!(
            Stripe::new(StripeConfig::new("sk_test_x", " ")),
            Err(ConfigError::Missing {
                field: "webhook_secret",
                ..
            })
        ));
        assert!(matches!(
            Stripe::new(StripeConfig::new("", "whsec_x")),
            Err(ConfigError::Missing {
                field: "secret_key",
                ..
            })
        ));
    }

    #[test]
    fn truncation_respects_characters() {
        assert_eq!(truncate("abc", 5), "abc");
        assert_eq!(truncate("abcdef", 3), "abc");
        assert_eq!(truncate("ééé", 2), "éé");
    }
}
