//! An activity's assessments as its instructor sets them: attempt rules,
//! the question bank (versioned), and how each question fared.

use chrono::TimeDelta;
use medicaledu_domain::{AnswerOption, AttemptPolicy, PassMark, QuestionSnapshot};
use medicaledu_domain::{AssessmentKind, FieldIssue, Id, QuestionKind};
use medicaledu_store::cme::activities;
use medicaledu_store::cme::assessments::{
    self, AssessmentRow, AssessmentSettings, QuestionBody, QuestionRow,
};
use medicaledu_store::cme::attempts;
use serde_json::json;

use super::catalog::SetupError;
use super::may_manage_course;
use crate::audit::{self, Change};
use crate::{Actor, AppContext, FieldError, Fields, Invalid, RequestMeta};

/// An assessment's rules.
#[derive(Clone, Debug)]
pub struct SettingsInput {
    /// Whole percent, 1–100; ignored for an evaluation.
    pub pass_mark_percent: i64,
    pub max_attempts: Option<i64>,
    pub cooldown_seconds: i64,
    pub time_limit_seconds: Option<i64>,
    pub grace_seconds: i64,
    pub shuffle_questions: bool,
    pub shuffle_options: bool,
}

/// The attempt rules of a stored assessment.
pub(crate) fn policy_of(row: &AssessmentRow) -> AttemptPolicy {
    AttemptPolicy {
        // An evaluation is not scored: its stored mark is 0, and nobody fails it.
        pass_mark: PassMark::parse(row.pass_mark_percent).unwrap_or_else(|_| pass_any()),
        max_attempts: row.max_attempts,
        cooldown: TimeDelta::seconds(row.cooldown_seconds),
        time_limit: row.time_limit_seconds.map(TimeDelta::seconds),
        grace: TimeDelta::seconds(row.grace_seconds),
        shuffle_questions: row.shuffle_questions,
        shuffle_options: row.shuffle_options,
    }
}

/// The mark recorded for an unscored evaluation, which nobody fails.
fn pass_any() -> PassMark {
    PassMark::parse(1).expect("1 is a valid pass mark")
}

async fn activity_id_for(ctx: &AppContext, actor: &Actor, course_id: Id) -> Result<Id, SetupError> {
    match may_manage_course(ctx, actor, course_id).await? {
        None | Some(false) => return Err(SetupError::NotFound("Course")),
        Some(true) => {}
    }
    Ok(activities::find_by_course(&ctx.db, course_id)
        .await?
        .ok_or(SetupError::NotFound("CME activity"))?
        .id)
}

