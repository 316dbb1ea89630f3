//! Bookings: taking a seat in a slot, and everything that happens to it after.
//! Every rule runs inside one write transaction; seats are taken by a
//! conditional update, and duplicate live bookings hit a partial unique index.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use medicaledu_domain::{
    BookingRuleError, BookingStatus, Id, NotificationKind, PromoCheck, TimeZone, Timestamp,
    check_attendance_mark, check_notice, check_reschedule, hold_expires_at, initial_status,
    local_time, refund_eligible,
};
use medicaledu_store::Tx;
use medicaledu_store::audit::RequestMeta;
use medicaledu_store::bookings::{
    self, BookingFilter, BookingRow, InsertBookingError, NewBooking, Transition,
};
use medicaledu_store::courses::{self, CourseRow};
use medicaledu_store::promo;
use medicaledu_store::slots::{self, SlotRow};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, Meta};
use crate::pagination::{Page, PageParams};
use crate::{ApiError, AppState, FieldError, Json};
use medicaledu_app::audit::{self, Change};
use medicaledu_app::notify::{Notice, Session};

const IDEMPOTENCY_KEY: &str = "idempotency-key";

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
            status: row.status,
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

fn rule(e: BookingRuleError) -> ApiError {
    ApiError::conflict(e.code(), e.to_string())
}

/// Queues a notice about `booking`; `body` writes the text with times in the
/// recipient's own zone.
async fn notify(
    tx: &mut Tx,
    user_id: Id,
    kind: NotificationKind,
    title: String,
    body: impl FnOnce(&dyn Fn(Timestamp) -> String) -> String,
    booking: &BookingRow,
    now: Timestamp,
) -> Result<(), ApiError> {
    let data = json!({
        "booking_id": booking.id,
        "slot_id": booking.slot_id,
        "status": booking.status,
        "cancelled_by": booking.cancelled_by,
        "refund_eligible": booking.refund_eligible,
    });
    let notice = |zone: &TimeZone| Notice {
        kind,
        title,
        body: body(&|at| local_time(at, zone)),
        data,
    };
    medicaledu_app::notify::send_local(tx, user_id, notice, now)
        .await
        .map_err(ApiError::from)
}

fn session<'a>(booking: &BookingRow, slot: &SlotRow, course: &'a CourseRow) -> Session<'a> {
    Session {
        booking_id: booking.id,
        slot_id: slot.id,
        starts_at: slot.starts_at,
        course_title: &course.title,
        student_id: booking.student_id,
        instructor_id: course.instructor_id,
    }
}

async fn record(
    tx: &mut Tx,
    meta: &RequestMeta,
    actor: Option<Id>,
    action: &str,
    booking: &BookingRow,
    changes: serde_json::Value,
    now: Timestamp,
) -> Result<(), ApiError> {
    audit::record(
        tx,
        meta,
        now,
        Change {
            actor,
            action,
            entity_type: "booking",
            entity_id: booking.id,
            changes,
        },
    )
    .await
    .map_err(ApiError::from)
}

