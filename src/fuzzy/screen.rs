//! Screening candidates by their signature ([`crate::store::signature`]):
//! the highest score a candidate can have, computed without its text.
//!
//! The bound is rule 3 of the score over the signature's 16-bit token
//! hashes, or 100 when the 32-bit letters hashes agree (the candidate may
//! then be a formatting or exact match). It is never below the candidate's
//! real score, and equal to it unless hashes collide, so a lookup loads the
//! text of almost only the candidates it returns.
//!
//! The query's tokens are prepared once per lookup (rapidfuzz's
//! `BatchComparator`, a bit-parallel pattern of them), and the distance to
//! each candidate stops as soon as it exceeds what the lookup can still use.

use super::score::{fuzzy_distance_within, fuzzy_score, Forms};
use crate::store::signature::{cut_letters, cut_token, SegmentSignature};
use rapidfuzz::distance::levenshtein::{Args, BatchComparator};

/// A query, ready to screen candidates.
pub struct Screen {
    letters: u32,
    tokens: usize,
    comparator: BatchComparator<u16>,
}

impl Screen {
    pub fn new(query: &Forms) -> Screen {
        let tokens = query.token_hashes();
        Screen {
            letters: cut_letters(query.letters()),
            tokens: tokens.len(),
            comparator: BatchComparator::new(tokens.iter().map(|&h| cut_token(h))),
        }
    }

    /// The highest score the candidate whose source segment has the
    /// signature `candidate` can have, when it is at least `floor`.
    pub fn bound(&self, candidate: &SegmentSignature, floor: f64) -> Option<f64> {
        if candidate.letters == self.letters {
            return Some(100.0);
        }
        let longer = self.tokens.max(candidate.tokens().len());
        let within = fuzzy_distance_within(floor, longer);
        let distance = self
            .comparator
            .distance_with_args(candidate.tokens(), &Args::default().score_cutoff(within))?;
        Some(fuzzy_score(distance, longer)).filter(|&score| score >= floor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzzy::score::score;
    use crate::lang::Lang;
    use crate::store::signature::{self, Signature};
    use crate::text::keys::MatchKeys;
    use proptest::prelude::*;

    fn bound(query: &str, candidate: &str, floor: f64) -> Option<f64> {
        let ja = Lang::parse("ja").unwrap();
        let blob = signature::encode([(&ja, &MatchKeys::of(candidate))]).unwrap();
        let Signature::Known(sig) = signature::read(Some(&blob), "en ja", &ja, &Lang::parse("en").unwrap()) else {
            panic!("no signature")
        };
        Screen::new(&Forms::of(query)).bound(&sig, floor)
    }

    #[test]
    fn the_bound_is_the_score_without_collisions() {
        let (q, c) = ("総務省は第10回会議を開催しました。", "総務省は第11回会議を開催しました。");
        let real = score(q, q, c, c).score;
        assert_eq!(bound(q, c, 50.0), Some(real));
        assert_eq!(bound(q, c, real + 0.01), None);
        assert_eq!(bound("Ｔｈｅ Ministry", "the ministry", 50.0), Some(100.0));
    }

    proptest! {
        #[test]
        fn the_bound_is_never_below_the_score(
            q in "[a-c 漢字かな,。0-9]{0,20}",
            c in "[a-c 漢字かな,。0-9]{0,20}",
            floor in 0.0f64..100.0,
        ) {
            let real = score(&q, &q, &c, &c).score;
            if real >= floor {
                let got = bound(&q, &c, floor);
                prop_assert!(got.is_some_and(|b| b >= real), "{:?} {:?}: bound {:?} < score {}", q, c, got, real);
            }
        }
    }
}
