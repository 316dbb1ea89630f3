//! The web pages, driven over HTTP like a browser without JavaScript would:
//! plain GETs and form POSTs carrying the form's CSRF token and cookies.

use medicaledu_store::Backend;
use reqwest::header::{ACCEPT_LANGUAGE, CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, LOCATION};

use crate::support::fake_paypal::{self, PAYPAL_CLIENT_ID};
use crate::support::fake_stripe::{self, FakeStripe};
use crate::support::pages::{Jar, csrf_of, first_link, page, post_form, refused_page};
use crate::support::{TestApp, both_backends, json_of, spawn_app, spawn_app_with, test_settings};

both_backends!(
    pages_show_the_catalog_and_a_course,
    unknown_pages_are_html_404s_and_api_paths_stay_json,
    a_visitor_signs_up_through_the_form_and_is_signed_in,
    cross_site_and_tokenless_posts_change_nothing,
    sign_in_refusals_are_readable_pages,
    sign_in_and_sign_up_forms_are_rate_limited_per_address,
    pages_speak_german_when_asked,
    a_student_books_a_free_session_sees_it_and_cancels_it,
    a_paid_booking_paid_by_invoice_is_confirmed_once_an_admin_records_it,
    a_paid_booking_paid_by_card_is_confirmed_by_stripes_webhook,
    cards_are_offered_only_with_a_publishable_key,
    a_paid_booking_paid_with_paypals_buttons_is_confirmed_on_capture,
    nul_characters_never_reach_the_database_from_pages,
);

