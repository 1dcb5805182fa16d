//! Glossary spreadsheets: CSV/TSV readers and a TSV writer.
//!
//! Two layouts are read, told apart by the first row:
//!
//! * **yakugo's own format** (`glossaries/mic-ict.tsv`): a header whose first
//!   cells are `concept`, `lang`, `term`, then any of `status`, `pos`,
//!   `type`, `note`, `source`, `case`, `subject`, `definition`,
//!   `concept_note` (matched by name, in any order); one term per row. Rows
//!   with the same `concept` belong to one concept (in order of first
//!   appearance); a `concept` cell of the form `#N` (N digits) is an
//!   anonymous concept (no id). The concept-level cells (`subject`,
//!   `definition`, `concept_note`) are taken from the concept's first row
//!   that has them. In TSV, `\t`, `\n`, `\r` and `\\` in a cell stand for a
//!   tab, a line feed, a carriage return and a backslash.
//! * **term pairs**, as OmegaT writes them: `source<TAB>target<TAB>comment`
//!   (2 or 3 columns; the comment becomes the concept's note). The caller
//!   gives the languages; a first row that names languages (`en`, `ja-JP`,
//!   `English`, `日本語`) or says `source`/`target`/`term`/`translation`/
//!   `comment` is a header, and languages it names are used when the caller
//!   gave none. Lines starting with `#` (OmegaT's comments) are skipped.
//!   Both terms are admitted.
//! * **JMdict** (the EDRDG dictionary as tabulated in
//!   `../shared/corpus/termbases/jmdict/`): a header `idseq kanji kana`
//!   with `glosses` and optionally `pos_first_sense` (or `pos`) after it;
//!   one entry per row, alternatives in a cell separated by `|`, glosses by
//!   `; ` within a sense and ` | ` between senses. An entry is a concept
//!   (id: the `idseq`): its kanji spellings are preferred Japanese terms,
//!   its kana spellings admitted ones (preferred when the entry has no
//!   kanji: the word is written in kana), and every distinct gloss is a
//!   preferred term in the target language (`en` unless the caller gives
//!   another; JMdict also has German, French, … glosses). The part of
//!   speech of the first sense goes to the Japanese terms and the first
//!   sense's glosses.
//!
//! TSV is read without quoting, CSV (comma) with RFC 4180 quoting. Encodings
//! are sniffed by [`crate::xml::open`] (UTF-8 with or without BOM, UTF-16
//! with BOM); CRLF line ends are fine. Cells are trimmed. Rows that cannot be
//! used (a missing term, a bad language, an unknown status) are skipped or
//! defaulted with a [`Warning`] whose `unit` is the row's line.
//!
//! [`write_tsv`] writes yakugo's format, which [`read_table`] reads back to
//! the same concepts (every term has a row, so a concept without terms is
//! not written).

use super::{Concept, Term, TermStatus};
use crate::lang::Lang;
use crate::tmx::Warning;
use crate::xml::{self, InputError};
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// How cells are separated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delimiter {
    /// Tab, no quoting.
    Tab,
    /// Comma, RFC 4180 quoting.
    Comma,
}

impl Delimiter {
    /// `.csv` → comma; anything else (`.tsv`, `.tab`, `.txt`, …) → tab.
    pub fn from_path(path: &Path) -> Delimiter {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("csv") => Delimiter::Comma,
            _ => Delimiter::Tab,
        }
    }
}

/// What the caller knows about the file.
#[derive(Clone, Debug, Default)]
pub struct TableOptions {
    /// `None`: from the file name ([`Delimiter::from_path`]).
    pub delimiter: Option<Delimiter>,
    /// Languages of the first and second column of a term-pair file.
    pub source: Option<Lang>,
    pub target: Option<Lang>,
}

/// Which layout the file turned out to have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// `concept lang term status pos type note …`
    Concepts,
    /// `source target [comment]`
    Pairs { header: bool },
    /// `idseq kanji kana pos_first_sense glosses`
    Jmdict,
}

