//! Course materials: authoring, ordering, and who may see their content.

use std::collections::HashSet;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use medicaledu_domain::{CourseTitle, DurationSeconds, HttpsUrl, Id, MaterialKind, Timestamp};
use medicaledu_store::courses::{self, CourseRow};
use medicaledu_store::enrollments;
use medicaledu_store::materials::{self, MaterialFields, MaterialRow};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, Meta};
use crate::courses::{editable, may_edit};
use crate::validate::{Fields, nullable};
use crate::{ApiError, AppState, FieldError, Json};
use medicaledu_app::audit::{self, Change};

/// Longest inline body (articles, quiz definitions), in characters.
const MAX_BODY_CHARS: usize = 200_000;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_material))
        .routes(routes!(update_material, delete_material))
        .routes(routes!(reorder_materials))
}

/// What the caller may see of a course.
pub struct Viewer {
    editor: bool,
    enrolled: bool,
}

impl Viewer {
    pub async fn of(
        state: &AppState,
        auth: Option<&Authenticated>,
        course: &CourseRow,
    ) -> Result<Viewer, ApiError> {
        let Some(auth) = auth else {
            return Ok(Viewer {
                editor: false,
                enrolled: false,
            });
        };
        let editor = may_edit(auth, course);
        let enrolled = !editor
            && enrollments::find_live_for(&state.db, auth.user.id, course.id)
                .await?
                .is_some();
        Ok(Viewer { editor, enrolled })
    }

    /// Drafts are the instructor's; archived courses stay open to their students.
    pub fn sees_unpublished(&self, course: &CourseRow) -> bool {
        self.editor || (self.enrolled && course.status == "archived")
    }

    fn sees_content(&self, material: &MaterialRow) -> bool {
        self.editor || self.enrolled || material.is_preview
    }
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
    pub kind: String,
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

