//! `/teach/courses/{id}/cme`: the continuing-education side of a course as
//! its instructor (or an administrator) sets it up. The course made an
//! activity of an accredited provider (format, dates, disclosure, topics);
//! its credit designations, each added, edited and removed after a
//! confirmation page; and the rules of its pre-test, post-test and
//! evaluation. The question banks and item statistics are `cme_bank.rs`.
//! Every page calls the use cases of `medicaledu_app::cme`, which decide who
//! may set up which course: someone else's course is "not found".

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::cme::assessments::{self, Bank, SettingsInput};
use medicaledu_app::cme::catalog::{
    self, ActivityInput, ActivityView, DesignationInput, SetupError,
};
use medicaledu_app::{Actor, AppContext, FieldError, ReadError};
use medicaledu_domain::{
    ActivityFormat, AssessmentKind, CertificateKind, CreditAmount, Id, Profession,
};
use medicaledu_store::cme::activities::DesignationRow;
use medicaledu_store::cme::assessments::AssessmentRow;
use medicaledu_store::courses::CourseRow;
use serde::Deserialize;

use super::course::{Choice, DeletePage, Select, TextArea};
use super::{field_errors, page_error, refuse, signed_in};
use crate::auth::Empty;
use crate::error::{PageError, parse_id};
use crate::fields::Field;
use crate::form::Form;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond, unprocessable};
use crate::visitor::Visitor;

/// The address of a course's CME page.
pub(super) fn cme_path(course: Id) -> String {
    format!("/teach/courses/{course}/cme")
}

/// The address of one of a course's assessments.
pub(super) fn assessment_path(course: Id, kind: AssessmentKind) -> String {
    format!("/teach/courses/{course}/cme/{kind}")
}

/// The assessment a path names; any other word names no page.
pub(super) fn kind_of(text: &str) -> Result<AssessmentKind, PageError> {
    text.parse().map_err(|_| PageError::NotFound)
}

/// The signed-in user and the course they set up.
pub(super) struct Managed<'v> {
    pub actor: &'v Actor,
    pub course: CourseRow,
}

/// The course `id` for the page at `{cme_path}{rest}`, with who opens it; a
/// visitor not signed in is sent to sign in and back, and anyone who may
/// not set the course up is told it does not exist.
pub(super) async fn manage<'v>(
    ctx: &AppContext,
    visitor: &'v Visitor,
    id: &str,
    rest: &str,
) -> Result<Result<Managed<'v>, Response>, PageError> {
    let id = parse_id(id)?;
    let actor = match signed_in(visitor, &format!("{}{rest}", cme_path(id))) {
        Ok(actor) => actor,
        Err(detour) => return Ok(Err(detour.into_response())),
    };
    let (course, _) = medicaledu_app::teaching::course_to_edit(ctx, actor, id)
        .await
        .map_err(page_error)?;
    Ok(Ok(Managed { actor, course }))
}

/// The course's activity, `None` until the course is made one.
pub(super) async fn activity(
    ctx: &AppContext,
    course_id: Id,
) -> Result<Option<ActivityView>, PageError> {
    match catalog::activity_of_course(ctx, course_id).await {
        Ok(view) => Ok(Some(view)),
        Err(ReadError::NotFound(_)) => Ok(None),
        Err(e) => Err(page_error(e)),
    }
}

/// The assessment's bank, `None` while its rules were never saved. Asked
/// only once the course is known to be an activity the actor may set up,
/// so "not found" can only mean the assessment.
pub(super) async fn bank(
    ctx: &AppContext,
    actor: &Actor,
    course_id: Id,
    kind: AssessmentKind,
) -> Result<Option<Bank>, PageError> {
    match assessments::bank(ctx, actor, course_id, kind).await {
        Ok(bank) => Ok(Some(bank)),
        Err(SetupError::NotFound(_)) => Ok(None),
        Err(e) => Err(page_error(e)),
    }
}

/// The CME page of the course, saying why the visitor was sent there.
pub(super) fn back_to_cme(course: Id, done: &str) -> Response {
    Redirect::to(&format!("{}?done={done}", cme_path(course))).into_response()
}

/// The message for `field`'s first refusal: the page's own words for the
/// field and code (`{prefix}-max_credits-invalid`), then for the code, then
/// the catalog's for the code, then the use case's. A refusal of one item of
/// a list (`topics[1]`, `options[0].text`) is shown at the list.
pub(crate) fn refusal_text(
    prefix: &str,
    field: &str,
    errors: &[FieldError],
    tr: &Tr,
) -> Option<String> {
    errors
        .iter()
        .find(|e| base_field(&e.field) == field)
        .map(|e| {
            tr.try_t(&format!("{prefix}-{field}-{}", e.code))
                .or_else(|| tr.try_t(&format!("{prefix}-{}", e.code)))
                .or_else(|| tr.try_t(&format!("field-error-{}", e.code)))
                .unwrap_or_else(|| e.message.clone())
        })
}

