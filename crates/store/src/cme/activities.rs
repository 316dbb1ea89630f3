//! CME activities (a course offered for credit), their topics, and the
//! credit designations they carry with the professions each may be claimed by.

use chrono::NaiveDate;
use medicaledu_domain::{ActivityFormat, CertificateKind, Id, Profession, Timestamp};

use crate::{Db, Tx, on_db, on_tx};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ActivityRow {
    pub id: Id,
    pub course_id: Id,
    pub provider_id: Id,
    pub format: ActivityFormat,
    pub release_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
    pub disclosure: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Clone, Debug)]
pub struct ActivityFields<'a> {
    pub provider_id: Id,
    pub format: ActivityFormat,
    pub release_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
    pub disclosure: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum ActivityWriteError {
    /// The course already is a live activity.
    #[error("the course already is a CME activity")]
    CourseTaken,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

const COLUMNS: &str = "id, course_id, provider_id, format, release_on, expires_on, disclosure, created_at, updated_at";

pub async fn insert(
    tx: &mut Tx,
    id: Id,
    course_id: Id,
    fields: &ActivityFields<'_>,
    now: Timestamp,
) -> Result<ActivityRow, ActivityWriteError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO cme_activities (id, course_id, provider_id, format, release_on, expires_on, disclosure, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING {COLUMNS}"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql)
        .bind(id)
        .bind(course_id)
        .bind(fields.provider_id)
        .bind(fields.format)
        .bind(fields.release_on)
        .bind(fields.expires_on)
        .bind(fields.disclosure)
        .bind(now)
        .fetch_one(conn)
        .await)
    .map_err(|e| match e {
        sqlx::Error::Database(db) if db.is_unique_violation() => ActivityWriteError::CourseTaken,
        other => ActivityWriteError::Database(other),
    })
}

pub async fn update(
    tx: &mut Tx,
    id: Id,
    fields: &ActivityFields<'_>,
    now: Timestamp,
) -> Result<Option<ActivityRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE cme_activities SET provider_id = $2, format = $3, release_on = $4, expires_on = $5, \
         disclosure = $6, updated_at = $7 WHERE id = $1 AND deleted_at IS NULL RETURNING {COLUMNS}"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql)
        .bind(id)
        .bind(fields.provider_id)
        .bind(fields.format)
        .bind(fields.release_on)
        .bind(fields.expires_on)
        .bind(fields.disclosure)
        .bind(now)
        .fetch_optional(conn)
        .await)
}

/// The live activity a course is, if any.
pub async fn find_by_course(db: &Db, course_id: Id) -> Result<Option<ActivityRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM cme_activities WHERE course_id = $1 AND deleted_at IS NULL"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(course_id).fetch_optional(pool).await)
}

pub async fn find_by_course_tx(
    tx: &mut Tx,
    course_id: Id,
) -> Result<Option<ActivityRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM cme_activities WHERE course_id = $1 AND deleted_at IS NULL"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(course_id).fetch_optional(conn).await)
}

/// A live activity as a list of activities shows it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ListedActivityRow {
    pub course_id: Id,
    pub course_title: String,
    pub course_slug: String,
    pub provider_name: String,
    pub format: ActivityFormat,
    pub release_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
}

/// Every live activity, newest release first.
pub async fn listed(db: &Db) -> Result<Vec<ListedActivityRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT a.course_id, c.title AS course_title, c.slug AS course_slug, p.name AS provider_name, \
                a.format, a.release_on, a.expires_on \
         FROM cme_activities a JOIN courses c ON c.id = a.course_id \
         JOIN cme_providers p ON p.id = a.provider_id \
         WHERE a.deleted_at IS NULL ORDER BY a.release_on DESC, c.title, a.id",
    )
    .fetch_all(pool)
    .await)
}

pub async fn find_tx(tx: &mut Tx, id: Id) -> Result<Option<ActivityRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM cme_activities WHERE id = $1 AND deleted_at IS NULL"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(id).fetch_optional(conn).await)
}

