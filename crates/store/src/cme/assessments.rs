//! An activity's assessments (pre-test, post-test, evaluation) and their
//! question bank, kept in versions so an edit never rewrites what an earlier
//! attempt drew.

use medicaledu_domain::AnswerOption;
use medicaledu_domain::{AssessmentKind, Id, QuestionKind, Timestamp};
use sqlx::types::Json;

use crate::{Db, Tx, on_db, on_tx};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AssessmentRow {
    pub id: Id,
    pub activity_id: Id,
    pub kind: AssessmentKind,
    pub pass_mark_percent: i64,
    pub max_attempts: Option<i64>,
    pub cooldown_seconds: i64,
    pub time_limit_seconds: Option<i64>,
    pub grace_seconds: i64,
    pub shuffle_questions: bool,
    pub shuffle_options: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The settings of an assessment.
#[derive(Clone, Copy, Debug)]
pub struct AssessmentSettings {
    pub pass_mark_percent: i64,
    pub max_attempts: Option<i64>,
    pub cooldown_seconds: i64,
    pub time_limit_seconds: Option<i64>,
    pub grace_seconds: i64,
    pub shuffle_questions: bool,
    pub shuffle_options: bool,
}

const COLUMNS: &str = "id, activity_id, kind, pass_mark_percent, max_attempts, cooldown_seconds, \
     time_limit_seconds, grace_seconds, shuffle_questions, shuffle_options, created_at, updated_at";

/// Creates the activity's assessment of `kind`, or changes its settings.
/// Attempts already started keep the deadline they were given.
pub async fn upsert(
    tx: &mut Tx,
    id: Id,
    activity_id: Id,
    kind: AssessmentKind,
    settings: &AssessmentSettings,
    now: Timestamp,
) -> Result<AssessmentRow, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO cme_assessments (id, activity_id, kind, pass_mark_percent, max_attempts, cooldown_seconds, \
         time_limit_seconds, grace_seconds, shuffle_questions, shuffle_options, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) \
         ON CONFLICT (activity_id, kind) DO UPDATE SET pass_mark_percent = excluded.pass_mark_percent, \
         max_attempts = excluded.max_attempts, cooldown_seconds = excluded.cooldown_seconds, \
         time_limit_seconds = excluded.time_limit_seconds, grace_seconds = excluded.grace_seconds, \
         shuffle_questions = excluded.shuffle_questions, shuffle_options = excluded.shuffle_options, \
         updated_at = excluded.updated_at \
         RETURNING {COLUMNS}"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql)
        .bind(id)
        .bind(activity_id)
        .bind(kind)
        .bind(settings.pass_mark_percent)
        .bind(settings.max_attempts)
        .bind(settings.cooldown_seconds)
        .bind(settings.time_limit_seconds)
        .bind(settings.grace_seconds)
        .bind(settings.shuffle_questions)
        .bind(settings.shuffle_options)
        .bind(now)
        .fetch_one(conn)
        .await)
}

/// The activity's assessments.
pub async fn for_activity(db: &Db, activity_id: Id) -> Result<Vec<AssessmentRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM cme_assessments WHERE activity_id = $1 ORDER BY kind"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(activity_id).fetch_all(pool).await)
}

pub async fn find_tx(
    tx: &mut Tx,
    activity_id: Id,
    kind: AssessmentKind,
) -> Result<Option<AssessmentRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM cme_assessments WHERE activity_id = $1 AND kind = $2"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(activity_id).bind(kind).fetch_optional(conn).await)
}

pub async fn find(
    db: &Db,
    activity_id: Id,
    kind: AssessmentKind,
) -> Result<Option<AssessmentRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM cme_assessments WHERE activity_id = $1 AND kind = $2"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(activity_id).bind(kind).fetch_optional(pool).await)
}

/// A bank item at its latest version.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct QuestionRow {
    /// The bank item.
    pub id: Id,
    pub assessment_id: Id,
    pub position: i64,
    pub version: i64,
    pub kind: QuestionKind,
    pub prompt: String,
    pub options: Json<Vec<AnswerOption>>,
    pub correct: Json<Vec<Id>>,
    pub rationale: String,
    pub points: i64,
}