/// The instructor's CME pages' words for `field`'s first refusal.
pub(super) fn cme_error(field: &str, errors: &[FieldError], tr: &Tr) -> Option<String> {
    refusal_text("teach-cme-error", field, errors, tr)
}

fn base_field(path: &str) -> &str {
    path.split(['[', '.']).next().unwrap_or(path)
}

/// `field`'s first refusal, shown with it.
pub(super) fn with_error(mut field: Field, errors: &[FieldError], tr: &Tr) -> Field {
    field.error = cme_error(field.name, errors, tr);
    field
}

/// A field that may stay empty.
pub(crate) fn optional(mut field: Field) -> Field {
    field.required = false;
    field
}

/// A group of radio buttons or checkboxes under one legend.
pub struct Group {
    pub name: &'static str,
    pub legend: String,
    pub hint: Option<String>,
    pub choices: Vec<Choice>,
    pub error: Option<String>,
}

impl Group {
    /// One of a vocabulary's values (its `ALL`), as radio buttons labelled by
    /// `label(value)`, with `chosen` selected and `name`'s refusal.
    pub(super) fn one_of<T: std::fmt::Display>(
        name: &'static str,
        legend: String,
        values: &[T],
        chosen: &str,
        label: impl Fn(&str) -> String,
        errors: &[FieldError],
        tr: &Tr,
    ) -> Self {
        Self {
            name,
            legend,
            hint: None,
            choices: values
                .iter()
                .map(|v| {
                    let value = v.to_string();
                    Choice {
                        label: label(&value),
                        selected: chosen == value,
                        value,
                    }
                })
                .collect(),
            error: cme_error(name, errors, tr),
        }
    }
}

/// A whole number typed in `field`, or its refusal; `None` when empty.
pub(super) fn whole_number(
    field: &str,
    text: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Option<i64>> {
    match text.trim() {
        "" => Some(None),
        text => match text.parse::<i64>() {
            Ok(n) => Some(Some(n)),
            Err(_) => {
                errors.push(refuse(field, "not_whole", "must be a whole number"));
                None
            }
        },
    }
}

pub(super) fn assessment_name(tr: &Tr, kind: AssessmentKind) -> String {
    tr.t(&format!("teach-cme-assessment-{kind}"))
}

fn profession_label(tr: &Tr, profession: Profession) -> String {
    tr.t(&format!("teach-cme-profession-{profession}"))
}

fn credits(hundredths: i64) -> String {
    CreditAmount::from_hundredths(hundredths)
        .map(|c| c.to_string())
        .unwrap_or_else(|_| hundredths.to_string())
}

// The activity.

/// The activity form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct ActivityForm {
    #[serde(default)]
    provider_id: String,
    #[serde(default)]
    format: String,
    /// `YYYY-MM-DD`, as a date input writes it.
    #[serde(default)]
    release_on: String,
    #[serde(default)]
    expires_on: String,
    #[serde(default)]
    disclosure: String,
    /// Separated by commas.
    #[serde(default)]
    topics: String,
}

impl ActivityForm {
    fn of(view: &ActivityView) -> Self {
        Self {
            provider_id: view.provider.id.to_string(),
            format: view.activity.format.to_string(),
            release_on: view.activity.release_on.to_string(),
            expires_on: view
                .activity
                .expires_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
            disclosure: view.activity.disclosure.clone(),
            topics: view.topics.join(", "),
        }
    }

    /// A new activity, released today in the instructor's zone.
    fn blank(ctx: &AppContext, visitor: &Visitor) -> Self {
        let today = ctx
            .now()
            .as_datetime()
            .with_timezone(&visitor.zone.tz())
            .date_naive();
        Self {
            format: ActivityFormat::Enduring.to_string(),
            release_on: today.to_string(),
            ..Self::default()
        }
    }

