//! A language pair of the store, loaded for lookups.
//!
//! [`PairMemory::load`] reads every unit that has both languages once;
//! [`PairMemory::lookup`] then scores a query against every source whose
//! length could reach the minimum score. This is the exhaustive scan the
//! persistent candidate index (the next step of fuzzy matching) will be
//! checked against; it is exact, and fast enough for TMs of tens of
//! thousands of units, not for millions.
//!
//! The length bound is safe: with `n_q` query tokens and `n_c` candidate
//! tokens, the token edit distance is at least `|n_q − n_c|`, so the fuzzy
//! score is at most `min(n_q, n_c) / max(n_q, n_c) × 100`. Candidates whose
//! bound is below the minimum cannot match and are not scored. Formatting
//! and tag matches (95–99) have equal token counts, so they always pass.

use super::{diff, score, tokens, DiffOp, MatchKind};
use crate::lang::Lang;
use crate::store::{ExportFilter, Store, StoreError};
use crate::text::normalize::normalize;
use crate::text::numbers;
use serde::Serialize;
use std::collections::HashMap;

/// One unit seen as a source → target pair.
struct Entry {
    unit_id: i64,
    source_markup: String,
    source_plain: String,
    target_plain: String,
    tokens: usize,
    origin: String,
    date: Option<String>,
}

/// A match for a query, best first in [`PairMemory::lookup`]'s result.
#[derive(Clone, Debug, Serialize)]
pub struct Match {
    /// Percent, rounded to two decimals.
    pub score: f64,
    pub kind: MatchKind,
    pub id: i64,
    pub source: String,
    pub target: String,
    /// What in `source` differs from the query.
    pub diff: Vec<DiffOp>,
    /// The target with the query's numbers, when the match differs from
    /// the query only in numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adapted_target: Option<String>,
    pub origin: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

pub struct PairMemory {
    entries: Vec<Entry>,
}

impl PairMemory {
    /// Loads the units that have a `src` and a `tgt` variant (region
    /// variants included: `en` selects `en-US`). A unit with several
    /// variants in a language contributes its first.
    pub fn load(store: &Store, src: &Lang, tgt: &Lang) -> Result<PairMemory, StoreError> {
        let origins: HashMap<i64, String> = store.origins()?.into_iter().map(|o| (o.id, o.name)).collect();
        let mut entries = Vec::new();
        store.for_each_unit(&ExportFilter::default(), |stored| -> Result<(), StoreError> {
            let unit = &stored.unit;
            if let (Some(s), Some(t)) = (unit.variants_in(src).next(), unit.variants_in(tgt).next()) {
                entries.push(Entry {
                    unit_id: stored.id,
                    tokens: tokens(&normalize(&s.plain)).len(),
                    source_markup: s.markup.clone(),
                    source_plain: s.plain.clone(),
                    target_plain: t.plain.clone(),
                    origin: origins.get(&stored.origin_id).cloned().unwrap_or_default(),
                    date: unit
                        .admin
                        .change_date
                        .as_ref()
                        .or(unit.admin.creation_date.as_ref())
                        .map(|d| d.to_string()),
                });
            }
            Ok(())
        })?;
        Ok(PairMemory { entries })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The `top` best matches scoring at least `min`, best first (ties:
    /// the newer unit first).
    pub fn lookup(&self, query: &str, min: f64, top: usize) -> Vec<Match> {
        let mut query_markup = String::with_capacity(query.len());
        crate::xml::escape_text(query, &mut query_markup);
        let query_tokens = tokens(&normalize(query)).len();
        let mut scored: Vec<(f64, MatchKind, &Entry)> = self
            .entries
            .iter()
            .filter(|e| length_bound(query_tokens, e.tokens) >= min)
            .filter_map(|e| {
                let s = score(&query_markup, query, &e.source_markup, &e.source_plain);
                (s.score >= min).then_some((s.score, s.kind, e))
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.2.unit_id.cmp(&a.2.unit_id)));
        scored
            .into_iter()
            .take(top)
            .map(|(score, kind, e)| Match {
                score: (score * 100.0).round() / 100.0,
                kind,
                id: e.unit_id,
                source: e.source_plain.clone(),
                target: e.target_plain.clone(),
                diff: diff(query, &e.source_plain),
                adapted_target: if kind == MatchKind::Fuzzy {
                    numbers::adapt(query, &e.source_plain, &e.target_plain)
                } else {
                    None
                },
                origin: e.origin.clone(),
                date: e.date.clone(),
            })
            .collect()
    }
}

/// The best score a candidate of `candidate` tokens can reach against a
/// query of `query` tokens (see the module documentation).
fn length_bound(query: usize, candidate: usize) -> f64 {
    let (lo, hi) = (query.min(candidate), query.max(candidate));
    if hi == 0 || lo == hi {
        100.0
    } else {
        lo as f64 / hi as f64 * 100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Header, Unit, Variant};
    use crate::store::NewOrigin;

    fn store_with(pairs: &[(&str, &str)]) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("t.db")).unwrap();
        let origin = NewOrigin {
            name: "t.tmx".into(),
            format: "tmx",
            header: Header::default(),
        };
        let mut import = store.begin_import(&origin).unwrap();
        let v = |lang: &str, text: &str| Variant {
            lang: Lang::parse(lang).unwrap(),
            markup: text.into(),
            plain: text.into(),
            admin: Default::default(),
            meta: Default::default(),
        };
        for (ja, en) in pairs {
            import
                .add(&Unit {
                    variants: vec![v("ja", ja), v("en-US", en)],
                    ..Unit::default()
                })
                .unwrap();
        }
        import.commit().unwrap();
        (dir, store)
    }

    #[test]
    fn finds_exact_fuzzy_and_adapted_matches_best_first() {
        let (_dir, store) = store_with(&[
            (
                "第10回会議がシンガポールで開催されました。",
                "The 10th meeting was held in Singapore.",
            ),
            ("総務省は報告書を公表しました。", "MIC published the report."),
        ]);
        let memory = PairMemory::load(&store, &"ja".parse().unwrap(), &"en".parse().unwrap()).unwrap();
        assert_eq!(memory.len(), 2);
        let exact = memory.lookup("総務省は報告書を公表しました。", 50.0, 5);
        assert_eq!(exact[0].score, 100.0);
        let adapted = memory.lookup("第11回会議がシンガポールで開催されました。", 50.0, 5);
        assert_eq!(adapted.len(), 1);
        assert!(adapted[0].score < 100.0 && adapted[0].score >= 90.0, "{}", adapted[0].score);
        assert_eq!(
            adapted[0].adapted_target.as_deref(),
            Some("The 11th meeting was held in Singapore.")
        );
        assert!(memory.lookup("まったく関係のない文です。", 50.0, 5).is_empty());
    }

    #[test]
    fn length_bound_never_rejects_a_reachable_score() {
        for q in 0..30 {
            for c in 0..30 {
                let bound = length_bound(q, c);
                // The best possible: all of the shorter side matches.
                let best = if q.max(c) == 0 {
                    100.0
                } else {
                    (1.0 - (q.abs_diff(c)) as f64 / q.max(c) as f64) * 100.0
                };
                assert!(bound + 1e-9 >= best, "q={q} c={c}");
            }
        }
    }
}
