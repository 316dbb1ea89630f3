//! A local server playing PayPal's REST API, and PayPal's side of its
//! webhooks.
//!
//! [`FakePaypal::start`] answers the OAuth token call (for
//! [`PAYPAL_BASIC_AUTH`] only, with [`PAYPAL_TOKEN`]), Orders v2 (create, get,
//! capture once approved), capture refunds and webhook signature
//! verification, and keeps the first answer per `PayPal-Request-Id` as PayPal
//! does. Tests drive the payer's and the dashboard's side with
//! [`FakePaypal::approve`] and [`FakePaypal::refund_outside`], inspect what the
//! app sent with [`FakePaypal::calls`], and stage failures with
//! [`FakePaypal::lose_next_capture_answer`] and [`FakePaypal::hold_next_refund`].
//!
//! Webhooks: [`paypal_event`] builds an event, [`paypal_webhook`] delivers it,
//! signed (the fake remembers the delivery, so its verification API answers
//! SUCCESS) or not. [`app_with_paypal`] starts the fake and the app using it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::{TestApp, spawn_app_with, test_settings};

pub const PAYPAL_CLIENT_ID: &str = "medicaledu-client";
pub const PAYPAL_CLIENT_SECRET: &str = "medicaledu-secret";
/// HTTP basic credentials of the two above, spelled out rather than encoded
/// with the code under test.
pub const PAYPAL_BASIC_AUTH: &str = "Basic bWVkaWNhbGVkdS1jbGllbnQ6bWVkaWNhbGVkdS1zZWNyZXQ=";
pub const PAYPAL_WEBHOOK_ID: &str = "1JE4291016473214C";
pub const PAYPAL_TOKEN: &str = "A21AAFakeAccessToken";
/// PayPal's limit on `PayPal-Request-Id` (Orders v2 and Payments v2).
pub const PAYPAL_REQUEST_ID_MAX: usize = 108;

/// One request the fake PayPal received.
#[derive(Clone, Debug)]
pub struct PaypalCall {
    /// `GET` or `POST`.
    pub method: String,
    pub path: String,
    /// The `Authorization` header, empty when none was sent.
    pub authorization: String,
    /// The `Content-Type` header, empty when none was sent.
    pub content_type: String,
    /// The `PayPal-Request-Id` header.
    pub request_id: Option<String>,
    pub body: String,
}

