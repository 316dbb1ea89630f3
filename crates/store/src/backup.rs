//! A consistent copy of a SQLite database, taken while the server keeps
//! serving: `VACUUM INTO` reads one snapshot (WAL lets writers go on), and
//! the copy is checked with `PRAGMA integrity_check` before it is reported.
//! PostgreSQL has its own tool for this, `pg_dump`.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::ConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;

use crate::Db;

/// What was written.
#[derive(Clone, Debug)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    pub took: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("backup copies SQLite databases; back up PostgreSQL with pg_dump")]
    NotSqlite,
    #[error("the database holds no MedicalEdu schema (is --database-url the right file?)")]
    Empty,
    #[error("{0} already exists; choose a new file")]
    Exists(PathBuf),
    #[error("cannot write the copy: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the copy fails its integrity check: {0}")]
    Corrupt(String),
    #[error("cannot read the copy: {0}")]
    Io(#[from] std::io::Error),
}

/// Writes a consistent copy of the SQLite database to `path` (which must not
/// exist) and checks it.
pub async fn sqlite_copy(db: &Db, path: &Path) -> Result<BackupReport, BackupError> {
    let Db::Sqlite(pool) = db else {
        return Err(BackupError::NotSqlite);
    };
    if path.exists() {
        return Err(BackupError::Exists(path.to_owned()));
    }
    let migrated: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(pool)
    .await?;
    if migrated == 0 {
        return Err(BackupError::Empty);
    }
    let started = Instant::now();
    sqlx::query("VACUUM INTO $1")
        .bind(path.to_string_lossy().into_owned())
        .execute(pool)
        .await?;
    // A connection of its own, read-only, to the copy alone.
    let mut copy = SqliteConnectOptions::from_str("sqlite://")?
        .filename(path)
        .read_only(true)
        .connect()
        .await?;
    let findings: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut copy)
        .await?;
    sqlx::Connection::close(copy).await?;
    if findings != ["ok"] {
        return Err(BackupError::Corrupt(findings.join("; ")));
    }
    Ok(BackupReport {
        path: path.to_owned(),
        bytes: std::fs::metadata(path)?.len(),
        took: started.elapsed(),
    })
}
