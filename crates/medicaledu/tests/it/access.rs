//! Access holes and abuse: who sees meeting links,
//! the calendar token's lifetime, promo code probing, seat hoarding, client
//! request ids, diagram rendering costs and Stripe's test/live mode.

use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::fake_stripe::{FakeStripe, WEBHOOK_SECRET, signed_webhook, succeeded_event};
use crate::support::{
    PaidBooking, both_backends, json_of, spawn_app, spawn_app_with, test_settings,
};

fn is_uuid_v7(id: &str) -> bool {
    uuid::Uuid::parse_str(id).is_ok_and(|u| u.get_version_num() == 7)
}

async fn audited_request_ids(app: &crate::support::TestApp) -> Vec<String> {
    let sql = "SELECT request_id FROM audit_logs WHERE request_id IS NOT NULL";
    medicaledu_store::on_db!(&app.test_db.db, pool => {
        sqlx::query_scalar::<_, String>(sql).fetch_all(pool).await.expect("audit rows")
    })
}

async fn unacceptable_request_ids_are_replaced(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let long = "x".repeat(65);
    for (sent, kept) in [
        ("kept-id_1.0", true),
        ("tab\there", false),
        (long.as_str(), false),
    ] {
        let email = format!("r{}@example.com", sent.len());
        let response = app
            .client
            .post(app.url("/api/v1/auth/register"))
            .header("x-request-id", sent)
            .json(&json!({"email": email, "password": crate::support::PASSWORD, "full_name": "Dr. Test", "role": "student"}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 201);
        let echoed = response.headers()["x-request-id"]
            .to_str()
            .expect("ascii")
            .to_owned();
        if kept {
            assert_eq!(echoed, sent);
        } else {
            assert!(is_uuid_v7(&echoed), "{sent:?} was replaced, got {echoed}");
        }
        let audited = audited_request_ids(&app).await;
        assert!(audited.contains(&echoed), "the audit log has {echoed}");
    }
    assert!(
        audited_request_ids(&app)
            .await
            .iter()
            .all(|id| id.len() <= 64 && !id.contains('\t')),
        "nothing unacceptable reached the audit log"
    );

    // Pages get the same treatment before routing.
    let page = app
        .client
        .get(app.url("/"))
        .header("x-request-id", "tab\there")
        .send()
        .await
        .expect("page");
    let id = page.headers()["x-request-id"].to_str().expect("ascii");
    assert!(is_uuid_v7(id), "the page's request id is fresh: {id}");
    let page = app
        .client
        .get(app.url("/"))
        .header("x-request-id", "page-trace")
        .send()
        .await
        .expect("page");
    assert_eq!(page.headers()["x-request-id"], "page-trace");
}

async fn booking_status(app: &crate::support::TestApp, student: &str, booking: &str) -> Value {
    json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/bookings/{booking}"),
            student,
            None,
        )
        .await,
    )
    .await["status"]
        .clone()
}

async fn stripe_events_of_the_other_mode_change_nothing(backend: Backend) {
    for (key, live) in [("sk_test_123", false), ("sk_live_123", true)] {
        let fake = FakeStripe::start().await;
        let mut settings = test_settings();
        let mut stripe = medicaledu_payments::StripeConfig::new(key, WEBHOOK_SECRET);
        stripe.api_base = fake.base().to_owned();
        settings.stripe = Some(stripe);
        let Some(app) = spawn_app_with(backend, settings).await else {
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
        let event_in = |id: &str, livemode: bool| {
            let mut event: Value =
                serde_json::from_str(&succeeded_event(id, "pi_1", 4999)).expect("event json");
            event["livemode"] = json!(livemode);
            event.to_string()
        };
        assert_eq!(
            signed_webhook(&app, &event_in("evt_other_mode", !live)).await,
            200,
            "acknowledged, so that Stripe stops sending it"
        );
        assert_eq!(
            booking_status(&app, &student, &booking).await,
            "pending",
            "{key}: an event of the other mode confirms nothing"
        );
        assert_eq!(
            signed_webhook(&app, &event_in("evt_same_mode", live)).await,
            200
        );
        assert_eq!(booking_status(&app, &student, &booking).await, "confirmed");
    }
}

/// The problem document without what differs per request.
async fn problem_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let mut body = json_of(response).await;
    if let Some(fields) = body.as_object_mut() {
        fields.remove("request_id");
        fields.remove("instance");
    }
    (status, body)
}

async fn new_feed(app: &crate::support::TestApp, token: &str) -> String {
    let created = app
        .send(Method::POST, "/api/v1/me/calendar-token", token, None)
        .await;
    assert_eq!(created.status(), 201);
    let feed = json_of(created).await["feed_path"]
        .as_str()
        .expect("path")
        .to_owned();
    assert_eq!(app.get(&feed).await.status(), 200);
    feed
}

