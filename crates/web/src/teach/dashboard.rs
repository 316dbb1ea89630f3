//! `GET /teach`: the instructor's courses (status, enrollments, rating,
//! revenue this month per currency) and their next sessions with the seats
//! booked.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use medicaledu_app::AppContext;
use medicaledu_app::teaching::{self, TaughtCourse};
use medicaledu_domain::Timestamp;
use serde::Deserialize;

use super::{instructor, page_error};
use crate::error::PageError;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond};
use crate::view;
use crate::visitor::Visitor;

/// How far ahead "next sessions" looks, and how many it shows.
const AHEAD_DAYS: i64 = 28;
const NEXT_SHOWN: usize = 10;

pub struct CourseLine {
    pub id: String,
    pub title: String,
    pub status: String,
    pub enrollments: i64,
    pub rating: String,
    pub revenue: Vec<String>,
}

pub struct SessionLine {
    pub id: String,
    pub when: String,
    pub course: String,
    pub seats: String,
}

#[derive(Template)]
#[template(path = "teach_dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    revenue_heading: String,
    times_in: String,
    courses: Vec<CourseLine>,
    sessions: Vec<SessionLine>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DashboardQuery {
    /// Set after a course was deleted.
    deleted: Option<String>,
}

/// `23 of 30 seats booked`.
pub(crate) fn seats(booked: i64, capacity: i64, tr: &Tr) -> String {
    tr.t_with(
        "teach-seats",
        &[
            ("booked", Arg::Number(booked)),
            ("capacity", Arg::Number(capacity)),
        ],
    )
}

/// "Times are in Europe/Berlin (your profile's time zone)."
pub(crate) fn times_in(visitor: &Visitor) -> String {
    visitor.tr.t_with(
        "teach-times-in",
        &[("zone", Arg::Text(visitor.zone.to_string()))],
    )
}

fn course_line(taught: &TaughtCourse, tr: &Tr) -> CourseLine {
    let course = &taught.course;
    CourseLine {
        id: course.id.to_string(),
        title: course.title.clone(),
        status: tr.t(&format!("course-status-{}", course.status)),
        enrollments: course.enrollment_count,
        rating: view::rating(course.rating_sum, course.rating_count).map_or_else(
            || tr.t("teach-no-rating"),
            |r| {
                tr.t_with(
                    "teach-rating",
                    &[
                        ("rating", Arg::Text(r)),
                        ("count", Arg::Number(course.rating_count)),
                    ],
                )
            },
        ),
        revenue: taught
            .revenue
            .iter()
            .map(|r| view::signed_money(r.net_minor, &r.currency))
            .collect(),
    }
}

/// `GET /teach`.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    let actor = match instructor(&visitor, "/teach") {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let tr = &visitor.tr;
    let now = ctx.now();
    let (month_from, month_to) = teaching::month_of(now, &visitor.zone);
    let courses = teaching::my_courses(&ctx, actor, month_from, month_to)
        .await
        .map_err(page_error)?;
    let until = Timestamp::from(*now.as_datetime() + Duration::days(AHEAD_DAYS));
    let sessions = teaching::my_sessions(&ctx, actor, now, until)
        .await
        .map_err(page_error)?;
    let mut chrome = Chrome::new(&ctx, &visitor, tr.t("teach-title")).await?;
    if query.deleted.is_some() {
        chrome.flash.push(tr.t("teach-course-deleted"));
    }
    let page = DashboardPage {
        revenue_heading: tr.t_with(
            "teach-col-revenue",
            &[(
                "month",
                Arg::Text(view::month(month_from, &visitor.zone, tr)),
            )],
        ),
        times_in: times_in(&visitor),
        courses: courses.iter().map(|c| course_line(c, tr)).collect(),
        sessions: sessions
            .iter()
            .take(NEXT_SHOWN)
            .map(|s| SessionLine {
                id: s.slot.id.to_string(),
                when: view::when(s.slot.starts_at, &visitor.zone, tr),
                course: s.course_title.clone(),
                seats: seats(s.slot.seats_booked, s.slot.capacity, tr),
            })
            .collect(),
        chrome,
    };
    Ok(respond(&ctx, &visitor, &page))
}
