//! Term recognition: which glossary terms occur in a text, where, and how
//! the glossary wants them rendered.
//!
//! # Design
//!
//! Every term and every text go through one normaliser, `Normalized`,
//! which turns a string into a *matching form* and, for each byte of that
//! form, the span of original bytes it came from. Terms become patterns of an
//! Aho-Corasick automaton (`MatchKind::LeftmostLongest`) that scans the
//! matching form of the text; a match's span is mapped back through the
//! offset map, so hits report byte offsets and slices of the *original* text.
//!
//! The normaliser works in one pass, character by character:
//!
//! 1. Default-ignorable characters (zero width space, soft hyphen, …) are
//!    dropped; every other character is NFKC-normalised on its own, and a
//!    combining mark that composes with the previous character is composed
//!    into it (half-width `ｶﾞ` → `ガ`), so width variants and full-width Latin
//!    (`ＡＳＥＡＮ` → `ASEAN`) fold. In the *folded* form (the default) the
//!    result is lower-cased; the *exact* form (for case-sensitive terms)
//!    keeps case.
//! 2. A **word** is a run of letters, digits and marks that are not CJK
//!    (apostrophes inside it included: `Japan's`). It is reduced by
//!    [`stem`] and written between two `U+0001` markers: `\u{1}meet\u{1}`.
//!    Since every word carries its own markers, a pattern built from a Latin
//!    term can only match whole words, and two adjacent hits never share a
//!    marker.
//! 3. **CJK** characters (and all others: punctuation, symbols) are written
//!    as they are, without markers: Japanese terms match anywhere.
//! 4. **Whitespace**: a run becomes one space; it is dropped next to a CJK
//!    character (Japanese does not separate words with spaces, so
//!    `ASEAN 諸国` = `ASEAN諸国`). A **hyphen** directly between two word
//!    characters also becomes a space (`cyber-attack` = `cyber attack`).
//! 5. **Katakana long vowel**: a `ー` (or several) that ends a run of
//!    katakana is dropped, its bytes attributed to the preceding katakana;
//!    `サーバー` and `サーバ` have the same form. A `ー` inside a run is kept.
//!
//! Terms are normalised the same way (spaces at the ends trimmed). A term of
//! two or three words, or any hyphenated term, also gets its *joined*
//! spelling as a pattern (`cyber attack` → `cyberattack`), and a one-word
//! term that is the joined spelling of some multi-part term of the same
//! language (a *known joined form*) gets that term's spaced spelling. So
//! `cyber attack`, `cyber-attack` and `cyberattack` in a text all match any
//! of the three spellings of a glossary that has at least one multi-part
//! spelling. A one-word term nobody splits is never split.
//!
//! Case: terms that are case-sensitive — flagged so, of type `acronym`, or
//! written in capitals and digits only, at most 5 characters (`IT`, `MIC`,
//! `5G`) — go to a second automaton scanned over the exact form of the text.
//! Matches of both automata (and, without a language, of every language's
//! automata) are merged leftmost-longest: among overlapping matches the
//! leftmost wins, then the longest. So `Ministry of Internal Affairs` (a
//! deprecated term) is never reported inside `Ministry of Internal Affairs
//! and Communications`.
//!
//! When several terms of one concept and language share a span (they
//! normalise alike: `サーバ`/`サーバー`, `cyber attack`/`cyber-attack`), one
//! hit is reported, for the term spelled most like the text (same
//! normalised spelling first, then the term's own pattern before a joined
//! variant, then by status). Forbidden terms are reported with their status.
//!
//! # Invariants
//!
//! - `map.len() == text.len()` in a `Normalized`; `map[i]` is the
//!   original span of the character that produced byte `i`, with
//!   `start < end`, both on char boundaries of the original, non-decreasing.
//! - Every pattern is non-empty and starts and ends at a character of the
//!   matching form, so a match maps to `map[start].0 .. map[end - 1].1`.
//! - Hits are sorted by start and never overlap unless they share their
//!   whole span (several concepts, or languages, with the same term).
//!
//! # The stemmer
//!
//! [`stem`] handles English inflection only, conservatively: possessive
//! `'s`, plural and third person `-s`/`-es`/`-ies`, `-ed`/`-ied`/`-eed` and
//! `-ing` (with undoubling, `planned` → `plan`), then a final `-e` so that
//! `make`/`making` agree. It leaves alone words of three letters or fewer,
//! words with digits or non-ASCII letters, words in capitals (acronyms;
//! `ISPs` → `ISP`), words ending in `-ss`, `-us`, `-is`, and a short list of
//! exceptions (`news`, `series`, `this`, …). It does not touch derivation
//! (`-er`, `-ly`, `-tion`) nor irregular forms (`held`, `made`).

use crate::lang::Lang;
use crate::terms::{Concept, Term, TermStatus};
use crate::text::normalize::{fold_width, is_cjk, is_ignorable, is_mark, is_plain_cjk, normalize};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::Serialize;
use std::borrow::Borrow;
use std::cell::OnceCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use unicode_normalization::UnicodeNormalization;

/// Marks both ends of a word in the matching form.
const MARK: char = '\u{1}';

/// One glossary term found in a text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TermHit {
    /// Byte offsets in the original text.
    pub start: usize,
    pub end: usize,
    /// `text[start..end]`.
    pub matched: String,
    /// The concept's position in the glossary the index was built from.
    pub concept: usize,
    /// The concept's id in its source file, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concept_id: Option<String>,
    /// The glossary term that matched, as the glossary spells it.
    pub term: String,
    pub lang: Lang,
    pub status: TermStatus,
    /// Deprecated or superseded: must not be used.
    pub forbidden: bool,
    /// The concept's preferred and admitted terms in the other languages,
    /// preferred first.
    pub approved: Arc<[String]>,
}

/// A hit of [`TermIndex::find_concepts`]: where, which concept, and the
/// status of the term that matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConceptHit {
    pub start: usize,
    pub end: usize,
    pub concept: usize,
    pub status: TermStatus,
}

impl ConceptHit {
    pub fn forbidden(&self) -> bool {
        self.status.is_forbidden()
    }
}

