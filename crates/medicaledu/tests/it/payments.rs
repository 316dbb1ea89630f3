//! Payments end to end: local servers play Stripe and PayPal, Stripe webhooks
//! are signed in the test with its own HMAC, PayPal's are vouched for by the
//! fake's verification API, refunds race, and the revenue report adds up.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::post;
use chrono::{Duration, Utc};
use hmac::{Hmac, Mac};
use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::sync::{Barrier, oneshot};

use crate::support::{TestApp, both_backends, json_of, spawn_app_with, test_settings};

const WEBHOOK_SECRET: &str = "whsec_test_secret";

/// What the fake Stripe received: path, idempotency key and form body.
type Seen = Arc<Mutex<Vec<(String, String, String)>>>;

async fn fake_stripe() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let counter = Arc::new(Mutex::new(0_u32));
    async fn record(seen: &Seen, path: &str, headers: &HeaderMap, body: &str) {
        let key = headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        seen.lock()
            .expect("lock")
            .push((path.to_owned(), key, body.to_owned()));
    }
    fn field(body: &str, name: &str) -> String {
        body.split('&')
            .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
            .unwrap_or_default()
            .to_owned()
    }
    let app = axum::Router::new()
        .route(
            "/v1/payment_intents",
            post(|State((seen, counter)): State<(Seen, Arc<Mutex<u32>>)>, headers: HeaderMap, body: String| async move {
                record(&seen, "/v1/payment_intents", &headers, &body).await;
                let n = {
                    let mut c = counter.lock().expect("lock");
                    *c += 1;
                    *c
                };
                axum::Json(json!({
                    "id": format!("pi_{n}"), "object": "payment_intent", "client_secret": format!("pi_{n}_secret_x"),
                    "status": "requires_payment_method", "amount": field(&body, "amount").parse::<i64>().unwrap_or(0),
                    "currency": field(&body, "currency"),
                }))
            }),
        )
        .route(
            "/v1/refunds",
            post(|State((seen, counter)): State<(Seen, Arc<Mutex<u32>>)>, headers: HeaderMap, body: String| async move {
                record(&seen, "/v1/refunds", &headers, &body).await;
                let n = {
                    let mut c = counter.lock().expect("lock");
                    *c += 1;
                    *c
                };
                axum::Json(json!({
                    "id": format!("re_{n}"), "object": "refund", "status": "succeeded",
                    "amount": field(&body, "amount").parse::<i64>().unwrap_or(0), "currency": "usd",
                }))
            }),
        )
        .with_state((Arc::clone(&seen), counter));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (address, seen)
}

async fn app_with_stripe(backend: Backend) -> Option<(TestApp, Seen)> {
    let (base, seen) = fake_stripe().await;
    let mut settings = test_settings();
    let mut stripe = medicaledu_payments::StripeConfig::new("sk_test_123", WEBHOOK_SECRET);
    stripe.api_base = base;
    settings.stripe = Some(stripe);
    Some((spawn_app_with(backend, settings).await?, seen))
}

/// `t=…,v1=…` computed here, independently of the server's verifier.
fn sign(payload: &str, secret: &str, timestamp: i64) -> String {
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

async fn webhook(app: &TestApp, payload: &str, signature: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/webhooks/stripe"))
        .header("stripe-signature", signature)
        .header("content-type", "application/json")
        .body(payload.to_owned())
        .send()
        .await
        .expect("request")
}

fn succeeded_event(id: &str, intent: &str, amount: i64) -> String {
    json!({
        "id": id, "object": "event", "type": "payment_intent.succeeded", "created": Utc::now().timestamp(), "livemode": false,
        "data": {"object": {"id": intent, "object": "payment_intent", "amount": amount, "amount_received": amount, "currency": "usd", "status": "succeeded", "metadata": {}}}
    })
    .to_string()
}

/// A pending booking of a paid session.
async fn pending_booking(app: &TestApp, price: i64) -> (String, String, String, String) {
    pending_booking_in(app, price, "USD").await
}

/// A pending booking of a session priced in `currency`'s minor units.
async fn pending_booking_in(
    app: &TestApp,
    price: i64,
    currency: &str,
) -> (String, String, String, String) {
    let instructor = app.user("pay-teacher@example.com", "instructor").await;
    let course = if currency == "USD" {
        app.published_course(&instructor, "Paid Simulation Lab", price)
            .await
    } else {
        let body = json!({
            "title": "Paid Simulation Lab", "category": "Emergency Medicine", "level": "beginner",
            "price_minor": price, "currency": currency
        });
        let course = json_of(
            app.send(Method::POST, "/api/v1/courses", &instructor, Some(&body))
                .await,
        )
        .await;
        let id = course["id"].as_str().expect("course id").to_owned();
        let material = json!({"title": "Handout", "kind": "article", "body": "Read me"});
        let added = app
            .send(
                Method::POST,
                &format!("/api/v1/courses/{id}/materials"),
                &instructor,
                Some(&material),
            )
            .await;
        assert_eq!(added.status(), 201);
        let published = app
            .send(
                Method::POST,
                &format!("/api/v1/courses/{id}/publish"),
                &instructor,
                None,
            )
            .await;
        assert_eq!(published.status(), 200);
        id
    };
    let starts = (Utc::now() + Duration::days(10))
        .date_naive()
        .and_hms_opt(9, 0, 0)
        .expect("time")
        .and_utc();
    let slot_body = json!({"starts_at": starts.to_rfc3339(), "ends_at": (starts + Duration::hours(1)).to_rfc3339(), "timezone": "UTC", "capacity": 5});
    let slot = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/courses/{course}/slots"),
            &instructor,
            Some(&slot_body),
        )
        .await,
    )
    .await;
    let slot = slot["items"][0]["id"].as_str().expect("slot").to_owned();
    let student = app.user("payer@example.com", "student").await;
    let booking = json_of(
        app.send(
            Method::POST,
            "/api/v1/bookings",
            &student,
            Some(&json!({"slot_id": slot})),
        )
        .await,
    )
    .await;
    assert_eq!(booking["status"], "pending");
    (
        student,
        booking["id"].as_str().expect("id").to_owned(),
        instructor,
        course,
    )
}

async fn stripe_charge_is_confirmed_once_by_a_signed_webhook(backend: Backend) {
    let Some((app, seen)) = app_with_stripe(backend).await else {
        return;
    };
    let (student, booking, _, _) = pending_booking(&app, 4999).await;
    let created = app
        .send(
            Method::POST,
            &format!("/api/v1/bookings/{booking}/payments"),
            &student,
            Some(&json!({"provider": "stripe"})),
        )
        .await;
    assert_eq!(created.status(), 201);
    let payment = json_of(created).await;
    assert_eq!(payment["status"], "requires_action");
    assert_eq!(payment["client_secret"], "pi_1_secret_x");
    assert_eq!(payment["display_amount"], "USD 49.99");
    {
        let seen = seen.lock().expect("lock");
        let (path, key, body) = &seen[0];
        assert_eq!(path, "/v1/payment_intents");
        assert!(!key.is_empty(), "an Idempotency-Key is sent");
        assert!(
            body.contains("amount=4999") && body.contains("currency=usd"),
            "{body}"
        );
        assert!(
            body.contains(&format!("metadata%5Bbooking_id%5D={booking}")),
            "{body}"
        );
    }

    let now = Utc::now().timestamp();
    let event = succeeded_event("evt_1", "pi_1", 4999);
    assert_eq!(
        webhook(&app, &event, &sign(&event, "wrong secret", now))
            .await
            .status(),
        400,
        "wrong secret"
    );
    assert_eq!(
        webhook(&app, &event, &sign(&event, WEBHOOK_SECRET, now - 600))
            .await
            .status(),
        400,
        "stale"
    );
    let tampered = event.replace("4999", "1");
    assert_eq!(
        webhook(&app, &tampered, &sign(&event, WEBHOOK_SECRET, now))
            .await
            .status(),
        400,
        "tampered body"
    );
    assert_eq!(webhook(&app, &event, "").await.status(), 400, "unsigned");
    let booking_now = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/bookings/{booking}"),
            &student,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(
        booking_now["status"], "pending",
        "rejected events change nothing"
    );

    for _ in 0..3 {
        assert_eq!(
            webhook(&app, &event, &sign(&event, WEBHOOK_SECRET, now))
                .await
                .status(),
            200
        );
    }
    let confirmed = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/bookings/{booking}"),
            &student,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(confirmed["status"], "confirmed");
    let enrollments = json_of(
        app.send(Method::GET, "/api/v1/me/enrollments", &student, None)
            .await,
    )
    .await;
    assert_eq!(enrollments["items"].as_array().expect("items").len(), 1);
    let confirmations: i64 = medicaledu_store::on_db!(&app.test_db.db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_logs WHERE action = 'booking.confirmed'").fetch_one(pool).await.expect("count")
    });
    assert_eq!(confirmations, 1, "a replayed webhook confirms once");
    let payments = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/bookings/{booking}/payments"),
            &student,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(payments["items"][0]["status"], "succeeded");
}

