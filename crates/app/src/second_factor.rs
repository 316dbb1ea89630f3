//! Setting up and turning off the second factor: an authenticator app's TOTP
//! secret, confirmed with a code before it counts, and ten one-time recovery
//! codes for when the app is lost. Signing in with it is in
//! [`crate::sessions`].

use medicaledu_domain::{Id, RecoveryCode, Timestamp, TotpSecret};
use medicaledu_store::second_factors;
use medicaledu_store::users;
use serde_json::json;

use crate::accounts::verify_password;
use crate::audit::{self, Change};
use crate::lockout::{self, Locked};
use crate::sessions::unix_seconds;
use crate::{Actor, AppContext, FieldError, Internal, Invalid, RequestMeta};

/// How many recovery codes an account gets at a time.
pub const RECOVERY_CODES: usize = 10;

/// What an authenticator app needs, shown while the factor is being set up.
#[derive(Clone, Debug)]
pub struct Enrolment {
    /// The secret in base32, for typing into an app.
    pub secret: String,
    /// `otpauth://totp/MedicalEdu:{email}?secret=…&issuer=MedicalEdu…`.
    pub otpauth_uri: String,
    /// The URI as a QR code: an `<svg>` element, black on white.
    pub qr_svg: String,
}

/// The account's second factor as its owner sees it.
#[derive(Clone, Debug)]
pub struct Status {
    /// When the factor in use was confirmed; `None` when there is none.
    pub enabled_at: Option<Timestamp>,
    /// A factor being set up, waiting for its first code.
    pub pending: bool,
    pub recovery_codes_left: i64,
    /// The operator requires one of this account before it can do anything.
    pub required: bool,
}

/// Recovery codes, shown once: only their hashes are kept.
#[derive(Debug)]
pub struct RecoveryCodes(pub Vec<String>);

