//! Course materials: authoring and ordering. The handlers call the use
//! cases of `medicaledu_app::materials`.

use axum::extract::State;
use axum::http::StatusCode;
use medicaledu_app::courses::OutlineItem;
use medicaledu_app::materials::{self as app, MaterialInput};
use medicaledu_domain::{Id, MaterialKind};
use medicaledu_store::materials::MaterialRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, Meta};
use crate::problem::Answers;
use crate::problem::problems;
use crate::validate::nullable;
use crate::{ApiError, AppState, Ids, Json};

problems!(app::MaterialError);

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_material))
        .routes(routes!(update_material, delete_material))
        .routes(routes!(reorder_materials))
}

crate::problem::problem_codes! {
    create_material => Answers::route().signed_in_write().path_ids().json_body().failure::<app::MaterialError>(),
    update_material => Answers::route().signed_in_write().path_ids().json_body().failure::<app::MaterialError>(),
    delete_material => Answers::route().signed_in_write().path_ids().failure::<app::MaterialError>(),
    reorder_materials => Answers::route()
        .signed_in_write()
        .path_ids()
        .json_body()
        .failure::<app::MaterialError>(),
}

/// A material; `content_url` and `body` are null (and `locked` true) for
/// callers who may only see the outline.
#[derive(Debug, Serialize, ToSchema)]
pub struct MaterialView {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    #[schema(value_type = String, format = Uuid)]
    pub course_id: Id,
    pub title: String,
    /// `video`, `document`, `article`, `quiz` or `link`.
    #[schema(value_type = String)]
    pub kind: MaterialKind,
    pub position: i64,
    pub content_url: Option<String>,
    pub body: Option<String>,
    pub duration_seconds: Option<i64>,
    pub is_required: bool,
    /// Free preview: content visible to everyone.
    pub is_preview: bool,
    /// True when the content is withheld from this caller.
    pub locked: bool,
}

impl MaterialView {
    pub fn full(row: MaterialRow) -> Self {
        MaterialView {
            id: row.id,
            course_id: row.course_id,
            title: row.title,
            kind: row.kind,
            position: row.position,
            content_url: row.content_url,
            body: row.body,
            duration_seconds: row.duration_seconds,
            is_required: row.is_required,
            is_preview: row.is_preview,
            locked: false,
        }
    }

    /// The outline only, when the content is withheld from the caller.
    fn locked(row: MaterialRow) -> Self {
        MaterialView {
            content_url: None,
            body: None,
            locked: true,
            ..Self::full(row)
        }
    }
}

impl From<OutlineItem> for MaterialView {
    fn from(item: OutlineItem) -> Self {
        if item.locked {
            Self::locked(item.material)
        } else {
            Self::full(item.material)
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialRequest {
    #[schema(value_type = Option<crate::constraints::CourseTitleText>, inline)]
    pub title: Option<String>,
    /// `video`, `document`, `article`, `quiz` or `link`.
    #[schema(value_type = Option<crate::constraints::MaterialKindText>, inline)]
    pub kind: Option<String>,
    /// https only.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub content_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub body: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub duration_seconds: Option<Option<i64>>,
    /// Default true.
    pub is_required: Option<bool>,
    /// Default false.
    pub is_preview: Option<bool>,
}

impl From<MaterialRequest> for MaterialInput {
    fn from(body: MaterialRequest) -> Self {
        MaterialInput {
            title: body.title,
            kind: body.kind,
            content_url: body.content_url,
            body: body.body,
            duration_seconds: body.duration_seconds,
            is_required: body.is_required,
            is_preview: body.is_preview,
        }
    }
}

/// Add a material at the end of a course.
#[utoipa::path(
    post,
    path = "/api/v1/courses/{id}/materials",
    tag = "materials",
    params(("id" = String, Path, description = "Course id")),
    request_body = MaterialRequest,
    responses((status = 201, body = MaterialView), (status = 422, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn create_material(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(course_id): Ids<Id>,
    Json(body): Json<MaterialRequest>,
) -> Result<(StatusCode, Json<MaterialView>), ApiError> {
    let material = app::add_material(&state, &auth, &meta, course_id, body.into()).await?;
    Ok((StatusCode::CREATED, Json(MaterialView::full(material))))
}

/// Change a material. Absent fields stay as they are; `null` clears optional ones.
#[utoipa::path(
    patch,
    path = "/api/v1/materials/{id}",
    tag = "materials",
    params(("id" = String, Path, description = "Material id")),
    request_body = MaterialRequest,
    responses((status = 200, body = MaterialView), (status = 404, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn update_material(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(id): Ids<Id>,
    Json(body): Json<MaterialRequest>,
) -> Result<Json<MaterialView>, ApiError> {
    let material = app::update_material(&state, &auth, &meta, id, body.into()).await?;
    Ok(Json(MaterialView::full(material)))
}

/// Delete a material (soft). Progress recorded on it is kept.
#[utoipa::path(
    delete,
    path = "/api/v1/materials/{id}",
    tag = "materials",
    params(("id" = String, Path, description = "Material id")),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn delete_material(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(id): Ids<Id>,
) -> Result<StatusCode, ApiError> {
    app::delete_material(&state, &auth, &meta, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReorderRequest {
    /// Every live material of the course, each once, in the new order.
    #[schema(value_type = Vec<String>)]
    pub material_ids: Vec<Id>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MaterialList {
    pub items: Vec<MaterialView>,
    pub next_cursor: Option<String>,
}

/// Reorder a course's materials, all at once or not at all.
#[utoipa::path(
    put,
    path = "/api/v1/courses/{id}/materials/order",
    tag = "materials",
    params(("id" = String, Path, description = "Course id")),
    request_body = ReorderRequest,
    responses((status = 200, body = MaterialList), (status = 422, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn reorder_materials(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(course_id): Ids<Id>,
    Json(body): Json<ReorderRequest>,
) -> Result<Json<MaterialList>, ApiError> {
    let items = app::reorder_materials(&state, &auth, &meta, course_id, body.material_ids).await?;
    Ok(Json(MaterialList {
        items: items.into_iter().map(MaterialView::full).collect(),
        next_cursor: None,
    }))
}
