//! The "Continuing medical education" section of a course's page: who
//! accredits the activity and how, what it is designated for, its format,
//! dates and disclosure; and for a learner enrolled in it, the way to their
//! CME progress.

use medicaledu_app::cme::catalog::{self, ActivityView};
use medicaledu_app::{AppContext, ReadError};
use medicaledu_domain::{CertificateKind, Id};

use super::{credits, dates, format_name, progress_href};
use crate::error::PageError;
use crate::i18n::{Arg, Tr};

pub struct DesignationLine {
    /// "Up to 2 AMA PRA Category 1 Credit™", or a certificate of participation.
    pub award: String,
    /// The designation statement, in the provider's words.
    pub statement: String,
}

pub struct ActivitySection {
    pub provider: String,
    pub accreditor: String,
    pub accreditation_statement: String,
    pub format: String,
    pub dates: String,
    pub designations: Vec<DesignationLine>,
    pub topics: String,
    pub disclosure: String,
    /// The learner's CME page, for a learner enrolled in the course.
    pub progress_href: Option<String>,
}

/// The section for the course `course_id`, or none when the course is not a
/// CME activity. `enrolled_slug` is the course's slug when the visitor is
/// enrolled in it.
pub async fn section(
    ctx: &AppContext,
    course_id: Id,
    enrolled_slug: Option<&str>,
    tr: &Tr,
) -> Result<Option<ActivitySection>, PageError> {
    let view = match catalog::activity_of_course(ctx, course_id).await {
        Ok(view) => view,
        Err(ReadError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(PageError::from_failure(&e)),
    };
    Ok(Some(of(&view, enrolled_slug, tr)))
}

fn of(view: &ActivityView, enrolled_slug: Option<&str>, tr: &Tr) -> ActivitySection {
    ActivitySection {
        provider: view.provider.name.clone(),
        accreditor: view.provider.accreditor.clone(),
        accreditation_statement: view.provider.accreditation_statement.clone(),
        format: format_name(view.activity.format, tr),
        dates: dates(view.activity.release_on, view.activity.expires_on, tr),
        designations: view
            .designations
            .iter()
            .map(|d| DesignationLine {
                award: match d.kind {
                    CertificateKind::Credit => tr.t_with(
                        "cme-designation-credit",
                        &[
                            ("credits", Arg::Text(credits(d.max_credit_hundredths))),
                            ("type", d.credit_type.clone().into()),
                        ],
                    ),
                    CertificateKind::Participation => tr.t_with(
                        "cme-designation-participation",
                        &[("type", d.credit_type.clone().into())],
                    ),
                },
                statement: d.statement.clone(),
            })
            .collect(),
        topics: view.topics.join(", "),
        disclosure: view.activity.disclosure.clone(),
        progress_href: enrolled_slug.map(progress_href),
    }
}
