//! Measuring an aligner against gold beads.
//!
//! **Strict bead scores**: a predicted bead is correct only when the gold
//! has a bead with exactly the same source and target segments (1-0 and
//! 0-1 beads included: "this segment has no counterpart"; where the empty
//! side sits does not count, since the order of adjacent one-sided beads
//! is arbitrary). Precision = correct / predicted, recall = correct / gold,
//! F1 their harmonic mean.
//!
//! [`merge_adjacent`] makes test documents harder from sentence-aligned
//! pairs: it joins some adjacent sentences on one side, on a fixed
//! pattern, and records the resulting 2-1 and 1-2 gold beads. Used by the
//! evaluation test and the benchmark.

use super::anchors::ends_like_a_sentence;
use std::collections::HashSet;
use std::ops::Range;

/// A bead as segment ranges (0-based).
pub type Span = (Range<usize>, Range<usize>);

/// The spans of an alignment's beads, for [`bead_scores`].
pub fn spans(beads: Vec<super::Bead>) -> Vec<Span> {
    beads.into_iter().map(|b| (b.src, b.tgt)).collect()
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scores {
    pub predicted: usize,
    pub gold: usize,
    pub correct: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl std::fmt::Display for Scores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "strict beads: P {:.4} R {:.4} F1 {:.4} ({} correct, {} predicted, {} gold)",
            self.precision, self.recall, self.f1, self.correct, self.predicted, self.gold
        )
    }
}

/// Strict bead precision, recall and F1 of `predicted` against `gold`.
pub fn bead_scores(predicted: &[Span], gold: &[Span]) -> Scores {
    let side = |r: &Range<usize>| if r.is_empty() { (usize::MAX, usize::MAX) } else { (r.start, r.end) };
    let key = |(s, t): &Span| (side(s), side(t));
    let gold_set: HashSet<_> = gold.iter().map(key).collect();
    let correct = predicted.iter().filter(|b| gold_set.contains(&key(b))).count();
    let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    let (precision, recall) = (ratio(correct, predicted.len()), ratio(correct, gold.len()));
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    Scores {
        predicted: predicted.len(),
        gold: gold.len(),
        correct,
        precision,
        recall,
        f1,
    }
}

/// Two documents and their gold alignment.
#[derive(Clone, Debug, Default)]
pub struct Perturbed {
    pub src: Vec<String>,
    pub tgt: Vec<String>,
    pub gold: Vec<Span>,
}

/// Turns sentence pairs into two documents, joining pair `k` with pair
/// `k + 1` about every `every` pairs: their targets (a 2-1 bead) and their
/// sources (a 1-2 bead) in turn, never a sentence twice. Only sentences are
/// joined (both segments of the joined side end like one), as writers do:
/// a heading is never run into a paragraph. The first join comes at pair
/// `every / 2` or the first joinable pair after it, each next one `every`
/// pairs after the last. `src_joiner`/`tgt_joiner` go between joined
/// sentences (`""` for Japanese, `" "` for English). `every` of 0 joins
/// nothing.
pub fn merge_adjacent(pairs: &[(String, String)], every: usize, src_joiner: &str, tgt_joiner: &str) -> Perturbed {
    let mut out = Perturbed::default();
    let (mut k, mut joins, mut due) = (0, 0, every / 2);
    while k < pairs.len() {
        let (s, t) = (out.src.len(), out.tgt.len());
        let targets = joins % 2 == 0;
        let sentences = |k: usize| {
            let side = |p: &(String, String)| if targets { p.1.clone() } else { p.0.clone() };
            ends_like_a_sentence(&side(&pairs[k])) && ends_like_a_sentence(&side(&pairs[k + 1]))
        };
        let join = every > 0 && k >= due && k + 1 < pairs.len() && sentences(k);
        if join {
            joins += 1;
            due = k + every;
        }
        if join && targets {
            out.src.push(pairs[k].0.clone());
            out.src.push(pairs[k + 1].0.clone());
            out.tgt.push(format!("{}{tgt_joiner}{}", pairs[k].1, pairs[k + 1].1));
            out.gold.push((s..s + 2, t..t + 1));
            k += 2;
        } else if join {
            out.src.push(format!("{}{src_joiner}{}", pairs[k].0, pairs[k + 1].0));
            out.tgt.push(pairs[k].1.clone());
            out.tgt.push(pairs[k + 1].1.clone());
            out.gold.push((s..s + 1, t..t + 2));
            k += 2;
        } else {
            out.src.push(pairs[k].0.clone());
            out.tgt.push(pairs[k].1.clone());
            out.gold.push((s..s + 1, t..t + 1));
            k += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_scores() {
        let gold = vec![(0..1, 0..1), (1..3, 1..2), (3..3, 2..3)];
        let predicted = vec![(0..1, 0..1), (1..2, 1..2), (2..3, 2..2), (3..3, 2..3)];
        let s = bead_scores(&predicted, &gold);
        assert_eq!((s.correct, s.predicted, s.gold), (2, 4, 3));
        assert!((s.precision - 0.5).abs() < 1e-9 && (s.recall - 2.0 / 3.0).abs() < 1e-9);
        assert!((s.f1 - 4.0 / 7.0).abs() < 1e-9);
        assert_eq!(bead_scores(&gold, &gold).f1, 1.0);
        // Adjacent one-sided beads in either order are the same beads.
        let a = vec![(0..1, 0..0), (1..1, 0..1)];
        let b = vec![(0..0, 0..1), (0..1, 1..1)];
        assert_eq!(bead_scores(&a, &b).f1, 1.0);
    }

    #[test]
    fn merges_follow_the_pattern_and_cover_everything() {
        let pairs: Vec<(String, String)> = (0..10).map(|k| (format!("s{k}."), format!("t{k}."))).collect();
        let p = merge_adjacent(&pairs, 4, "", " ");
        // k=2: targets 2 and 3 joined; k=6: sources 6 and 7.
        assert_eq!(p.tgt[2], "t2. t3.");
        assert_eq!(p.gold[2], (2..4, 2..3));
        assert_eq!(p.src[6], "s6.s7.");
        assert_eq!(p.gold[5], (6..7, 5..7));
        assert_eq!((p.src.len(), p.tgt.len()), (9, 9));
        let covered: usize = p.gold.iter().map(|(s, _)| s.len()).sum();
        assert_eq!(covered, 9);
        let q = merge_adjacent(&pairs, 4, "", " ");
        assert_eq!(q.gold, p.gold, "deterministic");
        // A heading is not joined: the join moves to the next sentences.
        let mut headed = pairs.clone();
        headed[3].1 = "Heading".into();
        let r = merge_adjacent(&headed[..6], 4, "", " ");
        assert_eq!(r.gold, vec![(0..1, 0..1), (1..2, 1..2), (2..3, 2..3), (3..4, 3..4), (4..6, 4..5)]);
    }
}
