//! Recurring availability as clients send it: a JSON subset of the RFC 5545
//! `RRULE`. What a rule means in time is [`expand`](super::expand)'s business;
//! this file only reads and checks it.

use std::collections::HashSet;
use std::fmt;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::{ExpansionLimits, Frequency, Weekday};
use crate::FieldIssue;

/// Where [`RecurrenceRule::validate`] reports its issues: the rule is the
/// `recurrence` member of the request body.
const PATH: &str = "recurrence";

/// A recurrence rule, for example
///
/// ```json
/// {"freq": "weekly", "interval": 2, "by_weekday": ["MO", "WE"],
///  "until": "2027-03-01T00:00:00Z", "exdates": ["2026-12-23"]}
/// ```
///
/// Deserializing checks the vocabulary (frequency, weekdays) and the shape of
/// the dates; ranges and combinations are left to [`validate`](Self::validate)
/// so that a client learns about every one of them at once, each under its
/// own path. The fields are public for that reason, so [`expand`](super::expand)
/// validates again rather than trusting them.
///
/// | field          | RFC 5545     | meaning |
/// |----------------|--------------|---------|
/// | `freq`         | `FREQ`       | `daily`, `weekly` or `monthly` |
/// | `interval`     | `INTERVAL`   | every n-th day, week or month; 1 to 99, default 1 |
/// | `by_weekday`   | `BYDAY`      | weekly: these days of each week; daily: only days that are one of these |
/// | `by_month_day` | `BYMONTHDAY` | monthly: these days of each month, negative counting from its end (-1 is the last) |
/// | `count`        | `COUNT`      | this many occurrences, exclusions included |
/// | `until`        | `UNTIL`      | no occurrence starts later than this instant |
/// | `exdates`      | `EXDATE`     | a local date excludes every occurrence that day; an instant, the one starting then |
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecurrenceRule {
    pub freq: Frequency,
    #[serde(default = "default_interval")]
    pub interval: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_weekday: Option<Vec<Weekday>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_month_day: Option<Vec<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rfc3339_option"
    )]
    pub until: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exdates: Vec<ExDate>,
}

const fn default_interval() -> i64 {
    1
}

impl RecurrenceRule {
    pub const MAX_INTERVAL: i64 = 99;
    /// Exclusions a rule may list: one per day of the default horizon would
    /// already be absurd; the cap keeps a request's work bounded.
    pub const MAX_EXDATES: usize = 500;

    /// Every `interval` days, weeks or months, without end (up to the
    /// expansion horizon) or exclusions.
    pub const fn new(freq: Frequency) -> Self {
        Self {
            freq,
            interval: 1,
            by_weekday: None,
            by_month_day: None,
            count: None,
            until: None,
            exdates: Vec::new(),
        }
    }

    /// Every problem with the rule, each under its path in the request body
    /// (`recurrence.interval`, `recurrence.by_month_day[2]`). `count` may be
    /// at most the default [`ExpansionLimits::max_occurrences`]; see
    /// [`validate_with`](Self::validate_with) for other limits.
    pub fn validate(&self) -> Result<(), Vec<(String, FieldIssue)>> {
        self.validate_with(&ExpansionLimits::default())
    }

    /// As [`validate`](Self::validate), with `count` bounded by
    /// `limits.max_occurrences`.
    pub fn validate_with(&self, limits: &ExpansionLimits) -> Result<(), Vec<(String, FieldIssue)>> {
        let issues = self.issues(Some(limits.max_occurrences));
        if issues.is_empty() {
            Ok(())
        } else {
            Err(issues)
        }
    }

