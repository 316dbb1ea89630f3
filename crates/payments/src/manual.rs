//! Cash and bank transfer: nothing to call. Staff record what happened.

use crate::provider::{
    ChargeRequest, ChargeStatus, PaymentProvider, ProviderCharge, ProviderError, ProviderName,
    ProviderRefund, RefundRequest, check_amount,
};

/// The provider for money that moves outside any system this code can reach.
///
/// A charge stays pending until an admin marks it succeeded or failed; a
/// refund is recorded once staff have paid the money back, so it is
/// succeeded from the start.
#[derive(Clone, Copy, Debug, Default)]
pub struct Manual;

impl PaymentProvider for Manual {
    fn name(&self) -> ProviderName {
        ProviderName::Manual
    }

    async fn create_charge(&self, req: ChargeRequest<'_>) -> Result<ProviderCharge, ProviderError> {
        check_amount(req.amount_minor, req.currency, req.idempotency_key)?;
        Ok(ProviderCharge {
            provider_payment_id: None,
            client_secret: None,
            approval_url: None,
            status: ChargeStatus::Pending,
            metadata: serde_json::json!({}),
        })
    }

    async fn refund(&self, req: RefundRequest<'_>) -> Result<ProviderRefund, ProviderError> {
        check_amount(req.amount_minor, req.currency, req.idempotency_key)?;
        Ok(ProviderRefund {
            provider_refund_id: None,
            status: ChargeStatus::Succeeded,
            metadata: serde_json::json!({}),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn charges_wait_for_an_admin_and_refunds_are_immediate() {
        let charge = Manual
            .create_charge(ChargeRequest {
                booking_id: "b1",
                payment_id: "p1",
                amount_minor: 5000,
                currency: "EUR",
                idempotency_key: "p1",
                description: "Suturing workshop",
            })
            .await
            .expect("valid charge");
        assert_eq!(charge.status, ChargeStatus::Pending);
        assert_eq!(charge.provider_payment_id, None);
        assert_eq!(charge.client_secret, None);

        let refund = Manual
            .refund(RefundRequest {
                provider_payment_id: "",
                amount_minor: 2500,
                currency: "EUR",
                idempotency_key: "r1",
                reason: "cancelled in time",
            })
            .await
            .expect("valid refund");
        assert_eq!(refund.status, ChargeStatus::Succeeded);
        assert_eq!(refund.provider_refund_id, None);
    }

    #[tokio::test]
    async fn manual_still_checks_amounts() {
        let err = Manual
            .create_charge(ChargeRequest {
                booking_id: "b1",
                payment_id: "p1",
                amount_minor: 0,
                currency: "EUR",
                idempotency_key: "p1",
                description: "",
            })
            .await
            .expect_err("zero");
        assert_eq!(err.code(), "invalid_payment_request");
    }
}