async fn refunds_never_exceed_the_charge_even_when_racing(backend: Backend) {
    let Some((app, seen)) = app_with_stripe(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let (student, booking, _, _) = pending_booking(&app, 10_000).await;
    let payment = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/bookings/{booking}/payments"),
            &student,
            Some(&json!({"provider": "stripe"})),
        )
        .await,
    )
    .await;
    let charge = payment["id"].as_str().expect("id").to_owned();
    let event = succeeded_event("evt_pay", "pi_1", 10_000);
    assert_eq!(
        webhook(
            &app,
            &event,
            &sign(&event, WEBHOOK_SECRET, Utc::now().timestamp())
        )
        .await
        .status(),
        200
    );

    let partial = app
        .send(
            Method::POST,
            &format!("/api/v1/payments/{charge}/refunds"),
            &admin,
            Some(&json!({"amount_minor": 2500, "reason": "partial goodwill"})),
        )
        .await;
    assert_eq!(partial.status(), 201);
    assert_eq!(json_of(partial).await["status"], "succeeded");
    assert!(
        seen.lock()
            .expect("lock")
            .iter()
            .any(|(path, _, body)| path == "/v1/refunds"
                && body.contains("amount=2500")
                && body.contains("payment_intent=pi_1"))
    );
    let too_much = app
        .send(
            Method::POST,
            &format!("/api/v1/payments/{charge}/refunds"),
            &admin,
            Some(&json!({"amount_minor": 9000, "reason": "too much"})),
        )
        .await;
    assert_eq!(too_much.status(), 409);

    let app = Arc::new(app);
    let barrier = Arc::new(Barrier::new(6));
    let handles: Vec<_> = (0..6)
        .map(|_| {
            let (app, barrier, admin, charge) = (
                Arc::clone(&app),
                Arc::clone(&barrier),
                admin.clone(),
                charge.clone(),
            );
            tokio::spawn(async move {
                barrier.wait().await;
                app.send(
                    Method::POST,
                    &format!("/api/v1/payments/{charge}/refunds"),
                    &admin,
                    Some(&json!({"reason": "full refund of the rest"})),
                )
                .await
                .status()
                .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for handle in handles {
        statuses.push(handle.await.expect("task"));
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    let listed = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/bookings/{booking}/payments"),
            &student,
            None,
        )
        .await,
    )
    .await;
    let items = listed["items"].as_array().expect("items");
    let refunded: i64 = items
        .iter()
        .filter(|p| p["kind"] == "refund" && p["status"] == "succeeded")
        .map(|p| p["amount_minor"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(refunded, 10_000, "exactly the charge, never more");

    let day = Utc::now().date_naive();
    let report = json_of(
        app.send(
            Method::GET,
            &format!(
                "/api/v1/admin/reports/revenue?from={}T00:00:00Z&to={}T00:00:00Z&group_by=day",
                day,
                day + chrono::Days::new(1)
            ),
            &admin,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(report["items"][0]["gross_minor"], 10_000);
    assert_eq!(report["items"][0]["refunded_minor"], 10_000);
    assert_eq!(report["items"][0]["net_minor"], 0);
    assert_eq!(report["items"][0]["currency"], "USD");
}

async fn manual_payments_are_settled_by_an_admin(backend: Backend) {
    let Some((app, _)) = app_with_stripe(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let (student, booking, instructor, course) = pending_booking(&app, 3000).await;
    let unconfigured = app
        .send(
            Method::POST,
            &format!("/api/v1/bookings/{booking}/payments"),
            &student,
            Some(&json!({"provider": "paypal"})),
        )
        .await;
    assert_eq!(unconfigured.status(), 422);
    assert_eq!(
        json_of(unconfigured).await["errors"][0]["code"],
        "provider_not_configured"
    );
    let payment = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/bookings/{booking}/payments"),
            &student,
            Some(&json!({"provider": "manual"})),
        )
        .await,
    )
    .await;
    assert_eq!(payment["status"], "pending");
    let id = payment["id"].as_str().expect("id");
    assert_eq!(
        app.send(
            Method::POST,
            &format!("/api/v1/admin/payments/{id}/mark"),
            &instructor,
            Some(&json!({"status": "succeeded"}))
        )
        .await
        .status(),
        403
    );
    let marked = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/admin/payments/{id}/mark"),
            &admin,
            Some(&json!({"status": "succeeded"})),
        )
        .await,
    )
    .await;
    assert_eq!(marked["status"], "succeeded");
    let confirmed = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/bookings/{booking}"),
            &student,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(confirmed["status"], "confirmed");
    let again = app
        .send(
            Method::POST,
            &format!("/api/v1/bookings/{booking}/payments"),
            &student,
            Some(&json!({"provider": "manual"})),
        )
        .await;
    assert_eq!(again.status(), 409, "a confirmed booking is not paid twice");

    // A reschedule carries the payment over: cancelling the new booking refunds it.
    let later = (Utc::now() + Duration::days(12))
        .date_naive()
        .and_hms_opt(9, 0, 0)
        .expect("time")
        .and_utc();
    let second = json!({"starts_at": later.to_rfc3339(), "ends_at": (later + Duration::hours(1)).to_rfc3339(), "timezone": "UTC", "capacity": 5});
    let second = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/courses/{course}/slots"),
            &instructor,
            Some(&second),
        )
        .await,
    )
    .await;
    let second = second["items"][0]["id"].as_str().expect("slot").to_owned();
    let moved = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/bookings/{booking}/reschedule"),
            &student,
            Some(&json!({"slot_id": second})),
        )
        .await,
    )
    .await;
    assert_eq!(moved["status"], "confirmed");
    let moved = moved["id"].as_str().expect("id").to_owned();
    let cancelled = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/bookings/{moved}/cancel"),
            &student,
            Some(&json!({"reason": "sick"})),
        )
        .await,
    )
    .await;
    assert_eq!(cancelled["refund_eligible"], true);
    let listed = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/admin/payments?booking_id={booking}&kind=refund"),
            &admin,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(
        listed["items"][0]["amount_minor"], 3000,
        "cancelling inside the refund window refunds"
    );
    assert_eq!(listed["items"][0]["status"], "succeeded");
}

