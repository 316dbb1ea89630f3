//! Provider webhooks. Every event is verified here, with the provider's
//! client, before anything is read from it; `medicaledu_app::payments`
//! handles it through the same conditional updates as the API, so a replayed
//! or out-of-order event can never confirm or count twice.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use bytes::Bytes;
use medicaledu_app::payments::{self as webhooks, SettleError, WebhookError};
use medicaledu_app::{ErrorCode, Internal};
use medicaledu_payments::{PaypalWebhookHeaders, parse_paypal_event};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::problem::Answers;
use crate::problem::problems;
use crate::{ApiError, AppState, Json};

problems!(WebhookError);

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(stripe_webhook))
        .routes(routes!(paypal_webhook))
}

crate::problem::problem_codes! {
    // Providers are answered in the statuses that steer their retries: a
    // refused delivery is 400, a capture PayPal did not take 502, whatever
    // its code. A `WebhookError` is either such a capture (PayPal only), a
    // settlement's failure or an internal one.
    stripe_webhook => Answers::route()
        .code_as(ErrorCode::ProviderNotConfigured, StatusCode::BAD_REQUEST)
        .code_as(ErrorCode::InvalidSignature, StatusCode::BAD_REQUEST)
        .failure::<SettleError>()
        .failure::<Internal>(),
    paypal_webhook => Answers::route()
        .code_as(ErrorCode::ProviderNotConfigured, StatusCode::BAD_REQUEST)
        .code_as(ErrorCode::InvalidSignature, StatusCode::BAD_REQUEST)
        .code_as(ErrorCode::UnreadableEvent, StatusCode::BAD_REQUEST)
        .code_as(ErrorCode::ProviderUnavailable, StatusCode::SERVICE_UNAVAILABLE)
        .code_as(ErrorCode::ProviderNotConfigured, StatusCode::BAD_GATEWAY)
        .code_as(ErrorCode::ProviderRejected, StatusCode::BAD_GATEWAY)
        .code_as(ErrorCode::InvalidPaymentRequest, StatusCode::BAD_GATEWAY)
        .code_as(ErrorCode::ProviderInvalidResponse, StatusCode::BAD_GATEWAY)
        .code_as(ErrorCode::ProviderUnavailable, StatusCode::BAD_GATEWAY)
        .failure::<SettleError>()
        .failure::<Internal>(),
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Received {
    pub received: bool,
}

fn rejected(code: &'static str, detail: &str) -> ApiError {
    tracing::warn!(code, detail, "webhook rejected");
    ApiError::bad_request(code, detail.to_owned())
}

/// Stripe events.
///
/// `payment_intent.succeeded`, `payment_intent.payment_failed` and
/// `charge.refunded`. The `Stripe-Signature` header must verify.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks/stripe",
    tag = "payments",
    request_body(content = String, description = "The event as Stripe sent it", content_type = "application/json"),
    responses((status = 200, body = Received), (status = 400, description = "Unsigned, stale or unreadable", body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Received>), ApiError> {
    let stripe = state
        .providers
        .stripe()
        .map_err(|_| rejected("provider_not_configured", "Stripe is not configured"))?;
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| rejected("invalid_signature", "missing Stripe-Signature header"))?;
    let event = stripe
        .verify_webhook(&body, signature, state.now().as_datetime().timestamp())
        .map_err(|e| rejected("invalid_signature", &e.to_string()))?;
    webhooks::stripe_event(&state, &event).await?;
    Ok((StatusCode::OK, Json(Received { received: true })))
}

/// PayPal events.
///
/// An approved order is captured; a completed, denied or refunded capture
/// settles the charge. PayPal must vouch for the delivery.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks/paypal",
    tag = "payments",
    request_body(content = String, description = "The event as PayPal sent it", content_type = "application/json"),
    responses((status = 200, body = Received), (status = 400, description = "Not verified by PayPal, or unreadable", body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn paypal_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Received>), ApiError> {
    let paypal = state
        .providers
        .paypal()
        .map_err(|_| rejected("provider_not_configured", "PayPal is not configured"))?;
    let transmission = PaypalWebhookHeaders::from_headers(&headers)
        .ok_or_else(|| rejected("invalid_signature", "missing PayPal transmission headers"))?;
    let genuine = paypal
        .verify_paypal_webhook(&transmission, &body)
        .await
        .map_err(|e| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "provider_unavailable",
                "Could not verify the event with PayPal.",
            )
            .with_source(e)
        })?;
    if !genuine {
        return Err(rejected(
            "invalid_signature",
            "PayPal did not verify this delivery",
        ));
    }
    let event =
        parse_paypal_event(&body).map_err(|e| rejected("unreadable_event", &e.to_string()))?;
    webhooks::paypal_event(&state, &event)
        .await
        .map_err(|e| match e {
            // The provider retries a delivery answered with an error; a
            // capture PayPal did not take is the gateway's failure.
            WebhookError::Capture(_) => ApiError::from(e).with_status(StatusCode::BAD_GATEWAY),
            other => ApiError::from(other),
        })?;
    Ok((StatusCode::OK, Json(Received { received: true })))
}