/// The allowed terms of one language, every spelling [`TermIndex::find`]
/// would match, in an automaton that reports overlapping matches: which
/// concepts does a text render, also where a longer term overlaps the
/// rendering (`policy` inside `Information Security Policy Meeting`),
/// which `find` (one term per span) does not report.
pub struct Renderings {
    /// Patterns of the folded and the exact (case-sensitive) form, with
    /// their concepts.
    folded: Option<(AhoCorasick, Vec<Vec<u32>>)>,
    exact: Option<(AhoCorasick, Vec<Vec<u32>>)>,
}

impl Renderings {
    /// The concepts an allowed term of which occurs in the text, sorted.
    pub fn concepts(&self, prepared: &PreparedText) -> Vec<usize> {
        let mut out = Vec::new();
        for (matcher, fold) in [(&self.folded, true), (&self.exact, false)] {
            let Some((ac, concepts)) = matcher else { continue };
            let form = prepared.form(fold);
            for m in ac.find_overlapping_iter(&form.text) {
                out.extend(concepts[m.pattern().as_usize()].iter().map(|&c| c as usize));
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// How a text renders a concept (see [`Rendering::of`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rendering {
    /// A preferred or admitted term of the concept occurs.
    Approved,
    /// Only a deprecated or superseded term of the concept occurs.
    Forbidden,
    /// No term of the concept occurs.
    Missing,
}

impl Rendering {
    /// How a text renders `concept`, from the concepts it renders
    /// ([`Renderings::concepts`], sorted) and its hits ([`TermIndex::find`]):
    /// an allowed term anywhere wins over a forbidden one.
    pub fn of(rendered: &[usize], hits: &[TermHit], concept: usize) -> Rendering {
        if rendered.binary_search(&concept).is_ok() {
            Rendering::Approved
        } else if hits.iter().any(|h| h.concept == concept && h.forbidden) {
            Rendering::Forbidden
        } else {
            Rendering::Missing
        }
    }
}

/// A glossary compiled for [`TermIndex::find`].
pub struct TermIndex {
    concepts: Vec<IndexedConcept>,
    /// Per primary language subtag, sorted.
    langs: Vec<(String, LangMatchers)>,
    /// The primary language subtags of the terms, in order of appearance.
    primaries: Vec<String>,
    any_forbidden: bool,
}

struct IndexedConcept {
    id: Option<String>,
    terms: Vec<IndexedTerm>,
    /// Per primary language of its terms: the approved renderings in the
    /// other languages, preferred first. Computed once here because a
    /// large glossary (JMdict) yields dozens of hits per sentence, and
    /// building these lists per hit dominated the scan.
    renderings: Vec<(String, Arc<[String]>)>,
}

impl IndexedConcept {
    fn new(id: Option<String>, terms: Vec<IndexedTerm>) -> IndexedConcept {
        let mut renderings = Vec::new();
        for t in &terms {
            let primary = t.lang.primary();
            if renderings.iter().any(|(p, _): &(String, Arc<[String]>)| p == primary) {
                continue;
            }
            let mut approved: Vec<&IndexedTerm> = terms
                .iter()
                .filter(|o| o.lang.primary() != primary && !o.status.is_forbidden())
                .collect();
            approved.sort_by_key(|o| status_rank(o.status));
            let mut texts: Vec<String> = Vec::new();
            for o in approved {
                if !texts.contains(&o.text) {
                    texts.push(o.text.clone());
                }
            }
            renderings.push((primary.to_string(), Arc::from(texts)));
        }
        IndexedConcept { id, terms, renderings }
    }
}

struct IndexedTerm {
    lang: Lang,
    /// Position of `lang.primary()` in [`TermIndex::primaries`]: the
    /// checker compares languages millions of times.
    lang_id: u16,
    text: String,
    status: TermStatus,
    exact: bool,
    /// The patterns that stand for this term (its own spelling, joined and
    /// split variants), in the matching form of `exact`.
    keys: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    concept: u32,
    term: u32,
    /// The pattern is a generated spelling (joined or split), not the term's own.
    variant: bool,
}

struct Matcher {
    ac: AhoCorasick,
    /// Per pattern id, the terms it stands for.
    entries: Vec<Vec<Entry>>,
}

#[derive(Default)]
struct LangMatchers {
    folded: Option<Matcher>,
    exact: Option<Matcher>,
}

/// Patterns of one language and case mode while the index is built.
#[derive(Default)]
struct PatternSet {
    keys: HashMap<String, Vec<Entry>>,
    /// Joined spelling → spaced spellings of the multi-part terms.
    joined: HashMap<String, Vec<String>>,
}

impl PatternSet {
    fn add(&mut self, key: String, entry: Entry) {
        let list = self.keys.entry(key).or_default();
        if !list.iter().any(|e| e.concept == entry.concept && e.term == entry.term) {
            list.push(entry);
        }
    }

    /// Every pattern with the terms it stands for, sorted (for a
    /// deterministic automaton).
    fn finish(mut self) -> BTreeMap<String, Vec<Entry>> {
        // Known joined forms: a one-word term equal to the joined spelling of
        // a multi-part term also matches the spaced spelling.
        let joined = std::mem::take(&mut self.joined);
        for (joined_key, spaced_keys) in joined {
            let Some(singles) = self.keys.get(&joined_key).cloned() else {
                continue;
            };
            for spaced in spaced_keys {
                for e in &singles {
                    self.add(spaced.clone(), Entry { variant: true, ..*e });
                }
            }
        }
        let mut sorted: BTreeMap<String, Vec<Entry>> = self.keys.into_iter().collect();
        for list in sorted.values_mut() {
            list.sort();
        }
        sorted
    }
}

impl Matcher {
    fn new(patterns: BTreeMap<String, Vec<Entry>>) -> Option<Matcher> {
        if patterns.is_empty() {
            return None;
        }
        let (patterns, entries): (Vec<String>, Vec<Vec<Entry>>) = patterns.into_iter().unzip();
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .expect("an automaton of this size builds");
        Some(Matcher { ac, entries })
    }
}

/// Whether a term must match with its exact case: flagged case-sensitive,
/// typed `acronym`, or 2–5 capitals and digits, at least one a capital.
pub fn is_case_sensitive(term: &Term) -> bool {
    if term.case_sensitive || term.term_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("acronym")) {
        return true;
    }
    let folded = fold_width(term.text.trim());
    let n = folded.chars().count();
    (2..=5).contains(&n)
        && folded.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && folded.chars().any(|c| c.is_ascii_uppercase())
}

impl TermIndex {
    /// Compiles a glossary.
    pub fn new(concepts: &[Concept]) -> TermIndex {
        TermIndex::build(concepts)
    }

    /// Compiles a glossary from concepts in any form (owned or borrowed).
    pub fn build<C: Borrow<Concept>>(concepts: impl IntoIterator<Item = C>) -> TermIndex {
        let mut stored = Vec::new();
        let mut primaries: Vec<String> = Vec::new();
        let mut sets: BTreeMap<String, (PatternSet, PatternSet)> = BTreeMap::new();
        for (ci, concept) in concepts.into_iter().enumerate() {
            let concept = concept.borrow();
            let mut terms = Vec::with_capacity(concept.terms.len());
            for (ti, term) in concept.terms.iter().enumerate() {
                let exact = is_case_sensitive(term);
                let primary = term.lang.primary();
                let lang_id = match primaries.iter().position(|p| p == primary) {
                    Some(i) => i,
                    None => {
                        primaries.push(primary.to_string());
                        primaries.len() - 1
                    }
                };
                terms.push(IndexedTerm {
                    lang_id: u16::try_from(lang_id).unwrap_or(u16::MAX),
                    lang: term.lang.clone(),
                    text: term.text.clone(),
                    status: term.status,
                    exact,
                    keys: Vec::new(),
                });
                let norm = Normalized::of(&term.text, !exact, true);
                let key = norm.text.trim_matches(' ');
                if key.is_empty() {
                    continue;
                }
                let (folded, exact_set) = sets.entry(term.lang.primary().to_string()).or_default();
                let set = if exact { exact_set } else { folded };
                let entry = Entry {
                    concept: ci as u32,
                    term: ti as u32,
                    variant: false,
                };
                set.add(key.to_string(), entry);
                // Joined spelling of a multi-part term.
                let parts = norm.words.len();
                if norm.only_words && ((2..=3).contains(&parts) || (norm.hyphenated && parts >= 2)) {
                    let joined = format!("{MARK}{}{MARK}", stem(&norm.words.concat()));
                    set.add(joined.clone(), Entry { variant: true, ..entry });
                    set.joined.entry(joined).or_default().push(key.to_string());
                }
            }
            stored.push(IndexedConcept::new(concept.id.clone(), terms));
        }
        let mut langs = Vec::with_capacity(sets.len());
        for (lang, (folded, exact)) in sets {
            let (folded, exact) = (folded.finish(), exact.finish());
            for (key, entries) in folded.iter().chain(&exact) {
                for e in entries {
                    stored[e.concept as usize].terms[e.term as usize].keys.push(key.clone());
                }
            }
            langs.push((
                lang,
                LangMatchers {
                    folded: Matcher::new(folded),
                    exact: Matcher::new(exact),
                },
            ));
        }
        let any_forbidden = stored.iter().any(|c| c.terms.iter().any(|t| t.status.is_forbidden()));
        TermIndex {
            concepts: stored,
            langs,
            primaries,
            any_forbidden,
        }
    }

    /// Number of concepts indexed.
    pub fn len(&self) -> usize {
        self.concepts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.concepts.is_empty()
    }

    /// The id of a language's primary subtag among the terms'.
    fn lang_id(&self, lang: &Lang) -> Option<u16> {
        let primary = lang.primary();
        self.primaries.iter().position(|p| p == primary).and_then(|i| u16::try_from(i).ok())
    }

    /// Whether any term is deprecated or superseded.
    pub fn has_forbidden_terms(&self) -> bool {
        self.any_forbidden
    }

    /// The terms occurring in `text`, in order. With `lang`, only terms of
    /// that language (by primary subtag: `en` and `en-GB` are one) are
    /// looked for.
    pub fn find(&self, text: &str, lang: Option<&Lang>) -> Vec<TermHit> {
        self.find_prepared(&PreparedText::new(text), lang)
    }

    /// [`TermIndex::find`] on a text already prepared (normalised once for
    /// several questions).
    pub fn find_prepared(&self, prepared: &PreparedText, lang: Option<&Lang>) -> Vec<TermHit> {
        let text = prepared.text;
        self.matches(prepared, lang)
            .into_iter()
            .map(|(start, end, entry)| self.hit(text, start, end, entry))
            .collect()
    }

    /// [`TermIndex::find_prepared`] without the texts: the same hits, as
    /// spans, concepts and statuses (for callers that look at many hits
    /// and show few, such as the checker).
    pub fn find_concepts(&self, prepared: &PreparedText, lang: Option<&Lang>) -> Vec<ConceptHit> {
        self.matches(prepared, lang)
            .into_iter()
            .map(|(start, end, entry)| ConceptHit {
                start,
                end,
                concept: entry.concept as usize,
                status: self.term(entry).status,
            })
            .collect()
    }

    /// The hits as (start, end, entry), in order (see the module docs).
    fn matches(&self, prepared: &PreparedText, lang: Option<&Lang>) -> Vec<(usize, usize, Entry)> {
        let text = prepared.text;
        // (start, end, entry) in original offsets.
        let mut candidates: Vec<(usize, usize, Entry)> = Vec::new();
        for (primary, matchers) in &self.langs {
            if lang.is_some_and(|l| l.primary() != primary) {
                continue;
            }
            for (matcher, fold) in [(&matchers.folded, true), (&matchers.exact, false)] {
                let Some(matcher) = matcher else { continue };
                let norm = prepared.form(fold);
                for m in matcher.ac.find_iter(&norm.text) {
                    let (start, end) = norm.original_span(m.start(), m.end());
                    for &e in &matcher.entries[m.pattern().as_usize()] {
                        candidates.push((start, end, e));
                    }
                }
            }
        }
        // Leftmost, then longest; drop what overlaps a kept span.
        // Equal candidates are alike, so an unstable sort (no scratch buffer) will do.
        candidates.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        let mut kept: Vec<(usize, usize, Entry)> = Vec::new();
        let mut last: Option<(usize, usize)> = None;
        for c in candidates {
            match last {
                Some((s, e)) if (c.0, c.1) == (s, e) => kept.push(c),
                Some((_, e)) if c.0 < e => {}
                _ => {
                    last = Some((c.0, c.1));
                    kept.push(c);
                }
            }
        }
        // One hit per span, concept and language: the best-fitting term.
        // `kept` is sorted by span, then concept, so each concept's matches
        // on a span are adjacent; most runs are one match and need no ranking.
        let mut hits = Vec::with_capacity(kept.len());
        let mut i = 0;
        while i < kept.len() {
            let (s, e, first) = kept[i];
            let mut j = i + 1;
            while j < kept.len() && (kept[j].0, kept[j].1, kept[j].2.concept) == (s, e, first.concept) {
                j += 1;
            }
            if j == i + 1 {
                hits.push((s, e, first));
            } else {
                let mut best: Vec<(&str, (bool, bool, u8), Entry)> = Vec::new();
                for &(_, _, entry) in &kept[i..j] {
                    let term = self.term(entry);
                    let rank = (!self.spelled_alike(&text[s..e], term), entry.variant, status_rank(term.status));
                    let lang = term.lang.primary();
                    match best.iter_mut().find(|b| b.0 == lang) {
                        Some(b) if rank < b.1 => *b = (lang, rank, entry),
                        Some(_) => {}
                        None => best.push((lang, rank, entry)),
                    }
                }
                hits.extend(best.into_iter().map(|(_, _, entry)| (s, e, entry)));
            }
            i = j;
        }
        hits
    }

    /// The allowed terms of `lang` compiled for [`Renderings::concepts`].
    pub fn renderings(&self, lang: &Lang) -> Renderings {
        let id = self.lang_id(lang);
        let mut sets: [BTreeMap<&str, Vec<u32>>; 2] = [BTreeMap::new(), BTreeMap::new()];
        for (ci, c) in self.concepts.iter().enumerate() {
            for t in c.terms.iter().filter(|t| !t.status.is_forbidden() && Some(t.lang_id) == id) {
                let set = &mut sets[usize::from(t.exact)];
                for k in &t.keys {
                    let list = set.entry(k.as_str()).or_default();
                    if list.last() != Some(&(ci as u32)) {
                        list.push(ci as u32);
                    }
                }
            }
        }
        let [folded, exact] = sets.map(|set| {
            if set.is_empty() {
                return None;
            }
            let (patterns, concepts): (Vec<&str>, Vec<Vec<u32>>) = set.into_iter().unzip();
            let ac = AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .build(&patterns)
                .expect("an automaton of this size builds");
            Some((ac, concepts))
        });
        Renderings { folded, exact }
    }

    /// Whether concept `concept` has a term in `lang` that may be used.
    pub fn has_allowed_term(&self, concept: usize, lang: &Lang) -> bool {
        let id = self.lang_id(lang);
        self.concepts
            .get(concept)
            .is_some_and(|c| c.terms.iter().any(|t| !t.status.is_forbidden() && Some(t.lang_id) == id))
    }

    /// The terms of concept `concept` in `lang` that may be used, preferred
    /// first, without repeats.
    pub fn allowed_terms(&self, concept: usize, lang: &Lang) -> Vec<&str> {
        let (Some(c), Some(id)) = (self.concepts.get(concept), self.lang_id(lang)) else {
            return Vec::new();
        };
        let mut texts: Vec<&str> = Vec::new();
        // Preferred first: one pass per allowed status.
        for status in [TermStatus::Preferred, TermStatus::Admitted] {
            for t in c.terms.iter().filter(|t| t.status == status && t.lang_id == id) {
                if !texts.contains(&t.text.as_str()) {
                    texts.push(&t.text);
                }
            }
        }
        texts
    }

    /// The sets of concepts (sorted, two or more) that share a pattern of
    /// `lang`: homographs, which one hit of that spelling stands for.
    pub fn homographs(&self, lang: &Lang) -> Vec<Vec<usize>> {
        let mut out = Vec::new();
        for (_, matchers) in self.langs.iter().filter(|(primary, _)| primary == lang.primary()) {
            for matcher in [&matchers.folded, &matchers.exact].into_iter().flatten() {
                for entries in &matcher.entries {
                    // Entries are sorted by concept.
                    let mut concepts: Vec<usize> = entries.iter().map(|e| e.concept as usize).collect();
                    concepts.dedup();
                    if concepts.len() > 1 {
                        out.push(concepts);
                    }
                }
            }
        }
        out
    }

    /// Whether concept `concept` has any term in `lang`.
    pub fn has_terms_in(&self, concept: usize, lang: &Lang) -> bool {
        let id = self.lang_id(lang);
        self.concepts
            .get(concept)
            .is_some_and(|c| c.terms.iter().any(|t| Some(t.lang_id) == id))
    }

    fn term(&self, entry: Entry) -> &IndexedTerm {
        &self.concepts[entry.concept as usize].terms[entry.term as usize]
    }

    /// Whether the matched text is the term's own spelling (same
    /// normalised form), not a variant of it.
    fn spelled_alike(&self, matched: &str, term: &IndexedTerm) -> bool {
        if term.exact {
            collapse(&fold_width(matched)) == collapse(&fold_width(&term.text))
        } else {
            normalize(matched) == normalize(&term.text)
        }
    }

    fn hit(&self, text: &str, start: usize, end: usize, entry: Entry) -> TermHit {
        let concept = &self.concepts[entry.concept as usize];
        let term = &concept.terms[entry.term as usize];
        let approved = concept
            .renderings
            .iter()
            .find(|(p, _)| p == term.lang.primary())
            .map_or_else(|| Arc::from(Vec::new()), |(_, r)| Arc::clone(r));
        TermHit {
            start,
            end,
            matched: text[start..end].to_string(),
            concept: entry.concept as usize,
            concept_id: concept.id.clone(),
            term: term.text.clone(),
            lang: term.lang.clone(),
            status: term.status,
            forbidden: term.status.is_forbidden(),
            approved,
        }
    }
}

fn status_rank(s: TermStatus) -> u8 {
    match s {
        TermStatus::Preferred => 0,
        TermStatus::Admitted => 1,
        TermStatus::Deprecated => 2,
        TermStatus::Superseded => 3,
    }
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A text normalised (lazily, in each case mode once) for several
/// questions: [`TermIndex::find_prepared`], [`TermIndex::find_concepts`],
/// [`Renderings::concepts`].
pub struct PreparedText<'t> {
    text: &'t str,
    folded: OnceCell<Normalized>,
    exact: OnceCell<Normalized>,
}

impl<'t> PreparedText<'t> {
    pub fn new(text: &'t str) -> PreparedText<'t> {
        PreparedText {
            text,
            folded: OnceCell::new(),
            exact: OnceCell::new(),
        }
    }

    pub fn text(&self) -> &'t str {
        self.text
    }

    fn form(&self, fold: bool) -> &Normalized {
        let cell = if fold { &self.folded } else { &self.exact };
        cell.get_or_init(|| Normalized::of(self.text, fold, false))
    }
}

/// A character after step 1 (NFKC, case), with its original span.
#[derive(Clone, Copy)]
struct Unit {
    c: char,
    start: u32,
    end: u32,
}

/// A text in matching form with its offset map (see the module docs).
struct Normalized {
    text: String,
    /// Per byte of `text`: the original span it came from.
    map: Vec<(u32, u32)>,
    /// The words before stemming (collected for terms only).
    words: Vec<String>,
    /// Nothing but words, single spaces and joining hyphens.
    only_words: bool,
    hyphenated: bool,
}

fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        // The cheap range test first: most non-ASCII text is Japanese.
        !is_cjk(c) && c.is_alphanumeric()
    }
}

