//! One error model for every route: RFC 9457 problem documents
//! (`application/problem+json`) with a stable, machine-readable `code`.
//!
//! Handlers return [`ApiError`]. The [`render_problems`] middleware fills in the
//! request's path and id, and turns any other error response (unknown route,
//! wrong method, oversized body, timeout, panic) into a problem document too.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::error::Error as StdError;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use medicaledu_app::{ErrorCode, Failure};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem; `/problems/{code}`.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// A short, human-readable summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time, for a human.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable and machine-readable: clients branch on this, never on `title`.
    pub code: String,
    /// The request path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The request id, also sent as the `x-request-id` header; quote it in reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// For validation errors: each offending field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One invalid field of a request.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FieldError {
    /// The field's path in the request body or query, e.g. `email` or `recurrence.count`.
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
}

/// An error a handler returns. Its `source`, if any, is logged with its whole
/// cause chain and never sent to the client.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: Cow<'static, str>,
    detail: Option<String>,
    errors: Vec<FieldError>,
    headers: Vec<(header::HeaderName, HeaderValue)>,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            detail: Some(detail.into()),
            errors: Vec::new(),
            headers: Vec::new(),
            source: None,
        }
    }

    pub fn bad_request(code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    /// 422 with the offending fields.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("Invalid field `{}`: {}", one.field, one.message),
            _ => format!("{} fields are invalid.", errors.len()),
        };
        Self {
            errors,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                detail,
            )
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found."),
        )
    }

    pub fn conflict(code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    pub fn unavailable(code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, detail)
    }

    /// A failure the client cannot fix. The cause is logged, the client sees only
    /// that something went wrong and the request id.
    pub fn internal(source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "An unexpected error occurred.",
        )
        .with_source(source)
    }

    pub fn with_source(mut self, source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        self.source = Some(source.into());
        self
    }

    pub fn with_header(mut self, name: header::HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &str {
        &self.code
    }

    pub(crate) fn problem(&self) -> Problem {
        Problem {
            type_uri: format!("/problems/{}", self.code),
            title: title_for(self.status).to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_string(),
            instance: None,
            request_id: None,
            errors: self.errors.clone(),
        }
    }
}

impl ApiError {
    /// The answer to a use case's failure: the status its code stands for,
    /// its message as the detail (never for internal failures, whose cause
    /// is logged instead), its fields, and `Retry-After` when it has one.
    pub fn from_failure<E: Failure>(e: E) -> Self {
        let code = e.code();
        let status = status_of(code);
        let fields: Vec<FieldError> = e.fields().iter().map(FieldError::from).collect();
        // Operation errors wrap `Internal` without passing its retry hint on.
        let retry_after = e.retry_after().or_else(|| {
            (code == ErrorCode::DatabaseUnavailable).then_some(medicaledu_app::DATABASE_RETRY_AFTER)
        });
        let mut error = if e.internal().is_some() {
            let detail = match code {
                ErrorCode::DatabaseUnavailable => {
                    "The database cannot be reached; try again shortly."
                }
                ErrorCode::StorageFull => {
                    "The database has no space left; nothing can be saved until an operator frees some."
                }
                _ => "An unexpected error occurred.",
            };
            ApiError::new(status, code.as_str(), detail).with_source(e)
        } else if !fields.is_empty() {
            let mut error = ApiError::validation(fields);
            error.code = Cow::Borrowed(code.as_str());
            error.status = status;
            error
        } else {
            ApiError::new(status, code.as_str(), e.to_string())
        };
        if let Some(after) = retry_after {
            let seconds = after.as_secs().max(1).to_string();
            if let Ok(value) = HeaderValue::from_str(&seconds) {
                error = error.with_header(header::RETRY_AFTER, value);
            }
        }
        error
    }

    /// Overrides the status a code stands for, where one route answers
    /// differently (a webhook asks its provider to retry with 503).
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }
}

