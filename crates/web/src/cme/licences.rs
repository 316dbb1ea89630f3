//! `/me/licences`: the licences a learner holds, each with what its renewal
//! requires and where the current cycle stands ("Met" or "Short by 3.5"),
//! the form to add one, and each one's edit page and removal. Reminders of
//! a renewal go out 90, 30 and 7 days before it; changing the date moves
//! them.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::cme_learners::{
    self, CreateLicenceError, DeleteLicenceError, HeldLicence, LicenceInput, TopicInput,
    TranscriptQuery, UpdateLicenceError,
};
use medicaledu_app::{Actor, AppContext, FieldError, ReadError};
use medicaledu_domain::{Licence, LicenceStatus, Profession};
use serde::Deserialize;

use crate::auth::Empty;
use crate::error::{PageError, parse_id};
use crate::fields::Field;
use crate::form::Form;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond, unprocessable};
use crate::teach::cme::refusal_text;
use crate::teach::course::{Choice, Select, TextArea};
use crate::teach::refuse;
use crate::view;
use crate::visitor::Visitor;

const PATH: &str = "/me/licences";

fn licence_path(id: medicaledu_domain::Id) -> String {
    format!("{PATH}/{id}")
}

/// "Met", or "Short by 3.5; short by 1 on opioid prescribing".
pub fn standing_text(status: &LicenceStatus, tr: &Tr) -> String {
    if status.is_met() {
        return tr.t("cme-licence-met");
    }
    let mut short = Vec::new();
    if !status.total.is_met() {
        short.push(tr.t_with(
            "cme-licence-short",
            &[("credits", Arg::Text(status.total.short_by.to_string()))],
        ));
    }
    for topic in status.topics.iter().filter(|t| !t.requirement.is_met()) {
        short.push(tr.t_with(
            "cme-licence-short-topic",
            &[
                ("credits", Arg::Text(topic.requirement.short_by.to_string())),
                ("topic", Arg::Text(topic.topic.as_str().to_owned())),
            ],
        ));
    }
    short.join("; ")
}

/// "Physician · California · A123456".
pub fn licence_name(licence: &Licence, tr: &Tr) -> String {
    format!(
        "{} · {} · {}",
        tr.t(&format!("teach-cme-profession-{}", licence.profession)),
        licence.jurisdiction.as_str(),
        licence.number.as_str()
    )
}

struct TopicLine {
    topic: String,
    progress: String,
    met: bool,
}

struct LicenceCard {
    name: String,
    renews: String,
    cycle: String,
    required: String,
    accepted: Option<String>,
    topics: Vec<TopicLine>,
    standing: String,
    met: bool,
    edit_href: String,
    edit_label: String,
    delete_action: String,
    delete_label: String,
}

fn card(held: &HeldLicence, status: &LicenceStatus, tr: &Tr) -> LicenceCard {
    let licence = &held.licence;
    let name = licence_name(licence, tr);
    let named = |key: &str| tr.t_with(key, &[("name", Arg::Text(name.clone()))]);
    LicenceCard {
        renews: tr.t_with(
            "cme-licence-renews-fact",
            &[("date", Arg::Text(view::date(licence.renews_on, tr)))],
        ),
        cycle: tr.t_with(
            "cme-licence-cycle",
            &[
                ("months", Arg::Number(licence.cycle_months)),
                (
                    "start",
                    Arg::Text(view::date(
                        status
                            .previous_renewal
                            .succ_opt()
                            .unwrap_or(status.previous_renewal),
                        tr,
                    )),
                ),
            ],
        ),
        required: tr.t_with(
            "cme-licence-progress",
            &[
                ("earned", Arg::Text(status.total.earned.to_string())),
                ("required", Arg::Text(status.total.required.to_string())),
            ],
        ),
        accepted: (!licence.accepted_credit_types.is_empty()).then(|| {
            let types: Vec<&str> = licence
                .accepted_credit_types
                .iter()
                .map(|t| t.as_str())
                .collect();
            tr.t_with(
                "cme-licence-accepted",
                &[("types", Arg::Text(types.join("; ")))],
            )
        }),
        topics: status
            .topics
            .iter()
            .map(|t| TopicLine {
                topic: t.topic.as_str().to_owned(),
                progress: tr.t_with(
                    "cme-licence-progress",
                    &[
                        ("earned", Arg::Text(t.requirement.earned.to_string())),
                        ("required", Arg::Text(t.requirement.required.to_string())),
                    ],
                ),
                met: t.requirement.is_met(),
            })
            .collect(),
        standing: standing_text(status, tr),
        met: status.is_met(),
        edit_href: licence_path(held.id),
        edit_label: named("cme-licence-edit-label"),
        delete_action: format!("{}/delete", licence_path(held.id)),
        delete_label: named("cme-licence-delete-label"),
        name,
    }
}

