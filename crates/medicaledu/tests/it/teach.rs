//! The instructor pages (`/teach`), driven over HTTP like a browser without
//! JavaScript: a course built with two materials, reordered, refused and then
//! published; a weekly series across the spring clock change that keeps its
//! local hour; the roster and attendance once a session has started;
//! cancelling the rest of a series with its consequence stated first; and
//! nobody else's pages open to a second instructor.

use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::json;

use crate::support::pages::{Jar, location, page, refused_page, submit};
use crate::support::{TestApp, both_backends, json_of, spawn_app};

both_backends!(
    an_instructor_builds_orders_and_publishes_a_course,
    a_weekly_series_keeps_its_local_hour_and_its_roster_marks_attendance,
    another_instructor_cannot_open_or_change_these_pages,
);

/// A signed-in instructor in `zone`, with a browser holding their session.
pub(crate) async fn instructor(app: &TestApp, email: &str, zone: &str) -> (String, Jar) {
    let token = app.user(email, "instructor").await;
    let patched = app
        .send(
            Method::PATCH,
            "/api/v1/me",
            &token,
            Some(&json!({ "timezone": zone })),
        )
        .await;
    assert_eq!(patched.status(), 200);
    let jar = Jar::signed_in(&token);
    (token, jar)
}

/// The id at the end of `/teach/courses/{id}?…`.
fn id_in(path: &str, prefix: &str) -> String {
    path.strip_prefix(prefix)
        .expect(prefix)
        .split(['?', '#', '/'])
        .next()
        .expect("id")
        .to_owned()
}

fn course_fields<'a>(title: &'a str, price: &'a str, intent: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("summary", "Recognise sepsis early and act within the hour."),
        (
            "description",
            "## The first hour\n\nGive **antibiotics** early.\n\n<script>alert(1)</script>",
        ),
        ("category", "Emergency Medicine"),
        ("specialty", "Infectious Disease"),
        ("tags", "sepsis, antibiotics"),
        ("level", "intermediate"),
        ("language", "en"),
        ("price", price),
        ("currency", "EUR"),
        ("cme_credit_hours", "1.5"),
        ("intent", intent),
    ]
}

