//! PostgreSQL: pg_catalog for the tables of the current schema. One query per
//! kind of object for the whole schema keeps the round trips few.

use std::collections::BTreeMap;

use sqlx::PgPool;

use super::{IntrospectError, check};
use crate::lexer::{TokenKind, tokenize};
use crate::model::{Column, Dialect, ForeignKey, Index, PrimaryKey, Table, TextSearch, Trigger};
use crate::normalize;

const BACKEND: Dialect = Dialect::Postgres;

/// Ordinary and partitioned tables of the current schema, except sqlx's.
const TABLE_FILTER: &str =
    "n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname <> '_sqlx_migrations'";

#[derive(sqlx::FromRow)]
struct ColumnRow {
    table_name: String,
    name: String,
    storage_type: String,
    type_name: String,
    not_null: bool,
    default_expr: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ConstraintRow {
    table_name: String,
    name: String,
    kind: String,
    columns: Vec<String>,
    references_table: Option<String>,
    references_columns: Vec<String>,
    on_delete: String,
    on_update: String,
    expression: Option<String>,
    expression_raw: Option<String>,
}

#[derive(sqlx::FromRow)]
struct IndexRow {
    table_name: String,
    name: String,
    unique: bool,
    key_count: i16,
    columns: Vec<String>,
    descending: Vec<bool>,
    predicate: Option<String>,
    definition: String,
    method: String,
    opclasses: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct TriggerRow {
    table_name: String,
    name: String,
    tgtype: i32,
    has_when: bool,
    function: String,
    language: String,
    source: String,
    definition: String,
    function_definition: String,
}

pub(super) async fn read(pool: &PgPool) -> Result<Vec<Table>, IntrospectError> {
    let names: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE {TABLE_FILTER} ORDER BY c.relname"
    )))
    .fetch_all(pool)
    .await
    .map_err(IntrospectError::query(BACKEND, "tables"))?;
    let mut tables: BTreeMap<String, Table> = names
        .into_iter()
        .map(|name| {
            let table = Table {
                name: name.clone(),
                group: String::new(),
                note: None,
                columns: Vec::new(),
                primary_key: None,
                foreign_keys: Vec::new(),
                indexes: Vec::new(),
                checks: Vec::new(),
                triggers: Vec::new(),
                searches: Vec::new(),
            };
            (name, table)
        })
        .collect();

    read_columns(pool, &mut tables).await?;
    read_constraints(pool, &mut tables).await?;
    read_indexes(pool, &mut tables).await?;
    read_triggers(pool, &mut tables).await?;
    Ok(tables.into_values().collect())
}

/// The table a catalog row belongs to; rows of tables that appeared after the
/// table list was read are an error rather than silently dropped.
fn table_mut<'t>(
    tables: &'t mut BTreeMap<String, Table>,
    name: &str,
) -> Result<&'t mut Table, IntrospectError> {
    tables.get_mut(name).ok_or_else(|| {
        IntrospectError::definition(format!("table {name}"), "changed while it was being read")
    })
}

async fn read_columns(
    pool: &PgPool,
    tables: &mut BTreeMap<String, Table>,
) -> Result<(), IntrospectError> {
    let rows: Vec<ColumnRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT c.relname::text AS table_name,
                a.attname::text AS name,
                format_type(a.atttypid, a.atttypmod) AS storage_type,
                t.typname::text AS type_name,
                a.attnotnull AS not_null,
                pg_get_expr(d.adbin, d.adrelid) AS default_expr
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_type t ON t.oid = a.atttypid
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE {TABLE_FILTER} AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY c.relname, a.attnum"
    )))
    .fetch_all(pool)
    .await
    .map_err(IntrospectError::query(BACKEND, "columns"))?;
    for row in rows {
        let logical_type = normalize::postgres_logical_type(&row.type_name, &row.storage_type);
        let default = row
            .default_expr
            .as_deref()
            .map(|raw| normalize::normalize_default(raw, &logical_type));
        table_mut(tables, &row.table_name)?.columns.push(Column {
            name: row.name,
            storage_type: row.storage_type,
            logical_type,
            nullable: !row.not_null,
            default,
            note: None,
        });
    }
    Ok(())
}

