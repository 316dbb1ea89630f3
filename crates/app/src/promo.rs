//! Promo codes: created by admins (any scope) or instructors (their own
//! courses), previewed by students, applied when a booking is made.

use chrono::{DateTime, Utc};
use medicaledu_domain::{
    Currency, DiscountType, Id, Money, PromoCheck, PromoRefusal, PromoScope, PromoTerms, Role,
    Timestamp,
};
use medicaledu_store::promo::{
    self, ListedPromo, PromoFields, PromoFilter, PromoRow, PromoWriteError,
};
use medicaledu_store::{Tx, courses, slots, users};
use serde_json::json;

use crate::audit::{self, Change};
use crate::{
    Actor, AppContext, Fields, Forbidden, Internal, Invalid, Page, PageRequest, ReadError,
    RequestMeta, page,
};

const MAX_FIXED_MINOR: i64 = 10_000_000_000;

/// A code's terms as a caller writes them. On update, `None` keeps the
/// current value and `Some(None)` clears an optional one.
#[derive(Clone, Debug, Default)]
pub struct PromoInput {
    pub code: Option<String>,
    pub description: Option<String>,
    /// `percent` or `fixed`.
    pub discount_type: Option<String>,
    pub value: Option<i64>,
    pub currency: Option<Option<String>>,
    pub min_order_minor: Option<i64>,
    pub max_redemptions: Option<Option<i64>>,
    pub max_redemptions_per_user: Option<Option<i64>>,
    pub valid_from: Option<Option<String>>,
    pub valid_until: Option<Option<String>>,
    pub course_id: Option<Option<Id>>,
    pub instructor_id: Option<Option<Id>>,
    pub is_active: Option<bool>,
}

/// Why a code could not be created, changed or deleted.
#[derive(Debug, thiserror::Error)]
pub enum PromoError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("Promo code not found.")]
    NotFound,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("Another live code is spelled the same.")]
    CodeTaken,
    #[error("These terms contradict the code's redemptions.")]
    Constraint,
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(PromoError);

crate::failure!(PromoError {
    NotFound => NotFound,
    CodeTaken => PromoCodeTaken,
    Constraint => PromoConstraint,
} wraps {
    Forbidden(Forbidden),
    Invalid(Invalid),
    Internal(Internal),
});

impl From<PromoWriteError> for PromoError {
    fn from(e: PromoWriteError) -> Self {
        match e {
            PromoWriteError::CodeTaken => PromoError::CodeTaken,
            PromoWriteError::Constraint => PromoError::Constraint,
            PromoWriteError::Database(e) => e.into(),
        }
    }
}

/// The stored terms in the domain's words.
pub fn terms(row: &PromoRow) -> PromoTerms {
    PromoTerms {
        discount_type: row.discount_type,
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
    }
}

fn refused(refusal: &PromoRefusal) -> Invalid {
    Invalid::one("promo_code", refusal.code(), refusal.to_string())
}

fn not_found_code() -> Invalid {
    Invalid::one("promo_code", "promo_not_found", "no such code")
}

fn per_user_limit() -> Invalid {
    Invalid::one(
        "promo_code",
        "promo_per_user_limit",
        "you have already used this code as often as it allows",
    )
}