/// A payment that lands after the hold expired: confirmed when a seat is
/// still free, refunded at once when the seat went to someone else.
async fn late_payments_are_honoured_or_refunded(backend: Backend) {
    let Some((app, _)) = app_with_stripe(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let instructor = app.user("late-teacher@example.com", "instructor").await;
    let course = app
        .published_course(&instructor, "One Seat Only", 2000)
        .await;
    let starts = (Utc::now() + Duration::days(9))
        .date_naive()
        .and_hms_opt(9, 0, 0)
        .expect("time")
        .and_utc();
    let body = json!({"starts_at": starts.to_rfc3339(), "ends_at": (starts + Duration::hours(1)).to_rfc3339(), "timezone": "UTC", "capacity": 1});
    let slot = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/courses/{course}/slots"),
            &instructor,
            Some(&body),
        )
        .await,
    )
    .await;
    let slot = slot["items"][0]["id"].as_str().expect("slot").to_owned();
    let state =
        medicaledu_api::AppState::new(app.test_db.db.clone(), test_settings()).expect("state");
    let later = medicaledu_domain::Timestamp::from(Utc::now() + Duration::minutes(16));

    let slow = app.user("slow@example.com", "student").await;
    let booking = json_of(
        app.send(
            Method::POST,
            "/api/v1/bookings",
            &slow,
            Some(&json!({"slot_id": slot})),
        )
        .await,
    )
    .await;
    let booking = booking["id"].as_str().expect("id").to_owned();
    let payment = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/bookings/{booking}/payments"),
            &slow,
            Some(&json!({"provider": "manual"})),
        )
        .await,
    )
    .await;
    let payment = payment["id"].as_str().expect("id").to_owned();
    assert_eq!(
        medicaledu_api::bookings::expire_holds(&state, later)
            .await
            .expect("sweep"),
        1
    );
    app.send(
        Method::POST,
        &format!("/api/v1/admin/payments/{payment}/mark"),
        &admin,
        Some(&json!({"status": "succeeded"})),
    )
    .await;
    let honoured = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/bookings/{booking}"),
            &slow,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(honoured["status"], "confirmed", "the seat was still free");

    app.send(
        Method::POST,
        &format!("/api/v1/bookings/{booking}/cancel"),
        &slow,
        Some(&json!({"reason": "retry"})),
    )
    .await;
    let late = app.user("late@example.com", "student").await;
    let second = json_of(
        app.send(
            Method::POST,
            "/api/v1/bookings",
            &late,
            Some(&json!({"slot_id": slot})),
        )
        .await,
    )
    .await;
    let second = second["id"].as_str().expect("id").to_owned();
    let charge = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/bookings/{second}/payments"),
            &late,
            Some(&json!({"provider": "manual"})),
        )
        .await,
    )
    .await;
    let charge = charge["id"].as_str().expect("id").to_owned();
    assert_eq!(
        medicaledu_api::bookings::expire_holds(&state, later)
            .await
            .expect("sweep"),
        1
    );
    let quick = app.user("quick@example.com", "student").await;
    assert_eq!(
        app.send(
            Method::POST,
            "/api/v1/bookings",
            &quick,
            Some(&json!({"slot_id": slot}))
        )
        .await
        .status(),
        201,
        "the freed seat goes to someone else"
    );
    app.send(
        Method::POST,
        &format!("/api/v1/admin/payments/{charge}/mark"),
        &admin,
        Some(&json!({"status": "succeeded"})),
    )
    .await;
    let refused = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/bookings/{second}"),
            &late,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(refused["status"], "expired", "no seat, no booking");
    let payments = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/bookings/{second}/payments"),
            &late,
            None,
        )
        .await,
    )
    .await;
    let refund = payments["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|p| p["kind"] == "refund")
        .cloned()
        .expect("an automatic refund");
    assert_eq!(refund["amount_minor"], 2000);
    assert_eq!(refund["status"], "succeeded");
}