    /// The checks behind `validate`. Without `max_count`, `count` is only
    /// checked to be positive, for `expand`, which reports a count over its
    /// limit as `TooMany` rather than as a field issue.
    pub(super) fn issues(&self, max_count: Option<usize>) -> Vec<(String, FieldIssue)> {
        let mut issues = Vec::new();
        let mut reject = |field: &str, issue| issues.push((format!("{PATH}.{field}"), issue));

        if !(1..=Self::MAX_INTERVAL).contains(&self.interval) {
            reject("interval", between(1, Self::MAX_INTERVAL));
        }

        if let Some(days) = &self.by_weekday {
            if self.freq == Frequency::Monthly {
                reject(
                    "by_weekday",
                    FieldIssue::invalid("only applies to daily and weekly rules"),
                );
            } else if days.is_empty() {
                // Refused rather than read as "no filter": a client whose
                // user unticked every day did not mean "the first day".
                reject("by_weekday", at_least_one("weekday"));
            } else if has_duplicates(days) {
                reject(
                    "by_weekday",
                    FieldIssue::invalid("must not list a weekday twice"),
                );
            }
        }

        if let Some(days) = &self.by_month_day {
            if self.freq != Frequency::Monthly {
                reject(
                    "by_month_day",
                    FieldIssue::invalid("only applies to monthly rules"),
                );
            } else if days.is_empty() {
                reject("by_month_day", at_least_one("day"));
            } else {
                for (index, day) in days.iter().enumerate() {
                    if !(1..=31).contains(day) && !(-31..=-1).contains(day) {
                        reject(
                            &format!("by_month_day[{index}]"),
                            FieldIssue::new(
                                "out_of_range",
                                "must be between 1 and 31, or between -31 and -1 \
                                 to count from the end of the month",
                            ),
                        );
                    }
                }
                if has_duplicates(days) {
                    reject(
                        "by_month_day",
                        FieldIssue::invalid("must not list a day twice"),
                    );
                }
            }
        }

        if let Some(count) = self.count {
            let max = max_count.map_or(i64::MAX, |max| i64::try_from(max).unwrap_or(i64::MAX));
            if count < 1 || count > max {
                reject("count", between(1, max));
            }
            if self.until.is_some() {
                // RFC 5545: "COUNT and UNTIL MUST NOT occur in the same rule".
                reject(
                    "until",
                    FieldIssue::invalid("must not be given together with count"),
                );
            }
        }

        if self.exdates.len() > Self::MAX_EXDATES {
            reject(
                "exdates",
                FieldIssue::new(
                    "too_long",
                    format!("must list at most {} exclusions", Self::MAX_EXDATES),
                ),
            );
        }

        issues
    }
}

fn between(min: i64, max: i64) -> FieldIssue {
    FieldIssue::new("out_of_range", format!("must be between {min} and {max}"))
}

fn at_least_one(what: &str) -> FieldIssue {
    FieldIssue::new(
        "required",
        format!("must list at least one {what}, or be left out"),
    )
}

fn has_duplicates<T: Eq + std::hash::Hash>(items: &[T]) -> bool {
    let mut seen = HashSet::with_capacity(items.len());
    !items.iter().all(|item| seen.insert(item))
}

/// One exclusion of a recurrence (RFC 5545 `EXDATE`).
///
/// In JSON, a local date `2026-12-24` or an RFC 3339 instant
/// `2026-12-31T09:00:00+01:00`. An instant is kept in UTC, so it is written
/// back as `2026-12-31T08:00:00Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum ExDate {
    /// Excludes every occurrence on this date in the rule's time zone: what
    /// "not on Christmas Eve" means to the instructor, whatever the time.
    Date(NaiveDate),
    /// Excludes the occurrence starting at exactly this instant.
    Instant(DateTime<Utc>),
}

impl ExDate {
    /// A date must be written in full (`2026-01-05`, not `2026-1-5`); an
    /// instant must carry its offset (`Z` or `+01:00`), since a bare local
    /// time would be read in a zone the client may not have meant.
    pub fn parse(input: &str) -> Result<Self, FieldIssue> {
        let refused = || {
            FieldIssue::invalid(
                "must be a date such as 2026-12-24 or an RFC 3339 instant \
                 such as 2026-12-24T09:00:00Z",
            )
        };
        let bytes = input.as_bytes();
        if bytes.len() == 10 && bytes[4] == b'-' && bytes[7] == b'-' {
            return NaiveDate::parse_from_str(input, "%Y-%m-%d")
                .map(ExDate::Date)
                .map_err(|_| refused());
        }
        parse_instant(input)
            .map(ExDate::Instant)
            .map_err(|_| refused())
    }
}

impl fmt::Display for ExDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExDate::Date(date) => write!(f, "{}", date.format("%Y-%m-%d")),
            ExDate::Instant(at) => f.write_str(&format_instant(at)),
        }
    }
}

impl From<ExDate> for String {
    fn from(exdate: ExDate) -> Self {
        exdate.to_string()
    }
}

