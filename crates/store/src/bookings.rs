//! Bookings: a student's seat in a slot, through its whole lifecycle. Every
//! transition is a conditional update on the current status, so two
//! concurrent transitions of one booking cannot both happen.

use medicaledu_domain::{BookingStatus, Id, Timestamp};

use crate::params::{Param, Params, bind_params};
use crate::{Db, Tx, on_db, on_tx};

const BOOKING_COLUMNS: &str = "id, slot_id, student_id, status, list_price_minor, discount_minor, total_minor, \
     currency, hold_expires_at, confirmed_at, cancelled_at, cancelled_by, cancel_reason, refund_eligible, \
     completed_at, rescheduled_from, reschedule_count, idempotency_key, request_fingerprint, revision, created_at, \
     updated_at";

const BOOKING_COLUMNS_B: &str = "b.id, b.slot_id, b.student_id, b.status, b.list_price_minor, b.discount_minor, \
     b.total_minor, b.currency, b.hold_expires_at, b.confirmed_at, b.cancelled_at, b.cancelled_by, b.cancel_reason, \
     b.refund_eligible, b.completed_at, b.rescheduled_from, b.reschedule_count, b.idempotency_key, \
     b.request_fingerprint, b.revision, b.created_at, b.updated_at";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct BookingRow {
    pub id: Id,
    pub slot_id: Id,
    pub student_id: Id,
    pub status: BookingStatus,
    pub list_price_minor: i64,
    pub discount_minor: i64,
    pub total_minor: i64,
    pub currency: String,
    pub hold_expires_at: Option<Timestamp>,
    pub confirmed_at: Option<Timestamp>,
    pub cancelled_at: Option<Timestamp>,
    pub cancelled_by: Option<Id>,
    pub cancel_reason: Option<String>,
    pub refund_eligible: Option<bool>,
    pub completed_at: Option<Timestamp>,
    pub rescheduled_from: Option<Id>,
    pub reschedule_count: i64,
    pub idempotency_key: Option<String>,
    pub request_fingerprint: Option<String>,
    pub revision: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Clone, Debug)]
pub struct NewBooking<'a> {
    pub id: Id,
    pub slot_id: Id,
    pub student_id: Id,
    pub status: BookingStatus,
    pub list_price_minor: i64,
    pub discount_minor: i64,
    pub currency: &'a str,
    pub hold_expires_at: Option<Timestamp>,
    pub rescheduled_from: Option<Id>,
    pub reschedule_count: i64,
    pub idempotency_key: Option<&'a str>,
    pub request_fingerprint: Option<&'a str>,
}

#[derive(Debug, thiserror::Error)]
pub enum InsertBookingError {
    /// The partial unique index: one live booking per student and slot, or
    /// one booking per student and idempotency key.
    #[error("the student already holds a booking for this slot or this idempotency key")]
    Duplicate,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

pub async fn insert(
    tx: &mut Tx,
    booking: &NewBooking<'_>,
    now: Timestamp,
) -> Result<BookingRow, InsertBookingError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO bookings (id, slot_id, student_id, status, list_price_minor, discount_minor, total_minor, currency, \
             hold_expires_at, confirmed_at, rescheduled_from, reschedule_count, idempotency_key, request_fingerprint, \
             created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $5 - $6, $7, $8, CASE WHEN $4 = 'confirmed' THEN $13 END, $9, $10, $11, $12, \
             $13, $13) \
         RETURNING {BOOKING_COLUMNS}"
    ));
    let inserted = on_tx!(tx, conn => {
        sqlx::query_as(sql)
            .bind(booking.id)
            .bind(booking.slot_id)
            .bind(booking.student_id)
            .bind(booking.status)
            .bind(booking.list_price_minor)
            .bind(booking.discount_minor)
            .bind(booking.currency)
            .bind(booking.hold_expires_at)
            .bind(booking.rescheduled_from)
            .bind(booking.reschedule_count)
            .bind(booking.idempotency_key)
            .bind(booking.request_fingerprint)
            .bind(now)
            .fetch_one(conn)
            .await
    });
    inserted.map_err(|e| match e {
        sqlx::Error::Database(db) if db.is_unique_violation() => InsertBookingError::Duplicate,
        other => InsertBookingError::Database(other),
    })
}

pub async fn find(db: &Db, id: Id) -> Result<Option<BookingRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {BOOKING_COLUMNS} FROM bookings WHERE id = $1"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
}

pub async fn find_tx(tx: &mut Tx, id: Id) -> Result<Option<BookingRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {BOOKING_COLUMNS} FROM bookings WHERE id = $1"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(id).fetch_optional(conn).await)
}

pub async fn find_by_idempotency_key(
    tx: &mut Tx,
    student_id: Id,
    key: &str,
) -> Result<Option<BookingRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {BOOKING_COLUMNS} FROM bookings WHERE student_id = $1 AND idempotency_key = $2"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(student_id).bind(key).fetch_optional(conn).await)
}

