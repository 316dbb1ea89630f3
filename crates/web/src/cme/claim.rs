//! Claiming credit on the learner's CME page: the designation (a choice
//! when the activity has several), the credits with the most and the step
//! allowed and the time measured beside them, and the attestation. A claim
//! issues the certificate at once; a refused one is shown again with the
//! field at fault (422) or the next thing to do (409).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::cme::claims::{self, ClaimError, ClaimInput, Measured, Outlook};
use medicaledu_app::dashboard::Learning;
use medicaledu_app::{AppContext, FieldError};
use medicaledu_domain::{CertificateKind, Id, Ineligible};
use medicaledu_store::cme::activities::{ActivityRow, DesignationRow};
use serde::Deserialize;

use super::progress::{self, Sent, enrolled};
use super::{credits, progress_href};
use crate::error::PageError;
use crate::form::Form;
use crate::i18n::{Arg, Tr};
use crate::learn;
use crate::teach::course::{Choice, Select};
use crate::view;
use crate::visitor::Visitor;

/// Where a claim goes when it is issued.
const ISSUED: &str = "/me/certificates?claimed=1";

/// The designation claimed on: named when there is one, chosen when several.
pub enum DesignationChoice {
    One { id: String, text: String },
    Many(Select),
}

/// The credits input of a credit designation.
pub struct CreditsField {
    pub value: String,
    pub max: String,
    pub step: String,
    pub hint: String,
    pub error: Option<String>,
}

pub struct ClaimForm {
    pub action: String,
    pub designation: DesignationChoice,
    /// `None` when only a certificate of participation is due.
    pub credits: Option<CreditsField>,
    pub participation: Option<String>,
    pub measured: String,
    pub attest_label: String,
    pub attest_checked: bool,
    pub attest_error: Option<String>,
}

pub struct ClaimSection {
    /// What was claimed already, one line per designation.
    pub claimed: Vec<String>,
    /// A refused claim's reason.
    pub problem: Option<String>,
    /// What to do before credit can be claimed.
    pub next_step: Option<String>,
    /// Where the required materials are learnt, when they are the next step.
    pub learn_href: Option<String>,
    pub form: Option<ClaimForm>,
}

/// A refused claim as it was sent.
#[derive(Debug, Default)]
pub struct SentClaim {
    pub designation_id: String,
    pub credits: String,
    pub attest: bool,
    pub errors: Vec<FieldError>,
    pub problem: Option<String>,
}

/// What the claim section is drawn from.
pub struct Facts<'a> {
    pub slug: &'a str,
    pub activity: &'a ActivityRow,
    pub outlook: &'a [Outlook],
    pub measured: Measured,
    pub learning: &'a Learning,
}

/// The claim section: what was claimed, then the form for the designations
/// left, or the next thing to do before they can be claimed.
pub fn section(facts: &Facts<'_>, visitor: &Visitor, sent: &SentClaim) -> ClaimSection {
    let tr = &visitor.tr;
    let claimed = facts
        .outlook
        .iter()
        .filter_map(|o| o.claim.as_ref().map(|c| (o, c)))
        .map(|(o, c)| {
            let date = view::local_date(c.claimed_at, &visitor.zone, tr);
            match c.kind {
                CertificateKind::Credit => tr.t_with(
                    "cme-claimed",
                    &[
                        ("credits", Arg::Text(credits(c.credit_hundredths))),
                        ("type", o.designation.credit_type.clone().into()),
                        ("date", Arg::Text(date)),
                    ],
                ),
                CertificateKind::Participation => tr.t_with(
                    "cme-claimed-participation",
                    &[
                        ("type", o.designation.credit_type.clone().into()),
                        ("date", Arg::Text(date)),
                    ],
                ),
            }
        })
        .collect();
    let open: Vec<&Outlook> = facts.outlook.iter().filter(|o| o.claim.is_none()).collect();
    // Every condition but the profession is the activity's, so the first
    // condition not met is the same for every designation left.
    let ineligible = open.iter().find_map(|o| o.eligibility.err());
    let next_step = ineligible.map(|reason| next_step(reason, facts.activity, tr));
    let problem = sent
        .problem
        .clone()
        .filter(|problem| Some(problem) != next_step.as_ref());
    let form =
        (ineligible.is_none() && !open.is_empty()).then(|| form(facts, &open, visitor, sent));
    ClaimSection {
        claimed,
        problem,
        learn_href: (ineligible == Some(Ineligible::MaterialsIncomplete))
            .then(|| learn::continue_href(facts.learning))
            .flatten(),
        next_step,
        form,
    }
}

