//! Charges and refunds. A refund is its own row linked to its charge, and the
//! charge's `refunded_minor` only grows through a conditional update that
//! never lets it pass the charged amount; the CHECK is the backstop.

use medicaledu_domain::{Id, PaymentKind, PaymentProvider, PaymentStatus, Timestamp};
use serde_json::Value;
use sqlx::types::Json;

use crate::params::{Param, Params, bind_params};
use crate::{Db, Tx, on_db, on_tx};

const PAYMENT_COLUMNS: &str = "id, booking_id, provider, provider_payment_id, kind, refund_of, amount_minor, \
     refunded_minor, currency, status, failure_reason, idempotency_key, provider_metadata, processed_at, created_at, \
     updated_at";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PaymentRow {
    pub id: Id,
    pub booking_id: Id,
    pub provider: PaymentProvider,
    pub provider_payment_id: Option<String>,
    pub kind: PaymentKind,
    pub refund_of: Option<Id>,
    pub amount_minor: i64,
    pub refunded_minor: i64,
    pub currency: String,
    pub status: PaymentStatus,
    pub failure_reason: Option<String>,
    pub idempotency_key: String,
    pub provider_metadata: Json<Value>,
    pub processed_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Clone, Debug)]
pub struct NewPayment<'a> {
    pub id: Id,
    pub booking_id: Id,
    pub provider: PaymentProvider,
    pub kind: PaymentKind,
    pub refund_of: Option<Id>,
    pub amount_minor: i64,
    pub currency: &'a str,
    pub status: PaymentStatus,
    pub provider_payment_id: Option<&'a str>,
    pub idempotency_key: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum InsertPaymentError {
    /// The idempotency key, or the provider's id, is already recorded.
    #[error("a payment with this idempotency key or provider id exists")]
    Duplicate,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

pub async fn insert(
    tx: &mut Tx,
    payment: &NewPayment<'_>,
    now: Timestamp,
) -> Result<PaymentRow, InsertPaymentError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO payments (id, booking_id, provider, provider_payment_id, kind, refund_of, amount_minor, currency, \
             status, idempotency_key, processed_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $9 = 'succeeded' THEN $11 END, $11, $11) \
         RETURNING {PAYMENT_COLUMNS}"
    ));
    let inserted = on_tx!(tx, conn => {
        sqlx::query_as(sql)
            .bind(payment.id)
            .bind(payment.booking_id)
            .bind(payment.provider)
            .bind(payment.provider_payment_id)
            .bind(payment.kind)
            .bind(payment.refund_of)
            .bind(payment.amount_minor)
            .bind(payment.currency)
            .bind(payment.status)
            .bind(payment.idempotency_key)
            .bind(now)
            .fetch_one(conn)
            .await
    });
    inserted.map_err(|e| match e {
        sqlx::Error::Database(db) if db.is_unique_violation() => InsertPaymentError::Duplicate,
        other => InsertPaymentError::Database(other),
    })
}

pub async fn find(db: &Db, id: Id) -> Result<Option<PaymentRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments WHERE id = $1"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
}

/// Reads the payment and, on PostgreSQL, locks it until commit (SQLite's write
/// transaction already excludes other writers), so decisions taken from its
/// amounts stay true until they are written.
pub async fn find_for_update(tx: &mut Tx, id: Id) -> Result<Option<PaymentRow>, sqlx::Error> {
    match tx {
        Tx::Postgres(tx) => {
            let sql = sqlx::AssertSqlSafe(format!(
                "SELECT {PAYMENT_COLUMNS} FROM payments WHERE id = $1 FOR UPDATE"
            ));
            sqlx::query_as(sql).bind(id).fetch_optional(&mut **tx).await
        }
        Tx::Sqlite(tx) => {
            let sql = sqlx::AssertSqlSafe(format!(
                "SELECT {PAYMENT_COLUMNS} FROM payments WHERE id = $1"
            ));
            sqlx::query_as(sql).bind(id).fetch_optional(&mut **tx).await
        }
    }
}

