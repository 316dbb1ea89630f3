//! Promo codes: created by admins (any scope) or instructors (their own
//! courses), previewed by students, applied when a booking is made.

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use medicaledu_app::PageRequest;
use medicaledu_app::promo::{self, PreviewError, PromoError, PromoInput};
use medicaledu_domain::{Id, Timestamp};
use medicaledu_store::promo::PromoRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, Meta};
use crate::pagination::{Page, PageParams};
use crate::problem::Answers;
use crate::problem::problems;
use crate::rate_limit::PerUser;
use crate::validate::nullable;
use crate::{ApiError, AppState, Ids, Json, Settings};

problems!(PromoError, PreviewError);

pub fn routes(settings: &Settings) -> OpenApiRouter<AppState> {
    let previews = PerUser::new(
        settings.promo_rate_limit_per_minute,
        "Too many promo code checks; try again later.",
    );
    OpenApiRouter::new()
        .routes(routes!(create_promo, list_promos))
        .routes(routes!(get_promo, update_promo, delete_promo))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(validate_promo))
                .layer(Extension(previews)),
        )
}

crate::problem::problem_codes! {
    create_promo => Answers::route().signed_in_write().json_body().failure::<PromoError>(),
    list_promos => Answers::route().signed_in().query().failure::<medicaledu_app::ReadError>(),
    get_promo => Answers::route().signed_in().path_ids().failure::<medicaledu_app::ReadError>(),
    update_promo => Answers::route().signed_in_write().path_ids().json_body().failure::<PromoError>(),
    delete_promo => Answers::route().signed_in_write().path_ids().failure::<PromoError>(),
    validate_promo => Answers::route()
        .signed_in_write()
        .json_body()
        .rate_limited()
        .failure::<medicaledu_app::promo::PreviewError>(),
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PromoCode {
    #[schema(value_type = String, format = Uuid)]
    pub id: Id,
    pub code: String,
    pub description: String,
    /// `percent` or `fixed`.
    pub discount_type: String,
    /// Percent points, or minor units of `currency` when fixed.
    pub value: i64,
    pub currency: Option<String>,
    pub min_order_minor: i64,
    pub max_redemptions: Option<i64>,
    pub max_redemptions_per_user: Option<i64>,
    pub redemption_count: i64,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub valid_from: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub valid_until: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub course_id: Option<Id>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub instructor_id: Option<Id>,
    pub is_active: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<PromoRow> for PromoCode {
    fn from(row: PromoRow) -> Self {
        PromoCode {
            id: row.id,
            code: row.code,
            description: row.description,
            discount_type: row.discount_type.as_str().to_owned(),
            value: row.value,
            currency: row.currency,
            min_order_minor: row.min_order_minor,
            max_redemptions: row.max_redemptions,
            max_redemptions_per_user: row.max_redemptions_per_user,
            redemption_count: row.redemption_count,
            valid_from: row.valid_from,
            valid_until: row.valid_until,
            course_id: row.course_id,
            instructor_id: row.instructor_id,
            is_active: row.is_active,
            created_at: row.created_at,
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromoRequest {
    #[schema(value_type = Option<crate::constraints::PromoCodeText>, inline)]
    pub code: Option<String>,
    pub description: Option<String>,
    /// `percent` or `fixed`.
    pub discount_type: Option<String>,
    pub value: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub currency: Option<Option<String>>,
    pub min_order_minor: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub max_redemptions: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub max_redemptions_per_user: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub valid_from: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub valid_until: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub course_id: Option<Option<Id>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub instructor_id: Option<Option<Id>>,
    pub is_active: Option<bool>,
}

impl From<PromoRequest> for PromoInput {
    fn from(body: PromoRequest) -> Self {
        PromoInput {
            code: body.code,
            description: body.description,
            discount_type: body.discount_type,
            value: body.value,
            currency: body.currency,
            min_order_minor: body.min_order_minor,
            max_redemptions: body.max_redemptions,
            max_redemptions_per_user: body.max_redemptions_per_user,
            valid_from: body.valid_from,
            valid_until: body.valid_until,
            course_id: body.course_id,
            instructor_id: body.instructor_id,
            is_active: body.is_active,
        }
    }
}

/// Create a promo code. Instructors' codes apply to their own courses only.
#[utoipa::path(
    post,
    path = "/api/v1/promo-codes",
    tag = "promo codes",
    request_body = PromoRequest,
    responses((status = 201, body = PromoCode), (status = 409, body = crate::Problem, content_type = "application/problem+json"), (status = 422, body = crate::Problem, content_type = "application/problem+json"))
)]
pub async fn create_promo(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Json(body): Json<PromoRequest>,
) -> Result<(StatusCode, Json<PromoCode>), ApiError> {
    let row = promo::create(&state, &auth, &meta, body.into()).await?;
    Ok((StatusCode::CREATED, Json(PromoCode::from(row))))
}

/// Codes you manage (admins: all), newest first.
#[utoipa::path(get, path = "/api/v1/promo-codes", tag = "promo codes", params(PageParams), responses((status = 200, body = Page<PromoCode>)))]
pub async fn list_promos(
    State(state): State<AppState>,
    auth: Authenticated,
    Query(paging): Query<PageParams>,
) -> Result<Json<Page<PromoCode>>, ApiError> {
    let paging = PageRequest::parse(paging.cursor.as_deref(), paging.limit)?;
    let rows = promo::list(&state, &auth, paging).await?;
    Ok(Json(Page::of(rows, PromoCode::from)))
}

/// One code you manage.
#[utoipa::path(get, path = "/api/v1/promo-codes/{id}", tag = "promo codes", params(("id" = String, Path, description = "Promo code id")), responses((status = 200, body = PromoCode), (status = 404, body = crate::Problem, content_type = "application/problem+json")))]
pub async fn get_promo(
    State(state): State<AppState>,
    auth: Authenticated,
    Ids(id): Ids<Id>,
) -> Result<Json<PromoCode>, ApiError> {
    Ok(Json(PromoCode::from(promo::get(&state, &auth, id).await?)))
}

/// Change a code's terms. Absent fields stay; `null` clears optional ones.
#[utoipa::path(patch, path = "/api/v1/promo-codes/{id}", tag = "promo codes", params(("id" = String, Path, description = "Promo code id")), request_body = PromoRequest, responses((status = 200, body = PromoCode), (status = 422, body = crate::Problem, content_type = "application/problem+json")))]
pub async fn update_promo(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(id): Ids<Id>,
    Json(body): Json<PromoRequest>,
) -> Result<Json<PromoCode>, ApiError> {
    let row = promo::update(&state, &auth, &meta, id, body.into()).await?;
    Ok(Json(PromoCode::from(row)))
}

/// Delete a code (soft: bookings that used it keep their record).
#[utoipa::path(delete, path = "/api/v1/promo-codes/{id}", tag = "promo codes", params(("id" = String, Path, description = "Promo code id")), responses((status = 204, description = "Deleted")))]
pub async fn delete_promo(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Ids(id): Ids<Id>,
) -> Result<StatusCode, ApiError> {
    promo::delete(&state, &auth, &meta, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateRequest {
    #[schema(value_type = crate::constraints::PromoCodeText, inline)]
    pub code: String,
    #[schema(value_type = String, format = Uuid)]
    pub slot_id: Id,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PromoPreview {
    pub code: String,
    pub list_price_minor: i64,
    pub discount_minor: i64,
    pub total_minor: i64,
    pub currency: String,
    pub display_total: String,
}

/// Preview what a code would take off a booking of a slot, or why it would not apply.
///
/// An unknown code and a code of another instructor or course get the same 404
/// `promo_not_found`. Limited per user
/// (`MEDICALEDU_PROMO_RATE_LIMIT_PER_MINUTE`).
#[utoipa::path(
    post,
    path = "/api/v1/promo-codes/validate",
    tag = "promo codes",
    request_body = ValidateRequest,
    responses(
        (status = 200, body = PromoPreview),
        (status = 404, description = "No such code for this slot", body = crate::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Why the code does not apply", body = crate::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many checks; see Retry-After", body = crate::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn validate_promo(
    State(state): State<AppState>,
    Extension(previews): Extension<PerUser>,
    auth: Authenticated,
    Json(body): Json<ValidateRequest>,
) -> Result<Json<PromoPreview>, ApiError> {
    previews.check(auth.id())?;
    let preview = promo::preview(&state, &auth, &body.code, body.slot_id).await?;
    Ok(Json(PromoPreview {
        code: preview.code,
        list_price_minor: preview.list_price_minor,
        discount_minor: preview.discount_minor,
        total_minor: preview.total_minor,
        currency: preview.currency,
        display_total: preview.display_total,
    }))
}
