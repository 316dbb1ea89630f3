//! Questions as drawn into an attempt, what a learner may see of them before
//! submitting, and scoring on the server.
//!
//! An attempt stores its questions as [`QuestionSnapshot`]s: later edits to
//! the bank change neither what the learner was asked nor how it is scored.
//! The answer key travels only in the snapshot; everything sent to a learner
//! before submission is a [`LearnerQuestion`], which has no field to hold it.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{AssessmentKind, QuestionKind};
use crate::catalog::text::{check_controls, check_len};
use crate::{FieldIssue, Id};

/// One option of a question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerOption {
    pub id: Id,
    pub text: String,
}

/// A question as drawn from the bank into an attempt, answer key included.
///
/// The texts are plain strings, not parsed types: a snapshot is a record of
/// what was asked and must read back even if the bank's rules tighten later.
/// [`validate`](Self::validate) checks them when a bank item is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionSnapshot {
    /// The bank item.
    pub id: Id,
    /// The bank item's version that was drawn, for item statistics.
    pub version: i64,
    pub kind: QuestionKind,
    pub prompt: String,
    /// In the order shown to this learner.
    pub options: Vec<AnswerOption>,
    /// The ids of the correct options; empty for an evaluation item.
    pub correct: Vec<Id>,
    /// Why the answer is what it is; shown only after submission.
    pub rationale: String,
    /// What a correct answer is worth; zero for an evaluation item.
    pub points: i64,
}

/// A question as a learner sees it before submitting: the snapshot without
/// its answer key and rationale. A separate type rather than a skipped field,
/// so that no serialisation setting or new code path can leak the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LearnerQuestion {
    pub id: Id,
    pub kind: QuestionKind,
    pub prompt: String,
    pub options: Vec<AnswerOption>,
    pub points: i64,
}

impl QuestionSnapshot {
    pub const MAX_PROMPT_CHARS: usize = 2000;
    pub const MAX_OPTION_CHARS: usize = 500;
    pub const MAX_RATIONALE_CHARS: usize = 5000;
    pub const MIN_OPTIONS: usize = 2;
    pub const MAX_OPTIONS: usize = 10;
    pub const MAX_POINTS: i64 = 100;

    /// What the learner may see before submitting.
    pub fn learner_view(&self) -> LearnerQuestion {
        LearnerQuestion {
            id: self.id,
            kind: self.kind,
            prompt: self.prompt.clone(),
            options: self.options.clone(),
            points: self.points,
        }
    }

    /// Every problem with a bank item for an assessment of `assessment`'s
    /// kind, each under its path (`prompt`, `options[2].text`, `correct`).
    ///
    /// Scored items need 1 to 100 points and an answer key: exactly one
    /// correct option for single choice, at least one for multiple choice.
    /// Evaluation items ask for an opinion: no key, no points.
    pub fn validate(&self, assessment: AssessmentKind) -> Result<(), Vec<(String, FieldIssue)>> {
        let mut issues = Vec::new();
        let mut reject = |field: String, issue| issues.push((field, issue));

        if let Err(issue) = required_text(&self.prompt, Self::MAX_PROMPT_CHARS) {
            reject("prompt".into(), issue);
        }
        if !(Self::MIN_OPTIONS..=Self::MAX_OPTIONS).contains(&self.options.len()) {
            reject(
                "options".into(),
                FieldIssue::new(
                    "out_of_range",
                    format!(
                        "must have between {} and {} options",
                        Self::MIN_OPTIONS,
                        Self::MAX_OPTIONS
                    ),
                ),
            );
        }
        let mut seen = HashSet::new();
        for (i, option) in self.options.iter().enumerate() {
            if !seen.insert(option.id) {
                reject(
                    format!("options[{i}].id"),
                    FieldIssue::invalid("must not repeat another option's id"),
                );
            }
            if let Err(issue) = required_text(&option.text, Self::MAX_OPTION_CHARS) {
                reject(format!("options[{i}].text"), issue);
            }
        }
        // The rationale may be empty: not every item needs explaining.
        if let Err(issue) = check_len(&self.rationale, Self::MAX_RATIONALE_CHARS)
            .and_then(|()| check_controls(&self.rationale, true))
        {
            reject("rationale".into(), issue);
        }

        if assessment.is_scored() {
            if !(1..=Self::MAX_POINTS).contains(&self.points) {
                reject(
                    "points".into(),
                    FieldIssue::new(
                        "out_of_range",
                        format!("must be between 1 and {}", Self::MAX_POINTS),
                    ),
                );
            }
            let distinct: HashSet<Id> = self.correct.iter().copied().collect();
            if distinct.len() != self.correct.len() {
                reject(
                    "correct".into(),
                    FieldIssue::invalid("must not list an option twice"),
                );
            } else if self.correct.iter().any(|id| !seen.contains(id)) {
                reject(
                    "correct".into(),
                    FieldIssue::invalid("must list only this question's options"),
                );
            } else {
                match (self.kind, self.correct.len()) {
                    (QuestionKind::SingleChoice, 1) => {}
                    (QuestionKind::SingleChoice, _) => reject(
                        "correct".into(),
                        FieldIssue::invalid(
                            "a single-choice question has exactly one correct option",
                        ),
                    ),
                    (QuestionKind::MultipleChoice, 0) => {
                        reject("correct".into(), FieldIssue::required())
                    }
                    (QuestionKind::MultipleChoice, _) => {}
                }
            }
        } else {
            if !self.correct.is_empty() {
                reject(
                    "correct".into(),
                    FieldIssue::invalid("an evaluation question has no correct answer"),
                );
            }
            if self.points != 0 {
                reject(
                    "points".into(),
                    FieldIssue::invalid("an evaluation question is not scored"),
                );
            }
        }

        if issues.is_empty() {
            Ok(())
        } else {
            Err(issues)
        }
    }
}

