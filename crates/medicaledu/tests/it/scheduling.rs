//! Slots (single, recurring, group) and the booking lifecycle, race-free.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::Barrier;

use crate::support::{TestApp, both_backends, future, json_of, spawn_app};

fn slot_body(starts: DateTime<Utc>, minutes: i64, capacity: i64) -> Value {
    json!({
        "starts_at": starts.to_rfc3339(),
        "ends_at": (starts + Duration::minutes(minutes)).to_rfc3339(),
        "timezone": "Europe/Berlin",
        "capacity": capacity,
        "meeting_url": "https://meet.example.org/room"
    })
}

async fn create_slots(app: &TestApp, token: &str, course: &str, body: &Value) -> reqwest::Response {
    app.send(
        Method::POST,
        &format!("/api/v1/courses/{course}/slots"),
        token,
        Some(body),
    )
    .await
}

async fn one_slot(
    app: &TestApp,
    token: &str,
    course: &str,
    starts: DateTime<Utc>,
    capacity: i64,
) -> String {
    app.slot(token, course)
        .starting_at(starts)
        .timezone("Europe/Berlin")
        .capacity(capacity)
        .meeting_url("https://meet.example.org/room")
        .create()
        .await
}

async fn slot_seats(app: &TestApp, slot: &str) -> (i64, i64) {
    let id: medicaledu_domain::Id = slot.parse().expect("id");
    medicaledu_store::on_db!(&app.test_db.db, pool => {
        sqlx::query_as::<_, (i64, i64)>("SELECT seats_booked, capacity FROM availability_slots WHERE id = $1")
            .bind(id)
            .fetch_one(pool)
            .await
            .expect("slot")
    })
}

async fn live_bookings(app: &TestApp, slot: &str) -> i64 {
    let id: medicaledu_domain::Id = slot.parse().expect("id");
    medicaledu_store::on_db!(&app.test_db.db, pool => {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM bookings WHERE slot_id = $1 AND status IN ('pending', 'confirmed')")
            .bind(id)
            .fetch_one(pool)
            .await
            .expect("count")
    })
}

async fn students(app: &TestApp, n: usize, prefix: &str) -> Vec<String> {
    let mut tokens = Vec::with_capacity(n);
    for i in 0..n {
        tokens.push(
            app.user(&format!("{prefix}{i}@example.com"), "student")
                .await,
        );
    }
    tokens
}

