//! Promo codes: scope, previews with reasons, application at booking time,
//! redemption limits under concurrency, and release of unpaid redemptions.

use std::sync::Arc;

use chrono::{Duration, Utc};
use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::Barrier;

use crate::support::{TestApp, both_backends, json_of, spawn_app};

async fn create_code(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.send(Method::POST, "/api/v1/promo-codes", token, Some(&body))
        .await
}

fn reason(problem: &Value) -> String {
    problem["errors"][0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn codes_are_scoped_previewed_and_applied(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let instructor = app.user("promo-teacher@example.com", "instructor").await;
    let rival = app.user("rival@example.com", "instructor").await;
    let student = app.user("saver@example.com", "student").await;
    let course = app
        .published_course(&instructor, "Discounted Workshop", 10_000)
        .await;
    let rival_course = app.published_course(&rival, "Rival Workshop", 10_000).await;
    let session = app
        .slot(&instructor, &course)
        .in_days(5)
        .at_hour(15)
        .timezone("America/New_York")
        .capacity(10)
        .create()
        .await;

    assert_eq!(
        create_code(
            &app,
            &student,
            json!({"code": "NOPE", "discount_type": "percent", "value": 10})
        )
        .await
        .status(),
        403
    );
    let foreign = create_code(&app, &instructor, json!({"code": "STEAL", "discount_type": "percent", "value": 10, "course_id": rival_course})).await;
    assert_eq!(foreign.status(), 422);
    let own = json_of(create_code(&app, &instructor, json!({"code": "Spring25", "discount_type": "percent", "value": 25, "course_id": course})).await).await;
    let rival_id = app.me(&rival).await;
    assert_eq!(
        own["instructor_id"],
        app.me(&instructor).await.as_str(),
        "an instructor's code covers their own courses"
    );
    let bad = create_code(
        &app,
        &admin,
        json!({"code": "x", "discount_type": "fixed", "value": 0}),
    )
    .await;
    assert_eq!(bad.status(), 422);
    let mut named: Vec<String> = json_of(bad).await["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
        .collect();
    named.sort();
    assert_eq!(named, vec!["code", "currency", "value"]);
    assert_eq!(
        create_code(
            &app,
            &admin,
            json!({"code": "SPRING25", "discount_type": "percent", "value": 5})
        )
        .await
        .status(),
        409,
        "codes are unique ignoring case"
    );

    let preview = app
        .send(
            Method::POST,
            "/api/v1/promo-codes/validate",
            &student,
            Some(&json!({"code": "spring25", "slot_id": session})),
        )
        .await;
    let preview = json_of(preview).await;
    assert_eq!(preview["discount_minor"], 2500);
    assert_eq!(preview["total_minor"], 7500);
    assert_eq!(preview["display_total"], "USD 75.00");

    for (body, expected) in [
        (
            json!({"code": "EURO10", "discount_type": "fixed", "value": 1000, "currency": "EUR"}),
            "promo_currency_mismatch",
        ),
        (
            json!({"code": "RIVAL", "discount_type": "percent", "value": 10, "instructor_id": rival_id}),
            "promo_out_of_scope",
        ),
        (
            json!({"code": "OLD", "discount_type": "percent", "value": 10, "valid_from": "2020-01-01T00:00:00Z", "valid_until": "2021-01-01T00:00:00Z"}),
            "promo_expired",
        ),
        (
            json!({"code": "BIGSPENDER", "discount_type": "percent", "value": 10, "min_order_minor": 50_000}),
            "promo_below_minimum",
        ),
        (
            json!({"code": "PAUSED", "discount_type": "percent", "value": 10, "is_active": false}),
            "promo_inactive",
        ),
    ] {
        let code = body["code"].as_str().expect("code").to_owned();
        assert_eq!(create_code(&app, &admin, body).await.status(), 201);
        let refused = app
            .send(
                Method::POST,
                "/api/v1/promo-codes/validate",
                &student,
                Some(&json!({"code": code, "slot_id": session})),
            )
            .await;
        if expected == "promo_out_of_scope" {
            // Another instructor's code previews as an unknown one.
            assert_eq!(refused.status(), 404, "{code}");
            assert_eq!(json_of(refused).await["code"], "promo_not_found");
        } else {
            assert_eq!(refused.status(), 422);
            assert_eq!(reason(&json_of(refused).await), expected, "{code}");
        }
        let booking = app
            .send(
                Method::POST,
                "/api/v1/bookings",
                &student,
                Some(&json!({"slot_id": session, "promo_code": code})),
            )
            .await;
        assert_eq!(
            booking.status(),
            422,
            "a refused code refuses the booking and changes nothing"
        );
    }

    let booked = json_of(
        app.send(
            Method::POST,
            "/api/v1/bookings",
            &student,
            Some(&json!({"slot_id": session, "promo_code": "SPRING25"})),
        )
        .await,
    )
    .await;
    assert_eq!(booked["list_price_minor"], 10_000);
    assert_eq!(booked["discount_minor"], 2500);
    assert_eq!(booked["total_minor"], 7500);
    assert_eq!(booked["status"], "pending");

    let free = json_of(
        create_code(
            &app,
            &admin,
            json!({"code": "ONUS", "discount_type": "percent", "value": 100}),
        )
        .await,
    )
    .await;
    assert_eq!(free["value"], 100);
    let other = app.user("lucky@example.com", "student").await;
    let gift = json_of(
        app.send(
            Method::POST,
            "/api/v1/bookings",
            &other,
            Some(&json!({"slot_id": session, "promo_code": "onus"})),
        )
        .await,
    )
    .await;
    assert_eq!(gift["total_minor"], 0);
    assert_eq!(
        gift["status"], "confirmed",
        "a 100% code makes a free booking, confirmed at once"
    );
}

async fn twenty_bookings_race_for_five_redemptions(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let instructor = app.user("race-teacher@example.com", "instructor").await;
    let course = app
        .published_course(&instructor, "Limited Offer", 8_000)
        .await;
    let session = app
        .slot(&instructor, &course)
        .in_days(6)
        .at_hour(15)
        .timezone("America/New_York")
        .capacity(30)
        .create()
        .await;
    let created = json_of(create_code(&app, &admin, json!({"code": "FIRST5", "discount_type": "fixed", "value": 3000, "currency": "USD", "max_redemptions": 7})).await).await;
    let code_id = created["id"].as_str().expect("id").to_owned();
    for i in 0..2 {
        let early = app.user(&format!("early{i}@example.com"), "student").await;
        let response = app
            .send(
                Method::POST,
                "/api/v1/bookings",
                &early,
                Some(&json!({"slot_id": session, "promo_code": "FIRST5"})),
            )
            .await;
        assert_eq!(response.status(), 201);
    }
    let mut racers = Vec::new();
    for i in 0..20 {
        racers.push(app.user(&format!("racer{i}@example.com"), "student").await);
    }
    let app = Arc::new(app);
    let barrier = Arc::new(Barrier::new(racers.len()));
    let handles: Vec<_> = racers
        .into_iter()
        .map(|token| {
            let (app, barrier, session) = (Arc::clone(&app), Arc::clone(&barrier), session.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let response = app
                    .send(
                        Method::POST,
                        "/api/v1/bookings",
                        &token,
                        Some(&json!({"slot_id": session, "promo_code": "FIRST5"})),
                    )
                    .await;
                let status = response.status().as_u16();
                (status, json_of(response).await)
            })
        })
        .collect();
    let mut results = Vec::new();
    for handle in handles {
        results.push(handle.await.expect("task"));
    }
    let discounted = results
        .iter()
        .filter(|(s, b)| *s == 201 && b["discount_minor"] == 3000)
        .count();
    assert_eq!(discounted, 5, "exactly the five redemptions left");
    assert!(
        results
            .iter()
            .filter(|(s, _)| *s != 201)
            .all(|(s, b)| *s == 422 && reason(b) == "promo_exhausted"),
        "{results:?}"
    );
    let code = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/promo-codes/{code_id}"),
            &admin,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(code["redemption_count"], 7);

    // An unpaid booking that expires gives its redemption back.
    let later = Utc::now() + Duration::minutes(20);
    assert_eq!(app.expire_holds(later).await, 7);
    let code = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/promo-codes/{code_id}"),
            &admin,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(code["redemption_count"], 0);
}

async fn per_student_limits_hold(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let instructor = app.user("limit-teacher@example.com", "instructor").await;
    let course = app
        .published_course(&instructor, "Once Per Student", 4_000)
        .await;
    let first = app
        .slot(&instructor, &course)
        .in_days(7)
        .at_hour(15)
        .timezone("America/New_York")
        .capacity(5)
        .create()
        .await;
    let second = app
        .slot(&instructor, &course)
        .in_days(8)
        .at_hour(15)
        .timezone("America/New_York")
        .capacity(5)
        .create()
        .await;
    create_code(&app, &admin, json!({"code": "ONCE", "discount_type": "percent", "value": 10, "max_redemptions_per_user": 1})).await;
    let student = app.user("thrifty@example.com", "student").await;
    let booked = app
        .send(
            Method::POST,
            "/api/v1/bookings",
            &student,
            Some(&json!({"slot_id": first, "promo_code": "ONCE"})),
        )
        .await;
    assert_eq!(booked.status(), 201);
    let booking = json_of(booked).await["id"].as_str().expect("id").to_owned();
    let again = app
        .send(
            Method::POST,
            "/api/v1/bookings",
            &student,
            Some(&json!({"slot_id": second, "promo_code": "ONCE"})),
        )
        .await;
    assert_eq!(again.status(), 422);
    assert_eq!(reason(&json_of(again).await), "promo_per_user_limit");
    let cancelled = app
        .send(
            Method::POST,
            &format!("/api/v1/bookings/{booking}/cancel"),
            &student,
            Some(&json!({"reason": "changed plans"})),
        )
        .await;
    assert_eq!(cancelled.status(), 200);
    let after_release = app
        .send(
            Method::POST,
            "/api/v1/bookings",
            &student,
            Some(&json!({"slot_id": second, "promo_code": "ONCE"})),
        )
        .await;
    assert_eq!(
        after_release.status(),
        201,
        "cancelling an unpaid booking releases the code"
    );
}

both_backends!(
    codes_are_scoped_previewed_and_applied,
    twenty_bookings_race_for_five_redemptions,
    per_student_limits_hold,
);
