//! Sign-up, sign-in and sign-out pages. They set and clear the same session
//! cookie as the JSON API, through the same use cases.

use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::accounts::{RegisterError, RegisterInput};
use medicaledu_app::sessions::{
    Challenge, LoggedIn, LoginError, LoginInput, SecondFactorError, SecondFactorInput, SignIn,
};
use medicaledu_app::{AppContext, FieldError};
use serde::Deserialize;

use crate::error::PageError;
use crate::fields::{Field, error_for};
use crate::form::Form;
use crate::i18n::{Arg, Tr};
use crate::limits::CredentialLimiter;
use crate::page::{Chrome, respond};
use crate::visitor::{SESSION_COOKIE, Visitor, ZONE_COOKIE, cookie};

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    chrome: Chrome,
    message: Option<String>,
    next: String,
    email: Field,
    password: Field,
}

/// The second step of signing in: the code after a right password.
#[derive(Template)]
#[template(path = "signin_code.html")]
struct SignInCodePage {
    chrome: Chrome,
    message: Option<String>,
    challenge: String,
    next: String,
    code: Field,
}

#[derive(Template)]
#[template(path = "signup.html")]
struct SignUpPage {
    chrome: Chrome,
    message: Option<String>,
    full_name: Field,
    email: Field,
    password: Field,
    role: String,
    role_error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SignInQuery {
    next: Option<String>,
    signed_out: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct SignInCodeForm {
    #[serde(default)]
    challenge: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct SignUpForm {
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
}

/// Only paths of this site are followed after sign-in: never another host.
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_owned()
    } else {
        "/me".to_owned()
    }
}

async fn sign_in_page(
    ctx: &AppContext,
    visitor: &Visitor,
    email: &str,
    next: &str,
    message: Option<String>,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let tr = &visitor.tr;
    let page = SignInPage {
        chrome: Chrome::new(ctx, visitor, tr.t("signin-title")).await?,
        message,
        next: next.to_owned(),
        email: Field::new("email", tr.t("field-email"), "email")
            .value(email)
            .autocomplete("username")
            .errors(errors, tr),
        password: Field::new("password", tr.t("field-password"), "password")
            .autocomplete("current-password")
            .errors(errors, tr),
    };
    Ok(respond(ctx, visitor, &page))
}

/// `GET /signin`.
pub async fn sign_in_form(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<SignInQuery>,
) -> Result<Response, PageError> {
    if visitor.actor.is_some() {
        return Ok(Redirect::to("/me").into_response());
    }
    let message = query
        .signed_out
        .is_some()
        .then(|| visitor.tr.t("signed-out"));
    let next = safe_next(query.next.as_deref().unwrap_or("/me"));
    sign_in_page(&ctx, &visitor, "", &next, message, &[]).await
}

/// `POST /signin`.
pub async fn sign_in(
    State(ctx): State<AppContext>,
    Extension(limiter): Extension<CredentialLimiter>,
    Form { visitor, data }: Form<SignInForm>,
) -> Result<Response, PageError> {
    let next = safe_next(&data.next);
    if let Err(seconds) = limiter.check(visitor.meta.ip_address.as_deref()) {
        let message = visitor.tr.t("signin-rate-limited");
        let response = sign_in_page(&ctx, &visitor, &data.email, &next, Some(message), &[]).await?;
        return Ok(too_many(response, seconds));
    }
    let input = LoginInput {
        email: data.email.clone(),
        password: data.password,
    };
    match medicaledu_app::sessions::login(&ctx, &visitor.meta, input).await {
        Ok(SignIn::Session(session)) => Ok(signed_in(&ctx, &session, &next)),
        Ok(SignIn::SecondFactor(Challenge { token, .. })) => {
            sign_in_code_page(&ctx, &visitor, token.expose(), &next, None, &[]).await
        }
        Err(e) => {
            let tr = &visitor.tr;
            let (status, message, errors) = match &e {
                LoginError::Invalid(invalid) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    tr.t("form-errors"),
                    invalid.0.clone(),
                ),
                LoginError::InvalidCredentials => {
                    (StatusCode::UNAUTHORIZED, tr.t("signin-invalid"), Vec::new())
                }
                LoginError::Locked { retry_after } => {
                    let minutes = i64::try_from(retry_after.div_ceil(60)).unwrap_or(i64::MAX);
                    (
                        StatusCode::LOCKED,
                        tr.t_with("signin-locked", &[("minutes", Arg::Number(minutes))]),
                        Vec::new(),
                    )
                }
                LoginError::Suspended => {
                    (StatusCode::FORBIDDEN, tr.t("signin-suspended"), Vec::new())
                }
                LoginError::Internal(_) => return Err(PageError::from_failure(&e)),
            };
            let mut response =
                sign_in_page(&ctx, &visitor, &data.email, &next, Some(message), &errors).await?;
            *response.status_mut() = status;
            Ok(response)
        }
    }
}

