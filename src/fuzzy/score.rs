//! The match score: how much of a TM source a translator can reuse for a
//! query, in percent.
//!
//! # Formula
//!
//! The inputs are each side's markup (the segment as stored, inline tags
//! and entity references included) and plain text. The first rule that
//! applies gives the score:
//!
//! 1. **Exact, 100**: the markups are byte-identical.
//! 2. **Formatting and tags, 95–99**: the plain texts are equal once width
//!    (NFKC), case, punctuation and whitespace are all folded. The score is
//!    `max(95, 100 − formatting − tags)`:
//!    - *formatting* is the smallest sum of these penalties whose foldings,
//!      applied together, make the plain texts equal:
//!      whitespace **1** (spacing differs, an invisible character such as a
//!      zero width space is present, or a space sits next to CJK text or
//!      punctuation), width **1** (`ＡＳＥＡＮ` and `ASEAN`, `ｶﾞ` and `ガ`,
//!      U+3000 and a space), case **2**, punctuation **2** (Unicode
//!      category P: `、。「」・,.!?` …);
//!    - *tags* is **1** per inline tag added, removed or changed (the edit
//!      distance between the two sequences of tags, a `<bpt>…</bpt>`,
//!      `<ph>…</ph>`, `<it>…</it>`, `<ut>…</ut>` or `<ept>…</ept>` with its
//!      content being one tag and `<hi>` and `</hi>` one each), and at least
//!      **1** when the plain texts are identical but the markups are not
//!      (the same text escaped differently, such as `&#38;` for `&amp;`).
//!
//!    The kind is [`MatchKind::Formatting`] when formatting > 0, otherwise
//!    [`MatchKind::Tags`].
//! 3. **Fuzzy, 0–94.99**: over the tokens ([`tokens`](crate::text::tokens)) of the normalised
//!    ([`normalize`](crate::text::normalize::normalize)) plain texts, `min(94.99, (1 − d / max(n_q, n_c)) ×
//!    100)`, where `d` is the Levenshtein distance in tokens (insertions,
//!    deletions and substitutions of whole tokens, each costing 1) and `n_q`,
//!    `n_c` the token counts. The cap keeps every fuzzy match below every
//!    formatting match even when the tokens agree (texts differing only in
//!    symbols or where words break). Inline tags do not count here.
//!
//! Example: `総務省は第10回会議を開催しました。` against `…第11回…` is 16 tokens
//! with one substituted: `(1 − 1/16) × 100 = 93.75`.
//!
//! The score is symmetric: swapping query and candidate gives the same
//! score (tested by proptest).

use crate::text::keys::MatchKeys;
use crate::text::normalize::{collapse_whitespace, fold_width, is_cjk, is_ignorable, is_punctuation, strip_punctuation};
use rapidfuzz::distance::levenshtein;
use serde::Serialize;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::OnceLock;

/// Which rule of the formula gave the score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchKind {
    /// An exact match whose stored context (the neighbouring sources)
    /// equals the query's: 101. Given by the lookup, not by [`score`],
    /// which sees no context.
    Context,
    /// Byte-identical markup: 100.
    Exact,
    /// Differs only in case, width, whitespace or punctuation (and maybe
    /// tags): 95–99.
    Formatting,
    /// Same plain text, different markup: 95–99.
    Tags,
    /// Anything else: token edit-distance similarity, at most 94.99.
    Fuzzy,
}

/// A score in percent, 0–100, and the rule that gave it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Scored {
    pub score: f64,
    pub kind: MatchKind,
}

/// The highest score a fuzzy match can have.
pub const FUZZY_CAP: f64 = 94.99;
/// The lowest score a formatting or tags match can have.
pub const FORMATTING_FLOOR: f64 = 95.0;

/// Scores a TM source (`cand_*`) against a query, following the formula in
/// the module documentation. A query typed as plain text has no markup of
/// its own: pass it XML-escaped (`R&amp;D` for `R&D`) as `query_markup`, so
/// that it can equal a stored segment's markup.
pub fn score(query_markup: &str, query_plain: &str, cand_markup: &str, cand_plain: &str) -> Scored {
    score_with(
        (query_markup, query_plain, &Forms::of(query_plain)),
        (cand_markup, cand_plain, &Forms::of(cand_plain)),
    )
}

