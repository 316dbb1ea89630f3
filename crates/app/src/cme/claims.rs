//! Claiming credit: the learner's situation is checked inside the write
//! transaction, the claim is recorded, and its certificate is issued in the
//! same transaction, so two claims at once make one claim and one certificate.

use medicaledu_domain::{AssessmentKind, CertificateKind, Id, Profession, Timestamp};
use medicaledu_domain::{
    ClaimFacts, ClaimRefusal, Designation, Ineligible, check_claim, claim_eligibility,
};
use medicaledu_store::Tx;
use medicaledu_store::cme::activities::{self, ActivityRow, DesignationRow};
use medicaledu_store::cme::attempts;
use medicaledu_store::cme::claims::{self, ClaimRow, InsertClaimError};
use medicaledu_store::cme::providers;
use serde_json::json;

use super::catalog::designation_of;
use super::certificates::{CertificateView, IssueError, IssueFacts, issue};
use super::day_start;
use crate::audit::{self, Change};
use crate::{Actor, AppContext, FieldError, Internal, Invalid, ReadError, RequestMeta};

/// What the learner attests to when claiming; stored with the claim.
pub const ATTESTATION: &str = "I claim only the credit commensurate with the extent of my \
     participation in the activity, and the time shown is a fair record of it.";

#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    #[error("{0} not found.")]
    NotFound(&'static str),
    #[error("{0}")]
    Ineligible(Ineligible),
    #[error("Credit on this designation has been claimed already.")]
    AlreadyClaimed,
    #[error("No key to sign credentials is configured.")]
    Unavailable,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Internal(Internal),
}

crate::internal_from!(ClaimError);

crate::failure!(ClaimError {
    NotFound(_) => NotFound,
    Ineligible(Ineligible::NotReleased) => NotReleased,
    Ineligible(Ineligible::ActivityExpired) => ActivityExpired,
    Ineligible(Ineligible::MaterialsIncomplete) => MaterialsIncomplete,
    Ineligible(Ineligible::NotAttended) => NotAttended,
    Ineligible(Ineligible::PostTestNotPassed) => PostTestNotPassed,
    Ineligible(Ineligible::EvaluationMissing) => EvaluationMissing,
    AlreadyClaimed => AlreadyClaimed,
    Unavailable => CredentialsUnavailable,
} wraps {
    Invalid(Invalid),
    Internal(Internal),
});

/// A claim as the learner makes it.
#[derive(Clone, Debug)]
pub struct ClaimInput {
    pub designation_id: Id,
    /// Decimal credits, e.g. `1.5`; ignored when only participation is due.
    pub credits: String,
    /// The learner ticked the attestation.
    pub attest: bool,
}

/// What the claim form shows beside the amount: the time measured.
#[derive(Clone, Copy, Debug)]
pub struct Measured {
    pub material_seconds: i64,
    pub session_seconds: i64,
}

/// The claim and the certificate issued from it.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub claim: ClaimRow,
    pub certificate: CertificateView,
}