/// The next thing to do before credit can be claimed, in words.
pub fn next_step(reason: Ineligible, activity: &ActivityRow, tr: &Tr) -> String {
    match reason {
        Ineligible::NotReleased => tr.t_with(
            "cme-next-not_released",
            &[("date", Arg::Text(view::date(activity.release_on, tr)))],
        ),
        Ineligible::ActivityExpired => tr.t_with(
            "cme-next-activity_expired",
            &[(
                "date",
                Arg::Text(
                    activity
                        .expires_on
                        .map(|day| view::date(day, tr))
                        .unwrap_or_default(),
                ),
            )],
        ),
        Ineligible::MaterialsIncomplete => tr.t("cme-next-materials_incomplete"),
        Ineligible::NotAttended => tr.t("cme-next-not_attended"),
        Ineligible::PostTestNotPassed => tr.t("cme-next-post_test_not_passed"),
        Ineligible::EvaluationMissing => tr.t("cme-next-evaluation_missing"),
    }
}

fn form(facts: &Facts<'_>, open: &[&Outlook], visitor: &Visitor, sent: &SentClaim) -> ClaimForm {
    let tr = &visitor.tr;
    let chosen = open
        .iter()
        .find(|o| o.designation.id.to_string() == sent.designation_id)
        .or(open.first())
        .map(|o| &o.designation);
    let designation = match open {
        [only] => DesignationChoice::One {
            id: only.designation.id.to_string(),
            text: option_label(only, tr),
        },
        _ => DesignationChoice::Many(Select {
            name: "designation_id",
            label: tr.t("cme-claim-designation"),
            choices: open
                .iter()
                .map(|o| Choice {
                    value: o.designation.id.to_string(),
                    label: option_label(o, tr),
                    selected: chosen.is_some_and(|d| d.id == o.designation.id),
                })
                .collect(),
            error: None,
        }),
    };
    let credit_due = open
        .iter()
        .any(|o| o.eligibility == Ok(CertificateKind::Credit));
    let credits_field = credit_due.then(|| {
        let (max, step) = chosen.map_or((0, 1), |d| (d.max_credit_hundredths, d.step_hundredths));
        CreditsField {
            value: sent.credits.clone(),
            max: credits(max),
            step: credits(step),
            hint: if open.len() == 1 {
                tr.t_with(
                    "cme-claim-credits-hint",
                    &[
                        ("max", Arg::Text(credits(max))),
                        ("step", Arg::Text(credits(step))),
                    ],
                )
            } else {
                tr.t("cme-claim-credits-hint-many")
            },
            error: sent
                .errors
                .iter()
                .find(|e| e.field == "credits")
                .map(|e| credits_error(e, chosen, tr)),
        }
    });
    let seconds = facts.measured.material_seconds + facts.measured.session_seconds;
    ClaimForm {
        action: format!("{}/claims", progress_href(facts.slug)),
        designation,
        participation: (!credit_due).then(|| tr.t("cme-claim-participation")),
        credits: credits_field,
        measured: tr.t_with(
            "cme-measured",
            &[("time", Arg::Text(duration(seconds, tr)))],
        ),
        // The learner ticks a translation of the attestation; what the claim
        // stores is the English `claims::ATTESTATION`, the text on record.
        attest_label: tr.t("cme-attest"),
        attest_checked: sent.attest,
        // The only thing wrong with a tick box is that it is not ticked.
        attest_error: sent
            .errors
            .iter()
            .any(|e| e.field == "attest")
            .then(|| tr.t("cme-attest-required")),
    }
}

