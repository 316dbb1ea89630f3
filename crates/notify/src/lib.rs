//! Delivers the notifications outbox. A [`Dispatcher`] claims due rows with a
//! lease, sends each on its channel and records the outcome; it runs inside
//! `medicaledu serve` and on its own as `medicaledu worker`, and any number of
//! them can share one database.

mod dispatcher;
mod email;
mod webhook;

pub use dispatcher::{
    DELIVERY_SECONDS, DispatchError, DispatchSettings, Dispatcher, describe_metrics,
};
pub use email::{EmailConfig, EmailConfigError, SmtpTls};
pub use webhook::{SIGNATURE_HEADER, WebhookConfig, WebhookConfigError, sign};

/// Why one delivery attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// Worth another try later: a timeout, a refused connection, a 5xx.
    #[error("{0}")]
    Transient(String),
    /// Will fail the same way again: a rejected address, a 4xx, no channel.
    #[error("{0}")]
    Permanent(String),
}
