//! The pure rules of MedicalEdu: identifiers, time, and the vocabulary shared by
//! the store and the API. Nothing here touches the network, the disk or a database;
//! the one thing taken from outside is randomness from the operating system, for
//! password salts and session tokens.

mod calendar;
mod catalog;
mod cme;
mod commerce;
mod id;
mod identity;
mod notify;
mod scheduling;
#[cfg(feature = "sqlx")]
mod sql;
mod text_enum;
mod time;

pub use calendar::{CalendarEvent, render_calendar};
pub use catalog::{
    Category, CmeHours, CourseLevel, CourseStatus, CourseTitle, Currency, Description,
    DurationSeconds, EnrollmentSource, EnrollmentStatus, HttpsUrl, MaterialKind, Money, PriceMinor,
    ProgressState, ProgressStatus, ProgressUpdate, PublishError, RatingValue, Review, Slug,
    Summary, Tags, apply_progress, average_hundredths, enrollment_complete, enrollment_percent,
    publish_check,
};
pub use cme::{
    ActivityFormat, Answer, AnswerOption, AssessmentKind, AttemptHistory, AttemptPolicy,
    AttemptRefusal, AttemptStatus, BadgeLinks, CertificateCode, CertificateFacts, CertificateKind,
    CertificateSnapshot, CertificateStatus, ClaimFacts, ClaimRefusal, ClaimStep, CreditAmount,
    CreditEntry, CreditSource, CreditTypeName, Designation, Ineligible, Jurisdiction,
    LearnerQuestion, Licence, LicenceNumber, LicenceStatus, OB_CONTEXT, PassMark, Profession,
    QuestionKind, QuestionResult, QuestionSnapshot, RenewalLead, RenewalReminder, Requirement,
    STATUS_TYPE, Score, ShuffleSeed, Statement, Topic, TopicRequirement, TopicStatus, TypeTotal,
    VC_CONTEXT, arrange, check_answers, check_claim, check_start, claim_eligibility,
    licence_status, open_badge_credential, renewal_reminders, score, totals_by_type, unanswered,
};
pub use commerce::{
    DiscountType, PaymentKind, PaymentProvider, PaymentStatus, PromoCheck, PromoRefusal,
    PromoScope, PromoTerms, RevenueGrouping, discount_minor,
};
pub use id::{Id, ParseIdError};
pub use identity::{
    Argon2Params, Bio, ChallengeToken, Credentials, Email, FieldIssue, FullName, HashError,
    Headline, Locale, LockoutPolicy, Password, PasswordHasher, Phone, RecoveryCode, Role,
    SecondFactorCode, SessionToken, Specialty, TOTP_ISSUER, TimeZone, TotpSecret, UserStatus,
};
pub use notify::{
    Channel, NotificationKind, NotificationStatus, PreferenceError, Preferences, Reminder,
    ReminderLead, Retry, RetryPolicy, local_time, reminders,
};
pub use scheduling::{
    BookingPolicy, BookingRuleError, BookingStatus, ExDate, ExpansionError, ExpansionLimits,
    Frequency, Occurrence, RecurrenceRule, SlotStatus, SlotWindow, Weekday, check_attendance_mark,
    check_notice, check_reschedule, check_transition, expand, hold_expires_at, initial_status,
    local_shift, overlaps, refund_eligible, shift_local,
};
pub use time::Timestamp;
