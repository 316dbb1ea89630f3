//! Continuing medical education from the learner's side: their CME profile,
//! the licences they hold and what each renewal requires, the credits they
//! earned elsewhere, their transcript with where each licence stands, and
//! the reminders of each renewal.
//!
//! Everything here is the signed-in learner's own: a licence or external
//! credit of someone else is "not found", whoever asks.

mod external;
mod licences;
mod profile;
mod reminders;
mod transcript;

pub use external::{
    CreateExternalCreditError, DeleteExternalCreditError, ExternalCredit, ExternalCreditInput,
    create_external_credit, delete_external_credit, list_external_credits,
};
pub use licences::{
    CreateLicenceError, DeleteLicenceError, HeldLicence, LicenceInput, TopicInput,
    UpdateLicenceError, create_licence, delete_licence, licence_of, list_licences, update_licence,
};
pub use profile::{MAX_BOARD_NUMBER_CHARS, ProfileError, ProfileInput, get_profile, put_profile};
pub use reminders::{RENEWAL_HORIZON_DAYS, renewal_key, send_renewal_reminders};
pub use transcript::{
    LicenceStanding, TRANSCRIPT_HEADER, Transcript, TranscriptError, TranscriptLine,
    TranscriptQuery, TranscriptWording, pdf as transcript_pdf, transcript,
};

use chrono::NaiveDate;
use medicaledu_domain::{CreditAmount, FieldIssue, TimeZone, Timestamp};

use crate::Fields;

/// The day it is at `now` in `zone`.
fn day_in(now: Timestamp, zone: &TimeZone) -> NaiveDate {
    now.as_datetime().with_timezone(&zone.tz()).date_naive()
}

/// The learner's zone, UTC when theirs no longer parses.
fn zone_of(timezone: &str) -> TimeZone {
    TimeZone::parse(timezone).unwrap_or_default()
}

/// A calendar day written `YYYY-MM-DD`.
fn parse_date(input: &str) -> Result<NaiveDate, FieldIssue> {
    NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d")
        .map_err(|_| FieldIssue::invalid("must be a date such as 2027-06-30"))
}

/// A number of credits such as `40` or `2.5`, written as a JSON number or
/// its text.
fn credits(fields: &mut Fields, field: &str, input: &str) -> Option<CreditAmount> {
    fields.check(field, CreditAmount::parse(input.trim()))
}
