//! `/me/account`: the owner's profile (name, phone, time zone, language and,
//! for instructors, the professional profile) and the password change.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::accounts::{
    ChangePasswordError, ChangePasswordInput, ProfileInput, UpdateProfileError,
};
use medicaledu_app::{Actor, AppContext, FieldError};
use medicaledu_domain::Role;
use serde::Deserialize;

use crate::error::PageError;
use crate::fields::{Field, error_for};
use crate::form::Form;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond};
use crate::visitor::Visitor;

const BACK: &str = "/signin?next=/me/account";

/// A language offered in the "Language" choice.
pub struct LanguageChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// A long text field (the bio) with its label, kept value and error.
pub struct TextArea {
    pub label: String,
    pub value: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    message: Option<String>,
    full_name: Field,
    phone: Field,
    timezone: Field,
    zones: Vec<&'static str>,
    languages: Vec<LanguageChoice>,
    locale_error: Option<String>,
    /// The professional profile, for instructors only.
    professional: Option<Professional>,
    password_message: Option<String>,
    current_password: Field,
    new_password: Field,
}

pub struct Professional {
    pub headline: Field,
    pub specialty: Field,
    pub credentials: Field,
    pub bio: TextArea,
}

/// The profile form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    timezone: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    headline: String,
    #[serde(default)]
    specialty: String,
    #[serde(default)]
    credentials: String,
    #[serde(default)]
    bio: String,
}

