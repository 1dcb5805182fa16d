//! Pre-translation of a document against the store: the engine behind
//! `yakugo translate` and `yakugo analyze`, which therefore never disagree.
//!
//! A [`SourceDocument`] (paragraphs of segments, from a segmented text or
//! from an XLIFF file) is looked up segment by segment in the language pair
//! ([`PairMemory`], with each segment's neighbours as its context, so an
//! exact match in the same context scores 101). Each segment gets:
//!
//! - its best matches, with the target adapted when only numbers differ;
//! - its [`Band`], the row of the analysis it counts in, decided in this
//!   order: a context match (101); a **repetition** (the same source text
//!   already occurred earlier in the document, counted once at its first
//!   occurrence, as CAT tools do); otherwise the best score: 100, 95–99,
//!   85–94, 75–84, 50–74, no match;
//! - a confirmed target when the best match is 101 or 100 (a repetition
//!   takes its first occurrence's); lower matches are suggestions only;
//! - the glossary terms in its source with their approved renderings in
//!   the target language.
//!
//! Long documents are looked up on several connections to the store at
//! once, one thread each (lookups are independent and read-only); the
//! results are then assembled in document order, so the output does not
//! depend on the number of threads.
//!
//! Words are counted as quotes count them ([`count_words`]): characters for
//! Japanese and Chinese, words otherwise.

pub mod html;

use crate::fuzzy::batch::BatchQuery;
use crate::fuzzy::memory::{Context, Match, PairMemory};
use crate::fuzzy::MatchKind;
use crate::lang::Lang;
use crate::lang::SrcLang;
use crate::model::{Admin, Meta, Prop, Unit, Variant};
use crate::segment::{Format, Paragraph, Segmenter};
use crate::store::{Store, StoreError};
use crate::terms::find::TermIndex;
use crate::terms::Concept;
use crate::text::normalize::is_punctuation;
use crate::xliff;
use crate::xliff::reader::XliffDoc;
use crate::xml::{escape_text, InputError};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// A document to translate: paragraphs (units) of segments.
#[derive(Clone, Debug)]
pub struct SourceDocument {
    /// The file it came from, as written in outputs.
    pub original: String,
    pub units: Vec<SourceUnit>,
}

#[derive(Clone, Debug)]
pub struct SourceUnit {
    pub id: String,
    pub segments: Vec<SourceSegment>,
}

#[derive(Clone, Debug)]
pub struct SourceSegment {
    pub id: String,
    pub text: String,
    /// The line in the input file (1-based).
    pub line: usize,
}

impl SourceDocument {
    /// A segmented text: one unit per paragraph (`p1`, `p2`, …), segments
    /// numbered through the document (`s1`, `s2`, …).
    pub fn from_paragraphs(original: &str, paragraphs: &[Paragraph]) -> SourceDocument {
        let mut number = 0;
        let units = paragraphs
            .iter()
            .enumerate()
            .map(|(i, p)| SourceUnit {
                id: format!("p{}", i + 1),
                segments: p
                    .segments
                    .iter()
                    .map(|s| {
                        number += 1;
                        SourceSegment {
                            id: format!("s{number}"),
                            text: s.text.clone(),
                            line: s.line,
                        }
                    })
                    .collect(),
            })
            .collect();
        SourceDocument {
            original: original.to_string(),
            units,
        }
    }

    /// The segments of an XLIFF file, grouped by unit, with their ids.
    pub fn from_xliff(original: &str, doc: &XliffDoc) -> SourceDocument {
        let mut units: Vec<SourceUnit> = Vec::new();
        for s in &doc.segments {
            let segment = SourceSegment {
                id: s.id.clone(),
                text: s.source_plain.clone(),
                line: s.line as usize,
            };
            match units.last_mut() {
                Some(u) if u.id == s.unit_id => u.segments.push(segment),
                _ => units.push(SourceUnit {
                    id: s.unit_id.clone(),
                    segments: vec![segment],
                }),
            }
        }
        SourceDocument {
            original: doc.original.clone().unwrap_or_else(|| original.to_string()),
            units,
        }
    }
}

