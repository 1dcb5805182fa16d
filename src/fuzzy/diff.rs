//! What in a TM source differs from the query, for display.
//!
//! [`diff`] aligns the two plain texts as the score sees them, token by
//! token (a CJK character, a word, a punctuation character), and reports the
//! result in the texts as written, so that the operations rebuild both
//! texts exactly:
//!
//! - the `equal` and `delete` texts, in order, are the TM source;
//! - the `equal` and `insert` texts, in order, are the query.
//!
//! `delete` is what the TM source has and the query lacks, `insert` what the
//! query has and the TM source lacks: what would turn the TM source into the
//! query. A display highlights `delete` in the TM source and may show
//! `insert` inline.
//!
//! How the texts are cut: each token or punctuation character goes with the
//! whitespace after it (text before the first token is a piece of its own).
//! Pieces are matched by their normalised form ([`normalize`]), by Myers'
//! algorithm (minimal in pieces). When matched pieces are not written alike
//! (`ＡＳＥＡＮ`/`ASEAN`, `Meeting`/`meeting`, `word `/`word`), their common
//! beginning and end are `equal` and only the rest is deleted and inserted,
//! so formatting differences are visible too. A word that differs is
//! deleted and inserted whole, and the whitespace after a run of changed
//! words, when both sides have it, stays `equal`.
//!
//! Then an `equal` stretch shorter (in characters) than the changes on
//! both sides of it is folded into them, repeatedly, as diff-match-patch's
//! semantic cleanup does but with a strict comparison: a rewritten clause
//! then shows as one change, not as a scatter of one-character
//! coincidences (`の`, `イ`, `開`) that a minimal alignment finds between
//! unrelated Japanese words.
//!
//! The result is canonical: no operation is empty, no two neighbours have
//! the same kind, and between two `equal`s a `delete` comes before an
//! `insert`.

use crate::text::normalize::normalize;
use crate::text::tokens::pieces;
use serde::Serialize;
use similar::{capture_diff_slices, Algorithm, DiffTag};
use std::ops::Range;

/// The kind of a [`DiffOp`]; serialised in lower case (`"equal"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DiffKind {
    /// In both texts.
    Equal,
    /// Only in the query.
    Insert,
    /// Only in the TM source.
    Delete,
}

/// A stretch of text with its kind, e.g. `{"kind":"delete","text":"10"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiffOp {
    pub kind: DiffKind,
    pub text: String,
}

/// The differences between a query and a TM source (`cand_plain`), as
/// described in the module documentation.
pub fn diff(query_plain: &str, cand_plain: &str) -> Vec<DiffOp> {
    let cand = cut(cand_plain);
    let query = cut(query_plain);
    let cand_keys: Vec<&str> = cand.iter().map(|p| p.key.as_str()).collect();
    let query_keys: Vec<&str> = query.iter().map(|p| p.key.as_str()).collect();
    let mut ops = Ops::default();
    for op in capture_diff_slices(Algorithm::Myers, &cand_keys, &query_keys) {
        let (c, q) = (&cand[op.old_range()], &query[op.new_range()]);
        if op.tag() == DiffTag::Equal {
            for (c, q) in c.iter().zip(q) {
                ops.matched(&cand_plain[c.head.clone()], &query_plain[q.head.clone()]);
                ops.matched(&cand_plain[c.head.end..c.end], &query_plain[q.head.end..q.end]);
            }
        } else {
            ops.changed(DiffKind::Delete, span(cand_plain, c));
            ops.changed(DiffKind::Insert, span(query_plain, q));
        }
    }
    fold_islands(ops.finish())
}

/// Folds each `equal` that is shorter than the changes before and after it
/// into them, until none is left.
fn fold_islands(mut done: Vec<DiffOp>) -> Vec<DiffOp> {
    let chars = |op: Option<&DiffOp>| op.filter(|op| op.kind != DiffKind::Equal).map_or(0, |op| op.text.chars().count());
    loop {
        let mut ops = Ops::default();
        let mut folded = false;
        for (i, op) in done.iter().enumerate() {
            match op.kind {
                DiffKind::Equal => {
                    // Canonical order: at most a delete and an insert on each side.
                    let before = chars(i.checked_sub(1).and_then(|k| done.get(k))).max(chars(i.checked_sub(2).and_then(|k| done.get(k))));
                    let after = chars(done.get(i + 1)).max(chars(done.get(i + 2)));
                    let len = op.text.chars().count();
                    if len < before && len < after {
                        ops.changed(DiffKind::Delete, &op.text);
                        ops.changed(DiffKind::Insert, &op.text);
                        folded = true;
                    } else {
                        ops.equal(&op.text);
                    }
                }
                kind => ops.changed(kind, &op.text),
            }
        }
        done = ops.finish();
        if !folded {
            return done;
        }
    }
}

