//! Signing in and out: login with its failed-attempt lockout, the session
//! behind every authenticated call, and the owner's list of sessions.

use medicaledu_domain::{Id, NotificationKind, SessionToken, Timestamp, UserStatus};
use medicaledu_store::sessions::{self, NewSession, SessionRow};
use medicaledu_store::users::{self, UserRow};
use serde_json::json;

use crate::accounts::{account_notice, verify_password};
use crate::audit::{self, Change};
use crate::lockout::{self, Locked};
use crate::{Actor, AppContext, Fields, Internal, Invalid, ReadError, RequestMeta};

/// Activity is written back at most this often per session.
const TOUCH_EVERY: chrono::Duration = chrono::Duration::minutes(1);

#[derive(Clone, Debug, Default)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
}

/// A new session. The token is shown once; only its hash is stored.
#[derive(Debug)]
pub struct LoggedIn {
    pub token: SessionToken,
    pub expires_at: Timestamp,
    pub user: UserRow,
}

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// Wrong email and wrong password get exactly this answer.
    #[error("The email or password is incorrect.")]
    InvalidCredentials,
    #[error("Too many failed sign-in attempts: the account is locked for a while.")]
    Locked {
        /// Seconds until the lock ends.
        retry_after: u64,
    },
    #[error("This account is suspended. Contact an administrator.")]
    Suspended,
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(LoginError);

crate::failure!(LoginError {
    InvalidCredentials => InvalidCredentials,
    Locked { .. } => AccountLocked,
    Suspended => AccountSuspended,
} wraps {
    Invalid(Invalid),
    Internal(Internal),
} retry_after = locked_for);

/// How long a locked account stays locked.
fn locked_for(e: &LoginError) -> Option<std::time::Duration> {
    match e {
        LoginError::Locked { retry_after } => Some(std::time::Duration::from_secs(*retry_after)),
        _ => None,
    }
}

fn locked(lock: Locked, now: Timestamp) -> LoginError {
    LoginError::Locked {
        retry_after: lock.retry_after(now),
    }
}

