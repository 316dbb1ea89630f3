//! Sign-in with a second factor (TOTP, RFC 6238), through the API, the use
//! cases and the pages. Every code is computed here from the secret the
//! server handed out, with totp-rs, as an authenticator app would.

use std::sync::Arc;

use medicaledu_app::sessions::{self, LoginInput, SecondFactorInput, SignIn};
use medicaledu_app::{AppContext, Clock, ErrorCode, Failure, RequestMeta, Settings};
use medicaledu_domain::Id;
use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::Barrier;

use crate::support::pages::{Jar, csrf_of, hidden, location, page, post_same_site};
use crate::support::{
    PASSWORD, TestApp, both_backends, json_of, spawn_app, spawn_app_with, test_settings,
};

both_backends!(
    enrolling_makes_sign_in_ask_for_a_code_that_works_once,
    wrong_codes_count_toward_the_lockout,
    a_recovery_code_signs_in_once_even_under_a_race,
    turning_it_off_needs_the_password,
    a_challenge_expires_and_signs_in_once,
    admins_must_enrol_before_anything_else_when_required,
    the_pages_set_it_up_and_sign_in_in_two_steps,
);

/// The code an authenticator app shows for `secret` (base32) at `unix`.
fn code_at(secret: &str, unix: i64) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret).expect("base32 secret");
    let totp = totp_rs::Builder::new()
        .with_secret(secret)
        .build()
        .expect("SHA-1, 6 digits, 30 s");
    totp.generate(u64::try_from(unix).expect("after 1970"))
        .to_string()
}

/// The code of the current time step, and of the next one: a second sign-in
/// within the same 30 seconds needs a later step than the first.
fn code_now(secret: &str) -> String {
    code_at(secret, chrono::Utc::now().timestamp())
}

fn code_next(secret: &str) -> String {
    code_at(secret, chrono::Utc::now().timestamp() + 30)
}

/// A code that is none of the three the server accepts now.
fn wrong_code(secret: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    let taken: Vec<String> = (-2..=2).map(|k| code_at(secret, now + 30 * k)).collect();
    (0..)
        .map(|n: u32| format!("{:06}", 123_457 + n))
        .find(|c| !taken.contains(c))
        .expect("a free code")
}

/// Sets a second factor up for the signed-in `token` through the API: the
/// secret and the ten recovery codes.
async fn enrol(app: &TestApp, token: &str) -> (String, Vec<String>) {
    let begun = app
        .send(Method::POST, "/api/v1/me/second-factor", token, None)
        .await;
    assert_eq!(begun.status(), 201);
    assert_eq!(begun.headers()["cache-control"], "no-store");
    let begun = json_of(begun).await;
    let secret = begun["secret"].as_str().expect("secret").to_owned();
    let confirmed = app
        .send(
            Method::POST,
            "/api/v1/me/second-factor/confirm",
            token,
            Some(&json!({ "code": code_now(&secret) })),
        )
        .await;
    assert_eq!(confirmed.status(), 200);
    let codes = json_of(confirmed).await["recovery_codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("code").to_owned())
        .collect();
    (secret, codes)
}

async fn login(app: &TestApp, email: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/auth/login",
        &json!({ "email": email, "password": PASSWORD }),
        None,
    )
    .await
}

/// Signs in with the password: the challenge of the second step.
async fn challenge(app: &TestApp, email: &str) -> String {
    let response = login(app, email).await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers().get("set-cookie").is_none(),
        "no session cookie before the second factor"
    );
    let body = json_of(response).await;
    assert_eq!(body["second_factor_required"], true, "{body}");
    assert!(body.get("token").is_none(), "no session token: {body}");
    body["challenge"].as_str().expect("challenge").to_owned()
}

async fn second_step(app: &TestApp, challenge: &str, code: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/auth/login/second-factor",
        &json!({ "challenge": challenge, "code": code }),
        None,
    )
    .await
}