/// A glossary read from a spreadsheet.
#[derive(Clone, Debug)]
pub struct Table {
    pub layout: Layout,
    pub concepts: Vec<Concept>,
    /// `unit` is the line of the row concerned.
    pub warnings: Vec<Warning>,
}

#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("{}: this is a glossary of term pairs (source, target, comment); give the source and target languages (the first row does not name them)", path.display())]
    NeedLanguages { path: PathBuf },
}

/// The columns of yakugo's format, in the order the writer uses.
const COLUMNS: [&str; 12] = [
    "concept",
    "lang",
    "term",
    "status",
    "pos",
    "type",
    "note",
    "source",
    "case",
    "subject",
    "definition",
    "concept_note",
];

/// Reads a CSV/TSV glossary.
pub fn read_table(path: &Path, options: &TableOptions) -> Result<Table, TableError> {
    let delimiter = options.delimiter.unwrap_or_else(|| Delimiter::from_path(path));
    // Glossaries are small: read the decoded text whole, so that rows can
    // be located by byte offset (the csv crate does not count blank lines).
    let mut data = Vec::new();
    xml::open(path)?.read_to_end(&mut data).map_err(|cause| InputError::Io {
        path: path.to_path_buf(),
        cause,
    })?;
    let newlines: Vec<usize> = memchr::memchr_iter(b'\n', &data).collect();
    // A record's position may point at blank lines the csv crate skipped.
    let line_of = |byte: u64| {
        let skipped = data.iter().skip(byte as usize).take_while(|b| matches!(b, b'\r' | b'\n')).count() as u64;
        newlines.partition_point(|&i| (i as u64) < byte + skipped) as u64 + 1
    };
    let mut builder = csv::ReaderBuilder::new();
    builder.has_headers(false).flexible(true);
    match delimiter {
        Delimiter::Tab => builder.delimiter(b'\t').quoting(false),
        Delimiter::Comma => builder.delimiter(b','),
    };
    let mut rows = Vec::new();
    for record in builder.from_reader(data.as_slice()).into_records() {
        let record = record.map_err(|e| csv_error(path, e, &line_of))?;
        let line = record.position().map_or(0, |p| line_of(p.byte()));
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_string()).collect();
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        rows.push((line, cells));
    }
    let is_comment = |cells: &[String]| cells[0].starts_with('#');
    let first = rows.iter().position(|(_, cells)| !is_comment(cells)).unwrap_or(rows.len());
    let concepts_header = rows.get(first).is_some_and(|(_, cells)| {
        cells.len() >= 3
            && ["concept", "lang", "term"]
                .iter()
                .zip(cells)
                .all(|(want, got)| got.eq_ignore_ascii_case(want))
    });
    let jmdict_header = rows.get(first).and_then(|(_, cells)| JmdictColumns::of(cells));
    if concepts_header {
        Ok(read_concepts(rows.split_off(first), delimiter))
    } else if let Some(columns) = jmdict_header {
        Ok(read_jmdict(rows.split_off(first + 1), columns, options))
    } else {
        rows.retain(|(_, cells)| !is_comment(cells));
        read_pairs(path, rows, options)
    }
}

fn csv_error(path: &Path, e: csv::Error, line_of: &dyn Fn(u64) -> u64) -> TableError {
    let (line, message) = match e.kind() {
        csv::ErrorKind::Utf8 { pos, err } => (
            pos.as_ref().map_or(1, |p| line_of(p.byte())),
            format!("the text is not valid UTF-8 ({err}); save the file as UTF-8 or UTF-16 with BOM"),
        ),
        csv::ErrorKind::Io(err) => {
            return TableError::Input(InputError::Io {
                path: path.to_path_buf(),
                cause: io::Error::new(err.kind(), err.to_string()),
            })
        }
        _ => (e.position().map_or(1, |p| line_of(p.byte())), e.to_string()),
    };
    TableError::Input(InputError::Syntax {
        path: path.to_path_buf(),
        line,
        column: 1,
        message,
    })
}

