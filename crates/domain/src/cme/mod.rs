//! Continuing medical education: what an activity designates, the tests a
//! learner takes, the credit they claim, the certificate and credential they
//! receive, and how their credits add up against their licences.
//!
//! Everything here is pure: the caller supplies `now`, what is stored about
//! attempts and completions, and the URLs it serves; randomness is taken
//! only for certificate codes and shuffle seeds. The store keeps the numbers
//! and strings these types produce (`hundredths()`, `as_str()`, `get()`,
//! `canonical_json()`).
//!
//! Refusals of input are [`FieldIssue`](crate::FieldIssue)s under a field path
//! (`answers[1].option_ids[0]`, `required_topics[0].credits`), answered with
//! 422; besides the codes documented on `FieldIssue`, ranges are refused with
//! `out_of_range`. A claim's amount has its own codes ([`ClaimRefusal`]).
//! Conditions of the learner's situation rather than of the input
//! ([`Ineligible`], [`AttemptRefusal`]) carry their own codes and are
//! answered with 409.

mod attempt;
mod badge;
mod certificate;
mod credit;
pub(crate) mod decimal;
mod eligibility;
mod licence;
mod question;
mod text;
mod vocab;

pub use attempt::{
    AttemptHistory, AttemptPolicy, AttemptRefusal, ShuffleSeed, arrange, check_start,
};
pub use badge::{BadgeLinks, OB_CONTEXT, STATUS_TYPE, VC_CONTEXT, open_badge_credential};
pub use certificate::{CertificateCode, CertificateFacts, CertificateSnapshot};
pub use credit::{ClaimRefusal, ClaimStep, CreditAmount, Designation, check_claim};
pub use eligibility::{ClaimFacts, Ineligible, claim_eligibility};
pub use licence::{
    CreditEntry, Licence, LicenceStatus, RenewalReminder, Requirement, TopicRequirement,
    TopicStatus, TypeTotal, licence_status, renewal_reminders, totals_by_type,
};
pub use question::{
    Answer, AnswerOption, LearnerQuestion, PassMark, QuestionResult, QuestionSnapshot, Score,
    check_answers, score, unanswered,
};
pub use text::{CreditTypeName, Jurisdiction, LicenceNumber, Statement, Topic};
pub use vocab::{
    ActivityFormat, AssessmentKind, AttemptStatus, CertificateKind, CertificateStatus,
    CreditSource, Profession, QuestionKind, RenewalLead,
};
