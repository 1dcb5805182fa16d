//! The pull parser every format reader uses.
//!
//! [`Events`] wraps quick-xml over a [`ScanningReader`] and adds what XML
//! requires and quick-xml leaves out: characters XML 1.0 forbids and `]]>`
//! in text are errors, every error carries the byte offset where it
//! happened (turned into line:column only when reported, by
//! [`Events::locate`]), and attribute values are normalised as XML says.
//! The format readers (TMX, TBX, …) only interpret the events.

use super::{locate, InputError, ScanningReader};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// A parse error at a byte offset of the decoded stream; located lazily.
#[derive(Debug)]
pub struct ParseError {
    pub offset: u64,
    pub message: String,
}

pub type Parse<T> = Result<T, ParseError>;

pub struct Events {
    path: PathBuf,
    reader: Reader<ScanningReader>,
    buf: Vec<u8>,
    /// Offset where the event being read starts: structural errors point here.
    event_start: u64,
}

impl Events {
    /// Opens `path` (any encoding [`super::open`] reads).
    pub fn open(path: &Path) -> Result<Events, InputError> {
        Ok(Events::over(path, super::open(path)?))
    }

    /// Reads a UTF-8 document compiled into yakugo; `label` names it in
    /// errors.
    pub fn from_static(label: &str, bytes: &'static [u8]) -> Events {
        Events::over(Path::new(label), Box::new(bytes))
    }

    fn over(path: &Path, stream: super::Utf8Reader) -> Events {
        let mut reader = Reader::from_reader(ScanningReader::new(stream));
        let config = reader.config_mut();
        config.check_end_names = true;
        config.check_comments = true;
        Events {
            path: path.to_path_buf(),
            reader,
            buf: Vec::with_capacity(64 * 1024),
            event_start: 0,
        }
    }

