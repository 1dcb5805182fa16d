//! Hostile and invalid input: every file in `tests/fixtures/tmx/bad/` and a
//! few generated ones.
//!
//! Pins: each is refused with exit code 1 and an error
//! `<path>:<line>:<col>: <message>` naming the file and the position given in
//! `tests/fixtures/tmx/README.md`; the store is left exactly as it was (same
//! `stats --json`, same export apart from the header date), even when the
//! failure comes after hundreds of units were read; the external entity's
//! target (`/etc/passwd`) is never read into the output or the store; the
//! entity bomb is refused quickly and in little memory; a valid and a bad
//! file in one command: the valid one is kept.

mod common;

use common::*;
use serde_json::Value;
use std::ffi::OsStr;
use std::path::Path;
use std::time::{Duration, Instant};

/// What the README says about each bad file: the allowed error lines, the
/// exact column when it names one for that line, and words of which the
/// message must contain at least one (lower case).
struct Expect {
    file: &'static str,
    lines: &'static [(u64, Option<u64>)],
    words: &'static [&'static str],
}

const EXPECT: &[Expect] = &[
    Expect {
        file: "empty.tmx",
        lines: &[(1, Some(1))],
        words: &["empty", "no root"],
    },
    Expect {
        file: "entity_bomb.tmx",
        lines: &[(2, None), (18, Some(31))],
        words: &["doctype", "entit"],
    },
    Expect {
        file: "external_entity.tmx",
        lines: &[(2, None), (3, None), (9, Some(31))],
        words: &["doctype", "entit", "xxe"],
    },
    Expect {
        file: "garbage_after_root.tmx",
        lines: &[(11, Some(1))],
        words: &["after", "root", "extra"],
    },
    Expect {
        file: "invalid_utf8.tmx",
        lines: &[(6, Some(42))],
        words: &["utf-8"],
    },
    Expect {
        file: "mismatched_tags.tmx",
        lines: &[(9, Some(46))],
        words: &["</tuv>", "mismatch", "expected `</seg>`"],
    },
    Expect {
        file: "not_tmx.xml",
        lines: &[(2, None)],
        words: &["xliff"],
    },
    Expect {
        file: "not_xml.tmx",
        lines: &[(1, Some(1))],
        words: &["not xml", "no root", "start"],
    },
    Expect {
        file: "truncated.tmx",
        lines: &[(10, None)],
        words: &["end", "truncated"],
    },
    Expect {
        file: "undefined_entity.tmx",
        lines: &[(6, Some(38))],
        words: &["nbsp"],
    },
];

fn expect_for(path: &Path) -> &'static Expect {
    let name = path.file_name().unwrap().to_str().unwrap();
    EXPECT
        .iter()
        .find(|e| e.file == name)
        .unwrap_or_else(|| panic!("{name}: new bad fixture; add it to EXPECT"))
}

/// Splits "<path>:<line>:<col>: <message>" after the file name.
fn position(error: &str, path: &Path) -> (u64, u64, String) {
    let shown = path.display().to_string();
    let rest = error
        .strip_prefix(&shown)
        .unwrap_or_else(|| panic!("the error does not start with the path {shown}: {error}"));
    let mut parts = rest.splitn(4, ':');
    assert_eq!(parts.next(), Some(""), "{error}");
    let line = parts
        .next()
        .and_then(|l| l.parse().ok())
        .unwrap_or_else(|| panic!("no line number in {error}"));
    let col = parts
        .next()
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no column number in {error}"));
    let message = parts.next().unwrap_or("").trim().to_string();
    (line, col, message)
}

/// A store holding two valid fixtures, and its state.
fn seeded_store() -> (Store, Value, String) {
    let store = Store::new();
    store.import_ok(&[&fixture("utf8_basic_14.tmx"), &fixture("inline_all.tmx")]);
    let stats = store.stats();
    let export = without_header_date(&store.export(&[]));
    assert_eq!(int(&stats, "units"), 11);
    (store, stats, export)
}

#[track_caller]
fn assert_unchanged(store: &Store, stats: &Value, export: &str, what: &str) {
    assert_eq!(&store.stats(), stats, "{what}: stats changed");
    let now = without_header_date(&store.export(&[]));
    assert!(now == export, "{what}: the export changed: {}", first_difference(export, &now));
}

