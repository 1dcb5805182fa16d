//! A reader that watches the bytes as an XML parser consumes them.

use super::Utf8Reader;
use std::io::{self, BufRead};

/// Watches the bytes as the XML parser consumes them: counts lines, so that
/// warnings can name one without a second pass, and finds the first
/// character XML 1.0 forbids anywhere in a document (control characters
/// other than tab, LF and CR; U+FFFE and U+FFFF), which quick-xml does not
/// check. One pass over the input, whatever the events.
pub struct ScanningReader {
    inner: Utf8Reader,
    scan: Scan,
}

struct Scan {
    /// Finds `EF BF`; built once (a searcher per call would cost more than
    /// the search on the short slices the parser consumes).
    nonchar_prefix: memchr::memmem::Finder<'static>,
    line: u64,
    /// Bytes consumed so far.
    consumed: u64,
    /// Offset and character of the first forbidden character.
    forbidden: Option<(u64, char)>,
}

impl ScanningReader {
    pub fn new(inner: Utf8Reader) -> Self {
        ScanningReader {
            inner,
            scan: Scan {
                nonchar_prefix: memchr::memmem::Finder::new(b"\xEF\xBF"),
                line: 1,
                consumed: 0,
                forbidden: None,
            },
        }
    }
}

impl ScanningReader {
    /// The line the parser has reached (1-based).
    pub fn line(&self) -> u64 {
        self.scan.line
    }

    /// Offset and character of the first character XML forbids, if any was
    /// consumed.
    pub fn forbidden(&self) -> Option<(u64, char)> {
        self.scan.forbidden
    }
}

impl Scan {
    /// Written so the common case vectorises: a newline count, a
    /// branch-free test for control bytes, and a SIMD search for `EF BF`
    /// (U+FFC0..U+FFFF, rare) before any per-character work.
    fn bytes(&mut self, bytes: &[u8]) {
        self.line += bytes.iter().filter(|&&b| b == b'\n').count() as u64;
        if self.forbidden.is_none() {
            let control = bytes.iter().fold(0u8, |acc, &b| {
                acc | (u8::from(b < 0x20) & u8::from(b != b'\t') & u8::from(b != b'\n') & u8::from(b != b'\r'))
            });
            if control != 0 || self.nonchar_prefix.find(bytes).is_some() {
                // A chunk ends at an event boundary, which is ASCII, so a
                // character never straddles two chunks.
                if let Some((i, c)) = super::forbidden_char(&String::from_utf8_lossy(bytes)) {
                    self.forbidden = Some((self.consumed + i as u64, c));
                }
            }
        }
        self.consumed += bytes.len() as u64;
    }
}

impl io::Read for ScanningReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = {
            let mut available = self.fill_buf()?;
            io::Read::read(&mut available, buf)?
        };
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for ScanningReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        // fill_buf returns the same buffered bytes here: no I/O happens.
        if let Ok(buf) = self.inner.fill_buf() {
            self.scan.bytes(&buf[..amt.min(buf.len())]);
        }
        self.inner.consume(amt)
    }
}
