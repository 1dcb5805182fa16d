//! `yakugo align`: JSON pairs, segmentation, language detection, TMX/TSV
//! output, import, review list and errors, run as a user would.

mod common;

use common::Store;
use serde_json::Value;
use std::path::PathBuf;

fn fixture(ext: &str) -> PathBuf {
    common::root().join("tests/fixtures/align").join(format!("mic-ict-2.{ext}"))
}

/// The pairs of a `--json` run as (source numbers, target numbers, score).
fn pairs(report: &Value) -> Vec<(Vec<u64>, Vec<u64>, f64)> {
    let numbers = |v: &Value| v.as_array().expect("array").iter().map(|n| n.as_u64().expect("number")).collect();
    report["pairs"]
        .as_array()
        .expect("pairs")
        .iter()
        .map(|p| (numbers(&p["src"]), numbers(&p["tgt"]), p["score"].as_f64().expect("score")))
        .collect()
}

#[test]
fn json_pairs_cover_every_segment_once_and_match_the_gold() {
    let store = Store::new();
    let (ja, en) = (fixture("ja.txt"), fixture("en.txt"));
    // No --src/--tgt: detected.
    let run = store.run([
        "--json".as_ref(),
        "align".as_ref(),
        "--presegmented".as_ref(),
        ja.as_os_str(),
        en.as_os_str(),
    ]);
    run.expect_code(0);
    let report = run.json();
    assert_eq!((report["src_lang"].as_str(), report["tgt_lang"].as_str()), (Some("ja"), Some("en")));
    let pairs = pairs(&report);
    let (mut src, mut tgt): (Vec<u64>, Vec<u64>) = (Vec::new(), Vec::new());
    for (s, t, score) in &pairs {
        assert!(!(s.is_empty() && t.is_empty()));
        assert!((0.0..=1.0).contains(score));
        src.extend(s);
        tgt.extend(t);
    }
    assert_eq!(src, (1..=25).collect::<Vec<u64>>());
    assert_eq!(tgt, (1..=24).collect::<Vec<u64>>());
    // The gold's merges, split and numbering differences.
    for (s, t) in [
        (vec![3], vec![3, 4]),
        (vec![16, 17], vec![16]),
        (vec![18], vec![17, 18]),
        (vec![11], vec![11]),
        (vec![6], vec![7]),
    ] {
        assert!(
            pairs.iter().any(|(ps, pt, _)| *ps == s && *pt == t),
            "{s:?} <-> {t:?} missing in {pairs:?}"
        );
    }
    assert!(pairs.iter().any(|(ps, pt, score)| *ps == vec![9] && pt.is_empty() && *score <= 0.5));
}

#[test]
fn plain_text_is_segmented_and_the_review_list_shows_one_sided_lines() {
    let store = Store::new();
    let (ja, en) = (store.path("a.ja.txt"), store.path("a.en.txt"));
    std::fs::write(
        &ja,
        "総務省は、2023年6月14日、東京でIoTセキュリティ会議を開催しました。会議には約50名が参加しました。\n\n1．議題\n\n問合せ先：国際協力課\n",
    )
    .unwrap();
    std::fs::write(
        &en,
        "MIC held a meeting on IoT security in Tokyo on June 14, 2023. About 50 people attended it.\n\n1. Agenda\n",
    )
    .unwrap();
    let run = store.run(["--json".as_ref(), "align".as_ref(), ja.as_os_str(), en.as_os_str()]);
    run.expect_code(0);
    let got: Vec<(Vec<u64>, Vec<u64>)> = pairs(&run.json()).into_iter().map(|(s, t, _)| (s, t)).collect();
    assert_eq!(
        got,
        vec![(vec![1], vec![1]), (vec![2], vec![2]), (vec![3], vec![3]), (vec![4], vec![])]
    );
    let text = store.run([
        "align".as_ref(),
        ja.as_os_str(),
        en.as_os_str(),
        "--src".as_ref(),
        "ja".as_ref(),
        "--tgt".as_ref(),
        "en".as_ref(),
    ]);
    text.expect_code(0);
    assert!(
        text.stdout.contains("ja 4 | en -") && text.stdout.contains("問合せ先"),
        "{}",
        text.stdout
    );
}

