use std::fmt;

use serde::{Deserialize, Serialize};

use super::FieldIssue;

/// An email address as the user typed it (trimmed), checked for a plausible shape.
///
/// Only the shape is checked here; whether the address receives mail is for the
/// verification email to find out. Addresses are limited to ASCII so that
/// lowercasing means the same thing here, in SQLite's `lower()` and in
/// PostgreSQL's, which the unique index on `lower(email)` relies on;
/// internationalized domains can still be written in their punycode form.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Email {
    display: String,
    normalized: String,
}

const MIN_LEN: usize = 3;
// RFC 5321 limits a path to 256 octets including the angle brackets.
const MAX_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;

impl Email {
    /// The longest address, counted as sent (spaces around it included).
    pub const MAX_CHARS: usize = MAX_LEN;

    pub fn parse(input: &str) -> Result<Self, FieldIssue> {
        if input.chars().count() > MAX_LEN {
            return Err(FieldIssue::too_long(MAX_LEN));
        }
        let s = input.trim();
        if s.is_empty() {
            return Err(FieldIssue::required());
        }
        // ASCII is checked before lengths so that byte and character counts agree.
        if !s.is_ascii() {
            return Err(FieldIssue::invalid(
                "must contain only ASCII characters (write an internationalized domain in its xn-- form)",
            ));
        }
        if s.len() < MIN_LEN {
            return Err(FieldIssue::too_short(MIN_LEN));
        }
        if s.len() > MAX_LEN {
            return Err(FieldIssue::too_long(MAX_LEN));
        }
        if s.chars()
            .any(|c| c.is_ascii_whitespace() || c.is_ascii_control())
        {
            return Err(FieldIssue::invalid(
                "must not contain spaces or control characters",
            ));
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err(FieldIssue::invalid("must contain an @"));
        };
        if domain.contains('@') {
            return Err(FieldIssue::invalid("must contain exactly one @"));
        }
        if local.is_empty() {
            return Err(FieldIssue::invalid("must have a name before the @"));
        }
        if local.len() > MAX_LOCAL_LEN {
            return Err(FieldIssue::invalid(format!(
                "the part before the @ must be at most {MAX_LOCAL_LEN} characters long"
            )));
        }
        // A dot is required because a bare host name (`root@localhost`) cannot
        // receive mail from the internet.
        if !domain.contains('.') {
            return Err(FieldIssue::invalid(
                "the domain after the @ must contain a dot",
            ));
        }
        if domain.split('.').any(str::is_empty) {
            return Err(FieldIssue::invalid(
                "the domain after the @ must not start or end with a dot or contain two dots in a row",
            ));
        }
        Ok(Self {
            display: s.to_owned(),
            normalized: s.to_ascii_lowercase(),
        })
    }

    /// The address with the user's casing, for display and for sending mail.
    pub fn as_str(&self) -> &str {
        &self.display
    }

    /// The lowercased address, for uniqueness checks and lookups. Strictly the
    /// part before the @ is case-sensitive, but no provider a user is likely to
    /// have treats it so, and two accounts differing only in case are a support
    /// problem waiting to happen.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.display)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> Self {
        email.display
    }
}

impl TryFrom<String> for Email {
    type Error = FieldIssue;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(input: &str) -> &'static str {
        Email::parse(input).expect_err("should be refused").code
    }

    #[test]
    fn accepts_ordinary_addresses_and_trims() {
        let email = Email::parse("  Ada.Lovelace+course@Example.co.uk \n").expect("valid");
        assert_eq!(email.as_str(), "Ada.Lovelace+course@Example.co.uk");
        assert_eq!(email.normalized(), "ada.lovelace+course@example.co.uk");
        assert_eq!(email.to_string(), email.as_str());
        assert!(Email::parse("a@b.c").is_ok());
        assert!(Email::parse("user@xn--bcher-kva.example").is_ok());
    }

    #[test]
    fn refuses_bad_shapes() {
        assert_eq!(code(""), "required");
        assert_eq!(code("   "), "required");
        assert_eq!(code("a@"), "too_short");
        assert_eq!(code("plainaddress"), "invalid");
        assert_eq!(code("a@b@example.com"), "invalid");
        assert_eq!(code("@example.com"), "invalid");
        assert_eq!(code("user@localhost"), "invalid");
        assert_eq!(code("user@.example.com"), "invalid");
        assert_eq!(code("user@example.com."), "invalid");
        assert_eq!(code("user@example..com"), "invalid");
        assert_eq!(code("us er@example.com"), "invalid");
        assert_eq!(code("user@exa\u{7}mple.com"), "invalid");
        assert_eq!(code("josé@example.com"), "invalid");
    }

    #[test]
    fn enforces_length_limits() {
        let local = "a".repeat(64);
        assert!(Email::parse(&format!("{local}@example.com")).is_ok());
        assert_eq!(code(&format!("a{local}@example.com")), "invalid");

        let domain = format!("{}.com", "d".repeat(254 - 2 - 4));
        assert_eq!(format!("a@{domain}").len(), 254);
        assert!(Email::parse(&format!("a@{domain}")).is_ok());
        assert_eq!(code(&format!("ab@{domain}")), "too_long");
    }

    #[test]
    fn serde_round_trips_through_parse() {
        let email: Email = serde_json::from_str("\" Bob@Example.com \"").expect("valid");
        assert_eq!(email.as_str(), "Bob@Example.com");
        assert_eq!(
            serde_json::to_string(&email).expect("serializable"),
            "\"Bob@Example.com\""
        );
        assert!(serde_json::from_str::<Email>("\"nope\"").is_err());
    }
}
