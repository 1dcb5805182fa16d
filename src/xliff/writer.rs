//! XLIFF 2.1 and 1.2 writers.
//!
//! **XLIFF 2.1** (valid against the OASIS core schema with the Translation
//! Candidates and Glossary module schemas): one `<unit>` per paragraph, one
//! `<segment>` per sentence. A segment with a confirmed target has
//! `state="translated"`; the others have no target (state `initial`). The
//! unit's candidates go in `<mtc:matches>` (`ref="#<segment id>"`,
//! `matchQuality`, `type="tm"` or `"icm"` for a context match, `origin`),
//! its term hits in `<gls:glossary>` (`ref` likewise, one `<gls:translation>`
//! per approved rendering).
//!
//! **XLIFF 1.2** (for older tools): one `<group>` per paragraph, one
//! `<trans-unit>` per sentence; candidates as `<alt-trans
//! match-quality="…">`; a confirmed target has `state="translated"` and
//! `state-qualifier="exact-match"` (`"id-match"` for a context match); term
//! hits become a `<note from="yakugo-glossary">`.
//!
//! Scores are written with at most two decimals.

use super::{CandidateKind, Document, Segment};
use crate::xml::{escape_attr, escape_text};
use std::io::{self, Write};

pub const XLIFF2_NS: &str = "urn:oasis:names:tc:xliff:document:2.0";
pub const MATCHES_NS: &str = "urn:oasis:names:tc:xliff:matches:2.0";
pub const GLOSSARY_NS: &str = "urn:oasis:names:tc:xliff:glossary:2.0";
pub const XLIFF12_NS: &str = "urn:oasis:names:tc:xliff:document:1.2";

/// Which XLIFF to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    V1_2,
    V2_1,
}

impl Version {
    pub fn parse(raw: &str) -> Option<Version> {
        match raw.trim() {
            "1.2" => Some(Version::V1_2),
            "2.1" | "2" | "2.0" => Some(Version::V2_1),
            _ => None,
        }
    }
}

/// Writes `doc` as XLIFF `version`.
pub fn write<W: Write>(mut out: W, doc: &Document, version: Version) -> io::Result<W> {
    let text = match version {
        Version::V2_1 => xliff21(doc),
        Version::V1_2 => xliff12(doc),
    };
    out.write_all(text.as_bytes())?;
    Ok(out)
}

/// Appends the indentation, `<name` and the attributes ` a="v"`.
fn tag_start(b: &mut String, indent: usize, name: &str, attrs: &[(&str, &str)]) {
    b.extend(std::iter::repeat_n(' ', indent));
    b.push('<');
    b.push_str(name);
    for (k, v) in attrs {
        b.push(' ');
        b.push_str(k);
        b.push_str("=\"");
        escape_attr(v, b);
        b.push('"');
    }
}

/// Appends `<name a="v"…>`; `close`: `/>`.
fn open_tag(b: &mut String, indent: usize, name: &str, attrs: &[(&str, &str)], close: bool) {
    tag_start(b, indent, name, attrs);
    b.push_str(if close { "/>\n" } else { ">\n" });
}

/// Appends `<name a="v"…>text</name>`.
fn text_element(b: &mut String, indent: usize, name: &str, attrs: &[(&str, &str)], text: &str) {
    tag_start(b, indent, name, attrs);
    b.push('>');
    escape_text(text, b);
    b.push_str("</");
    b.push_str(name);
    b.push_str(">\n");
}

fn close_tag(b: &mut String, indent: usize, name: &str) {
    b.extend(std::iter::repeat_n(' ', indent));
    b.push_str("</");
    b.push_str(name);
    b.push_str(">\n");
}

fn quality(score: f64) -> String {
    let q = (score.clamp(0.0, 100.0) * 100.0).round() / 100.0;
    format!("{q}")
}

