//! Manual payments settled by an admin, reschedules that carry a payment
//! over, and payments that land after the booking's hold expired.

use chrono::{Duration, Utc};
use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::json;

use crate::support::fake_stripe::app_with_stripe;
use crate::support::{PaidBooking, both_backends, json_of};

async fn manual_payments_are_settled_by_an_admin(backend: Backend) {
    let Some((app, _)) = app_with_stripe(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let PaidBooking {
        student,
        booking,
        instructor,
        course,
        ..
    } = PaidBooking::builder(&app).price(3000).create().await;
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
    let second = app
        .slot(&instructor, &course)
        .in_days(12)
        .capacity(5)
        .create()
        .await;
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
    let slot = app
        .slot(&instructor, &course)
        .in_days(9)
        .capacity(1)
        .create()
        .await;
    let later = Utc::now() + Duration::minutes(16);

    let slow = app.user("slow@example.com", "student").await;
    let booking = json_of(app.book(&slow, &slot).await).await;
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
    assert_eq!(app.expire_holds(later).await, 1);
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
    let second = json_of(app.book(&late, &slot).await).await;
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
    assert_eq!(app.expire_holds(later).await, 1);
    let quick = app.user("quick@example.com", "student").await;
    assert_eq!(
        app.book(&quick, &slot).await.status(),
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

both_backends!(
    manual_payments_are_settled_by_an_admin,
    late_payments_are_honoured_or_refunded,
);
