//! Certificates and the keys that sign their credentials. A certificate is
//! written once; revoking sets `revoked_at`, and re-issuing adds a new one
//! that supersedes it.

use medicaledu_domain::{Id, Timestamp};

use crate::{Db, Tx, on_db, on_tx};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CertificateRow {
    pub id: Id,
    pub claim_id: Id,
    pub learner_id: Id,
    pub code: String,
    /// Canonical JSON of the snapshot: exactly the bytes hashed.
    pub snapshot: String,
    pub snapshot_sha256: String,
    /// The signed Open Badges credential (compact JWT).
    pub credential: String,
    pub signing_key_id: Id,
    pub supersedes_id: Option<Id>,
    pub issued_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub revocation_reason: Option<String>,
    /// The code of the certificate that re-issued this one, if any.
    pub superseded_by: Option<String>,
}

const SELECT: &str = "SELECT c.id, c.claim_id, c.learner_id, c.code, c.snapshot, c.snapshot_sha256, \
     c.credential, c.signing_key_id, c.supersedes_id, c.issued_at, c.revoked_at, c.revocation_reason, \
     n.code AS superseded_by FROM cme_certificates c LEFT JOIN cme_certificates n ON n.supersedes_id = c.id";

#[derive(Debug, thiserror::Error)]
pub enum InsertCertificateError {
    /// The claim already has a certificate in force, or the superseded one
    /// was re-issued already.
    #[error("a certificate is already in force")]
    InForce,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

pub async fn insert(tx: &mut Tx, row: &CertificateRow) -> Result<(), InsertCertificateError> {
    let sql = "INSERT INTO cme_certificates (id, claim_id, learner_id, code, snapshot, snapshot_sha256, credential, \
               signing_key_id, supersedes_id, issued_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)";
    on_tx!(tx, conn => sqlx::query(sql)
        .bind(row.id)
        .bind(row.claim_id)
        .bind(row.learner_id)
        .bind(&row.code)
        .bind(&row.snapshot)
        .bind(&row.snapshot_sha256)
        .bind(&row.credential)
        .bind(row.signing_key_id)
        .bind(row.supersedes_id)
        .bind(row.issued_at)
        .execute(conn)
        .await
        .map(|_| ()))
    .map_err(|e| match e {
        sqlx::Error::Database(db) if db.is_unique_violation() => InsertCertificateError::InForce,
        other => InsertCertificateError::Database(other),
    })?;
    Ok(())
}

pub async fn find_by_code(db: &Db, code: &str) -> Result<Option<CertificateRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE c.code = $1"));
    on_db!(db, pool => sqlx::query_as(sql).bind(code).fetch_optional(pool).await)
}

pub async fn find_tx(tx: &mut Tx, id: Id) -> Result<Option<CertificateRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE c.id = $1"));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(id).fetch_optional(conn).await)
}

pub async fn find(db: &Db, id: Id) -> Result<Option<CertificateRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE c.id = $1"));
    on_db!(db, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
}

/// The learner's certificates, newest first, ended ones included.
pub async fn for_learner(db: &Db, learner_id: Id) -> Result<Vec<CertificateRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE c.learner_id = $1 ORDER BY c.issued_at DESC, c.id DESC"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(learner_id).fetch_all(pool).await)
}

/// The certificate in force for a claim, if any.
pub async fn in_force_for_claim_tx(
    tx: &mut Tx,
    claim_id: Id,
) -> Result<Option<CertificateRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE c.claim_id = $1 AND c.revoked_at IS NULL"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(claim_id).fetch_optional(conn).await)
}

