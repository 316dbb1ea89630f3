//! NUL characters are refused before they reach the database: PostgreSQL
//! cannot store them in text and fails the whole query, SQLite would store
//! a value no other tool reads back the same. A path holding one names
//! nothing (404); a query parameter or a JSON field holding one is invalid
//! input (422 naming it). JSON bodies are checked in [`crate::extract`].

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::{ApiError, FieldError};

/// Refuses a request whose path or query decodes to a NUL character.
pub async fn refuse_nul_in_uri(request: Request, next: Next) -> Response {
    let uri = request.uri();
    // A URI cannot carry a raw NUL byte, so a decoded one was `%00`.
    if contains_escaped_nul(uri.path()) {
        return ApiError::not_found("Resource").into_response();
    }
    if let Some(query) = uri.query().filter(|q| contains_escaped_nul(q)) {
        let fields = form_urlencoded::parse(query.as_bytes())
            .filter(|(name, value)| name.contains('\0') || value.contains('\0'))
            .map(|(name, _)| nul_field(&name.replace('\0', "")))
            .collect();
        return ApiError::validation(fields).into_response();
    }
    next.run(request).await
}

fn contains_escaped_nul(text: &str) -> bool {
    text.contains("%00")
}

fn nul_field(field: &str) -> FieldError {
    FieldError::new(field, "invalid", "must not contain a NUL character")
}

/// The fields of a JSON body whose text (name or value) holds a NUL; empty
/// for the usual body, which is not walked at all.
/// A body that is no JSON at all is left to the parser to report.
pub fn nul_fields(bytes: &[u8]) -> Vec<FieldError> {
    // JSON can spell NUL only as this escape (a raw control character is
    // malformed JSON anyway).
    if !bytes.windows(6).any(|w| w == b"\\u0000") {
        return Vec::new();
    }
    let mut fields = Vec::new();
    if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
        walk(&value, String::new(), &mut fields);
    }
    fields
}

fn walk(value: &Value, path: String, fields: &mut Vec<FieldError>) {
    match value {
        Value::String(text) if text.contains('\0') => fields.push(nul_field(&path)),
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                walk(item, format!("{path}[{index}]"), fields);
            }
        }
        Value::Object(members) => {
            for (name, member) in members {
                let name_clean = name.replace('\0', "");
                let child = if path.is_empty() {
                    name_clean
                } else {
                    format!("{path}.{name_clean}")
                };
                if name.contains('\0') {
                    fields.push(nul_field(&child));
                } else {
                    walk(member, child, fields);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::nul_fields;

    #[test]
    fn json_fields_holding_nul_are_named() {
        let body =
            br#"{"email":"a\u0000b","tags":["ok","x\u0000"],"n":{"k\u0000":1},"fine":"\\u0000"}"#;
        let mut named: Vec<String> = nul_fields(body).into_iter().map(|f| f.field).collect();
        named.sort();
        assert_eq!(named, ["email", "n.k", "tags[1]"]);
    }
}