async fn read_constraints(
    pool: &PgPool,
    tables: &mut BTreeMap<String, Table>,
) -> Result<(), IntrospectError> {
    let rows: Vec<ConstraintRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT c.relname::text AS table_name,
                k.conname::text AS name,
                k.contype::text AS kind,
                ARRAY(SELECT a.attname::text
                      FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum
                      ORDER BY u.ord) AS columns,
                r.relname::text AS references_table,
                ARRAY(SELECT a.attname::text
                      FROM unnest(k.confkey) WITH ORDINALITY AS u(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum
                      ORDER BY u.ord) AS references_columns,
                k.confdeltype::text AS on_delete,
                k.confupdtype::text AS on_update,
                pg_get_expr(k.conbin, k.conrelid, true) AS expression,
                pg_get_expr(k.conbin, k.conrelid) AS expression_raw
         FROM pg_constraint k
         JOIN pg_class c ON c.oid = k.conrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_class r ON r.oid = k.confrelid
         WHERE {TABLE_FILTER} AND k.contype IN ('p', 'f', 'c')
         ORDER BY c.relname, k.conname"
    )))
    .fetch_all(pool)
    .await
    .map_err(IntrospectError::query(BACKEND, "constraints"))?;
    for row in rows {
        let object = || format!("constraint {}", row.name);
        let table = table_mut(tables, &row.table_name)?;
        match row.kind.as_str() {
            "p" => {
                table.primary_key = Some(PrimaryKey {
                    name: row.name,
                    columns: row.columns,
                })
            }
            "f" => {
                let references_table = row.references_table.ok_or_else(|| {
                    IntrospectError::definition(object(), "foreign key without a referenced table")
                })?;
                table.foreign_keys.push(ForeignKey {
                    on_delete: referential_action(&row.on_delete).ok_or_else(|| {
                        IntrospectError::definition(
                            object(),
                            format!("unknown ON DELETE action {:?}", row.on_delete),
                        )
                    })?,
                    on_update: referential_action(&row.on_update).ok_or_else(|| {
                        IntrospectError::definition(
                            object(),
                            format!("unknown ON UPDATE action {:?}", row.on_update),
                        )
                    })?,
                    name: row.name,
                    columns: row.columns,
                    references_table,
                    references_columns: row.references_columns,
                });
            }
            _ => {
                let (Some(expression), Some(raw)) = (row.expression, row.expression_raw) else {
                    return Err(IntrospectError::definition(
                        object(),
                        "CHECK without an expression",
                    ));
                };
                let check = check(BACKEND, &row.table_name, row.name, expression, &raw);
                table.checks.push(check);
            }
        }
    }
    Ok(())
}

/// pg_constraint's one-letter referential actions, spelled as SQLite's
/// `pragma_foreign_key_list` spells them.
fn referential_action(code: &str) -> Option<String> {
    let action = match code {
        "a" => "NO ACTION",
        "r" => "RESTRICT",
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        _ => return None,
    };
    Some(action.to_owned())
}

async fn read_indexes(
    pool: &PgPool,
    tables: &mut BTreeMap<String, Table>,
) -> Result<(), IntrospectError> {
    // The primary key's index is the primary key, reported there.
    let rows: Vec<IndexRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT c.relname::text AS table_name,
                i.relname::text AS name,
                x.indisunique AS unique,
                x.indnkeyatts AS key_count,
                ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true)
                      FROM generate_series(1, x.indnatts) AS k ORDER BY k) AS columns,
                ARRAY(SELECT (x.indoption[k - 1]::int & 1) = 1
                      FROM generate_series(1, x.indnkeyatts) AS k ORDER BY k) AS descending,
                pg_get_expr(x.indpred, x.indrelid) AS predicate,
                pg_get_indexdef(x.indexrelid) AS definition,
                am.amname::text AS method,
                ARRAY(SELECT o.opcname::text
                      FROM unnest(x.indclass::oid[]) WITH ORDINALITY AS u(oid, ord)
                      JOIN pg_opclass o ON o.oid = u.oid
                      ORDER BY u.ord) AS opclasses
         FROM pg_index x
         JOIN pg_class i ON i.oid = x.indexrelid
         JOIN pg_am am ON am.oid = i.relam
         JOIN pg_class c ON c.oid = x.indrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE {TABLE_FILTER} AND NOT x.indisprimary
         ORDER BY c.relname, i.relname"
    )))
    .fetch_all(pool)
    .await
    .map_err(IntrospectError::query(BACKEND, "indexes"))?;
    for row in rows {
        if is_trigram_index(&row) {
            let search = text_search(row)?;
            let table = table_mut(tables, &search.0)?;
            table.searches.push(search.1);
            continue;
        }
        let key_count = usize::try_from(row.key_count)
            .ok()
            .filter(|n| *n <= row.columns.len())
            .ok_or_else(|| {
                IntrospectError::definition(format!("index {}", row.name), "bad key count")
            })?;
        let (keys, include) = row.columns.split_at(key_count);
        let keys = keys
            .iter()
            .zip(row.descending.iter().chain(std::iter::repeat(&false)))
            .map(|(key, descending)| {
                let key = normalize::normalize_expr(key);
                if *descending {
                    format!("{key} DESC")
                } else {
                    key
                }
            })
            .collect();
        let include = include
            .iter()
            .map(|c| normalize::normalize_expr(c))
            .collect();
        table_mut(tables, &row.table_name)?.indexes.push(Index {
            name: row.name,
            unique: row.unique,
            keys,
            include,
            predicate: row.predicate.as_deref().map(normalize::normalize_expr),
            definition: row.definition,
        });
    }
    Ok(())
}

