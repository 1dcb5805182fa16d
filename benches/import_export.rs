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
//! units per second, the child's CPU time and its peak RSS, for each of
//! `BENCH_RUNS` runs (default 3) and their median.

mod common;

use std::time::Instant;

fn main() {
    let units: usize = std::env::var("BENCH_UNITS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let Some(corpus) = common::kyoto_corpus() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let tmx = dir.path().join("kyoto.tmx");
    let t = Instant::now();
    let real = common::kyoto_pairs(&corpus).take(units).count();
    let (_, bytes) = common::write_tmx(&tmx, common::scaled(units, || common::kyoto_pairs(&corpus)));
    println!(
        "built {} ({units} units: {real} real pairs, {} synthetic copies; {:.0} MB) in {:.1} s",
        tmx.display(),
        units - real,
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    // The machine this was written on ran the same import in 7.4 s one
    // minute and 10.8 s a few minutes later: one run says little. Each step
    // runs `BENCH_RUNS` times (default 3), every run is printed, and the
    // median is the figure.
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(3).max(1);
    let tmx = tmx.to_str().unwrap_or_default();
    let db = dir.path().join("bench.db");
    let no_check_db = dir.path().join("bench2.db");
    let out = dir.path().join("export.tmx");
    let steps: [(&str, &std::path::Path, Vec<&str>, bool); 3] = [
        ("import", &db, vec!["import", tmx], true),
        (
            "import (no language check, 2nd store)",
            &no_check_db,
            vec!["import", "--no-lang-check", tmx],
            true,
        ),
        ("export", &db, vec!["export", out.to_str().unwrap_or_default()], false),
    ];
    for (label, db, args, fresh_store) in steps {
        let mut results = Vec::with_capacity(runs);
        for run in 1..=runs {
            if fresh_store {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
                }
            }
            let result = common::run(db, &args);
            report(label, &format!("run {run}/{runs}"), units, &result);
            results.push(result);
        }
        let peak_kb = results.iter().map(|r| r.peak_kb).max().unwrap_or(0);
        results.sort_by(|a, b| a.secs.total_cmp(&b.secs));
        let median = &results[runs / 2];
        report(label, "median", units, &common::Run { peak_kb, ..*median });
    }
    let db_size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
    println!("store size {:.0} MB for {:.0} MB of TMX", db_size as f64 / 1e6, bytes as f64 / 1e6);
}

/// One line of results; for a median, the CPU time is the median run's and
/// the peak RSS the highest of the runs.
fn report(label: &str, which: &str, units: usize, run: &common::Run) {
    println!(
        "{label:<40} {which:<8} {units:>9} units  {:>7.2} s  {:>9.0} units/s  cpu {:>6.2} s  peak RSS {:>6.1} MB",
        run.secs,
        units as f64 / run.secs,
        run.cpu_secs,
        run.peak_kb as f64 / 1024.0
    );
}
