//! Courses: authoring by instructors and the public catalog.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use medicaledu_domain::{
    Category, CmeHours, CourseLevel, CourseStatus, CourseTitle, Currency, Description, Id, Locale,
    Money, PriceMinor, PublishError, Slug, Specialty, Summary, Tags, Timestamp, average_hundredths,
    publish_check,
};
use medicaledu_store::courses::{
    self, CatalogFilter, CatalogKey, CatalogSort, CourseFields, CourseRow, SlugTaken,
};
use medicaledu_store::{materials, users};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, MaybeAuthenticated, Meta};
use crate::materials::{MaterialView, Viewer};
use crate::pagination::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::validate::{Fields, nullable};
use crate::{ApiError, AppState, FieldError, Json};
use medicaledu_app::audit::{self, Change};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_catalog, create_course))
        .routes(routes!(get_course, update_course, delete_course))
        .routes(routes!(publish_course))
        .routes(routes!(archive_course))
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
    pub status: String,
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
            level: row.level,
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

/// Who may change a course: its instructor and administrators. Anyone else is
/// told it does not exist.
pub(crate) fn may_edit(auth: &Authenticated, course: &CourseRow) -> bool {
    auth.is_admin() || auth.user.id == course.instructor_id
}

/// A live course the caller may edit, or 404.
pub(crate) async fn editable(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
) -> Result<CourseRow, ApiError> {
    let id: Id = id.parse().map_err(|_| ApiError::not_found("Course"))?;
    courses::find_live(&state.db, id)
        .await?
        .filter(|course| may_edit(auth, course))
        .ok_or_else(|| ApiError::not_found("Course"))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCourseRequest {
    pub title: String,
    /// Generated from the title when absent.
    pub slug: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub category: String,
    pub specialty: Option<String>,
    pub tags: Option<Vec<String>>,
    /// `beginner`, `intermediate` or `advanced`.
    pub level: String,
    /// Default `en`.
    pub language: Option<String>,
    /// Minor units; 0 (the default) means free.
    pub price_minor: Option<i64>,
    /// ISO 4217.
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
    pub title: Option<String>,
    pub slug: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub category: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub specialty: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub level: Option<String>,
    pub language: Option<String>,
    pub price_minor: Option<i64>,
    pub currency: Option<String>,
    #[schema(value_type = Option<f64>)]
    pub cme_credit_hours: Option<serde_json::Number>,
}

/// Checks every field of a course as it will be stored.
fn course_fields(
    fields: &mut Fields,
    body: &UpdateCourseRequest,
    current: &CourseFields,
) -> CourseFields {
    fn text<T>(
        fields: &mut Fields,
        name: &str,
        new: &Option<String>,
        current: &str,
        parse: fn(&str) -> Result<T, medicaledu_domain::FieldIssue>,
        show: fn(T) -> String,
    ) -> String {
        match new {
            Some(v) => fields.check(name, parse(v)).map(show).unwrap_or_default(),
            None => current.to_owned(),
        }
    }
    let specialty = match &body.specialty {
        Some(Some(v)) => fields
            .check("specialty", Specialty::parse(v))
            .flatten()
            .map(|s| s.as_str().to_owned()),
        Some(None) => None,
        None => current.specialty.clone(),
    };
    let tags = match &body.tags {
        Some(v) => fields
            .check("tags", Tags::parse(v.clone()))
            .map(|t| t.as_slice().to_vec())
            .unwrap_or_default(),
        None => current.tags.clone(),
    };
    let price_minor = match body.price_minor {
        Some(v) => fields
            .check("price_minor", PriceMinor::parse(v))
            .map_or(0, |p| p.get()),
        None => current.price_minor,
    };
    let cme = match &body.cme_credit_hours {
        Some(v) => fields
            .check("cme_credit_hours", CmeHours::parse_json(v))
            .map_or(0, |c| c.hundredths()),
        None => current.cme_credit_hundredths,
    };
    CourseFields {
        title: text(
            fields,
            "title",
            &body.title,
            &current.title,
            CourseTitle::parse,
            |v| v.as_str().to_owned(),
        ),
        summary: text(
            fields,
            "summary",
            &body.summary,
            &current.summary,
            Summary::parse,
            |v| v.as_str().to_owned(),
        ),
        description: text(
            fields,
            "description",
            &body.description,
            &current.description,
            Description::parse,
            |v| v.as_str().to_owned(),
        ),
        category: text(
            fields,
            "category",
            &body.category,
            &current.category,
            Category::parse,
            |v| v.as_str().to_owned(),
        ),
        specialty,
        tags,
        level: text(
            fields,
            "level",
            &body.level,
            &current.level,
            str::parse::<CourseLevel>,
            |v| v.as_str().to_owned(),
        ),
        language: text(
            fields,
            "language",
            &body.language,
            &current.language,
            Locale::parse,
            |v| v.as_str().to_owned(),
        ),
        price_minor,
        currency: text(
            fields,
            "currency",
            &body.currency,
            &current.currency,
            Currency::parse,
            |v| v.as_str().to_owned(),
        ),
        cme_credit_hundredths: cme,
    }
}

fn fields_of(row: &CourseRow) -> CourseFields {
    CourseFields {
        title: row.title.clone(),
        summary: row.summary.clone(),
        description: row.description.clone(),
        category: row.category.clone(),
        specialty: row.specialty.clone(),
        tags: row.tags.0.clone(),
        level: row.level.clone(),
        language: row.language.clone(),
        price_minor: row.price_minor,
        currency: row.currency.clone(),
        cme_credit_hundredths: row.cme_credit_hundredths,
    }
}

fn slug_taken() -> ApiError {
    ApiError::validation(vec![FieldError::new(
        "slug",
        "taken",
        "another course already uses this slug",
    )])
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
    let instructor_id = match (auth.is_admin(), body.instructor_id) {
        (true, Some(id)) => {
            let owner = users::find_live_by_id(&state.db, id).await?;
            if owner.is_none_or(|u| u.role != medicaledu_domain::Role::Instructor) {
                return Err(ApiError::validation(vec![FieldError::new(
                    "instructor_id",
                    "invalid",
                    "must be a live instructor account",
                )]));
            }
            id
        }
        (false, None) if auth.user.role == medicaledu_domain::Role::Instructor => auth.user.id,
        (false, Some(_)) => {
            return Err(ApiError::validation(vec![FieldError::new(
                "instructor_id",
                "not_allowed",
                "only administrators create courses for someone else",
            )]));
        }
        _ => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "Only instructors create courses.",
            ));
        }
    };
    let mut fields = Fields::default();
    let empty = CourseFields {
        title: String::new(),
        summary: String::new(),
        description: String::new(),
        category: String::new(),
        specialty: None,
        tags: Vec::new(),
        level: String::new(),
        language: "en".into(),
        price_minor: 0,
        currency: String::new(),
        cme_credit_hundredths: 0,
    };
    let request = UpdateCourseRequest {
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
    };
    let values = course_fields(&mut fields, &request, &empty);
    let chosen_slug = request
        .slug
        .as_deref()
        .and_then(|s| fields.check("slug", Slug::parse(s)));
    fields.finish()?;

    let now = Timestamp::now();
    let id = Id::generate();
    let mut tx = state.db.begin_write().await?;
    let slug = match chosen_slug {
        Some(slug) => slug,
        None => free_slug(&mut tx, Slug::from_title(&values.title)).await?,
    };
    let course = courses::insert(&mut tx, id, instructor_id, slug.as_str(), &values, now)
        .await
        .map_err(|e| match e {
            SlugTaken::Taken => slug_taken(),
            SlugTaken::Database(e) => ApiError::from(e),
        })?;
    audit::record(
        &mut tx,
        &meta,
        now,
        Change {
            actor: Some(auth.user.id),
            action: "course.created",
            entity_type: "course",
            entity_id: id,
            changes: json!({ "title": course.title, "slug": course.slug, "instructor_id": instructor_id }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Course::from(course))))
}

