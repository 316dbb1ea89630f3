//! The MedicalEdu schema as the live database has it, read from SQLite or
//! PostgreSQL into one model ([`Schema`]), and exported as DBML, PostgreSQL or
//! SQLite DDL, JSON, or a Mermaid ER diagram.
//!
//! Everything structural is read from the database after migrations ran, so
//! the exports cannot drift from the migrations; the only hand-kept input is
//! the documentation in [`catalog`] (table groups and notes).
//!
//! ```no_run
//! # async fn example(db: &medicaledu_store::Db) -> Result<(), medicaledu_schema::IntrospectError> {
//! use medicaledu_schema::{ExportFormat, export, introspect};
//! let schema = introspect(db).await?;
//! println!("{}", export(&schema, ExportFormat::Dbml));
//! # Ok(())
//! # }
//! ```

pub mod catalog;
mod compare;
mod export;
mod expr;
mod introspect;
mod lexer;
mod model;
pub mod normalize;

pub use compare::logical_differences;
pub use export::{ExportFormat, UnknownFormat, export};
pub use introspect::{IntrospectError, introspect};
pub use model::{
    Check, Column, Dialect, ForeignKey, Index, PrimaryKey, Schema, Table, TextSearch, Trigger,
};
