//! Export is a fixed point: import → export (E1) → import into a fresh
//! store → export (E2) gives E1 again, except the header's `creationdate`.
//!
//! Pins: the round trip for every valid fixture, the bundled TM, a filtered
//! export and a store holding every fixture at once; E1 is valid against the
//! TMX 1.4b DTD (`tests/fixtures/tmx14.dtd`, checked with xmllint when it is
//! installed); a single-origin export carries that file's header props and
//! notes; the TSV export of the bundled TM has 94 rows and survives its own
//! round trip; whatever the importer accepts, the exporter writes as
//! well-formed XML.

mod common;

use common::*;
use std::path::{Path, PathBuf};

/// Imports `files` into a fresh store and exports with `extra` arguments.
/// Returns the store (kept alive for its temp dir) and the export path.
fn import_export(files: &[&Path], extra: &[&str]) -> (Store, PathBuf) {
    let store = Store::new();
    let run = store.import_run(&["--no-lang-check"], files);
    run.expect_code(0);
    let out = store.export_file("e.tmx", extra);
    (store, out)
}

/// Runs the round trip; returns E1's text.
fn round_trip(label: &str, files: &[&Path], extra: &[&str]) -> String {
    let (_a, e1) = import_export(files, extra);
    let (_b, e2) = import_export(&[&e1], &[]);
    let t1 = std::fs::read_to_string(&e1).unwrap();
    let t2 = std::fs::read_to_string(&e2).unwrap();
    let (s1, s2) = (without_header_date(&t1), without_header_date(&t2));
    assert!(
        s1 == s2,
        "{label}: E1 and E2 differ beyond the header date: {}",
        first_difference(&s1, &s2)
    );
    assert_ne!(s1, t1, "{label}: the header has a creationdate");
    let header = |t: &str| t.lines().find(|l| l.contains("<header")).unwrap().to_string();
    let date = attr(&header(&t1), "creationdate").expect("header creationdate");
    assert!(date.len() == 16 && date.ends_with('Z'), "{label}: TMX date {date}");
    if xmllint_available() {
        if let Err(e) = xmllint_dtd_valid(&e1) {
            panic!("{label}: the export is not valid TMX 1.4b:\n{e}\n--- export ---\n{t1}");
        }
    }
    t1
}

fn note_skipped_xmllint() {
    if !xmllint_available() {
        eprintln!("{XMLLINT_SKIPPED}");
    }
}

#[test]
fn every_valid_fixture_round_trips() {
    note_skipped_xmllint();
    for path in valid_fixtures() {
        let label = path.file_name().unwrap().to_string_lossy().to_string();
        let e1 = round_trip(&label, &[&path], &[]);
        // The export holds as many units as the store.
        let store = Store::new();
        store.import_run(&["--no-lang-check"], &[&path]).expect_code(0);
        assert_eq!(units(&e1).len() as u64, store.units(), "{label}");
    }
}

#[test]
fn bundled_tm_round_trips() {
    note_skipped_xmllint();
    let e1 = round_trip("bundled TM", &[&bundled_tm()], &[]);
    assert_eq!(units(&e1).len(), 94);
    let e1 = round_trip("bundled TM, ja-en", &[&bundled_tm()], &["--src", "ja", "--tgt", "en"]);
    assert_eq!(units(&e1).len(), 94);
}

#[test]
fn a_store_of_every_fixture_round_trips() {
    note_skipped_xmllint();
    let mut files = valid_fixtures();
    files.push(bundled_tm());
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    round_trip("all fixtures", &refs, &[]);
    round_trip("all fixtures, en-ja", &refs, &["--src", "en", "--tgt", "ja"]);
    round_trip(
        "all fixtures, origin filter",
        &refs,
        &["--origin", "inline_all.tmx", "--origin", "three_langs.tmx"],
    );
}

#[test]
fn single_origin_export_keeps_the_header() {
    let (_store, e1) = import_export(&[&fixture("utf8_basic_14.tmx")], &[]);
    let text = std::fs::read_to_string(e1).unwrap();
    let header_end = text.find("</header>").expect("a header with content");
    let header = &text[text.find("<header").unwrap()..header_end];
    assert!(header.contains("<note>Baseline fixture for TMX 1.4 import.</note>"), "{header}");
    assert!(header.contains("<prop type=\"x-domain\">government</prop>"), "{header}");
    assert_eq!(attr(header, "srclang").as_deref(), Some("ja"));
    assert_eq!(attr(header, "adminlang").as_deref(), Some("en-US"));
    assert_eq!(attr(header, "segtype").as_deref(), Some("sentence"));
}

