//! Payments: charges for bookings through a provider, their outcome (webhooks
//! or, for manual payments, an admin), refunds, and the revenue report.
//!
//! Provider calls never run inside a database transaction: the payment row is
//! written first, the provider is called with the row's id as idempotency
//! key, and the answer is recorded in a second transaction. A crash in between
//! leaves a pending row that a retry with the same key completes.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Datelike, Utc};
use medicaledu_domain::{Currency, Id, Money, NotificationKind, Timestamp};
use medicaledu_payments::{
    ChargeRequest, ChargeStatus, ProviderCharge, ProviderError, ProviderName, RefundRequest,
};
use medicaledu_store::audit::RequestMeta;
use medicaledu_store::bookings::{self, BookingRow, Transition};
use medicaledu_store::payments::{self, InsertPaymentError, NewPayment, PaymentFilter, PaymentRow};
use medicaledu_store::{Tx, courses, slots};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, Meta};
use crate::pagination::{Page, PageParams, page};
use crate::{ApiError, AppState, FieldError, Json};
use medicaledu_app::audit::{self, Change};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_payment, booking_payments))
        .routes(routes!(mark_payment))
        .routes(routes!(capture_payment))
        .routes(routes!(create_refund))
        .routes(routes!(list_payments))
        .routes(routes!(revenue_report))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Payment {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    #[schema(value_type = String, format = Uuid)]
    pub booking_id: Id,
    /// `stripe`, `paypal` or `manual`.
    pub provider: String,
    /// `charge` or `refund`.
    pub kind: String,
    /// `pending`, `requires_action`, `succeeded`, `failed` or `cancelled`.
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    /// e.g. `EUR 49.90`.
    pub display_amount: String,
    /// For charges: how much of it has been refunded.
    pub refunded_minor: i64,
    /// For refunds: the charge refunded.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub refund_of: Option<Id>,
    pub provider_payment_id: Option<String>,
    pub failure_reason: Option<String>,
    /// Stripe charges, on create only: confirm the payment with it in the browser.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// PayPal charges, on create only: where the payer approves the order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_url: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub processed_at: Option<Timestamp>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

pub(crate) fn display(amount_minor: i64, currency: &str) -> String {
    Currency::parse(currency)
        .ok()
        .and_then(|c| Money::new(amount_minor, c).ok())
        .map_or_else(|| format!("{currency} {amount_minor}"), |m| m.display())
}

impl From<PaymentRow> for Payment {
    fn from(row: PaymentRow) -> Self {
        Payment {
            display_amount: display(row.amount_minor, &row.currency),
            id: row.id,
            booking_id: row.booking_id,
            provider: row.provider,
            kind: row.kind,
            status: row.status,
            amount_minor: row.amount_minor,
            currency: row.currency,
            refunded_minor: row.refunded_minor,
            refund_of: row.refund_of,
            provider_payment_id: row.provider_payment_id,
            failure_reason: row.failure_reason,
            client_secret: None,
            approval_url: None,
            processed_at: row.processed_at,
            created_at: row.created_at,
        }
    }
}

fn provider_error(e: ProviderError) -> ApiError {
    match e {
        ProviderError::NotConfigured(name) => ApiError::validation(vec![FieldError::new(
            "provider",
            "provider_not_configured",
            format!("{name} payments are not configured on this server"),
        )]),
        ProviderError::Rejected { code, message } => ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            "payment_rejected",
            format!("{message} ({code})"),
        ),
        // Nothing reached the provider: an amount it cannot represent, say.
        ProviderError::InvalidRequest(reason) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_payment_request",
            format!("The provider cannot take this payment: {reason}"),
        ),
        other => ApiError::new(
            StatusCode::BAD_GATEWAY,
            other.code(),
            "The payment provider did not answer; try again.",
        )
        .with_source(other),
    }
}

pub(crate) async fn notify(
    tx: &mut Tx,
    user_id: Id,
    kind: NotificationKind,
    title: &str,
    body: String,
    payment: &PaymentRow,
    now: Timestamp,
) -> Result<(), ApiError> {
    let notice = medicaledu_app::notify::Notice {
        kind,
        title: title.to_owned(),
        body,
        data: json!({ "payment_id": payment.id, "booking_id": payment.booking_id, "amount_minor": payment.amount_minor, "currency": payment.currency }),
    };
    medicaledu_app::notify::send(tx, user_id, &notice, now)
        .await
        .map_err(ApiError::from)
}

