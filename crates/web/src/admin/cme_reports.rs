//! `/admin/cme/reports`: what accreditors ask providers to report. The CME
//! activities to choose from; one activity's completions in a period (of
//! learners who consented), read on the page and downloaded as CSV in the
//! same columns as the API's export.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use medicaledu_app::cme::certificates::verify_url;
use medicaledu_app::cme::reports::{self, Period, REPORT_HEADER, ReportLine};
use medicaledu_app::{AppContext, FieldError, ReadError};
use medicaledu_domain::Id;
use serde::Deserialize;

use super::{admin, some};
use crate::download;
use crate::error::{PageError, parse_id};
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond};
use crate::teach::cme::refusal_text;
use crate::view;
use crate::visitor::Visitor;

const REPORTS: &str = "/admin/cme/reports";

fn report_path(course: Id) -> String {
    format!("{REPORTS}/{course}")
}

struct ActivityLine {
    title: String,
    href: String,
    report_label: String,
    provider: String,
    format: String,
    dates: String,
}

#[derive(Template)]
#[template(path = "admin_cme_reports.html")]
struct ActivitiesPage {
    chrome: Chrome,
    activities: Vec<ActivityLine>,
}

/// `GET /admin/cme/reports`: the activities to report on.
pub async fn activities(
    State(ctx): State<AppContext>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let actor = match admin(&visitor, REPORTS) {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let tr = &visitor.tr;
    let listed = reports::activities(&ctx, actor)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let activities = listed
        .into_iter()
        .map(|a| ActivityLine {
            href: report_path(a.course_id),
            report_label: tr.t_with(
                "admin-cme-report-open-label",
                &[("title", Arg::Text(a.course_title.clone()))],
            ),
            title: a.course_title,
            provider: a.provider_name,
            format: tr.t(&format!("teach-cme-format-{}", a.format)),
            dates: match a.expires_on {
                Some(end) => format!("{} – {}", view::date(a.release_on, tr), view::date(end, tr)),
                None => view::date(a.release_on, tr),
            },
        })
        .collect();
    let page = ActivitiesPage {
        chrome: Chrome::new(&ctx, &visitor, tr.t("admin-cme-reports-title")).await?,
        activities,
    };
    Ok(respond(&ctx, &visitor, &page))
}

#[derive(Debug, Default, Deserialize)]
pub struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
}

impl PeriodQuery {
    fn period(&self) -> Period {
        Period {
            from: some(&self.from),
            to: some(&self.to),
        }
    }
}

struct Line {
    code: String,
    name: String,
    birthday: String,
    board_number: String,
    profession: String,
    completed: String,
    credit_type: String,
    credits: String,
}

#[derive(Template)]
#[template(path = "admin_cme_report.html")]
struct ReportPage {
    chrome: Chrome,
    action: String,
    from: String,
    to: String,
    from_error: Option<String>,
    to_error: Option<String>,
    /// Set once the period is valid: the same report as CSV.
    csv_href: Option<String>,
    summary: Option<String>,
    lines: Vec<Line>,
}

fn error_of(field: &str, errors: &[FieldError], tr: &Tr) -> Option<String> {
    refusal_text("admin-cme-report-error", field, errors, tr)
}

fn line_of(line: &ReportLine, tr: &Tr) -> Line {
    let dash = || tr.t("admin-cme-valid-until-none");
    Line {
        code: line.certificate_code.clone(),
        name: line.learner_name.clone(),
        birthday: match (line.birth_month, line.birth_day) {
            (Some(month), Some(day)) => format!("{month:02}-{day:02}"),
            _ => dash(),
        },
        board_number: line.board_number.clone().unwrap_or_else(dash),
        profession: tr.t(&format!("teach-cme-profession-{}", line.profession)),
        completed: view::date(line.completed_on, tr),
        credit_type: line
            .credit_type
            .clone()
            .unwrap_or_else(|| tr.t("admin-cme-report-participation")),
        credits: line.credits.map(|c| c.to_string()).unwrap_or_else(dash),
    }
}

/// `GET /admin/cme/reports/{course}?from=…&to=…`: the completions in the
/// period (the last twelve months unless given).
pub async fn report(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(course): Path<String>,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let course = parse_id(&course)?;
    let actor = match admin(&visitor, &report_path(course)) {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let tr = &visitor.tr;
    let title = title_of(&ctx, actor, course).await?;
    let chrome = Chrome::new(
        &ctx,
        &visitor,
        tr.t_with("admin-cme-report-title", &[("title", Arg::Text(title))]),
    )
    .await?;
    let mut page = ReportPage {
        chrome,
        action: report_path(course),
        from: some(&query.from).unwrap_or_default(),
        to: some(&query.to).unwrap_or_default(),
        from_error: None,
        to_error: None,
        csv_href: None,
        summary: None,
        lines: Vec::new(),
    };
    match reports::activity_report(&ctx, actor, course, query.period()).await {
        Ok((from, to, lines)) => {
            page.from = from.to_string();
            page.to = to.to_string();
            page.csv_href = Some(format!(
                "{}/report.csv?from={from}&to={to}",
                report_path(course)
            ));
            page.summary = Some(tr.t_with(
                "admin-cme-report-summary",
                &[
                    (
                        "count",
                        Arg::Number(i64::try_from(lines.len()).unwrap_or(i64::MAX)),
                    ),
                    ("from", Arg::Text(view::date(from, tr))),
                    ("to", Arg::Text(view::date(to, tr))),
                ],
            ));
            page.lines = lines.iter().map(|line| line_of(line, tr)).collect();
            Ok(respond(&ctx, &visitor, &page))
        }
        Err(ReadError::Invalid(invalid)) => {
            page.from_error = error_of("from", &invalid.0, tr);
            page.to_error = error_of("to", &invalid.0, tr);
            let mut response = respond(&ctx, &visitor, &page);
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(PageError::from_failure(&e)),
    }
}

/// The activity's course title, or the 404 page when the course is no CME
/// activity.
async fn title_of(
    ctx: &AppContext,
    actor: &medicaledu_app::Actor,
    course: Id,
) -> Result<String, PageError> {
    reports::activities(ctx, actor)
        .await
        .map_err(|e| PageError::from_failure(&e))?
        .into_iter()
        .find(|a| a.course_id == course)
        .map(|a| a.course_title)
        .ok_or(PageError::NotFound)
}

/// `GET /admin/cme/reports/{course}/report.csv?from=…&to=…`: the page's
/// report as the API exports it.
pub async fn csv(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(course): Path<String>,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let course = parse_id(&course)?;
    let actor = match admin(&visitor, &report_path(course)) {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let (from, to, lines) =
        match reports::activity_report(&ctx, actor, course, query.period()).await {
            Ok(report) => report,
            // Only a hand-made address holds a period the page refuses.
            Err(ReadError::Invalid(_)) => return Err(PageError::BadRequest),
            Err(e) => return Err(PageError::from_failure(&e)),
        };
    let rows = lines
        .iter()
        .map(|line| line.fields(verify_url(&ctx, &line.certificate_code)))
        .collect();
    Ok(download::csv(
        &format!("cme-report-{from}-{to}.csv"),
        REPORT_HEADER,
        rows,
    ))
}