fn warning(line: u64, rule: &'static str, message: String) -> Warning {
    Warning {
        unit: Some(line),
        tuid: None,
        line,
        rule,
        message,
    }
}

fn read_concepts(rows: Vec<(u64, Vec<String>)>, delimiter: Delimiter) -> Table {
    let mut warnings = Vec::new();
    let mut rows = rows.into_iter();
    let (header_line, header) = rows.next().unwrap_or_default();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        match COLUMNS.iter().find(|c| c.eq_ignore_ascii_case(name)) {
            Some(c) if !index.contains_key(c) => {
                index.insert(c, i);
            }
            _ => warnings.push(warning(
                header_line,
                "unknown-column",
                format!("column `{name}` is not known; ignored"),
            )),
        }
    }
    let mut concepts: Vec<Concept> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for (line, cells) in rows {
        let cell = |name: &str| -> String {
            let raw = index.get(name).and_then(|&i| cells.get(i)).map_or("", String::as_str);
            match delimiter {
                Delimiter::Tab => unescape(raw),
                Delimiter::Comma => raw.to_string(),
            }
        };
        let opt = |name: &str| Some(cell(name)).filter(|s| !s.is_empty());
        let text = cell("term");
        if text.is_empty() {
            warnings.push(warning(line, "empty-term", "the row has no term; skipped".into()));
            continue;
        }
        let lang = match Lang::parse(&cell("lang")) {
            Ok(l) => l,
            Err(e) => {
                warnings.push(warning(
                    line,
                    "bad-language",
                    format!("the term `{text}` has no usable language: {e}; skipped"),
                ));
                continue;
            }
        };
        let raw_status = cell("status");
        let status = if raw_status.is_empty() {
            TermStatus::Admitted
        } else {
            TermStatus::parse(&raw_status).unwrap_or_else(|| {
                warnings.push(warning(
                    line,
                    "unknown-status",
                    format!("unknown status `{raw_status}`; read as admitted"),
                ));
                TermStatus::Admitted
            })
        };
        let key = cell("concept");
        let slot = match by_id.get(&key) {
            Some(&i) => i,
            None => {
                let anonymous = key.is_empty() || is_anonymous_key(&key);
                concepts.push(Concept {
                    id: (!anonymous).then(|| key.clone()),
                    ..Concept::default()
                });
                // An empty cell is a concept of its own on each row.
                if !key.is_empty() {
                    by_id.insert(key, concepts.len() - 1);
                }
                concepts.len() - 1
            }
        };
        let concept = &mut concepts[slot];
        for (field, column) in [
            (&mut concept.subject_field, "subject"),
            (&mut concept.definition, "definition"),
            (&mut concept.note, "concept_note"),
        ] {
            if field.is_none() {
                *field = opt(column);
            }
        }
        let case = cell("case").to_ascii_lowercase();
        concept.terms.push(Term {
            lang,
            text,
            status,
            part_of_speech: opt("pos"),
            term_type: opt("type"),
            note: opt("note"),
            source: opt("source"),
            case_sensitive: matches!(case.as_str(), "yes" | "true" | "1" | "y"),
        });
    }
    Table {
        layout: Layout::Concepts,
        concepts,
        warnings,
    }
}

/// Where the cells of a JMdict table are, from its header.
#[derive(Clone, Copy)]
struct JmdictColumns {
    kanji: usize,
    kana: usize,
    pos: Option<usize>,
    glosses: usize,
}

impl JmdictColumns {
    /// `Some` for a header starting `idseq kanji kana` that has a
    /// `glosses` column.
    fn of(cells: &[String]) -> Option<JmdictColumns> {
        let named = |want: &[&str]| cells.iter().position(|c| want.iter().any(|w| c.eq_ignore_ascii_case(w)));
        let starts = cells.len() >= 4
            && ["idseq", "kanji", "kana"]
                .iter()
                .zip(cells)
                .all(|(want, got)| got.eq_ignore_ascii_case(want));
        if !starts {
            return None;
        }
        Some(JmdictColumns {
            kanji: 1,
            kana: 2,
            pos: named(&["pos_first_sense", "pos"]),
            glosses: named(&["glosses", "gloss"])?,
        })
    }
}

