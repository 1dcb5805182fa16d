//! Language tags.
//!
//! TM files in the wild spell one language many ways: `EN-US`, `en_US`,
//! `en-us`, `JA`. yakugo canonicalises every tag to BCP 47 case conventions
//! (RFC 5646 §2.1.1) when it is read, so the store and every comparison only
//! ever see one spelling: the primary language in lower case, a four-letter
//! script in title case, a two-letter or three-digit region in upper case,
//! every other subtag in lower case. `_` is accepted as a separator.
//!
//! A [`Lang`] used as a *filter* matches its region and script variants
//! (`en` matches `en-GB` and `en-US`; `en-US` matches only `en-US`), which is
//! the "lookup" matching of RFC 4647 §3.3.2 restricted to prefixes.

use smol_str::SmolStr;
use std::fmt;
use std::str::FromStr;

/// A canonical BCP 47 language tag. Construct it with [`Lang::parse`] or
/// `str::parse`; the inner string is always canonical.
///
/// Held inline (tags of up to 23 bytes, which is every real one), so that
/// a clone (every variant of an import carries one) neither allocates nor
/// touches shared memory. A shared `Arc<str>` did not allocate either, but
/// its reference count sat beside the tag's bytes: the import's threads,
/// cloning, dropping and reading the same few tags, kept taking that cache
/// line from each other (`drop_in_place::<Lang>` alone was 2% of a 200k
/// import's samples).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Lang(SmolStr);

/// Tags already parsed, as written, with what they parse to: a file or a
/// store spells its few languages the same way on every segment, and
/// parsing costs more than comparing. At most [`TagCache::REMEMBERED`]
/// spellings are kept: input with more still reads correctly, only slower.
#[derive(Debug, Default)]
pub struct TagCache {
    seen: Vec<(String, Lang)>,
}

impl TagCache {
    const REMEMBERED: usize = 16;

    /// [`Lang::parse`], from the cache when `raw` was seen before.
    pub fn parse(&mut self, raw: &str) -> Result<Lang, LangError> {
        if let Some((_, lang)) = self.seen.iter().find(|(r, _)| r == raw) {
            return Ok(lang.clone());
        }
        let lang = Lang::parse(raw)?;
        if self.seen.len() < Self::REMEMBERED {
            self.seen.push((raw.to_string(), lang.clone()));
        }
        Ok(lang)
    }
}

/// Why a string is not a usable language tag.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{tag}` is not a BCP 47 language tag ({reason}); write e.g. `en`, `en-US` or `ja`")]
pub struct LangError {
    pub tag: String,
    pub reason: &'static str,
}

