//! The persistent candidate index of fuzzy matching: for every bucket of
//! padded token bigrams ([`crate::text::grams`]), the units whose segment
//! has one, with the segment's token count.
//!
//! # Layout
//!
//! Buckets are stored in groups of [`GROUP_SIZE`] (the high bits of the
//! bucket number), one row per group and *chunk* in `fuzzy_posting`. A
//! chunk holds, for each bucket of its group that has entries, the list of
//! units having it: `[present: u64 LE, bit p set when bucket position p has
//! a list][varint byte length of each present list, ascending p][the
//! lists]`, a list being entries `[unit id delta: varint][token count:
//! varint]` in ascending unit id (the first delta is from 0). Grouping
//! keeps the rows an import writes bounded (at most one per group per
//! flush, however many units); the per-bucket lists let a lookup decode
//! only the buckets of its query, skipping the others by their length.
//!
//! Chunks are numbered in the order they are written (the table's rowid)
//! and found by group through an index on (group, number), so a group's
//! chunks are read in the order written. Writing appends: keyed by group
//! first, each flush's chunks went between the earlier ones, splitting
//! pages and rewriting the whole table at every flush of a large import.
//!
//! # Maintenance
//!
//! `IndexBuffer` collects the entries of the units an import adds and
//! writes them in the import's transaction: when it holds
//! `FLUSH_ENTRIES` (memory stays bounded on huge files), as new chunks, and
//! at commit, appended to a group's last chunk when that is small and
//! older than the import (many small imports do not fragment the index).
//! The index is therefore always exactly as current as the units: same
//! transaction, same rollback.
//!
//! Deleting units leaves their entries behind: lookups skip ids that no
//! longer exist, and an entry whose id SQLite reuses for a new unit can
//! only make that unit look closer than it is (it gets its own entries
//! too), which costs time, never a match. Chunks are numbered by when they
//! were written, not by unit id, so a reused id never overwrites a chunk.
//!
//! Each unit is indexed once per language (primary subtag), by its first
//! variant in that language: the variant lookups use.
//!
//! `fuzzy_lang` lists the languages (primary subtags) indexed, and
//! `fuzzy_df` how many units have each bucket (a little-endian `u32` per
//! bucket). Lookups use it to leave the most frequent buckets of a query
//! unread when the score floor allows; it only steers speed, never which
//! matches are found.

use super::signature;
use super::StoreError;
use crate::lang::Lang;
use crate::model::Unit;
use crate::text::grams::{distinct_buckets, BUCKET_BITS};
use crate::text::keys::MatchKeys;
use rusqlite::{params, Connection, OptionalExtension};
use std::sync::mpsc;

/// Buckets per group (the low bits of a bucket are stored in one byte).
pub const GROUP_SIZE: u32 = 64;
const GROUP_SHIFT: u32 = GROUP_SIZE.trailing_zeros();
/// Number of groups.
pub const GROUPS: u32 = 1 << (BUCKET_BITS - GROUP_SHIFT);
/// Entries staged before they are written: 16 MB of buckets, about 70,000
/// Kyoto units. Each write adds a chunk to every group, and more chunks
/// make lookups slower; the memory is that of two stages, one filling
/// while the other is encoded (see [`IndexBuffer`]).
const FLUSH_ENTRIES: usize = 4 << 20;
/// Groups sorted at a time when staged entries are written: 32 Ki buckets,
/// whose counters (128 KB) and sorted entries (about 1 MB) stay in cache.
const BAND_GROUPS: usize = 512;
/// Writes a new chunk. It takes the next rowid: chunks are appended.
const INSERT_CHUNK: &str = "INSERT INTO fuzzy_posting (grp, last_unit, postings) VALUES (?1, ?2, ?3)";
/// A group's last chunk below this size is extended rather than followed
/// by a new chunk.
const APPEND_BELOW: usize = 16 << 10;

/// The group of a bucket and its position in the group.
pub fn split(bucket: u32) -> (u32, u8) {
    (bucket >> GROUP_SHIFT, (bucket & (GROUP_SIZE - 1)) as u8)
}

/// What the index records of one segment: its language, token count and
/// buckets.
#[derive(Clone, Debug)]
pub struct SegmentKeys {
    lang: Lang,
    tokens: u32,
    /// Distinct, as [`distinct_buckets`] gives them, in any order:
    /// [`IndexBuffer`] relies on it.
    buckets: Vec<u32>,
}

/// What the index records of one unit: the keys of its indexed segments
/// (its first variant in each language, by primary subtag) and their
/// [`signature`] for its row. Computing them is most of
/// the index's cost at import and depends on the unit alone, so importers
/// compute them beside the writing thread.
#[derive(Clone, Debug)]
pub struct UnitKeys {
    pub(super) segments: Vec<SegmentKeys>,
    pub(super) signature: Option<Vec<u8>>,
}

