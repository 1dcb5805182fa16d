//! `yakugo import` through the command line, on the fixtures in
//! `tests/fixtures/tmx/` and on TSV/CSV files written here.
//!
//! Pins: every valid fixture imports (exit 0) with the right counts;
//! duplicates merge (earliest creation, latest change and use, largest usage
//! count); every encoding gives the same stored text; language tags are
//! canonicalised; multilingual units keep all variants; inline markup, CDATA,
//! entities and whitespace survive verbatim; rule-breaking TMX imports with
//! warnings that name the rule and the unit; language mismatches are listed
//! but kept; TSV/CSV header detection, CRLF and BOM; the `--json` shapes;
//! `--help` and usage errors; re-importing adds nothing; `--src en` selects
//! `en-US`/`en-GB` variants.

mod common;

use common::*;
use serde_json::Value;
use std::ffi::OsStr;
use std::path::Path;

/// (fixture, units read, units stored in a fresh store)
const EXPECTED_COUNTS: &[(&str, u64, u64)] = &[
    ("cdata_entities.tmx", 3, 3),
    ("doctype_external_ok.tmx", 1, 1),
    ("duplicates.tmx", 4, 2),
    ("empty_body.tmx", 0, 0),
    ("inline_all.tmx", 8, 8),
    ("latin1_decl.tmx", 3, 3),
    ("srclang_all.tmx", 3, 3),
    ("three_langs.tmx", 3, 3),
    ("tmx11_lang_attr.tmx", 2, 2),
    ("utf16be_bom.tmx", 2, 2),
    ("utf16le_bom.tmx", 2, 2),
    ("utf16le_nobom.tmx", 2, 2),
    ("utf8_basic_14.tmx", 3, 3),
    ("utf8_bom.tmx", 2, 2),
    ("with_context_props.tmx", 3, 3),
    ("xml_space.tmx", 3, 3),
];

#[test]
fn every_valid_fixture_imports_with_the_expected_counts() {
    for path in valid_fixtures() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let store = Store::new();
        let report = store.import_ok(&[&path]);
        let file = file_report(&report);
        assert_eq!(file["status"], "imported", "{name}: {file}");
        assert_eq!(file["format"], "tmx", "{name}");
        assert!(file.get("error").is_none(), "{name}: an imported file has no error: {file}");
        let (read, added, updated, skipped) = (int(file, "read"), int(file, "added"), int(file, "updated"), int(file, "skipped"));
        assert_eq!(
            added + updated + skipped,
            read,
            "{name}: every unit read is added, merged or skipped: {file}"
        );
        let stored = store.units();
        assert_eq!(stored, added, "{name}: a fresh store holds exactly the added units");
        if name == "quirks_warnings.tmx" {
            // Policy for the broken units is pinned in `quirks_warnings_*`.
            assert_eq!(read, 7, "{name}");
            continue;
        }
        let &(_, want_read, want_units) = EXPECTED_COUNTS
            .iter()
            .find(|(n, _, _)| *n == name)
            .unwrap_or_else(|| panic!("{name}: new fixture; add it to EXPECTED_COUNTS"));
        assert_eq!(read, want_read, "{name}: units read");
        assert_eq!(stored, want_units, "{name}: units stored");
        // The export holds the same number of units.
        assert_eq!(units(&store.export(&[])).len() as u64, want_units, "{name}: units exported");
    }
}

#[test]
fn bundled_tm_imports_96_units_as_94() {
    let store = Store::new();
    let report = store.import_ok(&[&bundled_tm()]);
    let file = file_report(&report);
    assert_eq!(int(file, "read"), 96);
    assert_eq!(int(file, "added"), 94);
    assert_eq!(int(file, "skipped"), 2);
    assert_eq!(file["skipped_reasons"]["duplicate"], 2);
    assert_eq!(store.units(), 94);
}

#[test]
fn duplicates_merge_into_one_unit_with_merged_dates() {
    let store = Store::new();
    let report = store.import_ok(&[&fixture("duplicates.tmx")]);
    let file = file_report(&report);
    assert_eq!(int(file, "read"), 4);
    assert_eq!(int(file, "added"), 2);
    assert_eq!(
        int(file, "updated") + int(file, "skipped"),
        2,
        "the two repeats are merged or skipped: {file}"
    );
    let stats = store.stats();
    assert_eq!(int(&stats, "units"), 2);
    assert_eq!(int(&stats, "variants"), 4);

    let exported = units(&store.export(&[]));
    assert_eq!(exported.len(), 2);
    let dup: Vec<&ExUnit> = exported
        .iter()
        .filter(|u| u.segs("en") == ["The ministry held a meeting."])
        .collect();
    assert_eq!(dup.len(), 1, "the three copies are one unit");
    let dup = dup[0];
    assert_eq!(dup.segs("ja"), ["総務省は会議を開催しました。"]);
    assert_eq!(
        dup.attr("creationdate").as_deref(),
        Some("20220615T080000Z"),
        "earliest creation (dup-c)"
    );
    assert_eq!(dup.attr("changedate").as_deref(), Some("20240315T120000Z"), "latest change (dup-b)");
    assert_eq!(dup.attr("usagecount").as_deref(), Some("7"), "largest usage count");
    assert_eq!(dup.attr("lastusagedate").as_deref(), Some("20240320T120000Z"), "latest use (dup-b)");
    let distinct = by_tuid(&exported, "distinct");
    assert_eq!(distinct.attr("creationdate").as_deref(), Some("20240101T000000Z"));
    assert_eq!(distinct.attr("usagecount"), None);
}

