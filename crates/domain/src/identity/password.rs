use std::collections::HashSet;
use std::fmt;
use std::sync::LazyLock;

use super::FieldIssue;

/// A new password that meets the policy. Only passwords being set go through
/// here: a login compares whatever was typed against the stored hash, so that
/// accounts created under an older policy can still sign in.
///
/// It deliberately has no `Display`, `Clone` or serde, and its `Debug` hides
/// the value, so it cannot end up in a log or a response by accident.
pub struct Password(String);

// NIST SP 800-63B: length is what makes a password strong, and composition rules
// ("one digit, one symbol") mostly produce `Password1!`. The upper bound keeps a
// hostile multi-megabyte password from costing an Argon2 run on its full length.

/// Passwords of at least 12 characters that attackers try first: keyboard
/// walks, repeats, and common words with digits or years appended. Lowercase,
/// one per line; matched case-insensitively.
static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect()
});

impl Password {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 256;

    /// Checks a password being set. It is not trimmed: spaces a user typed on
    /// purpose are part of it.
    pub fn parse(input: &str) -> Result<Self, FieldIssue> {
        if input.is_empty() {
            return Err(FieldIssue::required());
        }
        let chars = input.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(FieldIssue::too_short(Self::MIN_CHARS));
        }
        if chars > Self::MAX_CHARS {
            return Err(FieldIssue::too_long(Self::MAX_CHARS));
        }
        let mut rest = input.chars();
        if let Some(first) = rest.next()
            && rest.all(|c| c == first)
        {
            return Err(FieldIssue::new(
                "too_common",
                "must not be one character repeated",
            ));
        }
        if COMMON.contains(input.to_lowercase().as_str()) {
            return Err(FieldIssue::new(
                "too_common",
                "is one of the most commonly used passwords; choose another",
            ));
        }
        Ok(Self(input.to_owned()))
    }

    /// The password itself, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(input: &str) -> &'static str {
        Password::parse(input).expect_err("should be refused").code
    }

    #[test]
    fn accepts_long_uncommon_passwords_as_typed() {
        let password = Password::parse(" tidal-Ochre-lantern 42 ").expect("valid");
        assert_eq!(password.expose(), " tidal-Ochre-lantern 42 ");
    }

    #[test]
    fn counts_characters_not_bytes() {
        // 11 characters but 22 bytes: still too short.
        assert_eq!(code("ééééééééééb"), "too_short");
        assert!(Password::parse("ééééééééééb€").is_ok());
        assert!(Password::parse(&"ab".repeat(128)).is_ok());
        assert_eq!(code(&format!("{}c", "ab".repeat(128))), "too_long");
        assert_eq!(code(&"é".repeat(257)), "too_long");
    }

    #[test]
    fn enforces_minimum_length() {
        assert_eq!(code(""), "required");
        assert_eq!(code("short-pw-11"), "too_short");
        assert!(Password::parse("plum-ferry-9").is_ok());
    }

    #[test]
    fn refuses_common_passwords_in_any_case() {
        for common in [
            "password1234",
            "PassWord1234",
            "123456789012",
            "QWERTYUIOPAS",
            "iloveyou1234",
            "passwordpassword",
        ] {
            assert_eq!(code(common), "too_common", "{common}");
        }
    }

    #[test]
    fn refuses_one_repeated_character_even_when_not_listed() {
        assert_eq!(code("zzzzzzzzzzzzzzzzzzzzzzzzz"), "too_common");
        assert_eq!(code("ßßßßßßßßßßßß"), "too_common");
        assert!(Password::parse("zzzzzzzzzzzzzzzzzzzzzzzzy").is_ok());
    }

    #[test]
    fn the_shipped_list_is_lowercase_and_long_enough_to_matter() {
        assert!(COMMON.len() >= 300);
        for entry in COMMON.iter() {
            assert_eq!(*entry, entry.to_lowercase(), "{entry}");
            // Shorter entries could never match: the length check refuses them first.
            assert!(entry.chars().count() >= Password::MIN_CHARS, "{entry}");
        }
    }

    #[test]
    fn debug_does_not_reveal_the_password() {
        let password = Password::parse("tidal-ochre-lantern").expect("valid");
        assert_eq!(format!("{password:?}"), "Password(***)");
    }
}
