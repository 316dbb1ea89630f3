//! The schema model: one shape for what either backend reports.
//!
//! Everything here is read from the live database except `group` and the
//! `note` fields, which come from the documentation catalog in
//! [`crate::catalog`]. The JSON export is this model serialized with serde;
//! `docs/schema/json-format.md` documents the shape.
//!
//! Ordering is deterministic so that exports can be committed and diffed:
//! tables by area (the catalog's group order) then by the catalog's order
//! within the group, unknown tables last by name; columns in table order;
//! foreign keys, indexes, checks, triggers and text searches by name.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The database engine a schema was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<medicaledu_store::Backend> for Dialect {
    fn from(backend: medicaledu_store::Backend) -> Self {
        match backend {
            medicaledu_store::Backend::Sqlite => Dialect::Sqlite,
            medicaledu_store::Backend::Postgres => Dialect::Postgres,
        }
    }
}

/// The tables of one database, as introspected.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    pub backend: Dialect,
    pub tables: Vec<Table>,
}

impl Schema {
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub name: String,
    /// Area of the product the table belongs to (`identity`, `catalog`,
    /// `scheduling`, `commerce`, `engagement`; `other` when uncatalogued).
    pub group: String,
    pub note: Option<String>,
    pub columns: Vec<Column>,
    pub primary_key: Option<PrimaryKey>,
    pub foreign_keys: Vec<ForeignKey>,
    pub indexes: Vec<Index>,
    pub checks: Vec<Check>,
    pub triggers: Vec<Trigger>,
    /// Text searches over the table's rows (see [`TextSearch`]). Absent in
    /// JSON written before they existed.
    #[serde(default)]
    pub searches: Vec<TextSearch>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    /// The type as the backend declares it (`timestamp with time zone`, `TEXT`).
    pub storage_type: String,
    /// The backend-independent type: `uuid`, `timestamptz`, `bigint`,
    /// `boolean`, `jsonb` or `text` for this schema (other PostgreSQL types
    /// keep their PostgreSQL name). See `docs/schema/json-format.md` for how
    /// SQLite columns get theirs.
    pub logical_type: String,
    pub nullable: bool,
    /// The default, normalized so both backends spell it alike: `now()`,
    /// `'text'`, numbers, `true`/`false`.
    pub default: Option<String>,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrimaryKey {
    pub name: String,
    pub columns: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    pub references_table: String,
    pub references_columns: Vec<String>,
    /// `NO ACTION`, `RESTRICT`, `CASCADE`, `SET NULL` or `SET DEFAULT`.
    pub on_delete: String,
    pub on_update: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub name: String,
    pub unique: bool,
    /// Key columns or expressions in order, normalized (`lower(email)`); a
    /// descending key ends in ` DESC`.
    pub keys: Vec<String>,
    /// Non-key columns of a covering index (PostgreSQL `INCLUDE`); always
    /// empty on SQLite.
    pub include: Vec<String>,
    /// The `WHERE` predicate of a partial index, normalized.
    pub predicate: Option<String>,
    /// The backend's own `CREATE INDEX` text.
    pub definition: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub name: String,
    /// The expression as the backend prints it.
    pub expression: String,
    /// The expression normalized to one spelling valid on both backends.
    pub normalized: String,
    /// Columns the expression mentions, sorted.
    pub columns: Vec<String>,
    /// A SQLite-only stand-in for a PostgreSQL type (`ck_<table>_<column>_bool`,
    /// `ck_<table>_<column>_json`). Comparisons and PostgreSQL DDL skip it.
    pub dialect_only: bool,
    /// The permitted values when the check is `column IN (...)`.
    pub allowed_values: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    pub name: String,
    /// `BEFORE`, `AFTER` or `INSTEAD OF`.
    pub timing: String,
    /// `INSERT`, `UPDATE`, `DELETE` or `TRUNCATE`.
    pub events: Vec<String>,
    /// The error message when the trigger does nothing but reject the
    /// statement (as the audit log's append-only triggers do); such triggers
    /// can be written for either backend.
    pub rejects_with: Option<String>,
    /// The PostgreSQL trigger function; `None` on SQLite.
    pub function: Option<String>,
    /// The backend's own `CREATE TRIGGER` text.
    pub definition: String,
    /// The PostgreSQL function's `CREATE FUNCTION` text; `None` on SQLite.
    pub function_definition: Option<String>,
}

/// A case-insensitive substring search over some columns of a table, one
/// logical object that each backend builds its own way: on PostgreSQL a GIN
/// index with pg_trgm's `gin_trgm_ops` over the columns (lower-cased), on
/// SQLite an FTS5 table with the `trigram` tokenizer, named like the index,
/// whose rows triggers on the table keep in step. The FTS5 table, its shadow
/// tables and those triggers are this search, never tables or triggers of
/// their own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextSearch {
    /// The index's name on PostgreSQL, the FTS5 table's on SQLite.
    pub name: String,
    /// The searched columns, in order.
    pub columns: Vec<String>,
    /// Which rows are searchable, normalized (an index predicate on
    /// PostgreSQL, the insert trigger's condition on SQLite); `None` for all.
    pub predicate: Option<String>,
    /// The backend's own text: the `CREATE INDEX` on PostgreSQL; on SQLite
    /// the `CREATE VIRTUAL TABLE` and the triggers, one statement a line group.
    pub definition: String,
}
