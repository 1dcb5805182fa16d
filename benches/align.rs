//! Alignment quality and speed on real data (issue 6: strict bead F1 ≥ 0.95;
//! 10,000 segments per side in ≤ 5 s).
//!
//! Run by hand (not in CI): `cargo bench --bench align`.
//!
//! 1. **Quality**: the Kyoto Wikipedia articles in
//!    `../shared/corpus/parallel/kyoto_wiki/xml_samples/` are
//!    sentence-aligned by construction (`<sen>`: `<j>` and its checked
//!    English `<e type="check">`). Each article's sentences become a
//!    Japanese and an English document; the alignment is stripped, adjacent
//!    sentences are joined on one side about every 5 pairs (alternately
//!    English and Japanese: 2-1 and 1-2 beads), and the documents are
//!    re-aligned with the default length model and no glossary. Strict bead
//!    precision, recall and F1 are printed per article and over all.
//! 2. **Speed**: the first 10,000 pairs of
//!    `../shared/corpus/parallel/kyoto_wiki/kyoto_ja_en_full.tsv.xz` (whole
//!    articles, back to back; `xz` must be installed) as two 10,000-segment
//!    documents, aligned as they are and with joins every 10 pairs; time
//!    (features, search and confidences) and F1 are printed.
//!
//! 3. **With a dictionary** (a separate, labelled line; the figures above
//!    use none): part 1 again with the JMdict glossary
//!    (`../shared/corpus/termbases/jmdict/jmdict_ja-en.tsv.xz`, read by the
//!    glossary table reader) passed as a user's glossary is.
//!
//! `ALIGN_BENCH_VERBOSE=1` lists the wrong beads of parts 1 and 3 with their
//! texts (and the first 40 of part 2).
//! Skipped with a message when the corpus is absent.

mod common;

use std::path::{Path, PathBuf};
use std::time::Instant;
use yakugo::align::eval::{bead_scores, merge_adjacent, spans, Scores};
use yakugo::align::Aligner;
use yakugo::lang::Lang;
use yakugo::terms::find::TermIndex;
use yakugo::xml::Events;

const SPEED_SEGMENTS: usize = 10_000;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/parallel/kyoto_wiki");
    let samples = root.join("xml_samples");
    if !samples.exists() {
        println!("skipped: {} not present", samples.display());
        return;
    }
    let Some(corpus) = common::kyoto_corpus() else { return };
    let (ja, en) = (Lang::parse("ja").expect("ja"), Lang::parse("en").expect("en"));
    let aligner = Aligner::new(&ja, &en);

    let mut files: Vec<PathBuf> = std::fs::read_dir(&samples)
        .expect("xml_samples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    let articles: Vec<(String, Vec<(String, String)>)> = files
        .iter()
        .map(|f| {
            (
                f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                read_article(f),
            )
        })
        .collect();
    println!("quality: Kyoto Wikipedia XML samples, joins every 5 pairs, no glossary");
    quality(&aligner, &articles);

    println!("speed: the first {SPEED_SEGMENTS} Kyoto pairs of {}", corpus.display());
    let pairs: Vec<(String, String)> = common::kyoto_pairs(&corpus).take(SPEED_SEGMENTS).collect();
    for every in [0, 10] {
        let doc = merge_adjacent(&pairs, every, "", " ");
        let t = Instant::now();
        let beads = spans(aligner.align(&doc.src, &doc.tgt).expect("no TM, no failure"));
        let secs = t.elapsed().as_secs_f64();
        let s: Scores = bead_scores(&beads, &doc.gold);
        if std::env::var_os("ALIGN_BENCH_VERBOSE").is_some() {
            for (a, b) in beads.iter().filter(|b| !doc.gold.contains(b)).take(40) {
                println!(
                    "    wrong: {a:?} {:?}\n       | {b:?} {:?}",
                    &doc.src[a.clone()],
                    &doc.tgt[b.clone()]
                );
            }
        }
        println!(
            "  joins every {every}: {} ja x {} en segments aligned in {secs:.2} s ({}); {s}",
            doc.src.len(),
            doc.tgt.len(),
            if secs <= 5.0 {
                "target ≤ 5 s met"
            } else {
                "target ≤ 5 s MISSED"
            }
        );
    }

    let jmdict = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/termbases/jmdict/jmdict_ja-en.tsv.xz");
    if jmdict.exists() {
        let concepts = common::jmdict_concepts(&jmdict);
        let glossary = TermIndex::new(&concepts);
        println!(
            "quality WITH the JMdict glossary ({} concepts, passed as a user's glossary): Kyoto XML samples, joins every 5 pairs",
            concepts.len()
        );
        quality(&Aligner::new(&ja, &en).with_glossary(&glossary), &articles);
    } else {
        println!("JMdict line skipped: {} not present", jmdict.display());
    }
}

