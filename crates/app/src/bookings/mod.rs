//! Bookings: taking a seat in a slot, and everything that happens to it
//! after. Every rule runs inside one write transaction that reads the
//! booking under its lock; seats are taken by a conditional update, and
//! duplicate live bookings hit a partial unique index.

mod attendance;
mod cancel;
mod create;
mod expire;
mod read;
mod reschedule;
mod slot_changes;

pub use attendance::{AttendanceError, complete, no_show};
pub use cancel::{CancelError, cancel};
pub use create::{BookError, BookInput, Booked, book};
pub use expire::expire_holds;
pub use read::{BookingListInput, get, list_mine, list_teaching};
pub use reschedule::{RescheduleError, reschedule};
pub use slot_changes::{cancel_for_slot, notify_slot_moved};

use medicaledu_domain::{BookingRuleError, Id};
use medicaledu_store::bookings::{self, BookingRow};
use medicaledu_store::courses::{self, CourseRow};
use medicaledu_store::slots::{self, SlotRow};

use crate::{Actor, AppContext, Internal};

// A broken booking rule answers as a failure of its own, which the
// operations' errors wrap.
crate::failure!(BookingRuleError {
    TooLate { .. } => TooLate,
    RescheduleLimit { .. } => RescheduleLimit,
    NotStarted => NotStarted,
    InvalidTransition => InvalidTransition,
    NotLive { .. } => NotLive,
} wraps {});

/// Who is looking at a booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Party {
    Student,
    Instructor,
    Admin,
}

/// The booking with its slot and course if the actor takes part in it (or
/// is an admin); `None` otherwise, which callers answer as "not found".
/// Changes read the booking again inside their transaction.
async fn participant(
    ctx: &AppContext,
    actor: &Actor,
    id: Id,
) -> Result<Option<(BookingRow, SlotRow, CourseRow, Party)>, Internal> {
    let Some(booking) = bookings::find(&ctx.db, id).await? else {
        return Ok(None);
    };
    let Some(slot) = slots::find_any(&ctx.db, booking.slot_id).await? else {
        return Ok(None);
    };
    let Some(course) = courses::find_by_id_any(&ctx.db, slot.course_id).await? else {
        return Ok(None);
    };
    let party = if booking.student_id == actor.id() {
        Party::Student
    } else if course.instructor_id == actor.id() {
        Party::Instructor
    } else if actor.is_admin() {
        Party::Admin
    } else {
        return Ok(None);
    };
    Ok(Some((booking, slot, course, party)))
}
