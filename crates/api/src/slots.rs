//! Availability slots: single and recurring sessions an instructor offers.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use medicaledu_app::slots::{self, NewSlotsInput, SlotError, SlotUpdateInput, WindowInput};
use medicaledu_domain::{Currency, Id, Money, RecurrenceRule, Timestamp};
use medicaledu_store::slots::SlotRow;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, MaybeAuthenticated, Meta};
use crate::problem::Answers;
use crate::problem::problems;
use crate::validate::nullable;
use crate::{ApiError, AppState, Ids, Json};

problems!(SlotError);

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_slots, course_slots))
        .routes(routes!(instructor_slots))
        .routes(routes!(update_slot, cancel_slot))
}

crate::problem::problem_codes! {
    create_slots => Answers::route().signed_in_write().path_ids().json_body().failure::<SlotError>(),
    update_slot => Answers::route().signed_in_write().path_ids().json_body().failure::<SlotError>(),
    cancel_slot => Answers::route().signed_in_write().path_ids().query().failure::<SlotError>(),
    course_slots => Answers::route().maybe_signed_in().path_ids().query().failure::<medicaledu_app::ReadError>(),
    instructor_slots => Answers::route().maybe_signed_in().path_ids().query().failure::<medicaledu_app::ReadError>(),
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
    /// In lists of bookable slots, only for the course's instructor,
    /// administrators and students with a confirmed booking of the slot.
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
            status: row.status.as_str().to_owned(),
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

impl From<Vec<SlotRow>> for SlotList {
    fn from(rows: Vec<SlotRow>) -> Self {
        SlotList {
            items: rows.into_iter().map(Slot::from).collect(),
            next_cursor: None,
        }
    }
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

/// Offer a session or a recurring series.
///
/// A series (`recurrence`) is stored as one bookable slot per occurrence.
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
    Ids(course_id): Ids<Id>,
    Json(body): Json<CreateSlotRequest>,
) -> Result<(StatusCode, Json<SlotList>), ApiError> {
    let input = NewSlotsInput {
        starts_at: body.starts_at,
        ends_at: body.ends_at,
        timezone: body.timezone,
        capacity: body.capacity,
        price_minor: body.price_minor,
        currency: body.currency,
        location: body.location,
        meeting_url: body.meeting_url,
        recurrence: body.recurrence,
    };
    let created = slots::create(&state, &auth, &meta, course_id, input).await?;
    Ok((StatusCode::CREATED, Json(SlotList::from(created))))
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
    Ids(id): Ids<Id>,
    Json(body): Json<UpdateSlotRequest>,
) -> Result<Json<Slot>, ApiError> {
    let input = SlotUpdateInput {
        starts_at: body.starts_at,
        ends_at: body.ends_at,
        capacity: body.capacity,
        price_minor: None,
        location: body.location,
        meeting_url: body.meeting_url,
    };
    Ok(Json(Slot::from(
        slots::update(&state, &auth, &meta, id, input).await?,
    )))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CancelParams {
    /// `this` (default), `following` (this and later occurrences of its series) or `series`.
    #[param(value_type = Option<crate::constraints::CancelScopeText>, inline)]
    pub scope: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CancelledSlots {
    pub cancelled_slots: usize,
    pub cancelled_bookings: usize,
}

/// Cancel a slot, or this and the following occurrences, or its whole series.
///
/// Their bookings are cancelled with reason `slot_cancelled` and the students
/// told.
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
    Ids(id): Ids<Id>,
    Query(params): Query<CancelParams>,
) -> Result<Json<CancelledSlots>, ApiError> {
    let done = slots::cancel(&state, &auth, &meta, id, params.scope.as_deref()).await?;
    Ok(Json(CancelledSlots {
        cancelled_slots: done.slots,
        cancelled_bookings: done.bookings,
    }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WindowParams {
    /// RFC 3339; default now.
    #[param(value_type = Option<crate::constraints::InstantText>, inline)]
    pub from: Option<String>,
    /// RFC 3339; default `from` + 31 days; at most 93 days after `from`.
    #[param(value_type = Option<crate::constraints::InstantText>, inline)]
    pub to: Option<String>,
}

/// Bookable slots of a published course in a window.
///
/// Open, in the future (beyond the booking notice), with seats left.
/// `meeting_url` is shown only to the course's instructor, administrators and
/// students with a confirmed booking of the slot.
#[utoipa::path(
    get,
    path = "/api/v1/courses/{id}/slots",
    tag = "slots",
    params(("id" = String, Path, description = "Course id"), WindowParams),
    responses((status = 200, body = SlotList), (status = 422, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn course_slots(
    State(state): State<AppState>,
    MaybeAuthenticated(auth): MaybeAuthenticated,
    Ids(id): Ids<Id>,
    Query(params): Query<WindowParams>,
) -> Result<Json<SlotList>, ApiError> {
    let rows = slots::for_course_seen_by(&state, auth.as_deref(), id, params.into()).await?;
    Ok(Json(SlotList::from(rows)))
}

/// Bookable slots of all of an instructor's published courses in a window.
///
/// `meeting_url` as for a course's slots.
#[utoipa::path(
    get,
    path = "/api/v1/instructors/{id}/slots",
    tag = "slots",
    params(("id" = String, Path, description = "Instructor id"), WindowParams),
    responses((status = 200, body = SlotList), (status = 422, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn instructor_slots(
    State(state): State<AppState>,
    MaybeAuthenticated(auth): MaybeAuthenticated,
    Ids(id): Ids<Id>,
    Query(params): Query<WindowParams>,
) -> Result<Json<SlotList>, ApiError> {
    let rows = slots::for_instructor(&state, auth.as_deref(), id, params.into()).await?;
    Ok(Json(SlotList::from(rows)))
}

impl From<WindowParams> for WindowInput {
    fn from(params: WindowParams) -> Self {
        WindowInput {
            from: params.from,
            to: params.to,
        }
    }
}