pub async fn find_by_key(
    tx: &mut Tx,
    idempotency_key: &str,
) -> Result<Option<PaymentRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments WHERE idempotency_key = $1"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(idempotency_key).fetch_optional(conn).await)
}

pub async fn find_by_provider_id(
    db: &Db,
    provider: PaymentProvider,
    provider_payment_id: &str,
) -> Result<Option<PaymentRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments WHERE provider = $1 AND provider_payment_id = $2"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(provider).bind(provider_payment_id).fetch_optional(pool).await)
}

/// Records what the provider answered to a new charge or refund.
pub async fn set_provider_details(
    tx: &mut Tx,
    id: Id,
    provider_payment_id: Option<&str>,
    metadata: &Value,
    now: Timestamp,
) -> Result<Option<PaymentRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE payments SET provider_payment_id = COALESCE($2, provider_payment_id), provider_metadata = $3, \
             updated_at = $4 \
         WHERE id = $1 RETURNING {PAYMENT_COLUMNS}"
    ));
    on_tx!(tx, conn => {
        sqlx::query_as(sql).bind(id).bind(provider_payment_id).bind(Json(metadata)).bind(now).fetch_optional(conn).await
    })
}

/// Moves a payment to `to` only from one of `from`; `None` means another
/// event or request already moved it, which makes webhook replays harmless.
pub async fn set_status(
    tx: &mut Tx,
    id: Id,
    from: &[PaymentStatus],
    to: PaymentStatus,
    failure_reason: Option<&str>,
    now: Timestamp,
) -> Result<Option<PaymentRow>, sqlx::Error> {
    let mut params = Params::default();
    let id_p = params.push(Param::Id(id));
    let to_p = params.push(Param::Text(to.as_str().to_owned()));
    let now_p = params.push(Param::Time(now));
    let reason = match failure_reason {
        Some(r) => params.push(Param::Text(r.to_owned())),
        None => "failure_reason".to_owned(),
    };
    let from_list: Vec<String> = from
        .iter()
        .map(|s| params.push(Param::Text(s.as_str().to_owned())))
        .collect();
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE payments SET status = {to_p}, failure_reason = {reason}, processed_at = {now_p}, updated_at = {now_p} \
         WHERE id = {id_p} AND status IN ({}) RETURNING {PAYMENT_COLUMNS}",
        from_list.join(", ")
    ));
    on_tx!(tx, conn => bind_params!(sqlx::query_as(sql), params.0).fetch_optional(conn).await)
}

/// Reserves `amount` of a succeeded charge for a refund. False when that
/// would refund more than was charged — also when concurrent refunds race.
pub async fn reserve_refund(
    tx: &mut Tx,
    charge_id: Id,
    amount: i64,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE payments SET refunded_minor = refunded_minor + $2, updated_at = $3 \
             WHERE id = $1 AND kind = 'charge' AND status = 'succeeded' AND refunded_minor + $2 <= amount_minor",
        )
        .bind(charge_id)
        .bind(amount)
        .bind(now)
        .execute(conn)
        .await
        .map(|r| r.rows_affected() == 1)
    })
}

/// Gives back a reservation whose refund the provider refused.
pub async fn unreserve_refund(
    tx: &mut Tx,
    charge_id: Id,
    amount: i64,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE payments SET refunded_minor = refunded_minor - $2, updated_at = $3 \
             WHERE id = $1 AND refunded_minor >= $2",
        )
        .bind(charge_id)
        .bind(amount)
        .bind(now)
        .execute(conn)
        .await
        .map(drop)
    })
}

/// A booking's payments, oldest first.
pub async fn for_booking(db: &Db, booking_id: Id) -> Result<Vec<PaymentRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments WHERE booking_id = $1 ORDER BY created_at, id"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(booking_id).fetch_all(pool).await)
}

pub async fn for_booking_tx(tx: &mut Tx, booking_id: Id) -> Result<Vec<PaymentRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments WHERE booking_id = $1 ORDER BY created_at, id"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(booking_id).fetch_all(conn).await)
}

