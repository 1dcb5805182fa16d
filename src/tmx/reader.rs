//! Streaming TMX reader (TMX 1.1, 1.2, 1.4b).
//!
//! [`TmxReader`] pulls one `<tu>` at a time from a [`crate::xml`] stream,
//! so memory stays bounded whatever the file size. It is lenient about
//! what real tools write and strict about XML:
//!
//! * Anything that is not well-formed XML, or not TMX at all, is an error
//!   with a line and column: the caller refuses the whole file.
//! * Rule-breaking TMX that is still readable (unbalanced `<bpt>`/`<ept>`,
//!   `lang` and `xml:lang` mixed, a variant without a language, a bad date,
//!   markup the TMX 1.4 DTD does not allow) is read, repaired where it must
//!   be for a valid export, and reported as a [`Warning`] naming the unit and
//!   the rule. Nothing is dropped without a warning.
//!
//! Segment content is kept verbatim in [`Variant::markup`]: the reader
//! re-emits each event's raw text, so entity references, CDATA sections and
//! attribute quoting survive a round trip unchanged.

use super::Warning;
use crate::lang::{Lang, SrcLang, TagCache};
use crate::model::{Admin, Header, Meta, Note, Prop, TmxDate, Unit, Variant};
use crate::xml::{self, Events, InputError, Parse};
use quick_xml::events::{BytesStart, Event};
use std::borrow::Cow;
use std::path::Path;

/// A pull reader over the units of one TMX file.
pub struct TmxReader {
    events: Events,
    header: Header,
    units_read: u64,
    warnings: Vec<Warning>,
    finished: bool,
    langs: TagCache,
    /// Read buffers, one per nesting level in use (see [`Events::next_into`]):
    /// the `<tu>`, `<tuv>` and `<seg>` loops read without copying events.
    bufs: Vec<Vec<u8>>,
    /// Segment strings and variant lists of units the caller is done with
    /// (see [`TmxReader::reuse`]), emptied, for the next units.
    spare_strings: Vec<String>,
    spare_variants: Vec<Vec<Variant>>,
}

/// At most this many spare strings are kept, and none larger than
/// [`SPARE_STRING_MAX`]: enough for the units an importer has in flight,
/// without holding on to an outlier's memory. A unit of two variants gives
/// back four strings and one variant list.
const SPARE_STRINGS: usize = 8192;
const SPARE_STRING_MAX: usize = 16 << 10;
const SPARE_VARIANT_LISTS: usize = SPARE_STRINGS / 4;

/// Where an element sits in `<seg>` content, for the DTD's content models.
#[derive(Clone, Copy, PartialEq, Eq)]
enum InlineKind {
    /// `<seg>`, `<hi>`, `<sub>`: text and the placeholders/paired codes.
    Flow,
    /// `<bpt>`, `<ept>`, `<it>`, `<ph>`, `<ut>`: native code, with `<sub>`.
    Code,
}

/// One open element inside a segment.
struct Open {
    name: String,
    /// Whether it was kept as markup (false: escaped to text as invalid).
    kept: bool,
    /// Whether its text belongs to the readable (plain) text.
    readable: bool,
    kind: InlineKind,
}

