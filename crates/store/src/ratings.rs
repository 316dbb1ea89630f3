//! Ratings of courses and instructors. The target's `rating_sum` and
//! `rating_count` change in the same transaction as the rating, by relative
//! updates, so concurrent raters never overwrite each other's contribution.

use medicaledu_domain::{Id, Timestamp};

use crate::{Db, Tx, on_db, on_tx};

/// What is rated: the table of ratings, its target column and the table
/// holding the aggregate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Course,
    Instructor,
}

impl Target {
    fn ratings_table(self) -> &'static str {
        match self {
            Target::Course => "course_ratings",
            Target::Instructor => "instructor_ratings",
        }
    }

    fn target_column(self) -> &'static str {
        match self {
            Target::Course => "course_id",
            Target::Instructor => "instructor_id",
        }
    }

    fn aggregate_table(self) -> &'static str {
        match self {
            Target::Course => "courses",
            Target::Instructor => "users",
        }
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RatingRow {
    pub id: Id,
    pub rater_id: Id,
    pub target_id: Id,
    pub rating: i64,
    pub review: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, thiserror::Error)]
pub enum RateError {
    /// Another request created the rater's rating at the same moment.
    #[error("the rating changed concurrently; retry")]
    Conflict,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Unqualified, because SQLite's RETURNING does not accept a table alias.
fn columns(target: Target) -> String {
    format!(
        "id, rater_id, {} AS target_id, rating, review, created_at, updated_at",
        target.target_column()
    )
}

/// Creates or replaces the rater's live rating of the target and adjusts the
/// aggregate by the difference. Returns the rating and whether it is new.
pub async fn upsert(
    tx: &mut Tx,
    target: Target,
    rater_id: Id,
    target_id: Id,
    rating: i64,
    review: Option<&str>,
    now: Timestamp,
) -> Result<(RatingRow, bool), RateError> {
    let (table, column, cols) = (
        target.ratings_table(),
        target.target_column(),
        columns(target),
    );
    let existing = find_live_tx(tx, target, rater_id, target_id).await?;
    let (row, sum_delta, count_delta, created) = match existing {
        Some(old) => {
            let sql = sqlx::AssertSqlSafe(format!(
                "UPDATE {table} SET rating = $2, review = $3, updated_at = $4 \
                 WHERE id = $1 AND deleted_at IS NULL RETURNING {cols}"
            ));
            let row: RatingRow = on_tx!(tx, conn => {
                sqlx::query_as(sql).bind(old.id).bind(rating).bind(review).bind(now).fetch_one(conn).await
            })?;
            (row, rating - old.rating, 0, false)
        }
        None => {
            let sql = sqlx::AssertSqlSafe(format!(
                "INSERT INTO {table} (id, rater_id, {column}, rating, review, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING {cols}"
            ));
            let inserted: Result<RatingRow, sqlx::Error> = on_tx!(tx, conn => {
                sqlx::query_as(sql)
                    .bind(Id::generate())
                    .bind(rater_id)
                    .bind(target_id)
                    .bind(rating)
                    .bind(review)
                    .bind(now)
                    .fetch_one(conn)
                    .await
            });
            let row = inserted.map_err(|e| match e {
                sqlx::Error::Database(db) if db.is_unique_violation() => RateError::Conflict,
                other => RateError::Database(other),
            })?;
            (row, rating, 1, true)
        }
    };
    adjust(tx, target, target_id, sum_delta, count_delta).await?;
    Ok((row, created))
}

/// Soft-deletes the rater's live rating and takes it out of the aggregate.
pub async fn delete(
    tx: &mut Tx,
    target: Target,
    rater_id: Id,
    target_id: Id,
    now: Timestamp,
) -> Result<Option<RatingRow>, sqlx::Error> {
    let Some(old) = find_live_tx(tx, target, rater_id, target_id).await? else {
        return Ok(None);
    };
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE {} SET deleted_at = $2, updated_at = $2 WHERE id = $1 AND deleted_at IS NULL",
        target.ratings_table()
    ));
    let deleted = on_tx!(tx, conn => {
        sqlx::query(sql).bind(old.id).bind(now).execute(conn).await.map(|r| r.rows_affected() == 1)
    })?;
    if deleted {
        adjust(tx, target, target_id, -old.rating, -1).await?;
    }
    Ok(deleted.then_some(old))
}

