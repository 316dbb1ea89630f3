//! The PayPal client against a local server playing PayPal.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use medicaledu_payments::{
    ChargeRequest, ChargeStatus, PaymentProvider, Paypal, PaypalConfig, PaypalWebhookHeaders,
    ProviderError, RefundRequest,
};
use serde_json::{Value, json};
use support::{FakeProvider, Recorded, Reply};

/// base64("client-abc:secret-xyz"), computed with Python's base64 module.
const BASIC: &str = "Basic Y2xpZW50LWFiYzpzZWNyZXQteHl6";
const TOKEN_PATH: &str = "/v1/oauth2/token";
const ORDERS_PATH: &str = "/v2/checkout/orders";

fn paypal(base: &str) -> Paypal {
    Paypal::new(PaypalConfig {
        api_base: base.to_owned(),
        ..PaypalConfig::new("client-abc", "secret-xyz", "WH-ID-1")
    })
    .expect("valid config")
}

fn charge<'a>(amount_minor: i64, currency: &'a str, key: &'a str) -> ChargeRequest<'a> {
    ChargeRequest {
        booking_id: "b-1",
        payment_id: "p-1",
        amount_minor,
        currency,
        idempotency_key: key,
        description: "Advanced suturing, 12 May",
    }
}

fn token_reply(token: &str, expires_in: u64) -> Reply {
    Reply::json(
        200,
        json!({
            "scope": "https://uri.paypal.com/services/payments/payment",
            "access_token": token, "token_type": "Bearer",
            "app_id": "APP-80W284485P519543T", "expires_in": expires_in, "nonce": "n",
        }),
    )
}

fn created_order() -> Reply {
    Reply::json(
        200,
        json!({
            "id": "5O190127TN364715T", "status": "CREATED",
            "links": [
                {"href": "https://api-m.paypal.com/v2/checkout/orders/5O190127TN364715T", "rel": "self", "method": "GET"},
                {"href": "https://www.paypal.com/checkoutnow?token=5O190127TN364715T", "rel": "approve", "method": "GET"},
                {"href": "https://api-m.paypal.com/v2/checkout/orders/5O190127TN364715T/capture", "rel": "capture", "method": "POST"}
            ]
        }),
    )
}

fn captured_order(value: &str, currency: &str) -> Reply {
    Reply::json(
        201,
        json!({
            "id": "5O190127TN364715T", "status": "COMPLETED",
            "purchase_units": [{
                "reference_id": "default",
                "payments": {"captures": [{
                    "id": "3C679366HH908993F", "status": "COMPLETED",
                    "amount": {"currency_code": currency, "value": value},
                    "final_capture": true, "custom_id": "p-1", "invoice_id": "b-1"
                }]}
            }]
        }),
    )
}

/// A PayPal that hands out `token` and creates orders.
async fn paypal_server(expires_in: u64) -> FakeProvider {
    FakeProvider::start(move |r| match r.path.as_str() {
        TOKEN_PATH => token_reply("A21AAtoken", expires_in),
        ORDERS_PATH => created_order(),
        other => Reply::json(404, json!({"name": "RESOURCE_NOT_FOUND", "message": other})),
    })
    .await
}

fn assert_token_request(sent: &Recorded) {
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.header("authorization"), Some(BASIC));
    assert_eq!(
        sent.form(),
        [("grant_type".to_owned(), "client_credentials".to_owned())]
    );
}

#[tokio::test]
async fn create_charge_creates_an_order_to_approve() {
    let server = paypal_server(32400).await;
    let result = paypal(&server.base)
        .create_charge(charge(12500, "USD", "p-1"))
        .await
        .expect("order created");

    assert_eq!(
        result.provider_payment_id.as_deref(),
        Some("5O190127TN364715T")
    );
    assert_eq!(
        result.approval_url.as_deref(),
        Some("https://www.paypal.com/checkoutnow?token=5O190127TN364715T")
    );
    assert_eq!(result.client_secret, None);
    assert_eq!(result.status, ChargeStatus::RequiresAction);

    let tokens = server.requests_to(TOKEN_PATH);
    assert_eq!(tokens.len(), 1);
    assert_token_request(&tokens[0]);

    let orders = server.requests_to(ORDERS_PATH);
    assert_eq!(orders.len(), 1);
    let sent = &orders[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.header("authorization"), Some("Bearer A21AAtoken"));
    assert_eq!(sent.header("paypal-request-id"), Some("p-1"));
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(
        sent.json(),
        json!({
            "intent": "CAPTURE",
            "purchase_units": [{
                "custom_id": "p-1",
                "invoice_id": "b-1",
                "description": "Advanced suturing, 12 May",
                "amount": {"currency_code": "USD", "value": "125.00"}
            }]
        })
    );
}