fn is_katakana(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FA}' | '\u{30FC}' | '\u{31F0}'..='\u{31FF}')
}

fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}')
}

impl Normalized {
    fn of(text: &str, fold_case: bool, collect_words: bool) -> Normalized {
        let units = Self::units(text, fold_case);
        let mut n = Normalized {
            text: String::with_capacity(text.len() + 16),
            map: Vec::with_capacity(text.len() + 16),
            words: Vec::new(),
            only_words: true,
            hyphenated: false,
        };
        let mut word = String::new();
        let mut i = 0;
        while i < units.len() {
            let u = units[i];
            if is_word_char(u.c) {
                word.clear();
                let mut j = i;
                while j < units.len() {
                    let c = units[j].c;
                    let inside_apostrophe =
                        is_apostrophe(c) && j + 1 < units.len() && units[j + 1].c.is_alphabetic() && !is_cjk(units[j + 1].c);
                    if is_word_char(c) || (is_mark(c) && !is_cjk(c)) || inside_apostrophe {
                        word.push(if c == '\u{2019}' { '\'' } else { c });
                        j += 1;
                    } else {
                        break;
                    }
                }
                let span = (u.start, units[j - 1].end);
                if collect_words {
                    n.words.push(word.clone());
                }
                let (kept, tail) = stem_parts(&word);
                n.push(MARK, span);
                n.push_str(kept, span);
                n.push_str(tail, span);
                n.push(MARK, span);
                i = j;
                continue;
            }
            if u.c.is_whitespace() {
                let mut j = i;
                while j < units.len() && units[j].c.is_whitespace() {
                    j += 1;
                }
                let prev_cjk = n.text.chars().next_back().is_some_and(is_cjk);
                let next_cjk = units.get(j).is_some_and(|u| is_cjk(u.c));
                if !n.text.is_empty() && j < units.len() && !prev_cjk && !next_cjk {
                    n.push(' ', (u.start, units[j - 1].end));
                }
                i = j;
                continue;
            }
            if is_hyphen(u.c) && n.text.ends_with(MARK) && units.get(i + 1).is_some_and(|u| is_word_char(u.c)) {
                n.hyphenated = true;
                n.push(' ', (u.start, u.end));
                i += 1;
                continue;
            }
            if u.c == 'ー' && i > 0 && is_katakana(units[i - 1].c) {
                let mut j = i;
                while j < units.len() && units[j].c == 'ー' {
                    j += 1;
                }
                if !units.get(j).is_some_and(|u| is_katakana(u.c)) {
                    // A trailing long vowel: optional, folded into the previous kana.
                    n.extend_last(units[j - 1].end);
                    i = j;
                    continue;
                }
            }
            n.only_words = false;
            n.push(u.c, (u.start, u.end));
            i += 1;
        }
        n
    }