/// Replaces the activity's topics.
pub async fn set_topics(tx: &mut Tx, activity_id: Id, topics: &[&str]) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query("DELETE FROM cme_activity_topics WHERE activity_id = $1")
            .bind(activity_id)
            .execute(&mut *conn)
            .await?;
        for topic in topics {
            sqlx::query("INSERT INTO cme_activity_topics (activity_id, topic) VALUES ($1, $2)")
                .bind(activity_id)
                .bind(*topic)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    })
}

pub async fn topics(db: &Db, activity_id: Id) -> Result<Vec<String>, sqlx::Error> {
    let sql = "SELECT topic FROM cme_activity_topics WHERE activity_id = $1 ORDER BY topic";
    on_db!(db, pool => sqlx::query_scalar(sql).bind(activity_id).fetch_all(pool).await)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DesignationRow {
    pub id: Id,
    pub activity_id: Id,
    pub kind: CertificateKind,
    pub credit_type: String,
    pub max_credit_hundredths: i64,
    pub step_hundredths: i64,
    pub statement: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Filled from `cme_designation_professions`.
    #[sqlx(skip)]
    pub professions: Vec<Profession>,
}

#[derive(Clone, Debug)]
pub struct DesignationFields<'a> {
    pub kind: CertificateKind,
    pub credit_type: &'a str,
    pub max_credit_hundredths: i64,
    pub step_hundredths: i64,
    pub statement: &'a str,
    pub professions: &'a [Profession],
}

#[derive(Debug, thiserror::Error)]
pub enum DesignationWriteError {
    #[error("the activity already designates this credit type")]
    TypeTaken,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

const DESIGNATION_COLUMNS: &str = "id, activity_id, kind, credit_type, max_credit_hundredths, step_hundredths, \
     statement, created_at, updated_at";

pub async fn insert_designation(
    tx: &mut Tx,
    id: Id,
    activity_id: Id,
    fields: &DesignationFields<'_>,
    now: Timestamp,
) -> Result<DesignationRow, DesignationWriteError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO cme_designations (id, activity_id, kind, credit_type, max_credit_hundredths, step_hundredths, \
         statement, created_at, updated_at) VALUES ($1, $2, $8, $3, $4, $5, $6, $7, $7) RETURNING {DESIGNATION_COLUMNS}"
    ));
    let mut row: DesignationRow = on_tx!(tx, conn => sqlx::query_as(sql)
        .bind(id)
        .bind(activity_id)
        .bind(fields.credit_type)
        .bind(fields.max_credit_hundredths)
        .bind(fields.step_hundredths)
        .bind(fields.statement)
        .bind(now)
        .bind(fields.kind)
        .fetch_one(conn)
        .await)
    .map_err(|e| match e {
        sqlx::Error::Database(db) if db.is_unique_violation() => DesignationWriteError::TypeTaken,
        other => DesignationWriteError::Database(other),
    })?;
    set_professions(tx, id, fields.professions).await?;
    row.professions = fields.professions.to_vec();
    Ok(row)
}

pub async fn update_designation(
    tx: &mut Tx,
    id: Id,
    fields: &DesignationFields<'_>,
    now: Timestamp,
) -> Result<Option<DesignationRow>, DesignationWriteError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE cme_designations SET credit_type = $2, max_credit_hundredths = $3, step_hundredths = $4, \
         statement = $5, updated_at = $6, kind = $7 WHERE id = $1 AND deleted_at IS NULL RETURNING {DESIGNATION_COLUMNS}"
    ));
    let row: Option<DesignationRow> = on_tx!(tx, conn => sqlx::query_as(sql)
        .bind(id)
        .bind(fields.credit_type)
        .bind(fields.max_credit_hundredths)
        .bind(fields.step_hundredths)
        .bind(fields.statement)
        .bind(now)
        .bind(fields.kind)
        .fetch_optional(conn)
        .await)
    .map_err(|e| match e {
        sqlx::Error::Database(db) if db.is_unique_violation() => DesignationWriteError::TypeTaken,
        other => DesignationWriteError::Database(other),
    })?;
    let Some(mut row) = row else {
        return Ok(None);
    };
    set_professions(tx, id, fields.professions).await?;
    row.professions = fields.professions.to_vec();
    Ok(Some(row))
}

