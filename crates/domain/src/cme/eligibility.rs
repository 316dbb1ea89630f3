//! Whether a learner may claim on a designation now, and what they get.

use super::{ActivityFormat, CertificateKind, Designation, Profession};
use crate::Timestamp;

/// What the store knows about a learner and an activity when they claim.
#[derive(Debug, Clone, Copy)]
pub struct ClaimFacts<'a> {
    pub format: ActivityFormat,
    pub released_at: Timestamp,
    /// `None` for an activity that does not expire.
    pub expires_at: Option<Timestamp>,
    /// Every required material of the course is completed.
    pub materials_complete: bool,
    /// A completed booking of a session of the activity; only asked of live
    /// activities.
    pub attended: bool,
    /// A submitted post-test attempt passed.
    pub post_test_passed: bool,
    pub evaluation_submitted: bool,
    /// `None` when the learner has not said.
    pub profession: Option<Profession>,
    pub designation: &'a Designation,
    pub now: Timestamp,
}

/// The first condition of a claim that is not met. Each is a 409: the claim
/// is well formed, the learner's situation does not allow it yet (or any more).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Ineligible {
    #[error("the activity has not been released yet")]
    NotReleased,
    #[error("the activity has expired; credit can no longer be claimed")]
    ActivityExpired,
    #[error("the course's required materials are not all completed")]
    MaterialsIncomplete,
    #[error("attendance at the live activity has not been recorded")]
    NotAttended,
    #[error("the post-test has not been passed")]
    PostTestNotPassed,
    #[error("the evaluation has not been submitted")]
    EvaluationMissing,
}

impl Ineligible {
    /// Stable, for programs, like [`FieldIssue::code`](crate::FieldIssue).
    pub const fn code(&self) -> &'static str {
        match self {
            Ineligible::NotReleased => "not_released",
            Ineligible::ActivityExpired => "activity_expired",
            Ineligible::MaterialsIncomplete => "materials_incomplete",
            Ineligible::NotAttended => "not_attended",
            Ineligible::PostTestNotPassed => "post_test_not_passed",
            Ineligible::EvaluationMissing => "evaluation_missing",
        }
    }
}

