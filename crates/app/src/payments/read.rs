//! Reading payments: a booking's, all of them for administrators, and the
//! revenue report.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use medicaledu_domain::{Id, PaymentKind, RevenueGrouping, Timestamp};
use medicaledu_store::payments::{self, PaymentFilter, PaymentRow, RevenueRow};
use medicaledu_store::{bookings, courses, slots};

use super::display;
use crate::{Actor, AppContext, Fields, Internal, Invalid, Page, PageRequest, ReadError, page};

/// A booking's charges and refunds, oldest first, for its student, the
/// session's instructor and admins.
pub async fn booking_payments(
    ctx: &AppContext,
    actor: &Actor,
    booking_id: Id,
) -> Result<Vec<PaymentRow>, ReadError> {
    let not_found = ReadError::NotFound("Booking");
    let Some(booking) = bookings::find(&ctx.db, booking_id).await? else {
        return Err(not_found);
    };
    if !(actor.is_admin() || booking.student_id == actor.id()) {
        let course = match slots::find_any(&ctx.db, booking.slot_id).await? {
            Some(s) => courses::find_by_id_any(&ctx.db, s.course_id).await?,
            None => None,
        };
        if course.is_none_or(|c| c.instructor_id != actor.id()) {
            return Err(not_found);
        }
    }
    Ok(payments::for_booking(&ctx.db, booking.id).await?)
}

/// Which payments an administrator lists. Filters are matched as given.
#[derive(Clone, Debug, Default)]
pub struct PaymentListInput {
    pub status: Option<String>,
    pub provider: Option<String>,
    pub kind: Option<String>,
    /// ISO 4217, e.g. `EUR`.
    pub currency: Option<String>,
    pub booking_id: Option<String>,
    /// RFC 3339; payments created at or after.
    pub from: Option<String>,
    /// RFC 3339; payments created before.
    pub to: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// All payments, newest first: admins only.
pub async fn list(
    ctx: &AppContext,
    actor: &Actor,
    input: PaymentListInput,
) -> Result<Page<PaymentRow>, ReadError> {
    actor.require_admin()?;
    let booking_id = match &input.booking_id {
        Some(b) => Some(
            b.parse::<Id>()
                .map_err(|_| Invalid::one("booking_id", "invalid", "must be a UUID"))?,
        ),
        None => None,
    };
    let time = |name: &str, value: Option<&str>| -> Result<Option<Timestamp>, Invalid> {
        value
            .map(|v| {
                Timestamp::parse_rfc3339(v)
                    .map_err(|_| Invalid::one(name, "invalid", "must be an RFC 3339 timestamp"))
            })
            .transpose()
    };
    let from = time("from", input.from.as_deref())?;
    let to = time("to", input.to.as_deref())?;
    let paging = PageRequest::parse(input.cursor.as_deref(), input.limit)?;
    let filter = PaymentFilter {
        status: input.status,
        provider: input.provider,
        kind: input.kind,
        currency: input.currency.map(|c| c.trim().to_ascii_uppercase()),
        booking_id,
        from,
        to,
        before: paging.after,
        limit: paging.limit + 1,
    };
    let rows = payments::list(&ctx.db, &filter).await?;
    Ok(page(rows, paging.limit, |r| (r.created_at, r.id)))
}

/// A charge or refund with the refunds made of it, for its administration
/// page: admins only.
#[derive(Clone, Debug)]
pub struct PaymentDetail {
    pub payment: PaymentRow,
    /// Refunds of this charge, oldest first; none for a refund.
    pub refunds: Vec<PaymentRow>,
}

/// One payment and its refunds: admins only.
pub async fn detail(ctx: &AppContext, actor: &Actor, id: Id) -> Result<PaymentDetail, ReadError> {
    actor.require_admin()?;
    let payment = payments::find(&ctx.db, id)
        .await?
        .ok_or(ReadError::NotFound("Payment"))?;
    let mut refunds: Vec<PaymentRow> = payments::for_booking(&ctx.db, payment.booking_id)
        .await?
        .into_iter()
        .filter(|p| p.refund_of == Some(payment.id))
        .collect();
    refunds.sort_by_key(|p| (p.created_at, p.id));
    Ok(PaymentDetail { payment, refunds })
}

/// The period and grouping of a revenue report, as the caller wrote them.
#[derive(Clone, Debug)]
pub struct RevenueInput {
    /// RFC 3339, inclusive.
    pub from: String,
    /// RFC 3339, exclusive.
    pub to: String,
    /// `day`, `month` (default), `course` or `instructor`.
    pub group_by: Option<String>,
}

/// What was taken and given back in one currency: succeeded charges and
/// refunds, each counted when it was processed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RevenueSum {
    pub gross_minor: i64,
    pub refunded_minor: i64,
}

