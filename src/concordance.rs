//! Concordance: every segment, source or target side, that contains a
//! phrase, with the phrase in its context and the unit's translations.
//!
//! Matching is on the normalised text ([`normalize`]: width, case,
//! whitespace folded), so `ＡＳＥＡＮ` finds `ASEAN` and `iot` finds `IoT`,
//! and any length works, one kanji included.
//!
//! **Candidates from the fuzzy index.** A segment containing the phrase
//! contains its tokens in a row, so it is indexed under every bigram of
//! whole tokens of the phrase ([`crate::text::grams`]): only the units in all
//! those bigrams' postings are read. A token is whole unless it is a word at
//! either end of the phrase (`curity pol` may sit inside `security policy`);
//! a CJK character is always whole. So `会議` and longer Japanese phrases,
//! and English phrases of four words or more, come from the index; a
//! phrase without such a bigram (one kanji, up to three words) is found by
//! scanning the store, as correct and slower. (A unit's second variant in
//! a language it already has is not indexed, so only the scan sees it.)
//!
//! The context is cut from the original text when the phrase can be found
//! there ignoring case (offsets valid in the original); otherwise, when only
//! normalisation makes them match (width forms), from the normalised text.

use crate::lang::Lang;
use crate::store::index::split;
use crate::store::{ExportFilter, Store, StoreError, StoredUnit};
use crate::text::grams::bigram_bucket;
use crate::text::normalize::{is_cjk, normalize};
use crate::text::tokens::tokens;
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
    let mut visit = |stored: StoredUnit| {
        if hits.len() < limit {
            collect_hits(&stored, phrase, &needle, langs, limit, &mut hits);
        }
    };
    store.reading(|| match candidates(store, &needle, langs)? {
        Some(ids) => {
            for id in ids {
                match store.unit(id) {
                    Ok(stored) => visit(stored),
                    Err(StoreError::Sql(rusqlite::Error::QueryReturnedNoRows)) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        }
        None => store.for_each_unit(&ExportFilter::default(), |stored| -> Result<(), StoreError> {
            visit(stored);
            Ok(())
        }),
    })?;
    Ok(hits)
}

/// The units that may contain `needle`, ascending, or `None` when the
/// phrase has no bigram of whole tokens to ask the index for.
fn candidates(store: &Store, needle: &str, langs: &[Lang]) -> Result<Option<Vec<i64>>, StoreError> {
    let tokens = tokens(needle);
    let whole = |t: &str| t.chars().next().is_some_and(is_cjk);
    let n = tokens.len();
    let pairs: Vec<(&str, &str)> = (0..n.saturating_sub(1))
        .filter(|&i| (i > 0 || whole(tokens[0])) && (i + 1 < n - 1 || whole(tokens[n - 1])))
        .map(|i| (tokens[i], tokens[i + 1]))
        .collect();
    if pairs.is_empty() {
        return Ok(None);
    }
    let langs = if langs.is_empty() {
        store.indexed_languages()?
    } else {
        langs.to_vec()
    };
    let mut all: Vec<i64> = Vec::new();
    for lang in &langs {
        let mut common: Option<Vec<i64>> = None;
        for (first, second) in &pairs {
            let (group, low) = split(bigram_bucket(lang, first, second));
            let mut ids = Vec::new();
            store.fuzzy_lists(&[(group, 1 << low)])?.for_each(|unit, _| ids.push(unit))?;
            ids.dedup();
            common = Some(match common {
                None => ids,
                Some(kept) => kept.into_iter().filter(|id| ids.binary_search(id).is_ok()).collect(),
            });
        }
        all.extend(common.unwrap_or_default());
    }
    all.sort_unstable();
    all.dedup();
    Ok(Some(all))
}

/// Adds the hits of one unit, up to `limit` in all.
fn collect_hits(stored: &StoredUnit, phrase: &str, needle: &str, langs: &[Lang], limit: usize, hits: &mut Vec<Hit>) {
    let unit = &stored.unit;
    for (i, v) in unit.variants.iter().enumerate() {
        if hits.len() >= limit {
            return;
        }
        if !langs.is_empty() && !langs.iter().any(|l| l.matches(&v.lang)) {
            continue;
        }
        let Some((left, matched, right)) = kwic(&v.plain, phrase, needle) else {
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
    }
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

    #[test]
    fn indexed_phrases_find_what_a_scan_finds() {
        let (_dir, store) = crate::store::testing::store_of(
            &[
                ("日・ＡＳＥＡＮ政策会議を開催", "The cybersecurity policy meeting was held."),
                ("会議", "Meeting"),
                ("総務省", "The security policy meeting of MIC"),
            ]
            .map(|(ja, en)| vec![("ja", ja), ("en", en)]),
        );
        let ids = |phrase: &str| search(&store, phrase, &[], 10).unwrap().iter().map(|h| h.id).collect::<Vec<_>>();
        assert!(candidates(&store, "会議", &[]).unwrap().is_some(), "two kanji use the index");
        assert_eq!(ids("会議"), vec![1, 2]);
        assert_eq!(ids("ASEAN政策"), vec![1], "width folded, Latin token at the start");
        assert!(
            candidates(&store, &normalize("curity policy meeting"), &[]).unwrap().is_none(),
            "no whole bigram"
        );
        assert_eq!(ids("curity policy meeting"), vec![1, 3], "a partial first word matches");
        assert!(candidates(&store, &normalize("curity policy meeting of"), &[]).unwrap().is_some());
        assert_eq!(ids("curity policy meeting of"), vec![3]);
        assert!(candidates(&store, "省", &[]).unwrap().is_none(), "one kanji is scanned");
        assert_eq!(ids("省"), vec![3]);
    }
}
