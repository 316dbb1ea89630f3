//! `/admin/cme`: continuing medical education as administrators run it.
//! The accredited providers (listed, a new one, editing one); certificates
//! looked up by their code, with "Revoke" and "Re-issue", each for a reason
//! and after a confirmation page, since neither can be undone; and the way
//! to any course's CME set-up, which is the instructor's page
//! (`/teach/courses/{id}/cme`) since its use cases admit administrators.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::cme::catalog::{self, ProviderInput, SetupError};
use medicaledu_app::cme::certificates::{self, CertificateView, EndCertificateError};
use medicaledu_app::{AppContext, FieldError, ReadError};
use medicaledu_domain::{CertificateKind, CertificateStatus, Timestamp};
use medicaledu_store::cme::providers::ProviderRow;
use serde::Deserialize;

use super::{Confirm, admin, some};
use crate::error::{PageError, parse_id};
use crate::fields::Field;
use crate::form::Form;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond, unprocessable};
use crate::teach::cme::{optional, refusal_text};
use crate::teach::course::TextArea;
use crate::view;
use crate::visitor::Visitor;

const BASE: &str = "/admin/cme";
const PROVIDERS: &str = "/admin/cme/providers";
const CERTIFICATES: &str = "/admin/cme/certificates";

/// These pages' words for `field`'s first refusal.
fn error_of(field: &str, errors: &[FieldError], tr: &Tr) -> Option<String> {
    refusal_text("admin-cme-error", field, errors, tr)
}

// The CME section's own page, with the way to a course's set-up.

#[derive(Template)]
#[template(path = "admin_cme.html")]
struct HubPage {
    chrome: Chrome,
    course: String,
    problem: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct HubQuery {
    /// A course's address (its slug) or id, to open its CME set-up.
    course: Option<String>,
}

/// `GET /admin/cme`: providers, certificates, and a course's set-up found
/// by its address.
pub async fn hub(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<HubQuery>,
) -> Result<Response, PageError> {
    let actor = match admin(&visitor, BASE) {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let tr = &visitor.tr;
    let mut problem = None;
    if let Some(course) = some(&query.course) {
        // A course's address is the last part of /courses/…; a pasted whole
        // address finds it too.
        let wanted = course
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(&course);
        match medicaledu_app::courses::get_course(&ctx, Some(actor), wanted).await {
            Ok(found) => {
                return Ok(
                    Redirect::to(&format!("/teach/courses/{}/cme", found.course.id))
                        .into_response(),
                );
            }
            Err(ReadError::NotFound(_)) => problem = Some(tr.t("admin-cme-course-unknown")),
            Err(e) => return Err(PageError::from_failure(&e)),
        }
    }
    let page = HubPage {
        chrome: Chrome::new(&ctx, &visitor, tr.t("admin-cme-title")).await?,
        course: query.course.clone().unwrap_or_default(),
        problem,
    };
    Ok(respond(&ctx, &visitor, &page))
}

// Providers.

/// The provider form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct ProviderForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    accreditor: String,
    #[serde(default)]
    accreditation_statement: String,
    /// The accreditation's last day, `YYYY-MM-DD`; empty for none known.
    #[serde(default)]
    valid_until: String,
}

/// The last day of an accreditation stored as the instant it ends.
fn last_day(valid_until: Timestamp) -> chrono::NaiveDate {
    (*valid_until.as_datetime() - chrono::TimeDelta::days(1)).date_naive()
}

impl ProviderForm {
    fn of(row: &ProviderRow) -> Self {
        Self {
            name: row.name.clone(),
            accreditor: row.accreditor.clone(),
            accreditation_statement: row.accreditation_statement.clone(),
            valid_until: row
                .valid_until
                .map(|at| last_day(at).to_string())
                .unwrap_or_default(),
        }
    }

