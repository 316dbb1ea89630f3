//! Promo codes and their redemptions. The redemption count only moves through
//! conditional updates, so concurrent bookings can never redeem a code past its
//! limit; the CHECK `redemption_count <= max_redemptions` is the backstop.

use medicaledu_domain::{DiscountType, Id, PromoScope, Timestamp};

use crate::{Db, Tx, on_db, on_tx};

const PROMO_COLUMNS: &str = "id, code, description, discount_type, value, currency, min_order_minor, max_redemptions, \
     redemption_count, max_redemptions_per_user, valid_from, valid_until, course_id, instructor_id, is_active, \
     created_by, created_at, updated_at, deleted_at";

/// The same columns of the code aliased `p`, for statements that join.
const PROMO_COLUMNS_P: &str = "p.id, p.code, p.description, p.discount_type, p.value, p.currency, p.min_order_minor, \
     p.max_redemptions, p.redemption_count, p.max_redemptions_per_user, p.valid_from, p.valid_until, p.course_id, \
     p.instructor_id, p.is_active, p.created_by, p.created_at, p.updated_at, p.deleted_at";

/// What a listed code names besides itself: its course and instructor, even
/// when deleted since (the code still names them).
const PROMO_NAMES: &str = "c.title AS course_title, c.slug AS course_slug, \
     i.full_name AS instructor_name, i.email AS instructor_email \
     FROM promo_codes p LEFT JOIN courses c ON c.id = p.course_id LEFT JOIN users i ON i.id = p.instructor_id";

const HELD_BY_STUDENT: &str = "SELECT COUNT(*) FROM booking_promo_codes p JOIN bookings b ON b.id = p.booking_id \
     WHERE p.promo_code_id = $1 AND b.student_id = $2 AND p.released_at IS NULL";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PromoRow {
    pub id: Id,
    pub code: String,
    pub description: String,
    pub discount_type: DiscountType,
    pub value: i64,
    pub currency: Option<String>,
    pub min_order_minor: i64,
    pub max_redemptions: Option<i64>,
    pub redemption_count: i64,
    pub max_redemptions_per_user: Option<i64>,
    pub valid_from: Option<Timestamp>,
    pub valid_until: Option<Timestamp>,
    pub course_id: Option<Id>,
    pub instructor_id: Option<Id>,
    pub is_active: bool,
    pub created_by: Id,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

/// A code with the names of the course and instructor it is scoped to.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ListedPromo {
    #[sqlx(flatten)]
    pub promo: PromoRow,
    pub course_title: Option<String>,
    pub course_slug: Option<String>,
    pub instructor_name: Option<String>,
    pub instructor_email: Option<String>,
}

/// Which live codes a list shows; every filter that is set must hold.
#[derive(Clone, Debug, Default)]
pub struct PromoFilter {
    pub created_by: Option<Id>,
    pub scope: Option<PromoScope>,
    pub active: Option<bool>,
    /// Part of the code, any case.
    pub code: Option<String>,
    pub before: Option<(Timestamp, Id)>,
    pub limit: i64,
}

/// The editable terms of a code.
#[derive(Clone, Debug)]
pub struct PromoFields {
    pub code: String,
    pub description: String,
    pub discount_type: DiscountType,
    pub value: i64,
    pub currency: Option<String>,
    pub min_order_minor: i64,
    pub max_redemptions: Option<i64>,
    pub max_redemptions_per_user: Option<i64>,
    pub valid_from: Option<Timestamp>,
    pub valid_until: Option<Timestamp>,
    pub course_id: Option<Id>,
    pub instructor_id: Option<Id>,
    pub is_active: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum PromoWriteError {
    #[error("another live code is spelled the same")]
    CodeTaken,
    /// A CHECK refused the terms, e.g. a maximum below the redemptions so far.
    #[error("the terms contradict the code's state")]
    Constraint,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl PromoWriteError {
    fn from_sqlx(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::Database(db) if db.is_unique_violation() => PromoWriteError::CodeTaken,
            sqlx::Error::Database(db) if db.is_check_violation() => PromoWriteError::Constraint,
            other => PromoWriteError::Database(other),
        }
    }
}

pub async fn insert(
    tx: &mut Tx,
    id: Id,
    fields: &PromoFields,
    created_by: Id,
    now: Timestamp,
) -> Result<PromoRow, PromoWriteError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO promo_codes (id, code, description, discount_type, value, currency, min_order_minor, \
             max_redemptions, redemption_count, max_redemptions_per_user, valid_from, valid_until, course_id, \
             instructor_id, is_active, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11, $12, $13, $14, $15, $16, $16) \
         RETURNING {PROMO_COLUMNS}"
    ));
    on_tx!(tx, conn => {
        sqlx::query_as(sql)
            .bind(id)
            .bind(&fields.code)
            .bind(&fields.description)
            .bind(fields.discount_type)
            .bind(fields.value)
            .bind(fields.currency.as_deref())
            .bind(fields.min_order_minor)
            .bind(fields.max_redemptions)
            .bind(fields.max_redemptions_per_user)
            .bind(fields.valid_from)
            .bind(fields.valid_until)
            .bind(fields.course_id)
            .bind(fields.instructor_id)
            .bind(fields.is_active)
            .bind(created_by)
            .bind(now)
            .fetch_one(conn)
            .await
    })
    .map_err(PromoWriteError::from_sqlx)
}