impl PaypalCall {
    /// The body as JSON; panics when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

/// The fake's memory: what it was sent, its orders and refunds, the first
/// answer to each request id, and the deliveries it signed.
#[derive(Default)]
struct PaypalBook {
    calls: Vec<PaypalCall>,
    orders: HashMap<String, Value>,
    refunds: Vec<Value>,
    answers: HashMap<(String, String), (StatusCode, Value)>,
    /// Transmission id to the body exactly as delivered.
    signed: HashMap<String, String>,
    /// Capture the next order but answer 500, as when the answer is lost.
    lose_capture_answer: bool,
    /// Make the next refund, hand it to the test, and answer only when the
    /// test says so: what the app hears of it in between, it hears first.
    hold_refund: Option<(oneshot::Sender<Value>, oneshot::Receiver<()>)>,
    /// Refunded so far per capture id, in units of the amounts' last decimal.
    refunded: HashMap<String, i64>,
    next: u32,
}

/// A PayPal amount's `value` in units of its last decimal, and its decimals.
fn paypal_units(value: &str) -> (i64, usize) {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    let units = format!("{whole}{fraction}")
        .parse()
        .expect("a PayPal amount");
    (units, fraction.len())
}

fn paypal_value_of(units: i64, decimals: usize) -> String {
    if decimals == 0 {
        return units.to_string();
    }
    let scale = 10_i64.pow(u32::try_from(decimals).expect("few decimals"));
    format!("{}.{:0decimals$}", units / scale, units % scale)
}

fn paypal_error(status: StatusCode, name: &str, issue: &str) -> (StatusCode, Value) {
    (
        status,
        json!({"name": name, "message": issue, "debug_id": "f2d4e6a8c0b1",
               "details": [{"issue": issue, "description": issue}]}),
    )
}

impl PaypalBook {
    fn answer(&mut self, call: &PaypalCall) -> (StatusCode, Value) {
        let path = call.path.as_str();
        if path == "/v1/oauth2/token" {
            let good = call.method == "POST"
                && call.authorization == PAYPAL_BASIC_AUTH
                && call.content_type == "application/x-www-form-urlencoded"
                && call.body == "grant_type=client_credentials";
            return if good {
                (
                    StatusCode::OK,
                    json!({"scope": "https://uri.paypal.com/services/payments/payment", "access_token": PAYPAL_TOKEN,
                           "token_type": "Bearer", "app_id": "APP-80W284485P519543T", "expires_in": 32400, "nonce": "2024-05-01T10:00:00Z"}),
                )
            } else {
                (
                    StatusCode::UNAUTHORIZED,
                    json!({"error": "invalid_client", "error_description": "Client Authentication failed"}),
                )
            };
        }
        if call.authorization != format!("Bearer {PAYPAL_TOKEN}") {
            return paypal_error(
                StatusCode::UNAUTHORIZED,
                "AUTHENTICATION_FAILURE",
                "INVALID_TOKEN",
            );
        }
        if path == "/v1/notifications/verify-webhook-signature" {
            return (
                StatusCode::OK,
                json!({"verification_status": self.verify(&call.body)}),
            );
        }
        if call.method == "GET" {
            let order = path
                .strip_prefix("/v2/checkout/orders/")
                .and_then(|id| self.orders.get(id));
            return match order {
                Some(order) => (StatusCode::OK, order.clone()),
                None => paypal_error(
                    StatusCode::NOT_FOUND,
                    "RESOURCE_NOT_FOUND",
                    "INVALID_RESOURCE_ID",
                ),
            };
        }
        let Some(request_id) = call.request_id.clone() else {
            return paypal_error(
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST",
                "PAYPAL_REQUEST_ID_REQUIRED",
            );
        };
        if request_id.len() > PAYPAL_REQUEST_ID_MAX {
            return paypal_error(
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST",
                "INVALID_PARAMETER_SYNTAX",
            );
        }
        let key = (path.to_owned(), request_id);
        if let Some(first) = self.answers.get(&key) {
            return first.clone();
        }
        let answer = self.act(path, &call.json());
        if answer.0.is_success() {
            self.answers.insert(key, answer.clone());
        }
        answer
    }

