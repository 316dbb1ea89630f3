//! Administration of accounts and the audit log. Every route here needs an
//! administrator.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use medicaledu_app::admin::{self, AuditListInput, UpdateUserInput, UserListInput};
use medicaledu_domain::{Id, Timestamp};
use medicaledu_store::audit::AuditLogRow;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, Meta};
use crate::pagination::Page;
use crate::problem::Answers;
use crate::users::AdminUser;
use crate::{ApiError, AppState, Ids, Json};

crate::problem::problems!(admin::UpdateUserError);

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users))
        .routes(routes!(update_user))
        .routes(routes!(unlock_user))
        .routes(routes!(list_audit_logs))
}

crate::problem::problem_codes! {
    list_users => Answers::route().signed_in().query().failure::<medicaledu_app::ReadError>(),
    update_user => Answers::route()
        .signed_in_write()
        .path_ids()
        .json_body()
        .failure::<admin::UpdateUserError>(),
    unlock_user => Answers::route().signed_in_write().path_ids().failure::<medicaledu_app::ReadError>(),
    list_audit_logs => Answers::route().signed_in().query().failure::<medicaledu_app::ReadError>(),
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListParams {
    /// `student`, `instructor` or `admin`.
    #[param(value_type = Option<crate::constraints::RoleText>, inline)]
    pub role: Option<String>,
    /// `active` or `suspended`.
    #[param(value_type = Option<crate::constraints::UserStatusText>, inline)]
    pub status: Option<String>,
    /// Part of the email or name, any case.
    pub q: Option<String>,
    /// The `next_cursor` of the previous page.
    #[param(value_type = Option<crate::constraints::PageCursorText>, inline)]
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<crate::constraints::PageLimit>, inline)]
    pub limit: Option<i64>,
}

/// Accounts, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/admin/users",
    tag = "admin",
    params(UserListParams),
    responses((status = 200, body = Page<AdminUser>), (status = 403, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn list_users(
    State(state): State<AppState>,
    auth: Authenticated,
    Query(params): Query<UserListParams>,
) -> Result<Json<Page<AdminUser>>, ApiError> {
    let input = UserListInput {
        role: params.role,
        status: params.status,
        q: params.q,
        cursor: params.cursor,
        limit: params.limit,
    };
    let page = admin::list_users(&state, &auth, input).await?;
    Ok(Json(Page::of(page, AdminUser::from)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    /// `student`, `instructor` or `admin`.
    #[schema(value_type = Option<crate::constraints::RoleText>, inline)]
    pub role: Option<String>,
    /// `active` or `suspended`; suspending signs the account out everywhere.
    #[schema(value_type = Option<crate::constraints::UserStatusText>, inline)]
    pub status: Option<String>,
}

/// Change an account's role or status.
#[utoipa::path(
    patch,
    path = "/api/v1/admin/users/{id}",
    tag = "admin",
    params(("id" = String, Path, description = "User id")),
    request_body = UpdateUserRequest,
    responses((status = 200, body = AdminUser), (status = 404, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn update_user(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(id): Ids<Id>,
    Json(body): Json<UpdateUserRequest>,
) -> Result<Json<AdminUser>, ApiError> {
    let input = UpdateUserInput {
        role: body.role,
        status: body.status,
    };
    let user = admin::update_user(&state, &auth, &meta, id, input).await?;
    Ok(Json(AdminUser::from(user)))
}

/// Lift a lock left by failed sign-in attempts and reset the counter.
#[utoipa::path(
    post,
    path = "/api/v1/admin/users/{id}/unlock",
    tag = "admin",
    params(("id" = String, Path, description = "User id")),
    responses((status = 204, description = "Unlocked"), (status = 404, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn unlock_user(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(id): Ids<Id>,
) -> Result<StatusCode, ApiError> {
    admin::unlock_user(&state, &auth, &meta, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditListParams {
    #[param(value_type = Option<crate::constraints::UuidText>, inline)]
    pub actor_id: Option<String>,
    /// e.g. `user`, `session`, `booking`.
    pub entity_type: Option<String>,
    #[param(value_type = Option<crate::constraints::UuidText>, inline)]
    pub entity_id: Option<String>,
    /// e.g. `user.locked`.
    pub action: Option<String>,
    /// RFC 3339; entries at or after.
    #[param(value_type = Option<crate::constraints::InstantText>, inline)]
    pub from: Option<String>,
    /// RFC 3339; entries before.
    #[param(value_type = Option<crate::constraints::InstantText>, inline)]
    pub to: Option<String>,
    /// The `next_cursor` of the previous page.
    #[param(value_type = Option<crate::constraints::PageCursorText>, inline)]
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<crate::constraints::PageLimit>, inline)]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditLog {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub actor_id: Option<Id>,
    pub action: String,
    pub entity_type: String,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub entity_id: Option<Id>,
    pub changes: Value,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<AuditLogRow> for AuditLog {
    fn from(row: AuditLogRow) -> Self {
        AuditLog {
            id: row.id,
            actor_id: row.actor_id,
            action: row.action,
            entity_type: row.entity_type,
            entity_id: row.entity_id,
            changes: row.changes.0,
            ip_address: row.ip_address,
            user_agent: row.user_agent,
            request_id: row.request_id,
            created_at: row.created_at,
        }
    }
}

/// The audit log, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/admin/audit-logs",
    tag = "admin",
    params(AuditListParams),
    responses((status = 200, body = Page<AuditLog>), (status = 403, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn list_audit_logs(
    State(state): State<AppState>,
    auth: Authenticated,
    Query(params): Query<AuditListParams>,
) -> Result<Json<Page<AuditLog>>, ApiError> {
    let input = AuditListInput {
        actor_id: params.actor_id,
        entity_type: params.entity_type,
        entity_id: params.entity_id,
        action: params.action,
        from: params.from,
        to: params.to,
        cursor: params.cursor,
        limit: params.limit,
    };
    let page = admin::list_audit_logs(&state, &auth, input).await?;
    Ok(Json(Page::of(page, AuditLog::from)))
}
