//! Normalisation for matching.
//!
//! Two segments a translator would call "the same words" must compare equal
//! after [`normalize`], whatever keyboard, tool or OS produced them:
//!
//! - **Width** ([`fold_width`]): Unicode NFKC. It turns full-width Latin and
//!   digits into ASCII (`ＡＳＥＡＮ１２` → `ASEAN12`), half-width katakana into
//!   full-width with their voiced marks composed (`ｶﾞｲﾄﾞ` → `ガイド`), the
//!   ideographic space U+3000 and the no-break space into a space, and
//!   compatibility characters into their letters (`ﬁ` → `fi`, `㍻` → `平成`).
//! - **Case**: `to_lowercase`.
//! - **Invisible characters** (Unicode's Default_Ignorable_Code_Point: zero
//!   width space, soft hyphen, BOM, variation selectors…) are removed, as
//!   Unicode's own NFKC_Casefold does: they change nothing a reader sees.
//! - **Whitespace**: every run of Unicode whitespace becomes one ASCII space;
//!   the ends are trimmed.
//!
//! Punctuation is kept: it still separates words. [`strip_punctuation`]
//! removes it where a caller wants to know whether two texts differ only in
//! punctuation.
//!
//! Invariant (tested for every code point and by proptest): `normalize` is
//! idempotent.

use regex_syntax::hir::{Class, HirKind};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

/// The text in its matching form: invisible characters removed, NFKC,
/// lower case, whitespace collapsed to single spaces and trimmed.
pub fn normalize(s: &str) -> String {
    normalize_stable(s).unwrap_or_else(|| normalize_unicode(s))
}

/// [`normalize`] of text that needs no Unicode tables (see
/// [`fold_stable`]), `None` for other text. Such text is its own NFKC form
/// once its width is folded, before and after lower-casing.
pub fn normalize_stable(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    fold_stable(s, &mut out).then_some(out)
}

/// [`normalize`] of text made only of ASCII, full-width ASCII, the
/// ideographic space and `is_stable_cjk` characters, into `out`, in one
/// pass without Unicode tables; `false` (with `out` unspecified) for any
/// other text. Most Japanese and English segments are such text, and this
/// is what indexing them costs at import.
///
/// Import folds such text as it tokenises it, in one pass (the crate's
/// `tokens::for_each_stable_token`); this is the folding alone, for the
/// text itself.
///
/// Why it gives the same result: no such character is invisible; after
/// full-width ASCII becomes ASCII, every character is an NFKC starter that
/// composes with nothing (quick check Yes, combining class 0), so the text
/// is its own NFKC form; only ASCII letters have a lower case; and the only
/// whitespace is ASCII whitespace and U+3000, collapsed here as
/// [`collapse_whitespace`] does (tested per character and by proptest).
pub fn fold_stable(s: &str, out: &mut String) -> bool {
    out.clear();
    // Byte by byte rather than char by char, and what is kept as it is
    // copied a run at a time: ASCII needs no decoding, every other stable
    // character is three bytes of UTF-8 (U+3000–U+FFFF), and most
    // characters are kept. This is most of the cost of normalising at import
    // (callgrind, 20,000 Kyoto units: 10k instructions a unit char by char).
    let bytes = s.as_bytes();
    let mut space = false;
    // `s[kept..i]` is still to be copied (and ASCII lower-cased).
    let mut kept = 0;
    let mut i = 0;
    while i < bytes.len() {
        let Some((c, len)) = stable_char(bytes, i) else { return false };
        // What replaces the character.
        let replacement = match c {
            StableChar::Ascii(_) | StableChar::Cjk(_) => {
                i += len;
                continue;
            }
            // A single space between two kept characters stays as it is:
            // English text then is one run, not one per word.
            StableChar::White
                if bytes[i] == b' '
                    && i > kept
                    && bytes.get(i + 1).is_some_and(|&n| !is_ascii_white(n))
                    && !bytes[i + 1..].starts_with("\u{3000}".as_bytes()) =>
            {
                i += 1;
                continue;
            }
            StableChar::White => b' ',
            StableChar::Wide(ascii) => ascii,
        };
        push_kept(out, &s[kept..i], &mut space);
        if replacement == b' ' {
            space = !out.is_empty();
        } else {
            push_kept(out, char::from(replacement).encode_utf8(&mut [0; 4]), &mut space);
        }
        i += len;
        kept = i;
    }
    push_kept(out, &s[kept..], &mut space);
    true
}

