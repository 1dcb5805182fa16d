//! Fuzzy lookup at scale: latency, recall of the candidate index against
//! the exhaustive scan, index size, and import speed with the index.
//!
//! Run by hand (not in CI): `cargo bench --bench lookup`
//! (`BENCH_SIZES=10000,100000` for a quicker run; default
//! `10000,100000,1000000`).
//!
//! Data: the Kyoto Wikipedia corpus in `../shared/corpus/parallel/kyoto_wiki/`
//! (443,596 real ja-en pairs). 1,000 real pairs are held out as queries;
//! 1,000 more queries are **near-duplicates** made by editing TM sources (1
//! to 4 random character deletions, insertions or substitutions). The TM of
//! each size is the other real pairs, and beyond them **synthetic** copies
//! (each side suffixed with ` [copy N]`).
//!
//! For each size it reports:
//! - import speed (units/s) and peak RSS of `yakugo import`, which builds
//!   the index in the same transaction;
//! - index size against the size of the text it indexes;
//! - warm lookup latency p50/p95 (one process, `PairMemory::open`, min 50,
//!   top 5) over the 2,000 queries, wall clock and the lookup thread's CPU
//!   time (which a machine shared with other work does not inflate);
//! - recall@5 of the index against `--exhaustive` for matches ≥ 70 and for
//!   matches 50–70 (`BENCH_RECALL_QUERIES` queries, default 1,000, 200
//!   above 200k units: the exhaustive scan is what takes time here);
//! - one-shot CLI lookup latency p50/p95 (`yakugo lookup TEXT`, a new
//!   process each time, 40 queries);
//! - at 100k, when Python's `rapidfuzz` is installed (`pip install
//!   rapidfuzz`), the exhaustive `process.cdist` scan with 2 workers over
//!   the same sources and every 5th query, side by side: the mean time per
//!   query of each, on those queries; ours with the batch routine of
//!   `yakugo lookup` on one thread and on two (as rapidfuzz has two
//!   workers), and as `yakugo lookup --jobs 2` in a new process reading the
//!   queries from stdin, all timed just before and after theirs.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;
use std::time::Instant;
use yakugo::fuzzy::batch::BatchQuery;
use yakugo::fuzzy::memory::{Context, PairMemory};
use yakugo::lang::Lang;
use yakugo::store::Store;

const HELD_OUT: usize = 1000;
const NEAR_DUPLICATES: usize = 1000;

