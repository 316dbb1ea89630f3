//! Administration of accounts and the audit log. Every route here needs an
//! administrator.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use medicaledu_domain::{Id, Timestamp};
use medicaledu_domain::{Role, UserStatus};
use medicaledu_store::audit::{self, AuditEvent, AuditFilter, AuditLogRow};
use medicaledu_store::sessions;
use medicaledu_store::users::{self, UserFilter};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::profile_diff;
use crate::auth::{Authenticated, Meta};
use crate::pagination::{Page, PageParams, page};
use crate::users::AdminUser;
use crate::validate::Fields;
use crate::{ApiError, AppState, FieldError, Json};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users))
        .routes(routes!(update_user))
        .routes(routes!(unlock_user))
        .routes(routes!(list_audit_logs))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct UserListParams {
    /// `student`, `instructor` or `admin`.
    pub role: Option<String>,
    /// `active` or `suspended`.
    pub status: Option<String>,
    /// Part of the email or name, any case.
    pub q: Option<String>,
    pub cursor: Option<String>,
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
    auth.require_admin()?;
    let mut fields = Fields::default();
    let role = params.role.as_deref().and_then(|role| {
        fields.check(
            "role",
            role.parse::<Role>()
                .map_err(|_| invalid_choice("student, instructor or admin")),
        )
    });
    let status = params.status.as_deref().and_then(|status| {
        fields.check(
            "status",
            status
                .parse::<UserStatus>()
                .map_err(|_| invalid_choice("active or suspended")),
        )
    });
    fields.finish()?;
    let paging = PageParams {
        cursor: params.cursor,
        limit: params.limit,
    };
    let limit = paging.limit()?;
    let filter = UserFilter {
        role,
        status,
        query: params.q.filter(|q| !q.trim().is_empty()),
        before: paging.after()?,
        limit: limit + 1,
    };
    let rows = users::list(&state.db, &filter).await?;
    Ok(Json(page(
        rows,
        limit,
        |r| (r.created_at, r.id),
        AdminUser::from,
    )))
}

fn invalid_choice(choices: &str) -> medicaledu_domain::FieldIssue {
    medicaledu_domain::FieldIssue::invalid(format!("must be one of {choices}"))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    /// `student`, `instructor` or `admin`.
    pub role: Option<String>,
    /// `active` or `suspended`; suspending signs the account out everywhere.
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
    Path(id): Path<String>,
    Json(body): Json<UpdateUserRequest>,
) -> Result<Json<AdminUser>, ApiError> {
    auth.require_admin()?;
    let id: Id = id.parse().map_err(|_| ApiError::not_found("User"))?;
    let mut fields = Fields::default();
    let role = body.role.as_deref().and_then(|r| {
        fields.check(
            "role",
            r.parse::<Role>()
                .map_err(|_| invalid_choice("student, instructor or admin")),
        )
    });
    let status = body.status.as_deref().and_then(|s| {
        fields.check(
            "status",
            s.parse::<UserStatus>()
                .map_err(|_| invalid_choice("active or suspended")),
        )
    });
    if id == auth.user.id
        && (role.is_some_and(|r| r != Role::Admin) || status == Some(UserStatus::Suspended))
    {
        // An administrator locking themselves out could leave nobody in charge.
        fields.reject(
            "role",
            "self_demotion",
            "administrators cannot demote or suspend themselves",
        );
    }
    fields.finish()?;

    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    let before = users::find_live_by_id_tx(&mut tx, id)
        .await?
        .ok_or_else(|| ApiError::not_found("User"))?;
    let after = users::set_role_and_status(&mut tx, id, role, status, now)
        .await?
        .ok_or_else(|| ApiError::not_found("User"))?;
    let mut changes = profile_diff(&before, &after);
    if status == Some(UserStatus::Suspended) {
        let revoked = sessions::revoke_all(&mut tx, id, None, now).await?;
        changes.insert("sessions_revoked".into(), json!(revoked));
    }
    if !changes.is_empty() {
        let action = if before.status != after.status && after.status == UserStatus::Suspended {
            "user.suspended"
        } else {
            "user.updated"
        };
        audit::record(
            &mut tx,
            &meta,
            now,
            AuditEvent {
                actor_id: Some(auth.user.id),
                action,
                entity_type: "user",
                entity_id: Some(id),
                changes: Value::Object(changes),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Json(AdminUser::from(after)))
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
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    auth.require_admin()?;
    let id: Id = id.parse().map_err(|_| ApiError::not_found("User"))?;
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    let before = users::find_live_by_id_tx(&mut tx, id)
        .await?
        .ok_or_else(|| ApiError::not_found("User"))?;
    users::unlock(&mut tx, id, now).await?;
    audit::record(
        &mut tx,
        &meta,
        now,
        AuditEvent {
            actor_id: Some(auth.user.id),
            action: "user.unlocked",
            entity_type: "user",
            entity_id: Some(id),
            changes: json!({
                "failed_login_attempts": { "before": before.failed_login_attempts, "after": 0 },
                "locked_until": { "before": before.locked_until, "after": null },
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditListParams {
    pub actor_id: Option<String>,
    /// e.g. `user`, `session`, `booking`.
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    /// e.g. `user.locked`.
    pub action: Option<String>,
    /// RFC 3339; entries at or after.
    pub from: Option<String>,
    /// RFC 3339; entries before.
    pub to: Option<String>,
    pub cursor: Option<String>,
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
    auth.require_admin()?;
    let mut errors = Vec::new();
    let mut id_param = |name: &str, value: &Option<String>| {
        value.as_deref().and_then(|v| {
            v.parse::<Id>()
                .map_err(|_| errors.push(FieldError::new(name, "invalid", "must be a UUID")))
                .ok()
        })
    };
    let actor_id = id_param("actor_id", &params.actor_id);
    let entity_id = id_param("entity_id", &params.entity_id);
    let mut time_param = |name: &str, value: &Option<String>| {
        value.as_deref().and_then(|v| {
            Timestamp::parse_rfc3339(v)
                .map_err(|_| {
                    errors.push(FieldError::new(
                        name,
                        "invalid",
                        "must be an RFC 3339 timestamp",
                    ))
                })
                .ok()
        })
    };
    let from = time_param("from", &params.from);
    let to = time_param("to", &params.to);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let paging = PageParams {
        cursor: params.cursor,
        limit: params.limit,
    };
    let limit = paging.limit()?;
    let filter = AuditFilter {
        actor_id,
        entity_type: params.entity_type,
        entity_id,
        action: params.action,
        from,
        to,
        before: paging.after()?,
        limit: limit + 1,
    };
    let rows = audit::list(&state.db, &filter).await?;
    Ok(Json(page(
        rows,
        limit,
        |r| (r.created_at, r.id),
        AuditLog::from,
    )))
}
