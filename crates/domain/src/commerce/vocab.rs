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
    /// Money in (a charge) or back out (a refund of a charge).
    PaymentKind {
        Charge => "charge",
        Refund => "refund",
    }
);