/// The keys of `unit`.
pub fn unit_keys(unit: &Unit) -> UnitKeys {
    thread_local! {
        /// The keys of the unit's indexed segments, computed into buffers
        /// kept from one unit to the next: the rows own only the buckets
        /// and the signature made from them.
        static KEYS: std::cell::RefCell<Vec<MatchKeys>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    KEYS.with_borrow_mut(|keys| {
        let mut segments: Vec<SegmentKeys> = Vec::with_capacity(2);
        for variant in &unit.variants {
            if segments.iter().any(|s| s.lang.primary() == variant.lang.primary()) {
                continue;
            }
            let n = segments.len();
            if keys.len() == n {
                keys.push(MatchKeys::of(""));
            }
            let segment = &mut keys[n];
            segment.recompute(&variant.plain);
            segments.push(SegmentKeys {
                lang: variant.lang.clone(),
                tokens: segment.token_hashes.len() as u32,
                buckets: distinct_buckets(&variant.lang, &segment.token_hashes),
            });
        }
        let signature = signature::encode(segments.iter().zip(keys.iter()).map(|(s, k)| (&s.lang, k)));
        // A huge segment's buffer is not kept for all the units after it.
        for k in keys.iter_mut() {
            if k.token_hashes.capacity() > 1 << 16 {
                k.token_hashes = Vec::new();
            }
        }
        UnitKeys { segments, signature }
    })
}

/// The entries of one import not yet written.
///
/// Entries are staged in the order they come, each into its band: the
/// buckets of [`BAND_GROUPS`] groups, a 32nd of all. They are sorted into
/// groups only when written, a band at a time, so that each band's sorting
/// stays in the processor's cache: appending each entry to its own group's
/// buffer as it came was a cache miss per entry (16,384 buffers, tens of
/// MB), the writing thread's largest cost. Appending to one of 32 bands is
/// not. Staged segment after segment instead, each band's sort walked
/// every segment of the stage and counted every entry in a table of all
/// buckets: sorting and encoding a stage of 4M entries (135,300 segments
/// like Kyoto's) took 161-180 ms, against 66-81 ms (best of 7, two
/// alternating runs of each).
///
/// A full stage is sorted and encoded on a thread of its own while the
/// next one fills, and the writing thread inserts its chunks as they come.
/// Encoding in place stopped the writer for about 0.45 s per flush, and the
/// reading thread with it once the batches between them had filled up
/// (1M Kyoto units: 6 flushes, the reader idle for about a third of each
/// of those seconds). Two stages of [`FLUSH_ENTRIES`] take the memory one
/// stage of twice the size took. The last stage of an import is written in
/// place, after the others, because it may extend chunks already stored.
pub(super) struct IndexBuffer {
    /// The stage being filled.
    stage: Stage,
    /// The other stage's buffers, empty, when no stage is being encoded.
    spare: Option<Stage>,
    /// The stage being encoded, if any.
    encoding: Option<Encoding>,
    /// Units added per bucket, not yet added to `fuzzy_df`; counted when a
    /// stage is sorted, in bucket order (counting on every add was a cache
    /// miss per entry in this 4 MB table). Lent to the encoding thread.
    df: Vec<u32>,
    /// Languages seen, not yet added to `fuzzy_lang`.
    langs: Vec<String>,
    /// Entries staged before they are written: [`FLUSH_ENTRIES`] (smaller
    /// in tests).
    limit: usize,
    /// The id of the last chunk written before this import's first, taken
    /// at its first flush: only chunks up to it are extended at its end.
    /// Extending the chunks the import itself wrote would decode and
    /// re-encode each group's last one, a whole flush's worth of work (1M
    /// Kyoto units: 0.67 s instead of 0.45 s, alone at the end), to save
    /// one chunk per group.
    last_before_import: Option<i64>,
}

/// Buckets per band.
const BAND: usize = BAND_GROUPS * GROUP_SIZE as usize;
/// Bands: each bucket's is its high bits.
const BANDS: usize = (1 << BUCKET_BITS) / BAND;
/// A staged entry is a `u32`: its bucket's position in the band, above
/// [`DELTA_BITS`] bits that count the segments since the band's previous
/// entry (a segment's index in the stage is the sum of the deltas up to
/// its entry; the first entry's is from segment 0).
const DELTA_BITS: u32 = 32 - BAND.trailing_zeros();
/// An entry with this delta advances by it and stands for no bucket: a
/// longer gap between two entries of a band takes one or more of them.
const SKIP: u32 = (1 << DELTA_BITS) - 1;

/// Staged entries.
#[derive(Default)]
struct Stage {
    /// The segments staged, in ascending unit id.
    segments: Vec<Staged>,
    /// Per band, its entries (see [`DELTA_BITS`]), in segment order.
    bands: Vec<Vec<u32>>,
    /// Per band, the segment of its last entry.
    last: Vec<u32>,
    /// Buckets staged: entries but the skips.
    entries: usize,
    /// Entries per bucket of a band, when sorting; kept, not allocated
    /// again for every band.
    counts: Vec<u32>,
}

/// A staged segment: its unit and token count.
struct Staged {
    unit: i64,
    tokens: u32,
}

/// A stage being sorted and encoded on its own thread, which sends its
/// chunks a few at a time and, when done, gives back the stage's emptied
/// buffers and the bucket counts.
struct Encoding {
    chunks: mpsc::Receiver<Vec<Chunk>>,
    thread: std::thread::JoinHandle<(Stage, Vec<u32>)>,
}

/// A group's new chunk.
struct Chunk {
    group: u32,
    last_unit: i64,
    postings: Vec<u8>,
}

/// The encoding thread sends its chunks once they are this large: small
/// enough to keep little memory in flight, large enough that the writer
/// takes them a few times per flush rather than per chunk.
const SEND_BYTES: usize = 1 << 20;

/// (bucket position, unit id, token count)
type Entry = (u8, i64, u32);

/// The staged entries of one group, sorted: per bucket position, the
/// entries in ascending unit id.
struct GroupLists<'s> {
    /// The stage's first unit: entries hold units as offsets from it.
    first: i64,
    /// The band's entries, (unit offset, token count).
    sorted: &'s [(u32, u32)],
    /// Where each position's list starts in `sorted`, and where the last ends.
    starts: &'s [u32],
}

