//! Accounts, sessions, lockout, roles and the audit log, over HTTP.

use std::sync::Arc;

use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::Barrier;

use crate::support::{PASSWORD, TestApp, both_backends, spawn_app, spawn_app_with, test_settings};

async fn problem(response: reqwest::Response) -> Value {
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    response.json().await.expect("problem json")
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn user_count(app: &TestApp) -> i64 {
    medicaledu_store::on_db!(&app.test_db.db, pool => {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users").fetch_one(pool).await.expect("count")
    })
}

async fn audit_actions(app: &TestApp, admin: &str, entity_id: &str) -> Vec<String> {
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/admin/audit-logs?entity_id={entity_id}&limit=100"),
            admin,
            None,
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn register_validates_every_field_and_changes_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let cases = [
        (
            json!({"email": "not-an-email", "password": PASSWORD, "full_name": "A", "role": "student"}),
            "email",
        ),
        (
            json!({"email": "a@example.com", "password": "short", "full_name": "A", "role": "student"}),
            "password",
        ),
        (
            json!({"email": "a@example.com", "password": "password1234", "full_name": "A", "role": "student"}),
            "password",
        ),
        (
            json!({"email": "a@example.com", "password": PASSWORD, "full_name": "A", "role": "admin"}),
            "role",
        ),
        (
            json!({"email": "a@example.com", "password": PASSWORD, "full_name": "x".repeat(201), "role": "student"}),
            "full_name",
        ),
        (
            json!({"email": "a@example.com", "password": PASSWORD, "full_name": "A", "role": "student", "timezone": "Mars/Olympus"}),
            "timezone",
        ),
        (
            json!({"email": "a@example.com", "password": PASSWORD, "role": "student"}),
            "full_name",
        ),
        (
            json!({"email": "a@example.com", "password": PASSWORD, "full_name": "A", "role": "student", "is_admin": true}),
            "is_admin",
        ),
    ];
    for (body, field) in cases {
        let response = app.post_json("/api/v1/auth/register", &body, None).await;
        assert_eq!(response.status(), 422, "{body}");
        let problem = problem(response).await;
        assert_eq!(problem["code"], "validation_failed");
        assert!(
            fields(&problem).contains(&field.to_owned()),
            "{field} named in {problem}"
        );
    }
    let malformed = app
        .client
        .post(app.url("/api/v1/auth/register"))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .expect("request");
    assert_eq!(malformed.status(), 400);
    assert_eq!(problem(malformed).await["code"], "malformed_json");
    assert_eq!(user_count(&app).await, 0, "refused input changes nothing");
}

async fn register_login_and_me(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let user = app.register("  Nurse.Joy@Example.com ", "student").await;
    assert_eq!(user["email"], "Nurse.Joy@Example.com");
    assert_eq!(user["role"], "student");
    assert_eq!(user["timezone"], "UTC");
    assert!(user.get("password_hash").is_none() && user.get("failed_login_attempts").is_none());

    let again = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "nurse.joy@example.COM", "password": PASSWORD, "full_name": "B", "role": "instructor"}),
            None,
        )
        .await;
    assert_eq!(again.status(), 409);
    assert_eq!(problem(again).await["code"], "email_taken");

    let login = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "NURSE.JOY@example.com", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(login.status(), 200);
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let body: Value = login.json().await.expect("json");
    let token = body["token"].as_str().expect("token");
    assert_eq!(token.len(), 43, "256 random bits, base64url");

    let me = app.send(Method::GET, "/api/v1/me", token, None).await;
    assert_eq!(me.status(), 200);
    assert_eq!(me.json::<Value>().await.expect("json")["id"], user["id"]);

    let stored: Option<String> = medicaledu_store::on_db!(&app.test_db.db, pool => {
        sqlx::query_scalar("SELECT token_hash FROM user_sessions").fetch_optional(pool).await.expect("query")
    });
    assert_ne!(
        stored.as_deref(),
        Some(token),
        "only a hash of the token is stored"
    );

    let cookie_value = cookie.split(';').next().expect("cookie pair");
    let via_cookie = app
        .client
        .get(app.url("/api/v1/me"))
        .header("cookie", cookie_value)
        .send()
        .await
        .expect("request");
    assert_eq!(via_cookie.status(), 200);
}