    fn input(&self) -> Result<ActivityInput, Vec<FieldError>> {
        let Ok(provider_id) = self.provider_id.trim().parse::<Id>() else {
            return Err(vec![refuse(
                "provider_id",
                "not_found",
                "choose one of the providers",
            )]);
        };
        Ok(ActivityInput {
            provider_id,
            format: self.format.clone(),
            release_on: self.release_on.clone(),
            expires_on: Some(self.expires_on.clone()),
            disclosure: self.disclosure.clone(),
            topics: self
                .topics
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }
}

/// The activity form as the page shows it.
pub struct ActivityFields {
    pub provider: Select,
    pub format: Group,
    pub release_on: Field,
    pub expires_on: Field,
    pub disclosure: TextArea,
    pub topics: Field,
}

/// A designation as the CME page lists it.
pub struct DesignationLine {
    pub id: String,
    pub credit_type: String,
    pub kind: String,
    pub max_credits: String,
    pub step: String,
    pub professions: String,
    pub edit_label: String,
    pub delete_label: String,
}

/// One of the three assessments, as the CME page lists it.
pub struct AssessmentLine {
    pub kind: String,
    pub name: String,
    pub purpose: String,
    /// Its rules in a sentence; `None` until they are saved.
    pub summary: Option<String>,
    pub settings_label: String,
    pub questions_label: String,
    pub statistics_label: String,
}

/// What the course has once it is an activity.
pub struct Setup {
    pub designations: Vec<DesignationLine>,
    pub assessments: Vec<AssessmentLine>,
}

#[derive(Template)]
#[template(path = "teach_cme.html")]
struct CmePage {
    chrome: Chrome,
    heading: String,
    course_id: String,
    notice: Option<String>,
    problem: Option<String>,
    /// Absent while no provider exists: there is nothing to choose from.
    form: Option<ActivityFields>,
    /// Absent until the course is an activity.
    setup: Option<Setup>,
}

/// Why the CME page was opened after a change, each with its notice.
const DONE: [&str; 5] = [
    "activity",
    "designation_added",
    "designation_saved",
    "designation_deleted",
    "needs_activity",
];

fn designation_line(row: &DesignationRow, tr: &Tr) -> DesignationLine {
    let named = |key: &str| tr.t_with(key, &[("name", Arg::Text(row.credit_type.clone()))]);
    DesignationLine {
        id: row.id.to_string(),
        credit_type: row.credit_type.clone(),
        kind: tr.t(&format!("teach-cme-kind-{}", row.kind)),
        max_credits: credits(row.max_credit_hundredths),
        step: credits(row.step_hundredths),
        professions: if row.professions.is_empty() {
            tr.t("teach-cme-professions-none")
        } else {
            // In the order of the form's checkboxes, not as stored.
            let mut professions = row.professions.clone();
            professions.sort();
            professions
                .iter()
                .map(|p| profession_label(tr, *p))
                .collect::<Vec<_>>()
                .join(", ")
        },
        edit_label: named("teach-cme-designation-edit-label"),
        delete_label: named("teach-cme-designation-delete-label"),
    }
}

/// An assessment's rules in a sentence.
fn summary(row: &AssessmentRow, questions: usize, tr: &Tr) -> String {
    let mut parts = Vec::new();
    if row.kind.is_scored() {
        parts.push(tr.t_with(
            "teach-cme-summary-pass-mark",
            &[("percent", Arg::Number(row.pass_mark_percent))],
        ));
    }
    parts.push(match row.max_attempts {
        Some(max) => tr.t_with("teach-cme-summary-attempts", &[("count", Arg::Number(max))]),
        None => tr.t("teach-cme-summary-attempts-any"),
    });
    if let Some(limit) = row.time_limit_seconds {
        parts.push(tr.t_with(
            "teach-cme-summary-time-limit",
            &[("minutes", Arg::Number(limit / 60))],
        ));
    }
    parts.push(tr.t_with(
        "teach-cme-summary-questions",
        &[("count", Arg::Number(questions as i64))],
    ));
    parts.join(" · ")
}

async fn setup(
    ctx: &AppContext,
    actor: &Actor,
    view: &ActivityView,
    tr: &Tr,
) -> Result<Setup, PageError> {
    let mut lines = Vec::new();
    for kind in AssessmentKind::ALL {
        let bank = bank(ctx, actor, view.activity.course_id, kind).await?;
        let name = assessment_name(tr, kind);
        let named = |key: &str| tr.t_with(key, &[("name", Arg::Text(name.clone()))]);
        lines.push(AssessmentLine {
            kind: kind.to_string(),
            purpose: tr.t(&format!("teach-cme-assessment-{kind}-purpose")),
            summary: bank
                .as_ref()
                .map(|b| summary(&b.assessment, b.questions.len(), tr)),
            settings_label: named("teach-cme-settings-label"),
            questions_label: named("teach-cme-questions-label"),
            statistics_label: named("teach-cme-statistics-label"),
            name,
        });
    }
    Ok(Setup {
        designations: view
            .designations
            .iter()
            .map(|d| designation_line(d, tr))
            .collect(),
        assessments: lines,
    })
}

/// What the CME page says above its forms.
#[derive(Default)]
struct Notes {
    notice: Option<String>,
    problem: Option<String>,
}

async fn cme_page(
    ctx: &AppContext,
    visitor: &Visitor,
    managed: &Managed<'_>,
    view: Option<&ActivityView>,
    form: &ActivityForm,
    notes: Notes,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let tr = &visitor.tr;
    let course = &managed.course;
    let providers = catalog::list_providers(ctx).await.map_err(page_error)?;
    let fields = (!providers.is_empty()).then(|| ActivityFields {
        provider: Select {
            name: "provider_id",
            label: tr.t("teach-cme-provider"),
            choices: providers
                .iter()
                .map(|p| Choice {
                    value: p.id.to_string(),
                    label: format!("{} ({})", p.name, p.accreditor),
                    selected: p.id.to_string() == form.provider_id,
                })
                .collect(),
            error: cme_error("provider_id", errors, tr),
        },
        format: Group::one_of(
            "format",
            tr.t("teach-cme-format"),
            &ActivityFormat::ALL,
            &form.format,
            |f| tr.t(&format!("teach-cme-format-{f}-choice")),
            errors,
            tr,
        ),
        release_on: with_error(
            Field::new("release_on", tr.t("teach-cme-release-on"), "date")
                .value(&form.release_on)
                .hint(tr.t("teach-cme-release-on-hint")),
            errors,
            tr,
        ),
        expires_on: with_error(
            optional(
                Field::new("expires_on", tr.t("teach-cme-expires-on"), "date")
                    .value(&form.expires_on)
                    .hint(tr.t("teach-cme-expires-on-hint")),
            ),
            errors,
            tr,
        ),
        disclosure: TextArea {
            name: "disclosure",
            label: tr.t("teach-cme-disclosure"),
            value: form.disclosure.clone(),
            hint: Some(tr.t("teach-cme-disclosure-hint")),
            error: cme_error("disclosure", errors, tr),
        },
        topics: with_error(
            optional(
                Field::new("topics", tr.t("teach-cme-topics"), "text")
                    .value(&form.topics)
                    .hint(tr.t("teach-cme-topics-hint")),
            ),
            errors,
            tr,
        ),
    });
    let setup = match view {
        Some(view) => Some(setup(ctx, managed.actor, view, tr).await?),
        None => None,
    };
    let heading = tr.t_with(
        "teach-cme-heading",
        &[("title", Arg::Text(course.title.clone()))],
    );
    let page = CmePage {
        chrome: Chrome::new(ctx, visitor, heading.clone()).await?,
        heading,
        course_id: course.id.to_string(),
        notice: notes.notice,
        problem: notes.problem,
        form: fields,
        setup,
    };
    Ok(respond(ctx, visitor, &page))
}

#[derive(Debug, Default, Deserialize)]
pub struct CmeQuery {
    done: Option<String>,
}

/// `GET /teach/courses/{id}/cme`: the activity, its designations and its
/// assessments.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(query): Query<CmeQuery>,
) -> Result<Response, PageError> {
    let managed = match manage(&ctx, &visitor, &id, "").await? {
        Ok(managed) => managed,
        Err(answer) => return Ok(answer),
    };
    let view = activity(&ctx, managed.course.id).await?;
    let form = match &view {
        Some(view) => ActivityForm::of(view),
        None => ActivityForm::blank(&ctx, &visitor),
    };
    let notice = query
        .done
        .as_deref()
        .filter(|done| DONE.contains(done))
        .map(|done| visitor.tr.t(&format!("teach-cme-done-{done}")));
    let notes = Notes {
        notice,
        ..Notes::default()
    };
    cme_page(&ctx, &visitor, &managed, view.as_ref(), &form, notes, &[]).await
}

/// `POST /teach/courses/{id}/cme`: makes the course an activity, or changes it.
pub async fn save_activity(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, data }: Form<ActivityForm>,
) -> Result<Response, PageError> {
    let managed = match manage(&ctx, &visitor, &id, "").await? {
        Ok(managed) => managed,
        Err(answer) => return Ok(answer),
    };
    let course_id = managed.course.id;
    let refused = match data.input() {
        Ok(input) => {
            match catalog::set_activity(&ctx, managed.actor, &visitor.meta, course_id, input).await
            {
                Ok(_) => return Ok(back_to_cme(course_id, "activity")),
                Err(SetupError::Invalid(invalid)) => field_errors(&invalid),
                Err(e) => return Err(page_error(e)),
            }
        }
        Err(errors) => errors,
    };
    let notes = Notes {
        problem: Some(visitor.tr.t("form-errors")),
        ..Notes::default()
    };
    let view = activity(&ctx, course_id).await?;
    Ok(unprocessable(
        cme_page(
            &ctx,
            &visitor,
            &managed,
            view.as_ref(),
            &data,
            notes,
            &refused,
        )
        .await?,
    ))
}

