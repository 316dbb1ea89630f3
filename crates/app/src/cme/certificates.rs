//! Certificates: issued from a claim as a frozen snapshot with its hash and
//! a signed Open Badges credential; verified by anyone from the code alone;
//! never edited, only revoked or re-issued by an administrator.

use chrono::{DateTime, Utc};
use medicaledu_credentials::{Revoked, jwks, revocation_list, sign_credential};
use medicaledu_domain::{
    BadgeLinks, CertificateCode, CertificateFacts, CertificateSnapshot, CreditAmount,
    open_badge_credential,
};
use medicaledu_domain::{CertificateStatus, CourseTitle, FullName, Id, Timestamp};
use medicaledu_store::Tx;
use medicaledu_store::cme::activities::{self, ActivityRow, DesignationRow};
use medicaledu_store::cme::certificates::{self, CertificateRow, InsertCertificateError};
use medicaledu_store::cme::claims::{self, ClaimRow};
use medicaledu_store::cme::providers::{self, ProviderRow};
use medicaledu_store::{courses, users};
use serde_json::{Value, json};

use super::catalog::designation_of;
use super::keys;
use crate::audit::{self, Change};
use crate::{Actor, AppContext, Fields, Forbidden, Internal, Invalid, ReadError, RequestMeta};

/// The URLs a credential names, under the configured public URL.
pub struct Links {
    pub credential_id: String,
    pub issuer_id: String,
    pub achievement_id: String,
    pub status_url: String,
}

pub fn verify_url(ctx: &AppContext, code: &str) -> String {
    format!("{}/verify/{code}", ctx.settings.public_url)
}

pub fn status_list_url(ctx: &AppContext) -> String {
    format!("{}/cme/credentials/status", ctx.settings.public_url)
}

fn links(ctx: &AppContext, code: &CertificateCode, provider_id: Id, designation_id: Id) -> Links {
    let base = &ctx.settings.public_url;
    Links {
        credential_id: verify_url(ctx, &code.to_string()),
        issuer_id: format!("{base}/cme/providers/{provider_id}"),
        achievement_id: format!("{base}/cme/designations/{designation_id}"),
        status_url: status_list_url(ctx),
    }
}

