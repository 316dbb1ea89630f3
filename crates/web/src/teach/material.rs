//! A course's materials: adding one, changing or deleting it, and putting
//! them in order, by moving one up or down (plain forms, for the keyboard)
//! or by dragging (the script sends the whole new order). Either way the
//! order is saved in one atomic reorder.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::materials::{MaterialError, MaterialInput};
use medicaledu_app::{AppContext, FieldError};
use medicaledu_domain::{Id, MaterialKind};
use medicaledu_store::courses::CourseRow;
use medicaledu_store::materials::MaterialRow;
use serde::Deserialize;

use super::course::{Choice, DeletePage, Select, TextArea};
use super::{field_errors, page_error, refuse, signed_in};
use crate::auth::Empty;
use crate::error::{PageError, parse_id};
use crate::fields::{Field, error_for};
use crate::form::Form;
use crate::page::{Chrome, respond};
use crate::visitor::Visitor;

/// The material form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct MaterialForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    url: String,
    /// Minutes.
    #[serde(default)]
    duration: String,
    required: Option<String>,
    preview: Option<String>,
}

impl MaterialForm {
    fn of(material: &MaterialRow) -> Self {
        Self {
            title: material.title.clone(),
            kind: material.kind.to_string(),
            body: material.body.clone().unwrap_or_default(),
            url: material.content_url.clone().unwrap_or_default(),
            duration: material
                .duration_seconds
                .map(|s| (s / 60).to_string())
                .unwrap_or_default(),
            required: material.is_required.then(String::new),
            preview: material.is_preview.then(String::new),
        }
    }

    fn blank() -> Self {
        Self {
            kind: MaterialKind::Article.to_string(),
            required: Some(String::new()),
            ..Self::default()
        }
    }

    fn input(&self) -> Result<MaterialInput, Vec<FieldError>> {
        let optional = |v: &str| Some((!v.trim().is_empty()).then(|| v.trim().to_owned()));
        let duration_seconds = match self.duration.trim() {
            "" => None,
            text => match text.parse::<i64>() {
                Ok(minutes) if minutes > 0 => Some(minutes.saturating_mul(60)),
                _ => {
                    return Err(vec![refuse(
                        "duration_seconds",
                        "invalid",
                        "must be a whole number of minutes",
                    )]);
                }
            },
        };
        Ok(MaterialInput {
            title: Some(self.title.clone()),
            kind: Some(self.kind.clone()),
            content_url: optional(&self.url),
            body: Some((!self.body.trim().is_empty()).then(|| self.body.clone())),
            duration_seconds: Some(duration_seconds),
            is_required: Some(self.required.is_some()),
            is_preview: Some(self.preview.is_some()),
        })
    }
}

#[derive(Template)]
#[template(path = "teach_material.html")]
struct MaterialPage {
    chrome: Chrome,
    heading: String,
    action: String,
    course_id: String,
    course_title: String,
    /// The material's own id, when it exists (it can then be deleted).
    material_id: Option<String>,
    problem: Option<String>,
    title: Field,
    kind: Select,
    body: TextArea,
    url: Field,
    duration: Field,
    required: bool,
    preview: bool,
}

async fn material_page(
    ctx: &AppContext,
    visitor: &Visitor,
    course: &CourseRow,
    material: Option<&MaterialRow>,
    form: &MaterialForm,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let tr = &visitor.tr;
    let mut url = Field::new("url", tr.t("teach-material-url"), "url")
        .value(&form.url)
        .hint(tr.t("teach-material-url-hint"));
    url.required = false;
    url.error = error_for("content_url", errors, tr);
    let mut duration =
        Field::new("duration", tr.t("teach-material-duration"), "number").value(&form.duration);
    duration.required = false;
    duration.error = error_for("duration_seconds", errors, tr);
    let heading = match material {
        Some(m) => tr.t_with(
            "teach-material-edit",
            &[("title", crate::i18n::Arg::Text(m.title.clone()))],
        ),
        None => tr.t("teach-add-material"),
    };
    let page = MaterialPage {
        chrome: Chrome::new(ctx, visitor, heading.clone()).await?,
        heading,
        action: match material {
            Some(m) => format!("/teach/materials/{}", m.id),
            None => format!("/teach/courses/{}/materials/new", course.id),
        },
        course_id: course.id.to_string(),
        course_title: course.title.clone(),
        material_id: material.map(|m| m.id.to_string()),
        problem: (!errors.is_empty()).then(|| tr.t("form-errors")),
        title: Field::new("title", tr.t("teach-material-title"), "text")
            .value(&form.title)
            .errors(errors, tr),
        kind: Select {
            name: "kind",
            label: tr.t("teach-material-kind"),
            choices: MaterialKind::ALL
                .iter()
                .map(|k| Choice {
                    value: k.to_string(),
                    label: tr.t(&format!("learn-kind-{k}")),
                    selected: form.kind == k.as_str(),
                })
                .collect(),
            error: error_for("kind", errors, tr),
        },
        body: TextArea {
            name: "body",
            label: tr.t("teach-material-body"),
            value: form.body.clone(),
            hint: Some(tr.t("teach-material-body-hint")),
            error: error_for("body", errors, tr),
        },
        url,
        duration,
        required: form.required.is_some(),
        preview: form.preview.is_some(),
    };
    Ok(respond(ctx, visitor, &page))
}

