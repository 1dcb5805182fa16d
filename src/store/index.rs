//! The persistent candidate index of fuzzy matching: for every bucket of
//! padded token bigrams ([`crate::text::grams`]), the units whose segment
//! has one, with the segment's token count.
//!
//! # Layout
//!
//! Buckets are stored in groups of [`GROUP_SIZE`] (the high bits of the
//! bucket number), one row per group and *chunk* in `fuzzy_posting`. A
//! chunk is a run of entries, each `[bucket % GROUP_SIZE: u8][unit id delta:
//! varint][token count: varint]`, in ascending unit id (the first delta is
//! from 0). A unit's entries are contiguous within a chunk and name
//! distinct buckets. Grouping keeps the rows an import writes bounded (at
//! most one per group per flush, however many units) and a lookup reads a
//! few dozen rows, one per group its query touches.
//!
//! # Maintenance
//!
//! [`IndexBuffer`] collects the entries of the units an import adds and
//! writes them in the import's transaction: when it holds
//! [`FLUSH_BYTES`] (memory stays bounded on huge files), as new chunks, and
//! at commit, appended to a group's last chunk when that is small (many
//! small imports do not fragment the index).
//! The index is therefore always exactly as current as the units: same
//! transaction, same rollback.
//!
//! Deleting units leaves their entries behind: lookups skip ids that no
//! longer exist, and an entry whose id SQLite reuses for a new unit can
//! only make that unit look closer than it is (it gets its own entries
//! too), which costs time, never a match. Chunks are numbered per group
//! (`seq`), not by unit id, so a reused id never overwrites a chunk.
//!
//! Each unit is indexed once per language (primary subtag), by its first
//! variant in that language: the variant lookups use.
//!
//! `fuzzy_lang` lists the languages (primary subtags) indexed, and
//! `fuzzy_df` how many units have each bucket (a little-endian `u32` per
//! bucket). Lookups use it to leave the most frequent buckets of a query
//! unread when the score floor allows; it only steers speed, never which
//! matches are found.

use super::StoreError;
use crate::lang::Lang;
use crate::model::Unit;
use crate::text::grams::{buckets, token_hash, BUCKET_BITS};
use crate::text::normalize::normalize;
use crate::text::tokens::tokens;
use rusqlite::{params, Connection, OptionalExtension};

/// Buckets per group (the low bits of a bucket are stored in one byte).
pub const GROUP_SIZE: u32 = 64;
const GROUP_SHIFT: u32 = GROUP_SIZE.trailing_zeros();
/// Number of groups.
pub const GROUPS: u32 = 1 << (BUCKET_BITS - GROUP_SHIFT);
/// Entries buffered before they are written (bytes of encoded entries).
const FLUSH_BYTES: usize = 24 << 20;
/// A group's last chunk below this size is extended rather than followed
/// by a new chunk.
const APPEND_BELOW: usize = 16 << 10;

pub(super) const SCHEMA: &str = "
    CREATE TABLE fuzzy_posting (
        grp       INTEGER NOT NULL,
        seq       INTEGER NOT NULL,
        last_unit INTEGER NOT NULL,
        postings  BLOB NOT NULL,
        PRIMARY KEY (grp, seq)
    ) WITHOUT ROWID;
    CREATE TABLE fuzzy_lang (
        lang TEXT PRIMARY KEY
    ) WITHOUT ROWID;
    CREATE TABLE fuzzy_df (
        id     INTEGER PRIMARY KEY CHECK (id = 1),
        counts BLOB NOT NULL
    );
";

/// The group of a bucket and its position in the group.
pub fn split(bucket: u32) -> (u32, u8) {
    (bucket >> GROUP_SHIFT, (bucket & (GROUP_SIZE - 1)) as u8)
}

/// What the index records of one segment: its language, token count and
/// buckets. Computing it is most of the index's cost at import and depends
/// on the unit alone, so importers compute it beside the writing thread.
#[derive(Clone, Debug)]
pub struct SegmentKeys {
    lang: Lang,
    tokens: u32,
    buckets: Vec<u32>,
}

