//! The keys that sign credentials: made on first use, kept encrypted under
//! the configured credential key, rotated and retired by the operator.

use medicaledu_credentials::{EncryptedKey, KeyEncryptionKey, PublicKey, PublishedKey, SigningKey};
use medicaledu_domain::{Id, Timestamp};
use medicaledu_store::Tx;
use medicaledu_store::cme::certificates::{self, SigningKeyRow};
use serde_json::json;

use crate::audit::{self, Change};
use crate::{AppContext, Internal, ReadError, RequestMeta};

/// The key that signs now (the newest not retired), made if there is none.
/// Two replicas making the first key at once both succeed: both keys are
/// published, and each signs what it signed.
pub(crate) async fn current(
    tx: &mut Tx,
    kek: &KeyEncryptionKey,
    now: Timestamp,
) -> Result<(Id, SigningKey), Internal> {
    if let Some(row) = certificates::current_key_tx(tx).await? {
        let sealed = EncryptedKey::parse(&row.private_key).map_err(Internal::new)?;
        let key = SigningKey::decrypt(&row.id.to_string(), &sealed, kek).map_err(Internal::new)?;
        return Ok((row.id, key));
    }
    create(tx, kek, now).await
}

/// A new key, stored sealed under `kek`; it signs from now on.
async fn create(
    tx: &mut Tx,
    kek: &KeyEncryptionKey,
    now: Timestamp,
) -> Result<(Id, SigningKey), Internal> {
    let id = Id::generate();
    let key = SigningKey::generate(id.to_string()).map_err(Internal::new)?;
    let sealed = key.encrypt(kek).map_err(Internal::new)?;
    certificates::insert_key(
        tx,
        &SigningKeyRow {
            id,
            public_key: key.public_key().to_text(),
            private_key: sealed.as_str().to_owned(),
            created_at: now,
            retired_at: None,
        },
    )
    .await?;
    Ok((id, key))
}

/// Every key a verifier may need.
pub(crate) fn published(rows: &[SigningKeyRow]) -> Result<Vec<PublishedKey>, Internal> {
    rows.iter()
        .map(|row| {
            Ok(PublishedKey {
                kid: row.id.to_string(),
                public: PublicKey::parse(&row.public_key).map_err(Internal::new)?,
            })
        })
        .collect()
}

/// A signing key as the operator sees it: never its private part.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SigningKeyView {
    /// The `kid` in credentials' headers and the JWKS.
    pub kid: Id,
    pub created_at: Timestamp,
    /// When it stopped being published; its credentials no longer verify.
    pub retired_at: Option<Timestamp>,
    /// Whether it signs the next certificate.
    pub signing: bool,
    pub certificates: i64,
    pub certificates_in_force: i64,
}

/// Every key, oldest first, and which one signs.
pub async fn list(ctx: &AppContext) -> Result<Vec<SigningKeyView>, ReadError> {
    let rows = certificates::key_usage(&ctx.db).await?;
    let signing = rows
        .iter()
        .filter(|row| row.retired_at.is_none())
        .max_by_key(|row| (row.created_at, row.id))
        .map(|row| row.id);
    Ok(rows
        .into_iter()
        .map(|row| SigningKeyView {
            kid: row.id,
            created_at: row.created_at,
            retired_at: row.retired_at,
            signing: Some(row.id) == signing,
            certificates: row.certificates,
            certificates_in_force: row.in_force,
        })
        .collect())
}

#[derive(Debug, thiserror::Error)]
pub enum RotateKeyError {
    #[error("No credential key is configured: set MEDICALEDU_CREDENTIAL_KEY.")]
    Unavailable,
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(RotateKeyError);

/// Makes a new signing key that signs every certificate from now on. The
/// keys before it stay published, so what they signed keeps verifying.
pub async fn rotate(ctx: &AppContext, meta: &RequestMeta) -> Result<Id, RotateKeyError> {
    let kek = ctx
        .settings
        .credential_key
        .clone()
        .ok_or(RotateKeyError::Unavailable)?;
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let (id, key) = create(&mut tx, &kek, now).await?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: None,
            action: "cme_signing_key.created",
            entity_type: "cme_signing_key",
            entity_id: id,
            changes: json!({ "public_key": key.public_key().to_text() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, thiserror::Error)]
pub enum RetireKeyError {
    #[error("No signing key has that id.")]
    NotFound,
    #[error("That key is retired already.")]
    Retired,
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(RetireKeyError);

/// Withdraws a key, for one that may have leaked: it signs nothing more and
/// leaves the JWKS, so the credentials it signed stop verifying (their
/// certificates' pages and PDFs are unchanged; an administrator re-issues
/// those that should stay verifiable). The next certificate is signed by
/// the newest key left, or a new one.
pub async fn retire(ctx: &AppContext, meta: &RequestMeta, kid: Id) -> Result<(), RetireKeyError> {
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    if !certificates::retire_key(&mut tx, kid, now).await? {
        let known = certificates::all_keys_tx(&mut tx)
            .await?
            .iter()
            .any(|row| row.id == kid);
        return Err(if known {
            RetireKeyError::Retired
        } else {
            RetireKeyError::NotFound
        });
    }
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: None,
            action: "cme_signing_key.retired",
            entity_type: "cme_signing_key",
            entity_id: kid,
            changes: json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum ResealError {
    #[error("No credential key is configured: set MEDICALEDU_CREDENTIAL_KEY to the new key.")]
    Unavailable,
    /// Neither the old nor the new credential key opens this key: nothing
    /// was changed.
    #[error(
        "Signing key {0} opens with neither the old nor the new credential key; nothing was changed."
    )]
    Unreadable(Id),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(ResealError);

/// What re-sealing did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Resealed {
    /// Keys now sealed under the new credential key.
    pub resealed: usize,
    /// Keys that were sealed under it already (a run repeated after a
    /// partial roll-out).
    pub unchanged: usize,
}

/// Seals every signing key, retired ones too, under the configured
/// credential key instead of `old`: how an operator replaces the credential
/// key without losing the signing keys. All keys or none change, and running
/// it again is harmless.
pub async fn reseal(
    ctx: &AppContext,
    meta: &RequestMeta,
    old: &KeyEncryptionKey,
) -> Result<Resealed, ResealError> {
    let new = ctx
        .settings
        .credential_key
        .clone()
        .ok_or(ResealError::Unavailable)?;
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let mut done = Resealed::default();
    for row in certificates::all_keys_tx(&mut tx).await? {
        let kid = row.id.to_string();
        let sealed = EncryptedKey::parse(&row.private_key).map_err(Internal::new)?;
        if SigningKey::decrypt(&kid, &sealed, &new).is_ok() {
            done.unchanged += 1;
            continue;
        }
        let key =
            SigningKey::decrypt(&kid, &sealed, old).map_err(|_| ResealError::Unreadable(row.id))?;
        let resealed = key.encrypt(&new).map_err(Internal::new)?;
        certificates::reseal_key(&mut tx, row.id, resealed.as_str()).await?;
        audit::record(
            &mut tx,
            meta,
            now,
            Change {
                actor: None,
                action: "cme_signing_key.resealed",
                entity_type: "cme_signing_key",
                entity_id: row.id,
                changes: json!({}),
            },
        )
        .await?;
        done.resealed += 1;
    }
    tx.commit().await?;
    Ok(done)
}
