//! Whether this server can do its work: the readiness of its database.

use medicaledu_store::Backend;

use crate::{AppContext, ErrorCode, Failure};

#[derive(Debug, thiserror::Error)]
pub enum ReadyError {
    /// The caller (a load balancer) learns only this; the cause is logged.
    #[error("The database did not answer.")]
    DatabaseUnavailable(#[source] sqlx::Error),
    /// A load balancer polls often and gives up soon: answer before it does.
    #[error("The database did not answer within {READY_TIMEOUT:?}.")]
    TimedOut,
}

/// How long the readiness probe waits for the database.
pub const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

impl Failure for ReadyError {
    fn code(&self) -> ErrorCode {
        ErrorCode::DatabaseUnavailable
    }

    fn retry_after(&self) -> Option<std::time::Duration> {
        Some(crate::error::DATABASE_RETRY_AFTER)
    }
}

/// Answers once the database has; names the backend it runs on.
pub async fn ready(ctx: &AppContext) -> Result<Backend, ReadyError> {
    tokio::time::timeout(READY_TIMEOUT, ctx.db.ping())
        .await
        .map_err(|_| ReadyError::TimedOut)?
        .map_err(ReadyError::DatabaseUnavailable)?;
    Ok(ctx.db.backend())
}
