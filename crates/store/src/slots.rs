//! Availability slots: bookable sessions of a course, single or part of a
//! recurring series (one row per occurrence, linked to the series' first row).

use medicaledu_domain::{Id, SlotStatus, Timestamp};
use serde_json::Value;
use sqlx::types::Json;

use crate::params::{Param, Params, bind_params};
use crate::{Db, Tx, on_db, on_tx};

const SLOT_COLUMNS: &str = "id, course_id, series_id, starts_at, ends_at, timezone, capacity, seats_booked, \
     price_minor, currency, location, meeting_url, status, recurrence, cancelled_at, revision, created_at, \
     updated_at, deleted_at";

/// The same columns qualified by the alias `s`, for joins.
const SLOT_COLUMNS_S: &str = "s.id, s.course_id, s.series_id, s.starts_at, s.ends_at, s.timezone, s.capacity, \
     s.seats_booked, s.price_minor, s.currency, s.location, s.meeting_url, s.status, s.recurrence, s.cancelled_at, \
     s.revision, s.created_at, s.updated_at, s.deleted_at";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SlotRow {
    pub id: Id,
    pub course_id: Id,
    pub series_id: Option<Id>,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub timezone: String,
    pub capacity: i64,
    pub seats_booked: i64,
    pub price_minor: i64,
    pub currency: String,
    pub location: Option<String>,
    pub meeting_url: Option<String>,
    pub status: SlotStatus,
    pub recurrence: Option<Json<Value>>,
    pub cancelled_at: Option<Timestamp>,
    pub revision: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

#[derive(Clone, Debug)]
pub struct NewSlot {
    pub id: Id,
    pub course_id: Id,
    pub series_id: Option<Id>,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub timezone: String,
    pub capacity: i64,
    pub price_minor: i64,
    pub currency: String,
    pub location: Option<String>,
    pub meeting_url: Option<String>,
    pub recurrence: Option<Value>,
}

/// Serializes every change to one instructor's timetable: on PostgreSQL the
/// instructor's account row is locked until commit, so two concurrent creates
/// cannot both pass the overlap check. SQLite's write lock already does this.
pub async fn lock_instructor(tx: &mut Tx, instructor_id: Id) -> Result<(), sqlx::Error> {
    match tx {
        Tx::Postgres(tx) => sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
            .bind(instructor_id)
            .execute(&mut **tx)
            .await
            .map(drop),
        Tx::Sqlite(_) => Ok(()),
    }
}

/// The instructor's live slots that start in `[from, to)`, across all their
/// courses, each with its course's title, ordered by start. With slots no longer than the caller's maximum
/// duration, `from = start - max_duration` finds every slot overlapping
/// `[start, to)`.
pub async fn instructor_slots_between(
    tx: &mut Tx,
    instructor_id: Id,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<ScheduledSlot>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {SLOT_COLUMNS_S}, c.title AS course_title FROM availability_slots s \
         JOIN courses c ON c.id = s.course_id \
         WHERE c.instructor_id = $1 AND s.deleted_at IS NULL AND s.status <> 'cancelled' \
           AND s.starts_at >= $2 AND s.starts_at < $3 \
         ORDER BY s.starts_at, s.id"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(instructor_id).bind(from).bind(to).fetch_all(conn).await)
}

/// The instructor's live, not cancelled sessions across all their courses
/// that start in `[from, to)`, each with its course's title, by start.
pub async fn of_instructor(
    db: &Db,
    instructor_id: Id,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<ScheduledSlot>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {SLOT_COLUMNS_S}, c.title AS course_title FROM availability_slots s \
         JOIN courses c ON c.id = s.course_id \
         WHERE c.instructor_id = $1 AND c.deleted_at IS NULL AND s.deleted_at IS NULL \
           AND s.status <> 'cancelled' AND s.starts_at >= $2 AND s.starts_at < $3 \
         ORDER BY s.starts_at, s.id LIMIT 1000"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(instructor_id).bind(from).bind(to).fetch_all(pool).await)
}

/// A slot with the title of its course.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ScheduledSlot {
    #[sqlx(flatten)]
    pub slot: SlotRow,
    pub course_title: String,
}

