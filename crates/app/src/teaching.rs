//! What an instructor's own pages read: their courses with what they earned
//! this month, their timetable across courses, a session's roster, and what
//! cancelling sessions would do to their bookings. Reads only; the changes go
//! through `courses`, `materials`, `slots` and `bookings`.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone as _, Utc};
use medicaledu_domain::{BookingStatus, Id, Role, TimeZone, Timestamp};
use medicaledu_store::bookings::{self, RosterRow};
use medicaledu_store::courses::{self, CourseRow};
use medicaledu_store::materials::{self, MaterialRow};
use medicaledu_store::payments;
use medicaledu_store::slots::{self, ScheduledSlot, SlotRow};

use crate::courses::may_edit;
use crate::payments::RevenueSum;
use crate::slots::parse_scope;
use crate::{Actor, AppContext, Fields, Forbidden, Invalid, ReadError};

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
    let first = month_in(now, zone);
    (
        local_midnight(first, zone),
        local_midnight(next_month(first), zone),
    )
}

/// The first day of the month `at` falls in, in `zone`.
fn month_in(at: Timestamp, zone: &TimeZone) -> NaiveDate {
    let local = at.as_datetime().with_timezone(&zone.tz()).date_naive();
    NaiveDate::from_ymd_opt(local.year(), local.month(), 1).unwrap_or(local)
}

/// The first day of the month after the one `first` begins.
fn next_month(first: NaiveDate) -> NaiveDate {
    first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first)
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
    let mut sums: BTreeMap<(Id, String), RevenueSum> = BTreeMap::new();
    for row in payments::revenue_rows_of_instructor(&ctx.db, actor.id(), from, to).await? {
        sums.entry((row.course_id, row.currency.clone()))
            .or_default()
            .add(&row);
    }
    Ok(courses
        .into_iter()
        .map(|course| TaughtCourse {
            revenue: sums
                .range((course.id, String::new())..)
                .take_while(|((id, _), _)| *id == course.id)
                .map(|((_, currency), sum)| Revenue {
                    currency: currency.clone(),
                    net_minor: sum.net_minor(),
                })
                .collect(),
            course,
        })
        .collect())
}

/// The longest period an earnings report covers, in months.
const EARNINGS_MAX_MONTHS: i64 = 36;

/// The months an instructor's earnings cover, as typed (`2027-03`). Either
/// may be left out (or blank).
#[derive(Clone, Debug, Default)]
pub struct EarningsInput {
    /// The first month; by default eleven months before the last, so the
    /// report covers a year.
    pub from: Option<String>,
    /// The last month, included; by default the current one.
    pub to: Option<String>,
}

/// What one course took in one currency in one month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EarningsLine {
    /// The month's first day, in the instructor's zone.
    pub month: NaiveDate,
    pub course_id: Id,
    pub course_title: String,
    pub currency: String,
    pub sum: RevenueSum,
}

/// One month's takings in one currency: zero when nothing moved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonthSum {
    pub month: NaiveDate,
    pub sum: RevenueSum,
}

/// One course's takings in one currency over the whole period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CourseSum {
    pub course_id: Id,
    pub course_title: String,
    pub sum: RevenueSum,
}

/// Everything the period took in one currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrencyEarnings {
    pub currency: String,
    /// Every month of the period, in order, so gaps show as zero.
    pub months: Vec<MonthSum>,
    /// The courses that took money in this currency, by title.
    pub courses: Vec<CourseSum>,
    pub total: RevenueSum,
}

/// An instructor's earnings over whole months of their own zone.
#[derive(Clone, Debug)]
pub struct Earnings {
    /// The zone months are counted in: the instructor's profile's.
    pub zone: TimeZone,
    /// The first days of the first and the last month.
    pub first_month: NaiveDate,
    pub last_month: NaiveDate,
    /// Month × course × currency, by month, then course title, then currency.
    pub lines: Vec<EarningsLine>,
    /// One per currency, by code: amounts are never summed across currencies.
    pub currencies: Vec<CurrencyEarnings>,
}

/// `2027-03` (or `2027-3`, as a browser without a month picker lets one
/// type it) as the first day of that month.
fn parse_month(input: &str) -> Option<NaiveDate> {
    let (year, month) = input.split_once('-')?;
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if year.len() != 4 || !(1..=2).contains(&month.len()) || !digits(year) || !digits(month) {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, 1)
}

/// How many months from the month beginning `first` to the one beginning
/// `last`, both counted.
fn months_spanned(first: NaiveDate, last: NaiveDate) -> i64 {
    (i64::from(last.year()) - i64::from(first.year())) * 12 + i64::from(last.month())
        - i64::from(first.month())
        + 1
}