async fn an_instructor_builds_orders_and_publishes_a_course(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (_, mut jar) = instructor(&app, "builder@example.com", "Europe/Berlin").await;
    let (status, dashboard) = page(&app, &mut jar, "/teach").await;
    assert_eq!(status, 200);
    assert!(dashboard.contains(">New course</a>"));
    assert!(
        dashboard.contains("href=\"/teach\">Teaching</a>"),
        "in the site navigation"
    );

    // "Preview" renders the Markdown on the server and creates nothing.
    let new = "/teach/courses/new";
    let previewed = submit(
        &app,
        &mut jar,
        new,
        new,
        &course_fields("Sepsis Essentials", "49.50", "preview"),
    )
    .await;
    assert_eq!(previewed.status(), 200);
    let html = previewed.text().await.expect("html");
    assert!(html.contains("<strong>antibiotics</strong>"), "{html}");
    assert!(!html.contains("<script>alert"), "the preview is sanitised");
    let (_, dashboard) = page(&app, &mut jar, "/teach").await;
    assert!(!dashboard.contains("Sepsis Essentials"));

    // A price with more decimals than the currency has is refused at the field.
    let refused = submit(
        &app,
        &mut jar,
        new,
        new,
        &course_fields("Sepsis Essentials", "49.505", "save"),
    )
    .await;
    let html = refused_page(refused).await;
    assert!(html.contains("id=\"price\" name=\"price\" type=\"text\" value=\"49.505\""));
    assert!(html.contains("aria-describedby=\"price-error\""), "{html}");

    let created = submit(
        &app,
        &mut jar,
        new,
        new,
        &course_fields("Sepsis Essentials", "49.50", "save"),
    )
    .await;
    assert_eq!(created.status(), 303);
    let editor = location(&created);
    let course = id_in(&editor, "/teach/courses/");
    let editor = format!("/teach/courses/{course}");
    let (_, html) = page(&app, &mut jar, &editor).await;
    assert!(
        html.contains("value=\"sepsis-essentials\""),
        "the slug is shown: {html}"
    );
    assert!(html.contains("value=\"49.50\""));
    assert!(html.contains("<option value=\"EUR\" selected>EUR – Euro</option>"));
    assert!(html.contains("value=\"1.5\""));
    assert!(html.contains("Draft"));

    // Publishing needs a required material, and says so.
    let publish = format!("{editor}/publish");
    let refused = submit(&app, &mut jar, &editor, &publish, &[]).await;
    assert_eq!(refused.status(), 409);
    let html = refused.text().await.expect("html");
    assert!(
        html.contains("needs at least one required material"),
        "{html}"
    );

    let add = format!("{editor}/materials/new");
    let bad = submit(
        &app,
        &mut jar,
        &add,
        &add,
        &[
            ("title", "Slides"),
            ("kind", "link"),
            ("url", "http://example.org/slides"),
            ("required", "1"),
        ],
    )
    .await;
    assert_eq!(bad.status(), 422, "a link needs an https URL");
    assert!(bad.text().await.expect("html").contains("id=\"url-error\""));
    for fields in [
        [
            ("title", "Lecture notes"),
            ("kind", "article"),
            ("body", "Lactate above 2 mmol/l…"),
            ("required", "1"),
        ],
        [
            ("title", "Slides"),
            ("kind", "link"),
            ("url", "https://example.org/slides"),
            ("required", "1"),
        ],
    ] {
        let added = submit(&app, &mut jar, &add, &add, &fields).await;
        assert_eq!(added.status(), 303);
    }
    let (_, html) = page(&app, &mut jar, &editor).await;
    let lecture = html.find(">Lecture notes</a>").expect("first");
    let slides = html.find(">Slides</a>").expect("second");
    assert!(lecture < slides);
    let slides_id = {
        let at = html.find("\">Slides</a>").expect("slides link");
        let start =
            html[..at].rfind("/teach/materials/").expect("href") + "/teach/materials/".len();
        html[start..at].to_owned()
    };

    // "Move up" is a plain form: the keyboard's way to reorder.
    let order = format!("{editor}/materials/order");
    let moved = submit(
        &app,
        &mut jar,
        &editor,
        &order,
        &[("move", &slides_id), ("direction", "up")],
    )
    .await;
    assert_eq!(moved.status(), 303);
    assert!(location(&moved).ends_with(&format!("#material-{slides_id}")));
    let (_, html) = page(&app, &mut jar, &editor).await;
    assert!(
        html.find(">Slides</a>") < html.find(">Lecture notes</a>"),
        "moved up"
    );
    let outline = json_of(app.get(&format!("/api/v1/courses/{course}")).await).await;
    assert_ne!(outline["status"], "published");

    let published = submit(&app, &mut jar, &editor, &publish, &[]).await;
    assert_eq!(published.status(), 303);
    let (_, html) = page(&app, &mut jar, &location(&published)).await;
    assert!(html.contains("Published: the course is in the catalog."));
    assert!(html.contains("<strong>Status:</strong> Published"));
    let (status, public) = page(&app, &mut jar, "/courses/sepsis-essentials").await;
    assert_eq!(status, 200);
    assert!(
        public.find("Slides") < public.find("Lecture notes"),
        "students see the new order"
    );

    // Saving changes the fields; the dashboard lists the course.
    let mut fields = course_fields("Sepsis Essentials II", "60", "save");
    fields.push(("slug", "sepsis-two"));
    let saved = submit(&app, &mut jar, &editor, &editor, &fields).await;
    assert_eq!(saved.status(), 303);
    let (_, dashboard) = page(&app, &mut jar, "/teach").await;
    assert!(dashboard.contains("Sepsis Essentials II"));
    assert!(dashboard.contains("Published"));
    let (status, _) = page(&app, &mut jar, "/courses/sepsis-two").await;
    assert_eq!(status, 200, "the new slug");

    // Deleting a material asks first, on a page of its own: the question
    // needs no script.
    let slides = format!("/teach/materials/{slides_id}");
    let (_, html) = page(&app, &mut jar, &slides).await;
    assert!(html.contains(&format!(
        "href=\"{slides}/delete\">Delete this material…</a>"
    )));
    let delete = format!("{slides}/delete");
    let (status, confirm) = page(&app, &mut jar, &delete).await;
    assert_eq!(status, 200);
    assert!(confirm.contains("Delete this material?"), "{confirm}");
    let (_, html) = page(&app, &mut jar, &editor).await;
    assert!(html.contains(">Slides</a>"), "asking deleted nothing");
    let deleted = submit(&app, &mut jar, &delete, &delete, &[]).await;
    assert_eq!(deleted.status(), 303);
    let (_, html) = page(&app, &mut jar, &editor).await;
    assert!(!html.contains(">Slides</a>"));
    assert!(html.contains(">Lecture notes</a>"));

    // Deleting asks first.
    let delete = format!("{editor}/delete");
    let (status, confirm) = page(&app, &mut jar, &delete).await;
    assert_eq!(status, 200);
    assert!(confirm.contains("Delete the course"));
    let deleted = submit(&app, &mut jar, &delete, &delete, &[]).await;
    assert_eq!(location(&deleted), "/teach?deleted=1");
    let (status, _) = page(&app, &mut jar, &editor).await;
    assert_eq!(status, 404);
}

