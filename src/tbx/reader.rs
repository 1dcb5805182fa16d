//! Streaming TBX reader.
//!
//! [`TbxReader`] pulls one concept entry at a time (`conceptEntry` in TBX v3,
//! `termEntry` in TBX v2): each entry is read into a small element tree,
//! then interpreted, so memory is bounded by the largest entry, not the file.
//!
//! Element names are matched by their local name (the part after any
//! prefix) and namespaces are not checked beyond a warning, so the three
//! spellings seen in the wild (`urn:iso:std:iso:30042:ed-2`,
//! `urn:iso:std:iso:30042:ed:3.0`, no namespace) read alike. A data category
//! is the `type` of a `descrip`, `termNote` or `admin` element (DCA style and
//! TBX v2) or the local name of a module element such as
//! `<basic:partOfSpeech>` (DCT style); both are mapped onto the model:
//!
//! | data category | model |
//! | --- | --- |
//! | `subjectField`, `definition`, `note` in the entry | [`Concept`] fields |
//! | `term` | [`Term::text`] |
//! | `administrativeStatus`, `normativeAuthorization` | [`Term::status`] (default admitted) |
//! | `partOfSpeech`, `termType`, `note`, `source` in a term | [`Term`] fields |
//! | `x-caseSensitive` (`true`/`yes`; written by our writer) | [`Term::case_sensitive`] |
//!
//! Texts are trimmed and CR LF is read as LF (as XML requires). Transactions
//! (`transacGrp`, `transac`, `date`, …) are ignored silently; any other data
//! category the model has no place for is ignored with one warning per
//! category and file. A term without a usable language is skipped with a
//! warning, as is an entry left without terms. Anything that is not
//! well-formed XML is an error with line and column, and DTD entity
//! declarations and undefined entities are refused, as for TMX.

use crate::lang::Lang;
use crate::terms::{Concept, Term, TermStatus};
use crate::tmx::Warning;
use crate::xml::tree::{local_name, Element};
use crate::xml::{self, Events, InputError, Parse};
use quick_xml::events::Event;
use std::collections::HashSet;
use std::path::Path;

/// Which TBX the file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TbxVersion {
    /// TBX v2 (ISO 30042:2008, root `martif`).
    V2,
    /// TBX v3, data categories as attributes (`style="dca"`, the default).
    V3Dca,
    /// TBX v3, data categories as module elements (`style="dct"`).
    V3Dct,
}

/// The namespaces TBX v3 files use for the core structure.
const TBX_NAMESPACES: [&str; 2] = ["urn:iso:std:iso:30042:ed-2", "urn:iso:std:iso:30042:ed:3.0"];

/// A pull reader over the concepts of one TBX file.
pub struct TbxReader {
    events: Events,
    version: TbxVersion,
    root: String,
    /// Open elements between the root and the next entry.
    depth: usize,
    entries_read: u64,
    warnings: Vec<Warning>,
    /// Data categories already reported as ignored.
    reported: HashSet<String>,
    finished: bool,
}

/// The data category of an element: the `type` of `descrip`/`termNote`/
/// `admin` (and their TBX v2 relatives), else the local name.
fn category(e: &Element) -> &str {
    match e.local() {
        "descrip" | "termNote" | "admin" | "transac" | "transacNote" | "adminNote" | "descripNote" => {
            e.attr("type").unwrap_or_else(|| e.local())
        }
        other => other,
    }
}

/// Where a data category was found.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Concept,
    Lang,
    Term,
}

impl TbxReader {
    /// Opens `path` and reads up to the first entry.
    pub fn open(path: &Path) -> Result<TbxReader, InputError> {
        let mut tbx = TbxReader {
            events: Events::open(path)?,
            version: TbxVersion::V3Dca,
            root: String::new(),
            depth: 0,
            entries_read: 0,
            warnings: Vec::new(),
            reported: HashSet::new(),
            finished: false,
        };
        tbx.read_prolog().map_err(|e| tbx.events.locate(e))?;
        Ok(tbx)
    }

    pub fn version(&self) -> TbxVersion {
        self.version
    }

    /// Warnings gathered since the last call.
    pub fn take_warnings(&mut self) -> Vec<Warning> {
        std::mem::take(&mut self.warnings)
    }

    /// Bytes of decoded input consumed so far (for progress reporting).
    pub fn bytes_read(&self) -> u64 {
        self.events.bytes_read()
    }

    /// The next concept, or `None` at the end of the file.
    pub fn next_concept(&mut self) -> Result<Option<Concept>, InputError> {
        if self.finished {
            return Ok(None);
        }
        let step = self.read_next_concept();
        self.events.finish_step(&mut self.finished, step)
    }

