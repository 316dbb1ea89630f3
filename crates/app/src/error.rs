//! How use cases fail. Each operation has an error enum of its own that says
//! exactly what can go wrong with it; every enum implements [`Failure`], which
//! names a stable [`ErrorCode`] for each variant. Adapters (the JSON API, the
//! web pages) branch on that code, never on the message, so the code is the
//! contract and the message is for people.

use std::error::Error as StdError;
use std::fmt;

use medicaledu_domain::FieldIssue;

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident => $text:literal,)+) => {
        /// Every machine-readable problem code the platform answers. Clients
        /// branch on these; they never change meaning once published.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)+
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)+];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $text,)+
                }
            }
        }
    };
}

error_codes! {
    // Requests in general.
    BadRequest => "bad_request",
    MalformedJson => "malformed_json",
    UnreadableBody => "unreadable_body",
    UnsupportedMediaType => "unsupported_media_type",
    PayloadTooLarge => "payload_too_large",
    MethodNotAllowed => "method_not_allowed",
    RequestTimeout => "request_timeout",
    RateLimited => "rate_limited",
    Unprocessable => "unprocessable",
    ValidationFailed => "validation_failed",
    InvalidIdempotencyKey => "invalid_idempotency_key",
    NotFound => "not_found",
    Forbidden => "forbidden",
    Unauthenticated => "unauthenticated",
    CsrfRejected => "csrf_rejected",
    InternalError => "internal_error",
    Unavailable => "unavailable",
    DatabaseUnavailable => "database_unavailable",
    /// The database's disk (or its configured size limit) is full: nothing
    /// can be written until space is made; reads still work.
    StorageFull => "storage_full",
    Error => "error",
    // Accounts and sign-in.
    InvalidCredentials => "invalid_credentials",
    AccountLocked => "account_locked",
    AccountSuspended => "account_suspended",
    EmailTaken => "email_taken",
    SelfDemotion => "self_demotion",
    // The second factor.
    /// The session may do nothing but set up a second factor (an
    /// administrator while `MEDICALEDU_REQUIRE_ADMIN_2FA` is on).
    SecondFactorRequired => "second_factor_required",
    /// The second step of a sign-in was used, expired or never existed:
    /// sign in with the password again.
    InvalidChallenge => "invalid_challenge",
    /// The authenticator or recovery code is wrong (or was used before).
    InvalidCode => "invalid_code",
    SecondFactorEnabled => "second_factor_enabled",
    SecondFactorNotEnabled => "second_factor_not_enabled",
    /// There is no second factor being set up to confirm.
    SecondFactorNotPending => "second_factor_not_pending",
    // Catalog.
    AlreadyPublished => "already_published",
    AlreadyArchived => "already_archived",
    NoMaterials => "no_materials",
    StatusChanged => "status_changed",
    NotEligible => "not_eligible",
    ConcurrentRating => "concurrent_rating",
    // Scheduling and bookings.
    SlotOverlap => "slot_overlap",
    CapacityBelowBooked => "capacity_below_booked",
    SlotNotOpen => "slot_not_open",
    SlotFull => "slot_full",
    AlreadyBooked => "already_booked",
    TooManyPendingBookings => "too_many_pending_bookings",
    TooLate => "too_late",
    RescheduleLimit => "reschedule_limit",
    /// The booking's current session is inside the minimum notice (or has
    /// started): it can no longer move.
    RescheduleTooLate => "reschedule_too_late",
    /// The new session costs something else than the booking was paid at.
    ReschedulePriceDiffers => "reschedule_price_differs",
    NotStarted => "not_started",
    InvalidTransition => "invalid_transition",
    NotLive => "not_live",
    // Promo codes.
    PromoCodeTaken => "promo_code_taken",
    PromoNotFound => "promo_not_found",
    PromoConstraint => "promo_constraint",
    // Payments.
    NotPayable => "not_payable",
    AlreadyPaid => "already_paid",
    DuplicatePayment => "duplicate_payment",
    DuplicateRefund => "duplicate_refund",
    NotManual => "not_manual",
    NotCapturable => "not_capturable",
    NotRefundable => "not_refundable",
    PaymentNotApproved => "payment_not_approved",
    RefundExceedsCharge => "refund_exceeds_charge",
    PaymentRejected => "payment_rejected",
    PaymentRequired => "payment_required",
    InvalidPaymentRequest => "invalid_payment_request",
    ProviderNotConfigured => "provider_not_configured",
    ProviderUnavailable => "provider_unavailable",
    ProviderRejected => "provider_rejected",
    ProviderInvalidResponse => "provider_invalid_response",
    InvalidSignature => "invalid_signature",
    UnreadableEvent => "unreadable_event",
    // Notifications.
    NotificationNotFailed => "notification_not_failed",
    NotificationExpired => "notification_expired",
    // Schema.
    SchemaEmpty => "schema_empty",
    // Continuing medical education.
    ProviderNameTaken => "provider_name_taken",
    CreditTypeTaken => "credit_type_taken",
    /// The assessment has no questions to draw.
    NoQuestions => "no_questions",
    AlreadyPassed => "already_passed",
    AttemptLimit => "attempt_limit",
    CoolingDown => "cooling_down",
    /// The attempt was submitted or expired already.
    AttemptEnded => "attempt_ended",
    NotReleased => "not_released",
    ActivityExpired => "activity_expired",
    MaterialsIncomplete => "materials_incomplete",
    NotAttended => "not_attended",
    PostTestNotPassed => "post_test_not_passed",
    EvaluationMissing => "evaluation_missing",
    AlreadyClaimed => "already_claimed",
    /// The certificate was revoked or re-issued already.
    CertificateEnded => "certificate_ended",
    /// No key to sign credentials is configured.
    CredentialsUnavailable => "credentials_unavailable",
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One invalid field of an operation's input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The field's path in the input, e.g. `email` or `recurrence.count`.
    pub field: String,
    /// Machine-readable reason, e.g. `required`, `invalid`, `too_long`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }

    pub fn from_issue(field: impl Into<String>, issue: FieldIssue) -> Self {
        Self::new(field, issue.code, issue.message)
    }
}

