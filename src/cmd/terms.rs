//! `yakugo terms import|export|find`: glossaries in and out, and the
//! glossary terms a text contains.
//!
//! Usage:
//!   `yakugo terms import [--format tbx|tsv|csv] [--src L --tgt L] FILE...`
//!   `yakugo terms export [--format tbx|tsv] FILE`
//!   `yakugo terms find [--lang L] [TEXT | --file F]` (else stdin, one text a line)
//!
//! Import reads TBX v3 (ISO 30042:2019, DCA and DCT), TBX v2 (`martif`),
//! yakugo's own TSV (one term per row) and two- or three-column glossaries
//! (`source<TAB>target[<TAB>comment]`, OmegaT's format; CSV with quoting)
//! and JMdict's tabulation (`idseq kanji kana pos_first_sense glosses`).
//! Each file is one transaction: a file that is not well-formed is refused
//! with file:line:column and changes nothing. Concepts already in the store
//! (same content) are not added twice. Export writes TBX v3 TBX-Basic (DCA)
//! or yakugo's TSV; both read back to the same concepts.
//!
//! Find lists each term of the store's glossary found in the text (see
//! [`yakugo::terms::find`] for the matching rules), with its byte span, its
//! status and the concept's approved renderings in the other languages.
//!
//! Exit code 0 when every file imported (find: always, unless its input is
//! refused), 1 when any was refused, 2 on usage or internal errors.

use crate::cli::{print_json, progress, write_file_atomically, Global, Outcome};
use anyhow::Context;
use serde::Serialize;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use yakugo::lang::Lang;
use yakugo::model::Header;
use yakugo::store::{ConceptOutcome, NewOrigin, Store, StoreError};
use yakugo::tbx::{TbxReader, TbxWriter};
use yakugo::terms::find::{TermHit, TermIndex};
use yakugo::terms::table::{self, Delimiter, TableError, TableOptions};
use yakugo::terms::Concept;
use yakugo::tmx::Warning;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  yakugo terms import glossaries/mic-ict.tbx
  yakugo terms import --src en --tgt ja omegat/glossary.txt
  yakugo terms export glossary.tbx
  yakugo terms export --format tsv - | head
  yakugo terms find --lang ja '総務省の会議'")]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Add glossaries (TBX v2/v3, TSV, CSV) to the store.
    #[command(after_help = "Examples:
  yakugo terms import glossaries/mic-ict.tbx glossaries/mic-ict.tsv
  yakugo terms import --src en --tgt ja --format tsv glossary.txt --json")]
    Import(ImportArgs),
    /// Write the store's glossary as TBX v3 (TBX-Basic) or TSV.
    #[command(after_help = "Examples:
  yakugo terms export all-terms.tbx
  yakugo terms export --format tsv terms.tsv")]
    Export(ExportArgs),
    /// List the glossary terms a text contains, with their approved renderings.
    #[command(after_help = "Examples:
  yakugo terms find --lang ja '第11回日・ASEAN情報セキュリティ政策会議の結果'
  yakugo terms find --lang en --file tm/new-text.en.txt
  cat sentences.txt | yakugo terms find --json | jq '.hits[] | select(.forbidden)'")]
    Find(FindArgs),
}

#[derive(clap::Args)]
struct FindArgs {
    /// The text to scan. Without it, --file or stdin is read, one text per line.
    #[arg(value_name = "TEXT", conflicts_with = "file")]
    text: Option<String>,
    /// Read the texts from this file, one per line.
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,
    /// The texts' language: only its terms are looked for (by default, every language's).
    #[arg(long, value_name = "LANG")]
    lang: Option<Lang>,
}

