use chrono::{DateTime, TimeDelta, Utc};

/// When repeated wrong passwords lock an account for a while, which turns an
/// online guessing attack from thousands of tries an hour into a handful.
///
/// The count of consecutive failures lives with the account (the store
/// increments it atomically and resets it on a successful login); this type
/// only decides what follows from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures in a row that lock the account; 0 turns lockout off.
    pub max_failed_attempts: u32,
    pub lock_duration: TimeDelta,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            max_failed_attempts: 5,
            lock_duration: TimeDelta::minutes(15),
        }
    }
}

impl LockoutPolicy {
    /// The `locked_until` to store after a failed login, given the failure
    /// count including this one; `None` leaves the account unlocked.
    ///
    /// Every failure at or past the threshold locks again for the full
    /// duration, not only the one that reaches it: once the first lock expires,
    /// an attacker gets one guess per lock period rather than another full
    /// batch. The count is not reset when a lock expires, only on success.
    pub fn after_failure(
        &self,
        failed_attempts_after_increment: i64,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        if self.max_failed_attempts == 0 || self.lock_duration <= TimeDelta::zero() {
            return None;
        }
        if failed_attempts_after_increment < i64::from(self.max_failed_attempts) {
            return None;
        }
        Some(
            now.checked_add_signed(self.lock_duration)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
        )
    }

    /// Whether an account with this `locked_until` refuses logins at `now`.
    /// The lock ends exactly at `locked_until`.
    pub fn is_locked(locked_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        locked_until.is_some_and(|until| until > now)
    }

    /// Seconds until a locked account accepts logins again, for a
    /// `Retry-After` header: rounded up so that a client waiting that long is
    /// not refused again, and at least 1 so that it never means "retry now".
    pub fn retry_after_seconds(locked_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> u64 {
        let Some(remaining) = locked_until.map(|until| until - now) else {
            return 1;
        };
        if remaining <= TimeDelta::zero() {
            return 1;
        }
        let seconds = remaining.num_seconds() + i64::from(remaining.subsec_nanos() > 0);
        u64::try_from(seconds.max(1)).unwrap_or(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339)
            .expect("valid")
            .with_timezone(&Utc)
    }

    #[test]
    fn defaults_follow_owasp_guidance() {
        let policy = LockoutPolicy::default();
        assert_eq!(policy.max_failed_attempts, 5);
        assert_eq!(policy.lock_duration, TimeDelta::minutes(15));
    }

    #[test]
    fn locks_on_reaching_the_threshold_and_on_every_failure_after() {
        let policy = LockoutPolicy::default();
        let now = at("2026-01-01T10:00:00Z");
        assert_eq!(policy.after_failure(1, now), None);
        assert_eq!(policy.after_failure(4, now), None);
        assert_eq!(
            policy.after_failure(5, now),
            Some(at("2026-01-01T10:15:00Z"))
        );
        assert_eq!(
            policy.after_failure(6, now),
            Some(at("2026-01-01T10:15:00Z"))
        );
        assert_eq!(
            policy.after_failure(50, now),
            Some(at("2026-01-01T10:15:00Z"))
        );
    }

    #[test]
    fn zero_threshold_or_duration_disables_lockout() {
        let now = at("2026-01-01T10:00:00Z");
        let off = LockoutPolicy {
            max_failed_attempts: 0,
            ..LockoutPolicy::default()
        };
        assert_eq!(off.after_failure(1_000, now), None);
        let instant = LockoutPolicy {
            lock_duration: TimeDelta::zero(),
            ..LockoutPolicy::default()
        };
        assert_eq!(instant.after_failure(1_000, now), None);
    }

    #[test]
    fn odd_counts_do_not_panic() {
        let policy = LockoutPolicy::default();
        assert_eq!(policy.after_failure(-3, Utc::now()), None);
        assert_eq!(
            policy.after_failure(i64::MAX, DateTime::<Utc>::MAX_UTC),
            Some(DateTime::<Utc>::MAX_UTC)
        );
    }

    #[test]
    fn lock_ends_exactly_at_locked_until() {
        let until = at("2026-01-01T10:15:00Z");
        assert!(!LockoutPolicy::is_locked(None, until));
        assert!(LockoutPolicy::is_locked(
            Some(until),
            at("2026-01-01T10:14:59.999Z")
        ));
        assert!(!LockoutPolicy::is_locked(Some(until), until));
        assert!(!LockoutPolicy::is_locked(
            Some(until),
            at("2026-01-01T10:16:00Z")
        ));
    }

    #[test]
    fn retry_after_rounds_up_and_is_at_least_one() {
        let until = at("2026-01-01T10:15:00Z");
        assert_eq!(
            LockoutPolicy::retry_after_seconds(Some(until), at("2026-01-01T10:00:00Z")),
            900
        );
        assert_eq!(
            LockoutPolicy::retry_after_seconds(Some(until), at("2026-01-01T10:00:00.001Z")),
            900
        );
        assert_eq!(
            LockoutPolicy::retry_after_seconds(Some(until), at("2026-01-01T10:14:59Z")),
            1
        );
        assert_eq!(
            LockoutPolicy::retry_after_seconds(Some(until), at("2026-01-01T10:14:59.999Z")),
            1
        );
        assert_eq!(
            LockoutPolicy::retry_after_seconds(Some(until), at("2026-01-01T10:14:58.5Z")),
            2
        );
        assert_eq!(LockoutPolicy::retry_after_seconds(Some(until), until), 1);
        assert_eq!(
            LockoutPolicy::retry_after_seconds(Some(until), at("2026-01-02T00:00:00Z")),
            1
        );
        assert_eq!(LockoutPolicy::retry_after_seconds(None, until), 1);
    }
}
