//! Safe, streaming XML input shared by the TMX, TBX and XLIFF readers.
//!
//! Three concerns live here so that every format reader gets them right
//! once:
//!
//! * **Encodings.** Files arrive as UTF-8 (with or without BOM), UTF-16 LE/BE
//!   (with or without BOM, as memoQ and Trados write them), or in whatever
//!   legacy encoding the XML declaration names. [`open`] sniffs the first
//!   bytes (XML 1.0 Appendix F) and returns a UTF-8 stream. UTF-8 input is
//!   passed through untouched, so invalid UTF-8 is reported as an error
//!   rather than silently replaced.
//! * **Hostile input.** DTDs are never fetched. An internal subset that
//!   declares entities is refused outright ([`check_doctype`]), which rules
//!   out entity-expansion ("billion laughs") and external-entity attacks;
//!   references to undeclared entities are errors ([`resolve_entity`]).
//! * **Positions.** Parsers report byte offsets into the decoded stream;
//!   [`locate`] turns one into a 1-based line and column (in characters)
//!   by decoding the file again up to that point, which costs nothing on the
//!   happy path.

mod events;
mod scan;
pub mod tree;

pub use events::{Events, Parse, ParseError};
pub use scan::ScanningReader;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// An input error, located in its file.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The cause is part of the message (not a `source`): reports print
    /// this error on its own.
    #[error("{}: cannot read: {cause}", path.display())]
    Io { path: PathBuf, cause: io::Error },
    #[error("{}:{line}:{column}: {message}", path.display())]
    Syntax {
        path: PathBuf,
        line: u64,
        column: u64,
        message: String,
    },
}

/// The reader every format parser consumes: UTF-8 bytes.
pub type Utf8Reader = Box<dyn BufRead + Send>;

const BUF: usize = 256 * 1024;

/// Opens `path` and returns its content as a UTF-8 stream.
pub fn open(path: &Path) -> Result<Utf8Reader, InputError> {
    let io_err = |cause| InputError::Io {
        path: path.to_path_buf(),
        cause,
    };
    let file = File::open(path).map_err(io_err)?;
    let mut reader = BufReader::with_capacity(BUF, file);
    let head = reader.fill_buf().map_err(io_err)?;
    let encoding = sniff(head).map_err(|message| InputError::Syntax {
        path: path.to_path_buf(),
        line: 1,
        column: 1,
        message,
    })?;
    Ok(decode(reader, encoding))
}

/// Wraps a byte stream whose encoding is known into a UTF-8 stream.
fn decode<R: Read + Send + 'static>(reader: R, encoding: &'static Encoding) -> Utf8Reader {
    if encoding == UTF_8 {
        Box::new(SkipUtf8Bom::new(reader))
    } else {
        let decoder = encoding_rs_io::DecodeReaderBytesBuilder::new()
            .encoding(Some(encoding))
            .bom_override(true)
            .build(reader);
        Box::new(BufReader::with_capacity(BUF, decoder))
    }
}

/// Guesses the encoding from the first bytes and the XML declaration.
fn sniff(head: &[u8]) -> Result<&'static Encoding, String> {
    match head {
        [0xEF, 0xBB, 0xBF, ..] => return Ok(UTF_8),
        [0xFF, 0xFE, ..] | [b'<', 0, b'?', 0, ..] | [b'<', 0, _, 0, ..] => return Ok(UTF_16LE),
        [0xFE, 0xFF, ..] | [0, b'<', 0, b'?', ..] | [0, b'<', 0, _, ..] => return Ok(UTF_16BE),
        _ => {}
    }
    let Some(label) = declared_encoding(head) else {
        return Ok(UTF_8);
    };
    // A file saved as UTF-8 whose declaration still says UTF-16 (a common
    // export bug) cannot really be UTF-16: we got here with ASCII `<?xml`.
    if label.eq_ignore_ascii_case("utf-16") {
        return Ok(UTF_8);
    }
    Encoding::for_label(label.as_bytes())
        .ok_or_else(|| format!("the XML declaration names the encoding `{label}`, which yakugo does not know; convert the file to UTF-8"))
}