/// Invalid input: every offending field, collected before answering so a
/// caller learns about all of them at once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn one(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self(vec![FieldError::new(field, code, message)])
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [one] => write!(f, "Invalid field `{}`: {}", one.field, one.message),
            many => write!(f, "{} fields are invalid.", many.len()),
        }
    }
}

impl StdError for Invalid {}

/// Collects the invalid fields of an input while it is parsed.
#[derive(Default)]
pub struct Fields(Vec<FieldError>);

impl Fields {
    /// Keeps the parsed value, or records why `field` was refused.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, FieldIssue>) -> Option<T> {
        parsed
            .map_err(|issue| self.0.push(FieldError::from_issue(field, issue)))
            .ok()
    }

    pub fn reject(&mut self, field: &str, code: &str, message: &str) {
        self.0.push(FieldError::new(field, code, message));
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The recorded fields as an error, or `Ok` when there were none.
    pub fn finish(self) -> Result<(), Invalid> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Invalid(self.0))
        }
    }
}

/// When a caller may try again after the database could not be reached.
pub const DATABASE_RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(5);

/// A failure the caller cannot fix: the database, a broken invariant. Its
/// cause chain is logged by the adapter and never shown to the caller.
#[derive(Debug)]
pub struct Internal(Box<dyn StdError + Send + Sync>);

impl Internal {
    pub fn new(source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        Self(source.into())
    }

    /// An invariant the code relies on did not hold.
    pub fn invariant(what: impl Into<String>) -> Self {
        Self(what.into().into())
    }

