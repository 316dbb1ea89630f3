//! The failed-password lockout shared by signing in and changing the
//! password. Every attempt is claimed in the database before the (slow)
//! password check runs, so concurrent guesses cannot outrun the counter: at
//! most `max_failed_attempts` of them are ever checked before the lock, and
//! only the attempt whose claim locked the account sends the "locked" notice.

use medicaledu_domain::{Id, LockoutPolicy, NotificationKind, Timestamp};
use medicaledu_store::Tx;
use medicaledu_store::users::{self, UserRow};
use serde_json::json;

use crate::accounts::account_notice;
use crate::audit::{self, Change};
use crate::{AppContext, Internal, RequestMeta};

/// A claimed password attempt: already counted as failed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Attempt {
    user_id: Id,
    failed_attempts: i64,
    /// The lock this attempt's claim set, when it reached the limit.
    lock: Option<Timestamp>,
}

/// The account refuses password attempts until this instant.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Locked(pub Timestamp);

impl Locked {
    /// Seconds until the lock ends, for `Retry-After`.
    pub(crate) fn retry_after(self, now: Timestamp) -> u64 {
        LockoutPolicy::retry_after_seconds(Some(*self.0.as_datetime()), *now.as_datetime())
    }
}

/// Claims one password attempt on the account before its password is
/// checked, in a transaction of its own (the check must not hold the write
/// lock). `Err(Locked)` while the account is locked; the caller then does not
/// check the password at all.
pub(crate) async fn claim(
    ctx: &AppContext,
    user_id: Id,
) -> Result<Result<Attempt, Locked>, Internal> {
    let policy = &ctx.settings.lockout;
    let mut tx = ctx.db.begin_write().await?;
    let now = ctx.now();
    let lock_until = Timestamp::from(
        now.as_datetime()
            .checked_add_signed(policy.lock_duration)
            .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC),
    );
    let claimed = users::claim_password_attempt(
        &mut tx,
        user_id,
        i64::from(policy.max_failed_attempts),
        lock_until,
        now,
    )
    .await?;
    let Some(claimed) = claimed else {
        // Refused: read why under the same write lock. A vanished account
        // reads as locked for the longest a lock lasts; its caller answers
        // the same as for a locked one.
        let until = users::find_live_by_id_tx(&mut tx, user_id)
            .await?
            .and_then(|u| u.locked_until)
            .unwrap_or(lock_until);
        return Ok(Err(Locked(until)));
    };
    tx.commit().await?;
    Ok(Ok(Attempt {
        user_id,
        failed_attempts: claimed.failed_login_attempts,
        // An expired lock from before stays in the row; only one ahead of
        // `now` was set by this claim (nothing else can set one meanwhile).
        lock: claimed.locked_until.filter(|until| *until > now),
    }))
}

/// The lock that stops a right password, read in the transaction that acts on
/// it: any current lock other than the one this attempt's own claim set
/// (which a right password lifts).
pub(crate) fn locked_by_others(
    attempt: &Attempt,
    user: &UserRow,
    now: Timestamp,
) -> Option<Locked> {
    user.locked_until
        .filter(|until| *until > now && Some(*until) != attempt.lock)
        .map(Locked)
}

/// A right password that does not finish signing in (the second factor is
/// still to come): this attempt is no failure, so its claim is taken back and
/// any lock that claim set is lifted, but earlier failures still count, so
/// wrong codes after a right password lock the account as wrong passwords do.
pub(crate) async fn password_passed(
    tx: &mut Tx,
    attempt: &Attempt,
    now: Timestamp,
) -> Result<(), Internal> {
    users::release_password_attempt(tx, attempt.user_id, attempt.lock, now).await?;
    Ok(())
}

/// Records a failed attempt (already counted by its claim) in `tx`: audits
/// it as `action`, or as `user.locked` with the one notice of the lock when
/// this attempt's claim locked the account and that lock still stands.
/// Returns the lock in force, if any, which the caller answers with.
pub(crate) async fn failed(
    tx: &mut Tx,
    meta: &RequestMeta,
    attempt: &Attempt,
    action: &'static str,
    now: Timestamp,
) -> Result<Option<Locked>, Internal> {
    let current = users::find_live_by_id_tx(tx, attempt.user_id)
        .await?
        .and_then(|u| u.locked_until)
        .filter(|until| *until > now);
    let locked_here = attempt.lock.is_some() && current == attempt.lock;
    audit::record(
        tx,
        meta,
        now,
        Change {
            actor: None,
            action: if locked_here { "user.locked" } else { action },
            entity_type: "user",
            entity_id: attempt.user_id,
            changes: json!({ "failed_login_attempts": attempt.failed_attempts, "locked_until": current }),
        },
    )
    .await?;
    if locked_here {
        crate::telemetry::account_locked();
        account_notice(
            tx,
            attempt.user_id,
            NotificationKind::AccountLocked,
            "Account locked",
            "Too many failed password attempts: your account is locked for a while. If this was not you, change your password once you are back in.".into(),
            now,
        )
        .await?;
    }
    Ok(current.map(Locked))
}
