//! Liveness and readiness probes for load balancers and orchestrators.

use axum::extract::State;
use medicaledu_app::{Failure, health};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::problem::Answers;
use crate::{ApiError, AppState, Json};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
}

crate::problem::problem_codes! {
    healthz => Answers::route(),
    readyz => Answers::route().failure::<health::ReadyError>(),
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the server answers.
    pub status: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ok` when the database answered.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
}

/// The process is up and serving HTTP.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// The server can reach its database.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "health",
    responses(
        (status = 200, body = Readiness),
        (status = 503, description = "The database did not answer", body = crate::Problem,
            content_type = "application/problem+json"),
    )
)]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Readiness>, ApiError> {
    let backend = health::ready(&state).await.map_err(|e| {
        // Not an internal failure (its detail is kept), but its cause is logged.
        let retry_after = e
            .retry_after()
            .map(|after| after.as_secs().max(1).to_string())
            .and_then(|seconds| axum::http::HeaderValue::from_str(&seconds).ok());
        let error = ApiError::new(
            crate::problem::status_of(e.code()),
            e.code().as_str(),
            e.to_string(),
        )
        .with_source(e);
        match retry_after {
            Some(value) => error.with_header(axum::http::header::RETRY_AFTER, value),
            None => error,
        }
    })?;
    Ok(Json(Readiness {
        status: "ok",
        database: backend.name(),
    }))
}