#[test]
fn utf8_basic_keeps_admin_attributes_props_and_notes() {
    let store = Store::new();
    store.import_ok(&[&fixture("utf8_basic_14.tmx")]);
    let exported = units(&store.export(&[]));
    assert_eq!(exported.len(), 3);
    let first = by_tuid(&exported, "tu-0001");
    for (name, value) in [
        ("creationdate", "20240401T090000Z"),
        ("creationid", "alice"),
        ("changedate", "20240405T120000Z"),
        ("changeid", "bob"),
        ("usagecount", "3"),
        ("lastusagedate", "20240410T083000Z"),
        ("srclang", "ja"),
    ] {
        assert_eq!(first.attr(name).as_deref(), Some(value), "tu-0001 {name}");
    }
    assert!(
        first.inner.contains("<prop type=\"x-project\">press-2024</prop>"),
        "{}",
        first.inner
    );
    assert!(
        first.inner.contains("<note>Press release, first sentence.</note>"),
        "{}",
        first.inner
    );
    assert!(first.inner.contains("<prop type=\"x-origin\">human</prop>"), "{}", first.inner);
    assert!(first.inner.contains("<note>Reviewed translation.</note>"), "{}", first.inner);
    assert_eq!(by_tuid(&exported, "tu-0002").attr("usagecount").as_deref(), Some("1"));
    let third = by_tuid(&exported, "tu-0003");
    assert_eq!(third.attr("usagecount").as_deref(), Some("0"));
    assert_eq!(third.attr("lastusagedate"), None, "tu-0003 has no lastusagedate");
}

#[test]
fn every_encoding_gives_the_same_stored_text() {
    let names = ["utf8_bom.tmx", "utf16le_bom.tmx", "utf16be_bom.tmx", "utf16le_nobom.tmx"];
    let mut reference: Option<Vec<(String, String)>> = None;
    for name in names {
        let store = Store::new();
        store.import_ok(&[&fixture(name)]);
        let segs: Vec<(String, String)> = units(&store.export(&[]))
            .into_iter()
            .flat_map(|u| u.variants.into_iter().map(|v| (v.lang, v.seg)))
            .collect();
        assert_eq!(segs.len(), 4, "{name}: 2 units of 2 variants");
        for (_, seg) in &segs {
            assert!(!seg.contains('\u{feff}'), "{name}: the BOM leaked into the text: {seg:?}");
            assert!(!seg.contains('\u{fffd}'), "{name}: replacement character: {seg:?}");
            assert!(!seg.contains('\0'), "{name}: NUL byte: {seg:?}");
        }
        assert!(
            segs.contains(&("ja".into(), "総務省は会議を開催しました。".into())),
            "{name}: {segs:?}"
        );
        assert!(
            segs.contains(&("en".into(), "Data is stored encrypted.".into())),
            "{name}: {segs:?}"
        );
        match &reference {
            None => reference = Some(segs),
            Some(r) => assert_eq!(&segs, r, "{name} differs from {}", names[0]),
        }
    }
}

#[test]
fn latin1_is_decoded() {
    let store = Store::new();
    store.import_ok(&[&fixture("latin1_decl.tmx")]);
    let exported = units(&store.export(&[]));
    let de: Vec<&str> = exported.iter().flat_map(|u| u.segs("de")).collect();
    assert_eq!(
        de,
        [
            "Die Behörde veröffentlichte den Bericht.",
            "Der Netzzugang muss gesichert werden, dafür gilt die Maßnahme.",
            "Das Café im Ministerium ist sonntags geschlossen. Übersicht folgt.",
        ]
    );
    let en: Vec<&str> = exported.iter().flat_map(|u| u.segs("en")).collect();
    assert_eq!(en[2], "The café in the ministry is closed on Sundays.");
    for seg in de.iter().chain(&en) {
        assert!(!seg.contains('Ã') && !seg.contains('\u{fffd}'), "mojibake: {seg}");
    }
}

fn languages(stats: &Value) -> Vec<String> {
    stats["languages"].as_object().expect("languages object").keys().cloned().collect()
}

#[test]
fn tmx11_lang_attribute_tags_are_canonicalised() {
    let store = Store::new();
    store.import_ok(&[&fixture("tmx11_lang_attr.tmx")]);
    assert_eq!(languages(&store.stats()), ["en-US", "ja"]);
    let export = store.export(&[]);
    let exported = units(&export);
    assert_eq!(exported.len(), 2);
    for u in &exported {
        let langs: Vec<&str> = u.variants.iter().map(|v| v.lang.as_str()).collect();
        assert_eq!(langs, ["en-US", "ja"]);
    }
    assert_eq!(by_tuid(&exported, "2").segs("ja"), ["システムは来週更新されます。"]);
    // A single-origin export gives the header's srclang back, canonical.
    let header = &export[export.find("<header").unwrap()..];
    assert_eq!(attr(&header[..header.find('>').unwrap()], "srclang").as_deref(), Some("en-US"));
}

