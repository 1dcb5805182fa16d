//! Sentence alignment of a document and its translation.
//!
//! Given the segments of a source document and of its translation,
//! [`Aligner::align`] returns a sequence of [`Bead`]s that covers every
//! segment of both sides exactly once, in order. A bead pairs 0–2 source
//! segments with 0–2 target segments (1-1, 1-2, 2-1, 2-2, and 1-0/0-1 for
//! lines one side lacks: addresses, reference lists) and carries a
//! confidence in [0, 1].
//!
//! # How beads are scored
//!
//! A bead's cost (in nats, lower is better) adds up:
//!
//! - a **prior** per bead shape ([`priors`]): 1-1 is the rule, merges and
//!   splits cost a little, one-sided sentences much, one-sided lines that
//!   are not sentences (headings, addresses, references) less; the
//!   document pair re-estimates these from a first alignment, so that a
//!   newsletter that drops its contact lines and a Wikipedia article that
//!   drops nothing are each aligned with their own;
//! - the **length model** ([`LengthModel`]): a heavy-tailed cost of `z`,
//!   how many standard deviations the target's length is from what the
//!   source's predicts, lengths counted per script (a kanji weighs three
//!   kana). The model is learned from the user's TM for the pair when it
//!   has enough units, else a default, and adapted to the document pair
//!   from the 1-1 beads of a first alignment;
//! - the **anchors** ([`anchors`]): numbers (dates, era years and kanji
//!   numerals included), Latin tokens inside CJK text and acronyms, CJK
//!   quoted inside Latin-script text, glossary concept pairs, TM matches,
//!   and list and heading markers, which are strong: `ア`/`イ`/`ウ` pair
//!   with `i.`/`ii.`/`iii.`, `(1)` with `1.`. Shared anchors lower the cost,
//!   one-sided ones raise it; how dear a number without a partner is, is
//!   re-estimated per document pair ([`Weights`]).
//!
//! Length alone (Gale-Church) cannot tell a 2-1 merge from a 1-1 followed by
//! an omission when lengths happen to fit; anchors can, and they make the
//! aligner independent of any Japanese word segmentation.
//!
//! # Search and confidence
//!
//! [`dp::search`] finds the cheapest bead sequence in a band around the
//! diagonal that widens only when the path needs it, so time and memory grow
//! about linearly with the documents. It also gives each chosen bead its
//! posterior probability among all alignments. The confidence is that
//! posterior times the bead's own plausibility, `σ(PLAUSIBLE − cost)`
//! (σ the logistic function; cost without the prior), so that a bead is
//! doubtful when a rival alignment is nearly as good *or* when it is the
//! best of bad choices. One-sided beads get at most [`NULL_CONFIDENCE`]:
//! something was left untranslated, and a reviewer should look.
//!
//! # Invariants
//!
//! - The beads are in order and cover `0..src.len()` and `0..tgt.len()`
//!   exactly once; no bead is empty on both sides.
//! - Every confidence is in [0, 1].

pub mod anchors;
pub mod dp;
pub mod era;
pub mod eval;
pub mod length;
pub mod priors;

pub use anchors::{Features, Marker, Weights};
pub use length::LengthModel;
pub use priors::Priors;

use crate::fuzzy::memory::{Context, PairMemory};
use crate::lang::Lang;
use crate::store::StoreError;
use crate::terms::find::TermIndex;
use anchors::{evidence, Extractor};
use priors::Shape;
use std::ops::Range;

/// The content cost at which a bead's plausibility is one half.
pub const PLAUSIBLE: f64 = 2.5;
/// The highest confidence of a one-sided bead.
pub const NULL_CONFIDENCE: f64 = 0.5;
/// The lowest fuzzy score of a TM match used as an anchor.
pub const TM_MIN_SCORE: f64 = 75.0;

/// Source segments `src` aligned with target segments `tgt` (0-based
/// indices into the inputs).
#[derive(Clone, Debug, PartialEq)]
pub struct Bead {
    pub src: Range<usize>,
    pub tgt: Range<usize>,
    /// How sure the aligner is, in [0, 1].
    pub confidence: f64,
}

