//! `yakugo lookup [TEXT]`: how was this sentence translated before?
//!
//! Usage: `yakugo lookup --src L --tgt L [--min 50] [--top 5] [--exhaustive] [--prev TEXT] [--next TEXT] [--document] [--jobs N] [TEXT]`
//!
//! Scores TEXT against the source segments of the language pair and shows
//! the best matches: the score, the TM source with its differences from the
//! query marked (in colour on a terminal), the target, where the unit came
//! from and its date. When a match differs from the query only in numbers,
//! the target is shown with the query's numbers substituted. Glossary terms
//! in the query are listed with their approved renderings, and each match
//! says whether its target uses them. Without TEXT, reads one query per
//! line from stdin and answers each in one process, on every core (the
//! answers come in input order); with `--document` the
//! lines are consecutive segments of one text, so each line's neighbours
//! are its context (context matches score 101). `--json` prints one object
//! per query per line: `{"query": "...", "terms": [...], "matches":
//! [{"score": 87.5, "source": "...", "target": "...", "id": 1, "diff":
//! [...], "terms": [...], ...}]}`.
//!
//! The candidate index finds the matches without reading the whole TM;
//! `--exhaustive` scores every unit instead (the reference the index is
//! measured against).

use crate::cli::{print_json, Global, Outcome};
use serde::Serialize;
use std::io::{BufRead, IsTerminal};
use yakugo::fuzzy::batch::BatchQuery;
use yakugo::fuzzy::memory::{Context, Match, PairMemory};
use yakugo::fuzzy::DiffKind;
use yakugo::lang::Lang;
use yakugo::terms::find::{PreparedText, Rendering, TermHit, TermIndex};

#[derive(clap::Args)]
#[command(after_help = "Examples:
  yakugo lookup --src ja --tgt en '第11回日・ASEAN情報セキュリティ政策会議が開催されました。'
  yakugo lookup --src en --tgt ja --min 70 --top 3 'The meeting was held in Tokyo.'
  grep . tm/new-text.ja.txt | yakugo lookup --src ja --tgt en --json
  yakugo lookup --src ja --tgt en --jobs 4 --json < queries.txt > answers.jsonl
  grep . tm/new-text.ja.txt | yakugo lookup --src ja --tgt en --document --top 1")]
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
    #[arg(long, default_value_t = 50.0, value_parser = crate::cli::parse_percent)]
    min: f64,
    /// How many matches to show per query.
    #[arg(long, default_value_t = 5)]
    top: usize,
    /// Score every unit of the pair instead of asking the candidate index.
    #[arg(long)]
    exhaustive: bool,
    /// The segment before TEXT in its document (for context matches).
    #[arg(long, value_name = "TEXT", requires = "text")]
    prev: Option<String>,
    /// The segment after TEXT in its document (for context matches).
    #[arg(long, value_name = "TEXT", requires = "text")]
    next: Option<String>,
    /// Stdin lines are consecutive segments of one document: each line's
    /// neighbours are its context.
    #[arg(long, conflicts_with = "text")]
    document: bool,
    /// Threads for the queries from stdin (default: one per core; one with
    /// --exhaustive). Answers come in input order whatever the number.
    #[arg(long, short = 'j', value_name = "N")]
    jobs: Option<std::num::NonZeroUsize>,
}

#[derive(Serialize)]
struct Answer<'a> {
    query: &'a str,
    terms: Vec<TermHit>,
    matches: Vec<MatchWithTerms>,
}

#[derive(Serialize)]
struct MatchWithTerms {
    #[serde(flatten)]
    found: Match,
    /// For each term of the query, whether this target uses an approved
    /// rendering of it.
    terms: Vec<TermUse>,
}

#[derive(Serialize)]
struct TermUse {
    term: String,
    rendering: Rendering,
}

pub fn run(global: &Global, args: Args) -> anyhow::Result<Outcome> {
    let store = global.open_store()?;
    let memory = if args.exhaustive {
        PairMemory::exhaustive(&store, &args.src, &args.tgt)?
    } else {
        PairMemory::open(&store, &args.src, &args.tgt)?
    };
    if store.max_unit_id()? == 0 && !global.json {
        eprintln!("note: the store holds no translation units; import a TM first (yakugo import FILE)");
    }
    let glossary = store.concepts()?;
    let terms = TermIndex::new(&glossary);
    let renderings = terms.renderings(&args.tgt);
    let colour = std::io::stdout().is_terminal();
    let answer = |query: &str, matches: Vec<Match>| -> anyhow::Result<()> {
        let query_terms = terms.find(query, Some(&args.src));
        let matches = matches
            .into_iter()
            .map(|found| {
                let target = PreparedText::new(&found.target);
                let target_hits = terms.find_prepared(&target, Some(&args.tgt));
                let rendered = renderings.concepts(&target);
                let terms = query_terms
                    .iter()
                    .filter(|t| !t.forbidden)
                    .map(|t| TermUse {
                        term: t.term.clone(),
                        rendering: Rendering::of(&rendered, &target_hits, t.concept),
                    })
                    .collect();
                MatchWithTerms { found, terms }
            })
            .collect();
        let answer = Answer {
            query,
            terms: query_terms,
            matches,
        };
        if global.json {
            print_json(&answer)
        } else {
            print_human(&answer, colour);
            Ok(())
        }
    };
    let Some(text) = &args.text else {
        let jobs = args
            .jobs
            .or_else(|| std::thread::available_parallelism().ok())
            .map_or(1, |n| n.get());
        let lines = std::io::BufReader::new(std::io::stdin())
            .lines()
            .map(|l| l.map(|l| l.trim_end_matches('\r').to_string()))
            .filter(|l| l.as_ref().map_or(true, |l| !l.trim().is_empty()));
        let queries: Box<dyn Iterator<Item = anyhow::Result<BatchQuery>> + Send> = if args.document {
            // Context needs the next line: read the document first.
            let segments: Vec<String> = lines.collect::<Result<_, _>>()?;
            Box::new((0..segments.len()).map(move |i| {
                Ok(BatchQuery {
                    text: segments[i].clone(),
                    context: Context::around(&segments, i),
                })
            }))
        } else {
            Box::new(lines.map(|l| {
                Ok(BatchQuery {
                    text: l?,
                    ..BatchQuery::default()
                })
            }))
        };
        memory.lookup_batch(jobs, args.min, args.top, queries, |query, matches| answer(&query.text, matches))?;
        return Ok(Outcome::Ok);
    };
    let context = Context {
        prev: args.prev.clone(),
        next: args.next.clone(),
    };
    answer(text, memory.lookup(text, &context, args.min, args.top)?)?;
    Ok(Outcome::Ok)
}

fn print_human(answer: &Answer, colour: bool) {
    println!("query: {}", answer.query);
    for t in &answer.terms {
        let approved = if t.approved.is_empty() {
            "-".to_string()
        } else {
            t.approved.join(" / ")
        };
        let flag = if t.forbidden { "  (forbidden term)" } else { "" };
        println!("  term: {} → {approved}{flag}", t.matched);
    }
    if answer.matches.is_empty() {
        println!("  no match");
    }
    for MatchWithTerms { found: m, terms } in &answer.matches {
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
        let unused: Vec<&str> = terms
            .iter()
            .filter(|t| t.rendering != Rendering::Approved)
            .map(|t| t.term.as_str())
            .collect();
        if !unused.is_empty() {
            println!("           terms not rendered as approved: {}", unused.join(", "));
        }
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
