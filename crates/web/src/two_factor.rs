//! `/me/two-factor`: setting up the second factor (the QR code and the key in
//! text, then the app's first code), the recovery codes shown once, new
//! recovery codes and turning it off (both with the password).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::second_factor::{self, ConfirmError, Enrolment, PasswordCheckedError};
use medicaledu_app::{Actor, AppContext, FieldError};
use serde::Deserialize;

use crate::auth::Empty;
use crate::error::PageError;
use crate::fields::Field;
use crate::form::Form;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond};
use crate::view;
use crate::visitor::Visitor;

const HERE: &str = "/me/two-factor";
const BACK: &str = "/signin?next=/me/two-factor";

/// The factor in use, as the page shows it.
pub struct Enabled {
    pub since: String,
    pub codes_left: String,
    pub codes_password: Field,
    pub password: Field,
}

#[derive(Template)]
#[template(path = "two_factor.html")]
struct TwoFactorPage {
    chrome: Chrome,
    required: bool,
    message: Option<String>,
    /// Fresh recovery codes, shown this once.
    recovery_codes: Option<Vec<String>>,
    setup: Option<Enrolment>,
    code: Field,
    enabled: Option<Enabled>,
}

/// What the page says besides the account's state.
#[derive(Default)]
struct Shown {
    message: Option<String>,
    recovery_codes: Option<Vec<String>>,
    errors: Vec<FieldError>,
}

async fn two_factor_page(
    ctx: &AppContext,
    visitor: &Visitor,
    actor: &Actor,
    shown: Shown,
) -> Result<Response, PageError> {
    let tr = &visitor.tr;
    let status = second_factor::status(ctx, actor).await?;
    let setup = if status.enabled_at.is_none() && shown.recovery_codes.is_none() {
        second_factor::pending_enrolment(ctx, actor).await?
    } else {
        None
    };
    let password_field = |name: &'static str| {
        Field::new(name, tr.t("field-password"), "password")
            .autocomplete("current-password")
            .errors(&shown.errors, tr)
    };
    let enabled = status.enabled_at.map(|at| Enabled {
        since: tr.t_with(
            "two-factor-on",
            &[("when", Arg::Text(view::when(at, &visitor.zone, tr)))],
        ),
        codes_left: tr.t_with(
            "two-factor-codes-left",
            &[("count", Arg::Number(status.recovery_codes_left))],
        ),
        codes_password: password_field("codes_password"),
        password: password_field("password"),
    });
    let page = TwoFactorPage {
        chrome: Chrome::new(ctx, visitor, tr.t("two-factor-title")).await?,
        required: status.required,
        message: shown.message,
        recovery_codes: shown.recovery_codes,
        setup,
        code: code_field(tr, &shown.errors),
        enabled,
    };
    let mut response = respond(ctx, visitor, &page);
    // The key and the recovery codes are secrets: no cache keeps them.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The six-digit code field, for setting up and for signing in.
pub fn code_field(tr: &Tr, errors: &[FieldError]) -> Field {
    Field::new("code", tr.t("field-code"), "text")
        .autocomplete("one-time-code")
        .inputmode("numeric")
        .errors(errors, tr)
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    off: Option<String>,
}

/// `GET /me/two-factor`.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(Redirect::to(BACK).into_response());
    };
    let shown = Shown {
        message: query
            .off
            .is_some()
            .then(|| visitor.tr.t("two-factor-turned-off")),
        ..Shown::default()
    };
    two_factor_page(&ctx, &visitor, actor, shown).await
}

