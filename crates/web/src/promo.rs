//! Promo codes as the instructor's and the administrators' pages show and
//! edit them: the form as typed (a percentage, or an amount in its currency;
//! times in the viewer's zone), a code as a row of the list with its
//! redemptions, and refusals in this page's words next to their fields. The
//! handlers are `teach::promo` and `admin::promo`; both call the use cases
//! of `medicaledu_app::promo`, which decide who may reach which course.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDateTime, TimeZone as _, Utc};
use medicaledu_app::promo::{self, PromoError, PromoInput};
use medicaledu_app::teaching::TaughtCourse;
use medicaledu_app::{Actor, AppContext, FieldError};
use medicaledu_domain::{Currency, DiscountType, Id, PromoScope, TimeZone, Timestamp};
use medicaledu_store::promo::ListedPromo;
use serde::Deserialize;

use crate::error::PageError;
use crate::fields::Field;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond};
use crate::teach::course::{Choice, Select};
use crate::teach::{field_errors, refuse};
use crate::view;
use crate::visitor::Visitor;

/// How a `datetime-local` input writes a local time.
const LOCAL_TIME: &str = "%Y-%m-%dT%H:%M";

/// The code form as typed. Both pages send every field, so an empty one
/// clears what it stands for (no limit, no start, no end).
#[derive(Debug, Default, Deserialize)]
pub struct PromoForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub description: String,
    /// `percent` or `fixed`.
    #[serde(default)]
    pub discount_type: String,
    /// A whole percentage, or an amount in major units of `currency`.
    #[serde(default)]
    pub value: String,
    /// Only read for a fixed amount.
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub max_redemptions: String,
    #[serde(default)]
    pub max_redemptions_per_user: String,
    /// `datetime-local`, in the viewer's zone.
    #[serde(default)]
    pub valid_from: String,
    #[serde(default)]
    pub valid_until: String,
    /// The instructor's pages: one of their courses by id, empty for all.
    #[serde(default)]
    pub course_id: String,
    /// The administrators' pages: a course by its slug, empty for any.
    #[serde(default)]
    pub course: String,
    /// The administrators' pages: an instructor by email, empty for any.
    #[serde(default)]
    pub instructor: String,
}

fn local(at: Option<Timestamp>, zone: &TimeZone) -> String {
    at.map(|at| {
        at.as_datetime()
            .with_timezone(&zone.tz())
            .format(LOCAL_TIME)
            .to_string()
    })
    .unwrap_or_default()
}

