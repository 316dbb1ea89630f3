//! `/admin/audit`: the audit log by actor, entity, action and dates, each
//! entry's change set as a before / after table, and the filtered list as a
//! CSV download streamed page by page, so an export of any length holds one
//! page in memory at a time.

use askama::Template;
use axum::body::Body;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use medicaledu_app::admin::AuditListInput;
use medicaledu_app::{Actor, AppContext};
use medicaledu_store::audit::AuditLogRow;
use serde::Deserialize;
use serde_json::Value;

use super::{admin, day_start, next_page, some};
use crate::error::PageError;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond};
use crate::view;
use crate::visitor::Visitor;

/// Rows fetched per round trip of the CSV export.
const EXPORT_PAGE: i64 = 100;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ListQuery {
    actor_id: Option<String>,
    entity_type: Option<String>,
    entity_id: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
}

impl ListQuery {
    fn pairs(&self) -> [(&'static str, &Option<String>); 6] {
        [
            ("actor_id", &self.actor_id),
            ("entity_type", &self.entity_type),
            ("entity_id", &self.entity_id),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ]
    }

    /// The use case's filter, or what is wrong with a date.
    fn input(&self, visitor: &Visitor, limit: i64) -> Result<AuditListInput, String> {
        let tr = &visitor.tr;
        let date = |name: &str, value: &Option<String>, days_after| match some(value) {
            None => Ok(None),
            Some(v) => day_start(&v, &visitor.zone, days_after)
                .map(Some)
                .ok_or_else(|| tr.t_with("admin-bad-date", &[("field", Arg::Text(tr.t(name)))])),
        };
        Ok(AuditListInput {
            actor_id: some(&self.actor_id),
            entity_type: some(&self.entity_type),
            entity_id: some(&self.entity_id),
            action: some(&self.action),
            from: date("admin-filter-from", &self.from, 0)?,
            to: date("admin-filter-to", &self.to, 1)?,
            cursor: some(&self.cursor),
            limit: Some(limit),
        })
    }
}

/// One changed field: what it was and what it became. A change recorded
/// without a before (a creation, an event) has only an after.
pub struct ChangeRow {
    pub field: String,
    pub before: String,
    pub after: String,
}

pub struct Entry {
    pub id: String,
    pub when: String,
    pub action: String,
    pub entity: String,
    pub entity_href: Option<String>,
    pub actor: String,
    pub actor_href: Option<String>,
    pub ip: String,
    pub changes: Vec<ChangeRow>,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    chrome: Chrome,
    actor_id: String,
    entity_type: String,
    entity_id: String,
    action: String,
    from: String,
    to: String,
    entries: Vec<Entry>,
    problem: Option<String>,
    next_page: Option<String>,
    csv_href: String,
}

fn text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A change set as rows: `{"field": {"before": …, "after": …}}` reads as
/// before and after; any other value is what the field was set to.
fn change_rows(changes: &Value) -> Vec<ChangeRow> {
    let Value::Object(fields) = changes else {
        return Vec::new();
    };
    fields
        .iter()
        .map(|(field, value)| match value {
            Value::Object(pair)
                if pair.keys().all(|k| k == "before" || k == "after") && !pair.is_empty() =>
            {
                ChangeRow {
                    field: field.clone(),
                    before: pair.get("before").map(text).unwrap_or_default(),
                    after: pair.get("after").map(text).unwrap_or_default(),
                }
            }
            other => ChangeRow {
                field: field.clone(),
                before: String::new(),
                after: text(other),
            },
        })
        .collect()
}

fn entry(row: AuditLogRow, visitor: &Visitor, tr: &Tr) -> Entry {
    let entity_href = row
        .entity_id
        .filter(|_| row.entity_type == "user")
        .map(|id| format!("/admin/users/{id}"));
    Entry {
        id: row.id.to_string(),
        when: view::when(row.created_at, &visitor.zone, tr),
        entity: match row.entity_id {
            Some(id) => format!("{} {id}", row.entity_type),
            None => row.entity_type.clone(),
        },
        entity_href,
        actor: row
            .actor_id
            .map_or_else(|| tr.t("admin-audit-system"), |id| id.to_string()),
        actor_href: row.actor_id.map(|id| format!("/admin/users/{id}")),
        ip: row.ip_address.clone().unwrap_or_default(),
        changes: change_rows(&row.changes.0),
        action: row.action,
    }
}

/// `GET /admin/audit`.
pub async fn list(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let actor = match admin(&visitor, "/admin/audit") {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let tr = &visitor.tr;
    let (rows, next, problem) = match query.input(&visitor, 50) {
        Err(problem) => (Vec::new(), None, Some(problem)),
        Ok(input) => match medicaledu_app::admin::list_audit_logs(&ctx, actor, input).await {
            Ok(page) => (page.items, page.next_cursor, None),
            Err(medicaledu_app::ReadError::Invalid(invalid)) => {
                (Vec::new(), None, Some(invalid.to_string()))
            }
            Err(e) => return Err(PageError::from_failure(&e)),
        },
    };
    let csv_query = {
        let mut csv = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in query.pairs() {
            if let Some(value) = some(value) {
                csv.append_pair(key, &value);
            }
        }
        csv.finish()
    };
    let page = AuditPage {
        chrome: Chrome::new(&ctx, &visitor, tr.t("admin-audit-title")).await?,
        actor_id: query.actor_id.clone().unwrap_or_default(),
        entity_type: query.entity_type.clone().unwrap_or_default(),
        entity_id: query.entity_id.clone().unwrap_or_default(),
        action: query.action.clone().unwrap_or_default(),
        from: query.from.clone().unwrap_or_default(),
        to: query.to.clone().unwrap_or_default(),
        entries: rows
            .into_iter()
            .map(|row| entry(row, &visitor, tr))
            .collect(),
        problem,
        next_page: next_page("/admin/audit", &query.pairs(), next),
        csv_href: format!("/admin/audit.csv?{csv_query}"),
    };
    let mut response = respond(&ctx, &visitor, &page);
    if page.problem.is_some() {
        // The filters are shown again with what is wrong with them.
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

const CSV_HEADER: [&str; 10] = [
    "id",
    "created_at",
    "actor_id",
    "action",
    "entity_type",
    "entity_id",
    "changes",
    "ip_address",
    "user_agent",
    "request_id",
];

/// Rows as RFC 4180 CSV (CRLF line ends, quotes where needed).
fn csv_bytes(header: bool, rows: &[AuditLogRow]) -> Result<Bytes, csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(rows.len() * 256));
    if header {
        writer.write_record(CSV_HEADER)?;
    }
    for row in rows {
        let opt =
            |id: Option<medicaledu_domain::Id>| id.map(|id| id.to_string()).unwrap_or_default();
        writer.write_record([
            row.id.to_string(),
            row.created_at.to_string(),
            opt(row.actor_id),
            row.action.clone(),
            row.entity_type.clone(),
            opt(row.entity_id),
            row.changes.0.to_string(),
            row.ip_address.clone().unwrap_or_default(),
            row.user_agent.clone().unwrap_or_default(),
            row.request_id.clone().unwrap_or_default(),
        ])?;
    }
    writer
        .into_inner()
        .map(Bytes::from)
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// Where the export is: the next page's cursor, or done.
enum Export {
    Page(AuditListInput),
    Done,
}

/// `GET /admin/audit.csv`: the filtered audit log, newest first, as CSV with
/// a header row, streamed a page at a time.
pub async fn csv(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let actor: Actor = match admin(&visitor, "/admin/audit") {
        Ok(actor) => actor.clone(),
        Err(answer) => return Ok(answer.into_response()),
    };
    let input = query
        .input(&visitor, EXPORT_PAGE)
        .map_err(|_| PageError::BadRequest)?;
    // The first page is read before answering, so that a refused filter is
    // an error page rather than a broken download.
    let first = medicaledu_app::admin::list_audit_logs(&ctx, &actor, input.clone())
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let head = csv_bytes(true, &first.items).map_err(|_| PageError::Internal)?;
    let state = match first.next_cursor {
        Some(cursor) => Export::Page(AuditListInput {
            cursor: Some(cursor),
            ..input
        }),
        None => Export::Done,
    };
    let rest = futures_util::stream::unfold(state, move |state| {
        let (ctx, actor) = (ctx.clone(), actor.clone());
        async move {
            let Export::Page(input) = state else {
                return None;
            };
            let page =
                match medicaledu_app::admin::list_audit_logs(&ctx, &actor, input.clone()).await {
                    Ok(page) => page,
                    Err(error) => {
                        // The download breaks off; the client sees a truncated
                        // file rather than a complete-looking one.
                        tracing::error!(%error, "audit export failed midway");
                        return Some((
                            Err(std::io::Error::other("audit export failed")),
                            Export::Done,
                        ));
                    }
                };
            let chunk = csv_bytes(false, &page.items).map_err(std::io::Error::other);
            let next = match page.next_cursor {
                Some(cursor) => Export::Page(AuditListInput {
                    cursor: Some(cursor),
                    ..input
                }),
                None => Export::Done,
            };
            Some((chunk, next))
        }
    });
    let body = futures_util::stream::once(async move { Ok::<_, std::io::Error>(head) }).chain(rest);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8; header=present"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"audit-log.csv\""),
            ),
        ],
        Body::from_stream(body),
    )
        .into_response())
}
