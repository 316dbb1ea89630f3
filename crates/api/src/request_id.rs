use axum::Router;
use axum::http::{HeaderName, Request};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tracing::Span;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Gives each request without an `x-request-id` a fresh UUIDv7, so ids sort by
/// arrival when logs from several replicas are merged.
#[derive(Clone, Copy, Default)]
pub struct MakeRequestUuidV7;

impl MakeRequestId for MakeRequestUuidV7 {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        uuid::Uuid::now_v7()
            .to_string()
            .parse()
            .ok()
            .map(RequestId::new)
    }
}

/// A client's own id is kept only when it is a short token: it is written to
/// the logs and the audit trail, where control characters or kilobytes of
/// text do not belong.
fn is_acceptable(id: &[u8]) -> bool {
    (1..=64).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Drops an `x-request-id` that is not acceptable, so that the next layer
/// gives the request a fresh one instead.
async fn drop_unacceptable<B>(mut request: Request<B>) -> Request<B> {
    let mut ids = request.headers().get_all(REQUEST_ID_HEADER).iter();
    // Several ids cannot all be the request's, so none of them is kept.
    let keep = match (ids.next(), ids.next()) {
        (Some(id), None) => is_acceptable(id.as_bytes()),
        (None, _) => true,
        (Some(_), Some(_)) => false,
    };
    if !keep {
        request.headers_mut().remove(REQUEST_ID_HEADER);
    }
    request
}

/// Gives every request an acceptable id before it is routed (the client's,
/// or a fresh UUIDv7) and echoes it on the response.
pub fn with_request_id(router: Router) -> Router {
    router
        .layer(PropagateRequestIdLayer::new(REQUEST_ID_HEADER))
        .layer(SetRequestIdLayer::new(REQUEST_ID_HEADER, MakeRequestUuidV7))
        .layer(axum::middleware::map_request(
            drop_unacceptable::<axum::body::Body>,
        ))
}

pub fn make_span<B>(request: &Request<B>) -> Span {
    let request_id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id,
    )
}

/// The id of the request being served, if the middleware assigned one.
pub fn of<B>(request: &Request<B>) -> Option<String> {
    request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::is_acceptable;

    #[test]
    fn only_short_tokens_are_accepted() {
        for ok in ["a", "trace-me-123", "A.b_C-9", &"x".repeat(64)] {
            assert!(is_acceptable(ok.as_bytes()), "{ok}");
        }
        for bad in ["", "a\tb", "a b", "ünï", "a/b", &"x".repeat(65)] {
            assert!(!is_acceptable(bad.as_bytes()), "{bad}");
        }
    }
}