async fn problem_code(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body = json_of(response).await;
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

async fn user_id(app: &TestApp, email: &str) -> Id {
    medicaledu_store::users::find_live_by_email(&app.test_db.db, email)
        .await
        .expect("read user")
        .expect("user")
        .id
}

async fn audited(app: &TestApp, user: Id, action: &str) -> usize {
    let filter = medicaledu_store::audit::AuditFilter {
        entity_id: Some(user),
        limit: 1000,
        ..Default::default()
    };
    medicaledu_store::audit::list(&app.test_db.db, &filter)
        .await
        .expect("audit log")
        .iter()
        .filter(|row| row.action == action)
        .count()
}

async fn enrolling_makes_sign_in_ask_for_a_code_that_works_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let email = "nurse@example.org";
    let token = app.user(email, "student").await;
    let status = json_of(
        app.send(Method::GET, "/api/v1/me/second-factor", &token, None)
            .await,
    )
    .await;
    assert_eq!(status["enabled"], false);

    let begun = json_of(
        app.send(Method::POST, "/api/v1/me/second-factor", &token, None)
            .await,
    )
    .await;
    let secret = begun["secret"].as_str().expect("secret");
    let uri = begun["otpauth_uri"].as_str().expect("uri");
    assert!(
        uri.starts_with("otpauth://totp/MedicalEdu:nurse%40example.org?"),
        "{uri}"
    );
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    assert!(uri.contains("issuer=MedicalEdu"), "{uri}");
    let svg = begun["qr_svg"].as_str().expect("svg");
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");

    // A pending factor changes nothing yet, and a wrong code confirms nothing.
    let wrong = app
        .send(
            Method::POST,
            "/api/v1/me/second-factor/confirm",
            &token,
            Some(&json!({ "code": wrong_code(secret) })),
        )
        .await;
    assert_eq!(problem_code(wrong).await, (422, "validation_failed".into()));
    assert_eq!(login(&app, email).await.status(), 200);
    let (secret, codes) = {
        let confirmed = app
            .send(
                Method::POST,
                "/api/v1/me/second-factor/confirm",
                &token,
                Some(&json!({ "code": code_now(secret) })),
            )
            .await;
        assert_eq!(confirmed.status(), 200);
        let body = json_of(confirmed).await;
        let codes: Vec<String> = body["recovery_codes"]
            .as_array()
            .expect("codes")
            .iter()
            .map(|c| c.as_str().expect("code").to_owned())
            .collect();
        (secret.to_owned(), codes)
    };
    assert_eq!(codes.len(), 10);
    let status = json_of(
        app.send(Method::GET, "/api/v1/me/second-factor", &token, None)
            .await,
    )
    .await;
    assert_eq!(status["enabled"], true);
    assert_eq!(status["recovery_codes_remaining"], 10);

    // Only hashes are stored.
    let stored: Vec<String> = medicaledu_store::on_db!(&app.test_db.db, pool => {
        sqlx::query_scalar("SELECT code_hash FROM recovery_codes").fetch_all(pool).await.expect("codes")
    });
    assert_eq!(stored.len(), 10);
    for code in &codes {
        let canonical = code.replace('-', "");
        assert!(
            stored.iter().all(|h| !h.contains(&canonical)),
            "no code is stored"
        );
    }

    // The password alone no longer signs in; password and code do.
    let first = challenge(&app, email).await;
    let code = code_next(&secret);
    let signed_in = second_step(&app, &first, &code).await;
    assert_eq!(signed_in.status(), 200);
    assert!(signed_in.headers().get("set-cookie").is_some());
    let body = json_of(signed_in).await;
    assert_eq!(body["second_factor_required"], false);
    let session = body["token"].as_str().expect("token");
    assert_eq!(
        app.send(Method::GET, "/api/v1/me", session, None)
            .await
            .status(),
        200
    );

    // The same code again (a replay) is refused, as is the spent challenge.
    let second = challenge(&app, email).await;
    assert_eq!(
        problem_code(second_step(&app, &second, &code).await).await,
        (401, "invalid_code".into())
    );
    assert_eq!(
        problem_code(second_step(&app, &first, &code_next(&secret)).await).await,
        (401, "invalid_challenge".into())
    );

    // A recovery code signs in once, typed in any case; never twice.
    let recovery = codes[3].to_uppercase();
    assert_eq!(second_step(&app, &second, &recovery).await.status(), 200);
    let third = challenge(&app, email).await;
    assert_eq!(
        problem_code(second_step(&app, &third, &codes[3]).await).await,
        (401, "invalid_code".into())
    );
    let status = json_of(
        app.send(Method::GET, "/api/v1/me/second-factor", &token, None)
            .await,
    )
    .await;
    assert_eq!(status["recovery_codes_remaining"], 9);
    let id = user_id(&app, email).await;
    assert_eq!(audited(&app, id, "user.second_factor_enabled").await, 1);
    // The replayed code and the spent recovery code; a spent challenge is
    // refused before any code is checked.
    assert_eq!(audited(&app, id, "user.second_factor_failed").await, 2);

    // Setting up again needs turning it off first.
    let again = app
        .send(Method::POST, "/api/v1/me/second-factor", &token, None)
        .await;
    assert_eq!(
        problem_code(again).await,
        (409, "second_factor_enabled".into())
    );
}