/// Whether the learner may claim, and which certificate they get.
///
/// Conditions are checked in the order a learner works through an activity,
/// so the reason names the next thing to do: the activity's dates, the
/// materials, attendance (live only), the post-test, the evaluation. The
/// activity is open from `released_at` inclusive to `expires_at` exclusive.
///
/// A learner who meets every condition but whose profession the designation
/// does not cover (or who has not given one) gets participation, not a
/// refusal: they did the work, and the certificate says what it may.
pub fn claim_eligibility(facts: &ClaimFacts<'_>) -> Result<CertificateKind, Ineligible> {
    if facts.now < facts.released_at {
        return Err(Ineligible::NotReleased);
    }
    if facts.expires_at.is_some_and(|expiry| facts.now >= expiry) {
        return Err(Ineligible::ActivityExpired);
    }
    if !facts.materials_complete {
        return Err(Ineligible::MaterialsIncomplete);
    }
    if facts.format == ActivityFormat::Live && !facts.attended {
        return Err(Ineligible::NotAttended);
    }
    if !facts.post_test_passed {
        return Err(Ineligible::PostTestNotPassed);
    }
    if !facts.evaluation_submitted {
        return Err(Ineligible::EvaluationMissing);
    }
    if facts.designation.credits_profession(facts.profession) {
        Ok(CertificateKind::Credit)
    } else {
        Ok(CertificateKind::Participation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ClaimStep, CreditAmount, CreditTypeName, Statement};

    fn at(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).expect("valid")
    }

    fn designation() -> Designation {
        Designation {
            kind: CertificateKind::Credit,
            credit_type: CreditTypeName::parse("AMA PRA Category 1 Credit™").expect("valid"),
            maximum: CreditAmount::parse("1.5").expect("valid"),
            step: ClaimStep::QUARTER,
            statement: Statement::parse("The Provider designates …").expect("valid"),
            professions: vec![Profession::Physician, Profession::PhysicianAssistant],
        }
    }

    fn facts(designation: &Designation) -> ClaimFacts<'_> {
        ClaimFacts {
            format: ActivityFormat::Enduring,
            released_at: at("2026-01-01T00:00:00Z"),
            expires_at: Some(at("2028-01-01T00:00:00Z")),
            materials_complete: true,
            attended: false,
            post_test_passed: true,
            evaluation_submitted: true,
            profession: Some(Profession::Physician),
            designation,
            now: at("2026-06-01T12:00:00Z"),
        }
    }

    #[test]
    fn a_designated_learner_who_did_everything_gets_credit() {
        let d = designation();
        assert_eq!(claim_eligibility(&facts(&d)), Ok(CertificateKind::Credit));
        let pa = ClaimFacts {
            profession: Some(Profession::PhysicianAssistant),
            ..facts(&d)
        };
        assert_eq!(claim_eligibility(&pa), Ok(CertificateKind::Credit));
    }

    #[test]
    fn other_professions_get_participation() {
        let d = designation();
        let nurse = ClaimFacts {
            profession: Some(Profession::Nurse),
            ..facts(&d)
        };
        assert_eq!(
            claim_eligibility(&nurse),
            Ok(CertificateKind::Participation)
        );
        let unknown = ClaimFacts {
            profession: None,
            ..facts(&d)
        };
        assert_eq!(
            claim_eligibility(&unknown),
            Ok(CertificateKind::Participation)
        );
        let participation = Designation {
            kind: CertificateKind::Participation,
            maximum: CreditAmount::ZERO,
            ..designation()
        };
        assert_eq!(
            claim_eligibility(&facts(&participation)),
            Ok(CertificateKind::Participation)
        );
    }

    #[test]
    fn the_first_missing_condition_is_named() {
        let d = designation();
        let base = facts(&d);
        let cases = [
            (
                ClaimFacts {
                    now: at("2025-12-31T23:59:59Z"),
                    ..base
                },
                Ineligible::NotReleased,
            ),
            (
                ClaimFacts {
                    now: at("2028-01-01T00:00:00Z"),
                    ..base
                },
                Ineligible::ActivityExpired,
            ),
            (
                ClaimFacts {
                    materials_complete: false,
                    ..base
                },
                Ineligible::MaterialsIncomplete,
            ),
            (
                ClaimFacts {
                    format: ActivityFormat::Live,
                    ..base
                },
                Ineligible::NotAttended,
            ),
            (
                ClaimFacts {
                    post_test_passed: false,
                    ..base
                },
                Ineligible::PostTestNotPassed,
            ),
            (
                ClaimFacts {
                    evaluation_submitted: false,
                    ..base
                },
                Ineligible::EvaluationMissing,
            ),
            // Several missing: the earliest step is named.
            (
                ClaimFacts {
                    post_test_passed: false,
                    evaluation_submitted: false,
                    materials_complete: false,
                    profession: Some(Profession::Nurse),
                    ..base
                },
                Ineligible::MaterialsIncomplete,
            ),
        ];
        for (facts, reason) in cases {
            assert_eq!(claim_eligibility(&facts), Err(reason), "{reason:?}");
        }
        assert_eq!(Ineligible::PostTestNotPassed.code(), "post_test_not_passed");
        assert_eq!(
            Ineligible::EvaluationMissing.to_string(),
            "the evaluation has not been submitted"
        );
    }

    #[test]
    fn the_dates_bound_the_claim() {
        let d = designation();
        let base = facts(&d);
        let released = ClaimFacts {
            now: base.released_at,
            ..base
        };
        assert_eq!(claim_eligibility(&released), Ok(CertificateKind::Credit));
        let last_moment = ClaimFacts {
            now: at("2027-12-31T23:59:59.999999Z"),
            ..base
        };
        assert_eq!(claim_eligibility(&last_moment), Ok(CertificateKind::Credit));
        let forever = ClaimFacts {
            expires_at: None,
            now: at("2099-01-01T00:00:00Z"),
            ..base
        };
        assert_eq!(claim_eligibility(&forever), Ok(CertificateKind::Credit));
    }

    #[test]
    fn live_activities_need_attendance() {
        let d = designation();
        let attended = ClaimFacts {
            format: ActivityFormat::Live,
            attended: true,
            ..facts(&d)
        };
        assert_eq!(claim_eligibility(&attended), Ok(CertificateKind::Credit));
    }
}