/// Reads the booking and, on PostgreSQL, locks it until commit (SQLite's write
/// transaction already excludes other writers), so a decision taken from its
/// status (refund eligibility, promo release) cannot be overtaken by a
/// concurrent payment or cancellation.
pub async fn find_for_update(tx: &mut Tx, id: Id) -> Result<Option<BookingRow>, sqlx::Error> {
    match tx {
        Tx::Postgres(tx) => {
            let sql = sqlx::AssertSqlSafe(format!(
                "SELECT {BOOKING_COLUMNS} FROM bookings WHERE id = $1 FOR UPDATE"
            ));
            sqlx::query_as(sql).bind(id).fetch_optional(&mut **tx).await
        }
        Tx::Sqlite(tx) => {
            let sql = sqlx::AssertSqlSafe(format!(
                "SELECT {BOOKING_COLUMNS} FROM bookings WHERE id = $1"
            ));
            sqlx::query_as(sql).bind(id).fetch_optional(&mut **tx).await
        }
    }
}

/// The student's live (pending or confirmed) booking of a slot.
pub async fn find_live_for(
    tx: &mut Tx,
    student_id: Id,
    slot_id: Id,
) -> Result<Option<BookingRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {BOOKING_COLUMNS} FROM bookings \
         WHERE student_id = $1 AND slot_id = $2 AND status IN ('pending', 'confirmed')"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(student_id).bind(slot_id).fetch_optional(conn).await)
}

/// What a transition writes besides the status.
#[derive(Clone, Debug, Default)]
pub struct Transition {
    pub cancelled_by: Option<Id>,
    pub cancel_reason: Option<String>,
    pub refund_eligible: Option<bool>,
}

/// Moves the booking to `to` if its status is one of `from`; returns the
/// updated row, or `None` when another request moved it first.
pub async fn transition(
    tx: &mut Tx,
    id: Id,
    from: &[BookingStatus],
    to: BookingStatus,
    details: &Transition,
    now: Timestamp,
) -> Result<Option<BookingRow>, sqlx::Error> {
    let mut params = Params::default();
    let id_p = params.push(Param::Id(id));
    let to_p = params.push(Param::Text(to.as_str().to_owned()));
    let now_p = params.push(Param::Time(now));
    let from_list: Vec<String> = from
        .iter()
        .map(|s| params.push(Param::Text(s.as_str().to_owned())))
        .collect();
    let mut sets = vec![
        format!("status = {to_p}"),
        format!("updated_at = {now_p}"),
        "revision = revision + 1".to_owned(),
    ];
    match to {
        BookingStatus::Confirmed => sets.push(format!("confirmed_at = {now_p}")),
        BookingStatus::Completed => sets.push(format!("completed_at = {now_p}")),
        BookingStatus::Cancelled => {
            sets.push(format!("cancelled_at = {now_p}"));
            if let Some(by) = details.cancelled_by {
                sets.push(format!("cancelled_by = {}", params.push(Param::Id(by))));
            }
            if let Some(reason) = &details.cancel_reason {
                sets.push(format!(
                    "cancel_reason = {}",
                    params.push(Param::Text(reason.clone()))
                ));
            }
            if let Some(eligible) = details.refund_eligible {
                sets.push(format!(
                    "refund_eligible = {}",
                    if eligible { "TRUE" } else { "FALSE" }
                ));
            }
        }
        _ => {}
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE bookings SET {} WHERE id = {id_p} AND status IN ({}) RETURNING {BOOKING_COLUMNS}",
        sets.join(", "),
        from_list.join(", ")
    ));
    on_tx!(tx, conn => bind_params!(sqlx::query_as(sql), params.0).fetch_optional(conn).await)
}

/// Live bookings of a slot (to cancel them with the slot).
pub async fn live_for_slot(tx: &mut Tx, slot_id: Id) -> Result<Vec<BookingRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {BOOKING_COLUMNS} FROM bookings WHERE slot_id = $1 AND status IN ('pending', 'confirmed') ORDER BY id"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(slot_id).fetch_all(conn).await)
}

/// A booking of a session's roster with its student and whether a charge
/// for it succeeded.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RosterRow {
    #[sqlx(flatten)]
    pub booking: BookingRow,
    pub student_name: String,
    pub student_email: String,
    pub paid: bool,
}

/// Every booking of the slots `slot_ids` (live or not, so the roster keeps
/// its history), oldest first.
pub async fn roster(db: &Db, slot_ids: &[Id]) -> Result<Vec<RosterRow>, sqlx::Error> {
    if slot_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut params = Params::default();
    let list: Vec<String> = slot_ids
        .iter()
        .map(|id| params.push(Param::Id(*id)))
        .collect();
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {BOOKING_COLUMNS_B}, u.full_name AS student_name, u.email AS student_email, \
             EXISTS (SELECT 1 FROM payments p WHERE p.booking_id = b.id AND p.kind = 'charge' \
                     AND p.status = 'succeeded') AS paid \
         FROM bookings b JOIN users u ON u.id = b.student_id \
         WHERE b.slot_id IN ({}) ORDER BY b.created_at, b.id LIMIT 5000",
        list.join(", ")
    ));
    on_db!(db, pool => bind_params!(sqlx::query_as(sql), params.0).fetch_all(pool).await)
}