async fn pages_show_the_catalog_and_a_course(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("web-teacher@example.org", "instructor").await;
    app.course(&instructor)
        .title("Airway management for nurses")
        .create()
        .await;
    let mut jar = Jar::default();

    let home = app.get("/").await;
    assert_eq!(home.status(), 200);
    assert!(
        home.headers()[CONTENT_TYPE]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    let policy = home.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    let html = home.text().await.expect("html");
    assert!(
        html.contains("Airway management for nurses"),
        "the newest courses are listed"
    );
    assert!(
        html.contains("<label class=\"visually-hidden\" for=\"home-q\">Search courses</label>")
    );

    let (status, catalog) = page(&app, &mut jar, "/courses?q=airway").await;
    assert_eq!(status, 200);
    assert!(
        catalog.contains(">Airway management for nurses</a>"),
        "{catalog}"
    );
    let (_, nothing) = page(&app, &mut jar, "/courses?q=cardiology").await;
    assert!(!nothing.contains("Airway management"));
    assert!(nothing.contains("No course matches"));

    let slug = catalog
        .split("href=\"/courses/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a course link")
        .to_owned();
    let (status, course) = page(&app, &mut jar, &format!("/courses/{slug}")).await;
    assert_eq!(status, 200);
    assert!(
        course.contains("<h1>Airway management for nurses</h1>"),
        "{course}"
    );
    assert!(course.contains("Handout"), "the materials outline");

    // Assets are served under hashed names for a year.
    let css = catalog
        .split("href=\"/assets/app.")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("stylesheet link");
    let asset = app.get(&format!("/assets/app.{css}")).await;
    assert_eq!(asset.status(), 200);
    assert!(
        asset.headers()["cache-control"]
            .to_str()
            .expect("ascii")
            .contains("immutable")
    );
}

async fn unknown_pages_are_html_404s_and_api_paths_stay_json(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let missing = app.get("/no-such-page").await;
    assert_eq!(missing.status(), 404);
    assert!(
        missing.headers()[CONTENT_TYPE]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    assert!(
        missing
            .text()
            .await
            .expect("html")
            .contains("Page not found")
    );
    let course = app.get("/courses/no-such-course").await;
    assert_eq!(course.status(), 404);
    let api = app.get("/api/v1/no-such-thing").await;
    assert_eq!(api.status(), 404);
    assert_eq!(api.headers()[CONTENT_TYPE], "application/problem+json");
}

async fn a_visitor_signs_up_through_the_form_and_is_signed_in(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mut jar = Jar::default();
    let (status, form) = page(&app, &mut jar, "/signup").await;
    assert_eq!(status, 200);
    assert!(
        jar.has("medicaledu_csrf"),
        "an anonymous form token cookie is set"
    );
    for label in [
        "Email",
        "Password",
        "Full name",
        "I am a student",
        "I am an instructor",
        "Create account",
    ] {
        assert!(form.contains(label), "{label} on the sign-up form");
    }
    let token = csrf_of(&form);

    // A refused form keeps what was typed and names the field.
    let refused = post_form(
        &app,
        &mut jar,
        "/signup",
        &[
            ("csrf", &token),
            ("full_name", "Ada Nurse"),
            ("email", "not-an-email"),
            ("password", "correct horse battery staple"),
            ("role", "student"),
        ],
        Some(&app.address),
    )
    .await;
    let html = refused_page(refused).await;
    assert!(
        html.contains("value=\"Ada Nurse\""),
        "typed values are kept"
    );
    assert!(
        html.contains("id=\"email-error\""),
        "the email field's error is shown next to it"
    );

    let created = post_form(
        &app,
        &mut jar,
        "/signup",
        &[
            ("csrf", &token),
            ("full_name", "Ada Nurse"),
            ("email", "ada@example.org"),
            ("password", "correct horse battery staple"),
            ("role", "student"),
        ],
        Some(&app.address),
    )
    .await;
    assert_eq!(created.status(), 303);
    assert!(jar.has("medicaledu_session"), "signed in after signing up");
    let (_, home) = page(&app, &mut jar, "/").await;
    assert!(home.contains("Ada Nurse"), "the header names the user");
    assert!(home.contains(">Sign out</button>"));
    assert!(
        home.contains("Notifications<span class=\"visually-hidden\"> (0 unread)</span></a>"),
        "the notifications link's name includes the unread count"
    );

    // Signed in, forms carry the session's own token; signing out ends it.
    let token = csrf_of(&home);
    let out = post_form(
        &app,
        &mut jar,
        "/signout",
        &[("csrf", &token)],
        Some(&app.address),
    )
    .await;
    assert_eq!(out.status(), 303);
    assert_eq!(out.headers()[LOCATION], "/signin?signed_out=1");
    assert!(!jar.has("medicaledu_session"));
    let (_, home) = page(&app, &mut jar, "/").await;
    assert!(!home.contains("Ada Nurse"));

    // The account signs in through the form too.
    let (_, form) = page(&app, &mut jar, "/signin").await;
    let token = csrf_of(&form);
    let signed_in = post_form(
        &app,
        &mut jar,
        "/signin",
        &[
            ("csrf", &token),
            ("email", "ada@example.org"),
            ("password", "correct horse battery staple"),
            ("next", "/courses"),
        ],
        Some(&app.address),
    )
    .await;
    assert_eq!(signed_in.status(), 303);
    assert_eq!(signed_in.headers()[LOCATION], "/courses");
}

async fn cross_site_and_tokenless_posts_change_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mut jar = Jar::default();
    let (_, form) = page(&app, &mut jar, "/signup").await;
    let token = csrf_of(&form);
    let fields = [
        ("csrf", token.as_str()),
        ("full_name", "Mallory"),
        ("email", "mallory@example.org"),
        ("password", "correct horse battery staple"),
        ("role", "student"),
    ];

    let cross_site = post_form(
        &app,
        &mut jar,
        "/signup",
        &fields,
        Some("https://evil.example"),
    )
    .await;
    assert_eq!(cross_site.status(), 403);
    assert!(
        cross_site
            .text()
            .await
            .expect("html")
            .contains("The form expired"),
        "a refused form says why"
    );
    // Same host, other scheme: not this origin either.
    let other_scheme = app.address.replace("http://", "https://");
    let scheme = post_form(&app, &mut jar, "/signup", &fields, Some(&other_scheme)).await;
    assert_eq!(scheme.status(), 403);
    let tokenless = post_form(
        &app,
        &mut jar,
        "/signup",
        &[
            ("full_name", "Mallory"),
            ("email", "mallory@example.org"),
            ("password", "correct horse battery staple"),
            ("role", "student"),
        ],
        Some(&app.address),
    )
    .await;
    assert_eq!(tokenless.status(), 403);
    let mut stranger = Jar::default();
    let foreign_token = post_form(&app, &mut stranger, "/signup", &fields, None).await;
    assert_eq!(
        foreign_token.status(),
        403,
        "a token without its cookie is refused"
    );

    let login = app
        .post_json(
            "/api/v1/auth/login",
            &serde_json::json!({"email": "mallory@example.org", "password": "correct horse battery staple"}),
            None,
        )
        .await;
    assert_eq!(login.status(), 401, "no account was created");
}

async fn sign_in_refusals_are_readable_pages(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.register("locked@example.org", "student").await;
    let mut jar = Jar::default();
    let (_, form) = page(&app, &mut jar, "/signin").await;
    let token = csrf_of(&form);
    let mut last = None;
    for _ in 0..6 {
        let response = post_form(
            &app,
            &mut jar,
            "/signin",
            &[
                ("csrf", &token),
                ("email", "locked@example.org"),
                ("password", "wrong password entirely"),
            ],
            Some(&app.address),
        )
        .await;
        last = Some((
            response.status().as_u16(),
            response.text().await.expect("html"),
        ));
    }
    let (status, html) = last.expect("six attempts");
    assert_eq!(status, 423);
    assert!(html.contains("this account is locked"), "{html}");
    assert!(
        html.contains("value=\"locked@example.org\""),
        "the email is kept"
    );
}

async fn pages_speak_german_when_asked(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let response = app
        .client
        .get(app.url("/courses"))
        .header(ACCEPT_LANGUAGE, "de-DE,de;q=0.9,en;q=0.5")
        .send()
        .await
        .expect("request");
    let html = response.text().await.expect("html");
    assert!(html.contains("<html lang=\"de\">"));
    assert!(html.contains("Kurse durchsuchen"));
    let missing = app
        .client
        .get(app.url("/nirgendwo"))
        .header(ACCEPT_LANGUAGE, "de")
        .send()
        .await
        .expect("request");
    assert!(
        missing
            .text()
            .await
            .expect("html")
            .contains("Seite nicht gefunden")
    );
}

/// Signs a new student up through the form; the jar then holds the session.
async fn student_signed_up(app: &TestApp, jar: &mut Jar, email: &str) {
    let (_, form) = page(app, jar, "/signup").await;
    let token = csrf_of(&form);
    let created = post_form(
        app,
        jar,
        "/signup",
        &[
            ("csrf", &token),
            ("full_name", "Sam Student"),
            ("email", email),
            ("password", "correct horse battery staple"),
            ("role", "student"),
        ],
        Some(&app.address),
    )
    .await;
    assert_eq!(created.status(), 303);
}

async fn seats_remaining(app: &TestApp, course: &str) -> i64 {
    let slots = json_of(app.get(&format!("/api/v1/courses/{course}/slots")).await).await;
    slots["items"][0]["seats_remaining"]
        .as_i64()
        .expect("seats")
}

async fn a_student_books_a_free_session_sees_it_and_cancels_it(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("free-teacher@example.org", "instructor").await;
    let course = app
        .course(&instructor)
        .title("Basic life support")
        .create()
        .await;
    app.slot(&instructor, &course)
        .in_days(7)
        .capacity(2)
        .create()
        .await;
    let mut jar = Jar::default();
    student_signed_up(&app, &mut jar, "sam@example.org").await;

    let (_, catalog) = page(&app, &mut jar, "/courses?q=life").await;
    let course_link = first_link(&catalog, "/courses/");
    let (_, course_page) = page(&app, &mut jar, &course_link).await;
    assert!(course_page.contains("2 seats left"), "{course_page}");
    assert!(
        course_page.contains("aria-label=\"Book the session on "),
        "the Book button names the time"
    );
    let book_link = first_link(&course_page, "/book/");
    let (status, book_page) = page(&app, &mut jar, &book_link).await;
    assert_eq!(status, 200);
    assert!(book_page.contains(">Confirm booking</button>"));
    assert!(book_page.contains("<label for=\"promo\">Promo code</label>"));
    let token = csrf_of(&book_page);
    let key_start = book_page.find("name=\"key\" value=\"").expect("key") + 18;
    let key = book_page[key_start..]
        .split('"')
        .next()
        .expect("key")
        .to_owned();
    let confirm = [
        ("csrf", token.as_str()),
        ("key", key.as_str()),
        ("promo_code", ""),
        ("pay", "free"),
    ];
    let booked = post_form(&app, &mut jar, &book_link, &confirm, Some(&app.address)).await;
    assert_eq!(booked.status(), 303);
    let status_page = booked.headers()[LOCATION]
        .to_str()
        .expect("ascii")
        .to_owned();
    // The same form sent twice books once.
    let again = post_form(&app, &mut jar, &book_link, &confirm, Some(&app.address)).await;
    assert_eq!(
        again.headers()[LOCATION].to_str().expect("ascii"),
        status_page
    );
    assert_eq!(seats_remaining(&app, &course).await, 1);

    let (_, confirmed) = page(&app, &mut jar, &status_page).await;
    assert!(confirmed.contains("Your session is booked"), "{confirmed}");
    assert!(
        confirmed.contains("<span class=\"visually-hidden\"> (1 unread)</span>"),
        "the booking notice counts as unread"
    );
    let (_, inbox) = page(&app, &mut jar, "/me/notifications").await;
    assert!(inbox.contains("Session booked"), "{inbox}");
    let token = csrf_of(&inbox);
    let read = post_form(
        &app,
        &mut jar,
        "/me/notifications/read",
        &[("csrf", &token)],
        Some(&app.address),
    )
    .await;
    assert_eq!(read.status(), 303);
    let (_, inbox) = page(&app, &mut jar, "/me/notifications").await;
    assert!(
        inbox.contains("<span class=\"visually-hidden\"> (0 unread)</span>"),
        "marked read"
    );
    let (_, me) = page(&app, &mut jar, "/me").await;
    assert!(me.contains("Upcoming sessions") && me.contains("My courses"));
    assert!(me.contains("Basic life support"));
    assert!(
        me.contains("Basic life support</a> · Dr. Test ·"),
        "an upcoming session names its instructor"
    );
    assert!(
        me.contains("<progress"),
        "the enrollment shows its progress"
    );
    let cancel_link = first_link(&me, "/bookings/");
    assert!(cancel_link.ends_with("/cancel"), "{cancel_link}");
    let (_, confirm_cancel) = page(&app, &mut jar, &cancel_link).await;
    assert!(
        confirm_cancel.contains("Nothing was paid"),
        "the refund consequence is stated"
    );
    let token = csrf_of(&confirm_cancel);
    let cancelled = post_form(
        &app,
        &mut jar,
        &cancel_link,
        &[("csrf", &token)],
        Some(&app.address),
    )
    .await;
    assert_eq!(cancelled.status(), 303);
    let (_, me) = page(&app, &mut jar, "/me").await;
    assert!(me.contains("No upcoming sessions."), "{me}");
    assert_eq!(
        seats_remaining(&app, &course).await,
        2,
        "the seat is free again"
    );
}

async fn a_paid_booking_paid_by_invoice_is_confirmed_once_an_admin_records_it(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.user("web-admin@example.org", "admin").await;
    let instructor = app.user("paid-teacher@example.org", "instructor").await;
    let course = app
        .course(&instructor)
        .title("Ultrasound basics")
        .price(5000)
        .create()
        .await;
    app.slot(&instructor, &course)
        .in_days(9)
        .price(5000)
        .create()
        .await;
    let mut jar = Jar::default();
    student_signed_up(&app, &mut jar, "payer@example.org").await;
    let (_, course_page) = page(&app, &mut jar, &format!("/courses/{course}")).await;
    let book_link = first_link(&course_page, "/book/");
    let (_, book_page) = page(&app, &mut jar, &book_link).await;
    assert!(book_page.contains("USD 50.00"), "{book_page}");
    assert!(book_page.contains(">Pay at the venue / by invoice</button>"));
    let token = csrf_of(&book_page);
    let booked = post_form(
        &app,
        &mut jar,
        &book_link,
        &[
            ("csrf", token.as_str()),
            ("key", "k-1"),
            ("promo_code", ""),
            ("pay", "manual"),
        ],
        Some(&app.address),
    )
    .await;
    assert_eq!(booked.status(), 303);
    let status_page = booked.headers()[LOCATION]
        .to_str()
        .expect("ascii")
        .to_owned();
    let (_, pending) = page(&app, &mut jar, &status_page).await;
    assert!(pending.contains("Awaiting payment"), "{pending}");
    assert!(
        pending.contains(
            "Pay at the venue or by invoice; it is confirmed once the payment is recorded."
        ),
        "{pending}"
    );
    assert!(
        !pending.contains("value=\"manual\""),
        "paying at the venue is not offered twice"
    );

    let booking_id = status_page.trim_start_matches("/bookings/");
    let payments = json_of(
        app.send(
            reqwest::Method::GET,
            &format!("/api/v1/bookings/{booking_id}/payments"),
            &admin,
            None,
        )
        .await,
    )
    .await;
    let payment = payments["items"][0]["id"]
        .as_str()
        .expect("the manual charge")
        .to_owned();
    let marked = app
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/admin/payments/{payment}/mark"),
            &admin,
            Some(&serde_json::json!({"status": "succeeded"})),
        )
        .await;
    assert_eq!(marked.status(), 200);
    let (_, confirmed) = page(&app, &mut jar, &status_page).await;
    assert!(confirmed.contains("Your session is booked"), "{confirmed}");
    let (_, cancel) = page(&app, &mut jar, &format!("{status_page}/cancel")).await;
    assert!(
        cancel.contains("the payment of USD 50.00 is refunded in full"),
        "{cancel}"
    );
}

