//! Enrollments and per-material progress.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use medicaledu_domain::{
    Id, ProgressState, ProgressUpdate, Timestamp, apply_progress, enrollment_complete,
    enrollment_percent,
};
use medicaledu_store::courses::{self, CourseRow};
use medicaledu_store::enrollments::{self, EnrollmentRow, ProgressRow, ProgressWrite};
use medicaledu_store::{materials, users};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, Meta};
use crate::pagination::{Page, PageParams, page};
use crate::{ApiError, AppState, FieldError, Json};
use medicaledu_app::audit::{self, Change};

const IDEMPOTENCY_KEY: &str = "idempotency-key";

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(enroll))
        .routes(routes!(my_enrollments))
        .routes(routes!(cancel_enrollment))
        .routes(routes!(record_progress))
        .routes(routes!(list_progress))
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
    pub status: String,
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
            source: row.source,
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

/// Enroll in a free published course (students), or grant an enrollment
/// (admins, with `student_id`). Enrolling twice returns the existing enrollment.
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
    Path(course_id): Path<String>,
    body: bytes::Bytes,
) -> Result<Response, ApiError> {
    // The body is optional: students send none.
    let body: EnrollRequest = if body.iter().all(u8::is_ascii_whitespace) {
        EnrollRequest::default()
    } else {
        crate::extract::parse(&body)?
    };
    let course_id: Id = course_id
        .parse()
        .map_err(|_| ApiError::not_found("Course"))?;
    let course = courses::find_live(&state.db, course_id)
        .await?
        .filter(|c| c.status == "published" || auth.is_admin())
        .ok_or_else(|| ApiError::not_found("Course"))?;
    let (student_id, source) = match (auth.is_admin(), body.student_id) {
        (true, Some(student_id)) => {
            let student = users::find_live_by_id(&state.db, student_id).await?;
            if student.is_none_or(|s| s.role != medicaledu_domain::Role::Student) {
                return Err(ApiError::validation(vec![FieldError::new(
                    "student_id",
                    "invalid",
                    "must be a live student account",
                )]));
            }
            (student_id, "admin_grant")
        }
        (false, Some(_)) => {
            return Err(ApiError::validation(vec![FieldError::new(
                "student_id",
                "not_allowed",
                "only administrators enroll someone else",
            )]));
        }
        _ if auth.user.role != medicaledu_domain::Role::Student => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "Only students enroll in courses.",
            ));
        }
        _ => {
            if course.price_minor > 0 {
                return Err(ApiError::new(
                    StatusCode::PAYMENT_REQUIRED,
                    "payment_required",
                    "This course is paid: book and pay for a session to enroll.",
                ));
            }
            (auth.user.id, "free")
        }
    };
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    let (row, created) = enrollments::ensure(&mut tx, student_id, course.id, source, now).await?;
    if created {
        medicaledu_app::enrollments::audit_enrolled(&mut tx, &meta, Some(auth.user.id), &row, now)
            .await?;
    }
    tx.commit().await?;
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
    let limit = paging.limit()?;
    let rows =
        enrollments::list_for_student(&state.db, auth.user.id, paging.after()?, limit + 1).await?;
    let mut result = page(rows, limit, |r| (r.enrolled_at, r.id), Enrollment::from);
    for item in &mut result.items {
        if let Some(course) = courses::find_by_id_any(&state.db, item.course_id).await? {
            item.course = Some(CourseRef {
                id: course.id,
                title: course.title,
                slug: course.slug,
            });
        }
    }
    Ok(Json(result))
}