async fn wrong_codes_count_toward_the_lockout(backend: Backend) {
    let mut settings = test_settings();
    settings.lockout.max_failed_attempts = 3;
    let Some(app) = spawn_app_with(backend, settings).await else {
        return;
    };
    let email = "locked@example.org";
    let token = app.user(email, "instructor").await;
    let (secret, codes) = enrol(&app, &token).await;
    let id = user_id(&app, email).await;

    // A right password does not wipe out failures: with one wrong password
    // before, two wrong codes lock the account.
    let wrong_password = app
        .post_json(
            "/api/v1/auth/login",
            &json!({ "email": email, "password": "not the password at all" }),
            None,
        )
        .await;
    assert_eq!(wrong_password.status(), 401);
    let challenge = challenge(&app, email).await;
    assert_eq!(
        problem_code(second_step(&app, &challenge, &wrong_code(&secret)).await).await,
        (401, "invalid_code".into())
    );
    let locked = second_step(&app, &challenge, &wrong_code(&secret)).await;
    assert_eq!(locked.status(), 423);
    assert!(locked.headers().get("retry-after").is_some());
    assert_eq!(problem_code(locked).await.1, "account_locked");

    // Locked: neither the right code nor a recovery code completes it, and
    // the password is refused too.
    assert_eq!(
        problem_code(second_step(&app, &challenge, &code_next(&secret)).await).await,
        (423, "account_locked".into())
    );
    assert_eq!(
        problem_code(second_step(&app, &challenge, &codes[0]).await).await,
        (423, "account_locked".into())
    );
    assert_eq!(login(&app, email).await.status(), 423);
    assert_eq!(audited(&app, id, "user.second_factor_failed").await, 1);
    assert_eq!(audited(&app, id, "user.locked").await, 1);
    let unused = medicaledu_store::second_factors::unused_recovery_codes(&app.test_db.db, id)
        .await
        .expect("count");
    assert_eq!(unused, 10, "a locked account spends no recovery code");
}

fn context(app: &TestApp, settings: Settings) -> AppContext {
    AppContext::new(app.test_db.db.clone(), settings).expect("context")
}

async fn password_step(ctx: &AppContext, email: &str) -> String {
    let input = LoginInput {
        email: email.into(),
        password: PASSWORD.into(),
    };
    match sessions::login(ctx, &RequestMeta::default(), input)
        .await
        .expect("right password")
    {
        SignIn::SecondFactor(challenge) => challenge.token.expose().to_owned(),
        SignIn::Session(_) => panic!("a session without the second factor"),
    }
}

