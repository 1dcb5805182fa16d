//! What the benchmarks share: the Kyoto Wikipedia pairs, TMX writing, and
//! running the release binary as a user would, with its peak memory.
#![allow(dead_code)] // each bench uses its own part of this module

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The Kyoto corpus (443,596 real ja-en pairs), or `None` with a message
/// saying the benchmark is skipped.
pub fn kyoto_corpus() -> Option<PathBuf> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/parallel/kyoto_wiki/kyoto_ja_en_full.tsv.xz");
    if corpus.exists() {
        Some(corpus)
    } else {
        println!("skipped: {} not present", corpus.display());
        None
    }
}

/// Streams the corpus's (ja, en) pairs, skipping empty ones (`xz` must be
/// installed). Streaming keeps the benchmark process small, so it cannot
/// inflate the peak RSS measured for its children.
pub fn kyoto_pairs(corpus: &Path) -> impl Iterator<Item = (String, String)> {
    let mut child = Command::new("xz")
        .arg("-dc")
        .arg(corpus)
        .stdout(Stdio::piped())
        .spawn()
        .expect("xz must be installed");
    let reader = BufReader::new(child.stdout.take().expect("piped"));
    let mut child = Some(child);
    reader
        .lines()
        .skip(1)
        .filter_map(|line| {
            let line = line.expect("corpus is UTF-8");
            let cols: Vec<&str> = line.split('\t').collect();
            match (cols.get(2), cols.get(3)) {
                (Some(ja), Some(en)) if !ja.is_empty() && !en.is_empty() => Some((ja.to_string(), en.to_string())),
                _ => None,
            }
        })
        .chain(std::iter::from_fn(move || {
            if let Some(mut c) = child.take() {
                let _ = c.kill();
                let _ = c.wait();
            }
            None
        }))
}

/// `units` pairs: the real ones first, then **synthetic** copies of them,
/// each side suffixed with ` [copy N]` so that every unit is distinct.
/// `real(copy)` yields the real pairs afresh for each round.
pub fn scaled<I: Iterator<Item = (String, String)>>(units: usize, mut real: impl FnMut() -> I) -> impl Iterator<Item = (String, String)> {
    (0..)
        .flat_map(move |copy: usize| {
            let suffix = if copy == 0 { String::new() } else { format!(" [copy {copy}]") };
            real().map(move |(ja, en)| (format!("{ja}{suffix}"), format!("{en}{suffix}")))
        })
        .take(units)
}

/// Writes `pairs` as a ja→en TMX 1.4 file, each unit with a tuid and a
/// creation date like real TM exports; returns (units, file size).
pub fn write_tmx(out: &Path, pairs: impl Iterator<Item = (String, String)>) -> (usize, u64) {
    let mut w = BufWriter::new(File::create(out).expect("create TMX"));
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    writeln!(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tmx version=\"1.4\">\n<header creationtool=\"yakugo-bench\" creationtoolversion=\"1\" segtype=\"sentence\" o-tmf=\"bench\" adminlang=\"en\" srclang=\"ja\" datatype=\"plaintext\"/>\n<body>").expect("write");
    let mut written = 0;
    for (ja, en) in pairs {
        writeln!(
            w,
            "<tu tuid=\"k{written}\" creationdate=\"20200101T000000Z\"><tuv xml:lang=\"ja\"><seg>{}</seg></tuv><tuv xml:lang=\"en\"><seg>{}</seg></tuv></tu>",
            esc(&ja),
            esc(&en)
        )
        .expect("write");
        written += 1;
    }
    writeln!(w, "</body>\n</tmx>").expect("write");
    w.flush().expect("flush");
    (written, std::fs::metadata(out).map(|m| m.len()).unwrap_or(0))
}

/// The release binary built for the benchmarks.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_yakugo"))
}

/// What one run of yakugo took.
#[derive(Clone, Copy)]
pub struct Run {
    pub secs: f64,
    /// User and system CPU seconds of the child, all its threads.
    pub cpu_secs: f64,
    pub peak_kb: i64,
}

/// Runs yakugo on `db`.
///
/// The CPU time is printed beside the wall time because the machines this
/// runs on (shared virtual machines) change speed from minute to minute:
/// the same import of the same file took 11.9 s of CPU one minute and
/// 14.9 s the next. CPU seconds per run tell such a slow phase apart from
/// a slower program.
///
/// The peak is the child's own `VmHWM` (`/proc/PID/status`), read every
/// 5 ms until it exits, not `wait4`'s `ru_maxrss`: Linux carries the
/// spawning process's peak over into a child's `ru_maxrss` at `exec`, so a
/// benchmark holding its corpus in memory would inflate every child's
/// figure by its own size.
///
/// What earlier steps wrote (the TMX the benchmark has just built, the
/// store of an earlier run) is written to disk first (`sync`), outside the
/// timing: an import syncs the whole file system its store is on once a
/// second, and would otherwise be timed writing out the benchmark's own
/// files, as a user's import, whose input is not freshly written, is not.
pub fn run(db: &Path, args: &[&str]) -> Run {
    let synced = Command::new("sync").status().is_ok_and(|s| s.success());
    assert!(synced, "sync failed");
    let cpu_before = children_cpu_secs();
    let t = Instant::now();
    let mut child = Command::new(bin())
        .arg("--db")
        .arg(db)
        .args(args)
        .stdout(Stdio::null())
        .spawn()
        .expect("run yakugo");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0i64;
    let status = loop {
        if let Ok(status) = std::fs::read_to_string(&status_file) {
            let hwm = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<i64>().ok());
            peak_kb = peak_kb.max(hwm.unwrap_or(0));
        }
        if let Some(status) = child.try_wait().expect("wait for yakugo") {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let secs = t.elapsed().as_secs_f64();
    assert!(status.success(), "yakugo {args:?} failed");
    Run {
        secs,
        cpu_secs: children_cpu_secs() - cpu_before,
        peak_kb,
    }
}

/// User and system CPU seconds of this process's children that have
/// ended and been waited for.
fn children_cpu_secs() -> f64 {
    // SAFETY: `getrusage` only writes the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// JMdict through the glossary table reader (`yakugo terms import` reads
/// it the same way), after `xz -dc` into a temporary file.
pub fn jmdict_concepts(path: &Path) -> Vec<yakugo::terms::Concept> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let tsv = dir.path().join("jmdict_ja-en.tsv");
    let status = Command::new("xz")
        .arg("-dc")
        .arg(path)
        .stdout(std::fs::File::create(&tsv).expect("temporary file"))
        .status()
        .expect("xz (install xz-utils)");
    assert!(status.success(), "xz -dc {}", path.display());
    let table = yakugo::terms::table::read_table(&tsv, &yakugo::terms::table::TableOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(table.layout, yakugo::terms::table::Layout::Jmdict, "JMdict columns changed");
    table.concepts
}
