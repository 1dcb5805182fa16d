//! Glossary formats: TBX v2/v3 (DCA, DCT) and CSV/TSV, read and written.

use proptest::prelude::*;
use std::path::{Path, PathBuf};
use yakugo::lang::Lang;
use yakugo::tbx::{self, TbxReader, TbxVersion};
use yakugo::terms::table::{self, Delimiter, Layout, TableError, TableOptions};
use yakugo::terms::{Concept, Term, TermStatus};
use yakugo::xml::InputError;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/tbx").join(name)
}

fn lang(s: &str) -> Lang {
    Lang::parse(s).unwrap()
}

fn tbx(path: &Path) -> (Vec<Concept>, Vec<yakugo::tmx::Warning>) {
    tbx::read_all(path).unwrap_or_else(|e| panic!("{e}"))
}

fn pairs(path: &Path, src: &str, tgt: &str) -> Result<table::Table, TableError> {
    table::read_table(
        path,
        &TableOptions {
            source: Some(lang(src)),
            target: Some(lang(tgt)),
            ..TableOptions::default()
        },
    )
}

fn term(l: &str, text: &str, status: TermStatus) -> Term {
    Term::new(lang(l), text, status)
}

fn write_read_tbx(concepts: &[Concept]) -> Vec<Concept> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.tbx");
    tbx::write_tbx(std::fs::File::create(&path).unwrap(), concepts).unwrap();
    let (back, warnings) = tbx(&path);
    assert!(warnings.is_empty(), "{warnings:?}");
    back
}

fn write_read_tsv(concepts: &[Concept]) -> Vec<Concept> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.tsv");
    table::write_tsv(std::fs::File::create(&path).unwrap(), concepts).unwrap();
    let t = table::read_table(&path, &TableOptions::default()).unwrap();
    assert_eq!(t.layout, Layout::Concepts);
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    t.concepts
}

#[test]
fn tbx_v3_dca() {
    let mut reader = TbxReader::open(&fixture("v3_dca.tbx")).unwrap();
    assert_eq!(reader.version(), TbxVersion::V3Dca);
    let mut concepts = Vec::new();
    while let Some(c) = reader.next_concept().unwrap() {
        concepts.push(c);
    }
    let warnings = reader.take_warnings();
    assert_eq!(concepts.len(), 2, "g3 has no usable term");
    let g1 = &concepts[0];
    assert_eq!(g1.id.as_deref(), Some("g1"));
    assert_eq!(g1.subject_field.as_deref(), Some("e-government"));
    assert_eq!(
        g1.definition.as_deref(),
        Some("Online submission of applications & notifications to public bodies.")
    );
    assert_eq!(g1.note.as_deref(), Some("Concept-level note."));
    let mut expected = term("ja", "電子申請", TermStatus::Preferred);
    expected.part_of_speech = Some("noun".into());
    expected.term_type = Some("fullForm".into());
    assert_eq!(g1.terms[0], expected);
    assert_eq!(g1.terms[1].term_type.as_deref(), Some("variant"));
    assert_eq!(g1.terms[2].lang, lang("en-US"));
    assert_eq!(g1.terms[2].source.as_deref(), Some("yakugo team"));
    assert_eq!(g1.terms[2].note.as_deref(), Some("Used by the Digital Agency."));
    assert_eq!(g1.terms[3].status, TermStatus::Deprecated);
    assert_eq!(g1.terms.len(), 4);
    let g2 = &concepts[1];
    assert_eq!(g2.definition.as_deref(), Some("Number assigned to every resident of Japan."));
    assert!(g2.terms[1].case_sensitive);
    assert_eq!(g2.terms[2].status, TermStatus::Admitted, "default status");
    assert_eq!(g2.terms.len(), 3, "the term without a language is skipped");
    let rules: Vec<&str> = warnings.iter().map(|w| w.rule).collect();
    assert!(rules.contains(&"ignored-data-category"), "{warnings:?}");
    assert_eq!(rules.iter().filter(|r| **r == "bad-language").count(), 2, "{warnings:?}");
    assert!(rules.contains(&"empty-concept"), "{warnings:?}");
    let w = warnings.iter().find(|w| w.rule == "empty-concept").unwrap();
    assert_eq!((w.unit, w.tuid.as_deref()), (Some(3), Some("g3")));
}

