//! Form fields as pages show them: label, the typed value kept after a
//! refusal, and the error from the use case next to the field.

use medicaledu_app::FieldError;

use crate::i18n::Tr;

#[derive(Clone, Debug)]
pub struct Field {
    pub name: &'static str,
    pub label: String,
    /// The input's `type`.
    pub kind: &'static str,
    pub value: String,
    pub autocomplete: &'static str,
    /// The on-screen keyboard to offer (`numeric` for codes).
    pub inputmode: Option<&'static str>,
    pub required: bool,
    pub hint: Option<String>,
    pub error: Option<String>,
}

impl Field {
    pub fn new(name: &'static str, label: String, kind: &'static str) -> Self {
        Self {
            name,
            label,
            kind,
            value: String::new(),
            autocomplete: "off",
            inputmode: None,
            required: true,
            hint: None,
            error: None,
        }
    }

    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = value.into();
        self
    }

    pub fn autocomplete(mut self, autocomplete: &'static str) -> Self {
        self.autocomplete = autocomplete;
        self
    }

    pub fn inputmode(mut self, inputmode: &'static str) -> Self {
        self.inputmode = Some(inputmode);
        self
    }

    pub fn hint(mut self, hint: String) -> Self {
        self.hint = Some(hint);
        self
    }

    /// Shows the first error the use case named for this field.
    pub fn errors(mut self, errors: &[FieldError], tr: &Tr) -> Self {
        self.error = error_for(self.name, errors, tr);
        self
    }
}

/// The message for `field`'s first error: the catalog's text for its code
/// when there is one (`field-error-too_short`), else the use case's own.
pub fn error_for(field: &str, errors: &[FieldError], tr: &Tr) -> Option<String> {
    errors.iter().find(|e| e.field == field).map(|e| {
        tr.try_t(&format!("field-error-{}", e.code))
            .unwrap_or_else(|| e.message.clone())
    })
}
