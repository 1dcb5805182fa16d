//! `yakugo lookup` on the bundled newsletter TM: exact matches score 100,
//! a sentence that differs only in numbers comes back with an adapted
//! target, unrelated text finds nothing, and stdin gives one JSON answer per
//! line.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn store() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let tm = Path::new(env!("CARGO_MANIFEST_DIR")).join("tm/mic-news-vol28-no5.ja-en.tmx");
    Command::cargo_bin("yakugo")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .arg("import")
        .arg(tm)
        .assert()
        .success();
    (dir, db)
}

fn lookup(db: &Path, args: &[&str], stdin: Option<&str>) -> Vec<Value> {
    let mut cmd = Command::cargo_bin("yakugo").unwrap();
    cmd.arg("--db")
        .arg(db)
        .args(["--json", "lookup", "--src", "ja", "--tgt", "en"])
        .args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let out = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

#[test]
fn exact_match_scores_100_with_its_translation() {
    let (_dir, db) = store();
    let answers = lookup(&db, &["1．日時等"], None);
    assert_eq!(answers.len(), 1);
    let best = &answers[0]["matches"][0];
    assert_eq!(best["score"], 100.0);
    assert_eq!(best["target"], "1. Time and date, etc.");
    assert!(best["id"].is_i64());
}

#[test]
fn a_number_change_is_adapted() {
    let (_dir, db) = store();
    let answers = lookup(&db, &["第11回日・ASEAN情報セキュリティ政策会議の結果"], None);
    let best = &answers[0]["matches"][0];
    let score = best["score"].as_f64().unwrap();
    assert!((90.0..100.0).contains(&score), "{score}");
    assert_eq!(
        best["adapted_target"],
        "Results of 11th Japan-ASEAN Information Security Policy Meeting"
    );
    let diff = best["diff"].as_array().unwrap();
    assert!(diff.iter().any(|op| op["kind"] == "delete" && op["text"] == "10"), "{diff:?}");
}

#[test]
fn stdin_gives_one_answer_per_line_and_unrelated_text_finds_nothing() {
    let (_dir, db) = store();
    let answers = lookup(&db, &["--min", "70"], Some("1．日時等\nこれは無関係なテスト文です。\n"));
    assert_eq!(answers.len(), 2);
    assert_eq!(answers[0]["query"], "1．日時等");
    assert!(answers[1]["matches"].as_array().unwrap().is_empty());
}

#[test]
fn concordance_finds_a_single_kanji_and_an_english_phrase_in_context() {
    let (_dir, db) = store();
    let run = |args: &[&str]| -> Value {
        let out = Command::cargo_bin("yakugo")
            .unwrap()
            .arg("--db")
            .arg(&db)
            .args(["--json", "concordance"])
            .args(args)
            .assert()
            .success();
        serde_json::from_slice(&out.get_output().stdout).unwrap()
    };
    let kanji = run(&["省", "--top", "100"]);
    let hits = kanji["hits"].as_array().unwrap();
    assert!(hits.len() >= 3, "{hits:?}");
    assert!(hits.iter().all(|h| h["matched"] == "省" && h["lang"] == "ja"));
    assert!(hits.iter().all(|h| h["translations"][0]["lang"] == "en"));
    let phrase = run(&["--lang", "en", "CRITICAL INFORMATION"]);
    let first = &phrase["hits"][0];
    assert_eq!(
        first["matched"], "critical information",
        "case-insensitive, context from the original text"
    );
    assert_eq!(first["lang"], "en");
}

/// The Japanese sources of the bundled TM, in order (ja is each unit's
/// first variant there, and these have no inline markup).
fn bundled_sources() -> Vec<String> {
    let tm = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tm/mic-news-vol28-no5.ja-en.tmx")).unwrap();
    let mut out = Vec::new();
    for tu in tm.split("<tu ").skip(1) {
        let seg = tu.split("<seg>").nth(1).and_then(|s| s.split("</seg>").next()).unwrap();
        out.push(seg.to_string());
    }
    out
}

#[test]
fn the_index_answers_exactly_as_the_exhaustive_scan_on_any_number_of_threads() {
    let (_dir, db) = store();
    let new_text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tm/new-text.ja.txt")).unwrap();
    let mut queries: Vec<String> = bundled_sources().into_iter().take(30).collect();
    queries.extend(new_text.lines().filter(|l| !l.trim().is_empty()).map(str::to_string));
    let input = queries.join("\n");
    let exhaustive = lookup(&db, &["--min", "70", "--exhaustive"], Some(&input));
    assert_eq!(exhaustive.len(), queries.len());
    // However many threads answer, the answers are those of the scan, in
    // input order.
    for jobs in ["1", "3"] {
        let indexed = lookup(&db, &["--min", "70", "--jobs", jobs], Some(&input));
        assert_eq!(indexed, exhaustive, "--jobs {jobs}");
    }
}

#[test]
fn document_order_gives_context_matches_of_101() {
    let (_dir, db) = store();
    let sources = bundled_sources();
    let (prev, middle, next) = (&sources[10], &sources[11], &sources[12]);
    let answers = lookup(
        &db,
        &["--document", "--top", "1", "--jobs", "2"],
        Some(&format!("{prev}\n{middle}\n{next}\n")),
    );
    assert_eq!(answers[1]["matches"][0]["score"], 101.0);
    assert_eq!(answers[1]["matches"][0]["kind"], "context");
    let alone = lookup(&db, &["--top", "1", "--prev", "関係のない前の文。", middle], None);
    assert_eq!(
        alone[0]["matches"][0]["score"], 100.0,
        "a different previous segment is no context match"
    );
}

#[test]
fn term_hits_come_with_approved_renderings_and_their_use_in_each_match() {
    let (_dir, db) = store();
    let glossary = Path::new(env!("CARGO_MANIFEST_DIR")).join("glossaries/mic-ict.tbx");
    Command::cargo_bin("yakugo")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .args(["terms", "import"])
        .arg(glossary)
        .assert()
        .success();
    let answers = lookup(&db, &["--top", "1", "第11回日・ASEAN情報セキュリティ政策会議の結果"], None);
    let terms = answers[0]["terms"].as_array().unwrap();
    assert!(!terms.is_empty(), "{answers:?}");
    let asean = terms
        .iter()
        .find(|t| t["matched"].as_str().unwrap().contains("ASEAN"))
        .expect("an ASEAN term");
    assert!(asean["approved"].as_array().is_some_and(|a| !a.is_empty()));
    let uses = answers[0]["matches"][0]["terms"].as_array().unwrap();
    assert!(uses.iter().any(|u| u["rendering"] == "approved"), "{uses:?}");
}

#[test]
fn deleted_units_leave_lookups_and_reimports_agree_with_the_scan() {
    let (dir, db) = store();
    let yakugo = || {
        let mut cmd = Command::cargo_bin("yakugo").unwrap();
        cmd.arg("--db").arg(&db);
        cmd
    };
    let query = bundled_sources()[5].clone();
    assert_eq!(lookup(&db, &["--top", "1", &query], None)[0]["matches"][0]["score"], 100.0);
    yakugo()
        .args(["delete", "--origin", "mic-news-vol28-no5.ja-en.tmx"])
        .assert()
        .success();
    assert_eq!(lookup(&db, &[&query], None)[0]["matches"], serde_json::json!([]));
    yakugo().args(["delete", "--origin", "1"]).assert().code(2);
    // The ids of the deleted units are free again: the index must not be
    // fooled by its stale entries.
    let other = dir.path().join("other.tsv");
    std::fs::write(
        &other,
        format!("{}\tOne\n総務省は報告書を公表しました。\tMIC published the report.\n", &query),
    )
    .unwrap();
    yakugo()
        .args(["import", "--format", "tsv", "--src", "ja", "--tgt", "en"])
        .arg(&other)
        .assert()
        .success();
    let tm = Path::new(env!("CARGO_MANIFEST_DIR")).join("tm/mic-news-vol28-no5.ja-en.tmx");
    yakugo().arg("import").arg(tm).assert().success();
    let input = bundled_sources().join("\n");
    assert_eq!(
        lookup(&db, &["--min", "70"], Some(&input)),
        lookup(&db, &["--min", "70", "--exhaustive"], Some(&input))
    );
    let best = &lookup(&db, &["--top", "2", &query], None)[0]["matches"];
    assert_eq!(best.as_array().unwrap().len(), 2, "{best}");
}