/// A character of the text [`fold_stable`] accepts, as both it and
/// import's one-pass tokeniser (`tokens::for_each_stable_token`) read it.
#[derive(Clone, Copy)]
pub(crate) enum StableChar {
    /// ASCII whitespace or the ideographic space U+3000.
    White,
    /// Any other ASCII character, as it is (not lower-cased).
    Ascii(u8),
    /// A full-width ASCII character (U+FF01–U+FF5E): the ASCII it folds to.
    Wide(u8),
    /// An [`is_stable_cjk`] character.
    Cjk(char),
}

/// The character of `bytes` (valid UTF-8) at `i` and its length in bytes,
/// `None` when it is none of [`StableChar`].
#[inline(always)]
pub(crate) fn stable_char(bytes: &[u8], i: usize) -> Option<(StableChar, usize)> {
    let b = bytes[i];
    if b < 0x80 {
        return Some((
            if is_ascii_white(b) {
                StableChar::White
            } else {
                StableChar::Ascii(b)
            },
            1,
        ));
    }
    if !(0xE3..=0xEF).contains(&b) {
        return None;
    }
    let c = three_byte_char(bytes, i);
    let c = match c {
        0xFF01..=0xFF5E => StableChar::Wide((c - 0xFF01 + 0x21) as u8),
        0x3000 => StableChar::White,
        c => StableChar::Cjk(char::from_u32(c).filter(|&c| is_stable_cjk(c))?),
    };
    Some((c, 3))
}

/// The code point of the three-byte UTF-8 sequence at `i` of `bytes`
/// (valid UTF-8, with a lead byte of E0–EF at `i`).
#[inline(always)]
pub(crate) fn three_byte_char(bytes: &[u8], i: usize) -> u32 {
    u32::from(bytes[i] & 0x0F) << 12 | u32::from(bytes[i + 1] & 0x3F) << 6 | u32::from(bytes[i + 2] & 0x3F)
}

/// ASCII whitespace: U+0009–U+000D and the space (`char::is_whitespace`).
#[inline(always)]
pub(crate) const fn is_ascii_white(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ')
}

/// Appends `text` (ASCII lower-cased) to `out`, after the space `space`
/// says is pending.
fn push_kept(out: &mut String, text: &str, space: &mut bool) {
    if text.is_empty() {
        return;
    }
    if *space {
        out.push(' ');
        *space = false;
    }
    let at = out.len();
    out.push_str(text);
    out[at..].make_ascii_lowercase();
}

/// Japanese characters (kanji, kana, CJK punctuation) that [`normalize`]
/// leaves as they are and that compose with no neighbour: the NFKC
/// starters with quick check Yes, no case, visible, not whitespace.
fn is_stable_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3001..=0x3029         // 、。〃々〆〇 and brackets, 〒, 〓…
        | 0x3030..=0x3035       //   (not the tone marks U+302A–302F)
        | 0x303B..=0x303F       //   (not 〶 or the Hangzhou numerals)
        | 0x3041..=0x3096       // hiragana (not the voiced marks U+3099–309C)
        | 0x309D..=0x309E       // ゝゞ
        | 0x30A0..=0x30FE       // katakana, ・ー ヽヾ (not ヿ)
        | 0x4E00..=0x9FFF       // CJK unified ideographs
    )
}

