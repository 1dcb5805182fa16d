//! `term-missing` and `term-forbidden`: the glossary, checked with the
//! term recogniser on both sides.
//!
//! - **term-missing**: the source contains a term (not a forbidden one) of
//!   a concept that has allowed terms in the target language, and the
//!   target contains none of them. "Contains" is [`Renderings::concepts`]:
//!   any preferred or admitted term, in any inflection, width, hyphen or
//!   space spelling (the patterns of [`TermIndex::find`]), also inside a
//!   longer glossary term (`policy` inside `Information Security Policy
//!   Meeting`). When several concepts share
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
use crate::terms::find::{ConceptHit, PreparedText, Renderings, TermIndex};

/// The glossary as the term checks use it.
pub struct Glossary<'g> {
    pub index: &'g TermIndex,
    /// The target language's allowed terms.
    pub renderings: Renderings,
}

pub fn check(seg: &Segment, src: &Lang, tgt: &Lang, glossary: &Glossary) -> Vec<Finding> {
    let Glossary {
        index: glossary,
        renderings,
    } = glossary;
    if glossary.is_empty() {
        return Vec::new();
    }
    let source = PreparedText::new(&seg.source.plain);
    let target = PreparedText::new(seg.target_plain());
    let source_hits = glossary.find_concepts(&source, Some(src));
    if source_hits.is_empty() && !glossary.has_forbidden_terms() {
        return Vec::new();
    }
    // The target scan only looks for forbidden terms: renderings are
    // `Renderings`' business.
    let target_hits = if glossary.has_forbidden_terms() {
        glossary.find_concepts(&target, Some(tgt))
    } else {
        Vec::new()
    };
    let mut out = Vec::new();
    let mut forbidden_concepts = Vec::new();
    for hit in target_hits.iter().filter(|h| h.forbidden()) {
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
        let matched = &target.text()[hit.start..hit.end];
        let mut f = Finding::on(
            Kind::TermForbidden,
            seg,
            format!("`{matched}` is a {} term{advice}", hit.status.word()),
        );
        f.spans.push(Span::new(Side::Target, hit.start, hit.end));
        f.expected = allowed.iter().map(|s| s.to_string()).collect();
        out.push(f);
    }
    // Which concepts the target renders, computed when first needed.
    let mut rendered = Rendered::Unknown(renderings, &target);
    // Source hits grouped by span (several concepts may share one).
    for group in source_hits.chunk_by(|a, b| (a.start, a.end) == (b.start, b.end)) {
        if let Some(f) = missing(seg, group, tgt, glossary, &mut rendered, &forbidden_concepts) {
            out.push(f);
        }
    }
    out
}

/// The term-missing finding for the concepts of one source span, if none
/// of them is rendered.
fn missing(
    seg: &Segment,
    group: &[ConceptHit],
    tgt: &Lang,
    glossary: &TermIndex,
    rendered: &mut Rendered,
    forbidden_concepts: &[usize],
) -> Option<Finding> {
    let mut concepts = group
        .iter()
        .filter(|h| !h.forbidden() && glossary.has_allowed_term(h.concept, tgt))
        .map(|h| h.concept)
        .peekable();
    concepts.peek()?;
    let concepts: Vec<usize> = concepts.collect();
    if concepts.iter().any(|c| forbidden_concepts.contains(c)) {
        return None;
    }
    let rendered = rendered.get();
    if concepts.iter().any(|c| rendered.binary_search(c).is_ok()) {
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
    let (start, end) = (group[0].start, group[0].end);
    let matched = &seg.source.plain[start..end];
    let mut f = Finding::on(
        Kind::TermMissing,
        seg,
        format!("`{matched}` is not rendered as {}", quoted(&expected)),
    );
    f.spans.push(Span::new(Side::Source, start, end));
    f.expected = expected;
    Some(f)
}

/// The concepts a target renders (sorted), computed once per segment and
/// only when a source term asks.
enum Rendered<'r, 't> {
    Unknown(&'r Renderings, &'r PreparedText<'t>),
    Known(Vec<usize>),
}

impl Rendered<'_, '_> {
    fn get(&mut self) -> &[usize] {
        if let Rendered::Unknown(renderings, target) = self {
            *self = Rendered::Known(renderings.concepts(target));
        }
        match self {
            Rendered::Known(concepts) => concepts,
            Rendered::Unknown(..) => &[],
        }
    }
}

/// `` `a` or `b` ``
fn quoted<S: AsRef<str>>(terms: &[S]) -> String {
    let list: Vec<String> = terms.iter().map(|t| format!("`{}`", t.as_ref())).collect();
    list.join(" or ")
}