// Designations.

/// The designation form as typed: every profession checked is one
/// `professions` pair, so the form is read from its pairs.
#[derive(Debug, Default)]
pub struct DesignationForm {
    kind: String,
    credit_type: String,
    max_credits: String,
    step: String,
    statement: String,
    professions: Vec<String>,
}

impl DesignationForm {
    fn posted(pairs: &[(String, String)]) -> Self {
        let one = |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        Self {
            kind: one("kind"),
            credit_type: one("credit_type"),
            max_credits: one("max_credits"),
            step: one("step"),
            statement: one("statement"),
            professions: pairs
                .iter()
                .filter(|(n, _)| n == "professions")
                .map(|(_, v)| v.clone())
                .collect(),
        }
    }

    fn of(row: &DesignationRow) -> Self {
        Self {
            kind: row.kind.to_string(),
            credit_type: row.credit_type.clone(),
            max_credits: credits(row.max_credit_hundredths),
            step: credits(row.step_hundredths),
            statement: row.statement.clone(),
            professions: row.professions.iter().map(|p| p.to_string()).collect(),
        }
    }

    /// A credit designation in quarter credits, for physicians.
    fn blank() -> Self {
        Self {
            kind: CertificateKind::Credit.to_string(),
            step: CreditAmount::from(medicaledu_domain::ClaimStep::QUARTER).to_string(),
            professions: vec![Profession::Physician.to_string()],
            ..Self::default()
        }
    }