async fn record(
    tx: &mut Tx,
    meta: &RequestMeta,
    actor: Option<Id>,
    action: &str,
    payment: &PaymentRow,
    changes: Value,
    now: Timestamp,
) -> Result<(), ApiError> {
    audit::record(
        tx,
        meta,
        now,
        Change {
            actor,
            action,
            entity_type: "payment",
            entity_id: payment.id,
            changes,
        },
    )
    .await
    .map_err(ApiError::from)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePaymentRequest {
    /// `stripe`, `paypal` or `manual`.
    pub provider: String,
}

/// Pay for a pending booking: creates a charge for the booking's total with
/// the chosen provider. With an `Idempotency-Key`, a retry returns the same charge.
#[utoipa::path(
    post,
    path = "/api/v1/bookings/{id}/payments",
    tag = "payments",
    params(("id" = String, Path, description = "Booking id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries return the same charge")),
    request_body = CreatePaymentRequest,
    responses(
        (status = 201, body = Payment),
        (status = 409, description = "The booking is not awaiting payment", body = crate::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown or unconfigured provider", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_payment(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<CreatePaymentRequest>,
) -> Result<(StatusCode, Json<Payment>), ApiError> {
    let provider: ProviderName = body.provider.parse().map_err(|_| {
        ApiError::validation(vec![FieldError::new(
            "provider",
            "invalid",
            "must be one of: stripe, paypal, manual",
        )])
    })?;
    if !state.providers.is_configured(provider) {
        return Err(provider_error(ProviderError::NotConfigured(provider)));
    }
    let booking_id: Id = id.parse().map_err(|_| ApiError::not_found("Booking"))?;
    let booking = bookings::find(&state.db, booking_id)
        .await?
        .filter(|b| b.student_id == auth.user.id)
        .ok_or_else(|| ApiError::not_found("Booking"))?;
    if booking.status != "pending" || booking.total_minor <= 0 {
        return Err(ApiError::conflict(
            "not_payable",
            "This booking is not awaiting payment.",
        ));
    }
    let client_key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty() && k.len() <= 200);
    let payment_id = Id::generate();
    let key = match client_key {
        Some(k) => format!("{}:{k}", auth.user.id),
        None => payment_id.to_string(),
    };
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    if let Some(existing) = payments::find_by_key(&mut tx, &key).await? {
        tx.commit().await?;
        return Ok((StatusCode::OK, Json(Payment::from(existing))));
    }
    if payments::for_booking_tx(&mut tx, booking.id)
        .await?
        .iter()
        .any(|p| p.kind == "charge" && p.status == "succeeded")
    {
        return Err(ApiError::conflict(
            "already_paid",
            "This booking is already paid.",
        ));
    }
    let row = payments::insert(
        &mut tx,
        &NewPayment {
            id: payment_id,
            booking_id: booking.id,
            provider: provider.as_str(),
            kind: "charge",
            refund_of: None,
            amount_minor: booking.total_minor,
            currency: &booking.currency,
            status: "pending",
            provider_payment_id: None,
            idempotency_key: &key,
        },
        now,
    )
    .await
    .map_err(|e| match e {
        InsertPaymentError::Duplicate => {
            ApiError::conflict("duplicate_payment", "This payment already exists.")
        }
        InsertPaymentError::Database(e) => ApiError::from(e),
    })?;
    record(&mut tx, &meta, Some(auth.user.id), "payment.created", &row, json!({ "provider": provider.as_str(), "amount_minor": row.amount_minor, "currency": row.currency }), now).await?;
    tx.commit().await?;

    let booking_ref = booking.id.to_string();
    let payment_ref = row.id.to_string();
    let charge = state
        .providers
        .create_charge(
            provider,
            ChargeRequest {
                booking_id: &booking_ref,
                payment_id: &payment_ref,
                amount_minor: row.amount_minor,
                currency: &row.currency,
                idempotency_key: &row.idempotency_key,
                description: "MedicalEdu session booking",
            },
        )
        .await;
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    let result = match charge {
        Ok(charge) => {
            let stored = payments::set_provider_details(
                &mut tx,
                row.id,
                charge.provider_payment_id.as_deref(),
                &charge.metadata,
                now,
            )
            .await?
            .ok_or_else(|| ApiError::internal("payment row vanished"))?;
            let stored = match charge.status {
                ChargeStatus::RequiresAction => payments::set_status(
                    &mut tx,
                    row.id,
                    &["pending"],
                    "requires_action",
                    None,
                    now,
                )
                .await?
                .unwrap_or(stored),
                _ => stored,
            };
            let mut view = Payment::from(stored);
            let ProviderCharge {
                client_secret,
                approval_url,
                ..
            } = charge;
            view.client_secret = client_secret;
            view.approval_url = approval_url;
            Ok(view)
        }
        Err(e) => {
            if !e.is_retryable() {
                settle_failure(&mut tx, &meta, &row, &e.to_string(), now).await?;
            }
            Err(provider_error(e))
        }
    };
    tx.commit().await?;
    result.map(|view| (StatusCode::CREATED, Json(view)))
}

/// Records a charge's success once, however often it is reported, and
/// confirms its booking. If the booking's hold ran out meanwhile, the seat is
/// taken again when one is free; otherwise the money goes back at once.
pub(crate) async fn settle_success(
    state: &AppState,
    meta: &RequestMeta,
    actor: Option<Id>,
    payment: &PaymentRow,
) -> Result<(), ApiError> {
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    let Some(paid) = payments::set_status(
        &mut tx,
        payment.id,
        &["pending", "requires_action", "failed"],
        "succeeded",
        None,
        now,
    )
    .await?
    else {
        return Ok(());
    };
    record(
        &mut tx,
        meta,
        actor,
        "payment.succeeded",
        &paid,
        json!({ "status": { "before": payment.status, "after": "succeeded" } }),
        now,
    )
    .await?;
    let booking = bookings::find_tx(&mut tx, paid.booking_id)
        .await?
        .ok_or_else(|| ApiError::internal("payment without booking"))?;
    notify(
        &mut tx,
        booking.student_id,
        NotificationKind::PaymentSucceeded,
        "Payment received",
        format!(
            "We received {}.",
            display(paid.amount_minor, &paid.currency)
        ),
        &paid,
        now,
    )
    .await?;
    let confirmed = confirm_paid_booking(&mut tx, meta, actor, &booking, now).await?;
    tx.commit().await?;
    if !confirmed {
        refund(
            state,
            meta,
            actor,
            &paid,
            paid.amount_minor,
            "the session's seat was no longer available",
            &format!("auto-{}", paid.id),
        )
        .await?;
    }
    Ok(())
}

/// Confirms a paid booking; false when it can no longer be honoured.
async fn confirm_paid_booking(
    tx: &mut Tx,
    meta: &RequestMeta,
    actor: Option<Id>,
    booking: &BookingRow,
    now: Timestamp,
) -> Result<bool, ApiError> {
    let slot = slots::find_tx(tx, booking.slot_id)
        .await?
        .ok_or_else(|| ApiError::internal("booking without slot"))?;
    let course = courses::find_live_tx(tx, slot.course_id).await?;
    let Some(course) = course else {
        return Ok(false);
    };
    let from: &[&str] = match booking.status.as_str() {
        "pending" => &["pending"],
        // A late payment: the hold expired, but a free seat makes it good.
        "expired" if slot.deleted_at.is_none() && slots::take_seat(tx, slot.id, now).await? => {
            &["expired"]
        }
        _ => return Ok(false),
    };
    let Some(confirmed) = bookings::transition(
        tx,
        booking.id,
        from,
        "confirmed",
        &Transition::default(),
        now,
    )
    .await?
    else {
        return Ok(false);
    };
    crate::bookings::confirmed(tx, meta, actor, &confirmed, &course, &slot, now).await?;
    Ok(true)
}

/// The `PayPal-Request-Id` of a charge's capture: one per charge, so the
/// capture endpoint and the approval webhook, racing or retried, make one
/// request in PayPal's eyes.
pub(crate) fn paypal_capture_key(charge: &PaymentRow) -> String {
    format!("{}:capture", charge.idempotency_key)
}

/// Keeps what PayPal answered to capturing a charge's order and settles the
/// charge by it; the capture endpoint and the approval webhook both end here,
/// so whichever comes second finds the charge settled and changes nothing.
pub(crate) async fn settle_paypal_capture(
    state: &AppState,
    meta: &RequestMeta,
    actor: Option<Id>,
    charge: &PaymentRow,
    captured: &ProviderCharge,
) -> Result<(), ApiError> {
    let amount = captured
        .metadata
        .get("amount_minor")
        .and_then(Value::as_i64);
    let currency = captured.metadata.get("currency").and_then(Value::as_str);
    if amount != Some(charge.amount_minor) || currency != Some(charge.currency.as_str()) {
        // The order was made for the charge's amount; anything else means the
        // order is not what this row thinks it is, and no seat is given for it.
        tracing::error!(
            payment = %charge.id,
            ?amount,
            ?currency,
            "PayPal captured an amount other than the charge's; not settled"
        );
        return Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "provider_invalid_response",
            "PayPal captured an amount other than this payment's.",
        ));
    }
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    payments::set_provider_details(&mut tx, charge.id, None, &captured.metadata, now).await?;
    tx.commit().await?;
    match captured.status {
        ChargeStatus::Succeeded => settle_success(state, meta, actor, charge).await,
        ChargeStatus::Failed => {
            settle_failure_now(state, meta, charge, "PayPal declined the capture").await
        }
        // A capture PayPal holds for review: its PAYMENT.CAPTURE webhook settles it.
        ChargeStatus::Pending | ChargeStatus::RequiresAction => Ok(()),
    }
}

