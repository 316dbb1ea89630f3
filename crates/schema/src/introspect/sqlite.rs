//! SQLite: pragmas for what they report, the stored `CREATE` text for the rest
//! (constraint names, CHECK expressions, index predicates and expressions).

use std::collections::BTreeMap;

use sqlx::SqlitePool;

use super::sqlite_ddl::{self, ConstraintKind, CreateTable};
use super::{IntrospectError, check};
use crate::model::{Column, Dialect, ForeignKey, Index, PrimaryKey, Table, TextSearch, Trigger};
use crate::normalize::{self, SqliteColumnFacts};

const BACKEND: Dialect = Dialect::Sqlite;

pub(super) async fn read(pool: &SqlitePool) -> Result<Vec<Table>, IntrospectError> {
    // pragma_table_list tells ordinary tables from virtual tables and from the
    // shadow tables that hold a virtual table's data; shadow tables belong to
    // their virtual table and are never read as tables of their own.
    let objects: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT t.name, t.type, m.sql FROM pragma_table_list AS t
         JOIN sqlite_master AS m ON m.type = 'table' AND m.name = t.name
         WHERE t.schema = 'main' AND t.type IN ('table', 'virtual')
           AND t.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND t.name <> '_sqlx_migrations'
         ORDER BY t.name",
    )
    .fetch_all(pool)
    .await
    .map_err(IntrospectError::query(BACKEND, "tables"))?;
    let mut tables = Vec::new();
    let mut searches = Vec::new();
    for (name, kind, sql) in objects {
        let sql = sql.ok_or_else(|| {
            IntrospectError::definition(format!("table {name}"), "no CREATE TABLE text")
        })?;
        if kind == "virtual" {
            searches.push(read_search_table(name, sql)?);
        } else {
            tables.push((name, sql));
        }
    }
    let mut out = Vec::with_capacity(tables.len());
    for (name, sql) in tables {
        out.push(read_table(pool, name, &sql, &mut searches).await?);
    }
    if let Some(orphan) = searches.first() {
        return Err(IntrospectError::definition(
            format!("virtual table {}", orphan.search.name),
            "no trigger on any table keeps it in step, so it searches nothing known",
        ));
    }
    Ok(out)
}

/// An FTS5 trigram table being read: the text search it implements, and the
/// maintenance triggers found so far.
struct SearchTable {
    search: TextSearch,
    triggers: Vec<(String, String, sqlite_ddl::CreateTrigger)>,
}

fn read_search_table(name: String, sql: String) -> Result<SearchTable, IntrospectError> {
    let object = || format!("virtual table {name}");
    let parsed = sqlite_ddl::parse_create_virtual_table(&sql)
        .map_err(|e| IntrospectError::definition(object(), e))?;
    let tokenizer = parsed
        .options
        .iter()
        .find(|(key, _)| key == "tokenize")
        .map(|(_, value)| value.split_whitespace().next().unwrap_or_default());
    if parsed.module != "fts5" || tokenizer != Some("trigram") {
        return Err(IntrospectError::definition(
            object(),
            "only FTS5 tables with the trigram tokenizer (text searches) are understood",
        ));
    }
    if let Some((key, _)) = parsed.options.iter().find(|(key, _)| key != "tokenize") {
        return Err(IntrospectError::definition(
            object(),
            format!("FTS5 option {key:?}: a text search keeps its own copy of the text"),
        ));
    }
    Ok(SearchTable {
        search: TextSearch {
            name,
            columns: parsed.columns,
            predicate: None,
            definition: sql,
        },
        triggers: Vec::new(),
    })
}

