//! Per-client-IP limits on the routes that check passwords, against credential
//! stuffing and sign-up floods. Counters are per server process; the
//! failed-login lockout, kept in the database, holds across replicas.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::Request;
use tower_governor::GovernorError;
use tower_governor::GovernorLayer;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;
use utoipa_axum::router::OpenApiRouter;

use crate::{AppState, Settings};

/// How often forgotten clients are dropped from the limiter's memory.
const FORGET_EVERY: Duration = Duration::from_secs(60);

pub fn per_client_ip(
    routes: OpenApiRouter<AppState>,
    settings: &Settings,
) -> OpenApiRouter<AppState> {
    let per_minute = settings.auth_rate_limit_per_minute;
    if per_minute == 0 {
        return routes;
    }
    let key = ClientIp {
        trusted_hops: settings.trusted_proxy_hops,
    };
    limit(routes, per_minute, key)
}

/// Counts per client address as the audit log records it, so a client behind
/// our proxies cannot pick a new key by forging `X-Forwarded-For` entries.
#[derive(Clone, Copy)]
struct ClientIp {
    trusted_hops: u32,
}

impl KeyExtractor for ClientIp {
    type Key = IpAddr;

    fn extract<T>(&self, req: &Request<T>) -> Result<IpAddr, GovernorError> {
        crate::auth::client_ip(req.headers(), req.extensions(), self.trusted_hops)
            .ok_or(GovernorError::UnableToExtractKey)
    }
}

fn limit<K>(routes: OpenApiRouter<AppState>, per_minute: u32, key: K) -> OpenApiRouter<AppState>
where
    K: KeyExtractor + Send + Sync + 'static,
    K::Key: Send + Sync + 'static,
{
    // A full minute's allowance may be spent at once; it refills evenly.
    let Some(config) = GovernorConfigBuilder::default()
        .key_extractor(key)
        .per_millisecond((60_000 / u64::from(per_minute)).max(1))
        .burst_size(per_minute)
        .finish()
    else {
        return routes;
    };
    let config = Arc::new(config);
    let limiter = Arc::clone(config.limiter());
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(async move {
            let mut ticks = tokio::time::interval(FORGET_EVERY);
            loop {
                ticks.tick().await;
                limiter.retain_recent();
            }
        });
    }
    routes.layer(GovernorLayer::new(config))
}
