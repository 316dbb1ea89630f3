//! Availability slots: single and recurring sessions an instructor offers.

use chrono::{DateTime, Duration, Utc};
use medicaledu_domain::{
    CourseStatus, Currency, HttpsUrl, Id, Occurrence, PriceMinor, RecurrenceRule, Role, SlotStatus,
    SlotWindow, TimeZone, Timestamp, expand, local_shift, overlaps, shift_local,
};
use medicaledu_store::courses::{self, CourseRow};
use medicaledu_store::slots::{self, NewSlot, Scope, SlotChanges, SlotRow};
use medicaledu_store::{Tx, bookings, users};
use serde_json::json;

use crate::audit::{self, Change};
use crate::courses::may_edit;
use crate::payments::{RefundError, refund_booking};
use crate::{Actor, AppContext, Fields, Internal, Invalid, ReadError, RequestMeta};

/// Sessions last between these; the upper bound also bounds the overlap check.
pub const MIN_SLOT: Duration = Duration::minutes(5);
pub const MAX_SLOT: Duration = Duration::hours(12);
const MAX_CAPACITY: i64 = 1000;
const DEFAULT_WINDOW_DAYS: i64 = 31;
const MAX_WINDOW_DAYS: i64 = 93;

/// Why slots were not created or changed.
#[derive(Debug, thiserror::Error)]
pub enum SlotError {
    #[error("{0} not found.")]
    NotFound(&'static str),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// Overlaps another of the instructor's live slots.
    #[error("{0}")]
    Overlap(Clash),
    #[error("{0} seats are already booked; capacity cannot go below that.")]
    CapacityBelowBooked(i64),
    /// The slots were cancelled, but a refund owed for their bookings failed.
    #[error(transparent)]
    Refund(#[from] RefundError),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(SlotError);

crate::failure!(SlotError {
    NotFound(_) => NotFound,
    Overlap(_) => SlotOverlap,
    CapacityBelowBooked(_) => CapacityBelowBooked,
} wraps {
    Invalid(Invalid),
    Refund(RefundError),
    Internal(Internal),
});

/// The session a new or moved one would overlap, and when.
#[derive(Clone, Debug)]
pub struct Clash {
    /// The existing session.
    pub slot_id: Id,
    pub course_title: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    /// The start of the new occurrence that overlaps it.
    pub occurrence_starts_at: Timestamp,
    pub occurrence_ends_at: Timestamp,
}

impl std::fmt::Display for Clash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "The instructor already has slot {} from {} to {}, which overlaps {} to {}.",
            self.slot_id,
            self.starts_at,
            self.ends_at,
            self.occurrence_starts_at,
            self.occurrence_ends_at
        )
    }
}

fn parse_instant(fields: &mut Fields, name: &str, value: &str) -> Option<DateTime<Utc>> {
    match DateTime::parse_from_rfc3339(value) {
        Ok(at) => Some(at.with_timezone(&Utc)),
        Err(_) => {
            fields.reject(
                name,
                "invalid",
                "must be an RFC 3339 timestamp with an offset, e.g. 2026-03-02T09:00:00+01:00",
            );
            None
        }
    }
}

fn check_span(fields: &mut Fields, starts: DateTime<Utc>, ends: DateTime<Utc>, now: DateTime<Utc>) {
    if ends <= starts {
        fields.reject("ends_at", "invalid", "must be after starts_at");
    } else if ends - starts < MIN_SLOT || ends - starts > MAX_SLOT {
        fields.reject(
            "ends_at",
            "out_of_range",
            "a session lasts from 5 minutes to 12 hours",
        );
    }
    if starts <= now {
        fields.reject("starts_at", "in_the_past", "must be in the future");
    }
}

fn check_location(fields: &mut Fields, location: Option<&str>) -> Option<String> {
    let location = location.map(str::trim).filter(|l| !l.is_empty())?;
    if location.chars().count() > 500 {
        fields.reject(
            "location",
            "too_long",
            "must be at most 500 characters long",
        );
        return None;
    }
    Some(location.to_owned())
}

