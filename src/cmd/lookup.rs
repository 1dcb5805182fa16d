//! `yakugo lookup [TEXT]`: how was this sentence translated before?
//!
//! Usage: `yakugo lookup --src L --tgt L [--min 50] [--top 5] [TEXT]`
//!
//! Scores TEXT against every source segment of the language pair and shows
//! the best matches: the score, the TM source with its differences from the
//! query marked (in colour on a terminal), the target, where the unit came
//! from and its date. When a match differs from the query only in numbers,
//! the target is shown with the query's numbers substituted. Without TEXT,
//! reads one query per line from stdin and answers each (one process, the
//! TM loaded once). `--json` prints one object per query per line:
//! `{"query": "...", "matches": [{"score": 87.5, "source": "...", "target": "...", "id": 1, "diff": [...], ...}]}`.
//!
//! This version scans the whole language pair for every query (exact, and
//! fast enough for TMs of tens of thousands of units); the persistent
//! candidate index for millions of units is the next step.

use crate::cli::{print_json, Global, Outcome};
use serde::Serialize;
use std::io::{BufRead, IsTerminal};
use yakugo::fuzzy::memory::{Match, PairMemory};
use yakugo::fuzzy::DiffKind;
use yakugo::lang::Lang;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  yakugo lookup --src ja --tgt en '第11回日・ASEAN情報セキュリティ政策会議が開催されました。'
  yakugo lookup --src en --tgt ja --min 70 --top 3 'The meeting was held in Tokyo.'
  grep . tm/new-text.ja.txt | yakugo lookup --src ja --tgt en --json")]
pub struct Args {
    /// The sentence to look up; without it, one query per line from stdin.
    #[arg(value_name = "TEXT")]
    text: Option<String>,
    /// Language of the query (the TM sources).
    #[arg(long, value_name = "LANG")]
    src: Lang,
    /// Language of the translations to show.
    #[arg(long, value_name = "LANG")]
    tgt: Lang,
    /// Lowest score to show (percent).
    #[arg(long, default_value_t = 50.0, value_parser = parse_percent)]
    min: f64,
    /// How many matches to show per query.
    #[arg(long, default_value_t = 5)]
    top: usize,
}

fn parse_percent(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=101.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a percentage between 0 and 100")),
    }
}

#[derive(Serialize)]
struct Answer<'a> {
    query: &'a str,
    matches: Vec<Match>,
}

pub fn run(global: &Global, args: Args) -> anyhow::Result<Outcome> {
    let store = global.open_store()?;
    let memory = PairMemory::load(&store, &args.src, &args.tgt)?;
    if memory.is_empty() && !global.json {
        eprintln!(
            "note: the store has no {} → {} units; import a TM first (yakugo import FILE)",
            args.src, args.tgt
        );
    }
    let colour = std::io::stdout().is_terminal();
    let answer = |query: &str| -> anyhow::Result<()> {
        let matches = memory.lookup(query, args.min, args.top);
        if global.json {
            print_json(&Answer { query, matches })
        } else {
            print_human(query, &matches, colour);
            Ok(())
        }
    };
    match &args.text {
        Some(text) => answer(text)?,
        None => {
            for line in std::io::stdin().lock().lines() {
                let line = line?;
                if !line.trim().is_empty() {
                    answer(line.trim_end_matches('\r'))?;
                }
            }
        }
    }
    Ok(Outcome::Ok)
}

fn print_human(query: &str, matches: &[Match], colour: bool) {
    println!("query: {query}");
    if matches.is_empty() {
        println!("  no match");
    }
    for m in matches {
        println!("  {:>6.2}%  {}", m.score, source_with_diff(m, colour));
        println!("           → {}", m.target);
        if let Some(adapted) = &m.adapted_target {
            println!("           → {adapted}  (numbers adapted)");
        }
        println!(
            "           unit {} from {}{}",
            m.id,
            m.origin,
            m.date.as_deref().map(|d| format!(", {d}")).unwrap_or_default()
        );
    }
    println!();
}

/// The TM source with what differs from the query marked: in colour on a
/// terminal, otherwise `[-text-]` for words the query lacks (as `wdiff`).
fn source_with_diff(m: &Match, colour: bool) -> String {
    let mut out = String::new();
    for op in &m.diff {
        match (op.kind, colour) {
            (DiffKind::Equal, _) => out.push_str(&op.text),
            (DiffKind::Delete, true) => out.push_str(&format!("\x1b[1;31m{}\x1b[0m", op.text)),
            (DiffKind::Delete, false) => out.push_str(&format!("[-{}-]", op.text)),
            // Query words the source lacks are not part of the source.
            (DiffKind::Insert, _) => {}
        }
    }
    out
}
