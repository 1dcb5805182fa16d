//! Helpers shared by the integration tests: running the `yakugo` binary
//! against a throw-away store, reading its JSON, and picking apart the TMX
//! it exports.
//!
//! Every store lives in a fresh temporary directory (`--db <tmp>/t.db`), so
//! no test ever touches the user's store, and tests can run in parallel.

#![allow(dead_code)]

use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The crate root (where `Cargo.toml` is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A valid fixture: `tests/fixtures/tmx/<name>`.
pub fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/tmx").join(name)
}

/// A hostile or invalid fixture: `tests/fixtures/tmx/bad/<name>`.
pub fn bad_fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/tmx/bad").join(name)
}

/// The bundled ja-en TM (96 units, 94 distinct).
pub fn bundled_tm() -> PathBuf {
    root().join("tm/mic-news-vol28-no5.ja-en.tmx")
}

/// The TMX 1.4b DTD the exports are validated against.
pub fn dtd() -> PathBuf {
    root().join("tests/fixtures/tmx14.dtd")
}

/// Every valid fixture (`tests/fixtures/tmx/*.tmx`), sorted.
pub fn valid_fixtures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures/tmx"))
        .expect("fixture directory")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_file() && p.extension() == Some(OsStr::new("tmx")))
        .collect();
    files.sort();
    assert!(files.len() >= 17, "expected the 17 valid fixtures, found {}", files.len());
    files
}

/// Every file in `tests/fixtures/tmx/bad/`, sorted.
pub fn bad_fixtures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures/tmx/bad"))
        .expect("bad fixture directory")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(files.len() >= 10, "expected the 10 bad fixtures, found {}", files.len());
    files
}

/// The path of the binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_yakugo"))
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Asserts the exit code, showing the output when it is not.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code,
            Some(code),
            "exit code (expected {code})\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// stdout as one JSON document.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr))
    }
}

/// A fresh store in its own temporary directory.
pub struct Store {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
}

impl Store {
    pub fn new() -> Store {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("t.db");
        Store { dir, db }
    }

    /// A path inside the store's temporary directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `yakugo --db <db> ARGS...`.
    pub fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let output = Command::new(bin())
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .env_remove("YAKUGO_DB")
            .output()
            .expect("running yakugo");
        Run::from(output)
    }

    /// `import --json FILES...` plus extra arguments; returns the run.
    pub fn import_run(&self, extra: &[&str], files: &[&Path]) -> Run {
        let mut args: Vec<&OsStr> = vec![OsStr::new("--json"), OsStr::new("import")];
        args.extend(extra.iter().map(OsStr::new));
        args.extend(files.iter().map(|f| f.as_os_str()));
        self.run(args)
    }

    /// Imports files that must all be accepted (exit 0); returns the report.
    #[track_caller]
    pub fn import_ok(&self, files: &[&Path]) -> Value {
        let run = self.import_run(&[], files);
        run.expect_code(0);
        run.json()
    }

    /// `stats --json`.
    #[track_caller]
    pub fn stats(&self) -> Value {
        let run = self.run(["--json", "stats"]);
        run.expect_code(0);
        run.json()
    }

    /// The number of units in the store.
    #[track_caller]
    pub fn units(&self) -> u64 {
        self.stats()["units"].as_u64().expect("stats units is an integer")
    }

    /// Exports with extra arguments (e.g. `--src en`) to a file in the
    /// temp dir; returns the file's path.
    #[track_caller]
    pub fn export_file(&self, name: &str, extra: &[&str]) -> PathBuf {
        let out = self.path(name);
        let mut args: Vec<&OsStr> = vec![OsStr::new("export")];
        args.extend(extra.iter().map(OsStr::new));
        args.push(out.as_os_str());
        self.run(args).expect_code(0);
        out
    }

    /// Exports to stdout with extra arguments; returns the text.
    #[track_caller]
    pub fn export(&self, extra: &[&str]) -> String {
        let mut args: Vec<&str> = vec!["export"];
        args.extend(extra);
        args.push("-");
        let run = self.run(args);
        run.expect_code(0);
        run.stdout
    }
}

/// The first (only) file report of an import report.
pub fn file_report(report: &Value) -> &Value {
    let files = report["files"].as_array().expect("files array");
    assert_eq!(files.len(), 1, "one file report expected: {report}");
    &files[0]
}

/// An integer field of a JSON object.
#[track_caller]
pub fn int(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("`{key}` is not a non-negative integer in {v}"))
}

/// The export with the header's `creationdate` attribute removed (the one
/// thing allowed to differ between two exports of the same content).
pub fn without_header_date(export: &str) -> String {
    let Some(start) = export.find("<header") else {
        panic!("no <header> in the export:\n{export}");
    };
    let end = start + export[start..].find('>').expect("end of the header start tag");
    let tag = &export[start..end];
    let Some(attr) = tag.find(" creationdate=\"") else {
        return export.to_string();
    };
    let value_start = attr + " creationdate=\"".len();
    let value_end = value_start + tag[value_start..].find('"').expect("closing quote");
    format!("{}{}{}", &export[..start + attr], &tag[value_end + 1..], &export[end..])
}

/// One `<tu>` of an export, picked apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExUnit {
    /// The `<tu ...>` start tag.
    pub start_tag: String,
    pub variants: Vec<ExVariant>,
    /// Everything between `<tu ...>` and `</tu>`.
    pub inner: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExVariant {
    pub lang: String,
    /// The `<tuv ...>` start tag.
    pub start_tag: String,
    /// The content of `<seg>` exactly as written.
    pub seg: String,
}

