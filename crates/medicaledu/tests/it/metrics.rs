//! `GET /metrics` on its own listener: the Prometheus text format, with the
//! HTTP requests by route template, the use cases' counts, the pool and the
//! outbox. The recorder is one per process, so other tests' requests show in
//! the same series: these assertions compare before and after, or look for
//! series that only this test makes.

use std::collections::HashMap;

use medicaledu_store::Backend;

use crate::support::{TestApp, both_backends, json_of, spawn_app, test_settings};

/// One sample of a scrape: the metric's name, its labels and its value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: HashMap<String, String>,
    value: f64,
}

/// Parses the Prometheus text exposition format (comments, `name value` and
/// `name{label="value",...} value`), failing the test on any line it cannot
/// read.
fn parse(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("a sample has a value: {line:?}"));
        let value = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            other => other
                .parse()
                .unwrap_or_else(|_| panic!("a number: {line:?}")),
        };
        let (name, labels) = match series.split_once('{') {
            None => (series.to_owned(), HashMap::new()),
            Some((name, rest)) => {
                let body = rest
                    .strip_suffix('}')
                    .unwrap_or_else(|| panic!("labels are closed: {line:?}"));
                (name.to_owned(), parse_labels(body, line))
            }
        };
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "a valid metric name: {line:?}"
        );
        samples.push(Sample {
            name,
            labels,
            value,
        });
    }
    samples
}

fn parse_labels(body: &str, line: &str) -> HashMap<String, String> {
    let mut labels = HashMap::new();
    let mut rest = body;
    while !rest.is_empty() {
        let (key, after) = rest
            .split_once("=\"")
            .unwrap_or_else(|| panic!("label=\"value\": {line:?}"));
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, c)) => value.push(c),
                    None => panic!("an escape is complete: {line:?}"),
                },
                Some((i, '"')) => break i,
                Some((_, c)) => value.push(c),
                None => panic!("a label value is closed: {line:?}"),
            }
        };
        labels.insert(key.to_owned(), value);
        rest = after[end + 1..].trim_start_matches(',');
    }
    labels
}

fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .filter(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
        .reduce(|a, b| a + b)
}

/// The app's metrics listener, started as `serve` starts it.
async fn metrics_listener(app: &TestApp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let address = format!("http://{}/metrics", listener.local_addr().expect("addr"));
    let ctx = medicaledu_app::AppContext::new(app.test_db.db.clone(), test_settings())
        .expect("valid settings");
    tokio::spawn(medicaledu::metrics::serve(
        listener,
        ctx,
        std::future::pending(),
    ));
    address
}