impl Lang {
    /// Parses and canonicalises a tag such as `EN_us` → `en-US`.
    pub fn parse(raw: &str) -> Result<Lang, LangError> {
        let err = |reason| LangError {
            tag: raw.to_string(),
            reason,
        };
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(err("it is empty"));
        }
        // Canonicalising keeps the length (case, and `_` → `-`): done in
        // place on a copy, on the stack for any real tag, so that the only
        // allocation is the shared string itself.
        let mut small = [0u8; 64];
        let mut large = Vec::new();
        let out: &mut [u8] = if trimmed.len() <= small.len() {
            &mut small[..trimmed.len()]
        } else {
            large.resize(trimmed.len(), 0);
            &mut large
        };
        out.copy_from_slice(trimmed.as_bytes());
        let mut start = 0;
        for (i, sub) in trimmed.split(['-', '_']).enumerate() {
            if sub.is_empty() || sub.len() > 8 || !sub.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(err("subtags are 1 to 8 letters or digits"));
            }
            let is_alpha = sub.bytes().all(|b| b.is_ascii_alphabetic());
            let is_digit = sub.bytes().all(|b| b.is_ascii_digit());
            if i == 0 && (!(2..=8).contains(&sub.len()) || !is_alpha) {
                // `i-klingon`/`x-private` grandfathered forms are rare in TMX; refuse them
                // rather than guess.
                return Err(err("the primary language is 2 to 8 letters"));
            }
            if i > 0 {
                out[start - 1] = b'-';
            }
            let subtag = &mut out[start..start + sub.len()];
            subtag.make_ascii_lowercase();
            if i > 0 {
                if sub.len() == 4 && is_alpha {
                    subtag[0].make_ascii_uppercase();
                } else if (sub.len() == 2 && is_alpha) || (sub.len() == 3 && is_digit) {
                    subtag.make_ascii_uppercase();
                }
            }
            start += sub.len() + 1;
        }
        // Only ASCII letters, digits and `-` remain.
        let canonical = std::str::from_utf8(out).map_err(|_| err("subtags are 1 to 8 letters or digits"))?;
        Ok(Lang(canonical.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The primary language subtag: `en` for `en-GB`.
    pub fn primary(&self) -> &str {
        // A byte search: an import asks this several times per segment, and
        // `split`'s searcher cost more to set up than the search.
        let tag = self.0.as_str();
        tag.as_bytes().iter().position(|&b| b == b'-').map_or(tag, |end| &tag[..end])
    }

    /// True when `self`, used as a filter, selects `other`: equal, or a
    /// prefix of it at a subtag boundary (`en` selects `en-GB`).
    pub fn matches(&self, other: &Lang) -> bool {
        self.selects(&other.0)
    }

    /// [`Lang::matches`] for a tag already in canonical form, such as one
    /// the store wrote, without parsing it.
    pub fn selects(&self, canonical: &str) -> bool {
        canonical == &*self.0
            || (canonical.len() > self.0.len() && canonical.starts_with(&*self.0) && canonical.as_bytes()[self.0.len()] == b'-')
    }

    /// SQL `GLOB` pattern that selects the same tags as [`Lang::matches`],
    /// together with the exact tag (`lang = ?1 OR lang GLOB ?2`).
    pub fn sql_prefix_glob(&self) -> String {
        format!("{}-*", self.0)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for Lang {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Lang {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Lang::parse(&raw).map_err(serde::de::Error::custom)
    }
}

impl FromStr for Lang {
    type Err = LangError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lang::parse(s)
    }
}

/// The `srclang` of a TMX header or unit: one language, or `*all*` (any
/// variant may serve as the source).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SrcLang {
    All,
    One(Lang),
}

impl SrcLang {
    pub fn parse(raw: &str) -> Result<SrcLang, LangError> {
        if raw.trim().eq_ignore_ascii_case("*all*") {
            Ok(SrcLang::All)
        } else {
            Lang::parse(raw).map(SrcLang::One)
        }
    }
}

impl fmt::Display for SrcLang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SrcLang::All => f.write_str("*all*"),
            SrcLang::One(lang) => lang.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tag_cache_parses_as_lang_parse_does_beyond_what_it_remembers() {
        let mut cache = TagCache::default();
        let tags: Vec<String> = (0..40)
            .map(|i| format!("x-tag{i}"))
            .chain(["EN_us".into(), "ja".into(), "not a tag".into()])
            .collect();
        for _ in 0..2 {
            for tag in &tags {
                assert_eq!(cache.parse(tag), Lang::parse(tag), "{tag}");
            }
        }
        assert!(cache.seen.len() <= TagCache::REMEMBERED);
    }

    #[test]
    fn canonicalises_case_and_separators() {
        for (raw, want) in [
            ("EN-us", "en-US"),
            ("en_US", "en-US"),
            ("JA", "ja"),
            ("zh-hant-tw", "zh-Hant-TW"),
            ("es-419", "es-419"),
            (" de_de ", "de-DE"),
            ("sr-latn", "sr-Latn"),
        ] {
            assert_eq!(Lang::parse(raw).unwrap().as_str(), want, "{raw}");
        }
        // Longer than the stack buffer.
        let long = format!("EN{}", "_Private".repeat(10));
        assert_eq!(Lang::parse(&long).unwrap().as_str(), format!("en{}", "-private".repeat(10)));
    }

    #[test]
    fn refuses_non_tags() {
        for raw in ["", "e", "en--US", "en US", "日本語", "123", "en-toolongsubtag"] {
            assert!(Lang::parse(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn prefix_matching_respects_subtag_boundaries() {
        let en: Lang = "en".parse().unwrap();
        assert!(en.matches(&"en-GB".parse().unwrap()));
        assert!(en.matches(&"en".parse().unwrap()));
        assert!(!en.matches(&"eng".parse().unwrap()));
        let en_us: Lang = "en-US".parse().unwrap();
        assert!(!en_us.matches(&"en-GB".parse().unwrap()));
        assert!(!en_us.matches(&en));
    }

    #[test]
    fn srclang_all() {
        assert_eq!(SrcLang::parse("*ALL*").unwrap(), SrcLang::All);
        assert_eq!(SrcLang::parse("EN").unwrap().to_string(), "en");
    }
}
