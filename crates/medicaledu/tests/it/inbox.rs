//! The in-app inbox: notifications written by bookings, read marks, privacy.

use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::json;

use crate::support::{both_backends, json_of, spawn_app};

async fn bookings_fill_the_inbox_and_only_the_owner_reads_it(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("inbox-teacher@example.com", "instructor").await;
    let course = app.published_course(&instructor, "Inbox Course", 0).await;
    let student = app.user("inbox-student@example.com", "student").await;
    let other = app.user("inbox-other@example.com", "student").await;
    let mut slots = Vec::new();
    for day in [3, 4] {
        slots.push(
            app.slot(&instructor, &course)
                .in_days(day)
                .at_hour(10)
                .create()
                .await,
        );
    }
    for slot in &slots {
        assert_eq!(app.book(&student, slot).await.status(), 201);
    }

    let count = json_of(
        app.send(
            Method::GET,
            "/api/v1/me/notifications/unread-count",
            &student,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(count["count"], 2);
    let inbox = json_of(
        app.send(
            Method::GET,
            "/api/v1/me/notifications?unread=true&limit=1",
            &student,
            None,
        )
        .await,
    )
    .await;
    let first = &inbox["items"][0];
    assert_eq!(first["kind"], "booking.confirmed");
    assert_eq!(first["channel"], "in_app");
    assert!(first["data"]["booking_id"].is_string());
    assert!(inbox["next_cursor"].is_string());
    let id = first["id"].as_str().expect("id");

    assert_eq!(
        app.send(
            Method::POST,
            &format!("/api/v1/me/notifications/{id}/read"),
            &other,
            None
        )
        .await
        .status(),
        404
    );
    let read = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/me/notifications/{id}/read"),
            &student,
            None,
        )
        .await,
    )
    .await;
    let read_at = read["read_at"].clone();
    assert!(read_at.is_string());
    let again = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/me/notifications/{id}/read"),
            &student,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(again["read_at"], read_at, "read once");
    assert_eq!(
        json_of(
            app.send(
                Method::GET,
                "/api/v1/me/notifications/unread-count",
                &student,
                None
            )
            .await
        )
        .await["count"],
        1
    );

    let all = json_of(
        app.send(
            Method::POST,
            "/api/v1/me/notifications/read-all",
            &student,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(all["count"], 1);
    let unread = json_of(
        app.send(
            Method::GET,
            "/api/v1/me/notifications?unread=true",
            &student,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(unread["items"].as_array().expect("items").len(), 0);
    let others = json_of(
        app.send(Method::GET, "/api/v1/me/notifications", &other, None)
            .await,
    )
    .await;
    assert_eq!(
        others["items"].as_array().expect("items").len(),
        0,
        "nobody sees another's inbox"
    );
    let teacher = json_of(
        app.send(
            Method::GET,
            "/api/v1/me/notifications/unread-count",
            &instructor,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(teacher["count"], 2, "the instructor hears of both bookings");
}

async fn kinds(app: &crate::support::TestApp, token: &str) -> Vec<String> {
    let inbox = json_of(
        app.send(
            Method::GET,
            "/api/v1/me/notifications?limit=100",
            token,
            None,
        )
        .await,
    )
    .await;
    inbox["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|n| n["kind"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn account_security_events_are_announced(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.register("careful@example.com", "student").await;
    let login = |agent: &'static str| {
        let app = &app;
        async move {
            let response = app
                .client
                .post(app.url("/api/v1/auth/login"))
                .header("user-agent", agent)
                .json(
                    &json!({"email": "careful@example.com", "password": crate::support::PASSWORD}),
                )
                .send()
                .await
                .expect("request");
            assert_eq!(response.status(), 200);
            json_of(response).await["token"]
                .as_str()
                .expect("token")
                .to_owned()
        }
    };
    let laptop = login("Laptop/1.0").await;
    assert!(
        kinds(&app, &laptop).await.is_empty(),
        "the first sign-in is not news"
    );
    login("Laptop/1.0").await;
    assert!(
        kinds(&app, &laptop).await.is_empty(),
        "a known device is not news"
    );
    login("Phone/2.0").await;
    assert_eq!(kinds(&app, &laptop).await, vec!["session.new_device"]);

    let changed = app
        .send(
            Method::POST,
            "/api/v1/me/password",
            &laptop,
            Some(&json!({"current_password": crate::support::PASSWORD, "new_password": "another long passphrase 9"})),
        )
        .await;
    assert_eq!(changed.status(), 204);
    assert!(
        kinds(&app, &laptop)
            .await
            .contains(&"account.password_changed".to_owned())
    );

    for _ in 0..5 {
        app.post_json(
            "/api/v1/auth/login",
            &json!({"email": "careful@example.com", "password": "not the password!"}),
            None,
        )
        .await;
    }
    assert!(
        kinds(&app, &laptop)
            .await
            .contains(&"account.locked".to_owned())
    );
}

both_backends!(
    bookings_fill_the_inbox_and_only_the_owner_reads_it,
    account_security_events_are_announced
);
