//! Translations: one mechanism (Fluent) for every user-visible string; the language is the
//! user's choice (a cookie) or the browser's (`Accept-Language`). Arabic is laid out
//! right-to-left.

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};
use std::borrow::Cow;
use std::collections::HashMap;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Isolation marks around placeables are right for HTML; keep them on.
        customise: |_bundle| {},
    };
}

pub const SUPPORTED: &[&str] = &["en", "fr", "ar"];

/// The translator for one request.
#[derive(Debug, Clone)]
pub struct Tr {
    pub code: &'static str,
    pub dir: &'static str,
    lang: LanguageIdentifier,
}

impl Tr {
    pub fn new(code: &str) -> Self {
        let code = SUPPORTED.iter().copied().find(|c| *c == code).unwrap_or("en");
        let lang = code.parse().unwrap_or_default();
        Self { code, dir: if code == "ar" { "rtl" } else { "ltr" }, lang }
    }

    /// The language from the user's cookie, else the first supported one the browser accepts.
    pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Self {
        if let Some(c) = cookie.filter(|c| SUPPORTED.contains(c)) {
            return Self::new(c);
        }
        let mut best: Option<(&'static str, f32)> = None;
        for part in accept_language.unwrap_or("").split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            if let Some(code) = SUPPORTED.iter().copied().find(|c| *c == primary)
                && best.is_none_or(|(_, bq)| q > bq)
            {
                best = Some((code, q));
            }
        }
        Self::new(best.map(|b| b.0).unwrap_or("en"))
    }

    pub fn get(&self, key: &str) -> String {
        LOCALES.try_lookup(&self.lang, key).unwrap_or_else(|| key.to_owned())
    }

    pub fn get1(&self, key: &str, name: &str, value: &str) -> String {
        self.get_with(key, &[(name, value)])
    }

    pub fn get_with(&self, key: &str, pairs: &[(&str, &str)]) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue<'_>> = HashMap::new();
        for (name, value) in pairs {
            args.insert(Cow::Owned((*name).to_owned()), FluentValue::from((*value).to_owned()));
        }
        LOCALES.try_lookup_with_args(&self.lang, key, &args).unwrap_or_else(|| key.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_prefers_cookie_then_browser() {
        assert_eq!(Tr::negotiate(Some("ar"), Some("fr")).code, "ar");
        assert_eq!(Tr::negotiate(None, Some("de-DE,fr;q=0.8,en;q=0.5")).code, "fr");
        assert_eq!(Tr::negotiate(Some("xx"), None).code, "en");
        assert_eq!(Tr::new("ar").dir, "rtl");
    }

    fn keys(ftl: &str) -> std::collections::BTreeSet<&str> {
        ftl.lines().filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim())).collect()
    }

    #[test]
    fn every_key_exists_in_every_language() {
        let en = keys(include_str!("../locales/en/main.ftl"));
        assert_eq!(keys(include_str!("../locales/fr/main.ftl")), en, "French");
        assert_eq!(keys(include_str!("../locales/ar/main.ftl")), en, "Arabic");
        assert_ne!(Tr::new("ar").get("sign-in-title"), Tr::new("en").get("sign-in-title"));
        assert!(Tr::new("fr").get1("home-welcome", "name", "Amina").contains("Amina"));
    }
}
