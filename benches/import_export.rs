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
        let (secs, rss_kb) = common::run(&db, &extra);
        println!(
            "{label:<40} {units:>9} units  {secs:>7.2} s  {:>9.0} units/s  peak RSS {:>6.1} MB",
            units as f64 / secs,
            rss_kb as f64 / 1024.0
        );
    }
    let out = dir.path().join("export.tmx");
    let (secs, rss_kb) = common::run(&db, &["export", out.to_str().unwrap_or_default()]);
    println!(
        "{:<40} {units:>9} units  {secs:>7.2} s  {:>9.0} units/s  peak RSS {:>6.1} MB",
        "export",
        units as f64 / secs,
        rss_kb as f64 / 1024.0
    );
    let db_size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
    println!("store size {:.0} MB for {:.0} MB of TMX", db_size as f64 / 1e6, bytes as f64 / 1e6);
}
