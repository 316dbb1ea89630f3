//! Certificates as issued: an immutable snapshot of everything printed, its
//! canonical JSON and hash, and the code that finds it again.
//!
//! Nothing on a certificate is read from live data after issue: renaming the
//! learner or the course changes neither the verification page nor the PDF,
//! both of which render the snapshot. A correction is a new certificate that
//! supersedes the old one.

use std::fmt;
use std::fmt::Write as _;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use super::{ActivityFormat, CertificateKind, CreditAmount, Designation, Statement};
use crate::{CourseTitle, FullName, Timestamp};

/// Crockford's base 32: digits and capitals without I, L, O and U, so that
/// nothing read aloud or off paper is ambiguous (and no word is spelt by
/// accident).
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const PREFIX: &str = "MEDU";
const SYMBOLS: usize = 16;
const GROUP: usize = 4;

/// A certificate's public code, `MEDU-XXXX-XXXX-XXXX-XXXX`: 16 symbols of
/// 5 bits, 80 random bits, too many to guess one of the issued codes by
/// trying. Grouped by four for reading aloud and typing from paper.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct CertificateCode([u8; SYMBOLS]);

impl CertificateCode {
    /// A fresh code from the operating system's CSPRNG.
    ///
    /// # Panics
    ///
    /// If the operating system cannot supply random bytes, as
    /// [`SessionToken::generate`](crate::SessionToken::generate).
    pub fn generate() -> Self {
        let mut bytes = [0u8; 10];
        getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
        Self::from_bits(u128::from_be_bytes({
            let mut wide = [0u8; 16];
            wide[6..].copy_from_slice(&bytes);
            wide
        }))
    }

    /// The code of the low 80 bits of `bits`.
    fn from_bits(bits: u128) -> Self {
        let mut symbols = [0u8; SYMBOLS];
        for (i, symbol) in symbols.iter_mut().enumerate() {
            let shift = 5 * (SYMBOLS - 1 - i);
            *symbol = ALPHABET[((bits >> shift) & 31) as usize];
        }
        Self(symbols)
    }

    /// Reads a code as people type it: any case, with or without the `MEDU`
    /// prefix, hyphens or spaces, and with the letters Crockford reads as
    /// digits (O as 0, I and L as 1). `None` for anything else; a
    /// verification page answers "not found" either way.
    pub fn parse(input: &str) -> Option<Self> {
        let mut compact: String = input
            .chars()
            .filter(|c| !matches!(c, '-' | ' '))
            .collect::<String>()
            .to_ascii_uppercase();
        // `U` is not a symbol, so the prefix cannot be confused with a code
        // that happens to start with `MED`.
        if let Some(rest) = compact.strip_prefix(PREFIX) {
            compact = rest.to_owned();
        }
        if compact.len() != SYMBOLS {
            return None;
        }
        let mut symbols = [0u8; SYMBOLS];
        for (symbol, byte) in symbols.iter_mut().zip(compact.bytes()) {
            let byte = match byte {
                b'O' => b'0',
                b'I' | b'L' => b'1',
                other => other,
            };
            if !ALPHABET.contains(&byte) {
                return None;
            }
            *symbol = byte;
        }
        Some(Self(symbols))
    }
}

impl fmt::Display for CertificateCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(PREFIX)?;
        for group in self.0.chunks(GROUP) {
            f.write_char('-')?;
            for &symbol in group {
                f.write_char(char::from(symbol))?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for CertificateCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CertificateCode({self})")
    }
}

impl From<CertificateCode> for String {
    fn from(code: CertificateCode) -> Self {
        code.to_string()
    }
}

impl TryFrom<String> for CertificateCode {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).ok_or_else(|| format!("not a certificate code: {value:?}"))
    }
}

