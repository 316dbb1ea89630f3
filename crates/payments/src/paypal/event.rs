//! The PayPal webhook events MedicalEdu acts on, read from a body that
//! [`Paypal::verify_paypal_webhook`](super::Paypal::verify_paypal_webhook)
//! accepted.

use serde::Deserialize;

use super::{Amount, iso_minor};
use crate::provider::EventParseError;

/// One webhook event. `event_type` is PayPal's as sent; `resource` is what
/// it is about, typed for the events handled.
#[derive(Clone, Debug, PartialEq)]
pub struct PaypalEvent {
    /// `WH-…`: the key for handling each event once.
    pub id: String,
    pub event_type: String,
    /// RFC 3339, as PayPal wrote it.
    pub create_time: String,
    pub resource: PaypalResource,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PaypalResource {
    /// `PAYMENT.CAPTURE.COMPLETED`, `.PENDING`, `.DENIED`, `.DECLINED`: money
    /// taken (or not) for an order.
    Capture {
        capture_id: String,
        status: String,
        /// The order captured: the charge's `provider_payment_id`.
        order_id: Option<String>,
        /// The payment id given at order creation.
        custom_id: Option<String>,
        /// The booking id given at order creation.
        invoice_id: Option<String>,
        amount_minor: i64,
        currency: String,
    },
    /// `PAYMENT.CAPTURE.REFUNDED` and `.REVERSED` (a chargeback): money
    /// returned from a capture.
    Refund {
        refund_id: String,
        status: String,
        capture_id: Option<String>,
        custom_id: Option<String>,
        invoice_id: Option<String>,
        amount_minor: i64,
        currency: String,
        /// All refunded from the capture so far, this refund included
        /// (`seller_payable_breakdown.total_refunded_amount`), in `currency`.
        /// Unlike `amount_minor`, it says how much of the capture the refunds
        /// add up to whether or not this refund was already counted.
        total_refunded_minor: Option<i64>,
    },
    /// `CHECKOUT.ORDER.APPROVED` (the payer approved: capture now) and
    /// `CHECKOUT.ORDER.COMPLETED`.
    Order {
        order_id: String,
        status: String,
        custom_id: Option<String>,
    },
    Other,
}

#[derive(Deserialize)]
struct RawEvent {
    id: String,
    event_type: String,
    #[serde(default)]
    create_time: String,
    #[serde(default)]
    resource: serde_json::Value,
}

#[derive(Deserialize)]
struct RawMoney {
    id: String,
    #[serde(default)]
    status: String,
    amount: Amount,
    custom_id: Option<String>,
    invoice_id: Option<String>,
    supplementary_data: Option<RawSupplementary>,
    seller_payable_breakdown: Option<RawPayableBreakdown>,
    #[serde(default)]
    links: Vec<RawLink>,
}

#[derive(Deserialize)]
struct RawPayableBreakdown {
    total_refunded_amount: Option<Amount>,
}

#[derive(Deserialize)]
struct RawSupplementary {
    related_ids: Option<RawRelated>,
}

#[derive(Deserialize)]
struct RawRelated {
    order_id: Option<String>,
}

#[derive(Deserialize)]
struct RawLink {
    href: String,
    rel: String,
}

#[derive(Deserialize)]
struct RawOrder {
    id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    purchase_units: Vec<RawUnit>,
}

#[derive(Deserialize)]
struct RawUnit {
    custom_id: Option<String>,
}

/// Reads a webhook body. A handled event type whose resource lacks what it
/// should have is an error, not [`PaypalResource::Other`].
pub fn parse_paypal_event(payload: &[u8]) -> Result<PaypalEvent, EventParseError> {
    let raw: RawEvent =
        serde_json::from_slice(payload).map_err(|e| EventParseError(format!("event: {e}")))?;
    let resource = match raw.event_type.as_str() {
        "PAYMENT.CAPTURE.COMPLETED"
        | "PAYMENT.CAPTURE.PENDING"
        | "PAYMENT.CAPTURE.DENIED"
        | "PAYMENT.CAPTURE.DECLINED" => {
            let money = money(raw.resource)?;
            PaypalResource::Capture {
                amount_minor: amount(&money.amount)?,
                order_id: money
                    .supplementary_data
                    .and_then(|s| s.related_ids)
                    .and_then(|r| r.order_id),
                capture_id: money.id,
                status: money.status,
                custom_id: money.custom_id,
                invoice_id: money.invoice_id,
                currency: money.amount.currency_code,
            }
        }
        "PAYMENT.CAPTURE.REFUNDED" | "PAYMENT.CAPTURE.REVERSED" => {
            let money = money(raw.resource)?;
            let total = money
                .seller_payable_breakdown
                .and_then(|b| b.total_refunded_amount);
            let total_refunded_minor = match total {
                Some(total) if total.currency_code != money.amount.currency_code => {
                    return Err(EventParseError(format!(
                        "refund in {:?} but its total in {:?}",
                        money.amount.currency_code, total.currency_code
                    )));
                }
                Some(total) => Some(amount(&total)?),
                None => None,
            };
            PaypalResource::Refund {
                amount_minor: amount(&money.amount)?,
                total_refunded_minor,
                // The refund links "up" to the capture it returns money from.
                capture_id: money
                    .links
                    .iter()
                    .find(|link| link.rel == "up")
                    .and_then(|link| link.href.rsplit('/').next())
                    .filter(|id| !id.is_empty())
                    .map(str::to_owned),
                refund_id: money.id,
                status: money.status,
                custom_id: money.custom_id,
                invoice_id: money.invoice_id,
                currency: money.amount.currency_code,
            }
        }
        "CHECKOUT.ORDER.APPROVED" | "CHECKOUT.ORDER.COMPLETED" => {
            let order: RawOrder = serde_json::from_value(raw.resource)
                .map_err(|e| EventParseError(format!("order: {e}")))?;
            PaypalResource::Order {
                custom_id: order
                    .purchase_units
                    .into_iter()
                    .next()
                    .and_then(|u| u.custom_id),
                order_id: order.id,
                status: order.status,
            }
        }
        _ => PaypalResource::Other,
    };
    Ok(PaypalEvent {
        id: raw.id,
        event_type: raw.event_type,
        create_time: raw.create_time,
        resource,
    })
}

fn money(resource: serde_json::Value) -> Result<RawMoney, EventParseError> {
    serde_json::from_value(resource).map_err(|e| EventParseError(format!("resource: {e}")))
}

fn amount(amount: &Amount) -> Result<i64, EventParseError> {
    iso_minor(amount).ok_or_else(|| {
        EventParseError(format!(
            "{:?} is not an amount of {:?}",
            amount.value, amount.currency_code
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_completed() {
        let payload = br#"{
          "id": "WH-1", "event_version": "1.0", "create_time": "2024-05-01T10:00:00Z",
          "resource_type": "capture", "event_type": "PAYMENT.CAPTURE.COMPLETED",
          "resource": {
            "id": "CAP-1", "status": "COMPLETED",
            "amount": {"currency_code": "HUF", "value": "1500"},
            "custom_id": "p-1", "invoice_id": "b-1", "final_capture": true,
            "supplementary_data": {"related_ids": {"order_id": "ORD-1"}}
          }
        }"#;
        let event = parse_paypal_event(payload).expect("valid event");
        assert_eq!(event.id, "WH-1");
        assert_eq!(event.create_time, "2024-05-01T10:00:00Z");
        assert_eq!(
            event.resource,
            PaypalResource::Capture {
                capture_id: "CAP-1".to_owned(),
                status: "COMPLETED".to_owned(),
                order_id: Some("ORD-1".to_owned()),
                custom_id: Some("p-1".to_owned()),
                invoice_id: Some("b-1".to_owned()),
                amount_minor: 150_000,
                currency: "HUF".to_owned(),
            }
        );
    }

    #[test]
    fn capture_refunded_names_the_capture() {
        let payload = br#"{
          "id": "WH-2", "create_time": "2024-05-02T10:00:00Z",
          "event_type": "PAYMENT.CAPTURE.REFUNDED",
          "resource": {
            "id": "REF-1", "status": "COMPLETED",
            "amount": {"currency_code": "USD", "value": "5.00"},
            "links": [
              {"href": "https://api-m.paypal.com/v2/payments/refunds/REF-1", "rel": "self", "method": "GET"},
              {"href": "https://api-m.paypal.com/v2/payments/captures/CAP-1", "rel": "up", "method": "GET"}
            ]
          }
        }"#;
        let event = parse_paypal_event(payload).expect("valid event");
        let PaypalResource::Refund {
            refund_id,
            capture_id,
            amount_minor,
            total_refunded_minor,
            ..
        } = event.resource
        else {
            panic!("expected a refund");
        };
        assert_eq!(refund_id, "REF-1");
        assert_eq!(capture_id.as_deref(), Some("CAP-1"));
        assert_eq!(amount_minor, 500);
        assert_eq!(total_refunded_minor, None, "older events lack the total");
    }

    #[test]
    fn capture_refunded_reports_the_running_total() {
        let payload = |total: &str| {
            format!(
                r#"{{"id": "WH-8", "event_type": "PAYMENT.CAPTURE.REFUNDED",
                  "resource": {{"id": "REF-2", "status": "COMPLETED",
                    "amount": {{"currency_code": "HUF", "value": "300"}},
                    "seller_payable_breakdown": {{
                      "gross_amount": {{"currency_code": "HUF", "value": "300"}},
                      "net_amount": {{"currency_code": "HUF", "value": "290"}},
                      "total_refunded_amount": {total}
                    }}}}}}"#
            )
        };
        let event =
            parse_paypal_event(payload(r#"{"currency_code": "HUF", "value": "500"}"#).as_bytes())
                .expect("valid event");
        let PaypalResource::Refund {
            amount_minor,
            total_refunded_minor,
            ..
        } = event.resource
        else {
            panic!("expected a refund");
        };
        assert_eq!(amount_minor, 30_000);
        assert_eq!(total_refunded_minor, Some(50_000));
        for total in [
            r#"{"currency_code": "EUR", "value": "500"}"#,
            r#"{"currency_code": "HUF", "value": "five"}"#,
        ] {
            assert!(
                parse_paypal_event(payload(total).as_bytes()).is_err(),
                "{total}"
            );
        }
    }

    #[test]
    fn order_approved_and_others() {
        let payload = br#"{"id": "WH-3", "event_type": "CHECKOUT.ORDER.APPROVED",
          "resource": {"id": "ORD-1", "status": "APPROVED",
            "purchase_units": [{"custom_id": "p-1", "amount": {"currency_code": "USD", "value": "1.00"}}]}}"#;
        assert_eq!(
            parse_paypal_event(payload).expect("valid event").resource,
            PaypalResource::Order {
                order_id: "ORD-1".to_owned(),
                status: "APPROVED".to_owned(),
                custom_id: Some("p-1".to_owned()),
            }
        );
        let payload = br#"{"id": "WH-4", "event_type": "BILLING.PLAN.CREATED", "resource": {}}"#;
        assert_eq!(
            parse_paypal_event(payload).expect("valid event").resource,
            PaypalResource::Other
        );
    }

    #[test]
    fn malformed_events_are_errors() {
        for payload in [
            &b"[]"[..],
            br#"{"id": "WH-5"}"#,
            br#"{"id": "WH-6", "event_type": "PAYMENT.CAPTURE.COMPLETED", "resource": {"id": "C"}}"#,
            br#"{"id": "WH-7", "event_type": "PAYMENT.CAPTURE.COMPLETED",
              "resource": {"id": "C", "amount": {"currency_code": "USD", "value": "1.005"}}}"#,
        ] {
            assert!(parse_paypal_event(payload).is_err());
        }
    }
}
