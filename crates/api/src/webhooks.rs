//! Provider webhooks. Every event is verified before anything is read from
//! it, and handled through the same conditional updates as the API, so a
//! replayed or out-of-order event can never confirm or count twice.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use bytes::Bytes;
use chrono::Utc;
use medicaledu_domain::{Id, NotificationKind, Timestamp};
use medicaledu_payments::{PaypalResource, PaypalWebhookHeaders, StripeObject, parse_paypal_event};
use medicaledu_store::audit::RequestMeta;
use medicaledu_store::bookings;
use medicaledu_store::payments::{self, InsertPaymentError, NewPayment, PaymentRow};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::payments::{
    paypal_capture_key, settle_failure_now, settle_paypal_capture, settle_success,
};
use crate::{ApiError, AppState, Json};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(stripe_webhook))
        .routes(routes!(paypal_webhook))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Received {
    pub received: bool,
}

fn rejected(code: &'static str, detail: &str) -> ApiError {
    tracing::warn!(code, detail, "webhook rejected");
    ApiError::bad_request(code, detail.to_owned())
}

fn meta(provider: &str, event_id: &str) -> RequestMeta {
    RequestMeta {
        user_agent: Some(format!("{provider} webhook")),
        request_id: Some(event_id.to_owned()),
        ..RequestMeta::default()
    }
}

/// The charge a provider event is about, if it is ours and its amount agrees.
async fn our_charge(
    state: &AppState,
    provider: &str,
    provider_id: &str,
    amount_minor: Option<(i64, &str)>,
) -> Result<Option<PaymentRow>, ApiError> {
    let Some(charge) = payments::find_by_provider_id(&state.db, provider, provider_id).await?
    else {
        tracing::info!(
            provider,
            provider_id,
            "webhook about a payment this server does not know; ignored"
        );
        return Ok(None);
    };
    if let Some((amount, currency)) = amount_minor
        && (amount != charge.amount_minor || currency != charge.currency)
    {
        tracing::error!(
            provider,
            provider_id,
            amount,
            currency,
            "webhook amount differs from the charge; not settled"
        );
        return Ok(None);
    }
    Ok(Some(charge))
}

/// How much a provider event says was refunded.
#[derive(Clone, Copy, Debug)]
enum Refunded {
    /// The charge's running total (Stripe's `amount_refunded`).
    Total(i64),
    /// One refund not recorded under its id (a PayPal refund event without
    /// the total).
    Amount(i64),
}

