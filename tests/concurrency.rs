//! Several `yakugo` processes on one store at the same time.
//!
//! Pins: two (and four) imports started together into the same `--db` both
//! exit 0 and the store ends up with
//! the sum of their units, every unit with its variants, and an SQLite file
//! that passes `PRAGMA integrity_check`; the same file imported twice at
//! once is stored once; a reader running beside an import sees the store
//! before or after that import, never half of it; two processes that are
//! the first to open a new store both succeed.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const UNITS: usize = 3000;

/// Writes a TMX of `UNITS` distinct ja/en units whose texts carry `tag`.
fn generated_tmx(dir: &Path, tag: &str) -> PathBuf {
    let mut body = String::with_capacity(UNITS * 200);
    for i in 0..UNITS {
        body.push_str(&format!(
            "    <tu tuid=\"{tag}-{i}\" creationdate=\"20240101T000000Z\">\n      <tuv xml:lang=\"en\"><seg>Sentence {i} of batch {tag}: the ministry held <bpt i=\"1\">&lt;b&gt;</bpt>meeting {i}<ept i=\"1\">&lt;/b&gt;</ept>.</seg></tuv>\n      <tuv xml:lang=\"ja\"><seg>バッチ{tag}の文{i}：総務省は第{i}回会議を開催しました。</seg></tuv>\n    </tu>\n"
        ));
    }
    let path = dir.join(format!("{tag}.tmx"));
    std::fs::write(&path, tmx_doc(&body)).unwrap();
    path
}

fn spawn_import(db: &Path, file: &Path) -> Child {
    Command::new(bin())
        .arg("--db")
        .arg(db)
        .args(["--json", "import", "--no-lang-check"])
        .arg(file)
        .env_remove("YAKUGO_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn yakugo import")
}

/// Waits for an import and returns its JSON report.
fn finish(child: Child, label: &str) -> serde_json::Value {
    let out = child.wait_with_output().expect("wait for yakugo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{label}: exit {:?}\nstdout: {stdout}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{label}: bad JSON ({e}): {stdout}"))
}

/// `PRAGMA integrity_check` and `foreign_key_check` on the store file,
/// read-only.
fn assert_sqlite_consistent(db: &Path) {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open the store read-only");
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity_check");
    assert_eq!(check, "ok");
    let mut stmt = conn.prepare("PRAGMA foreign_key_check").unwrap();
    let violations = stmt.query_map([], |_| Ok(())).unwrap().count();
    assert_eq!(violations, 0, "foreign key violations");
}

/// Every exported unit has both variants, and the units are the generated ones.
fn assert_export_complete(store: &Store, tags: &[&str]) {
    let export = store.export(&[]);
    let all = units(&export);
    assert_eq!(all.len(), UNITS * tags.len(), "exported units");
    let mut seen = std::collections::HashSet::new();
    for u in &all {
        assert_eq!(u.variants.len(), 2, "every unit keeps its 2 variants: {u:?}");
        assert_eq!(u.segs("en").len(), 1);
        assert_eq!(u.segs("ja").len(), 1);
        let tuid = u.attr("tuid").expect("tuid");
        assert!(tags.iter().any(|t| tuid.starts_with(&format!("{t}-"))), "{tuid}");
        let i: usize = tuid.rsplit('-').next().unwrap().parse().unwrap();
        assert!(
            u.segs("en")[0].starts_with(&format!("Sentence {i} of batch")),
            "{tuid}: {:?}",
            u.segs("en")
        );
        assert!(seen.insert(tuid.clone()), "{tuid} exported twice");
    }
}