impl GroupLists<'_> {
    fn list(&self, p: usize) -> impl DoubleEndedIterator<Item = (i64, u32)> + '_ {
        self.sorted[self.starts[p] as usize..self.starts[p + 1] as usize]
            .iter()
            .map(move |&(offset, count)| (self.first + i64::from(offset), count))
    }

    /// The group's entries.
    fn entries(&self) -> usize {
        (self.starts[GROUP_SIZE as usize] - self.starts[0]) as usize
    }

    /// The first and the last unit of the group's entries.
    fn units(&self) -> (i64, i64) {
        (0..GROUP_SIZE as usize)
            .filter_map(|p| {
                let mut list = self.list(p);
                let first = list.next()?;
                Some((first.0, list.next_back().unwrap_or(first).0))
            })
            .fold((i64::MAX, i64::MIN), |(low, high), (first, last)| (low.min(first), high.max(last)))
    }
}

impl Stage {
    /// Stages a segment of unit `unit` with `tokens` tokens and `buckets`.
    /// Segments must come in ascending unit id.
    fn push(&mut self, unit: i64, tokens: u32, buckets: &[u32], capacity: usize) {
        if self.bands.is_empty() {
            // Hashed buckets spread evenly: each band gets about its share
            // of a stage, and only a band that gets more grows.
            let share = capacity / BANDS + capacity / BANDS / 16 + 1;
            self.bands = (0..BANDS).map(|_| Vec::with_capacity(share)).collect();
            self.last = vec![0; BANDS];
        }
        let segment = self.segments.len() as u32;
        self.segments.push(Staged { unit, tokens });
        for &bucket in buckets {
            let band = bucket as usize / BAND;
            let mut delta = segment - self.last[band];
            self.last[band] = segment;
            let entries = &mut self.bands[band];
            while delta >= SKIP {
                entries.push(SKIP);
                delta -= SKIP;
            }
            entries.push((bucket % BAND as u32) << DELTA_BITS | delta);
        }
        self.entries += buckets.len();
    }

    /// Sorts the entries into groups, adds them to `df`, and calls
    /// `group` with each group that has entries, in ascending group order.
    fn sort<E>(&mut self, df: &mut Vec<u32>, mut group: impl FnMut(u32, &GroupLists) -> Result<(), E>) -> Result<(), E> {
        if df.is_empty() {
            *df = vec![0; 1 << BUCKET_BITS];
        }
        // Per bucket of the band, the start of its list in `sorted`: a
        // counting sort, stable, so each list is in ascending unit id. The
        // entries are sorted with their values, not as segment numbers:
        // looking each segment up again while encoding missed the cache.
        // Units as offsets from the first make an entry 8 bytes.
        let first = self.segments.first().map_or(0, |s| s.unit);
        let mut starts = vec![0u32; BAND + 1];
        let mut next = vec![0u32; BAND];
        let mut sorted: Vec<(u32, u32)> = Vec::new();
        for (band, entries) in self.bands.iter().enumerate() {
            let counts = &mut self.counts;
            counts.clear();
            counts.resize(BAND, 0);
            for &entry in entries {
                if entry & SKIP != SKIP {
                    counts[(entry >> DELTA_BITS) as usize] += 1;
                }
            }
            for (count, added) in df[band * BAND..][..BAND].iter_mut().zip(counts.iter()) {
                *count = count.saturating_add(*added);
            }
            for (p, &count) in counts.iter().enumerate() {
                starts[p + 1] = starts[p] + count;
            }
            sorted.clear();
            sorted.resize(starts[BAND] as usize, (0, 0));
            next.copy_from_slice(&starts[..BAND]);
            let mut segment = 0;
            for &entry in entries {
                let delta = entry & SKIP;
                segment += delta as usize;
                if delta == SKIP {
                    continue;
                }
                let staged = &self.segments[segment];
                let slot = &mut next[(entry >> DELTA_BITS) as usize];
                sorted[*slot as usize] = ((staged.unit - first) as u32, staged.tokens);
                *slot += 1;
            }
            for group_in_band in 0..BAND_GROUPS {
                let base = group_in_band * GROUP_SIZE as usize;
                let starts = &starts[base..=base + GROUP_SIZE as usize];
                if starts[0] == starts[GROUP_SIZE as usize] {
                    continue;
                }
                let lists = GroupLists {
                    first,
                    sorted: &sorted,
                    starts,
                };
                group((band * BAND_GROUPS + group_in_band) as u32, &lists)?;
            }
        }
        Ok(())
    }

    fn clear(&mut self) {
        self.segments.clear();
        for entries in &mut self.bands {
            entries.clear();
        }
        self.last.fill(0);
        self.entries = 0;
    }
}

impl IndexBuffer {
    pub fn new() -> IndexBuffer {
        IndexBuffer {
            stage: Stage::default(),
            spare: None,
            encoding: None,
            df: Vec::new(),
            langs: Vec::new(),
            limit: FLUSH_ENTRIES,
            last_before_import: None,
        }
    }

    /// Adds the entries of unit `unit_id`, whose keys are `keys` (see
    /// [`unit_keys`]). Units must come in ascending id order.
    pub fn add(&mut self, conn: &Connection, unit_id: i64, keys: &[SegmentKeys]) -> Result<(), StoreError> {
        self.write_encoded(conn, false)?;
        let entries: usize = keys.iter().map(|k| k.buckets.len()).sum();
        // Flushing before the stage would outgrow its limit keeps its bands
        // within the capacity they were given (but for a band that gets
        // more than its share). Units are sorted as offsets from the
        // stage's first (see `sort`).
        let stage = &self.stage;
        let far = stage.segments.first().is_some_and(|s| unit_id - s.unit > i64::from(u32::MAX));
        if stage.entries > 0 && (stage.entries + entries > self.limit || far) {
            self.encode_stage(conn)?;
        }
        for segment in keys {
            if !self.langs.iter().any(|l| l == segment.lang.primary()) {
                self.langs.push(segment.lang.primary().to_string());
            }
            self.stage.push(unit_id, segment.tokens, &segment.buckets, self.limit);
        }
        Ok(())
    }

