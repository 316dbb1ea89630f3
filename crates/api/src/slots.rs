//! Availability slots: single and recurring sessions an instructor offers.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use medicaledu_domain::{
    Currency, HttpsUrl, Id, Money, Occurrence, PriceMinor, RecurrenceRule, SlotWindow, TimeZone,
    Timestamp, expand, overlaps,
};

use medicaledu_store::courses::{self, CourseRow};
use medicaledu_store::slots::{self, NewSlot, Scope, SlotChanges, SlotRow};
use medicaledu_store::{Tx, users};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, Meta};
use crate::bookings::cancel_for_slot;
use crate::courses::may_edit;
use crate::validate::{Fields, nullable};
use crate::{ApiError, AppState, FieldError, Json};
use medicaledu_app::audit::{self, Change};

/// Sessions last between these; the upper bound also bounds the overlap check.
pub const MIN_SLOT: Duration = Duration::minutes(5);
pub const MAX_SLOT: Duration = Duration::hours(12);
const MAX_CAPACITY: i64 = 1000;
const DEFAULT_WINDOW_DAYS: i64 = 31;
const MAX_WINDOW_DAYS: i64 = 93;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_slots, course_slots))
        .routes(routes!(instructor_slots))
        .routes(routes!(update_slot, cancel_slot))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Slot {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    #[schema(value_type = String, format = Uuid)]
    pub course_id: Id,
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: Timestamp,
    /// The IANA zone the session is planned in.
    pub timezone: String,
    /// 1 is one-to-one; more is a group session.
    pub capacity: i64,
    pub seats_booked: i64,
    pub seats_remaining: i64,
    pub price_minor: i64,
    pub currency: String,
    pub display_price: String,
    pub location: Option<String>,
    pub meeting_url: Option<String>,
    /// `open`, `closed` or `cancelled`.
    pub status: String,
    /// The first occurrence of the series this slot belongs to.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub series_id: Option<Id>,
    /// The pattern, on the series' first occurrence.
    pub recurrence: Option<Value>,
}

