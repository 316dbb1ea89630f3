//! Learning a course: one material at a time in course order, with
//! "Previous" and "Next", "Mark as complete", and the course's progress.
//! For enrolled students; anyone else is sent to the course's outline.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::dashboard::Learning;
use medicaledu_app::enrollments::RecordProgress;
use medicaledu_app::{Actor, AppContext};
use medicaledu_domain::{HttpsUrl, Id, MaterialKind, ProgressUpdate};
use serde::Deserialize;

use crate::error::{PageError, parse_id};
use crate::form::Form;
use crate::i18n::Arg;
use crate::markdown;
use crate::page::{Chrome, respond};
use crate::view;
use crate::visitor::Visitor;

/// Longest idempotency key a form may carry (the API's limit too).
const MAX_KEY_CHARS: usize = 200;

/// How a material's content is shown.
pub enum Content {
    /// An article, rendered from Markdown and sanitised.
    Html(String),
    /// A video the browser plays itself.
    Video(String),
    /// A document or link opened at its address.
    Link(String),
    /// Nothing this page can show (a quiz, or a material without content).
    Nothing,
}

pub struct Neighbour {
    pub href: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "learn.html")]
struct LearnPage {
    chrome: Chrome,
    course_title: String,
    course_slug: String,
    title: String,
    kind: String,
    position: String,
    content: Content,
    previous: Option<Neighbour>,
    next: Option<Neighbour>,
    action: String,
    done: bool,
    course_complete: bool,
    percent: i64,
    progress_label: String,
    /// A fresh idempotency key per rendering: a double submit counts once.
    key: String,
    /// Where the page's script reports time spent reading.
    time_url: String,
    learn_js: String,
}

pub fn learn_href(slug: &str, material: Id) -> String {
    format!("/learn/{slug}/{material}")
}

/// The signed-in visitor's learning in `slug`, or where they go instead:
/// sign in first, or to the course's outline when not enrolled.
async fn learning_of<'a>(
    ctx: &AppContext,
    visitor: &'a Visitor,
    slug: &str,
    back: &str,
) -> Result<Result<(&'a Actor, Learning), Response>, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(Err(
            Redirect::to(&format!("/signin?next={back}")).into_response()
        ));
    };
    match medicaledu_app::dashboard::learning(ctx, actor, slug).await {
        Ok(Some(learning)) => Ok(Ok((actor, learning))),
        Ok(None) => Ok(Err(
            Redirect::to(&format!("/courses/{slug}#materials")).into_response()
        )),
        Err(e) => Err(PageError::from_failure(&e)),
    }
}

/// `GET /learn/{slug}/{material_id}`.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path((slug, material_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let id = parse_id(&material_id)?;
    let learning = match learning_of(&ctx, &visitor, &slug, &learn_href(&slug, id)).await? {
        Ok((_, learning)) => learning,
        Err(detour) => return Ok(detour),
    };
    let index = learning
        .materials
        .iter()
        .position(|m| m.id == id)
        .ok_or(PageError::NotFound)?;
    let material = &learning.materials[index];
    let tr = &visitor.tr;
    let slug = &learning.course.slug;
    let neighbour = |at: Option<usize>, key: &str| {
        at.and_then(|i| learning.materials.get(i))
            .map(|m| Neighbour {
                href: learn_href(slug, m.id),
                label: tr.t_with(key, &[("title", Arg::Text(m.title.clone()))]),
            })
    };
    // Only an https address is played or linked: a stored address that is
    // not one is not offered to the browser at all.
    let url = material
        .content_url
        .as_deref()
        .filter(|u| HttpsUrl::parse(u).is_ok())
        .map(str::to_owned);
    let content = match (material.kind, url) {
        (MaterialKind::Article, _) => material.body.as_deref().map_or(Content::Nothing, |body| {
            Content::Html(markdown::to_safe_html(body))
        }),
        (MaterialKind::Video, Some(url)) => Content::Video(url),
        (MaterialKind::Document | MaterialKind::Link, Some(url)) => Content::Link(url),
        _ => Content::Nothing,
    };
    let (percent, progress_label) = view::progress(learning.enrollment.progress_percent, tr);
    let page = LearnPage {
        chrome: Chrome::new(&ctx, &visitor, material.title.clone()).await?,
        course_title: learning.course.title.clone(),
        course_slug: slug.clone(),
        title: material.title.clone(),
        kind: tr.t(&format!("learn-kind-{}", material.kind)),
        position: tr.t_with(
            "learn-position",
            &[
                ("number", Arg::Number(index as i64 + 1)),
                ("total", Arg::Number(learning.materials.len() as i64)),
            ],
        ),
        content,
        previous: neighbour(index.checked_sub(1), "learn-previous-label"),
        next: neighbour(Some(index + 1), "learn-next-label"),
        action: format!("{}/complete", learn_href(slug, material.id)),
        done: learning.completed.contains(&material.id),
        course_complete: learning.enrollment.completed_at.is_some(),
        percent,
        progress_label,
        key: Id::generate().to_string(),
        time_url: format!("{}/time", learn_href(slug, material.id)),
        learn_js: crate::assets::url("learn.js"),
    };
    Ok(respond(&ctx, &visitor, &page))
}

