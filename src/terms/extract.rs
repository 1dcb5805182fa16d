//! Term extraction: candidate glossary entries from a translation memory.
//!
//! 1. **Source candidates.** Each source segment is cut into n-grams:
//!    - in Japanese, Chinese and Korean, *chunks* are runs of kanji,
//!      katakana and Latin letters; hiragana (particles, inflections),
//!      digits, punctuation and symbols (`・`, `、`) end them. A candidate is
//!      a piece of a chunk of 2 to 16 characters that starts and ends at a
//!      script change, or anywhere inside a kanji run (kanji compounds
//!      split anywhere: `政策会議` gives `政策`, `会議`); katakana and Latin
//!      runs are never cut (`セキュリティ` is one piece);
//!    - in other languages, word n-grams of 1 to 4 words, not crossing
//!      punctuation, neither starting nor ending with a stop word (`of`,
//!      `the`, …) nor a number; one-word candidates have 3 letters or more.
//! 2. **Frequency** is the number of units a candidate occurs in. Those
//!    under `min_freq` are dropped, and so is a candidate that only ever
//!    occurs inside one longer candidate (same frequency: `セキュリティ政`
//!    inside `セキュリティ政策`), which keeps whole terms, not fragments.
//! 3. **Rendering.** Target segments are cut the same way (by the target
//!    language's rules). For each source candidate, the target n-gram with
//!    the best Dice coefficient `2·both / (source + target)` over the units
//!    is its proposed rendering (on a tie, the one of most words); a part of
//!    it within 0.1 of its Dice, as often with the source and also
//!    elsewhere, wins (`explained` rather than `side explained`, which
//!    happens to follow it in the TM).
//! 4. Candidates the glossary already has (a term of the source language
//!    that covers the whole candidate) are skipped; the rest are ranked by
//!    frequency, then Dice, then length.
//!
//! Everything is counted per unit, in memory: fine for TMs of tens of
//! thousands of units.

use super::find::TermIndex;
use crate::lang::Lang;
use crate::text::normalize::{fold_width, is_cjk};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// What to extract.
#[derive(Clone, Debug)]
pub struct ExtractOptions {
    /// Fewest units a candidate must occur in.
    pub min_freq: usize,
    /// At most this many candidates (the best).
    pub top: usize,
}

/// A proposed glossary entry.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Candidate {
    pub source: String,
    /// The best-associated target n-gram; empty when none co-occurs.
    pub target: String,
    /// Units the source occurs in.
    pub frequency: usize,
    /// Units the source and the target occur in together.
    pub together: usize,
    /// Dice coefficient of source and target over the units, 0–1.
    pub dice: f64,
}

const STOP_WORDS: &[&str] = &[
    "a", "an", "the", "of", "and", "or", "to", "in", "on", "for", "with", "by", "at", "from", "as", "is", "are", "was", "were", "be",
    "been", "this", "that", "these", "those", "it", "its", "their", "they", "we", "which", "who", "will", "would", "can", "also", "such",
    "other", "not", "has", "have", "had", "between", "both", "each", "more", "most", "into", "than", "there", "about", "after", "before",
    "under", "over", "all", "any", "some", "our", "his", "her", "he", "she", "them", "so", "but", "if", "no",
];

/// Whether a language is written without spaces between words.
fn unspaced(lang: &Lang) -> bool {
    matches!(lang.primary(), "ja" | "zh" | "ko")
}

