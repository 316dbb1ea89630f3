//! The fixed vocabularies of payments and promo codes. The strings are what
//! the database stores and the API shows.

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

text_enum!(
    /// Whom a promo code reaches: every booking on the platform, the courses
    /// of one instructor, or one course. It follows from the code's course
    /// and instructor (`PromoTerms::scope`) and is not stored.
    PromoScope {
        Platform => "platform",
        Instructor => "instructor",
        Course => "course",
    }
);

text_enum!(
    /// How the revenue report groups its lines: by the day or month a
    /// payment was processed (UTC), or by course or instructor.
    RevenueGrouping {
        Day => "day",
        Month => "month",
        Course => "course",
        Instructor => "instructor",
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

    #[test]
    fn promo_scopes_round_trip() {
        round_trips(&PromoScope::ALL);
    }

    #[test]
    fn revenue_groupings_round_trip() {
        round_trips(&RevenueGrouping::ALL);
    }
}
