use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::{FieldIssue, Id, PromoScope};

/// How a code discounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiscountType {
    /// `value` percent of the list price, 1 to 100.
    Percent,
    /// `value` minor units of the code's currency.
    Fixed,
}

impl DiscountType {
    pub const fn as_str(self) -> &'static str {
        match self {
            DiscountType::Percent => "percent",
            DiscountType::Fixed => "fixed",
        }
    }
}

impl FromStr for DiscountType {
    type Err = FieldIssue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "percent" => Ok(DiscountType::Percent),
            "fixed" => Ok(DiscountType::Fixed),
            _ => Err(FieldIssue::invalid("must be one of: percent, fixed")),
        }
    }
}

/// The discount on `list_minor`, never more than the list price.
///
/// Percent discounts round half up to the minor unit: 15% of 999 cents is
/// 149.85, so 150; 12.5% cannot occur (percent values are whole). Integer
/// arithmetic only, so no amount is ever off by a float's error.
pub fn discount_minor(discount_type: DiscountType, value: i64, list_minor: i64) -> i64 {
    let list = list_minor.max(0);
    let discount = match discount_type {
        DiscountType::Percent => {
            let value = i128::from(value.clamp(0, 100));
            let scaled = i128::from(list) * value;
            i64::try_from((scaled + 50) / 100).unwrap_or(list)
        }
        DiscountType::Fixed => value.max(0),
    };
    discount.min(list)
}

/// A promo code's terms as stored.
#[derive(Clone, Debug)]
pub struct PromoTerms {
    pub discount_type: DiscountType,
    pub value: i64,
    /// Set exactly for fixed discounts.
    pub currency: Option<String>,
    pub min_order_minor: i64,
    pub max_redemptions: Option<i64>,
    pub redemption_count: i64,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub course_id: Option<Id>,
    pub instructor_id: Option<Id>,
    pub is_active: bool,
}

/// What a code is applied to.
#[derive(Clone, Debug)]
pub struct PromoCheck<'a> {
    pub list_minor: i64,
    pub currency: &'a str,
    pub course_id: Id,
    pub instructor_id: Id,
    pub now: DateTime<Utc>,
}

/// Why a code does not apply; `code()` is stable for clients.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PromoRefusal {
    Inactive,
    NotYetValid,
    Expired,
    Exhausted,
    CurrencyMismatch {
        code_currency: String,
        booking_currency: String,
    },
    BelowMinimum {
        min_order_minor: i64,
    },
    OutOfScope,
}

impl PromoRefusal {
    pub const fn code(&self) -> &'static str {
        match self {
            PromoRefusal::Inactive => "promo_inactive",
            PromoRefusal::NotYetValid => "promo_not_yet_valid",
            PromoRefusal::Expired => "promo_expired",
            PromoRefusal::Exhausted => "promo_exhausted",
            PromoRefusal::CurrencyMismatch { .. } => "promo_currency_mismatch",
            PromoRefusal::BelowMinimum { .. } => "promo_below_minimum",
            PromoRefusal::OutOfScope => "promo_out_of_scope",
        }
    }
}

impl fmt::Display for PromoRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PromoRefusal::Inactive => f.write_str("this code is not active"),
            PromoRefusal::NotYetValid => f.write_str("this code is not valid yet"),
            PromoRefusal::Expired => f.write_str("this code has expired"),
            PromoRefusal::Exhausted => f.write_str("this code has been used up"),
            PromoRefusal::CurrencyMismatch {
                code_currency,
                booking_currency,
            } => write!(
                f,
                "this code is for {code_currency} prices; this session is priced in {booking_currency}"
            ),
            PromoRefusal::BelowMinimum { min_order_minor } => {
                write!(
                    f,
                    "this code needs an order of at least {min_order_minor} minor units"
                )
            }
            PromoRefusal::OutOfScope => f.write_str("this code does not apply to this course"),
        }
    }
}

impl PromoTerms {
    /// Whom the code reaches: a course is the narrowest scope, so a code
    /// naming both a course and its instructor is a course's code.
    pub fn scope(&self) -> PromoScope {
        match (self.course_id, self.instructor_id) {
            (Some(_), _) => PromoScope::Course,
            (None, Some(_)) => PromoScope::Instructor,
            (None, None) => PromoScope::Platform,
        }
    }

    /// Whether the code can be used at all at `now`, whatever it is applied
    /// to: active, within its validity, not used up.
    pub fn standing(&self, now: DateTime<Utc>) -> Result<(), PromoRefusal> {
        if !self.is_active {
            return Err(PromoRefusal::Inactive);
        }
        if self.valid_from.is_some_and(|from| now < from) {
            return Err(PromoRefusal::NotYetValid);
        }
        if self.valid_until.is_some_and(|until| now >= until) {
            return Err(PromoRefusal::Expired);
        }
        if self
            .max_redemptions
            .is_some_and(|max| self.redemption_count >= max)
        {
            return Err(PromoRefusal::Exhausted);
        }
        Ok(())
    }