fn read_jmdict(rows: Vec<(u64, Vec<String>)>, columns: JmdictColumns, options: &TableOptions) -> Table {
    let ja = options
        .source
        .clone()
        .unwrap_or_else(|| Lang::parse("ja").expect("ja is a language tag"));
    let glosses_lang = options
        .target
        .clone()
        .unwrap_or_else(|| Lang::parse("en").expect("en is a language tag"));
    let mut warnings = Vec::new();
    let mut concepts = Vec::with_capacity(rows.len());
    let alternatives = |cell: Option<&String>| -> Vec<String> {
        cell.map_or(Vec::new(), |c| {
            c.split('|').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
        })
    };
    for (line, cells) in rows {
        let pos = columns.pos.and_then(|i| cells.get(i)).filter(|p| !p.is_empty()).cloned();
        let kanji = alternatives(cells.get(columns.kanji));
        let kana = alternatives(cells.get(columns.kana));
        if kanji.is_empty() && kana.is_empty() {
            warnings.push(warning(line, "empty-term", "the entry has neither kanji nor kana; skipped".into()));
            continue;
        }
        let mut terms = Vec::with_capacity(kanji.len() + kana.len() + 4);
        let kana_status = if kanji.is_empty() {
            TermStatus::Preferred
        } else {
            TermStatus::Admitted
        };
        let spellings = kanji.into_iter().map(|k| (k, TermStatus::Preferred));
        for (text, status) in spellings.chain(kana.into_iter().map(|k| (k, kana_status))) {
            terms.push(Term {
                part_of_speech: pos.clone(),
                ..Term::new(ja.clone(), text, status)
            });
        }
        let senses = cells.get(columns.glosses).map_or("", String::as_str).split(" | ");
        for (sense, glosses) in senses.enumerate() {
            for gloss in glosses.split("; ").map(str::trim).filter(|g| !g.is_empty()) {
                if terms.iter().any(|t| t.lang == glosses_lang && t.text == gloss) {
                    continue;
                }
                terms.push(Term {
                    part_of_speech: pos.clone().filter(|_| sense == 0),
                    ..Term::new(glosses_lang.clone(), gloss, TermStatus::Preferred)
                });
            }
        }
        concepts.push(Concept {
            id: cells.first().filter(|id| !id.is_empty()).cloned(),
            terms,
            ..Concept::default()
        });
    }
    Table {
        layout: Layout::Jmdict,
        concepts,
        warnings,
    }
}

/// Language names a header row may use.
const LANGUAGE_NAMES: [(&str, &str); 14] = [
    ("english", "en"),
    ("japanese", "ja"),
    ("chinese", "zh"),
    ("korean", "ko"),
    ("french", "fr"),
    ("german", "de"),
    ("spanish", "es"),
    ("日本語", "ja"),
    ("英語", "en"),
    ("中国語", "zh"),
    ("韓国語", "ko"),
    ("中文", "zh"),
    ("英文", "en"),
    ("和文", "ja"),
];

const HEADER_WORDS: [&str; 16] = [
    "source",
    "target",
    "term",
    "terms",
    "translation",
    "comment",
    "comments",
    "note",
    "notes",
    "source term",
    "target term",
    "src",
    "tgt",
    "原文",
    "訳語",
    "備考",
];