/// The HTTP status each problem code stands for: one table for every route.
pub fn status_of(code: ErrorCode) -> StatusCode {
    use ErrorCode as C;
    match code {
        C::BadRequest
        | C::MalformedJson
        | C::UnreadableBody
        | C::InvalidIdempotencyKey
        | C::InvalidSignature
        | C::UnreadableEvent
        | C::Error => StatusCode::BAD_REQUEST,
        C::Unauthenticated | C::InvalidCredentials | C::InvalidChallenge | C::InvalidCode => {
            StatusCode::UNAUTHORIZED
        }
        C::PaymentRejected | C::PaymentRequired => StatusCode::PAYMENT_REQUIRED,
        C::Forbidden
        | C::CsrfRejected
        | C::AccountSuspended
        | C::NotEligible
        | C::SecondFactorRequired => StatusCode::FORBIDDEN,
        C::NotFound | C::PromoNotFound => StatusCode::NOT_FOUND,
        C::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        C::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
        C::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        C::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        C::Unprocessable
        | C::ValidationFailed
        | C::InvalidPaymentRequest
        | C::ProviderNotConfigured => StatusCode::UNPROCESSABLE_ENTITY,
        C::AccountLocked => StatusCode::LOCKED,
        C::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        C::EmailTaken
        | C::SelfDemotion
        | C::SecondFactorEnabled
        | C::SecondFactorNotEnabled
        | C::SecondFactorNotPending
        | C::AlreadyPublished
        | C::AlreadyArchived
        | C::NoMaterials
        | C::StatusChanged
        | C::ConcurrentRating
        | C::SlotOverlap
        | C::CapacityBelowBooked
        | C::SlotNotOpen
        | C::SlotFull
        | C::AlreadyBooked
        | C::TooManyPendingBookings
        | C::TooLate
        | C::RescheduleLimit
        | C::RescheduleTooLate
        | C::ReschedulePriceDiffers
        | C::NotStarted
        | C::InvalidTransition
        | C::NotLive
        | C::PromoCodeTaken
        | C::PromoConstraint
        | C::NotPayable
        | C::AlreadyPaid
        | C::DuplicatePayment
        | C::DuplicateRefund
        | C::NotManual
        | C::NotCapturable
        | C::NotRefundable
        | C::PaymentNotApproved
        | C::RefundExceedsCharge
        | C::NotificationNotFailed
        | C::NotificationExpired
        | C::SchemaEmpty
        | C::ProviderNameTaken
        | C::CreditTypeTaken
        | C::NoQuestions
        | C::AlreadyPassed
        | C::AttemptLimit
        | C::CoolingDown
        | C::AttemptEnded
        | C::NotReleased
        | C::ActivityExpired
        | C::MaterialsIncomplete
        | C::NotAttended
        | C::PostTestNotPassed
        | C::EvaluationMissing
        | C::AlreadyClaimed
        | C::CertificateEnded => StatusCode::CONFLICT,
        C::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
        C::ProviderUnavailable | C::ProviderInvalidResponse | C::ProviderRejected => {
            StatusCode::BAD_GATEWAY
        }
        C::Unavailable | C::DatabaseUnavailable | C::CredentialsUnavailable => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        C::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
    }
}

impl From<&medicaledu_app::FieldError> for FieldError {
    fn from(e: &medicaledu_app::FieldError) -> Self {
        FieldError::new(e.field.clone(), e.code.clone(), e.message.clone())
    }
}

/// Who may call an operation, as its extractors decide; the OpenAPI
/// document declares the matching security requirements.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Access {
    /// Anyone, without credentials (a token in the query, a provider's
    /// signature or nothing at all).
    #[default]
    Public,
    /// Anyone; a caller who sends credentials is identified and may see more.
    Optional,
    /// Only a signed-in caller: a bearer token or the session cookie.
    SignedIn,
}

/// The problem codes one operation answers, each with the status it is
/// answered with: what the adapter itself refuses (its extractors) and what
/// its use cases fail with, and who may call it. The OpenAPI document lists
/// them per operation (see each module's `problem_codes`).
#[derive(Clone, Debug)]
pub struct Answers {
    codes: BTreeSet<(ErrorCode, u16)>,
    access: Access,
}

impl Answers {
    /// What any route may answer: a panic, or another failure nobody
    /// foresaw.
    pub fn route() -> Self {
        Self {
            codes: BTreeSet::new(),
            access: Access::Public,
        }
        .code(ErrorCode::InternalError)
    }

    fn code(self, code: ErrorCode) -> Self {
        self.code_as(code, status_of(code))
    }

    /// A code the adapter answers with a status of its own rather than the
    /// one the code stands for (a webhook speaks to its provider's retries).
    pub fn code_as(mut self, code: ErrorCode, status: StatusCode) -> Self {
        self.codes.insert((code, status.as_u16()));
        self
    }

    /// Who may call the operation.
    pub fn access(&self) -> Access {
        self.access
    }

    /// Every code of the use-case error `E`.
    pub fn failure<E: Failure>(self) -> Self {
        E::codes().into_iter().fold(self, Self::code)
    }

    /// A body read with [`crate::Json`]: it must say it is JSON, arrive
    /// whole and within the size limit, and parse.
    pub fn json_body(self) -> Self {
        self.code(ErrorCode::UnsupportedMediaType)
            .code(ErrorCode::UnreadableBody)
            .code_as(ErrorCode::UnreadableBody, StatusCode::PAYLOAD_TOO_LARGE)
            .parsed_body()
    }

    /// A JSON document parsed with `extract::parse`.
    pub fn parsed_body(self) -> Self {
        self.code(ErrorCode::MalformedJson)
            .code(ErrorCode::ValidationFailed)
    }

    /// A query string read with `axum::extract::Query`, whose rejection
    /// answers 400, and whose values holding a NUL are refused with 422.
    pub fn query(self) -> Self {
        self.code(ErrorCode::BadRequest)
            .code(ErrorCode::ValidationFailed)
    }

    /// A signed-in caller (`Authenticated`): no or a bad credential, the
    /// session lookup's own failures, and a session that must set up a
    /// second factor first.
    pub fn signed_in(self) -> Self {
        self.any_session().code(ErrorCode::SecondFactorRequired)
    }

