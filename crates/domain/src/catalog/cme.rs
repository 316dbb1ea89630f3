//! Continuing-medical-education credit a course awards.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::FieldIssue;

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
        let not_a_number = || FieldIssue::invalid("must be a number of hours such as 1.5");
        let s = input.trim();
        let (negative, s) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (mantissa, exponent) = match s.split_once(['e', 'E']) {
            Some((mantissa, exponent)) => (mantissa, Some(exponent)),
            None => (s, None),
        };
        let (whole, fraction) = match mantissa.split_once('.') {
            Some((whole, fraction)) => (whole, fraction),
            None => (mantissa, ""),
        };
        let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(whole) || !(fraction.is_empty() || all_digits(fraction)) {
            return Err(not_a_number());
        }
        if mantissa.ends_with('.') {
            return Err(not_a_number());
        }
        // Only whether the exponent is small matters: anything beyond a few
        // digits either overflows the cap or leaves too many decimals.
        let exponent: i64 = match exponent {
            None => 0,
            Some(e) => {
                let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
                if !all_digits(digits) {
                    return Err(not_a_number());
                }
                let significant = digits.trim_start_matches('0');
                let magnitude = if significant.len() > 4 {
                    10_000
                } else {
                    significant.parse::<i64>().unwrap_or(0)
                };
                if e.starts_with('-') {
                    -magnitude
                } else {
                    magnitude
                }
            }
        };

        // The number is `digits × 10^(shift − 2)` hours, i.e. `digits × 10^shift`
        // hundredths.
        let digits = format!("{whole}{fraction}");
        let digits = digits.trim_start_matches('0');
        if digits.is_empty() {
            return Ok(Self(0));
        }
        if negative {
            return Err(FieldIssue::new("out_of_range", "must not be negative"));
        }
        let too_large = || {
            FieldIssue::new(
                "out_of_range",
                format!("must be at most {} hours", Self::MAX_HOURS),
            )
        };
        let shift = 2 + exponent - fraction.len() as i64;
        let kept = if shift >= 0 {
            if digits.len() as i64 + shift > 7 {
                return Err(too_large());
            }
            format!("{digits}{}", "0".repeat(shift as usize))
        } else {
            let dropped = shift.unsigned_abs() as usize;
            if dropped >= digits.len()
                || !digits[digits.len() - dropped..].bytes().all(|b| b == b'0')
            {
                return Err(FieldIssue::invalid("must have at most two decimal places"));
            }
            digits[..digits.len() - dropped].to_owned()
        };
        if kept.len() > 7 {
            return Err(too_large());
        }
        let hundredths: i64 = kept.parse().map_err(|_| too_large())?;
        Self::from_hundredths(hundredths).map_err(|_| too_large())
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
        let (whole, fraction) = (self.0 / 100, self.0 % 100);
        match fraction {
            0 => write!(f, "{whole}"),
            f10 if f10 % 10 == 0 => write!(f, "{whole}.{}", f10 / 10),
            _ => write!(f, "{whole}.{fraction:02}"),
        }
    }
}

impl fmt::Debug for CmeHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CmeHours({self})")
    }
}

/// A JSON number: an integer when whole (`2`, not `2.0`), otherwise the `f64`
/// nearest to hundredths / 100. That `f64` prints as exactly the two-decimal
/// text (`1.25`, `0.1`): division of two exact integers is correctly rounded,
/// and a decimal of at most 8 significant digits is the shortest text that
/// reads back as its nearest `f64`. A test checks every value up to the cap.
impl Serialize for CmeHours {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0 % 100 == 0 {
            serializer.serialize_i64(self.0 / 100)
        } else {
            serializer.serialize_f64(self.0 as f64 / 100.0)
        }
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