/// The licence form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct LicenceForm {
    #[serde(default)]
    profession: String,
    #[serde(default)]
    jurisdiction: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    renews_on: String,
    #[serde(default)]
    cycle_months: String,
    #[serde(default)]
    required_credits: String,
    /// One topic a line: `opioid prescribing: 2`.
    #[serde(default)]
    required_topics: String,
    /// One credit type a line; none accepts every type.
    #[serde(default)]
    accepted_credit_types: String,
}

impl LicenceForm {
    /// A new licence: most boards renew every two years.
    fn blank() -> Self {
        Self {
            cycle_months: "24".to_owned(),
            ..Self::default()
        }
    }

    fn of(licence: &Licence) -> Self {
        Self {
            profession: licence.profession.to_string(),
            jurisdiction: licence.jurisdiction.as_str().to_owned(),
            number: licence.number.as_str().to_owned(),
            renews_on: licence.renews_on.to_string(),
            cycle_months: licence.cycle_months.to_string(),
            required_credits: licence.required.to_string(),
            required_topics: licence
                .required_topics
                .iter()
                .map(|t| format!("{}: {}", t.topic.as_str(), t.credits))
                .collect::<Vec<_>>()
                .join("\n"),
            accepted_credit_types: licence
                .accepted_credit_types
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// The use case's input (every field given, the lists replaced whole),
    /// or what this page refuses itself: a cycle that is no number, a topic
    /// line without its credits.
    fn input(&self) -> Result<LicenceInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let cycle_months = match self.cycle_months.trim() {
            "" => {
                errors.push(refuse(
                    "cycle_months",
                    "required",
                    "give the months between renewals",
                ));
                None
            }
            text => match text.parse() {
                Ok(months) => Some(months),
                Err(_) => {
                    errors.push(refuse(
                        "cycle_months",
                        "not_a_number",
                        "must be a whole number",
                    ));
                    None
                }
            },
        };
        let mut topics = Vec::new();
        for line in lines(&self.required_topics) {
            match line.rsplit_once(':') {
                Some((topic, credits)) if !topic.trim().is_empty() => topics.push(TopicInput {
                    topic: topic.trim().to_owned(),
                    credits: credits.trim().to_owned(),
                }),
                _ => {
                    errors.push(refuse(
                        "required_topics",
                        "format",
                        "write each topic as `topic: credits`",
                    ));
                    break;
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(LicenceInput {
            profession: Some(self.profession.clone()),
            jurisdiction: Some(self.jurisdiction.clone()),
            number: Some(self.number.clone()),
            renews_on: Some(self.renews_on.clone()),
            cycle_months,
            required_credits: Some(self.required_credits.clone()),
            required_topics: Some(topics),
            accepted_credit_types: Some(
                lines(&self.accepted_credit_types)
                    .map(str::to_owned)
                    .collect(),
            ),
        })
    }
}

/// The text's lines with something on them, trimmed.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|line| !line.is_empty())
}

struct LicenceFields {
    action: String,
    submit: String,
    /// The edit page leads back to the list; the list holds the form.
    back: bool,
    problem: Option<String>,
    profession: Select,
    jurisdiction: Field,
    number: Field,
    renews_on: Field,
    cycle_months: Field,
    required_credits: Field,
    required_topics: TextArea,
    accepted_credit_types: TextArea,
}

fn error_of(field: &str, errors: &[FieldError], tr: &Tr) -> Option<String> {
    refusal_text("cme-licence-error", field, errors, tr)
}

fn fields(
    form: &LicenceForm,
    action: String,
    submit: String,
    errors: &[FieldError],
    tr: &Tr,
) -> LicenceFields {
    let field = |name: &'static str, label: &str, kind: &'static str, value: &str| {
        let mut field = Field::new(name, tr.t(label), kind).value(value);
        field.error = error_of(name, errors, tr);
        field
    };
    LicenceFields {
        back: action != PATH,
        action,
        submit,
        problem: (!errors.is_empty()).then(|| tr.t("form-errors")),
        profession: Select {
            name: "profession",
            label: tr.t("cme-licence-profession"),
            choices: Profession::ALL
                .iter()
                .map(|p| Choice {
                    value: p.to_string(),
                    label: tr.t(&format!("teach-cme-profession-{p}")),
                    selected: form.profession == p.as_str(),
                })
                .collect(),
            error: error_of("profession", errors, tr),
        },
        jurisdiction: field(
            "jurisdiction",
            "cme-licence-jurisdiction",
            "text",
            &form.jurisdiction,
        )
        .hint(tr.t("cme-licence-jurisdiction-hint")),
        number: field("number", "cme-licence-number", "text", &form.number),
        renews_on: field(
            "renews_on",
            "cme-licence-renews-on",
            "date",
            &form.renews_on,
        ),
        cycle_months: field(
            "cycle_months",
            "cme-licence-cycle-months",
            "text",
            &form.cycle_months,
        )
        .inputmode("numeric"),
        required_credits: field(
            "required_credits",
            "cme-licence-required-credits",
            "text",
            &form.required_credits,
        )
        .inputmode("decimal"),
        required_topics: TextArea {
            name: "required_topics",
            label: tr.t("cme-licence-required-topics"),
            value: form.required_topics.clone(),
            hint: Some(tr.t("cme-licence-required-topics-hint")),
            error: error_of("required_topics", errors, tr),
        },
        accepted_credit_types: TextArea {
            name: "accepted_credit_types",
            label: tr.t("cme-licence-accepted-types"),
            value: form.accepted_credit_types.clone(),
            hint: Some(tr.t("cme-licence-accepted-types-hint")),
            error: error_of("accepted_credit_types", errors, tr),
        },
    }
}

#[derive(Template)]
#[template(path = "cme_licences.html")]
struct LicencesPage {
    chrome: Chrome,
    licences: Vec<LicenceCard>,
    form: LicenceFields,
}

#[derive(Template)]
#[template(path = "cme_licence.html")]
struct LicencePage {
    chrome: Chrome,
    heading: String,
    form: LicenceFields,
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

fn sign_in(back: &str) -> Response {
    Redirect::to(&format!("/signin?next={back}")).into_response()
}

async fn licences_page(
    ctx: &AppContext,
    visitor: &Visitor,
    actor: &Actor,
    form: &LicenceForm,
    errors: &[FieldError],
    done: Option<&str>,
) -> Result<Response, PageError> {
    let tr = &visitor.tr;
    let transcript = cme_learners::transcript(ctx, actor, TranscriptQuery::default())
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let mut chrome = Chrome::new(ctx, visitor, tr.t("cme-licences-title")).await?;
    if let Some(done) = done.and_then(|d| tr.try_t(&format!("cme-licences-done-{d}"))) {
        chrome.flash.push(done);
    }
    let page = LicencesPage {
        chrome,
        licences: transcript
            .licences
            .iter()
            .map(|s| card(&s.licence, &s.status, tr))
            .collect(),
        form: fields(form, PATH.to_owned(), tr.t("cme-licence-add"), errors, tr),
    };
    Ok(respond(ctx, visitor, &page))
}

/// `GET /me/licences`.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(sign_in(PATH));
    };
    licences_page(
        &ctx,
        &visitor,
        actor,
        &LicenceForm::blank(),
        &[],
        query.done.as_deref(),
    )
    .await
}

/// `POST /me/licences`: adds a licence.
pub async fn add(
    State(ctx): State<AppContext>,
    Form { visitor, data }: Form<LicenceForm>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(sign_in(PATH));
    };
    let errors = match data.input() {
        Ok(input) => match cme_learners::create_licence(&ctx, actor, &visitor.meta, input).await {
            Ok(_) => return Ok(Redirect::to(&format!("{PATH}?done=added")).into_response()),
            Err(CreateLicenceError::Invalid(invalid)) => invalid.0,
            Err(e) => return Err(PageError::from_failure(&e)),
        },
        Err(errors) => errors,
    };
    Ok(unprocessable(
        licences_page(&ctx, &visitor, actor, &data, &errors, None).await?,
    ))
}

/// One of the learner's licences; another's is "not found".
async fn held(ctx: &AppContext, actor: &Actor, id: &str) -> Result<HeldLicence, PageError> {
    let id = parse_id(id)?;
    cme_learners::list_licences(ctx, actor)
        .await
        .map_err(|e: ReadError| PageError::from_failure(&e))?
        .into_iter()
        .find(|held| held.id == id)
        .ok_or(PageError::NotFound)
}

async fn licence_page(
    ctx: &AppContext,
    visitor: &Visitor,
    held: &HeldLicence,
    form: &LicenceForm,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let tr = &visitor.tr;
    let heading = tr.t_with(
        "cme-licence-edit-title",
        &[("name", Arg::Text(licence_name(&held.licence, tr)))],
    );
    let page = LicencePage {
        chrome: Chrome::new(ctx, visitor, heading.clone()).await?,
        heading,
        form: fields(
            form,
            licence_path(held.id),
            tr.t("cme-licence-save"),
            errors,
            tr,
        ),
    };
    Ok(respond(ctx, visitor, &page))
}

/// `GET /me/licences/{id}`: the licence's edit form.
pub async fn edit_page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(sign_in(&format!("{PATH}/{id}")));
    };
    let held = held(&ctx, actor, &id).await?;
    licence_page(&ctx, &visitor, &held, &LicenceForm::of(&held.licence), &[]).await
}

