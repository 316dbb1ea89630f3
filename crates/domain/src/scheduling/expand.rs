//! Turning a [`RecurrenceRule`] into the instants it describes.

use std::collections::HashSet;

use chrono::{
    DateTime, Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta,
    TimeZone as _, Utc,
};
use chrono_tz::Tz;
use serde::Serialize;

use super::{ExDate, Frequency, RecurrenceRule};
use crate::FieldIssue;

/// One occurrence of a recurrence: a half-open interval `[starts_at, ends_at)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Occurrence {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// How far [`expand`] goes, which bounds the work and the rows one request can
/// create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpansionLimits {
    /// The most occurrences one rule may produce (after exclusions).
    pub max_occurrences: usize,
    /// No occurrence starts later than this after the first start.
    pub horizon: TimeDelta,
}

impl ExpansionLimits {
    pub const DEFAULT_MAX_OCCURRENCES: usize = 500;
    /// A year ahead, plus a day so that a leap year's same date still fits.
    pub const DEFAULT_HORIZON: TimeDelta = TimeDelta::days(366);
}

impl Default for ExpansionLimits {
    fn default() -> Self {
        Self {
            max_occurrences: Self::DEFAULT_MAX_OCCURRENCES,
            horizon: Self::DEFAULT_HORIZON,
        }
    }
}

/// Why a rule could not be expanded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpansionError {
    /// Every occurrence is excluded, or none falls within the horizon.
    #[error("the recurrence produces no occurrence")]
    Empty,
    /// `count`, or the occurrences up to `until` or the horizon, exceed
    /// [`ExpansionLimits::max_occurrences`].
    #[error("the recurrence produces more than {limit} occurrences")]
    TooMany { limit: usize },
    /// What [`RecurrenceRule::validate`] reports, plus `duration` (not
    /// positive) and `recurrence.until` (before the first start).
    #[error("the recurrence is invalid: {}", list(.0))]
    Invalid(Vec<(String, FieldIssue)>),
}

impl ExpansionError {
    /// Stable, for programs, like [`FieldIssue::code`].
    pub const fn code(&self) -> &'static str {
        match self {
            ExpansionError::Empty => "empty",
            ExpansionError::TooMany { .. } => "too_many",
            ExpansionError::Invalid(_) => "invalid",
        }
    }
}

