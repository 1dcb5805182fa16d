//! XLIFF 1.2 and 2.x reader: the segments of a file, with ids, source and
//! target (markup as written and plain text).
//!
//! The file is streamed with [`Events`]; each `<trans-unit>` (1.x) or
//! `<unit>` (2.x) is read as a small tree, so memory is bounded by the
//! largest unit plus the segments returned. What counts as a segment:
//!
//! * **1.x**: a `<trans-unit>`; when it has a `<seg-source>` with
//!   `<mrk mtype="seg">` elements, each of those (target `mrk`s are paired
//!   by `mid`). Its id is the unit's, or `unit_mid`.
//! * **2.x**: each `<segment>` of a `<unit>` (`<ignorable>` is skipped); a
//!   segment without an id is numbered within its unit (`unit-1`).
//!
//! Units marked `translate="no"` are skipped. The plain text leaves out the
//! native codes of 1.2 inline elements (`bpt ept ph it`) and resolves 2.x
//! `<cp hex>`; the text of `g`, `mrk`, `pc`, `sub` is kept. Errors (not
//! well-formed XML, not XLIFF, a unit without a source) name
//! file:line:column.

use crate::lang::Lang;
use crate::xml::tree::{local_name, Element, Node};
use crate::xml::{self, Events, InputError, ParseError};
use quick_xml::events::Event;
use serde::Serialize;
use std::path::Path;

/// The segments of one XLIFF file.
#[derive(Clone, Debug, Serialize)]
pub struct XliffDoc {
    /// The `version` of the root element (`1.2`, `2.1`, …).
    pub version: String,
    /// 2.x: the root's `srcLang`/`trgLang`; 1.x: the first `<file>`'s
    /// `source-language`/`target-language`.
    pub src_lang: Option<Lang>,
    pub tgt_lang: Option<Lang>,
    /// The first `<file>`'s `original`.
    pub original: Option<String>,
    pub segments: Vec<XliffSegment>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct XliffSegment {
    pub unit_id: String,
    /// Unique within the unit (see the module documentation).
    pub id: String,
    /// The content of `<source>` as XML.
    pub source_markup: String,
    pub source_plain: String,
    pub target_markup: Option<String>,
    pub target_plain: Option<String>,
    /// The segment's (2.x) or target's (1.x) `state`.
    pub state: Option<String>,
    /// The line of the unit's start tag.
    pub line: u64,
}

impl XliffDoc {
    pub fn open(path: &Path) -> Result<XliffDoc, InputError> {
        let mut events = Events::open(path)?;
        read(&mut events).map_err(|e| events.locate(e))
    }

    /// Whether the file is XLIFF 2.x.
    pub fn is_v2(&self) -> bool {
        self.version.starts_with('2')
    }
}

fn read(events: &mut Events) -> Result<XliffDoc, ParseError> {
    let mut doc = loop {
        match events.next_event()? {
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::DocType(d) => xml::check_doctype(&d).or_else(|m| events.error(m))?,
            Event::Text(t) if t.trim().is_empty() => {}
            Event::Start(e) if local_name(e.name().as_ref()) == "xliff" => {
                let attrs = events.attributes(&e)?;
                let get = |k: &str| attrs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string());
                let Some(version) = get("version") else {
                    return events.error("the <xliff> element has no `version`; expected 1.2 or 2.x");
                };
                if !(version.starts_with("1.") || version.starts_with("2.")) {
                    return events.error(format!("XLIFF version `{version}` is not supported; yakugo reads 1.x and 2.x"));
                }
                let mut doc = XliffDoc {
                    version,
                    src_lang: None,
                    tgt_lang: None,
                    original: None,
                    segments: Vec::new(),
                };
                if doc.is_v2() {
                    doc.src_lang = lang(events, get("srcLang"))?;
                    doc.tgt_lang = lang(events, get("trgLang"))?;
                }
                break doc;
            }
            Event::Start(e) | Event::Empty(e) => {
                let name = e.name().as_ref().to_string();
                return events.error(format!("this is not an XLIFF file: the root element is <{name}>, expected <xliff>"));
            }
            Event::Eof => return events.error("the file is empty or has no root element; expected an XLIFF document"),
            _ => return events.error("expected an XLIFF document (the <xliff> root element)"),
        }
    };
    let unit_element = if doc.is_v2() { "unit" } else { "trans-unit" };
    let mut depth = 1usize;
    loop {
        match events.next_event()? {
            Event::Start(e) if local_name(e.name().as_ref()) == unit_element => {
                let unit = events.read_element(&e, false)?;
                if doc.is_v2() {
                    unit_v2(&unit, &mut doc.segments)?;
                } else {
                    unit_v1(&unit, &mut doc.segments)?;
                }
            }
            Event::Start(e) => {
                if local_name(e.name().as_ref()) == "file" && doc.original.is_none() {
                    let attrs = events.attributes(&e)?;
                    let get = |k: &str| attrs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string());
                    doc.original = get("original");
                    if !doc.is_v2() {
                        doc.src_lang = lang(events, get("source-language"))?;
                        doc.tgt_lang = lang(events, get("target-language"))?;
                    }
                }
                depth += 1;
            }
            Event::End(_) => {
                depth -= 1;
                if depth == 0 {
                    events.expect_trailing_misc()?;
                    return Ok(doc);
                }
            }
            Event::GeneralRef(r) => {
                xml::resolve_entity(&r).or_else(|m| events.error(m))?;
            }
            Event::Eof => return events.error("the file ends before </xliff> (is it truncated?)"),
            _ => {}
        }
    }
}

