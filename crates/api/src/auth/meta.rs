use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap};
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
        Ok(Meta(RequestMeta {
            ip_address: client_ip(
                &parts.headers,
                &parts.extensions,
                state.settings.trusted_proxy_hops,
            )
            .map(|ip| ip.to_string()),
            user_agent: header(header::USER_AGENT)
                .map(|ua| ua.chars().take(MAX_USER_AGENT).collect()),
            request_id: header(REQUEST_ID_HEADER).map(str::to_owned),
        }))
    }
}

/// The client's address as the trusted proxies in front report it (see
/// [`medicaledu_app::client_ip`]), for the audit log and the rate limit alike.
pub fn client_ip(
    headers: &HeaderMap,
    extensions: &Extensions,
    trusted_hops: u32,
) -> Option<IpAddr> {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let forwarded_for = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok());
    medicaledu_app::client_ip(peer, forwarded_for, trusted_hops)
}