impl ProfileForm {
    fn of(actor: &Actor) -> Self {
        let user = &actor.user;
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Self {
            full_name: user.full_name.clone(),
            phone: text(&user.phone),
            timezone: user.timezone.clone(),
            locale: user.locale.clone(),
            headline: text(&user.headline),
            specialty: text(&user.specialty),
            credentials: text(&user.credentials),
            bio: text(&user.bio),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct AccountQuery {
    saved: Option<String>,
    password_changed: Option<String>,
}

/// What the page shows besides the fields: a notice on either form.
#[derive(Default)]
struct Notices {
    profile: Option<String>,
    password: Option<String>,
}

/// An empty optional field clears it.
fn optional(text: &str) -> Option<Option<String>> {
    Some((!text.trim().is_empty()).then(|| text.to_owned()))
}

/// The language a stored locale falls under (`de-AT` is German).
fn primary_language(locale: &str) -> &str {
    locale.split(['-', '_']).next().unwrap_or(locale)
}

async fn account_page(
    ctx: &AppContext,
    visitor: &Visitor,
    actor: &Actor,
    form: &ProfileForm,
    notices: Notices,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let tr: &Tr = &visitor.tr;
    let language = primary_language(&form.locale);
    let optional_field = |name, key: &str, value: &str| {
        let mut field = Field::new(name, tr.t(key), "text")
            .value(value)
            .errors(errors, tr);
        field.required = false;
        field
    };
    let mut phone = Field::new("phone", tr.t("account-phone"), "tel")
        .value(&form.phone)
        .autocomplete("tel")
        .hint(tr.t("account-phone-hint"))
        .errors(errors, tr);
    phone.required = false;
    let professional = (actor.is(Role::Instructor)).then(|| Professional {
        headline: optional_field("headline", "account-headline", &form.headline),
        specialty: optional_field("specialty", "account-specialty", &form.specialty),
        credentials: optional_field("credentials", "account-credentials", &form.credentials),
        bio: TextArea {
            label: tr.t("account-bio"),
            value: form.bio.clone(),
            error: error_for("bio", errors, tr),
        },
    });
    let page = AccountPage {
        chrome: Chrome::new(ctx, visitor, tr.t("account-title")).await?,
        message: notices.profile,
        full_name: Field::new("full_name", tr.t("field-full-name"), "text")
            .value(&form.full_name)
            .autocomplete("name")
            .errors(errors, tr),
        phone,
        timezone: Field::new("timezone", tr.t("account-timezone"), "text")
            .value(&form.timezone)
            .hint(tr.t("account-timezone-hint"))
            .errors(errors, tr),
        zones: chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect(),
        // Each language is named in itself, so it can be found from any.
        languages: [("en", "English"), ("de", "Deutsch")]
            .into_iter()
            .map(|(value, label)| LanguageChoice {
                value,
                label,
                selected: value == language,
            })
            .collect(),
        locale_error: error_for("locale", errors, tr),
        professional,
        password_message: notices.password,
        current_password: Field::new(
            "current_password",
            tr.t("account-current-password"),
            "password",
        )
        .autocomplete("current-password")
        .errors(errors, tr),
        new_password: Field::new("new_password", tr.t("account-new-password"), "password")
            .autocomplete("new-password")
            .hint(tr.t("password-hint"))
            .errors(errors, tr),
    };
    Ok(respond(ctx, visitor, &page))
}

/// `GET /me/account`.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<AccountQuery>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(Redirect::to(BACK).into_response());
    };
    let tr = &visitor.tr;
    let notices = Notices {
        profile: query.saved.is_some().then(|| tr.t("account-saved")),
        password: query
            .password_changed
            .is_some()
            .then(|| tr.t("account-password-changed")),
    };
    account_page(&ctx, &visitor, actor, &ProfileForm::of(actor), notices, &[]).await
}

/// `POST /me/account`: saves the profile; the next page already speaks the
/// chosen language in the chosen zone.
pub async fn save(
    State(ctx): State<AppContext>,
    Form { visitor, data }: Form<ProfileForm>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(Redirect::to(BACK).into_response());
    };
    let instructor = actor.is(Role::Instructor);
    let professional = |text: &str| if instructor { optional(text) } else { None };
    let input = ProfileInput {
        full_name: Some(data.full_name.clone()),
        phone: optional(&data.phone),
        timezone: Some(data.timezone.clone()),
        locale: Some(data.locale.clone()),
        headline: professional(&data.headline),
        bio: professional(&data.bio),
        specialty: professional(&data.specialty),
        credentials: professional(&data.credentials),
    };
    match medicaledu_app::accounts::update_profile(&ctx, actor, &visitor.meta, input).await {
        Ok(_) => Ok(Redirect::to("/me/account?saved=1").into_response()),
        Err(UpdateProfileError::Invalid(invalid)) => {
            let notices = Notices {
                profile: Some(visitor.tr.t("form-errors")),
                password: None,
            };
            let mut response =
                account_page(&ctx, &visitor, actor, &data, notices, &invalid.0).await?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(PageError::from_failure(&e)),
    }
}

/// `POST /me/password`: changes the password; other sessions are signed out.
pub async fn change_password(
    State(ctx): State<AppContext>,
    Form { visitor, data }: Form<PasswordForm>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(Redirect::to(BACK).into_response());
    };
    let input = ChangePasswordInput {
        current_password: data.current_password,
        new_password: data.new_password,
    };
    let refused =
        match medicaledu_app::accounts::change_password(&ctx, actor, &visitor.meta, input).await {
            Ok(()) => return Ok(Redirect::to("/me/account?password_changed=1").into_response()),
            Err(e) => e,
        };
    let tr = &visitor.tr;
    let (status, message, errors) = match &refused {
        ChangePasswordError::Invalid(invalid) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            tr.t("form-errors"),
            invalid.0.clone(),
        ),
        ChangePasswordError::Locked { retry_after } => {
            let minutes = i64::try_from(retry_after.div_ceil(60)).unwrap_or(i64::MAX);
            (
                StatusCode::LOCKED,
                tr.t_with(
                    "account-password-locked",
                    &[("minutes", Arg::Number(minutes))],
                ),
                Vec::new(),
            )
        }
        ChangePasswordError::Internal(_) => return Err(PageError::from_failure(&refused)),
    };
    let notices = Notices {
        profile: None,
        password: Some(message),
    };
    let form = ProfileForm::of(actor);
    let mut response = account_page(&ctx, &visitor, actor, &form, notices, &errors).await?;
    *response.status_mut() = status;
    Ok(response)
}