    /// Step 1: ignorables dropped, NFKC per character with marks composed,
    /// case folded when asked.
    fn units(text: &str, fold_case: bool) -> Vec<Unit> {
        let mut out: Vec<Unit> = Vec::with_capacity(text.len());
        let push = |out: &mut Vec<Unit>, c: char, start: usize, end: usize| {
            let (start, end) = (start as u32, end as u32);
            if fold_case && !c.is_lowercase() && c.is_alphabetic() {
                for l in c.to_lowercase() {
                    out.push(Unit { c: l, start, end });
                }
            } else {
                out.push(Unit { c, start, end });
            }
        };
        for (i, c) in text.char_indices() {
            let end = i + c.len_utf8();
            // Most characters: ASCII (one case test) or plain kana and kanji
            // (no case at all), stable under NFKC.
            if c.is_ascii() || is_plain_cjk(c) {
                let c = if fold_case { c.to_ascii_lowercase() } else { c };
                out.push(Unit {
                    c,
                    start: i as u32,
                    end: end as u32,
                });
                continue;
            }
            if is_ignorable(c) {
                continue;
            }
            for d in std::iter::once(c).nfkc() {
                if is_mark(d) {
                    if let Some(last) = out.last_mut() {
                        if let Some(composed) = unicode_normalization::char::compose(last.c, d) {
                            last.c = composed;
                            last.end = end as u32;
                            continue;
                        }
                    }
                }
                push(&mut out, d, i, end);
            }
        }
        out
    }

