//! Progress through a course, one material at a time, and what it adds up to
//! for the enrolment.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ProgressStatus;
use crate::FieldIssue;

/// The longest a material may run, and so the furthest a playback position
/// can be: a week. Recorded lectures run hours; more is a unit mistake
/// (milliseconds sent as seconds).
const MAX_MEDIA_SECONDS: i64 = 7 * 86_400;

/// How long a material takes to watch or read.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "i64", try_from = "i64")]
pub struct DurationSeconds(i64);

impl DurationSeconds {
    pub const MAX: i64 = MAX_MEDIA_SECONDS;

    pub fn parse(seconds: i64) -> Result<Self, FieldIssue> {
        in_range(seconds, 0, Self::MAX).map(Self)
    }

    pub const fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Debug for DurationSeconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DurationSeconds({})", self.0)
    }
}

impl From<DurationSeconds> for i64 {
    fn from(duration: DurationSeconds) -> Self {
        duration.0
    }
}

impl TryFrom<i64> for DurationSeconds {
    type Error = FieldIssue;

    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

fn in_range(value: i64, min: i64, max: i64) -> Result<i64, FieldIssue> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(FieldIssue::new(
            "out_of_range",
            format!("must be between {min} and {max}"),
        ))
    }
}

/// A student's progress through one material, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProgressState {
    /// 0 to 100.
    pub percent: i64,
    /// Where playback or reading stopped, to resume there.
    pub position_seconds: i64,
    /// Total time the student has spent on the material.
    pub time_spent_seconds: i64,
    pub completed: bool,
}

impl ProgressState {
    /// What the `status` column holds for this state.
    pub const fn status(&self) -> ProgressStatus {
        if self.completed {
            ProgressStatus::Completed
        } else if self.percent > 0 || self.position_seconds > 0 || self.time_spent_seconds > 0 {
            ProgressStatus::InProgress
        } else {
            ProgressStatus::NotStarted
        }
    }
}

/// What a client reports about one material; absent fields leave the stored
/// value alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProgressUpdate {
    pub percent: Option<i64>,
    pub position_seconds: Option<i64>,
    /// Seconds spent since the client's previous report. Additive, so unlike
    /// the other fields a retried request counts twice: a client that retries
    /// needs the API's idempotency mechanism, not this function.
    pub time_spent_delta_seconds: Option<i64>,
    pub completed: Option<bool>,
}

impl ProgressUpdate {
    /// A client reports at most a day at a time; a larger delta is a clock or
    /// unit mistake, not study.
    pub const MAX_DELTA_SECONDS: i64 = 86_400;

    /// Every invalid field, named as in this struct (the API maps them to its
    /// own names if they differ). An update with no field at all is reported
    /// under the empty name, meaning the whole body.
    pub fn validate(&self) -> Result<(), Vec<(&'static str, FieldIssue)>> {
        let mut issues = Vec::new();
        let mut check = |field, value: Option<i64>, max| {
            if let Some(Err(issue)) = value.map(|v| in_range(v, 0, max)) {
                issues.push((field, issue));
            }
        };
        check("percent", self.percent, 100);
        check("position_seconds", self.position_seconds, MAX_MEDIA_SECONDS);
        check(
            "time_spent_delta_seconds",
            self.time_spent_delta_seconds,
            Self::MAX_DELTA_SECONDS,
        );
        if *self == Self::default() {
            issues.push((
                "",
                FieldIssue::new("required", "must report at least one field"),
            ));
        }
        if issues.is_empty() {
            Ok(())
        } else {
            Err(issues)
        }
    }
}