#[test]
fn srclang_all_and_odd_tags_are_canonicalised() {
    let store = Store::new();
    let report = store.import_ok(&[&fixture("srclang_all.tmx")]);
    assert_eq!(file_report(&report)["status"], "imported");
    assert_eq!(languages(&store.stats()), ["de-DE", "en-US", "ja"]);
    let export = store.export(&[]);
    let header = &export[export.find("<header").unwrap()..];
    assert_eq!(attr(&header[..header.find('>').unwrap()], "srclang").as_deref(), Some("*all*"));
    let exported = units(&export);
    let langs = |tuid: &str| by_tuid(&exported, tuid).variants.iter().map(|v| v.lang.clone()).collect::<Vec<_>>();
    assert_eq!(langs("1"), ["en-US", "ja"], "EN-us → en-US, JA → ja");
    assert_eq!(langs("2"), ["en-US", "de-DE"], "en_US → en-US, de_de → de-DE");
    assert_eq!(langs("3"), ["ja", "de-DE", "en-US"]);
}

#[test]
fn three_langs_keeps_every_variant() {
    let store = Store::new();
    store.import_ok(&[&fixture("three_langs.tmx")]);
    let stats = store.stats();
    assert_eq!(int(&stats, "units"), 3);
    assert_eq!(int(&stats, "variants"), 11, "4 + 4 + 3 variants");
    let exported = units(&store.export(&[]));
    for tuid in ["1", "2"] {
        let u = by_tuid(&exported, tuid);
        let langs: Vec<&str> = u.variants.iter().map(|v| v.lang.as_str()).collect();
        assert_eq!(langs, ["ja", "en-GB", "en-US", "de"], "tu {tuid}");
    }
    let u2 = by_tuid(&exported, "2");
    assert_eq!(u2.segs("en-GB"), ["We analysed user behaviour."]);
    assert_eq!(u2.segs("en-US"), ["We analyzed user behavior."]);
    let u3 = by_tuid(&exported, "3");
    assert_eq!(
        u3.segs("en-US"),
        ["The program will start.", "The program starts."],
        "both en-US alternatives kept"
    );
}

#[test]
fn three_langs_warns_about_the_duplicate_variant_language() {
    let store = Store::new();
    let report = store.import_ok(&[&fixture("three_langs.tmx")]);
    let warnings = file_report(&report)["warnings"].as_array().unwrap().clone();
    let w = warnings
        .iter()
        .find(|w| w["unit"] == 3 && w["tuid"] == "3" && w["message"].as_str().unwrap_or("").contains("en-US"))
        .unwrap_or_else(|| panic!("no warning names unit 3 and en-US: {warnings:?}"));
    // TU 3 spans lines 18-22.
    let line = int(w, "line");
    assert!((18..=22).contains(&line), "line {line}: {w}");
    assert_eq!(
        warnings.len(),
        1,
        "units 1 and 2 (one variant per language) give no warning: {warnings:?}"
    );
}

#[test]
fn inline_elements_are_kept_verbatim() {
    let source = std::fs::read_to_string(fixture("inline_all.tmx")).unwrap();
    let store = Store::new();
    store.import_ok(&[&fixture("inline_all.tmx")]);
    let exported: Vec<String> = units(&store.export(&[]))
        .into_iter()
        .flat_map(|u| u.variants.into_iter().map(|v| v.seg))
        .collect();
    assert_eq!(exported, source_segs(&source), "every <seg> comes back character for character");
    // Inline codes are codes, not escaped text.
    assert!(exported[0].contains("<bpt i=\"1\" x=\"1\">&lt;b&gt;</bpt>"), "{}", exported[0]);
    // The readable text drops native code but keeps <hi> content.
    let tsv = store.export(&["--format", "tsv", "--src", "ja", "--tgt", "en"]);
    let lines: Vec<&str> = tsv.lines().collect();
    assert_eq!(lines.len(), 8);
    assert_eq!(lines[0], "重要なお知らせです。\tThis is an important notice.");
    assert_eq!(lines[3], "この手順は必須です。\tThis step is mandatory.");
}

#[test]
fn cdata_and_entities_are_kept_verbatim_and_decoded_in_plain_text() {
    let source = std::fs::read_to_string(fixture("cdata_entities.tmx")).unwrap();
    let store = Store::new();
    store.import_ok(&[&fixture("cdata_entities.tmx")]);
    let exported: Vec<String> = units(&store.export(&[]))
        .into_iter()
        .flat_map(|u| u.variants.into_iter().map(|v| v.seg))
        .collect();
    assert_eq!(exported, source_segs(&source));
    let tsv = store.export(&["--format", "tsv", "--src", "en", "--tgt", "ja"]);
    let lines: Vec<&str> = tsv.lines().collect();
    assert_eq!(
        lines,
        [
            "If a < b & c then stop.\ta < b & c の場合は停止します。",
            "R&D <draft> \"final\" 'v2'\t研究開発&設計 <草案> \"最終\" '第2版'",
            "Japan (Japan)\t日本",
        ]
    );
}

