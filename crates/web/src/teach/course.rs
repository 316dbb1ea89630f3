//! The course editor: a new course, every field of an existing one with a
//! preview of its Markdown description, publishing (or the reason it cannot
//! be published yet), archiving, and deleting after a confirmation step. Its
//! materials are listed here in order, with their own pages to add and edit
//! them (`material.rs`).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::courses::{
    ArchiveCourseError, CourseInput, CreateCourse, CreateCourseError, PublishCourseError,
    UpdateCourseError,
};
use medicaledu_app::{Actor, AppContext, FieldError};
use medicaledu_domain::{CourseLevel, CourseStatus, Currency, Id};
use medicaledu_store::courses::CourseRow;
use medicaledu_store::materials::MaterialRow;
use serde::Deserialize;

use super::{field_errors, instructor, page_error, refuse, signed_in};
use crate::auth::Empty;
use crate::error::{PageError, parse_id};
use crate::fields::{Field, error_for};
use crate::form::Form;
use crate::i18n::{Arg, Tr};
use crate::markdown;
use crate::page::{Chrome, respond};
use crate::visitor::Visitor;

/// Languages a course is most often taught in, each named in itself; a
/// course in another language keeps its own tag as a further choice.
const LANGUAGES: [(&str, &str); 10] = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
    ("it", "Italiano"),
    ("pt", "Português"),
    ("nl", "Nederlands"),
    ("pl", "Polski"),
    ("tr", "Türkçe"),
    ("ar", "العربية"),
];

/// One choice of a `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A `<select>` with its label, choices and error.
pub struct Select {
    pub name: &'static str,
    pub label: String,
    pub choices: Vec<Choice>,
    pub error: Option<String>,
}

/// A `<textarea>` with its label, kept value, hint and error.
pub struct TextArea {
    pub name: &'static str,
    pub label: String,
    pub value: String,
    pub hint: Option<String>,
    pub error: Option<String>,
}

/// The course form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct CourseForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    specialty: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    price: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    cme_credit_hours: String,
    /// `preview` re-renders the form with the description rendered.
    #[serde(default)]
    intent: String,
}

impl CourseForm {
    fn of(course: &CourseRow) -> Self {
        let currency = Currency::parse(&course.currency).ok();
        Self {
            title: course.title.clone(),
            slug: course.slug.clone(),
            summary: course.summary.clone(),
            description: course.description.clone(),
            category: course.category.clone(),
            specialty: course.specialty.clone().unwrap_or_default(),
            tags: course.tags.0.join(", "),
            level: course.level.to_string(),
            language: course.language.clone(),
            price: currency.map_or_else(
                || course.price_minor.to_string(),
                |c| c.amount_text(course.price_minor),
            ),
            currency: course.currency.clone(),
            cme_credit_hours: crate::view::cme_hours(course.cme_credit_hundredths)
                .unwrap_or_default(),
            intent: String::new(),
        }
    }

    fn blank(actor: &Actor) -> Self {
        let language = actor.user.locale.split(['-', '_']).next().unwrap_or("en");
        Self {
            level: CourseLevel::Beginner.to_string(),
            language: language.to_owned(),
            price: "0".into(),
            currency: "EUR".into(),
            ..Self::default()
        }
    }

    /// The use case's input, or the fields this page refuses itself (a price
    /// or credit hours that are no number).
    fn input(&self) -> Result<CourseInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let currency = Currency::parse(&self.currency).ok();
        let price_minor = match currency {
            Some(c) => match c.parse_amount(&self.price) {
                Ok(minor) => Some(minor),
                Err(issue) => {
                    errors.push(refuse("price_minor", issue.code, &issue.message));
                    None
                }
            },
            // The currency's own error is reported by the use case; the
            // price is read once the currency is known.
            None => None,
        };
        let cme = self.cme_credit_hours.trim();
        let cme_credit_hours = if cme.is_empty() {
            Some(serde_json::Number::from(0))
        } else {
            match serde_json::from_str::<serde_json::Number>(cme) {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push(refuse(
                        "cme_credit_hours",
                        "invalid",
                        "must be a number of hours such as 1.5",
                    ));
                    None
                }
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let text = |v: &str| Some(v.to_owned());
        Ok(CourseInput {
            title: text(&self.title),
            slug: (!self.slug.trim().is_empty()).then(|| self.slug.trim().to_owned()),
            summary: text(&self.summary),
            description: text(&self.description),
            category: text(&self.category),
            specialty: Some((!self.specialty.trim().is_empty()).then(|| self.specialty.clone())),
            tags: Some(
                self.tags
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect(),
            ),
            level: text(&self.level),
            language: text(&self.language),
            price_minor: price_minor.or(Some(0)),
            currency: text(&self.currency),
            cme_credit_hours,
        })
    }
}