    /// The next event, owned; quick-xml errors become parse errors.
    pub fn next_event(&mut self) -> Parse<Event<'static>> {
        let mut buf = std::mem::take(&mut self.buf);
        let event = self.next_into(&mut buf).map(Event::into_owned);
        self.buf = buf;
        event
    }

    /// The next event, borrowed from `buf` (cleared first). Readers that
    /// nest use one buffer per level, so that an element's start tag stays
    /// borrowed while its content is read, and no event is copied.
    pub fn next_into<'b>(&mut self, buf: &'b mut Vec<u8>) -> Parse<Event<'b>> {
        buf.clear();
        self.event_start = self.reader.buffer_position();
        match self.reader.read_event_into(buf) {
            Ok(event) => {
                self.check_characters(&event)?;
                Ok(event)
            }
            Err(e) => {
                let offset = match &e {
                    // The event's bytes are in `buf`; point at the first bad one.
                    quick_xml::Error::Encoding(quick_xml::encoding::EncodingError::Utf8(u)) => self.event_start + u.valid_up_to() as u64,
                    _ => self.reader.error_position(),
                };
                Err(ParseError {
                    offset,
                    message: describe_xml_error(&e),
                })
            }
        }
    }

    /// XML 1.0 forbids most control characters and U+FFFE/U+FFFF anywhere
    /// (found by [`ScanningReader`] as bytes stream past), and `]]>` in text;
    /// quick-xml checks neither, and keeping them would make an export
    /// ill-formed.
    fn check_characters(&self, event: &Event) -> Parse<()> {
        if let Some((offset, c)) = self.reader.get_ref().forbidden() {
            return Err(ParseError {
                offset,
                message: format!("the character U+{:04X} is not allowed in XML 1.0 documents", c as u32),
            });
        }
        if let Event::Text(t) = event {
            // Text rarely holds `>` at all: look for it first.
            let bytes = t.as_bytes();
            let mut from = 0;
            while let Some(i) = memchr::memchr(b'>', &bytes[from..]).map(|i| i + from) {
                if i >= 2 && &bytes[i - 2..i] == b"]]" {
                    return Err(ParseError {
                        offset: self.event_start + i as u64 - 2,
                        message: "`]]>` is not allowed in text (write `]]&gt;`)".into(),
                    });
                }
                from = i + 1;
            }
        }
        Ok(())
    }

    /// After the root element: only comments, processing instructions and
    /// whitespace may follow.
    pub fn expect_trailing_misc(&mut self) -> Parse<()> {
        loop {
            match self.next_event()? {
                Event::Text(t) if t.trim().is_empty() => {}
                Event::Comment(_) | Event::PI(_) => {}
                Event::Eof => return Ok(()),
                _ => return self.error("content after the end of the root element; a well-formed XML document has exactly one root"),
            }
        }
    }

    /// An error at the start of the event just read.
    pub fn error<T>(&self, message: impl Into<String>) -> Parse<T> {
        Err(ParseError {
            offset: self.event_start,
            message: message.into(),
        })
    }

    /// Turns a parse error into a located input error.
    pub fn locate(&self, e: ParseError) -> InputError {
        let (line, column) = locate(&self.path, e.offset);
        InputError::Syntax {
            path: self.path.clone(),
            line,
            column,
            message: e.message,
        }
    }

    /// Ends one step of a pull reader: the end of input or an error
    /// finishes the reader (`finished`: later steps return `None`), and an
    /// error is located.
    pub fn finish_step<T>(&self, finished: &mut bool, step: Parse<Option<T>>) -> Result<Option<T>, InputError> {
        match step {
            Ok(Some(item)) => Ok(Some(item)),
            Ok(None) => {
                *finished = true;
                Ok(None)
            }
            Err(e) => {
                *finished = true;
                Err(self.locate(e))
            }
        }
    }

    /// Offset where the event just read starts.
    pub fn offset(&self) -> u64 {
        self.event_start
    }

    /// An error at `offset`, located.
    pub fn error_at(&self, offset: u64, message: impl Into<String>) -> InputError {
        self.locate(ParseError {
            offset,
            message: message.into(),
        })
    }

    /// The line the parser has reached (1-based), for warnings.
    pub fn line(&self) -> u64 {
        self.reader.get_ref().line()
    }

    /// Bytes of decoded input consumed so far (for progress reporting).
    pub fn bytes_read(&self) -> u64 {
        self.reader.buffer_position()
    }

    /// Attributes as (name, value normalised per XML 1.0); malformed ones are
    /// errors. Borrowed from the event: no allocation unless a value holds
    /// an entity reference or needs normalising.
    pub fn attributes<'e>(&self, e: &'e BytesStart) -> Parse<Vec<(&'e str, Cow<'e, str>)>> {
        self.attribute_iter(e).collect()
    }

    /// [`Events::attributes`] one by one, without collecting them (readers
    /// call this for every element); borrows only the event.
    pub fn attribute_iter<'e>(&self, e: &'e BytesStart) -> impl Iterator<Item = Parse<(&'e str, Cow<'e, str>)>> + 'e {
        let offset = self.event_start;
        e.attributes().map(move |attr| {
            let attr = attr.map_err(|err| ParseError {
                offset,
                message: format!("malformed attribute: {err}"),
            })?;
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Explicit1_0)
                .map_err(|err| ParseError {
                    offset,
                    message: describe_xml_error(&err),
                })?;
            Ok((attr.key.0, value))
        })
    }
}

fn describe_xml_error(e: &quick_xml::Error) -> String {
    use quick_xml::Error as E;
    match e {
        E::Io(err) => format!("cannot read: {err}"),
        E::Encoding(err) => {
            format!("the text is not valid UTF-8 ({err}); if the file uses another encoding, name it in the XML declaration")
        }
        E::IllFormed(err) => format!("not well-formed XML: {err}"),
        E::Syntax(err) => format!("not well-formed XML: {err}"),
        other => format!("not well-formed XML: {other}"),
    }
}
