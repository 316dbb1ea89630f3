//! `catalog-bench`: seeds a large catalog on SQLite and/or PostgreSQL, serves
//! the real API in-process and measures `GET /api/v1/courses` through HTTP,
//! then prints the latency per scenario and the query plan of each scenario's
//! SQL as Markdown on stdout (progress goes to stderr). With `--pages` it also
//! measures the web pages over the same data: home, catalog and course pages.
//!
//! A benchmark, not a test: it asserts that every response is correct, never
//! that it is fast. See `docs/benchmarks.md`.

mod catalog;
mod load;
mod pages;
mod plan;
mod rng;
mod seed;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context as _, bail, ensure};
use clap::{Parser, ValueEnum};
use medicaledu_api::{AppState, Settings};
use medicaledu_store::{Backend, Db, PoolConfig};

use crate::load::{Ctx, Stats};
use crate::plan::Plan;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum BackendChoice {
    Sqlite,
    Postgres,
    Both,
}

/// Seeds a large course catalog and measures the public catalog search
/// (`GET /api/v1/courses`) through the real HTTP API.
#[derive(Debug, Parser)]
#[command(name = "catalog-bench")]
struct Args {
    /// Which backends to measure.
    #[arg(long, value_enum, default_value_t = BackendChoice::Both)]
    backend: BackendChoice,
    /// A PostgreSQL server URL; the benchmark creates a uniquely named database
    /// there and drops it at the end.
    #[arg(
        long,
        env = "MEDICALEDU_TEST_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres_url: String,
    /// Courses to seed.
    #[arg(long, default_value_t = 100_000)]
    courses: usize,
    /// Timed requests per scenario.
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// Concurrent client workers.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Print every query plan in full, with its SQL.
    #[arg(long)]
    plans: bool,
    /// Seed of the data and of the request parameters.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Keep the databases afterwards (prints where they are).
    #[arg(long)]
    keep: bool,
    /// Run only the scenarios whose name starts with this (repeatable), e.g.
    /// `--only q,` for the text searches, `--only page:` for the pages; the
    /// others keep their seeds.
    #[arg(long)]
    only: Vec<String>,
    /// Also render the web pages (home, catalog, course pages) over the same
    /// data, through the real page router.
    #[arg(long)]
    pages: bool,
}

impl Args {
    fn runs(&self, name: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|p| name.starts_with(p.as_str()))
    }
}

