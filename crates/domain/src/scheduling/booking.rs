//! The rules for booking a slot: when it may be booked, how long an unpaid
//! booking holds its seat, when a cancellation is refunded, how often a
//! booking may move, and when attendance may be recorded.
//!
//! Each rule is a plain function of the policy, the instants involved and the
//! booking's status; the caller supplies `now`, which keeps them testable and
//! lets one request use one clock reading throughout.

use chrono::{DateTime, TimeDelta, Utc};

use super::BookingStatus;
use crate::FieldIssue;

/// The numbers behind the booking rules. The defaults suit live sessions with
/// an instructor: time to prepare, a checkout that fits in a coffee break, a
/// day's notice for a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingPolicy {
    /// How long before a slot starts bookings close.
    pub min_notice: TimeDelta,
    /// How long a pending (unpaid) booking holds its seat.
    pub hold: TimeDelta,
    /// How long before the start a cancellation must come to be refunded.
    pub refund_window: TimeDelta,
    /// How many times one booking may move to another slot; 0 forbids it.
    pub max_reschedules: i64,
}

impl Default for BookingPolicy {
    fn default() -> Self {
        Self {
            min_notice: TimeDelta::hours(2),
            hold: TimeDelta::minutes(15),
            refund_window: TimeDelta::hours(24),
            max_reschedules: 2,
        }
    }
}

/// Why a booking rule refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BookingRuleError {
    /// The slot starts within the policy's notice, or has started.
    #[error("bookings close {} before the slot starts", describe(*.min_notice))]
    TooLate { min_notice: TimeDelta },
    #[error("a booking can be rescheduled at most {max} times")]
    RescheduleLimit { max: i64 },
    #[error("the slot has not started yet")]
    NotStarted,
    /// The booking's status does not allow the change asked for (see
    /// [`BookingStatus::can_transition`]). It carries no status: callers also
    /// raise it when a conditional update finds the status changed under
    /// them, and the client can read the current one from the booking.
    #[error("the booking's status does not allow this change")]
    InvalidTransition,
    /// The booking no longer holds a seat, so there is nothing to move.
    #[error("a {} booking can no longer be rescheduled", .status.label())]
    NotLive { status: BookingStatus },
}

impl BookingRuleError {
    /// Stable, for programs, like [`FieldIssue::code`].
    pub const fn code(&self) -> &'static str {
        match self {
            BookingRuleError::TooLate { .. } => "too_late",
            BookingRuleError::RescheduleLimit { .. } => "reschedule_limit",
            BookingRuleError::NotStarted => "not_started",
            BookingRuleError::InvalidTransition => "invalid_transition",
            BookingRuleError::NotLive { .. } => "not_live",
        }
    }
}

/// A duration in the largest unit that states it exactly: "2 hours",
/// "90 minutes", "1 day".
fn describe(duration: TimeDelta) -> String {
    let seconds = duration.num_seconds();
    let (amount, unit) = [(86_400, "day"), (3_600, "hour"), (60, "minute")]
        .into_iter()
        .find(|&(size, _)| seconds != 0 && seconds % size == 0)
        .map_or((seconds, "second"), |(size, unit)| (seconds / size, unit));
    if amount == 1 {
        format!("1 {unit}")
    } else {
        format!("{amount} {unit}s")
    }
}

/// Whether a slot starting at `slot_starts_at` may still be booked (or
/// booked into, by rescheduling) at `now`: at least `min_notice` ahead, so an
/// instructor is not surprised by a student minutes before the session.
/// Exactly `min_notice` ahead is still in time.
pub fn check_notice(
    policy: &BookingPolicy,
    slot_starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), BookingRuleError> {
    if slot_starts_at - now >= policy.min_notice {
        Ok(())
    } else {
        Err(BookingRuleError::TooLate {
            min_notice: policy.min_notice,
        })
    }
}

/// The status a new booking starts in: a free one (nothing to pay, which
/// includes a total that discounts took below zero) is confirmed at once;
/// anything else waits for payment.
pub const fn initial_status(total_minor: i64) -> BookingStatus {
    if total_minor <= 0 {
        BookingStatus::Confirmed
    } else {
        BookingStatus::Pending
    }
}

