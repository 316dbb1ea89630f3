//! Continuing medical education: providers and the activities they accredit,
//! assessments and attempts, credit claims, and the certificates issued from
//! them as signed, verifiable credentials.
//!
//! Scores, eligibility and certificates are decided here, on the server, from
//! what is stored; what a browser sends is only ever the learner's choices.

pub mod assessments;
pub mod attempts;
pub mod catalog;
pub mod certificates;
pub mod claims;
pub mod keys;
pub mod reports;

use chrono::NaiveDate;
use medicaledu_domain::{FieldIssue, Id, Timestamp};
use medicaledu_store::courses;

use crate::{Actor, Internal};

/// A calendar day as `YYYY-MM-DD`.
pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, FieldIssue> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| FieldIssue::invalid("must be a date as YYYY-MM-DD"))
}

/// Midnight UTC starting `day`.
pub(crate) fn day_start(day: NaiveDate) -> Timestamp {
    Timestamp::from(day.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// Whether the actor may set up the course's CME: its instructor or an admin.
/// `None` when the course does not exist (or is deleted).
pub(crate) async fn may_manage_course(
    ctx: &crate::AppContext,
    actor: &Actor,
    course_id: Id,
) -> Result<Option<bool>, Internal> {
    let course = courses::find_live(&ctx.db, course_id).await?;
    Ok(course.map(|c| actor.is_admin() || c.instructor_id == actor.id()))
}
