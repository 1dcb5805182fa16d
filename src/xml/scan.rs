//! A reader that watches the bytes an XML parser consumes.

use super::Utf8Reader;
use std::cell::Cell;
use std::io::{self, BufRead, Read};

/// The buffer the parser reads from; also the unit of scanning.
const CHUNK: usize = 256 * 1024;

/// Buffers the input for the XML parser and watches it: finds the first
/// character XML 1.0 forbids anywhere in a document (control characters
/// other than tab, LF and CR; U+FFFE and U+FFFF), which quick-xml does not
/// check, and tells the line the parser has reached, so that warnings can
/// name one without a second pass.
///
/// Both work on whole chunks of `CHUNK` bytes, as they are read, not on
/// the many small slices the parser consumes (a per-slice scan cost more
/// than the parsing). So a forbidden character is found ahead of the parser
/// and reported by [`ScanningReader::forbidden`] only once the parser has
/// consumed it; lines are counted lazily up to the parser's position.
pub struct ScanningReader {
    inner: Utf8Reader,
    buf: Box<[u8]>,
    /// The parser's position in `buf`, and the end of the data in it.
    pos: usize,
    filled: usize,
    /// Stream offset of `buf[0]`.
    base: u64,
    /// Lines before `buf[0]` (1-based line of `buf[0]`).
    line_of_base: u64,
    /// Lines counted lazily within `buf`: (up to this index, line there).
    line_cache: Cell<(usize, u64)>,
    /// Finds `EF BF` (the first two bytes of U+FFC0..U+FFFF, rare); built
    /// once.
    nonchar_prefix: memchr::memmem::Finder<'static>,
    /// The last two bytes of the previous chunk: a U+FFFE or U+FFFF may
    /// straddle two chunks.
    seam: [u8; 2],
    /// Offset and character of the first forbidden character in the input
    /// read so far.
    forbidden: Option<(u64, char)>,
}

impl ScanningReader {
    pub fn new(inner: Utf8Reader) -> Self {
        ScanningReader {
            inner,
            buf: vec![0; CHUNK].into_boxed_slice(),
            pos: 0,
            filled: 0,
            base: 0,
            line_of_base: 1,
            line_cache: Cell::new((0, 1)),
            nonchar_prefix: memchr::memmem::Finder::new(b"\xEF\xBF"),
            seam: [0; 2],
            forbidden: None,
        }
    }

    /// The line the parser has reached (1-based).
    pub fn line(&self) -> u64 {
        let (counted, line) = self.line_cache.get();
        let line = line + newlines(&self.buf[counted..self.pos]) as u64;
        self.line_cache.set((self.pos, line));
        line
    }

    /// Offset and character of the first character XML forbids, once the
    /// parser has consumed it.
    pub fn forbidden(&self) -> Option<(u64, char)> {
        self.forbidden.filter(|(offset, _)| *offset < self.base + self.pos as u64)
    }

    /// Reads the next chunk (the parser has consumed the current one) and
    /// scans it. The inner readers are buffered with [`CHUNK`]-sized buffers
    /// too, so a read fills most of it.
    #[cold]
    #[inline(never)]
    fn refill(&mut self) -> io::Result<()> {
        self.line_of_base = self.line() + newlines(&self.buf[self.pos..self.filled]) as u64;
        self.base += self.filled as u64;
        self.pos = 0;
        self.filled = 0;
        self.line_cache.set((0, self.line_of_base));
        self.filled = loop {
            match self.inner.read(&mut self.buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                read => break read?,
            }
        };
        self.scan();
        Ok(())
    }

    fn scan(&mut self) {
        let chunk = &self.buf[..self.filled];
        if self.forbidden.is_none() {
            // Written so the common case vectorises: a branch-free test for
            // control bytes and a SIMD search for `EF BF`, before any
            // per-character work.
            let control = chunk.iter().fold(0u8, |acc, &b| {
                acc | (u8::from(b < 0x20) & u8::from(b != b'\t') & u8::from(b != b'\n') & u8::from(b != b'\r'))
            });
            let seam = [
                self.seam[0],
                self.seam[1],
                chunk.first().copied().unwrap_or(0),
                chunk.get(1).copied().unwrap_or(0),
            ];
            let at_seam = (0..2).filter(|_| self.base > 0).find(|&i| is_nonchar(&seam[i..])).map(|i| {
                let c = if seam[i + 2] == 0xBE { '\u{FFFE}' } else { '\u{FFFF}' };
                (self.base - 2 + i as u64, c)
            });
            self.forbidden = at_seam.or_else(|| {
                if control != 0 || self.nonchar_prefix.find(chunk).is_some() {
                    first_forbidden(chunk, &self.nonchar_prefix).map(|(i, c)| (self.base + i as u64, c))
                } else {
                    None
                }
            });
        }
        self.seam = match chunk {
            [.., a, b] => [*a, *b],
            [a] => [self.seam[1], *a],
            [] => self.seam,
        };
    }
}

