//! The message catalog: every text a page shows comes from a Fluent file per
//! language (`locales/{lang}/main.ftl`), compiled into the binary. English is
//! complete and the fallback; a language is chosen from the signed-in user's
//! `locale`, else the browser's `Accept-Language`.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Unicode isolation marks around arguments would end up in the HTML
        // and in the accessible names that users and tests look for.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

const ENGLISH: LanguageIdentifier = langid!("en");
const GERMAN: LanguageIdentifier = langid!("de");

/// The languages pages are offered in, best first.
const OFFERED: [LanguageIdentifier; 2] = [ENGLISH, GERMAN];

/// A page's language and its messages.
#[derive(Clone, Debug)]
pub struct Tr {
    lang: LanguageIdentifier,
}

impl Default for Tr {
    fn default() -> Self {
        Self { lang: ENGLISH }
    }
}

impl Tr {
    /// The user's own locale when they chose one we offer, else the first
    /// offered language of `Accept-Language` (by weight), else English.
    pub fn negotiate(user_locale: Option<&str>, accept_language: Option<&str>) -> Self {
        if let Some(lang) = user_locale.and_then(offered) {
            return Self { lang };
        }
        let mut ranges: Vec<(&str, f32)> = accept_language
            .unwrap_or_default()
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.trim().split(';');
                let tag = pieces.next()?.trim();
                let weight = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                (!tag.is_empty() && weight > 0.0).then_some((tag, weight))
            })
            .collect();
        // A stable sort keeps the header's order among equal weights.
        ranges.sort_by(|a, b| b.1.total_cmp(&a.1));
        let lang = ranges
            .into_iter()
            .find_map(|(tag, _)| offered(tag))
            .unwrap_or(ENGLISH);
        Self { lang }
    }

    /// The BCP 47 tag for `<html lang>`.
    pub fn lang(&self) -> String {
        self.lang.to_string()
    }

    /// The message `key`.
    pub fn t(&self, key: &str) -> String {
        LOCALES.lookup(&self.lang, key)
    }

    /// The message `key`, if the catalog has it.
    pub fn try_t(&self, key: &str) -> Option<String> {
        LOCALES.try_lookup(&self.lang, key)
    }

    /// The message `key` with arguments.
    pub fn t_with(&self, key: &str, args: &[(&'static str, Arg)]) -> String {
        LOCALES.lookup_with_args(&self.lang, key, &fluent_args(args))
    }

    /// The message `key` with arguments, if the catalog has it.
    pub fn try_t_with(&self, key: &str, args: &[(&'static str, Arg)]) -> Option<String> {
        LOCALES.try_lookup_with_args(&self.lang, key, &fluent_args(args))
    }
}

fn fluent_args<'a>(args: &'a [(&'static str, Arg)]) -> HashMap<Cow<'static, str>, FluentValue<'a>> {
    args.iter()
        .map(|(name, value)| {
            let value = match value {
                Arg::Text(text) => FluentValue::from(text.as_str()),
                Arg::Number(n) => FluentValue::from(*n),
            };
            (Cow::Borrowed(*name), value)
        })
        .collect()
}

/// An argument of a message.
#[derive(Clone, Debug)]
pub enum Arg {
    Text(String),
    Number(i64),
}

impl From<&str> for Arg {
    fn from(text: &str) -> Self {
        Arg::Text(text.to_owned())
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Self {
        Arg::Text(text)
    }
}

impl From<i64> for Arg {
    fn from(n: i64) -> Self {
        Arg::Number(n)
    }
}

/// The offered language a tag such as `de-CH` or `en_US` falls under.
fn offered(tag: &str) -> Option<LanguageIdentifier> {
    let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
    OFFERED
        .iter()
        .find(|lang| lang.language.as_str() == primary)
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_locale_wins_then_the_browser_by_weight() {
        assert_eq!(Tr::negotiate(Some("de"), Some("en")).lang(), "de");
        assert_eq!(
            Tr::negotiate(Some("pt_BR"), Some("de-CH, en;q=0.5")).lang(),
            "de"
        );
        assert_eq!(
            Tr::negotiate(None, Some("fr, en;q=0.4, de;q=0.8")).lang(),
            "de"
        );
        assert_eq!(Tr::negotiate(None, Some("fr")).lang(), "en");
        assert_eq!(Tr::negotiate(None, None).lang(), "en");
        assert_eq!(Tr::negotiate(None, Some("de;q=0")).lang(), "en");
    }

    #[test]
    fn every_english_message_has_a_german_one() {
        let english = include_str!("../locales/en/main.ftl");
        let german = include_str!("../locales/de/main.ftl");
        let keys = |ftl: &str| -> Vec<String> {
            ftl.lines()
                .filter(|l| !l.starts_with([' ', '#', '.']) && l.contains(" ="))
                .filter_map(|l| l.split(" =").next().map(str::to_owned))
                .collect()
        };
        let german_keys = keys(german);
        let missing: Vec<_> = keys(english)
            .into_iter()
            .filter(|k| !german_keys.contains(k))
            .collect();
        assert!(missing.is_empty(), "missing in German: {missing:?}");
    }

    #[test]
    fn messages_take_arguments() {
        let tr = Tr::default();
        assert_eq!(
            tr.t_with("notifications-unread", &[("count", Arg::Number(3))]),
            "(3 unread)"
        );
    }
}