/// Applies a code to a new booking inside its transaction: checks the terms,
/// counts the redemption (never past the limit, even under concurrency),
/// enforces the per-student limit, and returns the code and the discount.
/// The outer error is the store's, the inner one why the code does not apply.
pub async fn redeem_for_booking(
    tx: &mut Tx,
    code: &str,
    student_id: Id,
    check: &PromoCheck<'_>,
    now: Timestamp,
) -> Result<Result<(PromoRow, i64), Invalid>, Internal> {
    let Some(row) = promo::find_by_code_tx(tx, code.trim()).await? else {
        return Ok(Err(not_found_code()));
    };
    let discount = match terms(&row).apply(check) {
        Ok(discount) => discount,
        Err(refusal) => return Ok(Err(refused(&refusal))),
    };
    if !promo::redeem(tx, row.id, now).await? {
        return Ok(Err(refused(&PromoRefusal::Exhausted)));
    }
    if let Some(limit) = row.max_redemptions_per_user
        && promo::held_by_student(tx, row.id, student_id).await? >= limit
    {
        return Ok(Err(per_user_limit()));
    }
    Ok(Ok((row, discount)))
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
    tx: &mut Tx,
    actor: &Actor,
    body: &PromoInput,
    current: Option<&PromoRow>,
) -> Result<PromoFields, PromoError> {
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
    let discount_type = match &body.discount_type {
        Some(t) => fields.check("discount_type", t.parse::<DiscountType>()),
        None => match current {
            Some(c) => Some(c.discount_type),
            None => {
                fields.reject(
                    "discount_type",
                    "required",
                    "must be one of: percent, fixed",
                );
                None
            }
        },
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
        match courses::find_live_tx(tx, course).await? {
            Some(c) if crate::courses::may_edit(actor, &c) => {}
            _ => fields.reject(
                "course_id",
                "invalid",
                "must be a live course you may manage",
            ),
        }
    }
    if !actor.is_admin() {
        // An instructor's code only ever reaches their own courses.
        match instructor_id {
            Some(i) if i != actor.id() => fields.reject(
                "instructor_id",
                "not_allowed",
                "instructors create codes for their own courses",
            ),
            _ => instructor_id = Some(actor.id()),
        }
    } else if let Some(instructor) = instructor_id
        && users::find_live_by_id_tx(tx, instructor)
            .await?
            .is_none_or(|u| u.role != Role::Instructor)
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
        discount_type: discount_type.unwrap_or(DiscountType::Percent),
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

fn may_manage(actor: &Actor) -> Result<(), Forbidden> {
    if actor.is_admin() || actor.is(Role::Instructor) {
        Ok(())
    } else {
        Err(Forbidden("Only admins and instructors manage promo codes."))
    }
}

/// Whether the actor manages this code: admins any, instructors their own.
fn manages(actor: &Actor, row: &PromoRow) -> bool {
    actor.is_admin() || row.created_by == actor.id()
}

/// Creates a code. Instructors' codes apply to their own courses only.
pub async fn create(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    input: PromoInput,
) -> Result<PromoRow, PromoError> {
    may_manage(actor)?;
    let now = ctx.now();
    let id = Id::generate();
    let mut tx = ctx.db.begin_write().await?;
    let values = promo_fields(&mut tx, actor, &input, None).await?;
    let row = promo::insert(&mut tx, id, &values, actor.id(), now).await?;
    audit::record(&mut tx, meta, now, Change {
        actor: Some(actor.id()),
        action: "promo_code.created",
        entity_type: "promo_code",
        entity_id: id,
        changes: json!({ "code": row.code, "discount_type": row.discount_type.as_str(), "value": row.value, "currency": row.currency, "max_redemptions": row.max_redemptions }),
    })
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// Codes the actor manages (admins: all), newest first.
pub async fn list(
    ctx: &AppContext,
    actor: &Actor,
    paging: PageRequest,
) -> Result<Page<PromoRow>, ReadError> {
    let listed = overview(ctx, actor, PromoListInput::default(), paging).await?;
    Ok(listed.map(|l| l.promo))
}

/// Which codes a list shows; unset filters show all.
#[derive(Clone, Debug, Default)]
pub struct PromoListInput {
    /// `platform`, `instructor` or `course`.
    pub scope: Option<String>,
    pub active: Option<bool>,
    /// Part of the code, any case.
    pub code: Option<String>,
}

/// Codes the actor manages (admins: all) that pass the filters, newest
/// first, each with the names of the course and instructor it reaches.
pub async fn overview(
    ctx: &AppContext,
    actor: &Actor,
    input: PromoListInput,
    paging: PageRequest,
) -> Result<Page<ListedPromo>, ReadError> {
    may_manage(actor)?;
    let mut fields = Fields::default();
    let scope = input
        .scope
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| fields.check("scope", s.parse::<PromoScope>()));
    fields.finish()?;
    let filter = PromoFilter {
        created_by: (!actor.is_admin()).then_some(actor.id()),
        scope,
        active: input.active,
        code: input
            .code
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty()),
        before: paging.after,
        limit: paging.limit + 1,
    };
    let rows = promo::list(&ctx.db, &filter).await?;
    Ok(page(rows, paging.limit, |r| {
        (r.promo.created_at, r.promo.id)
    }))
}