async fn calendar_tokens_end_with_password_changes_suspensions_and_deletion(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let student = app.user("feed@example.com", "student").await;
    let unknown = problem_of(
        app.get("/api/v1/me/calendar.ics?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            .await,
    )
    .await;
    assert_eq!(unknown.0, 401);

    let feed = new_feed(&app, &student).await;
    let deleted = app
        .send(Method::DELETE, "/api/v1/me/calendar-token", &student, None)
        .await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(problem_of(app.get(&feed).await).await, unknown);

    let feed = new_feed(&app, &student).await;
    let changed = app
        .send(
            Method::POST,
            "/api/v1/me/password",
            &student,
            Some(&json!({"current_password": crate::support::PASSWORD, "new_password": "a brand new passphrase 42"})),
        )
        .await;
    assert!(changed.status().is_success(), "{}", changed.status());
    assert_eq!(
        problem_of(app.get(&feed).await).await,
        unknown,
        "a password change ends the feed token"
    );

    let feed = new_feed(&app, &student).await;
    let id = app.me(&student).await;
    for status in ["suspended", "active"] {
        let updated = app
            .send(
                Method::PATCH,
                &format!("/api/v1/admin/users/{id}"),
                &admin,
                Some(&json!({ "status": status })),
            )
            .await;
        assert_eq!(updated.status(), 200);
    }
    assert_eq!(
        problem_of(app.get(&feed).await).await,
        unknown,
        "a suspension ends the feed token, even once the account is active again"
    );
}

async fn validate(
    app: &crate::support::TestApp,
    token: &str,
    code: &str,
    slot: &str,
) -> reqwest::Response {
    app.send(
        Method::POST,
        "/api/v1/promo-codes/validate",
        token,
        Some(&json!({"code": code, "slot_id": slot})),
    )
    .await
}

async fn promo_previews_do_not_reveal_other_codes_and_are_rate_limited(backend: Backend) {
    let mut settings = test_settings();
    settings.promo_rate_limit_per_minute = 4;
    let Some(app) = spawn_app_with(backend, settings).await else {
        return;
    };
    let instructor = app.user("own@example.com", "instructor").await;
    let rival = app.user("rival@example.com", "instructor").await;
    let course = app.published_course(&instructor, "Suturing", 10_000).await;
    let slot = app.slot(&instructor, &course).create().await;
    let created = app
        .send(
            Method::POST,
            "/api/v1/promo-codes",
            &rival,
            Some(&json!({"code": "RIVAL10", "discount_type": "percent", "value": 10})),
        )
        .await;
    assert_eq!(created.status(), 201);
    let student = app.user("probe@example.com", "student").await;

    let unknown = problem_of(validate(&app, &student, "NOSUCHCODE", &slot).await).await;
    let foreign = problem_of(validate(&app, &student, "RIVAL10", &slot).await).await;
    assert_eq!(unknown.0, 404);
    assert_eq!(unknown.1["code"], "promo_not_found");
    assert_eq!(foreign, unknown, "another instructor's code looks unknown");

    // Four a minute: two are spent; the other student has their own allowance.
    for _ in 0..2 {
        assert_eq!(
            validate(&app, &student, "NOSUCHCODE", &slot).await.status(),
            404
        );
    }
    let limited = validate(&app, &student, "NOSUCHCODE", &slot).await;
    assert_eq!(limited.status(), 429);
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(json_of(limited).await["code"], "rate_limited");
    let other = app.user("other@example.com", "student").await;
    assert_eq!(
        validate(&app, &other, "NOSUCHCODE", &slot).await.status(),
        404
    );
}

async fn pending_count(app: &crate::support::TestApp) -> i64 {
    medicaledu_store::on_db!(&app.test_db.db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM bookings WHERE status = 'pending'")
            .fetch_one(pool)
            .await
            .expect("count")
    })
}