/// Pending bookings whose hold ran out, oldest first (the sweeper expires them).
pub async fn due_holds(db: &Db, now: Timestamp, limit: i64) -> Result<Vec<Id>, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_scalar(
            "SELECT id FROM bookings WHERE status = 'pending' AND hold_expires_at < $1 ORDER BY hold_expires_at LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(pool)
        .await
    })
}

/// The slots starting in `[from, to)` on which the student holds a confirmed
/// booking.
pub async fn confirmed_slots_of(
    db: &Db,
    student_id: Id,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<Id>, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_scalar(
            "SELECT b.slot_id FROM bookings b JOIN availability_slots s ON s.id = b.slot_id \
             WHERE b.student_id = $1 AND b.status = 'confirmed' AND s.starts_at >= $2 AND s.starts_at < $3",
        )
        .bind(student_id)
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await
    })
}

/// The student's pending bookings whose payment hold still runs at `now`
/// (a hold that ran out is released by the sweep and holds nothing).
pub async fn pending_held_by(
    tx: &mut Tx,
    student_id: Id,
    now: Timestamp,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM bookings WHERE student_id = $1 AND status = 'pending' \
             AND (hold_expires_at IS NULL OR hold_expires_at >= $2)",
        )
        .bind(student_id)
        .bind(now)
        .fetch_one(conn)
        .await
    })
}

#[derive(Clone, Debug, Default)]
pub struct BookingFilter {
    pub student_id: Option<Id>,
    pub instructor_id: Option<Id>,
    pub status: Option<BookingStatus>,
    /// `Some(true)`: slots starting after `now`; `Some(false)`: before.
    pub upcoming: Option<bool>,
    pub now: Option<Timestamp>,
    pub before: Option<(Timestamp, Id)>,
    pub limit: i64,
}

/// Bookings for a student or on an instructor's slots, newest first.
pub async fn list(db: &Db, filter: &BookingFilter) -> Result<Vec<BookingRow>, sqlx::Error> {
    let mut params = Params::default();
    let mut sql = format!(
        "SELECT {BOOKING_COLUMNS_B} FROM bookings b JOIN availability_slots s ON s.id = b.slot_id \
         JOIN courses c ON c.id = s.course_id WHERE 1 = 1"
    );
    if let Some(student) = filter.student_id {
        sql.push_str(&format!(
            " AND b.student_id = {}",
            params.push(Param::Id(student))
        ));
    }
    if let Some(instructor) = filter.instructor_id {
        sql.push_str(&format!(
            " AND c.instructor_id = {}",
            params.push(Param::Id(instructor))
        ));
    }
    if let Some(status) = &filter.status {
        sql.push_str(&format!(
            " AND b.status = {}",
            params.push(Param::Text(status.as_str().to_owned()))
        ));
    }
    if let (Some(upcoming), Some(now)) = (filter.upcoming, filter.now) {
        let op = if upcoming { ">=" } else { "<" };
        sql.push_str(&format!(
            " AND s.starts_at {op} {}",
            params.push(Param::Time(now))
        ));
    }
    if let Some((at, id)) = filter.before {
        let at = params.push(Param::Time(at));
        let id = params.push(Param::Id(id));
        sql.push_str(&format!(
            " AND (b.created_at < {at} OR (b.created_at = {at} AND b.id < {id}))"
        ));
    }
    sql.push_str(&format!(
        " ORDER BY b.created_at DESC, b.id DESC LIMIT {}",
        params.push(Param::Int(filter.limit))
    ));
    let sql = sqlx::AssertSqlSafe(sql);
    on_db!(db, pool => bind_params!(sqlx::query_as(sql), params.0).fetch_all(pool).await)
}

/// A user's bookings for the calendar feed: as a student, and on their slots
/// as an instructor.
pub async fn for_calendar(
    db: &Db,
    user_id: Id,
    since: Timestamp,
) -> Result<Vec<BookingRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {BOOKING_COLUMNS_B} FROM bookings b JOIN availability_slots s ON s.id = b.slot_id \
         JOIN courses c ON c.id = s.course_id \
         WHERE (b.student_id = $1 OR c.instructor_id = $1) \
           AND b.status IN ('confirmed', 'completed', 'cancelled') AND (b.confirmed_at IS NOT NULL) \
           AND s.ends_at >= $2 \
         ORDER BY s.starts_at, b.id LIMIT 2000"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(user_id).bind(since).fetch_all(pool).await)
}
