//! `yakugo import FILE...`: add translation memories to the store.
//!
//! Usage: `yakugo import [--format tmx|tsv|csv] [--src L --tgt L] [--no-lang-check] FILE...`
//!
//! Each file is one transaction: a file that is not well-formed XML, not
//! TMX, or unreadable changes nothing and is reported with file:line:column;
//! the other files still import. Units already in the store (same languages,
//! same texts) are merged, not doubled. Rule-breaking but readable TMX
//! imports with warnings that name the unit and the rule. Variants whose
//! text is clearly not in the declared language are counted and listed
//! (`--json`), never dropped.
//!
//! Exit code 0 when every file imported, 1 when any was refused, 2 on
//! usage or internal errors.

use crate::cli::{clip, print_json, progress, Global, Outcome};
use anyhow::Context;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use yakugo::lang::Lang;
use yakugo::model::{Header, Unit};
use yakugo::store::{AddOutcome, NewOrigin, Store, StoreError, UnitRow};
use yakugo::text::langcheck::LangChecker;
use yakugo::tmx::{TmxReader, Warning};
use yakugo::tsv::{Dialect, PairReader};
use yakugo::xml::InputError;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  yakugo import tm/mic-news-vol28-no5.ja-en.tmx
  yakugo import memoq.tmx trados_utf16.tmx omegat/project_save.tmx
  yakugo import --format tsv --src ja --tgt en pairs.tsv
  yakugo import big.tmx --json | jq '.files[0].added'")]
pub struct Args {
    /// Files to import (TMX 1.1-1.4b in any encoding; TSV/CSV pairs with --src/--tgt).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Input format; by default taken from the extension (.tmx, .tsv/.tab/.txt, .csv).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Source language of TSV/CSV pairs (first column).
    #[arg(long, value_name = "LANG")]
    src: Option<Lang>,
    /// Target language of TSV/CSV pairs (second column).
    #[arg(long, value_name = "LANG")]
    tgt: Option<Lang>,
    /// Skip the check that each variant's text is in its declared language.
    #[arg(long)]
    no_lang_check: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Tmx,
    Tsv,
    Csv,
}

/// What happened to one file; printed as text or JSON.
#[derive(Debug, Default, Serialize)]
struct FileReport {
    file: String,
    format: &'static str,
    /// `imported` or `rejected`.
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    read: u64,
    added: u64,
    updated: u64,
    skipped: u64,
    skipped_reasons: BTreeMap<&'static str, u64>,
    /// All warnings, and the first [`LISTED_MAX`] of them in detail.
    warnings_total: u64,
    warnings: Vec<Warning>,
    language_mismatches_total: u64,
    language_mismatches: Vec<LanguageMismatch>,
}

/// Detailed warnings and mismatches kept per file, so that a huge broken
/// file cannot exhaust memory; the totals still count every one.
const LISTED_MAX: u64 = 10_000;

#[derive(Debug, Serialize)]
struct LanguageMismatch {
    unit: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    tuid: Option<String>,
    lang: String,
    detected: String,
    text: String,
}

#[derive(Debug, Default, Serialize)]
struct Totals {
    files: u64,
    rejected: u64,
    read: u64,
    added: u64,
    updated: u64,
    skipped: u64,
    warnings: u64,
    language_mismatches: u64,
}

#[derive(Serialize)]
struct Report {
    files: Vec<FileReport>,
    totals: Totals,
}

/// The unit source of one file, whatever its format.
enum Source {
    Tmx(Box<TmxReader>),
    Pairs(Box<PairReader>),
}

impl Source {
    /// Reads the next unit onto the end of `units`; false at the end.
    fn next_unit_into(&mut self, units: &mut Vec<Unit>) -> Result<bool, InputError> {
        match self {
            Source::Tmx(r) => r.next_unit_into(units),
            Source::Pairs(r) => match r.next_unit()? {
                Some(unit) => {
                    units.push(unit);
                    Ok(true)
                }
                None => Ok(false),
            },
        }
    }
    fn take_warnings(&mut self) -> Vec<Warning> {
        match self {
            Source::Tmx(r) => r.take_warnings(),
            Source::Pairs(r) => r.take_warnings(),
        }
    }
    fn header(&self) -> Header {
        match self {
            Source::Tmx(r) => r.header().clone(),
            Source::Pairs(_) => Header::default(),
        }
    }
}

