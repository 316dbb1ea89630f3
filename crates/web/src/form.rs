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
        let scheme = if secure { "https" } else { "http" };
        return origin.eq_ignore_ascii_case(&format!("{scheme}://{host}"));
    }
    match header_text(header::HeaderName::from_static("sec-fetch-site")) {
        Some(site) => site == "same-origin" || site == "none",
        None => true,
    }
}
