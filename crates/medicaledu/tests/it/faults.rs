//! Hostile clients, hostile input and faults: forged client addresses,
//! cross-scheme origins, NUL characters, stalled connections, database
//! outages and a full disk.

use std::time::{Duration, Instant};

use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{PASSWORD, TestApp, both_backends, spawn_app, spawn_app_with, test_settings};

async fn login_from(
    app: &TestApp,
    forwarded_for: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"email": "doc@example.com", "password": PASSWORD}));
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    request.send().await.expect("request")
}

/// Behind one trusted proxy, the client is the rightmost `X-Forwarded-For`
/// entry: forging entries to its left, `X-Real-IP` or `Forwarded` neither
/// escapes the per-IP limit nor changes the address the server records.
async fn the_client_address_is_counted_from_the_trusted_proxies(backend: Backend) {
    let mut settings = test_settings();
    settings.trusted_proxy_hops = 1;
    settings.auth_rate_limit_per_minute = 3;
    let Some(app) = spawn_app_with(backend, settings).await else {
        return;
    };
    app.register("doc@example.com", "instructor").await;
    let mut tokens = Vec::new();
    for forged in ["6.6.6.1", "6.6.6.2", "6.6.6.3"] {
        let response = login_from(
            &app,
            &format!("{forged}, 203.0.113.7"),
            &[
                ("x-real-ip", forged),
                ("forwarded", &format!("for={forged}")),
            ],
        )
        .await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("json");
        tokens.push(body["token"].as_str().expect("token").to_owned());
    }
    let limited = login_from(&app, "6.6.6.4, 203.0.113.7", &[("x-real-ip", "6.6.6.4")]).await;
    assert_eq!(
        limited.status(),
        429,
        "a forged left entry is no new client"
    );
    let other = login_from(&app, "203.0.113.8", &[]).await;
    assert_eq!(other.status(), 200, "another client has its own allowance");

    let sessions: Value = app
        .send(Method::GET, "/api/v1/me/sessions", &tokens[0], None)
        .await
        .json()
        .await
        .expect("json");
    let addresses: Vec<&str> = sessions["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|s| s["ip_address"].as_str())
        .collect();
    assert_eq!(addresses.len(), 4);
    assert_eq!(
        addresses.iter().filter(|ip| **ip == "203.0.113.7").count(),
        3,
        "{addresses:?}"
    );
    assert!(addresses.contains(&"203.0.113.8"), "{addresses:?}");
}

/// Without trusted proxies, `X-Forwarded-For` is the client's own claim.
async fn without_trusted_proxies_forwarded_for_is_ignored(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.register("doc@example.com", "instructor").await;
    let response = login_from(&app, "203.0.113.7", &[("x-real-ip", "203.0.113.9")]).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    let token = body["token"].as_str().expect("token");
    let sessions: Value = app
        .send(Method::GET, "/api/v1/me/sessions", token, None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(sessions["items"][0]["ip_address"], "127.0.0.1");
}

/// An `https` page is another origin than the `http` site of the same host
/// and port, and so is another port.
async fn an_origin_must_match_scheme_and_port(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.register("browser@example.com", "student").await;
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "browser@example.com", "password": PASSWORD}),
            None,
        )
        .await;
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    let host = app.address.trim_start_matches("http://").to_owned();
    let (name, port) = host.rsplit_once(':').expect("host:port");
    let other_port = port.parse::<u16>().expect("port").wrapping_add(1);
    for origin in [
        format!("https://{host}"),
        format!("http://{name}:{other_port}"),
    ] {
        let refused = app
            .client
            .post(app.url("/api/v1/auth/logout"))
            .header("cookie", &cookie)
            .header("origin", &origin)
            .send()
            .await
            .expect("request");
        assert_eq!(refused.status(), 403, "{origin}");
    }
    let same = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .header("cookie", &cookie)
        .header("origin", format!("http://{host}"))
        .send()
        .await
        .expect("request");
    assert_eq!(same.status(), 204);
}

/// A NUL character anywhere in the input is refused before the database
/// sees it (PostgreSQL would fail the query): 422 naming the field for a
/// body or query, 404 for a path.
async fn nul_characters_are_refused_everywhere(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "a\u{0}b", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(login.status(), 422);
    let body: Value = login.json().await.expect("json");
    assert_eq!(body["code"], "validation_failed");
    assert_eq!(body["errors"][0]["field"], "email");

    for (path, field) in [
        ("/api/v1/courses?q=%00", "q"),
        ("/api/v1/admin/users?q=%00", "q"),
        ("/api/v1/admin/audit-logs?entity_type=%00", "entity_type"),
    ] {
        let response = app.send(Method::GET, path, &admin, None).await;
        assert_eq!(response.status(), 422, "{path}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["errors"][0]["field"], field, "{path}");
    }
    let response = app.get("/api/v1/courses/a%00b").await;
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["code"], "not_found");
    assert_eq!(app.get("/readyz").await.status(), 200);
}