/// Moves the triggers that write to a search table from `triggers` to that
/// search, and returns the searches `table` now owns, complete.
fn claim_searches(
    table: &str,
    triggers: &mut Vec<(Trigger, sqlite_ddl::CreateTrigger)>,
    searches: &mut Vec<SearchTable>,
) -> Result<Vec<TextSearch>, IntrospectError> {
    let mut owned = Vec::new();
    let mut i = 0;
    while i < searches.len() {
        let name = searches[i].search.name.to_lowercase();
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(triggers)
            .into_iter()
            .partition(|(_, parsed)| parsed.body_names.contains(&name));
        *triggers = rest;
        if mine.is_empty() {
            i += 1;
            continue;
        }
        let mut search = searches.remove(i);
        for (trigger, parsed) in mine {
            search
                .triggers
                .push((trigger.name, trigger.definition, parsed));
        }
        owned.push(finish_search(table, search)?);
    }
    Ok(owned)
}

/// The searchable rows are those the insert trigger adds: its `WHEN`
/// condition, unqualified. The definition lists the table and its triggers.
fn finish_search(table: &str, mut search: SearchTable) -> Result<TextSearch, IntrospectError> {
    search.triggers.sort_by(|a, b| a.0.cmp(&b.0));
    let object = || format!("virtual table {} on {table}", search.search.name);
    let insert = search
        .triggers
        .iter()
        .find(|(_, _, parsed)| parsed.events == ["INSERT"])
        .ok_or_else(|| IntrospectError::definition(object(), "no AFTER INSERT trigger fills it"))?;
    let predicate = match &insert.2.when {
        Some(when) => Some(normalize::requalify_expr(when, None).ok_or_else(|| {
            IntrospectError::definition(object(), format!("cannot read the condition {when:?}"))
        })?),
        None => None,
    };
    let mut definition = format!("{};", search.search.definition.trim_end_matches(';'));
    for (_, text, _) in &search.triggers {
        definition.push('\n');
        definition.push_str(text.trim_end().trim_end_matches(';'));
        definition.push(';');
    }
    Ok(TextSearch {
        predicate,
        definition,
        ..search.search
    })
}

#[derive(sqlx::FromRow)]
struct ColumnRow {
    name: String,
    #[sqlx(rename = "type")]
    declared_type: String,
    notnull: i64,
    dflt_value: Option<String>,
    pk: i64,
}

#[derive(sqlx::FromRow)]
struct ForeignKeyRow {
    id: i64,
    #[sqlx(rename = "table")]
    references_table: String,
    from: String,
    to: Option<String>,
    on_update: String,
    on_delete: String,
}

#[derive(sqlx::FromRow)]
struct IndexRow {
    name: String,
    unique: i64,
    origin: String,
    sql: Option<String>,
}

#[derive(sqlx::FromRow)]
struct IndexColumnRow {
    cid: i64,
    name: Option<String>,
    desc: i64,
}

async fn read_table(
    pool: &SqlitePool,
    name: String,
    sql: &str,
    searches: &mut Vec<SearchTable>,
) -> Result<Table, IntrospectError> {
    let parsed = sqlite_ddl::parse_create_table(sql)
        .map_err(|e| IntrospectError::definition(format!("table {name}"), e))?;

    let column_rows: Vec<ColumnRow> = sqlx::query_as(
        "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info($1) ORDER BY cid",
    )
    .bind(&name)
    .fetch_all(pool)
    .await
    .map_err(IntrospectError::query(BACKEND, "columns"))?;

    let foreign_keys = read_foreign_keys(pool, &name, &parsed).await?;
    let checks = read_checks(&name, &parsed);
    let check_names: Vec<String> = checks.iter().map(|c| c.name.clone()).collect();

    let columns = column_rows
        .iter()
        .map(|row| {
            let logical_type = normalize::sqlite_logical_type(&SqliteColumnFacts {
                table: &name,
                column: &row.name,
                storage_type: &row.declared_type,
                check_names: &check_names,
                is_foreign_key: foreign_keys.iter().any(|fk| fk.columns.contains(&row.name)),
            });
            Column {
                name: row.name.clone(),
                storage_type: row.declared_type.clone(),
                default: row
                    .dflt_value
                    .as_deref()
                    .map(|raw| normalize::normalize_default(raw, &logical_type)),
                logical_type,
                nullable: row.notnull == 0 && row.pk == 0,
                note: None,
            }
        })
        .collect();

    let mut key_columns: Vec<(i64, &str)> = column_rows
        .iter()
        .filter(|row| row.pk > 0)
        .map(|row| (row.pk, row.name.as_str()))
        .collect();
    key_columns.sort();
    let primary_key = (!key_columns.is_empty()).then(|| {
        let columns: Vec<String> = key_columns.iter().map(|(_, c)| (*c).to_owned()).collect();
        let declared = parsed.constraints.iter().find_map(|c| match &c.kind {
            ConstraintKind::PrimaryKey { columns: declared } if *declared == columns => {
                c.name.clone()
            }
            _ => None,
        });
        PrimaryKey {
            name: declared.unwrap_or_else(|| format!("{name}_pkey")),
            columns,
        }
    });

    let indexes = read_indexes(pool, &name, &parsed).await?;
    let mut triggers = read_triggers(pool, &name).await?;
    let searches = claim_searches(&name, &mut triggers, searches)?;
    let triggers = triggers.into_iter().map(|(trigger, _)| trigger).collect();

    Ok(Table {
        name,
        group: String::new(),
        note: None,
        columns,
        primary_key,
        foreign_keys,
        indexes,
        checks,
        triggers,
        searches,
    })
}

