use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use medicaledu_diagram::{ImageFormat, Theme};
use medicaledu_schema::ExportFormat;

/// MedicalEdu: courses, live sessions, bookings and payments for medical education.
///
/// Every option can also come from the environment (MEDICALEDU_*) or from a TOML
/// config file (`--config`), where keys are the option names in snake_case.
/// Flags win over the environment, which wins over the file.
#[derive(Debug, Parser)]
#[command(name = "medicaledu", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Database URL: sqlite://FILE, sqlite:///ABSOLUTE/PATH or postgres://USER@HOST/DB.
    /// Default: sqlite://medicaledu.db in the working directory.
    #[arg(
        long,
        env = "MEDICALEDU_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// Milliseconds a request waits for a database connection before it is
    /// answered 503 `database_unavailable` [default: 2000].
    #[arg(long, env = "MEDICALEDU_DB_ACQUIRE_TIMEOUT_MS", global = true)]
    pub db_acquire_timeout_ms: Option<u64>,

    /// A TOML configuration file.
    #[arg(long, env = "MEDICALEDU_CONFIG", global = true)]
    pub config: Option<PathBuf>,

    /// Log format: `text` for people, `json` for log collectors.
    #[arg(long, env = "MEDICALEDU_LOG_FORMAT", global = true)]
    pub log_format: Option<crate::config::LogFormat>,

    /// Serve Prometheus metrics at GET /metrics on this address (`serve` and
    /// `worker`), apart from the public listener. Off unless set.
    #[arg(long, env = "MEDICALEDU_METRICS_BIND", global = true)]
    pub metrics_bind: Option<SocketAddr>,

    #[command(flatten)]
    pub security: SecurityArgs,

    #[command(flatten)]
    pub scheduling: SchedulingArgs,

    #[command(flatten)]
    pub payments: PaymentArgs,

    #[command(flatten)]
    pub notify: NotifyArgs,
}

/// Notification delivery: channels and the dispatcher that drains the outbox.
#[derive(Debug, Default, Args)]
pub struct NotifyArgs {
    /// SMTP server for email: smtp://HOST:PORT, smtp://USER:PASS@HOST:587?tls=starttls
    /// or smtps://USER:PASS@HOST:465. Unset, email notifications fail with a clear error.
    #[arg(
        long,
        env = "MEDICALEDU_SMTP_URL",
        global = true,
        hide_env_values = true
    )]
    pub smtp_url: Option<String>,
    /// Sender of notification email, e.g. "MedicalEdu <no-reply@example.org>".
    #[arg(long, env = "MEDICALEDU_EMAIL_FROM", global = true)]
    pub email_from: Option<String>,
    /// Provider URL that SMS notifications are POSTed to (signed JSON).
    #[arg(
        long,
        env = "MEDICALEDU_SMS_WEBHOOK_URL",
        global = true,
        hide_env_values = true
    )]
    pub sms_webhook_url: Option<String>,
    /// Provider URL that push notifications are POSTed to (signed JSON).
    #[arg(
        long,
        env = "MEDICALEDU_PUSH_WEBHOOK_URL",
        global = true,
        hide_env_values = true
    )]
    pub push_webhook_url: Option<String>,
    /// Secret for the HMAC-SHA256 signature of SMS and push webhook calls.
    #[arg(
        long,
        env = "MEDICALEDU_NOTIFY_WEBHOOK_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub notify_webhook_secret: Option<String>,
    /// Attempts per notification before it is marked failed [default: 8].
    #[arg(long, env = "MEDICALEDU_NOTIFY_MAX_ATTEMPTS", global = true)]
    pub notify_max_attempts: Option<u32>,
    /// First retry delay in seconds; it doubles per attempt, up to an hour [default: 30].
    #[arg(long, env = "MEDICALEDU_NOTIFY_RETRY_BASE_SECONDS", global = true)]
    pub notify_retry_base_seconds: Option<u32>,
    /// Notifications one dispatcher claims at a time [default: 20].
    #[arg(long, env = "MEDICALEDU_NOTIFY_BATCH_SIZE", global = true)]
    pub notify_batch_size: Option<u32>,
    /// Deliveries one dispatcher has in flight at once [default: 8].
    #[arg(long, env = "MEDICALEDU_NOTIFY_CONCURRENCY", global = true)]
    pub notify_concurrency: Option<usize>,
    /// Milliseconds between polls of the outbox when nothing is due [default: 1000].
    #[arg(long, env = "MEDICALEDU_NOTIFY_POLL_INTERVAL_MS", global = true)]
    pub notify_poll_interval_ms: Option<u64>,
    /// Seconds a claim is exclusive before another dispatcher may take over [default: 120].
    #[arg(long, env = "MEDICALEDU_NOTIFY_LEASE_SECONDS", global = true)]
    pub notify_lease_seconds: Option<u64>,
    /// Seconds one SMTP or webhook delivery may take [default: 10].
    #[arg(long, env = "MEDICALEDU_NOTIFY_TIMEOUT_SECONDS", global = true)]
    pub notify_timeout_seconds: Option<u64>,
}

