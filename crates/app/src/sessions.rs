//! Signing in and out: login with its failed-attempt lockout and, for
//! accounts with a second factor, the code after the password; the session
//! behind every authenticated call, and the owner's list of sessions.

use medicaledu_domain::{
    ChallengeToken, Id, NotificationKind, Role, SecondFactorCode, SessionToken, Timestamp,
    TotpSecret, UserStatus,
};
use medicaledu_store::Tx;
use medicaledu_store::second_factors::{self, ChallengeRow};
use medicaledu_store::sessions::{self, NewSession, SessionRow};
use medicaledu_store::users::{self, UserRow};
use serde_json::json;

use crate::accounts::{account_notice, verify_password};
use crate::audit::{self, Change};
use crate::lockout::{self, Locked};
use crate::{Actor, AppContext, Fields, Internal, Invalid, ReadError, RequestMeta};

/// Activity is written back at most this often per session.
const TOUCH_EVERY: chrono::Duration = chrono::Duration::minutes(1);

/// How long the second step of a sign-in waits for its code: enough to open
/// an authenticator app, short enough that a stolen challenge soon expires.
pub const CHALLENGE_TTL: chrono::Duration = chrono::Duration::minutes(5);

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

/// What a right password leads to.
#[derive(Debug)]
pub enum SignIn {
    /// Signed in: the account has no second factor. Boxed: a session
    /// carries the whole account row.
    Session(Box<LoggedIn>),
    /// The account has a second factor: [`complete_second_factor`] with this
    /// challenge and a code signs in.
    SecondFactor(Challenge),
}

