//! Which status changes a course may go through, and what publishing needs.

use super::CourseStatus;

/// Why a course cannot be published now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    #[error("the course is already published")]
    AlreadyPublished,
    #[error("a course needs at least one required material before it can be published")]
    NoMaterials,
}

impl PublishError {
    /// Stable, for programs, like [`FieldIssue::code`](crate::FieldIssue).
    pub const fn code(&self) -> &'static str {
        match self {
            PublishError::AlreadyPublished => "already_published",
            PublishError::NoMaterials => "no_materials",
        }
    }
}

impl CourseStatus {
    /// The allowed changes:
    ///
    /// | from \ to | draft | published | archived |
    /// |-----------|-------|-----------|----------|
    /// | draft     | –     | yes¹      | yes      |
    /// | published | no    | –         | yes      |
    /// | archived  | no    | yes¹      | –        |
    ///
    /// ¹ Only with materials; see [`publish_check`].
    ///
    /// Nothing returns to draft: a course students may have enrolled in is
    /// withdrawn by archiving it, so its status never hides that it was out.
    /// A draft may be archived to shelve it without deleting it. Staying in the
    /// same status is not a transition.
    pub const fn can_transition(self, to: CourseStatus) -> bool {
        use CourseStatus::{Archived, Draft, Published};
        matches!(
            (self, to),
            (Draft, Published) | (Draft, Archived) | (Published, Archived) | (Archived, Published)
        )
    }
}

/// Whether a course in `status` may be published now.
///
/// `required_material_count` is the number of the course's live (not deleted)
/// materials that are required. Optional materials do not count: an
/// enrolment completes when its required materials are done (see
/// [`enrollment_complete`](super::enrollment_complete)), so a course without
/// any could never be completed. The same check applies to re-publishing an
/// archived course, whose materials may have been removed since.
pub fn publish_check(
    status: CourseStatus,
    required_material_count: i64,
) -> Result<(), PublishError> {
    if status == CourseStatus::Published {
        return Err(PublishError::AlreadyPublished);
    }
    if required_material_count < 1 {
        return Err(PublishError::NoMaterials);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use CourseStatus::{Archived, Draft, Published};

    #[test]
    fn transition_table() {
        let table = [
            (Draft, Draft, false),
            (Draft, Published, true),
            (Draft, Archived, true),
            (Published, Draft, false),
            (Published, Published, false),
            (Published, Archived, true),
            (Archived, Draft, false),
            (Archived, Published, true),
            (Archived, Archived, false),
        ];
        assert_eq!(table.len(), CourseStatus::ALL.len().pow(2));
        for (from, to, allowed) in table {
            assert_eq!(from.can_transition(to), allowed, "{from} -> {to}");
        }
    }

    #[test]
    fn publishing_needs_required_materials() {
        assert_eq!(publish_check(Draft, 1), Ok(()));
        assert_eq!(publish_check(Draft, 12), Ok(()));
        assert_eq!(publish_check(Draft, 0), Err(PublishError::NoMaterials));
        assert_eq!(publish_check(Draft, -1), Err(PublishError::NoMaterials));
        assert_eq!(publish_check(Archived, 3), Ok(()));
        assert_eq!(publish_check(Archived, 0), Err(PublishError::NoMaterials));
        assert_eq!(
            publish_check(Published, 3),
            Err(PublishError::AlreadyPublished)
        );
        assert_eq!(PublishError::NoMaterials.code(), "no_materials");
        assert_eq!(
            PublishError::AlreadyPublished.to_string(),
            "the course is already published"
        );
    }
}
