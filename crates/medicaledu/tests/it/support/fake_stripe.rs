//! A local server playing Stripe's API, and Stripe's side of its webhooks.
//!
//! [`FakeStripe::start`] serves `POST /v1/payment_intents`,
//! `GET /v1/payment_intents/{id}` and `POST /v1/refunds` on an ephemeral port and records every request it gets
//! ([`FakeStripe::calls`]). Intents are numbered `pi_1`, `pi_2`, … and refunds
//! `re_n` from the same counter, so the first intent of a test is `pi_1` with
//! client secret `pi_1_secret_x`. [`app_with_stripe`] starts the fake and the
//! app configured to use it with [`WEBHOOK_SECRET`].
//!
//! Webhooks are signed here with the test's own HMAC ([`sign`]), independently
//! of the server's verifier; [`succeeded_event`] and [`charge_refunded_event`]
//! build events as Stripe sends them.

use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use chrono::Utc;
use hmac::{Hmac, Mac};
use medicaledu_store::Backend;
use serde_json::{Value, json};
use sha2::Sha256;

use super::{TestApp, spawn_app_with, test_settings};

/// The webhook signing secret the app is configured with.
pub const WEBHOOK_SECRET: &str = "whsec_test_secret";

/// One request the fake Stripe received.
#[derive(Clone, Debug)]
pub struct StripeCall {
    /// The request path, e.g. `/v1/refunds`.
    pub path: String,
    /// The `Idempotency-Key` header, empty when none was sent.
    pub idempotency_key: String,
    /// The form-encoded body as sent.
    pub body: String,
}

type Calls = Arc<Mutex<Vec<StripeCall>>>;

/// A running fake Stripe; clones share its record.
#[derive(Clone)]
pub struct FakeStripe {
    base: String,
    calls: Calls,
}

