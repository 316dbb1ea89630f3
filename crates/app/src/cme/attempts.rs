//! Taking a pre-test, post-test or evaluation: starting (or resuming) an
//! attempt, submitting it, and reading it back.
//!
//! The questions an attempt draws are stored with it, and the answer key
//! stays on the server until the attempt has ended: before that a learner
//! only ever receives [`LearnerQuestion`]s, which cannot hold it.

use medicaledu_domain::{
    Answer, AttemptHistory, AttemptRefusal, LearnerQuestion, QuestionSnapshot, ShuffleSeed,
    arrange, check_start, score,
};
use medicaledu_domain::{AssessmentKind, AttemptStatus, Id, Timestamp};
use medicaledu_store::cme::activities;
use medicaledu_store::cme::assessments::{self, AssessmentRow};
use medicaledu_store::cme::attempts::{self, AttemptRow, Ending, InsertAttemptError};
use medicaledu_store::{Tx, enrollments};
use serde_json::json;
use sqlx::types::Json;

use super::assessments::policy_of;
use crate::audit::{self, Change};
use crate::{Actor, AppContext, FieldError, Internal, Invalid, RequestMeta};

#[derive(Debug, thiserror::Error)]
pub enum AttemptError {
    #[error("{0} not found.")]
    NotFound(&'static str),
    #[error("Enroll in the course first.")]
    NotEnrolled,
    #[error("The assessment has no questions yet.")]
    NoQuestions,
    #[error("This test has already been passed.")]
    AlreadyPassed,
    #[error("All {max} attempts have been used.")]
    LimitReached { max: i64 },
    #[error("The next attempt can start at {until}.")]
    CoolingDown { until: Timestamp },
    #[error("This attempt has already ended.")]
    Ended,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(AttemptError);

crate::failure!(AttemptError {
    NotFound(_) => NotFound,
    NotEnrolled => NotEligible,
    NoQuestions => NoQuestions,
    AlreadyPassed => AlreadyPassed,
    LimitReached { .. } => AttemptLimit,
    CoolingDown { .. } => CoolingDown,
    Ended => AttemptEnded,
} wraps {
    Invalid(Invalid),
    Internal(Internal),
});

/// A question once its attempt has ended: what was right, what was chosen, why.
#[derive(Clone, Debug)]
pub struct ReviewItem {
    pub question_id: Id,
    pub correct_option_ids: Vec<Id>,
    pub chosen_option_ids: Vec<Id>,
    pub correct: bool,
    pub rationale: String,
}

/// An attempt as its learner sees it.
#[derive(Clone, Debug)]
pub struct AttemptView {
    pub id: Id,
    /// The course whose activity the assessment belongs to, so a page can
    /// lead back to it.
    pub course_id: Id,
    pub kind: AssessmentKind,
    pub attempt_number: i64,
    pub status: AttemptStatus,
    pub started_at: Timestamp,
    /// When the time limit runs out, as the learner's clock should show it.
    pub due_at: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
    pub pass_mark_percent: Option<i64>,
    pub score_hundredths: Option<i64>,
    pub passed: Option<bool>,
    pub questions: Vec<LearnerQuestion>,
    /// Only once the attempt has ended.
    pub review: Option<Vec<ReviewItem>>,
    /// Attempts allowed in all, if limited.
    pub max_attempts: Option<i64>,
}

fn view(attempt: &AttemptRow, assessment: &AssessmentRow, course_id: Id) -> AttemptView {
    let questions: Vec<LearnerQuestion> = attempt
        .questions
        .0
        .iter()
        .map(QuestionSnapshot::learner_view)
        .collect();
    // The key and rationales are shown once they can no longer help a retake:
    // after a pass, or when no attempt is left. Before that a learner learns
    // which questions they got wrong, not the answers.
    let no_retake = attempt.passed == Some(true)
        || assessment
            .max_attempts
            .is_some_and(|max| attempt.attempt_number >= max);
    let review = (attempt.status != AttemptStatus::InProgress).then(|| review(attempt, no_retake));
    AttemptView {
        id: attempt.id,
        course_id,
        kind: assessment.kind,
        attempt_number: attempt.attempt_number,
        status: attempt.status,
        started_at: attempt.started_at,
        due_at: attempt.due_at,
        ended_at: attempt.ended_at,
        pass_mark_percent: assessment
            .kind
            .is_scored()
            .then_some(assessment.pass_mark_percent),
        score_hundredths: attempt.score_hundredths,
        passed: attempt.passed,
        questions,
        review,
        max_attempts: assessment.max_attempts,
    }
}

fn review(attempt: &AttemptRow, reveal_key: bool) -> Vec<ReviewItem> {
    let answers: &[Answer] = attempt.answers.as_ref().map_or(&[], |a| a.0.as_slice());
    attempt
        .questions
        .0
        .iter()
        .map(|q| {
            let chosen: Vec<Id> = answers
                .iter()
                .find(|a| a.question_id == q.id)
                .map(|a| a.option_ids.clone())
                .unwrap_or_default();
            let mut sorted_chosen = chosen.clone();
            sorted_chosen.sort();
            let mut key = q.correct.clone();
            key.sort();
            ReviewItem {
                question_id: q.id,
                correct: !key.is_empty() && key == sorted_chosen,
                correct_option_ids: if reveal_key {
                    q.correct.clone()
                } else {
                    Vec::new()
                },
                chosen_option_ids: chosen,
                rationale: if reveal_key {
                    q.rationale.clone()
                } else {
                    String::new()
                },
            }
        })
        .collect()
}

async fn assessment_of_course(
    tx: &mut Tx,
    course_id: Id,
    kind: AssessmentKind,
) -> Result<AssessmentRow, AttemptError> {
    let activity = activities::find_by_course_tx(tx, course_id)
        .await?
        .ok_or(AttemptError::NotFound("CME activity"))?;
    assessments::find_tx(tx, activity.id, kind)
        .await?
        .ok_or(AttemptError::NotFound("Assessment"))
}

/// Ends an attempt whose time (and grace) ran out, as of when it ran out.
async fn expire_if_overdue(
    tx: &mut Tx,
    attempt: &AttemptRow,
    assessment: &AssessmentRow,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let policy = policy_of(assessment);
    match policy.expires_at(attempt.started_at) {
        Some(expires_at) if now > expires_at => {
            attempts::end(
                tx,
                attempt.id,
                &Ending {
                    status: AttemptStatus::Expired,
                    answers: None,
                    score_hundredths: None,
                    passed: None,
                    ended_at: expires_at,
                },
            )
            .await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Starts the learner's next attempt, or resumes the one in progress: a
/// second tab gets the same attempt, never a second one.
///
/// The decision is read inside the write transaction; two replicas starting
/// at once collide on the unique attempt number or the one-in-progress index,
/// and the loser reads again (and resumes what the winner started).
pub async fn start(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    course_id: Id,
    kind: AssessmentKind,
) -> Result<AttemptView, AttemptError> {
    if enrollments::find_live_for(&ctx.db, actor.id(), course_id)
        .await?
        .is_none()
    {
        return Err(AttemptError::NotEnrolled);
    }
    for _ in 0..5 {
        let mut tx = ctx.db.begin_write().await?;
        // Read the clock once the write lock is held, so it is never behind
        // the end of an attempt another request just submitted.
        let now = ctx.now();
        let assessment = assessment_of_course(&mut tx, course_id, kind).await?;
        if let Some(open) = attempts::in_progress_tx(&mut tx, assessment.id, actor.id()).await?
            && !expire_if_overdue(&mut tx, &open, &assessment, now).await?
        {
            tx.commit().await?;
            return Ok(view(&open, &assessment, course_id));
        }
        let policy = policy_of(&assessment);
        let history = attempts::history_tx(&mut tx, assessment.id, actor.id()).await?;
        let number = match check_start(&policy, &history, now) {
            Ok(number) => number,
            // Another request's attempt committed between the two reads
            // (PostgreSQL reads each statement afresh): go round and resume it.
            Err(AttemptRefusal::InProgress) => {
                drop(tx);
                continue;
            }
            Err(AttemptRefusal::AlreadyPassed) => return Err(AttemptError::AlreadyPassed),
            Err(AttemptRefusal::LimitReached { max }) => {
                return Err(AttemptError::LimitReached { max });
            }
            Err(AttemptRefusal::CoolingDown { until }) => {
                return Err(AttemptError::CoolingDown { until });
            }
        };
        let bank = assessments::questions_tx(&mut tx, assessment.id).await?;
        if bank.is_empty() {
            return Err(AttemptError::NoQuestions);
        }
        let drawn: Vec<QuestionSnapshot> = bank
            .into_iter()
            .map(|q| QuestionSnapshot {
                id: q.id,
                version: q.version,
                kind: q.kind,
                prompt: q.prompt,
                options: q.options.0,
                correct: q.correct.0,
                rationale: q.rationale,
                points: q.points,
            })
            .collect();
        let questions = arrange(drawn, &policy, ShuffleSeed::generate());
        let row = AttemptRow {
            id: Id::generate(),
            assessment_id: assessment.id,
            learner_id: actor.id(),
            attempt_number: number,
            status: AttemptStatus::InProgress,
            questions: Json(questions),
            answers: None,
            score_hundredths: None,
            passed: None,
            started_at: now,
            due_at: policy.due_at(now),
            ended_at: None,
        };
        match attempts::insert(&mut tx, &row).await {
            Ok(()) => {}
            Err(InsertAttemptError::Conflict) => {
                drop(tx);
                continue;
            }
            Err(InsertAttemptError::Database(e)) => return Err(e.into()),
        }
        audit::record(&mut tx, meta, now, Change {
            actor: Some(actor.id()),
            action: "cme_attempt.started",
            entity_type: "cme_attempt",
            entity_id: row.id,
            changes: json!({ "assessment_id": assessment.id, "kind": kind, "attempt_number": number }),
        })
        .await?;
        tx.commit().await?;
        return Ok(view(&row, &assessment, course_id));
    }
    Err(AttemptError::Internal(Internal::invariant(
        "attempt start kept colliding with concurrent starts",
    )))
}

/// Scores and ends an attempt. After the deadline and its grace the attempt
/// ends `expired`, unscored, whatever was sent.
pub async fn submit(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    attempt_id: Id,
    answers: Vec<Answer>,
) -> Result<AttemptView, AttemptError> {
    let mut tx = ctx.db.begin_write().await?;
    let now = ctx.now();
    let attempt = attempts::find_tx(&mut tx, attempt_id)
        .await?
        .filter(|a| a.learner_id == actor.id())
        .ok_or(AttemptError::NotFound("Attempt"))?;
    if attempt.status != AttemptStatus::InProgress {
        return Err(AttemptError::Ended);
    }
    let assessment = assessment_by_id(&mut tx, attempt.assessment_id).await?;
    let course_id = course_of(&mut tx, &assessment).await?;
    let policy = policy_of(&assessment);
    let status = policy.submission_status(attempt.started_at, now);
    let ending = if status == AttemptStatus::Expired {
        Ending {
            status,
            answers: None,
            score_hundredths: None,
            passed: None,
            ended_at: now,
        }
    } else {
        let outcome =
            score(&attempt.questions.0, &answers, policy.pass_mark).map_err(|issues| {
                Invalid(
                    issues
                        .into_iter()
                        .map(|(field, issue)| FieldError::from_issue(field, issue))
                        .collect(),
                )
            })?;
        let scored = assessment.kind.is_scored();
        Ending {
            status,
            answers: Some(&answers),
            score_hundredths: scored.then(|| outcome.percent_hundredths()),
            passed: scored.then_some(outcome.passed),
            ended_at: now,
        }
    };
    if !attempts::end(&mut tx, attempt.id, &ending).await? {
        return Err(AttemptError::Ended);
    }
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "cme_attempt.ended",
            entity_type: "cme_attempt",
            entity_id: attempt.id,
            changes: json!({
                "status": ending.status,
                "score_hundredths": ending.score_hundredths,
                "passed": ending.passed,
            }),
        },
    )
    .await?;
    let ended = attempts::find_tx(&mut tx, attempt.id)
        .await?
        .ok_or(AttemptError::NotFound("Attempt"))?;
    tx.commit().await?;
    Ok(view(&ended, &assessment, course_id))
}

async fn assessment_by_id(tx: &mut Tx, id: Id) -> Result<AssessmentRow, AttemptError> {
    assessments::find_by_id_tx(tx, id)
        .await?
        .ok_or(AttemptError::NotFound("Assessment"))
}

/// The course of the assessment's activity, even one deleted since: an
/// attempt stays the learner's to read.
async fn course_of(tx: &mut Tx, assessment: &AssessmentRow) -> Result<Id, AttemptError> {
    Ok(activities::find_any_tx(tx, assessment.activity_id)
        .await?
        .ok_or_else(|| Internal::invariant("an assessment's activity is gone"))?
        .course_id)
}

/// One of the learner's attempts.
pub async fn get(
    ctx: &AppContext,
    actor: &Actor,
    attempt_id: Id,
) -> Result<AttemptView, AttemptError> {
    let mut tx = ctx.db.begin_write().await?;
    let attempt = attempts::find_tx(&mut tx, attempt_id)
        .await?
        .filter(|a| a.learner_id == actor.id())
        .ok_or(AttemptError::NotFound("Attempt"))?;
    let assessment = assessment_by_id(&mut tx, attempt.assessment_id).await?;
    let course_id = course_of(&mut tx, &assessment).await?;
    // An overdue attempt reads as what it is: expired.
    let attempt = if attempt.status == AttemptStatus::InProgress
        && expire_if_overdue(&mut tx, &attempt, &assessment, ctx.now()).await?
    {
        attempts::find_tx(&mut tx, attempt_id)
            .await?
            .ok_or(AttemptError::NotFound("Attempt"))?
    } else {
        attempt
    };
    tx.commit().await?;
    Ok(view(&attempt, &assessment, course_id))
}

/// The learner's attempts at the course's assessment of `kind`, first first.
pub async fn list(
    ctx: &AppContext,
    actor: &Actor,
    course_id: Id,
    kind: AssessmentKind,
) -> Result<Vec<AttemptView>, AttemptError> {
    let activity = activities::find_by_course(&ctx.db, course_id)
        .await?
        .ok_or(AttemptError::NotFound("CME activity"))?;
    let assessment = assessments::find(&ctx.db, activity.id, kind)
        .await?
        .ok_or(AttemptError::NotFound("Assessment"))?;
    Ok(
        attempts::list_for_learner(&ctx.db, assessment.id, actor.id())
            .await?
            .iter()
            .map(|a| view(a, &assessment, course_id))
            .collect(),
    )
}

/// One of the course's assessments as its learner stands towards it: the
/// rules they take it under, their attempts so far, and whether the next
/// may start now.
#[derive(Clone, Debug)]
pub struct Standing {
    pub kind: AssessmentKind,
    /// `None` for the unscored evaluation.
    pub pass_mark_percent: Option<i64>,
    pub max_attempts: Option<i64>,
    pub time_limit_seconds: Option<i64>,
    /// The questions an attempt started now would draw.
    pub questions: usize,
    /// First first; one whose time ran out reads as expired.
    pub attempts: Vec<AttemptView>,
    /// The number of the attempt that may start now, or why none may
    /// ([`AttemptRefusal::InProgress`]: the open one is resumed instead).
    pub next: Result<i64, AttemptRefusal>,
}

/// The course's assessments in the order they are taken (pre-test,
/// post-test, evaluation), as the learner stands towards each. Only reads:
/// an attempt whose time ran out shows as expired without being written so
/// (`get` and `start` write it).
pub async fn standing(
    ctx: &AppContext,
    actor: &Actor,
    course_id: Id,
) -> Result<Vec<Standing>, AttemptError> {
    let activity = activities::find_by_course(&ctx.db, course_id)
        .await?
        .ok_or(AttemptError::NotFound("CME activity"))?;
    let now = ctx.now();
    let mut found = assessments::for_activity(&ctx.db, activity.id).await?;
    found.sort_by_key(|a| a.kind);
    let mut standings = Vec::with_capacity(found.len());
    for assessment in found {
        let policy = policy_of(&assessment);
        let rows: Vec<AttemptRow> = attempts::list_for_learner(&ctx.db, assessment.id, actor.id())
            .await?
            .into_iter()
            .map(|row| as_of(row, &assessment, now))
            .collect();
        // The same history `start` reads in its transaction, from the rows.
        let history = AttemptHistory {
            count: rows.len() as i64,
            in_progress: rows.iter().any(|a| a.status == AttemptStatus::InProgress),
            passed: rows.iter().any(|a| a.passed == Some(true)),
            last_ended_at: rows.iter().filter_map(|a| a.ended_at).max(),
        };
        standings.push(Standing {
            kind: assessment.kind,
            pass_mark_percent: assessment
                .kind
                .is_scored()
                .then_some(assessment.pass_mark_percent),
            max_attempts: assessment.max_attempts,
            time_limit_seconds: assessment.time_limit_seconds,
            questions: assessments::questions(&ctx.db, assessment.id).await?.len(),
            next: check_start(&policy, &history, now),
            attempts: rows
                .iter()
                .map(|a| view(a, &assessment, course_id))
                .collect(),
        });
    }
    Ok(standings)
}

/// The attempt as of `now`: one still open past its deadline and grace has
/// expired, when the time ran out.
fn as_of(mut attempt: AttemptRow, assessment: &AssessmentRow, now: Timestamp) -> AttemptRow {
    if attempt.status == AttemptStatus::InProgress
        && let Some(expires_at) = policy_of(assessment)
            .expires_at(attempt.started_at)
            .filter(|at| now > *at)
    {
        attempt.status = AttemptStatus::Expired;
        attempt.ended_at = Some(expires_at);
    }
    attempt
}
