//! The account pages (profile and password, sign-in sessions, notification
//! settings, the calendar feed on `/me`), driven over HTTP like a browser
//! without JavaScript: plain GETs and form POSTs with the form's CSRF token.

use medicaledu_store::Backend;

use crate::support::pages::{BROWSER, Jar, csrf_of, location, page, post_same_site, refused_page};
use crate::support::{PASSWORD, TestApp, both_backends, spawn_app};

both_backends!(
    the_profile_form_keeps_typed_values_and_its_choices_take_effect,
    an_instructor_edits_the_professional_profile,
    the_password_form_explains_refusals_and_signs_out_other_sessions,
    other_sessions_are_listed_and_signed_out,
    notification_settings_are_a_table_of_checkboxes_with_refusals_in_place,
    the_calendar_feed_address_is_shown_once_and_stops_on_request,
);

/// Signs an account up through the form; the jar then holds its session.
async fn signed_up(app: &TestApp, jar: &mut Jar, email: &str, role: &str) {
    let (_, form) = page(app, jar, "/signup").await;
    let token = csrf_of(&form);
    let created = post_same_site(
        app,
        jar,
        "/signup",
        &[
            ("csrf", &token),
            ("full_name", "Ada Nurse"),
            ("email", email),
            ("password", PASSWORD),
            ("role", role),
        ],
    )
    .await;
    assert_eq!(created.status(), 303);
    assert!(jar.has("medicaledu_session"));
}

/// Whether an API session token still opens `/api/v1/me`.
async fn api_session_works(app: &TestApp, token: &str) -> bool {
    app.send(reqwest::Method::GET, "/api/v1/me", token, None)
        .await
        .status()
        == 200
}

async fn the_profile_form_keeps_typed_values_and_its_choices_take_effect(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mut jar = Jar::default();
    signed_up(&app, &mut jar, "profile@example.org", "student").await;

    let (_, me) = page(&app, &mut jar, "/me").await;
    assert!(
        me.contains("<a href=\"/me/account\">Account</a>"),
        "the header links the account"
    );
    assert!(
        me.contains("href=\"/me/sessions\""),
        "/me links the sessions"
    );
    assert!(me.contains("href=\"/me/notifications/settings\""));

    let (status, form) = page(&app, &mut jar, "/me/account").await;
    assert_eq!(status, 200);
    assert!(
        form.contains("<a href=\"/me/account\" aria-current=\"page\">"),
        "the account navigation marks the page it is on"
    );
    assert!(
        form.contains("<a href=\"/me/sessions\">"),
        "and only that page"
    );
    for label in [
        "<label for=\"full_name\">Full name</label>",
        "<label for=\"phone\">Phone</label>",
        "<label for=\"timezone\">Time zone</label>",
        "<label for=\"locale\">Language</label>",
        ">Save</button>",
        "<option value=\"Europe/Berlin\">",
    ] {
        assert!(form.contains(label), "{label} on the profile form");
    }
    assert!(
        !form.contains("Headline"),
        "a student has no professional profile"
    );
    let token = csrf_of(&form);

    let refused = post_same_site(
        &app,
        &mut jar,
        "/me/account",
        &[
            ("csrf", &token),
            ("full_name", "Ada Renamed"),
            ("phone", "030 1234567"),
            ("timezone", "Mars/Olympus"),
            ("locale", "de"),
        ],
    )
    .await;
    let html = refused_page(refused).await;
    assert!(
        html.contains("value=\"Ada Renamed\""),
        "typed values are kept"
    );
    assert!(html.contains("value=\"030 1234567\""));
    assert!(html.contains("value=\"Mars/Olympus\""));
    assert!(html.contains("id=\"phone-error\""), "{html}");
    assert!(html.contains("id=\"timezone-error\""), "{html}");
    let (_, unchanged) = page(&app, &mut jar, "/me/account").await;
    assert!(
        unchanged.contains("value=\"Ada Nurse\""),
        "nothing was saved"
    );

    let saved = post_same_site(
        &app,
        &mut jar,
        "/me/account",
        &[
            ("csrf", &token),
            ("full_name", "Ada Renamed"),
            ("phone", "+49 30 1234567"),
            ("timezone", "Europe/Berlin"),
            ("locale", "de"),
        ],
    )
    .await;
    assert_eq!(saved.status(), 303);
    assert_eq!(location(&saved), "/me/account?saved=1");
    let (_, after) = page(&app, &mut jar, "/me/account?saved=1").await;
    assert!(
        after.contains("<html lang=\"de\">"),
        "the page speaks German"
    );
    assert!(after.contains("Ihr Profil ist gespeichert."));
    assert!(after.contains("value=\"Ada Renamed\""));
    assert!(
        after.contains("value=\"+49301234567\""),
        "the number as stored"
    );
    assert!(after.contains("value=\"Europe/Berlin\""));
    assert!(after.contains("<option value=\"de\" lang=\"de\" selected>Deutsch</option>"));
    // Times now read in the chosen zone.
    let (_, sessions) = page(&app, &mut jar, "/me/sessions").await;
    assert!(sessions.contains("(Europe/Berlin)"), "{sessions}");
}

