//! The append-only audit log. Rows are written inside the transaction of the
//! change they describe, so the log holds an entry exactly when the change
//! committed.

use medicaledu_domain::{Id, Timestamp};
use serde_json::Value;
use sqlx::types::Json;

use crate::params::{Param, Params, bind_params};
use crate::{Db, Tx, on_db, on_tx};

/// Who asked for a change, taken from the HTTP request.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

/// One audit event. `changes` holds `{"field": {"before": …, "after": …}}` or
/// event details; never passwords, hashes or tokens.
#[derive(Clone, Debug)]
pub struct AuditEvent<'a> {
    pub actor_id: Option<Id>,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<Id>,
    pub changes: Value,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuditLogRow {
    pub id: Id,
    pub actor_id: Option<Id>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<Id>,
    pub changes: Json<Value>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub actor_id: Option<Id>,
    pub entity_type: Option<String>,
    pub entity_id: Option<Id>,
    pub action: Option<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// Keyset cursor: only rows strictly older than this `(created_at, id)`.
    pub before: Option<(Timestamp, Id)>,
    pub limit: i64,
}

pub async fn record(
    tx: &mut Tx,
    meta: &RequestMeta,
    at: Timestamp,
    event: AuditEvent<'_>,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO audit_logs \
             (id, actor_id, action, entity_type, entity_id, changes, ip_address, user_agent, request_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(Id::generate())
        .bind(event.actor_id)
        .bind(event.action)
        .bind(event.entity_type)
        .bind(event.entity_id)
        .bind(Json(event.changes))
        .bind(meta.ip_address.as_deref())
        .bind(meta.user_agent.as_deref())
        .bind(meta.request_id.as_deref())
        .bind(at)
        .execute(conn)
        .await
        .map(drop)
    })
}

/// Newest first. Every filter is optional; only the ones set are written
/// into the statement, so each combination gets a plan that walks the index
/// it can use, and a page after a cursor starts where the previous one
/// ended (an `x IS NULL OR …` form would have the planner scan every newer
/// entry for each page, which made a long export quadratic).
pub async fn list(db: &Db, filter: &AuditFilter) -> Result<Vec<AuditLogRow>, sqlx::Error> {
    let mut params = Params::default();
    let mut sql = String::from(
        "SELECT id, actor_id, action, entity_type, entity_id, changes, ip_address, user_agent, request_id, created_at \
         FROM audit_logs WHERE 1 = 1",
    );
    if let Some(actor) = filter.actor_id {
        sql.push_str(&format!(
            " AND actor_id = {}",
            params.push(Param::Id(actor))
        ));
    }
    if let Some(entity_type) = &filter.entity_type {
        sql.push_str(&format!(
            " AND entity_type = {}",
            params.push(Param::Text(entity_type.clone()))
        ));
    }
    if let Some(entity) = filter.entity_id {
        sql.push_str(&format!(
            " AND entity_id = {}",
            params.push(Param::Id(entity))
        ));
    }
    if let Some(action) = &filter.action {
        sql.push_str(&format!(
            " AND action = {}",
            params.push(Param::Text(action.clone()))
        ));
    }
    if let Some(from) = filter.from {
        sql.push_str(&format!(
            " AND created_at >= {}",
            params.push(Param::Time(from))
        ));
    }
    if let Some(to) = filter.to {
        sql.push_str(&format!(
            " AND created_at < {}",
            params.push(Param::Time(to))
        ));
    }
    if let Some((at, id)) = filter.before {
        let at = params.push(Param::Time(at));
        let id = params.push(Param::Id(id));
        // The first condition alone is a range on the index; the second
        // breaks ties at the cursor's instant.
        sql.push_str(&format!(
            " AND created_at <= {at} AND (created_at < {at} OR id < {id})"
        ));
    }
    sql.push_str(&format!(
        " ORDER BY created_at DESC, id DESC LIMIT {}",
        params.push(Param::Int(filter.limit))
    ));
    let sql = sqlx::AssertSqlSafe(sql);
    on_db!(db, pool => bind_params!(sqlx::query_as(sql), params.0).fetch_all(pool).await)
}