/// The keys of a unit's indexed segments: its first variant in each
/// language (primary subtag).
pub fn unit_keys(unit: &Unit) -> Vec<SegmentKeys> {
    let mut keys: Vec<SegmentKeys> = Vec::with_capacity(2);
    for variant in &unit.variants {
        if keys.iter().any(|k| k.lang.primary() == variant.lang.primary()) {
            continue;
        }
        let normalized = normalize(&variant.plain);
        let hashes: Vec<u64> = tokens(&normalized).into_iter().map(token_hash).collect();
        keys.push(SegmentKeys {
            lang: variant.lang.clone(),
            tokens: hashes.len() as u32,
            buckets: buckets(&variant.lang, &hashes),
        });
    }
    keys
}

/// The entries of one import not yet written, per group.
pub(super) struct IndexBuffer {
    groups: Vec<Chunk>,
    bytes: usize,
    /// Units added per bucket, not yet added to `fuzzy_df`; counted when a
    /// group's chunk is written, in bucket order (counting on every add was
    /// a cache miss per entry in this 4 MB table).
    df: Vec<u32>,
    /// Languages seen, not yet added to `fuzzy_lang`.
    langs: Vec<String>,
}

#[derive(Default)]
struct Chunk {
    data: Vec<u8>,
    first_unit: i64,
    last_unit: i64,
}

impl IndexBuffer {
    pub fn new() -> IndexBuffer {
        IndexBuffer {
            groups: (0..GROUPS).map(|_| Chunk::default()).collect(),
            bytes: 0,
            df: Vec::new(),
            langs: Vec::new(),
        }
    }

    /// Adds the entries of unit `unit_id`, whose keys are `keys` (see
    /// [`unit_keys`]). Units must come in ascending id order.
    pub fn add(&mut self, conn: &Connection, unit_id: i64, keys: &[SegmentKeys]) -> Result<(), StoreError> {
        for segment in keys {
            if !self.langs.iter().any(|l| l == segment.lang.primary()) {
                self.langs.push(segment.lang.primary().to_string());
            }
            for &bucket in &segment.buckets {
                let (group, low) = split(bucket);
                let chunk = &mut self.groups[group as usize];
                let before = chunk.data.len();
                if before == 0 {
                    chunk.first_unit = unit_id;
                }
                chunk.data.push(low);
                put_varint(&mut chunk.data, (unit_id - chunk.last_unit) as u64);
                put_varint(&mut chunk.data, u64::from(segment.tokens));
                chunk.last_unit = unit_id;
                self.bytes += chunk.data.len() - before;
            }
        }
        if self.bytes >= FLUSH_BYTES {
            self.flush(conn, false)?;
        }
        Ok(())
    }

