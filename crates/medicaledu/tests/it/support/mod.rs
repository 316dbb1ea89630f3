//! Test harness: fresh databases per test on both backends.
//!
//! SQLite tests use a new file in a temporary directory. PostgreSQL tests read
//! `MEDICALEDU_TEST_POSTGRES_URL`, create a uniquely named database on that server
//! and drop it afterwards. Unset, they are skipped with a message on stderr; set
//! but unreachable, they fail.

use std::path::PathBuf;

pub mod fake_hook;
pub mod fake_paypal;
pub mod fake_stripe;
mod fixtures;
pub mod pages;
pub mod smtp_sink;

pub use fixtures::PaidBooking;

use medicaledu_app::Settings;
use medicaledu_domain::Argon2Params;
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
                let dir =
                    std::env::temp_dir().join(format!("medicaledu-test-{}", uuid::Uuid::now_v7()));
                std::fs::create_dir_all(&dir).expect("create temp dir");
                let path = dir.join("test.db");
                (format!("sqlite://{}", path.display()), Cleanup::Sqlite(dir))
            }
            Backend::Postgres => {
                let Ok(admin_url) = std::env::var(POSTGRES_URL_VAR) else {
                    announce_skip();
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
        let db = Db::connect(&url, &PoolConfig::default())
            .await
            .expect("connect to test database");
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
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()?;
                    runtime.block_on(async {
                        let admin = sqlx::PgPool::connect(&admin_url).await?;
                        sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {database} WITH (FORCE)"
                        )))
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

/// Says once per run, past the test harness's output capture, that the
/// PostgreSQL half of the suite did not run.
fn announce_skip() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: PostgreSQL tests (set {POSTGRES_URL_VAR}, e.g. postgres://postgres@127.0.0.1:5432/postgres, to run them)"
        );
    });
}

/// The same server URL with another database name.
fn database_url(admin_url: &str, name: &str) -> String {
    let mut url = url::Url::parse(admin_url).expect("MEDICALEDU_TEST_POSTGRES_URL is a URL");
    url.set_path(name);
    url.to_string()
}

/// The real application, serving HTTP on an ephemeral port against a fresh,
/// migrated database.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub test_db: TestDb,
}

/// Settings for tests: cheap password hashing, no per-IP rate limit (tests
/// that exercise it set their own), cookies over plain HTTP.
/// 32 bytes, base64: encrypts the test databases' signing keys.
pub const TEST_CREDENTIAL_KEY: &str = "dGVzdC1vbmx5LWtleS1lbmNyeXB0aW9uLWtleS0zMmI=";

pub fn test_settings() -> Settings {
    Settings {
        argon2: Argon2Params {
            memory_kib: 8,
            iterations: 1,
            parallelism: 1,
        },
        auth_rate_limit_per_minute: 0,
        cookie_secure: false,
        credential_key: Some(std::sync::Arc::new(
            medicaledu_credentials::KeyEncryptionKey::parse(TEST_CREDENTIAL_KEY)
                .expect("the test key parses"),
        )),
        ..Settings::default()
    }
}

/// Starts the app on `backend`; `None` when PostgreSQL tests are not configured.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, test_settings()).await
}

pub async fn spawn_app_with(backend: Backend, settings: Settings) -> Option<TestApp> {
    let test_db = TestDb::migrated(backend).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let address = format!("http://{}", listener.local_addr().expect("local addr"));
    let state =
        medicaledu_app::AppContext::new(test_db.db.clone(), settings).expect("valid settings");
    tokio::spawn(medicaledu_app::jobs::sweep_holds(
        state.clone(),
        std::future::pending(),
    ));
    tokio::spawn(medicaledu::server::serve(
        listener,
        state,
        std::future::pending(),
    ));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    Some(TestApp {
        address,
        client,
        test_db,
    })
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }
}

pub const PASSWORD: &str = "correct horse battery staple";

impl TestApp {
    pub async fn post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
        token: Option<&str>,
    ) -> reqwest::Response {
        let mut request = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request")
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<&serde_json::Value>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("request")
    }

    /// Registers an account and returns its JSON.
    pub async fn register(&self, email: &str, role: &str) -> serde_json::Value {
        let response = self
            .post_json(
                "/api/v1/auth/register",
                &serde_json::json!({ "email": email, "password": PASSWORD, "full_name": "Dr. Test", "role": role }),
                None,
            )
            .await;
        assert_eq!(response.status(), 201, "register {email}");
        response.json().await.expect("user json")
    }

    /// Signs in and returns the session token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let response = self
            .post_json(
                "/api/v1/auth/login",
                &serde_json::json!({ "email": email, "password": password }),
                None,
            )
            .await;
        assert_eq!(response.status(), 200, "login {email}");
        let body: serde_json::Value = response.json().await.expect("login json");
        body["token"].as_str().expect("token").to_owned()
    }

    /// A signed-in account of `role` (admins are created the operator's way).
    pub async fn user(&self, email: &str, role: &str) -> String {
        if role == "admin" {
            let account = medicaledu_app::accounts::NewAccount {
                email: medicaledu_domain::Email::parse(email).expect("email"),
                password: medicaledu_domain::Password::parse(PASSWORD).expect("password"),
                full_name: medicaledu_domain::FullName::parse("Admin").expect("name"),
                role: medicaledu_domain::Role::Admin,
                timezone: medicaledu_domain::TimeZone::utc(),
            };
            let hasher =
                medicaledu_domain::PasswordHasher::new(test_settings().argon2).expect("hasher");
            medicaledu_app::accounts::create_account(
                &self.test_db.db,
                &hasher,
                account,
                medicaledu_app::accounts::CreatedBy::Operator,
                &Default::default(),
            )
            .await
            .expect("create admin");
        } else {
            self.register(email, role).await;
        }
        self.login(email, PASSWORD).await
    }
}

impl TestApp {
    /// A published course with one required material, priced in USD minor
    /// units; shorthand for [`TestApp::course`].
    pub async fn published_course(
        &self,
        instructor: &str,
        title: &str,
        price_minor: i64,
    ) -> String {
        self.course(instructor)
            .title(title)
            .price(price_minor)
            .create()
            .await
    }

    /// Runs the server's sweep of unpaid booking holds as of `at` (some
    /// minutes ahead, past the holds), with the test settings; how many it
    /// expired. No HTTP route runs the sweep, so this is the one place the
    /// tests call the server's code for it.
    pub async fn expire_holds(&self, at: chrono::DateTime<chrono::Utc>) -> usize {
        let ahead = at - chrono::Utc::now();
        let ctx = medicaledu_app::AppContext::new(self.test_db.db.clone(), test_settings())
            .expect("the test settings make a valid context")
            .with_clock(medicaledu_app::Clock::Offset(ahead));
        medicaledu_app::jobs::expire_holds(&ctx)
            .await
            .expect("the hold sweep succeeds")
    }

    /// The id of the signed-in account.
    pub async fn me(&self, token: &str) -> String {
        let me: serde_json::Value = self
            .send(reqwest::Method::GET, "/api/v1/me", token, None)
            .await
            .json()
            .await
            .expect("me");
        me["id"].as_str().expect("id").to_owned()
    }
}

pub async fn json_of(response: reqwest::Response) -> serde_json::Value {
    response.json().await.expect("json body")
}

/// A whole hour `days` ahead, so a slot starting then is bookable.
pub fn future(days: i64, hour: u32) -> chrono::DateTime<chrono::Utc> {
    (chrono::Utc::now() + chrono::Duration::days(days))
        .date_naive()
        .and_hms_opt(hour, 0, 0)
        .expect("valid time")
        .and_utc()
}
