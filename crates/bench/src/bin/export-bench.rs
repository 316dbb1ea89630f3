//! `export-bench`: the memory a CSV export costs the server. Seeds N audit
//! entries, starts the real `medicaledu serve` as a child process, downloads
//! `/admin/audit.csv` as an administrator and samples the server's resident
//! memory while the rows flow. The export streams, page by page, so its cost
//! must not grow with the number of rows. A benchmark, not a test: it fails
//! when the CSV is wrong (not RFC 4180, rows missing), never because it is
//! slow or large; see `docs/benchmarks.md`.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use clap::{Parser, ValueEnum};
use medicaledu_domain::{Id, Timestamp};
use medicaledu_store::audit::{self, AuditEvent, RequestMeta};
use medicaledu_store::{Db, PoolConfig};
use serde_json::json;
use tokio::process::{Child, Command};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum BackendChoice {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Debug, Parser)]
#[command(name = "export-bench")]
struct Args {
    #[arg(long, value_enum, default_value_t = BackendChoice::Both)]
    backend: BackendChoice,
    /// A PostgreSQL server URL; a uniquely named database is created there and dropped after.
    #[arg(
        long,
        env = "MEDICALEDU_TEST_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres_url: String,
    /// Audit entries seeded before the export.
    #[arg(long, default_value_t = 100_000)]
    rows: usize,
    /// The server binary; by default the `medicaledu` next to this one
    /// (build both with `cargo build --release -p medicaledu -p medicaledu-bench`).
    #[arg(long)]
    server: Option<PathBuf>,
}

const ADMIN_EMAIL: &str = "export-bench-admin@example.org";
const ADMIN_PASSWORD: &str = "export bench administrator passphrase";
/// Entries per write transaction while seeding.
const SEED_BATCH: usize = 1_000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let server = match &args.server {
        Some(path) => path.clone(),
        None => std::env::current_exe()?
            .parent()
            .context("no directory around this binary")?
            .join("medicaledu"),
    };
    ensure!(
        server.exists(),
        "{} is missing: cargo build --release -p medicaledu",
        server.display()
    );
    println!(
        "| backend | rows | CSV bytes | seconds | server RSS before | server RSS peak during export | growth |"
    );
    println!("|---|---|---|---|---|---|---|");
    if matches!(args.backend, BackendChoice::Sqlite | BackendChoice::Both) {
        let dir =
            std::env::temp_dir().join(format!("medicaledu-export-bench-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir)?;
        let url = format!("sqlite://{}", dir.join("bench.db").display());
        let result = measure(&args, &server, &url).await;
        let _ = std::fs::remove_dir_all(&dir);
        println!("{}", row("sqlite", &args, result?));
    }
    if matches!(args.backend, BackendChoice::Postgres | BackendChoice::Both) {
        let name = format!("medicaledu_bench_{}", uuid::Uuid::now_v7().simple());
        let admin = sqlx::PgPool::connect(&args.postgres_url)
            .await
            .context("cannot reach PostgreSQL")?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await?;
        let mut url = url::Url::parse(&args.postgres_url)?;
        url.set_path(&name);
        let result = measure(&args, &server, url.as_str()).await;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&admin)
        .await?;
        admin.close().await;
        println!("{}", row("postgres", &args, result?));
    }
    Ok(())
}

struct Measured {
    bytes: u64,
    seconds: f64,
    rss_before: u64,
    rss_peak: u64,
}

fn row(backend: &str, args: &Args, m: Measured) -> String {
    let mib = |kib: u64| kib as f64 / 1024.0;
    format!(
        "| {backend} | {} | {:.1} MB | {:.2} | {:.1} MiB | {:.1} MiB | {:.1} MiB |",
        args.rows,
        m.bytes as f64 / 1e6,
        m.seconds,
        mib(m.rss_before),
        mib(m.rss_peak),
        mib(m.rss_peak.saturating_sub(m.rss_before)),
    )
}

