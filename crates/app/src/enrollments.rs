//! Enrollments: a student's place in a course, and their progress through it.

use medicaledu_domain::{Id, Timestamp};
use medicaledu_store::Tx;
use medicaledu_store::enrollments::{self, EnrollmentRow};
use serde_json::json;

use crate::audit::{self, Change};
use crate::{Internal, RequestMeta};

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
    let (row, created) = enrollments::ensure(tx, student_id, course_id, "booking", now).await?;
    if created {
        audit_enrolled(tx, meta, None, &row, now).await?;
    }
    Ok((row, created))
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
