//! A learner's own continuing-education records: the profile accreditor
//! reports need, the licences they hold, the credits they earned elsewhere,
//! and the credits of their certificates in force, from which the transcript
//! is drawn. Licences and external credits are deleted softly: a deleted one
//! keeps its row with `deleted_at`, and every read here skips it.

use chrono::NaiveDate;
use medicaledu_domain::{CreditTypeName, Id, Profession, Timestamp, TopicRequirement};
use sqlx::types::Json;

use crate::{Db, Tx, on_db, on_tx};

const PROFILE_COLUMNS: &str = "user_id, profession, birth_month, birth_day, board_number, report_consent_at, \
     created_at, updated_at";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ProfileRow {
    pub user_id: Id,
    pub profession: Profession,
    pub birth_month: Option<i64>,
    pub birth_day: Option<i64>,
    pub board_number: Option<String>,
    /// Since when the learner consents to be reported; `None` while they do not.
    pub report_consent_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A profile as the learner sets it.
#[derive(Clone, Debug)]
pub struct ProfileFields {
    pub profession: Profession,
    /// Month and day together, or neither.
    pub birth: Option<(i64, i64)>,
    pub board_number: Option<String>,
    pub report_consent_at: Option<Timestamp>,
}

pub async fn find_profile(db: &Db, user_id: Id) -> Result<Option<ProfileRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {PROFILE_COLUMNS} FROM cme_learner_profiles WHERE user_id = $1"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(user_id).fetch_optional(pool).await)
}

/// The profile inside a write transaction, to decide a change from it.
pub async fn find_profile_tx(tx: &mut Tx, user_id: Id) -> Result<Option<ProfileRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {PROFILE_COLUMNS} FROM cme_learner_profiles WHERE user_id = $1"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(user_id).fetch_optional(conn).await)
}

/// Creates or replaces the learner's profile.
pub async fn put_profile(
    tx: &mut Tx,
    user_id: Id,
    fields: &ProfileFields,
    now: Timestamp,
) -> Result<ProfileRow, sqlx::Error> {
    let (month, day) = fields.birth.unzip();
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO cme_learner_profiles (user_id, profession, birth_month, birth_day, board_number, \
             report_consent_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
         ON CONFLICT (user_id) DO UPDATE SET profession = excluded.profession, \
             birth_month = excluded.birth_month, birth_day = excluded.birth_day, \
             board_number = excluded.board_number, report_consent_at = excluded.report_consent_at, \
             updated_at = excluded.updated_at \
         RETURNING {PROFILE_COLUMNS}"
    ));
    on_tx!(tx, conn => {
        sqlx::query_as(sql)
            .bind(user_id)
            .bind(fields.profession)
            .bind(month)
            .bind(day)
            .bind(fields.board_number.as_deref())
            .bind(fields.report_consent_at)
            .bind(now)
            .fetch_one(conn)
            .await
    })
}

const LICENCE_COLUMNS: &str = "id, user_id, profession, jurisdiction, number, renews_on, cycle_months, \
     required_hundredths, required_topics, accepted_credit_types, created_at, updated_at, deleted_at";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LicenceRow {
    pub id: Id,
    pub user_id: Id,
    pub profession: Profession,
    pub jurisdiction: String,
    pub number: String,
    pub renews_on: NaiveDate,
    pub cycle_months: i64,
    pub required_hundredths: i64,
    pub required_topics: Json<Vec<TopicRequirement>>,
    pub accepted_credit_types: Json<Vec<CreditTypeName>>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

/// A licence's terms, checked by the caller.
#[derive(Clone, Debug)]
pub struct LicenceFields {
    pub profession: Profession,
    pub jurisdiction: String,
    pub number: String,
    pub renews_on: NaiveDate,
    pub cycle_months: i64,
    pub required_hundredths: i64,
    pub required_topics: Vec<TopicRequirement>,
    pub accepted_credit_types: Vec<CreditTypeName>,
}

pub async fn insert_licence(
    tx: &mut Tx,
    id: Id,
    user_id: Id,
    fields: &LicenceFields,
    now: Timestamp,
) -> Result<LicenceRow, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO cme_licences (id, user_id, profession, jurisdiction, number, renews_on, cycle_months, \
             required_hundredths, required_topics, accepted_credit_types, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) \
         RETURNING {LICENCE_COLUMNS}"
    ));
    on_tx!(tx, conn => {
        sqlx::query_as(sql)
            .bind(id)
            .bind(user_id)
            .bind(fields.profession)
            .bind(&fields.jurisdiction)
            .bind(&fields.number)
            .bind(fields.renews_on)
            .bind(fields.cycle_months)
            .bind(fields.required_hundredths)
            .bind(Json(&fields.required_topics))
            .bind(Json(&fields.accepted_credit_types))
            .bind(now)
            .fetch_one(conn)
            .await
    })
}

