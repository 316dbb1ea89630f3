//! The MedicalEdu web application: server-rendered pages over the same use
//! cases as the JSON API. Every page and form works without JavaScript;
//! htmx and one small script only improve them. Templates are askama
//! (compiled, escaping by default), texts come from the message catalog,
//! and static assets are embedded in the binary.

mod account;
mod admin;
mod assets;
mod auth;
mod booking;
mod catalog;
mod chart;
mod checkout;
mod cme;
mod course;
mod dashboard;
mod devices;
mod download;
mod error;
mod feed;
mod fields;
mod form;
mod i18n;
mod inbox;
mod learn;
mod limits;
mod markdown;
mod page;
mod preferences;
mod promo;
mod rating;
mod reschedule;
mod teach;
mod two_factor;
mod view;
mod visitor;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use medicaledu_app::AppContext;

pub use error::PageError;

/// Every page. Unknown paths answer the 404 page; the caller decides which
/// paths belong to the pages (everything outside the API).
pub fn router(ctx: AppContext) -> Router {
    Router::new()
        .route("/", get(catalog::home))
        .route("/courses", get(catalog::catalog))
        .route("/courses/{slug}", get(course::page))
        .route("/courses/{slug}/enroll", post(course::enroll))
        .route("/courses/{slug}/rate", post(rating::rate_course))
        .route(
            "/courses/{slug}/rate-instructor",
            post(rating::rate_instructor),
        )
        .route("/courses/{slug}/cme", get(cme::progress::page))
        .route(
            "/courses/{slug}/cme/{kind}/attempts",
            post(cme::progress::start),
        )
        .route("/courses/{slug}/cme/claims", post(cme::claim::claim))
        .route(
            "/cme/attempts/{id}",
            get(cme::attempt::page).post(cme::attempt::submit),
        )
        .route("/me/certificates", get(cme::certificates::page))
        .route(
            "/me/cme-profile",
            get(cme::profile::page).post(cme::profile::save),
        )
        .route(
            "/me/licences",
            get(cme::licences::page).post(cme::licences::add),
        )
        .route(
            "/me/licences/{id}",
            get(cme::licences::edit_page).post(cme::licences::save),
        )
        .route("/me/licences/{id}/delete", post(cme::licences::delete))
        .route(
            "/me/external-credits",
            get(cme::external::page).post(cme::external::add),
        )
        .route(
            "/me/external-credits/{id}/delete",
            post(cme::external::delete),
        )
        .route("/me/transcript", get(cme::transcript::page))
        .route("/me/transcript.csv", get(cme::transcript::csv))
        .route("/me/transcript.pdf", get(cme::transcript::pdf))
        .route("/verify/{code}", get(cme::verify::page))
        .route("/verify/{code}/certificate.pdf", get(cme::verify::pdf))
        .route(
            "/verify/{code}/credential.jwt",
            get(cme::verify::credential),
        )
        .route("/learn/{slug}/{material_id}", get(learn::page))
        .route(
            "/learn/{slug}/{material_id}/complete",
            post(learn::complete),
        )
        .route("/learn/{slug}/{material_id}/time", post(learn::time_spent))
        .route("/book/{slot_id}", get(booking::page).post(booking::book))
        .route("/bookings/{id}", get(booking::status))
        .route("/bookings/{id}/pay", post(booking::pay))
        .route("/bookings/{id}/card", get(checkout::card))
        .route("/bookings/{id}/paypal", get(checkout::paypal))
        .route("/bookings/{id}/paypal/order", post(checkout::paypal_order))
        .route(
            "/bookings/{id}/paypal/capture",
            post(checkout::paypal_capture),
        )
        .route(
            "/bookings/{id}/cancel",
            get(booking::cancel_page).post(booking::cancel),
        )
        .route(
            "/bookings/{id}/reschedule",
            get(reschedule::page).post(reschedule::move_booking),
        )
        .route("/me", get(dashboard::page))
        .route("/me/notifications", get(inbox::page))
        .route("/me/notifications/read", post(inbox::mark_all_read))
        .route("/me/account", get(account::page).post(account::save))
        .route("/me/password", post(account::change_password))
        .route("/me/sessions", get(devices::page))
        .route("/me/sessions/{id}/revoke", post(devices::revoke))
        .route("/me/two-factor", get(two_factor::page))
        .route("/me/two-factor/setup", post(two_factor::set_up))
        .route("/me/two-factor/confirm", post(two_factor::confirm))
        .route("/me/two-factor/disable", post(two_factor::disable))
        .route("/me/two-factor/recovery-codes", post(two_factor::new_codes))
        .route(
            "/me/notifications/settings",
            get(preferences::page).post(preferences::save),
        )
        .route("/me/calendar-feed", post(feed::create))
        .route("/me/calendar-feed/stop", post(feed::stop))
        .route("/teach", get(teach::dashboard::page))
        .route(
            "/teach/courses/new",
            get(teach::course::new_page).post(teach::course::create),
        )
        .route(
            "/teach/courses/{id}",
            get(teach::course::edit_page).post(teach::course::save),
        )
        .route("/teach/courses/{id}/publish", post(teach::course::publish))
        .route("/teach/courses/{id}/archive", post(teach::course::archive))
        .route(
            "/teach/courses/{id}/delete",
            get(teach::course::delete_page).post(teach::course::delete),
        )
        .route(
            "/teach/courses/{id}/materials/new",
            get(teach::material::new_page).post(teach::material::add),
        )
        .route(
            "/teach/courses/{id}/materials/order",
            post(teach::material::reorder),
        )
        .route(
            "/teach/materials/{id}",
            get(teach::material::edit_page).post(teach::material::save),
        )
        .route(
            "/teach/materials/{id}/delete",
            get(teach::material::delete_page).post(teach::material::delete),
        )
        .route(
            "/teach/courses/{id}/cme",
            get(teach::cme::page).post(teach::cme::save_activity),
        )
        .route(
            "/teach/courses/{id}/cme/designations/new",
            get(teach::cme::new_designation_page).post(teach::cme::add_designation),
        )
        .route(
            "/teach/courses/{id}/cme/designations/{designation_id}",
            get(teach::cme::designation_edit_page).post(teach::cme::save_designation),
        )
        .route(
            "/teach/courses/{id}/cme/designations/{designation_id}/delete",
            get(teach::cme::delete_designation_page).post(teach::cme::delete_designation),
        )
        .route(
            "/teach/courses/{id}/cme/{kind}",
            get(teach::cme::settings).post(teach::cme::save_settings),
        )
        .route(
            "/teach/courses/{id}/cme/{kind}/questions",
            get(teach::cme_bank::page).post(teach::cme_bank::add),
        )
        .route(
            "/teach/courses/{id}/cme/{kind}/questions/{question_id}",
            get(teach::cme_bank::edit_page).post(teach::cme_bank::save),
        )
        .route(
            "/teach/courses/{id}/cme/{kind}/questions/{question_id}/retire",
            get(teach::cme_bank::retire_page).post(teach::cme_bank::retire),
        )
        .route(
            "/teach/courses/{id}/cme/{kind}/statistics",
            get(teach::cme_bank::statistics),
        )
        .route("/teach/schedule", get(teach::schedule::week))
        .route("/teach/schedule/month", get(teach::month::page))
        .route("/teach/earnings", get(teach::earnings::page))
        .route("/teach/earnings.csv", get(teach::earnings::csv))
        .route(
            "/teach/sessions/new",
            get(teach::schedule::new_page).post(teach::schedule::create),
        )
        .route("/teach/sessions/{id}", get(teach::roster::page))
        .route(
            "/teach/sessions/{id}/edit",
            get(teach::session::edit_page).post(teach::session::save),
        )
        .route(
            "/teach/sessions/{id}/cancel",
            get(teach::schedule::cancel_page).post(teach::schedule::cancel),
        )
        .route(
            "/teach/bookings/{id}/complete",
            post(teach::roster::complete),
        )
        .route("/teach/bookings/{id}/no-show", post(teach::roster::no_show))
        .route("/teach/promo-codes", get(teach::promo::list))
        .route(
            "/teach/promo-codes/new",
            get(teach::promo::new_page).post(teach::promo::create),
        )
        .route(
            "/teach/promo-codes/{id}",
            get(teach::promo::edit_page).post(teach::promo::save),
        )
        .route(
            "/teach/promo-codes/{id}/deactivate",
            post(teach::promo::deactivate),
        )
        .route(
            "/teach/promo-codes/{id}/activate",
            post(teach::promo::activate),
        )
        .route(
            "/teach/bookings/{id}/cancel",
            post(teach::roster::cancel_booking),
        )
        .route("/signin", get(auth::sign_in_form).post(auth::sign_in))
        .route("/signin/code", post(auth::sign_in_code))
        .route("/signup", get(auth::sign_up_form).post(auth::sign_up))
        .route("/signout", post(auth::sign_out))
        .route("/assets/{file}", get(assets::serve))
        .merge(admin::routes())
        .fallback(not_found)
        .layer(axum::Extension(limits::CredentialLimiter::new(
            ctx.settings.auth_rate_limit_per_minute,
        )))
        .with_state(ctx)
        .layer(axum::middleware::from_fn(refuse_nul))
        .layer(axum::middleware::from_fn(error_pages))
        .layer(axum::middleware::from_fn(security_headers))
}

