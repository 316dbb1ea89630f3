//! Stripe: payment intents confirmed once by signed webhooks, refunds made
//! in the app (racing, never above the charge, in the revenue report) and in
//! Stripe's dashboard (announced by cumulative `charge.refunded` events).

use std::sync::Arc;

use chrono::Utc;
use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::json;
use tokio::sync::Barrier;

use super::{amounts, booking_payments};
use crate::support::fake_stripe::{
    StripeCall, WEBHOOK_SECRET, app_with_stripe, charge_refunded_event, sign, signed_webhook,
    succeeded_event, webhook,
};
use crate::support::{PaidBooking, both_backends, json_of};

async fn stripe_charge_is_confirmed_once_by_a_signed_webhook(backend: Backend) {
    let Some((app, stripe)) = app_with_stripe(backend).await else {
        return;
    };
    let PaidBooking {
        student, booking, ..
    } = PaidBooking::builder(&app).price(4999).create().await;
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
        let calls = stripe.calls();
        let StripeCall {
            path,
            idempotency_key: key,
            body,
        } = &calls[0];
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
    let Some((app, stripe)) = app_with_stripe(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let PaidBooking {
        student, booking, ..
    } = PaidBooking::builder(&app).price(10_000).create().await;
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
    assert!(stripe.calls().iter().any(|call| call.path == "/v1/refunds"
        && call.body.contains("amount=2500")
        && call.body.contains("payment_intent=pi_1")));
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

/// Refunds made in the Stripe dashboard reach the app only as
/// `charge.refunded`, whose `amount_refunded` is cumulative: each event
/// records what is not yet counted, as a refund row of the charge.
async fn stripe_dashboard_refunds_are_recorded_once(backend: Backend) {
    let Some((app, _)) = app_with_stripe(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let PaidBooking {
        student, booking, ..
    } = PaidBooking::builder(&app).price(10_000).create().await;
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
    let PaidBooking {
        student, booking, ..
    } = PaidBooking::builder(&app).price(10_000).create().await;
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
    stripe_charge_is_confirmed_once_by_a_signed_webhook,
    refunds_never_exceed_the_charge_even_when_racing,
    stripe_dashboard_refunds_are_recorded_once,
    concurrent_stripe_refund_events_count_the_total_once,
);
