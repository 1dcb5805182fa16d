//! Tokens: the units the edit distance counts.
//!
//! - Space-delimited scripts give **words**: maximal runs of letters, digits
//!   and combining marks. Whitespace and punctuation end a word and are
//!   dropped; a `,` or `.` between two digits stays inside it, so `1,200`,
//!   `3.5` and `2017` are one token each.
//! - CJK text gives **one token per character** (Han, kana, Hangul):
//!   Japanese has no spaces, and single characters keep short sentences
//!   measurable where 4-character chunks (Okapi) are too coarse to see a
//!   one-character change.
//! - **Mixed runs** split where the script changes: `5G` stays one token,
//!   `IoT機器` is `iot` `機` `器`, `ASEAN諸国` is `asean` `諸` `国`, `第10回` is
//!   `第` `10` `回`.
//! - Symbols (`$ + → ©`, emoji) are one token each.
//!
//! Scripts written without spaces that are not CJK (Thai, Khmer, Lao,
//! Burmese) come out as one token per space-delimited run.

use crate::text::normalize::{
    is_ascii_punctuation, is_ascii_white, is_cjk, is_ignorable, is_kana_or_kanji, is_mark, is_punctuation, stable_char, three_byte_char,
    StableChar,
};
use std::ops::Range;

/// The tokens of `normalized`, in order, as slices of it. Pass the output
/// of [`normalize`](crate::text::normalize::normalize): tokenising does not
/// fold case or width itself, so `IoT` and `iot` are different tokens unless
/// the text was normalised first.
pub fn tokens(normalized: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for_each_token(normalized, |t| out.push(t));
    out
}

/// Calls `f` with each of [`tokens`]`(normalized)`, in order, without
/// collecting them.
pub fn for_each_token<'t>(normalized: &'t str, mut f: impl FnMut(&'t str)) {
    for_each_piece(normalized, |p| {
        if !p.punct {
            f(&normalized[p.range]);
        }
    });
}

/// [`for_each_token`] of [`normalize`]`(text)`, for text that
/// [`fold_stable`] accepts, in one pass over `text` itself; `false`, after
/// calling `letter` and `f` for a part of the text only, for other text.
/// Import tokenises every segment, most of them such text: folding into a
/// normalised copy and tokenising that copy were two passes over each
/// segment and an allocation.
///
/// Each character of `text` is folded as `fold_stable` folds it (full-width
/// ASCII to ASCII, ASCII to lower case, U+3000 and ASCII whitespace to a
/// space), and `letter` is called with each folded character that is
/// neither whitespace nor punctuation: the letters
/// [`MatchKeys`](crate::text::keys::MatchKeys) hashes.
///
/// Such text needs none of the general tokeniser's Unicode lookups, and its
/// tokens follow from each folded character alone: a run of ASCII letters
/// and digits is a word (with a `,` or `.` between two digits inside it), any
/// other ASCII character but whitespace, control characters and punctuation
/// is a token of its own, and so is every CJK character but punctuation
/// (none of them is whitespace, a mark or invisible). Tested against
/// `fold_stable` and [`for_each_token`] for every character and by proptest.
///
/// [`fold_stable`]: crate::text::normalize::fold_stable
/// [`normalize`]: crate::text::normalize::normalize
pub(crate) fn for_each_stable_token(text: &str, mut letter: impl FnMut(char), mut f: impl FnMut(&[u8])) -> bool {
    let bytes = text.as_bytes();
    let mut word = Word::new(bytes);
    // A `,` or `.` right after a digit of the word: inside the word if a
    // digit follows, the word's end otherwise.
    let mut separator = None;
    let mut i = 0;
    while i < bytes.len() {
        // ASCII first, without decoding: most characters of most segments.
        let b = bytes[i];
        if is_lower_alnum(b) && separator.is_none() {
            // A run of lower-case letters and digits, as most of a word
            // is: each is a letter, stays as it is and extends the word,
            // so the run is taken whole. A `,` or `.` after a digit ends
            // the run and is weighed below.
            let start = i;
            loop {
                letter(char::from(bytes[i]));
                i += 1;
                if i == bytes.len() || !is_lower_alnum(bytes[i]) {
                    break;
                }
            }
            word.push_run(start, i - start);
            continue;
        }
        let (folded, verbatim, at) = if b < 0x80 {
            i += 1;
            (b.to_ascii_lowercase(), !b.is_ascii_uppercase(), i - 1)
        } else if let Some(c) = kana_or_kanji(bytes, i) {
            // Japanese letters: a token each, and none is punctuation.
            word.end(&mut separator, &mut f);
            letter(c);
            f(&bytes[i..i + 3]);
            i += 3;
            continue;
        } else {
            let Some((c, len)) = stable_char(bytes, i) else { return false };
            i += len;
            match c {
                StableChar::White => {
                    word.end(&mut separator, &mut f);
                    continue;
                }
                StableChar::Ascii(b) | StableChar::Wide(b) => (b.to_ascii_lowercase(), false, i - len),
                StableChar::Cjk(c) => {
                    word.end(&mut separator, &mut f);
                    if !is_punctuation(c) {
                        letter(c);
                        f(&bytes[i - len..i]);
                    }
                    continue;
                }
            }
        };
        let class = ASCII_CLASS[usize::from(folded)];
        if class & WHITE != 0 {
            word.end(&mut separator, &mut f);
            continue;
        }
        if class & LETTER != 0 {
            letter(char::from(folded));
        }
        if class & ALNUM != 0 {
            match separator.take() {
                Some((s, s_at, s_verbatim)) if class & DIGIT != 0 => word.push(s, s_at, s_verbatim),
                Some(_) => word.end(&mut None, &mut f),
                None => {}
            }
            word.push(folded, at, verbatim);
        } else if class & SEPARATOR != 0 && separator.is_none() && word.ends_with_digit() {
            separator = Some((folded, at, verbatim));
        } else {
            word.end(&mut separator, &mut f);
            if class & SYMBOL != 0 {
                f(&[folded]);
            }
        }
    }
    word.end(&mut separator, &mut f);
    true
}

