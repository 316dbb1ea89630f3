//! Enrollments and per-material progress.

use medicaledu_domain::{EnrollmentSource, EnrollmentStatus, Id, ProgressStatus, Timestamp};

use crate::{Db, Tx, on_db, on_tx};

/// Unqualified, because SQLite's RETURNING does not accept a table alias.
const ENROLLMENT_COLUMNS: &str = "id, student_id, course_id, status, source, progress_percent, enrolled_at, \
     completed_at, cancelled_at, last_accessed_at, created_at, updated_at";

const PROGRESS_COLUMNS: &str = "id, enrollment_id, material_id, status, progress_percent, last_position_seconds, \
     time_spent_seconds, started_at, completed_at, last_request_key, created_at, updated_at";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EnrollmentRow {
    pub id: Id,
    pub student_id: Id,
    pub course_id: Id,
    pub status: EnrollmentStatus,
    /// The stored text of an [`EnrollmentSource`]; kept as text because the
    /// integration tests compare it with literals.
    pub source: EnrollmentSource,
    pub progress_percent: i64,
    pub enrolled_at: Timestamp,
    pub completed_at: Option<Timestamp>,
    pub cancelled_at: Option<Timestamp>,
    pub last_accessed_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ProgressRow {
    pub id: Id,
    pub enrollment_id: Id,
    pub material_id: Id,
    pub status: ProgressStatus,
    pub progress_percent: i64,
    pub last_position_seconds: i64,
    pub time_spent_seconds: i64,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    pub last_request_key: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The student's live enrollment in the course, created (or restored from
/// the latest cancelled one) if there is none. Returns it and whether this
/// call made it live. The partial unique index on
/// live enrollments makes concurrent calls converge on one row.
pub async fn ensure(
    tx: &mut Tx,
    student_id: Id,
    course_id: Id,
    source: EnrollmentSource,
    now: Timestamp,
) -> Result<(EnrollmentRow, bool), sqlx::Error> {
    let insert = sqlx::AssertSqlSafe(format!(
        "INSERT INTO enrollments (id, student_id, course_id, status, source, progress_percent, enrolled_at, \
             created_at, updated_at) \
         VALUES ($1, $2, $3, 'active', $4, 0, $5, $5, $5) \
         ON CONFLICT (student_id, course_id) WHERE status IN ('active', 'completed') DO NOTHING \
         RETURNING {ENROLLMENT_COLUMNS}"
    ));
    // A place lost with its booking (or cancelled) comes back with its
    // progress: the latest cancelled enrollment is made live again, unless a
    // live one exists. The partial unique index still guards concurrent calls.
    let reactivate = sqlx::AssertSqlSafe(format!(
        "UPDATE enrollments SET status = CASE WHEN completed_at IS NULL THEN 'active' ELSE 'completed' END, \
             source = $3, cancelled_at = NULL, updated_at = $4 \
         WHERE id = (SELECT id FROM enrollments WHERE student_id = $1 AND course_id = $2 AND status = 'cancelled' \
                     ORDER BY cancelled_at DESC, id DESC LIMIT 1) \
           AND NOT EXISTS (SELECT 1 FROM enrollments WHERE student_id = $1 AND course_id = $2 \
                           AND status IN ('active', 'completed')) \
         RETURNING {ENROLLMENT_COLUMNS}"
    ));
    let reactivated: Option<EnrollmentRow> = on_tx!(tx, conn => {
        sqlx::query_as(reactivate)
            .bind(student_id)
            .bind(course_id)
            .bind(source)
            .bind(now)
            .fetch_optional(conn)
            .await
    })?;
    let created = match reactivated {
        Some(row) => Some(row),
        None => on_tx!(tx, conn => {
        sqlx::query_as(insert)
            .bind(Id::generate())
            .bind(student_id)
            .bind(course_id)
            .bind(source)
            .bind(now)
            .fetch_optional(conn)
            .await
        })?,
    };
    if let Some(row) = created {
        on_tx!(tx, conn => {
            sqlx::query("UPDATE courses SET enrollment_count = enrollment_count + 1 WHERE id = $1")
                .bind(course_id)
                .execute(conn)
                .await
                .map(drop)
        })?;
        return Ok((row, true));
    }
    let existing = sqlx::AssertSqlSafe(format!(
        "SELECT {ENROLLMENT_COLUMNS} FROM enrollments \
         WHERE student_id = $1 AND course_id = $2 AND status IN ('active', 'completed')"
    ));
    let row = on_tx!(tx, conn => sqlx::query_as(existing).bind(student_id).bind(course_id).fetch_one(conn).await)?;
    Ok((row, false))
}

pub async fn find(db: &Db, id: Id) -> Result<Option<EnrollmentRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {ENROLLMENT_COLUMNS} FROM enrollments WHERE id = $1"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
}

/// Reads the enrollment and, on PostgreSQL, locks it until commit, so
/// progress updates to one enrollment apply one after another.
pub async fn find_for_update(tx: &mut Tx, id: Id) -> Result<Option<EnrollmentRow>, sqlx::Error> {
    match tx {
        Tx::Postgres(tx) => {
            let sql = sqlx::AssertSqlSafe(format!(
                "SELECT {ENROLLMENT_COLUMNS} FROM enrollments WHERE id = $1 FOR UPDATE"
            ));
            sqlx::query_as(sql).bind(id).fetch_optional(&mut **tx).await
        }
        Tx::Sqlite(tx) => {
            let sql = sqlx::AssertSqlSafe(format!(
                "SELECT {ENROLLMENT_COLUMNS} FROM enrollments WHERE id = $1"
            ));
            sqlx::query_as(sql).bind(id).fetch_optional(&mut **tx).await
        }
    }
}

/// The student's live (active or completed) enrollment in a course.
pub async fn find_live_for(
    db: &Db,
    student_id: Id,
    course_id: Id,
) -> Result<Option<EnrollmentRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {ENROLLMENT_COLUMNS} FROM enrollments \
         WHERE student_id = $1 AND course_id = $2 AND status IN ('active', 'completed')"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(student_id).bind(course_id).fetch_optional(pool).await)
}