    fn act(&mut self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.next += 1;
        let n = self.next;
        if path == "/v2/checkout/orders" {
            let id = format!("5O1901{n:02}TN364715T");
            let order = json!({
                "id": id, "intent": body["intent"], "status": "CREATED", "purchase_units": body["purchase_units"],
                "create_time": "2024-05-01T10:00:00Z",
                "links": [
                    {"href": format!("https://www.sandbox.paypal.com/checkoutnow?token={id}"), "rel": "approve", "method": "GET"},
                    {"href": format!("https://api-m.sandbox.paypal.com/v2/checkout/orders/{id}"), "rel": "self", "method": "GET"},
                    {"href": format!("https://api-m.sandbox.paypal.com/v2/checkout/orders/{id}/capture"), "rel": "capture", "method": "POST"},
                ],
            });
            self.orders.insert(id, order.clone());
            return (StatusCode::CREATED, order);
        }
        if let Some(order_id) = path
            .strip_prefix("/v2/checkout/orders/")
            .and_then(|rest| rest.strip_suffix("/capture"))
        {
            let Some(order) = self.orders.get_mut(order_id) else {
                return paypal_error(
                    StatusCode::NOT_FOUND,
                    "RESOURCE_NOT_FOUND",
                    "INVALID_RESOURCE_ID",
                );
            };
            match order["status"].as_str() {
                Some("APPROVED") => {}
                Some("COMPLETED") => {
                    return paypal_error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "UNPROCESSABLE_ENTITY",
                        "ORDER_ALREADY_CAPTURED",
                    );
                }
                _ => {
                    return paypal_error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "UNPROCESSABLE_ENTITY",
                        "ORDER_NOT_APPROVED",
                    );
                }
            }
            let unit = order["purchase_units"][0].clone();
            let capture_id = format!("3C6795{n:02}ZL843311P");
            let capture = json!({
                "id": capture_id, "status": "COMPLETED", "amount": unit["amount"], "final_capture": true,
                "custom_id": unit["custom_id"], "invoice_id": unit["invoice_id"],
                "seller_protection": {"status": "ELIGIBLE"},
                "supplementary_data": {"related_ids": {"order_id": order_id}},
                "create_time": "2024-05-01T10:05:00Z", "update_time": "2024-05-01T10:05:00Z",
                "links": [
                    {"href": format!("https://api-m.sandbox.paypal.com/v2/payments/captures/{capture_id}"), "rel": "self", "method": "GET"},
                    {"href": format!("https://api-m.sandbox.paypal.com/v2/payments/captures/{capture_id}/refund"), "rel": "refund", "method": "POST"},
                    {"href": format!("https://api-m.sandbox.paypal.com/v2/checkout/orders/{order_id}"), "rel": "up", "method": "GET"},
                ],
            });
            order["status"] = json!("COMPLETED");
            order["purchase_units"][0]["payments"] = json!({"captures": [capture]});
            return (StatusCode::CREATED, order.clone());
        }
        if let Some(capture_id) = path
            .strip_prefix("/v2/payments/captures/")
            .and_then(|rest| rest.strip_suffix("/refund"))
        {
            let Some(capture) = self.capture(capture_id) else {
                return paypal_error(
                    StatusCode::NOT_FOUND,
                    "RESOURCE_NOT_FOUND",
                    "INVALID_RESOURCE_ID",
                );
            };
            // No amount refunds the whole capture.
            let amount = body
                .get("amount")
                .cloned()
                .unwrap_or(capture["amount"].clone());
            return (StatusCode::CREATED, self.refund(n, &capture, amount));
        }
        paypal_error(
            StatusCode::NOT_FOUND,
            "RESOURCE_NOT_FOUND",
            "INVALID_RESOURCE_ID",
        )
    }

    fn capture(&self, capture_id: &str) -> Option<Value> {
        self.orders
            .values()
            .filter_map(|order| order["purchase_units"][0]["payments"]["captures"].as_array())
            .flatten()
            .find(|capture| capture["id"] == capture_id)
            .cloned()
    }

    /// A refund as PayPal shows it: it carries the capture's custom and
    /// invoice ids, links "up" to the capture, and says how much of the
    /// capture has been refunded so far, itself included.
    fn refund(&mut self, n: u32, capture: &Value, amount: Value) -> Value {
        let id = format!("1JU08902{n:02}UK285713B");
        let capture_id = capture["id"].as_str().expect("capture id");
        let (units, decimals) = paypal_units(amount["value"].as_str().expect("value"));
        let total = self.refunded.entry(capture_id.to_owned()).or_default();
        *total += units;
        let total = json!({"currency_code": amount["currency_code"], "value": paypal_value_of(*total, decimals)});
        let refund = json!({
            "id": id, "status": "COMPLETED", "amount": amount,
            "seller_payable_breakdown": {"gross_amount": amount, "total_refunded_amount": total},
            "custom_id": capture["custom_id"], "invoice_id": capture["invoice_id"],
            "create_time": "2024-05-02T10:00:00Z", "update_time": "2024-05-02T10:00:00Z",
            "links": [
                {"href": format!("https://api-m.sandbox.paypal.com/v2/payments/refunds/{id}"), "rel": "self", "method": "GET"},
                {"href": format!("https://api-m.sandbox.paypal.com/v2/payments/captures/{capture_id}"), "rel": "up", "method": "GET"},
            ],
        });
        self.refunds.push(refund.clone());
        refund
    }

    /// SUCCESS only for a delivery this fake signed, passed on with every
    /// transmission header, for this webhook, with the body byte for byte.
    fn verify(&self, request: &str) -> &'static str {
        let Ok(parsed) = serde_json::from_str::<Value>(request) else {
            return "FAILURE";
        };
        let text = |name: &str| parsed[name].as_str().unwrap_or_default().to_owned();
        let transmission = text("transmission_id");
        let genuine = text("webhook_id") == PAYPAL_WEBHOOK_ID
            && text("auth_algo") == "SHA256withRSA"
            && text("cert_url").starts_with("https://api.paypal.com/v1/notifications/certs/")
            && !text("transmission_time").is_empty()
            && text("transmission_sig") == format!("sig-{transmission}")
            && self
                .signed
                .get(&transmission)
                .is_some_and(|sent| request.contains(&format!("\"webhook_event\":{sent}")));
        if genuine { "SUCCESS" } else { "FAILURE" }
    }
}

