//! `yakugo align SRC_FILE TGT_FILE`: align a document with its translation.
//!
//! Usage: `yakugo align SRC_FILE TGT_FILE [--src L] [--tgt L] [--presegmented] [--srx RULES.srx]
//! [--out F.tmx|F.tsv] [--import [--min-score S]] [--review-below S] [--no-glossary] [--tm-matches]`
//!
//! Both files are plain text or Markdown (`.md`), cut into paragraphs and
//! sentences with the bundled SRX rules (or `--srx`); with
//! `--presegmented` every non-blank line is one segment, used as given.
//! Languages not given are detected (script, then lingua). The store
//! supplies what it has for the pair: its TM fits the length model (from
//! 200 pairs on), its glossary gives term anchors (`--no-glossary` turns
//! them off), and with `--tm-matches` its fuzzy matches of source segments
//! are anchors too.
//!
//! Output: a summary and the review list of beads whose confidence is
//! below `--review-below` on stdout, or with `--json`
//! `{"pairs": [{"src": [1, 2], "tgt": [3], "score": 0.93}, ...]}` covering
//! every segment of both sides once (1-based segment numbers, which are
//! line numbers with `--presegmented` when there are no blank lines).
//! `--out` writes the aligned pairs as TMX 1.4b (confidence in
//! `<prop type="x-align-confidence">`) or TSV (source, target, score);
//! `--import` adds the pairs scoring at least `--min-score` to the store,
//! as one origin (format `aligned`) named after both documents.
//! One-sided beads are never written or imported.

use crate::cli::{clip, print_json, write_file_atomically, Global, Outcome};
use anyhow::{bail, Context as _};
use serde::Serialize;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use yakugo::align::{Aligner, Bead, LengthModel};
use yakugo::fuzzy::memory::PairMemory;
use yakugo::lang::Lang;
use yakugo::model::{Header, Meta, Prop, TmxDate, Unit, Variant};
use yakugo::segment::{Format, Segmenter};
use yakugo::store::{AddOutcome, NewOrigin, Store};
use yakugo::terms::find::TermIndex;
use yakugo::text::langcheck::LangChecker;
use yakugo::tmx::writer::ExportHeader;
use yakugo::tmx::TmxWriter;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  yakugo align news.ja.txt news.en.txt
  yakugo align news.ja.md news.en.md --src ja --tgt en --out news.tmx
  yakugo align --presegmented a.ja.txt a.en.txt --src ja --tgt en --json
  yakugo align news.ja.txt news.en.txt --import --min-score 0.8
  yakugo align news.ja.txt news.en.txt --out pairs.tsv --review-below 0.7

The review list shows the beads to check by hand: merges the aligner was
unsure of, and lines one document has and the other lacks.")]
pub struct Args {
    /// The source document (plain text or Markdown).
    #[arg(value_name = "SRC_FILE")]
    src_file: PathBuf,
    /// Its translation.
    #[arg(value_name = "TGT_FILE")]
    tgt_file: PathBuf,
    /// Language of SRC_FILE (detected when absent).
    #[arg(long, value_name = "LANG")]
    src: Option<Lang>,
    /// Language of TGT_FILE (detected when absent).
    #[arg(long, value_name = "LANG")]
    tgt: Option<Lang>,
    /// One segment per line, used as given (blank lines skipped).
    #[arg(long)]
    presegmented: bool,
    /// Segmentation rules (SRX 2.0) instead of the bundled ones.
    #[arg(long, value_name = "FILE", conflicts_with = "presegmented")]
    srx: Option<PathBuf>,
    /// Write the aligned pairs: .tmx (TMX 1.4b) or .tsv.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Add the pairs scoring at least --min-score to the store.
    #[arg(long)]
    import: bool,
    /// Lowest confidence imported (0 to 1).
    #[arg(long, default_value_t = 0.5, value_parser = parse_score, value_name = "S")]
    min_score: f64,
    /// Beads below this confidence are listed for review (0 to 1).
    #[arg(long, default_value_t = 0.5, value_parser = parse_score, value_name = "S")]
    review_below: f64,
    /// Do not use the store's glossary terms as anchors.
    #[arg(long)]
    no_glossary: bool,
    /// Use the store's fuzzy matches of source segments as anchors (slower on large TMs).
    #[arg(long)]
    tm_matches: bool,
}

