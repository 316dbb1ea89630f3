//! Query plans of the catalog SQL: `EXPLAIN QUERY PLAN` on SQLite,
//! `EXPLAIN (ANALYZE, BUFFERS)` on PostgreSQL, and the statement's own
//! execution time measured directly against the database.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use medicaledu_store::Db;
use sqlx::Row as _;

use crate::catalog::{Param, Query, bind_params};

pub struct Plan {
    pub sql: String,
    pub params: String,
    pub summary: String,
    pub full: String,
    /// PostgreSQL only: the generic plan, which a prepared statement switches
    /// to after five executions when its estimated cost is no worse; `None`
    /// when it has the same shape as the custom plan above, or when the store
    /// does not keep the statement prepared (text searches).
    pub generic: Option<(String, String)>,
    /// Median execution time of the statement itself, in milliseconds.
    pub sql_ms: f64,
    pub rows: usize,
}

const TIMED_RUNS: usize = 7;

pub async fn explain(db: &Db, query: &Query) -> anyhow::Result<Plan> {
    let (sql, params) = query.sql(db).await?;
    let explain_sql = match db {
        Db::Sqlite(_) => format!("EXPLAIN QUERY PLAN {sql}"),
        Db::Postgres(_) => format!("EXPLAIN (ANALYZE, BUFFERS) {sql}"),
    };
    let mut generic = None;
    let (summary, full) = match db {
        Db::Sqlite(pool) => {
            let rows = bind_params!(sqlx::query(sqlx::AssertSqlSafe(explain_sql)), &params)
                .fetch_all(pool)
                .await?;
            let mut steps = Vec::new();
            for row in rows {
                let id: i64 = row.try_get("id")?;
                let parent: i64 = row.try_get("parent")?;
                let detail: String = row.try_get("detail")?;
                steps.push((id, parent, detail));
            }
            sqlite_plan(&steps)
        }
        Db::Postgres(pool) => {
            let rows = bind_params!(sqlx::query(sqlx::AssertSqlSafe(explain_sql)), &params)
                .fetch_all(pool)
                .await?;
            let lines = rows
                .iter()
                .map(|r| r.try_get::<String, _>(0))
                .collect::<Result<Vec<_>, _>>()?;
            // The store plans a text search afresh each time (it never caches
            // that statement), so its generic plan is never run.
            if !planned_each_time(query) {
                let generic_lines = postgres_generic_plan(pool, &sql, &params).await?;
                if plan_nodes(&generic_lines) != plan_nodes(&lines) {
                    generic = Some((postgres_summary(&generic_lines), generic_lines.join("\n")));
                }
            }
            (postgres_summary(&lines), lines.join("\n"))
        }
    };
    let mut times = Vec::with_capacity(TIMED_RUNS);
    let mut rows = 0;
    for run in 0..=TIMED_RUNS {
        let start = Instant::now();
        rows = match db {
            Db::Sqlite(pool) => {
                bind_params!(sqlx::query(sqlx::AssertSqlSafe(sql.clone())), &params)
                    .fetch_all(pool)
                    .await?
                    .len()
            }
            Db::Postgres(pool) => {
                bind_params!(sqlx::query(sqlx::AssertSqlSafe(sql.clone())), &params)
                    .persistent(!planned_each_time(query))
                    .fetch_all(pool)
                    .await?
                    .len()
            }
        };
        if run > 0 {
            times.push(start.elapsed());
        }
    }
    times.sort_unstable();
    let median = times
        .get(times.len() / 2)
        .copied()
        .unwrap_or(Duration::ZERO);
    Ok(Plan {
        generic,
        params: format!("{params:?}"),
        sql,
        summary,
        full,
        sql_ms: median.as_secs_f64() * 1000.0,
        rows,
    })
}

/// Whether `courses::catalog()` runs this request's statement unprepared on
/// PostgreSQL, so that it is planned for its parameters every time.
fn planned_each_time(query: &Query) -> bool {
    query.q.as_deref().is_some_and(|q| !q.trim().is_empty())
}