/// The real server with `limits` on a fresh database; its address.
async fn serve_limited(
    backend: Backend,
    limits: medicaledu::server::Limits,
) -> Option<(String, crate::support::TestDb)> {
    let test_db = crate::support::TestDb::migrated(backend).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let address = listener.local_addr().expect("local addr").to_string();
    let ctx = medicaledu_app::AppContext::new(test_db.db.clone(), test_settings())
        .expect("valid settings");
    tokio::spawn(medicaledu::server::serve_with(
        listener,
        ctx,
        limits,
        std::future::pending(),
    ));
    Some((address, test_db))
}

/// Reads until the server closes the connection; what it sent and when.
async fn read_until_closed(
    stream: &mut tokio::net::TcpStream,
    limit: Duration,
) -> (String, Duration) {
    let started = Instant::now();
    let mut received = Vec::new();
    let read = tokio::time::timeout(limit, stream.read_to_end(&mut received)).await;
    assert!(
        read.is_ok(),
        "the server kept the connection open past {limit:?}"
    );
    (
        String::from_utf8_lossy(&received).into_owned(),
        started.elapsed(),
    )
}

/// Slow loris: a client that sends half a request line and stalls is cut off
/// after the header timeout, while others are served all along.
async fn a_stalled_request_head_is_closed_and_others_are_served(backend: Backend) {
    let limits = medicaledu::server::Limits {
        header_timeout: Duration::from_secs(1),
        ..medicaledu::server::Limits::default()
    };
    let Some((address, _db)) = serve_limited(backend, limits).await else {
        return;
    };
    let mut stalled: Vec<tokio::net::TcpStream> = Vec::new();
    for _ in 0..20 {
        let mut stream = tokio::net::TcpStream::connect(&address)
            .await
            .expect("connect");
        stream.write_all(b"GET /healthz HT").await.expect("send");
        stalled.push(stream);
    }
    // A fresh connection per request: a kept-alive one is itself closed by
    // the header timeout while this test waits.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let healthy = client
        .get(format!("http://{address}/healthz"))
        .send()
        .await
        .expect("request");
    assert_eq!(
        healthy.status(),
        200,
        "others are served while clients stall"
    );
    for stream in &mut stalled {
        let (_, after) = read_until_closed(stream, Duration::from_secs(5)).await;
        assert!(after < Duration::from_secs(5));
    }
    let healthy = client
        .get(format!("http://{address}/healthz"))
        .send()
        .await
        .expect("request");
    assert_eq!(healthy.status(), 200);
}