async fn nul_characters_never_reach_the_database_from_pages(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    assert_eq!(app.get("/courses?q=%00").await.status(), 400);
    assert_eq!(app.get("/courses/a%00b").await.status(), 404);
    let mut jar = Jar::default();
    let (_, form) = page(&app, &mut jar, "/signin").await;
    let token = csrf_of(&form);
    let refused = post_form(
        &app,
        &mut jar,
        "/signin",
        &[
            ("csrf", &token),
            ("email", "a\u{0}b@example.org"),
            ("password", "whatever it is"),
        ],
        Some(&app.address),
    )
    .await;
    assert_eq!(refused.status(), 400);
    assert!(
        refused
            .text()
            .await
            .expect("html")
            .contains("could not be read")
    );
}

/// The app with Stripe on a fresh [`FakeStripe`], with a publishable key when
/// `cards` is set (the booking page then takes cards); Stripe.js comes from
/// the fake.
async fn app_with_cards(backend: Backend, cards: bool) -> Option<(TestApp, FakeStripe)> {
    let fake = FakeStripe::start().await;
    let mut stripe =
        medicaledu_payments::StripeConfig::new("sk_test_123", fake_stripe::WEBHOOK_SECRET);
    stripe.api_base = fake.base().to_owned();
    if cards {
        stripe.publishable_key = Some("pk_test_123".to_owned());
        stripe.js_url = format!("{}/v3/", fake.base());
    }
    let mut settings = test_settings();
    settings.stripe = Some(stripe);
    Some((spawn_app_with(backend, settings).await?, fake))
}

