//! Accounts: registration, the caller's own profile, password changes and
//! account deletion.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use medicaledu_domain::{
    Bio, Credentials, Email, FullName, Headline, Locale, Password, PasswordHasher, Phone, Role,
    Specialty, TimeZone,
};
use medicaledu_domain::{Id, Timestamp};
use medicaledu_store::audit::{self, AuditEvent, RequestMeta};
use medicaledu_store::users::{self, InsertUserError, NewUser, ProfileChanges, UserRow};
use medicaledu_store::{Db, sessions};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, Meta, clear_session_cookie};
use crate::users::User;
use crate::validate::{Fields, nullable};
use crate::{ApiError, AppState, Json};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_me, update_me, delete_me))
        .routes(routes!(change_password))
}

/// Registration is rate limited per client IP, so it is mounted separately.
pub fn public_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(register))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    pub email: String,
    /// 12 to 256 characters, not a common password.
    pub password: String,
    pub full_name: String,
    /// `student` or `instructor`.
    pub role: String,
    /// IANA time zone; default `UTC`.
    pub timezone: Option<String>,
}

/// A new account, checked and ready to store.
pub struct NewAccount {
    pub email: Email,
    pub password: Password,
    pub full_name: FullName,
    pub role: Role,
    pub timezone: TimeZone,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateAccountError {
    #[error("a live account already uses this email")]
    EmailTaken,
    #[error("could not hash the password")]
    Hash(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<CreateAccountError> for ApiError {
    fn from(e: CreateAccountError) -> Self {
        match e {
            CreateAccountError::EmailTaken => {
                ApiError::conflict("email_taken", "An account with this email already exists.")
            }
            other => ApiError::internal(other),
        }
    }
}

/// Who opens an account, for the audit log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreatedBy {
    /// Sign-up through the API: `user.registered`, by the new user.
    SelfRegistration,
    /// `medicaledu admin create-user`: `user.created`, by the system.
    Operator,
}

/// Stores a new account with its audit entry in one transaction. Shared by
/// sign-up and the operator's `medicaledu admin create-user`.
pub async fn create_account(
    db: &Db,
    hasher: &PasswordHasher,
    account: NewAccount,
    created_by: CreatedBy,
    meta: &RequestMeta,
) -> Result<UserRow, CreateAccountError> {
    let password_hash = hash_password(hasher, account.password)
        .await
        .map_err(CreateAccountError::Hash)?;
    let now = Timestamp::now();
    let id = Id::generate();
    let mut tx = db.begin_write().await?;
    let user = users::insert(
        &mut tx,
        &NewUser {
            id,
            email: account.email.as_str(),
            password_hash: &password_hash,
            full_name: account.full_name.as_str(),
            role: account.role,
            timezone: account.timezone.as_str(),
            locale: "en",
            now,
        },
    )
    .await
    .map_err(|e| match e {
        InsertUserError::EmailTaken => CreateAccountError::EmailTaken,
        InsertUserError::Database(e) => CreateAccountError::Database(e),
    })?;
    let (actor_id, action) = match created_by {
        CreatedBy::SelfRegistration => (Some(id), "user.registered"),
        CreatedBy::Operator => (None, "user.created"),
    };
    audit::record(
        &mut tx,
        meta,
        now,
        AuditEvent {
            actor_id,
            action,
            entity_type: "user",
            entity_id: Some(id),
            changes: json!({ "email": user.email, "role": user.role, "full_name": user.full_name }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// Argon2 is deliberately slow; it runs off the async workers.
pub(crate) async fn hash_password(
    hasher: &PasswordHasher,
    password: Password,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let hasher = hasher.clone();
    Ok(tokio::task::spawn_blocking(move || hasher.hash(&password)).await??)
}

pub(crate) async fn verify_password(
    hasher: &PasswordHasher,
    candidate: &str,
    phc: Option<&str>,
) -> bool {
    let hasher = hasher.clone();
    let candidate = candidate.to_owned();
    let phc = phc.map(str::to_owned);
    tokio::task::spawn_blocking(move || match phc {
        Some(phc) => hasher.verify(&candidate, &phc),
        None => {
            hasher.dummy_verify(&candidate);
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// Create a student or instructor account.
#[utoipa::path(
    post,
    path = "/api/v1/auth/register",
    tag = "accounts",
    request_body = RegisterRequest,
    responses(
        (status = 201, body = User),
        (status = 409, description = "The email is taken", body = crate::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = crate::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts from this address", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn register(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Json(body): Json<RegisterRequest>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let mut fields = Fields::default();
    let email = fields.check("email", Email::parse(&body.email));
    let password = fields.check("password", Password::parse(&body.password));
    let full_name = fields.check("full_name", FullName::parse(&body.full_name));
    let role = match body.role.parse::<Role>() {
        Ok(role) if role.self_registrable() => Some(role),
        _ => {
            fields.reject("role", "invalid", "must be `student` or `instructor`");
            None
        }
    };
    let timezone = match &body.timezone {
        Some(tz) => fields.check("timezone", TimeZone::parse(tz)),
        None => Some(TimeZone::utc()),
    };
    fields.finish()?;
    let (Some(email), Some(password), Some(full_name), Some(role), Some(timezone)) =
        (email, password, full_name, role, timezone)
    else {
        return Err(ApiError::internal("validated fields missing"));
    };
    let account = NewAccount {
        email,
        password,
        full_name,
        role,
        timezone,
    };
    let user = create_account(
        &state.db,
        &state.hasher,
        account,
        CreatedBy::SelfRegistration,
        &meta,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(User::from(user))))
}

/// The signed-in account.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "accounts",
    responses((status = 200, body = User), (status = 401, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn get_me(auth: Authenticated) -> Json<User> {
    Json(User::from(auth.0.user))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeRequest {
    pub full_name: Option<String>,
    /// E.164; `null` removes it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// IANA time zone.
    pub timezone: Option<String>,
    /// e.g. `en` or `pt-BR`.
    pub locale: Option<String>,
    /// Instructors only; `null` removes it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub headline: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub bio: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub specialty: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub credentials: Option<Option<String>>,
}

/// Change the signed-in account's profile. Absent fields stay as they are.
#[utoipa::path(
    patch,
    path = "/api/v1/me",
    tag = "accounts",
    request_body = UpdateMeRequest,
    responses((status = 200, body = User), (status = 422, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn update_me(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Json(body): Json<UpdateMeRequest>,
) -> Result<Json<User>, ApiError> {
    let mut fields = Fields::default();
    let mut changes = ProfileChanges {
        full_name: body
            .full_name
            .as_deref()
            .and_then(|v| fields.check("full_name", FullName::parse(v)))
            .map(|v| v.as_str().to_owned()),
        phone: body.phone.as_ref().map(|phone| match phone {
            Some(p) => fields
                .check("phone", Phone::parse(p))
                .map(|p| p.as_str().to_owned()),
            None => None,
        }),
        timezone: body
            .timezone
            .as_deref()
            .and_then(|v| fields.check("timezone", TimeZone::parse(v)))
            .map(|v| v.as_str().to_owned()),
        locale: body
            .locale
            .as_deref()
            .and_then(|v| fields.check("locale", Locale::parse(v)))
            .map(|v| v.as_str().to_owned()),
        ..ProfileChanges::default()
    };
    let is_instructor = auth.user.role == Role::Instructor;
    let mut profile = |name: &str,
                       value: &Option<Option<String>>,
                       parse: &dyn Fn(&str) -> Result<Option<String>, _>| {
        let value = value.as_ref()?;
        if !is_instructor {
            fields.reject(
                name,
                "not_allowed",
                "only instructors have a professional profile",
            );
            return None;
        }
        match value {
            Some(text) => fields.check(name, parse(text)),
            None => Some(None),
        }
    };
    changes.headline = profile("headline", &body.headline, &|v| {
        Headline::parse(v).map(|o| o.map(|h| h.as_str().to_owned()))
    });
    changes.bio = profile("bio", &body.bio, &|v| {
        Bio::parse(v).map(|o| o.map(|h| h.as_str().to_owned()))
    });
    changes.specialty = profile("specialty", &body.specialty, &|v| {
        Specialty::parse(v).map(|o| o.map(|h| h.as_str().to_owned()))
    });
    changes.credentials = profile("credentials", &body.credentials, &|v| {
        Credentials::parse(v).map(|o| o.map(|h| h.as_str().to_owned()))
    });
    fields.finish()?;

    let before = auth.0.user;
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    let after = users::update_profile(&mut tx, before.id, &changes, now)
        .await?
        .ok_or_else(|| ApiError::not_found("Account"))?;
    let diff = profile_diff(&before, &after);
    if !diff.is_empty() {
        audit::record(
            &mut tx,
            &meta,
            now,
            AuditEvent {
                actor_id: Some(before.id),
                action: "user.updated",
                entity_type: "user",
                entity_id: Some(before.id),
                changes: Value::Object(diff),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Json(User::from(after)))
}

/// `{"field": {"before": …, "after": …}}` for each profile field that changed.
pub(crate) fn profile_diff(before: &UserRow, after: &UserRow) -> Map<String, Value> {
    let pairs: [(&str, Value, Value); 10] = [
        ("full_name", json!(before.full_name), json!(after.full_name)),
        ("phone", json!(before.phone), json!(after.phone)),
        ("timezone", json!(before.timezone), json!(after.timezone)),
        ("locale", json!(before.locale), json!(after.locale)),
        ("headline", json!(before.headline), json!(after.headline)),
        ("bio", json!(before.bio), json!(after.bio)),
        ("specialty", json!(before.specialty), json!(after.specialty)),
        (
            "credentials",
            json!(before.credentials),
            json!(after.credentials),
        ),
        ("role", json!(before.role), json!(after.role)),
        ("status", json!(before.status), json!(after.status)),
    ];
    pairs
        .into_iter()
        .filter(|(_, b, a)| b != a)
        .map(|(name, b, a)| (name.to_owned(), json!({ "before": b, "after": a })))
        .collect()
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// Change the password. Every other session of the account is signed out.
#[utoipa::path(
    post,
    path = "/api/v1/me/password",
    tag = "accounts",
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed"),
        (status = 422, description = "Wrong current password or weak new one", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn change_password(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Json(body): Json<ChangePasswordRequest>,
) -> Result<StatusCode, ApiError> {
    let mut fields = Fields::default();
    let new_password = fields.check("new_password", Password::parse(&body.new_password));
    if !verify_password(
        &state.hasher,
        &body.current_password,
        Some(&auth.user.password_hash),
    )
    .await
    {
        fields.reject(
            "current_password",
            "incorrect",
            "is not the account's current password",
        );
    }
    fields.finish()?;
    let Some(new_password) = new_password else {
        return Err(ApiError::internal("validated password missing"));
    };
    let hash = hash_password(&state.hasher, new_password)
        .await
        .map_err(ApiError::internal)?;
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    users::set_password(&mut tx, auth.user.id, &hash, now).await?;
    let revoked = sessions::revoke_all(&mut tx, auth.user.id, Some(auth.session_id), now).await?;
    audit::record(
        &mut tx,
        &meta,
        now,
        AuditEvent {
            actor_id: Some(auth.user.id),
            action: "user.password_changed",
            entity_type: "user",
            entity_id: Some(auth.user.id),
            changes: json!({ "sessions_revoked": revoked }),
        },
    )
    .await?;
    crate::sessions::account_notice(
        &mut tx,
        auth.user.id,
        medicaledu_domain::NotificationKind::PasswordChanged,
        "Password changed",
        "Your password was changed and your other sessions were signed out. If this was not you, contact an administrator.".into(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Delete the account. It is kept for the history that refers to it (bookings,
/// payments) but can no longer sign in, and its email is free again.
#[utoipa::path(
    delete,
    path = "/api/v1/me",
    tag = "accounts",
    responses((status = 204, description = "Deleted"))
)]
pub async fn delete_me(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
) -> Result<Response, ApiError> {
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    users::soft_delete(&mut tx, auth.user.id, now).await?;
    sessions::revoke_all(&mut tx, auth.user.id, None, now).await?;
    audit::record(
        &mut tx,
        &meta,
        now,
        AuditEvent {
            actor_id: Some(auth.user.id),
            action: "user.deleted",
            entity_type: "user",
            entity_id: Some(auth.user.id),
            changes: json!({ "deleted_at": now }),
        },
    )
    .await?;
    tx.commit().await?;
    let cookie = HeaderValue::try_from(clear_session_cookie(state.settings.cookie_secure))
        .map_err(ApiError::internal)?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}