    fn input(&self) -> DesignationInput {
        DesignationInput {
            kind: self.kind.clone(),
            credit_type: self.credit_type.clone(),
            max_credits: self.max_credits.clone(),
            step: self.step.clone(),
            statement: self.statement.clone(),
            professions: self.professions.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "teach_cme_designation.html")]
struct DesignationPage {
    chrome: Chrome,
    heading: String,
    course_id: String,
    course_title: String,
    action: String,
    problem: Option<String>,
    /// Set when editing: it can then be removed.
    designation_id: Option<String>,
    kind: Group,
    credit_type: Field,
    max_credits: Field,
    step: Field,
    statement: TextArea,
    professions: Group,
}

async fn designation_page(
    ctx: &AppContext,
    visitor: &Visitor,
    course: &CourseRow,
    existing: Option<&DesignationRow>,
    form: &DesignationForm,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let tr = &visitor.tr;
    let (heading, action) = match existing {
        Some(row) => (
            tr.t_with(
                "teach-cme-designation-edit-heading",
                &[("name", Arg::Text(row.credit_type.clone()))],
            ),
            format!("{}/designations/{}", cme_path(course.id), row.id),
        ),
        None => (
            tr.t("teach-cme-designation-new-heading"),
            format!("{}/designations/new", cme_path(course.id)),
        ),
    };
    let page = DesignationPage {
        chrome: Chrome::new(ctx, visitor, heading.clone()).await?,
        heading,
        course_id: course.id.to_string(),
        course_title: course.title.clone(),
        action,
        problem: (!errors.is_empty()).then(|| tr.t("form-errors")),
        designation_id: existing.map(|row| row.id.to_string()),
        kind: Group::one_of(
            "kind",
            tr.t("teach-cme-designation-kind"),
            &CertificateKind::ALL,
            &form.kind,
            |k| tr.t(&format!("teach-cme-kind-{k}-choice")),
            errors,
            tr,
        ),
        credit_type: with_error(
            Field::new("credit_type", tr.t("teach-cme-credit-type"), "text")
                .value(&form.credit_type)
                .hint(tr.t("teach-cme-credit-type-hint")),
            errors,
            tr,
        ),
        max_credits: with_error(
            Field::new("max_credits", tr.t("teach-cme-max-credits"), "text")
                .value(&form.max_credits)
                .inputmode("decimal")
                .hint(tr.t("teach-cme-max-credits-hint")),
            errors,
            tr,
        ),
        step: with_error(
            Field::new("step", tr.t("teach-cme-step"), "text")
                .value(&form.step)
                .inputmode("decimal")
                .hint(tr.t("teach-cme-step-hint")),
            errors,
            tr,
        ),
        statement: TextArea {
            name: "statement",
            label: tr.t("teach-cme-statement"),
            value: form.statement.clone(),
            hint: Some(tr.t("teach-cme-statement-hint")),
            error: cme_error("statement", errors, tr),
        },
        professions: Group {
            name: "professions",
            legend: tr.t("teach-cme-professions"),
            hint: Some(tr.t("teach-cme-professions-hint")),
            choices: Profession::ALL
                .iter()
                .map(|p| Choice {
                    value: p.to_string(),
                    label: profession_label(tr, *p),
                    selected: form.professions.iter().any(|chosen| chosen == p.as_str()),
                })
                .collect(),
            error: cme_error("professions", errors, tr),
        },
    };
    Ok(respond(ctx, visitor, &page))
}

/// The activity of a course that must be one for the page asked; `Err` is
/// the CME page, which says to make it one first.
async fn required_activity(
    ctx: &AppContext,
    course: Id,
) -> Result<Result<ActivityView, Response>, PageError> {
    Ok(match activity(ctx, course).await? {
        Some(view) => Ok(view),
        None => Err(back_to_cme(course, "needs_activity")),
    })
}

/// The designation `designation_id` of the activity.
fn designation_in(view: &ActivityView, designation_id: &str) -> Result<DesignationRow, PageError> {
    let id = parse_id(designation_id)?;
    view.designations
        .iter()
        .find(|d| d.id == id)
        .cloned()
        .ok_or(PageError::NotFound)
}

/// The page's refusals of a designation: the use case's field errors, or a
/// credit type the activity designates already, shown at its field.
fn designation_refusal(e: SetupError) -> Result<Vec<FieldError>, PageError> {
    match e {
        SetupError::Invalid(invalid) => Ok(field_errors(&invalid)),
        SetupError::CreditTypeTaken => Ok(vec![refuse(
            "credit_type",
            "taken",
            "the activity already designates this credit type",
        )]),
        e => Err(page_error(e)),
    }
}

/// `GET /teach/courses/{id}/cme/designations/new`.
pub async fn new_designation_page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let managed = match manage(&ctx, &visitor, &id, "/designations/new").await? {
        Ok(managed) => managed,
        Err(answer) => return Ok(answer),
    };
    if let Err(answer) = required_activity(&ctx, managed.course.id).await? {
        return Ok(answer);
    }
    let form = DesignationForm::blank();
    designation_page(&ctx, &visitor, &managed.course, None, &form, &[]).await
}

