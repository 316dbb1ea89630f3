//! `/me`: a student's upcoming and past sessions and their courses.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::dashboard::BookingDetail;
use medicaledu_app::{AppContext, PageRequest};
use medicaledu_domain::BookingStatus;
use serde::Deserialize;

use crate::error::PageError;
use crate::feed;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond};
use crate::view;
use crate::visitor::Visitor;

const SHOWN: i64 = 50;

pub struct BookingLine {
    pub id: String,
    pub when: String,
    pub course_title: String,
    pub course_slug: String,
    pub instructor: String,
    pub status: String,
    pub pending: bool,
    pub hold: Option<String>,
    pub meeting_url: Option<String>,
    pub cancel_label: String,
    pub reschedule_label: String,
}

pub struct EnrollmentLine {
    pub id: String,
    pub course_title: String,
    pub course_slug: String,
    pub percent: i64,
    pub progress_label: String,
    /// The first material not completed yet (or the first, once all are).
    pub learn_href: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    upcoming: Vec<BookingLine>,
    past: Vec<BookingLine>,
    enrollments: Vec<EnrollmentLine>,
    /// The calendar feed's address, right after it was created.
    feed_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DashboardQuery {
    /// Set after "Stop the feed".
    feed_stopped: Option<String>,
}

fn line(detail: &BookingDetail, visitor: &Visitor) -> BookingLine {
    let tr: &Tr = &visitor.tr;
    let booking = &detail.booking;
    let when = view::when(detail.slot.starts_at, &visitor.zone, tr);
    BookingLine {
        id: booking.id.to_string(),
        course_title: detail.course.title.clone(),
        course_slug: detail.course.slug.clone(),
        instructor: detail.instructor_name.clone(),
        status: tr.t(&format!("status-{}", booking.status)),
        pending: booking.status == BookingStatus::Pending,
        hold: booking
            .hold_expires_at
            .filter(|_| booking.status == BookingStatus::Pending)
            .map(|until| {
                tr.t_with(
                    "dashboard-hold",
                    &[("until", Arg::Text(view::when(until, &visitor.zone, tr)))],
                )
            }),
        // The link to the session is for those holding a confirmed seat.
        meeting_url: detail
            .slot
            .meeting_url
            .clone()
            .filter(|_| booking.status == BookingStatus::Confirmed),
        cancel_label: tr.t_with(
            "dashboard-cancel-label",
            &[
                ("course", Arg::Text(detail.course.title.clone())),
                ("when", Arg::Text(when.clone())),
            ],
        ),
        reschedule_label: tr.t_with(
            "dashboard-reschedule-label",
            &[
                ("course", Arg::Text(detail.course.title.clone())),
                ("when", Arg::Text(when.clone())),
            ],
        ),
        when,
    }
}

/// `GET /me`.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    headers: HeaderMap,
    Query(query): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(Redirect::to("/signin?next=/me").into_response());
    };
    let upcoming = medicaledu_app::dashboard::my_bookings(&ctx, actor, "upcoming", SHOWN)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let past = medicaledu_app::dashboard::my_bookings(&ctx, actor, "past", SHOWN)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let enrollments = medicaledu_app::enrollments::my_enrollments(
        &ctx,
        actor,
        PageRequest {
            after: None,
            limit: SHOWN,
        },
    )
    .await
    .map_err(|e| PageError::from_failure(&e))?;
    let tr = &visitor.tr;
    let mut lines = Vec::with_capacity(enrollments.items.len());
    for e in enrollments.items {
        let Some(course) = e.course else { continue };
        let (percent, progress_label) = view::progress(e.enrollment.progress_percent, tr);
        // Only a live enrollment opens the course's materials.
        let learning = if e.enrollment.status.is_live() {
            medicaledu_app::dashboard::learning_in(&ctx, actor, course.clone()).await?
        } else {
            None
        };
        lines.push(EnrollmentLine {
            id: e.enrollment.id.to_string(),
            course_title: course.title,
            course_slug: course.slug,
            percent,
            progress_label,
            learn_href: learning.as_ref().and_then(crate::learn::continue_href),
        });
    }
    let live =
        |status: BookingStatus| matches!(status, BookingStatus::Pending | BookingStatus::Confirmed);
    let mut chrome = Chrome::new(&ctx, &visitor, tr.t("nav-dashboard")).await?;
    if query.feed_stopped.is_some() {
        chrome.flash.push(tr.t("feed-stopped"));
    }
    let page = DashboardPage {
        chrome,
        feed_url: feed::new_feed_url(&ctx, &headers),
        upcoming: upcoming
            .iter()
            .filter(|d| live(d.booking.status))
            .map(|d| line(d, &visitor))
            .collect(),
        past: past.iter().map(|d| line(d, &visitor)).collect(),
        enrollments: lines,
    };
    let mut response = respond(&ctx, &visitor, &page);
    feed::forget_new_feed(&ctx, &headers, &mut response);
    Ok(response)
}
