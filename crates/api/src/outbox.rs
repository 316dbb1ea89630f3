//! The notifications outbox as operators see it: what was sent, what is
//! waiting, what failed and why, and sending a failed one again.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use medicaledu_domain::{Channel, Id, NotificationKind, NotificationStatus, Timestamp};
use medicaledu_store::notifications::{self, NotificationRow, OutboxFilter};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, Meta};
use crate::pagination::{Page, PageParams, page};
use crate::validate::Fields;
use crate::{ApiError, AppState, Json};
use medicaledu_app::audit::Change;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_outbox))
        .routes(routes!(retry_notification))
}

/// One notification on one channel, with its delivery record.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxNotification {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    #[schema(value_type = String, format = Uuid)]
    pub user_id: Id,
    /// `email`, `sms`, `push` or `in_app`.
    pub channel: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub data: Value,
    /// `queued`, `sending`, `sent`, `failed` or `cancelled`.
    pub status: String,
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
pub struct OutboxParams {
    /// `queued`, `sending`, `sent`, `failed` or `cancelled`.
    pub status: Option<String>,
    /// `email`, `sms`, `push` or `in_app`.
    pub channel: Option<String>,
    /// e.g. `booking.reminder`.
    pub kind: Option<String>,
    pub user_id: Option<String>,
    pub cursor: Option<String>,
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
    auth.require_admin()?;
    let mut fields = Fields::default();
    if let Some(status) = &params.status {
        fields.check("status", status.parse::<NotificationStatus>());
    }
    if let Some(channel) = &params.channel {
        fields.check("channel", channel.parse::<Channel>());
    }
    if let Some(kind) = &params.kind {
        fields.check("kind", kind.parse::<NotificationKind>());
    }
    let user_id = params.user_id.as_deref().and_then(|id| {
        fields.check(
            "user_id",
            id.parse::<Id>()
                .map_err(|_| medicaledu_domain::FieldIssue::invalid("must be a user id")),
        )
    });
    fields.finish()?;
    let paging = PageParams {
        cursor: params.cursor,
        limit: params.limit,
    };
    let limit = paging.limit()?;
    let filter = OutboxFilter {
        status: params.status,
        channel: params.channel,
        kind: params.kind,
        user_id,
        before: paging.after()?,
        limit: limit + 1,
    };
    let rows = notifications::outbox(&state.db, &filter).await?;
    Ok(Json(page(
        rows,
        limit,
        |r| (r.created_at, r.id),
        OutboxNotification::from,
    )))
}

/// Send a failed notification again, with a fresh set of attempts (after
/// fixing what made it fail, such as the SMTP settings).
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
    Path(id): Path<String>,
) -> Result<Json<OutboxNotification>, ApiError> {
    auth.require_admin()?;
    let id: Id = id
        .parse()
        .map_err(|_| ApiError::not_found("Notification"))?;
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    let Some(row) = notifications::requeue(&mut tx, id, now).await? else {
        drop(tx);
        return Err(match notifications::find(&state.db, id).await? {
            None => ApiError::not_found("Notification"),
            Some(row) if row.status == "failed" => ApiError::new(
                StatusCode::CONFLICT,
                "notification_expired",
                "It is too late for this notification to be of use.",
            ),
            Some(row) => ApiError::new(
                StatusCode::CONFLICT,
                "notification_not_failed",
                format!(
                    "Only failed notifications are sent again; this one is {}.",
                    row.status
                ),
            ),
        });
    };
    medicaledu_app::audit::record(
        &mut tx,
        &meta,
        now,
        Change {
            actor: Some(auth.user.id),
            action: "notification.retried",
            entity_type: "notification",
            entity_id: row.id,
            changes: json!({ "status": { "before": "failed", "after": "queued" } }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(OutboxNotification::from(row)))
}
