//! The keys of the fuzzy-match candidate index: token bigrams, padded at
//! both ends, hashed with the language into a fixed number of buckets.
//!
//! A segment of `n` tokens (see [`tokens`](super::tokens)) has `n + 1`
//! padded bigrams: `^ t1`, `t1 t2`, …, `tn $`. Padding gives even a
//! one-token segment two keys, and makes the first and last tokens count as
//! much as the others.
//!
//! The invariant the index relies on: one token edit (insertion, deletion
//! or substitution) changes at most two of a segment's bigrams. So when two
//! segments are `d` edits apart, at least `D − 2d` of the query's `D`
//! distinct buckets also occur among the candidate's. That holds for
//! buckets as well as for bigrams, because a bucket is missing from the
//! candidate only when every bigram of the query that falls into it was
//! destroyed. Bucket collisions therefore only ever make a candidate look
//! closer than it is: they cost time, never a match.
//!
//! The language's primary subtag is part of the key, so `en` and `en-GB`
//! segments share buckets and Japanese never collides with English by
//! construction (only by hash, like any other collision).

use crate::lang::Lang;
use xxhash_rust::xxh3::xxh3_64;

/// log2 of the number of buckets. 2^20 buckets keep the rows written per
/// import bounded (one per bucket touched) while collisions stay rare for
/// the rarer bigrams that do the filtering.
pub const BUCKET_BITS: u32 = 20;

const START: u64 = 0x9e37_79b9_7f4a_7c15;
const END: u64 = 0xc2b2_ae3d_27d4_eb4f;

/// A token's hash: what the index keys and the score's edit distance
/// compare tokens by.
pub fn token_hash(token: impl AsRef<[u8]>) -> u64 {
    xxh3_64(token.as_ref())
}

/// The distinct buckets of a segment's padded token bigrams, ascending,
/// from its tokens' [`token_hash`]es.
pub fn buckets(lang: &Lang, token_hashes: &[u64]) -> Vec<u32> {
    let mut out = Vec::with_capacity(token_hashes.len() + 1);
    for_each_bucket(lang, token_hashes, |b| out.push(b));
    out.sort_unstable();
    out.dedup();
    out
}

/// [`buckets`] in no particular order: what indexing a segment needs.
/// Sorting only to find the repeated ones cost more than finding them in a
/// set. Most segments have a few dozen bigrams, and their set is a small
/// open-addressing table on the stack, in the processor's nearest cache;
/// longer ones use a bit set of all buckets (128 KB per thread, cleared
/// after each segment), whose lookups missed that cache (1M Kyoto units:
/// `distinct_buckets`, bucket hashing inlined, 3.1 % of the import's
/// samples instead of 3.7 % with the bit set for every segment, perf).
pub fn distinct_buckets(lang: &Lang, token_hashes: &[u64]) -> Vec<u32> {
    let bigrams = token_hashes.len() + 1;
    let mut out = Vec::with_capacity(bigrams);
    if bigrams <= SMALL_SET / 2 {
        // At most half full. Buckets are hash values: their low bits
        // spread them over the table. No bucket is `EMPTY` (they have
        // BUCKET_BITS bits).
        const EMPTY: u32 = u32::MAX;
        let mut table = [EMPTY; SMALL_SET];
        let size = (2 * bigrams).next_power_of_two();
        let mask = size - 1;
        for_each_bucket(lang, token_hashes, |b| {
            let mut slot = b as usize & mask;
            loop {
                match table[slot] {
                    EMPTY => {
                        table[slot] = b;
                        out.push(b);
                        return;
                    }
                    seen if seen == b => return,
                    _ => slot = (slot + 1) & mask,
                }
            }
        });
        return out;
    }
    thread_local! {
        static SEEN: std::cell::RefCell<Vec<u64>> = std::cell::RefCell::new(vec![0; (1 << BUCKET_BITS) / 64]);
    }
    SEEN.with_borrow_mut(|seen| {
        for_each_bucket(lang, token_hashes, |b| {
            let (word, bit) = (b as usize / 64, 1u64 << (b % 64));
            if seen[word] & bit == 0 {
                seen[word] |= bit;
                out.push(b);
            }
        });
        for &b in &out {
            seen[b as usize / 64] = 0;
        }
        out
    })
}

/// Slots of [`distinct_buckets`]'s table on the stack (1 KB).
const SMALL_SET: usize = 256;

