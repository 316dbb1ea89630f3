//! Per-client-IP limits on the routes that check passwords, against credential
//! stuffing and sign-up floods, and per-user limits on routes that could be
//! used to guess secrets one request at a time. Counters are per server
//! process; the failed-login lockout, kept in the database, holds across
//! replicas.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderValue, Request, StatusCode, header};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use medicaledu_domain::Id;
use tower_governor::GovernorError;
use tower_governor::GovernorLayer;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;
use utoipa_axum::router::OpenApiRouter;

use crate::{ApiError, AppState, Settings};

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

/// A per-user allowance on one route, checked by its handler once the user
/// is known (the session is looked up by the route's extractor, so no layer
/// in front of it knows who is asking).
#[derive(Clone)]
pub struct PerUser {
    limiter: Option<Arc<DefaultKeyedRateLimiter<Id>>>,
    detail: &'static str,
}

impl PerUser {
    /// `per_minute` requests a minute, all of which may be spent at once;
    /// 0 lets every request through.
    pub fn new(per_minute: u32, detail: &'static str) -> Self {
        let limiter = NonZeroU32::new(per_minute).map(|n| {
            let limiter: Arc<DefaultKeyedRateLimiter<Id>> =
                Arc::new(RateLimiter::keyed(Quota::per_minute(n)));
            let forgetful = Arc::clone(&limiter);
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move {
                    let mut ticks = tokio::time::interval(FORGET_EVERY);
                    loop {
                        ticks.tick().await;
                        forgetful.retain_recent();
                    }
                });
            }
            limiter
        });
        Self { limiter, detail }
    }

    /// Counts one request of `user`; 429 `rate_limited` with `Retry-After`
    /// once the allowance is spent.
    pub fn check(&self, user: Id) -> Result<(), ApiError> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        limiter.check_key(&user).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let error = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", self.detail);
            match HeaderValue::from_str(&seconds.max(1).to_string()) {
                Ok(value) => error.with_header(header::RETRY_AFTER, value),
                Err(_) => error,
            }
        })
    }
}
