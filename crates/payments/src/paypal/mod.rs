//! PayPal: Orders v2 (create, then capture after the payer approves),
//! refunds of captures, and webhook verification through PayPal's own API.
//!
//! Every call needs an OAuth2 access token from the client credentials. PayPal
//! hands out tokens valid for hours and rate-limits the token endpoint, so
//! one token is cached per client (in memory: it is only a cache, and a
//! restarted process simply fetches another).

mod event;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

pub use event::{PaypalEvent, PaypalResource, parse_paypal_event};

use crate::http;
use crate::money::{decimal_to_minor, minor_to_decimal, rescale};
use crate::provider::{
    ChargeRequest, ChargeStatus, ConfigError, PaymentProvider, ProviderCharge, ProviderError,
    ProviderName, ProviderRefund, RefundRequest, check_amount, check_path_id,
};

const NAME: ProviderName = ProviderName::Paypal;

/// PayPal caps `custom_id`, `invoice_id` and `description` at 127 characters.
const PAYPAL_TEXT_MAX: usize = 127;

/// PayPal refuses a `PayPal-Request-Id` longer than this (Orders v2 and
/// Payments v2 alike).
const REQUEST_ID_MAX: usize = 108;

/// Where to reach PayPal and with which credentials.
#[derive(Clone)]
pub struct PaypalConfig {
    pub client_id: String,
    pub client_secret: String,
    /// The id PayPal gave the webhook subscription; verification checks that
    /// an event was sent to this subscription.
    pub webhook_id: String,
    pub api_base: String,
    pub timeout: Duration,
    /// Where browsers load PayPal's JavaScript SDK (the buttons) from; PayPal
    /// requires its own copy, a stand-in serves one in tests.
    pub sdk_url: String,
}

impl PaypalConfig {
    pub const DEFAULT_API_BASE: &'static str = "https://api-m.paypal.com";
    pub const SANDBOX_API_BASE: &'static str = "https://api-m.sandbox.paypal.com";
    pub const DEFAULT_SDK_URL: &'static str = "https://www.paypal.com/sdk/js";

    /// The live API base and a 10 s timeout.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        webhook_id: impl Into<String>,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            webhook_id: webhook_id.into(),
            api_base: Self::DEFAULT_API_BASE.to_owned(),
            timeout: http::DEFAULT_TIMEOUT,
            sdk_url: Self::DEFAULT_SDK_URL.to_owned(),
        }
    }
}

impl fmt::Debug for PaypalConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaypalConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("webhook_id", &self.webhook_id)
            .field("api_base", &self.api_base)
            .field("timeout", &self.timeout)
            .field("sdk_url", &self.sdk_url)
            .finish()
    }
}

/// A PayPal client. Clones share the connection pool and the token cache.
#[derive(Clone)]
pub struct Paypal {
    http: reqwest::Client,
    base: String,
    client_id: String,
    client_secret: String,
    webhook_id: String,
    sdk_url: url::Url,
    /// A tokio mutex, held across the token request: concurrent calls that
    /// find no valid token wait for one fetch instead of each making their own.
    token: Arc<Mutex<Option<CachedToken>>>,
}

struct CachedToken {
    value: String,
    refresh_at: Instant,
}

impl fmt::Debug for Paypal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paypal")
            .field("api_base", &self.base)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// The headers PayPal signs a webhook delivery with, passed on verbatim to
/// its verification API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaypalWebhookHeaders {
    pub transmission_id: String,
    pub transmission_time: String,
    pub cert_url: String,
    pub auth_algo: String,
    pub transmission_sig: String,
}

impl PaypalWebhookHeaders {
    /// From a request's headers (`PAYPAL-TRANSMISSION-ID` and the rest);
    /// `None` if any is missing or not text, i.e. the request is unsigned.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let get = |name: &str| {
            headers
                .get(name)?
                .to_str()
                .ok()
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Some(Self {
            transmission_id: get("paypal-transmission-id")?,
            transmission_time: get("paypal-transmission-time")?,
            cert_url: get("paypal-cert-url")?,
            auth_algo: get("paypal-auth-algo")?,
            transmission_sig: get("paypal-transmission-sig")?,
        })
    }
}