#[test]
fn xml_space_whitespace_is_kept_exactly() {
    let store = Store::new();
    store.import_ok(&[&fixture("xml_space.tmx")]);
    let exported = units(&store.export(&[]));
    assert_eq!(by_tuid(&exported, "lead-trail").segs("en"), ["  The ministry held a meeting.  "]);
    assert_eq!(by_tuid(&exported, "lead-trail").segs("ja"), ["  総務省は会議を開催しました。  "]);
    assert_eq!(by_tuid(&exported, "inner").segs("en"), ["Name:    Value"]);
    assert_eq!(by_tuid(&exported, "tab-newline").segs("en"), ["Column A\tColumn B\nSecond line"]);
    assert_eq!(by_tuid(&exported, "tab-newline").segs("ja"), ["列A\t列B\n二行目"]);
}

/// Line ranges of the units of quirks_warnings.tmx: (unit, tuid, first, last).
const QUIRK_UNITS: &[(u64, &str, u64, u64)] = &[
    (1, "ok", 6, 9),
    (2, "unbalanced-bpt", 10, 13),
    (3, "mixed-lang-attrs", 14, 17),
    (4, "single-tuv", 18, 20),
    (5, "empty-seg", 21, 24),
    (6, "bad-date", 25, 28),
    (7, "no-lang", 29, 32),
];

#[test]
fn quirks_warnings_name_the_rule_and_the_unit() {
    let store = Store::new();
    let report = store.import_ok(&[&fixture("quirks_warnings.tmx")]);
    let file = file_report(&report);
    assert_eq!(file["status"], "imported");
    let warnings = file["warnings"].as_array().expect("warnings");
    assert_eq!(int(file, "warnings_total"), warnings.len() as u64);
    assert_eq!(int(&report["totals"], "warnings"), warnings.len() as u64);
    for (rule, tuid) in [
        ("unbalanced-bpt-ept", "unbalanced-bpt"),
        ("mixed-lang-attributes", "mixed-lang-attrs"),
        ("missing-lang", "no-lang"),
        ("single-variant", "single-tuv"),
        ("empty-segment", "empty-seg"),
        ("bad-date", "bad-date"),
    ] {
        let w = warnings
            .iter()
            .find(|w| w["rule"] == rule && w["tuid"] == tuid)
            .unwrap_or_else(|| panic!("no `{rule}` warning naming tuid {tuid}: {warnings:#?}"));
        let &(unit, _, first, last) = QUIRK_UNITS.iter().find(|q| q.1 == tuid).unwrap();
        assert_eq!(w["unit"], unit, "{rule}: unit number");
        let line = int(w, "line");
        assert!(
            (first..=last).contains(&line),
            "{rule}: line {line} is outside unit {tuid} (lines {first}-{last})"
        );
        assert!(!w["message"].as_str().unwrap_or("").is_empty(), "{rule}: message");
    }
    let bad_date = warnings.iter().find(|w| w["rule"] == "bad-date").unwrap();
    assert!(bad_date["message"].as_str().unwrap().contains("yesterday"), "{bad_date}");
    assert!(
        !warnings.iter().any(|w| w["tuid"] == "ok"),
        "the clean unit has no warning: {warnings:#?}"
    );
    // The readable units are stored; the bad date is dropped, not kept.
    let exported = units(&store.export(&[]));
    for tuid in ["ok", "unbalanced-bpt", "mixed-lang-attrs", "bad-date"] {
        assert_eq!(by_tuid(&exported, tuid).variants.len(), 2, "{tuid}");
    }
    let bad = by_tuid(&exported, "bad-date");
    assert_eq!(bad.attr("creationdate"), None, "an invalid date is not kept");
    assert_eq!(by_tuid(&exported, "mixed-lang-attrs").variants[0].lang, "ja", "lang= is read");
}

#[test]
fn a_variant_without_language_is_dropped_not_stored() {
    let store = Store::new();
    store.import_ok(&[&fixture("quirks_warnings.tmx")]);
    let export = store.export(&[]);
    assert!(
        !export.contains("言語属性のない文です。"),
        "the tuv without a language must not be stored"
    );
}