    fn input(&self) -> ProviderInput {
        ProviderInput {
            name: self.name.clone(),
            accreditor: self.accreditor.clone(),
            accreditation_statement: self.accreditation_statement.clone(),
            valid_until: Some(self.valid_until.clone()),
        }
    }
}

/// The provider form as a page shows it.
pub struct ProviderFields {
    pub action: String,
    pub submit: String,
    pub name: Field,
    pub accreditor: Field,
    pub statement: TextArea,
    pub valid_until: Field,
}

fn provider_fields(
    action: String,
    submit: String,
    form: &ProviderForm,
    errors: &[FieldError],
    tr: &Tr,
) -> ProviderFields {
    let field = |field: Field| Field {
        error: error_of(field.name, errors, tr),
        ..field
    };
    ProviderFields {
        action,
        submit,
        name: field(Field::new("name", tr.t("admin-cme-provider-name"), "text").value(&form.name)),
        accreditor: field(
            Field::new("accreditor", tr.t("admin-cme-accreditor"), "text")
                .value(&form.accreditor)
                .hint(tr.t("admin-cme-accreditor-hint")),
        ),
        statement: TextArea {
            name: "accreditation_statement",
            label: tr.t("admin-cme-statement"),
            value: form.accreditation_statement.clone(),
            hint: Some(tr.t("admin-cme-statement-hint")),
            error: error_of("accreditation_statement", errors, tr),
        },
        valid_until: field(optional(
            Field::new("valid_until", tr.t("admin-cme-valid-until"), "date")
                .value(&form.valid_until)
                .hint(tr.t("admin-cme-valid-until-hint")),
        )),
    }
}

/// A provider as the list shows it.
pub struct ProviderLine {
    pub id: String,
    pub name: String,
    pub accreditor: String,
    pub valid_until: String,
    pub edit_label: String,
}

#[derive(Template)]
#[template(path = "admin_cme_providers.html")]
struct ProvidersPage {
    chrome: Chrome,
    providers: Vec<ProviderLine>,
    problem: Option<String>,
    form: ProviderFields,
}

fn provider_line(row: &ProviderRow, tr: &Tr) -> ProviderLine {
    ProviderLine {
        id: row.id.to_string(),
        name: row.name.clone(),
        accreditor: row.accreditor.clone(),
        valid_until: row
            .valid_until
            .map(|at| last_day(at).to_string())
            .unwrap_or_else(|| tr.t("admin-cme-valid-until-none")),
        edit_label: tr.t_with(
            "admin-cme-provider-edit-label",
            &[("name", Arg::Text(row.name.clone()))],
        ),
    }
}

/// The page's refusals of a provider: the use case's field errors, or a
/// name another provider has, shown at the name.
fn provider_refusal(e: SetupError) -> Result<Vec<FieldError>, PageError> {
    match e {
        SetupError::Invalid(invalid) => Ok(invalid.0),
        SetupError::ProviderNameTaken => Ok(vec![crate::teach::refuse(
            "name",
            "taken",
            "a live provider already has this name",
        )]),
        e => Err(PageError::from_failure(&e)),
    }
}

/// The list of providers with the form for a new one, as typed.
async fn providers_page(
    ctx: &AppContext,
    visitor: &Visitor,
    form: &ProviderForm,
    errors: &[FieldError],
    notice: Option<String>,
) -> Result<Response, PageError> {
    let tr = &visitor.tr;
    let rows = catalog::list_providers(ctx)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let mut chrome = Chrome::new(ctx, visitor, tr.t("admin-cme-providers-title")).await?;
    chrome.flash.extend(notice);
    let page = ProvidersPage {
        chrome,
        providers: rows.iter().map(|p| provider_line(p, tr)).collect(),
        problem: (!errors.is_empty()).then(|| tr.t("form-errors")),
        form: provider_fields(
            PROVIDERS.to_owned(),
            tr.t("admin-cme-provider-create"),
            form,
            errors,
            tr,
        ),
    };
    Ok(respond(ctx, visitor, &page))
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// `GET /admin/cme/providers`: every live provider, and a new one.
pub async fn providers(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    if let Err(answer) = admin(&visitor, PROVIDERS) {
        return Ok(answer.into_response());
    }
    let notice = query
        .done
        .as_deref()
        .filter(|done| ["created", "saved"].contains(done))
        .map(|done| visitor.tr.t(&format!("admin-cme-provider-done-{done}")));
    providers_page(&ctx, &visitor, &ProviderForm::default(), &[], notice).await
}

/// `POST /admin/cme/providers`: adds a provider.
pub async fn create_provider(
    State(ctx): State<AppContext>,
    Form { visitor, data }: Form<ProviderForm>,
) -> Result<Response, PageError> {
    let actor = match admin(&visitor, PROVIDERS) {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let errors = match catalog::create_provider(&ctx, actor, &visitor.meta, data.input()).await {
        Ok(_) => return Ok(Redirect::to(&format!("{PROVIDERS}?done=created")).into_response()),
        Err(e) => provider_refusal(e)?,
    };
    Ok(unprocessable(
        providers_page(&ctx, &visitor, &data, &errors, None).await?,
    ))
}

#[derive(Template)]
#[template(path = "admin_cme_provider.html")]
struct ProviderPage {
    chrome: Chrome,
    heading: String,
    problem: Option<String>,
    form: ProviderFields,
}

/// The live provider `id`.
async fn provider(ctx: &AppContext, id: &str) -> Result<ProviderRow, PageError> {
    let id = parse_id(id)?;
    catalog::list_providers(ctx)
        .await
        .map_err(|e| PageError::from_failure(&e))?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(PageError::NotFound)
}

async fn provider_page(
    ctx: &AppContext,
    visitor: &Visitor,
    row: &ProviderRow,
    form: &ProviderForm,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let tr = &visitor.tr;
    let heading = tr.t_with(
        "admin-cme-provider-edit-heading",
        &[("name", Arg::Text(row.name.clone()))],
    );
    let page = ProviderPage {
        chrome: Chrome::new(ctx, visitor, heading.clone()).await?,
        heading,
        problem: (!errors.is_empty()).then(|| tr.t("form-errors")),
        form: provider_fields(
            format!("{PROVIDERS}/{}", row.id),
            tr.t("admin-cme-provider-save"),
            form,
            errors,
            tr,
        ),
    };
    Ok(respond(ctx, visitor, &page))
}

/// `GET /admin/cme/providers/{id}`.
pub async fn provider_edit_page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    if let Err(answer) = admin(&visitor, &format!("{PROVIDERS}/{id}")) {
        return Ok(answer.into_response());
    }
    let row = provider(&ctx, &id).await?;
    provider_page(&ctx, &visitor, &row, &ProviderForm::of(&row), &[]).await
}

/// `POST /admin/cme/providers/{id}`: changes it. Certificates issued before
/// keep the statement they printed.
pub async fn save_provider(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, data }: Form<ProviderForm>,
) -> Result<Response, PageError> {
    let actor = match admin(&visitor, &format!("{PROVIDERS}/{id}")) {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let row = provider(&ctx, &id).await?;
    let saved = catalog::update_provider(&ctx, actor, &visitor.meta, row.id, data.input()).await;
    let errors = match saved {
        Ok(_) => return Ok(Redirect::to(&format!("{PROVIDERS}?done=saved")).into_response()),
        Err(e) => provider_refusal(e)?,
    };
    Ok(unprocessable(
        provider_page(&ctx, &visitor, &row, &data, &errors).await?,
    ))
}

// Certificates.

/// What ends a certificate in force; each asks for a reason first.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ending {
    Revoke,
    Reissue,
}

impl Ending {
    const ALL: [Ending; 2] = [Ending::Revoke, Ending::Reissue];

