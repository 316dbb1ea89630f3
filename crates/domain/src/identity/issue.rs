use serde::Serialize;

/// Why a value a user typed was refused.
///
/// `code` is stable and meant for programs (clients pick their own wording from
/// it); `message` is English for people. The field name is left to the caller,
/// which knows where the value came from.
///
/// Codes in use: `required`, `too_short`, `too_long`, `too_common`, `invalid`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct FieldIssue {
    pub code: &'static str,
    pub message: String,
}

impl FieldIssue {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn required() -> Self {
        Self::new("required", "must not be empty")
    }

    pub fn too_short(min_chars: usize) -> Self {
        Self::new(
            "too_short",
            format!("must be at least {min_chars} characters long"),
        )
    }

    pub fn too_long(max_chars: usize) -> Self {
        Self::new(
            "too_long",
            format!("must be at most {max_chars} characters long"),
        )
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new("invalid", message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_the_message_only() {
        let issue = FieldIssue::too_long(5);
        assert_eq!(issue.code, "too_long");
        assert_eq!(issue.to_string(), "must be at most 5 characters long");
    }

    #[test]
    fn serializes_code_and_message() {
        let json = serde_json::to_value(FieldIssue::required()).expect("serializable");
        assert_eq!(
            json,
            serde_json::json!({"code": "required", "message": "must not be empty"})
        );
    }
}