/// A header cell: `Some(Some(lang))` when it names a language,
/// `Some(None)` when it is a header word, `None` otherwise.
fn header_cell(cell: &str) -> Option<Option<Lang>> {
    let lower = cell.trim().to_lowercase();
    if let Some((_, tag)) = LANGUAGE_NAMES.iter().find(|(name, _)| *name == lower) {
        return Some(Lang::parse(tag).ok());
    }
    if HEADER_WORDS.contains(&lower.as_str()) {
        return Some(None);
    }
    // A tag: 2–3 letter primary language, optional subtags.
    let primary = lower.split(['-', '_']).next().unwrap_or("");
    if (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_lowercase()) {
        if let Ok(lang) = Lang::parse(&lower) {
            return Some(Some(lang));
        }
    }
    None
}

fn read_pairs(path: &Path, rows: Vec<(u64, Vec<String>)>, options: &TableOptions) -> Result<Table, TableError> {
    let mut warnings = Vec::new();
    let mut rows = rows.into_iter().peekable();
    let mut header = false;
    let (mut source, mut target) = (options.source.clone(), options.target.clone());
    if let Some((line, cells)) = rows.peek() {
        let cells: Vec<Option<Option<Lang>>> = cells.iter().take(3).map(|c| header_cell(c)).collect();
        if cells.len() >= 2 && cells.iter().all(Option::is_some) {
            header = true;
            for (slot, named, which) in [(&mut source, &cells[0], "source"), (&mut target, &cells[1], "target")] {
                if let Some(Some(lang)) = named {
                    match slot {
                        None => *slot = Some(lang.clone()),
                        Some(given) if given != lang => warnings.push(warning(
                            *line,
                            "language-conflict",
                            format!("the header names `{lang}` for the {which} column, but `{given}` was given; `{given}` is used"),
                        )),
                        Some(_) => {}
                    }
                }
            }
            rows.next();
        }
    }
    let (Some(source), Some(target)) = (source, target) else {
        return Err(TableError::NeedLanguages { path: path.to_path_buf() });
    };
    let mut concepts = Vec::new();
    let mut extra_reported = false;
    for (line, cells) in rows {
        let get = |i: usize| cells.get(i).filter(|c| !c.is_empty()).cloned();
        let (Some(src), Some(tgt)) = (get(0), get(1)) else {
            warnings.push(warning(
                line,
                "incomplete-row",
                "the row needs a source and a target term; skipped".into(),
            ));
            continue;
        };
        if cells.len() > 3 && !extra_reported {
            extra_reported = true;
            warnings.push(warning(
                line,
                "extra-columns",
                "columns after the third (comment) are ignored (further rows not reported)".into(),
            ));
        }
        let term = |lang: &Lang, text: String| Term {
            lang: lang.clone(),
            text,
            status: TermStatus::Admitted,
            part_of_speech: None,
            term_type: None,
            note: None,
            source: None,
            case_sensitive: false,
        };
        concepts.push(Concept {
            note: get(2),
            terms: vec![term(&source, src), term(&target, tgt)],
            ..Concept::default()
        });
    }
    Ok(Table {
        layout: Layout::Pairs { header },
        concepts,
        warnings,
    })
}

/// Undoes [`escape`]: `\t`, `\n`, `\r`, `\\`; any other backslash is kept.
fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.clone().next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            _ => {
                out.push('\\');
                continue;
            }
        }
        chars.next();
    }
    out
}

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\\' => out.push_str("\\\\"),
            _ => out.push(c),
        }
    }
}