fn lang(events: &Events, raw: Option<String>) -> Result<Option<Lang>, ParseError> {
    match raw {
        None => Ok(None),
        Some(raw) => Lang::parse(&raw).map(Some).or_else(|e| events.error(e.to_string())),
    }
}

fn untranslatable(e: &Element) -> bool {
    e.attr("translate").is_some_and(|t| t.trim() == "no")
}

fn child<'e>(e: &'e Element, local: &str) -> Option<&'e Element> {
    e.elements().find(|c| c.local() == local)
}

fn unit_v2(unit: &Element, out: &mut Vec<XliffSegment>) -> Result<(), ParseError> {
    if untranslatable(unit) {
        return Ok(());
    }
    let unit_id = unit.attr("id").unwrap_or_default().to_string();
    for (n, segment) in unit.elements().filter(|e| e.local() == "segment").enumerate() {
        let Some(source) = child(segment, "source") else {
            return Err(missing_source(segment, &unit_id));
        };
        let target = child(segment, "target");
        out.push(XliffSegment {
            unit_id: unit_id.clone(),
            id: segment.attr("id").map_or_else(|| format!("{unit_id}-{}", n + 1), str::to_string),
            source_markup: source.inner_markup(),
            source_plain: plain(source),
            target_markup: target.map(Element::inner_markup),
            target_plain: target.map(plain),
            state: segment.attr("state").map(str::to_string),
            line: unit.line,
        });
    }
    Ok(())
}

fn unit_v1(unit: &Element, out: &mut Vec<XliffSegment>) -> Result<(), ParseError> {
    if untranslatable(unit) {
        return Ok(());
    }
    let unit_id = unit.attr("id").unwrap_or_default().to_string();
    let Some(source) = child(unit, "source") else {
        return Err(missing_source(unit, &unit_id));
    };
    let target = child(unit, "target");
    let state = target.and_then(|t| t.attr("state")).map(str::to_string);
    let marks = |e: &Element| -> Vec<Element> {
        e.elements()
            .filter(|m| m.local() == "mrk" && m.attr("mtype") == Some("seg"))
            .cloned()
            .collect()
    };
    let seg_marks = child(unit, "seg-source").map(marks).unwrap_or_default();
    if seg_marks.is_empty() {
        out.push(XliffSegment {
            unit_id: unit_id.clone(),
            id: unit_id,
            source_markup: source.inner_markup(),
            source_plain: plain(source),
            target_markup: target.map(Element::inner_markup),
            target_plain: target.map(plain),
            state,
            line: unit.line,
        });
        return Ok(());
    }
    let target_marks = target.map(marks).unwrap_or_default();
    for m in &seg_marks {
        let mid = m.attr("mid").unwrap_or_default();
        let t = target_marks.iter().find(|t| t.attr("mid") == Some(mid));
        out.push(XliffSegment {
            unit_id: unit_id.clone(),
            id: format!("{unit_id}_{mid}"),
            source_markup: m.inner_markup(),
            source_plain: plain(m),
            target_markup: t.map(Element::inner_markup),
            target_plain: t.map(plain),
            state: state.clone(),
            line: unit.line,
        });
    }
    Ok(())
}

fn missing_source(e: &Element, unit_id: &str) -> ParseError {
    ParseError {
        offset: e.offset,
        message: format!("<{}> in unit `{unit_id}` has no <source>", e.local()),
    }
}

