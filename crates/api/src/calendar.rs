//! The calendar feed: a user's sessions as iCalendar, behind a per-user token
//! that calendar apps can keep in a subscription URL.

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use medicaledu_domain::{CalendarEvent, SessionToken, Timestamp, render_calendar};
use medicaledu_store::{bookings, courses, slots, users};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, Meta};
use crate::{ApiError, AppState, Json};
use medicaledu_app::audit::{self, Change};

/// Past sessions stay in the feed this long.
const HISTORY: Duration = Duration::days(90);

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(calendar_feed))
        .routes(routes!(new_calendar_token))
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
    let token = SessionToken::generate();
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    users::set_calendar_token(&mut tx, auth.user.id, &token.hash(), now).await?;
    audit::record(
        &mut tx,
        &meta,
        now,
        Change {
            actor: Some(auth.user.id),
            action: "calendar_token.created",
            entity_type: "user",
            entity_id: auth.user.id,
            changes: json!({ "calendar_token": "replaced" }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(CalendarToken {
            feed_path: format!("/api/v1/me/calendar.ics?token={}", token.expose()),
            token: token.expose().to_owned(),
        }),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct FeedParams {
    /// The calendar token from `POST /api/v1/me/calendar-token`.
    pub token: String,
}

/// Your sessions (as a student, and on your slots as an instructor) as an
/// RFC 5545 calendar: times in UTC, one event per booking with a stable UID,
/// `SEQUENCE` raised on every change, cancellations as `STATUS:CANCELLED`.
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
    let unauthenticated = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Unknown calendar token.",
        )
    };
    let token = SessionToken::parse(&params.token).ok_or_else(unauthenticated)?;
    let user = users::find_by_calendar_token(&state.db, &token.hash())
        .await?
        .ok_or_else(unauthenticated)?;
    let now = Utc::now();
    let rows = bookings::for_calendar(&state.db, user.id, Timestamp::from(now - HISTORY)).await?;
    let mut events = Vec::with_capacity(rows.len());
    for booking in rows {
        let Some(slot) = slots::find_any(&state.db, booking.slot_id).await? else {
            continue;
        };
        let Some(course) = courses::find_by_id_any(&state.db, slot.course_id).await? else {
            continue;
        };
        events.push(CalendarEvent {
            uid: format!("booking-{}@medicaledu", booking.id),
            starts_at: *slot.starts_at.as_datetime(),
            ends_at: *slot.ends_at.as_datetime(),
            summary: course.title,
            description: Some(format!("MedicalEdu session, booking {}", booking.id)),
            location: slot.location,
            url: slot.meeting_url,
            sequence: slot.revision + booking.revision,
            cancelled: booking.status == "cancelled",
            last_modified: *booking
                .updated_at
                .as_datetime()
                .max(slot.updated_at.as_datetime()),
        });
    }
    let body = render_calendar("MedicalEdu sessions", &events, now);
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