/// Payment providers; a provider without its secrets is refused with a clear error.
#[derive(Debug, Default, Args)]
pub struct PaymentArgs {
    /// Stripe secret key (`sk_…`); enables Stripe together with the webhook secret.
    #[arg(
        long,
        env = "MEDICALEDU_STRIPE_SECRET_KEY",
        global = true,
        hide_env_values = true
    )]
    pub stripe_secret_key: Option<String>,
    /// Signing secret of the Stripe webhook endpoint (`whsec_…`).
    #[arg(
        long,
        env = "MEDICALEDU_STRIPE_WEBHOOK_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub stripe_webhook_secret: Option<String>,
    /// Stripe API base URL [default: https://api.stripe.com].
    #[arg(long, env = "MEDICALEDU_STRIPE_API_BASE", global = true)]
    pub stripe_api_base: Option<String>,
    /// Stripe publishable key (`pk_…`); with it, the booking page takes cards
    /// through Stripe's Payment Element.
    #[arg(long, env = "MEDICALEDU_STRIPE_PUBLISHABLE_KEY", global = true)]
    pub stripe_publishable_key: Option<String>,
    /// Where browsers load Stripe.js [default: https://js.stripe.com/v3/].
    #[arg(long, env = "MEDICALEDU_STRIPE_JS_URL", global = true)]
    pub stripe_js_url: Option<String>,
    /// Where browsers load PayPal's JavaScript SDK [default: https://www.paypal.com/sdk/js].
    #[arg(long, env = "MEDICALEDU_PAYPAL_SDK_URL", global = true)]
    pub paypal_sdk_url: Option<String>,
    /// PayPal REST client id; enables PayPal together with the secret and webhook id.
    #[arg(long, env = "MEDICALEDU_PAYPAL_CLIENT_ID", global = true)]
    pub paypal_client_id: Option<String>,
    #[arg(
        long,
        env = "MEDICALEDU_PAYPAL_CLIENT_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub paypal_client_secret: Option<String>,
    /// Id of the PayPal webhook subscription, used to verify deliveries.
    #[arg(long, env = "MEDICALEDU_PAYPAL_WEBHOOK_ID", global = true)]
    pub paypal_webhook_id: Option<String>,
    /// PayPal API base URL [default: https://api-m.paypal.com].
    #[arg(long, env = "MEDICALEDU_PAYPAL_API_BASE", global = true)]
    pub paypal_api_base: Option<String>,
}