#[tokio::test]
async fn amounts_go_out_as_decimal_strings() {
    let server = paypal_server(32400).await;
    let client = paypal(&server.base);
    for (amount, currency, value) in [
        (5, "USD", "0.05"),
        (5000, "JPY", "5000"),
        // HUF has two ISO decimals, but PayPal takes whole forint only.
        (150_000, "HUF", "1500"),
    ] {
        client
            .create_charge(charge(amount, currency, "k"))
            .await
            .expect("order created");
        let sent = server.requests().pop().expect("a request");
        assert_eq!(
            sent.json()["purchase_units"][0]["amount"],
            json!({"currency_code": currency, "value": value})
        );
    }
    let err = client
        .create_charge(charge(150_050, "HUF", "k"))
        .await
        .expect_err("half a forint");
    assert!(matches!(err, ProviderError::InvalidRequest(_)));
}

#[tokio::test]
async fn one_token_serves_many_calls() {
    let server = paypal_server(32400).await;
    let client = paypal(&server.base);
    client
        .create_charge(charge(100, "USD", "k1"))
        .await
        .expect("first");
    client
        .create_charge(charge(100, "USD", "k2"))
        .await
        .expect("second");
    // Concurrent calls on a clone share the cache too.
    let clone = client.clone();
    let (a, b) = tokio::join!(
        client.create_charge(charge(100, "USD", "k3")),
        clone.create_charge(charge(100, "USD", "k4")),
    );
    a.expect("third");
    b.expect("fourth");
    assert_eq!(server.requests_to(TOKEN_PATH).len(), 1);
    assert_eq!(server.requests_to(ORDERS_PATH).len(), 4);
}

#[tokio::test]
async fn concurrent_first_calls_fetch_one_token() {
    let server = paypal_server(32400).await;
    let client = paypal(&server.base);
    let (a, b) = tokio::join!(
        client.create_charge(charge(100, "USD", "k1")),
        client.create_charge(charge(100, "USD", "k2")),
    );
    a.expect("first");
    b.expect("second");
    assert_eq!(server.requests_to(TOKEN_PATH).len(), 1);
}

#[tokio::test]
async fn an_expired_token_is_renewed() {
    let server = paypal_server(0).await;
    let client = paypal(&server.base);
    client
        .create_charge(charge(100, "USD", "k1"))
        .await
        .expect("first");
    client
        .create_charge(charge(100, "USD", "k2"))
        .await
        .expect("second");
    assert_eq!(server.requests_to(TOKEN_PATH).len(), 2);
}

#[tokio::test]
async fn a_revoked_token_is_replaced_and_the_call_retried_once() {
    let tokens = Arc::new(AtomicUsize::new(0));
    let issued = Arc::clone(&tokens);
    let server = FakeProvider::start(move |r| match r.path.as_str() {
        TOKEN_PATH => {
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            token_reply(&format!("token-{n}"), 32400)
        }
        _ if r.header("authorization") == Some("Bearer token-1") => Reply::json(
            401,
            json!({"error": "invalid_token", "error_description": "Token signature verification failed"}),
        ),
        _ => created_order(),
    })
    .await;
    let result = paypal(&server.base)
        .create_charge(charge(100, "USD", "k1"))
        .await
        .expect("retried with a new token");
    assert_eq!(
        result.provider_payment_id.as_deref(),
        Some("5O190127TN364715T")
    );
    let orders = server.requests_to(ORDERS_PATH);
    assert_eq!(orders.len(), 2);
    // The same request id both times, so PayPal cannot create two orders.
    assert!(
        orders
            .iter()
            .all(|o| o.header("paypal-request-id") == Some("k1"))
    );
    assert_eq!(orders[1].header("authorization"), Some("Bearer token-2"));

    // A token that keeps failing is not retried forever.
    let server = FakeProvider::start(|r| match r.path.as_str() {
        TOKEN_PATH => token_reply("bad", 32400),
        _ => Reply::json(401, json!({"error": "invalid_token"})),
    })
    .await;
    let err = paypal(&server.base)
        .create_charge(charge(100, "USD", "k1"))
        .await
        .expect_err("401 twice");
    assert!(matches!(err, ProviderError::Unavailable(_)));
    assert_eq!(server.requests_to(ORDERS_PATH).len(), 2);
}

#[tokio::test]
async fn refused_credentials_are_unavailable() {
    let server = FakeProvider::start(|_| {
        Reply::json(
            401,
            json!({"error": "invalid_client", "error_description": "Client Authentication failed"}),
        )
    })
    .await;
    let err = paypal(&server.base)
        .create_charge(charge(100, "USD", "k1"))
        .await
        .expect_err("bad credentials");
    assert!(matches!(err, ProviderError::Unavailable(_)), "{err:?}");
    assert!(!err.to_string().contains("secret-xyz"));
    assert!(server.requests_to(ORDERS_PATH).is_empty());
}

