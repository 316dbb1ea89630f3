//! `booking-bench`: drives `POST /api/v1/bookings` over HTTP with N concurrent
//! clients against the real app, reports bookings per second and latency
//! percentiles, checks that no slot was overbooked, and on PostgreSQL runs
//! the same SQL transaction through `pgbench` on the same server for
//! comparison. A benchmark, not a test: see `docs/benchmarks.md`.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use chrono::Utc;
use clap::{Parser, ValueEnum};
use medicaledu_api::{AppState, Settings};
use medicaledu_domain::{Id, SessionToken, Timestamp};
use medicaledu_store::{Backend, Db, PoolConfig, on_db, on_tx};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum BackendChoice {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Debug, Parser)]
#[command(name = "booking-bench")]
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
    /// Concurrent HTTP clients (and pgbench clients).
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// Seconds each measurement runs.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Slots to book into.
    #[arg(long, default_value_t = 400)]
    slots: usize,
    /// Students booking (each books a slot at most once).
    #[arg(long, default_value_t = 1000)]
    students: usize,
    /// Seats per slot; the default never runs out, so every request does the full work.
    #[arg(long, default_value_t = 100_000)]
    capacity: i64,
    /// Skip the pgbench comparison.
    #[arg(long)]
    no_pgbench: bool,
}

struct Seeded {
    slots: Vec<Id>,
    tokens: Vec<String>,
    students: Vec<Id>,
}

const PRICE: i64 = 5000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    println!(
        "| backend | clients | requests | booked | bookings/s | p50 ms | p95 ms | p99 ms | overbooked slots |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut notes = Vec::new();
    if matches!(args.backend, BackendChoice::Sqlite | BackendChoice::Both) {
        let dir =
            std::env::temp_dir().join(format!("medicaledu-booking-bench-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir)?;
        let url = format!("sqlite://{}", dir.join("bench.db").display());
        let result = run(&args, &url, Backend::Sqlite).await;
        let _ = std::fs::remove_dir_all(&dir);
        result?;
    }
    if matches!(args.backend, BackendChoice::Postgres | BackendChoice::Both) {
        let name = format!("medicaledu_booking_bench_{}", uuid::Uuid::now_v7().simple());
        let admin = sqlx::PgPool::connect(&args.postgres_url)
            .await
            .context("connect to PostgreSQL")?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await?;
        let mut url = url::Url::parse(&args.postgres_url)?;
        url.set_path(&name);
        let result = run(&args, url.as_str(), Backend::Postgres).await;
        let note = match &result {
            Ok(Some(note)) => Some(note.clone()),
            _ => None,
        };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&admin)
        .await?;
        result?;
        notes.extend(note);
    }
    for note in notes {
        println!("\n{note}");
    }
    Ok(())
}

/// Measures one backend; on PostgreSQL also returns the pgbench comparison.
async fn run(args: &Args, url: &str, backend: Backend) -> anyhow::Result<Option<String>> {
    let db = Db::connect(
        url,
        &PoolConfig {
            max_connections: 32,
            ..PoolConfig::default()
        },
    )
    .await?;
    db.migrate().await?;
    let seeded = seed(&db, args).await?;
    // Each student books many sessions, all unpaid: the limit on pending
    // bookings per student would refuse most of them, and this measures the
    // booking transaction itself, so the limit is off.
    let settings = Settings {
        auth_rate_limit_per_minute: 0,
        max_pending_bookings: 0,
        ..Settings::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(medicaledu_api::serve(
        listener,
        AppState::new(db.clone(), settings)?,
        std::future::pending(),
    ));

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.clients)
        .build()?;
    let seeded = Arc::new(seeded);
    let next = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let mut workers = Vec::new();
    for _ in 0..args.clients {
        let (client, seeded, next, base) = (
            client.clone(),
            Arc::clone(&seeded),
            Arc::clone(&next),
            base.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut booked = 0_u64;
            while Instant::now() < deadline {
                let n = next.fetch_add(1, Ordering::Relaxed) as usize;
                // Every request is a new (student, slot) pair, so none is refused as a duplicate.
                let student = n % seeded.students.len();
                let slot = (n / seeded.students.len()) % seeded.slots.len();
                let started = Instant::now();
                let response = client
                    .post(format!("{base}/api/v1/bookings"))
                    .bearer_auth(&seeded.tokens[student])
                    .json(&serde_json::json!({ "slot_id": seeded.slots[slot] }))
                    .send()
                    .await?;
                let status = response.status();
                latencies.push(started.elapsed());
                if status.as_u16() == 201 {
                    booked += 1;
                } else if status.as_u16() != 409 {
                    bail!(
                        "unexpected answer {status}: {}",
                        response.text().await.unwrap_or_default()
                    );
                }
            }
            Ok::<_, anyhow::Error>((latencies, booked))
        }));
    }
    let started = Instant::now();
    let mut latencies = Vec::new();
    let mut booked = 0;
    for worker in workers {
        let (l, b) = worker.await??;
        latencies.extend(l);
        booked += b;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let overbooked = overbooked(&db).await?;
    ensure!(
        overbooked == 0,
        "{overbooked} slots are overbooked or miscounted"
    );
    let rate = booked as f64 / elapsed;
    println!(
        "| {} | {} | {} | {booked} | {rate:.0} | {:.1} | {:.1} | {:.1} | {overbooked} |",
        backend.name(),
        args.clients,
        latencies.len(),
        pct(0.50),
        pct(0.95),
        pct(0.99)
    );
    let note = if backend == Backend::Postgres && !args.no_pgbench {
        let tps = pgbench(args, url, &db, &seeded, next.load(Ordering::Relaxed)).await?;
        Some(format!(
            "PostgreSQL, {} clients: the API books {rate:.0}/s; pgbench runs the same transaction at {tps:.0}/s; the API reaches {:.0}% of it.",
            args.clients,
            100.0 * rate / tps
        ))
    } else {
        None
    };
    db.close().await;
    Ok(note)
}

