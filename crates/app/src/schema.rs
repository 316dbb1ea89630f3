//! The live database schema, as the exports and the diagram show it.

use medicaledu_schema::Schema;

use crate::{AppContext, Internal};

#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("The database has no tables yet: run `medicaledu migrate` first.")]
    Empty,
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(SchemaError);

crate::failure!(SchemaError {
    Empty => SchemaEmpty,
} wraps {
    Internal(Internal),
});

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