#[tokio::test]
async fn capture_returns_the_capture() {
    let capture_path = "/v2/checkout/orders/5O190127TN364715T/capture";
    let server = FakeProvider::start(move |r| match r.path.as_str() {
        TOKEN_PATH => token_reply("A21AAtoken", 32400),
        p if p == capture_path => captured_order("125.00", "USD"),
        _ => Reply::json(404, json!({})),
    })
    .await;
    let result = paypal(&server.base)
        .capture("5O190127TN364715T", "p-1-capture")
        .await
        .expect("captured");
    assert_eq!(result.status, ChargeStatus::Succeeded);
    assert_eq!(
        result.provider_payment_id.as_deref(),
        Some("5O190127TN364715T")
    );
    assert_eq!(result.paypal_capture_id(), Some("3C679366HH908993F"));
    assert_eq!(result.metadata["amount_minor"], 12500);
    assert_eq!(result.metadata["currency"], "USD");

    let sent = &server.requests_to(capture_path)[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.header("paypal-request-id"), Some("p-1-capture"));
    assert_eq!(sent.header("authorization"), Some("Bearer A21AAtoken"));
    assert_eq!(sent.header("prefer"), Some("return=representation"));
}

#[tokio::test]
async fn capturing_twice_reads_the_first_capture() {
    let server = FakeProvider::start(|r| match (r.method.as_str(), r.path.as_str()) {
        (_, TOKEN_PATH) => token_reply("A21AAtoken", 32400),
        ("POST", _) => Reply::json(
            422,
            json!({"name": "UNPROCESSABLE_ENTITY", "details": [{"issue": "ORDER_ALREADY_CAPTURED",
                "description": "Order already captured."}]}),
        ),
        ("GET", "/v2/checkout/orders/ORDER1") => captured_order("1500", "HUF"),
        _ => Reply::json(404, json!({})),
    })
    .await;
    let result = paypal(&server.base)
        .capture("ORDER1", "another-key")
        .await
        .expect("read back");
    assert_eq!(result.status, ChargeStatus::Succeeded);
    assert_eq!(result.metadata["amount_minor"], 150_000);
}

#[tokio::test]
async fn a_declined_capture_is_rejected() {
    let server = FakeProvider::start(|r| match r.path.as_str() {
        TOKEN_PATH => token_reply("A21AAtoken", 32400),
        _ => Reply::json(
            422,
            json!({"name": "UNPROCESSABLE_ENTITY", "message": "The requested action could not be performed.",
                "details": [{"issue": "INSTRUMENT_DECLINED", "description": "The instrument presented was declined."}]}),
        ),
    })
    .await;
    let err = paypal(&server.base)
        .capture("ORDER1", "k")
        .await
        .expect_err("declined");
    assert!(
        matches!(&err, ProviderError::Rejected { code, .. } if code == "INSTRUMENT_DECLINED"),
        "{err:?}"
    );
    let err = paypal(&server.base)
        .capture("../../v1/x", "k")
        .await
        .expect_err("not an order id");
    assert!(matches!(err, ProviderError::InvalidRequest(_)));
}

#[tokio::test]
async fn refund_refunds_the_capture() {
    let server = FakeProvider::start(|r| match r.path.as_str() {
        TOKEN_PATH => token_reply("A21AAtoken", 32400),
        "/v2/payments/captures/3C679366HH908993F/refund" => Reply::json(
            201,
            json!({"id": "1JU08902781691411", "status": "COMPLETED"}),
        ),
        _ => Reply::json(404, json!({})),
    })
    .await;
    let result = paypal(&server.base)
        .refund(RefundRequest {
            provider_payment_id: "3C679366HH908993F",
            amount_minor: 5000,
            currency: "EUR",
            idempotency_key: "r-1",
            reason: "internal note, not for the payer",
        })
        .await
        .expect("refunded");
    assert_eq!(
        result.provider_refund_id.as_deref(),
        Some("1JU08902781691411")
    );
    assert_eq!(result.status, ChargeStatus::Succeeded);

    let sent = &server.requests_to("/v2/payments/captures/3C679366HH908993F/refund")[0];
    assert_eq!(sent.header("paypal-request-id"), Some("r-1"));
    assert_eq!(
        sent.json(),
        json!({"amount": {"currency_code": "EUR", "value": "50.00"}})
    );
}

