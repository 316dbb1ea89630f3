//! `/teach/promo-codes`: the instructor's promo codes — discount, course,
//! validity, redemptions used of the limit, active or not — with "New promo
//! code", editing, "Deactivate" and "Reactivate". A code reaches one of the
//! instructor's own courses or all of them; another instructor's code is
//! "not found" (the use cases decide both).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use medicaledu_app::promo::PromoListInput;
use medicaledu_app::teaching::{self, TaughtCourse};
use medicaledu_app::{Actor, AppContext, FieldError, PageRequest};
use medicaledu_domain::Id;
use serde::Deserialize;

use super::{instructor, page_error, refuse};
use crate::auth::Empty;
use crate::error::{PageError, parse_id};
use crate::form::Form;
use crate::page::{Chrome, respond};
use crate::promo::{self as pages, DONE, PromoForm, PromoLine, Reach};
use crate::visitor::Visitor;

const BASE: &str = "/teach/promo-codes";

/// Codes on one page of the list.
const PER_PAGE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    done: Option<String>,
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "teach_promo_codes.html")]
struct ListPage {
    chrome: Chrome,
    base: &'static str,
    codes: Vec<PromoLine>,
    next_page: Option<String>,
}

/// `GET /teach/promo-codes`.
pub async fn list(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let actor = match instructor(&visitor, BASE) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let paging = PageRequest::parse(query.cursor.as_deref(), Some(PER_PAGE))
        .map_err(|_| PageError::BadRequest)?;
    let listed = medicaledu_app::promo::overview(&ctx, actor, PromoListInput::default(), paging)
        .await
        .map_err(page_error)?;
    let tr = &visitor.tr;
    let mut chrome = Chrome::new(&ctx, &visitor, tr.t("promo-title")).await?;
    if let Some(done) = query.done.as_deref()
        && DONE.contains(&done)
    {
        chrome.flash.push(tr.t(&format!("promo-done-{done}")));
    }
    let now = ctx.now();
    let page = ListPage {
        chrome,
        base: BASE,
        codes: listed
            .items
            .iter()
            .map(|l| pages::line(l, &visitor, now, true))
            .collect(),
        next_page: listed.next_cursor.map(|cursor| {
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("cursor", &cursor)
                .finish();
            format!("{BASE}?{query}")
        }),
    };
    Ok(respond(&ctx, &visitor, &page))
}

async fn my_courses(
    ctx: &AppContext,
    visitor: &Visitor,
    actor: &Actor,
) -> Result<Vec<TaughtCourse>, PageError> {
    let (from, to) = teaching::month_of(ctx.now(), &visitor.zone);
    teaching::my_courses(ctx, actor, from, to)
        .await
        .map_err(page_error)
}

/// The form as the use case's input: the course chosen by id (empty for
/// all the instructor's courses), whose ownership the use case checks.
fn read(
    form: &PromoForm,
    visitor: &Visitor,
) -> Result<medicaledu_app::promo::PromoInput, Vec<FieldError>> {
    let course = match form.course_id.trim() {
        "" => Ok(None),
        id => id
            .parse::<Id>()
            .map(Some)
            .map_err(|_| refuse("course_id", "invalid", "choose one of your courses")),
    };
    match (course, form.input(&visitor.zone, None, None)) {
        (Ok(course), Ok(mut input)) => {
            input.course_id = Some(course);
            Ok(input)
        }
        (Ok(_), Err(errors)) => Err(errors),
        (Err(error), Ok(_)) => Err(vec![error]),
        (Err(error), Err(mut errors)) => {
            errors.push(error);
            Err(errors)
        }
    }
}

/// `GET /teach/promo-codes/new`.
pub async fn new_page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let actor = match instructor(&visitor, &format!("{BASE}/new")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let courses = my_courses(&ctx, &visitor, actor).await?;
    let form = PromoForm::blank();
    pages::editor(
        &ctx,
        &visitor,
        Reach::OwnCourses(&courses),
        &form,
        &[],
        None,
        None,
    )
    .await
}

/// `POST /teach/promo-codes/new`.
pub async fn create(
    State(ctx): State<AppContext>,
    Form { visitor, data }: Form<PromoForm>,
) -> Result<Response, PageError> {
    let actor = match instructor(&visitor, &format!("{BASE}/new")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let courses = my_courses(&ctx, &visitor, actor).await?;
    let input = read(&data, &visitor);
    pages::create(
        &ctx,
        &visitor,
        actor,
        Reach::OwnCourses(&courses),
        &data,
        input,
    )
    .await
}

/// `GET /teach/promo-codes/{id}`.
pub async fn edit_page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match instructor(&visitor, &format!("{BASE}/{id}")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let existing = medicaledu_app::promo::listed(&ctx, actor, id)
        .await
        .map_err(page_error)?;
    let courses = my_courses(&ctx, &visitor, actor).await?;
    let form = PromoForm::of(&existing, &visitor.zone);
    pages::editor(
        &ctx,
        &visitor,
        Reach::OwnCourses(&courses),
        &form,
        &[],
        Some(&existing),
        None,
    )
    .await
}

/// `POST /teach/promo-codes/{id}`.
pub async fn save(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, data }: Form<PromoForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match instructor(&visitor, &format!("{BASE}/{id}")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let existing = medicaledu_app::promo::listed(&ctx, actor, id)
        .await
        .map_err(page_error)?;
    let courses = my_courses(&ctx, &visitor, actor).await?;
    let input = read(&data, &visitor);
    pages::save(
        &ctx,
        &visitor,
        actor,
        Reach::OwnCourses(&courses),
        &existing,
        &data,
        input,
    )
    .await
}

async fn set_active(
    ctx: AppContext,
    id: String,
    visitor: Visitor,
    active: bool,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match instructor(&visitor, &format!("{BASE}/{id}")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    match pages::set_active(&ctx, &visitor, actor, BASE, id, active).await? {
        Ok(done) => Ok(done),
        Err(errors) => {
            let courses = my_courses(&ctx, &visitor, actor).await?;
            let reach = Reach::OwnCourses(&courses);
            pages::refused_activation(&ctx, &visitor, actor, reach, id, &errors).await
        }
    }
}

/// `POST /teach/promo-codes/{id}/deactivate`: no new booking can use it.
pub async fn deactivate(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    set_active(ctx, id, visitor, false).await
}

/// `POST /teach/promo-codes/{id}/activate`.
pub async fn activate(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    set_active(ctx, id, visitor, true).await
}
