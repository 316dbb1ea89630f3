//! Configuration: flags, then environment, then an optional TOML file, then
//! defaults. Clap already merges flags over environment variables; this module
//! fills what is still unset from the file and checks the file's keys.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use medicaledu_app::Settings;
use medicaledu_domain::{Argon2Params, BookingPolicy, ExpansionLimits, LockoutPolicy, RetryPolicy};
use medicaledu_notify::{
    DispatchSettings, EmailConfig, EmailConfigError, WebhookConfig, WebhookConfigError,
};
use medicaledu_payments::{PaypalConfig, StripeConfig};
use serde::Deserialize;

use crate::cli::{
    GlobalArgs, LimitArgs, NotifyArgs, PaymentArgs, SchedulingArgs, SecurityArgs, ServeArgs,
};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://medicaledu.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The settings a subcommand runs with.
#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    /// How the database pool is sized and how long it waits.
    pub pool: medicaledu_store::PoolConfig,
    pub bind: SocketAddr,
    /// Where `/metrics` is served, if anywhere.
    pub metrics_bind: Option<SocketAddr>,
    pub log_format: LogFormat,
    pub settings: Settings,
    pub dispatch: DispatchSettings,
    /// Timeouts and the connection cap of `serve`.
    pub limits: crate::server::Limits,
}

/// The TOML file. Unknown keys are an error: a typo must not silently fall back
/// to a default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    db_acquire_timeout_ms: Option<u64>,
    bind: Option<String>,
    metrics_bind: Option<String>,
    log_format: Option<LogFormat>,
    session_ttl_hours: Option<u32>,
    session_idle_ttl_hours: Option<u32>,
    cookie_secure: Option<bool>,
    require_admin_2fa: Option<bool>,
    public_url: Option<String>,
    credential_key: Option<String>,
    lockout_max_attempts: Option<u32>,
    lockout_minutes: Option<u32>,
    auth_rate_limit_per_minute: Option<u32>,
    promo_rate_limit_per_minute: Option<u32>,
    trusted_proxy_hops: Option<u32>,
    header_timeout_seconds: Option<u64>,
    body_timeout_seconds: Option<u64>,
    idle_timeout_seconds: Option<u64>,
    request_timeout_seconds: Option<u64>,
    max_connections: Option<usize>,
    shutdown_grace_seconds: Option<u64>,
    argon2_memory_kib: Option<u32>,
    argon2_iterations: Option<u32>,
    argon2_parallelism: Option<u32>,
    booking_min_notice_minutes: Option<u32>,
    booking_hold_minutes: Option<u32>,
    refund_window_hours: Option<u32>,
    max_pending_bookings: Option<u32>,
    max_reschedules: Option<u32>,
    recurrence_max_occurrences: Option<u32>,
    recurrence_horizon_days: Option<u32>,
    hold_sweep_interval_ms: Option<u64>,
    stripe_secret_key: Option<String>,
    stripe_webhook_secret: Option<String>,
    stripe_api_base: Option<String>,
    stripe_publishable_key: Option<String>,
    stripe_js_url: Option<String>,
    paypal_client_id: Option<String>,
    paypal_client_secret: Option<String>,
    paypal_webhook_id: Option<String>,
    paypal_api_base: Option<String>,
    paypal_sdk_url: Option<String>,
    smtp_url: Option<String>,
    email_from: Option<String>,
    sms_webhook_url: Option<String>,
    push_webhook_url: Option<String>,
    notify_webhook_secret: Option<String>,
    notify_max_attempts: Option<u32>,
    notify_retry_base_seconds: Option<u32>,
    notify_batch_size: Option<u32>,
    notify_concurrency: Option<usize>,
    notify_poll_interval_ms: Option<u64>,
    notify_lease_seconds: Option<u64>,
    notify_timeout_seconds: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config file {path}, line {line}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("invalid bind address {value:?} (expected HOST:PORT, e.g. 127.0.0.1:8080)")]
    Bind { value: String },
    #[error("{provider} is partly configured: {missing} is missing")]
    Incomplete {
        provider: &'static str,
        missing: &'static str,
    },
    #[error("{0}")]
    Email(#[from] EmailConfigError),
    #[error(
        "invalid public URL {value:?} (expected http:// or https:// and a host, e.g. https://edu.example.org)"
    )]
    PublicUrl { value: String },
    #[error("invalid MEDICALEDU_CREDENTIAL_KEY: {0}")]
    CredentialKey(String),
    #[error("{name}: {source}")]
    Webhook {
        name: &'static str,
        #[source]
        source: WebhookConfigError,
    },
}