#[test]
fn two_imports_at_once() {
    let store = Store::new();
    // The store exists (see `first_use_of_a_store_by_two_processes_at_once`).
    assert_eq!(store.units(), 0);
    let a = generated_tmx(store.dir.path(), "A");
    let b = generated_tmx(store.dir.path(), "B");
    let ca = spawn_import(&store.db, &a);
    let cb = spawn_import(&store.db, &b);
    let ra = finish(ca, "import A");
    let rb = finish(cb, "import B");
    for (label, r) in [("A", &ra), ("B", &rb)] {
        let f = file_report(r);
        assert_eq!(f["status"], "imported", "{label}");
        assert_eq!(int(f, "read"), UNITS as u64, "{label}");
        assert_eq!(int(f, "added"), UNITS as u64, "{label}: the files share no unit");
    }
    let stats = store.stats();
    assert_eq!(int(&stats, "units"), 2 * UNITS as u64);
    assert_eq!(int(&stats, "variants"), 4 * UNITS as u64);
    let origins = stats["origins"].as_array().unwrap();
    assert_eq!(origins.len(), 2);
    assert!(origins.iter().all(|o| o["units"] == UNITS as u64), "{origins:?}");
    assert_export_complete(&store, &["A", "B"]);
    assert_sqlite_consistent(&store.db);
}

#[test]
fn four_imports_at_once_into_an_existing_store() {
    let store = Store::new();
    store.import_ok(&[&fixture("utf8_basic_14.tmx")]);
    let tags = ["C", "D", "E", "F"];
    let files: Vec<PathBuf> = tags.iter().map(|t| generated_tmx(store.dir.path(), t)).collect();
    let children: Vec<Child> = files.iter().map(|f| spawn_import(&store.db, f)).collect();
    for (child, tag) in children.into_iter().zip(tags) {
        let r = finish(child, tag);
        assert_eq!(int(file_report(&r), "added"), UNITS as u64, "{tag}");
    }
    assert_eq!(store.units(), 3 + 4 * UNITS as u64);
    assert_sqlite_consistent(&store.db);
}

#[test]
fn the_same_file_imported_twice_at_once_is_stored_once() {
    let store = Store::new();
    assert_eq!(store.units(), 0);
    let a = generated_tmx(store.dir.path(), "S");
    let c1 = spawn_import(&store.db, &a);
    let c2 = spawn_import(&store.db, &a);
    let r1 = finish(c1, "first");
    let r2 = finish(c2, "second");
    let added: Vec<u64> = [&r1, &r2].iter().map(|r| int(file_report(r), "added")).collect();
    let skipped: Vec<u64> = [&r1, &r2].iter().map(|r| int(file_report(r), "skipped")).collect();
    assert_eq!(
        added.iter().sum::<u64>(),
        UNITS as u64,
        "one import adds everything, the other nothing: added {added:?}"
    );
    assert!(added.contains(&0), "added {added:?}");
    assert_eq!(skipped.iter().sum::<u64>(), UNITS as u64, "skipped {skipped:?}");
    assert_eq!(store.units(), UNITS as u64);
    assert_export_complete(&store, &["S"]);
    assert_sqlite_consistent(&store.db);
}

#[test]
fn readers_see_an_import_whole_or_not_at_all() {
    let store = Store::new();
    let first = generated_tmx(store.dir.path(), "R");
    store.import_run(&["--no-lang-check"], &[&first]).expect_code(0);
    let second = generated_tmx(store.dir.path(), "W");
    let child = spawn_import(&store.db, &second);
    let mut observed = Vec::new();
    let mut exports = 0;
    loop {
        let seen = store.units();
        observed.push(seen);
        assert!(
            seen == UNITS as u64 || seen == 2 * UNITS as u64,
            "stats saw {seen} units: half an import"
        );
        if exports < 3 {
            // A full export during the import is consistent too.
            let n = units(&store.export(&[])).len() as u64;
            assert!(n == UNITS as u64 || n == 2 * UNITS as u64, "export saw {n} units");
            exports += 1;
        }
        if seen == 2 * UNITS as u64 {
            break;
        }
        assert!(observed.len() < 10_000, "the import never became visible");
    }
    finish(child, "import W");
    assert_eq!(store.units(), 2 * UNITS as u64);
    assert_sqlite_consistent(&store.db);
}

#[test]
fn first_use_of_a_store_by_two_processes_at_once() {
    for round in 0..20 {
        let store = Store::new();
        let a = fixture("utf8_bom.tmx");
        let b = fixture("latin1_decl.tmx");
        let ca = spawn_import(&store.db, &a);
        let cb = spawn_import(&store.db, &b);
        finish(ca, &format!("round {round}: import A"));
        finish(cb, &format!("round {round}: import B"));
        assert_eq!(store.units(), 5, "round {round}");
        assert_sqlite_consistent(&store.db);
    }
}
