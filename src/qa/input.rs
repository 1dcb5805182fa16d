//! The file to check, as [`Segment`]s: TMX, bilingual TSV/CSV, XLIFF.
//!
//! Each format's own reader does the parsing ([`TmxReader`],
//! [`PairReader`]); this module only picks the language pair and turns
//! units into segments. A segment's id is the unit's `tuid` or, without
//! one, its 1-based position in the file.
//!
//! Languages: `--src`/`--tgt` when given. Otherwise, for TMX, the source
//! is the header's `srclang` (unless `*all*`), else the first unit's
//! `srclang`, else the language of the first variant of the first unit;
//! the target is the language other than the source that most units have.
//! TSV has no language information: both must be given.

use super::Segment;
use crate::lang::{Lang, SrcLang};
use crate::model::Unit;
use crate::tmx::{TmxReader, Warning};
use crate::tsv::{Dialect, PairReader};
use crate::xml::InputError;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The formats `check` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Tmx,
    Tsv,
    Csv,
}

impl Format {
    /// From the extension: `.tmx`; `.tsv`, `.tab`, `.txt`; `.csv`.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "tmx" => Format::Tmx,
            "tsv" | "tab" | "txt" => Format::Tsv,
            "csv" => Format::Csv,
            _ => return None,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CheckInputError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("{}: cannot tell the format from the extension; give --format tmx|tsv|csv", path.display())]
    UnknownFormat { path: PathBuf },
    #[error("{}: {what} has no language information; give --src LANG and --tgt LANG", path.display())]
    NeedLanguages { path: PathBuf, what: &'static str },
    #[error("{}: no target language found (every unit has only the source language {src}); give --tgt LANG", path.display())]
    NoTarget { path: PathBuf, src: Lang },
}

/// A file read for checking.
#[derive(Debug)]
pub struct Document {
    pub src: Lang,
    pub tgt: Lang,
    pub segments: Vec<Segment>,
    /// Units without a source-language variant (not checked).
    pub skipped: u64,
    pub warnings: Vec<Warning>,
}

/// Reads `path` (format from the extension unless given).
pub fn read(path: &Path, format: Option<Format>, src: Option<Lang>, tgt: Option<Lang>) -> Result<Document, CheckInputError> {
    let format = format
        .or_else(|| Format::from_path(path))
        .ok_or_else(|| CheckInputError::UnknownFormat { path: path.to_path_buf() })?;
    match format {
        Format::Tmx => {
            let mut reader = TmxReader::open(path)?;
            let mut units = Vec::new();
            while let Some(unit) = reader.next_unit()? {
                units.push(unit);
            }
            let header_src = match reader.header().srclang.as_deref().map(SrcLang::parse) {
                Some(Ok(SrcLang::One(l))) => Some(l),
                _ => None,
            };
            let src = src
                .or(header_src)
                .or_else(|| first_language(&units))
                .ok_or_else(|| CheckInputError::NeedLanguages {
                    path: path.to_path_buf(),
                    what: "this TMX",
                })?;
            let tgt = match tgt.or_else(|| most_common_other(&units, &src)) {
                Some(t) => t,
                None => {
                    return Err(CheckInputError::NoTarget {
                        path: path.to_path_buf(),
                        src,
                    })
                }
            };
            Ok(document(units, src, tgt, reader.take_warnings()))
        }
        Format::Tsv | Format::Csv => {
            let (Some(src), Some(tgt)) = (src, tgt) else {
                return Err(CheckInputError::NeedLanguages {
                    path: path.to_path_buf(),
                    what: "a TSV/CSV file",
                });
            };
            let dialect = if format == Format::Csv { Dialect::Csv } else { Dialect::Tsv };
            let mut reader = PairReader::open(path, dialect, src.clone(), tgt.clone())?.keep_untranslated();
            let mut units = Vec::new();
            while let Some(unit) = reader.next_unit()? {
                units.push(unit);
            }
            Ok(document(units, src, tgt, reader.take_warnings()))
        }
    }
}

/// Segments from units: the first variant in each language of the pair.
pub fn document(units: Vec<Unit>, src: Lang, tgt: Lang, warnings: Vec<Warning>) -> Document {
    let mut segments = Vec::with_capacity(units.len());
    let mut skipped = 0;
    for (n, mut unit) in units.into_iter().enumerate() {
        let Some(s) = unit.variants.iter().position(|v| src.matches(&v.lang)) else {
            skipped += 1;
            continue;
        };
        let t = unit.variants.iter().position(|v| tgt.matches(&v.lang));
        let target = t.map(|t| unit.variants[t].clone());
        let source = unit.variants.swap_remove(s);
        segments.push(Segment {
            id: unit.tuid.take().unwrap_or_else(|| (n + 1).to_string()),
            source,
            target,
        });
    }
    Document {
        src,
        tgt,
        segments,
        skipped,
        warnings,
    }
}

fn first_language(units: &[Unit]) -> Option<Lang> {
    let unit = units.first()?;
    match &unit.srclang {
        Some(SrcLang::One(l)) => Some(l.clone()),
        _ => unit.variants.first().map(|v| v.lang.clone()),
    }
}

/// The language, other than `src`, that most units have (the earliest
/// seen on a tie).
fn most_common_other(units: &[Unit], src: &Lang) -> Option<Lang> {
    let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
    for unit in units {
        let mut seen: Vec<&str> = Vec::new();
        for v in unit.variants.iter().filter(|v| !src.matches(&v.lang)) {
            if !seen.contains(&v.lang.as_str()) {
                seen.push(v.lang.as_str());
                let order = counts.len();
                counts.entry(v.lang.as_str()).or_insert((0, order)).0 += 1;
            }
        }
    }
    let (best, _) = counts.into_iter().max_by(|a, b| a.1 .0.cmp(&b.1 .0).then(b.1 .1.cmp(&a.1 .1)))?;
    Lang::parse(best).ok()
}
