use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A UUIDv7 identifier. Version 7 embeds the creation time in its leading bits,
/// so freshly inserted rows land at the right edge of B-tree indexes and ids sort
/// roughly by creation, which keyset pagination relies on.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Id(Uuid);

#[derive(Debug, thiserror::Error)]
#[error("not a valid id (expected a UUID)")]
pub struct ParseIdError;

impl Id {
    pub fn generate() -> Self {
        Self(Uuid::now_v7())
    }

    pub const fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    pub const fn as_uuid(&self) -> &Uuid {
        &self.0
    }
}

impl FromStr for Id {
    type Err = ParseIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self).map_err(|_| ParseIdError)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_version_7_and_increase() {
        let a = Id::generate();
        let b = Id::generate();
        assert_eq!(a.as_uuid().get_version_num(), 7);
        assert!(b > a);
    }

    #[test]
    fn parses_and_prints_hyphenated() {
        let id: Id = "0190b9c4-7d2a-7c3e-8f00-000000000001"
            .parse()
            .expect("valid uuid");
        assert_eq!(id.to_string(), "0190b9c4-7d2a-7c3e-8f00-000000000001");
        assert!("not-a-uuid".parse::<Id>().is_err());
    }
}