#[test]
fn every_bad_fixture_is_rejected_at_its_position_and_changes_nothing() {
    let (store, stats, export) = seeded_store();
    for path in bad_fixtures() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let expect = expect_for(&path);
        let run = store.import_run(&[], &[&path]);
        run.expect_code(1);
        let report = run.json();
        let file = file_report(&report);
        assert_eq!(file["status"], "rejected", "{name}: {file}");
        assert_eq!(int(file, "added"), 0, "{name}");
        assert_eq!(int(file, "updated"), 0, "{name}");
        assert_eq!(int(&report["totals"], "rejected"), 1, "{name}");
        let error = file["error"].as_str().unwrap_or_else(|| panic!("{name}: no error string: {file}"));
        assert!(error.contains(&name), "{name}: the error names the file: {error}");
        let (line, col, message) = position(error, &path);
        let allowed = expect
            .lines
            .iter()
            .find(|(l, _)| *l == line)
            .unwrap_or_else(|| panic!("{name}: line {line} is not one of {:?}: {error}", expect.lines));
        if let Some(want_col) = allowed.1 {
            assert_eq!(col, want_col, "{name}: column at line {line}: {error}");
        }
        assert!(col >= 1, "{name}: columns are 1-based: {error}");
        let lower = message.to_lowercase();
        assert!(
            expect.words.iter().any(|w| lower.contains(w)),
            "{name}: the message says none of {:?}: {message}",
            expect.words
        );
        assert_unchanged(&store, &stats, &export, &name);
    }
}

#[test]
fn text_mode_reports_the_rejection_on_stderr() {
    let store = Store::new();
    for path in bad_fixtures() {
        let run = store.run([OsStr::new("import"), path.as_os_str()]);
        run.expect_code(1);
        let shown = path.display().to_string();
        assert!(run.stderr.contains(&format!("rejected {shown}:")), "{}", run.stderr);
        assert!(run.stderr.contains("unchanged"), "{}", run.stderr);
    }
    assert_eq!(store.units(), 0);
    assert_eq!(
        store.stats()["origins"].as_array().unwrap().len(),
        0,
        "a rejected file leaves no origin behind"
    );
}

#[test]
fn a_fresh_store_stays_empty_even_when_units_preceded_the_error() {
    // truncated.tmx and garbage_after_root.tmx each hold a complete TU before the error.
    for name in ["truncated.tmx", "garbage_after_root.tmx", "mismatched_tags.tmx"] {
        let store = Store::new();
        let run = store.import_run(&[], &[&bad_fixture(name)]);
        run.expect_code(1);
        let stats = store.stats();
        assert_eq!(int(&stats, "units"), 0, "{name}");
        assert_eq!(int(&stats, "variants"), 0, "{name}");
        assert!(stats["origins"].as_array().unwrap().is_empty(), "{name}");
    }
}

#[test]
fn external_entity_is_never_read() {
    let (store, stats, export) = seeded_store();
    let path = bad_fixture("external_entity.tmx");
    for json in [true, false] {
        let mut args = vec![OsStr::new("import"), path.as_os_str()];
        if json {
            args.insert(0, OsStr::new("--json"));
        }
        let run = store.run(args);
        run.expect_code(1);
        let output = format!("{}{}", run.stdout, run.stderr);
        assert!(
            !output.contains("root:x:0:0") && !output.contains("/bin/"),
            "passwd content in the output:\n{output}"
        );
        if let Ok(passwd) = std::fs::read_to_string("/etc/passwd") {
            for line in passwd.lines().filter(|l| l.len() > 8).take(5) {
                assert!(!output.contains(line), "passwd line in the output: {line}");
            }
        }
    }
    let now = store.export(&[]);
    assert!(!now.contains("root:"), "passwd content in the store");
    assert_unchanged(&store, &stats, &export, "external_entity.tmx");
}

/// Runs yakugo and returns (exit code, peak RSS in KiB, wall time).
fn run_measured(db: &Path, args: &[&OsStr]) -> (Option<i32>, i64, Duration) {
    let start = Instant::now();
    let child = std::process::Command::new(bin())
        .arg("--db")
        .arg(db)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn yakugo");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value; wait4 fills it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child, not waited for yet; the pointers are valid.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4");
    let elapsed = start.elapsed();
    std::mem::forget(child); // already reaped
    let code = if libc::WIFEXITED(status) {
        Some(libc::WEXITSTATUS(status))
    } else {
        None
    };
    (code, usage.ru_maxrss, elapsed)
}

#[test]
fn entity_bomb_is_refused_fast_and_small() {
    let store = Store::new();
    let path = bad_fixture("entity_bomb.tmx");
    let (code, rss_kib, elapsed) = run_measured(&store.db, &[OsStr::new("import"), path.as_os_str()]);
    assert_eq!(code, Some(1));
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
    assert!(rss_kib < 300 * 1024, "peak RSS {rss_kib} KiB");
    assert_eq!(store.units(), 0);
}

