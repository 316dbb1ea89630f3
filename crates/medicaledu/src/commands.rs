use anyhow::Context;
use medicaledu_app::AppContext;
use medicaledu_diagram::ImageFormat;
use medicaledu_notify::Dispatcher;
use medicaledu_store::Db;
use tokio::sync::watch;

use clap::Parser;

use crate::cli::{
    AdminCommand, BackupArgs, BareServe, Cli, Command, DemoArgs, ExportArgs, SchemaCommand,
    SchemaFormat, ServeArgs,
};
use crate::config::Config;

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    // Without a subcommand clap reads no `serve` option, not even from the
    // environment; read them now so `MEDICALEDU_BIND` and the limits apply.
    let command = match cli.command {
        Some(command) => command,
        None => Command::Serve(BareServe::try_parse_from(["medicaledu"])?.args),
    };
    let serve_args = match &command {
        Command::Serve(args) => Some(args),
        _ => None,
    };
    let config = Config::resolve(&cli.global, serve_args)?;
    crate::logging::init(config.log_format);
    match command {
        Command::Serve(args) => serve(&config, &args).await,
        Command::Migrate => migrate(&config).await,
        Command::Worker => worker(&config).await,
        Command::Schema(SchemaCommand::Export(args)) => export_schema(&config, args).await,
        Command::Admin(AdminCommand::CreateUser(args)) => {
            crate::admin::create_user(&config, args).await
        }
        Command::Admin(AdminCommand::SigningKeys(command)) => {
            crate::admin::signing_keys(&config, command).await
        }
        Command::Backup(args) => backup(&config, &args).await,
        Command::Demo(args) => demo(&config, &args).await,
    }
}

async fn demo(config: &Config, args: &DemoArgs) -> anyhow::Result<()> {
    let db = connect(config).await?;
    db.migrate().await?;
    let ctx = AppContext::new(db.clone(), config.settings.clone())?;
    let report = medicaledu_app::demo::fill(&ctx, args.force).await?;
    db.close().await;
    println!(
        "demo platform ready: {} courses, {} sessions, {} bookings, {} reviews; promo codes {}",
        report.courses,
        report.sessions,
        report.bookings,
        report.ratings,
        report.promo_codes.join(", ")
    );
    println!(
        "every account's password: {}",
        medicaledu_app::demo::DEMO_PASSWORD
    );
    println!("  administrator: {}", medicaledu_app::demo::ADMIN_EMAIL);
    println!("  instructors:   {}", report.instructors.join(", "));
    println!("  students:      {}", report.students.join(", "));
    if let Some(title) = &report.cme_activity {
        println!("  CME credit:    \"{title}\" (post-test, evaluation, certificates)");
        if config.settings.credential_key.is_none() {
            println!(
                "  to issue certificates, serve with MEDICALEDU_CREDENTIAL_KEY set (openssl rand -base64 32)"
            );
        }
    }
    Ok(())
}

async fn backup(config: &Config, args: &BackupArgs) -> anyhow::Result<()> {
    let db = connect(config).await?;
    if db.backend() == medicaledu_store::Backend::Postgres {
        anyhow::bail!(
            "medicaledu backup copies SQLite databases; back up PostgreSQL with its own tool: \
             pg_dump --format=custom --file medicaledu.dump DATABASE_URL (restore with pg_restore)"
        );
    }
    let report = medicaledu_app::backup::backup(&db, &args.output).await?;
    db.close().await;
    println!(
        "backed up to {} ({} bytes, integrity check ok) in {:.1} s",
        report.path.display(),
        report.bytes,
        report.took.as_secs_f64()
    );
    Ok(())
}

pub(crate) async fn connect(config: &Config) -> anyhow::Result<Db> {
    Ok(Db::connect(&config.database_url, &config.pool).await?)
}

async fn serve(config: &Config, args: &ServeArgs) -> anyhow::Result<()> {
    raise_open_file_limit();
    let db = connect(config).await?;
    if !args.no_migrate {
        for applied in db.migrate().await? {
            tracing::info!(version = applied.version, description = %applied.description, "applied migration");
        }
    }
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let address = listener.local_addr()?;
    tracing::info!(%address, database = %db.backend(), "serving MedicalEdu");
    let state = AppContext::new(db.clone(), config.settings.clone())?;
    let (stop, stopping) = watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    });
    let mut jobs = spawn_jobs(config, &state, !args.no_dispatcher, &stopping)?;
    jobs.extend(spawn_metrics(config, &state, &stopping).await?);
    crate::server::serve_with(
        listener,
        state,
        config.limits.clone(),
        until_stopped(stopping),
    )
    .await?;
    for job in jobs {
        job.await?;
    }
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Every connection holds a descriptor, and the soft limit is often 1024:
/// raise it to what the system allows so the connection cap, not the
/// descriptor limit, decides how many clients are served.
fn raise_open_file_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => tracing::debug!(limit, "open file limit"),
        Err(error) => tracing::warn!(%error, "cannot raise the open file limit"),
    }
}

