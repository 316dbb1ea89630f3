//! Earnings and revenue pages: an instructor's `/teach/earnings` and its CSV
//! (gross, refunded and net per month of their zone, course and currency,
//! never summed across currencies), which nobody else sees; and the
//! administrators' `/admin/revenue` and its CSV, which agree with the JSON
//! API's revenue report line for line.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, Months, NaiveDate, Utc};
use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::pages::{Jar, page};
use crate::support::{TestApp, both_backends, json_of, spawn_app};

both_backends!(
    an_instructor_sees_what_each_course_earned_per_month_and_currency,
    the_revenue_report_page_and_csv_agree_with_the_api,
);

/// The platform the tests read: the instructor "Dr. Ada Earner" (Asia/Tokyo)
/// sold "Airway Management" for EUR 49.00, refunded EUR 15.00 of it, and
/// "Sepsis Recognition" for USD 30.00; "Dr. Bo Other" sold "Wound Care" for
/// USD 20.00.
struct Shop {
    admin: String,
    earner: String,
    other: String,
    student: String,
    airway: String,
    sepsis: String,
    wound: String,
}

/// An account of `role` named `name` in `zone`: its session token.
async fn person(app: &TestApp, email: &str, role: &str, name: &str, zone: &str) -> String {
    let token = app.user(email, role).await;
    let patched = app
        .send(
            Method::PATCH,
            "/api/v1/me",
            &token,
            Some(&json!({ "full_name": name, "timezone": zone })),
        )
        .await;
    assert_eq!(patched.status(), 200, "profile of {email}");
    token
}

/// `student` books a session of `course` `days` ahead (an instructor's
/// sessions must not clash) and pays by hand; an administrator marks it paid.
/// The charge's id.
async fn pay(
    app: &TestApp,
    shop_admin: &str,
    teacher: &str,
    course: &str,
    student: &str,
    days: i64,
) -> String {
    let slot = app
        .slot(teacher, course)
        .in_days(days)
        .capacity(5)
        .create()
        .await;
    let booked = app.book(student, &slot).await;
    assert_eq!(booked.status(), 201, "booked");
    let booking = json_of(booked).await["id"]
        .as_str()
        .expect("booking id")
        .to_owned();
    let charge = json_of(
        app.send(
            Method::POST,
            &format!("/api/v1/bookings/{booking}/payments"),
            student,
            Some(&json!({"provider": "manual"})),
        )
        .await,
    )
    .await["id"]
        .as_str()
        .expect("payment id")
        .to_owned();
    let marked = app
        .send(
            Method::POST,
            &format!("/api/v1/admin/payments/{charge}/mark"),
            shop_admin,
            Some(&json!({"status": "succeeded"})),
        )
        .await;
    assert_eq!(marked.status(), 200, "marked paid");
    charge
}

/// A published course of `teacher` at `price` minor units of `currency`.
async fn priced(app: &TestApp, teacher: &str, title: &str, price: i64, currency: &str) -> String {
    app.course(teacher)
        .title(title)
        .price(price)
        .currency(currency)
        .create()
        .await
}

async fn shop(app: &TestApp) -> Shop {
    let admin = app.user("till@example.org", "admin").await;
    let earner = person(
        app,
        "earner@example.org",
        "instructor",
        "Dr. Ada Earner",
        "Asia/Tokyo",
    )
    .await;
    let other = person(
        app,
        "other@example.org",
        "instructor",
        "Dr. Bo Other",
        "UTC",
    )
    .await;
    let student = app.user("buyer@example.org", "student").await;
    let airway = priced(app, &earner, "Airway Management", 4900, "EUR").await;
    let sepsis = priced(app, &earner, "Sepsis Recognition", 3000, "USD").await;
    let wound = priced(app, &other, "Wound Care", 2000, "USD").await;
    let charge = pay(app, &admin, &earner, &airway, &student, 10).await;
    pay(app, &admin, &earner, &sepsis, &student, 11).await;
    pay(app, &admin, &other, &wound, &student, 12).await;
    let refunded = app
        .send(
            Method::POST,
            &format!("/api/v1/payments/{charge}/refunds"),
            &admin,
            Some(&json!({"amount_minor": 1500, "reason": "The second half was cancelled"})),
        )
        .await;
    assert_eq!(refunded.status(), 201, "partial refund");
    Shop {
        admin,
        earner,
        other,
        student,
        airway,
        sepsis,
        wound,
    }
}

