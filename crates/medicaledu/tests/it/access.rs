//! Access holes and abuse (issue #13, items 7–13): who sees meeting links,
//! the calendar token's lifetime, promo code probing, seat hoarding, client
//! request ids, diagram rendering costs and Stripe's test/live mode.

use medicaledu_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::fake_stripe::{FakeStripe, WEBHOOK_SECRET, signed_webhook, succeeded_event};
use crate::support::{
    PaidBooking, both_backends, json_of, spawn_app, spawn_app_with, test_settings,
};

fn is_uuid_v7(id: &str) -> bool {
    uuid::Uuid::parse_str(id).is_ok_and(|u| u.get_version_num() == 7)
}

async fn audited_request_ids(app: &crate::support::TestApp) -> Vec<String> {
    let sql = "SELECT request_id FROM audit_logs WHERE request_id IS NOT NULL";
    medicaledu_store::on_db!(&app.test_db.db, pool => {
        sqlx::query_scalar::<_, String>(sql).fetch_all(pool).await.expect("audit rows")
    })
}

async fn unacceptable_request_ids_are_replaced(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let long = "x".repeat(65);
    for (sent, kept) in [
        ("kept-id_1.0", true),
        ("tab\there", false),
        (long.as_str(), false),
    ] {
        let email = format!("r{}@example.com", sent.len());
        let response = app
            .client
            .post(app.url("/api/v1/auth/register"))
            .header("x-request-id", sent)
            .json(&json!({"email": email, "password": crate::support::PASSWORD, "full_name": "Dr. Test", "role": "student"}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 201);
        let echoed = response.headers()["x-request-id"]
            .to_str()
            .expect("ascii")
            .to_owned();
        if kept {
            assert_eq!(echoed, sent);
        } else {
            assert!(is_uuid_v7(&echoed), "{sent:?} was replaced, got {echoed}");
        }
        let audited = audited_request_ids(&app).await;
        assert!(audited.contains(&echoed), "the audit log has {echoed}");
    }
    assert!(
        audited_request_ids(&app)
            .await
            .iter()
            .all(|id| id.len() <= 64 && !id.contains('\t')),
        "nothing unacceptable reached the audit log"
    );

    // Pages get the same treatment before routing.
    let page = app
        .client
        .get(app.url("/"))
        .header("x-request-id", "tab\there")
        .send()
        .await
        .expect("page");
    let id = page.headers()["x-request-id"].to_str().expect("ascii");
    assert!(is_uuid_v7(id), "the page's request id is fresh: {id}");
    let page = app
        .client
        .get(app.url("/"))
        .header("x-request-id", "page-trace")
        .send()
        .await
        .expect("page");
    assert_eq!(page.headers()["x-request-id"], "page-trace");
}

async fn booking_status(app: &crate::support::TestApp, student: &str, booking: &str) -> Value {
    json_of(
        app.send(
            Method::GET,
            &format!("/api/v1/bookings/{booking}"),
            student,
            None,
        )
        .await,
    )
    .await["status"]
        .clone()
}

async fn stripe_events_of_the_other_mode_change_nothing(backend: Backend) {
    for (key, live) in [("sk_test_123", false), ("sk_live_123", true)] {
        let fake = FakeStripe::start().await;
        let mut settings = test_settings();
        let mut stripe = medicaledu_payments::StripeConfig::new(key, WEBHOOK_SECRET);
        stripe.api_base = fake.base().to_owned();
        settings.stripe = Some(stripe);
        let Some(app) = spawn_app_with(backend, settings).await else {
            return;
        };
        let PaidBooking {
            student, booking, ..
        } = PaidBooking::builder(&app).price(4999).create().await;
        let created = app
            .send(
                Method::POST,
                &format!("/api/v1/bookings/{booking}/payments"),
                &student,
                Some(&json!({"provider": "stripe"})),
            )
            .await;
        assert_eq!(created.status(), 201);
        let event_in = |id: &str, livemode: bool| {
            let mut event: Value =
                serde_json::from_str(&succeeded_event(id, "pi_1", 4999)).expect("event json");
            event["livemode"] = json!(livemode);
            event.to_string()
        };
        assert_eq!(
            signed_webhook(&app, &event_in("evt_other_mode", !live)).await,
            200,
            "acknowledged, so that Stripe stops sending it"
        );
        assert_eq!(
            booking_status(&app, &student, &booking).await,
            "pending",
            "{key}: an event of the other mode confirms nothing"
        );
        assert_eq!(
            signed_webhook(&app, &event_in("evt_same_mode", live)).await,
            200
        );
        assert_eq!(booking_status(&app, &student, &booking).await, "confirmed");
    }
}

both_backends!(
    unacceptable_request_ids_are_replaced,
    stripe_events_of_the_other_mode_change_nothing,
);
