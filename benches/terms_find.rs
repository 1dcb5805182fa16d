//! Term recognition speed: the JMdict glossary against 10,000 Japanese
//! sentences (issue 4's target: scanned in ≤ 2 s).
//!
//! Run by hand (not in CI): `cargo bench --bench terms_find`.
//!
//! It reads `../shared/corpus/termbases/jmdict/jmdict_ja-en.tsv.xz`
//! (`xz` must be installed) with the glossary table reader's JMdict layout
//! (one concept per entry: kanji spellings preferred, kana spellings
//! admitted, glosses as English terms), builds a [`TermIndex`] directly (no store),
//! and scans the `ja` column of the first 10,000 sentences of
//! `../shared/corpus/parallel/kyoto_wiki/kyoto_ja_en_sample.tsv` with
//! `--lang ja`. Skipped with a message when either file is absent.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::time::Instant;
use yakugo::lang::Lang;
use yakugo::terms::find::TermIndex;

const SENTENCES: usize = 10_000;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let jmdict = root.join("../shared/corpus/termbases/jmdict/jmdict_ja-en.tsv.xz");
    let kyoto = root.join("../shared/corpus/parallel/kyoto_wiki/kyoto_ja_en_sample.tsv");
    for path in [&jmdict, &kyoto] {
        if !path.exists() {
            println!("skipped: {} not present", path.display());
            return;
        }
    }
    let t = Instant::now();
    let concepts = common::jmdict_concepts(&jmdict);
    let terms: usize = concepts.iter().map(|c| c.terms.len()).sum();
    println!(
        "read JMdict: {} concepts, {terms} terms in {:.2} s",
        concepts.len(),
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let index = TermIndex::new(&concepts);
    println!("index build: {:.2} s", t.elapsed().as_secs_f64());
    drop(concepts);

    let sentences = read_sentences(&kyoto);
    let chars: usize = sentences.iter().map(|s| s.chars().count()).sum();
    let ja = Lang::parse("ja").expect("ja");
    let t = Instant::now();
    let mut hits = 0usize;
    let mut forbidden = 0usize;
    for s in &sentences {
        for h in index.find(s, Some(&ja)) {
            hits += 1;
            forbidden += usize::from(h.forbidden);
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "scan: {} sentences ({chars} chars) in {secs:.2} s ({:.0} sentences/s), {hits} hits ({forbidden} forbidden); target ≤ 2 s: {}",
        sentences.len(),
        sentences.len() as f64 / secs,
        if secs <= 2.0 { "met" } else { "MISSED" }
    );
}

fn read_sentences(path: &Path) -> Vec<String> {
    let reader = BufReader::new(std::fs::File::open(path).expect("Kyoto sample"));
    let mut lines = reader.lines().map(|l| l.expect("Kyoto line"));
    let header = lines.next().unwrap_or_default();
    let column = header.split('\t').position(|c| c == "ja").expect("a `ja` column");
    lines
        .filter_map(|l| l.split('\t').nth(column).map(str::to_string))
        .filter(|s| !s.is_empty())
        .take(SENTENCES)
        .collect()
}
