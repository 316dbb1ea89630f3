use std::sync::Arc;

use chrono::Duration;
use medicaledu_credentials::KeyEncryptionKey;
use medicaledu_domain::{Argon2Params, BookingPolicy, ExpansionLimits, LockoutPolicy};
use medicaledu_payments::{PaypalConfig, StripeConfig};

/// Behaviour the operator can tune; read once at start-up.
#[derive(Clone, Debug)]
pub struct Settings {
    /// A session ends this long after login, however active.
    pub session_ttl: Duration,
    /// A session ends after this long without use.
    pub session_idle_ttl: Duration,
    /// Send the session cookie with `Secure` (HTTPS only). Turn off only for
    /// plain-HTTP development.
    pub cookie_secure: bool,
    pub lockout: LockoutPolicy,
    /// Administrators must sign in with a second factor: one without a
    /// factor gets a session that can only set one up.
    pub require_admin_second_factor: bool,
    pub argon2: Argon2Params,
    /// Login and registration attempts per client IP and minute; 0 disables
    /// the limit (the failed-login lockout stays on regardless).
    pub auth_rate_limit_per_minute: u32,
    /// Proxies of our own in front of the server, each appending to
    /// `X-Forwarded-For`; 0 takes the client IP from the connection.
    pub trusted_proxy_hops: u32,
    /// Promo code previews per user and minute; 0 disables the limit.
    pub promo_rate_limit_per_minute: u32,
    /// Unpaid (pending) bookings a student may hold at once; 0 turns the
    /// limit off.
    pub max_pending_bookings: u32,
    /// Notice, payment hold, refund window and reschedule limit.
    pub booking: BookingPolicy,
    /// How far and how many occurrences a recurring slot expands to.
    pub recurrence: ExpansionLimits,
    /// How often the server looks for expired payment holds.
    pub hold_sweep_interval: std::time::Duration,
    /// Stripe, when configured.
    pub stripe: Option<StripeConfig>,
    /// PayPal, when configured.
    pub paypal: Option<PaypalConfig>,
    /// Where the platform is reached from outside, without a trailing
    /// slash: certificates' verification links and credential ids use it.
    pub public_url: String,
    /// Encrypts the keys that sign certificates' credentials. Without it no
    /// certificate can be issued (claims answer `credentials_unavailable`).
    pub credential_key: Option<Arc<KeyEncryptionKey>>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_ttl: Duration::days(30),
            session_idle_ttl: Duration::days(7),
            cookie_secure: true,
            lockout: LockoutPolicy::default(),
            require_admin_second_factor: false,
            argon2: Argon2Params::default(),
            auth_rate_limit_per_minute: 10,
            trusted_proxy_hops: 0,
            promo_rate_limit_per_minute: 20,
            max_pending_bookings: 3,
            booking: BookingPolicy::default(),
            recurrence: ExpansionLimits::default(),
            hold_sweep_interval: std::time::Duration::from_secs(30),
            stripe: None,
            paypal: None,
            public_url: "http://127.0.0.1:8080".to_owned(),
            credential_key: None,
        }
    }
}
