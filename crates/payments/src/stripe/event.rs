//! The Stripe events MedicalEdu acts on, read from a verified webhook body.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::from_stripe_amount;
use crate::money::minor_digits;
use crate::provider::EventParseError;

/// One webhook event. `kind` is Stripe's `type` as sent; `object` is what the
/// event is about, typed for the three types handled and [`StripeObject::Other`]
/// for the rest (acknowledge those, do nothing).
#[derive(Clone, Debug, PartialEq)]
pub struct StripeEvent {
    /// `evt_…`: the key for handling each event once.
    pub id: String,
    pub kind: String,
    /// Unix seconds. Events can arrive out of order; this orders them.
    pub created: i64,
    /// False for test-mode events, which a live deployment should ignore.
    pub livemode: bool,
    pub object: StripeObject,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StripeObject {
    /// `payment_intent.succeeded`.
    PaymentIntentSucceeded(StripePaymentIntent),
    /// `payment_intent.payment_failed`: this attempt failed. The intent stays
    /// open (`requires_payment_method`), and the customer may try another card.
    PaymentIntentFailed(StripePaymentIntent),
    /// `charge.refunded`, sent for full and partial refunds alike.
    ChargeRefunded(StripeCharge),
    Other,
}

/// A PaymentIntent as a webhook shows it. Amounts are ISO minor units of
/// `currency`, converted back from Stripe's units where those differ.
#[derive(Clone, Debug, PartialEq)]
pub struct StripePaymentIntent {
    /// `pi_…`, the charge's `provider_payment_id`.
    pub id: String,
    pub amount_minor: i64,
    /// What has actually been received (0 until it succeeds).
    pub amount_received_minor: i64,
    /// Uppercase ISO 4217.
    pub currency: String,
    pub status: String,
    /// From the metadata [`Stripe`](super::Stripe) attached at creation.
    pub booking_id: Option<String>,
    pub payment_id: Option<String>,
    /// Why the last attempt failed (`last_payment_error`), for the student.
    pub failure_message: Option<String>,
    pub failure_code: Option<String>,
}

/// A Charge as `charge.refunded` shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct StripeCharge {
    /// `ch_…`.
    pub id: String,
    /// The PaymentIntent it belongs to: how the event finds the payment row.
    pub payment_intent: Option<String>,
    pub amount_minor: i64,
    /// The total refunded so far, not this refund's amount.
    pub amount_refunded_minor: i64,
    pub currency: String,
    /// Fully refunded.
    pub refunded: bool,
    /// `re_…` ids, when the event includes the refunds list (API versions
    /// since 2022-11-15 leave it out unless expanded).
    pub refund_ids: Vec<String>,
    pub booking_id: Option<String>,
    pub payment_id: Option<String>,
}

#[derive(Deserialize)]
struct RawEvent {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    created: i64,
    #[serde(default)]
    livemode: bool,
    data: RawData,
}

#[derive(Deserialize)]
struct RawData {
    object: Value,
}

#[derive(Deserialize)]
struct RawPaymentIntent {
    id: String,
    amount: i64,
    #[serde(default)]
    amount_received: i64,
    currency: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    metadata: Map<String, Value>,
    last_payment_error: Option<RawPaymentError>,
}

#[derive(Deserialize)]
struct RawPaymentError {
    message: Option<String>,
    code: Option<String>,
}

#[derive(Deserialize)]
struct RawCharge {
    id: String,
    payment_intent: Option<String>,
    amount: i64,
    amount_refunded: i64,
    currency: String,
    #[serde(default)]
    refunded: bool,
    refunds: Option<RawList>,
    #[serde(default)]
    metadata: Map<String, Value>,
}

#[derive(Deserialize)]
struct RawList {
    #[serde(default)]
    data: Vec<RawId>,
}

#[derive(Deserialize)]
struct RawId {
    id: String,
}

/// Reads a webhook body. Verify its signature first
/// ([`verify_stripe_signature`](super::verify_stripe_signature)): this only
/// checks shape.
///
/// An event of a handled type whose object lacks what it should have is an
/// error, not `Other`: skipping it silently would leave a payment pending
/// forever.
pub fn parse_stripe_event(payload: &[u8]) -> Result<StripeEvent, EventParseError> {
    let raw: RawEvent =
        serde_json::from_slice(payload).map_err(|e| EventParseError(format!("event: {e}")))?;
    let object = match raw.kind.as_str() {
        "payment_intent.succeeded" => {
            StripeObject::PaymentIntentSucceeded(payment_intent(raw.data.object)?)
        }
        "payment_intent.payment_failed" => {
            StripeObject::PaymentIntentFailed(payment_intent(raw.data.object)?)
        }
        "charge.refunded" => StripeObject::ChargeRefunded(charge(raw.data.object)?),
        _ => StripeObject::Other,
    };
    Ok(StripeEvent {
        id: raw.id,
        kind: raw.kind,
        created: raw.created,
        livemode: raw.livemode,
        object,
    })
}

