//! Background jobs run by `medicaledu worker` without any server.

use std::time::Duration;

use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::json;

use crate::support::{both_backends, future, json_of, spawn_app_with, test_settings};

both_backends!(a_worker_alone_expires_unpaid_holds);

/// The test server never sweeps (its sweep interval is an hour, and its first
/// sweep runs before anything is booked), so only the worker process can
/// expire the hold and free the seat.
async fn a_worker_alone_expires_unpaid_holds(backend: Backend) {
    let settings = medicaledu_app::Settings {
        hold_sweep_interval: Duration::from_secs(3600),
        ..test_settings()
    };
    let Some(app) = spawn_app_with(backend, settings).await else {
        return;
    };
    let instructor = app.user("hold-instructor@example.org", "instructor").await;
    let student = app.user("hold-student@example.org", "student").await;
    let course = app
        .published_course(&instructor, "Paid airway workshop", 5000)
        .await;
    let starts = future(5, 14);
    let body = json!({
        "starts_at": starts.to_rfc3339(),
        "ends_at": (starts + chrono::Duration::hours(1)).to_rfc3339(),
        "timezone": "UTC", "capacity": 1, "price_minor": 5000, "currency": "USD"
    });
    let created = app
        .send(
            Method::POST,
            &format!("/api/v1/courses/{course}/slots"),
            &instructor,
            Some(&body),
        )
        .await;
    assert_eq!(created.status(), 201);
    let slot = json_of(created).await["items"][0]["id"]
        .as_str()
        .expect("slot id")
        .to_owned();
    let booked = app
        .send(
            Method::POST,
            "/api/v1/bookings",
            &student,
            Some(&json!({ "slot_id": slot })),
        )
        .await;
    assert_eq!(booked.status(), 201);
    let booking = json_of(booked).await;
    assert_eq!(booking["status"], "pending");
    let booking_id = booking["id"].as_str().expect("booking id").to_owned();

    // The hold ran out a minute ago.
    let past =
        medicaledu_domain::Timestamp::from(chrono::Utc::now() - chrono::Duration::minutes(1));
    let id: medicaledu_domain::Id = booking_id.parse().expect("id");
    medicaledu_store::on_db!(&app.test_db.db, pool => {
        sqlx::query("UPDATE bookings SET hold_expires_at = $1 WHERE id = $2")
            .bind(past)
            .bind(id)
            .execute(pool)
            .await
            .expect("age the hold");
    });

    let mut worker = std::process::Command::new(env!("CARGO_BIN_EXE_medicaledu"))
        .arg("worker")
        .env("MEDICALEDU_DATABASE_URL", &app.test_db.url)
        .env("MEDICALEDU_HOLD_SWEEP_INTERVAL_MS", "50")
        .env("MEDICALEDU_NOTIFY_POLL_INTERVAL_MS", "50")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start worker");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let status = loop {
        let current = json_of(
            app.send(
                Method::GET,
                &format!("/api/v1/bookings/{booking_id}"),
                &student,
                None,
            )
            .await,
        )
        .await;
        if current["status"] != "pending" || tokio::time::Instant::now() > deadline {
            break current["status"].clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let stopped = std::process::Command::new("kill")
        .args(["-TERM", &worker.id().to_string()])
        .status()
        .expect("kill");
    assert!(stopped.success());
    let exit = tokio::task::spawn_blocking(move || worker.wait().expect("wait"))
        .await
        .expect("join");
    assert_eq!(status, "expired", "the worker expired the hold");
    assert!(exit.success(), "the worker stops cleanly on SIGTERM");

    let from = chrono::Utc::now().to_rfc3339();
    let to = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let slots = json_of(
        app.get(&format!(
            "/api/v1/courses/{course}/slots?from={}&to={}",
            urlencode(&from),
            urlencode(&to)
        ))
        .await,
    )
    .await;
    assert_eq!(
        slots["items"][0]["seats_remaining"], 1,
        "the seat is free again: {slots}"
    );
    let rebooked = app
        .send(
            Method::POST,
            "/api/v1/bookings",
            &app.user("hold-student-2@example.org", "student").await,
            Some(&json!({ "slot_id": slot })),
        )
        .await;
    assert_eq!(rebooked.status(), 201, "another student takes the seat");
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