fn xliff21(doc: &Document) -> String {
    let mut b = String::with_capacity(1024 + doc.units.len() * 512);
    b.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    open_tag(
        &mut b,
        0,
        "xliff",
        &[
            ("xmlns", XLIFF2_NS),
            ("xmlns:mtc", MATCHES_NS),
            ("xmlns:gls", GLOSSARY_NS),
            ("version", "2.1"),
            ("srcLang", doc.src.as_str()),
            ("trgLang", doc.tgt.as_str()),
        ],
        false,
    );
    open_tag(&mut b, 2, "file", &[("id", "f1"), ("original", &doc.original)], false);
    for unit in &doc.units {
        open_tag(&mut b, 4, "unit", &[("id", &unit.id)], false);
        let with_candidates: Vec<&Segment> = unit.segments.iter().filter(|s| !s.candidates.is_empty()).collect();
        if !with_candidates.is_empty() {
            open_tag(&mut b, 6, "mtc:matches", &[], false);
            for s in with_candidates {
                let reference = format!("#{}", s.id);
                for c in &s.candidates {
                    let q = quality(c.quality);
                    let kind = match c.kind {
                        CandidateKind::Tm => "tm",
                        CandidateKind::InContext => "icm",
                    };
                    open_tag(
                        &mut b,
                        8,
                        "mtc:match",
                        &[("ref", &reference), ("matchQuality", &q), ("type", kind), ("origin", &c.origin)],
                        false,
                    );
                    text_element(&mut b, 10, "source", &[], &c.source);
                    text_element(&mut b, 10, "target", &[], &c.target);
                    close_tag(&mut b, 8, "mtc:match");
                }
            }
            close_tag(&mut b, 6, "mtc:matches");
        }
        if unit.segments.iter().any(|s| !s.glossary.is_empty()) {
            open_tag(&mut b, 6, "gls:glossary", &[], false);
            for s in &unit.segments {
                let reference = format!("#{}", s.id);
                for g in &s.glossary {
                    open_tag(&mut b, 8, "gls:glossEntry", &[("ref", &reference)], false);
                    text_element(&mut b, 10, "gls:term", &[("source", "glossary")], &g.term);
                    for t in &g.translations {
                        text_element(&mut b, 10, "gls:translation", &[], t);
                    }
                    if let Some(d) = &g.definition {
                        text_element(&mut b, 10, "gls:definition", &[], d);
                    }
                    close_tag(&mut b, 8, "gls:glossEntry");
                }
            }
            close_tag(&mut b, 6, "gls:glossary");
        }
        for s in &unit.segments {
            match &s.target {
                Some(t) => {
                    open_tag(&mut b, 6, "segment", &[("id", &s.id), ("state", "translated")], false);
                    text_element(&mut b, 8, "source", &[], &s.source);
                    text_element(&mut b, 8, "target", &[], t);
                }
                None => {
                    open_tag(&mut b, 6, "segment", &[("id", &s.id)], false);
                    text_element(&mut b, 8, "source", &[], &s.source);
                }
            }
            close_tag(&mut b, 6, "segment");
        }
        close_tag(&mut b, 4, "unit");
    }
    close_tag(&mut b, 2, "file");
    close_tag(&mut b, 0, "xliff");
    b
}