/// Replaces the terms of one of the learner's live licences; `None` when
/// they have no such licence.
pub async fn update_licence(
    tx: &mut Tx,
    id: Id,
    user_id: Id,
    fields: &LicenceFields,
    now: Timestamp,
) -> Result<Option<LicenceRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE cme_licences SET profession = $3, jurisdiction = $4, number = $5, renews_on = $6, \
             cycle_months = $7, required_hundredths = $8, required_topics = $9, accepted_credit_types = $10, \
             updated_at = $11 \
         WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL \
         RETURNING {LICENCE_COLUMNS}"
    ));
    on_tx!(tx, conn => {
        sqlx::query_as(sql)
            .bind(id)
            .bind(user_id)
            .bind(fields.profession)
            .bind(&fields.jurisdiction)
            .bind(&fields.number)
            .bind(fields.renews_on)
            .bind(fields.cycle_months)
            .bind(fields.required_hundredths)
            .bind(Json(&fields.required_topics))
            .bind(Json(&fields.accepted_credit_types))
            .bind(now)
            .fetch_optional(conn)
            .await
    })
}

/// Deletes one of the learner's live licences softly; the row as deleted,
/// or `None` when they have no such licence.
pub async fn delete_licence(
    tx: &mut Tx,
    id: Id,
    user_id: Id,
    now: Timestamp,
) -> Result<Option<LicenceRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE cme_licences SET deleted_at = $3, updated_at = $3 \
         WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL \
         RETURNING {LICENCE_COLUMNS}"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(id).bind(user_id).bind(now).fetch_optional(conn).await)
}

/// One of the learner's live licences inside a write transaction.
pub async fn find_licence_tx(
    tx: &mut Tx,
    id: Id,
    user_id: Id,
) -> Result<Option<LicenceRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {LICENCE_COLUMNS} FROM cme_licences WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(id).bind(user_id).fetch_optional(conn).await)
}

/// The learner's live licences, the next renewal first.
pub async fn list_licences(db: &Db, user_id: Id) -> Result<Vec<LicenceRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {LICENCE_COLUMNS} FROM cme_licences WHERE user_id = $1 AND deleted_at IS NULL \
         ORDER BY renews_on, id"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(user_id).fetch_all(pool).await)
}

/// The same inside a write transaction.
pub async fn list_licences_tx(tx: &mut Tx, user_id: Id) -> Result<Vec<LicenceRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {LICENCE_COLUMNS} FROM cme_licences WHERE user_id = $1 AND deleted_at IS NULL \
         ORDER BY renews_on, id"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(user_id).fetch_all(conn).await)
}

/// Live licences of live accounts renewing on a day in any of `windows`
/// (each inclusive), after `after` in id order: one page of a sweep.
pub async fn renewing(
    db: &Db,
    windows: [(NaiveDate, NaiveDate); 3],
    after: Option<Id>,
    limit: i64,
) -> Result<Vec<LicenceRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {LICENCE_COLUMNS} FROM cme_licences \
         WHERE deleted_at IS NULL \
           AND ((renews_on BETWEEN $1 AND $2) OR (renews_on BETWEEN $3 AND $4) OR (renews_on BETWEEN $5 AND $6)) \
           AND ($7 IS NULL OR id > $7) \
           AND EXISTS (SELECT 1 FROM users u WHERE u.id = cme_licences.user_id AND u.deleted_at IS NULL) \
         ORDER BY id LIMIT $8"
    ));
    let [(a1, b1), (a2, b2), (a3, b3)] = windows;
    on_db!(db, pool => {
        sqlx::query_as(sql)
            .bind(a1)
            .bind(b1)
            .bind(a2)
            .bind(b2)
            .bind(a3)
            .bind(b3)
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await
    })
}

const EXTERNAL_COLUMNS: &str = "id, user_id, title, provider_name, credit_type, credit_hundredths, earned_on, topics, created_at, deleted_at";

/// Credits earned elsewhere, as the learner reported them.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ExternalCreditRow {
    pub id: Id,
    pub user_id: Id,
    pub title: String,
    pub provider_name: String,
    pub credit_type: String,
    pub credit_hundredths: i64,
    pub earned_on: NaiveDate,
    pub topics: Json<Vec<String>>,
    pub created_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

/// An external credit as the learner reports it, checked by the caller.
#[derive(Clone, Debug)]
pub struct ExternalCreditFields {
    pub title: String,
    pub provider_name: String,
    pub credit_type: String,
    pub credit_hundredths: i64,
    pub earned_on: NaiveDate,
    pub topics: Vec<String>,
}

