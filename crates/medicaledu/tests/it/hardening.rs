//! Hostile clients, hostile input and faults: forged client addresses,
//! cross-scheme origins, NUL characters, stalled connections, database
//! outages and a full disk.

use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{PASSWORD, TestApp, both_backends, spawn_app, spawn_app_with, test_settings};

async fn login_from(
    app: &TestApp,
    forwarded_for: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"email": "doc@example.com", "password": PASSWORD}));
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    request.send().await.expect("request")
}

/// Behind one trusted proxy, the client is the rightmost `X-Forwarded-For`
/// entry: forging entries to its left, `X-Real-IP` or `Forwarded` neither
/// escapes the per-IP limit nor changes the address the server records.
async fn the_client_address_is_counted_from_the_trusted_proxies(backend: Backend) {
    let mut settings = test_settings();
    settings.trusted_proxy_hops = 1;
    settings.auth_rate_limit_per_minute = 3;
    let Some(app) = spawn_app_with(backend, settings).await else {
        return;
    };
    app.register("doc@example.com", "instructor").await;
    let mut tokens = Vec::new();
    for forged in ["6.6.6.1", "6.6.6.2", "6.6.6.3"] {
        let response = login_from(
            &app,
            &format!("{forged}, 203.0.113.7"),
            &[
                ("x-real-ip", forged),
                ("forwarded", &format!("for={forged}")),
            ],
        )
        .await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("json");
        tokens.push(body["token"].as_str().expect("token").to_owned());
    }
    let limited = login_from(&app, "6.6.6.4, 203.0.113.7", &[("x-real-ip", "6.6.6.4")]).await;
    assert_eq!(
        limited.status(),
        429,
        "a forged left entry is no new client"
    );
    let other = login_from(&app, "203.0.113.8", &[]).await;
    assert_eq!(other.status(), 200, "another client has its own allowance");

    let sessions: Value = app
        .send(Method::GET, "/api/v1/me/sessions", &tokens[0], None)
        .await
        .json()
        .await
        .expect("json");
    let addresses: Vec<&str> = sessions["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|s| s["ip_address"].as_str())
        .collect();
    assert_eq!(addresses.len(), 4);
    assert_eq!(
        addresses.iter().filter(|ip| **ip == "203.0.113.7").count(),
        3,
        "{addresses:?}"
    );
    assert!(addresses.contains(&"203.0.113.8"), "{addresses:?}");
}

/// Without trusted proxies, `X-Forwarded-For` is the client's own claim.
async fn without_trusted_proxies_forwarded_for_is_ignored(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.register("doc@example.com", "instructor").await;
    let response = login_from(&app, "203.0.113.7", &[("x-real-ip", "203.0.113.9")]).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    let token = body["token"].as_str().expect("token");
    let sessions: Value = app
        .send(Method::GET, "/api/v1/me/sessions", token, None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(sessions["items"][0]["ip_address"], "127.0.0.1");
}

/// An `https` page is another origin than the `http` site of the same host
/// and port, and so is another port.
async fn an_origin_must_match_scheme_and_port(backend: Backend) {
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
    let (name, port) = host.rsplit_once(':').expect("host:port");
    let other_port = port.parse::<u16>().expect("port").wrapping_add(1);
    for origin in [
        format!("https://{host}"),
        format!("http://{name}:{other_port}"),
    ] {
        let refused = app
            .client
            .post(app.url("/api/v1/auth/logout"))
            .header("cookie", &cookie)
            .header("origin", &origin)
            .send()
            .await
            .expect("request");
        assert_eq!(refused.status(), 403, "{origin}");
    }
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

/// A NUL character anywhere in the input is refused before the database
/// sees it (PostgreSQL would fail the query): 422 naming the field for a
/// body or query, 404 for a path.
async fn nul_characters_are_refused_everywhere(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "a\u{0}b", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(login.status(), 422);
    let body: Value = login.json().await.expect("json");
    assert_eq!(body["code"], "validation_failed");
    assert_eq!(body["errors"][0]["field"], "email");

    for (path, field) in [
        ("/api/v1/courses?q=%00", "q"),
        ("/api/v1/admin/users?q=%00", "q"),
        ("/api/v1/admin/audit-logs?entity_type=%00", "entity_type"),
    ] {
        let response = app.send(Method::GET, path, &admin, None).await;
        assert_eq!(response.status(), 422, "{path}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["errors"][0]["field"], field, "{path}");
    }
    let response = app.get("/api/v1/courses/a%00b").await;
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["code"], "not_found");
    assert_eq!(app.get("/readyz").await.status(), 200);
}

both_backends!(
    the_client_address_is_counted_from_the_trusted_proxies,
    without_trusted_proxies_forwarded_for_is_ignored,
    an_origin_must_match_scheme_and_port,
    nul_characters_are_refused_everywhere,
);
