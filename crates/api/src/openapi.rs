//! The OpenAPI 3.1 document, assembled from the `#[utoipa::path]` docs of the
//! routes actually mounted.

use std::collections::HashMap;
use std::collections::btree_map::Entry;
use std::sync::Arc;

use axum::Extension;
use axum::http::StatusCode;
use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{Components, Content, Ref, RefOr, ResponseBuilder, Schema};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::SESSION_COOKIE;
use crate::problem::{Access, Answers, PROBLEM_JSON};

/// The security scheme of the session token sent as `Authorization: Bearer`.
pub const BEARER: &str = "bearer";
/// The security scheme of the same token carried by the session cookie.
pub const COOKIE: &str = "session_cookie";

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

crate::problem::problem_codes! {
    openapi_json => Answers::route(),
}

/// Lists on each operation the problem codes it answers: the extension
/// `x-problem-codes` (every code, so clients can check they handle them all)
/// and, for each status those codes are answered with, a problem response
/// whose description names the codes. Declares the credentials each
/// operation takes, from the same table.
pub struct ProblemCodes(pub Vec<(&'static str, Answers)>);

impl Modify for ProblemCodes {
    fn modify(&self, openapi: &mut Document) {
        let table: HashMap<&str, &Answers> = self.0.iter().map(|(id, a)| (*id, a)).collect();
        let components = openapi.components.get_or_insert_with(Components::new);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The session token from `POST /api/v1/auth/login`, as `Authorization: Bearer …`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            COOKIE,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "The same session token in the HttpOnly cookie that signing in sets for \
                 browsers; requests that change data must then come from this site's origin.",
            ))),
        );
        for schema in components.schemas.values_mut() {
            if let RefOr::T(Schema::Object(object)) = schema {
                for property in object.properties.values_mut() {
                    unwrap_described(property);
                }
            }
            crate::constraints::refuse_nul(schema);
        }
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.head,
                &mut item.options,
                &mut item.trace,
            ];
            for operation in operations.into_iter().flatten() {
                let answers = operation
                    .operation_id
                    .as_deref()
                    .and_then(|id| table.get(id));
                for parameter in operation.parameters.iter_mut().flatten() {
                    if let RefOr::T(parameter) = parameter
                        && let Some(schema) = parameter.schema.as_mut()
                    {
                        crate::constraints::refuse_nul(schema);
                    }
                }
                if let Some(answers) = answers {
                    describe(operation, answers);
                    secure(operation, answers.access());
                }
                link(operation);
            }
        }
    }
}

