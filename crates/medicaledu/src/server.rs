//! The HTTP server: the JSON API and the web pages side by side, on one
//! listener. Paths of the API (`/api/…`, the health checks, the schema
//! viewer) go to the API, whose errors are problem documents; every other
//! path is a page, whose errors are pages.

use std::future::Future;

use axum::Router;
use axum::extract::Request;
use medicaledu_app::AppContext;
use tokio::net::TcpListener;
use tower::ServiceExt;

fn is_api(path: &str) -> bool {
    path == "/api"
        || path.starts_with("/api/")
        || path == "/healthz"
        || path == "/readyz"
        || path == "/schema"
        || path.starts_with("/schema/")
}

/// Every route of the server. The request id is settled before routing, so
/// that pages and the API record the same acceptable id.
pub fn router(ctx: AppContext) -> Router {
    let api = medicaledu_api::router(ctx.clone());
    let web = medicaledu_web::router(ctx);
    medicaledu_api::with_request_id(Router::new().fallback(move |request: Request| async move {
        let target = if is_api(request.uri().path()) {
            api
        } else {
            web
        };
        match target.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }))
}

/// Serves every route on `listener` until `shutdown` resolves, then lets
/// requests in flight finish. Background jobs are run beside it by the
/// caller.
pub async fn serve(
    listener: TcpListener,
    ctx: AppContext,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(ctx).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use super::is_api;

    #[test]
    fn api_paths_and_pages_are_told_apart() {
        for path in [
            "/api",
            "/api/v1/courses",
            "/api/openapi.json",
            "/healthz",
            "/readyz",
            "/schema",
            "/schema/fonts/x.ttf",
        ] {
            assert!(is_api(path), "{path}");
        }
        for path in [
            "/",
            "/courses",
            "/apis",
            "/schemas",
            "/signin",
            "/assets/app.css",
        ] {
            assert!(!is_api(path), "{path}");
        }
    }
}