/// Records a charge's failure, unless it already succeeded.
async fn settle_failure(
    tx: &mut Tx,
    meta: &RequestMeta,
    payment: &PaymentRow,
    reason: &str,
    now: Timestamp,
) -> Result<(), ApiError> {
    let Some(failed) = payments::set_status(
        tx,
        payment.id,
        &["pending", "requires_action"],
        "failed",
        Some(reason),
        now,
    )
    .await?
    else {
        return Ok(());
    };
    record(
        tx,
        meta,
        None,
        "payment.failed",
        &failed,
        json!({ "reason": reason }),
        now,
    )
    .await?;
    if let Some(booking) = bookings::find_tx(tx, failed.booking_id).await? {
        notify(
            tx,
            booking.student_id,
            NotificationKind::PaymentFailed,
            "Payment failed",
            format!(
                "Your payment of {} failed: {reason}",
                display(failed.amount_minor, &failed.currency)
            ),
            &failed,
            now,
        )
        .await?;
    }
    Ok(())
}

pub(crate) async fn settle_failure_now(
    state: &AppState,
    meta: &RequestMeta,
    payment: &PaymentRow,
    reason: &str,
) -> Result<(), ApiError> {
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    settle_failure(&mut tx, meta, payment, reason, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Refunds `amount` of a succeeded charge: reserves it on the charge (never
/// past the charged amount, also under concurrency), records the refund row,
/// asks the provider, and records its answer. Idempotent per `key`.
pub(crate) async fn refund(
    state: &AppState,
    meta: &RequestMeta,
    actor: Option<Id>,
    charge: &PaymentRow,
    amount: i64,
    reason: &str,
    key: &str,
) -> Result<PaymentRow, ApiError> {
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    if let Some(existing) = payments::find_by_key(&mut tx, key).await? {
        tx.commit().await?;
        return Ok(existing);
    }
    if !payments::reserve_refund(&mut tx, charge.id, amount, now).await? {
        return Err(ApiError::conflict(
            "refund_exceeds_charge",
            "That would refund more than was charged.",
        ));
    }
    let row = payments::insert(
        &mut tx,
        &NewPayment {
            id: Id::generate(),
            booking_id: charge.booking_id,
            provider: &charge.provider,
            kind: "refund",
            refund_of: Some(charge.id),
            amount_minor: amount,
            currency: &charge.currency,
            status: "pending",
            provider_payment_id: None,
            idempotency_key: key,
        },
        now,
    )
    .await
    .map_err(|e| match e {
        InsertPaymentError::Duplicate => {
            ApiError::conflict("duplicate_refund", "This refund already exists.")
        }
        InsertPaymentError::Database(e) => ApiError::from(e),
    })?;
    record(
        &mut tx,
        meta,
        actor,
        "payment.refund_requested",
        &row,
        json!({ "refund_of": charge.id, "amount_minor": amount, "reason": reason }),
        now,
    )
    .await?;
    tx.commit().await?;

    let provider: ProviderName = charge
        .provider
        .parse()
        .map_err(|_| ApiError::internal("unknown provider"))?;
    let target = charge
        .provider_metadata
        .0
        .get("paypal_capture_id")
        .and_then(Value::as_str)
        .or(charge.provider_payment_id.as_deref())
        .unwrap_or_default()
        .to_owned();
    let answer = state
        .providers
        .refund(
            provider,
            RefundRequest {
                provider_payment_id: &target,
                amount_minor: amount,
                currency: &charge.currency,
                idempotency_key: key,
                reason,
            },
        )
        .await;
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    let settled = match answer {
        Ok(done) => {
            payments::set_provider_details(
                &mut tx,
                row.id,
                done.provider_refund_id.as_deref(),
                &done.metadata,
                now,
            )
            .await?;
            match done.status {
                ChargeStatus::Succeeded => {
                    payments::set_status(&mut tx, row.id, &["pending"], "succeeded", None, now)
                        .await?
                }
                ChargeStatus::Failed => {
                    payments::unreserve_refund(&mut tx, charge.id, amount, now).await?;
                    payments::set_status(
                        &mut tx,
                        row.id,
                        &["pending"],
                        "failed",
                        Some("refused by the provider"),
                        now,
                    )
                    .await?
                }
                ChargeStatus::Pending | ChargeStatus::RequiresAction => None,
            }
        }
        Err(e) if !e.is_retryable() => {
            payments::unreserve_refund(&mut tx, charge.id, amount, now).await?;
            payments::set_status(
                &mut tx,
                row.id,
                &["pending"],
                "failed",
                Some(&e.to_string()),
                now,
            )
            .await?
        }
        Err(e) => {
            tracing::warn!(code = e.code(), refund = %row.id, "refund outcome unknown; it stays pending");
            None
        }
    };
    let final_row = settled.unwrap_or(row);
    if final_row.status == "succeeded" {
        record(
            &mut tx,
            meta,
            actor,
            "payment.refunded",
            &final_row,
            json!({ "refund_of": charge.id, "amount_minor": amount }),
            now,
        )
        .await?;
        if let Some(booking) = bookings::find_tx(&mut tx, charge.booking_id).await? {
            notify(
                &mut tx,
                booking.student_id,
                NotificationKind::PaymentRefunded,
                "Refund issued",
                format!(
                    "{} was refunded: {reason}.",
                    display(amount, &charge.currency)
                ),
                &final_row,
                now,
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(final_row)
}

/// Refunds what remains of the booking's succeeded charges; used when a
/// booking is cancelled inside the refund window or its slot is cancelled.
/// The payments of a booking and of the bookings it was rescheduled from: a
/// reschedule carries the payment over to the new booking.
async fn paid_for(state: &AppState, booking_id: Id) -> Result<Vec<PaymentRow>, ApiError> {
    let mut all = Vec::new();
    let mut next = Some(booking_id);
    while let Some(id) = next {
        all.extend(payments::for_booking(&state.db, id).await?);
        next = bookings::find(&state.db, id)
            .await?
            .and_then(|b| b.rescheduled_from);
    }
    Ok(all)
}

pub(crate) async fn refund_booking(
    state: &AppState,
    meta: &RequestMeta,
    actor: Option<Id>,
    booking_id: Id,
    reason: &str,
) -> Result<(), ApiError> {
    for charge in paid_for(state, booking_id).await? {
        let remaining = charge.amount_minor - charge.refunded_minor;
        if charge.kind == "charge" && charge.status == "succeeded" && remaining > 0 {
            refund(
                state,
                meta,
                actor,
                &charge,
                remaining,
                reason,
                &format!("cancel-{}", charge.id),
            )
            .await?;
        }
    }
    Ok(())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentList {
    pub items: Vec<Payment>,
    pub next_cursor: Option<String>,
}

/// A booking's charges and refunds, for its student, the session's instructor and admins.
#[utoipa::path(
    get,
    path = "/api/v1/bookings/{id}/payments",
    tag = "payments",
    params(("id" = String, Path, description = "Booking id")),
    responses((status = 200, body = PaymentList), (status = 404, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn booking_payments(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<PaymentList>, ApiError> {
    let booking_id: Id = id.parse().map_err(|_| ApiError::not_found("Booking"))?;
    let booking = bookings::find(&state.db, booking_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Booking"))?;
    if !(auth.is_admin() || booking.student_id == auth.user.id) {
        let slot = slots::find_any(&state.db, booking.slot_id).await?;
        let course = match slot {
            Some(s) => courses::find_by_id_any(&state.db, s.course_id).await?,
            None => None,
        };
        if course.is_none_or(|c| c.instructor_id != auth.user.id) {
            return Err(ApiError::not_found("Booking"));
        }
    }
    let items = payments::for_booking(&state.db, booking.id)
        .await?
        .into_iter()
        .map(Payment::from)
        .collect();
    Ok(Json(PaymentList {
        items,
        next_cursor: None,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRequest {
    /// `succeeded` or `failed`.
    pub status: String,
    pub failure_reason: Option<String>,
}

/// Settle a manual payment (bank transfer, cash): admins only.
#[utoipa::path(
    post,
    path = "/api/v1/admin/payments/{id}/mark",
    tag = "payments",
    params(("id" = String, Path, description = "Payment id")),
    request_body = MarkRequest,
    responses((status = 200, body = Payment), (status = 409, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn mark_payment(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Path(id): Path<String>,
    Json(body): Json<MarkRequest>,
) -> Result<Json<Payment>, ApiError> {
    auth.require_admin()?;
    let id: Id = id.parse().map_err(|_| ApiError::not_found("Payment"))?;
    let payment = payments::find(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Payment"))?;
    if payment.provider != "manual" || payment.kind != "charge" {
        return Err(ApiError::conflict(
            "not_manual",
            "Only manual charges are settled by hand.",
        ));
    }
    match body.status.as_str() {
        "succeeded" => settle_success(&state, &meta, Some(auth.user.id), &payment).await?,
        "failed" => {
            let reason = body
                .failure_reason
                .as_deref()
                .unwrap_or("marked failed by an administrator");
            settle_failure_now(&state, &meta, &payment, reason).await?;
        }
        _ => {
            return Err(ApiError::validation(vec![FieldError::new(
                "status",
                "invalid",
                "must be succeeded or failed",
            )]));
        }
    }
    let after = payments::find(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Payment"))?;
    Ok(Json(Payment::from(after)))
}

/// Capture a PayPal charge once the payer has approved its order: what the
/// PayPal buttons' `onApprove`, or the page behind the return URL, calls.
/// Settles the charge as PayPal's approval webhook does, whichever comes
/// first, and confirms the booking once. A charge already paid is returned
/// unchanged. For the charge's student and admins.
#[utoipa::path(
    post,
    path = "/api/v1/payments/{id}/capture",
    tag = "payments",
    params(("id" = String, Path, description = "Payment id (a PayPal charge)")),
    responses(
        (status = 200, description = "The charge after capture: `succeeded`; `failed` if PayPal declined the capture; still `requires_action` or `pending` while PayPal holds the capture for review", body = Payment),
        (status = 402, description = "PayPal refused the payer's funding source (`payment_rejected`): the payer may approve again with another", body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`payment_not_approved`: the payer has not approved the order yet, nothing changed; `not_capturable`: not a PayPal charge awaiting capture", body = crate::Problem, content_type = "application/problem+json"),
        (status = 502, description = "PayPal did not answer: try again, the capture is idempotent", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn capture_payment(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Path(id): Path<String>,
) -> Result<Json<Payment>, ApiError> {
    let id: Id = id.parse().map_err(|_| ApiError::not_found("Payment"))?;
    let charge = payments::find(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Payment"))?;
    if !auth.is_admin() {
        let booking = bookings::find(&state.db, charge.booking_id).await?;
        if booking.is_none_or(|b| b.student_id != auth.user.id) {
            return Err(ApiError::not_found("Payment"));
        }
    }
    if charge.kind != "charge" || charge.provider != ProviderName::Paypal.as_str() {
        return Err(ApiError::conflict(
            "not_capturable",
            "Only PayPal charges are captured.",
        ));
    }
    if charge.status == "succeeded" {
        return Ok(Json(Payment::from(charge)));
    }
    if !matches!(charge.status.as_str(), "pending" | "requires_action") {
        return Err(ApiError::conflict(
            "not_capturable",
            format!("This payment is {}; pay with a new one.", charge.status),
        ));
    }
    let Some(order_id) = charge.provider_payment_id.as_deref() else {
        return Err(ApiError::conflict(
            "not_capturable",
            "PayPal has no order for this payment.",
        ));
    };
    let paypal = state.providers.paypal().map_err(provider_error)?;
    let captured = paypal
        .capture(order_id, &paypal_capture_key(&charge))
        .await
        .map_err(|e| match e {
            ProviderError::Rejected { code, .. } if code == "ORDER_NOT_APPROVED" => {
                ApiError::conflict(
                    "payment_not_approved",
                    "The payer has not approved this PayPal order yet.",
                )
            }
            other => provider_error(other),
        })?;
    settle_paypal_capture(&state, &meta, Some(auth.user.id), &charge, &captured).await?;
    let after = payments::find(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Payment"))?;
    Ok(Json(Payment::from(after)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequestBody {
    /// Default: all that is left of the charge.
    pub amount_minor: Option<i64>,
    pub reason: String,
}

/// Refund (part of) a charge: admins only. Refunds never add up to more than
/// the charge. With an `Idempotency-Key`, a retry returns the same refund.
#[utoipa::path(
    post,
    path = "/api/v1/payments/{id}/refunds",
    tag = "payments",
    params(("id" = String, Path, description = "Charge id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries return the same refund")),
    request_body = RefundRequestBody,
    responses((status = 201, body = Payment), (status = 409, description = "More than is left to refund", body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn create_refund(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<RefundRequestBody>,
) -> Result<(StatusCode, Json<Payment>), ApiError> {
    auth.require_admin()?;
    let id: Id = id.parse().map_err(|_| ApiError::not_found("Payment"))?;
    let charge = payments::find(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Payment"))?;
    if charge.kind != "charge" || charge.status != "succeeded" {
        return Err(ApiError::conflict(
            "not_refundable",
            "Only succeeded charges are refunded.",
        ));
    }
    let mut errors = Vec::new();
    if body.amount_minor.is_some_and(|amount| amount <= 0) {
        errors.push(FieldError::new(
            "amount_minor",
            "out_of_range",
            "must be positive",
        ));
    }
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        errors.push(FieldError::new("reason", "invalid", "1 to 500 characters"));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let amount = body
        .amount_minor
        .unwrap_or(charge.amount_minor - charge.refunded_minor);
    // "The rest" of a charge refunded in full is nothing: the request is
    // fine, the charge is not, as when an amount exceeds what is left.
    if amount <= 0 {
        return Err(ApiError::conflict(
            "refund_exceeds_charge",
            "Nothing is left to refund on this charge.",
        ));
    }
    let key = match headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty() && k.len() <= 200)
    {
        Some(k) => format!("refund:{}:{k}", charge.id),
        None => format!("refund:{}", Id::generate()),
    };
    let row = refund(
        &state,
        &meta,
        Some(auth.user.id),
        &charge,
        amount,
        reason,
        &key,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Payment::from(row))))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct PaymentListParams {
    pub status: Option<String>,
    pub provider: Option<String>,
    /// `charge` or `refund`.
    pub kind: Option<String>,
    pub booking_id: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// All payments, newest first: admins only.
#[utoipa::path(get, path = "/api/v1/admin/payments", tag = "payments", params(PaymentListParams), responses((status = 200, body = Page<Payment>)))]
pub async fn list_payments(
    State(state): State<AppState>,
    auth: Authenticated,
    Query(params): Query<PaymentListParams>,
) -> Result<Json<Page<Payment>>, ApiError> {
    auth.require_admin()?;
    let booking_id = match &params.booking_id {
        Some(b) => Some(b.parse::<Id>().map_err(|_| {
            ApiError::validation(vec![FieldError::new(
                "booking_id",
                "invalid",
                "must be a UUID",
            )])
        })?),
        None => None,
    };
    let paging = PageParams {
        cursor: params.cursor,
        limit: params.limit,
    };
    let limit = paging.limit()?;
    let filter = PaymentFilter {
        status: params.status,
        provider: params.provider,
        kind: params.kind,
        booking_id,
        before: paging.after()?,
        limit: limit + 1,
    };
    let rows = payments::list(&state.db, &filter).await?;
    Ok(Json(page(
        rows,
        limit,
        |r| (r.created_at, r.id),
        Payment::from,
    )))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct RevenueParams {
    /// RFC 3339, inclusive.
    pub from: String,
    /// RFC 3339, exclusive.
    pub to: String,
    /// `day`, `month`, `course` or `instructor`.
    pub group_by: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevenueLine {
    /// The day (`2026-03-01`), month (`2026-03`), course id or instructor id.
    pub group: String,
    pub currency: String,
    pub gross_minor: i64,
    pub refunded_minor: i64,
    pub net_minor: i64,
    pub display_net: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevenueReport {
    pub group_by: String,
    /// One line per group and currency: amounts are never summed across currencies.
    pub items: Vec<RevenueLine>,
}

/// Gross, refunded and net revenue per group and currency: admins only.
#[utoipa::path(get, path = "/api/v1/admin/reports/revenue", tag = "payments", params(RevenueParams), responses((status = 200, body = RevenueReport), (status = 422, body = crate::Problem, content_type = "application/problem+json")))]
pub async fn revenue_report(
    State(state): State<AppState>,
    auth: Authenticated,
    Query(params): Query<RevenueParams>,
) -> Result<Json<RevenueReport>, ApiError> {
    auth.require_admin()?;
    let mut errors = Vec::new();
    let mut instant = |name: &str, value: &str| match DateTime::parse_from_rfc3339(value) {
        Ok(at) => Some(Timestamp::from(at.with_timezone(&Utc))),
        Err(_) => {
            errors.push(FieldError::new(
                name,
                "invalid",
                "must be an RFC 3339 timestamp",
            ));
            None
        }
    };
    let from = instant("from", &params.from);
    let to = instant("to", &params.to);
    let group_by = params.group_by.unwrap_or_else(|| "month".to_owned());
    if !["day", "month", "course", "instructor"].contains(&group_by.as_str()) {
        errors.push(FieldError::new(
            "group_by",
            "invalid",
            "must be one of: day, month, course, instructor",
        ));
    }
    let (Some(from), Some(to)) = (from, to) else {
        return Err(ApiError::validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut lines: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    for row in payments::revenue_rows(&state.db, from, to).await? {
        let at = row.processed_at.as_datetime();
        let group = match group_by.as_str() {
            "day" => at.format("%Y-%m-%d").to_string(),
            "month" => format!("{:04}-{:02}", at.year(), at.month()),
            "course" => row.course_id.to_string(),
            _ => row.instructor_id.to_string(),
        };
        let entry = lines.entry((group, row.currency)).or_default();
        if row.kind == "charge" {
            entry.0 += row.amount_minor;
        } else {
            entry.1 += row.amount_minor;
        }
    }
    let items = lines
        .into_iter()
        .map(|((group, currency), (gross, refunded))| RevenueLine {
            display_net: display(gross - refunded, &currency),
            group,
            gross_minor: gross,
            refunded_minor: refunded,
            net_minor: gross - refunded,
            currency,
        })
        .collect();
    Ok(Json(RevenueReport { group_by, items }))
}