fn required_text(text: &str, max_chars: usize) -> Result<(), FieldIssue> {
    if text.trim().is_empty() {
        return Err(FieldIssue::required());
    }
    check_len(text, max_chars)?;
    check_controls(text, true)
}

/// A learner's answer to one question: the options chosen. An empty list, or
/// no answer at all for a question, leaves it unanswered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub question_id: Id,
    pub option_ids: Vec<Id>,
}

/// Checks answers against the attempt's questions, each problem under its
/// path in the request body (`answers[1].option_ids[0]`): an answer to a
/// question not in the attempt, a question answered twice, an option that
/// is not the question's, an option chosen twice, or more than one option
/// for a single-choice question. Unanswered questions are fine here; see
/// [`unanswered`].
///
/// Refused rather than ignored: an id the attempt never offered is a broken
/// or forged client, and scoring around it would hide that.
pub fn check_answers(
    questions: &[QuestionSnapshot],
    answers: &[Answer],
) -> Result<(), Vec<(String, FieldIssue)>> {
    let mut issues = Vec::new();
    let mut answered = HashSet::new();
    for (i, answer) in answers.iter().enumerate() {
        let Some(question) = questions.iter().find(|q| q.id == answer.question_id) else {
            issues.push((
                format!("answers[{i}].question_id"),
                FieldIssue::invalid("is not a question of this attempt"),
            ));
            continue;
        };
        if !answered.insert(question.id) {
            issues.push((
                format!("answers[{i}].question_id"),
                FieldIssue::invalid("answers a question already answered"),
            ));
            continue;
        }
        let mut chosen = HashSet::new();
        for (j, option_id) in answer.option_ids.iter().enumerate() {
            if !question.options.iter().any(|o| o.id == *option_id) {
                issues.push((
                    format!("answers[{i}].option_ids[{j}]"),
                    FieldIssue::invalid("is not an option of this question"),
                ));
            } else if !chosen.insert(*option_id) {
                issues.push((
                    format!("answers[{i}].option_ids[{j}]"),
                    FieldIssue::invalid("is chosen twice"),
                ));
            }
        }
        if question.kind == QuestionKind::SingleChoice && answer.option_ids.len() > 1 {
            issues.push((
                format!("answers[{i}].option_ids"),
                FieldIssue::invalid("must choose at most one option"),
            ));
        }
    }
    if issues.is_empty() {
        Ok(())
    } else {
        Err(issues)
    }
}

/// The questions without a chosen option, in the attempt's order: an
/// evaluation is only submitted complete, and a test's page can warn before
/// submitting.
pub fn unanswered(questions: &[QuestionSnapshot], answers: &[Answer]) -> Vec<Id> {
    questions
        .iter()
        .filter(|q| {
            !answers
                .iter()
                .any(|a| a.question_id == q.id && !a.option_ids.is_empty())
        })
        .map(|q| q.id)
        .collect()
}

/// The pass mark of a test, in whole percent (1 to 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "i64", try_from = "i64")]
pub struct PassMark(i64);

impl PassMark {
    pub fn parse(percent: i64) -> Result<Self, FieldIssue> {
        if (1..=100).contains(&percent) {
            Ok(Self(percent))
        } else {
            Err(FieldIssue::new("out_of_range", "must be between 1 and 100"))
        }
    }

