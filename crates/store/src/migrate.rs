use std::sync::LazyLock;
use std::time::Duration;

use sqlx::migrate::{MigrateError, Migrator};
use sqlx::{Connection, PgConnection};

use crate::{Backend, Db};

static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

/// The PostgreSQL migrations, run under [`Db::migrate`]'s own lock rather
/// than sqlx's (see [`lock_postgres`]).
static POSTGRES_UNLOCKED: LazyLock<Migrator> = LazyLock::new(|| {
    let mut migrator = Migrator::with_migrations(POSTGRES.iter().cloned().collect());
    migrator.set_locking(false);
    migrator
});

/// How often a replica that finds the migrations lock taken asks again.
const LOCK_POLL: Duration = Duration::from_millis(200);

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
    /// Safe to run from several replicas at once: an advisory lock on
    /// PostgreSQL (see [`lock_postgres`]), and SQLite serializes writers.
    pub async fn migrate(&self) -> Result<Vec<AppliedMigration>, MigrationError> {
        let before = match self {
            Db::Sqlite(pool) => {
                let before = self.applied_versions().await?;
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
                before
            }
            Db::Postgres(pool) => {
                let mut conn = pool.acquire().await.map_err(MigrateError::from)?;
                let key = lock_postgres(&mut conn).await?;
                // Read under the lock, so that a replica that waited for
                // another's migrations does not report them as its own.
                let applied = match self.applied_versions().await {
                    Ok(before) => POSTGRES_UNLOCKED
                        .run_direct(None, &mut *conn, false)
                        .await
                        .map(|()| before)
                        .map_err(MigrationError::from),
                    Err(e) => Err(MigrationError::from(e)),
                };
                let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
                    .bind(key)
                    .execute(&mut *conn)
                    .await;
                let before = applied?;
                unlocked?;
                before
            }
        };
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

/// Takes the session-level advisory lock that makes one runner of the
/// migrations at a time, the same lock sqlx takes (so an older release's
/// replica and this one still exclude each other), and returns its key.
///
/// sqlx waits for it inside `SELECT pg_advisory_lock(…)`, a statement that
/// holds a snapshot while it waits; `CREATE INDEX CONCURRENTLY` in the lock
/// holder's migration waits for every older snapshot to go away, and the two
/// would wait for each other until the deadlock detector failed one of them.
/// Asking with `pg_try_advisory_lock` and sleeping between the answers holds
/// no snapshot while waiting.
async fn lock_postgres(conn: &mut PgConnection) -> Result<i64, MigrateError> {
    let database: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&mut *conn)
        .await?;
    let key = lock_key(&database);
    loop {
        let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(key)
            .fetch_one(&mut *conn)
            .await?;
        if locked {
            return Ok(key);
        }
        tokio::time::sleep(LOCK_POLL).await;
    }
}

/// sqlx's migration lock key for a database name.
fn lock_key(database: &str) -> i64 {
    const CRC_IEEE: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
    0x3d32ad9e * i64::from(CRC_IEEE.checksum(database.as_bytes()))
}