/// A new student in `jar` books a session of a fresh course priced `price`
/// (USD cents) and chooses to pay with `pay` on the booking page; where the
/// page sends them, and the booking page as it was shown.
async fn book_paid(
    app: &TestApp,
    jar: &mut Jar,
    who: &str,
    price: i64,
    pay: &str,
) -> (String, String) {
    let instructor = app
        .user(&format!("{who}-teacher@example.org"), "instructor")
        .await;
    let course = app
        .course(&instructor)
        .title(&format!("Paid course of {who}"))
        .price(price)
        .create()
        .await;
    app.slot(&instructor, &course)
        .in_days(9)
        .price(price)
        .create()
        .await;
    student_signed_up(app, jar, &format!("{who}@example.org")).await;
    let (_, course_page) = page(app, jar, &format!("/courses/{course}")).await;
    let book_link = first_link(&course_page, "/book/");
    let (_, book_page) = page(app, jar, &book_link).await;
    let token = csrf_of(&book_page);
    let booked = post_form(
        app,
        jar,
        &book_link,
        &[("csrf", token.as_str()), ("key", "k-1"), ("pay", pay)],
        Some(&app.address),
    )
    .await;
    assert_eq!(booked.status(), 303);
    let next = booked.headers()[LOCATION]
        .to_str()
        .expect("ascii")
        .to_owned();
    (next, book_page)
}

