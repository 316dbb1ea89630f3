//! The HTTP plumbing Stripe and PayPal share.

use std::error::Error as _;
use std::time::Duration;

use reqwest::StatusCode;

use crate::provider::{ConfigError, ProviderError, ProviderName};

/// How long one provider request may take, connection to last byte. Long
/// enough for a slow 3-D Secure lookup at the provider, short enough that a
/// hung provider does not hold the student's request (and a database
/// connection in the caller) for minutes.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) fn client(
    provider: ProviderName,
    timeout: Duration,
) -> Result<reqwest::Client, ConfigError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        // A provider never redirects an API call; following one would resend
        // the bearer token to wherever it points.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| ConfigError::HttpClient {
            provider,
            message: e.to_string(),
        })
}

/// `api_base` without its trailing slash, so paths can be appended; only
/// http(s) URLs without query or fragment, which appending would break.
pub(crate) fn base_url(provider: ProviderName, api_base: &str) -> Result<String, ConfigError> {
    let invalid = || ConfigError::ApiBase {
        provider,
        value: api_base.to_owned(),
    };
    let url = url::Url::parse(api_base).map_err(|_| invalid())?;
    let plain = matches!(url.scheme(), "http" | "https")
        && url.has_host()
        && url.query().is_none()
        && url.fragment().is_none();
    if !plain {
        return Err(invalid());
    }
    Ok(api_base.trim_end_matches('/').to_owned())
}

/// A request that got no HTTP answer. reqwest's message alone ("error sending
/// request") says little; its sources say what went wrong. The URL holds no
/// secret, but it is dropped anyway to keep the message short.
pub(crate) fn transport_error(provider: ProviderName, error: reqwest::Error) -> ProviderError {
    if error.is_timeout() {
        return ProviderError::Unavailable(format!("{provider}: request timed out"));
    }
    let error = error.without_url();
    let mut message = format!("{provider}: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    ProviderError::Unavailable(message)
}

/// The status and body of an answer, or why there is none.
pub(crate) async fn send(
    provider: ProviderName,
    request: reqwest::RequestBuilder,
) -> Result<(StatusCode, Vec<u8>), ProviderError> {
    let response = request
        .send()
        .await
        .map_err(|e| transport_error(provider, e))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| transport_error(provider, e))?;
    Ok((status, body.to_vec()))
}

/// The body of a 2xx answer as `T`.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    provider: ProviderName,
    what: &str,
    body: &[u8],
) -> Result<T, ProviderError> {
    serde_json::from_slice(body)
        .map_err(|e| ProviderError::InvalidResponse(format!("{provider} {what}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_plain_http_urls() {
        let p = ProviderName::Stripe;
        assert_eq!(
            base_url(p, "https://api.stripe.com").ok().as_deref(),
            Some("https://api.stripe.com")
        );
        assert_eq!(
            base_url(p, "http://127.0.0.1:4010/").ok().as_deref(),
            Some("http://127.0.0.1:4010")
        );
        for bad in [
            "",
            "api.stripe.com",
            "ftp://x",
            "https://x/?a=b",
            "https://x/#f",
        ] {
            assert!(base_url(p, bad).is_err(), "{bad}");
        }
    }

    /// The providers' APIs are HTTPS: the client must speak TLS. Nothing
    /// listens on the port, so the request fails at connecting, not at an
    /// unsupported scheme.
    #[tokio::test]
    async fn clients_speak_https() {
        let client = client(ProviderName::Stripe, Duration::from_secs(2)).expect("client");
        let error = client
            .get("https://127.0.0.1:9/")
            .send()
            .await
            .expect_err("nothing listens");
        assert!(error.is_connect(), "{error:?}");
    }
}