#[tokio::test]
async fn server_errors_are_unavailable() {
    let server = FakeProvider::start(|r| match r.path.as_str() {
        TOKEN_PATH => token_reply("A21AAtoken", 32400),
        _ => Reply::json(
            500,
            json!({"name": "INTERNAL_SERVER_ERROR", "message": "An internal server error occurred."}),
        ),
    })
    .await;
    let err = paypal(&server.base)
        .create_charge(charge(100, "USD", "k"))
        .await
        .expect_err("500");
    assert!(matches!(err, ProviderError::Unavailable(_)), "{err:?}");
}

fn webhook_headers() -> PaypalWebhookHeaders {
    PaypalWebhookHeaders {
        transmission_id: "69cd13f0-d67a-11e5-baa3-778b53f4ae55".to_owned(),
        transmission_time: "2016-02-18T20:01:35Z".to_owned(),
        cert_url: "https://api-m.paypal.com/v1/notifications/certs/CERT-360caa42".to_owned(),
        auth_algo: "SHA256withRSA".to_owned(),
        transmission_sig: "lmI95Jx3Y9nhR5SJWlHVIWpg4AgFk7n9bCHSRxbrd8A9zrhdu2rMyFrmz+Zjh3s3boXB07VXCXUZy/UFzUlnGJn0wDugt7FlSvdKeIJenLRemUxYCPVoEZzg9VFNqOa48gMkvF+XTpxBeUx/kWy6B5cp7GkT2+pOowfRK7OaynuxUoKW3JcMWw272VKjLTtTAShncla7tGF+55rxyt2KNZIIqxNMJ48RDZheGU5w1npu9dZHnPgTXB9iomeVRoD8O/jhRpnKsGrDschyNdkeh81BJJMH4Ctc6lnCCquoP/GzCzz33MMsNdid7vL/NIWaCsekQpW26FpWPi/tfj8nLA==".to_owned(),
    }
}

/// The body as PayPal sent it, spacing and key order included.
const EVENT: &str = r#"{"id":"WH-82L71649W50323023-5WC64761VS637831A","event_version":"1.0","create_time":"2024-05-01T10:00:00.000Z","resource_type":"capture","event_type":"PAYMENT.CAPTURE.COMPLETED","summary":"Payment completed for $ 125.0 USD","resource":{"amount":{"value":"125.0","currency_code":"USD"},"id":"3C679366HH908993F","status":"COMPLETED"}}"#;

#[tokio::test]
async fn webhooks_are_verified_by_paypal_with_the_raw_body() {
    let verify_path = "/v1/notifications/verify-webhook-signature";
    let verdict = Arc::new(AtomicUsize::new(0));
    let answers = Arc::clone(&verdict);
    let server = FakeProvider::start(move |r| match r.path.as_str() {
        TOKEN_PATH => token_reply("A21AAtoken", 32400),
        p if p == verify_path => {
            let status = if answers.fetch_add(1, Ordering::SeqCst) == 0 {
                "SUCCESS"
            } else {
                "FAILURE"
            };
            Reply::json(200, json!({"verification_status": status}))
        }
        _ => Reply::json(404, json!({})),
    })
    .await;
    let client = paypal(&server.base);
    let headers = webhook_headers();
    assert!(
        client
            .verify_paypal_webhook(&headers, EVENT.as_bytes())
            .await
            .expect("asked")
    );
    assert!(
        !client
            .verify_paypal_webhook(&headers, EVENT.as_bytes())
            .await
            .expect("asked")
    );

    let sent = &server.requests_to(verify_path)[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.header("authorization"), Some("Bearer A21AAtoken"));
    let body: Value = sent.json();
    assert_eq!(body["auth_algo"], "SHA256withRSA");
    assert_eq!(body["cert_url"], headers.cert_url.as_str());
    assert_eq!(body["transmission_id"], headers.transmission_id.as_str());
    assert_eq!(body["transmission_sig"], headers.transmission_sig.as_str());
    assert_eq!(
        body["transmission_time"],
        headers.transmission_time.as_str()
    );
    assert_eq!(body["webhook_id"], "WH-ID-1");
    assert_eq!(
        body["webhook_event"]["id"],
        "WH-82L71649W50323023-5WC64761VS637831A"
    );
    // Byte for byte: "125.0" stays "125.0" and the key order stays PayPal's.
    assert!(
        sent.text()
            .ends_with(&format!(",\"webhook_event\":{EVENT}}}"))
    );

    // Not JSON: not PayPal's, and not worth asking about.
    let asked = server.requests_to(verify_path).len();
    for body in [&b"not json"[..], b"[1,2]", b"\xff\xfe"] {
        assert!(
            !client
                .verify_paypal_webhook(&headers, body)
                .await
                .expect("answered")
        );
    }
    assert_eq!(server.requests_to(verify_path).len(), asked);
}