async fn read_foreign_keys(
    pool: &SqlitePool,
    table: &str,
    parsed: &CreateTable,
) -> Result<Vec<ForeignKey>, IntrospectError> {
    let rows: Vec<ForeignKeyRow> = sqlx::query_as(
        "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list($1) ORDER BY id, seq",
    )
    .bind(table)
    .fetch_all(pool)
    .await
    .map_err(IntrospectError::query(BACKEND, "foreign keys"))?;

    let mut grouped: BTreeMap<i64, Vec<ForeignKeyRow>> = BTreeMap::new();
    for row in rows {
        grouped.entry(row.id).or_default().push(row);
    }
    let mut foreign_keys = Vec::with_capacity(grouped.len());
    for rows in grouped.into_values() {
        let first = &rows[0];
        let columns: Vec<String> = rows.iter().map(|r| r.from.clone()).collect();
        let references_columns = match rows
            .iter()
            .map(|r| r.to.clone())
            .collect::<Option<Vec<_>>>()
        {
            Some(columns) => columns,
            // `REFERENCES t` without columns means t's primary key.
            None => referenced_primary_key(pool, &first.references_table).await?,
        };
        let declared = parsed.constraints.iter().find_map(|c| match &c.kind {
            ConstraintKind::ForeignKey {
                columns: declared,
                references_table,
            } if *declared == columns
                && references_table.eq_ignore_ascii_case(&first.references_table) =>
            {
                c.name.clone()
            }
            _ => None,
        });
        foreign_keys.push(ForeignKey {
            name: declared.unwrap_or_else(|| format!("{table}_{}_fkey", columns.join("_"))),
            references_table: first.references_table.clone(),
            references_columns,
            on_delete: first.on_delete.clone(),
            on_update: first.on_update.clone(),
            columns,
        });
    }
    Ok(foreign_keys)
}

async fn referenced_primary_key(
    pool: &SqlitePool,
    table: &str,
) -> Result<Vec<String>, IntrospectError> {
    sqlx::query_scalar("SELECT name FROM pragma_table_info($1) WHERE pk > 0 ORDER BY pk")
        .bind(table)
        .fetch_all(pool)
        .await
        .map_err(IntrospectError::query(BACKEND, "referenced primary key"))
}

fn read_checks(table: &str, parsed: &CreateTable) -> Vec<crate::model::Check> {
    let mut unnamed = 0;
    parsed
        .constraints
        .iter()
        .filter_map(|constraint| {
            let ConstraintKind::Check { expression } = &constraint.kind else {
                return None;
            };
            let name = constraint.name.clone().unwrap_or_else(|| {
                unnamed += 1;
                format!("{table}_check{unnamed}")
            });
            Some(check(BACKEND, table, name, expression.clone(), expression))
        })
        .collect()
}