    /// `database_unavailable` when the database could not be reached at
    /// all (the caller may retry), `internal_error` otherwise.
    pub fn code(&self) -> ErrorCode {
        match self.0.downcast_ref::<sqlx::Error>() {
            Some(sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)) => {
                ErrorCode::DatabaseUnavailable
            }
            // A server shutting down or refusing connections (SQLSTATE
            // classes 08 and 57P) answers on connections the pool held.
            Some(sqlx::Error::Database(e))
                if e.code()
                    .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")) =>
            {
                ErrorCode::DatabaseUnavailable
            }
            Some(sqlx::Error::Database(e)) if e.code().is_some_and(|c| is_disk_full(&c)) => {
                ErrorCode::StorageFull
            }
            _ => ErrorCode::InternalError,
        }
    }

    pub fn source_error(&self) -> &(dyn StdError + Send + Sync + 'static) {
        self.0.as_ref()
    }
}

/// PostgreSQL's `disk_full`, or SQLite's `SQLITE_FULL` (13, in the low byte
/// of its extended result codes).
fn is_disk_full(code: &str) -> bool {
    code == "53100" || code.parse::<i32>().is_ok_and(|code| code & 0xff == 13)
}

impl fmt::Display for Internal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl StdError for Internal {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0.source()
    }
}

impl From<sqlx::Error> for Internal {
    fn from(e: sqlx::Error) -> Self {
        Self::new(e)
    }
}

impl From<medicaledu_domain::HashError> for Internal {
    fn from(e: medicaledu_domain::HashError) -> Self {
        Self::new(e)
    }
}

impl From<tokio::task::JoinError> for Internal {
    fn from(e: tokio::task::JoinError) -> Self {
        Self::new(e)
    }
}

impl From<serde_json::Error> for Internal {
    fn from(e: serde_json::Error) -> Self {
        Self::new(e)
    }
}

/// What adapters need of an operation's error.
pub trait Failure: StdError + Send + Sync + 'static {
    /// The stable code of this failure.
    fn code(&self) -> ErrorCode;

    /// The offending fields, for invalid input.
    fn fields(&self) -> &[FieldError] {
        &[]
    }

    /// When the caller may try again (a locked account, a busy database).
    fn retry_after(&self) -> Option<std::time::Duration> {
        None
    }

    /// The failure the caller cannot fix, whose cause must be logged and
    /// never shown.
    fn internal(&self) -> Option<&Internal> {
        None
    }

    /// Every code a failure of this type can have, sorted, each once: the
    /// API's description lists them per operation.
    fn codes() -> Vec<ErrorCode>
    where
        Self: Sized;
}

/// Implements [`Failure`] for an error enum from one table, so the code of
/// each variant and the list of codes the enum can answer ([`Failure::codes`])
/// cannot drift apart.
///
/// The first block maps variants (with a pattern for their fields, which may
/// look inside them) to codes; the `wraps` block names the variants that hold
/// another failure and answer exactly as it does: its code, fields, retry
/// delay and internal cause. An optional `retry_after` function gives the
/// delay of the enum's own variants.
///
/// ```ignore
/// failure!(LoginError {
///     InvalidCredentials => InvalidCredentials,
///     Locked { .. } => AccountLocked,
/// } wraps {
///     Invalid(Invalid),
///     Internal(Internal),
/// } retry_after = locked_for);
/// ```
macro_rules! failure {
    (
        $t:ty {
            $($variant:ident $(($($tuple:tt)*))? $({$($named:tt)*})? => $code:ident),* $(,)?
        } wraps {
            $($wrap:ident($inner:ty)),* $(,)?
        } $(retry_after = $retry:path)?
    ) => {
        impl $crate::Failure for $t {
            fn code(&self) -> $crate::ErrorCode {
                match self {
                    $(Self::$variant $(($($tuple)*))? $({$($named)*})? => $crate::ErrorCode::$code,)*
                    $(Self::$wrap(e) => $crate::Failure::code(e),)*
                }
            }

            fn fields(&self) -> &[$crate::FieldError] {
                $(if let Self::$wrap(e) = self {
                    return $crate::Failure::fields(e);
                })*
                &[]
            }

            fn retry_after(&self) -> Option<std::time::Duration> {
                $(if let Self::$wrap(e) = self {
                    return $crate::Failure::retry_after(e);
                })*
                None $(.or_else(|| $retry(self)))?
            }

            fn internal(&self) -> Option<&$crate::Internal> {
                $(if let Self::$wrap(e) = self {
                    return $crate::Failure::internal(e);
                })*
                None
            }

            fn codes() -> Vec<$crate::ErrorCode> {
                let mut codes: Vec<$crate::ErrorCode> = vec![$($crate::ErrorCode::$code),*];
                $(codes.extend(<$inner as $crate::Failure>::codes());)*
                codes.sort_unstable();
                codes.dedup();
                codes
            }
        }
    };
}