/// SQLite's plan steps joined into one line, and as an indented tree.
fn sqlite_plan(steps: &[(i64, i64, String)]) -> (String, String) {
    let mut depth: HashMap<i64, usize> = HashMap::new();
    let mut full = String::new();
    for (id, parent, detail) in steps {
        let d = depth.get(parent).map_or(0, |d| d + 1);
        depth.insert(*id, d);
        full.push_str(&"  ".repeat(d));
        full.push_str(detail);
        full.push('\n');
    }
    let summary = steps
        .iter()
        .map(|(_, _, detail)| detail.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    (summary, full)
}

/// `EXPLAIN (ANALYZE, BUFFERS)` of the statement's generic plan: what a
/// prepared statement runs once PostgreSQL stops planning it per execution.
/// (PostgreSQL 15 has no `EXPLAIN (GENERIC_PLAN)`, so: PREPARE, force the
/// generic plan, EXPLAIN EXECUTE with the values as literals.)
async fn postgres_generic_plan(
    pool: &sqlx::PgPool,
    sql: &str,
    params: &[Param],
) -> anyhow::Result<Vec<String>> {
    let types: Vec<&str> = params
        .iter()
        .map(|p| match p {
            Param::Text(_) => "text",
            Param::Int(_) => "bigint",
            Param::Id(_) => "uuid",
            Param::Time(_) => "timestamptz",
        })
        .collect();
    let values: Vec<String> = params
        .iter()
        .map(|p| match p {
            Param::Text(s) => format!("'{}'", s.replace('\'', "''")),
            Param::Int(n) => n.to_string(),
            Param::Id(id) => format!("'{id}'"),
            Param::Time(t) => format!("'{}'", t.to_storage_text()),
        })
        .collect();
    // A name of our own: the pool's connections hold sqlx's cached statements.
    let name = format!("bench_plan_{}", uuid::Uuid::now_v7().simple());
    let mut conn = pool.acquire().await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "SET plan_cache_mode = force_generic_plan; PREPARE {name} ({}) AS {sql}",
        types.join(", ")
    )))
    .execute(&mut *conn)
    .await?;
    let explained = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "EXPLAIN (ANALYZE, BUFFERS) EXECUTE {name} ({})",
        values.join(", ")
    )))
    .fetch_all(&mut *conn)
    .await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DEALLOCATE {name}; RESET plan_cache_mode"
    )))
    .execute(&mut *conn)
    .await?;
    explained?
        .iter()
        .map(|r| r.try_get::<String, _>(0).map_err(anyhow::Error::from))
        .collect()
}

/// The plan's node names, without costs and timings.
fn plan_nodes(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|line| {
            let text = line.trim_start().trim_start_matches("->").trim();
            text.find("  (cost=").map(|cost| text[..cost].to_owned())
        })
        .collect()
}

/// The plan's nodes in order, the rows its filters threw away, the buffers
/// the whole statement touched and its execution time.
fn postgres_summary(lines: &[String]) -> String {
    let mut nodes = Vec::new();
    let mut removed: u64 = 0;
    let mut buffers = None;
    let mut execution = None;
    for line in lines {
        let text = line.trim_start().trim_start_matches("->").trim();
        if let Some(cost) = text.find("  (cost=") {
            nodes.push(text[..cost].to_owned());
        } else if let Some(n) = text.strip_prefix("Rows Removed by Filter: ") {
            removed += n.trim().parse::<u64>().unwrap_or(0);
        } else if let Some(b) = text.strip_prefix("Buffers: ") {
            buffers.get_or_insert_with(|| b.to_owned());
        } else if let Some(t) = text.strip_prefix("Execution Time: ") {
            execution = Some(t.to_owned());
        }
    }
    let mut summary = nodes.join(" → ");
    if removed > 0 {
        summary.push_str(&format!("; rows removed by filter: {removed}"));
    }
    if let Some(b) = buffers {
        summary.push_str(&format!("; buffers: {b}"));
    }
    if let Some(t) = execution {
        summary.push_str(&format!("; execution {t}"));
    }
    summary
}