/// A NUL character cannot be stored as text (PostgreSQL refuses the whole
/// query), so a path holding one names nothing and a query holding one is
/// refused before any page reads it. A URI carries one only as `%00`.
async fn refuse_nul(request: Request, next: Next) -> Response {
    let uri = request.uri();
    if uri.path().contains("%00") {
        return PageError::NotFound.into_response();
    }
    if uri.query().is_some_and(|q| q.contains("%00")) {
        return PageError::BadRequest.into_response();
    }
    next.run(request).await
}

async fn not_found() -> PageError {
    PageError::NotFound
}

/// The browser may run scripts, styles and images from this site only, and
/// no inline script at all: an injected `<script>` does nothing.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// Redraws error pages in the request's language with its request id: the
/// handlers' own pages are drawn before the language is known to them.
async fn error_pages(request: Request, next: Next) -> Response {
    let accept = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let response = next.run(request).await;
    let status = response.status();
    let drawn = response
        .extensions()
        .get::<error::Rendered>()
        .map(|error::Rendered(kind)| *kind);
    if (drawn.is_some() || status.is_server_error())
        && (status.is_client_error() || status.is_server_error())
    {
        let tr = i18n::Tr::negotiate(None, accept.as_deref());
        let (mut parts, _) = response.into_parts();
        let page = error::page_for_status(drawn, status, tr, request_id);
        let (page_parts, body) = page.into_parts();
        parts.headers = page_parts.headers;
        return Response::from_parts(parts, body);
    }
    response
}
