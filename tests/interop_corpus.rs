//! Real TMX files from other tools: every `*.tmx` under
//! `../shared/corpus/tmx` (OmegaT, Trados, SDL Studio, Heartsome, OpenTM2,
//! Okapi, the LISA compliance kit, …), when that corpus is present.
//!
//! Pins, per file: the import succeeds (exit 0, status `imported`); the
//! export is valid TMX 1.4b (xmllint, when installed); importing the export
//! into a fresh store and exporting again gives the same file except the
//! header's `creationdate`. Skips with a message when the corpus is absent.
//!
//! The language check is slow in debug builds, so it runs on the first
//! import of files under 1 MB only; it never changes what is stored.

mod common;

use common::*;
use std::path::{Path, PathBuf};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/tmx");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: ../shared/corpus not present");
        None
    }
}

fn tmx_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read corpus dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            tmx_files(&path, out);
        } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("tmx")) {
            out.push(path);
        }
    }
}

/// Checks one file; returns a description of what went wrong.
fn check(path: &Path) -> Result<(), String> {
    let big = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) > 1_000_000;
    let a = Store::new();
    let extra: &[&str] = if big { &["--no-lang-check"] } else { &[] };
    let run = a.import_run(extra, &[path]);
    if run.code != Some(0) {
        return Err(format!("import exit {:?}: {}{}", run.code, run.stdout, run.stderr));
    }
    let report = run.json();
    let file = file_report(&report);
    if file["status"] != "imported" {
        return Err(format!("status {}: {file}", file["status"]));
    }
    let stored = a.units();
    if stored > int(file, "read") {
        return Err(format!("{stored} units stored from {} read", int(file, "read")));
    }
    let e1 = a.export_file("e1.tmx", &[]);
    let t1 = std::fs::read_to_string(&e1).map_err(|e| e.to_string())?;
    let exported = units(&t1).len() as u64;
    if exported != stored {
        return Err(format!("exported {exported} units of {stored}"));
    }
    if xmllint_available() {
        xmllint_dtd_valid(&e1).map_err(|e| format!("export not valid TMX 1.4b: {}", e.lines().take(6).collect::<Vec<_>>().join("\n")))?;
    }
    let b = Store::new();
    let run = b.import_run(&["--no-lang-check"], &[&e1]);
    if run.code != Some(0) {
        return Err(format!("re-import of the export: exit {:?}: {}", run.code, run.stderr));
    }
    let reimport = run.json();
    let f2 = file_report(&reimport);
    if int(f2, "added") != stored {
        return Err(format!("re-import of the export: added {} of {stored}", int(f2, "added")));
    }
    // The export repairs what can be repaired; only properties of the data
    // itself (and already reported on the first import) may be reported again.
    let rules = |f: &serde_json::Value| -> std::collections::BTreeSet<String> {
        f["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["rule"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let (first, again) = (rules(file), rules(f2));
    let inherent = ["single-variant", "empty-segment", "unbalanced-bpt-ept", "duplicate-language"];
    if let Some(r) = again.iter().find(|r| !inherent.contains(&r.as_str()) || !first.contains(*r)) {
        return Err(format!(
            "re-import of the export warns `{r}` (first import: {first:?}): {}",
            f2["warnings"]
        ));
    }
    if int(f2, "warnings_total") > int(file, "warnings_total") {
        return Err(format!(
            "re-import of the export has more warnings ({}) than the original ({})",
            int(f2, "warnings_total"),
            int(file, "warnings_total")
        ));
    }
    let e2 = b.export_file("e2.tmx", &[]);
    let t2 = std::fs::read_to_string(&e2).map_err(|e| e.to_string())?;
    let (s1, s2) = (without_header_date(&t1), without_header_date(&t2));
    if s1 != s2 {
        return Err(format!("second export differs: {}", first_difference(&s1, &s2)));
    }
    Ok(())
}

/// Checks every file under `sub` (relative to the corpus), or every file
/// not under any of `except` when `sub` is empty.
fn check_part(sub: &str, except: &[&str]) {
    let Some(root) = corpus() else { return };
    if !xmllint_available() {
        eprintln!("{XMLLINT_SKIPPED}");
    }
    let dir = root.join(sub);
    if !dir.is_dir() {
        eprintln!("skipped: {} not present", dir.display());
        return;
    }
    let mut files = Vec::new();
    tmx_files(&dir, &mut files);
    files.retain(|f| !except.iter().any(|e| f.starts_with(root.join(e))));
    files.sort();
    if files.is_empty() {
        assert!(sub.is_empty(), "no .tmx under {}", dir.display());
        return;
    }
    let mut failures = Vec::new();
    for f in &files {
        if let Err(e) = check(f) {
            failures.push(format!("{}: {e}", f.strip_prefix(&root).unwrap_or(f).display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} file(s) failed:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
    eprintln!("{}: {} file(s) imported, valid and round-tripped", dir.display(), files.len());
}

// Split so that the test harness runs the parts in parallel.

#[test]
fn real_en_ja_small() {
    let Some(root) = corpus() else { return };
    let mut big = Vec::new();
    tmx_files(&root.join("real_en_ja"), &mut big);
    big.retain(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0) > 1_000_000);
    let big: Vec<String> = big.iter().map(|f| f.strip_prefix(&root).unwrap().display().to_string()).collect();
    let refs: Vec<&str> = big.iter().map(String::as_str).collect();
    check_part("real_en_ja", &refs);
}

#[test]
fn real_en_ja_large() {
    let Some(root) = corpus() else { return };
    let mut files = Vec::new();
    tmx_files(&root.join("real_en_ja"), &mut files);
    files.retain(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0) > 1_000_000);
    files.sort();
    let mut failures = Vec::new();
    for f in &files {
        if let Err(e) = check(f) {
            failures.push(format!("{}: {e}", f.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn cat_tools() {
    check_part("cat_tools", &[]);
}

#[test]
fn tool_tests() {
    check_part("tool_tests", &[]);
}

#[test]
fn any_other_tmx_in_the_corpus() {
    check_part("", &["real_en_ja", "cat_tools", "tool_tests"]);
}