/// [`normalize`] for any text, with the Unicode tables.
fn normalize_unicode(s: &str) -> String {
    // Invisible characters go first: removing one from between a letter and
    // its combining mark afterwards would leave an uncomposed pair, and
    // `normalize` would no longer be idempotent.
    let visible: String;
    let s = if s.chars().any(is_ignorable) {
        visible = s.chars().filter(|&c| !is_ignorable(c)).collect();
        &visible
    } else {
        s
    };
    let folded = fold_width(s);
    let lowered = folded.to_lowercase();
    // Lower-casing can undo NFKC (`İ` becomes `i` + U+0307, which must be
    // reordered before a following mark of lower combining class), so text
    // that lower-casing changed is normalised once more.
    let lowered = if lowered != folded && !lowered.is_ascii() {
        fold_width(&lowered)
    } else {
        lowered
    };
    collapse_whitespace(&lowered)
}

/// Unicode NFKC: full-/half-width and compatibility forms folded.
pub fn fold_width(s: &str) -> String {
    // ASCII is its own NFKC form, and most English segments are ASCII.
    if s.is_ascii() {
        return s.to_string();
    }
    // Full-width ASCII (U+FF01–FF5E: `（）：０-９Ａ-Ｚ`) and the ideographic
    // space are the compatibility characters of most Japanese text. Each
    // decomposes to one ASCII character, so replacing them first leaves the
    // NFKC of the text as it was (it is the composition of the same full
    // decomposition), and the rest of most Japanese text passes the quick
    // check, which answers without decomposing it all.
    let full_width = |c: char| matches!(c, '\u{FF01}'..='\u{FF5E}' | '\u{3000}');
    let replaced: Cow<str> = if s.chars().any(full_width) {
        Cow::Owned(
            s.chars()
                .map(|c| match c {
                    '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFF01 + 0x21).unwrap_or(c),
                    '\u{3000}' => ' ',
                    c => c,
                })
                .collect(),
        )
    } else {
        Cow::Borrowed(s)
    };
    if unicode_normalization::is_nfkc_quick(replaced.chars()) == unicode_normalization::IsNormalized::Yes {
        replaced.into_owned()
    } else {
        replaced.nfkc().collect()
    }
}