fn main() {
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .unwrap_or_else(|_| "10000,100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let recall_queries: Option<usize> = std::env::var("BENCH_RECALL_QUERIES").ok().and_then(|v| v.parse().ok());
    let Some(corpus) = common::kyoto_corpus() else { return };
    let mut rng = Rng(0x5eed);
    let all: Vec<(String, String)> = common::kyoto_pairs(&corpus).collect();
    // Every 400th pair is held out (spread over the corpus, which is
    // ordered by article); the rest is the TM.
    let (held, tm): (Vec<_>, Vec<_>) = all.into_iter().enumerate().partition(|(i, _)| i % 400 == 7);
    let held: Vec<String> = held.into_iter().take(HELD_OUT).map(|(_, p)| p.0).collect();
    let tm: Vec<(String, String)> = tm.into_iter().map(|(_, p)| p).collect();
    println!(
        "corpus: {} TM pairs, {} held-out queries, {NEAR_DUPLICATES} near-duplicates",
        tm.len(),
        held.len()
    );
    let (ja, en): (Lang, Lang) = ("ja".parse().unwrap(), "en".parse().unwrap());
    let dir = tempfile::tempdir().expect("temp dir");
    for &size in &sizes {
        // Near-duplicates of sources inside this TM size.
        let reach = size.min(tm.len());
        let mut queries = held.clone();
        queries.extend((0..NEAR_DUPLICATES).map(|_| edit(&tm[rng.below(reach)].0, &mut rng)));
        let tmx = dir.path().join(format!("tm{size}.tmx"));
        let text_bytes: usize = common::scaled(size, || tm.iter().cloned()).map(|(j, e)| j.len() + e.len()).sum();
        let (units, tmx_bytes) = common::write_tmx(&tmx, common::scaled(size, || tm.iter().cloned()));
        let db = dir.path().join(format!("tm{size}.db"));
        let common::Run { secs, peak_kb: rss, .. } = common::run(&db, &["import", "--no-lang-check", tmx.to_str().unwrap_or_default()]);
        println!("\n== {units} units ({} real, {:.0} MB TMX) ==", reach, tmx_bytes as f64 / 1e6);
        println!(
            "import with index (--no-lang-check): {secs:.1} s, {:.0} units/s, peak RSS {:.0} MB",
            units as f64 / secs,
            rss as f64 / 1024.0
        );
        let store = Store::open(&db).expect("open store");
        let index = store.fuzzy_index_size().expect("index size");
        println!(
            "index: {:.1} MB of lists and signatures for {:.1} MB of indexed text (ja + en plain, approx.): {:.2}x",
            index as f64 / 1e6,
            text_bytes as f64 / 1e6,
            index as f64 / text_bytes as f64
        );
        let memory = PairMemory::open(&store, &ja, &en).expect("open pair");
        let mut times = Vec::with_capacity(queries.len());
        let mut cpu_times = Vec::with_capacity(queries.len());
        let mut indexed = Vec::with_capacity(queries.len());
        for q in &queries {
            let (t, cpu) = (Instant::now(), thread_cpu_ms());
            let found = memory.lookup(q, &Context::default(), 50.0, 5).expect("lookup");
            cpu_times.push(thread_cpu_ms() - cpu);
            times.push(t.elapsed().as_secs_f64() * 1e3);
            indexed.push(found);
        }
        let (p50, p95) = percentiles(&mut times);
        let (cpu_p50, cpu_p95) = percentiles(&mut cpu_times);
        println!(
            "warm lookup ({} queries): p50 {p50:.2} ms, p95 {p95:.2} ms (CPU time of the lookup thread: p50 {cpu_p50:.2} ms, p95 {cpu_p95:.2} ms)",
            queries.len()
        );

        let exhaustive = PairMemory::exhaustive(&store, &ja, &en).expect("load pair");
        let mut tally = Recall::default();
        let mut scan_times = Vec::new();
        // The exhaustive scan of a million units takes a while per query.
        let sample = recall_queries.unwrap_or(if size > 200_000 { 200 } else { 1000 });
        let step = (queries.len() / sample.max(1)).max(1);
        for (q, found) in queries.iter().zip(&indexed).step_by(step) {
            let t = Instant::now();
            let reference = exhaustive.lookup(q, &Context::default(), 50.0, 5).expect("lookup");
            scan_times.push(t.elapsed().as_secs_f64() * 1e3);
            let got: HashSet<i64> = found.iter().map(|m| m.id).collect();
            for m in &reference {
                tally.count(m.score, got.contains(&m.id));
            }
        }
        let (scan50, _) = percentiles(&mut scan_times);
        println!(
            "recall@5 vs exhaustive ({} queries): ≥70: {} ; 50-70: {}  (exhaustive scan p50 {scan50:.1} ms)",
            scan_times.len(),
            tally.high(),
            tally.low()
        );
        drop(exhaustive);

        let mut cli = Vec::new();
        for q in queries.iter().step_by(queries.len() / 40) {
            let t = Instant::now();
            let status = Command::new(common::bin())
                .arg("--db")
                .arg(&db)
                .args(["lookup", "--src", "ja", "--tgt", "en", "--", q])
                .stdout(std::process::Stdio::null())
                .status()
                .expect("run yakugo");
            assert!(status.success());
            cli.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let (c50, c95) = percentiles(&mut cli);
        println!("one-shot CLI lookup ({} calls): p50 {c50:.0} ms, p95 {c95:.0} ms", cli.len());
        if size == 100_000 {
            // Ours timed again right before and after theirs, on the same
            // queries: the load of a shared machine changes within a run.
            let sample: Vec<&str> = queries.iter().step_by(RAPIDFUZZ_STEP).map(String::as_str).collect();
            let ours = || {
                [
                    per_query_ms(&memory, &sample, 1),
                    per_query_ms(&memory, &sample, 2),
                    cli_batch_ms(&db, &sample),
                ]
            };
            rapidfuzz_side_by_side(dir.path(), &tm[..reach.min(size)], &sample, ours);
        }
        drop(memory);
        drop(store);
        let _ = std::fs::remove_file(&tmx);
        let _ = std::fs::remove_file(&db);
    }
}

/// Matches of the exhaustive scan the index also returned, by score band.
#[derive(Default)]
struct Recall {
    high: (usize, usize),
    low: (usize, usize),
}

impl Recall {
    fn count(&mut self, score: f64, found: bool) {
        let band = if score >= 70.0 { &mut self.high } else { &mut self.low };
        band.0 += usize::from(found);
        band.1 += 1;
    }

    fn high(&self) -> String {
        ratio(self.high)
    }

    fn low(&self) -> String {
        ratio(self.low)
    }
}

fn ratio((found, all): (usize, usize)) -> String {
    if all == 0 {
        "no matches".into()
    } else {
        format!("{:.4} ({found}/{all})", found as f64 / all as f64)
    }
}

/// Python rapidfuzz's exhaustive scan: `process.cdist` with the
/// normalised Indel-free Levenshtein similarity, 2 workers.
/// Every how many queries the rapidfuzz side takes one: its scan is slow.
const RAPIDFUZZ_STEP: usize = 5;

/// `ours()` times our lookups of the same queries (mean ms per query):
/// warm on one thread and on two ([`per_query_ms`]), and the CLI's batch
/// mode on two ([`cli_batch_ms`]); it runs just before and just after
/// theirs.
fn rapidfuzz_side_by_side(dir: &Path, tm: &[(String, String)], sample: &[&str], ours: impl Fn() -> [f64; 3]) {
    let has = Command::new("python3")
        .args(["-c", "import rapidfuzz"])
        .status()
        .is_ok_and(|s| s.success());
    if !has {
        println!("rapidfuzz side by side: skipped (pip install rapidfuzz)");
        return;
    }
    let sources = dir.join("sources.txt");
    let qs = dir.join("queries.txt");
    std::fs::write(&sources, tm.iter().map(|p| p.0.replace('\n', " ")).collect::<Vec<_>>().join("\n")).expect("write");
    std::fs::write(&qs, sample.join("\n")).expect("write");
    let script = format!(
        "import time\nfrom rapidfuzz import process\nfrom rapidfuzz.distance import Levenshtein\n\
         src=open('{}',encoding='utf-8').read().split('\\n')\nqs=open('{}',encoding='utf-8').read().split('\\n')\n\
         t=time.perf_counter()\nprocess.cdist(qs,src,scorer=Levenshtein.normalized_similarity,workers=2,score_cutoff=0.5)\n\
         print((time.perf_counter()-t)*1000/len(qs))",
        sources.display(),
        qs.display()
    );
    let before = ours();
    let out = Command::new("python3").args(["-c", &script]).output().expect("python3");
    let after = ours();
    let Ok(theirs) = String::from_utf8_lossy(&out.stdout).trim().parse::<f64>() else {
        println!("rapidfuzz side by side failed: {}", String::from_utf8_lossy(&out.stderr));
        return;
    };
    let [one, two, cli] = [0, 1, 2].map(|i| (before[i] + after[i]) / 2.0);
    println!(
        "rapidfuzz process.cdist, 2 workers, {} sources, {} queries: {theirs:.1} ms/query; yakugo on the same queries: \
         warm {one:.2} ms/query on 1 thread ({:.1}x), warm {two:.2} ms/query on 2 threads like rapidfuzz's 2 workers ({:.1}x), \
         `yakugo lookup --jobs 2` a new process {cli:.2} ms/query ({:.1}x)",
        tm.len(),
        sample.len(),
        theirs / one,
        theirs / two,
        theirs / cli
    );
}

/// Mean wall time per query, in ms, of looking up `sample` as a batch on
/// `threads` threads: the routine `yakugo lookup` answers stdin with
/// ([`PairMemory::lookup_batch`]), which on more than one thread opens a
/// connection per thread (inside the timing).
fn per_query_ms(memory: &PairMemory, sample: &[&str], threads: usize) -> f64 {
    let queries = sample.iter().map(|q| {
        Ok::<_, yakugo::store::StoreError>(BatchQuery {
            text: q.to_string(),
            context: Context::default(),
        })
    });
    let t = Instant::now();
    let mut answered = 0;
    memory
        .lookup_batch(threads, 50.0, 5, queries, |_, _| {
            answered += 1;
            Ok(())
        })
        .expect("lookup");
    assert_eq!(answered, sample.len());
    t.elapsed().as_secs_f64() * 1e3 / sample.len().max(1) as f64
}

/// Mean wall time per query, in ms, of `yakugo lookup --jobs 2` answering
/// `sample` from stdin: a new process, as a user runs it.
fn cli_batch_ms(db: &Path, sample: &[&str]) -> f64 {
    let t = Instant::now();
    let mut child = Command::new(common::bin())
        .arg("--db")
        .arg(db)
        .args(["--json", "lookup", "--src", "ja", "--tgt", "en", "--jobs", "2"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("run yakugo");
    let mut input = sample.join("\n");
    input.push('\n');
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), input.as_bytes()).expect("write queries");
    assert!(child.wait().expect("wait for yakugo").success());
    t.elapsed().as_secs_f64() * 1e3 / sample.len().max(1) as f64
}

fn percentiles(times: &mut [f64]) -> (f64, f64) {
    times.sort_by(f64::total_cmp);
    let at = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    (at(0.5), at(0.95))
}

/// 1 to 4 random character edits of `s`.
fn edit(s: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    for _ in 0..1 + rng.below(4) {
        if chars.is_empty() {
            break;
        }
        let at = rng.below(chars.len());
        let other = chars[rng.below(chars.len())];
        match rng.below(3) {
            0 => {
                chars.remove(at);
            }
            1 => chars.insert(at, other),
            _ => chars[at] = other,
        }
    }
    chars.into_iter().collect()
}

/// A small deterministic generator (the benchmark must be repeatable).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// The CPU time this thread has used, in milliseconds.
fn thread_cpu_ms() -> f64 {
    // SAFETY: timespec is plain data, filled by clock_gettime.
    let mut t: libc::timespec = unsafe { std::mem::zeroed() };
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 * 1e3 + t.tv_nsec as f64 / 1e6
}
