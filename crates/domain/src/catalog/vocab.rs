//! The fixed vocabularies of the catalogue. The strings are what the database
//! stores and the API shows; the `ck_*` constraints of the tables list the same.

use crate::text_enum::text_enum;

text_enum!(
    /// How much a course assumes its students already know.
    CourseLevel {
        Beginner => "beginner",
        Intermediate => "intermediate",
        Advanced => "advanced",
    }
);

text_enum!(
    /// Where a course is in its life; see [`CourseStatus::can_transition`].
    CourseStatus {
        /// Being written; only its instructor and administrators see it.
        Draft => "draft",
        /// Listed in the catalogue and open for enrolment.
        Published => "published",
        /// Withdrawn from the catalogue: no new enrolments.
        Archived => "archived",
    }
);

text_enum!(
    /// What a course material is, which decides how a client presents it.
    MaterialKind {
        Video => "video",
        Document => "document",
        Article => "article",
        Quiz => "quiz",
        Link => "link",
    }
);

text_enum!(
    /// Where a student's enrolment in a course stands.
    EnrollmentStatus {
        Active => "active",
        Completed => "completed",
        Cancelled => "cancelled",
        Expired => "expired",
    }
);

text_enum!(
    /// How a student came to be enrolled.
    EnrollmentSource {
        /// The course costs nothing and the student enrolled themselves.
        Free => "free",
        /// A paid booking.
        Booking => "booking",
        /// An administrator enrolled the student.
        AdminGrant => "admin_grant",
    }
);

text_enum!(
    /// How far a student is through one material.
    ProgressStatus {
        NotStarted => "not_started",
        InProgress => "in_progress",
        Completed => "completed",
    }
);

impl EnrollmentStatus {
    /// Whether the enrolment still gives access to the course. A completed
    /// course stays open for review; at most one live enrolment exists per
    /// student and course.
    pub const fn is_live(&self) -> bool {
        matches!(self, EnrollmentStatus::Active | EnrollmentStatus::Completed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text_enum::round_trips;

    #[test]
    fn every_vocabulary_round_trips() {
        round_trips(&CourseLevel::ALL);
        round_trips(&CourseStatus::ALL);
        round_trips(&MaterialKind::ALL);
        round_trips(&EnrollmentStatus::ALL);
        round_trips(&EnrollmentSource::ALL);
        round_trips(&ProgressStatus::ALL);
        assert_eq!(EnrollmentSource::AdminGrant.as_str(), "admin_grant");
        assert_eq!(ProgressStatus::NotStarted.as_str(), "not_started");
        assert_eq!(MaterialKind::ALL.len(), 5);
    }

    #[test]
    fn unknown_values_list_the_allowed_ones() {
        let issue = "expert".parse::<CourseLevel>().expect_err("unknown");
        assert_eq!(issue.code, "invalid");
        assert_eq!(
            issue.message,
            "must be one of: beginner, intermediate, advanced"
        );
        assert_eq!(
            "AdminGrant"
                .parse::<EnrollmentSource>()
                .expect_err("miscased")
                .message,
            "must be one of: free, booking, admin_grant"
        );
        assert!("Draft".parse::<CourseStatus>().is_err());
        assert!(serde_json::from_str::<MaterialKind>("\"podcast\"").is_err());
    }

    #[test]
    fn live_enrollments() {
        let live: Vec<_> = EnrollmentStatus::ALL
            .into_iter()
            .filter(EnrollmentStatus::is_live)
            .collect();
        assert_eq!(
            live,
            [EnrollmentStatus::Active, EnrollmentStatus::Completed]
        );
    }
}