/// `EF BF BE` (U+FFFE) or `EF BF BF` (U+FFFF) at the start of `bytes`.
fn is_nonchar(bytes: &[u8]) -> bool {
    matches!(bytes, [0xEF, 0xBF, 0xBE | 0xBF, ..])
}

/// The first forbidden character in `chunk`, with its index.
fn first_forbidden(chunk: &[u8], nonchar_prefix: &memchr::memmem::Finder) -> Option<(usize, char)> {
    let control = chunk
        .iter()
        .position(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
        .map(|i| (i, char::from(chunk[i])));
    let nonchar = nonchar_prefix
        .find_iter(chunk)
        .find(|&i| is_nonchar(&chunk[i..]))
        .map(|i| (i, if chunk[i + 2] == 0xBE { '\u{FFFE}' } else { '\u{FFFF}' }));
    match (control, nonchar) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn newlines(bytes: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', bytes).count()
}

impl Read for ScanningReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let mut available = self.fill_buf()?;
            available.read(out)?
        };
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for ScanningReader {
    // Inline, with the refill out of line: the parser calls this for every
    // event and attribute run (1.5M times for 50k Kyoto units), and the
    // call itself cost more than the check (callgrind).
    #[inline]
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.filled {
            self.refill()?;
        }
        Ok(&self.buf[self.pos..self.filled])
    }

    #[inline]
    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.filled);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads everything in slices of `step` bytes, as a parser would.
    fn drain(input: &[u8], step: usize) -> ScanningReader {
        let mut r = ScanningReader::new(Box::new(io::Cursor::new(input.to_vec())));
        loop {
            let n = r.fill_buf().unwrap().len().min(step);
            if n == 0 {
                return r;
            }
            r.consume(n);
        }
    }

    #[test]
    fn counts_lines_up_to_the_parser() {
        let mut r = ScanningReader::new(Box::new(io::Cursor::new(b"a\nb\n\nc".to_vec())));
        assert_eq!(r.line(), 1);
        r.fill_buf().unwrap();
        r.consume(2);
        assert_eq!(r.line(), 2);
        r.consume(3);
        assert_eq!(r.line(), 4);
        let big: Vec<u8> = b"x\n".iter().copied().cycle().take(3 * CHUNK + 5).collect();
        assert_eq!(drain(&big, 1000).line(), (3 * CHUNK / 2 + 3) as u64);
    }

    #[test]
    fn finds_forbidden_characters_once_consumed() {
        let mut r = ScanningReader::new(Box::new(io::Cursor::new(b"ok\x01".to_vec())));
        r.fill_buf().unwrap();
        r.consume(2);
        assert_eq!(r.forbidden(), None, "not consumed yet");
        r.consume(1);
        assert_eq!(r.forbidden(), Some((2, '\u{1}')));
        assert_eq!(drain("ok\ttab\nline\r日本ﾃｽﾄ".as_bytes(), 3).forbidden(), None);
        assert_eq!(drain("日\u{FFFF}".as_bytes(), 3).forbidden(), Some((3, '\u{FFFF}')));
        assert_eq!(drain("a\u{FFFE}b\u{2}".as_bytes(), 3).forbidden(), Some((1, '\u{FFFE}')));
    }

    #[test]
    fn finds_a_noncharacter_across_chunks() {
        for before in [CHUNK - 1, CHUNK - 2, CHUNK - 3] {
            let mut input = vec![b'a'; before];
            input.extend_from_slice("\u{FFFF}z".as_bytes());
            assert_eq!(drain(&input, 4096).forbidden(), Some((before as u64, '\u{FFFF}')), "{before}");
        }
    }
}
