//! Learning a course, rating it and its instructor, and moving a booking to
//! another session: the pages driven over HTTP like a browser without
//! JavaScript would (GETs and form POSTs carrying the form's CSRF token).

use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::json;

use crate::support::pages::{
    Jar, csrf_of, first_link, hidden, location, page, post_same_site, refused_page,
};
use crate::support::{TestApp, both_backends, json_of, spawn_app};

both_backends!(
    an_enrolled_student_learns_a_course_to_its_end,
    students_rate_a_course_and_its_instructor_from_the_course_page,
    a_student_moves_a_booking_to_another_session,
    reading_time_is_reported_once_per_key,
);

async fn slug_of(app: &TestApp, course: &str) -> String {
    json_of(app.get(&format!("/api/v1/courses/{course}")).await).await["slug"]
        .as_str()
        .expect("slug")
        .to_owned()
}

/// Enrolls the jar's student in the free course `slug` with its "Enroll" form.
async fn enroll(app: &TestApp, jar: &mut Jar, slug: &str) {
    let (_, course_page) = page(app, jar, &format!("/courses/{slug}")).await;
    let token = csrf_of(&course_page);
    let enrolled = post_same_site(
        app,
        jar,
        &format!("/courses/{slug}/enroll"),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(enrolled.status(), 303);
}

async fn an_enrolled_student_learns_a_course_to_its_end(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("learn-teacher@example.org", "instructor").await;
    let course = app
        .course(&instructor)
        .title("Resuscitation")
        .create()
        .await;
    let video = json!({"title": "CPR demo", "kind": "video", "content_url": "https://videos.example.org/cpr.mp4"});
    let added = app
        .send(
            Method::POST,
            &format!("/api/v1/courses/{course}/materials"),
            &instructor,
            Some(&video),
        )
        .await;
    assert_eq!(added.status(), 201);
    let video_id = json_of(added).await["id"].as_str().expect("id").to_owned();
    let slug = slug_of(&app, &course).await;
    let student = app.user("learner@example.org", "student").await;
    let mut jar = Jar::signed_in(&student);

    // Before enrolling, a material's page leads to the course's outline.
    let video_page = format!("/learn/{slug}/{video_id}");
    let (status, _) = page(&app, &mut jar, &video_page).await;
    assert_eq!(status, 303);
    let (_, outline) = page(&app, &mut jar, &format!("/courses/{slug}")).await;
    assert!(!outline.contains("href=\"/learn/"), "{outline}");

    enroll(&app, &mut jar, &slug).await;
    let (_, outline) = page(&app, &mut jar, &format!("/courses/{slug}")).await;
    assert!(outline.contains(&format!("<a href=\"{video_page}\">CPR demo</a>")));
    assert!(outline.contains(">Continue learning</a>"), "{outline}");
    let (_, me) = page(&app, &mut jar, "/me").await;
    let first = first_link(&me, "/learn/");
    assert_ne!(first, video_page, "My courses leads to the first material");

    let (status, article) = page(&app, &mut jar, &first).await;
    assert_eq!(status, 200);
    assert!(article.contains("<h1>Handout</h1>"), "{article}");
    assert!(
        article.contains("<p>Read me</p>"),
        "the Markdown body is rendered"
    );
    assert!(article.contains("<progress id=\"course-progress\" max=\"100\" value=\"0\">"));
    assert!(article.contains(&format!(
        "href=\"{video_page}\" rel=\"next\" aria-label=\"Next: CPR demo\">Next</a>"
    )));
    assert!(
        !article.contains("rel=\"prev\""),
        "the first has no previous"
    );
    assert!(article.contains(">Mark as complete</button>"));
    let done = [
        ("csrf", csrf_of(&article)),
        ("key", hidden(&article, "key")),
    ];
    let done: Vec<(&str, &str)> = done.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let complete = format!("{first}/complete");
    for _ in 0..2 {
        // The same form sent twice counts once.
        let marked = post_same_site(&app, &mut jar, &complete, &done).await;
        assert_eq!(marked.status(), 303);
        assert_eq!(location(&marked), first);
    }
    let (_, article) = page(&app, &mut jar, &first).await;
    assert!(
        article.contains("You completed this material."),
        "{article}"
    );
    assert!(!article.contains(">Mark as complete</button>"));
    assert!(
        article.contains("value=\"50\""),
        "one of two required: {article}"
    );
    assert!(!article.contains("You completed this course"));
    let (_, me) = page(&app, &mut jar, "/me").await;
    assert_eq!(first_link(&me, "/learn/"), video_page, "on to the next");

    let (_, video) = page(&app, &mut jar, &video_page).await;
    assert!(video.contains(
        "<video controls preload=\"metadata\" src=\"https://videos.example.org/cpr.mp4\">"
    ));
    assert!(video.contains(&format!("href=\"{first}\" rel=\"prev\"")));
    let marked = post_same_site(
        &app,
        &mut jar,
        &format!("{video_page}/complete"),
        &[("csrf", &csrf_of(&video)), ("key", &hidden(&video, "key"))],
    )
    .await;
    assert_eq!(marked.status(), 303);
    let (_, video) = page(&app, &mut jar, &video_page).await;
    assert!(video.contains("You completed this course"), "{video}");
    assert!(video.contains("value=\"100\""));

    // Someone else's token or no token changes nothing.
    let other = app.user("other-learner@example.org", "student").await;
    let mut other_jar = Jar::signed_in(&other);
    let refused = post_same_site(
        &app,
        &mut other_jar,
        &format!("{video_page}/complete"),
        &[("csrf", "forged")],
    )
    .await;
    assert_eq!(refused.status(), 403);
    // An unknown material of the course is not found.
    let (status, _) = page(
        &app,
        &mut jar,
        &format!("/learn/{slug}/{}", medicaledu_domain::Id::generate()),
    )
    .await;
    assert_eq!(status, 404);
}

async fn students_rate_a_course_and_its_instructor_from_the_course_page(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("rated-teacher@example.org", "instructor").await;
    let course = app.course(&instructor).title("Triage").create().await;
    let slug = slug_of(&app, &course).await;
    let course_path = format!("/courses/{slug}");
    let student = app.user("rater@example.org", "student").await;
    let mut jar = Jar::signed_in(&student);

    let (_, before) = page(&app, &mut jar, &course_path).await;
    assert!(!before.contains("Rate this course"), "not enrolled yet");
    enroll(&app, &mut jar, &slug).await;
    let (_, course_page) = page(&app, &mut jar, &course_path).await;
    assert!(course_page.contains("<legend>Your rating</legend>"));
    assert!(course_page.contains("<label for=\"course-rating-review\">Review</label>"));
    assert!(course_page.contains(">Rate this course</button>"));
    assert!(course_page.contains(">Rate the instructor</button>"));
    let token = csrf_of(&course_page);

    // No stars chosen: said next to them, the review kept.
    let rate = format!("{course_path}/rate");
    let refused = post_same_site(
        &app,
        &mut jar,
        &rate,
        &[("csrf", &token), ("review", "Very clear")],
    )
    .await;
    let html = refused_page(refused).await;
    assert!(html.contains("Choose from 1 to 5 stars."), "{html}");
    assert!(html.contains(">Very clear</textarea>"), "{html}");

    let rated = post_same_site(
        &app,
        &mut jar,
        &rate,
        &[("csrf", &token), ("rating", "5"), ("review", "Very clear")],
    )
    .await;
    assert_eq!(rated.status(), 303);
    assert_eq!(location(&rated), format!("{course_path}#reviews"));
    let (_, course_page) = page(&app, &mut jar, &course_path).await;
    assert!(
        course_page.contains("<strong>5/5</strong>"),
        "{course_page}"
    );
    assert!(course_page.contains("<p>Very clear</p>"));

    // The instructor only after a completed session.
    let rate_instructor = format!("{course_path}/rate-instructor");
    let refused = post_same_site(
        &app,
        &mut jar,
        &rate_instructor,
        &[("csrf", &token), ("rating", "4")],
    )
    .await;
    assert_eq!(refused.status(), 403);
    let html = refused.text().await.expect("html");
    assert!(
        html.contains("You can rate the instructor after you attended one of their sessions."),
        "{html}"
    );
    assert!(html.contains("value=\"4\" checked"), "the choice is kept");

    // Attendance is marked after a session; the store writes a past one.
    let (slot, booking) = (
        medicaledu_domain::Id::generate(),
        medicaledu_domain::Id::generate(),
    );
    let start = medicaledu_domain::Timestamp::parse_rfc3339("2026-01-05T09:00:00Z").expect("time");
    let end = medicaledu_domain::Timestamp::parse_rfc3339("2026-01-05T10:00:00Z").expect("time");
    let course_id: medicaledu_domain::Id = course.parse().expect("id");
    let student_id: medicaledu_domain::Id = app.me(&student).await.parse().expect("id");
    medicaledu_store::on_db!(&app.test_db.db, pool => {
        sqlx::query(
            "INSERT INTO availability_slots (id, course_id, starts_at, ends_at, timezone, capacity, seats_booked, price_minor, currency) \
             VALUES ($1, $2, $3, $4, 'UTC', 1, 1, 0, 'USD')",
        )
        .bind(slot).bind(course_id).bind(start).bind(end)
        .execute(pool).await.expect("slot");
        sqlx::query(
            "INSERT INTO bookings (id, slot_id, student_id, status, list_price_minor, total_minor, currency, completed_at) \
             VALUES ($1, $2, $3, 'completed', 0, 0, 'USD', $4)",
        )
        .bind(booking).bind(slot).bind(student_id).bind(end)
        .execute(pool).await.expect("booking");
    });
    let rated = post_same_site(
        &app,
        &mut jar,
        &rate_instructor,
        &[("csrf", &token), ("rating", "4")],
    )
    .await;
    assert_eq!(rated.status(), 303);
    assert_eq!(location(&rated), format!("{course_path}#instructor"));
    let (_, course_page) = page(&app, &mut jar, &course_path).await;
    assert!(
        course_page.contains("Rated 4.0 of 5 (1 rating)"),
        "{course_page}"
    );

    // A student not enrolled is refused in words too.
    let outsider = app.user("outsider@example.org", "student").await;
    let mut outsider_jar = Jar::signed_in(&outsider);
    let (_, outsider_page) = page(&app, &mut outsider_jar, &course_path).await;
    let refused = post_same_site(
        &app,
        &mut outsider_jar,
        &rate,
        &[("csrf", &csrf_of(&outsider_page)), ("rating", "1")],
    )
    .await;
    assert_eq!(refused.status(), 403);
    let html = refused.text().await.expect("html");
    assert!(html.contains("Only students enrolled in this course can rate it."));
}

async fn a_student_moves_a_booking_to_another_session(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("move-teacher@example.org", "instructor").await;
    let course = app.course(&instructor).title("Suturing").create().await;
    let first = app
        .slot(&instructor, &course)
        .in_days(5)
        .capacity(2)
        .create()
        .await;
    let roomy = app
        .slot(&instructor, &course)
        .in_days(6)
        .capacity(2)
        .create()
        .await;
    let small = app
        .slot(&instructor, &course)
        .in_days(7)
        .capacity(1)
        .create()
        .await;
    let dearer = app
        .slot(&instructor, &course)
        .in_days(8)
        .price(500)
        .create()
        .await;
    let student = app.user("mover@example.org", "student").await;
    let booked = json_of(app.book(&student, &first).await).await;
    assert_eq!(booked["status"], "confirmed");
    let booking = booked["id"].as_str().expect("id").to_owned();
    let mut jar = Jar::signed_in(&student);

    let (_, me) = page(&app, &mut jar, "/me").await;
    let reschedule = format!("/bookings/{booking}/reschedule");
    assert!(me.contains(&format!(
        "href=\"{reschedule}\" aria-label=\"Reschedule the booking of Suturing on "
    )));
    let (status, choices) = page(&app, &mut jar, &reschedule).await;
    assert_eq!(status, 200);
    assert_eq!(
        choices.matches(">Move here</button>").count(),
        2,
        "{choices}"
    );
    assert!(choices.contains(&format!("value=\"{roomy}\"")));
    assert!(choices.contains(&format!("value=\"{small}\"")));
    assert!(
        !choices.contains(&format!("value=\"{dearer}\"")),
        "another price"
    );
    assert!(!choices.contains(&format!("value=\"{first}\"")), "its own");
    assert!(choices.contains("aria-label=\"Move here: the session on "));
    let token = csrf_of(&choices);

    // The small session fills up while the student chooses.
    let other = app.user("quicker@example.org", "student").await;
    assert_eq!(app.book(&other, &small).await.status(), 201);
    let full = post_same_site(
        &app,
        &mut jar,
        &reschedule,
        &[("csrf", &token), ("slot_id", &small)],
    )
    .await;
    assert_eq!(full.status(), 409);
    assert!(
        full.text()
            .await
            .expect("html")
            .contains("No seats are left in that session.")
    );
    let dear = post_same_site(
        &app,
        &mut jar,
        &reschedule,
        &[("csrf", &token), ("slot_id", &dearer)],
    )
    .await;
    assert_eq!(dear.status(), 409);
    assert!(dear.text().await.expect("html").contains(
        "That session has a different price; a booking moves only to a session of the same price."
    ));

    let moved = post_same_site(
        &app,
        &mut jar,
        &reschedule,
        &[("csrf", &token), ("slot_id", &roomy)],
    )
    .await;
    assert_eq!(moved.status(), 303);
    let new_booking = location(&moved);
    assert_ne!(new_booking, format!("/bookings/{booking}"));
    let (status, moved_page) = page(&app, &mut jar, &new_booking).await;
    assert_eq!(status, 200);
    assert!(
        moved_page.contains("Your session is booked"),
        "{moved_page}"
    );

    // Moved back once more, then the limit of two moves is reached.
    let again = format!("{new_booking}/reschedule");
    let back = post_same_site(
        &app,
        &mut jar,
        &again,
        &[("csrf", &token), ("slot_id", &first)],
    )
    .await;
    assert_eq!(back.status(), 303);
    let third = format!("{}/reschedule", location(&back));
    let refused = post_same_site(
        &app,
        &mut jar,
        &third,
        &[("csrf", &token), ("slot_id", &roomy)],
    )
    .await;
    assert_eq!(refused.status(), 409);
    let html = refused.text().await.expect("html");
    assert!(
        html.contains("A booking can be moved at most 2 times"),
        "{html}"
    );
}

async fn reading_time_is_reported_once_per_key(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("time-teacher@example.org", "instructor").await;
    let course = app.course(&instructor).title("Triage").create().await;
    let slug = slug_of(&app, &course).await;
    let student = app.user("reader@example.org", "student").await;
    let mut jar = Jar::signed_in(&student);
    enroll(&app, &mut jar, &slug).await;
    let (_, me) = page(&app, &mut jar, "/me").await;
    let material_page = first_link(&me, "/learn/");
    let (_, html) = page(&app, &mut jar, &material_page).await;
    let time_url = format!("{material_page}/time");
    assert!(
        html.contains(&format!("data-time-url=\"{time_url}\"")),
        "{html}"
    );
    let token = csrf_of(&html);

    // The same report twice (a resend) counts once; another report adds up.
    for (key, seconds) in [("r-1", "45"), ("r-1", "45"), ("r-2", "15")] {
        let sent = post_same_site(
            &app,
            &mut jar,
            &time_url,
            &[("csrf", token.as_str()), ("key", key), ("seconds", seconds)],
        )
        .await;
        assert_eq!(sent.status(), 204);
    }
    for refused in [
        vec![("csrf", token.as_str()), ("key", "r-3"), ("seconds", "0")],
        vec![
            ("csrf", token.as_str()),
            ("key", "r-4"),
            ("seconds", "3601"),
        ],
        vec![("csrf", token.as_str()), ("seconds", "10")],
    ] {
        assert_eq!(
            post_same_site(&app, &mut jar, &time_url, &refused)
                .await
                .status(),
            422
        );
    }
    let without_token = post_same_site(
        &app,
        &mut jar,
        &time_url,
        &[("key", "r-5"), ("seconds", "10")],
    )
    .await;
    assert_eq!(without_token.status(), 403);

    let enrollments = json_of(
        app.send(Method::GET, "/api/v1/me/enrollments", &student, None)
            .await,
    )
    .await;
    let enrollment = enrollments["items"][0]["id"]
        .as_str()
        .expect("enrollment")
        .to_owned();
    let progress = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/enrollments/{enrollment}/progress"),
            &student,
            None,
        )
        .await,
    )
    .await;
    let spent: i64 = progress["items"]
        .as_array()
        .expect("progress rows")
        .iter()
        .map(|row| row["time_spent_seconds"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(spent, 60, "{progress}");
}
