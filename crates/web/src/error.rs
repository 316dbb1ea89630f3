//! Errors are pages: a 404, a 403, a 503 when the database is away, and a
//! 500 that names the request id to quote, never the cause.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::{ErrorCode, Failure, Internal};
use medicaledu_domain::Id;

use crate::i18n::Tr;
use crate::page::{Chrome, render};

/// The id in a page's path. One that does not parse names nothing there
/// is: the page is a 404, like an id that names no row.
pub(crate) fn parse_id(id: &str) -> Result<Id, PageError> {
    id.parse().map_err(|_| PageError::NotFound)
}

#[derive(Clone, Copy, Debug)]
pub enum PageError {
    NotFound,
    Forbidden,
    /// The form's CSRF token or origin did not match.
    Csrf,
    /// A request no page of ours sends (a broken form body, a filter or
    /// cursor edited by hand).
    BadRequest,
    /// A use case refused what the page asked (the row changed meanwhile, a
    /// rule forbids it) where the page has no place of its own to say why.
    Refused,
    Unavailable,
    /// A failure the visitor cannot fix; its cause was logged.
    Internal,
    /// The session may do nothing but set up a second factor: every other
    /// page sends the visitor to that page.
    SecondFactorRequired,
}

/// Where a session that must set up a second factor is sent.
pub const SECOND_FACTOR_PAGE: &str = "/me/two-factor";

impl From<Internal> for PageError {
    fn from(e: Internal) -> Self {
        Self::from_failure(&e)
    }
}

impl PageError {
    pub fn from_internal(e: Internal) -> Self {
        Self::from_failure(&e)
    }

    /// The page for a use case's failure that the page itself does not show
    /// (form pages show field errors and refusals next to the form).
    pub fn from_failure<E: Failure>(e: &E) -> Self {
        if let Some(internal) = e.internal() {
            tracing::error!(code = %e.code(), error = %chain(internal), "page failed");
        }
        match e.code() {
            ErrorCode::NotFound => PageError::NotFound,
            ErrorCode::Forbidden | ErrorCode::Unauthenticated => PageError::Forbidden,
            ErrorCode::SecondFactorRequired => PageError::SecondFactorRequired,
            ErrorCode::DatabaseUnavailable => PageError::Unavailable,
            _ if e.internal().is_some() => PageError::Internal,
            // Input is refused before anything changes: a 4xx, never a 500.
            ErrorCode::BadRequest
            | ErrorCode::ValidationFailed
            | ErrorCode::Unprocessable
            | ErrorCode::InvalidIdempotencyKey => PageError::BadRequest,
            _ => PageError::Refused,
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::Forbidden | PageError::Csrf => StatusCode::FORBIDDEN,
            PageError::BadRequest => StatusCode::BAD_REQUEST,
            PageError::Refused => StatusCode::CONFLICT,
            PageError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            PageError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            PageError::SecondFactorRequired => StatusCode::SEE_OTHER,
        }
    }

    fn keys(&self) -> (&'static str, &'static str) {
        match self {
            PageError::NotFound => ("error-title-404", "error-text-404"),
            PageError::Forbidden | PageError::SecondFactorRequired => {
                ("error-title-403", "error-text-403")
            }
            PageError::Csrf => ("error-title-csrf", "error-text-csrf"),
            PageError::BadRequest => ("error-title-400", "error-text-400"),
            PageError::Refused => ("error-title-409", "error-text-409"),
            PageError::Unavailable => ("error-title-503", "error-text-503"),
            PageError::Internal => ("error-title-500", "error-text-500"),
        }
    }
}

fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut current = error.source();
    while let Some(cause) = current {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        current = cause.source();
    }
    text
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    heading: String,
    text: String,
    reference: Option<String>,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if matches!(self, PageError::SecondFactorRequired) {
            return Redirect::to(SECOND_FACTOR_PAGE).into_response();
        }
        // The page frame is drawn without the visitor (who may be the reason
        // for the failure); the language comes from the request in `errors`.
        let mut response = ErrorPage::response(&self, Tr::default(), None);
        response.extensions_mut().insert(Rendered(self));
        response
    }
}

/// Marks an error response that is already a page, and which one, so the
/// error-page layer can draw it again in the visitor's language.
#[derive(Clone, Copy, Debug)]
pub struct Rendered(pub PageError);

impl ErrorPage {
    pub(crate) fn response(error: &PageError, tr: Tr, request_id: Option<String>) -> Response {
        let (title, text) = error.keys();
        let reference = matches!(error, PageError::Internal)
            .then_some(request_id)
            .flatten();
        let page = ErrorPage {
            heading: tr.t(title),
            text: tr.t(text),
            reference,
            chrome: Chrome::bare(tr, title),
        };
        (error.status(), render(&page)).into_response()
    }
}

/// Renders an error page for a status no handler described (an unknown
/// route, a panic), in the language of the request.
pub fn page_for_status(
    drawn: Option<PageError>,
    status: StatusCode,
    tr: Tr,
    request_id: Option<String>,
) -> Response {
    let error = drawn.unwrap_or(match status {
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => PageError::NotFound,
        StatusCode::FORBIDDEN => PageError::Forbidden,
        StatusCode::BAD_REQUEST => PageError::BadRequest,
        StatusCode::CONFLICT => PageError::Refused,
        StatusCode::SERVICE_UNAVAILABLE => PageError::Unavailable,
        _ => PageError::Internal,
    });
    ErrorPage::response(&error, tr, request_id)
}