/// Every run of whitespace (any Unicode `White_Space`, U+3000 included)
/// becomes one ASCII space; leading and trailing whitespace is removed.
pub fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(char::is_whitespace).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The text without its punctuation (Unicode general category P: `.,!?"'()-`
/// and the CJK `、。「」（）・〜` alike). Symbols (`$ + % ¥ →`) are not
/// punctuation in Unicode's sense and stay. Whitespace is left as it is.
pub fn strip_punctuation(s: &str) -> String {
    s.chars().filter(|&c| !is_punctuation(c)).collect()
}

/// Whether `c` is Unicode punctuation (general category P).
///
/// Inlined, with ASCII and the common CJK characters answered without the
/// table: import tests every character of every segment (for the letters
/// of [`MatchKeys`](crate::text::keys::MatchKeys)), and a call per
/// character cost more than the test.
#[inline]
pub fn is_punctuation(c: char) -> bool {
    if c.is_ascii() {
        return is_ascii_punctuation(c as u8);
    }
    if is_plain_cjk(c) {
        return matches!(c, '、' | '。');
    }
    static PUNCTUATION: LazyLock<CharSet> = LazyLock::new(|| CharSet::of("P"));
    PUNCTUATION.contains(c)
}

/// Whether the ASCII character `b` is punctuation in Unicode's sense
/// (category P): ASCII punctuation but the ASCII symbols (category S).
pub(crate) const fn is_ascii_punctuation(b: u8) -> bool {
    ASCII_PUNCTUATION >> b & 1 == 1
}

/// The ASCII punctuation characters, bit `b` for byte `b`: ASCII
/// punctuation but the ASCII symbols (category S), which are not
/// punctuation in Unicode's sense.
const ASCII_PUNCTUATION: u128 = {
    let mut set = 0u128;
    let mut b = 0u8;
    while b < 128 {
        if b.is_ascii_punctuation() && !matches!(b, b'$' | b'+' | b'<' | b'=' | b'>' | b'^' | b'`' | b'|' | b'~') {
            set |= 1 << b;
        }
        b += 1;
    }
    set
};

/// Whether `c` is a combining mark (general category M), which belongs to
/// the character before it.
pub fn is_mark(c: char) -> bool {
    // The first combining mark is U+0300.
    if c < '\u{300}' {
        return false;
    }
    static MARKS: LazyLock<CharSet> = LazyLock::new(|| CharSet::of("M"));
    MARKS.contains(c)
}

/// Whether `c` is invisible by default (Unicode Default_Ignorable_Code_Point).
pub fn is_ignorable(c: char) -> bool {
    // The first default-ignorable code point is the soft hyphen, U+00AD.
    if c < '\u{AD}' || is_plain_cjk(c) {
        return false;
    }
    static IGNORABLE: LazyLock<CharSet> = LazyLock::new(|| CharSet::of("Default_Ignorable_Code_Point"));
    IGNORABLE.contains(c)
}

/// Kana, the common kanji, `ー`, `、` and `。`: most of a Japanese text, and
/// characters [`normalize`] leaves as they are (NFKC-stable, caseless,
/// visible, not whitespace). Callers skip per-character work with it.
pub fn is_plain_cjk(c: char) -> bool {
    is_kana_or_kanji(c as u32) || matches!(c, '、' | '。')
}

/// Kana letters, `ー` and the common kanji: [`is_plain_cjk`] but for its
/// two punctuation marks, so never punctuation.
#[inline(always)]
pub(crate) const fn is_kana_or_kanji(c: u32) -> bool {
    matches!(c, 0x3041..=0x3096 | 0x30A1..=0x30FA | 0x30FC | 0x4E00..=0x9FFF)
}

/// Whether `c` belongs to a CJK script or block: Han (with radicals,
/// compatibility ideographs and the supplementary planes), hiragana,
/// katakana (half-width too), bopomofo, Hangul, and the CJK punctuation and
/// symbol blocks (`、。「」々〆〇〒`, full-width `（）！？`, `㈱`).
///
/// Full-width Latin letters and digits (`ＡＳＥＡＮ１２`) are not CJK: they
/// are Latin text in a wide form.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF         // Hangul Jamo
        | 0x2E80..=0x2FFF       // CJK and Kangxi radicals, ideographic description
        | 0x3000..=0x303F       // CJK symbols and punctuation
        | 0x3040..=0x30FF       // hiragana, katakana
        | 0x3100..=0x33FF       // bopomofo, Hangul compatibility jamo, kanbun, strokes,
                                // katakana extension, enclosed CJK, CJK compatibility
        | 0x3400..=0x4DBF       // CJK extension A
        | 0x4E00..=0x9FFF       // CJK unified ideographs
        | 0xA960..=0xA97F       // Hangul Jamo extended A
        | 0xAC00..=0xD7FF       // Hangul syllables, Jamo extended B
        | 0xF900..=0xFAFF       // CJK compatibility ideographs
        | 0xFE30..=0xFE4F       // CJK compatibility forms
        | 0xFF01..=0xFF0F       // full-width punctuation and symbols, between
        | 0xFF1A..=0xFF20       //   the full-width digits and Latin letters
        | 0xFF3B..=0xFF40
        | 0xFF5B..=0xFFDC       // …, half-width CJK punctuation, katakana, Hangul
        | 0xFFE0..=0xFFEE       // full-width signs (￥ ￠)
        | 0x1B000..=0x1B16F     // kana supplement and extensions
        | 0x20000..=0x323AF     // CJK extensions B–H, compatibility supplement
    )
}

/// A set of code points from one Unicode property, as sorted disjoint
/// ranges. The tables come from regex-syntax, which the build already has
/// (lingua uses regex); std offers no general-category lookup.
struct CharSet(Vec<(char, char)>);

