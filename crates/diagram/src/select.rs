//! Which tables and relationships to draw.

use std::collections::BTreeSet;

use medicaledu_schema::Schema;

use crate::{DiagramError, Options};

/// The tables to draw (indexes into `Schema::tables`, in schema order) and
/// the foreign keys between them.
pub struct Selection {
    pub tables: Vec<Selected>,
    pub edges: Vec<EdgeSpec>,
}

#[derive(Clone, Copy)]
pub struct Selected {
    pub table: usize,
    /// Asked for (or everything, without a subset); `false` for a neighbour
    /// drawn faded.
    pub focus: bool,
}

#[derive(Clone, Copy)]
pub struct EdgeSpec {
    /// The referencing table.
    pub from: usize,
    /// Index into the referencing table's `foreign_keys`.
    pub foreign_key: usize,
    /// The referenced table.
    pub to: usize,
}

pub fn select(schema: &Schema, options: &Options) -> Result<Selection, DiagramError> {
    if schema.tables.is_empty() {
        return Err(DiagramError::Empty);
    }
    let index_of = |name: &str| schema.tables.iter().position(|t| t.name == name);
    let all_edges: Vec<EdgeSpec> = schema
        .tables
        .iter()
        .enumerate()
        .flat_map(|(from, table)| {
            table
                .foreign_keys
                .iter()
                .enumerate()
                .filter_map(move |(foreign_key, fk)| {
                    index_of(&fk.references_table).map(|to| EdgeSpec {
                        from,
                        foreign_key,
                        to,
                    })
                })
        })
        .collect();

    if !options.is_subset() {
        return Ok(Selection {
            tables: (0..schema.tables.len())
                .map(|table| Selected { table, focus: true })
                .collect(),
            edges: all_edges,
        });
    }

    let mut focus = BTreeSet::new();
    for name in &options.tables {
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        focus.insert(index_of(name).ok_or_else(|| DiagramError::UnknownTable(name.to_owned()))?);
    }
    if let Some(group) = &options.group {
        let members: Vec<usize> = schema
            .tables
            .iter()
            .enumerate()
            .filter(|(_, t)| t.group.eq_ignore_ascii_case(group.trim()))
            .map(|(i, _)| i)
            .collect();
        if members.is_empty() {
            let mut known: Vec<&str> = Vec::new();
            for table in &schema.tables {
                if !known.contains(&table.group.as_str()) {
                    known.push(&table.group);
                }
            }
            return Err(DiagramError::UnknownGroup {
                name: group.clone(),
                known: known.join(", "),
            });
        }
        focus.extend(members);
    }
    if focus.is_empty() {
        return Err(DiagramError::UnknownTable(String::new()));
    }

    let edges: Vec<EdgeSpec> = all_edges
        .into_iter()
        .filter(|e| focus.contains(&e.from) || focus.contains(&e.to))
        .collect();
    let mut visible: BTreeSet<usize> = focus.clone();
    for edge in &edges {
        visible.insert(edge.from);
        visible.insert(edge.to);
    }
    Ok(Selection {
        tables: visible
            .into_iter()
            .map(|table| Selected {
                table,
                focus: focus.contains(&table),
            })
            .collect(),
        edges,
    })
}