/// A local server playing PayPal's REST API; clones share its state.
#[derive(Clone)]
pub struct FakePaypal {
    base: String,
    book: Arc<Mutex<PaypalBook>>,
}

impl FakePaypal {
    /// Starts the fake on an ephemeral local port.
    pub async fn start() -> Self {
        let book: Arc<Mutex<PaypalBook>> = Arc::default();
        let app = axum::Router::new()
            .fallback(
                |State(book): State<Arc<Mutex<PaypalBook>>>,
                 method: Method,
                 uri: Uri,
                 headers: HeaderMap,
                 body: String| async move {
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned)
                    };
                    let call = PaypalCall {
                        method: method.to_string(),
                        path: uri.path().to_owned(),
                        authorization: header("authorization").unwrap_or_default(),
                        content_type: header("content-type").unwrap_or_default(),
                        request_id: header("paypal-request-id"),
                        body,
                    };
                    let (status, answer, hold) = {
                        let mut book = book
                            .lock()
                            .expect("the fake PayPal's state is not poisoned");
                        book.calls.push(call.clone());
                        let (status, answer) = book.answer(&call);
                        if book.lose_capture_answer
                            && call.path.ends_with("/capture")
                            && status.is_success()
                        {
                            book.lose_capture_answer = false;
                            let (status, lost) = paypal_error(
                                StatusCode::INTERNAL_SERVER_ERROR,
                                "INTERNAL_SERVER_ERROR",
                                "INTERNAL_SERVICE_ERROR",
                            );
                            return (status, axum::Json(lost));
                        }
                        let hold = if call.path.ends_with("/refund") && status.is_success() {
                            book.hold_refund.take()
                        } else {
                            None
                        };
                        (status, answer, hold)
                    };
                    if let Some((made, release)) = hold {
                        made.send(answer.clone())
                            .expect("the test waits for the refund");
                        release.await.expect("the test lets the answer go");
                    }
                    (status, axum::Json(answer))
                },
            )
            .with_state(Arc::clone(&book));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, book }
    }

    /// The base URL to configure as PayPal's API base.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn book(&self) -> std::sync::MutexGuard<'_, PaypalBook> {
        self.book
            .lock()
            .expect("the fake PayPal's state is not poisoned")
    }

    /// The requests made to `path`, oldest first.
    pub fn calls(&self, path: &str) -> Vec<PaypalCall> {
        let book = self.book();
        book.calls
            .iter()
            .filter(|c| c.path == path)
            .cloned()
            .collect()
    }

    /// The order as PayPal holds it now; panics when there is none.
    pub fn order(&self, id: &str) -> Value {
        self.book().orders[id].clone()
    }

    /// The payer approves the order at PayPal.
    pub fn approve(&self, order_id: &str) {
        let mut book = self.book();
        let order = book.orders.get_mut(order_id).expect("order");
        assert_eq!(order["status"], "CREATED");
        order["status"] = json!("APPROVED");
        order["payer"] = json!({"payer_id": "QYR5Z8XDVJNXQ", "email_address": "payer@example.com"});
    }

    /// The (first) capture of a captured order.
    pub fn capture_of(&self, order_id: &str) -> Value {
        self.order(order_id)["purchase_units"][0]["payments"]["captures"][0].clone()
    }

    /// A refund made in PayPal's own dashboard.
    pub fn refund_outside(&self, capture_id: &str, currency: &str, value: &str) -> Value {
        let mut book = self.book();
        let capture = book.capture(capture_id).expect("capture");
        book.next += 1;
        let n = book.next;
        book.refund(
            n,
            &capture,
            json!({"currency_code": currency, "value": value}),
        )
    }

    /// Every refund made so far, the app's and the dashboard's, oldest first.
    pub fn refunds(&self) -> Vec<Value> {
        self.book().refunds.clone()
    }

    /// Refunded so far of the capture, in units of its amount's last
    /// decimal; panics when nothing was refunded of it.
    pub fn refunded(&self, capture_id: &str) -> i64 {
        self.book().refunded[capture_id]
    }

    /// The next successful capture happens, but its answer is lost: PayPal
    /// answers 500.
    pub fn lose_next_capture_answer(&self) {
        self.book().lose_capture_answer = true;
    }

    /// The next refund is made, handed to the test (the first receiver), and
    /// answered only once the test sends on the returned sender.
    pub fn hold_next_refund(&self) -> (oneshot::Receiver<Value>, oneshot::Sender<()>) {
        let (made_tx, made) = oneshot::channel();
        let (release, release_rx) = oneshot::channel();
        self.book().hold_refund = Some((made_tx, release_rx));
        (made, release)
    }

    /// Signs `body` as a delivery to the app: the fake's verification API will
    /// vouch for it. The transmission id.
    pub fn sign(&self, body: &str) -> String {
        let transmission = uuid::Uuid::now_v7().to_string();
        self.book()
            .signed
            .insert(transmission.clone(), body.to_owned());
        transmission
    }
}