async fn scrape(app: &TestApp, url: &str) -> Vec<Sample> {
    let response = app.client.get(url).send().await.expect("scrape");
    assert_eq!(response.status(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "the Prometheus text format: {content_type}"
    );
    parse(&response.text().await.expect("body"))
}

async fn scrape_after_a_booking(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let metrics = metrics_listener(&app).await;
    let before = scrape(&app, &metrics).await;

    let instructor = app.user("metrics-teacher@example.org", "instructor").await;
    let student = app.user("metrics-student@example.org", "student").await;
    let course = app.course(&instructor).title("Metrics").create().await;
    let slot = app.slot(&instructor, &course).create().await;
    let booked = app.book(&student, &slot).await;
    assert_eq!(booked.status(), 201, "{}", json_of(booked).await);
    let unknown = app.get("/api/v1/no-such-thing/12345").await;
    assert_eq!(unknown.status(), 404);

    let after = scrape(&app, &metrics).await;
    let created = |samples: &[Sample]| {
        value(samples, "medicaledu_bookings_created_total", &[]).unwrap_or(0.0)
    };
    assert!(
        created(&after) >= created(&before) + 1.0,
        "the booking is counted"
    );
    let booking_route = [
        ("route", "/api/v1/bookings"),
        ("method", "POST"),
        ("status", "201"),
    ];
    let requests = |samples: &[Sample]| {
        value(samples, "medicaledu_http_requests_total", &booking_route).unwrap_or(0.0)
    };
    assert!(
        requests(&after) >= requests(&before) + 1.0,
        "the request is counted by route template, method and status"
    );
    let slot_route = after
        .iter()
        .find(|s| {
            s.name == "medicaledu_http_requests_total"
                && s.labels.get("method").map(String::as_str) == Some("POST")
                && s.labels.get("route").is_some_and(|r| r.ends_with("/slots"))
        })
        .expect("the slot request is counted");
    assert_eq!(
        slot_route.labels["route"], "/api/v1/courses/{id}/slots",
        "a path with an id is labelled with its template"
    );
    assert!(
        after.iter().all(|s| s
            .labels
            .get("route")
            .is_none_or(|r| !r.contains("no-such-thing") && !r.contains(&course))),
        "no series is made of a raw path"
    );
    assert!(
        value(
            &after,
            "medicaledu_http_requests_total",
            &[("route", "unmatched"), ("status", "404")]
        )
        .is_some(),
        "unknown paths share one series"
    );
    let infinite_bucket = value(
        &after,
        "medicaledu_http_request_duration_seconds_bucket",
        &[
            ("route", "/api/v1/bookings"),
            ("method", "POST"),
            ("le", "+Inf"),
        ],
    )
    .expect("a latency histogram with buckets");
    let count = value(
        &after,
        "medicaledu_http_request_duration_seconds_count",
        &[("route", "/api/v1/bookings"), ("method", "POST")],
    )
    .expect("the histogram's count");
    assert!((infinite_bucket - count).abs() < f64::EPSILON);

    for state in ["idle", "in_use"] {
        assert!(
            value(
                &after,
                "medicaledu_db_pool_connections",
                &[("state", state)]
            )
            .is_some(),
            "pool connections {state}"
        );
    }
    assert!(value(&after, "medicaledu_db_pool_max_connections", &[]).is_some_and(|m| m >= 1.0));
    assert!(value(&after, "medicaledu_db_pool_waiting", &[]).is_some());
    // The booking queued its confirmation by email; no dispatcher runs here,
    // so it waits in the outbox.
    assert!(
        value(
            &after,
            "medicaledu_outbox_notifications",
            &[("status", "queued"), ("channel", "email")]
        )
        .is_some_and(|queued| queued >= 1.0),
        "the outbox depth by status and channel"
    );
    assert_eq!(
        value(
            &after,
            "medicaledu_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        Some(1.0)
    );
}

async fn failed_sign_ins_and_lockouts_are_counted(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let metrics = metrics_listener(&app).await;
    app.user("metrics-locked@example.org", "student").await;
    let before = scrape(&app, &metrics).await;
    let attempts = test_settings().lockout.max_failed_attempts;
    for _ in 0..attempts {
        let refused = app
            .post_json(
                "/api/v1/auth/login",
                &serde_json::json!({"email": "metrics-locked@example.org", "password": "not the password"}),
                None,
            )
            .await;
        assert!(refused.status().is_client_error());
    }
    let after = scrape(&app, &metrics).await;
    let failures = |s: &[Sample]| value(s, "medicaledu_sign_in_failures_total", &[]).unwrap_or(0.0);
    let lockouts = |s: &[Sample]| value(s, "medicaledu_account_lockouts_total", &[]).unwrap_or(0.0);
    assert!(failures(&after) >= failures(&before) + f64::from(attempts));
    assert!(lockouts(&after) >= lockouts(&before) + 1.0);
}

both_backends!(
    scrape_after_a_booking,
    failed_sign_ins_and_lockouts_are_counted
);

#[test]
fn the_parser_reads_what_it_should_and_refuses_the_rest() {
    let samples = parse(
        "# HELP x_total help\n# TYPE x_total counter\nx_total{a=\"1\",b=\"q\\\"uote\"} 3\ny 1.5\nz_bucket{le=\"+Inf\"} 2\n",
    );
    assert_eq!(samples.len(), 3);
    assert_eq!(samples[0].labels["b"], "q\"uote");
    assert_eq!(value(&samples, "y", &[]), Some(1.5));
    assert!(std::panic::catch_unwind(|| parse("x{a=\"1\" 3\n")).is_err());
    assert!(std::panic::catch_unwind(|| parse("x three\n")).is_err());
}