/// `GET /teach/courses/{id}/materials/new`.
pub async fn new_page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match signed_in(&visitor, &format!("/teach/courses/{id}/materials/new")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let (course, _) = medicaledu_app::teaching::course_to_edit(&ctx, actor, id)
        .await
        .map_err(page_error)?;
    material_page(&ctx, &visitor, &course, None, &MaterialForm::blank(), &[]).await
}

fn refused_status(mut response: Response) -> Response {
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    response
}

/// `POST /teach/courses/{id}/materials/new`: adds it at the end.
pub async fn add(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, data }: Form<MaterialForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match signed_in(&visitor, &format!("/teach/courses/{id}/materials/new")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let (course, _) = medicaledu_app::teaching::course_to_edit(&ctx, actor, id)
        .await
        .map_err(page_error)?;
    let errors = match data.input() {
        Ok(input) => {
            match medicaledu_app::materials::add_material(&ctx, actor, &visitor.meta, id, input)
                .await
            {
                Ok(m) => {
                    return Ok(Redirect::to(&format!(
                        "/teach/courses/{id}?material=1#material-{}",
                        m.id
                    ))
                    .into_response());
                }
                Err(MaterialError::Invalid(invalid)) => field_errors(&invalid),
                Err(e) => return Err(page_error(e)),
            }
        }
        Err(errors) => errors,
    };
    Ok(refused_status(
        material_page(&ctx, &visitor, &course, None, &data, &errors).await?,
    ))
}

/// `GET /teach/materials/{id}`.
pub async fn edit_page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match signed_in(&visitor, &format!("/teach/materials/{id}")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let (material, course) = medicaledu_app::teaching::material_to_edit(&ctx, actor, id)
        .await
        .map_err(page_error)?;
    let form = MaterialForm::of(&material);
    material_page(&ctx, &visitor, &course, Some(&material), &form, &[]).await
}

/// `POST /teach/materials/{id}`: saves the changes.
pub async fn save(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, data }: Form<MaterialForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match signed_in(&visitor, &format!("/teach/materials/{id}")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let (material, course) = medicaledu_app::teaching::material_to_edit(&ctx, actor, id)
        .await
        .map_err(page_error)?;
    let errors = match data.input() {
        Ok(input) => {
            match medicaledu_app::materials::update_material(&ctx, actor, &visitor.meta, id, input)
                .await
            {
                Ok(m) => {
                    return Ok(Redirect::to(&format!(
                        "/teach/courses/{}?material=1#material-{}",
                        course.id, m.id
                    ))
                    .into_response());
                }
                Err(MaterialError::Invalid(invalid)) => field_errors(&invalid),
                Err(e) => return Err(page_error(e)),
            }
        }
        Err(errors) => errors,
    };
    Ok(refused_status(
        material_page(&ctx, &visitor, &course, Some(&material), &data, &errors).await?,
    ))
}

/// `GET /teach/materials/{id}/delete`: what deleting means, before it
/// happens; without JavaScript this page is the confirmation.
pub async fn delete_page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match signed_in(&visitor, &format!("/teach/materials/{id}/delete")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let (material, _) = medicaledu_app::teaching::material_to_edit(&ctx, actor, id)
        .await
        .map_err(page_error)?;
    let tr = &visitor.tr;
    let page = DeletePage {
        chrome: Chrome::new(&ctx, &visitor, tr.t("teach-material-delete-title")).await?,
        heading: tr.t("teach-material-delete-title"),
        back_href: format!("/teach/materials/{}", material.id),
        consequence: tr.t("teach-material-delete-consequence"),
        action: format!("/teach/materials/{}/delete", material.id),
        confirm: tr.t("teach-material-delete"),
        name: material.title,
    };
    Ok(respond(&ctx, &visitor, &page))
}