/// Calls `f` with the bucket of each padded bigram, in order, repeats
/// included.
fn for_each_bucket(lang: &Lang, token_hashes: &[u64], mut f: impl FnMut(u32)) {
    let lang_key = xxh3_64(lang.primary().as_bytes());
    let mut previous = START;
    // The last token's bigram with `$` after the loop, not chained to it:
    // the chain's test per token cost more than the bucket.
    for &hash in token_hashes {
        f(bucket(lang_key, previous, hash));
        previous = hash;
    }
    f(bucket(lang_key, previous, END));
}

/// The bucket of the bigram `first second` in `lang`: the key a segment
/// containing these two tokens in a row is indexed under.
pub fn bigram_bucket(lang: &Lang, first: &str, second: &str) -> u32 {
    bucket(xxh3_64(lang.primary().as_bytes()), token_hash(first), token_hash(second))
}

/// Mixes the language and two token hashes; the order of the tokens
/// matters (`a b` and `b a` are different bigrams).
fn bucket(lang: u64, first: u64, second: u64) -> u32 {
    let mixed = (lang ^ first.rotate_left(23)).wrapping_mul(0xff51_afd7_ed55_8ccd) ^ second;
    let mixed = (mixed ^ (mixed >> 33)).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    ((mixed ^ (mixed >> 29)) >> (64 - BUCKET_BITS)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize::normalize;
    use crate::text::tokens::tokens;

    fn of(lang: &str, text: &str) -> Vec<u32> {
        let normalized = normalize(text);
        let hashes: Vec<u64> = tokens(&normalized).into_iter().map(token_hash).collect();
        buckets(&Lang::parse(lang).unwrap(), &hashes)
    }

    proptest::proptest! {
        /// Both sets, the small table and the bit set, and repeats among
        /// few token values.
        #[test]
        fn distinct_buckets_are_the_sorted_buckets_of_any_tokens(hashes in proptest::collection::vec(0u64..40, 0..400)) {
            let en = Lang::parse("en").unwrap();
            let mut distinct = distinct_buckets(&en, &hashes);
            distinct.sort_unstable();
            proptest::prop_assert_eq!(distinct, buckets(&en, &hashes));
        }
    }

    #[test]
    fn distinct_buckets_are_the_buckets_in_some_order() {
        let ja = Lang::parse("ja").unwrap();
        for text in [
            "",
            "総務省",
            "したした。したした。",
            "の の の の",
            "第10回日・ASEAN情報セキュリティ政策会議を開催した。",
            // Longer than the table on the stack takes, with repeats.
            &"総務省は会議を開催した。".repeat(20),
            &"会議".repeat(70),
        ] {
            let hashes: Vec<u64> = tokens(&normalize(text)).into_iter().map(token_hash).collect();
            let mut distinct = distinct_buckets(&ja, &hashes);
            distinct.sort_unstable();
            assert_eq!(distinct, buckets(&ja, &hashes), "{text:?}");
        }
    }

    #[test]
    fn a_segment_of_n_tokens_has_up_to_n_plus_one_buckets() {
        assert_eq!(of("ja", "総務省").len(), 4);
        assert_eq!(of("en", "IoT").len(), 2);
        assert!(of("en", "").len() == 1, "an empty segment still has the bigram ^ $");
    }

    #[test]
    fn a_bigram_bucket_is_one_of_the_segments() {
        let ja = Lang::parse("ja").unwrap();
        assert!(of("ja", "政策会議の開催").binary_search(&bigram_bucket(&ja, "会", "議")).is_ok());
    }

    #[test]
    fn order_language_and_region() {
        assert_ne!(of("en", "cyber security"), of("en", "security cyber"));
        assert_ne!(of("en", "5G"), of("de", "5G"));
        assert_eq!(of("en-GB", "The meeting"), of("en-US", "the meeting"));
        assert_eq!(of("ja", "ＡＳＥＡＮ諸国"), of("ja", "ASEAN諸国"));
    }

    #[test]
    fn one_substitution_changes_at_most_two_buckets() {
        let a = of("ja", "第10回日・ASEAN情報セキュリティ政策会議");
        let b = of("ja", "第11回日・ASEAN情報セキュリティ政策会議");
        let shared = a.iter().filter(|x| b.binary_search(x).is_ok()).count();
        assert!(shared + 2 >= a.len(), "{shared} of {}", a.len());
    }
}
