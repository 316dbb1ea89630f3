//! Payments end to end: a local server plays Stripe, webhooks are signed in
//! the test with its own HMAC, refunds race, and the revenue report adds up.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use chrono::{Duration, Utc};
use hmac::{Hmac, Mac};
use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::sync::Barrier;

use crate::support::{TestApp, both_backends, spawn_app_with, test_settings};

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

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("json")
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

both_backends!(
    late_payments_are_honoured_or_refunded,
    stripe_charge_is_confirmed_once_by_a_signed_webhook,
    refunds_never_exceed_the_charge_even_when_racing,
    manual_payments_are_settled_by_an_admin,
    stripe_dashboard_refunds_are_recorded_once,
    concurrent_stripe_refund_events_count_the_total_once,
);