    fn warn(&mut self, entry: Option<(u64, Option<&str>)>, line: u64, rule: &'static str, message: String) {
        self.warnings.push(Warning {
            unit: entry.map(|(n, _)| n),
            tuid: entry.and_then(|(_, id)| id.map(str::to_string)),
            line,
            rule,
            message,
        });
    }

    /// XML declaration, DOCTYPE and the root element.
    fn read_prolog(&mut self) -> Parse<()> {
        loop {
            match self.events.next_event()? {
                Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
                Event::DocType(d) => xml::check_doctype(&d).or_else(|m| self.events.error(m))?,
                Event::Text(t) if t.trim().is_empty() => {}
                Event::Start(e) if matches!(local_name(e.name().as_ref()), "tbx" | "martif") => {
                    self.root = e.name().as_ref().to_string();
                    let attrs = self.events.attributes(&e)?;
                    let get = |k: &str| attrs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_ref());
                    if local_name(&self.root) == "martif" {
                        self.version = TbxVersion::V2;
                    } else {
                        self.version = match get("style").map(str::trim) {
                            Some(s) if s.eq_ignore_ascii_case("dct") => TbxVersion::V3Dct,
                            Some(s) if s.eq_ignore_ascii_case("dca") => TbxVersion::V3Dca,
                            None => TbxVersion::V3Dca,
                            Some(other) => {
                                let line = self.events.line();
                                self.warn(None, line, "unknown-style", format!("unknown TBX style `{other}`; read as DCA"));
                                TbxVersion::V3Dca
                            }
                        };
                        let xmlns_key = match self.root.split_once(':') {
                            Some((prefix, _)) => format!("xmlns:{prefix}"),
                            None => "xmlns".to_string(),
                        };
                        if let Some(ns) = get(&xmlns_key) {
                            if !TBX_NAMESPACES.contains(&ns.trim()) {
                                let line = self.events.line();
                                let message = format!("unexpected TBX namespace `{ns}`; read as TBX v3");
                                self.warn(None, line, "unknown-namespace", message);
                            }
                        }
                    }
                    return Ok(());
                }
                Event::Start(e) | Event::Empty(e) => {
                    let name = e.name().as_ref().to_string();
                    return self.events.error(format!(
                        "this is not a TBX file: the root element is <{name}>, expected <tbx> or <martif>"
                    ));
                }
                Event::Eof => {
                    return self
                        .events
                        .error("the file is empty or has no root element; expected a TBX document (<tbx> or <martif>)")
                }
                Event::Text(_) | Event::GeneralRef(_) | Event::CData(_) => {
                    return self
                        .events
                        .error("this is not XML: it starts with text; expected a TBX document (<tbx> or <martif>)")
                }
                _ => return self.events.error("expected the <tbx> or <martif> root element"),
            }
        }
    }

    fn read_next_concept(&mut self) -> Parse<Option<Concept>> {
        loop {
            match self.events.next_event()? {
                Event::Start(e) if matches!(local_name(e.name().as_ref()), "conceptEntry" | "termEntry") => {
                    let entry = self.events.read_element(&e, false)?;
                    self.entries_read += 1;
                    if let Some(concept) = self.interpret(&entry) {
                        return Ok(Some(concept));
                    }
                }
                Event::Empty(e) if matches!(local_name(e.name().as_ref()), "conceptEntry" | "termEntry") => {
                    self.entries_read += 1;
                    let id = self
                        .events
                        .attributes(&e)?
                        .into_iter()
                        .find(|(k, _)| *k == "id")
                        .map(|(_, v)| v.into_owned());
                    let line = self.events.line();
                    let n = self.entries_read;
                    self.warn(
                        Some((n, id.as_deref())),
                        line,
                        "empty-concept",
                        "the entry has no terms; skipped".into(),
                    );
                }
                Event::Start(_) => self.depth += 1,
                Event::End(_) if self.depth > 0 => self.depth -= 1,
                Event::End(_) => return self.events.expect_trailing_misc().map(|()| None),
                Event::GeneralRef(r) => {
                    xml::resolve_entity(&r).or_else(|m| self.events.error(m))?;
                }
                Event::Eof => {
                    let root = self.root.clone();
                    return self.events.error(format!("the file ends before </{root}> (is it truncated?)"));
                }
                _ => {}
            }
        }
    }

    /// Turns an entry into a concept; `None` (with a warning) when it has no
    /// usable term.
    fn interpret(&mut self, entry: &Element) -> Option<Concept> {
        let mut concept = Concept {
            id: entry.attr("id").map(str::to_string),
            ..Concept::default()
        };
        let n = self.entries_read;
        self.concept_children(entry, &mut concept, None);
        if concept.terms.is_empty() {
            let id = concept.id.clone();
            self.warn(
                Some((n, id.as_deref())),
                entry.line,
                "empty-concept",
                "the entry has no usable term; skipped".into(),
            );
            return None;
        }
        Some(concept)
    }

    /// Children of an entry or of a language section (`lang` set).
    fn concept_children(&mut self, parent: &Element, concept: &mut Concept, lang: Option<&Result<Lang, String>>) {
        let level = if lang.is_some() { Level::Lang } else { Level::Concept };
        for child in parent.elements() {
            match category(child) {
                "langSec" | "langSet" if level == Level::Concept => {
                    let raw = child.attr("xml:lang").or_else(|| child.attr("lang"));
                    let parsed = match raw {
                        None => Err("the language section has no xml:lang".to_string()),
                        Some(raw) => Lang::parse(raw).map_err(|e| e.to_string()),
                    };
                    self.concept_children(child, concept, Some(&parsed));
                }
                "termSec" | "tig" | "ntig" if level == Level::Lang => {
                    if let Some(lang) = lang {
                        self.term(child, concept, lang);
                    }
                }
                "descripGrp" | "adminGrp" | "termNoteGrp" | "noteGrp" => {
                    // The first data category is the one the group is about;
                    // the rest (source, note, date) qualify it.
                    if let Some(main) = child.elements().next() {
                        self.concept_category(main, concept, level);
                    }
                }
                _ => self.concept_category(child, concept, level),
            }
        }
    }

    fn concept_category(&mut self, e: &Element, concept: &mut Concept, level: Level) {
        let category = category(e);
        match category {
            "subjectField" => set_once(&mut concept.subject_field, e.text()),
            "definition" => set_once(&mut concept.definition, e.text()),
            "note" if level == Level::Concept => append(&mut concept.note, e.text()),
            _ => self.ignored(e, concept, level),
        }
    }

    fn ignored(&mut self, e: &Element, concept: &Concept, level: Level) {
        let category = category(e);
        if is_silently_ignored(category) {
            return;
        }
        let place = match level {
            Level::Concept => "entry",
            Level::Lang => "language section",
            Level::Term => "term",
        };
        let key = format!("{place}/{category}");
        if self.reported.insert(key) {
            let n = self.entries_read;
            let id = concept.id.clone();
            let message = format!(
                "<{}> `{category}` in a {place} has no place in yakugo's model; ignored (further occurrences not reported)",
                e.name
            );
            self.warn(Some((n, id.as_deref())), e.line, "ignored-data-category", message);
        }
    }

    /// A `termSec`, `tig` or `ntig`.
    fn term(&mut self, container: &Element, concept: &mut Concept, lang: &Result<Lang, String>) {
        let n = self.entries_read;
        let mut parts: Vec<&Element> = Vec::new();
        for child in container.elements() {
            if child.local() == "termGrp" {
                parts.extend(child.elements());
            } else {
                parts.push(child);
            }
        }
        let mut text = None;
        let mut status: Option<TermStatus> = None;
        let mut term_fields = (None, None, None, None, false);
        let (pos, term_type, note, source, case) = &mut term_fields;
        for part in parts {
            let mut part = part;
            if matches!(part.local(), "descripGrp" | "adminGrp" | "termNoteGrp" | "noteGrp") {
                match part.elements().next() {
                    Some(main) => part = main,
                    None => continue,
                }
            }
            match category(part) {
                "term" => set_once(&mut text, part.text()),
                "administrativeStatus" | "normativeAuthorization" => {
                    let raw = part.text();
                    match parse_status(&raw) {
                        Some(s) if status.is_none() => status = Some(s),
                        Some(_) => {}
                        None => {
                            let id = concept.id.clone();
                            let message = format!("unknown term status `{raw}`; read as admitted");
                            self.warn(Some((n, id.as_deref())), part.line, "unknown-status", message);
                        }
                    }
                }
                "partOfSpeech" => set_once(pos, part.text()),
                "termType" => set_once(term_type, part.text()),
                "note" => append(note, part.text()),
                "source" => set_once(source, part.text()),
                "x-caseSensitive" | "caseSensitive" | "caseSensitivity" => {
                    *case = matches!(
                        part.text().to_ascii_lowercase().as_str(),
                        "true" | "yes" | "1" | "sensitive" | "casesensitive"
                    )
                }
                _ => self.ignored(part, concept, Level::Term),
            }
        }
        let Some(text) = text else {
            let id = concept.id.clone();
            let message = format!("<{}> has no <term> (or an empty one); skipped", container.name);
            self.warn(Some((n, id.as_deref())), container.line, "empty-term", message);
            return;
        };
        let lang = match lang {
            Ok(lang) => lang.clone(),
            Err(why) => {
                let id = concept.id.clone();
                let message = format!("the term `{text}` has no usable language ({why}); skipped");
                self.warn(Some((n, id.as_deref())), container.line, "bad-language", message);
                return;
            }
        };
        let (pos, term_type, note, source, case) = term_fields;
        concept.terms.push(Term {
            lang,
            text,
            status: status.unwrap_or_default(),
            part_of_speech: pos,
            term_type,
            note,
            source,
            case_sensitive: case,
        });
    }
}