/// A material as the editor lists it.
pub struct MaterialLine {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub required: bool,
    pub preview: bool,
    pub first: bool,
    pub last: bool,
    pub up_label: String,
    pub down_label: String,
}

/// The course's state and what can be done with it now.
pub struct Lifecycle {
    pub id: String,
    pub slug: String,
    pub status: String,
    pub can_publish: bool,
    pub can_archive: bool,
    /// The course's public page, once students can see it.
    pub public: bool,
    pub materials: Vec<MaterialLine>,
}

#[derive(Template)]
#[template(path = "teach_course.html")]
struct EditorPage {
    chrome: Chrome,
    heading: String,
    action: String,
    notice: Option<String>,
    problem: Option<String>,
    title: Field,
    slug: Option<Field>,
    summary: Field,
    description: TextArea,
    preview: Option<String>,
    category: Field,
    specialty: Field,
    tags: Field,
    level: Select,
    language: Select,
    price: Field,
    currency: Select,
    cme: Field,
    /// Absent for a new course.
    course: Option<Lifecycle>,
}

/// What the page says above the form.
#[derive(Default)]
struct Notes {
    notice: Option<String>,
    problem: Option<String>,
    preview: bool,
}

fn optional(field: Field) -> Field {
    let mut field = field;
    field.required = false;
    field
}

fn lifecycle(course: &CourseRow, materials: &[MaterialRow], tr: &Tr) -> Lifecycle {
    let count = materials.len();
    Lifecycle {
        id: course.id.to_string(),
        slug: course.slug.clone(),
        status: tr.t(&format!("course-status-{}", course.status)),
        can_publish: course.status.can_transition(CourseStatus::Published),
        can_archive: course.status.can_transition(CourseStatus::Archived),
        public: course.status != CourseStatus::Draft,
        materials: materials
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let named = |key: &str| tr.t_with(key, &[("title", Arg::Text(m.title.clone()))]);
                MaterialLine {
                    id: m.id.to_string(),
                    title: m.title.clone(),
                    kind: tr.t(&format!("learn-kind-{}", m.kind)),
                    required: m.is_required,
                    preview: m.is_preview,
                    first: i == 0,
                    last: i + 1 == count,
                    up_label: named("teach-move-up-label"),
                    down_label: named("teach-move-down-label"),
                }
            })
            .collect(),
    }
}

async fn editor(
    ctx: &AppContext,
    visitor: &Visitor,
    form: &CourseForm,
    existing: Option<(&CourseRow, &[MaterialRow])>,
    notes: Notes,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let tr = &visitor.tr;
    let text = |name, key: &str, value: &str| {
        Field::new(name, tr.t(key), "text")
            .value(value)
            .errors(errors, tr)
    };
    let level = Select {
        name: "level",
        label: tr.t("teach-level"),
        choices: CourseLevel::ALL
            .iter()
            .map(|l| Choice {
                value: l.to_string(),
                label: tr.t(&format!("level-{l}")),
                selected: form.level == l.as_str(),
            })
            .collect(),
        error: error_for("level", errors, tr),
    };
    let mut languages: Vec<Choice> = LANGUAGES
        .iter()
        .map(|(value, label)| Choice {
            value: (*value).to_owned(),
            label: (*label).to_owned(),
            selected: form.language == *value,
        })
        .collect();
    if !languages.iter().any(|c| c.selected) && !form.language.is_empty() {
        languages.push(Choice {
            value: form.language.clone(),
            label: form.language.clone(),
            selected: true,
        });
    }
    let chosen = form.currency.trim().to_ascii_uppercase();
    let currency = Select {
        name: "currency",
        label: tr.t("teach-currency"),
        choices: Currency::payable()
            .iter()
            .map(|c| Choice {
                value: c.as_str().to_owned(),
                label: format!("{} – {}", c.as_str(), c.name()),
                selected: c.as_str() == chosen,
            })
            .collect(),
        error: error_for("currency", errors, tr),
    };
    let mut price = Field::new("price", tr.t("teach-price"), "text")
        .value(&form.price)
        .hint(tr.t("teach-price-hint"));
    price.error = error_for("price_minor", errors, tr);
    let mut cme = optional(
        Field::new("cme_credit_hours", tr.t("teach-cme"), "text")
            .value(&form.cme_credit_hours)
            .hint(tr.t("teach-cme-hint")),
    );
    cme.error = error_for("cme_credit_hours", errors, tr);
    let (heading, action, title_text) = match existing {
        Some((course, _)) => (
            tr.t_with(
                "teach-edit-heading",
                &[("title", Arg::Text(course.title.clone()))],
            ),
            format!("/teach/courses/{}", course.id),
            course.title.clone(),
        ),
        None => (
            tr.t("teach-new-course"),
            "/teach/courses/new".to_owned(),
            tr.t("teach-new-course"),
        ),
    };
    let slug =
        existing.map(|_| text("slug", "teach-slug", &form.slug).hint(tr.t("teach-slug-hint")));
    let page = EditorPage {
        chrome: Chrome::new(ctx, visitor, title_text).await?,
        heading,
        action,
        notice: notes.notice,
        problem: notes.problem,
        title: text("title", "teach-course-title", &form.title),
        slug,
        summary: text("summary", "teach-summary", &form.summary),
        description: TextArea {
            name: "description",
            label: tr.t("teach-description"),
            value: form.description.clone(),
            hint: Some(tr.t("teach-description-hint")),
            error: error_for("description", errors, tr),
        },
        preview: notes
            .preview
            .then(|| markdown::to_safe_html(&form.description)),
        category: text("category", "teach-category", &form.category),
        specialty: optional(text("specialty", "teach-specialty", &form.specialty)),
        tags: optional(text("tags", "teach-tags", &form.tags).hint(tr.t("teach-tags-hint"))),
        level,
        language: Select {
            name: "language",
            label: tr.t("teach-language"),
            choices: languages,
            error: error_for("language", errors, tr),
        },
        price,
        currency,
        cme,
        course: existing.map(|(course, materials)| lifecycle(course, materials, tr)),
    };
    Ok(respond(ctx, visitor, &page))
}