/// The analysis rows, in the order CAT tools print them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Band {
    Context,
    Repetition,
    Exact,
    Fuzzy95,
    Fuzzy85,
    Fuzzy75,
    Fuzzy50,
    NoMatch,
}

impl Band {
    pub const ALL: [Band; 8] = [
        Band::Context,
        Band::Repetition,
        Band::Exact,
        Band::Fuzzy95,
        Band::Fuzzy85,
        Band::Fuzzy75,
        Band::Fuzzy50,
        Band::NoMatch,
    ];

    /// The band of a first occurrence whose best score is `best`.
    pub fn of_score(best: Option<f64>) -> Band {
        match best {
            Some(s) if s > 100.0 => Band::Context,
            Some(s) if s >= 100.0 => Band::Exact,
            Some(s) if s >= 95.0 => Band::Fuzzy95,
            Some(s) if s >= 85.0 => Band::Fuzzy85,
            Some(s) if s >= 75.0 => Band::Fuzzy75,
            Some(s) if s >= 50.0 => Band::Fuzzy50,
            _ => Band::NoMatch,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Band::Context => "Context match (101%)",
            Band::Repetition => "Repetitions",
            Band::Exact => "100%",
            Band::Fuzzy95 => "95% - 99%",
            Band::Fuzzy85 => "85% - 94%",
            Band::Fuzzy75 => "75% - 84%",
            Band::Fuzzy50 => "50% - 74%",
            Band::NoMatch => "No match",
        }
    }
}

/// What the engine found for one segment.
#[derive(Clone, Debug, Serialize)]
pub struct TranslatedSegment {
    /// 1-based position in the document.
    pub number: usize,
    pub id: String,
    pub line: usize,
    pub source: String,
    pub band: Band,
    /// The number of the segment this one repeats.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repetition_of: Option<usize>,
    /// Confirmed target (101/100 match, or the repeated segment's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Best first.
    pub matches: Vec<Match>,
    pub terms: Vec<TermFound>,
    pub words: usize,
}

impl TranslatedSegment {
    /// The best proposal: the confirmed target, else the best match's
    /// target (numbers adapted when they could be).
    pub fn suggestion(&self) -> Option<&str> {
        self.target
            .as_deref()
            .or_else(|| self.matches.first().map(|m| m.adapted_target.as_deref().unwrap_or(&m.target)))
    }
}

/// A glossary term found in a source segment.
#[derive(Clone, Debug, Serialize)]
pub struct TermFound {
    /// Byte offsets in the source segment.
    pub start: usize,
    pub end: usize,
    /// The text as it appears in the segment.
    pub matched: String,
    /// The glossary's spelling.
    pub term: String,
    /// The approved renderings in the target language, preferred first.
    pub approved: Vec<String>,
    /// The term itself is deprecated or superseded.
    pub forbidden: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct TranslatedUnit {
    pub id: String,
    pub segments: Vec<TranslatedSegment>,
}

/// A translated document.
#[derive(Clone, Debug, Serialize)]
pub struct Translated {
    pub original: String,
    pub src: Lang,
    pub tgt: Lang,
    pub units: Vec<TranslatedUnit>,
}

/// One row of the analysis.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub band: Band,
    pub label: &'static str,
    pub segments: usize,
    pub words: usize,
    /// Share of the words, in percent.
    pub percent: f64,
}

/// Match-band statistics of a translated document.
#[derive(Clone, Debug, Serialize)]
pub struct Analysis {
    pub file: String,
    pub src: Lang,
    pub tgt: Lang,
    /// `characters` for Japanese and Chinese sources, else `words`.
    pub unit: &'static str,
    pub rows: Vec<Row>,
    pub total_segments: usize,
    pub total_words: usize,
}

impl Translated {
    pub fn segments(&self) -> impl Iterator<Item = &TranslatedSegment> {
        self.units.iter().flat_map(|u| &u.segments)
    }