async fn wrong_password_and_unknown_email_look_the_same(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.register("known@example.com", "student").await;
    let attempt = |email: &'static str| {
        let app = &app;
        async move {
            let response = app
                .post_json(
                    "/api/v1/auth/login",
                    &json!({"email": email, "password": "wrong password 123"}),
                    None,
                )
                .await;
            let status = response.status();
            let mut body: Value = response.json().await.expect("json");
            body.as_object_mut().expect("object").remove("request_id");
            (status, body)
        }
    };
    let known = attempt("known@example.com").await;
    let unknown = attempt("nobody@example.com").await;
    assert_eq!(known.0, 401);
    assert_eq!(known, unknown);
}

async fn unauthenticated_answers_are_identical(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let token = app.user("someone@example.com", "student").await;
    app.send(Method::POST, "/api/v1/auth/logout", &token, None)
        .await;
    let mut bodies = Vec::new();
    for credential in [
        Some(token.as_str()),
        Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        Some("garbage"),
        None,
    ] {
        let mut request = app.client.get(app.url("/api/v1/me"));
        if let Some(credential) = credential {
            request = request.bearer_auth(credential);
        }
        let response = request.send().await.expect("request");
        assert_eq!(response.status(), 401);
        let mut body: Value = response.json().await.expect("json");
        body.as_object_mut().expect("object").remove("request_id");
        bodies.push(body);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");
}

async fn sessions_can_be_listed_and_revoked(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let laptop = app.user("doc@example.com", "instructor").await;
    let phone = app.login("doc@example.com", PASSWORD).await;

    let list: Value = app
        .send(Method::GET, "/api/v1/me/sessions", &laptop, None)
        .await
        .json()
        .await
        .expect("json");
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items.iter().filter(|s| s["current"] == true).count(), 1);
    let phone_id = items
        .iter()
        .find(|s| s["current"] == false)
        .expect("other session")["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let other = app.user("other@example.com", "student").await;
    let foreign = app
        .send(
            Method::DELETE,
            &format!("/api/v1/me/sessions/{phone_id}"),
            &other,
            None,
        )
        .await;
    assert_eq!(foreign.status(), 404, "another user's session is not found");

    let revoked = app
        .send(
            Method::DELETE,
            &format!("/api/v1/me/sessions/{phone_id}"),
            &laptop,
            None,
        )
        .await;
    assert_eq!(revoked.status(), 204);
    assert_eq!(
        app.send(Method::GET, "/api/v1/me", &phone, None)
            .await
            .status(),
        401
    );
    assert_eq!(
        app.send(Method::GET, "/api/v1/me", &laptop, None)
            .await
            .status(),
        200
    );
}

async fn changing_the_password_signs_out_other_sessions(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let current = app.user("pw@example.com", "student").await;
    let other = app.login("pw@example.com", PASSWORD).await;
    let new_password = "a much better passphrase 42";

    let wrong = app
        .send(
            Method::POST,
            "/api/v1/me/password",
            &current,
            Some(&json!({"current_password": "not it at all!!", "new_password": new_password})),
        )
        .await;
    assert_eq!(wrong.status(), 422);
    assert_eq!(fields(&problem(wrong).await), vec!["current_password"]);

    let changed = app
        .send(
            Method::POST,
            "/api/v1/me/password",
            &current,
            Some(&json!({"current_password": PASSWORD, "new_password": new_password})),
        )
        .await;
    assert_eq!(changed.status(), 204);
    assert_eq!(
        app.send(Method::GET, "/api/v1/me", &other, None)
            .await
            .status(),
        401
    );
    assert_eq!(
        app.send(Method::GET, "/api/v1/me", &current, None)
            .await
            .status(),
        200
    );
    let old = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "pw@example.com", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(old.status(), 401);
    app.login("pw@example.com", new_password).await;
}

async fn profile_updates_are_validated_and_audited(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let student = app.user("student@example.com", "student").await;
    let instructor = app.user("teacher@example.com", "instructor").await;

    let bad = app
        .send(
            Method::PATCH,
            "/api/v1/me",
            &student,
            Some(&json!({"phone": "12", "timezone": "Nowhere/Land", "locale": "xx-xx-xx", "headline": "Hi"})),
        )
        .await;
    assert_eq!(bad.status(), 422);
    let mut named = fields(&problem(bad).await);
    named.sort();
    assert_eq!(named, vec!["headline", "locale", "phone", "timezone"]);

    let ok = app
        .send(
            Method::PATCH,
            "/api/v1/me",
            &instructor,
            Some(&json!({"phone": "+1 (415) 555-0123", "timezone": "Europe/Berlin", "headline": "Cardiologist", "specialty": "Cardiology"})),
        )
        .await;
    assert_eq!(ok.status(), 200);
    let me: Value = ok.json().await.expect("json");
    assert_eq!(me["phone"], "+14155550123");
    assert_eq!(me["timezone"], "Europe/Berlin");
    assert_eq!(me["headline"], "Cardiologist");

    let cleared = app
        .send(
            Method::PATCH,
            "/api/v1/me",
            &instructor,
            Some(&json!({"phone": null})),
        )
        .await;
    assert_eq!(
        cleared.json::<Value>().await.expect("json")["phone"],
        Value::Null
    );

    let id = me["id"].as_str().expect("id");
    let log: Value = app
        .send(
            Method::GET,
            &format!("/api/v1/admin/audit-logs?entity_id={id}&action=user.updated"),
            &admin,
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    let latest = &log["items"][0]["changes"];
    assert_eq!(latest["phone"]["before"], "+14155550123");
    assert_eq!(latest["phone"]["after"], Value::Null);
}

async fn deleting_the_account_frees_the_email_and_keeps_history(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let token = app.user("leaving@example.com", "student").await;
    let id = app
        .send(Method::GET, "/api/v1/me", &token, None)
        .await
        .json::<Value>()
        .await
        .expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(
        app.send(Method::DELETE, "/api/v1/me", &token, None)
            .await
            .status(),
        204
    );
    assert_eq!(
        app.send(Method::GET, "/api/v1/me", &token, None)
            .await
            .status(),
        401
    );
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "leaving@example.com", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(login.status(), 401);
    let again = app.register("leaving@example.com", "student").await;
    assert_ne!(again["id"], id.as_str());
    assert_eq!(user_count(&app).await, 3, "the deleted row stays");
    let actions = audit_actions(&app, &admin, &id).await;
    assert!(
        actions.contains(&"user.deleted".to_owned())
            && actions.contains(&"user.registered".to_owned()),
        "{actions:?}"
    );
}

async fn five_failures_lock_the_account_until_an_admin_unlocks_it(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let user = app.register("target@example.com", "student").await;
    let id = user["id"].as_str().expect("id");
    let wrong = json!({"email": "target@example.com", "password": "definitely wrong!"});
    for attempt in 1..=4 {
        let response = app.post_json("/api/v1/auth/login", &wrong, None).await;
        assert_eq!(response.status(), 401, "attempt {attempt}");
    }
    let fifth = app.post_json("/api/v1/auth/login", &wrong, None).await;
    assert_eq!(fifth.status(), 423);
    let right = json!({"email": "target@example.com", "password": PASSWORD});
    let locked = app.post_json("/api/v1/auth/login", &right, None).await;
    assert_eq!(
        locked.status(),
        423,
        "the right password does not open a locked account"
    );
    let retry_after: u64 = locked.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=15 * 60).contains(&retry_after), "{retry_after}");
    assert_eq!(problem(locked).await["code"], "account_locked");

    let student = app.user("nosy@example.com", "student").await;
    let refused = app
        .send(
            Method::POST,
            &format!("/api/v1/admin/users/{id}/unlock"),
            &student,
            None,
        )
        .await;
    assert_eq!(refused.status(), 403);

    let unlocked = app
        .send(
            Method::POST,
            &format!("/api/v1/admin/users/{id}/unlock"),
            &admin,
            None,
        )
        .await;
    assert_eq!(unlocked.status(), 204);
    app.login("target@example.com", PASSWORD).await;

    let actions = audit_actions(&app, &admin, id).await;
    for expected in [
        "user.registered",
        "user.login_failed",
        "user.locked",
        "user.unlocked",
    ] {
        assert!(
            actions.contains(&expected.to_owned()),
            "{expected} in {actions:?}"
        );
    }
}