impl Config {
    pub fn resolve(global: &GlobalArgs, serve: Option<&ServeArgs>) -> Result<Self, ConfigError> {
        let file = match &global.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let bind = match serve.and_then(|s| s.bind) {
            Some(addr) => addr,
            None => {
                let value = file.bind.as_deref().unwrap_or(DEFAULT_BIND);
                value.parse().map_err(|_| ConfigError::Bind {
                    value: value.to_owned(),
                })?
            }
        };
        let metrics_bind = match global.metrics_bind {
            Some(addr) => Some(addr),
            None => file
                .metrics_bind
                .as_deref()
                .map(|value| {
                    value.parse().map_err(|_| ConfigError::Bind {
                        value: value.to_owned(),
                    })
                })
                .transpose()?,
        };
        Ok(Config {
            database_url: global
                .database_url
                .clone()
                .or_else(|| file.database_url.clone())
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            pool: {
                let defaults = medicaledu_store::PoolConfig::default();
                medicaledu_store::PoolConfig {
                    acquire_timeout: global
                        .db_acquire_timeout_ms
                        .or(file.db_acquire_timeout_ms)
                        .map_or(defaults.acquire_timeout, Duration::from_millis),
                    ..defaults
                }
            },
            bind,
            metrics_bind,
            log_format: global.log_format.or(file.log_format).unwrap_or_default(),
            settings: Settings {
                stripe: stripe(&global.payments, &file)?,
                paypal: paypal(&global.payments, &file)?,
                public_url: public_url(&global.security, &file)?,
                credential_key: credential_key(&global.security, &file)?,
                ..settings(&global.security, &global.scheduling, &file)
            },
            dispatch: dispatch(&global.notify, &file)?,
            limits: limits(serve.map(|s| &s.limits), &file),
        })
    }
}

fn settings(flags: &SecurityArgs, scheduling: &SchedulingArgs, file: &FileConfig) -> Settings {
    let defaults = Settings::default();
    let argon2 = Argon2Params::default();
    let lockout = LockoutPolicy::default();
    let hours = |h: Option<u32>, default: chrono::Duration| {
        h.map_or(default, |h| chrono::Duration::hours(h.into()))
    };
    Settings {
        session_ttl: hours(
            flags.session_ttl_hours.or(file.session_ttl_hours),
            defaults.session_ttl,
        ),
        session_idle_ttl: hours(
            flags.session_idle_ttl_hours.or(file.session_idle_ttl_hours),
            defaults.session_idle_ttl,
        ),
        cookie_secure: flags
            .cookie_secure
            .or(file.cookie_secure)
            .unwrap_or(defaults.cookie_secure),
        require_admin_second_factor: flags
            .require_admin_2fa
            .or(file.require_admin_2fa)
            .unwrap_or(defaults.require_admin_second_factor),
        lockout: LockoutPolicy {
            max_failed_attempts: flags
                .lockout_max_attempts
                .or(file.lockout_max_attempts)
                .unwrap_or(lockout.max_failed_attempts),
            lock_duration: flags
                .lockout_minutes
                .or(file.lockout_minutes)
                .map_or(lockout.lock_duration, |m| {
                    chrono::Duration::minutes(m.into())
                }),
        },
        argon2: Argon2Params {
            memory_kib: flags
                .argon2_memory_kib
                .or(file.argon2_memory_kib)
                .unwrap_or(argon2.memory_kib),
            iterations: flags
                .argon2_iterations
                .or(file.argon2_iterations)
                .unwrap_or(argon2.iterations),
            parallelism: flags
                .argon2_parallelism
                .or(file.argon2_parallelism)
                .unwrap_or(argon2.parallelism),
        },
        auth_rate_limit_per_minute: flags
            .auth_rate_limit_per_minute
            .or(file.auth_rate_limit_per_minute)
            .unwrap_or(defaults.auth_rate_limit_per_minute),
        promo_rate_limit_per_minute: flags
            .promo_rate_limit_per_minute
            .or(file.promo_rate_limit_per_minute)
            .unwrap_or(defaults.promo_rate_limit_per_minute),
        max_pending_bookings: scheduling
            .max_pending_bookings
            .or(file.max_pending_bookings)
            .unwrap_or(defaults.max_pending_bookings),
        trusted_proxy_hops: flags
            .trusted_proxy_hops
            .or(file.trusted_proxy_hops)
            .unwrap_or(defaults.trusted_proxy_hops),
        booking: booking_policy(scheduling, file),
        recurrence: recurrence_limits(scheduling, file),
        hold_sweep_interval: scheduling
            .hold_sweep_interval_ms
            .or(file.hold_sweep_interval_ms)
            .filter(|ms| *ms > 0)
            .map_or(
                defaults.hold_sweep_interval,
                std::time::Duration::from_millis,
            ),
        ..defaults
    }
}