/// Announces a confirmed booking to both sides and makes sure the student is
/// enrolled in the course.
pub(crate) async fn confirmed(
    tx: &mut Tx,
    meta: &RequestMeta,
    actor: Option<Id>,
    booking: &BookingRow,
    course: &CourseRow,
    slot: &SlotRow,
    now: Timestamp,
) -> Result<(), ApiError> {
    medicaledu_app::enrollments::ensure_for_booking(tx, meta, booking.student_id, course.id, now)
        .await?;
    record(
        tx,
        meta,
        actor,
        "booking.confirmed",
        booking,
        json!({ "status": { "after": "confirmed" } }),
        now,
    )
    .await?;
    let when = slot.starts_at;
    let title = &course.title;
    notify(
        tx,
        booking.student_id,
        NotificationKind::BookingConfirmed,
        "Session booked".into(),
        |local| format!("Your session of {title} on {} is confirmed.", local(when)),
        booking,
        now,
    )
    .await?;
    notify(
        tx,
        course.instructor_id,
        NotificationKind::BookingConfirmed,
        "New booking".into(),
        |local| {
            format!(
                "A student booked your session of {title} on {}.",
                local(when)
            )
        },
        booking,
        now,
    )
    .await?;
    medicaledu_app::notify::schedule_reminders(tx, &session(booking, slot, course), now)
        .await
        .map_err(ApiError::from)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBookingRequest {
    #[schema(value_type = String, format = Uuid)]
    pub slot_id: Id,
    pub promo_code: Option<String>,
}

/// Book a seat in a slot. A free booking is confirmed at once; a paid one is
/// `pending`, its seat held until `hold_expires_at` for payment. With an
/// `Idempotency-Key`, a retry returns the same booking (a different body with
/// the same key is refused).
#[utoipa::path(
    post,
    path = "/api/v1/bookings",
    tag = "bookings",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries return the same booking")),
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
    headers: HeaderMap,
    Json(body): Json<CreateBookingRequest>,
) -> Result<Response, ApiError> {
    if auth.user.role != medicaledu_domain::Role::Student {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Only students book sessions.",
        ));
    }
    let key = idempotency_key(&headers)?;
    let fingerprint = hex(&Sha256::digest(format!(
        "slot={};promo={:?}",
        body.slot_id, body.promo_code
    )));
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    if let Some(key) = &key
        && let Some(existing) =
            bookings::find_by_idempotency_key(&mut tx, auth.user.id, key).await?
    {
        tx.commit().await?;
        if existing.request_fingerprint.as_deref() != Some(fingerprint.as_str()) {
            return Err(ApiError::validation(vec![FieldError::new(
                "Idempotency-Key",
                "reused",
                "this key was used for a different request",
            )]));
        }
        return Ok((StatusCode::OK, Json(Booking::from(existing))).into_response());
    }
    let slot = slots::find_tx(&mut tx, body.slot_id)
        .await?
        .filter(|s| s.deleted_at.is_none())
        .ok_or_else(|| ApiError::not_found("Slot"))?;
    let course = courses::find_live_tx(&mut tx, slot.course_id)
        .await?
        .filter(|c| c.status == medicaledu_domain::CourseStatus::Published)
        .ok_or_else(|| ApiError::not_found("Slot"))?;
    if slot.status != "open" {
        return Err(ApiError::conflict(
            "slot_not_open",
            "This session is not open for booking.",
        ));
    }
    check_notice(
        &state.settings.booking,
        *slot.starts_at.as_datetime(),
        *now.as_datetime(),
    )
    .map_err(rule)?;
    if bookings::find_live_for(&mut tx, auth.user.id, slot.id)
        .await?
        .is_some()
    {
        return Err(already_booked());
    }
    let promo = match body
        .promo_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(code) => {
            let check = PromoCheck {
                list_minor: slot.price_minor,
                currency: &slot.currency,
                course_id: course.id,
                instructor_id: course.instructor_id,
                now: *now.as_datetime(),
            };
            Some(crate::promo::redeem_for_booking(&mut tx, code, auth.user.id, &check, now).await?)
        }
        None => None,
    };
    let discount = promo.as_ref().map_or(0, |(_, d)| *d);
    if !slots::take_seat(&mut tx, slot.id, now).await? {
        return Err(ApiError::conflict(
            "slot_full",
            "No seats are left in this session.",
        ));
    }
    let status = initial_status(slot.price_minor - discount);
    let hold = (status == BookingStatus::Pending)
        .then(|| Timestamp::from(hold_expires_at(&state.settings.booking, *now.as_datetime())));
    let booking = bookings::insert(
        &mut tx,
        &NewBooking {
            id: Id::generate(),
            slot_id: slot.id,
            student_id: auth.user.id,
            status: status.as_str(),
            list_price_minor: slot.price_minor,
            discount_minor: discount,
            currency: &slot.currency,
            hold_expires_at: hold,
            rescheduled_from: None,
            reschedule_count: 0,
            idempotency_key: key.as_deref(),
            request_fingerprint: Some(&fingerprint),
        },
        now,
    )
    .await
    .map_err(|e| match e {
        InsertBookingError::Duplicate => already_booked(),
        InsertBookingError::Database(e) => ApiError::from(e),
    })?;
    if let Some((code, discount)) = &promo {
        promo::attach(
            &mut tx,
            booking.id,
            code.id,
            *discount,
            &booking.currency,
            now,
        )
        .await?;
    }
    record(
        &mut tx,
        &meta,
        Some(auth.user.id),
        "booking.created",
        &booking,
        json!({
            "slot_id": slot.id,
            "status": booking.status,
            "list_price_minor": booking.list_price_minor,
            "discount_minor": booking.discount_minor,
            "total_minor": booking.total_minor,
            "currency": booking.currency,
            "promo_code": promo.as_ref().map(|(code, _)| code.code.clone()),
        }),
        now,
    )
    .await?;
    if status == BookingStatus::Confirmed {
        confirmed(
            &mut tx,
            &meta,
            Some(auth.user.id),
            &booking,
            &course,
            &slot,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Booking::from(booking))).into_response())
}