/// Refuses occurrences that overlap one another or a live slot of the
/// instructor, naming the first clash. Runs under the instructor lock.
async fn check_no_overlap(
    tx: &mut Tx,
    instructor_id: Id,
    occurrences: &[Occurrence],
    moving: &[Id],
) -> Result<(), SlotError> {
    let (Some(first), Some(last)) = (occurrences.first(), occurrences.last()) else {
        return Ok(());
    };
    for pair in occurrences.windows(2) {
        if overlaps(
            pair[0].starts_at,
            pair[0].ends_at,
            pair[1].starts_at,
            pair[1].ends_at,
        ) {
            return Err(Invalid::one(
                "recurrence",
                "self_overlap",
                "occurrences of this pattern overlap each other; shorten the session or space them out",
            )
            .into());
        }
    }
    let existing = slots::instructor_slots_between(
        tx,
        instructor_id,
        Timestamp::from(first.starts_at - MAX_SLOT),
        Timestamp::from(last.ends_at),
    )
    .await?;
    for occurrence in occurrences {
        let clash = existing.iter().find(|s| {
            !moving.contains(&s.slot.id)
                && overlaps(
                    occurrence.starts_at,
                    occurrence.ends_at,
                    *s.slot.starts_at.as_datetime(),
                    *s.slot.ends_at.as_datetime(),
                )
        });
        if let Some(clash) = clash {
            return Err(SlotError::Overlap(Clash {
                slot_id: clash.slot.id,
                course_title: clash.course_title.clone(),
                starts_at: clash.slot.starts_at,
                ends_at: clash.slot.ends_at,
                occurrence_starts_at: Timestamp::from(occurrence.starts_at),
                occurrence_ends_at: Timestamp::from(occurrence.ends_at),
            }));
        }
    }
    Ok(())
}

/// A session, or a recurring series of sessions, as the caller wrote it.
#[derive(Clone, Debug)]
pub struct NewSlotsInput {
    pub starts_at: String,
    pub ends_at: String,
    pub timezone: String,
    /// Default 1.
    pub capacity: Option<i64>,
    /// Default: the course's price.
    pub price_minor: Option<i64>,
    /// Default: the course's currency.
    pub currency: Option<String>,
    pub location: Option<String>,
    pub meeting_url: Option<String>,
    pub recurrence: Option<RecurrenceRule>,
}

/// A checked request for sessions: every occurrence it makes, and what each
/// slot will hold.
struct Plan {
    occurrences: Vec<Occurrence>,
    /// The first start and the length of each session, as asked.
    first_start: DateTime<Utc>,
    length: Duration,
    zone: TimeZone,
    capacity: i64,
    price: i64,
    currency: String,
    location: Option<String>,
    meeting_url: Option<String>,
    recurrence: Option<serde_json::Value>,
}

/// The live course `course_id` if the actor may schedule it.
async fn schedulable(
    ctx: &AppContext,
    actor: &Actor,
    course_id: Id,
) -> Result<CourseRow, SlotError> {
    courses::find_live(&ctx.db, course_id)
        .await?
        .filter(|c| may_edit(actor, c))
        .ok_or(SlotError::NotFound("Course"))
}

/// What a request for sessions would create, before anything is.
#[derive(Clone, Debug)]
pub struct Preview {
    /// The sessions it creates, in time order.
    pub occurrences: Vec<Occurrence>,
    /// The occurrences its skipped dates (`exdates`) leave out, in time order.
    pub skipped: Vec<Occurrence>,
}