async fn a_recovery_code_signs_in_once_even_under_a_race(backend: Backend) {
    // The race is about the code, not the lockout: failures do not lock here.
    let mut settings = test_settings();
    settings.lockout.max_failed_attempts = 100;
    let Some(app) = spawn_app_with(backend, settings.clone()).await else {
        return;
    };
    let email = "race@example.org";
    let token = app.user(email, "student").await;
    let (_, codes) = enrol(&app, &token).await;
    let ctx = context(&app, settings);
    let tasks = 8;
    let mut challenges = Vec::new();
    for _ in 0..tasks {
        challenges.push(password_step(&ctx, email).await);
    }
    let barrier = Arc::new(Barrier::new(tasks));
    let handles: Vec<_> = challenges
        .into_iter()
        .map(|challenge| {
            let (ctx, barrier, code) = (ctx.clone(), Arc::clone(&barrier), codes[0].clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let input = SecondFactorInput { challenge, code };
                sessions::complete_second_factor(&ctx, &RequestMeta::default(), input)
                    .await
                    .map(drop)
                    .map_err(|e| e.code())
            })
        })
        .collect();
    let mut signed_in = 0;
    for handle in handles {
        match handle.await.expect("task") {
            Ok(()) => signed_in += 1,
            Err(code) => assert_eq!(code, ErrorCode::InvalidCode),
        }
    }
    assert_eq!(signed_in, 1, "one recovery code, one session");
    let id = user_id(&app, email).await;
    let sessions: i64 = medicaledu_store::on_db!(&app.test_db.db, pool => {
        sqlx::query_scalar("SELECT count(*) FROM user_sessions WHERE user_id = $1")
            .bind(id)
            .fetch_one(pool)
            .await
            .expect("count")
    });
    // The session the test signed up with, and the one the code opened.
    assert_eq!(sessions, 2);
}

async fn turning_it_off_needs_the_password(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let email = "off@example.org";
    let token = app.user(email, "student").await;
    let (secret, codes) = enrol(&app, &token).await;

    let wrong = app
        .send(
            Method::DELETE,
            "/api/v1/me/second-factor",
            &token,
            Some(&json!({ "password": "not the password at all" })),
        )
        .await;
    let body = json_of(wrong).await;
    assert_eq!(body["code"], "validation_failed");
    assert_eq!(body["errors"][0]["field"], "password");
    assert_eq!(body["errors"][0]["code"], "incorrect");
    let still = challenge(&app, email).await;

    let off = app
        .send(
            Method::DELETE,
            "/api/v1/me/second-factor",
            &token,
            Some(&json!({ "password": PASSWORD })),
        )
        .await;
    assert_eq!(off.status(), 204);
    let body = json_of(login(&app, email).await).await;
    assert_eq!(body["second_factor_required"], false);
    assert!(body["token"].is_string(), "the password alone signs in");
    // What was issued under the factor is void: its challenge and codes.
    assert_eq!(
        problem_code(second_step(&app, &still, &code_next(&secret)).await).await,
        (401, "invalid_challenge".into())
    );
    let left: i64 = medicaledu_store::on_db!(&app.test_db.db, pool => {
        sqlx::query_scalar("SELECT count(*) FROM recovery_codes").fetch_one(pool).await.expect("count")
    });
    assert_eq!(left, 0, "{} codes deleted", codes.len());
    let again = app
        .send(
            Method::DELETE,
            "/api/v1/me/second-factor",
            &token,
            Some(&json!({ "password": PASSWORD })),
        )
        .await;
    assert_eq!(
        problem_code(again).await,
        (409, "second_factor_not_enabled".into())
    );
}

async fn a_challenge_expires_and_signs_in_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let email = "slow@example.org";
    let token = app.user(email, "student").await;
    let (secret, codes) = enrol(&app, &token).await;
    let ctx = context(&app, test_settings());
    let challenge = password_step(&ctx, email).await;

    // Six minutes later, with that moment's code, the challenge has expired.
    let ahead = chrono::Duration::minutes(6);
    let later = ctx.clone().with_clock(Clock::Offset(ahead));
    let late_code = code_at(&secret, (chrono::Utc::now() + ahead).timestamp());
    let expired = sessions::complete_second_factor(
        &later,
        &RequestMeta::default(),
        SecondFactorInput {
            challenge: challenge.clone(),
            code: late_code,
        },
    )
    .await
    .expect_err("expired");
    assert_eq!(expired.code(), ErrorCode::InvalidChallenge);

    // In time it signs in, once.
    let complete = |code: String| {
        let (ctx, challenge) = (ctx.clone(), challenge.clone());
        async move {
            sessions::complete_second_factor(
                &ctx,
                &RequestMeta::default(),
                SecondFactorInput { challenge, code },
            )
            .await
        }
    };
    complete(codes[0].clone()).await.expect("in time");
    let again = complete(codes[1].clone()).await.expect_err("spent");
    assert_eq!(again.code(), ErrorCode::InvalidChallenge);
    let junk = complete("123456".into()).await;
    assert_eq!(junk.expect_err("spent").code(), ErrorCode::InvalidChallenge);
    let malformed = sessions::complete_second_factor(
        &ctx,
        &RequestMeta::default(),
        SecondFactorInput {
            challenge: "not a challenge".into(),
            code: "123456".into(),
        },
    )
    .await
    .expect_err("malformed");
    assert_eq!(malformed.code(), ErrorCode::InvalidChallenge);
}

