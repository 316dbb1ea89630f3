//! The caller's second factor: set up (secret, otpauth URI and QR code),
//! confirm with the app's first code (ten recovery codes, shown once), turn
//! off and new recovery codes (both with the password). Signing in with it is
//! in `sessions`.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use medicaledu_app::second_factor::{
    self, ConfirmError, EnrolError, PasswordCheckedError, RecoveryCodes,
};
use medicaledu_domain::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{AnySession, Authenticated, Meta};
use crate::problem::Answers;
use crate::{ApiError, AppState, Json};

crate::problem::problems!(EnrolError, ConfirmError, PasswordCheckedError);

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            get_second_factor,
            begin_second_factor,
            disable_second_factor
        ))
        .routes(routes!(confirm_second_factor))
        .routes(routes!(regenerate_recovery_codes))
}

crate::problem::problem_codes! {
    get_second_factor => Answers::route().any_session(),
    begin_second_factor => Answers::route().any_session_write().failure::<EnrolError>(),
    confirm_second_factor => Answers::route().any_session_write().json_body().failure::<ConfirmError>(),
    disable_second_factor => Answers::route().signed_in_write().json_body().failure::<PasswordCheckedError>(),
    regenerate_recovery_codes => Answers::route().signed_in_write().json_body().failure::<PasswordCheckedError>(),
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SecondFactorStatus {
    /// Sign-in asks for a code after the password.
    pub enabled: bool,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub enabled_at: Option<Timestamp>,
    /// A setup was started and waits for its first code.
    pub pending: bool,
    pub recovery_codes_remaining: i64,
    /// This account must set one up before anything else works (an
    /// administrator while the operator requires it).
    pub required: bool,
}

/// What an authenticator app needs; shown while the setup waits for its code.
#[derive(Debug, Serialize, ToSchema)]
pub struct SecondFactorEnrolment {
    /// The shared secret in base32, to type into an app.
    pub secret: String,
    /// `otpauth://totp/MedicalEdu:{email}?secret=…&issuer=MedicalEdu…`
    pub otpauth_uri: String,
    /// The same URI as a QR code: an SVG document.
    pub qr_svg: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmSecondFactorRequest {
    /// The six digits the app shows now.
    #[schema(value_type = crate::constraints::CredentialText, inline)]
    pub code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordRequest {
    /// The account's current password.
    #[schema(value_type = crate::constraints::CredentialText, inline)]
    pub password: String,
}

/// Ten one-time recovery codes, shown this once (only their hashes are
/// kept). Each signs in once in place of the app's code.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodeList {
    pub recovery_codes: Vec<String>,
}

/// Secrets must not be kept by caches on the way.
fn no_store<T: IntoResponse>(status: StatusCode, body: T) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        body,
    )
        .into_response()
}

fn codes(codes: RecoveryCodes) -> Response {
    no_store(
        StatusCode::OK,
        Json(RecoveryCodeList {
            recovery_codes: codes.0,
        }),
    )
}

/// Whether the caller's sign-in asks for a second factor.
#[utoipa::path(get, path = "/api/v1/me/second-factor", tag = "second-factor", responses((status = 200, body = SecondFactorStatus)))]
pub async fn get_second_factor(
    State(state): State<AppState>,
    auth: AnySession,
) -> Result<Json<SecondFactorStatus>, ApiError> {
    let status = second_factor::status(&state, &auth).await?;
    Ok(Json(SecondFactorStatus {
        enabled: status.enabled_at.is_some(),
        enabled_at: status.enabled_at,
        pending: status.pending,
        recovery_codes_remaining: status.recovery_codes_left,
        required: status.required,
    }))
}

/// Start setting up a second factor (TOTP, RFC 6238: SHA-1, 6 digits, 30 s).
///
/// Scan the QR code (or type the secret) into an authenticator app, then
/// confirm with its code. Starting again replaces a setup never confirmed;
/// with a factor already on, turn it off first (409 `second_factor_enabled`).
#[utoipa::path(
    post,
    path = "/api/v1/me/second-factor",
    tag = "second-factor",
    responses((status = 201, body = SecondFactorEnrolment))
)]
pub async fn begin_second_factor(
    State(state): State<AppState>,
    auth: AnySession,
    Meta(meta): Meta,
) -> Result<Response, ApiError> {
    let enrolment = second_factor::begin_enrolment(&state, &auth, &meta).await?;
    Ok(no_store(
        StatusCode::CREATED,
        Json(SecondFactorEnrolment {
            secret: enrolment.secret,
            otpauth_uri: enrolment.otpauth_uri,
            qr_svg: enrolment.qr_svg,
        }),
    ))
}

/// Confirm the setup with the app's current code.
///
/// From now on sign-in asks for a code. Answers the ten recovery codes, shown
/// this once.
#[utoipa::path(
    post,
    path = "/api/v1/me/second-factor/confirm",
    tag = "second-factor",
    request_body = ConfirmSecondFactorRequest,
    responses((status = 200, body = RecoveryCodeList))
)]
pub async fn confirm_second_factor(
    State(state): State<AppState>,
    auth: AnySession,
    Meta(meta): Meta,
    Json(body): Json<ConfirmSecondFactorRequest>,
) -> Result<Response, ApiError> {
    let recovery = second_factor::confirm_enrolment(&state, &auth, &meta, &body.code).await?;
    Ok(codes(recovery))
}

/// Turn the second factor off.
///
/// Needs the current password (a wrong one counts towards the sign-in lockout).
/// The secret and recovery codes are deleted.
#[utoipa::path(
    delete,
    path = "/api/v1/me/second-factor",
    tag = "second-factor",
    request_body = PasswordRequest,
    responses((status = 204, description = "Turned off"))
)]
pub async fn disable_second_factor(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Json(body): Json<PasswordRequest>,
) -> Result<StatusCode, ApiError> {
    second_factor::disable(&state, &auth, &meta, &body.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replace the recovery codes with ten new ones (the old ones stop working).
///
/// Needs the current password.
#[utoipa::path(
    post,
    path = "/api/v1/me/second-factor/recovery-codes",
    tag = "second-factor",
    request_body = PasswordRequest,
    responses((status = 200, body = RecoveryCodeList))
)]
pub async fn regenerate_recovery_codes(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Json(body): Json<PasswordRequest>,
) -> Result<Response, ApiError> {
    let recovery =
        second_factor::regenerate_recovery_codes(&state, &auth, &meta, &body.password).await?;
    Ok(codes(recovery))
}
