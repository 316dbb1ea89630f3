//! The Stripe client against a local server playing Stripe.

mod support;

use std::time::Duration;

use medicaledu_payments::{
    ChargeRequest, ChargeStatus, PaymentProvider, ProviderError, ProviderName, Providers,
    RefundRequest, SignatureError, Stripe, StripeConfig, StripeObject, StripeWebhookError,
};
use serde_json::json;
use support::{FakeProvider, Reply, closed_port_base};

const SECRET_KEY: &str = "sk_test_51abcSECRET";

fn stripe(base: &str) -> Stripe {
    Stripe::new(StripeConfig {
        api_base: base.to_owned(),
        ..StripeConfig::new(SECRET_KEY, "whsec_test")
    })
    .expect("valid config")
}

fn charge<'a>(amount_minor: i64, currency: &'a str) -> ChargeRequest<'a> {
    ChargeRequest {
        booking_id: "b-1",
        payment_id: "p-1",
        amount_minor,
        currency,
        idempotency_key: "p-1",
        description: "Advanced suturing, 12 May",
    }
}

fn refund(amount_minor: i64) -> RefundRequest<'static> {
    RefundRequest {
        provider_payment_id: "pi_123",
        amount_minor,
        currency: "EUR",
        idempotency_key: "r-1",
        reason: "cancelled inside the refund window",
    }
}

fn intent(amount: i64, currency: &str, status: &str) -> Reply {
    Reply::json(
        200,
        json!({
            "id": "pi_123", "object": "payment_intent", "amount": amount,
            "currency": currency, "client_secret": "pi_123_secret_abc", "status": status,
        }),
    )
}

#[tokio::test]
async fn create_charge_posts_a_payment_intent() {
    let server = FakeProvider::start(|_| intent(12500, "eur", "requires_payment_method")).await;
    let result = stripe(&server.base)
        .create_charge(charge(12500, "EUR"))
        .await
        .expect("charge created");

    assert_eq!(result.provider_payment_id.as_deref(), Some("pi_123"));
    assert_eq!(result.client_secret.as_deref(), Some("pi_123_secret_abc"));
    assert_eq!(result.approval_url, None);
    assert_eq!(result.status, ChargeStatus::RequiresAction);
    assert_eq!(result.metadata["stripe_status"], "requires_payment_method");

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let sent = &requests[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.path, "/v1/payment_intents");
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {SECRET_KEY}").as_str())
    );
    assert_eq!(sent.header("idempotency-key"), Some("p-1"));
    assert_eq!(
        sent.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let mut form = sent.form();
    form.sort();
    let expected = [
        ("amount", "12500"),
        ("automatic_payment_methods[enabled]", "true"),
        ("currency", "eur"),
        ("description", "Advanced suturing, 12 May"),
        ("metadata[booking_id]", "b-1"),
        ("metadata[payment_id]", "p-1"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()));
    assert_eq!(form, expected);
}

#[tokio::test]
async fn amounts_go_out_in_stripe_units() {
    let server = FakeProvider::start(|r| {
        let amount: i64 = r
            .form_field("amount")
            .and_then(|a| a.parse().ok())
            .expect("an amount");
        let currency = r.form_field("currency").expect("a currency");
        intent(amount, &currency, "requires_payment_method")
    })
    .await;
    let client = stripe(&server.base);
    for (amount, currency, sent) in [
        (5000, "JPY", "5000"),
        (12_340, "BHD", "12340"),
        // ISO: no decimals; Stripe: hundredths.
        (5000, "ISK", "500000"),
    ] {
        client
            .create_charge(charge(amount, currency))
            .await
            .expect("charge created");
        let last = server.requests().pop().expect("a request");
        assert_eq!(
            last.form_field("amount").as_deref(),
            Some(sent),
            "{currency}"
        );
    }

    // Not representable at Stripe: refused before sending anything.
    let before = server.requests().len();
    let err = client
        .create_charge(charge(12_345, "BHD"))
        .await
        .expect_err("last digit must be 0");
    assert!(matches!(err, ProviderError::InvalidRequest(_)));
    assert_eq!(server.requests().len(), before);
}

