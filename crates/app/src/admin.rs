//! Administration of accounts and the audit log. Every operation here needs
//! an administrator.

use medicaledu_domain::{FieldIssue, Id, Role, Timestamp, UserStatus};
use medicaledu_store::audit::{self as audit_log, AuditFilter, AuditLogRow};
use medicaledu_store::bookings::{self as booking_rows, BookingFilter};
use medicaledu_store::sessions::{self, SessionRow};
use medicaledu_store::users::{self, UserFilter, UserRow};
use serde_json::{Value, json};

use crate::accounts::profile_diff;
use crate::audit::{self, Change};
use crate::dashboard::BookingDetail;
use crate::{Actor, AppContext, Fields, Page, PageRequest, ReadError, RequestMeta, page};

fn invalid_choice(choices: &str) -> FieldIssue {
    FieldIssue::invalid(format!("must be one of {choices}"))
}

fn parse_role(fields: &mut Fields, role: Option<&str>) -> Option<Role> {
    role.and_then(|role| {
        fields.check(
            "role",
            role.parse::<Role>()
                .map_err(|_| invalid_choice("student, instructor or admin")),
        )
    })
}

fn parse_status(fields: &mut Fields, status: Option<&str>) -> Option<UserStatus> {
    status.and_then(|status| {
        fields.check(
            "status",
            status
                .parse::<UserStatus>()
                .map_err(|_| invalid_choice("active or suspended")),
        )
    })
}