#[test]
fn bundled_tm_tsv_export_has_94_rows_and_round_trips() {
    let store = Store::new();
    store.import_ok(&[&bundled_tm()]);
    let tsv = store.export(&["--format", "tsv", "--src", "ja", "--tgt", "en"]);
    let rows: Vec<&str> = tsv.lines().collect();
    assert_eq!(rows.len(), 94);
    for row in &rows {
        let cells: Vec<&str> = row.split('\t').collect();
        assert_eq!(cells.len(), 2, "one tab per row: {row}");
        assert!(cells.iter().all(|c| !c.trim().is_empty()), "no empty cell: {row}");
    }
    assert_eq!(
        rows[0],
        "第10回日・ASEAN情報セキュリティ政策会議の結果\tResults of 10th Japan-ASEAN Information Security Policy Meeting"
    );
    // Written to a file, it is read back as the same pairs.
    let file = store.export_file("ja-en.tsv", &["--format", "tsv", "--src", "ja", "--tgt", "en"]);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), tsv);
    let other = Store::new();
    let run = other.import_run(&["--src", "ja", "--tgt", "en", "--no-lang-check"], &[&file]);
    run.expect_code(0);
    assert_eq!(int(file_report(&run.json()), "added"), 94);
    assert_eq!(other.export(&["--format", "tsv", "--src", "ja", "--tgt", "en"]), tsv);
    // The reverse direction has the same rows, columns swapped.
    let en_ja = store.export(&["--format", "tsv", "--src", "en", "--tgt", "ja"]);
    let swapped: Vec<String> = rows.iter().map(|r| r.split('\t').rev().collect::<Vec<_>>().join("\t")).collect();
    assert_eq!(en_ja.lines().collect::<Vec<_>>(), swapped);
}

/// Whether `c` is allowed in an XML 1.0 document (the `Char` production).
fn xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// `]]>` outside CDATA sections.
fn has_stray_cdata_end(xml: &str) -> bool {
    let mut rest = xml;
    loop {
        let next_cdata = rest.find("<![CDATA[");
        let next_end = rest.find("]]>");
        match (next_cdata, next_end) {
            (_, None) => return false,
            (Some(c), Some(e)) if c < e => {
                let after = &rest[c + 9..];
                match after.find("]]>") {
                    Some(close) => rest = &after[close + 3..],
                    None => return false,
                }
            }
            (_, Some(_)) => return true,
        }
    }
}

/// Imports each body; whatever is accepted must export as well-formed XML.
fn accepted_means_well_formed(cases: &[(&str, Vec<u8>)]) {
    for (label, content) in cases {
        let store = Store::new();
        let path = store.path("in.tmx");
        std::fs::write(&path, content).unwrap();
        let run = store.import_run(&["--no-lang-check"], &[&path]);
        assert!(matches!(run.code, Some(0 | 1)), "{label}: exit {:?}: {}", run.code, run.stderr);
        if run.code == Some(1) {
            continue; // refused: fine
        }
        let out = store.export_file("out.tmx", &[]);
        let text = std::fs::read_to_string(&out).unwrap();
        let bad: Vec<char> = text.chars().filter(|c| !xml_char(*c)).collect();
        assert!(bad.is_empty(), "{label}: accepted, then exported characters XML forbids: {bad:?}");
        assert!(!has_stray_cdata_end(&text), "{label}: accepted, then exported `]]>` in text");
        if xmllint_available() {
            if let Err(e) = xmllint_well_formed(&out) {
                panic!("{label}: accepted, then exported ill-formed XML:\n{e}");
            }
        }
    }
}

fn unit_with(seg: &str) -> Vec<u8> {
    tmx_doc(&format!(
        "    <tu>\n      <tuv xml:lang=\"en\"><seg>{seg}</seg></tuv>\n      <tuv xml:lang=\"fr\"><seg>texte</seg></tuv>\n    </tu>"
    ))
    .into_bytes()
}

/// A unit with `child` before its variants.
fn with_tu_child(child: &str) -> Vec<u8> {
    String::from_utf8(unit_with("a"))
        .unwrap()
        .replacen("<tu>", &format!("<tu>{child}"), 1)
        .into_bytes()
}

