//! `medicaledu demo`: a believable platform from the use cases, on an empty
//! database only.

use medicaledu_app::demo::{self, DemoError};
use medicaledu_store::Backend;
use serde_json::Value;

use crate::support::{both_backends, json_of, spawn_app, test_settings};

both_backends!(demo_data_fills_an_empty_platform_and_only_that);

async fn demo_data_fills_an_empty_platform_and_only_that(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let ctx = medicaledu_app::AppContext::new(app.test_db.db.clone(), test_settings())
        .expect("valid settings");
    let report = demo::fill(&ctx, false).await.expect("demo data");
    assert_eq!(report.instructors.len(), 12);
    assert_eq!(report.students.len(), 24);
    assert_eq!(report.courses, 40);
    assert!(report.sessions >= 80, "{} sessions", report.sessions);
    assert!(report.bookings >= 50, "{} bookings", report.bookings);
    assert!(report.ratings >= 30, "{} ratings", report.ratings);
    assert!(!report.promo_codes.is_empty());

    // What a visitor sees: 40 published courses, the rated ones rated, and
    // sessions to book in the coming weeks.
    let catalog: Value = json_of(app.get("/api/v1/courses?limit=100").await).await;
    let items = catalog["items"].as_array().expect("courses");
    assert_eq!(items.len(), 40);
    assert!(
        items
            .iter()
            .any(|c| c["rating_count"].as_i64().unwrap_or(0) > 0)
    );
    let first = items[0]["id"].as_str().expect("id");
    let slots: Value = json_of(app.get(&format!("/api/v1/courses/{first}/slots")).await).await;
    assert!(!slots["items"].as_array().expect("slots").is_empty());

    // The printed accounts sign in with the printed password.
    let token = app.login(demo::ADMIN_EMAIL, demo::DEMO_PASSWORD).await;
    assert!(!token.is_empty());
    let student = app.login(&report.students[0], demo::DEMO_PASSWORD).await;
    let mine: Value = json_of(
        app.send(reqwest::Method::GET, "/api/v1/me/bookings", &student, None)
            .await,
    )
    .await;
    assert!(!mine["items"].as_array().expect("bookings").is_empty());

    // A platform with accounts is left alone unless forced.
    match demo::fill(&ctx, false).await {
        Err(DemoError::NotEmpty(n)) => assert!(n >= 37),
        other => panic!("expected a refusal, got {other:?}"),
    }
}