async fn an_instructor_edits_the_professional_profile(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mut jar = Jar::default();
    signed_up(&app, &mut jar, "teacher@example.org", "instructor").await;
    let (_, form) = page(&app, &mut jar, "/me/account").await;
    for label in [
        "Headline",
        "Specialty",
        "Credentials",
        "<label for=\"bio\">Bio</label>",
    ] {
        assert!(form.contains(label), "{label} for an instructor");
    }
    let token = csrf_of(&form);
    let too_long = "x".repeat(300);
    let refused = post_same_site(
        &app,
        &mut jar,
        "/me/account",
        &[
            ("csrf", &token),
            ("full_name", "Dr. Ada Nurse"),
            ("phone", ""),
            ("timezone", "UTC"),
            ("locale", "en"),
            ("headline", &too_long),
            ("specialty", "Emergency medicine"),
            ("credentials", "MD"),
            ("bio", "Twenty years in the ED."),
        ],
    )
    .await;
    let html = refused_page(refused).await;
    assert!(html.contains("id=\"headline-error\""), "{html}");
    assert!(html.contains("value=\"Emergency medicine\""));
    assert!(html.contains(">Twenty years in the ED.</textarea>"));

    let saved = post_same_site(
        &app,
        &mut jar,
        "/me/account",
        &[
            ("csrf", &token),
            ("full_name", "Dr. Ada Nurse"),
            ("phone", ""),
            ("timezone", "UTC"),
            ("locale", "en"),
            ("headline", "Emergency physician"),
            ("specialty", "Emergency medicine"),
            ("credentials", "MD"),
            ("bio", "Twenty years in the ED."),
        ],
    )
    .await;
    assert_eq!(saved.status(), 303);
    let (_, after) = page(&app, &mut jar, "/me/account").await;
    assert!(after.contains("value=\"Emergency physician\""));
    assert!(after.contains("value=\"MD\""));
    assert!(after.contains(">Twenty years in the ED.</textarea>"));
}

async fn the_password_form_explains_refusals_and_signs_out_other_sessions(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mut jar = Jar::default();
    signed_up(&app, &mut jar, "secret@example.org", "student").await;
    let other = app.login("secret@example.org", PASSWORD).await;
    let (_, form) = page(&app, &mut jar, "/me/account").await;
    for label in [
        "<label for=\"current_password\">Current password</label>",
        "<label for=\"new_password\">New password</label>",
        ">Change password</button>",
    ] {
        assert!(form.contains(label), "{label}");
    }
    let token = csrf_of(&form);
    let new_password = "a much longer passphrase indeed";

    let wrong = post_same_site(
        &app,
        &mut jar,
        "/me/password",
        &[
            ("csrf", &token),
            ("current_password", "not the password"),
            ("new_password", new_password),
        ],
    )
    .await;
    let html = refused_page(wrong).await;
    assert!(html.contains("id=\"current_password-error\""), "{html}");
    assert!(html.contains("This is not your current password."));

    let changed = post_same_site(
        &app,
        &mut jar,
        "/me/password",
        &[
            ("csrf", &token),
            ("current_password", PASSWORD),
            ("new_password", new_password),
        ],
    )
    .await;
    assert_eq!(changed.status(), 303);
    assert_eq!(location(&changed), "/me/account?password_changed=1");
    let (status, after) = page(&app, &mut jar, "/me/account?password_changed=1").await;
    assert_eq!(status, 200, "this session stays signed in");
    assert!(after.contains("Your password is changed."));
    assert!(
        !api_session_works(&app, &other).await,
        "the other session is signed out"
    );

    // Wrong passwords count against the sign-in lockout, which is explained.
    let mut last = None;
    for _ in 0..6 {
        let response = post_same_site(
            &app,
            &mut jar,
            "/me/password",
            &[
                ("csrf", &token),
                ("current_password", "still not the password"),
                ("new_password", "yet another long passphrase"),
            ],
        )
        .await;
        last = Some((
            response.status().as_u16(),
            response.text().await.expect("html"),
        ));
    }
    let (status, html) = last.expect("six attempts");
    assert_eq!(status, 423);
    assert!(
        html.contains("this account is locked. Try again in"),
        "{html}"
    );
}

