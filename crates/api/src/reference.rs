//! `GET /docs`: the API reference, the OpenAPI document rendered by Redoc
//! (vendored from npm, `assets/vendor/`, compiled into the binary). The page
//! loads nothing from anywhere else, and its Content-Security-Policy says so.
//!
//! Redoc 2.5, not 3: Redoc 3 reports usage to Redocly unless told not to,
//! and is twice the size.

use std::sync::LazyLock;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::AppState;

/// The Redoc bundle's file name carries its version, so a new one is a new
/// URL and the old one may be cached for good.
const SCRIPT_NAME: &str = "redoc-2.5.4.standalone.js";
const BUNDLE: &str = include_str!("../assets/vendor/redoc-2.5.4.standalone.js");

/// The bundle as served: its one reference to another origin, the logo of
/// the "API docs by Redocly" credit (loaded from Redocly's CDN), becomes an
/// empty image, so the page makes no request elsewhere and the policy below
/// reports no violation. The credit's text stays.
static SCRIPT: LazyLock<String> = LazyLock::new(|| {
    BUNDLE.replace(
        "https://cdn.redoc.ly/redoc/logo-mini.svg",
        "data:image/svg+xml,%3Csvg%20xmlns=%22http://www.w3.org/2000/svg%22/%3E",
    )
});
const PAGE: &str = include_str!("../assets/reference.html");

/// Redoc styles itself with styled-components, which inserts `<style>`
/// elements as it renders: styles need `'unsafe-inline'` (the page has no
/// user content to inject). Its search index runs in a worker made from a
/// `blob:` URL. Scripts, requests and everything else stay on this origin.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/docs", get(page))
        .route(&format!("/docs/{SCRIPT_NAME}"), get(script))
}

async fn page() -> Response {
    (
        [
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(POLICY),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        Html(PAGE.replacen("{{SCRIPT}}", SCRIPT_NAME, 1)),
    )
        .into_response()
}

async fn script() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        SCRIPT.as_str(),
    )
        .into_response()
}
