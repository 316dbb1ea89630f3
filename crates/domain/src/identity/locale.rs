use std::fmt;

use serde::{Deserialize, Serialize};

use super::FieldIssue;

/// The language (and optionally region) a user reads the interface and emails
/// in: the `language-region` subset of BCP 47 (`en`, `en-GB`, `pt-BR`,
/// `es-419`). Scripts and variants are left out until a translation needs them.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Locale(String);

impl Locale {
    /// Normalizes case (`EN-gb` is `en-GB`) and accepts the POSIX separator
    /// (`pt_BR`), which browsers and operating systems hand out as often.
    pub fn parse(input: &str) -> Result<Self, FieldIssue> {
        let s = input.trim();
        if s.is_empty() {
            return Err(FieldIssue::required());
        }
        let invalid = || FieldIssue::invalid("must be a language tag such as en, en-GB or pt-BR");
        let (language, region) = match s.split_once(['-', '_']) {
            Some((language, region)) => (language, Some(region)),
            None => (s, None),
        };
        if !(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_alphabetic())
        {
            return Err(invalid());
        }
        let mut tag = language.to_ascii_lowercase();
        if let Some(region) = region {
            let letters = region.len() == 2 && region.bytes().all(|b| b.is_ascii_alphabetic());
            let digits = region.len() == 3 && region.bytes().all(|b| b.is_ascii_digit());
            if !(letters || digits) {
                return Err(invalid());
            }
            tag.push('-');
            tag.push_str(&region.to_ascii_uppercase());
        }
        Ok(Self(tag))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The language subtag alone (`pt` for `pt-BR`), for falling back to a
    /// translation that has no regional variant.
    pub fn language(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }
}

impl AsRef<str> for Locale {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Locale({})", self.0)
    }
}

impl From<Locale> for String {
    fn from(locale: Locale) -> Self {
        locale.0
    }
}

impl TryFrom<String> for Locale {
    type Error = FieldIssue;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(input: &str) -> String {
        Locale::parse(input).expect("valid").as_str().to_owned()
    }

    #[test]
    fn normalizes_case_and_separator() {
        assert_eq!(tag("en"), "en");
        assert_eq!(tag(" EN-gb "), "en-GB");
        assert_eq!(tag("pt_br"), "pt-BR");
        assert_eq!(tag("es-419"), "es-419");
        assert_eq!(tag("fil-PH"), "fil-PH");
        assert_eq!(Locale::parse("pt-BR").expect("valid").language(), "pt");
        assert_eq!(Locale::parse("en").expect("valid").language(), "en");
    }

    #[test]
    fn refuses_other_tags() {
        assert_eq!(Locale::parse("").expect_err("blank").code, "required");
        for bad in [
            "e",
            "engl",
            "en-",
            "-GB",
            "en-G",
            "en-GBR",
            "en-41",
            "en-4190",
            "zh-Hant-TW",
            "en-GB-oxendict",
            "é",
            "e1",
        ] {
            assert_eq!(Locale::parse(bad).expect_err(bad).code, "invalid", "{bad}");
        }
    }
}