/// `charge.refunded` as Stripe sends it: `amount_refunded` is the charge's
/// running total. The refunds list is there only when `refund_ids` is not
/// empty (API versions since 2022-11-15 leave it out), newest first.
fn charge_refunded_event(
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

async fn signed_webhook(app: &TestApp, event: &str) -> u16 {
    webhook(
        app,
        event,
        &sign(event, WEBHOOK_SECRET, Utc::now().timestamp()),
    )
    .await
    .status()
    .as_u16()
}

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

/// Refunds made in the Stripe dashboard reach the app only as
/// `charge.refunded`, whose `amount_refunded` is cumulative: each event
/// records what is not yet counted, as a refund row of the charge.
async fn stripe_dashboard_refunds_are_recorded_once(backend: Backend) {
    let Some((app, _)) = app_with_stripe(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let (student, booking, _, _) = pending_booking(&app, 10_000).await;
    let payment = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/bookings/{booking}/payments"),
            &student,
            Some(&json!({"provider": "stripe"})),
        )
        .await,
    )
    .await;
    let charge = payment["id"].as_str().expect("id").to_owned();
    assert_eq!(
        signed_webhook(&app, &succeeded_event("evt_paid", "pi_1", 10_000)).await,
        200
    );

    let unsigned = charge_refunded_event("evt_forged", "pi_1", 10_000, 10_000, &[]);
    assert_eq!(webhook(&app, &unsigned, "").await.status(), 400);
    let (_, refunds) = booking_payments(&app, &student, &booking).await;
    assert!(refunds.is_empty(), "an unsigned event records nothing");

    // The first dashboard refund, in an event without the refunds list.
    let first = charge_refunded_event("evt_r1", "pi_1", 10_000, 3000, &[]);
    for _ in 0..2 {
        assert_eq!(signed_webhook(&app, &first).await, 200);
    }
    let (charges, refunds) = booking_payments(&app, &student, &booking).await;
    assert_eq!(amounts(&refunds), [3000], "a replay adds nothing");
    assert_eq!(refunds[0]["refund_of"], charge.as_str());
    assert_eq!(refunds[0]["status"], "succeeded");
    assert_eq!(refunds[0]["currency"], "USD");
    assert_eq!(charges[0]["refunded_minor"], 3000);
    assert_eq!(charges[0]["status"], "succeeded", "the charge stays taken");

    // A second one: the running total grows to 7000, so 4000 more.
    let second = charge_refunded_event("evt_r2", "pi_1", 10_000, 7000, &["re_dash2", "re_dash1"]);
    assert_eq!(signed_webhook(&app, &second).await, 200);
    assert_eq!(signed_webhook(&app, &second).await, 200);
    // The first event delivered again under a new id, late: its total is behind.
    let late = charge_refunded_event("evt_r1_late", "pi_1", 10_000, 3000, &["re_dash1"]);
    assert_eq!(signed_webhook(&app, &late).await, 200);
    let (charges, refunds) = booking_payments(&app, &student, &booking).await;
    assert_eq!(amounts(&refunds), [3000, 4000]);
    assert_eq!(refunds[1]["provider_payment_id"], "re_dash2");
    assert_eq!(charges[0]["refunded_minor"], 7000);

    // A refund made in the app is announced by Stripe too, and counted once.
    // This announcement also carries a dashboard refund of 500 made just
    // before, whose own event comes late: it is recorded under its own id.
    let in_app = app
        .send(
            Method::POST,
            &format!("/api/v1/payments/{charge}/refunds"),
            &admin,
            Some(&json!({"amount_minor": 2000, "reason": "goodwill"})),
        )
        .await;
    assert_eq!(in_app.status(), 201);
    let in_app = json_of(in_app).await;
    let in_app_id = in_app["provider_payment_id"]
        .as_str()
        .expect("re_ id")
        .to_owned();
    let echo = charge_refunded_event(
        "evt_r3",
        "pi_1",
        10_000,
        9500,
        &[&in_app_id, "re_dash3", "re_dash2", "re_dash1"],
    );
    assert_eq!(signed_webhook(&app, &echo).await, 200);
    let late = charge_refunded_event("evt_r3_dash", "pi_1", 10_000, 7500, &["re_dash3"]);
    assert_eq!(signed_webhook(&app, &late).await, 200);
    let (charges, refunds) = booking_payments(&app, &student, &booking).await;
    assert_eq!(amounts(&refunds), [3000, 4000, 2000, 500]);
    assert_eq!(refunds[2]["provider_payment_id"], in_app_id.as_str());
    assert_eq!(refunds[3]["provider_payment_id"], "re_dash3");
    assert_eq!(charges[0]["refunded_minor"], 9500);

    // The rest refunded in the dashboard; then an event claiming more than
    // was ever charged, which cannot be honoured.
    let last = charge_refunded_event(
        "evt_r4",
        "pi_1",
        10_000,
        10_000,
        &["re_dash4", &in_app_id, "re_dash3"],
    );
    assert_eq!(signed_webhook(&app, &last).await, 200);
    let too_much = charge_refunded_event("evt_r5", "pi_1", 10_000, 12_000, &["re_dash5"]);
    assert_eq!(signed_webhook(&app, &too_much).await, 200);
    let (charges, refunds) = booking_payments(&app, &student, &booking).await;
    assert_eq!(amounts(&refunds), [3000, 4000, 2000, 500, 500]);
    assert!(
        refunds
            .iter()
            .all(|r| r["status"] == "succeeded" && r["refund_of"] == charge.as_str())
    );
    assert_eq!(
        charges[0]["refunded_minor"], 10_000,
        "never more than the charge"
    );
    let nothing_left = app
        .send(
            Method::POST,
            &format!("/api/v1/payments/{charge}/refunds"),
            &admin,
            Some(&json!({"amount_minor": 1, "reason": "again"})),
        )
        .await;
    assert_eq!(nothing_left.status(), 409);

    // Refunding money does not cancel the booking by itself.
    let still = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/bookings/{booking}"),
            &student,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(still["status"], "confirmed");
    let day = Utc::now().date_naive();
    let report = json_of(
        app.send(
            Method::GET,
            &format!(
                "/api/v1/admin/reports/revenue?from={}T00:00:00Z&to={}T00:00:00Z&group_by=day",
                day,
                day + chrono::Days::new(1)
            ),
            &admin,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(report["items"][0]["refunded_minor"], 10_000);
    assert_eq!(report["items"][0]["net_minor"], 0);

    // The student hears of every refund, wherever it was made, once.
    let inbox = json_of(
        app.send(
            Method::GET,
            "/api/v1/me/notifications?limit=100",
            &student,
            None,
        )
        .await,
    )
    .await;
    let told: Vec<&str> = inbox["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|n| n["kind"] == "payment.refunded")
        .map(|n| n["body"].as_str().expect("body"))
        .collect();
    assert_eq!(told.len(), 5, "{told:?}");
    assert!(told.contains(&"USD 40.00 was refunded."), "{told:?}");
}

/// Stripe may deliver several `charge.refunded` events at once; however
/// they interleave, the refunds recorded add up to the highest total.
async fn concurrent_stripe_refund_events_count_the_total_once(backend: Backend) {
    let Some((app, _)) = app_with_stripe(backend).await else {
        return;
    };
    let (student, booking, _, _) = pending_booking(&app, 10_000).await;
    app.send(
        Method::POST,
        &format!("/api/v1/bookings/{booking}/payments"),
        &student,
        Some(&json!({"provider": "stripe"})),
    )
    .await;
    assert_eq!(
        signed_webhook(&app, &succeeded_event("evt_paid", "pi_1", 10_000)).await,
        200
    );
    let app = Arc::new(app);
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (1..=8_i64)
        .map(|n| {
            let (app, barrier) = (Arc::clone(&app), Arc::clone(&barrier));
            tokio::spawn(async move {
                let event =
                    charge_refunded_event(&format!("evt_c{n}"), "pi_1", 10_000, n * 1000, &[]);
                barrier.wait().await;
                signed_webhook(&app, &event).await
            })
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.await.expect("task"), 200);
    }
    let (charges, refunds) = booking_payments(&app, &student, &booking).await;
    assert_eq!(amounts(&refunds).iter().sum::<i64>(), 8000, "{refunds:?}");
    assert_eq!(charges[0]["refunded_minor"], 8000);
}

const PAYPAL_CLIENT_ID: &str = "medicaledu-client";
const PAYPAL_CLIENT_SECRET: &str = "medicaledu-secret";
/// HTTP basic credentials of the two above, spelled out rather than encoded
/// with the code under test.
const PAYPAL_BASIC_AUTH: &str = "Basic bWVkaWNhbGVkdS1jbGllbnQ6bWVkaWNhbGVkdS1zZWNyZXQ=";
const PAYPAL_WEBHOOK_ID: &str = "1JE4291016473214C";
const PAYPAL_TOKEN: &str = "A21AAFakeAccessToken";
/// PayPal's limit on `PayPal-Request-Id` (Orders v2 and Payments v2).
const PAYPAL_REQUEST_ID_MAX: usize = 108;

/// One request the fake PayPal received.
#[derive(Clone, Debug)]
struct PaypalCall {
    method: String,
    path: String,
    authorization: String,
    content_type: String,
    request_id: Option<String>,
    body: String,
}

impl PaypalCall {
    fn json(&self) -> Value {
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

/// A local server playing PayPal's REST API.
#[derive(Clone)]
struct FakePaypal {
    base: String,
    book: Arc<Mutex<PaypalBook>>,
}

impl FakePaypal {
    async fn start() -> Self {
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
                        let mut book = book.lock().expect("lock");
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

    /// The requests made to `path`, oldest first.
    fn calls(&self, path: &str) -> Vec<PaypalCall> {
        let book = self.book.lock().expect("lock");
        book.calls
            .iter()
            .filter(|c| c.path == path)
            .cloned()
            .collect()
    }

    fn order(&self, id: &str) -> Value {
        self.book.lock().expect("lock").orders[id].clone()
    }

    /// The payer approves the order at PayPal.
    fn approve(&self, order_id: &str) {
        let mut book = self.book.lock().expect("lock");
        let order = book.orders.get_mut(order_id).expect("order");
        assert_eq!(order["status"], "CREATED");
        order["status"] = json!("APPROVED");
        order["payer"] = json!({"payer_id": "QYR5Z8XDVJNXQ", "email_address": "payer@example.com"});
    }

    fn capture_of(&self, order_id: &str) -> Value {
        self.order(order_id)["purchase_units"][0]["payments"]["captures"][0].clone()
    }

    /// A refund made in PayPal's own dashboard.
    fn refund_outside(&self, capture_id: &str, currency: &str, value: &str) -> Value {
        let mut book = self.book.lock().expect("lock");
        let capture = book.capture(capture_id).expect("capture");
        book.next += 1;
        let n = book.next;
        book.refund(
            n,
            &capture,
            json!({"currency_code": currency, "value": value}),
        )
    }
}

async fn app_with_paypal(backend: Backend) -> Option<(TestApp, FakePaypal)> {
    let paypal = FakePaypal::start().await;
    let mut settings = test_settings();
    let mut config = medicaledu_payments::PaypalConfig::new(
        PAYPAL_CLIENT_ID,
        PAYPAL_CLIENT_SECRET,
        PAYPAL_WEBHOOK_ID,
    );
    config.api_base = paypal.base.clone();
    settings.paypal = Some(config);
    Some((spawn_app_with(backend, settings).await?, paypal))
}

fn paypal_event(id: &str, event_type: &str, resource_type: &str, resource: Value) -> Value {
    json!({
        "id": id, "event_version": "1.0", "create_time": "2024-05-01T10:06:00.000Z",
        "resource_type": resource_type, "resource_version": "2.0", "event_type": event_type,
        "summary": event_type, "resource": resource,
        "links": [{"href": format!("https://api.paypal.com/v1/notifications/webhooks-events/{id}"), "rel": "self", "method": "GET"}],
    })
}

/// Has the fake sign `body` as a delivery to this app; the transmission id.
fn paypal_sign(paypal: &FakePaypal, body: &str) -> String {
    let transmission = uuid::Uuid::now_v7().to_string();
    paypal
        .book
        .lock()
        .expect("lock")
        .signed
        .insert(transmission.clone(), body.to_owned());
    transmission
}

async fn paypal_deliver(app: &TestApp, transmission: &str, body: &str) -> u16 {
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
async fn paypal_webhook(app: &TestApp, paypal: &FakePaypal, event: &Value, signed: bool) -> u16 {
    let body = serde_json::to_string_pretty(event).expect("json");
    let transmission = if signed {
        paypal_sign(paypal, &body)
    } else {
        uuid::Uuid::now_v7().to_string()
    };
    paypal_deliver(app, &transmission, &body).await
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

/// The PayPal checkout: an order for the booking's price (yen have no
/// decimals), the payer's approval, capture on the verified approval
/// webhook, and one confirmation however often PayPal reports it.
async fn paypal_checkout_is_captured_and_confirmed_once(backend: Backend) {
    let Some((app, paypal)) = app_with_paypal(backend).await else {
        return;
    };
    let (student, booking, _, _) = pending_booking_in(&app, 5000, "JPY").await;
    let created = app
        .send(
            Method::POST,
            &format!("/api/v1/bookings/{booking}/payments"),
            &student,
            Some(&json!({"provider": "paypal"})),
        )
        .await;
    assert_eq!(created.status(), 201);
    let payment = json_of(created).await;
    let payment_id = payment["id"].as_str().expect("id").to_owned();
    let order = payment["provider_payment_id"]
        .as_str()
        .expect("order id")
        .to_owned();
    assert_eq!(payment["provider"], "paypal");
    assert_eq!(payment["status"], "requires_action");
    assert_eq!(payment["display_amount"], "JPY 5000");
    assert_eq!(
        payment["approval_url"],
        format!("https://www.sandbox.paypal.com/checkoutnow?token={order}")
    );

    let tokens = paypal.calls("/v1/oauth2/token");
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].authorization, PAYPAL_BASIC_AUTH);
    assert_eq!(tokens[0].body, "grant_type=client_credentials");
    let creates = paypal.calls("/v2/checkout/orders");
    assert_eq!(creates.len(), 1);
    let create = &creates[0];
    assert_eq!(create.method, "POST");
    assert_eq!(create.authorization, format!("Bearer {PAYPAL_TOKEN}"));
    assert_eq!(create.content_type, "application/json");
    assert_eq!(
        create.request_id.as_deref(),
        Some(payment_id.as_str()),
        "the payment id makes retries idempotent"
    );
    let sent = create.json();
    assert_eq!(sent["intent"], "CAPTURE");
    let units = sent["purchase_units"].as_array().expect("purchase units");
    assert_eq!(units.len(), 1);
    assert_eq!(
        units[0]["amount"],
        json!({"currency_code": "JPY", "value": "5000"})
    );
    assert_eq!(units[0]["invoice_id"], booking.as_str());
    assert_eq!(units[0]["custom_id"], payment_id.as_str());

    // The student approves at PayPal; PayPal announces it.
    paypal.approve(&order);
    let approved = paypal_event(
        "WH-4HW8R3N8K5427704J-1PS43524HF9562015",
        "CHECKOUT.ORDER.APPROVED",
        "checkout-order",
        paypal.order(&order),
    );
    assert_eq!(
        paypal_webhook(&app, &paypal, &approved, false).await,
        400,
        "PayPal answers FAILURE"
    );
    let other = serde_json::to_string_pretty(&paypal_event(
        "WH-OTHER",
        "CHECKOUT.ORDER.APPROVED",
        "checkout-order",
        json!({"id": "OTHER", "status": "APPROVED"}),
    ))
    .expect("json");
    let borrowed = paypal_sign(&paypal, &other);
    let body = serde_json::to_string_pretty(&approved).expect("json");
    assert_eq!(
        paypal_deliver(&app, &borrowed, &body).await,
        400,
        "another delivery's signature"
    );
    let unsigned = app
        .client
        .post(app.url("/api/v1/webhooks/paypal"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("request");
    assert_eq!(unsigned.status(), 400, "no transmission headers");
    assert!(
        paypal
            .calls(&format!("/v2/checkout/orders/{order}/capture"))
            .is_empty(),
        "nothing is captured on an unverified event"
    );
    let (charges, _) = booking_payments(&app, &student, &booking).await;
    assert_eq!(charges[0]["status"], "requires_action");
    assert_eq!(booking_status(&app, &student, &booking).await, "pending");

    assert_eq!(paypal_webhook(&app, &paypal, &approved, true).await, 200);
    let captures = paypal.calls(&format!("/v2/checkout/orders/{order}/capture"));
    assert_eq!(captures.len(), 1);
    assert_eq!(captures[0].method, "POST");
    assert_eq!(captures[0].authorization, format!("Bearer {PAYPAL_TOKEN}"));
    let capture_key = captures[0].request_id.clone().expect("PayPal-Request-Id");
    assert_ne!(capture_key, payment_id, "a request id of its own");
    let (charges, _) = booking_payments(&app, &student, &booking).await;
    assert_eq!(charges[0]["status"], "succeeded");
    assert_eq!(charges[0]["amount_minor"], 5000);
    assert_eq!(booking_status(&app, &student, &booking).await, "confirmed");

    // PayPal reports the capture, and may deliver the approval again.
    let completed = paypal_event(
        "WH-58D329510W468432D-8HN650336L201105X",
        "PAYMENT.CAPTURE.COMPLETED",
        "capture",
        paypal.capture_of(&order),
    );
    for _ in 0..2 {
        assert_eq!(paypal_webhook(&app, &paypal, &completed, true).await, 200);
    }
    assert_eq!(paypal_webhook(&app, &paypal, &approved, true).await, 200);
    let captures = paypal.calls(&format!("/v2/checkout/orders/{order}/capture"));
    assert!(
        captures
            .iter()
            .all(|c| c.request_id.as_deref() == Some(capture_key.as_str())),
        "a repeated capture reuses its request id"
    );
    assert_eq!(
        paypal.order(&order)["purchase_units"][0]["payments"]["captures"]
            .as_array()
            .expect("captures")
            .len(),
        1
    );
    assert_eq!(confirmations(&app).await, 1, "confirmed once");
    let enrollments = json_of(
        app.send(Method::GET, "/api/v1/me/enrollments", &student, None)
            .await,
    )
    .await;
    assert_eq!(enrollments["items"].as_array().expect("items").len(), 1);
    let (charges, refunds) = booking_payments(&app, &student, &booking).await;
    assert_eq!(charges.len(), 1);
    assert_eq!(charges[0]["status"], "succeeded");
    assert!(refunds.is_empty());
    assert_eq!(
        paypal.calls("/v1/oauth2/token").len(),
        1,
        "the access token is reused"
    );
    assert!(
        paypal
            .calls("/v1/notifications/verify-webhook-signature")
            .iter()
            .all(|c| c.authorization == format!("Bearer {PAYPAL_TOKEN}"))
    );
}

/// PayPal refunds captures: the app's refunds go to the capture of the
/// order, in the currency's decimals (three for dinars), and refunds PayPal
/// announces are counted once, whether the app or the dashboard made them.
async fn paypal_refunds_go_to_the_capture(backend: Backend) {
    let Some((app, paypal)) = app_with_paypal(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let (student, booking, _, _) = pending_booking_in(&app, 12_345, "BHD").await;
    // A client key this long gives an idempotency key past PayPal's limit.
    let client_key = "checkout-".repeat(14);
    let pay = || async {
        app.client
            .post(app.url(&format!("/api/v1/bookings/{booking}/payments")))
            .bearer_auth(&student)
            .header("idempotency-key", &client_key)
            .json(&json!({"provider": "paypal"}))
            .send()
            .await
            .expect("request")
    };
    let created = pay().await;
    assert_eq!(created.status(), 201);
    let payment = json_of(created).await;
    assert_eq!(payment["display_amount"], "BHD 12.345");
    let again = pay().await;
    assert_eq!(again.status(), 200, "a retry returns the same charge");
    assert_eq!(json_of(again).await["id"], payment["id"]);
    let charge = payment["id"].as_str().expect("id").to_owned();
    let order = payment["provider_payment_id"]
        .as_str()
        .expect("order")
        .to_owned();
    let creates = paypal.calls("/v2/checkout/orders");
    assert_eq!(creates.len(), 1);
    let request_id = creates[0].request_id.clone().expect("PayPal-Request-Id");
    assert!(!request_id.is_empty() && request_id.len() <= PAYPAL_REQUEST_ID_MAX);
    assert_eq!(
        creates[0].json()["purchase_units"][0]["amount"],
        json!({"currency_code": "BHD", "value": "12.345"})
    );

    paypal.approve(&order);
    let approved = paypal_event(
        "WH-APPROVED-BHD",
        "CHECKOUT.ORDER.APPROVED",
        "checkout-order",
        paypal.order(&order),
    );
    assert_eq!(paypal_webhook(&app, &paypal, &approved, true).await, 200);
    let captures = paypal.calls(&format!("/v2/checkout/orders/{order}/capture"));
    let capture_key = captures[0].request_id.clone().expect("PayPal-Request-Id");
    assert!(capture_key.len() <= PAYPAL_REQUEST_ID_MAX);
    assert_eq!(booking_status(&app, &student, &booking).await, "confirmed");
    let capture = paypal.capture_of(&order);
    let capture_id = capture["id"].as_str().expect("capture id").to_owned();
    let refund_path = format!("/v2/payments/captures/{capture_id}/refund");

    let partial = app
        .send(
            Method::POST,
            &format!("/api/v1/payments/{charge}/refunds"),
            &admin,
            Some(&json!({"amount_minor": 2000, "reason": "late start"})),
        )
        .await;
    assert_eq!(partial.status(), 201);
    let partial = json_of(partial).await;
    assert_eq!(partial["status"], "succeeded");
    assert_eq!(partial["refund_of"], charge.as_str());
    let sent = paypal.calls(&refund_path);
    assert_eq!(sent.len(), 1, "refunded at the capture, not the order");
    assert_eq!(sent[0].authorization, format!("Bearer {PAYPAL_TOKEN}"));
    assert!(sent[0].request_id.as_ref().is_some_and(|id| !id.is_empty()));
    assert_eq!(
        sent[0].json()["amount"],
        json!({"currency_code": "BHD", "value": "2.000"})
    );
    let made = paypal.book.lock().expect("lock").refunds[0].clone();
    assert_eq!(partial["provider_payment_id"], made["id"]);

    // PayPal announces the app's own refund: nothing new.
    let announced = paypal_event("WH-REFUND-1", "PAYMENT.CAPTURE.REFUNDED", "refund", made);
    assert_eq!(paypal_webhook(&app, &paypal, &announced, true).await, 200);
    // A refund made in PayPal's dashboard: recorded once.
    let outside = paypal.refund_outside(&capture_id, "BHD", "3.000");
    let event = paypal_event(
        "WH-REFUND-2",
        "PAYMENT.CAPTURE.REFUNDED",
        "refund",
        outside.clone(),
    );
    assert_eq!(paypal_webhook(&app, &paypal, &event, false).await, 400);
    for _ in 0..2 {
        assert_eq!(paypal_webhook(&app, &paypal, &event, true).await, 200);
    }
    let (charges, refunds) = booking_payments(&app, &student, &booking).await;
    assert_eq!(amounts(&refunds), [2000, 3000]);
    assert_eq!(refunds[1]["provider_payment_id"], outside["id"]);
    assert_eq!(charges[0]["refunded_minor"], 5000);

    // The rest, from the app.
    let rest = app
        .send(
            Method::POST,
            &format!("/api/v1/payments/{charge}/refunds"),
            &admin,
            Some(&json!({"reason": "session cancelled"})),
        )
        .await;
    assert_eq!(rest.status(), 201);
    let sent = paypal.calls(&refund_path);
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[1].json()["amount"],
        json!({"currency_code": "BHD", "value": "7.345"})
    );
    assert_ne!(sent[0].request_id, sent[1].request_id);
    let more = app
        .send(
            Method::POST,
            &format!("/api/v1/payments/{charge}/refunds"),
            &admin,
            Some(&json!({"amount_minor": 1, "reason": "too much"})),
        )
        .await;
    assert_eq!(more.status(), 409);
    let (charges, refunds) = booking_payments(&app, &student, &booking).await;
    assert_eq!(amounts(&refunds), [2000, 3000, 7345]);
    assert_eq!(charges[0]["refunded_minor"], 12_345);
    assert!(
        paypal
            .calls(&format!("/v2/payments/captures/{order}/refund"))
            .is_empty()
    );
}

/// PayPal captured, but its answer to the app's capture call was lost: the
/// approval webhook fails (PayPal will deliver it again), and the capture's
/// own webhook settles the charge, which can then be refunded at the capture.
async fn paypal_capture_known_only_from_its_webhook_is_refundable(backend: Backend) {
    let Some((app, paypal)) = app_with_paypal(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let (student, booking, _, _) = pending_booking(&app, 2500).await;
    let payment = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/bookings/{booking}/payments"),
            &student,
            Some(&json!({"provider": "paypal"})),
        )
        .await,
    )
    .await;
    let charge = payment["id"].as_str().expect("id").to_owned();
    let order = payment["provider_payment_id"]
        .as_str()
        .expect("order")
        .to_owned();
    assert_eq!(
        paypal.calls("/v2/checkout/orders")[0].json()["purchase_units"][0]["amount"],
        json!({"currency_code": "USD", "value": "25.00"})
    );
    paypal.approve(&order);
    let approved = paypal_event(
        "WH-APPROVED-LOST",
        "CHECKOUT.ORDER.APPROVED",
        "checkout-order",
        paypal.order(&order),
    );
    paypal.book.lock().expect("lock").lose_capture_answer = true;
    assert_eq!(
        paypal_webhook(&app, &paypal, &approved, true).await,
        502,
        "PayPal is asked to deliver it again"
    );
    assert_eq!(paypal.order(&order)["status"], "COMPLETED");
    let (charges, _) = booking_payments(&app, &student, &booking).await;
    assert_eq!(charges[0]["status"], "requires_action");

    let capture = paypal.capture_of(&order);
    let capture_id = capture["id"].as_str().expect("capture id").to_owned();
    let completed = paypal_event(
        "WH-CAPTURE-LOST",
        "PAYMENT.CAPTURE.COMPLETED",
        "capture",
        capture,
    );
    assert_eq!(paypal_webhook(&app, &paypal, &completed, true).await, 200);
    let (charges, _) = booking_payments(&app, &student, &booking).await;
    assert_eq!(charges[0]["status"], "succeeded");
    assert_eq!(booking_status(&app, &student, &booking).await, "confirmed");

    let refund = app
        .send(
            Method::POST,
            &format!("/api/v1/payments/{charge}/refunds"),
            &admin,
            Some(&json!({"reason": "double booking"})),
        )
        .await;
    assert_eq!(refund.status(), 201);
    assert_eq!(json_of(refund).await["status"], "succeeded");
    let sent = paypal.calls(&format!("/v2/payments/captures/{capture_id}/refund"));
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].json()["amount"],
        json!({"currency_code": "USD", "value": "25.00"})
    );

    // PayPal's second delivery of the approval: the capture is read back.
    assert_eq!(paypal_webhook(&app, &paypal, &approved, true).await, 200);
    assert_eq!(confirmations(&app).await, 1);
    let (charges, refunds) = booking_payments(&app, &student, &booking).await;
    assert_eq!(charges[0]["status"], "succeeded");
    assert_eq!(charges[0]["refunded_minor"], 2500);
    assert_eq!(amounts(&refunds), [2500]);
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

/// The PayPal buttons' `onApprove` asks the app to capture: refused while
/// the payer has not approved, then captured and confirmed once, even when
/// two captures and PayPal's approval webhook arrive together.
async fn paypal_capture_endpoint_confirms_once_racing_the_webhook(backend: Backend) {
    let Some((app, paypal)) = app_with_paypal(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let (student, booking, instructor, _) = pending_booking(&app, 4200).await;
    let (charge, order) = paypal_charge(&app, &student, &booking).await;
    let capture_path = format!("/v2/checkout/orders/{order}/capture");

    // Too early: PayPal refuses, and nothing changes.
    let (status, code) = problem_code(capture(&app, &student, &charge).await).await;
    assert_eq!((status, code), (409, json!("payment_not_approved")));
    assert_eq!(paypal.calls(&capture_path).len(), 1, "PayPal was asked");
    let (charges, _) = booking_payments(&app, &student, &booking).await;
    assert_eq!(charges[0]["status"], "requires_action");
    assert_eq!(booking_status(&app, &student, &booking).await, "pending");
    assert_eq!(paypal.order(&order)["status"], "CREATED");

    // Only the payer and admins may capture; to others the payment is unknown.
    let other = app.user("someone-else@example.com", "student").await;
    for token in [&other, &instructor] {
        let (status, code) = problem_code(capture(&app, token, &charge).await).await;
        assert_eq!((status, code), (404, json!("not_found")));
    }
    let (status, _) = problem_code(capture(&app, &student, "not-a-uuid").await).await;
    assert_eq!(status, 404);
    let manual = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/bookings/{booking}/payments"),
            &student,
            Some(&json!({"provider": "manual"})),
        )
        .await,
    )
    .await;
    let manual = manual["id"].as_str().expect("id");
    let (status, code) = problem_code(capture(&app, &student, manual).await).await;
    assert_eq!((status, code), (409, json!("not_capturable")));
    assert_eq!(paypal.calls(&capture_path).len(), 1);

    // The payer approves; the browser (twice: a double click) and PayPal's
    // webhook all ask for the capture at once.
    paypal.approve(&order);
    let approved = paypal_event(
        "WH-APPROVED-RACE",
        "CHECKOUT.ORDER.APPROVED",
        "checkout-order",
        paypal.order(&order),
    );
    let app = Arc::new(app);
    let barrier = Arc::new(Barrier::new(3));
    let mut captures = Vec::new();
    for token in [student.clone(), admin.clone()] {
        let (app, barrier, charge) = (Arc::clone(&app), Arc::clone(&barrier), charge.clone());
        captures.push(tokio::spawn(async move {
            barrier.wait().await;
            let response = capture(&app, &token, &charge).await;
            (response.status().as_u16(), json_of(response).await)
        }));
    }
    let webhook = {
        let (app, barrier, paypal) = (Arc::clone(&app), Arc::clone(&barrier), paypal.clone());
        tokio::spawn(async move {
            barrier.wait().await;
            paypal_webhook(&app, &paypal, &approved, true).await
        })
    };
    for handle in captures {
        let (status, payment) = handle.await.expect("task");
        assert_eq!(status, 200, "{payment}");
        assert_eq!(payment["status"], "succeeded", "{payment}");
        assert_eq!(payment["id"], charge.as_str());
    }
    assert_eq!(webhook.await.expect("task"), 200);

    assert_eq!(confirmations(&app).await, 1, "confirmed once");
    assert_eq!(booking_status(&app, &student, &booking).await, "confirmed");
    let sent = paypal.calls(&capture_path);
    let request_id = sent[0].request_id.clone().expect("PayPal-Request-Id");
    assert!(
        sent.iter()
            .all(|c| c.request_id.as_deref() == Some(request_id.as_str())),
        "one request id for every capture of the charge"
    );
    assert_ne!(request_id, charge, "not the order's own request id");
    assert_eq!(
        paypal.order(&order)["purchase_units"][0]["payments"]["captures"]
            .as_array()
            .expect("captures")
            .len(),
        1
    );
    let succeeded: i64 = medicaledu_store::on_db!(&app.test_db.db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_logs WHERE action = 'payment.succeeded'").fetch_one(pool).await.expect("count")
    });
    assert_eq!(succeeded, 1);
    let inbox = json_of(
        app.send(
            Method::GET,
            "/api/v1/me/notifications?limit=100",
            &student,
            None,
        )
        .await,
    )
    .await;
    let told = inbox["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|n| n["kind"] == "payment.succeeded")
        .count();
    assert_eq!(told, 1, "the student hears of the payment once");

    // Captured already: answered from the app's own record.
    let before = paypal.calls(&capture_path).len();
    let again = capture(&app, &student, &charge).await;
    assert_eq!(again.status(), 200);
    let again = json_of(again).await;
    assert_eq!(again["status"], "succeeded");
    assert_eq!(again["amount_minor"], 4200);
    assert_eq!(
        paypal.calls(&capture_path).len(),
        before,
        "PayPal not asked"
    );
    let completed = paypal_event(
        "WH-CAPTURED-RACE",
        "PAYMENT.CAPTURE.COMPLETED",
        "capture",
        paypal.capture_of(&order),
    );
    assert_eq!(paypal_webhook(&app, &paypal, &completed, true).await, 200);
    assert_eq!(confirmations(&app).await, 1);

    // The capture id was kept: a refund goes to it.
    let capture_id = paypal.capture_of(&order)["id"]
        .as_str()
        .expect("capture id")
        .to_owned();
    let refund = app
        .send(
            Method::POST,
            &format!("/api/v1/payments/{charge}/refunds"),
            &admin,
            Some(&json!({"amount_minor": 200, "reason": "late start"})),
        )
        .await;
    assert_eq!(refund.status(), 201);
    assert_eq!(
        paypal
            .calls(&format!("/v2/payments/captures/{capture_id}/refund"))
            .len(),
        1
    );
}

/// A payer who approves after the booking's hold lapsed, when the seat went
/// to someone else: the capture takes the money and gives it straight back,
/// as a late webhook would.
async fn paypal_capture_after_the_seat_went_is_refunded(backend: Backend) {
    let Some((app, paypal)) = app_with_paypal(backend).await else {
        return;
    };
    let instructor = app.user("late-teacher@example.com", "instructor").await;
    let course = app
        .published_course(&instructor, "One Seat Only", 3100)
        .await;
    let starts = (Utc::now() + Duration::days(9))
        .date_naive()
        .and_hms_opt(9, 0, 0)
        .expect("time")
        .and_utc();
    let body = json!({"starts_at": starts.to_rfc3339(), "ends_at": (starts + Duration::hours(1)).to_rfc3339(), "timezone": "UTC", "capacity": 1});
    let slot = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/courses/{course}/slots"),
            &instructor,
            Some(&body),
        )
        .await,
    )
    .await;
    let slot = slot["items"][0]["id"].as_str().expect("slot").to_owned();
    let slow = app.user("slow@example.com", "student").await;
    let booking = json_of(
        app.send(
            Method::POST,
            "/api/v1/bookings",
            &slow,
            Some(&json!({"slot_id": slot})),
        )
        .await,
    )
    .await;
    let booking = booking["id"].as_str().expect("id").to_owned();
    let (charge, order) = paypal_charge(&app, &slow, &booking).await;
    let state =
        medicaledu_api::AppState::new(app.test_db.db.clone(), test_settings()).expect("state");
    let later = medicaledu_domain::Timestamp::from(Utc::now() + Duration::minutes(16));
    assert_eq!(
        medicaledu_api::bookings::expire_holds(&state, later)
            .await
            .expect("sweep"),
        1
    );
    let quick = app.user("quick@example.com", "student").await;
    assert_eq!(
        app.send(
            Method::POST,
            "/api/v1/bookings",
            &quick,
            Some(&json!({"slot_id": slot}))
        )
        .await
        .status(),
        201,
        "the freed seat goes to someone else"
    );

    paypal.approve(&order);
    let captured = capture(&app, &slow, &charge).await;
    assert_eq!(captured.status(), 200);
    assert_eq!(json_of(captured).await["status"], "succeeded");
    assert_eq!(booking_status(&app, &slow, &booking).await, "expired");
    let capture_id = paypal.capture_of(&order)["id"]
        .as_str()
        .expect("capture id")
        .to_owned();
    let sent = paypal.calls(&format!("/v2/payments/captures/{capture_id}/refund"));
    assert_eq!(sent.len(), 1, "the money goes back at once");
    assert_eq!(
        sent[0].json()["amount"],
        json!({"currency_code": "USD", "value": "31.00"})
    );
    let (charges, refunds) = booking_payments(&app, &slow, &booking).await;
    assert_eq!(charges[0]["refunded_minor"], 3100);
    assert_eq!(amounts(&refunds), [3100]);
    assert_eq!(refunds[0]["status"], "succeeded");
    assert_eq!(confirmations(&app).await, 0);
}

/// PayPal can announce one of the app's refunds before the app has stored
/// PayPal's answer to it. The running total in the event says whether its
/// money is counted: the refunds recorded add up to PayPal's total in every
/// order of arrival, never more, and each keeps its own PayPal id.
async fn paypal_refund_events_count_by_the_running_total(backend: Backend) {
    let Some((app, paypal)) = app_with_paypal(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let (student, booking, _, _) = pending_booking(&app, 10_000).await;
    let (charge, order) = paypal_charge(&app, &student, &booking).await;
    paypal.approve(&order);
    assert_eq!(capture(&app, &student, &charge).await.status(), 200);
    let capture_id = paypal.capture_of(&order)["id"]
        .as_str()
        .expect("capture id")
        .to_owned();
    let app = Arc::new(app);
    let refund_of = |amount: Option<i64>| {
        let (app, admin, charge) = (Arc::clone(&app), admin.clone(), charge.clone());
        async move {
            let mut body = json!({"reason": "schedule change"});
            if let Some(amount) = amount {
                body["amount_minor"] = json!(amount);
            }
            app.send(
                Method::POST,
                &format!("/api/v1/payments/{charge}/refunds"),
                &admin,
                Some(&body),
            )
            .await
        }
    };

    // The app refunds 40.00; PayPal makes the refund and announces it
    // before its answer reaches the app.
    let (made_tx, made) = oneshot::channel();
    let (release, release_rx) = oneshot::channel();
    paypal.book.lock().expect("lock").hold_refund = Some((made_tx, release_rx));
    let in_app = tokio::spawn(refund_of(Some(4000)));
    let made = made.await.expect("the refund is made at PayPal");
    assert_eq!(
        made["seller_payable_breakdown"]["total_refunded_amount"],
        json!({"currency_code": "USD", "value": "40.00"})
    );
    let early = paypal_event(
        "WH-REFUND-EARLY",
        "PAYMENT.CAPTURE.REFUNDED",
        "refund",
        made.clone(),
    );
    assert_eq!(paypal_webhook(&app, &paypal, &early, true).await, 200);
    let (charges, refunds) = booking_payments(&app, &student, &booking).await;
    assert_eq!(amounts(&refunds), [4000], "already counted: nothing new");
    assert_eq!(refunds[0]["status"], "pending");
    assert_eq!(charges[0]["refunded_minor"], 4000);

    // Meanwhile 10.00 is refunded in PayPal's dashboard: counted once, but
    // not under an id that may yet turn out to be the app's.
    let outside = paypal.refund_outside(&capture_id, "USD", "10.00");
    assert_eq!(
        outside["seller_payable_breakdown"]["total_refunded_amount"]["value"],
        "50.00"
    );
    let dashboard = paypal_event(
        "WH-REFUND-DASH",
        "PAYMENT.CAPTURE.REFUNDED",
        "refund",
        outside.clone(),
    );
    assert_eq!(paypal_webhook(&app, &paypal, &dashboard, true).await, 200);

    // The answer arrives; then PayPal delivers both events again, and the
    // early one once more in the older form without the total.
    release.send(()).expect("the fake waits");
    let in_app = in_app.await.expect("task");
    assert_eq!(in_app.status(), 201);
    let in_app = json_of(in_app).await;
    assert_eq!(in_app["status"], "succeeded");
    assert_eq!(in_app["provider_payment_id"], made["id"]);
    for event in [&early, &dashboard] {
        assert_eq!(paypal_webhook(&app, &paypal, event, true).await, 200);
    }
    let mut bare = made.clone();
    bare.as_object_mut()
        .expect("refund")
        .remove("seller_payable_breakdown");
    let bare = paypal_event("WH-REFUND-BARE", "PAYMENT.CAPTURE.REFUNDED", "refund", bare);
    assert_eq!(paypal_webhook(&app, &paypal, &bare, true).await, 200);
    let (charges, refunds) = booking_payments(&app, &student, &booking).await;
    assert_eq!(amounts(&refunds), [4000, 1000]);
    assert_eq!(refunds[0]["provider_payment_id"], made["id"]);
    assert_eq!(refunds[1]["provider_payment_id"], Value::Null);
    assert!(refunds.iter().all(|r| r["status"] == "succeeded"));
    assert_eq!(charges[0]["refunded_minor"], 5000);

    // The usual order: the app stores its refund, PayPal announces it after.
    let second = refund_of(Some(2000)).await;
    assert_eq!(second.status(), 201);
    let second = json_of(second).await;
    let made = paypal
        .book
        .lock()
        .expect("lock")
        .refunds
        .last()
        .cloned()
        .expect("refund");
    assert_eq!(second["provider_payment_id"], made["id"]);
    let after = paypal_event(
        "WH-REFUND-AFTER",
        "PAYMENT.CAPTURE.REFUNDED",
        "refund",
        made,
    );
    assert_eq!(paypal_webhook(&app, &paypal, &after, true).await, 200);
    // And a last dashboard refund, with nothing of the app's in flight: kept
    // under its PayPal id.
    let last = paypal.refund_outside(&capture_id, "USD", "30.00");
    let event = paypal_event(
        "WH-REFUND-LAST",
        "PAYMENT.CAPTURE.REFUNDED",
        "refund",
        last.clone(),
    );
    for _ in 0..2 {
        assert_eq!(paypal_webhook(&app, &paypal, &event, true).await, 200);
    }
    let (charges, refunds) = booking_payments(&app, &student, &booking).await;
    assert_eq!(amounts(&refunds), [4000, 1000, 2000, 3000]);
    assert_eq!(refunds[3]["provider_payment_id"], last["id"]);
    assert_eq!(
        paypal.book.lock().expect("lock").refunded[&capture_id],
        10_000,
        "the fake's own total agrees"
    );
    assert_eq!(charges[0]["refunded_minor"], 10_000);
    let inbox = json_of(
        app.send(
            Method::GET,
            "/api/v1/me/notifications?limit=100",
            &student,
            None,
        )
        .await,
    )
    .await;
    let told = inbox["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|n| n["kind"] == "payment.refunded")
        .count();
    assert_eq!(told, 4, "one notice per refund");

    // Nothing is left: "the rest" is refused like any refund above the charge.
    let (status, code) = problem_code(refund_of(None).await).await;
    assert_eq!((status, code), (409, json!("refund_exceeds_charge")));
    let (status, code) = problem_code(refund_of(Some(1)).await).await;
    assert_eq!((status, code), (409, json!("refund_exceeds_charge")));
    let zero = refund_of(Some(0)).await;
    assert_eq!(zero.status(), 422, "a non-positive amount is still invalid");
    let (_, refunds) = booking_payments(&app, &student, &booking).await;
    assert_eq!(refunds.len(), 4);
    assert_eq!(
        paypal
            .calls(&format!("/v2/payments/captures/{capture_id}/refund"))
            .len(),
        2,
        "PayPal is asked only for the app's two refunds"
    );
}

both_backends!(
    late_payments_are_honoured_or_refunded,
    stripe_charge_is_confirmed_once_by_a_signed_webhook,
    refunds_never_exceed_the_charge_even_when_racing,
    manual_payments_are_settled_by_an_admin,
    stripe_dashboard_refunds_are_recorded_once,
    concurrent_stripe_refund_events_count_the_total_once,
    paypal_checkout_is_captured_and_confirmed_once,
    paypal_refunds_go_to_the_capture,
    paypal_capture_known_only_from_its_webhook_is_refundable,
    paypal_capture_endpoint_confirms_once_racing_the_webhook,
    paypal_capture_after_the_seat_went_is_refunded,
    paypal_refund_events_count_by_the_running_total,
);