/// Keeps the first non-empty value.
fn set_once(slot: &mut Option<String>, value: String) {
    if slot.is_none() && !value.is_empty() {
        *slot = Some(value);
    }
}

/// Joins several notes with a line break.
fn append(slot: &mut Option<String>, value: String) {
    if value.is_empty() {
        return;
    }
    match slot {
        Some(s) => {
            s.push('\n');
            s.push_str(&value);
        }
        None => *slot = Some(value),
    }
}

/// [`TermStatus::parse`], plus the TBX v2 `normativeAuthorization` values
/// it does not know (`legalTerm`, `regulatedTerm`: admitted, like
/// `standardizedTerm`).
fn parse_status(raw: &str) -> Option<TermStatus> {
    TermStatus::parse(raw).or_else(|| {
        let v = raw.trim().to_ascii_lowercase();
        matches!(
            v.as_str(),
            "legalterm" | "regulatedterm" | "legalterm-admn-sts" | "regulatedterm-admn-sts"
        )
        .then_some(TermStatus::Admitted)
    })
}

/// Transactions and bookkeeping: ignored without a warning.
fn is_silently_ignored(category: &str) -> bool {
    matches!(
        category,
        "transacGrp"
            | "transac"
            | "transacNote"
            | "transactionType"
            | "responsibility"
            | "date"
            | "origination"
            | "modification"
            | "creationDate"
            | "lastModificationDate"
    )
}

