//! A learner's transcript: every credit of a period, earned here (proved by
//! a certificate in force) or reported from elsewhere, the totals per credit
//! type, and where each of their licences' current cycle stands.

use chrono::{Days, Months, NaiveDate};
use medicaledu_documents::{
    TranscriptDocument, TranscriptLabels, TranscriptLicence, TranscriptRow, transcript_pdf,
};
use medicaledu_domain::{
    CertificateSnapshot, CreditAmount, CreditEntry, CreditSource, CreditTypeName, FieldIssue, Id,
    Licence, LicenceStatus, Topic, TypeTotal, licence_status, totals_by_type,
};
use medicaledu_store::cme_learners::{self, EarnedCredit, ExternalCreditRow};

use super::external::ExternalCredit;
use super::licences::{HeldLicence, licence_of};
use super::{day_in, parse_date, zone_of};
use crate::{Actor, AppContext, Fields, Internal, Invalid};

/// The period a transcript covers unless asked otherwise: the three years
/// ending today, the longest cycle most boards use.
pub const DEFAULT_YEARS: u32 = 3;

/// The period asked for; either end may be left out.
#[derive(Clone, Debug, Default)]
pub struct TranscriptQuery {
    /// `YYYY-MM-DD`, inclusive.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, inclusive; today in the learner's zone by default.
    pub to: Option<String>,
}

/// One line of a transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranscriptLine {
    pub earned_on: NaiveDate,
    pub title: String,
    pub provider_name: String,
    pub credit_type: CreditTypeName,
    pub credits: CreditAmount,
    pub topics: Vec<Topic>,
    pub source: CreditSource,
    /// The certificate that proves an earned line.
    pub certificate_code: Option<String>,
    /// The learner's record of a self-reported line.
    pub external_credit_id: Option<Id>,
}

impl TranscriptLine {
    pub fn entry(&self) -> CreditEntry {
        CreditEntry {
            earned_on: self.earned_on,
            amount: self.credits,
            credit_type: self.credit_type.clone(),
            topics: self.topics.clone(),
            source: self.source,
        }
    }
}

/// The columns of a transcript as CSV, the same wherever it is exported.
pub const TRANSCRIPT_HEADER: &[&str] = &[
    "earned_on",
    "title",
    "provider_name",
    "credit_type",
    "credits",
    "source",
    "certificate_code",
    "topics",
];

impl TranscriptLine {
    /// The line as CSV fields in [`TRANSCRIPT_HEADER`]'s order, its topics
    /// joined by `; `.
    pub fn fields(&self) -> Vec<String> {
        let topics: Vec<&str> = self.topics.iter().map(|t| t.as_str()).collect();
        vec![
            self.earned_on.to_string(),
            self.title.clone(),
            self.provider_name.clone(),
            self.credit_type.as_str().to_owned(),
            self.credits.to_string(),
            self.source.as_str().to_owned(),
            self.certificate_code.clone().unwrap_or_default(),
            topics.join("; "),
        ]
    }
}

/// The words a transcript's PDF leaves to its caller, in the reader's
/// language.
pub trait TranscriptWording {
    fn labels(&self) -> TranscriptLabels;
    /// Where a line earned here comes from: "Certificate MEDU-…".
    fn certificate(&self, code: &str) -> String;
    /// Where a line reported by the learner comes from.
    fn self_reported(&self) -> String;
    /// A licence by name: "Physician, California, A123456 (renews …)".
    fn licence(&self, licence: &Licence) -> String;
    /// "Met", or how far short the cycle is, in total and per topic.
    fn standing(&self, status: &LicenceStatus) -> String;
}

