//! `yakugo check` speed: 100,000 Japanese-English segments against a
//! 50,000-concept glossary (issue 4's target: ≤ 10 s).
//!
//! Run by hand (not in CI): `cargo bench --bench check`
//! (`BENCH_SEGMENTS=N` for fewer segments, e.g. under a profiler).
//!
//! The segments are the first 100,000 pairs of
//! `../shared/corpus/parallel/kyoto_wiki/kyoto_ja_en_full.tsv.xz` (its `ja`
//! and `en` columns written to a temporary two-column TSV, then read by the
//! checker's own input path, [`yakugo::qa::input::read`]); the glossary is
//! every third entry of `../shared/corpus/termbases/jmdict/jmdict_ja-en.tsv.xz`
//! (read with the glossary table reader) up to 50,000 concepts. `xz` must be
//! installed. Every check runs (terms, consistency, numbers, tags,
//! language). Skipped with a message when a file is absent.
//!
//! The findings' digest (xxh3 of one line per finding: kind, segment,
//! message, spans, expected, related) shows that a speed-up changed
//! nothing; with `BENCH_FINDINGS=FILE` the lines are also written there,
//! to diff two runs.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;
use yakugo::lang::Lang;
use yakugo::qa::input::{self, Format};
use yakugo::qa::{Checker, Kind};
use yakugo::terms::find::TermIndex;
use yakugo::terms::table::{read_table, Layout, TableOptions};

/// Segments checked unless `BENCH_SEGMENTS` says otherwise.
const SEGMENTS: usize = 100_000;
const CONCEPTS: usize = 50_000;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let jmdict = root.join("../shared/corpus/termbases/jmdict/jmdict_ja-en.tsv.xz");
    let kyoto = root.join("../shared/corpus/parallel/kyoto_wiki/kyoto_ja_en_full.tsv.xz");
    for path in [&jmdict, &kyoto] {
        if !path.exists() {
            println!("skipped: {} not present", path.display());
            return;
        }
    }
    let dir = tempfile::tempdir().expect("temporary directory");

    let glossary_tsv = dir.path().join("jmdict.tsv");
    xz_to_file(&jmdict, &glossary_tsv);
    let table = read_table(&glossary_tsv, &TableOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(table.layout, Layout::Jmdict);
    let concepts: Vec<_> = table.concepts.into_iter().step_by(3).take(CONCEPTS).collect();
    let t = Instant::now();
    let glossary = TermIndex::new(&concepts);
    let build = t.elapsed().as_secs_f64();
    println!(
        "glossary: {} JMdict concepts, {} terms, compiled in {build:.2} s",
        concepts.len(),
        concepts.iter().map(|c| c.terms.len()).sum::<usize>()
    );
    drop(concepts);

    let segments = std::env::var("BENCH_SEGMENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(SEGMENTS);
    let pairs = dir.path().join("kyoto.tsv");
    write_pairs(&kyoto, &pairs, segments);
    let (ja, en) = (Lang::parse("ja").expect("ja"), Lang::parse("en").expect("en"));
    let t = Instant::now();
    let doc = input::read(&pairs, Some(Format::Tsv), Some(ja.clone()), Some(en.clone())).unwrap_or_else(|e| panic!("{e}"));
    let read = t.elapsed().as_secs_f64();
    println!("segments: {} Kyoto Wikipedia pairs read in {read:.2} s", doc.segments.len());

    let t = Instant::now();
    let checker = Checker::new(ja, en, &glossary);
    let prepare = t.elapsed().as_secs_f64();
    println!("checker: target-language renderings compiled in {prepare:.2} s");
    let (t, cpu) = (Instant::now(), cpu_seconds());
    let findings = checker.check(&doc.segments);
    let check = t.elapsed().as_secs_f64();
    let check_cpu = cpu_seconds() - cpu;
    let mut counts: BTreeMap<Kind, usize> = BTreeMap::new();
    for f in &findings {
        *counts.entry(f.kind).or_default() += 1;
    }
    println!(
        "check: {} segments in {check:.2} s ({check_cpu:.2} s of CPU on {} threads; {:.0} segments/s), {} findings: {counts:?}",
        doc.segments.len(),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        doc.segments.len() as f64 / check,
        findings.len()
    );
    let lines = findings.iter().map(|f| {
        let spans: Vec<_> = f.spans.iter().map(|s| (s.side, s.start, s.end)).collect();
        format!(
            "{}\t{}\t{}\t{spans:?}\t{:?}\t{:?}\n",
            f.kind, f.segment, f.message, f.expected, f.related
        )
    });
    let mut digest = xxhash_rust::xxh3::Xxh3::new();
    let mut dump = std::env::var_os("BENCH_FINDINGS").map(|p| BufWriter::new(std::fs::File::create(p).expect("BENCH_FINDINGS file")));
    for line in lines {
        digest.update(line.as_bytes());
        if let Some(w) = &mut dump {
            w.write_all(line.as_bytes()).expect("write");
        }
    }
    if let Some(w) = &mut dump {
        w.flush().expect("write");
    }
    println!("findings digest: {:016x}", digest.digest());
    let total = build + prepare + read + check;
    println!(
        "check {check:.2} s, target ≤ 10 s: {}; with the glossary compiled and the file read: {total:.2} s",
        if check <= 10.0 { "met" } else { "MISSED" }
    );
}

/// User and system CPU time of this process so far: on a shared machine
/// it says more than the wall clock.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_SELF and a valid pointer.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0.0;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

fn xz_to_file(xz: &Path, out: &Path) {
    let status = Command::new("xz")
        .arg("-dc")
        .arg(xz)
        .stdout(std::fs::File::create(out).expect("temporary file"))
        .status()
        .expect("xz (install xz-utils)");
    assert!(status.success(), "xz -dc {}", xz.display());
}

/// The `ja` and `en` columns of the first `segments` rows.
fn write_pairs(kyoto: &Path, out: &Path, segments: usize) {
    let mut child = Command::new("xz")
        .arg("-dc")
        .arg(kyoto)
        .stdout(Stdio::piped())
        .spawn()
        .expect("xz (install xz-utils)");
    let reader = BufReader::new(child.stdout.take().expect("xz stdout"));
    let mut lines = reader.lines().map(|l| l.expect("Kyoto line"));
    let header: Vec<String> = lines.next().unwrap_or_default().split('\t').map(str::to_string).collect();
    let column = |name: &str| header.iter().position(|c| c == name).unwrap_or_else(|| panic!("a `{name}` column"));
    let (ja, en) = (column("ja"), column("en"));
    let mut w = BufWriter::new(std::fs::File::create(out).expect("temporary file"));
    for line in lines.take(segments) {
        let cells: Vec<&str> = line.split('\t').collect();
        if let (Some(j), Some(e)) = (cells.get(ja), cells.get(en)) {
            writeln!(w, "{j}\t{e}").expect("write");
        }
    }
    w.flush().expect("write");
    drop(child.stdout.take());
    let _ = child.kill();
    let _ = child.wait();
}
