//! A Mermaid `erDiagram`: every table with its columns (logical type, PK, FK
//! and UK markers) and one relationship per foreign key, its cardinality read
//! from the schema: the referenced side is exactly one when the referencing
//! columns are NOT NULL and zero-or-one otherwise; the referencing side is
//! zero-or-one when those columns are unique and zero-or-more otherwise.

use std::fmt::Write;

use crate::model::{Schema, Table};

pub(crate) fn mermaid(schema: &Schema) -> String {
    let mut out = String::from("erDiagram\n");
    for table in &schema.tables {
        let _ = writeln!(out, "    {} {{", table.name);
        for column in &table.columns {
            let mut keys = Vec::new();
            if table
                .primary_key
                .as_ref()
                .is_some_and(|pk| pk.columns.contains(&column.name))
            {
                keys.push("PK");
            }
            if table
                .foreign_keys
                .iter()
                .any(|fk| fk.columns.contains(&column.name))
            {
                keys.push("FK");
            }
            if is_unique_alone(table, &column.name) {
                keys.push("UK");
            }
            let keys = if keys.is_empty() {
                String::new()
            } else {
                format!(" {}", keys.join(", "))
            };
            let _ = writeln!(
                out,
                "        {} {}{keys}",
                type_word(&column.logical_type),
                column.name
            );
        }
        out.push_str("    }\n");
    }
    for table in &schema.tables {
        for fk in &table.foreign_keys {
            let required = fk
                .columns
                .iter()
                .all(|c| table.column(c).is_some_and(|column| !column.nullable));
            let parent = if required { "||" } else { "|o" };
            let child = if is_unique_set(table, &fk.columns) {
                "o|"
            } else {
                "o{"
            };
            let _ = writeln!(
                out,
                "    {} {parent}--{child} {} : \"{}\"",
                fk.references_table,
                table.name,
                fk.columns.join(", ")
            );
        }
    }
    out
}

/// Whether the column alone is a unique key (a partial unique index counts:
/// it is unique among the rows that matter, the live ones).
fn is_unique_alone(table: &Table, column: &str) -> bool {
    table
        .indexes
        .iter()
        .any(|index| index.unique && index.keys.len() == 1 && index.keys[0] == column)
}

/// Whether the columns together can appear at most once in the table.
fn is_unique_set(table: &Table, columns: &[String]) -> bool {
    table
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns == columns)
        || table
            .indexes
            .iter()
            .any(|index| index.unique && index.predicate.is_none() && index.keys == columns)
}

/// Mermaid attribute types are single words.
fn type_word(logical_type: &str) -> String {
    logical_type
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
