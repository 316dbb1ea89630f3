//! `/admin/revenue`: the platform's revenue report (the one the API answers
//! at `/api/v1/admin/reports/revenue`) over chosen days, grouped by day,
//! month, course or instructor: per currency, a chart drawn on the server
//! beside a table of gross, refunded and net; `/admin/revenue.csv` is the
//! same report as a download.
//!
//! The report groups days and months in UTC, so the period's days are UTC
//! days too: a month's line then holds the whole month.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Days, Months, NaiveDate};
use medicaledu_app::payments::{RevenueInput, RevenueLine, RevenueReport, RevenueSum};
use medicaledu_app::{AppContext, FieldError, ReadError};
use medicaledu_domain::RevenueGrouping;
use serde::Deserialize;

use super::{Choice, admin, choices};
use crate::chart::{Bar, BarChart};
use crate::download;
use crate::error::PageError;
use crate::fields::error_for;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond};
use crate::view::{self, Amounts};
use crate::visitor::Visitor;

/// The groupings the report offers, as its `group_by` names them.
const GROUPS: [&str; 4] = ["day", "month", "course", "instructor"];

#[derive(Clone, Debug, Default, Deserialize)]
pub struct RevenueQuery {
    /// The first day, `YYYY-MM-DD`, UTC.
    from: Option<String>,
    /// The last day, included.
    to: Option<String>,
    group_by: Option<String>,
}

/// The report's period and grouping as the form fills them in.
struct Period {
    from: String,
    to: String,
    group_by: String,
}

impl RevenueQuery {
    /// The period with the defaults filled in (the last twelve months up to
    /// today, by month), and the use case's input; or why a day is refused.
    fn resolve(&self, today: NaiveDate) -> (Period, Result<RevenueInput, Vec<FieldError>>) {
        let typed = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let default_from = today
            .with_day(1)
            .and_then(|first| first.checked_sub_months(Months::new(11)))
            .unwrap_or(today);
        let period = Period {
            from: typed(&self.from).unwrap_or_else(|| default_from.to_string()),
            to: typed(&self.to).unwrap_or_else(|| today.to_string()),
            group_by: typed(&self.group_by).unwrap_or_else(|| "month".to_owned()),
        };
        let mut errors = Vec::new();
        let mut day = |name: &str, value: &str| {
            let parsed = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok();
            if parsed.is_none() {
                errors.push(FieldError::new(
                    name,
                    "date_format",
                    "must be a date such as 2027-03-31",
                ));
            }
            parsed
        };
        let from = day("from", &period.from);
        let to = day("to", &period.to);
        let input = match (from, to) {
            (Some(from), Some(to)) if to < from => {
                errors.push(FieldError::new(
                    "to",
                    "date_order",
                    "must not be before from",
                ));
                Err(errors)
            }
            (Some(from), Some(to)) => match to.checked_add_days(Days::new(1)) {
                Some(end) => Ok(RevenueInput {
                    from: utc_midnight(from),
                    to: utc_midnight(end),
                    group_by: Some(period.group_by.clone()),
                }),
                None => {
                    errors.push(FieldError::new("to", "date_format", "is out of range"));
                    Err(errors)
                }
            },
            _ => Err(errors),
        };
        (period, input)
    }
}

impl Period {
    /// As a query string, for the CSV link.
    fn query(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("from", &self.from)
            .append_pair("to", &self.to)
            .append_pair("group_by", &self.group_by)
            .finish()
    }
}

/// The instant a UTC day begins, as the use case takes it.
fn utc_midnight(day: NaiveDate) -> String {
    format!("{}T00:00:00Z", day.format("%Y-%m-%d"))
}

pub struct Row {
    pub label: String,
    /// An instructor's line links to their account.
    pub href: Option<String>,
    pub amounts: Amounts,
}

/// Everything shown for one currency.
pub struct CurrencySection {
    pub code: String,
    pub heading: String,
    /// The server-drawn `<svg>`, its texts escaped by `chart`.
    pub chart: String,
    pub caption: String,
    pub rows: Vec<Row>,
    pub total: Amounts,
}

#[derive(Template)]
#[template(path = "admin_revenue.html")]
struct RevenuePage {
    chrome: Chrome,
    from: String,
    to: String,
    groups: Vec<Choice>,
    group_heading: String,
    from_error: Option<String>,
    to_error: Option<String>,
    group_error: Option<String>,
    /// Set when the report was read.
    csv_href: Option<String>,
    sections: Vec<CurrencySection>,
}

fn sum_of(line: &RevenueLine) -> RevenueSum {
    RevenueSum {
        gross_minor: line.gross_minor,
        refunded_minor: line.refunded_minor,
    }
}

/// The report's lines by currency, each currency's by label (a course's
/// title, an instructor's name, or the day or month itself).
fn by_currency(report: &RevenueReport) -> Vec<(String, Vec<&RevenueLine>)> {
    let mut lines: Vec<&RevenueLine> = report.items.iter().collect();
    lines.sort_by(|a, b| (&a.currency, &a.label, &a.group).cmp(&(&b.currency, &b.label, &b.group)));
    let mut sections: Vec<(String, Vec<&RevenueLine>)> = Vec::new();
    for line in lines {
        match sections.last_mut() {
            Some((currency, same)) if *currency == line.currency => same.push(line),
            _ => sections.push((line.currency.clone(), vec![line])),
        }
    }
    sections
}