#[derive(Deserialize)]
struct TokenBody {
    access_token: String,
    /// Seconds. Missing means "do not reuse".
    #[serde(default)]
    expires_in: u64,
}

#[derive(Deserialize)]
struct OrderBody {
    id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    links: Vec<Link>,
    #[serde(default)]
    purchase_units: Vec<PurchaseUnit>,
}

#[derive(Deserialize)]
struct Link {
    href: String,
    rel: String,
}

#[derive(Deserialize)]
struct PurchaseUnit {
    payments: Option<Payments>,
}

#[derive(Deserialize)]
struct Payments {
    #[serde(default)]
    captures: Vec<Capture>,
}

#[derive(Deserialize)]
struct Capture {
    id: String,
    #[serde(default)]
    status: String,
    amount: Option<Amount>,
}

#[derive(Deserialize)]
pub(crate) struct Amount {
    pub(crate) currency_code: String,
    pub(crate) value: String,
}

#[derive(Deserialize)]
struct RefundBody {
    id: String,
    #[serde(default)]
    status: String,
}

#[derive(Deserialize)]
struct VerifyBody {
    verification_status: String,
}

impl Paypal {
    pub fn new(config: PaypalConfig) -> Result<Self, ConfigError> {
        for (field, value) in [
            ("client_id", &config.client_id),
            ("client_secret", &config.client_secret),
            ("webhook_id", &config.webhook_id),
        ] {
            if value.trim().is_empty() {
                return Err(ConfigError::Missing {
                    provider: NAME,
                    field,
                });
            }
        }
        let sdk_url = url::Url::parse(&config.sdk_url)
            .ok()
            .filter(|u| {
                matches!(u.scheme(), "http" | "https") && u.has_host() && u.query().is_none()
            })
            .ok_or(ConfigError::Invalid {
                provider: NAME,
                field: "sdk_url",
                reason: "must be an http(s) URL without a query",
            })?;
        Ok(Self {
            http: http::client(NAME, config.timeout)?,
            base: http::base_url(NAME, &config.api_base)?,
            client_id: config.client_id,
            client_secret: config.client_secret,
            webhook_id: config.webhook_id,
            sdk_url,
            token: Arc::new(Mutex::new(None)),
        })
    }

    /// The URL of PayPal's JavaScript SDK for buttons paying in `currency`,
    /// captured at once (the page's `onApprove` calls the capture route).
    pub fn sdk_script(&self, currency: &str) -> String {
        let mut url = self.sdk_url.clone();
        url.query_pairs_mut()
            .append_pair("client-id", &self.client_id)
            .append_pair("currency", currency)
            .append_pair("intent", "capture")
            .append_pair("components", "buttons");
        url.to_string()
    }

    /// Captures an order the payer approved. `provider_payment_id` stays the
    /// order id; the capture id (which refunds need) is in
    /// [`ProviderCharge::paypal_capture_id`], and the captured `amount_minor`
    /// and `currency` are in the metadata for the caller to check against
    /// the payment row.
    ///
    /// Safe to repeat: the same `idempotency_key` gets PayPal's first answer,
    /// and an order already captured (a retry under a new key) is read back
    /// instead of failing.
    pub async fn capture(
        &self,
        order_id: &str,
        idempotency_key: &str,
    ) -> Result<ProviderCharge, ProviderError> {
        check_path_id("order", order_id)?;
        if idempotency_key.trim().is_empty() {
            return Err(ProviderError::InvalidRequest(
                "a capture needs an idempotency key".to_owned(),
            ));
        }
        let path = format!("/v2/checkout/orders/{order_id}/capture");
        let body = match self
            .call(
                Method::POST,
                &path,
                Some(idempotency_key),
                Some("{}".to_owned()),
            )
            .await
        {
            Err(ProviderError::Rejected { code, .. }) if code == "ORDER_ALREADY_CAPTURED" => {
                self.call(
                    Method::GET,
                    &format!("/v2/checkout/orders/{order_id}"),
                    None,
                    None,
                )
                .await?
            }
            other => other?,
        };
        let order: OrderBody = http::parse_json(NAME, "captured order", &body)?;
        captured(order)
    }

