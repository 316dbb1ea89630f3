//! Signing in and out, and the caller's list of sessions.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use medicaledu_domain::{Id, NotificationKind, Timestamp};
use medicaledu_domain::{LockoutPolicy, SessionToken};
use medicaledu_store::audit::{self, AuditEvent};
use medicaledu_store::sessions::{self, NewSession, SessionRow};
use medicaledu_store::users;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::verify_password;
use crate::auth::{Authenticated, Meta, clear_session_cookie, session_cookie};
use crate::users::User;
use crate::validate::Fields;
use crate::{ApiError, AppState, Json};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(logout))
        .routes(routes!(list_sessions))
        .routes(routes!(revoke_session))
}

/// Login is rate limited per client IP, so it is mounted separately.
pub fn public_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(login))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// The session token, shown once: send it as `Authorization: Bearer …`.
    /// Browsers also receive it as an HttpOnly cookie.
    pub token: String,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
    pub user: User,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Session {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub last_seen_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
    /// True for the session making this request.
    pub current: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    pub items: Vec<Session>,
    pub next_cursor: Option<String>,
}

/// Wrong email and wrong password get exactly this answer.
fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "The email or password is incorrect.",
    )
}

fn locked(locked_until: Timestamp, now: Timestamp) -> ApiError {
    let retry_after =
        LockoutPolicy::retry_after_seconds(Some(*locked_until.as_datetime()), *now.as_datetime());
    ApiError::new(
        StatusCode::LOCKED,
        "account_locked",
        "Too many failed sign-in attempts: the account is locked for a while.",
    )
    .with_header(header::RETRY_AFTER, HeaderValue::from(retry_after))
}