fn limits(flags: Option<&LimitArgs>, file: &FileConfig) -> crate::server::Limits {
    let defaults = crate::server::Limits::default();
    let none = LimitArgs::default();
    let flags = flags.unwrap_or(&none);
    let seconds = |flag: Option<u64>, file: Option<u64>, default: Duration| {
        flag.or(file).map_or(default, Duration::from_secs)
    };
    crate::server::Limits {
        header_timeout: seconds(
            flags.header_timeout_seconds,
            file.header_timeout_seconds,
            defaults.header_timeout,
        ),
        body_timeout: seconds(
            flags.body_timeout_seconds,
            file.body_timeout_seconds,
            defaults.body_timeout,
        ),
        idle_timeout: seconds(
            flags.idle_timeout_seconds,
            file.idle_timeout_seconds,
            defaults.idle_timeout,
        ),
        request_timeout: seconds(
            flags.request_timeout_seconds,
            file.request_timeout_seconds,
            defaults.request_timeout,
        ),
        max_connections: flags
            .max_connections
            .or(file.max_connections)
            .unwrap_or(defaults.max_connections),
        shutdown_grace: seconds(
            flags.shutdown_grace_seconds,
            file.shutdown_grace_seconds,
            defaults.shutdown_grace,
        ),
    }
}