/// Soft-deletes a designation: claims and certificates made on it keep it.
pub async fn delete_designation(tx: &mut Tx, id: Id, now: Timestamp) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE cme_designations SET deleted_at = $2, updated_at = $2 WHERE id = $1 AND deleted_at IS NULL";
    let done = on_tx!(tx, conn => sqlx::query(sql).bind(id).bind(now).execute(conn)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

async fn set_professions(
    tx: &mut Tx,
    designation_id: Id,
    professions: &[Profession],
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query("DELETE FROM cme_designation_professions WHERE designation_id = $1")
            .bind(designation_id)
            .execute(&mut *conn)
            .await?;
        for profession in professions {
            sqlx::query(
                "INSERT INTO cme_designation_professions (designation_id, profession) VALUES ($1, $2)",
            )
            .bind(designation_id)
            .bind(*profession)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    })
}

/// The activity's live designations, by credit type, professions filled in.
pub async fn designations(db: &Db, activity_id: Id) -> Result<Vec<DesignationRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {DESIGNATION_COLUMNS} FROM cme_designations WHERE activity_id = $1 AND deleted_at IS NULL \
         ORDER BY lower(credit_type), id"
    ));
    let mut rows: Vec<DesignationRow> =
        on_db!(db, pool => sqlx::query_as(sql).bind(activity_id).fetch_all(pool).await)?;
    let pairs: Vec<(Id, Profession)> = on_db!(db, pool => sqlx::query_as(
        "SELECT p.designation_id, p.profession FROM cme_designation_professions p \
         JOIN cme_designations d ON d.id = p.designation_id \
         WHERE d.activity_id = $1 AND d.deleted_at IS NULL ORDER BY p.profession",
    )
    .bind(activity_id)
    .fetch_all(pool)
    .await)?;
    for row in &mut rows {
        row.professions = pairs
            .iter()
            .filter(|(id, _)| *id == row.id)
            .map(|(_, profession)| *profession)
            .collect();
    }
    Ok(rows)
}

/// A live designation, read in the transaction that acts on it.
pub async fn find_designation_tx(
    tx: &mut Tx,
    id: Id,
) -> Result<Option<DesignationRow>, sqlx::Error> {
    find_designation_where(tx, id, "AND deleted_at IS NULL").await
}

/// An activity, deleted or not: certificates name what they were issued for.
pub async fn find_any_tx(tx: &mut Tx, id: Id) -> Result<Option<ActivityRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM cme_activities WHERE id = $1"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(id).fetch_optional(conn).await)
}

/// A designation, deleted or not, professions filled in.
pub async fn find_designation_any_tx(
    tx: &mut Tx,
    id: Id,
) -> Result<Option<DesignationRow>, sqlx::Error> {
    find_designation_where(tx, id, "").await
}

/// The designation `id` if it meets `condition` (a constant SQL fragment),
/// with its professions.
async fn find_designation_where(
    tx: &mut Tx,
    id: Id,
    condition: &'static str,
) -> Result<Option<DesignationRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {DESIGNATION_COLUMNS} FROM cme_designations WHERE id = $1 {condition}"
    ));
    let row: Option<DesignationRow> =
        on_tx!(tx, conn => sqlx::query_as(sql).bind(id).fetch_optional(conn).await)?;
    let Some(mut row) = row else {
        return Ok(None);
    };
    row.professions = on_tx!(tx, conn => sqlx::query_scalar(
        "SELECT profession FROM cme_designation_professions WHERE designation_id = $1 ORDER BY profession",
    )
    .bind(id)
    .fetch_all(conn)
    .await)?;
    Ok(Some(row))
}
