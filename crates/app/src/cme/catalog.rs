//! Providers (set by admins), and the CME side of a course (set by its
//! instructor or an admin): the activity, its topics and its designations.

use medicaledu_domain::{ActivityFormat, CertificateKind, FieldIssue, Id, Profession, Timestamp};
use medicaledu_domain::{ClaimStep, CreditAmount, CreditTypeName, Designation, Statement, Topic};
use medicaledu_store::cme::activities::{
    self, ActivityFields, ActivityRow, ActivityWriteError, DesignationFields, DesignationRow,
    DesignationWriteError,
};
use medicaledu_store::cme::providers::{self, ProviderFields, ProviderRow, ProviderWriteError};
use serde_json::json;

use super::{may_manage_course, parse_date};
use crate::audit::{self, Change};
use crate::{Actor, AppContext, Fields, Forbidden, Internal, Invalid, ReadError, RequestMeta};

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("{0} not found.")]
    NotFound(&'static str),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("A live provider already has this name.")]
    ProviderNameTaken,
    #[error("The activity already designates this credit type.")]
    CreditTypeTaken,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(SetupError);

crate::failure!(SetupError {
    NotFound(_) => NotFound,
    ProviderNameTaken => ProviderNameTaken,
    CreditTypeTaken => CreditTypeTaken,
} wraps {
    Forbidden(Forbidden),
    Invalid(Invalid),
    Internal(Internal),
});

/// A provider as an admin sets it.
#[derive(Clone, Debug)]
pub struct ProviderInput {
    pub name: String,
    pub accreditor: String,
    pub accreditation_statement: String,
    /// `YYYY-MM-DD`: the accreditation's last day.
    pub valid_until: Option<String>,
}

fn short_text(fields: &mut Fields, field: &str, text: &str, max: usize) -> Option<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        fields.push(crate::FieldError::from_issue(field, FieldIssue::required()));
        None
    } else if trimmed.chars().any(char::is_control) {
        fields.push(crate::FieldError::new(
            field,
            "invalid",
            "must be one line without control characters",
        ));
        None
    } else if trimmed.chars().count() > max {
        fields.push(crate::FieldError::new(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        ));
        None
    } else {
        Some(trimmed.to_owned())
    }
}

fn parse_provider(
    input: &ProviderInput,
) -> Result<(String, String, Statement, Option<Timestamp>), Invalid> {
    let mut fields = Fields::default();
    let name = short_text(&mut fields, "name", &input.name, 200);
    let accreditor = short_text(&mut fields, "accreditor", &input.accreditor, 200);
    let statement = fields.check(
        "accreditation_statement",
        Statement::parse(&input.accreditation_statement),
    );
    let valid_until = match input.valid_until.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => fields
            .check("valid_until", parse_date(text))
            .map(|day| super::day_start(day + chrono::Days::new(1))),
    };
    fields.finish()?;
    match (name, accreditor, statement) {
        (Some(name), Some(accreditor), Some(statement)) => {
            Ok((name, accreditor, statement, valid_until))
        }
        _ => Err(Invalid::default()),
    }
}

