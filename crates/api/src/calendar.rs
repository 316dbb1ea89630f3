//! The calendar feed: a user's sessions as iCalendar, behind a per-user token
//! that calendar apps can keep in a subscription URL.

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use medicaledu_app::calendar::{self, FeedError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, Meta};
use crate::problem::Answers;
use crate::problem::problems;
use crate::{ApiError, AppState, Json};

problems!(FeedError);

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(calendar_feed))
        .routes(routes!(new_calendar_token, revoke_calendar_token))
}

crate::problem::problem_codes! {
    new_calendar_token => Answers::route().signed_in_write(),
    revoke_calendar_token => Answers::route().signed_in_write().failure::<medicaledu_app::Internal>(),
    calendar_feed => Answers::route().query().failure::<FeedError>(),
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarToken {
    /// Shown once; a new token replaces the old one, which stops working.
    pub token: String,
    /// Path of the feed with the token, to subscribe to.
    pub feed_path: String,
}

/// Create (or replace) the token of your calendar feed.
#[utoipa::path(
    post,
    path = "/api/v1/me/calendar-token",
    tag = "calendar",
    responses((status = 201, body = CalendarToken))
)]
pub async fn new_calendar_token(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
) -> Result<(StatusCode, Json<CalendarToken>), ApiError> {
    let token = calendar::new_token(&state, &auth, &meta).await?;
    Ok((
        StatusCode::CREATED,
        Json(CalendarToken {
            feed_path: format!("/api/v1/me/calendar.ics?token={token}"),
            token,
        }),
    ))
}

/// Delete the token of your calendar feed.
///
/// The feed then answers as for an unknown token.
#[utoipa::path(
    delete,
    path = "/api/v1/me/calendar-token",
    tag = "calendar",
    responses((status = 204, description = "The token no longer opens the feed"))
)]
pub async fn revoke_calendar_token(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
) -> Result<StatusCode, ApiError> {
    calendar::revoke_token(&state, &auth, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// The calendar token from `POST /api/v1/me/calendar-token`.
    #[param(value_type = crate::constraints::FeedTokenText, inline)]
    pub token: String,
}

/// Your sessions (as a student, and on your slots as an instructor) as an RFC 5545 calendar.
///
/// Times in UTC, one event per booking with a stable UID, `SEQUENCE` raised on
/// every change, cancellations as `STATUS:CANCELLED`.
#[utoipa::path(
    get,
    path = "/api/v1/me/calendar.ics",
    tag = "calendar",
    params(FeedParams),
    responses((status = 200, description = "text/calendar", content_type = "text/calendar"), (status = 401, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn calendar_feed(
    State(state): State<AppState>,
    Query(params): Query<FeedParams>,
) -> Result<Response, ApiError> {
    let body = calendar::feed(&state, &params.token).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=300"),
            ),
        ],
        body,
    )
        .into_response())
}