#[derive(Debug, Default, Deserialize)]
pub struct CompleteForm {
    #[serde(default)]
    key: String,
}

/// `POST /learn/{slug}/{material_id}/complete`: records the material as
/// complete and shows it again, with the course's progress.
pub async fn complete(
    State(ctx): State<AppContext>,
    Path((slug, material_id)): Path<(String, String)>,
    Form { visitor, data }: Form<CompleteForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&material_id)?;
    let back = learn_href(&slug, id);
    let (actor, learning) = match learning_of(&ctx, &visitor, &slug, &back).await? {
        Ok(found) => found,
        Err(detour) => return Ok(detour),
    };
    let input = RecordProgress {
        enrollment_id: learning.enrollment.id,
        material_id: id,
        update: ProgressUpdate {
            percent: Some(100),
            position_seconds: None,
            time_spent_delta_seconds: None,
            completed: Some(true),
        },
        request_key: Some(data.key).filter(|k| !k.is_empty() && k.chars().count() <= MAX_KEY_CHARS),
    };
    match medicaledu_app::enrollments::record_progress(&ctx, actor, &visitor.meta, input).await {
        Ok(_) => Ok(Redirect::to(&back).into_response()),
        Err(e) => Err(PageError::from_failure(&e)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct TimeForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    seconds: i64,
}

/// Longest stretch one report may add: the page reports every minute and when
/// it is left, so more than an hour is not a report of reading time.
const MAX_REPORTED_SECONDS: i64 = 3600;

/// `POST /learn/{slug}/{material_id}/time`: the learning page's script
/// reporting time spent reading (while the page is visible), each report
/// with its own idempotency key so a resent report counts once. 204, or
/// 422 for a report out of range.
pub async fn time_spent(
    State(ctx): State<AppContext>,
    Path((slug, material_id)): Path<(String, String)>,
    Form { visitor, data }: Form<TimeForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&material_id)?;
    let back = learn_href(&slug, id);
    let (actor, learning) = match learning_of(&ctx, &visitor, &slug, &back).await? {
        Ok(found) => found,
        Err(_) => return Err(PageError::NotFound),
    };
    let key = Some(data.key).filter(|k| !k.is_empty() && k.chars().count() <= MAX_KEY_CHARS);
    if key.is_none() || !(1..=MAX_REPORTED_SECONDS).contains(&data.seconds) {
        return Ok(StatusCode::UNPROCESSABLE_ENTITY.into_response());
    }
    let input = RecordProgress {
        enrollment_id: learning.enrollment.id,
        material_id: id,
        update: ProgressUpdate {
            percent: None,
            position_seconds: None,
            time_spent_delta_seconds: Some(data.seconds),
            completed: None,
        },
        request_key: key,
    };
    match medicaledu_app::enrollments::record_progress(&ctx, actor, &visitor.meta, input).await {
        Ok(_) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(e) => Err(PageError::from_failure(&e)),
    }
}

/// Where "My courses" leads for a course: its next material to learn.
pub fn continue_href(learning: &Learning) -> Option<String> {
    learning
        .next_to_learn()
        .map(|m| learn_href(&learning.course.slug, m.id))
}

#[cfg(test)]
mod tests {
    #[test]
    fn hrefs_name_course_and_material() {
        let id = medicaledu_domain::Id::generate();
        assert_eq!(super::learn_href("cpr", id), format!("/learn/cpr/{id}"));
    }
}
