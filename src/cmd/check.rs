//! `yakugo check FILE`: quality assurance of a translated file against the
//! store's glossary, itself, and (with `--against-tm`) the store's TM.
//!
//! Usage: `yakugo check [--src L --tgt L] [--format tmx|tsv|csv|xliff] [--against-tm]
//! [--ignore KIND]... [--severity LEVEL | --severity KIND=LEVEL]... FILE`
//!
//! Reads TMX, bilingual TSV/CSV or XLIFF 1.2/2.x (see [`yakugo::qa::input`]) and reports
//! findings of eight kinds (see [`yakugo::qa`]): `term-missing`,
//! `term-forbidden`, `inconsistent-target`, `inconsistent-source`,
//! `number-mismatch`, `untranslated`, `language-mismatch`, `tag-mismatch`.
//! The human report groups them by kind, with segment ids and the offending
//! spans highlighted (colour on a terminal, `[[…]]` otherwise). `--json`
//! prints `{"findings": [{"kind", "segment", "severity", "message",
//! "source", "target", "spans"?, "expected"?, "related"?}], "segments",
//! "src", "tgt"}`.
//!
//! Exit code 0 when clean, 1 when there are findings, 2 on errors (an
//! unreadable file, a bad option).

use crate::cli::{print_json, Global, Outcome};
use anyhow::Context;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use yakugo::lang::Lang;
use yakugo::qa::consistency::TmPairs;
use yakugo::qa::input::{self, Format};
use yakugo::qa::{Checker, Finding, Kind, Segment, SeverityPolicy, Side, Span};
use yakugo::terms::find::TermIndex;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  yakugo check tm/mic-news-vol28-no5.ja-en.tmx
  yakugo check --src ja --tgt en --against-tm translated.tsv
  yakugo check job.ja-en.xlf
  yakugo check --ignore inconsistent-source --severity warning job.tmx
  yakugo check --severity term-missing=error --json job.tmx | jq '.findings[] | select(.kind == \"term-missing\")'

Kinds: term-missing, term-forbidden, inconsistent-target, inconsistent-source,
number-mismatch, untranslated, language-mismatch, tag-mismatch.
Default severities: error for term-forbidden, number-mismatch, untranslated,
tag-mismatch; warning for term-missing, inconsistent-target, language-mismatch;
info for inconsistent-source.

Exit codes: 0 clean, 1 findings, 2 errors.")]
pub struct Args {
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Source language (default: from the file; required for TSV/CSV).
    #[arg(long, value_name = "LANG")]
    src: Option<Lang>,
    /// Target language (default: from the file; required for TSV/CSV).
    #[arg(long, value_name = "LANG")]
    tgt: Option<Lang>,
    /// Input format; by default from the extension (.tmx; .tsv/.tab/.txt; .csv; .xlf/.xliff).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Also check consistency against every unit of the language pair in the store.
    #[arg(long)]
    against_tm: bool,
    /// Do not check this kind (repeatable).
    #[arg(long, value_enum, value_name = "KIND")]
    ignore: Vec<Kind>,
    /// `LEVEL` (error, warning, info): report only findings this severe or
    /// more; `KIND=LEVEL`: give a kind this severity. Repeatable.
    #[arg(long, value_name = "LEVEL|KIND=LEVEL")]
    severity: Vec<String>,
}

