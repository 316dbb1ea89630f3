use std::fmt;
use std::str::FromStr;

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::FieldIssue;

/// An IANA time zone (`Europe/London`), in which a user's schedule and
/// reminders are shown. A name rather than an offset, because offsets change
/// with daylight saving time and a session booked for next winter must move
/// with them.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct TimeZone(Tz);

impl TimeZone {
    /// Accepts any zone name in the bundled IANA database, in any letter case
    /// (`europe/london` is `Europe/London`). Legacy link names such as
    /// `US/Eastern` are accepted and kept as given, since the database lists them.
    pub fn parse(input: &str) -> Result<Self, FieldIssue> {
        let s = input.trim();
        if s.is_empty() {
            return Err(FieldIssue::required());
        }
        Tz::from_str(s)
            .ok()
            .or_else(|| {
                chrono_tz::TZ_VARIANTS
                    .iter()
                    .copied()
                    .find(|tz| tz.name().eq_ignore_ascii_case(s))
            })
            .map(Self)
            .ok_or_else(|| {
                FieldIssue::invalid("must be an IANA time zone name such as Europe/London")
            })
    }

    /// Every zone name `parse` accepts, as the IANA database spells it.
    pub fn names() -> impl Iterator<Item = &'static str> {
        chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
    }

    pub const fn utc() -> Self {
        Self(Tz::UTC)
    }

    /// The zone's name as the IANA database spells it.
    pub fn as_str(&self) -> &'static str {
        self.0.name()
    }

    /// For converting instants to local time.
    pub const fn tz(&self) -> Tz {
        self.0
    }
}

impl Default for TimeZone {
    fn default() -> Self {
        Self::utc()
    }
}

impl AsRef<str> for TimeZone {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TimeZone({})", self.as_str())
    }
}

impl From<TimeZone> for String {
    fn from(zone: TimeZone) -> Self {
        zone.as_str().to_owned()
    }
}

impl TryFrom<String> for TimeZone {
    type Error = FieldIssue;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone as _, Timelike};

    use super::*;

    #[test]
    fn accepts_iana_names_and_canonicalizes_case() {
        assert_eq!(
            TimeZone::parse("Europe/London").expect("valid").as_str(),
            "Europe/London"
        );
        assert_eq!(
            TimeZone::parse(" america/sao_paulo ")
                .expect("valid")
                .as_str(),
            "America/Sao_Paulo"
        );
        assert_eq!(TimeZone::parse("utc").expect("valid"), TimeZone::utc());
        assert_eq!(
            TimeZone::parse("US/Eastern").expect("valid").as_str(),
            "US/Eastern"
        );
    }

    #[test]
    fn refuses_unknown_names_and_offsets() {
        assert_eq!(TimeZone::parse("").expect_err("blank").code, "required");
        for bad in ["Mars/Olympus_Mons", "+02:00", "GMT+2", "Europe/"] {
            assert_eq!(
                TimeZone::parse(bad).expect_err(bad).code,
                "invalid",
                "{bad}"
            );
        }
    }

    #[test]
    fn defaults_to_utc_and_converts() {
        assert_eq!(TimeZone::default().as_str(), "UTC");
        let zone = TimeZone::parse("Asia/Kolkata").expect("valid");
        let noon_utc = chrono::Utc
            .with_ymd_and_hms(2026, 1, 1, 12, 0, 0)
            .single()
            .expect("valid date");
        let local = noon_utc.with_timezone(&zone.tz());
        assert_eq!((local.hour(), local.minute()), (17, 30));
    }
}
