//! `yakugo terms find`: the bundled glossary against the bundled new texts.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn yakugo(db: &Path) -> Command {
    let mut cmd = Command::cargo_bin("yakugo").expect("the yakugo binary");
    cmd.arg("--db").arg(db);
    cmd
}

/// A store with glossaries/mic-ict.tbx imported.
fn store() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("t.db");
    yakugo(&db)
        .args(["terms", "import"])
        .arg(root().join("glossaries/mic-ict.tbx"))
        .assert()
        .success();
    (dir, db)
}

/// The first line of `tm/<file>` that contains `needle`.
fn line_of(file: &str, needle: &str) -> String {
    let text = std::fs::read_to_string(root().join("tm").join(file)).expect("bundled text");
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not in {file}"))
        .to_string()
}

/// (matched, term, status) of a hit.
type Hit = (String, String, String);

/// Per input line: the JSON's text and its hits.
fn find_json(db: &Path, lang: &str, stdin: &str) -> Vec<(String, Vec<Hit>)> {
    let out = yakugo(db)
        .args(["--json", "terms", "find", "--lang", lang])
        .write_stdin(stdin)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out)
        .expect("UTF-8")
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("one JSON object per line");
            let text = v["text"].as_str().expect("text").to_string();
            let hits = v["hits"]
                .as_array()
                .expect("hits")
                .iter()
                .map(|h| {
                    let (start, end) = (h["start"].as_u64().unwrap() as usize, h["end"].as_u64().unwrap() as usize);
                    assert_eq!(&text[start..end], h["matched"].as_str().unwrap(), "offsets are the original text's");
                    (
                        h["matched"].as_str().unwrap().to_string(),
                        h["term"].as_str().unwrap().to_string(),
                        h["status"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            (text, hits)
        })
        .collect()
}

fn hit(matched: &str, term: &str, status: &str) -> Hit {
    (matched.into(), term.into(), status.into())
}

#[test]
fn finds_terms_in_an_english_sentence_of_the_new_text() {
    let (_dir, db) = store();
    let sentence = line_of("new-text.en.txt", "Hosted by:");
    let out = find_json(&db, "en", &format!("{sentence}\n"));
    assert_eq!(out.len(), 1);
    assert_eq!(
        out[0].1,
        vec![
            hit(
                "National Center of Incident Readiness and Strategy for Cybersecurity",
                "National Center of Incident Readiness and Strategy for Cybersecurity",
                "preferred"
            ),
            hit("NISC", "NISC", "admitted"),
            // The deprecated "Ministry of Internal Affairs" is not reported inside the full name.
            hit(
                "Ministry of Internal Affairs and Communications",
                "Ministry of Internal Affairs and Communications",
                "preferred"
            ),
            hit("MIC", "MIC", "admitted"),
            hit(
                "Ministry of Economy, Trade and Industry",
                "Ministry of Economy, Trade and Industry",
                "preferred"
            ),
            hit("METI", "METI", "admitted"),
        ]
    );
    // Plural and joined forms.
    let sentence = line_of("new-text.en.txt", "cyberattacks targeting IoT devices");
    let out = find_json(&db, "en", &sentence);
    for expected in [
        hit("cyberattacks", "cyberattack", "preferred"),
        hit("IoT devices", "IoT device", "preferred"),
        hit("information sharing", "information sharing", "preferred"),
    ] {
        assert!(out[0].1.contains(&expected), "{expected:?} in {:?}", out[0].1);
    }
}

#[test]
fn finds_terms_in_a_japanese_sentence_of_the_new_text() {
    let (_dir, db) = store();
    let sentence = line_of("new-text.ja.txt", "東京において");
    let out = find_json(&db, "ja", &sentence);
    assert_eq!(
        out[0].1,
        vec![
            // Longest-leftmost: the full name, not 情報セキュリティ inside it.
            hit(
                "日・ASEAN情報セキュリティ政策会議",
                "日・ASEAN情報セキュリティ政策会議",
                "preferred"
            ),
            hit("政策会議", "政策会議", "admitted"),
            hit("政策会議", "政策会議", "admitted"),
            hit("サイバーセキュリティ", "サイバーセキュリティ", "preferred"),
            hit("ASEAN", "ASEAN", "admitted"),
        ]
    );
    // Width variants and the long vowel.
    let out = find_json(&db, "ja", "ＡＳＥＡＮ各国のサーバ\n総務省\n");
    assert_eq!(out.len(), 2);
    assert_eq!(
        out[0].1,
        vec![hit("ＡＳＥＡＮ", "ASEAN", "admitted"), hit("サーバ", "サーバ", "deprecated")]
    );
    assert_eq!(out[1].1, vec![hit("総務省", "総務省", "preferred")]);
}

#[test]
fn human_output_shows_position_status_and_renderings() {
    let (_dir, db) = store();
    let out = yakugo(&db)
        .args(["terms", "find", "--lang", "ja", "総務庁のサーバー"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("0..9 総務庁 [ja superseded, forbidden] → Ministry of Internal Affairs and Communications; MIC"),
        "{out}"
    );
    assert!(out.contains("12..24 サーバー [ja preferred] → server"), "{out}");
    // --file, one text per line; a line without terms prints nothing.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.txt");
    std::fs::write(&file, "nothing here\nthe MIC said\n").unwrap();
    let out = yakugo(&db)
        .args(["terms", "find", "--file"])
        .arg(&file)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(out.starts_with("line 2: the MIC said\n  4..7 MIC [en admitted] → 総務省"), "{out}");
}

#[test]
fn refused_input_exits_1() {
    let (_dir, db) = store();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.txt");
    std::fs::write(&file, b"\xff\xfe\x00bad").unwrap();
    yakugo(&db).args(["terms", "find", "--file"]).arg(&file).assert().code(1);
    yakugo(&db)
        .args(["terms", "find", "--file"])
        .arg(dir.path().join("missing.txt"))
        .assert()
        .code(1);
}