/// The character at `i` when it [`is_kana_or_kanji`]: the stable CJK
/// characters that are never punctuation, most of Japanese text, read
/// before (and without) the general classifier [`stable_char`].
#[inline(always)]
fn kana_or_kanji(bytes: &[u8], i: usize) -> Option<char> {
    // Valid UTF-8: a lead byte of E3–E9 starts a three-byte sequence, and
    // the kana and the kanji of `is_kana_or_kanji` (U+3041–U+9FFF) have
    // such lead bytes.
    if !(0xE3..=0xE9).contains(&bytes[i]) {
        return None;
    }
    let c = three_byte_char(bytes, i);
    is_kana_or_kanji(c).then(|| char::from_u32(c)).flatten()
}

/// How [`for_each_stable_token`] treats an ASCII character, by its
/// lower-cased byte: one table lookup instead of a test per property.
const ASCII_CLASS: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut b = 0u8;
    while b < 128 {
        let punctuation = is_ascii_punctuation(b);
        table[b as usize] = if is_ascii_white(b) {
            WHITE
        } else {
            let letter = if punctuation { 0 } else { LETTER };
            let kind = if b.is_ascii_digit() {
                ALNUM | DIGIT
            } else if b.is_ascii_alphanumeric() {
                ALNUM
            } else if matches!(b, b',' | b'.') {
                SEPARATOR
            } else if b > b' ' && b != 0x7F && !punctuation {
                SYMBOL
            } else {
                0
            };
            letter | kind
        };
        b += 1;
    }
    table
};
/// Whitespace: ends a word.
const WHITE: u8 = 1;
/// Neither whitespace nor punctuation: hashed as a letter.
const LETTER: u8 = 2;
/// A letter or digit: part of a word.
const ALNUM: u8 = 4;
const DIGIT: u8 = 8;
/// `,` or `.`: inside a number, between two digits.
const SEPARATOR: u8 = 16;
/// Any other visible character but punctuation: a token of its own.
const SYMBOL: u8 = 32;