fn parse_score(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a score between 0 and 1")),
    }
}

/// One document: its language and segments.
struct Document {
    path: PathBuf,
    lang: Lang,
    segments: Vec<String>,
}

impl Document {
    /// The texts of a bead side, joined as the language writes sentences
    /// (no space between Japanese or Chinese ones).
    fn joined(&self, range: &std::ops::Range<usize>) -> String {
        let separator = if matches!(self.lang.primary(), "ja" | "zh") { "" } else { " " };
        self.segments[range.clone()].join(separator)
    }
}

#[derive(Serialize)]
struct Report {
    src_lang: String,
    tgt_lang: String,
    pairs: Vec<Pair>,
    #[serde(skip_serializing_if = "Option::is_none")]
    imported: Option<Imported>,
}

#[derive(Serialize)]
struct Pair {
    src: Vec<usize>,
    tgt: Vec<usize>,
    score: f64,
}

#[derive(Default, Serialize)]
struct Imported {
    origin: String,
    added: u64,
    updated: u64,
    unchanged: u64,
    below_min_score: u64,
}

pub fn run(global: &Global, args: Args) -> anyhow::Result<Outcome> {
    if let Some(out) = &args.out {
        OutKind::of(out)?;
    }
    let checker = LangChecker::new();
    let (src_text, tgt_text) = (read_text(&args.src_file)?, read_text(&args.tgt_file)?);
    let src_lang = language(args.src.clone(), &src_text, &args.src_file, "--src", &checker)?;
    let tgt_lang = language(args.tgt.clone(), &tgt_text, &args.tgt_file, "--tgt", &checker)?;
    let segmenter = match &args.srx {
        Some(path) => Segmenter::from_srx(path)?,
        None => Segmenter::default_rules(),
    };
    let cut = |path: &Path, text: &str, lang: Lang| Document {
        path: path.to_path_buf(),
        segments: segments(text, &lang, path, args.presegmented, &segmenter),
        lang,
    };
    let src = cut(&args.src_file, &src_text, src_lang);
    let tgt = cut(&args.tgt_file, &tgt_text, tgt_lang);

    let mut store = global.open_store()?;
    let length = LengthModel::learn(&store, &src.lang, &tgt.lang).context("reading the TM for the length model")?;
    let glossary = if args.no_glossary {
        None
    } else {
        let concepts = store.concepts().context("reading the glossary")?;
        (!concepts.is_empty()).then(|| TermIndex::new(&concepts))
    };
    let memory = if args.tm_matches {
        Some(PairMemory::open(&store, &src.lang, &tgt.lang)?)
    } else {
        None
    };
    let mut aligner = Aligner::new(&src.lang, &tgt.lang).with_length_model(length);
    if let Some(g) = &glossary {
        aligner = aligner.with_glossary(g);
    }
    if let Some(m) = &memory {
        aligner = aligner.with_memory(m);
    }
    let beads = aligner.align(&src.segments, &tgt.segments)?;
    // The memory borrows the store, which the import writes to.
    drop(aligner);
    drop(memory);

    if let Some(out) = &args.out {
        write_file_atomically(out, |w| write_out(w, OutKind::of(out)?, &src, &tgt, &beads))
            .with_context(|| format!("writing {}", out.display()))?;
    }
    let imported = if args.import {
        Some(import(&mut store, &src, &tgt, &beads, args.min_score)?)
    } else {
        None
    };
    if global.json {
        let numbers = |r: &std::ops::Range<usize>| r.clone().map(|i| i + 1).collect();
        print_json(&Report {
            src_lang: src.lang.to_string(),
            tgt_lang: tgt.lang.to_string(),
            pairs: beads
                .iter()
                .map(|b| Pair {
                    src: numbers(&b.src),
                    tgt: numbers(&b.tgt),
                    score: (b.confidence * 100.0).round() / 100.0,
                })
                .collect(),
            imported,
        })?;
    } else {
        let mut stdout = std::io::stdout().lock();
        print_summary(&mut stdout, &src, &tgt, &beads, &length, glossary.as_ref())?;
        print_review(&mut stdout, &src, &tgt, &beads, args.review_below)?;
        if let Some(out) = &args.out {
            writeln!(stdout, "wrote {}", out.display())?;
        }
        if let Some(i) = &imported {
            writeln!(
                stdout,
                "imported as {}: {} added, {} updated, {} unchanged, {} below --min-score {}",
                i.origin, i.added, i.updated, i.unchanged, i.below_min_score, args.min_score
            )?;
        }
    }
    Ok(Outcome::Ok)
}