async fn sign_in_code_page(
    ctx: &AppContext,
    visitor: &Visitor,
    challenge: &str,
    next: &str,
    message: Option<String>,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let tr = &visitor.tr;
    let page = SignInCodePage {
        chrome: Chrome::new(ctx, visitor, tr.t("signin-code-title")).await?,
        message,
        challenge: challenge.to_owned(),
        next: next.to_owned(),
        code: crate::two_factor::code_field(tr, errors).hint(tr.t("signin-code-hint")),
    };
    let mut response = respond(ctx, visitor, &page);
    // The page carries the challenge: no cache keeps it.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `POST /signin/code`: the authenticator's code (or a recovery code) after
/// a right password. Rate-limited with the sign-in form, and wrong codes
/// count towards the account's lockout.
pub async fn sign_in_code(
    State(ctx): State<AppContext>,
    Extension(limiter): Extension<CredentialLimiter>,
    Form { visitor, data }: Form<SignInCodeForm>,
) -> Result<Response, PageError> {
    let next = safe_next(&data.next);
    let tr = &visitor.tr;
    if let Err(seconds) = limiter.check(visitor.meta.ip_address.as_deref()) {
        let message = tr.t("signin-rate-limited");
        let response =
            sign_in_code_page(&ctx, &visitor, &data.challenge, &next, Some(message), &[]).await?;
        return Ok(too_many(response, seconds));
    }
    let input = SecondFactorInput {
        challenge: data.challenge.clone(),
        code: data.code,
    };
    let e = match medicaledu_app::sessions::complete_second_factor(&ctx, &visitor.meta, input).await
    {
        Ok(session) => return Ok(signed_in(&ctx, &session, &next)),
        Err(e) => e,
    };
    // Refusals that end this sign-in go back to the password.
    let (status, message) = match &e {
        SecondFactorError::InvalidChallenge => {
            (StatusCode::UNAUTHORIZED, tr.t("signin-code-expired"))
        }
        SecondFactorError::Suspended => (StatusCode::FORBIDDEN, tr.t("signin-suspended")),
        SecondFactorError::Locked { retry_after } => {
            let minutes = i64::try_from(retry_after.div_ceil(60)).unwrap_or(i64::MAX);
            (
                StatusCode::LOCKED,
                tr.t_with("signin-locked", &[("minutes", Arg::Number(minutes))]),
            )
        }
        SecondFactorError::Invalid(invalid) => {
            let mut response = sign_in_code_page(
                &ctx,
                &visitor,
                &data.challenge,
                &next,
                Some(tr.t("form-errors")),
                &invalid.0,
            )
            .await?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(response);
        }
        SecondFactorError::WrongCode => {
            let mut response = sign_in_code_page(
                &ctx,
                &visitor,
                &data.challenge,
                &next,
                Some(tr.t("signin-code-wrong")),
                &[],
            )
            .await?;
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            return Ok(response);
        }
        SecondFactorError::Internal(_) => return Err(PageError::from_failure(&e)),
    };
    let mut response = sign_in_page(&ctx, &visitor, "", &next, Some(message), &[]).await?;
    *response.status_mut() = status;
    Ok(response)
}

/// A form page answered 429 with `Retry-After`: the client used up its
/// allowance of attempts.
fn too_many(mut response: Response, seconds: u64) -> Response {
    *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// Sets the session cookie and goes where the visitor was headed.
fn signed_in(ctx: &AppContext, session: &LoggedIn, next: &str) -> Response {
    let max_age = (*session.expires_at.as_datetime() - chrono::Utc::now())
        .num_seconds()
        .max(0);
    let mut response = Redirect::to(next).into_response();
    if let Ok(value) = HeaderValue::from_str(&session_cookie(
        session.token.expose(),
        max_age,
        ctx.settings.cookie_secure,
    )) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

fn session_cookie(token: &str, max_age_seconds: i64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; Max-Age={max_age_seconds}; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

async fn sign_up_page(
    ctx: &AppContext,
    visitor: &Visitor,
    form: &SignUpForm,
    message: Option<String>,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let tr: &Tr = &visitor.tr;
    let page = SignUpPage {
        chrome: Chrome::new(ctx, visitor, tr.t("signup-title")).await?,
        message,
        full_name: Field::new("full_name", tr.t("field-full-name"), "text")
            .value(&form.full_name)
            .autocomplete("name")
            .errors(errors, tr),
        email: Field::new("email", tr.t("field-email"), "email")
            .value(&form.email)
            .autocomplete("email")
            .errors(errors, tr),
        password: Field::new("password", tr.t("field-password"), "password")
            .autocomplete("new-password")
            .hint(tr.t("password-hint"))
            .errors(errors, tr),
        role: form.role.clone(),
        role_error: error_for("role", errors, tr),
    };
    Ok(respond(ctx, visitor, &page))
}

/// `GET /signup`.
pub async fn sign_up_form(
    State(ctx): State<AppContext>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    if visitor.actor.is_some() {
        return Ok(Redirect::to("/me").into_response());
    }
    sign_up_page(&ctx, &visitor, &SignUpForm::default(), None, &[]).await
}

/// `POST /signup`: creates the account and signs it in.
pub async fn sign_up(
    State(ctx): State<AppContext>,
    Extension(limiter): Extension<CredentialLimiter>,
    headers: axum::http::HeaderMap,
    Form { visitor, data }: Form<SignUpForm>,
) -> Result<Response, PageError> {
    if let Err(seconds) = limiter.check(visitor.meta.ip_address.as_deref()) {
        let message = visitor.tr.t("signin-rate-limited");
        let response = sign_up_page(&ctx, &visitor, &data, Some(message), &[]).await?;
        return Ok(too_many(response, seconds));
    }
    let input = RegisterInput {
        email: data.email.clone(),
        password: data.password.clone(),
        full_name: data.full_name.clone(),
        role: data.role.clone(),
        // The zone the browser reported, so times read right from the start.
        timezone: cookie(&headers, ZONE_COOKIE)
            .filter(|zone| medicaledu_domain::TimeZone::parse(zone).is_ok()),
    };
    let refused = match medicaledu_app::accounts::register(&ctx, &visitor.meta, input).await {
        Ok(_) => {
            let login = LoginInput {
                email: data.email,
                password: data.password,
            };
            return match medicaledu_app::sessions::login(&ctx, &visitor.meta, login).await {
                Ok(SignIn::Session(session)) => Ok(signed_in(&ctx, &session, "/me")),
                // A new account has no second factor; were it otherwise, the
                // sign-in page asks for everything again.
                Ok(SignIn::SecondFactor(_)) => Ok(Redirect::to("/signin").into_response()),
                Err(e) => Err(PageError::from_failure(&e)),
            };
        }
        Err(e) => e,
    };
    let tr = &visitor.tr;
    let (message, errors) = match &refused {
        RegisterError::Invalid(invalid) => (tr.t("form-errors"), invalid.0.clone()),
        RegisterError::EmailTaken => (
            tr.t("form-errors"),
            vec![FieldError::new("email", "email_taken", "already taken")],
        ),
        RegisterError::Internal(_) => return Err(PageError::from_failure(&refused)),
    };
    let mut response = sign_up_page(&ctx, &visitor, &data, Some(message), &errors).await?;
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

#[derive(Debug, Default, Deserialize)]
pub struct Empty {}

/// `POST /signout`.
pub async fn sign_out(
    State(ctx): State<AppContext>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    if let Some(actor) = &visitor.actor {
        medicaledu_app::sessions::logout(&ctx, actor, &visitor.meta)
            .await
            .map_err(|e| PageError::from_failure(&e))?;
    }
    let mut response = Redirect::to("/signin?signed_out=1").into_response();
    if let Ok(value) = HeaderValue::from_str(&session_cookie("", 0, ctx.settings.cookie_secure)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}
