//! `yakugo export FILE`: write the store (or part of it) as TMX 1.4b or TSV.
//!
//! Usage: `yakugo export [--src L] [--tgt L] [--origin NAME]... [--format tmx|tsv] FILE`
//!
//! TMX output is valid against the TMX 1.4b DTD, keeps every unit's markup,
//! attributes, props and notes, and is a fixed point: exporting, importing
//! the result into a fresh store and exporting again gives the same file
//! except the header's `creationdate`. `--src`/`--tgt` keep the units that
//! have both languages (region variants included: `en` selects `en-GB`),
//! and only those variants. `FILE` may be `-` for stdout. The export is a
//! stream: memory does not grow with the store.

use crate::cli::{print_json, write_file_atomically, Global, Outcome};
use serde::Serialize;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use yakugo::lang::{Lang, SrcLang};
use yakugo::model::Unit;
use yakugo::store::{ExportFilter, OriginInfo, StoreError};
use yakugo::tmx::writer::ExportHeader;
use yakugo::tmx::{TmxWriter, SEGTYPES};

#[derive(clap::Args)]
#[command(after_help = "Examples:
  yakugo export all.tmx
  yakugo export --src ja --tgt en ja-en.tmx
  yakugo export --origin mic-news-vol28-no5.ja-en.tmx newsletter.tmx
  yakugo export --format tsv --src en --tgt ja - | head")]
pub struct Args {
    /// Output file, or `-` for stdout.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Keep units with this source language (and write it as the header's srclang).
    #[arg(long, value_name = "LANG")]
    src: Option<Lang>,
    /// Keep units with this target language.
    #[arg(long, value_name = "LANG")]
    tgt: Option<Lang>,
    /// Keep units imported from this file (its path as imported, or its file name). Repeatable.
    #[arg(long, value_name = "NAME")]
    origin: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "tmx")]
    format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Tmx,
    Tsv,
}

#[derive(Serialize)]
struct Report {
    file: String,
    format: &'static str,
    units: u64,
}

pub fn run(global: &Global, args: Args) -> anyhow::Result<Outcome> {
    let store = global.open_store()?;
    let all_origins = store.origins()?;
    let selected = select_origins(&all_origins, &args.origin)?;
    let filter = ExportFilter {
        origins: (!args.origin.is_empty()).then(|| selected.iter().map(|o| o.id).collect()),
    };
    let to_stdout = args.file.as_os_str() == "-";
    let units = if to_stdout {
        write_export(&store, &filter, &args, &selected, Box::new(BufWriter::new(io::stdout().lock())))?
    } else {
        write_file_atomically(&args.file, |out| write_export(&store, &filter, &args, &selected, out))?
    };
    if global.json && !to_stdout {
        print_json(&Report {
            file: args.file.display().to_string(),
            format: if args.format == Format::Tmx { "tmx" } else { "tsv" },
            units,
        })?;
    } else if !to_stdout {
        println!("exported {units} unit(s) to {}", args.file.display());
    }
    Ok(Outcome::Ok)
}

fn write_export(
    store: &yakugo::store::Store,
    filter: &ExportFilter,
    args: &Args,
    origins: &[&OriginInfo],
    out: Box<dyn Write>,
) -> anyhow::Result<u64> {
    match args.format {
        Format::Tmx => export_tmx(store, filter, args, origins, out),
        Format::Tsv => export_tsv(store, filter, args, out),
    }
}

fn select_origins<'a>(all: &'a [OriginInfo], wanted: &[String]) -> anyhow::Result<Vec<&'a OriginInfo>> {
    if wanted.is_empty() {
        return Ok(all.iter().collect());
    }
    let mut selected = Vec::new();
    for name in wanted {
        let matching: Vec<&OriginInfo> = all
            .iter()
            .filter(|o| o.name == *name || std::path::Path::new(&o.name).file_name().is_some_and(|f| f == name.as_str()))
            .collect();
        if matching.is_empty() {
            let known: Vec<&str> = all.iter().map(|o| o.name.as_str()).collect();
            anyhow::bail!(
                "no origin named `{name}` in the store; known origins: {}",
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            );
        }
        selected.extend(matching);
    }
    Ok(selected)
}

