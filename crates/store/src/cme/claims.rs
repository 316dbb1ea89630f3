//! Credit claims, and what the store knows about a learner's work on an
//! activity when they claim.

use medicaledu_domain::{CertificateKind, Id, Timestamp};

use crate::{Db, Tx, on_db, on_tx};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ClaimRow {
    pub id: Id,
    pub designation_id: Id,
    pub learner_id: Id,
    pub kind: CertificateKind,
    pub credit_hundredths: i64,
    pub attestation: String,
    pub measured_seconds: i64,
    pub completed_at: Timestamp,
    pub claimed_at: Timestamp,
    pub voided_at: Option<Timestamp>,
}

const COLUMNS: &str = "id, designation_id, learner_id, kind, credit_hundredths, attestation, measured_seconds, \
     completed_at, claimed_at, voided_at";

#[derive(Debug, thiserror::Error)]
pub enum InsertClaimError {
    /// The learner already has a live claim on this designation.
    #[error("already claimed")]
    AlreadyClaimed,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

pub async fn insert(tx: &mut Tx, row: &ClaimRow) -> Result<(), InsertClaimError> {
    let sql = "INSERT INTO cme_claims (id, designation_id, learner_id, kind, credit_hundredths, attestation, \
               measured_seconds, completed_at, claimed_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)";
    on_tx!(tx, conn => sqlx::query(sql)
        .bind(row.id)
        .bind(row.designation_id)
        .bind(row.learner_id)
        .bind(row.kind)
        .bind(row.credit_hundredths)
        .bind(&row.attestation)
        .bind(row.measured_seconds)
        .bind(row.completed_at)
        .bind(row.claimed_at)
        .execute(conn)
        .await
        .map(|_| ()))
    .map_err(|e| match e {
        sqlx::Error::Database(db) if db.is_unique_violation() => InsertClaimError::AlreadyClaimed,
        other => InsertClaimError::Database(other),
    })?;
    Ok(())
}

/// The learner's live claim on a designation, read in the claim's transaction.
pub async fn live_tx(
    tx: &mut Tx,
    designation_id: Id,
    learner_id: Id,
) -> Result<Option<ClaimRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM cme_claims WHERE designation_id = $1 AND learner_id = $2 AND voided_at IS NULL"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(designation_id).bind(learner_id).fetch_optional(conn).await)
}

pub async fn find_tx(tx: &mut Tx, id: Id) -> Result<Option<ClaimRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM cme_claims WHERE id = $1"));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(id).fetch_optional(conn).await)
}

/// The learner's live claims on the activity's designations.
pub async fn live_for_activity(
    db: &Db,
    activity_id: Id,
    learner_id: Id,
) -> Result<Vec<ClaimRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM cme_claims c JOIN cme_designations d ON d.id = c.designation_id \
         WHERE d.activity_id = $1 AND c.learner_id = $2 AND c.voided_at IS NULL ORDER BY c.claimed_at",
        COLUMNS
            .split(", ")
            .map(|column| format!("c.{column}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(activity_id).bind(learner_id).fetch_all(pool).await)
}

/// A learner's work on a course, as a claim needs it.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// Every live required material completed (and the course has an
    /// enrollment at all).
    pub materials_complete: bool,
    /// A completed booking of one of the course's sessions.
    pub attended: bool,
    /// Time spent on the course's materials, in seconds.
    pub material_seconds: i64,
    /// Length of the course's sessions the learner completed, in seconds.
    pub session_seconds: i64,
}

/// Read in the claim's transaction, so what it decides on cannot change under it.
pub async fn progress_tx(
    tx: &mut Tx,
    course_id: Id,
    learner_id: Id,
) -> Result<Progress, sqlx::Error> {
    let (completed, required, material_seconds, enrolled): (i64, i64, i64, i64) = on_tx!(tx, conn => sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(CASE WHEN m.is_required AND p.status = 'completed' THEN 1 ELSE 0 END), 0) AS BIGINT), \
                CAST(COALESCE(SUM(CASE WHEN m.is_required THEN 1 ELSE 0 END), 0) AS BIGINT), \
                CAST(COALESCE(SUM(p.time_spent_seconds), 0) AS BIGINT), \
                CAST((SELECT COUNT(*) FROM enrollments e2 WHERE e2.course_id = $1 AND e2.student_id = $2 \
                      AND e2.status IN ('active', 'completed')) AS BIGINT) \
         FROM course_materials m \
         LEFT JOIN enrollments e ON e.course_id = m.course_id AND e.student_id = $2 AND e.status IN ('active', 'completed') \
         LEFT JOIN course_progress p ON p.material_id = m.id AND p.enrollment_id = e.id \
         WHERE m.course_id = $1 AND m.deleted_at IS NULL",
    )
    .bind(course_id)
    .bind(learner_id)
    .fetch_one(conn)
    .await)?;
    // Durations are summed here: the dialects disagree on date arithmetic.
    let sessions: Vec<(Timestamp, Timestamp)> = on_tx!(tx, conn => sqlx::query_as(
        "SELECT s.starts_at, s.ends_at FROM bookings b JOIN availability_slots s ON s.id = b.slot_id \
         WHERE s.course_id = $1 AND b.student_id = $2 AND b.status = 'completed'",
    )
    .bind(course_id)
    .bind(learner_id)
    .fetch_all(conn)
    .await)?;
    let session_seconds = sessions
        .iter()
        .map(|(starts, ends)| (*ends.as_datetime() - *starts.as_datetime()).num_seconds())
        .sum();
    Ok(Progress {
        materials_complete: enrolled > 0 && completed == required,
        attended: !sessions.is_empty(),
        material_seconds,
        session_seconds,
    })
}

/// The learner's stated profession, if they gave one.
pub async fn profession_tx(
    tx: &mut Tx,
    learner_id: Id,
) -> Result<Option<medicaledu_domain::Profession>, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query_scalar(
        "SELECT profession FROM cme_learner_profiles WHERE user_id = $1",
    )
    .bind(learner_id)
    .fetch_optional(conn)
    .await)
}

/// When the learner finished the activity's assessments: the latest of their
/// passing post-test and their evaluation.
pub async fn completed_at_tx(
    tx: &mut Tx,
    activity_id: Id,
    learner_id: Id,
) -> Result<Option<Timestamp>, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query_scalar(
        "SELECT MAX(t.ended_at) FROM cme_attempts t JOIN cme_assessments a ON a.id = t.assessment_id \
         WHERE a.activity_id = $1 AND t.learner_id = $2 AND t.status = 'submitted' \
         AND (a.kind = 'evaluation' OR (a.kind = 'post_test' AND t.passed))",
    )
    .bind(activity_id)
    .bind(learner_id)
    .fetch_one(conn)
    .await)
}