pub async fn insert(tx: &mut Tx, slot: &NewSlot, now: Timestamp) -> Result<SlotRow, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO availability_slots (id, course_id, series_id, starts_at, ends_at, timezone, capacity, \
             seats_booked, price_minor, currency, location, meeting_url, status, recurrence, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10, $11, 'open', $12, $13, $13) \
         RETURNING {SLOT_COLUMNS}"
    ));
    on_tx!(tx, conn => {
        sqlx::query_as(sql)
            .bind(slot.id)
            .bind(slot.course_id)
            .bind(slot.series_id)
            .bind(slot.starts_at)
            .bind(slot.ends_at)
            .bind(&slot.timezone)
            .bind(slot.capacity)
            .bind(slot.price_minor)
            .bind(&slot.currency)
            .bind(slot.location.as_deref())
            .bind(slot.meeting_url.as_deref())
            .bind(slot.recurrence.as_ref().map(Json))
            .bind(now)
            .fetch_one(conn)
            .await
    })
}

pub async fn find_live(db: &Db, id: Id) -> Result<Option<SlotRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {SLOT_COLUMNS} FROM availability_slots WHERE id = $1 AND deleted_at IS NULL"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
}

pub async fn find_tx(tx: &mut Tx, id: Id) -> Result<Option<SlotRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {SLOT_COLUMNS} FROM availability_slots WHERE id = $1"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(id).fetch_optional(conn).await)
}

/// The slot even if deleted: bookings keep pointing at it.
pub async fn find_any(db: &Db, id: Id) -> Result<Option<SlotRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {SLOT_COLUMNS} FROM availability_slots WHERE id = $1"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
}

#[derive(Clone, Debug)]
pub struct SlotChanges {
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub capacity: i64,
    /// Bookings keep the price they were made at; this is for new ones.
    pub price_minor: i64,
    pub location: Option<String>,
    pub meeting_url: Option<String>,
}

/// Applies changes unless the new capacity is below the seats already taken
/// (checked in the statement, against the row as it is now). A move bumps the
/// revision so calendars update.
pub async fn update(
    tx: &mut Tx,
    id: Id,
    changes: &SlotChanges,
    now: Timestamp,
) -> Result<Option<SlotRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE availability_slots SET starts_at = $2, ends_at = $3, capacity = $4, location = $5, meeting_url = $6, \
             price_minor = $8, \
             revision = revision + CASE WHEN starts_at <> $2 OR ends_at <> $3 THEN 1 ELSE 0 END, updated_at = $7 \
         WHERE id = $1 AND deleted_at IS NULL AND status <> 'cancelled' AND seats_booked <= $4 \
         RETURNING {SLOT_COLUMNS}"
    ));
    on_tx!(tx, conn => {
        sqlx::query_as(sql)
            .bind(id)
            .bind(changes.starts_at)
            .bind(changes.ends_at)
            .bind(changes.capacity)
            .bind(changes.location.as_deref())
            .bind(changes.meeting_url.as_deref())
            .bind(now)
            .bind(changes.price_minor)
            .fetch_optional(conn)
            .await
    })
}

/// Which occurrences a cancellation or an edit covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    This,
    Following,
    Series,
}

/// The condition naming the slots of `scope` around `slot`, its values
/// pushed onto `params`.
fn scope_condition(params: &mut Params, slot: &SlotRow, scope: Scope) -> String {
    let id = params.push(Param::Id(slot.id));
    let series = slot.series_id.unwrap_or(slot.id);
    match scope {
        Scope::This => format!("id = {id}"),
        Scope::Following => {
            let series = params.push(Param::Id(series));
            let from = params.push(Param::Time(slot.starts_at));
            format!("(id = {id} OR (series_id = {series} AND starts_at >= {from}))")
        }
        Scope::Series => {
            let series = params.push(Param::Id(series));
            format!("(id = {id} OR series_id = {series})")
        }
    }
}