/// A lower-case ASCII letter or digit: a letter of a word, as it is.
#[inline(always)]
fn is_lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// The ASCII word being read by [`for_each_stable_token`], folded. While
/// every character of it is in `text` as it folds (lower-case ASCII, one
/// byte each), the word is that slice of `text` and nothing is copied; the
/// first one that is not (an upper-case letter, a full-width form) copies
/// the word so far to a buffer on the stack of up to [`Word::INLINE`]
/// bytes, so that tokenising a segment allocates nothing.
struct Word<'t> {
    text: &'t [u8],
    /// Where the word starts in `text`, while it is a slice of it.
    start: usize,
    len: usize,
    /// The word is `text[start..start + len]`; when false, it is in
    /// `inline` (or `long`, once longer).
    verbatim: bool,
    inline: [u8; Word::INLINE],
    /// The word, once longer than `inline`.
    long: Vec<u8>,
}

impl<'t> Word<'t> {
    const INLINE: usize = 64;

    fn new(text: &'t [u8]) -> Word<'t> {
        Word {
            text,
            start: 0,
            len: 0,
            verbatim: true,
            inline: [0; Word::INLINE],
            long: Vec::new(),
        }
    }

    /// Appends `b`, the folded form of the character at `at` in the text,
    /// which is `b` itself when `verbatim`.
    #[inline(always)]
    fn push(&mut self, b: u8, at: usize, verbatim: bool) {
        if self.len == 0 {
            self.start = at;
            self.verbatim = true;
        }
        if self.verbatim {
            if verbatim && at == self.start + self.len {
                self.len += 1;
                return;
            }
            self.copy_from_text();
        }
        self.push_copied(b);
    }

    /// Appends `b` to the word's own buffer.
    #[inline(always)]
    fn push_copied(&mut self, b: u8) {
        if self.len < Word::INLINE {
            self.inline[self.len] = b;
            self.len += 1;
        } else {
            self.push_long(b);
        }
    }

    /// Appends `text[at..at + len]`, characters that fold to themselves.
    #[inline(always)]
    fn push_run(&mut self, at: usize, len: usize) {
        if self.len == 0 {
            self.start = at;
            self.verbatim = true;
        }
        if self.verbatim && at == self.start + self.len {
            self.len += len;
            return;
        }
        for i in at..at + len {
            self.push(self.text[i], i, true);
        }
    }

    /// Copies the word so far from the text to the buffer.
    #[inline(never)]
    fn copy_from_text(&mut self) {
        let (start, len) = (self.start, self.len);
        self.len = 0;
        self.verbatim = false;
        for i in start..start + len {
            self.push_copied(self.text[i]);
        }
    }

    #[inline(never)]
    fn push_long(&mut self, b: u8) {
        if self.len == Word::INLINE {
            self.long.clear();
            self.long.extend_from_slice(&self.inline);
        }
        self.long.push(b);
        self.len += 1;
    }

    fn bytes(&self) -> &[u8] {
        if self.verbatim {
            &self.text[self.start..self.start + self.len]
        } else if self.len <= Word::INLINE {
            &self.inline[..self.len]
        } else {
            &self.long
        }
    }

    fn ends_with_digit(&self) -> bool {
        self.bytes().last().is_some_and(u8::is_ascii_digit)
    }

    /// Gives the word, if any, to `f` and starts the next one; a pending
    /// separator was not inside the word, and is punctuation: no token.
    fn end(&mut self, separator: &mut Option<(u8, usize, bool)>, f: &mut impl FnMut(&[u8])) {
        *separator = None;
        if self.len > 0 {
            f(self.bytes());
            self.len = 0;
        }
    }
}

/// A token or punctuation character of a text, by byte range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Piece {
    pub range: Range<usize>,
    /// A punctuation character (with its combining marks), not a token.
    pub punct: bool,
}

/// What may still extend the last piece.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Grow {
    /// Nothing: whitespace came since, or no piece yet.
    No,
    /// Combining marks and invisible characters only.
    Marks,
    /// A word: letters, digits, marks, a separator inside a number.
    Word,
}

/// Splits `text` into its tokens and punctuation characters, in order;
/// whitespace, control characters and stray invisible characters belong to
/// no piece. Works on any text, normalised or not: the diff runs it on the
/// text as written, so it also recognises half-width katakana voiced marks
/// (`ｶﾞ`, which NFKC would compose) as part of the character before them.
pub(crate) fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    for_each_piece(text, |p| out.push(p));
    out
}

