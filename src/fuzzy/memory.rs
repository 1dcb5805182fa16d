//! A language pair of the store, searched for matches to a query.
//!
//! Two searches give the same answers:
//!
//! - **Indexed** ([`PairMemory::open`], the default): the persistent
//!   candidate index ([`crate::store::index`]) names the units sharing
//!   bigram buckets with the query and how many; only the most promising
//!   are loaded and scored. Nothing is read up front, so a one-shot lookup
//!   costs the same on a TM of a thousand units or a million.
//! - **Exhaustive** ([`PairMemory::exhaustive`], `--exhaustive`): every unit
//!   of the pair is loaded once and every source whose length could reach
//!   the minimum is scored. It is the reference the index is measured
//!   against.
//!
//! # Why the index loses nothing it should find
//!
//! With `n_q` query tokens, `n_c` candidate tokens, `D` distinct query
//! buckets of which the candidate shares `c`, the token edit distance `d`
//! obeys `d ≥ |n_q − n_c|` (length) and `d ≥ (D − c) / 2` (one edit changes
//! at most two bigrams, see [`crate::text::grams`]). So the fuzzy score is at
//! most `bound = 100 × (1 − max(|n_q − n_c|, (D − c) / 2) / max(n_q, n_c))`,
//! and formatting or tag matches (95–100) have the query's very tokens, so
//! `c = D` and `n_c = n_q` give them a bound of 100.
//!
//! Maximised over `n_c`, the bound is `n_q / (n_q + (D − c) / 2)`, so a unit
//! can only reach a floor `f` when it shares `t ≥ D − 2 n_q (100 / f − 1)`
//! buckets, and then it shares at least one of the `D − t + 1` rarest
//! (prefix filtering). The lookup therefore reads only those buckets'
//! postings, skipping the `t − 1` most frequent ones, which hold most
//! postings (`の`, `した`, `the`), and counts every unit as sharing the
//! skipped ones. The floor is [`EXACT_FROM`] (70) or the minimum asked for
//! when higher: every match at or above it is found. Matches between the
//! minimum and 70 are found when they share one of the buckets read, which
//! real near-matches almost always do; the benchmark reports their recall.
//!
//! Candidates are taken in decreasing bound. Each is first screened by its
//! signature ([`crate::fuzzy::screen`]), which gives a tighter bound, in
//! practice its score, without reading its text; the candidates whose
//! screened bound is still the best are then scored from their source text
//! (only the matches kept are loaded whole). The search stops when the next
//! bound, of either kind, is below the `top`-th best score found: no
//! unscored candidate could have entered the result. The one other
//! approximation is a cap of [`VERIFY_LIMIT`] candidates per query, which
//! bounds the time of queries with many weak candidates; the benchmark
//! measures its cost in recall too.
//!
//! # Context matches
//!
//! When the caller gives the query's neighbours ([`Context`]), an exact
//! match (100) whose stored context agrees scores 101
//! ([`MatchKind::Context`]). A unit's context is its `x-context-pre` /
//! `x-context-post` (or `prev` / `next`) props when it has them, otherwise
//! the units imported just before and after it from the same file.

use super::score::{score_with, Forms, Scored};
use super::screen::Screen;
use super::{diff, DiffOp, MatchKind};
use crate::lang::Lang;
use crate::model::{Meta, Unit};
use crate::store::index::split;
use crate::store::signature::Signature;
use crate::store::{ExportFilter, Store, StoreError, StoredUnit};
use crate::text::grams::buckets;
use crate::text::normalize::normalize;
use crate::text::numbers;
use serde::Serialize;
use std::cell::RefCell;
use std::collections::{BinaryHeap, HashMap};

/// The indexed search finds every match scoring at least this (or the
/// minimum asked for, when higher); below it, only matches sharing one of
/// the query's rarer bigrams. See the module documentation.
pub const EXACT_FROM: f64 = 70.0;

/// The most candidates the indexed search screens for one query.
pub const VERIFY_LIMIT: usize = 100;

/// The score of a context match.
pub const CONTEXT_SCORE: f64 = 101.0;