/// `POST /me/licences/{id}`: saves the licence.
pub async fn save(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, data }: Form<LicenceForm>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(sign_in(&format!("{PATH}/{id}")));
    };
    let held = held(&ctx, actor, &id).await?;
    let errors = match data.input() {
        Ok(input) => {
            match cme_learners::update_licence(&ctx, actor, &visitor.meta, held.id, input).await {
                Ok(_) => return Ok(Redirect::to(&format!("{PATH}?done=saved")).into_response()),
                Err(UpdateLicenceError::Invalid(invalid)) => invalid.0,
                Err(e) => return Err(PageError::from_failure(&e)),
            }
        }
        Err(errors) => errors,
    };
    Ok(unprocessable(
        licence_page(&ctx, &visitor, &held, &data, &errors).await?,
    ))
}

/// `POST /me/licences/{id}/delete`: removes the licence and the reminders
/// of its renewal that have not gone out.
pub async fn delete(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(sign_in(PATH));
    };
    let id = parse_id(&id)?;
    match cme_learners::delete_licence(&ctx, actor, &visitor.meta, id).await {
        Ok(()) => Ok(Redirect::to(&format!("{PATH}?done=deleted")).into_response()),
        Err(DeleteLicenceError::NotFound) => Err(PageError::NotFound),
        Err(e) => Err(PageError::from_failure(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_lines_read_as_topic_and_credits() {
        let form = LicenceForm {
            required_topics: "opioid prescribing: 2\n\n  ethics: 1.5 \n".into(),
            accepted_credit_types: "AMA PRA Category 1 Credit™\n\n".into(),
            ..LicenceForm::blank()
        };
        let input = form.input().expect("read");
        let topics: Vec<(String, String)> = input
            .required_topics
            .expect("given")
            .into_iter()
            .map(|t| (t.topic, t.credits))
            .collect();
        assert_eq!(
            topics,
            [
                ("opioid prescribing".to_owned(), "2".to_owned()),
                ("ethics".to_owned(), "1.5".to_owned())
            ]
        );
        assert_eq!(
            input.accepted_credit_types.expect("given"),
            ["AMA PRA Category 1 Credit™"]
        );
        assert_eq!(input.cycle_months, Some(24));
    }

    #[test]
    fn a_topic_without_its_credits_is_refused_at_the_list() {
        let form = LicenceForm {
            required_topics: "ethics".into(),
            cycle_months: "two years".into(),
            ..LicenceForm::blank()
        };
        let fields: Vec<String> = form
            .input()
            .expect_err("refused")
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["cycle_months", "required_topics"]);
    }
}