#[test]
fn tbx_v3_dct() {
    let mut reader = TbxReader::open(&fixture("v3_dct.tbx")).unwrap();
    assert_eq!(reader.version(), TbxVersion::V3Dct);
    let c = reader.next_concept().unwrap().unwrap();
    assert!(reader.next_concept().unwrap().is_none());
    assert!(reader.take_warnings().is_empty());
    assert_eq!(c.subject_field.as_deref(), Some("telecommunications"));
    assert_eq!(c.definition.as_deref(), Some("Fifth-generation mobile communication system."));
    assert_eq!(c.terms.len(), 3);
    assert_eq!(c.terms[0].part_of_speech.as_deref(), Some("noun"));
    assert_eq!(c.terms[0].status, TermStatus::Preferred);
    assert_eq!(c.terms[1].text, "5G");
    assert_eq!(c.terms[1].term_type.as_deref(), Some("acronym"));
    assert_eq!(c.terms[1].status, TermStatus::Admitted);
    assert_eq!(c.terms[2].note.as_deref(), Some("Lower case in running text."));
}

#[test]
fn tbx_v2_martif() {
    let mut reader = TbxReader::open(&fixture("v2_martif.tbx")).unwrap();
    assert_eq!(reader.version(), TbxVersion::V2);
    let m1 = reader.next_concept().unwrap().unwrap();
    let m2 = reader.next_concept().unwrap().unwrap();
    assert!(reader.next_concept().unwrap().is_none());
    let warnings = reader.take_warnings();
    assert_eq!(m1.subject_field.as_deref(), Some("information security"));
    assert_eq!(m1.definition.as_deref(), Some("An attack on computer systems through networks."));
    let statuses: Vec<(&str, TermStatus)> = m1.terms.iter().map(|t| (t.text.as_str(), t.status)).collect();
    assert_eq!(
        statuses,
        [
            ("サイバー攻撃", TermStatus::Preferred),
            ("サイバーアタック", TermStatus::Deprecated),
            ("cyberattack", TermStatus::Preferred),
            ("cyber-attack", TermStatus::Superseded),
            ("computer attack", TermStatus::Admitted),
            ("net attack", TermStatus::Admitted),
        ]
    );
    assert_eq!(m1.terms[2].lang, lang("en"), "legacy `lang`");
    assert_eq!(m1.terms[2].source.as_deref(), Some("yakugo team"));
    assert_eq!(m1.terms[2].note.as_deref(), Some("One word."));
    assert_eq!(m2.terms[1].term_type.as_deref(), Some("acronym"));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].rule, "unknown-status");
}

fn syntax_error(e: InputError) -> (u64, u64, String) {
    match e {
        InputError::Syntax { line, column, message, .. } => (line, column, message),
        other => panic!("expected a syntax error, got {other}"),
    }
}