#[tokio::test]
async fn refund_posts_to_the_refunds_api() {
    let server = FakeProvider::start(|_| {
        Reply::json(
            200,
            json!({"id": "re_9", "object": "refund", "amount": 5000, "status": "succeeded"}),
        )
    })
    .await;
    let result = stripe(&server.base)
        .refund(refund(5000))
        .await
        .expect("refunded");
    assert_eq!(result.provider_refund_id.as_deref(), Some("re_9"));
    assert_eq!(result.status, ChargeStatus::Succeeded);

    let sent = &server.requests()[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.path, "/v1/refunds");
    assert_eq!(sent.header("idempotency-key"), Some("r-1"));
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {SECRET_KEY}").as_str())
    );
    assert_eq!(sent.form_field("payment_intent").as_deref(), Some("pi_123"));
    assert_eq!(sent.form_field("amount").as_deref(), Some("5000"));
    assert_eq!(
        sent.form_field("metadata[reason]").as_deref(),
        Some("cancelled inside the refund window")
    );
}

#[tokio::test]
async fn pending_and_failed_refunds() {
    for (status, expected) in [
        ("pending", ChargeStatus::Pending),
        ("failed", ChargeStatus::Failed),
    ] {
        let server = FakeProvider::start(move |_| {
            Reply::json(200, json!({"id": "re_9", "amount": 5000, "status": status}))
        })
        .await;
        let result = stripe(&server.base)
            .refund(refund(5000))
            .await
            .expect("answered");
        assert_eq!(result.status, expected);
    }
}