/// A token or punctuation character with the whitespace after it.
struct Piece {
    /// The token or punctuation character; empty for the whitespace that
    /// starts a text.
    head: Range<usize>,
    /// Where the whitespace after the head ends: the next piece's start.
    end: usize,
    /// The head normalised: what alignment compares.
    key: String,
}

/// Cuts `text` into pieces that tile it exactly.
fn cut(text: &str) -> Vec<Piece> {
    let tokens = pieces(text);
    let mut out = Vec::with_capacity(tokens.len() + 1);
    let first = tokens.first().map_or(text.len(), |t| t.range.start);
    if first > 0 {
        out.push(Piece {
            head: 0..0,
            end: first,
            key: String::new(),
        });
    }
    for (i, t) in tokens.iter().enumerate() {
        out.push(Piece {
            head: t.range.clone(),
            end: tokens.get(i + 1).map_or(text.len(), |n| n.range.start),
            key: normalize(&text[t.range.clone()]),
        });
    }
    out
}

/// The text of consecutive pieces.
fn span<'a>(text: &'a str, pieces: &[Piece]) -> &'a str {
    match (pieces.first(), pieces.last()) {
        (Some(first), Some(last)) => &text[first.head.start..last.end],
        _ => "",
    }
}

/// Builds the canonical operation list: deletions and insertions wait until
/// the next `equal` (or the end), so that each run of changes comes out as
/// one `delete` and one `insert`.
#[derive(Default)]
struct Ops {
    done: Vec<DiffOp>,
    deleted: String,
    inserted: String,
}

impl Ops {
    /// Text found only on one side.
    fn changed(&mut self, kind: DiffKind, text: &str) {
        match kind {
            DiffKind::Delete => self.deleted.push_str(text),
            DiffKind::Insert => self.inserted.push_str(text),
            DiffKind::Equal => self.equal(text),
        }
    }

    /// Two texts that alignment paired: equal, or alike but for formatting.
    fn matched(&mut self, cand: &str, query: &str) {
        let prefix = common_prefix(cand, query);
        let suffix = common_suffix(&cand[prefix..], &query[prefix..]);
        self.equal(&cand[..prefix]);
        self.changed(DiffKind::Delete, &cand[prefix..cand.len() - suffix]);
        self.changed(DiffKind::Insert, &query[prefix..query.len() - suffix]);
        self.equal(&cand[cand.len() - suffix..]);
    }

    fn equal(&mut self, text: &str) {
        if !text.is_empty() {
            self.flush();
            self.push(DiffKind::Equal, text.to_string());
        }
    }

    /// Emits the waiting changes. Whitespace that ends both is not a change:
    /// `10th ` replaced by `11th ` is `10th`/`11th` and an equal space.
    fn flush(&mut self) {
        let mut deleted = std::mem::take(&mut self.deleted);
        let mut inserted = std::mem::take(&mut self.inserted);
        let shared = deleted.len() - deleted.trim_end().len();
        let shared = common_suffix(&deleted[deleted.len() - shared..], &inserted);
        let space = deleted.split_off(deleted.len() - shared);
        inserted.truncate(inserted.len() - shared);
        self.push(DiffKind::Delete, deleted);
        self.push(DiffKind::Insert, inserted);
        self.push(DiffKind::Equal, space);
    }

    /// Appends an operation, merged into the last one when of the same kind.
    fn push(&mut self, kind: DiffKind, text: String) {
        match self.done.last_mut() {
            _ if text.is_empty() => {}
            Some(last) if last.kind == kind => last.text.push_str(&text),
            _ => self.done.push(DiffOp { kind, text }),
        }
    }

    fn finish(mut self) -> Vec<DiffOp> {
        self.flush();
        self.done
    }
}

/// Length in bytes of the longest common beginning, on a char boundary.
fn common_prefix(a: &str, b: &str) -> usize {
    a.chars()
        .zip(b.chars())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum()
}

