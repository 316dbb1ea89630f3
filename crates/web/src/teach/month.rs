//! The timetable by month: a calendar grid of one month in the instructor's
//! time zone, Monday first, each session on its local day with its local
//! start and course. A table with a caption and a header per weekday; on a
//! phone its days stack into a list of the days that have sessions.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Duration, Months, NaiveDate};
use medicaledu_app::AppContext;
use medicaledu_app::teaching::{self, local_midnight};
use medicaledu_domain::Weekday;
use serde::Deserialize;

use super::dashboard::times_in;
use super::schedule::monday_of;
use super::{instructor, page_error};
use crate::error::PageError;
use crate::page::{Chrome, respond};
use crate::view;
use crate::visitor::Visitor;

pub struct MonthSession {
    pub id: String,
    pub time: String,
    pub course: String,
}

pub struct MonthDay {
    /// `2027-03-22`: the cell's id and the week it opens.
    pub date: String,
    pub number: u32,
    /// `Monday 22 March 2027`, the day's name where no column names it.
    pub full: String,
    /// Part of the month shown (the grid's first and last weeks reach into
    /// the months around it, whose sessions are theirs to show).
    pub in_month: bool,
    pub today: bool,
    pub sessions: Vec<MonthSession>,
}

#[derive(Template)]
#[template(path = "teach_month.html")]
struct MonthPage {
    chrome: Chrome,
    heading: String,
    caption: String,
    times_in: String,
    weekdays: Vec<String>,
    weeks: Vec<Vec<MonthDay>>,
    previous: String,
    next: String,
    this_month: String,
    /// This month, `2027-03`.
    month: String,
    /// The week view of this month's first week (or of today's, this month).
    week: String,
    month_view: bool,
    /// No session this month.
    empty: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct MonthQuery {
    /// The month to show (`2027-03`); default this month.
    month: Option<String>,
}

/// The first day of the month named `2027-03`.
fn first_of(month: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", month.trim()), "%Y-%m-%d").ok()
}

fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// `GET /teach/schedule/month?month=YYYY-MM`.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<MonthQuery>,
) -> Result<Response, PageError> {
    let actor = match instructor(&visitor, "/teach/schedule/month") {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let tr = &visitor.tr;
    let zone = &visitor.zone;
    let today = ctx
        .now()
        .as_datetime()
        .with_timezone(&zone.tz())
        .date_naive();
    let first = query
        .month
        .as_deref()
        .and_then(first_of)
        .unwrap_or_else(|| month_of(today));
    let next = first.checked_add_months(Months::new(1)).unwrap_or(first);
    let previous = first.checked_sub_months(Months::new(1)).unwrap_or(first);
    let sessions = teaching::my_sessions(
        &ctx,
        actor,
        local_midnight(first, zone),
        local_midnight(next, zone),
    )
    .await
    .map_err(page_error)?;
    let tz = zone.tz();
    let grid_start = monday_of(first);
    let grid_end = monday_of(next - Duration::days(1)) + Duration::days(7);
    let cell = |day: NaiveDate| {
        let in_month = day >= first && day < next;
        MonthDay {
            date: day.format("%Y-%m-%d").to_string(),
            number: day.day(),
            full: view::day(local_midnight(day, zone), zone, tr),
            in_month,
            today: day == today,
            sessions: sessions
                .iter()
                .filter(|s| {
                    in_month
                        && s.slot
                            .starts_at
                            .as_datetime()
                            .with_timezone(&tz)
                            .date_naive()
                            == day
                })
                .map(|s| MonthSession {
                    id: s.slot.id.to_string(),
                    time: s
                        .slot
                        .starts_at
                        .as_datetime()
                        .with_timezone(&tz)
                        .format("%H:%M")
                        .to_string(),
                    course: s.course_title.clone(),
                })
                .collect(),
        }
    };
    let weeks = (0..(grid_end - grid_start).num_weeks())
        .map(|week| {
            (0..7)
                .map(|day| cell(grid_start + Duration::days(week * 7 + day)))
                .collect()
        })
        .collect::<Vec<Vec<MonthDay>>>();
    let weekdays = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ]
    .iter()
    .map(|day| tr.t(&format!("weekday-{}", day.as_str().to_ascii_lowercase())))
    .collect();
    let name = view::month(local_midnight(first, zone), zone, tr);
    let week = if month_of(today) == first {
        today
    } else {
        first
    };
    let page = MonthPage {
        chrome: Chrome::new(&ctx, &visitor, tr.t("teach-schedule")).await?,
        caption: tr.t_with("teach-month-caption", &[("month", name.as_str().into())]),
        heading: name,
        times_in: times_in(&visitor),
        weekdays,
        empty: weeks.iter().flatten().all(|d| d.sessions.is_empty()),
        weeks,
        previous: previous.format("%Y-%m").to_string(),
        next: next.format("%Y-%m").to_string(),
        this_month: month_of(today).format("%Y-%m").to_string(),
        month: first.format("%Y-%m").to_string(),
        week: monday_of(week).format("%Y-%m-%d").to_string(),
        month_view: true,
    };
    Ok(respond(&ctx, &visitor, &page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_named_by_year_and_month() {
        assert_eq!(first_of("2027-03"), NaiveDate::from_ymd_opt(2027, 3, 1));
        assert_eq!(first_of("2027-13"), None);
        assert_eq!(first_of("March"), None);
        let day = NaiveDate::from_ymd_opt(2027, 3, 28).expect("date");
        assert_eq!(
            month_of(day),
            NaiveDate::from_ymd_opt(2027, 3, 1).expect("date")
        );
    }
}
