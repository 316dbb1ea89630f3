//! `/me/sessions`: where the account is signed in, with "Sign out" for each
//! other session (a lost phone, a shared computer).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::AppContext;
use medicaledu_domain::Id;

use crate::auth::Empty;
use crate::error::PageError;
use crate::form::Form;
use crate::i18n::Arg;
use crate::page::{Chrome, respond};
use crate::view;
use crate::visitor::Visitor;

const BACK: &str = "/signin?next=/me/sessions";

pub struct Line {
    pub id: String,
    pub device: String,
    pub ip: String,
    pub last_seen: String,
    pub current: bool,
    pub sign_out_label: String,
}

#[derive(Template)]
#[template(path = "sessions.html")]
struct SessionsPage {
    chrome: Chrome,
    sessions: Vec<Line>,
}

/// `GET /me/sessions`.
pub async fn page(State(ctx): State<AppContext>, visitor: Visitor) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(Redirect::to(BACK).into_response());
    };
    let rows = medicaledu_app::sessions::list(&ctx, actor).await?;
    let tr = &visitor.tr;
    let sessions = rows
        .iter()
        .map(|row| {
            let device = row
                .user_agent
                .clone()
                .filter(|ua| !ua.trim().is_empty())
                .unwrap_or_else(|| tr.t("sessions-unknown-device"));
            let last_seen = view::when(row.last_seen_at, &visitor.zone, tr);
            Line {
                id: row.id.to_string(),
                ip: row
                    .ip_address
                    .clone()
                    .unwrap_or_else(|| tr.t("sessions-unknown-ip")),
                current: row.id == actor.session_id,
                sign_out_label: tr.t_with(
                    "sessions-sign-out-label",
                    &[
                        ("device", Arg::Text(device.clone())),
                        ("when", Arg::Text(last_seen.clone())),
                    ],
                ),
                device,
                last_seen,
            }
        })
        .collect();
    let page = SessionsPage {
        chrome: Chrome::new(&ctx, &visitor, tr.t("sessions-title")).await?,
        sessions,
    };
    Ok(respond(&ctx, &visitor, &page))
}

/// `POST /me/sessions/{id}/revoke`: signs one of the owner's sessions out.
pub async fn revoke(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(Redirect::to(BACK).into_response());
    };
    let id: Id = id.parse().map_err(|_| PageError::NotFound)?;
    medicaledu_app::sessions::revoke(&ctx, actor, &visitor.meta, id)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    Ok(Redirect::to("/me/sessions").into_response())
}