/// Booking rules and recurring slots.
#[derive(Debug, Default, Args)]
pub struct SchedulingArgs {
    /// Minutes before a session starts after which it can no longer be booked [default: 120].
    #[arg(long, env = "MEDICALEDU_BOOKING_MIN_NOTICE_MINUTES", global = true)]
    pub booking_min_notice_minutes: Option<u32>,
    /// Minutes an unpaid booking holds its seat [default: 15].
    #[arg(long, env = "MEDICALEDU_BOOKING_HOLD_MINUTES", global = true)]
    pub booking_hold_minutes: Option<u32>,
    /// Hours before the start within which a cancellation is no longer refunded [default: 24].
    #[arg(long, env = "MEDICALEDU_REFUND_WINDOW_HOURS", global = true)]
    pub refund_window_hours: Option<u32>,
    /// Unpaid (pending) bookings one student may hold at once; 0 turns the limit off [default: 3].
    #[arg(long, env = "MEDICALEDU_MAX_PENDING_BOOKINGS", global = true)]
    pub max_pending_bookings: Option<u32>,
    /// How often one booking may be rescheduled [default: 2].
    #[arg(long, env = "MEDICALEDU_MAX_RESCHEDULES", global = true)]
    pub max_reschedules: Option<u32>,
    /// Most occurrences one recurring slot expands to [default: 500].
    #[arg(long, env = "MEDICALEDU_RECURRENCE_MAX_OCCURRENCES", global = true)]
    pub recurrence_max_occurrences: Option<u32>,
    /// How far ahead, in days, a recurring slot expands [default: 366].
    #[arg(long, env = "MEDICALEDU_RECURRENCE_HORIZON_DAYS", global = true)]
    pub recurrence_horizon_days: Option<u32>,
    /// Milliseconds between looks for unpaid holds that ran out (`serve` and `worker`) [default: 30000].
    #[arg(long, env = "MEDICALEDU_HOLD_SWEEP_INTERVAL_MS", global = true)]
    pub hold_sweep_interval_ms: Option<u64>,
}

/// Sessions, lockout, rate limits and password hashing.
#[derive(Debug, Default, Args)]
pub struct SecurityArgs {
    /// Hours a session lasts after sign-in, however active [default: 720].
    #[arg(long, env = "MEDICALEDU_SESSION_TTL_HOURS", global = true)]
    pub session_ttl_hours: Option<u32>,
    /// Hours a session survives without use [default: 168].
    #[arg(long, env = "MEDICALEDU_SESSION_IDLE_TTL_HOURS", global = true)]
    pub session_idle_ttl_hours: Option<u32>,
    /// Mark the session cookie `Secure` (HTTPS only) [default: true].
    #[arg(long, env = "MEDICALEDU_COOKIE_SECURE", global = true)]
    pub cookie_secure: Option<bool>,
    /// Administrators must sign in with a second factor (TOTP); one without a
    /// factor can only set one up until they do [default: false].
    #[arg(
        long = "require-admin-2fa",
        env = "MEDICALEDU_REQUIRE_ADMIN_2FA",
        global = true
    )]
    pub require_admin_2fa: Option<bool>,
    /// Consecutive failed sign-ins that lock an account [default: 5].
    #[arg(long, env = "MEDICALEDU_LOCKOUT_MAX_ATTEMPTS", global = true)]
    pub lockout_max_attempts: Option<u32>,
    /// Minutes a locked account stays locked [default: 15].
    #[arg(long, env = "MEDICALEDU_LOCKOUT_MINUTES", global = true)]
    pub lockout_minutes: Option<u32>,
    /// Sign-in and sign-up attempts per client IP and minute; 0 turns the limit off [default: 10].
    #[arg(long, env = "MEDICALEDU_AUTH_RATE_LIMIT_PER_MINUTE", global = true)]
    pub auth_rate_limit_per_minute: Option<u32>,
    /// Promo code previews per user and minute; 0 turns the limit off [default: 20].
    #[arg(long, env = "MEDICALEDU_PROMO_RATE_LIMIT_PER_MINUTE", global = true)]
    pub promo_rate_limit_per_minute: Option<u32>,
    /// Proxies of your own in front of the server, each appending to X-Forwarded-For:
    /// the client is the entry that many hops from its right; 0 uses the connection's
    /// address (X-Real-IP and Forwarded are never read) [default: 0].
    #[arg(long, env = "MEDICALEDU_TRUSTED_PROXY_HOPS", global = true)]
    pub trusted_proxy_hops: Option<u32>,
    /// Where users reach the platform, e.g. https://edu.example.org: the links
    /// certificates print and their credentials' ids [default: http://127.0.0.1:8080].
    #[arg(long, env = "MEDICALEDU_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// 32 random bytes, base64 (`openssl rand -base64 32`), that encrypt the keys
    /// signing CME certificates. Without it no certificate can be issued. Keep it
    /// as safe as the database's backups, and the same on every replica.
    #[arg(
        long,
        env = "MEDICALEDU_CREDENTIAL_KEY",
        global = true,
        hide_env_values = true
    )]
    pub credential_key: Option<String>,
    /// Argon2id memory in KiB [default: 19456].
    #[arg(long, env = "MEDICALEDU_ARGON2_MEMORY_KIB", global = true)]
    pub argon2_memory_kib: Option<u32>,
    /// Argon2id passes [default: 2].
    #[arg(long, env = "MEDICALEDU_ARGON2_ITERATIONS", global = true)]
    pub argon2_iterations: Option<u32>,
    /// Argon2id lanes [default: 1].
    #[arg(long, env = "MEDICALEDU_ARGON2_PARALLELISM", global = true)]
    pub argon2_parallelism: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply migrations (unless --no-migrate) and serve HTTP. The default.
    Serve(ServeArgs),
    /// Apply pending migrations and print what was applied.
    Migrate,
    /// Inspect the schema of the migrated database.
    #[command(subcommand)]
    Schema(SchemaCommand),
    /// Operator tasks.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Deliver notifications (email, SMS, push) without serving HTTP; run as
    /// many as needed, on any machine that reaches the database.
    Worker,
    /// Write a consistent, checked copy of the SQLite database while the
    /// server keeps serving (PostgreSQL: use pg_dump).
    Backup(BackupArgs),
    /// Fill an empty database with a believable demo platform and print the
    /// accounts to sign in with.
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Add the demo data even though the database already has accounts.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The file to write; it must not exist.
    #[arg(long)]
    pub output: std::path::PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an account of any role (the way to create the first admin). The
    /// password comes from MEDICALEDU_ADMIN_PASSWORD or is asked for.
    CreateUser(CreateUserArgs),
    /// The Ed25519 keys that sign CME certificates' credentials.
    #[command(subcommand)]
    SigningKeys(SigningKeyCommand),
}

