use std::fmt;

use serde::{Deserialize, Serialize};

use super::FieldIssue;

/// A phone number in E.164 form (`+` and the country code, then the subscriber
/// number, 8 to 16 characters in all), the only form an SMS gateway takes
/// without guessing the country.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Phone(String);

// Digits after the `+`, country code included: no country code starts with 0,
// and ITU-T E.164 caps the whole number at 15 digits.
const MIN_DIGITS: usize = 7;
const MAX_DIGITS: usize = 15;

impl Phone {
    /// Accepts the number as people write it (`+44 (20) 7946-0958`) and keeps
    /// only `+` and digits.
    pub fn parse(input: &str) -> Result<Self, FieldIssue> {
        let compact: String = input
            .chars()
            .filter(|c| !(c.is_whitespace() || matches!(c, '-' | '(' | ')')))
            .collect();
        if compact.is_empty() {
            return Err(FieldIssue::required());
        }
        let shape = "must be in international form: + and the country code, then the number";
        let Some(digits) = compact.strip_prefix('+') else {
            return Err(FieldIssue::invalid(shape));
        };
        if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') {
            return Err(FieldIssue::invalid(shape));
        }
        if digits.len() < MIN_DIGITS {
            return Err(FieldIssue::new(
                "too_short",
                format!("must have at least {MIN_DIGITS} digits"),
            ));
        }
        if digits.len() > MAX_DIGITS {
            return Err(FieldIssue::new(
                "too_long",
                format!("must have at most {MAX_DIGITS} digits"),
            ));
        }
        Ok(Self(compact))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Phone {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.0)
    }
}

impl From<Phone> for String {
    fn from(phone: Phone) -> Self {
        phone.0
    }
}

impl TryFrom<String> for Phone {
    type Error = FieldIssue;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(input: &str) -> &'static str {
        Phone::parse(input).expect_err("should be refused").code
    }

    #[test]
    fn strips_what_people_type() {
        assert_eq!(
            Phone::parse(" +44 (20) 7946-0958 ")
                .expect("valid")
                .as_str(),
            "+442079460958"
        );
        assert_eq!(
            Phone::parse("+1-555-010-9999").expect("valid").as_str(),
            "+15550109999"
        );
    }

    #[test]
    fn length_bounds_include_the_plus() {
        assert_eq!(Phone::parse("+1234567").expect("valid").as_str().len(), 8);
        assert_eq!(
            Phone::parse("+123456789012345")
                .expect("valid")
                .as_str()
                .len(),
            16
        );
        assert_eq!(code("+123456"), "too_short");
        assert_eq!(code("+1234567890123456"), "too_long");
    }

    #[test]
    fn refuses_other_shapes() {
        assert_eq!(code(""), "required");
        assert_eq!(code(" ( ) - "), "required");
        assert_eq!(code("020 7946 0958"), "invalid");
        assert_eq!(code("+0207946095"), "invalid");
        assert_eq!(code("+44.20.7946.0958"), "invalid");
        assert_eq!(code("+44 20 7946 095x"), "invalid");
        assert_eq!(code("++442079460958"), "invalid");
        assert_eq!(code("+٤٤٢٠٧٩٤٦٠٩٥٨"), "invalid");
    }
}
