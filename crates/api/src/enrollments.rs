//! Enrollments and per-material progress. The handlers call the use cases
//! of `medicaledu_app::enrollments`.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use medicaledu_app::PageRequest;
use medicaledu_app::enrollments::{self as app, Enroll, EnrollmentWithCourse, RecordProgress};
use medicaledu_domain::{EnrollmentStatus, Id, ProgressStatus, ProgressUpdate, Timestamp};
use medicaledu_store::enrollments::{EnrollmentRow, ProgressRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, Meta};
use crate::pagination::{Page, PageParams};
use crate::problem::Answers;
use crate::problem::problems;
use crate::{ApiError, AppState, IdempotencyKey, Ids, Json};

problems!(
    app::EnrollError,
    app::CancelEnrollmentError,
    app::RecordProgressError,
);

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(enroll))
        .routes(routes!(my_enrollments))
        .routes(routes!(cancel_enrollment))
        .routes(routes!(record_progress))
        .routes(routes!(list_progress))
}

crate::problem::problem_codes! {
    enroll => Answers::route().signed_in_write().path_ids().json_body().failure::<app::EnrollError>(),
    my_enrollments => Answers::route().signed_in().query().failure::<medicaledu_app::ReadError>(),
    cancel_enrollment => Answers::route()
        .signed_in_write()
        .path_ids()
        .failure::<app::CancelEnrollmentError>(),
    record_progress => Answers::route()
        .signed_in_write()
        .idempotency_key()
        .path_ids()
        .json_body()
        .failure::<app::RecordProgressError>(),
    list_progress => Answers::route().signed_in().path_ids().failure::<medicaledu_app::ReadError>(),
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CourseRef {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    pub title: String,
    pub slug: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Enrollment {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    #[schema(value_type = String, format = Uuid)]
    pub course_id: Id,
    #[schema(value_type = String, format = Uuid)]
    pub student_id: Id,
    /// `active`, `completed`, `cancelled` or `expired`.
    #[schema(value_type = String)]
    pub status: EnrollmentStatus,
    /// `free`, `booking` or `admin_grant`.
    pub source: String,
    /// Share of the course's required materials completed.
    pub progress_percent: i64,
    #[schema(value_type = String, format = DateTime)]
    pub enrolled_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub completed_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_accessed_at: Option<Timestamp>,
    /// The course, in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub course: Option<CourseRef>,
}

impl From<EnrollmentRow> for Enrollment {
    fn from(row: EnrollmentRow) -> Self {
        Enrollment {
            id: row.id,
            course_id: row.course_id,
            student_id: row.student_id,
            status: row.status,
            source: row.source.as_str().to_owned(),
            progress_percent: row.progress_percent,
            enrolled_at: row.enrolled_at,
            completed_at: row.completed_at,
            last_accessed_at: row.last_accessed_at,
            course: None,
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    /// Admins only: grant an enrollment to this student.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub student_id: Option<Id>,
}

/// Enroll in a course, or grant an enrollment.
///
/// Students enroll in a free published course; admins grant an enrollment
/// with `student_id`. Enrolling twice returns the existing enrollment.
#[utoipa::path(
    post,
    path = "/api/v1/courses/{id}/enrollments",
    tag = "enrollments",
    params(("id" = String, Path, description = "Course id")),
    request_body(content = Option<EnrollRequest>),
    responses(
        (status = 201, description = "Enrolled", body = Enrollment),
        (status = 200, description = "Already enrolled", body = Enrollment),
        (status = 402, description = "A paid course: enrollment comes with a confirmed booking", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn enroll(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(course_id): Ids<Id>,
    headers: axum::http::HeaderMap,
    body: bytes::Bytes,
) -> Result<Response, ApiError> {
    // The body is optional: students send none, or `null`.
    let body: EnrollRequest = if body.iter().all(u8::is_ascii_whitespace) {
        EnrollRequest::default()
    } else {
        crate::extract::require_json(&headers)?;
        crate::extract::parse::<Option<EnrollRequest>>(&body)?.unwrap_or_default()
    };
    let input = Enroll {
        course_id,
        student_id: body.student_id,
    };
    let (row, created) = app::enroll(&state, &auth, &meta, input).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(Enrollment::from(row))).into_response())
}

/// The signed-in student's enrollments with their progress, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/me/enrollments",
    tag = "enrollments",
    params(PageParams),
    responses((status = 200, body = Page<Enrollment>))
)]
pub async fn my_enrollments(
    State(state): State<AppState>,
    auth: Authenticated,
    Query(paging): Query<PageParams>,
) -> Result<Json<Page<Enrollment>>, ApiError> {
    let request = PageRequest::parse(paging.cursor.as_deref(), paging.limit)?;
    let page = app::my_enrollments(&state, &auth, request).await?;
    Ok(Json(Page {
        items: page
            .items
            .into_iter()
            .map(|EnrollmentWithCourse { enrollment, course }| Enrollment {
                course: course.map(|course| CourseRef {
                    id: course.id,
                    title: course.title,
                    slug: course.slug,
                }),
                ..Enrollment::from(enrollment)
            })
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Cancel an enrollment (its student or an admin).
#[utoipa::path(
    delete,
    path = "/api/v1/enrollments/{id}",
    tag = "enrollments",
    params(("id" = String, Path, description = "Enrollment id")),
    responses((status = 200, body = Enrollment), (status = 404, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn cancel_enrollment(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(id): Ids<Id>,
) -> Result<Json<Enrollment>, ApiError> {
    let cancelled = app::cancel_enrollment(&state, &auth, &meta, id).await?;
    Ok(Json(Enrollment::from(cancelled)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressRequest {
    /// 0 to 100; never goes backwards.
    pub progress_percent: Option<i64>,
    /// Where the student stopped, to resume there.
    pub position_seconds: Option<i64>,
    /// Seconds spent since the previous report; accumulates.
    pub time_spent_delta_seconds: Option<i64>,
    /// Marks the material completed (for good).
    pub completed: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Progress {
    #[schema(value_type = String, format = Uuid)]
    pub material_id: Id,
    /// `not_started`, `in_progress` or `completed`.
    #[schema(value_type = String)]
    pub status: ProgressStatus,
    pub progress_percent: i64,
    pub position_seconds: i64,
    pub time_spent_seconds: i64,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub started_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub completed_at: Option<Timestamp>,
}

impl From<ProgressRow> for Progress {
    fn from(row: ProgressRow) -> Self {
        Progress {
            material_id: row.material_id,
            status: row.status,
            progress_percent: row.progress_percent,
            position_seconds: row.last_position_seconds,
            time_spent_seconds: row.time_spent_seconds,
            started_at: row.started_at,
            completed_at: row.completed_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressResult {
    pub progress: Progress,
    pub enrollment: Enrollment,
}

/// Record progress on one material.
///
/// Percent never decreases, time spent accumulates, completion is recorded
/// once. With an `Idempotency-Key` header, a retry of the last applied report
/// changes nothing.
#[utoipa::path(
    put,
    path = "/api/v1/enrollments/{id}/progress/{material_id}",
    tag = "enrollments",
    params(
        ("id" = String, Path, description = "Enrollment id"),
        ("material_id" = String, Path, description = "Material id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried report count once", min_length = 1, max_length = 200, pattern = "^[\t\x20-\x7e]*$"),
    ),
    request_body = ProgressRequest,
    responses((status = 200, body = ProgressResult), (status = 404, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn record_progress(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    IdempotencyKey(request_key): IdempotencyKey,
    Ids((id, material_id)): Ids<(Id, Id)>,
    Json(body): Json<ProgressRequest>,
) -> Result<Json<ProgressResult>, ApiError> {
    let input = RecordProgress {
        enrollment_id: id,
        material_id,
        update: ProgressUpdate {
            percent: body.progress_percent,
            position_seconds: body.position_seconds,
            time_spent_delta_seconds: body.time_spent_delta_seconds,
            completed: body.completed,
        },
        request_key,
    };
    let recorded = app::record_progress(&state, &auth, &meta, input).await?;
    Ok(Json(ProgressResult {
        progress: Progress::from(recorded.progress),
        enrollment: Enrollment::from(recorded.enrollment),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressList {
    pub items: Vec<Progress>,
    pub next_cursor: Option<String>,
}

/// Per-material progress of an enrollment.
///
/// For its student, the course's instructor and admins.
#[utoipa::path(
    get,
    path = "/api/v1/enrollments/{id}/progress",
    tag = "enrollments",
    params(("id" = String, Path, description = "Enrollment id")),
    responses((status = 200, body = ProgressList), (status = 404, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn list_progress(
    State(state): State<AppState>,
    auth: Authenticated,
    Ids(id): Ids<Id>,
) -> Result<Json<ProgressList>, ApiError> {
    let items = app::list_progress(&state, &auth, id)
        .await?
        .into_iter()
        .map(Progress::from)
        .collect();
    Ok(Json(ProgressList {
        items,
        next_cursor: None,
    }))
}