/// Ends a certificate in force; `false` when it had already ended.
pub async fn revoke(
    tx: &mut Tx,
    id: Id,
    reason: &str,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE cme_certificates SET revoked_at = $2, revocation_reason = $3 WHERE id = $1 AND revoked_at IS NULL";
    let done = on_tx!(tx, conn => sqlx::query(sql).bind(id).bind(now).bind(reason).execute(conn)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Every ended certificate, for the revocation list: (code, reason).
pub async fn revoked(db: &Db) -> Result<Vec<(String, String)>, sqlx::Error> {
    let sql = "SELECT code, revocation_reason FROM cme_certificates WHERE revoked_at IS NOT NULL ORDER BY revoked_at, id";
    let rows: Vec<(String, Option<String>)> =
        on_db!(db, pool => sqlx::query_as(sql).fetch_all(pool).await)?;
    Ok(rows
        .into_iter()
        .map(|(code, reason)| (code, reason.unwrap_or_default()))
        .collect())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SigningKeyRow {
    pub id: Id,
    /// base64url of the Ed25519 public key.
    pub public_key: String,
    /// The private key, encrypted with the configured key-encryption key.
    pub private_key: String,
    pub created_at: Timestamp,
    pub retired_at: Option<Timestamp>,
}

const KEY_COLUMNS: &str = "id, public_key, private_key, created_at, retired_at";

pub async fn insert_key(tx: &mut Tx, row: &SigningKeyRow) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO cme_signing_keys (id, public_key, private_key, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(row.id)
    .bind(&row.public_key)
    .bind(&row.private_key)
    .bind(row.created_at)
    .execute(conn)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// The key that signs: the newest not retired.
pub async fn current_key_tx(tx: &mut Tx) -> Result<Option<SigningKeyRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {KEY_COLUMNS} FROM cme_signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).fetch_optional(conn).await)
}

/// Every key not retired: what the JWKS publishes.
pub async fn published_keys(db: &Db) -> Result<Vec<SigningKeyRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {KEY_COLUMNS} FROM cme_signing_keys WHERE retired_at IS NULL ORDER BY created_at, id"
    ));
    on_db!(db, pool => sqlx::query_as(sql).fetch_all(pool).await)
}

/// Every key ever made, oldest first, with how many certificates it signed
/// and how many of those are still in force.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct KeyUsageRow {
    pub id: Id,
    pub created_at: Timestamp,
    pub retired_at: Option<Timestamp>,
    pub certificates: i64,
    pub in_force: i64,
}

pub async fn key_usage(db: &Db) -> Result<Vec<KeyUsageRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT k.id, k.created_at, k.retired_at, COUNT(c.id) AS certificates, \
                COUNT(CASE WHEN c.revoked_at IS NULL THEN c.id END) AS in_force \
         FROM cme_signing_keys k LEFT JOIN cme_certificates c ON c.signing_key_id = k.id \
         GROUP BY k.id, k.created_at, k.retired_at ORDER BY k.created_at, k.id",
    )
    .fetch_all(pool)
    .await)
}

/// Every key, retired or not, locked for the transaction on PostgreSQL so
/// that two operators re-sealing at once take turns.
pub async fn all_keys_tx(tx: &mut Tx) -> Result<Vec<SigningKeyRow>, sqlx::Error> {
    let lock = match tx {
        Tx::Postgres(_) => " FOR UPDATE",
        // A SQLite write transaction holds the whole database already.
        Tx::Sqlite(_) => "",
    };
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {KEY_COLUMNS} FROM cme_signing_keys ORDER BY created_at, id{lock}"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).fetch_all(conn).await)
}

/// Stops publishing a key: `false` when it is unknown or retired already.
pub async fn retire_key(tx: &mut Tx, id: Id, now: Timestamp) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE cme_signing_keys SET retired_at = $2 WHERE id = $1 AND retired_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .execute(conn)
    .await
    .map(|done| done.rows_affected() == 1))
}

/// Replaces a key's sealed private part (the same key, sealed under another
/// key-encryption key).
pub async fn reseal_key(tx: &mut Tx, id: Id, private_key: &str) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query("UPDATE cme_signing_keys SET private_key = $2 WHERE id = $1")
        .bind(id)
        .bind(private_key)
        .execute(conn)
        .await
        .map(|_| ()))
}

/// A certificate in force on an activity, with what an accreditor report
/// needs of its learner, who consented to be reported.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ReportRow {
    pub code: String,
    pub snapshot: String,
    pub birth_month: Option<i64>,
    pub birth_day: Option<i64>,
    pub board_number: Option<String>,
    pub profession: medicaledu_domain::Profession,
}

/// Certificates in force on the activity's designations whose claims were
/// completed in `[from, to)`, of learners who consent to be reported. A
/// soft-deleted account keeps its rows, so its records stay reportable.
pub async fn report(
    db: &Db,
    activity_id: Id,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<ReportRow>, sqlx::Error> {
    let sql = "SELECT c.code, c.snapshot, p.birth_month, p.birth_day, p.board_number, p.profession \
               FROM cme_certificates c \
               JOIN cme_claims cl ON cl.id = c.claim_id \
               JOIN cme_designations d ON d.id = cl.designation_id \
               JOIN cme_learner_profiles p ON p.user_id = cl.learner_id \
               WHERE d.activity_id = $1 AND cl.completed_at >= $2 AND cl.completed_at < $3 \
               AND c.revoked_at IS NULL AND p.report_consent_at IS NOT NULL \
               ORDER BY cl.completed_at, c.code";
    on_db!(db, pool => sqlx::query_as(sql).bind(activity_id).bind(from).bind(to).fetch_all(pool).await)
}