fn xliff12(doc: &Document) -> String {
    let mut b = String::with_capacity(1024 + doc.units.len() * 512);
    b.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    open_tag(&mut b, 0, "xliff", &[("version", "1.2"), ("xmlns", XLIFF12_NS)], false);
    open_tag(
        &mut b,
        2,
        "file",
        &[
            ("original", &doc.original),
            ("source-language", doc.src.as_str()),
            ("target-language", doc.tgt.as_str()),
            ("datatype", "plaintext"),
            ("tool-id", "yakugo"),
        ],
        false,
    );
    open_tag(&mut b, 4, "header", &[], false);
    open_tag(
        &mut b,
        6,
        "tool",
        &[
            ("tool-id", "yakugo"),
            ("tool-name", "yakugo"),
            ("tool-version", env!("CARGO_PKG_VERSION")),
        ],
        true,
    );
    close_tag(&mut b, 4, "header");
    open_tag(&mut b, 4, "body", &[], false);
    for unit in &doc.units {
        open_tag(&mut b, 6, "group", &[("id", &unit.id), ("restype", "x-paragraph")], false);
        for s in &unit.segments {
            open_tag(&mut b, 8, "trans-unit", &[("id", &s.id)], false);
            text_element(&mut b, 10, "source", &[("xml:lang", doc.src.as_str())], &s.source);
            if let Some(t) = &s.target {
                let qualifier = match s.candidates.first().map(|c| c.kind) {
                    Some(CandidateKind::InContext) => "id-match",
                    _ => "exact-match",
                };
                text_element(
                    &mut b,
                    10,
                    "target",
                    &[
                        ("xml:lang", doc.tgt.as_str()),
                        ("state", "translated"),
                        ("state-qualifier", qualifier),
                    ],
                    t,
                );
            }
            for c in &s.candidates {
                let q = quality(c.quality);
                open_tag(&mut b, 10, "alt-trans", &[("match-quality", &q), ("origin", &c.origin)], false);
                text_element(&mut b, 12, "source", &[("xml:lang", doc.src.as_str())], &c.source);
                text_element(&mut b, 12, "target", &[("xml:lang", doc.tgt.as_str())], &c.target);
                close_tag(&mut b, 10, "alt-trans");
            }
            if !s.glossary.is_empty() {
                let terms: Vec<String> = s
                    .glossary
                    .iter()
                    .map(|g| format!("{} = {}", g.term, g.translations.join(" / ")))
                    .collect();
                text_element(&mut b, 10, "note", &[("from", "yakugo-glossary")], &terms.join("; "));
            }
            close_tag(&mut b, 8, "trans-unit");
        }
        close_tag(&mut b, 6, "group");
    }
    close_tag(&mut b, 4, "body");
    close_tag(&mut b, 2, "file");
    close_tag(&mut b, 0, "xliff");
    b
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::{Candidate, GlossEntry, Unit};
    use super::*;

    pub fn sample() -> Document {
        Document {
            original: "new & old.txt".into(),
            src: "ja".parse().unwrap(),
            tgt: "en".parse().unwrap(),
            units: vec![Unit {
                id: "u1".into(),
                segments: vec![
                    Segment {
                        id: "s1".into(),
                        source: "総務省は<報告書>を公表しました。".into(),
                        target: Some("MIC published the <report>.".into()),
                        candidates: vec![Candidate {
                            source: "総務省は<報告書>を公表しました。".into(),
                            target: "MIC published the <report>.".into(),
                            quality: 100.0,
                            kind: CandidateKind::InContext,
                            origin: "tm.tmx".into(),
                        }],
                        glossary: vec![GlossEntry {
                            term: "総務省".into(),
                            translations: vec!["MIC".into(), "Ministry of Internal Affairs and Communications".into()],
                            definition: None,
                        }],
                    },
                    Segment {
                        id: "s2".into(),
                        source: "新しい文。".into(),
                        target: None,
                        candidates: vec![],
                        glossary: vec![],
                    },
                ],
            }],
        }
    }

    #[test]
    fn xliff21_layout() {
        let x = xliff21(&sample());
        assert!(x.contains(r#"<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" xmlns:mtc="urn:oasis:names:tc:xliff:matches:2.0" xmlns:gls="urn:oasis:names:tc:xliff:glossary:2.0" version="2.1" srcLang="ja" trgLang="en">"#));
        assert!(x.contains(r#"<file id="f1" original="new &amp; old.txt">"#));
        assert!(x.contains(r##"<mtc:match ref="#s1" matchQuality="100" type="icm" origin="tm.tmx">"##));
        assert!(x.contains("<target>MIC published the &lt;report&gt;.</target>"));
        assert!(x.contains(r##"<gls:glossEntry ref="#s1">"##));
        assert!(x.contains(r#"<segment id="s1" state="translated">"#));
        assert!(x.contains("<segment id=\"s2\">\n        <source>新しい文。</source>\n      </segment>"));
        // Module elements come before the segments, as the core schema requires.
        assert!(x.find("<mtc:matches>").unwrap() < x.find("<segment").unwrap());
    }

    #[test]
    fn xliff12_layout() {
        let x = xliff12(&sample());
        assert!(x.contains(r#"<trans-unit id="s1">"#));
        assert!(x.contains(r#"state="translated" state-qualifier="id-match">MIC published the &lt;report&gt;.</target>"#));
        assert!(x.contains(r#"<alt-trans match-quality="100" origin="tm.tmx">"#));
        assert!(x.contains(r#"<note from="yakugo-glossary">総務省 = MIC / Ministry of Internal Affairs and Communications</note>"#));
    }

    #[test]
    fn quality_has_two_decimals_at_most() {
        assert_eq!(quality(93.755), "93.76");
        assert_eq!(quality(101.0), "100");
        assert_eq!(quality(95.0), "95");
    }
}
