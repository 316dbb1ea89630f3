//! `/me/transcript`: the learner's credits in a period (the three years
//! ending today unless they choose another), earned here with the
//! certificate that proves each, or recorded by them and marked
//! self-reported; the totals per credit type; where each licence's current
//! cycle stands; and the same transcript as CSV and PDF.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::cme_learners::{
    self, TRANSCRIPT_HEADER, Transcript, TranscriptError, TranscriptQuery, TranscriptWording,
};
use medicaledu_app::{Actor, AppContext, FieldError};
use medicaledu_documents::TranscriptLabels;
use medicaledu_domain::{Licence, LicenceStatus};
use serde::Deserialize;

use super::licences::{licence_name, standing_text};
use super::verify_href;
use crate::download;
use crate::error::PageError;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond};
use crate::teach::cme::refusal_text;
use crate::view;
use crate::visitor::Visitor;

const PATH: &str = "/me/transcript";

#[derive(Debug, Default, Deserialize)]
pub struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
}

impl PeriodQuery {
    /// The period asked for; an empty end is the default one.
    fn query(&self) -> TranscriptQuery {
        let given = |end: &Option<String>| {
            end.as_deref()
                .map(str::trim)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        TranscriptQuery {
            from: given(&self.from),
            to: given(&self.to),
        }
    }
}

struct Line {
    earned: String,
    title: String,
    provider: String,
    credit_type: String,
    credits: String,
    topics: String,
    /// The certificate's verification page, for a line earned here.
    certificate: Option<(String, String)>,
}

struct Total {
    credit_type: String,
    total: String,
    self_reported: String,
}

struct Standing {
    name: String,
    renews: String,
    text: String,
    met: bool,
}

#[derive(Template)]
#[template(path = "cme_transcript.html")]
struct TranscriptPage {
    chrome: Chrome,
    from: String,
    to: String,
    from_error: Option<String>,
    to_error: Option<String>,
    /// Set once the period is valid.
    period: Option<String>,
    csv_href: Option<String>,
    pdf_href: Option<String>,
    lines: Vec<Line>,
    totals: Vec<Total>,
    licences: Vec<Standing>,
}

fn sign_in() -> Response {
    Redirect::to(&format!("/signin?next={PATH}")).into_response()
}

fn fill(page: &mut TranscriptPage, transcript: &Transcript, tr: &Tr) {
    let (from, to) = (transcript.from, transcript.to);
    page.from = from.to_string();
    page.to = to.to_string();
    page.period = Some(tr.t_with(
        "cme-transcript-period",
        &[
            ("from", Arg::Text(view::date(from, tr))),
            ("to", Arg::Text(view::date(to, tr))),
        ],
    ));
    page.csv_href = Some(format!("{PATH}.csv?from={from}&to={to}"));
    page.pdf_href = Some(format!("{PATH}.pdf?from={from}&to={to}"));
    page.lines = transcript
        .lines
        .iter()
        .map(|line| {
            let topics: Vec<&str> = line.topics.iter().map(|t| t.as_str()).collect();
            Line {
                earned: view::date(line.earned_on, tr),
                title: line.title.clone(),
                provider: line.provider_name.clone(),
                credit_type: line.credit_type.as_str().to_owned(),
                credits: line.credits.to_string(),
                topics: topics.join("; "),
                certificate: line.certificate_code.as_ref().map(|code| {
                    (
                        verify_href(code),
                        tr.t_with(
                            "cme-transcript-certificate",
                            &[("code", Arg::from(code.as_str()))],
                        ),
                    )
                }),
            }
        })
        .collect();
    page.totals = transcript
        .totals
        .iter()
        .map(|t| Total {
            credit_type: t.credit_type.as_str().to_owned(),
            total: t.total.to_string(),
            self_reported: t.self_reported.to_string(),
        })
        .collect();
    page.licences = transcript
        .licences
        .iter()
        .map(|s| Standing {
            name: licence_name(&s.licence.licence, tr),
            renews: tr.t_with(
                "cme-licence-renews",
                &[(
                    "date",
                    Arg::Text(view::date(s.licence.licence.renews_on, tr)),
                )],
            ),
            text: standing_text(&s.status, tr),
            met: s.status.is_met(),
        })
        .collect();
}

/// `GET /me/transcript?from=…&to=…`.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(sign_in());
    };
    let tr = &visitor.tr;
    let asked = query.query();
    let mut page = TranscriptPage {
        chrome: Chrome::new(&ctx, &visitor, tr.t("cme-transcript-title")).await?,
        from: asked.from.clone().unwrap_or_default(),
        to: asked.to.clone().unwrap_or_default(),
        from_error: None,
        to_error: None,
        period: None,
        csv_href: None,
        pdf_href: None,
        lines: Vec::new(),
        totals: Vec::new(),
        licences: Vec::new(),
    };
    match cme_learners::transcript(&ctx, actor, asked).await {
        Ok(transcript) => {
            fill(&mut page, &transcript, tr);
            Ok(respond(&ctx, &visitor, &page))
        }
        Err(TranscriptError::Invalid(invalid)) => {
            let errors: &[FieldError] = &invalid.0;
            page.from_error = refusal_text("cme-transcript-error", "from", errors, tr);
            page.to_error = refusal_text("cme-transcript-error", "to", errors, tr);
            let mut response = respond(&ctx, &visitor, &page);
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(PageError::from_failure(&e)),
    }
}

