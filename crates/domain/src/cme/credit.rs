//! Credits as exact decimals, the claim a learner makes against a
//! designation, and what makes a designation sound.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::decimal::{DecimalError, parse_hundredths, serialize_hundredths, write_hundredths};
use super::{CertificateKind, CreditTypeName, Profession, Statement};
use crate::{CmeHours, FieldIssue};

/// A number of credits with at most two decimals, held exactly as hundredths
/// (1.5 credits is 150): accreditors designate quarter and half credits, and a
/// transcript adding up thousands of entries must not drift.
///
/// Zero is a valid amount (a participation certificate carries none); a
/// claim must be positive, which [`check_claim`] checks with its own reason.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct CreditAmount(i64);

impl CreditAmount {
    pub const ZERO: CreditAmount = CreditAmount(0);
    /// The most any amount may be: 99 999.99 credits, far above any cycle's
    /// requirement, so that sums over a transcript stay representable. Single
    /// designations are capped lower (see [`Designation::validate`]).
    pub const MAX_HUNDREDTHS: i64 = 9_999_999;

    /// Decimal text (`1.5`, `0.25`, `2`), read exactly; see
    /// [`CmeHours::parse`] for the accepted spellings. A third decimal is
    /// refused rather than rounded.
    pub fn parse(input: &str) -> Result<Self, FieldIssue> {
        parse_hundredths(input).map(Self).map_err(|e| match e {
            DecimalError::NotANumber => {
                FieldIssue::invalid("must be a number of credits such as 1.5")
            }
            DecimalError::Negative => FieldIssue::new("out_of_range", "must not be negative"),
            DecimalError::TooManyDecimals => {
                FieldIssue::invalid("must have at most two decimal places")
            }
            DecimalError::TooLarge => too_large(),
        })
    }

    /// Reads a JSON number from its decimal text (see
    /// [`CmeHours::parse_json`] for why that is exact).
    pub fn parse_json(number: &serde_json::Number) -> Result<Self, FieldIssue> {
        Self::parse(&number.to_string())
    }

    /// For values read back from the store; refuses what `parse` would.
    pub fn from_hundredths(hundredths: i64) -> Result<Self, FieldIssue> {
        if (0..=Self::MAX_HUNDREDTHS).contains(&hundredths) {
            Ok(Self(hundredths))
        } else {
            Err(too_large())
        }
    }

    pub const fn hundredths(self) -> i64 {
        self.0
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// The sum, held at [`MAX_HUNDREDTHS`](Self::MAX_HUNDREDTHS) rather than
    /// overflowing: no real transcript comes near it, and a total shown as
    /// the maximum is better than a refusal to show the transcript.
    pub fn saturating_add(self, other: CreditAmount) -> CreditAmount {
        Self(self.0.saturating_add(other.0).min(Self::MAX_HUNDREDTHS))
    }

    /// How much `self` falls short of `required`; zero when it does not.
    pub fn shortfall_to(self, required: CreditAmount) -> CreditAmount {
        Self((required.0 - self.0).max(0))
    }
}

fn too_large() -> FieldIssue {
    FieldIssue::new("out_of_range", "must be at most 99999.99 credits")
}

/// A course's CME hours are a designation's natural first maximum.
impl From<CmeHours> for CreditAmount {
    fn from(hours: CmeHours) -> Self {
        Self(hours.hundredths())
    }
}

/// The shortest exact decimal: `2`, `1.5`, `0.25`.
impl fmt::Display for CreditAmount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hundredths(self.0, f)
    }
}

impl fmt::Debug for CreditAmount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CreditAmount({self})")
    }
}

/// A JSON number: `2`, `1.5`, `0.25` (never `2.0` or `0.249999…`).
impl Serialize for CreditAmount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_hundredths(self.0, serializer)
    }
}

impl<'de> Deserialize<'de> for CreditAmount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let number = serde_json::Number::deserialize(deserializer)?;
        Self::parse_json(&number).map_err(serde::de::Error::custom)
    }
}

/// The granularity of a claim (0.25 lets a learner claim 0.25, 0.5, 0.75 …):
/// learners claim the time they actually spent, in the units the accreditor
/// allows. Always positive.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "CreditAmount", try_from = "CreditAmount")]
pub struct ClaimStep(CreditAmount);

impl ClaimStep {
    /// The quarter credit most accreditors use.
    pub const QUARTER: ClaimStep = ClaimStep(CreditAmount(25));

    pub fn parse(input: &str) -> Result<Self, FieldIssue> {
        CreditAmount::parse(input).and_then(Self::try_from)
    }

    pub const fn amount(self) -> CreditAmount {
        self.0
    }
}

impl TryFrom<CreditAmount> for ClaimStep {
    type Error = FieldIssue;