fn payment_intent(object: Value) -> Result<StripePaymentIntent, EventParseError> {
    let raw: RawPaymentIntent = serde_json::from_value(object)
        .map_err(|e| EventParseError(format!("payment intent: {e}")))?;
    let currency = raw.currency.to_ascii_uppercase();
    let amount = |value| iso_amount(value, &currency);
    let (failure_message, failure_code) = raw
        .last_payment_error
        .map_or((None, None), |e| (e.message, e.code));
    Ok(StripePaymentIntent {
        amount_minor: amount(raw.amount)?,
        amount_received_minor: amount(raw.amount_received)?,
        booking_id: text(&raw.metadata, "booking_id"),
        payment_id: text(&raw.metadata, "payment_id"),
        id: raw.id,
        currency,
        status: raw.status,
        failure_message,
        failure_code,
    })
}

fn charge(object: Value) -> Result<StripeCharge, EventParseError> {
    let raw: RawCharge =
        serde_json::from_value(object).map_err(|e| EventParseError(format!("charge: {e}")))?;
    let currency = raw.currency.to_ascii_uppercase();
    Ok(StripeCharge {
        amount_minor: iso_amount(raw.amount, &currency)?,
        amount_refunded_minor: iso_amount(raw.amount_refunded, &currency)?,
        booking_id: text(&raw.metadata, "booking_id"),
        payment_id: text(&raw.metadata, "payment_id"),
        refund_ids: raw
            .refunds
            .map(|list| list.data.into_iter().map(|r| r.id).collect())
            .unwrap_or_default(),
        id: raw.id,
        payment_intent: raw.payment_intent,
        currency,
        refunded: raw.refunded,
    })
}

fn iso_amount(amount: i64, currency: &str) -> Result<i64, EventParseError> {
    let digits = minor_digits(currency)
        .ok_or_else(|| EventParseError(format!("unknown currency {currency:?}")))?;
    from_stripe_amount(amount, currency, digits).ok_or_else(|| {
        EventParseError(format!(
            "{amount} is not a whole number of {currency} minor units"
        ))
    })
}

