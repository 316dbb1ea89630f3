//! The rules of attempts at an assessment: how many, how far apart, how long
//! each may take, and the order their questions and options are shown in.
//!
//! The caller supplies `now` and what is stored about earlier attempts; the
//! database's unique attempt numbers and its "one in progress" index make the
//! decision stick when two tabs start at once.

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use super::{AttemptStatus, PassMark, QuestionSnapshot};
use crate::{FieldIssue, Id, Timestamp};

/// An assessment's settings for attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptPolicy {
    pub pass_mark: PassMark,
    /// `None` allows any number.
    pub max_attempts: Option<i64>,
    /// The wait after one attempt ends before the next may start; zero for none.
    pub cooldown: TimeDelta,
    /// `None` for untimed.
    pub time_limit: Option<TimeDelta>,
    /// Extra time after the limit in which a submission is still accepted,
    /// for the network and the click that came a moment late. Not shown to
    /// the learner, whose clock shows the limit.
    pub grace: TimeDelta,
    pub shuffle_questions: bool,
    pub shuffle_options: bool,
}

impl AttemptPolicy {
    pub const MAX_ATTEMPTS: i64 = 100;

    /// The longest cooldown: a week; longer ones only strand learners.
    pub fn max_cooldown() -> TimeDelta {
        TimeDelta::days(7)
    }

    /// The longest time limit: a day, for a test taken over a working day.
    pub fn max_time_limit() -> TimeDelta {
        TimeDelta::hours(24)
    }

    /// The longest grace: ten minutes. More is a second time limit.
    pub fn max_grace() -> TimeDelta {
        TimeDelta::minutes(10)
    }

    /// Every problem, each under its field's name.
    pub fn validate(&self) -> Result<(), Vec<(&'static str, FieldIssue)>> {
        let mut issues = Vec::new();
        if let Some(max) = self.max_attempts
            && !(1..=Self::MAX_ATTEMPTS).contains(&max)
        {
            issues.push((
                "max_attempts",
                FieldIssue::new(
                    "out_of_range",
                    format!("must be between 1 and {}", Self::MAX_ATTEMPTS),
                ),
            ));
        }
        if self.cooldown < TimeDelta::zero() || self.cooldown > Self::max_cooldown() {
            issues.push((
                "cooldown",
                FieldIssue::new("out_of_range", "must be between 0 and 7 days"),
            ));
        }
        if let Some(limit) = self.time_limit
            && (limit < TimeDelta::minutes(1) || limit > Self::max_time_limit())
        {
            issues.push((
                "time_limit",
                FieldIssue::new("out_of_range", "must be between 1 minute and 24 hours"),
            ));
        }
        if self.grace < TimeDelta::zero() || self.grace > Self::max_grace() {
            issues.push((
                "grace",
                FieldIssue::new("out_of_range", "must be between 0 and 10 minutes"),
            ));
        }
        if issues.is_empty() {
            Ok(())
        } else {
            Err(issues)
        }
    }

    /// Whether attempt number `n` (counting from 1) may exist.
    pub fn allows_attempt(&self, n: i64) -> bool {
        n >= 1 && self.max_attempts.is_none_or(|max| n <= max)
    }

    /// When an attempt started at `started_at` is due, as the learner's
    /// clock shows it.
    pub fn due_at(&self, started_at: Timestamp) -> Option<Timestamp> {
        self.time_limit
            .map(|limit| Timestamp::from(*started_at.as_datetime() + limit))
    }

    /// The last instant a submission is accepted (due plus grace); after it
    /// the attempt is expired, and a sweeper may mark it so.
    pub fn expires_at(&self, started_at: Timestamp) -> Option<Timestamp> {
        self.due_at(started_at)
            .map(|due| Timestamp::from(*due.as_datetime() + self.grace))
    }

    /// What a submission at `at` makes of an attempt started at
    /// `started_at`: submitted when at or before [`expires_at`](Self::expires_at),
    /// expired after it.
    pub fn submission_status(&self, started_at: Timestamp, at: Timestamp) -> AttemptStatus {
        match self.expires_at(started_at) {
            Some(expires_at) if at > expires_at => AttemptStatus::Expired,
            _ => AttemptStatus::Submitted,
        }
    }
}

