//! `term-missing` and `term-forbidden`: the glossary, checked with the
//! term recogniser on both sides.
//!
//! - **term-missing**: the source contains a term (not a forbidden one) of
//!   a concept that has allowed terms in the target language, and the
//!   target contains none of them. "Contains" is [`TermIndex::renders`]:
//!   any preferred or admitted term, in any inflection, width, hyphen or
//!   space spelling, also inside a longer glossary term (`policy` inside
//!   `Information Security Policy Meeting`). When several concepts share
//!   the source span (homographs: one Japanese word, two entries), one of
//!   them rendered is enough. Each source span is reported once.
//! - **term-forbidden**: the target contains a deprecated or superseded
//!   term (found leftmost-longest, so the deprecated `Ministry of Internal
//!   Affairs` is not seen inside the preferred full name), of a concept the
//!   source mentions, or of a concept with no source-language term at all
//!   (a "do not write" entry). A forbidden term of a concept the source
//!   does not mention can be right (`Ministry of Interior` for another
//!   country's ministry) and is not reported. A concept reported forbidden
//!   is not also reported missing.

use super::{Finding, Kind, Segment, Side, Span};
use crate::lang::Lang;
use crate::terms::find::{PreparedText, TermHit, TermIndex};

pub fn check(seg: &Segment, src: &Lang, tgt: &Lang, glossary: &TermIndex) -> Vec<Finding> {
    if glossary.is_empty() {
        return Vec::new();
    }
    let source = PreparedText::new(&seg.source.plain);
    let target = PreparedText::new(seg.target_plain());
    let source_hits = glossary.find_prepared(&source, Some(src));
    let target_hits = glossary.find_prepared(&target, Some(tgt));
    let mut out = Vec::new();
    let mut forbidden_concepts = Vec::new();
    for hit in target_hits.iter().filter(|h| h.forbidden) {
        let mentioned = source_hits.iter().any(|s| s.concept == hit.concept);
        if !mentioned && glossary.has_terms_in(hit.concept, src) {
            continue;
        }
        forbidden_concepts.push(hit.concept);
        let allowed = glossary.allowed_terms(hit.concept, tgt);
        let advice = if allowed.is_empty() {
            String::new()
        } else {
            format!("; use {}", quoted(&allowed))
        };
        let mut f = Finding::on(
            Kind::TermForbidden,
            seg,
            format!("`{}` is a {} term{advice}", hit.matched, hit.status.word()),
        );
        f.spans.push(Span::new(Side::Target, &f.target, hit.start, hit.end));
        f.expected = allowed.iter().map(|s| s.to_string()).collect();
        out.push(f);
    }
    // Source hits grouped by span (several concepts may share one).
    let mut i = 0;
    while i < source_hits.len() {
        let (start, end) = (source_hits[i].start, source_hits[i].end);
        let mut j = i;
        while j < source_hits.len() && (source_hits[j].start, source_hits[j].end) == (start, end) {
            j += 1;
        }
        let group = &source_hits[i..j];
        i = j;
        if let Some(f) = missing(seg, group, tgt, glossary, &target, &target_hits, &forbidden_concepts) {
            out.push(f);
        }
    }
    out
}

/// The term-missing finding for the concepts of one source span, if none
/// of them is rendered.
fn missing(
    seg: &Segment,
    group: &[TermHit],
    tgt: &Lang,
    glossary: &TermIndex,
    target: &PreparedText,
    target_hits: &[TermHit],
    forbidden_concepts: &[usize],
) -> Option<Finding> {
    let concepts: Vec<usize> = group
        .iter()
        .filter(|h| !h.forbidden && !glossary.allowed_terms(h.concept, tgt).is_empty())
        .map(|h| h.concept)
        .collect();
    if concepts.is_empty() || concepts.iter().any(|c| forbidden_concepts.contains(c)) {
        return None;
    }
    // The target scan already found most renderings; `renders` looks for
    // those hidden inside (or overlapping) longer terms.
    let rendered = |c: usize| target_hits.iter().any(|h| h.concept == c && !h.forbidden) || glossary.renders(target, c, tgt);
    if concepts.iter().any(|&c| rendered(c)) {
        return None;
    }
    let mut expected: Vec<String> = Vec::new();
    for &c in &concepts {
        for t in glossary.allowed_terms(c, tgt) {
            if !expected.iter().any(|e| e == t) {
                expected.push(t.to_string());
            }
        }
    }
    let hit = &group[0];
    let mut f = Finding::on(
        Kind::TermMissing,
        seg,
        format!("`{}` is not rendered as {}", hit.matched, quoted(&expected)),
    );
    f.spans.push(Span::new(Side::Source, &f.source, hit.start, hit.end));
    f.expected = expected;
    Some(f)
}

/// `` `a` or `b` ``
fn quoted<S: AsRef<str>>(terms: &[S]) -> String {
    let list: Vec<String> = terms.iter().map(|t| format!("`{}`", t.as_ref())).collect();
    list.join(" or ")
}