/// Slots whose seat count disagrees with their live bookings, or exceeds capacity.
async fn overbooked(db: &Db) -> anyhow::Result<i64> {
    Ok(on_db!(db, pool => {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM availability_slots s WHERE s.seats_booked > s.capacity OR s.seats_booked <> \
             (SELECT COUNT(*) FROM bookings b WHERE b.slot_id = s.id AND b.status IN ('pending', 'confirmed'))",
        )
        .fetch_one(pool)
        .await
    })?)
}

/// An instructor with one published paid course, its slots, and students with sessions.
async fn seed(db: &Db, args: &Args) -> anyhow::Result<Seeded> {
    let now = Timestamp::now();
    let instructor = Id::generate();
    let course = Id::generate();
    let mut tx = db.begin_write().await?;
    on_tx!(&mut tx, conn => {
        sqlx::query("INSERT INTO users (id, email, password_hash, full_name, role, created_at, updated_at) VALUES ($1, 'bench-instructor@example.com', 'x', 'Bench Instructor', 'instructor', $2, $2)")
            .bind(instructor).bind(now).execute(&mut *conn).await?;
        sqlx::query("INSERT INTO courses (id, instructor_id, title, slug, category, level, price_minor, currency, status, published_at, created_at, updated_at) VALUES ($1, $2, 'Bench', 'bench', 'Bench', 'beginner', $3, 'USD', 'published', $4, $4, $4)")
            .bind(course).bind(instructor).bind(PRICE).bind(now).execute(&mut *conn).await?;
        Ok::<_, sqlx::Error>(())
    })?;
    let mut slots = Vec::with_capacity(args.slots);
    for i in 0..args.slots {
        let id = Id::generate();
        let starts = Timestamp::from(
            Utc::now() + chrono::Duration::days(30) + chrono::Duration::hours(i as i64),
        );
        let ends = Timestamp::from(*starts.as_datetime() + chrono::Duration::minutes(30));
        on_tx!(&mut tx, conn => {
            sqlx::query("INSERT INTO availability_slots (id, course_id, starts_at, ends_at, timezone, capacity, price_minor, currency, created_at, updated_at) VALUES ($1, $2, $3, $4, 'UTC', $5, $6, 'USD', $7, $7)")
                .bind(id).bind(course).bind(starts).bind(ends).bind(args.capacity).bind(PRICE).bind(now)
                .execute(conn).await.map(drop)
        })?;
        slots.push(id);
    }
    let mut tokens = Vec::with_capacity(args.students);
    let mut students = Vec::with_capacity(args.students);
    let expires = Timestamp::from(Utc::now() + chrono::Duration::days(1));
    for i in 0..args.students {
        let (id, token) = (Id::generate(), SessionToken::generate());
        on_tx!(&mut tx, conn => {
            sqlx::query("INSERT INTO users (id, email, password_hash, full_name, role, created_at, updated_at) VALUES ($1, $2, 'x', 'Bench Student', 'student', $3, $3)")
                .bind(id).bind(format!("bench-student-{i}@example.com")).bind(now).execute(&mut *conn).await?;
            sqlx::query("INSERT INTO user_sessions (id, user_id, token_hash, last_seen_at, idle_expires_at, expires_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5, $4, $4)")
                .bind(Id::generate()).bind(id).bind(token.hash()).bind(now).bind(expires).execute(&mut *conn).await?;
            Ok::<_, sqlx::Error>(())
        })?;
        tokens.push(token.expose().to_owned());
        students.push(id);
    }
    tx.commit().await?;
    Ok(Seeded {
        slots,
        tokens,
        students,
    })
}