#[test]
fn hostile_and_broken_tbx_are_refused_with_positions() {
    let e = TbxReader::open(&fixture("hostile_entity.tbx")).err().expect("refused");
    let (line, _, message) = syntax_error(e);
    assert_eq!(line, 2);
    assert!(message.contains("entities"), "{message}");

    let e = tbx::read_all(&fixture("undefined_entity.tbx")).unwrap_err();
    let (line, _, message) = syntax_error(e);
    assert_eq!(line, 3);
    assert!(message.contains("&nbsp;"), "{message}");

    let mut reader = TbxReader::open(&fixture("not_well_formed.tbx")).unwrap();
    assert_eq!(reader.next_concept().unwrap().unwrap().terms[0].text, "ok");
    let e = reader.next_concept().unwrap_err();
    assert!(e.to_string().contains("not_well_formed.tbx:5:"), "{e}");
    assert!(reader.next_concept().unwrap().is_none(), "no panic or loop after an error");

    let dir = tempfile::tempdir().unwrap();
    for (name, content) in [
        ("empty.tbx", ""),
        ("tmx.tbx", "<tmx version=\"1.4\"/>"),
        ("text.tbx", "hello"),
        ("truncated.tbx", "<tbx><text><body><conceptEntry id=\"a\"><langSec xml:lang=\"en\">"),
        ("ctrl.tbx", "<tbx><text><body><conceptEntry><langSec xml:lang=\"en\"><termSec><term>a\u{1}</term></termSec></langSec></conceptEntry></body></text></tbx>"),
        ("two_roots.tbx", "<tbx/><tbx/>"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        let e = tbx::read_all(&path).unwrap_err();
        let text = e.to_string();
        assert!(text.contains(&format!("{name}:1:")), "{text}");
    }
}

#[test]
fn tables_omegat_utf16_csv() {
    let t = pairs(&fixture("omegat.tab"), "ja", "en").unwrap();
    assert_eq!(t.layout, Layout::Pairs { header: false });
    assert_eq!(t.concepts.len(), 3);
    assert_eq!(t.concepts[0].terms[0], term("ja", "電子政府", TermStatus::Admitted));
    assert_eq!(t.concepts[0].terms[1], term("en", "e-government", TermStatus::Admitted));
    assert_eq!(t.concepts[0].note.as_deref(), Some("Government services online"));
    assert_eq!(t.concepts[1].note, None);
    assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
    assert_eq!(t.warnings[0].line, 6);

    let e = table::read_table(&fixture("omegat.tab"), &TableOptions::default()).unwrap_err();
    assert!(matches!(e, TableError::NeedLanguages { .. }), "{e}");

    let t = table::read_table(&fixture("utf16.tsv"), &TableOptions::default()).unwrap();
    assert_eq!(t.layout, Layout::Concepts);
    assert_eq!(t.concepts.len(), 2);
    assert_eq!(t.concepts[0].terms[1].text, "administrative procedure");
    assert_eq!(t.concepts[0].terms[1].note.as_deref(), Some("Singular in headings."));
    assert_eq!(t.concepts[1].terms[0].text, "デジタル庁");

    // Languages from the header; quoting.
    let t = table::read_table(&fixture("pairs.csv"), &TableOptions::default()).unwrap();
    assert_eq!(t.layout, Layout::Pairs { header: true });
    assert_eq!(t.concepts[0].terms[0], term("en", "broadband, fixed", TermStatus::Admitted));
    assert_eq!(t.concepts[0].terms[1].lang, lang("ja"));
    assert_eq!(t.concepts[0].note.as_deref(), Some("comment with \"quotes\""));
    assert_eq!(t.concepts.len(), 2);
    assert_eq!(Delimiter::from_path(Path::new("a.CSV")), Delimiter::Comma);
}

/// JMdict's tabulation (`idseq kanji kana pos_first_sense glosses`), read
/// by its header: one concept per entry, kanji preferred, kana admitted
/// (preferred without kanji), each distinct gloss an English term.
#[test]
fn tables_jmdict_layout() {
    let t = table::read_table(&fixture("jmdict_sample.tsv"), &TableOptions::default()).unwrap();
    assert_eq!(t.layout, Layout::Jmdict);
    assert_eq!(t.concepts.len(), 3);
    let c = &t.concepts[0];
    assert_eq!(c.id.as_deref(), Some("9000010"));
    let texts: Vec<(&str, &str, TermStatus)> = c.terms.iter().map(|t| (t.lang.as_str(), t.text.as_str(), t.status)).collect();
    use TermStatus::{Admitted, Preferred};
    assert_eq!(
        texts,
        [
            ("ja", "会議", Preferred),
            ("ja", "かいぎ", Admitted),
            ("en", "meeting", Preferred),
            ("en", "conference", Preferred),
            ("en", "council", Preferred)
        ]
    );
    assert_eq!(c.terms[0].part_of_speech.as_deref(), Some("noun (common) (futsuumeishi)"));
    assert_eq!(c.terms[3].part_of_speech.as_deref(), Some("noun (common) (futsuumeishi)"));
    // Later senses do not inherit the first sense's part of speech.
    assert_eq!(c.terms[4].part_of_speech, None);
    // Kana-only entry: kana preferred; a repeated gloss is one term.
    let texts: Vec<(&str, TermStatus)> = t.concepts[1].terms.iter().map(|t| (t.text.as_str(), t.status)).collect();
    assert_eq!(texts, [("サーバー", Preferred), ("サーバ", Preferred), ("server", Preferred)]);
    // The entry without any spelling is skipped with a warning on its line.
    assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
    assert_eq!((t.warnings[0].line, t.warnings[0].rule), (4, "empty-term"));
    assert_eq!(t.concepts[2].terms[1].text, "情報・通信");
    // Glosses in another language when the caller says so.
    let de = table::read_table(
        &fixture("jmdict_sample.tsv"),
        &TableOptions {
            target: Some(lang("de")),
            ..TableOptions::default()
        },
    )
    .unwrap();
    assert_eq!(de.concepts[0].terms[2].lang, lang("de"));
}

/// The bundled glossary in both formats: the same 95 concepts (the TSV has
/// no concept-level fields), and the TSV writer reproduces the file.
#[test]
fn bundled_glossary_tbx_equals_tsv() {
    let (tbx_concepts, warnings) = tbx(&root().join("glossaries/mic-ict.tbx"));
    assert!(warnings.is_empty(), "{warnings:?}");
    let t = table::read_table(&root().join("glossaries/mic-ict.tsv"), &TableOptions::default()).unwrap();
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    assert_eq!(tbx_concepts.len(), 95);
    assert_eq!(tbx_concepts.iter().map(|c| c.terms.len()).sum::<usize>(), 313);
    assert!(tbx_concepts.iter().all(|c| c.subject_field.is_some() && c.definition.is_some()));
    let stripped: Vec<Concept> = tbx_concepts
        .iter()
        .map(|c| Concept {
            subject_field: None,
            definition: None,
            note: None,
            ..c.clone()
        })
        .collect();
    assert_eq!(stripped, t.concepts);

    let written = table::write_tsv(Vec::new(), &t.concepts).unwrap();
    assert_eq!(
        String::from_utf8(written).unwrap(),
        std::fs::read_to_string(root().join("glossaries/mic-ict.tsv")).unwrap()
    );
    assert_eq!(write_read_tbx(&tbx_concepts), tbx_concepts);
    assert_eq!(write_read_tsv(&tbx_concepts), tbx_concepts);
}

#[test]
fn fixtures_round_trip() {
    for name in ["v3_dca.tbx", "v3_dct.tbx", "v2_martif.tbx"] {
        let (concepts, _) = tbx(&fixture(name));
        assert_eq!(write_read_tbx(&concepts), concepts, "{name} via TBX");
        assert_eq!(write_read_tsv(&concepts), concepts, "{name} via TSV");
    }
}

#[test]
fn written_tbx_is_well_formed_for_xmllint() {
    let (concepts, _) = tbx(&fixture("v2_martif.tbx"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.tbx");
    tbx::write_tbx(std::fs::File::create(&path).unwrap(), &concepts).unwrap();
    match std::process::Command::new("xmllint").arg("--noout").arg(&path).output() {
        Ok(out) => assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr)),
        Err(_) => eprintln!("skipped: xmllint is not installed (apt-get install libxml2-utils)"),
    }
}

fn text_strategy() -> impl Strategy<Value = String> {
    // Any XML-safe text, trimmed and non-empty (the reader trims).
    "[a-zA-Z0-9 &<>\"'\\\\\t\n\r#・日本語テキスト]{0,12}[a-zA-Z日本]"
        .prop_map(|s| s.trim().to_string())
        .prop_filter("non-empty", |s| !s.is_empty())
}

fn term_strategy() -> impl Strategy<Value = Term> {
    (
        prop::sample::select(vec!["ja", "en", "en-US", "de", "zh-Hant-TW"]),
        text_strategy(),
        prop::sample::select(vec![
            TermStatus::Preferred,
            TermStatus::Admitted,
            TermStatus::Deprecated,
            TermStatus::Superseded,
        ]),
        prop::option::of(text_strategy()),
        prop::option::of(text_strategy()),
        prop::option::of(text_strategy()),
        prop::option::of(text_strategy()),
        any::<bool>(),
    )
        .prop_map(|(l, text, status, part_of_speech, term_type, note, source, case_sensitive)| Term {
            lang: lang(l),
            text,
            status,
            part_of_speech,
            term_type,
            note,
            source,
            case_sensitive,
        })
}

fn concept_strategy() -> impl Strategy<Value = Concept> {
    (
        prop::option::of("[a-z][a-z0-9_.-]{0,8}"),
        prop::option::of(text_strategy()),
        prop::option::of(text_strategy()),
        prop::option::of(text_strategy()),
        prop::collection::vec(term_strategy(), 1..5),
    )
        .prop_map(|(id, subject_field, definition, note, terms)| Concept {
            id,
            subject_field,
            definition,
            note,
            terms,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn tbx_and_tsv_round_trip(concepts in prop::collection::vec(concept_strategy(), 0..6)) {
        // Ids are unique in a file (the TSV groups rows by id).
        let mut concepts = concepts;
        for (i, c) in concepts.iter_mut().enumerate() {
            if let Some(id) = &mut c.id {
                id.push_str(&format!("-{i}"));
            }
        }
        prop_assert_eq!(write_read_tbx(&concepts), concepts.clone());
        prop_assert_eq!(write_read_tsv(&concepts), concepts);
    }
}

/// Third-party termbases in `../shared/corpus/termbases`: every TBX and
/// every glossary table reads, except files that xmllint also finds not
/// well-formed, which fail with a located error.
#[test]
fn corpus_termbases() {
    let base = root().join("../shared/corpus/termbases");
    if !base.is_dir() {
        eprintln!("skipped: {} is absent", base.display());
        return;
    }
    // Verified with `xmllint --noout`: the only TBX in the corpus that is
    // not well-formed.
    let not_well_formed = ["tbx/ltac_tbx3/poorly_formed_xml.tbx"];
    let mut files = Vec::new();
    collect(&base, &mut files);
    files.sort();
    let mut failures = Vec::new();
    let mut checked = 0;
    for path in &files {
        let rel = path.strip_prefix(&base).unwrap().to_string_lossy().replace('\\', "/");
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        let in_tables = rel.starts_with("csv_tsv/") || rel.starts_with("japanese/");
        let result = if ext == "tbx" {
            tbx::read_all(path)
                .map(|(c, w)| (c.len(), c.iter().map(|c| c.terms.len()).sum::<usize>(), w.len()))
                .map_err(|e| e.to_string())
        } else if in_tables && matches!(ext.as_str(), "csv" | "tsv" | "tab" | "txt") {
            pairs(path, "en", "ja")
                .map(|t| {
                    (
                        t.concepts.len(),
                        t.concepts.iter().map(|c| c.terms.len()).sum::<usize>(),
                        t.warnings.len(),
                    )
                })
                .map_err(|e| e.to_string())
        } else {
            continue;
        };
        checked += 1;
        match result {
            Ok((concepts, terms, warnings)) => println!("ok    {rel}: {concepts} concepts, {terms} terms, {warnings} warnings"),
            Err(e) => {
                println!("error {rel}: {e}");
                let located = e.split(':').nth(1).is_some_and(|l| l.parse::<u64>().is_ok()) || e.contains(".tbx:");
                assert!(located, "{rel}: the error has no line:column: {e}");
                failures.push(rel);
            }
        }
    }
    println!("{checked} files checked, {} failed", failures.len());
    assert!(checked > 20, "only {checked} files found");
    assert_eq!(failures, not_well_formed);
}

/// The 191,541-entry JMdict of `../shared/corpus/termbases/jmdict`
/// (decompressed with `xz`) reads as one concept per entry.
#[test]
fn corpus_jmdict() {
    let xz = root().join("../shared/corpus/termbases/jmdict/jmdict_ja-en.tsv.xz");
    if !xz.exists() {
        eprintln!("skipped: {} is absent", xz.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tsv = dir.path().join("jmdict_ja-en.tsv");
    let Ok(out) = std::process::Command::new("xz")
        .arg("-dc")
        .arg(&xz)
        .stdout(std::fs::File::create(&tsv).unwrap())
        .status()
    else {
        eprintln!("skipped: xz is not installed (apt-get install xz-utils)");
        return;
    };
    assert!(out.success(), "xz -dc {}", xz.display());
    let t = table::read_table(&tsv, &TableOptions::default()).unwrap();
    assert_eq!(t.layout, Layout::Jmdict);
    assert_eq!(t.concepts.len(), 191_541);
    assert!(t.warnings.is_empty(), "{:?}", &t.warnings[..t.warnings.len().min(5)]);
    let terms: usize = t.concepts.iter().map(|c| c.terms.len()).sum();
    assert!(terms > 700_000, "{terms} terms");
    let ja = lang("ja");
    assert!(t.concepts.iter().all(|c| c.terms.iter().any(|t| t.lang == ja)));
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "jmdict") {
                continue;
            }
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    /// Any bytes: a result or an error, never a panic or a hang.
    #[test]
    fn readers_never_panic(prefix in prop::sample::select(vec!["", "<tbx>", "<martif><text><body>", "concept\tlang\tterm\n"]), body in prop::collection::vec(any::<u8>(), 0..200)) {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = prefix.as_bytes().to_vec();
        bytes.extend(body);
        let tbx_path = dir.path().join("x.tbx");
        std::fs::write(&tbx_path, &bytes).unwrap();
        let _ = tbx::read_all(&tbx_path);
        for name in ["x.tsv", "x.csv"] {
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes).unwrap();
            let _ = pairs(&path, "en", "ja");
        }
    }
}