#[derive(Debug, Subcommand)]
pub enum SigningKeyCommand {
    /// List every key: which one signs, which are published, how many
    /// certificates each signed.
    List,
    /// Make a new key that signs from now on; the older keys stay published,
    /// so what they signed keeps verifying.
    Rotate,
    /// Withdraw a key that may have leaked: it leaves the JWKS, and the
    /// credentials it signed stop verifying (re-issue the certificates that
    /// should stay verifiable).
    Retire(RetireKeyArgs),
    /// Re-encrypt every key under the configured credential key, from the
    /// old one: the way to replace MEDICALEDU_CREDENTIAL_KEY.
    Reseal(ResealArgs),
}

#[derive(Debug, Args)]
pub struct RetireKeyArgs {
    /// The key's id (`kid`), as `list` shows it.
    pub kid: medicaledu_domain::Id,
}

#[derive(Debug, Args)]
pub struct ResealArgs {
    /// The credential key the signing keys are encrypted under now.
    #[arg(long, env = "MEDICALEDU_OLD_CREDENTIAL_KEY", hide_env_values = true)]
    pub old_credential_key: String,
}

#[derive(Debug, Args)]
pub struct CreateUserArgs {
    #[arg(long)]
    pub email: String,
    /// `admin`, `instructor` or `student`.
    #[arg(long)]
    pub role: String,
    /// Full name.
    #[arg(long)]
    pub name: String,
    /// IANA time zone [default: UTC].
    #[arg(long)]
    pub timezone: Option<String>,
}

