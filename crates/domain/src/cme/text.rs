//! The texts of continuing medical education that providers and learners set:
//! credit type names and statements (printed on certificates exactly as
//! written), topics, and the particulars of a licence.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::FieldIssue;
use crate::catalog::text::{check_controls, check_len, normalize_newlines, one_line, text_impls};

/// The name of the credit a designation awards, as the accreditor words it
/// ("AMA PRA Category 1 Credit™", "European CME Credits (ECMEC®s)",
/// "Section 3 Self-Assessment Program credits"). Data set by the provider,
/// printed on the certificate as written.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct CreditTypeName(String);

impl CreditTypeName {
    pub const MAX_CHARS: usize = 120;

    pub fn parse(input: &str) -> Result<Self, FieldIssue> {
        one_line(input, Self::MAX_CHARS).map(Self)
    }

    /// Whether two names mean the same credit type: compared without regard
    /// to case or runs of spaces, since the same credit reaches a transcript
    /// from several providers and from learners' own records, each typed a
    /// little differently.
    pub fn same_type(&self, other: &CreditTypeName) -> bool {
        self.key() == other.key()
    }

    fn key(&self) -> String {
        self.0
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    }
}

/// A statement an accreditor prescribes word for word: the provider's
/// accreditation statement or a designation statement. Kept exactly as
/// written (line breaks included), only trimmed; never composed by the
/// application.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Statement(String);

impl Statement {
    pub const MAX_CHARS: usize = 4000;

    pub fn parse(input: &str) -> Result<Self, FieldIssue> {
        let s = normalize_newlines(input);
        let s = s.trim();
        if s.is_empty() {
            return Err(FieldIssue::required());
        }
        check_len(s, Self::MAX_CHARS)?;
        check_controls(s, true)?;
        Ok(Self(s.to_owned()))
    }
}

/// The state or country that issued a licence ("California", "GMC (UK)").
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Jurisdiction(String);

impl Jurisdiction {
    pub const MAX_CHARS: usize = 120;

    pub fn parse(input: &str) -> Result<Self, FieldIssue> {
        one_line(input, Self::MAX_CHARS).map(Self)
    }
}

/// A licence or registration number as the board writes it ("A123456",
/// "7012345"); boards differ too much for a stricter shape.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct LicenceNumber(String);

impl LicenceNumber {
    pub const MAX_CHARS: usize = 60;

    pub fn parse(input: &str) -> Result<Self, FieldIssue> {
        one_line(input, Self::MAX_CHARS).map(Self)
    }
}

text_impls!(CreditTypeName, Statement, Jurisdiction, LicenceNumber);

/// A subject a licence requires credits in ("opioid prescribing", "medical
/// ethics"), and that credit entries are tagged with.
///
/// Lowercased with inner whitespace collapsed, like course tags, so that
/// "Opioid  Prescribing" on a learner's record counts towards the
/// "opioid prescribing" a licence requires. Commas are refused because topics
/// are commonly typed as a comma-separated list.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Topic(String);

impl Topic {
    pub const MAX_CHARS: usize = 80;

    pub fn parse(input: &str) -> Result<Self, FieldIssue> {
        let topic = input
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        if topic.is_empty() {
            return Err(FieldIssue::required());
        }
        check_len(&topic, Self::MAX_CHARS)?;
        if topic.chars().any(|c| c.is_control() || c == ',') {
            return Err(FieldIssue::invalid(
                "must not contain commas or control characters",
            ));
        }
        Ok(Self(topic))
    }
}

text_impls!(Topic);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_type_names_keep_their_spelling_and_match_loosely() {
        let ama = CreditTypeName::parse("  AMA PRA Category 1 Credit™ ").expect("valid");
        assert_eq!(ama.as_str(), "AMA PRA Category 1 Credit™");
        let typed = CreditTypeName::parse("ama pra  category 1 credit™").expect("valid");
        assert!(ama.same_type(&typed));
        let other = CreditTypeName::parse("ECMEC®").expect("valid");
        assert!(!ama.same_type(&other));
        assert_eq!(
            CreditTypeName::parse(" ").expect_err("blank").code,
            "required"
        );
        assert_eq!(
            CreditTypeName::parse(&"x".repeat(121))
                .expect_err("long")
                .code,
            "too_long"
        );
        assert_eq!(
            CreditTypeName::parse("AMA\nPRA").expect_err("line").code,
            "invalid"
        );
    }

    #[test]
    fn statements_are_kept_as_written() {
        let text = "The Provider designates this enduring material for a maximum of\r\n\
                    1.5 AMA PRA Category 1 Credits™.\r\n\r\nPhysicians should claim only...";
        let statement = Statement::parse(text).expect("valid");
        assert_eq!(
            statement.as_str(),
            "The Provider designates this enduring material for a maximum of\n\
             1.5 AMA PRA Category 1 Credits™.\n\nPhysicians should claim only..."
        );
        assert_eq!(
            Statement::parse("\n \n").expect_err("blank").code,
            "required"
        );
        assert_eq!(
            Statement::parse(&"x".repeat(4001)).expect_err("long").code,
            "too_long"
        );
        assert_eq!(
            Statement::parse("bell\u{7}").expect_err("control").code,
            "invalid"
        );
        let json = serde_json::to_string(&statement).expect("ser");
        assert_eq!(
            serde_json::from_str::<Statement>(&json).expect("de"),
            statement
        );
    }

    #[test]
    fn topics_are_normalised() {
        let topic = Topic::parse("  Opioid   Prescribing ").expect("valid");
        assert_eq!(topic.as_str(), "opioid prescribing");
        assert_eq!(topic, Topic::parse("opioid prescribing").expect("valid"));
        assert_eq!(Topic::parse("a, b").expect_err("comma").code, "invalid");
        assert_eq!(Topic::parse("").expect_err("blank").code, "required");
        assert_eq!(
            Topic::parse(&"x".repeat(81)).expect_err("long").code,
            "too_long"
        );
        assert!(serde_json::from_str::<Topic>("\"a,b\"").is_err());
    }

    #[test]
    fn licence_particulars() {
        assert_eq!(
            Jurisdiction::parse(" California ").expect("valid").as_str(),
            "California"
        );
        assert_eq!(
            LicenceNumber::parse("A123456").expect("valid").to_string(),
            "A123456"
        );
        assert_eq!(
            LicenceNumber::parse("").expect_err("blank").code,
            "required"
        );
        assert_eq!(
            LicenceNumber::parse(&"9".repeat(61))
                .expect_err("long")
                .code,
            "too_long"
        );
    }
}