/// Writes concepts in yakugo's TSV format: the seven columns of
/// `glossaries/mic-ict.tsv`, plus `source case subject definition
/// concept_note` when any concept uses them. Line ends are LF; no BOM.
///
/// Round trip: [`read_table`] gives the same concepts back when texts have
/// no surrounding whitespace, optional fields are not empty strings, every
/// concept has at least one term, and no id is empty or of the form `#N`
/// (concepts without an id are written as `#N`, N their position).
pub fn write_tsv<W: Write>(mut out: W, concepts: &[Concept]) -> io::Result<W> {
    let extended = concepts.iter().any(|c| {
        c.subject_field.is_some()
            || c.definition.is_some()
            || c.note.is_some()
            || c.terms.iter().any(|t| t.source.is_some() || t.case_sensitive)
    });
    let columns = if extended { &COLUMNS[..] } else { &COLUMNS[..7] };
    let mut line = columns.join("\t");
    line.push('\n');
    out.write_all(line.as_bytes())?;
    for (n, c) in concepts.iter().enumerate() {
        let key = match &c.id {
            Some(id) if !id.is_empty() && !is_anonymous_key(id) => id.clone(),
            _ => format!("#{}", n + 1),
        };
        for (i, t) in c.terms.iter().enumerate() {
            line.clear();
            let first = i == 0;
            let cells: [&str; 12] = [
                &key,
                t.lang.as_str(),
                &t.text,
                t.status.word(),
                t.part_of_speech.as_deref().unwrap_or(""),
                t.term_type.as_deref().unwrap_or(""),
                t.note.as_deref().unwrap_or(""),
                t.source.as_deref().unwrap_or(""),
                if t.case_sensitive { "yes" } else { "" },
                c.subject_field.as_deref().filter(|_| first).unwrap_or(""),
                c.definition.as_deref().filter(|_| first).unwrap_or(""),
                c.note.as_deref().filter(|_| first).unwrap_or(""),
            ];
            for (j, cell) in cells[..columns.len()].iter().enumerate() {
                if j > 0 {
                    line.push('\t');
                }
                escape(cell, &mut line);
            }
            line.push('\n');
            out.write_all(line.as_bytes())?;
        }
    }
    out.flush()?;
    Ok(out)
}

fn is_anonymous_key(id: &str) -> bool {
    id.len() > 1 && id.starts_with('#') && id[1..].bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_round_trip() {
        for s in ["plain", "a\tb\nc\rd\\e", "\\n literal", "trailing\\", "日本\\t語"] {
            let mut e = String::new();
            escape(s, &mut e);
            assert!(!e.contains(['\t', '\n', '\r']));
            assert_eq!(unescape(&e), s);
        }
        assert_eq!(unescape("C:\\dir"), "C:\\dir");
    }

    #[test]
    fn header_cells() {
        assert_eq!(header_cell("English"), Some(Some(Lang::parse("en").unwrap())));
        assert_eq!(header_cell("日本語"), Some(Some(Lang::parse("ja").unwrap())));
        assert_eq!(header_cell("EN-us"), Some(Some(Lang::parse("en-US").unwrap())));
        assert_eq!(header_cell("Source"), Some(None));
        assert_eq!(header_cell("source 1"), None);
        assert_eq!(header_cell("koo moo"), None);
        assert_eq!(header_cell("question"), None);
        assert!(is_anonymous_key("#12"));
        assert!(!is_anonymous_key("#"));
        assert!(!is_anonymous_key("#a1"));
    }

    #[test]
    fn writer_columns() {
        let term = Term {
            lang: Lang::parse("en").unwrap(),
            text: "IT".into(),
            status: TermStatus::Preferred,
            part_of_speech: None,
            term_type: Some("acronym".into()),
            note: Some("two\nlines".into()),
            source: None,
            case_sensitive: false,
        };
        let c = Concept {
            id: Some("c1".into()),
            terms: vec![term.clone()],
            ..Concept::default()
        };
        let out = String::from_utf8(write_tsv(Vec::new(), std::slice::from_ref(&c)).unwrap()).unwrap();
        assert_eq!(
            out,
            "concept\tlang\tterm\tstatus\tpos\ttype\tnote\nc1\ten\tIT\tpreferred\t\tacronym\ttwo\\nlines\n"
        );
        let c = Concept {
            id: None,
            terms: vec![Term {
                case_sensitive: true,
                ..term
            }],
            ..Concept::default()
        };
        let out = String::from_utf8(write_tsv(Vec::new(), &[c]).unwrap()).unwrap();
        assert!(
            out.starts_with("concept\tlang\tterm\tstatus\tpos\ttype\tnote\tsource\tcase\tsubject\tdefinition\tconcept_note\n#1\ten\tIT\t")
        );
    }
}