pub async fn create_provider(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    input: ProviderInput,
) -> Result<ProviderRow, SetupError> {
    actor.require_admin()?;
    let (name, accreditor, statement, valid_until) = parse_provider(&input)?;
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let fields = ProviderFields {
        name: &name,
        accreditor: &accreditor,
        accreditation_statement: statement.as_str(),
        valid_until,
    };
    let row = providers::insert(&mut tx, Id::generate(), &fields, now)
        .await
        .map_err(provider_error)?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "cme_provider.created",
            entity_type: "cme_provider",
            entity_id: row.id,
            changes: json!({ "name": row.name, "accreditor": row.accreditor }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn update_provider(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    id: Id,
    input: ProviderInput,
) -> Result<ProviderRow, SetupError> {
    actor.require_admin()?;
    let (name, accreditor, statement, valid_until) = parse_provider(&input)?;
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let fields = ProviderFields {
        name: &name,
        accreditor: &accreditor,
        accreditation_statement: statement.as_str(),
        valid_until,
    };
    let row = providers::update(&mut tx, id, &fields, now)
        .await
        .map_err(provider_error)?
        .ok_or(SetupError::NotFound("Provider"))?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "cme_provider.updated",
            entity_type: "cme_provider",
            entity_id: row.id,
            changes: json!({ "name": row.name, "accreditor": row.accreditor }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

fn provider_error(e: ProviderWriteError) -> SetupError {
    match e {
        ProviderWriteError::NameTaken => SetupError::ProviderNameTaken,
        ProviderWriteError::Database(e) => SetupError::from(e),
    }
}

/// Live providers; any signed-in user may read them (their statements are
/// printed on public certificates anyway).
pub async fn list_providers(ctx: &AppContext) -> Result<Vec<ProviderRow>, ReadError> {
    Ok(providers::list(&ctx.db).await?)
}

/// The CME side of a course as its instructor sets it.
#[derive(Clone, Debug)]
pub struct ActivityInput {
    pub provider_id: Id,
    pub format: String,
    pub release_on: String,
    pub expires_on: Option<String>,
    pub disclosure: String,
    pub topics: Vec<String>,
}

/// An activity with its topics and live designations.
#[derive(Clone, Debug)]
pub struct ActivityView {
    pub activity: ActivityRow,
    pub provider: ProviderRow,
    pub topics: Vec<String>,
    pub designations: Vec<DesignationRow>,
}

/// Makes the course a CME activity, or changes it.
pub async fn set_activity(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    course_id: Id,
    input: ActivityInput,
) -> Result<ActivityView, SetupError> {
    match may_manage_course(ctx, actor, course_id).await? {
        None | Some(false) => return Err(SetupError::NotFound("Course")),
        Some(true) => {}
    }
    let mut fields = Fields::default();
    let format = fields.check("format", input.format.parse::<ActivityFormat>());
    let release_on = fields.check("release_on", parse_date(&input.release_on));
    let expires_on = match input.expires_on.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => fields.check("expires_on", parse_date(text)),
    };
    if let (Some(release), Some(expiry)) = (release_on, expires_on)
        && expiry < release
    {
        fields.reject("expires_on", "invalid", "must not be before release_on");
    }
    if input.disclosure.chars().count() > 5000 {
        fields.reject("disclosure", "too_long", "must be at most 5000 characters");
    }
    let mut topics = Vec::new();
    for (i, text) in input.topics.iter().enumerate() {
        if let Some(topic) = fields.check(&format!("topics[{i}]"), Topic::parse(text)) {
            if topics.contains(&topic) {
                fields.reject(
                    &format!("topics[{i}]"),
                    "invalid",
                    "must not list a topic twice",
                );
            } else {
                topics.push(topic);
            }
        }
    }
    fields.finish()?;
    let (Some(format), Some(release_on)) = (format, release_on) else {
        return Err(Invalid::default().into());
    };
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let provider = providers::find_tx(&mut tx, input.provider_id)
        .await?
        .ok_or_else(|| Invalid::one("provider_id", "not_found", "no such provider"))?;
    let values = ActivityFields {
        provider_id: provider.id,
        format,
        release_on,
        expires_on,
        disclosure: input.disclosure.trim(),
    };
    let (activity, action) = match activities::find_by_course_tx(&mut tx, course_id).await? {
        Some(existing) => (
            activities::update(&mut tx, existing.id, &values, now)
                .await?
                .ok_or(SetupError::NotFound("Activity"))?,
            "cme_activity.updated",
        ),
        None => (
            activities::insert(&mut tx, Id::generate(), course_id, &values, now)
                .await
                .map_err(|e| match e {
                    // Another request made the course an activity first.
                    ActivityWriteError::CourseTaken => SetupError::Internal(Internal::invariant(
                        "the course became an activity concurrently",
                    )),
                    ActivityWriteError::Database(e) => SetupError::from(e),
                })?,
            "cme_activity.created",
        ),
    };
    let topic_texts: Vec<&str> = topics.iter().map(Topic::as_str).collect();
    activities::set_topics(&mut tx, activity.id, &topic_texts).await?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action,
            entity_type: "cme_activity",
            entity_id: activity.id,
            changes: json!({
                "course_id": course_id,
                "provider_id": provider.id,
                "format": format,
                "release_on": release_on,
                "expires_on": expires_on,
                "topics": topic_texts,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(ActivityView {
        designations: activities::designations(&ctx.db, activity.id).await?,
        topics: topic_texts.iter().map(|t| (*t).to_owned()).collect(),
        activity,
        provider,
    })
}

/// The course's activity, for anyone who may see the course.
pub async fn activity_of_course(
    ctx: &AppContext,
    course_id: Id,
) -> Result<ActivityView, ReadError> {
    let activity = activities::find_by_course(&ctx.db, course_id)
        .await?
        .ok_or(ReadError::NotFound("CME activity"))?;
    let provider = providers::find(&ctx.db, activity.provider_id)
        .await?
        .ok_or(ReadError::NotFound("CME activity"))?;
    Ok(ActivityView {
        topics: activities::topics(&ctx.db, activity.id).await?,
        designations: activities::designations(&ctx.db, activity.id).await?,
        activity,
        provider,
    })
}

/// A designation as set by the instructor, in the provider's words.
#[derive(Clone, Debug)]
pub struct DesignationInput {
    /// `credit` or `participation`.
    pub kind: String,
    pub credit_type: String,
    /// Decimal credits, e.g. `1.5`; zero for participation.
    pub max_credits: String,
    pub step: String,
    pub statement: String,
    pub professions: Vec<String>,
}

fn parse_designation(input: &DesignationInput) -> Result<Designation, Invalid> {
    let mut fields = Fields::default();
    let kind = fields.check("kind", input.kind.parse::<CertificateKind>());
    let credit_type = fields.check("credit_type", CreditTypeName::parse(&input.credit_type));
    let maximum = fields.check("max_credits", CreditAmount::parse(&input.max_credits));
    let step = fields.check("step", ClaimStep::parse(&input.step));
    let statement = fields.check("statement", Statement::parse(&input.statement));
    let mut professions = Vec::new();
    for (i, text) in input.professions.iter().enumerate() {
        if let Some(p) = fields.check(&format!("professions[{i}]"), text.parse::<Profession>()) {
            professions.push(p);
        }
    }
    fields.finish()?;
    let (Some(kind), Some(credit_type), Some(maximum), Some(step), Some(statement)) =
        (kind, credit_type, maximum, step, statement)
    else {
        return Err(Invalid::default());
    };
    let designation = Designation {
        kind,
        credit_type,
        maximum,
        step,
        statement,
        professions,
    };
    designation.validate().map_err(|issues| {
        Invalid(
            issues
                .into_iter()
                .map(|(field, issue)| {
                    let field = if field == "maximum" {
                        "max_credits"
                    } else {
                        field
                    };
                    crate::FieldError::from_issue(field, issue)
                })
                .collect(),
        )
    })?;
    Ok(designation)
}

/// The domain's view of a stored designation.
pub(crate) fn designation_of(row: &DesignationRow) -> Result<Designation, Internal> {
    let broken = |what: &str| Internal::invariant(format!("stored designation {}: {what}", row.id));
    Ok(Designation {
        kind: row.kind,
        credit_type: CreditTypeName::parse(&row.credit_type).map_err(|_| broken("credit type"))?,
        maximum: CreditAmount::from_hundredths(row.max_credit_hundredths)
            .map_err(|_| broken("maximum"))?,
        step: CreditAmount::from_hundredths(row.step_hundredths)
            .ok()
            .and_then(|step| ClaimStep::try_from(step).ok())
            .ok_or_else(|| broken("step"))?,
        statement: Statement::parse(&row.statement).map_err(|_| broken("statement"))?,
        professions: row.professions.clone(),
    })
}

async fn activity_for_manager(
    ctx: &AppContext,
    actor: &Actor,
    course_id: Id,
) -> Result<ActivityRow, SetupError> {
    match may_manage_course(ctx, actor, course_id).await? {
        None | Some(false) => return Err(SetupError::NotFound("Course")),
        Some(true) => {}
    }
    activities::find_by_course(&ctx.db, course_id)
        .await?
        .ok_or(SetupError::NotFound("CME activity"))
}

pub async fn add_designation(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    course_id: Id,
    input: DesignationInput,
) -> Result<DesignationRow, SetupError> {
    let activity = activity_for_manager(ctx, actor, course_id).await?;
    let designation = parse_designation(&input)?;
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let fields = designation_fields(&designation);
    let row = activities::insert_designation(&mut tx, Id::generate(), activity.id, &fields, now)
        .await
        .map_err(designation_error)?;
    audit_designation(&mut tx, meta, now, actor, &row, "cme_designation.created").await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn update_designation(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    course_id: Id,
    designation_id: Id,
    input: DesignationInput,
) -> Result<DesignationRow, SetupError> {
    let activity = activity_for_manager(ctx, actor, course_id).await?;
    let designation = parse_designation(&input)?;
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let current = activities::find_designation_tx(&mut tx, designation_id)
        .await?
        .filter(|d| d.activity_id == activity.id)
        .ok_or(SetupError::NotFound("Designation"))?;
    let fields = designation_fields(&designation);
    let row = activities::update_designation(&mut tx, current.id, &fields, now)
        .await
        .map_err(designation_error)?
        .ok_or(SetupError::NotFound("Designation"))?;
    audit_designation(&mut tx, meta, now, actor, &row, "cme_designation.updated").await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn delete_designation(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    course_id: Id,
    designation_id: Id,
) -> Result<(), SetupError> {
    let activity = activity_for_manager(ctx, actor, course_id).await?;
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let current = activities::find_designation_tx(&mut tx, designation_id)
        .await?
        .filter(|d| d.activity_id == activity.id)
        .ok_or(SetupError::NotFound("Designation"))?;
    activities::delete_designation(&mut tx, current.id, now).await?;
    audit_designation(
        &mut tx,
        meta,
        now,
        actor,
        &current,
        "cme_designation.deleted",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn designation_fields(designation: &Designation) -> DesignationFields<'_> {
    DesignationFields {
        kind: designation.kind,
        credit_type: designation.credit_type.as_str(),
        max_credit_hundredths: designation.maximum.hundredths(),
        step_hundredths: CreditAmount::from(designation.step).hundredths(),
        statement: designation.statement.as_str(),
        professions: &designation.professions,
    }
}

fn designation_error(e: DesignationWriteError) -> SetupError {
    match e {
        DesignationWriteError::TypeTaken => SetupError::CreditTypeTaken,
        DesignationWriteError::Database(e) => SetupError::from(e),
    }
}

async fn audit_designation(
    tx: &mut medicaledu_store::Tx,
    meta: &RequestMeta,
    now: Timestamp,
    actor: &Actor,
    row: &DesignationRow,
    action: &str,
) -> Result<(), Internal> {
    audit::record(
        tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action,
            entity_type: "cme_designation",
            entity_id: row.id,
            changes: json!({
                "activity_id": row.activity_id,
                "kind": row.kind,
                "credit_type": row.credit_type,
                "max_credit_hundredths": row.max_credit_hundredths,
                "step_hundredths": row.step_hundredths,
                "professions": row.professions,
            }),
        },
    )
    .await
}
