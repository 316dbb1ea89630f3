//! Notification delivery: email through a real SMTP server, SMS and push
//! through signed webhooks, retries and failures, reminders that follow their
//! bookings, preferences, and several worker processes sharing one outbox.

use std::collections::HashMap;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::StatusCode;
use chrono::Utc;
use hmac::{Hmac, Mac};
use medicaledu_domain::{Id, RetryPolicy, Timestamp};
use medicaledu_notify::{DispatchSettings, Dispatcher, EmailConfig, WebhookConfig};
use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::support::fake_hook::{Call, hook, slow_hook};
use crate::support::smtp_sink::SmtpSink;
use crate::support::{PASSWORD, TestApp, both_backends, future, json_of, spawn_app};

const SECRET: &str = "whsec-test-notify";

/// Checks the signature header the way a provider would, with its own HMAC.
fn verify(call: &Call) -> Value {
    let header = call
        .headers
        .get("x-medicaledu-signature")
        .and_then(|v| v.to_str().ok())
        .expect("signature header");
    let (t, v1) = header
        .split_once(',')
        .and_then(|(t, v)| Some((t.strip_prefix("t=")?, v.strip_prefix("v1=")?)))
        .expect("t=…,v1=…");
    let age = Utc::now().timestamp() - t.parse::<i64>().expect("timestamp");
    assert!((0..300).contains(&age), "fresh timestamp");
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(format!("{t}.").as_bytes());
    mac.update(&call.body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(v1, expected, "signature verifies");
    serde_json::from_slice(&call.body).expect("json body")
}

// ---------------------------------------------------------------- helpers

fn settings() -> DispatchSettings {
    DispatchSettings {
        poll_interval: Duration::from_millis(50),
        timeout: Duration::from_secs(5),
        lease: Duration::from_secs(60),
        retry: RetryPolicy {
            max_attempts: 4,
            base: chrono::Duration::milliseconds(100),
            cap: chrono::Duration::seconds(1),
        },
        ..DispatchSettings::default()
    }
}

/// Runs dispatch rounds until `done` holds (or fails after 20 seconds).
async fn dispatch_until(dispatcher: &Dispatcher, mut done: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        dispatcher.dispatch_due().await.expect("dispatch");
        if done().await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "delivery did not finish in time"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[derive(Debug, sqlx::FromRow)]
struct Row {
    id: Id,
    channel: String,
    kind: String,
    status: String,
    attempts: i64,
    last_error: Option<String>,
    send_after: Timestamp,
    expires_at: Option<Timestamp>,
    dedupe_key: Option<String>,
}

async fn rows(app: &TestApp, user: &str) -> Vec<Row> {
    let id: Id = user.parse().expect("id");
    medicaledu_store::on_db!(&app.test_db.db, pool => {
        sqlx::query_as::<_, Row>(
            "SELECT id, channel, kind, status, attempts, last_error, send_after, expires_at, dedupe_key \
             FROM notifications WHERE user_id = $1 ORDER BY created_at, channel",
        )
        .bind(id)
        .fetch_all(pool)
        .await
        .expect("rows")
    })
}

async fn change_password(app: &TestApp, token: &str) {
    let response = app
        .send(
            Method::POST,
            "/api/v1/me/password",
            token,
            Some(
                &json!({"current_password": PASSWORD, "new_password": "a brand new passphrase 42"}),
            ),
        )
        .await;
    assert!(response.status().is_success(), "password change");
}

async fn get_preferences(app: &TestApp, token: &str) -> Value {
    let response = app
        .send(
            Method::GET,
            "/api/v1/me/notification-preferences",
            token,
            None,
        )
        .await;
    assert_eq!(response.status(), 200);
    json_of(response).await
}

async fn set_preferences(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.send(
        Method::PUT,
        "/api/v1/me/notification-preferences",
        token,
        Some(&json!({ "preferences": body })),
    )
    .await
}

// ------------------------------------------------------------------ tests

async fn email_goes_out_through_a_real_smtp_server(backend: Backend) {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let token = app.user("mail.student@example.com", "student").await;
    let user = app.me(&token).await;
    change_password(&app, &token).await;

    let queued = rows(&app, &user).await;
    let email = queued
        .iter()
        .find(|r| r.channel == "email" && r.kind == "account.password_changed")
        .expect("an email row");
    assert_eq!(email.status, "queued");
    assert!(
        queued
            .iter()
            .any(|r| r.channel == "in_app" && r.status == "sent")
    );

    let dispatcher = Dispatcher::new(
        app.test_db.db.clone(),
        DispatchSettings {
            email: Some(
                EmailConfig::parse(&sink.url(), "MedicalEdu <no-reply@medicaledu.test>")
                    .expect("email config"),
            ),
            ..settings()
        },
    )
    .expect("dispatcher");
    dispatch_until(&dispatcher, async || !sink.messages().is_empty()).await;

    let messages = sink.messages();
    assert_eq!(messages.len(), 1, "exactly one message");
    let message = &messages[0];
    assert_eq!(message["mail_from"], "no-reply@medicaledu.test");
    assert_eq!(message["rcpt_tos"], json!(["mail.student@example.com"]));
    assert_eq!(message["subject"], "Password changed");
    assert_eq!(message["to"], "\"Dr. Test\" <mail.student@example.com>");
    assert_eq!(
        message["content_type"], "multipart/alternative",
        "text and HTML"
    );
    assert_eq!(
        message["message_id"],
        format!("<{}@medicaledu.notifications>", email.id)
    );
    let text = message["text"].as_str().expect("a plain-text part");
    assert_eq!(text.lines().next(), Some("Password changed"), "{text}");
    assert!(
        text.contains("your other sessions were signed out"),
        "{text}"
    );
    let html = message["html"].as_str().expect("an HTML part");
    assert!(
        html.contains("<h1 style=\"font-size:1.25rem\">Password changed</h1>"),
        "{html}"
    );

    let after = rows(&app, &user).await;
    let sent = after.iter().find(|r| r.id == email.id).expect("row");
    assert_eq!((sent.status.as_str(), sent.attempts), ("sent", 1));
    assert_eq!(sent.last_error, None);
    // Nothing is left to deliver, and another round sends nothing twice.
    assert_eq!(dispatcher.dispatch_due().await.expect("dispatch"), 0);
    assert_eq!(sink.messages().len(), 1);
}

async fn sms_and_push_are_signed_webhooks_and_retried(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    // The SMS provider fails twice with 503, then accepts.
    let sms = hook(|n| {
        if n <= 2 {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::ACCEPTED
        }
    })
    .await;
    let push = hook(|_| StatusCode::OK).await;
    let token = app.user("hook.student@example.com", "student").await;
    let user = app.me(&token).await;

    let refused = set_preferences(
        &app,
        &token,
        &json!({"account.password_changed": {"sms": true}}),
    )
    .await;
    assert_eq!(refused.status(), 422, "SMS needs a phone first");
    let problem = json_of(refused).await;
    assert_eq!(
        problem["errors"][0]["field"],
        "preferences.account.password_changed.sms"
    );
    assert_eq!(problem["errors"][0]["code"], "phone_required");

    let phone = app
        .send(
            Method::PATCH,
            "/api/v1/me",
            &token,
            Some(&json!({"phone": "+4915112345678"})),
        )
        .await;
    assert_eq!(phone.status(), 200);
    let saved = set_preferences(
        &app,
        &token,
        &json!({"account.password_changed": {"sms": true, "push": true, "email": false}}),
    )
    .await;
    assert_eq!(saved.status(), 200);
    let saved = json_of(saved).await;
    assert_eq!(
        saved["preferences"]["account.password_changed"],
        json!({"email": false, "sms": true, "push": true, "in_app": true})
    );
    assert_eq!(
        saved["preferences"]["booking.confirmed"],
        json!({"email": true, "sms": false, "push": false, "in_app": true}),
        "kinds left out keep their defaults"
    );

    change_password(&app, &token).await;
    let queued = rows(&app, &user).await;
    let channels: Vec<&str> = queued
        .iter()
        .filter(|r| r.kind == "account.password_changed")
        .map(|r| r.channel.as_str())
        .collect();
    assert_eq!(
        channels,
        vec!["in_app", "push", "sms"],
        "exactly the chosen channels"
    );

    let dispatcher = Dispatcher::new(
        app.test_db.db.clone(),
        DispatchSettings {
            sms: Some(WebhookConfig::new(&sms.url, SECRET).expect("sms")),
            push: Some(WebhookConfig::new(&push.url, SECRET).expect("push")),
            ..settings()
        },
    )
    .expect("dispatcher");

    dispatcher.dispatch_due().await.expect("first round");
    let after_first = rows(&app, &user).await;
    let sms_row = after_first
        .iter()
        .find(|r| r.channel == "sms")
        .expect("sms row");
    assert_eq!(sms_row.status, "queued", "a 503 is retried");
    assert_eq!(sms_row.attempts, 1);
    assert!(
        sms_row
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("503")),
        "{:?}",
        sms_row.last_error
    );
    assert!(
        sms_row.send_after > Timestamp::now(),
        "backoff moves it into the future"
    );

    dispatch_until(&dispatcher, async || sms.calls().len() >= 3).await;
    let final_rows = rows(&app, &user).await;
    let sms_row = final_rows
        .iter()
        .find(|r| r.channel == "sms")
        .expect("sms row");
    assert_eq!((sms_row.status.as_str(), sms_row.attempts), ("sent", 3));
    let push_row = final_rows
        .iter()
        .find(|r| r.channel == "push")
        .expect("push row");
    assert_eq!((push_row.status.as_str(), push_row.attempts), ("sent", 1));

    let calls = sms.calls();
    assert_eq!(calls.len(), 3);
    for call in &calls {
        let body = verify(call);
        assert_eq!(body["to"], "+4915112345678");
        assert_eq!(body["kind"], "account.password_changed");
        assert_eq!(body["id"], sms_row.id.to_string());
        assert_eq!(
            call.headers
                .get("idempotency-key")
                .and_then(|v| v.to_str().ok()),
            Some(sms_row.id.to_string().as_str()),
            "retries carry the same idempotency key"
        );
    }
    let pushed = push.calls();
    assert_eq!(pushed.len(), 1);
    let body = verify(&pushed[0]);
    assert_eq!(body["user_id"], user);
    assert_eq!(body["channel"], "push");
    assert!(body["title"].is_string() && body["body"].is_string());

    // A tampered body no longer verifies.
    let mut tampered = pushed[0].clone();
    tampered.body = Bytes::from(String::from_utf8_lossy(&tampered.body).replace("push", "pull"));
    assert!(std::panic::catch_unwind(|| verify(&tampered)).is_err());
}

async fn failures_end_failed_with_the_last_error(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let down = hook(|_| StatusCode::BAD_GATEWAY).await;
    let rejecting = hook(|_| StatusCode::UNPROCESSABLE_ENTITY).await;
    let token = app.user("fail.student@example.com", "student").await;
    let user = app.me(&token).await;
    app.send(
        Method::PATCH,
        "/api/v1/me",
        &token,
        Some(&json!({"phone": "+4915112345678"})),
    )
    .await;
    assert_eq!(
        set_preferences(
            &app,
            &token,
            &json!({"account.password_changed": {"sms": true, "push": true}})
        )
        .await
        .status(),
        200
    );
    change_password(&app, &token).await;
    let dispatcher = Dispatcher::new(
        app.test_db.db.clone(),
        DispatchSettings {
            sms: Some(WebhookConfig::new(&down.url, SECRET).expect("sms")),
            push: Some(WebhookConfig::new(&rejecting.url, SECRET).expect("push")),
            ..settings()
        },
    )
    .expect("dispatcher");
    dispatch_until(&dispatcher, async || {
        rows(&app, &user)
            .await
            .iter()
            .all(|r| r.status != "queued" && r.status != "sending")
    })
    .await;
    let done = rows(&app, &user).await;
    let by_channel: HashMap<&str, &Row> = done
        .iter()
        .filter(|r| r.kind == "account.password_changed")
        .map(|r| (r.channel.as_str(), r))
        .collect();

    let sms = by_channel["sms"];
    assert_eq!(
        (sms.status.as_str(), sms.attempts),
        ("failed", 4),
        "every attempt used"
    );
    let error = sms.last_error.as_deref().unwrap_or_default();
    assert!(
        error.contains("502") && error.contains("gave up after 4 attempts"),
        "{error}"
    );
    assert_eq!(down.calls().len(), 4);

    let push = by_channel["push"];
    assert_eq!(
        (push.status.as_str(), push.attempts),
        ("failed", 1),
        "a 422 is not retried"
    );
    assert!(
        push.last_error
            .as_deref()
            .unwrap_or_default()
            .contains("422")
    );

    // Email was never configured here: failed at once, saying what to set.
    let email = by_channel["email"];
    assert_eq!(email.status, "failed");
    assert!(
        email
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("MEDICALEDU_SMTP_URL"),
        "{:?}",
        email.last_error
    );
    assert_eq!(by_channel["in_app"].status, "sent");

    // Operators see the failures with their reasons and can send one again.
    let admin = app.user("outbox.admin@example.com", "admin").await;
    let failed = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/admin/notifications?status=failed&user_id={user}"),
            &admin,
            None,
        )
        .await,
    )
    .await;
    let items = failed["items"].as_array().expect("items");
    assert_eq!(items.len(), 3, "sms, push and email failed");
    assert!(items.iter().all(|n| n["last_error"].is_string()));
    let only_email = json_of(
        app.send(
            Method::GET,
            "/api/v1/admin/notifications?status=failed&channel=email",
            &admin,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(only_email["items"].as_array().expect("items").len(), 1);
    let bad_filter = app
        .send(
            Method::GET,
            "/api/v1/admin/notifications?status=lost",
            &admin,
            None,
        )
        .await;
    assert_eq!(bad_filter.status(), 422);
    assert_eq!(
        app.send(Method::GET, "/api/v1/admin/notifications", &token, None)
            .await
            .status(),
        403
    );

    let retry = format!("/api/v1/admin/notifications/{}/retry", email.id);
    let retried = app.send(Method::POST, &retry, &admin, None).await;
    assert_eq!(retried.status(), 200);
    let retried = json_of(retried).await;
    assert_eq!(
        (retried["status"].as_str(), retried["attempts"].as_i64()),
        (Some("queued"), Some(0))
    );
    let again = app.send(Method::POST, &retry, &admin, None).await;
    assert_eq!(again.status(), 409);
    assert_eq!(json_of(again).await["code"], "notification_not_failed");
    let missing = app
        .send(
            Method::POST,
            &format!("/api/v1/admin/notifications/{}/retry", Id::generate()),
            &admin,
            None,
        )
        .await;
    assert_eq!(missing.status(), 404);
}

fn reminders(rows: &[Row]) -> Vec<&Row> {
    rows.iter()
        .filter(|r| r.kind == "booking.reminder")
        .collect()
}

async fn reminders_follow_their_booking(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("remind.teacher@example.com", "instructor").await;
    let instructor_id = app.me(&instructor).await;
    let course = app.published_course(&instructor, "Airway Basics", 0).await;
    let student = app.user("remind.student@example.com", "student").await;
    let student_id = app.me(&student).await;
    app.send(
        Method::PATCH,
        "/api/v1/me",
        &student,
        Some(&json!({"timezone": "Europe/Berlin"})),
    )
    .await;
    let starts = future(5, 9);
    let first = app
        .slot(&instructor, &course)
        .starting_at(starts)
        .timezone("Europe/Berlin")
        .capacity(3)
        .create()
        .await;
    let second = app
        .slot(&instructor, &course)
        .starting_at(future(8, 14))
        .timezone("Europe/Berlin")
        .capacity(3)
        .create()
        .await;

    let booked = app.book(&student, &first).await;
    assert_eq!(booked.status(), 201);
    let booking = json_of(booked).await["id"].as_str().expect("id").to_owned();

    // Student and instructor each get a 24-hour and a one-hour reminder, on
    // email and in-app (the defaults), queued for their moments.
    for user in [&student_id, &instructor_id] {
        let queued = rows(&app, user).await;
        let planned = reminders(&queued);
        assert_eq!(planned.len(), 4, "2 reminders × 2 channels");
        assert!(planned.iter().all(|r| r.status == "queued"));
        let day_before = Timestamp::from(starts - chrono::Duration::hours(24));
        let hour_before = Timestamp::from(starts - chrono::Duration::hours(1));
        assert_eq!(
            planned
                .iter()
                .filter(|r| r.send_after == day_before)
                .count(),
            2
        );
        assert_eq!(
            planned
                .iter()
                .filter(|r| r.send_after == hour_before)
                .count(),
            2
        );
        assert!(
            planned
                .iter()
                .all(|r| r.expires_at.is_some_and(|e| e > r.send_after))
        );
        assert!(planned.iter().all(|r| {
            r.dedupe_key
                .as_deref()
                .is_some_and(|k| k.contains(&booking))
        }));
    }
    // Not in the inbox before it is due.
    let inbox = json_of(
        app.send(Method::GET, "/api/v1/me/notifications", &student, None)
            .await,
    )
    .await;
    assert!(
        inbox["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|n| n["kind"] != "booking.reminder")
    );

    // The instructor moves the session by a day: old reminders cancelled, new ones queued.
    let moved_to = starts + chrono::Duration::days(1);
    let moved = app
        .send(
            Method::PATCH,
            &format!("/api/v1/slots/{first}"),
            &instructor,
            Some(&json!({"starts_at": moved_to.to_rfc3339(), "ends_at": (moved_to + chrono::Duration::hours(1)).to_rfc3339()})),
        )
        .await;
    assert_eq!(moved.status(), 200);
    let after_move = rows(&app, &student_id).await;
    let planned = reminders(&after_move);
    assert_eq!(
        planned.iter().filter(|r| r.status == "cancelled").count(),
        4
    );
    let live: Vec<_> = planned.iter().filter(|r| r.status == "queued").collect();
    assert_eq!(live.len(), 4);
    assert!(
        live.iter()
            .any(|r| r.send_after == Timestamp::from(moved_to - chrono::Duration::hours(24)))
    );

    // Rescheduling to another slot moves them again, to the new booking.
    let rescheduled = app
        .send(
            Method::POST,
            &format!("/api/v1/bookings/{booking}/reschedule"),
            &student,
            Some(&json!({"slot_id": second})),
        )
        .await;
    assert_eq!(rescheduled.status(), 201);
    let new_booking = json_of(rescheduled).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let after_reschedule = rows(&app, &student_id).await;
    let live: Vec<_> = reminders(&after_reschedule)
        .into_iter()
        .filter(|r| r.status == "queued")
        .collect();
    assert_eq!(live.len(), 4);
    assert!(live.iter().all(|r| {
        r.dedupe_key
            .as_deref()
            .is_some_and(|k| k.contains(&new_booking))
    }));

    // Cancelling cancels every pending reminder, for both sides.
    let cancelled = app
        .send(
            Method::POST,
            &format!("/api/v1/bookings/{new_booking}/cancel"),
            &student,
            Some(&json!({"reason": "conflict"})),
        )
        .await;
    assert_eq!(cancelled.status(), 200);
    let told = |inbox: Value| {
        inbox["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|n| n["kind"] == "booking.cancelled")
            .map(|n| n["body"].as_str().expect("body").to_owned())
            .expect("a cancellation notice")
    };
    let student_notice = told(
        json_of(
            app.send(Method::GET, "/api/v1/me/notifications", &student, None)
                .await,
        )
        .await,
    );
    assert!(
        student_notice.starts_with("You cancelled the session of Airway Basics on ")
            && student_notice.contains("(Europe/Berlin) (conflict)."),
        "{student_notice}"
    );
    let instructor_notice = told(
        json_of(
            app.send(Method::GET, "/api/v1/me/notifications", &instructor, None)
                .await,
        )
        .await,
    );
    assert!(
        instructor_notice.starts_with("The student cancelled the session of Airway Basics on ")
            && instructor_notice.contains("(UTC)"),
        "times in each reader's zone: {instructor_notice}"
    );
    for user in [&student_id, &instructor_id] {
        let after_cancel = rows(&app, user).await;
        assert!(
            reminders(&after_cancel)
                .iter()
                .all(|r| r.status == "cancelled"),
            "no reminder of a cancelled booking survives"
        );
    }
}

async fn due_reminders_reach_the_inbox_and_stale_ones_are_cancelled(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("due.teacher@example.com", "instructor").await;
    let course = app.published_course(&instructor, "Sepsis Update", 0).await;
    let student = app.user("due.student@example.com", "student").await;
    let student_id = app.me(&student).await;
    let first = app
        .slot(&instructor, &course)
        .starting_at(future(4, 10))
        .timezone("Europe/Berlin")
        .capacity(3)
        .create()
        .await;
    assert_eq!(app.book(&student, &first).await.status(), 201);
    // Time passes: the 24-hour reminders fall due, while the session itself
    // has started for the one-hour ones (they are past their usefulness).
    let now = Timestamp::now();
    let ago =
        |minutes: i64| Timestamp::from(*now.as_datetime() - chrono::Duration::minutes(minutes));
    let user: Id = student_id.parse().expect("id");
    medicaledu_store::on_db!(&app.test_db.db, pool => {
        sqlx::query(
            "UPDATE notifications SET send_after = $2, expires_at = $3 \
             WHERE user_id = $1 AND kind = 'booking.reminder' AND dedupe_key LIKE '%:24h:%'",
        )
        .bind(user)
        .bind(ago(5))
        .bind(Timestamp::from(*now.as_datetime() + chrono::Duration::hours(1)))
        .execute(pool)
        .await
        .expect("due");
        sqlx::query(
            "UPDATE notifications SET send_after = $2, expires_at = $3 \
             WHERE user_id = $1 AND kind = 'booking.reminder' AND dedupe_key LIKE '%:1h:%'",
        )
        .bind(user)
        .bind(ago(70))
        .bind(ago(10))
        .execute(pool)
        .await
        .expect("stale");
    });
    let dispatcher = Dispatcher::new(app.test_db.db.clone(), settings()).expect("dispatcher");
    dispatcher.dispatch_due().await.expect("dispatch");

    let after = rows(&app, &student_id).await;
    let planned = reminders(&after);
    let status = |lead: &str, channel: &str| {
        planned
            .iter()
            .find(|r| {
                r.channel == channel && r.dedupe_key.as_deref().is_some_and(|k| k.contains(lead))
            })
            .map(|r| (r.status.clone(), r.last_error.clone()))
            .expect("reminder")
    };
    assert_eq!(status(":24h:", "in_app").0, "sent");
    assert_eq!(
        status(":24h:", "email").0,
        "failed",
        "no SMTP configured in this test"
    );
    let (stale, why) = status(":1h:", "in_app");
    assert_eq!(stale, "cancelled");
    assert!(why.unwrap_or_default().contains("expired"));
    assert_eq!(status(":1h:", "email").0, "cancelled");

    let inbox = json_of(
        app.send(Method::GET, "/api/v1/me/notifications", &student, None)
            .await,
    )
    .await;
    let items = inbox["items"].as_array().expect("items");
    let delivered: Vec<_> = items
        .iter()
        .filter(|n| n["kind"] == "booking.reminder")
        .collect();
    assert_eq!(delivered.len(), 1, "only the reminder that fell due");
    assert!(
        delivered[0]["body"]
            .as_str()
            .expect("body")
            .contains("(UTC)")
    );
    // Listed by delivery time: the reminder was due five minutes ago, after
    // the booking's confirmation was queued but before it in delivery order.
    assert_eq!(items[0]["kind"], "booking.confirmed");
    assert_eq!(items[1]["kind"], "booking.reminder");
}

async fn preferences_are_validated_and_stored(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let token = app.user("prefs@example.com", "student").await;
    let defaults = get_preferences(&app, &token).await;
    let matrix = defaults["preferences"].as_object().expect("object");
    assert_eq!(
        matrix.len(),
        medicaledu_domain::NotificationKind::ALL.len(),
        "every kind"
    );
    assert!(
        matrix
            .values()
            .all(|c| *c == json!({"email": true, "sms": false, "push": false, "in_app": true}))
    );

    let locked = set_preferences(&app, &token, &json!({"account.locked": {"in_app": false}})).await;
    assert_eq!(locked.status(), 422);
    let problem = json_of(locked).await;
    assert_eq!(
        problem["errors"][0]["field"],
        "preferences.account.locked.in_app"
    );
    assert_eq!(problem["errors"][0]["code"], "in_app_required");

    let unknown = set_preferences(
        &app,
        &token,
        &json!({"booking.teleported": {"email": true}}),
    )
    .await;
    assert_eq!(unknown.status(), 422, "unknown kinds are refused");
    let unknown_channel =
        set_preferences(&app, &token, &json!({"booking.confirmed": {"fax": true}})).await;
    assert_eq!(unknown_channel.status(), 422);

    // Nothing above changed anything.
    let unchanged = get_preferences(&app, &token).await;
    assert_eq!(unchanged, defaults);

    let saved = set_preferences(
        &app,
        &token,
        &json!({"payment.failed": {"email": false, "push": true}}),
    )
    .await;
    assert_eq!(saved.status(), 200);
    let read_back = get_preferences(&app, &token).await;
    assert_eq!(
        read_back["preferences"]["payment.failed"],
        json!({"email": false, "sms": false, "push": true, "in_app": true})
    );
    // PUT replaces: what is left out returns to its default.
    let replaced = set_preferences(&app, &token, &json!({})).await;
    assert_eq!(json_of(replaced).await, defaults);
    assert_eq!(
        app.client
            .get(app.url("/api/v1/me/notification-preferences"))
            .send()
            .await
            .expect("request")
            .status(),
        401
    );
}

/// Queues `n` push notifications for one new account, straight into the outbox.
async fn queue_pushes(db: &medicaledu_store::Db, n: usize) -> Vec<Id> {
    let hasher = medicaledu_domain::PasswordHasher::new(crate::support::test_settings().argon2)
        .expect("hasher");
    let account = medicaledu_api::accounts::NewAccount {
        email: medicaledu_domain::Email::parse("many@example.com").expect("email"),
        password: medicaledu_domain::Password::parse(PASSWORD).expect("password"),
        full_name: medicaledu_domain::FullName::parse("Many Pushes").expect("name"),
        role: medicaledu_domain::Role::Student,
        timezone: medicaledu_domain::TimeZone::utc(),
    };
    let user = medicaledu_api::accounts::create_account(
        db,
        &hasher,
        account,
        medicaledu_api::accounts::CreatedBy::Operator,
        &Default::default(),
    )
    .await
    .expect("account");
    let now = Timestamp::now();
    let mut tx = db.begin_write().await.expect("tx");
    for i in 0..n {
        medicaledu_store::notifications::queue(
            &mut tx,
            &medicaledu_store::notifications::Outgoing {
                user_id: user.id,
                channel: medicaledu_domain::Channel::Push,
                kind: medicaledu_domain::NotificationKind::BookingReminder,
                title: "Reminder",
                body: &format!("Notification {i}"),
                data: &json!({ "n": i }),
                send_after: now,
                expires_at: None,
                dedupe_key: None,
            },
            now,
        )
        .await
        .expect("queue");
    }
    tx.commit().await.expect("commit");
    medicaledu_store::on_db!(db, pool => {
        sqlx::query_scalar::<_, Id>("SELECT id FROM notifications WHERE channel = 'push'")
            .fetch_all(pool)
            .await
            .expect("ids")
    })
}

async fn count_status(db: &medicaledu_store::Db, status: &str) -> i64 {
    medicaledu_store::on_db!(db, pool => {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM notifications WHERE channel = 'push' AND status = $1")
            .bind(status)
            .fetch_one(pool)
            .await
            .expect("count")
    })
}

/// `medicaledu worker` as its own process, delivering push to `hook_url`.
fn worker(database_url: &str, hook_url: &str, extra: &[(&str, &str)]) -> std::process::Child {
    medicaledu(&["worker"], database_url, hook_url, extra)
}

fn medicaledu(
    args: &[&str],
    database_url: &str,
    hook_url: &str,
    extra: &[(&str, &str)],
) -> std::process::Child {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_medicaledu"));
    command
        .args(args)
        .env("MEDICALEDU_DATABASE_URL", database_url)
        .env("MEDICALEDU_PUSH_WEBHOOK_URL", hook_url)
        .env("MEDICALEDU_NOTIFY_WEBHOOK_SECRET", SECRET)
        .env("MEDICALEDU_NOTIFY_POLL_INTERVAL_MS", "20")
        .env("MEDICALEDU_LOG_FORMAT", "json")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    for (key, value) in extra {
        command.env(key, value);
    }
    command.spawn().expect("start worker")
}

fn terminate(child: &mut std::process::Child) -> std::process::ExitStatus {
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        assert!(std::time::Instant::now() < deadline, "worker did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Three worker processes against one PostgreSQL database deliver 1,000
/// queued notifications, each exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_workers_deliver_a_thousand_notifications_exactly_once() {
    let Some(test_db) = crate::support::TestDb::migrated(Backend::Postgres).await else {
        return;
    };
    let push = hook(|_| StatusCode::OK).await;
    let ids = queue_pushes(&test_db.db, 1000).await;
    assert_eq!(ids.len(), 1000);
    let mut workers: Vec<_> = (0..3)
        .map(|n| {
            worker(
                &test_db.url,
                &format!("{}?worker={n}", push.url),
                &[("MEDICALEDU_NOTIFY_BATCH_SIZE", "10")],
            )
        })
        .collect();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while count_status(&test_db.db, "sent").await < 1000 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "1,000 notifications not delivered in time"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for worker in &mut workers {
        assert!(
            terminate(worker).success(),
            "worker exits cleanly on SIGTERM"
        );
    }

    let calls = push.calls();
    let mut delivered: HashMap<String, usize> = HashMap::new();
    let mut per_worker: HashMap<String, usize> = HashMap::new();
    for call in &calls {
        let body = verify(call);
        *delivered
            .entry(body["id"].as_str().expect("id").to_owned())
            .or_default() += 1;
        *per_worker
            .entry(call.uri.query().unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    assert_eq!(calls.len(), 1000, "no notification delivered twice");
    assert_eq!(delivered.len(), 1000);
    assert!(delivered.values().all(|&n| n == 1));
    for id in &ids {
        assert!(delivered.contains_key(&id.to_string()), "{id} delivered");
    }
    assert!(per_worker.len() >= 2, "the work was shared: {per_worker:?}");
    assert_eq!(count_status(&test_db.db, "sent").await, 1000);
}

/// A worker told to stop mid-batch finishes the delivery in flight and puts
/// the rest of its batch back, untried, for others.
async fn a_stopping_worker_releases_its_batch(backend: Backend) {
    let Some(test_db) = crate::support::TestDb::migrated(backend).await else {
        return;
    };
    let slow = slow_hook(Duration::from_secs(2), |_| StatusCode::OK).await;
    queue_pushes(&test_db.db, 4).await;
    let mut child = worker(
        &test_db.url,
        &slow.url,
        &[
            ("MEDICALEDU_NOTIFY_BATCH_SIZE", "4"),
            ("MEDICALEDU_NOTIFY_CONCURRENCY", "1"),
        ],
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while slow.calls().is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the worker never delivered"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        count_status(&test_db.db, "sending").await,
        4,
        "the batch is claimed"
    );
    let status = tokio::task::spawn_blocking(move || terminate(&mut child))
        .await
        .expect("join");
    assert!(status.success());
    assert_eq!(
        slow.calls().len(),
        1,
        "nothing new started after the signal"
    );
    assert_eq!(
        count_status(&test_db.db, "sent").await,
        1,
        "the delivery in flight finished"
    );
    assert_eq!(
        count_status(&test_db.db, "queued").await,
        3,
        "the rest went back"
    );
    let untried: i64 = medicaledu_store::on_db!(&test_db.db, pool => {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications \
             WHERE status = 'queued' AND attempts = 0 AND lease_expires_at IS NULL",
        )
        .fetch_one(pool)
        .await
        .expect("count")
    });
    assert_eq!(
        untried, 3,
        "released rows count no attempt and hold no lease"
    );
}

/// `medicaledu serve` delivers notifications too, unless told to leave them
/// to workers.
async fn serve_runs_a_dispatcher(backend: Backend) {
    let Some(test_db) = crate::support::TestDb::migrated(backend).await else {
        return;
    };
    let push = hook(|_| StatusCode::OK).await;
    queue_pushes(&test_db.db, 2).await;
    let serve = ["serve", "--bind", "127.0.0.1:0"];
    let mut quiet = medicaledu(
        &[&serve[..], &["--no-dispatcher"]].concat(),
        &test_db.url,
        &push.url,
        &[],
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        count_status(&test_db.db, "queued").await,
        2,
        "--no-dispatcher delivers nothing"
    );
    let stopped = tokio::task::spawn_blocking(move || terminate(&mut quiet))
        .await
        .expect("join");
    assert!(stopped.success());

    let mut server = medicaledu(&serve, &test_db.url, &push.url, &[]);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while count_status(&test_db.db, "sent").await < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "serve did not deliver"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stopped = tokio::task::spawn_blocking(move || terminate(&mut server))
        .await
        .expect("join");
    assert!(stopped.success(), "serve stops cleanly with its dispatcher");
    assert_eq!(push.calls().len(), 2);
}

/// A dispatcher that dies after claiming leaves its rows leased; once the
/// lease expires another takes them over, and the dead one's late word is
/// refused.
async fn a_dead_dispatchers_rows_are_taken_over(backend: Backend) {
    let Some(test_db) = crate::support::TestDb::migrated(backend).await else {
        return;
    };
    let push = hook(|_| StatusCode::OK).await;
    queue_pushes(&test_db.db, 3).await;
    let now = Timestamp::now();
    let lease = Timestamp::from(*now.as_datetime() + chrono::Duration::milliseconds(500));
    let abandoned = medicaledu_store::notifications::claim(&test_db.db, now, lease, 10)
        .await
        .expect("claim");
    assert_eq!(abandoned.len(), 3);

    let dispatcher = Dispatcher::new(
        test_db.db.clone(),
        DispatchSettings {
            push: Some(WebhookConfig::new(&push.url, SECRET).expect("push")),
            ..settings()
        },
    )
    .expect("dispatcher");
    assert_eq!(
        dispatcher.dispatch_due().await.expect("dispatch"),
        0,
        "leased rows are not taken early"
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    dispatch_until(&dispatcher, async || {
        count_status(&test_db.db, "sent").await == 3
    })
    .await;
    assert_eq!(push.calls().len(), 3);

    let late = medicaledu_store::notifications::settle(
        &test_db.db,
        &abandoned[0],
        &medicaledu_store::notifications::Outcome::Failed {
            error: "woke up too late".into(),
        },
        Timestamp::now(),
    )
    .await
    .expect("settle");
    assert!(
        !late,
        "an expired claim cannot overwrite the new owner's outcome"
    );
    assert_eq!(count_status(&test_db.db, "sent").await, 3);
}

both_backends!(
    email_goes_out_through_a_real_smtp_server,
    sms_and_push_are_signed_webhooks_and_retried,
    failures_end_failed_with_the_last_error,
    reminders_follow_their_booking,
    due_reminders_reach_the_inbox_and_stale_ones_are_cancelled,
    preferences_are_validated_and_stored,
    a_stopping_worker_releases_its_batch,
    a_dead_dispatchers_rows_are_taken_over,
    serve_runs_a_dispatcher,
);
