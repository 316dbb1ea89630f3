//! What every use case runs with: the database, the operator's policies, the
//! password hasher, the payment providers and the clock. Servers and workers
//! keep no other state, so any number of them can share one database.

use std::sync::Arc;

use medicaledu_domain::{HashError, PasswordHasher, Timestamp};
use medicaledu_payments::{ConfigError, Providers};
use medicaledu_store::Db;

use crate::Settings;

#[derive(Clone, Debug)]
pub struct AppContext {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub hasher: Arc<PasswordHasher>,
    pub providers: Providers,
    pub clock: Clock,
}

/// Settings that cannot work.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error("invalid Argon2 parameters: {0}")]
    Hash(#[from] HashError),
    #[error("invalid payment provider settings: {0}")]
    Payments(#[from] ConfigError),
}

impl AppContext {
    /// Fails when the Argon2 parameters are out of range or a payment
    /// provider's settings cannot work.
    pub fn new(db: Db, settings: Settings) -> Result<Self, ContextError> {
        let hasher = Arc::new(PasswordHasher::new(settings.argon2)?);
        let providers = Providers::new(settings.stripe.clone(), settings.paypal.clone())?;
        Ok(Self {
            db,
            settings: Arc::new(settings),
            hasher,
            providers,
            clock: Clock::System,
        })
    }

    /// The same context on another clock.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }
}

/// Where "now" comes from. Production runs on the system clock; a test or a
/// demonstration can run the whole platform some time ahead, to see what
/// happens once a session has started, without waiting for it.
#[derive(Clone, Copy, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    /// The system clock shifted by a fixed amount.
    Offset(chrono::Duration),
}

impl Clock {
    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => Timestamp::now(),
            Clock::Offset(by) => Timestamp::from(*Timestamp::now().as_datetime() + *by),
        }
    }
}