/// The `encoding` pseudo-attribute of an ASCII-compatible XML declaration.
fn declared_encoding(head: &[u8]) -> Option<String> {
    let head = &head[..head.len().min(512)];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let rest = &decl[decl.find("encoding")? + "encoding".len()..];
    let rest = rest.trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].to_string())
}

/// A reader that drops a leading UTF-8 byte-order mark.
struct SkipUtf8Bom<R> {
    inner: BufReader<R>,
    checked: bool,
}

impl<R: Read> SkipUtf8Bom<R> {
    fn new(inner: R) -> Self {
        SkipUtf8Bom {
            inner: BufReader::with_capacity(BUF, inner),
            checked: false,
        }
    }
}

impl<R: Read> Read for SkipUtf8Bom<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.checked {
            self.fill_buf()?;
        }
        // `BufReader` reads straight into `buf` when its own buffer is
        // empty and `buf` is at least as large: the XML scanner's chunks
        // are, so the text is not copied once more on its way (200k Kyoto
        // units: 75M instructions of copying).
        self.inner.read(buf)
    }
}

impl<R: Read> BufRead for SkipUtf8Bom<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if !self.checked {
            self.checked = true;
            if self.inner.fill_buf()?.starts_with(&[0xEF, 0xBB, 0xBF]) {
                self.inner.consume(3);
            }
        }
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.inner.consume(amt)
    }
}

/// Converts a byte offset in the decoded stream of `path` into a 1-based
/// line and column (columns count characters).
pub fn locate(path: &Path, offset: u64) -> (u64, u64) {
    let Ok(mut reader) = open(path) else {
        return (1, 1);
    };
    let (mut line, mut line_start) = (1u64, Vec::new());
    let mut pos = 0u64;
    let mut buf = [0u8; 64 * 1024];
    'outer: while let Ok(n @ 1..) = reader.read(&mut buf) {
        for &b in &buf[..n] {
            if pos >= offset {
                break 'outer;
            }
            pos += 1;
            if b == b'\n' {
                line += 1;
                line_start.clear();
            } else {
                line_start.push(b);
            }
        }
    }
    let column = String::from_utf8_lossy(&line_start).chars().count() as u64 + 1;
    (line, column)
}

/// Refuses a DOCTYPE whose internal subset declares entities. An external
/// DTD reference alone (`<!DOCTYPE tmx SYSTEM "tmx14.dtd">`) is accepted
/// and ignored: yakugo never fetches it.
pub fn check_doctype(doctype: &str) -> Result<(), String> {
    if doctype.contains("<!ENTITY") {
        return Err("the DOCTYPE declares entities, which yakugo refuses (they enable entity-expansion and external-entity attacks); remove the internal DTD subset".into());
    }
    Ok(())
}

/// Resolves a general entity reference (`amp`, `#x65E5`, …) to its text.
/// Only the five predefined entities and character references exist, since
/// entity declarations are refused.
pub fn resolve_entity(name: &str) -> Result<char, String> {
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()
            } else if let Some(dec) = name.strip_prefix('#') {
                dec.parse::<u32>().ok()
            } else {
                return Err(format!(
                    "the entity `&{name};` is not defined (only &amp; &lt; &gt; &quot; &apos; and character references are allowed)"
                ));
            };
            return code
                .and_then(char::from_u32)
                .filter(|c| !matches!(*c, '\0'..='\x08' | '\x0B' | '\x0C' | '\x0E'..='\x1F'))
                .ok_or_else(|| format!("`&{name};` is not a valid XML character reference"));
        }
    };
    Ok(c)
}

/// The first character XML 1.0 does not allow in a document (its `Char`
/// production), with its byte index.
pub fn forbidden_char(s: &str) -> Option<(usize, char)> {
    s.char_indices()
        .find(|(_, c)| matches!(*c, '\0'..='\x08' | '\x0B' | '\x0C' | '\x0E'..='\x1F' | '\u{FFFE}' | '\u{FFFF}'))
}