/// "AMA PRA Category 1 Credit™ (at most 2, in steps of 0.25)".
fn option_label(outlook: &Outlook, tr: &Tr) -> String {
    let d: &DesignationRow = &outlook.designation;
    match outlook.eligibility {
        Ok(CertificateKind::Credit) => tr.t_with(
            "cme-claim-option",
            &[
                ("type", d.credit_type.clone().into()),
                ("max", Arg::Text(credits(d.max_credit_hundredths))),
                ("step", Arg::Text(credits(d.step_hundredths))),
            ],
        ),
        _ => tr.t_with(
            "cme-claim-option-participation",
            &[("type", d.credit_type.clone().into())],
        ),
    }
}

/// The refusal of the amount in the designation's own numbers, or the use
/// case's words for a refusal the catalog does not name.
fn credits_error(error: &FieldError, designation: Option<&DesignationRow>, tr: &Tr) -> String {
    designation
        .and_then(|d| {
            tr.try_t_with(
                &format!("cme-credits-error-{}", error.code),
                &[
                    ("max", Arg::Text(credits(d.max_credit_hundredths))),
                    ("step", Arg::Text(credits(d.step_hundredths))),
                ],
            )
        })
        .unwrap_or_else(|| error.message.clone())
}

/// "1 h 30 min", "45 min".
fn duration(seconds: i64, tr: &Tr) -> String {
    let minutes = seconds.max(0) / 60;
    if minutes < 60 {
        tr.t_with("cme-duration-minutes", &[("minutes", Arg::Number(minutes))])
    } else {
        tr.t_with(
            "cme-duration-hours",
            &[
                ("hours", Arg::Number(minutes / 60)),
                ("minutes", Arg::Number(minutes % 60)),
            ],
        )
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ClaimFields {
    #[serde(default)]
    designation_id: String,
    #[serde(default)]
    credits: String,
    /// Present when the attestation is ticked.
    #[serde(default)]
    attest: Option<String>,
}

/// `POST /courses/{slug}/cme/claims`: claims the credit and issues the
/// certificate, then shows the learner their certificates.
pub async fn claim(
    State(ctx): State<AppContext>,
    Path(slug): Path<String>,
    Form { visitor, data }: Form<ClaimFields>,
) -> Result<Response, PageError> {
    let (actor, learning) = match enrolled(&ctx, &visitor, &slug).await? {
        Ok(found) => found,
        Err(detour) => return Ok(detour),
    };
    // The form names one of the page's designations; anything else was not
    // sent by it.
    let designation_id: Id = data
        .designation_id
        .trim()
        .parse()
        .map_err(|_| PageError::BadRequest)?;
    let input = ClaimInput {
        designation_id,
        credits: data.credits.trim().to_owned(),
        attest: data.attest.is_some(),
    };
    let tr = &visitor.tr;
    let (status, errors, problem) =
        match claims::claim(&ctx, actor, &visitor.meta, learning.course.id, input).await {
            Ok(_) => return Ok(Redirect::to(ISSUED).into_response()),
            Err(ClaimError::Invalid(invalid)) => {
                (StatusCode::UNPROCESSABLE_ENTITY, invalid.0, None)
            }
            Err(ClaimError::Ineligible(reason)) => {
                let activity =
                    medicaledu_app::cme::catalog::activity_of_course(&ctx, learning.course.id)
                        .await
                        .map_err(|e| PageError::from_failure(&e))?;
                (
                    StatusCode::CONFLICT,
                    Vec::new(),
                    Some(next_step(reason, &activity.activity, tr)),
                )
            }
            Err(ClaimError::AlreadyClaimed) => (
                StatusCode::CONFLICT,
                Vec::new(),
                Some(tr.t("cme-already-claimed")),
            ),
            Err(ClaimError::Unavailable) => (
                StatusCode::SERVICE_UNAVAILABLE,
                Vec::new(),
                Some(tr.t("cme-claims-unavailable")),
            ),
            Err(e) => return Err(PageError::from_failure(&e)),
        };
    let sent = Sent {
        claim: SentClaim {
            designation_id: data.designation_id,
            credits: data.credits,
            attest: data.attest.is_some(),
            errors,
            problem,
        },
        ..Sent::default()
    };
    let mut response = progress::render(&ctx, &visitor, actor, &learning, &sent).await?;
    *response.status_mut() = status;
    Ok(response)
}
