//! TMX 1.4b writer.
//!
//! Output is valid against the TMX 1.4b DTD: the reader repairs markup the
//! DTD does not allow, so segment markup can be written back verbatim. The
//! writer is a stream: one unit in, one unit out, nothing held.

use crate::model::{Admin, Meta, TmxDate, Unit};
use crate::xml::{escape_attr, escape_text};
use std::io::{self, Write};

/// What the `<header>` of an export says.
#[derive(Clone, Debug)]
pub struct ExportHeader {
    /// `*all*` or a language tag.
    pub srclang: String,
    pub segtype: String,
    pub adminlang: String,
    pub datatype: String,
    pub creation_date: TmxDate,
    pub meta: Meta,
    pub udes: Vec<String>,
}

impl Default for ExportHeader {
    /// TMX's usual values: any source language, sentences, plain text,
    /// created now, no props.
    fn default() -> Self {
        ExportHeader {
            srclang: "*all*".into(),
            segtype: "sentence".into(),
            adminlang: "en".into(),
            datatype: "plaintext".into(),
            creation_date: TmxDate::now(),
            meta: Meta::default(),
            udes: Vec::new(),
        }
    }
}

pub struct TmxWriter<W: Write> {
    out: W,
    buf: String,
}

impl<W: Write> TmxWriter<W> {
    /// Writes the prolog and header, and opens `<body>`.
    pub fn new(out: W, header: &ExportHeader) -> io::Result<Self> {
        let mut w = TmxWriter {
            out,
            buf: String::with_capacity(4096),
        };
        let b = &mut w.buf;
        b.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE tmx SYSTEM \"tmx14.dtd\">\n<tmx version=\"1.4\">\n  <header");
        for (name, value) in [
            ("creationtool", "yakugo"),
            ("creationtoolversion", env!("CARGO_PKG_VERSION")),
            ("segtype", header.segtype.as_str()),
            ("o-tmf", "yakugo"),
            ("adminlang", header.adminlang.as_str()),
            ("srclang", header.srclang.as_str()),
            ("datatype", header.datatype.as_str()),
            ("creationdate", header.creation_date.as_str()),
        ] {
            attr(b, name, value);
        }
        if header.meta.is_empty() && header.udes.is_empty() {
            b.push_str("/>\n");
        } else {
            b.push_str(">\n");
            meta(b, &header.meta, "    ");
            for ude in &header.udes {
                b.push_str("    ");
                b.push_str(ude);
                b.push('\n');
            }
            b.push_str("  </header>\n");
        }
        b.push_str("  <body>\n");
        w.flush_buf()?;
        Ok(w)
    }

    pub fn write_unit(&mut self, unit: &Unit) -> io::Result<()> {
        let b = &mut self.buf;
        b.push_str("    <tu");
        if let Some(tuid) = &unit.tuid {
            attr(b, "tuid", tuid);
        }
        if let Some(src) = &unit.srclang {
            attr(b, "srclang", &src.to_string());
        }
        if let Some(segtype) = &unit.segtype {
            attr(b, "segtype", segtype);
        }
        admin(b, &unit.admin);
        b.push_str(">\n");
        meta(b, &unit.meta, "      ");
        for v in &unit.variants {
            b.push_str("      <tuv");
            attr(b, "xml:lang", v.lang.as_str());
            admin(b, &v.admin);
            b.push_str(">\n");
            meta(b, &v.meta, "        ");
            b.push_str("        <seg>");
            b.push_str(&v.markup);
            b.push_str("</seg>\n      </tuv>\n");
        }
        b.push_str("    </tu>\n");
        if self.buf.len() > 256 * 1024 {
            self.flush_buf()?;
        }
        Ok(())
    }

    /// Closes the document and returns the underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.buf.push_str("  </body>\n</tmx>\n");
        self.flush_buf()?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn flush_buf(&mut self) -> io::Result<()> {
        self.out.write_all(self.buf.as_bytes())?;
        self.buf.clear();
        Ok(())
    }
}

fn attr(b: &mut String, name: &str, value: &str) {
    b.push(' ');
    b.push_str(name);
    b.push_str("=\"");
    escape_attr(value, b);
    b.push('"');
}

fn admin(b: &mut String, a: &Admin) {
    let dates = [
        ("creationdate", &a.creation_date),
        ("changedate", &a.change_date),
        ("lastusagedate", &a.last_usage_date),
    ];
    let texts = [
        ("creationid", &a.creation_id),
        ("changeid", &a.change_id),
        ("creationtool", &a.creation_tool),
        ("creationtoolversion", &a.creation_tool_version),
        ("datatype", &a.datatype),
        ("o-tmf", &a.o_tmf),
        ("o-encoding", &a.o_encoding),
    ];
    for (name, value) in dates {
        if let Some(d) = value {
            attr(b, name, d.as_str());
        }
    }
    for (name, value) in texts {
        if let Some(v) = value {
            attr(b, name, v);
        }
    }
    if let Some(n) = a.usage_count {
        attr(b, "usagecount", &n.to_string());
    }
}

fn meta(b: &mut String, m: &Meta, indent: &str) {
    for p in &m.props {
        b.push_str(indent);
        b.push_str("<prop");
        attr(b, "type", &p.kind);
        if let Some(lang) = &p.lang {
            attr(b, "xml:lang", lang);
        }
        if let Some(enc) = &p.o_encoding {
            attr(b, "o-encoding", enc);
        }
        b.push('>');
        escape_text(&p.value, b);
        b.push_str("</prop>\n");
    }
    for n in &m.notes {
        b.push_str(indent);
        b.push_str("<note");
        if let Some(lang) = &n.lang {
            attr(b, "xml:lang", lang);
        }
        if let Some(enc) = &n.o_encoding {
            attr(b, "o-encoding", enc);
        }
        b.push('>');
        escape_text(&n.text, b);
        b.push_str("</note>\n");
    }
}
