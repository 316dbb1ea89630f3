//! Promo codes: created by admins (any scope) or instructors (their own
//! courses), previewed by students, applied when a booking is made.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use medicaledu_domain::{
    Currency, DiscountType, Id, Money, PromoCheck, PromoRefusal, PromoTerms, Timestamp,
};
use medicaledu_store::promo::{self, PromoFields, PromoRow, PromoWriteError};
use medicaledu_store::{Tx, courses, slots, users};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authenticated, Meta};
use crate::pagination::{Page, PageParams, page};
use crate::validate::{Fields, nullable};
use crate::{ApiError, AppState, FieldError, Json};
use medicaledu_app::audit::{self, Change};

const MAX_FIXED_MINOR: i64 = 10_000_000_000;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_promo, list_promos))
        .routes(routes!(get_promo, update_promo, delete_promo))
        .routes(routes!(validate_promo))
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
            discount_type: row.discount_type,
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

/// The stored terms in the domain's words.
pub(crate) fn terms(row: &PromoRow) -> Result<PromoTerms, ApiError> {
    Ok(PromoTerms {
        discount_type: row
            .discount_type
            .parse()
            .map_err(|_| ApiError::internal("unknown discount type"))?,
        value: row.value,
        currency: row.currency.clone(),
        min_order_minor: row.min_order_minor,
        max_redemptions: row.max_redemptions,
        redemption_count: row.redemption_count,
        valid_from: row.valid_from.map(|t| *t.as_datetime()),
        valid_until: row.valid_until.map(|t| *t.as_datetime()),
        course_id: row.course_id,
        instructor_id: row.instructor_id,
        is_active: row.is_active,
    })
}

fn refused(refusal: &PromoRefusal) -> ApiError {
    ApiError::validation(vec![FieldError::new(
        "promo_code",
        refusal.code(),
        refusal.to_string(),
    )])
}

/// Applies a code to a new booking inside its transaction: checks the terms,
/// counts the redemption (never past the limit, even under concurrency),
/// enforces the per-student limit, and returns the code and the discount.
pub(crate) async fn redeem_for_booking(
    tx: &mut Tx,
    code: &str,
    student_id: Id,
    check: &PromoCheck<'_>,
    now: Timestamp,
) -> Result<(PromoRow, i64), ApiError> {
    let row = promo::find_by_code_tx(tx, code.trim())
        .await?
        .ok_or_else(not_found_code)?;
    let discount = terms(&row)?.apply(check).map_err(|r| refused(&r))?;
    if !promo::redeem(tx, row.id, now).await? {
        return Err(refused(&PromoRefusal::Exhausted));
    }
    if let Some(limit) = row.max_redemptions_per_user
        && promo::held_by_student(tx, row.id, student_id).await? >= limit
    {
        return Err(ApiError::validation(vec![FieldError::new(
            "promo_code",
            "promo_per_user_limit",
            "you have already used this code as often as it allows",
        )]));
    }
    Ok((row, discount))
}

