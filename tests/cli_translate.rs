//! `yakugo translate` and `yakugo analyze` on the bundled new texts against
//! the bundled TM and glossary: unchanged sentences come back at 100 with
//! their target, sentences that differ only in numbers come back adapted,
//! glossary terms are listed; the XLIFF 2.1 output is well-formed with the
//! expected structure (and valid against the OASIS schemas when
//! `../shared/corpus/schemas/xliff21` and `xmllint` are there), XLIFF 1.2
//! is read by translate-toolkit (when installed), XLIFF input works, and
//! analysis agrees with translation.

mod common;

use common::Store;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use yakugo::xliff::reader::XliffDoc;

/// A store with the bundled TM and glossary.
fn bundled_store() -> Store {
    let store = Store::new();
    store.import_ok(&[&common::bundled_tm()]);
    store
        .run(["terms", "import", common::root().join("glossaries/mic-ict.tbx").to_str().unwrap()])
        .expect_code(0);
    store
}

fn new_text(lang: &str) -> PathBuf {
    common::root().join(format!("tm/new-text.{lang}.txt"))
}

fn translate_json(store: &Store, file: &Path, src: &str, tgt: &str) -> Value {
    let run = store.run(["--json", "translate", file.to_str().unwrap(), "--src", src, "--tgt", tgt]);
    run.expect_code(0);
    run.json()
}

fn segments(doc: &Value) -> Vec<&Value> {
    doc["units"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|u| u["segments"].as_array().unwrap())
        .collect()
}

fn segment_with<'a>(doc: &'a Value, source_start: &str) -> &'a Value {
    segments(doc)
        .into_iter()
        .find(|s| s["source"].as_str().unwrap().starts_with(source_start))
        .unwrap_or_else(|| panic!("no segment starting with {source_start}"))
}