fn group_label(tr: &Tr, group: &str) -> String {
    tr.t(&format!("admin-revenue-group-{group}"))
}

fn section(
    currency: &str,
    lines: &[&RevenueLine],
    group_by: RevenueGrouping,
    tr: &Tr,
) -> CurrencySection {
    let args = [("currency", Arg::Text(currency.to_owned()))];
    let bars: Vec<Bar> = lines
        .iter()
        .map(|line| Bar {
            label: line.label.clone(),
            value: line.net_minor,
            value_text: view::signed_money(line.net_minor, currency),
        })
        .collect();
    let chart = BarChart {
        id: &format!("chart-{currency}"),
        title: &tr.t_with("admin-revenue-chart-title", &args),
        description: &tr.t("admin-revenue-chart-desc"),
        bars: &bars,
    }
    .svg();
    let mut total = RevenueSum::default();
    for line in lines {
        total += sum_of(line);
    }
    CurrencySection {
        code: currency.to_owned(),
        heading: tr.t_with("admin-revenue-currency", &args),
        chart,
        caption: tr.t_with("admin-revenue-caption", &args),
        rows: lines
            .iter()
            .map(|line| Row {
                label: line.label.clone(),
                href: (group_by == RevenueGrouping::Instructor)
                    .then(|| format!("/admin/users/{}", line.group)),
                amounts: Amounts::of(sum_of(line), currency),
            })
            .collect(),
        total: Amounts::of(total, currency),
    }
}

/// Today's date in UTC, the report's days.
fn today(ctx: &AppContext) -> NaiveDate {
    ctx.now().as_datetime().date_naive()
}

/// `GET /admin/revenue?from=YYYY-MM-DD&to=YYYY-MM-DD&group_by=month`.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<RevenueQuery>,
) -> Result<Response, PageError> {
    let actor = match admin(&visitor, "/admin/revenue") {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let tr = &visitor.tr;
    let (period, input) = query.resolve(today(&ctx));
    let (report, errors) = match input {
        Err(errors) => (None, errors),
        Ok(input) => match medicaledu_app::payments::revenue_report(&ctx, actor, input).await {
            Ok(report) => (Some(report), Vec::new()),
            Err(ReadError::Invalid(invalid)) => (None, invalid.0),
            Err(e) => return Err(PageError::from_failure(&e)),
        },
    };
    let group = Some(period.group_by.clone());
    let page = RevenuePage {
        chrome: Chrome::new(&ctx, &visitor, tr.t("admin-revenue-title")).await?,
        groups: choices(&GROUPS, &group, |g| group_label(tr, g)),
        group_heading: if GROUPS.contains(&period.group_by.as_str()) {
            group_label(tr, &period.group_by)
        } else {
            tr.t("admin-revenue-group")
        },
        from_error: error_for("from", &errors, tr),
        to_error: error_for("to", &errors, tr),
        group_error: error_for("group_by", &errors, tr),
        csv_href: report
            .as_ref()
            .map(|_| format!("/admin/revenue.csv?{}", period.query())),
        sections: report
            .as_ref()
            .map(|report| {
                by_currency(report)
                    .iter()
                    .map(|(currency, lines)| section(currency, lines, report.group_by, tr))
                    .collect()
            })
            .unwrap_or_default(),
        from: period.from,
        to: period.to,
    };
    Ok(respond(&ctx, &visitor, &page))
}

const CSV_HEADER: &[&str] = &["group", "label", "currency", "gross", "refunded", "net"];

/// `GET /admin/revenue.csv?…`: the page's report, a line per group and
/// currency, amounts in major units next to their currency.
pub async fn csv(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<RevenueQuery>,
) -> Result<Response, PageError> {
    let actor = match admin(&visitor, "/admin/revenue") {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let (period, input) = query.resolve(today(&ctx));
    // Only a hand-made address holds a period or grouping the page refuses.
    let input = input.map_err(|_| PageError::BadRequest)?;
    let report = match medicaledu_app::payments::revenue_report(&ctx, actor, input).await {
        Ok(report) => report,
        Err(ReadError::Invalid(_)) => return Err(PageError::BadRequest),
        Err(e) => return Err(PageError::from_failure(&e)),
    };
    let rows = by_currency(&report)
        .into_iter()
        .flat_map(|(_, lines)| lines)
        .map(|line| {
            let amount = |minor| view::decimal(minor, &line.currency);
            vec![
                line.group.clone(),
                line.label.clone(),
                line.currency.clone(),
                amount(line.gross_minor),
                amount(line.refunded_minor),
                amount(line.net_minor),
            ]
        })
        .collect();
    let filename = format!(
        "revenue-{}-to-{}-by-{}.csv",
        period.from, period.to, report.group_by
    );
    Ok(download::csv(&filename, CSV_HEADER, rows))
}