impl TmxReader {
    /// Opens `path` and reads up to the first unit (the header).
    pub fn open(path: &Path) -> Result<TmxReader, InputError> {
        let mut tmx = TmxReader {
            events: Events::open(path)?,
            header: Header::default(),
            units_read: 0,
            warnings: Vec::new(),
            finished: false,
            langs: TagCache::default(),
            bufs: Vec::new(),
            spare_strings: Vec::new(),
            spare_variants: Vec::new(),
        };
        tmx.read_prolog().map_err(|e| tmx.events.locate(e))?;
        Ok(tmx)
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Warnings gathered since the last call.
    pub fn take_warnings(&mut self) -> Vec<Warning> {
        std::mem::take(&mut self.warnings)
    }

    /// The next unit, or `None` at the end of the body.
    pub fn next_unit(&mut self) -> Result<Option<Unit>, InputError> {
        let mut one = Vec::with_capacity(1);
        Ok(if self.next_unit_into(&mut one)? { one.pop() } else { None })
    }

    /// Reads the next unit into a new element at the end of `units`; false
    /// at the end of the body. Read in place, a unit is not moved (a few
    /// hundred bytes) through the reader's returns and into the caller's
    /// list (about 1 % of a 1M Kyoto import's samples, perf).
    pub fn next_unit_into(&mut self, units: &mut Vec<Unit>) -> Result<bool, InputError> {
        if self.finished {
            return Ok(false);
        }
        let step = self.read_next_unit(units);
        Ok(self.events.finish_step(&mut self.finished, step)?.is_some())
    }

    /// Bytes of decoded input consumed so far (for progress reporting).
    pub fn bytes_read(&self) -> u64 {
        self.events.bytes_read()
    }

    /// Gives back units read earlier, whose segment strings and variant
    /// lists the next units are read into. Allocating, freeing and dropping
    /// fell from 8.1 % to 6.0 % of a 1M Kyoto import's samples (perf:
    /// mimalloc's allocation and free, `drop_in_place` of variants and
    /// their attributes); alternating runs did not tell the two apart.
    pub fn reuse(&mut self, units: Vec<Unit>) {
        for mut unit in units {
            // The strings are taken out of the variants in place: draining
            // the list moved each variant (a few hundred bytes) first.
            for variant in &mut unit.variants {
                for text in [&mut variant.markup, &mut variant.plain] {
                    self.keep_spare_string(std::mem::take(text));
                }
            }
            // Given back last, taken first: the next unit's tuid.
            if let Some(tuid) = unit.tuid.take() {
                self.keep_spare_string(tuid);
            }
            unit.variants.clear();
            if self.spare_variants.len() < SPARE_VARIANT_LISTS {
                self.spare_variants.push(unit.variants);
            }
        }
    }

    /// Keeps `text`'s room for [`TmxReader::spare_string`], up to
    /// [`SPARE_STRINGS`] strings of at most [`SPARE_STRING_MAX`] bytes.
    fn keep_spare_string(&mut self, mut text: String) {
        if self.spare_strings.len() < SPARE_STRINGS && text.capacity() <= SPARE_STRING_MAX {
            text.clear();
            self.spare_strings.push(text);
        }
    }

    /// An empty string, with the capacity of one given back if any.
    fn spare_string(&mut self) -> String {
        self.spare_strings.pop().unwrap_or_default()
    }

    /// A read buffer for one nesting level; given back with `self.bufs.push`
    /// when the level is done (one lost on an error is not missed).
    fn take_buf(&mut self) -> Vec<u8> {
        self.bufs.pop().unwrap_or_default()
    }

    fn warn(&mut self, unit: Option<&Unit>, rule: &'static str, message: String) {
        self.warnings.push(Warning {
            unit: unit.map(|_| self.units_read + 1),
            tuid: unit.and_then(|u| u.tuid.clone()),
            line: self.events.line(),
            rule,
            message,
        });
    }

    /// XML declaration, DOCTYPE, `<tmx>` and `<header>`.
    fn read_prolog(&mut self) -> Parse<()> {
        loop {
            match self.events.next_event()? {
                Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
                Event::DocType(d) => xml::check_doctype(&d).or_else(|m| self.events.error(m))?,
                Event::Text(t) if t.trim().is_empty() => {}
                Event::Start(e) if e.name().as_ref() == "tmx" => {
                    self.header.version = self
                        .events
                        .attributes(&e)?
                        .into_iter()
                        .find(|(k, _)| *k == "version")
                        .map(|(_, v)| v.into_owned())
                        .unwrap_or_default();
                    break;
                }
                Event::Start(e) | Event::Empty(e) => {
                    let name = e.name().as_ref().to_string();
                    return self
                        .events
                        .error(format!("this is not a TMX file: the root element is <{name}>, expected <tmx>"));
                }
                Event::Eof => {
                    return self
                        .events
                        .error("the file is empty or has no root element; expected a TMX document (<tmx>)")
                }
                Event::Text(_) | Event::GeneralRef(_) => {
                    return self
                        .events
                        .error("this is not XML: it starts with text; expected a TMX document (<?xml …?> and <tmx>)")
                }
                _ => return self.events.error("expected the <tmx> root element"),
            }
        }
        // Between <tmx> and <body>: the header (required by TMX, but some
        // tools omit it).
        loop {
            match self.events.next_event()? {
                Event::Text(t) if t.trim().is_empty() => {}
                Event::Comment(_) | Event::PI(_) => {}
                Event::Start(e) if e.name().as_ref() == "header" => {
                    self.read_header_attrs(&e)?;
                    self.read_header_children()?;
                }
                Event::Empty(e) if e.name().as_ref() == "header" => self.read_header_attrs(&e)?,
                Event::Start(e) if e.name().as_ref() == "body" => {
                    self.check_header_present();
                    return Ok(());
                }
                Event::Empty(e) if e.name().as_ref() == "body" => {
                    self.check_header_present();
                    self.finished = true;
                    return self.expect_end_of_document("tmx");
                }
                Event::Start(e) | Event::Empty(e) => {
                    let name = e.name().as_ref().to_string();
                    return self
                        .events
                        .error(format!("unexpected <{name}> in <tmx>; expected <header> or <body>"));
                }
                Event::End(_) => {
                    self.warn(None, "missing-body", "the file has no <body>: no units".into());
                    self.finished = true;
                    return self.events.expect_trailing_misc();
                }
                Event::Eof => return self.events.error("the file ends before <body>; expected <header> and <body>"),
                _ => return self.events.error("expected <header> or <body> in <tmx>"),
            }
        }
    }

    fn check_header_present(&mut self) {
        if self.header.attributes.is_empty() && self.header.srclang.is_none() {
            self.warn(None, "missing-header", "the file has no <header>; defaults are used".into());
        }
    }

    fn read_header_attrs(&mut self, e: &BytesStart) -> Parse<()> {
        for (name, value) in self.events.attributes(e)? {
            if name == "srclang" {
                match SrcLang::parse(&value) {
                    Ok(s) => self.header.srclang = Some(s.to_string()),
                    Err(err) => self.warn(None, "bad-language", format!("header srclang: {err}")),
                }
            } else {
                self.header.attributes.push((name.to_string(), value.into_owned()));
            }
        }
        Ok(())
    }

    fn read_header_children(&mut self) -> Parse<()> {
        loop {
            match self.events.next_event()? {
                Event::Text(t) if t.trim().is_empty() => {}
                Event::Comment(_) | Event::PI(_) => {}
                Event::Start(e) if e.name().as_ref() == "prop" => {
                    let prop = self.read_prop(&e, false)?;
                    self.header.meta.props.push(prop);
                }
                Event::Start(e) if e.name().as_ref() == "note" => {
                    let note = self.read_note(&e, false)?;
                    self.header.meta.notes.push(note);
                }
                Event::Empty(e) if matches!(e.name().as_ref(), "prop" | "note") => {
                    let prop = self.read_prop(&e, true)?;
                    if e.name().as_ref() == "prop" {
                        self.header.meta.props.push(prop);
                    } else {
                        self.header.meta.notes.push(Note {
                            lang: prop.lang,
                            o_encoding: prop.o_encoding,
                            text: String::new(),
                        });
                    }
                }
                Event::Start(e) if e.name().as_ref() == "ude" => {
                    if let Some(ude) = self.read_ude(&e)? {
                        self.header.udes.push(ude);
                    }
                }
                Event::Start(e) => {
                    let name = e.name().as_ref().to_string();
                    self.warn(None, "unknown-element", format!("<{name}> is not allowed in <header>; ignored"));
                    self.skip_element(&name)?;
                }
                Event::Empty(e) => {
                    let name = e.name().as_ref().to_string();
                    self.warn(None, "unknown-element", format!("<{name}/> is not allowed in <header>; ignored"));
                }
                Event::End(_) => return Ok(()),
                Event::Eof => return self.events.error("the file ends inside <header>"),
                _ => {}
            }
        }
    }

    /// Reads the next unit into a new element at the end of `units` (and
    /// takes it off again on an error); `None` at the end of the body.
    fn read_next_unit(&mut self, units: &mut Vec<Unit>) -> Parse<Option<()>> {
        let mut buf = self.take_buf();
        let next = loop {
            match self.events.next_into(&mut buf)? {
                Event::Text(t) if t.trim().is_empty() => {}
                Event::Comment(_) | Event::PI(_) => {}
                Event::Start(e) if e.name().as_ref() == "tu" => {
                    self.read_tu_into(&e, false, units)?;
                    break Some(());
                }
                Event::Empty(e) if e.name().as_ref() == "tu" => {
                    self.read_tu_into(&e, true, units)?;
                    break Some(());
                }
                Event::Start(e) => {
                    let name = e.name().as_ref().to_string();
                    self.warn(None, "unknown-element", format!("<{name}> is not allowed in <body>; skipped"));
                    self.skip_element(&name)?;
                }
                Event::Empty(e) => {
                    let name = e.name().as_ref().to_string();
                    self.warn(None, "unknown-element", format!("<{name}/> is not allowed in <body>; skipped"));
                }
                Event::End(e) if e.name().as_ref() == "body" => {
                    self.expect_end_of_document("tmx")?;
                    break None;
                }
                Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                    self.warn(None, "stray-text", "text directly inside <body> ignored".into());
                }
                Event::Eof => {
                    return self
                        .events
                        .error("the file ends inside <body>; expected </body></tmx> (is the file truncated?)")
                }
                _ => return self.events.error("unexpected content in <body>; expected <tu>"),
            }
        };
        self.bufs.push(buf);
        Ok(next)
    }