/// One code the actor manages, with the names it reaches, for its page.
pub async fn listed(ctx: &AppContext, actor: &Actor, id: Id) -> Result<ListedPromo, ReadError> {
    may_manage(actor)?;
    promo::find_listed(&ctx.db, id)
        .await?
        .filter(|l| manages(actor, &l.promo))
        .ok_or(ReadError::NotFound("Promo code"))
}

/// The course and instructor a code is to reach, as ids.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PromoTargets {
    pub course_id: Option<Id>,
    pub instructor_id: Option<Id>,
}

/// Finds the course by its slug and the instructor by their email, as an
/// administrator types them; unknown ones are refused under `course_id` and
/// `instructor_id`. Whether the code may reach them is decided when it is
/// saved.
pub async fn targets(
    ctx: &AppContext,
    actor: &Actor,
    course_slug: Option<&str>,
    instructor_email: Option<&str>,
) -> Result<PromoTargets, ReadError> {
    actor.require_admin()?;
    let mut fields = Fields::default();
    let mut targets = PromoTargets::default();
    if let Some(slug) = course_slug.map(str::trim).filter(|v| !v.is_empty()) {
        match courses::find_live_by_slug(&ctx.db, slug).await? {
            Some(course) => targets.course_id = Some(course.id),
            None => fields.reject("course_id", "unknown", "no live course has this address"),
        }
    }
    if let Some(email) = instructor_email.map(str::trim).filter(|v| !v.is_empty()) {
        match users::find_live_by_email(&ctx.db, email).await? {
            Some(user) => targets.instructor_id = Some(user.id),
            None => fields.reject("instructor_id", "unknown", "no live account has this email"),
        }
    }
    fields.finish()?;
    Ok(targets)
}

/// One code the actor manages.
pub async fn get(ctx: &AppContext, actor: &Actor, id: Id) -> Result<PromoRow, ReadError> {
    may_manage(actor)?;
    promo::find_live(&ctx.db, id)
        .await?
        .filter(|p| manages(actor, p))
        .ok_or(ReadError::NotFound("Promo code"))
}

/// A live code the actor manages, read inside the change's transaction.
async fn manageable(tx: &mut Tx, actor: &Actor, id: Id) -> Result<PromoRow, PromoError> {
    may_manage(actor)?;
    promo::find_live_tx(tx, id)
        .await?
        .filter(|p| manages(actor, p))
        .ok_or(PromoError::NotFound)
}