#[test]
fn writes_tmx_and_tsv_with_confidences() {
    let store = Store::new();
    let (ja, en) = (fixture("ja.txt"), fixture("en.txt"));
    let tmx = store.path("out.tmx");
    let tsv = store.path("out.tsv");
    for out in [&tmx, &tsv] {
        store
            .run([
                "align".as_ref(),
                "--presegmented".as_ref(),
                ja.as_os_str(),
                en.as_os_str(),
                "--out".as_ref(),
                out.as_os_str(),
            ])
            .expect_code(0);
    }
    let text = std::fs::read_to_string(&tmx).unwrap();
    let units = common::units(&text);
    // 26 beads, 6 of them one-sided.
    assert_eq!(units.len(), 20);
    assert_eq!(
        units
            .iter()
            .filter(|u| u.inner.contains("<prop type=\"x-align-confidence\">"))
            .count(),
        20
    );
    assert!(text.contains("<prop type=\"x-align-source\">mic-ict-2.ja.txt</prop>"));
    assert_eq!(units[2].segs("en"), ["The meeting has been held every year since 2019 to strengthen cybersecurity measures in the ICT sector of ASEAN countries. This year, about 120 participants from governments and telecommunications carriers of the 10 ASEAN countries attended."]);
    if common::xmllint_available() {
        common::xmllint_dtd_valid(&tmx).unwrap();
    } else {
        println!("{}", common::XMLLINT_SKIPPED);
    }
    let rows: Vec<String> = std::fs::read_to_string(&tsv).unwrap().lines().map(str::to_string).collect();
    assert_eq!(rows[0], "ja\ten\tscore");
    assert_eq!(rows.len(), 21);
    assert!(
        rows.iter()
            .any(|r| r.starts_with("また、日本側からは") && r.contains("。これに対し") && r.contains("\tThe Japanese side")),
        "{rows:?}"
    );
}

#[test]
fn imports_pairs_above_the_minimum_score_as_an_aligned_origin() {
    let store = Store::new();
    let (ja, en) = (fixture("ja.txt"), fixture("en.txt"));
    let args = |min: &str| -> Vec<std::ffi::OsString> {
        vec![
            "--json".into(),
            "align".into(),
            "--presegmented".into(),
            ja.clone().into(),
            en.clone().into(),
            "--import".into(),
            "--min-score".into(),
            min.into(),
        ]
    };
    let run = store.run(args("0.9"));
    run.expect_code(0);
    let report = run.json();
    let strong = pairs(&report)
        .iter()
        .filter(|(s, t, score)| !s.is_empty() && !t.is_empty() && *score >= 0.9)
        .count() as u64;
    assert_eq!(common::int(&report["imported"], "added"), strong);
    assert_eq!(store.units(), strong);
    let stats = store.stats();
    let origin = &stats["origins"][0];
    assert_eq!(origin["format"], "aligned");
    assert_eq!(origin["name"], "mic-ict-2.ja.txt + mic-ict-2.en.txt");
    // Aligning again adds nothing twice.
    let again = store.run(args("0.9")).json();
    assert_eq!(common::int(&again["imported"], "added"), 0);
    assert_eq!(store.units(), strong);
}

#[test]
fn refuses_unknown_outputs_and_undetectable_languages() {
    let store = Store::new();
    let (ja, en) = (fixture("ja.txt"), fixture("en.txt"));
    let bad = store.path("out.xyz");
    let run = store.run(["align".as_ref(), ja.as_os_str(), en.as_os_str(), "--out".as_ref(), bad.as_os_str()]);
    run.expect_code(2);
    assert!(run.stderr.contains(".tmx or .tsv"), "{}", run.stderr);
    let digits = store.path("digits.txt");
    std::fs::write(&digits, "2017\n2018\n").unwrap();
    let run = store.run(["align".as_ref(), digits.as_os_str(), en.as_os_str()]);
    run.expect_code(2);
    assert!(run.stderr.contains("--src LANG"), "{}", run.stderr);
    let run = store.run([
        "align".as_ref(),
        ja.as_os_str(),
        en.as_os_str(),
        "--min-score".as_ref(),
        "2".as_ref(),
    ]);
    run.expect_code(2);
}