impl FakeStripe {
    /// Starts the fake on an ephemeral local port.
    pub async fn start() -> FakeStripe {
        let calls: Calls = Arc::default();
        let counter = Arc::new(Mutex::new(0_u32));
        let app = axum::Router::new()
            .route(
                "/v1/payment_intents",
                post(|State((calls, counter)): State<(Calls, Arc<Mutex<u32>>)>, headers: HeaderMap, body: String| async move {
                    record(&calls, "/v1/payment_intents", &headers, &body);
                    let n = next(&counter);
                    axum::Json(json!({
                        "id": format!("pi_{n}"), "object": "payment_intent", "client_secret": format!("pi_{n}_secret_x"),
                        "status": "requires_payment_method", "amount": field(&body, "amount").parse::<i64>().unwrap_or(0),
                        "currency": field(&body, "currency"),
                    }))
                }),
            )
            .route(
                "/v1/payment_intents/{id}",
                get(|State((calls, _)): State<(Calls, Arc<Mutex<u32>>)>, Path(id): Path<String>, headers: HeaderMap| async move {
                    record(&calls, &format!("/v1/payment_intents/{id}"), &headers, "");
                    axum::Json(json!({
                        "id": id, "object": "payment_intent", "client_secret": format!("{id}_secret_x"),
                        "status": "requires_payment_method",
                    }))
                }),
            )
            .route(
                "/v1/refunds",
                post(|State((calls, counter)): State<(Calls, Arc<Mutex<u32>>)>, headers: HeaderMap, body: String| async move {
                    record(&calls, "/v1/refunds", &headers, &body);
                    let n = next(&counter);
                    axum::Json(json!({
                        "id": format!("re_{n}"), "object": "refund", "status": "succeeded",
                        "amount": field(&body, "amount").parse::<i64>().unwrap_or(0), "currency": "usd",
                    }))
                }),
            )
            .with_state((Arc::clone(&calls), counter));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake Stripe to an ephemeral port");
        let base = format!(
            "http://{}",
            listener.local_addr().expect("the fake Stripe's address")
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        FakeStripe { base, calls }
    }

    /// The base URL to configure as Stripe's API base.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Every request received so far, oldest first.
    pub fn calls(&self) -> Vec<StripeCall> {
        self.calls
            .lock()
            .expect("the fake Stripe's record is not poisoned")
            .clone()
    }
}

fn record(calls: &Calls, path: &str, headers: &HeaderMap, body: &str) {
    let idempotency_key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    calls
        .lock()
        .expect("the fake Stripe's record is not poisoned")
        .push(StripeCall {
            path: path.to_owned(),
            idempotency_key,
            body: body.to_owned(),
        });
}

fn next(counter: &Mutex<u32>) -> u32 {
    let mut counter = counter
        .lock()
        .expect("the fake Stripe's counter is not poisoned");
    *counter += 1;
    *counter
}

/// A form field's raw (still encoded) value, empty when absent.
fn field(body: &str, name: &str) -> String {
    body.split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
        .unwrap_or_default()
        .to_owned()
}

/// The app on `backend` with Stripe configured to be a fresh [`FakeStripe`];
/// `None` when PostgreSQL tests are not configured.
pub async fn app_with_stripe(backend: Backend) -> Option<(TestApp, FakeStripe)> {
    let fake = FakeStripe::start().await;
    let mut settings = test_settings();
    let mut stripe = medicaledu_payments::StripeConfig::new("sk_test_123", WEBHOOK_SECRET);
    stripe.api_base = fake.base().to_owned();
    settings.stripe = Some(stripe);
    Some((spawn_app_with(backend, settings).await?, fake))
}

/// `t=…,v1=…` computed here, independently of the server's verifier.
pub fn sign(payload: &str, secret: &str, timestamp: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{timestamp}.{payload}").as_bytes());
    let digest: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={timestamp},v1={digest}")
}

/// Posts `payload` to the app's Stripe webhook with `signature` as the
/// `Stripe-Signature` header.
pub async fn webhook(app: &TestApp, payload: &str, signature: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/webhooks/stripe"))
        .header("stripe-signature", signature)
        .header("content-type", "application/json")
        .body(payload.to_owned())
        .send()
        .await
        .expect("request")
}

/// Delivers `event` signed with [`WEBHOOK_SECRET`] now; the response status.
pub async fn signed_webhook(app: &TestApp, event: &str) -> u16 {
    webhook(
        app,
        event,
        &sign(event, WEBHOOK_SECRET, Utc::now().timestamp()),
    )
    .await
    .status()
    .as_u16()
}

/// `payment_intent.succeeded` for `intent`, of `amount` US cents.
pub fn succeeded_event(id: &str, intent: &str, amount: i64) -> String {
    json!({
        "id": id, "object": "event", "type": "payment_intent.succeeded", "created": Utc::now().timestamp(), "livemode": false,
        "data": {"object": {"id": intent, "object": "payment_intent", "amount": amount, "amount_received": amount, "currency": "usd", "status": "succeeded", "metadata": {}}}
    })
    .to_string()
}

/// `charge.refunded` as Stripe sends it: `amount_refunded` is the charge's
/// running total. The refunds list is there only when `refund_ids` is not
/// empty (API versions since 2022-11-15 leave it out), newest first.
pub fn charge_refunded_event(
    id: &str,
    intent: &str,
    amount: i64,
    refunded: i64,
    refund_ids: &[&str],
) -> String {
    let mut charge = json!({
        "id": "ch_1", "object": "charge", "amount": amount, "amount_captured": amount,
        "amount_refunded": refunded, "currency": "usd", "captured": true, "paid": true,
        "refunded": refunded == amount, "payment_intent": intent, "status": "succeeded", "metadata": {},
    });
    if !refund_ids.is_empty() {
        let data: Vec<Value> = refund_ids
            .iter()
            .map(|id| json!({"id": id, "object": "refund", "charge": "ch_1", "payment_intent": intent, "status": "succeeded"}))
            .collect();
        charge["refunds"] = json!({"object": "list", "data": data, "has_more": false, "url": "/v1/charges/ch_1/refunds"});
    }
    json!({
        "id": id, "object": "event", "type": "charge.refunded", "created": Utc::now().timestamp(),
        "livemode": false, "api_version": "2024-06-20", "data": {"object": charge},
    })
    .to_string()
}