/// `POST /teach/materials/{id}/delete`: deletes, confirmed.
pub async fn delete(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match signed_in(&visitor, &format!("/teach/materials/{id}")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let (_, course) = medicaledu_app::teaching::material_to_edit(&ctx, actor, id)
        .await
        .map_err(page_error)?;
    medicaledu_app::materials::delete_material(&ctx, actor, &visitor.meta, id)
        .await
        .map_err(page_error)?;
    Ok(Redirect::to(&format!(
        "/teach/courses/{}?material=1#materials",
        course.id
    ))
    .into_response())
}

/// A new order: one material moved a place, or the whole order as dragged.
#[derive(Debug, Default, Deserialize)]
pub struct OrderForm {
    /// The material to move, with `direction` `up` or `down`.
    #[serde(rename = "move")]
    moved: Option<String>,
    direction: Option<String>,
    /// Every material's id in the new order, comma-separated.
    order: Option<String>,
}

/// The order after moving `moved` one place in `direction`; `None` when the
/// request names no material of the course or no direction.
fn moved_order(current: &[Id], moved: Id, direction: &str) -> Option<Vec<Id>> {
    let at = current.iter().position(|id| *id == moved)?;
    let to = match direction {
        "up" => at.checked_sub(1)?,
        "down" => (at + 1 < current.len()).then_some(at + 1)?,
        _ => return None,
    };
    let mut order = current.to_vec();
    order.swap(at, to);
    Some(order)
}

/// `POST /teach/courses/{id}/materials/order`: saves the new order in one
/// reorder and returns to the moved material, where the keyboard focus was.
pub async fn reorder(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, data }: Form<OrderForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match signed_in(&visitor, &format!("/teach/courses/{id}")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let (_, materials) = medicaledu_app::teaching::course_to_edit(&ctx, actor, id)
        .await
        .map_err(page_error)?;
    let current: Vec<Id> = materials.iter().map(|m| m.id).collect();
    let (order, anchor) = match (&data.order, &data.moved, &data.direction) {
        (Some(order), _, _) => {
            let ids: Result<Vec<Id>, _> = order
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::parse)
                .collect();
            (ids.map_err(|_| PageError::BadRequest)?, None)
        }
        (None, Some(moved), Some(direction)) => {
            let moved: Id = moved.parse().map_err(|_| PageError::BadRequest)?;
            match moved_order(&current, moved, direction) {
                Some(order) => (order, Some(moved)),
                // Already first or last: nothing moves.
                None => (current.clone(), Some(moved)),
            }
        }
        _ => return Err(PageError::BadRequest),
    };
    match medicaledu_app::materials::reorder_materials(&ctx, actor, &visitor.meta, id, order).await
    {
        Ok(_) => {}
        // The order named other materials than the course has now (one was
        // added or deleted meanwhile): the page shows the current order.
        Err(MaterialError::Invalid(_)) => {
            return Ok(Redirect::to(&format!("/teach/courses/{id}#materials")).into_response());
        }
        Err(e) => return Err(page_error(e)),
    }
    let target = match anchor {
        Some(moved) => format!("/teach/courses/{id}?moved=1#material-{moved}"),
        None => format!("/teach/courses/{id}?moved=1#materials"),
    };
    Ok(Redirect::to(&target).into_response())
}

#[cfg(test)]
mod tests {
    use super::moved_order;
    use medicaledu_domain::Id;

    #[test]
    fn moving_swaps_with_the_neighbour_and_stops_at_the_ends() {
        let (a, b, c) = (Id::generate(), Id::generate(), Id::generate());
        let order = [a, b, c];
        assert_eq!(moved_order(&order, b, "up"), Some(vec![b, a, c]));
        assert_eq!(moved_order(&order, b, "down"), Some(vec![a, c, b]));
        assert_eq!(moved_order(&order, a, "up"), None);
        assert_eq!(moved_order(&order, c, "down"), None);
        assert_eq!(moved_order(&order, a, "sideways"), None);
        assert_eq!(moved_order(&order, Id::generate(), "up"), None);
    }
}
