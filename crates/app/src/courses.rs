//! Courses: the catalog, and the lifecycle of a course from draft to archive.

use medicaledu_store::courses::CourseRow;

use crate::Actor;

/// Whether `actor` may change `course`: its instructor, or an administrator.
pub fn may_edit(actor: &Actor, course: &CourseRow) -> bool {
    actor.is_admin() || actor.id() == course.instructor_id
}