/// The app on `backend` with PayPal configured to be a fresh [`FakePaypal`];
/// `None` when PostgreSQL tests are not configured.
pub async fn app_with_paypal(backend: Backend) -> Option<(TestApp, FakePaypal)> {
    let paypal = FakePaypal::start().await;
    let mut settings = test_settings();
    let mut config = medicaledu_payments::PaypalConfig::new(
        PAYPAL_CLIENT_ID,
        PAYPAL_CLIENT_SECRET,
        PAYPAL_WEBHOOK_ID,
    );
    config.api_base = paypal.base().to_owned();
    settings.paypal = Some(config);
    Some((spawn_app_with(backend, settings).await?, paypal))
}

/// A webhook event of `event_type` about `resource`.
pub fn paypal_event(id: &str, event_type: &str, resource_type: &str, resource: Value) -> Value {
    json!({
        "id": id, "event_version": "1.0", "create_time": "2024-05-01T10:06:00.000Z",
        "resource_type": resource_type, "resource_version": "2.0", "event_type": event_type,
        "summary": event_type, "resource": resource,
        "links": [{"href": format!("https://api.paypal.com/v1/notifications/webhooks-events/{id}"), "rel": "self", "method": "GET"}],
    })
}

/// Posts `body` to the app's PayPal webhook with every transmission header
/// of `transmission`; the response status.
pub async fn paypal_deliver(app: &TestApp, transmission: &str, body: &str) -> u16 {
    app.client
        .post(app.url("/api/v1/webhooks/paypal"))
        .header("paypal-transmission-id", transmission)
        .header("paypal-transmission-time", "2024-05-01T10:06:01Z")
        .header(
            "paypal-cert-url",
            "https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270",
        )
        .header("paypal-auth-algo", "SHA256withRSA")
        .header("paypal-transmission-sig", format!("sig-{transmission}"))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

/// Delivers `event` as PayPal would, signed or not. Pretty-printed, so
/// verification only passes if the app hands PayPal the body unchanged.
pub async fn paypal_webhook(
    app: &TestApp,
    paypal: &FakePaypal,
    event: &Value,
    signed: bool,
) -> u16 {
    let body = serde_json::to_string_pretty(event).expect("json");
    let transmission = if signed {
        paypal.sign(&body)
    } else {
        uuid::Uuid::now_v7().to_string()
    };
    paypal_deliver(app, &transmission, &body).await
}