    fn push(&mut self, c: char, span: (u32, u32)) {
        self.text.push(c);
        for _ in 0..c.len_utf8() {
            self.map.push(span);
        }
    }

    fn push_str(&mut self, s: &str, span: (u32, u32)) {
        self.text.push_str(s);
        self.map.extend(std::iter::repeat_n(span, s.len()));
    }

    /// Attributes original bytes up to `end` to the last character written.
    fn extend_last(&mut self, end: u32) {
        let Some(c) = self.text.chars().next_back() else { return };
        let from = self.map.len() - c.len_utf8();
        for span in &mut self.map[from..] {
            span.1 = end;
        }
    }

    /// The original span of the matching-form bytes `start..end` (non-empty).
    fn original_span(&self, start: usize, end: usize) -> (usize, usize) {
        (self.map[start].0 as usize, self.map[end - 1].1 as usize)
    }
}

/// Words the stemmer leaves alone although they look inflected.
const NOT_INFLECTED: &[&str] = &[
    "news",
    "series",
    "species",
    "means",
    "this",
    "thus",
    "does",
    "goes",
    "always",
    "perhaps",
    "whereas",
    "across",
    "towards",
    "besides",
    "sometimes",
    "various",
    "previous",
    "lens",
    "gas",
    "bias",
    "alias",
    "canvas",
    "atlas",
    "chaos",
    "ethos",
    "during",
    "nothing",
    "something",
    "anything",
    "everything",
    "morning",
    "evening",
];