/// The transcript a download asks for; a period the page would refuse only
/// comes from a hand-made address.
async fn asked(
    ctx: &AppContext,
    actor: &Actor,
    query: &PeriodQuery,
) -> Result<Transcript, PageError> {
    match cme_learners::transcript(ctx, actor, query.query()).await {
        Ok(transcript) => Ok(transcript),
        Err(TranscriptError::Invalid(_)) => Err(PageError::BadRequest),
        Err(e) => Err(PageError::from_failure(&e)),
    }
}

/// `GET /me/transcript.csv?from=…&to=…`: the lines, in the API's columns.
pub async fn csv(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(sign_in());
    };
    let transcript = asked(&ctx, actor, &query).await?;
    Ok(download::csv(
        &format!("transcript-{}-{}.csv", transcript.from, transcript.to),
        TRANSCRIPT_HEADER,
        transcript.lines.iter().map(|line| line.fields()).collect(),
    ))
}

/// The transcript's words in the reader's language.
struct Wording<'t>(&'t Tr);

impl TranscriptWording for Wording<'_> {
    fn labels(&self) -> TranscriptLabels {
        labels(self.0)
    }

    fn certificate(&self, code: &str) -> String {
        self.0
            .t_with("cme-transcript-certificate", &[("code", Arg::from(code))])
    }

    fn self_reported(&self) -> String {
        self.0.t("cme-self-reported")
    }

    fn licence(&self, licence: &Licence) -> String {
        format!(
            "{} ({})",
            licence_name(licence, self.0),
            self.0.t_with(
                "cme-licence-renews",
                &[("date", Arg::Text(view::date(licence.renews_on, self.0)))],
            )
        )
    }

    fn standing(&self, status: &LicenceStatus) -> String {
        standing_text(status, self.0)
    }
}

/// A transcript's fixed words in the reader's language.
pub fn labels(tr: &Tr) -> TranscriptLabels {
    TranscriptLabels {
        title: tr.t("cme-transcript-pdf-title"),
        learner: tr.t("cme-transcript-pdf-learner"),
        period: tr.t("cme-transcript-pdf-period"),
        generated_on: tr.t("cme-transcript-pdf-generated-on"),
        date: tr.t("cme-transcript-col-date"),
        activity: tr.t("cme-activity"),
        credit_type: tr.t("cme-transcript-col-credit-type"),
        credits: tr.t("cme-transcript-col-credits"),
        source: tr.t("cme-transcript-col-source"),
        no_rows: tr.t("cme-transcript-none"),
        totals: tr.t("cme-transcript-totals"),
        total: tr.t("cme-transcript-col-total"),
        self_reported: tr.t("cme-transcript-col-self-reported"),
        licences: tr.t("cme-transcript-licences"),
        licence: tr.t("cme-transcript-col-licence"),
        status: tr.t("cme-transcript-col-status"),
        // The document puts the numbers where `{page}` and `{pages}` stand.
        page: tr.t_with(
            "cme-transcript-pdf-page",
            &[
                ("page", Arg::from("{page}")),
                ("pages", Arg::from("{pages}")),
            ],
        ),
    }
}

/// `GET /me/transcript.pdf?from=…&to=…`.
pub async fn pdf(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(sign_in());
    };
    let transcript = asked(&ctx, actor, &query).await?;
    let today = ctx
        .now()
        .as_datetime()
        .with_timezone(&visitor.zone.tz())
        .date_naive();
    let bytes = cme_learners::transcript_pdf(
        &transcript,
        &actor.user.full_name,
        today,
        &Wording(&visitor.tr),
    )
    .map_err(PageError::from)?;
    let disposition = HeaderValue::from_str(&format!(
        "attachment; filename=\"transcript-{}-{}.pdf\"",
        transcript.from, transcript.to
    ))
    .unwrap_or(HeaderValue::from_static("attachment"));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_english_catalog_words_the_transcript_as_the_document_does() {
        assert_eq!(labels(&Tr::default()), TranscriptLabels::english());
        let de = labels(&Tr::negotiate(Some("de"), None));
        assert!(de.page.contains("{page}") && de.page.contains("{pages}"));
        assert_ne!(de.title, TranscriptLabels::english().title);
    }
}