#[derive(Clone, Debug, Default)]
pub struct PaymentFilter {
    pub status: Option<String>,
    pub provider: Option<String>,
    pub kind: Option<String>,
    pub currency: Option<String>,
    pub booking_id: Option<Id>,
    /// Created at or after.
    pub from: Option<Timestamp>,
    /// Created before.
    pub to: Option<Timestamp>,
    pub before: Option<(Timestamp, Id)>,
    pub limit: i64,
}

/// Payments for administrators, newest first.
pub async fn list(db: &Db, filter: &PaymentFilter) -> Result<Vec<PaymentRow>, sqlx::Error> {
    let mut params = Params::default();
    let mut sql = format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE 1 = 1");
    for (column, value) in [
        ("status", &filter.status),
        ("provider", &filter.provider),
        ("kind", &filter.kind),
        ("currency", &filter.currency),
    ] {
        if let Some(v) = value {
            sql.push_str(&format!(
                " AND {column} = {}",
                params.push(Param::Text(v.clone()))
            ));
        }
    }
    if let Some(booking) = filter.booking_id {
        sql.push_str(&format!(
            " AND booking_id = {}",
            params.push(Param::Id(booking))
        ));
    }
    if let Some(from) = filter.from {
        sql.push_str(&format!(
            " AND created_at >= {}",
            params.push(Param::Time(from))
        ));
    }
    if let Some(to) = filter.to {
        sql.push_str(&format!(
            " AND created_at < {}",
            params.push(Param::Time(to))
        ));
    }
    if let Some((at, id)) = filter.before {
        let at = params.push(Param::Time(at));
        let id = params.push(Param::Id(id));
        sql.push_str(&format!(
            " AND (created_at < {at} OR (created_at = {at} AND id < {id}))"
        ));
    }
    sql.push_str(&format!(
        " ORDER BY created_at DESC, id DESC LIMIT {}",
        params.push(Param::Int(filter.limit))
    ));
    let sql = sqlx::AssertSqlSafe(sql);
    on_db!(db, pool => bind_params!(sqlx::query_as(sql), params.0).fetch_all(pool).await)
}

/// One succeeded money movement for the revenue report, with the names its
/// course and instructor have now (a report names its groups).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RevenueRow {
    pub kind: PaymentKind,
    pub amount_minor: i64,
    pub currency: String,
    pub processed_at: Timestamp,
    pub course_id: Id,
    pub course_title: String,
    pub instructor_id: Id,
    pub instructor_name: String,
}

/// What both revenue queries select and join: a payment with its booking's
/// course and that course's instructor.
const REVENUE_FROM: &str = "SELECT p.kind, p.amount_minor, p.currency, p.processed_at, \
     c.id AS course_id, c.title AS course_title, c.instructor_id, u.full_name AS instructor_name \
     FROM payments p JOIN bookings b ON b.id = p.booking_id \
     JOIN availability_slots s ON s.id = b.slot_id JOIN courses c ON c.id = s.course_id \
     JOIN users u ON u.id = c.instructor_id";

/// Succeeded charges and refunds processed in `[from, to)`, with the course
/// and instructor they belong to.
pub async fn revenue_rows(
    db: &Db,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<RevenueRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{REVENUE_FROM} \
         WHERE p.status = 'succeeded' AND p.processed_at >= $1 AND p.processed_at < $2 \
         ORDER BY p.processed_at, p.id"
    ));
    on_db!(db, pool => {
        sqlx::query_as(sql)
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await
    })
}

/// [`revenue_rows`] of one instructor's courses only.
pub async fn revenue_rows_of_instructor(
    db: &Db,
    instructor_id: Id,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<RevenueRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{REVENUE_FROM} \
         WHERE c.instructor_id = $1 AND p.status = 'succeeded' \
           AND p.processed_at >= $2 AND p.processed_at < $3 \
         ORDER BY p.processed_at, p.id"
    ));
    on_db!(db, pool => {
        sqlx::query_as(sql)
        .bind(instructor_id)
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await
    })
}