async fn slots_are_created_listed_and_never_overlap(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("slots@example.com", "instructor").await;
    let course = app
        .published_course(&instructor, "Bedside Ultrasound", 2500)
        .await;
    let other_course = app.published_course(&instructor, "Airway Skills", 0).await;
    let start = future(10, 9);
    let first = create_slots(&app, &instructor, &course, &slot_body(start, 60, 4)).await;
    assert_eq!(first.status(), 201);
    let slot = json_of(first).await["items"][0].clone();
    assert_eq!(slot["price_minor"], 2500, "the course's price by default");
    assert_eq!(slot["seats_remaining"], 4);
    let slot_id = slot["id"].as_str().expect("id");

    let clash = create_slots(
        &app,
        &instructor,
        &other_course,
        &slot_body(start + Duration::minutes(30), 60, 1),
    )
    .await;
    assert_eq!(
        clash.status(),
        409,
        "overlap across the instructor's courses"
    );
    let problem = json_of(clash).await;
    assert_eq!(problem["code"], "slot_overlap");
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains(slot_id),
        "names the clashing slot"
    );
    let touching = create_slots(
        &app,
        &instructor,
        &other_course,
        &slot_body(start + Duration::minutes(60), 30, 1),
    )
    .await;
    assert_eq!(
        touching.status(),
        201,
        "back-to-back sessions do not overlap"
    );

    let listed = json_of(app.get(&format!("/api/v1/courses/{course}/slots")).await).await;
    assert_eq!(listed["items"].as_array().expect("items").len(), 1);
    let instructor_id = app.me(&instructor).await;
    let all = json_of(
        app.get(&format!("/api/v1/instructors/{instructor_id}/slots"))
            .await,
    )
    .await;
    assert_eq!(all["items"].as_array().expect("items").len(), 2);
    let too_wide = app
        .get(&format!(
            "/api/v1/courses/{course}/slots?from={}&to={}",
            start.to_rfc3339().replace('+', "%2B"),
            (start + Duration::days(120))
                .to_rfc3339()
                .replace('+', "%2B")
        ))
        .await;
    assert_eq!(too_wide.status(), 422);

    let mut bad = slot_body(start - Duration::days(30), 60, 0);
    bad["timezone"] = json!("Mars/Olympus");
    bad["meeting_url"] = json!("http://insecure.example.org");
    let refused = create_slots(&app, &instructor, &course, &bad).await;
    assert_eq!(refused.status(), 422);
    let mut fields: Vec<String> = json_of(refused).await["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        vec!["capacity", "meeting_url", "starts_at", "timezone"]
    );

    let student = app.user("booker@example.com", "student").await;
    let other = app.user("booker2@example.com", "student").await;
    assert_eq!(app.book(&student, slot_id).await.status(), 201);
    assert_eq!(app.book(&other, slot_id).await.status(), 201);
    let shrink = app
        .send(
            Method::PATCH,
            &format!("/api/v1/slots/{slot_id}"),
            &instructor,
            Some(&json!({"capacity": 1})),
        )
        .await;
    assert_eq!(shrink.status(), 409);
    assert_eq!(json_of(shrink).await["code"], "capacity_below_booked");
    let grow = app
        .send(
            Method::PATCH,
            &format!("/api/v1/slots/{slot_id}"),
            &instructor,
            Some(&json!({"capacity": 2})),
        )
        .await;
    assert_eq!(json_of(grow).await["seats_remaining"], 0);
    let stranger = app.user("stranger@example.com", "instructor").await;
    assert_eq!(
        app.send(
            Method::PATCH,
            &format!("/api/v1/slots/{slot_id}"),
            &stranger,
            Some(&json!({"capacity": 9}))
        )
        .await
        .status(),
        404
    );
}

