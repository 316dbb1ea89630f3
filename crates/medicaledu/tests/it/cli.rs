//! The `medicaledu` binary as an operator runs it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use medicaledu_store::Backend;

use crate::support::{TestDb, both_backends};

pub(crate) fn medicaledu() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_medicaledu"));
    command
        .env_remove("MEDICALEDU_DATABASE_URL")
        .env_remove("MEDICALEDU_CONFIG")
        .env_remove("MEDICALEDU_BIND")
        .env("MEDICALEDU_LOG", "info");
    command
}

pub(crate) fn run(command: &mut Command) -> (bool, String, String) {
    let output = command.output().expect("run medicaledu");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

pub(crate) fn assert_one_line_error(stderr: &str, needle: &str) {
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(lines.len(), 1, "exactly one error line in {stderr:?}");
    assert!(
        lines[0].contains(needle),
        "{:?} should mention {needle:?}",
        lines[0]
    );
    assert!(!stderr.contains("panicked"), "no panic: {stderr}");
}

#[test]
fn unsupported_database_url_is_a_clear_error() {
    let (ok, _, stderr) =
        run(medicaledu().args(["migrate", "--database-url", "mysql://root:pw@localhost/x"]));
    assert!(!ok);
    assert_one_line_error(&stderr, "unsupported database URL");
    assert!(!stderr.contains(":pw@"), "password not echoed: {stderr}");
}

#[test]
fn unreachable_postgres_is_a_clear_error() {
    let (ok, _, stderr) = run(medicaledu().args([
        "migrate",
        "--database-url",
        "postgres://postgres@127.0.0.1:1/medicaledu",
    ]));
    assert!(!ok);
    assert_one_line_error(&stderr, "cannot open the postgres database");
}

#[test]
fn unknown_config_key_is_a_clear_error() {
    let dir = tempdir();
    let path = dir.join("medicaledu.toml");
    std::fs::write(&path, "bind = \"127.0.0.1:0\"\nflux_capacitor = true\n").expect("write config");
    let (ok, _, stderr) = run(medicaledu().arg("migrate").arg("--config").arg(&path));
    assert!(!ok);
    assert_one_line_error(&stderr, "flux_capacitor");
}

#[test]
fn bare_command_serves_on_a_new_sqlite_file_and_stops_on_sigterm() {
    let dir = tempdir();
    let child = medicaledu()
        .current_dir(&dir)
        .env("MEDICALEDU_BIND", "127.0.0.1:0")
        .args(["--log-format", "json"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("start server");
    let (mut child, address) = wait_for_address(child);

    let body = http_get(&address, "/healthz");
    assert!(body.contains("\"ok\""), "{body}");
    assert!(
        dir.join("medicaledu.db").exists(),
        "default database file created in the working directory"
    );

    stop(&mut child);
    let status = child.wait().expect("wait for server");
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
}

/// A client that stalls in the middle of its request body holds a request
/// in flight; shutdown waits for it only as long as the grace period, then
/// closes it and exits 0.
#[test]
fn shutdown_closes_a_stalled_request_after_the_grace_period() {
    use std::io::Write;
    let dir = tempdir();
    let child = medicaledu()
        .current_dir(&dir)
        .env("MEDICALEDU_BIND", "127.0.0.1:0")
        .env("MEDICALEDU_SHUTDOWN_GRACE_SECONDS", "1")
        .env("MEDICALEDU_BODY_TIMEOUT_SECONDS", "600")
        .env("MEDICALEDU_REQUEST_TIMEOUT_SECONDS", "600")
        .args(["--log-format", "json"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("start server");
    let (mut child, address) = wait_for_address(child);
    let mut stalled = std::net::TcpStream::connect(&address).expect("connect");
    write!(
        stalled,
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: {address}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"email\":"
    )
    .expect("send half a request");
    // Let the server read the headers and wait in the handler for the body.
    std::thread::sleep(Duration::from_millis(500));

    let stopping = std::time::Instant::now();
    stop(&mut child);
    let status = wait_at_most(&mut child, Duration::from_secs(15));
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
    assert!(
        stopping.elapsed() < Duration::from_secs(10),
        "stopped after {:?}",
        stopping.elapsed()
    );
    drop(stalled);
}

/// Waits for the child to exit, killing it (and failing) if it takes longer.
fn wait_at_most(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("the server did not stop within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn migrate_prints_what_it_applied(backend: Backend) {
    let Some(test_db) = TestDb::empty(backend).await else {
        return;
    };
    let (ok, stdout, stderr) = run(medicaledu().args(["migrate", "--database-url", &test_db.url]));
    assert!(ok, "{stderr}");
    assert!(stdout.contains("applied 0001 schema"), "{stdout}");
    let (ok, stdout, stderr) = run(medicaledu().args(["migrate", "--database-url", &test_db.url]));
    assert!(ok, "{stderr}");
    assert!(stdout.contains("up to date"), "{stdout}");
}

async fn schema_export_writes_every_format(backend: Backend) {
    let Some(test_db) = TestDb::migrated(backend).await else {
        return;
    };
    let dir = tempdir();
    for (format, marker) in [
        ("dbml", "Table users"),
        ("postgres", "CREATE TABLE"),
        ("sqlite", "STRICT"),
        ("json", "\"tables\""),
        ("mermaid", "erDiagram"),
    ] {
        let output = dir.join(format!("schema.{format}"));
        let (ok, _, stderr) = run(medicaledu()
            .args([
                "schema",
                "export",
                "--format",
                format,
                "--database-url",
                &test_db.url,
                "--output",
            ])
            .arg(&output));
        assert!(ok, "{format}: {stderr}");
        let text = std::fs::read_to_string(&output).expect("export written");
        assert!(text.contains(marker), "{format} export contains {marker:?}");
    }
    let (ok, _, stderr) = run(medicaledu().args([
        "schema",
        "export",
        "--format",
        "yaml",
        "--database-url",
        &test_db.url,
    ]));
    assert!(!ok);
    assert!(stderr.contains("yaml"), "{stderr}");
}

async fn serve_works_without_migrating_an_already_migrated_database(backend: Backend) {
    let Some(test_db) = TestDb::migrated(backend).await else {
        return;
    };
    let child = medicaledu()
        .args([
            "serve",
            "--no-migrate",
            "--bind",
            "127.0.0.1:0",
            "--log-format",
            "json",
        ])
        .args(["--database-url", &test_db.url])
        .stderr(Stdio::piped())
        .spawn()
        .expect("start server");
    let (mut child, address) = wait_for_address(child);
    let body = http_get(&address, "/readyz");
    assert!(body.contains(backend.name()), "{body}");
    stop(&mut child);
    assert!(child.wait().expect("wait").success());
}

async fn admin_create_user_makes_the_first_admin(backend: Backend) {
    let Some(test_db) = TestDb::empty(backend).await else {
        return;
    };
    let create = |email: &str| {
        run(medicaledu()
            .env("MEDICALEDU_ADMIN_PASSWORD", "an operator passphrase")
            .args([
                "admin",
                "create-user",
                "--role",
                "admin",
                "--name",
                "Chief Admin",
                "--email",
                email,
            ])
            .args([
                "--argon2-memory-kib",
                "8",
                "--argon2-iterations",
                "1",
                "--database-url",
                &test_db.url,
            ]))
    };
    let (ok, stdout, stderr) = create("chief@example.com");
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("created admin chief@example.com"),
        "{stdout}"
    );
    let (ok, _, stderr) = create("CHIEF@example.com");
    assert!(!ok);
    assert_one_line_error(&stderr, "already uses this email");
    let (role, action): (String, String) = medicaledu_store::on_db!(&test_db.db, pool => {
        sqlx::query_as(
            "SELECT u.role, a.action FROM users u JOIN audit_logs a ON a.entity_id = u.id WHERE a.actor_id IS NULL",
        )
        .fetch_one(pool)
        .await
        .expect("created admin and its audit row")
    });
    assert_eq!((role.as_str(), action.as_str()), ("admin", "user.created"));
    let (ok, _, stderr) = run(medicaledu()
        .env("MEDICALEDU_ADMIN_PASSWORD", "short")
        .args([
            "admin",
            "create-user",
            "--role",
            "admin",
            "--name",
            "X",
            "--email",
            "x@example.com",
        ])
        .args(["--database-url", &test_db.url]));
    assert!(!ok);
    assert_one_line_error(&stderr, "password");
}

both_backends!(
    admin_create_user_makes_the_first_admin,
    migrate_prints_what_it_applied,
    schema_export_writes_every_format,
    serve_works_without_migrating_an_already_migrated_database,
);

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("medicaledu-cli-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Reads the server's JSON log until it announces its address.
fn wait_for_address(mut child: Child) -> (Child, String) {
    let stderr = child.stderr.take().expect("piped stderr");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Ok(event) = serde_json::from_str::<serde_json::Value>(&line)
                && let Some(address) = event["address"].as_str()
            {
                let _ = sender.send(address.to_owned());
            }
        }
    });
    match receiver.recv_timeout(Duration::from_secs(60)) {
        Ok(address) => (child, address),
        Err(_) => {
            let _ = child.kill();
            panic!("server did not announce its address");
        }
    }
}

/// A minimal HTTP/1.1 GET, so this test does not need an async runtime.
fn http_get(address: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
}

fn stop(child: &mut Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("send SIGTERM");
    assert!(status.success());
}