/// The background jobs every `serve` and `worker` process runs until
/// `stopping`: expiring unpaid holds, queuing licence renewal reminders
/// and, unless left to others, delivering notifications. All are safe to
/// run in many processes at once.
fn spawn_jobs(
    config: &Config,
    ctx: &AppContext,
    deliver: bool,
    stopping: &watch::Receiver<bool>,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let mut jobs = vec![tokio::spawn(medicaledu_app::jobs::sweep_holds(
        ctx.clone(),
        until_stopped(stopping.clone()),
    ))];
    jobs.push(tokio::spawn(medicaledu_app::jobs::sweep_renewals(
        ctx.clone(),
        until_stopped(stopping.clone()),
    )));
    if deliver {
        let dispatcher = Dispatcher::new(ctx.db.clone(), config.dispatch.clone())?;
        let stopped = until_stopped(stopping.clone());
        jobs.push(tokio::spawn(async move { dispatcher.run(stopped).await }));
    }
    Ok(jobs)
}

/// Serves `/metrics` on the configured address until `stopping`, if one is
/// configured; a metrics address that cannot be bound stops the start-up, as
/// the public one does.
async fn spawn_metrics(
    config: &Config,
    ctx: &AppContext,
    stopping: &watch::Receiver<bool>,
) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    let Some(bind) = config.metrics_bind else {
        return Ok(None);
    };
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen for metrics on {bind}"))?;
    tracing::info!(address = %listener.local_addr()?, "serving metrics at /metrics");
    let ctx = ctx.clone();
    let stopped = until_stopped(stopping.clone());
    Ok(Some(tokio::spawn(async move {
        if let Err(error) = crate::metrics::serve(listener, ctx, stopped).await {
            tracing::error!(%error, "the metrics listener failed");
        }
    })))
}

/// Runs the background jobs until stopped, without serving HTTP; migrations
/// are left to `serve` or `migrate`, since workers may run an older or newer
/// build than the schema.
async fn worker(config: &Config) -> anyhow::Result<()> {
    let db = connect(config).await?;
    tracing::info!(database = %db.backend(), "worker starting");
    let ctx = AppContext::new(db.clone(), config.settings.clone())?;
    let (stop, stopping) = watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    });
    let mut jobs = spawn_jobs(config, &ctx, true, &stopping)?;
    jobs.extend(spawn_metrics(config, &ctx, &stopping).await?);
    for job in jobs {
        job.await?;
    }
    db.close().await;
    Ok(())
}

async fn until_stopped(mut stopping: watch::Receiver<bool>) {
    // A dropped sender means nobody can stop us any more: stop now.
    let _ = stopping.wait_for(|stop| *stop).await;
}

async fn migrate(config: &Config) -> anyhow::Result<()> {
    let db = connect(config).await?;
    let applied = db.migrate().await?;
    if applied.is_empty() {
        println!(
            "database is up to date ({}); nothing to apply",
            db.backend()
        );
    }
    for migration in applied {
        println!("applied {:04} {}", migration.version, migration.description);
    }
    db.close().await;
    Ok(())
}

async fn export_schema(config: &Config, args: ExportArgs) -> anyhow::Result<()> {
    check_export_options(&args)?;
    let db = connect(config).await?;
    let schema = medicaledu_schema::introspect(&db).await?;
    db.close().await;
    if schema.tables.is_empty() {
        anyhow::bail!("the database has no tables yet: run `medicaledu migrate` first");
    }
    let bytes = match args.format {
        SchemaFormat::Text(format) => medicaledu_schema::export(&schema, format).into_bytes(),
        SchemaFormat::Diagram(format) => {
            let options = medicaledu_diagram::Options {
                tables: args.tables,
                group: args.group,
                theme: args.theme.unwrap_or_default(),
            };
            medicaledu_diagram::render(&schema, &options, format, args.scale.unwrap_or(1.0))?
        }
    };
    match args.output {
        Some(path) => std::fs::write(&path, bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => write_stdout(&bytes)?,
    }
    Ok(())
}

/// Refuses diagram options with a format they do not apply to, rather than
/// ignoring them.
fn check_export_options(args: &ExportArgs) -> anyhow::Result<()> {
    let diagram = matches!(args.format, SchemaFormat::Diagram(_));
    if !diagram {
        let given = [
            ("--tables", !args.tables.is_empty()),
            ("--group", args.group.is_some()),
            ("--theme", args.theme.is_some()),
        ];
        if let Some((flag, _)) = given.iter().find(|(_, given)| *given) {
            anyhow::bail!("{flag} applies to the diagram formats only (svg, png, pdf)");
        }
    }
    if args.scale.is_some() && args.format != SchemaFormat::Diagram(ImageFormat::Png) {
        anyhow::bail!("--scale applies to --format png only");
    }
    Ok(())
}

/// Writes to standard output; a reader that stops early (`| head`) is not an error.
fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// Resolves on Ctrl-C or SIGTERM, so orchestrators can stop the server cleanly.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}