/// Aligns each article's sentences, joined every 5 pairs, and prints
/// strict bead scores per article and over all (with the wrong beads under
/// `ALIGN_BENCH_VERBOSE`).
fn quality(aligner: &Aligner, articles: &[(String, Vec<(String, String)>)]) {
    let (mut correct, mut predicted, mut gold) = (0, 0, 0);
    for (name, pairs) in articles {
        let doc = merge_adjacent(pairs, 5, "", " ");
        let beads = spans(aligner.align(&doc.src, &doc.tgt).expect("no TM, no failure"));
        let s = bead_scores(&beads, &doc.gold);
        println!(
            "  {name}: {} pairs -> {} ja / {} en segments; {s}",
            pairs.len(),
            doc.src.len(),
            doc.tgt.len()
        );
        if std::env::var_os("ALIGN_BENCH_VERBOSE").is_some() {
            for (a, b) in beads.iter().filter(|b| !doc.gold.contains(b)) {
                println!(
                    "    wrong: {a:?} {:?}\n       | {b:?} {:?}",
                    &doc.src[a.clone()],
                    &doc.tgt[b.clone()]
                );
            }
        }
        correct += s.correct;
        predicted += s.predicted;
        gold += s.gold;
    }
    let p = correct as f64 / predicted.max(1) as f64;
    let r = correct as f64 / gold.max(1) as f64;
    let f1 = 2.0 * p * r / (p + r).max(f64::MIN_POSITIVE);
    println!(
        "  all articles: strict beads: P {p:.4} R {r:.4} F1 {f1:.4} ({correct} correct, {predicted} predicted, {gold} gold); target F1 ≥ 0.95: {}",
        if f1 >= 0.95 { "met" } else { "MISSED" }
    );
}

/// The `(Japanese, checked English)` sentence pairs of one article, in
/// order. The last `<e type="check">` of a sentence wins, else its last
/// translation.
fn read_article(path: &Path) -> Vec<(String, String)> {
    use quick_xml::events::Event;
    let mut events = Events::open(path).expect("Kyoto XML");
    let mut pairs = Vec::new();
    let (mut in_sen, mut field): (bool, Option<&str>) = (false, None);
    let (mut ja, mut en, mut checked, mut text) = (String::new(), String::new(), false, String::new());
    loop {
        let event = events.next_event().unwrap_or_else(|e| panic!("{}: {}", path.display(), e.message));
        match event {
            Event::Start(e) => match e.name().as_ref() {
                "sen" => {
                    in_sen = true;
                    (ja, en, checked) = (String::new(), String::new(), false);
                }
                "j" if in_sen => field = Some("j"),
                "e" if in_sen => {
                    let attributes = events
                        .attributes(&e)
                        .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.message));
                    let check = attributes.iter().any(|(k, v)| *k == "type" && v == "check");
                    field = Some(if check { "check" } else { "trans" });
                }
                _ => {}
            },
            Event::Text(t) if field.is_some() => text.push_str(&t),
            Event::GeneralRef(r) if field.is_some() => text.push(yakugo::xml::resolve_entity(&r).expect("known entity")),
            Event::End(e) => match e.name().as_ref() {
                "j" | "e" => {
                    let value = std::mem::take(&mut text).trim().to_string();
                    match field.take() {
                        Some("j") => ja = value,
                        Some("check") => {
                            en = value;
                            checked = true;
                        }
                        Some(_) if !checked => en = value,
                        _ => {}
                    }
                }
                "sen" => {
                    in_sen = false;
                    if !ja.is_empty() && !en.is_empty() {
                        pairs.push((std::mem::take(&mut ja), std::mem::take(&mut en)));
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    pairs
}