    /// After `</body>`: `</tmx>`, then only comments and whitespace.
    fn expect_end_of_document(&mut self, root: &str) -> Parse<()> {
        loop {
            match self.events.next_event()? {
                Event::Text(t) if t.trim().is_empty() => {}
                Event::Comment(_) | Event::PI(_) => {}
                Event::End(e) if e.name().as_ref() == root => return self.events.expect_trailing_misc(),
                Event::Eof => return self.events.error(format!("the file ends before </{root}> (is it truncated?)")),
                _ => return self.events.error(format!("unexpected content after </body>; expected </{root}>")),
            }
        }
    }

    /// Reads a `<tu>` into a new element at the end of `units`, taken off
    /// again on an error.
    fn read_tu_into(&mut self, start: &BytesStart, empty: bool, units: &mut Vec<Unit>) -> Parse<()> {
        units.push(Unit {
            variants: self.spare_variants.pop().unwrap_or_default(),
            ..Unit::default()
        });
        let at = units.len() - 1;
        if let Err(error) = self.read_tu(start, empty, &mut units[at]) {
            units.pop();
            return Err(error);
        }
        self.units_read += 1;
        Ok(())
    }

    /// Reads a `<tu>` into `unit`, a new unit (with a spare variant list).
    fn read_tu(&mut self, start: &BytesStart, empty: bool, unit: &mut Unit) -> Parse<()> {
        let mut unknown = Vec::new();
        for attr in self.events.attribute_iter(start) {
            let (name, value) = attr?;
            match name {
                "tuid" => {
                    let mut tuid = self.spare_string();
                    tuid.push_str(&value);
                    unit.tuid = Some(tuid);
                }
                "srclang" => match SrcLang::parse(&value) {
                    Ok(s) => unit.srclang = Some(s),
                    Err(err) => unknown.push(("bad-language", format!("srclang: {err}; ignored"))),
                },
                "segtype" => match segtype(&value) {
                    Some(s) => unit.segtype = Some(s.to_string()),
                    None => unknown.push((
                        "bad-attribute",
                        format!("segtype=\"{value}\" is not block|paragraph|sentence|phrase; ignored"),
                    )),
                },
                _ => {
                    if let Some(problem) = set_admin(&mut unit.admin, name, &value) {
                        unknown.push(problem);
                    }
                }
            }
        }
        for (rule, message) in unknown {
            self.warn(Some(&*unit), rule, message);
        }
        let mut lang_styles = (false, false); // (xml:lang seen, lang seen)
        if !empty {
            let mut buf = self.take_buf();
            loop {
                match self.events.next_into(&mut buf)? {
                    Event::Text(t) if t.trim().is_empty() => {}
                    Event::Comment(_) | Event::PI(_) => {}
                    Event::Start(e) if e.name().as_ref() == "tuv" => {
                        if let Some(v) = self.read_tuv(&e, false, unit, &mut lang_styles)? {
                            unit.variants.push(v);
                        }
                    }
                    Event::Empty(e) if e.name().as_ref() == "tuv" => {
                        if let Some(v) = self.read_tuv(&e, true, unit, &mut lang_styles)? {
                            unit.variants.push(v);
                        }
                    }
                    Event::Start(e) if e.name().as_ref() == "prop" => {
                        let prop = self.read_prop(&e, false)?;
                        unit.meta.props.push(prop);
                    }
                    Event::Start(e) if e.name().as_ref() == "note" => {
                        let note = self.read_note(&e, false)?;
                        unit.meta.notes.push(note);
                    }
                    Event::Empty(e) if e.name().as_ref() == "prop" => {
                        let prop = self.read_prop(&e, true)?;
                        unit.meta.props.push(prop);
                    }
                    Event::Empty(e) if e.name().as_ref() == "note" => {
                        let note = self.read_note(&e, true)?;
                        unit.meta.notes.push(note);
                    }
                    Event::Start(e) => {
                        let name = e.name().as_ref().to_string();
                        self.warn(Some(&*unit), "unknown-element", format!("<{name}> is not allowed in <tu>; skipped"));
                        self.skip_element(&name)?;
                    }
                    Event::Empty(e) => {
                        let name = e.name().as_ref().to_string();
                        self.warn(
                            Some(&*unit),
                            "unknown-element",
                            format!("<{name}/> is not allowed in <tu>; skipped"),
                        );
                    }
                    Event::End(_) => break,
                    Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                        self.warn(Some(&*unit), "stray-text", "text directly inside <tu> ignored".into());
                    }
                    Event::Eof => return self.events.error("the file ends inside <tu> (is it truncated?)"),
                    _ => {}
                }
            }
            self.bufs.push(buf);
        }
        // Most units have a few variants: for them a quadratic test costs
        // less than sorting (and a hostile unit with many is sorted).
        let few = unit.variants.len() <= 16;
        let variants = &unit.variants;
        let maybe_repeats = !few
            || variants
                .iter()
                .enumerate()
                .any(|(i, v)| variants[..i].iter().any(|w| w.lang == v.lang));
        let mut repeated: Vec<String> = Vec::new();
        if maybe_repeats {
            let mut langs: Vec<&Lang> = variants.iter().map(|v| &v.lang).collect();
            langs.sort();
            repeated = langs.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0].to_string()).collect();
            repeated.dedup();
        }
        if !repeated.is_empty() {
            self.warn(
                Some(&*unit),
                "duplicate-language",
                format!("the unit has more than one {} variant; all are kept", repeated.join(", ")),
            );
        }
        if lang_styles.0 && lang_styles.1 {
            self.warn(
                Some(&*unit),
                "mixed-lang-attributes",
                "the unit mixes `lang` (TMX 1.1) and `xml:lang` (TMX 1.4) on its variants; both were read".into(),
            );
        }
        match unit.variants.len() {
            0 => self.warn(Some(&*unit), "no-variants", "the unit has no usable <tuv>; it is skipped".into()),
            1 => self.warn(
                Some(&*unit),
                "single-variant",
                "the unit has only one language variant; kept, but it cannot serve as a translation".into(),
            ),
            _ => {}
        }
        Ok(())
    }

    fn read_tuv(&mut self, start: &BytesStart, empty: bool, unit: &Unit, lang_styles: &mut (bool, bool)) -> Parse<Option<Variant>> {
        let mut admin = Admin::default();
        let (mut xml_lang, mut legacy_lang) = (None, None);
        let mut problems = Vec::new();
        for attr in self.events.attribute_iter(start) {
            let (name, value) = attr?;
            match name {
                "xml:lang" => xml_lang = Some(value),
                "lang" => legacy_lang = Some(value),
                "xml:space" => {}
                _ => {
                    if let Some(problem) = set_admin(&mut admin, name, &value) {
                        problems.push(problem);
                    }
                }
            }
        }
        lang_styles.0 |= xml_lang.is_some();
        lang_styles.1 |= legacy_lang.is_some() && xml_lang.is_none();
        if let (Some(a), Some(b)) = (&xml_lang, &legacy_lang) {
            if !a.eq_ignore_ascii_case(b) {
                problems.push((
                    "conflicting-lang",
                    format!("xml:lang=\"{a}\" and lang=\"{b}\" disagree; xml:lang is used"),
                ));
            }
        }
        for (rule, message) in problems {
            self.warn(Some(unit), rule, message);
        }
        let mut meta = Meta::default();
        let mut seg: Option<(String, String)> = None;
        if !empty {
            let mut buf = self.take_buf();
            loop {
                match self.events.next_into(&mut buf)? {
                    Event::Text(t) if t.trim().is_empty() => {}
                    Event::Comment(_) | Event::PI(_) => {}
                    Event::Start(e) if e.name().as_ref() == "seg" => {
                        let content = self.read_seg(unit)?;
                        if seg.is_some() {
                            self.warn(
                                Some(unit),
                                "multiple-segs",
                                "a <tuv> has more than one <seg>; the first is kept".into(),
                            );
                        } else {
                            seg = Some(content);
                        }
                    }
                    Event::Empty(e) if e.name().as_ref() == "seg" && seg.is_none() => {
                        seg = Some((String::new(), String::new()));
                    }
                    Event::Start(e) if e.name().as_ref() == "prop" => {
                        let prop = self.read_prop(&e, false)?;
                        meta.props.push(prop);
                    }
                    Event::Start(e) if e.name().as_ref() == "note" => {
                        let note = self.read_note(&e, false)?;
                        meta.notes.push(note);
                    }
                    Event::Empty(e) if e.name().as_ref() == "prop" => {
                        let prop = self.read_prop(&e, true)?;
                        meta.props.push(prop);
                    }
                    Event::Empty(e) if e.name().as_ref() == "note" => {
                        let note = self.read_note(&e, true)?;
                        meta.notes.push(note);
                    }
                    Event::Start(e) => {
                        let name = e.name().as_ref().to_string();
                        self.warn(Some(unit), "unknown-element", format!("<{name}> is not allowed in <tuv>; skipped"));
                        self.skip_element(&name)?;
                    }
                    Event::Empty(e) => {
                        let name = e.name().as_ref().to_string();
                        self.warn(Some(unit), "unknown-element", format!("<{name}/> is not allowed in <tuv>; skipped"));
                    }
                    Event::End(_) => break,
                    Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                        self.warn(Some(unit), "stray-text", "text directly inside <tuv> ignored".into());
                    }
                    Event::Eof => return self.events.error("the file ends inside <tuv> (is it truncated?)"),
                    _ => {}
                }
            }
            self.bufs.push(buf);
        }
        let Some(raw_lang) = xml_lang.or(legacy_lang) else {
            self.warn(
                Some(unit),
                "missing-lang",
                "a <tuv> has neither xml:lang nor lang; that variant is skipped".into(),
            );
            return Ok(None);
        };
        let lang = match self.langs.parse(&raw_lang) {
            Ok(l) => l,
            Err(err) => {
                self.warn(Some(unit), "bad-language", format!("{err}; that variant is skipped"));
                return Ok(None);
            }
        };
        let (markup, plain) = match seg {
            Some(s) => s,
            None => {
                self.warn(Some(unit), "missing-seg", format!("the {lang} <tuv> has no <seg>; read as empty"));
                (String::new(), String::new())
            }
        };
        if plain.trim().is_empty() && markup.trim().is_empty() {
            self.warn(Some(unit), "empty-segment", format!("the {lang} segment is empty"));
        }
        Ok(Some(Variant {
            lang,
            markup,
            plain,
            admin,
            meta,
        }))
    }

    /// Reads `<seg>` content up to `</seg>`. Returns (markup, plain).
    fn read_seg(&mut self, unit: &Unit) -> Parse<(String, String)> {
        let mut markup = self.spare_string();
        let mut plain = self.spare_string();
        let mut stack: Vec<Open> = Vec::new();
        let mut paired: Vec<(bool, String)> = Vec::new(); // (is_bpt, i)
        let mut buf = self.take_buf();
        loop {
            // An empty element is a start without content: one code path.
            let (event, is_empty) = match self.events.next_into(&mut buf)? {
                Event::Empty(e) => (Event::Start(e), true),
                other => (other, false),
            };
            let readable = stack.last().is_none_or(|o| o.readable);
            let parent = stack.last().map_or(InlineKind::Flow, |o| o.kind);
            match event {
                Event::Text(t) => {
                    markup.push_str(&t);
                    if readable {
                        push_normalised_newlines(&t, &mut plain);
                    }
                }
                Event::GeneralRef(r) => {
                    let c = xml::resolve_entity(&r).or_else(|m| self.events.error(m))?;
                    markup.push('&');
                    markup.push_str(&r);
                    markup.push(';');
                    if readable {
                        plain.push(c);
                    }
                }
                Event::CData(c) => {
                    markup.push_str("<![CDATA[");
                    markup.push_str(&c);
                    markup.push_str("]]>");
                    if readable {
                        push_normalised_newlines(&c, &mut plain);
                    }
                }
                // Comments and PIs carry nothing a translator sees; Empty
                // never arrives here (turned into Start above).
                Event::Comment(_) | Event::PI(_) | Event::Empty(_) => {}
                Event::Start(e) => {
                    let name = e.name().as_ref().to_string();
                    let kind = match inline_kind(&name, parent) {
                        Ok(kind) => Some(kind),
                        Err(why) => {
                            self.warn(Some(unit), "invalid-inline", format!("<{name}> {why}; kept as literal text"));
                            None
                        }
                    };
                    let kept = match kind {
                        Some(_) => self.push_inline_start(&e, &name, is_empty, unit, &mut markup, &mut paired)?,
                        None => false,
                    };
                    if !kept {
                        let literal = format!("<{}{}>", &*e, if is_empty { "/" } else { "" });
                        xml::escape_text(&literal, &mut markup);
                        if readable {
                            plain.push_str(&literal);
                        }
                    }
                    if !is_empty {
                        let child_readable = if kept {
                            readable && matches!(name.as_str(), "hi")
                        } else {
                            readable
                        };
                        stack.push(Open {
                            name,
                            kept,
                            readable: child_readable,
                            kind: if kept { kind.unwrap_or(InlineKind::Flow) } else { parent },
                        });
                    }
                }
                Event::End(e) => {
                    let Some(open) = stack.pop() else {
                        // </seg> itself (end names are checked by quick-xml).
                        break;
                    };
                    if open.kept {
                        markup.push_str("</");
                        markup.push_str(&e);
                        markup.push('>');
                    } else {
                        let literal = format!("</{}>", open.name);
                        xml::escape_text(&literal, &mut markup);
                        if stack.last().is_none_or(|o| o.readable) {
                            plain.push_str(&literal);
                        }
                    }
                }
                Event::Eof => return self.events.error("the file ends inside <seg> (is it truncated?)"),
                Event::Decl(_) | Event::DocType(_) => return self.events.error("unexpected declaration inside <seg>"),
            }
        }
        self.bufs.push(buf);
        self.check_pairs(unit, &paired);
        Ok((markup, plain))
    }

    /// Writes an inline start tag, dropping attributes the DTD does not
    /// allow. Returns false when the element cannot be kept as markup.
    fn push_inline_start(
        &mut self,
        e: &BytesStart,
        name: &str,
        is_empty: bool,
        unit: &Unit,
        markup: &mut String,
        paired: &mut Vec<(bool, String)>,
    ) -> Parse<bool> {
        let allowed = inline_attributes(name);
        let attrs = self.events.attributes(e)?;
        let mut dropped = Vec::new();
        for (k, _) in &attrs {
            if !allowed.contains(k) {
                dropped.push(k.to_string());
            }
        }
        let get = |k: &str| attrs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string());
        match name {
            "bpt" | "ept" if get("i").is_none() => {
                self.warn(
                    Some(unit),
                    "invalid-inline",
                    format!("<{name}> lacks the required `i` attribute; kept as literal text"),
                );
                return Ok(false);
            }
            "it" if !matches!(get("pos").as_deref(), Some("begin" | "end")) => {
                self.warn(
                    Some(unit),
                    "invalid-inline",
                    "<it> needs pos=\"begin\" or pos=\"end\"; kept as literal text".into(),
                );
                return Ok(false);
            }
            "bpt" | "ept" => paired.push((name == "bpt", get("i").unwrap_or_default())),
            _ => {}
        }
        if dropped.is_empty() {
            markup.push('<');
            markup.push_str(e);
        } else {
            self.warn(
                Some(unit),
                "invalid-inline",
                format!("<{name}> attribute(s) {} are not TMX 1.4; dropped", dropped.join(", ")),
            );
            markup.push('<');
            markup.push_str(name);
            push_known_attributes(markup, &attrs, allowed);
        }
        markup.push_str(if is_empty { "/>" } else { ">" });
        Ok(true)
    }

    fn check_pairs(&mut self, unit: &Unit, paired: &[(bool, String)]) {
        let mut open: Vec<&str> = Vec::new();
        for (is_bpt, i) in paired {
            if *is_bpt {
                open.push(i);
            } else if let Some(pos) = open.iter().position(|o| o == i) {
                open.remove(pos);
            } else {
                self.warn(Some(unit), "unbalanced-bpt-ept", format!("<ept i=\"{i}\"> has no matching <bpt>"));
            }
        }
        for i in open {
            self.warn(Some(unit), "unbalanced-bpt-ept", format!("<bpt i=\"{i}\"> has no matching <ept>"));
        }
    }

    fn read_prop(&mut self, start: &BytesStart, empty: bool) -> Parse<Prop> {
        let mut prop = Prop {
            kind: String::new(),
            lang: None,
            o_encoding: None,
            value: String::new(),
        };
        for (name, value) in self.events.attributes(start)? {
            match name {
                "type" => prop.kind = value.into_owned(),
                "xml:lang" | "lang" => prop.lang = Some(value.into_owned()),
                "o-encoding" => prop.o_encoding = Some(value.into_owned()),
                _ => {}
            }
        }
        if prop.kind.is_empty() {
            self.warn(
                None,
                "prop-without-type",
                "a <prop> has no type attribute; recorded with type \"x-untyped\"".into(),
            );
            prop.kind = "x-untyped".into();
        }
        if !empty {
            prop.value = self.read_text_content("prop")?;
        }
        Ok(prop)
    }

    fn read_note(&mut self, start: &BytesStart, empty: bool) -> Parse<Note> {
        let mut note = Note {
            lang: None,
            o_encoding: None,
            text: String::new(),
        };
        for (name, value) in self.events.attributes(start)? {
            match name {
                "xml:lang" | "lang" => note.lang = Some(value.into_owned()),
                "o-encoding" => note.o_encoding = Some(value.into_owned()),
                _ => {}
            }
        }
        if !empty {
            note.text = self.read_text_content("note")?;
        }
        Ok(note)
    }

    /// Text of a `#PCDATA` element, up to its end tag.
    fn read_text_content(&mut self, element: &str) -> Parse<String> {
        let mut text = String::new();
        let mut depth = 0usize;
        loop {
            match self.events.next_event()? {
                Event::Text(t) => text.push_str(&t),
                Event::CData(c) => text.push_str(&c),
                Event::GeneralRef(r) => text.push(xml::resolve_entity(&r).or_else(|m| self.events.error(m))?),
                Event::Start(_) => {
                    depth += 1;
                    self.warn(
                        None,
                        "invalid-content",
                        format!("<{element}> holds only text; nested markup ignored, its text kept"),
                    );
                }
                Event::End(_) if depth == 0 => return Ok(text),
                Event::End(_) => depth -= 1,
                Event::Eof => return self.events.error(format!("the file ends inside <{element}>")),
                _ => {}
            }
        }
    }

    /// Skips to the end of an element whose start was just read.
    fn skip_element(&mut self, name: &str) -> Parse<()> {
        let mut depth = 0usize;
        loop {
            match self.events.next_event()? {
                Event::Start(_) => depth += 1,
                Event::End(_) if depth == 0 => return Ok(()),
                Event::End(_) => depth -= 1,
                Event::GeneralRef(r) => {
                    xml::resolve_entity(&r).or_else(|m| self.events.error(m))?;
                }
                Event::Eof => return self.events.error(format!("the file ends inside <{name}>")),
                _ => {}
            }
        }
    }

    /// Reads a header `<ude name base?>` of `<map unicode code? ent? subst?/>`
    /// elements, re-serialised so that only what the DTD allows is kept.
    /// Returns `None` (with a warning) for a `<ude>` the DTD would reject.
    fn read_ude(&mut self, start: &BytesStart) -> Parse<Option<String>> {
        let attrs = self.events.attributes(start)?;
        let mut problem = None;
        let mut out = String::from("<ude");
        push_known_attributes(&mut out, &attrs, &["name", "base"]);
        out.push('>');
        if !attrs.iter().any(|(k, _)| *k == "name") {
            problem = Some("has no name attribute");
        }
        let mut maps = 0;
        loop {
            match self.events.next_event()? {
                Event::Text(t) if t.trim().is_empty() => {}
                Event::Comment(_) | Event::PI(_) => {}
                Event::Empty(e) if e.name().as_ref() == "map" => {
                    let attrs = self.events.attributes(&e)?;
                    if !attrs.iter().any(|(k, _)| *k == "unicode") {
                        problem = Some("has a <map> without the unicode attribute");
                    }
                    out.push_str("<map");
                    push_known_attributes(&mut out, &attrs, &["unicode", "code", "ent", "subst"]);
                    out.push_str("/>");
                    maps += 1;
                }
                Event::Start(e) => {
                    let name = e.name().as_ref().to_string();
                    self.skip_element(&name)?;
                    problem = Some("holds content other than empty <map/> elements");
                }
                Event::End(_) => break,
                Event::Eof => return self.events.error("the file ends inside <ude>"),
                _ => problem = Some("holds content other than empty <map/> elements"),
            }
        }
        if maps == 0 {
            problem = problem.or(Some("has no <map>"));
        }
        out.push_str("</ude>");
        if let Some(why) = problem {
            self.warn(None, "invalid-ude", format!("a header <ude> {why}; it is not kept"));
            return Ok(None);
        }
        Ok(Some(out))
    }
}

