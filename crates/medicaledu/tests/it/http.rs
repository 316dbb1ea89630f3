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

/// The served document.
async fn document(app: &crate::support::TestApp) -> Value {
    app.get("/api/openapi.json")
        .await
        .json()
        .await
        .expect("json")
}

/// Every operation of the document: `(method, path, operation)`.
fn operations(doc: &Value) -> Vec<(&str, &str, &Value)> {
    doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("path item")
                .iter()
                .map(move |(method, operation)| (method.as_str(), path.as_str(), operation))
        })
        .collect()
}

async fn openapi_declares_only_template_variables_as_path_parameters(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let doc = document(&app).await;
    let mut query = 0;
    for (method, path, operation) in operations(&doc) {
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            let name = parameter["name"].as_str().expect("name");
            let declared_in = parameter["in"].as_str().expect("in");
            let in_template = path.contains(&format!("{{{name}}}"));
            assert_eq!(
                declared_in == "path",
                in_template,
                "{method} {path}: parameter {name} is in {declared_in}"
            );
            if declared_in == "path" {
                assert_eq!(parameter["required"], true, "{method} {path}: {name}");
            }
            query += usize::from(declared_in == "query");
        }
    }
    assert!(
        query >= 60,
        "the lists' filters are query parameters: {query}"
    );
    let cancel = &doc["paths"]["/api/v1/slots/{id}"]["delete"]["parameters"];
    let scope = cancel
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "scope")
        .expect("scope");
    assert_eq!(scope["in"], "query");
    assert_eq!(
        scope["schema"]["enum"],
        serde_json::json!(["this", "following", "series"])
    );
}

/// Operations anyone may call without credentials.
const PUBLIC: &[&str] = &[
    "healthz",
    "readyz",
    "openapi_json",
    "schema_export",
    "register",
    "login",
    "login_second_factor",
    "list_catalog",
    "course_ratings",
    "instructor_ratings",
    "calendar_feed",
    "stripe_webhook",
    "paypal_webhook",
    "get_cme_activity",
    "verify_certificate",
    "certificate_pdf",
    "credential_keys",
    "credential_status",
];

async fn openapi_declares_the_credentials_of_every_operation(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let doc = document(&app).await;
    let schemes = doc["components"]["securitySchemes"]
        .as_object()
        .expect("schemes");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["session_cookie"]["in"], "cookie");
    assert_eq!(schemes["session_cookie"]["name"], "medicaledu_session");
    for (method, path, operation) in operations(&doc) {
        let id = operation["operationId"].as_str().expect("operation id");
        let security = operation["security"].as_array();
        if PUBLIC.contains(&id) {
            assert!(security.is_none(), "{method} {path} is public");
            continue;
        }
        let security = security.unwrap_or_else(|| panic!("{method} {path} declares security"));
        let names: Vec<&str> = security
            .iter()
            .flat_map(|r| r.as_object().expect("requirement").keys())
            .map(String::as_str)
            .collect();
        assert!(
            names.contains(&"bearer") && names.contains(&"session_cookie"),
            "{method} {path}: {names:?}"
        );
        // Anonymous callers are admitted only where the extractor allows it.
        let optional = security
            .iter()
            .any(|r| r.as_object().is_some_and(|r| r.is_empty()));
        assert_eq!(
            optional,
            ["get_course", "course_slots", "instructor_slots"].contains(&id),
            "{method} {path}"
        );
        assert!(
            operation["responses"].get("401").is_some(),
            "{method} {path} documents 401"
        );
    }
}