fn not_found_code() -> ApiError {
    ApiError::validation(vec![FieldError::new(
        "promo_code",
        "promo_not_found",
        "no such code",
    )])
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromoRequest {
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

fn pick<T: Clone>(new: &Option<T>, current: Option<&T>) -> Option<T> {
    new.clone().or_else(|| current.cloned())
}

fn time(
    fields: &mut Fields,
    name: &str,
    value: &Option<Option<String>>,
    current: Option<Timestamp>,
) -> Option<Timestamp> {
    match value {
        Some(Some(v)) => match DateTime::parse_from_rfc3339(v) {
            Ok(at) => Some(Timestamp::from(at.with_timezone(&Utc))),
            Err(_) => {
                fields.reject(name, "invalid", "must be an RFC 3339 timestamp");
                None
            }
        },
        Some(None) => None,
        None => current,
    }
}

/// Merges and checks a create or update; scope rules depend on the caller.
async fn promo_fields(
    state: &AppState,
    auth: &Authenticated,
    body: &PromoRequest,
    current: Option<&PromoRow>,
) -> Result<PromoFields, ApiError> {
    let mut fields = Fields::default();
    let code = pick(
        &body.code.as_ref().map(|c| c.trim().to_owned()),
        current.map(|c| &c.code),
    );
    match &code {
        Some(c)
            if (3..=64).contains(&c.chars().count())
                && c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_') => {}
        Some(_) => fields.reject("code", "invalid", "3 to 64 letters, digits, - or _"),
        None => fields.reject("code", "required", "must not be empty"),
    }
    let description = pick(&body.description, current.map(|c| &c.description)).unwrap_or_default();
    if description.chars().count() > 500 {
        fields.reject(
            "description",
            "too_long",
            "must be at most 500 characters long",
        );
    }
    let discount_type = match pick(&body.discount_type, current.map(|c| &c.discount_type)) {
        Some(t) => fields.check("discount_type", t.parse::<DiscountType>()),
        None => {
            fields.reject(
                "discount_type",
                "required",
                "must be one of: percent, fixed",
            );
            None
        }
    };
    let value = pick(&body.value, current.map(|c| &c.value));
    match (discount_type, value) {
        (Some(DiscountType::Percent), Some(v)) if !(1..=100).contains(&v) => {
            fields.reject("value", "out_of_range", "a percent discount is 1 to 100")
        }
        (Some(DiscountType::Fixed), Some(v)) if !(1..=MAX_FIXED_MINOR).contains(&v) => fields
            .reject(
                "value",
                "out_of_range",
                "a fixed discount is a positive amount in minor units",
            ),
        (_, None) => fields.reject("value", "required", "must be given"),
        _ => {}
    }
    let currency = match &body.currency {
        Some(Some(c)) => fields
            .check("currency", Currency::parse(c))
            .map(|c| c.as_str().to_owned()),
        Some(None) => None,
        None => current.and_then(|c| c.currency.clone()),
    };
    match (discount_type, &currency) {
        (Some(DiscountType::Fixed), None) => {
            fields.reject("currency", "required", "a fixed discount needs a currency")
        }
        (Some(DiscountType::Percent), Some(_)) => fields.reject(
            "currency",
            "not_allowed",
            "a percent discount has no currency",
        ),
        _ => {}
    }
    let min_order_minor =
        pick(&body.min_order_minor, current.map(|c| &c.min_order_minor)).unwrap_or(0);
    if min_order_minor < 0 {
        fields.reject("min_order_minor", "out_of_range", "must not be negative");
    }
    let max_redemptions = match body.max_redemptions {
        Some(v) => v,
        None => current.and_then(|c| c.max_redemptions),
    };
    if max_redemptions.is_some_and(|m| m < 1) {
        fields.reject("max_redemptions", "out_of_range", "must be at least 1");
    }
    if let (Some(max), Some(current)) = (max_redemptions, current)
        && max < current.redemption_count
    {
        fields.reject(
            "max_redemptions",
            "below_redeemed",
            "must not be below the redemptions so far",
        );
    }
    let per_user = match body.max_redemptions_per_user {
        Some(v) => v,
        None => current.and_then(|c| c.max_redemptions_per_user),
    };
    if per_user.is_some_and(|m| m < 1) {
        fields.reject(
            "max_redemptions_per_user",
            "out_of_range",
            "must be at least 1",
        );
    }
    let valid_from = time(
        &mut fields,
        "valid_from",
        &body.valid_from,
        current.and_then(|c| c.valid_from),
    );
    let valid_until = time(
        &mut fields,
        "valid_until",
        &body.valid_until,
        current.and_then(|c| c.valid_until),
    );
    if let (Some(from), Some(until)) = (valid_from, valid_until)
        && until <= from
    {
        fields.reject("valid_until", "invalid", "must be after valid_from");
    }
    let course_id = match body.course_id {
        Some(v) => v,
        None => current.and_then(|c| c.course_id),
    };
    let mut instructor_id = match body.instructor_id {
        Some(v) => v,
        None => current.and_then(|c| c.instructor_id),
    };
    if let Some(course) = course_id {
        match courses::find_live(&state.db, course).await? {
            Some(c) if auth.is_admin() || c.instructor_id == auth.user.id => {}
            _ => fields.reject(
                "course_id",
                "invalid",
                "must be a live course you may manage",
            ),
        }
    }
    if !auth.is_admin() {
        // An instructor's code only ever reaches their own courses.
        match instructor_id {
            Some(i) if i != auth.user.id => fields.reject(
                "instructor_id",
                "not_allowed",
                "instructors create codes for their own courses",
            ),
            _ => instructor_id = Some(auth.user.id),
        }
    } else if let Some(instructor) = instructor_id
        && users::find_live_by_id(&state.db, instructor)
            .await?
            .is_none_or(|u| u.role != medicaledu_domain::Role::Instructor)
    {
        fields.reject(
            "instructor_id",
            "invalid",
            "must be a live instructor account",
        );
    }
    fields.finish()?;
    Ok(PromoFields {
        code: code.unwrap_or_default(),
        description,
        discount_type: discount_type
            .map(DiscountType::as_str)
            .unwrap_or_default()
            .to_owned(),
        value: value.unwrap_or_default(),
        currency,
        min_order_minor,
        max_redemptions,
        max_redemptions_per_user: per_user,
        valid_from,
        valid_until,
        course_id,
        instructor_id,
        is_active: pick(&body.is_active, current.map(|c| &c.is_active)).unwrap_or(true),
    })
}

fn write_error(e: PromoWriteError) -> ApiError {
    match e {
        PromoWriteError::CodeTaken => {
            ApiError::conflict("promo_code_taken", "Another live code is spelled the same.")
        }
        PromoWriteError::Constraint => ApiError::conflict(
            "promo_constraint",
            "These terms contradict the code's redemptions.",
        ),
        PromoWriteError::Database(e) => ApiError::from(e),
    }
}

fn may_manage(auth: &Authenticated) -> Result<(), ApiError> {
    if auth.is_admin() || auth.user.role == medicaledu_domain::Role::Instructor {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Only admins and instructors manage promo codes.",
        ))
    }
}