/// The transcript as a PDF for `learner_name`, dated `generated_on`.
pub fn pdf(
    transcript: &Transcript,
    learner_name: &str,
    generated_on: NaiveDate,
    wording: &impl TranscriptWording,
) -> Result<Vec<u8>, Internal> {
    let document = TranscriptDocument {
        learner_name: learner_name.to_owned(),
        period_from: transcript.from,
        period_to: transcript.to,
        generated_on,
        rows: transcript
            .lines
            .iter()
            .map(|line| TranscriptRow {
                date: line.earned_on,
                activity: line.title.clone(),
                credit_type: line.credit_type.as_str().to_owned(),
                credits: line.credits,
                source: match &line.certificate_code {
                    Some(code) => wording.certificate(code),
                    None => wording.self_reported(),
                },
            })
            .collect(),
        totals: transcript.totals.clone(),
        licences: transcript
            .licences
            .iter()
            .map(|standing| TranscriptLicence {
                licence: wording.licence(&standing.licence.licence),
                status: wording.standing(&standing.status),
                met: standing.status.is_met(),
            })
            .collect(),
    };
    transcript_pdf(&document, &wording.labels()).map_err(Internal::new)
}

/// A licence and where its current cycle stands.
#[derive(Clone, Debug)]
pub struct LicenceStanding {
    pub licence: HeldLicence,
    pub status: LicenceStatus,
}

#[derive(Clone, Debug)]
pub struct Transcript {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The period's lines, oldest first.
    pub lines: Vec<TranscriptLine>,
    /// The period's credits per type, self-reported ones counted apart too.
    pub totals: Vec<TypeTotal>,
    /// Every licence's current cycle, whatever the period: a cycle counts
    /// its own dates.
    pub licences: Vec<LicenceStanding>,
}

#[derive(Debug, thiserror::Error)]
pub enum TranscriptError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(TranscriptError);

crate::failure!(TranscriptError {} wraps {
    Invalid(Invalid),
    Internal(Internal),
});

/// The period of `query`, given today.
fn period(query: &TranscriptQuery, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), Invalid> {
    let mut fields = Fields::default();
    let from = query
        .from
        .as_deref()
        .and_then(|text| fields.check("from", parse_date(text)));
    let to = query
        .to
        .as_deref()
        .and_then(|text| fields.check("to", parse_date(text)));
    fields.finish()?;
    let to = to.unwrap_or(today);
    let from = from.unwrap_or_else(|| {
        to.checked_sub_months(Months::new(12 * DEFAULT_YEARS))
            .and_then(|day| day.checked_add_days(Days::new(1)))
            .unwrap_or(NaiveDate::MIN)
    });
    if from > to {
        let mut fields = Fields::default();
        fields.check::<()>("from", Err(FieldIssue::invalid("must not be after `to`")));
        fields.finish()?;
    }
    Ok((from, to))
}

