//! The sign-in and sign-up forms get the allowance the API's credential
//! routes have: `auth_rate_limit_per_minute` attempts per client address and
//! minute, per server (0 turns it off). The account lockout, in the database,
//! stays the guard that holds across servers.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// How often addresses that spent nothing lately are forgotten.
const FORGET_EVERY: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub struct CredentialLimiter(Option<Arc<DefaultKeyedRateLimiter<String>>>);

impl CredentialLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self(NonZeroU32::new(per_minute).map(|n| {
            let limiter: Arc<DefaultKeyedRateLimiter<String>> =
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
        }))
    }

    /// Counts one attempt from `client` (its address as the audit log records
    /// it); once the allowance is spent, the whole seconds to wait.
    pub fn check(&self, client: Option<&str>) -> Result<(), u64> {
        let (Some(limiter), Some(client)) = (&self.0, client) else {
            return Ok(());
        };
        limiter.check_key(&client.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
        })
    }
}