pub(crate) use failure;

impl Failure for Internal {
    fn code(&self) -> ErrorCode {
        Internal::code(self)
    }

    fn internal(&self) -> Option<&Internal> {
        Some(self)
    }

    fn codes() -> Vec<ErrorCode> {
        vec![ErrorCode::InternalError, ErrorCode::DatabaseUnavailable]
    }
}

impl Failure for Invalid {
    fn code(&self) -> ErrorCode {
        ErrorCode::ValidationFailed
    }

    fn fields(&self) -> &[FieldError] {
        &self.0
    }

    fn codes() -> Vec<ErrorCode> {
        vec![ErrorCode::ValidationFailed]
    }
}

/// Lets `?` turn the infrastructure errors a use case meets (sqlx, hashing,
/// JSON) into the operation's `Internal` variant. The enum must have a
/// variant `Internal(Internal)`.
#[macro_export]
macro_rules! internal_from {
    ($($t:ty),+ $(,)?) => {
        $(
            impl From<sqlx::Error> for $t {
                fn from(e: sqlx::Error) -> Self {
                    Self::Internal($crate::Internal::from(e))
                }
            }
            impl From<$crate::Internal> for $t {
                fn from(e: $crate::Internal) -> Self {
                    Self::Internal(e)
                }
            }
        )+
    };
}

/// The actor may not do this at all (their role does not allow it). Where
/// the actor may not even learn that a thing exists, use cases answer
/// "not found" instead.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Forbidden(pub &'static str);

impl Failure for Forbidden {
    fn code(&self) -> ErrorCode {
        ErrorCode::Forbidden
    }

    fn codes() -> Vec<ErrorCode> {
        vec![ErrorCode::Forbidden]
    }
}

/// The commonest error: the thing asked for is not there (or the actor may
/// not know it is), or the store failed. Reads that can fail no other way
/// use it rather than an enum of their own.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0} not found.")]
    NotFound(&'static str),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Internal(Internal),
}

internal_from!(ReadError);

failure!(ReadError {
    NotFound(_) => NotFound,
} wraps {
    Forbidden(Forbidden),
    Invalid(Invalid),
    Internal(Internal),
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} twice");
            assert!(
                text.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{text}"
            );
        }
    }

    #[test]
    fn a_failure_lists_its_own_codes_and_those_of_what_it_wraps() {
        assert_eq!(
            ReadError::codes(),
            [
                ErrorCode::ValidationFailed,
                ErrorCode::NotFound,
                ErrorCode::Forbidden,
                ErrorCode::InternalError,
                ErrorCode::DatabaseUnavailable,
            ]
        );
        let failure = ReadError::Invalid(Invalid::one("email", "invalid", "not an email"));
        assert_eq!(failure.code(), ErrorCode::ValidationFailed);
        assert_eq!(failure.fields().len(), 1);
        assert!(ReadError::NotFound("Course").internal().is_none());
    }

    #[test]
    fn an_unreachable_database_is_not_an_internal_error() {
        assert_eq!(
            Internal::from(sqlx::Error::PoolTimedOut).code(),
            ErrorCode::DatabaseUnavailable
        );
        assert_eq!(
            Internal::from(sqlx::Error::RowNotFound).code(),
            ErrorCode::InternalError
        );
    }
}
