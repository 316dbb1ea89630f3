use chrono::Duration;

use crate::Timestamp;

/// How failed deliveries are retried: exponential backoff from `base`, capped
/// at `cap`, with jitter so that many rows failing together (a provider outage)
/// do not all come back at the same moment; `max_attempts` counts the first try.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base: Duration,
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base: Duration::seconds(30),
            cap: Duration::hours(1),
        }
    }
}

/// What to do after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    At(Timestamp),
    GiveUp,
}

impl RetryPolicy {
    /// After the `attempts`-th failed attempt (1 for the first). `jitter` in
    /// `[0, 1)` spreads the delay over its upper half ("equal jitter"), so a
    /// retry never comes sooner than half the backoff.
    pub fn after_failure(&self, attempts: u32, now: Timestamp, jitter: f64) -> Retry {
        if attempts >= self.max_attempts {
            return Retry::GiveUp;
        }
        let exponent = attempts.saturating_sub(1).min(30);
        let full = self
            .base
            .checked_mul(1 << exponent)
            .map_or(self.cap, |d| d.min(self.cap));
        let half = full / 2;
        let spread = (half.num_milliseconds() as f64 * jitter.clamp(0.0, 1.0)) as i64;
        let delay = half + Duration::milliseconds(spread);
        Retry::At(Timestamp::from(*now.as_datetime() + delay))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        Timestamp::parse_rfc3339("2026-12-01T00:00:00Z").expect("valid")
    }

    fn delay(policy: &RetryPolicy, attempts: u32, jitter: f64) -> Duration {
        match policy.after_failure(attempts, now(), jitter) {
            Retry::At(at) => *at.as_datetime() - *now().as_datetime(),
            Retry::GiveUp => panic!("gave up after {attempts}"),
        }
    }

    #[test]
    fn backoff_doubles_within_the_jitter_band() {
        let policy = RetryPolicy::default();
        assert_eq!(delay(&policy, 1, 0.0), Duration::seconds(15));
        assert_eq!(delay(&policy, 1, 0.999_999), Duration::milliseconds(29_999));
        assert_eq!(delay(&policy, 2, 0.0), Duration::seconds(30));
        assert_eq!(delay(&policy, 3, 0.5), Duration::seconds(90));
    }

    #[test]
    fn backoff_is_capped() {
        let policy = RetryPolicy {
            max_attempts: 100,
            ..RetryPolicy::default()
        };
        assert_eq!(delay(&policy, 60, 0.0), Duration::minutes(30));
        assert!(delay(&policy, 60, 1.0) <= Duration::hours(1));
    }

    #[test]
    fn gives_up_after_the_last_attempt() {
        let policy = RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        };
        assert!(matches!(policy.after_failure(2, now(), 0.3), Retry::At(_)));
        assert_eq!(policy.after_failure(3, now(), 0.3), Retry::GiveUp);
    }
}