/// The acting instructor's takings on their courses, net of refunds, per
/// month of their own time zone, course and currency. Charges and refunds
/// count in the month they were processed (as in the revenue report), so a
/// month whose refunds are of earlier charges nets below zero.
pub async fn earnings(
    ctx: &AppContext,
    actor: &Actor,
    input: EarningsInput,
) -> Result<Earnings, ReadError> {
    instructor(actor)?;
    let zone = TimeZone::parse(&actor.user.timezone).unwrap_or_default();
    let typed = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let mut fields = Fields::default();
    // `None` when left out, `Some(None)` when typed but not a month.
    let mut month = |name: &str, value: Option<String>| {
        let parsed = value.as_deref().map(parse_month);
        if parsed == Some(None) {
            fields.reject(name, "month_format", "must be a month such as 2027-03");
        }
        parsed
    };
    let from = month("from", typed(&input.from));
    let to = month("to", typed(&input.to));
    let last = to.flatten().unwrap_or_else(|| month_in(ctx.now(), &zone));
    let first = from.flatten().unwrap_or_else(|| {
        last.checked_sub_months(chrono::Months::new(11))
            .unwrap_or(last)
    });
    let span = months_spanned(first, last);
    if span < 1 {
        fields.reject("to", "month_order", "must not be before from");
    } else if span > EARNINGS_MAX_MONTHS {
        fields.reject(
            "from",
            "period_too_long",
            &format!("a report covers at most {EARNINGS_MAX_MONTHS} months"),
        );
    }
    fields.finish()?;

    let rows = payments::revenue_rows_of_instructor(
        &ctx.db,
        actor.id(),
        local_midnight(first, &zone),
        local_midnight(next_month(last), &zone),
    )
    .await?;
    let mut lines: BTreeMap<(NaiveDate, String, Id, String), RevenueSum> = BTreeMap::new();
    for row in &rows {
        let key = (
            month_in(row.processed_at, &zone),
            row.course_title.clone(),
            row.course_id,
            row.currency.clone(),
        );
        lines.entry(key).or_default().add(row);
    }
    type PerCurrency = (
        BTreeMap<NaiveDate, RevenueSum>,
        BTreeMap<(String, Id), RevenueSum>,
    );
    let mut per_currency: BTreeMap<String, PerCurrency> = BTreeMap::new();
    for ((month, title, course_id, currency), sum) in &lines {
        let (months, courses) = per_currency.entry(currency.clone()).or_default();
        *months.entry(*month).or_default() += *sum;
        *courses.entry((title.clone(), *course_id)).or_default() += *sum;
    }
    let period: Vec<NaiveDate> = std::iter::successors(Some(first), |m| {
        Some(next_month(*m)).filter(|next| next > m && *next <= last)
    })
    .collect();
    let currencies = per_currency
        .into_iter()
        .map(|(currency, (months, courses))| {
            let mut total = RevenueSum::default();
            for sum in months.values() {
                total += *sum;
            }
            CurrencyEarnings {
                months: period
                    .iter()
                    .map(|month| MonthSum {
                        month: *month,
                        sum: months.get(month).copied().unwrap_or_default(),
                    })
                    .collect(),
                courses: courses
                    .into_iter()
                    .map(|((course_title, course_id), sum)| CourseSum {
                        course_id,
                        course_title,
                        sum,
                    })
                    .collect(),
                total,
                currency,
            }
        })
        .collect();
    Ok(Earnings {
        zone,
        first_month: first,
        last_month: last,
        lines: lines
            .into_iter()
            .map(
                |((month, course_title, course_id, currency), sum)| EarningsLine {
                    month,
                    course_id,
                    course_title,
                    currency,
                    sum,
                },
            )
            .collect(),
        currencies,
    })
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

    #[test]
    fn months_are_typed_as_year_and_month() {
        let march = NaiveDate::from_ymd_opt(2027, 3, 1);
        assert_eq!(parse_month("2027-03"), march);
        assert_eq!(parse_month("2027-3"), march);
        for bad in [
            "2027-13",
            "2027-00",
            "27-03",
            "2027-03-01",
            "2027/03",
            "march",
            "",
            "-2027-03",
        ] {
            assert_eq!(parse_month(bad), None, "{bad}");
        }
        let month = |y, m| NaiveDate::from_ymd_opt(y, m, 1).expect("month");
        assert_eq!(months_spanned(month(2026, 4), month(2027, 3)), 12);
        assert_eq!(months_spanned(month(2027, 3), month(2027, 3)), 1);
        assert_eq!(months_spanned(month(2027, 4), month(2027, 3)), 0);
        // Late on the last day in UTC is already the next month in Tokyo.
        let tokyo = TimeZone::parse("Asia/Tokyo").expect("zone");
        assert_eq!(month_in(at("2027-03-31T20:00:00Z"), &tokyo), month(2027, 4));
        assert_eq!(next_month(month(2027, 12)), month(2028, 1));
    }
}