/// The whole file as UTF-8 (any encoding the XML sniffer knows: UTF-8 or
/// UTF-16 with BOM).
fn read_text(path: &Path) -> anyhow::Result<String> {
    let mut text = String::new();
    yakugo::xml::open(path)?
        .read_to_string(&mut text)
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(text)
}

fn language(given: Option<Lang>, text: &str, path: &Path, option: &str, checker: &LangChecker) -> anyhow::Result<Lang> {
    if let Some(lang) = given {
        return Ok(lang);
    }
    match checker.detect(text) {
        Some(lang) => Ok(lang),
        None => bail!("cannot tell the language of {}; give it with {option} LANG", path.display()),
    }
}

fn segments(text: &str, lang: &Lang, path: &Path, presegmented: bool, segmenter: &Segmenter) -> Vec<String> {
    if presegmented {
        return text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect();
    }
    segmenter
        .segment_document(text, lang, Format::from_path(path))
        .into_iter()
        .flat_map(|p| p.segments)
        .map(|s| s.text)
        .collect()
}

#[derive(Clone, Copy)]
enum OutKind {
    Tmx,
    Tsv,
}

impl OutKind {
    fn of(path: &Path) -> anyhow::Result<OutKind> {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("tmx") => Ok(OutKind::Tmx),
            Some("tsv") => Ok(OutKind::Tsv),
            _ => bail!("--out {}: write .tmx or .tsv", path.display()),
        }
    }
}

/// The file name, for origins and props.
fn name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// Props naming the aligned documents.
fn document_props(src: &Document, tgt: &Document) -> Meta {
    let prop = |kind: &str, value: String| Prop {
        kind: kind.into(),
        lang: None,
        o_encoding: None,
        value,
    };
    Meta {
        props: vec![prop("x-align-source", name(&src.path)), prop("x-align-target", name(&tgt.path))],
        ..Meta::default()
    }
}

/// A two-sided bead as a translation unit, its confidence in a prop.
fn unit(src: &Document, tgt: &Document, bead: &Bead, date: &TmxDate) -> Unit {
    let variant = |doc: &Document, range: &std::ops::Range<usize>| {
        let plain = doc.joined(range);
        let mut markup = String::with_capacity(plain.len());
        yakugo::xml::escape_text(&plain, &mut markup);
        Variant {
            lang: doc.lang.clone(),
            markup,
            plain,
            admin: Default::default(),
            meta: Default::default(),
        }
    };
    let mut unit = Unit {
        variants: vec![variant(src, &bead.src), variant(tgt, &bead.tgt)],
        ..Unit::default()
    };
    unit.admin.creation_date = Some(date.clone());
    unit.meta.props.push(Prop {
        kind: "x-align-confidence".into(),
        lang: None,
        o_encoding: None,
        value: format!("{:.2}", bead.confidence),
    });
    unit
}

fn two_sided(beads: &[Bead]) -> impl Iterator<Item = &Bead> {
    beads.iter().filter(|b| !b.src.is_empty() && !b.tgt.is_empty())
}

fn write_out(mut out: Box<dyn Write>, kind: OutKind, src: &Document, tgt: &Document, beads: &[Bead]) -> anyhow::Result<()> {
    match kind {
        OutKind::Tmx => {
            let header = ExportHeader {
                srclang: src.lang.to_string(),
                meta: document_props(src, tgt),
                ..ExportHeader::default()
            };
            let date = header.creation_date.clone();
            let mut writer = TmxWriter::new(out, &header)?;
            for bead in two_sided(beads) {
                writer.write_unit(&unit(src, tgt, bead, &date))?;
            }
            writer.finish()?;
        }
        OutKind::Tsv => {
            // Tabs and line breaks would break the row.
            let cell = |s: String| s.replace(['\t', '\n', '\r'], " ");
            writeln!(out, "{}\t{}\tscore", src.lang, tgt.lang)?;
            for bead in two_sided(beads) {
                writeln!(
                    out,
                    "{}\t{}\t{:.2}",
                    cell(src.joined(&bead.src)),
                    cell(tgt.joined(&bead.tgt)),
                    bead.confidence
                )?;
            }
            out.flush()?;
        }
    }
    Ok(())
}

