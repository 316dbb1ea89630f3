use std::future::Future;
use std::time::Duration;

use futures_util::StreamExt;
use medicaledu_domain::{Channel, Retry, RetryPolicy, Timestamp};
use medicaledu_store::Db;
use medicaledu_store::notifications::{self, Claimed, Outcome};
use tokio::sync::watch;

use crate::DeliveryError;
use crate::email::{EmailConfig, EmailSender};
use crate::webhook::{self, WebhookConfig, WebhookSender};

/// How a dispatcher works and where it delivers.
#[derive(Clone, Debug)]
pub struct DispatchSettings {
    /// Rows claimed at once.
    pub batch_size: u32,
    /// Deliveries in flight at once.
    pub concurrency: usize,
    /// How long a claim is exclusive; a dispatcher that dies mid-batch leaves
    /// its rows to others once this has passed.
    pub lease: Duration,
    /// Wait between polls when nothing is due.
    pub poll_interval: Duration,
    /// Limit on one SMTP conversation or webhook call.
    pub timeout: Duration,
    pub retry: RetryPolicy,
    pub email: Option<EmailConfig>,
    pub sms: Option<WebhookConfig>,
    pub push: Option<WebhookConfig>,
}

impl Default for DispatchSettings {
    fn default() -> Self {
        Self {
            batch_size: 20,
            concurrency: 8,
            lease: Duration::from_secs(120),
            poll_interval: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            email: None,
            sms: None,
            push: None,
        }
    }
}

/// Settings that cannot work.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    #[error(
        "the notification lease ({lease:?}) must be at least three delivery timeouts ({timeout:?}) per round of a batch"
    )]
    LeaseTooShort { lease: Duration, timeout: Duration },
    #[error("batch size and concurrency must be at least 1")]
    Empty,
    #[error("{0}")]
    Channel(#[from] DeliveryError),
}

/// Claims due notifications and delivers them; see the crate documentation.
pub struct Dispatcher {
    db: Db,
    settings: DispatchSettings,
    email: Option<EmailSender>,
    sms: Option<WebhookSender>,
    push: Option<WebhookSender>,
}

impl Dispatcher {
    pub fn new(db: Db, settings: DispatchSettings) -> Result<Self, DispatchError> {
        if settings.batch_size == 0 || settings.concurrency == 0 {
            return Err(DispatchError::Empty);
        }
        // A claim must outlive the slowest batch, or another dispatcher would
        // take over rows that are still being delivered.
        let rounds = (settings.batch_size as usize).div_ceil(settings.concurrency) as u32;
        if settings.lease < settings.timeout * 3 * rounds {
            return Err(DispatchError::LeaseTooShort {
                lease: settings.lease,
                timeout: settings.timeout,
            });
        }
        let email = settings
            .email
            .as_ref()
            .map(|config| EmailSender::new(config, settings.timeout))
            .transpose()?;
        let webhook = |config: &Option<WebhookConfig>| {
            config
                .clone()
                .map(|config| WebhookSender::new(config, settings.timeout))
                .transpose()
        };
        Ok(Self {
            email,
            sms: webhook(&settings.sms)?,
            push: webhook(&settings.push)?,
            db,
            settings,
        })
    }

    /// Delivers until `shutdown` resolves. A batch in hand when it does is
    /// finished (deliveries already started) or released (the rest) before
    /// this returns.
    pub async fn run(&self, shutdown: impl Future<Output = ()> + Send + 'static) {
        let (stop, stopping) = watch::channel(false);
        let watcher = tokio::spawn(async move {
            shutdown.await;
            let _ = stop.send(true);
        });
        tracing::info!(
            email = self.email.is_some(),
            sms = self.sms.is_some(),
            push = self.push.is_some(),
            "notification dispatcher started"
        );
        loop {
            if *stopping.borrow() {
                break;
            }
            match self.batch(&stopping).await {
                Ok(0) => {}
                Ok(_) => continue,
                Err(e) => tracing::warn!(error = %e, "claiming notifications failed; trying again"),
            }
            let mut wake = stopping.clone();
            tokio::select! {
                _ = wake.wait_for(|stop| *stop) => break,
                () = tokio::time::sleep(self.settings.poll_interval) => {}
            }
        }
        watcher.abort();
        tracing::info!("notification dispatcher stopped");
    }

    /// Claims and delivers one batch of due notifications; returns how many
    /// were claimed.
    pub async fn dispatch_due(&self) -> Result<usize, sqlx::Error> {
        let (_stop, running) = watch::channel(false);
        self.batch(&running).await
    }

