//! The payment providers of MedicalEdu: `manual` (cash or bank transfer, settled
//! by an admin), Stripe (PaymentIntents) and PayPal (Orders v2).
//!
//! This crate only talks to providers. It knows nothing of the database: the
//! caller records a `payments` row, calls a provider with that row's id as the
//! idempotency key, and stores what comes back. Keeping the two apart lets the
//! API retry a provider call after a crash (same key, same answer) without any
//! of this code holding a transaction open across a network call.
//!
//! Amounts cross this boundary as integer minor units of ISO 4217 currencies,
//! as everywhere else in MedicalEdu. Where a provider counts differently (Stripe
//! takes Icelandic krónur in hundredths, PayPal takes forint without decimals)
//! the conversion happens here, exactly, and an amount a provider cannot
//! represent is refused rather than rounded.

mod http;
mod manual;
mod money;
mod paypal;
mod provider;
mod stripe;

pub use manual::Manual;
pub use money::{decimal_to_minor, minor_digits, minor_to_decimal};
pub use paypal::{
    Paypal, PaypalConfig, PaypalEvent, PaypalResource, PaypalWebhookHeaders, parse_paypal_event,
};
pub use provider::{
    ChargeRequest, ChargeStatus, ConfigError, EventParseError, PaymentProvider, ProviderCharge,
    ProviderError, ProviderName, ProviderRefund, Providers, RefundRequest,
};
pub use stripe::{
    DEFAULT_TOLERANCE_SECS as STRIPE_SIGNATURE_TOLERANCE_SECS, SignatureError, Stripe,
    StripeBrowser, StripeCharge, StripeConfig, StripeEvent, StripeObject, StripePaymentIntent,
    StripeWebhookError, parse_stripe_event, verify_stripe_signature,
};
