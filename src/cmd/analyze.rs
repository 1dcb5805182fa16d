//! `yakugo analyze FILE`: match-band statistics, as CAT tools print them.
//!
//! Usage: `yakugo analyze FILE --src L --tgt L [--min 50] [--srx RULES.srx]`
//!
//! FILE is segmented and looked up exactly as `yakugo translate` does (the
//! same engine decides the bands), and each segment is counted in one row:
//! context match (101), repetitions, 100, 95–99, 85–94, 75–84, 50–74, no
//! match. Each row gives segments, words (characters for Japanese and
//! Chinese sources, as quotes count them) and the share of the words.
//! `--json` prints `{"file", "src", "tgt", "unit", "rows": [{"band",
//! "label", "segments", "words", "percent"}], "total_segments",
//! "total_words"}`.

use crate::cli::{print_json, Global, Outcome};
use crate::cmd::translate::{print_analysis, translate_file, EngineArgs};
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  yakugo analyze tm/new-text.ja.txt --src ja --tgt en
  yakugo analyze tm/new-text.en.txt --src en --tgt ja --json | jq '.rows[] | {label, words}'
  yakugo analyze job.xlf --src ja --tgt en --min 75")]
pub struct Args {
    /// The text to analyse: plain text, Markdown (.md) or XLIFF (.xlf, .xliff).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    engine: EngineArgs,
}

pub fn run(global: &Global, args: Args) -> anyhow::Result<Outcome> {
    // The band needs the best match only.
    let analysis = translate_file(global, &args.file, &args.engine, 1)?.analysis();
    if global.json {
        print_json(&analysis)?;
    } else {
        print_analysis(&mut std::io::stdout().lock(), &analysis)?;
    }
    Ok(Outcome::Ok)
}