/// The query's neighbouring source segments, when known.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Context {
    /// The context of `segments[i]` in a document of `segments`: its
    /// neighbours.
    pub fn around<S: AsRef<str>>(segments: &[S], i: usize) -> Context {
        Context {
            prev: i.checked_sub(1).and_then(|p| segments.get(p)).map(|s| s.as_ref().to_string()),
            next: segments.get(i + 1).map(|s| s.as_ref().to_string()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.prev.is_none() && self.next.is_none()
    }
}

/// A match for a query, best first in [`PairMemory::lookup`]'s result.
#[derive(Clone, Debug, Serialize)]
pub struct Match {
    /// Percent, rounded to two decimals; 101 for a context match.
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

/// A unit's source segment, as the score reads it (with its [`Forms`],
/// computed where a search needs them).
#[derive(Clone)]
struct Source {
    markup: String,
    plain: String,
}

/// A unit seen as a source → target pair.
#[derive(Clone)]
struct Pair {
    unit_id: i64,
    origin_id: i64,
    source: Source,
    target_plain: String,
    date: Option<String>,
    /// The previous and next source from the unit's props, if it has them.
    context_props: Context,
}

impl Pair {
    /// The pair of `stored` for `src` → `tgt`: the first variant in each
    /// language (region variants included: `en` selects `en-US`).
    fn of(stored: StoredUnit, src: &Lang, tgt: &Lang) -> Option<Pair> {
        let unit = &stored.unit;
        let (s, t) = (unit.variants_in(src).next()?, unit.variants_in(tgt).next()?);
        Some(Pair {
            unit_id: stored.id,
            origin_id: stored.origin_id,
            source: Source {
                markup: s.markup.clone(),
                plain: s.plain.clone(),
            },
            target_plain: t.plain.clone(),
            date: unit
                .admin
                .change_date
                .as_ref()
                .or(unit.admin.creation_date.as_ref())
                .map(|d| d.to_string()),
            context_props: context_props(&unit.meta).or_else(|| context_props(&s.meta)).unwrap_or_default(),
        })
    }
}

/// The context a unit's props give: `x-context-pre`/`x-context-post`
/// (Trados, memoQ and others) or `prev`/`next` (OmegaT).
fn context_props(meta: &Meta) -> Option<Context> {
    let find = |kinds: [&str; 2]| {
        meta.props
            .iter()
            .find(|p| kinds.iter().any(|k| p.kind.eq_ignore_ascii_case(k)))
            .map(|p| p.value.clone())
    };
    let context = Context {
        prev: find(["x-context-pre", "prev"]),
        next: find(["x-context-post", "next"]),
    };
    (!context.is_empty()).then_some(context)
}

/// The query as the scorer needs it.
struct Query<'q> {
    plain: &'q str,
    markup: String,
    forms: Forms,
    context: &'q Context,
}

pub struct PairMemory<'s> {
    store: &'s Store,
    /// Units per bucket of the index, read once: it only steers which
    /// buckets a lookup leaves unread, so a concurrent import cannot make it
    /// wrong, only less apt.
    bucket_counts: Vec<u32>,
    src: Lang,
    tgt: Lang,
    origins: HashMap<i64, String>,
    search: Search,
}

enum Search {
    Indexed(RefCell<Counters>),
    /// Every pair with its source's forms.
    Exhaustive(Vec<(Pair, Forms)>),
}

/// Per-unit tallies of one block of unit ids ([`COUNT_BLOCK`]) of an
/// indexed query, kept between blocks and queries so they stay allocated
/// and in the CPU's cache; only the touched entries are reset.
struct Counters {
    /// Per unit (by offset in the block), packed in one word: the buckets
    /// shared with the query (low 16 bits) and the token count of its
    /// entries (high 16 bits, [`MIXED_TOKENS`] when they disagree). They
    /// disagree when a bucket of the unit's segment in another language
    /// collides with one of the query's, or when entries of a deleted unit
    /// share its reused id; the bound then assumes the most favourable
    /// length.
    words: Vec<u32>,
    /// The offsets touched in this block: the first `touched_len` entries.
    /// Written unconditionally and kept only for a first touch, so that
    /// counting has no branch on the counter's value: a mispredicted branch
    /// there made each cache miss stall the next.
    touched: Vec<u32>,
    touched_len: usize,
}

/// Unit ids counted at a time: the counters of 32,768 units (128 KB) stay
/// in the CPU's cache from one block and one query to the next, where
/// counters over all ids (4 MB for a million units) missed it on most
/// entries.
const COUNT_BLOCK: i64 = 1 << 15;

/// The token count of a unit whose entries disagree on it.
const MIXED_TOKENS: u32 = 0xFFFF;

impl Default for Counters {
    fn default() -> Counters {
        Counters {
            words: vec![0; COUNT_BLOCK as usize],
            // One spare slot: the unconditional write after the last offset.
            touched: vec![0; COUNT_BLOCK as usize + 1],
            touched_len: 0,
        }
    }
}

