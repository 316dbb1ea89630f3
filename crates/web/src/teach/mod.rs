//! `/teach`: the instructor's pages. The dashboard, the course editor with
//! its materials, the timetable by week and by month with new sessions,
//! edits and cancellations, each session's roster, promo codes for the
//! instructor's courses, what their courses earned, and a course's
//! continuing-education set-up with its question banks. Every page calls the
//! use cases the JSON API calls; who may see or change what is decided there
//! (a course of someone else is "not found").

pub mod cme;
pub mod cme_bank;
pub mod course;
pub mod dashboard;
pub mod earnings;
pub mod material;
pub mod month;
pub mod promo;
pub mod roster;
pub mod schedule;
pub mod session;

use medicaledu_app::{Actor, Failure, FieldError, Invalid};
use medicaledu_domain::Role;

use crate::booking::Detour;
use crate::error::PageError;
use crate::visitor::Visitor;

/// The signed-in instructor for the instructor's own pages (dashboard,
/// new course, timetable); a visitor not signed in is sent to sign in and
/// back to `back`, anyone else is refused.
pub(crate) fn instructor<'a>(visitor: &'a Visitor, back: &str) -> Result<&'a Actor, Detour> {
    match &visitor.actor {
        None => Err(Detour::SignIn(back.to_owned())),
        Some(actor) if actor.is(Role::Instructor) => Ok(actor),
        Some(_) => Err(Detour::Forbidden),
    }
}

/// The signed-in user for a page about one course or session: its
/// instructor or an administrator may open it, which the use case decides;
/// a visitor not signed in is sent to sign in first.
pub(crate) fn signed_in<'a>(visitor: &'a Visitor, back: &str) -> Result<&'a Actor, Detour> {
    visitor
        .actor
        .as_ref()
        .ok_or_else(|| Detour::SignIn(back.to_owned()))
}

/// The field errors of a refused input.
pub(crate) fn field_errors(invalid: &Invalid) -> Vec<FieldError> {
    invalid.0.clone()
}

/// A use case's failure as its error page.
pub(crate) fn page_error<E: Failure>(e: E) -> PageError {
    PageError::from_failure(&e)
}

/// A refusal of our own, named like the use cases name theirs.
pub(crate) fn refuse(field: &str, code: &str, message: &str) -> FieldError {
    FieldError {
        field: field.to_owned(),
        code: code.to_owned(),
        message: message.to_owned(),
    }
}