impl CharSet {
    fn of(property: &str) -> CharSet {
        let hir = regex_syntax::parse(&format!(r"\p{{{property}}}")).expect("a Unicode property regex-syntax knows");
        match hir.into_kind() {
            HirKind::Class(Class::Unicode(class)) => CharSet(class.ranges().iter().map(|r| (r.start(), r.end())).collect()),
            other => unreachable!("\\p{{{property}}} parsed to {other:?}, not a Unicode class"),
        }
    }

    #[inline(never)]
    fn contains(&self, c: char) -> bool {
        self.0
            .binary_search_by(|&(lo, hi)| {
                if hi < c {
                    Ordering::Less
                } else if lo > c {
                    Ordering::Greater
                } else {
                    Ordering::Equal
                }
            })
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn width_case_and_space_fold_to_one_form() {
        assert_eq!(normalize("ＡＳＥＡＮ諸国"), "asean諸国");
        assert_eq!(normalize("ASEAN諸国"), "asean諸国");
        assert_eq!(normalize("第１０回　日・ＡＳＥＡＮ"), "第10回 日・asean");
        assert_eq!(normalize("  IoT\t機器\u{3000}\u{3000}の  5G\n"), "iot 機器 の 5g");
        assert_eq!(normalize("１，２００円"), "1,200円");
    }

    #[test]
    fn half_width_katakana_becomes_full_width_with_voiced_marks_composed() {
        assert_eq!(normalize("ｶﾞｲﾄﾞﾗｲﾝ"), "ガイドライン");
        assert_eq!(normalize("ﾊﾟﾌﾞﾘｯｸｺﾒﾝﾄ｡"), "パブリックコメント。");
    }

    #[test]
    fn invisible_characters_are_removed() {
        assert_eq!(normalize("総務\u{200B}省"), "総務省");
        assert_eq!(normalize("\u{FEFF}co\u{AD}operation"), "cooperation");
        // Removing the zero width space must not leave e + U+0301 uncomposed.
        assert_eq!(normalize("cafe\u{200B}\u{301}"), "café");
    }

    #[test]
    fn punctuation_is_kept_by_normalize_and_removed_by_strip_punctuation() {
        assert_eq!(normalize("開催しました。"), "開催しました。");
        assert_eq!(
            strip_punctuation("「総務省」は、会議（第10回）を開催・運営した。"),
            "総務省は会議第10回を開催運営した"
        );
        assert_eq!(strip_punctuation("U.S. \"e-mail\", isn't it?"), "US email isnt it");
        // Symbols are not punctuation.
        assert_eq!(strip_punctuation("$5 + ¥300 → 〒100"), "$5 + ¥300 → 〒100");
    }

    #[test]
    fn cjk_covers_japanese_letters_and_punctuation_but_not_wide_latin() {
        for c in ['総', '々', '〇', 'あ', 'ア', 'ー', 'ｱ', '、', '。', '「', '・', '（', '한', '𠮷'] {
            assert!(is_cjk(c), "{c}");
        }
        for c in ['A', 'Ａ', '１', 'é', ' ', '.', 'Ω'] {
            assert!(!is_cjk(c), "{c}");
        }
    }

    #[test]
    fn lower_casing_is_normalised_again() {
        // `İ` lower-cases to i + U+0307 (class 230), which NFKC puts after
        // the voiced mark U+3099 (class 8) that `ﾞ` becomes.
        assert_eq!(normalize("İ\u{FF9E}"), "i\u{3099}\u{307}");
        assert_eq!(normalize("i\u{3099}\u{307}"), "i\u{3099}\u{307}");
    }

    #[test]
    fn plain_cjk_characters_are_left_as_they_are() {
        static PUNCTUATION: LazyLock<CharSet> = LazyLock::new(|| CharSet::of("P"));
        static IGNORABLE: LazyLock<CharSet> = LazyLock::new(|| CharSet::of("Default_Ignorable_Code_Point"));
        static MARKS: LazyLock<CharSet> = LazyLock::new(|| CharSet::of("M"));
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            // The shortcuts of the character tests agree with the tables.
            assert_eq!(is_punctuation(c), PUNCTUATION.contains(c), "U+{:04X}", c as u32);
            assert_eq!(is_mark(c), MARKS.contains(c), "U+{:04X}", c as u32);
            assert_eq!(is_ignorable(c), IGNORABLE.contains(c), "U+{:04X}", c as u32);
            if is_plain_cjk(c) {
                assert_eq!(normalize_unicode(&format!("a{c}")), format!("a{c}"), "U+{:04X}", c as u32);
            }
        }
    }

