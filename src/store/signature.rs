//! Signatures: what a lookup needs to score a candidate without loading
//! its text.
//!
//! Each unit's row holds, in its `fuzzy` column, the signature of every
//! segment the index has of it (its first variant in each language): the
//! segment's language tag, its letters hash cut to 32 bits and its token
//! hashes cut to 16 bits ([`MatchKeys`]). A lookup computes the fuzzy score
//! from them, which is an upper bound on the candidate's real score:
//!
//! - cut token hashes can only collide, making two different tokens look
//!   equal and never two equal tokens different, so the edit distance over
//!   them is never more than over the tokens: the score is never lower;
//! - cut letters that differ prove that the letters differ, so the
//!   candidate can only be a fuzzy match; when they agree, the candidate may
//!   be a formatting or exact match, and its bound is 100.
//!
//! Collisions are rare (a lookup compares a few thousand token pairs per
//! candidate against 65,536 values), so the bound is almost always the
//! score, and a lookup loads the text only of the candidates whose bound
//! reaches its results. Two bytes per token keep the signatures about half
//! the size of the text they describe.
//!
//! Layout, per segment: `[tag length: u8][tag][letters: u32 LE][token
//! count: varint][token count × u16 LE]`. A unit whose signature is missing
//! (its tag too long to encode, say) is scored from its text.

use super::index::{get_varint, put_varint};
use crate::lang::Lang;
use crate::text::keys::MatchKeys;

/// The signature of a unit's indexed segments, each given as its language
/// and keys; `None` when one cannot be encoded.
pub fn encode<'k, S>(segments: S) -> Option<Vec<u8>>
where
    S: IntoIterator<Item = (&'k Lang, &'k MatchKeys)>,
    S::IntoIter: Clone,
{
    let segments = segments.into_iter();
    // Sized up front (a varint takes at most 10 bytes): this runs for every
    // imported unit, and growing from empty took about six allocations.
    let size = segments
        .clone()
        .map(|(lang, keys)| 1 + lang.as_str().len() + 4 + 10 + 2 * keys.token_hashes.len())
        .sum();
    let mut out = Vec::with_capacity(size);
    for (lang, keys) in segments {
        let tag = lang.as_str().as_bytes();
        out.push(u8::try_from(tag.len()).ok()?);
        out.extend_from_slice(tag);
        out.extend_from_slice(&cut_letters(keys.letters).to_le_bytes());
        put_varint(&mut out, keys.token_hashes.len() as u64);
        // Room for all tokens first, then filled: pushing two bytes per
        // token checked the capacity for each.
        let start = out.len();
        out.resize(start + 2 * keys.token_hashes.len(), 0);
        for (slot, &hash) in out[start..].chunks_exact_mut(2).zip(&keys.token_hashes) {
            slot.copy_from_slice(&cut_token(hash).to_le_bytes());
        }
    }
    Some(out)
}

/// A letters hash as a signature holds it.
pub fn cut_letters(letters: u64) -> u32 {
    letters as u32
}

/// A token hash as a signature holds it.
pub fn cut_token(hash: u64) -> u16 {
    hash as u16
}

/// What a unit's signature says about it as a candidate for `src` → `tgt`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signature<'b> {
    /// The unit does not exist or lacks one of the two languages.
    Absent,
    /// The signature cannot tell: score the unit from its text.
    Unknown,
    /// The signature of the unit's `src` segment.
    Known(SegmentSignature<'b>),
}

/// One segment's signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentSignature<'b> {
    /// [`cut_letters`] of its letters hash.
    pub letters: u32,
    /// Its token hashes, two bytes each.
    tokens: &'b [u8],
}

impl<'b> SegmentSignature<'b> {
    /// [`cut_token`] of each token hash, in order.
    pub fn tokens(&self) -> impl DoubleEndedIterator<Item = u16> + ExactSizeIterator + Clone + 'b {
        self.tokens.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]))
    }
}

/// Reads the signature `blob` of a unit whose languages are `langs` (the
/// store's space-separated list) as a candidate for `src` → `tgt`. A
/// lookup scores the variant [`Store::source_text`](super::Store::source_text)
/// gives, the first that `src` selects; the signature holds the first
/// variant of `src`'s primary language, so it speaks for it only when `src`
/// selects that one too.
pub fn read<'b>(blob: Option<&'b [u8]>, langs: &str, src: &Lang, tgt: &Lang) -> Signature<'b> {
    if !langs.split(' ').any(|l| tgt.selects(l)) || !langs.split(' ').any(|l| src.selects(l)) {
        return Signature::Absent;
    }
    let Some(mut rest) = blob else { return Signature::Unknown };
    while let Some((&tag_len, after)) = rest.split_first() {
        let Some((tag, after)) = after.split_at_checked(usize::from(tag_len)) else {
            break;
        };
        let Some((letters, after)) = after.split_at_checked(4) else { break };
        let Some((count, n)) = get_varint(after) else { break };
        let Some((tokens, after)) = usize::try_from(count)
            .ok()
            .and_then(|c| after[n..].split_at_checked(c.checked_mul(2)?))
        else {
            break;
        };
        rest = after;
        let Ok(tag) = std::str::from_utf8(tag) else { break };
        if tag.split('-').next() == Some(src.primary()) {
            if !src.selects(tag) {
                break;
            }
            return Signature::Known(SegmentSignature {
                letters: u32::from_le_bytes([letters[0], letters[1], letters[2], letters[3]]),
                tokens,
            });
        }
    }
    // Damaged, or the unit's `src` variant is not the one indexed.
    Signature::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(tag: &str) -> Lang {
        Lang::parse(tag).unwrap()
    }

    #[test]
    fn a_signature_reads_back_per_language() {
        let (ja, en) = (MatchKeys::of("総務省は会議を開催"), MatchKeys::of("The ministry held a meeting"));
        let (l_ja, l_en) = (lang("ja"), lang("en-GB"));
        let blob = encode([(&l_ja, &ja), (&l_en, &en)]).unwrap();
        let Signature::Known(read_ja) = read(Some(&blob), "en-GB ja", &l_ja, &lang("en")) else {
            panic!()
        };
        assert_eq!(read_ja.letters, cut_letters(ja.letters));
        assert_eq!(
            read_ja.tokens().collect::<Vec<_>>(),
            ja.token_hashes.iter().map(|&h| cut_token(h)).collect::<Vec<_>>()
        );
        let Signature::Known(read_en) = read(Some(&blob), "en-GB ja", &lang("en"), &l_ja) else {
            panic!()
        };
        assert_eq!(read_en.tokens().len(), en.token_hashes.len());
        // en-US is not the variant indexed: the text decides.
        assert_eq!(read(Some(&blob), "en-GB en-US ja", &lang("en-US"), &l_ja), Signature::Unknown);
        // A language the unit lacks, on either side.
        assert_eq!(read(Some(&blob), "en-GB ja", &l_ja, &lang("fr")), Signature::Absent);
        assert_eq!(read(Some(&blob), "en-GB ja", &lang("fr"), &l_ja), Signature::Absent);
        assert_eq!(read(None, "en-GB ja", &l_ja, &l_en), Signature::Unknown);
    }

    #[test]
    fn a_damaged_signature_defers_to_the_text() {
        let keys = MatchKeys::of("総務省");
        let blob = encode([(&lang("ja"), &keys)]).unwrap();
        for cut in 0..blob.len() {
            let read = read(Some(&blob[..cut]), "en ja", &lang("ja"), &lang("en"));
            assert_eq!(read, Signature::Unknown, "cut at {cut}");
        }
    }
}