/// The occurrences a request for sessions would create, checked exactly as
/// [`create`] checks them (fields, the pattern, clashes with the
/// instructor's other sessions), and those its exclusions leave out,
/// without creating anything.
pub async fn preview(
    ctx: &AppContext,
    actor: &Actor,
    course_id: Id,
    input: NewSlotsInput,
) -> Result<Preview, SlotError> {
    let course = schedulable(ctx, actor, course_id).await?;
    let plan = plan(ctx, &course, &input)?;
    let mut tx = ctx.db.begin_write().await?;
    slots::lock_instructor(&mut tx, course.instructor_id).await?;
    check_no_overlap(&mut tx, course.instructor_id, &plan.occurrences, &[]).await?;
    // Nothing was written: dropping the transaction ends it.
    drop(tx);
    let skipped = match &input.recurrence {
        Some(rule) if !rule.exdates.is_empty() => {
            // `count` counts excluded occurrences too, so the rule without
            // its exclusions yields exactly the kept ones and the skipped
            // (a rule within the limits only thanks to its exclusions lists
            // none: the preview is for reading, the kept ones are checked).
            let all = RecurrenceRule {
                exdates: Vec::new(),
                ..rule.clone()
            };
            expand(
                &all,
                plan.first_start,
                plan.length,
                plan.zone.tz(),
                ctx.settings.recurrence,
            )
            .unwrap_or_default()
            .into_iter()
            .filter(|o| !plan.occurrences.contains(o))
            .collect()
        }
        _ => Vec::new(),
    };
    Ok(Preview {
        occurrences: plan.occurrences,
        skipped,
    })
}

/// Checks a request for sessions and expands its pattern, naming every
/// refused field.
fn plan(ctx: &AppContext, course: &CourseRow, input: &NewSlotsInput) -> Result<Plan, SlotError> {
    let now = ctx.now();
    let mut fields = Fields::default();
    let starts = parse_instant(&mut fields, "starts_at", &input.starts_at);
    let ends = parse_instant(&mut fields, "ends_at", &input.ends_at);
    if let (Some(starts), Some(ends)) = (starts, ends) {
        check_span(&mut fields, starts, ends, *now.as_datetime());
    }
    let zone = fields.check("timezone", TimeZone::parse(&input.timezone));
    let capacity = input.capacity.unwrap_or(1);
    if !(1..=MAX_CAPACITY).contains(&capacity) {
        fields.reject("capacity", "out_of_range", "must be between 1 and 1000");
    }
    let price = match input.price_minor {
        Some(p) => fields
            .check("price_minor", PriceMinor::parse(p))
            .map(|p| p.get()),
        None => Some(course.price_minor),
    };
    let currency = match &input.currency {
        Some(c) => fields
            .check("currency", Currency::parse(c))
            .map(|c| c.as_str().to_owned()),
        None => Some(course.currency.clone()),
    };
    let meeting_url = input
        .meeting_url
        .as_deref()
        .and_then(|u| fields.check("meeting_url", HttpsUrl::parse(u)))
        .map(|u| u.as_str().to_owned());
    let location = check_location(&mut fields, input.location.as_deref());
    if let Some(rule) = &input.recurrence
        && let Err(issues) = rule.validate()
    {
        for (field, issue) in issues {
            fields.reject(&field, issue.code, &issue.message);
        }
    }
    fields.finish()?;
    let (Some(starts), Some(ends), Some(zone), Some(price), Some(currency)) =
        (starts, ends, zone, price, currency)
    else {
        return Err(Internal::invariant("validated slot fields missing").into());
    };
    let occurrences = match &input.recurrence {
        Some(rule) => expand(
            rule,
            starts,
            ends - starts,
            zone.tz(),
            ctx.settings.recurrence,
        )
        .map_err(|e| Invalid::one("recurrence", e.code(), e.to_string()))?,
        None => vec![Occurrence {
            starts_at: starts,
            ends_at: ends,
        }],
    };
    let recurrence = input
        .recurrence
        .as_ref()
        .map(serde_json::to_value)
        .transpose()
        .map_err(Internal::from)?;
    Ok(Plan {
        occurrences,
        first_start: starts,
        length: ends - starts,
        zone,
        capacity,
        price,
        currency,
        location,
        meeting_url,
        recurrence,
    })
}