#[test]
fn valid_and_bad_file_in_one_command() {
    for order in [["good", "bad"], ["bad", "good"]] {
        let store = Store::new();
        let good = fixture("utf8_basic_14.tmx");
        let bad = bad_fixture("truncated.tmx");
        let files: Vec<&Path> = order
            .iter()
            .map(|w| if *w == "good" { good.as_path() } else { bad.as_path() })
            .collect();
        let run = store.import_run(&[], &files);
        run.expect_code(1);
        let report = run.json();
        let statuses: Vec<&str> = report["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["status"].as_str().unwrap())
            .collect();
        let want: Vec<&str> = order.iter().map(|w| if *w == "good" { "imported" } else { "rejected" }).collect();
        assert_eq!(statuses, want, "{order:?}");
        assert_eq!(int(&report["totals"], "rejected"), 1);
        assert_eq!(int(&report["totals"], "added"), 3);
        assert_eq!(store.units(), 3, "{order:?}: the valid file is kept");
        let origins = store.stats()["origins"].as_array().unwrap().clone();
        assert_eq!(origins.len(), 1, "{order:?}: only the valid file is an origin: {origins:?}");
        assert!(origins[0]["name"].as_str().unwrap().ends_with("utf8_basic_14.tmx"));
    }
}

/// A TMX of `n` ja/en units numbered from `first`.
fn many_units(first: usize, n: usize) -> String {
    let body: String = (first..first + n)
        .map(|i| format!("    <tu tuid=\"g{i}\">\n      <tuv xml:lang=\"en\"><seg>Generated sentence number {i}.</seg></tuv>\n      <tuv xml:lang=\"ja\"><seg>生成された文 {i} 番です。</seg></tuv>\n    </tu>\n"))
        .collect();
    tmx_doc(&body)
}

#[test]
fn a_late_error_rolls_back_every_unit_of_the_file() {
    // Errors after several reading batches (512 units each) still leave
    // the store untouched.
    let (store, stats, export) = seeded_store();
    let good = many_units(0, 2000);
    let cut = good.find("<tu tuid=\"g1500\"").unwrap() + 40;
    let cases: Vec<(&str, Vec<u8>, u64)> = vec![
        ("truncated", good.as_bytes()[..cut].to_vec(), good[..cut].lines().count() as u64),
        ("garbage", format!("{good}<tmx>junk").into_bytes(), good.lines().count() as u64 + 1),
        (
            "undefined-entity",
            good.replacen("number 1800.", "number &bogus;.", 1).into_bytes(),
            0,
        ),
        ("bad-utf8", good.clone().into_bytes(), 0),
    ];
    for (label, mut bytes, want_line) in cases {
        let path = store.path(&format!("{label}.tmx"));
        if label == "bad-utf8" {
            // An invalid UTF-8 byte inside unit 1900.
            let at = bytes.windows(12).position(|w| w == b"number 1900.").expect("marker");
            bytes.splice(at + 7..at + 7, [0xFF]);
        }
        std::fs::write(&path, &bytes).unwrap();
        let run = store.import_run(&[], &[&path]);
        run.expect_code(1);
        let report = run.json();
        let file = file_report(&report);
        assert_eq!(file["status"], "rejected", "{label}");
        let error = file["error"].as_str().unwrap();
        let (line, _, _) = position(error, &path);
        if want_line > 0 {
            assert_eq!(line, want_line, "{label}: {error}");
        } else {
            assert!(line > 1000, "{label}: the error is late in the file: {error}");
        }
        assert_unchanged(&store, &stats, &export, label);
    }
}

#[test]
fn entity_declarations_in_any_form_are_refused() {
    let doc = many_units(0, 1);
    let with_doctype = |doctype: &str| doc.replacen("<tmx version", &format!("{doctype}\n<tmx version"), 1);
    let cases = [
        (
            "parameter entity",
            with_doctype("<!DOCTYPE tmx [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>"),
        ),
        ("unused internal entity", with_doctype("<!DOCTYPE tmx [<!ENTITY a \"b\">]>")),
        (
            "external entity used in an attribute",
            with_doctype("<!DOCTYPE tmx [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>").replacen("tuid=\"g0\"", "tuid=\"&x;\"", 1),
        ),
        ("undefined entity in an attribute", doc.replacen("tuid=\"g0\"", "tuid=\"&x;\"", 1)),
        (
            "undefined entity in a prop",
            doc.replacen("<tuv xml:lang=\"en\">", "<prop type=\"x\">&x;</prop><tuv xml:lang=\"en\">", 1),
        ),
    ];
    for (label, content) in cases {
        let store = Store::new();
        let path = store.path("e.tmx");
        std::fs::write(&path, content).unwrap();
        let run = store.import_run(&[], &[&path]);
        run.expect_code(1);
        assert!(!run.stdout.contains("root:"), "{label}");
        assert_eq!(store.units(), 0, "{label}");
    }
    // A DOCTYPE without entity declarations (like the DTD reference of the
    // valid fixtures) is fine.
    let store = Store::new();
    let path = store.path("ok.tmx");
    std::fs::write(&path, with_doctype("<!DOCTYPE tmx [<!ELEMENT note (#PCDATA)>]>")).unwrap();
    store.import_ok(&[&path]);
    assert_eq!(store.units(), 1);
}

#[test]
fn pathological_but_well_formed_input_does_not_crash() {
    // Deep nesting, huge attributes, a very long segment: imported or
    // refused, but never a crash (exit 101) or an internal error (exit 2).
    let deep = 20_000;
    let cases = [
        (
            "deep <hi>",
            many_units(0, 1).replacen("Generated", &format!("{}x{}", "<hi>".repeat(deep), "</hi>".repeat(deep)), 1),
        ),
        (
            "deep <sub>",
            many_units(0, 1).replacen(
                "Generated",
                &format!("{}x{}", "<ph><sub>".repeat(deep), "</sub></ph>".repeat(deep)),
                1,
            ),
        ),
        (
            "deep unknown elements",
            many_units(0, 1).replacen("Generated", &format!("{}x{}", "<b>".repeat(deep), "</b>".repeat(deep)), 1),
        ),
        (
            "long attribute",
            many_units(0, 1).replacen("tuid=\"g0\"", &format!("tuid=\"{}\"", "a".repeat(2_000_000)), 1),
        ),
        (
            "many attributes",
            many_units(0, 1).replacen("tuid=\"g0\"", &(0..5000).map(|i| format!(" x-{i}=\"v\"")).collect::<String>(), 1),
        ),
        (
            "long segment",
            many_units(0, 1).replacen("Generated", &"長い文。".repeat(500_000), 1),
        ),
        (
            "many variants",
            tmx_doc(&format!("<tu>{}</tu>", "\n<tuv xml:lang=\"de\"><seg>x</seg></tuv>".repeat(20_000))),
        ),
    ];
    for (label, content) in cases {
        let store = Store::new();
        let path = store.path("p.tmx");
        std::fs::write(&path, content).unwrap();
        let run = store.import_run(&["--no-lang-check"], &[&path]);
        assert!(matches!(run.code, Some(0 | 1)), "{label}: exit {:?}\n{}", run.code, run.stderr);
        if run.code == Some(0) {
            // What was accepted can be exported.
            let out = store.path("out.tmx");
            store.run([OsStr::new("export"), out.as_os_str()]).expect_code(0);
        }
    }
}

#[test]
fn error_positions_count_characters_in_every_encoding() {
    let line4 = "<tuv xml:lang=\"en\"><seg>Übersicht über Maße";
    let want_col = line4.chars().count() as u64 + 1;
    let doc = |encoding: &str| {
        format!(
            "<?xml version=\"1.0\" encoding=\"{encoding}\"?>\n<tmx version=\"1.4\"><header srclang=\"de\"/><body>\n<tu><tuv xml:lang=\"de\"><seg>Größe ändern</seg></tuv>\n{line4}</tuv></tu>\n</body></tmx>\n"
        )
    };
    let utf16 = |big_endian: bool| {
        let text = doc("UTF-16");
        let mut bytes = if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
        bytes.extend(
            text.encode_utf16()
                .flat_map(|u| if big_endian { u.to_be_bytes() } else { u.to_le_bytes() }),
        );
        bytes
    };
    let latin1: Vec<u8> = doc("ISO-8859-1")
        .chars()
        .map(|c| u8::try_from(u32::from(c)).expect("latin-1"))
        .collect();
    let cases = [
        ("UTF-8", doc("UTF-8").into_bytes()),
        ("UTF-8 BOM", [b"\xEF\xBB\xBF".as_slice(), doc("UTF-8").as_bytes()].concat()),
        ("UTF-16LE BOM", utf16(false)),
        ("UTF-16BE BOM", utf16(true)),
        ("ISO-8859-1", latin1),
    ];
    for (label, bytes) in cases {
        let store = Store::new();
        let path = store.path("pos.tmx");
        std::fs::write(&path, bytes).unwrap();
        let run = store.import_run(&[], &[&path]);
        run.expect_code(1);
        let report = run.json();
        let error = file_report(&report)["error"].as_str().unwrap().to_string();
        let (line, col, _) = position(&error, &path);
        assert_eq!((line, col), (4, want_col), "{label}: {error}");
    }
}
