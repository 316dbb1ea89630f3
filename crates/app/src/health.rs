//! Whether this server can do its work: the readiness of its database.

use medicaledu_store::Backend;

use crate::AppContext;

#[derive(Debug, thiserror::Error)]
pub enum ReadyError {
    /// The caller (a load balancer) learns only this; the cause is logged.
    #[error("The database did not answer.")]
    DatabaseUnavailable(#[source] sqlx::Error),
}

crate::failure!(ReadyError {
    DatabaseUnavailable(_) => DatabaseUnavailable,
} wraps {});

/// Answers once the database has; names the backend it runs on.
pub async fn ready(ctx: &AppContext) -> Result<Backend, ReadyError> {
    ctx.db
        .ping()
        .await
        .map_err(ReadyError::DatabaseUnavailable)?;
    Ok(ctx.db.backend())
}