    /// Writes the buffered entries in the open transaction on `conn`, each
    /// group's as a new chunk, or, with `append` (the end of an import),
    /// appended to the group's last chunk when that is small. Appending only
    /// at the end keeps a huge import from rewriting its own chunks at every
    /// flush.
    fn flush(&mut self, conn: &Connection, append: bool) -> Result<(), StoreError> {
        if self.bytes == 0 {
            return Ok(());
        }
        let mut last = conn.prepare_cached(if append {
            "SELECT seq, last_unit, postings FROM fuzzy_posting WHERE grp = ?1 ORDER BY seq DESC LIMIT 1"
        } else {
            "SELECT seq, last_unit, x'' FROM fuzzy_posting WHERE grp = ?1 ORDER BY seq DESC LIMIT 1"
        })?;
        let mut put =
            conn.prepare_cached("INSERT OR REPLACE INTO fuzzy_posting (grp, seq, last_unit, postings) VALUES (?1, ?2, ?3, ?4)")?;
        if self.df.is_empty() {
            self.df = vec![0; 1 << BUCKET_BITS];
        }
        for (group, chunk) in self.groups.iter_mut().enumerate() {
            if chunk.data.is_empty() {
                continue;
            }
            let counts = &mut self.df[group * GROUP_SIZE as usize..(group + 1) * GROUP_SIZE as usize];
            for_each_entry(&chunk.data, |low, _, _| counts[usize::from(low) % GROUP_SIZE as usize] += 1)
                .ok_or_else(|| corrupt(group as u32))?;
            let previous: Option<(i64, i64, Vec<u8>)> = last
                .query_row([group as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            match previous {
                Some((seq, last_unit, mut postings)) if append && postings.len() < APPEND_BELOW && last_unit < chunk.first_unit => {
                    rebase(&mut chunk.data, last_unit);
                    postings.extend_from_slice(&chunk.data);
                    put.execute(params![group as i64, seq, chunk.last_unit, postings])?;
                }
                previous => {
                    let seq = previous.map_or(0, |(seq, _, _)| seq + 1);
                    put.execute(params![group as i64, seq, chunk.last_unit, chunk.data])?;
                }
            }
            *chunk = Chunk::default();
        }
        self.bytes = 0;
        Ok(())
    }
}

impl IndexBuffer {
    /// Writes what is buffered and adds the bucket counts to `fuzzy_df`;
    /// the end of an import.
    pub fn finish(&mut self, conn: &Connection) -> Result<(), StoreError> {
        self.flush(conn, true)?;
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

/// Makes the first delta of `data` (from 0) relative to `base` instead.
fn rebase(data: &mut Vec<u8>, base: i64) {
    let (first, len) = get_varint(&data[1..]).unwrap_or((0, 0));
    let mut rebased = Vec::with_capacity(data.len());
    rebased.push(data[0]);
    put_varint(&mut rebased, first - base as u64);
    rebased.extend_from_slice(&data[1 + len..]);
    *data = rebased;
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The varint at the start of `bytes` and its length, or `None` when it is
/// cut short.
fn get_varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for (i, &b) in bytes.iter().enumerate().take(10) {
        v |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            return Some((v, i + 1));
        }
    }
    None
}

/// Calls `f(unit_id, token_count, low)` for each entry of `group` whose
/// bucket position is in `mask` (bit `low` set), in ascending unit id per
/// chunk. A corrupt chunk is reported, not guessed at.
pub(super) fn scan_group(conn: &Connection, group: u32, mask: u64, mut f: impl FnMut(i64, u32)) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached("SELECT postings FROM fuzzy_posting WHERE grp = ?1")?;
    let mut rows = stmt.query([group as i64])?;
    while let Some(row) = rows.next()? {
        let data = row.get_ref(0)?.as_blob().map_err(|_| corrupt(group))?;
        for_each_entry(data, |low, unit, count| {
            if low < 64 && mask & (1 << low) != 0 {
                f(unit, count);
            }
        })
        .ok_or_else(|| corrupt(group))?;
    }
    Ok(())
}

/// Calls `f(bucket position, unit id, token count)` for each entry of a
/// chunk; `None` when the chunk is cut short.
fn for_each_entry(data: &[u8], mut f: impl FnMut(u8, i64, u32)) -> Option<()> {
    let mut at = 0;
    let mut unit = 0i64;
    while at < data.len() {
        let low = data[at];
        let (delta, n1) = get_varint(&data[at + 1..])?;
        let (count, n2) = get_varint(&data[at + 1 + n1..])?;
        at += 1 + n1 + n2;
        unit += delta as i64;
        f(low, unit, count as u32);
    }
    Some(())
}

fn corrupt(group: u32) -> StoreError {
    StoreError::Corrupt(format!(
        "fuzzy index group {group} is cut short; rebuild it with `yakugo index --rebuild`"
    ))
}

/// Rebuilds the whole index from the units (after a migration from a store
/// that had none, or on request).
pub(super) fn rebuild(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch("DELETE FROM fuzzy_posting; DELETE FROM fuzzy_df; DELETE FROM fuzzy_lang;")?;
    let mut buffer = IndexBuffer::new();
    let mut stmt = conn.prepare(&super::read::unit_sql("ORDER BY id"))?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let stored = super::read::unit_from_row(row)?;
        buffer.add(conn, stored.id, &unit_keys(&stored.unit))?;
    }
    buffer.finish(conn)
}

/// The languages (primary subtags) the index has segments in.
pub(super) fn languages(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT lang FROM fuzzy_lang ORDER BY lang")?;
    let langs = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(langs)
}

/// Size of the index in bytes (the postings, without SQLite's overhead).
pub(super) fn size(conn: &Connection) -> Result<u64, StoreError> {
    Ok(
        conn.query_row("SELECT coalesce(sum(length(postings)), 0) FROM fuzzy_posting", [], |r| {
            r.get::<_, i64>(0)
        })? as u64,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn rebase_moves_the_first_delta() {
        let mut data = vec![5];
        put_varint(&mut data, 1000);
        put_varint(&mut data, 7);
        rebase(&mut data, 990);
        assert_eq!(data, vec![5, 10, 7]);
    }
}
