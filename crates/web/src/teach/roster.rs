//! A session's roster: its students, each booking's status and whether it
//! was paid; "Completed" / "No-show" once the session has started; cancelling
//! a student's booking with a reason; and the way to cancel the session.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::AppContext;
use medicaledu_app::bookings::{AttendanceError, CancelError};
use medicaledu_domain::{BookingRuleError, BookingStatus, Id};
use serde::Deserialize;

use super::dashboard::{seats, times_in};
use super::{page_error, signed_in};
use crate::auth::Empty;
use crate::error::{PageError, parse_id};
use crate::form::Form;
use crate::i18n::Arg;
use crate::page::{Chrome, respond};
use crate::view;
use crate::visitor::Visitor;

pub struct StudentLine {
    pub booking_id: String,
    pub name: String,
    pub email: String,
    pub status: String,
    pub paid: String,
    /// Attendance can be marked: confirmed, and the session has started.
    pub markable: bool,
    /// The booking is live and can be cancelled.
    pub cancellable: bool,
    pub reason_label: String,
    pub cancel_label: String,
}

pub struct ScopeChoice {
    pub value: &'static str,
    pub label: String,
}

#[derive(Template)]
#[template(path = "teach_roster.html")]
struct RosterPage {
    chrome: Chrome,
    id: String,
    course_id: String,
    course: String,
    when: String,
    time: String,
    times_in: String,
    seats: String,
    where_: Option<String>,
    meeting_url: Option<String>,
    started: bool,
    students: Vec<StudentLine>,
    scopes: Vec<ScopeChoice>,
    problem: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RosterQuery {
    /// Why the last action was refused, as a message key's suffix.
    refused: Option<String>,
    marked: Option<String>,
    cancelled: Option<String>,
}

/// Refusals the roster explains in words.
const REFUSALS: [&str; 3] = ["not-started", "not-confirmed", "reason-too-long"];

/// `GET /teach/sessions/{id}`.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(query): Query<RosterQuery>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match signed_in(&visitor, &format!("/teach/sessions/{id}")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let roster = medicaledu_app::teaching::roster(&ctx, actor, id)
        .await
        .map_err(page_error)?;
    let tr = &visitor.tr;
    let zone = &visitor.zone;
    let slot = &roster.slot;
    let students = roster
        .bookings
        .iter()
        .map(|r| {
            let b = &r.booking;
            let named =
                |key: &str| tr.t_with(key, &[("student", Arg::Text(r.student_name.clone()))]);
            StudentLine {
                booking_id: b.id.to_string(),
                name: r.student_name.clone(),
                email: r.student_email.clone(),
                status: tr.t(&format!("status-{}", b.status)),
                paid: if b.total_minor == 0 {
                    tr.t("teach-paid-free")
                } else if r.paid {
                    tr.t_with(
                        "teach-paid-yes",
                        &[(
                            "amount",
                            Arg::Text(view::money(b.total_minor, &b.currency, tr)),
                        )],
                    )
                } else {
                    tr.t("teach-paid-no")
                },
                markable: roster.started && b.status == BookingStatus::Confirmed,
                cancellable: matches!(b.status, BookingStatus::Pending | BookingStatus::Confirmed),
                reason_label: named("teach-reason-label"),
                cancel_label: named("teach-cancel-booking-label"),
            }
        })
        .collect();
    let mut scopes = vec![ScopeChoice {
        value: "this",
        label: tr.t("teach-scope-this"),
    }];
    if slot.series_id.is_some() {
        scopes.push(ScopeChoice {
            value: "following",
            label: tr.t("teach-scope-following"),
        });
        scopes.push(ScopeChoice {
            value: "series",
            label: tr.t("teach-scope-series"),
        });
    }
    let mut chrome = Chrome::new(&ctx, &visitor, tr.t("teach-roster")).await?;
    if query.marked.is_some() {
        chrome.flash.push(tr.t("teach-marked"));
    }
    if query.cancelled.is_some() {
        chrome.flash.push(tr.t("teach-booking-cancelled"));
    }
    let page = RosterPage {
        chrome,
        id: slot.id.to_string(),
        course_id: roster.course.id.to_string(),
        course: roster.course.title.clone(),
        when: view::when(slot.starts_at, zone, tr),
        time: view::time_range(slot.starts_at, slot.ends_at, zone),
        times_in: times_in(&visitor),
        seats: seats(slot.seats_booked, slot.capacity, tr),
        where_: slot.location.clone(),
        meeting_url: slot.meeting_url.clone(),
        started: roster.started,
        students,
        scopes,
        problem: query
            .refused
            .as_deref()
            .filter(|r| REFUSALS.contains(r))
            .map(|r| tr.t(&format!("teach-refused-{r}"))),
    };
    Ok(respond(&ctx, &visitor, &page))
}

/// Where the roster of the booking's session is, for the answer to an action
/// on it.
async fn roster_of(
    ctx: &AppContext,
    actor: &medicaledu_app::Actor,
    booking: Id,
) -> Result<String, PageError> {
    let booking = medicaledu_app::bookings::get(ctx, actor, booking)
        .await
        .map_err(page_error)?;
    Ok(format!("/teach/sessions/{}", booking.slot_id))
}

fn rule_refusal(rule: &BookingRuleError) -> &'static str {
    match rule {
        BookingRuleError::NotStarted => "not-started",
        _ => "not-confirmed",
    }
}

async fn mark(
    ctx: AppContext,
    id: String,
    visitor: Visitor,
    completed: bool,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match signed_in(&visitor, "/teach") {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let back = roster_of(&ctx, actor, id).await?;
    let marked = if completed {
        medicaledu_app::bookings::complete(&ctx, actor, &visitor.meta, id).await
    } else {
        medicaledu_app::bookings::no_show(&ctx, actor, &visitor.meta, id).await
    };
    let to = match marked {
        Ok(_) => format!("{back}?marked=1"),
        Err(AttendanceError::Rule(rule)) => format!("{back}?refused={}", rule_refusal(&rule)),
        Err(e) => return Err(page_error(e)),
    };
    Ok(Redirect::to(&to).into_response())
}

/// `POST /teach/bookings/{id}/complete`.
pub async fn complete(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    mark(ctx, id, visitor, true).await
}

/// `POST /teach/bookings/{id}/no-show`.
pub async fn no_show(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    mark(ctx, id, visitor, false).await
}

#[derive(Debug, Default, Deserialize)]
pub struct CancelBookingForm {
    #[serde(default)]
    reason: String,
}

/// `POST /teach/bookings/{id}/cancel`: cancels a student's booking with a
/// reason (refunded in full when it was paid, as the instructor cancels).
pub async fn cancel_booking(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, data }: Form<CancelBookingForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match signed_in(&visitor, "/teach") {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let back = roster_of(&ctx, actor, id).await?;
    let to = match medicaledu_app::bookings::cancel(
        &ctx,
        actor,
        &visitor.meta,
        id,
        Some(data.reason.as_str()),
    )
    .await
    {
        Ok(_) => format!("{back}?cancelled=1"),
        Err(CancelError::Rule(rule)) => format!("{back}?refused={}", rule_refusal(&rule)),
        Err(CancelError::Invalid(_)) => format!("{back}?refused=reason-too-long"),
        Err(e) => return Err(page_error(e)),
    };
    Ok(Redirect::to(&to).into_response())
}