pub async fn status(ctx: &AppContext, actor: &Actor) -> Result<Status, Internal> {
    let confirmed = second_factors::find_confirmed(&ctx.db, actor.id()).await?;
    let pending = second_factors::find_pending(&ctx.db, actor.id()).await?;
    Ok(Status {
        enabled_at: confirmed.and_then(|f| f.confirmed_at),
        pending: pending.is_some(),
        recovery_codes_left: second_factors::unused_recovery_codes(&ctx.db, actor.id()).await?,
        required: actor.must_enrol_second_factor,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum EnrolError {
    #[error(
        "Two-factor authentication is already on. Turn it off first to move it to another app."
    )]
    AlreadyEnabled,
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(EnrolError);

crate::failure!(EnrolError {
    AlreadyEnabled => SecondFactorEnabled,
} wraps {
    Internal(Internal),
});

/// Starts setting up a second factor: a fresh secret, waiting for the first
/// code from the app ([`confirm_enrolment`]). Starting again replaces a
/// secret never confirmed. An account whose factor is in use must turn it off
/// first (which takes the password), so a session alone cannot swap it.
pub async fn begin_enrolment(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
) -> Result<Enrolment, EnrolError> {
    let secret = TotpSecret::generate();
    let enrolment = enrolment(&secret, &actor.user.email)?;
    let mut tx = ctx.db.begin_write().await?;
    let now = ctx.now();
    if second_factors::has_confirmed_tx(&mut tx, actor.id()).await? {
        return Err(EnrolError::AlreadyEnabled);
    }
    let id = Id::generate();
    second_factors::insert_pending(&mut tx, id, actor.id(), &secret.to_base32(), now).await?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "user.second_factor_enrolment_started",
            entity_type: "user",
            entity_id: actor.id(),
            changes: json!({ "second_factor_id": id }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(enrolment)
}

/// The factor being set up, to show again (a page reloaded, a wrong code).
pub async fn pending_enrolment(
    ctx: &AppContext,
    actor: &Actor,
) -> Result<Option<Enrolment>, Internal> {
    let Some(pending) = second_factors::find_pending(&ctx.db, actor.id()).await? else {
        return Ok(None);
    };
    let secret = stored_secret(&pending.secret)?;
    Ok(Some(enrolment(&secret, &actor.user.email)?))
}

fn stored_secret(text: &str) -> Result<TotpSecret, Internal> {
    TotpSecret::from_base32(text)
        .ok_or_else(|| Internal::invariant("a stored TOTP secret is not base32"))
}

fn enrolment(secret: &TotpSecret, email: &str) -> Result<Enrolment, Internal> {
    let otpauth_uri = secret.otpauth_uri(email).map_err(Internal::new)?;
    let qr = qrcode::QrCode::new(otpauth_uri.as_bytes()).map_err(Internal::new)?;
    let svg = qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    // The element alone, so it can stand inside a page as well as on its own.
    let qr_svg = match svg.find("<svg") {
        Some(start) => svg[start..].to_owned(),
        None => svg,
    };
    Ok(Enrolment {
        secret: secret.to_base32(),
        otpauth_uri,
        qr_svg,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum ConfirmError {
    /// The code is missing or not the app's current one.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("There is no two-factor setup to confirm. Start setting it up first.")]
    NotPending,
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(ConfirmError);

crate::failure!(ConfirmError {
    NotPending => SecondFactorNotPending,
} wraps {
    Invalid(Invalid),
    Internal(Internal),
});

fn wrong_code() -> Invalid {
    Invalid::one("code", "wrong_code", "is not the code the app shows now")
}

/// Puts the factor being set up in use once the app's current code proves
/// the app holds the secret, and returns ten fresh recovery codes, shown this
/// once. A wrong code here does not count towards the lockout: the session
/// owner already knows this secret, so there is nothing to guess.
pub async fn confirm_enrolment(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    code: &str,
) -> Result<RecoveryCodes, ConfirmError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.is_empty() {
        return Err(Invalid::one("code", "required", "must not be empty").into());
    }
    let codes: Vec<RecoveryCode> = (0..RECOVERY_CODES)
        .map(|_| RecoveryCode::generate())
        .collect();
    let hashes: Vec<String> = codes.iter().map(RecoveryCode::hash).collect();
    let mut tx = ctx.db.begin_write().await?;
    let now = ctx.now();
    let pending = second_factors::find_pending_tx(&mut tx, actor.id())
        .await?
        .ok_or(ConfirmError::NotPending)?;
    let step = stored_secret(&pending.secret)?
        .matching_step(&code, unix_seconds(now))
        .and_then(|step| i64::try_from(step).ok())
        .ok_or_else(wrong_code)?;
    // Another factor confirmed meanwhile (a second tab): this one is void.
    if second_factors::has_confirmed_tx(&mut tx, actor.id()).await?
        || !second_factors::confirm(&mut tx, pending.id, step, now).await?
    {
        return Err(ConfirmError::NotPending);
    }
    second_factors::replace_recovery_codes(&mut tx, actor.id(), &hashes, now).await?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "user.second_factor_enabled",
            entity_type: "user",
            entity_id: actor.id(),
            changes: json!({ "second_factor_id": pending.id, "recovery_codes": RECOVERY_CODES }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(RecoveryCodes(
        codes.iter().map(RecoveryCode::display).collect(),
    ))
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordCheckedError {
    /// A wrong (or missing) password.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("Two-factor authentication is not on.")]
    NotEnabled,
    /// Too many wrong passwords, here or at sign-in: the same lockout.
    #[error("Too many failed password attempts: the account is locked for a while.")]
    Locked {
        /// Seconds until the lock ends.
        retry_after: u64,
    },
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(PasswordCheckedError);

crate::failure!(PasswordCheckedError {
    NotEnabled => SecondFactorNotEnabled,
    Locked { .. } => AccountLocked,
} wraps {
    Invalid(Invalid),
    Internal(Internal),
} retry_after = password_locked_for);

fn password_locked_for(e: &PasswordCheckedError) -> Option<std::time::Duration> {
    match e {
        PasswordCheckedError::Locked { retry_after } => {
            Some(std::time::Duration::from_secs(*retry_after))
        }
        _ => None,
    }
}

/// Checks the actor's password as changing it does: claimed against the
/// sign-in lockout first, and a wrong one counts.
async fn check_password(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    password: &str,
    failed_action: &'static str,
) -> Result<(), PasswordCheckedError> {
    let locked = |lock: Locked, now| PasswordCheckedError::Locked {
        retry_after: lock.retry_after(now),
    };
    if password.is_empty() {
        return Err(Invalid::one("password", "required", "must not be empty").into());
    }
    let attempt = match lockout::claim(ctx, actor.id()).await? {
        Ok(attempt) => attempt,
        Err(lock) => return Err(locked(lock, ctx.now())),
    };
    let current_hash = &actor.user.password_hash;
    let verified = verify_password(&ctx.hasher, password, Some(current_hash)).await;
    let mut tx = ctx.db.begin_write().await?;
    let now = ctx.now();
    if !verified {
        let lock = lockout::failed(&mut tx, meta, &attempt, failed_action, now).await?;
        tx.commit().await?;
        return Err(lock.map_or_else(
            || {
                Invalid(vec![FieldError::new(
                    "password",
                    "incorrect",
                    "is not the account's current password",
                )])
                .into()
            },
            |lock| locked(lock, now),
        ));
    }
    if let Some(user) = users::find_live_by_id_tx(&mut tx, actor.id()).await?
        && let Some(lock) = lockout::locked_by_others(&attempt, &user, now)
    {
        return Err(locked(lock, now));
    }
    // The right password: the claimed attempt is not a failure.
    users::unlock(&mut tx, actor.id(), now).await?;
    tx.commit().await?;
    Ok(())
}

/// Turns the second factor off: the secret and every recovery code go. Takes
/// the current password, so a session left open cannot do it.
pub async fn disable(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    password: &str,
) -> Result<(), PasswordCheckedError> {
    if second_factors::find_confirmed(&ctx.db, actor.id())
        .await?
        .is_none()
    {
        return Err(PasswordCheckedError::NotEnabled);
    }
    check_password(ctx, actor, meta, password, "user.password_check_failed").await?;
    let mut tx = ctx.db.begin_write().await?;
    let now = ctx.now();
    if !second_factors::remove(&mut tx, actor.id()).await? {
        return Err(PasswordCheckedError::NotEnabled);
    }
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "user.second_factor_disabled",
            entity_type: "user",
            entity_id: actor.id(),
            changes: json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces the recovery codes with ten new ones (the old ones stop working),
/// shown this once. Takes the current password.
pub async fn regenerate_recovery_codes(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    password: &str,
) -> Result<RecoveryCodes, PasswordCheckedError> {
    if second_factors::find_confirmed(&ctx.db, actor.id())
        .await?
        .is_none()
    {
        return Err(PasswordCheckedError::NotEnabled);
    }
    check_password(ctx, actor, meta, password, "user.password_check_failed").await?;
    let codes: Vec<RecoveryCode> = (0..RECOVERY_CODES)
        .map(|_| RecoveryCode::generate())
        .collect();
    let hashes: Vec<String> = codes.iter().map(RecoveryCode::hash).collect();
    let mut tx = ctx.db.begin_write().await?;
    let now = ctx.now();
    if !second_factors::has_confirmed_tx(&mut tx, actor.id()).await? {
        return Err(PasswordCheckedError::NotEnabled);
    }
    second_factors::replace_recovery_codes(&mut tx, actor.id(), &hashes, now).await?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "user.recovery_codes_regenerated",
            entity_type: "user",
            entity_id: actor.id(),
            changes: json!({ "recovery_codes": RECOVERY_CODES }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(RecoveryCodes(
        codes.iter().map(RecoveryCode::display).collect(),
    ))
}