async fn other_sessions_are_listed_and_signed_out(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mut jar = Jar::default();
    signed_up(&app, &mut jar, "devices@example.org", "student").await;
    let other = app.login("devices@example.org", PASSWORD).await;

    let (status, html) = page(&app, &mut jar, "/me/sessions").await;
    assert_eq!(status, 200);
    assert!(html.contains(BROWSER), "the device is named");
    assert!(html.contains("127.0.0.1"), "the address is shown");
    assert!(html.contains("This device"));
    assert!(
        html.contains("Unknown device"),
        "the API session has no agent"
    );
    assert_eq!(
        html.matches("/revoke\"").count(),
        1,
        "only the other session can be signed out here"
    );
    assert!(html.contains("aria-label=\"Sign out Unknown device, last seen "));
    let start = html.find("action=\"/me/sessions/").expect("a revoke form") + 8;
    let action = html[start..].split('"').next().expect("action").to_owned();
    let token = csrf_of(&html);

    let revoked = post_same_site(&app, &mut jar, &action, &[("csrf", &token)]).await;
    assert_eq!(revoked.status(), 303);
    assert_eq!(location(&revoked), "/me/sessions");
    assert!(!api_session_works(&app, &other).await);
    let (_, html) = page(&app, &mut jar, "/me/sessions").await;
    assert!(!html.contains("Unknown device"));
    assert!(html.contains("This device"));

    // Someone else's session, or none, is not found.
    let again = post_same_site(&app, &mut jar, &action, &[("csrf", &token)]).await;
    assert_eq!(again.status(), 404);
    let (status, _) = page(&app, &mut Jar::default(), "/me/sessions").await;
    assert_eq!(status, 303, "signed out visitors are sent to sign in");
}

const KINDS: [&str; 14] = [
    "booking.confirmed",
    "booking.cancelled",
    "booking.rescheduled",
    "booking.expired",
    "booking.reminder",
    "slot.cancelled",
    "payment.succeeded",
    "payment.failed",
    "payment.refunded",
    "course.completed",
    "account.locked",
    "account.password_changed",
    "session.new_device",
    "licence.renewal_reminder",
];

/// The checked boxes of the defaults (email and in-app on), changed by
/// `on` and `off`.
fn boxes(on: &[&str], off: &[&str]) -> Vec<String> {
    KINDS
        .iter()
        .flat_map(|kind| ["email", "in_app"].map(|channel| format!("{kind}.{channel}")))
        .filter(|name| !off.contains(&name.as_str()))
        .chain(on.iter().map(|name| (*name).to_owned()))
        .collect()
}

async fn save_preferences(
    app: &TestApp,
    jar: &mut Jar,
    token: &str,
    checked: &[String],
) -> reqwest::Response {
    let mut fields = vec![("csrf", token)];
    fields.extend(checked.iter().map(|name| (name.as_str(), "on")));
    post_same_site(app, jar, "/me/notifications/settings", &fields).await
}