pub async fn update(
    tx: &mut Tx,
    id: Id,
    fields: &PromoFields,
    now: Timestamp,
) -> Result<Option<PromoRow>, PromoWriteError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE promo_codes SET code = $2, description = $3, discount_type = $4, value = $5, currency = $6, \
             min_order_minor = $7, max_redemptions = $8, max_redemptions_per_user = $9, valid_from = $10, \
             valid_until = $11, course_id = $12, instructor_id = $13, is_active = $14, updated_at = $15 \
         WHERE id = $1 AND deleted_at IS NULL RETURNING {PROMO_COLUMNS}"
    ));
    on_tx!(tx, conn => {
        sqlx::query_as(sql)
            .bind(id)
            .bind(&fields.code)
            .bind(&fields.description)
            .bind(fields.discount_type)
            .bind(fields.value)
            .bind(fields.currency.as_deref())
            .bind(fields.min_order_minor)
            .bind(fields.max_redemptions)
            .bind(fields.max_redemptions_per_user)
            .bind(fields.valid_from)
            .bind(fields.valid_until)
            .bind(fields.course_id)
            .bind(fields.instructor_id)
            .bind(fields.is_active)
            .bind(now)
            .fetch_optional(conn)
            .await
    })
    .map_err(PromoWriteError::from_sqlx)
}

pub async fn soft_delete(tx: &mut Tx, id: Id, now: Timestamp) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query("UPDATE promo_codes SET deleted_at = $2, updated_at = $2 WHERE id = $1 AND deleted_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(conn)
            .await
            .map(|r| r.rows_affected() == 1)
    })
}

pub async fn find_live(db: &Db, id: Id) -> Result<Option<PromoRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {PROMO_COLUMNS} FROM promo_codes WHERE id = $1 AND deleted_at IS NULL"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
}

/// A live code inside a write transaction, to decide a change from it.
pub async fn find_live_tx(tx: &mut Tx, id: Id) -> Result<Option<PromoRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {PROMO_COLUMNS} FROM promo_codes WHERE id = $1 AND deleted_at IS NULL"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(id).fetch_optional(conn).await)
}

/// A live code by its spelling, ignoring case.
pub async fn find_by_code(db: &Db, code: &str) -> Result<Option<PromoRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {PROMO_COLUMNS} FROM promo_codes WHERE lower(code) = lower($1) AND deleted_at IS NULL"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(code).fetch_optional(pool).await)
}

pub async fn find_by_code_tx(tx: &mut Tx, code: &str) -> Result<Option<PromoRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {PROMO_COLUMNS} FROM promo_codes WHERE lower(code) = lower($1) AND deleted_at IS NULL"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(code).fetch_optional(conn).await)
}

