//! Accounts: opening one (sign-up or the operator), the owner's profile,
//! password changes and deletion, and the security notices an account gets.

use medicaledu_domain::{
    Bio, Credentials, Email, FullName, Headline, Id, Locale, NotificationKind, Password,
    PasswordHasher, Phone, Role, Specialty, TimeZone, Timestamp,
};
use medicaledu_store::users::{self, InsertUserError, NewUser, ProfileChanges, UserRow};
use medicaledu_store::{Db, Tx, sessions};
use serde_json::{Map, Value, json};

use crate::audit::{self, Change};
use crate::lockout::{self, Locked};
use crate::notify::{self, Notice};
use crate::{Actor, AppContext, Clock, FieldError, Fields, Internal, Invalid, RequestMeta};

/// A new account, checked and ready to store.
pub struct NewAccount {
    pub email: Email,
    pub password: Password,
    pub full_name: FullName,
    pub role: Role,
    pub timezone: TimeZone,
}

/// Who opens an account, for the audit log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreatedBy {
    /// Sign-up: `user.registered`, by the new user.
    SelfRegistration,
    /// `medicaledu admin create-user`: `user.created`, by the system.
    Operator,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateAccountError {
    /// The operator's wording; sign-up answers [`RegisterError::EmailTaken`].
    #[error("a live account already uses this email")]
    EmailTaken,
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(CreateAccountError);

crate::failure!(CreateAccountError {
    EmailTaken => EmailTaken,
} wraps {
    Internal(Internal),
});

/// Stores a new account with its audit entry in one transaction, for the
/// operator's `medicaledu admin create-user` (which runs before any server,
/// without a context, hence the database and hasher as arguments) and, through
/// [`register`], for sign-up.
pub async fn create_account(
    db: &Db,
    hasher: &PasswordHasher,
    account: NewAccount,
    created_by: CreatedBy,
    meta: &RequestMeta,
) -> Result<UserRow, CreateAccountError> {
    insert_account(db, hasher, account, created_by, meta, Clock::System).await
}

async fn insert_account(
    db: &Db,
    hasher: &PasswordHasher,
    account: NewAccount,
    created_by: CreatedBy,
    meta: &RequestMeta,
    clock: Clock,
) -> Result<UserRow, CreateAccountError> {
    let password_hash = hash_password(hasher, account.password).await?;
    let id = Id::generate();
    let mut tx = db.begin_write().await?;
    let now = clock.now();
    let user = users::insert(
        &mut tx,
        &NewUser {
            id,
            email: account.email.as_str(),
            password_hash: &password_hash,
            full_name: account.full_name.as_str(),
            role: account.role,
            timezone: account.timezone.as_str(),
            locale: "en",
            now,
        },
    )
    .await
    .map_err(|e| match e {
        InsertUserError::EmailTaken => CreateAccountError::EmailTaken,
        InsertUserError::Database(e) => CreateAccountError::from(e),
    })?;
    let (actor, action) = match created_by {
        CreatedBy::SelfRegistration => (Some(id), "user.registered"),
        CreatedBy::Operator => (None, "user.created"),
    };
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor,
            action,
            entity_type: "user",
            entity_id: id,
            changes: json!({ "email": user.email, "role": user.role, "full_name": user.full_name }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// Sign-up as it arrives: unchecked text.
#[derive(Clone, Debug, Default)]
pub struct RegisterInput {
    pub email: String,
    pub password: String,
    pub full_name: String,
    /// `student` or `instructor`.
    pub role: String,
    /// IANA time zone; `UTC` when absent.
    pub timezone: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("An account with this email already exists.")]
    EmailTaken,
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(RegisterError);

crate::failure!(RegisterError {
    EmailTaken => EmailTaken,
} wraps {
    Invalid(Invalid),
    Internal(Internal),
});

impl From<CreateAccountError> for RegisterError {
    fn from(e: CreateAccountError) -> Self {
        match e {
            CreateAccountError::EmailTaken => RegisterError::EmailTaken,
            CreateAccountError::Internal(e) => RegisterError::Internal(e),
        }
    }
}

/// Opens a student or instructor account (administrators are made by the
/// operator or by another administrator, never by sign-up).
pub async fn register(
    ctx: &AppContext,
    meta: &RequestMeta,
    input: RegisterInput,
) -> Result<UserRow, RegisterError> {
    let mut fields = Fields::default();
    let email = fields.check("email", Email::parse(&input.email));
    let password = fields.check("password", Password::parse(&input.password));
    let full_name = fields.check("full_name", FullName::parse(&input.full_name));
    let role = match input.role.parse::<Role>() {
        Ok(role) if role.self_registrable() => Some(role),
        _ => {
            fields.reject("role", "invalid", "must be `student` or `instructor`");
            None
        }
    };
    let timezone = match &input.timezone {
        Some(tz) => fields.check("timezone", TimeZone::parse(tz)),
        None => Some(TimeZone::utc()),
    };
    fields.finish()?;
    let (Some(email), Some(password), Some(full_name), Some(role), Some(timezone)) =
        (email, password, full_name, role, timezone)
    else {
        return Err(Internal::invariant("validated fields missing").into());
    };
    let account = NewAccount {
        email,
        password,
        full_name,
        role,
        timezone,
    };
    Ok(insert_account(
        &ctx.db,
        &ctx.hasher,
        account,
        CreatedBy::SelfRegistration,
        meta,
        ctx.clock,
    )
    .await?)
}

/// Argon2 is deliberately slow; it runs off the async workers.
pub(crate) async fn hash_password(
    hasher: &PasswordHasher,
    password: Password,
) -> Result<String, Internal> {
    let hasher = hasher.clone();
    Ok(tokio::task::spawn_blocking(move || hasher.hash(&password)).await??)
}

/// Whether `candidate` is the password of `phc`; without an account the work
/// is done all the same, so timing does not tell which emails exist.
pub(crate) async fn verify_password(
    hasher: &PasswordHasher,
    candidate: &str,
    phc: Option<&str>,
) -> bool {
    let hasher = hasher.clone();
    let candidate = candidate.to_owned();
    let phc = phc.map(str::to_owned);
    tokio::task::spawn_blocking(move || match phc {
        Some(phc) => hasher.verify(&candidate, &phc),
        None => {
            hasher.dummy_verify(&candidate);
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// A notice about the account's security, in the change's transaction.
pub(crate) async fn account_notice(
    tx: &mut Tx,
    user_id: Id,
    kind: NotificationKind,
    title: &str,
    body: String,
    now: Timestamp,
) -> Result<(), Internal> {
    let notice = Notice {
        kind,
        title: title.to_owned(),
        body,
        data: json!({}),
    };
    notify::send(tx, user_id, &notice, now).await
}

/// Profile changes as they arrive: `None` leaves a field as it is,
/// `Some(None)` clears an optional one.
#[derive(Clone, Debug, Default)]
pub struct ProfileInput {
    pub full_name: Option<String>,
    pub phone: Option<Option<String>>,
    pub timezone: Option<String>,
    pub locale: Option<String>,
    pub headline: Option<Option<String>>,
    pub bio: Option<Option<String>>,
    pub specialty: Option<Option<String>>,
    pub credentials: Option<Option<String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum UpdateProfileError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("Account not found.")]
    NotFound,
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(UpdateProfileError);

crate::failure!(UpdateProfileError {
    NotFound => NotFound,
} wraps {
    Invalid(Invalid),
    Internal(Internal),
});

/// Changes the actor's profile; absent fields stay as they are. Only
/// instructors have a professional profile (headline, bio, specialty,
/// credentials).
pub async fn update_profile(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    input: ProfileInput,
) -> Result<UserRow, UpdateProfileError> {
    let mut tx = ctx.db.begin_write().await?;
    let now = ctx.now();
    let before = users::find_live_by_id_tx(&mut tx, actor.id())
        .await?
        .ok_or(UpdateProfileError::NotFound)?;
    let changes = profile_changes(&input, before.role == Role::Instructor)?;
    let after = users::update_profile(&mut tx, before.id, &changes, now)
        .await?
        .ok_or(UpdateProfileError::NotFound)?;
    let diff = profile_diff(&before, &after);
    if !diff.is_empty() {
        audit::record(
            &mut tx,
            meta,
            now,
            Change {
                actor: Some(before.id),
                action: "user.updated",
                entity_type: "user",
                entity_id: before.id,
                changes: Value::Object(diff),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// Parses every field of a profile change, naming all the bad ones.
fn profile_changes(input: &ProfileInput, is_instructor: bool) -> Result<ProfileChanges, Invalid> {
    let mut fields = Fields::default();
    let mut changes = ProfileChanges {
        full_name: input
            .full_name
            .as_deref()
            .and_then(|v| fields.check("full_name", FullName::parse(v)))
            .map(|v| v.as_str().to_owned()),
        phone: input.phone.as_ref().map(|phone| match phone {
            Some(p) => fields
                .check("phone", Phone::parse(p))
                .map(|p| p.as_str().to_owned()),
            None => None,
        }),
        timezone: input
            .timezone
            .as_deref()
            .and_then(|v| fields.check("timezone", TimeZone::parse(v)))
            .map(|v| v.as_str().to_owned()),
        locale: input
            .locale
            .as_deref()
            .and_then(|v| fields.check("locale", Locale::parse(v)))
            .map(|v| v.as_str().to_owned()),
        ..ProfileChanges::default()
    };
    let mut profile = |name: &str,
                       value: &Option<Option<String>>,
                       parse: &dyn Fn(&str) -> Result<Option<String>, _>| {
        let value = value.as_ref()?;
        if !is_instructor {
            fields.reject(
                name,
                "not_allowed",
                "only instructors have a professional profile",
            );
            return None;
        }
        match value {
            Some(text) => fields.check(name, parse(text)),
            None => Some(None),
        }
    };
    changes.headline = profile("headline", &input.headline, &|v| {
        Headline::parse(v).map(|o| o.map(|h| h.as_str().to_owned()))
    });
    changes.bio = profile("bio", &input.bio, &|v| {
        Bio::parse(v).map(|o| o.map(|h| h.as_str().to_owned()))
    });
    changes.specialty = profile("specialty", &input.specialty, &|v| {
        Specialty::parse(v).map(|o| o.map(|h| h.as_str().to_owned()))
    });
    changes.credentials = profile("credentials", &input.credentials, &|v| {
        Credentials::parse(v).map(|o| o.map(|h| h.as_str().to_owned()))
    });
    fields.finish()?;
    Ok(changes)
}

/// `{"field": {"before": …, "after": …}}` for each profile field that changed.
pub(crate) fn profile_diff(before: &UserRow, after: &UserRow) -> Map<String, Value> {
    let pairs: [(&str, Value, Value); 10] = [
        ("full_name", json!(before.full_name), json!(after.full_name)),
        ("phone", json!(before.phone), json!(after.phone)),
        ("timezone", json!(before.timezone), json!(after.timezone)),
        ("locale", json!(before.locale), json!(after.locale)),
        ("headline", json!(before.headline), json!(after.headline)),
        ("bio", json!(before.bio), json!(after.bio)),
        ("specialty", json!(before.specialty), json!(after.specialty)),
        (
            "credentials",
            json!(before.credentials),
            json!(after.credentials),
        ),
        ("role", json!(before.role), json!(after.role)),
        ("status", json!(before.status), json!(after.status)),
    ];
    pairs
        .into_iter()
        .filter(|(_, b, a)| b != a)
        .map(|(name, b, a)| (name.to_owned(), json!({ "before": b, "after": a })))
        .collect()
}

#[derive(Clone, Debug, Default)]
pub struct ChangePasswordInput {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ChangePasswordError {
    /// A weak new password, or a wrong current one.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// Too many wrong passwords, here or at sign-in: the same lockout.
    #[error("Too many failed password attempts: the account is locked for a while.")]
    Locked {
        /// Seconds until the lock ends.
        retry_after: u64,
    },
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(ChangePasswordError);

crate::failure!(ChangePasswordError {
    Locked { .. } => AccountLocked,
} wraps {
    Invalid(Invalid),
    Internal(Internal),
} retry_after = locked_retry_after);

fn locked_retry_after(e: &ChangePasswordError) -> Option<std::time::Duration> {
    match e {
        ChangePasswordError::Locked { retry_after } => {
            Some(std::time::Duration::from_secs(*retry_after))
        }
        _ => None,
    }
}

fn password_locked(lock: Locked, now: Timestamp) -> ChangePasswordError {
    ChangePasswordError::Locked {
        retry_after: lock.retry_after(now),
    }
}

fn wrong_current_password() -> FieldError {
    FieldError::new(
        "current_password",
        "incorrect",
        "is not the account's current password",
    )
}

/// Changes the actor's password and signs out every other session of the
/// account; the calendar feed token stops working too.
pub async fn change_password(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    input: ChangePasswordInput,
) -> Result<(), ChangePasswordError> {
    let mut fields = Fields::default();
    let new_password = fields.check("new_password", Password::parse(&input.new_password));
    let weak = fields.finish();
    // A stolen session must not guess the password at leisure: each check
    // is claimed against the sign-in lockout first, and a wrong one counts.
    let attempt = match lockout::claim(ctx, actor.id()).await? {
        Ok(attempt) => attempt,
        Err(lock) => return Err(password_locked(lock, ctx.now())),
    };
    // Verified against the hash the actor authenticated with; the update
    // below only applies while that is still the stored hash.
    let current_hash = &actor.user.password_hash;
    if !verify_password(&ctx.hasher, &input.current_password, Some(current_hash)).await {
        let mut tx = ctx.db.begin_write().await?;
        let now = ctx.now();
        let lock =
            lockout::failed(&mut tx, meta, &attempt, "user.password_check_failed", now).await?;
        tx.commit().await?;
        if let Some(lock) = lock {
            return Err(password_locked(lock, now));
        }
        let mut errors = weak.err().map(|e| e.0).unwrap_or_default();
        errors.push(wrong_current_password());
        return Err(Invalid(errors).into());
    }
    let mut tx = ctx.db.begin_write().await?;
    let now = ctx.now();
    if let Some(user) = users::find_live_by_id_tx(&mut tx, actor.id()).await?
        && let Some(lock) = lockout::locked_by_others(&attempt, &user, now)
    {
        return Err(password_locked(lock, now));
    }
    // The right password: the claimed attempt is not a failure.
    users::unlock(&mut tx, actor.id(), now).await?;
    tx.commit().await?;
    weak?;
    let Some(new_password) = new_password else {
        return Err(Internal::invariant("validated password missing").into());
    };
    // Hashing is slow: it happens before the write transaction begins.
    let hash = hash_password(&ctx.hasher, new_password).await?;
    let mut tx = ctx.db.begin_write().await?;
    let now = ctx.now();
    if !users::set_password(&mut tx, actor.id(), current_hash, &hash, now).await? {
        return Err(Invalid(vec![wrong_current_password()]).into());
    }
    let revoked = sessions::revoke_all(&mut tx, actor.id(), Some(actor.session_id), now).await?;
    // The feed token is a credential too: whoever made the change may be
    // shutting out someone who learnt the old password.
    users::set_calendar_token(&mut tx, actor.id(), None, now).await?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "user.password_changed",
            entity_type: "user",
            entity_id: actor.id(),
            changes: json!({ "sessions_revoked": revoked }),
        },
    )
    .await?;
    account_notice(
        &mut tx,
        actor.id(),
        NotificationKind::PasswordChanged,
        "Password changed",
        "Your password was changed and your other sessions were signed out. If this was not you, contact an administrator.".into(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes the actor's account. It is kept for the history that refers to it
/// (bookings, payments) but can no longer sign in, and its email is free
/// again.
pub async fn delete_me(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
) -> Result<(), Internal> {
    let mut tx = ctx.db.begin_write().await?;
    let now = ctx.now();
    users::soft_delete(&mut tx, actor.id(), now).await?;
    sessions::revoke_all(&mut tx, actor.id(), None, now).await?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "user.deleted",
            entity_type: "user",
            entity_id: actor.id(),
            changes: json!({ "deleted_at": now }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