async fn notification_settings_are_a_table_of_checkboxes_with_refusals_in_place(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mut jar = Jar::default();
    signed_up(&app, &mut jar, "prefs@example.org", "student").await;
    let (status, html) = page(&app, &mut jar, "/me/notifications/settings").await;
    assert_eq!(status, 200);
    assert!(html.contains(
        "<label class=\"visually-hidden\" for=\"pref-booking-confirmed-email\">Email for Session booked</label>"
    ));
    assert!(html.contains("SMS for Payment failed"));
    assert!(html.contains(">Save preferences</button>"));
    assert_eq!(html.matches("type=\"checkbox\"").count(), KINDS.len() * 4);
    assert!(
        html.contains("id=\"pref-booking-confirmed-email\" name=\"booking.confirmed.email\" value=\"on\" checked"),
        "email is on by default"
    );
    let token = csrf_of(&html);

    // SMS without a phone number is refused next to its box, choices kept.
    let refused = save_preferences(
        &app,
        &mut jar,
        &token,
        &boxes(&["booking.reminder.sms"], &["booking.confirmed.email"]),
    )
    .await;
    let html = refused_page(refused).await;
    assert!(
        html.contains("id=\"pref-booking-reminder-sms-error\""),
        "{html}"
    );
    assert!(html.contains("Text messages need a phone number"));
    assert!(html.contains("name=\"booking.reminder.sms\" value=\"on\" checked"));
    assert!(
        html.contains("name=\"booking.confirmed.email\" value=\"on\">"),
        "the unchecked box stays unchecked"
    );

    // Security notices cannot leave the inbox.
    let refused = save_preferences(
        &app,
        &mut jar,
        &token,
        &boxes(&[], &["session.new_device.in_app"]),
    )
    .await;
    let html = refused_page(refused).await;
    assert!(
        html.contains("id=\"pref-session-new_device-in_app-error\""),
        "{html}"
    );
    assert!(html.contains("Security notices always reach your inbox."));

    let saved = save_preferences(
        &app,
        &mut jar,
        &token,
        &boxes(&["booking.reminder.push"], &["booking.confirmed.email"]),
    )
    .await;
    assert_eq!(saved.status(), 303);
    assert_eq!(location(&saved), "/me/notifications/settings?saved=1");
    let (_, html) = page(&app, &mut jar, "/me/notifications/settings?saved=1").await;
    assert!(html.contains("Your notification settings are saved."));
    assert!(html.contains("name=\"booking.confirmed.email\" value=\"on\">"));
    assert!(html.contains("name=\"booking.reminder.push\" value=\"on\" checked"));
}

async fn the_calendar_feed_address_is_shown_once_and_stops_on_request(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mut jar = Jar::default();
    signed_up(&app, &mut jar, "feed@example.org", "student").await;
    let (_, me) = page(&app, &mut jar, "/me").await;
    assert!(me.contains("Subscribe in your calendar"));
    assert!(me.contains(">Create the feed address</button>"));
    assert!(me.contains(">Stop the feed</button>"));
    assert!(!me.contains("Feed address"));
    let token = csrf_of(&me);

    let created = post_same_site(&app, &mut jar, "/me/calendar-feed", &[("csrf", &token)]).await;
    assert_eq!(created.status(), 303);
    assert_eq!(location(&created), "/me#calendar");
    let (_, me) = page(&app, &mut jar, "/me").await;
    assert!(me.contains("<label for=\"feed-url\">Feed address</label>"));
    let start = me.find("id=\"feed-url\"").expect("the address");
    let url = me[start..]
        .split("value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("value")
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    let prefix = format!("{}/api/v1/me/calendar.ics?token=", app.address);
    assert!(url.starts_with(&prefix), "{url}");
    let path = url.trim_start_matches(&app.address).to_owned();
    let feed = app.get(&path).await;
    assert_eq!(feed.status(), 200);
    assert!(
        feed.text()
            .await
            .expect("ics")
            .starts_with("BEGIN:VCALENDAR"),
        "the address opens the feed"
    );
    let (_, again) = page(&app, &mut jar, "/me").await;
    assert!(!again.contains("Feed address"), "shown once");

    let stopped = post_same_site(
        &app,
        &mut jar,
        "/me/calendar-feed/stop",
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(stopped.status(), 303);
    let next = location(&stopped);
    let (_, me) = page(&app, &mut jar, &next).await;
    assert!(me.contains("The calendar feed is stopped"));
    assert_eq!(
        app.get(&path).await.status(),
        401,
        "the address no longer works"
    );
}
