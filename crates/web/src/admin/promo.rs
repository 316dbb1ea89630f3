//! `/admin/promo-codes`: promo codes of every scope — the whole platform,
//! one instructor's courses, one course — filtered by scope, state and part
//! of the code; a new code, editing one, "Deactivate" and "Reactivate".
//! Neither moves money nor locks anyone out, so none asks for confirmation;
//! the list says what was done.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use medicaledu_app::promo::{PromoInput, PromoListInput};
use medicaledu_app::{Actor, AppContext, FieldError, PageRequest, ReadError};
use medicaledu_domain::PromoScope;
use serde::Deserialize;

use super::{Choice, admin, choices, next_page, some};
use crate::auth::Empty;
use crate::error::{PageError, parse_id};
use crate::form::Form;
use crate::page::{Chrome, respond};
use crate::promo::{self as pages, DONE, PromoForm, PromoLine, Reach, scope_label};
use crate::visitor::Visitor;

const BASE: &str = "/admin/promo-codes";

/// Codes on one page of the list.
const PER_PAGE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    scope: Option<String>,
    /// `true` or `false`.
    active: Option<String>,
    q: Option<String>,
    cursor: Option<String>,
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_promo_codes.html")]
struct ListPage {
    chrome: Chrome,
    base: &'static str,
    q: String,
    scopes: Vec<Choice>,
    states: Vec<Choice>,
    codes: Vec<PromoLine>,
    problem: Option<String>,
    next_page: Option<String>,
}

/// `GET /admin/promo-codes`.
pub async fn list(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let actor = match admin(&visitor, BASE) {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let tr = &visitor.tr;
    let mut problem = None;
    let active = match some(&query.active).map(|a| a.parse::<bool>()) {
        None => None,
        Some(Ok(active)) => Some(active),
        Some(Err(_)) => {
            problem = Some(tr.t("promo-bad-state"));
            None
        }
    };
    let (rows, next) = match PageRequest::parse(some(&query.cursor).as_deref(), Some(PER_PAGE)) {
        Err(invalid) => {
            problem = Some(invalid.to_string());
            (Vec::new(), None)
        }
        Ok(_) if problem.is_some() => (Vec::new(), None),
        Ok(paging) => {
            let input = PromoListInput {
                scope: some(&query.scope),
                active,
                code: some(&query.q),
            };
            match medicaledu_app::promo::overview(&ctx, actor, input, paging).await {
                Ok(page) => (page.items, page.next_cursor),
                Err(ReadError::Invalid(invalid)) => {
                    problem = Some(invalid.to_string());
                    (Vec::new(), None)
                }
                Err(e) => return Err(PageError::from_failure(&e)),
            }
        }
    };
    let mut chrome = Chrome::new(&ctx, &visitor, tr.t("promo-title")).await?;
    if let Some(done) = query.done.as_deref()
        && DONE.contains(&done)
    {
        chrome.flash.push(tr.t(&format!("promo-done-{done}")));
    }
    let now = ctx.now();
    let scopes: Vec<&str> = PromoScope::ALL.iter().map(PromoScope::as_str).collect();
    let states = [true.to_string(), false.to_string()];
    let states: Vec<&str> = states.iter().map(String::as_str).collect();
    let page = ListPage {
        chrome,
        base: BASE,
        q: query.q.clone().unwrap_or_default(),
        scopes: choices(&scopes, &query.scope, |s| scope_label(tr, s)),
        states: choices(&states, &query.active, |s| {
            tr.t(&format!("promo-active-{s}"))
        }),
        codes: rows
            .iter()
            .map(|l| pages::line(l, &visitor, now, false))
            .collect(),
        problem,
        next_page: next_page(
            BASE,
            &[
                ("scope", &query.scope),
                ("active", &query.active),
                ("q", &query.q),
            ],
            next,
        ),
    };
    Ok(respond(&ctx, &visitor, &page))
}

/// The form as the use case's input: the course found by its slug and the
/// instructor by email (each empty for any), which the use case then
/// checks as it saves.
async fn read(
    ctx: &AppContext,
    actor: &Actor,
    form: &PromoForm,
    visitor: &Visitor,
) -> Result<Result<PromoInput, Vec<FieldError>>, PageError> {
    let targets =
        medicaledu_app::promo::targets(ctx, actor, Some(&form.course), Some(&form.instructor))
            .await;
    let mut errors = match &targets {
        Ok(_) => Vec::new(),
        Err(ReadError::Invalid(invalid)) => invalid.0.clone(),
        Err(e) => return Err(PageError::from_failure(e)),
    };
    let targets = targets.unwrap_or_default();
    match form.input(
        &visitor.zone,
        Some(targets.course_id),
        Some(targets.instructor_id),
    ) {
        Ok(input) if errors.is_empty() => Ok(Ok(input)),
        Ok(_) => Ok(Err(errors)),
        Err(more) => {
            errors.extend(more);
            Ok(Err(errors))
        }
    }
}

/// `GET /admin/promo-codes/new`.
pub async fn new_page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    if let Err(answer) = admin(&visitor, &format!("{BASE}/new")) {
        return Ok(answer.into_response());
    }
    let form = PromoForm::blank();
    pages::editor(&ctx, &visitor, Reach::Typed, &form, &[], None, None).await
}

/// `POST /admin/promo-codes/new`.
pub async fn create(
    State(ctx): State<AppContext>,
    Form { visitor, data }: Form<PromoForm>,
) -> Result<Response, PageError> {
    let actor = match admin(&visitor, &format!("{BASE}/new")) {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let input = read(&ctx, actor, &data, &visitor).await?;
    pages::create(&ctx, &visitor, actor, Reach::Typed, &data, input).await
}

/// `GET /admin/promo-codes/{id}`.
pub async fn edit_page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = match admin(&visitor, &format!("{BASE}/{id}")) {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let id = parse_id(&id)?;
    let existing = medicaledu_app::promo::listed(&ctx, actor, id)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let form = PromoForm::of(&existing, &visitor.zone);
    pages::editor(
        &ctx,
        &visitor,
        Reach::Typed,
        &form,
        &[],
        Some(&existing),
        None,
    )
    .await
}

/// `POST /admin/promo-codes/{id}`.
pub async fn save(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, data }: Form<PromoForm>,
) -> Result<Response, PageError> {
    let actor = match admin(&visitor, &format!("{BASE}/{id}")) {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let id = parse_id(&id)?;
    let existing = medicaledu_app::promo::listed(&ctx, actor, id)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let input = read(&ctx, actor, &data, &visitor).await?;
    pages::save(&ctx, &visitor, actor, Reach::Typed, &existing, &data, input).await
}

async fn set_active(
    ctx: AppContext,
    id: String,
    visitor: Visitor,
    active: bool,
) -> Result<Response, PageError> {
    let actor = match admin(&visitor, &format!("{BASE}/{id}")) {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let id = parse_id(&id)?;
    match pages::set_active(&ctx, &visitor, actor, BASE, id, active).await? {
        Ok(done) => Ok(done),
        Err(errors) => {
            pages::refused_activation(&ctx, &visitor, actor, Reach::Typed, id, &errors).await
        }
    }
}

/// `POST /admin/promo-codes/{id}/deactivate`: no new booking can use it.
pub async fn deactivate(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    set_active(ctx, id, visitor, false).await
}

/// `POST /admin/promo-codes/{id}/activate`.
pub async fn activate(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    set_active(ctx, id, visitor, true).await
}