impl RevenueSum {
    /// Counts one succeeded charge or refund.
    pub fn add(&mut self, row: &RevenueRow) {
        match row.kind {
            PaymentKind::Charge => self.gross_minor += row.amount_minor,
            PaymentKind::Refund => self.refunded_minor += row.amount_minor,
        }
    }

    /// Charges less refunds: below zero in a period whose refunds are of
    /// charges taken before it.
    pub fn net_minor(&self) -> i64 {
        self.gross_minor - self.refunded_minor
    }
}

impl std::ops::AddAssign for RevenueSum {
    fn add_assign(&mut self, other: RevenueSum) {
        self.gross_minor += other.gross_minor;
        self.refunded_minor += other.refunded_minor;
    }
}

/// One group's revenue in one currency.
#[derive(Clone, Debug)]
pub struct RevenueLine {
    pub group: String,
    /// What the group is called: the day or month itself, the course's
    /// title or the instructor's name.
    pub label: String,
    pub currency: String,
    pub gross_minor: i64,
    pub refunded_minor: i64,
    pub net_minor: i64,
    pub display_net: String,
}

#[derive(Clone, Debug)]
pub struct RevenueReport {
    pub group_by: RevenueGrouping,
    /// One line per group and currency: amounts are never summed across currencies.
    pub items: Vec<RevenueLine>,
}

/// Gross, refunded and net revenue per group and currency: admins only.
pub async fn revenue_report(
    ctx: &AppContext,
    actor: &Actor,
    input: RevenueInput,
) -> Result<RevenueReport, ReadError> {
    actor.require_admin()?;
    let mut fields = Fields::default();
    let mut instant = |name: &str, value: &str| match DateTime::parse_from_rfc3339(value) {
        Ok(at) => Some(Timestamp::from(at.with_timezone(&Utc))),
        Err(_) => {
            fields.reject(name, "invalid", "must be an RFC 3339 timestamp");
            None
        }
    };
    let from = instant("from", &input.from);
    let to = instant("to", &input.to);
    let group_by = match input.group_by.as_deref() {
        None => Some(RevenueGrouping::Month),
        Some(text) => fields.check("group_by", text.parse::<RevenueGrouping>()),
    };
    fields.finish()?;
    let (Some(from), Some(to), Some(group_by)) = (from, to, group_by) else {
        return Err(Internal::invariant("a period that failed to parse passed validation").into());
    };
    let mut lines: BTreeMap<(String, String), (String, RevenueSum)> = BTreeMap::new();
    for row in payments::revenue_rows(&ctx.db, from, to).await? {
        let at = row.processed_at.as_datetime();
        let (group, label) = match group_by {
            RevenueGrouping::Day => {
                let day = at.format("%Y-%m-%d").to_string();
                (day.clone(), day)
            }
            RevenueGrouping::Month => {
                let month = format!("{:04}-{:02}", at.year(), at.month());
                (month.clone(), month)
            }
            RevenueGrouping::Course => (row.course_id.to_string(), row.course_title.clone()),
            RevenueGrouping::Instructor => {
                (row.instructor_id.to_string(), row.instructor_name.clone())
            }
        };
        lines
            .entry((group, row.currency.clone()))
            .or_insert_with(|| (label, RevenueSum::default()))
            .1
            .add(&row);
    }
    let items = lines
        .into_iter()
        .map(|((group, currency), (label, sum))| RevenueLine {
            display_net: display(sum.net_minor(), &currency),
            group,
            label,
            gross_minor: sum.gross_minor,
            refunded_minor: sum.refunded_minor,
            net_minor: sum.net_minor(),
            currency,
        })
        .collect();
    Ok(RevenueReport { group_by, items })
}