/// A live code the caller may manage (admins: any; instructors: their own), or 404.
async fn manageable(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
) -> Result<PromoRow, ApiError> {
    may_manage(auth)?;
    let id: Id = id.parse().map_err(|_| ApiError::not_found("Promo code"))?;
    promo::find_live(&state.db, id)
        .await?
        .filter(|p| auth.is_admin() || p.created_by == auth.user.id)
        .ok_or_else(|| ApiError::not_found("Promo code"))
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
    may_manage(&auth)?;
    let values = promo_fields(&state, &auth, &body, None).await?;
    let now = Timestamp::now();
    let id = Id::generate();
    let mut tx = state.db.begin_write().await?;
    let row = promo::insert(&mut tx, id, &values, auth.user.id, now)
        .await
        .map_err(write_error)?;
    audit::record(&mut tx, &meta, now, Change {
        actor: Some(auth.user.id),
        action: "promo_code.created",
        entity_type: "promo_code",
        entity_id: id,
        changes: json!({ "code": row.code, "discount_type": row.discount_type, "value": row.value, "currency": row.currency, "max_redemptions": row.max_redemptions }),
    })
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(PromoCode::from(row))))
}

/// Codes you manage (admins: all), newest first.
#[utoipa::path(get, path = "/api/v1/promo-codes", tag = "promo codes", params(PageParams), responses((status = 200, body = Page<PromoCode>)))]
pub async fn list_promos(
    State(state): State<AppState>,
    auth: Authenticated,
    Query(paging): Query<PageParams>,
) -> Result<Json<Page<PromoCode>>, ApiError> {
    may_manage(&auth)?;
    let limit = paging.limit()?;
    let owner = (!auth.is_admin()).then_some(auth.user.id);
    let rows = promo::list(&state.db, owner, paging.after()?, limit + 1).await?;
    Ok(Json(page(
        rows,
        limit,
        |r| (r.created_at, r.id),
        PromoCode::from,
    )))
}

