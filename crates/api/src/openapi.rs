//! The OpenAPI 3.1 document, assembled from the `#[utoipa::path]` docs of the
//! routes actually mounted.

use std::sync::Arc;

use axum::Extension;
use utoipa::OpenApi;
use utoipa::openapi::OpenApi as Document;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "MedicalEdu API",
        description = "Courses, live sessions, bookings and payments for medical education. \
            Every error is an RFC 9457 problem document (`application/problem+json`) with a \
            stable machine-readable `code`.",
        license(name = "AGPL-3.0-or-later"),
    ),
    components(schemas(crate::Problem, crate::FieldError)),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "meta", description = "The API's own description"),
    )
)]
struct BaseDoc;

pub fn base() -> Document {
    BaseDoc::openapi()
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(openapi_json))
}

/// This document: the OpenAPI 3.1 description of every route.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json"))
)]
pub async fn openapi_json(
    Extension(document): Extension<Arc<Document>>,
) -> axum::Json<Arc<Document>> {
    axum::Json(document)
}
