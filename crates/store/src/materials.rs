//! Course materials, ordered by a position unique among a course's live
//! materials.

use medicaledu_domain::{Id, MaterialKind, Timestamp};

use crate::{Db, Tx, on_db, on_tx};

const MATERIAL_COLUMNS: &str = "id, course_id, title, kind, position, content_url, body, duration_seconds, \
     is_required, is_preview, created_at, updated_at, deleted_at";

/// Positions are moved this far out of the way while a course is reordered:
/// the unique index is checked row by row, so a direct swap would collide.
const REORDER_OFFSET: i64 = 1_000_000_000;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MaterialRow {
    pub id: Id,
    pub course_id: Id,
    pub title: String,
    pub kind: MaterialKind,
    pub position: i64,
    pub content_url: Option<String>,
    pub body: Option<String>,
    pub duration_seconds: Option<i64>,
    pub is_required: bool,
    pub is_preview: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

#[derive(Clone, Debug)]
pub struct MaterialFields {
    pub title: String,
    pub kind: MaterialKind,
    pub content_url: Option<String>,
    pub body: Option<String>,
    pub duration_seconds: Option<i64>,
    pub is_required: bool,
    pub is_preview: bool,
}

/// Appends a material after the course's last one. The caller holds the
/// course lock, so concurrent appends get distinct positions.
pub async fn insert(
    tx: &mut Tx,
    id: Id,
    course_id: Id,
    fields: &MaterialFields,
    now: Timestamp,
) -> Result<MaterialRow, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO course_materials (id, course_id, title, kind, position, content_url, body, duration_seconds, \
             is_required, is_preview, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, \
             (SELECT COALESCE(MAX(position) + 1, 0) FROM course_materials WHERE course_id = $2 AND deleted_at IS NULL), \
             $5, $6, $7, $8, $9, $10, $10) \
         RETURNING {MATERIAL_COLUMNS}"
    ));
    on_tx!(tx, conn => {
        sqlx::query_as(sql)
            .bind(id)
            .bind(course_id)
            .bind(&fields.title)
            .bind(fields.kind)
            .bind(fields.content_url.as_deref())
            .bind(fields.body.as_deref())
            .bind(fields.duration_seconds)
            .bind(fields.is_required)
            .bind(fields.is_preview)
            .bind(now)
            .fetch_one(conn)
            .await
    })
}

pub async fn update(
    tx: &mut Tx,
    id: Id,
    fields: &MaterialFields,
    now: Timestamp,
) -> Result<Option<MaterialRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE course_materials SET title = $2, kind = $3, content_url = $4, body = $5, duration_seconds = $6, \
             is_required = $7, is_preview = $8, updated_at = $9 \
         WHERE id = $1 AND deleted_at IS NULL RETURNING {MATERIAL_COLUMNS}"
    ));
    on_tx!(tx, conn => {
        sqlx::query_as(sql)
            .bind(id)
            .bind(&fields.title)
            .bind(fields.kind)
            .bind(fields.content_url.as_deref())
            .bind(fields.body.as_deref())
            .bind(fields.duration_seconds)
            .bind(fields.is_required)
            .bind(fields.is_preview)
            .bind(now)
            .fetch_optional(conn)
            .await
    })
}

pub async fn soft_delete(tx: &mut Tx, id: Id, now: Timestamp) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query("UPDATE course_materials SET deleted_at = $2, updated_at = $2 WHERE id = $1 AND deleted_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(conn)
            .await
            .map(|r| r.rows_affected() == 1)
    })
}

pub async fn find_live(db: &Db, id: Id) -> Result<Option<MaterialRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {MATERIAL_COLUMNS} FROM course_materials WHERE id = $1 AND deleted_at IS NULL"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
}

pub async fn find_live_tx(tx: &mut Tx, id: Id) -> Result<Option<MaterialRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {MATERIAL_COLUMNS} FROM course_materials WHERE id = $1 AND deleted_at IS NULL"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(id).fetch_optional(conn).await)
}

/// A course's live materials in order.
pub async fn list_live(db: &Db, course_id: Id) -> Result<Vec<MaterialRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {MATERIAL_COLUMNS} FROM course_materials WHERE course_id = $1 AND deleted_at IS NULL ORDER BY position"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(course_id).fetch_all(pool).await)
}

/// A course's live materials in order, as the transaction sees them.
pub async fn list_live_tx(tx: &mut Tx, course_id: Id) -> Result<Vec<MaterialRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {MATERIAL_COLUMNS} FROM course_materials WHERE course_id = $1 AND deleted_at IS NULL ORDER BY position"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(course_id).fetch_all(conn).await)
}

pub async fn live_ids_tx(tx: &mut Tx, course_id: Id) -> Result<Vec<Id>, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query_scalar("SELECT id FROM course_materials WHERE course_id = $1 AND deleted_at IS NULL ORDER BY position")
            .bind(course_id)
            .fetch_all(conn)
            .await
    })
}

/// Gives the course's live materials the positions 0.. in the order of
/// `ordered`, which must name each of them exactly once (the caller checks).
pub async fn reorder(
    tx: &mut Tx,
    course_id: Id,
    ordered: &[Id],
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE course_materials SET position = position + $2 WHERE course_id = $1 AND deleted_at IS NULL",
        )
        .bind(course_id)
        .bind(REORDER_OFFSET)
        .execute(&mut *conn)
        .await?;
        for (position, id) in (0_i64..).zip(ordered) {
            sqlx::query("UPDATE course_materials SET position = $3, updated_at = $4 WHERE id = $1 AND course_id = $2")
                .bind(id)
                .bind(course_id)
                .bind(position)
                .bind(now)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    })
}

/// How many live required materials a course has (publishing needs one).
pub async fn count_required_live_tx(tx: &mut Tx, course_id: Id) -> Result<i64, sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM course_materials WHERE course_id = $1 AND deleted_at IS NULL AND is_required",
        )
            .bind(course_id)
            .fetch_one(conn)
            .await
    })
}