    /// Starts sorting and encoding the last stage on the encoding thread
    /// when the index had no chunk before this import: then none can be
    /// extended, and the stage makes new chunks as a full one does, while
    /// the caller does its own last writes. [`IndexBuffer::finish`] then
    /// writes them. (1M Kyoto units: the last stage took about 0.2 s of
    /// the commit, alone on the writing thread.)
    pub fn start_last_stage(&mut self, conn: &Connection) -> Result<(), StoreError> {
        if self.stage.entries > 0 && self.chunks_before_import(conn)? == 0 {
            self.encode_stage(conn)?;
        }
        Ok(())
    }

    /// The highest chunk number before this import (0 for none).
    fn chunks_before_import(&mut self, conn: &Connection) -> Result<i64, StoreError> {
        if let Some(last) = self.last_before_import {
            return Ok(last);
        }
        let last = conn.query_row("SELECT coalesce(max(id), 0) FROM fuzzy_posting", [], |r| r.get(0))?;
        self.last_before_import = Some(last);
        Ok(last)
    }

    /// Hands the full stage to a thread that sorts and encodes it, once the
    /// previous one's chunks are all written, and fills the other stage.
    fn encode_stage(&mut self, conn: &Connection) -> Result<(), StoreError> {
        self.write_encoded(conn, true)?;
        self.chunks_before_import(conn)?;
        let mut stage = std::mem::replace(&mut self.stage, self.spare.take().unwrap_or_default());
        let mut df = std::mem::take(&mut self.df);
        let (sender, chunks) = mpsc::sync_channel(2);
        let thread = std::thread::Builder::new()
            .name("index".into())
            .spawn(move || {
                let mut pending = Vec::new();
                let mut bytes = 0;
                // Stops early when the writer has gone (its import failed).
                let _ = stage.sort(&mut df, |group, lists| {
                    // Sized for the usual two or three bytes per entry.
                    let mut postings = Vec::with_capacity(8 + 2 * GROUP_SIZE as usize + 4 * lists.entries());
                    encode_lists(&mut postings, |p| lists.list(p));
                    bytes += postings.len();
                    pending.push(Chunk {
                        group,
                        last_unit: lists.units().1,
                        postings,
                    });
                    if bytes < SEND_BYTES {
                        return Ok(());
                    }
                    bytes = 0;
                    sender.send(std::mem::take(&mut pending))
                });
                if !pending.is_empty() {
                    let _ = sender.send(pending);
                }
                stage.clear();
                (stage, df)
            })
            .map_err(StoreError::Thread)?;
        self.encoding = Some(Encoding { chunks, thread });
        Ok(())
    }

    /// Inserts the chunks the encoding thread has sent; with `wait`, all of
    /// them, until it has finished.
    fn write_encoded(&mut self, conn: &Connection, wait: bool) -> Result<(), StoreError> {
        let Some(encoding) = self.encoding.take() else { return Ok(()) };
        loop {
            let received = if wait {
                encoding.chunks.recv().map_err(|_| mpsc::TryRecvError::Disconnected)
            } else {
                encoding.chunks.try_recv()
            };
            match received {
                Ok(chunks) => {
                    // Prepared here, not before the loop: this runs for
                    // every unit added, and mostly finds nothing.
                    let mut add = conn.prepare_cached(INSERT_CHUNK)?;
                    for chunk in chunks {
                        add.execute(params![chunk.group, chunk.last_unit, chunk.postings])?;
                    }
                }
                Err(mpsc::TryRecvError::Empty) => {
                    self.encoding = Some(encoding);
                    return Ok(());
                }
                Err(mpsc::TryRecvError::Disconnected) => break,
            }
        }
        let (stage, df) = encoding.thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        self.spare = Some(stage);
        self.df = df;
        Ok(())
    }

    /// Writes what is staged and adds the bucket counts to `fuzzy_df`; the
    /// end of an import. The last stage is written here, each group's
    /// entries merged into the group's last chunk when that is small and
    /// was written before this import, as a new chunk otherwise: appending
    /// only at the end, and only to older chunks, keeps a huge import from
    /// rewriting its own chunks.
    pub fn finish(&mut self, conn: &Connection) -> Result<(), StoreError> {
        self.write_encoded(conn, true)?;
        if self.stage.entries > 0 {
            self.write_last_stage(conn)?;
        }
        for lang in self.langs.drain(..) {
            conn.execute("INSERT OR IGNORE INTO fuzzy_lang (lang) VALUES (?1)", [lang])?;
        }
        if self.df.is_empty() {
            return Ok(());
        }
        let mut counts = bucket_counts(conn)?;
        for (count, added) in counts.iter_mut().zip(&self.df) {
            *count = count.saturating_add(*added);
        }
        let blob: Vec<u8> = counts.iter().flat_map(|c| c.to_le_bytes()).collect();
        conn.execute("INSERT OR REPLACE INTO fuzzy_df (id, counts) VALUES (1, ?1)", [blob])?;
        self.df = Vec::new();
        Ok(())
    }

