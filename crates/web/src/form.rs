//! Posted forms. Every state-changing form carries the visitor's CSRF token
//! in its `csrf` field and, when the browser says where it came from, must
//! come from this very origin (scheme, host and port). Either failing is a
//! 403 page, and nothing changes.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use medicaledu_app::AppContext;
use serde::de::DeserializeOwned;

use crate::error::PageError;
use crate::visitor::Visitor;

/// Forms are small: a sign-up or a review, never an upload.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// A posted form of `T` from a visitor whose token checked out.
pub struct Form<T> {
    pub visitor: Visitor,
    pub data: T,
}

impl<T: DeserializeOwned> FromRequest<AppContext> for Form<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, ctx: &AppContext) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let visitor = Visitor::from_request_parts(&mut parts, ctx).await?;
        if !same_origin(&parts, ctx.settings.cookie_secure) {
            return Err(PageError::Csrf);
        }
        let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
            .await
            .map_err(|_| PageError::BadRequest)?;
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| PageError::BadRequest)?;
        // No text with a NUL character is stored anywhere (see `refuse_nul`).
        if pairs
            .iter()
            .any(|(name, value)| name.contains('\0') || value.contains('\0'))
        {
            return Err(PageError::BadRequest);
        }
        let token = pairs
            .iter()
            .find(|(name, _)| name == "csrf")
            .map(|(_, value)| value.as_str())
            .unwrap_or_default();
        if !visitor.csrf_matches(token) {
            return Err(PageError::Csrf);
        }
        let data = serde_urlencoded::from_bytes(&bytes).map_err(|_| PageError::BadRequest)?;
        Ok(Form { visitor, data })
    }
}

/// A browser names the page a form was sent from in `Origin`; it must be
/// this site as the visitor reaches it. Without `Origin`, the Fetch metadata
/// decides; with neither, the request came from no browser and the token
/// alone guards it.
fn same_origin(parts: &Parts, secure: bool) -> bool {
    let header_text = |name| parts.headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(origin) = header_text(header::ORIGIN) {
        let Some(host) = header_text(header::HOST) else {
            return false;
        };
        let expected = |scheme: &str| origin.eq_ignore_ascii_case(&format!("{scheme}://{host}"));
        // Behind TLS (secure cookies) the page was served over https. On a
        // loopback address browsers keep secure cookies over plain http too,
        // which is how a newcomer runs the server with its defaults.
        return if secure {
            expected("https") || (is_loopback(host) && expected("http"))
        } else {
            expected("http")
        };
    }
    match header_text(header::HeaderName::from_static("sec-fetch-site")) {
        Some(site) => site == "same-origin" || site == "none",
        None => true,
    }
}

/// `localhost`, `127.x.y.z` or `[::1]`, with or without a port.
fn is_loopback(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::is_loopback;

    #[test]
    fn loopback_hosts() {
        for host in [
            "localhost:8080",
            "127.0.0.1:8080",
            "127.1.2.3",
            "[::1]:8080",
            "LOCALHOST",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "example.org",
            "10.0.0.1:8080",
            "[2001:db8::1]:443",
            "localhost.example.org",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }
}
