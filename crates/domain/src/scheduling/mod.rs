//! Instructors' availability and students' bookings: recurring slots given as a
//! JSON subset of RFC 5545 recurrence rules, and the rules a booking follows
//! from creation to attendance.
//!
//! Everything here is pure: expansion takes the rule, the first start and the
//! zone, and returns instants; the booking rules take `now` from the caller.
//! Instants are UTC ([`chrono::DateTime<Utc>`]); local time only matters while
//! expanding a rule, in the instructor's zone.
//!
//! Besides the codes documented on [`FieldIssue`](crate::FieldIssue), ranges
//! are refused with `out_of_range` (as in the catalogue) and duplicate list
//! entries with `invalid`. [`ExpansionError`] and [`BookingRuleError`] carry
//! their own codes.

mod booking;
mod expand;
mod recurrence;
mod vocab;

pub use booking::{
    BookingPolicy, BookingRuleError, SlotWindow, check_attendance_mark, check_notice,
    check_reschedule, check_transition, hold_expires_at, initial_status, overlaps, refund_eligible,
};
pub use expand::{ExpansionError, ExpansionLimits, Occurrence, expand, local_shift, shift_local};
pub use recurrence::{ExDate, RecurrenceRule};
pub use vocab::{BookingStatus, Frequency, SlotStatus, Weekday};
