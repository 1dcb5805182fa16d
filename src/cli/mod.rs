//! What every command shares: global options, exit codes, output helpers.

use anyhow::Context;
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use yakugo::store::Store;

/// Exit codes scripts can rely on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Everything went through.
    Ok = 0,
    /// The command ran but found problems or refused some input.
    Findings = 1,
}

/// The code for usage and internal errors (clap also uses 2 for usage).
pub const EXIT_ERROR: u8 = 2;

/// Options every command takes.
pub struct Global {
    pub db: PathBuf,
    pub json: bool,
}

impl Global {
    pub fn open_store(&self) -> anyhow::Result<Store> {
        Store::open(&self.db).with_context(|| format!("opening the store {} (set it with --db or YAKUGO_DB)", self.db.display()))
    }
}

/// The default store: `<data dir>/yakugo/yakugo.db`.
pub fn default_db() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("yakugo")
        .join("yakugo.db")
}

/// Parses a `--min` score: a percentage from 0 to 100 (101 selects context
/// matches only).
pub fn parse_percent(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=101.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a percentage between 0 and 101")),
    }
}

/// Prints one JSON document on its own line.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// A progress bar on stderr, shown only when stderr is a terminal.
pub fn progress(len: u64, message: String) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(message);
    bar
}

/// Writes `path` through a temporary file beside it, renamed into place
/// only when `write` succeeds: a failed export never leaves a truncated file
/// where a good one was.
pub fn write_file_atomically<T>(path: &std::path::Path, write: impl FnOnce(Box<dyn Write>) -> anyhow::Result<T>) -> anyhow::Result<T> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let temp = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    let out = std::io::BufWriter::with_capacity(256 * 1024, temp.as_file().try_clone().context("opening the temporary file")?);
    let result = write(Box::new(out))?;
    // Temporary files are private (0600); an export is an ordinary file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o644)).context("setting the file's permissions")?;
    }
    temp.persist(path).with_context(|| format!("writing {}", path.display()))?;
    Ok(result)
}

/// Shortens text for one-line display.
pub fn clip(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out.replace(['\n', '\r', '\t'], " ")
}
