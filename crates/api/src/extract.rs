//! A JSON body extractor and responder whose errors are problem documents that
//! name the offending field.

use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{ApiError, FieldError};

/// Like `axum::Json`, but a body that does not parse is refused with a problem
/// document: 400 `malformed_json` for broken JSON, 415 for another media type,
/// and 422 `validation_failed` naming the field for a well-formed body of the
/// wrong shape.
#[derive(Clone, Copy, Debug, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        require_json(request.headers())?;
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                ApiError::new(rejection.status(), "unreadable_body", rejection.body_text())
            })?;
        parse(&bytes).map(Json)
    }
}

/// Refuses a body that does not say it is JSON with 415.
pub fn require_json(headers: &axum::http::HeaderMap) -> Result<(), ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim();
            mime.eq_ignore_ascii_case("application/json")
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        });
    if is_json {
        Ok(())
    } else {
        Err(ApiError::new(
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the body as `Content-Type: application/json`.",
        ))
    }
}

/// Deserializes a JSON document, reporting the path of the first bad field.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let nul = crate::nul::nul_fields(bytes);
    if !nul.is_empty() {
        return Err(ApiError::validation(nul));
    }
    // serde reads a struct from a JSON array of its fields in order too;
    // every body of this API is an object (or `null` where it is optional).
    if bytes.trim_ascii_start().starts_with(b"[") {
        return Err(ApiError::validation(vec![FieldError::new(
            "",
            "invalid",
            "The body must be a JSON object.",
        )]));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let inner = error.inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let message = strip_position(&inner.to_string());
                let (field, code) = match missing_field(&message) {
                    Some(missing) => (join_path(&error.path().to_string(), missing), "required"),
                    None => (error.path().to_string(), "invalid"),
                };
                ApiError::validation(vec![FieldError::new(field, code, message)])
            }
            _ => ApiError::bad_request(
                "malformed_json",
                format!(
                    "The body is not valid JSON: {}",
                    strip_position(&inner.to_string())
                ),
            ),
        }
    })?;
    deserializer.end().map_err(|e| {
        ApiError::bad_request(
            "malformed_json",
            format!("Trailing data after the JSON body: {e}"),
        )
    })?;
    Ok(value)
}

/// serde reports a missing field at the path of the object that lacks it.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

fn join_path(parent: &str, field: &str) -> String {
    if parent == "." || parent.is_empty() {
        field.to_owned()
    } else {
        format!("{parent}.{field}")
    }
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Register {
        email: String,
        profile: Profile,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Profile {
        age: u8,
    }

    fn field_of(body: &str) -> (u16, String) {
        let error = parse::<Register>(body.as_bytes()).expect_err("invalid body");
        let problem = error.problem();
        let field = problem
            .errors
            .first()
            .map(|e| e.field.clone())
            .unwrap_or_default();
        (problem.status, field)
    }

    #[test]
    fn names_missing_top_level_field() {
        assert_eq!(field_of(r#"{"profile":{"age":3}}"#), (422, "email".into()));
    }

    #[test]
    fn names_nested_wrong_type() {
        assert_eq!(
            field_of(r#"{"email":"a","profile":{"age":"x"}}"#),
            (422, "profile.age".into())
        );
    }

    #[test]
    fn names_missing_nested_field() {
        assert_eq!(
            field_of(r#"{"email":"a","profile":{}}"#),
            (422, "profile.age".into())
        );
    }

    #[test]
    fn malformed_json_is_400() {
        assert_eq!(field_of(r#"{"email":"#).0, 400);
        assert_eq!(
            field_of(r#"{"email":"a","profile":{"age":1}} trailing"#).0,
            400
        );
    }
}

/// The `Idempotency-Key` header of a route that honours it. Absent is fine;
/// present, it must be 1 to 200 visible characters, or the request is refused
/// with 400 `invalid_idempotency_key` (never silently ignored: a client that
/// sends a key relies on it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdempotencyKey(pub Option<String>);

pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(IDEMPOTENCY_KEY) else {
            return Ok(IdempotencyKey(None));
        };
        value
            .to_str()
            .ok()
            .filter(|k| !k.is_empty() && k.len() <= 200)
            .map(|k| IdempotencyKey(Some(k.to_owned())))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_idempotency_key",
                    "Idempotency-Key must be 1 to 200 visible characters.",
                )
            })
    }
}

/// Typed path parameters: `Ids<Id>` for `/bookings/{id}`, `Ids<(Id, Id)>`
/// for two. A malformed id names nothing that exists, so it is a 404 like
/// an unknown one, on every route, without parsing in each handler.
#[derive(Clone, Copy, Debug)]
pub struct Ids<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for Ids<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(ids)| Ids(ids))
            .map_err(|_| ApiError::not_found("Resource"))
    }
}
