//! SMS and push through the operator's provider: a JSON POST per notification,
//! signed so the receiver can tell it came from this platform and was not
//! altered or replayed.
//!
//! The signature header reads `t=<unix seconds>,v1=<hex>`, where the hex is
//! HMAC-SHA256 with the shared secret over `<t>.<raw body>` (the scheme
//! Stripe's webhooks use, so receivers can reuse familiar code). Receivers
//! should reject a `t` more than five minutes away from their clock.

use std::time::Duration;

use hmac::{Hmac, Mac};
use medicaledu_domain::Channel;
use medicaledu_store::notifications::Claimed;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::DeliveryError;

pub const SIGNATURE_HEADER: &str = "X-MedicalEdu-Signature";

#[derive(Clone)]
pub struct WebhookConfig {
    pub url: url::Url,
    secret: String,
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookConfigError {
    #[error("{0} is not an http(s) URL")]
    Url(String),
    #[error("MEDICALEDU_NOTIFY_WEBHOOK_SECRET must be set to sign webhook deliveries")]
    Secret,
}

impl WebhookConfig {
    pub fn new(url: &str, secret: &str) -> Result<Self, WebhookConfigError> {
        let parsed = url::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .ok_or_else(|| WebhookConfigError::Url(url.to_owned()))?;
        if secret.trim().is_empty() {
            return Err(WebhookConfigError::Secret);
        }
        Ok(Self {
            url: parsed,
            secret: secret.to_owned(),
        })
    }
}

/// The signature header's value for `body` sent at `timestamp`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

/// What goes in the body for each channel.
pub(crate) fn payload(row: &Claimed) -> Result<Value, DeliveryError> {
    Ok(match row.channel {
        Channel::Sms => {
            let to = row.phone.as_deref().ok_or_else(|| {
                DeliveryError::Permanent("the account has no phone number".to_owned())
            })?;
            json!({
                "id": row.id,
                "channel": "sms",
                "kind": row.kind,
                "to": to,
                "text": format!("{}: {}", row.title, row.body),
            })
        }
        _ => json!({
            "id": row.id,
            "channel": row.channel,
            "kind": row.kind,
            "user_id": row.user_id,
            "title": row.title,
            "body": row.body,
            "data": row.data.0,
        }),
    })
}

#[derive(Clone, Debug)]
pub(crate) struct WebhookSender {
    client: reqwest::Client,
    config: WebhookConfig,
}

impl WebhookSender {
    pub(crate) fn new(config: WebhookConfig, timeout: Duration) -> Result<Self, DeliveryError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("MedicalEdu/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| DeliveryError::Permanent(format!("HTTP client setup failed: {e}")))?;
        Ok(Self { client, config })
    }

    pub(crate) async fn send(&self, row: &Claimed, body: &Value) -> Result<(), DeliveryError> {
        let body = serde_json::to_vec(body)
            .map_err(|e| DeliveryError::Permanent(format!("cannot encode the body: {e}")))?;
        let signature = sign(&self.config.secret, chrono::Utc::now().timestamp(), &body);
        let response = self
            .client
            .post(self.config.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signature)
            // The provider can drop a delivery it has seen (after a crash
            // between sending and recording, this row is sent again).
            .header("Idempotency-Key", row.id.to_string())
            .body(body)
            .send()
            .await
            .map_err(|e| DeliveryError::Transient(format!("webhook: {}", without_url(&e))))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let message = format!("webhook answered {status}");
        if status.is_server_error()
            || matches!(
                status,
                StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_MANY_REQUESTS
            )
        {
            Err(DeliveryError::Transient(message))
        } else {
            Err(DeliveryError::Permanent(message))
        }
    }
}

/// The error without its URL, which may carry credentials in its query.
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    let mut source = std::error::Error::source(e);
    let mut detail = String::new();
    while let Some(cause) = source {
        detail = cause.to_string();
        source = cause.source();
    }
    if detail.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {detail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_a_known_vector() {
        // Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
        assert_eq!(
            sign("secret", 1_700_000_000, br#"{"a":1}"#),
            "t=1700000000,v1=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686"
        );
    }

    #[test]
    fn config_needs_an_http_url_and_a_secret() {
        assert!(WebhookConfig::new("https://sms.example.org/send", "s").is_ok());
        assert!(matches!(
            WebhookConfig::new("ftp://x", "s"),
            Err(WebhookConfigError::Url(_))
        ));
        assert!(matches!(
            WebhookConfig::new("https://x", " "),
            Err(WebhookConfigError::Secret)
        ));
        assert!(
            !format!(
                "{:?}",
                WebhookConfig::new("https://x", "hunter2").expect("valid")
            )
            .contains("hunter2")
        );
    }
}
