//! `/me/cme-profile`: the learner's CME profile. Their profession decides
//! whether an activity's designation gives them credit or a certificate of
//! participation; the birth month and day and the board number are what
//! accreditor reports match on, and go into a report only with the consent
//! given here.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::cme_learners::{self, MAX_BOARD_NUMBER_CHARS, ProfileError, ProfileInput};
use medicaledu_app::{AppContext, FieldError, ReadError};
use medicaledu_domain::Profession;
use medicaledu_store::cme_learners::ProfileRow;
use serde::Deserialize;

use crate::error::PageError;
use crate::fields::Field;
use crate::form::Form;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond, unprocessable};
use crate::teach::cme::refusal_text;
use crate::teach::course::{Choice, Select};
use crate::teach::refuse;
use crate::view;
use crate::visitor::Visitor;

const PATH: &str = "/me/cme-profile";

#[derive(Template)]
#[template(path = "cme_profile.html")]
struct ProfilePage {
    chrome: Chrome,
    problem: Option<String>,
    profession: Select,
    birth_month: Select,
    birth_day: Field,
    board_number: Field,
    report_consent: bool,
    /// "You consented on 1 December 2026.", while the consent stands.
    consented: Option<String>,
    consent_error: Option<String>,
}

/// The form as typed; every field is text until the use case reads it.
#[derive(Debug, Default, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    profession: String,
    #[serde(default)]
    birth_month: String,
    #[serde(default)]
    birth_day: String,
    #[serde(default)]
    board_number: String,
    /// Present when the box is ticked.
    report_consent: Option<String>,
}

impl ProfileForm {
    fn of(row: &ProfileRow) -> Self {
        Self {
            profession: row.profession.to_string(),
            birth_month: row.birth_month.map(|m| m.to_string()).unwrap_or_default(),
            birth_day: row.birth_day.map(|d| d.to_string()).unwrap_or_default(),
            board_number: row.board_number.clone().unwrap_or_default(),
            report_consent: row.report_consent_at.map(|_| "on".to_owned()),
        }
    }

