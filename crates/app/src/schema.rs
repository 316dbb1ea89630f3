//! The live database schema, as the exports and the diagram show it.

use medicaledu_schema::Schema;

use crate::{AppContext, ErrorCode, Failure, Internal};

#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("The database has no tables yet: run `medicaledu migrate` first.")]
    Empty,
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(SchemaError);

impl Failure for SchemaError {
    fn code(&self) -> ErrorCode {
        match self {
            SchemaError::Empty => ErrorCode::SchemaEmpty,
            SchemaError::Internal(e) => e.code(),
        }
    }

    fn internal(&self) -> Option<&Internal> {
        match self {
            SchemaError::Internal(e) => Some(e),
            SchemaError::Empty => None,
        }
    }
}

/// The schema read from the database; refused while it has no tables.
pub async fn live(ctx: &AppContext) -> Result<Schema, SchemaError> {
    let schema = medicaledu_schema::introspect(&ctx.db)
        .await
        .map_err(Internal::new)?;
    if schema.tables.is_empty() {
        return Err(SchemaError::Empty);
    }
    Ok(schema)
}