    /// A caller who may be anonymous (`MaybeAuthenticated`): credentials
    /// are optional, but bad ones are refused like on a signed-in route, and
    /// so is a session that must set up a second factor first.
    pub fn maybe_signed_in(mut self) -> Self {
        self.access = Access::Optional;
        self.code(ErrorCode::Unauthenticated)
            .code(ErrorCode::SecondFactorRequired)
            .failure::<medicaledu_app::Internal>()
    }

    /// A signed-in caller changing data, whose cookie-carried session must
    /// come from this site.
    pub fn signed_in_write(self) -> Self {
        self.signed_in().code(ErrorCode::CsrfRejected)
    }

    /// Any signed-in caller (`AnySession`), a session that must set up a
    /// second factor included.
    pub fn any_session(mut self) -> Self {
        self.access = Access::SignedIn;
        self.code(ErrorCode::Unauthenticated)
            .failure::<medicaledu_app::Internal>()
    }

    /// Any signed-in caller changing data.
    pub fn any_session_write(self) -> Self {
        self.any_session().code(ErrorCode::CsrfRejected)
    }

    /// Typed path ids (`Ids`): a malformed one names nothing.
    pub fn path_ids(self) -> Self {
        self.code(ErrorCode::NotFound)
    }

    /// An `Idempotency-Key` header.
    pub fn idempotency_key(self) -> Self {
        self.code(ErrorCode::InvalidIdempotencyKey)
    }

    /// A route limited per client IP.
    pub fn rate_limited(self) -> Self {
        self.code(ErrorCode::RateLimited)
    }

    /// The codes, each once.
    pub fn codes(&self) -> Vec<ErrorCode> {
        let mut codes: Vec<ErrorCode> = self.codes.iter().map(|(code, _)| *code).collect();
        codes.dedup();
        codes
    }

    /// The codes answered with each status.
    pub fn by_status(&self) -> BTreeMap<u16, Vec<ErrorCode>> {
        let mut statuses: BTreeMap<u16, Vec<ErrorCode>> = BTreeMap::new();
        for (code, status) in &self.codes {
            statuses.entry(*status).or_default().push(*code);
        }
        statuses
    }
}

/// Names, per operation of a module (its operation id: the handler's name),
/// the problem codes it answers, as the module's `problem_codes()`.
macro_rules! problem_codes {
    ($($operation:ident => $answers:expr),+ $(,)?) => {
        /// The problem codes of this module's operations, by operation id.
        pub(crate) fn problem_codes() -> Vec<(&'static str, $crate::problem::Answers)> {
            vec![$({
                // Names the handler itself, so an entry cannot outlive it.
                let _ = $operation;
                (stringify!($operation), $answers)
            }),+]
        }
    };
}

pub(crate) use problem_codes;

/// `?` on a use case's result answers its failure as a problem document.
macro_rules! problems {
    ($($t:ty),+ $(,)?) => {
        $(
            impl From<$t> for ApiError {
                fn from(e: $t) -> Self {
                    ApiError::from_failure(e)
                }
            }
        )+
    };
}

pub(crate) use problems;

problems!(
    medicaledu_app::Internal,
    medicaledu_app::Invalid,
    medicaledu_app::ReadError,
    medicaledu_app::Forbidden,
);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Some(source) = &self.source {
            let chain = cause_chain(source.as_ref());
            if self.status.is_server_error() {
                tracing::error!(code = %self.code, error = %chain, "request failed");
            } else {
                tracing::info!(code = %self.code, error = %chain, "request refused");
            }
        }
        let problem = self.problem();
        let mut response = problem_response(&problem);
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        // The middleware re-renders with the request's path and id.
        response.extensions_mut().insert(problem);
        response
    }
}

fn cause_chain(error: &(dyn StdError + 'static)) -> String {
    let mut chain = error.to_string();
    let mut current = error.source();
    while let Some(cause) = current {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        current = cause.source();
    }
    chain
}

fn problem_response(problem: &Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(problem).unwrap_or_default();
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}

fn title_for(status: StatusCode) -> &'static str {
    status.canonical_reason().unwrap_or("Error")
}

/// The code for an error response that no handler described.
fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthenticated",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "request_timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "unprocessable",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal_error",
        _ => "error",
    }
}

pub async fn not_found_fallback() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "No such route.")
}

pub async fn method_not_allowed_fallback() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This route does not accept that method.",
    )
}

pub fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
        "An unexpected error occurred.",
    )
    .into_response()
}

/// Completes every error response as a problem document naming the request.
pub async fn render_problems(request: Request, next: Next) -> Response {
    let instance = request.uri().path().to_owned();
    let request_id = crate::request_id::of(&request);
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let mut problem = match parts.extensions.remove::<Problem>() {
        Some(problem) => problem,
        None => {
            let is_problem = parts
                .headers
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
            if is_problem {
                return Response::from_parts(parts, body);
            }
            ApiError::new(status, code_for(status), title_for(status)).problem()
        }
    };
    problem.instance = Some(instance);
    problem.request_id = request_id;
    let rendered = problem_response(&problem);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    let (_, body) = rendered.into_parts();
    Response::from_parts(parts, Body::new(body))
}