async fn read_indexes(
    pool: &SqlitePool,
    table: &str,
    parsed: &CreateTable,
) -> Result<Vec<Index>, IntrospectError> {
    let rows: Vec<IndexRow> = sqlx::query_as(
        "SELECT il.name, il.\"unique\", il.origin, m.sql
         FROM pragma_index_list($1) AS il
         LEFT JOIN sqlite_master AS m ON m.type = 'index' AND m.name = il.name
         ORDER BY il.name",
    )
    .bind(table)
    .fetch_all(pool)
    .await
    .map_err(IntrospectError::query(BACKEND, "indexes"))?;

    let mut indexes = Vec::new();
    for row in rows.into_iter().filter(|row| row.origin != "pk") {
        let key_rows: Vec<IndexColumnRow> = sqlx::query_as(
            "SELECT cid, name, \"desc\" FROM pragma_index_xinfo($1) WHERE key = 1 ORDER BY seqno",
        )
        .bind(&row.name)
        .fetch_all(pool)
        .await
        .map_err(IntrospectError::query(BACKEND, "index columns"))?;
        let object = || format!("index {}", row.name);
        let (written_keys, predicate, definition, name) = match &row.sql {
            Some(sql) => {
                let parsed_index = sqlite_ddl::parse_create_index(sql)
                    .map_err(|e| IntrospectError::definition(object(), e))?;
                if parsed_index.keys.len() != key_rows.len() {
                    return Err(IntrospectError::definition(
                        object(),
                        format!(
                            "{} keys in the text, {} in pragma_index_xinfo",
                            parsed_index.keys.len(),
                            key_rows.len()
                        ),
                    ));
                }
                (
                    parsed_index.keys,
                    parsed_index.predicate,
                    sql.clone(),
                    row.name.clone(),
                )
            }
            // An index SQLite made for a UNIQUE constraint has no text; the
            // constraint's name, if it had one, is the better name for it.
            None => {
                let columns: Vec<String> = key_rows.iter().filter_map(|k| k.name.clone()).collect();
                let declared = parsed.constraints.iter().find_map(|c| match &c.kind {
                    ConstraintKind::Unique { columns: declared } if *declared == columns => {
                        c.name.clone()
                    }
                    _ => None,
                });
                let definition = format!("UNIQUE ({})", columns.join(", "));
                (
                    columns,
                    None,
                    definition,
                    declared.unwrap_or_else(|| row.name.clone()),
                )
            }
        };
        let keys = key_rows
            .iter()
            .zip(&written_keys)
            .map(|(key, written)| {
                let text = match (&key.name, key.cid) {
                    (Some(column), cid) if cid >= 0 => column.clone(),
                    _ => normalize::normalize_expr(written),
                };
                if key.desc != 0 {
                    format!("{text} DESC")
                } else {
                    text
                }
            })
            .collect();
        indexes.push(Index {
            name,
            unique: row.unique != 0,
            keys,
            include: Vec::new(),
            predicate: predicate.as_deref().map(normalize::normalize_expr),
            definition,
        });
    }
    Ok(indexes)
}

/// The table's triggers, each with what its text says.
async fn read_triggers(
    pool: &SqlitePool,
    table: &str,
) -> Result<Vec<(Trigger, sqlite_ddl::CreateTrigger)>, IntrospectError> {
    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = $1 ORDER BY name")
            .bind(table)
            .fetch_all(pool)
            .await
            .map_err(IntrospectError::query(BACKEND, "triggers"))?;
    rows.into_iter()
        .map(|(name, sql)| {
            let object = format!("trigger {name}");
            let sql = sql.ok_or_else(|| {
                IntrospectError::definition(object.clone(), "no CREATE TRIGGER text")
            })?;
            let parsed = sqlite_ddl::parse_create_trigger(&sql)
                .map_err(|e| IntrospectError::definition(object, e))?;
            let trigger = Trigger {
                name,
                timing: parsed.timing.clone(),
                events: parsed.events.clone(),
                rejects_with: parsed.rejects_with.clone(),
                function: None,
                definition: sql,
                function_definition: None,
            };
            Ok((trigger, parsed))
        })
        .collect()
}
