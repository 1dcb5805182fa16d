//! `yakugo translate FILE`: pre-translate a new text against the store.
//!
//! Usage: `yakugo translate FILE --src L --tgt L [--out F.xlf|.xliff|.tmx|.json|.html] [--xliff-version 2.1|1.2] [--min 50] [--top 3] [--srx RULES.srx]`
//!
//! FILE is plain text, Markdown (`.md`) or XLIFF (`.xlf`, `.xliff`, whose
//! segments are used as they are). Text is cut into paragraphs and
//! sentences (the bundled SRX rules, or `--srx`); each segment is looked
//! up with its neighbours as context. The report on stdout shows, per
//! segment, its band, the best match with the differences marked, the
//! target (adapted when only numbers differ) and the glossary terms with
//! their approved renderings, then the analysis (as `yakugo analyze`).
//! `--out` writes, by extension: XLIFF 2.1 (or 1.2 with `--xliff-version
//! 1.2`) with 100/101 matches as targets and every match as a candidate;
//! TMX with the pre-translated pairs; the JSON result; an HTML report.
//! `--json` prints the JSON result on stdout instead of the report.

use crate::cli::{print_json, progress, write_file_atomically, Global, Outcome};
use anyhow::{bail, Context as _};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use yakugo::fuzzy::DiffKind;
use yakugo::lang::Lang;
use yakugo::segment::Segmenter;
use yakugo::tmx::writer::ExportHeader;
use yakugo::tmx::TmxWriter;
use yakugo::translate::{self, Analysis, Translated, Translator};
use yakugo::xliff::writer::{self as xliff_writer, Version};

#[derive(clap::Args)]
#[command(after_help = "Examples:
  yakugo translate tm/new-text.ja.txt --src ja --tgt en
  yakugo translate tm/new-text.ja.txt --src ja --tgt en --out new-text.xlf
  yakugo translate notes.md --src en --tgt ja --out notes.xlf --xliff-version 1.2
  yakugo translate job.xlf --src ja --tgt en --out job-pretranslated.xlf
  yakugo translate tm/new-text.en.txt --src en --tgt ja --out report.html --min 70
  yakugo translate letter.txt --src en --tgt ja --srx my-rules.srx --out letter.tmx")]
pub struct Args {
    /// The text to translate: plain text, Markdown (.md) or XLIFF (.xlf, .xliff).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    engine: EngineArgs,
    /// Write the result: .xlf/.xliff (XLIFF), .tmx, .json or .html.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// XLIFF version for --out .xlf/.xliff: 2.1 (default) or 1.2.
    #[arg(long, value_name = "VERSION", default_value = "2.1", value_parser = parse_version)]
    xliff_version: Version,
    /// Matches kept per segment.
    #[arg(long, default_value_t = 3)]
    top: usize,
}

/// The options `translate` and `analyze` share.
#[derive(clap::Args)]
pub struct EngineArgs {
    /// Language of FILE.
    #[arg(long, value_name = "LANG")]
    src: Lang,
    /// Language to translate into.
    #[arg(long, value_name = "LANG")]
    tgt: Lang,
    /// Lowest match score kept (percent).
    #[arg(long, default_value_t = 50.0, value_parser = crate::cli::parse_percent)]
    min: f64,
    /// Segmentation rules (SRX 2.0) instead of the bundled ones.
    #[arg(long, value_name = "FILE")]
    srx: Option<PathBuf>,
}

fn parse_version(s: &str) -> Result<Version, String> {
    Version::parse(s).ok_or_else(|| format!("`{s}`: XLIFF versions are 2.1 and 1.2"))
}

/// Reads, segments and translates `file` (shared with `analyze`).
pub fn translate_file(global: &Global, file: &Path, engine: &EngineArgs, top: usize) -> anyhow::Result<Translated> {
    let segmenter = match &engine.srx {
        Some(path) => Segmenter::from_srx(path)?,
        None => Segmenter::default_rules(),
    };
    let doc = translate::load(file, &engine.src, &segmenter)?;
    let store = global.open_store()?;
    if store.max_unit_id()? == 0 {
        eprintln!("note: the store holds no translation units; import a TM first (yakugo import FILE)");
    }
    let mut translator = Translator::new(&store, &engine.src, &engine.tgt)?;
    translator.min = engine.min;
    translator.top = top;
    let total = doc.units.iter().map(|u| u.segments.len()).sum::<usize>() as u64;
    let bar = progress(total, format!("translating {}", file.display()));
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} segments eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let translated = translator.translate(&doc, || bar.inc(1))?;
    bar.finish_and_clear();
    Ok(translated)
}

