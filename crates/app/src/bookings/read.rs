//! Reading bookings: one, a student's, an instructor's.

use medicaledu_domain::{BookingStatus, Id, Role};
use medicaledu_store::bookings::{self, BookingFilter, BookingRow};

use super::participant;
use crate::{Actor, AppContext, Fields, Forbidden, Page, PageRequest, ReadError, page};

/// One booking, for its student, the session's instructor and admins.
pub async fn get(ctx: &AppContext, actor: &Actor, booking_id: Id) -> Result<BookingRow, ReadError> {
    participant(ctx, actor, booking_id)
        .await?
        .map(|(booking, ..)| booking)
        .ok_or(ReadError::NotFound("Booking"))
}

/// Which bookings to list, as the caller wrote it.
#[derive(Clone, Debug, Default)]
pub struct BookingListInput {
    /// One of the booking statuses.
    pub status: Option<String>,
    /// `upcoming` or `past`.
    pub when: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// The acting student's bookings, newest first.
pub async fn list_mine(
    ctx: &AppContext,
    actor: &Actor,
    input: BookingListInput,
) -> Result<Page<BookingRow>, ReadError> {
    list(ctx, input, Some(actor.id()), None).await
}

/// Bookings on the acting instructor's slots, newest first.
pub async fn list_teaching(
    ctx: &AppContext,
    actor: &Actor,
    input: BookingListInput,
) -> Result<Page<BookingRow>, ReadError> {
    if !actor.is(Role::Instructor) {
        return Err(Forbidden("This list is for instructors.").into());
    }
    list(ctx, input, None, Some(actor.id())).await
}

async fn list(
    ctx: &AppContext,
    input: BookingListInput,
    student: Option<Id>,
    instructor: Option<Id>,
) -> Result<Page<BookingRow>, ReadError> {
    let mut fields = Fields::default();
    let status = match &input.status {
        Some(status) => fields.check("status", status.parse::<BookingStatus>()),
        None => None,
    };
    let upcoming = match input.when.as_deref() {
        None => None,
        Some("upcoming") => Some(true),
        Some("past") => Some(false),
        Some(_) => {
            fields.reject("when", "invalid", "must be upcoming or past");
            None
        }
    };
    fields.finish()?;
    let paging = PageRequest::parse(input.cursor.as_deref(), input.limit)?;
    let filter = BookingFilter {
        student_id: student,
        instructor_id: instructor,
        status,
        upcoming,
        now: Some(ctx.now()),
        before: paging.after,
        limit: paging.limit + 1,
    };
    let rows = bookings::list(&ctx.db, &filter).await?;
    Ok(page(rows, paging.limit, |r| (r.created_at, r.id)))
}
