//! Continuing-medical-education credit a course awards: the headline number
//! of the catalogue. What a learner can claim is set per credit designation
//! (see [`crate::CreditAmount`]); both read decimals with the same reader.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::FieldIssue;
use crate::cme::decimal::{DecimalError, parse_hundredths, serialize_hundredths, write_hundredths};

/// CME credit hours with at most two decimals (accrediting bodies award
/// quarter and half hours), held exactly as hundredths of an hour.
///
/// Input is read from the number's decimal text, never through `f64`
/// arithmetic, so `1.15` is 115 and not 114.99…; a third decimal is refused
/// rather than rounded, since silently changing an accredited amount is worse
/// than asking again.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct CmeHours(i64);

impl CmeHours {
    /// No single course is accredited for more; a larger number is a typo.
    pub const MAX_HOURS: i64 = 1000;
    const MAX_HUNDREDTHS: i64 = Self::MAX_HOURS * 100;

    /// Decimal text as JSON writes numbers: `2`, `1.5`, `0.25`, also with an
    /// exponent when it leaves at most two decimals (`1e2` is 100 hours,
    /// `125e-2` is 1.25). Zero means no credit.
    pub fn parse(input: &str) -> Result<Self, FieldIssue> {
        let too_large = || {
            FieldIssue::new(
                "out_of_range",
                format!("must be at most {} hours", Self::MAX_HOURS),
            )
        };
        match parse_hundredths(input) {
            Ok(hundredths) => Self::from_hundredths(hundredths).map_err(|_| too_large()),
            Err(DecimalError::NotANumber) => {
                Err(FieldIssue::invalid("must be a number of hours such as 1.5"))
            }
            Err(DecimalError::Negative) => {
                Err(FieldIssue::new("out_of_range", "must not be negative"))
            }
            Err(DecimalError::TooManyDecimals) => {
                Err(FieldIssue::invalid("must have at most two decimal places"))
            }
            Err(DecimalError::TooLarge) => Err(too_large()),
        }
    }

    /// Reads a JSON number from its decimal text.
    ///
    /// Without serde_json's `arbitrary_precision` feature a decimal arrives as
    /// the nearest `f64`, whose text is the shortest one that reads back as that
    /// `f64`: for any input of up to 15 significant digits that is the input
    /// itself (`1.255` stays `1.255` and is refused). Only longer inputs such as
    /// `1.2500000000000000001` collapse to a shorter neighbour (`1.25`) first.
    pub fn parse_json(number: &serde_json::Number) -> Result<Self, FieldIssue> {
        Self::parse(&number.to_string())
    }

    /// For values read back from the store; refuses what `parse` would.
    pub fn from_hundredths(hundredths: i64) -> Result<Self, FieldIssue> {
        if (0..=Self::MAX_HUNDREDTHS).contains(&hundredths) {
            Ok(Self(hundredths))
        } else {
            Err(FieldIssue::new(
                "out_of_range",
                format!("must be between 0 and {} hours", Self::MAX_HOURS),
            ))
        }
    }

    pub const fn hundredths(self) -> i64 {
        self.0
    }
}

/// The shortest exact decimal: `2`, `1.5`, `1.25`.
impl fmt::Display for CmeHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hundredths(self.0, f)
    }
}

impl fmt::Debug for CmeHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CmeHours({self})")
    }
}

/// A JSON number: an integer when whole (`2`, not `2.0`), otherwise the
/// exact two-decimal text (`1.25`); see the test of every value below.
impl Serialize for CmeHours {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_hundredths(self.0, serializer)
    }
}

impl<'de> Deserialize<'de> for CmeHours {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let number = serde_json::Number::deserialize(deserializer)?;
        Self::parse_json(&number).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hundredths(input: &str) -> i64 {
        CmeHours::parse(input).expect(input).hundredths()
    }