/// GETs `path` with the jar's cookies: status and body.
async fn download(app: &TestApp, jar: &Jar, path: &str) -> (u16, String, String) {
    let response = app
        .client
        .get(app.url(path))
        .header(reqwest::header::COOKIE, jar.header())
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, kind, response.text().await.expect("body"))
}

/// A CSV download read back as RFC 4180: its header and records.
fn parse_csv(body: &str) -> (Vec<String>, Vec<Vec<String>>) {
    assert!(
        body.is_empty() || body.ends_with("\r\n"),
        "CRLF line ends: {body:?}"
    );
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(body.as_bytes());
    let header = reader
        .headers()
        .expect("a header row")
        .iter()
        .map(str::to_owned)
        .collect();
    let records = reader
        .records()
        .map(|r| {
            r.expect("a valid record")
                .iter()
                .map(str::to_owned)
                .collect()
        })
        .collect();
    (header, records)
}

/// A table row as the pages write it: the row's heading, then gross,
/// refunded and net.
fn row(label: &str, gross: &str, refunded: &str, net: &str) -> String {
    format!(
        r#"<tr><th scope="row">{label}</th><td>{gross}</td><td>{refunded}</td><td>{net}</td></tr>"#
    )
}

/// The first link of the page starting with `prefix`, as a browser reads it.
fn link(html: &str, prefix: &str) -> String {
    let start = html.find(&format!("href=\"{prefix}")).expect(prefix) + 6;
    html[start..]
        .split('"')
        .next()
        .expect("link")
        .replace("&#38;", "&")
}

