//! Bookings over HTTP: taking a seat in a slot, and everything that happens
//! to it after. The rules live in `medicaledu_app::bookings`.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use medicaledu_app::bookings::{
    self, AttendanceError, BookError, BookInput, BookingListInput, CancelError, RescheduleError,
};
use medicaledu_domain::{Id, Timestamp};
use medicaledu_store::bookings::BookingRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, Meta};
use crate::pagination::Page;
use crate::problem::Answers;
use crate::problem::problems;
use crate::{ApiError, AppState, IdempotencyKey, Ids, Json};

problems!(BookError, CancelError, RescheduleError, AttendanceError);

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_booking))
        .routes(routes!(get_booking))
        .routes(routes!(cancel_booking))
        .routes(routes!(reschedule_booking))
        .routes(routes!(complete_booking))
        .routes(routes!(no_show_booking))
        .routes(routes!(my_bookings))
        .routes(routes!(instructor_bookings))
}

crate::problem::problem_codes! {
    create_booking => Answers::route()
        .signed_in_write()
        .idempotency_key()
        .json_body()
        .failure::<BookError>(),
    get_booking => Answers::route().signed_in().path_ids().failure::<medicaledu_app::ReadError>(),
    cancel_booking => Answers::route().signed_in_write().path_ids().json_body().failure::<CancelError>(),
    reschedule_booking => Answers::route()
        .signed_in_write()
        .path_ids()
        .json_body()
        .failure::<RescheduleError>(),
    complete_booking => Answers::route().signed_in_write().path_ids().failure::<AttendanceError>(),
    no_show_booking => Answers::route().signed_in_write().path_ids().failure::<AttendanceError>(),
    my_bookings => Answers::route().signed_in().query().failure::<medicaledu_app::ReadError>(),
    instructor_bookings => Answers::route().signed_in().query().failure::<medicaledu_app::ReadError>(),
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Booking {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    #[schema(value_type = String, format = Uuid)]
    pub slot_id: Id,
    #[schema(value_type = String, format = Uuid)]
    pub student_id: Id,
    /// `pending`, `confirmed`, `cancelled`, `completed`, `no_show` or `expired`.
    pub status: String,
    pub list_price_minor: i64,
    pub discount_minor: i64,
    pub total_minor: i64,
    pub currency: String,
    /// A pending booking's seat is held until then, awaiting payment.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub hold_expires_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub confirmed_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub cancelled_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub cancelled_by: Option<Id>,
    pub cancel_reason: Option<String>,
    /// Whether the cancellation came early enough for a refund.
    pub refund_eligible: Option<bool>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub completed_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub rescheduled_from: Option<Id>,
    pub reschedule_count: i64,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<BookingRow> for Booking {
    fn from(row: BookingRow) -> Self {
        Booking {
            id: row.id,
            slot_id: row.slot_id,
            student_id: row.student_id,
            status: row.status.as_str().to_owned(),
            list_price_minor: row.list_price_minor,
            discount_minor: row.discount_minor,
            total_minor: row.total_minor,
            currency: row.currency,
            hold_expires_at: row.hold_expires_at,
            confirmed_at: row.confirmed_at,
            cancelled_at: row.cancelled_at,
            cancelled_by: row.cancelled_by,
            cancel_reason: row.cancel_reason,
            refund_eligible: row.refund_eligible,
            completed_at: row.completed_at,
            rescheduled_from: row.rescheduled_from,
            reschedule_count: row.reschedule_count,
            created_at: row.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBookingRequest {
    #[schema(value_type = String, format = Uuid)]
    pub slot_id: Id,
    pub promo_code: Option<String>,
}

/// Book a seat in a slot.
///
/// A free booking is confirmed at once; a paid one is `pending`, its seat held
/// until `hold_expires_at` for payment. With an `Idempotency-Key`, a retry
/// returns the same booking (a different body with the same key is refused).
#[utoipa::path(
    post,
    path = "/api/v1/bookings",
    tag = "bookings",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries return the same booking", min_length = 1, max_length = 200, pattern = "^[\t\x20-\x7e]*$")),
    request_body = CreateBookingRequest,
    responses(
        (status = 201, body = Booking),
        (status = 200, description = "A retry with the same Idempotency-Key", body = Booking),
        (status = 409, description = "Full, already booked, too late, or not open", body = crate::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_booking(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    IdempotencyKey(key): IdempotencyKey,
    Json(body): Json<CreateBookingRequest>,
) -> Result<(StatusCode, Json<Booking>), ApiError> {
    let input = BookInput {
        slot_id: body.slot_id,
        promo_code: body.promo_code,
        idempotency_key: key,
    };
    let booked = bookings::book(&state, &auth, &meta, input).await?;
    let status = if booked.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(Booking::from(booked.booking))))
}

/// One booking, for its student, the session's instructor and admins.
#[utoipa::path(
    get,
    path = "/api/v1/bookings/{id}",
    tag = "bookings",
    params(("id" = String, Path, description = "Booking id")),
    responses((status = 200, body = Booking), (status = 404, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn get_booking(
    State(state): State<AppState>,
    auth: Authenticated,
    Ids(id): Ids<Id>,
) -> Result<Json<Booking>, ApiError> {
    Ok(Json(Booking::from(bookings::get(&state, &auth, id).await?)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    pub reason: Option<String>,
}

/// Cancel a booking (its student, the session's instructor, or an admin).
#[utoipa::path(
    post,
    path = "/api/v1/bookings/{id}/cancel",
    tag = "bookings",
    params(("id" = String, Path, description = "Booking id")),
    request_body = CancelRequest,
    responses((status = 200, body = Booking), (status = 409, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn cancel_booking(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(id): Ids<Id>,
    Json(body): Json<CancelRequest>,
) -> Result<Json<Booking>, ApiError> {
    let cancelled = bookings::cancel(&state, &auth, &meta, id, body.reason.as_deref()).await?;
    Ok(Json(Booking::from(cancelled)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleRequest {
    #[schema(value_type = String, format = Uuid)]
    pub slot_id: Id,
}

/// Move a booking to another open slot of the same course.
///
/// The new seat is taken and the old one freed in one transaction; the new
/// booking links to the old one and keeps its price and status.
#[utoipa::path(
    post,
    path = "/api/v1/bookings/{id}/reschedule",
    tag = "bookings",
    params(("id" = String, Path, description = "Booking id")),
    request_body = RescheduleRequest,
    responses((status = 201, body = Booking), (status = 409, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn reschedule_booking(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(id): Ids<Id>,
    Json(body): Json<RescheduleRequest>,
) -> Result<(StatusCode, Json<Booking>), ApiError> {
    let moved = bookings::reschedule(&state, &auth, &meta, id, body.slot_id).await?;
    Ok((StatusCode::CREATED, Json(Booking::from(moved))))
}

/// Mark a session as attended (the instructor or an admin, once it has started).
#[utoipa::path(
    post,
    path = "/api/v1/bookings/{id}/complete",
    tag = "bookings",
    params(("id" = String, Path, description = "Booking id")),
    responses((status = 200, body = Booking), (status = 409, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn complete_booking(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(id): Ids<Id>,
) -> Result<Json<Booking>, ApiError> {
    Ok(Json(Booking::from(
        bookings::complete(&state, &auth, &meta, id).await?,
    )))
}

/// Mark a student as absent (the instructor or an admin, once the session has started).
#[utoipa::path(
    post,
    path = "/api/v1/bookings/{id}/no-show",
    tag = "bookings",
    params(("id" = String, Path, description = "Booking id")),
    responses((status = 200, body = Booking), (status = 409, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn no_show_booking(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(id): Ids<Id>,
) -> Result<Json<Booking>, ApiError> {
    Ok(Json(Booking::from(
        bookings::no_show(&state, &auth, &meta, id).await?,
    )))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BookingListParams {
    /// One of the booking statuses.
    #[param(value_type = Option<crate::constraints::BookingStatusText>, inline)]
    pub status: Option<String>,
    /// `upcoming` or `past`.
    #[param(value_type = Option<crate::constraints::BookingWhenText>, inline)]
    pub when: Option<String>,
    /// The `next_cursor` of the previous page.
    #[param(value_type = Option<crate::constraints::PageCursorText>, inline)]
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<crate::constraints::PageLimit>, inline)]
    pub limit: Option<i64>,
}

/// The signed-in student's bookings, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/me/bookings",
    tag = "bookings",
    params(BookingListParams),
    responses((status = 200, body = Page<Booking>))
)]
pub async fn my_bookings(
    State(state): State<AppState>,
    auth: Authenticated,
    Query(params): Query<BookingListParams>,
) -> Result<Json<Page<Booking>>, ApiError> {
    let rows = bookings::list_mine(&state, &auth, params.into()).await?;
    Ok(Json(view_page(rows)))
}

/// Bookings on the signed-in instructor's slots, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/instructor/bookings",
    tag = "bookings",
    params(BookingListParams),
    responses((status = 200, body = Page<Booking>), (status = 403, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn instructor_bookings(
    State(state): State<AppState>,
    auth: Authenticated,
    Query(params): Query<BookingListParams>,
) -> Result<Json<Page<Booking>>, ApiError> {
    let rows = bookings::list_teaching(&state, &auth, params.into()).await?;
    Ok(Json(view_page(rows)))
}

impl From<BookingListParams> for BookingListInput {
    fn from(params: BookingListParams) -> Self {
        BookingListInput {
            status: params.status,
            when: params.when,
            cursor: params.cursor,
            limit: params.limit,
        }
    }
}

fn view_page(rows: medicaledu_app::Page<BookingRow>) -> Page<Booking> {
    Page::of(rows, Booking::from)
}