    /// Its path segment, and the word its messages are keyed by.
    fn as_str(self) -> &'static str {
        match self {
            Ending::Revoke => "revoke",
            Ending::Reissue => "reissue",
        }
    }
}

/// One of the two forms that end a certificate, as the page shows it.
pub struct EndingForm {
    pub action: String,
    /// `revoke` or `reissue`: the ids of its heading and field.
    pub id: &'static str,
    pub heading: String,
    pub lead: String,
    pub reason: String,
    pub error: Option<String>,
    pub button: String,
}

/// A certificate as the page shows it.
pub struct CertificateCard {
    pub code: String,
    pub status: String,
    /// What it prints, label and value, in order.
    pub facts: Vec<(String, String)>,
    /// The certificate it replaced, or the one that replaced it.
    pub supersedes: Option<String>,
    pub superseded_by: Option<String>,
    pub ended: Option<String>,
    pub forms: Vec<EndingForm>,
}

#[derive(Template)]
#[template(path = "admin_cme_certificates.html")]
struct CertificatesPage {
    chrome: Chrome,
    code: String,
    problem: Option<String>,
    certificate: Option<CertificateCard>,
}

/// What the page says after a change or a refusal, and what was typed.
#[derive(Default)]
struct Outcome {
    notice: Option<String>,
    problem: Option<String>,
    /// The form refused, with its reason as typed and its refusal.
    refused: Option<(Ending, String, String)>,
}

