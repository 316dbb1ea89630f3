//! `/me/notifications/settings`: which channel each kind of notification
//! goes to, as a table of checkboxes. An unchecked box is not sent by the
//! browser, so the whole table is sent and read: every box missing is off.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::inbox::{PreferenceMatrix, PreferencesError};
use medicaledu_app::{AppContext, FieldError};
use medicaledu_domain::{Channel, NotificationKind};
use serde::Deserialize;

use crate::error::PageError;
use crate::fields::error_for;
use crate::form::Form;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond};
use crate::visitor::Visitor;

const PATH: &str = "/me/notifications/settings";
const BACK: &str = "/signin?next=/me/notifications/settings";

pub struct Cell {
    /// The form field and element id: `booking.confirmed.email`.
    pub name: String,
    pub id: String,
    pub label: String,
    pub checked: bool,
    pub error: Option<String>,
}

pub struct Row {
    pub kind: String,
    pub cells: Vec<Cell>,
}

#[derive(Template)]
#[template(path = "preferences.html")]
struct PreferencesPage {
    chrome: Chrome,
    message: Option<String>,
    channels: Vec<String>,
    rows: Vec<Row>,
}

#[derive(Debug, Default, Deserialize)]
pub struct PreferencesQuery {
    saved: Option<String>,
}

/// The catalog key of a kind's name: `kind-booking-confirmed`.
fn kind_label(kind: NotificationKind, tr: &Tr) -> String {
    tr.t(&format!("kind-{}", kind.as_str().replace('.', "-")))
}

fn channel_label(channel: Channel, tr: &Tr) -> String {
    tr.t(&format!("channel-{channel}"))
}

/// The field name of one box, as the use case names it after `preferences.`.
fn cell_name(kind: NotificationKind, channel: Channel) -> String {
    format!("{kind}.{channel}")
}

async fn preferences_page(
    ctx: &AppContext,
    visitor: &Visitor,
    matrix: &PreferenceMatrix,
    message: Option<String>,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let tr = &visitor.tr;
    let rows = NotificationKind::ALL
        .into_iter()
        .map(|kind| {
            let kind_name = kind_label(kind, tr);
            let cells = Channel::ALL
                .into_iter()
                .map(|channel| {
                    let name = cell_name(kind, channel);
                    Cell {
                        id: format!("pref-{}", name.replace('.', "-")),
                        label: tr.t_with(
                            "prefs-checkbox",
                            &[
                                ("channel", Arg::Text(channel_label(channel, tr))),
                                ("kind", Arg::Text(kind_name.clone())),
                            ],
                        ),
                        checked: matrix
                            .get(&kind)
                            .and_then(|channels| channels.get(&channel))
                            .copied()
                            .unwrap_or(false),
                        error: error_for(&format!("preferences.{name}"), errors, tr),
                        name,
                    }
                })
                .collect();
            Row {
                kind: kind_name,
                cells,
            }
        })
        .collect();
    let page = PreferencesPage {
        chrome: Chrome::new(ctx, visitor, tr.t("prefs-title")).await?,
        message,
        channels: Channel::ALL
            .into_iter()
            .map(|c| channel_label(c, tr))
            .collect(),
        rows,
    };
    Ok(respond(ctx, visitor, &page))
}

/// `GET /me/notifications/settings`.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<PreferencesQuery>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(Redirect::to(BACK).into_response());
    };
    let preferences = medicaledu_app::inbox::preferences(&ctx, actor)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let message = query.saved.is_some().then(|| visitor.tr.t("prefs-saved"));
    preferences_page(&ctx, &visitor, &preferences.matrix(), message, &[]).await
}

/// `POST /me/notifications/settings`: every box of the table, checked or not.
pub async fn save(
    State(ctx): State<AppContext>,
    Form { visitor, data }: Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(Redirect::to(BACK).into_response());
    };
    let matrix: PreferenceMatrix = NotificationKind::ALL
        .into_iter()
        .map(|kind| {
            let channels: BTreeMap<Channel, bool> = Channel::ALL
                .into_iter()
                .map(|channel| {
                    let name = cell_name(kind, channel);
                    (channel, data.iter().any(|(field, _)| *field == name))
                })
                .collect();
            (kind, channels)
        })
        .collect();
    match medicaledu_app::inbox::set_preferences(&ctx, actor, &visitor.meta, &matrix).await {
        Ok(_) => Ok(Redirect::to(&format!("{PATH}?saved=1")).into_response()),
        Err(PreferencesError::Invalid(invalid)) => {
            let message = Some(visitor.tr.t("form-errors"));
            let mut response =
                preferences_page(&ctx, &visitor, &matrix, message, &invalid.0).await?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(PageError::from_failure(&e)),
    }
}