/// Like [`find_live_for`], inside a transaction that decides on it.
pub async fn find_live_for_tx(
    tx: &mut Tx,
    student_id: Id,
    course_id: Id,
) -> Result<Option<EnrollmentRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {ENROLLMENT_COLUMNS} FROM enrollments \
         WHERE student_id = $1 AND course_id = $2 AND status IN ('active', 'completed')"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(student_id).bind(course_id).fetch_optional(conn).await)
}

/// The student's enrollments, newest first.
pub async fn list_for_student(
    db: &Db,
    student_id: Id,
    before: Option<(Timestamp, Id)>,
    limit: i64,
) -> Result<Vec<EnrollmentRow>, sqlx::Error> {
    let (before_at, before_id) = before.unzip();
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {ENROLLMENT_COLUMNS} FROM enrollments WHERE student_id = $1 \
           AND ($2 IS NULL OR enrolled_at < $2 OR (enrolled_at = $2 AND id < $3)) \
         ORDER BY enrolled_at DESC, id DESC LIMIT $4"
    ));
    on_db!(db, pool => {
        sqlx::query_as(sql).bind(student_id).bind(before_at).bind(before_id).bind(limit).fetch_all(pool).await
    })
}

/// Cancels a live enrollment; its course's enrollment count drops with it.
pub async fn cancel(
    tx: &mut Tx,
    id: Id,
    now: Timestamp,
) -> Result<Option<EnrollmentRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE enrollments SET status = 'cancelled', cancelled_at = $2, updated_at = $2 \
         WHERE id = $1 AND status IN ('active', 'completed') RETURNING {ENROLLMENT_COLUMNS}"
    ));
    let row: Option<EnrollmentRow> =
        on_tx!(tx, conn => sqlx::query_as(sql).bind(id).bind(now).fetch_optional(conn).await)?;
    if let Some(row) = &row {
        on_tx!(tx, conn => {
            sqlx::query("UPDATE courses SET enrollment_count = enrollment_count - 1 WHERE id = $1 AND enrollment_count > 0")
                .bind(row.course_id)
                .execute(conn)
                .await
                .map(drop)
        })?;
    }
    Ok(row)
}

