//! The fixed vocabularies of payments. The strings are what the database
//! stores and the API shows.

use crate::text_enum::text_enum;

text_enum!(
    /// Where one payment row stands with its provider.
    PaymentStatus {
        /// Created, waiting for the student or the provider.
        Pending => "pending",
        /// The provider needs the student to do something (3-D Secure, PayPal approval).
        RequiresAction => "requires_action",
        Succeeded => "succeeded",
        Failed => "failed",
        Cancelled => "cancelled",
    }
);

text_enum!(
    /// Who moves the money: stored in `payments.provider` and named by a
    /// client asking to pay.
    PaymentProvider {
        Stripe => "stripe",
        Paypal => "paypal",
        /// A bank transfer or cash, settled by an administrator.
        Manual => "manual",
    }
);

text_enum!(
    /// Money in (a charge) or back out (a refund of a charge).
    PaymentKind {
        Charge => "charge",
        Refund => "refund",
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text_enum::round_trips;

    #[test]
    fn providers_round_trip() {
        round_trips(&PaymentProvider::ALL);
        assert!("Stripe".parse::<PaymentProvider>().is_err());
    }
}