/// Writes the attributes among `allowed` as ` name="value"`.
fn push_known_attributes(out: &mut String, attrs: &[(&str, Cow<str>)], allowed: &[&str]) {
    for (k, v) in attrs.iter().filter(|(k, _)| allowed.contains(k)) {
        out.push(' ');
        out.push_str(k);
        out.push_str("=\"");
        xml::escape_attr(v, out);
        out.push('"');
    }
}

/// Whether `name` may appear in `parent`'s content, per the TMX 1.4 DTD.
fn inline_kind(name: &str, parent: InlineKind) -> Result<InlineKind, &'static str> {
    match (name, parent) {
        ("bpt" | "ept" | "it" | "ph" | "ut", InlineKind::Flow) => Ok(InlineKind::Code),
        ("hi", InlineKind::Flow) => Ok(InlineKind::Flow),
        ("sub", InlineKind::Code) => Ok(InlineKind::Flow),
        ("sub", InlineKind::Flow) => Err("is only allowed inside native code (<bpt>, <ph>, …)"),
        ("bpt" | "ept" | "it" | "ph" | "ut" | "hi", InlineKind::Code) => Err("is not allowed inside native code; use <sub> around it"),
        _ => Err("is not a TMX inline element"),
    }
}

fn inline_attributes(name: &str) -> &'static [&'static str] {
    match name {
        "bpt" => &["i", "x", "type"],
        "ept" => &["i"],
        "it" => &["pos", "x", "type"],
        "ph" => &["x", "assoc", "type"],
        "hi" => &["x", "type"],
        "ut" => &["x"],
        "sub" => &["datatype", "type"],
        _ => &[],
    }
}