    /// The discount this code gives the booking, or why it gives none. The
    /// redemption limit is checked here for a clear answer and again by the
    /// store's conditional update, which is what holds under concurrency.
    pub fn apply(&self, check: &PromoCheck<'_>) -> Result<i64, PromoRefusal> {
        self.standing(check.now)?;
        if self.course_id.is_some_and(|c| c != check.course_id)
            || self.instructor_id.is_some_and(|i| i != check.instructor_id)
        {
            return Err(PromoRefusal::OutOfScope);
        }
        if let Some(code_currency) = &self.currency
            && code_currency != check.currency
        {
            return Err(PromoRefusal::CurrencyMismatch {
                code_currency: code_currency.clone(),
                booking_currency: check.currency.to_owned(),
            });
        }
        if check.list_minor < self.min_order_minor {
            return Err(PromoRefusal::BelowMinimum {
                min_order_minor: self.min_order_minor,
            });
        }
        Ok(discount_minor(
            self.discount_type,
            self.value,
            check.list_minor,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_discounts_round_half_up_in_any_currency() {
        assert_eq!(
            discount_minor(DiscountType::Percent, 15, 999),
            150,
            "149.85 rounds up"
        );
        assert_eq!(
            discount_minor(DiscountType::Percent, 10, 1005),
            101,
            "100.5 rounds up"
        );
        assert_eq!(
            discount_minor(DiscountType::Percent, 10, 1004),
            100,
            "100.4 rounds down"
        );
        assert_eq!(
            discount_minor(DiscountType::Percent, 33, 1),
            0,
            "0.33 of a yen is nothing"
        );
        assert_eq!(
            discount_minor(DiscountType::Percent, 50, 1),
            1,
            "0.5 rounds up"
        );
        assert_eq!(
            discount_minor(DiscountType::Percent, 15, 12_345),
            1852,
            "BHD 12.345 at 15% is 1.85175, so 1.852"
        );
        assert_eq!(discount_minor(DiscountType::Percent, 100, 5000), 5000);
    }

    #[test]
    fn fixed_discounts_never_exceed_the_price() {
        assert_eq!(discount_minor(DiscountType::Fixed, 2000, 5000), 2000);
        assert_eq!(discount_minor(DiscountType::Fixed, 9000, 5000), 5000);
        assert_eq!(discount_minor(DiscountType::Fixed, 500, 0), 0);
    }

    fn terms() -> PromoTerms {
        PromoTerms {
            discount_type: DiscountType::Percent,
            value: 20,
            currency: None,
            min_order_minor: 0,
            max_redemptions: Some(5),
            redemption_count: 0,
            valid_from: None,
            valid_until: None,
            course_id: None,
            instructor_id: None,
            is_active: true,
        }
    }

    fn check(now: DateTime<Utc>, course: Id, instructor: Id) -> PromoCheck<'static> {
        PromoCheck {
            list_minor: 10_000,
            currency: "USD",
            course_id: course,
            instructor_id: instructor,
            now,
        }
    }

    #[test]
    fn each_refusal_is_named() {
        let now = Utc::now();
        let (course, instructor) = (Id::generate(), Id::generate());
        let ok = check(now, course, instructor);
        assert_eq!(terms().apply(&ok), Ok(2000));
        let cases: Vec<(PromoTerms, &str)> = vec![
            (
                PromoTerms {
                    is_active: false,
                    ..terms()
                },
                "promo_inactive",
            ),
            (
                PromoTerms {
                    valid_from: Some(now + chrono::Duration::hours(1)),
                    ..terms()
                },
                "promo_not_yet_valid",
            ),
            (
                PromoTerms {
                    valid_until: Some(now),
                    ..terms()
                },
                "promo_expired",
            ),
            (
                PromoTerms {
                    redemption_count: 5,
                    ..terms()
                },
                "promo_exhausted",
            ),
            (
                PromoTerms {
                    course_id: Some(Id::generate()),
                    ..terms()
                },
                "promo_out_of_scope",
            ),
            (
                PromoTerms {
                    instructor_id: Some(Id::generate()),
                    ..terms()
                },
                "promo_out_of_scope",
            ),
            (
                PromoTerms {
                    discount_type: DiscountType::Fixed,
                    currency: Some("EUR".into()),
                    ..terms()
                },
                "promo_currency_mismatch",
            ),
            (
                PromoTerms {
                    min_order_minor: 20_000,
                    ..terms()
                },
                "promo_below_minimum",
            ),
        ];
        for (terms, code) in cases {
            assert_eq!(terms.apply(&ok).map_err(|e| e.code()), Err(code));
        }
        let scoped = PromoTerms {
            course_id: Some(course),
            instructor_id: Some(instructor),
            ..terms()
        };
        assert_eq!(scoped.apply(&ok), Ok(2000));
    }

    #[test]
    fn the_narrowest_target_names_the_scope() {
        let (course, instructor) = (Some(Id::generate()), Some(Id::generate()));
        let scope = |course_id, instructor_id| {
            PromoTerms {
                course_id,
                instructor_id,
                ..terms()
            }
            .scope()
        };
        assert_eq!(scope(None, None), PromoScope::Platform);
        assert_eq!(scope(None, instructor), PromoScope::Instructor);
        assert_eq!(scope(course, instructor), PromoScope::Course);
        assert_eq!(scope(course, None), PromoScope::Course);
    }

    #[test]
    fn standing_ignores_what_the_code_is_applied_to() {
        let now = Utc::now();
        assert_eq!(terms().standing(now), Ok(()));
        let out_of_scope = PromoTerms {
            course_id: Some(Id::generate()),
            ..terms()
        };
        assert_eq!(out_of_scope.standing(now), Ok(()));
        let used_up = PromoTerms {
            redemption_count: 5,
            ..terms()
        };
        assert_eq!(used_up.standing(now), Err(PromoRefusal::Exhausted));
    }
}
