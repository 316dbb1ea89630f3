//! Learners' attempts at assessments. An attempt stores the questions it
//! drew; its answers, score and outcome are written once, by a conditional
//! update that only an attempt still in progress accepts.

use medicaledu_domain::{Answer, AttemptHistory, QuestionSnapshot};
use medicaledu_domain::{AttemptStatus, Id, Timestamp};
use sqlx::types::Json;

use crate::{Db, Tx, on_db, on_tx};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AttemptRow {
    pub id: Id,
    pub assessment_id: Id,
    pub learner_id: Id,
    pub attempt_number: i64,
    pub status: AttemptStatus,
    pub questions: Json<Vec<QuestionSnapshot>>,
    pub answers: Option<Json<Vec<Answer>>>,
    pub score_hundredths: Option<i64>,
    pub passed: Option<bool>,
    pub started_at: Timestamp,
    pub due_at: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
}

const COLUMNS: &str = "id, assessment_id, learner_id, attempt_number, status, questions, answers, \
     score_hundredths, passed, started_at, due_at, ended_at";

#[derive(Debug, thiserror::Error)]
pub enum InsertAttemptError {
    /// Another request started an attempt (or took the number) first.
    #[error("another attempt started at the same moment")]
    Conflict,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// What is stored about the learner's attempts at one assessment, read in
/// the transaction that starts the next.
pub async fn history_tx(
    tx: &mut Tx,
    assessment_id: Id,
    learner_id: Id,
) -> Result<AttemptHistory, sqlx::Error> {
    let (count, in_progress, passed, last_ended_at): (i64, i64, i64, Option<Timestamp>) = on_tx!(tx, conn => sqlx::query_as(
        "SELECT COUNT(*), \
                COALESCE(SUM(CASE WHEN status = 'in_progress' THEN 1 ELSE 0 END), 0), \
                COALESCE(SUM(CASE WHEN passed THEN 1 ELSE 0 END), 0), \
                MAX(ended_at) \
         FROM cme_attempts WHERE assessment_id = $1 AND learner_id = $2",
    )
    .bind(assessment_id)
    .bind(learner_id)
    .fetch_one(conn)
    .await)?;
    Ok(AttemptHistory {
        count,
        in_progress: in_progress > 0,
        passed: passed > 0,
        last_ended_at,
    })
}

/// The learner's attempt in progress, if any.
pub async fn in_progress_tx(
    tx: &mut Tx,
    assessment_id: Id,
    learner_id: Id,
) -> Result<Option<AttemptRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM cme_attempts WHERE assessment_id = $1 AND learner_id = $2 AND status = 'in_progress'"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(assessment_id).bind(learner_id).fetch_optional(conn).await)
}

pub async fn insert(tx: &mut Tx, row: &AttemptRow) -> Result<(), InsertAttemptError> {
    let sql = "INSERT INTO cme_attempts (id, assessment_id, learner_id, attempt_number, status, questions, \
               started_at, due_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7)";
    on_tx!(tx, conn => sqlx::query(sql)
        .bind(row.id)
        .bind(row.assessment_id)
        .bind(row.learner_id)
        .bind(row.attempt_number)
        .bind(row.status)
        .bind(&row.questions)
        .bind(row.started_at)
        .bind(row.due_at)
        .execute(conn)
        .await
        .map(|_| ()))
    .map_err(|e| match e {
        sqlx::Error::Database(db) if db.is_unique_violation() => InsertAttemptError::Conflict,
        other => InsertAttemptError::Database(other),
    })?;
    Ok(())
}

pub async fn find(db: &Db, id: Id) -> Result<Option<AttemptRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM cme_attempts WHERE id = $1"));
    on_db!(db, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
}

pub async fn find_tx(tx: &mut Tx, id: Id) -> Result<Option<AttemptRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM cme_attempts WHERE id = $1"));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(id).fetch_optional(conn).await)
}

/// How an attempt ended.
#[derive(Clone, Debug)]
pub struct Ending<'a> {
    pub status: AttemptStatus,
    pub answers: Option<&'a [Answer]>,
    pub score_hundredths: Option<i64>,
    pub passed: Option<bool>,
    pub ended_at: Timestamp,
}

/// Ends an attempt still in progress; `false` when it had already ended
/// (a second submission from another tab).
pub async fn end(tx: &mut Tx, id: Id, ending: &Ending<'_>) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE cme_attempts SET status = $2, answers = $3, score_hundredths = $4, passed = $5, ended_at = $6 \
               WHERE id = $1 AND status = 'in_progress'";
    let done = on_tx!(tx, conn => sqlx::query(sql)
        .bind(id)
        .bind(ending.status)
        .bind(ending.answers.map(Json))
        .bind(ending.score_hundredths)
        .bind(ending.passed)
        .bind(ending.ended_at)
        .execute(conn)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// The learner's attempts at an assessment, first first.
pub async fn list_for_learner(
    db: &Db,
    assessment_id: Id,
    learner_id: Id,
) -> Result<Vec<AttemptRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM cme_attempts WHERE assessment_id = $1 AND learner_id = $2 ORDER BY attempt_number"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(assessment_id).bind(learner_id).fetch_all(pool).await)
}

/// Submitted attempts at an assessment, for item statistics.
pub async fn submitted(db: &Db, assessment_id: Id) -> Result<Vec<AttemptRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM cme_attempts WHERE assessment_id = $1 AND status = 'submitted' ORDER BY id"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(assessment_id).fetch_all(pool).await)
}

/// Whether the learner has a passing submission (post-test) or any
/// submission (evaluation) of the activity's assessment of `kind`, read in
/// the transaction of a claim.
pub async fn outcome_tx(
    tx: &mut Tx,
    activity_id: Id,
    kind: medicaledu_domain::AssessmentKind,
    learner_id: Id,
) -> Result<(bool, bool), sqlx::Error> {
    let (submitted, passed): (i64, i64) = on_tx!(tx, conn => sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN t.status = 'submitted' THEN 1 ELSE 0 END), 0), \
                COALESCE(SUM(CASE WHEN t.status = 'submitted' AND t.passed THEN 1 ELSE 0 END), 0) \
         FROM cme_attempts t JOIN cme_assessments a ON a.id = t.assessment_id \
         WHERE a.activity_id = $1 AND a.kind = $2 AND t.learner_id = $3",
    )
    .bind(activity_id)
    .bind(kind)
    .bind(learner_id)
    .fetch_one(conn)
    .await)?;
    Ok((submitted > 0, passed > 0))
}