/// The booking transaction the API runs for a paid slot, as a pgbench script:
/// read the slot and its course, check for a live booking, take a seat
/// conditionally, insert the booking and its audit row.
const PGBENCH_SCRIPT: &str = "\
SELECT slot_id, student_id FROM bench_targets WHERE n = (SELECT nextval('bench_seq')) \\gset
BEGIN;
SELECT id, course_id, starts_at, status, price_minor, currency, deleted_at FROM availability_slots WHERE id = :slot_id;
SELECT id, status, instructor_id FROM courses WHERE id = (SELECT course_id FROM availability_slots WHERE id = :slot_id) AND deleted_at IS NULL;
SELECT id FROM bookings WHERE student_id = :student_id AND slot_id = :slot_id AND status IN ('pending', 'confirmed');
UPDATE availability_slots SET seats_booked = seats_booked + 1, updated_at = now() WHERE id = :slot_id AND seats_booked < capacity AND status = 'open' AND deleted_at IS NULL;
INSERT INTO bookings (id, slot_id, student_id, status, list_price_minor, discount_minor, total_minor, currency, hold_expires_at, created_at, updated_at) VALUES (gen_random_uuid(), :slot_id, :student_id, 'pending', 5000, 0, 5000, 'USD', now() + interval '15 minutes', now(), now()) RETURNING id;
INSERT INTO audit_logs (id, actor_id, action, entity_type, entity_id, changes, created_at) VALUES (gen_random_uuid(), :student_id, 'booking.created', 'booking', gen_random_uuid(), '{}', now());
COMMIT;
";

/// Runs the script with the same client count on the same database, with
/// (student, slot) pairs the HTTP run did not use; returns transactions per second.
async fn pgbench(
    args: &Args,
    url: &str,
    db: &Db,
    seeded: &Seeded,
    used: u64,
) -> anyhow::Result<f64> {
    let Db::Postgres(pool) = db else {
        bail!("pgbench needs PostgreSQL")
    };
    sqlx::query("CREATE TABLE bench_targets (n bigint PRIMARY KEY, slot_id uuid NOT NULL, student_id uuid NOT NULL)").execute(pool).await?;
    sqlx::query("CREATE SEQUENCE bench_seq")
        .execute(pool)
        .await?;
    let pairs = seeded.students.len() * seeded.slots.len();
    let first = used as usize + 1;
    let count = (pairs.saturating_sub(first)).min(400_000);
    ensure!(
        count > 10_000,
        "not enough unused (student, slot) pairs for pgbench; raise --students or --slots"
    );
    let mut rows = Vec::with_capacity(count);
    for n in first..first + count {
        rows.push((
            n as i64,
            seeded.slots[(n / seeded.students.len()) % seeded.slots.len()],
            seeded.students[n % seeded.students.len()],
        ));
    }
    for chunk in rows.chunks(5000) {
        let mut builder = sqlx::QueryBuilder::<sqlx::Postgres>::new(
            "INSERT INTO bench_targets (n, slot_id, student_id) ",
        );
        builder.push_values(chunk, |mut b, (n, slot, student)| {
            b.push_bind(*n).push_bind(*slot).push_bind(*student);
        });
        builder.build().execute(pool).await?;
    }
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT setval('bench_seq', {})",
        first - 1
    )))
    .fetch_one(pool)
    .await?;
    sqlx::query("ANALYZE").execute(pool).await?;
    let script =
        std::env::temp_dir().join(format!("medicaledu-booking-{}.sql", uuid::Uuid::now_v7()));
    std::fs::write(&script, PGBENCH_SCRIPT)?;
    let output = Command::new("pgbench")
        .args([
            "-n",
            "-M",
            "prepared",
            "-c",
            &args.clients.to_string(),
            "-j",
            "2",
            "-T",
            &args.seconds.to_string(),
            "-f",
        ])
        .arg(&script)
        .arg(url)
        .output()
        .context("run pgbench (Debian: apt-get install postgresql-client)")?;
    let _ = std::fs::remove_file(&script);
    let stdout = String::from_utf8_lossy(&output.stdout);
    ensure!(
        output.status.success(),
        "pgbench failed: {}{}",
        stdout,
        String::from_utf8_lossy(&output.stderr)
    );
    let tps = stdout
        .lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l.trim_start_matches("tps = ").split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .context("read tps from pgbench")?;
    ensure!(overbooked(db).await? == 0, "pgbench overbooked a slot");
    Ok(tps)
}