struct BackendRun {
    backend: Backend,
    version: String,
    insert_secs: f64,
    analyze_secs: f64,
    results: Vec<(&'static str, Stats)>,
    plans: Vec<(&'static str, Plan)>,
}

/// A database created for this run, removed again by [`Scratch::remove`].
enum Scratch {
    Sqlite { dir: PathBuf },
    Postgres { admin_url: String, name: String },
}

impl Scratch {
    async fn create(backend: Backend, args: &Args) -> anyhow::Result<(String, Scratch)> {
        let unique = uuid::Uuid::now_v7().simple().to_string();
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("medicaledu-bench-{unique}"));
                std::fs::create_dir_all(&dir)?;
                let url = format!("sqlite://{}", dir.join("bench.db").display());
                Ok((url, Scratch::Sqlite { dir }))
            }
            Backend::Postgres => {
                let name = format!("medicaledu_bench_{unique}");
                let admin = sqlx::PgPool::connect(&args.postgres_url)
                    .await
                    .with_context(|| "cannot reach PostgreSQL (see --postgres-url)".to_owned())?;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&admin)
                    .await
                    .context("create the benchmark database")?;
                admin.close().await;
                let mut url = url::Url::parse(&args.postgres_url)?;
                url.set_path(&name);
                Ok((
                    url.to_string(),
                    Scratch::Postgres {
                        admin_url: args.postgres_url.clone(),
                        name,
                    },
                ))
            }
        }
    }

    async fn remove(self) -> anyhow::Result<()> {
        match self {
            Scratch::Sqlite { dir } => {
                std::fs::remove_dir_all(&dir).with_context(|| format!("remove {}", dir.display()))
            }
            Scratch::Postgres { admin_url, name } => {
                let admin = sqlx::PgPool::connect(&admin_url).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&admin)
                .await
                .with_context(|| format!("drop database {name}"))?;
                admin.close().await;
                Ok(())
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            Scratch::Sqlite { dir } => dir.join("bench.db").display().to_string(),
            Scratch::Postgres { name, .. } => format!("PostgreSQL database {name}"),
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    ensure!(args.courses >= 1000, "--courses must be at least 1000");
    ensure!(args.requests >= 1, "--requests must be at least 1");
    ensure!(args.concurrency >= 1, "--concurrency must be at least 1");
    let backends = match args.backend {
        BackendChoice::Sqlite => vec![Backend::Sqlite],
        BackendChoice::Postgres => vec![Backend::Postgres],
        BackendChoice::Both => vec![Backend::Sqlite, Backend::Postgres],
    };

    eprintln!("generating {} courses (seed {})…", args.courses, args.seed);
    let started = Instant::now();
    let data = seed::generate(args.courses, args.seed);
    let ctx = Arc::new(Ctx::new(&data));
    ensure!(
        !ctx.missing_words.is_empty(),
        "every no-match search word occurs in the data"
    );
    eprintln!(
        "generated in {:.1} s: {} instructors, {} courses, {} listed",
        started.elapsed().as_secs_f64(),
        data.instructors.len(),
        data.courses.len(),
        ctx.listed
    );

    let mut runs = Vec::new();
    for backend in backends {
        let (url, scratch) = Scratch::create(backend, &args).await?;
        let outcome = run_backend(backend, &url, &data, &ctx, &args).await;
        if args.keep {
            eprintln!("[{backend}] kept {}", scratch.describe());
        } else if let Err(e) = scratch.remove().await {
            eprintln!("[{backend}] warning: could not remove the benchmark database: {e:#}");
        }
        runs.push(outcome.with_context(|| format!("{backend} benchmark failed"))?);
    }
    print!("{}", report(&args, &data, &ctx, &runs));
    Ok(())
}

async fn run_backend(
    backend: Backend,
    url: &str,
    data: &seed::Dataset,
    ctx: &Arc<Ctx>,
    args: &Args,
) -> anyhow::Result<BackendRun> {
    let db = Db::connect(url, &PoolConfig::default()).await?;
    db.migrate().await?;
    eprintln!("[{backend}] inserting…");
    let started = Instant::now();
    seed::insert(&db, data).await?;
    let furnished = if args.pages {
        pages::furnish(&db, data, args.seed).await?
    } else {
        Vec::new()
    };
    let insert_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    seed::analyze(&db).await?;
    let analyze_secs = started.elapsed().as_secs_f64();
    eprintln!("[{backend}] seeded in {insert_secs:.1} s, ANALYZE {analyze_secs:.1} s");
    db.close().await;

    // The server gets a fresh pool, as after a restart: every connection
    // starts with the statistics ANALYZE just wrote.
    let db = Db::connect(url, &PoolConfig::default()).await?;
    let version = match &db {
        Db::Sqlite(pool) => {
            let v: String = sqlx::query_scalar("SELECT sqlite_version()")
                .fetch_one(pool)
                .await?;
            format!("SQLite {v}")
        }
        Db::Postgres(pool) => {
            let v: String = sqlx::query_scalar("SHOW server_version")
                .fetch_one(pool)
                .await?;
            format!("PostgreSQL {v}")
        }
    };
    let settings = Settings {
        auth_rate_limit_per_minute: 0,
        cookie_secure: false,
        ..Settings::default()
    };
    let state = AppState::new(db.clone(), settings).context("application state")?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(medicaledu_api::serve(listener, state.clone(), async {
        let _ = stopped.await;
    }));
    // The pages on a listener of their own, as `medicaledu serve` routes them.
    let web_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let web_base = format!("http://{}", web_listener.local_addr()?);
    let (web_stop, web_stopped) = tokio::sync::oneshot::channel::<()>();
    let web_app =
        medicaledu_web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let web_server = tokio::spawn(async move {
        axum::serve(web_listener, web_app)
            .with_graceful_shutdown(async {
                let _ = web_stopped.await;
            })
            .await
    });

    let mut outcome = measure(backend, &db, &base, ctx, args).await;
    if args.pages
        && let Ok((results, _)) = &mut outcome
    {
        match measure_pages(backend, &web_base, ctx, furnished, args).await {
            Ok(mut pages) => results.append(&mut pages),
            Err(e) => outcome = Err(e),
        }
    }

    let _ = stop.send(());
    let _ = web_stop.send(());
    server.await.context("server task")?.context("server")?;
    web_server
        .await
        .context("page server task")?
        .context("page server")?;
    db.close().await;
    let (results, plans) = outcome?;
    Ok(BackendRun {
        backend,
        version,
        insert_secs,
        analyze_secs,
        results,
        plans,
    })
}

type Measured = (Vec<(&'static str, Stats)>, Vec<(&'static str, Plan)>);

async fn measure(
    backend: Backend,
    db: &Db,
    base: &str,
    ctx: &Arc<Ctx>,
    args: &Args,
) -> anyhow::Result<Measured> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let ready = client.get(format!("{base}/readyz")).send().await?;
    if !ready.status().is_success() {
        bail!("the server is not ready: {}", ready.status());
    }

    let scenarios = load::scenarios();
    let warmup = (2 * args.concurrency).min(args.requests);
    let mut results = Vec::new();
    for (i, scenario) in scenarios.iter().enumerate() {
        if !args.runs(scenario.name) {
            continue;
        }
        let seed = args.seed.wrapping_add(i as u64 * 7919);
        load::drive(
            &client,
            base,
            ctx,
            scenario,
            warmup,
            args.concurrency,
            !seed,
        )
        .await
        .with_context(|| format!("warm-up of {:?}", scenario.name))?;
        let stats = load::drive(
            &client,
            base,
            ctx,
            scenario,
            args.requests,
            args.concurrency,
            seed,
        )
        .await
        .with_context(|| format!("scenario {:?}", scenario.name))?;
        eprintln!(
            "[{backend}] {:<36} p50 {:>7.2} ms  p95 {:>7.2} ms  {:>7.1} req/s",
            scenario.name,
            stats.percentile_ms(50.0),
            stats.percentile_ms(95.0),
            stats.per_second()
        );
        results.push((scenario.name, stats));
    }

    let mut plans = Vec::new();
    for scenario in scenarios.iter().filter(|s| args.runs(s.name)) {
        let query = scenario.representative(ctx);
        let plan = plan::explain(db, &query)
            .await
            .with_context(|| format!("plan of {:?}", scenario.name))?;
        plans.push((scenario.name, plan));
    }
    Ok((results, plans))
}

