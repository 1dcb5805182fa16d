//! No input makes the readers panic, and what they accept survives writing.
//!
//! Pins, through the library (`yakugo::tmx::TmxReader`, `yakugo::tsv`,
//! `yakugo::lang`, `yakugo::model::TmxDate`): arbitrary bytes, bytes inside a
//! `<seg>`, and random mutations of the valid fixtures (truncation, bit
//! flips, inserted and deleted bytes, inserted `<`, `&`, `]]>`, CDATA,
//! comments, entity declarations, …) are read to the end or refused with an
//! error, never a panic; a file read without error, written with
//! `TmxWriter` and read again gives the same units (the writer's output is
//! a fixed point of the reader); language tags canonicalise idempotently.
//! Through the binary: a handful of mutated files give exit 0 or 1, never a
//! crash (101) or an internal error (2).

mod common;

use common::*;
use proptest::prelude::*;
use std::path::Path;
use yakugo::lang::{Lang, SrcLang};
use yakugo::model::{TmxDate, Unit};
use yakugo::tmx::writer::ExportHeader;
use yakugo::tmx::{TmxReader, TmxWriter};
use yakugo::tsv::{Dialect, PairReader};

/// Reads every unit; `Err` with the error text when the file is refused.
/// Warnings are drained as an importer would.
fn read_all(path: &Path) -> Result<Vec<Unit>, String> {
    let mut reader = TmxReader::open(path).map_err(|e| e.to_string())?;
    let _ = reader.header();
    let mut units = Vec::new();
    loop {
        match reader.next_unit() {
            Ok(Some(u)) => units.push(u),
            Ok(None) => break,
            Err(e) => {
                let _ = reader.take_warnings();
                // After an error the reader is finished.
                assert!(matches!(reader.next_unit(), Ok(None)), "the reader stops after an error");
                return Err(e.to_string());
            }
        }
        for w in reader.take_warnings() {
            assert!(!w.rule.is_empty() && w.line >= 1, "{w:?}");
        }
        assert!(units.len() < 1_000_000);
    }
    let _ = reader.take_warnings();
    Ok(units)
}

/// Writes units with the TMX writer.
fn write_all(units: &[Unit]) -> Vec<u8> {
    let header = ExportHeader {
        creation_date: TmxDate::from_unix(0),
        ..ExportHeader::default()
    };
    let mut w = TmxWriter::new(Vec::new(), &header).expect("writing to memory");
    for u in units {
        w.write_unit(u).expect("writing to memory");
    }
    w.finish().expect("writing to memory")
}

/// Reads `bytes` from a temp file; if accepted, checks the write/read
/// fixed point.
fn exercise(bytes: &[u8]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.tmx");
    std::fs::write(&path, bytes).unwrap();
    if let Ok(units) = read_all(&path) {
        let written = write_all(&units);
        let again_path = dir.path().join("again.tmx");
        std::fs::write(&again_path, &written).unwrap();
        let again = read_all(&again_path);
        let text = String::from_utf8_lossy(&written);
        prop_assert!(again.is_ok(), "the writer's output is refused: {:?}\n{}", again.err(), text);
        let again = again.unwrap();
        prop_assert_eq!(again.len(), units.len());
        for (a, b) in units.iter().zip(&again) {
            prop_assert_eq!(a, b, "a unit changed through write and read:\n{}", text);
        }
    }
    Ok(())
}

/// Pieces of markup worth inserting.
const SNIPPETS: &[&str] = &[
    "<",
    ">",
    "&",
    "&amp;",
    "&#x0;",
    "&#xD800;",
    "&#1114112;",
    "&lt",
    "]]>",
    "<![CDATA[",
    "]]",
    "<!--",
    "-->",
    "<?pi x?>",
    "<?xml version=\"1.0\"?>",
    "<!DOCTYPE tmx [<!ENTITY a \"b\">]>",
    "&a;",
    "\"",
    "'",
    "=",
    "<seg>",
    "</seg>",
    "<tu>",
    "</tu>",
    "<tuv xml:lang=\"fr\">",
    "</tuv>",
    "<body>",
    "</body>",
    "</tmx>",
    "<bpt i=\"9\">",
    "<ept i=\"9\">",
    "</bpt>",
    "<sub>",
    "</sub>",
    "<hi>",
    "</hi>",
    "<ph/>",
    "<it pos=\"x\">",
    "<ut>",
    "<b>",
    "</b>",
    "<prop>",
    "<note xml:lang=\"\">",
    "<ude>",
    "xml:lang=\"\"",
    " lang=\"EN_us\"",
    " creationdate=\"2024-13-45\"",
    " usagecount=\"-1\"",
    " tuid=\"&#10;\"",
    "\u{FEFF}",
    "\0",
    "\r",
    "\r\n",
    "\t",
    "\u{1}",
    "\u{FFFE}",
    "日本",
    "\u{10FFFF}",
    "x:y",
    "xmlns=\"urn:x\"",
];