/// GET `path` with the jar's cookies; the response's CSP and HTML.
async fn page_with_policy(app: &TestApp, jar: &Jar, path: &str) -> (String, String) {
    let shown = app
        .client
        .get(app.url(path))
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("request");
    assert_eq!(shown.status(), 200);
    let policy = shown.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("ascii")
        .to_owned();
    (policy, shown.text().await.expect("html"))
}

async fn a_paid_booking_paid_by_card_is_confirmed_by_stripes_webhook(backend: Backend) {
    let Some((app, fake)) = app_with_cards(backend, true).await else {
        return;
    };
    let mut jar = Jar::default();
    let (card_path, book_page) = book_paid(&app, &mut jar, "card-payer", 4000, "stripe").await;
    assert!(book_page.contains(">Pay by card</button>"), "{book_page}");
    assert!(card_path.ends_with("/card"), "{card_path}");
    let status_path = card_path.trim_end_matches("/card").to_owned();

    let (policy, html) = page_with_policy(&app, &jar, &card_path).await;
    assert!(
        policy.contains(&format!(
            "script-src 'self' https://js.stripe.com https://*.js.stripe.com {}",
            fake.base()
        )),
        "{policy}"
    );
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert!(
        html.contains("data-client-secret=\"pi_1_secret_x\""),
        "{html}"
    );
    assert!(html.contains("data-stripe-key=\"pk_test_123\""));
    assert!(html.contains(&format!("src=\"{}/v3/\"", fake.base())));
    assert!(html.contains("Pay USD 40.00"));

    // Showing the page again reuses the intent: Stripe is asked for its
    // secret, and no second payment is started.
    let (_, again) = page(&app, &mut jar, &card_path).await;
    assert!(
        again.contains("data-client-secret=\"pi_1_secret_x\""),
        "{again}"
    );
    let calls = fake.calls();
    let created = calls
        .iter()
        .filter(|c| c.path == "/v1/payment_intents")
        .count();
    assert_eq!(created, 1, "one payment intent: {calls:?}");
    assert!(calls.iter().any(|c| c.path == "/v1/payment_intents/pi_1"));

    // Another student cannot open this booking's card page.
    let mut other = Jar::default();
    student_signed_up(&app, &mut other, "someone-else@example.org").await;
    let (status, _) = page(&app, &mut other, &card_path).await;
    assert_eq!(status, 404);

    let (_, pending) = page(&app, &mut jar, &status_path).await;
    assert!(pending.contains("Awaiting payment"), "{pending}");
    assert_eq!(
        fake_stripe::signed_webhook(
            &app,
            &fake_stripe::succeeded_event("evt_card", "pi_1", 4000)
        )
        .await,
        200
    );
    let (_, confirmed) = page(&app, &mut jar, &status_path).await;
    assert!(confirmed.contains("Your session is booked"), "{confirmed}");
    let after = app
        .client
        .get(app.url(&card_path))
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("request");
    assert_eq!(
        after.status(),
        303,
        "a paid booking's card page leads back to it"
    );
}