/// What a certificate is issued from, in the domain's types.
#[derive(Debug, Clone, Copy)]
pub struct CertificateFacts<'a> {
    pub code: CertificateCode,
    /// From [`claim_eligibility`](super::claim_eligibility).
    pub kind: CertificateKind,
    pub learner_name: &'a FullName,
    pub activity_title: &'a CourseTitle,
    pub format: ActivityFormat,
    /// The activity's dates: a live activity's session, or an enduring
    /// material's release date and (if any) its expiry.
    pub activity_starts_on: NaiveDate,
    pub activity_ends_on: Option<NaiveDate>,
    pub completed_on: NaiveDate,
    pub designation: &'a Designation,
    /// What the learner claimed (checked by [`check_claim`](super::check_claim));
    /// not printed on a participation certificate.
    pub claimed: CreditAmount,
    pub provider_name: &'a str,
    pub accreditation_statement: &'a Statement,
    pub issued_at: Timestamp,
    /// The certificate this one re-issues.
    pub supersedes: Option<CertificateCode>,
}

/// Everything a certificate prints, frozen at issue.
///
/// Plain strings rather than parsed types: a snapshot is a record and must
/// read back even if the rules for names or titles change later. The
/// statements are the provider's words, never composed here; a participation
/// certificate has no credit type, credits or designation statement, so
/// it cannot be mistaken for credit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateSnapshot {
    pub code: CertificateCode,
    pub kind: CertificateKind,
    pub learner_name: String,
    pub activity_title: String,
    pub activity_format: ActivityFormat,
    pub activity_starts_on: NaiveDate,
    pub activity_ends_on: Option<NaiveDate>,
    pub completed_on: NaiveDate,
    pub credit_type: Option<String>,
    pub credits: Option<CreditAmount>,
    pub provider_name: String,
    pub accreditation_statement: String,
    pub designation_statement: Option<String>,
    pub issued_at: Timestamp,
    pub supersedes: Option<CertificateCode>,
}

impl CertificateSnapshot {
    pub fn new(facts: &CertificateFacts<'_>) -> Self {
        let credit = facts.kind == CertificateKind::Credit;
        Self {
            code: facts.code,
            kind: facts.kind,
            learner_name: facts.learner_name.as_str().to_owned(),
            activity_title: facts.activity_title.as_str().to_owned(),
            activity_format: facts.format,
            activity_starts_on: facts.activity_starts_on,
            activity_ends_on: facts.activity_ends_on,
            completed_on: facts.completed_on,
            credit_type: credit.then(|| facts.designation.credit_type.as_str().to_owned()),
            credits: credit.then_some(facts.claimed),
            provider_name: facts.provider_name.to_owned(),
            accreditation_statement: facts.accreditation_statement.as_str().to_owned(),
            designation_statement: credit.then(|| facts.designation.statement.as_str().to_owned()),
            issued_at: facts.issued_at,
            supersedes: facts.supersedes,
        }
    }

    /// The snapshot as canonical JSON: keys sorted by their bytes at every
    /// level, no whitespace, absent values as `null`. This text is what is
    /// stored and hashed; the same snapshot always gives the same bytes,
    /// whatever the serde_json features the build happens to enable.
    pub fn canonical_json(&self) -> String {
        let value = serde_json::to_value(self)
            .expect("a snapshot of strings, dates and finite numbers always serialises");
        let mut out = String::new();
        write_canonical(&value, &mut out);
        out
    }

    /// Lowercase hex SHA-256 of [`canonical_json`](Self::canonical_json),
    /// shown on the verification page and printed on the PDF: a doctored
    /// PDF or edited record no longer matches it.
    pub fn sha256_hex(&self) -> String {
        Sha256::digest(self.canonical_json().as_bytes())
            .iter()
            .fold(String::with_capacity(64), |mut hex, byte| {
                let _ = write!(hex, "{byte:02x}");
                hex
            })
    }
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(members) => {
            let mut members: Vec<_> = members.iter().collect();
            members.sort_unstable_by(|(a, _), (b, _)| a.as_bytes().cmp(b.as_bytes()));
            out.push('{');
            for (i, (key, member)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(member, out);
            }
            out.push('}');
        }
        // serde_json's compact form: escaped strings, shortest numbers.
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{ClaimStep, CreditTypeName, Profession};

