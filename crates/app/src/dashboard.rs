//! What a student's own pages show: their bookings with the session and the
//! course each is for, what cancelling one would mean for their money, and
//! where they stand in the courses they learn. Reads only; the changes go
//! through `bookings`, `payments` and `enrollments`.

use std::collections::HashSet;

use medicaledu_domain::{BookingStatus, Id, ProgressStatus, Timestamp, refund_eligible};
use medicaledu_store::bookings::{self, BookingRow};
use medicaledu_store::courses::{self, CourseRow};
use medicaledu_store::enrollments::{self, EnrollmentRow};
use medicaledu_store::materials::{self, MaterialRow};
use medicaledu_store::slots::{self, SlotRow};
use medicaledu_store::users;

use crate::bookings::BookingListInput;
use crate::{Actor, AppContext, Internal, ReadError};

/// A booking with its session and course.
#[derive(Clone, Debug)]
pub struct BookingDetail {
    pub booking: BookingRow,
    pub slot: SlotRow,
    pub course: CourseRow,
    /// The name of the course's instructor, who leads the session.
    pub instructor_name: String,
}

/// What cancelling a booking now would do about its payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelConsequence {
    /// Nothing was paid (free, or still unpaid): nothing to refund.
    NothingPaid,
    /// Cancelled early enough: the payment is refunded in full.
    Refunded,
    /// Inside the refund window: the payment is kept.
    NotRefunded,
}

impl CancelConsequence {
    /// The consequence for `booking` of a session starting at `starts_at`,
    /// cancelled at `now` by its student.
    pub fn of(
        ctx: &AppContext,
        booking: &BookingRow,
        starts_at: Timestamp,
        now: Timestamp,
    ) -> Self {
        if booking.status != BookingStatus::Confirmed || booking.total_minor == 0 {
            CancelConsequence::NothingPaid
        } else if refund_eligible(
            &ctx.settings.booking,
            *starts_at.as_datetime(),
            *now.as_datetime(),
        ) {
            CancelConsequence::Refunded
        } else {
            CancelConsequence::NotRefunded
        }
    }
}

/// The student's own bookings of one kind (`upcoming` or `past`), each with
/// its session and course, up to `limit`.
pub async fn my_bookings(
    ctx: &AppContext,
    actor: &Actor,
    when: &str,
    limit: i64,
) -> Result<Vec<BookingDetail>, ReadError> {
    let page = crate::bookings::list_mine(
        ctx,
        actor,
        BookingListInput {
            when: Some(when.to_owned()),
            limit: Some(limit),
            ..BookingListInput::default()
        },
    )
    .await?;
    let mut details = Vec::with_capacity(page.items.len());
    for booking in page.items {
        details.push(with_session(ctx, booking).await?);
    }
    Ok(details)
}

/// One of the actor's own bookings with its session and course; anyone
/// else's is not found.
pub async fn my_booking(
    ctx: &AppContext,
    actor: &Actor,
    booking_id: Id,
) -> Result<BookingDetail, ReadError> {
    let booking = bookings::find(&ctx.db, booking_id)
        .await?
        .filter(|b| b.student_id == actor.id())
        .ok_or(ReadError::NotFound("Booking"))?;
    Ok(with_session(ctx, booking).await?)
}

pub(crate) async fn with_session(
    ctx: &AppContext,
    booking: BookingRow,
) -> Result<BookingDetail, Internal> {
    let slot = slots::find_any(&ctx.db, booking.slot_id)
        .await?
        .ok_or_else(|| Internal::invariant("booking without its slot"))?;
    let course = courses::find_by_id_any(&ctx.db, slot.course_id)
        .await?
        .ok_or_else(|| Internal::invariant("slot without its course"))?;
    // An instructor's account may be deleted since (soft deletes keep the
    // row), so the name is read whatever the account's state.
    let instructor_name = users::find_by_id_any(&ctx.db, course.instructor_id)
        .await?
        .map(|u| u.full_name)
        .unwrap_or_default();
    Ok(BookingDetail {
        booking,
        slot,
        course,
        instructor_name,
    })
}

/// A session offered for booking, with its course: open, of a published
/// course, and not yet closed for booking; anything else is not found.
pub async fn offer(ctx: &AppContext, slot_id: Id) -> Result<(SlotRow, CourseRow), ReadError> {
    let slot = slots::find_live(&ctx.db, slot_id)
        .await?
        .filter(|s| s.status == medicaledu_domain::SlotStatus::Open)
        .ok_or(ReadError::NotFound("Session"))?;
    let course = courses::find_live(&ctx.db, slot.course_id)
        .await?
        .filter(|c| c.status == medicaledu_domain::CourseStatus::Published)
        .ok_or(ReadError::NotFound("Session"))?;
    Ok((slot, course))
}

/// A student's place in a course they learn: the course's live materials in
/// order, their live enrollment, and the materials they completed.
#[derive(Clone, Debug)]
pub struct Learning {
    pub course: CourseRow,
    pub enrollment: EnrollmentRow,
    pub materials: Vec<MaterialRow>,
    pub completed: HashSet<Id>,
}

impl Learning {
    /// Where to go on: the first material not completed yet, or the first
    /// material once every one is done (to review); none in an empty course.
    pub fn next_to_learn(&self) -> Option<&MaterialRow> {
        self.materials
            .iter()
            .find(|m| !self.completed.contains(&m.id))
            .or_else(|| self.materials.first())
    }
}

/// What the actor learns in the course `slug`: `None` when they hold no live
/// enrollment in it (they see its outline only); a course they may not see
/// is not found.
pub async fn learning(
    ctx: &AppContext,
    actor: &Actor,
    slug: &str,
) -> Result<Option<Learning>, ReadError> {
    let course = crate::courses::get_course(ctx, Some(actor), slug)
        .await?
        .course;
    Ok(learning_in(ctx, actor, course).await?)
}

/// [`learning`] for a course already read.
pub async fn learning_in(
    ctx: &AppContext,
    actor: &Actor,
    course: CourseRow,
) -> Result<Option<Learning>, Internal> {
    let Some(enrollment) = enrollments::find_live_for(&ctx.db, actor.id(), course.id).await? else {
        return Ok(None);
    };
    let materials = materials::list_live(&ctx.db, course.id).await?;
    let completed = enrollments::list_progress(&ctx.db, enrollment.id)
        .await?
        .into_iter()
        .filter(|p| p.status == ProgressStatus::Completed)
        .map(|p| p.material_id)
        .collect();
    Ok(Some(Learning {
        course,
        enrollment,
        materials,
        completed,
    }))
}
