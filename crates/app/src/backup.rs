//! Backing up the database while the platform keeps serving: a checked copy
//! of a SQLite database; PostgreSQL is backed up with `pg_dump`.

use std::path::Path;

use medicaledu_store::Db;
pub use medicaledu_store::backup::{BackupError, BackupReport};

/// A consistent copy of the SQLite database at `path`, which must not exist,
/// checked with `PRAGMA integrity_check`. Bookings acknowledged before it
/// began are in it; writes go on meanwhile.
pub async fn backup(db: &Db, path: &Path) -> Result<BackupReport, BackupError> {
    medicaledu_store::backup::sqlite_copy(db, path).await
}
