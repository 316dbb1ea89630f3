//! Payments over HTTP: charges for bookings through a provider, their outcome
//! (webhooks or, for manual payments, an admin), refunds, and the revenue
//! report. The rules live in `medicaledu_app::payments`.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use medicaledu_app::payments::{
    self, CaptureError, ChargeError, MarkError, MarkInput, PaymentListInput, RefundError,
    RefundInput, RevenueInput, SettleError,
};
use medicaledu_domain::{Id, Timestamp};
use medicaledu_store::payments::PaymentRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, Meta};
use crate::pagination::Page;
use crate::problem::Answers;
use crate::problem::problems;
use crate::{ApiError, AppState, IdempotencyKey, Ids, Json};

problems!(
    ChargeError,
    CaptureError,
    MarkError,
    RefundError,
    SettleError
);

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_payment, booking_payments))
        .routes(routes!(mark_payment))
        .routes(routes!(capture_payment))
        .routes(routes!(create_refund))
        .routes(routes!(list_payments))
        .routes(routes!(revenue_report))
}

crate::problem::problem_codes! {
    create_payment => Answers::route()
        .signed_in_write()
        .idempotency_key()
        .path_ids()
        .json_body()
        .failure::<ChargeError>(),
    booking_payments => Answers::route().signed_in().path_ids().failure::<medicaledu_app::ReadError>(),
    mark_payment => Answers::route().signed_in_write().path_ids().json_body().failure::<MarkError>(),
    capture_payment => Answers::route().signed_in_write().path_ids().failure::<CaptureError>(),
    create_refund => Answers::route()
        .signed_in_write()
        .idempotency_key()
        .path_ids()
        .json_body()
        .failure::<RefundError>(),
    list_payments => Answers::route().signed_in().query().failure::<medicaledu_app::ReadError>(),
    revenue_report => Answers::route().signed_in().query().failure::<medicaledu_app::ReadError>(),
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

impl From<PaymentRow> for Payment {
    fn from(row: PaymentRow) -> Self {
        Payment {
            display_amount: payments::display(row.amount_minor, &row.currency),
            id: row.id,
            booking_id: row.booking_id,
            provider: row.provider.as_str().to_owned(),
            kind: row.kind.as_str().to_owned(),
            status: row.status.as_str().to_owned(),
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePaymentRequest {
    /// `stripe`, `paypal` or `manual`.
    pub provider: String,
}

/// Pay for a pending booking.
///
/// Creates a charge for the booking's total with the chosen provider. With an
/// `Idempotency-Key`, a retry returns the same charge.
#[utoipa::path(
    post,
    path = "/api/v1/bookings/{id}/payments",
    tag = "payments",
    params(("id" = String, Path, description = "Booking id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries return the same charge", min_length = 1, max_length = 200, pattern = "^[\t\x20-\x7e]*$")),
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
    IdempotencyKey(key): IdempotencyKey,
    Ids(booking_id): Ids<Id>,
    Json(body): Json<CreatePaymentRequest>,
) -> Result<(StatusCode, Json<Payment>), ApiError> {
    let charge = payments::create_charge(
        &state,
        &auth,
        &meta,
        booking_id,
        &body.provider,
        key.as_deref(),
    )
    .await?;
    let status = if charge.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut view = Payment::from(charge.payment);
    view.client_secret = charge.client_secret;
    view.approval_url = charge.approval_url;
    Ok((status, Json(view)))
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
    Ids(booking_id): Ids<Id>,
) -> Result<Json<PaymentList>, ApiError> {
    let items = payments::booking_payments(&state, &auth, booking_id)
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
    Ids(id): Ids<Id>,
    Json(body): Json<MarkRequest>,
) -> Result<Json<Payment>, ApiError> {
    let input = MarkInput {
        status: body.status,
        failure_reason: body.failure_reason,
    };
    let row = payments::mark(&state, &auth, &meta, id, input).await?;
    Ok(Json(Payment::from(row)))
}

/// Capture a PayPal charge once the payer has approved its order.
///
/// What the PayPal buttons' `onApprove`, or the page behind the return URL,
/// calls. Settles the charge as PayPal's approval webhook does, whichever comes
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
    Ids(id): Ids<Id>,
) -> Result<Json<Payment>, ApiError> {
    let row = payments::capture(&state, &auth, &meta, id).await?;
    Ok(Json(Payment::from(row)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequestBody {
    /// Default: all that is left of the charge.
    pub amount_minor: Option<i64>,
    pub reason: String,
}

/// Refund (part of) a charge.
///
/// Admins only. Refunds never add up to more than the charge. With an
/// `Idempotency-Key`, a retry returns the same refund.
#[utoipa::path(
    post,
    path = "/api/v1/payments/{id}/refunds",
    tag = "payments",
    params(("id" = String, Path, description = "Charge id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries return the same refund", min_length = 1, max_length = 200, pattern = "^[\t\x20-\x7e]*$")),
    request_body = RefundRequestBody,
    responses((status = 201, body = Payment), (status = 409, description = "More than is left to refund", body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn create_refund(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    IdempotencyKey(key): IdempotencyKey,
    Ids(id): Ids<Id>,
    Json(body): Json<RefundRequestBody>,
) -> Result<(StatusCode, Json<Payment>), ApiError> {
    let input = RefundInput {
        amount_minor: body.amount_minor,
        reason: body.reason,
        idempotency_key: key,
    };
    let row = payments::create_refund(&state, &auth, &meta, id, input).await?;
    Ok((StatusCode::CREATED, Json(Payment::from(row))))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PaymentListParams {
    pub status: Option<String>,
    pub provider: Option<String>,
    /// `charge` or `refund`.
    pub kind: Option<String>,
    #[param(value_type = Option<crate::constraints::UuidText>, inline)]
    pub booking_id: Option<String>,
    /// The `next_cursor` of the previous page.
    #[param(value_type = Option<crate::constraints::PageCursorText>, inline)]
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<crate::constraints::PageLimit>, inline)]
    pub limit: Option<i64>,
}

/// All payments, newest first: admins only.
#[utoipa::path(get, path = "/api/v1/admin/payments", tag = "payments", params(PaymentListParams), responses((status = 200, body = Page<Payment>)))]
pub async fn list_payments(
    State(state): State<AppState>,
    auth: Authenticated,
    Query(params): Query<PaymentListParams>,
) -> Result<Json<Page<Payment>>, ApiError> {
    let input = PaymentListInput {
        status: params.status,
        provider: params.provider,
        kind: params.kind,
        booking_id: params.booking_id,
        cursor: params.cursor,
        limit: params.limit,
        ..PaymentListInput::default()
    };
    let rows = payments::list(&state, &auth, input).await?;
    Ok(Json(Page::of(rows, Payment::from)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevenueParams {
    /// RFC 3339, inclusive.
    #[param(value_type = crate::constraints::InstantText, inline)]
    pub from: String,
    /// RFC 3339, exclusive.
    #[param(value_type = crate::constraints::InstantText, inline)]
    pub to: String,
    /// `day`, `month`, `course` or `instructor`.
    #[param(value_type = Option<crate::constraints::RevenueGroupText>, inline)]
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
    let input = RevenueInput {
        from: params.from,
        to: params.to,
        group_by: params.group_by,
    };
    let report = payments::revenue_report(&state, &auth, input).await?;
    Ok(Json(RevenueReport {
        group_by: report.group_by.to_string(),
        items: report
            .items
            .into_iter()
            .map(|line| RevenueLine {
                group: line.group,
                currency: line.currency,
                gross_minor: line.gross_minor,
                refunded_minor: line.refunded_minor,
                net_minor: line.net_minor,
                display_net: line.display_net,
            })
            .collect(),
    }))
}
