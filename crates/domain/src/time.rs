use std::fmt;

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

/// An instant in UTC with microsecond precision.
///
/// PostgreSQL keeps microseconds, so truncating here makes a value read back from
/// either database equal to the one written. On SQLite it is stored as fixed-width
/// text (`2026-01-31T09:00:00.000000Z`), which orders correctly as a string.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    pub fn now() -> Self {
        Self::from_datetime(Utc::now())
    }

    pub fn from_datetime(at: DateTime<Utc>) -> Self {
        Self(at.trunc_subsecs(6))
    }

    pub const fn as_datetime(&self) -> &DateTime<Utc> {
        &self.0
    }

    /// The text form used for storage on SQLite.
    pub fn to_storage_text(&self) -> String {
        self.0.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    }

    pub fn parse_rfc3339(s: &str) -> Result<Self, chrono::ParseError> {
        DateTime::parse_from_rfc3339(s).map(|at| Self::from_datetime(at.with_timezone(&Utc)))
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(at: DateTime<Utc>) -> Self {
        Self::from_datetime(at)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_text_is_fixed_width_and_sorts_like_time() {
        let a = Timestamp::parse_rfc3339("2026-03-29T00:59:59.5+00:00").expect("valid");
        let b = Timestamp::parse_rfc3339("2026-03-29T01:00:00Z").expect("valid");
        assert_eq!(a.to_storage_text(), "2026-03-29T00:59:59.500000Z");
        assert_eq!(b.to_storage_text(), "2026-03-29T01:00:00.000000Z");
        assert!(a.to_storage_text() < b.to_storage_text());
    }

    #[test]
    fn truncates_to_microseconds() {
        let t = Timestamp::parse_rfc3339("2026-01-01T00:00:00.123456789Z").expect("valid");
        assert_eq!(t.to_storage_text(), "2026-01-01T00:00:00.123456Z");
    }

    #[test]
    fn parses_sqlite_default_and_offsets() {
        let t = Timestamp::parse_rfc3339("2026-01-01T10:00:00.123000Z").expect("valid");
        let u = Timestamp::parse_rfc3339("2026-01-01T11:00:00.123+01:00").expect("valid");
        assert_eq!(t, u);
    }
}
