//! Publishing and archiving a course.

use medicaledu_domain::{CourseStatus, Id, PublishError, Timestamp, publish_check};
use medicaledu_store::Tx;
use medicaledu_store::courses::{self, CourseRow};
use medicaledu_store::materials;
use serde_json::json;

use crate::audit::{self, Change};
use crate::{Actor, AppContext, Internal, RequestMeta};

#[derive(Debug, thiserror::Error)]
pub enum PublishCourseError {
    #[error("Course not found.")]
    NotFound,
    #[error("{}", PublishError::AlreadyPublished)]
    AlreadyPublished,
    #[error("Add at least one required material before publishing.")]
    NoMaterials,
    #[error("The course changed meanwhile; try again.")]
    StatusChanged,
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(PublishCourseError);

crate::failure!(PublishCourseError {
    NotFound => NotFound,
    AlreadyPublished => AlreadyPublished,
    NoMaterials => NoMaterials,
    StatusChanged => StatusChanged,
} wraps {
    Internal(Internal),
});

#[derive(Debug, thiserror::Error)]
pub enum ArchiveCourseError {
    #[error("Course not found.")]
    NotFound,
    #[error("The course is already archived.")]
    AlreadyArchived,
    #[error("The course changed meanwhile; try again.")]
    StatusChanged,
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(ArchiveCourseError);

crate::failure!(ArchiveCourseError {
    NotFound => NotFound,
    AlreadyArchived => AlreadyArchived,
    StatusChanged => StatusChanged,
} wraps {
    Internal(Internal),
});

/// Publish a course: it appears in the catalog. It needs at least one
/// required material.
pub async fn publish_course(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    id: Id,
) -> Result<CourseRow, PublishCourseError> {
    let mut tx = ctx.db.begin_write().await?;
    let course = super::editable(&mut tx, actor, id)
        .await?
        .ok_or(PublishCourseError::NotFound)?;
    let required = materials::count_required_live_tx(&mut tx, course.id).await?;
    publish_check(course.status, required).map_err(|e| match e {
        PublishError::AlreadyPublished => PublishCourseError::AlreadyPublished,
        PublishError::NoMaterials => PublishCourseError::NoMaterials,
    })?;
    let now = ctx.now();
    let after = move_status(&mut tx, meta, actor, &course, CourseStatus::Published, now)
        .await?
        .ok_or(PublishCourseError::StatusChanged)?;
    tx.commit().await?;
    Ok(after)
}

/// Archive a course: it leaves the catalog; enrolled students keep access.
pub async fn archive_course(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    id: Id,
) -> Result<CourseRow, ArchiveCourseError> {
    let mut tx = ctx.db.begin_write().await?;
    let course = super::editable(&mut tx, actor, id)
        .await?
        .ok_or(ArchiveCourseError::NotFound)?;
    if !course.status.can_transition(CourseStatus::Archived) {
        return Err(ArchiveCourseError::AlreadyArchived);
    }
    let now = ctx.now();
    let after = move_status(&mut tx, meta, actor, &course, CourseStatus::Archived, now)
        .await?
        .ok_or(ArchiveCourseError::StatusChanged)?;
    tx.commit().await?;
    Ok(after)
}

/// Moves a course from its current status to `to`, only if nobody moved it
/// meanwhile (`None` then), and audits it.
async fn move_status(
    tx: &mut Tx,
    meta: &RequestMeta,
    actor: &Actor,
    course: &CourseRow,
    to: CourseStatus,
    now: Timestamp,
) -> Result<Option<CourseRow>, Internal> {
    let from = course.status;
    let published_at = (to == CourseStatus::Published).then_some(now);
    let Some(after) = courses::set_status(tx, course.id, from, to, published_at, now).await? else {
        return Ok(None);
    };
    audit::record(
        tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: match to {
                CourseStatus::Published => "course.published",
                CourseStatus::Archived => "course.archived",
                CourseStatus::Draft => "course.drafted",
            },
            entity_type: "course",
            entity_id: after.id,
            changes: json!({ "status": { "before": from.as_str(), "after": to.as_str() } }),
        },
    )
    .await?;
    Ok(Some(after))
}
