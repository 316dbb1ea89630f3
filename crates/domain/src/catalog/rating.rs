//! Ratings of courses and instructors: one to five stars and an optional
//! review.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::text::{check_controls, check_len, normalize_newlines};
use crate::FieldIssue;

/// One to five stars.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "i64", try_from = "i64")]
pub struct RatingValue(i64);

impl RatingValue {
    pub const MIN: i64 = 1;
    pub const MAX: i64 = 5;

    pub fn parse(value: i64) -> Result<Self, FieldIssue> {
        if (Self::MIN..=Self::MAX).contains(&value) {
            Ok(Self(value))
        } else {
            Err(FieldIssue::new(
                "out_of_range",
                format!("must be between {} and {}", Self::MIN, Self::MAX),
            ))
        }
    }

    pub const fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Debug for RatingValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RatingValue({})", self.0)
    }
}

impl From<RatingValue> for i64 {
    fn from(value: RatingValue) -> Self {
        value.0
    }
}

impl TryFrom<i64> for RatingValue {
    type Error = FieldIssue;

    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

/// The words that may come with a rating; may span paragraphs.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Review(String);

impl Review {
    pub const MAX_CHARS: usize = 5000;

    /// `Ok(None)` for a blank review: a rating without words.
    pub fn parse(input: &str) -> Result<Option<Self>, FieldIssue> {
        let s = normalize_newlines(input);
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        check_len(s, Self::MAX_CHARS)?;
        check_controls(s, true)?;
        Ok(Some(Self(s.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Review {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Review {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Review {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Review({:?})", self.0)
    }
}

impl From<Review> for String {
    fn from(review: Review) -> Self {
        review.0
    }
}

impl TryFrom<String> for Review {
    type Error = FieldIssue;

    /// Serde has no place for "absent" inside a present value, so a blank
    /// string is refused here; use `Option<Review>` for the field.
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)?.ok_or_else(FieldIssue::required)
    }
}

/// The average of `count` ratings summing to `sum`, in hundredths (4.25 is
/// 425), rounded half up; `None` when there are no ratings.
///
/// Integer arithmetic, so the stored `rating_sum` and `rating_count` always
/// give the same answer on every platform and database.
pub fn average_hundredths(sum: i64, count: i64) -> Option<i64> {
    if count <= 0 {
        return None;
    }
    // round(100·sum / count) = floor((200·sum + count) / (2·count)); i128
    // keeps 200·sum from overflowing.
    let (sum, count) = (i128::from(sum), i128::from(count));
    let average = (200 * sum + count).div_euclid(2 * count);
    i64::try_from(average).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rating_bounds() {
        for stars in 1..=5 {
            assert_eq!(RatingValue::parse(stars).expect("valid").get(), stars);
        }
        for bad in [0, 6, -1, i64::MAX] {
            assert_eq!(
                RatingValue::parse(bad).expect_err("out of range").code,
                "out_of_range"
            );
        }
        assert!(serde_json::from_str::<RatingValue>("6").is_err());
        assert_eq!(
            serde_json::to_string(&RatingValue::parse(4).expect("valid")).expect("ser"),
            "4"
        );
    }

    #[test]
    fn reviews() {
        assert_eq!(Review::parse("  \r\n ").expect("blank"), None);
        assert_eq!(
            Review::parse(" Clear.\r\n\r\nWell paced. ")
                .expect("valid")
                .expect("some")
                .as_str(),
            "Clear.\n\nWell paced."
        );
        assert!(Review::parse(&"é".repeat(5000)).expect("max").is_some());
        assert_eq!(
            Review::parse(&"é".repeat(5001)).expect_err("long").code,
            "too_long"
        );
        assert_eq!(
            Review::parse("ok\u{1b}[31m").expect_err("escape").code,
            "invalid"
        );
        assert!(serde_json::from_str::<Review>(r#"" ""#).is_err());
    }

    #[test]
    fn averages_round_half_up() {
        assert_eq!(average_hundredths(0, 0), None);
        assert_eq!(average_hundredths(5, -1), None);
        assert_eq!(average_hundredths(5, 1), Some(500));
        assert_eq!(average_hundredths(17, 4), Some(425));
        assert_eq!(average_hundredths(10, 3), Some(333));
        assert_eq!(average_hundredths(11, 3), Some(367));
        // 4.445 exactly → 4.45; 4.444… → 4.44.
        assert_eq!(average_hundredths(889, 200), Some(445));
        assert_eq!(average_hundredths(40, 9), Some(444));
        assert_eq!(average_hundredths(1, 1), Some(100));
        assert_eq!(
            average_hundredths(5 * (i64::MAX / 5), i64::MAX / 5),
            Some(500)
        );
    }
}