impl Counters {
    /// Counts one entry of the unit at `offset` in the block. A token count
    /// of `MIXED_TOKENS` or more is stored as mixed: only the length-free
    /// bound is used for it, which is never lower than the true one.
    fn count(&mut self, offset: u32, tokens: u32) {
        let Some(word) = self.words.get_mut(offset as usize) else { return };
        let tokens = tokens.min(MIXED_TOKENS);
        let old = *word;
        let stored = if old == 0 { tokens } else { old >> 16 };
        let kept = if stored == tokens { tokens } else { MIXED_TOKENS };
        *word = kept << 16 | ((old & 0xFFFF) + 1).min(0xFFFF);
        if let Some(slot) = self.touched.get_mut(self.touched_len) {
            *slot = offset;
        }
        self.touched_len += usize::from(old == 0);
    }

    /// Calls `f(offset, shared buckets, token range)` for each unit touched
    /// in this block, and resets the block.
    fn drain(&mut self, mut f: impl FnMut(u32, usize, (usize, usize))) {
        for &offset in &self.touched[..self.touched_len] {
            let word = std::mem::take(&mut self.words[offset as usize]);
            let tokens = (word >> 16) as usize;
            let range = if tokens as u32 == MIXED_TOKENS {
                (0, usize::MAX)
            } else {
                (tokens, tokens)
            };
            f(offset, (word & 0xFFFF) as usize, range);
        }
        self.touched_len = 0;
    }
}