fn describe(operation: &mut Operation, answers: &Answers) {
    let codes: Vec<&str> = answers.codes().into_iter().map(|c| c.as_str()).collect();
    operation
        .extensions
        .get_or_insert_with(Default::default)
        .insert("x-problem-codes".to_owned(), serde_json::json!(codes));
    for (status, codes) in answers.by_status() {
        let listed = codes
            .iter()
            .map(|code| format!("`{code}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let listed = format!("Problem codes: {listed}.");
        match operation.responses.responses.entry(status.to_string()) {
            Entry::Occupied(entry) => {
                if let RefOr::T(response) = entry.into_mut() {
                    response.description = if response.description.is_empty() {
                        listed
                    } else {
                        format!("{} {listed}", response.description)
                    };
                    response
                        .content
                        .entry(PROBLEM_JSON.to_owned())
                        .or_insert_with(|| RefOr::T(problem_content()));
                }
            }
            Entry::Vacant(entry) => {
                let reason = StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("Error");
                entry.insert(RefOr::T(
                    ResponseBuilder::new()
                        .description(format!("{reason}. {listed}"))
                        .content(PROBLEM_JSON, problem_content())
                        .build(),
                ));
            }
        }
    }
}

/// A way from what an operation answers to the next operation on the same
/// thing: `(operation, link, target operation, parameter or body field,
/// where in the answer its value is)`. Generated clients and contract
/// testers follow them from creating a resource to reading and changing it.
pub const LINKS: &[(&str, &str, &str, Target, &str)] = &[
    (
        "create_course",
        "GetCourse",
        "get_course",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_course",
        "UpdateCourse",
        "update_course",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_course",
        "PublishCourse",
        "publish_course",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_course",
        "ArchiveCourse",
        "archive_course",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_course",
        "DeleteCourse",
        "delete_course",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_course",
        "AddMaterial",
        "create_material",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_course",
        "ReorderMaterials",
        "reorder_materials",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_course",
        "OfferSlots",
        "create_slots",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_course",
        "ListSlots",
        "course_slots",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_course",
        "Enroll",
        "enroll",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_course",
        "RateCourse",
        "rate_course",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_course",
        "ListRatings",
        "course_ratings",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_material",
        "UpdateMaterial",
        "update_material",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_material",
        "DeleteMaterial",
        "delete_material",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_slots",
        "UpdateSlot",
        "update_slot",
        Target::Path("id"),
        "/items/0/id",
    ),
    (
        "create_slots",
        "CancelSlot",
        "cancel_slot",
        Target::Path("id"),
        "/items/0/id",
    ),
    (
        "create_slots",
        "Book",
        "create_booking",
        Target::Body("slot_id"),
        "/items/0/id",
    ),
    (
        "create_booking",
        "GetBooking",
        "get_booking",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_booking",
        "CancelBooking",
        "cancel_booking",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_booking",
        "RescheduleBooking",
        "reschedule_booking",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_booking",
        "CompleteBooking",
        "complete_booking",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_booking",
        "NoShowBooking",
        "no_show_booking",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_booking",
        "Pay",
        "create_payment",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_booking",
        "ListPayments",
        "booking_payments",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_payment",
        "Capture",
        "capture_payment",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_payment",
        "Settle",
        "mark_payment",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_payment",
        "Refund",
        "create_refund",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_promo",
        "GetPromo",
        "get_promo",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_promo",
        "UpdatePromo",
        "update_promo",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_promo",
        "DeletePromo",
        "delete_promo",
        Target::Path("id"),
        "/id",
    ),
    (
        "create_promo",
        "PreviewPromo",
        "validate_promo",
        Target::Body("code"),
        "/code",
    ),
    (
        "enroll",
        "CancelEnrollment",
        "cancel_enrollment",
        Target::Path("id"),
        "/id",
    ),
    (
        "enroll",
        "ListProgress",
        "list_progress",
        Target::Path("id"),
        "/id",
    ),
    (
        "register",
        "UpdateUser",
        "update_user",
        Target::Path("id"),
        "/id",
    ),
    (
        "register",
        "UnlockUser",
        "unlock_user",
        Target::Path("id"),
        "/id",
    ),
    (
        "register",
        "InstructorSlots",
        "instructor_slots",
        Target::Path("id"),
        "/id",
    ),
    (
        "register",
        "InstructorRatings",
        "instructor_ratings",
        Target::Path("id"),
        "/id",
    ),
    (
        "new_calendar_token",
        "Feed",
        "calendar_feed",
        Target::Query("token"),
        "/token",
    ),
];

/// Where a link puts the value it carries.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    Path(&'static str),
    Query(&'static str),
    Body(&'static str),
}

/// Adds the operation's links to each of its successful responses.
fn link(operation: &mut Operation) {
    let Some(id) = operation.operation_id.clone() else {
        return;
    };
    for (status, response) in operation.responses.responses.iter_mut() {
        let (RefOr::T(response), true) = (response, status.starts_with('2')) else {
            continue;
        };
        for (_, name, target, to, from) in LINKS.iter().filter(|(source, ..)| *source == id) {
            let value = format!("$response.body#{from}");
            let builder = LinkBuilder::new().operation_id(*target);
            let builder = match to {
                Target::Path(name) => builder.parameter(format!("path.{name}"), value),
                Target::Query(name) => builder.parameter(format!("query.{name}"), value),
                Target::Body(field) => {
                    builder.request_body(Some(serde_json::json!({ *field: value })))
                }
            };
            response
                .links
                .insert((*name).to_owned(), RefOr::T(builder.build()));
        }
    }
}

/// utoipa documents a field whose inline schema (`value_type = …, inline`)
/// has a doc comment as `allOf: [schema, {type: object, description}]`,
/// which no string satisfies; the field is its schema, described.
fn unwrap_described(property: &mut RefOr<Schema>) {
    let RefOr::T(Schema::AllOf(all_of)) = property else {
        return;
    };
    let [inner, RefOr::T(Schema::Object(wrapper))] = all_of.items.as_slice() else {
        return;
    };
    if !wrapper.properties.is_empty() || wrapper.description.is_none() {
        return;
    }
    let description = wrapper.description.clone();
    let mut inner = inner.clone();
    match &mut inner {
        RefOr::T(Schema::Object(object)) => object.description = description,
        RefOr::T(Schema::OneOf(one_of)) => one_of.description = description,
        _ => return,
    }
    *property = inner;
}

/// Either credential opens a signed-in operation; an optional one also
/// admits anonymous callers (the empty requirement).
fn secure(operation: &mut Operation, access: Access) {
    let credentials =
        || [BEARER, COOKIE].map(|scheme| SecurityRequirement::new(scheme, Vec::<String>::new()));
    operation.security = match access {
        Access::Public => None,
        Access::Optional => Some(
            std::iter::once(SecurityRequirement::default())
                .chain(credentials())
                .collect(),
        ),
        Access::SignedIn => Some(credentials().to_vec()),
    };
}

fn problem_content() -> Content {
    Content::new(Some(Ref::from_schema_name("Problem")))
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
