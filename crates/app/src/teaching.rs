//! What an instructor's own pages read: their courses with what they earned
//! this month, their timetable across courses, a session's roster, and what
//! cancelling sessions would do to their bookings. Reads only; the changes go
//! through `courses`, `materials`, `slots` and `bookings`.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone as _, Utc};
use medicaledu_domain::{BookingStatus, Id, PaymentKind, Role, TimeZone, Timestamp};
use medicaledu_store::bookings::{self, RosterRow};
use medicaledu_store::courses::{self, CourseRow};
use medicaledu_store::materials::{self, MaterialRow};
use medicaledu_store::payments;
use medicaledu_store::slots::{self, ScheduledSlot, SlotRow};

use crate::courses::may_edit;
use crate::slots::parse_scope;
use crate::{Actor, AppContext, Forbidden, Invalid, ReadError};

/// The longest stretch of a timetable read at once: a month view with the
/// days of its first and last weeks.
const MAX_WINDOW: Duration = Duration::days(45);

/// Net revenue in one currency: amounts are never summed across currencies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revenue {
    pub currency: String,
    pub net_minor: i64,
}

/// One of the instructor's courses, with its revenue this month.
#[derive(Clone, Debug)]
pub struct TaughtCourse {
    pub course: CourseRow,
    pub revenue: Vec<Revenue>,
}

/// The instructor's own pages are for instructors: administrators teach no
/// course of their own (they open an instructor's course directly).
fn instructor(actor: &Actor) -> Result<(), Forbidden> {
    if actor.is(Role::Instructor) {
        Ok(())
    } else {
        Err(Forbidden("These pages are for instructors."))
    }
}

/// The calendar month around `now` in `zone`, as instants.
pub fn month_of(now: Timestamp, zone: &TimeZone) -> (Timestamp, Timestamp) {
    let tz = zone.tz();
    let local = now.as_datetime().with_timezone(&tz).date_naive();
    let first = NaiveDate::from_ymd_opt(local.year(), local.month(), 1).unwrap_or(local);
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first);
    (local_midnight(first, zone), local_midnight(next, zone))
}

/// The instant a local day begins in `zone` (the first instant of the day
/// where midnight falls into a gap).
pub fn local_midnight(day: NaiveDate, zone: &TimeZone) -> Timestamp {
    let tz = zone.tz();
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    let at: DateTime<Utc> = tz
        .from_local_datetime(&midnight)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(midnight + Duration::hours(1)))
                .earliest()
        })
        .map_or_else(|| midnight.and_utc(), |at| at.with_timezone(&Utc));
    Timestamp::from(at)
}