    /// Asks PayPal whether a webhook delivery is genuine.
    ///
    /// `raw_body` must be the body exactly as received: PayPal checks its
    /// signature over those bytes, so it is spliced into the request as is.
    /// Re-serializing parsed JSON (reordered keys, `1.0` written as `1`) makes
    /// genuine events fail verification, a known trap of this API.
    ///
    /// `Ok(false)` for a delivery PayPal does not vouch for, or a body that
    /// is not a JSON object; `Err` only when PayPal could not be asked.
    pub async fn verify_paypal_webhook(
        &self,
        headers: &PaypalWebhookHeaders,
        raw_body: &[u8],
    ) -> Result<bool, ProviderError> {
        let Ok(raw) = std::str::from_utf8(raw_body) else {
            return Ok(false);
        };
        if !serde_json::from_str::<Value>(raw).is_ok_and(|v| v.is_object()) {
            return Ok(false);
        }
        let fields = json!({
            "auth_algo": headers.auth_algo,
            "cert_url": headers.cert_url,
            "transmission_id": headers.transmission_id,
            "transmission_sig": headers.transmission_sig,
            "transmission_time": headers.transmission_time,
            "webhook_id": self.webhook_id,
        })
        .to_string();
        // `fields` is an object of strings: it ends in `"}`, and the event goes
        // in before that brace.
        let open = fields.strip_suffix('}').unwrap_or(&fields);
        let request = format!("{open},\"webhook_event\":{raw}}}");
        let body = self
            .call(
                Method::POST,
                "/v1/notifications/verify-webhook-signature",
                None,
                Some(request),
            )
            .await?;
        let answer: VerifyBody = http::parse_json(NAME, "webhook verification", &body)?;
        Ok(answer.verification_status == "SUCCESS")
    }

    /// A valid access token, from the cache or freshly fetched.
    async fn token(&self) -> Result<String, ProviderError> {
        let mut cached = self.token.lock().await;
        if let Some(token) = cached.as_ref()
            && Instant::now() < token.refresh_at
        {
            return Ok(token.value.clone());
        }
        let fresh = self.fetch_token().await?;
        let value = fresh.value.clone();
        *cached = Some(fresh);
        Ok(value)
    }

    /// Drops `used` from the cache (PayPal said it is no longer valid), unless
    /// a concurrent call has already replaced it.
    async fn forget_token(&self, used: &str) {
        let mut cached = self.token.lock().await;
        if cached.as_ref().is_some_and(|t| t.value == used) {
            *cached = None;
        }
    }

    async fn fetch_token(&self) -> Result<CachedToken, ProviderError> {
        let requested_at = Instant::now();
        let request = self
            .http
            .post(format!("{}/v1/oauth2/token", self.base))
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials");
        let (status, body) = http::send(NAME, request).await?;
        if !status.is_success() {
            // Whatever the reason, the customer cannot fix our credentials.
            return Err(ProviderError::Unavailable(format!(
                "paypal refused an access token ({status})"
            )));
        }
        let token: TokenBody = http::parse_json(NAME, "access token", &body)?;
        if token.access_token.is_empty() {
            return Err(ProviderError::InvalidResponse(
                "paypal sent an empty access token".to_owned(),
            ));
        }
        // Renew a minute early (or halfway, for short-lived tokens) so a token
        // does not expire between leaving here and reaching PayPal.
        let margin = (token.expires_in / 2).min(60);
        Ok(CachedToken {
            value: token.access_token,
            refresh_at: requested_at + Duration::from_secs(token.expires_in - margin),
        })
    }

