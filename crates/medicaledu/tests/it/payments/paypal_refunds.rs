//! PayPal refunds: made at the order's capture in the currency's decimals,
//! and announced refunds (the app's or the dashboard's) counted once by
//! PayPal's running total, in whatever order they arrive.

use std::sync::Arc;

use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};

use super::{amounts, booking_payments, booking_status, capture, paypal_charge, problem_code};
use crate::support::fake_paypal::{
    PAYPAL_REQUEST_ID_MAX, PAYPAL_TOKEN, app_with_paypal, paypal_event, paypal_webhook,
};
use crate::support::{PaidBooking, both_backends, json_of};

/// PayPal refunds captures: the app's refunds go to the capture of the
/// order, in the currency's decimals (three for dinars), and refunds PayPal
/// announces are counted once, whether the app or the dashboard made them.
async fn paypal_refunds_go_to_the_capture(backend: Backend) {
    let Some((app, paypal)) = app_with_paypal(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let PaidBooking {
        student, booking, ..
    } = PaidBooking::builder(&app)
        .price(12_345)
        .currency("BHD")
        .create()
        .await;
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
    let made = paypal.refunds()[0].clone();
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

/// PayPal can announce one of the app's refunds before the app has stored
/// PayPal's answer to it. The running total in the event says whether its
/// money is counted: the refunds recorded add up to PayPal's total in every
/// order of arrival, never more, and each keeps its own PayPal id.
async fn paypal_refund_events_count_by_the_running_total(backend: Backend) {
    let Some((app, paypal)) = app_with_paypal(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let PaidBooking {
        student, booking, ..
    } = PaidBooking::builder(&app).price(10_000).create().await;
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
    let (made, release) = paypal.hold_next_refund();
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
    let made = paypal.refunds().last().cloned().expect("refund");
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
        paypal.refunded(&capture_id),
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
    paypal_refunds_go_to_the_capture,
    paypal_refund_events_count_by_the_running_total,
);
