use sqlx::Connection;
use sqlx::migrate::{MigrateError, Migrator};

use crate::{Backend, Db};

static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

/// A migration that [`Db::migrate`] applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedMigration {
    pub version: i64,
    pub description: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error("failed to apply migrations: {0}")]
    Apply(#[from] MigrateError),
    #[error("failed to read the migration history: {0}")]
    History(#[from] sqlx::Error),
}

impl Db {
    /// Applies pending migrations and returns those it applied, oldest first.
    /// Safe to run from several replicas at once: sqlx takes an advisory lock on
    /// PostgreSQL, and SQLite serializes writers.
    pub async fn migrate(&self) -> Result<Vec<AppliedMigration>, MigrationError> {
        let before = self.applied_versions().await?;
        match self {
            Db::Sqlite(pool) => {
                // A migration that manages its own transaction changes state of
                // the connection it runs on (0007 switches foreign-key
                // enforcement off), and if it fails midway it leaves that state
                // and its transaction open, unseen by the pool's check. So the
                // migrations get a connection of their own, closed afterwards;
                // closing rolls back whatever a failure left open. A failure to
                // close changes nothing that was or was not applied, so only the
                // migrations' own outcome is reported.
                let mut conn = pool.acquire().await.map_err(MigrateError::from)?.detach();
                let applied = SQLITE.run(&mut conn).await;
                drop(conn.close().await);
                applied?;
            }
            Db::Postgres(pool) => POSTGRES.run(pool).await?,
        }
        let migrator = match self.backend() {
            Backend::Sqlite => &SQLITE,
            Backend::Postgres => &POSTGRES,
        };
        let after = self.applied_versions().await?;
        Ok(migrator
            .iter()
            .filter(|m| after.contains(&m.version) && !before.contains(&m.version))
            .map(|m| AppliedMigration {
                version: m.version,
                description: m.description.to_string(),
            })
            .collect())
    }

    /// The versions this build carries that the database has not applied
    /// (successfully): a server finding any is not ready to serve. Also the
    /// readiness probe's round trip to the database.
    pub async fn pending_migrations(&self) -> Result<Vec<i64>, sqlx::Error> {
        let applied = self.applied_versions().await?;
        let migrator = match self.backend() {
            Backend::Sqlite => &SQLITE,
            Backend::Postgres => &POSTGRES,
        };
        Ok(migrator
            .iter()
            .map(|m| m.version)
            .filter(|v| !applied.contains(v))
            .collect())
    }

    async fn applied_versions(&self) -> Result<Vec<i64>, sqlx::Error> {
        let exists: bool = match self {
            Db::Sqlite(pool) => {
                sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
                )
                .fetch_one(pool)
                .await?
            }
            Db::Postgres(pool) => {
                sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
                    .fetch_one(pool)
                    .await?
            }
        };
        if !exists {
            return Ok(Vec::new());
        }
        crate::on_db!(self, pool => {
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
                .fetch_all(pool)
                .await
        })
    }
}