/// The units and variants an export keeps: with `--src`/`--tgt`, units
/// having both languages, reduced to the variants in them.
fn project(unit: &mut Unit, src: Option<&Lang>, tgt: Option<&Lang>) -> bool {
    let wanted: Vec<&Lang> = src.into_iter().chain(tgt).collect();
    if wanted.is_empty() {
        return true;
    }
    if !wanted.iter().all(|l| unit.variants_in(l).next().is_some()) {
        return false;
    }
    unit.variants.retain(|v| wanted.iter().any(|l| l.matches(&v.lang)));
    true
}

/// The header: yakugo's own, carrying the settings, props and notes of the
/// single origin being exported, so a re-import gives them back.
fn export_header(args: &Args, origins: &[&OriginInfo]) -> ExportHeader {
    let mut header = ExportHeader::default();
    if let [one] = origins {
        let h = &one.header;
        if let Some(segtype) = h
            .attribute("segtype")
            .map(str::to_ascii_lowercase)
            .filter(|s| SEGTYPES.contains(&s.as_str()))
        {
            header.segtype = segtype;
        }
        if let Some(adminlang) = h.attribute("adminlang").and_then(|l| Lang::parse(l).ok()) {
            header.adminlang = adminlang.to_string();
        }
        if let Some(datatype) = h.attribute("datatype") {
            header.datatype = datatype.to_string();
        }
        if let Some(srclang) = h.srclang.as_deref().and_then(|s| SrcLang::parse(s).ok()) {
            header.srclang = srclang.to_string();
        }
        header.meta = h.meta.clone();
        header.udes = h.udes.clone();
    }
    if let Some(src) = &args.src {
        header.srclang = src.to_string();
    }
    header
}

#[derive(Debug, thiserror::Error)]
enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the export: {0}")]
    Io(#[from] io::Error),
}

fn export_tmx(
    store: &yakugo::store::Store,
    filter: &ExportFilter,
    args: &Args,
    origins: &[&OriginInfo],
    out: Box<dyn Write>,
) -> anyhow::Result<u64> {
    let mut writer = TmxWriter::new(out, &export_header(args, origins))?;
    let mut count = 0u64;
    store.for_each_unit(filter, |mut stored| -> Result<(), ExportError> {
        if project(&mut stored.unit, args.src.as_ref(), args.tgt.as_ref()) {
            writer.write_unit(&stored.unit)?;
            count += 1;
        }
        Ok(())
    })?;
    writer.finish()?;
    Ok(count)
}

fn export_tsv(store: &yakugo::store::Store, filter: &ExportFilter, args: &Args, mut out: Box<dyn Write>) -> anyhow::Result<u64> {
    let (Some(src), Some(tgt)) = (args.src.as_ref(), args.tgt.as_ref()) else {
        // Checked before anything is written; an existing FILE is left
        // alone because the export goes through a temporary file.
        anyhow::bail!("TSV export needs --src LANG and --tgt LANG (a TSV row holds one pair)");
    };
    // TSV cannot carry tabs or line breaks inside a cell.
    let cell = |s: &str| s.replace(['\t', '\n', '\r'], " ");
    let mut count = 0u64;
    store.for_each_unit(filter, |stored| -> Result<(), ExportError> {
        let unit = &stored.unit;
        if let (Some(s), Some(t)) = (unit.variants_in(src).next(), unit.variants_in(tgt).next()) {
            writeln!(out, "{}\t{}", cell(&s.plain), cell(&t.plain))?;
            count += 1;
        }
        Ok(())
    })?;
    out.flush()?;
    Ok(count)
}