    fn try_from(amount: CreditAmount) -> Result<Self, Self::Error> {
        if amount.is_zero() {
            Err(FieldIssue::new("out_of_range", "must be more than zero"))
        } else {
            Ok(Self(amount))
        }
    }
}

impl From<ClaimStep> for CreditAmount {
    fn from(step: ClaimStep) -> Self {
        step.0
    }
}

impl fmt::Display for ClaimStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for ClaimStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClaimStep({self})")
    }
}

/// Why a claimed amount is refused. Each is a 422 on the amount field with
/// its own code, so a client can say which rule the number broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClaimRefusal {
    #[error("must be a number of credits such as 1.5")]
    NotANumber,
    /// Zero or negative: a claim of nothing is not a claim.
    #[error("must be more than zero")]
    NotPositive,
    #[error("must be at most {maximum}, the credits this activity is designated for")]
    AboveMaximum { maximum: CreditAmount },
    /// Not a multiple of the step; this includes any third decimal, since
    /// no step is finer than a hundredth.
    #[error("must be a multiple of {step}")]
    OffStep { step: ClaimStep },
}

impl ClaimRefusal {
    /// Stable, for programs, like [`FieldIssue::code`].
    pub const fn code(&self) -> &'static str {
        match self {
            ClaimRefusal::NotANumber => "invalid",
            ClaimRefusal::NotPositive => "not_positive",
            ClaimRefusal::AboveMaximum { .. } => "above_maximum",
            ClaimRefusal::OffStep { .. } => "off_step",
        }
    }

    /// The refusal as an issue of the claim's amount field.
    pub fn issue(&self) -> FieldIssue {
        FieldIssue::new(self.code(), self.to_string())
    }
}

/// Checks the amount a learner claims, given as its decimal text (a JSON
/// number's `to_string()`), against a designation's maximum and step.
///
/// Read here rather than through [`CreditAmount::parse`] so that a negative
/// or over-precise number gets the claim's own reason (`not_positive`,
/// `off_step`) instead of a generic one. The order is fixed: not a number,
/// not positive, above the maximum, off the step.
pub fn check_claim(
    requested: &str,
    maximum: CreditAmount,
    step: ClaimStep,
) -> Result<CreditAmount, ClaimRefusal> {
    let amount = match parse_hundredths(requested) {
        Ok(hundredths) => CreditAmount(hundredths),
        Err(DecimalError::NotANumber) => return Err(ClaimRefusal::NotANumber),
        Err(DecimalError::Negative) => return Err(ClaimRefusal::NotPositive),
        Err(DecimalError::TooLarge) => return Err(ClaimRefusal::AboveMaximum { maximum }),
        Err(DecimalError::TooManyDecimals) => return Err(ClaimRefusal::OffStep { step }),
    };
    if amount.is_zero() {
        return Err(ClaimRefusal::NotPositive);
    }
    if amount > maximum {
        return Err(ClaimRefusal::AboveMaximum { maximum });
    }
    if amount.0 % step.0.0 != 0 {
        return Err(ClaimRefusal::OffStep { step });
    }
    Ok(amount)
}

/// What an activity awards one kind of learner: a credit type, how much of
/// it, in which steps, under which statement, and to which professions.
/// Everything printed is data set by the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Designation {
    pub kind: CertificateKind,
    pub credit_type: CreditTypeName,
    /// Zero exactly for a participation designation.
    pub maximum: CreditAmount,
    pub step: ClaimStep,
    /// The designation statement, printed on credit certificates.
    pub statement: Statement,
    /// Who may claim credit; everyone else gets a participation certificate.
    /// Ignored for a participation designation.
    pub professions: Vec<Profession>,
}

impl Designation {
    /// No single activity is designated for more, as for [`CmeHours`].
    pub const MAX_CREDITS: i64 = CmeHours::MAX_HOURS;

    /// Every problem, each under its field's name.
    ///
    /// A credit designation needs a positive maximum of at most
    /// [`MAX_CREDITS`](Self::MAX_CREDITS) that is a whole number of steps
    /// (otherwise no claim could reach the maximum), and at least one
    /// profession: an empty list is refused rather than read as "everyone",
    /// since awarding credit to professions the accreditor did not designate
    /// is the worse mistake. A participation designation carries no credits.
    pub fn validate(&self) -> Result<(), Vec<(&'static str, FieldIssue)>> {
        let mut issues = Vec::new();
        match self.kind {
            CertificateKind::Credit => {
                if self.maximum.is_zero() {
                    issues.push((
                        "maximum",
                        FieldIssue::new("out_of_range", "must be more than zero"),
                    ));
                } else if self.maximum.0 > Self::MAX_CREDITS * 100 {
                    issues.push((
                        "maximum",
                        FieldIssue::new(
                            "out_of_range",
                            format!("must be at most {} credits", Self::MAX_CREDITS),
                        ),
                    ));
                } else if self.maximum.0 % self.step.0.0 != 0 {
                    issues.push((
                        "maximum",
                        FieldIssue::invalid(format!(
                            "must be a multiple of the claim step {}",
                            self.step
                        )),
                    ));
                }
                if self.professions.is_empty() {
                    issues.push(("professions", FieldIssue::required()));
                } else if self
                    .professions
                    .iter()
                    .enumerate()
                    .any(|(i, p)| self.professions[..i].contains(p))
                {
                    issues.push((
                        "professions",
                        FieldIssue::invalid("must not list a profession twice"),
                    ));
                }
            }
            CertificateKind::Participation => {
                if !self.maximum.is_zero() {
                    issues.push((
                        "maximum",
                        FieldIssue::invalid("must be zero for a participation designation"),
                    ));
                }
            }
        }
        if issues.is_empty() {
            Ok(())
        } else {
            Err(issues)
        }
    }