/// The public URL without its trailing slash; only http(s) with a host.
fn public_url(flags: &SecurityArgs, file: &FileConfig) -> Result<String, ConfigError> {
    let Some(value) = pick(&flags.public_url, &file.public_url) else {
        return Ok(Settings::default().public_url);
    };
    let invalid = || ConfigError::PublicUrl {
        value: value.clone(),
    };
    let parsed = url::Url::parse(value.trim()).map_err(|_| invalid())?;
    if !matches!(parsed.scheme(), "http" | "https")
        || parsed.host_str().is_none()
        || parsed.query().is_some()
        || parsed.fragment().is_some()
    {
        return Err(invalid());
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

fn credential_key(
    flags: &SecurityArgs,
    file: &FileConfig,
) -> Result<Option<std::sync::Arc<medicaledu_credentials::KeyEncryptionKey>>, ConfigError> {
    pick(&flags.credential_key, &file.credential_key)
        .map(|text| {
            medicaledu_credentials::KeyEncryptionKey::parse(&text)
                .map(std::sync::Arc::new)
                .map_err(|e| ConfigError::CredentialKey(e.to_string()))
        })
        .transpose()
}

fn pick(flag: &Option<String>, file: &Option<String>) -> Option<String> {
    flag.clone()
        .or_else(|| file.clone())
        .filter(|v| !v.trim().is_empty())
}

/// Stripe when its secret key is set; then the webhook secret is required too.
fn stripe(flags: &PaymentArgs, file: &FileConfig) -> Result<Option<StripeConfig>, ConfigError> {
    let Some(secret) = pick(&flags.stripe_secret_key, &file.stripe_secret_key) else {
        return Ok(None);
    };
    let webhook = pick(&flags.stripe_webhook_secret, &file.stripe_webhook_secret).ok_or(
        ConfigError::Incomplete {
            provider: "Stripe",
            missing: "MEDICALEDU_STRIPE_WEBHOOK_SECRET",
        },
    )?;
    let mut config = StripeConfig::new(secret, webhook);
    if let Some(base) = pick(&flags.stripe_api_base, &file.stripe_api_base) {
        config.api_base = base;
    }
    config.publishable_key = pick(&flags.stripe_publishable_key, &file.stripe_publishable_key);
    if let Some(js_url) = pick(&flags.stripe_js_url, &file.stripe_js_url) {
        config.js_url = js_url;
    }
    Ok(Some(config))
}

/// PayPal when its client id is set; then the secret and webhook id are required too.
fn paypal(flags: &PaymentArgs, file: &FileConfig) -> Result<Option<PaypalConfig>, ConfigError> {
    let Some(client_id) = pick(&flags.paypal_client_id, &file.paypal_client_id) else {
        return Ok(None);
    };
    let secret = pick(&flags.paypal_client_secret, &file.paypal_client_secret).ok_or(
        ConfigError::Incomplete {
            provider: "PayPal",
            missing: "MEDICALEDU_PAYPAL_CLIENT_SECRET",
        },
    )?;
    let webhook_id =
        pick(&flags.paypal_webhook_id, &file.paypal_webhook_id).ok_or(ConfigError::Incomplete {
            provider: "PayPal",
            missing: "MEDICALEDU_PAYPAL_WEBHOOK_ID",
        })?;
    let mut config = PaypalConfig::new(client_id, secret, webhook_id);
    if let Some(base) = pick(&flags.paypal_api_base, &file.paypal_api_base) {
        config.api_base = base;
    }
    if let Some(sdk_url) = pick(&flags.paypal_sdk_url, &file.paypal_sdk_url) {
        config.sdk_url = sdk_url;
    }
    Ok(Some(config))
}

/// Notification delivery. A channel is on when its URL is set; what it needs
/// besides (a sender address, a signing secret) is then required.
fn dispatch(flags: &NotifyArgs, file: &FileConfig) -> Result<DispatchSettings, ConfigError> {
    let defaults = DispatchSettings::default();
    let email = match pick(&flags.smtp_url, &file.smtp_url) {
        None => None,
        Some(url) => {
            let from =
                pick(&flags.email_from, &file.email_from).ok_or(ConfigError::Incomplete {
                    provider: "Email",
                    missing: "MEDICALEDU_EMAIL_FROM",
                })?;
            Some(EmailConfig::parse(&url, &from)?)
        }
    };
    let secret = pick(&flags.notify_webhook_secret, &file.notify_webhook_secret);
    let webhook = |name: &'static str, url: Option<String>| -> Result<_, ConfigError> {
        let Some(url) = url else {
            return Ok(None);
        };
        let secret = secret.as_deref().ok_or(ConfigError::Incomplete {
            provider: name,
            missing: "MEDICALEDU_NOTIFY_WEBHOOK_SECRET",
        })?;
        WebhookConfig::new(&url, secret)
            .map(Some)
            .map_err(|source| ConfigError::Webhook { name, source })
    };
    let retry = RetryPolicy::default();
    Ok(DispatchSettings {
        email,
        sms: webhook(
            "MEDICALEDU_SMS_WEBHOOK_URL",
            pick(&flags.sms_webhook_url, &file.sms_webhook_url),
        )?,
        push: webhook(
            "MEDICALEDU_PUSH_WEBHOOK_URL",
            pick(&flags.push_webhook_url, &file.push_webhook_url),
        )?,
        retry: RetryPolicy {
            max_attempts: flags
                .notify_max_attempts
                .or(file.notify_max_attempts)
                .unwrap_or(retry.max_attempts),
            base: flags
                .notify_retry_base_seconds
                .or(file.notify_retry_base_seconds)
                .map_or(retry.base, |s| chrono::Duration::seconds(s.into())),
            ..retry
        },
        batch_size: flags
            .notify_batch_size
            .or(file.notify_batch_size)
            .unwrap_or(defaults.batch_size),
        concurrency: flags
            .notify_concurrency
            .or(file.notify_concurrency)
            .unwrap_or(defaults.concurrency),
        poll_interval: flags
            .notify_poll_interval_ms
            .or(file.notify_poll_interval_ms)
            .map_or(defaults.poll_interval, Duration::from_millis),
        lease: flags
            .notify_lease_seconds
            .or(file.notify_lease_seconds)
            .map_or(defaults.lease, Duration::from_secs),
        timeout: flags
            .notify_timeout_seconds
            .or(file.notify_timeout_seconds)
            .map_or(defaults.timeout, Duration::from_secs),
    })
}

fn booking_policy(flags: &SchedulingArgs, file: &FileConfig) -> BookingPolicy {
    let defaults = BookingPolicy::default();
    let pick = |flag: Option<u32>, file: Option<u32>| flag.or(file).map(i64::from);
    BookingPolicy {
        min_notice: pick(
            flags.booking_min_notice_minutes,
            file.booking_min_notice_minutes,
        )
        .map_or(defaults.min_notice, chrono::Duration::minutes),
        hold: pick(flags.booking_hold_minutes, file.booking_hold_minutes)
            .map_or(defaults.hold, chrono::Duration::minutes),
        refund_window: pick(flags.refund_window_hours, file.refund_window_hours)
            .map_or(defaults.refund_window, chrono::Duration::hours),
        max_reschedules: pick(flags.max_reschedules, file.max_reschedules)
            .unwrap_or(defaults.max_reschedules),
    }
}

fn recurrence_limits(flags: &SchedulingArgs, file: &FileConfig) -> ExpansionLimits {
    let defaults = ExpansionLimits::default();
    ExpansionLimits {
        max_occurrences: flags
            .recurrence_max_occurrences
            .or(file.recurrence_max_occurrences)
            .map_or(defaults.max_occurrences, |n| n as usize),
        horizon: flags
            .recurrence_horizon_days
            .or(file.recurrence_horizon_days)
            .map_or(defaults.horizon, |d| chrono::Duration::days(d.into())),
    }
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_owned(),
        line: e.span().map_or(1, |span| line_of(&text, span.start)),
        message: e.message().trim().replace('\n', " "),
    })
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(1, |before| before.matches('\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(contents: &str) -> (tempdir::Dir, PathBuf) {
        let dir = tempdir::Dir::new();
        let path = dir.0.join("medicaledu.toml");
        std::fs::write(&path, contents).expect("write config");
        (dir, path)
    }

    mod tempdir {
        pub struct Dir(pub std::path::PathBuf);
        impl Dir {
            pub fn new() -> Self {
                let path = std::env::temp_dir()
                    .join(format!("medicaledu-config-{}", std::process::id()))
                    .join(format!("{:?}", std::thread::current().id()).replace(['(', ')'], ""));
                std::fs::create_dir_all(&path).expect("create temp dir");
                Dir(path)
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    fn global(database_url: Option<&str>, config: Option<PathBuf>) -> GlobalArgs {
        GlobalArgs {
            database_url: database_url.map(str::to_owned),
            db_acquire_timeout_ms: None,
            config,
            log_format: None,
            metrics_bind: None,
            security: SecurityArgs::default(),
            scheduling: SchedulingArgs::default(),
            payments: PaymentArgs::default(),
            notify: NotifyArgs::default(),
        }
    }

    #[test]
    fn defaults_to_sqlite_file_and_localhost() {
        let config = Config::resolve(&global(None, None), None).expect("defaults");
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.bind.to_string(), DEFAULT_BIND);
        assert_eq!(
            config.metrics_bind, None,
            "metrics are off unless asked for"
        );
    }

    #[test]
    fn flags_win_over_the_file() {
        let (_dir, path) =
            file("database_url = \"sqlite://from-file.db\"\nbind = \"0.0.0.0:9000\"\n");
        let serve = ServeArgs {
            bind: Some("127.0.0.1:7000".parse().expect("addr")),
            no_migrate: false,
            no_dispatcher: false,
            limits: LimitArgs::default(),
        };
        let config = Config::resolve(
            &global(Some("sqlite://flag.db"), Some(path.clone())),
            Some(&serve),
        )
        .expect("valid");
        assert_eq!(config.database_url, "sqlite://flag.db");
        assert_eq!(config.bind.to_string(), "127.0.0.1:7000");

        let config = Config::resolve(&global(None, Some(path)), None).expect("valid");
        assert_eq!(config.database_url, "sqlite://from-file.db");
        assert_eq!(config.bind.to_string(), "0.0.0.0:9000");
    }

    #[test]
    fn the_admin_second_factor_requirement_is_off_unless_asked_for() {
        let config = Config::resolve(&global(None, None), None).expect("defaults");
        assert!(!config.settings.require_admin_second_factor);
        let (_dir, path) = file("require_admin_2fa = true\n");
        let config = Config::resolve(&global(None, Some(path.clone())), None).expect("valid");
        assert!(config.settings.require_admin_second_factor);
        let mut flags = global(None, Some(path));
        flags.security.require_admin_2fa = Some(false);
        let config = Config::resolve(&flags, None).expect("valid");
        assert!(
            !config.settings.require_admin_second_factor,
            "the flag wins"
        );
    }

    #[test]
    fn unknown_key_is_a_one_line_error_naming_it() {
        let (_dir, path) = file("bind = \"127.0.0.1:1\"\ndatabse_url = \"x\"\n");
        let error = Config::resolve(&global(None, Some(path)), None).expect_err("unknown key");
        let message = error.to_string();
        assert!(message.contains("databse_url"), "{message}");
        assert!(message.contains("line 2"), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }

    #[test]
    fn notification_channels_come_from_the_file_and_need_their_partners() {
        let (_dir, path) = file(
            "smtp_url = \"smtp://127.0.0.1:2525\"\nemail_from = \"MedicalEdu <a@example.org>\"\n\
             push_webhook_url = \"https://push.example.org/send\"\n\
             notify_webhook_secret = \"s3cret\"\nnotify_max_attempts = 3\n",
        );
        let config = Config::resolve(&global(None, Some(path)), None).expect("valid");
        let email = config.dispatch.email.expect("email on");
        assert_eq!((email.host.as_str(), email.port), ("127.0.0.1", 2525));
        assert!(config.dispatch.push.is_some());
        assert!(config.dispatch.sms.is_none());
        assert_eq!(config.dispatch.retry.max_attempts, 3);

        let (_dir, path) = file("smtp_url = \"smtp://127.0.0.1:2525\"\n");
        let error = Config::resolve(&global(None, Some(path)), None).expect_err("no sender");
        assert!(
            error.to_string().contains("MEDICALEDU_EMAIL_FROM"),
            "{error}"
        );

        let (_dir, path) = file("sms_webhook_url = \"https://sms.example.org\"\n");
        let error = Config::resolve(&global(None, Some(path)), None).expect_err("no secret");
        assert!(
            error
                .to_string()
                .contains("MEDICALEDU_NOTIFY_WEBHOOK_SECRET"),
            "{error}"
        );
    }

    #[test]
    fn bad_bind_address_is_named() {
        let (_dir, path) = file("bind = \"nowhere\"\n");
        let error = Config::resolve(&global(None, Some(path)), None).expect_err("bad bind");
        assert!(error.to_string().contains("nowhere"));
    }
}