#[test]
fn accepted_markup_exports_well_formed() {
    // Things the importer does accept and must write back correctly.
    accepted_means_well_formed(&[
        ("unknown element kept as text", unit_with("a <b>bold</b> c")),
        ("namespaced element", unit_with("a <x:y xmlns:x=\"urn:x\">t</x:y>")),
        ("sub outside code", unit_with("x<sub>y</sub>")),
        ("bpt without i", unit_with("x<bpt>a</bpt>")),
        ("unknown inline attribute", unit_with("x<hi x=\"1\" y=\"&lt;&quot;\">a</hi>")),
        ("single-quoted attribute", unit_with("a<ph x='1\"'>&quot;</ph>")),
        ("entities and CDATA", unit_with("&amp;&lt;&gt;&#x10FFFF;<![CDATA[ <&> ]]>")),
        ("CR references", unit_with("a&#13;b&#xD;")),
        ("comment and PI", unit_with("a<!-- c -->b<?pi x?>")),
        ("greater-than", unit_with("a > b")),
        ("CDATA split around ]]>", unit_with("<![CDATA[x]]]]><![CDATA[>y]]>")),
        (
            "nested code",
            unit_with("x<bpt i=\"1\">a<sub>b<hi>c</hi></sub></bpt><ept i=\"1\"/>"),
        ),
        (
            "literal ampersand in unknown element attribute",
            unit_with("<b title=\"a&amp;b\">t</b>"),
        ),
        // Props and notes are stored as text and escaped on export.
        ("]]> in a note", with_tu_child("<note>x ]]> y</note>")),
        ("]]> in a prop", with_tu_child("<prop type=\"x\">x ]]> y</prop>")),
    ]);
}

#[test]
fn cdata_end_in_text_is_refused_or_escaped() {
    accepted_means_well_formed(&[
        ("]]> in a seg", unit_with("a ]]> b")),
        ("]]> in a hi", unit_with("<hi>a ]]> b</hi>")),
    ]);
}

#[test]
fn forbidden_characters_are_refused_or_dropped() {
    let in_attr = String::from_utf8(unit_with("a"))
        .unwrap()
        .replacen("<tu>", "<tu tuid=\"a\u{2}b\">", 1)
        .into_bytes();
    accepted_means_well_formed(&[
        ("U+0001 in a seg", unit_with("a\u{1}b")),
        ("U+000C in a ph", unit_with("a<ph x=\"1\">\u{c}</ph>")),
        ("U+FFFE in a seg", unit_with("a\u{FFFE}b")),
        ("U+0002 in an attribute", in_attr),
        ("U+0002 in a note", with_tu_child("<note>a\u{2}</note>")),
    ]);
}

#[test]
fn header_ude_elements_export_valid() {
    if !xmllint_available() {
        eprintln!("{XMLLINT_SKIPPED}");
        return;
    }
    let cases = [
        "<ude name=\"a\"><map unicode=\"#xE000\" code=\"&#x41;\"/></ude>",
        "<ude name=\"a\"></ude>",
        "<ude><map unicode=\"#xE000\"/></ude>",
        "<ude name=\"a\"><map unicode=\"#xE000\"/><foo>x</foo></ude>",
        "<ude name=\"a\"><map/></ude>",
        "<ude name=\"a\">text<map unicode=\"#xE000\"/></ude>",
    ];
    let mut failures = Vec::new();
    for ude in cases {
        let doc = tmx_doc("    <tu><tuv xml:lang=\"en\"><seg>x</seg></tuv><tuv xml:lang=\"fr\"><seg>c</seg></tuv></tu>").replacen(
            "datatype=\"plaintext\"/>",
            &format!("datatype=\"plaintext\">{ude}</header>"),
            1,
        );
        let store = Store::new();
        let path = store.path("in.tmx");
        std::fs::write(&path, doc).unwrap();
        let run = store.import_run(&["--no-lang-check"], &[&path]);
        if run.code == Some(1) {
            continue; // refused: fine
        }
        run.expect_code(0);
        let out = store.export_file("out.tmx", &[]);
        if let Err(e) = xmllint_dtd_valid(&out) {
            failures.push(format!("{ude}: {}", e.lines().nth(1).unwrap_or("")));
        }
    }
    assert!(failures.is_empty(), "accepted, then exported invalid TMX:\n{}", failures.join("\n"));
}

/// A small deterministic generator.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n.max(1) as u64) as usize
    }
}

/// Well-formed pieces: inserted into text content they keep the file
/// well-formed, so many mutated files are accepted.
const BALANCED: &[&str] = &[
    "<hi>x</hi>",
    "<hi x=\"1\" type=\"b\"><ph/></hi>",
    "<ph/>",
    "<ph x=\"7\" assoc=\"p\">&lt;br/&gt;</ph>",
    "<sub>y</sub>",
    "<bpt i=\"3\">z<sub>s</sub></bpt>",
    "<ept i=\"3\"/>",
    "<it pos=\"end\"/>",
    "<it pos=\"middle\">m</it>",
    "<ut>u</ut>",
    "<b>t</b>",
    "<bpt>no i</bpt>",
    "<prop type=\"t\">v</prop>",
    "<prop>untyped</prop>",
    "<note>n</note>",
    "<tuv xml:lang=\"de\"><seg>d</seg></tuv>",
    "<tuv><seg>no lang</seg></tuv>",
    "<tu><tuv xml:lang=\"de\"><seg>d</seg></tuv></tu>",
    "<tu/>",
    "<seg>second</seg>",
    "&amp;",
    "&#x41;",
    "<![CDATA[c<>]]>",
    "<!-- c -->",
    "<?p x?>",
    " ",
    "\n",
];