impl From<SlotRow> for Slot {
    fn from(row: SlotRow) -> Self {
        let display_price = Currency::parse(&row.currency)
            .ok()
            .and_then(|c| Money::new(row.price_minor, c).ok())
            .map_or_else(
                || format!("{} {}", row.currency, row.price_minor),
                |m| m.display(),
            );
        Slot {
            seats_remaining: (row.capacity - row.seats_booked).max(0),
            id: row.id,
            course_id: row.course_id,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            timezone: row.timezone,
            capacity: row.capacity,
            seats_booked: row.seats_booked,
            price_minor: row.price_minor,
            currency: row.currency,
            display_price,
            location: row.location,
            meeting_url: row.meeting_url,
            status: row.status,
            series_id: row.series_id,
            recurrence: row.recurrence.map(|r| r.0),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlotList {
    pub items: Vec<Slot>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSlotRequest {
    /// RFC 3339 with offset.
    pub starts_at: String,
    /// RFC 3339 with offset.
    pub ends_at: String,
    /// IANA zone the session is planned in; recurrences repeat in its local time.
    pub timezone: String,
    /// Default 1.
    pub capacity: Option<i64>,
    /// Default: the course's price.
    pub price_minor: Option<i64>,
    /// Default: the course's currency.
    pub currency: Option<String>,
    pub location: Option<String>,
    /// https only.
    pub meeting_url: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub recurrence: Option<RecurrenceRule>,
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

/// A live course the caller may schedule, or 404.
async fn schedulable(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
) -> Result<CourseRow, ApiError> {
    let id: Id = id.parse().map_err(|_| ApiError::not_found("Course"))?;
    courses::find_live(&state.db, id)
        .await?
        .filter(|c| may_edit(auth, c))
        .ok_or_else(|| ApiError::not_found("Course"))
}

/// Refuses occurrences that overlap one another or a live slot of the
/// instructor, naming the first clash. Runs under the instructor lock.
async fn check_no_overlap(
    tx: &mut Tx,
    instructor_id: Id,
    occurrences: &[Occurrence],
    moving: Option<Id>,
) -> Result<(), ApiError> {
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
            return Err(ApiError::validation(vec![FieldError::new(
                "recurrence",
                "self_overlap",
                "occurrences of this pattern overlap each other; shorten the session or space them out",
            )]));
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
            Some(s.id) != moving
                && overlaps(
                    occurrence.starts_at,
                    occurrence.ends_at,
                    *s.starts_at.as_datetime(),
                    *s.ends_at.as_datetime(),
                )
        });
        if let Some(clash) = clash {
            return Err(ApiError::conflict(
                "slot_overlap",
                format!(
                    "The instructor already has slot {} from {} to {}, which overlaps {} to {}.",
                    clash.id,
                    clash.starts_at,
                    clash.ends_at,
                    Timestamp::from(occurrence.starts_at),
                    Timestamp::from(occurrence.ends_at)
                ),
            ));
        }
    }
    Ok(())
}

/// Offer a session, or a recurring series of sessions (`recurrence`), each
/// stored as its own bookable slot.
#[utoipa::path(
    post,
    path = "/api/v1/courses/{id}/slots",
    tag = "slots",
    params(("id" = String, Path, description = "Course id")),
    request_body = CreateSlotRequest,
    responses(
        (status = 201, description = "The created slots, in time order", body = SlotList),
        (status = 409, description = "Overlaps another of the instructor's slots", body = crate::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_slots(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Path(course_id): Path<String>,
    Json(body): Json<CreateSlotRequest>,
) -> Result<(StatusCode, Json<SlotList>), ApiError> {
    let course = schedulable(&state, &auth, &course_id).await?;
    let now = Utc::now();
    let mut fields = Fields::default();
    let starts = parse_instant(&mut fields, "starts_at", &body.starts_at);
    let ends = parse_instant(&mut fields, "ends_at", &body.ends_at);
    if let (Some(starts), Some(ends)) = (starts, ends) {
        check_span(&mut fields, starts, ends, now);
    }
    let zone = fields.check("timezone", TimeZone::parse(&body.timezone));
    let capacity = body.capacity.unwrap_or(1);
    if !(1..=MAX_CAPACITY).contains(&capacity) {
        fields.reject("capacity", "out_of_range", "must be between 1 and 1000");
    }
    let price = match body.price_minor {
        Some(p) => fields
            .check("price_minor", PriceMinor::parse(p))
            .map(|p| p.get()),
        None => Some(course.price_minor),
    };
    let currency = match &body.currency {
        Some(c) => fields
            .check("currency", Currency::parse(c))
            .map(|c| c.as_str().to_owned()),
        None => Some(course.currency.clone()),
    };
    let meeting_url = body
        .meeting_url
        .as_deref()
        .and_then(|u| fields.check("meeting_url", HttpsUrl::parse(u)))
        .map(|u| u.as_str().to_owned());
    let location = check_location(&mut fields, body.location.as_deref());
    if let Some(rule) = &body.recurrence
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
        return Err(ApiError::internal("validated slot fields missing"));
    };
    let occurrences = match &body.recurrence {
        Some(rule) => expand(
            rule,
            starts,
            ends - starts,
            zone.tz(),
            state.settings.recurrence,
        )
        .map_err(|e| {
            ApiError::validation(vec![FieldError::new("recurrence", e.code(), e.to_string())])
        })?,
        None => vec![Occurrence {
            starts_at: starts,
            ends_at: ends,
        }],
    };
    let recurrence = body
        .recurrence
        .as_ref()
        .map(|r| serde_json::to_value(r).map_err(ApiError::internal))
        .transpose()?;

    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    slots::lock_instructor(&mut tx, course.instructor_id).await?;
    check_no_overlap(&mut tx, course.instructor_id, &occurrences, None).await?;
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
        .ok_or_else(|| ApiError::internal("no slot created"))?;
    audit::record(
        &mut tx,
        &meta,
        now,
        Change {
            actor: Some(auth.user.id),
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
    Ok((
        StatusCode::CREATED,
        Json(SlotList {
            items: created.into_iter().map(Slot::from).collect(),
            next_cursor: None,
        }),
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSlotRequest {
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    /// Never below the seats already booked.
    pub capacity: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub location: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub meeting_url: Option<Option<String>>,
}

/// A live slot of a course the caller may schedule, with the course; or 404.
async fn editable_slot(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
) -> Result<(SlotRow, CourseRow), ApiError> {
    let id: Id = id.parse().map_err(|_| ApiError::not_found("Slot"))?;
    let slot = slots::find_live(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Slot"))?;
    let course = courses::find_by_id_any(&state.db, slot.course_id)
        .await?
        .filter(|c| may_edit(auth, c))
        .ok_or_else(|| ApiError::not_found("Slot"))?;
    Ok((slot, course))
}

/// Move a slot, change its capacity or where it happens. Booked students are told of a move.
#[utoipa::path(
    patch,
    path = "/api/v1/slots/{id}",
    tag = "slots",
    params(("id" = String, Path, description = "Slot id")),
    request_body = UpdateSlotRequest,
    responses(
        (status = 200, body = Slot),
        (status = 409, description = "Overlap, or capacity below the seats booked", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_slot(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Path(id): Path<String>,
    Json(body): Json<UpdateSlotRequest>,
) -> Result<Json<Slot>, ApiError> {
    let (slot, course) = editable_slot(&state, &auth, &id).await?;
    let mut fields = Fields::default();
    let starts = match &body.starts_at {
        Some(v) => parse_instant(&mut fields, "starts_at", v),
        None => Some(*slot.starts_at.as_datetime()),
    };
    let ends = match &body.ends_at {
        Some(v) => parse_instant(&mut fields, "ends_at", v),
        None => Some(*slot.ends_at.as_datetime()),
    };
    let moved = body.starts_at.is_some() || body.ends_at.is_some();
    if let (Some(s), Some(e), true) = (starts, ends, moved) {
        check_span(&mut fields, s, e, Utc::now());
    }
    let capacity = body.capacity.unwrap_or(slot.capacity);
    if !(1..=MAX_CAPACITY).contains(&capacity) {
        fields.reject("capacity", "out_of_range", "must be between 1 and 1000");
    }
    let location = match &body.location {
        Some(l) => check_location(&mut fields, l.as_deref()),
        None => slot.location.clone(),
    };
    let meeting_url = match &body.meeting_url {
        Some(Some(u)) => fields
            .check("meeting_url", HttpsUrl::parse(u))
            .map(|u| u.as_str().to_owned()),
        Some(None) => None,
        None => slot.meeting_url.clone(),
    };
    fields.finish()?;
    let (Some(starts), Some(ends)) = (starts, ends) else {
        return Err(ApiError::internal("validated slot times missing"));
    };

    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    slots::lock_instructor(&mut tx, course.instructor_id).await?;
    if moved {
        check_no_overlap(
            &mut tx,
            course.instructor_id,
            &[Occurrence {
                starts_at: starts,
                ends_at: ends,
            }],
            Some(slot.id),
        )
        .await?;
    }
    let changes = SlotChanges {
        starts_at: Timestamp::from(starts),
        ends_at: Timestamp::from(ends),
        capacity,
        location,
        meeting_url,
    };
    let Some(after) = slots::update(&mut tx, slot.id, &changes, now).await? else {
        let current = slots::find_tx(&mut tx, slot.id).await?;
        return Err(match current {
            Some(c) if c.deleted_at.is_none() && c.seats_booked > capacity => ApiError::conflict(
                "capacity_below_booked",
                format!(
                    "{} seats are already booked; capacity cannot go below that.",
                    c.seats_booked
                ),
            ),
            _ => ApiError::not_found("Slot"),
        });
    };
    audit::record(
        &mut tx,
        &meta,
        now,
        Change {
            actor: Some(auth.user.id),
            action: "slot.updated",
            entity_type: "availability_slot",
            entity_id: after.id,
            changes: json!({
                "starts_at": { "before": slot.starts_at, "after": after.starts_at },
                "ends_at": { "before": slot.ends_at, "after": after.ends_at },
                "capacity": { "before": slot.capacity, "after": after.capacity },
                "location": { "before": slot.location, "after": after.location },
            }),
        },
    )
    .await?;
    if after.starts_at != slot.starts_at || after.ends_at != slot.ends_at {
        crate::bookings::notify_slot_moved(&mut tx, &course, &slot, &after, now).await?;
    }
    tx.commit().await?;
    Ok(Json(Slot::from(after)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CancelParams {
    /// `this` (default), `following` (this and later occurrences of its series) or `series`.
    pub scope: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CancelledSlots {
    pub cancelled_slots: usize,
    pub cancelled_bookings: usize,
}

/// Cancel a slot, or this and the following occurrences, or its whole series.
/// Their bookings are cancelled with reason `slot_cancelled` and the students told.
#[utoipa::path(
    delete,
    path = "/api/v1/slots/{id}",
    tag = "slots",
    params(("id" = String, Path, description = "Slot id"), CancelParams),
    responses((status = 200, body = CancelledSlots), (status = 404, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn cancel_slot(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Path(id): Path<String>,
    Query(params): Query<CancelParams>,
) -> Result<Json<CancelledSlots>, ApiError> {
    let scope = match params.scope.as_deref() {
        None | Some("this") => Scope::This,
        Some("following") => Scope::Following,
        Some("series") => Scope::Series,
        Some(_) => {
            return Err(ApiError::validation(vec![FieldError::new(
                "scope",
                "invalid",
                "must be one of: this, following, series",
            )]));
        }
    };
    let (slot, course) = editable_slot(&state, &auth, &id).await?;
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    slots::lock_instructor(&mut tx, course.instructor_id).await?;
    let cancelled = slots::cancel(&mut tx, &slot, scope, now).await?;
    let mut bookings = Vec::new();
    for s in &cancelled {
        bookings.extend(cancel_for_slot(&mut tx, &meta, auth.user.id, &course, s, now).await?);
        audit::record(
            &mut tx,
            &meta,
            now,
            Change {
                actor: Some(auth.user.id),
                action: "slot.cancelled",
                entity_type: "availability_slot",
                entity_id: s.id,
                changes: json!({ "status": { "before": "open", "after": "cancelled" }, "scope": params.scope }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    for booking in &bookings {
        crate::payments::refund_booking(
            &state,
            &meta,
            Some(auth.user.id),
            *booking,
            "the session was cancelled",
        )
        .await?;
    }
    Ok(Json(CancelledSlots {
        cancelled_slots: cancelled.len(),
        cancelled_bookings: bookings.len(),
    }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct WindowParams {
    /// RFC 3339; default now.
    pub from: Option<String>,
    /// RFC 3339; default `from` + 31 days; at most 93 days after `from`.
    pub to: Option<String>,
}

fn window(params: &WindowParams) -> Result<SlotWindow, ApiError> {
    let mut fields = Fields::default();
    let from = match &params.from {
        Some(v) => parse_instant(&mut fields, "from", v),
        None => Some(Utc::now()),
    };
    let to = match (&params.to, from) {
        (Some(v), _) => parse_instant(&mut fields, "to", v),
        (None, Some(from)) => Some(from + Duration::days(DEFAULT_WINDOW_DAYS)),
        (None, None) => None,
    };
    fields.finish()?;
    let (Some(from), Some(to)) = (from, to) else {
        return Err(ApiError::internal("validated window missing"));
    };
    SlotWindow::parse(from, to, MAX_WINDOW_DAYS).map_err(|issue| {
        ApiError::validation(vec![FieldError::new("to", issue.code, issue.message)])
    })
}

async fn bookable(
    state: &AppState,
    course: Option<Id>,
    instructor: Option<Id>,
    window: SlotWindow,
) -> Result<SlotList, ApiError> {
    let now = Utc::now();
    let rows = slots::bookable(
        &state.db,
        course,
        instructor,
        Timestamp::from(window.from()),
        Timestamp::from(window.to()),
        Timestamp::from(now + state.settings.booking.min_notice),
    )
    .await?;
    Ok(SlotList {
        items: rows.into_iter().map(Slot::from).collect(),
        next_cursor: None,
    })
}

/// Bookable slots of a published course in a window: open, in the future
/// (beyond the booking notice), with seats left.
#[utoipa::path(
    get,
    path = "/api/v1/courses/{id}/slots",
    tag = "slots",
    params(("id" = String, Path, description = "Course id"), WindowParams),
    responses((status = 200, body = SlotList), (status = 422, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn course_slots(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<WindowParams>,
) -> Result<Json<SlotList>, ApiError> {
    let window = window(&params)?;
    let id: Id = id.parse().map_err(|_| ApiError::not_found("Course"))?;
    let course = courses::find_live(&state.db, id)
        .await?
        .filter(|c| c.status == medicaledu_domain::CourseStatus::Published)
        .ok_or_else(|| ApiError::not_found("Course"))?;
    Ok(Json(bookable(&state, Some(course.id), None, window).await?))
}

/// Bookable slots of all of an instructor's published courses in a window.
#[utoipa::path(
    get,
    path = "/api/v1/instructors/{id}/slots",
    tag = "slots",
    params(("id" = String, Path, description = "Instructor id"), WindowParams),
    responses((status = 200, body = SlotList), (status = 422, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn instructor_slots(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<WindowParams>,
) -> Result<Json<SlotList>, ApiError> {
    let window = window(&params)?;
    let id: Id = id.parse().map_err(|_| ApiError::not_found("Instructor"))?;
    let instructor = users::find_live_by_id(&state.db, id)
        .await?
        .filter(|u| u.role == medicaledu_domain::Role::Instructor)
        .ok_or_else(|| ApiError::not_found("Instructor"))?;
    Ok(Json(
        bookable(&state, None, Some(instructor.id), window).await?,
    ))
}