/// What is stored about a learner's earlier attempts at one assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AttemptHistory {
    /// Attempts of any status, expired ones included.
    pub count: i64,
    pub in_progress: bool,
    /// Whether any submitted attempt passed.
    pub passed: bool,
    /// When the latest finished attempt was submitted or expired.
    pub last_ended_at: Option<Timestamp>,
}

/// Why a new attempt cannot start now (each a 409).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AttemptRefusal {
    /// An attempt is open: the learner resumes it instead of opening a second
    /// (the second tab of Frappe LMS's bypass).
    #[error("an attempt is already in progress")]
    InProgress,
    /// Retaking a passed test would only muddy its statistics.
    #[error("this test has already been passed")]
    AlreadyPassed,
    #[error("all {max} attempts have been used")]
    LimitReached { max: i64 },
    #[error("the next attempt can start at {until}")]
    CoolingDown { until: Timestamp },
}

impl AttemptRefusal {
    /// Stable, for programs, like [`FieldIssue::code`].
    pub const fn code(&self) -> &'static str {
        match self {
            AttemptRefusal::InProgress => "attempt_in_progress",
            AttemptRefusal::AlreadyPassed => "already_passed",
            AttemptRefusal::LimitReached { .. } => "attempt_limit",
            AttemptRefusal::CoolingDown { .. } => "cooling_down",
        }
    }
}

/// Whether a new attempt may start at `now`, and if so its number.
///
/// Checked in this order: an open attempt, a pass, the limit, the cooldown.
/// The cooldown runs from the end of the previous attempt; exactly at its end
/// the next may start.
pub fn check_start(
    policy: &AttemptPolicy,
    history: &AttemptHistory,
    now: Timestamp,
) -> Result<i64, AttemptRefusal> {
    if history.in_progress {
        return Err(AttemptRefusal::InProgress);
    }
    if history.passed {
        return Err(AttemptRefusal::AlreadyPassed);
    }
    let next = history.count.max(0) + 1;
    if let Some(max) = policy.max_attempts
        && !policy.allows_attempt(next)
    {
        return Err(AttemptRefusal::LimitReached { max });
    }
    // Without a cooldown there is nothing to wait for, whatever another
    // replica's clock wrote as the end of the last attempt.
    if let Some(ended) = history.last_ended_at.filter(|_| !policy.cooldown.is_zero()) {
        let until = Timestamp::from(*ended.as_datetime() + policy.cooldown);
        if now < until {
            return Err(AttemptRefusal::CoolingDown { until });
        }
    }
    Ok(next)
}

/// The seed an attempt's order is drawn from, stored with the attempt
/// (an `i64`, which both databases hold natively).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ShuffleSeed(i64);

impl ShuffleSeed {
    /// A fresh seed from the operating system. Not a secret (the order is
    /// shown to the learner), but unpredictable, so learners cannot share
    /// "the third option" answers.
    ///
    /// # Panics
    ///
    /// If the operating system cannot supply random bytes, as
    /// [`SessionToken::generate`](crate::SessionToken::generate).
    pub fn generate() -> Self {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
        Self(i64::from_le_bytes(bytes))
    }

    /// A seed read back from the store.
    pub const fn from_i64(seed: i64) -> Self {
        Self(seed)
    }

    pub const fn get(self) -> i64 {
        self.0
    }
}

impl std::fmt::Debug for ShuffleSeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ShuffleSeed({})", self.0)
    }
}

/// The questions of a new attempt in the order the policy asks for: shuffled
/// by `seed` when `shuffle_questions`, each question's options shuffled when
/// `shuffle_options`. The same bank and seed always give the same order, so
/// the stored snapshot can be reproduced; the options of a question are
/// shuffled by its own id, so their order does not depend on where the
/// question landed.
pub fn arrange(
    mut questions: Vec<QuestionSnapshot>,
    policy: &AttemptPolicy,
    seed: ShuffleSeed,
) -> Vec<QuestionSnapshot> {
    if policy.shuffle_questions {
        shuffle(&mut questions, seed.0 as u64);
    }
    if policy.shuffle_options {
        for question in &mut questions {
            shuffle(&mut question.options, seed.0 as u64 ^ id_bits(question.id));
        }
    }
    questions
}

fn id_bits(id: Id) -> u64 {
    let bits = id.as_uuid().as_u128();
    (bits >> 64) as u64 ^ bits as u64
}

