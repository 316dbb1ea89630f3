//! Whether this server can do its work: the readiness of its database.

use medicaledu_store::Backend;

use crate::AppContext;

#[derive(Debug, thiserror::Error)]
pub enum ReadyError {
    /// The caller (a load balancer) learns only this; the cause is logged.
    #[error("The database did not answer.")]
    DatabaseUnavailable(#[source] sqlx::Error),
    /// A load balancer polls often and gives up soon: answer before it does.
    #[error("The database did not answer within {READY_TIMEOUT:?}.")]
    TimedOut,
    /// Another replica or `medicaledu migrate` has yet to apply them.
    #[error("{0} migration(s) of this version are not applied yet.")]
    MigrationsPending(usize),
}

/// How long the readiness probe waits for the database.
pub const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

crate::failure!(ReadyError {
    DatabaseUnavailable(_) => DatabaseUnavailable,
    TimedOut => DatabaseUnavailable,
    MigrationsPending(_) => Unavailable,
} wraps {} retry_after = database_retry_after);

fn database_retry_after(_: &ReadyError) -> Option<std::time::Duration> {
    Some(crate::error::DATABASE_RETRY_AFTER)
}

/// Ready when the database answers and holds every migration of this build
/// (a server started with `--no-migrate` waits for them); names the backend.
pub async fn ready(ctx: &AppContext) -> Result<Backend, ReadyError> {
    let pending = tokio::time::timeout(READY_TIMEOUT, ctx.db.pending_migrations())
        .await
        .map_err(|_| ReadyError::TimedOut)?
        .map_err(ReadyError::DatabaseUnavailable)?;
    if !pending.is_empty() {
        return Err(ReadyError::MigrationsPending(pending.len()));
    }
    Ok(ctx.db.backend())
}