/// Reads a whole file: its concepts and the warnings.
pub fn read_all(path: &Path) -> Result<(Vec<Concept>, Vec<Warning>), InputError> {
    let mut reader = TbxReader::open(path)?;
    let mut concepts = Vec::new();
    while let Some(c) = reader.next_concept()? {
        concepts.push(c);
    }
    Ok((concepts, reader.take_warnings()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(xml: &str) -> Result<(Vec<Concept>, Vec<Warning>), InputError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.tbx");
        std::fs::write(&path, xml).unwrap();
        read_all(&path)
    }

    #[test]
    fn statuses() {
        assert_eq!(parse_status("legalTerm"), Some(TermStatus::Admitted));
        assert_eq!(parse_status("regulatedTerm-admn-sts"), Some(TermStatus::Admitted));
        assert_eq!(parse_status("standardizedTerm"), Some(TermStatus::Admitted));
        assert_eq!(parse_status("preferredTerm"), Some(TermStatus::Preferred));
        assert_eq!(parse_status("nonsense"), None);
    }

    #[test]
    fn prefixed_core_elements_crlf_cdata_and_refs() {
        let xml = "<t:tbx xmlns:t=\"urn:iso:std:iso:30042:ed-2\" style=\"dca\"><t:text><t:body>\r\n\
                   <t:conceptEntry id=\"a\"><t:note>line1\r\nline2</t:note><t:langSec xml:lang=\"ja\"><t:termSec>\
                   <t:term> <![CDATA[<日本>]]>&#x8A9E;&amp;<hi>x</hi> </t:term></t:termSec></t:langSec></t:conceptEntry>\
                   </t:body></t:text></t:tbx>";
        let (concepts, warnings) = read(xml).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(concepts[0].note.as_deref(), Some("line1\nline2"));
        assert_eq!(concepts[0].terms[0].text, "<日本>語&x");
    }

    #[test]
    fn unknown_namespace_and_style_warn() {
        let xml = "<tbx xmlns=\"urn:other\" style=\"weird\"><text><body><conceptEntry/></body></text></tbx>";
        let (concepts, warnings) = read(xml).unwrap();
        assert!(concepts.is_empty());
        let rules: Vec<_> = warnings.iter().map(|w| w.rule).collect();
        assert_eq!(rules, ["unknown-style", "unknown-namespace", "empty-concept"]);
    }

    #[test]
    fn ignored_categories_are_reported_once() {
        let entry = "<conceptEntry><descrip type=\"context\">c</descrip><langSec xml:lang=\"en\"><termSec><term>t</term>\
                     <termNote type=\"grammaticalGender\">m</termNote></termSec></langSec></conceptEntry>";
        let xml = format!("<martif><text><body>{entry}{entry}</body></text></martif>");
        let (concepts, warnings) = read(&xml).unwrap();
        assert_eq!(concepts.len(), 2);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings.iter().all(|w| w.rule == "ignored-data-category" && w.unit == Some(1)));
    }
}
