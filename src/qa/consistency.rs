//! `inconsistent-target` and `inconsistent-source`: the same thing
//! translated two ways.
//!
//! Two texts are "the same" when their [`key`]s are equal: [`normalize`]d
//! (width, case, whitespace, invisible characters) and without punctuation,
//! so `"Tokyo"` and `“Tokyo”`, or `会議。` and `会議`, do not count as
//! different translations. Segments without a translation take no part.
//!
//! - **Within the file**: segments are grouped by source key; in a group
//!   with several target keys, the most frequent translation (the earliest
//!   on a tie) is the reference, and every segment translated otherwise is
//!   reported with the reference segment in `related` and its target in
//!   `expected`. The same, sides swapped, for one target from several
//!   sources.
//! - **Against the TM** ([`TmPairs`], `--against-tm`): a segment whose
//!   source the TM has, and none of the TM's translations of it equal its
//!   own, is reported with the TM units (`tm:ID`) and their translations;
//!   likewise for targets. A file already imported into the store agrees
//!   with itself, so only the other units can disagree.

use super::{Finding, Kind, Segment};
use crate::lang::Lang;
use crate::store::{Store, StoreError};
use crate::text::normalize::{collapse_whitespace, normalize, strip_punctuation};
use std::collections::HashMap;
use std::sync::Arc;

/// The comparison key of a text (see the module docs).
pub fn key(text: &str) -> String {
    collapse_whitespace(&strip_punctuation(&normalize(text)))
}

/// How many related units or translations a finding lists at most.
const SHOWN: usize = 3;

/// Findings within the segments, with the index of the segment each is on.
pub fn within(segments: &[Segment]) -> Vec<(usize, Finding)> {
    let keyed: Vec<Option<(String, String)>> = segments
        .iter()
        .map(|s| {
            let target = s.target_plain();
            (!target.trim().is_empty()).then(|| (key(&s.source.plain), key(target)))
        })
        .collect();
    let mut out = Vec::new();
    for kind in [Kind::InconsistentTarget, Kind::InconsistentSource] {
        // (the side that is the same, the side that differs)
        let pick = |k: &(String, String)| -> (String, String) {
            match kind {
                Kind::InconsistentTarget => k.clone(),
                _ => (k.1.clone(), k.0.clone()),
            }
        };
        let mut groups: HashMap<String, Vec<(usize, String)>> = HashMap::new();
        for (i, k) in keyed.iter().enumerate() {
            if let Some(k) = k {
                let (same, other) = pick(k);
                if !same.is_empty() {
                    groups.entry(same).or_default().push((i, other));
                }
            }
        }
        for members in groups.values() {
            let Some(reference) = reference(members) else { continue };
            let (ref_index, ref_key) = &members[reference];
            for (i, other) in members {
                if other == ref_key {
                    continue;
                }
                let (seg, ref_seg) = (&segments[*i], &segments[*ref_index]);
                let mut f = Finding::on(kind, seg, String::new());
                let ref_text = match kind {
                    Kind::InconsistentTarget => {
                        f.message = format!("the same source is translated differently in segment {}", ref_seg.id);
                        ref_seg.target_plain().to_string()
                    }
                    _ => {
                        f.message = format!("the same translation has a different source in segment {}", ref_seg.id);
                        ref_seg.source.plain.clone()
                    }
                };
                f.expected = Arc::from([ref_text]);
                f.related.push(ref_seg.id.to_string());
                out.push((*i, f));
            }
        }
    }
    out.sort_by_key(|(i, f)| (*i, f.kind));
    out
}

/// The position in `members` of the most frequent `other` key (the
/// earliest on a tie); `None` when all agree.
fn reference(members: &[(usize, String)]) -> Option<usize> {
    if members.iter().all(|(_, o)| *o == members[0].1) {
        return None;
    }
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for (_, o) in members {
        *counts.entry(o).or_default() += 1;
    }
    // `members` is in segment order, so the first maximum is the earliest.
    let mut best = 0;
    for (n, (_, o)) in members.iter().enumerate() {
        if counts[o.as_str()] > counts[members[best].1.as_str()] {
            best = n;
        }
    }
    Some(best)
}

/// One TM unit seen from one side.
struct TmEntry {
    unit: i64,
    /// Key of the other side.
    other: String,
    /// The other side's text, for the report.
    text: String,
}

/// The store's TM for one language pair, keyed for consistency checks.
#[derive(Default)]
pub struct TmPairs {
    by_source: HashMap<String, Vec<TmEntry>>,
    by_target: HashMap<String, Vec<TmEntry>>,
}

impl TmPairs {
    /// Every unit with a `src` and a `tgt` variant (the first of each).
    pub fn load(store: &Store, src: &Lang, tgt: &Lang) -> Result<TmPairs, StoreError> {
        let mut pairs = TmPairs::default();
        for (unit, source, target) in store.pairs(src, tgt)? {
            pairs.add(unit, &source, &target);
        }
        Ok(pairs)
    }

    /// Adds one pair (unit id, source text, target text).
    pub fn add(&mut self, unit: i64, source: &str, target: &str) {
        let (sk, tk) = (key(source), key(target));
        if sk.is_empty() || tk.is_empty() {
            return;
        }
        self.by_target.entry(tk.clone()).or_default().push(TmEntry {
            unit,
            other: sk.clone(),
            text: source.to_string(),
        });
        self.by_source.entry(sk).or_default().push(TmEntry {
            unit,
            other: tk,
            text: target.to_string(),
        });
    }

    pub fn len(&self) -> usize {
        self.by_source.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.by_source.is_empty()
    }

    /// Findings against the TM, with the index of the segment each is on.
    pub fn check(&self, segments: &[Segment]) -> Vec<(usize, Finding)> {
        let mut out = Vec::new();
        for (i, seg) in segments.iter().enumerate() {
            let target = seg.target_plain();
            if target.trim().is_empty() {
                continue;
            }
            let (sk, tk) = (key(&seg.source.plain), key(target));
            for (kind, same, own, map) in [
                (Kind::InconsistentTarget, &sk, &tk, &self.by_source),
                (Kind::InconsistentSource, &tk, &sk, &self.by_target),
            ] {
                let Some(entries) = map.get(same) else { continue };
                if entries.iter().any(|e| e.other == *own) {
                    continue;
                }
                let what = match kind {
                    Kind::InconsistentTarget => "the TM translates this source differently",
                    _ => "the TM has this translation for a different source",
                };
                let mut f = Finding::on(kind, seg, what.to_string());
                let mut expected: Vec<String> = Vec::new();
                for e in entries {
                    if f.related.len() < SHOWN {
                        f.related.push(format!("tm:{}", e.unit));
                    }
                    if expected.len() < SHOWN && !expected.contains(&e.text) {
                        expected.push(e.text.clone());
                    }
                }
                f.expected = expected.into();
                out.push((i, f));
            }
        }
        out
    }
}
