//! The notifications outbox as operators see it: what was sent, what is
//! waiting, what failed and why, and sending a failed one again.

use axum::extract::{Query, State};
use medicaledu_app::outbox::{self, OutboxInput, RetryError};
use medicaledu_domain::{Channel, Id, NotificationKind, NotificationStatus, Timestamp};
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

crate::problem::problems!(RetryError);

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_outbox))
        .routes(routes!(retry_notification))
}

crate::problem::problem_codes! {
    list_outbox => Answers::route().signed_in().query().failure::<medicaledu_app::ReadError>(),
    retry_notification => Answers::route().signed_in_write().path_ids().failure::<RetryError>(),
}

/// One notification on one channel, with its delivery record.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxNotification {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    #[schema(value_type = String, format = Uuid)]
    pub user_id: Id,
    /// `email`, `sms`, `push` or `in_app`.
    #[schema(value_type = String)]
    pub channel: Channel,
    #[schema(value_type = String)]
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
    pub data: Value,
    /// `queued`, `sending`, `sent`, `failed` or `cancelled`.
    #[schema(value_type = String)]
    pub status: NotificationStatus,
    pub attempts: i64,
    /// Why the last attempt failed, or why it was cancelled.
    pub last_error: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub send_after: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub sent_at: Option<Timestamp>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<NotificationRow> for OutboxNotification {
    fn from(row: NotificationRow) -> Self {
        Self {
            id: row.id,
            user_id: row.user_id,
            channel: row.channel,
            kind: row.kind,
            title: row.title,
            body: row.body,
            data: row.data.0,
            status: row.status,
            attempts: row.attempts,
            last_error: row.last_error,
            send_after: row.send_after,
            expires_at: row.expires_at,
            sent_at: row.sent_at,
            created_at: row.created_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxParams {
    /// `queued`, `sending`, `sent`, `failed` or `cancelled`.
    #[param(value_type = Option<crate::constraints::NotificationStatusText>, inline)]
    pub status: Option<String>,
    /// `email`, `sms`, `push` or `in_app`.
    #[param(value_type = Option<crate::constraints::ChannelText>, inline)]
    pub channel: Option<String>,
    /// e.g. `booking.reminder`.
    #[param(value_type = Option<crate::constraints::NotificationKindText>, inline)]
    pub kind: Option<String>,
    #[param(value_type = Option<crate::constraints::UuidText>, inline)]
    pub user_id: Option<String>,
    /// The `next_cursor` of the previous page.
    #[param(value_type = Option<crate::constraints::PageCursorText>, inline)]
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<crate::constraints::PageLimit>, inline)]
    pub limit: Option<i64>,
}

/// Notifications on every channel, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/admin/notifications",
    tag = "admin",
    params(OutboxParams),
    responses((status = 200, body = Page<OutboxNotification>), (status = 403, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn list_outbox(
    State(state): State<AppState>,
    auth: Authenticated,
    Query(params): Query<OutboxParams>,
) -> Result<Json<Page<OutboxNotification>>, ApiError> {
    let input = OutboxInput {
        status: params.status,
        channel: params.channel,
        kind: params.kind,
        user_id: params.user_id,
        cursor: params.cursor,
        limit: params.limit,
    };
    let page = outbox::list(&state, &auth, input).await?;
    Ok(Json(Page::of(page, OutboxNotification::from)))
}

/// Send a failed notification again.
///
/// It gets a fresh set of attempts: for after fixing what made it fail, such
/// as the SMTP settings.
#[utoipa::path(
    post,
    path = "/api/v1/admin/notifications/{id}/retry",
    tag = "admin",
    params(("id" = String, Path, description = "Notification id")),
    responses(
        (status = 200, body = OutboxNotification),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::Problem, content_type = "application/problem+json")
    )
)]
pub async fn retry_notification(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(id): Ids<Id>,
) -> Result<Json<OutboxNotification>, ApiError> {
    let row = outbox::retry(&state, &auth, &meta, id).await?;
    Ok(Json(OutboxNotification::from(row)))
}