/// Offers a session, or a recurring series (each occurrence its own
/// bookable slot), on a course the actor may edit. Returns the slots in time
/// order.
pub async fn create(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    course_id: Id,
    input: NewSlotsInput,
) -> Result<Vec<SlotRow>, SlotError> {
    let course = schedulable(ctx, actor, course_id).await?;
    let now = ctx.now();
    let Plan {
        occurrences,
        zone,
        capacity,
        price,
        currency,
        location,
        meeting_url,
        recurrence,
        ..
    } = plan(ctx, &course, &input)?;

    let mut tx = ctx.db.begin_write().await?;
    slots::lock_instructor(&mut tx, course.instructor_id).await?;
    check_no_overlap(&mut tx, course.instructor_id, &occurrences, &[]).await?;
    let series_id = (occurrences.len() > 1 || recurrence.is_some()).then(Id::generate);
    let mut created = Vec::with_capacity(occurrences.len());
    for (i, occurrence) in occurrences.iter().enumerate() {
        let id = if i == 0 {
            series_id.unwrap_or_else(Id::generate)
        } else {
            Id::generate()
        };
        let slot = NewSlot {
            id,
            course_id: course.id,
            series_id,
            starts_at: Timestamp::from(occurrence.starts_at),
            ends_at: Timestamp::from(occurrence.ends_at),
            timezone: zone.as_str().to_owned(),
            capacity,
            price_minor: price,
            currency: currency.clone(),
            location: location.clone(),
            meeting_url: meeting_url.clone(),
            recurrence: if i == 0 { recurrence.clone() } else { None },
        };
        created.push(slots::insert(&mut tx, &slot, now).await?);
    }
    let first = created
        .first()
        .map(|s| s.id)
        .ok_or_else(|| Internal::invariant("no slot created"))?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "slot.created",
            entity_type: "availability_slot",
            entity_id: first,
            changes: json!({
                "course_id": course.id,
                "occurrences": created.len(),
                "series_id": series_id,
                "starts_at": created.first().map(|s| s.starts_at),
                "capacity": capacity,
                "recurrence": recurrence,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}

/// A change to a slot; `None` keeps a value, `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct SlotUpdateInput {
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub capacity: Option<i64>,
    /// In minor units of the slot's currency. Bookings keep the price they
    /// were made at; this is what later ones pay.
    pub price_minor: Option<i64>,
    pub location: Option<Option<String>>,
    pub meeting_url: Option<Option<String>>,
}

/// The course of a live slot, if the actor may schedule it.
async fn editable_course(
    ctx: &AppContext,
    actor: &Actor,
    slot_id: Id,
) -> Result<Option<CourseRow>, Internal> {
    let Some(slot) = slots::find_live(&ctx.db, slot_id).await? else {
        return Ok(None);
    };
    Ok(courses::find_by_id_any(&ctx.db, slot.course_id)
        .await?
        .filter(|c| may_edit(actor, c)))
}

/// Moves a slot, changes its capacity, price or where it happens. Booked
/// students are told of a move.
pub async fn update(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    slot_id: Id,
    input: SlotUpdateInput,
) -> Result<SlotRow, SlotError> {
    update_in_scope(ctx, actor, meta, slot_id, None, input)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Internal::invariant("no slot updated").into())
}

/// The zone a slot was planned in; its wall clock is what moving keeps.
fn zone_of(slot: &SlotRow) -> chrono_tz::Tz {
    TimeZone::parse(&slot.timezone).unwrap_or_default().tz()
}