/// `serve`'s options alone, for the bare command: its settings then come
/// from the environment as they would for `medicaledu serve`.
#[derive(Debug, Parser)]
#[command(name = "medicaledu")]
pub struct BareServe {
    #[command(flatten)]
    pub args: ServeArgs,
}

#[derive(Debug, Default, Args)]
pub struct ServeArgs {
    /// Address to listen on. Default: 127.0.0.1:8080.
    #[arg(long, env = "MEDICALEDU_BIND")]
    pub bind: Option<SocketAddr>,

    /// Do not apply migrations at start-up (for deployments that run
    /// `medicaledu migrate` as a separate step).
    #[arg(long)]
    pub no_migrate: bool,

    /// Do not deliver notifications in this process (leave it to `medicaledu worker`).
    #[arg(long, env = "MEDICALEDU_NO_DISPATCHER")]
    pub no_dispatcher: bool,

    #[command(flatten)]
    pub limits: LimitArgs,
}

/// How long one client may take and how many may connect at once.
#[derive(Debug, Default, Args)]
pub struct LimitArgs {
    /// Seconds a client has to send a request's headers [default: 10].
    #[arg(long, env = "MEDICALEDU_HEADER_TIMEOUT_SECONDS")]
    pub header_timeout_seconds: Option<u64>,
    /// Seconds a request body may pause between two reads [default: 30].
    #[arg(long, env = "MEDICALEDU_BODY_TIMEOUT_SECONDS")]
    pub body_timeout_seconds: Option<u64>,
    /// Seconds a kept-alive connection may wait for its next request [default: 60].
    #[arg(long, env = "MEDICALEDU_IDLE_TIMEOUT_SECONDS")]
    pub idle_timeout_seconds: Option<u64>,
    /// Seconds from a request's headers to its response [default: 30].
    #[arg(long, env = "MEDICALEDU_REQUEST_TIMEOUT_SECONDS")]
    pub request_timeout_seconds: Option<u64>,
    /// Connections served at once; more wait to be accepted [default: 1024].
    #[arg(long, env = "MEDICALEDU_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Seconds requests in flight get to finish at shutdown before their
    /// connections are closed [default: 30].
    #[arg(long, env = "MEDICALEDU_SHUTDOWN_GRACE_SECONDS")]
    pub shutdown_grace_seconds: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Print the live schema as DBML, SQL DDL, JSON or a Mermaid diagram, or
    /// draw it as an entity-relationship diagram (SVG, PNG or PDF).
    Export(ExportArgs),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Output format: dbml, postgres, sqlite, json or mermaid (text), or svg,
    /// png or pdf (the diagram).
    #[arg(long, value_parser = parse_format)]
    pub format: SchemaFormat,

    /// Write to this file instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,

    /// Diagram: draw only these tables (comma-separated), with their direct
    /// neighbours faded.
    #[arg(long, value_delimiter = ',')]
    pub tables: Vec<String>,

    /// Diagram: draw only this area (identity, catalog, scheduling, commerce,
    /// engagement), with its direct neighbours faded.
    #[arg(long)]
    pub group: Option<String>,

    /// Diagram: `light` or `dark` [default: light].
    #[arg(long, value_parser = parse_theme)]
    pub theme: Option<Theme>,

    /// PNG: device pixels per diagram pixel, e.g. 2 for print [default: 1].
    #[arg(long)]
    pub scale: Option<f32>,
}

/// What `schema export` writes: a text export or a picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemaFormat {
    Text(ExportFormat),
    Diagram(ImageFormat),
}

fn parse_format(s: &str) -> Result<SchemaFormat, String> {
    if let Ok(format) = s.parse::<ExportFormat>() {
        return Ok(SchemaFormat::Text(format));
    }
    s.parse::<ImageFormat>()
        .map(SchemaFormat::Diagram)
        .map_err(|_| {
            format!(
                "unknown export format {s:?}; expected one of: {}, svg, png, pdf",
                ExportFormat::names()
            )
        })
}

fn parse_theme(s: &str) -> Result<Theme, String> {
    s.parse()
}