/// Writes `content` to `name` in the store's temp dir.
fn write(store: &Store, name: &str, content: &[u8]) -> std::path::PathBuf {
    let path = store.path(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn import_pairs(store: &Store, path: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["--src", "en", "--tgt", "ja"];
    args.extend(extra);
    let run = store.import_run(&args, &[path]);
    run.expect_code(0);
    run.json()
}

/// (en, ja) pairs of the store, from a TMX export.
fn pairs(store: &Store) -> Vec<(String, String)> {
    units(&store.export(&[]))
        .iter()
        .map(|u| (u.segs("en").concat(), u.segs("ja").concat()))
        .collect()
}

#[test]
fn language_mismatch_is_counted_listed_and_kept() {
    let store = Store::new();
    let tsv = write(
        &store,
        "swapped.tsv",
        "The ministry held a meeting today.\t総務省は本日会議を開催しました。\n\
         総務省は来月も会議を開催する予定です。\tThe ministry plans to hold another meeting next month.\n\
         Data is stored encrypted on the server.\tデータはサーバーに暗号化して保存されます。\n"
            .as_bytes(),
    );
    let report = import_pairs(&store, &tsv, &[]);
    let file = file_report(&report);
    assert_eq!(file["format"], "tsv");
    assert_eq!(int(file, "added"), 3, "mismatched rows are kept");
    let total = int(file, "language_mismatches_total");
    let listed = file["language_mismatches"].as_array().unwrap();
    assert!(total >= 1, "the swapped row is counted: {file}");
    assert_eq!(total, listed.len() as u64);
    assert_eq!(int(&report["totals"], "language_mismatches"), total);
    let m = listed
        .iter()
        .find(|m| m["lang"] == "en")
        .unwrap_or_else(|| panic!("the Japanese text in the en column is listed: {listed:?}"));
    assert_eq!(m["unit"], 2);
    assert_eq!(m["text"], "総務省は来月も会議を開催する予定です。");
    assert!(m["detected"].as_str().is_some_and(|d| !d.is_empty() && d != "en"), "{m}");
    for m in listed {
        assert_eq!(m["unit"], 2, "only the swapped row is a mismatch: {listed:?}");
    }
    assert_eq!(store.units(), 3);
    assert!(pairs(&store).contains(&(
        "総務省は来月も会議を開催する予定です。".into(),
        "The ministry plans to hold another meeting next month.".into()
    )));

    // --no-lang-check skips the check.
    let other = Store::new();
    let report = import_pairs(&other, &tsv, &["--no-lang-check"]);
    assert_eq!(int(file_report(&report), "language_mismatches_total"), 0);
    assert_eq!(other.units(), 3);
}

const PAIRS: [(&str, &str); 2] = [
    ("The ministry held a meeting.", "総務省は会議を開催しました。"),
    ("Data is stored encrypted.", "データは暗号化して保存されます。"),
];

fn expected_pairs() -> Vec<(String, String)> {
    PAIRS.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn tsv_with_and_without_header_row() {
    let body: String = PAIRS.iter().map(|(en, ja)| format!("{en}\t{ja}\n")).collect();
    for (label, header) in [
        ("no header", ""),
        ("language header", "en\tja\n"),
        ("EN-US header", "EN-US\tJA\n"),
        ("word header", "source\ttarget\n"),
    ] {
        let store = Store::new();
        let path = write(&store, "pairs.tsv", format!("{header}{body}").as_bytes());
        let report = import_pairs(&store, &path, &[]);
        let file = file_report(&report);
        assert_eq!(int(file, "read"), 2, "{label}: the header row is not a pair: {file}");
        assert_eq!(int(file, "added"), 2, "{label}");
        assert_eq!(pairs(&store), expected_pairs(), "{label}");
    }
}

#[test]
fn tsv_with_crlf_and_bom() {
    let body: String = PAIRS.iter().map(|(en, ja)| format!("{en}\t{ja}\r\n")).collect();
    for (label, content) in [
        ("CRLF", body.clone().into_bytes()),
        ("BOM + CRLF", [b"\xEF\xBB\xBF".as_slice(), body.as_bytes()].concat()),
        (
            "BOM + header + CRLF",
            [b"\xEF\xBB\xBFen\tja\r\n".as_slice(), body.as_bytes()].concat(),
        ),
    ] {
        let store = Store::new();
        let path = write(&store, "pairs.tsv", &content);
        let report = import_pairs(&store, &path, &[]);
        assert_eq!(int(file_report(&report), "added"), 2, "{label}");
        let got = pairs(&store);
        assert_eq!(got, expected_pairs(), "{label}: no BOM or CR in the text");
    }
}

#[test]
fn tsv_in_utf16_with_bom() {
    let text: String = std::iter::once("en\tja\r\n".to_string())
        .chain(PAIRS.iter().map(|(en, ja)| format!("{en}\t{ja}\r\n")))
        .collect();
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    let mut be = vec![0xFE, 0xFF];
    be.extend(text.encode_utf16().flat_map(|u| u.to_be_bytes()));
    for (label, content) in [("UTF-16LE", le), ("UTF-16BE", be)] {
        let store = Store::new();
        let path = write(&store, "pairs.tsv", &content);
        let report = import_pairs(&store, &path, &[]);
        assert_eq!(int(file_report(&report), "added"), 2, "{label}: {report}");
        assert_eq!(pairs(&store), expected_pairs(), "{label}");
    }
}

#[test]
fn csv_with_quotes_header_and_crlf() {
    let store = Store::new();
    let path = write(
        &store,
        "pairs.csv",
        "\u{feff}en,ja\r\n\"Hello, world\",\"こんにちは、世界\"\r\n\"He said \"\"hi\"\"\",彼は「やあ」と言った\r\nplain,素\r\n".as_bytes(),
    );
    let report = import_pairs(&store, &path, &[]);
    let file = file_report(&report);
    assert_eq!(file["format"], "csv");
    assert_eq!(int(file, "read"), 3);
    assert_eq!(
        pairs(&store),
        [
            ("Hello, world".to_string(), "こんにちは、世界".to_string()),
            ("He said \"hi\"".to_string(), "彼は「やあ」と言った".to_string()),
            ("plain".to_string(), "素".to_string()),
        ]
    );
    // The same file without a header: nothing is mistaken for one.
    let store = Store::new();
    let path = write(&store, "pairs.csv", "\"Hello, world\",\"こんにちは、世界\"\n".as_bytes());
    assert_eq!(int(file_report(&import_pairs(&store, &path, &[])), "added"), 1);
    assert_eq!(pairs(&store), [("Hello, world".to_string(), "こんにちは、世界".to_string())]);
}

#[test]
fn tsv_markup_characters_are_escaped_in_the_export() {
    let store = Store::new();
    let path = write(&store, "pairs.tsv", "a < b & c > d\tA < B & C\n".as_bytes());
    import_pairs(&store, &path, &[]);
    assert_eq!(
        pairs(&store),
        [("a &lt; b &amp; c &gt; d".to_string(), "A &lt; B &amp; C".to_string())]
    );
    let tsv = store.export(&["--format", "tsv", "--src", "en", "--tgt", "ja"]);
    assert_eq!(tsv, "a < b & c > d\tA < B & C\n");
}

fn assert_int(v: &Value, key: &str, context: &str) {
    assert!(v[key].is_u64(), "{context}: `{key}` is a non-negative integer in {v}");
}

#[test]
fn import_json_shape() {
    let store = Store::new();
    let good = fixture("quirks_warnings.tmx");
    let bad = bad_fixture("truncated.tmx");
    let run = store.import_run(&[], &[&good, &bad]);
    run.expect_code(1);
    let report = run.json();
    let obj = report.as_object().expect("an object");
    assert_eq!(obj.keys().map(String::as_str).collect::<Vec<_>>(), ["files", "totals"]);
    let files = report["files"].as_array().expect("files array");
    assert_eq!(files.len(), 2);
    for f in files {
        assert!(f["file"].is_string());
        assert_eq!(f["format"], "tmx");
        assert!(f["status"] == "imported" || f["status"] == "rejected");
        for key in ["read", "added", "updated", "skipped", "warnings_total", "language_mismatches_total"] {
            assert_int(f, key, "file");
        }
        assert!(f["skipped_reasons"].is_object());
        for (_, n) in f["skipped_reasons"].as_object().unwrap() {
            assert!(n.is_u64());
        }
        assert!(f["warnings"].is_array());
        assert!(f["language_mismatches"].is_array());
        for w in f["warnings"].as_array().unwrap() {
            assert!(w["rule"].is_string() && w["message"].is_string() && w["line"].is_u64(), "{w}");
            assert!(w.get("unit").is_none_or(Value::is_u64), "{w}");
            assert!(w.get("tuid").is_none_or(Value::is_string), "{w}");
        }
    }
    assert_eq!(files[0]["status"], "imported");
    assert!(files[0].get("error").is_none());
    assert_eq!(files[1]["status"], "rejected");
    assert!(
        files[1]["error"].as_str().is_some_and(|e| e.contains("truncated.tmx:10:")),
        "{}",
        files[1]
    );
    assert_eq!(int(&files[1], "added"), 0);
    let totals = &report["totals"];
    for key in [
        "files",
        "rejected",
        "read",
        "added",
        "updated",
        "skipped",
        "warnings",
        "language_mismatches",
    ] {
        assert_int(totals, key, "totals");
    }
    assert_eq!(int(totals, "files"), 2);
    assert_eq!(int(totals, "rejected"), 1);
    assert_eq!(int(totals, "added"), int(&files[0], "added"));
    // Language mismatch entries.
    let store = Store::new();
    let tsv = write(
        &store,
        "m.tsv",
        "総務省は来月も会議を開催する予定です。\tThe ministry plans to hold another meeting next month.\n".as_bytes(),
    );
    let report = import_pairs(&store, &tsv, &[]);
    for m in file_report(&report)["language_mismatches"].as_array().unwrap() {
        assert!(
            m["unit"].is_u64() && m["lang"].is_string() && m["detected"].is_string() && m["text"].is_string(),
            "{m}"
        );
    }
}

#[test]
fn stats_json_shape() {
    let store = Store::new();
    let empty = store.stats();
    assert_eq!(empty["units"], 0);
    assert_eq!(empty["variants"], 0);
    store.import_ok(&[&fixture("three_langs.tmx"), &fixture("utf8_bom.tmx")]);
    let stats = store.stats();
    assert_int(&stats, "units", "stats");
    assert_int(&stats, "variants", "stats");
    assert_eq!(int(&stats, "units"), 5);
    assert_eq!(int(&stats, "variants"), 15);
    let langs = stats["languages"].as_object().expect("languages object");
    assert_eq!(
        langs.keys().map(String::as_str).collect::<Vec<_>>(),
        ["de", "en", "en-GB", "en-US", "ja"]
    );
    assert!(langs.values().all(Value::is_u64));
    let pairs = stats["pairs"].as_array().expect("pairs array");
    for p in pairs {
        assert!(p["src"].is_string() && p["tgt"].is_string() && p["units"].is_u64(), "{p}");
    }
    let en_ja = pairs.iter().find(|p| p["src"] == "en" && p["tgt"] == "ja").expect("en/ja pair");
    assert_eq!(en_ja["units"], 2);
    let origins = stats["origins"].as_array().expect("origins array");
    assert_eq!(origins.len(), 2);
    for o in origins {
        assert!(
            o["id"].is_u64() && o["name"].is_string() && o["imported_at"].is_string() && o["format"] == "tmx" && o["units"].is_u64(),
            "{o}"
        );
        let date = o["imported_at"].as_str().unwrap();
        assert!(
            date.len() == 16 && date.ends_with('Z') && date.as_bytes()[8] == b'T',
            "TMX date: {date}"
        );
    }
    assert_eq!(origins[0]["units"], 3);
    assert_eq!(origins[1]["units"], 2);
    assert!(origins[0]["name"].as_str().unwrap().ends_with("three_langs.tmx"));
}

#[test]
fn export_json_report() {
    let store = Store::new();
    store.import_ok(&[&bundled_tm()]);
    let out = store.path("out.tmx");
    let run = store.run([OsStr::new("--json"), OsStr::new("export"), out.as_os_str()]);
    run.expect_code(0);
    let report = run.json();
    assert_eq!(report["format"], "tmx");
    assert_eq!(report["units"], 94);
    assert_eq!(report["file"], out.display().to_string());
}

#[test]
fn help_of_every_subcommand_has_examples() {
    let store = Store::new();
    for args in [
        vec!["--help"],
        vec!["import", "--help"],
        vec!["export", "--help"],
        vec!["stats", "--help"],
        vec!["help", "import"],
    ] {
        let run = store.run(&args);
        run.expect_code(0);
        assert!(run.stdout.contains("Examples"), "{args:?}: no Examples in\n{}", run.stdout);
    }
    assert!(!store.db.exists(), "--help does not create the store");
}

#[test]
fn usage_errors_exit_2() {
    let store = Store::new();
    let tmx = fixture("utf8_bom.tmx");
    let tmx = tmx.to_str().unwrap();
    let readme = fixture("README.md");
    let readme = readme.to_str().unwrap();
    for args in [
        vec!["import"],
        vec!["import", "--bogus", tmx],
        vec!["import", "--format", "xyz", tmx],
        vec!["import", "--src", "not a tag!", "--tgt", "ja", tmx],
        vec!["export"],
        vec!["export", "--format", "xml", "-"],
        vec!["frobnicate"],
        vec![],
    ] {
        let run = store.run(&args);
        run.expect_code(2);
        assert!(!run.stderr.trim().is_empty(), "{args:?}: a usage error says why on stderr");
    }
    // Errors found once the command runs are exit 2 as well.
    for args in [
        vec!["import", readme],                              // unknown extension
        vec!["export", "--format", "tsv", "-"],              // TSV needs --src/--tgt
        vec!["export", "--origin", "no-such-file.tmx", "-"], // unknown origin
    ] {
        let run = store.run(&args);
        run.expect_code(2);
        assert!(run.stderr.contains("error:"), "{args:?}: {}", run.stderr);
    }
    let tsv = store.path("p.tsv");
    std::fs::write(&tsv, "a\tb\n").unwrap();
    let run = store.run([OsStr::new("import"), tsv.as_os_str()]);
    run.expect_code(2);
    assert!(run.stderr.contains("--src"), "{}", run.stderr);
    assert_eq!(store.units(), 0);
}

#[test]
fn a_refused_export_leaves_an_existing_output_file_alone() {
    let store = Store::new();
    store.import_ok(&[&fixture("utf8_bom.tmx")]);
    let out = store.path("precious.tsv");
    std::fs::write(&out, "keep me\n").unwrap();
    store
        .run([OsStr::new("export"), OsStr::new("--format"), OsStr::new("tsv"), out.as_os_str()])
        .expect_code(2);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me\n");
}

#[test]
fn a_missing_file_is_rejected_not_fatal() {
    let store = Store::new();
    let missing = store.path("missing.tmx");
    let run = store.import_run(&[], &[&missing, &fixture("utf8_bom.tmx")]);
    run.expect_code(1);
    let report = run.json();
    assert_eq!(report["files"][0]["status"], "rejected");
    assert!(report["files"][0]["error"].as_str().unwrap().contains("missing.tmx"));
    assert_eq!(report["files"][1]["status"], "imported");
    assert_eq!(store.units(), 2);
}

#[test]
fn importing_the_same_file_twice_adds_nothing() {
    for path in [
        bundled_tm(),
        fixture("utf8_basic_14.tmx"),
        fixture("inline_all.tmx"),
        fixture("duplicates.tmx"),
    ] {
        let store = Store::new();
        store.import_ok(&[&path]);
        let units_before = store.units();
        let body = |export: String| export[export.find("<body>").expect("<body>")..].to_string();
        let export_before = body(store.export(&[]));
        let report = store.import_ok(&[&path]);
        let file = file_report(&report);
        assert_eq!(int(file, "added"), 0, "{}: {file}", path.display());
        assert_eq!(int(file, "updated"), 0, "{}: nothing new to merge: {file}", path.display());
        assert_eq!(int(file, "skipped"), int(file, "read"), "{}", path.display());
        assert_eq!(file["skipped_reasons"]["duplicate"], file["read"], "{}", path.display());
        assert_eq!(store.units(), units_before, "{}", path.display());
        // Counts and dates are not doubled either. (The header differs: the
        // store now has two origins, so the export uses its own header.)
        let export_after = body(store.export(&[]));
        assert!(
            export_after == export_before,
            "{}: {}",
            path.display(),
            first_difference(&export_before, &export_after)
        );
    }
}

#[test]
fn language_filters_select_region_variants() {
    let store = Store::new();
    store.import_ok(&[&fixture("three_langs.tmx"), &fixture("tmx11_lang_attr.tmx")]);
    let en_ja = units(&store.export(&["--src", "en", "--tgt", "ja"]));
    assert_eq!(en_ja.len(), 5, "`en` selects en-US and en-GB units");
    for u in &en_ja {
        assert!(
            u.variants.iter().all(|v| v.lang == "ja" || v.lang.starts_with("en-")),
            "only en* and ja variants: {u:?}"
        );
        assert!(u.variants.iter().any(|v| v.lang == "ja"));
    }
    assert_eq!(
        by_tuid(&en_ja, "1").variants.iter().map(|v| v.lang.as_str()).collect::<Vec<_>>(),
        ["ja", "en-GB", "en-US"]
    );
    assert_eq!(
        units(&store.export(&["--src", "en-GB", "--tgt", "ja"])).len(),
        2,
        "en-GB selects only en-GB units"
    );
    assert_eq!(
        units(&store.export(&["--src", "en-us", "--tgt", "JA"])).len(),
        5,
        "filter tags are canonicalised too"
    );
    assert_eq!(units(&store.export(&["--src", "de", "--tgt", "en"])).len(), 2);
    assert_eq!(units(&store.export(&["--src", "fr", "--tgt", "en"])).len(), 0);
    let tsv = store.export(&["--format", "tsv", "--src", "ja", "--tgt", "en"]);
    assert_eq!(tsv.lines().count(), 5);
    assert!(
        tsv.lines()
            .any(|l| l == "システムは来週更新されます。\tThe system will be updated next week."),
        "{tsv}"
    );
}

#[test]
fn export_by_origin() {
    let store = Store::new();
    store.import_ok(&[&fixture("three_langs.tmx"), &fixture("latin1_decl.tmx")]);
    assert_eq!(units(&store.export(&["--origin", "latin1_decl.tmx"])).len(), 3);
    assert_eq!(units(&store.export(&["--origin", "three_langs.tmx"])).len(), 3);
    let path = fixture("three_langs.tmx");
    assert_eq!(
        units(&store.export(&["--origin", path.to_str().unwrap(), "--origin", "latin1_decl.tmx"])).len(),
        6
    );
    assert_eq!(units(&store.export(&[])).len(), 6);
}

#[test]
fn a_self_closing_tuv_is_read_like_an_empty_one() {
    let variants = |tuv: &str| {
        let store = Store::new();
        let path = store.path("t.tmx");
        let body = format!("    <tu>{tuv}<tuv xml:lang=\"fr\"><seg>c</seg></tuv><tuv xml:lang=\"de\"><seg>d</seg></tuv></tu>");
        std::fs::write(&path, tmx_doc(&body)).unwrap();
        let report = store.import_ok(&[&path]);
        let rules: Vec<String> = file_report(&report)["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["rule"].as_str().unwrap().to_string())
            .collect();
        (int(&store.stats(), "variants"), rules)
    };
    let open_close = variants("<tuv xml:lang=\"en\"></tuv>");
    let self_closing = variants("<tuv xml:lang=\"en\"/>");
    assert_eq!(open_close.0, 3, "the empty en variant is kept");
    assert_eq!(self_closing, open_close, "<tuv/> and <tuv></tuv> are the same XML");
}

#[test]
fn a_file_that_is_not_a_store_is_an_error_and_left_alone() {
    let store = Store::new();
    std::fs::write(&store.db, "not a database\n").unwrap();
    for args in [
        vec!["stats"],
        vec!["import", fixture("utf8_bom.tmx").to_str().unwrap()],
        vec!["export", "-"],
    ] {
        let run = store.run(&args);
        run.expect_code(2);
        assert!(
            run.stderr.contains(&store.db.display().to_string()),
            "{args:?}: names the store: {}",
            run.stderr
        );
    }
    assert_eq!(std::fs::read_to_string(&store.db).unwrap(), "not a database\n");
}

#[test]
fn repeated_languages_are_reported_in_small_and_large_units() {
    let tuv = |lang: &str, text: &str| format!("<tuv xml:lang=\"{lang}\"><seg>{text}</seg></tuv>");
    let small = format!("<tu tuid=\"small\">{}{}{}</tu>", tuv("en", "a"), tuv("de", "b"), tuv("EN", "c"));
    // More variants than the reader compares pairwise.
    let mut many: String = (0..20).map(|i| tuv(&format!("x{}", (b'a' + i) as char), "t")).collect();
    many.push_str(&tuv("xc", "again"));
    let large = format!("<tu tuid=\"large\">{many}</tu>");
    let distinct: String = (0..20).map(|i| tuv(&format!("y{}", (b'a' + i) as char), "t")).collect();
    let clean = format!("<tu tuid=\"clean\">{distinct}</tu>");
    let store = Store::new();
    let path = store.path("repeats.tmx");
    std::fs::write(&path, tmx_doc(&format!("{small}\n{large}\n{clean}"))).unwrap();
    let report = store.import_ok(&[&path]);
    let warnings: Vec<(String, String)> = file_report(&report)["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["rule"] == "duplicate-language")
        .map(|w| {
            (
                w["tuid"].as_str().unwrap_or("").to_string(),
                w["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert_eq!(warnings[0].0, "small");
    assert!(warnings[0].1.contains("en"), "{warnings:?}");
    assert_eq!(warnings[1].0, "large");
    assert!(warnings[1].1.contains("xc"), "{warnings:?}");
}
