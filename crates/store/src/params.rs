//! Values for statements assembled at runtime (optional filters), bound in
//! order to `$1, $2, …` on either backend.

use medicaledu_domain::{Id, Timestamp};

/// One value bound to a statement assembled at runtime.
#[derive(Clone, Debug, PartialEq)]
pub enum Param {
    Text(String),
    Int(i64),
    Id(Id),
    Time(Timestamp),
}

/// Collects parameters and hands out their placeholders.
#[derive(Default)]
pub(crate) struct Params(pub Vec<Param>);

impl Params {
    /// Adds a value and returns its placeholder, e.g. `$3`.
    pub fn push(&mut self, value: Param) -> String {
        self.0.push(value);
        format!("${}", self.0.len())
    }
}

/// Binds every collected parameter to a query built for either backend.
macro_rules! bind_params {
    ($query:expr, $params:expr) => {{
        let mut query = $query;
        for param in $params {
            query = match param {
                $crate::params::Param::Text(v) => query.bind(v),
                $crate::params::Param::Int(v) => query.bind(v),
                $crate::params::Param::Id(v) => query.bind(v),
                $crate::params::Param::Time(v) => query.bind(v),
            };
        }
        query
    }};
}
pub(crate) use bind_params;

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub(crate) fn like_contains(needle: &str) -> String {
    let escaped = needle
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}
