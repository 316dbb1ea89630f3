//! The texts an instructor writes about a course: its title, a summary for the
//! catalogue, a Markdown description, a category and free-form tags.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::FieldIssue;

pub(crate) fn check_len(s: &str, max_chars: usize) -> Result<(), FieldIssue> {
    if s.chars().count() > max_chars {
        Err(FieldIssue::too_long(max_chars))
    } else {
        Ok(())
    }
}

/// Control characters are invisible and can reorder or hide text in a terminal
/// or a log viewer; longer texts may keep line breaks and tabs.
pub(crate) fn check_controls(s: &str, multiline: bool) -> Result<(), FieldIssue> {
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

/// Windows (and old Mac) line endings become plain ones, so that the length
/// limit and what is stored do not depend on the client's OS.
pub(crate) fn normalize_newlines(input: &str) -> Cow<'_, str> {
    if input.contains('\r') {
        Cow::Owned(input.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(input)
    }
}

/// A required one-line text: trimmed, not blank, no control characters.
pub(crate) fn one_line(input: &str, max_chars: usize) -> Result<String, FieldIssue> {
    let s = input.trim();
    if s.is_empty() {
        return Err(FieldIssue::required());
    }
    check_len(s, max_chars)?;
    check_controls(s, false)?;
    Ok(s.to_owned())
}

/// What a course is called in the catalogue and on certificates.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct CourseTitle(String);

impl CourseTitle {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(input: &str) -> Result<Self, FieldIssue> {
        one_line(input, Self::MAX_CHARS).map(Self)
    }
}

/// The pitch under a title in the catalogue. Empty is allowed (the column
/// defaults to it); line breaks are kept for the rare two-sentence pitch.
#[derive(Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Summary(String);

impl Summary {
    pub const MAX_CHARS: usize = 500;

    pub fn parse(input: &str) -> Result<Self, FieldIssue> {
        let s = normalize_newlines(input);
        let s = s.trim();
        check_len(s, Self::MAX_CHARS)?;
        check_controls(s, true)?;
        Ok(Self(s.to_owned()))
    }
}

/// The course page's body, in Markdown. Empty is allowed.
///
/// Only the end is trimmed, and at the start only blank lines: leading spaces
/// are Markdown syntax (four of them open a code block).
#[derive(Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Description(String);

impl Description {
    pub const MAX_CHARS: usize = 50_000;

    pub fn parse(input: &str) -> Result<Self, FieldIssue> {
        let s = normalize_newlines(input);
        let mut s = s.trim_end();
        while let Some((first, rest)) = s.split_once('\n') {
            if !first.trim().is_empty() {
                break;
            }
            s = rest;
        }
        check_len(s, Self::MAX_CHARS)?;
        check_controls(s, true)?;
        Ok(Self(s.to_owned()))
    }
}

/// The broad area a course is filed under ("Cardiology"), kept as the
/// instructor wrote it: a fixed list would need an administrator for every new
/// field of medicine.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Category(String);

impl Category {
    pub const MAX_CHARS: usize = 80;

    pub fn parse(input: &str) -> Result<Self, FieldIssue> {
        one_line(input, Self::MAX_CHARS).map(Self)
    }
}

macro_rules! text_impls {
    ($($name:ident),*) => {$(
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

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

        impl TryFrom<String> for $name {
            type Error = FieldIssue;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }
    )*};
}

pub(crate) use text_impls;

text_impls!(CourseTitle, Summary, Description, Category);

/// Free-form keywords for search ("ecg", "heart failure").
///
/// Each is trimmed, lowercased and has its inner runs of whitespace collapsed
/// to one space, so that "ECG" and " ecg " are the same tag; repeats are dropped
/// keeping the first occurrence's position. Commas are refused because clients
/// commonly accept tags typed as a comma-separated list.
#[derive(Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(into = "Vec<String>", try_from = "Vec<String>")]
pub struct Tags(Vec<String>);

impl Tags {
    pub const MAX_TAGS: usize = 20;
    pub const MAX_CHARS: usize = 40;

    pub fn parse(input: Vec<String>) -> Result<Self, FieldIssue> {
        let mut tags: Vec<String> = Vec::with_capacity(input.len().min(Self::MAX_TAGS));
        for (index, raw) in input.iter().enumerate() {
            let position = index + 1;
            let tag = raw
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase();
            if tag.is_empty() {
                return Err(FieldIssue::new(
                    "required",
                    format!("tag {position} must not be empty"),
                ));
            }
            if tag.chars().count() > Self::MAX_CHARS {
                return Err(FieldIssue::new(
                    "too_long",
                    format!(
                        "tag {position} must be at most {} characters long",
                        Self::MAX_CHARS
                    ),
                ));
            }
            if tag.chars().any(|c| c.is_control() || c == ',') {
                return Err(FieldIssue::invalid(format!(
                    "tag {position} must not contain commas or control characters"
                )));
            }
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        // Counted after dropping repeats: a client resending its list with one
        // tag doubled has not asked for more tags.
        if tags.len() > Self::MAX_TAGS {
            return Err(FieldIssue::new(
                "too_long",
                format!("must have at most {} tags", Self::MAX_TAGS),
            ));
        }
        Ok(Self(tags))
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Tags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tags({:?})", self.0)
    }
}

impl From<Tags> for Vec<String> {
    fn from(tags: Tags) -> Self {
        tags.0
    }
}

impl TryFrom<Vec<String>> for Tags {
    type Error = FieldIssue;

    fn try_from(value: Vec<String>) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(input: &[&str]) -> Result<Vec<String>, FieldIssue> {
        Tags::parse(input.iter().map(|s| (*s).to_owned()).collect()).map(Vec::from)
    }

    #[test]
    fn title_is_trimmed_and_limited() {
        assert_eq!(
            CourseTitle::parse("  ECG for Beginners ")
                .expect("valid")
                .as_str(),
            "ECG for Beginners"
        );
        assert_eq!(CourseTitle::parse(" ").expect_err("blank").code, "required");
        assert!(CourseTitle::parse(&"é".repeat(200)).is_ok());
        assert_eq!(
            CourseTitle::parse(&"é".repeat(201)).expect_err("long").code,
            "too_long"
        );
        assert_eq!(
            CourseTitle::parse("ECG\nBasics").expect_err("newline").code,
            "invalid"
        );
        assert_eq!(
            CourseTitle::parse("ECG\u{1b}[2J").expect_err("escape").code,
            "invalid"
        );
    }

    #[test]
    fn summary_may_be_empty_and_keeps_line_breaks() {
        assert_eq!(Summary::parse("  ").expect("empty").as_str(), "");
        assert_eq!(
            Summary::parse(" One.\r\nTwo. ").expect("valid").as_str(),
            "One.\nTwo."
        );
        assert!(Summary::parse(&"x".repeat(500)).is_ok());
        assert_eq!(
            Summary::parse(&"x".repeat(501)).expect_err("long").code,
            "too_long"
        );
        assert_eq!(Summary::parse("a\u{0}b").expect_err("nul").code, "invalid");
    }

    #[test]
    fn description_keeps_markdown_indentation() {
        let description =
            Description::parse("\r\n  \r\n    code block\r\n\r\n# Heading\r\n\r\n").expect("valid");
        assert_eq!(description.as_str(), "    code block\n\n# Heading");
        assert_eq!(Description::parse("").expect("empty").as_str(), "");
        assert!(Description::parse(&"x".repeat(50_000)).is_ok());
        assert_eq!(
            Description::parse(&"x".repeat(50_001))
                .expect_err("long")
                .code,
            "too_long"
        );
        assert!(Description::parse("tab\there").is_ok());
        assert_eq!(
            Description::parse("bell\u{7}").expect_err("bell").code,
            "invalid"
        );
    }

    #[test]
    fn category_is_trimmed_as_given() {
        assert_eq!(
            Category::parse(" Emergency Medicine ")
                .expect("valid")
                .as_str(),
            "Emergency Medicine"
        );
        assert_eq!(Category::parse("").expect_err("blank").code, "required");
        assert!(Category::parse(&"x".repeat(80)).is_ok());
        assert_eq!(
            Category::parse(&"x".repeat(81)).expect_err("long").code,
            "too_long"
        );
    }

    #[test]
    fn tags_are_normalized_and_deduplicated_in_order() {
        assert_eq!(
            tags(&[" ECG ", "Heart   Failure", "ecg", "Ärzte", "heart failure"]).expect("valid"),
            ["ecg", "heart failure", "ärzte"]
        );
        assert_eq!(tags(&[]).expect("none"), Vec::<String>::new());
    }

    #[test]
    fn tags_limits() {
        assert_eq!(tags(&["ok", "  "]).expect_err("blank").code, "required");
        assert!(tags(&[&"x".repeat(40)]).is_ok());
        let long = tags(&["ok", &"x".repeat(41)]).expect_err("long");
        assert_eq!(long.code, "too_long");
        assert!(long.message.contains("tag 2"), "{}", long.message);
        assert_eq!(tags(&["a,b"]).expect_err("comma").code, "invalid");
        assert_eq!(tags(&["a\u{7}"]).expect_err("control").code, "invalid");

        let twenty: Vec<String> = (0..20).map(|i| format!("t{i}")).collect();
        let mut with_repeats = twenty.clone();
        with_repeats.extend(["T0".to_owned(), "t19".to_owned()]);
        assert_eq!(Tags::parse(with_repeats).expect("repeats").len(), 20);
        let mut too_many = twenty;
        too_many.push("t20".to_owned());
        assert_eq!(Tags::parse(too_many).expect_err("many").code, "too_long");
    }

    #[test]
    fn serde_goes_through_parse() {
        let t: Tags = serde_json::from_str(r#"["A", "a", "b"]"#).expect("valid");
        assert_eq!(serde_json::to_string(&t).expect("ser"), r#"["a","b"]"#);
        assert!(serde_json::from_str::<Tags>(r#"["a,b"]"#).is_err());
        let title: CourseTitle = serde_json::from_str(r#"" Sepsis ""#).expect("valid");
        assert_eq!(title.as_str(), "Sepsis");
        assert!(serde_json::from_str::<CourseTitle>(r#""""#).is_err());
        let summary: Summary = serde_json::from_str(r#""""#).expect("empty ok");
        assert_eq!(summary, Summary::default());
    }
}