fn optional_count(n: Option<i64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

impl PromoForm {
    /// A new code: a percentage, for as long and as often as wanted.
    pub fn blank() -> Self {
        Self {
            discount_type: DiscountType::Percent.as_str().to_owned(),
            ..Self::default()
        }
    }

    /// A stored code as its form shows it.
    pub fn of(listed: &ListedPromo, zone: &TimeZone) -> Self {
        let row = &listed.promo;
        let value = match (row.discount_type, row.currency.as_deref()) {
            (DiscountType::Fixed, Some(code)) => Currency::parse(code)
                .map_or_else(|_| row.value.to_string(), |c| c.amount_text(row.value)),
            _ => row.value.to_string(),
        };
        Self {
            code: row.code.clone(),
            description: row.description.clone(),
            discount_type: row.discount_type.as_str().to_owned(),
            value,
            currency: row.currency.clone().unwrap_or_default(),
            max_redemptions: optional_count(row.max_redemptions),
            max_redemptions_per_user: optional_count(row.max_redemptions_per_user),
            valid_from: local(row.valid_from, zone),
            valid_until: local(row.valid_until, zone),
            course_id: row.course_id.map(|id| id.to_string()).unwrap_or_default(),
            course: listed.course_slug.clone().unwrap_or_default(),
            instructor: listed.instructor_email.clone().unwrap_or_default(),
        }
    }

    /// The use case's input with the course and instructor the page chose,
    /// or the fields this page refuses itself (an amount or a time that
    /// cannot be read).
    pub fn input(
        &self,
        zone: &TimeZone,
        course_id: Option<Option<Id>>,
        instructor_id: Option<Option<Id>>,
    ) -> Result<PromoInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let (value, currency) = match self.discount_type.parse::<DiscountType>() {
            Ok(DiscountType::Fixed) => self.amount(&mut errors),
            // A percentage has no currency, whatever the currency list shows.
            _ => (self.percent(&mut errors), Some(None)),
        };
        let max_redemptions = count("max_redemptions", &self.max_redemptions, &mut errors);
        let per_user = count(
            "max_redemptions_per_user",
            &self.max_redemptions_per_user,
            &mut errors,
        );
        let valid_from = instant("valid_from", &self.valid_from, zone, &mut errors);
        let valid_until = instant("valid_until", &self.valid_until, zone, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(PromoInput {
            code: Some(self.code.trim().to_owned()),
            description: Some(self.description.trim().to_owned()),
            discount_type: Some(self.discount_type.clone()),
            value,
            currency,
            min_order_minor: None,
            max_redemptions,
            max_redemptions_per_user: per_user,
            valid_from,
            valid_until,
            course_id,
            instructor_id,
            is_active: None,
        })
    }

    /// A whole percentage; a trailing `%` is allowed.
    fn percent(&self, errors: &mut Vec<FieldError>) -> Option<i64> {
        let text = self.value.trim().trim_end_matches('%').trim();
        if text.is_empty() {
            errors.push(refuse("value", "required", "must not be empty"));
            return None;
        }
        text.parse::<i64>()
            .map_err(|_| errors.push(refuse("value", "invalid", "must be a whole percentage")))
            .ok()
    }

    /// An amount in major units of the chosen currency, and that currency.
    fn amount(&self, errors: &mut Vec<FieldError>) -> (Option<i64>, Option<Option<String>>) {
        let code = self.currency.trim();
        if code.is_empty() {
            errors.push(refuse(
                "currency",
                "required",
                "a fixed amount needs its currency",
            ));
            return (None, None);
        }
        match Currency::parse(code) {
            Ok(currency) => match currency.parse_amount(&self.value) {
                Ok(minor) => (Some(minor), Some(Some(currency.as_str().to_owned()))),
                Err(issue) => {
                    errors.push(refuse("value", issue.code, &issue.message));
                    (None, None)
                }
            },
            Err(issue) => {
                errors.push(refuse("currency", issue.code, &issue.message));
                (None, None)
            }
        }
    }
}

/// A limit: empty for none, else a whole number.
fn count(field: &str, text: &str, errors: &mut Vec<FieldError>) -> Option<Option<i64>> {
    let text = text.trim();
    if text.is_empty() {
        return Some(None);
    }
    match text.parse::<i64>() {
        Ok(n) => Some(Some(n)),
        Err(_) => {
            errors.push(refuse(field, "not_whole", "must be a whole number"));
            None
        }
    }
}

/// A local time in `zone` as the RFC 3339 instant the use case takes; empty
/// for none.
fn instant(
    field: &str,
    text: &str,
    zone: &TimeZone,
    errors: &mut Vec<FieldError>,
) -> Option<Option<String>> {
    let text = text.trim();
    if text.is_empty() {
        return Some(None);
    }
    let Ok(local) = NaiveDateTime::parse_from_str(text, LOCAL_TIME) else {
        errors.push(refuse(field, "not_a_time", "must be a date and time"));
        return None;
    };
    match zone.tz().from_local_datetime(&local).earliest() {
        Some(at) => Some(Some(Timestamp::from(at.with_timezone(&Utc)).to_string())),
        None => {
            errors.push(refuse(
                field,
                "clock_gap",
                "this local time does not exist: the clocks skip it",
            ));
            None
        }
    }
}

/// The message for `field`'s first refusal: this page's own words for the
/// field and code when it has them (`promo-error-value-out_of_range`), then
/// the catalog's for the code, then the use case's.
pub fn error_of(field: &str, errors: &[FieldError], tr: &Tr) -> Option<String> {
    errors.iter().find(|e| e.field == field).map(|e| {
        tr.try_t(&format!("promo-error-{}-{}", e.field, e.code))
            .or_else(|| tr.try_t(&format!("promo-error-{}", e.code)))
            .or_else(|| tr.try_t(&format!("field-error-{}", e.code)))
            .unwrap_or_else(|| e.message.clone())
    })
}

/// What a refused save shows: its field errors, or none when the refusal
/// belongs to no field (the page says so above the form). Other failures
/// are error pages.
pub fn refusal(e: PromoError) -> Result<Vec<FieldError>, PageError> {
    match e {
        PromoError::Invalid(invalid) => Ok(field_errors(&invalid)),
        PromoError::CodeTaken => Ok(vec![refuse(
            "code",
            "taken",
            "another live code is spelled the same",
        )]),
        PromoError::Constraint => Ok(vec![refuse(
            "terms",
            "constraint",
            "these terms contradict the code's redemptions",
        )]),
        other => Err(PageError::from_failure(&other)),
    }
}

/// The form's fields with their values and errors. The course (and, for
/// administrators, the instructor) is added by the page, which knows how
/// its visitor chooses them.
pub struct PromoFormView {
    pub code: Field,
    pub description: Field,
    pub discount_type: Select,
    pub value: Field,
    pub currency: Select,
    pub max_redemptions: Field,
    pub max_redemptions_per_user: Field,
    pub valid_from: Field,
    pub valid_until: Field,
    /// The instructor's pages: a choice of their own courses.
    pub course_choice: Option<Select>,
    /// The administrators' pages: a course's slug and an instructor's email.
    pub course: Option<Field>,
    pub instructor: Option<Field>,
    /// Why the terms were refused as a whole, when no field is to blame.
    pub terms_error: Option<String>,
}

fn optional(mut field: Field) -> Field {
    field.required = false;
    field
}

impl PromoFormView {
    pub fn new(form: &PromoForm, visitor: &Visitor, errors: &[FieldError]) -> Self {
        let tr = &visitor.tr;
        let field = |name: &'static str, key: &str, kind: &'static str, value: &str| {
            let mut f = Field::new(name, tr.t(key), kind).value(value);
            f.error = error_of(name, errors, tr);
            f
        };
        let kind = form.discount_type.as_str();
        let chosen = form.currency.trim().to_ascii_uppercase();
        let mut currencies = vec![Choice {
            value: String::new(),
            label: tr.t("promo-currency-none"),
            selected: chosen.is_empty(),
        }];
        currencies.extend(Currency::payable().iter().map(|c| Choice {
            value: c.as_str().to_owned(),
            label: format!("{} – {}", c.as_str(), c.name()),
            selected: c.as_str() == chosen,
        }));
        let times_in = tr.t_with(
            "promo-times-in",
            &[("zone", Arg::Text(visitor.zone.to_string()))],
        );
        Self {
            code: field("code", "promo-code", "text", &form.code).hint(tr.t("promo-code-hint")),
            description: optional(field(
                "description",
                "promo-description",
                "text",
                &form.description,
            )),
            discount_type: Select {
                name: "discount_type",
                label: tr.t("promo-discount-type"),
                choices: [DiscountType::Percent, DiscountType::Fixed]
                    .iter()
                    .map(|t| Choice {
                        value: t.as_str().to_owned(),
                        label: tr.t(&format!("promo-type-{}", t.as_str())),
                        selected: kind == t.as_str(),
                    })
                    .collect(),
                error: error_of("discount_type", errors, tr),
            },
            value: field("value", "promo-value", "text", &form.value)
                .inputmode("decimal")
                .hint(tr.t("promo-value-hint")),
            currency: Select {
                name: "currency",
                label: tr.t("promo-currency"),
                choices: currencies,
                error: error_of("currency", errors, tr),
            },
            max_redemptions: optional(
                field(
                    "max_redemptions",
                    "promo-limit",
                    "number",
                    &form.max_redemptions,
                )
                .hint(tr.t("promo-limit-hint")),
            ),
            max_redemptions_per_user: optional(
                field(
                    "max_redemptions_per_user",
                    "promo-per-student",
                    "number",
                    &form.max_redemptions_per_user,
                )
                .hint(tr.t("promo-per-student-hint")),
            ),
            valid_from: optional(
                field(
                    "valid_from",
                    "promo-valid-from",
                    "datetime-local",
                    &form.valid_from,
                )
                .hint(times_in.clone()),
            ),
            valid_until: optional(
                field(
                    "valid_until",
                    "promo-valid-until",
                    "datetime-local",
                    &form.valid_until,
                )
                .hint(times_in),
            ),
            course_choice: None,
            course: None,
            instructor: None,
            terms_error: error_of("terms", errors, tr),
        }
    }
}

/// A code as a row of the list.
pub struct PromoLine {
    pub id: String,
    pub code: String,
    pub description: String,
    pub discount: String,
    pub reach: String,
    pub valid_from: String,
    pub valid_until: String,
    /// Redemptions held now, of the limit: `1 / 10`.
    pub used: String,
    pub state: String,
    pub active: bool,
    pub edit_label: String,
    pub toggle_label: String,
}

/// What a code gives, in words: `15%` or `EUR 10.00`.
fn discount(listed: &ListedPromo, tr: &Tr) -> String {
    let row = &listed.promo;
    match (row.discount_type, row.currency.as_deref()) {
        (DiscountType::Fixed, Some(currency)) => view::money(row.value, currency, tr),
        _ => tr.t_with("promo-percent", &[("value", Arg::Number(row.value))]),
    }
}

/// The row of `listed`. `own` lists the acting instructor's codes, where a
/// code for all their courses reads so.
pub fn line(listed: &ListedPromo, visitor: &Visitor, now: Timestamp, own: bool) -> PromoLine {
    let tr = &visitor.tr;
    let row = &listed.promo;
    let terms = promo::terms(row);
    let reach = match terms.scope() {
        PromoScope::Course => listed.course_title.clone().unwrap_or_default(),
        PromoScope::Instructor if own => tr.t("promo-reach-mine"),
        PromoScope::Instructor => tr.t_with(
            "promo-reach-instructor",
            &[(
                "name",
                Arg::Text(listed.instructor_name.clone().unwrap_or_default()),
            )],
        ),
        PromoScope::Platform => tr.t("promo-reach-platform"),
    };
    let when = |at: Option<Timestamp>| {
        at.map_or_else(
            || tr.t("promo-unset"),
            |at| view::when(at, &visitor.zone, tr),
        )
    };
    let used = match row.max_redemptions {
        Some(limit) => tr.t_with(
            "promo-used-of",
            &[
                ("used", Arg::Number(row.redemption_count)),
                ("limit", Arg::Number(limit)),
            ],
        ),
        None => tr.t_with(
            "promo-used-unlimited",
            &[("used", Arg::Number(row.redemption_count))],
        ),
    };
    let state = match terms.standing(*now.as_datetime()) {
        Ok(()) => tr.t("promo-state-active"),
        Err(refusal) => tr.t(&format!("promo-state-{}", refusal.code())),
    };
    let named = |key: &str| tr.t_with(key, &[("code", Arg::Text(row.code.clone()))]);
    PromoLine {
        id: row.id.to_string(),
        code: row.code.clone(),
        description: row.description.clone(),
        discount: discount(listed, tr),
        reach,
        valid_from: when(row.valid_from),
        valid_until: when(row.valid_until),
        used,
        state,
        active: row.is_active,
        edit_label: named("promo-edit-label"),
        toggle_label: named(if row.is_active {
            "promo-deactivate-label"
        } else {
            "promo-reactivate-label"
        }),
    }
}

/// The scope filter's words for each scope.
pub fn scope_label(tr: &Tr, scope: &str) -> String {
    tr.t(&format!("promo-scope-{scope}"))
}

/// How a page's visitor names what a code reaches.
#[derive(Clone, Copy)]
pub enum Reach<'a> {
    /// The instructor's pages: one of their own courses, or all of them.
    OwnCourses(&'a [TaughtCourse]),
    /// The administrators' pages: any course by its slug, any instructor by
    /// email, or neither for the whole platform.
    Typed,
}

impl Reach<'_> {
    /// Where the section's code pages live.
    pub fn base(self) -> &'static str {
        match self {
            Reach::OwnCourses(_) => "/teach/promo-codes",
            Reach::Typed => "/admin/promo-codes",
        }
    }
}