/// Why an alignment failed.
#[derive(Debug, thiserror::Error)]
pub enum AlignError {
    #[error("looking up TM matches for the alignment")]
    Memory(#[from] StoreError),
}

/// Aligns documents of one language pair with the resources it was given.
pub struct Aligner<'a> {
    src: Lang,
    tgt: Lang,
    length: LengthModel,
    glossary: Option<&'a TermIndex>,
    memory: Option<&'a PairMemory<'a>>,
}

impl<'a> Aligner<'a> {
    /// An aligner with the default length model for the pair and no
    /// glossary or TM.
    pub fn new(src: &Lang, tgt: &Lang) -> Aligner<'a> {
        Aligner {
            src: src.clone(),
            tgt: tgt.clone(),
            length: LengthModel::default_for(src, tgt),
            glossary: None,
            memory: None,
        }
    }

    pub fn with_length_model(mut self, model: LengthModel) -> Aligner<'a> {
        self.length = model;
        self
    }

    /// Glossary terms of both languages become anchors.
    pub fn with_glossary(mut self, glossary: &'a TermIndex) -> Aligner<'a> {
        self.glossary = Some(glossary);
        self
    }

    /// TM matches (score ≥ [`TM_MIN_SCORE`]) of source segments become
    /// anchors for the target segments that resemble their translation.
    /// The memory must be loaded for this aligner's `src` → `tgt`.
    pub fn with_memory(mut self, memory: &'a PairMemory<'a>) -> Aligner<'a> {
        self.memory = Some(memory);
        self
    }

    pub fn length_model(&self) -> LengthModel {
        self.length
    }

    /// Aligns the segments (see the module documentation). Fails only
    /// when a TM lookup does.
    pub fn align<S: AsRef<str>>(&self, src: &[S], tgt: &[S]) -> Result<Vec<Bead>, AlignError> {
        let src_features = self.features(src, &self.src, true)?;
        let tgt_features = self.features(tgt, &self.tgt, false)?;
        // Slices of references: a bead's segments without allocating.
        let src_refs: Vec<&Features> = src_features.iter().collect();
        let tgt_refs: Vec<&Features> = tgt_features.iter().collect();
        let content = |i: usize, di: usize, j: usize, dj: usize, weights: &Weights, model: &LengthModel| -> f64 {
            let (s, t) = (&src_refs[i..i + di], &tgt_refs[j..j + dj]);
            let length = if di > 0 && dj > 0 {
                model.cost(s.iter().map(|f| f.length).sum(), t.iter().map(|f| f.length).sum())
            } else {
                0.0
            };
            length + evidence(s, t, weights)
        };
        let search = |priors: &Priors, weights: &Weights, model: &LengthModel| {
            dp::search(src.len(), tgt.len(), |i, di, j, dj| {
                priors.cost(&src_refs[i..i + di], &tgt_refs[j..j + dj]) + content(i, di, j, dj, weights, model)
            })
        };
        // Two passes: the first alignment's shapes re-estimate the priors,
        // and its 1-1 beads the evidence weights, for this document pair
        // (see `priors` and `anchors::Weights`).
        let first = search(&Priors::default(), &Weights::default(), &self.length);
        let priors = Priors::default().reestimate(first.iter().map(|b| Shape::of(&src_refs[b.src.clone()], &tgt_refs[b.tgt.clone()])));
        let one_one: Vec<(&Features, &Features)> = first
            .iter()
            .filter(|b| b.src.len() == 1 && b.tgt.len() == 1)
            .map(|b| (src_refs[b.src.start], tgt_refs[b.tgt.start]))
            .collect();
        let weights = Weights::default().reestimate(one_one.iter().copied());
        let model = self
            .length
            .adapt(&one_one.iter().map(|(s, t)| (s.length, t.length)).collect::<Vec<_>>());
        Ok(search(&priors, &weights, &model)
            .into_iter()
            .map(|b| {
                let plausibility = if b.src.is_empty() || b.tgt.is_empty() {
                    NULL_CONFIDENCE
                } else {
                    let own = b.cost - priors.cost(&src_refs[b.src.clone()], &tgt_refs[b.tgt.clone()]);
                    1.0 / (1.0 + (own - PLAUSIBLE).exp())
                };
                Bead {
                    src: b.src,
                    tgt: b.tgt,
                    confidence: (b.posterior * plausibility).clamp(0.0, 1.0),
                }
            })
            .collect())
    }

    fn features<S: AsRef<str>>(&self, segments: &[S], lang: &Lang, source: bool) -> Result<Vec<Features>, AlignError> {
        let extractor = Extractor::new(lang, self.glossary);
        segments
            .iter()
            .map(|s| {
                let mut f = extractor.features(s.as_ref());
                if let Some(memory) = self.memory.filter(|_| source) {
                    if let Some(best) = memory.lookup(s.as_ref(), &Context::default(), TM_MIN_SCORE, 1)?.first() {
                        f.hint = Extractor::hint_tokens(&best.target);
                    }
                }
                Ok(f)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ja_en() -> Aligner<'static> {
        Aligner::new(&"ja".parse().unwrap(), &"en".parse().unwrap())
    }

    fn shape(beads: &[Bead]) -> Vec<(Range<usize>, Range<usize>)> {
        beads.iter().map(|b| (b.src.clone(), b.tgt.clone())).collect()
    }

    #[test]
    fn merges_numbering_and_one_sided_lines() {
        let ja = [
            "IoTセキュリティに関する会議の開催",
            "総務省は、2018年3月5日、東京においてIoTセキュリティに関する国際会議を開催しました。会議には、ASEAN各国から約50名が参加しました。",
            "1．主な議題",
            "ア　IoT機器の脆弱性対策",
            "イ　5Gネットワークの安全性",
            "問合せ先：総務省サイバーセキュリティ統括官室 電話：03-5253-5111",
        ];
        let en = [
            "Meeting on IoT Security Held",
            "On March 5, 2018, MIC held an international meeting on IoT security in Tokyo.",
            "About 50 participants from ASEAN countries attended the meeting.",
            "1. Main agenda",
            "i. Countermeasures against vulnerabilities of IoT devices",
            "ii. Security of 5G networks",
        ];
        let beads = ja_en().align(&ja, &en).unwrap();
        assert_eq!(
            shape(&beads),
            vec![(0..1, 0..1), (1..2, 1..3), (2..3, 3..4), (3..4, 4..5), (4..5, 5..6), (5..6, 6..6)]
        );
        assert!(beads.iter().all(|b| (0.0..=1.0).contains(&b.confidence)));
        assert!(beads[2].confidence > 0.8 && beads[3].confidence > 0.8, "{beads:?}");
        assert!(beads[5].confidence <= NULL_CONFIDENCE);
    }

    #[test]
    fn glossary_terms_are_anchors() {
        use crate::terms::{Concept, Term, TermStatus};
        let concept = |ja: &str, en: &str| Concept {
            terms: vec![
                Term::new("ja".parse().unwrap(), ja, TermStatus::Preferred),
                Term::new("en".parse().unwrap(), en, TermStatus::Preferred),
            ],
            ..Concept::default()
        };
        let index = TermIndex::new(&[
            concept("重要インフラ", "critical infrastructure"),
            concept("人材育成", "human resource development"),
        ]);
        let ja = ["重要インフラの防護について議論した。", "人材育成についても議論した。"];
        let en = [
            "They discussed human resource development.",
            "They discussed the protection of critical infrastructure.",
        ];
        // Swapped order: with the glossary, 1-1 on the diagonal looks wrong.
        let plain = ja_en().align(&ja, &en).unwrap();
        let with = ja_en().with_glossary(&index).align(&ja, &en).unwrap();
        let mean = |b: &[Bead]| b.iter().map(|b| b.confidence).sum::<f64>() / b.len() as f64;
        assert!(mean(&with) < mean(&plain), "{plain:?} {with:?}");
    }

    #[test]
    fn empty_sides() {
        assert!(ja_en().align::<&str>(&[], &[]).unwrap().is_empty());
        let beads = ja_en().align(&["会議"], &[]).unwrap();
        assert_eq!(shape(&beads), vec![(0..1, 0..0)]);
    }
}
