//! Free-text fields of a profile: the name every account has, and the optional
//! texts an instructor shows to prospective students.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::FieldIssue;

/// A person's name as they write it: any script, any number of parts, no
/// assumptions about first or last names.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct FullName(String);

impl FullName {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(input: &str) -> Result<Self, FieldIssue> {
        let s = input.trim();
        if s.is_empty() {
            return Err(FieldIssue::required());
        }
        check_len(s, Self::MAX_CHARS)?;
        check_controls(s, false)?;
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_len(s: &str, max_chars: usize) -> Result<(), FieldIssue> {
    if s.chars().count() > max_chars {
        Err(FieldIssue::too_long(max_chars))
    } else {
        Ok(())
    }
}

/// Control characters are invisible, can reorder or hide text in a terminal or
/// a log viewer, and are never needed in a name. Longer texts may keep line
/// breaks and tabs.
fn check_controls(s: &str, multiline: bool) -> Result<(), FieldIssue> {
    let allowed = |c: char| multiline && matches!(c, '\n' | '\t');
    if s.chars().any(|c| c.is_control() && !allowed(c)) {
        Err(FieldIssue::invalid(if multiline {
            "must not contain control characters other than line breaks and tabs"
        } else {
            "must not contain control characters or line breaks"
        }))
    } else {
        Ok(())
    }
}

/// Defines an optional profile text: trimmed, blank means "not given" (`None`).
macro_rules! optional_text {
    ($(#[$doc:meta])* $name:ident, max = $max:expr, multiline = $multiline:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(into = "String", try_from = "String")]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            /// `Ok(None)` for a blank value, which clears the field.
            pub fn parse(input: &str) -> Result<Option<Self>, FieldIssue> {
                // Windows (and old Mac) line endings become plain ones, so that the length
                // limit and what is stored do not depend on the client's OS.
                let normalized;
                let input = if $multiline && input.contains('\r') {
                    normalized = input.replace("\r\n", "\n").replace('\r', "\n");
                    normalized.as_str()
                } else {
                    input
                };
                let s = input.trim();
                if s.is_empty() {
                    return Ok(None);
                }
                check_len(s, Self::MAX_CHARS)?;
                check_controls(s, $multiline)?;
                Ok(Some(Self(s.to_owned())))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = FieldIssue;

            /// Serde has no place for "absent" inside a present value, so a
            /// blank string is refused here; use `Option<Self>` for the field.
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)?.ok_or_else(FieldIssue::required)
            }
        }
    };
}

optional_text!(
    /// A one-line summary under an instructor's name ("Consultant cardiologist, 15 years").
    Headline, max = 160, multiline = false
);
optional_text!(
    /// An instructor's longer introduction; may span paragraphs.
    Bio, max = 5000, multiline = true
);
optional_text!(
    /// An instructor's field of practice ("Emergency medicine").
    Specialty, max = 120, multiline = false
);
optional_text!(
    /// Degrees, boards and licences as the instructor lists them; may span lines.
    Credentials, max = 500, multiline = true
);

/// The common impls of every text type in this module.
macro_rules! text_impls {
    ($($name:ident),*) => {$(
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({:?})"), self.0)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }
    )*};
}

text_impls!(FullName, Headline, Bio, Specialty, Credentials);

impl TryFrom<String> for FullName {
    type Error = FieldIssue;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_name_is_trimmed_and_keeps_any_script() {
        assert_eq!(
            FullName::parse("  Dr. José Ngũgĩ wa Thiong'o ")
                .expect("valid")
                .as_str(),
            "Dr. José Ngũgĩ wa Thiong'o"
        );
        assert_eq!(FullName::parse("李").expect("valid").as_str(), "李");
    }

    #[test]
    fn full_name_limits() {
        assert_eq!(FullName::parse(" \t ").expect_err("blank").code, "required");
        assert!(FullName::parse(&"é".repeat(200)).is_ok());
        assert_eq!(
            FullName::parse(&"é".repeat(201)).expect_err("long").code,
            "too_long"
        );
        assert_eq!(
            FullName::parse("Ada\nLovelace").expect_err("newline").code,
            "invalid"
        );
        assert_eq!(
            FullName::parse("Ada\u{1b}[31m").expect_err("escape").code,
            "invalid"
        );
    }

    #[test]
    fn blank_optional_texts_are_none() {
        assert_eq!(Headline::parse("").expect("ok"), None);
        assert_eq!(Bio::parse(" \n\t ").expect("ok"), None);
        assert_eq!(
            Specialty::parse("  Emergency medicine ")
                .expect("ok")
                .expect("some")
                .as_str(),
            "Emergency medicine"
        );
    }

    #[test]
    fn optional_text_length_limits_count_characters() {
        assert!(Headline::parse(&"é".repeat(160)).expect("ok").is_some());
        assert_eq!(
            Headline::parse(&"é".repeat(161)).expect_err("long").code,
            "too_long"
        );
        assert!(Specialty::parse(&"x".repeat(120)).is_ok());
        assert_eq!(
            Specialty::parse(&"x".repeat(121)).expect_err("long").code,
            "too_long"
        );
        assert!(Credentials::parse(&"x".repeat(500)).is_ok());
        assert_eq!(
            Credentials::parse(&"x".repeat(501)).expect_err("long").code,
            "too_long"
        );
        assert!(Bio::parse(&"x".repeat(5000)).is_ok());
        assert_eq!(
            Bio::parse(&"x".repeat(5001)).expect_err("long").code,
            "too_long"
        );
    }

    #[test]
    fn line_breaks_only_in_multiline_texts() {
        let bio = Bio::parse("First paragraph.\r\n\r\n\tSecond.\r\n")
            .expect("ok")
            .expect("some");
        assert_eq!(bio.as_str(), "First paragraph.\n\n\tSecond.");
        assert!(Credentials::parse("MD\nFRCP").expect("ok").is_some());
        assert_eq!(
            Headline::parse("One\nTwo").expect_err("newline").code,
            "invalid"
        );
        assert_eq!(
            Specialty::parse("Cardio\u{0}logy").expect_err("nul").code,
            "invalid"
        );
        assert_eq!(Bio::parse("bell\u{7}").expect_err("bell").code, "invalid");
    }

    #[test]
    fn serde_refuses_blank_values() {
        assert!(serde_json::from_str::<Headline>("\"  \"").is_err());
        let headline: Option<Headline> = serde_json::from_str("null").expect("null is none");
        assert_eq!(headline, None);
        let headline: Headline = serde_json::from_str("\" GP \"").expect("valid");
        assert_eq!(headline.as_str(), "GP");
    }
}