/// A code's editor: its form, its state, and the button that deactivates
/// or reactivates it, on either section's pages.
#[derive(Template)]
#[template(path = "promo_code.html")]
struct EditorPage {
    chrome: Chrome,
    heading: String,
    /// The instructor's navigation, else the administrators'.
    teach: bool,
    base: &'static str,
    action: String,
    problem: Option<String>,
    form: PromoFormView,
    /// Absent for a new code.
    code: Option<PromoLine>,
}

/// Draws a code's editor with `form` as typed and its refusals; `existing`
/// is the code being edited, `problem` what the page says above the form.
pub async fn editor(
    ctx: &AppContext,
    visitor: &Visitor,
    reach: Reach<'_>,
    form: &PromoForm,
    errors: &[FieldError],
    existing: Option<&ListedPromo>,
    problem: Option<String>,
) -> Result<Response, PageError> {
    let tr = &visitor.tr;
    let base = reach.base();
    let mut view = PromoFormView::new(form, visitor, errors);
    match reach {
        Reach::OwnCourses(courses) => {
            let mut choices = vec![Choice {
                value: String::new(),
                label: tr.t("promo-reach-mine"),
                selected: form.course_id.is_empty(),
            }];
            choices.extend(courses.iter().map(|c| Choice {
                value: c.course.id.to_string(),
                label: c.course.title.clone(),
                selected: form.course_id == c.course.id.to_string(),
            }));
            // A course deleted since stays the code's course until another is
            // chosen: the form must not widen the code by itself.
            if !choices.iter().any(|c| c.selected) {
                let title = existing
                    .filter(|l| {
                        l.promo.course_id.map(|id| id.to_string()) == Some(form.course_id.clone())
                    })
                    .and_then(|l| l.course_title.clone())
                    .unwrap_or_else(|| form.course_id.clone());
                choices.push(Choice {
                    value: form.course_id.clone(),
                    label: title,
                    selected: true,
                });
            }
            view.course_choice = Some(Select {
                name: "course_id",
                label: tr.t("promo-course"),
                choices,
                error: error_of("course_id", errors, tr),
            });
        }
        Reach::Typed => {
            let mut course = optional(
                Field::new("course", tr.t("promo-course-slug"), "text")
                    .value(&form.course)
                    .hint(tr.t("promo-course-slug-hint")),
            );
            course.error = error_of("course_id", errors, tr);
            let mut instructor = optional(
                Field::new("instructor", tr.t("promo-instructor-email"), "email")
                    .value(&form.instructor)
                    .hint(tr.t("promo-instructor-email-hint")),
            );
            instructor.error = error_of("instructor_id", errors, tr);
            view.course = Some(course);
            view.instructor = Some(instructor);
        }
    }
    let (heading, action) = match existing {
        Some(listed) => (
            tr.t_with(
                "promo-edit-heading",
                &[("code", Arg::Text(listed.promo.code.clone()))],
            ),
            format!("{base}/{}", listed.promo.id),
        ),
        None => (tr.t("promo-new"), format!("{base}/new")),
    };
    let teach = matches!(reach, Reach::OwnCourses(_));
    let page = EditorPage {
        chrome: Chrome::new(ctx, visitor, heading.clone()).await?,
        heading,
        teach,
        base,
        action,
        problem,
        form: view,
        code: existing.map(|listed| line(listed, visitor, ctx.now(), teach)),
    };
    let mut response = respond(ctx, visitor, &page);
    if !errors.is_empty() || page.problem.is_some() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// What a save or state change did, named in the list's notice.
pub const DONE: [&str; 4] = ["created", "saved", "deactivated", "activated"];

/// The list at `base`, naming what was done.
fn done(base: &str, what: &str) -> Response {
    Redirect::to(&format!("{base}?done={what}")).into_response()
}

/// Creates a code from `form` (read into `input` by the page): the list
/// with a notice, or the form again with its refusals, nothing created.
pub async fn create(
    ctx: &AppContext,
    visitor: &Visitor,
    actor: &Actor,
    reach: Reach<'_>,
    form: &PromoForm,
    input: Result<PromoInput, Vec<FieldError>>,
) -> Result<Response, PageError> {
    let errors = match input {
        Ok(input) => match promo::create(ctx, actor, &visitor.meta, input).await {
            Ok(_) => return Ok(done(reach.base(), "created")),
            Err(e) => refusal(e)?,
        },
        Err(errors) => errors,
    };
    let problem = Some(visitor.tr.t("form-errors"));
    editor(ctx, visitor, reach, form, &errors, None, problem).await
}

/// Saves `form` (read into `input` by the page) over the code `existing`:
/// the list with a notice, or the form again with its refusals, nothing
/// changed.
pub async fn save(
    ctx: &AppContext,
    visitor: &Visitor,
    actor: &Actor,
    reach: Reach<'_>,
    existing: &ListedPromo,
    form: &PromoForm,
    input: Result<PromoInput, Vec<FieldError>>,
) -> Result<Response, PageError> {
    let errors = match input {
        Ok(input) => {
            match promo::update(ctx, actor, &visitor.meta, existing.promo.id, input).await {
                Ok(_) => return Ok(done(reach.base(), "saved")),
                Err(e) => refusal(e)?,
            }
        }
        Err(errors) => errors,
    };
    let problem = Some(visitor.tr.t("form-errors"));
    editor(ctx, visitor, reach, form, &errors, Some(existing), problem).await
}

/// Deactivates the code `id`, or makes it active again: the list with a
/// notice, or the refusals when its terms no longer hold (its course has
/// gone), for `refused_activation`.
pub async fn set_active(
    ctx: &AppContext,
    visitor: &Visitor,
    actor: &Actor,
    base: &str,
    id: Id,
    active: bool,
) -> Result<Result<Response, Vec<FieldError>>, PageError> {
    match promo::set_active(ctx, actor, &visitor.meta, id, active).await {
        Ok(_) => {
            let what = if active { "activated" } else { "deactivated" };
            Ok(Ok(done(base, what)))
        }
        Err(e) => refusal(e).map(Err),
    }
}

/// The editor of the code `id` as stored, saying why it cannot be made
/// active again.
pub async fn refused_activation(
    ctx: &AppContext,
    visitor: &Visitor,
    actor: &Actor,
    reach: Reach<'_>,
    id: Id,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let existing = promo::listed(ctx, actor, id)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let form = PromoForm::of(&existing, &visitor.zone);
    let problem = Some(visitor.tr.t("promo-reactivate-refused"));
    editor(ctx, visitor, reach, &form, errors, Some(&existing), problem).await
}