/// Changes a code's terms.
pub async fn update(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    id: Id,
    input: PromoInput,
) -> Result<PromoRow, PromoError> {
    may_manage(actor)?;
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let before = manageable(&mut tx, actor, id).await?;
    let values = promo_fields(&mut tx, actor, &input, Some(&before)).await?;
    let after = promo::update(&mut tx, before.id, &values, now)
        .await?
        .ok_or(PromoError::NotFound)?;
    audit::record(&mut tx, meta, now, Change {
        actor: Some(actor.id()),
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
    Ok(after)
}

/// The terms of a stored code, to write it back with one change.
fn stored_fields(row: &PromoRow) -> PromoFields {
    PromoFields {
        code: row.code.clone(),
        description: row.description.clone(),
        discount_type: row.discount_type,
        value: row.value,
        currency: row.currency.clone(),
        min_order_minor: row.min_order_minor,
        max_redemptions: row.max_redemptions,
        max_redemptions_per_user: row.max_redemptions_per_user,
        valid_from: row.valid_from,
        valid_until: row.valid_until,
        course_id: row.course_id,
        instructor_id: row.instructor_id,
        is_active: row.is_active,
    }
}

/// Deactivates a code (no new booking can use it; bookings that did keep
/// their discount) or makes it active again. Deactivating always succeeds,
/// even when the code's course has gone since; reactivating checks the
/// terms again, so a code cannot come back for a course no longer there.
/// Asking for the state a code is already in changes nothing.
pub async fn set_active(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    id: Id,
    active: bool,
) -> Result<PromoRow, PromoError> {
    may_manage(actor)?;
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let before = manageable(&mut tx, actor, id).await?;
    if before.is_active == active {
        return Ok(before);
    }
    let values = if active {
        let input = PromoInput {
            is_active: Some(true),
            ..PromoInput::default()
        };
        promo_fields(&mut tx, actor, &input, Some(&before)).await?
    } else {
        PromoFields {
            is_active: false,
            ..stored_fields(&before)
        }
    };
    let after = promo::update(&mut tx, before.id, &values, now)
        .await?
        .ok_or(PromoError::NotFound)?;
    audit::record(&mut tx, meta, now, Change {
        actor: Some(actor.id()),
        action: if active {
            "promo_code.activated"
        } else {
            "promo_code.deactivated"
        },
        entity_type: "promo_code",
        entity_id: after.id,
        changes: json!({ "is_active": { "before": before.is_active, "after": after.is_active } }),
    })
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Deletes a code (soft: bookings that used it keep their record).
pub async fn delete(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    id: Id,
) -> Result<(), PromoError> {
    may_manage(actor)?;
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let row = manageable(&mut tx, actor, id).await?;
    promo::soft_delete(&mut tx, row.id, now).await?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "promo_code.deleted",
            entity_type: "promo_code",
            entity_id: row.id,
            changes: json!({ "code": row.code, "deleted_at": now }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What a code would take off a booking of a slot.
#[derive(Clone, Debug)]
pub struct PromoPreview {
    pub code: String,
    pub list_price_minor: i64,
    pub discount_minor: i64,
    pub total_minor: i64,
    pub currency: String,
    pub display_total: String,
}

/// Why a preview shows no discount.
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    /// No such code, or a code of another instructor or course: the two
    /// answers are the same, so that previews cannot list others' codes.
    #[error("No such promo code.")]
    UnknownCode,
    /// The slot, or why a code that exists for this slot does not apply.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(PreviewError);

crate::failure!(PreviewError {
    UnknownCode => PromoNotFound,
} wraps {
    Invalid(Invalid),
    Internal(Internal),
});

/// Previews what a code would take off a booking of a slot, or why it would
/// not apply. Nothing is redeemed.
pub async fn preview(
    ctx: &AppContext,
    actor: &Actor,
    code: &str,
    slot_id: Id,
) -> Result<PromoPreview, PreviewError> {
    let no_slot = || Invalid::one("slot_id", "invalid", "no such slot");
    let slot = slots::find_live(&ctx.db, slot_id)
        .await?
        .ok_or_else(no_slot)?;
    let course = courses::find_live(&ctx.db, slot.course_id)
        .await?
        .ok_or_else(no_slot)?;
    let row = promo::find_by_code(&ctx.db, code.trim())
        .await?
        .ok_or(PreviewError::UnknownCode)?;
    let check = PromoCheck {
        list_minor: slot.price_minor,
        currency: &slot.currency,
        course_id: course.id,
        instructor_id: course.instructor_id,
        now: *ctx.now().as_datetime(),
    };
    let discount = terms(&row).apply(&check).map_err(|r| match r {
        PromoRefusal::OutOfScope => PreviewError::UnknownCode,
        other => refused(&other).into(),
    })?;
    if let Some(limit) = row.max_redemptions_per_user
        && promo::held_by_student_now(&ctx.db, row.id, actor.id()).await? >= limit
    {
        return Err(per_user_limit().into());
    }
    let total = slot.price_minor - discount;
    let display_total = Currency::parse(&slot.currency)
        .ok()
        .and_then(|c| Money::new(total, c).ok())
        .map_or_else(|| format!("{} {total}", slot.currency), |m| m.display());
    Ok(PromoPreview {
        code: row.code,
        list_price_minor: slot.price_minor,
        discount_minor: discount,
        total_minor: total,
        currency: slot.currency,
        display_total,
    })
}
