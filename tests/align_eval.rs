//! Alignment quality on gold data we wrote ourselves (issue 6, point 4):
//! strict bead precision, recall and F1 must reach 0.95 on each set.
//!
//! 1. The bundled newsletter TM (`tm/mic-news-vol28-no5.ja-en.tmx`): its
//!    Japanese and English sides in document order, 1-1 by construction,
//!    made harder by joining adjacent sentences on one side
//!    ([`merge_adjacent`]), so that 2-1 and 1-2 beads must be found.
//! 2. A second pair of documents in the same domain
//!    (`tests/fixtures/align/mic-ict-2.{ja,en}.txt`, one segment per line)
//!    with merges, splits, heading numbering differences and one-sided
//!    lines, and its gold beads (`mic-ict-2.gold.tsv`).
//!
//! Both run with the bundled glossary as anchors, and without it.
//! `cargo test --test align_eval -- --nocapture` prints the figures.

mod common;

use std::ops::Range;
use yakugo::align::eval::{bead_scores, merge_adjacent, spans, Scores, Span};
use yakugo::align::Aligner;
use yakugo::lang::Lang;
use yakugo::terms::find::TermIndex;
use yakugo::tmx::TmxReader;

fn lang(tag: &str) -> Lang {
    Lang::parse(tag).expect("language tag")
}

fn glossary() -> TermIndex {
    let (concepts, _) = yakugo::tbx::read_all(&common::root().join("glossaries/mic-ict.tbx")).expect("bundled glossary");
    TermIndex::new(&concepts)
}

fn align(src: &[String], tgt: &[String], glossary: Option<&TermIndex>) -> Vec<Span> {
    let (ja, en) = (lang("ja"), lang("en"));
    let mut aligner = Aligner::new(&ja, &en);
    if let Some(g) = glossary {
        aligner = aligner.with_glossary(g);
    }
    spans(aligner.align(src, tgt).expect("no TM, no failure"))
}

/// Scores and prints the figures and the wrong beads with their texts.
fn report(name: &str, predicted: &[Span], gold: &[Span], src: &[String], tgt: &[String]) -> Scores {
    let scores = bead_scores(predicted, gold);
    println!("{name}: {scores}");
    for (s, t) in predicted.iter().filter(|b| bead_scores(std::slice::from_ref(b), gold).correct == 0) {
        println!("  wrong bead: src {s:?} {:?} | tgt {t:?} {:?}", &src[s.clone()], &tgt[t.clone()]);
    }
    scores
}

fn newsletter_pairs() -> Vec<(String, String)> {
    let mut reader = TmxReader::open(&common::bundled_tm()).expect("bundled TM");
    let (ja, en) = (lang("ja"), lang("en"));
    let mut pairs = Vec::new();
    while let Some(unit) = reader.next_unit().expect("bundled TM reads") {
        let j = unit.variants_in(&ja).next().expect("ja variant").plain.clone();
        let e = unit.variants_in(&en).next().expect("en variant").plain.clone();
        pairs.push((j, e));
    }
    pairs
}

#[test]
fn bundled_newsletter_with_merged_sentences() {
    let pairs = newsletter_pairs();
    assert_eq!(pairs.len(), 96);
    let glossary = glossary();
    for every in [0, 5, 3] {
        let doc = merge_adjacent(&pairs, every, "", " ");
        for (with, g) in [("with glossary", Some(&glossary)), ("without glossary", None)] {
            let predicted = align(&doc.src, &doc.tgt, g);
            let s = report(
                &format!("newsletter, joins every {every}, {with}"),
                &predicted,
                &doc.gold,
                &doc.src,
                &doc.tgt,
            );
            assert!(s.f1 >= 0.95, "F1 {:.4} < 0.95", s.f1);
        }
    }
}
/// Reads `name.{ja,en}.txt` (one segment per line) and `name.gold.tsv`
/// (per bead: source segment numbers, a tab, target segment numbers;
/// 1-based, comma-separated, empty for none; `#` comments).
fn fixture(name: &str) -> (Vec<String>, Vec<String>, Vec<Span>) {
    let dir = common::root().join("tests/fixtures/align");
    let read = |ext: &str| std::fs::read_to_string(dir.join(format!("{name}.{ext}"))).expect("fixture");
    let lines = |text: String| text.lines().map(str::to_string).collect::<Vec<_>>();
    let range = |cell: &str| -> Range<usize> {
        let numbers: Vec<usize> = cell
            .split(',')
            .filter(|c| !c.trim().is_empty())
            .map(|c| c.trim().parse().expect("segment number"))
            .collect();
        match (numbers.first(), numbers.last()) {
            (Some(&a), Some(&b)) => {
                assert_eq!(numbers, (a..=b).collect::<Vec<_>>(), "consecutive numbers in {cell}");
                a - 1..b
            }
            _ => 0..0,
        }
    };
    let mut gold = Vec::new();
    for line in read("gold.tsv").lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let (s, t) = line.split_once('\t').expect("two columns");
        gold.push((range(s), range(t)));
    }
    // Empty sides of one-sided beads sit where the other side is.
    let (mut i, mut j) = (0, 0);
    for (s, t) in gold.iter_mut() {
        if s.start == s.end {
            *s = i..i;
        }
        if t.start == t.end {
            *t = j..j;
        }
        assert_eq!((s.start, t.start), (i, j), "gold beads in order and covering every segment");
        (i, j) = (s.end, t.end);
    }
    let (ja, en) = (lines(read("ja.txt")), lines(read("en.txt")));
    assert_eq!((i, j), (ja.len(), en.len()), "gold covers both documents");
    (ja, en, gold)
}

#[test]
fn second_document_pair_with_numbering_merges_splits_and_one_sided_lines() {
    let (ja, en, gold) = fixture("mic-ict-2");
    let glossary = glossary();
    for (with, g) in [("with glossary", Some(&glossary)), ("without glossary", None)] {
        let predicted = align(&ja, &en, g);
        let s = report(&format!("mic-ict-2, {with}"), &predicted, &gold, &ja, &en);
        assert!(s.f1 >= 0.95, "F1 {:.4} < 0.95", s.f1);
    }
}
