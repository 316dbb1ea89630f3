//! Collects every invalid field of a request before answering, so a client
//! learns about all of them at once.

use medicaledu_domain::FieldIssue;
use serde::{Deserialize, Deserializer};

use crate::{ApiError, FieldError};

#[derive(Default)]
pub struct Fields(Vec<FieldError>);

impl Fields {
    /// Keeps the parsed value, or records why `field` was refused.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, FieldIssue>) -> Option<T> {
        parsed
            .map_err(|issue| {
                self.0
                    .push(FieldError::new(field, issue.code, issue.message))
            })
            .ok()
    }

    pub fn reject(&mut self, field: &str, code: &str, message: &str) {
        self.0.push(FieldError::new(field, code, message));
    }

    /// 422 naming every recorded field, or `Ok` when there were none.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.0))
        }
    }
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`), for
/// PATCH bodies where `null` clears a value.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