#[derive(clap::Args)]
struct ImportArgs {
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Input format; by default from the extension (.tbx/.xml → TBX, .csv → CSV, else TSV).
    #[arg(long, value_enum)]
    format: Option<InFormat>,
    /// Language of the first column of a term-pair glossary.
    #[arg(long, value_name = "LANG")]
    src: Option<Lang>,
    /// Language of the second column of a term-pair glossary.
    #[arg(long, value_name = "LANG")]
    tgt: Option<Lang>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum InFormat {
    Tbx,
    Tsv,
    Csv,
}

#[derive(clap::Args)]
struct ExportArgs {
    /// Output file, or `-` for stdout.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[arg(long, value_enum, default_value = "tbx")]
    format: OutFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum OutFormat {
    Tbx,
    Tsv,
}

#[derive(Default, Serialize)]
struct FileReport {
    file: String,
    format: &'static str,
    /// `imported` or `rejected`.
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    read: u64,
    added: u64,
    duplicates: u64,
    warnings: Vec<Warning>,
}

pub fn run(global: &Global, args: Args) -> anyhow::Result<Outcome> {
    match args.command {
        Command::Import(a) => import(global, a),
        Command::Export(a) => export(global, a),
        Command::Find(a) => find(global, a),
    }
}

fn import(global: &Global, args: ImportArgs) -> anyhow::Result<Outcome> {
    let mut store = global.open_store()?;
    let mut reports = Vec::new();
    for path in &args.files {
        let report = import_file(&mut store, path, &args)?;
        if !global.json {
            print_report(&report);
        }
        reports.push(report);
    }
    let rejected = reports.iter().any(|r| r.status == "rejected");
    if global.json {
        print_json(&serde_json::json!({ "files": reports }))?;
    }
    Ok(if rejected { Outcome::Findings } else { Outcome::Ok })
}

fn format_of(path: &Path, args: &ImportArgs) -> InFormat {
    args.format.unwrap_or_else(
        || match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("tbx" | "xml") => InFormat::Tbx,
            Some("csv") => InFormat::Csv,
            _ => InFormat::Tsv,
        },
    )
}

/// Reads every concept of a file: TBX as a stream, tables whole (a
/// glossary spreadsheet fits in memory; the largest, JMdict, is 190k rows).
fn read_concepts(
    path: &Path,
    format: InFormat,
    args: &ImportArgs,
    mut sink: impl FnMut(Concept) -> Result<(), StoreError>,
) -> anyhow::Result<Result<Vec<Warning>, String>> {
    match format {
        InFormat::Tbx => {
            let mut reader = match TbxReader::open(path) {
                Ok(r) => r,
                Err(e) => return Ok(Err(e.to_string())),
            };
            loop {
                match reader.next_concept() {
                    Ok(Some(c)) => sink(c)?,
                    Ok(None) => return Ok(Ok(reader.take_warnings())),
                    Err(e) => return Ok(Err(e.to_string())),
                }
            }
        }
        InFormat::Tsv | InFormat::Csv => {
            let options = TableOptions {
                delimiter: Some(if format == InFormat::Csv {
                    Delimiter::Comma
                } else {
                    Delimiter::Tab
                }),
                source: args.src.clone(),
                target: args.tgt.clone(),
            };
            match table::read_table(path, &options) {
                Ok(t) => {
                    for c in t.concepts {
                        sink(c)?;
                    }
                    Ok(Ok(t.warnings))
                }
                Err(TableError::NeedLanguages { .. }) => {
                    anyhow::bail!(
                        "{}: a glossary of term pairs needs --src LANG and --tgt LANG (its first row does not name them)",
                        path.display()
                    )
                }
                Err(e) => Ok(Err(e.to_string())),
            }
        }
    }
}

fn import_file(store: &mut Store, path: &Path, args: &ImportArgs) -> anyhow::Result<FileReport> {
    let format = format_of(path, args);
    let mut report = FileReport {
        file: path.display().to_string(),
        format: match format {
            InFormat::Tbx => "tbx",
            InFormat::Tsv => "tsv",
            InFormat::Csv => "csv",
        },
        status: "imported",
        ..FileReport::default()
    };
    let origin = NewOrigin {
        name: path.display().to_string(),
        format: report.format,
        header: Header::default(),
    };
    let bar = progress(
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
        format!("importing {}", path.display()),
    );
    let mut import = store.begin_terms_import(&origin).context("starting the glossary import")?;
    let (mut read, mut added, mut duplicates) = (0u64, 0u64, 0u64);
    let outcome = read_concepts(path, format, args, |concept| {
        read += 1;
        match import.add(&concept)? {
            ConceptOutcome::Added => added += 1,
            ConceptOutcome::Duplicate => duplicates += 1,
        }
        Ok(())
    })?;
    bar.finish_and_clear();
    report.read = read;
    match outcome {
        Ok(warnings) => {
            import
                .commit()
                .with_context(|| format!("importing {} (nothing from this file was kept)", path.display()))?;
            report.added = added;
            report.duplicates = duplicates;
            report.warnings = warnings;
        }
        // Dropping the import rolls it back: the store is unchanged.
        Err(error) => {
            drop(import);
            report.status = "rejected";
            report.error = Some(error);
        }
    }
    Ok(report)
}

fn print_report(r: &FileReport) {
    if let Some(error) = &r.error {
        eprintln!("rejected {error}");
        eprintln!("  the store is unchanged for this file");
        return;
    }
    println!(
        "imported {}: {} concept(s) read, {} added, {} already in the store",
        r.file, r.read, r.added, r.duplicates
    );
    const SHOWN: usize = 10;
    if !r.warnings.is_empty() {
        println!("  {} warning(s):", r.warnings.len());
        for w in r.warnings.iter().take(SHOWN) {
            println!("    {w}");
        }
        if r.warnings.len() > SHOWN {
            println!("    … and {} more (--json lists them)", r.warnings.len() - SHOWN);
        }
    }
}

fn export(global: &Global, args: ExportArgs) -> anyhow::Result<Outcome> {
    let store = global.open_store()?;
    let concepts = store.concepts()?;
    let to_stdout = args.file.as_os_str() == "-";
    let write = |out: Box<dyn Write>| -> anyhow::Result<()> {
        match args.format {
            OutFormat::Tbx => {
                let mut w = TbxWriter::new(out, "en")?;
                for c in &concepts {
                    w.write_concept(c)?;
                }
                w.finish()?.flush()?;
            }
            OutFormat::Tsv => table::write_tsv(out, &concepts)?.flush()?,
        }
        Ok(())
    };
    if to_stdout {
        write(Box::new(BufWriter::new(std::io::stdout().lock())))?;
        return Ok(Outcome::Ok);
    }
    write_file_atomically(&args.file, write)?;
    if global.json {
        print_json(&serde_json::json!({ "file": args.file.display().to_string(), "concepts": concepts.len() }))?;
    } else {
        println!("exported {} concept(s) to {}", concepts.len(), args.file.display());
    }
    Ok(Outcome::Ok)
}

fn find(global: &Global, args: FindArgs) -> anyhow::Result<Outcome> {
    // Read the input first: refused input must not cost a glossary load.
    let (texts, numbered): (Vec<String>, bool) = match (&args.text, &args.file) {
        (Some(text), _) => (vec![text.clone()], false),
        (None, Some(path)) => match std::fs::read(path) {
            Err(e) => {
                eprintln!("rejected {}: {e}", path.display());
                return Ok(Outcome::Findings);
            }
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(s) => (lines(&s), true),
                Err(e) => {
                    eprintln!("rejected {}: not UTF-8 (byte {})", path.display(), e.utf8_error().valid_up_to());
                    return Ok(Outcome::Findings);
                }
            },
        },
        (None, None) => {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes).context("reading stdin")?;
            match String::from_utf8(bytes) {
                Ok(s) => (lines(&s), true),
                Err(e) => {
                    eprintln!("rejected stdin: not UTF-8 (byte {})", e.utf8_error().valid_up_to());
                    return Ok(Outcome::Findings);
                }
            }
        }
    };
    let store = global.open_store()?;
    let concepts = store.concepts()?;
    if concepts.is_empty() && !global.json {
        eprintln!("the store has no glossary; add one with `yakugo terms import FILE`");
    }
    let index = TermIndex::new(&concepts);
    let mut out = BufWriter::new(std::io::stdout().lock());
    for (n, text) in texts.iter().enumerate() {
        let hits = index.find(text, args.lang.as_ref());
        if global.json {
            serde_json::to_writer(&mut out, &serde_json::json!({ "text": text, "hits": hits }))?;
            writeln!(out)?;
            continue;
        }
        if numbered {
            if hits.is_empty() {
                continue;
            }
            writeln!(out, "line {}: {}", n + 1, text)?;
        }
        if hits.is_empty() {
            writeln!(out, "no glossary terms found")?;
        }
        for hit in &hits {
            writeln!(out, "  {}", describe(hit))?;
        }
    }
    out.flush()?;
    Ok(Outcome::Ok)
}

/// The texts of a file or stdin: one per line, line ends removed.
fn lines(s: &str) -> Vec<String> {
    s.strip_prefix('\u{FEFF}')
        .unwrap_or(s)
        .lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string())
        .collect()
}

/// `12..21 総務省 [ja preferred] → Ministry of …; MIC`
fn describe(hit: &TermHit) -> String {
    let mut line = format!("{}..{} {}", hit.start, hit.end, hit.matched);
    if hit.term != hit.matched {
        line.push_str(&format!(" (term: {})", hit.term));
    }
    line.push_str(&format!(" [{} {}", hit.lang, hit.status.word()));
    if hit.forbidden {
        line.push_str(", forbidden");
    }
    line.push(']');
    if !hit.approved.is_empty() {
        line.push_str(&format!(" → {}", hit.approved.join("; ")));
    }
    if let Some(id) = &hit.concept_id {
        line.push_str(&format!(" ({id})"));
    }
    line
}
