//! Persistence for MedicalEdu. One [`Db`] handle serves both backends: the
//! database URL picks SQLite or PostgreSQL at runtime, and queries are written
//! once (sqlx binds `$1`-style parameters on both) and run through [`on_db!`] or
//! [`on_tx!`], which compile the same code for each backend's concrete types.

pub mod audit;
pub mod backup;
pub mod bookings;
pub mod cme;
pub mod cme_learners;
pub mod courses;
mod db;
pub mod enrollments;
pub mod materials;
mod migrate;
pub mod notifications;
mod params;
pub mod payments;
pub mod promo;
pub mod ratings;
pub mod second_factors;
pub mod sessions;
pub mod slots;
pub mod users;

pub use db::{Backend, ConnectError, Db, PoolConfig, PoolStats, Tx};
pub use migrate::{AppliedMigration, MigrationError};

/// Runs `$body` with `$pool` bound to the backend's concrete pool type.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite($pool) => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the backend's concrete transaction
/// connection (`&mut SqliteConnection` or `&mut PgConnection`).
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::Tx::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}