/// Length in bytes of the longest common end, on a char boundary.
fn common_suffix(a: &str, b: &str) -> usize {
    a.chars()
        .rev()
        .zip(b.chars().rev())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ops(list: &[(DiffKind, &str)]) -> Vec<DiffOp> {
        list.iter()
            .map(|&(kind, text)| DiffOp {
                kind,
                text: text.to_string(),
            })
            .collect()
    }

    use DiffKind::{Delete as D, Equal as E, Insert as I};

    #[test]
    fn a_changed_number_in_japanese() {
        assert_eq!(
            diff("総務省は第11回会議を開催しました。", "総務省は第10回会議を開催しました。"),
            ops(&[(E, "総務省は第"), (D, "10"), (I, "11"), (E, "回会議を開催しました。")])
        );
    }

    #[test]
    fn changed_words_are_whole_and_the_space_after_them_is_equal() {
        assert_eq!(
            diff("The 11th meeting was held in Tokyo.", "The 10th meeting was held in Singapore."),
            ops(&[
                (E, "The "),
                (D, "10th"),
                (I, "11th"),
                (E, " meeting was held in "),
                (D, "Singapore"),
                (I, "Tokyo"),
                (E, ".")
            ])
        );
        assert_eq!(
            diff("the red car", "the big red car"),
            ops(&[(E, "the "), (D, "big "), (E, "red car")])
        );
        assert_eq!(
            diff("IoT機器の管理", "家電機器の管理"),
            ops(&[(D, "家電"), (I, "IoT"), (E, "機器の管理")])
        );
    }

    #[test]
    fn formatting_differences_are_shown_precisely() {
        assert_eq!(
            diff("ASEAN諸国と会議", "ＡＳＥＡＮ諸国と会議"),
            ops(&[(D, "ＡＳＥＡＮ"), (I, "ASEAN"), (E, "諸国と会議")])
        );
        assert_eq!(diff("開催しました", "開催しました。"), ops(&[(E, "開催しました"), (D, "。")]));
        assert_eq!(
            diff("the meeting", "The Meeting"),
            ops(&[(D, "T"), (I, "t"), (E, "he "), (D, "M"), (I, "m"), (E, "eeting")])
        );
        assert_eq!(diff("a  b ", " a b"), ops(&[(D, " "), (E, "a "), (I, " "), (E, "b"), (I, " ")]));
    }

    #[test]
    fn coincidences_between_rewritten_words_are_folded_into_the_change() {
        assert_eq!(
            diff(
                "日本側からは、自由で開かれたインターネット環境の維持に向けた取組について説明しました。",
                "日本側からは、AI開発ガイドライン及びAIの利活用に向けた取組について説明しました。"
            ),
            ops(&[
                (E, "日本側からは、"),
                (D, "AI開発ガイドライン及びAIの利活用"),
                (I, "自由で開かれたインターネット環境の維持"),
                (E, "に向けた取組について説明しました。")
            ])
        );
        // Folded from the inside out: に first, then ティ, which was as long as
        // the change after it until に joined that change.
        assert_eq!(
            diff(
                "EU側から、サイバーセキュリティ戦略に向けた取組",
                "EU側から、AI及びロボティクスに関する取組"
            ),
            ops(&[
                (E, "EU側から、"),
                (D, "AI及びロボティクスに関する"),
                (I, "サイバーセキュリティ戦略に向けた"),
                (E, "取組")
            ])
        );
        // An equal as long as a change beside it stays.
        assert_eq!(
            diff("2．主な成果", "（2）主な成果"),
            ops(&[(D, "（"), (E, "2"), (D, "）"), (I, "．"), (E, "主な成果")])
        );
    }

    #[test]
    fn empty_texts() {
        assert_eq!(diff("", ""), ops(&[]));
        assert_eq!(diff("会議", ""), ops(&[(I, "会議")]));
        assert_eq!(diff("", "会議"), ops(&[(D, "会議")]));
    }

    #[test]
    fn serialises_kind_in_lower_case() {
        let json = serde_json::to_string(&diff("第11回", "第10回")).unwrap();
        assert_eq!(
            json,
            r#"[{"kind":"equal","text":"第"},{"kind":"delete","text":"10"},{"kind":"insert","text":"11"},{"kind":"equal","text":"回"}]"#
        );
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof!["[a-cA-C ,.ＡＢ１0-2 　、。第回会議ｶﾞ\u{301}\u{200B}]{0,16}", any::<String>()]
    }

    proptest! {
        #[test]
        fn rebuilds_both_texts_and_is_canonical(query in text(), cand in text()) {
            let d = diff(&query, &cand);
            let rebuild = |skip| d.iter().filter(|op| op.kind != skip).map(|op| op.text.as_str()).collect::<String>();
            prop_assert_eq!(rebuild(DiffKind::Insert), cand);
            prop_assert_eq!(rebuild(DiffKind::Delete), query);
            prop_assert!(d.iter().all(|op| !op.text.is_empty()));
            for pair in d.windows(2) {
                prop_assert!(pair[0].kind != pair[1].kind);
                prop_assert!(!(pair[0].kind == DiffKind::Insert && pair[1].kind == DiffKind::Delete));
            }
        }
    }
}