async fn an_instructor_sees_what_each_course_earned_per_month_and_currency(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let shop = shop(&app).await;
    // Tokyo has no daylight saving time: nine hours ahead all year.
    let tokyo_now = Utc::now() + Duration::hours(9);
    let month = tokyo_now.format("%Y-%m").to_string();
    let month_name = tokyo_now.format("%B %Y").to_string();

    let mut jar = Jar::signed_in(&shop.earner);
    let (status, teach) = page(&app, &mut jar, "/teach").await;
    assert_eq!(status, 200);
    assert!(
        teach.contains(r#"<a href="/teach/earnings">Earnings</a>"#),
        "the instructor's pages link to it"
    );
    let (status, html) = page(&app, &mut jar, "/teach/earnings").await;
    assert_eq!(status, 200);
    // The last twelve months of Tokyo, by default, in the form.
    assert!(
        html.contains(&format!(r#"name="to" type="month" value="{month}""#)),
        "{html}"
    );
    assert!(html.contains("in months of Asia/Tokyo"));
    // Per currency: its month and its courses, gross, refunded and net.
    assert!(html.contains(&row(&month_name, "EUR 49.00", "EUR 15.00", "EUR 34.00")));
    assert!(html.contains(&row(&month_name, "USD 30.00", "USD 0.00", "USD 30.00")));
    assert!(html.contains(&row(
        "Airway Management",
        "EUR 49.00",
        "EUR 15.00",
        "EUR 34.00"
    )));
    assert!(html.contains(&row(
        "Sepsis Recognition",
        "USD 30.00",
        "USD 0.00",
        "USD 30.00"
    )));
    assert_eq!(
        html.matches(&row_tail("EUR 0.00", "EUR 0.00", "EUR 0.00"))
            .count(),
        11,
        "the other eleven months earned nothing in EUR"
    );
    assert!(!html.contains("64.00"), "EUR and USD are never added up");
    assert!(!html.contains("Wound Care"), "nobody else's course");
    // A chart per currency, an image named by its title.
    assert!(html.contains(r#"<title id="chart-EUR-title">Net earnings per month in EUR</title>"#));
    assert!(html.contains(r#"aria-labelledby="chart-USD-title""#));
    assert_eq!(html.matches(r#"role="img""#).count(), 2);

    // The CSV of the same period: a line per month, course and currency.
    let csv_path = link(&html, "/teach/earnings.csv?");
    let year_back = NaiveDate::from_ymd_opt(tokyo_now.year(), tokyo_now.month(), 1)
        .and_then(|first| first.checked_sub_months(Months::new(11)))
        .expect("a year back");
    assert_eq!(
        csv_path,
        format!(
            "/teach/earnings.csv?from={}&to={month}",
            year_back.format("%Y-%m")
        )
    );
    let (status, kind, body) = download(&app, &jar, &csv_path).await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/csv"), "{kind}");
    let (header, records) = parse_csv(&body);
    assert_eq!(
        header,
        [
            "month",
            "course_id",
            "course",
            "currency",
            "gross",
            "refunded",
            "net"
        ]
    );
    assert_eq!(
        records,
        [
            [
                month.as_str(),
                shop.airway.as_str(),
                "Airway Management",
                "EUR",
                "49.00",
                "15.00",
                "34.00"
            ],
            [
                month.as_str(),
                shop.sepsis.as_str(),
                "Sepsis Recognition",
                "USD",
                "30.00",
                "0.00",
                "30.00"
            ],
        ]
    );
    let (_, _, same) = download(
        &app,
        &jar,
        &format!("/teach/earnings.csv?from={month}&to={month}"),
    )
    .await;
    assert_eq!(parse_csv(&same).1, records, "one month holds it all");

    // A period before any of it took nothing.
    let (_, before) = page(&app, &mut jar, "/teach/earnings?from=2020-01&to=2020-12").await;
    assert!(before.contains("Nothing was paid for your courses in this period."));
    assert!(!before.contains("role=\"img\""));
    let (_, _, body) = download(&app, &jar, "/teach/earnings.csv?from=2020-01&to=2020-12").await;
    assert_eq!(parse_csv(&body).1.len(), 0, "only the header");

    // Bad periods are named next to their field, and read nothing.
    let (status, bad) = page(&app, &mut jar, "/teach/earnings?from=2027-13&to=").await;
    assert_eq!(status, 200);
    assert!(bad.contains(r#"<p class="error" id="from-error">Enter a month such as 2027-03.</p>"#));
    assert!(bad.contains(r#"value="2027-13""#), "what was typed is kept");
    assert!(!bad.contains("Download CSV"));
    let (_, bad) = page(&app, &mut jar, "/teach/earnings?from=2027-05&to=2027-03").await;
    assert!(bad.contains(
        r#"<p class="error" id="to-error">The last month cannot come before the first.</p>"#
    ));
    let (_, bad) = page(&app, &mut jar, "/teach/earnings?from=2020-01&to=2027-01").await;
    assert!(bad.contains(r#"<p class="error" id="from-error">Choose at most 36 months.</p>"#));
    let (status, _, _) = download(&app, &jar, "/teach/earnings.csv?from=nonsense").await;
    assert_eq!(status, 400);

    // Another instructor sees their own course only.
    let mut other = Jar::signed_in(&shop.other);
    let (status, theirs) = page(&app, &mut other, "/teach/earnings").await;
    assert_eq!(status, 200);
    assert!(theirs.contains(&row("Wound Care", "USD 20.00", "USD 0.00", "USD 20.00")));
    assert!(!theirs.contains("Airway") && !theirs.contains("Sepsis") && !theirs.contains("EUR"));
    let (_, _, body) = download(&app, &other, "/teach/earnings.csv").await;
    let (_, records) = parse_csv(&body);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0][1], shop.wound);

    // A student (and an administrator: these are an instructor's own pages)
    // is refused; a visitor is asked to sign in.
    for token in [&shop.student, &shop.admin] {
        let mut jar = Jar::signed_in(token);
        for path in ["/teach/earnings", "/teach/earnings.csv"] {
            let (status, _) = page(&app, &mut jar, path).await;
            assert_eq!(status, 403, "{path}");
        }
    }
    let answer = app
        .client
        .get(app.url("/teach/earnings.csv"))
        .send()
        .await
        .expect("request");
    assert_eq!(answer.status(), 303);
}

/// The cells after a row's heading.
fn row_tail(gross: &str, refunded: &str, net: &str) -> String {
    format!("</th><td>{gross}</td><td>{refunded}</td><td>{net}</td></tr>")
}

/// Minor units of EUR or USD in major units, as the CSV writes them.
fn major(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", minor.abs() / 100, minor.abs() % 100)
}

async fn the_revenue_report_page_and_csv_agree_with_the_api(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let shop = shop(&app).await;
    let today = Utc::now().date_naive();
    let from = today - Duration::days(40);
    let mut jar = Jar::signed_in(&shop.admin);
    let (status, home) = page(&app, &mut jar, "/admin").await;
    assert_eq!(status, 200);
    assert!(home.contains(r#"<a href="/admin/revenue">Revenue</a>"#));

    for group_by in ["day", "month", "course", "instructor"] {
        let query = format!("from={from}&to={today}&group_by={group_by}");
        let api = json_of(
            app.send(
                Method::GET,
                &format!(
                    "/api/v1/admin/reports/revenue?from={from}T00:00:00Z&to={}T00:00:00Z&group_by={group_by}",
                    today + Duration::days(1)
                ),
                &shop.admin,
                None,
            )
            .await,
        )
        .await;
        let items: &Vec<Value> = api["items"].as_array().expect("items");
        assert_eq!(
            items.len(),
            match group_by {
                "course" => 3,
                "instructor" => 3,
                _ => 2,
            },
            "{group_by}: {api}"
        );
        let expected: BTreeSet<Vec<String>> = items
            .iter()
            .map(|item| {
                let minor = |key: &str| major(item[key].as_i64().expect(key));
                vec![
                    item["group"].as_str().expect("group").to_owned(),
                    item["currency"].as_str().expect("currency").to_owned(),
                    minor("gross_minor"),
                    minor("refunded_minor"),
                    minor("net_minor"),
                ]
            })
            .collect();

        let (status, html) = page(&app, &mut jar, &format!("/admin/revenue?{query}")).await;
        assert_eq!(status, 200, "{group_by}");
        for item in items {
            let money = |key: &str| {
                format!(
                    "{} {}",
                    item["currency"].as_str().expect("currency"),
                    major(item[key].as_i64().expect(key))
                )
            };
            let tail = row_tail(
                &money("gross_minor"),
                &money("refunded_minor"),
                &money("net_minor"),
            );
            assert!(html.contains(&tail), "{group_by}: {tail} in {html}");
        }
        assert!(html.contains(r#"role="img""#));

        let csv_path = link(&html, "/admin/revenue.csv?");
        assert_eq!(csv_path, format!("/admin/revenue.csv?{query}"));
        let (status, kind, body) = download(&app, &jar, &csv_path).await;
        assert_eq!(status, 200);
        assert!(kind.starts_with("text/csv"));
        let (header, records) = parse_csv(&body);
        assert_eq!(
            header,
            ["group", "label", "currency", "gross", "refunded", "net"]
        );
        let got: BTreeSet<Vec<String>> = records
            .iter()
            .map(|r| {
                let mut line = r.clone();
                line.remove(1);
                line
            })
            .collect();
        assert_eq!(got, expected, "{group_by}: the CSV is the API's report");
        assert_eq!(records.len(), items.len());
        let labels: BTreeSet<&str> = records.iter().map(|r| r[1].as_str()).collect();
        match group_by {
            "course" => {
                assert_eq!(
                    labels,
                    BTreeSet::from(["Airway Management", "Sepsis Recognition", "Wound Care"])
                );
                let airway = records
                    .iter()
                    .find(|r| r[0] == shop.airway)
                    .expect("Airway's line");
                assert_eq!(
                    airway[1..],
                    ["Airway Management", "EUR", "49.00", "15.00", "34.00"]
                );
                assert!(html.contains(&row(
                    "Airway Management",
                    "EUR 49.00",
                    "EUR 15.00",
                    "EUR 34.00"
                )));
                assert!(records.iter().any(|r| r[0] == shop.sepsis));
                assert!(records.iter().any(|r| r[0] == shop.wound));
            }
            "instructor" => {
                assert_eq!(labels, BTreeSet::from(["Dr. Ada Earner", "Dr. Bo Other"]));
                let earner = app.me(&shop.earner).await;
                assert!(html.contains(&format!(
                    r#"<a href="/admin/users/{earner}">Dr. Ada Earner</a>"#
                )));
            }
            _ => {}
        }
    }

    // Bad input is named next to its field and reads nothing.
    let (status, bad) = page(
        &app,
        &mut jar,
        "/admin/revenue?from=31.12.2026&to=2027-01-31",
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        bad.contains(r#"<p class="error" id="from-error">Enter a date such as 2027-03-31.</p>"#)
    );
    assert!(!bad.contains("Download CSV"));
    let (_, bad) = page(
        &app,
        &mut jar,
        "/admin/revenue?from=2027-02-01&to=2027-01-31",
    )
    .await;
    assert!(bad.contains(r#"id="to-error""#));
    let (_, bad) = page(&app, &mut jar, "/admin/revenue?group_by=week").await;
    assert!(bad.contains(r#"id="group_by-error""#), "{bad}");
    let (status, _, _) = download(&app, &jar, "/admin/revenue.csv?group_by=week").await;
    assert_eq!(status, 400);

    // Only administrators.
    let mut earner = Jar::signed_in(&shop.earner);
    for path in ["/admin/revenue", "/admin/revenue.csv"] {
        let (status, _) = page(&app, &mut earner, path).await;
        assert_eq!(status, 403, "{path}");
    }
}