fn text(metadata: &Map<String, Value>, key: &str) -> Option<String> {
    metadata.get(key)?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_intent_succeeded() {
        let payload = br#"{
          "id": "evt_1", "object": "event", "type": "payment_intent.succeeded",
          "created": 1700000000, "livemode": false, "api_version": "2024-06-20",
          "data": {"object": {
            "id": "pi_1", "object": "payment_intent", "amount": 12500,
            "amount_received": 12500, "currency": "eur", "status": "succeeded",
            "metadata": {"booking_id": "b-1", "payment_id": "p-1"},
            "last_payment_error": null
          }}
        }"#;
        let event = parse_stripe_event(payload).expect("valid event");
        assert_eq!(event.id, "evt_1");
        assert_eq!(event.kind, "payment_intent.succeeded");
        assert_eq!(event.created, 1_700_000_000);
        assert!(!event.livemode);
        assert_eq!(
            event.object,
            StripeObject::PaymentIntentSucceeded(StripePaymentIntent {
                id: "pi_1".to_owned(),
                amount_minor: 12500,
                amount_received_minor: 12500,
                currency: "EUR".to_owned(),
                status: "succeeded".to_owned(),
                booking_id: Some("b-1".to_owned()),
                payment_id: Some("p-1".to_owned()),
                failure_message: None,
                failure_code: None,
            })
        );
    }

    #[test]
    fn payment_intent_failed_carries_the_reason() {
        let payload = br#"{
          "id": "evt_2", "type": "payment_intent.payment_failed", "created": 1700000001,
          "livemode": true,
          "data": {"object": {
            "id": "pi_2", "amount": 3000, "currency": "jpy",
            "status": "requires_payment_method", "metadata": {"payment_id": "p-2"},
            "last_payment_error": {"type": "card_error", "code": "card_declined",
              "decline_code": "insufficient_funds", "message": "Your card has insufficient funds."}
          }}
        }"#;
        let event = parse_stripe_event(payload).expect("valid event");
        assert!(event.livemode);
        let StripeObject::PaymentIntentFailed(intent) = event.object else {
            panic!("expected a failed payment intent, got {:?}", event.object);
        };
        assert_eq!(intent.amount_minor, 3000);
        assert_eq!(intent.amount_received_minor, 0);
        assert_eq!(intent.currency, "JPY");
        assert_eq!(intent.booking_id, None);
        assert_eq!(intent.payment_id.as_deref(), Some("p-2"));
        assert_eq!(
            intent.failure_message.as_deref(),
            Some("Your card has insufficient funds.")
        );
        assert_eq!(intent.failure_code.as_deref(), Some("card_declined"));
    }

    #[test]
    fn charge_refunded_with_and_without_the_refund_list() {
        let payload = br#"{
          "id": "evt_3", "type": "charge.refunded", "created": 1700000002,
          "data": {"object": {
            "id": "ch_1", "object": "charge", "payment_intent": "pi_1",
            "amount": 12500, "amount_refunded": 5000, "currency": "eur", "refunded": false,
            "metadata": {"booking_id": "b-1", "payment_id": "p-1"},
            "refunds": {"object": "list", "data": [{"id": "re_1", "amount": 5000}],
              "has_more": false}
          }}
        }"#;
        let event = parse_stripe_event(payload).expect("valid event");
        let StripeObject::ChargeRefunded(charge) = event.object else {
            panic!("expected a refunded charge");
        };
        assert_eq!(charge.id, "ch_1");
        assert_eq!(charge.payment_intent.as_deref(), Some("pi_1"));
        assert_eq!(charge.amount_minor, 12500);
        assert_eq!(charge.amount_refunded_minor, 5000);
        assert!(!charge.refunded);
        assert_eq!(charge.refund_ids, ["re_1"]);
        assert_eq!(charge.payment_id.as_deref(), Some("p-1"));

        let payload = br#"{"id": "evt_4", "type": "charge.refunded", "created": 1,
          "data": {"object": {"id": "ch_2", "payment_intent": "pi_2", "amount": 100,
            "amount_refunded": 100, "currency": "usd", "refunded": true}}}"#;
        let StripeObject::ChargeRefunded(charge) =
            parse_stripe_event(payload).expect("valid event").object
        else {
            panic!("expected a refunded charge");
        };
        assert!(charge.refunded);
        assert!(charge.refund_ids.is_empty());
    }

    #[test]
    fn unknown_types_are_other() {
        let payload = br#"{"id": "evt_5", "type": "customer.created", "created": 1,
          "data": {"object": {"id": "cus_1", "email": null}}}"#;
        let event = parse_stripe_event(payload).expect("valid event");
        assert_eq!(event.kind, "customer.created");
        assert_eq!(event.object, StripeObject::Other);
    }

    #[test]
    fn stripe_units_are_converted_back_to_iso_minor_units() {
        // Stripe counts ISK in hundredths although ISO gives it no decimals.
        let payload = br#"{"id": "evt_6", "type": "payment_intent.succeeded", "created": 1,
          "data": {"object": {"id": "pi_6", "amount": 500000, "amount_received": 500000,
            "currency": "isk"}}}"#;
        let StripeObject::PaymentIntentSucceeded(intent) =
            parse_stripe_event(payload).expect("valid event").object
        else {
            panic!("expected a payment intent");
        };
        assert_eq!(intent.amount_minor, 5000);
        assert_eq!(intent.currency, "ISK");
    }

    #[test]
    fn malformed_events_are_errors() {
        for payload in [
            &b"not json"[..],
            br#"{"type": "payment_intent.succeeded"}"#,
            // A handled type without its amount.
            br#"{"id": "evt_7", "type": "payment_intent.succeeded", "created": 1,
              "data": {"object": {"id": "pi_7", "currency": "usd"}}}"#,
            br#"{"id": "evt_8", "type": "charge.refunded", "created": 1,
              "data": {"object": {"id": "ch_8", "amount": 1, "currency": "usd"}}}"#,
            br#"{"id": "evt_9", "type": "payment_intent.succeeded", "created": 1,
              "data": {"object": {"id": "pi_9", "amount": 1, "currency": "zzz"}}}"#,
            // ISK in Stripe units that are not whole krónur.
            br#"{"id": "evt_10", "type": "payment_intent.succeeded", "created": 1,
              "data": {"object": {"id": "pi_10", "amount": 150, "currency": "isk"}}}"#,
        ] {
            assert!(
                parse_stripe_event(payload).is_err(),
                "{}",
                String::from_utf8_lossy(payload)
            );
        }
    }
}