    fn write_last_stage(&mut self, conn: &Connection) -> Result<(), StoreError> {
        // The length of the last chunk, not the chunk: the chunk is read only
        // when it can be extended (small, and older than this import).
        let mut last =
            conn.prepare_cached("SELECT id, last_unit, length(postings) FROM fuzzy_posting WHERE grp = ?1 ORDER BY id DESC LIMIT 1")?;
        let mut read = conn.prepare_cached("SELECT postings FROM fuzzy_posting WHERE id = ?1")?;
        // Separate statements rather than one INSERT OR REPLACE, which may
        // delete a row and so makes SQLite keep a statement journal for
        // each chunk.
        let mut add = conn.prepare_cached(INSERT_CHUNK)?;
        let mut extend = conn.prepare_cached("UPDATE fuzzy_posting SET last_unit = ?2, postings = ?3 WHERE id = ?1")?;
        // Every chunk is older than the import when it wrote none before.
        let last_before_import = self.last_before_import.unwrap_or(i64::MAX);
        let mut stored: Vec<Entry> = Vec::new();
        let mut chunk = Vec::new();
        self.stage.sort(&mut self.df, |group, lists| {
            let (first_unit, last_unit) = lists.units();
            let previous: Option<(i64, i64, i64)> = last.query_row([group], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional()?;
            stored.clear();
            let extended = match previous {
                Some((id, stored_last, len)) if id <= last_before_import && len < APPEND_BELOW as i64 && stored_last < first_unit => {
                    let postings: Vec<u8> = read.query_row([id], |r| r.get(0))?;
                    // Every stored entry is older than every staged one,
                    // so each bucket's list stays in ascending unit id.
                    for_each_stored(&postings, u64::MAX, |low, unit, count| stored.push((low, unit, count)))
                        .ok_or_else(|| corrupt(group))?;
                    Some(id)
                }
                _ => None,
            };
            // `stored` is in bucket position order: the stored entries of
            // position p are the run starting where the earlier positions'
            // end.
            let mut at = 0;
            chunk.clear();
            encode_lists(&mut chunk, |p| {
                let from = at;
                while at < stored.len() && usize::from(stored[at].0) == p {
                    at += 1;
                }
                stored[from..at].iter().map(|&(_, unit, count)| (unit, count)).chain(lists.list(p))
            });
            match extended {
                Some(id) => extend.execute(params![id, last_unit, chunk])?,
                None => add.execute(params![group, last_unit, chunk])?,
            };
            Ok::<(), StoreError>(())
        })?;
        self.stage.clear();
        Ok(())
    }
}

/// How many units have each bucket (all zero for an empty index).
pub(super) fn bucket_counts(conn: &Connection) -> Result<Vec<u32>, StoreError> {
    let blob: Option<Vec<u8>> = conn
        .query_row("SELECT counts FROM fuzzy_df WHERE id = 1", [], |r| r.get(0))
        .optional()?;
    let mut counts: Vec<u32> = blob
        .unwrap_or_default()
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    counts.resize(1 << BUCKET_BITS, 0);
    Ok(counts)
}

/// Appends to `out` the stored form of a chunk (see the module
/// documentation) whose list for bucket position `p` is `list(p)`: (unit
/// id, token count) in ascending unit id. `list` is called once per
/// position, in ascending order.
fn encode_lists<I: Iterator<Item = (i64, u32)>>(out: &mut Vec<u8>, list: impl FnMut(usize) -> I) {
    thread_local! {
        /// The lists being encoded, kept from one call to the next: grown
        /// from empty for each group, its reallocations made the encoder
        /// take 227M instructions instead of 203M on 50k Kyoto units
        /// (callgrind).
        static LISTS: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    LISTS.with_borrow_mut(|lists| {
        lists.clear();
        encode_lists_with(out, lists, list);
        // A huge group's buffer is not kept for all the groups after it.
        if lists.capacity() > 1 << 20 {
            *lists = Vec::new();
        }
    });
}

fn encode_lists_with<I: Iterator<Item = (i64, u32)>>(out: &mut Vec<u8>, lists: &mut Vec<u8>, mut list: impl FnMut(usize) -> I) {
    let start = out.len();
    out.extend_from_slice(&[0; 8]);
    let mut present = 0u64;
    let mut lengths = [0usize; GROUP_SIZE as usize];
    for (p, length) in lengths.iter_mut().enumerate() {
        let before = lists.len();
        let mut previous = 0;
        for (unit, count) in list(p) {
            put_varint(lists, (unit - previous) as u64);
            put_varint(lists, u64::from(count));
            previous = unit;
        }
        if lists.len() > before {
            present |= 1 << p;
            *length = lists.len() - before;
        }
    }
    out[start..start + 8].copy_from_slice(&present.to_le_bytes());
    for &length in lengths.iter().filter(|&&l| l > 0) {
        put_varint(out, length as u64);
    }
    out.extend_from_slice(lists);
}

pub(super) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The varint at the start of `bytes` and its length, or `None` when it is
/// cut short.
pub(super) fn get_varint(bytes: &[u8]) -> Option<(u64, usize)> {
    // Most token counts and many unit id deltas fit in one byte.
    if let Some(&b) = bytes.first().filter(|&&b| b < 0x80) {
        return Some((u64::from(b), 1));
    }
    let mut v = 0u64;
    for (i, &b) in bytes.iter().enumerate().take(10) {
        v |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            return Some((v, i + 1));
        }
    }
    None
}

/// Calls `f(bucket position, unit id, token count)` for each entry of a
/// stored chunk whose position is in `mask`, list by list; the lists of
/// other positions are skipped undecoded. `None` when the chunk is corrupt.
fn for_each_stored(data: &[u8], mask: u64, mut f: impl FnMut(u8, i64, u32)) -> Option<()> {
    let mut ok = true;
    lists_of(data, mask, |p, list| {
        ok &= for_each_in_list(list, |unit, count| f(p, unit, count)).is_some()
    })?;
    ok.then_some(())
}

/// Calls `f(bucket position, list bytes)` for each list of a stored chunk
/// whose position is in `mask`. `None` when the chunk's layout is corrupt
/// (the lists themselves are checked when decoded).
fn lists_of<'d>(data: &'d [u8], mask: u64, mut f: impl FnMut(u8, &'d [u8])) -> Option<()> {
    let present = u64::from_le_bytes(data.get(..8)?.try_into().ok()?);
    let mut at = 8;
    let mut lengths = [0usize; GROUP_SIZE as usize];
    let mut rest = present;
    while rest != 0 {
        let (length, n) = get_varint(data.get(at..)?)?;
        lengths[rest.trailing_zeros() as usize] = usize::try_from(length).ok()?;
        at += n;
        rest &= rest - 1;
    }
    let mut rest = present;
    while rest != 0 {
        let p = rest.trailing_zeros();
        rest &= rest - 1;
        let end = at.checked_add(lengths[p as usize])?;
        let list = data.get(at..end)?;
        at = end;
        if mask & (1 << p) != 0 {
            f(p as u8, list);
        }
    }
    (at == data.len()).then_some(())
}

/// Calls `f(unit id, token count)` for each entry of one list; `None` when
/// it is corrupt.
fn for_each_in_list(list: &[u8], mut f: impl FnMut(i64, u32)) -> Option<()> {
    let mut cursor = ListCursor::new(list);
    while let Some((unit, count)) = cursor.next()? {
        f(unit, count);
    }
    Some(())
}

/// Reads one list entry by entry.
struct ListCursor<'d> {
    list: &'d [u8],
    at: usize,
    unit: i64,
}