async fn admins_must_enrol_before_anything_else_when_required(backend: Backend) {
    let mut settings = test_settings();
    settings.require_admin_second_factor = true;
    let Some(app) = spawn_app_with(backend, settings).await else {
        return;
    };
    // Students and instructors are not asked.
    let student = app.user("student@example.org", "student").await;
    assert_eq!(
        app.send(Method::GET, "/api/v1/me", &student, None)
            .await
            .status(),
        200
    );

    let admin = app.user("admin@example.org", "admin").await;
    for (method, path) in [
        (Method::GET, "/api/v1/admin/users"),
        (Method::GET, "/api/v1/admin/audit-logs"),
        (Method::GET, "/api/v1/admin/payments"),
        (Method::GET, "/api/v1/me"),
        (Method::GET, "/api/v1/me/sessions"),
        (Method::GET, "/api/v1/courses/no-such-course"),
    ] {
        let response = app.send(method.clone(), path, &admin, None).await;
        assert_eq!(
            problem_code(response).await,
            (403, "second_factor_required".into()),
            "{method} {path}"
        );
    }
    // The pages send the admin to the setup page, and nowhere else.
    let mut jar = Jar::signed_in(&admin);
    let (status, _) = page(&app, &mut jar, "/me").await;
    assert_eq!(status, 303);
    let (status, html) = page(&app, &mut jar, "/me/two-factor").await;
    assert_eq!(status, 200);
    assert!(html.contains("Administrator accounts must use two-factor authentication"));

    let status = json_of(
        app.send(Method::GET, "/api/v1/me/second-factor", &admin, None)
            .await,
    )
    .await;
    assert_eq!(status["required"], true);
    enrol(&app, &admin).await;
    assert_eq!(
        app.send(Method::GET, "/api/v1/admin/users", &admin, None)
            .await
            .status(),
        200,
        "the session that set it up is let through"
    );
    assert_eq!(page(&app, &mut jar, "/me").await.0, 200);
    challenge(&app, "admin@example.org").await;
}