async fn adjust(
    tx: &mut Tx,
    target: Target,
    target_id: Id,
    sum_delta: i64,
    count_delta: i64,
) -> Result<(), sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE {} SET rating_sum = rating_sum + $2, rating_count = rating_count + $3 WHERE id = $1",
        target.aggregate_table()
    ));
    on_tx!(tx, conn => {
        sqlx::query(sql).bind(target_id).bind(sum_delta).bind(count_delta).execute(conn).await.map(drop)
    })
}

/// The rater's live rating; on PostgreSQL the row stays locked until commit,
/// so two updates by the same rater adjust the aggregate from the right base.
async fn find_live_tx(
    tx: &mut Tx,
    target: Target,
    rater_id: Id,
    target_id: Id,
) -> Result<Option<RatingRow>, sqlx::Error> {
    let base = format!(
        "SELECT {} FROM {} WHERE rater_id = $1 AND {} = $2 AND deleted_at IS NULL",
        columns(target),
        target.ratings_table(),
        target.target_column()
    );
    match tx {
        Tx::Postgres(tx) => {
            sqlx::query_as(sqlx::AssertSqlSafe(base + " FOR UPDATE"))
                .bind(rater_id)
                .bind(target_id)
                .fetch_optional(&mut **tx)
                .await
        }
        Tx::Sqlite(tx) => {
            sqlx::query_as(sqlx::AssertSqlSafe(base))
                .bind(rater_id)
                .bind(target_id)
                .fetch_optional(&mut **tx)
                .await
        }
    }
}

/// Live ratings of a target, newest first.
pub async fn list(
    db: &Db,
    target: Target,
    target_id: Id,
    before: Option<(Timestamp, Id)>,
    limit: i64,
) -> Result<Vec<RatingWithName>, sqlx::Error> {
    let (before_at, before_id) = before.unzip();
    // The rater's name comes with the rating (one query for a page of
    // reviews); a deleted account keeps its name, as soft deletes keep rows.
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT r.id, r.rater_id, r.{column} AS target_id, r.rating, r.review, r.created_at, \
                r.updated_at, u.full_name AS rater_name \
         FROM {table} r LEFT JOIN users u ON u.id = r.rater_id \
         WHERE r.{column} = $1 AND r.deleted_at IS NULL \
           AND ($2 IS NULL OR r.created_at < $2 OR (r.created_at = $2 AND r.id < $3)) \
         ORDER BY r.created_at DESC, r.id DESC LIMIT $4",
        column = target.target_column(),
        table = target.ratings_table(),
    ));
    on_db!(db, pool => {
        sqlx::query_as(sql).bind(target_id).bind(before_at).bind(before_id).bind(limit).fetch_all(pool).await
    })
}

/// A rating with its rater's name, as lists show it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RatingWithName {
    #[sqlx(flatten)]
    pub rating: RatingRow,
    pub rater_name: Option<String>,
}

/// Whether the student has had a session with the instructor marked completed.
pub async fn has_completed_booking_with(
    tx: &mut Tx,
    student_id: Id,
    instructor_id: Id,
) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM bookings b \
                 JOIN availability_slots s ON s.id = b.slot_id \
                 JOIN courses c ON c.id = s.course_id \
             WHERE b.student_id = $1 AND c.instructor_id = $2 AND b.status = 'completed')",
        )
        .bind(student_id)
        .bind(instructor_id)
        .fetch_one(conn)
        .await
    })
}