    pub fn for_viewer(row: MaterialRow, viewer: &Viewer) -> Self {
        if viewer.sees_content(&row) {
            return Self::full(row);
        }
        MaterialView {
            content_url: None,
            body: None,
            locked: true,
            ..Self::full(row)
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialRequest {
    pub title: Option<String>,
    /// `video`, `document`, `article`, `quiz` or `link`.
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

/// Merges a request into the current material (or defaults) and checks it.
fn material_fields(
    body: &MaterialRequest,
    current: Option<&MaterialRow>,
) -> Result<MaterialFields, ApiError> {
    let mut fields = Fields::default();
    let title = match (&body.title, current) {
        (Some(t), _) => fields
            .check("title", CourseTitle::parse(t))
            .map(|t| t.as_str().to_owned()),
        (None, Some(c)) => Some(c.title.clone()),
        (None, None) => {
            fields.reject("title", "required", "must not be empty");
            None
        }
    };
    let kind = match (&body.kind, current) {
        (Some(k), _) => fields
            .check("kind", k.parse::<MaterialKind>())
            .map(|k| k.as_str().to_owned()),
        (None, Some(c)) => Some(c.kind.clone()),
        (None, None) => {
            fields.reject(
                "kind",
                "required",
                "must be one of: video, document, article, quiz, link",
            );
            None
        }
    };
    let content_url = match &body.content_url {
        Some(Some(url)) => fields
            .check("content_url", HttpsUrl::parse(url))
            .map(|u| u.as_str().to_owned()),
        Some(None) => None,
        None => current.and_then(|c| c.content_url.clone()),
    };
    let text_body = match &body.body {
        Some(Some(text)) if text.chars().count() > MAX_BODY_CHARS => {
            fields.reject("body", "too_long", "must be at most 200000 characters long");
            None
        }
        Some(Some(text)) => Some(text.replace("\r\n", "\n")),
        Some(None) => None,
        None => current.and_then(|c| c.body.clone()),
    };
    let duration_seconds = match &body.duration_seconds {
        Some(Some(d)) => fields
            .check("duration_seconds", DurationSeconds::parse(*d))
            .map(|d| d.get()),
        Some(None) => None,
        None => current.and_then(|c| c.duration_seconds),
    };
    // An invalid URL is already reported; do not also call it missing.
    let url_refused = matches!(body.content_url, Some(Some(_))) && content_url.is_none();
    if content_url.is_none() && text_body.is_none() && !url_refused {
        fields.reject(
            "content_url",
            "required",
            "a material needs a content_url or a body",
        );
    }
    if kind.as_deref() == Some("link") && content_url.is_none() && !url_refused {
        fields.reject("content_url", "required", "a link needs a content_url");
    }
    fields.finish()?;
    Ok(MaterialFields {
        title: title.unwrap_or_default(),
        kind: kind.unwrap_or_default(),
        content_url,
        body: text_body,
        duration_seconds,
        is_required: body
            .is_required
            .or(current.map(|c| c.is_required))
            .unwrap_or(true),
        is_preview: body
            .is_preview
            .or(current.map(|c| c.is_preview))
            .unwrap_or(false),
    })
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
    Path(course_id): Path<String>,
    Json(body): Json<MaterialRequest>,
) -> Result<(StatusCode, Json<MaterialView>), ApiError> {
    let course = editable(&state, &auth, &course_id).await?;
    let values = material_fields(&body, None)?;
    let now = Timestamp::now();
    let id = Id::generate();
    let mut tx = state.db.begin_write().await?;
    courses::lock(&mut tx, course.id).await?;
    let material = materials::insert(&mut tx, id, course.id, &values, now).await?;
    audit::record(
        &mut tx,
        &meta,
        now,
        Change {
            actor: Some(auth.user.id),
            action: "material.created",
            entity_type: "course_material",
            entity_id: id,
            changes: json!({ "course_id": course.id, "title": material.title, "kind": material.kind, "position": material.position }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(MaterialView::full(material))))
}

/// A live material of a course the caller may edit, or 404.
async fn editable_material(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
) -> Result<MaterialRow, ApiError> {
    let id: Id = id.parse().map_err(|_| ApiError::not_found("Material"))?;
    let material = materials::find_live(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Material"))?;
    editable(state, auth, &material.course_id.to_string())
        .await
        .map_err(|_| ApiError::not_found("Material"))?;
    Ok(material)
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
    Path(id): Path<String>,
    Json(body): Json<MaterialRequest>,
) -> Result<Json<MaterialView>, ApiError> {
    let before = editable_material(&state, &auth, &id).await?;
    let values = material_fields(&body, Some(&before))?;
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    let after = materials::update(&mut tx, before.id, &values, now)
        .await?
        .ok_or_else(|| ApiError::not_found("Material"))?;
    audit::record(
        &mut tx,
        &meta,
        now,
        Change {
            actor: Some(auth.user.id),
            action: "material.updated",
            entity_type: "course_material",
            entity_id: after.id,
            changes: json!({
                "title": { "before": before.title, "after": after.title },
                "kind": { "before": before.kind, "after": after.kind },
                "is_required": { "before": before.is_required, "after": after.is_required },
                "is_preview": { "before": before.is_preview, "after": after.is_preview },
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(MaterialView::full(after)))
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
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let material = editable_material(&state, &auth, &id).await?;
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    if !materials::soft_delete(&mut tx, material.id, now).await? {
        return Err(ApiError::not_found("Material"));
    }
    audit::record(
        &mut tx,
        &meta,
        now,
        Change {
            actor: Some(auth.user.id),
            action: "material.deleted",
            entity_type: "course_material",
            entity_id: material.id,
            changes: json!({ "course_id": material.course_id, "deleted_at": now }),
        },
    )
    .await?;
    tx.commit().await?;
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
    Path(course_id): Path<String>,
    Json(body): Json<ReorderRequest>,
) -> Result<Json<MaterialList>, ApiError> {
    let course = editable(&state, &auth, &course_id).await?;
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    courses::lock(&mut tx, course.id).await?;
    let current = materials::live_ids_tx(&mut tx, course.id).await?;
    let wanted: HashSet<Id> = body.material_ids.iter().copied().collect();
    let have: HashSet<Id> = current.iter().copied().collect();
    if wanted.len() != body.material_ids.len() || wanted != have {
        return Err(ApiError::validation(vec![FieldError::new(
            "material_ids",
            "mismatch",
            "must list every live material of the course exactly once",
        )]));
    }
    materials::reorder(&mut tx, course.id, &body.material_ids, now).await?;
    audit::record(
        &mut tx,
        &meta,
        now,
        Change {
            actor: Some(auth.user.id),
            action: "materials.reordered",
            entity_type: "course",
            entity_id: course.id,
            changes: json!({ "order": { "before": current, "after": body.material_ids } }),
        },
    )
    .await?;
    tx.commit().await?;
    let items = materials::list_live(&state.db, course.id)
        .await?
        .into_iter()
        .map(MaterialView::full)
        .collect();
    Ok(Json(MaterialList {
        items,
        next_cursor: None,
    }))
}