    /// An authenticated JSON call. A 401 means the cached token was revoked
    /// or expired early: fetch a new one and try once more (safe, as every
    /// mutating call carries a `PayPal-Request-Id`).
    async fn call(
        &self,
        method: Method,
        path: &str,
        request_id: Option<&str>,
        body: Option<String>,
    ) -> Result<Vec<u8>, ProviderError> {
        let url = format!("{}{path}", self.base);
        let mut attempts_left = 2;
        loop {
            attempts_left -= 1;
            let token = self.token().await?;
            let mut request = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(&token)
                .header(ACCEPT, "application/json")
                // The whole order in answers, captures included.
                .header("Prefer", "return=representation");
            if let Some(key) = request_id {
                request = request.header("PayPal-Request-Id", paypal_request_id(key).as_ref());
            }
            if let Some(body) = &body {
                request = request
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            let (status, answer) = http::send(NAME, request).await?;
            if status == StatusCode::UNAUTHORIZED && attempts_left > 0 {
                self.forget_token(&token).await;
                continue;
            }
            return if status.is_success() {
                Ok(answer)
            } else {
                Err(paypal_error(status, &answer))
            };
        }
    }
}

impl PaymentProvider for Paypal {
    fn name(&self) -> ProviderName {
        NAME
    }

    /// Creates an order for the payer to approve at `approval_url`; capture
    /// it with [`Paypal::capture`] when they come back. `invoice_id` is the
    /// booking id, so PayPal itself refuses a second completed payment for
    /// one booking; `custom_id` is the payment id, for webhooks.
    async fn create_charge(&self, req: ChargeRequest<'_>) -> Result<ProviderCharge, ProviderError> {
        let digits = check_amount(req.amount_minor, req.currency, req.idempotency_key)?;
        for (what, id) in [
            ("booking id", req.booking_id),
            ("payment id", req.payment_id),
        ] {
            if id.is_empty() || id.chars().count() > PAYPAL_TEXT_MAX {
                return Err(ProviderError::InvalidRequest(format!(
                    "PayPal needs a {what} of 1 to {PAYPAL_TEXT_MAX} characters"
                )));
            }
        }
        let mut unit = json!({
            "custom_id": req.payment_id,
            "invoice_id": req.booking_id,
            "amount": {
                "currency_code": req.currency,
                "value": paypal_value(req.amount_minor, req.currency, digits)?,
            },
        });
        if !req.description.is_empty() {
            unit["description"] = json!(truncate(req.description, PAYPAL_TEXT_MAX));
        }
        let request = json!({ "intent": "CAPTURE", "purchase_units": [unit] }).to_string();
        let body = self
            .call(
                Method::POST,
                "/v2/checkout/orders",
                Some(req.idempotency_key),
                Some(request),
            )
            .await?;
        let order: OrderBody = http::parse_json(NAME, "order", &body)?;
        let status = order_status(&order.status);
        // "approve" for plain orders, "payer-action" when a payment source
        // with an experience context was given.
        let approval_url = order
            .links
            .into_iter()
            .find(|l| l.rel == "approve" || l.rel == "payer-action")
            .map(|l| l.href);
        if status == ChargeStatus::RequiresAction && approval_url.is_none() {
            return Err(ProviderError::InvalidResponse(format!(
                "order {} has no approval link",
                order.id
            )));
        }
        Ok(ProviderCharge {
            metadata: json!({ "paypal_status": order.status }),
            provider_payment_id: Some(order.id),
            client_secret: None,
            approval_url,
            status,
        })
    }

