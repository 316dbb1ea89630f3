//! Courses: the catalog, and the lifecycle of a course from draft to archive.
//!
//! Who may see what of a course lives here too ([`Access`]): materials
//! depend on courses for it, never the other way round.

mod catalog;
mod edit;
mod lifecycle;

use medicaledu_domain::{CourseStatus, Id};
use medicaledu_store::Tx;
use medicaledu_store::courses::{self, CourseRow};
use medicaledu_store::materials::MaterialRow;
use medicaledu_store::users::{self, UserRow};
use medicaledu_store::{enrollments, materials};

use crate::{Actor, AppContext, Internal, ReadError};

pub use catalog::{CatalogQuery, list_catalog};
pub use edit::{
    CourseInput, CreateCourse, CreateCourseError, DeleteCourseError, UpdateCourseError,
    create_course, delete_course, update_course,
};
pub use lifecycle::{ArchiveCourseError, PublishCourseError, archive_course, publish_course};

/// Whether `actor` may change `course`: its instructor, or an administrator.
pub fn may_edit(actor: &Actor, course: &CourseRow) -> bool {
    actor.is_admin() || actor.id() == course.instructor_id
}

/// The live course `id`, locked until commit, if `actor` may change it. A
/// course the actor may not change is reported like a missing one: others
/// do not learn that it exists.
pub(crate) async fn editable(
    tx: &mut Tx,
    actor: &Actor,
    id: Id,
) -> Result<Option<CourseRow>, sqlx::Error> {
    courses::lock(tx, id).await?;
    Ok(courses::find_live_tx(tx, id)
        .await?
        .filter(|course| may_edit(actor, course)))
}

/// What a caller may see of a course.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Access {
    /// Its instructor or an administrator.
    pub editor: bool,
    /// A student with a live enrollment in it.
    pub enrolled: bool,
}

impl Access {
    /// Drafts are the instructor's; archived courses stay open to their students.
    pub fn sees_unpublished(&self, course: &CourseRow) -> bool {
        self.editor || (self.enrolled && course.status == CourseStatus::Archived)
    }

    /// The content of a material, beyond the outline: for editors, enrolled
    /// students, and everyone when it is a free preview.
    pub fn sees_content(&self, material: &MaterialRow) -> bool {
        self.editor || self.enrolled || material.is_preview
    }
}

async fn access(
    ctx: &AppContext,
    actor: Option<&Actor>,
    course: &CourseRow,
) -> Result<Access, Internal> {
    let Some(actor) = actor else {
        return Ok(Access::default());
    };
    let editor = may_edit(actor, course);
    let enrolled = !editor
        && enrollments::find_live_for(&ctx.db, actor.id(), course.id)
            .await?
            .is_some();
    Ok(Access { editor, enrolled })
}

/// A material of a course page; `locked` when its content is withheld from
/// the caller (who then sees only the outline).
#[derive(Clone, Debug)]
pub struct OutlineItem {
    pub material: MaterialRow,
    pub locked: bool,
}

/// One course with its instructor and its materials in order.
#[derive(Clone, Debug)]
pub struct CourseDetail {
    pub course: CourseRow,
    pub instructor: UserRow,
    pub materials: Vec<OutlineItem>,
}

/// One course by id or slug. Drafts and archived courses are visible to
/// their instructor and admins only (archived ones also to enrolled
/// students); to anyone else they do not exist.
pub async fn get_course(
    ctx: &AppContext,
    actor: Option<&Actor>,
    id_or_slug: &str,
) -> Result<CourseDetail, ReadError> {
    let course = match id_or_slug.parse::<Id>() {
        Ok(id) => courses::find_live(&ctx.db, id).await?,
        Err(_) => courses::find_live_by_slug(&ctx.db, id_or_slug).await?,
    }
    .ok_or(ReadError::NotFound("Course"))?;
    let access = access(ctx, actor, &course).await?;
    if course.status != CourseStatus::Published && !access.sees_unpublished(&course) {
        return Err(ReadError::NotFound("Course"));
    }
    let instructor = users::find_by_id_any(&ctx.db, course.instructor_id)
        .await?
        .ok_or_else(|| Internal::invariant("course without instructor"))?;
    let materials = materials::list_live(&ctx.db, course.id)
        .await?
        .into_iter()
        .map(|material| OutlineItem {
            locked: !access.sees_content(&material),
            material,
        })
        .collect();
    Ok(CourseDetail {
        course,
        instructor,
        materials,
    })
}