impl ExUnit {
    /// The value of an attribute of the `<tu>` start tag.
    pub fn attr(&self, name: &str) -> Option<String> {
        attr(&self.start_tag, name)
    }

    /// The segs of the variants in `lang` (exact tag).
    pub fn segs(&self, lang: &str) -> Vec<&str> {
        self.variants.iter().filter(|v| v.lang == lang).map(|v| v.seg.as_str()).collect()
    }
}

/// The value of attribute `name` in a start tag (still escaped).
pub fn attr(start_tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let i = start_tag.find(&needle)? + needle.len();
    let j = start_tag[i..].find('"')?;
    Some(start_tag[i..i + j].to_string())
}

/// Picks the units out of a TMX written by `yakugo export`. The writer's
/// layout is fixed (one `<tu` per unit, `<seg>` content verbatim), and
/// segment content never holds `<tu`, `<tuv` or `<seg` since only TMX inline
/// elements are kept as markup.
pub fn units(export: &str) -> Vec<ExUnit> {
    let body_start = export
        .find("<body>")
        .unwrap_or_else(|| panic!("no <body> in the export:\n{export}"));
    let mut rest = &export[body_start..];
    let mut out = Vec::new();
    while let Some(i) = find_tag(rest, "<tu") {
        rest = &rest[i..];
        let tag_end = rest.find('>').expect("end of <tu>") + 1;
        let start_tag = rest[..tag_end].to_string();
        let close = rest.find("</tu>").expect("</tu>");
        let inner = &rest[tag_end..close];
        let mut variants = Vec::new();
        let mut v = inner;
        while let Some(j) = find_tag(v, "<tuv") {
            v = &v[j..];
            let tuv_end = v.find('>').expect("end of <tuv>") + 1;
            let tuv_tag = v[..tuv_end].to_string();
            let lang = attr(&tuv_tag, "xml:lang").expect("xml:lang on every exported tuv");
            let seg_start = v.find("<seg>").expect("<seg> in every exported tuv") + "<seg>".len();
            let seg_end = seg_start + v[seg_start..].find("</seg>").expect("</seg>");
            variants.push(ExVariant {
                lang,
                start_tag: tuv_tag,
                seg: v[seg_start..seg_end].to_string(),
            });
            v = &v[seg_end..];
        }
        out.push(ExUnit {
            start_tag,
            variants,
            inner: inner.to_string(),
        });
        rest = &rest[close + "</tu>".len()..];
    }
    out
}

/// Position of the start tag `<name` followed by a space or `>`.
fn find_tag(s: &str, name: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = s[from..].find(name) {
        let at = from + i;
        match s.as_bytes().get(at + name.len()) {
            Some(b' ' | b'>' | b'/') => return Some(at),
            _ => from = at + name.len(),
        }
    }
    None
}

/// The unit with this tuid.
#[track_caller]
pub fn by_tuid<'a>(units: &'a [ExUnit], tuid: &str) -> &'a ExUnit {
    units
        .iter()
        .find(|u| u.attr("tuid").as_deref() == Some(tuid))
        .unwrap_or_else(|| panic!("no unit with tuid {tuid} among {} units", units.len()))
}

/// The content of `<seg>` elements of a source file, in document order,
/// for comparing with an export (inline markup verbatim).
pub fn source_segs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = find_tag(rest, "<seg") {
        rest = &rest[i..];
        let open_end = rest.find('>').expect("end of <seg>") + 1;
        let close = rest.find("</seg>").expect("</seg>");
        out.push(rest[open_end..close].to_string());
        rest = &rest[close..];
    }
    out
}

/// Whether `xmllint` can be run.
pub fn xmllint_available() -> bool {
    Command::new("xmllint")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

pub const XMLLINT_SKIPPED: &str = "skipped: xmllint not installed (apt-get install libxml2-utils)";

/// Validates a TMX file against the TMX 1.4b DTD with xmllint (never
/// touching the network). The DTD is copied next to the file so that the
/// document's own `<!DOCTYPE tmx SYSTEM "tmx14.dtd">` resolves locally too.
/// Returns xmllint's complaints on failure.
pub fn xmllint_dtd_valid(file: &Path) -> Result<(), String> {
    let dir = file.parent().expect("file has a parent directory");
    let local = dir.join("tmx14.dtd");
    if !local.exists() {
        std::fs::copy(dtd(), &local).expect("copying the DTD");
    }
    xmllint(&["--noout", "--nonet", "--dtdvalid", &dtd().to_string_lossy()], file)
}

/// Checks well-formedness only (no DTD) with xmllint.
pub fn xmllint_well_formed(file: &Path) -> Result<(), String> {
    xmllint(&["--noout", "--nonet"], file)
}

fn xmllint(args: &[&str], file: &Path) -> Result<(), String> {
    let out = Command::new("xmllint").args(args).arg(file).output().expect("running xmllint");
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "xmllint exit {:?}:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// A minimal TMX 1.4 document around `body` (the content of `<body>`).
pub fn tmx_doc(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tmx version=\"1.4\">\n  <header creationtool=\"test\" creationtoolversion=\"1\" segtype=\"sentence\" o-tmf=\"test\" adminlang=\"en\" srclang=\"en\" datatype=\"plaintext\"/>\n  <body>\n{body}\n  </body>\n</tmx>\n"
    )
}

/// Diff-friendly first difference of two texts, for assertion messages.
pub fn first_difference(a: &str, b: &str) -> String {
    for (n, (la, lb)) in a.lines().zip(b.lines()).enumerate() {
        if la != lb {
            return format!("line {}:\n  left:  {la}\n  right: {lb}", n + 1);
        }
    }
    format!(
        "one text is a prefix of the other ({} vs {} lines)",
        a.lines().count(),
        b.lines().count()
    )
}
