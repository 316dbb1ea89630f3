//! Test harness: fresh databases per test on both backends.
//!
//! SQLite tests use a new file in a temporary directory. PostgreSQL tests read
//! `MEDICALEDU_TEST_POSTGRES_URL`, create a uniquely named database on that server
//! and drop it afterwards. Unset, they are skipped with a message on stderr; set
//! but unreachable, they fail.

use std::path::PathBuf;

use medicaledu_store::{Backend, Db, PoolConfig};

pub const POSTGRES_URL_VAR: &str = "MEDICALEDU_TEST_POSTGRES_URL";

/// Generates one `#[tokio::test]` per backend for each `async fn name(Backend)`:
/// `name::sqlite` and `name::postgres`.
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    super::$name(medicaledu_store::Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    super::$name(medicaledu_store::Backend::Postgres).await;
                }
            }
        )+
    };
}
pub(crate) use both_backends;

/// A fresh, empty database that disappears with the value.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// A fresh database on `backend`, not yet migrated; `None` when PostgreSQL
    /// tests are not configured.
    pub async fn empty(backend: Backend) -> Option<TestDb> {
        let (url, cleanup) = match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("medicaledu-test-{}", uuid::Uuid::now_v7()));
                std::fs::create_dir_all(&dir).expect("create temp dir");
                let path = dir.join("test.db");
                (format!("sqlite://{}", path.display()), Cleanup::Sqlite(dir))
            }
            Backend::Postgres => {
                let Ok(admin_url) = std::env::var(POSTGRES_URL_VAR) else {
                    eprintln!("SKIPPED: PostgreSQL test (set {POSTGRES_URL_VAR} to run it)");
                    return None;
                };
                let name = format!("medicaledu_test_{}", uuid::Uuid::now_v7().simple());
                let admin = sqlx::PgPool::connect(&admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR} is set but unreachable: {e}"));
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&admin)
                    .await
                    .expect("create test database");
                admin.close().await;
                let url = database_url(&admin_url, &name);
                (url, Cleanup::Postgres { admin_url, name })
            }
        };
        let db = Db::connect(&url, &PoolConfig::default()).await.expect("connect to test database");
        Some(TestDb { db, url, cleanup })
    }

    /// A fresh database with every migration applied.
    pub async fn migrated(backend: Backend) -> Option<TestDb> {
        let test_db = Self::empty(backend).await?;
        test_db.db.migrate().await.expect("migrate test database");
        Some(test_db)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin_url, name } => {
                // Drop runs outside any async context we could await in; a private
                // runtime on its own thread does the cleanup.
                let (admin_url, database) = (admin_url.clone(), name.clone());
                let dropped = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
                    runtime.block_on(async {
                        let admin = sqlx::PgPool::connect(&admin_url).await?;
                        sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)")))
                            .execute(&admin)
                            .await?;
                        admin.close().await;
                        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
                    })
                })
                .join();
                if !matches!(dropped, Ok(Ok(()))) {
                    eprintln!("warning: could not drop test database {name}");
                }
            }
        }
    }
}

/// The same server URL with another database name.
fn database_url(admin_url: &str, name: &str) -> String {
    let mut url = url::Url::parse(admin_url).expect("MEDICALEDU_TEST_POSTGRES_URL is a URL");
    url.set_path(name);
    url.to_string()
}
