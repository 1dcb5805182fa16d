//! Quality assurance of translations: `yakugo check`.
//!
//! A [`Checker`] looks at bilingual [`Segment`]s (read from TMX, TSV/CSV
//! or XLIFF by [`input`]) and reports [`Finding`]s of eight [`Kind`]s, one
//! module per family:
//!
//! - [`terms`] gives `term-missing`, `term-forbidden` (the glossary, through
//!   [`TermIndex`] on both sides, so inflection, width, hyphen and case are
//!   handled by the same code as `terms find`);
//! - [`consistency`] gives `inconsistent-target`, `inconsistent-source` (within
//!   the file, and against the store's TM with `--against-tm`);
//! - [`numbers`] gives `number-mismatch`;
//! - [`translated`] gives `untranslated`, `language-mismatch`;
//! - [`tags`] gives `tag-mismatch`.
//!
//! The rule every family follows: **no false alarm on correct text.** An
//! editor who sees a report full of noise stops reading it, and then misses
//! the real problem. So each check accepts every correct variant it can
//! recognise (any allowed rendering in any inflection, numbers in any
//! writing, tags in any order) and says why when it does speak.
//!
//! Invariants: findings are in segment order, then kind order; a
//! [`Span`]'s offsets are byte offsets into its segment's source or target
//! text ([`Finding::texts`]: plain text, except for `tag-mismatch`, whose
//! texts are the markup), on character boundaries. Findings do not copy
//! the segment's texts: a dictionary-sized glossary can give a dozen
//! findings per segment.

pub mod consistency;
pub mod input;
pub mod numbers;
pub mod tags;
pub mod terms;
pub mod translated;

