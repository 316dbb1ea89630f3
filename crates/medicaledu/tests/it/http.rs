//! The HTTP skeleton: probes, the OpenAPI document, and the one error model.

use medicaledu_api::status_of;
use medicaledu_app::ErrorCode;
use medicaledu_store::Backend;
use serde_json::Value;

use crate::support::{both_backends, spawn_app};

const PROBLEM_JSON: &str = "application/problem+json";

async fn healthz_and_readyz_answer(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200);
    assert_eq!(health.json::<Value>().await.expect("json")["status"], "ok");

    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await.expect("json");
    assert_eq!(body["database"], backend.name());
}

async fn readyz_is_503_problem_when_database_is_gone(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.test_db.db.close().await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 503);
    let body: Value = ready.json().await.expect("problem json");
    assert_eq!(body["code"], "database_unavailable");
    let text = body.to_string().to_lowercase();
    assert!(
        !text.contains("pool") && !text.contains("sqlx"),
        "no internals leak: {text}"
    );
}

async fn unknown_route_is_a_404_problem_document(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let response = app.get("/api/v1/no-such-thing").await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["content-type"], PROBLEM_JSON);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["status"], 404);
    assert_eq!(body["code"], "not_found");
    assert_eq!(body["type"], "/problems/not_found");
    assert_eq!(body["instance"], "/api/v1/no-such-thing");
    assert_eq!(body["request_id"], request_id.as_str());
}

async fn wrong_method_is_a_405_problem_document(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let response = app
        .client
        .post(app.url("/healthz"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["content-type"], PROBLEM_JSON);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["code"], "method_not_allowed");
}

async fn request_id_is_propagated(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let response = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .expect("request");
    assert_eq!(response.headers()["x-request-id"], "trace-me-123");
    let generated = app.get("/healthz").await;
    let id = generated.headers()["x-request-id"].to_str().expect("ascii");
    assert_eq!(
        uuid::Uuid::parse_str(id).expect("a uuid").get_version_num(),
        7
    );
}

async fn openapi_document_covers_every_route(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let response = app.get("/api/openapi.json").await;
    assert_eq!(response.status(), 200);
    let doc: Value = response.json().await.expect("json");
    assert!(doc["openapi"].as_str().expect("version").starts_with("3.1"));
    for path in ["/healthz", "/readyz", "/api/openapi.json"] {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }
    assert!(doc["components"]["schemas"].get("Problem").is_some());
}

/// The codes an operation's document lists (`x-problem-codes`).
fn problem_codes(operation: &Value) -> Vec<&str> {
    operation["x-problem-codes"]
        .as_array()
        .expect("x-problem-codes")
        .iter()
        .map(|code| code.as_str().expect("a code string"))
        .collect()
}

async fn openapi_lists_the_problem_codes_of_every_operation(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let doc: Value = app
        .get("/api/openapi.json")
        .await
        .json()
        .await
        .expect("json");
    let known: std::collections::HashMap<&str, ErrorCode> = ErrorCode::ALL
        .iter()
        .map(|code| (code.as_str(), *code))
        .collect();
    let mut operations = std::collections::HashMap::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let id = operation["operationId"].as_str().expect("operation id");
            let codes = problem_codes(operation);
            let responses = operation["responses"].as_object().expect("responses");
            for code in &codes {
                let known = known
                    .get(code)
                    .unwrap_or_else(|| panic!("{method} {path}: unknown code {code}"));
                let status = status_of(*known).as_u16().to_string();
                // Webhooks answer their providers in statuses of their own.
                if !id.ends_with("_webhook") {
                    assert!(
                        responses.contains_key(&status),
                        "{method} {path}: {code} needs a {status} response"
                    );
                }
                let described = responses.iter().any(|(status, response)| {
                    status.starts_with(['4', '5'])
                        && response["description"]
                            .as_str()
                            .is_some_and(|d| d.contains(&format!("`{code}`")))
                        && response["content"][PROBLEM_JSON]["schema"]["$ref"]
                            == "#/components/schemas/Problem"
                });
                assert!(
                    described,
                    "{method} {path}: a problem response names {code}"
                );
            }
            operations.insert(
                id.to_owned(),
                codes.into_iter().map(str::to_owned).collect::<Vec<_>>(),
            );
        }
    }
    let codes_of = |id: &str| {
        operations
            .get(id)
            .unwrap_or_else(|| panic!("{id} is documented"))
    };
    for code in [
        "slot_full",
        "already_booked",
        "too_late",
        "unauthenticated",
        "csrf_rejected",
        "invalid_idempotency_key",
        "malformed_json",
        "internal_error",
    ] {
        assert!(
            codes_of("create_booking").iter().any(|c| c == code),
            "create_booking: {code}"
        );
    }
    for code in [
        "account_locked",
        "invalid_credentials",
        "account_suspended",
        "rate_limited",
        "validation_failed",
    ] {
        assert!(codes_of("login").iter().any(|c| c == code), "login: {code}");
    }
    // Reading asks for a session but never for a same-site origin.
    assert!(codes_of("get_booking").iter().any(|c| c == "not_found"));
    assert!(!codes_of("get_booking").iter().any(|c| c == "csrf_rejected"));
    assert!(
        !codes_of("list_catalog")
            .iter()
            .any(|c| c == "unauthenticated")
    );
    assert_eq!(codes_of("healthz"), &["internal_error"]);
    assert!(
        codes_of("paypal_webhook")
            .iter()
            .any(|c| c == "invalid_signature")
    );
    let locked = &doc["paths"]["/api/v1/auth/login"]["post"]["responses"]["423"];
    assert!(
        locked["description"].as_str().is_some_and(|d| d
            .starts_with("Locked after failed attempts")
            && d.contains("`account_locked`")),
        "{locked}"
    );
}

/// `/docs` is the API reference: a page whose script comes from this
/// server, under a policy that allows nothing from elsewhere, and a script
/// that asks nothing of another origin.
async fn docs_page_serves_the_reference_from_this_origin(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let page = app.get("/docs").await;
    assert_eq!(page.status(), 200);
    let policy = page
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        policy.starts_with("default-src 'none'; script-src 'self';"),
        "{policy}"
    );
    let html = page.text().await.expect("page");
    assert!(html.contains(r#"spec-url="/api/openapi.json""#));
    let script = html
        .split(r#"<script src=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page loads one script")
        .to_owned();
    assert!(
        script.starts_with("/docs/"),
        "the script is served here: {script}"
    );
    let bundle = app.get(&script).await;
    assert_eq!(bundle.status(), 200);
    assert!(
        bundle
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("immutable")),
        "a versioned bundle is cached for good"
    );
    let code = bundle.text().await.expect("bundle");
    assert!(code.len() > 100_000, "the Redoc bundle itself");
    assert!(
        !code.contains("cdn.redoc.ly"),
        "nothing is loaded from Redocly's CDN"
    );
    assert_eq!(app.get("/docs/other.js").await.status(), 404);
}

both_backends!(
    docs_page_serves_the_reference_from_this_origin,
    openapi_lists_the_problem_codes_of_every_operation,
    healthz_and_readyz_answer,
    readyz_is_503_problem_when_database_is_gone,
    unknown_route_is_a_404_problem_document,
    wrong_method_is_a_405_problem_document,
    request_id_is_propagated,
    openapi_document_covers_every_route,
);
