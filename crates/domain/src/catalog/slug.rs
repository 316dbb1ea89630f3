//! The name of a course in URLs (`/courses/ecg-for-beginners`).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::FieldIssue;

/// Lowercase ASCII letters and digits in runs joined by single hyphens
/// (`ecg-for-beginners`), so a link survives being pasted anywhere unencoded.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Slug(String);

impl Slug {
    pub const MAX_CHARS: usize = 120;
    /// What a title with nothing transliterable (only emoji, say) becomes.
    const FALLBACK: &'static str = "course";

    /// A slug made from a course title: letters with diacritics lose them
    /// (`é` → `e`, `ß` → `ss`, `æ` → `ae`), other scripts are transliterated
    /// by `deunicode` (`Кардиология` → `kardiologiia`), apostrophes vanish
    /// (`crohns-disease`) and every other run of symbols, spaces or
    /// punctuation becomes one hyphen. Never fails: uniqueness is the
    /// caller's, with [`Slug::with_suffix`].
    pub fn from_title(title: &str) -> Self {
        let mut slug = String::with_capacity(title.len());
        let mut pending_hyphen = false;
        let mut push = |slug: &mut String, text: &str| {
            for c in text.chars() {
                if c.is_ascii_alphanumeric() {
                    if pending_hyphen && !slug.is_empty() {
                        slug.push('-');
                    }
                    pending_hyphen = false;
                    slug.push(c.to_ascii_lowercase());
                } else {
                    pending_hyphen = true;
                }
            }
        };
        for c in title.chars() {
            if c.is_ascii() {
                if !matches!(c, '\'') {
                    push(&mut slug, c.encode_utf8(&mut [0; 4]));
                }
            } else if matches!(c, '\u{2019}' | '\u{02BC}') {
                // Typographic apostrophes, as in "Crohn’s".
            } else if c.is_alphanumeric() {
                push(&mut slug, deunicode::deunicode_char(c).unwrap_or(" "));
            } else if deunicode::deunicode_char(c) != Some("") {
                // Symbols and emoji separate words rather than being spelled
                // out (`❤` is not "heart"); combining accents, which
                // transliterate to nothing, are dropped with their letter's
                // accent.
                push(&mut slug, " ");
            }
        }
        let slug = truncate_at_hyphen(&slug, Self::MAX_CHARS);
        if slug.is_empty() {
            return Self(Self::FALLBACK.to_owned());
        }
        if uuid::Uuid::parse_str(slug).is_ok() {
            // See `parse`: a slug must never read as an id.
            return Self(truncate_at_hyphen(&format!("course-{slug}"), Self::MAX_CHARS).to_owned());
        }
        Self(slug.to_owned())
    }

    /// A slug an instructor typed. Surrounding whitespace is ignored; anything
    /// else that is not already a slug is refused rather than rewritten, so
    /// the URL is exactly what they asked for.
    ///
    /// A UUID is refused although it has the shape of a slug: course URLs may
    /// take either an id or a slug, and must not be ambiguous.
    pub fn parse(input: &str) -> Result<Self, FieldIssue> {
        let s = input.trim();
        if s.is_empty() {
            return Err(FieldIssue::required());
        }
        if s.len() > Self::MAX_CHARS {
            return Err(FieldIssue::too_long(Self::MAX_CHARS));
        }
        let well_formed = s.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if !well_formed {
            return Err(FieldIssue::invalid(
                "must be lowercase letters and digits, words joined by single hyphens",
            ));
        }
        if uuid::Uuid::parse_str(s).is_ok() {
            return Err(FieldIssue::invalid("must not be a UUID"));
        }
        Ok(Self(s.to_owned()))
    }