/// A kept-alive connection that sends nothing more is closed after the idle
/// timeout; a body that stops arriving is answered within the body timeout.
async fn idle_connections_and_stalled_bodies_time_out(backend: Backend) {
    let limits = medicaledu::server::Limits {
        idle_timeout: Duration::from_secs(1),
        body_timeout: Duration::from_secs(1),
        ..medicaledu::server::Limits::default()
    };
    let Some((address, _db)) = serve_limited(backend, limits).await else {
        return;
    };
    let mut idle = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    idle.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\n\r\n").as_bytes())
        .await
        .expect("send");
    let (answer, after) = read_until_closed(&mut idle, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        after >= Duration::from_millis(900),
        "closed after {after:?}"
    );

    let mut slow = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    slow.write_all(
        format!(
            "POST /api/v1/auth/login HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
             Content-Length: 100\r\nConnection: close\r\n\r\n{{\"email\":"
        )
        .as_bytes(),
    )
    .await
    .expect("send");
    let (answer, after) = read_until_closed(&mut slow, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 4"), "{answer}");
    assert!(
        after >= Duration::from_millis(900),
        "answered after {after:?}"
    );
}

both_backends!(
    not_ready_until_every_migration_is_applied,
    the_client_address_is_counted_from_the_trusted_proxies,
    without_trusted_proxies_forwarded_for_is_ignored,
    an_origin_must_match_scheme_and_port,
    nul_characters_are_refused_everywhere,
    a_stalled_request_head_is_closed_and_others_are_served,
    idle_connections_and_stalled_bodies_time_out,
);

/// A PostgreSQL server of the test's own, in a temporary directory, that the
/// test can stop and start again; stopped and removed with the value.
struct PrivateCluster {
    bin: std::path::PathBuf,
    dir: std::path::PathBuf,
    port: u16,
}

impl PrivateCluster {
    /// `None` (with a `SKIPPED:` line) when PostgreSQL's server binaries
    /// are not installed.
    fn start() -> Option<PrivateCluster> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(Result::ok)
            .map(|entry| entry.path().join("bin"))
            .find(|bin| bin.join("initdb").exists() && bin.join("pg_ctl").exists());
        let Some(bin) = bin else {
            eprintln!("SKIPPED: database outage test (no initdb/pg_ctl under /usr/lib/postgresql)");
            return None;
        };
        let dir = std::env::temp_dir().join(format!("medicaledu-pg-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).expect("create cluster dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let cluster = PrivateCluster { bin, dir, port };
        if is_root() {
            let owned = std::process::Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&cluster.dir)
                .status()
                .expect("chown");
            assert!(owned.success());
        }
        let data = cluster.dir.join("data");
        cluster.run(
            "initdb",
            &[
                "-D",
                &data.to_string_lossy(),
                "-A",
                "trust",
                "-U",
                "postgres",
            ],
        );
        cluster.pg_ctl("start");
        Some(cluster)
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn pg_ctl(&self, action: &str) {
        let data = self.dir.join("data").to_string_lossy().into_owned();
        let log = self.dir.join("log").to_string_lossy().into_owned();
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {}",
            self.port,
            self.dir.display()
        );
        match action {
            "start" => self.run(
                "pg_ctl",
                &["-D", &data, "-l", &log, "-o", &options, "-w", "start"],
            ),
            _ => self.run("pg_ctl", &["-D", &data, "-m", "fast", "-w", action]),
        }
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let program = self.bin.join(tool);
        let mut command = if is_root() {
            let mut command = std::process::Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&program);
            command
        } else {
            std::process::Command::new(&program)
        };
        let output = command.args(args).output().expect("run a PostgreSQL tool");
        assert!(
            output.status.success(),
            "{tool} {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let data = self.dir.join("data").to_string_lossy().into_owned();
        let program = self.bin.join("pg_ctl");
        let mut command = if is_root() {
            let mut command = std::process::Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&program);
            command
        } else {
            std::process::Command::new(&program)
        };
        let _ = command
            .args(["-D", &data, "-m", "immediate", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// With the database stopped, requests are answered 503
/// `database_unavailable` with `Retry-After` within the acquire timeout and
/// `/readyz` within a second; once it is back, the server recovers alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_database_outage_is_answered_fast_with_503() {
    let Some(cluster) = PrivateCluster::start() else {
        return;
    };
    let pool = medicaledu_store::PoolConfig {
        acquire_timeout: Duration::from_secs(2),
        ..medicaledu_store::PoolConfig::default()
    };
    let db = medicaledu_store::Db::connect(&cluster.url(), &pool)
        .await
        .expect("connect");
    db.migrate().await.expect("migrate");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    let ctx = medicaledu_app::AppContext::new(db, test_settings()).expect("settings");
    tokio::spawn(medicaledu::server::serve(
        listener,
        ctx,
        std::future::pending(),
    ));
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(format!("{address}{path}")).send();
    assert_eq!(get("/readyz").await.expect("readyz").status(), 200);
    assert_eq!(get("/api/v1/courses").await.expect("courses").status(), 200);

    cluster.pg_ctl("stop");
    // The first request may meet a pooled connection the server just closed.
    for _ in 0..3 {
        let started = Instant::now();
        let response = get("/api/v1/courses").await.expect("courses");
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(response.status(), 503);
        assert!(response.headers().contains_key("retry-after"));
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["code"], "database_unavailable");
    }
    let started = Instant::now();
    let ready = get("/readyz").await.expect("readyz");
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(ready.status(), 503);
    assert!(ready.headers().contains_key("retry-after"));

    cluster.pg_ctl("start");
    let mut recovered = false;
    for _ in 0..20 {
        if get("/api/v1/courses").await.expect("courses").status() == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        recovered,
        "requests succeed again once the database is back"
    );
}

/// A write transaction whose COMMIT failed leaves its connection in a state
/// no one can be sure of (SQLite may have rolled it back already, and the
/// rollback sqlx queues then fails): the pool must not hand it out again,
/// or every later write fails with "non-zero transaction depth".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_commit_does_not_poison_the_sqlite_pool() {
    let Some(test_db) = crate::support::TestDb::empty(Backend::Sqlite).await else {
        return;
    };
    let pool = medicaledu_store::PoolConfig {
        max_connections: 1,
        ..medicaledu_store::PoolConfig::default()
    };
    let db = medicaledu_store::Db::connect(&test_db.url, &pool)
        .await
        .expect("connect");
    let mut tx = db.begin_write().await.expect("begin");
    // What a failed COMMIT on a full disk leaves: SQLite has ended the
    // transaction behind sqlx's back.
    medicaledu_store::on_tx!(&mut tx, conn => sqlx::query("ROLLBACK").execute(conn).await.map(drop))
        .expect("rollback behind sqlx's back");
    assert!(
        tx.commit().await.is_err(),
        "COMMIT without a transaction fails"
    );
    for _ in 0..3 {
        let tx = db.begin_write().await.expect("a later write can begin");
        tx.commit().await.expect("and commit");
    }
}

/// Sets SQLite's page limit on every connection of the app's pool (it is a
/// per-connection setting); `None` sets it to the database's current size.
async fn limit_pages(app: &TestApp, pages: Option<i64>) {
    let medicaledu_store::Db::Sqlite(pool) = &app.test_db.db else {
        panic!("SQLite only");
    };
    let mut held = Vec::new();
    for _ in 0..medicaledu_store::PoolConfig::default().max_connections {
        held.push(pool.acquire().await.expect("acquire"));
    }
    for conn in &mut held {
        let current: i64 = sqlx::query_scalar("PRAGMA page_count")
            .fetch_one(&mut **conn)
            .await
            .expect("page count");
        let limit = pages.unwrap_or(current);
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "PRAGMA max_page_count = {limit}"
        )))
        .execute(&mut **conn)
        .await
        .expect("limit pages");
    }
}

