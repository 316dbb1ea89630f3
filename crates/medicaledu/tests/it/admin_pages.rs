//! The administrators' pages (`/admin`), driven as a browser without
//! JavaScript would: marking a manual payment paid and refunding half of
//! it, each after a confirmation step; unlocking a locked account; retrying
//! a failed notification; the audit log and its CSV export.

use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::json;

use crate::support::pages::{Jar, csrf_of, hidden, location, page, post_same_site};
use crate::support::{PASSWORD, PaidBooking, TestApp, both_backends, json_of, spawn_app};

async fn admin_jar(app: &TestApp) -> Jar {
    Jar::signed_in(&app.user("root@example.org", "admin").await)
}

/// A pending manual charge of the default paid booking (USD 10.00): its id.
async fn manual_charge(app: &TestApp) -> (PaidBooking, String) {
    let paid = PaidBooking::builder(app).price(1000).create().await;
    let payment = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/bookings/{}/payments", paid.booking),
            &paid.student,
            Some(&json!({"provider": "manual"})),
        )
        .await,
    )
    .await;
    let id = payment["id"].as_str().expect("payment id").to_owned();
    (paid, id)
}

async fn marking_paid_then_refunding_half_is_confirmed_and_audited(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (paid, charge) = manual_charge(&app).await;
    let admin = app.user("root@example.org", "admin").await;
    let mut jar = Jar::signed_in(&admin);
    let payments = async |app: &TestApp| {
        json_of(
            app.send(
                Method::GET,
                &format!("/api/v1/bookings/{}/payments", paid.booking),
                &admin,
                None,
            )
            .await,
        )
        .await
    };

    // The payments list shows it; its page offers "Mark as paid" after a
    // confirmation step.
    let (status, list) = page(
        &app,
        &mut jar,
        "/admin/payments?provider=manual&currency=usd",
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        list.contains(&format!("/admin/payments/{charge}")),
        "{list}"
    );
    let (_, payment) = page(&app, &mut jar, &format!("/admin/payments/{charge}")).await;
    assert!(payment.contains(&format!("/admin/payments/{charge}/mark-paid")));
    let (_, confirm) = page(
        &app,
        &mut jar,
        &format!("/admin/payments/{charge}/mark-paid"),
    )
    .await;
    assert!(confirm.contains("Mark USD 10.00 as received?"), "{confirm}");
    let marked = post_same_site(
        &app,
        &mut jar,
        &format!("/admin/payments/{charge}/mark-paid"),
        &[("csrf", &csrf_of(&confirm))],
    )
    .await;
    assert_eq!(marked.status(), 303);
    let booking = json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/bookings/{}", paid.booking),
            &paid.student,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(
        booking["status"], "confirmed",
        "marking paid confirms the booking"
    );

    // "Refund" asks first, naming the amount, and changes nothing until
    // confirmed.
    let (_, payment) = page(&app, &mut jar, &format!("/admin/payments/{charge}")).await;
    assert!(
        payment.contains(r#"id="amount" name="amount" value="10.00""#),
        "all that is left is offered"
    );
    let csrf = csrf_of(&payment);
    let asked = post_same_site(
        &app,
        &mut jar,
        &format!("/admin/payments/{charge}/refund"),
        &[
            ("csrf", &csrf),
            ("amount", "5"),
            ("reason", "Half the session was cancelled"),
        ],
    )
    .await;
    assert_eq!(asked.status(), 200);
    let confirm = asked.text().await.expect("confirmation");
    assert!(
        confirm.contains("Refund USD 5.00 of USD 10.00?"),
        "{confirm}"
    );
    let before = payments(&app).await;
    assert_eq!(
        before["items"].as_array().map(Vec::len),
        Some(1),
        "nothing refunded before confirming: {before}"
    );

    let key = hidden(&confirm, "key");
    let fields = [
        ("csrf", csrf.as_str()),
        ("amount", "5"),
        ("reason", "Half the session was cancelled"),
        ("confirm", "1"),
        ("key", key.as_str()),
    ];
    let done = post_same_site(
        &app,
        &mut jar,
        &format!("/admin/payments/{charge}/refund"),
        &fields,
    )
    .await;
    assert_eq!(done.status(), 303);
    assert_eq!(
        location(&done),
        format!("/admin/payments/{charge}?done=refunded")
    );
    // The same confirmation sent twice (a double click) refunds once.
    let again = post_same_site(
        &app,
        &mut jar,
        &format!("/admin/payments/{charge}/refund"),
        &fields,
    )
    .await;
    assert_eq!(again.status(), 303);
    let after = payments(&app).await;
    let refunds: Vec<&serde_json::Value> = after["items"]
        .as_array()
        .expect("payments")
        .iter()
        .filter(|p| p["kind"] == "refund")
        .collect();
    assert_eq!(refunds.len(), 1, "{after}");
    assert_eq!(refunds[0]["amount_minor"], 500);
    assert_eq!(refunds[0]["status"], "succeeded");

    let (_, payment) = page(
        &app,
        &mut jar,
        &format!("/admin/payments/{charge}?done=refunded"),
    )
    .await;
    assert!(payment.contains("The refund is recorded."));
    assert!(payment.contains("USD 5.00"), "the refund is listed");
    assert!(
        payment.contains(r#"value="5.00""#),
        "the rest is what is offered now"
    );

    // More than is left is refused next to the amount, and changes nothing.
    let too_much = post_same_site(
        &app,
        &mut jar,
        &format!("/admin/payments/{charge}/refund"),
        &[
            ("csrf", &csrf),
            ("amount", "6.00"),
            ("reason", "x"),
            ("confirm", "1"),
            ("key", "other-key"),
        ],
    )
    .await;
    assert_eq!(too_much.status(), 200);
    assert!(
        too_much
            .text()
            .await
            .expect("page")
            .contains("more than is left")
    );
    let bad = post_same_site(
        &app,
        &mut jar,
        &format!("/admin/payments/{charge}/refund"),
        &[("csrf", &csrf), ("amount", "five"), ("reason", "")],
    )
    .await;
    let bad = bad.text().await.expect("page");
    assert!(bad.contains(r#"id="amount-error""#) && bad.contains(r#"id="reason-error""#));

    // The audit log shows the refund with its change set.
    let (_, audit) = page(&app, &mut jar, "/admin/audit?entity_type=payment").await;
    assert!(audit.contains("payment.refunded"), "{audit}");
    assert!(
        audit.contains("Half the session was cancelled"),
        "the reason is in a change set"
    );
    assert!(
        audit.contains("<th scope=\"row\">amount_minor</th>"),
        "change sets read as tables"
    );
}

async fn unlocking_lets_the_owner_sign_in_again(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let student = app.register("locked-out@example.org", "student").await;
    let id = student["user"]["id"]
        .as_str()
        .or_else(|| student["id"].as_str())
        .expect("user id")
        .to_owned();
    let attempts = crate::support::test_settings().lockout.max_failed_attempts;
    for _ in 0..attempts {
        app.post_json(
            "/api/v1/auth/login",
            &json!({"email": "locked-out@example.org", "password": "wrong password here"}),
            None,
        )
        .await;
    }
    let locked = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "locked-out@example.org", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(locked.status(), 423, "the account is locked");

    let mut jar = admin_jar(&app).await;
    let (_, users) = page(&app, &mut jar, "/admin/users?q=locked-out").await;
    assert!(users.contains(&format!("/admin/users/{id}")), "{users}");
    assert!(users.contains("locked"));
    let (_, user) = page(&app, &mut jar, &format!("/admin/users/{id}")).await;
    assert!(user.contains("Locked until"));
    let unlocked = post_same_site(
        &app,
        &mut jar,
        &format!("/admin/users/{id}/unlock"),
        &[("csrf", &csrf_of(&user))],
    )
    .await;
    assert_eq!(unlocked.status(), 303);
    let (_, user) = page(&app, &mut jar, &location(&unlocked)).await;
    assert!(user.contains("The account is unlocked"));
    assert!(!user.contains("Locked until"));
    assert!(user.contains("user.unlocked"), "the audit trail shows it");
    let signed_in = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "locked-out@example.org", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(signed_in.status(), 200, "the owner signs in again");
}

async fn suspending_asks_first_and_signs_out(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let token = app.user("to-suspend@example.org", "student").await;
    let me = json_of(app.send(Method::GET, "/api/v1/me", &token, None).await).await;
    let id = me["id"].as_str().expect("id").to_owned();
    let mut jar = admin_jar(&app).await;
    let (_, confirm) = page(&app, &mut jar, &format!("/admin/users/{id}/suspend")).await;
    assert!(confirm.contains("signed out on every device"));
    assert_eq!(
        app.send(Method::GET, "/api/v1/me", &token, None)
            .await
            .status(),
        200,
        "asking changes nothing"
    );
    let done = post_same_site(
        &app,
        &mut jar,
        &format!("/admin/users/{id}/suspend"),
        &[("csrf", &csrf_of(&confirm))],
    )
    .await;
    assert_eq!(done.status(), 303);
    assert_eq!(
        app.send(Method::GET, "/api/v1/me", &token, None)
            .await
            .status(),
        401
    );
}

async fn only_administrators_see_the_admin_pages(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mut anonymous = Jar::default();
    let answer = app
        .client
        .get(app.url("/admin/payments"))
        .send()
        .await
        .expect("request");
    assert_eq!(answer.status(), 303);
    assert!(location(&answer).starts_with("/signin?next="));
    let mut instructor = Jar::signed_in(&app.user("not-admin@example.org", "instructor").await);
    for path in [
        "/admin",
        "/admin/users",
        "/admin/payments",
        "/admin/outbox",
        "/admin/audit",
        "/admin/audit.csv",
    ] {
        let (status, _) = page(&app, &mut instructor, path).await;
        assert_eq!(status, 403, "{path}");
    }
    let (_, home) = page(&app, &mut instructor, "/").await;
    assert!(
        !home.contains(r#"href="/admin""#),
        "no admin link for others"
    );
    let mut admin = admin_jar(&app).await;
    let (status, home) = page(&app, &mut admin, "/admin").await;
    assert_eq!(status, 200);
    assert!(
        home.contains(r#"href="/admin""#),
        "the header links to the admin pages"
    );
    assert!(
        home.contains(r#"href="/schema""#),
        "and to the schema viewer"
    );
    let (status, _) = page(&app, &mut anonymous, "/admin/users/not-an-id").await;
    assert_eq!(status, 303);
}

async fn a_failed_notification_is_retried_from_the_outbox(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    // No SMTP server is configured: the dispatcher fails the booking's
    // confirmation email for good.
    let instructor = app.user("outbox-teacher@example.org", "instructor").await;
    let student = app.user("no-mail@example.org", "student").await;
    let course = app.course(&instructor).title("Outbox").create().await;
    let slot = app.slot(&instructor, &course).create().await;
    assert_eq!(app.book(&student, &slot).await.status(), 201);
    let dispatcher = medicaledu_notify::Dispatcher::new(
        app.test_db.db.clone(),
        medicaledu_notify::DispatchSettings::default(),
    )
    .expect("dispatcher");
    dispatcher.dispatch_due().await.expect("dispatch");
    let mut jar = admin_jar(&app).await;
    let (_, outbox) = page(&app, &mut jar, "/admin/outbox?status=failed").await;
    assert!(outbox.contains("email is not configured"), "{outbox}");
    let form = outbox
        .split("action=\"/admin/outbox/")
        .nth(1)
        .expect("a Retry form");
    let retry = form.split('"').next().expect("its action").to_owned();
    let title = form
        .split("aria-label=\"Retry “")
        .nth(1)
        .and_then(|rest| rest.split('”').next())
        .expect("the button names the notification")
        .to_owned();
    let retried = post_same_site(
        &app,
        &mut jar,
        &format!("/admin/outbox/{retry}"),
        &[("csrf", &csrf_of(&outbox))],
    )
    .await;
    assert_eq!(retried.status(), 303);
    let (_, shown) = page(&app, &mut jar, &location(&retried)).await;
    assert!(shown.contains("queued again"), "the result is shown");
    let (_, queued) = page(&app, &mut jar, "/admin/outbox?status=queued&channel=email").await;
    assert!(
        queued.contains(&format!(">{title}</a>")),
        "{title} is queued again: {queued}"
    );
}

async fn the_audit_log_downloads_as_csv(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    for n in 0..130 {
        app.register(&format!("audited-{n}@example.org"), "student")
            .await;
    }
    let mut jar = admin_jar(&app).await;
    let (status, list) = page(&app, &mut jar, "/admin/audit?action=user.registered").await;
    assert_eq!(status, 200);
    assert!(list.contains("/admin/audit.csv?action=user.registered"));
    let response = app
        .client
        .get(app.url("/admin/audit.csv?action=user.registered"))
        .header(reqwest::header::COOKIE, jar.header())
        .send()
        .await
        .expect("csv");
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/csv")
    );
    let body = response.text().await.expect("body");
    assert!(body.contains("\r\n"), "RFC 4180 line ends");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header[..4], ["id", "created_at", "actor_id", "action"]);
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .map(|r| r.expect("a valid record"))
        .collect();
    assert_eq!(
        rows.len(),
        130,
        "every entry across the export's pages, once"
    );
    assert!(rows.iter().all(|r| &r[3] == "user.registered"));
    let changes: serde_json::Value =
        serde_json::from_str(&rows[0][6]).expect("the change set as JSON");
    assert!(changes.is_object());
    let mut ids: Vec<&str> = rows.iter().map(|r| r.get(0).expect("id")).collect();
    ids.dedup();
    assert_eq!(ids.len(), 130);

    // A filter or cursor edited by hand is refused in words, never a
    // failure: the page shows the filters again with what is wrong, the
    // download is a bad request.
    for (path, expected) in [
        ("/admin/audit?actor_id=not-an-id", 422),
        ("/admin/audit?cursor=garbage", 422),
        ("/admin/audit.csv?entity_id=not-an-id", 400),
        ("/admin/audit.csv?cursor=garbage", 400),
    ] {
        let (status, _) = page(&app, &mut jar, path).await;
        assert_eq!(status, expected, "{path}");
    }
}

both_backends!(
    marking_paid_then_refunding_half_is_confirmed_and_audited,
    unlocking_lets_the_owner_sign_in_again,
    suspending_asks_first_and_signs_out,
    only_administrators_see_the_admin_pages,
    a_failed_notification_is_retried_from_the_outbox,
    the_audit_log_downloads_as_csv,
    a_users_page_shows_their_devices_and_bookings,
);

async fn a_users_page_shows_their_devices_and_bookings(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let paid = PaidBooking::builder(&app).price(1250).create().await;
    let me = json_of(
        app.send(Method::GET, "/api/v1/me", &paid.student, None)
            .await,
    )
    .await;
    let student = me["id"].as_str().expect("id").to_owned();
    let me = json_of(
        app.send(Method::GET, "/api/v1/me", &paid.instructor, None)
            .await,
    )
    .await;
    let instructor = me["id"].as_str().expect("id").to_owned();
    let mut jar = admin_jar(&app).await;

    let (status, html) = page(&app, &mut jar, &format!("/admin/users/{student}")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<h2 id=\"devices-heading\">Signed in on</h2>"),
        "{html}"
    );
    assert!(
        !html.contains("Not signed in anywhere."),
        "the test's session is listed"
    );
    assert!(html.contains("<h2 id=\"bookings-heading\">Latest bookings</h2>"));
    assert!(
        html.contains("<td data-label=\"Course\">Paid Simulation Lab</td>"),
        "{html}"
    );
    assert!(html.contains("USD 12.50"));

    // An instructor's page lists the bookings on the sessions they teach.
    let (_, html) = page(&app, &mut jar, &format!("/admin/users/{instructor}")).await;
    assert!(html.contains("Latest bookings on their sessions"));
    assert!(html.contains("<td data-label=\"Course\">Paid Simulation Lab</td>"));

    // Signed out everywhere, the student is listed nowhere.
    let suspended = post_same_site(
        &app,
        &mut jar,
        &format!("/admin/users/{student}/suspend"),
        &[("csrf", &csrf_of(&html))],
    )
    .await;
    assert_eq!(suspended.status(), 303);
    let (_, html) = page(&app, &mut jar, &format!("/admin/users/{student}")).await;
    assert!(html.contains("Not signed in anywhere."), "{html}");
}
