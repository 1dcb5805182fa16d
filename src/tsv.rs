//! Bilingual TSV and CSV: one pair of segments per row, the simplest way
//! spreadsheets and aligners exchange translations.
//!
//! TSV is read without quoting (tools that write it, such as OmegaT and
//! translate-toolkit, do not quote), CSV with RFC 4180 quoting. A first row
//! whose cells name the languages or say `source`/`target` is taken as a
//! header. Encodings are sniffed like XML files: UTF-8 with or without BOM,
//! UTF-16 with BOM.

use crate::lang::{Lang, SrcLang};
use crate::model::{Unit, Variant};
use crate::tmx::Warning;
use crate::xml::{self, InputError};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Tsv,
    Csv,
}

/// A pull reader over the pairs of one file.
pub struct PairReader {
    path: PathBuf,
    records: csv::StringRecordsIntoIter<xml::Utf8Reader>,
    src: Lang,
    tgt: Lang,
    first: bool,
    warnings: Vec<Warning>,
    row: u64,
    keep_untranslated: bool,
}

impl PairReader {
    pub fn open(path: &Path, dialect: Dialect, src: Lang, tgt: Lang) -> Result<PairReader, InputError> {
        let stream = xml::open(path)?;
        let mut builder = csv::ReaderBuilder::new();
        builder.has_headers(false).flexible(true);
        match dialect {
            Dialect::Tsv => builder.delimiter(b'\t').quoting(false),
            Dialect::Csv => builder.delimiter(b','),
        };
        Ok(PairReader {
            path: path.to_path_buf(),
            records: builder.from_reader(stream).into_records(),
            src,
            tgt,
            first: true,
            warnings: Vec::new(),
            row: 0,
            keep_untranslated: false,
        })
    }

    /// Rows with a source and an empty target become units with the source
    /// variant only (for checking), instead of being skipped.
    pub fn keep_untranslated(mut self) -> PairReader {
        self.keep_untranslated = true;
        self
    }

    pub fn take_warnings(&mut self) -> Vec<Warning> {
        std::mem::take(&mut self.warnings)
    }

    /// The next pair as a two-variant unit; `Ok(None)` at the end. Rows that
    /// cannot be a pair are skipped with a warning.
    pub fn next_unit(&mut self) -> Result<Option<Unit>, InputError> {
        loop {
            let Some(record) = self.records.next() else { return Ok(None) };
            let record = record.map_err(|e| {
                let (line, column) = e.position().map_or((self.row + 1, 1), |p| (p.line(), 1));
                let message = match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => {
                        "the text is not valid UTF-8; convert the file to UTF-8 (or UTF-16 with a BOM)".to_string()
                    }
                    _ => format!("cannot read the row: {e}"),
                };
                InputError::Syntax {
                    path: self.path.clone(),
                    line,
                    column,
                    message,
                }
            })?;
            self.row += 1;
            let line = record.position().map_or(self.row, |p| p.line());
            let first = std::mem::take(&mut self.first);
            if first && self.is_header(&record) {
                continue;
            }
            if record.len() == 1 && record[0].trim().is_empty() {
                continue;
            }
            let (Some(src), Some(tgt)) = (record.get(0), record.get(1)) else {
                self.warn(
                    line,
                    "missing-column",
                    format!("row has {} column(s); expected source and target", record.len()),
                );
                continue;
            };
            let untranslated = self.keep_untranslated && tgt.trim().is_empty();
            if src.trim().is_empty() || (tgt.trim().is_empty() && !untranslated) {
                self.warn(line, "empty-cell", "the source or target cell is empty; row skipped".into());
                continue;
            }
            // Word and Trados write soft line breaks as U+000B, which XML
            // cannot carry: they become line feeds. Other control characters
            // make the row unusable.
            let (src, tgt) = (src.replace('\u{B}', "\n"), tgt.replace('\u{B}', "\n"));
            if let Some((_, c)) = xml::forbidden_char(&src).or_else(|| xml::forbidden_char(&tgt)) {
                self.warn(
                    line,
                    "forbidden-character",
                    format!("the row contains U+{:04X}, which XML cannot carry; row skipped", c as u32),
                );
                continue;
            }
            if record.iter().take(2).any(|cell| cell.contains('\u{B}')) {
                self.warn(line, "soft-line-break", "U+000B (soft line break) read as a line feed".into());
            }
            let variant = |lang: &Lang, text: &str| {
                let mut markup = String::with_capacity(text.len());
                xml::escape_text(text, &mut markup);
                Variant {
                    lang: lang.clone(),
                    markup,
                    plain: text.to_string(),
                    admin: Default::default(),
                    meta: Default::default(),
                }
            };
            let mut variants = vec![variant(&self.src, &src)];
            if !untranslated {
                variants.push(variant(&self.tgt, &tgt));
            }
            return Ok(Some(Unit {
                srclang: Some(SrcLang::One(self.src.clone())),
                variants,
                ..Unit::default()
            }));
        }
    }

    fn is_header(&self, record: &csv::StringRecord) -> bool {
        let names = [
            "source",
            "target",
            "src",
            "tgt",
            "source text",
            "target text",
            "term",
            "translation",
        ];
        record.len() >= 2
            && record.iter().take(2).enumerate().all(|(i, cell)| {
                let cell = cell.trim().trim_start_matches('\u{feff}');
                let lang = if i == 0 { &self.src } else { &self.tgt };
                names.iter().any(|n| cell.eq_ignore_ascii_case(n)) || Lang::parse(cell).is_ok_and(|l| l.primary() == lang.primary())
            })
    }

    fn warn(&mut self, line: u64, rule: &'static str, message: String) {
        self.warnings.push(Warning {
            unit: Some(self.row),
            tuid: None,
            line,
            rule,
            message,
        });
    }
}
