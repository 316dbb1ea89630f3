//! Payments end to end: local servers play Stripe and PayPal (see
//! `support::fake_stripe` and `support::fake_paypal`), Stripe webhooks are
//! signed in the test with its own HMAC, PayPal's are vouched for by the
//! fake's verification API, refunds race, and the revenue report adds up.
//!
//! One module per topic; the helpers below read what the API says of a
//! booking and its payments.

mod manual;
mod paypal_checkout;
mod paypal_refunds;
mod stripe;

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{TestApp, json_of};

/// A booking's payments as the API lists them: (charges, refunds).
async fn booking_payments(app: &TestApp, token: &str, booking: &str) -> (Vec<Value>, Vec<Value>) {
    let listed = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/bookings/{booking}/payments"),
            token,
            None,
        )
        .await,
    )
    .await;
    listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .cloned()
        .partition(|p| p["kind"] == "charge")
}

fn amounts(rows: &[Value]) -> Vec<i64> {
    rows.iter()
        .map(|p| p["amount_minor"].as_i64().expect("amount"))
        .collect()
}

async fn confirmations(app: &TestApp) -> i64 {
    medicaledu_store::on_db!(&app.test_db.db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_logs WHERE action = 'booking.confirmed'").fetch_one(pool).await.expect("count")
    })
}

async fn booking_status(app: &TestApp, token: &str, booking: &str) -> String {
    let booking = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/bookings/{booking}"),
            token,
            None,
        )
        .await,
    )
    .await;
    booking["status"].as_str().expect("status").to_owned()
}

/// A PayPal charge for the booking: (payment id, order id).
async fn paypal_charge(app: &TestApp, student: &str, booking: &str) -> (String, String) {
    let created = app
        .send(
            Method::POST,
            &format!("/api/v1/bookings/{booking}/payments"),
            student,
            Some(&json!({"provider": "paypal"})),
        )
        .await;
    assert_eq!(created.status(), 201);
    let payment = json_of(created).await;
    (
        payment["id"].as_str().expect("id").to_owned(),
        payment["provider_payment_id"]
            .as_str()
            .expect("order id")
            .to_owned(),
    )
}

async fn capture(app: &TestApp, token: &str, payment: &str) -> reqwest::Response {
    app.send(
        Method::POST,
        &format!("/api/v1/payments/{payment}/capture"),
        token,
        None,
    )
    .await
}

async fn problem_code(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, json_of(response).await["code"].clone())
}
