//! Concordance: every segment, source or target side, that contains a
//! phrase, with the phrase in its context and the unit's translations.
//!
//! Matching is on the normalised text ([`normalize`]: width, case,
//! whitespace folded), so `ＡＳＥＡＮ` finds `ASEAN` and `iot` finds `IoT`,
//! and any length works, one kanji included. This version scans the store;
//! an FTS5 index is the next step for million-unit TMs.
//!
//! The context is cut from the original text when the phrase can be found
//! there ignoring case (offsets valid in the original); otherwise, when only
//! normalisation makes them match (width forms), from the normalised text.

use crate::lang::Lang;
use crate::store::{ExportFilter, Store, StoreError};
use crate::text::normalize::normalize;
use serde::Serialize;

/// Characters of context on each side of the phrase.
const CONTEXT: usize = 30;

#[derive(Clone, Debug, Serialize)]
pub struct Translation {
    pub lang: String,
    pub text: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Hit {
    /// Unit id in the store.
    pub id: i64,
    pub lang: String,
    pub left: String,
    pub matched: String,
    pub right: String,
    /// The unit's other variants.
    pub translations: Vec<Translation>,
}

/// Finds up to `limit` segments containing `phrase`, in store order, among
/// variants in `langs` (all languages when empty).
pub fn search(store: &Store, phrase: &str, langs: &[Lang], limit: usize) -> Result<Vec<Hit>, StoreError> {
    let needle = normalize(phrase);
    let mut hits = Vec::new();
    if needle.is_empty() || limit == 0 {
        return Ok(hits);
    }
    store.for_each_unit(&ExportFilter::default(), |stored| -> Result<(), StoreError> {
        if hits.len() >= limit {
            return Ok(());
        }
        let unit = &stored.unit;
        for (i, v) in unit.variants.iter().enumerate() {
            if !langs.is_empty() && !langs.iter().any(|l| l.matches(&v.lang)) {
                continue;
            }
            let Some((left, matched, right)) = kwic(&v.plain, phrase, &needle) else {
                continue;
            };
            let translations = unit
                .variants
                .iter()
                .enumerate()
                .filter(|(j, t)| *j != i && t.lang != v.lang)
                .map(|(_, t)| Translation {
                    lang: t.lang.to_string(),
                    text: t.plain.clone(),
                })
                .collect();
            hits.push(Hit {
                id: stored.id,
                lang: v.lang.to_string(),
                left,
                matched,
                right,
                translations,
            });
            if hits.len() >= limit {
                break;
            }
        }
        Ok(())
    })?;
    Ok(hits)
}

/// (left context, match, right context) when `text` contains the phrase.
fn kwic(text: &str, phrase: &str, needle: &str) -> Option<(String, String, String)> {
    let normalized = normalize(text);
    if !normalized.contains(needle) {
        return None;
    }
    let (haystack, start, len) = match find_ignoring_case(text, phrase) {
        Some(start) => (text, start, phrase.len()),
        None => (normalized.as_str(), normalized.find(needle)?, needle.len()),
    };
    let end = start + len;
    let left: String = haystack[..start]
        .chars()
        .rev()
        .take(CONTEXT)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let right: String = haystack[end..].chars().take(CONTEXT).collect();
    Some((left, haystack[start..end].to_string(), right))
}

/// Byte offset of `phrase` in `text`, ignoring ASCII case, at a character
/// boundary.
fn find_ignoring_case(text: &str, phrase: &str) -> Option<usize> {
    let (t, p) = (text.as_bytes(), phrase.as_bytes());
    if p.is_empty() || p.len() > t.len() {
        return None;
    }
    (0..=t.len() - p.len())
        .find(|&i| text.is_char_boundary(i) && text.is_char_boundary(i + p.len()) && t[i..i + p.len()].eq_ignore_ascii_case(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_comes_from_the_original_text() {
        let (l, m, r) = kwic("The Japan-ASEAN meeting was held.", "asean", "asean").unwrap();
        assert_eq!((l.as_str(), m.as_str(), r.as_str()), ("The Japan-", "ASEAN", " meeting was held."));
        let long = format!("{}ASEAN{}", "x".repeat(40), "y".repeat(40));
        let (l, _, r) = kwic(&long, "ASEAN", "asean").unwrap();
        assert_eq!((l.chars().count(), r.chars().count()), (CONTEXT, CONTEXT));
    }

    #[test]
    fn width_and_short_japanese_phrases() {
        let (_, m, _) = kwic("日・ＡＳＥＡＮ会議", "ASEAN", &normalize("ASEAN")).unwrap();
        assert_eq!(m, "asean");
        let (l, m, r) = kwic("総務省は会議を開催しました。", "会", "会").unwrap();
        assert_eq!((l.as_str(), m.as_str(), r.as_str()), ("総務省は", "会", "議を開催しました。"));
        assert!(kwic("総務省", "省庁", "省庁").is_none());
    }
}
