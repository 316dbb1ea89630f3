//! PayPal checkout: orders, the payer's approval, captures by webhook and
//! by the capture endpoint (confirmed once however they race), a capture
//! whose answer was lost, and a capture after the seat went.

use std::sync::Arc;

use chrono::{Duration, Utc};
use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::json;
use tokio::sync::Barrier;

use super::{
    amounts, booking_payments, booking_status, capture, confirmations, paypal_charge, problem_code,
};
use crate::support::fake_paypal::{
    PAYPAL_BASIC_AUTH, PAYPAL_TOKEN, app_with_paypal, paypal_deliver, paypal_event, paypal_webhook,
};
use crate::support::{PaidBooking, both_backends, json_of};

/// The PayPal checkout: an order for the booking's price (yen have no
/// decimals), the payer's approval, capture on the verified approval
/// webhook, and one confirmation however often PayPal reports it.
async fn paypal_checkout_is_captured_and_confirmed_once(backend: Backend) {
    let Some((app, paypal)) = app_with_paypal(backend).await else {
        return;
    };
    let PaidBooking {
        student, booking, ..
    } = PaidBooking::builder(&app)
        .price(5000)
        .currency("JPY")
        .create()
        .await;
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
    let borrowed = paypal.sign(&other);
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

/// PayPal captured, but its answer to the app's capture call was lost: the
/// approval webhook fails (PayPal will deliver it again), and the capture's
/// own webhook settles the charge, which can then be refunded at the capture.
async fn paypal_capture_known_only_from_its_webhook_is_refundable(backend: Backend) {
    let Some((app, paypal)) = app_with_paypal(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let PaidBooking {
        student, booking, ..
    } = PaidBooking::builder(&app).price(2500).create().await;
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
    paypal.lose_next_capture_answer();
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

/// The PayPal buttons' `onApprove` asks the app to capture: refused while
/// the payer has not approved, then captured and confirmed once, even when
/// two captures and PayPal's approval webhook arrive together.
async fn paypal_capture_endpoint_confirms_once_racing_the_webhook(backend: Backend) {
    let Some((app, paypal)) = app_with_paypal(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let PaidBooking {
        student,
        booking,
        instructor,
        ..
    } = PaidBooking::builder(&app).price(4200).create().await;
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
    let slot = app
        .slot(&instructor, &course)
        .in_days(9)
        .capacity(1)
        .create()
        .await;
    let slow = app.user("slow@example.com", "student").await;
    let booking = json_of(app.book(&slow, &slot).await).await;
    let booking = booking["id"].as_str().expect("id").to_owned();
    let (charge, order) = paypal_charge(&app, &slow, &booking).await;
    let later = Utc::now() + Duration::minutes(16);
    assert_eq!(app.expire_holds(later).await, 1);
    let quick = app.user("quick@example.com", "student").await;
    assert_eq!(
        app.book(&quick, &slot).await.status(),
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

both_backends!(
    paypal_checkout_is_captured_and_confirmed_once,
    paypal_capture_known_only_from_its_webhook_is_refundable,
    paypal_capture_endpoint_confirms_once_racing_the_webhook,
    paypal_capture_after_the_seat_went_is_refunded,
);
