//! `/me/notifications`: the in-app inbox, newest first, with "Mark all as
//! read".

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::AppContext;
use medicaledu_app::inbox::InboxInput;
use serde::Deserialize;

use crate::auth::Empty;
use crate::error::PageError;
use crate::form::Form;
use crate::page::{Chrome, respond};
use crate::view;
use crate::visitor::Visitor;

pub struct Line {
    pub title: String,
    pub body: String,
    pub when: String,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    chrome: Chrome,
    items: Vec<Line>,
    has_unread: bool,
    next_page: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct InboxQuery {
    cursor: Option<String>,
}

/// `GET /me/notifications`.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<InboxQuery>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(Redirect::to("/signin?next=/me/notifications").into_response());
    };
    let input = InboxInput {
        unread: false,
        cursor: query.cursor,
        limit: Some(30),
    };
    let rows = medicaledu_app::inbox::list(&ctx, actor, input)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let tr = &visitor.tr;
    let items: Vec<Line> = rows
        .items
        .iter()
        .map(|n| Line {
            title: n.title.clone(),
            body: n.body.clone(),
            when: view::when(n.sent_at.unwrap_or(n.send_after), &visitor.zone, tr),
            unread: n.read_at.is_none(),
        })
        .collect();
    let page = InboxPage {
        chrome: Chrome::new(&ctx, &visitor, tr.t("notifications-short")).await?,
        has_unread: items.iter().any(|n| n.unread),
        items,
        next_page: rows
            .next_cursor
            .map(|cursor| format!("/me/notifications?cursor={cursor}")),
    };
    Ok(respond(&ctx, &visitor, &page))
}

/// `POST /me/notifications/read`.
pub async fn mark_all_read(
    State(ctx): State<AppContext>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(Redirect::to("/signin?next=/me/notifications").into_response());
    };
    medicaledu_app::inbox::mark_all_read(&ctx, actor).await?;
    Ok(Redirect::to("/me/notifications").into_response())
}