/// The state after `update`, which [`ProgressUpdate::validate`] has accepted
/// (out-of-range values are clamped, not trusted).
///
/// - `percent` never goes backwards: rewatching the start of a video does not
///   undo having seen the rest.
/// - Completion is sticky: `completed: true`, or reaching 100 percent,
///   completes the material, and a later `completed: false` is ignored.
///   Otherwise a stale client could un-complete a course the student has
///   already been certified for.
/// - `position_seconds` is whatever was reported last, backwards included: it
///   is where the student is, not how far they got.
/// - `time_spent_seconds` adds the delta.
///
/// Retrying an update with the same percent, position and completion leaves the
/// same state; only the time delta accumulates.
pub fn apply_progress(current: ProgressState, update: &ProgressUpdate) -> ProgressState {
    let mut next = current;
    if let Some(percent) = update.percent {
        next.percent = next.percent.max(percent.clamp(0, 100));
    }
    if let Some(position) = update.position_seconds {
        next.position_seconds = position.clamp(0, MAX_MEDIA_SECONDS);
    }
    if let Some(delta) = update.time_spent_delta_seconds {
        next.time_spent_seconds = next
            .time_spent_seconds
            .saturating_add(delta.clamp(0, ProgressUpdate::MAX_DELTA_SECONDS));
    }
    if update.completed == Some(true) || next.percent >= 100 {
        next.completed = true;
    }
    if next.completed {
        next.percent = 100;
    }
    next
}

/// The enrolment's percentage: the share of its required materials completed,
/// rounded down so that 100 means every one is done.
///
/// A course with no required materials shows 0, not 100: publishing needs at
/// least one (see [`publish_check`](super::publish_check)), so this only
/// happens when materials are removed later, and claiming completion then
/// would hand out credit for nothing.
pub fn enrollment_percent(required_completed: i64, required_total: i64) -> i64 {
    if required_total <= 0 {
        return 0;
    }
    let done = required_completed.clamp(0, required_total);
    // i128: 100 × a count cannot overflow there.
    let percent = i128::from(done) * 100 / i128::from(required_total);
    percent as i64
}