/// A segment's forms the score compares, computed once per segment: a
/// lookup prepares the query once and each candidate once.
#[derive(Clone, Debug)]
pub struct Forms {
    /// Its letters and token hashes. Rule 2's form is only built
    /// ([`Forms::folded`]) when two texts' letters agree: rarely, among a
    /// lookup's candidates.
    keys: MatchKeys,
    /// With every folding of rule 2: equal for formatting and tag matches.
    folded: OnceLock<String>,
}

impl Forms {
    pub fn of(plain: &str) -> Forms {
        Forms {
            keys: MatchKeys::of(plain),
            folded: OnceLock::new(),
        }
    }

    /// The hashes of the segment's tokens, in order.
    pub fn token_hashes(&self) -> &[u64] {
        &self.keys.token_hashes
    }

    /// The hash of the segment's letters ([`MatchKeys::letters`]).
    pub fn letters(&self) -> u64 {
        self.keys.letters
    }

    /// Rule 2's form of `plain`, the text these forms are of.
    fn folded(&self, plain: &str) -> &str {
        self.folded.get_or_init(|| fold(plain, ALL))
    }
}

/// [`score`] with each side's (markup, plain, forms).
pub fn score_with(query: (&str, &str, &Forms), cand: (&str, &str, &Forms)) -> Scored {
    let ((query_markup, query_plain, query), (cand_markup, cand_plain, cand)) = (query, cand);
    if query_markup == cand_markup {
        return Scored {
            score: 100.0,
            kind: MatchKind::Exact,
        };
    }
    if query.letters() == cand.letters() && query.folded(query_plain) == cand.folded(cand_plain) {
        let formatting = formatting_penalty(query_plain, cand_plain);
        let tag_diff = edit_distance(&tags(query_markup), &tags(cand_markup));
        let tag_penalty = if formatting == 0 { tag_diff.max(1) } else { tag_diff };
        let penalty = f64::from(formatting) + tag_penalty as f64;
        return Scored {
            score: (100.0 - penalty).max(FORMATTING_FLOOR),
            kind: if formatting > 0 { MatchKind::Formatting } else { MatchKind::Tags },
        };
    }
    let (query_tokens, cand_tokens) = (query.token_hashes(), cand.token_hashes());
    let longer = query_tokens.len().max(cand_tokens.len());
    Scored {
        score: fuzzy_score(
            levenshtein::distance(query_tokens.iter().copied(), cand_tokens.iter().copied()),
            longer,
        ),
        kind: MatchKind::Fuzzy,
    }
}

/// Rule 3: the score of two texts `distance` token edits apart, the longer
/// having `longer` tokens.
pub fn fuzzy_score(distance: usize, longer: usize) -> f64 {
    // Both token lists can only be empty when the texts differ in nothing
    // but whitespace and punctuation, which rule 2 has taken; 0 keeps the
    // division defined all the same.
    if longer == 0 {
        return 0.0;
    }
    ((1.0 - distance as f64 / longer as f64) * 100.0).min(FUZZY_CAP)
}

/// The largest token distance at which rule 3 can still give `floor`
/// between texts whose longer has `longer` tokens (rounded up: it may let
/// through one distance too many, never one too few).
pub fn fuzzy_distance_within(floor: f64, longer: usize) -> usize {
    (longer as f64 * (100.0 - floor).max(0.0) / 100.0).ceil() as usize
}

/// The foldings of rule 2, as bits, with their penalties.
const WHITESPACE: u8 = 1;
const WIDTH: u8 = 2;
const CASE: u8 = 4;
const PUNCTUATION: u8 = 8;
const ALL: u8 = WHITESPACE | WIDTH | CASE | PUNCTUATION;

fn penalty_of(foldings: u8) -> u8 {
    [(WHITESPACE, 1), (WIDTH, 1), (CASE, 2), (PUNCTUATION, 2)]
        .into_iter()
        .filter(|&(bit, _)| foldings & bit != 0)
        .map(|(_, penalty)| penalty)
        .sum()
}

/// The smallest formatting penalty that makes two texts equal, for texts
/// already known to be equal under all foldings. Sixteen subsets at most,
/// and only for such texts, which are rare among candidates.
fn formatting_penalty(a: &str, b: &str) -> u8 {
    (0..=ALL)
        .filter(|&f| fold(a, f) == fold(b, f))
        .map(penalty_of)
        .min()
        .unwrap_or(penalty_of(ALL))
}