/// `POST /me/two-factor/setup`: a new key (replacing one never confirmed).
pub async fn set_up(
    State(ctx): State<AppContext>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(Redirect::to(BACK).into_response());
    };
    match second_factor::begin_enrolment(&ctx, actor, &visitor.meta).await {
        // Already on (a second tab): the page shows it so.
        Ok(_) | Err(second_factor::EnrolError::AlreadyEnabled) => {
            Ok(Redirect::to(HERE).into_response())
        }
        Err(e) => Err(PageError::from_failure(&e)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// `POST /me/two-factor/confirm`: the app's first code turns it on and the
/// recovery codes appear, once.
pub async fn confirm(
    State(ctx): State<AppContext>,
    Form { visitor, data }: Form<CodeForm>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(Redirect::to(BACK).into_response());
    };
    let shown = match second_factor::confirm_enrolment(&ctx, actor, &visitor.meta, &data.code).await
    {
        Ok(codes) => Shown {
            message: Some(visitor.tr.t("two-factor-enabled")),
            recovery_codes: Some(codes.0),
            ..Shown::default()
        },
        Err(ConfirmError::Invalid(invalid)) => {
            let mut response = two_factor_page(
                &ctx,
                &visitor,
                actor,
                Shown {
                    errors: invalid.0,
                    ..Shown::default()
                },
            )
            .await?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(response);
        }
        // Nothing to confirm (already on, or never begun): the page shows
        // where things stand.
        Err(ConfirmError::NotPending) => return Ok(Redirect::to(HERE).into_response()),
        Err(e @ ConfirmError::Internal(_)) => return Err(PageError::from_failure(&e)),
    };
    two_factor_page(&ctx, &visitor, actor, shown).await
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct CodesForm {
    #[serde(default)]
    codes_password: String,
}

/// A refused password check, shown next to `field` of the form that asked.
async fn refused(
    ctx: &AppContext,
    visitor: &Visitor,
    actor: &Actor,
    e: PasswordCheckedError,
    field: &str,
) -> Result<Response, PageError> {
    let tr = &visitor.tr;
    let (status, shown) = match e {
        PasswordCheckedError::Invalid(invalid) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Shown {
                errors: invalid
                    .0
                    .into_iter()
                    .map(|error| FieldError {
                        field: field.to_owned(),
                        ..error
                    })
                    .collect(),
                ..Shown::default()
            },
        ),
        PasswordCheckedError::Locked { retry_after } => {
            let minutes = i64::try_from(retry_after.div_ceil(60)).unwrap_or(i64::MAX);
            (
                StatusCode::LOCKED,
                Shown {
                    message: Some(tr.t_with(
                        "account-password-locked",
                        &[("minutes", Arg::Number(minutes))],
                    )),
                    ..Shown::default()
                },
            )
        }
        PasswordCheckedError::NotEnabled => return Ok(Redirect::to(HERE).into_response()),
        e @ PasswordCheckedError::Internal(_) => return Err(PageError::from_failure(&e)),
    };
    let mut response = two_factor_page(ctx, visitor, actor, shown).await?;
    *response.status_mut() = status;
    Ok(response)
}

/// `POST /me/two-factor/disable`: needs the password.
pub async fn disable(
    State(ctx): State<AppContext>,
    Form { visitor, data }: Form<PasswordForm>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(Redirect::to(BACK).into_response());
    };
    match second_factor::disable(&ctx, actor, &visitor.meta, &data.password).await {
        Ok(()) => Ok(Redirect::to("/me/two-factor?off=1").into_response()),
        Err(e) => refused(&ctx, &visitor, actor, e, "password").await,
    }
}

/// `POST /me/two-factor/recovery-codes`: new codes, shown once; needs the
/// password.
pub async fn new_codes(
    State(ctx): State<AppContext>,
    Form { visitor, data }: Form<CodesForm>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(Redirect::to(BACK).into_response());
    };
    match second_factor::regenerate_recovery_codes(&ctx, actor, &visitor.meta, &data.codes_password)
        .await
    {
        Ok(codes) => {
            let shown = Shown {
                recovery_codes: Some(codes.0),
                ..Shown::default()
            };
            two_factor_page(&ctx, &visitor, actor, shown).await
        }
        Err(e) => refused(&ctx, &visitor, actor, e, "codes_password").await,
    }
}