/// A full disk is answered 507 `storage_full`, not 500, and writes work
/// again by themselves once there is space.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_sqlite_disk_is_507_and_writes_recover() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    app.register("first@example.com", "student").await;
    limit_pages(&app, None).await;
    let register = |n: usize| {
        let body = json!({
            "email": format!("user{n}@example.com"),
            "password": PASSWORD,
            "full_name": "x".repeat(150),
            "role": "student",
        });
        let app = &app;
        async move { app.post_json("/api/v1/auth/register", &body, None).await }
    };
    let mut full = None;
    for n in 0..200 {
        let response = register(n).await;
        if response.status() != 201 {
            full = Some(response);
            break;
        }
    }
    let full = full.expect("the page limit was reached");
    assert_eq!(full.status(), 507);
    let body: Value = full.json().await.expect("json");
    assert_eq!(body["code"], "storage_full");
    assert_eq!(app.get("/readyz").await.status(), 200, "reads still work");

    limit_pages(&app, Some(1_000_000)).await;
    for n in 1000..1005 {
        assert_eq!(register(n).await.status(), 201, "writes recover");
    }
}

/// A server started with `--no-migrate` before the migrations ran (another
/// replica or `medicaledu migrate` applies them) stays out of the load
/// balancer's rotation until they are applied.
async fn not_ready_until_every_migration_is_applied(backend: Backend) {
    let Some(test_db) = crate::support::TestDb::empty(backend).await else {
        return;
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let address = listener.local_addr().expect("local addr").to_string();
    let ctx = medicaledu_app::AppContext::new(test_db.db.clone(), test_settings())
        .expect("valid settings");
    tokio::spawn(medicaledu::server::serve_with(
        listener,
        ctx,
        medicaledu::server::Limits::default(),
        std::future::pending(),
    ));
    let client = reqwest::Client::new();
    let readyz = format!("http://{address}/readyz");

    let started = Instant::now();
    let before = client.get(&readyz).send().await.expect("readyz");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "answered within a second"
    );
    assert_eq!(before.status(), 503);
    assert!(before.headers().contains_key("retry-after"));
    let problem: Value = before.json().await.expect("a problem document");
    assert_eq!(problem["code"], "unavailable");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("not applied"),
        "{problem}"
    );
    let live = client
        .get(format!("http://{address}/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(live.status(), 200, "liveness does not depend on migrations");

    test_db.db.migrate().await.expect("migrate");
    let after = client.get(&readyz).send().await.expect("readyz");
    assert_eq!(after.status(), 200);
}