    /// The use case's input, or the fields this page refuses itself: a day
    /// that is no number.
    fn input(&self) -> Result<ProfileInput, Vec<FieldError>> {
        let number = |field: &str, text: &str| -> Result<Option<i64>, FieldError> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            text.parse()
                .map(Some)
                .map_err(|_| refuse(field, "not_a_number", "must be a whole number"))
        };
        let month = number("birth_month", &self.birth_month);
        let day = number("birth_day", &self.birth_day);
        match (month, day) {
            (Ok(birth_month), Ok(birth_day)) => Ok(ProfileInput {
                profession: self.profession.clone(),
                birth_month,
                birth_day,
                board_number: Some(self.board_number.clone()),
                report_consent: self.report_consent.is_some(),
            }),
            (month, day) => Err(month.err().into_iter().chain(day.err()).collect()),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

fn error_of(field: &str, errors: &[FieldError], tr: &Tr) -> Option<String> {
    refusal_text("cme-profile-error", field, errors, tr)
}

async fn profile_page(
    ctx: &AppContext,
    visitor: &Visitor,
    form: &ProfileForm,
    stored: Option<&ProfileRow>,
    errors: &[FieldError],
    saved: bool,
) -> Result<Response, PageError> {
    let tr = &visitor.tr;
    let mut chrome = Chrome::new(ctx, visitor, tr.t("cme-profile-title")).await?;
    if saved {
        chrome.flash.push(tr.t("cme-profile-saved"));
    }
    let unchosen = |label: String, selected: bool| Choice {
        value: String::new(),
        label,
        selected,
    };
    let profession = Select {
        name: "profession",
        label: tr.t("cme-profile-profession"),
        choices: std::iter::once(unchosen(
            tr.t("cme-profile-profession-choose"),
            form.profession.is_empty(),
        ))
        .chain(Profession::ALL.iter().map(|p| Choice {
            value: p.to_string(),
            label: tr.t(&format!("teach-cme-profession-{p}")),
            selected: form.profession == p.as_str(),
        }))
        .collect(),
        error: error_of("profession", errors, tr),
    };
    let birth_month = Select {
        name: "birth_month",
        label: tr.t("cme-profile-birth-month"),
        choices: std::iter::once(unchosen(
            tr.t("cme-profile-birth-none"),
            form.birth_month.trim().is_empty(),
        ))
        .chain((1..=12u32).map(|month| Choice {
            value: month.to_string(),
            label: view::month_name(month, tr),
            selected: form.birth_month.trim() == month.to_string(),
        }))
        .collect(),
        error: error_of("birth_month", errors, tr),
    };
    let mut birth_day = Field::new("birth_day", tr.t("cme-profile-birth-day"), "text")
        .value(&form.birth_day)
        .inputmode("numeric")
        .autocomplete("bday-day")
        .hint(tr.t("cme-profile-birth-hint"));
    birth_day.required = false;
    birth_day.error = error_of("birth_day", errors, tr);
    let mut board_number = Field::new("board_number", tr.t("cme-profile-board-number"), "text")
        .value(&form.board_number)
        .hint(tr.t_with(
            "cme-profile-board-number-hint",
            &[(
                "max",
                Arg::Number(i64::try_from(MAX_BOARD_NUMBER_CHARS).unwrap_or(i64::MAX)),
            )],
        ));
    board_number.required = false;
    board_number.error = error_of("board_number", errors, tr);
    let page = ProfilePage {
        problem: (!errors.is_empty()).then(|| tr.t("form-errors")),
        profession,
        birth_month,
        birth_day,
        board_number,
        report_consent: form.report_consent.is_some(),
        consented: stored.and_then(|row| row.report_consent_at).map(|at| {
            tr.t_with(
                "cme-profile-consented",
                &[("date", Arg::Text(view::local_date(at, &visitor.zone, tr)))],
            )
        }),
        consent_error: error_of("report_consent", errors, tr),
        chrome,
    };
    Ok(respond(ctx, visitor, &page))
}

/// The learner's stored profile, `None` until they first save one.
async fn stored(
    ctx: &AppContext,
    actor: &medicaledu_app::Actor,
) -> Result<Option<ProfileRow>, PageError> {
    match cme_learners::get_profile(ctx, actor).await {
        Ok(row) => Ok(Some(row)),
        Err(ReadError::NotFound(_)) => Ok(None),
        Err(e) => Err(PageError::from_failure(&e)),
    }
}

/// `GET /me/cme-profile`.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<SavedQuery>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(Redirect::to(&format!("/signin?next={PATH}")).into_response());
    };
    let stored = stored(&ctx, actor).await?;
    let form = stored.as_ref().map(ProfileForm::of).unwrap_or_default();
    profile_page(
        &ctx,
        &visitor,
        &form,
        stored.as_ref(),
        &[],
        query.saved.is_some(),
    )
    .await
}

/// `POST /me/cme-profile`: saves the profile whole.
pub async fn save(
    State(ctx): State<AppContext>,
    Form { visitor, data }: Form<ProfileForm>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(Redirect::to(&format!("/signin?next={PATH}")).into_response());
    };
    let errors = match data.input() {
        Ok(input) => match cme_learners::put_profile(&ctx, actor, &visitor.meta, input).await {
            Ok(_) => return Ok(Redirect::to(&format!("{PATH}?saved=1")).into_response()),
            Err(ProfileError::Invalid(invalid)) => invalid.0,
            Err(e) => return Err(PageError::from_failure(&e)),
        },
        Err(errors) => errors,
    };
    let stored = stored(&ctx, actor).await?;
    Ok(unprocessable(
        profile_page(&ctx, &visitor, &data, stored.as_ref(), &errors, false).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_that_is_no_number_is_refused_at_its_field() {
        let form = ProfileForm {
            profession: "nurse".into(),
            birth_month: "3".into(),
            birth_day: "third".into(),
            ..ProfileForm::default()
        };
        let errors = form.input().expect_err("refused");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "birth_day");
        let blank = ProfileForm {
            profession: "nurse".into(),
            ..ProfileForm::default()
        };
        let input = blank.input().expect("read");
        assert_eq!((input.birth_month, input.birth_day), (None, None));
        assert!(!input.report_consent);
    }
}
