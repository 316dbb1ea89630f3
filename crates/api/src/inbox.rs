//! The in-app inbox (a user's notifications, unread count and read marks) and
//! the user's choice of channels per kind of notification.

use axum::extract::{Query, State};
use std::collections::BTreeMap;

use medicaledu_app::inbox::{self, InboxInput, PreferencesError};
use medicaledu_domain::{
    Channel, Id, NotificationKind, NotificationStatus, Preferences, Timestamp,
};
use medicaledu_store::notifications::NotificationRow;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, Meta};
use crate::pagination::Page;
use crate::problem::Answers;
use crate::{ApiError, AppState, Ids, Json};

crate::problem::problems!(PreferencesError);

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notifications))
        .routes(routes!(unread_count))
        .routes(routes!(mark_read))
        .routes(routes!(mark_all_read))
        .routes(routes!(get_preferences, put_preferences))
}

crate::problem::problem_codes! {
    list_notifications => Answers::route().signed_in().query().failure::<medicaledu_app::ReadError>(),
    unread_count => Answers::route().signed_in(),
    mark_read => Answers::route().signed_in_write().path_ids().failure::<medicaledu_app::ReadError>(),
    mark_all_read => Answers::route().signed_in_write().failure::<medicaledu_app::ReadError>(),
    get_preferences => Answers::route().signed_in().failure::<medicaledu_app::ReadError>(),
    put_preferences => Answers::route().signed_in_write().json_body().failure::<PreferencesError>(),
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Notification {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    /// `in_app` in the inbox.
    #[schema(value_type = String)]
    pub channel: Channel,
    /// e.g. `booking.confirmed`.
    #[schema(value_type = String)]
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
    /// Ids of what it is about, e.g. `booking_id`.
    pub data: Value,
    #[schema(value_type = String)]
    pub status: NotificationStatus,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// When it reached the inbox; later than `created_at` for reminders.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub sent_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub read_at: Option<Timestamp>,
}

impl From<NotificationRow> for Notification {
    fn from(row: NotificationRow) -> Self {
        Notification {
            id: row.id,
            channel: row.channel,
            kind: row.kind,
            title: row.title,
            body: row.body,
            data: row.data.0,
            status: row.status,
            created_at: row.created_at,
            sent_at: row.sent_at,
            read_at: row.read_at,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxParams {
    /// Only unread notifications.
    pub unread: Option<bool>,
    /// The `next_cursor` of the previous page.
    #[param(value_type = Option<crate::constraints::PageCursorText>, inline)]
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<crate::constraints::PageLimit>, inline)]
    pub limit: Option<i64>,
}

/// Your in-app notifications, most recently delivered first.
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "notifications", params(InboxParams), responses((status = 200, body = Page<Notification>)))]
pub async fn list_notifications(
    State(state): State<AppState>,
    auth: Authenticated,
    Query(params): Query<InboxParams>,
) -> Result<Json<Page<Notification>>, ApiError> {
    let input = InboxInput {
        unread: params.unread.unwrap_or(false),
        cursor: params.cursor,
        limit: params.limit,
    };
    let page = inbox::list(&state, &auth, input).await?;
    Ok(Json(Page::of(page, Notification::from)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadCount {
    pub count: i64,
}

/// How many of your in-app notifications are unread.
#[utoipa::path(get, path = "/api/v1/me/notifications/unread-count", tag = "notifications", responses((status = 200, body = UnreadCount)))]
pub async fn unread_count(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<UnreadCount>, ApiError> {
    Ok(Json(UnreadCount {
        count: inbox::unread_count(&state, &auth).await?,
    }))
}

/// Mark one of your notifications read (again: no change).
#[utoipa::path(
    post,
    path = "/api/v1/me/notifications/{id}/read",
    tag = "notifications",
    params(("id" = String, Path, description = "Notification id")),
    responses((status = 200, body = Notification), (status = 404, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn mark_read(
    State(state): State<AppState>,
    auth: Authenticated,
    Ids(id): Ids<Id>,
) -> Result<Json<Notification>, ApiError> {
    let row = inbox::mark_read(&state, &auth, id).await?;
    Ok(Json(Notification::from(row)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedRead {
    /// How many were unread until now.
    pub count: u64,
}

/// Mark all your notifications read.
#[utoipa::path(post, path = "/api/v1/me/notifications/read-all", tag = "notifications", responses((status = 200, body = MarkedRead)))]
pub async fn mark_all_read(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<MarkedRead>, ApiError> {
    let count = inbox::mark_all_read(&state, &auth).await?;
    Ok(Json(MarkedRead { count }))
}

/// Channels per kind of notification: every kind, with `email`, `sms`, `push`
/// and `in_app` each on or off.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationPreferences {
    #[schema(value_type = crate::constraints::PreferencesMatrix, inline, example = json!({"booking.reminder": {"email": true, "sms": false, "push": false, "in_app": true}}))]
    pub preferences: BTreeMap<NotificationKind, BTreeMap<Channel, bool>>,
}

impl From<&Preferences> for NotificationPreferences {
    fn from(preferences: &Preferences) -> Self {
        Self {
            preferences: preferences.matrix(),
        }
    }
}

/// Your channels per kind of notification.
///
/// Defaults: email and in-app on, SMS and push off.
#[utoipa::path(get, path = "/api/v1/me/notification-preferences", tag = "notifications", responses((status = 200, body = NotificationPreferences)))]
pub async fn get_preferences(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<NotificationPreferences>, ApiError> {
    let preferences = inbox::preferences(&state, &auth).await?;
    Ok(Json(NotificationPreferences::from(&preferences)))
}

/// Replace your channel choices.
///
/// Kinds and channels left out take their defaults. SMS needs a phone number on
/// the account; security notices (`account.locked`, `account.password_changed`,
/// `session.new_device`) always reach the inbox.
#[utoipa::path(
    put,
    path = "/api/v1/me/notification-preferences",
    tag = "notifications",
    request_body = NotificationPreferences,
    responses((status = 200, body = NotificationPreferences), (status = 422, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn put_preferences(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Json(body): Json<NotificationPreferences>,
) -> Result<Json<NotificationPreferences>, ApiError> {
    let preferences = inbox::set_preferences(&state, &auth, &meta, &body.preferences).await?;
    Ok(Json(NotificationPreferences::from(&preferences)))
}
