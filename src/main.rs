//! The `yakugo` command line: parses arguments and dispatches to one
//! subcommand in `src/cmd/`. Nothing else lives here.

/// mimalloc rather than glibc's allocator: an import allocates and frees
/// several strings per unit on two threads, and glibc's malloc and free
/// were about 17% of its samples (perf, 1M Kyoto units). 200k units, four
/// alternating runs each: 3.77-4.02 s with mimalloc, 4.11-4.61 s with
/// glibc, at the same peak RSS. Without `no_thp`, mimalloc backs its arenas
/// with transparent huge pages and the peak RSS of a 1M import rose from
/// about 175 MB to 195-216 MB.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;
mod cmd;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "yakugo",
    version,
    about = "Translation memory and terminology manager (TMX, TSV; Japanese-aware)",
    after_help = "Examples:\n  yakugo import tm/mic-news-vol28-no5.ja-en.tmx\n  yakugo --db my.db import memoq-export.tmx trados.tmx --json\n  yakugo export --src ja --tgt en out.tmx\n  yakugo stats\n  yakugo terms import glossaries/mic-ict.tbx\n  yakugo translate tm/new-text.ja.txt --src ja --tgt en --out new-text.xlf\n  yakugo analyze tm/new-text.ja.txt --src ja --tgt en\n  yakugo check tm/mic-news-vol28-no5.ja-en.tmx\n\nExit codes: 0 ok, 1 findings or rejected input, 2 usage or internal error."
)]
struct Cli {
    /// The store (an SQLite file). Default: the user's data directory.
    #[arg(long, global = true, env = "YAKUGO_DB", value_name = "PATH")]
    db: Option<PathBuf>,
    /// Print results as JSON on stdout.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Add translation memories (TMX 1.1-1.4b, TSV/CSV pairs) to the store.
    Import(cmd::import::Args),
    /// Write the store, or part of it, as TMX 1.4b or TSV.
    Export(cmd::export::Args),
    /// Find a phrase in source and target segments, in context.
    Concordance(cmd::concordance::Args),
    /// Find how a sentence was translated before: fuzzy matches with scores and differences.
    Lookup(cmd::lookup::Args),
    /// Show what the store holds.
    Stats(cmd::stats::Args),
    /// Remove what one import brought (units, concepts).
    Delete(cmd::delete::Args),
    /// Check a translated file: glossary terms, consistency, numbers, tags, language.
    Check(cmd::check::Args),
    /// Glossaries: import and export TBX, TSV and CSV.
    Terms(cmd::terms::Args),
    /// Pre-translate a text (plain, Markdown, XLIFF) against the store: XLIFF, TMX, JSON or HTML.
    Translate(cmd::translate::Args),
    /// Match-band statistics of a text against the store, as CAT tools print them.
    Analyze(cmd::analyze::Args),
    /// Align a document with its translation: sentence pairs with confidences, TMX/TSV, import.
    Align(cmd::align::Args),
}

fn main() -> ExitCode {
    // Like other Unix tools, stop quietly when the reader of our output goes
    // away (`yakugo export - | head`) instead of failing to print.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread
    // starts has no preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let global = cli::Global {
        db: cli.db.unwrap_or_else(cli::default_db),
        json: cli.json,
    };
    let result = match cli.command {
        Command::Import(args) => cmd::import::run(&global, args),
        Command::Export(args) => cmd::export::run(&global, args),
        Command::Concordance(args) => cmd::concordance::run(&global, args),
        Command::Lookup(args) => cmd::lookup::run(&global, args),
        Command::Stats(args) => cmd::stats::run(&global, args),
        Command::Delete(args) => cmd::delete::run(&global, args),
        Command::Terms(args) => cmd::terms::run(&global, args),
        Command::Translate(args) => cmd::translate::run(&global, args),
        Command::Analyze(args) => cmd::analyze::run(&global, args),
        Command::Check(args) => cmd::check::run(&global, args),
        Command::Align(args) => cmd::align::run(&global, args),
    };
    match result {
        Ok(outcome) => ExitCode::from(outcome as u8),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(cli::EXIT_ERROR)
        }
    }
}
