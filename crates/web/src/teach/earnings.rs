//! `/teach/earnings`: what the instructor's courses took, with refunds shown
//! and taken off, per month of the instructor's own time zone, per course
//! and per currency (never summed across currencies), over the months they
//! choose (the last twelve unless told): per currency, a chart drawn on the
//! server beside a table of the same numbers. `/teach/earnings.csv` is the
//! same period as month × course × currency lines.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use medicaledu_app::teaching::{self, CurrencyEarnings, EarningsInput, local_midnight};
use medicaledu_app::{AppContext, ReadError};
use medicaledu_domain::TimeZone;
use serde::Deserialize;

use super::{field_errors, instructor, page_error};
use crate::chart::{Bar, BarChart};
use crate::download;
use crate::error::PageError;
use crate::fields::Field;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond};
use crate::view::{self, Amounts};
use crate::visitor::Visitor;

#[derive(Debug, Default, Deserialize)]
pub struct EarningsQuery {
    /// The first month, `2027-03`.
    from: Option<String>,
    /// The last month, included.
    to: Option<String>,
}

impl EarningsQuery {
    fn input(&self) -> EarningsInput {
        EarningsInput {
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }
}

pub struct Row {
    pub label: String,
    pub amounts: Amounts,
}

/// Everything shown for one currency.
pub struct CurrencySection {
    pub code: String,
    pub heading: String,
    /// The server-drawn `<svg>`, its texts escaped by `chart`.
    pub chart: String,
    pub month_caption: String,
    pub months: Vec<Row>,
    pub course_caption: String,
    pub courses: Vec<Row>,
    pub total: Amounts,
}

#[derive(Template)]
#[template(path = "teach_earnings.html")]
struct EarningsPage {
    chrome: Chrome,
    from: Field,
    to: Field,
    /// Which months, in which zone; none when the period was refused.
    period: Option<String>,
    csv_href: Option<String>,
    sections: Vec<CurrencySection>,
}

/// `2027-03`: a month as the form and the CSV write it.
fn month_value(month: NaiveDate) -> String {
    month.format("%Y-%m").to_string()
}

/// `March 2027`, in the instructor's language.
fn month_name(month: NaiveDate, zone: &TimeZone, tr: &Tr) -> String {
    view::month(local_midnight(month, zone), zone, tr)
}

fn section(earned: &CurrencyEarnings, zone: &TimeZone, tr: &Tr) -> CurrencySection {
    let code = earned.currency.clone();
    let currency = || [("currency", Arg::Text(code.clone()))];
    let bars: Vec<Bar> = earned
        .months
        .iter()
        .map(|m| Bar {
            label: month_name(m.month, zone, tr),
            value: m.sum.net_minor(),
            value_text: view::signed_money(m.sum.net_minor(), &code),
        })
        .collect();
    let chart = BarChart {
        id: &format!("chart-{code}"),
        title: &tr.t_with("teach-earnings-chart-title", &currency()),
        description: &tr.t("teach-earnings-chart-desc"),
        bars: &bars,
    }
    .svg();
    CurrencySection {
        heading: tr.t_with("teach-earnings-currency", &currency()),
        chart,
        month_caption: tr.t_with("teach-earnings-by-month", &currency()),
        months: earned
            .months
            .iter()
            .map(|m| Row {
                label: month_name(m.month, zone, tr),
                amounts: Amounts::of(m.sum, &code),
            })
            .collect(),
        course_caption: tr.t_with("teach-earnings-by-course", &currency()),
        courses: earned
            .courses
            .iter()
            .map(|c| Row {
                label: c.course_title.clone(),
                amounts: Amounts::of(c.sum, &code),
            })
            .collect(),
        total: Amounts::of(earned.total, &code),
        code,
    }
}

/// A month field of the period form, optional (blank takes the default).
fn month_field(name: &'static str, label: String, value: String, tr: &Tr) -> Field {
    let mut field = Field::new(name, label, "month")
        .value(value)
        .hint(tr.t("teach-earnings-month-hint"));
    field.required = false;
    field
}

/// `GET /teach/earnings?from=YYYY-MM&to=YYYY-MM`.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<EarningsQuery>,
) -> Result<Response, PageError> {
    let actor = match instructor(&visitor, "/teach/earnings") {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let tr = &visitor.tr;
    let (earnings, errors) = match teaching::earnings(&ctx, actor, query.input()).await {
        Ok(earnings) => (Some(earnings), Vec::new()),
        Err(ReadError::Invalid(invalid)) => (None, field_errors(&invalid)),
        Err(e) => return Err(page_error(e)),
    };
    // What the form shows: the months the report covers, defaults filled
    // in, or what was typed when it was refused.
    let (from, to) = match &earnings {
        Some(e) => (month_value(e.first_month), month_value(e.last_month)),
        None => (
            query.from.clone().unwrap_or_default(),
            query.to.clone().unwrap_or_default(),
        ),
    };
    let page = EarningsPage {
        chrome: Chrome::new(&ctx, &visitor, tr.t("teach-earnings")).await?,
        from: month_field("from", tr.t("teach-earnings-from"), from.clone(), tr)
            .errors(&errors, tr),
        to: month_field("to", tr.t("teach-earnings-to"), to.clone(), tr).errors(&errors, tr),
        period: earnings.as_ref().map(|e| {
            tr.t_with(
                "teach-earnings-period",
                &[
                    ("from", Arg::Text(month_name(e.first_month, &e.zone, tr))),
                    ("to", Arg::Text(month_name(e.last_month, &e.zone, tr))),
                    ("zone", Arg::Text(e.zone.to_string())),
                ],
            )
        }),
        csv_href: earnings.as_ref().map(|_| {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("from", &from)
                .append_pair("to", &to)
                .finish();
            format!("/teach/earnings.csv?{query}")
        }),
        sections: earnings
            .as_ref()
            .map(|e| {
                e.currencies
                    .iter()
                    .map(|c| section(c, &e.zone, tr))
                    .collect()
            })
            .unwrap_or_default(),
    };
    Ok(respond(&ctx, &visitor, &page))
}

const CSV_HEADER: &[&str] = &[
    "month",
    "course_id",
    "course",
    "currency",
    "gross",
    "refunded",
    "net",
];

/// `GET /teach/earnings.csv?from=YYYY-MM&to=YYYY-MM`: one line per month,
/// course and currency that took or gave back money, amounts in major units
/// next to their currency.
pub async fn csv(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<EarningsQuery>,
) -> Result<Response, PageError> {
    let actor = match instructor(&visitor, "/teach/earnings") {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let earnings = match teaching::earnings(&ctx, actor, query.input()).await {
        Ok(earnings) => earnings,
        // Only a hand-made address holds a period the page would refuse.
        Err(ReadError::Invalid(_)) => return Err(PageError::BadRequest),
        Err(e) => return Err(page_error(e)),
    };
    let filename = format!(
        "earnings-{}-to-{}.csv",
        month_value(earnings.first_month),
        month_value(earnings.last_month)
    );
    let rows = earnings
        .lines
        .into_iter()
        .map(|line| {
            let amount = |minor| view::decimal(minor, &line.currency);
            let (gross, refunded, net) = (
                amount(line.sum.gross_minor),
                amount(line.sum.refunded_minor),
                amount(line.sum.net_minor()),
            );
            vec![
                month_value(line.month),
                line.course_id.to_string(),
                line.course_title,
                line.currency,
                gross,
                refunded,
                net,
            ]
        })
        .collect();
    Ok(download::csv(&filename, CSV_HEADER, rows))
}