impl<'d> ListCursor<'d> {
    fn new(list: &'d [u8]) -> ListCursor<'d> {
        ListCursor { list, at: 0, unit: 0 }
    }

    /// The next entry, `Some(None)` at the end, `None` when corrupt.
    #[inline]
    fn next(&mut self) -> Option<Option<(i64, u32)>> {
        let rest = self.list.get(self.at..)?;
        // Most entries of a lookup's lists: a delta and a count of one byte
        // each, read without the general decoder.
        if let [delta @ 0..0x80, count @ 0..0x80, ..] = *rest {
            self.at += 2;
            self.unit = self.unit.checked_add(i64::from(delta))?;
            return Some(Some((self.unit, u32::from(count))));
        }
        if rest.is_empty() {
            return Some(None);
        }
        let (delta, n1) = get_varint(rest)?;
        let (count, n2) = get_varint(self.list.get(self.at + n1..)?)?;
        self.at += n1 + n2;
        self.unit = self.unit.checked_add(i64::try_from(delta).ok()?)?;
        Some(Some((self.unit, u32::try_from(count).ok()?)))
    }
}

/// The lists of some buckets, copied out of the store for one lookup.
#[derive(Default)]
pub struct Lists {
    bytes: Vec<u8>,
    ranges: Vec<std::ops::Range<usize>>,
}

/// Reads the lists of the buckets `groups` names: (group, mask of bucket
/// positions in it). A corrupt chunk is reported, not guessed at.
pub(super) fn read_lists(conn: &Connection, groups: &[(u32, u64)]) -> Result<Lists, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT postings FROM fuzzy_posting WHERE grp = ?1 ORDER BY id")?;
    let mut lists = Lists::default();
    for &(group, mask) in groups {
        let mut rows = stmt.query([group as i64])?;
        while let Some(row) = rows.next()? {
            let data = row.get_ref(0)?.as_blob().map_err(|_| corrupt(group))?;
            lists_of(data, mask, |_, list| lists.push(list)).ok_or_else(|| corrupt(group))?;
        }
    }
    Ok(lists)
}

impl Lists {
    fn push(&mut self, list: &[u8]) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(list);
        self.ranges.push(start..self.bytes.len());
    }

    /// Calls `f(unit id, token count)` for each entry, list by list (each
    /// in ascending unit id).
    pub fn for_each(&self, mut f: impl FnMut(i64, u32)) -> Result<(), StoreError> {
        for range in &self.ranges {
            for_each_in_list(&self.bytes[range.clone()], &mut f).ok_or_else(damaged_list)?;
        }
        Ok(())
    }

    /// The entries of every list in blocks of unit ids: [`Blocks::next`]
    /// visits the entries whose unit ids fall in the next block that has
    /// any, from every list, so that per-unit tallies kept by the caller
    /// are touched one cache-sized window at a time.
    pub fn blocks(&self, block: i64) -> Blocks<'_> {
        Blocks {
            block: block.max(1),
            cursors: self
                .ranges
                .iter()
                .map(|r| (ListCursor::new(&self.bytes[r.clone()]), None))
                .collect(),
        }
    }
}

/// See [`Lists::blocks`].
pub struct Blocks<'l> {
    block: i64,
    /// Each list's cursor and its entry read but not yet visited.
    cursors: Vec<(ListCursor<'l>, Option<(i64, u32)>)>,
}