    fn refused(input: &str) -> &'static str {
        CmeHours::parse(input).expect_err(input).code
    }

    #[test]
    fn reads_decimals_exactly() {
        assert_eq!(hundredths("0"), 0);
        assert_eq!(hundredths("1"), 100);
        assert_eq!(hundredths("1.5"), 150);
        assert_eq!(hundredths("1.25"), 125);
        assert_eq!(hundredths("1.15"), 115);
        assert_eq!(hundredths("0.01"), 1);
        assert_eq!(hundredths("1.500"), 150);
        assert_eq!(hundredths("007.50"), 750);
        assert_eq!(hundredths("1000"), 100_000);
        assert_eq!(hundredths("1000.00"), 100_000);
        assert_eq!(hundredths("-0"), 0);
        assert_eq!(hundredths("-0.00"), 0);
    }

    #[test]
    fn exponents_are_accepted_when_exact() {
        assert_eq!(hundredths("1e2"), 10_000);
        assert_eq!(hundredths("1E+2"), 10_000);
        assert_eq!(hundredths("125e-2"), 125);
        assert_eq!(hundredths("1.5e1"), 1500);
        assert_eq!(hundredths("100.0"), 10_000);
        assert_eq!(hundredths("1e-2"), 1);
        assert_eq!(hundredths("0e99999999999999999999"), 0);
        assert_eq!(refused("1e-3"), "invalid");
        assert_eq!(refused("1e-99999999999999999999"), "invalid");
        assert_eq!(refused("1e4"), "out_of_range");
        assert_eq!(refused("1e99999999999999999999"), "out_of_range");
    }

    #[test]
    fn refuses_third_decimals_negatives_and_excess() {
        assert_eq!(refused("1.255"), "invalid");
        assert_eq!(refused("0.001"), "invalid");
        assert_eq!(refused("-1.5"), "out_of_range");
        assert_eq!(refused("-0.01"), "out_of_range");
        assert_eq!(refused("1000.01"), "out_of_range");
        assert_eq!(refused("1001"), "out_of_range");
        assert_eq!(refused("99999999999999999999999"), "out_of_range");
        for bad in [
            "", "-", ".5", "1.", "1..2", "+1", "1e", "e2", "1.5x", "one", "1,5",
        ] {
            assert_eq!(refused(bad), "invalid", "{bad:?}");
        }
    }

    #[test]
    fn json_numbers_round_trip() {
        let read = |json: &str| -> Result<i64, String> {
            serde_json::from_str::<CmeHours>(json)
                .map(CmeHours::hundredths)
                .map_err(|e| e.to_string())
        };
        assert_eq!(read("1.5"), Ok(150));
        assert_eq!(read("1.25"), Ok(125));
        assert_eq!(read("2"), Ok(200));
        assert_eq!(read("1e2"), Ok(10_000));
        assert!(read("1.255").is_err());
        assert!(read("-1").is_err());
        assert!(read(r#""1.5""#).is_err());

        let write = |h: i64| {
            serde_json::to_string(&CmeHours::from_hundredths(h).expect("valid")).expect("ser")
        };
        assert_eq!(write(0), "0");
        assert_eq!(write(150), "1.5");
        assert_eq!(write(125), "1.25");
        assert_eq!(write(10), "0.1");
        assert_eq!(write(100_000), "1000");
        for h in 0..=CmeHours::MAX_HUNDREDTHS {
            let hours = CmeHours::from_hundredths(h).expect("valid");
            let json = serde_json::to_string(&hours).expect("ser");
            assert_eq!(json, hours.to_string(), "{h}");
            assert_eq!(
                serde_json::from_str::<CmeHours>(&json).expect("de"),
                hours,
                "{h}"
            );
        }
    }

    #[test]
    fn from_hundredths_checks_the_range() {
        assert_eq!(
            CmeHours::from_hundredths(125).expect("valid").to_string(),
            "1.25"
        );
        assert!(CmeHours::from_hundredths(-1).is_err());
        assert!(CmeHours::from_hundredths(100_001).is_err());
    }
}
