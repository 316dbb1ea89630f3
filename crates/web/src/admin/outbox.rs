//! `/admin/outbox`: notifications on every channel by status, channel and
//! kind, with "Retry" on those that failed for good.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::AppContext;
use medicaledu_app::outbox::OutboxInput;
use medicaledu_domain::{Channel, Id, NotificationStatus};
use serde::Deserialize;

use super::{Choice, admin, choices, next_page, some};
use crate::auth::Empty;
use crate::error::PageError;
use crate::form::Form;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond};
use crate::view;
use crate::visitor::Visitor;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    channel: Option<String>,
    kind: Option<String>,
    cursor: Option<String>,
    done: Option<String>,
}

pub struct Line {
    pub id: String,
    pub when: String,
    pub channel: String,
    pub kind: String,
    pub title: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: String,
    pub retry: bool,
    pub retry_label: String,
    pub user_href: String,
}

#[derive(Template)]
#[template(path = "admin_outbox.html")]
struct OutboxPage {
    chrome: Chrome,
    statuses: Vec<Choice>,
    channels: Vec<Choice>,
    kind: String,
    lines: Vec<Line>,
    problem: Option<String>,
    next_page: Option<String>,
}

fn status_label(tr: &Tr, status: &str) -> String {
    tr.t(&format!("notification-status-{status}"))
}

fn channel_label(tr: &Tr, channel: &str) -> String {
    tr.t(&format!("channel-{channel}"))
}

/// `GET /admin/outbox`.
pub async fn list(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let actor = match admin(&visitor, "/admin/outbox") {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let tr = &visitor.tr;
    let input = OutboxInput {
        status: some(&query.status),
        channel: some(&query.channel),
        kind: some(&query.kind),
        cursor: some(&query.cursor),
        limit: Some(50),
        ..OutboxInput::default()
    };
    let (rows, next, problem) = match medicaledu_app::outbox::list(&ctx, actor, input).await {
        Ok(page) => (page.items, page.next_cursor, None),
        Err(medicaledu_app::ReadError::Invalid(invalid)) => {
            (Vec::new(), None, Some(invalid.to_string()))
        }
        Err(e) => return Err(PageError::from_failure(&e)),
    };
    let lines = rows
        .into_iter()
        .map(|row| Line {
            id: row.id.to_string(),
            when: view::when(row.send_after, &visitor.zone, tr),
            channel: channel_label(tr, row.channel.as_str()),
            kind: row.kind.as_str().to_owned(),
            status: status_label(tr, row.status.as_str()),
            attempts: row.attempts,
            last_error: row.last_error.clone().unwrap_or_default(),
            retry: row.status == NotificationStatus::Failed,
            retry_label: tr.t_with(
                "admin-outbox-retry-label",
                &[("title", Arg::Text(row.title.clone()))],
            ),
            user_href: format!("/admin/users/{}", row.user_id),
            title: row.title,
        })
        .collect();
    let statuses: Vec<&str> = NotificationStatus::ALL
        .iter()
        .map(NotificationStatus::as_str)
        .collect();
    let channels: Vec<&str> = Channel::ALL.iter().map(Channel::as_str).collect();
    let mut chrome = Chrome::new(&ctx, &visitor, tr.t("admin-outbox-title")).await?;
    if query.done.as_deref() == Some("retried") {
        chrome.flash.push(tr.t("admin-outbox-retried"));
    }
    let page = OutboxPage {
        chrome,
        statuses: choices(&statuses, &query.status, |s| status_label(tr, s)),
        channels: choices(&channels, &query.channel, |c| channel_label(tr, c)),
        kind: query.kind.clone().unwrap_or_default(),
        lines,
        problem,
        next_page: next_page(
            "/admin/outbox",
            &[
                ("status", &query.status),
                ("channel", &query.channel),
                ("kind", &query.kind),
            ],
            next,
        ),
    };
    Ok(respond(&ctx, &visitor, &page))
}

/// `POST /admin/outbox/{id}/retry`: a failed notification gets a fresh set
/// of attempts.
pub async fn retry(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    let actor = match admin(&visitor, "/admin/outbox") {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let id: Id = id.parse().map_err(|_| PageError::NotFound)?;
    medicaledu_app::outbox::retry(&ctx, actor, &visitor.meta, id)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    Ok(Redirect::to("/admin/outbox?status=failed&done=retried").into_response())
}