/// A line of credit earned here, from what its certificate printed: the
/// title and completion date stay as issued whatever happens to the
/// course since.
fn earned_line(credit: &EarnedCredit) -> Result<TranscriptLine, Internal> {
    let snapshot: CertificateSnapshot = serde_json::from_str(&credit.snapshot).map_err(|e| {
        Internal::invariant(format!(
            "certificate {} has an unreadable snapshot: {e}",
            credit.certificate_id
        ))
    })?;
    let broken = |what: &str, issue: FieldIssue| {
        Internal::invariant(format!(
            "certificate {} has an unreadable {what}: {}",
            credit.certificate_id, issue.message
        ))
    };
    let credit_type = CreditTypeName::parse(
        snapshot
            .credit_type
            .as_deref()
            .unwrap_or(&credit.credit_type),
    )
    .map_err(|e| broken("credit type", e))?;
    let credits = match snapshot.credits {
        Some(credits) => credits,
        None => CreditAmount::from_hundredths(credit.credit_hundredths)
            .map_err(|e| broken("amount", e))?,
    };
    let topics = credit
        .topics
        .iter()
        .map(|t| Topic::parse(t).map_err(|e| broken("topic", e)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(TranscriptLine {
        earned_on: snapshot.completed_on,
        title: snapshot.activity_title,
        provider_name: snapshot.provider_name,
        credit_type,
        credits,
        topics,
        source: CreditSource::Earned,
        certificate_code: Some(snapshot.code.to_string()),
        external_credit_id: None,
    })
}

fn external_line(row: &ExternalCreditRow) -> Result<TranscriptLine, Internal> {
    let credit = ExternalCredit::of(row)?;
    Ok(TranscriptLine {
        earned_on: credit.earned_on,
        title: credit.title,
        provider_name: credit.provider_name,
        credit_type: credit.credit_type,
        credits: credit.credits,
        topics: credit.topics,
        source: CreditSource::SelfReported,
        certificate_code: None,
        external_credit_id: Some(credit.id),
    })
}

/// Every line of the learner's, oldest first.
pub(super) fn lines(
    earned: &[EarnedCredit],
    external: &[ExternalCreditRow],
) -> Result<Vec<TranscriptLine>, Internal> {
    let mut lines = earned
        .iter()
        .map(earned_line)
        .chain(external.iter().map(external_line))
        .collect::<Result<Vec<_>, _>>()?;
    lines.sort_by(|a, b| (a.earned_on, &a.title, a.source).cmp(&(b.earned_on, &b.title, b.source)));
    Ok(lines)
}

/// The signed-in learner's transcript of a period (by default the three
/// years ending today in their zone), with every licence's standing.
pub async fn transcript(
    ctx: &AppContext,
    actor: &Actor,
    query: TranscriptQuery,
) -> Result<Transcript, TranscriptError> {
    let today = day_in(ctx.now(), &zone_of(&actor.user.timezone));
    let (from, to) = period(&query, today)?;
    let earned = cme_learners::earned_credits(&ctx.db, actor.id()).await?;
    let external = cme_learners::list_external_credits(&ctx.db, actor.id()).await?;
    let licences = cme_learners::list_licences(&ctx.db, actor.id()).await?;
    let all = lines(&earned, &external)?;
    let entries: Vec<CreditEntry> = all.iter().map(TranscriptLine::entry).collect();
    let licences = licences
        .iter()
        .map(|row| {
            let licence = licence_of(row)?;
            let status = licence_status(&licence, &entries);
            Ok(LicenceStanding {
                licence: HeldLicence {
                    id: row.id,
                    licence,
                    created_at: row.created_at,
                    updated_at: row.updated_at,
                },
                status,
            })
        })
        .collect::<Result<Vec<_>, Internal>>()?;
    Ok(Transcript {
        from,
        to,
        totals: totals_by_type(&entries, from, to),
        lines: all
            .into_iter()
            .filter(|line| line.earned_on >= from && line.earned_on <= to)
            .collect(),
        licences,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("date")
    }

    fn query(from: Option<&str>, to: Option<&str>) -> TranscriptQuery {
        TranscriptQuery {
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
        }
    }

    #[test]
    fn the_default_period_is_the_three_years_ending_today() {
        let today = day("2026-06-15");
        assert_eq!(
            period(&query(None, None), today).expect("valid"),
            (day("2023-06-16"), today)
        );
        assert_eq!(
            period(&query(Some("2026-01-01"), None), today).expect("valid"),
            (day("2026-01-01"), today)
        );
        assert_eq!(
            period(&query(None, Some("2025-12-31")), today).expect("valid"),
            (day("2023-01-01"), day("2025-12-31"))
        );
    }

    #[test]
    fn a_bad_period_names_its_end() {
        let today = day("2026-06-15");
        let field = |q: TranscriptQuery| period(&q, today).expect_err("refused").0[0].field.clone();
        assert_eq!(field(query(Some("2026-13-01"), None)), "from");
        assert_eq!(field(query(None, Some("yesterday"))), "to");
        assert_eq!(field(query(Some("2026-02-01"), Some("2026-01-01"))), "from");
    }
}