/// The distinct n-grams of a segment (see the module docs), width-folded.
pub fn ngrams(text: &str, lang: &Lang) -> HashSet<String> {
    let text = fold_width(text);
    if unspaced(lang) {
        cjk_ngrams(&text)
    } else {
        word_ngrams(&text)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Run {
    Kanji,
    Katakana,
    Latin,
}

fn run_of(c: char) -> Option<Run> {
    match c {
        'ァ'..='ヺ' | 'ー' => Some(Run::Katakana),
        '々' | '〆' => Some(Run::Kanji),
        _ if is_cjk(c) && c.is_alphabetic() && !('\u{3041}'..='\u{309F}').contains(&c) => Some(Run::Kanji),
        _ if c.is_alphabetic() && !is_cjk(c) => Some(Run::Latin),
        _ => None,
    }
}

fn cjk_ngrams(text: &str) -> HashSet<String> {
    const MIN: usize = 2;
    const MAX: usize = 16;
    let mut out = HashSet::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if run_of(chars[i]).is_none() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && run_of(chars[i]).is_some() {
            i += 1;
        }
        let chunk = &chars[start..i];
        let kinds: Vec<Run> = chunk.iter().filter_map(|&c| run_of(c)).collect();
        // Positions where a piece may start or end: script changes, the
        // chunk's ends, and every position inside a kanji run.
        let cut = |k: usize| k == 0 || k == chunk.len() || kinds[k - 1] != kinds[k] || kinds[k] == Run::Kanji;
        for a in (0..chunk.len()).filter(|&a| cut(a)) {
            for b in (a + MIN..=chunk.len().min(a + MAX)).filter(|&b| cut(b)) {
                out.insert(chunk[a..b].iter().collect());
            }
        }
    }
    out
}

fn word_ngrams(text: &str) -> HashSet<String> {
    const MAX: usize = 4;
    let mut out = HashSet::new();
    // Phrases: runs of words between punctuation.
    for phrase in text.split(|c: char| !(c.is_alphanumeric() || c == ' ' || c == '-' || c == '\'' || c == '\u{2019}')) {
        let words: Vec<&str> = phrase.split(' ').filter(|w| !w.is_empty()).collect();
        let edge_ok = |w: &str| {
            let lower = w.to_lowercase();
            !STOP_WORDS.contains(&lower.as_str()) && w.chars().any(char::is_alphabetic)
        };
        for a in 0..words.len() {
            if !edge_ok(words[a]) {
                continue;
            }
            for b in a + 1..=words.len().min(a + MAX) {
                if !edge_ok(words[b - 1]) || (b == a + 1 && words[a].chars().count() < 3) {
                    continue;
                }
                out.insert(words[a..b].join(" "));
            }
        }
    }
    out
}

/// How far under the best Dice a shorter rendering may be and still win.
const NEARLY: f64 = 0.1;

/// Words of an n-gram (characters for unspaced languages count as one word).
fn words(ngram: &str) -> usize {
    ngram.split(' ').count()
}

/// Whether `part`'s words occur in `whole`, in a row.
fn contains_words(whole: &str, part: &str) -> bool {
    format!(" {whole} ").contains(&format!(" {part} "))
}

/// Candidates from (source, target) plain-text pairs.
pub fn extract(pairs: &[(String, String)], src: &Lang, tgt: &Lang, glossary: &TermIndex, options: &ExtractOptions) -> Vec<Candidate> {
    let min_freq = options.min_freq.max(1);
    let units: Vec<(HashSet<String>, HashSet<String>)> = pairs.iter().map(|(s, t)| (ngrams(s, src), ngrams(t, tgt))).collect();
    let mut source_freq: HashMap<&str, usize> = HashMap::new();
    let mut target_freq: HashMap<&str, usize> = HashMap::new();
    for (s, t) in &units {
        for g in s {
            *source_freq.entry(g).or_default() += 1;
        }
        for g in t {
            *target_freq.entry(g).or_default() += 1;
        }
    }
    source_freq.retain(|_, n| *n >= min_freq);
    target_freq.retain(|_, n| *n >= min_freq);
    // Fragments: the n-grams of a candidate (cut by the same rules) that
    // are exactly as frequent as it.
    let mut fragments: HashSet<String> = HashSet::new();
    for (&g, &n) in &source_freq {
        for sub in ngrams(g, src) {
            if sub != g && source_freq.get(sub.as_str()) == Some(&n) {
                fragments.insert(sub);
            }
        }
    }
    let known = |g: &str| glossary.find(g, Some(src)).iter().any(|h| h.start == 0 && h.end == g.len());
    let kept: HashSet<&str> = source_freq
        .keys()
        .copied()
        .filter(|g| !fragments.contains(*g) && !known(g))
        .collect();
    let mut together: HashMap<&str, HashMap<&str, usize>> = HashMap::new();
    for (s, t) in &units {
        for g in s.iter().filter(|g| kept.contains(g.as_str())) {
            let row = together.entry(g).or_default();
            for h in t.iter().filter(|h| target_freq.contains_key(h.as_str())) {
                *row.entry(h).or_default() += 1;
            }
        }
    }
    let mut out: Vec<Candidate> = kept
        .iter()
        .map(|&g| {
            let frequency = source_freq[g];
            let best = together.get(g).and_then(|row| {
                let scored: Vec<(&str, usize, f64)> = row
                    .iter()
                    .map(|(&h, &both)| (h, both, 2.0 * both as f64 / (frequency + target_freq[h]) as f64))
                    .collect();
                // The best Dice; on a tie, the most words (the most specific).
                let best = scored.iter().copied().max_by(|a, b| {
                    a.2.total_cmp(&b.2)
                        .then(words(a.0).cmp(&words(b.0)))
                        .then(target_freq[a.0].cmp(&target_freq[b.0]))
                        .then(b.0.cmp(a.0))
                })?;
                // A part of it that is nearly as good, occurs with the source
                // as often and also elsewhere wins: `explained`, not `side
                // explained` that follows it in this TM. A part that never
                // occurs without the rest (`meeting` of `policy meeting`)
                // does not.
                let part = scored
                    .iter()
                    .copied()
                    .filter(|c| {
                        c.2 >= best.2 - NEARLY
                            && c.1 >= best.1
                            && target_freq[c.0] > target_freq[best.0]
                            && words(c.0) < words(best.0)
                            && contains_words(best.0, c.0)
                    })
                    .min_by(|a, b| words(a.0).cmp(&words(b.0)).then(b.2.total_cmp(&a.2)).then(a.0.cmp(b.0)));
                Some(part.unwrap_or(best))
            });
            let (target, together, dice) = best.map_or((String::new(), 0, 0.0), |(h, both, d)| (h.to_string(), both, d));
            Candidate {
                source: g.to_string(),
                target,
                frequency,
                together,
                dice: (dice * 1000.0).round() / 1000.0,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.frequency
            .cmp(&a.frequency)
            .then(b.dice.total_cmp(&a.dice))
            .then(b.source.chars().count().cmp(&a.source.chars().count()))
            .then(a.source.cmp(&b.source))
    });
    out.truncate(options.top);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terms::{Concept, Term, TermStatus};

    fn lang(s: &str) -> Lang {
        Lang::parse(s).unwrap()
    }

    fn sorted(set: HashSet<String>) -> Vec<String> {
        let mut v: Vec<String> = set.into_iter().collect();
        v.sort();
        v
    }

    #[test]
    fn japanese_pieces_stop_at_particles_and_keep_katakana_whole() {
        let g = sorted(ngrams("情報セキュリティ政策会議を開催", &lang("ja")));
        for want in [
            "情報セキュリティ政策会議",
            "情報セキュリティ",
            "政策会議",
            "会議",
            "政策",
            "セキュリティ政策",
            "開催",
        ] {
            assert!(g.contains(&want.to_string()), "{want} in {g:?}");
        }
        // Katakana is never cut; kanji is (fragments go at extraction).
        for not in ["会議を", "セキュ", "キュリティ", "催"] {
            assert!(!g.contains(&not.to_string()), "{not} in {g:?}");
        }
        // Digits and 、・ end chunks; full-width Latin is folded.
        let g = sorted(ngrams("第１１回日・ＡＳＥＡＮ会議", &lang("ja")));
        assert!(g.contains(&"ASEAN会議".to_string()), "{g:?}");
        assert!(!g.iter().any(|x| x.contains('・') || x.contains("11")), "{g:?}");
    }

    #[test]
    fn english_ngrams_have_no_stop_word_edges() {
        let g = sorted(ngrams("The meeting of the ASEAN countries, held in Tokyo.", &lang("en")));
        for want in ["meeting", "ASEAN countries", "meeting of the ASEAN", "held", "Tokyo", "countries"] {
            assert!(g.contains(&want.to_string()), "{want} in {g:?}");
        }
        for not in ["The meeting", "meeting of", "countries held", "of", "in Tokyo"] {
            assert!(!g.contains(&not.to_string()), "{not} in {g:?}");
        }
    }

    #[test]
    fn aligned_renderings_by_dice_and_known_terms_skipped() {
        let pairs: Vec<(String, String)> = [
            ("総務省は政策会議を開催した。", "MIC held the policy meeting."),
            ("政策会議の結果", "Results of the policy meeting"),
            ("次回の政策会議", "The next policy meeting"),
            ("総務省の発表", "Announcement by MIC"),
        ]
        .iter()
        .map(|(s, t)| (s.to_string(), t.to_string()))
        .collect();
        let glossary = TermIndex::new(&[Concept {
            terms: vec![
                Term::new(lang("ja"), "総務省", TermStatus::Preferred),
                Term::new(lang("en"), "MIC", TermStatus::Admitted),
            ],
            ..Concept::default()
        }]);
        let options = ExtractOptions { min_freq: 2, top: 10 };
        let found = extract(&pairs, &lang("ja"), &lang("en"), &glossary, &options);
        assert_eq!(found[0].source, "政策会議");
        assert_eq!(found[0].target, "policy meeting");
        assert_eq!((found[0].frequency, found[0].together, found[0].dice), (3, 3, 1.0));
        // Known to the glossary: not proposed. Fragments of 政策会議 neither.
        assert!(
            !found
                .iter()
                .any(|c| c.source == "総務省" || c.source == "政策" || c.source == "会議"),
            "{found:?}"
        );
    }
}
