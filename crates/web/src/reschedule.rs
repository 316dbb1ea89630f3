//! Moving a booking to another session of the same course: the sessions it
//! may move to (bookable, same price), a "Move here" button each, and the
//! refusal in words when the move is not possible.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::bookings::RescheduleError;
use medicaledu_app::dashboard::BookingDetail;
use medicaledu_app::slots::WindowInput;
use medicaledu_app::{Actor, AppContext};
use medicaledu_domain::{BookingRuleError, Id, Role, Timestamp};
use serde::Deserialize;

use crate::error::{PageError, parse_id};
use crate::form::Form;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond};
use crate::view;
use crate::visitor::Visitor;

/// How far ahead sessions are offered to move to (the slot listing allows
/// at most 93 days).
const AHEAD_DAYS: i64 = 90;

pub struct Choice {
    pub slot_id: String,
    pub when: String,
    pub seats: String,
    pub move_label: String,
}

#[derive(Template)]
#[template(path = "reschedule.html")]
struct ReschedulePage {
    chrome: Chrome,
    id: String,
    course_title: String,
    course_slug: String,
    when: String,
    price: String,
    choices: Vec<Choice>,
    problem: Option<String>,
}

/// Where a visitor who is not a signed-in student goes instead.
enum Detour {
    /// Sign in first, then come back here.
    SignIn(String),
    /// Instructors and administrators move bookings through the API.
    Forbidden,
}

impl IntoResponse for Detour {
    fn into_response(self) -> Response {
        match self {
            Detour::SignIn(back) => Redirect::to(&format!("/signin?next={back}")).into_response(),
            Detour::Forbidden => PageError::Forbidden.into_response(),
        }
    }
}

fn student<'a>(visitor: &'a Visitor, back: &str) -> Result<&'a Actor, Detour> {
    match &visitor.actor {
        None => Err(Detour::SignIn(back.to_owned())),
        Some(actor) if actor.is(Role::Student) => Ok(actor),
        Some(_) => Err(Detour::Forbidden),
    }
}

async fn draw(
    ctx: &AppContext,
    visitor: &Visitor,
    actor: &Actor,
    id: Id,
    problem: Option<String>,
) -> Result<Response, PageError> {
    let BookingDetail {
        booking,
        slot,
        course,
        ..
    } = medicaledu_app::dashboard::my_booking(ctx, actor, id)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let tr = &visitor.tr;
    let to = Timestamp::from(*ctx.now().as_datetime() + chrono::Duration::days(AHEAD_DAYS));
    let slots = medicaledu_app::slots::for_course(
        ctx,
        course.id,
        WindowInput {
            from: None,
            to: Some(to.as_datetime().to_rfc3339()),
        },
    )
    .await
    .map_err(|e| PageError::from_failure(&e))?;
    // A booking keeps what was paid for it, so it moves only to a session
    // of its own list price (the use case refuses any other).
    let choices = slots
        .iter()
        .filter(|s| {
            s.id != slot.id
                && s.price_minor == booking.list_price_minor
                && s.currency == booking.currency
        })
        .map(|s| {
            let when = view::when(s.starts_at, &visitor.zone, tr);
            Choice {
                slot_id: s.id.to_string(),
                seats: tr.t_with(
                    "course-seats-left",
                    &[("count", Arg::Number(s.capacity - s.seats_booked))],
                ),
                move_label: tr.t_with(
                    "reschedule-move-label",
                    &[("when", Arg::Text(when.clone()))],
                ),
                when,
            }
        })
        .collect();
    let page = ReschedulePage {
        chrome: Chrome::new(ctx, visitor, tr.t("reschedule-title")).await?,
        id: booking.id.to_string(),
        course_title: course.title.clone(),
        course_slug: course.slug.clone(),
        when: view::when(slot.starts_at, &visitor.zone, tr),
        price: view::money(booking.list_price_minor, &booking.currency, tr),
        choices,
        problem,
    };
    Ok(respond(ctx, visitor, &page))
}

/// `GET /bookings/{id}/reschedule`.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match student(&visitor, &format!("/bookings/{id}/reschedule")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    draw(&ctx, &visitor, actor, id, None).await
}

#[derive(Debug, Default, Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    slot_id: String,
}

/// `POST /bookings/{id}/reschedule`: moves the booking and shows the new
/// one; a refusal redraws the choices with the reason.
pub async fn move_booking(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, data }: Form<MoveForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match student(&visitor, &format!("/bookings/{id}/reschedule")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let tr = &visitor.tr;
    // A slot id that is not one names no session of the course.
    let problem = match data.slot_id.parse::<Id>() {
        Err(_) => tr.t("reschedule-not-this-course"),
        Ok(slot_id) => {
            match medicaledu_app::bookings::reschedule(&ctx, actor, &visitor.meta, id, slot_id)
                .await
            {
                Ok(moved) => {
                    return Ok(Redirect::to(&format!("/bookings/{}", moved.id)).into_response());
                }
                Err(e) => match refusal(&e, tr) {
                    Some(text) => text,
                    None => return Err(PageError::from_failure(&e)),
                },
            }
        }
    };
    let mut response = draw(&ctx, &visitor, actor, id, Some(problem)).await?;
    *response.status_mut() = StatusCode::CONFLICT;
    Ok(response)
}

/// The refusal in words, for those the student can act on; `None` for
/// failures that are error pages.
fn refusal(e: &RescheduleError, tr: &Tr) -> Option<String> {
    let key = match e {
        RescheduleError::TooLate | RescheduleError::Rule(BookingRuleError::TooLate { .. }) => {
            "reschedule-too-late"
        }
        RescheduleError::Rule(BookingRuleError::RescheduleLimit { max }) => {
            return Some(tr.t_with("reschedule-limit", &[("max", Arg::Number(*max))]));
        }
        RescheduleError::Rule(BookingRuleError::NotLive { .. }) => "reschedule-not-live",
        RescheduleError::PriceDiffers => "reschedule-price-differs",
        RescheduleError::SlotFull => "reschedule-full",
        RescheduleError::SlotNotOpen => "reschedule-not-open",
        RescheduleError::AlreadyBooked => "reschedule-already",
        RescheduleError::Invalid(_) => "reschedule-not-this-course",
        _ => return None,
    };
    Some(tr.t(key))
}