/// The second step of a sign-in. The token is shown once; only its hash is
/// stored.
#[derive(Debug)]
pub struct Challenge {
    pub token: ChallengeToken,
    pub expires_at: Timestamp,
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

/// Signs in with email and password; an account with a second factor gets a
/// challenge for its code instead of a session. After too many consecutive
/// failures the account is locked for a while, even for the right password.
pub async fn login(
    ctx: &AppContext,
    meta: &RequestMeta,
    input: LoginInput,
) -> Result<SignIn, LoginError> {
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

    if second_factors::has_confirmed_tx(&mut tx, user.id).await? {
        lockout::password_passed(&mut tx, &attempt, now).await?;
        let token = ChallengeToken::generate();
        let challenge = ChallengeRow {
            id: Id::generate(),
            user_id: user.id,
            expires_at: Timestamp::from(*now.as_datetime() + CHALLENGE_TTL),
        };
        second_factors::insert_challenge(&mut tx, &challenge, &token.hash(), now).await?;
        audit::record(
            &mut tx,
            meta,
            now,
            Change {
                actor: Some(user.id),
                action: "user.second_factor_challenged",
                entity_type: "user",
                entity_id: user.id,
                changes: json!({ "challenge_id": challenge.id, "expires_at": challenge.expires_at }),
            },
        )
        .await?;
        tx.commit().await?;
        return Ok(SignIn::SecondFactor(Challenge {
            token,
            expires_at: challenge.expires_at,
        }));
    }
    let session = start_session(ctx, &mut tx, meta, user, now, None).await?;
    tx.commit().await?;
    Ok(SignIn::Session(Box::new(session)))
}

/// Creates a session for `user`, who just proved who they are, in `tx`:
/// resets the failed-attempt count, tells the user about a new device, and
/// audits the sign-in (with the second factor used, if any).
async fn start_session(
    ctx: &AppContext,
    tx: &mut Tx,
    meta: &RequestMeta,
    user: UserRow,
    now: Timestamp,
    second_factor: Option<&'static str>,
) -> Result<LoggedIn, Internal> {
    let token = SessionToken::generate();
    let settings = &ctx.settings;
    let expires_at = Timestamp::from(*now.as_datetime() + settings.session_ttl);
    let idle_expires_at =
        Timestamp::from(*now.as_datetime() + settings.session_idle_ttl.min(settings.session_ttl));
    let session_id = Id::generate();
    users::record_successful_login(tx, user.id, now).await?;
    let user_agent = meta.user_agent.as_deref().unwrap_or("");
    let first_session = user.last_login_at.is_none();
    if !first_session && !sessions::seen_user_agent(tx, user.id, user_agent).await? {
        account_notice(
            tx,
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
        tx,
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
        tx,
        meta,
        now,
        Change {
            actor: Some(user.id),
            action: "session.created",
            entity_type: "session",
            entity_id: session_id,
            changes: json!({
                "ip_address": meta.ip_address,
                "user_agent": meta.user_agent,
                "second_factor": second_factor,
            }),
        },
    )
    .await?;
    Ok(LoggedIn {
        token,
        expires_at,
        user,
    })
}

/// The second step of a sign-in, as it arrives.
#[derive(Clone, Debug, Default)]
pub struct SecondFactorInput {
    /// The challenge [`login`] returned.
    pub challenge: String,
    /// The authenticator app's six digits, or a recovery code.
    pub code: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SecondFactorError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("This sign-in has expired or was already completed. Sign in again.")]
    InvalidChallenge,
    #[error("The code is incorrect.")]
    WrongCode,
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

crate::internal_from!(SecondFactorError);

crate::failure!(SecondFactorError {
    InvalidChallenge => InvalidChallenge,
    WrongCode => InvalidCode,
    Locked { .. } => AccountLocked,
    Suspended => AccountSuspended,
} wraps {
    Invalid(Invalid),
    Internal(Internal),
} retry_after = second_step_locked_for);

fn second_step_locked_for(e: &SecondFactorError) -> Option<std::time::Duration> {
    match e {
        SecondFactorError::Locked { retry_after } => {
            Some(std::time::Duration::from_secs(*retry_after))
        }
        _ => None,
    }
}

fn second_step_locked(lock: Locked, now: Timestamp) -> SecondFactorError {
    SecondFactorError::Locked {
        retry_after: lock.retry_after(now),
    }
}

/// Completes a sign-in with the authenticator's code or a recovery code. A
/// wrong code counts towards the lockout exactly as a wrong password does,
/// and a locked account cannot complete its challenge. A challenge signs in
/// once, within [`CHALLENGE_TTL`]; a code of one time step is accepted once,
/// and a recovery code once ever.
pub async fn complete_second_factor(
    ctx: &AppContext,
    meta: &RequestMeta,
    input: SecondFactorInput,
) -> Result<LoggedIn, SecondFactorError> {
    let mut fields = Fields::default();
    if input.challenge.trim().is_empty() {
        fields.reject("challenge", "required", "must not be empty");
    }
    if input.code.trim().is_empty() {
        fields.reject("code", "required", "must not be empty");
    }
    fields.finish()?;
    let token =
        ChallengeToken::parse(input.challenge.trim()).ok_or(SecondFactorError::InvalidChallenge)?;
    let challenge = second_factors::find_live_challenge(&ctx.db, &token.hash(), ctx.now())
        .await?
        .ok_or(SecondFactorError::InvalidChallenge)?;
    // Claimed before the code is checked, like a password: concurrent
    // guesses cannot outrun the counter.
    let attempt = match lockout::claim(ctx, challenge.user_id).await? {
        Ok(attempt) => attempt,
        Err(lock) => return Err(second_step_locked(lock, ctx.now())),
    };

    let mut tx = ctx.db.begin_write().await?;
    let now = ctx.now();
    let Some(user) = users::find_live_by_id_tx(&mut tx, challenge.user_id).await? else {
        return Err(SecondFactorError::InvalidChallenge);
    };
    if let Some(lock) = lockout::locked_by_others(&attempt, &user, now) {
        return Err(second_step_locked(lock, now));
    }
    let Some(factor) = second_factors::find_confirmed_tx(&mut tx, user.id).await? else {
        // Turned off since the password was checked: that sign-in is void,
        // and this attempt was no guess.
        lockout::password_passed(&mut tx, &attempt, now).await?;
        tx.commit().await?;
        return Err(SecondFactorError::InvalidChallenge);
    };
    let used = match SecondFactorCode::parse(&input.code) {
        Some(SecondFactorCode::Totp(code)) => {
            let secret = TotpSecret::from_base32(&factor.secret)
                .ok_or_else(|| Internal::invariant("a stored TOTP secret is not base32"))?;
            let step = secret
                .matching_step(&code, unix_seconds(now))
                .and_then(|step| i64::try_from(step).ok());
            match step {
                Some(step) => second_factors::accept_step(&mut tx, factor.id, step, now)
                    .await?
                    .then_some("totp"),
                None => None,
            }
        }
        Some(SecondFactorCode::Recovery(code)) => {
            second_factors::use_recovery_code(&mut tx, user.id, &code.hash(), now)
                .await?
                .then_some("recovery_code")
        }
        None => None,
    };
    let Some(method) = used else {
        let lock =
            lockout::failed(&mut tx, meta, &attempt, "user.second_factor_failed", now).await?;
        tx.commit().await?;
        crate::telemetry::sign_in_failed();
        return Err(lock.map_or(SecondFactorError::WrongCode, |lock| {
            second_step_locked(lock, now)
        }));
    };
    // Dropping the transaction on a spent challenge also gives the code back.
    if !second_factors::consume_challenge(&mut tx, challenge.id, now).await? {
        return Err(SecondFactorError::InvalidChallenge);
    }
    if user.status != UserStatus::Active {
        users::unlock(&mut tx, user.id, now).await?;
        tx.commit().await?;
        return Err(SecondFactorError::Suspended);
    }
    let session = start_session(ctx, &mut tx, meta, user, now, Some(method)).await?;
    tx.commit().await?;
    Ok(session)
}

/// Seconds since the Unix epoch, the TOTP clock.
pub(crate) fn unix_seconds(now: Timestamp) -> u64 {
    u64::try_from(now.as_datetime().timestamp()).unwrap_or(0)
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
    // Read on every request, so turning the requirement on (or an
    // administrator confirming a factor) takes effect at once for sessions
    // already open.
    let must_enrol_second_factor = ctx.settings.require_admin_second_factor
        && user.role == Role::Admin
        && !second_factors::has_confirmed(&ctx.db, user.id).await?;
    Ok(Some(Actor {
        user,
        session_id: session.id,
        must_enrol_second_factor,
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