    async fn batch(&self, stopping: &watch::Receiver<bool>) -> Result<usize, sqlx::Error> {
        let now = Timestamp::now();
        let lease =
            chrono::Duration::from_std(self.settings.lease).unwrap_or(chrono::Duration::MAX);
        let lease_until = Timestamp::from(*now.as_datetime() + lease);
        let rows =
            notifications::claim(&self.db, now, lease_until, self.settings.batch_size.into())
                .await?;
        let claimed = rows.len();
        futures_util::stream::iter(rows)
            .for_each_concurrent(self.settings.concurrency, |row| async move {
                let outcome = if *stopping.borrow() {
                    Outcome::Released
                } else {
                    self.attempt(&row).await
                };
                let settled_at = Timestamp::now();
                match notifications::settle(&self.db, &row, &outcome, settled_at).await {
                    Ok(true) => count_outcome(&row, &outcome, settled_at),
                    Ok(false) => tracing::warn!(
                        notification = %row.id,
                        "lease expired during delivery; another dispatcher owns the row now"
                    ),
                    Err(e) => tracing::warn!(
                        notification = %row.id, error = %e,
                        "cannot record the delivery outcome; the row is retried when its lease expires"
                    ),
                }
            })
            .await;
        Ok(claimed)
    }

    async fn attempt(&self, row: &Claimed) -> Outcome {
        let result = self.deliver(row).await;
        let attempts = u32::try_from(row.attempts).unwrap_or(u32::MAX);
        match result {
            Ok(()) => {
                tracing::debug!(notification = %row.id, channel = %row.channel, kind = %row.kind, "notification delivered");
                Outcome::Sent
            }
            Err(DeliveryError::Permanent(error)) => {
                tracing::warn!(notification = %row.id, channel = %row.channel, %error, "notification failed for good");
                Outcome::Failed { error }
            }
            Err(DeliveryError::Transient(error)) => {
                let now = Timestamp::now();
                match self.settings.retry.after_failure(attempts, now, jitter()) {
                    Retry::At(at) if row.expires_at.is_none_or(|expires| at <= expires) => {
                        tracing::info!(notification = %row.id, channel = %row.channel, %error, %at, "delivery failed; will retry");
                        Outcome::RetryAt { at, error }
                    }
                    Retry::At(_) => Outcome::Failed {
                        error: format!("{error} (no retry: it would arrive too late)"),
                    },
                    Retry::GiveUp => {
                        tracing::warn!(notification = %row.id, channel = %row.channel, %error, attempts, "notification failed after its last attempt");
                        Outcome::Failed {
                            error: format!("{error} (gave up after {attempts} attempts)"),
                        }
                    }
                }
            }
        }
    }

    async fn deliver(&self, row: &Claimed) -> Result<(), DeliveryError> {
        let not_configured = |what: &str, settings: &str| {
            DeliveryError::Permanent(format!("{what} is not configured (set {settings})"))
        };
        match row.channel {
            Channel::Email => match &self.email {
                Some(email) => email.send(row).await,
                None => Err(not_configured(
                    "email",
                    "MEDICALEDU_SMTP_URL and MEDICALEDU_EMAIL_FROM",
                )),
            },
            Channel::Sms => match &self.sms {
                Some(sms) => sms.send(row, &webhook::payload(row)?).await,
                None => Err(not_configured(
                    "SMS",
                    "MEDICALEDU_SMS_WEBHOOK_URL and MEDICALEDU_NOTIFY_WEBHOOK_SECRET",
                )),
            },
            Channel::Push => match &self.push {
                Some(push) => push.send(row, &webhook::payload(row)?).await,
                None => Err(not_configured(
                    "push",
                    "MEDICALEDU_PUSH_WEBHOOK_URL and MEDICALEDU_NOTIFY_WEBHOOK_SECRET",
                )),
            },
            // Stored is delivered for the inbox: claims never include it.
            Channel::InApp => Err(DeliveryError::Permanent(
                "in-app notifications are not sent".to_owned(),
            )),
        }
    }
}

pub const DELIVERY_SECONDS: &str = "medicaledu_notification_delivery_seconds";
pub const DELIVERY_FAILURES: &str = "medicaledu_notification_delivery_failures_total";

/// Registers the help text of the dispatcher's metrics with the installed
/// recorder.
pub fn describe_metrics() {
    metrics::describe_histogram!(
        DELIVERY_SECONDS,
        metrics::Unit::Seconds,
        "From when a notification was due to its delivery, by channel."
    );
    metrics::describe_counter!(
        DELIVERY_FAILURES,
        metrics::Unit::Count,
        "Failed delivery attempts, by channel and whether the notification will be retried or was given up."
    );
}

/// Counts a delivery attempt whose outcome was recorded.
fn count_outcome(row: &Claimed, outcome: &Outcome, at: Timestamp) {
    let channel = row.channel.as_str();
    match outcome {
        Outcome::Sent => {
            let waited = (*at.as_datetime() - *row.send_after.as_datetime())
                .to_std()
                .unwrap_or_default();
            metrics::histogram!(DELIVERY_SECONDS, "channel" => channel)
                .record(waited.as_secs_f64());
        }
        Outcome::RetryAt { .. } => {
            metrics::counter!(DELIVERY_FAILURES, "channel" => channel, "outcome" => "retry")
                .increment(1);
        }
        Outcome::Failed { .. } => {
            metrics::counter!(DELIVERY_FAILURES, "channel" => channel, "outcome" => "gave_up")
                .increment(1);
        }
        Outcome::Released => {}
    }
}

/// A number in `[0, 1)` to spread retries; without randomness, no spread.
fn jitter() -> f64 {
    getrandom::u32().map_or(0.0, |n| f64::from(n) / (f64::from(u32::MAX) + 1.0))
}