#[test]
fn mutated_fixtures_that_are_accepted_export_valid_tmx() {
    use yakugo::model::TmxDate;
    use yakugo::tmx::writer::ExportHeader;
    use yakugo::tmx::{TmxReader, TmxWriter};
    if !xmllint_available() {
        eprintln!("{XMLLINT_SKIPPED}");
        return;
    }
    let fixtures: Vec<Vec<u8>> = [
        "inline_all.tmx",
        "utf8_basic_14.tmx",
        "cdata_entities.tmx",
        "quirks_warnings.tmx",
        "three_langs.tmx",
        "xml_space.tmx",
    ]
    .iter()
    .map(|n| std::fs::read(fixture(n)).unwrap())
    .collect();
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Lcg(42);
    let (mut accepted, mut failures) = (0, Vec::new());
    for case in 0..300 {
        let mut bytes = fixtures[case % fixtures.len()].clone();
        // Insert after a '>' so that the piece lands between markup.
        for _ in 0..1 + rng.below(4) {
            let gts: Vec<usize> = bytes.iter().enumerate().filter(|(_, b)| **b == b'>').map(|(i, _)| i + 1).collect();
            let pos = gts[rng.below(gts.len())];
            let piece = BALANCED[rng.below(BALANCED.len())];
            bytes.splice(pos..pos, piece.bytes());
        }
        let input = dir.path().join(format!("in{case}.tmx"));
        std::fs::write(&input, &bytes).unwrap();
        let Ok(mut reader) = TmxReader::open(&input) else { continue };
        let mut units = Vec::new();
        let ok = loop {
            match reader.next_unit() {
                Ok(Some(u)) => units.push(u),
                Ok(None) => break true,
                Err(_) => break false,
            }
        };
        if !ok {
            continue;
        }
        accepted += 1;
        // As the importer does: units without variants are not stored.
        units.retain(|u| !u.variants.is_empty());
        let header = ExportHeader {
            creation_date: TmxDate::from_unix(0),
            meta: reader.header().meta.clone(),
            udes: reader.header().udes.clone(),
            ..ExportHeader::default()
        };
        let mut w = TmxWriter::new(Vec::new(), &header).unwrap();
        for u in &units {
            w.write_unit(u).unwrap();
        }
        let out = dir.path().join(format!("out{case}.tmx"));
        std::fs::write(&out, w.finish().unwrap()).unwrap();
        if let Err(e) = xmllint_dtd_valid(&out) {
            failures.push(format!("case {case} ({}): {}", input.display(), e.lines().nth(1).unwrap_or("")));
        }
    }
    assert!(
        accepted >= 30,
        "only {accepted} of 300 mutated files were accepted; the test needs more"
    );
    assert!(
        failures.is_empty(),
        "{} of {accepted} accepted files exported invalid TMX:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{accepted} of 300 mutated files accepted; every export valid");
}

#[test]
fn tsv_cells_with_control_characters_export_well_formed_tmx() {
    for (label, content) in [
        ("vertical tab", "Line one\u{b}line two\tLigne un\u{b}ligne deux\n"),
        ("NUL", "NUL\u{0}here\tnul\n"),
        ("escape", "colour \u{1b}[31mred\trouge\n"),
    ] {
        let store = Store::new();
        let path = store.path("c.tsv");
        std::fs::write(&path, content).unwrap();
        let run = store.import_run(&["--src", "en", "--tgt", "fr", "--no-lang-check"], &[&path]);
        assert!(matches!(run.code, Some(0 | 1)), "{label}: {}", run.stderr);
        if run.code == Some(1) || store.units() == 0 {
            continue; // refused or skipped: fine
        }
        let out = store.export_file("out.tmx", &[]);
        let text = std::fs::read_to_string(&out).unwrap();
        let bad: Vec<char> = text.chars().filter(|c| !xml_char(*c)).collect();
        assert!(bad.is_empty(), "{label}: exported characters XML forbids: {bad:?}");
        if xmllint_available() {
            xmllint_well_formed(&out).unwrap_or_else(|e| panic!("{label}: {e}"));
        }
    }
}