/// Claims credit on one of the course's designations and issues its certificate.
pub async fn claim(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    course_id: Id,
    input: ClaimInput,
) -> Result<Claimed, ClaimError> {
    if ctx.settings.credential_key.is_none() {
        return Err(ClaimError::Unavailable);
    }
    if !input.attest {
        return Err(Invalid::one("attest", "required", "must be accepted to claim").into());
    }
    let mut tx = ctx.db.begin_write().await?;
    // Read the clock once the write lock is held, so it is never behind
    // what the transactions before this one wrote.
    let now = ctx.now();
    let designation = activities::find_designation_tx(&mut tx, input.designation_id)
        .await?
        .ok_or(ClaimError::NotFound("Designation"))?;
    let activity = activities::find_by_course_tx(&mut tx, course_id)
        .await?
        .filter(|a| a.id == designation.activity_id)
        .ok_or(ClaimError::NotFound("Designation"))?;
    let provider = providers::find_any_tx(&mut tx, activity.provider_id)
        .await?
        .ok_or_else(|| Internal::invariant("an activity's provider is gone"))?;
    if claims::live_tx(&mut tx, designation.id, actor.id())
        .await?
        .is_some()
    {
        return Err(ClaimError::AlreadyClaimed);
    }
    let work = work_tx(&mut tx, &activity, actor.id()).await?;
    let domain_designation = designation_of(&designation)?;
    let kind =
        eligibility(&activity, &work, &domain_designation, now).map_err(ClaimError::Ineligible)?;
    let credit_hundredths = match kind {
        CertificateKind::Credit => check_claim(
            &input.credits,
            domain_designation.maximum,
            domain_designation.step,
        )
        .map_err(|refusal: ClaimRefusal| {
            Invalid(vec![FieldError::from_issue("credits", refusal.issue())])
        })?
        .hundredths(),
        CertificateKind::Participation => 0,
    };
    let completed_at: Timestamp = claims::completed_at_tx(&mut tx, activity.id, actor.id())
        .await?
        .unwrap_or(now);
    let row = ClaimRow {
        id: Id::generate(),
        designation_id: designation.id,
        learner_id: actor.id(),
        kind,
        credit_hundredths,
        attestation: ATTESTATION.to_owned(),
        measured_seconds: work.progress.material_seconds + work.progress.session_seconds,
        completed_at,
        claimed_at: now,
        voided_at: None,
    };
    claims::insert(&mut tx, &row).await.map_err(|e| match e {
        InsertClaimError::AlreadyClaimed => ClaimError::AlreadyClaimed,
        InsertClaimError::Database(e) => ClaimError::from(e),
    })?;
    let certificate = issue(
        ctx,
        &mut tx,
        IssueFacts {
            claim: &row,
            designation: &designation,
            activity: &activity,
            provider: &provider,
            supersedes: None,
        },
        now,
    )
    .await
    .map_err(|e| match e {
        IssueError::Unavailable => ClaimError::Unavailable,
        IssueError::InForce => ClaimError::AlreadyClaimed,
        IssueError::Internal(e) => ClaimError::Internal(e),
    })?;
    audit::record(
        &mut tx,
        meta,
        now,
        Change {
            actor: Some(actor.id()),
            action: "cme_claim.created",
            entity_type: "cme_claim",
            entity_id: row.id,
            changes: json!({
                "designation_id": designation.id,
                "kind": kind,
                "credit_hundredths": credit_hundredths,
                "certificate": certificate.code,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    let certificate = super::certificates::verify(ctx, &certificate.code)
        .await
        .map_err(|e| match e {
            crate::ReadError::Internal(e) => ClaimError::Internal(e),
            _ => ClaimError::Internal(Internal::invariant("a certificate just issued is gone")),
        })?;
    Ok(Claimed {
        claim: row,
        certificate,
    })
}

/// What the store knows of the learner's work on an activity when they claim.
struct Work {
    progress: claims::Progress,
    post_test_passed: bool,
    evaluation_submitted: bool,
    profession: Option<Profession>,
}

/// Read in the caller's transaction, so a claim decides on what cannot
/// change under it.
async fn work_tx(tx: &mut Tx, activity: &ActivityRow, learner_id: Id) -> Result<Work, Internal> {
    let progress = claims::progress_tx(tx, activity.course_id, learner_id).await?;
    let (_, post_test_passed) =
        attempts::outcome_tx(tx, activity.id, AssessmentKind::PostTest, learner_id).await?;
    let (evaluation_submitted, _) =
        attempts::outcome_tx(tx, activity.id, AssessmentKind::Evaluation, learner_id).await?;
    let profession = claims::profession_tx(tx, learner_id).await?;
    Ok(Work {
        progress,
        post_test_passed,
        evaluation_submitted,
        profession,
    })
}

/// The certificate a claim on `designation` brings at `now`, or the first
/// condition not met.
fn eligibility(
    activity: &ActivityRow,
    work: &Work,
    designation: &Designation,
    now: Timestamp,
) -> Result<CertificateKind, Ineligible> {
    claim_eligibility(&ClaimFacts {
        format: activity.format,
        released_at: day_start(activity.release_on),
        // The expiry date is the last day credit may be claimed.
        expires_at: activity
            .expires_on
            .map(|day| day_start(day + chrono::Days::new(1))),
        materials_complete: work.progress.materials_complete,
        attended: work.progress.attended,
        post_test_passed: work.post_test_passed,
        evaluation_submitted: work.evaluation_submitted,
        profession: work.profession,
        designation,
        now,
    })
}

/// One of the course's designations as the learner stands towards it.
#[derive(Clone, Debug)]
pub struct Outlook {
    pub designation: DesignationRow,
    /// Their live claim on it, if they made one.
    pub claim: Option<ClaimRow>,
    /// The certificate a claim now would bring, or the first condition not
    /// met: what the claim form shows before the learner claims.
    pub eligibility: Result<CertificateKind, Ineligible>,
}

/// The course's designations as the learner stands towards each, decided as
/// a claim would decide them. A claim still decides again in its own
/// transaction.
pub async fn outlook(
    ctx: &AppContext,
    actor: &Actor,
    course_id: Id,
) -> Result<Vec<Outlook>, ReadError> {
    let activity = activities::find_by_course(&ctx.db, course_id)
        .await?
        .ok_or(ReadError::NotFound("CME activity"))?;
    let mut tx = ctx.db.begin_write().await?;
    let now = ctx.now();
    let work = work_tx(&mut tx, &activity, actor.id()).await?;
    tx.commit().await?;
    let claimed = claims::live_for_activity(&ctx.db, activity.id, actor.id()).await?;
    activities::designations(&ctx.db, activity.id)
        .await?
        .into_iter()
        .map(|designation| {
            let eligibility = eligibility(&activity, &work, &designation_of(&designation)?, now);
            Ok(Outlook {
                claim: claimed
                    .iter()
                    .find(|c| c.designation_id == designation.id)
                    .cloned(),
                eligibility,
                designation,
            })
        })
        .collect()
}

/// The time measured on the course so far, shown beside the claim form.
pub async fn measured(
    ctx: &AppContext,
    actor: &Actor,
    course_id: Id,
) -> Result<Measured, Internal> {
    let mut tx = ctx.db.begin_write().await?;
    let progress = claims::progress_tx(&mut tx, course_id, actor.id()).await?;
    tx.commit().await?;
    Ok(Measured {
        material_seconds: progress.material_seconds,
        session_seconds: progress.session_seconds,
    })
}