async fn measure_pages(
    backend: Backend,
    base: &str,
    ctx: &Arc<Ctx>,
    furnished: Vec<pages::Furnished>,
    args: &Args,
) -> anyhow::Result<Vec<(&'static str, Stats)>> {
    let site = pages::Site {
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?,
        base: base.to_owned(),
        ctx: Arc::clone(ctx),
        furnished: Arc::new(furnished),
    };
    let warmup = (2 * args.concurrency).min(args.requests);
    let mut results = Vec::new();
    for (i, scenario) in pages::scenarios().iter().enumerate() {
        if !args.runs(scenario.name) {
            continue;
        }
        let seed = args.seed.wrapping_add(1_000_003 + i as u64 * 7919);
        pages::drive(&site, scenario, warmup, args.concurrency, !seed)
            .await
            .with_context(|| format!("warm-up of {:?}", scenario.name))?;
        let stats = pages::drive(&site, scenario, args.requests, args.concurrency, seed)
            .await
            .with_context(|| format!("scenario {:?}", scenario.name))?;
        eprintln!(
            "[{backend}] {:<36} p50 {:>7.2} ms  p95 {:>7.2} ms  {:>7.1} req/s",
            scenario.name,
            stats.percentile_ms(50.0),
            stats.percentile_ms(95.0),
            stats.per_second()
        );
        results.push((scenario.name, stats));
    }
    Ok(results)
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

fn report(args: &Args, data: &seed::Dataset, ctx: &Ctx, runs: &[BackendRun]) -> String {
    let mut out = String::new();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let _ = writeln!(out, "# Catalog benchmark\n");
    let _ = writeln!(
        out,
        "- {} courses ({} listed: published and not deleted), {} instructors; seed {}",
        data.courses.len(),
        ctx.listed,
        data.instructors.len(),
        args.seed
    );
    let _ = writeln!(
        out,
        "- {} timed requests per scenario after {} warm-up requests, {} concurrent clients, \
         client and server in one process on {cores} cores",
        args.requests,
        (2 * args.concurrency).min(args.requests),
        args.concurrency
    );
    for run in runs {
        let _ = writeln!(out, "- {}: {}", run.backend, run.version);
    }

    let _ = writeln!(out, "\n## Seeding\n");
    let _ = writeln!(
        out,
        "| backend | courses | insert (s) | courses/s | ANALYZE (s) |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    for run in runs {
        let _ = writeln!(
            out,
            "| {} | {} | {:.1} | {:.0} | {:.2} |",
            run.backend,
            data.courses.len(),
            run.insert_secs,
            data.courses.len() as f64 / run.insert_secs,
            run.analyze_secs
        );
    }

    for run in runs {
        let _ = writeln!(out, "\n## Latency through HTTP: {}\n", run.backend);
        let _ = writeln!(
            out,
            "| scenario | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | items/page |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|");
        for (name, stats) in &run.results {
            let _ = writeln!(
                out,
                "| {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} |",
                cell(name),
                stats.requests,
                stats.per_second(),
                stats.percentile_ms(50.0),
                stats.percentile_ms(95.0),
                stats.percentile_ms(99.0),
                stats.max_ms(),
                stats.mean_items()
            );
        }
    }

    let _ = writeln!(out, "\n## Text search selectivity\n");
    let _ = writeln!(out, "| q | listed courses matching | share |");
    let _ = writeln!(out, "|---|---:|---:|");
    for (word, n) in &ctx.word_matches {
        let _ = writeln!(
            out,
            "| `{word}` | {n} | {:.2}% |",
            100.0 * *n as f64 / ctx.listed.max(1) as f64
        );
    }

    for run in runs {
        let _ = writeln!(out, "\n## Query plans: {}\n", run.backend);
        let _ = writeln!(
            out,
            "One representative request per scenario. SQL ms: median of 7 direct executions \
             of the statement through the pool (prepared and cached as the server's are; a \
             text search on PostgreSQL unprepared, planned each time, as the server runs it). \
             On PostgreSQL the plan is `EXPLAIN (ANALYZE, BUFFERS)` with the values bound (the \
             custom plan a connection uses for a statement's first five executions); where the \
             generic plan it may switch to afterwards differs, both are shown. On SQLite a \
             text search first counts up to 500 matches to choose its statement; the SQL ms \
             is the statement's alone.\n"
        );
        let _ = writeln!(out, "| scenario | plan | SQL ms | rows |");
        let _ = writeln!(out, "|---|---|---:|---:|");
        for (name, plan) in &run.plans {
            let summary = match &plan.generic {
                None => plan.summary.clone(),
                Some((generic, _)) => {
                    format!("custom plan: {} <br> generic plan: {generic}", plan.summary)
                }
            };
            let _ = writeln!(
                out,
                "| {} | {} | {:.2} | {} |",
                cell(name),
                cell(&summary),
                plan.sql_ms,
                plan.rows
            );
        }
    }

    if args.plans {
        for run in runs {
            let _ = writeln!(out, "\n## Full plans: {}\n", run.backend);
            for (name, plan) in &run.plans {
                let _ = writeln!(
                    out,
                    "### {name}\n\n```sql\n{}\n-- parameters: {}\n```\n\n```\n{}\n```\n",
                    plan.sql,
                    plan.params,
                    plan.full.trim_end()
                );
                if let Some((_, generic)) = &plan.generic {
                    let _ = writeln!(out, "Generic plan:\n\n```\n{}\n```\n", generic.trim_end());
                }
            }
        }
    }
    out
}
