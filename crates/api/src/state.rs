use std::sync::Arc;

use medicaledu_domain::{HashError, PasswordHasher};
use medicaledu_payments::{ConfigError, Providers};
use medicaledu_store::Db;

use crate::Settings;

/// What every handler can reach. Servers keep no state of their own beyond
/// this: everything that matters lives in the database, so replicas are
/// interchangeable behind a load balancer.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub hasher: Arc<PasswordHasher>,
    pub providers: Providers,
}

/// Settings that cannot work.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("invalid Argon2 parameters: {0}")]
    Hash(#[from] HashError),
    #[error("invalid payment provider settings: {0}")]
    Payments(#[from] ConfigError),
}

impl AppState {
    /// Fails when the Argon2 parameters are out of range or a payment
    /// provider's settings cannot work.
    pub fn new(db: Db, settings: Settings) -> Result<Self, StateError> {
        let hasher = Arc::new(PasswordHasher::new(settings.argon2)?);
        let providers = Providers::new(settings.stripe.clone(), settings.paypal.clone())?;
        Ok(Self {
            db,
            settings: Arc::new(settings),
            hasher,
            providers,
        })
    }
}