fn unprocessable(mut response: Response) -> Response {
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    response
}

/// `GET /teach/courses/new`.
pub async fn new_page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let actor = match instructor(&visitor, "/teach/courses/new") {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let form = CourseForm::blank(actor);
    editor(&ctx, &visitor, &form, None, Notes::default(), &[]).await
}

/// `POST /teach/courses/new`: previews the description or creates the
/// course as a draft and opens its editor.
pub async fn create(
    State(ctx): State<AppContext>,
    Form { visitor, data }: Form<CourseForm>,
) -> Result<Response, PageError> {
    let actor = match instructor(&visitor, "/teach/courses/new") {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    if data.intent == "preview" {
        let notes = Notes {
            preview: true,
            ..Notes::default()
        };
        return editor(&ctx, &visitor, &data, None, notes, &[]).await;
    }
    let refused = match data.input() {
        Ok(fields) => {
            let input = CreateCourse {
                fields,
                instructor_id: None,
            };
            match medicaledu_app::courses::create_course(&ctx, actor, &visitor.meta, input).await {
                Ok(course) => {
                    return Ok(
                        Redirect::to(&format!("/teach/courses/{}?saved=1", course.id))
                            .into_response(),
                    );
                }
                Err(CreateCourseError::Invalid(invalid)) => field_errors(&invalid),
                Err(e) => return Err(page_error(e)),
            }
        }
        Err(errors) => errors,
    };
    let notes = Notes {
        problem: Some(visitor.tr.t("form-errors")),
        ..Notes::default()
    };
    Ok(unprocessable(
        editor(&ctx, &visitor, &data, None, notes, &refused).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct EditorQuery {
    saved: Option<String>,
    published: Option<String>,
    archived: Option<String>,
    material: Option<String>,
    moved: Option<String>,
}

/// The course `id` for its editor, or the page that answers instead.
async fn editable(
    ctx: &AppContext,
    actor: &Actor,
    id: Id,
) -> Result<(CourseRow, Vec<MaterialRow>), PageError> {
    medicaledu_app::teaching::course_to_edit(ctx, actor, id)
        .await
        .map_err(page_error)
}

/// `GET /teach/courses/{id}`.
pub async fn edit_page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(id): Path<String>,
    axum::extract::Query(query): axum::extract::Query<EditorQuery>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match signed_in(&visitor, &format!("/teach/courses/{id}")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let (course, materials) = editable(&ctx, actor, id).await?;
    let tr = &visitor.tr;
    let notice = [
        (query.saved.is_some(), "teach-saved"),
        (query.published.is_some(), "teach-published"),
        (query.archived.is_some(), "teach-archived"),
        (query.material.is_some(), "teach-material-saved"),
        (query.moved.is_some(), "teach-moved"),
    ]
    .into_iter()
    .find(|(shown, _)| *shown)
    .map(|(_, key)| tr.t(key));
    let notes = Notes {
        notice,
        ..Notes::default()
    };
    editor(
        &ctx,
        &visitor,
        &CourseForm::of(&course),
        Some((&course, &materials)),
        notes,
        &[],
    )
    .await
}

/// `POST /teach/courses/{id}`: previews the description or saves the course.
pub async fn save(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, data }: Form<CourseForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match signed_in(&visitor, &format!("/teach/courses/{id}")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let (course, materials) = editable(&ctx, actor, id).await?;
    if data.intent == "preview" {
        let notes = Notes {
            preview: true,
            ..Notes::default()
        };
        return editor(
            &ctx,
            &visitor,
            &data,
            Some((&course, &materials)),
            notes,
            &[],
        )
        .await;
    }
    let refused = match data.input() {
        Ok(input) => {
            match medicaledu_app::courses::update_course(&ctx, actor, &visitor.meta, id, input)
                .await
            {
                Ok(_) => {
                    return Ok(
                        Redirect::to(&format!("/teach/courses/{id}?saved=1")).into_response()
                    );
                }
                Err(UpdateCourseError::Invalid(invalid)) => field_errors(&invalid),
                Err(e) => return Err(page_error(e)),
            }
        }
        Err(errors) => errors,
    };
    let notes = Notes {
        problem: Some(visitor.tr.t("form-errors")),
        ..Notes::default()
    };
    Ok(unprocessable(
        editor(
            &ctx,
            &visitor,
            &data,
            Some((&course, &materials)),
            notes,
            &refused,
        )
        .await?,
    ))
}

/// The editor of a course as stored, with a refusal above the form.
async fn refused(
    ctx: &AppContext,
    visitor: &Visitor,
    actor: &Actor,
    id: Id,
    problem: String,
) -> Result<Response, PageError> {
    let (course, materials) = editable(ctx, actor, id).await?;
    let notes = Notes {
        problem: Some(problem),
        ..Notes::default()
    };
    let mut response = editor(
        ctx,
        visitor,
        &CourseForm::of(&course),
        Some((&course, &materials)),
        notes,
        &[],
    )
    .await?;
    *response.status_mut() = StatusCode::CONFLICT;
    Ok(response)
}

/// `POST /teach/courses/{id}/publish`: publishes, or says in words why not.
pub async fn publish(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match signed_in(&visitor, &format!("/teach/courses/{id}")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let key = match medicaledu_app::courses::publish_course(&ctx, actor, &visitor.meta, id).await {
        Ok(_) => {
            return Ok(Redirect::to(&format!("/teach/courses/{id}?published=1")).into_response());
        }
        Err(PublishCourseError::NoMaterials) => "teach-publish-no-materials",
        Err(PublishCourseError::AlreadyPublished) => "teach-publish-already",
        Err(PublishCourseError::StatusChanged) => "teach-changed-meanwhile",
        Err(e) => return Err(page_error(e)),
    };
    refused(&ctx, &visitor, actor, id, visitor.tr.t(key)).await
}

/// `POST /teach/courses/{id}/archive`.
pub async fn archive(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match signed_in(&visitor, &format!("/teach/courses/{id}")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let key = match medicaledu_app::courses::archive_course(&ctx, actor, &visitor.meta, id).await {
        Ok(_) => {
            return Ok(Redirect::to(&format!("/teach/courses/{id}?archived=1")).into_response());
        }
        Err(ArchiveCourseError::AlreadyArchived) => "teach-archive-already",
        Err(ArchiveCourseError::StatusChanged) => "teach-changed-meanwhile",
        Err(e) => return Err(page_error(e)),
    };
    refused(&ctx, &visitor, actor, id, visitor.tr.t(key)).await
}

/// What deleting a course or a material means, and the button that does it.
#[derive(Template)]
#[template(path = "teach_delete.html")]
pub(super) struct DeletePage {
    pub chrome: Chrome,
    pub heading: String,
    /// The course or material's own page, and its name.
    pub back_href: String,
    pub name: String,
    pub consequence: String,
    pub action: String,
    pub confirm: String,
}

/// `GET /teach/courses/{id}/delete`: what deleting means, before it happens.
pub async fn delete_page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match signed_in(&visitor, &format!("/teach/courses/{id}/delete")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let (course, _) = editable(&ctx, actor, id).await?;
    let tr = &visitor.tr;
    let page = DeletePage {
        chrome: Chrome::new(&ctx, &visitor, tr.t("teach-delete-title")).await?,
        heading: tr.t("teach-delete-title"),
        back_href: format!("/teach/courses/{}", course.id),
        consequence: tr.t_with(
            "teach-delete-consequence",
            &[("enrollments", Arg::Number(course.enrollment_count))],
        ),
        action: format!("/teach/courses/{}/delete", course.id),
        confirm: tr.t("teach-delete-confirm"),
        name: course.title,
    };
    Ok(respond(&ctx, &visitor, &page))
}

/// `POST /teach/courses/{id}/delete`: deletes, confirmed.
pub async fn delete(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match signed_in(&visitor, &format!("/teach/courses/{id}/delete")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    medicaledu_app::courses::delete_course(&ctx, actor, &visitor.meta, id)
        .await
        .map_err(page_error)?;
    Ok(Redirect::to("/teach?deleted=1").into_response())
}