/// Escapes text for element content (`&`, `<`, `>`).
pub fn escape_text(s: &str, out: &mut String) {
    if !needs_escape(s, false) {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // A raw CR would be turned into LF by any conforming parser.
            '\r' => out.push_str("&#13;"),
            _ => out.push(c),
        }
    }
}

/// Escapes text for a double-quoted attribute value.
pub fn escape_attr(s: &str, out: &mut String) {
    if !needs_escape(s, true) {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            _ => out.push(c),
        }
    }
}

/// Whether `s` holds a character [`escape_text`] (or, with `attr`,
/// [`escape_attr`]) rewrites. Most text holds none: one pass over the bytes
/// that vectorises, then a plain copy.
fn needs_escape(s: &str, attr: bool) -> bool {
    let attr = u8::from(attr);
    s.bytes().fold(0u8, |acc, b| {
        acc | u8::from(b == b'&')
            | u8::from(b == b'<')
            | u8::from(b == b'>')
            | u8::from(b == b'\r')
            | (attr & (u8::from(b == b'"') | u8::from(b == b'\n') | u8::from(b == b'\t')))
    }) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        let text = |s: &str| {
            let mut out = String::new();
            escape_text(s, &mut out);
            out
        };
        let attr = |s: &str| {
            let mut out = String::new();
            escape_attr(s, &mut out);
            out
        };
        assert_eq!(text("会議 \"a\"\tb\nc"), "会議 \"a\"\tb\nc");
        assert_eq!(text("a<b>&c\r"), "a&lt;b&gt;&amp;c&#13;");
        assert_eq!(attr("会議 x"), "会議 x");
        assert_eq!(attr("\"a\"\tb\nc\r&"), "&quot;a&quot;&#9;b&#10;c&#13;&amp;");
    }

    #[test]
    fn sniffs_boms_and_declarations() {
        assert_eq!(sniff(b"\xEF\xBB\xBF<?xml").unwrap(), UTF_8);
        assert_eq!(sniff(b"\xFF\xFE<\0?\0").unwrap(), UTF_16LE);
        assert_eq!(sniff(b"\xFE\xFF\0<\0?").unwrap(), UTF_16BE);
        assert_eq!(sniff(b"<\0?\0x\0").unwrap(), UTF_16LE);
        assert_eq!(sniff(b"\0<\0?\0x").unwrap(), UTF_16BE);
        assert_eq!(
            sniff(b"<?xml version='1.0' encoding='ISO-8859-1'?>").unwrap().name(),
            "windows-1252"
        );
        assert_eq!(sniff(b"<?xml version=\"1.0\"?><tmx/>").unwrap(), UTF_8);
        assert_eq!(sniff(b"<?xml version=\"1.0\" encoding=\"UTF-16\"?>").unwrap(), UTF_8);
        assert!(sniff(b"<?xml version=\"1.0\" encoding=\"klingon\"?>").is_err());
        assert_eq!(sniff(b"").unwrap(), UTF_8);
    }

    #[test]
    fn entities() {
        assert_eq!(resolve_entity("amp").unwrap(), '&');
        assert_eq!(resolve_entity("#x65E5").unwrap(), '日');
        assert_eq!(resolve_entity("#26412").unwrap(), '本');
        assert!(resolve_entity("nbsp").is_err());
        assert!(resolve_entity("#0").is_err());
        assert!(resolve_entity("#xD800").is_err());
    }

    #[test]
    fn forbidden_characters() {
        assert_eq!(forbidden_char("ok\ttab\nline\r日本"), None);
        assert_eq!(forbidden_char("a\u{1}b"), Some((1, '\u{1}')));
        assert_eq!(forbidden_char("日\u{FFFF}"), Some((3, '\u{FFFF}')));
        assert_eq!(forbidden_char("ﾃｽﾄ"), None);
    }

    #[test]
    fn refuses_entity_declarations_only() {
        assert!(check_doctype(r#"tmx SYSTEM "tmx14.dtd""#).is_ok());
        assert!(check_doctype(r#"tmx [ <!ENTITY a "b"> ]"#).is_err());
    }
}
