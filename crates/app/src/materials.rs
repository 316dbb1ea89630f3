//! Course materials: authoring and ordering. Who may see their content is
//! decided with the course ([`crate::courses::Access`]).

use std::collections::HashSet;

use medicaledu_domain::{CourseTitle, DurationSeconds, HttpsUrl, Id, MaterialKind};
use medicaledu_store::Tx;
use medicaledu_store::materials::{self, MaterialFields, MaterialRow};
use serde_json::json;

use crate::audit::{self, Change};
use crate::courses::editable;
use crate::{Actor, AppContext, Fields, Internal, Invalid, RequestMeta};

/// Longest inline body (articles, quiz definitions), in characters.
const MAX_BODY_CHARS: usize = 200_000;

/// A material's fields as the caller sends them. For a change, absent
/// fields (`None`) stay as they are and `Some(None)` clears optional ones.
#[derive(Clone, Debug, Default)]
pub struct MaterialInput {
    pub title: Option<String>,
    pub kind: Option<String>,
    pub content_url: Option<Option<String>>,
    pub body: Option<Option<String>>,
    pub duration_seconds: Option<Option<i64>>,
    /// Default true.
    pub is_required: Option<bool>,
    /// Default false.
    pub is_preview: Option<bool>,
}

/// How a change to a course's materials fails.
#[derive(Debug, thiserror::Error)]
pub enum MaterialError {
    /// The course, or the material, does not exist or the actor may not
    /// change it.
    #[error("{0} not found.")]
    NotFound(&'static str),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(MaterialError);

crate::failure!(MaterialError {
    NotFound(_) => NotFound,
} wraps {
    Invalid(Invalid),
    Internal(Internal),
});

const COURSE: MaterialError = MaterialError::NotFound("Course");
const MATERIAL: MaterialError = MaterialError::NotFound("Material");

/// Add a material at the end of a course.
pub async fn add_material(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    course_id: Id,
    input: MaterialInput,
) -> Result<MaterialRow, MaterialError> {
    let mut tx = ctx.db.begin_write().await?;
    // Locks the course: concurrent appends get distinct positions.
    let course = editable(&mut tx, actor, course_id).await?.ok_or(COURSE)?;
    let values = material_fields(&input, None)?;
    let now = ctx.now();
    let id = Id::generate();
    let material = materials::insert(&mut tx, id, course.id, &values, now).await?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "material.created",
            entity_type: "course_material",
            entity_id: id,
            changes: json!({ "course_id": course.id, "title": material.title, "kind": material.kind, "position": material.position }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(material)
}

/// A live material of a course the actor may edit. Either missing is
/// reported as a missing material.
async fn editable_material(
    tx: &mut Tx,
    actor: &Actor,
    id: Id,
) -> Result<MaterialRow, MaterialError> {
    let material = materials::find_live_tx(tx, id).await?.ok_or(MATERIAL)?;
    editable(tx, actor, material.course_id)
        .await?
        .ok_or(MATERIAL)?;
    Ok(material)
}

/// Change a material.
pub async fn update_material(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    id: Id,
    input: MaterialInput,
) -> Result<MaterialRow, MaterialError> {
    let mut tx = ctx.db.begin_write().await?;
    let before = editable_material(&mut tx, actor, id).await?;
    let values = material_fields(&input, Some(&before))?;
    let now = ctx.now();
    let after = materials::update(&mut tx, before.id, &values, now)
        .await?
        .ok_or(MATERIAL)?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
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
    Ok(after)
}

/// Delete a material (soft). Progress recorded on it is kept.
pub async fn delete_material(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    id: Id,
) -> Result<(), MaterialError> {
    let mut tx = ctx.db.begin_write().await?;
    let material = editable_material(&mut tx, actor, id).await?;
    let now = ctx.now();
    if !materials::soft_delete(&mut tx, material.id, now).await? {
        return Err(MATERIAL);
    }
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "material.deleted",
            entity_type: "course_material",
            entity_id: material.id,
            changes: json!({ "course_id": material.course_id, "deleted_at": now }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Reorder a course's materials, all at once or not at all: `ordered` names
/// every live material of the course exactly once. Returns them in the new
/// order.
pub async fn reorder_materials(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    course_id: Id,
    ordered: Vec<Id>,
) -> Result<Vec<MaterialRow>, MaterialError> {
    let mut tx = ctx.db.begin_write().await?;
    let course = editable(&mut tx, actor, course_id).await?.ok_or(COURSE)?;
    let current = materials::live_ids_tx(&mut tx, course.id).await?;
    let wanted: HashSet<Id> = ordered.iter().copied().collect();
    let have: HashSet<Id> = current.iter().copied().collect();
    if wanted.len() != ordered.len() || wanted != have {
        return Err(Invalid::one(
            "material_ids",
            "mismatch",
            "must list every live material of the course exactly once",
        )
        .into());
    }
    let now = ctx.now();
    materials::reorder(&mut tx, course.id, &ordered, now).await?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "materials.reordered",
            entity_type: "course",
            entity_id: course.id,
            changes: json!({ "order": { "before": current, "after": ordered } }),
        },
    )
    .await?;
    let items = materials::list_live_tx(&mut tx, course.id).await?;
    tx.commit().await?;
    Ok(items)
}

/// Merges the input into the current material (or the defaults of a new
/// one) and checks it, naming every refused field.
fn material_fields(
    input: &MaterialInput,
    current: Option<&MaterialRow>,
) -> Result<MaterialFields, Invalid> {
    let mut fields = Fields::default();
    let title = match (&input.title, current) {
        (Some(t), _) => fields
            .check("title", CourseTitle::parse(t))
            .map(|t| t.as_str().to_owned()),
        (None, Some(c)) => Some(c.title.clone()),
        (None, None) => {
            fields.reject("title", "required", "must not be empty");
            None
        }
    };
    let kind = match (&input.kind, current) {
        (Some(k), _) => fields.check("kind", k.parse::<MaterialKind>()),
        (None, Some(c)) => Some(c.kind),
        (None, None) => {
            fields.reject(
                "kind",
                "required",
                "must be one of: video, document, article, quiz, link",
            );
            None
        }
    };
    let content_url = match &input.content_url {
        Some(Some(url)) => fields
            .check("content_url", HttpsUrl::parse(url))
            .map(|u| u.as_str().to_owned()),
        Some(None) => None,
        None => current.and_then(|c| c.content_url.clone()),
    };
    let text_body = match &input.body {
        Some(Some(text)) if text.chars().count() > MAX_BODY_CHARS => {
            fields.reject("body", "too_long", "must be at most 200000 characters long");
            None
        }
        Some(Some(text)) => Some(text.replace("\r\n", "\n")),
        Some(None) => None,
        None => current.and_then(|c| c.body.clone()),
    };
    let duration_seconds = match &input.duration_seconds {
        Some(Some(d)) => fields
            .check("duration_seconds", DurationSeconds::parse(*d))
            .map(|d| d.get()),
        Some(None) => None,
        None => current.and_then(|c| c.duration_seconds),
    };
    // An invalid URL is already reported; do not also call it missing.
    let url_refused = matches!(input.content_url, Some(Some(_))) && content_url.is_none();
    if content_url.is_none() && text_body.is_none() && !url_refused {
        fields.reject(
            "content_url",
            "required",
            "a material needs a content_url or a body",
        );
    }
    if kind == Some(MaterialKind::Link) && content_url.is_none() && !url_refused {
        fields.reject("content_url", "required", "a link needs a content_url");
    }
    let (Some(title), Some(kind)) = (title, kind) else {
        // A title or kind that is missing or refused is among the fields.
        return Err(fields.finish().err().unwrap_or_default());
    };
    fields.finish()?;
    Ok(MaterialFields {
        title,
        kind,
        content_url,
        body: text_body,
        duration_seconds,
        is_required: input
            .is_required
            .or(current.map(|c| c.is_required))
            .unwrap_or(true),
        is_preview: input
            .is_preview
            .or(current.map(|c| c.is_preview))
            .unwrap_or(false),
    })
}
