//! What the benchmarks share: a TMX built from the Kyoto Wikipedia corpus,
//! and running the `yakugo` binary as a child process with its wall time
//! and peak RSS.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// Writes the TMX; returns (real pairs used, file size). Streams the corpus
/// (once per synthetic copy) so that the benchmark process stays small and
/// cannot inflate the peak RSS measured for its children.
pub fn build_tmx(corpus: &Path, out: &Path, units: usize) -> (usize, u64) {
    let mut w = BufWriter::new(File::create(out).expect("create TMX"));
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    writeln!(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tmx version=\"1.4\">\n<header creationtool=\"yakugo-bench\" creationtoolversion=\"1\" segtype=\"sentence\" o-tmf=\"bench\" adminlang=\"en\" srclang=\"ja\" datatype=\"plaintext\"/>\n<body>").expect("write");
    let (mut written, mut real) = (0usize, 0usize);
    for copy in 0.. {
        let suffix = if copy == 0 { String::new() } else { format!(" [copy {copy}]") };
        for_each_pair(corpus, |ja, en| {
            writeln!(
                w,
                "<tu tuid=\"k{written}\" creationdate=\"20200101T000000Z\"><tuv xml:lang=\"ja\"><seg>{}{suffix}</seg></tuv><tuv xml:lang=\"en\"><seg>{}{suffix}</seg></tuv></tu>",
                esc(ja),
                esc(en)
            )
            .expect("write");
            written += 1;
            real += usize::from(copy == 0);
            written < units
        });
        if written == units {
            break;
        }
    }
    writeln!(w, "</body>\n</tmx>").expect("write");
    w.flush().expect("flush");
    (real, std::fs::metadata(out).map(|m| m.len()).unwrap_or(0))
}

/// Calls `f` with each (ja, en) pair of the corpus, both non-empty, in
/// order, until it returns false. Streams the file through `xz`.
pub fn for_each_pair(corpus: &Path, mut f: impl FnMut(&str, &str) -> bool) {
    let mut child = Command::new("xz")
        .arg("-dc")
        .arg(corpus)
        .stdout(Stdio::piped())
        .spawn()
        .expect("xz must be installed");
    let reader = BufReader::new(child.stdout.take().expect("piped"));
    for line in reader.lines().skip(1) {
        let line = line.expect("corpus is UTF-8");
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(ja), Some(en)) = (cols.get(2), cols.get(3)) else {
            continue;
        };
        if ja.is_empty() || en.is_empty() {
            continue;
        }
        if !f(ja, en) {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Runs yakugo; returns (wall seconds, peak RSS in KiB).
// The child is reaped by `wait4`, which also gives its resource usage.
#[allow(clippy::zombie_processes)]
pub fn run(bin: &Path, db: &Path, args: &[&str]) -> (f64, i64) {
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
