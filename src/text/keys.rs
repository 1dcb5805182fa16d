//! What matching compares of a segment, computed once from its plain text:
//! the hashes of its tokens (the fuzzy score's edit distance, the index's
//! bigram keys and the lookup's signatures all start from them) and a hash
//! of its letters (which tells whether two texts can be equal once
//! formatting is folded away).
//!
//! The query of a lookup and the segments of an import go through this one
//! function, so the keys an index holds are the keys a lookup computes.

use crate::text::grams::token_hash;
use crate::text::normalize::{collapse_whitespace, fold_width, is_ignorable, is_punctuation, normalize};
use crate::text::tokens::{for_each_stable_token, for_each_token};

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
        // Japanese has about one token per character, English fewer.
        let mut keys = MatchKeys {
            letters: LETTERS_SEED,
            token_hashes: Vec::with_capacity(plain.len() / 2 + 1),
        };
        keys.recompute(plain);
        keys
    }

    /// Makes these the keys of `plain`, reusing the token buffer: an
    /// import computes the keys of every segment it reads.
    pub fn recompute(&mut self, plain: &str) {
        let token_hashes = &mut self.token_hashes;
        token_hashes.clear();
        // Most text: width and case folded as it is tokenised, in one pass
        // without Unicode tables, and nothing for NFKC to change after
        // lower-casing, so the letters are those of the normalised text.
        let mut letters = LETTERS_SEED;
        if for_each_stable_token(plain, |c| letters = add_letter(letters, c), |t| token_hashes.push(token_hash(t))) {
            self.letters = letters;
            return;
        }
        // The pass stopped at a character that needs the tables: the tokens
        // it gave are those of a part of the text only.
        token_hashes.clear();
        // `normalize` and rule 2's folding both start with width, then
        // case; the letters are taken after these two steps.
        let wide = fold_width(plain);
        let lowered = wide.to_lowercase();
        self.letters = letters_of(&lowered);
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
        for_each_token(&normalized, |t| token_hashes.push(token_hash(t)));
    }
}

/// The letters hash (FNV-1a over code points) before any letter.
const LETTERS_SEED: u64 = 0xcbf2_9ce4_8422_2325;

fn add_letter(hash: u64, c: char) -> u64 {
    (hash ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3)
}

/// The letters hash of text with width and case folded.
fn letters_of(folded: &str) -> u64 {
    folded
        .chars()
        .filter(|&c| !c.is_whitespace() && !is_punctuation(c) && !is_ignorable(c))
        .fold(LETTERS_SEED, add_letter)
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

        /// The letters hashed while normalising are those of the text with
        /// width and case folded, as the general path takes them.
        #[test]
        fn letters_are_those_of_the_folded_text(s in prop_oneof![
            "[a-zA-Zａ-ｚＡ-Ｚ0-9０-９かカ漢ー々〒・「」$+ \t\n\u{1}.,、。!！（）\u{3000}]{0,24}",
            any::<String>(),
        ]) {
            prop_assert_eq!(MatchKeys::of(&s).letters, letters_of(&fold_width(&s).to_lowercase()));
        }
    }
}
