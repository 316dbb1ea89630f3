//! The fixed vocabularies of continuing medical education. The strings are
//! what the database stores and the API shows.
//!
//! What accreditors call their credit ("AMA PRA Category 1 Credit™", "ECMEC®")
//! is deliberately not here: it is data a provider sets on each designation
//! ([`CreditTypeName`](super::CreditTypeName)), so a new accreditor needs no
//! release. Only whether a certificate carries credit at all is fixed
//! ([`CertificateKind`]).

use crate::text_enum::text_enum;

text_enum!(
    /// How an activity is delivered, which decides whether attendance is a
    /// condition of credit.
    ActivityFormat {
        /// Held at set times (in person or online); credit needs attendance.
        Live => "live",
        /// Taken at the learner's pace between its release and expiry dates.
        Enduring => "enduring",
    }
);

text_enum!(
    /// The assessments an activity may have.
    AssessmentKind {
        /// Optional; measures what learners knew before. Scored, never gates credit.
        PreTest => "pre_test",
        /// Scored against the pass mark; passing it is a condition of credit.
        PostTest => "post_test",
        /// The learner's feedback on the activity: no right answers, no score;
        /// submitting it is a condition of credit.
        Evaluation => "evaluation",
    }
);

impl AssessmentKind {
    /// Whether answers are marked right or wrong.
    pub const fn is_scored(self) -> bool {
        !matches!(self, AssessmentKind::Evaluation)
    }
}

text_enum!(
    /// How many options a learner picks.
    QuestionKind {
        /// Exactly one option is correct; the learner picks one.
        SingleChoice => "single_choice",
        /// One or more options are correct; the learner must pick exactly those.
        MultipleChoice => "multiple_choice",
    }
);

text_enum!(
    /// Where one attempt at an assessment stands.
    AttemptStatus {
        /// Started, answers being saved; at most one per learner and assessment.
        InProgress => "in_progress",
        /// Submitted in time and scored.
        Submitted => "submitted",
        /// Not submitted before its deadline and grace ran out: it counts as
        /// an attempt and is not scored.
        Expired => "expired",
    }
);

text_enum!(
    /// What a certificate (and a designation) attests.
    CertificateKind {
        /// Credits of the designation's credit type, with its designation statement.
        Credit => "credit",
        /// Participation only, without credits or the credit statement: for
        /// learners of a profession the designation does not cover, and for
        /// designations that award no credit.
        Participation => "participation",
    }
);

text_enum!(
    /// A certificate's standing. Certificates are never edited; these are the
    /// only changes.
    CertificateStatus {
        Active => "active",
        /// Withdrawn by an administrator; verification says so, with the date.
        Revoked => "revoked",
        /// Replaced by a re-issued certificate with a new code.
        Superseded => "superseded",
    }
);

impl CertificateStatus {
    /// Whether verification vouches for the certificate. A superseded one
    /// points to its replacement instead.
    pub const fn is_valid(self) -> bool {
        matches!(self, CertificateStatus::Active)
    }
}

text_enum!(
    /// Where a transcript entry comes from.
    CreditSource {
        /// A claim on an activity here, backed by a certificate.
        Earned => "earned",
        /// Recorded by the learner for an activity elsewhere, unverified.
        SelfReported => "self_reported",
    }
);

text_enum!(
    /// A learner's profession, matched against the professions a designation
    /// covers. A fixed list because matching free text ("MD", "Physician",
    /// "doctor") would decide credit by spelling.
    Profession {
        Physician => "physician",
        PhysicianAssistant => "physician_assistant",
        NursePractitioner => "nurse_practitioner",
        Nurse => "nurse",
        Midwife => "midwife",
        Pharmacist => "pharmacist",
        Dentist => "dentist",
        Psychologist => "psychologist",
        SocialWorker => "social_worker",
        Dietitian => "dietitian",
        Physiotherapist => "physiotherapist",
        Paramedic => "paramedic",
        /// Any other health professional; a designation may cover it too.
        Other => "other",
    }
);

text_enum!(
    /// How long before a licence's renewal date a reminder goes out.
    RenewalLead {
        Days90 => "90d",
        Days30 => "30d",
        Days7 => "7d",
    }
);

impl RenewalLead {
    pub const fn days(self) -> i64 {
        match self {
            RenewalLead::Days90 => 90,
            RenewalLead::Days30 => 30,
            RenewalLead::Days7 => 7,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text_enum::round_trips;

    #[test]
    fn every_vocabulary_round_trips() {
        round_trips(&ActivityFormat::ALL);
        round_trips(&AssessmentKind::ALL);
        round_trips(&QuestionKind::ALL);
        round_trips(&AttemptStatus::ALL);
        round_trips(&CertificateKind::ALL);
        round_trips(&CertificateStatus::ALL);
        round_trips(&CreditSource::ALL);
        round_trips(&Profession::ALL);
        round_trips(&RenewalLead::ALL);
        assert_eq!(AssessmentKind::PostTest.as_str(), "post_test");
        assert_eq!(CreditSource::SelfReported.as_str(), "self_reported");
        assert_eq!(QuestionKind::MultipleChoice.as_str(), "multiple_choice");
        assert_eq!(RenewalLead::Days90.as_str(), "90d");
    }

    #[test]
    fn unknown_values_list_the_allowed_ones() {
        let issue = "webinar".parse::<ActivityFormat>().expect_err("unknown");
        assert_eq!(issue.code, "invalid");
        assert_eq!(issue.message, "must be one of: live, enduring");
        assert!("AMA PRA Category 1".parse::<CertificateKind>().is_err());
        assert!(serde_json::from_str::<AttemptStatus>("\"abandoned\"").is_err());
    }

    #[test]
    fn only_evaluations_go_unscored() {
        let scored: Vec<_> = AssessmentKind::ALL
            .into_iter()
            .filter(|kind| kind.is_scored())
            .collect();
        assert_eq!(scored, [AssessmentKind::PreTest, AssessmentKind::PostTest]);
    }

    #[test]
    fn only_active_certificates_are_valid() {
        let valid: Vec<_> = CertificateStatus::ALL
            .into_iter()
            .filter(|status| status.is_valid())
            .collect();
        assert_eq!(valid, [CertificateStatus::Active]);
    }

    #[test]
    fn renewal_leads_in_days() {
        let days: Vec<_> = RenewalLead::ALL
            .into_iter()
            .map(RenewalLead::days)
            .collect();
        assert_eq!(days, [90, 30, 7]);
    }
}
