//! Enrollments: a student's place in a course, and their progress through it.

use medicaledu_domain::{
    CourseStatus, EnrollmentSource, Id, NotificationKind, ProgressState, ProgressStatus,
    ProgressUpdate, Role, Timestamp, apply_progress, enrollment_complete, enrollment_percent,
};
use medicaledu_store::Tx;
use medicaledu_store::courses::{self, CourseRow};
use medicaledu_store::enrollments::{self, EnrollmentRow, ProgressRow, ProgressWrite};
use medicaledu_store::{materials, users};
use serde_json::json;

use crate::audit::{self, Change};
use crate::notify::{self, Notice};
use crate::{
    Actor, AppContext, FieldError, Internal, Invalid, Page, PageRequest, ReadError, RequestMeta,
    page,
};

/// Ensures the student's enrollment in a course whose booking was just
/// confirmed, inside the booking's transaction. Returns the enrollment and
/// whether it is new (and then audited).
pub async fn ensure_for_booking(
    tx: &mut Tx,
    meta: &RequestMeta,
    student_id: Id,
    course_id: Id,
    now: Timestamp,
) -> Result<(EnrollmentRow, bool), Internal> {
    let (row, created) =
        enrollments::ensure(tx, student_id, course_id, EnrollmentSource::Booking, now).await?;
    if created {
        audit_enrolled(tx, meta, None, &row, now).await?;
    }
    Ok((row, created))
}

/// Cancels the student's enrollment in the course when a booking gave it and
/// no booking of theirs pays for it any more (cancelled, or refunded in
/// full), inside the transaction that changed the booking or its payment. A
/// free or granted enrollment stays; progress stays too, for a later
/// enrollment to pick up.
pub(crate) async fn revoke_unpaid(
    tx: &mut Tx,
    meta: &RequestMeta,
    actor: Option<Id>,
    student_id: Id,
    course_id: Id,
    now: Timestamp,
) -> Result<(), Internal> {
    let Some(enrollment) = enrollments::find_live_for_tx(tx, student_id, course_id).await? else {
        return Ok(());
    };
    if enrollment.source != EnrollmentSource::Booking
        || enrollments::booking_still_pays(tx, student_id, course_id).await?
    {
        return Ok(());
    }
    if let Some(cancelled) = enrollments::cancel(tx, enrollment.id, now).await? {
        audit::record(
            tx,
            meta,
            now,
            Change {
                actor,
                action: "enrollment.cancelled",
                entity_type: "enrollment",
                entity_id: cancelled.id,
                changes: json!({
                    "status": { "before": enrollment.status, "after": cancelled.status },
                    "reason": "no paid booking left",
                }),
            },
        )
        .await?;
    }
    Ok(())
}

pub async fn audit_enrolled(
    tx: &mut Tx,
    meta: &RequestMeta,
    actor: Option<Id>,
    row: &EnrollmentRow,
    now: Timestamp,
) -> Result<(), Internal> {
    audit::record(
        tx,
        meta,
        now,
        Change {
            actor,
            action: "enrollment.created",
            entity_type: "enrollment",
            entity_id: row.id,
            changes: json!({ "student_id": row.student_id, "course_id": row.course_id, "source": row.source }),
        },
    )
    .await
}

