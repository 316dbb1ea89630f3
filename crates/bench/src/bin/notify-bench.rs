//! `notify-bench`: how fast dispatchers drain the notifications outbox. Queues
//! N push notifications, runs K dispatchers in one process against the same
//! database and a local provider endpoint, and reports notifications per
//! second, checking that each was delivered exactly once. A benchmark, not a
//! test: see `docs/benchmarks.md`.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use axum::body::Bytes;
use clap::{Parser, ValueEnum};
use medicaledu_domain::{Channel, Id, NotificationKind, RetryPolicy, Timestamp};
use medicaledu_notify::{DispatchSettings, Dispatcher, WebhookConfig};
use medicaledu_store::notifications::{self, Outgoing};
use medicaledu_store::{Backend, Db, PoolConfig, on_db};
use serde_json::json;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum BackendChoice {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Debug, Parser)]
#[command(name = "notify-bench")]
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
    /// Notifications queued before the dispatchers start.
    #[arg(long, default_value_t = 20_000)]
    notifications: usize,
    /// Dispatcher counts to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,4")]
    dispatchers: Vec<usize>,
    /// Rows each dispatcher claims at once.
    #[arg(long, default_value_t = 50)]
    batch_size: u32,
    /// Deliveries each dispatcher has in flight.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (endpoint, seen) = provider().await?;
    println!(
        "| backend | dispatchers | notifications | seconds | notifications/s | delivered twice |"
    );
    println!("|---|---|---|---|---|---|");
    for &dispatchers in &args.dispatchers {
        if matches!(args.backend, BackendChoice::Sqlite | BackendChoice::Both) {
            let dir = std::env::temp_dir()
                .join(format!("medicaledu-notify-bench-{}", uuid::Uuid::now_v7()));
            std::fs::create_dir_all(&dir)?;
            let url = format!("sqlite://{}", dir.join("bench.db").display());
            let result = measure(&args, &url, dispatchers, &endpoint, &seen).await;
            let _ = std::fs::remove_dir_all(&dir);
            println!("{}", row(Backend::Sqlite, dispatchers, &args, result?));
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
            let result = measure(&args, url.as_str(), dispatchers, &endpoint, &seen).await;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&admin)
            .await?;
            admin.close().await;
            println!("{}", row(Backend::Postgres, dispatchers, &args, result?));
        }
    }
    Ok(())
}

struct Measured {
    seconds: f64,
    duplicates: usize,
}

fn row(backend: Backend, dispatchers: usize, args: &Args, m: Measured) -> String {
    format!(
        "| {backend} | {dispatchers} | {} | {:.2} | {:.0} | {} |",
        args.notifications,
        m.seconds,
        args.notifications as f64 / m.seconds,
        m.duplicates
    )
}

type Seen = Arc<Mutex<Vec<String>>>;

/// A provider endpoint that accepts every call and remembers the notification ids.
async fn provider() -> anyhow::Result<(String, Seen)> {
    let seen: Seen = Arc::default();
    let recorded = seen.clone();
    let app = axum::Router::new().route(
        "/push",
        axum::routing::post(move |body: Bytes| {
            let recorded = recorded.clone();
            async move {
                if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&body)
                    && let Some(id) = value["id"].as_str()
                {
                    recorded.lock().map(|mut ids| ids.push(id.to_owned())).ok();
                }
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/push", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((url, seen))
}

async fn measure(
    args: &Args,
    url: &str,
    dispatchers: usize,
    endpoint: &str,
    seen: &Seen,
) -> anyhow::Result<Measured> {
    let db = Db::connect(url, &PoolConfig::default()).await?;
    db.migrate().await?;
    let user = seed(&db, args.notifications).await?;
    seen.lock().map(|mut ids| ids.clear()).ok();
    let settings = DispatchSettings {
        batch_size: args.batch_size,
        concurrency: args.concurrency,
        poll_interval: Duration::from_millis(10),
        lease: Duration::from_secs(600),
        retry: RetryPolicy::default(),
        push: Some(WebhookConfig::new(endpoint, "bench-secret")?),
        ..DispatchSettings::default()
    };
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let started = Instant::now();
    let mut running = Vec::new();
    for _ in 0..dispatchers {
        let dispatcher = Dispatcher::new(db.clone(), settings.clone())?;
        let mut stopping = stopping.clone();
        running.push(tokio::spawn(async move {
            dispatcher
                .run(async move {
                    let _ = stopping.wait_for(|stop| *stop).await;
                })
                .await;
        }));
    }
    loop {
        let sent: i64 = on_db!(&db, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND status = 'sent'")
                .bind(user)
                .fetch_one(pool)
                .await
        })?;
        if sent as usize >= args.notifications {
            break;
        }
        ensure!(
            started.elapsed() < Duration::from_secs(600),
            "not drained in 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let _ = stop.send(true);
    for task in running {
        task.await?;
    }
    db.close().await;
    let ids = seen.lock().map(|ids| ids.clone()).unwrap_or_default();
    let distinct: HashSet<&String> = ids.iter().collect();
    ensure!(
        distinct.len() == args.notifications,
        "{} of {} notifications reached the provider",
        distinct.len(),
        args.notifications
    );
    Ok(Measured {
        seconds,
        duplicates: ids.len() - distinct.len(),
    })
}

/// One account and `n` due push notifications for it.
async fn seed(db: &Db, n: usize) -> anyhow::Result<Id> {
    let user = Id::generate();
    let now = Timestamp::now();
    on_db!(db, pool => {
        sqlx::query(
            "INSERT INTO users (id, email, password_hash, full_name, role, created_at, updated_at) \
             VALUES ($1, $2, 'x', 'Bench', 'student', $3, $3)",
        )
        .bind(user)
        .bind(format!("bench-{user}@example.org"))
        .bind(now)
        .execute(pool)
        .await
        .map(drop)
    })?;
    let data = json!({});
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        let mut tx = db.begin_write().await?;
        for i in chunk {
            let body = format!("Notification {i}");
            notifications::queue(
                &mut tx,
                &Outgoing {
                    user_id: user,
                    channel: Channel::Push,
                    kind: NotificationKind::BookingReminder,
                    title: "Reminder",
                    body: &body,
                    data: &data,
                    send_after: now,
                    expires_at: None,
                    dedupe_key: None,
                },
                now,
            )
            .await?;
        }
        tx.commit().await?;
    }
    Ok(user)
}