use crate::lang::Lang;
use crate::model::Variant;
use crate::terms::find::TermIndex;
use crate::text::langcheck::LangChecker;
use serde::Serialize;
use std::collections::HashSet;
use std::fmt;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// What is wrong. The JSON names are part of the interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    TermMissing,
    TermForbidden,
    InconsistentTarget,
    InconsistentSource,
    NumberMismatch,
    Untranslated,
    LanguageMismatch,
    TagMismatch,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::TermMissing,
        Kind::TermForbidden,
        Kind::InconsistentTarget,
        Kind::InconsistentSource,
        Kind::NumberMismatch,
        Kind::Untranslated,
        Kind::LanguageMismatch,
        Kind::TagMismatch,
    ];

    /// The JSON name (`term-missing`, …).
    pub fn name(self) -> &'static str {
        match self {
            Kind::TermMissing => "term-missing",
            Kind::TermForbidden => "term-forbidden",
            Kind::InconsistentTarget => "inconsistent-target",
            Kind::InconsistentSource => "inconsistent-source",
            Kind::NumberMismatch => "number-mismatch",
            Kind::Untranslated => "untranslated",
            Kind::LanguageMismatch => "language-mismatch",
            Kind::TagMismatch => "tag-mismatch",
        }
    }

    pub fn parse(raw: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name().eq_ignore_ascii_case(raw.trim()))
    }

    /// Errors break the meaning or the file; warnings are usually wrong;
    /// infos are worth a look.
    pub fn default_severity(self) -> Severity {
        match self {
            Kind::TermForbidden | Kind::NumberMismatch | Kind::Untranslated | Kind::TagMismatch => Severity::Error,
            Kind::TermMissing | Kind::InconsistentTarget | Kind::LanguageMismatch => Severity::Warning,
            Kind::InconsistentSource => Severity::Info,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How bad a finding is; ordered `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn parse(raw: &str) -> Option<Severity> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "info" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One bilingual segment to check.
#[derive(Clone, Debug)]
pub struct Segment {
    /// The unit's id (`tuid`, XLIFF `id`), or its 1-based position in the
    /// file when it has none. Shared with its findings.
    pub id: Arc<str>,
    pub source: Variant,
    /// `None` when the unit has no translation at all.
    pub target: Option<Variant>,
}

impl Segment {
    pub fn target_plain(&self) -> &str {
        self.target.as_ref().map_or("", |t| t.plain.as_str())
    }

    pub fn target_markup(&self) -> &str {
        self.target.as_ref().map_or("", |t| t.markup.as_str())
    }
}

/// Which text a [`Span`] points into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Source,
    Target,
}

/// An offending piece of text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Span {
    pub side: Side,
    /// Byte offsets into the segment's text ([`Finding::texts`]).
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(side: Side, start: usize, end: usize) -> Span {
        Span { side, start, end }
    }
}

/// Makes a message part from a list of pieces (see [`Finding::mismatch`]).
pub type Phrase = fn(&str) -> String;

/// One problem in one segment.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub kind: Kind,
    /// The segment's id (see [`Segment::id`]).
    pub segment: Arc<str>,
    /// The segment's position in the checked slice (set by [`Checker::check`]).
    #[serde(skip)]
    pub index: usize,
    /// Whether the spans point into the markup (`tag-mismatch`), not the
    /// plain text.
    #[serde(skip)]
    pub on_markup: bool,
    pub severity: Severity,
    pub message: String,
    /// Shown with their texts by the command line (`Finding::texts`).
    #[serde(skip)]
    pub spans: Vec<Span>,
    /// What would be right: allowed renderings, the other translation.
    /// Shared: the findings of one glossary concept all expect the same.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub expected: Arc<[String]>,
    /// Other segments involved (ids; `tm:N` for unit N of the store).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
}

impl Finding {
    /// A finding on a segment's plain texts.
    /// A finding about pieces the source has and the target lacks
    /// (`missing`, ranges in `source`) and pieces the target has and the
    /// source lacks (`extra`, ranges in `target`), each side listed with
    /// `separator` into its message (`lacks`, `adds`); `None` when both are
    /// empty. Numbers and tags are compared this way.
    pub fn mismatch(
        kind: Kind,
        segment: &Segment,
        (source, missing): (&str, &[Range<usize>]),
        (target, extra): (&str, &[Range<usize>]),
        separator: &str,
        (lacks, adds): (Phrase, Phrase),
    ) -> Option<Finding> {
        if missing.is_empty() && extra.is_empty() {
            return None;
        }
        let list =
            |ranges: &[Range<usize>], text: &str| -> String { ranges.iter().map(|r| &text[r.clone()]).collect::<Vec<_>>().join(separator) };
        let mut parts = Vec::new();
        if !missing.is_empty() {
            parts.push(lacks(&list(missing, source)));
        }
        if !extra.is_empty() {
            parts.push(adds(&list(extra, target)));
        }
        let mut f = Finding::on(kind, segment, parts.join("; "));
        f.spans.extend(missing.iter().map(|r| Span::new(Side::Source, r.start, r.end)));
        f.spans.extend(extra.iter().map(|r| Span::new(Side::Target, r.start, r.end)));
        Some(f)
    }

    pub fn on(kind: Kind, segment: &Segment, message: String) -> Finding {
        Finding {
            kind,
            segment: segment.id.clone(),
            index: 0,
            on_markup: false,
            severity: kind.default_severity(),
            message,
            spans: Vec::new(),
            expected: Arc::default(),
            related: Vec::new(),
        }
    }

    /// The source and target texts the spans point into, from the segments
    /// the finding was made on.
    pub fn texts<'s>(&self, segments: &'s [Segment]) -> (&'s str, &'s str) {
        let Some(seg) = segments.get(self.index) else { return ("", "") };
        if self.on_markup {
            (&seg.source.markup, seg.target_markup())
        } else {
            (&seg.source.plain, seg.target_plain())
        }
    }
}

/// Runs the checks.
pub struct Checker<'a> {
    pub src: Lang,
    pub tgt: Lang,
    glossary: terms::Glossary<'a>,
    languages: LangChecker,
    tm: Option<&'a consistency::TmPairs>,
    kinds: Vec<Kind>,
}

impl<'a> Checker<'a> {
    /// A checker for `src` → `tgt` with every kind enabled.
    pub fn new(src: Lang, tgt: Lang, glossary: &'a TermIndex) -> Checker<'a> {
        Checker {
            glossary: terms::Glossary::new(glossary, &src, &tgt),
            src,
            tgt,
            languages: LangChecker::new(),
            tm: None,
            kinds: Kind::ALL.to_vec(),
        }
    }

    /// Also check consistency against these TM pairs.
    pub fn against_tm(mut self, tm: &'a consistency::TmPairs) -> Checker<'a> {
        self.tm = Some(tm);
        self
    }

    /// Skip these kinds (their checks do not run).
    pub fn ignore(mut self, kinds: &[Kind]) -> Checker<'a> {
        self.kinds.retain(|k| !kinds.contains(k));
        self
    }

    fn wants(&self, kind: Kind) -> bool {
        self.kinds.contains(&kind)
    }

    /// The findings of one segment on its own (all but consistency).
    fn segment(&self, seg: &Segment) -> Vec<Finding> {
        let mut out = Vec::new();
        if let Some(f) = translated::untranslated(seg, &self.tgt, &self.languages) {
            if self.wants(Kind::Untranslated) {
                out.push(f);
            }
        } else if self.wants(Kind::LanguageMismatch) {
            out.extend(translated::language_mismatch(seg, &self.tgt, &self.languages));
        }
        if seg.target_plain().trim().is_empty() {
            // Nothing to compare: an empty target is one finding, not eight.
            return out;
        }
        if self.wants(Kind::TermMissing) || self.wants(Kind::TermForbidden) {
            out.extend(
                terms::check(seg, &self.src, &self.tgt, &self.glossary)
                    .into_iter()
                    .filter(|f| self.wants(f.kind)),
            );
        }
        if self.wants(Kind::NumberMismatch) {
            out.extend(numbers::check(seg));
        }
        if self.wants(Kind::TagMismatch) {
            out.extend(tags::check(seg));
        }
        out
    }

    /// Every finding, in segment order, then kind order.
    ///
    /// The per-segment checks run on every core, each thread taking the
    /// next `CHUNK` segments until none are left (segments differ a lot
    /// in cost, so equal shares would leave a core idle); the consistency
    /// checks, which need the whole file, run on a thread of their own
    /// meanwhile. The results are put back in segment order, so the output
    /// does not depend on the threads.
    pub fn check(&self, segments: &[Segment]) -> Vec<Finding> {
        // Small files are not worth a second thread.
        let threads = if segments.len() < 2 * CHUNK {
            1
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        };
        let chunks: Vec<&[Segment]> = segments.chunks(CHUNK).collect();
        let next = AtomicUsize::new(0);
        let (mut done, consistency) = std::thread::scope(|scope| {
            let consistency = scope.spawn(|| self.consistency(segments));
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            let k = next.fetch_add(1, Ordering::Relaxed);
                            let Some(chunk) = chunks.get(k) else { break };
                            done.push((k, chunk.iter().map(|seg| self.segment(seg)).collect::<Vec<_>>()));
                        }
                        done
                    })
                })
                .collect();
            let done: Vec<(usize, Vec<Vec<Finding>>)> = workers.into_iter().flat_map(join).collect();
            (done, join(consistency))
        });
        done.sort_unstable_by_key(|(k, _)| *k);
        let mut per_segment: Vec<Vec<Finding>> = done.into_iter().flat_map(|(_, lists)| lists).collect();
        for (i, f) in consistency {
            per_segment[i].push(f);
        }
        let mut findings = Vec::new();
        for (i, mut list) in per_segment.into_iter().enumerate() {
            list.sort_by_key(|f| f.kind);
            for f in &mut list {
                f.index = i;
            }
            findings.extend(list);
        }
        findings
    }

    /// The consistency findings (within the file, then against the TM),
    /// with the index of the segment each is on.
    fn consistency(&self, segments: &[Segment]) -> Vec<(usize, Finding)> {
        if !self.wants(Kind::InconsistentTarget) && !self.wants(Kind::InconsistentSource) {
            return Vec::new();
        }
        let mut out: Vec<(usize, Finding)> = consistency::within(segments)
            .into_iter()
            .filter(|(_, f)| self.wants(f.kind))
            .collect();
        // The file's own disagreement already says what the TM would.
        let within: HashSet<(usize, Kind)> = out.iter().map(|(i, f)| (*i, f.kind)).collect();
        for (i, f) in self.tm.map(|tm| tm.check(segments)).unwrap_or_default() {
            if self.wants(f.kind) && !within.contains(&(i, f.kind)) {
                out.push((i, f));
            }
        }
        out
    }
}

/// Segments a checking thread takes at a time.
const CHUNK: usize = 256;

/// A thread's result; its panic goes on in the caller.
fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Sets severities per kind and filters by a minimum.
#[derive(Clone, Debug)]
pub struct SeverityPolicy {
    overrides: Vec<(Kind, Severity)>,
    pub minimum: Severity,
}

impl Default for SeverityPolicy {
    fn default() -> Self {
        SeverityPolicy {
            overrides: Vec::new(),
            minimum: Severity::Info,
        }
    }
}

impl SeverityPolicy {
    /// Reads one `--severity` value: `LEVEL` (the minimum to report) or
    /// `KIND=LEVEL` (that kind's severity).
    pub fn apply_option(&mut self, raw: &str) -> Result<(), String> {
        let level = |s: &str| Severity::parse(s).ok_or_else(|| format!("`{s}` is not a severity (error, warning, info)"));
        match raw.split_once('=') {
            Some((kind, sev)) => {
                let kind = Kind::parse(kind).ok_or_else(|| {
                    let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
                    format!("`{kind}` is not a finding kind ({})", names.join(", "))
                })?;
                self.overrides.push((kind, level(sev)?));
            }
            None => self.minimum = level(raw)?,
        }
        Ok(())
    }

    /// Gives each finding its severity and drops those under the minimum.
    pub fn apply(&self, findings: Vec<Finding>) -> Vec<Finding> {
        findings
            .into_iter()
            .filter_map(|mut f| {
                if let Some((_, s)) = self.overrides.iter().rev().find(|(k, _)| *k == f.kind) {
                    f.severity = *s;
                }
                (f.severity >= self.minimum).then_some(f)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.name()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.name());
        }
        assert_eq!(Kind::parse("nope"), None);
    }

    #[test]
    fn severity_policy() {
        let mut p = SeverityPolicy::default();
        p.apply_option("term-missing=error").unwrap();
        p.apply_option("warning").unwrap();
        assert!(p.apply_option("bogus=error").unwrap_err().contains("term-missing"));
        assert!(p.apply_option("loud").is_err());
        let seg = Segment {
            id: "1".into(),
            source: Variant {
                lang: Lang::parse("ja").unwrap(),
                markup: "a".into(),
                plain: "a".into(),
                admin: Default::default(),
                meta: Default::default(),
            },
            target: None,
        };
        let findings = vec![
            Finding::on(Kind::TermMissing, &seg, String::new()),
            Finding::on(Kind::InconsistentSource, &seg, String::new()),
        ];
        let kept = p.apply(findings);
        assert_eq!(kept.len(), 1);
        assert_eq!((kept[0].kind, kept[0].severity), (Kind::TermMissing, Severity::Error));
    }
}