pub fn run(global: &Global, args: Args) -> anyhow::Result<Outcome> {
    let mut store = global.open_store()?;
    let checker = (!args.no_lang_check).then(LangChecker::new);
    let mut files = Vec::new();
    for path in &args.files {
        let format = match args.format {
            Some(f) => f,
            None => format_from_extension(path)?,
        };
        let report = import_file(&mut store, path, format, &args, checker.as_ref())?;
        if !global.json {
            print_report(&report);
        }
        files.push(report);
    }
    let mut totals = Totals::default();
    for f in &files {
        totals.files += 1;
        totals.rejected += u64::from(f.status == "rejected");
        totals.read += f.read;
        totals.added += f.added;
        totals.updated += f.updated;
        totals.skipped += f.skipped;
        totals.warnings += f.warnings_total;
        totals.language_mismatches += f.language_mismatches_total;
    }
    let rejected = totals.rejected > 0;
    if global.json {
        print_json(&Report { files, totals })?;
    } else if files.len() > 1 {
        println!(
            "total: {} file(s), {} rejected; {} read, {} added, {} updated, {} skipped",
            totals.files, totals.rejected, totals.read, totals.added, totals.updated, totals.skipped
        );
    }
    Ok(if rejected { Outcome::Findings } else { Outcome::Ok })
}

fn format_from_extension(path: &Path) -> anyhow::Result<Format> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    Ok(match ext.as_str() {
        "tmx" | "xml" => Format::Tmx,
        "tsv" | "tab" | "txt" => Format::Tsv,
        "csv" => Format::Csv,
        _ => anyhow::bail!(
            "cannot tell the format of {} from its extension; add --format tmx|tsv|csv",
            path.display()
        ),
    })
}

fn open_source(path: &Path, format: Format, args: &Args) -> anyhow::Result<Result<Source, InputError>> {
    Ok(match format {
        Format::Tmx => TmxReader::open(path).map(|r| Source::Tmx(Box::new(r))),
        Format::Tsv | Format::Csv => {
            let (Some(src), Some(tgt)) = (args.src.clone(), args.tgt.clone()) else {
                anyhow::bail!("importing TSV/CSV pairs needs --src LANG and --tgt LANG (the languages of the first and second column)");
            };
            let dialect = if format == Format::Tsv { Dialect::Tsv } else { Dialect::Csv };
            PairReader::open(path, dialect, src, tgt).map(|r| Source::Pairs(Box::new(r)))
        }
    })
}

/// Units travel from the reading thread to the writing thread in batches:
/// parsing runs beside SQLite, on the second core. The language check runs
/// on the reading thread. The row values ([`UnitRow`]: content hash,
/// variants column, fuzzy index keys) are computed by whichever thread has
/// time: the reader computes a batch's when the writer is behind (at least
/// [`WRITER_BEHIND`] batches wait for it), and leaves them to the writer
/// when it is not. Neither thread is the slower one throughout, so fixed
/// shares would leave one core idle part of the time. The fuzzy index
/// sorts and encodes its stages on a third thread (see
/// `store::index::IndexBuffer`); with it, 1M Kyoto units keep both cores
/// about 90% busy (per-second CPU of each thread, `/proc`).
///
/// 128 units rather than 512: the units in flight, which the reader frees
/// and allocates again, then take a quarter of the memory and stay in the
/// processor's cache (1M Kyoto units, six alternating runs: 12.6-15.6 s,
/// mean 13.6 s and 23.0 s of user CPU, against 13.3-16.5 s, mean 14.4 s
/// and 24.5 s; 64 units was no faster than 128 in three more).
const BATCH: usize = 128;

/// Batches waiting for the writer from which the reader computes their row
/// values itself.
const WRITER_BEHIND: usize = 2;

/// What the reading thread sends.
enum Batch {
    Units {
        units: Vec<Unit>,
        /// `UnitRow::of` each unit, when the reading thread computed them.
        rows: Option<Vec<UnitRow>>,
        warnings: Vec<Warning>,
        mismatches: Vec<LanguageMismatch>,
    },
    Failed(InputError),
}

