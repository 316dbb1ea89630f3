//! `/admin`: the administrators' pages over the same use cases as the
//! admin API — accounts (role, suspension, unlocking), payments (refunds,
//! manual settlement), promo codes of every scope, the revenue report,
//! continuing education (providers, certificates), the notification outbox
//! and the audit log. What moves money, locks people out or ends a
//! certificate asks for confirmation first and says what it did afterwards.

mod audit;
mod cme;
mod cme_reports;
mod outbox;
mod payments;
mod promo;
mod revenue;
mod users;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{NaiveDate, TimeZone as _};
use medicaledu_app::{Actor, AppContext};
use medicaledu_domain::{TimeZone, Timestamp};

use crate::error::PageError;
use crate::page::{Chrome, respond};
use crate::visitor::Visitor;

pub fn routes() -> Router<AppContext> {
    Router::new()
        .route("/admin", get(home))
        .route("/admin/users", get(users::list))
        .route("/admin/users/{id}", get(users::page))
        .route("/admin/users/{id}/unlock", post(users::unlock))
        .route("/admin/users/{id}/role", post(users::change_role))
        .route(
            "/admin/users/{id}/suspend",
            get(users::confirm_suspend).post(users::suspend),
        )
        .route("/admin/users/{id}/reactivate", post(users::reactivate))
        .route("/admin/payments", get(payments::list))
        .route("/admin/payments/{id}", get(payments::page))
        .route("/admin/payments/{id}/refund", post(payments::refund))
        .route(
            "/admin/payments/{id}/mark-paid",
            get(payments::confirm_mark_paid).post(payments::mark_paid),
        )
        .route("/admin/promo-codes", get(promo::list))
        .route(
            "/admin/promo-codes/new",
            get(promo::new_page).post(promo::create),
        )
        .route(
            "/admin/promo-codes/{id}",
            get(promo::edit_page).post(promo::save),
        )
        .route(
            "/admin/promo-codes/{id}/deactivate",
            post(promo::deactivate),
        )
        .route("/admin/promo-codes/{id}/activate", post(promo::activate))
        .route("/admin/cme", get(cme::hub))
        .route(
            "/admin/cme/providers",
            get(cme::providers).post(cme::create_provider),
        )
        .route(
            "/admin/cme/providers/{id}",
            get(cme::provider_edit_page).post(cme::save_provider),
        )
        .route("/admin/cme/certificates", get(cme::certificates))
        .route("/admin/cme/certificates/{code}/revoke", post(cme::revoke))
        .route("/admin/cme/certificates/{code}/reissue", post(cme::reissue))
        .route("/admin/cme/reports", get(cme_reports::activities))
        .route("/admin/cme/reports/{course}", get(cme_reports::report))
        .route(
            "/admin/cme/reports/{course}/report.csv",
            get(cme_reports::csv),
        )
        .route("/admin/outbox", get(outbox::list))
        .route("/admin/outbox/{id}/retry", post(outbox::retry))
        .route("/admin/audit", get(audit::list))
        .route("/admin/audit.csv", get(audit::csv))
        .route("/admin/revenue", get(revenue::page))
        .route("/admin/revenue.csv", get(revenue::csv))
}

/// Why a visitor is not let in, answered as a response.
enum NotAdmin {
    /// Signed out: sign in, then come back here.
    SignIn(String),
    /// Signed in with another role: the 403 page.
    Forbidden,
}

impl IntoResponse for NotAdmin {
    fn into_response(self) -> Response {
        match self {
            NotAdmin::SignIn(back) => {
                Redirect::to(&format!("/signin?next={}", urlencoding(&back))).into_response()
            }
            NotAdmin::Forbidden => PageError::Forbidden.into_response(),
        }
    }
}

/// The signed-in administrator, or why anyone else is not let in.
fn admin<'v>(visitor: &'v Visitor, back: &str) -> Result<&'v Actor, NotAdmin> {
    match &visitor.actor {
        None => Err(NotAdmin::SignIn(back.to_owned())),
        Some(actor) if actor.is_admin() => Ok(actor),
        Some(_) => Err(NotAdmin::Forbidden),
    }
}

fn urlencoding(path: &str) -> String {
    url::form_urlencoded::byte_serialize(path.as_bytes()).collect()
}

/// The start of a day typed as `YYYY-MM-DD`, in the administrator's zone, as
/// the RFC 3339 instant the use cases take; `days_after` 1 gives the end of
/// that day, so a "to" date includes its own day.
fn day_start(input: &str, zone: &TimeZone, days_after: u64) -> Option<String> {
    let date = NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d")
        .ok()?
        .checked_add_days(chrono::Days::new(days_after))?;
    let midnight = date.and_hms_opt(0, 0, 0)?;
    let local = zone.tz().from_local_datetime(&midnight).earliest()?;
    Some(Timestamp::from(local.with_timezone(&chrono::Utc)).to_string())
}

/// A query value, `None` when the form left it empty.
fn some(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The same query string with another cursor: the "Next page" link.
fn next_page(
    path: &str,
    pairs: &[(&str, &Option<String>)],
    cursor: Option<String>,
) -> Option<String> {
    let cursor = cursor?;
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        if let Some(value) = some(value) {
            query.append_pair(key, &value);
        }
    }
    query.append_pair("cursor", &cursor);
    Some(format!("{path}?{}", query.finish()))
}

/// A choice of a filter's `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn choices(
    values: &[&str],
    current: &Option<String>,
    label: impl Fn(&str) -> String,
) -> Vec<Choice> {
    values
        .iter()
        .map(|v| Choice {
            value: (*v).to_owned(),
            label: label(v),
            selected: current.as_deref() == Some(*v),
        })
        .collect()
}

/// A confirmation step: what will happen, and one button to do it.
#[derive(Template)]
#[template(path = "admin_confirm.html")]
struct Confirm {
    chrome: Chrome,
    heading: String,
    consequence: String,
    action: String,
    /// Carried over from the form that asked, as hidden fields.
    fields: Vec<(String, String)>,
    confirm: String,
    back: String,
}

#[derive(Template)]
#[template(path = "admin_home.html")]
struct Home {
    chrome: Chrome,
}

/// `GET /admin`.
async fn home(State(ctx): State<AppContext>, visitor: Visitor) -> Result<Response, PageError> {
    if let Err(answer) = admin(&visitor, "/admin") {
        return Ok(answer.into_response());
    }
    let page = Home {
        chrome: Chrome::new(&ctx, &visitor, visitor.tr.t("admin-title")).await?,
    };
    Ok(respond(&ctx, &visitor, &page))
}
