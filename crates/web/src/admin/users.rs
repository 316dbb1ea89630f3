//! `/admin/users`: accounts by search, role and status; one account's page
//! with its audit trail, its role, suspension and "Unlock".

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::AppContext;
use medicaledu_app::admin::{AuditListInput, UpdateUserInput, UserListInput};
use medicaledu_domain::{Role, UserStatus};
use serde::Deserialize;

use super::{Choice, Confirm, admin, choices, next_page, some};
use crate::auth::Empty;
use crate::error::{PageError, parse_id};
use crate::form::Form;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond};
use crate::view;
use crate::visitor::Visitor;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    role: Option<String>,
    status: Option<String>,
    cursor: Option<String>,
}

pub struct UserLine {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub status: String,
    pub locked: bool,
    pub created: String,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    chrome: Chrome,
    q: String,
    roles: Vec<Choice>,
    statuses: Vec<Choice>,
    users: Vec<UserLine>,
    problem: Option<String>,
    next_page: Option<String>,
}

fn role_label(tr: &Tr, role: &str) -> String {
    tr.t(&format!("role-{role}"))
}

fn status_label(tr: &Tr, status: &str) -> String {
    tr.t(&format!("user-status-{status}"))
}

/// `GET /admin/users`.
pub async fn list(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let actor = match admin(&visitor, "/admin/users") {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let tr = &visitor.tr;
    let input = UserListInput {
        role: some(&query.role),
        status: some(&query.status),
        q: some(&query.q),
        cursor: some(&query.cursor),
        limit: Some(50),
    };
    let now = ctx.now();
    let (users, next, problem) = match medicaledu_app::admin::list_users(&ctx, actor, input).await {
        Ok(page) => (page.items, page.next_cursor, None),
        Err(medicaledu_app::ReadError::Invalid(invalid)) => {
            (Vec::new(), None, Some(invalid.to_string()))
        }
        Err(e) => return Err(PageError::from_failure(&e)),
    };
    let users = users
        .into_iter()
        .map(|u| UserLine {
            id: u.id.to_string(),
            role: role_label(tr, u.role.as_str()),
            status: status_label(tr, u.status.as_str()),
            locked: u.locked_until.is_some_and(|until| until > now),
            created: view::day(u.created_at, &visitor.zone, tr),
            name: u.full_name,
            email: u.email,
        })
        .collect();
    let roles: Vec<&str> = Role::ALL.iter().map(Role::as_str).collect();
    let statuses: Vec<&str> = UserStatus::ALL.iter().map(UserStatus::as_str).collect();
    let page = UsersPage {
        chrome: Chrome::new(&ctx, &visitor, tr.t("admin-users-title")).await?,
        q: query.q.clone().unwrap_or_default(),
        roles: choices(&roles, &query.role, |r| role_label(tr, r)),
        statuses: choices(&statuses, &query.status, |s| status_label(tr, s)),
        users,
        problem,
        next_page: next_page(
            "/admin/users",
            &[
                ("q", &query.q),
                ("role", &query.role),
                ("status", &query.status),
            ],
            next,
        ),
    };
    Ok(respond(&ctx, &visitor, &page))
}

#[derive(Debug, Default, Deserialize)]
pub struct UserQuery {
    done: Option<String>,
}

pub struct AuditLine {
    pub when: String,
    pub action: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage {
    chrome: Chrome,
    id: String,
    name: String,
    email: String,
    role: String,
    status: String,
    suspended: bool,
    is_self: bool,
    roles: Vec<Choice>,
    failed_attempts: i64,
    locked_until: Option<String>,
    last_login: Option<String>,
    created: String,
    trail: Vec<AuditLine>,
    as_actor_href: String,
    trail_href: String,
    devices: Vec<DeviceLine>,
    bookings: Vec<BookingLine>,
    /// Whether the bookings are on the sessions this account teaches.
    teaches: bool,
}

/// A device the account is signed in on.
struct DeviceLine {
    device: String,
    ip: String,
    since: String,
    last_seen: String,
}

/// One of the account's latest bookings.
struct BookingLine {
    when: String,
    course: String,
    status: String,
    amount: String,
}

/// `GET /admin/users/{id}`.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(query): Query<UserQuery>,
) -> Result<Response, PageError> {
    let actor = match admin(&visitor, &format!("/admin/users/{id}")) {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let id = parse_id(&id)?;
    let user = medicaledu_app::admin::user(&ctx, actor, id)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let tr = &visitor.tr;
    let trail = medicaledu_app::admin::list_audit_logs(
        &ctx,
        actor,
        AuditListInput {
            entity_type: Some("user".into()),
            entity_id: Some(id.to_string()),
            limit: Some(20),
            ..AuditListInput::default()
        },
    )
    .await
    .map_err(|e| PageError::from_failure(&e))?;
    let activity = medicaledu_app::admin::user_activity(&ctx, actor, id)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let now = ctx.now();
    let mut chrome = Chrome::new(&ctx, &visitor, user.full_name.clone()).await?;
    if let Some(done) = query.done.as_deref()
        && ["unlocked", "role", "suspended", "reactivated"].contains(&done)
    {
        chrome.flash.push(tr.t(&format!("admin-user-done-{done}")));
    }
    let roles: Vec<&str> = Role::ALL.iter().map(Role::as_str).collect();
    let page = UserPage {
        chrome,
        id: id.to_string(),
        role: role_label(tr, user.role.as_str()),
        status: status_label(tr, user.status.as_str()),
        suspended: user.status == UserStatus::Suspended,
        is_self: id == actor.id(),
        roles: choices(&roles, &Some(user.role.as_str().to_owned()), |r| {
            role_label(tr, r)
        }),
        failed_attempts: user.failed_login_attempts,
        locked_until: user
            .locked_until
            .filter(|until| *until > now)
            .map(|until| view::when(until, &visitor.zone, tr)),
        last_login: user
            .last_login_at
            .map(|at| view::when(at, &visitor.zone, tr)),
        created: view::when(user.created_at, &visitor.zone, tr),
        trail: trail
            .items
            .into_iter()
            .map(|row| AuditLine {
                when: view::when(row.created_at, &visitor.zone, tr),
                href: format!(
                    "/admin/audit?entity_type=user&entity_id={id}#entry-{}",
                    row.id
                ),
                action: row.action,
            })
            .collect(),
        as_actor_href: format!("/admin/audit?actor_id={id}"),
        trail_href: format!("/admin/audit?entity_type=user&entity_id={id}"),
        devices: activity
            .sessions
            .iter()
            .map(|row| DeviceLine {
                device: row
                    .user_agent
                    .clone()
                    .filter(|ua| !ua.trim().is_empty())
                    .unwrap_or_else(|| tr.t("sessions-unknown-device")),
                ip: row
                    .ip_address
                    .clone()
                    .unwrap_or_else(|| tr.t("sessions-unknown-ip")),
                since: view::when(row.created_at, &visitor.zone, tr),
                last_seen: view::when(row.last_seen_at, &visitor.zone, tr),
            })
            .collect(),
        bookings: activity
            .bookings
            .iter()
            .map(|d| BookingLine {
                when: view::when(d.slot.starts_at, &visitor.zone, tr),
                course: d.course.title.clone(),
                status: tr.t(&format!("status-{}", d.booking.status)),
                amount: if d.booking.total_minor == 0 {
                    tr.t("teach-paid-free")
                } else {
                    view::money(d.booking.total_minor, &d.booking.currency, tr)
                },
            })
            .collect(),
        teaches: user.role == Role::Instructor,
        name: user.full_name,
        email: user.email,
    };
    Ok(respond(&ctx, &visitor, &page))
}

/// `POST /admin/users/{id}/unlock`: lifts a lock left by failed sign-ins.
pub async fn unlock(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    let actor = match admin(&visitor, &format!("/admin/users/{id}")) {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let id = parse_id(&id)?;
    medicaledu_app::admin::unlock_user(&ctx, actor, &visitor.meta, id)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    Ok(Redirect::to(&format!("/admin/users/{id}?done=unlocked")).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct RoleForm {
    role: String,
}

/// `POST /admin/users/{id}/role`.
pub async fn change_role(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, data }: Form<RoleForm>,
) -> Result<Response, PageError> {
    update(
        ctx,
        id,
        visitor,
        UpdateUserInput {
            role: Some(data.role),
            status: None,
        },
        "role",
    )
    .await
}

/// `GET /admin/users/{id}/suspend`: what suspending does, before it is done.
pub async fn confirm_suspend(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = match admin(&visitor, &format!("/admin/users/{id}")) {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let id = parse_id(&id)?;
    let user = medicaledu_app::admin::user(&ctx, actor, id)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let tr = &visitor.tr;
    let page = Confirm {
        chrome: Chrome::new(&ctx, &visitor, tr.t("admin-suspend-title")).await?,
        heading: tr.t_with(
            "admin-suspend-heading",
            &[("name", Arg::Text(user.full_name.clone()))],
        ),
        consequence: tr.t("admin-suspend-consequence"),
        action: format!("/admin/users/{id}/suspend"),
        fields: Vec::new(),
        confirm: tr.t("admin-suspend-confirm"),
        back: format!("/admin/users/{id}"),
    };
    Ok(respond(&ctx, &visitor, &page))
}

/// `POST /admin/users/{id}/suspend`: signs the account out everywhere and
/// refuses its sign-ins until reactivated.
pub async fn suspend(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    update(
        ctx,
        id,
        visitor,
        UpdateUserInput {
            role: None,
            status: Some(UserStatus::Suspended.as_str().to_owned()),
        },
        "suspended",
    )
    .await
}

/// `POST /admin/users/{id}/reactivate`.
pub async fn reactivate(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    update(
        ctx,
        id,
        visitor,
        UpdateUserInput {
            role: None,
            status: Some(UserStatus::Active.as_str().to_owned()),
        },
        "reactivated",
    )
    .await
}

async fn update(
    ctx: AppContext,
    id: String,
    visitor: Visitor,
    input: UpdateUserInput,
    done: &str,
) -> Result<Response, PageError> {
    let actor = match admin(&visitor, &format!("/admin/users/{id}")) {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let id = parse_id(&id)?;
    match medicaledu_app::admin::update_user(&ctx, actor, &visitor.meta, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/users/{id}?done={done}")).into_response()),
        // Refusals no form of this page sends: an administrator demoting or
        // suspending themselves (the page does not offer it), a role that
        // is not one.
        Err(
            medicaledu_app::admin::UpdateUserError::SelfDemotion
            | medicaledu_app::admin::UpdateUserError::Read(medicaledu_app::ReadError::Invalid(_)),
        ) => Err(PageError::BadRequest),
        Err(medicaledu_app::admin::UpdateUserError::Read(e)) => Err(PageError::from_failure(&e)),
    }
}