#[test]
fn japanese_new_text_exact_adapted_and_terms() {
    let store = bundled_store();
    let doc = translate_json(&store, &new_text("ja"), "ja", "en");
    let all = segments(&doc);
    assert_eq!(all.len(), 16);
    let numbers: Vec<u64> = all.iter().map(|s| s["number"].as_u64().unwrap()).collect();
    assert_eq!(numbers, (1..=16).collect::<Vec<_>>());
    // The README of tm/ promises 5 unchanged sentences.
    let exact: Vec<&&Value> = all.iter().filter(|s| s["band"] == "exact").collect();
    assert_eq!(exact.len(), 5, "{exact:#?}");
    let unchanged = segment_with(&doc, "政策会議は、サイバーセキュリティ分野");
    assert_eq!(unchanged["matches"][0]["score"], 100.0);
    assert_eq!(
        unchanged["target"],
        "The Policy Meeting has been held approximately once a year since 2009 with the aim of strengthening the international cooperation and efforts of Japan and ASEAN countries in the cybersecurity field."
    );
    // Only the number differs: the target comes back adapted, not confirmed.
    let numbers_only = segment_with(&doc, "第12回政策会議は");
    assert_eq!(numbers_only["band"], "fuzzy85");
    assert!(numbers_only.get("target").is_none());
    assert_eq!(
        numbers_only["matches"][0]["adapted_target"],
        "The 12th Policy Meeting will be held in autumn next year."
    );
    // Terms with their approved English renderings.
    let hosted = segment_with(&doc, "主催：");
    let mic = hosted["terms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["matched"] == "総務省")
        .expect("総務省 is a glossary term");
    let approved: Vec<&str> = mic["approved"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert!(
        approved.contains(&"Ministry of Internal Affairs and Communications"),
        "{approved:?}"
    );
    assert!(
        approved.iter().all(|a| a.is_ascii()),
        "only target-language renderings: {approved:?}"
    );
}

#[test]
fn english_new_text_the_other_way() {
    let store = bundled_store();
    let doc = translate_json(&store, &new_text("en"), "en", "ja");
    let all = segments(&doc);
    assert_eq!(all.len(), 16);
    assert_eq!(all.iter().filter(|s| s["band"] == "exact").count(), 5);
    let adapted = segment_with(&doc, "The 12th Policy Meeting");
    assert_eq!(
        adapted["matches"][0]["adapted_target"],
        "第12回政策会議は、来年秋に開催される予定です。"
    );
}

#[test]
fn terminal_report_shows_bands_diffs_and_terms() {
    let store = bundled_store();
    let run = store.run(["translate", new_text("ja").to_str().unwrap(), "--src", "ja", "--tgt", "en"]);
    run.expect_code(0);
    let out = &run.stdout;
    assert!(out.contains("[16] line 23 · 85% - 94% 94.99%"), "{out}");
    assert!(out.contains("第[-11-]{+12+}回政策会議は"), "{out}");
    assert!(
        out.contains("target: The 12th Policy Meeting will be held in autumn next year.  (numbers adapted"),
        "{out}"
    );
    assert!(out.contains("term:   総務省 → "), "{out}");
    assert!(out.contains("100%                           5"), "{out}");
}

fn xmllint() -> bool {
    Command::new("xmllint").arg("--version").output().is_ok_and(|o| o.status.success())
}

/// A schema importing the OASIS XLIFF 2 core and the two modules we use, so
/// that `xmllint` checks the module elements too (the core schema alone
/// accepts them laxly).
fn xliff21_schema(dir: &Path) -> Option<PathBuf> {
    let schemas = common::root().join("../shared/corpus/schemas/xliff21");
    if !schemas.join("xliff_core_2.0.xsd").exists() {
        return None;
    }
    let schemas = schemas.canonicalize().unwrap();
    let import = |ns: &str, file: &str| format!(r#"<xs:import namespace="{ns}" schemaLocation="{}"/>"#, schemas.join(file).display());
    let wrapper = format!(
        r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:yakugo:test" elementFormDefault="qualified">{}{}{}</xs:schema>"#,
        import("urn:oasis:names:tc:xliff:document:2.0", "xliff_core_2.0.xsd"),
        import("urn:oasis:names:tc:xliff:matches:2.0", "matches.xsd"),
        import("urn:oasis:names:tc:xliff:glossary:2.0", "glossary.xsd"),
    );
    let path = dir.join("xliff21-with-modules.xsd");
    std::fs::write(&path, wrapper).unwrap();
    Some(path)
}

#[test]
fn xliff21_output_is_valid_and_structured() {
    let store = bundled_store();
    let out = store.path("new-text.xlf");
    let run = store.run([
        "translate",
        new_text("ja").to_str().unwrap(),
        "--src",
        "ja",
        "--tgt",
        "en",
        "--out",
        out.to_str().unwrap(),
    ]);
    run.expect_code(0);
    assert!(run.stdout.contains("wrote "), "{}", run.stdout);
    let xml = std::fs::read_to_string(&out).unwrap();
    // Structure, always checked.
    assert!(xml.contains(r#"version="2.1" srcLang="ja" trgLang="en""#));
    assert!(xml.contains(r#"xmlns:mtc="urn:oasis:names:tc:xliff:matches:2.0""#));
    assert!(xml.contains(r##"<mtc:match ref="#s16" matchQuality="94.99" type="tm" origin=""##));
    assert!(xml.contains("<target>The 12th Policy Meeting will be held in autumn next year.</target>"));
    assert!(xml.contains("<gls:term source=\"glossary\">総務省</gls:term>"));
    assert_eq!(xml.matches("state=\"translated\"").count(), 5);
    let doc = XliffDoc::open(&out).expect("well-formed XLIFF that yakugo reads back");
    assert_eq!(doc.segments.len(), 16);
    assert_eq!(doc.segments.iter().filter(|s| s.target_plain.is_some()).count(), 5);
    let s3 = doc.segments.iter().find(|s| s.id == "s3").unwrap();
    assert!(s3.target_plain.as_deref().unwrap().starts_with("The Policy Meeting has been held"));
    if !xmllint() {
        eprintln!("skipped: XLIFF 2.1 schema validation (xmllint not installed: apt-get install libxml2-utils)");
        return;
    }
    let wf = Command::new("xmllint").arg("--noout").arg(&out).output().unwrap();
    assert!(wf.status.success(), "{}", String::from_utf8_lossy(&wf.stderr));
    let Some(schema) = xliff21_schema(store.dir.path()) else {
        eprintln!("skipped: XLIFF 2.1 schema validation (../shared/corpus/schemas/xliff21 is absent)");
        return;
    };
    let valid = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(&out)
        .output()
        .unwrap();
    assert!(valid.status.success(), "{}", String::from_utf8_lossy(&valid.stderr));
}

#[test]
fn xliff12_output_reads_in_translate_toolkit() {
    let store = bundled_store();
    let out = store.path("new-text-1.2.xlf");
    store
        .run([
            "translate",
            new_text("ja").to_str().unwrap(),
            "--src",
            "ja",
            "--tgt",
            "en",
            "--out",
            out.to_str().unwrap(),
            "--xliff-version",
            "1.2",
        ])
        .expect_code(0);
    let xml = std::fs::read_to_string(&out).unwrap();
    assert!(xml.contains(r#"<alt-trans match-quality="94.99" origin=""#));
    assert_eq!(XliffDoc::open(&out).unwrap().segments.len(), 16);
    let script = r#"
import json, sys
from translate.storage import xliff
store = xliff.xlifffile.parsefile(sys.argv[1])
units = [u for u in store.units if not u.isheader()]
print(json.dumps([{"source": u.source, "target": u.target, "alt": [[a.source, a.target] for a in u.getalttrans()]} for u in units]))
"#;
    let has_toolkit = Command::new("python3")
        .args(["-c", "import translate.storage.xliff"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_toolkit {
        eprintln!("skipped: XLIFF 1.2 interop (needs Python 3 and translate-toolkit: pip install translate-toolkit)");
        return;
    }
    let run = Command::new("python3").args(["-c", script]).arg(&out).output().unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let units: Value = serde_json::from_slice(&run.stdout).unwrap();
    let units = units.as_array().unwrap();
    assert_eq!(units.len(), 16);
    assert_eq!(units[2]["source"], "政策会議は、サイバーセキュリティ分野における日本とASEAN各国の国際連携及び取組の強化を目的として、2009年以降、概ね年1回開催されています。");
    assert!(units[2]["target"].as_str().unwrap().starts_with("The Policy Meeting has been held"));
    assert_eq!(units[15]["target"], Value::Null);
    assert_eq!(units[15]["alt"][0][1], "The 12th Policy Meeting will be held in autumn next year.");
}

#[test]
fn xliff_input_with_empty_targets() {
    let store = bundled_store();
    for (file, ids) in [
        ("empty-targets-2.1.xlf", vec!["t1", "b1", "b2"]),
        ("empty-targets-1.2.xlf", vec!["1", "2"]),
    ] {
        let input = common::root().join("tests/fixtures/xliff").join(file);
        let out = store.path(&format!("out-{file}"));
        let run = store.run([
            "translate",
            input.to_str().unwrap(),
            "--src",
            "ja",
            "--tgt",
            "en",
            "--out",
            out.to_str().unwrap(),
        ]);
        run.expect_code(0);
        let doc = XliffDoc::open(&out).unwrap();
        let got: Vec<&str> = doc.segments.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(got, ids, "{file}: segment ids are kept");
        assert!(doc.segments[0].target_plain.is_some(), "{file}: the heading is an exact match");
        assert_eq!(
            doc.original.as_deref(),
            Some(if file.contains("2.1") { "job.docx" } else { "job.txt" })
        );
    }
}

#[test]
fn tmx_json_and_html_outputs() {
    let store = bundled_store();
    let text = new_text("ja");
    for ext in ["tmx", "json", "html"] {
        let out = store.path(&format!("out.{ext}"));
        store
            .run([
                "translate",
                text.to_str().unwrap(),
                "--src",
                "ja",
                "--tgt",
                "en",
                "--out",
                out.to_str().unwrap(),
            ])
            .expect_code(0);
        let body = std::fs::read_to_string(&out).unwrap();
        match ext {
            // 5 confirmed and 4 number-adapted pairs, importable again.
            "tmx" => {
                assert_eq!(body.matches("<tu srclang").count(), 9, "{body}");
                let fresh = Store::new();
                let report = fresh.import_ok(&[&out]);
                assert_eq!(common::file_report(&report)["added"], 9);
            }
            "json" => {
                let v: Value = serde_json::from_str(&body).unwrap();
                assert_eq!(segments(&v).len(), 16);
            }
            _ => {
                assert!(body.starts_with("<!DOCTYPE html>"));
                assert!(body.contains("<mark class=\"term\""));
                assert!(body.contains("<del>11</del><ins>12</ins>"), "diffs highlighted");
                assert!(!body.contains("<script") && !body.contains("http://") && !body.contains("https://"));
            }
        }
    }
    let bad = store.run(["translate", text.to_str().unwrap(), "--src", "ja", "--tgt", "en", "--out", "x.docx"]);
    bad.expect_code(2);
    assert!(bad.stderr.contains(".xlf, .xliff, .tmx, .json or .html"), "{}", bad.stderr);
}

#[test]
fn analyze_agrees_with_translate() {
    let store = bundled_store();
    let run = store.run(["--json", "analyze", new_text("ja").to_str().unwrap(), "--src", "ja", "--tgt", "en"]);
    run.expect_code(0);
    let a = run.json();
    assert_eq!(a["unit"], "characters");
    assert_eq!(a["total_segments"], 16);
    let rows = a["rows"].as_array().unwrap();
    let labels: Vec<&str> = rows.iter().map(|r| r["label"].as_str().unwrap()).collect();
    assert_eq!(
        labels,
        [
            "Context match (101%)",
            "Repetitions",
            "100%",
            "95% - 99%",
            "85% - 94%",
            "75% - 84%",
            "50% - 74%",
            "No match"
        ]
    );
    let doc = translate_json(&store, &new_text("ja"), "ja", "en");
    for row in rows {
        let in_translation = segments(&doc).iter().filter(|s| s["band"] == row["band"]).count();
        assert_eq!(row["segments"], in_translation as u64, "{row}");
    }
    let words: u64 = rows.iter().map(|r| r["words"].as_u64().unwrap()).sum();
    assert_eq!(a["total_words"], words);
    let human = store.run(["analyze", new_text("en").to_str().unwrap(), "--src", "en", "--tgt", "ja"]);
    human.expect_code(0);
    assert!(human.stdout.contains("Words"), "{}", human.stdout);
}

#[test]
fn repetitions_and_context_matches() {
    let store = bundled_store();
    // Three TM sentences in their TM order (so the middle one is in
    // context), then the middle one again (a repetition).
    let doc_path = store.path("rep.txt");
    let tm_order = "日時等：10月10日（火）及び11日（水）、グランド・コプソーン・ウォーターフロント・ホテル（シンガポール）にて\n主催：内閣サイバーセキュリティセンター（NISC）、総務省（MIC）及び経済産業省（METI）\n共同議長：日本（林 良造 明治大学国際総合研究所長）及びシンガポール（ン・フー・ミン シンガポール・サイバーセキュリティ庁副長官（オペレーション担当））\n\n主催：内閣サイバーセキュリティセンター（NISC）、総務省（MIC）及び経済産業省（METI）\n";
    std::fs::write(&doc_path, tm_order).unwrap();
    let doc = translate_json(&store, &doc_path, "ja", "en");
    let bands: Vec<&str> = segments(&doc).iter().map(|s| s["band"].as_str().unwrap()).collect();
    assert_eq!(bands[1..], ["context", "exact", "repetition"]);
    let rep = segments(&doc)[3];
    assert_eq!(rep["repetition_of"], 2);
    assert!(rep["target"].as_str().unwrap().starts_with("Hosted by:"));
}

#[test]
fn markdown_and_srx_options() {
    let store = bundled_store();
    let md = store.path("notes.md");
    std::fs::write(&md, "# 3．今後の予定\n\n- 第12回政策会議は、来年秋に開催される予定です。\n").unwrap();
    let doc = translate_json(&store, &md, "ja", "en");
    let sources: Vec<&str> = segments(&doc).iter().map(|s| s["source"].as_str().unwrap()).collect();
    assert_eq!(sources, ["3．今後の予定", "第12回政策会議は、来年秋に開催される予定です。"]);
    let bad = store.path("bad.srx");
    std::fs::write(&bad, "<srx version=\"2.0\"><header/><body><languagerules><languagerule languagerulename=\"x\">\n<rule><beforebreak>(?&lt;=a)</beforebreak></rule></languagerule></languagerules><maprules/></body></srx>").unwrap();
    let run = store.run([
        "translate",
        md.to_str().unwrap(),
        "--src",
        "ja",
        "--tgt",
        "en",
        "--srx",
        bad.to_str().unwrap(),
    ]);
    run.expect_code(2);
    assert!(run.stderr.contains("bad.srx:2:7:"), "{}", run.stderr);
}