async fn recurring_series_keep_local_time_across_dst(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("weekly@example.com", "instructor").await;
    let course = app
        .published_course(&instructor, "Weekly Grand Rounds", 0)
        .await;
    // 09:00 in Berlin, weekly across the 2027-03-28 change to summer time.
    let body = json!({
        "starts_at": "2027-03-15T09:00:00+01:00",
        "ends_at": "2027-03-15T10:00:00+01:00",
        "timezone": "Europe/Berlin",
        "capacity": 10,
        "recurrence": {"freq": "weekly", "count": 4}
    });
    let created = create_slots(&app, &instructor, &course, &body).await;
    assert_eq!(created.status(), 201);
    let items = json_of(created).await["items"]
        .as_array()
        .expect("items")
        .clone();
    let starts: Vec<&str> = items
        .iter()
        .map(|s| s["starts_at"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        starts,
        vec![
            "2027-03-15T08:00:00Z",
            "2027-03-22T08:00:00Z",
            "2027-03-29T07:00:00Z",
            "2027-04-05T07:00:00Z"
        ],
        "09:00 local throughout; the UTC instant moves at the DST change"
    );
    let series = items[0]["id"].as_str().expect("id");
    assert!(items.iter().all(|s| s["series_id"] == series));
    assert_eq!(items[0]["recurrence"]["freq"], "weekly");
    assert!(items[1]["recurrence"].is_null());

    let third = items[2]["id"].as_str().expect("id");
    let following = app
        .send(
            Method::DELETE,
            &format!("/api/v1/slots/{third}?scope=following"),
            &instructor,
            None,
        )
        .await;
    assert_eq!(json_of(following).await["cancelled_slots"], 2);
    let rest = app
        .send(
            Method::DELETE,
            &format!("/api/v1/slots/{series}?scope=series"),
            &instructor,
            None,
        )
        .await;
    assert_eq!(json_of(rest).await["cancelled_slots"], 2);

    let empty = json!({
        "starts_at": "2027-03-15T09:00:00+01:00", "ends_at": "2027-03-15T10:00:00+01:00", "timezone": "Europe/Berlin",
        "recurrence": {"freq": "weekly", "count": 2, "until": "2027-04-01T00:00:00Z"}
    });
    assert_eq!(
        create_slots(&app, &instructor, &course, &empty)
            .await
            .status(),
        422,
        "count and until together"
    );
}

async fn free_and_paid_bookings_and_expiring_holds(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("lifecycle@example.com", "instructor").await;
    let free_course = app.published_course(&instructor, "Free Session", 0).await;
    let paid_course = app
        .published_course(&instructor, "Paid Session", 5000)
        .await;
    let free_slot = one_slot(&app, &instructor, &free_course, future(5, 8), 5).await;
    let paid_slot = one_slot(&app, &instructor, &paid_course, future(5, 10), 5).await;
    let student = app.user("learner@example.com", "student").await;

    let free = json_of(app.book(&student, &free_slot).await).await;
    assert_eq!(free["status"], "confirmed");
    assert_eq!(free["total_minor"], 0);
    let enrollments = json_of(
        app.send(Method::GET, "/api/v1/me/enrollments", &student, None)
            .await,
    )
    .await;
    assert_eq!(
        enrollments["items"][0]["source"], "booking",
        "a confirmed booking enrolls the student"
    );

    let paid = json_of(app.book(&student, &paid_slot).await).await;
    assert_eq!(paid["status"], "pending");
    assert_eq!(paid["list_price_minor"], 5000);
    assert!(paid["hold_expires_at"].is_string());
    assert_eq!(
        app.book(&student, &paid_slot).await.status(),
        409,
        "one live booking per student and slot"
    );
    assert_eq!(slot_seats(&app, &paid_slot).await.0, 1);

    let later = Utc::now() + Duration::minutes(16);
    assert_eq!(app.expire_holds(later).await, 1);
    assert_eq!(app.expire_holds(later).await, 0, "idempotent");
    let id = paid["id"].as_str().expect("id");
    let expired = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/bookings/{id}"),
            &student,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(expired["status"], "expired");
    assert_eq!(slot_seats(&app, &paid_slot).await.0, 0, "the seat is back");
    assert_eq!(
        app.book(&student, &paid_slot).await.status(),
        201,
        "and can be booked again"
    );

    let upcoming = json_of(
        app.send(
            Method::GET,
            "/api/v1/me/bookings?when=upcoming",
            &student,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(upcoming["items"].as_array().expect("items").len(), 3);
    let confirmed_only = json_of(
        app.send(
            Method::GET,
            "/api/v1/me/bookings?status=confirmed",
            &student,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(confirmed_only["items"].as_array().expect("items").len(), 1);
    let on_my_slots = json_of(
        app.send(
            Method::GET,
            "/api/v1/instructor/bookings",
            &instructor,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(on_my_slots["items"].as_array().expect("items").len(), 3);
    assert_eq!(
        app.send(Method::GET, "/api/v1/instructor/bookings", &student, None)
            .await
            .status(),
        403
    );
}

async fn idempotency_keys_return_the_same_booking(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("idem@example.com", "instructor").await;
    let course = app.published_course(&instructor, "Idempotent", 0).await;
    let slot = one_slot(&app, &instructor, &course, future(3, 9), 5).await;
    let other = one_slot(&app, &instructor, &course, future(3, 11), 5).await;
    let student = app.user("retry@example.com", "student").await;
    let send = |slot: String| {
        let app = &app;
        let student = student.clone();
        async move {
            app.client
                .post(app.url("/api/v1/bookings"))
                .bearer_auth(&student)
                .header("idempotency-key", "checkout-42")
                .json(&json!({"slot_id": slot}))
                .send()
                .await
                .expect("request")
        }
    };
    let first = send(slot.clone()).await;
    assert_eq!(first.status(), 201);
    let first = json_of(first).await;
    let again = send(slot.clone()).await;
    assert_eq!(again.status(), 200);
    assert_eq!(json_of(again).await["id"], first["id"]);
    let different = send(other).await;
    assert_eq!(different.status(), 422);
    assert_eq!(live_bookings(&app, &slot).await, 1);
}

async fn fifty_students_race_for_the_last_three_seats(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("race@example.com", "instructor").await;
    let course = app
        .published_course(&instructor, "Popular Workshop", 0)
        .await;
    let slot = one_slot(&app, &instructor, &course, future(4, 9), 5).await;
    let early = students(&app, 2, "early").await;
    for token in &early {
        assert_eq!(app.book(token, &slot).await.status(), 201);
    }
    let racers = students(&app, 50, "racer").await;
    let app = Arc::new(app);
    let barrier = Arc::new(Barrier::new(racers.len()));
    let handles: Vec<_> = racers
        .into_iter()
        .map(|token| {
            let (app, barrier, slot) = (Arc::clone(&app), Arc::clone(&barrier), slot.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                app.book(&token, &slot).await.status().as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for handle in handles {
        statuses.push(handle.await.expect("task"));
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        3,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    assert_eq!(slot_seats(&app, &slot).await, (5, 5));
    assert_eq!(live_bookings(&app, &slot).await, 5);
}

async fn one_student_firing_ten_times_gets_one_booking(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("spam@example.com", "instructor").await;
    let course = app.published_course(&instructor, "Group Session", 0).await;
    let slot = one_slot(&app, &instructor, &course, future(4, 9), 20).await;
    let student = app.user("impatient@example.com", "student").await;
    let app = Arc::new(app);
    let barrier = Arc::new(Barrier::new(10));
    let handles: Vec<_> = (0..10)
        .map(|_| {
            let (app, barrier, slot, student) = (
                Arc::clone(&app),
                Arc::clone(&barrier),
                slot.clone(),
                student.clone(),
            );
            tokio::spawn(async move {
                barrier.wait().await;
                app.book(&student, &slot).await.status().as_u16()
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
    assert_eq!(live_bookings(&app, &slot).await, 1);
    assert_eq!(
        slot_seats(&app, &slot).await.0,
        1,
        "failed attempts give their seat back"
    );
}

async fn concurrent_overlapping_slots_leave_one(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("double@example.com", "instructor").await;
    let courses = [
        app.published_course(&instructor, "Course A", 0).await,
        app.published_course(&instructor, "Course B", 0).await,
    ];
    let start = future(6, 14);
    let app = Arc::new(app);
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let (app, barrier, instructor) =
                (Arc::clone(&app), Arc::clone(&barrier), instructor.clone());
            let course = courses[i % 2].clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let body = slot_body(
                    start + Duration::minutes(i64::try_from(i).unwrap_or(0) * 5),
                    60,
                    1,
                );
                create_slots(&app, &instructor, &course, &body)
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
    assert!(statuses.iter().all(|s| *s == 201 || *s == 409));
}

async fn reschedule_racing_a_booking_never_overbooks(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("move@example.com", "instructor").await;
    let course = app.published_course(&instructor, "Reschedulable", 0).await;
    let from = one_slot(&app, &instructor, &course, future(7, 9), 3).await;
    let target = one_slot(&app, &instructor, &course, future(8, 9), 1).await;
    let movers = students(&app, 3, "mover").await;
    let bookers = students(&app, 3, "direct").await;
    let mut bookings = Vec::new();
    for token in &movers {
        bookings.push(
            json_of(app.book(token, &from).await).await["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    let app = Arc::new(app);
    let barrier = Arc::new(Barrier::new(6));
    let mut handles = Vec::new();
    for (token, booking) in movers.iter().zip(&bookings) {
        let (app, barrier, token, booking, target) = (
            Arc::clone(&app),
            Arc::clone(&barrier),
            token.clone(),
            booking.clone(),
            target.clone(),
        );
        handles.push(tokio::spawn(async move {
            barrier.wait().await;
            app.send(
                Method::POST,
                &format!("/api/v1/bookings/{booking}/reschedule"),
                &token,
                Some(&json!({"slot_id": target})),
            )
            .await
            .status()
            .as_u16()
        }));
    }
    for token in &bookers {
        let (app, barrier, token, target) = (
            Arc::clone(&app),
            Arc::clone(&barrier),
            token.clone(),
            target.clone(),
        );
        handles.push(tokio::spawn(async move {
            barrier.wait().await;
            app.book(&token, &target).await.status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for handle in handles {
        statuses.push(handle.await.expect("task"));
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "one seat, one winner: {statuses:?}"
    );
    assert_eq!(slot_seats(&app, &target).await, (1, 1));
    assert_eq!(live_bookings(&app, &target).await, 1);
    let (from_seats, _) = slot_seats(&app, &from).await;
    assert_eq!(
        from_seats,
        live_bookings(&app, &from).await,
        "seat counts match live bookings"
    );
}

async fn cancel_reschedule_complete_and_calendar(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("cal@example.com", "instructor").await;
    let course = app
        .published_course(&instructor, "Calendar, Course; Test", 0)
        .await;
    let first = one_slot(&app, &instructor, &course, future(9, 9), 2).await;
    let second = one_slot(&app, &instructor, &course, future(9, 12), 2).await;
    let student = app.user("cal-student@example.com", "student").await;
    let stranger = app.user("nosy@example.com", "student").await;
    let booking = json_of(app.book(&student, &first).await).await["id"]
        .as_str()
        .expect("id")
        .to_owned();

    assert_eq!(
        app.send(
            Method::GET,
            &format!("/api/v1/bookings/{booking}"),
            &stranger,
            None
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        app.send(
            Method::POST,
            &format!("/api/v1/bookings/{booking}/cancel"),
            &stranger,
            Some(&json!({"reason": "x"}))
        )
        .await
        .status(),
        404
    );
    let early = app
        .send(
            Method::POST,
            &format!("/api/v1/bookings/{booking}/complete"),
            &instructor,
            None,
        )
        .await;
    assert_eq!(json_of(early).await["code"], "not_started");

    let token = json_of(
        app.send(Method::POST, "/api/v1/me/calendar-token", &student, None)
            .await,
    )
    .await;
    let feed_path = token["feed_path"].as_str().expect("path").to_owned();
    let feed = app.get(&feed_path).await;
    assert!(
        feed.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/calendar")
    );
    let ics = feed.text().await.expect("text");
    assert!(ics.contains(&format!("UID:booking-{booking}@medicaledu")));
    assert!(ics.contains("SUMMARY:Calendar\\, Course\\; Test"));
    assert!(ics.contains("STATUS:CONFIRMED"));
    assert_eq!(
        app.get("/api/v1/me/calendar.ics?token=nope").await.status(),
        401
    );

    let moved = app
        .send(
            Method::POST,
            &format!("/api/v1/bookings/{booking}/reschedule"),
            &student,
            Some(&json!({"slot_id": second})),
        )
        .await;
    assert_eq!(moved.status(), 201);
    let moved = json_of(moved).await;
    assert_eq!(moved["rescheduled_from"], booking.as_str());
    assert_eq!(moved["reschedule_count"], 1);
    assert_eq!(slot_seats(&app, &first).await.0, 0);
    assert_eq!(slot_seats(&app, &second).await.0, 1);
    let old = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/bookings/{booking}"),
            &student,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(old["status"], "cancelled");
    assert_eq!(old["cancel_reason"], "rescheduled");

    let ics = app.get(&feed_path).await.text().await.expect("text");
    assert!(
        ics.contains("STATUS:CANCELLED"),
        "the old booking shows as cancelled"
    );
    assert!(ics.contains(&format!(
        "UID:booking-{}@medicaledu",
        moved["id"].as_str().expect("id")
    )));

    let new_id = moved["id"].as_str().expect("id").to_owned();
    let cancelled = app
        .send(
            Method::POST,
            &format!("/api/v1/bookings/{new_id}/cancel"),
            &student,
            Some(&json!({"reason": "on call"})),
        )
        .await;
    let cancelled = json_of(cancelled).await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(
        cancelled["refund_eligible"], true,
        "more than 24 hours ahead"
    );
    assert_eq!(cancelled["cancel_reason"], "on call");
    let twice = app
        .send(
            Method::POST,
            &format!("/api/v1/bookings/{new_id}/cancel"),
            &student,
            Some(&json!({})),
        )
        .await;
    assert_eq!(twice.status(), 409);
    assert_eq!(slot_seats(&app, &second).await.0, 0);

    // Attendance is marked once the session has started: move it into the past.
    let again = json_of(app.book(&student, &second).await).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let slot_id: medicaledu_domain::Id = second.parse().expect("id");
    let past = medicaledu_domain::Timestamp::from(Utc::now() - Duration::minutes(30));
    let past_end = medicaledu_domain::Timestamp::from(Utc::now() + Duration::minutes(30));
    medicaledu_store::on_db!(&app.test_db.db, pool => {
        sqlx::query("UPDATE availability_slots SET starts_at = $2, ends_at = $3 WHERE id = $1")
            .bind(slot_id).bind(past).bind(past_end)
            .execute(pool).await.expect("move slot");
    });
    assert_eq!(
        app.send(
            Method::POST,
            &format!("/api/v1/bookings/{again}/complete"),
            &student,
            None
        )
        .await
        .status(),
        403
    );
    let done = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/bookings/{again}/complete"),
            &instructor,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(done["status"], "completed");
}

async fn cancelling_a_slot_cancels_and_notifies_its_bookings(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("cancel@example.com", "instructor").await;
    let course = app
        .published_course(&instructor, "Cancelled Session", 0)
        .await;
    let slot = one_slot(&app, &instructor, &course, future(12, 9), 5).await;
    let tokens = students(&app, 3, "affected").await;
    for token in &tokens {
        assert_eq!(app.book(token, &slot).await.status(), 201);
    }
    let cancelled = json_of(
        app.send(
            Method::DELETE,
            &format!("/api/v1/slots/{slot}"),
            &instructor,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(cancelled["cancelled_slots"], 1);
    assert_eq!(cancelled["cancelled_bookings"], 3);
    let mine = json_of(
        app.send(Method::GET, "/api/v1/me/bookings", &tokens[0], None)
            .await,
    )
    .await;
    assert_eq!(mine["items"][0]["status"], "cancelled");
    assert_eq!(mine["items"][0]["cancel_reason"], "slot_cancelled");
    let notified: i64 = medicaledu_store::on_db!(&app.test_db.db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE kind = 'slot.cancelled' AND channel = 'in_app'")
            .fetch_one(pool)
            .await
            .expect("count")
    });
    assert_eq!(notified, 3);
    assert_eq!(
        app.book(&tokens[0], &slot).await.status(),
        404,
        "a cancelled slot is gone"
    );
}

both_backends!(
    slots_are_created_listed_and_never_overlap,
    recurring_series_keep_local_time_across_dst,
    free_and_paid_bookings_and_expiring_holds,
    idempotency_keys_return_the_same_booking,
    fifty_students_race_for_the_last_three_seats,
    one_student_firing_ten_times_gets_one_booking,
    concurrent_overlapping_slots_leave_one,
    reschedule_racing_a_booking_never_overbooks,
    cancel_reschedule_complete_and_calendar,
    cancelling_a_slot_cancels_and_notifies_its_bookings,
);
