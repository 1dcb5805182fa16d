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
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

/// The glossary as the term checks use it, compiled for one language pair.
pub struct Glossary<'g> {
    index: &'g TermIndex,
    /// The target language's allowed terms, as an automaton.
    renderings: Renderings,
    /// Per concept, its allowed target-language terms (`None` when it has
    /// none). A dictionary-sized glossary gives a million term-missing
    /// findings on a large file: each shares its concept's list and quoted
    /// text instead of building them again.
    allowed: Vec<Option<Allowed>>,
    /// The same for the homographs of the source language (concepts that
    /// share a spelling, sorted; only those with allowed terms): a kana
    /// word of a dictionary can stand for a dozen concepts.
    homographs: HashMap<Box<[usize]>, Allowed>,
}

/// Allowed target-language terms, preferred first, without repeats.
#[derive(Clone)]
struct Allowed {
    terms: Arc<[String]>,
    /// [`quoted`] `terms`, for the messages.
    quoted: String,
}

impl Allowed {
    fn new(terms: &[&str]) -> Allowed {
        Allowed {
            quoted: quoted(terms),
            terms: terms.iter().map(|t| t.to_string()).collect(),
        }
    }
}

impl<'g> Glossary<'g> {
    pub fn new(index: &'g TermIndex, src: &Lang, tgt: &Lang) -> Glossary<'g> {
        let allowed: Vec<Option<Allowed>> = (0..index.len())
            .map(|c| {
                let terms = index.allowed_terms(c, tgt);
                (!terms.is_empty()).then(|| Allowed::new(&terms))
            })
            .collect();
        let mut glossary = Glossary {
            index,
            renderings: index.renderings(tgt),
            allowed,
            homographs: HashMap::new(),
        };
        for mut concepts in index.homographs(src) {
            concepts.retain(|&c| glossary.allowed(c).is_some());
            if concepts.len() > 1 && !glossary.homographs.contains_key(concepts.as_slice()) {
                let union = glossary.union(&concepts);
                glossary.homographs.insert(concepts.into(), union);
            }
        }
        glossary
    }

    fn allowed(&self, concept: usize) -> Option<&Allowed> {
        self.allowed.get(concept).and_then(Option::as_ref)
    }

    /// The allowed terms of the concepts of one span (each with allowed
    /// terms), in order: one concept's own, or their union.
    fn expected(&self, concepts: &[usize]) -> Cow<'_, Allowed> {
        let known = match concepts {
            [c] => self.allowed(*c),
            _ => self.homographs.get(concepts),
        };
        known.map_or_else(|| Cow::Owned(self.union(concepts)), Cow::Borrowed)
    }

    fn union(&self, concepts: &[usize]) -> Allowed {
        let mut union: Vec<&str> = Vec::new();
        for t in concepts.iter().filter_map(|&c| self.allowed(c)).flat_map(|a| a.terms.iter()) {
            if !union.contains(&t.as_str()) {
                union.push(t);
            }
        }
        Allowed::new(&union)
    }
}

pub fn check(seg: &Segment, src: &Lang, tgt: &Lang, glossary: &Glossary) -> Vec<Finding> {
    let index = glossary.index;
    if index.is_empty() {
        return Vec::new();
    }
    let source = PreparedText::new(&seg.source.plain);
    let target = PreparedText::new(seg.target_plain());
    let source_hits = index.find_concepts(&source, Some(src));
    if source_hits.is_empty() && !index.has_forbidden_terms() {
        return Vec::new();
    }
    // The target scan only looks for forbidden terms: renderings are
    // `Renderings`' business.
    let target_hits = if index.has_forbidden_terms() {
        index.find_concepts(&target, Some(tgt))
    } else {
        Vec::new()
    };
    let mut out = Vec::new();
    let mut forbidden_concepts = Vec::new();
    for hit in target_hits.iter().filter(|h| h.forbidden()) {
        let mentioned = source_hits.iter().any(|s| s.concept == hit.concept);
        if !mentioned && index.has_terms_in(hit.concept, src) {
            continue;
        }
        forbidden_concepts.push(hit.concept);
        let allowed = glossary.allowed(hit.concept);
        let advice = allowed.map_or_else(String::new, |a| format!("; use {}", a.quoted));
        let matched = &target.text()[hit.start..hit.end];
        let mut f = Finding::on(
            Kind::TermForbidden,
            seg,
            format!("`{matched}` is a {} term{advice}", hit.status.word()),
        );
        f.spans.push(Span::new(Side::Target, hit.start, hit.end));
        f.expected = allowed.map_or_else(Arc::default, |a| a.terms.clone());
        out.push(f);
    }
    // Which concepts the target renders, computed when first needed.
    let mut rendered = Rendered::Unknown(&glossary.renderings, &target);
    // Source hits grouped by span (several concepts may share one).
    let mut concepts = Vec::new();
    for group in source_hits.chunk_by(|a, b| (a.start, a.end) == (b.start, b.end)) {
        if let Some(f) = missing(seg, group, glossary, &mut rendered, &forbidden_concepts, &mut concepts) {
            out.push(f);
        }
    }
    out
}

/// The term-missing finding for the concepts of one source span, if none
/// of them is rendered. `concepts` is a buffer.
fn missing(
    seg: &Segment,
    group: &[ConceptHit],
    glossary: &Glossary,
    rendered: &mut Rendered,
    forbidden_concepts: &[usize],
    concepts: &mut Vec<usize>,
) -> Option<Finding> {
    concepts.clear();
    concepts.extend(
        group
            .iter()
            .filter(|h| !h.forbidden() && glossary.allowed(h.concept).is_some())
            .map(|h| h.concept),
    );
    if concepts.is_empty() || concepts.iter().any(|c| forbidden_concepts.contains(c)) {
        return None;
    }
    let rendered = rendered.get();
    if concepts.iter().any(|c| rendered.binary_search(c).is_ok()) {
        return None;
    }
    let (start, end) = (group[0].start, group[0].end);
    let matched = &seg.source.plain[start..end];
    let expected = glossary.expected(concepts);
    let mut f = Finding::on(
        Kind::TermMissing,
        seg,
        format!("`{matched}` is not rendered as {}", expected.quoted),
    );
    f.spans.push(Span::new(Side::Source, start, end));
    f.expected = expected.terms.clone();
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