pub fn run(global: &Global, args: Args) -> anyhow::Result<Outcome> {
    let mut policy = SeverityPolicy::default();
    for raw in &args.severity {
        policy.apply_option(raw).map_err(|e| anyhow::anyhow!("--severity {raw}: {e}"))?;
    }
    let doc = input::read(&args.file, args.format, args.src.clone(), args.tgt.clone())?;
    let store = global.open_store()?;
    let concepts = store.concepts().context("reading the glossary")?;
    if concepts.is_empty() && !global.json {
        eprintln!("note: the store has no glossary, so terms are not checked; add one with `yakugo terms import FILE`");
    }
    let glossary = TermIndex::new(&concepts);
    drop(concepts);
    let tm = if args.against_tm {
        let tm = TmPairs::load(&store, &doc.src, &doc.tgt).context("reading the TM")?;
        if tm.is_empty() && !global.json {
            eprintln!("note: the store has no {} → {} units to check against", doc.src, doc.tgt);
        }
        Some(tm)
    } else {
        None
    };
    let mut checker = Checker::new(doc.src.clone(), doc.tgt.clone(), &glossary).ignore(&args.ignore);
    if let Some(tm) = &tm {
        checker = checker.against_tm(tm);
    }
    let findings = policy.apply(checker.check(&doc.segments));
    if global.json {
        let shown: Vec<Shown> = findings
            .iter()
            .map(|f| {
                let (source, target) = f.texts(&doc.segments);
                let spans = f
                    .spans
                    .iter()
                    .map(|&span| {
                        let text = if span.side == Side::Source { source } else { target };
                        ShownSpan {
                            span,
                            text: text.get(span.start..span.end).unwrap_or(""),
                        }
                    })
                    .collect();
                Shown {
                    finding: f,
                    source,
                    target,
                    spans,
                }
            })
            .collect();
        print_json(&serde_json::json!({
            "file": args.file.display().to_string(),
            "src": doc.src,
            "tgt": doc.tgt,
            "segments": doc.segments.len(),
            "findings": shown,
        }))?;
    } else {
        let colour = std::io::stdout().is_terminal();
        let mut out = BufWriter::new(std::io::stdout().lock());
        print_human(&mut out, &findings, &doc.segments, colour)?;
        let mut counts: BTreeMap<Kind, usize> = BTreeMap::new();
        for f in &findings {
            *counts.entry(f.kind).or_default() += 1;
        }
        let summary: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
        writeln!(
            out,
            "{}: {} segment(s) checked ({} → {}), {}",
            args.file.display(),
            doc.segments.len(),
            doc.src,
            doc.tgt,
            if findings.is_empty() {
                "no findings".to_string()
            } else {
                format!("{} finding(s): {}", findings.len(), summary.join(", "))
            }
        )?;
        if doc.skipped > 0 {
            writeln!(out, "  {} unit(s) without a {} variant were not checked", doc.skipped, doc.src)?;
        }
        out.flush()?;
    }
    Ok(if findings.is_empty() { Outcome::Ok } else { Outcome::Findings })
}

/// A finding with the texts its spans point into, and each span's text.
#[derive(Serialize)]
struct Shown<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    source: &'a str,
    target: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    spans: Vec<ShownSpan<'a>>,
}

#[derive(Serialize)]
struct ShownSpan<'a> {
    #[serde(flatten)]
    span: Span,
    text: &'a str,
}

/// Findings grouped by kind (in kind order), each with its segment, message
/// and texts with the offending spans marked.
fn print_human(out: &mut impl Write, findings: &[Finding], segments: &[Segment], colour: bool) -> std::io::Result<()> {
    let mut by_kind: BTreeMap<Kind, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        by_kind.entry(f.kind).or_default().push(f);
    }
    for (kind, list) in by_kind {
        let heading = format!("{kind} ({})", list.len());
        if colour {
            writeln!(out, "\x1b[1m{heading}\x1b[0m")?;
        } else {
            writeln!(out, "{heading}")?;
        }
        for f in list {
            writeln!(out, "  segment {} [{}]: {}", f.segment, f.severity.name(), f.message)?;
            let (source, target) = f.texts(segments);
            writeln!(out, "    source: {}", marked(source, f, Side::Source, colour))?;
            writeln!(out, "    target: {}", marked(target, f, Side::Target, colour))?;
            if !f.expected.is_empty() && f.kind != Kind::TermForbidden && f.kind != Kind::TermMissing {
                for e in f.expected.iter() {
                    writeln!(out, "    other:  {e}")?;
                }
            }
            if !f.related.is_empty() {
                writeln!(out, "    see:    {}", f.related.join(", "))?;
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

/// `text` with the finding's spans on `side` marked: bold red on a
/// terminal, `[[…]]` otherwise. Line breaks are shown as spaces.
fn marked(text: &str, f: &Finding, side: Side, colour: bool) -> String {
    let mut spans: Vec<(usize, usize)> = f
        .spans
        .iter()
        .filter(|s| s.side == side && s.end <= text.len() && text.is_char_boundary(s.start) && text.is_char_boundary(s.end))
        .map(|s| (s.start, s.end))
        .collect();
    spans.sort_unstable();
    let (open, close) = if colour { ("\x1b[1;31m", "\x1b[0m") } else { ("[[", "]]") };
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for (start, end) in spans {
        if start < at {
            continue;
        }
        out.push_str(&text[at..start]);
        out.push_str(open);
        out.push_str(&text[start..end]);
        out.push_str(close);
        at = end;
    }
    out.push_str(&text[at..]);
    out.replace(['\n', '\r', '\t'], " ")
}