/// A GIN index whose every key uses pg_trgm's operator class: a text search
/// (see [`TextSearch`]) rather than an index of the logical schema.
fn is_trigram_index(row: &IndexRow) -> bool {
    row.method == "gin"
        && !row.opclasses.is_empty()
        && row.opclasses.iter().all(|class| class == "gin_trgm_ops")
}

/// The text search a trigram index is, with its table's name. Each key must
/// read one column (`lower(title)`, `lower((tags)::text)`).
fn text_search(row: IndexRow) -> Result<(String, TextSearch), IntrospectError> {
    let columns = row
        .columns
        .iter()
        .map(|key| match normalize::referenced_columns(key).as_slice() {
            [column] => Ok(column.clone()),
            _ => Err(IntrospectError::definition(
                format!("index {}", row.name),
                format!("trigram key {key:?} does not read exactly one column"),
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let search = TextSearch {
        name: row.name,
        columns,
        predicate: row.predicate.as_deref().map(normalize::normalize_expr),
        definition: row.definition,
    };
    Ok((row.table_name, search))
}

async fn read_triggers(
    pool: &PgPool,
    tables: &mut BTreeMap<String, Table>,
) -> Result<(), IntrospectError> {
    let rows: Vec<TriggerRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT c.relname::text AS table_name,
                t.tgname::text AS name,
                t.tgtype::int4 AS tgtype,
                t.tgqual IS NOT NULL AS has_when,
                p.proname::text AS function,
                l.lanname::text AS language,
                p.prosrc AS source,
                pg_get_triggerdef(t.oid) AS definition,
                pg_get_functiondef(p.oid) AS function_definition
         FROM pg_trigger t
         JOIN pg_class c ON c.oid = t.tgrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_proc p ON p.oid = t.tgfoid
         JOIN pg_language l ON l.oid = p.prolang
         WHERE {TABLE_FILTER} AND NOT t.tgisinternal
         ORDER BY c.relname, t.tgname"
    )))
    .fetch_all(pool)
    .await
    .map_err(IntrospectError::query(BACKEND, "triggers"))?;
    for row in rows {
        // Bits of pg_trigger.tgtype (see TRIGGER_TYPE_* in PostgreSQL's trigger.h).
        let timing = if row.tgtype & 64 != 0 {
            "INSTEAD OF"
        } else if row.tgtype & 2 != 0 {
            "BEFORE"
        } else {
            "AFTER"
        };
        let events = [
            (4, "INSERT"),
            (16, "UPDATE"),
            (8, "DELETE"),
            (32, "TRUNCATE"),
        ]
        .into_iter()
        .filter(|(bit, _)| row.tgtype & bit != 0)
        .map(|(_, event)| event.to_owned())
        .collect();
        let rejects_with = if row.language == "plpgsql" && !row.has_when {
            plpgsql_sole_raise(&row.source)
        } else {
            None
        };
        table_mut(tables, &row.table_name)?.triggers.push(Trigger {
            name: row.name,
            timing: timing.to_owned(),
            events,
            rejects_with,
            function: Some(row.function),
            definition: row.definition,
            function_definition: Some(row.function_definition),
        });
    }
    Ok(())
}

/// The message of a PL/pgSQL trigger function body that is exactly
/// `BEGIN RAISE EXCEPTION 'message' [USING ...]; END;`.
fn plpgsql_sole_raise(body: &str) -> Option<String> {
    let tokens = tokenize(body).ok()?;
    let [begin, raise, exception, message, rest @ ..] = tokens.as_slice() else {
        return None;
    };
    if !(begin.is_word("BEGIN") && raise.is_word("RAISE") && exception.is_word("EXCEPTION")) {
        return None;
    }
    let end_of_statement = rest.iter().position(|t| t.kind == TokenKind::Semicolon)?;
    let after = &rest[end_of_statement + 1..];
    let only_end = after.first().is_some_and(|t| t.is_word("END"))
        && after[1..].iter().all(|t| t.kind == TokenKind::Semicolon);
    if only_end {
        message.string_value()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raise_only_functions_are_recognized() {
        let body = "\nBEGIN\n    RAISE EXCEPTION 'audit_logs is append-only' USING ERRCODE = 'restrict_violation';\nEND;\n";
        assert_eq!(
            plpgsql_sole_raise(body).as_deref(),
            Some("audit_logs is append-only")
        );
        assert_eq!(
            plpgsql_sole_raise("BEGIN RAISE EXCEPTION 'x'; RETURN NULL; END;"),
            None
        );
        assert_eq!(plpgsql_sole_raise("BEGIN RAISE NOTICE 'x'; END;"), None);
    }
}
