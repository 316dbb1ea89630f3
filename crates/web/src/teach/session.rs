//! Editing a session: its start, duration, capacity, price and place, for
//! this session only, for it and the following sessions of its series, or for
//! the whole series (the sessions yet to start). Moving keeps the others'
//! local time: they move by as much on the clock. A clash is named at
//! "Starts", a capacity below the seats booked at "Capacity", and a refused
//! edit changes nothing.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Duration;
use medicaledu_app::slots::{SlotError, SlotUpdateInput};
use medicaledu_app::{AppContext, FieldError, teaching};
use medicaledu_domain::{Currency, Id, TimeZone};
use medicaledu_store::courses::CourseRow;
use medicaledu_store::slots::SlotRow;
use serde::Deserialize;

use super::course::Choice;
use super::dashboard::times_in;
use super::schedule::{clash_text, local_start};
use super::{field_errors, page_error, refuse, signed_in};
use crate::error::{PageError, parse_id};
use crate::fields::Field;
use crate::form::Form;
use crate::i18n::Arg;
use crate::page::{Chrome, respond};
use crate::view;
use crate::visitor::Visitor;

/// The edit form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct EditForm {
    /// `this`, `following` or `series`.
    #[serde(default)]
    scope: String,
    /// `datetime-local`, in the instructor's zone.
    #[serde(default)]
    starts: String,
    #[serde(default)]
    duration: String,
    #[serde(default)]
    capacity: String,
    /// In the session's currency.
    #[serde(default)]
    price: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    meeting_url: String,
}

impl EditForm {
    /// The session as it is, in `zone`.
    fn of(slot: &SlotRow, scope: Option<String>, zone: &TimeZone) -> Self {
        let local = |at: &medicaledu_domain::Timestamp| {
            at.as_datetime()
                .with_timezone(&zone.tz())
                .format("%Y-%m-%dT%H:%M")
                .to_string()
        };
        Self {
            scope: scope.unwrap_or_else(|| "this".into()),
            starts: local(&slot.starts_at),
            duration: (*slot.ends_at.as_datetime() - *slot.starts_at.as_datetime())
                .num_minutes()
                .to_string(),
            capacity: slot.capacity.to_string(),
            price: Currency::parse(&slot.currency).map_or_else(
                |_| slot.price_minor.to_string(),
                |c| c.amount_text(slot.price_minor),
            ),
            location: slot.location.clone().unwrap_or_default(),
            meeting_url: slot.meeting_url.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "teach_session_edit.html")]
struct EditPage {
    chrome: Chrome,
    id: String,
    course: String,
    when: String,
    times_in: String,
    problem: Option<String>,
    /// Which sessions: offered for a session of a series.
    scopes: Vec<Choice>,
    starts: Field,
    duration: Field,
    capacity: Field,
    price: Field,
    location: Field,
    meeting_url: Field,
}

/// The use case's field names as this form names them.
fn form_field(field: &str) -> &str {
    match field {
        "starts_at" => "starts",
        "ends_at" => "duration",
        "price_minor" => "price",
        // Sessions of the series that would overlap one another: too long.
        "recurrence" => "duration",
        f => f,
    }
}

/// What is refused, and where: field errors, or a clash or the seats booked
/// in words at their field.
enum Refusal {
    Fields(Vec<FieldError>),
    Clash(String),
    Seats(String),
}

async fn edit_form(
    ctx: &AppContext,
    visitor: &Visitor,
    slot: &SlotRow,
    course: &CourseRow,
    form: &EditForm,
    refusal: Option<Refusal>,
) -> Result<Response, PageError> {
    let tr = &visitor.tr;
    let errors: Vec<FieldError> = match &refusal {
        Some(Refusal::Fields(errors)) => errors
            .iter()
            .map(|e| FieldError {
                field: form_field(&e.field).to_owned(),
                ..e.clone()
            })
            .collect(),
        _ => Vec::new(),
    };
    let field = |name, key: &str, kind, value: &str| {
        Field::new(name, tr.t(key), kind)
            .value(value)
            .errors(&errors, tr)
    };
    let optional = |f: Field| Field {
        required: false,
        ..f
    };
    let mut starts = field("starts", "teach-starts", "datetime-local", &form.starts)
        .hint(tr.t("teach-edit-starts-hint"));
    let mut capacity = field("capacity", "teach-capacity", "number", &form.capacity);
    match &refusal {
        Some(Refusal::Clash(text)) => starts.error = Some(text.clone()),
        Some(Refusal::Seats(text)) => capacity.error = Some(text.clone()),
        _ => {}
    }
    let scopes = if slot.series_id.is_some() {
        [
            ("this", "teach-scope-this"),
            ("following", "teach-scope-following"),
            ("series", "teach-edit-scope-series"),
        ]
        .iter()
        .map(|(value, key)| Choice {
            value: (*value).to_owned(),
            label: tr.t(key),
            selected: form.scope == *value,
        })
        .collect()
    } else {
        Vec::new()
    };
    let page = EditPage {
        chrome: Chrome::new(ctx, visitor, tr.t("teach-edit-session")).await?,
        id: slot.id.to_string(),
        course: course.title.clone(),
        when: view::when(slot.starts_at, &visitor.zone, tr),
        times_in: times_in(visitor),
        problem: refusal.is_some().then(|| tr.t("form-errors")),
        scopes,
        starts,
        duration: field("duration", "teach-duration", "number", &form.duration),
        capacity,
        price: field("price", "teach-price", "text", &form.price).hint(tr.t_with(
            "teach-edit-price-hint",
            &[("currency", Arg::Text(slot.currency.clone()))],
        )),
        location: optional(field("location", "teach-location", "text", &form.location)),
        meeting_url: optional(
            field("meeting_url", "teach-meeting-url", "url", &form.meeting_url)
                .hint(tr.t("teach-meeting-url-hint")),
        ),
    };
    let mut response = respond(ctx, visitor, &page);
    match refusal {
        Some(Refusal::Fields(_)) => *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY,
        Some(Refusal::Clash(_) | Refusal::Seats(_)) => {
            *response.status_mut() = StatusCode::CONFLICT
        }
        None => {}
    }
    Ok(response)
}

#[derive(Debug, Default, Deserialize)]
pub struct EditQuery {
    scope: Option<String>,
}

/// `GET /teach/sessions/{id}/edit?scope=this|following|series`.
pub async fn edit_page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(query): Query<EditQuery>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match signed_in(&visitor, &format!("/teach/sessions/{id}/edit")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let (slot, course) = teaching::session_to_manage(&ctx, actor, id)
        .await
        .map_err(page_error)?;
    let form = EditForm::of(&slot, query.scope, &visitor.zone);
    edit_form(&ctx, &visitor, &slot, &course, &form, None).await
}

/// Reads the form into the use case's input: every field is sent, so every
/// value is set (an empty place clears it).
fn read(
    form: &EditForm,
    zone: &TimeZone,
    slot: &SlotRow,
) -> Result<SlotUpdateInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let starts = local_start(&form.starts, zone, "starts")
        .map_err(|e| errors.push(e))
        .ok();
    let mut number = |name: &str, text: &str| match text.trim().parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) if text.trim().is_empty() => {
            errors.push(refuse(name, "required", "must not be empty"));
            None
        }
        Err(_) => {
            errors.push(refuse(name, "invalid", "must be a whole number"));
            None
        }
    };
    let minutes = number("duration", &form.duration);
    let capacity = number("capacity", &form.capacity);
    let price = Currency::parse(&slot.currency)
        .and_then(|c| c.parse_amount(&form.price))
        .map_err(|issue| errors.push(refuse("price", issue.code, &issue.message)))
        .ok();
    match (starts, minutes, errors.is_empty()) {
        (Some(starts), Some(minutes), true) => {
            let optional = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_owned());
            Ok(SlotUpdateInput {
                starts_at: Some(starts.to_rfc3339()),
                ends_at: Some((starts + Duration::minutes(minutes)).to_rfc3339()),
                capacity,
                price_minor: price,
                location: Some(optional(&form.location)),
                meeting_url: Some(optional(&form.meeting_url)),
            })
        }
        _ => Err(errors),
    }
}

