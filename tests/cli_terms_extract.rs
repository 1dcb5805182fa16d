//! `yakugo terms extract` on the bundled TM and glossary: candidates are
//! frequent, ranked, new to the glossary, and their TSV imports back.

mod common;

use common::*;

fn store() -> Store {
    let store = Store::new();
    store.import_ok(&[&bundled_tm()]);
    store
        .run(["terms", "import", root().join("glossaries/mic-ict.tbx").to_str().unwrap()])
        .expect_code(0);
    store
}

#[test]
fn candidates_are_frequent_ranked_and_new() {
    let store = store();
    let run = store.run([
        "--json",
        "terms",
        "extract",
        "--src",
        "ja",
        "--tgt",
        "en",
        "--min-freq",
        "3",
        "--top",
        "40",
    ]);
    run.expect_code(0);
    let report = run.json();
    let candidates = report["candidates"].as_array().expect("candidates");
    assert_eq!(candidates.len(), 40);
    let freq: Vec<u64> = candidates.iter().map(|c| int(c, "frequency")).collect();
    assert!(freq.iter().all(|&f| f >= 3), "{freq:?}");
    assert!(freq.windows(2).all(|w| w[0] >= w[1]), "ranked by frequency: {freq:?}");
    let sources: Vec<&str> = candidates.iter().map(|c| c["source"].as_str().unwrap()).collect();
    // Terms the glossary has are not proposed (総務省, 政策会議, ASEAN).
    for known in ["総務省", "政策会議", "ASEAN", "サイバーセキュリティ"] {
        assert!(!sources.contains(&known), "{known} in {sources:?}");
    }
    // An aligned rendering: 今後 → future.
    let future = candidates.iter().find(|c| c["source"] == "今後").expect("今後 proposed");
    assert_eq!(future["target"], "future");
    assert!(future["dice"].as_f64().unwrap() > 0.9);
}

#[test]
fn tsv_output_imports_as_a_glossary() {
    let store = store();
    let run = store.run(["terms", "extract", "--src", "ja", "--tgt", "en", "--top", "10"]);
    run.expect_code(0);
    let mut lines = run.stdout.lines();
    assert_eq!(lines.next(), Some("ja\ten\tcomment"));
    assert_eq!(lines.clone().count(), 10);
    let tsv = store.path("candidates.tsv");
    std::fs::write(&tsv, &run.stdout).unwrap();
    let run = store.run(["--json", "terms", "import", tsv.to_str().unwrap()]);
    run.expect_code(0);
    let report = run.json();
    assert_eq!(int(file_report(&report), "added"), 10);
    // Now in the glossary: no longer proposed.
    let again = store.run(["terms", "extract", "--src", "ja", "--tgt", "en", "--top", "10"]);
    let first: Vec<&str> = run_sources(&again.stdout);
    let written = std::fs::read_to_string(&tsv).unwrap();
    let before: Vec<&str> = run_sources(&written);
    assert!(first.iter().all(|s| !before.contains(s)), "{first:?} / {before:?}");
}

fn run_sources(tsv: &str) -> Vec<&str> {
    tsv.lines().skip(1).filter_map(|l| l.split('\t').next()).collect()
}
