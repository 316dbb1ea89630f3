//! Promo codes and pricing: which discount a code gives a booking, or exactly
//! why it gives none.

mod promo;
mod vocab;

pub use promo::{DiscountType, PromoCheck, PromoRefusal, PromoTerms, discount_minor};
pub use vocab::{PaymentKind, PaymentProvider, PaymentStatus, PromoScope, RevenueGrouping};
