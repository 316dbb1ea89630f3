//! Prometheus metrics: the recorder behind the `metrics` facade, the HTTP
//! request metrics, and `GET /metrics` on a listener of its own
//! (`MEDICALEDU_METRICS_BIND`), never on the public one.
//!
//! Counts of what the use cases do come from `medicaledu_app::telemetry` and
//! the notification dispatcher; what is a level rather than a count (the
//! database pool, the outbox) is read when Prometheus scrapes.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use medicaledu_app::AppContext;
use medicaledu_domain::{Channel, NotificationStatus};
use medicaledu_store::notifications;
use metrics::{
    Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;

const HTTP_REQUESTS: &str = "medicaledu_http_requests_total";
const HTTP_DURATION: &str = "medicaledu_http_request_duration_seconds";
const POOL_CONNECTIONS: &str = "medicaledu_db_pool_connections";
const POOL_MAX: &str = "medicaledu_db_pool_max_connections";
const WRITES_WAITING: &str = "medicaledu_db_pool_waiting";
const OUTBOX: &str = "medicaledu_outbox_notifications";
const BUILD_INFO: &str = "medicaledu_build_info";

/// Upper bounds of the latency buckets, in seconds: from a cached page to
/// the request timeout.
const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Upper bounds of the notification delivery buckets, in seconds: a
/// notification waits at least one poll of the dispatcher, and retries back
/// off for minutes to hours.
const DELIVERY_BUCKETS: &[f64] = &[
    0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 14400.0, 86400.0,
];

/// The route label of requests no route matched: unknown paths must not
/// each become a time series.
const UNMATCHED: &str = "unmatched";

/// The process's recorder, installed on first use. One per process, because
/// the `metrics` macros write to the global one.
pub fn recorder() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.to_owned()), SECONDS_BUCKETS)
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full(medicaledu_notify::DELIVERY_SECONDS.to_owned()),
                        DELIVERY_BUCKETS,
                    )
                })
                .and_then(PrometheusBuilder::install_recorder)
                // Only a second recorder installed by something else can fail
                // here; serving without our metrics beats not serving.
                .unwrap_or_else(|error| {
                    tracing::warn!(%error, "cannot install the metrics recorder");
                    PrometheusBuilder::new().build_recorder().handle()
                });
            describe();
            gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
            handle
        })
        .clone()
}

fn describe() {
    describe_counter!(
        HTTP_REQUESTS,
        Unit::Count,
        "HTTP requests answered, by route template, method and status."
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to answer an HTTP request, by route template, method and status."
    );
    describe_gauge!(
        POOL_CONNECTIONS,
        Unit::Count,
        "Open database connections of this process, idle or in use."
    );
    describe_gauge!(
        POOL_MAX,
        Unit::Count,
        "The most database connections this process opens."
    );
    describe_gauge!(
        WRITES_WAITING,
        Unit::Count,
        "Write transactions of this process waiting to begin: for a pool connection and, on SQLite, for the one writer."
    );
    describe_gauge!(
        OUTBOX,
        Unit::Count,
        "Notifications in the outbox's care (queued, sending, or failed for good), by status and channel."
    );
    describe_gauge!(
        BUILD_INFO,
        "Always 1; the version of the running build is in its labels."
    );
    medicaledu_app::telemetry::describe();
    medicaledu_notify::describe_metrics();
}

/// Records the matched route template for [`record_request`]: the template
/// is only known inside the router that matched it, and the API and the pages
/// are two routers behind one dispatch.
pub async fn remember_route(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(route);
    }
    response
}

/// Counts and times every request by route template, method and status.
pub async fn record_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    let route = response
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_owned();
    let labels = [
        ("route", route),
        ("method", method),
        ("status", response.status().as_str().to_owned()),
    ];
    counter!(HTTP_REQUESTS, &labels).increment(1);
    histogram!(HTTP_DURATION, &labels).record(started.elapsed().as_secs_f64());
    response
}

#[derive(Clone)]
struct Scrape {
    handle: PrometheusHandle,
    ctx: AppContext,
}

/// `GET /metrics` and nothing else.
pub fn router(ctx: AppContext) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(Scrape {
            handle: recorder(),
            ctx,
        })
}

/// Serves [`router`] on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    ctx: AppContext,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(ctx))
        .with_graceful_shutdown(shutdown)
        .await
}

async fn scrape(State(scrape): State<Scrape>) -> Response {
    let pool = scrape.ctx.db.pool_stats();
    gauge!(POOL_CONNECTIONS, "state" => "idle").set(f64::from(pool.idle));
    gauge!(POOL_CONNECTIONS, "state" => "in_use")
        .set(f64::from(pool.size.saturating_sub(pool.idle)));
    gauge!(POOL_MAX).set(f64::from(pool.max));
    #[allow(clippy::cast_precision_loss)] // a count of waiting tasks
    gauge!(WRITES_WAITING).set(pool.writes_waiting as f64);
    match notifications::outbox_depth(&scrape.ctx.db).await {
        Ok(depths) => {
            // Every series is set, to zero where nothing is left, so an
            // emptied queue reads as empty rather than as its last depth.
            for status in [
                NotificationStatus::Queued,
                NotificationStatus::Sending,
                NotificationStatus::Failed,
            ] {
                for channel in Channel::ALL {
                    let count = depths
                        .iter()
                        .find(|d| d.status == status && d.channel == channel)
                        .map_or(0, |d| d.count);
                    #[allow(clippy::cast_precision_loss)] // a row count
                    gauge!(OUTBOX, "status" => status.as_str(), "channel" => channel.as_str())
                        .set(count as f64);
                }
            }
        }
        // The rest of the metrics are still worth having, and a database
        // that does not answer shows in the pool and request metrics.
        Err(error) => tracing::warn!(%error, "cannot read the outbox depth for metrics"),
    }
    scrape.handle.run_upkeep();
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        scrape.handle.render(),
    )
        .into_response()
}
