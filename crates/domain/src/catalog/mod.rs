//! Courses and what hangs off them: prices, CME credit, slugs, the texts an
//! instructor writes, the lifecycle of a course, and the rules for enrolments,
//! progress and ratings.
//!
//! Everything here is pure: the store keeps the numbers and strings these types
//! produce (`as_str()`, `get()`, `hundredths()`), and the API decides which
//! field a [`FieldIssue`](crate::FieldIssue) belongs to.
//!
//! Besides the codes documented on `FieldIssue`, numbers outside their range are
//! refused with `out_of_range`, as the API's pagination already does.
//!
//! A course's language is a [`Locale`](crate::Locale) and its specialty a
//! [`Specialty`](crate::Specialty), the same types a user's profile uses, so
//! that a course and its instructor can be matched on them.

mod cme;
mod lifecycle;
mod link;
mod money;
mod progress;
mod rating;
mod slug;
pub(crate) mod text;
mod vocab;

pub use cme::CmeHours;
pub use lifecycle::{PublishError, publish_check};
pub use link::HttpsUrl;
pub use money::{Currency, Money, PriceMinor};
pub use progress::{
    DurationSeconds, ProgressState, ProgressUpdate, apply_progress, enrollment_complete,
    enrollment_percent,
};
pub use rating::{RatingValue, Review, average_hundredths};
pub use slug::Slug;
pub use text::{Category, CourseTitle, Description, Summary, Tags};
pub use vocab::{
    CourseLevel, CourseStatus, EnrollmentSource, EnrollmentStatus, MaterialKind, ProgressStatus,
};