fn import(store: &mut Store, src: &Document, tgt: &Document, beads: &[Bead], min_score: f64) -> anyhow::Result<Imported> {
    let origin = NewOrigin {
        name: format!("{} + {}", name(&src.path), name(&tgt.path)),
        format: "aligned",
        header: Header {
            srclang: Some(src.lang.to_string()),
            meta: document_props(src, tgt),
            ..Header::default()
        },
    };
    let mut report = Imported {
        origin: origin.name.clone(),
        ..Imported::default()
    };
    let date = TmxDate::now();
    let mut import = store.begin_import(&origin).context("starting the import")?;
    for bead in two_sided(beads) {
        if bead.confidence < min_score {
            report.below_min_score += 1;
            continue;
        }
        match import.add(&unit(src, tgt, bead, &date))? {
            AddOutcome::Added => report.added += 1,
            AddOutcome::Updated => report.updated += 1,
            AddOutcome::Unchanged => report.unchanged += 1,
        }
    }
    import.commit().context("committing the import")?;
    Ok(report)
}

/// A bead's shape, `2-1` or `0-1`.
fn shape(bead: &Bead) -> String {
    format!("{}-{}", bead.src.len(), bead.tgt.len())
}

/// 1-based segment numbers of a bead side: `4`, `4-5`, or `-`.
fn numbers(range: &std::ops::Range<usize>) -> String {
    match range.len() {
        0 => "-".into(),
        1 => (range.start + 1).to_string(),
        _ => format!("{}-{}", range.start + 1, range.end),
    }
}

fn print_summary(
    out: &mut impl Write,
    src: &Document,
    tgt: &Document,
    beads: &[Bead],
    length: &LengthModel,
    glossary: Option<&TermIndex>,
) -> std::io::Result<()> {
    let mut shapes: Vec<(String, usize)> = Vec::new();
    for b in beads {
        let s = shape(b);
        match shapes.iter_mut().find(|(k, _)| *k == s) {
            Some((_, n)) => *n += 1,
            None => shapes.push((s, 1)),
        }
    }
    shapes.sort();
    let shapes: Vec<String> = shapes.iter().map(|(s, n)| format!("{n} {s}")).collect();
    writeln!(
        out,
        "aligned {} ({}, {} segments) with {} ({}, {} segments): {} beads ({})",
        src.path.display(),
        src.lang,
        src.segments.len(),
        tgt.path.display(),
        tgt.lang,
        tgt.segments.len(),
        beads.len(),
        shapes.join(", ")
    )?;
    writeln!(
        out,
        "length model: {} {:.2} × the source's length in Latin-equivalent characters (sd {:.2}); glossary: {}",
        if length.learned { "learned from the TM," } else { "default," },
        length.ratio,
        length.sd,
        glossary.map_or_else(|| "none".to_string(), |g| format!("{} concepts", g.len()))
    )
}

fn print_review(out: &mut impl Write, src: &Document, tgt: &Document, beads: &[Bead], below: f64) -> std::io::Result<()> {
    let doubtful: Vec<(usize, &Bead)> = beads.iter().enumerate().filter(|(_, b)| b.confidence < below).collect();
    if doubtful.is_empty() {
        return writeln!(out, "review: every bead has confidence {below} or more");
    }
    writeln!(out, "review: {} bead(s) below confidence {below}:", doubtful.len())?;
    for (k, bead) in doubtful {
        writeln!(
            out,
            "  bead {} ({}, {:.2}): {} {} | {} {}",
            k + 1,
            shape(bead),
            bead.confidence,
            src.lang,
            numbers(&bead.src),
            tgt.lang,
            numbers(&bead.tgt)
        )?;
        for (doc, range) in [(src, &bead.src), (tgt, &bead.tgt)] {
            let text = if range.is_empty() {
                "(nothing)".to_string()
            } else {
                clip(&doc.joined(range), 100)
            };
            writeln!(out, "      {:<5} {text}", doc.lang.to_string())?;
        }
    }
    Ok(())
}