/// `POST /teach/courses/{id}/cme/designations/new`.
pub async fn add_designation(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, data }: Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let managed = match manage(&ctx, &visitor, &id, "/designations/new").await? {
        Ok(managed) => managed,
        Err(answer) => return Ok(answer),
    };
    let course_id = managed.course.id;
    if let Err(answer) = required_activity(&ctx, course_id).await? {
        return Ok(answer);
    }
    let form = DesignationForm::posted(&data);
    let result =
        catalog::add_designation(&ctx, managed.actor, &visitor.meta, course_id, form.input()).await;
    let errors = match result {
        Ok(_) => return Ok(back_to_cme(course_id, "designation_added")),
        Err(e) => designation_refusal(e)?,
    };
    Ok(unprocessable(
        designation_page(&ctx, &visitor, &managed.course, None, &form, &errors).await?,
    ))
}

/// `GET /teach/courses/{id}/cme/designations/{designation_id}`.
pub async fn designation_edit_page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path((id, designation_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let rest = format!("/designations/{designation_id}");
    let managed = match manage(&ctx, &visitor, &id, &rest).await? {
        Ok(managed) => managed,
        Err(answer) => return Ok(answer),
    };
    let view = match required_activity(&ctx, managed.course.id).await? {
        Ok(view) => view,
        Err(answer) => return Ok(answer),
    };
    let row = designation_in(&view, &designation_id)?;
    let form = DesignationForm::of(&row);
    designation_page(&ctx, &visitor, &managed.course, Some(&row), &form, &[]).await
}

/// `POST /teach/courses/{id}/cme/designations/{designation_id}`.
pub async fn save_designation(
    State(ctx): State<AppContext>,
    Path((id, designation_id)): Path<(String, String)>,
    Form { visitor, data }: Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let rest = format!("/designations/{designation_id}");
    let managed = match manage(&ctx, &visitor, &id, &rest).await? {
        Ok(managed) => managed,
        Err(answer) => return Ok(answer),
    };
    let course_id = managed.course.id;
    let view = match required_activity(&ctx, course_id).await? {
        Ok(view) => view,
        Err(answer) => return Ok(answer),
    };
    let row = designation_in(&view, &designation_id)?;
    let form = DesignationForm::posted(&data);
    let result = catalog::update_designation(
        &ctx,
        managed.actor,
        &visitor.meta,
        course_id,
        row.id,
        form.input(),
    )
    .await;
    let errors = match result {
        Ok(_) => return Ok(back_to_cme(course_id, "designation_saved")),
        Err(e) => designation_refusal(e)?,
    };
    Ok(unprocessable(
        designation_page(&ctx, &visitor, &managed.course, Some(&row), &form, &errors).await?,
    ))
}

/// `GET /teach/courses/{id}/cme/designations/{designation_id}/delete`: what
/// removing the designation means, before it happens.
pub async fn delete_designation_page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path((id, designation_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let rest = format!("/designations/{designation_id}/delete");
    let managed = match manage(&ctx, &visitor, &id, &rest).await? {
        Ok(managed) => managed,
        Err(answer) => return Ok(answer),
    };
    let view = match required_activity(&ctx, managed.course.id).await? {
        Ok(view) => view,
        Err(answer) => return Ok(answer),
    };
    let row = designation_in(&view, &designation_id)?;
    let tr = &visitor.tr;
    let back = format!("{}/designations/{}", cme_path(managed.course.id), row.id);
    let page = DeletePage {
        chrome: Chrome::new(&ctx, &visitor, tr.t("teach-cme-designation-delete-title")).await?,
        heading: tr.t("teach-cme-designation-delete-title"),
        consequence: tr.t_with(
            "teach-cme-designation-delete-consequence",
            &[("name", Arg::Text(row.credit_type.clone()))],
        ),
        action: format!("{back}/delete"),
        confirm: tr.t("teach-cme-designation-delete-confirm"),
        back_href: back,
        name: row.credit_type,
    };
    Ok(respond(&ctx, &visitor, &page))
}

/// `POST /teach/courses/{id}/cme/designations/{designation_id}/delete`:
/// removes it, confirmed; claims and certificates made on it keep it.
pub async fn delete_designation(
    State(ctx): State<AppContext>,
    Path((id, designation_id)): Path<(String, String)>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    let rest = format!("/designations/{designation_id}/delete");
    let managed = match manage(&ctx, &visitor, &id, &rest).await? {
        Ok(managed) => managed,
        Err(answer) => return Ok(answer),
    };
    let designation_id = parse_id(&designation_id)?;
    let course_id = managed.course.id;
    catalog::delete_designation(
        &ctx,
        managed.actor,
        &visitor.meta,
        course_id,
        designation_id,
    )
    .await
    .map_err(page_error)?;
    Ok(back_to_cme(course_id, "designation_deleted"))
}

// An assessment's rules.

/// The rules as typed: times in the units the page names.
#[derive(Debug, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    pass_mark_percent: String,
    #[serde(default)]
    max_attempts: String,
    #[serde(default)]
    cooldown_minutes: String,
    #[serde(default)]
    time_limit_minutes: String,
    #[serde(default)]
    grace_seconds: String,
    shuffle_questions: Option<String>,
    shuffle_options: Option<String>,
}

/// Where the use case names a rule, and where this page types it.
const SETTING_FIELDS: [(&str, &str); 3] = [
    ("cooldown", "cooldown_minutes"),
    ("time_limit", "time_limit_minutes"),
    ("grace", "grace_seconds"),
];

impl SettingsForm {
    fn of(row: &AssessmentRow) -> Self {
        Self {
            pass_mark_percent: row.pass_mark_percent.to_string(),
            max_attempts: row.max_attempts.map(|n| n.to_string()).unwrap_or_default(),
            cooldown_minutes: (row.cooldown_seconds / 60).to_string(),
            time_limit_minutes: row
                .time_limit_seconds
                .map(|s| (s / 60).to_string())
                .unwrap_or_default(),
            grace_seconds: row.grace_seconds.to_string(),
            shuffle_questions: row.shuffle_questions.then(String::new),
            shuffle_options: row.shuffle_options.then(String::new),
        }
    }

    /// Rules never saved: a pass mark of 80 %, as many attempts as wanted,
    /// no waiting and no time limit.
    fn blank() -> Self {
        Self {
            pass_mark_percent: "80".into(),
            cooldown_minutes: "0".into(),
            grace_seconds: "0".into(),
            ..Self::default()
        }
    }

    fn input(&self, kind: AssessmentKind) -> Result<SettingsInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let minutes = |field: &str, n: i64, errors: &mut Vec<FieldError>| {
            n.checked_mul(60).or_else(|| {
                errors.push(refuse(field, "out_of_range", "is too large"));
                None
            })
        };
        // An evaluation is not scored: its pass mark is not asked for.
        let pass_mark = if kind.is_scored() {
            whole_number("pass_mark_percent", &self.pass_mark_percent, &mut errors)
                .map(|n| n.unwrap_or(0))
        } else {
            Some(0)
        };
        let max_attempts = whole_number("max_attempts", &self.max_attempts, &mut errors);
        let cooldown = whole_number("cooldown_minutes", &self.cooldown_minutes, &mut errors)
            .and_then(|n| minutes("cooldown_minutes", n.unwrap_or(0), &mut errors));
        let time_limit = whole_number("time_limit_minutes", &self.time_limit_minutes, &mut errors)
            .and_then(|n| match n {
                None => Some(None),
                Some(n) => minutes("time_limit_minutes", n, &mut errors).map(Some),
            });
        let grace = whole_number("grace_seconds", &self.grace_seconds, &mut errors);
        match (pass_mark, max_attempts, cooldown, time_limit, grace) {
            (
                Some(pass_mark),
                Some(max_attempts),
                Some(cooldown),
                Some(time_limit),
                Some(grace),
            ) if errors.is_empty() => Ok(SettingsInput {
                pass_mark_percent: pass_mark,
                max_attempts,
                cooldown_seconds: cooldown,
                time_limit_seconds: time_limit,
                grace_seconds: grace.unwrap_or(0),
                shuffle_questions: self.shuffle_questions.is_some(),
                shuffle_options: self.shuffle_options.is_some(),
            }),
            _ => Err(errors),
        }
    }
}