fn day_text(day: chrono::NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn card(view: &CertificateView, visitor: &Visitor, outcome: &Outcome) -> CertificateCard {
    let tr = &visitor.tr;
    let s = &view.snapshot;
    let label = |key: &str| tr.t(&format!("admin-cme-cert-{key}"));
    let mut facts = vec![
        (label("learner"), s.learner_name.clone()),
        (label("activity"), s.activity_title.clone()),
        (
            label("format"),
            tr.t(&format!("teach-cme-format-{}", s.activity_format)),
        ),
        (
            label("dates"),
            match s.activity_ends_on {
                Some(end) => format!("{} – {}", day_text(s.activity_starts_on), day_text(end)),
                None => day_text(s.activity_starts_on),
            },
        ),
        (label("completed"), day_text(s.completed_on)),
        (label("kind"), tr.t(&format!("teach-cme-kind-{}", s.kind))),
    ];
    if s.kind == CertificateKind::Credit
        && let (Some(credit_type), Some(credits)) = (&s.credit_type, s.credits)
    {
        facts.push((label("credits"), format!("{credits} {credit_type}")));
    }
    facts.push((label("provider"), s.provider_name.clone()));
    facts.push((label("issued"), view::when(s.issued_at, &visitor.zone, tr)));
    facts.push((label("sha256"), view.sha256.clone()));
    let ended = view.revoked_at.map(|at| {
        tr.t_with(
            "admin-cme-cert-ended",
            &[
                ("when", Arg::Text(view::when(at, &visitor.zone, tr))),
                (
                    "reason",
                    Arg::Text(view.revocation_reason.clone().unwrap_or_default()),
                ),
            ],
        )
    });
    // Only a certificate in force can be revoked or re-issued.
    let forms = if view.status == CertificateStatus::Active {
        Ending::ALL
            .iter()
            .map(|ending| {
                let word = ending.as_str();
                let (reason, error) = match &outcome.refused {
                    Some((refused, reason, error)) if refused == ending => {
                        (reason.clone(), Some(error.clone()))
                    }
                    _ => (String::new(), None),
                };
                EndingForm {
                    action: format!("{CERTIFICATES}/{}/{word}", view.code),
                    id: word,
                    heading: tr.t(&format!("admin-cme-{word}-heading")),
                    lead: tr.t(&format!("admin-cme-{word}-lead")),
                    reason,
                    error,
                    button: tr.t(&format!("admin-cme-{word}")),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    CertificateCard {
        code: view.code.clone(),
        status: tr.t(&format!("admin-cme-status-{}", view.status)),
        facts,
        supersedes: s.supersedes.map(|code| code.to_string()),
        superseded_by: view.superseded_by.clone(),
        ended,
        forms,
    }
}

async fn certificates_page(
    ctx: &AppContext,
    visitor: &Visitor,
    code: &str,
    found: Option<&CertificateView>,
    outcome: Outcome,
) -> Result<Response, PageError> {
    let tr = &visitor.tr;
    let mut chrome = Chrome::new(ctx, visitor, tr.t("admin-cme-certificates-title")).await?;
    chrome.flash.extend(outcome.notice.clone());
    let page = CertificatesPage {
        chrome,
        code: code.to_owned(),
        certificate: found.map(|view| card(view, visitor, &outcome)),
        problem: outcome.problem,
    };
    Ok(respond(ctx, visitor, &page))
}

#[derive(Debug, Default, Deserialize)]
pub struct CertificateQuery {
    code: Option<String>,
    done: Option<String>,
}

/// `GET /admin/cme/certificates?code=…`: a certificate found by its code.
pub async fn certificates(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<CertificateQuery>,
) -> Result<Response, PageError> {
    if let Err(answer) = admin(&visitor, CERTIFICATES) {
        return Ok(answer.into_response());
    }
    let tr = &visitor.tr;
    let code = some(&query.code).unwrap_or_default();
    let mut outcome = Outcome::default();
    let found = if code.is_empty() {
        None
    } else {
        match certificates::verify(&ctx, &code).await {
            Ok(view) => Some(view),
            Err(ReadError::NotFound(_)) => {
                outcome.problem = Some(tr.t("admin-cme-cert-unknown"));
                None
            }
            Err(e) => return Err(PageError::from_failure(&e)),
        }
    };
    outcome.notice = match (query.done.as_deref(), &found) {
        (Some("revoked"), Some(_)) => Some(tr.t("admin-cme-done-revoked")),
        (Some("reissued"), Some(view)) => Some(
            tr.t_with(
                "admin-cme-done-reissued",
                &[
                    ("code", Arg::Text(view.code.clone())),
                    (
                        "old",
                        Arg::Text(
                            view.snapshot
                                .supersedes
                                .map(|c| c.to_string())
                                .unwrap_or_default(),
                        ),
                    ),
                ],
            ),
        ),
        _ => None,
    };
    certificates_page(&ctx, &visitor, &code, found.as_ref(), outcome).await
}

#[derive(Debug, Default, Deserialize)]
pub struct EndForm {
    #[serde(default)]
    reason: String,
    /// Set by the confirmation step; without it the form only asks.
    confirm: Option<String>,
}

/// `POST /admin/cme/certificates/{code}/revoke`: first what revoking does,
/// then, confirmed, the revocation.
pub async fn revoke(
    State(ctx): State<AppContext>,
    Path(code): Path<String>,
    Form { visitor, data }: Form<EndForm>,
) -> Result<Response, PageError> {
    end(ctx, code, visitor, data, Ending::Revoke).await
}

/// `POST /admin/cme/certificates/{code}/reissue`: first what re-issuing
/// does, then, confirmed, the new certificate.
pub async fn reissue(
    State(ctx): State<AppContext>,
    Path(code): Path<String>,
    Form { visitor, data }: Form<EndForm>,
) -> Result<Response, PageError> {
    end(ctx, code, visitor, data, Ending::Reissue).await
}

async fn end(
    ctx: AppContext,
    code: String,
    visitor: Visitor,
    data: EndForm,
    ending: Ending,
) -> Result<Response, PageError> {
    let back = format!("{CERTIFICATES}?code={code}");
    let actor = match admin(&visitor, &back) {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let tr = &visitor.tr;
    let view = certificates::verify(&ctx, &code)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let word = ending.as_str();
    // A reason is asked for before the confirmation, which repeats it.
    if data.reason.trim().is_empty() {
        let outcome = Outcome {
            problem: Some(tr.t("form-errors")),
            refused: Some((ending, String::new(), tr.t("admin-cme-reason-required"))),
            ..Outcome::default()
        };
        return Ok(unprocessable(
            certificates_page(&ctx, &visitor, &view.code, Some(&view), outcome).await?,
        ));
    }
    if data.confirm.is_none() {
        let page = Confirm {
            chrome: Chrome::new(&ctx, &visitor, tr.t(&format!("admin-cme-{word}-title"))).await?,
            heading: tr.t_with(
                &format!("admin-cme-{word}-confirm-heading"),
                &[("code", Arg::Text(view.code.clone()))],
            ),
            consequence: tr.t_with(
                &format!("admin-cme-{word}-consequence"),
                &[("reason", Arg::Text(data.reason.trim().to_owned()))],
            ),
            action: format!("{CERTIFICATES}/{}/{word}", view.code),
            fields: vec![
                ("reason".into(), data.reason.clone()),
                ("confirm".into(), "1".into()),
            ],
            confirm: tr.t(&format!("admin-cme-{word}-confirm")),
            back,
        };
        return Ok(respond(&ctx, &visitor, &page));
    }
    let done = match ending {
        Ending::Revoke => certificates::revoke(&ctx, actor, &visitor.meta, view.id, &data.reason)
            .await
            .map(|v| (v, "revoked")),
        Ending::Reissue => certificates::reissue(&ctx, actor, &visitor.meta, view.id, &data.reason)
            .await
            .map(|v| (v, "reissued")),
    };
    let (status, outcome) = match done {
        Ok((now, done)) => {
            return Ok(
                Redirect::to(&format!("{CERTIFICATES}?code={}&done={done}", now.code))
                    .into_response(),
            );
        }
        Err(EndCertificateError::Invalid(invalid)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Outcome {
                problem: Some(tr.t("form-errors")),
                refused: error_of("reason", &invalid.0, tr)
                    .map(|error| (ending, data.reason.clone(), error)),
                ..Outcome::default()
            },
        ),
        Err(EndCertificateError::Ended) => (
            StatusCode::CONFLICT,
            Outcome {
                problem: Some(tr.t("admin-cme-cert-ended-already")),
                ..Outcome::default()
            },
        ),
        Err(EndCertificateError::Unavailable) => (
            StatusCode::CONFLICT,
            Outcome {
                problem: Some(tr.t("admin-cme-cert-no-key")),
                ..Outcome::default()
            },
        ),
        Err(e) => return Err(PageError::from_failure(&e)),
    };
    // The page as it stands now: the certificate may have changed meanwhile.
    let view = certificates::verify(&ctx, &view.code)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let mut response = certificates_page(&ctx, &visitor, &view.code, Some(&view), outcome).await?;
    *response.status_mut() = status;
    Ok(response)
}