async fn openapi_documents_every_status_the_adapter_answers(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let doc = document(&app).await;
    for (method, path, operation) in operations(&doc) {
        let responses = operation["responses"].as_object().expect("responses");
        let documented = |status: &str| {
            responses.get(status).is_some_and(|r| {
                r["content"][PROBLEM_JSON]["schema"]["$ref"] == "#/components/schemas/Problem"
            })
        };
        // A malformed or unknown id names nothing.
        if path.contains('{') {
            assert!(documented("404"), "{method} {path}: 404");
        }
        let body = &operation["requestBody"]["content"];
        if body.get("application/json").is_some() && !path.contains("/webhooks/") {
            for status in ["400", "415", "422"] {
                assert!(documented(status), "{method} {path}: {status}");
            }
        }
        if operation["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"))
        {
            for status in ["400", "422"] {
                assert!(documented(status), "{method} {path}: {status}");
            }
        }
        assert!(documented("500"), "{method} {path}: 500");
    }
    let export = &doc["paths"]["/api/v1/schema"]["get"]["responses"]["200"]["content"];
    assert_eq!(export["application/json"]["schema"]["type"], "object");
    let enroll = &doc["paths"]["/api/v1/courses/{id}/enrollments"]["post"]["requestBody"];
    assert_ne!(enroll["required"], true, "students send no body");
    let links = &doc["paths"]["/api/v1/courses"]["post"]["responses"]["201"]["links"];
    assert_eq!(links["GetCourse"]["operationId"], "get_course");
    assert_eq!(
        links["GetCourse"]["parameters"]["path.id"],
        "$response.body#/id"
    );
}

async fn a_json_array_is_no_request_body(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let student = app.register("student@example.com", "student").await;
    let id = student["id"].as_str().expect("id");
    // serde would read the array as the struct's fields in order.
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/admin/users/{id}")))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(r#"["admin", null]"#)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.expect("problem");
    assert_eq!(body["code"], "validation_failed");
    let after: Value = app
        .send(reqwest::Method::GET, "/api/v1/admin/users", &admin, None)
        .await
        .json()
        .await
        .expect("users");
    let student = after["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|u| u["id"] == id)
        .expect("the student");
    assert_eq!(student["role"], "student");
}

async fn enrolling_takes_a_null_body(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let instructor = app.user("teacher@example.com", "instructor").await;
    let student = app.user("learner@example.com", "student").await;
    let course = app.course(&instructor).title("Airway").create().await;
    let response = app
        .client
        .post(app.url(&format!("/api/v1/courses/{course}/enrollments")))
        .bearer_auth(&student)
        .header("content-type", "application/json")
        .body("null")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 201);
}

async fn an_administrator_cannot_demote_themselves(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.user("admin@example.com", "admin").await;
    let me: Value = app
        .send(reqwest::Method::GET, "/api/v1/me", &admin, None)
        .await
        .json()
        .await
        .expect("me");
    let id = me["id"].as_str().expect("id");
    // Well formed, but refused for who is asking: a conflict, not invalid input.
    let response = app
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/admin/users/{id}"),
            &admin,
            Some(&serde_json::json!({ "role": "admin", "status": "suspended" })),
        )
        .await;
    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.expect("problem");
    assert_eq!(body["code"], "self_demotion");
    let still: Value = app
        .send(reqwest::Method::GET, "/api/v1/me", &admin, None)
        .await
        .json()
        .await
        .expect("me");
    assert_eq!(still["status"], "active");
}

/// The API reference lists operations by their summaries: one short line
/// each, the details in the description.
async fn openapi_gives_every_operation_a_one_line_summary(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let doc = document(&app).await;
    for (method, path, operation) in operations(&doc) {
        let summary = operation["summary"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path} has a summary"));
        assert!(
            !summary.contains('\n') && summary.chars().count() <= 90,
            "{method} {path}: {summary:?}"
        );
    }
}

both_backends!(
    openapi_gives_every_operation_a_one_line_summary,
    docs_page_serves_the_reference_from_this_origin,
    an_administrator_cannot_demote_themselves,
    openapi_declares_only_template_variables_as_path_parameters,
    openapi_declares_the_credentials_of_every_operation,
    openapi_documents_every_status_the_adapter_answers,
    a_json_array_is_no_request_body,
    enrolling_takes_a_null_body,
    openapi_lists_the_problem_codes_of_every_operation,
    healthz_and_readyz_answer,
    readyz_is_503_problem_when_database_is_gone,
    unknown_route_is_a_404_problem_document,
    wrong_method_is_a_405_problem_document,
    request_id_is_propagated,
    openapi_document_covers_every_route,
);