/// What issuing needs besides the claim.
pub(crate) struct IssueFacts<'a> {
    pub claim: &'a ClaimRow,
    pub designation: &'a DesignationRow,
    pub activity: &'a ActivityRow,
    pub provider: &'a ProviderRow,
    pub supersedes: Option<(Id, CertificateCode)>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum IssueError {
    #[error("no credential key is configured")]
    Unavailable,
    #[error("a certificate is already in force")]
    InForce,
    #[error(transparent)]
    Internal(#[from] Internal),
}

impl From<sqlx::Error> for IssueError {
    fn from(e: sqlx::Error) -> Self {
        IssueError::Internal(e.into())
    }
}

/// Issues a certificate inside the caller's transaction, from what is
/// stored now: the learner's name and the course's title are frozen into
/// the snapshot here, and nothing later changes them.
pub(crate) async fn issue(
    ctx: &AppContext,
    tx: &mut Tx,
    facts: IssueFacts<'_>,
    now: Timestamp,
) -> Result<CertificateRow, IssueError> {
    let kek = ctx
        .settings
        .credential_key
        .clone()
        .ok_or(IssueError::Unavailable)?;
    let learner = users::find_live_by_id_tx(tx, facts.claim.learner_id)
        .await?
        .ok_or_else(|| Internal::invariant("the claiming learner is gone"))?;
    let course = courses::find_by_id_any_tx(tx, facts.activity.course_id)
        .await?
        .ok_or_else(|| Internal::invariant("the activity's course is gone"))?;
    let learner_name = FullName::parse(&learner.full_name)
        .map_err(|_| Internal::invariant("a stored name does not parse"))?;
    let title = CourseTitle::parse(&course.title)
        .map_err(|_| Internal::invariant("a stored title does not parse"))?;
    let statement = medicaledu_domain::Statement::parse(&facts.provider.accreditation_statement)
        .map_err(|_| Internal::invariant("a stored statement does not parse"))?;
    let designation = designation_of(facts.designation)?;
    // Whole seconds: the JWT's `nbf` can only say seconds, and it must
    // match `validFrom`.
    let issued_at = Timestamp::from(
        DateTime::<Utc>::from_timestamp(now.as_datetime().timestamp(), 0)
            .ok_or_else(|| Internal::invariant("the clock is out of range"))?,
    );
    let code = CertificateCode::generate();
    let snapshot = CertificateSnapshot::new(&CertificateFacts {
        code,
        kind: facts.claim.kind,
        learner_name: &learner_name,
        activity_title: &title,
        format: facts.activity.format,
        activity_starts_on: facts.activity.release_on,
        activity_ends_on: facts.activity.expires_on,
        completed_on: facts.claim.completed_at.as_datetime().date_naive(),
        designation: &designation,
        claimed: CreditAmount::from_hundredths(facts.claim.credit_hundredths)
            .map_err(|_| Internal::invariant("a stored claim amount is out of range"))?,
        provider_name: &facts.provider.name,
        accreditation_statement: &statement,
        issued_at,
        supersedes: facts.supersedes.map(|(_, code)| code),
    });
    let links = links(ctx, &code, facts.provider.id, facts.designation.id);
    let credential = open_badge_credential(
        &snapshot,
        &BadgeLinks {
            credential_id: &links.credential_id,
            issuer_id: &links.issuer_id,
            achievement_id: &links.achievement_id,
            status_url: &links.status_url,
        },
    );
    let (key_id, key) = keys::current(tx, &kek, now).await?;
    let token =
        sign_credential(&credential, &key, *issued_at.as_datetime()).map_err(Internal::new)?;
    let row = CertificateRow {
        id: Id::generate(),
        claim_id: facts.claim.id,
        learner_id: facts.claim.learner_id,
        code: code.to_string(),
        snapshot: snapshot.canonical_json(),
        snapshot_sha256: snapshot.sha256_hex(),
        credential: token,
        signing_key_id: key_id,
        supersedes_id: facts.supersedes.map(|(id, _)| id),
        issued_at,
        revoked_at: None,
        revocation_reason: None,
        superseded_by: None,
    };
    certificates::insert(tx, &row).await.map_err(|e| match e {
        InsertCertificateError::InForce => IssueError::InForce,
        InsertCertificateError::Database(e) => IssueError::from(e),
    })?;
    Ok(row)
}

/// A certificate as anyone may see it.
#[derive(Clone, Debug)]
pub struct CertificateView {
    pub id: Id,
    pub code: String,
    pub snapshot: CertificateSnapshot,
    /// Exactly the bytes hashed.
    pub canonical_json: String,
    pub sha256: String,
    pub status: CertificateStatus,
    pub revoked_at: Option<Timestamp>,
    pub revocation_reason: Option<String>,
    pub superseded_by: Option<String>,
    /// The signed Open Badges credential (compact JWT).
    pub credential: String,
}

fn view_of(row: CertificateRow) -> Result<CertificateView, Internal> {
    let snapshot: CertificateSnapshot =
        serde_json::from_str(&row.snapshot).map_err(Internal::new)?;
    // The stored hash is what was printed; a record that no longer matches
    // it has been tampered with and must not verify.
    if snapshot.sha256_hex() != row.snapshot_sha256 || snapshot.canonical_json() != row.snapshot {
        return Err(Internal::invariant(format!(
            "certificate {} no longer matches its hash",
            row.code
        )));
    }
    let status = match (&row.revoked_at, &row.superseded_by) {
        (None, _) => CertificateStatus::Active,
        (Some(_), Some(_)) => CertificateStatus::Superseded,
        (Some(_), None) => CertificateStatus::Revoked,
    };
    Ok(CertificateView {
        id: row.id,
        code: row.code,
        snapshot,
        canonical_json: row.snapshot,
        sha256: row.snapshot_sha256,
        status,
        revoked_at: row.revoked_at,
        revocation_reason: row.revocation_reason,
        superseded_by: row.superseded_by,
        credential: row.credential,
    })
}

/// The certificate with this code, for anyone: no sign-in. A code that is
/// not a well-formed certificate code is simply not found.
pub async fn verify(ctx: &AppContext, code: &str) -> Result<CertificateView, ReadError> {
    let code = CertificateCode::parse(code).ok_or(ReadError::NotFound("Certificate"))?;
    let row = certificates::find_by_code(&ctx.db, &code.to_string())
        .await?
        .ok_or(ReadError::NotFound("Certificate"))?;
    Ok(view_of(row)?)
}

/// The signed-in learner's certificates, newest first.
pub async fn mine(ctx: &AppContext, actor: &Actor) -> Result<Vec<CertificateView>, ReadError> {
    certificates::for_learner(&ctx.db, actor.id())
        .await?
        .into_iter()
        .map(|row| view_of(row).map_err(ReadError::from))
        .collect()
}

/// The public keys of every key not retired, as a JWKS.
pub async fn key_set(ctx: &AppContext) -> Result<Value, ReadError> {
    let rows = certificates::published_keys(&ctx.db).await?;
    Ok(jwks(&keys::published(&rows)?))
}

/// The 1EdTech revocation list: every ended certificate's credential id.
pub async fn revocations(ctx: &AppContext) -> Result<Value, ReadError> {
    let entries: Vec<Revoked> = certificates::revoked(&ctx.db)
        .await?
        .into_iter()
        .map(|(code, reason)| Revoked {
            credential_id: verify_url(ctx, &code),
            reason: Some(reason).filter(|r| !r.is_empty()),
        })
        .collect();
    Ok(revocation_list(
        &status_list_url(ctx),
        &format!("{}/cme/providers", ctx.settings.public_url),
        &entries,
    ))
}

#[derive(Debug, thiserror::Error)]
pub enum EndCertificateError {
    #[error("Certificate not found.")]
    NotFound,
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("The certificate was revoked or re-issued already.")]
    Ended,
    #[error("No key to sign credentials is configured.")]
    Unavailable,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(EndCertificateError);

crate::failure!(EndCertificateError {
    NotFound => NotFound,
    Ended => CertificateEnded,
    Unavailable => CredentialsUnavailable,
} wraps {
    Forbidden(Forbidden),
    Invalid(Invalid),
    Internal(Internal),
});

fn reason_of(reason: &str) -> Result<String, Invalid> {
    let mut fields = Fields::default();
    let trimmed = reason.trim();
    if trimmed.is_empty() {
        fields.reject("reason", "required", "must not be empty");
    } else if trimmed.chars().count() > 500 {
        fields.reject("reason", "too_long", "must be at most 500 characters");
    } else if trimmed
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        fields.reject(
            "reason",
            "invalid",
            "must not contain control characters other than line breaks and tabs",
        );
    }
    fields.finish()?;
    Ok(trimmed.to_owned())
}