fn import_file(store: &mut Store, path: &Path, format: Format, args: &Args, checker: Option<&LangChecker>) -> anyhow::Result<FileReport> {
    let mut report = FileReport {
        file: path.display().to_string(),
        format: match format {
            Format::Tmx => "tmx",
            Format::Tsv => "tsv",
            Format::Csv => "csv",
        },
        status: "imported",
        ..FileReport::default()
    };
    let source = match open_source(path, format, args)? {
        Ok(s) => s,
        Err(e) => return Ok(rejected(report, e)),
    };
    let origin = NewOrigin {
        name: path.display().to_string(),
        format: report.format,
        header: source.header(),
    };
    let file_len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let bar = progress(file_len, format!("importing {}", path.display()));
    let mut import = store.begin_import(&origin).context("starting the import")?;
    // Batches sent and not yet received.
    let waiting = std::sync::atomic::AtomicUsize::new(0);
    let failure = std::thread::scope(|scope| -> anyhow::Result<Option<InputError>> {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Batch>(8);
        // Processed units, and the rows the reading thread computed, go back
        // to it to be freed there: a free on the thread that allocated is the
        // allocator's fast path (with glibc, 200k Kyoto units: 2.1-2.4 s
        // instead of 2.3-2.5 s; with mimalloc, four runs each: 3.01-3.48 s
        // instead of 3.35-3.49 s when the writer freed them).
        let (recycle, recycled) = std::sync::mpsc::channel::<(Vec<Unit>, Vec<UnitRow>)>();
        let (bar, queue) = (&bar, &waiting);
        std::thread::Builder::new()
            .name("reader".into())
            .spawn_scoped(scope, move || {
                read_batches(source, checker, (sender, queue), recycled, bar, file_len)
            })
            .context("starting the reading thread")?;
        let mut failure = None;
        for batch in receiver {
            waiting.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            let (units, rows, rows_made_here, warnings, mismatches) = match batch {
                Batch::Units {
                    units,
                    rows,
                    warnings,
                    mismatches,
                } => {
                    let made_here = rows.is_none();
                    let rows = rows.unwrap_or_else(|| units.iter().map(UnitRow::of).collect());
                    (units, rows, made_here, warnings, mismatches)
                }
                Batch::Failed(e) => {
                    failure = Some(e);
                    break;
                }
            };
            for w in warnings {
                report.warnings_total += 1;
                if (report.warnings.len() as u64) < LISTED_MAX {
                    report.warnings.push(w);
                }
            }
            for m in mismatches {
                report.language_mismatches_total += 1;
                if (report.language_mismatches.len() as u64) < LISTED_MAX {
                    report.language_mismatches.push(m);
                }
            }
            for (unit, row) in units.iter().zip(&rows) {
                report.read += 1;
                if unit.variants.is_empty() {
                    report.skipped += 1;
                    *report.skipped_reasons.entry("no-variants").or_insert(0) += 1;
                    continue;
                }
                match import.add_row(unit, row) {
                    Ok(AddOutcome::Added) => report.added += 1,
                    Ok(AddOutcome::Updated) => report.updated += 1,
                    Ok(AddOutcome::Unchanged) => {
                        report.skipped += 1;
                        *report.skipped_reasons.entry("duplicate").or_insert(0) += 1;
                    }
                    Err(e) => return Err(store_failure(e, path)),
                }
            }
            // Rows this thread computed are freed here, the rest there. If
            // the reader has finished, the units are simply dropped here.
            let rows = if rows_made_here {
                drop(rows);
                Vec::new()
            } else {
                rows
            };
            let _ = recycle.send((units, rows));
        }
        // Leaving the loop early drops the receiver, which stops the reader.
        Ok(failure)
    })?;
    bar.finish_and_clear();
    match failure {
        // Dropping the import rolls the transaction back: nothing changes.
        Some(e) => {
            drop(import);
            Ok(rejected(report, e))
        }
        None => {
            import.commit().map_err(|e| store_failure(e, path))?;
            Ok(report)
        }
    }
}

