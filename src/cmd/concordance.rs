//! `yakugo concordance TEXT`: where a phrase occurs in the TM, in context.
//!
//! Usage: `yakugo concordance [--lang L]... [--top N] TEXT`
//!
//! Searches source and target sides alike, ignoring case, width and
//! spacing; a single kanji works. Each hit shows the segment around the
//! phrase (keyword in context) and the unit's translations. `--json` prints
//! `{"query": "...", "hits": [{"id", "lang", "left", "matched", "right", "translations": [{"lang", "text"}]}]}`.

use crate::cli::{print_json, Global, Outcome};
use std::io::IsTerminal;
use yakugo::concordance::{search, Hit};
use yakugo::lang::Lang;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  yakugo concordance 政策会議
  yakugo concordance --lang en 'critical information infrastructure'
  yakugo concordance 省 --top 50 --json")]
pub struct Args {
    /// The phrase to find.
    #[arg(value_name = "TEXT")]
    text: String,
    /// Only search variants in this language (repeatable; `en` includes `en-US`).
    #[arg(long, value_name = "LANG")]
    lang: Vec<Lang>,
    /// How many hits to show.
    #[arg(long, default_value_t = 20)]
    top: usize,
}

pub fn run(global: &Global, args: Args) -> anyhow::Result<Outcome> {
    let store = global.open_store()?;
    let hits = search(&store, &args.text, &args.lang, args.top)?;
    if global.json {
        print_json(&serde_json::json!({ "query": args.text, "hits": hits }))?;
        return Ok(Outcome::Ok);
    }
    if hits.is_empty() {
        println!("no segment contains “{}”", args.text);
    }
    let colour = std::io::stdout().is_terminal();
    for hit in &hits {
        print_hit(hit, colour);
    }
    Ok(Outcome::Ok)
}

fn print_hit(hit: &Hit, colour: bool) {
    let matched = if colour {
        format!("\x1b[1;33m{}\x1b[0m", hit.matched)
    } else {
        format!("[{}]", hit.matched)
    };
    println!("unit {:<7} {:<6} {:>30}{}{}", hit.id, hit.lang, hit.left, matched, hit.right);
    for t in &hit.translations {
        println!("{:>15}{:<6} {}", "", t.lang, t.text);
    }
}