pub fn run(global: &Global, args: Args) -> anyhow::Result<Outcome> {
    let out_kind = match &args.out {
        Some(path) => Some(OutKind::of(path)?),
        None => None,
    };
    let translated = translate_file(global, &args.file, &args.engine, args.top)?;
    if let (Some(path), Some(kind)) = (&args.out, out_kind) {
        write_file_atomically(path, |out| write_out(out, &translated, kind, args.xliff_version))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if global.json {
        print_json(&translated)?;
    } else {
        let colour = std::io::stdout().is_terminal();
        let mut stdout = std::io::stdout().lock();
        print_report(&mut stdout, &translated, colour)?;
        print_analysis(&mut stdout, &translated.analysis())?;
        if let Some(path) = &args.out {
            writeln!(stdout, "\nwrote {}", path.display())?;
        }
    }
    Ok(Outcome::Ok)
}

#[derive(Clone, Copy)]
enum OutKind {
    Xliff,
    Tmx,
    Json,
    Html,
}

impl OutKind {
    fn of(path: &Path) -> anyhow::Result<OutKind> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        Ok(match ext.as_str() {
            "xlf" | "xliff" => OutKind::Xliff,
            "tmx" => OutKind::Tmx,
            "json" => OutKind::Json,
            "html" | "htm" => OutKind::Html,
            _ => bail!(
                "{}: --out must end in .xlf, .xliff, .tmx, .json or .html (the extension chooses the format)",
                path.display()
            ),
        })
    }
}

fn write_out(mut out: Box<dyn Write>, doc: &Translated, kind: OutKind, version: Version) -> anyhow::Result<()> {
    match kind {
        OutKind::Xliff => {
            out = xliff_writer::write(out, &doc.to_xliff(), version)?;
        }
        OutKind::Tmx => {
            let header = ExportHeader {
                srclang: doc.src.to_string(),
                ..ExportHeader::default()
            };
            let mut writer = TmxWriter::new(out, &header)?;
            for unit in doc.to_tmx_units() {
                writer.write_unit(&unit)?;
            }
            out = writer.finish()?;
        }
        OutKind::Json => {
            serde_json::to_writer_pretty(&mut out, doc)?;
            writeln!(out)?;
        }
        OutKind::Html => out.write_all(translate::html::report(doc).as_bytes())?,
    }
    out.flush()?;
    Ok(())
}

fn print_report(out: &mut impl Write, doc: &Translated, colour: bool) -> std::io::Result<()> {
    for s in doc.segments() {
        let score = s.matches.first().map(|m| format!(" {:.2}%", m.score)).unwrap_or_default();
        let repeats = s.repetition_of.map(|n| format!(" (repeats {n})")).unwrap_or_default();
        writeln!(out, "[{}] line {} · {}{score}{repeats}", s.number, s.line, s.band.label())?;
        writeln!(out, "  source: {}", s.source)?;
        if let Some(m) = s.matches.first() {
            if m.score < 100.0 {
                writeln!(out, "  tm:     {}", source_with_diff(m, colour))?;
            }
            match (&s.target, &m.adapted_target) {
                (Some(t), _) => writeln!(out, "  target: {t}")?,
                (None, Some(adapted)) => writeln!(out, "  target: {adapted}  (numbers adapted from: {})", m.target)?,
                (None, None) => writeln!(out, "  fuzzy:  {}", m.target)?,
            }
        }
        for t in &s.terms {
            let approved = if t.approved.is_empty() {
                "-".to_string()
            } else {
                t.approved.join(" / ")
            };
            let flag = if t.forbidden { "  (forbidden term)" } else { "" };
            writeln!(out, "  term:   {} → {approved}{flag}", t.matched)?;
        }
    }
    Ok(())
}

/// The TM source with what differs from the segment marked: in colour on a
/// terminal, otherwise `[-only in the TM-]` and `{+only in the segment+}`
/// (as `wdiff`).
fn source_with_diff(m: &yakugo::fuzzy::memory::Match, colour: bool) -> String {
    let mut out = String::new();
    for op in &m.diff {
        match (op.kind, colour) {
            (DiffKind::Equal, _) => out.push_str(&op.text),
            (DiffKind::Delete, true) => out.push_str(&format!("\x1b[1;31m{}\x1b[0m", op.text)),
            (DiffKind::Delete, false) => out.push_str(&format!("[-{}-]", op.text)),
            (DiffKind::Insert, true) => out.push_str(&format!("\x1b[1;32m{}\x1b[0m", op.text)),
            (DiffKind::Insert, false) => out.push_str(&format!("{{+{}+}}", op.text)),
        }
    }
    out
}

/// The analysis table (also `yakugo analyze`'s output).
pub fn print_analysis(out: &mut impl Write, a: &Analysis) -> std::io::Result<()> {
    writeln!(out, "\nAnalysis of {} ({} → {})", a.file, a.src, a.tgt)?;
    writeln!(out, "{:<22} {:>9} {:>11} {:>7}", "Match", "Segments", capitalised(a.unit), "%")?;
    for r in &a.rows {
        writeln!(out, "{:<22} {:>9} {:>11} {:>7.1}", r.label, r.segments, r.words, r.percent)?;
    }
    writeln!(out, "{:<22} {:>9} {:>11} {:>7.1}", "Total", a.total_segments, a.total_words, 100.0)
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}
