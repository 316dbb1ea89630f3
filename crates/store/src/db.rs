use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

/// Which database engine a [`Db`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A connection pool to one of the supported databases.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open write transaction. On SQLite it began with `BEGIN IMMEDIATE`, so it
/// holds the write lock from the start and a read-then-write never fails halfway
/// with "database is locked".
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

#[derive(Clone, Debug)]
pub struct PoolConfig {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    /// How long SQLite waits for the write lock before giving up.
    pub sqlite_busy_timeout: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            max_connections: 16,
            // Short, so that a database outage is answered at once (503)
            // rather than after a long hang.
            acquire_timeout: Duration::from_secs(2),
            sqlite_busy_timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "unsupported database URL {0:?}: expected sqlite://FILE, sqlite:///ABSOLUTE/PATH or postgres://USER@HOST/DB"
    )]
    UnsupportedScheme(String),
    #[error("invalid database URL: {0}")]
    InvalidUrl(#[source] sqlx::Error),
    #[error("cannot open the {backend} database: {source}")]
    Unreachable {
        backend: Backend,
        #[source]
        source: sqlx::Error,
    },
}

/// Whether a pooled SQLite connection is outside any transaction and may be
/// handed out. A transaction whose COMMIT failed (a full disk, a deferred
/// constraint) stays open on its connection, and the rollback queued when it
/// was dropped may fail too; such a connection would refuse every later
/// `BEGIN` ("non-zero transaction depth"), so the pool closes it and opens a
/// fresh one instead.
async fn leaves_no_transaction(conn: &mut sqlx::SqliteConnection) -> Result<bool, sqlx::Error> {
    use sqlx::Connection;
    if conn.is_in_transaction() {
        // The queued rollback runs before this round trip answers; only a
        // connection still inside a transaction after it is uncertain.
        if conn.ping().await.is_err() {
            return Ok(false);
        }
    }
    Ok(!conn.is_in_transaction())
}

impl Db {
    /// Connects to the database the URL names and checks that it answers.
    pub async fn connect(url: &str, config: &PoolConfig) -> Result<Self, ConnectError> {
        match Backend::from_url(url)? {
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(ConnectError::InvalidUrl)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(config.sqlite_busy_timeout);
                let pool = SqlitePoolOptions::new()
                    .max_connections(config.max_connections)
                    .acquire_timeout(config.acquire_timeout)
                    // A SQLite connection is a file and a thread in this
                    // process, with no network to lose: pinging it on every
                    // acquire (sqlx's default) only adds a round trip to its
                    // thread per query. What can go wrong with one, a
                    // transaction left open by a failed commit, is checked
                    // below.
                    .test_before_acquire(false)
                    .before_acquire(|conn, _| Box::pin(leaves_no_transaction(conn)))
                    .connect_with(options)
                    .await
                    .map_err(|source| ConnectError::Unreachable {
                        backend: Backend::Sqlite,
                        source,
                    })?;
                Ok(Db::Sqlite(pool))
            }
            Backend::Postgres => {
                let options = PgConnectOptions::from_str(url).map_err(ConnectError::InvalidUrl)?;
                let pool = PgPoolOptions::new()
                    .max_connections(config.max_connections)
                    .acquire_timeout(config.acquire_timeout)
                    .connect_with(options)
                    .await
                    .map_err(|source| ConnectError::Unreachable {
                        backend: Backend::Postgres,
                        source,
                    })?;
                Ok(Db::Postgres(pool))
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Begins a write transaction (see [`Tx`]).
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        let _waiting = Waiting::begin();
        Ok(match self {
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// The pool's connections as of now, for the metrics endpoint.
    pub fn pool_stats(&self) -> PoolStats {
        let (size, idle, max) = crate::on_db!(self, pool => (
            pool.size(),
            pool.num_idle(),
            pool.options().get_max_connections(),
        ));
        PoolStats {
            size,
            idle: u32::try_from(idle).unwrap_or(u32::MAX),
            max,
            writes_waiting: WRITES_WAITING.load(Ordering::Relaxed),
        }
    }

    pub async fn close(&self) {
        crate::on_db!(self, pool => pool.close().await)
    }
}

/// A pool's connections at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolStats {
    /// Open connections, idle or in use.
    pub size: u32,
    pub idle: u32,
    pub max: u32,
    /// Callers of [`Db::begin_write`] in this process still waiting for their
    /// transaction to begin: for a pool connection and, on SQLite, for the
    /// database's one writer. sqlx counts none of its waiters, so reads that
    /// wait for a connection are not in it.
    pub writes_waiting: u64,
}

static WRITES_WAITING: AtomicU64 = AtomicU64::new(0);

/// One caller counted in [`PoolStats::writes_waiting`] until it drops,
/// however its wait ends (a transaction, an error or a cancelled future).
struct Waiting;

impl Waiting {
    fn begin() -> Self {
        WRITES_WAITING.fetch_add(1, Ordering::Relaxed);
        Waiting
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        WRITES_WAITING.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }
}

impl Backend {
    /// The backend a database URL selects, from its scheme alone.
    pub fn from_url(url: &str) -> Result<Self, ConnectError> {
        let scheme = url.split_once(':').map(|(scheme, _)| scheme);
        match scheme {
            Some("sqlite") => Ok(Backend::Sqlite),
            Some("postgres" | "postgresql") => Ok(Backend::Postgres),
            _ => Err(ConnectError::UnsupportedScheme(redact(url))),
        }
    }
}

/// Hides a password so a bad URL can be echoed in an error message.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(start), Some(at)) if at > start => {
            let credentials = &url[start + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..start + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_selects_backend() {
        assert_eq!(
            Backend::from_url("sqlite://medicaledu.db").ok(),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::from_url("sqlite:///tmp/x.db").ok(),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::from_url("postgres://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert!(Backend::from_url("mysql://u@h/db").is_err());
        assert!(Backend::from_url("medicaledu.db").is_err());
    }

    #[test]
    fn errors_never_echo_passwords() {
        let err = Backend::from_url("mysql://root:hunter2@db/x").expect_err("unsupported");
        let message = err.to_string();
        assert!(message.contains("root:***@db"), "{message}");
        assert!(!message.contains("hunter2"));
    }
}