/// The query for the live slots of `scope` around `slot`, by start.
fn in_scope_query(slot: &SlotRow, scope: Scope) -> (String, Params) {
    let mut params = Params::default();
    let which = scope_condition(&mut params, slot, scope);
    let sql = format!(
        "SELECT {SLOT_COLUMNS} FROM availability_slots WHERE {which} AND deleted_at IS NULL \
         ORDER BY starts_at, id"
    );
    (sql, params)
}

/// The live slots a cancellation of `scope` would cover, by start.
pub async fn in_scope(db: &Db, slot: &SlotRow, scope: Scope) -> Result<Vec<SlotRow>, sqlx::Error> {
    let (sql, params) = in_scope_query(slot, scope);
    let sql = sqlx::AssertSqlSafe(sql);
    on_db!(db, pool => bind_params!(sqlx::query_as(sql), params.0).fetch_all(pool).await)
}

/// The same slots read inside a write transaction, for a change that
/// decides on them.
pub async fn in_scope_tx(
    tx: &mut Tx,
    slot: &SlotRow,
    scope: Scope,
) -> Result<Vec<SlotRow>, sqlx::Error> {
    let (sql, params) = in_scope_query(slot, scope);
    let sql = sqlx::AssertSqlSafe(sql);
    on_tx!(tx, conn => bind_params!(sqlx::query_as(sql), params.0).fetch_all(conn).await)
}

/// Cancels (and soft-deletes) the live slots in scope; returns them.
pub async fn cancel(
    tx: &mut Tx,
    slot: &SlotRow,
    scope: Scope,
    now: Timestamp,
) -> Result<Vec<SlotRow>, sqlx::Error> {
    let mut params = Params::default();
    let at = params.push(Param::Time(now));
    let which = scope_condition(&mut params, slot, scope);
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE availability_slots SET status = 'cancelled', cancelled_at = {at}, deleted_at = {at}, \
             updated_at = {at}, revision = revision + 1 \
         WHERE {which} AND deleted_at IS NULL \
         RETURNING {SLOT_COLUMNS}"
    ));
    on_tx!(tx, conn => bind_params!(sqlx::query_as(sql), params.0).fetch_all(conn).await)
}

/// Bookable slots: open, live, starting after `not_before`, with seats left,
/// starting in `[from, to)`; for one course or for every course of an instructor.
pub async fn bookable(
    db: &Db,
    course_id: Option<Id>,
    instructor_id: Option<Id>,
    from: Timestamp,
    to: Timestamp,
    not_before: Timestamp,
) -> Result<Vec<SlotRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {SLOT_COLUMNS_S} FROM availability_slots s JOIN courses c ON c.id = s.course_id \
         WHERE ($1 IS NULL OR s.course_id = $1) AND ($2 IS NULL OR c.instructor_id = $2) \
           AND s.deleted_at IS NULL AND s.status = 'open' AND s.seats_booked < s.capacity \
           AND s.starts_at >= $3 AND s.starts_at < $4 AND s.starts_at > $5 \
           AND c.deleted_at IS NULL AND c.status = 'published' \
         ORDER BY s.starts_at, s.id LIMIT 1000"
    ));
    on_db!(db, pool => {
        sqlx::query_as(sql).bind(course_id).bind(instructor_id).bind(from).bind(to).bind(not_before).fetch_all(pool).await
    })
}

/// Takes one seat if one is left and the slot is open and live. The condition
/// is part of the update, so concurrent bookings can never overbook; the CHECK
/// `seats_booked <= capacity` is the backstop.
pub async fn take_seat(tx: &mut Tx, id: Id, now: Timestamp) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE availability_slots SET seats_booked = seats_booked + 1, updated_at = $2 \
             WHERE id = $1 AND seats_booked < capacity AND status = 'open' AND deleted_at IS NULL",
        )
        .bind(id)
        .bind(now)
        .execute(conn)
        .await
        .map(|r| r.rows_affected() == 1)
    })
}

pub async fn release_seat(tx: &mut Tx, id: Id, now: Timestamp) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE availability_slots SET seats_booked = seats_booked - 1, updated_at = $2 \
             WHERE id = $1 AND seats_booked > 0",
        )
        .bind(id)
        .bind(now)
        .execute(conn)
        .await
        .map(drop)
    })
}