/// Applies the chosen foldings in a fixed order: width, case, punctuation,
/// whitespace (last, so the spaces punctuation leaves behind are squeezed).
fn fold(s: &str, foldings: u8) -> String {
    let mut t = if foldings & WIDTH != 0 { fold_width(s) } else { s.to_string() };
    if foldings & CASE != 0 {
        t = t.to_lowercase();
    }
    if foldings & PUNCTUATION != 0 {
        t = strip_punctuation(&t);
    }
    if foldings & WHITESPACE != 0 {
        t = squeeze_whitespace(&t);
    }
    t
}

/// Whitespace as it matters to a reader: invisible characters removed,
/// runs collapsed to one space, and no space at the ends or next to CJK
/// text or punctuation, where a space separates no words (`総務省 は` reads
/// as `総務省は`, `Hello , world` as `Hello, world`). A space between two
/// words stays: `now here` is not `nowhere`.
fn squeeze_whitespace(s: &str) -> String {
    let visible: String = s.chars().filter(|&c| !is_ignorable(c)).collect();
    let collapsed = collapse_whitespace(&visible);
    let separates_nothing = |c: char| is_cjk(c) || is_punctuation(c);
    let mut out = String::with_capacity(collapsed.len());
    let mut chars = collapsed.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ' ' {
            let before = out.chars().next_back().is_some_and(separates_nothing);
            let after = chars.peek().is_some_and(|&n| separates_nothing(n));
            if before || after {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// The inline tags of TMX segment markup, in order: each start, end or
/// empty tag outside native code on its own, and each code element
/// (`bpt ept it ph ut`) whole, its native code and `<sub>` included, since
/// the code is part of what the tag is. CDATA is text. Works on any string:
/// an unterminated tag runs to the end.
fn tags(markup: &str) -> Vec<&str> {
    let bytes = markup.as_bytes();
    let mut out = Vec::new();
    // Inside a code element: where it started and how deep its nesting is.
    let mut code: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"<![CDATA[") {
            i = markup[i..].find("]]>").map_or(bytes.len(), |e| i + e + 3);
            continue;
        }
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        let end = tag_end(bytes, i);
        let tag = &markup[i..end];
        let closing = tag.starts_with("</");
        let empty = tag.ends_with("/>");
        match code {
            None => {
                let name: String = tag[1..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
                if !closing && !empty && matches!(name.as_str(), "bpt" | "ept" | "it" | "ph" | "ut") {
                    code = Some((i, 1));
                } else {
                    out.push(tag);
                }
            }
            Some((start, depth)) => {
                let depth = if closing {
                    depth - 1
                } else if empty {
                    depth
                } else {
                    depth + 1
                };
                if depth == 0 {
                    out.push(&markup[start..end]);
                    code = None;
                } else {
                    code = Some((start, depth));
                }
            }
        }
        i = end;
    }
    if let Some((start, _)) = code {
        out.push(&markup[start..]);
    }
    out
}

/// The byte after the `>` closing the tag that starts at `start`; a `>`
/// inside a quoted attribute value does not close it.
fn tag_end(bytes: &[u8], start: usize) -> usize {
    let mut quote = None;
    for (i, &b) in bytes.iter().enumerate().skip(start + 1) {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if q == b => quote = None,
            (None, b'>') => return i + 1,
            _ => {}
        }
    }
    bytes.len()
}

/// Levenshtein distance between two sequences of items (tokens, tags).
///
/// rapidfuzz's bit-parallel algorithm (Hyyrö) is O(⌈n/64⌉·m) where strsim's
/// generic Levenshtein is O(n·m); on Japanese segments, with a token per
/// character, it measured 3–5× faster than strsim. rapidfuzz compares items
/// by a hash it takes to be unique, so the items are first numbered (equal
/// items, equal numbers), which also gives it small values, the case its
/// tables are fastest for.
fn edit_distance<'a, T: Eq + Hash>(a: &'a [T], b: &'a [T]) -> usize {
    let mut ids: HashMap<&T, u32> = HashMap::with_capacity(a.len() + b.len());
    let mut number = |items: &'a [T]| -> Vec<u32> {
        items
            .iter()
            .map(|item| {
                let next = ids.len() as u32;
                *ids.entry(item).or_insert(next)
            })
            .collect()
    };
    let (a, b) = (number(a), number(b));
    levenshtein::distance(a.iter().copied(), b.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Scores plain texts without markup of their own.
    fn plain(query: &str, cand: &str) -> Scored {
        score(query, query, cand, cand)
    }

    fn formatting(s: f64) -> Scored {
        Scored {
            score: s,
            kind: MatchKind::Formatting,
        }
    }

    #[test]
    fn identical_markup_is_exact_and_nothing_else_is() {
        let s = "総務省は第10回会議を開催しました。";
        assert_eq!(
            plain(s, s),
            Scored {
                score: 100.0,
                kind: MatchKind::Exact
            }
        );
        assert!(plain(s, "総務省は第10回会議を開催しました").score < 100.0);
    }

    #[test]
    fn formatting_penalties_are_as_documented_and_add_up() {
        let s = "The Ministry held the 10th meeting.";
        assert_eq!(plain(s, "The Ministry  held the 10th meeting."), formatting(99.0), "whitespace");
        assert_eq!(
            plain(s, "The Ministry held the 10th meeting.\u{200B}"),
            formatting(99.0),
            "invisible"
        );
        assert_eq!(plain(s, "Ｔｈｅ Ministry held the 10th meeting."), formatting(99.0), "width");
        assert_eq!(plain(s, "the Ministry held the 10th meeting."), formatting(98.0), "case");
        assert_eq!(plain(s, "The Ministry held the 10th meeting"), formatting(98.0), "punctuation");
        assert_eq!(plain(s, "THE MINISTRY  HELD THE 10TH MEETING"), formatting(95.0), "2 + 2 + 1");
        assert_eq!(
            plain(s, "ＴＨＥ MINISTRY  HELD THE 10TH MEETING"),
            formatting(95.0),
            "6, floored at 95"
        );
    }

    #[test]
    fn japanese_formatting_differences() {
        let s = "総務省は、ASEAN諸国と会議を開催しました。";
        assert_eq!(plain(s, "総務省は、ＡＳＥＡＮ諸国と会議を開催しました。"), formatting(99.0));
        assert_eq!(plain(s, "総務省は、 ASEAN 諸国と会議を開催しました。"), formatting(99.0));
        assert_eq!(
            plain("会議（第10回）", "会議(第10回)"),
            formatting(99.0),
            "full-width brackets are a width difference"
        );
        assert_eq!(
            plain("会議。", "会議．"),
            formatting(98.0),
            "． is a wide '.', not 。: a punctuation difference"
        );
        assert_eq!(plain(s, "総務省はASEAN諸国と会議を開催しました"), formatting(98.0));
        assert_eq!(plain(s, "総務省は、asean諸国と会議を開催しました。"), formatting(98.0));
        assert_eq!(plain("ｶﾞｲﾄﾞﾗｲﾝを公表", "ガイドラインを公表"), formatting(99.0));
        assert_eq!(
            plain("総務省　会議", "総務省 会議"),
            formatting(99.0),
            "U+3000 is width or whitespace: 1 either way"
        );
    }

    #[test]
    fn space_between_words_is_not_a_formatting_difference() {
        assert_eq!(plain("now here", "nowhere").kind, MatchKind::Fuzzy);
    }

    #[test]
    fn tag_differences_cost_one_each() {
        let text = "Click OK to save.";
        let bold = r#"Click <bpt i="1" x="1">&lt;b&gt;</bpt>OK<ept i="1">&lt;/b&gt;</ept> to save."#;
        let italic = r#"Click <bpt i="1" x="1">&lt;i&gt;</bpt>OK<ept i="1">&lt;/i&gt;</ept> to save."#;
        let tags_only = |s| Scored {
            score: s,
            kind: MatchKind::Tags,
        };
        assert_eq!(score(text, text, bold, text), tags_only(98.0), "two tags added");
        assert_eq!(score(bold, text, italic, text), tags_only(98.0), "two tags changed");
        assert_eq!(score("R&amp;D", "R&D", "R&#38;D", "R&D"), tags_only(99.0), "escaping only");
        let highlighted = "Click <hi>OK</hi> to save.";
        assert_eq!(score(text, text, highlighted, text), tags_only(98.0));
        // Formatting and tag penalties add up, floored at 95.
        assert_eq!(score(text, text, &bold.to_lowercase(), &text.to_lowercase()), formatting(96.0));
    }

    #[test]
    fn tags_are_split_as_documented() {
        let markup =
            r#"a <bpt i="1">&lt;a href="x>y"&gt;<sub>note</sub></bpt>b<ept i="1">&lt;/a&gt;</ept> <hi x='>'>c</hi><ph/><![CDATA[<b>]]>"#;
        assert_eq!(
            tags(markup),
            [
                r#"<bpt i="1">&lt;a href="x>y"&gt;<sub>note</sub></bpt>"#,
                r#"<ept i="1">&lt;/a&gt;</ept>"#,
                "<hi x='>'>",
                "</hi>",
                "<ph/>",
            ]
        );
        assert_eq!(tags("text <bpt i=\"1\">unterminated"), ["<bpt i=\"1\">unterminated"]);
    }

    #[test]
    fn fuzzy_is_token_edit_distance_over_the_longer_side() {
        let a = "総務省は第10回会議を開催しました。";
        let b = "総務省は第11回会議を開催しました。";
        assert_eq!(
            plain(a, b),
            Scored {
                score: 93.75,
                kind: MatchKind::Fuzzy
            }
        );
        // IoT is one token: replacing it by a kanji word of two characters is 1 substitution + 1 insertion.
        assert_eq!(
            plain("IoT機器のセキュリティ", "家電機器のセキュリティ").score,
            (1.0 - 2.0 / 11.0) * 100.0
        );
        // Case and width are folded before tokenising: this is one substitution in five tokens.
        assert_eq!(plain("The ＡＳＥＡＮ 5G meeting opened", "the ASEAN 4G meeting opened").score, 80.0);
        assert_eq!(plain("The meeting opened", "Something else entirely").score, 0.0);
    }

    #[test]
    fn fuzzy_stays_below_formatting_even_when_the_tokens_agree() {
        // "." between letters is punctuation, which splits and is dropped; the
        // space is not dropped by formatting folds between two words.
        assert_eq!(
            plain("e.mail", "e mail"),
            Scored {
                score: FUZZY_CAP,
                kind: MatchKind::Fuzzy
            }
        );
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof!["[a-cA-C ,.ＡＢ０１0-2 　、。第回会議はをIoT機器<>&\u{200B}]{0,16}", any::<String>(),]
    }

    proptest! {
        #[test]
        fn texts_equal_under_rule_2_have_equal_letters(
            a in "[a-zA-Zａ-ｚ0-9０-９かカ漢ｶﾞ\u{301}\u{200B} .,、。!（）]{0,16}",
            edits in proptest::collection::vec((0usize..20, 0usize..6), 0..6),
        ) {
            // Formatting edits: rule 2 folds them all away.
            let mut b: Vec<char> = a.chars().collect();
            for (at, edit) in edits {
                let at = at % (b.len() + 1);
                match edit {
                    0 => b.insert(at, ' '),
                    1 => b.insert(at, '、'),
                    2 => b.insert(at, '\u{200B}'),
                    3 => if let Some(c) = b.get_mut(at) { *c = c.to_ascii_uppercase() },
                    4 => if let Some(c) = b.get_mut(at).filter(|c| c.is_ascii_alphanumeric()) {
                        *c = char::from_u32(*c as u32 - 0x21 + 0xFF01).unwrap_or(*c)
                    },
                    _ => b.insert(at, '!'),
                }
            }
            let b: String = b.into_iter().collect();
            if fold(&a, ALL) == fold(&b, ALL) {
                prop_assert_eq!(Forms::of(&a).letters(), Forms::of(&b).letters(), "{:?} {:?}", a, b);
            }
        }

        #[test]
        fn scores_are_bounded_symmetric_and_consistent_with_their_kind(a in text(), b in text(), am in text(), bm in text()) {
            for (qm, qp, cm, cp) in [(&a, &a, &b, &b), (&am, &a, &bm, &b), (&am, &a, &am, &b)] {
                let s = score(qm, qp, cm, cp);
                prop_assert!((0.0..=100.0).contains(&s.score), "{s:?}");
                prop_assert_eq!(s, score(cm, cp, qm, qp), "symmetric");
                match s.kind {
                    MatchKind::Exact => prop_assert!(s.score == 100.0 && qm == cm),
                    MatchKind::Formatting | MatchKind::Tags => prop_assert!((FORMATTING_FLOOR..=99.0).contains(&s.score)),
                    MatchKind::Fuzzy => prop_assert!(s.score <= FUZZY_CAP),
                    MatchKind::Context => prop_assert!(false, "score() never sees context"),
                }
            }
        }

        #[test]
        fn a_text_against_itself_is_exact(a in text()) {
            prop_assert_eq!(plain(&a, &a), Scored { score: 100.0, kind: MatchKind::Exact });
        }
    }
}