/// Live codes, newest first, with the names they are scoped to.
pub async fn list(db: &Db, filter: &PromoFilter) -> Result<Vec<ListedPromo>, sqlx::Error> {
    let (before_at, before_id) = filter.before.unzip();
    let pattern = filter
        .code
        .as_ref()
        .map(|q| crate::params::like_contains(&q.to_lowercase()));
    // The scope is the shape of two columns, not a stored value.
    let scope = match filter.scope {
        None => "",
        Some(PromoScope::Platform) => "AND p.course_id IS NULL AND p.instructor_id IS NULL",
        Some(PromoScope::Instructor) => "AND p.course_id IS NULL AND p.instructor_id IS NOT NULL",
        Some(PromoScope::Course) => "AND p.course_id IS NOT NULL",
    };
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {PROMO_COLUMNS_P}, {PROMO_NAMES} \
         WHERE p.deleted_at IS NULL {scope} \
           AND ($1 IS NULL OR p.created_by = $1) \
           AND ($2 IS NULL OR p.is_active = $2) \
           AND ($3 IS NULL OR lower(p.code) LIKE $3 ESCAPE '\\') \
           AND ($4 IS NULL OR p.created_at < $4 OR (p.created_at = $4 AND p.id < $5)) \
         ORDER BY p.created_at DESC, p.id DESC LIMIT $6"
    ));
    on_db!(db, pool => {
        sqlx::query_as(sql)
            .bind(filter.created_by)
            .bind(filter.active)
            .bind(pattern.as_deref())
            .bind(before_at)
            .bind(before_id)
            .bind(filter.limit)
            .fetch_all(pool)
            .await
    })
}

/// One live code with the names it is scoped to.
pub async fn find_listed(db: &Db, id: Id) -> Result<Option<ListedPromo>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {PROMO_COLUMNS_P}, {PROMO_NAMES} WHERE p.id = $1 AND p.deleted_at IS NULL"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
}

/// Counts one redemption if the code is still usable now. On PostgreSQL the
/// update also locks the code's row until commit, which serializes the
/// per-student check that follows.
pub async fn redeem(tx: &mut Tx, id: Id, now: Timestamp) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE promo_codes SET redemption_count = redemption_count + 1, updated_at = $2 \
             WHERE id = $1 AND deleted_at IS NULL AND is_active \
               AND (max_redemptions IS NULL OR redemption_count < max_redemptions) \
               AND (valid_from IS NULL OR valid_from <= $2) AND (valid_until IS NULL OR valid_until > $2)",
        )
        .bind(id)
        .bind(now)
        .execute(conn)
        .await
        .map(|r| r.rows_affected() == 1)
    })
}

/// How many of the student's bookings hold the code now (released ones do not count).
pub async fn held_by_student(tx: &mut Tx, id: Id, student_id: Id) -> Result<i64, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query_scalar(HELD_BY_STUDENT).bind(id).bind(student_id).fetch_one(conn)
        .await
    })
}

/// The same count outside a transaction, for previews.
pub async fn held_by_student_now(db: &Db, id: Id, student_id: Id) -> Result<i64, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_scalar(HELD_BY_STUDENT).bind(id).bind(student_id).fetch_one(pool)
        .await
    })
}

pub async fn attach(
    tx: &mut Tx,
    booking_id: Id,
    promo_code_id: Id,
    discount_minor: i64,
    currency: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO booking_promo_codes (id, booking_id, promo_code_id, discount_minor, currency, applied_at, \
                 created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $6)",
        )
        .bind(Id::generate())
        .bind(booking_id)
        .bind(promo_code_id)
        .bind(discount_minor)
        .bind(currency)
        .bind(now)
        .execute(conn)
        .await
        .map(drop)
    })
}

/// Hands the booking's held codes to the booking that replaces it on reschedule.
pub async fn move_to(
    tx: &mut Tx,
    from_booking: Id,
    to_booking: Id,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE booking_promo_codes SET booking_id = $2, updated_at = $3 WHERE booking_id = $1 AND released_at IS NULL",
        )
        .bind(from_booking)
        .bind(to_booking)
        .bind(now)
        .execute(conn)
        .await
        .map(drop)
    })
}

/// Gives back the redemptions of an unpaid booking that ended (expired or
/// cancelled before payment): the code can be used again.
pub async fn release_for_booking(
    tx: &mut Tx,
    booking_id: Id,
    now: Timestamp,
) -> Result<u64, sqlx::Error> {
    let released: Vec<Id> = on_tx!(tx, conn => {
        sqlx::query_scalar(
            "UPDATE booking_promo_codes SET released_at = $2, updated_at = $2 \
             WHERE booking_id = $1 AND released_at IS NULL RETURNING promo_code_id",
        )
        .bind(booking_id)
        .bind(now)
        .fetch_all(conn)
        .await
    })?;
    for promo in &released {
        on_tx!(tx, conn => {
            sqlx::query(
                "UPDATE promo_codes SET redemption_count = redemption_count - 1, updated_at = $2 \
                 WHERE id = $1 AND redemption_count > 0",
            )
            .bind(promo)
            .bind(now)
            .execute(conn)
            .await
            .map(drop)
        })?;
    }
    Ok(released.len() as u64)
}