fn segtype(raw: &str) -> Option<&'static str> {
    ["block", "paragraph", "sentence", "phrase"]
        .into_iter()
        .find(|s| s.eq_ignore_ascii_case(raw.trim()))
}

/// Sets a TMX administrative attribute; returns a warning for values that
/// cannot be kept or names that are not TMX.
fn set_admin(admin: &mut Admin, name: &str, value: &str) -> Option<(&'static str, String)> {
    let date = |slot: &mut Option<TmxDate>| match TmxDate::parse(value) {
        Some(d) => {
            *slot = Some(d);
            None
        }
        None => Some(("bad-date", format!("{name}=\"{value}\" is not a date (YYYYMMDDThhmmssZ); ignored"))),
    };
    let text = |slot: &mut Option<String>| {
        *slot = Some(value.to_string());
        None
    };
    match name {
        "creationdate" => date(&mut admin.creation_date),
        "changedate" => date(&mut admin.change_date),
        "lastusagedate" => date(&mut admin.last_usage_date),
        "creationid" => text(&mut admin.creation_id),
        "changeid" => text(&mut admin.change_id),
        "creationtool" => text(&mut admin.creation_tool),
        "creationtoolversion" => text(&mut admin.creation_tool_version),
        "datatype" => text(&mut admin.datatype),
        "o-tmf" => text(&mut admin.o_tmf),
        "o-encoding" => text(&mut admin.o_encoding),
        "usagecount" => match value.trim().parse::<i64>() {
            Ok(n) if n >= 0 => {
                admin.usage_count = Some(n);
                None
            }
            _ => Some(("bad-attribute", format!("usagecount=\"{value}\" is not a count; ignored"))),
        },
        _ => Some(("unknown-attribute", format!("attribute {name}=\"{value}\" is not TMX; ignored"))),
    }
}

