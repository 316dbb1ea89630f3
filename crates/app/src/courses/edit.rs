//! Writing a course: create, change, delete.

use medicaledu_domain::{
    Category, CmeHours, CourseLevel, CourseTitle, Currency, Description, FieldIssue, Id, Locale,
    PriceMinor, Role, Slug, Specialty, Summary, Tags,
};
use medicaledu_store::Tx;
use medicaledu_store::courses::{self, CourseFields, CourseRow, SlugTaken};
use medicaledu_store::users;
use serde_json::{Map, Value, json};

use crate::audit::{self, Change};
use crate::{Actor, AppContext, Fields, Internal, Invalid, RequestMeta};

/// A course's fields as the caller sends them. For a change, absent fields
/// (`None`) stay as they are; `specialty: Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct CourseInput {
    pub title: Option<String>,
    pub slug: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub category: Option<String>,
    pub specialty: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub level: Option<String>,
    pub language: Option<String>,
    pub price_minor: Option<i64>,
    pub currency: Option<String>,
    pub cme_credit_hours: Option<serde_json::Number>,
}

/// A new course; `instructor_id` lets an administrator create it for an
/// instructor.
#[derive(Clone, Debug, Default)]
pub struct CreateCourse {
    pub fields: CourseInput,
    pub instructor_id: Option<Id>,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateCourseError {
    #[error("Only instructors create courses.")]
    Forbidden,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(CreateCourseError);

crate::failure!(CreateCourseError {
    Forbidden => Forbidden,
} wraps {
    Invalid(Invalid),
    Internal(Internal),
});

#[derive(Debug, thiserror::Error)]
pub enum UpdateCourseError {
    #[error("Course not found.")]
    NotFound,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(UpdateCourseError);

crate::failure!(UpdateCourseError {
    NotFound => NotFound,
} wraps {
    Invalid(Invalid),
    Internal(Internal),
});

#[derive(Debug, thiserror::Error)]
pub enum DeleteCourseError {
    #[error("Course not found.")]
    NotFound,
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(DeleteCourseError);

crate::failure!(DeleteCourseError {
    NotFound => NotFound,
} wraps {
    Internal(Internal),
});

fn slug_taken() -> Invalid {
    Invalid::one("slug", "taken", "another course already uses this slug")
}

/// Create a draft course, owned by the acting instructor (or, for an
/// administrator, by the instructor named).
pub async fn create_course(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    input: CreateCourse,
) -> Result<CourseRow, CreateCourseError> {
    let mut tx = ctx.db.begin_write().await?;
    let instructor_id = match (actor.is_admin(), input.instructor_id) {
        (true, Some(id)) => {
            let owner = users::find_live_by_id_tx(&mut tx, id).await?;
            if owner.is_none_or(|u| u.role != Role::Instructor) {
                return Err(Invalid::one(
                    "instructor_id",
                    "invalid",
                    "must be a live instructor account",
                )
                .into());
            }
            id
        }
        (false, None) if actor.is(Role::Instructor) => actor.id(),
        (false, Some(_)) => {
            return Err(Invalid::one(
                "instructor_id",
                "not_allowed",
                "only administrators create courses for someone else",
            )
            .into());
        }
        _ => return Err(CreateCourseError::Forbidden),
    };
    let mut fields = Fields::default();
    let empty = CourseFields {
        title: String::new(),
        summary: String::new(),
        description: String::new(),
        category: String::new(),
        specialty: None,
        tags: Vec::new(),
        // Never kept: creation always checks the input's level, so a missing
        // one is refused rather than defaulted.
        level: CourseLevel::Beginner,
        language: "en".into(),
        price_minor: 0,
        currency: String::new(),
        cme_credit_hundredths: 0,
    };
    // Required fields are checked like changes to an empty course, so an
    // absent one is refused with the same message as an empty one.
    let input = CourseInput {
        title: Some(input.fields.title.unwrap_or_default()),
        category: Some(input.fields.category.unwrap_or_default()),
        level: Some(input.fields.level.unwrap_or_default()),
        currency: Some(input.fields.currency.unwrap_or_default()),
        ..input.fields
    };
    let values = course_fields(&mut fields, &input, &empty);
    let chosen_slug = input
        .slug
        .as_deref()
        .and_then(|s| fields.check("slug", Slug::parse(s)));
    fields.finish()?;

    let now = ctx.now();
    let id = Id::generate();
    let slug = match chosen_slug {
        Some(slug) => slug,
        None => free_slug(&mut tx, Slug::from_title(&values.title)).await?,
    };
    let course = courses::insert(&mut tx, id, instructor_id, slug.as_str(), &values, now)
        .await
        .map_err(|e| match e {
            SlugTaken::Taken => CreateCourseError::Invalid(slug_taken()),
            SlugTaken::Database(e) => e.into(),
        })?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "course.created",
            entity_type: "course",
            entity_id: id,
            changes: json!({ "title": course.title, "slug": course.slug, "instructor_id": instructor_id }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(course)
}

/// The first of `base`, `base-2`, `base-3`, … that no live course uses.
async fn free_slug(tx: &mut Tx, base: Slug) -> Result<Slug, sqlx::Error> {
    let taken = courses::slugs_like(tx, base.as_str()).await?;
    let mut candidate = base.clone();
    let mut n = 1;
    while taken.iter().any(|t| t == candidate.as_str()) {
        n += 1;
        candidate = base.with_suffix(n);
    }
    Ok(candidate)
}

/// Change a course the actor may edit. Absent fields stay as they are.
pub async fn update_course(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    id: Id,
    input: CourseInput,
) -> Result<CourseRow, UpdateCourseError> {
    let mut tx = ctx.db.begin_write().await?;
    let before = super::editable(&mut tx, actor, id)
        .await?
        .ok_or(UpdateCourseError::NotFound)?;
    let mut fields = Fields::default();
    let values = course_fields(&mut fields, &input, &fields_of(&before));
    let slug = match &input.slug {
        Some(s) => fields
            .check("slug", Slug::parse(s))
            .map(|s| s.as_str().to_owned()),
        None => Some(before.slug.clone()),
    };
    fields.finish()?;
    let slug = slug.unwrap_or_else(|| before.slug.clone());
    let now = ctx.now();
    let after = courses::update(&mut tx, before.id, &slug, &values, now)
        .await
        .map_err(|e| match e {
            SlugTaken::Taken => UpdateCourseError::Invalid(slug_taken()),
            SlugTaken::Database(e) => e.into(),
        })?
        .ok_or(UpdateCourseError::NotFound)?;
    let changes = diff(&before, &after);
    if !changes.is_empty() {
        audit::record(
            &mut tx,
            meta,
            now,
            Change {
                actor: Some(actor.id()),
                action: "course.updated",
                entity_type: "course",
                entity_id: after.id,
                changes: Value::Object(changes),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// Delete a course (soft: kept for the history that refers to it).
pub async fn delete_course(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    id: Id,
) -> Result<(), DeleteCourseError> {
    let mut tx = ctx.db.begin_write().await?;
    let course = super::editable(&mut tx, actor, id)
        .await?
        .ok_or(DeleteCourseError::NotFound)?;
    let now = ctx.now();
    if !courses::soft_delete(&mut tx, course.id, now).await? {
        return Err(DeleteCourseError::NotFound);
    }
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "course.deleted",
            entity_type: "course",
            entity_id: course.id,
            changes: json!({ "deleted_at": now }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Checks every field of a course as it will be stored: the current values
/// with the input's changes applied.
fn course_fields(fields: &mut Fields, input: &CourseInput, current: &CourseFields) -> CourseFields {
    fn text<T>(
        fields: &mut Fields,
        name: &str,
        new: &Option<String>,
        current: &str,
        parse: fn(&str) -> Result<T, FieldIssue>,
        show: fn(T) -> String,
    ) -> String {
        match new {
            Some(v) => fields.check(name, parse(v)).map(show).unwrap_or_default(),
            None => current.to_owned(),
        }
    }
    let specialty = match &input.specialty {
        Some(Some(v)) => fields
            .check("specialty", Specialty::parse(v))
            .flatten()
            .map(|s| s.as_str().to_owned()),
        Some(None) => None,
        None => current.specialty.clone(),
    };
    let tags = match &input.tags {
        Some(v) => fields
            .check("tags", Tags::parse(v.clone()))
            .map(|t| t.as_slice().to_vec())
            .unwrap_or_default(),
        None => current.tags.clone(),
    };
    // A refused level keeps the current one; the refusal fails the whole input.
    let level = match &input.level {
        Some(v) => fields
            .check("level", v.parse::<CourseLevel>())
            .unwrap_or(current.level),
        None => current.level,
    };
    let price_minor = match input.price_minor {
        Some(v) => fields
            .check("price_minor", PriceMinor::parse(v))
            .map_or(0, |p| p.get()),
        None => current.price_minor,
    };
    let cme = match &input.cme_credit_hours {
        Some(v) => fields
            .check("cme_credit_hours", CmeHours::parse_json(v))
            .map_or(0, |c| c.hundredths()),
        None => current.cme_credit_hundredths,
    };
    CourseFields {
        title: text(
            fields,
            "title",
            &input.title,
            &current.title,
            CourseTitle::parse,
            |v| v.as_str().to_owned(),
        ),
        summary: text(
            fields,
            "summary",
            &input.summary,
            &current.summary,
            Summary::parse,
            |v| v.as_str().to_owned(),
        ),
        description: text(
            fields,
            "description",
            &input.description,
            &current.description,
            Description::parse,
            |v| v.as_str().to_owned(),
        ),
        category: text(
            fields,
            "category",
            &input.category,
            &current.category,
            Category::parse,
            |v| v.as_str().to_owned(),
        ),
        specialty,
        tags,
        level,
        language: text(
            fields,
            "language",
            &input.language,
            &current.language,
            Locale::parse,
            |v| v.as_str().to_owned(),
        ),
        price_minor,
        currency: text(
            fields,
            "currency",
            &input.currency,
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
        level: row.level,
        language: row.language.clone(),
        price_minor: row.price_minor,
        currency: row.currency.clone(),
        cme_credit_hundredths: row.cme_credit_hundredths,
    }
}

/// The audit's `{field: {before, after}}` for each field that changed.
fn diff(before: &CourseRow, after: &CourseRow) -> Map<String, Value> {
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
