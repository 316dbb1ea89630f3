//! What accreditors ask providers to report per learner: who completed an
//! activity in a period and what they claimed, for learners who consented.

use chrono::NaiveDate;
use medicaledu_domain::{CertificateSnapshot, CreditAmount, Id, Profession};
use medicaledu_store::cme::activities::ListedActivityRow;
use medicaledu_store::cme::{activities, certificates};

use super::{day_start, parse_date};
use crate::{Actor, AppContext, Fields, Internal, ReadError};

/// One learner's completion, as the report lists it.
#[derive(Clone, Debug)]
pub struct ReportLine {
    pub certificate_code: String,
    /// As printed on the certificate.
    pub learner_name: String,
    pub birth_month: Option<i64>,
    pub birth_day: Option<i64>,
    pub board_number: Option<String>,
    pub profession: Profession,
    pub completed_on: NaiveDate,
    /// `None` for participation.
    pub credit_type: Option<String>,
    pub credits: Option<CreditAmount>,
}

impl ReportLine {
    /// The line's fields in [`REPORT_HEADER`]'s order, with the address
    /// where anyone can verify its certificate.
    pub fn fields(&self, verify_url: String) -> Vec<String> {
        vec![
            self.certificate_code.clone(),
            self.learner_name.clone(),
            self.birth_month.map(|m| m.to_string()).unwrap_or_default(),
            self.birth_day.map(|d| d.to_string()).unwrap_or_default(),
            self.board_number.clone().unwrap_or_default(),
            self.profession.as_str().to_owned(),
            self.completed_on.to_string(),
            self.credit_type.clone().unwrap_or_default(),
            self.credits.map(|c| c.to_string()).unwrap_or_default(),
            verify_url,
        ]
    }
}

/// The report's columns, as a CSV header names them.
pub const REPORT_HEADER: &[&str] = &[
    "certificate_code",
    "learner_name",
    "birth_month",
    "birth_day",
    "board_number",
    "profession",
    "completed_on",
    "credit_type",
    "credits_claimed",
    "verify_url",
];

/// Every live CME activity, for an administrator choosing one to report on.
pub async fn activities(
    ctx: &AppContext,
    actor: &Actor,
) -> Result<Vec<ListedActivityRow>, ReadError> {
    actor.require_admin()?;
    Ok(activities::listed(&ctx.db).await?)
}

/// The period asked for: `from` and `to` as `YYYY-MM-DD`, both included.
#[derive(Clone, Debug, Default)]
pub struct Period {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The report of a course's activity (admins): completions in the period
/// (the last twelve months when not said), of learners who consented.
pub async fn activity_report(
    ctx: &AppContext,
    actor: &Actor,
    course_id: Id,
    period: Period,
) -> Result<(NaiveDate, NaiveDate, Vec<ReportLine>), ReadError> {
    actor.require_admin()?;
    let today = ctx.now().as_datetime().date_naive();
    let mut fields = Fields::default();
    let to = match period.to.as_deref() {
        Some(text) => fields.check("to", parse_date(text)),
        None => Some(today),
    };
    let from = match period.from.as_deref() {
        Some(text) => fields.check("from", parse_date(text)),
        None => to.and_then(|to| to.checked_sub_months(chrono::Months::new(12))),
    };
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        fields.reject("from", "invalid", "must not be after to");
    }
    fields.finish()?;
    let (Some(from), Some(to)) = (from, to) else {
        return Err(ReadError::Invalid(crate::Invalid::default()));
    };
    let activity = activities::find_by_course(&ctx.db, course_id)
        .await?
        .ok_or(ReadError::NotFound("CME activity"))?;
    let rows = certificates::report(
        &ctx.db,
        activity.id,
        day_start(from),
        day_start(to + chrono::Days::new(1)),
    )
    .await?;
    let lines = rows
        .into_iter()
        .map(|row| {
            let snapshot: CertificateSnapshot =
                serde_json::from_str(&row.snapshot).map_err(Internal::new)?;
            Ok(ReportLine {
                certificate_code: row.code,
                learner_name: snapshot.learner_name,
                birth_month: row.birth_month,
                birth_day: row.birth_day,
                board_number: row.board_number,
                profession: row.profession,
                completed_on: snapshot.completed_on,
                credit_type: snapshot.credit_type,
                credits: snapshot.credits,
            })
        })
        .collect::<Result<Vec<_>, Internal>>()?;
    Ok((from, to, lines))
}
