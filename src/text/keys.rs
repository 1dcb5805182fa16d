//! What matching compares of a segment, computed once from its plain text:
//! the hashes of its tokens (the fuzzy score's edit distance, the index's
//! bigram keys and the lookup's signatures all start from them) and a hash
//! of its letters (which tells whether two texts can be equal once
//! formatting is folded away).
//!
//! The query of a lookup and the segments of an import go through this one
//! function, so the keys an index holds are the keys a lookup computes.

use crate::text::grams::token_hash;
use crate::text::normalize::{collapse_whitespace, fold_width, is_ignorable, is_punctuation, normalize, normalize_stable};
use crate::text::tokens::for_each_token;

/// A segment's keys for matching.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchKeys {
    /// A hash of the letters of the text with width and case folded: its
    /// characters other than punctuation, whitespace and invisible ones.
    /// Texts equal once width, case, punctuation and whitespace are folded
    /// have equal letters (tested in `fuzzy::score`), so texts whose
    /// letters differ can only match as fuzzy matches.
    pub letters: u64,
    /// The tokens of the [`normalize`]d text, hashed with [`token_hash`].
    pub token_hashes: Vec<u64>,
}

impl MatchKeys {
    pub fn of(plain: &str) -> MatchKeys {
        let letters_of = |folded: &str| {
            folded
                .chars()
                .filter(|&c| !c.is_whitespace() && !is_punctuation(c) && !is_ignorable(c))
                .fold(0xcbf2_9ce4_8422_2325_u64, |h, c| (h ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3))
        };
        let hashes_of = |normalized: &str| {
            // Japanese has about one token per character, English fewer.
            let mut hashes = Vec::with_capacity(normalized.len() / 2 + 1);
            for_each_token(normalized, |t| hashes.push(token_hash(t)));
            hashes
        };
        // Most text: width and case folded in one pass, and nothing for NFKC
        // to change after lower-casing, so the letters can be read from the
        // normalised text.
        if let Some(normalized) = normalize_stable(plain) {
            return MatchKeys {
                letters: letters_of(&normalized),
                token_hashes: hashes_of(&normalized),
            };
        }
        // `normalize` and rule 2's folding both start with width, then
        // case; the letters are taken after these two steps.
        let wide = fold_width(plain);
        let lowered = wide.to_lowercase();
        let letters = letters_of(&lowered);
        let normalized = if plain.chars().any(is_ignorable) {
            normalize(plain)
        } else {
            let renormalized = if lowered != wide && !lowered.is_ascii() {
                fold_width(&lowered)
            } else {
                lowered
            };
            collapse_whitespace(&renormalized)
        };
        MatchKeys {
            letters,
            token_hashes: hashes_of(&normalized),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokens::tokens;
    use proptest::prelude::*;

    proptest! {
        /// The index keys segments by the tokens of [`normalize`]: the
        /// shortcuts above must give exactly those.
        #[test]
        fn token_hashes_are_those_of_the_normalized_text(s in prop_oneof![
            "[a-zA-Zａ-ｚ0-9０-９かカ漢ｶﾞ\u{301}\u{200B}\u{3000}İß .,、。!（）]{0,24}",
            any::<String>(),
        ]) {
            let expected: Vec<u64> = tokens(&normalize(&s)).into_iter().map(token_hash).collect();
            prop_assert_eq!(MatchKeys::of(&s).token_hashes, expected);
        }
    }
}