async fn concurrent_failed_logins_are_all_counted(backend: Backend) {
    let mut settings = test_settings();
    settings.lockout.max_failed_attempts = 1000;
    let Some(app) = spawn_app_with(backend, settings).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    app.register("racer@example.com", "student").await;
    let app = Arc::new(app);
    let attempts = 24;
    let barrier = Arc::new(Barrier::new(attempts));
    let tasks: Vec<_> = (0..attempts)
        .map(|_| {
            let (app, barrier) = (Arc::clone(&app), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                app.post_json(
                    "/api/v1/auth/login",
                    &json!({"email": "racer@example.com", "password": "wrong wrong wrong"}),
                    None,
                )
                .await
                .status()
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.expect("task"), 401);
    }
    let list: Value = app
        .send(Method::GET, "/api/v1/admin/users?q=racer", &admin, None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        list["items"][0]["failed_login_attempts"], attempts as i64,
        "no lost updates"
    );
}

async fn admins_manage_accounts_and_others_cannot(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let student = app.user("s1@example.com", "student").await;
    for i in 0..5 {
        app.register(&format!("i{i}@example.com"), "instructor")
            .await;
    }
    for (method, path) in [
        (Method::GET, "/api/v1/admin/users"),
        (Method::GET, "/api/v1/admin/audit-logs"),
    ] {
        assert_eq!(
            app.send(method.clone(), path, &student, None)
                .await
                .status(),
            403
        );
        let anonymous = app
            .client
            .request(method, app.url(path))
            .send()
            .await
            .expect("request");
        assert_eq!(anonymous.status(), 401);
    }

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/admin/users?role=instructor&limit=2&cursor={c}"),
            None => "/api/v1/admin/users?role=instructor&limit=2".to_owned(),
        };
        let page: Value = app
            .send(Method::GET, &path, &admin, None)
            .await
            .json()
            .await
            .expect("json");
        for item in page["items"].as_array().expect("items") {
            assert_eq!(item["role"], "instructor");
            seen.push(item["email"].as_str().expect("email").to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5, "{seen:?}");
    seen.dedup();
    assert_eq!(seen.len(), 5, "no duplicates across pages");

    let student_id = app
        .send(Method::GET, "/api/v1/me", &student, None)
        .await
        .json::<Value>()
        .await
        .expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let suspended = app
        .send(
            Method::PATCH,
            &format!("/api/v1/admin/users/{student_id}"),
            &admin,
            Some(&json!({"status": "suspended"})),
        )
        .await;
    assert_eq!(suspended.status(), 200);
    assert_eq!(
        app.send(Method::GET, "/api/v1/me", &student, None)
            .await
            .status(),
        401,
        "suspension signs out"
    );
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "s1@example.com", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(login.status(), 403);

    let bad = app
        .send(
            Method::PATCH,
            &format!("/api/v1/admin/users/{student_id}"),
            &admin,
            Some(&json!({"role": "wizard"})),
        )
        .await;
    assert_eq!(bad.status(), 422);
    let missing = app
        .send(
            Method::PATCH,
            "/api/v1/admin/users/0190b9c4-7d2a-7c3e-8f00-000000000001",
            &admin,
            Some(&json!({"role": "student"})),
        )
        .await;
    assert_eq!(missing.status(), 404);

    let log: Value = app
        .send(
            Method::GET,
            "/api/v1/admin/audit-logs?action=user.suspended",
            &admin,
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(log["items"].as_array().expect("items").len(), 1);
    assert_eq!(log["items"][0]["entity_id"], student_id.as_str());
    assert!(
        !log.to_string().contains(PASSWORD),
        "no secrets in the audit log"
    );
}

async fn cookie_sessions_need_a_same_origin_for_changes(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.register("browser@example.com", "student").await;
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "browser@example.com", "password": PASSWORD}),
            None,
        )
        .await;
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    let host = app.address.trim_start_matches("http://").to_owned();
    let cross = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("request");
    assert_eq!(cross.status(), 403);
    assert_eq!(problem(cross).await["code"], "csrf_rejected");
    let same = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .header("cookie", &cookie)
        .header("origin", format!("http://{host}"))
        .send()
        .await
        .expect("request");
    assert_eq!(same.status(), 204);
}

