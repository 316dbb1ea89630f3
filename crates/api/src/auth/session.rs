use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use medicaledu_app::{Actor, sessions};

use crate::{ApiError, AppState};

pub const SESSION_COOKIE: &str = "medicaledu_session";

/// The signed-in caller: a live, active account with a live session.
#[derive(Clone, Debug)]
pub struct Authenticated(pub Actor);

impl std::ops::Deref for Authenticated {
    type Target = Actor;

    fn deref(&self) -> &Actor {
        &self.0
    }
}

/// The signed-in caller, even one whose session may do nothing but set up a
/// second factor ([`Actor::must_enrol_second_factor`]): only the routes that
/// set one up (and signing out) take it. Every other route takes
/// [`Authenticated`], which refuses such a session, so a new route is closed
/// to it unless it says otherwise.
#[derive(Clone, Debug)]
pub struct AnySession(pub Actor);

impl std::ops::Deref for AnySession {
    type Target = Actor;

    fn deref(&self) -> &Actor {
        &self.0
    }
}

/// Every reason a credential fails gives this same answer, so a client learns
/// nothing about which tokens ever existed.
fn unauthenticated() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "Sign in to continue.",
    )
    .with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let AnySession(actor) = AnySession::from_request_parts(parts, state).await?;
        if actor.must_enrol_second_factor {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "second_factor_required",
                "Administrators must set up two-factor authentication first: POST /api/v1/me/second-factor.",
            ));
        }
        Ok(Authenticated(actor))
    }
}

impl FromRequestParts<AppState> for AnySession {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (raw, via_cookie) = match bearer_token(parts) {
            Some(token) => (token, false),
            None => (cookie_token(parts).ok_or_else(unauthenticated)?, true),
        };
        if via_cookie
            && !is_safe(&parts.method)
            && !same_origin(parts, state.settings.cookie_secure)
        {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf_rejected",
                "Cookie-authenticated requests that change data must come from this site's own origin.",
            ));
        }
        let actor = sessions::authenticate(state, &raw)
            .await?
            .ok_or_else(unauthenticated)?;
        Ok(AnySession(actor))
    }
}

/// The caller if they sent credentials, `None` for anonymous callers. Bad
/// credentials are still refused rather than silently treated as anonymous,
/// so a client with an expired token learns it.
#[derive(Clone, Debug)]
pub struct MaybeAuthenticated(pub Option<Authenticated>);

impl FromRequestParts<AppState> for MaybeAuthenticated {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if bearer_token(parts).is_none() && cookie_token(parts).is_none() {
            return Ok(MaybeAuthenticated(None));
        }
        Authenticated::from_request_parts(parts, state)
            .await
            .map(|a| MaybeAuthenticated(Some(a)))
    }
}

fn bearer_token(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

fn cookie_token(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A browser always sends `Origin` on cross-site unsafe requests; it must name
/// this site as the browser reaches it: the scheme (`https` when cookies are
/// `Secure`, else `http`), the host and the port of the `Host` header, so a
/// page on `http://` cannot act for the `https://` site of the same host.
/// Without `Origin`, the Fetch metadata header decides; a request with
/// neither did not come from a browser form.
fn same_origin(parts: &Parts, secure: bool) -> bool {
    let header_text = |name| parts.headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(origin) = header_text(header::ORIGIN) {
        let scheme = if secure { "https" } else { "http" };
        return header_text(header::HOST)
            .is_some_and(|host| origin_names_host(origin, scheme, host));
    }
    match header_text(header::HeaderName::from_static("sec-fetch-site")) {
        Some(site) => site == "same-origin" || site == "none",
        None => true,
    }
}

/// Whether `origin` (`scheme://host[:port]`) is `scheme` on `host`
/// (`host[:port]`), a missing port being the scheme's default.
fn origin_names_host(origin: &str, scheme: &str, host: &str) -> bool {
    let Some((origin_scheme, origin_authority)) = origin.split_once("://") else {
        return false;
    };
    let default_port = if scheme == "https" { 443 } else { 80 };
    let split = |authority: &str| -> Option<(String, u16)> {
        // An IPv6 literal keeps its colons inside brackets.
        let (name, port) = match authority.rsplit_once(':') {
            Some((name, port)) if !port.contains(']') => (name, port.parse().ok()?),
            _ => (authority, default_port),
        };
        (!name.is_empty()).then(|| (name.to_ascii_lowercase(), port))
    };
    origin_scheme.eq_ignore_ascii_case(scheme)
        && matches!((split(origin_authority), split(host)), (Some(o), Some(h)) if o == h)
}

/// The `Set-Cookie` value that carries a new session to a browser.
pub fn session_cookie(token: &str, max_age_seconds: i64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; Max-Age={max_age_seconds}; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

pub fn clear_session_cookie(secure: bool) -> String {
    session_cookie("", 0, secure)
}

#[cfg(test)]
mod tests {
    use super::origin_names_host;

    #[test]
    fn an_origin_must_match_scheme_host_and_port() {
        assert!(origin_names_host(
            "http://a.example:8080",
            "http",
            "a.example:8080"
        ));
        assert!(origin_names_host(
            "https://A.example",
            "https",
            "a.example:443"
        ));
        assert!(origin_names_host("http://[::1]:80", "http", "[::1]"));
        assert!(!origin_names_host(
            "https://a.example:8080",
            "http",
            "a.example:8080"
        ));
        assert!(!origin_names_host(
            "http://a.example:8081",
            "http",
            "a.example:8080"
        ));
        assert!(!origin_names_host(
            "http://b.example:8080",
            "http",
            "a.example:8080"
        ));
        assert!(!origin_names_host("null", "http", "a.example"));
    }
}
