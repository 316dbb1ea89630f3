//! Courses: authoring by instructors and the public catalog. The handlers
//! call the use cases of `medicaledu_app::courses`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use medicaledu_app::courses::{self as app, CatalogQuery, CourseInput, CreateCourse};
use medicaledu_domain::{
    CmeHours, CourseStatus, Currency, Id, Money, Timestamp, average_hundredths,
};
use medicaledu_store::courses::CourseRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, MaybeAuthenticated, Meta};
use crate::materials::MaterialView;
use crate::problem::Answers;
use crate::problem::problems;
use crate::validate::nullable;
use crate::{ApiError, AppState, Ids, Json};

problems!(
    app::CreateCourseError,
    app::UpdateCourseError,
    app::DeleteCourseError,
    app::PublishCourseError,
    app::ArchiveCourseError,
);

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_catalog, create_course))
        .routes(routes!(get_course, update_course, delete_course))
        .routes(routes!(publish_course))
        .routes(routes!(archive_course))
}

crate::problem::problem_codes! {
    create_course => Answers::route().signed_in_write().json_body().failure::<app::CreateCourseError>(),
    update_course => Answers::route()
        .signed_in_write()
        .path_ids()
        .json_body()
        .failure::<app::UpdateCourseError>(),
    publish_course => Answers::route().signed_in_write().path_ids().failure::<app::PublishCourseError>(),
    archive_course => Answers::route().signed_in_write().path_ids().failure::<app::ArchiveCourseError>(),
    delete_course => Answers::route().signed_in_write().path_ids().failure::<app::DeleteCourseError>(),
    list_catalog => Answers::route().query().failure::<medicaledu_app::ReadError>(),
    get_course => Answers::route().maybe_signed_in().failure::<medicaledu_app::ReadError>(),
}

/// A course as clients see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Course {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    #[schema(value_type = String, format = Uuid)]
    pub instructor_id: Id,
    pub title: String,
    pub slug: String,
    pub summary: String,
    /// Markdown.
    pub description: String,
    pub category: String,
    pub specialty: Option<String>,
    pub tags: Vec<String>,
    /// `beginner`, `intermediate` or `advanced`.
    pub level: String,
    pub language: String,
    /// In minor units of `currency`; 0 means free.
    pub price_minor: i64,
    /// ISO 4217.
    pub currency: String,
    /// e.g. `USD 49.00`.
    pub display_price: String,
    /// Continuing-medical-education credit hours, exact to two decimals.
    #[schema(value_type = f64)]
    pub cme_credit_hours: CmeHours,
    /// `draft`, `published` or `archived`.
    #[schema(value_type = String)]
    pub status: CourseStatus,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub published_at: Option<Timestamp>,
    /// Average rating, 1 to 5, rounded to two decimals; null before the first rating.
    pub rating_avg: Option<f64>,
    pub rating_count: i64,
    pub enrollment_count: i64,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

/// `average_hundredths` is exact; the float only carries two decimals to JSON.
pub(crate) fn rating_avg(sum: i64, count: i64) -> Option<f64> {
    average_hundredths(sum, count).map(|h| h as f64 / 100.0)
}

