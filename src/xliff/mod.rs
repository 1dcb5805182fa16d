//! XLIFF: the exchange format of CAT tools.
//!
//! [`writer`] writes pre-translated documents as XLIFF 2.1 (core, with
//! translation candidates in the Translation Candidates module `mtc:` and
//! term hits in the Glossary module `gls:`) or XLIFF 1.2 (candidates as
//! `<alt-trans match-quality>`, terms as notes), from the format-neutral
//! [`Document`] below. [`reader`] reads the segments (with their ids and
//! targets) of XLIFF 1.2 and 2.x files.
//!
//! Segment texts here are plain text; the writers escape them.

pub mod reader;
pub mod writer;

use crate::lang::Lang;

/// A document to write: one file, its paragraphs as units.
#[derive(Clone, Debug)]
pub struct Document {
    /// The file the document was made from (`<file original>`).
    pub original: String,
    pub src: Lang,
    pub tgt: Lang,
    pub units: Vec<Unit>,
}

/// A paragraph.
#[derive(Clone, Debug)]
pub struct Unit {
    /// An XML NMTOKEN, unique in the document.
    pub id: String,
    pub segments: Vec<Segment>,
}

#[derive(Clone, Debug)]
pub struct Segment {
    /// An XML NMTOKEN, unique in the document.
    pub id: String,
    pub source: String,
    /// A confirmed rendering (an exact or context match): written as the
    /// target with state `translated`; `None` leaves the target to the
    /// translator.
    pub target: Option<String>,
    /// Best first.
    pub candidates: Vec<Candidate>,
    pub glossary: Vec<GlossEntry>,
}

#[derive(Clone, Debug)]
pub struct Candidate {
    pub source: String,
    pub target: String,
    /// 0–100 (XLIFF's `matchQuality` allows no more: a context match is
    /// 100 with [`CandidateKind::InContext`]).
    pub quality: f64,
    pub kind: CandidateKind,
    /// Where it came from (the TM file).
    pub origin: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CandidateKind {
    /// A translation-memory match.
    Tm,
    /// An exact match whose neighbouring segments match too (XLIFF `icm`).
    InContext,
}

/// A glossary term found in a segment, with its approved renderings.
#[derive(Clone, Debug)]
pub struct GlossEntry {
    /// The term as it appears in the source.
    pub term: String,
    pub translations: Vec<String>,
    pub definition: Option<String>,
}