/// Signs in with email and password. After too many consecutive failures the
/// account is locked for a while, even for the right password.
pub async fn login(
    ctx: &AppContext,
    meta: &RequestMeta,
    input: LoginInput,
) -> Result<LoggedIn, LoginError> {
    let mut fields = Fields::default();
    if input.email.trim().is_empty() {
        fields.reject("email", "required", "must not be empty");
    }
    if input.password.is_empty() {
        fields.reject("password", "required", "must not be empty");
    }
    fields.finish()?;

    // Argon2 is slow, so the password is checked outside any write
    // transaction; the attempt is claimed (counted, and refused while the
    // account is locked) before, and the session is created after, in a
    // transaction that reads the account again: the check only counts if the
    // hash is still the one verified and nobody else's guesses locked the
    // account meanwhile.
    let Some(found) = users::find_live_by_email(&ctx.db, input.email.trim()).await? else {
        verify_password(&ctx.hasher, &input.password, None).await;
        crate::telemetry::sign_in_failed();
        return Err(LoginError::InvalidCredentials);
    };
    let attempt = match lockout::claim(ctx, found.id).await? {
        Ok(attempt) => attempt,
        Err(lock) => return Err(locked(lock, ctx.now())),
    };
    let verified = verify_password(&ctx.hasher, &input.password, Some(&found.password_hash)).await;

    let mut tx = ctx.db.begin_write().await?;
    let now = ctx.now();
    let Some(user) = users::find_live_by_id_tx(&mut tx, found.id).await? else {
        return Err(LoginError::InvalidCredentials);
    };
    if !(verified && user.password_hash == found.password_hash) {
        let lock = lockout::failed(&mut tx, meta, &attempt, "user.login_failed", now).await?;
        tx.commit().await?;
        crate::telemetry::sign_in_failed();
        return Err(lock.map_or(LoginError::InvalidCredentials, |lock| locked(lock, now)));
    }
    if let Some(lock) = lockout::locked_by_others(&attempt, &user, now) {
        return Err(locked(lock, now));
    }
    if user.status != UserStatus::Active {
        // The right password: the claimed attempt is not a failure.
        users::unlock(&mut tx, user.id, now).await?;
        tx.commit().await?;
        return Err(LoginError::Suspended);
    }

    let token = SessionToken::generate();
    let settings = &ctx.settings;
    let expires_at = Timestamp::from(*now.as_datetime() + settings.session_ttl);
    let idle_expires_at =
        Timestamp::from(*now.as_datetime() + settings.session_idle_ttl.min(settings.session_ttl));
    let session_id = Id::generate();
    users::record_successful_login(&mut tx, user.id, now).await?;
    let user_agent = meta.user_agent.as_deref().unwrap_or("");
    let first_session = user.last_login_at.is_none();
    if !first_session && !sessions::seen_user_agent(&mut tx, user.id, user_agent).await? {
        account_notice(
            &mut tx,
            user.id,
            NotificationKind::NewDevice,
            "New sign-in",
            format!(
                "Your account was signed in from a new device ({}). If this was not you, change your password.",
                if user_agent.is_empty() { "unknown browser" } else { user_agent }
            ),
            now,
        )
        .await?;
    }
    sessions::insert(
        &mut tx,
        &NewSession {
            id: session_id,
            user_id: user.id,
            token_hash: &token.hash(),
            ip_address: meta.ip_address.as_deref(),
            user_agent: meta.user_agent.as_deref(),
            now,
            idle_expires_at,
            expires_at,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(user.id),
            action: "session.created",
            entity_type: "session",
            entity_id: session_id,
            changes: json!({ "ip_address": meta.ip_address, "user_agent": meta.user_agent }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(LoggedIn {
        token,
        expires_at,
        user,
    })
}

/// The actor a session token stands for: `None` for a token that is
/// malformed, unknown, revoked or expired, or whose account is not active.
/// Records the session's activity (at most once a minute), which keeps it
/// from expiring while idle.
pub async fn authenticate(ctx: &AppContext, token: &str) -> Result<Option<Actor>, Internal> {
    let Some(token) = SessionToken::parse(token) else {
        return Ok(None);
    };
    let now = ctx.now();
    let Some((session, user)) = sessions::authenticate(&ctx.db, &token.hash(), now).await? else {
        return Ok(None);
    };
    let stale_before = Timestamp::from(*now.as_datetime() - TOUCH_EVERY);
    if session.last_seen_at < stale_before {
        let idle_until = Timestamp::from(*now.as_datetime() + ctx.settings.session_idle_ttl);
        // A conditional update: concurrent requests write it once.
        sessions::touch(&ctx.db, session.id, now, stale_before, idle_until).await?;
    }
    Ok(Some(Actor {
        user,
        session_id: session.id,
    }))
}

/// Ends the actor's current session.
pub async fn logout(ctx: &AppContext, actor: &Actor, meta: &RequestMeta) -> Result<(), ReadError> {
    revoke(ctx, actor, meta, actor.session_id).await
}

/// Ends one of the actor's own sessions (a lost device, say).
pub async fn revoke(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    id: Id,
) -> Result<(), ReadError> {
    let mut tx = ctx.db.begin_write().await?;
    let now = ctx.now();
    if !sessions::revoke(&mut tx, id, actor.id(), now).await? {
        return Err(ReadError::NotFound("Session"));
    }
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "session.revoked",
            entity_type: "session",
            entity_id: id,
            changes: json!({ "revoked_at": now }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The actor's sessions that can still be used, newest first.
pub async fn list(ctx: &AppContext, actor: &Actor) -> Result<Vec<SessionRow>, Internal> {
    Ok(sessions::list_live(&ctx.db, actor.id(), ctx.now()).await?)
}