/// When a pending booking made at `now` expires and frees its seat unless
/// paid for.
pub fn hold_expires_at(policy: &BookingPolicy, now: DateTime<Utc>) -> DateTime<Utc> {
    now.checked_add_signed(policy.hold)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Whether a booking cancelled at `cancelled_at` is refunded: only when it
/// came at least `refund_window` before the start, leaving the seat time to be
/// booked again. Exactly `refund_window` before is still refunded. Who
/// cancelled is the caller's business: an instructor cancelling a slot
/// refunds regardless.
pub fn refund_eligible(
    policy: &BookingPolicy,
    slot_starts_at: DateTime<Utc>,
    cancelled_at: DateTime<Utc>,
) -> bool {
    slot_starts_at - cancelled_at >= policy.refund_window
}

/// Whether a booking in `status`, already moved `reschedule_count` times, may
/// move again. Only live bookings move; the new slot must also pass
/// [`check_notice`], which the caller checks with the new slot's start.
pub fn check_reschedule(
    policy: &BookingPolicy,
    reschedule_count: i64,
    status: BookingStatus,
) -> Result<(), BookingRuleError> {
    if !status.is_live() {
        return Err(BookingRuleError::NotLive { status });
    }
    if reschedule_count >= policy.max_reschedules {
        return Err(BookingRuleError::RescheduleLimit {
            max: policy.max_reschedules.max(0),
        });
    }
    Ok(())
}

/// Whether a booking in `status` may be marked completed or no-show at `now`:
/// only a confirmed one (see [`BookingStatus::can_transition`]), and only
/// once the slot has started, since before then nobody knows. The status is
/// checked first: a cancelled booking is refused as such at any time.
pub fn check_attendance_mark(
    slot_starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
    status: BookingStatus,
) -> Result<(), BookingRuleError> {
    if status != BookingStatus::Confirmed {
        return Err(BookingRuleError::InvalidTransition);
    }
    if now < slot_starts_at {
        return Err(BookingRuleError::NotStarted);
    }
    Ok(())
}

/// [`BookingStatus::can_transition`] as a `Result`, for callers that report
/// the refusal.
pub fn check_transition(from: BookingStatus, to: BookingStatus) -> Result<(), BookingRuleError> {
    if from.can_transition(to) {
        Ok(())
    } else {
        Err(BookingRuleError::InvalidTransition)
    }
}

/// Whether two half-open intervals `[a_start, a_end)` and `[b_start, b_end)`
/// share an instant. Touching intervals do not: a session ending at 10:00 and
/// one starting at 10:00 can both be booked. An empty or inverted interval
/// overlaps nothing.
pub fn overlaps<T: Ord>(a_start: T, a_end: T, b_start: T, b_end: T) -> bool {
    a_start < a_end && b_start < b_end && a_start < b_end && b_start < a_end
}

/// A range of time to list slots in: `from` before `to`, at most `max_days`
/// apart, so one listing cannot ask for years of slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SlotWindow {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

impl SlotWindow {
    /// A quarter: three months of the longest kind.
    pub const DEFAULT_MAX_DAYS: i64 = 93;

    /// The issue, if any, concerns `to`, which the caller names.
    pub fn parse(
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        max_days: i64,
    ) -> Result<Self, FieldIssue> {
        if to <= from {
            return Err(FieldIssue::invalid("must be after from"));
        }
        let max = TimeDelta::try_days(max_days.max(0)).unwrap_or(TimeDelta::MAX);
        if to - from > max {
            return Err(FieldIssue::new(
                "out_of_range",
                format!("must be at most {max_days} days after from"),
            ));
        }
        Ok(Self { from, to })
    }

    pub const fn from(&self) -> DateTime<Utc> {
        self.from
    }

    pub const fn to(&self) -> DateTime<Utc> {
        self.to
    }

    /// Whether `[starts_at, ends_at)` overlaps the window (half-open, like
    /// [`overlaps`]): a slot partly inside is listed.
    pub fn overlaps(&self, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> bool {
        overlaps(self.from, self.to, starts_at, ends_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BookingStatus::{Cancelled, Completed, Confirmed, Expired, NoShow, Pending};

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339)
            .expect("valid")
            .with_timezone(&Utc)
    }

    #[test]
    fn default_policy() {
        let policy = BookingPolicy::default();
        assert_eq!(policy.min_notice, TimeDelta::hours(2));
        assert_eq!(policy.hold, TimeDelta::minutes(15));
        assert_eq!(policy.refund_window, TimeDelta::hours(24));
        assert_eq!(policy.max_reschedules, 2);
    }

    #[test]
    fn notice_is_inclusive_and_refuses_started_slots() {
        let policy = BookingPolicy::default();
        let starts = at("2026-01-05T12:00:00Z");
        assert_eq!(
            check_notice(&policy, starts, at("2026-01-05T09:00:00Z")),
            Ok(())
        );
        assert_eq!(
            check_notice(&policy, starts, at("2026-01-05T10:00:00Z")),
            Ok(())
        );
        let late =
            check_notice(&policy, starts, at("2026-01-05T10:00:00.001Z")).expect_err("too late");
        assert_eq!(late.code(), "too_late");
        assert_eq!(
            late.to_string(),
            "bookings close 2 hours before the slot starts"
        );
        assert!(check_notice(&policy, starts, at("2026-01-05T13:00:00Z")).is_err());
        let none = BookingPolicy {
            min_notice: TimeDelta::zero(),
            ..policy
        };
        assert_eq!(check_notice(&none, starts, starts), Ok(()));
        assert!(check_notice(&none, starts, at("2026-01-05T12:00:01Z")).is_err());
    }

    #[test]
    fn durations_are_described_in_words() {
        assert_eq!(describe(TimeDelta::hours(2)), "2 hours");
        assert_eq!(describe(TimeDelta::hours(1)), "1 hour");
        assert_eq!(describe(TimeDelta::minutes(90)), "90 minutes");
        assert_eq!(describe(TimeDelta::hours(48)), "2 days");
        assert_eq!(describe(TimeDelta::seconds(45)), "45 seconds");
        assert_eq!(describe(TimeDelta::zero()), "0 seconds");
    }

    #[test]
    fn free_bookings_are_confirmed_and_paid_ones_held() {
        assert_eq!(initial_status(0), Confirmed);
        assert_eq!(initial_status(-100), Confirmed);
        assert_eq!(initial_status(1), Pending);
        assert_eq!(initial_status(4_999), Pending);
        let policy = BookingPolicy::default();
        assert_eq!(
            hold_expires_at(&policy, at("2026-01-05T09:50:00Z")),
            at("2026-01-05T10:05:00Z")
        );
        assert_eq!(
            hold_expires_at(&policy, DateTime::<Utc>::MAX_UTC),
            DateTime::<Utc>::MAX_UTC
        );
    }

    #[test]
    fn refunds_need_the_full_window() {
        let policy = BookingPolicy::default();
        let starts = at("2026-01-05T12:00:00Z");
        assert!(refund_eligible(&policy, starts, at("2026-01-03T12:00:00Z")));
        assert!(refund_eligible(&policy, starts, at("2026-01-04T12:00:00Z")));
        assert!(!refund_eligible(
            &policy,
            starts,
            at("2026-01-04T12:00:00.001Z")
        ));
        assert!(!refund_eligible(
            &policy,
            starts,
            at("2026-01-05T13:00:00Z")
        ));
    }

    #[test]
    fn reschedules_are_limited_to_live_bookings() {
        let policy = BookingPolicy::default();
        assert_eq!(check_reschedule(&policy, 0, Pending), Ok(()));
        assert_eq!(check_reschedule(&policy, 1, Confirmed), Ok(()));
        let limit = check_reschedule(&policy, 2, Confirmed).expect_err("limit");
        assert_eq!(limit, BookingRuleError::RescheduleLimit { max: 2 });
        assert_eq!(limit.code(), "reschedule_limit");
        assert_eq!(
            limit.to_string(),
            "a booking can be rescheduled at most 2 times"
        );
        for status in [Cancelled, Completed, NoShow, Expired] {
            let error = check_reschedule(&policy, 0, status).expect_err("not live");
            assert_eq!(error, BookingRuleError::NotLive { status });
            assert_eq!(error.code(), "not_live");
        }
        assert_eq!(
            check_reschedule(&policy, 0, NoShow)
                .expect_err("not live")
                .to_string(),
            "a no-show booking can no longer be rescheduled"
        );
        let never = BookingPolicy {
            max_reschedules: 0,
            ..policy
        };
        assert!(check_reschedule(&never, 0, Confirmed).is_err());
    }

    #[test]
    fn attendance_is_marked_on_confirmed_bookings_once_started() {
        let starts = at("2026-01-05T12:00:00Z");
        assert_eq!(check_attendance_mark(starts, starts, Confirmed), Ok(()));
        assert_eq!(
            check_attendance_mark(starts, at("2026-01-06T12:00:00Z"), Confirmed),
            Ok(())
        );
        let early = check_attendance_mark(starts, at("2026-01-05T11:59:59Z"), Confirmed)
            .expect_err("early");
        assert_eq!(early, BookingRuleError::NotStarted);
        assert_eq!(early.code(), "not_started");
        for status in [Pending, Cancelled, Completed, NoShow, Expired] {
            let error = check_attendance_mark(starts, at("2026-01-05T13:00:00Z"), status)
                .expect_err("not confirmed");
            assert_eq!(error, BookingRuleError::InvalidTransition);
            assert_eq!(error.code(), "invalid_transition");
        }
        // Status before time.
        assert_eq!(
            check_attendance_mark(starts, at("2026-01-05T11:00:00Z"), Pending),
            Err(BookingRuleError::InvalidTransition)
        );
        assert_eq!(
            BookingRuleError::InvalidTransition.to_string(),
            "the booking's status does not allow this change"
        );
    }

    #[test]
    fn check_transition_follows_the_table() {
        for from in BookingStatus::ALL {
            for to in BookingStatus::ALL {
                assert_eq!(
                    check_transition(from, to).is_ok(),
                    from.can_transition(to),
                    "{from} -> {to}"
                );
            }
        }
        assert_eq!(
            check_transition(Expired, Confirmed),
            Err(BookingRuleError::InvalidTransition)
        );
    }

    #[test]
    fn half_open_overlaps() {
        let t = |hour: u32| at(&format!("2026-01-05T{hour:02}:00:00Z"));
        assert!(overlaps(t(9), t(11), t(10), t(12)));
        assert!(overlaps(t(10), t(12), t(9), t(11)));
        assert!(overlaps(t(9), t(12), t(10), t(11)));
        assert!(overlaps(t(10), t(11), t(10), t(11)));
        assert!(!overlaps(t(9), t(10), t(10), t(11)));
        assert!(!overlaps(t(10), t(11), t(9), t(10)));
        assert!(!overlaps(t(9), t(10), t(11), t(12)));
        // Empty and inverted intervals hold no instant.
        assert!(!overlaps(t(10), t(10), t(9), t(11)));
        assert!(!overlaps(t(11), t(9), t(9), t(11)));
        assert!(overlaps(1, 3, 2, 4));
    }

    #[test]
    fn slot_windows() {
        let from = at("2026-01-01T00:00:00Z");
        let window = SlotWindow::parse(from, at("2026-04-04T00:00:00Z"), 93).expect("93 days");
        assert_eq!(window.from(), from);
        assert_eq!(window.to(), at("2026-04-04T00:00:00Z"));
        assert!(window.overlaps(at("2025-12-31T23:00:00Z"), at("2026-01-01T01:00:00Z")));
        assert!(!window.overlaps(at("2025-12-31T23:00:00Z"), from));
        assert!(!window.overlaps(window.to(), at("2026-04-04T01:00:00Z")));

        let long = SlotWindow::parse(from, at("2026-04-04T00:00:01Z"), 93).expect_err("long");
        assert_eq!(long.code, "out_of_range");
        assert_eq!(long.message, "must be at most 93 days after from");
        let same = SlotWindow::parse(from, from, 93).expect_err("empty");
        assert_eq!(same.code, "invalid");
        assert_eq!(same.message, "must be after from");
        assert!(SlotWindow::parse(from, at("2025-12-31T00:00:00Z"), 93).is_err());
        assert!(SlotWindow::parse(from, at("2026-01-01T00:00:01Z"), 0).is_err());
        assert!(
            SlotWindow::parse(DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC, i64::MAX).is_ok()
        );
    }
}