/// Whether some booking of the student's for the course still pays for their
/// place in it: a free one that is confirmed or completed, or any one with a
/// succeeded charge not wholly refunded (a reschedule keeps the charge on the
/// booking it moved from; a refund counts from the moment it is reserved).
pub async fn booking_still_pays(
    tx: &mut Tx,
    student_id: Id,
    course_id: Id,
) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM bookings b JOIN availability_slots s ON s.id = b.slot_id \
                 WHERE b.student_id = $1 AND s.course_id = $2 AND ( \
                     (b.status IN ('confirmed', 'completed') AND b.total_minor <= 0) \
                     OR EXISTS (SELECT 1 FROM payments p WHERE p.booking_id = b.id AND p.kind = 'charge' \
                         AND p.status = 'succeeded' AND p.refunded_minor < p.amount_minor)))",
        )
        .bind(student_id)
        .bind(course_id)
        .fetch_one(conn)
        .await
    })
}

/// The progress row for a material, created empty if missing.
pub async fn progress_row(
    tx: &mut Tx,
    enrollment_id: Id,
    material_id: Id,
    now: Timestamp,
) -> Result<ProgressRow, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO course_progress (id, enrollment_id, material_id, status, progress_percent, \
                 last_position_seconds, time_spent_seconds, created_at, updated_at) \
             VALUES ($1, $2, $3, 'not_started', 0, 0, 0, $4, $4) \
             ON CONFLICT (enrollment_id, material_id) DO NOTHING",
        )
        .bind(Id::generate())
        .bind(enrollment_id)
        .bind(material_id)
        .bind(now)
        .execute(conn)
        .await
        .map(drop)
    })?;
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {PROGRESS_COLUMNS} FROM course_progress WHERE enrollment_id = $1 AND material_id = $2"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(enrollment_id).bind(material_id).fetch_one(conn).await)
}

#[derive(Clone, Debug)]
pub struct ProgressWrite {
    pub status: ProgressStatus,
    pub progress_percent: i64,
    pub last_position_seconds: i64,
    pub time_spent_seconds: i64,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    pub request_key: Option<String>,
}

pub async fn write_progress(
    tx: &mut Tx,
    id: Id,
    write: &ProgressWrite,
    now: Timestamp,
) -> Result<ProgressRow, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE course_progress SET status = $2, progress_percent = $3, last_position_seconds = $4, \
             time_spent_seconds = $5, started_at = $6, completed_at = $7, updated_at = $8, last_request_key = $9 \
         WHERE id = $1 RETURNING {PROGRESS_COLUMNS}"
    ));
    on_tx!(tx, conn => {
        sqlx::query_as(sql)
            .bind(id)
            .bind(write.status)
            .bind(write.progress_percent)
            .bind(write.last_position_seconds)
            .bind(write.time_spent_seconds)
            .bind(write.started_at)
            .bind(write.completed_at)
            .bind(now)
            .bind(write.request_key.as_deref())
            .fetch_one(conn)
            .await
    })
}

/// (completed, total) over the course's live required materials.
pub async fn required_completion(
    tx: &mut Tx,
    enrollment_id: Id,
    course_id: Id,
) -> Result<(i64, i64), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(CASE WHEN p.status = 'completed' THEN 1 ELSE 0 END), 0) AS BIGINT), \
                    CAST(COUNT(*) AS BIGINT) \
             FROM course_materials m \
             LEFT JOIN course_progress p ON p.material_id = m.id AND p.enrollment_id = $1 \
             WHERE m.course_id = $2 AND m.deleted_at IS NULL AND m.is_required",
        )
        .bind(enrollment_id)
        .bind(course_id)
        .fetch_one(conn)
        .await
    })
}

/// Stores the recomputed course progress; `completed_at` set means the
/// enrollment is now complete.
pub async fn set_course_progress(
    tx: &mut Tx,
    id: Id,
    percent: i64,
    completed_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<EnrollmentRow, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE enrollments SET progress_percent = $2, last_accessed_at = $4, updated_at = $4, \
             status = CASE WHEN $3 IS NOT NULL AND status = 'active' THEN 'completed' ELSE status END, \
             completed_at = CASE WHEN $3 IS NOT NULL AND completed_at IS NULL THEN $3 ELSE completed_at END \
         WHERE id = $1 RETURNING {ENROLLMENT_COLUMNS}"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(id).bind(percent).bind(completed_at).bind(now).fetch_one(conn).await)
}

/// Per-material progress of an enrollment, in the course's order.
pub async fn list_progress(db: &Db, enrollment_id: Id) -> Result<Vec<ProgressRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {PROGRESS_COLUMNS} FROM course_progress \
         WHERE enrollment_id = $1 \
         ORDER BY (SELECT position FROM course_materials m WHERE m.id = course_progress.material_id), id"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(enrollment_id).fetch_all(pool).await)
}