/// The light English stemmer of the module docs. Case is kept (the result
/// of a lower-case word is lower case).
pub fn stem(word: &str) -> String {
    let (kept, tail) = stem_parts(word);
    let mut out = String::with_capacity(kept.len() + tail.len());
    out.push_str(kept);
    out.push_str(tail);
    out
}

/// [`stem`] as a prefix of the word and a tail to append (`policies` →
/// `polic` + `y`): the text normaliser stems every word of every text, and
/// this allocates nothing.
fn stem_parts(word: &str) -> (&str, &'static str) {
    let w = word
        .strip_suffix("'s")
        .or_else(|| word.strip_suffix("'S"))
        .or_else(|| word.strip_suffix("\u{2019}s"))
        .unwrap_or(word);
    if w.is_empty() || !w.bytes().all(|b| b.is_ascii_alphabetic()) {
        return (w, "");
    }
    let n = w.len();
    let caps = |s: &str| s.bytes().all(|b| b.is_ascii_uppercase());
    if caps(w) {
        return (w, "");
    }
    if n >= 3 && w.ends_with('s') && caps(&w[..n - 1]) {
        return (&w[..n - 1], "");
    }
    if n <= 3 || NOT_INFLECTED.iter().any(|x| x.eq_ignore_ascii_case(w)) {
        return (w, "");
    }
    // The rules are on the lower-case word: byte `i` of it, and whether
    // its first `end` bytes end with a (lower-case) suffix.
    let bytes = w.as_bytes();
    let lower = |i: usize| bytes[i].to_ascii_lowercase();
    let ends_at = |end: usize, suffix: &str| end >= suffix.len() && bytes[end - suffix.len()..end].eq_ignore_ascii_case(suffix.as_bytes());
    let has_vowel = |end: usize| (0..end).any(|i| b"aeiouy".contains(&lower(i)));
    let ends = |suffix: &str| ends_at(n, suffix);
    // Plural and third person.
    let (mut keep, mut tail) = (n, "");
    if ends("ies") && n > 4 {
        (keep, tail) = (n - 3, "y");
    } else if ends("sses") || ends("xes") || ends("zes") || ends("ches") || ends("shes") {
        keep = n - 2;
    } else if ends("s") && !(ends("ss") || ends("us") || ends("is")) {
        keep = n - 1;
    }
    // Past and progressive, on what is left.
    let mut undouble = false;
    if tail.is_empty() {
        if ends_at(keep, "ied") && keep > 4 {
            (keep, tail) = (keep - 3, "y");
        } else if ends_at(keep, "eed") {
            if has_vowel(keep - 3) {
                keep -= 1;
            }
        } else if ends_at(keep, "ed") && keep >= 5 && has_vowel(keep - 2) {
            keep -= 2;
            undouble = true;
        } else if ends_at(keep, "ing") && keep >= 6 && has_vowel(keep - 3) {
            keep -= 3;
            undouble = true;
        }
    }
    if undouble && keep >= 4 && lower(keep - 1) == lower(keep - 2) && !b"aeioulsz".contains(&lower(keep - 1)) {
        keep -= 1;
    }
    // A final e, so that make/making and measure/measured agree.
    if tail.is_empty() && keep >= 4 && lower(keep - 1) == b'e' {
        keep -= 1;
    }
    (&w[..keep], tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(lang: &str, text: &str, status: TermStatus) -> Term {
        Term::new(Lang::parse(lang).unwrap(), text, status)
    }

    fn concept(id: &str, terms: Vec<Term>) -> Concept {
        Concept {
            id: Some(id.to_string()),
            terms,
            ..Concept::default()
        }
    }

    use TermStatus::{Admitted, Deprecated, Preferred, Superseded};

    fn glossary() -> TermIndex {
        let mut it = term("en", "IT", Admitted);
        it.term_type = Some("acronym".into());
        TermIndex::new(&[
            concept(
                "server",
                vec![
                    term("ja", "サーバー", Preferred),
                    term("ja", "サーバ", Deprecated),
                    term("en", "server", Preferred),
                ],
            ),
            concept("asean", vec![term("ja", "ASEAN", Preferred), term("en", "ASEAN", Preferred)]),
            concept(
                "mic",
                vec![
                    term("ja", "総務省", Preferred),
                    term("ja", "総務庁", Superseded),
                    term("en", "Ministry of Internal Affairs and Communications", Preferred),
                    term("en", "MIC", Admitted),
                    term("en", "Ministry of Internal Affairs", Deprecated),
                ],
            ),
            concept(
                "infosec",
                vec![
                    term("ja", "情報セキュリティ", Preferred),
                    term("en", "information security", Preferred),
                ],
            ),
            concept(
                "meeting",
                vec![
                    term("ja", "情報セキュリティ政策会議", Preferred),
                    term("en", "Information Security Policy Meeting", Preferred),
                ],
            ),
            concept(
                "attack",
                vec![
                    term("ja", "サイバー攻撃", Preferred),
                    term("en", "cyberattack", Preferred),
                    term("en", "cyber attack", Admitted),
                    term("en", "cyber-attack", Deprecated),
                ],
            ),
            concept("it", vec![term("ja", "情報技術", Preferred), it]),
            concept(
                "iot",
                vec![term("ja", "モノのインターネット", Preferred), term("en", "IoT", Admitted)],
            ),
            concept(
                "plain-meeting",
                vec![term("ja", "会合", Preferred), term("en", "meeting", Preferred)],
            ),
            concept("policy", vec![term("ja", "政策", Preferred), term("en", "policy", Preferred)]),
        ])
    }

    fn ja() -> Lang {
        Lang::parse("ja").unwrap()
    }

    fn en() -> Lang {
        Lang::parse("en").unwrap()
    }

    /// (matched, term, status) of each hit.
    fn found(index: &TermIndex, text: &str, lang: &Lang) -> Vec<(String, String, TermStatus)> {
        index
            .find(text, Some(lang))
            .into_iter()
            .map(|h| {
                assert_eq!(&text[h.start..h.end], h.matched);
                (h.matched, h.term, h.status)
            })
            .collect()
    }

    fn s(matched: &str, term: &str, status: TermStatus) -> (String, String, TermStatus) {
        (matched.to_string(), term.to_string(), status)
    }

    #[test]
    fn katakana_trailing_long_vowel_is_optional_both_ways() {
        let g = glossary();
        assert_eq!(found(&g, "サーバーを更新", &ja()), vec![s("サーバー", "サーバー", Preferred)]);
        // The text's spelling decides which of the two terms is reported.
        assert_eq!(found(&g, "サーバを更新", &ja()), vec![s("サーバ", "サーバ", Deprecated)]);
        // Half-width katakana with a half-width long vowel mark.
        assert_eq!(found(&g, "ｻｰﾊﾞｰ", &ja()), vec![s("ｻｰﾊﾞｰ", "サーバー", Preferred)]);
        let only_short = TermIndex::new(&[concept("s", vec![term("ja", "サーバ", Preferred)])]);
        assert_eq!(
            found(&only_short, "新しいサーバー。", &ja()),
            vec![s("サーバー", "サーバ", Preferred)]
        );
        let h = &only_short.find("新しいサーバー。", None)[0];
        assert_eq!((h.start, h.end), ("新しい".len(), "新しいサーバー".len()));
    }

    #[test]
    fn full_width_latin_matches() {
        let g = glossary();
        assert_eq!(found(&g, "日・ＡＳＥＡＮ会議", &ja()), vec![s("ＡＳＥＡＮ", "ASEAN", Preferred)]);
        let hit = &g.find("日・ＡＳＥＡＮ会議", Some(&ja()))[0];
        assert_eq!(&*hit.approved, ["ASEAN"]);
    }

    #[test]
    fn japanese_terms_match_inside_a_sentence() {
        let g = glossary();
        let text = "本日、総務省は報告書を公表しました。";
        let hits = g.find(text, Some(&ja()));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].matched, "総務省");
        assert_eq!(hits[0].start, "本日、".len());
        assert_eq!(hits[0].concept_id.as_deref(), Some("mic"));
        assert_eq!(&*hits[0].approved, ["Ministry of Internal Affairs and Communications", "MIC"]);
        // Forbidden terms are found with their status.
        let hits = g.find("旧総務庁の資料", Some(&ja()));
        assert_eq!(
            (hits[0].matched.as_str(), hits[0].status, hits[0].forbidden),
            ("総務庁", Superseded, true)
        );
    }

    #[test]
    fn longest_leftmost_in_japanese() {
        let g = glossary();
        assert_eq!(
            found(&g, "第11回日・ASEAN情報セキュリティ政策会議の結果", &ja()),
            vec![
                s("ASEAN", "ASEAN", Preferred),
                s("情報セキュリティ政策会議", "情報セキュリティ政策会議", Preferred)
            ]
        );
        assert_eq!(
            found(&g, "情報セキュリティの政策", &ja()),
            vec![s("情報セキュリティ", "情報セキュリティ", Preferred), s("政策", "政策", Preferred)]
        );
    }

    #[test]
    fn hyphen_space_and_joined_spellings_match_each_other() {
        let g = glossary();
        assert_eq!(
            found(&g, "Cyberattacks rose.", &en()),
            vec![s("Cyberattacks", "cyberattack", Preferred)]
        );
        assert_eq!(
            found(&g, "a cyber-attack on", &en()),
            vec![s("cyber-attack", "cyber-attack", Deprecated)]
        );
        assert_eq!(
            found(&g, "two cyber attacks", &en()),
            vec![s("cyber attacks", "cyber attack", Admitted)]
        );
        // A glossary with only the joined spelling plus one multi-part spelling elsewhere.
        let joined_only = TermIndex::new(&[concept("a", vec![term("en", "cyberattack", Preferred)])]);
        assert_eq!(found(&joined_only, "a cyber attack", &en()), vec![]);
        let both = TermIndex::new(&[
            concept("a", vec![term("en", "cyberattack", Preferred)]),
            concept("b", vec![term("en", "cyber-attack", Deprecated)]),
        ]);
        let hits = both.find("a cyber attack", Some(&en()));
        assert_eq!(hits.iter().map(|h| h.concept).collect::<Vec<_>>(), vec![0, 1]);
        // The hyphen folds only between word characters; a dash stays a dash.
        assert_eq!(found(&g, "cyber - attack", &en()), vec![]);
    }

    #[test]
    fn longest_wins_and_the_deprecated_prefix_is_not_reported_inside() {
        let g = glossary();
        assert_eq!(
            found(&g, "The Ministry of Internal Affairs and Communications (MIC) said.", &en()),
            vec![
                s(
                    "Ministry of Internal Affairs and Communications",
                    "Ministry of Internal Affairs and Communications",
                    Preferred
                ),
                s("MIC", "MIC", Admitted)
            ]
        );
        assert_eq!(
            found(&g, "The Ministry of Internal Affairs said.", &en()),
            vec![s("Ministry of Internal Affairs", "Ministry of Internal Affairs", Deprecated)]
        );
        assert_eq!(
            found(&g, "the 11th Japan-ASEAN Information Security Policy Meeting", &en()),
            vec![
                s("ASEAN", "ASEAN", Preferred),
                s(
                    "Information Security Policy Meeting",
                    "Information Security Policy Meeting",
                    Preferred
                )
            ]
        );
    }

    #[test]
    fn acronyms_match_with_their_case_only() {
        let g = glossary();
        assert_eq!(found(&g, "IT budgets", &en()), vec![s("IT", "IT", Admitted)]);
        assert_eq!(found(&g, "and it was fine", &en()), vec![]);
        assert_eq!(found(&g, "mic check", &en()), vec![]);
        assert_eq!(found(&g, "ＩＴ予算", &ja()), vec![]);
        assert!(is_case_sensitive(&term("en", "MIC", Admitted)));
        assert!(is_case_sensitive(&term("en", "5G", Admitted)));
        assert!(!is_case_sensitive(&term("en", "server", Admitted)));
        assert!(!is_case_sensitive(&term("en", "DG CONNECT", Admitted)));
    }

    #[test]
    fn inflected_forms_match() {
        let g = glossary();
        assert_eq!(
            found(&g, "Two meetings were held.", &en()),
            vec![s("meetings", "meeting", Preferred)]
        );
        assert_eq!(found(&g, "national policies", &en()), vec![s("policies", "policy", Preferred)]);
        assert_eq!(found(&g, "Japan's servers", &en()), vec![s("servers", "server", Preferred)]);
        assert_eq!(found(&g, "the Information Security Policy Meetings", &en()).len(), 1);
    }

    #[test]
    fn no_match_inside_a_word() {
        let g = glossary();
        assert_eq!(found(&g, "an idiotic idea", &en()), vec![]);
        assert_eq!(found(&g, "an IoTized world", &en()), vec![]);
        assert_eq!(found(&g, "IoT devices", &en()), vec![s("IoT", "IoT", Admitted)]);
        assert_eq!(found(&g, "serverless", &en()), vec![]);
        assert_eq!(found(&g, "the MICROSOFT case", &en()), vec![]);
        // Latin words inside Japanese are bounded by the script change.
        let ja_iot = TermIndex::new(&[concept("i", vec![term("ja", "IoT", Admitted)])]);
        assert_eq!(found(&ja_iot, "IoT機器の普及", &ja()), vec![s("IoT", "IoT", Admitted)]);
    }

    #[test]
    fn language_filter_and_all_languages() {
        let g = glossary();
        assert_eq!(found(&g, "server サーバー", &ja()), vec![s("サーバー", "サーバー", Preferred)]);
        let all = g.find("server とサーバー", None);
        assert_eq!(all.iter().map(|h| h.lang.as_str()).collect::<Vec<_>>(), vec!["en", "ja"]);
        // A term in two languages with one spelling: both reported on the same span.
        let both = g.find("ASEAN", None);
        assert_eq!(both.len(), 2);
        assert!(both.iter().all(|h| h.matched == "ASEAN"));
    }

    #[test]
    fn renderings_see_terms_inside_longer_ones_and_only_allowed_terms() {
        let g = glossary();
        let concept = |id: &str| g.concepts.iter().position(|c| c.id.as_deref() == Some(id)).unwrap();
        let (en_r, ja_r) = (g.renderings(&en()), g.renderings(&ja()));
        let text = PreparedText::new("the Information Security Policy Meetings");
        // `find` reports the meeting only; the policy is inside it.
        assert_eq!(g.find_prepared(&text, Some(&en())).len(), 1);
        let mut want = vec![concept("infosec"), concept("meeting"), concept("plain-meeting"), concept("policy")];
        want.sort();
        assert_eq!(en_r.concepts(&text), want);
        assert_eq!(ja_r.concepts(&text), Vec::<usize>::new());
        // Forbidden terms do not count; acronyms keep their case.
        assert_eq!(
            en_r.concepts(&PreparedText::new("the Ministry of Internal Affairs said")),
            Vec::<usize>::new()
        );
        assert_eq!(en_r.concepts(&PreparedText::new("MIC said")), vec![concept("mic")]);
        assert_eq!(en_r.concepts(&PreparedText::new("mic said")), Vec::<usize>::new());
        // Width and the long vowel, as in `find`.
        assert_eq!(ja_r.concepts(&PreparedText::new("ｻｰﾊﾞｰ")), vec![concept("server")]);
        assert_eq!(
            g.allowed_terms(concept("mic"), &en()),
            ["Ministry of Internal Affairs and Communications", "MIC"]
        );
        assert!(g.has_terms_in(concept("iot"), &ja()));
        assert!(g.has_allowed_term(concept("iot"), &en()));
    }

    #[test]
    fn stemmer_is_conservative() {
        for (w, expected) in [
            ("meetings", "meet"),
            ("meeting", "meet"),
            ("policies", "policy"),
            ("addresses", "address"),
            ("approaches", "approach"),
            ("measures", "measur"),
            ("measured", "measur"),
            ("measure", "measur"),
            ("planned", "plan"),
            ("installed", "install"),
            ("applied", "apply"),
            ("agreed", "agre"),
            ("agree", "agre"),
            ("Japan's", "Japan"),
            ("ISPs", "ISP"),
            ("ASEAN", "ASEAN"),
            ("ITS", "ITS"),
            ("its", "its"),
            ("news", "news"),
            ("business", "business"),
            ("status", "status"),
            ("analysis", "analysis"),
            ("string", "string"),
            ("5G", "5G"),
            ("add", "add"),
            ("added", "add"),
            // Case is kept, and does not change the rules.
            ("Meetings", "Meet"),
            ("Policies", "Policy"),
            ("PLANNED", "PLANNED"),
            ("Planned", "Plan"),
            ("News", "News"),
            ("Agreed", "Agre"),
            ("MeasurED", "Measur"),
        ] {
            assert_eq!(stem(w), expected, "{w}");
        }
    }

    #[test]
    fn offset_map_covers_the_original() {
        for text in [
            "",
            " ",
            "ｶﾞｲﾄﾞ\u{200B}ライン",
            "Ａ-Ｂ  c\u{3000}総務省ー",
            "İstanbul's",
            "サーバーー。x",
        ] {
            for fold in [true, false] {
                let n = Normalized::of(text, fold, false);
                assert_eq!(n.map.len(), n.text.len());
                for &(s, e) in &n.map {
                    assert!(
                        s < e && text.is_char_boundary(s as usize) && text.is_char_boundary(e as usize),
                        "{text:?}"
                    );
                }
                assert!(n.map.windows(2).all(|w| w[0].0 <= w[1].0), "{text:?}");
            }
        }
        assert_eq!(Normalized::of("ＡＳＥＡＮ 諸国", true, false).text, "\u{1}asean\u{1}諸国");
        assert_eq!(Normalized::of("サーバー サーバ", true, false).text, "サーバサーバ");
    }
}
