//! Ratings of courses and instructors by their students. The handlers call
//! the use cases of `medicaledu_app::ratings`.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use medicaledu_app::PageRequest;
use medicaledu_app::ratings::{self as app, Rate, RatingWithRater, Target};
use medicaledu_domain::{Id, Timestamp};
use medicaledu_store::ratings::RatingRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, Meta};
use crate::pagination::{Page, PageParams};
use crate::problem::Answers;
use crate::problem::problems;
use crate::{ApiError, AppState, Ids, Json};

problems!(app::RatingError, app::UnrateError);

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(rate_course, unrate_course))
        .routes(routes!(course_ratings))
        .routes(routes!(rate_instructor, unrate_instructor))
        .routes(routes!(instructor_ratings))
}

crate::problem::problem_codes! {
    rate_course => Answers::route().signed_in_write().path_ids().json_body().failure::<app::RatingError>(),
    unrate_course => Answers::route().signed_in_write().path_ids().failure::<app::UnrateError>(),
    rate_instructor => Answers::route().signed_in_write().path_ids().json_body().failure::<app::RatingError>(),
    unrate_instructor => Answers::route().signed_in_write().path_ids().failure::<app::UnrateError>(),
    course_ratings => Answers::route().path_ids().query().failure::<medicaledu_app::ReadError>(),
    instructor_ratings => Answers::route().path_ids().query().failure::<medicaledu_app::ReadError>(),
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingRequest {
    /// 1 to 5.
    #[schema(minimum = 1, maximum = 5)]
    pub rating: i64,
    #[schema(value_type = Option<crate::constraints::ReviewText>, inline)]
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

/// Stores the caller's rating of a target: 201 when new, 200 when changed.
async fn rate(
    state: &AppState,
    auth: &Authenticated,
    meta: &medicaledu_app::RequestMeta,
    target: Target,
    target_id: Id,
    body: RatingRequest,
) -> Result<(StatusCode, Json<Rating>), ApiError> {
    let input = Rate {
        target,
        target_id,
        rating: body.rating,
        review: body.review,
    };
    let (row, created) = app::rate(state, auth, meta, input).await?;
    Ok((created_status(created), Json(Rating::from(row))))
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
    Ids(id): Ids<Id>,
    Json(body): Json<RatingRequest>,
) -> Result<(StatusCode, Json<Rating>), ApiError> {
    rate(&state, &auth, &meta, Target::Course, id, body).await
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
    Ids(id): Ids<Id>,
) -> Result<StatusCode, ApiError> {
    app::unrate(&state, &auth, &meta, Target::Course, id).await?;
    Ok(StatusCode::NO_CONTENT)
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
    Ids(id): Ids<Id>,
    Json(body): Json<RatingRequest>,
) -> Result<(StatusCode, Json<Rating>), ApiError> {
    rate(&state, &auth, &meta, Target::Instructor, id, body).await
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
    Ids(id): Ids<Id>,
) -> Result<StatusCode, ApiError> {
    app::unrate(&state, &auth, &meta, Target::Instructor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn listing(
    state: &AppState,
    target: Target,
    target_id: Id,
    paging: PageParams,
) -> Result<Json<Page<Rating>>, ApiError> {
    let request = PageRequest::parse(paging.cursor.as_deref(), paging.limit)?;
    let page = app::list_ratings(state, target, target_id, request).await?;
    Ok(Json(Page {
        items: page
            .items
            .into_iter()
            .map(|RatingWithRater { rating, rater_name }| Rating {
                rater_name,
                ..Rating::from(rating)
            })
            .collect(),
        next_cursor: page.next_cursor,
    }))
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
    Ids(id): Ids<Id>,
    Query(paging): Query<PageParams>,
) -> Result<Json<Page<Rating>>, ApiError> {
    listing(&state, Target::Course, id, paging).await
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
    Ids(id): Ids<Id>,
    Query(paging): Query<PageParams>,
) -> Result<Json<Page<Rating>>, ApiError> {
    listing(&state, Target::Instructor, id, paging).await
}