    pub(crate) fn code() -> CertificateCode {
        CertificateCode::parse("MEDU-7K2M-9QXP-4RTV-H3WZ").expect("valid")
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    pub(crate) fn designation() -> Designation {
        Designation {
            kind: CertificateKind::Credit,
            credit_type: CreditTypeName::parse("AMA PRA Category 1 Credit™").expect("valid"),
            maximum: CreditAmount::parse("2").expect("valid"),
            step: ClaimStep::QUARTER,
            statement: Statement::parse(
                "The Provider designates this enduring material for a maximum of 2 \
                 AMA PRA Category 1 Credits™. Physicians should claim only the credit \
                 commensurate with the extent of their participation in the activity.",
            )
            .expect("valid"),
            professions: vec![Profession::Physician],
        }
    }

    pub(crate) fn snapshot(kind: CertificateKind) -> CertificateSnapshot {
        let name = FullName::parse("Dr. Amaka Obi").expect("valid");
        let title = CourseTitle::parse("Sepsis: \"the first hour\"").expect("valid");
        let accreditation = Statement::parse(
            "MedicalEdu Institute is accredited by the ACCME to provide continuing \
             medical education for physicians.",
        )
        .expect("valid");
        let designation = designation();
        CertificateSnapshot::new(&CertificateFacts {
            code: code(),
            kind,
            learner_name: &name,
            activity_title: &title,
            format: ActivityFormat::Enduring,
            activity_starts_on: date("2026-01-15"),
            activity_ends_on: Some(date("2028-01-14")),
            completed_on: date("2026-06-01"),
            designation: &designation,
            claimed: CreditAmount::parse("1.5").expect("valid"),
            provider_name: "MedicalEdu Institute",
            accreditation_statement: &accreditation,
            issued_at: Timestamp::parse_rfc3339("2026-06-01T14:30:00Z").expect("valid"),
            supersedes: None,
        })
    }

    #[test]
    fn codes_are_grouped_and_read_loosely() {
        let code = code();
        assert_eq!(code.to_string(), "MEDU-7K2M-9QXP-4RTV-H3WZ");
        for typed in [
            "MEDU-7K2M-9QXP-4RTV-H3WZ",
            "medu-7k2m-9qxp-4rtv-h3wz",
            "7K2M9QXP4RTVH3WZ",
            " MEDU 7K2M 9QXP 4RTV H3WZ ",
            "MEDU7K2M-9QXP-4RTV-H3WZ",
        ] {
            assert_eq!(CertificateCode::parse(typed), Some(code), "{typed:?}");
        }
        let misread = CertificateCode::parse("MEDU-O0IL-0000-0000-0000").expect("read as digits");
        assert_eq!(misread.to_string(), "MEDU-0011-0000-0000-0000");
        for bad in [
            "",
            "MEDU",
            "MEDU-7K2M-9QXP-4RTV",
            "MEDU-7K2M-9QXP-4RTV-H3WZ-0",
            "MEDU-7K2M-9QXP-4RTV-H3WU",
            "MEDU-7K2M-9QXP-4RTV-H3W!",
            "MEDU-7K2M-9QXP-4RTV-H3WÉ",
        ] {
            assert_eq!(CertificateCode::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn codes_carry_eighty_bits() {
        assert_eq!(
            CertificateCode::from_bits(0).to_string(),
            "MEDU-0000-0000-0000-0000"
        );
        assert_eq!(
            CertificateCode::from_bits((1 << 80) - 1).to_string(),
            "MEDU-ZZZZ-ZZZZ-ZZZZ-ZZZZ"
        );
        assert_eq!(
            CertificateCode::from_bits(1 << 79).to_string(),
            "MEDU-G000-0000-0000-0000"
        );
        let generated: std::collections::HashSet<_> =
            (0..1000).map(|_| CertificateCode::generate()).collect();
        assert_eq!(generated.len(), 1000);
        for code in generated.iter().take(20) {
            assert_eq!(CertificateCode::parse(&code.to_string()), Some(*code));
        }
    }

    #[test]
    fn codes_are_json_strings() {
        let json = serde_json::to_string(&code()).expect("ser");
        assert_eq!(json, "\"MEDU-7K2M-9QXP-4RTV-H3WZ\"");
        assert_eq!(
            serde_json::from_str::<CertificateCode>(&json).expect("de"),
            code()
        );
        assert!(serde_json::from_str::<CertificateCode>("\"MEDU-1\"").is_err());
    }

    #[test]
    fn the_canonical_json_is_sorted_and_compact() {
        let json = snapshot(CertificateKind::Credit).canonical_json();
        assert_eq!(
            json,
            concat!(
                r#"{"accreditation_statement":"MedicalEdu Institute is accredited by the ACCME to provide continuing medical education for physicians.","#,
                r#""activity_ends_on":"2028-01-14","activity_format":"enduring","activity_starts_on":"2026-01-15","#,
                r#""activity_title":"Sepsis: \"the first hour\"","code":"MEDU-7K2M-9QXP-4RTV-H3WZ","#,
                r#""completed_on":"2026-06-01","credit_type":"AMA PRA Category 1 Credit™","credits":1.5,"#,
                r#""designation_statement":"The Provider designates this enduring material for a maximum of 2 AMA PRA Category 1 Credits™. Physicians should claim only the credit commensurate with the extent of their participation in the activity.","#,
                r#""issued_at":"2026-06-01T14:30:00Z","kind":"credit","learner_name":"Dr. Amaka Obi","#,
                r#""provider_name":"MedicalEdu Institute","supersedes":null}"#,
            )
        );
    }

    #[test]
    fn nested_values_are_sorted_at_every_level() {
        let value = serde_json::json!({"b": [{"z": 1, "a": null}], "a": {"y": "é\n", "x": 2.5}});
        let mut out = String::new();
        write_canonical(&value, &mut out);
        assert_eq!(out, r#"{"a":{"x":2.5,"y":"é\n"},"b":[{"a":null,"z":1}]}"#);
    }

    #[test]
    fn the_hash_is_stable_and_changes_with_any_field() {
        let credit = snapshot(CertificateKind::Credit);
        let hash = credit.sha256_hex();
        assert_eq!(hash.len(), 64);
        assert!(
            hash.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(hash, snapshot(CertificateKind::Credit).sha256_hex());
        let expected = Sha256::digest(credit.canonical_json().as_bytes());
        assert_eq!(
            hash,
            expected
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let mut renamed = credit.clone();
        renamed.learner_name = "Dr. Amaka Obi-Eze".into();
        assert_ne!(renamed.sha256_hex(), hash);
        let mut more = credit.clone();
        more.credits = Some(CreditAmount::parse("1.75").expect("valid"));
        assert_ne!(more.sha256_hex(), hash);
    }

    #[test]
    fn the_stored_text_reads_back_to_the_same_bytes() {
        let credit = snapshot(CertificateKind::Credit);
        let stored = credit.canonical_json();
        let read: CertificateSnapshot = serde_json::from_str(&stored).expect("de");
        assert_eq!(read, credit);
        assert_eq!(read.canonical_json(), stored);
        assert_eq!(read.sha256_hex(), credit.sha256_hex());
        let tampered = stored.replace("\"kind\":\"credit\"", "\"kind\":\"credit\",\"extra\":1");
        assert!(serde_json::from_str::<CertificateSnapshot>(&tampered).is_err());
    }

    #[test]
    fn participation_certificates_carry_no_credit() {
        let participation = snapshot(CertificateKind::Participation);
        assert_eq!(participation.kind, CertificateKind::Participation);
        assert_eq!(participation.credit_type, None);
        assert_eq!(participation.credits, None);
        assert_eq!(participation.designation_statement, None);
        assert!(participation.accreditation_statement.contains("accredited"));
        let json = participation.canonical_json();
        assert!(!json.contains("designates") && !json.contains("Credit™"));
        assert!(json.contains(r#""credits":null"#));
    }
}