/// The acting instructor's live courses, whatever their status, each with its
/// net revenue (charges less refunds) per currency in `[from, to)`.
pub async fn my_courses(
    ctx: &AppContext,
    actor: &Actor,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<TaughtCourse>, ReadError> {
    instructor(actor)?;
    let courses = courses::of_instructor(&ctx.db, actor.id()).await?;
    let mut net: BTreeMap<(Id, String), i64> = BTreeMap::new();
    for row in payments::revenue_rows_of_instructor(&ctx.db, actor.id(), from, to).await? {
        let entry = net.entry((row.course_id, row.currency)).or_default();
        match row.kind {
            PaymentKind::Charge => *entry += row.amount_minor,
            PaymentKind::Refund => *entry -= row.amount_minor,
        }
    }
    Ok(courses
        .into_iter()
        .map(|course| TaughtCourse {
            revenue: net
                .range((course.id, String::new())..)
                .take_while(|((id, _), _)| *id == course.id)
                .map(|((_, currency), net_minor)| Revenue {
                    currency: currency.clone(),
                    net_minor: *net_minor,
                })
                .collect(),
            course,
        })
        .collect())
}

/// The acting instructor's sessions across all their courses that start in
/// `[from, to)`, by start; at most 45 days at once.
pub async fn my_sessions(
    ctx: &AppContext,
    actor: &Actor,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<ScheduledSlot>, ReadError> {
    instructor(actor)?;
    let span = *to.as_datetime() - *from.as_datetime();
    if span <= Duration::zero() || span > MAX_WINDOW {
        return Err(Invalid::one("to", "out_of_range", "a timetable covers 1 to 45 days").into());
    }
    Ok(slots::of_instructor(&ctx.db, actor.id(), from, to).await?)
}

/// A course with its live materials in order, for its editor: its
/// instructor or an administrator. Anyone else is told it does not exist.
pub async fn course_to_edit(
    ctx: &AppContext,
    actor: &Actor,
    course_id: Id,
) -> Result<(CourseRow, Vec<MaterialRow>), ReadError> {
    let course = courses::find_live(&ctx.db, course_id)
        .await?
        .filter(|c| may_edit(actor, c))
        .ok_or(ReadError::NotFound("Course"))?;
    let materials = materials::list_live(&ctx.db, course.id).await?;
    Ok((course, materials))
}

/// A live material with its course, for its editor; anyone else is told it
/// does not exist.
pub async fn material_to_edit(
    ctx: &AppContext,
    actor: &Actor,
    material_id: Id,
) -> Result<(MaterialRow, CourseRow), ReadError> {
    let material = materials::find_live(&ctx.db, material_id)
        .await?
        .ok_or(ReadError::NotFound("Material"))?;
    let course = courses::find_live(&ctx.db, material.course_id)
        .await?
        .filter(|c| may_edit(actor, c))
        .ok_or(ReadError::NotFound("Material"))?;
    Ok((material, course))
}

/// A live session of a course the actor may edit, with that course: for
/// its roster and its edit page. Anyone else is told it does not exist.
pub async fn session_to_manage(
    ctx: &AppContext,
    actor: &Actor,
    slot_id: Id,
) -> Result<(SlotRow, CourseRow), ReadError> {
    let slot = slots::find_live(&ctx.db, slot_id)
        .await?
        .ok_or(ReadError::NotFound("Session"))?;
    let course = courses::find_by_id_any(&ctx.db, slot.course_id)
        .await?
        .filter(|c| may_edit(actor, c))
        .ok_or(ReadError::NotFound("Session"))?;
    Ok((slot, course))
}

/// A session's students: every booking of it with the student and whether
/// it was paid.
#[derive(Clone, Debug)]
pub struct Roster {
    pub slot: SlotRow,
    pub course: CourseRow,
    pub bookings: Vec<RosterRow>,
    /// Attendance can be marked once the session has started.
    pub started: bool,
}

/// The roster of a session of a course the actor may edit.
pub async fn roster(ctx: &AppContext, actor: &Actor, slot_id: Id) -> Result<Roster, ReadError> {
    let (slot, course) = session_to_manage(ctx, actor, slot_id).await?;
    let bookings = bookings::roster(&ctx.db, &[slot.id]).await?;
    let started = slot.starts_at <= ctx.now();
    Ok(Roster {
        slot,
        course,
        bookings,
        started,
    })
}

/// What cancelling sessions would do, stated before it is confirmed.
#[derive(Clone, Debug)]
pub struct CancelImpact {
    pub slot: SlotRow,
    pub course: CourseRow,
    /// The live sessions the cancellation covers, by start.
    pub sessions: Vec<SlotRow>,
    /// Live bookings that would be cancelled.
    pub bookings: usize,
    /// Of those, the paid ones that would be refunded.
    pub refunds: usize,
}

/// What cancelling `slot_id` with `scope` (`this`, `following`, `series`)
/// would cancel and refund, without changing anything.
pub async fn cancel_impact(
    ctx: &AppContext,
    actor: &Actor,
    slot_id: Id,
    scope: Option<&str>,
) -> Result<CancelImpact, ReadError> {
    let scope = parse_scope(scope)?;
    let (slot, course) = session_to_manage(ctx, actor, slot_id).await?;
    let sessions = slots::in_scope(&ctx.db, &slot, scope).await?;
    let ids: Vec<Id> = sessions.iter().map(|s| s.id).collect();
    let live: Vec<RosterRow> = bookings::roster(&ctx.db, &ids)
        .await?
        .into_iter()
        .filter(|r| {
            matches!(
                r.booking.status,
                BookingStatus::Pending | BookingStatus::Confirmed
            )
        })
        .collect();
    let refunds = live
        .iter()
        .filter(|r| r.booking.status == BookingStatus::Confirmed && r.paid)
        .count();
    Ok(CancelImpact {
        bookings: live.len(),
        refunds,
        slot,
        course,
        sessions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).expect("valid")
    }

    #[test]
    fn months_and_days_begin_at_local_midnight() {
        let berlin = TimeZone::parse("Europe/Berlin").expect("zone");
        let (from, to) = month_of(at("2027-03-15T12:00:00Z"), &berlin);
        assert_eq!(from, at("2027-02-28T23:00:00Z"));
        // April begins in summer time.
        assert_eq!(to, at("2027-03-31T22:00:00Z"));
        // Late on the last day in UTC is already the next month in Tokyo.
        let tokyo = TimeZone::parse("Asia/Tokyo").expect("zone");
        let (from, _) = month_of(at("2027-03-31T20:00:00Z"), &tokyo);
        assert_eq!(from, at("2027-03-31T15:00:00Z"));
        let day = NaiveDate::from_ymd_opt(2027, 3, 28).expect("date");
        assert_eq!(local_midnight(day, &berlin), at("2027-03-27T23:00:00Z"));
    }
}