/// The last Sunday of March (the European spring clock change) at least a
/// week away, and the Monday before it.
fn spring_change() -> (NaiveDate, NaiveDate) {
    let today = Utc::now().date_naive();
    let mut year = today.year();
    loop {
        let last = NaiveDate::from_ymd_opt(year, 3, 31).expect("date");
        let sunday = last - Duration::days(i64::from(last.weekday().num_days_from_sunday()));
        if sunday - today > Duration::days(8) {
            return (sunday, sunday - Duration::days(6));
        }
        year += 1;
    }
}

async fn a_weekly_series_keeps_its_local_hour_and_its_roster_marks_attendance(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (token, mut jar) = instructor(&app, "series@example.com", "Europe/Berlin").await;
    let course = app.course(&token).title("Sepsis Drill").create().await;
    let (change, monday) = spring_change();
    assert_eq!(change.weekday(), Weekday::Sun);
    let starts = format!("{}T09:00", monday.format("%Y-%m-%d"));
    let new = "/teach/sessions/new";
    let form_page = format!("{new}?course={course}");
    let (_, html) = page(&app, &mut jar, &form_page).await;
    assert!(html.contains("Europe/Berlin"), "the zone is named");
    let series = |intent: &'static str| {
        vec![
            ("course", course.clone()),
            ("starts", starts.clone()),
            ("duration", "60".to_owned()),
            ("capacity", "5".to_owned()),
            ("location", "Skills lab 2".to_owned()),
            ("repeat", "weekly".to_owned()),
            ("day_mo", "1".to_owned()),
            ("times", "3".to_owned()),
            ("intent", intent.to_owned()),
        ]
    };
    let preview_fields = series("preview");
    let preview_refs: Vec<(&str, &str)> = preview_fields
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    let previewed = submit(&app, &mut jar, &form_page, new, &preview_refs).await;
    assert_eq!(previewed.status(), 200);
    let html = previewed.text().await.expect("html");
    let weeks: Vec<NaiveDate> = (0..3).map(|w| monday + Duration::weeks(w)).collect();
    for day in &weeks {
        let local = format!("{}, 09:00 (Europe/Berlin)", day.format("%A %-d %B %Y"));
        assert!(html.contains(&local), "{local} in {html}");
    }
    let week_page = format!("/teach/schedule?week={}", monday.format("%Y-%m-%d"));
    let (_, week) = page(&app, &mut jar, &week_page).await;
    assert!(!week.contains("Sepsis Drill"), "a preview creates nothing");

    let create_fields = series("create");
    let create_refs: Vec<(&str, &str)> = create_fields
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    let created = submit(&app, &mut jar, &form_page, new, &create_refs).await;
    assert_eq!(created.status(), 303);
    assert!(location(&created).ends_with("created=3"));

    // Each week shows its session at 09:00 local, before and after the change.
    for day in &weeks {
        let (status, week) = page(
            &app,
            &mut jar,
            &format!("/teach/schedule?week={}", day.format("%Y-%m-%d")),
        )
        .await;
        assert_eq!(status, 200);
        assert!(
            week.contains("<strong class=\"session-time\">09:00–10:00</strong> Sepsis Drill"),
            "{week}"
        );
        assert!(week.contains("0 of 5 seats booked"));
    }
    // Stored as instants: 08:00Z in winter time (UTC+1), 07:00Z in summer time (UTC+2).
    let from = format!("{}T00:00:00Z", monday.format("%Y-%m-%d"));
    let to = format!(
        "{}T00:00:00Z",
        (monday + Duration::weeks(3)).format("%Y-%m-%d")
    );
    let listed = json_of(
        app.get(&format!(
            "/api/v1/courses/{course}/slots?from={from}&to={to}"
        ))
        .await,
    )
    .await;
    let instants: Vec<&str> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|s| s["starts_at"].as_str().expect("starts_at"))
        .collect();
    let expected: Vec<String> = vec![
        format!("{}T08:00:00Z", weeks[0].format("%Y-%m-%d")),
        format!("{}T07:00:00Z", weeks[1].format("%Y-%m-%d")),
        format!("{}T07:00:00Z", weeks[2].format("%Y-%m-%d")),
    ];
    assert_eq!(instants, expected);
    let slot_ids: Vec<String> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|s| s["id"].as_str().expect("id").to_owned())
        .collect();

    // A clash with one of them is named next to the form.
    let clash_fields = [
        ("course", course.clone()),
        ("starts", format!("{}T09:30", weeks[1].format("%Y-%m-%d"))),
        ("duration", "30".to_owned()),
        ("capacity", "2".to_owned()),
        ("repeat", "none".to_owned()),
        ("intent", "create".to_owned()),
    ];
    let clash_refs: Vec<(&str, &str)> =
        clash_fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let clash = submit(&app, &mut jar, &form_page, new, &clash_refs).await;
    assert_eq!(clash.status(), 409);
    let html = clash.text().await.expect("html");
    assert!(
        html.contains(&format!(
            "This clashes with your session of “Sepsis Drill” on {}, 09:00 (Europe/Berlin)",
            weeks[1].format("%A %-d %B %Y")
        )),
        "{html}"
    );

    // The roster shows a student's booking; attendance waits for the start.
    let student = app.user("learner@example.com", "student").await;
    let booked = json_of(app.book(&student, &slot_ids[0]).await).await;
    let booking = booked["id"].as_str().expect("booking id").to_owned();
    let third = json_of(app.book(&student, &slot_ids[2]).await).await;
    assert_eq!(third["status"], "confirmed");
    let roster = format!("/teach/sessions/{}", slot_ids[0]);
    let (status, html) = page(&app, &mut jar, &roster).await;
    assert_eq!(status, 200);
    assert!(html.contains("learner@example.com"));
    assert!(html.contains("<td>confirmed</td>"));
    assert!(html.contains("<td>free</td>"));
    assert!(!html.contains(">Completed</button>"), "not started yet");
    let early = submit(
        &app,
        &mut jar,
        &roster,
        &format!("/teach/bookings/{booking}/complete"),
        &[],
    )
    .await;
    assert!(location(&early).ends_with("refused=not-started"));

    // The session starts: moved into the past through the store, as no
    // route creates one there.
    let slot: medicaledu_domain::Id = slot_ids[0].parse().expect("id");
    let started = medicaledu_domain::Timestamp::from(Utc::now() - Duration::minutes(10));
    let ends = medicaledu_domain::Timestamp::from(Utc::now() + Duration::minutes(50));
    medicaledu_store::on_db!(&app.test_db.db, pool => {
        sqlx::query("UPDATE availability_slots SET starts_at = $2, ends_at = $3 WHERE id = $1")
            .bind(slot).bind(started).bind(ends)
            .execute(pool).await.expect("move the slot");
    });
    let (_, html) = page(&app, &mut jar, &roster).await;
    assert!(html.contains(">Completed</button>"));
    assert!(html.contains(">No-show</button>"));
    let done = submit(
        &app,
        &mut jar,
        &roster,
        &format!("/teach/bookings/{booking}/complete"),
        &[],
    )
    .await;
    assert_eq!(done.status(), 303);
    assert!(location(&done).ends_with("?marked=1"));
    let (_, html) = page(&app, &mut jar, &roster).await;
    assert!(html.contains("<td>attended</td>"), "{html}");
    let stored = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/bookings/{booking}"),
            &student,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(stored["status"], "completed");

    // Cancelling this and the following sessions says what it does first.
    let second = &slot_ids[1];
    let (status, html) = page(
        &app,
        &mut jar,
        &format!("/teach/sessions/{second}/cancel?scope=following"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("This cancels 2 sessions. 1 booked student will be cancelled and told. Nobody paid, so nothing is refunded."), "{html}");
    let cancel = format!("/teach/sessions/{second}/cancel");
    let cancelled = submit(
        &app,
        &mut jar,
        &format!("{cancel}?scope=following"),
        &cancel,
        &[("scope", "following")],
    )
    .await;
    assert_eq!(cancelled.status(), 303);
    assert!(location(&cancelled).ends_with("cancelled=2"));
    let third_booking = third["id"].as_str().expect("id");
    let third_now = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/bookings/{third_booking}"),
            &student,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(third_now["status"], "cancelled");
    let (_, week) = page(
        &app,
        &mut jar,
        &format!("/teach/schedule?week={}", weeks[2].format("%Y-%m-%d")),
    )
    .await;
    assert!(!week.contains("Sepsis Drill"));
}

