//! Chinese and English. Every string a page shows is a key in `locales/<locale>.toml`; a unit
//! test proves both files hold the same keys and that every key a template names exists.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

/// A language Girder speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Locale {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::ZhCn, Locale::En];

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s))
    }

    /// The language's name in itself, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::ZhCn => "中文",
            Locale::En => "English",
        }
    }

    /// The best match for an `Accept-Language` header; Chinese when nothing matches.
    pub fn from_accept_language(header: &str) -> Self {
        header
            .split(',')
            .filter_map(|part| part.split(';').next())
            .map(str::trim)
            .find_map(|tag| {
                let primary = tag.split('-').next().unwrap_or(tag);
                match primary.to_ascii_lowercase().as_str() {
                    "zh" => Some(Locale::ZhCn),
                    "en" => Some(Locale::En),
                    _ => None,
                }
            })
            .unwrap_or_default()
    }
}

type Catalog = HashMap<String, String>;

static CATALOGS: LazyLock<[Catalog; 2]> = LazyLock::new(|| {
    [
        flatten(include_str!("../locales/zh-CN.toml")),
        flatten(include_str!("../locales/en.toml")),
    ]
});

fn flatten(source: &str) -> Catalog {
    fn walk(prefix: &str, table: &toml::Table, out: &mut Catalog) {
        for (k, v) in table {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                toml::Value::Table(t) => walk(&key, t, out),
                toml::Value::String(s) => {
                    out.insert(key, s.clone());
                }
                other => {
                    out.insert(key, other.to_string());
                }
            }
        }
    }
    // The catalogs are compiled in and checked by the tests below; a broken one is a build bug.
    let table: toml::Table = source
        .parse()
        .unwrap_or_else(|e| panic!("locale file: {e}"));
    let mut out = Catalog::new();
    walk("", &table, &mut out);
    out
}

/// The text of `key` in `locale`; the key itself if missing (the tests keep that from shipping).
pub fn t(locale: Locale, key: &str) -> &str {
    match CATALOGS[locale as usize].get(key) {
        Some(s) => s.as_str(),
        None => {
            tracing::warn!(key, locale = locale.as_str(), "missing translation");
            key
        }
    }
}

/// `t` with `{name}` placeholders filled in.
pub fn tf(locale: Locale, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut s = t(locale, key).to_owned();
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), &value.to_string());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn both_languages_have_the_same_keys() {
        let zh: BTreeSet<_> = CATALOGS[0].keys().collect();
        let en: BTreeSet<_> = CATALOGS[1].keys().collect();
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(only_zh.is_empty(), "keys missing in en.toml: {only_zh:?}");
        assert!(
            only_en.is_empty(),
            "keys missing in zh-CN.toml: {only_en:?}"
        );
    }

    /// Every `t("…")` in a template and every `"key.name"` literal passed from Rust must exist.
    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let mut missing = Vec::new();
        let mut scan = |dir: &str, pattern: &str| {
            for path in walk_files(std::path::Path::new(dir)) {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for (i, _) in text.match_indices(pattern) {
                    // `t("` but not `get("`: the pattern must start a word.
                    let starts_word = text[..i]
                        .chars()
                        .next_back()
                        .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
                    if !starts_word {
                        continue;
                    }
                    let rest = &text[i + pattern.len()..];
                    if let Some(end) = rest.find('"') {
                        let key = &rest[..end];
                        if !key.contains('{') && !CATALOGS[0].contains_key(key) {
                            missing.push(format!("{}: {key}", path.display()));
                        }
                    }
                }
            }
        };
        scan("templates", "t(\"");
        scan("src", "_key: \"");
        scan("src", "flash(true, \"");
        scan("src", "flash(false, \"");
        scan("src", "field_error(\"");
        assert!(
            missing.is_empty(),
            "unknown i18n keys:\n{}",
            missing.join("\n")
        );
    }

    fn walk_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                out.extend(walk_files(&p));
            } else {
                out.push(p);
            }
        }
        out
    }

    #[test]
    fn accept_language_picks_a_supported_locale() {
        assert_eq!(Locale::from_accept_language("en-US,en;q=0.9"), Locale::En);
        assert_eq!(
            Locale::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"),
            Locale::ZhCn
        );
        assert_eq!(Locale::from_accept_language("fr-FR, en;q=0.5"), Locale::En);
        assert_eq!(Locale::from_accept_language("de"), Locale::ZhCn);
    }

    #[test]
    fn placeholders_are_filled() {
        let s = tf(Locale::En, "banner.trial_ends_in", &[("days", &3)]);
        assert!(s.contains('3'), "{s}");
    }
}
