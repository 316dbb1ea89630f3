use std::sync::Arc;

use medicaledu_domain::{HashError, PasswordHasher};
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
}

impl AppState {
    /// Fails only when the Argon2 parameters are out of range.
    pub fn new(db: Db, settings: Settings) -> Result<Self, HashError> {
        let hasher = Arc::new(PasswordHasher::new(settings.argon2)?);
        Ok(Self {
            db,
            settings: Arc::new(settings),
            hasher,
        })
    }
}