/// One code you manage.
#[utoipa::path(get, path = "/api/v1/promo-codes/{id}", tag = "promo codes", params(("id" = String, Path, description = "Promo code id")), responses((status = 200, body = PromoCode), (status = 404, body = crate::Problem, content_type = "application/problem+json")))]
pub async fn get_promo(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<PromoCode>, ApiError> {
    Ok(Json(PromoCode::from(manageable(&state, &auth, &id).await?)))
}

/// Change a code's terms. Absent fields stay; `null` clears optional ones.
#[utoipa::path(patch, path = "/api/v1/promo-codes/{id}", tag = "promo codes", params(("id" = String, Path, description = "Promo code id")), request_body = PromoRequest, responses((status = 200, body = PromoCode), (status = 422, body = crate::Problem, content_type = "application/problem+json")))]
pub async fn update_promo(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Path(id): Path<String>,
    Json(body): Json<PromoRequest>,
) -> Result<Json<PromoCode>, ApiError> {
    let before = manageable(&state, &auth, &id).await?;
    let values = promo_fields(&state, &auth, &body, Some(&before)).await?;
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    let after = promo::update(&mut tx, before.id, &values, now)
        .await
        .map_err(write_error)?
        .ok_or_else(|| ApiError::not_found("Promo code"))?;
    audit::record(&mut tx, &meta, now, Change {
        actor: Some(auth.user.id),
        action: "promo_code.updated",
        entity_type: "promo_code",
        entity_id: after.id,
        changes: json!({
            "value": { "before": before.value, "after": after.value },
            "max_redemptions": { "before": before.max_redemptions, "after": after.max_redemptions },
            "is_active": { "before": before.is_active, "after": after.is_active },
            "valid_until": { "before": before.valid_until, "after": after.valid_until },
        }),
    })
    .await?;
    tx.commit().await?;
    Ok(Json(PromoCode::from(after)))
}

/// Delete a code (soft: bookings that used it keep their record).
#[utoipa::path(delete, path = "/api/v1/promo-codes/{id}", tag = "promo codes", params(("id" = String, Path, description = "Promo code id")), responses((status = 204, description = "Deleted")))]
pub async fn delete_promo(
    State(state): State<AppState>,
    auth: Authenticated,
    Meta(meta): Meta,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let row = manageable(&state, &auth, &id).await?;
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    promo::soft_delete(&mut tx, row.id, now).await?;
    audit::record(
        &mut tx,
        &meta,
        now,
        Change {
            actor: Some(auth.user.id),
            action: "promo_code.deleted",
            entity_type: "promo_code",
            entity_id: row.id,
            changes: json!({ "code": row.code, "deleted_at": now }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateRequest {
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

/// Preview what a code would take off a booking of a slot, or exactly why it would not apply.
#[utoipa::path(post, path = "/api/v1/promo-codes/validate", tag = "promo codes", request_body = ValidateRequest, responses((status = 200, body = PromoPreview), (status = 422, description = "Why the code does not apply", body = crate::Problem, content_type = "application/problem+json")))]
pub async fn validate_promo(
    State(state): State<AppState>,
    auth: Authenticated,
    Json(body): Json<ValidateRequest>,
) -> Result<Json<PromoPreview>, ApiError> {
    let slot = slots::find_live(&state.db, body.slot_id)
        .await?
        .ok_or_else(|| {
            ApiError::validation(vec![FieldError::new("slot_id", "invalid", "no such slot")])
        })?;
    let course = courses::find_live(&state.db, slot.course_id)
        .await?
        .ok_or_else(|| {
            ApiError::validation(vec![FieldError::new("slot_id", "invalid", "no such slot")])
        })?;
    let row = promo::find_by_code(&state.db, body.code.trim())
        .await?
        .ok_or_else(not_found_code)?;
    let check = PromoCheck {
        list_minor: slot.price_minor,
        currency: &slot.currency,
        course_id: course.id,
        instructor_id: course.instructor_id,
        now: Utc::now(),
    };
    let discount = terms(&row)?.apply(&check).map_err(|r| refused(&r))?;
    if let Some(limit) = row.max_redemptions_per_user
        && promo::held_by_student_now(&state.db, row.id, auth.user.id).await? >= limit
    {
        return Err(ApiError::validation(vec![FieldError::new(
            "promo_code",
            "promo_per_user_limit",
            "you have already used this code as often as it allows",
        )]));
    }
    let total = slot.price_minor - discount;
    let display_total = Currency::parse(&slot.currency)
        .ok()
        .and_then(|c| Money::new(total, c).ok())
        .map_or_else(|| format!("{} {total}", slot.currency), |m| m.display());
    Ok(Json(PromoPreview {
        code: row.code,
        list_price_minor: slot.price_minor,
        discount_minor: discount,
        total_minor: total,
        currency: slot.currency,
        display_total,
    }))
}