    #[test]
    fn normalize_is_idempotent_for_every_code_point() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let once = normalize(&c.to_string());
            assert_eq!(normalize(&once), once, "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn fold_width_is_nfkc_around_every_full_width_character() {
        for c in (0x3000..=0x3000).chain(0xFF00..=0xFFEF).filter_map(char::from_u32) {
            for text in [format!("{c}"), format!("a{c}\u{301}"), format!("{c}\u{3099}か"), format!("漢{c}字")] {
                assert_eq!(fold_width(&text), text.nfkc().collect::<String>(), "{text:?}");
            }
        }
    }

    #[test]
    fn stable_cjk_characters_are_nfkc_starters_without_case() {
        use unicode_normalization::char::canonical_combining_class;
        use unicode_normalization::{is_nfkc_quick, IsNormalized};
        for c in (0x3000..=0xA000).filter_map(char::from_u32).filter(|&c| is_stable_cjk(c)) {
            assert_eq!(is_nfkc_quick(std::iter::once(c)), IsNormalized::Yes, "U+{:04X}", c as u32);
            assert_eq!(canonical_combining_class(c), 0, "U+{:04X}", c as u32);
            assert!(!is_ignorable(c) && !c.is_whitespace(), "U+{:04X}", c as u32);
            assert!(c.to_lowercase().eq([c]), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn the_fast_path_agrees_with_the_unicode_one_on_every_character() {
        let mut out = String::new();
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            for text in [format!("{c}"), format!(" A{c}\u{3000}\u{301}x"), format!("漢{c}\u{3099}Ｂ ")] {
                if fold_stable(&text, &mut out) {
                    assert_eq!(out, normalize_unicode(&text), "{text:?}");
                }
            }
        }
    }

    proptest! {
        #[test]
        fn the_fast_path_agrees_with_the_unicode_one(s in "[a-zA-ZＡ-Ｚａ-ｚ0-9０-９ ,.、。　\t\n\u{b}\u{1c}（）！～漢字かなカナ・ーゞヾ〇〒〶ヿ]{0,30}") {
            let mut out = String::new();
            if fold_stable(&s, &mut out) {
                prop_assert_eq!(out, normalize_unicode(&s));
            }
        }

        #[test]
        fn normalize_is_idempotent(s in "[a-zA-ZＡ-Ｚａ-ｚ0-9０-９ ,.、。　\t\u{200B}\u{301}ｶﾞ漢字かなカナ・ İΣσς]{0,30}") {
            let once = normalize(&s);
            prop_assert_eq!(normalize(&once), once);
        }

        #[test]
        fn fold_width_is_nfkc(s in "[a-zＡ-Ｚａ-ｚ０-９（）：！？＼～　 \u{301}\u{3099}ｶﾞ漢字かなカナ㍻ﬁ①]{0,20}") {
            prop_assert_eq!(fold_width(&s), s.nfkc().collect::<String>());
        }

        #[test]
        fn normalized_text_has_no_edge_or_double_spaces(s in any::<String>()) {
            let n = normalize(&s);
            prop_assert!(!n.starts_with(' ') && !n.ends_with(' ') && !n.contains("  "));
            prop_assert!(!n.chars().any(|c| c.is_whitespace() && c != ' '));
        }
    }
}
