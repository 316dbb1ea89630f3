//! The promo code pages, driven over HTTP like a browser without JavaScript:
//! an instructor's code for their course, listed with its redemptions before
//! and after a student books with it, then deactivated so that it no longer
//! applies; refusals shown at their fields with nothing changed; another
//! instructor told "not found"; and the administrators' list of every scope
//! with its filters.

use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::pages::{Jar, csrf_of, location, page, post_same_site, refused_page, submit};
use crate::support::{TestApp, both_backends, json_of, spawn_app};

both_backends!(
    an_instructor_creates_a_code_sees_it_redeemed_and_deactivates_it,
    refused_codes_show_their_field_errors_and_change_nothing,
    another_instructor_cannot_open_or_change_a_code,
    an_admin_sees_every_scope_and_filters_them,
);

/// A signed-in instructor in Europe/Berlin, with a browser holding their
/// session.
async fn instructor(app: &TestApp, email: &str) -> (String, Jar) {
    let token = app.user(email, "instructor").await;
    let patched = app
        .send(
            Method::PATCH,
            "/api/v1/me",
            &token,
            Some(&json!({ "timezone": "Europe/Berlin" })),
        )
        .await;
    assert_eq!(patched.status(), 200);
    let jar = Jar::signed_in(&token);
    (token, jar)
}

/// The form of a code: a percentage for `course_id` (empty for all the
/// instructor's courses), at most five redemptions, no dates.
fn code_fields<'a>(code: &'a str, value: &'a str, course_id: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("code", code),
        ("description", "Spring term"),
        ("discount_type", "percent"),
        ("value", value),
        ("currency", ""),
        ("course_id", course_id),
        ("max_redemptions", "5"),
        ("max_redemptions_per_user", "1"),
        ("valid_from", ""),
        ("valid_until", ""),
    ]
}

/// The codes `token` manages, as the API lists them.
async fn codes(app: &TestApp, token: &str) -> Vec<Value> {
    json_of(
        app.send(Method::GET, "/api/v1/promo-codes?limit=100", token, None)
            .await,
    )
    .await["items"]
        .as_array()
        .expect("items")
        .clone()
}

fn find<'a>(codes: &'a [Value], code: &str) -> &'a Value {
    codes
        .iter()
        .find(|c| c["code"] == code)
        .unwrap_or_else(|| panic!("{code} in {codes:?}"))
}

/// The row of `code` in a list page.
fn row<'a>(html: &'a str, code: &str) -> &'a str {
    let at = html
        .find(&format!("<code>{code}</code>"))
        .unwrap_or_else(|| panic!("{code} listed: {html}"));
    let start = html[..at].rfind("<tr").expect("row start");
    let end = at + html[at..].find("</tr>").expect("row end");
    &html[start..end]
}

async fn book_with(app: &TestApp, student: &str, slot: &str, code: &str) -> reqwest::Response {
    app.send(
        Method::POST,
        "/api/v1/bookings",
        student,
        Some(&json!({ "slot_id": slot, "promo_code": code })),
    )
    .await
}

