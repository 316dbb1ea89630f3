//! The MedicalEdu HTTP API.
//!
//! One controller module per area holds its request and response types and the
//! `#[utoipa::path]` docs next to each handler; [`router`] collects them, so the
//! OpenAPI document is built from the very routes that are served.

pub mod accounts;
mod admin;
mod auth;
pub mod bookings;
mod calendar;
mod cme;
mod cme_learners;
mod constraints;
mod courses;
pub mod enrollments;
mod extract;
mod health;
mod inbox;
mod materials;
mod nul;
mod openapi;
mod outbox;
mod pagination;
mod payments;
mod problem;
mod promo;
mod rate_limit;
mod ratings;
mod reference;
mod request_id;
mod schema_view;
mod second_factor;
mod sessions;
mod slots;
mod users;
mod validate;
mod webhooks;

use std::future::Future;

use axum::Router;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;
use utoipa::Modify;
use utoipa_axum::router::OpenApiRouter;

pub use extract::{IdempotencyKey, Ids, Json};
pub use medicaledu_app::{AppContext as AppState, Settings};
pub use problem::{ApiError, FieldError, Problem, status_of};
pub use request_id::with_request_id;

/// The whole application: every route, the OpenAPI document and the middleware.
pub fn router(state: AppState) -> Router {
    let credentials = rate_limit::per_client_ip(
        accounts::public_routes().merge(sessions::public_routes()),
        &state.settings,
    );
    let (api, mut openapi) = OpenApiRouter::with_openapi(openapi::base())
        .merge(health::routes())
        .merge(openapi::routes())
        .merge(credentials)
        .merge(accounts::routes())
        .merge(sessions::routes())
        .merge(second_factor::routes())
        .merge(admin::routes())
        .merge(courses::routes())
        .merge(materials::routes())
        .merge(enrollments::routes())
        .merge(ratings::routes())
        .merge(slots::routes())
        .merge(bookings::routes())
        .merge(promo::routes(&state.settings))
        .merge(payments::routes())
        .merge(webhooks::routes())
        .merge(calendar::routes())
        .merge(cme::routes())
        .merge(cme_learners::routes())
        .merge(inbox::routes())
        .merge(outbox::routes())
        .merge(schema_view::routes())
        .split_for_parts();
    openapi::ProblemCodes(problem_codes()).modify(&mut openapi);

    let api = api
        .merge(reference::routes())
        .layer(axum::Extension(std::sync::Arc::new(openapi)))
        .fallback(problem::not_found_fallback)
        .method_not_allowed_fallback(problem::method_not_allowed_fallback)
        .with_state(state)
        // Layers run bottom-up on the way in: the request id exists before the
        // trace span opens, and every error leaving the stack becomes a problem
        // document that carries it.
        .layer(axum::middleware::from_fn(nul::refuse_nul_in_uri))
        .layer(axum::middleware::from_fn(problem::render_problems))
        .layer(CatchPanicLayer::custom(problem::panic_response))
        .layer(TraceLayer::new_for_http().make_span_with(request_id::make_span));
    with_request_id(api)
}

/// The problem codes of every operation, by operation id.
fn problem_codes() -> Vec<(&'static str, problem::Answers)> {
    [
        health::problem_codes(),
        openapi::problem_codes(),
        accounts::problem_codes(),
        sessions::problem_codes(),
        second_factor::problem_codes(),
        admin::problem_codes(),
        courses::problem_codes(),
        materials::problem_codes(),
        enrollments::problem_codes(),
        ratings::problem_codes(),
        slots::problem_codes(),
        bookings::problem_codes(),
        promo::problem_codes(),
        payments::problem_codes(),
        webhooks::problem_codes(),
        calendar::problem_codes(),
        cme::problem_codes(),
        cme_learners::problem_codes(),
        inbox::problem_codes(),
        outbox::problem_codes(),
        schema_view::problem_codes(),
    ]
    .concat()
}

/// Serves the API on `listener` until `shutdown` resolves, then lets
/// in-flight requests finish. Background jobs are the caller's to run.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