/// Calls `f` with each of [`pieces`]`(text)`, in order. A piece is passed
/// on once nothing can extend it any more.
fn for_each_piece(text: &str, mut f: impl FnMut(Piece)) {
    // The piece being built; `grow` says what may still extend it.
    let mut current: Option<Piece> = None;
    let mut start_new = |current: &mut Option<Piece>, range: Range<usize>, punct: bool| {
        if let Some(done) = current.replace(Piece { range, punct }) {
            f(done);
        }
    };
    let extend = |current: &mut Option<Piece>, end: usize| {
        if let Some(last) = current {
            last.range.end = end;
        }
    };
    let mut grow = Grow::No;
    let mut prev = ' ';
    let bytes = text.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        // Fast paths for the characters most text is made of, which the
        // Unicode property lookups below would classify the same way: a run
        // of ASCII letters and digits at once, then single kana and kanji.
        if bytes[start].is_ascii_alphanumeric() {
            let end = bytes[start..]
                .iter()
                .position(|b| !b.is_ascii_alphanumeric())
                .map_or(bytes.len(), |n| start + n);
            if grow == Grow::Word {
                extend(&mut current, end);
            } else {
                start_new(&mut current, start..end, false);
                grow = Grow::Word;
            }
            prev = char::from(bytes[end - 1]);
            start = end;
            continue;
        }
        let Some(c) = text[start..].chars().next() else { break };
        let end = start + c.len_utf8();
        if matches!(c as u32, 0x3041..=0x3096 | 0x30A1..=0x30FA | 0x4E00..=0x9FFF) {
            start_new(&mut current, start..end, false);
            grow = Grow::Marks;
            prev = c;
            start = end;
            continue;
        }
        grow = if c.is_whitespace() || c.is_control() {
            Grow::No
        } else if grow != Grow::No && (is_mark(c) || is_ignorable(c) || matches!(c, '\u{FF9E}' | '\u{FF9F}')) {
            // It attaches to the piece before it.
            extend(&mut current, end);
            grow
        } else if is_ignorable(c) {
            grow
        } else if is_punctuation(c) {
            let next = text[end..].chars().next().unwrap_or(' ');
            if grow == Grow::Word && matches!(c, ',' | '.' | '，' | '．') && is_digit(prev) && is_digit(next) {
                extend(&mut current, end);
                Grow::Word
            } else {
                start_new(&mut current, start..end, true);
                Grow::Marks
            }
        } else if is_cjk(c) || !(c.is_alphanumeric() || is_mark(c)) {
            start_new(&mut current, start..end, false);
            Grow::Marks
        } else if grow == Grow::Word {
            extend(&mut current, end);
            Grow::Word
        } else {
            start_new(&mut current, start..end, false);
            Grow::Word
        };
        prev = c;
        start = end;
    }
    if let Some(done) = current {
        f(done);
    }
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize::{fold_stable, normalize};
    use proptest::prelude::*;

    fn owned(tokens: Vec<&str>) -> Vec<String> {
        tokens.into_iter().map(str::to_string).collect()
    }

    fn stable_tokens(text: &str) -> Option<Vec<String>> {
        let mut out = Vec::new();
        for_each_stable_token(text, |_| {}, |t| out.push(String::from_utf8(t.to_vec()).unwrap())).then_some(out)
    }

    fn toks(s: &str) -> Vec<String> {
        tokens(&normalize(s)).into_iter().map(str::to_string).collect()
    }

    #[test]
    fn words_for_spaced_scripts_without_punctuation() {
        assert_eq!(
            toks("The 10th meeting was held in 2017."),
            ["the", "10th", "meeting", "was", "held", "in", "2017"]
        );
        assert_eq!(toks("ICT-related \"e-mail\" (draft)"), ["ict", "related", "e", "mail", "draft"]);
        assert_eq!(toks("Café déjà vu"), ["café", "déjà", "vu"]);
    }

    #[test]
    fn numbers_keep_their_separators() {
        assert_eq!(toks("1,200 units, 3.5% and 2017."), ["1,200", "units", "3.5", "and", "2017"]);
        assert_eq!(toks("１，２００円"), ["1,200", "円"]);
        // A comma or full stop that is not between digits is punctuation.
        assert_eq!(toks("In 2017, 5.")[1..], ["2017", "5"]);
    }

    #[test]
    fn cjk_is_one_token_per_character() {
        assert_eq!(
            toks("総務省は会議を開催しました。"),
            ["総", "務", "省", "は", "会", "議", "を", "開", "催", "し", "ま", "し", "た"]
        );
        assert_eq!(
            toks("「セキュリティ」・ガイドライン"),
            ["セ", "キ", "ュ", "リ", "テ", "ィ", "ガ", "イ", "ド", "ラ", "イ", "ン"]
        );
        assert_eq!(toks("情報通信白書々〇"), ["情", "報", "通", "信", "白", "書", "々", "〇"]);
    }

    #[test]
    fn mixed_runs_split_where_the_script_changes() {
        assert_eq!(toks("5G"), ["5g"]);
        assert_eq!(toks("IoT機器"), ["iot", "機", "器"]);
        assert_eq!(toks("ASEAN諸国"), ["asean", "諸", "国"]);
        assert_eq!(toks("ＡＳＥＡＮ諸国"), ["asean", "諸", "国"]);
        assert_eq!(toks("第10回日・ASEAN"), ["第", "10", "回", "日", "asean"]);
        assert_eq!(toks("2017年10月"), ["2017", "年", "10", "月"]);
    }

    #[test]
    fn symbols_are_single_tokens() {
        assert_eq!(toks("C++ costs $5 → ¥600"), ["c", "+", "+", "costs", "$", "5", "→", "¥", "600"]);
    }

    #[test]
    fn half_width_voiced_marks_stay_with_their_kana_in_raw_text() {
        let raw = "ｶﾞｲﾄﾞ";
        let got: Vec<&str> = pieces(raw).into_iter().map(|p| &raw[p.range]).collect();
        assert_eq!(got, ["ｶﾞ", "ｲ", "ﾄﾞ"]);
    }

    #[test]
    fn stable_tokens_are_the_tokens_around_every_character() {
        let mut normalized = String::new();
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            for text in [format!("{c}"), format!("1{c}2 a{c}b"), format!("漢{c}。x{c}")] {
                assert_eq!(
                    stable_tokens(&text),
                    fold_stable(&text, &mut normalized).then(|| owned(tokens(&normalized))),
                    "{text:?}"
                );
            }
        }
    }

    #[test]
    fn stable_tokens_of_words_longer_than_the_inline_buffer() {
        let mut normalized = String::new();
        let long_number = (0..40).map(|i| (i % 10).to_string()).collect::<Vec<_>>().join(",");
        for text in [
            "A".repeat(Word::INLINE - 1),
            "a".repeat(Word::INLINE),
            format!("{} x", "Ｂ".repeat(Word::INLINE + 1)),
            format!("{}漢{}", "b".repeat(3 * Word::INLINE), "c".repeat(Word::INLINE + 7)),
            long_number.clone(),
            format!("{long_number}, 12.5 {long_number}."),
            // Copied from the text only from an upper-case letter or a
            // full-width form on, the part before it longer than the buffer.
            format!("{}B{}", "a".repeat(Word::INLINE + 6), "c".repeat(3)),
            format!("{}Ｄe", "a".repeat(Word::INLINE - 1)),
            format!("{}，5 1，{}", "1".repeat(Word::INLINE + 2), "2".repeat(Word::INLINE)),
        ] {
            assert!(fold_stable(&text, &mut normalized), "{text:?}");
            assert_eq!(stable_tokens(&text), Some(owned(tokens(&normalized))), "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn stable_tokens_are_the_tokens(s in prop_oneof![
            "[a-zA-Zａ-ｚＡ-Ｚ0-9０-９ ,.，．、。\t\n\u{1}\u{7f}$+!?（）「」・ー々〒ヽ〜漢字かなカナ\u{3000}]{0,30}",
            any::<String>(),
        ]) {
            let mut normalized = String::new();
            prop_assert_eq!(stable_tokens(&s), fold_stable(&s, &mut normalized).then(|| owned(tokens(&normalized))));
        }

        #[test]
        fn pieces_are_ordered_disjoint_nonempty_and_on_char_boundaries(s in any::<String>()) {
            let mut last_end = 0;
            for p in pieces(&s) {
                prop_assert!(p.range.start >= last_end && p.range.start < p.range.end);
                prop_assert!(s.is_char_boundary(p.range.start) && s.is_char_boundary(p.range.end));
                prop_assert!(!s[p.range.clone()].chars().any(char::is_whitespace));
                last_end = p.range.end;
            }
        }
    }
}