    /// Whether a learner of `profession` gets credit rather than
    /// participation. A learner without a recorded profession gets
    /// participation: credit is only for those the accreditor designated.
    pub fn credits_profession(&self, profession: Option<Profession>) -> bool {
        self.kind == CertificateKind::Credit
            && profession.is_some_and(|p| self.professions.contains(&p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credits(text: &str) -> CreditAmount {
        CreditAmount::parse(text).expect(text)
    }

    #[test]
    fn amounts_parse_and_print_exactly() {
        assert_eq!(credits("1.5").hundredths(), 150);
        assert_eq!(credits("0.25").hundredths(), 25);
        assert_eq!(credits("1.15").hundredths(), 115);
        assert_eq!(credits("2").hundredths(), 200);
        assert_eq!(credits("0").hundredths(), 0);
        assert_eq!(credits("99999.99").hundredths(), 9_999_999);
        for text in ["1.5", "0.25", "2", "0", "0.1", "40", "1.05"] {
            assert_eq!(credits(text).to_string(), text);
        }
        assert_eq!(credits("1.50").to_string(), "1.5");
        assert_eq!(format!("{:?}", credits("0.25")), "CreditAmount(0.25)");
    }

    #[test]
    fn amounts_refuse_what_is_not_exact() {
        let code = |text: &str| CreditAmount::parse(text).expect_err(text).code;
        assert_eq!(code("1.255"), "invalid");
        assert_eq!(code("one"), "invalid");
        assert_eq!(code("-1"), "out_of_range");
        assert_eq!(code("100000"), "out_of_range");
        assert!(CreditAmount::from_hundredths(-1).is_err());
        assert!(CreditAmount::from_hundredths(10_000_000).is_err());
        assert_eq!(
            CreditAmount::from_hundredths(150).expect("valid"),
            credits("1.5")
        );
    }

    #[test]
    fn amounts_are_json_numbers() {
        for h in (0..=200_000).chain([9_999_999]) {
            let amount = CreditAmount::from_hundredths(h).expect("valid");
            let json = serde_json::to_string(&amount).expect("ser");
            assert_eq!(json, amount.to_string(), "{h}");
            assert_eq!(
                serde_json::from_str::<CreditAmount>(&json).expect("de"),
                amount
            );
        }
        assert!(serde_json::from_str::<CreditAmount>("\"1.5\"").is_err());
        assert!(serde_json::from_str::<CreditAmount>("1.255").is_err());
        let number: serde_json::Number = serde_json::from_str("0.75").expect("number");
        assert_eq!(
            CreditAmount::parse_json(&number).expect("valid"),
            credits("0.75")
        );
    }

    #[test]
    fn sums_and_shortfalls() {
        assert_eq!(
            credits("1.5").saturating_add(credits("0.25")),
            credits("1.75")
        );
        let max = CreditAmount::from_hundredths(CreditAmount::MAX_HUNDREDTHS).expect("max");
        assert_eq!(max.saturating_add(credits("1")), max);
        assert_eq!(credits("38").shortfall_to(credits("40")), credits("2"));
        assert_eq!(
            credits("41").shortfall_to(credits("40")),
            CreditAmount::ZERO
        );
        let hours = CmeHours::parse("1.25").expect("valid");
        assert_eq!(CreditAmount::from(hours), credits("1.25"));
    }

    #[test]
    fn steps_are_positive() {
        assert_eq!(ClaimStep::parse("0.25").expect("valid"), ClaimStep::QUARTER);
        assert_eq!(
            ClaimStep::parse("0").expect_err("zero").code,
            "out_of_range"
        );
        assert_eq!(
            ClaimStep::parse("-0.5").expect_err("neg").code,
            "out_of_range"
        );
        assert_eq!(
            serde_json::to_string(&ClaimStep::QUARTER).expect("ser"),
            "0.25"
        );
        assert!(serde_json::from_str::<ClaimStep>("0").is_err());
        assert_eq!(ClaimStep::QUARTER.amount(), credits("0.25"));
        assert_eq!(CreditAmount::from(ClaimStep::QUARTER), credits("0.25"));
    }

    #[test]
    fn claims_within_the_maximum_and_on_the_step_pass() {
        let max = credits("1.5");
        let step = ClaimStep::QUARTER;
        for ok in ["0.25", "0.5", "1", "1.25", "1.5", "1.50", "150e-2"] {
            assert_eq!(
                check_claim(ok, max, step).map(|a| a.to_string()),
                Ok(credits(ok).to_string()),
                "{ok}"
            );
        }
    }

    #[test]
    fn each_broken_rule_has_its_own_reason() {
        let max = credits("1.5");
        let step = ClaimStep::QUARTER;
        let refused = |text: &str| check_claim(text, max, step).expect_err(text);
        assert_eq!(refused("1.75"), ClaimRefusal::AboveMaximum { maximum: max });
        assert_eq!(refused("2"), ClaimRefusal::AboveMaximum { maximum: max });
        assert_eq!(refused("1e9"), ClaimRefusal::AboveMaximum { maximum: max });
        assert_eq!(refused("0.3"), ClaimRefusal::OffStep { step });
        assert_eq!(refused("1.125"), ClaimRefusal::OffStep { step });
        assert_eq!(refused("0"), ClaimRefusal::NotPositive);
        assert_eq!(refused("-0.00"), ClaimRefusal::NotPositive);
        assert_eq!(refused("-1"), ClaimRefusal::NotPositive);
        assert_eq!(refused("-0.125"), ClaimRefusal::NotPositive);
        assert_eq!(refused("lots"), ClaimRefusal::NotANumber);
        assert_eq!(refused(""), ClaimRefusal::NotANumber);
        // Above the maximum is reported before being off the step.
        assert_eq!(refused("1.6"), ClaimRefusal::AboveMaximum { maximum: max });

        let issue = refused("1.75").issue();
        assert_eq!(issue.code, "above_maximum");
        assert_eq!(
            issue.message,
            "must be at most 1.5, the credits this activity is designated for"
        );
        assert_eq!(refused("0.3").issue().message, "must be a multiple of 0.25");
        assert_eq!(refused("0").code(), "not_positive");
        assert_eq!(refused("x").code(), "invalid");
        assert_eq!(refused("0.3").code(), "off_step");
    }

    fn designation(kind: CertificateKind, maximum: &str) -> Designation {
        Designation {
            kind,
            credit_type: CreditTypeName::parse("AMA PRA Category 1 Credit™").expect("valid"),
            maximum: credits(maximum),
            step: ClaimStep::QUARTER,
            statement: Statement::parse("The Provider designates …").expect("valid"),
            professions: vec![Profession::Physician],
        }
    }

    #[test]
    fn sound_designations() {
        assert_eq!(
            designation(CertificateKind::Credit, "1.5").validate(),
            Ok(())
        );
        assert_eq!(
            designation(CertificateKind::Participation, "0").validate(),
            Ok(())
        );
        let mut participation = designation(CertificateKind::Participation, "0");
        participation.professions.clear();
        assert_eq!(participation.validate(), Ok(()));
    }

    #[test]
    fn unsound_designations_name_their_fields() {
        let codes = |d: Designation| -> Vec<(&'static str, &'static str)> {
            d.validate()
                .expect_err("unsound")
                .into_iter()
                .map(|(field, issue)| (field, issue.code))
                .collect()
        };
        assert_eq!(
            codes(designation(CertificateKind::Credit, "0")),
            [("maximum", "out_of_range")]
        );
        assert_eq!(
            codes(designation(CertificateKind::Credit, "1000.25")),
            [("maximum", "out_of_range")]
        );
        assert_eq!(
            codes(designation(CertificateKind::Credit, "1.3")),
            [("maximum", "invalid")]
        );
        let mut nobody = designation(CertificateKind::Credit, "1.5");
        nobody.professions.clear();
        assert_eq!(codes(nobody), [("professions", "required")]);
        let mut twice = designation(CertificateKind::Credit, "1.5");
        twice.professions.push(Profession::Physician);
        assert_eq!(codes(twice), [("professions", "invalid")]);
        assert_eq!(
            codes(designation(CertificateKind::Participation, "1")),
            [("maximum", "invalid")]
        );
    }

    #[test]
    fn only_designated_professions_get_credit() {
        let credit = designation(CertificateKind::Credit, "1.5");
        assert!(credit.credits_profession(Some(Profession::Physician)));
        assert!(!credit.credits_profession(Some(Profession::Nurse)));
        assert!(!credit.credits_profession(None));
        let participation = designation(CertificateKind::Participation, "0");
        assert!(!participation.credits_profession(Some(Profession::Physician)));
    }
}