#[derive(Template)]
#[template(path = "teach_cme_settings.html")]
struct SettingsPage {
    chrome: Chrome,
    heading: String,
    course_id: String,
    course_title: String,
    kind: String,
    purpose: String,
    notice: Option<String>,
    problem: Option<String>,
    /// Absent for the evaluation, which is not scored.
    pass_mark: Option<Field>,
    max_attempts: Field,
    cooldown: Field,
    time_limit: Field,
    grace: Field,
    shuffle_questions: bool,
    shuffle_options: bool,
    /// The bank and statistics exist once the rules are saved.
    saved: bool,
}

/// Which rules the settings page shows, and what it says of them.
struct Shown {
    kind: AssessmentKind,
    /// Whether the rules were ever saved.
    saved: bool,
    notice: Option<String>,
}

async fn settings_page(
    ctx: &AppContext,
    visitor: &Visitor,
    course: &CourseRow,
    form: &SettingsForm,
    shown: Shown,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let tr = &visitor.tr;
    let Shown {
        kind,
        saved,
        notice,
    } = shown;
    let number = |name: &'static str, key: &str, value: &str, hint: &str| {
        with_error(
            Field::new(name, tr.t(key), "text")
                .value(value)
                .inputmode("numeric")
                .hint(tr.t(hint)),
            errors,
            tr,
        )
    };
    let name = assessment_name(tr, kind);
    let heading = tr.t_with(
        "teach-cme-settings-heading",
        &[("name", Arg::Text(name.clone()))],
    );
    let page = SettingsPage {
        chrome: Chrome::new(ctx, visitor, heading.clone()).await?,
        heading,
        course_id: course.id.to_string(),
        course_title: course.title.clone(),
        kind: kind.to_string(),
        purpose: tr.t(&format!("teach-cme-assessment-{kind}-purpose")),
        notice,
        problem: (!errors.is_empty()).then(|| tr.t("form-errors")),
        pass_mark: kind.is_scored().then(|| {
            number(
                "pass_mark_percent",
                "teach-cme-pass-mark",
                &form.pass_mark_percent,
                "teach-cme-pass-mark-hint",
            )
        }),
        max_attempts: optional(number(
            "max_attempts",
            "teach-cme-max-attempts",
            &form.max_attempts,
            "teach-cme-max-attempts-hint",
        )),
        cooldown: number(
            "cooldown_minutes",
            "teach-cme-cooldown",
            &form.cooldown_minutes,
            "teach-cme-cooldown-hint",
        ),
        time_limit: optional(number(
            "time_limit_minutes",
            "teach-cme-time-limit",
            &form.time_limit_minutes,
            "teach-cme-time-limit-hint",
        )),
        grace: number(
            "grace_seconds",
            "teach-cme-grace",
            &form.grace_seconds,
            "teach-cme-grace-hint",
        ),
        shuffle_questions: form.shuffle_questions.is_some(),
        shuffle_options: form.shuffle_options.is_some(),
        saved,
    };
    Ok(respond(ctx, visitor, &page))
}