fn list(issues: &[(String, FieldIssue)]) -> String {
    issues
        .iter()
        .map(|(path, issue)| format!("{path} {issue}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Every occurrence of `rule`, in order, each lasting `duration`.
///
/// The rule is read in `zone`'s local time, as the instructor means it: the
/// first start gives a local date and a wall-clock time, the rule picks local
/// dates, and each occurrence is its date at that same wall-clock time. A
/// 09:00 Europe/Berlin session therefore stays at 09:00 across daylight saving
/// changes while its UTC instant moves by an hour. `ends_at` is `starts_at +
/// duration` in real time, so a session that spans a change still lasts
/// `duration` (and its local end moves by the change instead).
///
/// Where the wall-clock time does not exist or exists twice on a date, RFC
/// 5545 (section 3.3.5) decides:
/// - in a gap (spring forward), the time is read with the offset from before
///   the gap, which moves it forward by the gap's length: 02:30 on a day when
///   02:00 jumps to 03:00 becomes 03:30;
/// - in an overlap (fall back), the earlier of the two instants is taken.
///
/// Which dates (RFC 5545 rules, with weeks starting on Monday):
/// - `first_start` is always the first occurrence, even on a date that
///   `by_weekday` or `by_month_day` would not pick (RFC 5545: `DTSTART` is
///   the first instance). Later dates are those after its local date.
/// - `daily`: every `interval`-th day, only those whose weekday is listed when
///   `by_weekday` is given.
/// - `weekly`: every `interval`-th week, counted from the week of the first
///   start; in it, each listed weekday in week order, or the first start's
///   weekday.
/// - `monthly`: every `interval`-th month; in it, each listed day (negative
///   days count from the month's end, -1 being the last), or the first
///   start's day of the month. Days a month lacks are skipped, not moved: a
///   rule on the 31st skips April. Two entries naming the same day (31 and
///   -1 in January) give one occurrence.
///
/// When it ends:
/// - `count` counts occurrences before exclusions (RFC 5545), so excluding
///   one does not add another at the end. A count above
///   `limits.max_occurrences` is refused as [`ExpansionError::TooMany`]
///   before anything is expanded.
/// - `until` is inclusive: an occurrence starting exactly then is kept.
/// - Nothing starts later than `first_start + limits.horizon`, whatever
///   `count` or `until` say: a rule without either is expanded up to the
///   horizon, and one whose `count` or `until` reach beyond it is cut there
///   without error. (Callers that keep an open-ended series going expand it
///   again later from a later first start.)
/// - More than `limits.max_occurrences` occurrences after exclusions is
///   [`ExpansionError::TooMany`] rather than a silent cut, since which ones
///   were dropped would then depend on server settings. The defaults cannot
///   reach it: one occurrence a day for 366 days is 367.
///
/// `exdates`: a date removes any occurrence on that local date (the date the
/// rule picked, before a gap moved its time); an instant removes the
/// occurrence starting at exactly that instant. Exclusions that match nothing
/// are ignored. If nothing is left, that is [`ExpansionError::Empty`].
pub fn expand(
    rule: &RecurrenceRule,
    first_start: DateTime<Utc>,
    duration: TimeDelta,
    zone: Tz,
    limits: ExpansionLimits,
) -> Result<Vec<Occurrence>, ExpansionError> {
    let max = limits.max_occurrences;
    if rule
        .count
        .is_some_and(|count| usize::try_from(count).is_ok_and(|count| count > max))
    {
        return Err(ExpansionError::TooMany { limit: max });
    }
    let mut issues = rule.issues(None);
    if duration <= TimeDelta::zero() {
        issues.push((
            "duration".to_owned(),
            FieldIssue::new("out_of_range", "must be positive"),
        ));
    }
    if rule.until.is_some_and(|until| until < first_start) {
        issues.push((
            "recurrence.until".to_owned(),
            FieldIssue::invalid("must not be before the first start"),
        ));
    }
    if !issues.is_empty() {
        return Err(ExpansionError::Invalid(issues));
    }

    let horizon_end = first_start.checked_add_signed(limits.horizon).unwrap_or(
        if limits.horizon < TimeDelta::zero() {
            DateTime::<Utc>::MIN_UTC
        } else {
            DateTime::<Utc>::MAX_UTC
        },
    );
    let last = rule
        .until
        .map_or(horizon_end, |until| until.min(horizon_end));
    let local_start = first_start.with_timezone(&zone).naive_local();
    let (start_date, wall) = (local_start.date(), local_start.time());

    let mut collector = Collector {
        last,
        duration,
        count: rule.count.and_then(|count| usize::try_from(count).ok()),
        max,
        excluded_dates: HashSet::new(),
        excluded_instants: HashSet::new(),
        generated: 0,
        previous: None,
        out: Vec::new(),
    };
    for exdate in &rule.exdates {
        match *exdate {
            ExDate::Date(date) => collector.excluded_dates.insert(date),
            ExDate::Instant(at) => collector.excluded_instants.insert(at),
        };
    }

    if collector.offer(start_date, first_start)? {
        generate(rule, start_date, wall, zone, &mut collector)?;
    }
    if collector.out.is_empty() {
        Err(ExpansionError::Empty)
    } else {
        Ok(collector.out)
    }
}

/// Offers the dates after `start_date` to `collector`, in order, until it has
/// enough or they pass its end.
fn generate(
    rule: &RecurrenceRule,
    start_date: NaiveDate,
    wall: NaiveTime,
    zone: Tz,
    collector: &mut Collector,
) -> Result<(), ExpansionError> {
    // Validated to 1..=99.
    let interval = u32::try_from(rule.interval).unwrap_or(1);
    let weekdays: Option<Vec<u32>> = rule.by_weekday.as_ref().map(|days| {
        let mut days: Vec<u32> = days
            .iter()
            .map(|day| day.to_chrono().num_days_from_monday())
            .collect();
        days.sort_unstable();
        days
    });
    // A period that starts two days after the last local date cannot hold an
    // occurrence before `last` (a gap moves a time by hours, not days); this
    // is what ends a rule whose periods yield nothing, such as the 30th of
    // every twelfth month from February.
    let last_date = collector
        .last
        .with_timezone(&zone)
        .date_naive()
        .checked_add_days(Days::new(2))
        .unwrap_or(NaiveDate::MAX);
    let week_start = start_date
        .checked_sub_days(Days::new(u64::from(
            start_date.weekday().num_days_from_monday(),
        )))
        .unwrap_or(start_date);
    let month_start = start_date.with_day(1).unwrap_or(start_date);

    for period in 0_u32.. {
        let Some(steps) = period.checked_mul(interval) else {
            break;
        };
        let (period_start, dates) = match rule.freq {
            Frequency::Daily => {
                let Some(day) = start_date.checked_add_days(Days::new(u64::from(steps))) else {
                    break;
                };
                let listed = weekdays
                    .as_ref()
                    .is_none_or(|days| days.contains(&day.weekday().num_days_from_monday()));
                (day, if listed { vec![day] } else { Vec::new() })
            }
            Frequency::Weekly => {
                let Some(monday) = week_start.checked_add_days(Days::new(u64::from(steps) * 7))
                else {
                    break;
                };
                let offsets = weekdays
                    .clone()
                    .unwrap_or_else(|| vec![start_date.weekday().num_days_from_monday()]);
                let dates = offsets
                    .into_iter()
                    .filter_map(|offset| monday.checked_add_days(Days::new(u64::from(offset))))
                    .collect();
                (monday, dates)
            }
            Frequency::Monthly => {
                let Some(first) = month_start.checked_add_months(Months::new(steps)) else {
                    break;
                };
                (first, month_days(rule, start_date, first))
            }
        };
        if period_start > last_date {
            break;
        }
        for date in dates.into_iter().filter(|&date| date > start_date) {
            let Some(starts_at) = resolve_local(zone, date.and_time(wall)) else {
                continue;
            };
            if !collector.offer(date, starts_at)? {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// The dates `rule` picks in the month starting on `first`, in order.
fn month_days(rule: &RecurrenceRule, start_date: NaiveDate, first: NaiveDate) -> Vec<NaiveDate> {
    let length = i64::from(first.num_days_in_month());
    let start_day = [i64::from(start_date.day())];
    let listed = rule.by_month_day.as_deref().unwrap_or(&start_day);
    let mut days: Vec<u32> = listed
        .iter()
        .map(|&day| if day < 0 { length + 1 + day } else { day })
        .filter(|day| (1..=length).contains(day))
        .filter_map(|day| u32::try_from(day).ok())
        .collect();
    days.sort_unstable();
    days.dedup();
    days.into_iter()
        .filter_map(|day| first.with_day(day))
        .collect()
}

/// How far `to` is from `from` on `zone`'s wall clock: moving a session from
/// Monday 09:00 to Tuesday 10:00 is one day and one hour, whatever clock
/// change lies between them.
pub fn local_shift(from: DateTime<Utc>, to: DateTime<Utc>, zone: Tz) -> TimeDelta {
    to.with_timezone(&zone).naive_local() - from.with_timezone(&zone).naive_local()
}

/// `at` moved by `by` on `zone`'s wall clock, read as [`expand`] reads a
/// local time (a time in a gap moves forward by the gap, one in an overlap
/// is the earlier instant). Moving each session of a weekly 09:00 series by
/// one hour this way keeps them all at 10:00 local across a clock change,
/// where a fixed UTC delta would not. `None` beyond representable time.
pub fn shift_local(at: DateTime<Utc>, by: TimeDelta, zone: Tz) -> Option<DateTime<Utc>> {
    let local = at
        .with_timezone(&zone)
        .naive_local()
        .checked_add_signed(by)?;
    resolve_local(zone, local)
}

/// The instant of a local date and time in `zone`, as RFC 5545 reads it; see
/// [`expand`]. `None` only where the zone's data is beyond reason (a gap of
/// more than two days) or at the ends of representable time.
fn resolve_local(zone: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    if let Some(at) = zone.from_local_datetime(&local).earliest() {
        return Some(at.with_timezone(&Utc));
    }
    // In a gap. The offset before it is the one in force just before the
    // first local time that exists again: stepping a minute at a time lands
    // that time less than a minute after the transition, so 61 seconds
    // earlier is before it.
    let mut probe = local;
    for _ in 0..2 * 24 * 60 {
        probe = probe.checked_add_signed(TimeDelta::minutes(1))?;
        if let Some(after) = zone.from_local_datetime(&probe).earliest() {
            let before = after
                .naive_utc()
                .checked_sub_signed(TimeDelta::seconds(61))?;
            let offset = zone.offset_from_utc_datetime(&before).fix();
            let utc = local
                .checked_sub_signed(TimeDelta::seconds(i64::from(offset.local_minus_utc())))?;
            return Some(utc.and_utc());
        }
    }
    None
}

/// Applies the end conditions and exclusions to candidate occurrences, offered
/// in order.
struct Collector {
    last: DateTime<Utc>,
    duration: TimeDelta,
    count: Option<usize>,
    max: usize,
    excluded_dates: HashSet<NaiveDate>,
    excluded_instants: HashSet<DateTime<Utc>>,
    /// Occurrences so far, exclusions included, for `count`.
    generated: usize,
    previous: Option<DateTime<Utc>>,
    out: Vec<Occurrence>,
}

impl Collector {
    /// Takes the occurrence on local `date` starting at `starts_at`; `false`
    /// once expansion is over.
    fn offer(&mut self, date: NaiveDate, starts_at: DateTime<Utc>) -> Result<bool, ExpansionError> {
        if starts_at > self.last {
            return Ok(false);
        }
        // A zone that skipped a whole day (Samoa, 2011-12-30) moves that
        // date's time onto the next one: keep instants strictly increasing.
        if self.previous.is_some_and(|previous| starts_at <= previous) {
            return Ok(true);
        }
        let Some(ends_at) = starts_at.checked_add_signed(self.duration) else {
            return Ok(false);
        };
        self.previous = Some(starts_at);
        self.generated += 1;
        let excluded =
            self.excluded_dates.contains(&date) || self.excluded_instants.contains(&starts_at);
        if !excluded {
            if self.out.len() >= self.max {
                return Err(ExpansionError::TooMany { limit: self.max });
            }
            self.out.push(Occurrence { starts_at, ends_at });
        }
        Ok(self.count.is_none_or(|count| self.generated < count))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339)
            .expect("valid instant")
            .with_timezone(&Utc)
    }

    fn zone(name: &str) -> Tz {
        name.parse().expect("known zone")
    }

    fn rule(value: serde_json::Value) -> RecurrenceRule {
        serde_json::from_value(value).expect("well-formed rule")
    }

    fn run(
        value: serde_json::Value,
        first_start: &str,
        zone_name: &str,
    ) -> Result<Vec<Occurrence>, ExpansionError> {
        expand(
            &rule(value),
            at(first_start),
            TimeDelta::hours(1),
            zone(zone_name),
            ExpansionLimits::default(),
        )
    }

    /// Starts as local time with offset, which shows both what the instructor
    /// sees and which UTC instant it is.
    fn local(occurrences: &[Occurrence], zone_name: &str) -> Vec<String> {
        let tz = zone(zone_name);
        occurrences
            .iter()
            .map(|o| {
                o.starts_at
                    .with_timezone(&tz)
                    .format("%Y-%m-%d %H:%M %:z")
                    .to_string()
            })
            .collect()
    }

    fn utc(occurrences: &[Occurrence]) -> Vec<String> {
        occurrences
            .iter()
            .map(|o| o.starts_at.format("%Y-%m-%dT%H:%MZ").to_string())
            .collect()
    }

    fn expanded(value: serde_json::Value, first_start: &str, zone_name: &str) -> Vec<String> {
        local(
            &run(value, first_start, zone_name).expect("expands"),
            zone_name,
        )
    }

    #[test]
    fn weekly_new_york_keeps_local_time_across_both_changes() {
        let spring = run(
            json!({"freq": "weekly", "count": 3}),
            "2026-03-01T14:00:00Z",
            "America/New_York",
        )
        .expect("expands");
        assert_eq!(
            local(&spring, "America/New_York"),
            [
                "2026-03-01 09:00 -05:00",
                "2026-03-08 09:00 -04:00",
                "2026-03-15 09:00 -04:00",
            ]
        );
        assert_eq!(
            utc(&spring),
            [
                "2026-03-01T14:00Z",
                "2026-03-08T13:00Z",
                "2026-03-15T13:00Z"
            ]
        );
        assert_eq!(
            expanded(
                json!({"freq": "weekly", "count": 3}),
                "2026-10-25T13:00:00Z",
                "America/New_York"
            ),
            [
                "2026-10-25 09:00 -04:00",
                "2026-11-01 09:00 -05:00",
                "2026-11-08 09:00 -05:00",
            ]
        );
    }

    #[test]
    fn weekly_berlin_and_sydney_keep_local_time() {
        assert_eq!(
            expanded(
                json!({"freq": "weekly", "count": 2}),
                "2026-03-22T08:00:00Z",
                "Europe/Berlin"
            ),
            ["2026-03-22 09:00 +01:00", "2026-03-29 09:00 +02:00"]
        );
        assert_eq!(
            expanded(
                json!({"freq": "weekly", "count": 2}),
                "2026-10-18T07:00:00Z",
                "Europe/Berlin"
            ),
            ["2026-10-18 09:00 +02:00", "2026-10-25 09:00 +01:00"]
        );
        // Southern hemisphere: summer time ends in April, starts in October.
        let autumn = run(
            json!({"freq": "weekly", "count": 2}),
            "2026-03-28T22:00:00Z",
            "Australia/Sydney",
        )
        .expect("expands");
        assert_eq!(
            local(&autumn, "Australia/Sydney"),
            ["2026-03-29 09:00 +11:00", "2026-04-05 09:00 +10:00"]
        );
        assert_eq!(utc(&autumn), ["2026-03-28T22:00Z", "2026-04-04T23:00Z"]);
        assert_eq!(
            expanded(
                json!({"freq": "weekly", "count": 2}),
                "2026-09-26T23:00:00Z",
                "Australia/Sydney"
            ),
            ["2026-09-27 09:00 +10:00", "2026-10-04 09:00 +11:00"]
        );
    }

    #[test]
    fn durations_are_real_time_across_a_change() {
        // 00:30 to 04:30 local on the night Berlin falls back lasts five
        // hours of wall clock but four real ones.
        let occurrences = expand(
            &rule(json!({"freq": "daily", "count": 2})),
            at("2026-10-23T22:30:00Z"),
            TimeDelta::hours(4),
            zone("Europe/Berlin"),
            ExpansionLimits::default(),
        )
        .expect("expands");
        for o in &occurrences {
            assert_eq!(o.ends_at - o.starts_at, TimeDelta::hours(4));
        }
        let berlin = zone("Europe/Berlin");
        assert_eq!(
            occurrences[1]
                .ends_at
                .with_timezone(&berlin)
                .format("%H:%M %:z")
                .to_string(),
            "03:30 +01:00"
        );
    }

    #[test]
    fn spring_forward_gaps_move_forward_by_the_gap() {
        assert_eq!(
            expanded(
                json!({"freq": "daily", "count": 3}),
                "2026-03-07T07:30:00Z",
                "America/New_York"
            ),
            [
                "2026-03-07 02:30 -05:00",
                "2026-03-08 03:30 -04:00",
                "2026-03-09 02:30 -04:00",
            ]
        );
        assert_eq!(
            expanded(
                json!({"freq": "weekly", "count": 2}),
                "2026-03-22T01:30:00Z",
                "Europe/Berlin"
            ),
            ["2026-03-22 02:30 +01:00", "2026-03-29 03:30 +02:00"]
        );
        let sydney = run(
            json!({"freq": "weekly", "count": 2}),
            "2026-09-26T16:30:00Z",
            "Australia/Sydney",
        )
        .expect("expands");
        assert_eq!(
            local(&sydney, "Australia/Sydney"),
            ["2026-09-27 02:30 +10:00", "2026-10-04 03:30 +11:00"]
        );
        assert_eq!(utc(&sydney), ["2026-09-26T16:30Z", "2026-10-03T16:30Z"]);
    }

    #[test]
    fn fall_back_overlaps_take_the_first_instant() {
        let berlin = run(
            json!({"freq": "weekly", "count": 2}),
            "2026-10-18T00:30:00Z",
            "Europe/Berlin",
        )
        .expect("expands");
        assert_eq!(
            local(&berlin, "Europe/Berlin"),
            ["2026-10-18 02:30 +02:00", "2026-10-25 02:30 +02:00"]
        );
        assert_eq!(utc(&berlin), ["2026-10-18T00:30Z", "2026-10-25T00:30Z"]);
        assert_eq!(
            expanded(
                json!({"freq": "weekly", "count": 2}),
                "2026-03-28T15:30:00Z",
                "Australia/Sydney"
            ),
            ["2026-03-29 02:30 +11:00", "2026-04-05 02:30 +11:00"]
        );
        assert_eq!(
            expanded(
                json!({"freq": "daily", "count": 3}),
                "2026-10-31T05:30:00Z",
                "America/New_York"
            ),
            [
                "2026-10-31 01:30 -04:00",
                "2026-11-01 01:30 -04:00",
                "2026-11-02 01:30 -05:00",
            ]
        );
    }

    #[test]
    fn until_is_inclusive() {
        let rule = |until: &str| json!({"freq": "weekly", "until": until});
        let first = "2026-01-05T09:00:00Z";
        assert_eq!(
            utc(&run(rule("2026-01-19T09:00:00Z"), first, "UTC").expect("expands")),
            [
                "2026-01-05T09:00Z",
                "2026-01-12T09:00Z",
                "2026-01-19T09:00Z"
            ]
        );
        assert_eq!(
            run(rule("2026-01-19T08:59:59Z"), first, "UTC")
                .expect("expands")
                .len(),
            2
        );
        assert_eq!(
            utc(&run(rule(first), first, "UTC").expect("expands")),
            ["2026-01-05T09:00Z"]
        );
        let before = run(rule("2026-01-05T08:59:59Z"), first, "UTC").expect_err("before");
        assert_eq!(before.code(), "invalid");
        assert_eq!(
            before,
            ExpansionError::Invalid(vec![(
                "recurrence.until".to_owned(),
                FieldIssue::invalid("must not be before the first start"),
            )])
        );
    }

    #[test]
    fn count_and_interval() {
        assert_eq!(
            expanded(
                json!({"freq": "weekly", "interval": 2, "count": 4}),
                "2026-01-05T09:00:00Z",
                "UTC"
            ),
            [
                "2026-01-05 09:00 +00:00",
                "2026-01-19 09:00 +00:00",
                "2026-02-02 09:00 +00:00",
                "2026-02-16 09:00 +00:00",
            ]
        );
        assert_eq!(
            expanded(
                json!({"freq": "daily", "interval": 3, "count": 3}),
                "2026-02-26T09:00:00Z",
                "UTC"
            ),
            [
                "2026-02-26 09:00 +00:00",
                "2026-03-01 09:00 +00:00",
                "2026-03-04 09:00 +00:00",
            ]
        );
        assert_eq!(
            expanded(
                json!({"freq": "monthly", "interval": 2, "count": 3}),
                "2026-01-15T09:00:00Z",
                "UTC"
            ),
            [
                "2026-01-15 09:00 +00:00",
                "2026-03-15 09:00 +00:00",
                "2026-05-15 09:00 +00:00",
            ]
        );
    }

    #[test]
    fn weekly_by_weekday_runs_in_week_order_from_monday() {
        // Starts on a Wednesday: that week's Monday is before the start and
        // skipped; the listed order does not matter.
        assert_eq!(
            expanded(
                json!({"freq": "weekly", "by_weekday": ["FR", "MO", "WE"], "count": 5}),
                "2026-01-07T09:00:00Z",
                "UTC"
            ),
            [
                "2026-01-07 09:00 +00:00",
                "2026-01-09 09:00 +00:00",
                "2026-01-12 09:00 +00:00",
                "2026-01-14 09:00 +00:00",
                "2026-01-16 09:00 +00:00",
            ]
        );
        // Every other week, counted from the start's week (Monday to Sunday):
        // a Sunday start makes the next Monday the start of a skipped week.
        assert_eq!(
            expanded(
                json!({"freq": "weekly", "interval": 2, "by_weekday": ["MO", "SU"], "count": 4}),
                "2026-01-11T09:00:00Z",
                "UTC"
            ),
            [
                "2026-01-11 09:00 +00:00",
                "2026-01-19 09:00 +00:00",
                "2026-01-25 09:00 +00:00",
                "2026-02-02 09:00 +00:00",
            ]
        );
    }

    #[test]
    fn first_start_counts_even_off_pattern() {
        // A Saturday start with a weekday-only rule: the start is still the
        // first occurrence (RFC 5545), and counts.
        assert_eq!(
            expanded(
                json!({"freq": "weekly", "by_weekday": ["MO"], "count": 2}),
                "2026-01-03T09:00:00Z",
                "UTC"
            ),
            ["2026-01-03 09:00 +00:00", "2026-01-05 09:00 +00:00"]
        );
        assert_eq!(
            expanded(
                json!({"freq": "monthly", "by_month_day": [-1], "count": 3}),
                "2026-01-15T09:00:00Z",
                "UTC"
            ),
            [
                "2026-01-15 09:00 +00:00",
                "2026-01-31 09:00 +00:00",
                "2026-02-28 09:00 +00:00",
            ]
        );
    }

    #[test]
    fn daily_with_weekdays_skips_weekends() {
        assert_eq!(
            expanded(
                json!({"freq": "daily", "by_weekday": ["MO", "TU", "WE", "TH", "FR"], "count": 6}),
                "2026-01-01T09:00:00Z",
                "UTC"
            ),
            [
                "2026-01-01 09:00 +00:00",
                "2026-01-02 09:00 +00:00",
                "2026-01-05 09:00 +00:00",
                "2026-01-06 09:00 +00:00",
                "2026-01-07 09:00 +00:00",
                "2026-01-08 09:00 +00:00",
            ]
        );
        // The filter applies to every interval-th day: from Thursday, every
        // second day is Sat (out), Mon, Wed, Fri, Sun (out), Tue.
        assert_eq!(
            expanded(
                json!({"freq": "daily", "interval": 2,
                       "by_weekday": ["MO", "TU", "WE", "TH", "FR"], "count": 5}),
                "2026-01-01T09:00:00Z",
                "UTC"
            ),
            [
                "2026-01-01 09:00 +00:00",
                "2026-01-05 09:00 +00:00",
                "2026-01-07 09:00 +00:00",
                "2026-01-09 09:00 +00:00",
                "2026-01-13 09:00 +00:00",
            ]
        );
    }

    #[test]
    fn monthly_on_the_31st_skips_short_months() {
        assert_eq!(
            expanded(
                json!({"freq": "monthly", "count": 5}),
                "2026-01-31T09:00:00Z",
                "UTC"
            ),
            [
                "2026-01-31 09:00 +00:00",
                "2026-03-31 09:00 +00:00",
                "2026-05-31 09:00 +00:00",
                "2026-07-31 09:00 +00:00",
                "2026-08-31 09:00 +00:00",
            ]
        );
        assert_eq!(
            expanded(
                json!({"freq": "monthly", "by_month_day": [30], "count": 3}),
                "2026-01-30T09:00:00Z",
                "UTC"
            ),
            [
                "2026-01-30 09:00 +00:00",
                "2026-03-30 09:00 +00:00",
                "2026-04-30 09:00 +00:00",
            ]
        );
    }

    #[test]
    fn monthly_from_the_end_and_several_days() {
        assert_eq!(
            expanded(
                json!({"freq": "monthly", "by_month_day": [-1], "count": 5}),
                "2026-01-31T09:00:00Z",
                "UTC"
            ),
            [
                "2026-01-31 09:00 +00:00",
                "2026-02-28 09:00 +00:00",
                "2026-03-31 09:00 +00:00",
                "2026-04-30 09:00 +00:00",
                "2026-05-31 09:00 +00:00",
            ]
        );
        // Leap year February; 31 and -1 coincide in long months.
        assert_eq!(
            expanded(
                json!({"freq": "monthly", "by_month_day": [31, -1, 15, -2], "count": 6}),
                "2028-01-15T09:00:00Z",
                "UTC"
            ),
            [
                "2028-01-15 09:00 +00:00",
                "2028-01-30 09:00 +00:00",
                "2028-01-31 09:00 +00:00",
                "2028-02-15 09:00 +00:00",
                "2028-02-28 09:00 +00:00",
                "2028-02-29 09:00 +00:00",
            ]
        );
    }

    #[test]
    fn exdates_by_date_and_by_instant_do_not_extend_count() {
        let occurrences = run(
            json!({"freq": "weekly", "count": 5,
                   "exdates": ["2026-01-12", "2026-01-26T10:00:00+01:00", "2027-01-01"]}),
            "2026-01-05T09:00:00Z",
            "Europe/Berlin",
        )
        .expect("expands");
        assert_eq!(
            local(&occurrences, "Europe/Berlin"),
            [
                "2026-01-05 10:00 +01:00",
                "2026-01-19 10:00 +01:00",
                "2026-02-02 10:00 +01:00",
            ]
        );
        // The date is the local one: 23:30 UTC on the 11th is the 12th in
        // Berlin.
        let late = run(
            json!({"freq": "daily", "count": 3, "exdates": ["2026-01-12"]}),
            "2026-01-10T23:30:00Z",
            "Europe/Berlin",
        )
        .expect("expands");
        assert_eq!(
            local(&late, "Europe/Berlin"),
            ["2026-01-11 00:30 +01:00", "2026-01-13 00:30 +01:00"]
        );
        // An instant must match exactly: a minute off excludes nothing.
        assert_eq!(
            run(
                json!({"freq": "daily", "count": 2, "exdates": ["2026-01-06T09:01:00Z"]}),
                "2026-01-05T09:00:00Z",
                "UTC",
            )
            .expect("expands")
            .len(),
            2
        );
    }

    #[test]
    fn horizon_cuts_open_ended_and_long_rules() {
        let weekly =
            run(json!({"freq": "weekly"}), "2026-01-05T09:00:00Z", "UTC").expect("expands");
        assert_eq!(weekly.len(), 53);
        assert_eq!(
            weekly.last().map(|o| o.starts_at),
            Some(at("2027-01-04T09:00:00Z"))
        );
        let daily = run(json!({"freq": "daily"}), "2026-01-05T09:00:00Z", "UTC").expect("expands");
        assert_eq!(daily.len(), 367);
        // until beyond the horizon: cut at the horizon, no error.
        let until = run(
            json!({"freq": "monthly", "until": "2030-01-01T00:00:00Z"}),
            "2026-01-05T09:00:00Z",
            "UTC",
        )
        .expect("expands");
        assert_eq!(until.len(), 13);
        let count = run(
            json!({"freq": "monthly", "count": 20}),
            "2026-01-05T09:00:00Z",
            "UTC",
        )
        .expect("expands");
        assert_eq!(count.len(), 13);

        let week = ExpansionLimits {
            horizon: TimeDelta::days(7),
            ..ExpansionLimits::default()
        };
        let short = expand(
            &rule(json!({"freq": "daily"})),
            at("2026-01-05T09:00:00Z"),
            TimeDelta::hours(1),
            zone("UTC"),
            week,
        )
        .expect("expands");
        assert_eq!(short.len(), 8);
    }

    #[test]
    fn too_many_occurrences() {
        let ten = ExpansionLimits {
            max_occurrences: 10,
            ..ExpansionLimits::default()
        };
        let attempt = |value| {
            expand(
                &rule(value),
                at("2026-01-05T09:00:00Z"),
                TimeDelta::hours(1),
                zone("UTC"),
                ten,
            )
        };
        assert_eq!(
            attempt(json!({"freq": "daily", "count": 10})).map(|o| o.len()),
            Ok(10)
        );
        assert_eq!(
            attempt(json!({"freq": "daily", "count": 11})),
            Err(ExpansionError::TooMany { limit: 10 })
        );
        assert_eq!(
            attempt(json!({"freq": "daily", "until": "2026-01-31T00:00:00Z"})),
            Err(ExpansionError::TooMany { limit: 10 })
        );
        assert_eq!(
            attempt(json!({"freq": "daily"})),
            Err(ExpansionError::TooMany { limit: 10 })
        );
        // Exclusions bring it back under the limit.
        assert_eq!(
            attempt(json!({"freq": "daily", "until": "2026-01-15T09:00:00Z",
                           "exdates": ["2026-01-10"]}))
            .map(|o| o.len()),
            Ok(10)
        );
        let default = run(
            json!({"freq": "daily", "count": 501}),
            "2026-01-05T09:00:00Z",
            "UTC",
        )
        .expect_err("over the default");
        assert_eq!(default, ExpansionError::TooMany { limit: 500 });
        assert_eq!(default.code(), "too_many");
        assert_eq!(
            default.to_string(),
            "the recurrence produces more than 500 occurrences"
        );
    }

    #[test]
    fn empty_rules() {
        let only = run(
            json!({"freq": "weekly", "count": 1, "exdates": ["2026-01-05"]}),
            "2026-01-05T09:00:00Z",
            "UTC",
        )
        .expect_err("all excluded");
        assert_eq!(only, ExpansionError::Empty);
        assert_eq!(only.code(), "empty");
        assert_eq!(only.to_string(), "the recurrence produces no occurrence");
        let behind = ExpansionLimits {
            horizon: TimeDelta::hours(-1),
            ..ExpansionLimits::default()
        };
        assert_eq!(
            expand(
                &rule(json!({"freq": "daily"})),
                at("2026-01-05T09:00:00Z"),
                TimeDelta::hours(1),
                zone("UTC"),
                behind,
            ),
            Err(ExpansionError::Empty)
        );
    }

    #[test]
    fn rules_that_never_match_again_end_at_the_horizon() {
        // The 30th of every twelfth month, from February: only the start.
        let occurrences = run(
            json!({"freq": "monthly", "interval": 12, "by_month_day": [30]}),
            "2026-02-10T09:00:00Z",
            "UTC",
        )
        .expect("expands");
        assert_eq!(utc(&occurrences), ["2026-02-10T09:00Z"]);
        let forever = ExpansionLimits {
            horizon: TimeDelta::MAX,
            ..ExpansionLimits::default()
        };
        let far = expand(
            &rule(json!({"freq": "monthly", "interval": 12, "by_month_day": [30]})),
            at("2026-02-10T09:00:00Z"),
            TimeDelta::hours(1),
            zone("UTC"),
            forever,
        )
        .expect("ends at the end of time");
        assert_eq!(far.len(), 1);
    }

    #[test]
    fn invalid_rules_and_durations_are_reported_not_expanded() {
        let error = expand(
            &RecurrenceRule {
                interval: 0,
                ..RecurrenceRule::new(Frequency::Daily)
            },
            at("2026-01-05T09:00:00Z"),
            TimeDelta::zero(),
            zone("UTC"),
            ExpansionLimits::default(),
        )
        .expect_err("invalid");
        assert_eq!(error.code(), "invalid");
        let ExpansionError::Invalid(issues) = &error else {
            panic!("expected Invalid, got {error:?}");
        };
        let paths: Vec<_> = issues.iter().map(|(path, _)| path.as_str()).collect();
        assert_eq!(paths, ["recurrence.interval", "duration"]);
        assert_eq!(
            error.to_string(),
            "the recurrence is invalid: recurrence.interval must be between 1 and 99; \
             duration must be positive"
        );
    }

    #[test]
    fn a_skipped_day_does_not_duplicate_an_occurrence() {
        // Samoa skipped 2011-12-30 entirely; 09:00 that day reads as 09:00
        // on the 31st, which is also the 31st's own occurrence.
        let occurrences = run(
            json!({"freq": "daily", "count": 3}),
            "2011-12-29T19:00:00Z",
            "Pacific/Apia",
        )
        .expect("expands");
        assert_eq!(
            local(&occurrences, "Pacific/Apia"),
            [
                "2011-12-29 09:00 -10:00",
                "2011-12-31 09:00 +14:00",
                "2012-01-01 09:00 +14:00",
            ]
        );
    }

    #[test]
    fn a_local_shift_keeps_the_wall_clock_across_a_clock_change() {
        let berlin = zone("Europe/Berlin");
        // Monday 09:00 in winter time moved to 10:00: one hour on the wall.
        let by = local_shift(
            at("2027-03-22T08:00:00Z"),
            at("2027-03-22T09:00:00Z"),
            berlin,
        );
        assert_eq!(by, TimeDelta::hours(1));
        // The week after the change, 09:00 is 07:00Z; moved, 10:00 is 08:00Z.
        assert_eq!(
            shift_local(at("2027-03-29T07:00:00Z"), by, berlin),
            Some(at("2027-03-29T08:00:00Z"))
        );
        // A day and an hour across the change: Saturday 09:00 winter time
        // to Sunday 10:00 summer time.
        let by = local_shift(
            at("2027-03-27T08:00:00Z"),
            at("2027-03-28T08:00:00Z"),
            berlin,
        );
        assert_eq!(by, TimeDelta::hours(25));
        // Into the gap: 01:30 moved by an hour is 02:30, which the clocks
        // skip; read as 03:30 summer time, as expand reads it.
        assert_eq!(
            shift_local(at("2027-03-28T00:30:00Z"), TimeDelta::hours(1), berlin),
            Some(at("2027-03-28T01:30:00Z"))
        );
    }

    #[test]
    fn limits_default() {
        let limits = ExpansionLimits::default();
        assert_eq!(limits.max_occurrences, 500);
        assert_eq!(limits.horizon, TimeDelta::days(366));
    }
}