/// Sign in with email and password.
///
/// After too many consecutive failures the account is locked for a while (423
/// with `Retry-After`), even for the right password.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "sessions",
    request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, description = "Wrong email or password", body = crate::Problem, content_type = "application/problem+json"),
        (status = 423, description = "Locked after failed attempts", body = crate::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts from this address", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Json(body): Json<LoginRequest>,
) -> Result<Response, ApiError> {
    let mut fields = Fields::default();
    if body.email.trim().is_empty() {
        fields.reject("email", "required", "must not be empty");
    }
    if body.password.is_empty() {
        fields.reject("password", "required", "must not be empty");
    }
    fields.finish()?;

    let user = users::find_live_by_email(&state.db, body.email.trim()).await?;
    let now = Timestamp::now();
    if let Some(locked_until) = user
        .as_ref()
        .and_then(|u| u.locked_until)
        .filter(|until| *until > now)
    {
        return Err(locked(locked_until, now));
    }
    let valid = verify_password(
        &state.hasher,
        &body.password,
        user.as_ref().map(|u| u.password_hash.as_str()),
    )
    .await;
    let Some(user) = user else {
        return Err(invalid_credentials());
    };
    let policy = &state.settings.lockout;
    if !valid {
        let mut tx = state.db.begin_write().await?;
        let lock_until = Timestamp::from(*now.as_datetime() + policy.lock_duration);
        let failed = users::record_failed_login(
            &mut tx,
            user.id,
            i64::from(policy.max_failed_attempts),
            lock_until,
            now,
        )
        .await?;
        let just_locked = failed.locked_until == Some(lock_until);
        audit::record(
            &mut tx,
            &meta,
            now,
            AuditEvent {
                actor_id: None,
                action: if just_locked { "user.locked" } else { "user.login_failed" },
                entity_type: "user",
                entity_id: Some(user.id),
                changes: json!({ "failed_login_attempts": failed.failed_login_attempts, "locked_until": failed.locked_until }),
            },
        )
        .await?;
        if just_locked {
            account_notice(
                &mut tx,
                user.id,
                NotificationKind::AccountLocked,
                "Account locked",
                "Too many failed sign-in attempts: your account is locked for a while. If this was not you, change your password once you are back in.".into(),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        return Err(if just_locked {
            locked(lock_until, now)
        } else {
            invalid_credentials()
        });
    }
    if user.status != medicaledu_domain::UserStatus::Active {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "account_suspended",
            "This account is suspended. Contact an administrator.",
        ));
    }

    let token = SessionToken::generate();
    let expires_at = Timestamp::from(*now.as_datetime() + state.settings.session_ttl);
    let idle_expires_at = Timestamp::from(
        *now.as_datetime()
            + state
                .settings
                .session_idle_ttl
                .min(state.settings.session_ttl),
    );
    let session_id = Id::generate();
    let mut tx = state.db.begin_write().await?;
    users::record_successful_login(&mut tx, user.id, now).await?;
    let user_agent = meta.user_agent.as_deref().unwrap_or("");
    let first_session = user.last_login_at.is_none();
    if !first_session && !sessions::seen_user_agent(&mut tx, user.id, user_agent).await? {
        account_notice(
            &mut tx,
            user.id,
            NotificationKind::NewDevice,
            "New sign-in",
            format!(
                "Your account was signed in from a new device ({}). If this was not you, change your password.",
                if user_agent.is_empty() { "unknown browser" } else { user_agent }
            ),
            now,
        )
        .await?;
    }
    sessions::insert(
        &mut tx,
        &NewSession {
            id: session_id,
            user_id: user.id,
            token_hash: &token.hash(),
            ip_address: meta.ip_address.as_deref(),
            user_agent: meta.user_agent.as_deref(),
            now,
            idle_expires_at,
            expires_at,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        &meta,
        now,
        AuditEvent {
            actor_id: Some(user.id),
            action: "session.created",
            entity_type: "session",
            entity_id: Some(session_id),
            changes: json!({ "ip_address": meta.ip_address, "user_agent": meta.user_agent }),
        },
    )
    .await?;
    tx.commit().await?;

    let max_age = (*expires_at.as_datetime() - *now.as_datetime()).num_seconds();
    let cookie = HeaderValue::try_from(session_cookie(
        token.expose(),
        max_age,
        state.settings.cookie_secure,
    ))
    .map_err(ApiError::internal)?;
    let body = LoginResponse {
        token: token.expose().to_owned(),
        expires_at,
        user: User::from(user),
    };
    Ok((
        [
            (header::SET_COOKIE, cookie),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        Json(body),
    )
        .into_response())
}

/// A notice about the account's security, in the change's transaction.
pub(crate) async fn account_notice(
    tx: &mut medicaledu_store::Tx,
    user_id: Id,
    kind: NotificationKind,
    title: &str,
    body: String,
    now: Timestamp,
) -> Result<(), ApiError> {
    let notice = medicaledu_app::notify::Notice {
        kind,
        title: title.to_owned(),
        body,
        data: json!({}),
    };
    medicaledu_app::notify::send(tx, user_id, &notice, now)
        .await
        .map_err(ApiError::from)
}

/// Sign out of the current session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "sessions", responses((status = 204, description = "Signed out")))]
pub async fn logout(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
) -> Result<Response, ApiError> {
    revoke(&state, &auth, auth.session_id, &meta).await?;
    let cookie = HeaderValue::try_from(clear_session_cookie(state.settings.cookie_secure))
        .map_err(ApiError::internal)?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

/// The signed-in account's live sessions, newest first; `current` marks this one.
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "sessions", responses((status = 200, body = SessionList)))]
pub async fn list_sessions(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<SessionList>, ApiError> {
    let rows = sessions::list_live(&state.db, auth.user.id, Timestamp::now()).await?;
    let items = rows
        .into_iter()
        .map(|row| view(row, auth.session_id))
        .collect();
    Ok(Json(SessionList {
        items,
        next_cursor: None,
    }))
}

/// Sign out one of your own sessions (for example a lost device).
#[utoipa::path(
    delete,
    path = "/api/v1/me/sessions/{id}",
    tag = "sessions",
    params(("id" = String, Path, description = "Session id")),
    responses((status = 204, description = "Revoked"), (status = 404, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn revoke_session(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: Id = id.parse().map_err(|_| ApiError::not_found("Session"))?;
    revoke(&state, &auth, id, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn revoke(
    state: &AppState,
    auth: &Authenticated,
    id: Id,
    meta: &medicaledu_store::audit::RequestMeta,
) -> Result<(), ApiError> {
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    if !sessions::revoke(&mut tx, id, auth.user.id, now).await? {
        return Err(ApiError::not_found("Session"));
    }
    audit::record(
        &mut tx,
        meta,
        now,
        AuditEvent {
            actor_id: Some(auth.user.id),
            action: "session.revoked",
            entity_type: "session",
            entity_id: Some(id),
            changes: json!({ "revoked_at": now }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn view(row: SessionRow, current: Id) -> Session {
    Session {
        current: row.id == current,
        id: row.id,
        ip_address: row.ip_address,
        user_agent: row.user_agent,
        created_at: row.created_at,
        last_seen_at: row.last_seen_at,
        expires_at: row.expires_at,
    }
}