/// Fisher–Yates driven by SplitMix64: small, fixed here (so a dependency's
/// update cannot change stored orders), and good enough for presentation.
fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    for i in (1..items.len()).rev() {
        let n = i as u64 + 1;
        // Rejection keeps each position equally likely.
        let zone = u64::MAX - u64::MAX % n;
        let j = loop {
            let x = next();
            if x < zone {
                break x % n;
            }
        };
        items.swap(i, j as usize);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::QuestionKind;
    use crate::cme::question::tests::{id, question};

    fn at(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).expect("valid")
    }

    fn policy() -> AttemptPolicy {
        AttemptPolicy {
            pass_mark: PassMark::parse(70).expect("valid"),
            max_attempts: Some(3),
            cooldown: TimeDelta::hours(1),
            time_limit: Some(TimeDelta::minutes(30)),
            grace: TimeDelta::seconds(30),
            shuffle_questions: true,
            shuffle_options: true,
        }
    }

    #[test]
    fn attempt_n_is_allowed_up_to_the_maximum() {
        let p = policy();
        assert!(p.allows_attempt(1));
        assert!(p.allows_attempt(3));
        assert!(!p.allows_attempt(4));
        assert!(!p.allows_attempt(0));
        let unlimited = AttemptPolicy {
            max_attempts: None,
            ..p
        };
        assert!(unlimited.allows_attempt(1_000));
    }

    #[test]
    fn starting_follows_the_history() {
        let p = policy();
        let now = at("2026-05-01T12:00:00Z");
        assert_eq!(check_start(&p, &AttemptHistory::default(), now), Ok(1));
        let after_one = AttemptHistory {
            count: 1,
            last_ended_at: Some(at("2026-05-01T10:00:00Z")),
            ..Default::default()
        };
        assert_eq!(check_start(&p, &after_one, now), Ok(2));
        let open = AttemptHistory {
            in_progress: true,
            ..after_one
        };
        assert_eq!(check_start(&p, &open, now), Err(AttemptRefusal::InProgress));
        let passed = AttemptHistory {
            passed: true,
            ..after_one
        };
        assert_eq!(
            check_start(&p, &passed, now),
            Err(AttemptRefusal::AlreadyPassed)
        );
        let used_up = AttemptHistory {
            count: 3,
            ..after_one
        };
        assert_eq!(
            check_start(&p, &used_up, now),
            Err(AttemptRefusal::LimitReached { max: 3 })
        );
        assert_eq!(
            AttemptRefusal::LimitReached { max: 3 }.to_string(),
            "all 3 attempts have been used"
        );
        assert_eq!(
            AttemptRefusal::LimitReached { max: 3 }.code(),
            "attempt_limit"
        );
    }

    #[test]
    fn the_cooldown_runs_from_the_end_of_the_last_attempt() {
        let p = policy();
        let history = AttemptHistory {
            count: 1,
            last_ended_at: Some(at("2026-05-01T10:00:00Z")),
            ..Default::default()
        };
        let refusal = check_start(&p, &history, at("2026-05-01T10:59:59Z"));
        assert_eq!(
            refusal,
            Err(AttemptRefusal::CoolingDown {
                until: at("2026-05-01T11:00:00Z")
            })
        );
        assert_eq!(refusal.map_err(|r| r.code()), Err("cooling_down"));
        assert_eq!(check_start(&p, &history, at("2026-05-01T11:00:00Z")), Ok(2));
        let none = AttemptPolicy {
            cooldown: TimeDelta::zero(),
            ..p
        };
        assert_eq!(
            check_start(&none, &history, at("2026-05-01T10:00:00Z")),
            Ok(2)
        );
    }

    #[test]
    fn a_submission_after_the_deadline_and_grace_is_expired() {
        let p = policy();
        let started = at("2026-05-01T09:00:00Z");
        assert_eq!(p.due_at(started), Some(at("2026-05-01T09:30:00Z")));
        assert_eq!(p.expires_at(started), Some(at("2026-05-01T09:30:30Z")));
        let status = |s: &str| p.submission_status(started, at(s));
        assert_eq!(status("2026-05-01T09:29:59Z"), AttemptStatus::Submitted);
        assert_eq!(status("2026-05-01T09:30:15Z"), AttemptStatus::Submitted);
        assert_eq!(status("2026-05-01T09:30:30Z"), AttemptStatus::Submitted);
        assert_eq!(
            status("2026-05-01T09:30:30.000001Z"),
            AttemptStatus::Expired
        );
        assert_eq!(status("2026-05-02T00:00:00Z"), AttemptStatus::Expired);
        let untimed = AttemptPolicy {
            time_limit: None,
            ..p
        };
        assert_eq!(untimed.expires_at(started), None);
        assert_eq!(
            untimed.submission_status(started, at("2027-01-01T00:00:00Z")),
            AttemptStatus::Submitted
        );
    }

    #[test]
    fn policies_are_checked() {
        assert_eq!(policy().validate(), Ok(()));
        let bad = AttemptPolicy {
            max_attempts: Some(0),
            cooldown: TimeDelta::days(8),
            time_limit: Some(TimeDelta::seconds(59)),
            grace: TimeDelta::minutes(-1),
            ..policy()
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
                ("max_attempts", "out_of_range"),
                ("cooldown", "out_of_range"),
                ("time_limit", "out_of_range"),
                ("grace", "out_of_range"),
            ]
        );
        let open = AttemptPolicy {
            max_attempts: None,
            time_limit: None,
            ..policy()
        };
        assert_eq!(open.validate(), Ok(()));
    }

    fn bank() -> Vec<QuestionSnapshot> {
        (1..=8)
            .map(|n| question(n, QuestionKind::SingleChoice, &[1], 1))
            .collect()
    }

    fn order(questions: &[QuestionSnapshot]) -> Vec<u128> {
        questions
            .iter()
            .map(|q| q.id.as_uuid().as_u128() / 100)
            .collect()
    }

    #[test]
    fn shuffling_is_a_permutation_reproduced_by_its_seed() {
        let p = policy();
        let seed = ShuffleSeed::from_i64(42);
        let first = arrange(bank(), &p, seed);
        assert_eq!(first, arrange(bank(), &p, seed), "same seed, same order");
        let mut sorted = order(&first);
        sorted.sort_unstable();
        assert_eq!(sorted, (1..=8).collect::<Vec<_>>());
        for q in &first {
            let mut options: Vec<_> = q.options.iter().map(|o| o.id).collect();
            options.sort_unstable();
            let n = q.id.as_uuid().as_u128();
            assert_eq!(options, (1..=4).map(|m| id(n + m)).collect::<Vec<_>>());
        }
        // Pinned, so that a change to the algorithm (which would make stored
        // seeds reproduce different orders) cannot pass unnoticed.
        assert_eq!(order(&first), [4, 2, 7, 3, 5, 1, 8, 6]);
        let distinct: std::collections::HashSet<Vec<u128>> = (0..20)
            .map(|s| order(&arrange(bank(), &p, ShuffleSeed::from_i64(s))))
            .collect();
        assert!(distinct.len() > 15, "seeds give different orders");
    }

    #[test]
    fn option_order_follows_the_question_not_its_position() {
        let p = policy();
        let seed = ShuffleSeed::from_i64(7);
        let options_of = |questions: &[QuestionSnapshot], n: u128| {
            questions
                .iter()
                .find(|q| q.id == id(n * 100))
                .map(|q| q.options.clone())
        };
        let with_questions = arrange(bank(), &p, seed);
        let without = arrange(
            bank(),
            &AttemptPolicy {
                shuffle_questions: false,
                ..p
            },
            seed,
        );
        assert_eq!(options_of(&with_questions, 3), options_of(&without, 3));
    }

    #[test]
    fn no_shuffling_keeps_the_bank_order() {
        let p = AttemptPolicy {
            shuffle_questions: false,
            shuffle_options: false,
            ..policy()
        };
        assert_eq!(arrange(bank(), &p, ShuffleSeed::generate()), bank());
    }

    #[test]
    fn seeds_are_stored_as_integers() {
        let seed = ShuffleSeed::generate();
        assert_eq!(ShuffleSeed::from_i64(seed.get()), seed);
        assert_eq!(
            serde_json::to_string(&ShuffleSeed::from_i64(-5)).expect("ser"),
            "-5"
        );
        assert_eq!(format!("{:?}", ShuffleSeed::from_i64(3)), "ShuffleSeed(3)");
    }
}