impl<'s> PairMemory<'s> {
    /// The pair `src` → `tgt`, searched through the candidate index.
    pub fn open(store: &'s Store, src: &Lang, tgt: &Lang) -> Result<PairMemory<'s>, StoreError> {
        store.map_for_reading()?;
        Self::with(store, src, tgt, Search::Indexed(RefCell::default()))
    }

    /// The pair `src` → `tgt`, loaded whole and scanned for every query.
    pub fn exhaustive(store: &'s Store, src: &Lang, tgt: &Lang) -> Result<PairMemory<'s>, StoreError> {
        let mut pairs = Vec::new();
        store.for_each_unit(&ExportFilter::default(), |stored| -> Result<(), StoreError> {
            if let Some(pair) = Pair::of(stored, src, tgt) {
                let forms = Forms::of(&pair.source.plain);
                pairs.push((pair, forms));
            }
            Ok(())
        })?;
        Self::with(store, src, tgt, Search::Exhaustive(pairs))
    }

    fn with(store: &'s Store, src: &Lang, tgt: &Lang, search: Search) -> Result<PairMemory<'s>, StoreError> {
        Ok(PairMemory {
            store,
            bucket_counts: match search {
                Search::Indexed(_) => store.fuzzy_bucket_counts()?,
                Search::Exhaustive(_) => Vec::new(),
            },
            src: src.clone(),
            tgt: tgt.clone(),
            origins: store.origin_names()?.into_iter().collect(),
            search,
        })
    }

    pub(super) fn store(&self) -> &Store {
        self.store
    }

    /// The source and target languages.
    pub(super) fn languages(&self) -> (&Lang, &Lang) {
        (&self.src, &self.tgt)
    }

    /// Whether lookups scan every unit rather than ask the index.
    pub(super) fn is_exhaustive(&self) -> bool {
        matches!(self.search, Search::Exhaustive(_))
    }

    /// The `top` best matches scoring at least `min`, best first (ties:
    /// the newer unit first). `context` may be empty.
    pub fn lookup(&self, query: &str, context: &Context, min: f64, top: usize) -> Result<Vec<Match>, StoreError> {
        self.store.reading(|| self.lookup_now(query, context, min, top))
    }

    fn lookup_now(&self, query: &str, context: &Context, min: f64, top: usize) -> Result<Vec<Match>, StoreError> {
        let mut markup = String::with_capacity(query.len());
        crate::xml::escape_text(query, &mut markup);
        let query = Query {
            plain: query,
            markup,
            forms: Forms::of(query),
            context,
        };
        if top == 0 {
            return Ok(Vec::new());
        }
        let query_tokens = query.forms.token_hashes();
        match &self.search {
            Search::Exhaustive(pairs) => {
                let mut best = Best::new(top);
                for (pair, forms) in pairs {
                    if length_bound(query_tokens.len(), forms.token_hashes().len()) < min {
                        continue;
                    }
                    if let Some(scored) = score_source(&query, &pair.source, forms, min) {
                        let (score, kind) = self.in_context(&query, scored, Some(pair))?;
                        best.offer(score, kind, pair.unit_id, pair);
                    }
                }
                Ok(best
                    .into_sorted()
                    .map(|(score, kind, _, pair)| self.to_match(&query, score, kind, pair.clone()))
                    .collect())
            }
            Search::Indexed(counters) => {
                let mut counters = counters.borrow_mut();
                let mut candidates = self.candidates(&mut counters, query_tokens, min)?.into_iter().peekable();
                let screen = Screen::new(&query.forms);
                // Candidates whose signature gave a bound, awaiting their
                // text. Both they and the candidates are taken best bound
                // first; only the matches kept are loaded whole.
                let mut screened: BinaryHeap<Pending> = BinaryHeap::new();
                let mut best = Best::new(top);
                loop {
                    let from_index = candidates.peek().map(|&(bound, unit_id)| Pending { bound, unit_id });
                    let next = match (from_index, screened.peek().copied()) {
                        (Some(i), Some(s)) if s >= i => Step::Text(s),
                        (Some(i), _) => Step::Screen(i),
                        (None, Some(s)) => Step::Text(s),
                        (None, None) => break,
                    };
                    let bound = match next {
                        Step::Text(p) | Step::Screen(p) => p.bound,
                    };
                    if best.is_full() && bound < best.worst().min(100.0) {
                        break;
                    }
                    match next {
                        Step::Screen(pending) => {
                            candidates.next();
                            let floor = if best.is_full() { best.worst().max(min) } else { min };
                            let screened_bound =
                                self.store
                                    .signature(pending.unit_id, &self.src, &self.tgt, |signature| match signature {
                                        Signature::Absent => None,
                                        Signature::Unknown => Some(pending.bound),
                                        Signature::Known(sig) => screen.bound(&sig, floor),
                                    })?;
                            if let Some(bound) = screened_bound {
                                screened.push(Pending { bound, ..pending });
                            }
                        }
                        Step::Text(pending) => {
                            screened.pop();
                            self.score_from_text(&query, pending.unit_id, min, &mut best)?;
                        }
                    }
                }
                let mut matches = Vec::with_capacity(top);
                for (score, kind, unit_id, loaded) in best.into_sorted() {
                    let pair = match loaded {
                        Some(pair) => Some(pair),
                        None => self.pair(unit_id)?,
                    };
                    if let Some(pair) = pair {
                        matches.push(self.to_match(&query, score, kind, pair));
                    }
                }
                Ok(matches)
            }
        }
    }

    /// Scores unit `unit_id` from its source text and offers it to `best`
    /// when it reaches `min`.
    fn score_from_text(&self, query: &Query, unit_id: i64, min: f64, best: &mut Best<Option<Pair>>) -> Result<(), StoreError> {
        // `None`: a stale entry of a deleted unit, or a unit without both
        // languages.
        let Some((plain, markup)) = self.store.source_text(unit_id, &self.src, &self.tgt)? else {
            return Ok(());
        };
        let forms = Forms::of(&plain);
        if let Some(scored) = score_source(query, &Source { markup, plain }, &forms, min) {
            // Loaded now only when its context is to be checked, and kept
            // for the result.
            let pair = if checks_context(query, &scored) {
                self.pair(unit_id)?
            } else {
                None
            };
            let (score, kind) = self.in_context(query, scored, pair.as_ref())?;
            best.offer(score, kind, unit_id, pair);
        }
        Ok(())
    }

    /// The units that could score at least `min`, with their bounds, best
    /// bound first, at most [`VERIFY_LIMIT`].
    fn candidates(&self, counters: &mut Counters, query_tokens: &[u64], min: f64) -> Result<Vec<(f64, i64)>, StoreError> {
        let mut query_buckets = buckets(&self.src, query_tokens);
        let (n_q, distinct) = (query_tokens.len(), query_buckets.len());
        // Prefix filtering: a unit scoring at least `floor` shares at least
        // `needed` buckets with the query, so it shares one of the
        // `distinct - needed + 1` rarest; the `needed - 1` most frequent
        // buckets need not be read, and every unit is assumed to share them.
        let needed = shared_needed(n_q, distinct, min.max(EXACT_FROM));
        let skipped = needed.saturating_sub(1).min(distinct.saturating_sub(1));
        if skipped > 0 {
            let df = |b: &u32| self.bucket_counts.get(*b as usize).copied().unwrap_or(0);
            query_buckets.sort_by_key(|b| std::cmp::Reverse(df(b)));
            query_buckets.drain(..skipped);
            query_buckets.sort_unstable();
        }
        // (group, mask of the query's buckets in it)
        let mut groups: Vec<(u32, u64)> = Vec::new();
        for bucket in query_buckets {
            let (group, low) = split(bucket);
            match groups.last_mut() {
                Some(last) if last.0 == group => last.1 |= 1 << low,
                _ => groups.push((group, 1 << low)),
            }
        }
        let lists = self.store.fuzzy_lists(&groups)?;
        let mut blocks = lists.blocks(COUNT_BLOCK);
        let mut shortlist = Shortlist::new(n_q, distinct, min);
        while let Some(start) = blocks.next(|offset, count| counters.count(offset, count))? {
            counters.drain(|offset, shared, lengths| {
                let shared_at_most = (shared + skipped).min(distinct);
                // Most units share too few buckets to matter: settled
                // without computing their bound.
                if shared_at_most >= shortlist.shared_needed && !shortlist.rejects(lengths, shared_at_most) {
                    let bound = bound_over_lengths(n_q, lengths, distinct, shared_at_most);
                    shortlist.offer(bound, start + i64::from(offset));
                }
            });
        }
        Ok(shortlist.into_sorted())
    }

    /// The unit `unit_id` as a pair, when it exists and has both languages.
    fn pair(&self, unit_id: i64) -> Result<Option<Pair>, StoreError> {
        match self.store.unit(unit_id) {
            Ok(stored) => Ok(Pair::of(stored, &self.src, &self.tgt)),
            Err(StoreError::Sql(rusqlite::Error::QueryReturnedNoRows)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The score and kind of a match scored `scored`: a context match when
    /// [`checks_context`] and `pair` has the query's context.
    fn in_context(&self, query: &Query, scored: Scored, pair: Option<&Pair>) -> Result<(f64, MatchKind), StoreError> {
        if let Some(pair) = pair.filter(|_| checks_context(query, &scored)) {
            if self.context_agrees(pair, query.context)? {
                return Ok((CONTEXT_SCORE, MatchKind::Context));
            }
        }
        Ok((scored.score, scored.kind))
    }

    /// Whether every side of `wanted` equals the unit's stored context.
    fn context_agrees(&self, pair: &Pair, wanted: &Context) -> Result<bool, StoreError> {
        let stored = if pair.context_props.is_empty() {
            Context {
                prev: self.neighbour_source(pair, -1)?,
                next: self.neighbour_source(pair, 1)?,
            }
        } else {
            pair.context_props.clone()
        };
        let agrees = |want: &Option<String>, have: &Option<String>| match (want, have) {
            (None, _) => true,
            (Some(w), Some(h)) => normalize(w) == normalize(h),
            (Some(_), None) => false,
        };
        Ok(agrees(&wanted.prev, &stored.prev) && agrees(&wanted.next, &stored.next))
    }

    /// The source text of the unit imported just before (`-1`) or after
    /// (`1`) the pair's, from the same file.
    fn neighbour_source(&self, pair: &Pair, step: i64) -> Result<Option<String>, StoreError> {
        let stored = match self.store.unit(pair.unit_id + step) {
            Ok(stored) if stored.origin_id == pair.origin_id => stored,
            Ok(_) | Err(StoreError::Sql(rusqlite::Error::QueryReturnedNoRows)) => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(first_plain(&stored.unit, &self.src))
    }

    fn to_match(&self, query: &Query, score: f64, kind: MatchKind, pair: Pair) -> Match {
        Match {
            score: (score * 100.0).round() / 100.0,
            kind,
            id: pair.unit_id,
            diff: diff(query.plain, &pair.source.plain),
            adapted_target: if kind == MatchKind::Fuzzy {
                numbers::adapt(query.plain, &pair.source.plain, &pair.target_plain)
            } else {
                None
            },
            origin: self.origins.get(&pair.origin_id).cloned().unwrap_or_default(),
            date: pair.date,
            source: pair.source.plain,
            target: pair.target_plain,
        }
    }
}

/// Whether a match scored `scored` may be a context match: it is exact and
/// the query has a context.
fn checks_context(query: &Query, scored: &Scored) -> bool {
    scored.kind == MatchKind::Exact && !query.context.is_empty()
}

/// The score of `source` (whose forms are `forms`) for `query`, when it
/// reaches `min`.
fn score_source(query: &Query, source: &Source, forms: &Forms, min: f64) -> Option<Scored> {
    let scored = score_with((&query.markup, query.plain, &query.forms), (&source.markup, &source.plain, forms));
    (scored.score >= min).then_some(scored)
}

fn first_plain(unit: &Unit, lang: &Lang) -> Option<String> {
    unit.variants_in(lang).next().map(|v| v.plain.clone())
}

/// The [`VERIFY_LIMIT`] candidates with the highest bounds offered so far
/// (ties: the higher unit id first), at or above the minimum score.
struct Shortlist {
    kept: Vec<(f64, i64)>,
    n_q: usize,
    distinct: usize,
    /// The lowest bound that can still enter: the minimum score, then the
    /// [`VERIFY_LIMIT`]-th best bound once there are that many.
    floor: f64,
    /// The buckets (shared ones plus skipped ones) a unit needs for its
    /// bound to reach `floor` at any length ([`shared_needed`]).
    shared_needed: usize,
}

impl Shortlist {
    fn new(n_q: usize, distinct: usize, min: f64) -> Shortlist {
        Shortlist {
            kept: Vec::with_capacity(4 * VERIFY_LIMIT),
            n_q,
            distinct,
            floor: min,
            shared_needed: shared_needed(n_q, distinct, min),
        }
    }

    fn offer(&mut self, bound: f64, unit_id: i64) {
        if bound + 1e-9 < self.floor {
            return;
        }
        self.kept.push((bound, unit_id));
        if self.kept.len() == self.kept.capacity() {
            self.keep_best();
            if let Some(&(last, _)) = self.kept.last() {
                // A later unit with the same bound still enters: its id is higher.
                self.floor = self.floor.max(last);
                self.shared_needed = shared_needed(self.n_q, self.distinct, self.floor);
            }
        }
    }

    /// Whether a unit of exactly known length, sharing `shared` buckets, is
    /// certainly below the floor: its [`bucket_bound`], tested without the
    /// division that computing it takes (most units of a query fail here,
    /// and the division was the largest cost of ranking them).
    fn rejects(&self, (lo, hi): (usize, usize), shared: usize) -> bool {
        let longer = self.n_q.max(lo) as f64;
        // Rounding errs towards keeping the unit: `offer` decides exactly.
        lo == hi && fewest_edits(self.n_q, lo, self.distinct, shared) > longer * (1.0 - self.floor / 100.0) + 1e-6
    }

    /// Keeps the [`VERIFY_LIMIT`] best, the worst of them last.
    fn keep_best(&mut self) {
        if self.kept.len() > VERIFY_LIMIT {
            self.kept.select_nth_unstable_by(VERIFY_LIMIT, by_bound);
            self.kept.truncate(VERIFY_LIMIT);
        }
        self.kept.sort_unstable_by(by_bound);
    }

    /// Best bound first.
    fn into_sorted(mut self) -> Vec<(f64, i64)> {
        self.keep_best();
        self.kept
    }
}

/// A candidate and the highest score it can have.
#[derive(Clone, Copy, Debug)]
struct Pending {
    bound: f64,
    unit_id: i64,
}

/// Ordered by bound, then unit id (the newer first on a tie).
impl Ord for Pending {
    fn cmp(&self, other: &Pending) -> std::cmp::Ordering {
        by_bound(&(other.bound, other.unit_id), &(self.bound, self.unit_id))
    }
}

impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Pending) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Pending {
    fn eq(&self, other: &Pending) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Pending {}

/// What an indexed lookup does next with its best remaining candidate.
enum Step {
    /// Bound its score by its signature.
    Screen(Pending),
    /// Score it from its text.
    Text(Pending),
}

/// Higher bound first; on a tie, the higher (newer) unit id first.
fn by_bound(a: &(f64, i64), b: &(f64, i64)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(b.1.cmp(&a.1))
}

/// The `top` best (score, kind, unit id, item) seen so far, best first
/// (ties: the newer unit first).
struct Best<T> {
    top: usize,
    kept: Vec<(f64, MatchKind, i64, T)>,
}

impl<T> Best<T> {
    fn new(top: usize) -> Best<T> {
        Best { top, kept: Vec::new() }
    }

    fn is_full(&self) -> bool {
        self.kept.len() >= self.top
    }

    /// The lowest kept score (0 when nothing is kept).
    fn worst(&self) -> f64 {
        self.kept.last().map_or(0.0, |k| k.0)
    }

    fn offer(&mut self, score: f64, kind: MatchKind, unit_id: i64, item: T) {
        let ahead = |k: &(f64, MatchKind, i64, T)| k.0 > score || (k.0 == score && k.2 > unit_id);
        let at = self.kept.partition_point(ahead);
        if at < self.top {
            self.kept.insert(at, (score, kind, unit_id, item));
            self.kept.truncate(self.top);
        }
    }

    fn into_sorted(self) -> impl Iterator<Item = (f64, MatchKind, i64, T)> {
        self.kept.into_iter()
    }
}

/// The highest [`bucket_bound`] for any candidate length in `lengths`
/// (inclusive). The bound rises with the length up to `n_q`, then is the
/// smaller of a falling and a rising term, so its maximum is at an end of
/// the range, at `n_q`, or where the terms cross (`n_q + (D − c) / 2`).
fn bound_over_lengths(n_q: usize, (lo, hi): (usize, usize), distinct: usize, shared: usize) -> f64 {
    if lo == hi {
        return bucket_bound(n_q, lo, distinct, shared);
    }
    let cross = n_q + distinct.saturating_sub(shared) / 2;
    [lo, hi, n_q, cross, cross + 1]
        .into_iter()
        .filter(|n| (lo..=hi).contains(n))
        .map(|n| bucket_bound(n_q, n, distinct, shared))
        .fold(0.0, f64::max)
}

/// How many of the query's `distinct` buckets a unit must share to reach
/// `floor` percent at all, whatever its length: the bound is highest for a
/// unit of `n_q + (D − c) / 2` tokens, where it is `n_q / (n_q + (D − c) / 2)`.
fn shared_needed(n_q: usize, distinct: usize, floor: f64) -> usize {
    if floor <= 0.0 {
        return 0;
    }
    let slack = 2.0 * n_q as f64 * (100.0 / floor - 1.0);
    // Rounding down keeps the requirement a true lower bound.
    (distinct as f64 - slack - 1e-9).ceil().max(0.0) as usize
}

/// The best score a candidate of `candidate` tokens can reach against a
/// query of `query` tokens (see the module documentation).
fn length_bound(query: usize, candidate: usize) -> f64 {
    bucket_bound(query, candidate, 0, 0)
}

/// The best score a candidate can reach against a query of `query` tokens
/// and `distinct` distinct buckets when it has `candidate` tokens and shares
/// `shared` of those buckets (see the module documentation).
fn bucket_bound(query: usize, candidate: usize, distinct: usize, shared: usize) -> f64 {
    let longer = query.max(candidate);
    if longer == 0 {
        return 100.0;
    }
    (1.0 - fewest_edits(query, candidate, distinct, shared) / longer as f64) * 100.0
}

/// The fewest token edits between a query and a candidate that
/// [`bucket_bound`] assumes.
fn fewest_edits(query: usize, candidate: usize, distinct: usize, shared: usize) -> f64 {
    let by_length = query.abs_diff(candidate) as f64;
    let by_buckets = distinct.saturating_sub(shared) as f64 / 2.0;
    by_length.max(by_buckets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzzy::score;
    use crate::store::testing::store_of;
    use crate::text::grams::token_hash;
    use crate::text::tokens::tokens;

    fn store_with(pairs: &[(&str, &str)]) -> (tempfile::TempDir, Store) {
        store_of(&pairs.iter().map(|&(ja, en)| vec![("ja", ja), ("en-US", en)]).collect::<Vec<_>>())
    }

    fn searches<'s>(store: &'s Store) -> [PairMemory<'s>; 2] {
        let (ja, en) = ("ja".parse().unwrap(), "en".parse().unwrap());
        [
            PairMemory::open(store, &ja, &en).unwrap(),
            PairMemory::exhaustive(store, &ja, &en).unwrap(),
        ]
    }

    fn find(memory: &PairMemory, query: &str) -> Vec<Match> {
        memory.lookup(query, &Context::default(), 50.0, 5).unwrap()
    }

    #[test]
    fn a_variant_the_signature_does_not_cover_is_scored_from_its_text() {
        // The index and the signature hold the en-GB variant, the first in
        // English; an en-US lookup scores the en-US one.
        let (_dir, store) = store_of(&[vec![
            ("en-GB", "The ministry organised the meeting"),
            ("en-US", "The ministry organized the meeting"),
            ("ja", "総務省は会議を開催した"),
        ]]);
        let (us, ja) = ("en-US".parse().unwrap(), "ja".parse().unwrap());
        let found = |src: &Lang, query: &str| {
            let memory = PairMemory::open(&store, src, &ja).unwrap();
            memory.lookup(query, &Context::default(), 50.0, 5).unwrap()
        };
        let matches = found(&us, "The ministry organized the meeting");
        assert_eq!((matches.len(), matches[0].score), (1, 100.0));
        let matches = found(&"en".parse().unwrap(), "The ministry organised the meeting");
        assert_eq!((matches.len(), matches[0].score), (1, 100.0));
        // A target language the unit lacks.
        let memory = PairMemory::open(&store, &us, &"fr".parse().unwrap()).unwrap();
        assert!(memory
            .lookup("The ministry organized the meeting", &Context::default(), 50.0, 5)
            .unwrap()
            .is_empty());
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
        for memory in searches(&store) {
            let exact = find(&memory, "総務省は報告書を公表しました。");
            assert_eq!(exact[0].score, 100.0);
            let adapted = find(&memory, "第11回会議がシンガポールで開催されました。");
            assert_eq!(adapted.len(), 1);
            assert!(adapted[0].score < 100.0 && adapted[0].score >= 90.0, "{}", adapted[0].score);
            assert_eq!(
                adapted[0].adapted_target.as_deref(),
                Some("The 11th meeting was held in Singapore.")
            );
            assert!(find(&memory, "まったく関係のない文です。").is_empty());
        }
    }

    #[test]
    fn index_and_exhaustive_scan_agree() {
        let sentences = [
            "総務省は報告書を公表しました。",
            "総務省は報告書を公表する予定です。",
            "総務省は新しい報告書を公表しました。",
            "経済産業省は報告書を公表しました。",
            "第10回会議が東京で開催されました。",
            "第10回会議が大阪で開催されました。",
            "会議",
            "IoT機器のセキュリティ対策",
            "IoT機器のセキュリティ対策について",
        ];
        let pairs: Vec<(&str, &str)> = sentences.iter().map(|s| (*s, "x")).collect();
        let (_dir, store) = store_with(&pairs);
        let [indexed, exhaustive] = searches(&store);
        for query in sentences.iter().chain(&["総務省は報告書を公開しました。", "会議が開催", "IoT機器"]) {
            for min in [50.0, 70.0, 90.0] {
                let a = indexed.lookup(query, &Context::default(), min, 3).unwrap();
                let b = exhaustive.lookup(query, &Context::default(), min, 3).unwrap();
                let ids = |m: &[Match]| m.iter().map(|m| (m.id, m.score)).collect::<Vec<_>>();
                assert_eq!(ids(&a), ids(&b), "{query} at {min}");
            }
        }
    }

    #[test]
    fn context_matches_score_101_by_import_order() {
        let (_dir, store) = store_with(&[("一文目です。", "One."), ("二文目です。", "Two."), ("三文目です。", "Three.")]);
        for memory in searches(&store) {
            let context = |prev: &str, next: &str| Context {
                prev: Some(prev.into()),
                next: Some(next.into()),
            };
            let hit = memory
                .lookup("二文目です。", &context("一文目です。", "三文目です。"), 50.0, 1)
                .unwrap();
            assert_eq!((hit[0].score, hit[0].kind), (101.0, MatchKind::Context));
            let miss = memory
                .lookup("二文目です。", &context("別の文です。", "三文目です。"), 50.0, 1)
                .unwrap();
            assert_eq!((miss[0].score, miss[0].kind), (100.0, MatchKind::Exact));
            let first = memory.lookup("一文目です。", &context("なにか", "二文目です。"), 50.0, 1).unwrap();
            assert_eq!(first[0].score, 100.0, "the first unit has no previous segment");
        }
    }

    #[test]
    fn the_bound_over_a_range_of_lengths_is_its_maximum() {
        for q in 1..25 {
            for d in 1..(q + 2) {
                for c in 0..=d {
                    for lo in 0..30 {
                        for hi in lo..(lo + 8) {
                            let best = (lo..=hi).map(|n| bucket_bound(q, n, d, c)).fold(0.0, f64::max);
                            assert!(
                                (bound_over_lengths(q, (lo, hi), d, c) - best).abs() < 1e-9,
                                "q={q} d={d} c={c} {lo}..={hi}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn bucket_bound_never_rejects_a_reachable_score() {
        // Random token strings over a small alphabet: every real score is
        // within the bound computed from shared buckets.
        let lang: Lang = "ja".parse().unwrap();
        let mut seed = 7u64;
        let mut next = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        for _ in 0..2000 {
            let a: String = (0..next() % 12).map(|_| ['あ', 'い', 'う', 'え'][next() % 4]).collect();
            let b: String = (0..next() % 12).map(|_| ['あ', 'い', 'う', 'え'][next() % 4]).collect();
            let hashes = |s: &str| tokens(s).into_iter().map(token_hash).collect::<Vec<_>>();
            let (ta, tb) = (hashes(&a), hashes(&b));
            let (ba, bb) = (buckets(&lang, &ta), buckets(&lang, &tb));
            let shared = ba.iter().filter(|x| bb.binary_search(x).is_ok()).count();
            let real = score(&a, &a, &b, &b).score;
            assert!(bucket_bound(ta.len(), tb.len(), ba.len(), shared) + 1e-9 >= real, "{a} {b}");
        }
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