/// The reading thread: parses, checks languages, computes the row values
/// when the writer is behind, and sends batches, counting them in
/// `waiting` (which the writer counts down).
fn read_batches(
    mut source: Source,
    checker: Option<&LangChecker>,
    (sender, waiting): (std::sync::mpsc::SyncSender<Batch>, &std::sync::atomic::AtomicUsize),
    recycled: std::sync::mpsc::Receiver<(Vec<Unit>, Vec<UnitRow>)>,
    bar: &indicatif::ProgressBar,
    file_len: u64,
) {
    let mut read = 0u64;
    let send = |batch: Batch| {
        waiting.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        sender.send(batch).is_ok()
    };
    loop {
        // Free what the writer has finished with, on this thread, or read
        // the next units into it.
        while let Ok((units, rows)) = recycled.try_recv() {
            drop(rows);
            if let Source::Tmx(reader) = &mut source {
                reader.reuse(units);
            }
        }
        let mut units = Vec::with_capacity(BATCH);
        let mut failure = None;
        while units.len() < BATCH {
            match source.next_unit_into(&mut units) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        if let Source::Tmx(r) = &source {
            bar.set_position(r.bytes_read().min(file_len));
        }
        let mut mismatches = Vec::new();
        for unit in &units {
            read += 1;
            let Some(checker) = checker else { continue };
            for v in &unit.variants {
                if let Some(m) = checker.check(&v.lang, &v.plain) {
                    mismatches.push(LanguageMismatch {
                        unit: read,
                        tuid: unit.tuid.clone(),
                        lang: v.lang.to_string(),
                        detected: m.detected,
                        text: clip(&v.plain, 120),
                    });
                }
            }
        }
        let behind = waiting.load(std::sync::atomic::Ordering::Relaxed) >= WRITER_BEHIND;
        let rows = behind.then(|| units.iter().map(UnitRow::of).collect());
        let done = units.len() < BATCH;
        let warnings = source.take_warnings();
        if !send(Batch::Units {
            units,
            rows,
            warnings,
            mismatches,
        }) {
            return;
        }
        if let Some(e) = failure {
            send(Batch::Failed(e));
            return;
        }
        if done {
            return;
        }
    }
}

fn rejected(mut report: FileReport, error: InputError) -> FileReport {
    report.status = "rejected";
    report.error = Some(error.to_string());
    report.added = 0;
    report.updated = 0;
    report
}

fn store_failure(e: StoreError, path: &Path) -> anyhow::Error {
    anyhow::Error::new(e).context(format!("importing {} (nothing from this file was kept)", path.display()))
}

fn print_report(r: &FileReport) {
    if let Some(error) = &r.error {
        eprintln!("rejected {error}");
        eprintln!("  the store is unchanged for this file");
        return;
    }
    let reasons: Vec<String> = r.skipped_reasons.iter().map(|(k, n)| format!("{n} {k}")).collect();
    println!(
        "imported {}: {} read, {} added, {} updated, {} skipped{}",
        r.file,
        r.read,
        r.added,
        r.updated,
        r.skipped,
        if reasons.is_empty() {
            String::new()
        } else {
            format!(" ({})", reasons.join(", "))
        }
    );
    const SHOWN: usize = 10;
    if !r.warnings.is_empty() {
        let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
        for w in &r.warnings {
            *by_rule.entry(w.rule).or_insert(0) += 1;
        }
        let summary: Vec<String> = by_rule.iter().map(|(k, n)| format!("{n} {k}")).collect();
        println!("  {} warning(s): {}", r.warnings_total, summary.join(", "));
        for w in r.warnings.iter().take(SHOWN) {
            println!("    {w}");
        }
        if r.warnings_total > SHOWN as u64 {
            println!("    … and {} more (--json lists them)", r.warnings_total - SHOWN as u64);
        }
    }
    if !r.language_mismatches.is_empty() {
        println!(
            "  {} variant(s) not in their declared language (kept):",
            r.language_mismatches_total
        );
        for m in r.language_mismatches.iter().take(SHOWN) {
            println!("    unit {}: {} text looks like {}: {}", m.unit, m.lang, m.detected, m.text);
        }
        if r.language_mismatches_total > SHOWN as u64 {
            println!("    … and {} more (--json lists them)", r.language_mismatches_total - SHOWN as u64);
        }
    }
}
