//! Bead priors: what a bead's shape costs before its content is looked at,
//! and how a document pair re-estimates them.
//!
//! A bead's prior is `ln(P(1-1) / P(shape))` (nats, so 1-1 costs nothing).
//! The defaults ([`Priors::default`]) say what is usual in translated
//! documents: merges and splits are common, one-sided sentences rare, and
//! one-sided lines that are not sentences (headings, addresses, reference
//! list items) in between, being what one edition often has and the other
//! lacks.
//!
//! Documents differ, though: a newsletter's English edition drops its
//! contact lines and reference list, a Wikipedia translation drops nothing
//! but merges and splits sentences freely. No single setting fits both: a
//! one-sided line cheap enough for the newsletter lets a list of short
//! names slide by one item (two one-sided beads re-synchronise the run),
//! one dear enough for the list pairs a newsletter's reference list with
//! its contact lines. So [`Priors::reestimate`] takes the shapes of a first
//! alignment of the document pair and sets each prior from how often the
//! shape occurs there, with the defaults as a Dirichlet prior worth
//! [`PSEUDO_BEADS`] beads (one step of Viterbi re-estimation, as Gale and
//! Church estimated their bead probabilities from the data): a long
//! document speaks for itself, a short one mostly keeps the defaults.

use super::anchors::Features;

/// How many beads' worth of evidence the default priors count as when a
/// document re-estimates them: a document of a few dozen beads moves them
/// halfway, one of hundreds sets them.
pub const PSEUDO_BEADS: f64 = 40.0;

/// Re-estimated priors stay in this range: no shape becomes dearer than
/// the default one-sided sentence by more than a few nats, none cheaper
/// than a 1-1 bead.
const RANGE: std::ops::RangeInclusive<f64> = 0.0..=9.0;

/// The shape classes priors are kept for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    OneOne,
    /// 2-1 or 1-2.
    Merge,
    /// 2-2.
    Double,
    /// 1-0 or 0-1 of a sentence.
    NullSentence,
    /// 1-0 or 0-1 of a line that does not end like a sentence.
    NullLine,
}

impl Shape {
    const ALL: [Shape; 5] = [Shape::OneOne, Shape::Merge, Shape::Double, Shape::NullSentence, Shape::NullLine];

    /// The shape of the bead pairing `src` with `tgt` (each 0–2 segments).
    pub fn of(src: &[&Features], tgt: &[&Features]) -> Shape {
        match (src, tgt) {
            ([_], [_]) => Shape::OneOne,
            ([_, _], [_, _]) => Shape::Double,
            ([one], []) | ([], [one]) if !one.sentence => Shape::NullLine,
            (_, []) | ([], _) => Shape::NullSentence,
            _ => Shape::Merge,
        }
    }

    /// How many bead types the class has (2-1 and 1-2; 1-0 and 0-1).
    fn types(self) -> f64 {
        match self {
            Shape::Merge | Shape::NullSentence | Shape::NullLine => 2.0,
            Shape::OneOne | Shape::Double => 1.0,
        }
    }
}

/// The prior cost of each shape, in nats (1-1 costs nothing).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Priors {
    /// A 2-1 or 1-2 bead.
    pub merge: f64,
    /// A 2-2 bead.
    pub double: f64,
    /// One sentence left unaligned (1-0, 0-1).
    pub null_sentence: f64,
    /// A line that is not a sentence left unaligned.
    pub null_line: f64,
}

impl Default for Priors {
    // Set by hand against both evaluations (tests/align_eval.rs,
    // benches/align.rs) before re-estimation existed, and kept as the
    // starting point.
    fn default() -> Priors {
        Priors {
            merge: 2.5,
            double: 4.5,
            null_sentence: 6.0,
            null_line: 2.0,
        }
    }
}

impl Priors {
    pub fn get(&self, shape: Shape) -> f64 {
        match shape {
            Shape::OneOne => 0.0,
            Shape::Merge => self.merge,
            Shape::Double => self.double,
            Shape::NullSentence => self.null_sentence,
            Shape::NullLine => self.null_line,
        }
    }

    /// The prior of the bead pairing `src` with `tgt`.
    pub fn cost(&self, src: &[&Features], tgt: &[&Features]) -> f64 {
        self.get(Shape::of(src, tgt))
    }

    /// The priors re-estimated from the shapes of an alignment's beads
    /// (see the module documentation).
    pub fn reestimate(&self, shapes: impl IntoIterator<Item = Shape>) -> Priors {
        let mut counts = [0.0f64; 5];
        for s in shapes {
            counts[s as usize] += 1.0;
        }
        // Pseudo-counts: the defaults as probabilities per bead type.
        let weight = |s: Shape| s.types() * (-self.get(s)).exp();
        let total: f64 = Shape::ALL.iter().map(|&s| weight(s)).sum();
        let per_type = |s: Shape| (counts[s as usize] + PSEUDO_BEADS * weight(s) / total) / s.types();
        let one_one = per_type(Shape::OneOne);
        let cost = |s: Shape| (one_one / per_type(s)).ln().clamp(*RANGE.start(), *RANGE.end());
        Priors {
            merge: cost(Shape::Merge),
            double: cost(Shape::Double),
            null_sentence: cost(Shape::NullSentence),
            null_line: cost(Shape::NullLine),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_evidence_keeps_the_defaults() {
        let d = Priors::default();
        let same = d.reestimate([]);
        for s in Shape::ALL {
            assert!((same.get(s) - d.get(s)).abs() < 1e-9, "{s:?}");
        }
    }

    #[test]
    fn a_long_document_speaks_for_itself_a_short_one_less() {
        let d = Priors::default();
        // 500 beads: 400 1-1, 100 merges, no one-sided lines.
        let long = d.reestimate(std::iter::repeat_n(Shape::OneOne, 400).chain(std::iter::repeat_n(Shape::Merge, 100)));
        assert!((long.merge - (400.0f64 / 50.0).ln()).abs() < 0.1, "{long:?}");
        assert!(long.null_line > d.null_line + 2.0, "{long:?}");
        // 20 beads with 5 one-sided lines: cheaper one-sided lines.
        let short = d.reestimate(std::iter::repeat_n(Shape::OneOne, 15).chain(std::iter::repeat_n(Shape::NullLine, 5)));
        assert!(short.null_line < d.null_line && short.null_line > 0.5, "{short:?}");
        assert!((short.merge - d.merge).abs() < 0.5);
    }
}