pub async fn insert_external_credit(
    tx: &mut Tx,
    id: Id,
    user_id: Id,
    fields: &ExternalCreditFields,
    now: Timestamp,
) -> Result<ExternalCreditRow, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO cme_external_credits (id, user_id, title, provider_name, credit_type, credit_hundredths, \
             earned_on, topics, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         RETURNING {EXTERNAL_COLUMNS}"
    ));
    on_tx!(tx, conn => {
        sqlx::query_as(sql)
            .bind(id)
            .bind(user_id)
            .bind(&fields.title)
            .bind(&fields.provider_name)
            .bind(&fields.credit_type)
            .bind(fields.credit_hundredths)
            .bind(fields.earned_on)
            .bind(Json(&fields.topics))
            .bind(now)
            .fetch_one(conn)
            .await
    })
}

/// Deletes one of the learner's live external credits softly; the row as
/// deleted, or `None` when they have no such credit.
pub async fn delete_external_credit(
    tx: &mut Tx,
    id: Id,
    user_id: Id,
    now: Timestamp,
) -> Result<Option<ExternalCreditRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE cme_external_credits SET deleted_at = $3 \
         WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL \
         RETURNING {EXTERNAL_COLUMNS}"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(id).bind(user_id).bind(now).fetch_optional(conn).await)
}

/// The learner's live external credits, the latest first.
pub async fn list_external_credits(
    db: &Db,
    user_id: Id,
) -> Result<Vec<ExternalCreditRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {EXTERNAL_COLUMNS} FROM cme_external_credits WHERE user_id = $1 AND deleted_at IS NULL \
         ORDER BY earned_on DESC, id DESC"
    ));
    on_db!(db, pool => sqlx::query_as(sql).bind(user_id).fetch_all(pool).await)
}

/// The same inside a write transaction.
pub async fn list_external_credits_tx(
    tx: &mut Tx,
    user_id: Id,
) -> Result<Vec<ExternalCreditRow>, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {EXTERNAL_COLUMNS} FROM cme_external_credits WHERE user_id = $1 AND deleted_at IS NULL \
         ORDER BY earned_on DESC, id DESC"
    ));
    on_tx!(tx, conn => sqlx::query_as(sql).bind(user_id).fetch_all(conn).await)
}

/// Credit a learner earned here: one certificate in force for a credit
/// claim, with what its snapshot printed and its activity's topics.
#[derive(Clone, Debug)]
pub struct EarnedCredit {
    pub certificate_id: Id,
    pub code: String,
    /// The certificate's canonical JSON: what it printed, the title and
    /// completion date of the transcript line included.
    pub snapshot: String,
    /// The claim's amount and the designation's credit type, for a snapshot
    /// that names none.
    pub credit_hundredths: i64,
    pub credit_type: String,
    /// The activity's topics as they are now: topics are what a licence's
    /// requirements are counted against, not something the certificate printed.
    pub topics: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct EarnedRow {
    certificate_id: Id,
    code: String,
    snapshot: String,
    credit_hundredths: i64,
    credit_type: String,
    topic: Option<String>,
}

/// One row per certificate and topic: certificates in force, of credit
/// claims not voided, through the claim's designation to the activity.
const EARNED: &str = "SELECT c.id AS certificate_id, c.code, c.snapshot, cl.credit_hundredths, d.credit_type, \
         t.topic \
     FROM cme_certificates c \
     JOIN cme_claims cl ON cl.id = c.claim_id \
     JOIN cme_designations d ON d.id = cl.designation_id \
     JOIN cme_activities a ON a.id = d.activity_id \
     LEFT JOIN cme_activity_topics t ON t.activity_id = a.id \
     WHERE c.learner_id = $1 AND c.revoked_at IS NULL AND cl.kind = 'credit' AND cl.voided_at IS NULL \
     ORDER BY c.issued_at, c.id, t.topic";

/// Every credit the learner earned here that a certificate in force proves.
pub async fn earned_credits(db: &Db, user_id: Id) -> Result<Vec<EarnedCredit>, sqlx::Error> {
    let rows: Vec<EarnedRow> =
        on_db!(db, pool => sqlx::query_as(EARNED).bind(user_id).fetch_all(pool).await)?;
    Ok(group_earned(rows))
}

/// The same inside a write transaction.
pub async fn earned_credits_tx(tx: &mut Tx, user_id: Id) -> Result<Vec<EarnedCredit>, sqlx::Error> {
    let rows: Vec<EarnedRow> =
        on_tx!(tx, conn => sqlx::query_as(EARNED).bind(user_id).fetch_all(conn).await)?;
    Ok(group_earned(rows))
}

fn group_earned(rows: Vec<EarnedRow>) -> Vec<EarnedCredit> {
    let mut credits: Vec<EarnedCredit> = Vec::new();
    for row in rows {
        match credits.last_mut() {
            Some(last) if last.certificate_id == row.certificate_id => {
                last.topics.extend(row.topic);
            }
            _ => credits.push(EarnedCredit {
                certificate_id: row.certificate_id,
                code: row.code,
                snapshot: row.snapshot,
                credit_hundredths: row.credit_hundredths,
                credit_type: row.credit_type,
                topics: row.topic.into_iter().collect(),
            }),
        }
    }
    credits
}