#[tokio::test]
async fn a_declined_card_is_rejected_with_stripes_code() {
    let server = FakeProvider::start(|_| {
        Reply::json(
            402,
            json!({"error": {
                "type": "card_error", "code": "card_declined", "decline_code": "generic_decline",
                "message": "Your card was declined."
            }}),
        )
    })
    .await;
    let err = stripe(&server.base)
        .create_charge(charge(12500, "EUR"))
        .await
        .expect_err("declined");
    match err {
        ProviderError::Rejected { code, message } => {
            assert_eq!(code, "card_declined");
            assert_eq!(message, "Your card was declined.");
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
}

#[tokio::test]
async fn server_errors_are_unavailable() {
    let server = FakeProvider::start(|_| {
        Reply::json(
            500,
            json!({"error": {"type": "api_error", "message": "Something went wrong"}}),
        )
    })
    .await;
    let err = stripe(&server.base)
        .refund(refund(5000))
        .await
        .expect_err("500");
    assert!(matches!(err, ProviderError::Unavailable(_)), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_wrong_key_is_unavailable_and_never_echoed() {
    let server = FakeProvider::start(|_| {
        Reply::json(
            401,
            json!({"error": {"type": "invalid_request_error",
                "message": format!("Invalid API Key provided: {SECRET_KEY}")}}),
        )
    })
    .await;
    let err = stripe(&server.base)
        .create_charge(charge(100, "USD"))
        .await
        .expect_err("401");
    assert!(matches!(err, ProviderError::Unavailable(_)));
    assert!(!err.to_string().contains(SECRET_KEY));
    assert!(!format!("{err:?}").contains(SECRET_KEY));
}

#[tokio::test]
async fn timeouts_and_refused_connections_are_unavailable() {
    let server = FakeProvider::start(|_| {
        intent(100, "usd", "requires_payment_method").after(Duration::from_secs(3))
    })
    .await;
    let slow = Stripe::new(StripeConfig {
        api_base: server.base.clone(),
        timeout: Duration::from_millis(200),
        ..StripeConfig::new(SECRET_KEY, "whsec_test")
    })
    .expect("valid config");
    let err = slow
        .create_charge(charge(100, "USD"))
        .await
        .expect_err("timed out");
    assert!(
        matches!(&err, ProviderError::Unavailable(m) if m.contains("timed out")),
        "{err:?}"
    );

    let err = stripe(&closed_port_base().await)
        .create_charge(charge(100, "USD"))
        .await
        .expect_err("nothing listens");
    assert!(matches!(err, ProviderError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn unreadable_or_inconsistent_answers_are_invalid_responses() {
    let server = FakeProvider::start(|_| Reply::raw(200, "<html>hello</html>")).await;
    let err = stripe(&server.base)
        .create_charge(charge(100, "USD"))
        .await
        .expect_err("not JSON");
    assert!(matches!(err, ProviderError::InvalidResponse(_)), "{err:?}");

    // An idempotent replay of some other charge: not this amount.
    let server = FakeProvider::start(|_| intent(999, "usd", "requires_payment_method")).await;
    let err = stripe(&server.base)
        .create_charge(charge(100, "USD"))
        .await
        .expect_err("wrong amount");
    assert!(matches!(err, ProviderError::InvalidResponse(_)), "{err:?}");
}

#[tokio::test]
async fn providers_dispatches_by_name() {
    let server = FakeProvider::start(|_| intent(100, "usd", "requires_payment_method")).await;
    let providers = Providers::new(
        Some(StripeConfig {
            api_base: server.base.clone(),
            ..StripeConfig::new(SECRET_KEY, "whsec_test")
        }),
        None,
    )
    .expect("valid config");
    let result = providers
        .create_charge(ProviderName::Stripe, charge(100, "USD"))
        .await
        .expect("charge created");
    assert_eq!(result.provider_payment_id.as_deref(), Some("pi_123"));
    assert!(matches!(
        providers.paypal(),
        Err(ProviderError::NotConfigured(ProviderName::Paypal))
    ));
}

/// The event and its signature were produced by Python's `hmac` module:
/// `hmac.new(b"whsec_test", b"1700000000." + PAYLOAD, hashlib.sha256).hexdigest()`.
const EVENT: &[u8] = br#"{"id":"evt_1","type":"payment_intent.succeeded","created":1700000000,"data":{"object":{"id":"pi_1","amount":12500,"currency":"eur","metadata":{"booking_id":"b-1","payment_id":"p-1"}}}}"#;
const EVENT_SIGNATURE: &str = "4aae6df5b124169b55064a44e49da4dd78be031fc27c4f83e7c9f6f7b57aae3c";

#[test]
fn verify_webhook_checks_the_signature_then_reads_the_event() {
    let client = stripe("http://127.0.0.1:9");
    let header = format!("t=1700000000,v1={EVENT_SIGNATURE}");
    let event = client
        .verify_webhook(EVENT, &header, 1_700_000_100)
        .expect("genuine");
    assert_eq!(event.id, "evt_1");
    let StripeObject::PaymentIntentSucceeded(intent) = event.object else {
        panic!("expected a payment intent");
    };
    assert_eq!(intent.id, "pi_1");
    assert_eq!(intent.payment_id.as_deref(), Some("p-1"));

    let replayed_late = client.verify_webhook(EVENT, &header, 1_700_000_301);
    assert!(matches!(
        replayed_late,
        Err(StripeWebhookError::Signature(SignatureError::Stale))
    ));
    let mut tampered = EVENT.to_vec();
    let at = tampered
        .windows(5)
        .position(|w| w == b"12500")
        .expect("the amount is in the payload");
    tampered[at] = b'9';
    assert!(matches!(
        client.verify_webhook(&tampered, &header, 1_700_000_000),
        Err(StripeWebhookError::Signature(SignatureError::Mismatch))
    ));
    assert!(matches!(
        client.verify_webhook(EVENT, "", 1_700_000_000),
        Err(StripeWebhookError::Signature(SignatureError::Missing))
    ));
}

#[test]
fn independently_signed_with_the_hmac_crate() {
    // A second, independent producer: the `hmac` crate driven directly,
    // signing a payload unlike the fixed vectors.
    use hmac::{Hmac, Mac};
    let payload = br#"{"id":"evt_2","type":"customer.created","created":1,"data":{"object":{}}}"#;
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"whsec_rotating").expect("any key");
    mac.update(b"1712000000.");
    mac.update(payload);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let header = format!("t=1712000000,v1={},v1={hex}", "0".repeat(64));
    assert_eq!(
        medicaledu_payments::verify_stripe_signature(
            payload,
            &header,
            "whsec_rotating",
            1_712_000_000,
            300
        ),
        Ok(())
    );
}