async fn cards_are_offered_only_with_a_publishable_key(backend: Backend) {
    let Some((app, _fake)) = app_with_cards(backend, false).await else {
        return;
    };
    let instructor = app.user("nocard-teacher@example.org", "instructor").await;
    let course = app.course(&instructor).price(4000).create().await;
    app.slot(&instructor, &course)
        .in_days(9)
        .price(4000)
        .create()
        .await;
    let mut jar = Jar::default();
    student_signed_up(&app, &mut jar, "nocard@example.org").await;
    let (_, course_page) = page(&app, &mut jar, &format!("/courses/{course}")).await;
    let book_link = first_link(&course_page, "/book/");
    let (_, book_page) = page(&app, &mut jar, &book_link).await;
    assert!(!book_page.contains("Pay by card"), "{book_page}");
    assert!(book_page.contains(">Pay at the venue / by invoice</button>"));
}

async fn a_paid_booking_paid_with_paypals_buttons_is_confirmed_on_capture(backend: Backend) {
    let Some((app, paypal)) = fake_paypal::app_with_paypal(backend).await else {
        return;
    };
    let mut jar = Jar::default();
    let (paypal_path, book_page) = book_paid(&app, &mut jar, "pp-payer", 2500, "paypal").await;
    assert!(
        book_page.contains(">Pay with PayPal</button>"),
        "{book_page}"
    );
    assert!(
        !book_page.contains("Pay by card"),
        "no publishable key, no cards"
    );
    assert!(paypal_path.ends_with("/paypal"), "{paypal_path}");
    let status_path = paypal_path.trim_end_matches("/paypal").to_owned();

    let (policy, html) = page_with_policy(&app, &jar, &paypal_path).await;
    assert!(
        html.contains(&format!("https://www.paypal.com/sdk/js?client-id={PAYPAL_CLIENT_ID}&#38;currency=USD&#38;intent=capture")),
        "{html}"
    );
    let nonce_at = html.find("data-csp-nonce=\"").expect("a nonce") + 16;
    let nonce = html[nonce_at..].split('"').next().expect("nonce");
    assert!(nonce.len() >= 22, "{nonce}");
    assert!(
        policy.contains(&format!("style-src 'self' 'nonce-{nonce}'")),
        "{policy}"
    );
    assert!(
        policy.contains("script-src 'self' https://www.paypal.com"),
        "{policy}"
    );
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    let token = csrf_of(&html);

    // createOrder, twice: the same order comes back.
    let order_path = format!("{paypal_path}/order");
    let mut orders = Vec::new();
    for _ in 0..2 {
        let answer = post_form(
            &app,
            &mut jar,
            &order_path,
            &[("csrf", token.as_str())],
            Some(&app.address),
        )
        .await;
        assert_eq!(answer.status(), 200);
        orders.push(
            json_of(answer).await["id"]
                .as_str()
                .expect("an order id")
                .to_owned(),
        );
    }
    assert_eq!(orders[0], orders[1]);
    assert_eq!(paypal.calls("/v2/checkout/orders").len(), 1, "one order");
    let order = orders[0].clone();

    // onApprove before PayPal has the approval: refused, nothing captured.
    let capture_path = format!("{paypal_path}/capture");
    let early = post_form(
        &app,
        &mut jar,
        &capture_path,
        &[("csrf", token.as_str()), ("order_id", order.as_str())],
        Some(&app.address),
    )
    .await;
    assert_eq!(early.status(), 409);
    let (_, pending) = page(&app, &mut jar, &status_path).await;
    assert!(pending.contains("Awaiting payment"), "{pending}");

    // Someone else cannot capture it through their own session.
    let mut other = Jar::default();
    student_signed_up(&app, &mut other, "pp-other@example.org").await;
    let (_, other_page) = page(&app, &mut other, "/me").await;
    let other_token = csrf_of(&other_page);
    let foreign = post_form(
        &app,
        &mut other,
        &capture_path,
        &[("csrf", other_token.as_str()), ("order_id", order.as_str())],
        Some(&app.address),
    )
    .await;
    assert_eq!(foreign.status(), 404);

    paypal.approve(&order);
    let captured = post_form(
        &app,
        &mut jar,
        &capture_path,
        &[("csrf", token.as_str()), ("order_id", order.as_str())],
        Some(&app.address),
    )
    .await;
    assert_eq!(captured.status(), 303);
    assert_eq!(captured.headers()[LOCATION], status_path.as_str());
    let (_, confirmed) = page(&app, &mut jar, &status_path).await;
    assert!(confirmed.contains("Your session is booked"), "{confirmed}");
    assert_eq!(paypal.order(&order)["status"], "COMPLETED");
}