#[derive(Clone, Debug, Default)]
pub struct UserListInput {
    /// `student`, `instructor` or `admin`.
    pub role: Option<String>,
    /// `active` or `suspended`.
    pub status: Option<String>,
    /// Part of the email or name, any case.
    pub q: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Accounts, newest first.
pub async fn list_users(
    ctx: &AppContext,
    actor: &Actor,
    input: UserListInput,
) -> Result<Page<UserRow>, ReadError> {
    actor.require_admin()?;
    let mut fields = Fields::default();
    let role = parse_role(&mut fields, input.role.as_deref());
    let status = parse_status(&mut fields, input.status.as_deref());
    fields.finish()?;
    let paging = PageRequest::parse(input.cursor.as_deref(), input.limit)?;
    let filter = UserFilter {
        role,
        status,
        query: input.q.filter(|q| !q.trim().is_empty()),
        before: paging.after,
        limit: paging.limit + 1,
    };
    let rows = users::list(&ctx.db, &filter).await?;
    Ok(page(rows, paging.limit, |r| (r.created_at, r.id)))
}

/// One account, for its administration page.
pub async fn user(ctx: &AppContext, actor: &Actor, id: Id) -> Result<UserRow, ReadError> {
    actor.require_admin()?;
    users::find_live_by_id(&ctx.db, id)
        .await?
        .ok_or(ReadError::NotFound("User"))
}

/// Bookings shown on an account's administration page: enough to see what
/// it has been doing lately; the rest is in the audit log.
const ACTIVITY_BOOKINGS: i64 = 20;

/// What an account is doing: where it is signed in, and its latest bookings
/// (made as a student, or on the sessions it teaches).
#[derive(Clone, Debug)]
pub struct UserActivity {
    pub sessions: Vec<SessionRow>,
    pub bookings: Vec<BookingDetail>,
}

/// An account's sign-in sessions and latest bookings, for admins.
pub async fn user_activity(
    ctx: &AppContext,
    actor: &Actor,
    id: Id,
) -> Result<UserActivity, ReadError> {
    let user = user(ctx, actor, id).await?;
    let sessions = sessions::list_live(&ctx.db, id, ctx.now()).await?;
    let filter = if user.role == Role::Instructor {
        BookingFilter {
            instructor_id: Some(id),
            limit: ACTIVITY_BOOKINGS,
            ..BookingFilter::default()
        }
    } else {
        BookingFilter {
            student_id: Some(id),
            limit: ACTIVITY_BOOKINGS,
            ..BookingFilter::default()
        }
    };
    let mut bookings = Vec::new();
    for booking in booking_rows::list(&ctx.db, &filter).await? {
        bookings.push(crate::dashboard::with_session(ctx, booking).await?);
    }
    Ok(UserActivity { sessions, bookings })
}

#[derive(Clone, Debug, Default)]
pub struct UpdateUserInput {
    /// `student`, `instructor` or `admin`.
    pub role: Option<String>,
    /// `active` or `suspended`; suspending signs the account out everywhere
    /// and clears its calendar feed token.
    pub status: Option<String>,
}

/// Why an account's role or status was not changed.
#[derive(Debug, thiserror::Error)]
pub enum UpdateUserError {
    /// An administrator locking themselves out could leave nobody in charge.
    #[error("Administrators cannot demote or suspend themselves.")]
    SelfDemotion,
    #[error(transparent)]
    Read(#[from] ReadError),
}

impl From<crate::Forbidden> for UpdateUserError {
    fn from(e: crate::Forbidden) -> Self {
        Self::Read(e.into())
    }
}

impl From<crate::Invalid> for UpdateUserError {
    fn from(e: crate::Invalid) -> Self {
        Self::Read(e.into())
    }
}

impl From<crate::Internal> for UpdateUserError {
    fn from(e: crate::Internal) -> Self {
        Self::Read(e.into())
    }
}

impl From<sqlx::Error> for UpdateUserError {
    fn from(e: sqlx::Error) -> Self {
        Self::Read(e.into())
    }
}

crate::failure!(UpdateUserError {
    SelfDemotion => SelfDemotion,
} wraps {
    Read(ReadError),
});

/// Changes an account's role or status.
pub async fn update_user(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    id: Id,
    input: UpdateUserInput,
) -> Result<UserRow, UpdateUserError> {
    actor.require_admin()?;
    let mut fields = Fields::default();
    let role = parse_role(&mut fields, input.role.as_deref());
    let status = parse_status(&mut fields, input.status.as_deref());
    fields.finish()?;
    if id == actor.id()
        && (role.is_some_and(|r| r != Role::Admin) || status == Some(UserStatus::Suspended))
    {
        return Err(UpdateUserError::SelfDemotion);
    }

    let mut tx = ctx.db.begin_write().await?;
    let now = ctx.now();
    let before = users::find_live_by_id_tx(&mut tx, id)
        .await?
        .ok_or(ReadError::NotFound("User"))?;
    let after = users::set_role_and_status(&mut tx, id, role, status, now)
        .await?
        .ok_or(ReadError::NotFound("User"))?;
    let mut changes = profile_diff(&before, &after);
    if status == Some(UserStatus::Suspended) {
        let revoked = sessions::revoke_all(&mut tx, id, None, now).await?;
        changes.insert("sessions_revoked".into(), json!(revoked));
        // Cleared, not just refused while suspended: reactivating the account
        // must not reopen a feed whose link may have leaked.
        users::set_calendar_token(&mut tx, id, None, now).await?;
    }
    if !changes.is_empty() {
        let action = if before.status != after.status && after.status == UserStatus::Suspended {
            "user.suspended"
        } else {
            "user.updated"
        };
        audit::record(
            &mut tx,
            meta,
            now,
            Change {
                actor: Some(actor.id()),
                action,
                entity_type: "user",
                entity_id: id,
                changes: Value::Object(changes),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// Lifts a lock left by failed sign-in attempts and resets the counter.
pub async fn unlock_user(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    id: Id,
) -> Result<(), ReadError> {
    actor.require_admin()?;
    let mut tx = ctx.db.begin_write().await?;
    let now = ctx.now();
    let before = users::find_live_by_id_tx(&mut tx, id)
        .await?
        .ok_or(ReadError::NotFound("User"))?;
    users::unlock(&mut tx, id, now).await?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "user.unlocked",
            entity_type: "user",
            entity_id: id,
            changes: json!({
                "failed_login_attempts": { "before": before.failed_login_attempts, "after": 0 },
                "locked_until": { "before": before.locked_until, "after": null },
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Clone, Debug, Default)]
pub struct AuditListInput {
    pub actor_id: Option<String>,
    /// e.g. `user`, `session`, `booking`.
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    /// e.g. `user.locked`.
    pub action: Option<String>,
    /// RFC 3339; entries at or after.
    pub from: Option<String>,
    /// RFC 3339; entries before.
    pub to: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// The audit log, newest first.
pub async fn list_audit_logs(
    ctx: &AppContext,
    actor: &Actor,
    input: AuditListInput,
) -> Result<Page<AuditLogRow>, ReadError> {
    actor.require_admin()?;
    let mut fields = Fields::default();
    let mut id_param = |name: &str, value: Option<&str>| {
        value.and_then(|v| {
            fields.check(
                name,
                v.parse::<Id>()
                    .map_err(|_| FieldIssue::invalid("must be a UUID")),
            )
        })
    };
    let actor_id = id_param("actor_id", input.actor_id.as_deref());
    let entity_id = id_param("entity_id", input.entity_id.as_deref());
    let mut time_param = |name: &str, value: Option<&str>| {
        value.and_then(|v| {
            fields.check(
                name,
                Timestamp::parse_rfc3339(v)
                    .map_err(|_| FieldIssue::invalid("must be an RFC 3339 timestamp")),
            )
        })
    };
    let from = time_param("from", input.from.as_deref());
    let to = time_param("to", input.to.as_deref());
    fields.finish()?;
    let paging = PageRequest::parse(input.cursor.as_deref(), input.limit)?;
    let filter = AuditFilter {
        actor_id,
        entity_type: input.entity_type,
        entity_id,
        action: input.action,
        from,
        to,
        before: paging.after,
        limit: paging.limit + 1,
    };
    let rows = audit_log::list(&ctx.db, &filter).await?;
    Ok(page(rows, paging.limit, |r| (r.created_at, r.id)))
}