async fn measure(args: &Args, server: &PathBuf, url: &str) -> anyhow::Result<Measured> {
    run(Command::new(server).args(["migrate", "--database-url", url])).await?;
    run(Command::new(server)
        .env("MEDICALEDU_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .args([
            "admin",
            "create-user",
            "--database-url",
            url,
            "--email",
            ADMIN_EMAIL,
            "--role",
            "admin",
            "--name",
            "Bench Admin",
        ]))
    .await?;
    seed(url, args.rows).await?;

    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let mut child = Command::new(server)
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            url,
            "--no-dispatcher",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let result = export(&base, &child, args.rows).await;
    child.kill().await.ok();
    result
}

async fn run(command: &mut Command) -> anyhow::Result<()> {
    let output = command.output().await?;
    if !output.status.success() {
        bail!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// N entries shaped like the ones the platform writes: a course changed by
/// an instructor, with its before and after.
async fn seed(url: &str, rows: usize) -> anyhow::Result<()> {
    let db = Db::connect(url, &PoolConfig::default()).await?;
    let meta = RequestMeta {
        ip_address: Some("203.0.113.7".to_owned()),
        user_agent: Some("Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0".to_owned()),
        request_id: None,
    };
    let start = Timestamp::now();
    let mut written = 0;
    while written < rows {
        let mut tx = db.begin_write().await?;
        for i in written..rows.min(written + SEED_BATCH) {
            let at = Timestamp::from(*start.as_datetime() - chrono::Duration::seconds(i as i64));
            audit::record(
                &mut tx,
                &meta,
                at,
                AuditEvent {
                    actor_id: None,
                    action: "course.updated",
                    entity_type: "course",
                    entity_id: Some(Id::generate()),
                    changes: json!({
                        "title": {
                            "before": format!("Paediatric sepsis recognition, part {i}"),
                            "after": format!("Recognising paediatric sepsis, \"part\" {i}"),
                        },
                        "price_minor": { "before": 4900, "after": 5900 },
                    }),
                },
            )
            .await?;
        }
        tx.commit().await?;
        written = rows.min(written + SEED_BATCH);
    }
    db.close().await;
    Ok(())
}

/// Signs in, warms the audit pages up, then downloads the CSV while a task
/// samples the server's resident set every few milliseconds.
async fn export(base: &str, child: &Child, rows: usize) -> anyhow::Result<Measured> {
    let pid = child.id().context("the server exited")?;
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..200 {
        if client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    ensure!(up, "the server did not answer /healthz within 10 s");
    let login: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = login["token"].as_str().context("no token")?;
    let cookie = format!("medicaledu_session={token}");
    // The same pages an administrator opens first: what the server keeps
    // after them is the baseline, not the export's cost.
    for path in ["/admin/audit", "/admin/audit?action=course.updated"] {
        client
            .get(format!("{base}{path}"))
            .header("cookie", &cookie)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
    }
    let rss_before = resident_kib(pid)?;

    let peak = Arc::new(AtomicU64::new(rss_before));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                if let Ok(kib) = resident_kib(pid) {
                    peak.fetch_max(kib, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let started = Instant::now();
    let mut response = client
        .get(format!("{base}/admin/audit.csv"))
        .header("cookie", &cookie)
        .send()
        .await?
        .error_for_status()?;
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        body.extend_from_slice(&chunk);
    }
    let seconds = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    sampler.await?;

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(body.as_slice());
    let header = reader.headers()?.clone();
    let mut records = 0;
    for record in reader.records() {
        let record = record.context("the export is not RFC 4180")?;
        ensure!(
            record.len() == header.len(),
            "a row has {} fields, the header {}",
            record.len(),
            header.len()
        );
        records += 1;
    }
    // The seeded entries plus those the set-up wrote (the admin's creation).
    ensure!(
        records >= rows,
        "the export holds {records} rows, {rows} were seeded"
    );
    Ok(Measured {
        bytes: body.len() as u64,
        seconds,
        rss_before,
        rss_peak: peak.load(Ordering::Relaxed),
    })
}

/// The process's resident set in KiB, from `/proc` (Linux).
fn resident_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS in /proc/PID/status")
}