async fn sign_in_attempts_are_rate_limited_per_ip(backend: Backend) {
    let mut settings = test_settings();
    settings.auth_rate_limit_per_minute = 3;
    let Some(app) = spawn_app_with(backend, settings).await else {
        return;
    };
    let body = json!({"email": "who@example.com", "password": "whatever whatever"});
    for _ in 0..3 {
        assert_eq!(
            app.post_json("/api/v1/auth/login", &body, None)
                .await
                .status(),
            401
        );
    }
    let limited = app.post_json("/api/v1/auth/login", &body, None).await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(problem(limited).await["code"], "rate_limited");
}

/// Every route of this area, called by the wrong kind of caller.
async fn every_route_refuses_the_wrong_caller(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let student = app.user("student@example.com", "student").await;
    let instructor = app.user("instructor@example.com", "instructor").await;
    let some_id = "0190b9c4-7d2a-7c3e-8f00-000000000001";
    let signed_in_routes = [
        (Method::GET, "/api/v1/me".to_owned()),
        (Method::PATCH, "/api/v1/me".to_owned()),
        (Method::DELETE, "/api/v1/me".to_owned()),
        (Method::POST, "/api/v1/me/password".to_owned()),
        (Method::GET, "/api/v1/me/sessions".to_owned()),
        (Method::DELETE, format!("/api/v1/me/sessions/{some_id}")),
        (Method::POST, "/api/v1/auth/logout".to_owned()),
    ];
    let admin_routes = [
        (Method::GET, "/api/v1/admin/users".to_owned()),
        (Method::PATCH, format!("/api/v1/admin/users/{some_id}")),
        (
            Method::POST,
            format!("/api/v1/admin/users/{some_id}/unlock"),
        ),
        (Method::GET, "/api/v1/admin/audit-logs".to_owned()),
    ];
    for (method, path) in signed_in_routes.iter().chain(admin_routes.iter()) {
        let anonymous = app
            .client
            .request(method.clone(), app.url(path))
            .json(&json!({}))
            .send()
            .await
            .expect("request");
        assert_eq!(anonymous.status(), 401, "anonymous {method} {path}");
    }
    for (method, path) in &admin_routes {
        for token in [&student, &instructor] {
            let response = app
                .send(method.clone(), path, token, Some(&json!({"role": "admin"})))
                .await;
            assert_eq!(response.status(), 403, "non-admin {method} {path}");
        }
    }
    let me: Value = app
        .send(Method::GET, "/api/v1/me", &student, None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["role"], "student", "nobody promoted themselves");
}

both_backends!(
    every_route_refuses_the_wrong_caller,
    register_validates_every_field_and_changes_nothing,
    register_login_and_me,
    wrong_password_and_unknown_email_look_the_same,
    unauthenticated_answers_are_identical,
    sessions_can_be_listed_and_revoked,
    changing_the_password_signs_out_other_sessions,
    profile_updates_are_validated_and_audited,
    deleting_the_account_frees_the_email_and_keeps_history,
    five_failures_lock_the_account_until_an_admin_unlocks_it,
    concurrent_failed_logins_are_all_counted,
    admins_manage_accounts_and_others_cannot,
    cookie_sessions_need_a_same_origin_for_changes,
    sign_in_attempts_are_rate_limited_per_ip,
);
