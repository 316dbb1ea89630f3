//! Logical comparison of two schemas, typically the same migrations read from
//! SQLite and from PostgreSQL.
//!
//! Compared: tables; columns (order, logical type, nullability, normalized
//! default); primary keys; foreign keys; indexes (uniqueness, keys,
//! predicate); CHECK constraints by name and allowed values; triggers (timing,
//! events, what they reject); text searches (columns, predicate). Not
//! compared, because the dialects legitimately differ there: storage types,
//! expression text of checks (each backend prints its own), the backends' own
//! definition text (a text search is a trigram index on PostgreSQL and an
//! FTS5 table with triggers on SQLite), INCLUDE lists unless both schemas are
//! PostgreSQL's, and SQLite's `_bool`/`_json` stand-in checks unless both
//! schemas come from the same backend.

use std::collections::BTreeMap;
use std::fmt::Debug;

use crate::model::{Dialect, Schema, Table};

/// Every logical difference between `a` and `b`, one sentence each, values
/// given as `a` then `b`. Empty when the schemas are logically equal.
pub fn logical_differences(a: &Schema, b: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    let context = Context {
        same_backend: a.backend == b.backend,
        both_postgres: a.backend == Dialect::Postgres && b.backend == Dialect::Postgres,
    };
    let left: BTreeMap<&str, &Table> = a.tables.iter().map(|t| (t.name.as_str(), t)).collect();
    let right: BTreeMap<&str, &Table> = b.tables.iter().map(|t| (t.name.as_str(), t)).collect();
    for (name, table) in &left {
        match right.get(name) {
            Some(other) => compare_table(&context, table, other, &mut out),
            None => out.push(format!(
                "table {name}: only in the first schema ({})",
                a.backend
            )),
        }
    }
    for name in right.keys().filter(|name| !left.contains_key(*name)) {
        out.push(format!(
            "table {name}: only in the second schema ({})",
            b.backend
        ));
    }
    out
}

struct Context {
    same_backend: bool,
    both_postgres: bool,
}

fn differ<T: PartialEq + Debug>(out: &mut Vec<String>, what: String, a: &T, b: &T) {
    if a != b {
        out.push(format!("{what}: {a:?} vs {b:?}"));
    }
}

/// Pairs up items by name and reports those present on one side only.
fn by_name<'t, T>(
    out: &mut Vec<String>,
    table: &str,
    kind: &str,
    a: impl IntoIterator<Item = (&'t str, &'t T)>,
    b: impl IntoIterator<Item = (&'t str, &'t T)>,
) -> Vec<(&'t str, &'t T, &'t T)> {
    let left: BTreeMap<&str, &T> = a.into_iter().collect();
    let right: BTreeMap<&str, &T> = b.into_iter().collect();
    let mut pairs = Vec::new();
    for (name, item) in &left {
        match right.get(name) {
            Some(other) => pairs.push((*name, *item, *other)),
            None => out.push(format!("{table}: {kind} {name} only in the first schema")),
        }
    }
    for name in right.keys().filter(|name| !left.contains_key(*name)) {
        out.push(format!("{table}: {kind} {name} only in the second schema"));
    }
    pairs
}

fn compare_table(context: &Context, a: &Table, b: &Table, out: &mut Vec<String>) {
    let t = a.name.as_str();

    let columns = by_name(
        out,
        t,
        "column",
        a.columns.iter().map(|c| (c.name.as_str(), c)),
        b.columns.iter().map(|c| (c.name.as_str(), c)),
    );
    let order = |table: &Table| -> Vec<String> {
        table
            .columns
            .iter()
            .filter(|c| columns.iter().any(|(name, ..)| *name == c.name))
            .map(|c| c.name.clone())
            .collect()
    };
    differ(out, format!("{t}: column order"), &order(a), &order(b));
    for (name, x, y) in &columns {
        differ(
            out,
            format!("{t}.{name}: logical type"),
            &x.logical_type,
            &y.logical_type,
        );
        differ(
            out,
            format!("{t}.{name}: nullable"),
            &x.nullable,
            &y.nullable,
        );
        differ(out, format!("{t}.{name}: default"), &x.default, &y.default);
    }

    differ(
        out,
        format!("{t}: primary key"),
        &a.primary_key,
        &b.primary_key,
    );

    let foreign_keys = by_name(
        out,
        t,
        "foreign key",
        a.foreign_keys.iter().map(|f| (f.name.as_str(), f)),
        b.foreign_keys.iter().map(|f| (f.name.as_str(), f)),
    );
    for (name, x, y) in foreign_keys {
        differ(
            out,
            format!("{t}: foreign key {name} columns"),
            &x.columns,
            &y.columns,
        );
        differ(
            out,
            format!("{t}: foreign key {name} references"),
            &(&x.references_table, &x.references_columns),
            &(&y.references_table, &y.references_columns),
        );
        differ(
            out,
            format!("{t}: foreign key {name} ON DELETE"),
            &x.on_delete,
            &y.on_delete,
        );
        differ(
            out,
            format!("{t}: foreign key {name} ON UPDATE"),
            &x.on_update,
            &y.on_update,
        );
    }

    let indexes = by_name(
        out,
        t,
        "index",
        a.indexes.iter().map(|i| (i.name.as_str(), i)),
        b.indexes.iter().map(|i| (i.name.as_str(), i)),
    );
    for (name, x, y) in indexes {
        differ(
            out,
            format!("{t}: index {name} unique"),
            &x.unique,
            &y.unique,
        );
        differ(out, format!("{t}: index {name} keys"), &x.keys, &y.keys);
        differ(
            out,
            format!("{t}: index {name} predicate"),
            &x.predicate,
            &y.predicate,
        );
        if context.both_postgres {
            differ(
                out,
                format!("{t}: index {name} INCLUDE"),
                &x.include,
                &y.include,
            );
        }
    }

    let compared = |check: &&crate::model::Check| context.same_backend || !check.dialect_only;
    let checks = by_name(
        out,
        t,
        "check",
        a.checks
            .iter()
            .filter(compared)
            .map(|c| (c.name.as_str(), c)),
        b.checks
            .iter()
            .filter(compared)
            .map(|c| (c.name.as_str(), c)),
    );
    for (name, x, y) in checks {
        differ(
            out,
            format!("{t}: check {name} allowed values"),
            &x.allowed_values,
            &y.allowed_values,
        );
    }

    let triggers = by_name(
        out,
        t,
        "trigger",
        a.triggers.iter().map(|tr| (tr.name.as_str(), tr)),
        b.triggers.iter().map(|tr| (tr.name.as_str(), tr)),
    );
    for (name, x, y) in triggers {
        differ(
            out,
            format!("{t}: trigger {name} timing"),
            &x.timing,
            &y.timing,
        );
        differ(
            out,
            format!("{t}: trigger {name} events"),
            &x.events,
            &y.events,
        );
        differ(
            out,
            format!("{t}: trigger {name} rejects with"),
            &x.rejects_with,
            &y.rejects_with,
        );
    }

    let searches = by_name(
        out,
        t,
        "text search",
        a.searches.iter().map(|x| (x.name.as_str(), x)),
        b.searches.iter().map(|x| (x.name.as_str(), x)),
    );
    for (name, x, y) in searches {
        differ(
            out,
            format!("{t}: text search {name} columns"),
            &x.columns,
            &y.columns,
        );
        differ(
            out,
            format!("{t}: text search {name} predicate"),
            &x.predicate,
            &y.predicate,
        );
    }
}
