//! Sentence segmentation over our own fixtures and the bundled newsletter.
//!
//! `tests/fixtures/segment/<lang>.<case>.txt` (or `.md`) is segmented with
//! the bundled rules and compared with `<lang>.<case>.segments`: one segment
//! per line, paragraphs separated by a blank line.

mod common;

use yakugo::lang::Lang;
use yakugo::segment::{Format, Paragraph, Segmenter};
use yakugo::tmx::TmxReader;

fn render(paragraphs: &[Paragraph]) -> String {
    let blocks: Vec<String> = paragraphs
        .iter()
        .map(|p| p.segments.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join("\n"))
        .collect();
    blocks.join("\n\n") + "\n"
}

#[test]
fn fixtures_segment_as_expected() {
    let dir = common::root().join("tests/fixtures/segment");
    let segmenter = Segmenter::default_rules();
    let mut seen = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for input in entries.iter().filter(|p| p.extension().is_some_and(|e| e != "segments")) {
        let name = input.file_name().unwrap().to_str().unwrap();
        let lang: Lang = name.split('.').next().unwrap().parse().unwrap();
        let text = std::fs::read_to_string(input).unwrap();
        let got = render(&segmenter.segment_document(&text, &lang, Format::from_path(input)));
        let want = std::fs::read_to_string(input.with_extension("segments")).unwrap();
        assert_eq!(got, want, "{name}");
        seen += 1;
    }
    assert!(seen >= 5);
}

/// The newsletter's sentences, in order, per language.
fn newsletter() -> (Vec<String>, Vec<String>) {
    let mut reader = TmxReader::open(&common::bundled_tm()).unwrap();
    let (ja, en): (Lang, Lang) = ("ja".parse().unwrap(), "en".parse().unwrap());
    let (mut jas, mut ens) = (Vec::new(), Vec::new());
    while let Some(unit) = reader.next_unit().unwrap() {
        jas.push(unit.variants_in(&ja).next().unwrap().plain.clone());
        ens.push(unit.variants_in(&en).next().unwrap().plain.clone());
    }
    (jas, ens)
}

/// Joins sentences back into running text: consecutive sentences that end
/// in a full stop share a line (separated by `sep`); any other sentence
/// (a heading, a numbered item, a line ending in `:`) is a line of its own.
fn as_document(sentences: &[String], sep: &str) -> String {
    let mut doc = String::new();
    let mut joining = false;
    for s in sentences {
        let numbered = s.starts_with(|c: char| c.is_ascii_digit() || c == '(' || c == '（')
            || s.split_once(['.', '．'])
                .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| "ivx".contains(c)));
        let full_stop = s.ends_with(['.', '。']) && !numbered;
        if joining && full_stop {
            doc.push_str(sep);
        } else if !doc.is_empty() {
            doc.push('\n');
        }
        doc.push_str(s);
        joining = full_stop;
    }
    doc
}

#[test]
fn bundled_newsletter_segments_into_the_tm_sentences() {
    let (ja, en) = newsletter();
    assert_eq!(ja.len(), 96);
    let segmenter = Segmenter::default_rules();
    for (sentences, lang, sep) in [(&ja, "ja", ""), (&en, "en", " ")] {
        let doc = as_document(sentences, sep);
        assert!(doc.lines().count() < sentences.len(), "sentences are joined");
        let paragraphs = segmenter.segment_document(&doc, &lang.parse().unwrap(), Format::Plain);
        let got: Vec<&str> = paragraphs.iter().flat_map(|p| &p.segments).map(|s| s.text.as_str()).collect();
        let want: Vec<&str> = sentences.iter().map(String::as_str).collect();
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g, w, "{lang} segment {}", i + 1);
        }
        assert_eq!(got.len(), want.len(), "{lang}");
    }
}

#[test]
fn new_texts_segment_into_sixteen_sentences() {
    let segmenter = Segmenter::default_rules();
    for lang in ["ja", "en"] {
        let text = std::fs::read_to_string(common::root().join(format!("tm/new-text.{lang}.txt"))).unwrap();
        let paragraphs = segmenter.segment_document(&text, &lang.parse().unwrap(), Format::Plain);
        let count: usize = paragraphs.iter().map(|p| p.segments.len()).sum();
        assert_eq!(count, 16, "{lang}: {paragraphs:#?}");
    }
}

#[test]
fn an_srx_file_replaces_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("semicolons.srx");
    std::fs::write(
        &path,
        r#"<srx xmlns="http://www.lisa.org/srx20" version="2.0"><header cascade="no"/><body>
<languagerules><languagerule languagerulename="All"><rule break="yes"><beforebreak>;</beforebreak><afterbreak>\s</afterbreak></rule></languagerule></languagerules>
<maprules><languagemap languagepattern=".*" languagerulename="All"/></maprules></body></srx>"#,
    )
    .unwrap();
    let segmenter = Segmenter::from_srx(&path).unwrap();
    let paragraphs = segmenter.segment_document("One; two. Three", &"en".parse().unwrap(), Format::Plain);
    assert_eq!(render(&paragraphs), "One;\ntwo. Three\n");
}