async fn another_instructor_cannot_open_or_change_these_pages(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (owner, _) = instructor(&app, "owner@example.com", "Europe/Berlin").await;
    let course = app.course(&owner).title("Private Draft").create().await;
    let slot = app.slot(&owner, &course).create().await;
    let student = app.user("booked@example.com", "student").await;
    let booking = json_of(app.book(&student, &slot).await).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (_, mut other) = instructor(&app, "other@example.com", "UTC").await;
    for path in [
        format!("/teach/courses/{course}"),
        format!("/teach/courses/{course}/delete"),
        format!("/teach/courses/{course}/materials/new"),
        format!("/teach/sessions/{slot}"),
        format!("/teach/sessions/{slot}/cancel?scope=series"),
    ] {
        let (status, _) = page(&app, &mut other, &path).await;
        assert_eq!(status, 404, "{path}");
    }
    let (_, schedule) = page(&app, &mut other, "/teach/schedule").await;
    assert!(!schedule.contains("Private Draft"));
    let (_, dashboard) = page(&app, &mut other, "/teach").await;
    assert!(!dashboard.contains("Private Draft"));
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            format!("/teach/courses/{course}"),
            course_fields("Taken Over", "1", "save"),
        ),
        (format!("/teach/courses/{course}/publish"), vec![]),
        (format!("/teach/courses/{course}/archive"), vec![]),
        (format!("/teach/courses/{course}/delete"), vec![]),
        (
            format!("/teach/courses/{course}/materials/new"),
            vec![("title", "Mine"), ("kind", "article"), ("body", "x")],
        ),
        (
            format!("/teach/sessions/{slot}/cancel"),
            vec![("scope", "series")],
        ),
        (format!("/teach/bookings/{booking}/complete"), vec![]),
        (format!("/teach/bookings/{booking}/no-show"), vec![]),
        (
            format!("/teach/bookings/{booking}/cancel"),
            vec![("reason", "mine now")],
        ),
    ];
    for (path, fields) in posts {
        let refused = submit(&app, &mut other, "/teach", &path, &fields).await;
        assert_eq!(refused.status(), 404, "{path}");
    }
    // Nothing changed.
    let shown = json_of(app.get(&format!("/api/v1/courses/{course}")).await).await;
    assert_eq!(shown["title"], "Private Draft");
    let kept = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/bookings/{booking}"),
            &student,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(kept["status"], "confirmed");

    // Students are refused the instructor pages; visitors are asked to sign in.
    let mut learner = Jar::signed_in(&student);
    let (status, _) = page(&app, &mut learner, "/teach").await;
    assert_eq!(status, 403);
    let (status, html) = page(&app, &mut learner, "/me").await;
    assert_eq!(status, 200);
    assert!(
        !html.contains("href=\"/teach\""),
        "no Teaching link for students"
    );
    let anonymous = app.get("/teach/schedule").await;
    assert_eq!(anonymous.status(), 303);
    assert_eq!(location(&anonymous), "/signin?next=/teach/schedule");
}
