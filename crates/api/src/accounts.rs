//! Accounts: registration, the caller's own profile, password changes and
//! account deletion.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use medicaledu_app::accounts::{
    self, ChangePasswordError, ChangePasswordInput, ProfileInput, RegisterError, RegisterInput,
    UpdateProfileError,
};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, Meta, clear_session_cookie};
use crate::problem::Answers;
use crate::users::User;
use crate::validate::nullable;
use crate::{ApiError, AppState, Json};

crate::problem::problems!(RegisterError, UpdateProfileError, ChangePasswordError);

/// Opening an account is a use case of `medicaledu_app::accounts`; these names
/// stay here for the integration tests that still reach them through the API
/// crate (`tests/it/notify.rs`), until they name the app.
pub use medicaledu_app::accounts::{CreatedBy, NewAccount, create_account};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_me, update_me, delete_me))
        .routes(routes!(change_password))
}

crate::problem::problem_codes! {
    register => Answers::route().rate_limited().json_body().failure::<RegisterError>(),
    get_me => Answers::route().signed_in(),
    update_me => Answers::route().signed_in_write().json_body().failure::<UpdateProfileError>(),
    change_password => Answers::route().signed_in_write().json_body().failure::<ChangePasswordError>(),
    delete_me => Answers::route().signed_in_write(),
}

/// Registration is rate limited per client IP, so it is mounted separately.
pub fn public_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(register))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    #[schema(value_type = crate::constraints::EmailText, inline)]
    pub email: String,
    /// 12 to 256 characters, not a common password.
    #[schema(value_type = crate::constraints::NewPasswordText, inline)]
    pub password: String,
    #[schema(value_type = crate::constraints::FullNameText, inline)]
    pub full_name: String,
    /// `student` or `instructor`.
    #[schema(value_type = crate::constraints::SignUpRoleText, inline)]
    pub role: String,
    /// IANA time zone; default `UTC`.
    #[schema(value_type = Option<crate::constraints::TimeZoneText>, inline)]
    pub timezone: Option<String>,
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
    let input = RegisterInput {
        email: body.email,
        password: body.password,
        full_name: body.full_name,
        role: body.role,
        timezone: body.timezone,
    };
    let user = accounts::register(&state, &meta, input).await?;
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
    #[schema(value_type = Option<crate::constraints::FullNameText>, inline)]
    pub full_name: Option<String>,
    /// E.164; `null` removes it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<crate::constraints::PhoneText>, inline)]
    pub phone: Option<Option<String>>,
    /// IANA time zone.
    #[schema(value_type = Option<crate::constraints::TimeZoneText>, inline)]
    pub timezone: Option<String>,
    /// e.g. `en` or `pt-BR`.
    #[schema(value_type = Option<crate::constraints::LocaleText>, inline)]
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
    let input = ProfileInput {
        full_name: body.full_name,
        phone: body.phone,
        timezone: body.timezone,
        locale: body.locale,
        headline: body.headline,
        bio: body.bio,
        specialty: body.specialty,
        credentials: body.credentials,
    };
    let user = accounts::update_profile(&state, &auth, &meta, input).await?;
    Ok(Json(User::from(user)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    #[schema(value_type = crate::constraints::CredentialText, inline)]
    pub current_password: String,
    /// 12 to 256 characters, not a common password.
    #[schema(value_type = crate::constraints::NewPasswordText, inline)]
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
    let input = ChangePasswordInput {
        current_password: body.current_password,
        new_password: body.new_password,
    };
    accounts::change_password(&state, &auth, &meta, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Delete the account.
///
/// It is kept for the history that refers to it (bookings, payments) but can no
/// longer sign in, and its email is free again.
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
    accounts::delete_me(&state, &auth, &meta).await?;
    let cookie = HeaderValue::try_from(clear_session_cookie(state.settings.cookie_secure))
        .map_err(ApiError::internal)?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}
