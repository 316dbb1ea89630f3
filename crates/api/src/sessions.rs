//! Signing in and out, and the caller's list of sessions.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use medicaledu_app::sessions::{
    self, LoggedIn, LoginError, LoginInput, SecondFactorError, SecondFactorInput, SignIn,
};
use medicaledu_domain::{Id, Timestamp};
use medicaledu_store::sessions::SessionRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{AnySession, Authenticated, Meta, clear_session_cookie, session_cookie};
use crate::problem::Answers;
use crate::users::User;
use crate::{ApiError, AppState, Ids, Json};

crate::problem::problems!(LoginError, SecondFactorError);

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(logout))
        .routes(routes!(list_sessions))
        .routes(routes!(revoke_session))
}

crate::problem::problem_codes! {
    login => Answers::route().rate_limited().json_body().failure::<LoginError>(),
    login_second_factor => Answers::route().rate_limited().json_body().failure::<SecondFactorError>(),
    logout => Answers::route().any_session_write().failure::<medicaledu_app::ReadError>(),
    list_sessions => Answers::route().signed_in(),
    revoke_session => Answers::route().signed_in_write().path_ids(),
}

/// Login (both steps) is rate limited per client IP, so it is mounted
/// separately.
pub fn public_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(login_second_factor))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(value_type = crate::constraints::CredentialText, inline)]
    pub email: String,
    #[schema(value_type = crate::constraints::CredentialText, inline)]
    pub password: String,
}

/// A sign-in: a session, or (for an account with a second factor) the
/// challenge for the code. `second_factor_required` tells which.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum LoginAnswer {
    Session(Box<LoginResponse>),
    SecondFactor(SecondFactorChallenge),
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Always `false` here: this is a session.
    pub second_factor_required: bool,
    /// The session token, shown once: send it as `Authorization: Bearer …`.
    /// Browsers also receive it as an HttpOnly cookie.
    pub token: String,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
    pub user: User,
}

/// The password was right and the account has a second factor: no session
/// yet. Send the challenge with the authenticator's code (or a recovery code)
/// to `POST /api/v1/auth/login/second-factor` before `expires_at`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SecondFactorChallenge {
    /// Always `true` here.
    pub second_factor_required: bool,
    /// Opens the second step of this sign-in once; shown once.
    pub challenge: String,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondFactorRequest {
    /// The `challenge` of the login answer.
    #[schema(value_type = crate::constraints::CredentialText, inline)]
    pub challenge: String,
    /// The six digits the authenticator app shows, or one recovery code.
    #[schema(value_type = crate::constraints::CredentialText, inline)]
    pub code: String,
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

/// Sign in with email and password.
///
/// An account without a second factor gets a session (`second_factor_required:
/// false`, the token, and the session cookie). An account with one gets no
/// session and no cookie but `second_factor_required: true` and a
/// `challenge`, valid for five minutes, to complete with
/// `POST /api/v1/auth/login/second-factor`. After too many consecutive
/// failures the account is locked for a while (423 with `Retry-After`), even
/// for the right password.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "sessions",
    request_body = LoginRequest,
    responses(
        (status = 200, body = LoginAnswer),
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
    let input = LoginInput {
        email: body.email,
        password: body.password,
    };
    match sessions::login(&state, &meta, input).await? {
        SignIn::Session(session) => signed_in(&state, *session),
        SignIn::SecondFactor(challenge) => {
            let body = LoginAnswer::SecondFactor(SecondFactorChallenge {
                second_factor_required: true,
                challenge: challenge.token.expose().to_owned(),
                expires_at: challenge.expires_at,
            });
            Ok((
                [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
                Json(body),
            )
                .into_response())
        }
    }
}

/// Complete a sign-in with the second factor.
///
/// The `challenge` from `POST /api/v1/auth/login` and the authenticator app's
/// current code, or one of the account's recovery codes (each works once).
/// A wrong code counts towards the lockout like a wrong password; a
/// challenge signs in once and expires after five minutes (401
/// `invalid_challenge`: sign in again).
#[utoipa::path(
    post,
    path = "/api/v1/auth/login/second-factor",
    tag = "sessions",
    request_body = SecondFactorRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, description = "Wrong code, or a used or expired challenge", body = crate::Problem, content_type = "application/problem+json"),
        (status = 423, description = "Locked after failed attempts", body = crate::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts from this address", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn login_second_factor(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Json(body): Json<SecondFactorRequest>,
) -> Result<Response, ApiError> {
    let input = SecondFactorInput {
        challenge: body.challenge,
        code: body.code,
    };
    let session = sessions::complete_second_factor(&state, &meta, input).await?;
    signed_in(&state, session)
}

/// A new session as the answer: its token in the body and in the cookie.
fn signed_in(state: &AppState, session: LoggedIn) -> Result<Response, ApiError> {
    let cookie = HeaderValue::try_from(session_cookie(
        session.token.expose(),
        state.settings.session_ttl.num_seconds(),
        state.settings.cookie_secure,
    ))
    .map_err(ApiError::internal)?;
    let body = LoginAnswer::Session(Box::new(LoginResponse {
        second_factor_required: false,
        token: session.token.expose().to_owned(),
        expires_at: session.expires_at,
        user: User::from(session.user),
    }));
    Ok((
        [
            (header::SET_COOKIE, cookie),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        Json(body),
    )
        .into_response())
}

/// Sign out of the current session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "sessions", responses((status = 204, description = "Signed out")))]
pub async fn logout(
    State(state): State<AppState>,
    auth: AnySession,
    Meta(meta): Meta,
) -> Result<Response, ApiError> {
    sessions::logout(&state, &auth, &meta).await?;
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
    let rows = sessions::list(&state, &auth).await?;
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
    Ids(id): Ids<Id>,
) -> Result<StatusCode, ApiError> {
    sessions::revoke(&state, &auth, &meta, id).await?;
    Ok(StatusCode::NO_CONTENT)
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