/// The first of `base`, `base-2`, `base-3`, … that no live course uses.
async fn free_slug(tx: &mut medicaledu_store::Tx, base: Slug) -> Result<Slug, ApiError> {
    let taken = courses::slugs_like(tx, base.as_str()).await?;
    let mut candidate = base.clone();
    let mut n = 1;
    while taken.iter().any(|t| t == candidate.as_str()) {
        n += 1;
        candidate = base.with_suffix(n);
    }
    Ok(candidate)
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
    Path(id): Path<String>,
    Json(body): Json<UpdateCourseRequest>,
) -> Result<Json<Course>, ApiError> {
    let before = editable(&state, &auth, &id).await?;
    let mut fields = Fields::default();
    let values = course_fields(&mut fields, &body, &fields_of(&before));
    let slug = match &body.slug {
        Some(s) => fields
            .check("slug", Slug::parse(s))
            .map(|s| s.as_str().to_owned()),
        None => Some(before.slug.clone()),
    };
    fields.finish()?;
    let slug = slug.unwrap_or_else(|| before.slug.clone());
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    let after = courses::update(&mut tx, before.id, &slug, &values, now)
        .await
        .map_err(|e| match e {
            SlugTaken::Taken => slug_taken(),
            SlugTaken::Database(e) => ApiError::from(e),
        })?
        .ok_or_else(|| ApiError::not_found("Course"))?;
    let changes = diff(&before, &after);
    if !changes.is_empty() {
        audit::record(
            &mut tx,
            &meta,
            now,
            Change {
                actor: Some(auth.user.id),
                action: "course.updated",
                entity_type: "course",
                entity_id: after.id,
                changes: Value::Object(changes),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Json(Course::from(after)))
}

fn diff(before: &CourseRow, after: &CourseRow) -> serde_json::Map<String, Value> {
    let pairs = [
        ("title", json!(before.title), json!(after.title)),
        ("slug", json!(before.slug), json!(after.slug)),
        ("summary", json!(before.summary), json!(after.summary)),
        (
            "description",
            json!(before.description),
            json!(after.description),
        ),
        ("category", json!(before.category), json!(after.category)),
        ("specialty", json!(before.specialty), json!(after.specialty)),
        ("tags", json!(before.tags.0), json!(after.tags.0)),
        ("level", json!(before.level), json!(after.level)),
        ("language", json!(before.language), json!(after.language)),
        (
            "price_minor",
            json!(before.price_minor),
            json!(after.price_minor),
        ),
        ("currency", json!(before.currency), json!(after.currency)),
        (
            "cme_credit_hundredths",
            json!(before.cme_credit_hundredths),
            json!(after.cme_credit_hundredths),
        ),
    ];
    pairs
        .into_iter()
        .filter(|(_, b, a)| b != a)
        .map(|(name, b, a)| (name.to_owned(), json!({ "before": b, "after": a })))
        .collect()
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
    Path(id): Path<String>,
) -> Result<Json<Course>, ApiError> {
    let course = editable(&state, &auth, &id).await?;
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    courses::lock(&mut tx, course.id).await?;
    let current = courses::find_live_tx(&mut tx, course.id)
        .await?
        .ok_or_else(|| ApiError::not_found("Course"))?;
    let status: CourseStatus = current
        .status
        .parse()
        .map_err(|_| ApiError::internal("unknown course status"))?;
    let required = materials::count_required_live_tx(&mut tx, course.id).await?;
    publish_check(status, required).map_err(|e| match e {
        PublishError::NoMaterials => ApiError::conflict(
            e.code(),
            "Add at least one required material before publishing.",
        ),
        other => ApiError::conflict(other.code(), other.to_string()),
    })?;
    let after = move_status(
        tx,
        &meta,
        &auth,
        &course,
        status,
        CourseStatus::Published,
        now,
    )
    .await?;
    Ok(Json(Course::from(after)))
}

/// Moves a course from `from` to `to` (only if nobody moved it meanwhile),
/// audits it and commits.
async fn move_status(
    mut tx: medicaledu_store::Tx,
    meta: &medicaledu_store::audit::RequestMeta,
    auth: &Authenticated,
    course: &CourseRow,
    from: CourseStatus,
    to: CourseStatus,
    now: Timestamp,
) -> Result<CourseRow, ApiError> {
    let published_at = (to == CourseStatus::Published).then_some(now);
    let after = courses::set_status(
        &mut tx,
        course.id,
        from.as_str(),
        to.as_str(),
        published_at,
        now,
    )
    .await?
    .ok_or_else(|| {
        ApiError::conflict("status_changed", "The course changed meanwhile; try again.")
    })?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(auth.user.id),
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
    tx.commit().await?;
    Ok(after)
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
    Path(id): Path<String>,
) -> Result<Json<Course>, ApiError> {
    let course = editable(&state, &auth, &id).await?;
    let status: CourseStatus = course
        .status
        .parse()
        .map_err(|_| ApiError::internal("unknown course status"))?;
    if !status.can_transition(CourseStatus::Archived) {
        return Err(ApiError::conflict(
            "already_archived",
            "The course is already archived.",
        ));
    }
    let now = Timestamp::now();
    let tx = state.db.begin_write().await?;
    let after = move_status(
        tx,
        &meta,
        &auth,
        &course,
        status,
        CourseStatus::Archived,
        now,
    )
    .await?;
    Ok(Json(Course::from(after)))
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
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let course = editable(&state, &auth, &id).await?;
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    if !courses::soft_delete(&mut tx, course.id, now).await? {
        return Err(ApiError::not_found("Course"));
    }
    audit::record(
        &mut tx,
        &meta,
        now,
        Change {
            actor: Some(auth.user.id),
            action: "course.deleted",
            entity_type: "course",
            entity_id: course.id,
            changes: json!({ "deleted_at": now }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct CatalogParams {
    pub category: Option<String>,
    pub specialty: Option<String>,
    /// `beginner`, `intermediate` or `advanced`.
    pub level: Option<String>,
    pub language: Option<String>,
    /// Instructor id.
    pub instructor: Option<String>,
    /// ISO 4217; required with a price range.
    pub currency: Option<String>,
    /// Minor units.
    pub min_price: Option<i64>,
    /// Minor units.
    pub max_price: Option<i64>,
    /// Only free courses.
    pub free: Option<bool>,
    /// Minimum average rating, e.g. `4.5`.
    pub min_rating: Option<f64>,
    /// Words in the title, summary or tags.
    pub q: Option<String>,
    /// `newest` (default), `rating`, `price` or `popularity`.
    pub sort: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CoursePage {
    pub items: Vec<Course>,
    pub next_cursor: Option<String>,
}

fn sort_name(sort: CatalogSort) -> &'static str {
    match sort {
        CatalogSort::Newest => "newest",
        CatalogSort::Rating => "rating",
        CatalogSort::Price => "price",
        CatalogSort::Popularity => "popularity",
    }
}

fn encode_cursor(sort: CatalogSort, key: CatalogKey, id: Id) -> String {
    let key = match key {
        CatalogKey::Time(t) => t.as_datetime().timestamp_micros(),
        CatalogKey::Number(n) => n,
    };
    format!("{}.{key}.{id}", sort_name(sort))
}

fn decode_cursor(sort: CatalogSort, cursor: &str) -> Option<(CatalogKey, Id)> {
    let mut parts = cursor.splitn(3, '.');
    let (name, key, id) = (parts.next()?, parts.next()?, parts.next()?);
    if name != sort_name(sort) {
        return None;
    }
    let key: i64 = key.parse().ok()?;
    let key = match sort {
        CatalogSort::Newest => CatalogKey::Time(Timestamp::from(
            chrono::DateTime::from_timestamp_micros(key)?,
        )),
        _ => CatalogKey::Number(key),
    };
    Some((key, id.parse().ok()?))
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
    let mut fields = Fields::default();
    let sort = match params.sort.as_deref() {
        None | Some("newest") => CatalogSort::Newest,
        Some("rating") => CatalogSort::Rating,
        Some("price") => CatalogSort::Price,
        Some("popularity") => CatalogSort::Popularity,
        Some(_) => {
            fields.reject(
                "sort",
                "invalid",
                "must be one of: newest, rating, price, popularity",
            );
            CatalogSort::Newest
        }
    };
    let level = params
        .level
        .as_deref()
        .and_then(|v| fields.check("level", v.parse::<CourseLevel>()));
    let currency = params
        .currency
        .as_deref()
        .and_then(|v| fields.check("currency", Currency::parse(v)));
    let instructor_id = params.instructor.as_deref().and_then(|v| {
        v.parse::<Id>()
            .map_err(|_| fields.reject("instructor", "invalid", "must be a UUID"))
            .ok()
    });
    if (params.min_price.is_some() || params.max_price.is_some()) && params.currency.is_none() {
        fields.reject(
            "currency",
            "required",
            "a price range needs a currency: prices in different currencies do not compare",
        );
    }
    for (name, value) in [
        ("min_price", params.min_price),
        ("max_price", params.max_price),
    ] {
        if value.is_some_and(|v| v < 0) {
            fields.reject(name, "out_of_range", "must not be negative");
        }
    }
    let min_rating = match params.min_rating {
        Some(r) if (0.0..=5.0).contains(&r) => Some((r * 100.0).round() as i64),
        Some(_) => {
            fields.reject("min_rating", "out_of_range", "must be between 0 and 5");
            None
        }
        None => None,
    };
    let limit = match params.limit {
        None => DEFAULT_LIMIT,
        Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => {
            fields.reject("limit", "out_of_range", "must be between 1 and 100");
            DEFAULT_LIMIT
        }
    };
    let after = match &params.cursor {
        Some(c) => {
            let decoded = decode_cursor(sort, c);
            if decoded.is_none() {
                fields.reject(
                    "cursor",
                    "invalid",
                    "not a cursor this API issued for this sort order",
                );
            }
            decoded
        }
        None => None,
    };
    let query = params.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if query.is_some_and(|q| q.chars().count() > 100) {
        fields.reject("q", "too_long", "must be at most 100 characters long");
    }
    fields.finish()?;

    let filter = CatalogFilter {
        category: params.category.map(|c| c.trim().to_owned()),
        specialty: params.specialty.map(|s| s.trim().to_owned()),
        level: level.map(|l| l.as_str().to_owned()),
        language: params.language,
        instructor_id,
        currency: currency.map(|c| c.as_str().to_owned()),
        min_price_minor: params.min_price,
        max_price_minor: params.max_price,
        free_only: params.free.unwrap_or(false),
        min_rating_hundredths: min_rating,
        query: query.map(str::to_owned),
        sort,
        after,
        limit: limit + 1,
    };
    let mut rows = courses::catalog(&state.db, &filter).await?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let next_cursor = has_more
        .then(|| {
            rows.last()
                .map(|r| encode_cursor(sort, r.catalog_key(sort), r.id))
        })
        .flatten();
    Ok(Json(CoursePage {
        items: rows.into_iter().map(Course::from).collect(),
        next_cursor,
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
    let course = match id_or_slug.parse::<Id>() {
        Ok(id) => courses::find_live(&state.db, id).await?,
        Err(_) => courses::find_live_by_slug(&state.db, &id_or_slug).await?,
    }
    .ok_or_else(|| ApiError::not_found("Course"))?;
    let viewer = Viewer::of(&state, auth.as_ref(), &course).await?;
    if course.status != "published" && !viewer.sees_unpublished(&course) {
        return Err(ApiError::not_found("Course"));
    }
    let instructor = users::find_by_id_any(&state.db, course.instructor_id)
        .await?
        .ok_or_else(|| ApiError::internal("course without instructor"))?;
    let materials = materials::list_live(&state.db, course.id)
        .await?
        .into_iter()
        .map(|m| MaterialView::for_viewer(m, &viewer))
        .collect();
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
        materials,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_per_sort_and_refuse_another_sort() {
        let id = Id::generate();
        let at = Timestamp::now();
        let newest = encode_cursor(CatalogSort::Newest, CatalogKey::Time(at), id);
        assert_eq!(
            decode_cursor(CatalogSort::Newest, &newest),
            Some((CatalogKey::Time(at), id))
        );
        assert_eq!(decode_cursor(CatalogSort::Price, &newest), None);
        let price = encode_cursor(CatalogSort::Price, CatalogKey::Number(1500), id);
        assert_eq!(
            decode_cursor(CatalogSort::Price, &price),
            Some((CatalogKey::Number(1500), id))
        );
        assert_eq!(decode_cursor(CatalogSort::Price, "price.x.y"), None);
    }
}
