//! `yakugo stats`: what the store holds.
//!
//! Usage: `yakugo stats [--json]`
//!
//! Prints the number of units and variants, the languages, every language
//! pair with its unit count, the glossary's concepts and terms, and the
//! imported files. `--json` prints one object with integer fields `units`,
//! `variants`, `concepts` and `terms`, and `languages`, `pairs` and
//! `origins`.

use crate::cli::{print_json, Global, Outcome};

#[derive(clap::Args)]
#[command(after_help = "Examples:\n  yakugo stats\n  yakugo --db team.db stats --json | jq .units")]
pub struct Args {}

pub fn run(global: &Global, _args: Args) -> anyhow::Result<Outcome> {
    let store = global.open_store()?;
    let stats = store.stats()?;
    if global.json {
        print_json(&stats)?;
        return Ok(Outcome::Ok);
    }
    println!("store:     {}", global.db.display());
    println!("units:     {}", stats.units);
    println!("variants:  {}", stats.variants);
    println!("concepts:  {} ({} terms)", stats.concepts, stats.terms);
    if !stats.languages.is_empty() {
        let langs: Vec<String> = stats.languages.iter().map(|(l, n)| format!("{l} ({n})")).collect();
        println!("languages: {}", langs.join(", "));
    }
    if !stats.pairs.is_empty() {
        println!("pairs (usable both ways):");
        for p in &stats.pairs {
            println!("  {:>8}  {} <-> {}", p.units, p.src, p.tgt);
        }
    }
    if !stats.origins.is_empty() {
        println!("origins:");
        for o in &stats.origins {
            let origin = &o.origin;
            println!(
                "  {:>8}  {}  ({}, imported {})",
                o.units, origin.name, origin.format, origin.imported_at
            );
        }
    }
    Ok(Outcome::Ok)
}