/// Edits a session (`this`, the default), it and the following sessions of
/// its series (`following`), or its whole series (`series`), each by
/// [`update`]'s rules. `input` describes the chosen session; the others in
/// scope move by the same shift on their zone's wall clock (a weekly 09:00
/// series moved to 10:00 stays at 10:00 local across a clock change, where a
/// fixed UTC delta would not) and take its new duration; capacity, price and
/// place apply to each. Sessions of the series that have already started
/// stay as they were. Either every session in scope changes or none does: a
/// clash names the other session, a capacity below one session's booked
/// seats or a session moved into the past refuses the whole edit. Booked
/// students of each moved session are told. Returns the changed sessions by
/// start.
pub async fn update_in_scope(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    slot_id: Id,
    scope: Option<&str>,
    input: SlotUpdateInput,
) -> Result<Vec<SlotRow>, SlotError> {
    let parsed = parse_scope(scope)?;
    let course = editable_course(ctx, actor, slot_id)
        .await?
        .ok_or(SlotError::NotFound("Slot"))?;
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    slots::lock_instructor(&mut tx, course.instructor_id).await?;
    let slot = slots::find_tx(&mut tx, slot_id)
        .await?
        .filter(|s| s.deleted_at.is_none())
        .ok_or(SlotError::NotFound("Slot"))?;
    let sessions: Vec<SlotRow> = slots::in_scope_tx(&mut tx, &slot, parsed)
        .await?
        .into_iter()
        .filter(|s| s.id == slot.id || s.starts_at > now)
        .collect();

    let mut fields = Fields::default();
    let starts = match &input.starts_at {
        Some(v) => parse_instant(&mut fields, "starts_at", v),
        None => Some(*slot.starts_at.as_datetime()),
    };
    let ends = match &input.ends_at {
        Some(v) => parse_instant(&mut fields, "ends_at", v),
        None => Some(*slot.ends_at.as_datetime()),
    };
    let moved = input.starts_at.is_some() || input.ends_at.is_some();
    if let (Some(s), Some(e), true) = (starts, ends, moved) {
        check_span(&mut fields, s, e, *now.as_datetime());
    }
    if let Some(capacity) = input.capacity
        && !(1..=MAX_CAPACITY).contains(&capacity)
    {
        fields.reject("capacity", "out_of_range", "must be between 1 and 1000");
    }
    let price = input.price_minor.and_then(|p| {
        fields
            .check("price_minor", PriceMinor::parse(p))
            .map(|p| p.get())
    });
    let location = input
        .location
        .as_ref()
        .map(|l| check_location(&mut fields, l.as_deref()));
    let meeting_url = match &input.meeting_url {
        Some(Some(u)) => Some(
            fields
                .check("meeting_url", HttpsUrl::parse(u))
                .map(|u| u.as_str().to_owned()),
        ),
        Some(None) => Some(None),
        None => None,
    };
    fields.finish()?;
    let (Some(starts), Some(ends)) = (starts, ends) else {
        return Err(Internal::invariant("validated slot times missing").into());
    };

    let shift = local_shift(*slot.starts_at.as_datetime(), starts, zone_of(&slot));
    let mut planned = Vec::with_capacity(sessions.len());
    for session in &sessions {
        let (s_starts, s_ends) = if session.id == slot.id {
            (starts, ends)
        } else if moved {
            let at = shift_local(*session.starts_at.as_datetime(), shift, zone_of(session))
                .ok_or_else(|| {
                    Invalid::one("starts_at", "out_of_range", "moves a session out of time")
                })?;
            if at <= *now.as_datetime() {
                return Err(Invalid::one(
                    "starts_at",
                    "in_the_past",
                    "would move another session of the series into the past",
                )
                .into());
            }
            (at, at + (ends - starts))
        } else {
            (
                *session.starts_at.as_datetime(),
                *session.ends_at.as_datetime(),
            )
        };
        planned.push((
            session,
            SlotChanges {
                starts_at: Timestamp::from(s_starts),
                ends_at: Timestamp::from(s_ends),
                capacity: input.capacity.unwrap_or(session.capacity),
                price_minor: price.unwrap_or(session.price_minor),
                location: location.clone().unwrap_or_else(|| session.location.clone()),
                meeting_url: meeting_url
                    .clone()
                    .unwrap_or_else(|| session.meeting_url.clone()),
            },
        ));
    }
    if let Some(booked) = planned
        .iter()
        .filter(|(s, c)| s.seats_booked > c.capacity)
        .map(|(s, _)| s.seats_booked)
        .max()
    {
        return Err(SlotError::CapacityBelowBooked(booked));
    }
    if moved {
        let mut occurrences: Vec<Occurrence> = planned
            .iter()
            .map(|(_, c)| Occurrence {
                starts_at: *c.starts_at.as_datetime(),
                ends_at: *c.ends_at.as_datetime(),
            })
            .collect();
        occurrences.sort_by_key(|o| o.starts_at);
        let moving: Vec<Id> = planned.iter().map(|(s, _)| s.id).collect();
        check_no_overlap(&mut tx, course.instructor_id, &occurrences, &moving).await?;
    }

    let mut changed = Vec::with_capacity(planned.len());
    for (before, changes) in planned {
        // The seats are checked again in the statement, against the row as
        // it is now.
        let Some(after) = slots::update(&mut tx, before.id, &changes, now).await? else {
            let current = slots::find_tx(&mut tx, before.id).await?;
            return Err(match current {
                Some(c) if c.deleted_at.is_none() && c.seats_booked > changes.capacity => {
                    SlotError::CapacityBelowBooked(c.seats_booked)
                }
                _ => SlotError::NotFound("Slot"),
            });
        };
        audit::record(
            &mut tx,
            meta,
            now,
            Change {
                actor: Some(actor.id()),
                action: "slot.updated",
                entity_type: "availability_slot",
                entity_id: after.id,
                changes: json!({
                    "starts_at": { "before": before.starts_at, "after": after.starts_at },
                    "ends_at": { "before": before.ends_at, "after": after.ends_at },
                    "capacity": { "before": before.capacity, "after": after.capacity },
                    "price_minor": { "before": before.price_minor, "after": after.price_minor },
                    "location": { "before": before.location, "after": after.location },
                    "scope": scope_name(parsed),
                }),
            },
        )
        .await?;
        if after.starts_at != before.starts_at || after.ends_at != before.ends_at {
            crate::bookings::notify_slot_moved(&mut tx, &course, before, &after, now).await?;
        }
        changed.push(after);
    }
    tx.commit().await?;
    Ok(changed)
}

