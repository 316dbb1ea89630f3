//! What the use cases count for operators: bookings, payments and sign-ins,
//! through the `metrics` facade. Without an installed recorder (a test, a
//! command other than `serve` or `worker`) every count is a no-op.
//!
//! Counts are taken where the use case decides the outcome, inside its write
//! transaction; a transaction that then fails to commit answers the request
//! with an error and leaves one count too many, which operators can live with
//! better than a second round of bookkeeping after every commit.

use medicaledu_domain::{PaymentKind, PaymentStatus};
use medicaledu_store::payments::PaymentRow;
use metrics::{Unit, counter, describe_counter};

pub const BOOKINGS_CREATED: &str = "medicaledu_bookings_created_total";
pub const BOOKINGS_CANCELLED: &str = "medicaledu_bookings_cancelled_total";
pub const BOOKINGS_EXPIRED: &str = "medicaledu_bookings_expired_total";
pub const PAYMENTS_SUCCEEDED: &str = "medicaledu_payments_succeeded_total";
pub const PAYMENTS_FAILED: &str = "medicaledu_payments_failed_total";
pub const PAYMENTS_REFUNDED: &str = "medicaledu_payments_refunded_total";
pub const REFUNDS_FAILED: &str = "medicaledu_refunds_failed_total";
pub const SIGN_IN_FAILURES: &str = "medicaledu_sign_in_failures_total";
pub const LOCKOUTS: &str = "medicaledu_account_lockouts_total";

/// Registers the help text of every count above with the installed recorder.
pub fn describe() {
    describe_counter!(BOOKINGS_CREATED, Unit::Count, "Bookings created.");
    describe_counter!(
        BOOKINGS_CANCELLED,
        Unit::Count,
        "Bookings cancelled, by their student, their instructor or with their session."
    );
    describe_counter!(
        BOOKINGS_EXPIRED,
        Unit::Count,
        "Unpaid bookings whose hold ran out."
    );
    describe_counter!(
        PAYMENTS_SUCCEEDED,
        Unit::Count,
        "Charges that succeeded, by provider and currency."
    );
    describe_counter!(
        PAYMENTS_FAILED,
        Unit::Count,
        "Charges that failed, by provider and currency."
    );
    describe_counter!(
        PAYMENTS_REFUNDED,
        Unit::Count,
        "Refunds that went through (full or partial), by provider and currency."
    );
    describe_counter!(
        REFUNDS_FAILED,
        Unit::Count,
        "Refunds the provider refused, by provider and currency."
    );
    describe_counter!(
        SIGN_IN_FAILURES,
        Unit::Count,
        "Sign-ins refused for a wrong email address, password or second-factor code."
    );
    describe_counter!(
        LOCKOUTS,
        Unit::Count,
        "Accounts locked after too many failed sign-ins."
    );
}

pub(crate) fn bookings_created() {
    counter!(BOOKINGS_CREATED).increment(1);
}

pub(crate) fn bookings_cancelled(count: u64) {
    counter!(BOOKINGS_CANCELLED).increment(count);
}

pub(crate) fn bookings_expired() {
    counter!(BOOKINGS_EXPIRED).increment(1);
}

/// Counts a payment that has just reached `row.status`.
pub(crate) fn payment_settled(row: &PaymentRow) {
    let name = match (row.kind, row.status) {
        (PaymentKind::Charge, PaymentStatus::Succeeded) => PAYMENTS_SUCCEEDED,
        (PaymentKind::Charge, PaymentStatus::Failed) => PAYMENTS_FAILED,
        (PaymentKind::Refund, PaymentStatus::Succeeded) => PAYMENTS_REFUNDED,
        (PaymentKind::Refund, PaymentStatus::Failed) => REFUNDS_FAILED,
        _ => return,
    };
    counter!(
        name,
        "provider" => row.provider.as_str(),
        "currency" => row.currency.clone(),
    )
    .increment(1);
}

pub(crate) fn sign_in_failed() {
    counter!(SIGN_IN_FAILURES).increment(1);
}

pub(crate) fn account_locked() {
    counter!(LOCKOUTS).increment(1);
}