async fn a_student_holds_at_most_three_unpaid_bookings_even_when_racing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let app = std::sync::Arc::new(app);
    let instructor = app.user("busy@example.com", "instructor").await;
    let paid = app
        .published_course(&instructor, "Paid Skills Lab", 5000)
        .await;
    let mut slots = Vec::new();
    for hour in 8..16 {
        slots.push(
            app.slot(&instructor, &paid)
                .in_days(5)
                .at_hour(hour)
                .create()
                .await,
        );
    }
    let student = app.user("hoarder@example.com", "student").await;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(slots.len()));
    let handles: Vec<_> = slots
        .iter()
        .cloned()
        .map(|slot| {
            let (app, barrier, student) = (
                std::sync::Arc::clone(&app),
                std::sync::Arc::clone(&barrier),
                student.clone(),
            );
            tokio::spawn(async move {
                barrier.wait().await;
                let response = app.book(&student, &slot).await;
                let status = response.status().as_u16();
                (status, json_of(response).await["code"].clone())
            })
        })
        .collect();
    let mut booked = 0;
    for handle in handles {
        let (status, code) = handle.await.expect("task");
        match status {
            201 => booked += 1,
            409 => assert_eq!(code, "too_many_pending_bookings"),
            other => panic!("unexpected {other}: {code}"),
        }
    }
    assert_eq!(booked, 3, "the default limit is three");
    assert_eq!(pending_count(&app).await, 3);

    // A free session is never refused for this: it holds nothing unpaid.
    let free = app.published_course(&instructor, "Free Briefing", 0).await;
    let free_slot = app
        .slot(&instructor, &free)
        .in_days(6)
        .at_hour(9)
        .create()
        .await;
    let free_booking = app.book(&student, &free_slot).await;
    assert_eq!(free_booking.status(), 201);
    assert_eq!(json_of(free_booking).await["status"], "confirmed");
}

async fn the_pending_limit_is_a_setting(backend: Backend) {
    let mut settings = test_settings();
    settings.max_pending_bookings = 1;
    let Some(app) = spawn_app_with(backend, settings).await else {
        return;
    };
    let instructor = app.user("one@example.com", "instructor").await;
    let paid = app
        .published_course(&instructor, "Paid Skills Lab", 5000)
        .await;
    let first = app
        .slot(&instructor, &paid)
        .in_days(5)
        .at_hour(9)
        .create()
        .await;
    let second = app
        .slot(&instructor, &paid)
        .in_days(5)
        .at_hour(11)
        .create()
        .await;
    let student = app.user("single@example.com", "student").await;
    let booking = json_of(app.book(&student, &first).await).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let refused = app.book(&student, &second).await;
    assert_eq!(refused.status(), 409);
    assert_eq!(json_of(refused).await["code"], "too_many_pending_bookings");
    let cancelled = app
        .send(
            Method::POST,
            &format!("/api/v1/bookings/{booking}/cancel"),
            &student,
            Some(&json!({"reason": "changed my mind"})),
        )
        .await;
    assert_eq!(cancelled.status(), 200);
    assert_eq!(app.book(&student, &second).await.status(), 201);
}

const ROOM: &str = "https://meet.example.org/room-7";

/// The meeting link of `slot` in a list of bookable slots, as `token` sees it.
async fn link_in(
    app: &crate::support::TestApp,
    path: &str,
    token: Option<&str>,
    slot: &str,
) -> Value {
    let response = match token {
        Some(token) => app.send(Method::GET, path, token, None).await,
        None => app.get(path).await,
    };
    assert_eq!(response.status(), 200, "{path}");
    let list = json_of(response).await;
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|s| s["id"] == slot)
        .unwrap_or_else(|| panic!("{slot} listed in {path}"))["meeting_url"]
        .clone()
}

async fn meeting_links_are_for_the_instructor_admins_and_confirmed_students(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let instructor = app.user("host@example.com", "instructor").await;
    let free = app
        .published_course(&instructor, "Open Ward Round", 0)
        .await;
    let paid = app
        .published_course(&instructor, "Paid Ward Round", 5000)
        .await;
    let free_slot = app
        .slot(&instructor, &free)
        .in_days(4)
        .at_hour(9)
        .capacity(5)
        .meeting_url(ROOM)
        .create()
        .await;
    let paid_slot = app
        .slot(&instructor, &paid)
        .in_days(4)
        .at_hour(12)
        .capacity(5)
        .meeting_url(ROOM)
        .create()
        .await;
    let attendee = app.user("attendee@example.com", "student").await;
    let unpaid = app.user("unpaid@example.com", "student").await;
    let stranger = app.user("stranger@example.com", "student").await;
    let booked = json_of(app.book(&attendee, &free_slot).await).await;
    assert_eq!(booked["status"], "confirmed");
    assert_eq!(
        json_of(app.book(&unpaid, &paid_slot).await).await["status"],
        "pending"
    );

    let instructor_id = app.me(&instructor).await;
    let by_course = |course: &str| format!("/api/v1/courses/{course}/slots");
    let by_instructor = format!("/api/v1/instructors/{instructor_id}/slots");
    for path in [by_course(&free), by_instructor.clone()] {
        assert_eq!(
            link_in(&app, &path, None, &free_slot).await,
            Value::Null,
            "anonymous"
        );
        assert_eq!(
            link_in(&app, &path, Some(&stranger), &free_slot).await,
            Value::Null
        );
        assert_eq!(
            link_in(&app, &path, Some(&attendee), &free_slot).await,
            ROOM
        );
        assert_eq!(
            link_in(&app, &path, Some(&instructor), &free_slot).await,
            ROOM
        );
        assert_eq!(link_in(&app, &path, Some(&admin), &free_slot).await, ROOM);
    }
    for path in [by_course(&paid), by_instructor.clone()] {
        assert_eq!(
            link_in(&app, &path, Some(&unpaid), &paid_slot).await,
            Value::Null,
            "a pending booking is not enough"
        );
        assert_eq!(
            link_in(&app, &path, Some(&attendee), &paid_slot).await,
            Value::Null
        );
    }

    // The calendar feed: the link while the booking is confirmed, not after.
    let feed = new_feed(&app, &attendee).await;
    let ics = app.get(&feed).await.text().await.expect("ics");
    assert!(ics.contains("meet.example.org"), "{ics}");
    let booking = booked["id"].as_str().expect("id");
    let cancelled = app
        .send(
            Method::POST,
            &format!("/api/v1/bookings/{booking}/cancel"),
            &attendee,
            Some(&json!({"reason": "cannot make it"})),
        )
        .await;
    assert_eq!(cancelled.status(), 200);
    let ics = app.get(&feed).await.text().await.expect("ics");
    assert!(
        ics.contains(&format!("booking-{booking}")),
        "still listed, as cancelled"
    );
    assert!(!ics.contains("meet.example.org"), "{ics}");
    let host_feed = new_feed(&app, &instructor).await;
    let ics = app.get(&host_feed).await.text().await.expect("ics");
    assert!(ics.contains("meet.example.org"), "the instructor keeps it");
}