#[derive(Debug, thiserror::Error)]
pub enum EnrollError {
    #[error("Course not found.")]
    NotFound,
    #[error("Only students enroll in courses.")]
    Forbidden,
    #[error("This course is paid: book and pay for a session to enroll.")]
    PaymentRequired,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(EnrollError);

crate::failure!(EnrollError {
    NotFound => NotFound,
    Forbidden => Forbidden,
    PaymentRequired => PaymentRequired,
} wraps {
    Invalid(Invalid),
    Internal(Internal),
});

/// An enrollment to make: a student enrolls themselves in a free published
/// course; an administrator grants one to `student_id`.
#[derive(Clone, Copy, Debug)]
pub struct Enroll {
    pub course_id: Id,
    pub student_id: Option<Id>,
}

/// Enroll. Enrolling twice returns the existing enrollment, with `false`
/// for "not new".
pub async fn enroll(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    input: Enroll,
) -> Result<(EnrollmentRow, bool), EnrollError> {
    let mut tx = ctx.db.begin_write().await?;
    let course = courses::find_live_tx(&mut tx, input.course_id)
        .await?
        .filter(|c| c.status == CourseStatus::Published || actor.is_admin())
        .ok_or(EnrollError::NotFound)?;
    let (student_id, source) = match (actor.is_admin(), input.student_id) {
        (true, Some(student_id)) => {
            let student = users::find_live_by_id_tx(&mut tx, student_id).await?;
            if student.is_none_or(|s| s.role != Role::Student) {
                return Err(Invalid::one(
                    "student_id",
                    "invalid",
                    "must be a live student account",
                )
                .into());
            }
            (student_id, EnrollmentSource::AdminGrant)
        }
        (false, Some(_)) => {
            return Err(Invalid::one(
                "student_id",
                "not_allowed",
                "only administrators enroll someone else",
            )
            .into());
        }
        _ if !actor.is(Role::Student) => return Err(EnrollError::Forbidden),
        _ if course.price_minor > 0 => return Err(EnrollError::PaymentRequired),
        _ => (actor.id(), EnrollmentSource::Free),
    };
    let now = ctx.now();
    let (row, created) = enrollments::ensure(&mut tx, student_id, course.id, source, now).await?;
    if created {
        audit_enrolled(&mut tx, meta, Some(actor.id()), &row, now).await?;
    }
    tx.commit().await?;
    Ok((row, created))
}

/// An enrollment with its course (even a deleted one, which it still names).
#[derive(Clone, Debug)]
pub struct EnrollmentWithCourse {
    pub enrollment: EnrollmentRow,
    pub course: Option<CourseRow>,
}

/// The actor's enrollments with their progress, newest first.
pub async fn my_enrollments(
    ctx: &AppContext,
    actor: &Actor,
    request: PageRequest,
) -> Result<Page<EnrollmentWithCourse>, ReadError> {
    let rows = enrollments::list_for_student(&ctx.db, actor.id(), request.after, request.limit + 1)
        .await?;
    let rows = page(rows, request.limit, |r| (r.enrolled_at, r.id));
    let mut items = Vec::with_capacity(rows.items.len());
    for enrollment in rows.items {
        let course = courses::find_by_id_any(&ctx.db, enrollment.course_id).await?;
        items.push(EnrollmentWithCourse { enrollment, course });
    }
    Ok(Page {
        items,
        next_cursor: rows.next_cursor,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum CancelEnrollmentError {
    #[error("Enrollment not found.")]
    NotFound,
    #[error("The enrollment is not active.")]
    NotLive,
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(CancelEnrollmentError);

crate::failure!(CancelEnrollmentError {
    NotFound => NotFound,
    NotLive => NotLive,
} wraps {
    Internal(Internal),
});

/// Cancel an enrollment: its student or an administrator.
pub async fn cancel_enrollment(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    id: Id,
) -> Result<EnrollmentRow, CancelEnrollmentError> {
    let mut tx = ctx.db.begin_write().await?;
    let enrollment = enrollments::find_for_update(&mut tx, id)
        .await?
        .filter(|e| actor.is_admin() || e.student_id == actor.id())
        .ok_or(CancelEnrollmentError::NotFound)?;
    let now = ctx.now();
    let cancelled = enrollments::cancel(&mut tx, enrollment.id, now)
        .await?
        .ok_or(CancelEnrollmentError::NotLive)?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "enrollment.cancelled",
            entity_type: "enrollment",
            entity_id: cancelled.id,
            changes: json!({ "status": { "before": enrollment.status, "after": cancelled.status } }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(cancelled)
}

#[derive(Debug, thiserror::Error)]
pub enum RecordProgressError {
    #[error("Enrollment not found.")]
    NotFound,
    #[error("Material not found.")]
    MaterialNotFound,
    #[error("The enrollment is not active.")]
    NotLive,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(RecordProgressError);

crate::failure!(RecordProgressError {
    NotFound => NotFound,
    MaterialNotFound => NotFound,
    NotLive => NotLive,
} wraps {
    Invalid(Invalid),
    Internal(Internal),
});

/// A student's report on one material of their enrollment.
#[derive(Clone, Debug)]
pub struct RecordProgress {
    pub enrollment_id: Id,
    pub material_id: Id,
    pub update: ProgressUpdate,
    /// The caller's idempotency key: a retry of the last applied report
    /// (same key) changes nothing.
    pub request_key: Option<String>,
}

/// The material's progress and the enrollment after a report.
#[derive(Clone, Debug)]
pub struct ProgressRecorded {
    pub progress: ProgressRow,
    pub enrollment: EnrollmentRow,
}

/// Record progress on one material. Percent never decreases, time spent
/// accumulates, completion is recorded once; completing the last required
/// material completes the enrollment and tells the student.
pub async fn record_progress(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    input: RecordProgress,
) -> Result<ProgressRecorded, RecordProgressError> {
    let mut tx = ctx.db.begin_write().await?;
    // Locked until commit: reports on one enrollment apply one after another.
    let enrollment = enrollments::find_for_update(&mut tx, input.enrollment_id)
        .await?
        .filter(|e| e.student_id == actor.id())
        .ok_or(RecordProgressError::NotFound)?;
    let course = courses::find_by_id_any_tx(&mut tx, enrollment.course_id)
        .await?
        .ok_or(RecordProgressError::NotFound)?;
    let material = materials::find_live_tx(&mut tx, input.material_id)
        .await?
        .filter(|m| m.course_id == course.id)
        .ok_or(RecordProgressError::MaterialNotFound)?;
    input.update.validate().map_err(|issues| {
        Invalid(
            issues
                .into_iter()
                .map(|(field, issue)| {
                    let field = match field {
                        "percent" => "progress_percent",
                        "" => "body",
                        other => other,
                    };
                    FieldError::from_issue(field, issue)
                })
                .collect(),
        )
    })?;
    if !enrollment.status.is_live() {
        return Err(RecordProgressError::NotLive);
    }
    let now = ctx.now();
    let current = enrollments::progress_row(&mut tx, enrollment.id, material.id, now).await?;
    if input.request_key.is_some() && current.last_request_key == input.request_key {
        tx.commit().await?;
        return Ok(ProgressRecorded {
            progress: current,
            enrollment,
        });
    }
    let before = ProgressState {
        percent: current.progress_percent,
        position_seconds: current.last_position_seconds,
        time_spent_seconds: current.time_spent_seconds,
        completed: current.status == ProgressStatus::Completed,
    };
    let after = apply_progress(before, &input.update);
    let write = ProgressWrite {
        status: after.status(),
        progress_percent: after.percent,
        last_position_seconds: after.position_seconds,
        time_spent_seconds: after.time_spent_seconds,
        started_at: current.started_at.or(Some(now)),
        completed_at: current.completed_at.or(after.completed.then_some(now)),
        request_key: input.request_key,
    };
    let progress = enrollments::write_progress(&mut tx, current.id, &write, now).await?;
    let (done, total) = enrollments::required_completion(&mut tx, enrollment.id, course.id).await?;
    let completes_now = enrollment_complete(done, total) && enrollment.completed_at.is_none();
    let updated = enrollments::set_course_progress(
        &mut tx,
        enrollment.id,
        enrollment_percent(done, total),
        completes_now.then_some(now),
        now,
    )
    .await?;
    if !before.completed && after.completed {
        audit::record(
            &mut tx,
            meta,
            now,
            Change {
                actor: Some(actor.id()),
                action: "material.completed",
                entity_type: "enrollment",
                entity_id: enrollment.id,
                changes: json!({ "material_id": material.id }),
            },
        )
        .await?;
    }
    if completes_now {
        audit::record(
            &mut tx,
            meta,
            now,
            Change {
                actor: Some(actor.id()),
                action: "course.completed",
                entity_type: "enrollment",
                entity_id: enrollment.id,
                changes: json!({
                    "course_id": course.id,
                    "status": { "before": enrollment.status, "after": updated.status },
                    "completed_at": now,
                }),
            },
        )
        .await?;
        notify::send(
            &mut tx,
            enrollment.student_id,
            &course_completed(&course, &enrollment),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(ProgressRecorded {
        progress,
        enrollment: updated,
    })
}

/// What the student hears when they complete a course.
fn course_completed(course: &CourseRow, enrollment: &EnrollmentRow) -> Notice {
    Notice {
        kind: NotificationKind::CourseCompleted,
        title: "Course completed".to_owned(),
        body: format!("You completed every required material of {}.", course.title),
        data: json!({ "course_id": course.id, "enrollment_id": enrollment.id }),
    }
}

/// Per-material progress of an enrollment, in the course's order: for its
/// student, the course's instructor and administrators.
pub async fn list_progress(
    ctx: &AppContext,
    actor: &Actor,
    id: Id,
) -> Result<Vec<ProgressRow>, ReadError> {
    const NOT_FOUND: ReadError = ReadError::NotFound("Enrollment");
    let enrollment = enrollments::find(&ctx.db, id).await?.ok_or(NOT_FOUND)?;
    let course = courses::find_by_id_any(&ctx.db, enrollment.course_id)
        .await?
        .ok_or(NOT_FOUND)?;
    let allowed = actor.is_admin()
        || enrollment.student_id == actor.id()
        || course.instructor_id == actor.id();
    if !allowed {
        return Err(NOT_FOUND);
    }
    Ok(enrollments::list_progress(&ctx.db, enrollment.id).await?)
}