fn already_booked() -> ApiError {
    ApiError::conflict(
        "already_booked",
        "You already hold a booking for this session.",
    )
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    headers
        .get(IDEMPOTENCY_KEY)
        .map(|v| {
            v.to_str()
                .ok()
                .filter(|k| !k.is_empty() && k.len() <= 200)
                .map(str::to_owned)
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "invalid_idempotency_key",
                        "Idempotency-Key must be 1 to 200 visible characters.",
                    )
                })
        })
        .transpose()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Who is looking at a booking.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Party {
    Student,
    Instructor,
    Admin,
}

/// The booking with its slot and course if the caller takes part in it (or is
/// an admin); 404 otherwise.
async fn participant(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
) -> Result<(BookingRow, SlotRow, CourseRow, Party), ApiError> {
    let id: Id = id.parse().map_err(|_| ApiError::not_found("Booking"))?;
    let booking = bookings::find(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Booking"))?;
    let slot = slots::find_any(&state.db, booking.slot_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Booking"))?;
    let course = courses::find_by_id_any(&state.db, slot.course_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Booking"))?;
    let party = if booking.student_id == auth.user.id {
        Party::Student
    } else if course.instructor_id == auth.user.id {
        Party::Instructor
    } else if auth.is_admin() {
        Party::Admin
    } else {
        return Err(ApiError::not_found("Booking"));
    };
    Ok((booking, slot, course, party))
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
    Path(id): Path<String>,
) -> Result<Json<Booking>, ApiError> {
    let (booking, ..) = participant(&state, &auth, &id).await?;
    Ok(Json(Booking::from(booking)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    pub reason: Option<String>,
}

/// Cancels a live booking inside `tx`: records who and why and whether it is
/// inside the refund window, frees the seat, audits and notifies.
#[allow(clippy::too_many_arguments)]
async fn cancel_in_tx(
    tx: &mut Tx,
    state: &AppState,
    meta: &RequestMeta,
    actor: Id,
    booking: &BookingRow,
    slot: &SlotRow,
    course: &CourseRow,
    reason: &str,
    now: Timestamp,
) -> Result<Option<BookingRow>, ApiError> {
    let eligible = booking.status == "confirmed"
        && (reason == "slot_cancelled"
            || refund_eligible(
                &state.settings.booking,
                *slot.starts_at.as_datetime(),
                *now.as_datetime(),
            ));
    let Some(cancelled) = bookings::transition(
        tx,
        booking.id,
        &["pending", "confirmed"],
        "cancelled",
        &Transition {
            cancelled_by: Some(actor),
            cancel_reason: Some(reason.to_owned()),
            refund_eligible: Some(eligible),
        },
        now,
    )
    .await?
    else {
        return Ok(None);
    };
    slots::release_seat(tx, slot.id, now).await?;
    if booking.status == "pending" {
        promo::release_for_booking(tx, booking.id, now).await?;
    }
    medicaledu_app::notify::cancel_reminders(tx, &session(booking, slot, course), now).await?;
    record(
        tx,
        meta,
        Some(actor),
        "booking.cancelled",
        &cancelled,
        json!({ "status": { "before": booking.status, "after": "cancelled" }, "reason": reason, "refund_eligible": eligible }),
        now,
    )
    .await?;
    let paid = booking.status == "confirmed" && booking.total_minor > 0;
    let text = |recipient: Id| {
        move |local: &dyn Fn(Timestamp) -> String| {
            let who = if actor == recipient {
                "You"
            } else if actor == booking.student_id {
                "The student"
            } else if actor == course.instructor_id {
                "The instructor"
            } else {
                "An administrator"
            };
            let money = match (paid, eligible) {
                (false, _) => "",
                (true, true) => " The payment is refunded.",
                (true, false) => {
                    " It was cancelled inside the refund window, so the payment is not refunded."
                }
            };
            format!(
                "{who} cancelled the session of {} on {} ({reason}).{money}",
                course.title,
                local(slot.starts_at)
            )
        }
    };
    notify(
        tx,
        cancelled.student_id,
        NotificationKind::BookingCancelled,
        "Session cancelled".into(),
        text(cancelled.student_id),
        &cancelled,
        now,
    )
    .await?;
    if actor != course.instructor_id {
        notify(
            tx,
            course.instructor_id,
            NotificationKind::BookingCancelled,
            "Booking cancelled".into(),
            text(course.instructor_id),
            &cancelled,
            now,
        )
        .await?;
    }
    Ok(Some(cancelled))
}

/// Cancels every live booking of a slot being cancelled; returns their ids.
pub(crate) async fn cancel_for_slot(
    tx: &mut Tx,
    meta: &RequestMeta,
    actor: Id,
    course: &CourseRow,
    slot: &SlotRow,
    now: Timestamp,
) -> Result<Vec<Id>, ApiError> {
    let mut cancelled_ids = Vec::new();
    for booking in bookings::live_for_slot(tx, slot.id).await? {
        let cancelled = bookings::transition(
            tx,
            booking.id,
            &["pending", "confirmed"],
            "cancelled",
            &Transition {
                cancelled_by: Some(actor),
                cancel_reason: Some("slot_cancelled".into()),
                refund_eligible: Some(booking.status == "confirmed"),
            },
            now,
        )
        .await?;
        if let Some(cancelled) = cancelled {
            medicaledu_app::notify::cancel_reminders(tx, &session(&cancelled, slot, course), now)
                .await?;
            record(
                tx,
                meta,
                Some(actor),
                "booking.cancelled",
                &cancelled,
                json!({ "reason": "slot_cancelled" }),
                now,
            )
            .await?;
            let text = |local: &dyn Fn(Timestamp) -> String| {
                format!(
                    "The instructor cancelled the session of {} on {}.",
                    course.title,
                    local(slot.starts_at)
                )
            };
            notify(
                tx,
                cancelled.student_id,
                NotificationKind::SlotCancelled,
                "Session cancelled".into(),
                text,
                &cancelled,
                now,
            )
            .await?;
            cancelled_ids.push(cancelled.id);
        }
    }
    Ok(cancelled_ids)
}

/// Tells the students of a moved slot about its new time and moves the
/// reminders of its confirmed bookings.
pub(crate) async fn notify_slot_moved(
    tx: &mut Tx,
    course: &CourseRow,
    before: &SlotRow,
    slot: &SlotRow,
    now: Timestamp,
) -> Result<(), ApiError> {
    for booking in bookings::live_for_slot(tx, slot.id).await? {
        if booking.status == "confirmed" {
            medicaledu_app::notify::cancel_reminders(tx, &session(&booking, before, course), now)
                .await?;
            medicaledu_app::notify::schedule_reminders(tx, &session(&booking, slot, course), now)
                .await?;
        }
        let text = |local: &dyn Fn(Timestamp) -> String| {
            format!(
                "The session of {} now starts on {}.",
                course.title,
                local(slot.starts_at)
            )
        };
        notify(
            tx,
            booking.student_id,
            NotificationKind::BookingRescheduled,
            "Session moved".into(),
            text,
            &booking,
            now,
        )
        .await?;
    }
    Ok(())
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
    Path(id): Path<String>,
    Json(body): Json<CancelRequest>,
) -> Result<Json<Booking>, ApiError> {
    let (booking, slot, course, _) = participant(&state, &auth, &id).await?;
    let reason = body
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .unwrap_or("no reason given");
    if reason.chars().count() > 500 {
        return Err(ApiError::validation(vec![FieldError::new(
            "reason",
            "too_long",
            "must be at most 500 characters long",
        )]));
    }
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    let cancelled = cancel_in_tx(
        &mut tx,
        &state,
        &meta,
        auth.user.id,
        &booking,
        &slot,
        &course,
        reason,
        now,
    )
    .await?
    .ok_or_else(|| rule(BookingRuleError::InvalidTransition))?;
    tx.commit().await?;
    if cancelled.refund_eligible == Some(true) {
        crate::payments::refund_booking(
            &state,
            &meta,
            Some(auth.user.id),
            cancelled.id,
            "cancelled inside the refund window",
        )
        .await?;
    }
    Ok(Json(Booking::from(cancelled)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleRequest {
    #[schema(value_type = String, format = Uuid)]
    pub slot_id: Id,
}

/// Move a booking to another open slot of the same course. The new seat is
/// taken and the old one freed in one transaction; the new booking links to
/// the old one and keeps its price and status.
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
    Path(id): Path<String>,
    Json(body): Json<RescheduleRequest>,
) -> Result<(StatusCode, Json<Booking>), ApiError> {
    let (booking, old_slot, course, party) = participant(&state, &auth, &id).await?;
    if party == Party::Instructor {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "The student or an admin reschedules a booking.",
        ));
    }
    let status: BookingStatus = booking
        .status
        .parse()
        .map_err(|_| ApiError::internal("unknown booking status"))?;
    check_reschedule(&state.settings.booking, booking.reschedule_count, status).map_err(rule)?;
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    let new_slot = slots::find_tx(&mut tx, body.slot_id)
        .await?
        .filter(|s| s.deleted_at.is_none() && s.course_id == course.id && s.id != old_slot.id)
        .ok_or_else(|| {
            ApiError::validation(vec![FieldError::new(
                "slot_id",
                "invalid",
                "must be another live slot of the same course",
            )])
        })?;
    if new_slot.status != "open" {
        return Err(ApiError::conflict(
            "slot_not_open",
            "That session is not open for booking.",
        ));
    }
    check_notice(
        &state.settings.booking,
        *new_slot.starts_at.as_datetime(),
        *now.as_datetime(),
    )
    .map_err(rule)?;
    if !slots::take_seat(&mut tx, new_slot.id, now).await? {
        return Err(ApiError::conflict(
            "slot_full",
            "No seats are left in that session.",
        ));
    }
    let old = bookings::transition(
        &mut tx,
        booking.id,
        &["pending", "confirmed"],
        "cancelled",
        &Transition {
            cancelled_by: Some(auth.user.id),
            cancel_reason: Some("rescheduled".into()),
            refund_eligible: Some(false),
        },
        now,
    )
    .await?
    .ok_or_else(|| rule(BookingRuleError::InvalidTransition))?;
    slots::release_seat(&mut tx, old_slot.id, now).await?;
    let new = bookings::insert(
        &mut tx,
        &NewBooking {
            id: Id::generate(),
            slot_id: new_slot.id,
            student_id: old.student_id,
            status: &booking.status,
            list_price_minor: old.list_price_minor,
            discount_minor: old.discount_minor,
            currency: &old.currency,
            hold_expires_at: old.hold_expires_at,
            rescheduled_from: Some(old.id),
            reschedule_count: old.reschedule_count + 1,
            idempotency_key: None,
            request_fingerprint: None,
        },
        now,
    )
    .await
    .map_err(|e| match e {
        InsertBookingError::Duplicate => already_booked(),
        InsertBookingError::Database(e) => ApiError::from(e),
    })?;
    promo::move_to(&mut tx, old.id, new.id, now).await?;
    medicaledu_app::notify::cancel_reminders(&mut tx, &session(&old, &old_slot, &course), now)
        .await?;
    if new.status == "confirmed" {
        medicaledu_app::notify::schedule_reminders(
            &mut tx,
            &session(&new, &new_slot, &course),
            now,
        )
        .await?;
    }
    record(
        &mut tx,
        &meta,
        Some(auth.user.id),
        "booking.rescheduled",
        &new,
        json!({ "from_booking": old.id, "slot_id": { "before": old_slot.id, "after": new_slot.id } }),
        now,
    )
    .await?;
    let text = |local: &dyn Fn(Timestamp) -> String| {
        format!(
            "The session of {} moved from {} to {}.",
            course.title,
            local(old_slot.starts_at),
            local(new_slot.starts_at)
        )
    };
    notify(
        &mut tx,
        new.student_id,
        NotificationKind::BookingRescheduled,
        "Session rescheduled".into(),
        text,
        &new,
        now,
    )
    .await?;
    notify(
        &mut tx,
        course.instructor_id,
        NotificationKind::BookingRescheduled,
        "Booking rescheduled".into(),
        text,
        &new,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Booking::from(new))))
}

async fn mark(
    state: &AppState,
    auth: &Authenticated,
    meta: &RequestMeta,
    id: &str,
    to: BookingStatus,
) -> Result<Booking, ApiError> {
    let (booking, slot, _, party) = participant(state, auth, id).await?;
    if party == Party::Student {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "The instructor or an admin marks attendance.",
        ));
    }
    let status: BookingStatus = booking
        .status
        .parse()
        .map_err(|_| ApiError::internal("unknown booking status"))?;
    check_attendance_mark(*slot.starts_at.as_datetime(), Utc::now(), status).map_err(rule)?;
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    let marked = bookings::transition(
        &mut tx,
        booking.id,
        &["confirmed"],
        to.as_str(),
        &Transition::default(),
        now,
    )
    .await?
    .ok_or_else(|| rule(BookingRuleError::InvalidTransition))?;
    let action = if to == BookingStatus::Completed {
        "booking.completed"
    } else {
        "booking.no_show"
    };
    record(
        &mut tx,
        meta,
        Some(auth.user.id),
        action,
        &marked,
        json!({ "status": { "before": "confirmed", "after": to.as_str() } }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Booking::from(marked))
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
    Path(id): Path<String>,
) -> Result<Json<Booking>, ApiError> {
    Ok(Json(
        mark(&state, &auth, &meta, &id, BookingStatus::Completed).await?,
    ))
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
    Path(id): Path<String>,
) -> Result<Json<Booking>, ApiError> {
    Ok(Json(
        mark(&state, &auth, &meta, &id, BookingStatus::NoShow).await?,
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct BookingListParams {
    /// One of the booking statuses.
    pub status: Option<String>,
    /// `upcoming` or `past`.
    pub when: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

async fn list(
    state: &AppState,
    params: BookingListParams,
    student: Option<Id>,
    instructor: Option<Id>,
) -> Result<Page<Booking>, ApiError> {
    let mut errors = Vec::new();
    if let Some(status) = &params.status
        && status.parse::<BookingStatus>().is_err()
    {
        errors.push(FieldError::new(
            "status",
            "invalid",
            "must be one of: pending, confirmed, cancelled, completed, no_show, expired",
        ));
    }
    let upcoming = match params.when.as_deref() {
        None => None,
        Some("upcoming") => Some(true),
        Some("past") => Some(false),
        Some(_) => {
            errors.push(FieldError::new(
                "when",
                "invalid",
                "must be upcoming or past",
            ));
            None
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let paging = PageParams {
        cursor: params.cursor,
        limit: params.limit,
    };
    let limit = paging.limit()?;
    let filter = BookingFilter {
        student_id: student,
        instructor_id: instructor,
        status: params.status,
        upcoming,
        now: Some(Timestamp::now()),
        before: paging.after()?,
        limit: limit + 1,
    };
    let rows = bookings::list(&state.db, &filter).await?;
    Ok(crate::pagination::page(
        rows,
        limit,
        |r| (r.created_at, r.id),
        Booking::from,
    ))
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
    Ok(Json(list(&state, params, Some(auth.user.id), None).await?))
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
    if auth.user.role != medicaledu_domain::Role::Instructor {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "This list is for instructors.",
        ));
    }
    Ok(Json(list(&state, params, None, Some(auth.user.id)).await?))
}

/// Expires pending bookings whose hold ran out and gives their seats back;
/// returns how many. Safe to run on every replica at once: each expiry is a
/// conditional update on the booking still being pending.
pub async fn expire_holds(state: &AppState, now: Timestamp) -> Result<usize, ApiError> {
    let meta = RequestMeta {
        user_agent: Some("medicaledu hold sweeper".into()),
        ..RequestMeta::default()
    };
    let mut expired = 0;
    for id in bookings::due_holds(&state.db, now, 200).await? {
        let mut tx = state.db.begin_write().await?;
        let Some(booking) = bookings::transition(
            &mut tx,
            id,
            &["pending"],
            "expired",
            &Transition::default(),
            now,
        )
        .await?
        else {
            continue;
        };
        slots::release_seat(&mut tx, booking.slot_id, now).await?;
        promo::release_for_booking(&mut tx, booking.id, now).await?;
        record(
            &mut tx,
            &meta,
            None,
            "booking.expired",
            &booking,
            json!({ "status": { "before": "pending", "after": "expired" } }),
            now,
        )
        .await?;
        notify(
            &mut tx,
            booking.student_id,
            NotificationKind::BookingExpired,
            "Booking expired".into(),
            |_| "Your booking expired before it was paid; the seat was released.".into(),
            &booking,
            now,
        )
        .await?;
        tx.commit().await?;
        expired += 1;
    }
    Ok(expired)
}
