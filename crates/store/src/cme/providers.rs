//! Accredited providers, set by administrators.

use medicaledu_domain::{Id, Timestamp};

use crate::{Db, Tx, on_db, on_tx};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ProviderRow {
    pub id: Id,
    pub name: String,
    pub accreditor: String,
    pub accreditation_statement: String,
    pub valid_until: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What an administrator sets.
#[derive(Clone, Debug)]
pub struct ProviderFields<'a> {
    pub name: &'a str,
    pub accreditor: &'a str,
    pub accreditation_statement: &'a str,
    pub valid_until: Option<Timestamp>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderWriteError {
    #[error("a live provider already has this name")]
    NameTaken,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

fn write_error(e: sqlx::Error) -> ProviderWriteError {
    match e {
        sqlx::Error::Database(db) if db.is_unique_violation() => ProviderWriteError::NameTaken,
        other => ProviderWriteError::Database(other),
    }
}

const COLUMNS: &str =
    "id, name, accreditor, accreditation_statement, valid_until, created_at, updated_at";

pub async fn insert(
    tx: &mut Tx,
    id: Id,
    fields: &ProviderFields<'_>,
    now: Timestamp,
) -> Result<ProviderRow, ProviderWriteError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO cme_providers (id, name, accreditor, accreditation_statement, valid_until, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING {COLUMNS}"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql)
        .bind(id)
        .bind(fields.name)
        .bind(fields.accreditor)
        .bind(fields.accreditation_statement)
        .bind(fields.valid_until)
        .bind(now)
        .fetch_one(conn)
        .await)
    .map_err(write_error)
}

/// Changes a live provider; `None` when there is none with this id.
pub async fn update(
    tx: &mut Tx,
    id: Id,
    fields: &ProviderFields<'_>,
    now: Timestamp,
) -> Result<Option<ProviderRow>, ProviderWriteError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE cme_providers SET name = $2, accreditor = $3, accreditation_statement = $4, valid_until = $5, \
         updated_at = $6 WHERE id = $1 AND deleted_at IS NULL RETURNING {COLUMNS}"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql)
        .bind(id)
        .bind(fields.name)
        .bind(fields.accreditor)
        .bind(fields.accreditation_statement)
        .bind(fields.valid_until)
        .bind(now)
        .fetch_optional(conn)
        .await)
    .map_err(write_error)
}

pub async fn find(db: &Db, id: Id) -> Result<Option<ProviderRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM cme_providers WHERE id = $1 AND deleted_at IS NULL"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
}

pub async fn find_tx(tx: &mut Tx, id: Id) -> Result<Option<ProviderRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM cme_providers WHERE id = $1 AND deleted_at IS NULL"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(id).fetch_optional(conn).await)
}

/// Live providers by name.
pub async fn list(db: &Db) -> Result<Vec<ProviderRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM cme_providers WHERE deleted_at IS NULL ORDER BY lower(name), id"
    ));
    on_db!(db, pool => sqlx::query_as(sql).fetch_all(pool).await)
}

/// A provider, deleted or not: certificates name who issued them.
pub async fn find_any_tx(tx: &mut Tx, id: Id) -> Result<Option<ProviderRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM cme_providers WHERE id = $1"));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(id).fetch_optional(conn).await)
}