/// An enrollment and its course, if the caller is its student, the course's
/// instructor (when `instructor_may` is set) or an admin; otherwise 404.
async fn visible(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
    instructor_may: bool,
) -> Result<(EnrollmentRow, CourseRow), ApiError> {
    let id: Id = id.parse().map_err(|_| ApiError::not_found("Enrollment"))?;
    let enrollment = enrollments::find(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Enrollment"))?;
    let course = courses::find_by_id_any(&state.db, enrollment.course_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Enrollment"))?;
    let allowed = auth.is_admin()
        || enrollment.student_id == auth.user.id
        || (instructor_may && course.instructor_id == auth.user.id);
    if allowed {
        Ok((enrollment, course))
    } else {
        Err(ApiError::not_found("Enrollment"))
    }
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
    Path(id): Path<String>,
) -> Result<Json<Enrollment>, ApiError> {
    let (enrollment, _) = visible(&state, &auth, &id, false).await?;
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    let cancelled = enrollments::cancel(&mut tx, enrollment.id, now)
        .await?
        .ok_or_else(|| ApiError::conflict("not_live", "The enrollment is not active."))?;
    audit::record(
        &mut tx,
        &meta,
        now,
        Change {
            actor: Some(auth.user.id),
            action: "enrollment.cancelled",
            entity_type: "enrollment",
            entity_id: cancelled.id,
            changes: json!({ "status": { "before": enrollment.status, "after": "cancelled" } }),
        },
    )
    .await?;
    tx.commit().await?;
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
    pub status: String,
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

/// Record progress on one material. Percent never decreases, time spent
/// accumulates, completion is recorded once. With an `Idempotency-Key`
/// header, a retry of the last applied report changes nothing.
#[utoipa::path(
    put,
    path = "/api/v1/enrollments/{id}/progress/{material_id}",
    tag = "enrollments",
    params(
        ("id" = String, Path, description = "Enrollment id"),
        ("material_id" = String, Path, description = "Material id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried report count once"),
    ),
    request_body = ProgressRequest,
    responses((status = 200, body = ProgressResult), (status = 404, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn record_progress(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    headers: HeaderMap,
    Path((id, material_id)): Path<(String, String)>,
    Json(body): Json<ProgressRequest>,
) -> Result<Json<ProgressResult>, ApiError> {
    let (enrollment, course) = visible(&state, &auth, &id, false).await?;
    if enrollment.student_id != auth.user.id {
        return Err(ApiError::not_found("Enrollment"));
    }
    let material_id: Id = material_id
        .parse()
        .map_err(|_| ApiError::not_found("Material"))?;
    let material = materials::find_live(&state.db, material_id)
        .await?
        .filter(|m| m.course_id == course.id)
        .ok_or_else(|| ApiError::not_found("Material"))?;
    let update = ProgressUpdate {
        percent: body.progress_percent,
        position_seconds: body.position_seconds,
        time_spent_delta_seconds: body.time_spent_delta_seconds,
        completed: body.completed,
    };
    update.validate().map_err(|issues| {
        ApiError::validation(
            issues
                .into_iter()
                .map(|(field, issue)| {
                    let field = match field {
                        "percent" => "progress_percent",
                        "" => "body",
                        other => other,
                    };
                    FieldError::new(field, issue.code, issue.message)
                })
                .collect(),
        )
    })?;
    let request_key = match headers.get(IDEMPOTENCY_KEY) {
        Some(v) => Some(
            v.to_str()
                .ok()
                .filter(|k| !k.is_empty() && k.len() <= 200)
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "invalid_idempotency_key",
                        "Idempotency-Key must be 1 to 200 visible characters.",
                    )
                })?
                .to_owned(),
        ),
        None => None,
    };

    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    let enrollment = enrollments::find_for_update(&mut tx, enrollment.id)
        .await?
        .filter(|e| e.status == "active" || e.status == "completed")
        .ok_or_else(|| ApiError::conflict("not_live", "The enrollment is not active."))?;
    let current = enrollments::progress_row(&mut tx, enrollment.id, material.id, now).await?;
    if request_key.is_some() && current.last_request_key == request_key {
        tx.commit().await?;
        return Ok(Json(ProgressResult {
            progress: Progress::from(current),
            enrollment: Enrollment::from(enrollment),
        }));
    }
    let before = ProgressState {
        percent: current.progress_percent,
        position_seconds: current.last_position_seconds,
        time_spent_seconds: current.time_spent_seconds,
        completed: current.status == "completed",
    };
    let after = apply_progress(before, &update);
    let write = ProgressWrite {
        status: after.status().as_str().to_owned(),
        progress_percent: after.percent,
        last_position_seconds: after.position_seconds,
        time_spent_seconds: after.time_spent_seconds,
        started_at: current.started_at.or(Some(now)),
        completed_at: current.completed_at.or(after.completed.then_some(now)),
        request_key,
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
            &meta,
            now,
            Change {
                actor: Some(auth.user.id),
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
            &meta,
            now,
            Change {
                actor: Some(auth.user.id),
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
        let notice = medicaledu_app::notify::Notice {
            kind: medicaledu_domain::NotificationKind::CourseCompleted,
            title: "Course completed".to_owned(),
            body: format!("You completed every required material of {}.", course.title),
            data: json!({ "course_id": course.id, "enrollment_id": enrollment.id }),
        };
        medicaledu_app::notify::send(&mut tx, enrollment.student_id, &notice, now).await?;
    }
    tx.commit().await?;
    Ok(Json(ProgressResult {
        progress: Progress::from(progress),
        enrollment: Enrollment::from(updated),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressList {
    pub items: Vec<Progress>,
    pub next_cursor: Option<String>,
}

/// Per-material progress of an enrollment, for its student, the course's
/// instructor and admins.
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
    Path(id): Path<String>,
) -> Result<Json<ProgressList>, ApiError> {
    let (enrollment, _) = visible(&state, &auth, &id, true).await?;
    let items = enrollments::list_progress(&state.db, enrollment.id)
        .await?
        .into_iter()
        .map(Progress::from)
        .collect();
    Ok(Json(ProgressList {
        items,
        next_cursor: None,
    }))
}
