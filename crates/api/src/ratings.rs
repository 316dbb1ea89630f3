//! Ratings of courses and instructors by their students.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use medicaledu_domain::{Id, RatingValue, Review, Timestamp};
use medicaledu_store::ratings::{self, RateError, RatingRow, Target};
use medicaledu_store::{courses, enrollments, users};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, Meta};
use crate::pagination::{Page, PageParams, page};
use crate::validate::Fields;
use crate::{ApiError, AppState, Json};
use medicaledu_app::audit::{self, Change};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(rate_course, unrate_course))
        .routes(routes!(course_ratings))
        .routes(routes!(rate_instructor, unrate_instructor))
        .routes(routes!(instructor_ratings))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingRequest {
    /// 1 to 5.
    pub rating: i64,
    pub review: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Rating {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    #[schema(value_type = String, format = Uuid)]
    pub rater_id: Id,
    pub rater_name: Option<String>,
    pub rating: i64,
    pub review: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl From<RatingRow> for Rating {
    fn from(row: RatingRow) -> Self {
        Rating {
            id: row.id,
            rater_id: row.rater_id,
            rater_name: None,
            rating: row.rating,
            review: row.review,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

fn parse(body: &RatingRequest) -> Result<(i64, Option<String>), ApiError> {
    let mut fields = Fields::default();
    let rating = fields.check("rating", RatingValue::parse(body.rating));
    let review = match &body.review {
        Some(text) => fields
            .check("review", Review::parse(text))
            .flatten()
            .map(|r| r.as_str().to_owned()),
        None => None,
    };
    fields.finish()?;
    Ok((rating.map_or(0, |r| r.get()), review))
}

fn not_eligible(detail: &str) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "not_eligible", detail)
}

/// Stores the rating with its aggregate and audit row. A first rating racing
/// another first rating by the same student is retried once as an update.
async fn save(
    state: &AppState,
    auth: &Authenticated,
    meta: &medicaledu_store::audit::RequestMeta,
    target: Target,
    target_id: Id,
    rating: i64,
    review: Option<&str>,
) -> Result<(RatingRow, bool), ApiError> {
    for attempt in 0..2 {
        let now = Timestamp::now();
        let mut tx = state.db.begin_write().await?;
        match ratings::upsert(
            &mut tx,
            target,
            auth.user.id,
            target_id,
            rating,
            review,
            now,
        )
        .await
        {
            Ok((row, created)) => {
                audit::record(
                    &mut tx,
                    meta,
                    now,
                    Change {
                        actor: Some(auth.user.id),
                        action: match (target, created) {
                            (Target::Course, true) => "course_rating.created",
                            (Target::Course, false) => "course_rating.updated",
                            (Target::Instructor, true) => "instructor_rating.created",
                            (Target::Instructor, false) => "instructor_rating.updated",
                        },
                        entity_type: match target {
                            Target::Course => "course_rating",
                            Target::Instructor => "instructor_rating",
                        },
                        entity_id: row.id,
                        changes: json!({ "target_id": target_id, "rating": rating, "review": review }),
                    },
                )
                .await?;
                tx.commit().await?;
                return Ok((row, created));
            }
            Err(RateError::Conflict) if attempt == 0 => continue,
            Err(RateError::Conflict) => {
                return Err(ApiError::conflict(
                    "concurrent_rating",
                    "The rating changed meanwhile; try again.",
                ));
            }
            Err(RateError::Database(e)) => return Err(e.into()),
        }
    }
    Err(ApiError::conflict(
        "concurrent_rating",
        "The rating changed meanwhile; try again.",
    ))
}

async fn remove(
    state: &AppState,
    auth: &Authenticated,
    meta: &medicaledu_store::audit::RequestMeta,
    target: Target,
    target_id: Id,
) -> Result<StatusCode, ApiError> {
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    let removed = ratings::delete(&mut tx, target, auth.user.id, target_id, now)
        .await?
        .ok_or_else(|| ApiError::not_found("Rating"))?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(auth.user.id),
            action: match target {
                Target::Course => "course_rating.deleted",
                Target::Instructor => "instructor_rating.deleted",
            },
            entity_type: match target {
                Target::Course => "course_rating",
                Target::Instructor => "instructor_rating",
            },
            entity_id: removed.id,
            changes: json!({ "target_id": target_id, "rating": removed.rating, "deleted_at": now }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

fn created_status(created: bool) -> StatusCode {
    if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
}

/// Rate a course you are (or were) enrolled in; a second call updates your rating.
#[utoipa::path(
    put,
    path = "/api/v1/courses/{id}/rating",
    tag = "ratings",
    params(("id" = String, Path, description = "Course id")),
    request_body = RatingRequest,
    responses(
        (status = 201, body = Rating), (status = 200, body = Rating),
        (status = 403, description = "Not enrolled", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn rate_course(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Path(id): Path<String>,
    Json(body): Json<RatingRequest>,
) -> Result<(StatusCode, Json<Rating>), ApiError> {
    let (rating, review) = parse(&body)?;
    let course_id: Id = id.parse().map_err(|_| ApiError::not_found("Course"))?;
    let course = courses::find_live(&state.db, course_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Course"))?;
    if enrollments::find_live_for(&state.db, auth.user.id, course.id)
        .await?
        .is_none()
    {
        return Err(not_eligible(
            "Only students enrolled in the course rate it.",
        ));
    }
    let (row, created) = save(
        &state,
        &auth,
        &meta,
        Target::Course,
        course.id,
        rating,
        review.as_deref(),
    )
    .await?;
    Ok((created_status(created), Json(Rating::from(row))))
}

/// Withdraw your rating of a course.
#[utoipa::path(
    delete,
    path = "/api/v1/courses/{id}/rating",
    tag = "ratings",
    params(("id" = String, Path, description = "Course id")),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn unrate_course(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let course_id: Id = id.parse().map_err(|_| ApiError::not_found("Rating"))?;
    remove(&state, &auth, &meta, Target::Course, course_id).await
}

/// Rate an instructor you have had a completed session with.
#[utoipa::path(
    put,
    path = "/api/v1/instructors/{id}/rating",
    tag = "ratings",
    params(("id" = String, Path, description = "Instructor id")),
    request_body = RatingRequest,
    responses(
        (status = 201, body = Rating), (status = 200, body = Rating),
        (status = 403, description = "No completed session with this instructor", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn rate_instructor(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Path(id): Path<String>,
    Json(body): Json<RatingRequest>,
) -> Result<(StatusCode, Json<Rating>), ApiError> {
    let (rating, review) = parse(&body)?;
    let instructor_id = live_instructor(&state, &id).await?;
    if !ratings::has_completed_booking_with(&state.db, auth.user.id, instructor_id).await? {
        return Err(not_eligible(
            "Only students with a completed session rate an instructor.",
        ));
    }
    let (row, created) = save(
        &state,
        &auth,
        &meta,
        Target::Instructor,
        instructor_id,
        rating,
        review.as_deref(),
    )
    .await?;
    Ok((created_status(created), Json(Rating::from(row))))
}

/// Withdraw your rating of an instructor.
#[utoipa::path(
    delete,
    path = "/api/v1/instructors/{id}/rating",
    tag = "ratings",
    params(("id" = String, Path, description = "Instructor id")),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn unrate_instructor(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let instructor_id: Id = id.parse().map_err(|_| ApiError::not_found("Rating"))?;
    remove(&state, &auth, &meta, Target::Instructor, instructor_id).await
}

async fn live_instructor(state: &AppState, id: &str) -> Result<Id, ApiError> {
    let id: Id = id.parse().map_err(|_| ApiError::not_found("Instructor"))?;
    users::find_live_by_id(&state.db, id)
        .await?
        .filter(|u| u.role == medicaledu_domain::Role::Instructor)
        .map(|u| u.id)
        .ok_or_else(|| ApiError::not_found("Instructor"))
}

async fn listing(
    state: &AppState,
    target: Target,
    target_id: Id,
    paging: PageParams,
) -> Result<Page<Rating>, ApiError> {
    let limit = paging.limit()?;
    let rows = ratings::list(&state.db, target, target_id, paging.after()?, limit + 1).await?;
    let mut result = page(rows, limit, |r| (r.created_at, r.id), Rating::from);
    for item in &mut result.items {
        item.rater_name = users::find_by_id_any(&state.db, item.rater_id)
            .await?
            .map(|u| u.full_name);
    }
    Ok(result)
}

/// A course's ratings, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/courses/{id}/ratings",
    tag = "ratings",
    params(("id" = String, Path, description = "Course id"), PageParams),
    responses((status = 200, body = Page<Rating>), (status = 404, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn course_ratings(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(paging): Query<PageParams>,
) -> Result<Json<Page<Rating>>, ApiError> {
    let course_id: Id = id.parse().map_err(|_| ApiError::not_found("Course"))?;
    let course = courses::find_live(&state.db, course_id)
        .await?
        .filter(|c| c.status == "published")
        .ok_or_else(|| ApiError::not_found("Course"))?;
    Ok(Json(
        listing(&state, Target::Course, course.id, paging).await?,
    ))
}

/// An instructor's ratings, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/instructors/{id}/ratings",
    tag = "ratings",
    params(("id" = String, Path, description = "Instructor id"), PageParams),
    responses((status = 200, body = Page<Rating>), (status = 404, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn instructor_ratings(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(paging): Query<PageParams>,
) -> Result<Json<Page<Rating>>, ApiError> {
    let instructor_id = live_instructor(&state, &id).await?;
    Ok(Json(
        listing(&state, Target::Instructor, instructor_id, paging).await?,
    ))
}