/// Whether every required material is completed; never for a course with none
/// (see [`enrollment_percent`]).
pub fn enrollment_complete(required_completed: i64, required_total: i64) -> bool {
    required_total > 0 && required_completed >= required_total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update() -> ProgressUpdate {
        ProgressUpdate::default()
    }

    #[test]
    fn duration_bounds() {
        assert_eq!(DurationSeconds::parse(0).expect("zero").get(), 0);
        assert!(DurationSeconds::parse(604_800).is_ok());
        assert_eq!(
            DurationSeconds::parse(604_801).expect_err("long").code,
            "out_of_range"
        );
        assert_eq!(
            DurationSeconds::parse(-1).expect_err("negative").code,
            "out_of_range"
        );
        assert!(serde_json::from_str::<DurationSeconds>("-5").is_err());
    }

    #[test]
    fn validate_names_every_bad_field() {
        let ok = ProgressUpdate {
            percent: Some(100),
            position_seconds: Some(604_800),
            time_spent_delta_seconds: Some(86_400),
            completed: Some(false),
        };
        assert_eq!(ok.validate(), Ok(()));
        let only_completed = ProgressUpdate {
            completed: Some(true),
            ..update()
        };
        assert_eq!(only_completed.validate(), Ok(()));

        let bad = ProgressUpdate {
            percent: Some(101),
            position_seconds: Some(-1),
            time_spent_delta_seconds: Some(86_401),
            completed: None,
        };
        let fields: Vec<_> = bad
            .validate()
            .expect_err("bad")
            .into_iter()
            .map(|(field, issue)| (field, issue.code))
            .collect();
        assert_eq!(
            fields,
            [
                ("percent", "out_of_range"),
                ("position_seconds", "out_of_range"),
                ("time_spent_delta_seconds", "out_of_range"),
            ]
        );
        let negative = ProgressUpdate {
            percent: Some(-1),
            time_spent_delta_seconds: Some(-1),
            ..update()
        };
        assert_eq!(negative.validate().expect_err("negative").len(), 2);
        assert_eq!(
            update().validate().expect_err("empty"),
            [(
                "",
                FieldIssue::new("required", "must report at least one field")
            )]
        );
    }

    #[test]
    fn percent_never_goes_backwards() {
        let state = apply_progress(
            ProgressState::default(),
            &ProgressUpdate {
                percent: Some(60),
                ..update()
            },
        );
        assert_eq!(state.percent, 60);
        assert_eq!(state.status(), ProgressStatus::InProgress);
        let state = apply_progress(
            state,
            &ProgressUpdate {
                percent: Some(20),
                ..update()
            },
        );
        assert_eq!(state.percent, 60);
        let state = apply_progress(
            state,
            &ProgressUpdate {
                percent: Some(75),
                ..update()
            },
        );
        assert_eq!(state.percent, 75);
        assert!(!state.completed);
    }

    #[test]
    fn completion_forces_100_and_sticks() {
        let state = apply_progress(
            ProgressState {
                percent: 40,
                ..ProgressState::default()
            },
            &ProgressUpdate {
                completed: Some(true),
                ..update()
            },
        );
        assert!(state.completed);
        assert_eq!(state.percent, 100);
        assert_eq!(state.status(), ProgressStatus::Completed);

        let state = apply_progress(
            state,
            &ProgressUpdate {
                completed: Some(false),
                percent: Some(10),
                ..update()
            },
        );
        assert!(state.completed);
        assert_eq!(state.percent, 100);
    }

    #[test]
    fn reaching_100_percent_completes() {
        let state = apply_progress(
            ProgressState::default(),
            &ProgressUpdate {
                percent: Some(100),
                completed: Some(false),
                ..update()
            },
        );
        assert!(state.completed);
    }

    #[test]
    fn position_follows_the_student_and_time_accumulates() {
        let mut state = ProgressState::default();
        assert_eq!(state.status(), ProgressStatus::NotStarted);
        for (position, delta) in [(300, 300), (120, 60), (900, 0)] {
            state = apply_progress(
                state,
                &ProgressUpdate {
                    position_seconds: Some(position),
                    time_spent_delta_seconds: Some(delta),
                    ..update()
                },
            );
            assert_eq!(state.position_seconds, position);
        }
        assert_eq!(state.time_spent_seconds, 360);
        assert_eq!(state.percent, 0);
        assert_eq!(state.status(), ProgressStatus::InProgress);

        // An absent field leaves the value alone.
        let same = apply_progress(
            state,
            &ProgressUpdate {
                percent: Some(0),
                ..update()
            },
        );
        assert_eq!(same, state);
    }

    #[test]
    fn retrying_without_a_delta_is_idempotent() {
        let report = ProgressUpdate {
            percent: Some(50),
            position_seconds: Some(30),
            completed: Some(false),
            ..update()
        };
        let once = apply_progress(ProgressState::default(), &report);
        assert_eq!(apply_progress(once, &report), once);
    }

    #[test]
    fn apply_clamps_unvalidated_values() {
        let state = apply_progress(
            ProgressState {
                time_spent_seconds: i64::MAX - 1,
                ..ProgressState::default()
            },
            &ProgressUpdate {
                percent: Some(500),
                position_seconds: Some(-3),
                time_spent_delta_seconds: Some(10),
                completed: None,
            },
        );
        assert_eq!(state.percent, 100);
        assert!(state.completed);
        assert_eq!(state.position_seconds, 0);
        assert_eq!(state.time_spent_seconds, i64::MAX);
    }

    #[test]
    fn enrollment_percent_edges() {
        assert_eq!(enrollment_percent(0, 0), 0);
        assert_eq!(enrollment_percent(3, 0), 0);
        assert_eq!(enrollment_percent(0, 3), 0);
        assert_eq!(enrollment_percent(1, 3), 33);
        assert_eq!(enrollment_percent(2, 3), 66);
        assert_eq!(enrollment_percent(3, 3), 100);
        assert_eq!(enrollment_percent(199, 200), 99);
        assert_eq!(enrollment_percent(4, 3), 100);
        assert_eq!(enrollment_percent(-1, 3), 0);
        assert_eq!(enrollment_percent(i64::MAX - 1, i64::MAX), 99);
        for total in 1..=300 {
            for done in 0..total {
                assert!(enrollment_percent(done, total) < 100, "{done}/{total}");
            }
        }
    }

    #[test]
    fn enrollment_complete_needs_every_required_material() {
        assert!(!enrollment_complete(0, 0));
        assert!(!enrollment_complete(2, 3));
        assert!(enrollment_complete(3, 3));
        assert!(!enrollment_complete(1, -1));
    }
}