    /// `req.provider_payment_id` is the **capture** id, not the order id:
    /// PayPal refunds captures.
    async fn refund(&self, req: RefundRequest<'_>) -> Result<ProviderRefund, ProviderError> {
        let digits = check_amount(req.amount_minor, req.currency, req.idempotency_key)?;
        check_path_id("capture", req.provider_payment_id)?;
        let request = json!({
            "amount": {
                "currency_code": req.currency,
                "value": paypal_value(req.amount_minor, req.currency, digits)?,
            },
        })
        .to_string();
        let path = format!("/v2/payments/captures/{}/refund", req.provider_payment_id);
        let body = self
            .call(
                Method::POST,
                &path,
                Some(req.idempotency_key),
                Some(request),
            )
            .await?;
        let refund: RefundBody = http::parse_json(NAME, "refund", &body)?;
        Ok(ProviderRefund {
            status: refund_status(&refund.status),
            metadata: json!({ "paypal_status": refund.status }),
            provider_refund_id: Some(refund.id),
        })
    }
}

/// The charge an order's capture made.
fn captured(order: OrderBody) -> Result<ProviderCharge, ProviderError> {
    let Some(capture) = order
        .purchase_units
        .into_iter()
        .filter_map(|unit| unit.payments)
        .flat_map(|payments| payments.captures)
        .next()
    else {
        return Err(ProviderError::InvalidResponse(format!(
            "order {} ({}) has no capture",
            order.id, order.status
        )));
    };
    let amount = capture
        .amount
        .as_ref()
        .and_then(|a| Some((iso_minor(a)?, a.currency_code.clone())));
    let Some((amount_minor, currency)) = amount else {
        return Err(ProviderError::InvalidResponse(format!(
            "capture {} has no readable amount",
            capture.id
        )));
    };
    Ok(ProviderCharge {
        status: capture_status(&capture.status),
        metadata: json!({
            "paypal_status": order.status,
            "paypal_capture_id": capture.id,
            "paypal_capture_status": capture.status,
            "amount_minor": amount_minor,
            "currency": currency,
        }),
        provider_payment_id: Some(order.id),
        client_secret: None,
        approval_url: None,
    })
}

/// A PayPal amount in ISO minor units of its currency.
pub(crate) fn iso_minor(amount: &Amount) -> Option<i64> {
    let digits = crate::money::minor_digits(&amount.currency_code)?;
    // PayPal never writes more decimals than ISO has (it writes fewer, for
    // HUF and TWD), so reading with the ISO digits is exact.
    decimal_to_minor(&amount.value, digits)
}

/// Decimals PayPal accepts in `amount.value`: ISO's, except none for HUF
/// and TWD (and JPY, which has none anyway).
fn paypal_digits(currency: &str, iso_digits: u32) -> u32 {
    match currency {
        "HUF" | "JPY" | "TWD" => 0,
        _ => iso_digits,
    }
}

fn paypal_value(
    amount_minor: i64,
    currency: &str,
    iso_digits: u32,
) -> Result<String, ProviderError> {
    let digits = paypal_digits(currency, iso_digits);
    let amount = rescale(amount_minor, iso_digits, digits).ok_or_else(|| {
        ProviderError::InvalidRequest(format!("PayPal takes {currency} only in whole units"))
    })?;
    Ok(minor_to_decimal(amount, digits))
}

/// A created order waits for the payer (`CREATED`, `PAYER_ACTION_REQUIRED`);
/// an approved one waits for our capture.
fn order_status(status: &str) -> ChargeStatus {
    match status {
        "CREATED" | "SAVED" | "PAYER_ACTION_REQUIRED" => ChargeStatus::RequiresAction,
        "COMPLETED" => ChargeStatus::Succeeded,
        "VOIDED" => ChargeStatus::Failed,
        _ => ChargeStatus::Pending,
    }
}

/// A capture that was later refunded still took the money: the refunds are
/// rows of their own.
fn capture_status(status: &str) -> ChargeStatus {
    match status {
        "COMPLETED" | "PARTIALLY_REFUNDED" | "REFUNDED" => ChargeStatus::Succeeded,
        "DECLINED" | "FAILED" => ChargeStatus::Failed,
        _ => ChargeStatus::Pending,
    }
}

fn refund_status(status: &str) -> ChargeStatus {
    match status {
        "COMPLETED" => ChargeStatus::Succeeded,
        "FAILED" | "CANCELLED" => ChargeStatus::Failed,
        _ => ChargeStatus::Pending,
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    name: Option<String>,
    message: Option<String>,
    #[serde(default)]
    details: Vec<ErrorIssue>,
}

#[derive(Deserialize)]
struct ErrorIssue {
    issue: Option<String>,
    description: Option<String>,
}

/// A non-2xx answer. As for Stripe: 4xx is PayPal refusing this request
/// (`INSTRUMENT_DECLINED`, `ORDER_NOT_APPROVED`, …), except credentials
/// (401/403), a request id still in flight (409) and rate limits (429).
fn paypal_error(status: StatusCode, body: &[u8]) -> ProviderError {
    let parsed = serde_json::from_slice::<ErrorBody>(body).ok();
    let (code, message) = parsed.map_or((None, None), |error| {
        let first = error.details.into_iter().next();
        let (issue, description) = first.map_or((None, None), |d| (d.issue, d.description));
        (issue.or(error.name), description.or(error.message))
    });
    let message = message.unwrap_or_else(|| status.to_string());
    match status.as_u16() {
        401 | 403 => {
            ProviderError::Unavailable(format!("paypal refused our credentials ({status})"))
        }
        409 | 429 => ProviderError::Unavailable(format!("paypal answered {status}: {message}")),
        400..=499 => ProviderError::Rejected {
            code: code.unwrap_or_else(|| format!("http_{}", status.as_u16())),
            message,
        },
        500..=599 => ProviderError::Unavailable(format!("paypal answered {status}: {message}")),
        _ => ProviderError::InvalidResponse(format!("paypal answered {status}")),
    }
}

/// The `PayPal-Request-Id` for an idempotency key: the key itself when PayPal
/// takes it, else its SHA-256, which stays as stable across retries. Keys
/// the API builds from a client's `Idempotency-Key` can reach 250 characters.
fn paypal_request_id(key: &str) -> Cow<'_, str> {
    if key.len() <= REQUEST_ID_MAX {
        return Cow::Borrowed(key);
    }
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Cow::Owned(format!("sha256-{hex}"))
}

fn truncate(text: &str, max: usize) -> &str {
    text.char_indices()
        .nth(max)
        .map_or(text, |(index, _)| &text[..index])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_have_the_decimals_paypal_takes() {
        assert_eq!(paypal_value(1234, "USD", 2).ok().as_deref(), Some("12.34"));
        assert_eq!(paypal_value(1200, "EUR", 2).ok().as_deref(), Some("12.00"));
        assert_eq!(paypal_value(500, "JPY", 0).ok().as_deref(), Some("500"));
        assert_eq!(
            paypal_value(150_000, "HUF", 2).ok().as_deref(),
            Some("1500")
        );
        assert!(paypal_value(150_050, "HUF", 2).is_err());
        assert_eq!(
            paypal_value(12_345, "BHD", 3).ok().as_deref(),
            Some("12.345")
        );
    }

    #[test]
    fn request_ids_fit_paypal_and_stay_stable() {
        let uuid = "01a21daf-082d-732e-951b-d7951e5e1097";
        assert_eq!(paypal_request_id(uuid), uuid);
        let at_limit = "k".repeat(REQUEST_ID_MAX);
        assert_eq!(paypal_request_id(&at_limit), at_limit.as_str());
        let long = format!("{uuid}:{}", "client-key".repeat(20));
        let id = paypal_request_id(&long);
        assert!(id.len() <= REQUEST_ID_MAX, "{id}");
        assert_eq!(id, paypal_request_id(&long), "a retry sends the same id");
        assert_ne!(id, paypal_request_id(&format!("{long}:capture")));
    }

    #[test]
    fn amounts_read_back_in_iso_minor_units() {
        let amount = |value: &str, currency: &str| Amount {
            currency_code: currency.to_owned(),
            value: value.to_owned(),
        };
        assert_eq!(iso_minor(&amount("12.34", "USD")), Some(1234));
        assert_eq!(iso_minor(&amount("1500", "HUF")), Some(150_000));
        assert_eq!(iso_minor(&amount("500", "JPY")), Some(500));
        assert_eq!(iso_minor(&amount("5.5", "JPY")), None);
        assert_eq!(iso_minor(&amount("1", "ZZZ")), None);
    }

    #[test]
    fn statuses() {
        assert_eq!(order_status("CREATED"), ChargeStatus::RequiresAction);
        assert_eq!(
            order_status("PAYER_ACTION_REQUIRED"),
            ChargeStatus::RequiresAction
        );
        assert_eq!(order_status("APPROVED"), ChargeStatus::Pending);
        assert_eq!(order_status("COMPLETED"), ChargeStatus::Succeeded);
        assert_eq!(order_status("VOIDED"), ChargeStatus::Failed);
        assert_eq!(capture_status("COMPLETED"), ChargeStatus::Succeeded);
        assert_eq!(capture_status("PENDING"), ChargeStatus::Pending);
        assert_eq!(capture_status("DECLINED"), ChargeStatus::Failed);
        assert_eq!(refund_status("COMPLETED"), ChargeStatus::Succeeded);
        assert_eq!(refund_status("PENDING"), ChargeStatus::Pending);
        assert_eq!(refund_status("CANCELLED"), ChargeStatus::Failed);
    }

    #[test]
    fn errors_map_by_status() {
        let declined = br#"{"name": "UNPROCESSABLE_ENTITY", "message": "The requested action could not be performed.",
            "debug_id": "abc", "details": [{"issue": "INSTRUMENT_DECLINED",
            "description": "The instrument presented was either declined by the processor or bank."}]}"#;
        match paypal_error(StatusCode::UNPROCESSABLE_ENTITY, declined) {
            ProviderError::Rejected { code, message } => {
                assert_eq!(code, "INSTRUMENT_DECLINED");
                assert!(message.starts_with("The instrument presented"));
            }
            other => panic!("expected Rejected, got {other:?}"),
        }
        assert!(matches!(
            paypal_error(StatusCode::BAD_REQUEST, br#"{"name": "INVALID_REQUEST", "message": "Request is not well-formed"}"#),
            ProviderError::Rejected { code, .. } if code == "INVALID_REQUEST"
        ));
        assert!(matches!(
            paypal_error(StatusCode::NOT_FOUND, b""),
            ProviderError::Rejected { code, .. } if code == "http_404"
        ));
        for status in [
            StatusCode::UNAUTHORIZED,
            StatusCode::FORBIDDEN,
            StatusCode::CONFLICT,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::SERVICE_UNAVAILABLE,
        ] {
            assert!(matches!(
                paypal_error(status, b"{}"),
                ProviderError::Unavailable(_)
            ));
        }
    }

    #[test]
    fn config_is_checked_and_hides_the_secret() {
        let config = PaypalConfig::new("client", "very-secret", "WH-1");
        assert_eq!(config.api_base, "https://api-m.paypal.com");
        assert!(!format!("{config:?}").contains("very-secret"));
        let paypal = Paypal::new(config).expect("valid config");
        assert!(!format!("{paypal:?}").contains("very-secret"));
        for (config, field) in [
            (PaypalConfig::new("", "s", "w"), "client_id"),
            (PaypalConfig::new("c", "", "w"), "client_secret"),
            (PaypalConfig::new("c", "s", ""), "webhook_id"),
        ] {
            assert!(matches!(
                Paypal::new(config),
                Err(ConfigError::Missing { field: f, .. }) if f == field
            ));
        }
    }

    #[test]
    fn webhook_headers_come_from_the_request() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("PAYPAL-TRANSMISSION-ID", "tid"),
            ("PAYPAL-TRANSMISSION-TIME", "2024-01-01T00:00:00Z"),
            (
                "PAYPAL-CERT-URL",
                "https://api.paypal.com/v1/notifications/certs/CERT-1",
            ),
            ("PAYPAL-AUTH-ALGO", "SHA256withRSA"),
            ("PAYPAL-TRANSMISSION-SIG", "sig=="),
        ] {
            headers.insert(name, value.parse().expect("ascii header value"));
        }
        let parsed = PaypalWebhookHeaders::from_headers(&headers).expect("all present");
        assert_eq!(parsed.transmission_id, "tid");
        assert_eq!(parsed.auth_algo, "SHA256withRSA");
        headers.remove("PAYPAL-TRANSMISSION-SIG");
        assert_eq!(PaypalWebhookHeaders::from_headers(&headers), None);
    }
}
