//! Import and export throughput, and peak memory of an import, at scale.
//!
//! Run by hand (not in CI): `cargo bench --bench import_export`
//! (`BENCH_UNITS=200000` for a quicker run).
//!
//! It builds a TMX of `BENCH_UNITS` units (default 1,000,000) from the
//! Kyoto Wikipedia corpus in `../shared/corpus/parallel/kyoto_wiki/`
//! (443,596 real ja-en pairs; `xz` must be installed). Beyond the real pairs
//! the file is **synthetic**: real pairs again, each side suffixed with
//! ` [copy N]` so that every unit is distinct. Each unit carries a tuid and
//! a creation date, like real TM exports.
//!
//! It then runs the release `yakugo` binary as a child process, as a user
//! would: `import` into a fresh store, then `export`, and reports wall time,
//! units per second and the child's peak RSS (from `wait4`).

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
    let units: usize = std::env::var("BENCH_UNITS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/parallel/kyoto_wiki/kyoto_ja_en_full.tsv.xz");
    if !corpus.exists() {
        println!("skipped: {} not present", corpus.display());
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let tmx = dir.path().join("kyoto.tmx");
    let t = Instant::now();
    let (real, bytes) = build_tmx(&corpus, &tmx, units);
    println!(
        "built {} ({units} units: {real} real pairs, {} synthetic copies; {:.0} MB) in {:.1} s",
        tmx.display(),
        units - real,
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_yakugo"));
    let db = dir.path().join("bench.db");
    for (label, extra) in [
        ("import", vec!["import", tmx.to_str().unwrap_or_default()]),
        (
            "import (no language check, 2nd store)",
            vec!["import", "--no-lang-check", tmx.to_str().unwrap_or_default()],
        ),
    ] {
        let db = if label.starts_with("import (") {
            dir.path().join("bench2.db")
        } else {
            db.clone()
        };
        let (secs, rss_kb) = run(&bin, &db, &extra);
        println!(
            "{label:<40} {units:>9} units  {secs:>7.2} s  {:>9.0} units/s  peak RSS {:>6.1} MB",
            units as f64 / secs,
            rss_kb as f64 / 1024.0
        );
    }
    let out = dir.path().join("export.tmx");
    let (secs, rss_kb) = run(&bin, &db, &["export", out.to_str().unwrap_or_default()]);
    println!(
        "{:<40} {units:>9} units  {secs:>7.2} s  {:>9.0} units/s  peak RSS {:>6.1} MB",
        "export",
        units as f64 / secs,
        rss_kb as f64 / 1024.0
    );
    let db_size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
    println!("store size {:.0} MB for {:.0} MB of TMX", db_size as f64 / 1e6, bytes as f64 / 1e6);
}

/// Writes the TMX; returns (real pairs used, file size). Streams the corpus
/// (once per synthetic copy) so that the benchmark process stays small and
/// cannot inflate the peak RSS measured for its children.
fn build_tmx(corpus: &Path, out: &Path, units: usize) -> (usize, u64) {
    let mut w = BufWriter::new(File::create(out).expect("create TMX"));
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    writeln!(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tmx version=\"1.4\">\n<header creationtool=\"yakugo-bench\" creationtoolversion=\"1\" segtype=\"sentence\" o-tmf=\"bench\" adminlang=\"en\" srclang=\"ja\" datatype=\"plaintext\"/>\n<body>").expect("write");
    let (mut written, mut real) = (0usize, 0usize);
    for copy in 0.. {
        let mut child = Command::new("xz")
            .arg("-dc")
            .arg(corpus)
            .stdout(Stdio::piped())
            .spawn()
            .expect("xz must be installed");
        let reader = BufReader::new(child.stdout.take().expect("piped"));
        let suffix = if copy == 0 { String::new() } else { format!(" [copy {copy}]") };
        for line in reader.lines().skip(1) {
            let line = line.expect("corpus is UTF-8");
            let cols: Vec<&str> = line.split('\t').collect();
            let (Some(ja), Some(en)) = (cols.get(2), cols.get(3)) else {
                continue;
            };
            if ja.is_empty() || en.is_empty() {
                continue;
            }
            writeln!(
                w,
                "<tu tuid=\"k{written}\" creationdate=\"20200101T000000Z\"><tuv xml:lang=\"ja\"><seg>{}{suffix}</seg></tuv><tuv xml:lang=\"en\"><seg>{}{suffix}</seg></tuv></tu>",
                esc(ja),
                esc(en)
            )
            .expect("write");
            written += 1;
            real += usize::from(copy == 0);
            if written == units {
                break;
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        if written == units {
            break;
        }
    }
    writeln!(w, "</body>\n</tmx>").expect("write");
    w.flush().expect("flush");
    (real, std::fs::metadata(out).map(|m| m.len()).unwrap_or(0))
}

/// Runs yakugo; returns (wall seconds, peak RSS in KiB).
// The child is reaped by `wait4`, which also gives its resource usage.
#[allow(clippy::zombie_processes)]
fn run(bin: &Path, db: &Path, args: &[&str]) -> (f64, i64) {
    let t = Instant::now();
    let child = Command::new(bin)
        .arg("--db")
        .arg(db)
        .args(args)
        .stdout(Stdio::null())
        .spawn()
        .expect("run yakugo");
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let secs = t.elapsed().as_secs_f64();
    assert!(
        pid > 0 && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "yakugo {args:?} failed"
    );
    (secs, usage.ru_maxrss)
}