impl TryFrom<String> for ExDate {
    type Error = FieldIssue;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

fn parse_instant(input: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(input).map(|at| at.with_timezone(&Utc))
}

fn format_instant(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// `until` as strict RFC 3339: chrono's own deserializer also takes looser
/// forms, which would then be written back differently from how they came.
mod rfc3339_option {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub fn serialize<S: Serializer>(
        value: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(at) => serializer.serialize_some(&super::format_instant(at)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| {
                super::parse_instant(&text).map_err(|_| {
                    D::Error::custom("must be an RFC 3339 instant such as 2027-03-01T00:00:00Z")
                })
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn rule(value: serde_json::Value) -> RecurrenceRule {
        serde_json::from_value(value).expect("well-formed rule")
    }

    fn issues(rule: &RecurrenceRule) -> Vec<(String, &'static str)> {
        rule.validate()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|(path, issue)| (path, issue.code))
            .collect()
    }

    fn at(rfc3339: &str) -> DateTime<Utc> {
        parse_instant(rfc3339).expect("valid instant")
    }

    #[test]
    fn reads_the_documented_example_and_reports_its_conflicts() {
        // The example lists every field, including some that do not go
        // together: it deserializes, and validation names each conflict.
        let example = rule(json!({
            "freq": "weekly", "interval": 1, "by_weekday": ["MO", "WE"],
            "by_month_day": [1, 15], "count": 10, "until": "2027-03-01T00:00:00Z",
            "exdates": ["2026-12-24", "2026-12-31T09:00:00+01:00"]
        }));
        assert_eq!(example.freq, Frequency::Weekly);
        assert_eq!(
            example.by_weekday,
            Some(vec![Weekday::Monday, Weekday::Wednesday])
        );
        assert_eq!(example.until, Some(at("2027-03-01T00:00:00Z")));
        assert_eq!(
            example.exdates,
            [
                ExDate::Date(NaiveDate::from_ymd_opt(2026, 12, 24).expect("date")),
                ExDate::Instant(at("2026-12-31T08:00:00Z")),
            ]
        );
        assert_eq!(
            issues(&example),
            [
                ("recurrence.by_month_day".to_owned(), "invalid"),
                ("recurrence.until".to_owned(), "invalid"),
            ]
        );
    }

    #[test]
    fn defaults_and_round_trip() {
        let minimal = rule(json!({"freq": "daily"}));
        assert_eq!(minimal, RecurrenceRule::new(Frequency::Daily));
        assert_eq!(minimal.validate(), Ok(()));
        assert_eq!(
            serde_json::to_value(&minimal).expect("serializable"),
            json!({"freq": "daily", "interval": 1})
        );

        let full = rule(json!({
            "freq": "monthly", "interval": 3, "by_month_day": [1, -1],
            "until": "2027-03-01T00:00:00+01:00",
            "exdates": ["2026-12-24", "2026-12-31T09:00:00.5+01:00"]
        }));
        assert_eq!(full.validate(), Ok(()));
        let written = serde_json::to_value(&full).expect("serializable");
        assert_eq!(
            written,
            json!({
                "freq": "monthly", "interval": 3, "by_month_day": [1, -1],
                "until": "2027-02-28T23:00:00Z",
                "exdates": ["2026-12-24", "2026-12-31T08:00:00.500Z"]
            })
        );
        assert_eq!(rule(written), full);
        assert_eq!(
            rule(json!({"freq": "weekly", "until": null, "count": null})),
            RecurrenceRule::new(Frequency::Weekly)
        );
    }

    #[test]
    fn refuses_malformed_json() {
        for bad in [
            json!({"freq": "yearly"}),
            json!({"freq": "Weekly"}),
            json!({"interval": 1}),
            json!({"freq": "weekly", "by_weekday": ["mo"]}),
            json!({"freq": "weekly", "by_weekday": "MO"}),
            json!({"freq": "weekly", "interval": 1.5}),
            json!({"freq": "weekly", "until": "2027-03-01"}),
            json!({"freq": "weekly", "until": "2027-03-01T00:00:00"}),
            json!({"freq": "weekly", "until": 1_700_000_000}),
            json!({"freq": "weekly", "exdates": ["2026-1-5"]}),
            json!({"freq": "weekly", "exdates": ["2026-02-30"]}),
            json!({"freq": "weekly", "exdates": ["2026-12-24T09:00:00"]}),
            json!({"freq": "weekly", "exdates": ["tomorrow"]}),
            json!({"freq": "weekly", "byday": ["MO"]}),
            json!({"freq": "weekly", "wkst": "SU"}),
        ] {
            assert!(
                serde_json::from_value::<RecurrenceRule>(bad.clone()).is_err(),
                "{bad}"
            );
        }
        let message = serde_json::from_value::<RecurrenceRule>(
            json!({"freq": "weekly", "exdates": ["soon"]}),
        )
        .expect_err("bad exdate")
        .to_string();
        assert!(message.contains("RFC 3339"), "{message}");
    }

    #[test]
    fn exdate_forms() {
        assert_eq!(
            ExDate::parse("2026-12-24").expect("date"),
            ExDate::Date(NaiveDate::from_ymd_opt(2026, 12, 24).expect("date"))
        );
        assert_eq!(
            ExDate::parse("2026-12-31T09:00:00+01:00").expect("instant"),
            ExDate::Instant(at("2026-12-31T08:00:00Z"))
        );
        assert_eq!(
            ExDate::parse("2026-12-31T09:00:00+01:00")
                .expect("instant")
                .to_string(),
            "2026-12-31T08:00:00Z"
        );
        for bad in ["", "2026/12/24", "20261224", " 2026-12-24", "2026-13-01"] {
            assert_eq!(ExDate::parse(bad).expect_err(bad).code, "invalid", "{bad}");
        }
    }

    #[test]
    fn interval_and_count_ranges() {
        let with = |interval, count| RecurrenceRule {
            interval,
            count,
            ..RecurrenceRule::new(Frequency::Weekly)
        };
        assert_eq!(issues(&with(1, Some(1))), []);
        assert_eq!(issues(&with(99, Some(500))), []);
        assert_eq!(
            issues(&with(0, Some(0))),
            [
                ("recurrence.interval".to_owned(), "out_of_range"),
                ("recurrence.count".to_owned(), "out_of_range"),
            ]
        );
        assert_eq!(
            issues(&with(100, Some(501))),
            [
                ("recurrence.interval".to_owned(), "out_of_range"),
                ("recurrence.count".to_owned(), "out_of_range"),
            ]
        );
        assert_eq!(
            issues(&with(-1, None)),
            [("recurrence.interval".to_owned(), "out_of_range")]
        );
        let message = with(1, Some(501))
            .validate()
            .expect_err("too many")
            .remove(0)
            .1
            .message;
        assert_eq!(message, "must be between 1 and 500");
        let generous = ExpansionLimits {
            max_occurrences: 1_000,
            ..ExpansionLimits::default()
        };
        assert_eq!(with(1, Some(501)).validate_with(&generous), Ok(()));
    }

    #[test]
    fn weekday_lists() {
        let weekly = |days: Vec<Weekday>| RecurrenceRule {
            by_weekday: Some(days),
            ..RecurrenceRule::new(Frequency::Weekly)
        };
        assert_eq!(issues(&weekly(vec![Weekday::Friday, Weekday::Monday])), []);
        assert_eq!(
            issues(&weekly(Vec::new())),
            [("recurrence.by_weekday".to_owned(), "required")]
        );
        assert_eq!(
            issues(&weekly(vec![Weekday::Monday, Weekday::Monday])),
            [("recurrence.by_weekday".to_owned(), "invalid")]
        );
        let daily = RecurrenceRule {
            freq: Frequency::Daily,
            ..weekly(vec![Weekday::Monday])
        };
        assert_eq!(issues(&daily), []);
        let monthly = RecurrenceRule {
            freq: Frequency::Monthly,
            ..weekly(vec![Weekday::Monday])
        };
        assert_eq!(
            issues(&monthly),
            [("recurrence.by_weekday".to_owned(), "invalid")]
        );
    }

    #[test]
    fn month_day_lists() {
        let monthly = |days: Vec<i64>| RecurrenceRule {
            by_month_day: Some(days),
            ..RecurrenceRule::new(Frequency::Monthly)
        };
        assert_eq!(issues(&monthly(vec![1, 15, 31, -1, -31])), []);
        assert_eq!(
            issues(&monthly(vec![0, 5, 32, -32, 5])),
            [
                ("recurrence.by_month_day[0]".to_owned(), "out_of_range"),
                ("recurrence.by_month_day[2]".to_owned(), "out_of_range"),
                ("recurrence.by_month_day[3]".to_owned(), "out_of_range"),
                ("recurrence.by_month_day".to_owned(), "invalid"),
            ]
        );
        assert_eq!(
            issues(&monthly(Vec::new())),
            [("recurrence.by_month_day".to_owned(), "required")]
        );
        for freq in [Frequency::Daily, Frequency::Weekly] {
            let other = RecurrenceRule {
                freq,
                ..monthly(vec![1])
            };
            assert_eq!(
                issues(&other),
                [("recurrence.by_month_day".to_owned(), "invalid")]
            );
        }
    }

    #[test]
    fn count_excludes_until_and_exdates_are_capped() {
        let both = RecurrenceRule {
            count: Some(3),
            until: Some(at("2027-01-01T00:00:00Z")),
            ..RecurrenceRule::new(Frequency::Daily)
        };
        assert_eq!(issues(&both), [("recurrence.until".to_owned(), "invalid")]);

        let date = ExDate::Date(NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"));
        let many = RecurrenceRule {
            exdates: vec![date; RecurrenceRule::MAX_EXDATES],
            ..RecurrenceRule::new(Frequency::Daily)
        };
        assert_eq!(issues(&many), []);
        let too_many = RecurrenceRule {
            exdates: vec![date; RecurrenceRule::MAX_EXDATES + 1],
            ..many
        };
        assert_eq!(
            issues(&too_many),
            [("recurrence.exdates".to_owned(), "too_long")]
        );
    }
}