/// Records a refund made at the provider (its dashboard, a chargeback) that
/// this server did not ask for: the part of the refunded money not yet counted.
async fn external_refund(
    state: &AppState,
    meta: &RequestMeta,
    charge: &PaymentRow,
    refunded: Refunded,
    provider_refund_id: Option<&str>,
    event_id: &str,
) -> Result<(), ApiError> {
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    // What is still missing is read under the charge's lock: events about one
    // charge can arrive together, and each working from the same earlier
    // total would count the same money twice.
    let Some(charge) = payments::find_for_update(&mut tx, charge.id).await? else {
        return Ok(());
    };
    // A refund the app asked for and whose answer it has not stored yet is
    // already counted in `refunded_minor`, but its provider id is unknown
    // here: it may be the very refund this event announces.
    let in_flight = payments::for_booking_tx(&mut tx, charge.booking_id)
        .await?
        .iter()
        .any(|p| {
            p.refund_of == Some(charge.id)
                && p.status == "pending"
                && p.provider_payment_id.is_none()
        });
    let missing = match refunded {
        Refunded::Total(total) => total - charge.refunded_minor,
        Refunded::Amount(_) if in_flight => {
            tracing::warn!(
                payment = %charge.id,
                "refund event without a total while a refund awaits the provider's answer; not counted"
            );
            return Ok(());
        }
        Refunded::Amount(amount) => amount,
    };
    if missing <= 0 {
        return Ok(());
    }
    // Naming the in-flight refund's id here would take it from the refund's
    // own row, which stores it when the provider's answer arrives.
    let provider_refund_id = provider_refund_id.filter(|_| !in_flight);
    if !payments::reserve_refund(&mut tx, charge.id, missing, now).await? {
        tracing::error!(
            payment = %charge.id,
            missing,
            "provider reports more refunded than this charge has left; not recorded"
        );
        return Ok(());
    }
    let key = format!("{}-event:{event_id}", charge.provider);
    let inserted = payments::insert(
        &mut tx,
        &NewPayment {
            id: Id::generate(),
            booking_id: charge.booking_id,
            provider: &charge.provider,
            kind: "refund",
            refund_of: Some(charge.id),
            amount_minor: missing,
            currency: &charge.currency,
            status: "succeeded",
            provider_payment_id: provider_refund_id,
            idempotency_key: &key,
        },
        now,
    )
    .await;
    let row = match inserted {
        Ok(row) => row,
        // The same event again: already recorded.
        Err(InsertPaymentError::Duplicate) => return Ok(()),
        Err(InsertPaymentError::Database(e)) => return Err(e.into()),
    };
    medicaledu_app::audit::record(
        &mut tx,
        meta,
        now,
        medicaledu_app::audit::Change {
            actor: None,
            action: "payment.refunded",
            entity_type: "payment",
            entity_id: row.id,
            changes: json!({ "refund_of": charge.id, "amount_minor": missing, "source": "provider" }),
        },
    )
    .await?;
    if let Some(booking) = bookings::find_tx(&mut tx, charge.booking_id).await? {
        crate::payments::notify(
            &mut tx,
            booking.student_id,
            NotificationKind::PaymentRefunded,
            "Refund issued",
            format!(
                "{} was refunded.",
                crate::payments::display(missing, &charge.currency)
            ),
            &row,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Keeps the capture id on a PayPal charge that lacks it: refunds are made
/// against the capture. A charge lacks it when PayPal captured but its answer
/// to our capture call was lost, and this event is all that says so.
async fn remember_capture(
    state: &AppState,
    charge: &PaymentRow,
    capture_id: &str,
) -> Result<(), ApiError> {
    if charge
        .provider_metadata
        .0
        .get("paypal_capture_id")
        .is_some()
    {
        return Ok(());
    }
    let mut metadata = match &charge.provider_metadata.0 {
        serde_json::Value::Object(fields) => fields.clone(),
        _ => serde_json::Map::new(),
    };
    metadata.insert("paypal_capture_id".to_owned(), json!(capture_id));
    let mut tx = state.db.begin_write().await?;
    payments::set_provider_details(
        &mut tx,
        charge.id,
        None,
        &serde_json::Value::Object(metadata),
        Timestamp::now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Stripe events: `payment_intent.succeeded`, `payment_intent.payment_failed`
/// and `charge.refunded`. The `Stripe-Signature` header must verify.
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
        .verify_webhook(&body, signature, Utc::now().timestamp())
        .map_err(|e| rejected("invalid_signature", &e.to_string()))?;
    let meta = meta("stripe", &event.id);
    match &event.object {
        StripeObject::PaymentIntentSucceeded(intent) => {
            if let Some(charge) = our_charge(
                &state,
                "stripe",
                &intent.id,
                Some((intent.amount_minor, &intent.currency)),
            )
            .await?
            {
                settle_success(&state, &meta, None, &charge).await?;
            }
        }
        StripeObject::PaymentIntentFailed(intent) => {
            if let Some(charge) = our_charge(&state, "stripe", &intent.id, None).await? {
                let reason = intent
                    .failure_message
                    .as_deref()
                    .unwrap_or("the payment failed");
                settle_failure_now(&state, &meta, &charge, reason).await?;
            }
        }
        StripeObject::ChargeRefunded(stripe_charge) => {
            if let Some(intent) = &stripe_charge.payment_intent
                && let Some(charge) = our_charge(&state, "stripe", intent, None).await?
            {
                // The newest refund not recorded yet: the list also holds the
                // refunds this server made, whose ids it already stores.
                let mut refund_id = None;
                for id in &stripe_charge.refund_ids {
                    if payments::find_by_provider_id(&state.db, "stripe", id)
                        .await?
                        .is_none()
                    {
                        refund_id = Some(id.as_str());
                        break;
                    }
                }
                external_refund(
                    &state,
                    &meta,
                    &charge,
                    Refunded::Total(stripe_charge.amount_refunded_minor),
                    refund_id,
                    &event.id,
                )
                .await?;
            }
        }
        StripeObject::Other => tracing::debug!(kind = %event.kind, "stripe event ignored"),
    }
    Ok((StatusCode::OK, Json(Received { received: true })))
}

/// PayPal events: an approved order is captured; a completed, denied or
/// refunded capture settles the charge. PayPal must vouch for the delivery.
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
    let meta = meta("paypal", &event.id);
    match &event.resource {
        PaypalResource::Order {
            order_id, status, ..
        } if status == "APPROVED" => {
            if let Some(charge) = our_charge(&state, "paypal", order_id, None).await? {
                let captured = paypal
                    .capture(order_id, &paypal_capture_key(&charge))
                    .await
                    .map_err(|e| {
                        ApiError::new(
                            StatusCode::BAD_GATEWAY,
                            e.code(),
                            "Could not capture the order.",
                        )
                        .with_source(e)
                    })?;
                settle_paypal_capture(&state, &meta, None, &charge, &captured).await?;
            }
        }
        PaypalResource::Capture {
            capture_id,
            status,
            order_id: Some(order_id),
            amount_minor,
            currency,
            ..
        } => {
            if let Some(charge) =
                our_charge(&state, "paypal", order_id, Some((*amount_minor, currency))).await?
            {
                match status.as_str() {
                    "COMPLETED" => {
                        remember_capture(&state, &charge, capture_id).await?;
                        settle_success(&state, &meta, None, &charge).await?
                    }
                    "DENIED" | "DECLINED" | "FAILED" => {
                        settle_failure_now(&state, &meta, &charge, "PayPal declined the payment")
                            .await?
                    }
                    _ => {}
                }
            }
        }
        PaypalResource::Refund {
            refund_id,
            custom_id: Some(payment_id),
            amount_minor,
            currency,
            total_refunded_minor,
            ..
        } => {
            let known = payments::find_by_provider_id(&state.db, "paypal", refund_id)
                .await?
                .is_some();
            // The running total, as for Stripe: this event may be about a
            // refund the app asked for whose answer it has not stored yet,
            // and only the total says whether its money is already counted.
            // Events without it can only be counted by their own amount.
            let refunded = match total_refunded_minor {
                Some(total) => Some(Refunded::Total(*total)),
                None if known => None,
                None => Some(Refunded::Amount(*amount_minor)),
            };
            if let Some(refunded) = refunded
                && let Ok(id) = payment_id.parse::<Id>()
                && let Some(charge) = payments::find(&state.db, id).await?
                && charge.provider == "paypal"
            {
                if *currency == charge.currency {
                    external_refund(
                        &state,
                        &meta,
                        &charge,
                        refunded,
                        (!known).then_some(refund_id.as_str()),
                        &event.id,
                    )
                    .await?;
                } else {
                    tracing::error!(
                        payment = %charge.id,
                        currency,
                        "PayPal refund in another currency than the charge; not recorded"
                    );
                }
            }
        }
        _ => tracing::debug!(kind = %event.event_type, "paypal event ignored"),
    }
    Ok((StatusCode::OK, Json(Received { received: true })))
}