    pub const fn percent(self) -> i64 {
        self.0
    }
}

impl From<PassMark> for i64 {
    fn from(mark: PassMark) -> Self {
        mark.0
    }
}

impl TryFrom<i64> for PassMark {
    type Error = FieldIssue;

    fn try_from(percent: i64) -> Result<Self, Self::Error> {
        Self::parse(percent)
    }
}

/// How one question was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionResult {
    pub question_id: Id,
    pub correct: bool,
    pub points_awarded: i64,
}

/// The outcome of a submitted attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    /// In the attempt's order of questions.
    pub results: Vec<QuestionResult>,
    pub points: i64,
    pub possible: i64,
    pub passed: bool,
}

impl Score {
    /// The percentage in hundredths, rounded down (6999 is 69.99 %): never
    /// shows a failed attempt as having reached the mark.
    pub fn percent_hundredths(&self) -> i64 {
        if self.possible <= 0 {
            return 0;
        }
        let exact = i128::from(self.points) * 10_000 / i128::from(self.possible);
        i64::try_from(exact).unwrap_or(0)
    }
}

/// Scores answers on the server from the stored snapshot; nothing the client
/// says about right or wrong is consulted.
///
/// A question counts as correct when the set of chosen options equals the
/// set of correct ones (no partial credit: choosing two of three correct
/// options is wrong); unanswered counts as wrong. The attempt passes when
/// `points / possible ≥ pass_mark / 100`, decided in integers as
/// `points × 100 ≥ pass_mark × possible`, so a score exactly at the mark
/// passes and the smallest step below it fails. An attempt with nothing to
/// score never passes.
pub fn score(
    questions: &[QuestionSnapshot],
    answers: &[Answer],
    pass_mark: PassMark,
) -> Result<Score, Vec<(String, FieldIssue)>> {
    check_answers(questions, answers)?;
    let results: Vec<QuestionResult> = questions
        .iter()
        .map(|question| {
            let chosen: HashSet<Id> = answers
                .iter()
                .find(|a| a.question_id == question.id)
                .map(|a| a.option_ids.iter().copied().collect())
                .unwrap_or_default();
            let key: HashSet<Id> = question.correct.iter().copied().collect();
            let correct = !key.is_empty() && chosen == key;
            QuestionResult {
                question_id: question.id,
                correct,
                points_awarded: if correct { question.points } else { 0 },
            }
        })
        .collect();
    let points: i64 = results.iter().map(|r| r.points_awarded).sum();
    let possible: i64 = questions.iter().map(|q| q.points).sum();
    let passed =
        possible > 0 && i128::from(points) * 100 >= i128::from(pass_mark.0) * i128::from(possible);
    Ok(Score {
        results,
        points,
        possible,
        passed,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Ids that read well in failures: question `n`, option `m` of it.
    pub(crate) fn id(n: u128) -> Id {
        Id::from_uuid(uuid::Uuid::from_u128(n))
    }

    pub(crate) fn question(
        n: u128,
        kind: QuestionKind,
        correct: &[u128],
        points: i64,
    ) -> QuestionSnapshot {
        QuestionSnapshot {
            id: id(n * 100),
            version: 1,
            kind,
            prompt: format!("Question {n}?"),
            options: (1..=4)
                .map(|m| AnswerOption {
                    id: id(n * 100 + m),
                    text: format!("Option {m}"),
                })
                .collect(),
            correct: correct.iter().map(|&m| id(n * 100 + m)).collect(),
            rationale: format!("Because of {n}."),
            points,
        }
    }

    fn single(n: u128, points: i64) -> QuestionSnapshot {
        question(n, QuestionKind::SingleChoice, &[1], points)
    }

    fn answer(n: u128, options: &[u128]) -> Answer {
        Answer {
            question_id: id(n * 100),
            option_ids: options.iter().map(|&m| id(n * 100 + m)).collect(),
        }
    }

    fn mark(percent: i64) -> PassMark {
        PassMark::parse(percent).expect("valid")
    }

    #[test]
    fn exactly_at_the_pass_mark_passes_and_one_point_below_fails() {
        let questions: Vec<_> = (1..=10).map(|n| single(n, 1)).collect();
        let right = |count: u128| -> Vec<Answer> {
            (1..=10)
                .map(|n| answer(n, if n <= count { &[1] } else { &[2] }))
                .collect()
        };
        let seven = score(&questions, &right(7), mark(70)).expect("valid");
        assert_eq!((seven.points, seven.possible, seven.passed), (7, 10, true));
        assert_eq!(seven.percent_hundredths(), 7000);
        let six = score(&questions, &right(6), mark(70)).expect("valid");
        assert_eq!((six.points, six.passed), (6, false));
    }

    #[test]
    fn a_hundredth_of_a_percent_below_the_mark_fails() {
        // 99 questions of 100 points, one of 99 and one of 1: 10 000 in all.
        let mut questions: Vec<_> = (1..=99).map(|n| single(n, 100)).collect();
        questions.push(single(100, 99));
        questions.push(single(101, 1));
        let mut answers: Vec<_> = (1..=69).map(|n| answer(n, &[1])).collect();
        answers.push(answer(100, &[1]));
        let below = score(&questions, &answers, mark(70)).expect("valid");
        assert_eq!((below.points, below.possible), (6999, 10_000));
        assert_eq!(below.percent_hundredths(), 6999);
        assert!(!below.passed);
        answers.push(answer(101, &[1]));
        let at = score(&questions, &answers, mark(70)).expect("valid");
        assert_eq!(
            (at.points, at.percent_hundredths(), at.passed),
            (7000, 7000, true)
        );
    }

    #[test]
    fn percent_rounds_down() {
        let questions: Vec<_> = (1..=3).map(|n| single(n, 1)).collect();
        let two = score(&questions, &[answer(1, &[1]), answer(2, &[1])], mark(67)).expect("valid");
        assert_eq!(two.percent_hundredths(), 6666);
        assert!(!two.passed, "66.67 % is below 67 %");
        assert!(
            score(&questions, &[answer(1, &[1]), answer(2, &[1])], mark(66))
                .expect("valid")
                .passed
        );
    }

    #[test]
    fn multiple_choice_needs_exactly_the_correct_set() {
        let q = question(1, QuestionKind::MultipleChoice, &[1, 3], 2);
        let result = |options: &[u128]| {
            score(std::slice::from_ref(&q), &[answer(1, options)], mark(100))
                .expect("valid")
                .results[0]
        };
        assert!(result(&[1, 3]).correct);
        assert!(result(&[3, 1]).correct, "order does not matter");
        assert_eq!(result(&[3, 1]).points_awarded, 2);
        assert!(!result(&[1]).correct, "a subset is wrong");
        assert!(!result(&[1, 2, 3]).correct, "a superset is wrong");
        assert!(!result(&[]).correct);
        assert_eq!(result(&[1]).points_awarded, 0);
    }

    #[test]
    fn unanswered_questions_count_as_wrong() {
        let questions = vec![single(1, 1), single(2, 1)];
        let scored = score(&questions, &[answer(1, &[1])], mark(50)).expect("valid");
        assert_eq!(
            scored.results,
            vec![
                QuestionResult {
                    question_id: id(100),
                    correct: true,
                    points_awarded: 1
                },
                QuestionResult {
                    question_id: id(200),
                    correct: false,
                    points_awarded: 0
                },
            ]
        );
        assert!(scored.passed);
        assert_eq!(unanswered(&questions, &[answer(1, &[1])]), vec![id(200)]);
        assert_eq!(
            unanswered(&questions, &[answer(1, &[1]), answer(2, &[])]),
            vec![id(200)]
        );
        assert!(unanswered(&questions, &[answer(2, &[3]), answer(1, &[1])]).is_empty());
    }

    #[test]
    fn nothing_to_score_never_passes() {
        let scored = score(&[], &[], mark(1)).expect("valid");
        assert_eq!(
            (scored.possible, scored.percent_hundredths(), scored.passed),
            (0, 0, false)
        );
    }

    #[test]
    fn unknown_and_repeated_ids_are_refused_with_their_paths() {
        let questions = vec![
            single(1, 1),
            question(2, QuestionKind::MultipleChoice, &[1], 1),
        ];
        let stranger = Answer {
            question_id: id(900),
            option_ids: vec![],
        };
        let foreign_option = Answer {
            question_id: id(100),
            option_ids: vec![id(201)],
        };
        let issues = score(
            &questions,
            &[
                stranger,
                foreign_option,
                answer(2, &[1, 1]),
                answer(2, &[2]),
            ],
            mark(50),
        )
        .expect_err("refused");
        let paths: Vec<(&str, &str)> = issues
            .iter()
            .map(|(path, issue)| (path.as_str(), issue.message.as_str()))
            .collect();
        assert_eq!(
            paths,
            [
                (
                    "answers[0].question_id",
                    "is not a question of this attempt"
                ),
                (
                    "answers[1].option_ids[0]",
                    "is not an option of this question"
                ),
                ("answers[2].option_ids[1]", "is chosen twice"),
                (
                    "answers[3].question_id",
                    "answers a question already answered"
                ),
            ]
        );
        let two_for_single = check_answers(&questions, &[answer(1, &[1, 2])]).expect_err("two");
        assert_eq!(two_for_single[0].0, "answers[0].option_ids");
        assert_eq!(check_answers(&questions, &[answer(1, &[2])]), Ok(()));
    }

    #[test]
    fn the_learner_view_carries_no_answer_key() {
        let q = question(1, QuestionKind::MultipleChoice, &[1, 3], 2);
        let view = q.learner_view();
        assert_eq!(view.options, q.options);
        let json = serde_json::to_value(&view).expect("ser");
        let mut keys: Vec<&str> = json
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["id", "kind", "options", "points", "prompt"]);
        let text = json.to_string();
        assert!(!text.contains("correct") && !text.contains("rationale"));
        assert!(!text.contains("Because of"));
    }

    #[test]
    fn snapshots_round_trip_through_json() {
        let q = question(1, QuestionKind::SingleChoice, &[2], 3);
        let json = serde_json::to_string(&q).expect("ser");
        assert_eq!(
            serde_json::from_str::<QuestionSnapshot>(&json).expect("de"),
            q
        );
    }

    #[test]
    fn pass_marks_are_whole_percent() {
        assert_eq!(mark(70).percent(), 70);
        assert_eq!(PassMark::parse(0).expect_err("zero").code, "out_of_range");
        assert_eq!(PassMark::parse(101).expect_err("over").code, "out_of_range");
        assert_eq!(serde_json::to_string(&mark(80)).expect("ser"), "80");
        assert!(serde_json::from_str::<PassMark>("0").is_err());
        assert_eq!(i64::from(mark(80)), 80);
    }

    #[test]
    fn sound_bank_items() {
        let post = AssessmentKind::PostTest;
        assert_eq!(single(1, 1).validate(post), Ok(()));
        assert_eq!(
            question(1, QuestionKind::MultipleChoice, &[1, 2, 4], 5).validate(post),
            Ok(())
        );
        let opinion = question(1, QuestionKind::SingleChoice, &[], 0);
        assert_eq!(opinion.validate(AssessmentKind::Evaluation), Ok(()));
    }

    #[test]
    fn unsound_bank_items_name_their_fields() {
        let post = AssessmentKind::PostTest;
        let fields = |q: &QuestionSnapshot, kind| -> Vec<(String, &'static str)> {
            q.validate(kind)
                .expect_err("unsound")
                .into_iter()
                .map(|(field, issue)| (field, issue.code))
                .collect()
        };
        let owned = |pairs: &[(&str, &'static str)]| -> Vec<(String, &'static str)> {
            pairs.iter().map(|&(f, c)| (f.to_owned(), c)).collect()
        };

        let two_right = question(1, QuestionKind::SingleChoice, &[1, 2], 1);
        assert_eq!(fields(&two_right, post), owned(&[("correct", "invalid")]));
        let none_right = question(1, QuestionKind::MultipleChoice, &[], 1);
        assert_eq!(fields(&none_right, post), owned(&[("correct", "required")]));
        let mut foreign = single(1, 1);
        foreign.correct = vec![id(999)];
        assert_eq!(fields(&foreign, post), owned(&[("correct", "invalid")]));
        let mut repeated = question(1, QuestionKind::MultipleChoice, &[1, 1], 1);
        repeated.options[3].id = repeated.options[2].id;
        repeated.options[1].text = " ".into();
        repeated.prompt = String::new();
        repeated.points = 101;
        assert_eq!(
            fields(&repeated, post),
            owned(&[
                ("prompt", "required"),
                ("options[1].text", "required"),
                ("options[3].id", "invalid"),
                ("points", "out_of_range"),
                ("correct", "invalid"),
            ])
        );
        let mut lonely = single(1, 1);
        lonely.options.truncate(1);
        lonely.rationale = "x".repeat(5001);
        lonely.options[0].text = "bell\u{7}".into();
        assert_eq!(
            fields(&lonely, post),
            owned(&[
                ("options", "out_of_range"),
                ("options[0].text", "invalid"),
                ("rationale", "too_long"),
            ])
        );
        assert_eq!(
            fields(&single(1, 1), AssessmentKind::Evaluation),
            owned(&[("correct", "invalid"), ("points", "invalid")])
        );
    }
}
