use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use medicaledu_app::RequestMeta;

use crate::AppState;
use crate::request_id::REQUEST_ID_HEADER;

const MAX_USER_AGENT: usize = 512;

/// The caller's IP, user agent and request id, recorded with sessions and in
/// the audit log.
#[derive(Clone, Debug)]
pub struct Meta(pub RequestMeta);

impl FromRequestParts<AppState> for Meta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = |name| {
            parts
                .headers
                .get(name)
                .and_then(|v: &header::HeaderValue| v.to_str().ok())
        };
        let forwarded = state
            .settings
            .trust_forwarded_for
            .then(|| header(header::HeaderName::from_static("x-forwarded-for")))
            .flatten()
            .and_then(|list| list.split(',').next())
            .map(|ip| ip.trim().to_owned());
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string());
        Ok(Meta(RequestMeta {
            ip_address: forwarded.or(peer),
            user_agent: header(header::USER_AGENT)
                .map(|ua| ua.chars().take(MAX_USER_AGENT).collect()),
            request_id: header(REQUEST_ID_HEADER).map(str::to_owned),
        }))
    }
}