#[derive(Clone, Debug)]
/// Positions are taken modulo the file length.
enum Mutation {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize, usize),
    Snippet(usize, usize),
    Duplicate(usize, usize),
}

/// `i` as a position in `0..n`.
fn at(i: usize, n: usize) -> usize {
    i % n.max(1)
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => any::<usize>().prop_map(Mutation::Truncate),
        2 => (any::<usize>(), 0u8..8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        2 => (any::<usize>(), 1usize..16).prop_map(|(i, n)| Mutation::Delete(i, n)),
        4 => (any::<usize>(), 0..SNIPPETS.len()).prop_map(|(i, s)| Mutation::Snippet(i, s)),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Duplicate(a, b)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    if bytes.is_empty() {
        return;
    }
    match m {
        Mutation::Truncate(i) => bytes.truncate(at(*i, bytes.len())),
        Mutation::Flip(i, bit) => {
            let pos = at(*i, bytes.len());
            bytes[pos] ^= 1 << bit;
        }
        Mutation::Insert(i, b) => {
            let pos = at(*i, bytes.len() + 1);
            bytes.insert(pos, *b);
        }
        Mutation::Delete(i, n) => {
            let pos = at(*i, bytes.len());
            let end = (pos + n).min(bytes.len());
            bytes.drain(pos..end);
        }
        Mutation::Snippet(i, s) => {
            let pos = at(*i, bytes.len() + 1);
            bytes.splice(pos..pos, SNIPPETS[*s].bytes());
        }
        Mutation::Duplicate(a, b) => {
            // Copy a slice of the file to another place (repeats tags).
            let start = at(*a, bytes.len());
            let end = (start + 200).min(bytes.len());
            let piece = bytes[start..end].to_vec();
            let pos = at(*b, bytes.len() + 1);
            bytes.splice(pos..pos, piece);
        }
    }
}

const MUTATED_FIXTURES: &[&str] = &[
    "inline_all.tmx",
    "utf8_basic_14.tmx",
    "cdata_entities.tmx",
    "quirks_warnings.tmx",
    "three_langs.tmx",
    "xml_space.tmx",
    "utf16le_bom.tmx",
    "utf16be_bom.tmx",
    "latin1_decl.tmx",
    "tmx11_lang_attr.tmx",
];

fn fixture_bytes() -> Vec<Vec<u8>> {
    MUTATED_FIXTURES.iter().map(|n| std::fs::read(fixture(n)).unwrap()).collect()
}

/// 256 cases by default, `PROPTEST_CASES=N` for a longer hunt.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        exercise(&bytes)?;
    }

    #[test]
    fn arbitrary_bytes_inside_a_segment(bytes in prop::collection::vec(any::<u8>(), 0..500)) {
        let mut doc = b"<?xml version=\"1.0\"?>\n<tmx version=\"1.4\"><header srclang=\"en\"/><body><tu><tuv xml:lang=\"en\"><seg>".to_vec();
        doc.extend(&bytes);
        doc.extend(b"</seg></tuv><tuv xml:lang=\"ja\"><seg>x</seg></tuv></tu></body></tmx>\n");
        exercise(&doc)?;
    }

    #[test]
    fn arbitrary_text_inside_a_segment(text in "\\PC{0,200}") {
        // Printable text: XML-escaped it must always be accepted and kept.
        let escaped = text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        let doc = tmx_doc(&format!("<tu><tuv xml:lang=\"en\"><seg>{escaped}</seg></tuv><tuv xml:lang=\"ja\"><seg>x</seg></tuv></tu>"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.tmx");
        std::fs::write(&path, &doc).unwrap();
        let units = read_all(&path);
        prop_assert!(units.is_ok(), "{:?}", units.err());
        let units = units.unwrap();
        prop_assert_eq!(units.len(), 1);
        prop_assert_eq!(&units[0].variants[0].plain, &text);
        prop_assert_eq!(&units[0].variants[0].markup, &escaped);
        exercise(doc.as_bytes())?;
    }

    #[test]
    fn mutated_fixtures(which in 0..MUTATED_FIXTURES.len(), mutations in prop::collection::vec(mutation(), 1..5)) {
        let mut bytes = fixture_bytes().swap_remove(which);
        for m in &mutations {
            apply(&mut bytes, m);
        }
        exercise(&bytes)?;
    }

    #[test]
    fn pair_readers(bytes in prop::collection::vec(any::<u8>(), 0..1000), csv in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.txt");
        std::fs::write(&path, &bytes).unwrap();
        let dialect = if csv { Dialect::Csv } else { Dialect::Tsv };
        if let Ok(mut reader) = PairReader::open(&path, dialect, Lang::parse("en").unwrap(), Lang::parse("ja").unwrap()) {
            let mut n = 0;
            while let Ok(Some(unit)) = reader.next_unit() {
                prop_assert_eq!(unit.variants.len(), 2);
                n += 1;
                prop_assert!(n <= bytes.len() + 1);
            }
            let _ = reader.take_warnings();
        }
    }

    #[test]
    fn language_tags(raw in "\\PC{0,20}|[a-zA-Z]{1,9}([-_][a-zA-Z0-9]{1,9}){0,4}") {
        if let Ok(lang) = Lang::parse(&raw) {
            let again = Lang::parse(lang.as_str());
            prop_assert_eq!(again.as_ref(), Ok(&lang), "canonical form is stable");
            prop_assert!(lang.matches(&lang));
            prop_assert!(lang.as_str().starts_with(lang.primary()));
        }
        let _ = SrcLang::parse(&raw);
        let _ = TmxDate::parse(&raw);
    }

    #[test]
    fn dates(raw in "[0-9]{8}(T[0-9]{6}Z?)?|[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}:[0-9]{2}Z?)?|\\PC{0,20}") {
        if let Some(d) = TmxDate::parse(&raw) {
            prop_assert_eq!(d.as_str().len(), 16);
            prop_assert_eq!(TmxDate::parse(d.as_str()), Some(d.clone()), "canonical form is stable");
        }
    }
}

/// A small deterministic generator, for the CLI check below.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn the_import_command_never_crashes_on_mutated_files() {
    let fixtures = fixture_bytes();
    let mut rng = Lcg(0x5eed);
    let store = Store::new();
    let mut outcomes = [0usize; 2];
    for case in 0..24 {
        let mut bytes = fixtures[case % fixtures.len()].clone();
        for _ in 0..1 + rng.below(3) {
            let m = match rng.below(4) {
                0 => Mutation::Truncate(rng.next() as usize),
                1 => Mutation::Insert(rng.next() as usize, rng.next() as u8),
                2 => Mutation::Delete(rng.next() as usize, 1 + rng.below(8)),
                _ => Mutation::Snippet(rng.next() as usize, rng.below(SNIPPETS.len())),
            };
            apply(&mut bytes, &m);
        }
        let path = store.path(&format!("m{case}.tmx"));
        std::fs::write(&path, &bytes).unwrap();
        let run = store.import_run(&["--no-lang-check"], &[&path]);
        assert!(
            matches!(run.code, Some(0 | 1)),
            "case {case}: exit {:?}\nstderr: {}",
            run.code,
            run.stderr
        );
        let report = run.json();
        let status = &file_report(&report)["status"];
        assert_eq!(status == "imported", run.code == Some(0), "case {case}: {report}");
        outcomes[run.code.unwrap() as usize] += 1;
        // The store stays readable after every case.
        store.run(["--json", "stats"]).expect_code(0);
    }
    let out = store.path("all.tmx");
    store.run([std::ffi::OsStr::new("export"), out.as_os_str()]).expect_code(0);
    eprintln!("mutated files: {} imported, {} rejected", outcomes[0], outcomes[1]);
}