/// Which occurrences a cancellation covers, as the caller named them
/// (`this` when unnamed).
pub(crate) fn parse_scope(scope: Option<&str>) -> Result<Scope, Invalid> {
    match scope {
        None | Some("this") => Ok(Scope::This),
        Some("following") => Ok(Scope::Following),
        Some("series") => Ok(Scope::Series),
        Some(_) => Err(Invalid::one(
            "scope",
            "invalid",
            "must be one of: this, following, series",
        )),
    }
}

/// A scope as callers name it, for the audit log.
const fn scope_name(scope: Scope) -> &'static str {
    match scope {
        Scope::This => "this",
        Scope::Following => "following",
        Scope::Series => "series",
    }
}

/// What a slot cancellation did.
#[derive(Clone, Copy, Debug)]
pub struct CancelledSlots {
    pub slots: usize,
    pub bookings: usize,
}

/// Cancels a slot, or this and the following occurrences (`following`), or
/// its whole series (`series`). Their bookings are cancelled with reason
/// `slot_cancelled`, the students told, and paid ones refunded.
pub async fn cancel(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    slot_id: Id,
    scope: Option<&str>,
) -> Result<CancelledSlots, SlotError> {
    let parsed = parse_scope(scope)?;
    let course = editable_course(ctx, actor, slot_id)
        .await?
        .ok_or(SlotError::NotFound("Slot"))?;
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    slots::lock_instructor(&mut tx, course.instructor_id).await?;
    let slot = slots::find_tx(&mut tx, slot_id)
        .await?
        .filter(|s| s.deleted_at.is_none())
        .ok_or(SlotError::NotFound("Slot"))?;
    let cancelled = slots::cancel(&mut tx, &slot, parsed, now).await?;
    let mut bookings = Vec::new();
    for s in &cancelled {
        bookings.extend(
            crate::bookings::cancel_for_slot(&mut tx, meta, actor.id(), &course, s, now).await?,
        );
        audit::record(
            &mut tx,
            meta,
            now,
            Change {
                actor: Some(actor.id()),
                action: "slot.cancelled",
                entity_type: "availability_slot",
                entity_id: s.id,
                changes: json!({ "status": { "before": SlotStatus::Open, "after": SlotStatus::Cancelled }, "scope": scope }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    crate::telemetry::bookings_cancelled(u64::try_from(bookings.len()).unwrap_or(u64::MAX));
    for booking in &bookings {
        refund_booking(
            ctx,
            meta,
            Some(actor.id()),
            *booking,
            "the session was cancelled",
        )
        .await?;
    }
    Ok(CancelledSlots {
        slots: cancelled.len(),
        bookings: bookings.len(),
    })
}

/// The time window of a slot search, as the caller wrote it.
#[derive(Clone, Debug, Default)]
pub struct WindowInput {
    /// RFC 3339; default now.
    pub from: Option<String>,
    /// RFC 3339; default `from` + 31 days; at most 93 days after `from`.
    pub to: Option<String>,
}

fn window(input: &WindowInput, now: DateTime<Utc>) -> Result<SlotWindow, ReadError> {
    let mut fields = Fields::default();
    let from = match &input.from {
        Some(v) => parse_instant(&mut fields, "from", v),
        None => Some(now),
    };
    let to = match (&input.to, from) {
        (Some(v), _) => parse_instant(&mut fields, "to", v),
        (None, Some(from)) => Some(from + Duration::days(DEFAULT_WINDOW_DAYS)),
        (None, None) => None,
    };
    fields.finish()?;
    let (Some(from), Some(to)) = (from, to) else {
        return Err(Internal::invariant("validated window missing").into());
    };
    SlotWindow::parse(from, to, MAX_WINDOW_DAYS)
        .map_err(|issue| Invalid::one("to", issue.code, issue.message).into())
}

/// Bookable slots as `viewer` may see them: the meeting link is for the
/// course's instructor, administrators and students with a confirmed
/// booking of the slot only, since anyone who has it can join the session.
async fn bookable(
    ctx: &AppContext,
    viewer: Option<&Actor>,
    course: Option<Id>,
    instructor: Id,
    window: SlotWindow,
) -> Result<Vec<SlotRow>, ReadError> {
    let now = *ctx.now().as_datetime();
    let (from, to) = (Timestamp::from(window.from()), Timestamp::from(window.to()));
    let mut rows = slots::bookable(
        &ctx.db,
        course,
        Some(instructor),
        from,
        to,
        Timestamp::from(now + ctx.settings.booking.min_notice),
    )
    .await?;
    let confirmed = match viewer {
        Some(actor) if actor.is_admin() || actor.id() == instructor => return Ok(rows),
        Some(actor) => bookings::confirmed_slots_of(&ctx.db, actor.id(), from, to).await?,
        None => Vec::new(),
    };
    for row in &mut rows {
        if !confirmed.contains(&row.id) {
            row.meeting_url = None;
        }
    }
    Ok(rows)
}

/// Bookable slots of a published course in a window, as anyone sees them
/// (no meeting links).
pub async fn for_course(
    ctx: &AppContext,
    course_id: Id,
    input: WindowInput,
) -> Result<Vec<SlotRow>, ReadError> {
    for_course_seen_by(ctx, None, course_id, input).await
}

/// Bookable slots of a published course in a window: open, in the future
/// (beyond the booking notice), with seats left; meeting links only where
/// `viewer` may have them.
pub async fn for_course_seen_by(
    ctx: &AppContext,
    viewer: Option<&Actor>,
    course_id: Id,
    input: WindowInput,
) -> Result<Vec<SlotRow>, ReadError> {
    let course = courses::find_live(&ctx.db, course_id)
        .await?
        .ok_or(ReadError::NotFound("Course"))?;
    of_course(ctx, viewer, &course, input).await
}

/// Bookable slots of a course the caller has already read (the course page
/// has it); a course that is not published has none to offer.
pub async fn of_course(
    ctx: &AppContext,
    viewer: Option<&Actor>,
    course: &CourseRow,
    input: WindowInput,
) -> Result<Vec<SlotRow>, ReadError> {
    let window = window(&input, *ctx.now().as_datetime())?;
    if course.status != CourseStatus::Published || course.deleted_at.is_some() {
        return Err(ReadError::NotFound("Course"));
    }
    bookable(ctx, viewer, Some(course.id), course.instructor_id, window).await
}

/// Bookable slots of all of an instructor's published courses in a window;
/// meeting links only where `viewer` may have them.
pub async fn for_instructor(
    ctx: &AppContext,
    viewer: Option<&Actor>,
    instructor_id: Id,
    input: WindowInput,
) -> Result<Vec<SlotRow>, ReadError> {
    let window = window(&input, *ctx.now().as_datetime())?;
    let instructor = users::find_live_by_id(&ctx.db, instructor_id)
        .await?
        .filter(|u| u.role == Role::Instructor)
        .ok_or(ReadError::NotFound("Instructor"))?;
    bookable(ctx, viewer, None, instructor.id, window).await
}