#[derive(Debug, Default, Deserialize)]
pub struct SettingsQuery {
    saved: Option<String>,
    /// Sent here from the bank of an assessment whose rules were never saved.
    first: Option<String>,
}

/// `GET /teach/courses/{id}/cme/{kind}`: the assessment's rules.
pub async fn settings(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path((id, kind)): Path<(String, String)>,
    Query(query): Query<SettingsQuery>,
) -> Result<Response, PageError> {
    let kind = kind_of(&kind)?;
    let managed = match manage(&ctx, &visitor, &id, &format!("/{kind}")).await? {
        Ok(managed) => managed,
        Err(answer) => return Ok(answer),
    };
    if let Err(answer) = required_activity(&ctx, managed.course.id).await? {
        return Ok(answer);
    }
    let bank = bank(&ctx, managed.actor, managed.course.id, kind).await?;
    let form = bank
        .as_ref()
        .map_or_else(SettingsForm::blank, |b| SettingsForm::of(&b.assessment));
    let notice = [
        (query.saved.is_some(), "teach-cme-settings-saved"),
        (query.first.is_some(), "teach-cme-settings-first"),
    ]
    .into_iter()
    .find(|(shown, _)| *shown)
    .map(|(_, key)| visitor.tr.t(key));
    let shown = Shown {
        kind,
        saved: bank.is_some(),
        notice,
    };
    settings_page(&ctx, &visitor, &managed.course, &form, shown, &[]).await
}

/// `POST /teach/courses/{id}/cme/{kind}`: saves the rules, creating the
/// assessment the first time.
pub async fn save_settings(
    State(ctx): State<AppContext>,
    Path((id, kind)): Path<(String, String)>,
    Form { visitor, data }: Form<SettingsForm>,
) -> Result<Response, PageError> {
    let kind = kind_of(&kind)?;
    let managed = match manage(&ctx, &visitor, &id, &format!("/{kind}")).await? {
        Ok(managed) => managed,
        Err(answer) => return Ok(answer),
    };
    let course_id = managed.course.id;
    if let Err(answer) = required_activity(&ctx, course_id).await? {
        return Ok(answer);
    }
    let errors = match data.input(kind) {
        Ok(input) => {
            match assessments::configure(&ctx, managed.actor, &visitor.meta, course_id, kind, input)
                .await
            {
                Ok(_) => {
                    return Ok(Redirect::to(&format!(
                        "{}?saved=1",
                        assessment_path(course_id, kind)
                    ))
                    .into_response());
                }
                Err(SetupError::Invalid(invalid)) => field_errors(&invalid)
                    .into_iter()
                    .map(|mut e| {
                        if let Some((_, typed)) =
                            SETTING_FIELDS.iter().find(|(rule, _)| *rule == e.field)
                        {
                            e.field = (*typed).to_owned();
                        }
                        e
                    })
                    .collect(),
                Err(e) => return Err(page_error(e)),
            }
        }
        Err(errors) => errors,
    };
    let shown = Shown {
        kind,
        saved: bank(&ctx, managed.actor, course_id, kind).await?.is_some(),
        notice: None,
    };
    Ok(unprocessable(
        settings_page(&ctx, &visitor, &managed.course, &data, shown, &errors).await?,
    ))
}
