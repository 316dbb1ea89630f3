//! Renderings of a [`Schema`].

mod dbml;
mod mermaid;
mod sql;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::model::{Dialect, Schema};

/// The formats [`export`] writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// DBML for dbdiagram.io and `@dbml/core`.
    Dbml,
    /// PostgreSQL DDL.
    Postgres,
    /// SQLite DDL (STRICT tables).
    Sqlite,
    /// The model itself, as pretty-printed JSON.
    Json,
    /// A Mermaid `erDiagram`.
    Mermaid,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 5] = [
        ExportFormat::Dbml,
        ExportFormat::Postgres,
        ExportFormat::Sqlite,
        ExportFormat::Json,
        ExportFormat::Mermaid,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Dbml => "dbml",
            ExportFormat::Postgres => "postgres",
            ExportFormat::Sqlite => "sqlite",
            ExportFormat::Json => "json",
            ExportFormat::Mermaid => "mermaid",
        }
    }

    /// The names [`FromStr`] accepts, for help text: `dbml, postgres, ...`.
    pub fn names() -> String {
        Self::ALL.map(Self::name).join(", ")
    }

    /// The usual file extension, without the dot.
    pub fn file_extension(self) -> &'static str {
        match self {
            ExportFormat::Dbml => "dbml",
            ExportFormat::Postgres | ExportFormat::Sqlite => "sql",
            ExportFormat::Json => "json",
            ExportFormat::Mermaid => "mmd",
        }
    }

    /// A media type to serve the export with.
    pub fn media_type(self) -> &'static str {
        match self {
            ExportFormat::Json => "application/json",
            ExportFormat::Postgres | ExportFormat::Sqlite => "application/sql; charset=utf-8",
            ExportFormat::Dbml | ExportFormat::Mermaid => "text/plain; charset=utf-8",
        }
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown export format {0:?}; expected one of: {names}", names = ExportFormat::names())]
pub struct UnknownFormat(pub String);

impl FromStr for ExportFormat {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|format| format.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}

/// Renders `schema` in `format`. The output depends only on the schema, so
/// the same database always exports byte-identical text.
pub fn export(schema: &Schema, format: ExportFormat) -> String {
    match format {
        ExportFormat::Dbml => dbml::dbml(schema),
        ExportFormat::Postgres => sql::ddl(schema, Dialect::Postgres),
        ExportFormat::Sqlite => sql::ddl(schema, Dialect::Sqlite),
        ExportFormat::Json => {
            let mut json =
                serde_json::to_string_pretty(schema).expect("the schema model always serializes");
            json.push('\n');
            json
        }
        ExportFormat::Mermaid => mermaid::mermaid(schema),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_round_trip_through_their_names() {
        for format in ExportFormat::ALL {
            assert_eq!(format.to_string().parse::<ExportFormat>(), Ok(format));
        }
        assert_eq!("DBML".parse::<ExportFormat>(), Ok(ExportFormat::Dbml));
        let err = "png".parse::<ExportFormat>().expect_err("unknown");
        assert_eq!(
            err.to_string(),
            "unknown export format \"png\"; expected one of: dbml, postgres, sqlite, json, mermaid"
        );
    }
}