async fn sign_in_and_sign_up_forms_are_rate_limited_per_address(backend: Backend) {
    let mut settings = test_settings();
    settings.auth_rate_limit_per_minute = 3;
    let Some(app) = spawn_app_with(backend, settings).await else {
        return;
    };
    let mut jar = Jar::default();
    let (_, form) = page(&app, &mut jar, "/signin").await;
    let token = csrf_of(&form);
    let mut statuses = Vec::new();
    let mut last = None;
    for i in 0..4 {
        let email = format!("nobody-{i}@example.org");
        let response = post_form(
            &app,
            &mut jar,
            "/signin",
            &[
                ("csrf", token.as_str()),
                ("email", email.as_str()),
                ("password", "wrong password entirely"),
            ],
            Some(&app.address),
        )
        .await;
        statuses.push(response.status().as_u16());
        last = Some(response);
    }
    assert_eq!(
        statuses,
        [401, 401, 401, 429],
        "different accounts, one address"
    );
    let limited = last.expect("four attempts");
    assert!(limited.headers().contains_key("retry-after"));
    let html = limited.text().await.expect("html");
    assert!(
        html.contains("Too many attempts from your network"),
        "{html}"
    );
    assert!(
        html.contains("value=\"nobody-3@example.org\""),
        "the email is kept"
    );

    // Sign-up draws on the same allowance.
    let signed_up = post_form(
        &app,
        &mut jar,
        "/signup",
        &[
            ("csrf", token.as_str()),
            ("full_name", "Sam Student"),
            ("email", "late@example.org"),
            ("password", "correct horse battery staple"),
            ("role", "student"),
        ],
        Some(&app.address),
    )
    .await;
    assert_eq!(signed_up.status(), 429);
    let created = medicaledu_store::users::find_live_by_email(&app.test_db.db, "late@example.org")
        .await
        .expect("lookup");
    assert!(created.is_none(), "a refused sign-up creates nothing");
}