    pub fn analysis(&self) -> Analysis {
        let mut counts: HashMap<Band, (usize, usize)> = HashMap::new();
        for s in self.segments() {
            let c = counts.entry(s.band).or_default();
            c.0 += 1;
            c.1 += s.words;
        }
        let total_segments = counts.values().map(|c| c.0).sum();
        let total_words: usize = counts.values().map(|c| c.1).sum();
        let rows = Band::ALL
            .iter()
            .map(|&band| {
                let (segments, words) = counts.get(&band).copied().unwrap_or_default();
                let percent = if total_words == 0 {
                    0.0
                } else {
                    (words as f64 / total_words as f64 * 1000.0).round() / 10.0
                };
                Row {
                    band,
                    label: band.label(),
                    segments,
                    words,
                    percent,
                }
            })
            .collect();
        Analysis {
            file: self.original.clone(),
            src: self.src.clone(),
            tgt: self.tgt.clone(),
            unit: if counts_characters(&self.src) { "characters" } else { "words" },
            rows,
            total_segments,
            total_words,
        }
    }

    /// The document as XLIFF: confirmed targets filled, matches as
    /// candidates (adapted targets where numbers were adapted), terms as
    /// glossary entries.
    pub fn to_xliff(&self) -> xliff::Document {
        let units = self
            .units
            .iter()
            .map(|u| xliff::Unit {
                id: u.id.clone(),
                segments: u
                    .segments
                    .iter()
                    .map(|s| xliff::Segment {
                        id: s.id.clone(),
                        source: s.source.clone(),
                        target: s.target.clone(),
                        candidates: s
                            .matches
                            .iter()
                            .map(|m| xliff::Candidate {
                                source: m.source.clone(),
                                target: m.adapted_target.clone().unwrap_or_else(|| m.target.clone()),
                                quality: m.score.min(100.0),
                                kind: if m.kind == MatchKind::Context {
                                    xliff::CandidateKind::InContext
                                } else {
                                    xliff::CandidateKind::Tm
                                },
                                origin: m.origin.clone(),
                            })
                            .collect(),
                        glossary: s
                            .terms
                            .iter()
                            .map(|t| xliff::GlossEntry {
                                term: t.matched.clone(),
                                translations: t.approved.clone(),
                                definition: None,
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        xliff::Document {
            original: self.original.clone(),
            src: self.src.clone(),
            tgt: self.tgt.clone(),
            units,
        }
    }
}

impl Translated {
    /// The pre-translated pairs as TMX units: confirmed targets, and
    /// targets whose numbers were adapted (a `x-yakugo-match` prop says
    /// which and the score).
    pub fn to_tmx_units(&self) -> Vec<Unit> {
        let variant = |lang: &Lang, text: &str| {
            let mut markup = String::with_capacity(text.len());
            escape_text(text, &mut markup);
            Variant {
                lang: lang.clone(),
                markup,
                plain: text.to_string(),
                admin: Admin::default(),
                meta: Meta::default(),
            }
        };
        self.segments()
            .filter_map(|s| {
                let best = s.matches.first();
                let (target, how) = match (&s.target, best.and_then(|m| m.adapted_target.as_ref().map(|a| (a, m.score)))) {
                    (Some(t), _) => (t, format!("{:?}", s.band).to_lowercase()),
                    (None, Some((adapted, score))) => (adapted, format!("numbers-adapted {score}")),
                    (None, None) => return None,
                };
                Some(Unit {
                    srclang: Some(SrcLang::One(self.src.clone())),
                    meta: Meta {
                        props: vec![Prop {
                            kind: "x-yakugo-match".into(),
                            lang: None,
                            o_encoding: None,
                            value: how,
                        }],
                        notes: Vec::new(),
                    },
                    variants: vec![variant(&self.src, &s.source), variant(&self.tgt, target)],
                    ..Unit::default()
                })
            })
            .collect()
    }
}

/// Reads the document at `path`: XLIFF (`.xlf`, `.xliff`) as its segments,
/// anything else as text (Markdown for `.md`), segmented with `segmenter`.
pub fn load(path: &Path, src: &Lang, segmenter: &Segmenter) -> Result<SourceDocument, InputError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if is_xliff(path) {
        return Ok(SourceDocument::from_xliff(&name, &XliffDoc::open(path)?));
    }
    let mut text = String::new();
    crate::xml::open(path)?.read_to_string(&mut text).map_err(|cause| InputError::Io {
        path: path.to_path_buf(),
        cause,
    })?;
    let paragraphs = segmenter.segment_document(&text, src, Format::from_path(path));
    Ok(SourceDocument::from_paragraphs(&name, &paragraphs))
}

/// Whether the file name says XLIFF.
pub fn is_xliff(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlf") || e.eq_ignore_ascii_case("xliff"))
}

/// Whether quotes count characters rather than words for texts in `lang`.
fn counts_characters(lang: &Lang) -> bool {
    matches!(lang.primary(), "ja" | "zh")
}

/// The size of a segment as quotes count it: for Japanese and Chinese the
/// characters other than spaces and punctuation; otherwise the
/// whitespace-separated words that hold a letter or digit.
pub fn count_words(text: &str, lang: &Lang) -> usize {
    if counts_characters(lang) {
        text.chars().filter(|c| !c.is_whitespace() && !is_punctuation(*c)).count()
    } else {
        text.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).count()
    }
}

/// The engine: a language pair of the store and its glossary.
pub struct Translator<'s> {
    memory: PairMemory<'s>,
    glossary: Vec<Concept>,
    terms: TermIndex,
    src: Lang,
    tgt: Lang,
    /// Lowest score kept (percent).
    pub min: f64,
    /// Matches kept per segment.
    pub top: usize,
}

/// Segments per lookup thread below which a document is looked up on one
/// thread: opening a connection and its lookup tables costs about as much
/// as this many lookups.
const SEGMENTS_PER_THREAD: usize = 200;

impl<'s> Translator<'s> {
    pub fn new(store: &'s Store, src: &Lang, tgt: &Lang) -> Result<Translator<'s>, StoreError> {
        let glossary = store.concepts()?;
        let terms = TermIndex::new(&glossary);
        Ok(Translator {
            memory: PairMemory::open(store, src, tgt)?,
            glossary,
            terms,
            src: src.clone(),
            tgt: tgt.clone(),
            min: 50.0,
            top: 3,
        })
    }

    /// Translates `doc`; `progress` is called after each segment's lookup.
    pub fn translate(&self, doc: &SourceDocument, progress: impl Fn() + Sync) -> Result<Translated, StoreError> {
        let flat: Vec<&SourceSegment> = doc.units.iter().flat_map(|u| &u.segments).collect();
        let mut lookups = self.lookups(&flat, &progress)?.into_iter();
        // First occurrence of each source text: its number and target.
        let mut seen: HashMap<&str, (usize, Option<String>)> = HashMap::new();
        let mut number = 0usize;
        let mut units = Vec::with_capacity(doc.units.len());
        for unit in &doc.units {
            let mut segments = Vec::with_capacity(unit.segments.len());
            for segment in &unit.segments {
                number += 1;
                let matches = lookups.next().unwrap_or_default();
                let best = matches.first();
                let confirmed = best.filter(|m| m.score >= 100.0).map(|m| m.target.clone());
                let first_band = Band::of_score(best.map(|m| m.score));
                let (band, repetition_of, target) = match seen.get(segment.text.as_str()) {
                    Some((first, first_target)) if first_band != Band::Context => {
                        (Band::Repetition, Some(*first), confirmed.or_else(|| first_target.clone()))
                    }
                    _ => (first_band, None, confirmed),
                };
                seen.entry(segment.text.as_str()).or_insert((number, target.clone()));
                segments.push(TranslatedSegment {
                    number,
                    id: segment.id.clone(),
                    line: segment.line,
                    source: segment.text.clone(),
                    band,
                    repetition_of,
                    target,
                    matches,
                    terms: self.terms_in(&segment.text),
                    words: count_words(&segment.text, &self.src),
                });
            }
            units.push(TranslatedUnit {
                id: unit.id.clone(),
                segments,
            });
        }
        Ok(Translated {
            original: doc.original.clone(),
            src: self.src.clone(),
            tgt: self.tgt.clone(),
            units,
        })
    }

    /// The matches of every segment of `flat`, in order, each looked up
    /// with its neighbours as context.
    fn lookups(&self, flat: &[&SourceSegment], progress: &(impl Fn() + Sync)) -> Result<Vec<Vec<Match>>, StoreError> {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(flat.len() / SEGMENTS_PER_THREAD)
            .max(1);
        let texts: Vec<&str> = flat.iter().map(|s| s.text.as_str()).collect();
        let queries = (0..texts.len()).map(|i| {
            Ok::<_, StoreError>(BatchQuery {
                text: texts[i].to_string(),
                context: Context::around(&texts, i),
            })
        });
        let mut all = Vec::with_capacity(flat.len());
        self.memory.lookup_batch(threads, self.min, self.top, queries, |_, matches| {
            all.push(matches);
            progress();
            Ok(())
        })?;
        Ok(all)
    }

    fn terms_in(&self, text: &str) -> Vec<TermFound> {
        self.terms
            .find(text, Some(&self.src))
            .into_iter()
            .map(|hit| {
                // The approved renderings span every other language; keep the target's.
                let in_target = |text: &String| {
                    self.glossary
                        .get(hit.concept)
                        .is_some_and(|c| c.terms.iter().any(|t| self.tgt.matches(&t.lang) && t.text == *text))
                };
                TermFound {
                    start: hit.start,
                    end: hit.end,
                    approved: hit.approved.iter().filter(|a| in_target(a)).cloned().collect(),
                    matched: hit.matched,
                    term: hit.term,
                    forbidden: hit.forbidden,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_follow_the_cat_tool_rows() {
        assert_eq!(Band::of_score(Some(101.0)), Band::Context);
        assert_eq!(Band::of_score(Some(100.0)), Band::Exact);
        assert_eq!(Band::of_score(Some(99.99)), Band::Fuzzy95);
        assert_eq!(Band::of_score(Some(94.99)), Band::Fuzzy85);
        assert_eq!(Band::of_score(Some(84.0)), Band::Fuzzy75);
        assert_eq!(Band::of_score(Some(50.0)), Band::Fuzzy50);
        assert_eq!(Band::of_score(Some(49.0)), Band::NoMatch);
        assert_eq!(Band::of_score(None), Band::NoMatch);
    }

    #[test]
    fn long_documents_looked_up_on_several_threads_match_one_thread() {
        let (_dir, store) = crate::store::testing::meetings_store(300);
        let (ja, en) = (Lang::parse("ja").unwrap(), Lang::parse("en").unwrap());
        let text: String = (0..2 * SEGMENTS_PER_THREAD + 50)
            .map(|i| format!("第{}回の会議が大阪で開催されました。\n\n", i * 7 % 400))
            .collect();
        let paragraphs = Segmenter::default_rules().segment_document(&text, &ja, Format::Plain);
        let doc = SourceDocument::from_paragraphs("doc.txt", &paragraphs);
        let translator = Translator::new(&store, &ja, &en).unwrap();
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let translated = translator
            .translate(&doc, || {
                calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            })
            .unwrap();
        let segments: Vec<_> = translated.segments().collect();
        assert_eq!(segments.len(), 2 * SEGMENTS_PER_THREAD + 50);
        assert_eq!(calls.into_inner(), segments.len());
        let memory = PairMemory::open(&store, &ja, &en).unwrap();
        for (i, segment) in segments.iter().enumerate() {
            let context = Context {
                prev: i.checked_sub(1).map(|p| segments[p].source.clone()),
                next: segments.get(i + 1).map(|n| n.source.clone()),
            };
            let alone = memory.lookup(&segment.source, &context, 50.0, 3).unwrap();
            let ids = |m: &[Match]| m.iter().map(|m| (m.id, m.score)).collect::<Vec<_>>();
            assert_eq!(ids(&segment.matches), ids(&alone), "segment {}", i + 1);
        }
    }

    #[test]
    fn words_and_characters() {
        let ja: Lang = "ja".parse().unwrap();
        let en: Lang = "en".parse().unwrap();
        assert_eq!(count_words("第11回会議（東京）。", &ja), 8);
        assert_eq!(count_words("The 11th meeting - in Tokyo.", &en), 5);
    }
}
