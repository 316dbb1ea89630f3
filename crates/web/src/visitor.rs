//! Who is looking at a page: the signed-in user from the session cookie (the
//! same cookie the JSON API sets), the language, the time zone, and the
//! token that state-changing forms must carry.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use medicaledu_app::{Actor, AppContext, RequestMeta};
use medicaledu_domain::{SessionToken, TimeZone};
use sha2::{Digest, Sha256};

use crate::error::PageError;
use crate::i18n::Tr;

pub const SESSION_COOKIE: &str = "medicaledu_session";
/// Before sign-in, forms are protected by a random value in this cookie that
/// the form must repeat (a site that cannot read our cookies cannot).
pub const CSRF_COOKIE: &str = "medicaledu_csrf";
/// The browser's own zone, set by `app.js`, for visitors not signed in.
pub const ZONE_COOKIE: &str = "medicaledu_tz";

const MAX_USER_AGENT: usize = 512;

#[derive(Clone, Debug)]
pub struct Visitor {
    pub actor: Option<Actor>,
    pub tr: Tr,
    pub zone: TimeZone,
    /// What every form of this visitor must carry in its `csrf` field.
    pub csrf: String,
    /// A fresh anonymous CSRF value the response must set as a cookie.
    pub new_csrf_cookie: Option<String>,
    pub meta: RequestMeta,
    /// The path asked for, so navigation can mark the page it leads to.
    pub path: String,
}

impl FromRequestParts<AppContext> for Visitor {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        ctx: &AppContext,
    ) -> Result<Self, Self::Rejection> {
        let headers = &parts.headers;
        let session = cookie(headers, SESSION_COOKIE);
        let actor = match &session {
            Some(token) => medicaledu_app::sessions::authenticate(ctx, token)
                .await
                .map_err(PageError::from_internal)?,
            None => None,
        };
        // A session that must set up a second factor sees that page and can
        // sign out; every other page sends it there.
        if actor.as_ref().is_some_and(|a| a.must_enrol_second_factor)
            && !open_before_second_factor(parts.uri.path())
        {
            return Err(PageError::SecondFactorRequired);
        }
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        let tr = Tr::negotiate(actor.as_ref().map(|a| a.user.locale.as_str()), accept);
        let zone = actor
            .as_ref()
            .map(|a| a.user.timezone.clone())
            .or_else(|| cookie(headers, ZONE_COOKIE))
            .and_then(|z| TimeZone::parse(&z).ok())
            .unwrap_or_default();
        let (csrf, new_csrf_cookie) = match (&actor, &session) {
            (Some(_), Some(token)) => (session_csrf(token), None),
            _ => match cookie(headers, CSRF_COOKIE).filter(|v| v.len() >= 32) {
                Some(value) => (value, None),
                None => {
                    let value = random_token();
                    (value.clone(), Some(value))
                }
            },
        };
        let meta = RequestMeta {
            ip_address: medicaledu_app::client_ip(
                parts
                    .extensions
                    .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                    .map(|axum::extract::ConnectInfo(addr)| addr.ip()),
                headers
                    .get_all("x-forwarded-for")
                    .iter()
                    .filter_map(|v| v.to_str().ok()),
                ctx.settings.trusted_proxy_hops,
            )
            .map(|ip| ip.to_string()),
            user_agent: headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|ua| ua.chars().take(MAX_USER_AGENT).collect()),
            request_id: headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        };
        Ok(Visitor {
            actor,
            tr,
            zone,
            csrf,
            new_csrf_cookie,
            meta,
            path: parts.uri.path().to_owned(),
        })
    }
}

/// The pages a session that must set up a second factor may use.
fn open_before_second_factor(path: &str) -> bool {
    path == "/signout"
        || path
            .strip_prefix(crate::error::SECOND_FACTOR_PAGE)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

impl Visitor {
    /// Whether a submitted form's token is this visitor's.
    pub fn csrf_matches(&self, submitted: &str) -> bool {
        constant_time_eq(self.csrf.as_bytes(), submitted.as_bytes())
    }
}

/// The form token of a signed-in session: derived from the session's secret
/// token, which only the browser holding the HttpOnly cookie knows, so each
/// session has its own and nothing needs storing.
fn session_csrf(token: &str) -> String {
    let digest = Sha256::digest(format!("medicaledu-csrf:{token}"));
    URL_SAFE_NO_PAD.encode(digest)
}

/// 256 random bits, the same strength as a session token.
fn random_token() -> String {
    SessionToken::generate().expose().to_owned()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}