async fn the_pages_set_it_up_and_sign_in_in_two_steps(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let email = "pages@example.org";
    let token = app.user(email, "student").await;
    let mut jar = Jar::signed_in(&token);

    // Set up: the QR code with its accessible name, the key in text, a code.
    let (_, off) = page(&app, &mut jar, "/me/two-factor").await;
    assert!(off.contains("Two-factor authentication is off."));
    let csrf = csrf_of(&off);
    let begun = post_same_site(&app, &mut jar, "/me/two-factor/setup", &[("csrf", &csrf)]).await;
    assert_eq!(begun.status(), 303);
    assert_eq!(location(&begun), "/me/two-factor");
    let (_, setup) = page(&app, &mut jar, "/me/two-factor").await;
    assert!(setup.contains(
        "<div class=\"qr\" role=\"img\" aria-label=\"QR code to scan with your authenticator app\"><svg"
    ));
    let needle = "<code class=\"secret\">";
    let start = setup.find(needle).expect("the key") + needle.len();
    let secret = setup[start..].split('<').next().expect("key").to_owned();
    assert!(setup.contains("autocomplete=\"one-time-code\" inputmode=\"numeric\""));
    let wrong = post_same_site(
        &app,
        &mut jar,
        "/me/two-factor/confirm",
        &[("csrf", &csrf), ("code", &wrong_code(&secret))],
    )
    .await;
    assert_eq!(wrong.status(), 422);
    assert!(
        wrong
            .text()
            .await
            .expect("html")
            .contains("This is not the code your app shows now.")
    );
    let confirmed = post_same_site(
        &app,
        &mut jar,
        "/me/two-factor/confirm",
        &[("csrf", &csrf), ("code", &code_now(&secret))],
    )
    .await;
    assert_eq!(confirmed.status(), 200);
    let html = confirmed.text().await.expect("html");
    assert!(html.contains("Your recovery codes"));
    assert_eq!(html.matches("<li><code>").count(), 10);
    let (_, on) = page(&app, &mut jar, "/me/two-factor").await;
    assert!(on.contains("Recovery codes left: "), "{on}");
    assert!(!on.contains("<li><code>"), "the codes are shown once");

    // Sign in: the password, then a second step asking for the code.
    let mut browser = Jar::default();
    let (_, form) = page(&app, &mut browser, "/signin?next=/me/account").await;
    let anonymous = csrf_of(&form);
    let step = post_same_site(
        &app,
        &mut browser,
        "/signin",
        &[
            ("csrf", &anonymous),
            ("email", email),
            ("password", PASSWORD),
            ("next", "/me/account"),
        ],
    )
    .await;
    assert_eq!(step.status(), 200);
    assert!(!browser.has("medicaledu_session"), "no session yet");
    let html = step.text().await.expect("html");
    for part in [
        "<label for=\"code\">Code</label>",
        "autocomplete=\"one-time-code\" inputmode=\"numeric\"",
        ">Verify</button>",
        "action=\"/signin/code\"",
    ] {
        assert!(html.contains(part), "{part} on the second step");
    }
    let challenge = hidden(&html, "challenge");
    assert_eq!(hidden(&html, "next"), "/me/account");

    let refused = post_same_site(
        &app,
        &mut browser,
        "/signin/code",
        &[
            ("csrf", &anonymous),
            ("challenge", &challenge),
            ("code", &wrong_code(&secret)),
            ("next", "/me/account"),
        ],
    )
    .await;
    assert_eq!(refused.status(), 401);
    assert!(
        refused
            .text()
            .await
            .expect("html")
            .contains("This code is not right.")
    );
    // Without the form's token nothing is checked.
    let forged = post_same_site(
        &app,
        &mut browser,
        "/signin/code",
        &[("challenge", &challenge), ("code", &code_next(&secret))],
    )
    .await;
    assert_eq!(forged.status(), 403);

    let verified = post_same_site(
        &app,
        &mut browser,
        "/signin/code",
        &[
            ("csrf", &anonymous),
            ("challenge", &challenge),
            ("code", &code_next(&secret)),
            ("next", "/me/account"),
        ],
    )
    .await;
    assert_eq!(verified.status(), 303);
    assert_eq!(location(&verified), "/me/account");
    assert!(browser.has("medicaledu_session"));
    assert_eq!(page(&app, &mut browser, "/me/account").await.0, 200);

    // The spent challenge, sent again (from another browser, say), sends the
    // visitor back to the password.
    let mut other = Jar::default();
    let (_, form) = page(&app, &mut other, "/signin").await;
    let other_csrf = csrf_of(&form);
    let spent = post_same_site(
        &app,
        &mut other,
        "/signin/code",
        &[
            ("csrf", &other_csrf),
            ("challenge", &challenge),
            ("code", &code_next(&secret)),
        ],
    )
    .await;
    assert_eq!(spent.status(), 401);
    let html = spent.text().await.expect("html");
    assert!(html.contains("Sign in again."), "{html}");
    assert!(html.contains("action=\"/signin\""));
    assert!(!other.has("medicaledu_session"));

    // Turning it off from the page asks for the password.
    let (_, on) = page(&app, &mut jar, "/me/two-factor").await;
    let csrf = csrf_of(&on);
    let refused = post_same_site(
        &app,
        &mut jar,
        "/me/two-factor/disable",
        &[("csrf", &csrf), ("password", "not the password at all")],
    )
    .await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .expect("html")
            .contains("This is not your current password.")
    );
    let off = post_same_site(
        &app,
        &mut jar,
        "/me/two-factor/disable",
        &[("csrf", &csrf), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(off.status(), 303);
    let body: Value = json_of(login(&app, email).await).await;
    assert!(body["token"].is_string());
}