async fn an_instructor_creates_a_code_sees_it_redeemed_and_deactivates_it(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (token, mut jar) = instructor(&app, "coupons@example.com").await;
    let course = app
        .course(&token)
        .title("Airway Skills")
        .price(5000)
        .currency("EUR")
        .create()
        .await;
    let slot = app.slot(&token, &course).capacity(5).create().await;

    let (status, list) = page(&app, &mut jar, "/teach/promo-codes").await;
    assert_eq!(status, 200);
    assert!(list.contains("No promo codes yet."), "{list}");
    assert!(
        list.contains(r#"<a href="/teach/promo-codes" aria-current="page">Promo codes</a>"#),
        "in the teaching navigation, marked as the page shown"
    );
    let (_, dashboard) = page(&app, &mut jar, "/teach").await;
    assert!(dashboard.contains(r#"href="/teach/promo-codes""#));

    // The form offers the instructor's course; the end of validity is typed
    // in the instructor's zone.
    let new = "/teach/promo-codes/new";
    let (_, form) = page(&app, &mut jar, new).await;
    assert!(
        form.contains(&format!(
            r#"<option value="{course}">Airway Skills</option>"#
        )),
        "{form}"
    );
    let mut fields = code_fields("AIRWAY20", "20", &course);
    fields.retain(|(name, _)| *name != "valid_until");
    fields.push(("valid_until", "2030-06-01T09:00"));
    let created = submit(&app, &mut jar, new, new, &fields).await;
    assert_eq!(created.status(), 303);
    assert_eq!(location(&created), "/teach/promo-codes?done=created");
    let stored = codes(&app, &token).await;
    let code = find(&stored, "AIRWAY20");
    assert_eq!(code["value"], 20);
    assert_eq!(code["course_id"], course.as_str());
    assert_eq!(
        code["valid_until"], "2030-06-01T07:00:00Z",
        "09:00 in Berlin's summer is 07:00 UTC"
    );
    let id = code["id"].as_str().expect("id").to_owned();

    let (_, list) = page(&app, &mut jar, "/teach/promo-codes?done=created").await;
    assert!(list.contains("The promo code is created."));
    let line = row(&list, "AIRWAY20");
    assert!(line.contains(">20%</td>"), "{line}");
    assert!(line.contains(">Airway Skills</td>"), "{line}");
    assert!(line.contains(">0 / 5</td>"), "{line}");
    assert!(line.contains(">Active</td>"), "{line}");
    assert!(
        line.contains("Saturday 1 June 2030, 09:00 (Europe/Berlin)"),
        "{line}"
    );
    assert!(
        line.contains(r#"aria-label="Deactivate AIRWAY20""#),
        "{line}"
    );

    // A student books with it (in any case): one redemption of five.
    let student = app.user("first@example.com", "student").await;
    let booked = book_with(&app, &student, &slot, "airway20").await;
    assert_eq!(booked.status(), 201);
    let booking = json_of(booked).await;
    assert_eq!(booking["discount_minor"], 1000);
    let (_, list) = page(&app, &mut jar, "/teach/promo-codes").await;
    assert!(row(&list, "AIRWAY20").contains(">1 / 5</td>"));

    // Editing keeps what is not changed, in the same words.
    let editor = format!("/teach/promo-codes/{id}");
    let (status, html) = page(&app, &mut jar, &editor).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(r#"name="value" type="text" value="20""#),
        "{html}"
    );
    assert!(html.contains(r#"value="2030-06-01T09:00""#), "{html}");
    let mut fields = code_fields("AIRWAY20", "25", &course);
    fields.retain(|(name, _)| *name != "max_redemptions");
    fields.push(("max_redemptions", "10"));
    let saved = submit(&app, &mut jar, &editor, &editor, &fields).await;
    assert_eq!(saved.status(), 303);
    assert_eq!(location(&saved), "/teach/promo-codes?done=saved");
    let (_, list) = page(&app, &mut jar, "/teach/promo-codes").await;
    let line = row(&list, "AIRWAY20");
    assert!(
        line.contains(">25%</td>") && line.contains(">1 / 10</td>"),
        "{line}"
    );

    // Deactivated, it no longer applies; the list says so and offers it back.
    let deactivated = submit(
        &app,
        &mut jar,
        "/teach/promo-codes",
        &format!("/teach/promo-codes/{id}/deactivate"),
        &[],
    )
    .await;
    assert_eq!(deactivated.status(), 303);
    assert_eq!(
        location(&deactivated),
        "/teach/promo-codes?done=deactivated"
    );
    let (_, list) = page(&app, &mut jar, "/teach/promo-codes?done=deactivated").await;
    assert!(list.contains("The promo code is deactivated"));
    let line = row(&list, "AIRWAY20");
    assert!(line.contains(">Inactive</td>"), "{line}");
    assert!(
        line.contains(r#"aria-label="Reactivate AIRWAY20""#),
        "{line}"
    );
    let second = app.user("second@example.com", "student").await;
    let refused = book_with(&app, &second, &slot, "AIRWAY20").await;
    assert_eq!(refused.status(), 422);
    assert_eq!(
        json_of(refused).await["errors"][0]["code"],
        "promo_inactive"
    );
    let (_, list) = page(&app, &mut jar, "/teach/promo-codes").await;
    assert!(
        row(&list, "AIRWAY20").contains(">1 / 10</td>"),
        "the refused booking redeemed nothing"
    );

    // Reactivated, it applies again.
    let reactivated = submit(
        &app,
        &mut jar,
        &editor,
        &format!("/teach/promo-codes/{id}/activate"),
        &[],
    )
    .await;
    assert_eq!(reactivated.status(), 303);
    assert_eq!(location(&reactivated), "/teach/promo-codes?done=activated");
    assert_eq!(
        book_with(&app, &second, &slot, "AIRWAY20").await.status(),
        201
    );
    let (_, list) = page(&app, &mut jar, "/teach/promo-codes").await;
    let line = row(&list, "AIRWAY20");
    assert!(
        line.contains(">Active</td>") && line.contains(">2 / 10</td>"),
        "{line}"
    );
}

/// A form as sent, the field refused, and what the page says next to it.
type Refusal<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);

async fn refused_codes_show_their_field_errors_and_change_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (token, mut jar) = instructor(&app, "careful@example.com").await;
    let course = app.course(&token).title("Suturing").create().await;
    let (rival, _) = instructor(&app, "rival@example.com").await;
    let rival_course = app.course(&rival).title("Rival Course").create().await;
    let new = "/teach/promo-codes/new";
    let created = submit(
        &app,
        &mut jar,
        new,
        new,
        &code_fields("SUTURE10", "10", &course),
    )
    .await;
    assert_eq!(created.status(), 303);

    let refusals: Vec<Refusal> = vec![
        (
            code_fields("suture10", "10", &course),
            "code",
            "Another promo code is already spelled this way.",
        ),
        (
            code_fields("TOOMUCH", "150", &course),
            "value",
            "A percentage is 1 to 100; a fixed amount is more than zero.",
        ),
        (
            code_fields("NOTMINE", "10", &rival_course),
            "course_id",
            "Choose one of your courses.",
        ),
        (
            code_fields("SP ACE", "10", &course),
            "code",
            "3 to 64 letters, digits, - or _.",
        ),
        (
            {
                let mut f = code_fields("FIXED", "10.00", &course);
                f.retain(|(n, _)| *n != "discount_type");
                f.push(("discount_type", "fixed"));
                f
            },
            "currency",
            "A fixed amount needs its currency.",
        ),
        (
            {
                let mut f = code_fields("EUROS", "10.005", &course);
                f.retain(|(n, _)| !["discount_type", "currency"].contains(n));
                f.extend([("discount_type", "fixed"), ("currency", "EUR")]);
                f
            },
            "value",
            "Enter a whole percentage such as 15, or an amount such as 10.00 for a fixed amount.",
        ),
        (
            {
                let mut f = code_fields("LIMITS", "10", &course);
                f.retain(|(n, _)| *n != "max_redemptions");
                f.push(("max_redemptions", "many"));
                f
            },
            "max_redemptions",
            "Enter a whole number.",
        ),
        (
            {
                let mut f = code_fields("BACKWARDS", "10", &course);
                f.retain(|(n, _)| !["valid_from", "valid_until"].contains(n));
                f.extend([
                    ("valid_from", "2030-03-02T10:00"),
                    ("valid_until", "2030-03-01T10:00"),
                ]);
                f
            },
            "valid_until",
            "This must be after “Valid from”.",
        ),
        (
            {
                let mut f = code_fields("GAP", "10", &course);
                f.retain(|(n, _)| *n != "valid_from");
                f.push(("valid_from", "2030-03-31T02:30"));
                f
            },
            "valid_from",
            "This local time does not exist",
        ),
    ];
    for (fields, field, message) in refusals {
        let refused = submit(&app, &mut jar, new, new, &fields).await;
        assert_eq!(refused.status(), 422, "{field}: {message}");
        let html = refused.text().await.expect("html");
        let error = format!(r#"<p class="error" id="{field}-error">{message}"#);
        assert!(html.contains(&error), "{error} in {html}");
        assert!(html.contains("Please correct the fields marked below."));
        // What was typed is kept.
        let code = fields.iter().find(|(n, _)| *n == "code").expect("code").1;
        assert!(html.contains(&format!(r#"value="{code}""#)), "{code} kept");
    }
    let stored = codes(&app, &token).await;
    assert_eq!(stored.len(), 1, "only the first code exists: {stored:?}");

    // A refused edit changes nothing either.
    let id = find(&stored, "SUTURE10")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let editor = format!("/teach/promo-codes/{id}");
    let refused = submit(
        &app,
        &mut jar,
        &editor,
        &editor,
        &code_fields("SUTURE10", "101", &course),
    )
    .await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .expect("html")
            .contains(r#"id="value-error""#)
    );
    let refused = submit(
        &app,
        &mut jar,
        &editor,
        &editor,
        &code_fields("SUTURE10", "10", &rival_course),
    )
    .await;
    assert_eq!(refused.status(), 422);
    let stored = codes(&app, &token).await;
    let code = find(&stored, "SUTURE10");
    assert_eq!(code["value"], 10);
    assert_eq!(code["course_id"], course.as_str());

    // Once its course is deleted, the code can still be deactivated, but not
    // made active again; its editor keeps the course rather than widening
    // the code to all the instructor's courses.
    let deleted = app
        .send(
            Method::DELETE,
            &format!("/api/v1/courses/{course}"),
            &token,
            None,
        )
        .await;
    assert_eq!(deleted.status(), 204);
    let deactivated = submit(
        &app,
        &mut jar,
        &editor,
        &format!("{editor}/deactivate"),
        &[],
    )
    .await;
    assert_eq!(deactivated.status(), 303);
    let refused = submit(&app, &mut jar, &editor, &format!("{editor}/activate"), &[]).await;
    let html = refused_page(refused).await;
    assert!(
        html.contains("This code cannot be active again as it stands"),
        "{html}"
    );
    assert!(
        html.contains(r#"<p class="error" id="course_id-error">Choose one of your courses."#),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            r#"<option value="{course}" selected>Suturing</option>"#
        )),
        "{html}"
    );
    assert_eq!(
        find(&codes(&app, &token).await, "SUTURE10")["is_active"],
        false
    );
}

async fn another_instructor_cannot_open_or_change_a_code(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (owner, mut owner_jar) = instructor(&app, "owner@example.com").await;
    let course = app.course(&owner).title("Owned").create().await;
    let new = "/teach/promo-codes/new";
    let created = submit(
        &app,
        &mut owner_jar,
        new,
        new,
        &code_fields("OWNED15", "15", &course),
    )
    .await;
    assert_eq!(created.status(), 303);
    let id = find(&codes(&app, &owner).await, "OWNED15")["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let (_, mut other) = instructor(&app, "other@example.com").await;
    let (status, list) = page(&app, &mut other, "/teach/promo-codes").await;
    assert_eq!(status, 200);
    assert!(
        !list.contains("OWNED15"),
        "not in another instructor's list"
    );
    let editor = format!("/teach/promo-codes/{id}");
    let (status, _) = page(&app, &mut other, &editor).await;
    assert_eq!(status, 404);
    let (_, own_page) = page(&app, &mut other, "/teach/promo-codes").await;
    let csrf = csrf_of(&own_page);
    for action in [
        editor.clone(),
        format!("{editor}/deactivate"),
        format!("{editor}/activate"),
    ] {
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend(code_fields("STOLEN", "90", ""));
        let answer = post_same_site(&app, &mut other, &action, &fields).await;
        assert_eq!(answer.status(), 404, "{action}");
    }
    let code = find(&codes(&app, &owner).await, "OWNED15").clone();
    assert_eq!(code["value"], 15);
    assert_eq!(code["is_active"], true);

    // Students are refused; visitors signed out are sent to sign in.
    let student = app.user("learner@example.com", "student").await;
    let (status, _) = page(&app, &mut Jar::signed_in(&student), "/teach/promo-codes").await;
    assert_eq!(status, 403);
    let (status, _) = page(&app, &mut Jar::default(), &editor).await;
    assert_eq!(status, 303);
}

async fn an_admin_sees_every_scope_and_filters_them(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (teacher, mut teacher_jar) = instructor(&app, "teacher@example.com").await;
    let course = app
        .course(&teacher)
        .title("Cardiology Basics")
        .create()
        .await;
    let new = "/teach/promo-codes/new";
    for fields in [
        code_fields("HEART15", "15", &course),
        code_fields("MINE5", "5", ""),
    ] {
        let created = submit(&app, &mut teacher_jar, new, new, &fields).await;
        assert_eq!(created.status(), 303);
    }
    let slug = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/courses/{course}"),
            &teacher,
            None,
        )
        .await,
    )
    .await["slug"]
        .as_str()
        .expect("slug")
        .to_owned();
    let admin = app.user("root@example.org", "admin").await;
    let mut jar = Jar::signed_in(&admin);

    let (status, home) = page(&app, &mut jar, "/admin").await;
    assert_eq!(status, 200);
    assert!(home.contains(r#"<a href="/admin/promo-codes">Promo codes</a>"#));
    assert!(home.contains(r#"<a href="/schema">Schema viewer</a>"#));

    // A platform-wide fixed amount and a code for the teacher by email.
    let admin_new = "/admin/promo-codes/new";
    let form = |code: &'static str,
                kind: &'static str,
                value: &'static str,
                currency: &'static str,
                course: String,
                instructor: &'static str| {
        vec![
            ("code", code.to_owned()),
            ("description", String::new()),
            ("discount_type", kind.to_owned()),
            ("value", value.to_owned()),
            ("currency", currency.to_owned()),
            ("course", course),
            ("instructor", instructor.to_owned()),
            ("max_redemptions", String::new()),
            ("max_redemptions_per_user", String::new()),
            ("valid_from", String::new()),
            ("valid_until", String::new()),
        ]
    };
    let created = send_to(
        &app,
        &mut jar,
        admin_new,
        &form("WELCOME10", "fixed", "10.00", "EUR", String::new(), ""),
    )
    .await;
    assert_eq!(created.status(), 303);
    assert_eq!(location(&created), "/admin/promo-codes?done=created");
    let created = send_to(
        &app,
        &mut jar,
        admin_new,
        &form(
            "TEACHER7",
            "percent",
            "7",
            "",
            String::new(),
            "teacher@example.com",
        ),
    )
    .await;
    assert_eq!(created.status(), 303);
    let created = send_to(
        &app,
        &mut jar,
        admin_new,
        &form("CARDIO30", "percent", "30", "", slug.clone(), ""),
    )
    .await;
    assert_eq!(created.status(), 303);

    // What cannot be found, or is no instructor, is refused at its field.
    app.user("pupil@example.com", "student").await;
    let refused = send_to(
        &app,
        &mut jar,
        admin_new,
        &form("NOWHERE", "percent", "5", "", "no-such-course".into(), ""),
    )
    .await;
    let html = refused_page(refused).await;
    assert!(
        html.contains(r#"<p class="error" id="course-error">No course has this address."#),
        "{html}"
    );
    let refused = send_to(
        &app,
        &mut jar,
        admin_new,
        &form(
            "NOBODY",
            "percent",
            "5",
            "",
            String::new(),
            "pupil@example.com",
        ),
    )
    .await;
    let html = refused_page(refused).await;
    assert!(
        html.contains(
            r#"<p class="error" id="instructor-error">This account is not an instructor"#
        ),
        "{html}"
    );

    let all = codes(&app, &admin).await;
    assert_eq!(all.len(), 5, "{all:?}");
    let (status, list) = page(&app, &mut jar, "/admin/promo-codes").await;
    assert_eq!(status, 200);
    for code in ["HEART15", "MINE5", "WELCOME10", "TEACHER7", "CARDIO30"] {
        row(&list, code);
    }
    assert!(row(&list, "WELCOME10").contains(">EUR 10.00</td>"));
    assert!(row(&list, "WELCOME10").contains(">The whole platform</td>"));
    assert!(row(&list, "WELCOME10").contains(">0 / no limit</td>"));
    assert!(row(&list, "TEACHER7").contains(">All courses of "));
    assert!(row(&list, "CARDIO30").contains(">Cardiology Basics</td>"));

    assert_eq!(
        listed(&app, &mut jar, "scope=platform").await,
        ["WELCOME10"]
    );
    assert_eq!(
        listed(&app, &mut jar, "scope=instructor").await,
        ["MINE5", "TEACHER7"]
    );
    assert_eq!(
        listed(&app, &mut jar, "scope=course").await,
        ["HEART15", "CARDIO30"]
    );
    assert_eq!(listed(&app, &mut jar, "q=eart").await, ["HEART15"]);
    assert_eq!(
        listed(&app, &mut jar, "q=%25").await,
        Vec::<&str>::new(),
        "% is no wildcard"
    );

    // The admin deactivates the teacher's code; the state filter finds it.
    let heart = find(&all, "HEART15")["id"].as_str().expect("id").to_owned();
    let done = submit(
        &app,
        &mut jar,
        "/admin/promo-codes",
        &format!("/admin/promo-codes/{heart}/deactivate"),
        &[],
    )
    .await;
    assert_eq!(done.status(), 303);
    assert_eq!(location(&done), "/admin/promo-codes?done=deactivated");
    assert_eq!(listed(&app, &mut jar, "active=false").await, ["HEART15"]);
    assert_eq!(
        listed(&app, &mut jar, "active=true&scope=course").await,
        ["CARDIO30"]
    );
    let (_, html) = page(&app, &mut jar, "/admin/promo-codes?active=maybe").await;
    assert!(html.contains("The status filter is either active or inactive."));

    // The admin edits any code; the teacher sees only their own.
    let editor = format!("/admin/promo-codes/{heart}");
    let (status, html) = page(&app, &mut jar, &editor).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!(r#"name="course" type="text" value="{slug}""#)),
        "{html}"
    );
    assert!(html.contains(r#"value="teacher@example.com""#), "{html}");
    let edited = send_to(
        &app,
        &mut jar,
        &editor,
        &form(
            "HEART15",
            "percent",
            "20",
            "",
            slug.clone(),
            "teacher@example.com",
        ),
    )
    .await;
    assert_eq!(edited.status(), 303);
    assert_eq!(find(&codes(&app, &teacher).await, "HEART15")["value"], 20);
    let (_, teacher_list) = page(&app, &mut teacher_jar, "/teach/promo-codes").await;
    assert!(
        teacher_list.contains("<code>HEART15</code>")
            && teacher_list.contains("<code>MINE5</code>")
    );
    assert!(!teacher_list.contains("WELCOME10") && !teacher_list.contains("TEACHER7"));
    assert!(row(&teacher_list, "MINE5").contains(">All my courses</td>"));

    // Instructors are refused the administrators' pages.
    let (status, _) = page(&app, &mut teacher_jar, "/admin/promo-codes").await;
    assert_eq!(status, 403);
}

/// The codes the administrators' list shows with `query`, of those the
/// test created.
async fn listed(app: &TestApp, jar: &mut Jar, query: &str) -> Vec<&'static str> {
    let (status, html) = page(app, jar, &format!("/admin/promo-codes?{query}")).await;
    assert_eq!(status, 200, "{query}");
    ["HEART15", "MINE5", "WELCOME10", "TEACHER7", "CARDIO30"]
        .into_iter()
        .filter(|code| html.contains(&format!("<code>{code}</code>")))
        .collect()
}

/// POSTs `fields` to the form page `path` itself.
async fn send_to(
    app: &TestApp,
    jar: &mut Jar,
    path: &str,
    fields: &[(&'static str, String)],
) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
    submit(app, jar, path, path, &fields).await
}