/// What one version of an item says.
#[derive(Clone, Debug)]
pub struct QuestionBody<'a> {
    pub kind: QuestionKind,
    pub prompt: &'a str,
    pub options: &'a [AnswerOption],
    pub correct: &'a [Id],
    pub rationale: &'a str,
    pub points: i64,
}

const QUESTION_SELECT: &str = "SELECT q.id, q.assessment_id, q.position, v.version, v.kind, v.prompt, \
     v.options, v.correct, v.rationale, v.points FROM cme_questions q \
     JOIN cme_question_versions v ON v.question_id = q.id \
     AND v.version = (SELECT MAX(version) FROM cme_question_versions WHERE question_id = q.id)";

/// Adds an item at the end of the bank, as its version 1.
pub async fn insert_question(
    tx: &mut Tx,
    id: Id,
    version_id: Id,
    assessment_id: Id,
    body: &QuestionBody<'_>,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO cme_questions (id, assessment_id, position, created_at) \
             VALUES ($1, $2, (SELECT COALESCE(MAX(position) + 1, 0) FROM cme_questions WHERE assessment_id = $2), $3)",
        )
        .bind(id)
        .bind(assessment_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        Ok::<(), sqlx::Error>(())
    })?;
    insert_version(tx, version_id, id, 1, body, now).await
}

/// Writes a new version of an item; the attempts that drew an older one keep it.
pub async fn revise_question(
    tx: &mut Tx,
    id: Id,
    version_id: Id,
    body: &QuestionBody<'_>,
    now: Timestamp,
) -> Result<i64, sqlx::Error> {
    let version: i64 = on_tx!(tx, conn => sqlx::query_scalar(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM cme_question_versions WHERE question_id = $1",
    )
    .bind(id)
    .fetch_one(conn)
    .await)?;
    insert_version(tx, version_id, id, version, body, now).await?;
    Ok(version)
}

async fn insert_version(
    tx: &mut Tx,
    version_id: Id,
    question_id: Id,
    version: i64,
    body: &QuestionBody<'_>,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO cme_question_versions (id, question_id, version, kind, prompt, options, correct, rationale, \
         points, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(version_id)
    .bind(question_id)
    .bind(version)
    .bind(body.kind)
    .bind(body.prompt)
    .bind(Json(body.options))
    .bind(Json(body.correct))
    .bind(body.rationale)
    .bind(body.points)
    .bind(now)
    .execute(conn)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Retires an item: it is drawn no more, and earlier attempts keep it.
pub async fn retire_question(tx: &mut Tx, id: Id, now: Timestamp) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE cme_questions SET retired_at = $2 WHERE id = $1 AND retired_at IS NULL";
    let done = on_tx!(tx, conn => sqlx::query(sql).bind(id).bind(now).execute(conn)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// The assessment's items in use, in bank order, at their latest versions.
pub async fn questions(db: &Db, assessment_id: Id) -> Result<Vec<QuestionRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{QUESTION_SELECT} WHERE q.assessment_id = $1 AND q.retired_at IS NULL ORDER BY q.position, q.id"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(assessment_id).fetch_all(pool).await)
}

pub async fn questions_tx(tx: &mut Tx, assessment_id: Id) -> Result<Vec<QuestionRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{QUESTION_SELECT} WHERE q.assessment_id = $1 AND q.retired_at IS NULL ORDER BY q.position, q.id"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(assessment_id).fetch_all(conn).await)
}

/// A live item, read in the transaction that changes it.
pub async fn find_question_tx(tx: &mut Tx, id: Id) -> Result<Option<QuestionRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{QUESTION_SELECT} WHERE q.id = $1 AND q.retired_at IS NULL"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(id).fetch_optional(conn).await)
}

pub async fn find_by_id_tx(tx: &mut Tx, id: Id) -> Result<Option<AssessmentRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM cme_assessments WHERE id = $1"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(id).fetch_optional(conn).await)
}