async fn schema_diagrams_are_drawn_once_and_revalidated(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let path = "/api/v1/schema?format=png&scale=4";
    let started = std::time::Instant::now();
    let first = app.get(path).await;
    assert_eq!(first.status(), 200);
    let etag = first.headers()["etag"].to_str().expect("ascii").to_owned();
    let body = first.bytes().await.expect("png");
    let drawing = started.elapsed();

    let started = std::time::Instant::now();
    let again = app.get(path).await;
    assert_eq!(again.headers()["etag"], etag.as_str());
    assert_eq!(again.bytes().await.expect("png"), body);
    let from_memory = started.elapsed();
    assert!(
        from_memory * 2 < drawing,
        "served from memory ({from_memory:?}) rather than drawn again ({drawing:?})"
    );

    let revalidated = app
        .client
        .get(app.url(path))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("request");
    assert_eq!(revalidated.status(), 304);
    assert_eq!(revalidated.headers()["etag"], etag.as_str());
    assert!(revalidated.bytes().await.expect("body").is_empty());
    let other = app
        .client
        .get(app.url("/api/v1/schema?format=png&scale=2"))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("request");
    assert_eq!(other.status(), 200, "another scale is another image");

    let json = app.get("/api/v1/schema").await;
    let json_tag = json.headers()["etag"].to_str().expect("ascii").to_owned();
    let revalidated = app
        .client
        .get(app.url("/api/v1/schema"))
        .header("if-none-match", format!("\"other\", W/{json_tag}"))
        .send()
        .await
        .expect("request");
    assert_eq!(revalidated.status(), 304);

    assert_eq!(
        app.get("/api/v1/schema?format=png&scale=4.5")
            .await
            .status(),
        422
    );
}

both_backends!(
    schema_diagrams_are_drawn_once_and_revalidated,
    meeting_links_are_for_the_instructor_admins_and_confirmed_students,
    a_student_holds_at_most_three_unpaid_bookings_even_when_racing,
    the_pending_limit_is_a_setting,
    a_pending_limit_of_zero_is_off,
    promo_previews_do_not_reveal_other_codes_and_are_rate_limited,
    calendar_tokens_end_with_password_changes_suspensions_and_deletion,
    unacceptable_request_ids_are_replaced,
    stripe_events_of_the_other_mode_change_nothing,
);

async fn a_pending_limit_of_zero_is_off(backend: Backend) {
    let mut settings = test_settings();
    settings.max_pending_bookings = 0;
    let Some(app) = spawn_app_with(backend, settings).await else {
        return;
    };
    let instructor = app.user("zero@example.com", "instructor").await;
    let paid = app
        .published_course(&instructor, "Unlimited Skills Lab", 5000)
        .await;
    let student = app.user("many@example.com", "student").await;
    for hour in [8, 10, 12, 14, 16] {
        let slot = app
            .slot(&instructor, &paid)
            .in_days(5)
            .at_hour(hour)
            .create()
            .await;
        assert_eq!(app.book(&student, &slot).await.status(), 201);
    }
}