    /// `title-2` for the second course with that title: the slug is shortened
    /// (at a hyphen where it can) so the result stays within the limit. Call
    /// it on the original slug each time, not on the previous attempt.
    pub fn with_suffix(&self, n: u32) -> Self {
        let suffix = format!("-{n}");
        let base = truncate_at_hyphen(&self.0, Self::MAX_CHARS - suffix.len());
        Self(format!("{base}{suffix}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// At most `max` bytes of an ASCII slug, cut after a whole word when one ends
/// in the second half, otherwise mid-word; never ending in a hyphen.
fn truncate_at_hyphen(slug: &str, max: usize) -> &str {
    if slug.len() <= max {
        return slug.trim_end_matches('-');
    }
    // A hyphen at `max` means the word before it ends exactly at the limit.
    let window = &slug[..=max];
    match window.rfind('-') {
        Some(at) if at >= max / 2 => &slug[..at],
        _ => slug[..max].trim_end_matches('-'),
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Slug({})", self.0)
    }
}

impl From<Slug> for String {
    fn from(slug: Slug) -> Self {
        slug.0
    }
}

impl TryFrom<String> for Slug {
    type Error = FieldIssue;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slug(title: &str) -> String {
        let slug = Slug::from_title(title);
        // Whatever a title makes must be a slug an instructor could type.
        assert_eq!(Slug::parse(slug.as_str()).as_ref(), Ok(&slug), "{title:?}");
        slug.0
    }

    #[test]
    fn from_title_lowercases_and_hyphenates() {
        assert_eq!(slug("ECG for Beginners"), "ecg-for-beginners");
        assert_eq!(
            slug("  ACLS: 2025 Update -- Part II!  "),
            "acls-2025-update-part-ii"
        );
        assert_eq!(slug("Crohn's & Colitis"), "crohns-colitis");
        assert_eq!(slug("Crohn’s disease"), "crohns-disease");
        assert_eq!(slug("C++/Rust_in medicine"), "c-rust-in-medicine");
    }

    #[test]
    fn from_title_transliterates() {
        assert_eq!(slug("Médecine d'urgence"), "medecine-durgence");
        assert_eq!(slug("Über Straße"), "uber-strasse");
        assert_eq!(slug("Æther Øresund Åland"), "aether-oresund-aland");
        assert_eq!(slug("Niño Açaí"), "nino-acai");
        // The same word with the accent as a separate combining character.
        assert_eq!(slug("Me\u{301}decine"), "medecine");
        assert_eq!(slug("Кардиология"), "kardiologiia");
        assert_eq!(slug("Cardiology ❤ 101"), "cardiology-101");
    }

    #[test]
    fn from_title_falls_back_when_nothing_is_left() {
        assert_eq!(slug(""), "course");
        assert_eq!(slug(" -- !! "), "course");
        assert_eq!(slug("❤❤"), "course");
        assert_eq!(
            slug("0190B9C4-7D2A-7C3E-8F00-000000000001"),
            "course-0190b9c4-7d2a-7c3e-8f00-000000000001"
        );
    }

    #[test]
    fn long_titles_are_cut_at_a_word() {
        let title = "word ".repeat(40); // "word-word-…", 199 characters
        let cut = slug(&title);
        assert_eq!(cut.len(), 119);
        assert!(cut.ends_with("-word"));

        let exact = format!("{} tail", "a".repeat(120));
        assert_eq!(slug(&exact), "a".repeat(120));

        let one_word = "x".repeat(300);
        assert_eq!(slug(&one_word), "x".repeat(120));

        // A short first word then one long word: cutting at the hyphen would
        // throw most of the limit away.
        let lopsided = format!("ab {}", "y".repeat(200));
        assert_eq!(slug(&lopsided).len(), 120);
    }

    #[test]
    fn suffixes_stay_within_the_limit() {
        let base = Slug::from_title("ECG for Beginners");
        assert_eq!(base.with_suffix(2).as_str(), "ecg-for-beginners-2");
        assert_eq!(
            base.with_suffix(u32::MAX).as_str(),
            "ecg-for-beginners-4294967295"
        );

        let long = Slug::from_title(&"word ".repeat(40));
        for n in [2, 10, 1000, u32::MAX] {
            let suffixed = long.with_suffix(n);
            assert!(suffixed.as_str().len() <= Slug::MAX_CHARS);
            assert!(suffixed.as_str().ends_with(&format!("word-{n}")));
            assert_eq!(Slug::parse(suffixed.as_str()), Ok(suffixed));
        }
        let unbroken = Slug::from_title(&"x".repeat(300)).with_suffix(7);
        assert_eq!(unbroken.as_str().len(), 120);
        assert!(unbroken.as_str().ends_with("x-7"));
    }

    #[test]
    fn parse_accepts_only_canonical_slugs() {
        assert_eq!(Slug::parse(" ecg-101 ").expect("valid").as_str(), "ecg-101");
        assert!(Slug::parse("a").is_ok());
        assert!(Slug::parse(&"a".repeat(120)).is_ok());
        assert_eq!(
            Slug::parse(&"a".repeat(121)).expect_err("long").code,
            "too_long"
        );
        assert_eq!(Slug::parse("").expect_err("blank").code, "required");
        for bad in [
            "ECG", "-ecg", "ecg-", "ecg--101", "ecg 101", "ecg_101", "écg", "ecg/101",
        ] {
            assert_eq!(Slug::parse(bad).expect_err(bad).code, "invalid", "{bad}");
        }
        assert_eq!(
            Slug::parse("0190b9c4-7d2a-7c3e-8f00-000000000001")
                .expect_err("uuid")
                .code,
            "invalid"
        );
    }

    #[test]
    fn serde_goes_through_parse() {
        let slug: Slug = serde_json::from_str(r#""ecg-101""#).expect("valid");
        assert_eq!(serde_json::to_string(&slug).expect("ser"), r#""ecg-101""#);
        assert!(serde_json::from_str::<Slug>(r#""ECG 101""#).is_err());
    }
}