impl Blocks<'_> {
    /// Calls `f(offset, token count)` for the entries of the next block,
    /// `offset` being the unit id less the block's first id (below the
    /// block size), and returns that first id; `None` when every list is
    /// exhausted.
    pub fn next(&mut self, mut f: impl FnMut(u32, u32)) -> Result<Option<i64>, StoreError> {
        let damaged = damaged_list;
        let mut first: Option<i64> = None;
        for (cursor, peeked) in &mut self.cursors {
            if peeked.is_none() {
                *peeked = cursor.next().ok_or_else(damaged)?;
            }
            if let Some((unit, _)) = *peeked {
                first = Some(first.map_or(unit, |f| f.min(unit)));
            }
        }
        let Some(first) = first else { return Ok(None) };
        let start = first - first % self.block;
        let end = start.saturating_add(self.block);
        for (cursor, peeked) in &mut self.cursors {
            while let Some((unit, count)) = *peeked {
                if unit >= end {
                    break;
                }
                f((unit - start) as u32, count);
                *peeked = cursor.next().ok_or_else(damaged)?;
            }
        }
        Ok(Some(start))
    }
}

fn damaged_list() -> StoreError {
    StoreError::Corrupt("a list of the fuzzy index is damaged; export the TM and import it into a new store".into())
}

fn corrupt(group: u32) -> StoreError {
    StoreError::Corrupt(format!(
        "fuzzy index group {group} is damaged; export the TM (`yakugo export`) and import it into a new store"
    ))
}

/// Rebuilds the whole index, lists and signatures, from the units (after a
/// migration that adds or changes a part of it).
pub(super) fn rebuild(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch("DELETE FROM fuzzy_posting; DELETE FROM fuzzy_df; DELETE FROM fuzzy_lang;")?;
    let mut buffer = IndexBuffer::new();
    let mut stmt = conn.prepare(&super::read::unit_sql("ORDER BY id"))?;
    let mut put_signature = conn.prepare("UPDATE unit SET fuzzy = ?2 WHERE id = ?1")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let stored = super::read::unit_from_row(row)?;
        let keys = unit_keys(&stored.unit);
        buffer.add(conn, stored.id, &keys.segments)?;
        put_signature.execute(params![stored.id, keys.signature])?;
    }
    buffer.finish(conn)
}

/// The languages (primary subtags) the index has segments in.
pub(super) fn languages(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT lang FROM fuzzy_lang ORDER BY lang")?;
    let langs = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(langs)
}