/// Revokes a certificate in force. Its page then says so, with the date.
pub async fn revoke(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    certificate_id: Id,
    reason: &str,
) -> Result<CertificateView, EndCertificateError> {
    actor.require_admin()?;
    let reason = reason_of(reason)?;
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let current = certificates::find_tx(&mut tx, certificate_id)
        .await?
        .ok_or(EndCertificateError::NotFound)?;
    if !certificates::revoke(&mut tx, current.id, &reason, now).await? {
        return Err(EndCertificateError::Ended);
    }
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "cme_certificate.revoked",
            entity_type: "cme_certificate",
            entity_id: current.id,
            changes: json!({ "code": current.code, "reason": reason }),
        },
    )
    .await?;
    let ended = certificates::find_tx(&mut tx, current.id)
        .await?
        .ok_or(EndCertificateError::NotFound)?;
    tx.commit().await?;
    Ok(view_of(ended)?)
}

/// Re-issues a certificate in force: a new code, from what is stored now,
/// that supersedes the old one (which then reads "superseded").
pub async fn reissue(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    certificate_id: Id,
    reason: &str,
) -> Result<CertificateView, EndCertificateError> {
    actor.require_admin()?;
    let reason = reason_of(reason)?;
    let now = ctx.now();
    let mut tx = ctx.db.begin_write().await?;
    let current = certificates::find_tx(&mut tx, certificate_id)
        .await?
        .ok_or(EndCertificateError::NotFound)?;
    let old_code = CertificateCode::parse(&current.code)
        .ok_or_else(|| Internal::invariant("a stored certificate code does not parse"))?;
    if !certificates::revoke(&mut tx, current.id, &reason, now).await? {
        return Err(EndCertificateError::Ended);
    }
    let claim = claims::find_tx(&mut tx, current.claim_id)
        .await?
        .ok_or_else(|| Internal::invariant("a certificate's claim is gone"))?;
    let designation = activities::find_designation_any_tx(&mut tx, claim.designation_id)
        .await?
        .ok_or_else(|| Internal::invariant("a claim's designation is gone"))?;
    let activity = activities::find_any_tx(&mut tx, designation.activity_id)
        .await?
        .ok_or_else(|| Internal::invariant("a designation's activity is gone"))?;
    let provider = providers::find_any_tx(&mut tx, activity.provider_id)
        .await?
        .ok_or_else(|| Internal::invariant("an activity's provider is gone"))?;
    let issued = issue(
        ctx,
        &mut tx,
        IssueFacts {
            claim: &claim,
            designation: &designation,
            activity: &activity,
            provider: &provider,
            supersedes: Some((current.id, old_code)),
        },
        now,
    )
    .await
    .map_err(|e| match e {
        IssueError::Unavailable => EndCertificateError::Unavailable,
        IssueError::InForce => EndCertificateError::Ended,
        IssueError::Internal(e) => EndCertificateError::Internal(e),
    })?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "cme_certificate.reissued",
            entity_type: "cme_certificate",
            entity_id: issued.id,
            changes: json!({ "code": issued.code, "supersedes": current.code, "reason": reason }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(view_of(issued)?)
}

/// The certificate's PDF, drawn from its snapshot alone: renaming the
/// learner or the course later changes nothing in it. `labels` are the
/// fixed words, in the reader's language.
pub async fn pdf(
    ctx: &AppContext,
    code: &str,
    labels: &medicaledu_documents::CertificateLabels,
) -> Result<(CertificateView, Vec<u8>), ReadError> {
    let view = verify(ctx, code).await?;
    let bytes = medicaledu_documents::certificate_pdf(
        &view.snapshot,
        &view.sha256,
        &verify_url(ctx, &view.code),
        labels,
    )
    .map_err(Internal::new)?;
    Ok((view, bytes))
}
