//! Reading the live schema from either backend into one [`Schema`].

mod postgres;
mod sqlite;
pub(crate) mod sqlite_ddl;

use medicaledu_store::Db;

use crate::catalog;
use crate::model::{Check, Dialect, Schema, Table};
use crate::normalize;

#[derive(Debug, thiserror::Error)]
pub enum IntrospectError {
    #[error("cannot read the {backend} catalog ({what}): {source}")]
    Query {
        backend: Dialect,
        what: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot understand the definition of {object}: {message}")]
    Definition { object: String, message: String },
}

impl IntrospectError {
    fn query(backend: Dialect, what: &'static str) -> impl FnOnce(sqlx::Error) -> Self {
        move |source| IntrospectError::Query {
            backend,
            what,
            source,
        }
    }

    fn definition(object: impl Into<String>, message: impl ToString) -> Self {
        IntrospectError::Definition {
            object: object.into(),
            message: message.to_string(),
        }
    }
}

/// Reads every table of the connected database (sqlx's migration bookkeeping
/// and SQLite's internal tables excepted) with its columns, keys, indexes,
/// checks, triggers and text searches. A text search is read as part of its
/// table: PostgreSQL's trigram GIN index is not among the indexes, SQLite's
/// FTS5 table and its shadow tables are not tables, and the triggers that
/// keep it in step are not among the table's triggers.
pub async fn introspect(db: &Db) -> Result<Schema, IntrospectError> {
    let (backend, tables) = match db {
        Db::Sqlite(pool) => (Dialect::Sqlite, sqlite::read(pool).await?),
        Db::Postgres(pool) => (Dialect::Postgres, postgres::read(pool).await?),
    };
    Ok(finish(backend, tables))
}

/// Adds the catalog's documentation and puts everything in export order.
fn finish(backend: Dialect, mut tables: Vec<Table>) -> Schema {
    for table in &mut tables {
        let (_, _, group) = catalog::placement(&table.name);
        table.group = group.to_owned();
        table.note = catalog::table_note(&table.name).map(str::to_owned);
        for column in &mut table.columns {
            column.note = catalog::column_note(&table.name, &column.name).map(str::to_owned);
        }
        table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        table.checks.sort_by(|a, b| a.name.cmp(&b.name));
        table.triggers.sort_by(|a, b| a.name.cmp(&b.name));
        table.searches.sort_by(|a, b| a.name.cmp(&b.name));
    }
    tables.sort_by_cached_key(|table| {
        let (group, position, _) = catalog::placement(&table.name);
        (group, position, table.name.clone())
    });
    Schema { backend, tables }
}

/// A check constraint, with its expression read from `parse_from` (the most
/// parseable spelling the backend offers) and shown as `expression`.
fn check(
    backend: Dialect,
    table: &str,
    name: String,
    expression: String,
    parse_from: &str,
) -> Check {
    Check {
        normalized: normalize::normalize_expr(parse_from),
        columns: normalize::referenced_columns(parse_from),
        allowed_values: normalize::allowed_values(parse_from).map(|(_, values)| values),
        dialect_only: backend == Dialect::Sqlite && normalize::is_dialect_only_check(table, &name),
        name,
        expression,
    }
}