impl From<CourseRow> for Course {
    fn from(row: CourseRow) -> Self {
        let display_price = Currency::parse(&row.currency)
            .ok()
            .and_then(|currency| Money::new(row.price_minor, currency).ok())
            .map_or_else(
                || format!("{} {}", row.currency, row.price_minor),
                |money| money.display(),
            );
        Course {
            id: row.id,
            instructor_id: row.instructor_id,
            title: row.title,
            slug: row.slug,
            summary: row.summary,
            description: row.description,
            category: row.category,
            specialty: row.specialty,
            tags: row.tags.0,
            level: row.level.as_str().to_owned(),
            language: row.language,
            price_minor: row.price_minor,
            currency: row.currency,
            display_price,
            cme_credit_hours: CmeHours::from_hundredths(row.cme_credit_hundredths)
                .unwrap_or_default(),
            status: row.status,
            published_at: row.published_at,
            rating_avg: rating_avg(row.rating_sum, row.rating_count),
            rating_count: row.rating_count,
            enrollment_count: row.enrollment_count,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCourseRequest {
    #[schema(value_type = crate::constraints::CourseTitleText, inline)]
    pub title: String,
    /// Generated from the title when absent.
    #[schema(value_type = Option<crate::constraints::SlugText>, inline)]
    pub slug: Option<String>,
    #[schema(value_type = Option<crate::constraints::SummaryText>, inline)]
    pub summary: Option<String>,
    /// Markdown.
    #[schema(value_type = Option<crate::constraints::DescriptionText>, inline)]
    pub description: Option<String>,
    #[schema(value_type = crate::constraints::CategoryText, inline)]
    pub category: String,
    pub specialty: Option<String>,
    pub tags: Option<Vec<String>>,
    /// `beginner`, `intermediate` or `advanced`.
    #[schema(value_type = crate::constraints::CourseLevelText, inline)]
    pub level: String,
    /// Default `en`.
    pub language: Option<String>,
    /// Minor units; 0 (the default) means free.
    #[schema(value_type = Option<crate::constraints::PriceMinorValue>, inline)]
    pub price_minor: Option<i64>,
    /// ISO 4217.
    #[schema(value_type = crate::constraints::CurrencyText, inline)]
    pub currency: String,
    #[schema(value_type = Option<f64>)]
    pub cme_credit_hours: Option<serde_json::Number>,
    /// Admins only: the instructor who will own the course.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub instructor_id: Option<Id>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCourseRequest {
    #[schema(value_type = Option<crate::constraints::CourseTitleText>, inline)]
    pub title: Option<String>,
    #[schema(value_type = Option<crate::constraints::SlugText>, inline)]
    pub slug: Option<String>,
    #[schema(value_type = Option<crate::constraints::SummaryText>, inline)]
    pub summary: Option<String>,
    /// Markdown.
    #[schema(value_type = Option<crate::constraints::DescriptionText>, inline)]
    pub description: Option<String>,
    #[schema(value_type = Option<crate::constraints::CategoryText>, inline)]
    pub category: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub specialty: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    /// `beginner`, `intermediate` or `advanced`.
    #[schema(value_type = Option<crate::constraints::CourseLevelText>, inline)]
    pub level: Option<String>,
    pub language: Option<String>,
    /// Minor units; 0 means free.
    #[schema(value_type = Option<crate::constraints::PriceMinorValue>, inline)]
    pub price_minor: Option<i64>,
    /// ISO 4217.
    #[schema(value_type = Option<crate::constraints::CurrencyText>, inline)]
    pub currency: Option<String>,
    #[schema(value_type = Option<f64>)]
    pub cme_credit_hours: Option<serde_json::Number>,
}

impl From<UpdateCourseRequest> for CourseInput {
    fn from(body: UpdateCourseRequest) -> Self {
        CourseInput {
            title: body.title,
            slug: body.slug,
            summary: body.summary,
            description: body.description,
            category: body.category,
            specialty: body.specialty,
            tags: body.tags,
            level: body.level,
            language: body.language,
            price_minor: body.price_minor,
            currency: body.currency,
            cme_credit_hours: body.cme_credit_hours,
        }
    }
}

impl From<CreateCourseRequest> for CreateCourse {
    fn from(body: CreateCourseRequest) -> Self {
        CreateCourse {
            fields: CourseInput {
                title: Some(body.title),
                slug: body.slug,
                summary: body.summary,
                description: body.description,
                category: Some(body.category),
                specialty: body.specialty.map(Some),
                tags: body.tags,
                level: Some(body.level),
                language: body.language,
                price_minor: body.price_minor,
                currency: Some(body.currency),
                cme_credit_hours: body.cme_credit_hours,
            },
            instructor_id: body.instructor_id,
        }
    }
}

/// Create a draft course.
#[utoipa::path(
    post,
    path = "/api/v1/courses",
    tag = "courses",
    request_body = CreateCourseRequest,
    responses((status = 201, body = Course), (status = 422, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn create_course(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Json(body): Json<CreateCourseRequest>,
) -> Result<(StatusCode, Json<Course>), ApiError> {
    let course = app::create_course(&state, &auth, &meta, body.into()).await?;
    Ok((StatusCode::CREATED, Json(Course::from(course))))
}

/// Change a course. Absent fields stay as they are.
#[utoipa::path(
    patch,
    path = "/api/v1/courses/{id}",
    tag = "courses",
    params(("id" = String, Path, description = "Course id")),
    request_body = UpdateCourseRequest,
    responses((status = 200, body = Course), (status = 404, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn update_course(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(id): Ids<Id>,
    Json(body): Json<UpdateCourseRequest>,
) -> Result<Json<Course>, ApiError> {
    let course = app::update_course(&state, &auth, &meta, id, body.into()).await?;
    Ok(Json(Course::from(course)))
}

/// Publish a course: it appears in the catalog. It needs at least one required material.
#[utoipa::path(
    post,
    path = "/api/v1/courses/{id}/publish",
    tag = "courses",
    params(("id" = String, Path, description = "Course id")),
    responses((status = 200, body = Course), (status = 409, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn publish_course(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(id): Ids<Id>,
) -> Result<Json<Course>, ApiError> {
    let course = app::publish_course(&state, &auth, &meta, id).await?;
    Ok(Json(Course::from(course)))
}

/// Archive a course: it leaves the catalog; enrolled students keep access.
#[utoipa::path(
    post,
    path = "/api/v1/courses/{id}/archive",
    tag = "courses",
    params(("id" = String, Path, description = "Course id")),
    responses((status = 200, body = Course), (status = 409, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn archive_course(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(id): Ids<Id>,
) -> Result<Json<Course>, ApiError> {
    let course = app::archive_course(&state, &auth, &meta, id).await?;
    Ok(Json(Course::from(course)))
}

/// Delete a course (soft: kept for the history that refers to it).
#[utoipa::path(
    delete,
    path = "/api/v1/courses/{id}",
    tag = "courses",
    params(("id" = String, Path, description = "Course id")),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn delete_course(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(id): Ids<Id>,
) -> Result<StatusCode, ApiError> {
    app::delete_course(&state, &auth, &meta, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogParams {
    pub category: Option<String>,
    pub specialty: Option<String>,
    /// `beginner`, `intermediate` or `advanced`.
    #[param(value_type = Option<crate::constraints::CourseLevelText>, inline)]
    pub level: Option<String>,
    pub language: Option<String>,
    /// Instructor id.
    #[param(value_type = Option<crate::constraints::UuidText>, inline)]
    pub instructor: Option<String>,
    /// ISO 4217; required with a price range.
    #[param(value_type = Option<crate::constraints::CurrencyText>, inline)]
    pub currency: Option<String>,
    /// Minor units.
    #[param(minimum = 0)]
    pub min_price: Option<i64>,
    /// Minor units.
    #[param(minimum = 0)]
    pub max_price: Option<i64>,
    /// Only free courses.
    pub free: Option<bool>,
    /// Minimum average rating, 0 to 5, e.g. `4.5`.
    #[param(minimum = 0, maximum = 5)]
    pub min_rating: Option<f64>,
    /// Words in the title, summary or tags; at most 100 characters.
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// `newest` (default), `rating`, `price` or `popularity`.
    #[param(value_type = Option<crate::constraints::CatalogSortText>, inline)]
    pub sort: Option<String>,
    /// The `next_cursor` of the previous page, for the same `sort`.
    #[param(value_type = Option<crate::constraints::CatalogCursorText>, inline)]
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<crate::constraints::PageLimit>, inline)]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CoursePage {
    pub items: Vec<Course>,
    pub next_cursor: Option<String>,
}

/// The public catalog: published courses, filtered, sorted and paginated by cursor.
#[utoipa::path(
    get,
    path = "/api/v1/courses",
    tag = "courses",
    params(CatalogParams),
    responses((status = 200, body = CoursePage), (status = 422, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn list_catalog(
    State(state): State<AppState>,
    Query(params): Query<CatalogParams>,
) -> Result<Json<CoursePage>, ApiError> {
    let query = CatalogQuery {
        category: params.category,
        specialty: params.specialty,
        level: params.level,
        language: params.language,
        instructor: params.instructor,
        currency: params.currency,
        min_price: params.min_price,
        max_price: params.max_price,
        free: params.free,
        paid: None,
        min_rating: params.min_rating,
        q: params.q,
        sort: params.sort,
        cursor: params.cursor,
        limit: params.limit,
    };
    let page = app::list_catalog(&state, query).await?;
    Ok(Json(CoursePage {
        items: page.items.into_iter().map(Course::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstructorProfile {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    pub full_name: String,
    pub headline: Option<String>,
    pub specialty: Option<String>,
    pub rating_avg: Option<f64>,
    pub rating_count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CourseDetail {
    #[serde(flatten)]
    pub course: Course,
    pub instructor: InstructorProfile,
    /// The course's materials in order; content only for those who may see it.
    pub materials: Vec<MaterialView>,
}

/// One course by id or slug, with its instructor, rating and materials outline.
///
/// Drafts and archived courses are visible to their instructor and admins only
/// (archived ones also to enrolled students).
#[utoipa::path(
    get,
    path = "/api/v1/courses/{id}",
    tag = "courses",
    params(("id" = String, Path, description = "Course id, or its slug")),
    responses((status = 200, body = CourseDetail), (status = 404, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn get_course(
    State(state): State<AppState>,
    MaybeAuthenticated(auth): MaybeAuthenticated,
    Path(id_or_slug): Path<String>,
) -> Result<Json<CourseDetail>, ApiError> {
    let actor = auth.as_deref();
    let app::CourseDetail {
        course,
        instructor,
        materials,
    } = app::get_course(&state, actor, &id_or_slug).await?;
    Ok(Json(CourseDetail {
        instructor: InstructorProfile {
            id: instructor.id,
            full_name: instructor.full_name,
            headline: instructor.headline,
            specialty: instructor.specialty,
            rating_avg: rating_avg(instructor.rating_sum, instructor.rating_count),
            rating_count: instructor.rating_count,
        },
        course: Course::from(course),
        materials: materials.into_iter().map(MaterialView::from).collect(),
    }))
}
