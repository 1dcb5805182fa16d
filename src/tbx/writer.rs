//! TBX v3 writer: TBX-Basic dialect, DCA style
//! (`<tbx type="TBX-Basic" style="dca" xmlns="urn:iso:std:iso:30042:ed-2">`).
//!
//! Every field of the model is written, so that [`super::TbxReader`] reads
//! the same concepts back:
//!
//! * a concept's `id` (omitted when it has none), `subjectField`,
//!   `definition` and `note`;
//! * one `langSec` per run of consecutive terms in the same language (so
//!   the order of the terms is kept even when languages alternate);
//! * per term: `term`, `partOfSpeech`, `administrativeStatus` (always),
//!   `termType`, `x-caseSensitive` (only when set: it is not a TBX-Basic data
//!   category, so files without case-sensitive terms stay pure TBX-Basic),
//!   `admin type="source"` and `note`.
//!
//! The reader trims texts and reads an empty element as absent, so concepts
//! round-trip exactly when their texts have no surrounding whitespace and
//! optional fields are not empty strings. Characters XML 1.0 cannot carry
//! (most control characters) are refused with an `InvalidData` error.

use crate::terms::{Concept, Term};
use crate::xml;
use std::io::{self, Write};

/// Writes concepts one at a time; [`TbxWriter::finish`] closes the document.
pub struct TbxWriter<W: Write> {
    out: W,
    buf: String,
}

impl<W: Write> TbxWriter<W> {
    /// Writes the XML declaration, the root (whose `xml:lang` is `lang`,
    /// the file's default language) and the header.
    pub fn new(mut out: W, lang: &str) -> io::Result<TbxWriter<W>> {
        let mut head = String::new();
        head.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        head.push_str("<tbx type=\"TBX-Basic\" style=\"dca\" xml:lang=\"");
        xml::escape_attr(lang, &mut head);
        head.push_str("\" xmlns=\"urn:iso:std:iso:30042:ed-2\">\n");
        head.push_str("  <tbxHeader>\n    <fileDesc>\n      <sourceDesc>\n        <p>Written by yakugo.</p>\n");
        head.push_str("      </sourceDesc>\n    </fileDesc>\n  </tbxHeader>\n  <text>\n    <body>\n");
        out.write_all(head.as_bytes())?;
        Ok(TbxWriter { out, buf: String::new() })
    }

    pub fn write_concept(&mut self, concept: &Concept) -> io::Result<()> {
        let b = &mut self.buf;
        b.clear();
        b.push_str("      <conceptEntry");
        if let Some(id) = &concept.id {
            b.push_str(" id=\"");
            xml::escape_attr(id, b);
            b.push('"');
        }
        b.push_str(">\n");
        if let Some(v) = &concept.subject_field {
            element(b, 8, "descrip", Some("subjectField"), v);
        }
        if let Some(v) = &concept.definition {
            element(b, 8, "descrip", Some("definition"), v);
        }
        if let Some(v) = &concept.note {
            element(b, 8, "note", None, v);
        }
        let mut i = 0;
        while i < concept.terms.len() {
            let lang = &concept.terms[i].lang;
            b.push_str("        <langSec xml:lang=\"");
            xml::escape_attr(lang.as_str(), b);
            b.push_str("\">\n");
            while i < concept.terms.len() && concept.terms[i].lang == *lang {
                term(b, &concept.terms[i]);
                i += 1;
            }
            b.push_str("        </langSec>\n");
        }
        b.push_str("      </conceptEntry>\n");
        if let Some((_, c)) = xml::forbidden_char(b) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "concept {}: the character U+{:04X} cannot be written in XML 1.0",
                    concept.id.as_deref().unwrap_or("(no id)"),
                    c as u32
                ),
            ));
        }
        self.out.write_all(b.as_bytes())
    }

    /// Closes the document and returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(b"    </body>\n  </text>\n</tbx>\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

fn term(b: &mut String, t: &Term) {
    b.push_str("          <termSec>\n");
    element(b, 12, "term", None, &t.text);
    if let Some(v) = &t.part_of_speech {
        element(b, 12, "termNote", Some("partOfSpeech"), v);
    }
    element(b, 12, "termNote", Some("administrativeStatus"), t.status.tbx_value());
    if let Some(v) = &t.term_type {
        element(b, 12, "termNote", Some("termType"), v);
    }
    if t.case_sensitive {
        element(b, 12, "termNote", Some("x-caseSensitive"), "true");
    }
    if let Some(v) = &t.source {
        element(b, 12, "admin", Some("source"), v);
    }
    if let Some(v) = &t.note {
        element(b, 12, "note", None, v);
    }
    b.push_str("          </termSec>\n");
}

fn element(b: &mut String, indent: usize, name: &str, kind: Option<&str>, text: &str) {
    b.extend(std::iter::repeat_n(' ', indent));
    b.push('<');
    b.push_str(name);
    if let Some(kind) = kind {
        b.push_str(" type=\"");
        b.push_str(kind);
        b.push('"');
    }
    b.push('>');
    xml::escape_text(text, b);
    b.push_str("</");
    b.push_str(name);
    b.push_str(">\n");
}

/// Writes a whole TBX file. The root's `xml:lang` is the first term's
/// language (`en` when there is none).
pub fn write_tbx<W: Write>(out: W, concepts: &[Concept]) -> io::Result<W> {
    let lang = concepts
        .iter()
        .flat_map(|c| c.terms.first())
        .next()
        .map(|t| t.lang.as_str().to_string())
        .unwrap_or_else(|| "en".to_string());
    let mut w = TbxWriter::new(out, &lang)?;
    for c in concepts {
        w.write_concept(c)?;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;
    use crate::terms::TermStatus;

    fn concept(text: &str, case_sensitive: bool) -> Concept {
        Concept {
            id: Some("a&b".into()),
            terms: vec![Term {
                lang: Lang::parse("en").unwrap(),
                text: text.into(),
                status: TermStatus::Deprecated,
                part_of_speech: None,
                term_type: None,
                note: None,
                source: None,
                case_sensitive,
            }],
            ..Concept::default()
        }
    }

    #[test]
    fn writes_tbx_basic_dca() {
        let out = String::from_utf8(write_tbx(Vec::new(), &[concept("R&D <x>", false)]).unwrap()).unwrap();
        assert!(out.contains("<tbx type=\"TBX-Basic\" style=\"dca\" xml:lang=\"en\" xmlns=\"urn:iso:std:iso:30042:ed-2\">"));
        assert!(out.contains("<conceptEntry id=\"a&amp;b\">"));
        assert!(out.contains("<term>R&amp;D &lt;x&gt;</term>"));
        assert!(out.contains("<termNote type=\"administrativeStatus\">deprecatedTerm-admn-sts</termNote>"));
        assert!(!out.contains("x-caseSensitive"));
        let out = String::from_utf8(write_tbx(Vec::new(), &[concept("IT", true)]).unwrap()).unwrap();
        assert!(out.contains("<termNote type=\"x-caseSensitive\">true</termNote>"));
    }

    #[test]
    fn refuses_characters_xml_cannot_carry() {
        let e = write_tbx(Vec::new(), &[concept("a\u{1}", false)]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
    }
}