/// The text a translator reads: native codes left out, `<cp>` resolved.
fn plain(e: &Element) -> String {
    fn collect(e: &Element, out: &mut String) {
        for n in &e.children {
            match n {
                Node::Text(t) => out.push_str(t),
                Node::Element(c) => match c.local() {
                    "bpt" | "ept" | "ph" | "it" => {}
                    "cp" => {
                        if let Some(ch) = c
                            .attr("hex")
                            .and_then(|h| u32::from_str_radix(h.trim(), 16).ok())
                            .and_then(char::from_u32)
                        {
                            out.push(ch);
                        }
                    }
                    _ => collect(c, out),
                },
            }
        }
    }
    let mut out = String::new();
    collect(e, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(body: &str) -> Result<XliffDoc, InputError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.xlf");
        std::fs::write(&path, body).unwrap();
        XliffDoc::open(&path)
    }

    #[test]
    fn reads_what_the_writers_write() {
        let doc = super::super::writer::tests::sample();
        for version in [super::super::writer::Version::V2_1, super::super::writer::Version::V1_2] {
            let bytes = super::super::writer::write(Vec::new(), &doc, version).unwrap();
            let back = read_str(std::str::from_utf8(&bytes).unwrap()).unwrap();
            assert_eq!(back.src_lang.as_ref().map(Lang::as_str), Some("ja"));
            assert_eq!(back.tgt_lang.as_ref().map(Lang::as_str), Some("en"));
            assert_eq!(back.original.as_deref(), Some("new & old.txt"));
            let ids: Vec<&str> = back.segments.iter().map(|s| s.id.as_str()).collect();
            assert_eq!(ids, ["s1", "s2"], "{version:?}");
            assert_eq!(back.segments[0].source_plain, "総務省は<報告書>を公表しました。");
            assert_eq!(back.segments[0].source_markup, "総務省は&lt;報告書&gt;を公表しました。");
            assert_eq!(back.segments[0].target_plain.as_deref(), Some("MIC published the <report>."));
            assert_eq!(back.segments[0].state.as_deref(), Some("translated"));
            assert_eq!(back.segments[1].target_plain, None);
        }
    }

    #[test]
    fn inline_codes_and_segmented_units() {
        let doc = read_str(
            r#"<xliff version="1.2"><file original="a" source-language="en" target-language="ja" datatype="plaintext"><body>
<trans-unit id="1"><source>Press <bpt id="1">&lt;b&gt;</bpt>OK<ept id="1">&lt;/b&gt;</ept>.</source></trans-unit>
<trans-unit id="2" translate="no"><source>skip</source></trans-unit>
<trans-unit id="3"><source>A. B.</source><seg-source><mrk mtype="seg" mid="a">A.</mrk> <mrk mtype="seg" mid="b">B.</mrk></seg-source>
<target><mrk mtype="seg" mid="b">ビー。</mrk></target></trans-unit>
</body></file></xliff>"#,
        )
        .unwrap();
        let got: Vec<(&str, &str, Option<&str>)> = doc
            .segments
            .iter()
            .map(|s| (s.id.as_str(), s.source_plain.as_str(), s.target_plain.as_deref()))
            .collect();
        assert_eq!(got, [("1", "Press OK.", None), ("3_a", "A.", None), ("3_b", "B.", Some("ビー。"))]);
        assert!(doc.segments[0].source_markup.contains(r#"<bpt id="1">&lt;b&gt;</bpt>"#));
        let v2 = read_str(
            r#"<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en"><file id="f"><unit id="u"><segment><source>a<cp hex="0001"/>b</source></segment><ignorable><source> </source></ignorable><segment id="x"><source>c</source></segment></unit></file></xliff>"#,
        )
        .unwrap();
        let ids: Vec<(&str, &str)> = v2.segments.iter().map(|s| (s.id.as_str(), s.source_plain.as_str())).collect();
        assert_eq!(ids, [("u-1", "a\u{1}b"), ("x", "c")]);
    }

    #[test]
    fn errors_are_located() {
        let e = read_str("<xliff version=\"2.1\" srcLang=\"en\"><file id=\"f\">\n<unit id=\"u\"><segment/></unit></file></xliff>")
            .unwrap_err()
            .to_string();
        assert!(e.contains("t.xlf:2:") && e.contains("has no <source>"), "{e}");
        let e = read_str("<tmx version=\"1.4\"/>").unwrap_err().to_string();
        assert!(e.contains("t.xlf:1:1:") && e.contains("not an XLIFF file"), "{e}");
        let e = read_str("<xliff version=\"2.1\" srcLang=\"en\"><file id=\"f\">")
            .unwrap_err()
            .to_string();
        assert!(e.contains("truncated"), "{e}");
    }
}
