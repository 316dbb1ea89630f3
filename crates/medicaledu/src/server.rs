//! The HTTP server: the JSON API and the web pages side by side, on one
//! listener. Paths of the API (`/api/…`, the health checks, the schema
//! viewer, the API reference) go to the API, whose errors are problem documents; every other
//! path is a page, whose errors are pages.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::http::StatusCode;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use medicaledu_app::AppContext;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

fn is_api(path: &str) -> bool {
    path == "/api"
        || path.starts_with("/api/")
        || path == "/healthz"
        || path == "/readyz"
        || path == "/schema"
        || path.starts_with("/schema/")
        || path == "/docs"
        || path.starts_with("/docs/")
        // Read by credential verifiers, which expect JSON.
        || path == "/.well-known/jwks.json"
        || path == "/cme/credentials/status"
}

/// Every route of the server. The request id is settled before routing, so
/// that pages and the API record the same acceptable id.
pub fn router(ctx: AppContext) -> Router {
    let remember_route = axum::middleware::from_fn(crate::metrics::remember_route);
    let api = medicaledu_api::router(ctx.clone()).route_layer(remember_route.clone());
    let web = medicaledu_web::router(ctx).route_layer(remember_route);
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
    .layer(axum::middleware::from_fn(crate::metrics::record_request))
}

/// What one client may take of the server: how long it may dawdle and how
/// many connections all clients may hold at once.
#[derive(Clone, Debug)]
pub struct Limits {
    /// From a connection's first byte, or the end of its last response, to
    /// the end of a request's headers.
    pub header_timeout: Duration,
    /// Between two reads of a request body.
    pub body_timeout: Duration,
    /// A kept-alive connection without a request in flight is closed after
    /// this long.
    pub idle_timeout: Duration,
    /// From the headers to the response.
    pub request_timeout: Duration,
    /// Connections served at once; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// After shutdown begins, requests in flight get this long to finish;
    /// what is left is then closed.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// Serves every route on `listener` with the default [`Limits`] until
/// `shutdown` resolves. Background jobs are run beside it by the caller.
pub async fn serve(
    listener: TcpListener,
    ctx: AppContext,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, ctx, Limits::default(), shutdown).await
}

/// Serves every route on `listener` until `shutdown` resolves, then stops
/// accepting, lets requests in flight finish for the grace period and closes
/// whatever connections are left.
pub async fn serve_with(
    listener: TcpListener,
    ctx: AppContext,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(ctx).layer((
        TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, limits.request_timeout),
        RequestBodyTimeoutLayer::new(limits.body_timeout),
    ));
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        // A permit first: at the cap, new connections wait unaccepted.
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors or a connection reset before we took
                    // it: neither ends the server.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let service = app.clone();
        let limits = limits.clone();
        let stopping = stopping.clone();
        connections.spawn(async move {
            serve_connection(stream, peer, service, &limits, stopping).await;
            drop(permit);
        });
        // Reap finished connections so the set does not grow without bound.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = stop.send(true);
    let drained = tokio::time::timeout(limits.shutdown_grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            connections = connections.len(),
            "shutdown grace period over: closing the connections left"
        );
        connections.shutdown().await;
    }
    Ok(())
}

/// One HTTP/1.1 connection: hyper bounds the time to read headers, the
/// watchdog closes it once idle, and shutdown closes it after its request in
/// flight.
async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: &Limits,
    mut stopping: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity::default());
    let tracked = Arc::clone(&activity);
    let service = app.map_request(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        request.extensions_mut().insert(tracked.begin());
        request
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let connection =
        builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
    tokio::pin!(connection);
    let mut idle_check =
        tokio::time::interval(limits.idle_timeout.max(Duration::from_millis(10)) / 4);
    let mut closing = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%error, %peer, "connection ended");
                }
                return;
            }
            _ = stopping.wait_for(|stop| *stop), if !closing => {
                closing = true;
                connection.as_mut().graceful_shutdown();
            }
            _ = idle_check.tick(), if !closing => {
                if activity.idle_for() >= limits.idle_timeout {
                    closing = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// Requests in flight on one connection and when the last one ended.
#[derive(Debug)]
struct Activity {
    in_flight: AtomicUsize,
    since: std::sync::Mutex<Instant>,
}

impl Default for Activity {
    fn default() -> Self {
        Self {
            in_flight: AtomicUsize::new(0),
            since: std::sync::Mutex::new(Instant::now()),
        }
    }
}

impl Activity {
    fn begin(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight {
            _ended: Arc::new(Ended(Arc::clone(self))),
        }
    }

    fn idle_for(&self) -> Duration {
        if self.in_flight.load(Ordering::SeqCst) > 0 {
            return Duration::ZERO;
        }
        self.since
            .lock()
            .map_or(Duration::ZERO, |since| since.elapsed())
    }
}

/// Held by a request (in its extensions) until the request and every copy of
/// its extensions are dropped, which is when its response has been made.
#[derive(Clone, Debug)]
struct InFlight {
    _ended: Arc<Ended>,
}

/// Marks the end of a request when the last copy of its [`InFlight`] goes.
#[derive(Debug)]
struct Ended(Arc<Activity>);

impl Drop for Ended {
    fn drop(&mut self) {
        if let Ok(mut since) = self.0.since.lock() {
            *since = Instant::now();
        }
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
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