/// `POST /teach/sessions/{id}/edit`: changes the sessions in scope, or
/// none of them.
pub async fn save(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, data }: Form<EditForm>,
) -> Result<Response, PageError> {
    let id: Id = parse_id(&id)?;
    let actor = match signed_in(&visitor, &format!("/teach/sessions/{id}/edit")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let (slot, course) = teaching::session_to_manage(&ctx, actor, id)
        .await
        .map_err(page_error)?;
    let refused = |refusal| edit_form(&ctx, &visitor, &slot, &course, &data, Some(refusal));
    let input = match read(&data, &visitor.zone, &slot) {
        Ok(input) => input,
        Err(errors) => return refused(Refusal::Fields(errors)).await,
    };
    let tr = &visitor.tr;
    match medicaledu_app::slots::update_in_scope(
        &ctx,
        actor,
        &visitor.meta,
        id,
        Some(data.scope.as_str()),
        input,
    )
    .await
    {
        Ok(changed) => {
            let week = changed
                .iter()
                .find(|s| s.id == id)
                .map(|s| {
                    s.starts_at
                        .as_datetime()
                        .with_timezone(&visitor.zone.tz())
                        .format("%Y-%m-%d")
                        .to_string()
                })
                .unwrap_or_default();
            Ok(Redirect::to(&format!(
                "/teach/schedule?week={week}&changed={}",
                changed.len()
            ))
            .into_response())
        }
        Err(SlotError::Invalid(invalid)) => refused(Refusal::Fields(field_errors(&invalid))).await,
        Err(SlotError::Overlap(clash)) => {
            refused(Refusal::Clash(clash_text(&clash, &visitor.zone, tr))).await
        }
        Err(SlotError::CapacityBelowBooked(booked)) => {
            refused(Refusal::Seats(tr.t_with(
                "teach-capacity-below-booked",
                &[("booked", Arg::Number(booked))],
            )))
            .await
        }
        Err(e) => Err(page_error(e)),
    }
}