/// XML normalises CR LF and lone CR to LF in text (XML 1.0 §2.11).
fn push_normalised_newlines(s: &str, out: &mut String) {
    if !s.contains('\r') {
        out.push_str(s);
        return;
    }
    out.push_str(&s.replace("\r\n", "\n").replace('\r', "\n"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tmx").join(name)
    }

    /// Units read into the strings of units given back are the units read
    /// from new ones: nothing of the earlier text is left in them.
    #[test]
    fn units_read_into_reused_strings_are_those_read_fresh() {
        for name in [
            "inline_all.tmx",
            "quirks_warnings.tmx",
            "cdata_entities.tmx",
            "three_langs.tmx",
            "utf16le_bom.tmx",
        ] {
            let mut fresh = Vec::new();
            let mut reader = TmxReader::open(&fixture(name)).unwrap();
            while let Some(unit) = reader.next_unit().unwrap() {
                fresh.push(unit);
            }
            let mut reused = Vec::new();
            let mut reader = TmxReader::open(&fixture(name)).unwrap();
            while let Some(unit) = reader.next_unit().unwrap() {
                reused.push(unit.clone());
                reader.reuse(vec![unit]);
            }
            assert!(!fresh.is_empty(), "{name}");
            assert_eq!(fresh, reused, "{name}");
        }
    }
}