/// Size of the index in bytes: the lists and the units' signatures,
/// without SQLite's overhead.
pub(super) fn size(conn: &Connection) -> Result<u64, StoreError> {
    let bytes = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0));
    let lists = bytes("SELECT coalesce(sum(length(postings)), 0) FROM fuzzy_posting")?;
    let signatures = bytes("SELECT coalesce(sum(length(fuzzy)), 0) FROM unit")?;
    Ok((lists + signatures) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stored form of a chunk (see the module documentation) holding
    /// `entries`, which are in ascending unit id within each bucket position.
    fn encode_chunk(entries: &[Entry]) -> Vec<u8> {
        let mut out = Vec::new();
        encode_lists(&mut out, |p| {
            entries
                .iter()
                .filter(move |e| usize::from(e.0) == p)
                .map(|&(_, unit, count)| (unit, count))
        });
        out
    }

    /// Every bucket's entries, in stored order: the lists of its group's
    /// chunks one after the other.
    fn stored_lists(conn: &Connection) -> std::collections::BTreeMap<u32, Vec<(i64, u32)>> {
        let mut lists = std::collections::BTreeMap::<u32, Vec<(i64, u32)>>::new();
        let mut stmt = conn.prepare("SELECT grp, postings FROM fuzzy_posting ORDER BY grp, id").unwrap();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            let group: u32 = row.get(0).unwrap();
            let data: Vec<u8> = row.get(1).unwrap();
            for_each_stored(&data, u64::MAX, |p, unit, count| {
                lists.entry(group * GROUP_SIZE + u32::from(p)).or_default().push((unit, count))
            })
            .unwrap();
        }
        lists
    }

    #[test]
    fn staged_entries_are_written_per_bucket_in_unit_order_across_flushes_and_imports() {
        let conn = Connection::open_in_memory().unwrap();
        crate::store::schema::migrate(&conn, std::path::Path::new(":memory:")).unwrap();
        let mut expected = std::collections::BTreeMap::<u32, Vec<(i64, u32)>>::new();
        let mut counts = vec![0u32; 1 << BUCKET_BITS];
        let mut state = 7u64;
        let mut random = move |n: u32| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) % u64::from(n)) as u32
        };
        let mut unit = 0i64;
        for import in 0..3 {
            let mut buffer = IndexBuffer::new();
            // A few entries per flush: many flushes, many chunks per group.
            buffer.limit = 60;
            for n in 0..120 {
                // Ids far apart (beyond u32 offsets) now and then.
                unit += if n == 90 { 1 << 33 } else { 1 + i64::from(random(3)) };
                let keys: Vec<SegmentKeys> = ["ja", "en"]
                    .iter()
                    .map(|lang| {
                        // Buckets spread over the first and last groups and bands.
                        let mut buckets: Vec<u32> = (0..random(12))
                            .map(|_| {
                                if random(2) == 0 {
                                    random(200)
                                } else {
                                    (1 << BUCKET_BITS) - 1 - random(200)
                                }
                            })
                            .collect();
                        buckets.sort_unstable();
                        buckets.dedup();
                        SegmentKeys {
                            lang: Lang::parse(lang).unwrap(),
                            tokens: random(50),
                            buckets,
                        }
                    })
                    .collect();
                for segment in &keys {
                    for &b in &segment.buckets {
                        expected.entry(b).or_default().push((unit, segment.tokens));
                        counts[b as usize] += 1;
                    }
                }
                buffer.add(&conn, unit, &keys).unwrap();
            }
            buffer.finish(&conn).unwrap();
            assert_eq!(stored_lists(&conn), expected, "after import {import}");
            assert_eq!(bucket_counts(&conn).unwrap(), counts);
        }
        let chunks: i64 = conn.query_row("SELECT count(*) FROM fuzzy_posting", [], |r| r.get(0)).unwrap();
        assert!(chunks > 2 * 8, "{chunks} chunks: several flushes per group");
    }

    #[test]
    fn a_band_without_entries_for_longer_than_a_delta_holds_still_sorts_right() {
        let mut stage = Stage::default();
        let last_bucket = (1 << BUCKET_BITS) - 1;
        let gap = 2 * SKIP as usize + 5;
        for segment in 0..=gap {
            let unit = 100 + segment as i64;
            if segment == 3 || segment == gap {
                stage.push(unit, 7, &[1, last_bucket], 1 << 20);
            } else {
                stage.push(unit, 1, &[1], 1 << 20);
            }
        }
        let mut df = Vec::new();
        let mut lists = Vec::new();
        stage
            .sort(&mut df, |group, found| {
                for p in 0..GROUP_SIZE as usize {
                    let list: Vec<(i64, u32)> = found.list(p).collect();
                    if !list.is_empty() {
                        lists.push((group * GROUP_SIZE + p as u32, list));
                    }
                }
                Ok::<(), ()>(())
            })
            .unwrap();
        assert_eq!(lists.len(), 2);
        assert_eq!(lists[0].0, 1);
        assert_eq!(lists[0].1.len(), gap + 1);
        assert!(lists[0]
            .1
            .iter()
            .enumerate()
            .all(|(segment, &(unit, _))| unit == 100 + segment as i64));
        assert_eq!(lists[1], (last_bucket, vec![(103, 7), (100 + gap as i64, 7)]));
        assert_eq!((df[1], df[last_bucket as usize]), (gap as u32 + 1, 2));
    }

    #[test]
    fn an_import_extends_older_chunks_never_its_own() {
        let conn = Connection::open_in_memory().unwrap();
        crate::store::schema::migrate(&conn, std::path::Path::new(":memory:")).unwrap();
        let chunks = || -> i64 { conn.query_row("SELECT count(*) FROM fuzzy_posting", [], |r| r.get(0)).unwrap() };
        let keys = |bucket: u32| {
            vec![SegmentKeys {
                lang: Lang::parse("ja").unwrap(),
                tokens: 1,
                buckets: vec![bucket],
            }]
        };
        let import = |units: &[(i64, u32)], limit: usize| {
            let mut buffer = IndexBuffer::new();
            buffer.limit = limit;
            for &(unit, bucket) in units {
                buffer.add(&conn, unit, &keys(bucket)).unwrap();
            }
            buffer.finish(&conn).unwrap();
        };
        import(&[(1, 5)], 100);
        import(&[(2, 6)], 100);
        assert_eq!(chunks(), 1, "a small import extends the group's older chunk");
        // The second unit flushes the first as a chunk of this import; the
        // end of the import writes a chunk of its own after it.
        import(&[(3, 7), (4, 7)], 1);
        assert_eq!(chunks(), 3);
        assert_eq!(stored_lists(&conn).values().flatten().count(), 4);
    }

    #[test]
    fn varints_round_trip() {
        for v in [0u64, 1, 127, 128, 300, 1 << 35, u64::MAX] {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            assert_eq!(get_varint(&out), Some((v, out.len())));
        }
        assert_eq!(get_varint(&[0x80, 0x80]), None);
    }

    #[test]
    fn blocks_visit_every_entry_once_block_by_block() {
        let first = encode_chunk(&[(1, 5, 1), (1, 70_000, 2), (2, 40_000, 3), (2, 200_000, 4)]);
        let second = encode_chunk(&[(1, 6, 5), (3, 100_000, 6)]);
        let mut lists = Lists::default();
        for chunk in [&first, &second] {
            lists_of(chunk, u64::MAX, |_, list| lists.push(list)).unwrap();
        }
        let mut blocks = lists.blocks(1 << 15);
        let mut visited = Vec::new();
        loop {
            let mut block = Vec::new();
            let Some(start) = blocks.next(|offset, count| block.push((offset as i64, count))).unwrap() else {
                break;
            };
            block.iter_mut().for_each(|(unit, _)| *unit += start);
            block.sort_unstable();
            visited.push(block);
        }
        assert_eq!(
            visited,
            vec![
                vec![(5, 1), (6, 5)],
                vec![(40_000, 3)],
                vec![(70_000, 2)],
                vec![(100_000, 6)],
                vec![(200_000, 4)]
            ]
        );
    }

    #[test]
    fn chunks_decode_to_their_entries_per_bucket() {
        let entries: Vec<Entry> = vec![(5, 3, 10), (0, 3, 10), (5, 9, 2), (63, 9, 2), (0, 1000, 7), (5, 1 << 33, 1)];
        let chunk = encode_chunk(&entries);
        let mut all = Vec::new();
        for_each_stored(&chunk, u64::MAX, |p, u, c| all.push((p, u, c))).unwrap();
        assert_eq!(
            all,
            vec![(0, 3, 10), (0, 1000, 7), (5, 3, 10), (5, 9, 2), (5, 1 << 33, 1), (63, 9, 2)]
        );
        let mut some = Vec::new();
        for_each_stored(&chunk, 1 << 5, |p, u, c| some.push((p, u, c))).unwrap();
        assert_eq!(some, vec![(5, 3, 10), (5, 9, 2), (5, 1 << 33, 1)]);
        assert!(for_each_stored(&[], u64::MAX, |_, _, _| ()).is_none());
        for cut in 0..chunk.len() {
            assert!(for_each_stored(&chunk[..cut], u64::MAX, |_, _, _| ()).is_none(), "cut at {cut}");
        }
    }
}