/// Creates the activity's assessment of `kind`, or changes its rules.
pub async fn configure(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    course_id: Id,
    kind: AssessmentKind,
    input: SettingsInput,
) -> Result<AssessmentRow, SetupError> {
    let activity_id = activity_id_for(ctx, actor, course_id).await?;
    let mut fields = Fields::default();
    let pass_mark = if kind.is_scored() {
        fields.check(
            "pass_mark_percent",
            PassMark::parse(input.pass_mark_percent),
        )
    } else {
        None
    };
    let policy = AttemptPolicy {
        pass_mark: pass_mark.unwrap_or_else(pass_any),
        max_attempts: input.max_attempts,
        cooldown: TimeDelta::seconds(input.cooldown_seconds),
        time_limit: input.time_limit_seconds.map(TimeDelta::seconds),
        grace: TimeDelta::seconds(input.grace_seconds),
        shuffle_questions: input.shuffle_questions,
        shuffle_options: input.shuffle_options,
    };
    if let Err(issues) = policy.validate() {
        for (field, issue) in issues {
            fields.push(FieldError::from_issue(field, issue));
        }
    }
    fields.finish()?;
    let settings = AssessmentSettings {
        pass_mark_percent: pass_mark.map_or(0, PassMark::percent),
        max_attempts: input.max_attempts,
        cooldown_seconds: input.cooldown_seconds,
        time_limit_seconds: input.time_limit_seconds,
        grace_seconds: input.grace_seconds,
        shuffle_questions: input.shuffle_questions,
        shuffle_options: input.shuffle_options,
    };
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let row =
        assessments::upsert(&mut tx, Id::generate(), activity_id, kind, &settings, now).await?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "cme_assessment.configured",
            entity_type: "cme_assessment",
            entity_id: row.id,
            changes: json!({
                "kind": kind,
                "pass_mark_percent": row.pass_mark_percent,
                "max_attempts": row.max_attempts,
                "cooldown_seconds": row.cooldown_seconds,
                "time_limit_seconds": row.time_limit_seconds,
                "grace_seconds": row.grace_seconds,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// A question as the instructor writes it.
#[derive(Clone, Debug)]
pub struct QuestionInput {
    pub kind: String,
    pub prompt: String,
    pub options: Vec<String>,
    /// Indexes into `options` of the correct ones; empty for an evaluation.
    pub correct: Vec<usize>,
    pub rationale: String,
    /// What a correct answer is worth (1 if not said); 0 for an evaluation.
    pub points: Option<i64>,
}

/// The bank of an assessment, answers included: for its instructor only.
#[derive(Clone, Debug)]
pub struct Bank {
    pub assessment: AssessmentRow,
    pub questions: Vec<QuestionRow>,
}

async fn assessment_for(
    ctx: &AppContext,
    actor: &Actor,
    course_id: Id,
    kind: AssessmentKind,
) -> Result<AssessmentRow, SetupError> {
    let activity_id = activity_id_for(ctx, actor, course_id).await?;
    assessments::find(&ctx.db, activity_id, kind)
        .await?
        .ok_or(SetupError::NotFound("Assessment"))
}

pub async fn bank(
    ctx: &AppContext,
    actor: &Actor,
    course_id: Id,
    kind: AssessmentKind,
) -> Result<Bank, SetupError> {
    let assessment = assessment_for(ctx, actor, course_id, kind).await?;
    let questions = assessments::questions(&ctx.db, assessment.id).await?;
    Ok(Bank {
        assessment,
        questions,
    })
}

/// Parses a question into the snapshot form the domain validates.
fn parse_question(
    input: &QuestionInput,
    question_id: Id,
    kind_of_assessment: AssessmentKind,
    existing_options: &[AnswerOption],
) -> Result<QuestionSnapshot, Invalid> {
    let mut fields = Fields::default();
    let kind = fields.check("kind", input.kind.parse::<QuestionKind>());
    // Options keep their ids across edits when their text is unchanged, so
    // item statistics and stored answers still name the same option.
    let options: Vec<AnswerOption> = input
        .options
        .iter()
        .map(|text| {
            let text = text.trim().to_owned();
            let id = existing_options
                .iter()
                .find(|o| o.text == text)
                .map_or_else(Id::generate, |o| o.id);
            AnswerOption { id, text }
        })
        .collect();
    let mut correct = Vec::new();
    for (i, index) in input.correct.iter().enumerate() {
        match options.get(*index) {
            Some(option) => correct.push(option.id),
            None => fields.push(FieldError::from_issue(
                format!("correct[{i}]"),
                FieldIssue::new("out_of_range", "must be the index of an option"),
            )),
        }
    }
    let points = input
        .points
        .unwrap_or(if kind_of_assessment.is_scored() { 1 } else { 0 });
    fields.finish()?;
    let Some(kind) = kind else {
        return Err(Invalid::default());
    };
    let snapshot = QuestionSnapshot {
        id: question_id,
        version: 1,
        kind,
        prompt: input.prompt.trim().to_owned(),
        options,
        correct,
        rationale: input.rationale.trim().to_owned(),
        points,
    };
    snapshot.validate(kind_of_assessment).map_err(|issues| {
        Invalid(
            issues
                .into_iter()
                .map(|(field, issue)| FieldError::from_issue(field, issue))
                .collect(),
        )
    })?;
    Ok(snapshot)
}

fn body(snapshot: &QuestionSnapshot) -> QuestionBody<'_> {
    QuestionBody {
        kind: snapshot.kind,
        prompt: &snapshot.prompt,
        options: &snapshot.options,
        correct: &snapshot.correct,
        rationale: &snapshot.rationale,
        points: snapshot.points,
    }
}

pub async fn add_question(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    course_id: Id,
    kind: AssessmentKind,
    input: QuestionInput,
) -> Result<QuestionRow, SetupError> {
    let assessment = assessment_for(ctx, actor, course_id, kind).await?;
    let id = Id::generate();
    let snapshot = parse_question(&input, id, kind, &[])?;
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    assessments::insert_question(
        &mut tx,
        id,
        Id::generate(),
        assessment.id,
        &body(&snapshot),
        now,
    )
    .await?;
    let row = assessments::find_question_tx(&mut tx, id)
        .await?
        .ok_or(SetupError::NotFound("Question"))?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "cme_question.created",
            entity_type: "cme_question",
            entity_id: id,
            changes: json!({ "assessment_id": assessment.id, "version": 1 }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// Writes a new version of a question; attempts that drew the old one keep it.
pub async fn revise_question(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    course_id: Id,
    kind: AssessmentKind,
    question_id: Id,
    input: QuestionInput,
) -> Result<QuestionRow, SetupError> {
    let assessment = assessment_for(ctx, actor, course_id, kind).await?;
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let current = assessments::find_question_tx(&mut tx, question_id)
        .await?
        .filter(|q| q.assessment_id == assessment.id)
        .ok_or(SetupError::NotFound("Question"))?;
    let snapshot = parse_question(&input, question_id, kind, &current.options.0)?;
    let version =
        assessments::revise_question(&mut tx, question_id, Id::generate(), &body(&snapshot), now)
            .await?;
    let row = assessments::find_question_tx(&mut tx, question_id)
        .await?
        .ok_or(SetupError::NotFound("Question"))?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "cme_question.revised",
            entity_type: "cme_question",
            entity_id: question_id,
            changes: json!({ "assessment_id": assessment.id, "version": version }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn retire_question(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    course_id: Id,
    kind: AssessmentKind,
    question_id: Id,
) -> Result<(), SetupError> {
    let assessment = assessment_for(ctx, actor, course_id, kind).await?;
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let current = assessments::find_question_tx(&mut tx, question_id)
        .await?
        .filter(|q| q.assessment_id == assessment.id)
        .ok_or(SetupError::NotFound("Question"))?;
    assessments::retire_question(&mut tx, current.id, now).await?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "cme_question.retired",
            entity_type: "cme_question",
            entity_id: current.id,
            changes: json!({ "assessment_id": assessment.id }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// How one question fared across submitted attempts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemStatistic {
    pub question_id: Id,
    /// The latest version's prompt.
    pub prompt: String,
    pub answered: i64,
    pub correct: i64,
}

impl ItemStatistic {
    /// Whole percent of submissions that got it right; `None` before any.
    pub fn percent_correct(&self) -> Option<i64> {
        (self.answered > 0).then(|| (self.correct * 100 + self.answered / 2) / self.answered)
    }
}

/// Percent correct per question, over every submitted attempt, whatever
/// version of the question it drew. Scores are recomputed from the stored
/// snapshot and answers, the same way submission scored them.
pub async fn item_statistics(
    ctx: &AppContext,
    actor: &Actor,
    course_id: Id,
    kind: AssessmentKind,
) -> Result<Vec<ItemStatistic>, SetupError> {
    let assessment = assessment_for(ctx, actor, course_id, kind).await?;
    let bank = assessments::questions(&ctx.db, assessment.id).await?;
    let mut stats: Vec<ItemStatistic> = bank
        .iter()
        .map(|q| ItemStatistic {
            question_id: q.id,
            prompt: q.prompt.clone(),
            answered: 0,
            correct: 0,
        })
        .collect();
    let policy = policy_of(&assessment);
    for attempt in attempts::submitted(&ctx.db, assessment.id).await? {
        let answers = attempt
            .answers
            .as_ref()
            .map(|a| a.0.as_slice())
            .unwrap_or(&[]);
        let Ok(score) = medicaledu_domain::score(&attempt.questions.0, answers, policy.pass_mark)
        else {
            continue;
        };
        for result in score.results {
            if let Some(stat) = stats
                .iter_mut()
                .find(|s| s.question_id == result.question_id)
            {
                stat.answered += 1;
                stat.correct += i64::from(result.correct);
            }
        }
    }
    Ok(stats)
}
