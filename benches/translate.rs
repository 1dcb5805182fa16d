//! `yakugo translate` on a 10,000-segment document against a large TM.
//!
//! Run by hand (not in CI): `cargo bench --bench translate`
//! (`BENCH_UNITS=100000` for a quicker run; `BENCH_SEGMENTS` to change the
//! document size). Target: ≤ 30 s for 10,000 segments against 1,000,000
//! units.
//!
//! The TM is the Kyoto Wikipedia TMX of `benches/import_export.rs`
//! (`BENCH_UNITS` units, default 1,000,000; real pairs, then synthetic
//! copies). The document takes `BENCH_SEGMENTS` Japanese sentences spread
//! evenly over the real pairs in the TM, one per line, in a fixed mix:
//! half unchanged (exact matches), a quarter with their first two
//! characters dropped (fuzzy matches), a quarter written backwards (no
//! match). Kyoto lines sometimes hold two sentences, so the segment count
//! is printed. The store is built with `import` and the bundled glossary
//! (`terms import`), then `translate --out doc.xlf` and `analyze` run as a
//! user would run them; wall time and peak RSS are reported for each.

mod common;

use std::path::Path;
use std::time::Instant;

/// Real pairs in the corpus.
const KYOTO_PAIRS: usize = 443_596;

fn main() {
    let units: usize = std::env::var("BENCH_UNITS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let segments: usize = std::env::var("BENCH_SEGMENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Some(corpus) = common::kyoto_corpus() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let tmx = dir.path().join("kyoto.tmx");
    let t = Instant::now();
    let (_, bytes) = common::write_tmx(&tmx, common::scaled(units, || common::kyoto_pairs(&corpus)));
    let real = units.min(KYOTO_PAIRS);
    println!(
        "built {units} units ({real} real, {:.0} MB) in {:.1} s",
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let doc = dir.path().join("doc.ja.txt");
    std::fs::write(&doc, document(&corpus, real, segments)).expect("write document");
    let db = dir.path().join("bench.db");
    let glossary = root.join("glossaries/mic-ict.tbx");
    let xlf = dir.path().join("doc.xlf");
    for (label, args) in [
        ("import", vec!["import", "--no-lang-check", tmx.to_str().unwrap_or_default()]),
        ("terms import", vec!["terms", "import", glossary.to_str().unwrap_or_default()]),
        (
            "translate --out doc.xlf",
            vec![
                "translate",
                doc.to_str().unwrap_or_default(),
                "--src",
                "ja",
                "--tgt",
                "en",
                "--out",
                xlf.to_str().unwrap_or_default(),
            ],
        ),
        (
            "analyze",
            vec!["analyze", doc.to_str().unwrap_or_default(), "--src", "ja", "--tgt", "en"],
        ),
    ] {
        let run = common::run(&db, &args);
        println!(
            "{label:<26} {:>8.2} s  cpu {:>6.2} s  peak RSS {:>7.1} MB",
            run.secs,
            run.cpu_secs,
            run.peak_kb as f64 / 1024.0
        );
    }
    let out = std::fs::read_to_string(&xlf).unwrap_or_default();
    println!(
        "document: {} segments ({} with a 100/101 target, {} with candidates) against {units} units",
        out.matches("<segment ").count(),
        out.matches("state=\"translated\"").count(),
        out.matches("<mtc:matches>").count()
    );
}

/// `count` lines of Japanese from the first `real` pairs, in the mix the
/// module documentation describes.
fn document(corpus: &Path, real: usize, count: usize) -> String {
    let step = (real.min(KYOTO_PAIRS) / count.max(1)).max(1);
    let mut lines = Vec::with_capacity(count);
    for (index, (ja, _)) in common::kyoto_pairs(corpus).enumerate() {
        if index.is_multiple_of(step) {
            let line = match lines.len() % 4 {
                0 | 2 => ja,
                1 => ja.chars().skip(2).collect(),
                _ => ja.chars().rev().collect(),
            };
            lines.push(line);
        }
        if lines.len() == count {
            break;
        }
    }
    lines.join("\n") + "\n"
}
