//! `/me/external-credits`: credit the learner earned elsewhere and records
//! here so that their transcript and licences count it. It is their word,
//! not a certificate of ours, and reads "self-reported" wherever it shows.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::cme_learners::{
    self, CreateExternalCreditError, DeleteExternalCreditError, ExternalCredit, ExternalCreditInput,
};
use medicaledu_app::{Actor, AppContext, FieldError};
use serde::Deserialize;

use crate::auth::Empty;
use crate::error::{PageError, parse_id};
use crate::fields::Field;
use crate::form::Form;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond, unprocessable};
use crate::teach::cme::refusal_text;
use crate::teach::course::TextArea;
use crate::view;
use crate::visitor::Visitor;

const PATH: &str = "/me/external-credits";

struct CreditLine {
    earned: String,
    title: String,
    provider: String,
    credit_type: String,
    credits: String,
    topics: String,
    delete_action: String,
    delete_label: String,
}

fn line(credit: &ExternalCredit, tr: &Tr) -> CreditLine {
    let topics: Vec<&str> = credit.topics.iter().map(|t| t.as_str()).collect();
    CreditLine {
        earned: view::date(credit.earned_on, tr),
        provider: credit.provider_name.clone(),
        credit_type: credit.credit_type.as_str().to_owned(),
        credits: credit.credits.to_string(),
        topics: topics.join("; "),
        delete_action: format!("{PATH}/{}/delete", credit.id),
        delete_label: tr.t_with(
            "cme-external-delete-label",
            &[("title", Arg::Text(credit.title.clone()))],
        ),
        title: credit.title.clone(),
    }
}

/// The form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct ExternalForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    provider_name: String,
    #[serde(default)]
    credit_type: String,
    #[serde(default)]
    credits: String,
    #[serde(default)]
    earned_on: String,
    /// One topic a line.
    #[serde(default)]
    topics: String,
}

impl ExternalForm {
    fn input(&self) -> ExternalCreditInput {
        ExternalCreditInput {
            title: self.title.clone(),
            provider_name: self.provider_name.clone(),
            credit_type: self.credit_type.clone(),
            credits: self.credits.clone(),
            earned_on: self.earned_on.clone(),
            topics: self
                .topics
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .map(str::to_owned)
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "cme_external_credits.html")]
struct ExternalPage {
    chrome: Chrome,
    credits: Vec<CreditLine>,
    problem: Option<String>,
    title: Field,
    provider_name: Field,
    credit_type: Field,
    amount: Field,
    earned_on: Field,
    topics: TextArea,
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

fn sign_in() -> Response {
    Redirect::to(&format!("/signin?next={PATH}")).into_response()
}

async fn external_page(
    ctx: &AppContext,
    visitor: &Visitor,
    actor: &Actor,
    form: &ExternalForm,
    errors: &[FieldError],
    done: Option<&str>,
) -> Result<Response, PageError> {
    let tr = &visitor.tr;
    let recorded = cme_learners::list_external_credits(ctx, actor)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let mut chrome = Chrome::new(ctx, visitor, tr.t("cme-external-title")).await?;
    if let Some(done) = done.and_then(|d| tr.try_t(&format!("cme-external-done-{d}"))) {
        chrome.flash.push(done);
    }
    let field = |name: &'static str, label: &str, kind: &'static str, value: &str| {
        let mut field = Field::new(name, tr.t(label), kind).value(value);
        field.error = refusal_text("cme-external-error", name, errors, tr);
        field
    };
    let page = ExternalPage {
        chrome,
        credits: recorded.iter().map(|c| line(c, tr)).collect(),
        problem: (!errors.is_empty()).then(|| tr.t("form-errors")),
        title: field("title", "cme-external-activity", "text", &form.title),
        provider_name: field(
            "provider_name",
            "cme-external-provider",
            "text",
            &form.provider_name,
        ),
        credit_type: field(
            "credit_type",
            "cme-external-credit-type",
            "text",
            &form.credit_type,
        )
        .hint(tr.t("cme-external-credit-type-hint")),
        amount: field("credits", "cme-external-credits", "text", &form.credits)
            .inputmode("decimal"),
        earned_on: field(
            "earned_on",
            "cme-external-earned-on",
            "date",
            &form.earned_on,
        ),
        topics: TextArea {
            name: "topics",
            label: tr.t("cme-external-topics"),
            value: form.topics.clone(),
            hint: Some(tr.t("cme-external-topics-hint")),
            error: refusal_text("cme-external-error", "topics", errors, tr),
        },
    };
    Ok(respond(ctx, visitor, &page))
}

/// `GET /me/external-credits`.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(sign_in());
    };
    external_page(
        &ctx,
        &visitor,
        actor,
        &ExternalForm::default(),
        &[],
        query.done.as_deref(),
    )
    .await
}

/// `POST /me/external-credits`: records a credit.
pub async fn add(
    State(ctx): State<AppContext>,
    Form { visitor, data }: Form<ExternalForm>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(sign_in());
    };
    let errors = match cme_learners::create_external_credit(
        &ctx,
        actor,
        &visitor.meta,
        data.input(),
    )
    .await
    {
        Ok(_) => return Ok(Redirect::to(&format!("{PATH}?done=added")).into_response()),
        Err(CreateExternalCreditError::Invalid(invalid)) => invalid.0,
        Err(e) => return Err(PageError::from_failure(&e)),
    };
    Ok(unprocessable(
        external_page(&ctx, &visitor, actor, &data, &errors, None).await?,
    ))
}

/// `POST /me/external-credits/{id}/delete`.
pub async fn delete(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(sign_in());
    };
    let id = parse_id(&id)?;
    match cme_learners::delete_external_credit(&ctx, actor, &visitor.meta, id).await {
        Ok(()) => Ok(Redirect::to(&format!("{PATH}?done=deleted")).into_response()),
        Err(DeleteExternalCreditError::NotFound) => Err(PageError::NotFound),
        Err(e) => Err(PageError::from_failure(&e)),
    }
}
