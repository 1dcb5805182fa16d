//! `yakugo check`: no false alarm on correct text, every real problem found.
//!
//! Fixtures (ours) in `tests/fixtures/check/`: `glossary.tsv`; `clean.tmx`,
//! correct translations each exercising one way of being right (inflected
//! forms, admitted variants, acronyms, width variants, numbers written
//! differently, homographs, reordered tags, punctuation-only differences);
//! `problems.tmx`, one real problem per unit, its `tuid` naming the kind.

mod common;

use common::*;
use serde_json::Value;
use std::path::PathBuf;

fn check_fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/check").join(name)
}

/// A store holding the fixture glossary.
fn store_with_glossary() -> Store {
    let store = Store::new();
    store
        .run(["terms", "import", check_fixture("glossary.tsv").to_str().unwrap()])
        .expect_code(0);
    store
}

/// (kind, segment) of each finding.
fn kinds(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| (f["kind"].as_str().unwrap().to_string(), f["segment"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn correct_translations_raise_no_alarm() {
    let store = store_with_glossary();
    let run = store.run(["--json", "check", check_fixture("clean.tmx").to_str().unwrap()]);
    run.expect_code(0);
    let report = run.json();
    assert_eq!(kinds(&report), vec![], "{report:#}");
    assert_eq!(report["segments"], 18);
    assert_eq!(report["src"], "ja");
    assert_eq!(report["tgt"], "en");
    // Against its own TM, too.
    store.import_ok(&[&check_fixture("clean.tmx")]);
    let run = store.run(["--json", "check", "--against-tm", check_fixture("clean.tmx").to_str().unwrap()]);
    run.expect_code(0);
}

#[test]
fn every_real_problem_is_found_once() {
    let store = store_with_glossary();
    let run = store.run(["--json", "check", check_fixture("problems.tmx").to_str().unwrap()]);
    run.expect_code(1);
    let report = run.json();
    let found = kinds(&report);
    let expected: Vec<(&str, &str)> = vec![
        ("term-missing", "term-missing"),
        ("term-forbidden", "term-forbidden"),
        ("term-forbidden", "term-forbidden-anywhere"),
        ("number-mismatch", "number-mismatch"),
        ("untranslated", "untranslated-empty"),
        ("untranslated", "untranslated-copy"),
        ("untranslated", "untranslated-missing"),
        ("language-mismatch", "language-mismatch"),
        ("tag-mismatch", "tag-mismatch"),
        ("inconsistent-target", "inconsistent-target"),
        ("inconsistent-source", "inconsistent-source"),
    ];
    let expected: Vec<(String, String)> = expected.into_iter().map(|(k, s)| (k.to_string(), s.to_string())).collect();
    assert_eq!(found, expected, "{report:#}");
    let findings = report["findings"].as_array().unwrap();
    let by_segment = |id: &str| findings.iter().find(|f| f["segment"] == id).unwrap();
    // The offending spans, with what would be right.
    let missing = by_segment("term-missing");
    assert_eq!(missing["severity"], "warning");
    assert_eq!(missing["spans"][0]["side"], "source");
    assert_eq!(missing["spans"][0]["text"], "総務省");
    assert_eq!(
        missing["expected"],
        serde_json::json!(["Ministry of Internal Affairs and Communications", "MIC"])
    );
    let forbidden = by_segment("term-forbidden");
    assert_eq!(forbidden["severity"], "error");
    assert_eq!(forbidden["spans"][0]["text"], "Ministry of Internal Affairs");
    let numbers = by_segment("number-mismatch");
    let spans: Vec<(&str, &str)> = numbers["spans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["side"].as_str().unwrap(), s["text"].as_str().unwrap()))
        .collect();
    assert_eq!(spans, [("source", "10"), ("target", "11th")]);
    let inconsistent = by_segment("inconsistent-target");
    assert_eq!(inconsistent["related"], serde_json::json!(["reference-target"]));
    assert_eq!(inconsistent["expected"], serde_json::json!(["Policy overview"]));
    // Byte offsets point into the finding's own texts.
    for f in findings {
        for s in f["spans"].as_array().into_iter().flatten() {
            let text = f[s["side"].as_str().unwrap()].as_str().unwrap();
            let (a, b) = (s["start"].as_u64().unwrap() as usize, s["end"].as_u64().unwrap() as usize);
            assert_eq!(&text[a..b], s["text"].as_str().unwrap(), "{f}");
        }
    }
}

#[test]
fn human_report_is_grouped_by_kind_with_spans_marked() {
    let store = store_with_glossary();
    let run = store.run(["check", check_fixture("problems.tmx").to_str().unwrap()]);
    run.expect_code(1);
    let out = &run.stdout;
    let heading = |kind: &str| {
        out.lines()
            .position(|l| l.starts_with(kind))
            .unwrap_or_else(|| panic!("{kind} in\n{out}"))
    };
    assert!(heading("term-missing (1)") < heading("term-forbidden (2)"));
    assert!(heading("term-forbidden (2)") < heading("untranslated (3)"));
    assert!(out.contains("  segment number-mismatch [error]: "), "{out}");
    assert!(out.contains("    source: 第[[10]]回会議"), "{out}");
    assert!(out.contains("    target: The [[11th]] meeting"), "{out}");
    assert!(out.contains("11 finding(s)"), "{out}");
    assert!(!out.contains('\x1b'), "no colour when not a terminal");
}

#[test]
fn ignore_and_severity_filter() {
    let store = store_with_glossary();
    let file = check_fixture("problems.tmx");
    let file = file.to_str().unwrap();
    let run = store.run([
        "--json",
        "check",
        "--ignore",
        "untranslated",
        "--ignore",
        "inconsistent-source",
        file,
    ]);
    let found = kinds(&run.json());
    assert!(!found.iter().any(|(k, _)| k == "untranslated" || k == "inconsistent-source"));
    assert_eq!(found.len(), 7);
    // Only errors; term-missing raised to error.
    let run = store.run(["--json", "check", "--severity", "error", "--severity", "term-missing=error", file]);
    let report = run.json();
    let found = kinds(&report);
    assert!(found.contains(&("term-missing".into(), "term-missing".into())));
    assert!(!found.iter().any(|(k, _)| k == "inconsistent-target" || k == "language-mismatch"));
    assert!(report["findings"].as_array().unwrap().iter().all(|f| f["severity"] == "error"));
    // Nothing left: exit 0.
    let all: Vec<&str> = [
        "term-missing",
        "term-forbidden",
        "inconsistent-target",
        "inconsistent-source",
        "number-mismatch",
        "untranslated",
        "language-mismatch",
        "tag-mismatch",
    ]
    .iter()
    .flat_map(|k| ["--ignore", k])
    .collect();
    let mut args = vec!["check"];
    args.extend(all);
    args.push(file);
    store.run(args).expect_code(0);
    // Bad values are usage errors.
    store.run(["check", "--severity", "loud", file]).expect_code(2);
    store.run(["check", "--severity", "nope=error", file]).expect_code(2);
    store.run(["check", "--ignore", "nope", file]).expect_code(2);
}

#[test]
fn tsv_input_needs_languages_and_keeps_empty_targets() {
    let store = store_with_glossary();
    let tsv = store.path("job.tsv");
    std::fs::write(
        &tsv,
        "総務省が発表した。\tMIC announced it.\n第3回会議\tThe 4th meeting\n会議の結果\t\n",
    )
    .unwrap();
    let tsv = tsv.to_str().unwrap();
    let run = store.run(["check", tsv]);
    run.expect_code(2);
    assert!(run.stderr.contains("--src"), "{}", run.stderr);
    let run = store.run(["--json", "check", "--src", "ja", "--tgt", "en", tsv]);
    run.expect_code(1);
    assert_eq!(
        kinds(&run.json()),
        vec![
            ("number-mismatch".to_string(), "2".to_string()),
            ("untranslated".to_string(), "3".to_string())
        ]
    );
}

#[test]
fn unreadable_input_is_an_error() {
    let store = store_with_glossary();
    let missing = store.path("missing.tmx");
    store.run(["check", missing.to_str().unwrap()]).expect_code(2);
    let broken = store.path("broken.tmx");
    std::fs::write(&broken, "<tmx version=\"1.4\"><body><tu>").unwrap();
    let run = store.run(["check", broken.to_str().unwrap()]);
    run.expect_code(2);
    assert!(run.stderr.contains("broken.tmx:"), "{}", run.stderr);
    let odd = store.path("job.docx");
    std::fs::write(&odd, "x").unwrap();
    store.run(["check", odd.to_str().unwrap()]).expect_code(2);
}

#[test]
fn against_tm_reports_other_translations_in_the_store() {
    let store = store_with_glossary();
    let tm = store.path("tm.tmx");
    std::fs::write(
        &tm,
        tmx_doc(
            r#"<tu><tuv xml:lang="ja"><seg>会議の結果</seg></tuv><tuv xml:lang="en"><seg>Outcome of the meeting</seg></tuv></tu>
<tu><tuv xml:lang="ja"><seg>サーバーを交換した。</seg></tuv><tuv xml:lang="en"><seg>The servers were updated.</seg></tuv></tu>"#,
        ),
    )
    .unwrap();
    store.import_ok(&[&tm]);
    let clean = check_fixture("clean.tmx");
    let clean = clean.to_str().unwrap();
    // Without --against-tm the file agrees with itself.
    store.run(["check", clean]).expect_code(0);
    let run = store.run(["--json", "check", "--against-tm", clean]);
    run.expect_code(1);
    let report = run.json();
    assert_eq!(
        kinds(&report),
        vec![
            ("inconsistent-source".to_string(), "inflection".to_string()),
            ("inconsistent-target".to_string(), "tags".to_string()),
            ("inconsistent-target".to_string(), "same-1".to_string()),
            ("inconsistent-target".to_string(), "same-2".to_string()),
        ],
        "{report:#}"
    );
    let f = &report["findings"][2];
    assert_eq!(f["expected"], serde_json::json!(["Outcome of the meeting"]));
    assert!(f["related"][0].as_str().unwrap().starts_with("tm:"));
}

/// The bundled TM checked against the bundled glossary: no findings (each
/// one it gave was investigated, see the report of this branch), also
/// against itself as a TM.
#[test]
fn bundled_tm_against_bundled_glossary_is_clean() {
    let store = Store::new();
    store
        .run(["terms", "import", root().join("glossaries/mic-ict.tbx").to_str().unwrap()])
        .expect_code(0);
    let tm = bundled_tm();
    let run = store.run(["--json", "check", tm.to_str().unwrap()]);
    run.expect_code(0);
    assert_eq!(run.json()["segments"], 96);
    store.import_ok(&[&tm]);
    store.run(["check", "--against-tm", tm.to_str().unwrap()]).expect_code(0);
}
