//! Adding units to the store, one file per transaction, merging duplicates.

use super::borrowed::BorrowedInsert;
use super::columns::{self, ADMIN, ADMIN_COUNT};
use super::index::{unit_keys, IndexBuffer, UnitKeys};
use super::{busy_aware, read, StoreError};
use crate::model::{sorted_on_stack, Header, TmxDate, Unit};
use rusqlite::{params, params_from_iter, Connection, ToSql, Transaction, TransactionBehavior};
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

/// The file an import reads from.
#[derive(Clone, Debug)]
pub struct NewOrigin {
    pub name: String,
    /// `tmx`, `tsv`, `csv`, `aligned`, …
    pub format: &'static str,
    pub header: Header,
}

/// What [`Import::add`] did with a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddOutcome {
    Added,
    /// A duplicate of a stored unit; its dates, counts, props or notes were
    /// merged into it.
    Updated,
    /// A duplicate that brought nothing new.
    Unchanged,
}

/// The values of a unit's row that take work to compute: its identity, its
/// languages, its variants column and its fuzzy index keys. They depend on
/// the unit alone, so an importer can compute them beside the thread that
/// writes.
#[derive(Clone, Debug)]
pub struct UnitRow {
    hash: i64,
    langs: smol_str::SmolStr,
    variants: String,
    /// What the fuzzy index records of the unit.
    keys: UnitKeys,
}

impl UnitRow {
    pub fn of(unit: &Unit) -> UnitRow {
        let (mut few, mut many) = ([""; 4], Vec::new());
        let sorted = sorted_on_stack(&mut few, &mut many, unit.variants.iter().map(|v| v.lang.as_str()));
        // Inline up to 23 bytes (`en ja`): no allocation.
        let mut langs = smol_str::SmolStrBuilder::new();
        for (i, lang) in sorted.iter().enumerate() {
            if i > 0 && sorted[i - 1] == *lang {
                continue;
            }
            if i > 0 {
                langs.push(' ');
            }
            langs.push_str(lang);
        }
        UnitRow {
            hash: unit.content_hash(),
            langs: langs.finish(),
            variants: columns::variants_json(&unit.variants),
            keys: unit_keys(unit),
        }
    }
}

/// An open import: a write transaction. Dropping it without
/// [`Import::commit`] rolls everything back.
pub struct Import<'c> {
    tx: Transaction<'c>,
    origin_id: i64,
    /// Content hashes of every stored unit, by prefix. Most imported units
    /// are new, and a miss here proves it without touching `unit_key`; only
    /// a hit costs a lookup.
    known: HashPrefixes,
    /// The keys of the units added and not yet in `unit_key`.
    pending: PendingKeys,
    /// The unit INSERT, prepared once per file: taking it from the statement
    /// cache and binding every column (most are NULL) cost about half as
    /// much per unit as SQLite's own work of storing it. Its values are
    /// bound without a copy (see [`BorrowedInsert`]).
    insert_unit: BorrowedInsert<'c>,
    index: IndexBuffer,
    /// Stops when the import ends.
    writeback: Writeback,
    /// Only dropped, never read: gives the connection its page cache back.
    _cache: ImportCache<'c>,
    /// Last, so that it acts after the transaction has ended; only
    /// dropped, never read.
    _journal: JournalMode<'c>,
}

/// An import into an empty store runs under a rollback journal instead of
/// the WAL: its pages are written once, into the store, where the WAL would
/// take them all and then copy them into the store at the checkpoint (1M
/// Kyoto units: about 5 s of copying and syncing after the import ended).
/// The rollback journal holds only the pages the import changes, which an
/// empty store barely has. Readers of an empty store lose nothing by
/// waiting. The switch needs the store to itself: when another connection
/// has it open, the import runs in WAL mode as any other.
struct JournalMode<'c> {
    conn: &'c Connection,
    /// The import switched the store from WAL to a rollback journal.
    switched: bool,
}

impl<'c> JournalMode<'c> {
    fn for_import(conn: &'c Connection) -> Result<JournalMode<'c>, StoreError> {
        let empty: bool = conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM unit)", [], |r| r.get(0))?;
        let switched = empty
            && conn
                .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get::<_, String>(0))
                .is_ok_and(|mode| mode.eq_ignore_ascii_case("delete"));
        Ok(JournalMode { conn, switched })
    }
}

impl Drop for JournalMode<'_> {
    fn drop(&mut self) {
        // Back to WAL after the commit or the rollback. Should this fail,
        // the next open of the store switches it back.
        if self.switched {
            let _ = super::enable_wal(self.conn);
        }
    }
}

/// An import runs with a page cache of [`ImportCache::KB`] instead of the
/// connection's. Its writes are appends, which a larger cache only holds
/// without reading them again; the pages it does read again, those of
/// `unit_key` at each batch of keys, outgrow any bounded cache as the store
/// grows, and are read fewer times by larger batches instead (see
/// [`PendingKeys::BATCH`]). 1M Kyoto units, three alternating runs: peak
/// RSS 150-151 MB with 8 MB against 176-181 MB with the connection's 32 MB,
/// in the same time (14.8-16.1 s against 13.0-17.0 s). Lookups keep the
/// larger cache.
struct ImportCache<'c> {
    conn: &'c Connection,
    /// The connection's own `cache_size`, restored at the end.
    before: i64,
}

impl<'c> ImportCache<'c> {
    const KB: i64 = 8 << 10;

    fn set(conn: &'c Connection) -> Result<ImportCache<'c>, StoreError> {
        let before: i64 = conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
        conn.pragma_update(None, "cache_size", -Self::KB)?;
        Ok(ImportCache { conn, before })
    }
}

impl Drop for ImportCache<'_> {
    fn drop(&mut self) {
        // Should this fail, the connection keeps the smaller cache, which
        // slows its lookups and loses nothing.
        let _ = self.conn.pragma_update(None, "cache_size", self.before);
    }
}

/// Writes the store's dirty pages to disk once a second while an import
/// runs, on a thread of its own. SQLite writes the pages of a large import
/// into the operating system's cache as its own cache fills, and the
/// commit's sync then waited for all of them: 1M Kyoto units, 1.54 s of
/// `fsync` after the reading thread had finished (strace). Syncing as the
/// import goes left the commit's `fsync` under 1 ms (strace, the per-second
/// syncs about 0.1 s each) and costs no CPU of the import's threads.
/// Durability is the same: the commit still syncs.
///
/// It syncs the file system the store is on (`syncfs`, Linux), through a
/// descriptor of the store's directory, never one of the store file:
/// closing any descriptor of a file drops every POSIX lock the process
/// holds on it, SQLite's included. An earlier version synced the store
/// file through a descriptor of its own, and its close at the end of an
/// import let another process into the store while this one still wrote
/// (two imports racing to create a store: both in a write transaction,
/// one failing on the journal the other had deleted).
struct Writeback {
    /// A message asks the thread to sync now; dropping the sender at the
    /// end of the import stops it.
    requests: Option<std::sync::mpsc::Sender<()>>,
}

impl Writeback {
    fn start(conn: &Connection) -> Writeback {
        // An in-memory store has no file; elsewhere than on Linux, and when
        // the directory cannot be opened, the commit syncs alone.
        let directory = conn
            .path()
            .filter(|p| !p.is_empty() && cfg!(target_os = "linux"))
            .and_then(|p| {
                std::path::Path::new(p)
                    .parent()
                    .map(|d| if d.as_os_str().is_empty() { std::path::Path::new(".") } else { d })
            })
            .and_then(|d| std::fs::File::open(d).ok());
        let Some(directory) = directory else {
            return Writeback { requests: None };
        };
        let (requests, received) = std::sync::mpsc::channel::<()>();
        let started = std::thread::Builder::new().name("writeback".into()).spawn(move || {
            while let Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Timeout) = received.recv_timeout(std::time::Duration::from_secs(1)) {
                if !sync_file_system(&directory) {
                    return;
                }
            }
        });
        Writeback {
            requests: started.is_ok().then_some(requests),
        }
    }

    /// Syncs now rather than at the next second: at the start of the
    /// commit, so that the pages written since the last sync go out while
    /// the commit writes its last rows, and its own sync finds fewer.
    fn sync_now(&self) {
        if let Some(requests) = &self.requests {
            let _ = requests.send(());
        }
    }
}

/// Writes out the dirty pages of the file system `file` is on; false when
/// that failed (or is not available here).
#[cfg(target_os = "linux")]
fn sync_file_system(file: &std::fs::File) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: `syncfs` only reads the descriptor, which `file` keeps open.
    unsafe { libc::syncfs(file.as_raw_fd()) == 0 }
}

#[cfg(not(target_os = "linux"))]
fn sync_file_system(_: &std::fs::File) -> bool {
    false
}

impl<'c> Import<'c> {
    pub(super) fn begin(conn: &'c mut Connection, origin: &NewOrigin) -> Result<Import<'c>, StoreError> {
        let conn: &'c Connection = conn;
        let journal = JournalMode::for_import(conn)?;
        let (tx, origin_id, known) = begin_file(conn, origin, "SELECT hash FROM unit_key")?;
        let insert_unit = BorrowedInsert::prepare(
            conn,
            &format!(
                "INSERT INTO unit (origin_id, content_hash, langs, tuid, srclang, segtype, variant_count, variants, {ADMIN}, meta, fuzzy) \
             VALUES ({})",
                placeholders(8 + ADMIN_COUNT + 2)
            ),
        )?;
        Ok(Import {
            tx,
            origin_id,
            known,
            pending: PendingKeys::default(),
            insert_unit,
            index: IndexBuffer::new(),
            writeback: Writeback::start(conn),
            _cache: ImportCache::set(conn)?,
            _journal: journal,
        })
    }

    /// Adds a unit, or merges it into the stored unit with the same
    /// languages and texts.
    pub fn add(&mut self, unit: &Unit) -> Result<AddOutcome, StoreError> {
        self.add_row(unit, &UnitRow::of(unit))
    }

    /// [`Import::add`] with the row values already computed (on another
    /// thread, say); `row` must be `UnitRow::of(unit)`.
    pub fn add_row(&mut self, unit: &Unit, row: &UnitRow) -> Result<AddOutcome, StoreError> {
        let hash = row.hash;
        if self.known.insert(hash) {
            self.insert(unit, row)?;
            return Ok(AddOutcome::Added);
        }
        let mut candidates: Vec<i64> = self.pending.ids(hash).collect();
        {
            let mut stmt = self.tx.prepare_cached("SELECT unit_id FROM unit_key WHERE hash = ?1")?;
            for id in stmt.query_map([hash], |r| r.get(0))? {
                candidates.push(id?);
            }
        }
        for id in candidates {
            let stored = read::load_unit(&self.tx, id)?;
            if stored.unit.same_content(unit) {
                return self.merge(stored, unit);
            }
        }
        self.insert(unit, row)?;
        Ok(AddOutcome::Added)
    }

    fn insert(&mut self, unit: &Unit, row: &UnitRow) -> Result<(), StoreError> {
        let srclang = unit.srclang.as_ref().map(|s| s.to_string());
        let count = unit.variants.len() as i64;
        let meta = columns::meta_json(&unit.meta);
        let head: [&dyn ToSql; 8] = [
            &self.origin_id,
            &row.hash,
            &row.langs.as_str(),
            &unit.tuid,
            &srclang,
            &unit.segtype,
            &count,
            &row.variants,
        ];
        let values = head
            .into_iter()
            .chain(columns::admin_params(&unit.admin))
            .chain([&meta as &dyn ToSql, &row.keys.signature]);
        self.insert_unit.execute(values)?;
        let id = self.tx.last_insert_rowid();
        self.pending.add(&self.tx, row.hash, id)?;
        self.index.add(&self.tx, id, &row.keys.segments)
    }

    fn merge(&mut self, mut stored: read::StoredUnit, incoming: &Unit) -> Result<AddOutcome, StoreError> {
        let target = &mut stored.unit;
        let mut changed = target.admin.merge_from(&incoming.admin);
        changed |= target.meta.merge_from(&incoming.meta);
        for (slot, theirs) in [(&mut target.tuid, &incoming.tuid), (&mut target.segtype, &incoming.segtype)] {
            if slot.is_none() && theirs.is_some() {
                *slot = theirs.clone();
                changed = true;
            }
        }
        if target.srclang.is_none() && incoming.srclang.is_some() {
            target.srclang = incoming.srclang.clone();
            changed = true;
        }
        // Pair each incoming variant with an unused stored one of the same
        // language and text (content equality guarantees one exists).
        let mut used = vec![false; target.variants.len()];
        for theirs in &incoming.variants {
            let Some(i) = (0..target.variants.len())
                .find(|&i| !used[i] && target.variants[i].lang == theirs.lang && target.variants[i].markup == theirs.markup)
            else {
                continue;
            };
            used[i] = true;
            let mine = &mut target.variants[i];
            changed |= mine.admin.merge_from(&theirs.admin) | mine.meta.merge_from(&theirs.meta);
        }
        if !changed {
            return Ok(AddOutcome::Unchanged);
        }
        let sql = format!(
            "UPDATE unit SET tuid = ?2, srclang = ?3, segtype = ?4, meta = ?5, variants = ?6, {} WHERE id = ?1",
            columns::admin_assignments(7)
        );
        let srclang = target.srclang.as_ref().map(|s| s.to_string());
        let meta = columns::meta_json(&target.meta);
        let variants = columns::variants_json(&target.variants);
        let head: [&dyn ToSql; 6] = [&stored.id, &target.tuid, &srclang, &target.segtype, &meta, &variants];
        self.tx
            .prepare_cached(&sql)?
            .execute(params_from_iter(head.into_iter().chain(columns::admin_params(&target.admin))))?;
        Ok(AddOutcome::Updated)
    }

    /// Makes the import permanent.
    pub fn commit(mut self) -> Result<(), StoreError> {
        self.writeback.sync_now();
        // The index's last stage is encoded beside the key writes.
        self.index.start_last_stage(&self.tx)?;
        self.pending.write_all(&self.tx)?;
        self.index.finish(&self.tx)?;
        self.tx.commit().map_err(busy_aware)
    }
}

/// The keys (content hash, unit id) of the units an import has added and
/// not yet written to `unit_key`. They are written sorted, a batch of
/// [`PendingKeys::BATCH`] at a time: inserted one by one as units came,
/// each key went to a random place in the B-tree, whose search missed the
/// processor's caches (1M Kyoto units: `sqlite3BtreeIndexMoveto` was 8%
/// of all samples, and the import 1.5-2 s faster with no key written at
/// all); in order, a batch's keys share the pages they go to. Until
/// written, a duplicate finds its unit here.
///
/// A full batch is written a statement at a time while the next one
/// fills, one statement per [`KEYS_PER_INSERT`]` / 2` units added: written
/// at once, it held the writing thread for 0.1-0.25 s, in which the
/// reading thread filled the queue between them and waited (1M Kyoto
/// units: three such pauses, 0.51 s in all).
struct PendingKeys {
    /// Hash → the first pending unit with it.
    first: HashMap<i64, i64, foldhash::fast::RandomState>,
    /// Further pending units with a hash already in `first`: different
    /// contents with the same 64-bit hash, which only crafted input has.
    more: Vec<(i64, i64)>,
    /// Keys in a batch: [`PendingKeys::BATCH`] (fewer in tests).
    limit: usize,
    /// The last full batch, sorted; the keys from `written` on are not
    /// in `unit_key` yet.
    writing: Vec<(i64, i64)>,
    written: usize,
    /// Units added since the last statement that wrote part of `writing`.
    since_write: usize,
}

impl Default for PendingKeys {
    fn default() -> PendingKeys {
        PendingKeys {
            first: HashMap::default(),
            more: Vec::new(),
            limit: PendingKeys::BATCH,
            writing: Vec::new(),
            written: 0,
            since_write: 0,
        }
    }
}

impl PendingKeys {
    /// About 8 MB of keys in the map. Each batch reads and rewrites most
    /// of `unit_key`'s pages, which the import's small page cache does not
    /// keep (1M Kyoto units: 19,308 page reads and 8,917 writes of a
    /// 1,120-page table with batches of 65,536), so fewer batches write
    /// faster: writing the keys took 0.76-0.80 s in all, against
    /// 0.94-1.02 s (timed inside the import, two runs each), for 8-10 MB
    /// more peak memory.
    const BATCH: usize = 1 << 18;

    /// Adds the key of a unit just stored, and writes part of the last
    /// full batch when its turn has come.
    fn add(&mut self, conn: &Connection, hash: i64, id: i64) -> Result<(), StoreError> {
        match self.first.entry(hash) {
            Entry::Occupied(_) => self.more.push((hash, id)),
            Entry::Vacant(slot) => {
                slot.insert(id);
            }
        }
        if self.first.len() + self.more.len() >= self.limit {
            return self.start_writing(conn);
        }
        self.since_write += 1;
        if self.written < self.writing.len() && self.since_write >= KEYS_PER_INSERT / 2 {
            self.since_write = 0;
            let end = self.writing.len().min(self.written + KEYS_PER_INSERT);
            insert_keys(conn, &self.writing[self.written..end])?;
            self.written = end;
        }
        Ok(())
    }

    /// The pending units with `hash`.
    fn ids(&self, hash: i64) -> impl Iterator<Item = i64> + '_ {
        let more = self.more.iter().filter(move |(h, _)| *h == hash).map(|&(_, id)| id);
        let unwritten = &self.writing[self.written..];
        let from = unwritten.partition_point(|&(h, _)| h < hash);
        let writing = unwritten[from..].iter().take_while(move |(h, _)| *h == hash).map(|&(_, id)| id);
        self.first.get(&hash).copied().into_iter().chain(more).chain(writing)
    }

    /// Finishes writing the last full batch, and makes the keys added since
    /// it the batch being written.
    fn start_writing(&mut self, conn: &Connection) -> Result<(), StoreError> {
        insert_keys(conn, &self.writing[self.written..])?;
        self.writing.clear();
        self.writing.extend(self.first.drain().chain(self.more.drain(..)));
        self.writing.sort_unstable();
        self.written = 0;
        self.since_write = 0;
        Ok(())
    }

    /// Writes every pending key to `unit_key`, in order; the end of an
    /// import.
    fn write_all(&mut self, conn: &Connection) -> Result<(), StoreError> {
        self.start_writing(conn)?;
        insert_keys(conn, &self.writing)?;
        self.written = self.writing.len();
        Ok(())
    }
}

/// Inserts `keys` into `unit_key`. Several keys per statement: each run of
/// one costs SQLite a cursor, a transaction check and a reset besides the
/// insert (50k Kyoto units: 3.110G instructions with one key per statement,
/// 3.064G with 64, 3.052G with 256).
fn insert_keys(conn: &Connection, keys: &[(i64, i64)]) -> Result<(), StoreError> {
    let mut rows = keys.chunks_exact(KEYS_PER_INSERT);
    if rows.len() > 0 {
        let mut insert = conn.prepare_cached(&format!(
            "INSERT INTO unit_key (hash, unit_id) VALUES {}",
            vec!["(?, ?)"; KEYS_PER_INSERT].join(", ")
        ))?;
        for chunk in &mut rows {
            insert.execute(rusqlite::params_from_iter(chunk.iter().flat_map(|&(hash, id)| [hash, id])))?;
        }
    }
    if !rows.remainder().is_empty() {
        let mut insert = conn.prepare_cached("INSERT INTO unit_key (hash, unit_id) VALUES (?1, ?2)")?;
        for &(hash, id) in rows.remainder() {
            insert.execute([hash, id])?;
        }
    }
    Ok(())
}

/// Keys written by one INSERT.
const KEYS_PER_INSERT: usize = 256;

/// Content hashes of stored rows. foldhash rather than std's SipHash: one
/// insert per imported row, and still seeded at random, so crafted hashes
/// cannot make the set slow.
pub(super) type KnownHashes = HashSet<i64, foldhash::fast::RandomState>;

/// The high 32 bits of the content hashes of stored units: a miss proves
/// a unit new; a hit is a duplicate, or, about once per 4 billion stored
/// units, another unit with the same high bits, which the query that
/// follows tells apart. Half the memory of the full hashes (1M units: 8
/// MB of the import's peak instead of 16).
pub(super) struct HashPrefixes(HashSet<u32, foldhash::fast::RandomState>);

impl HashPrefixes {
    /// Adds `hash`; false when a hash with its prefix was there.
    fn insert(&mut self, hash: i64) -> bool {
        self.0.insert(((hash as u64) >> 32) as u32)
    }
}

impl FromIterator<i64> for HashPrefixes {
    fn from_iter<I: IntoIterator<Item = i64>>(hashes: I) -> HashPrefixes {
        let mut prefixes = HashPrefixes(HashSet::default());
        for hash in hashes {
            prefixes.insert(hash);
        }
        prefixes
    }
}

/// Opens a file's write transaction: takes the write lock, records the
/// origin, and loads the content hashes that `hashes` (a query) selects,
/// the identities new rows are checked against. The connection is shared so
/// that statements can be prepared beside the transaction; callers hold it
/// exclusively (the `Store` methods that begin imports take `&mut self`),
/// which is what rules out nested transactions.
pub(super) fn begin_file<'c, Known: FromIterator<i64>>(
    conn: &'c Connection,
    origin: &NewOrigin,
    hashes: &str,
) -> Result<(Transaction<'c>, i64, Known), StoreError> {
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate).map_err(busy_aware)?;
    let header = serde_json::to_string(&origin.header).unwrap_or_default();
    tx.execute(
        "INSERT INTO origin (name, imported_at, format, header) VALUES (?1, ?2, ?3, ?4)",
        params![origin.name, TmxDate::now().as_str(), origin.format, header],
    )?;
    let origin_id = tx.last_insert_rowid();
    let known = {
        let mut stmt = tx.prepare(hashes)?;
        let hashes = stmt.query_map([], |r| r.get::<_, i64>(0))?;
        hashes.collect::<Result<Known, _>>()?
    };
    Ok((tx, origin_id, known))
}

fn placeholders(n: usize) -> String {
    (1..=n).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::{origin, variant, UNDO_UNIT_KEY};
    use crate::store::Store;

    fn unit(ja: &str, en: &str) -> Unit {
        Unit {
            variants: vec![variant("ja", ja), variant("en", en)],
            ..Unit::default()
        }
    }

    #[test]
    fn duplicates_are_found_whether_their_unit_key_is_written_or_pending() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("t.db")).unwrap();
        // Batches that take a multi-row INSERT and single ones after it.
        let texts: Vec<(String, String)> = (0..2 * KEYS_PER_INSERT + 10)
            .map(|i| (format!("会議{i}"), format!("meeting {i}")))
            .collect();
        let mut import = store.begin_import(&origin("a.tmx")).unwrap();
        import.pending.limit = KEYS_PER_INSERT + 3;
        let mut outcomes = Vec::new();
        // Each unit twice: right after it (pending), and after every
        // other has been added (written, for most).
        for (ja, en) in &texts {
            outcomes.push(import.add(&unit(ja, en)).unwrap());
            outcomes.push(import.add(&unit(ja, en)).unwrap());
        }
        for (ja, en) in &texts {
            outcomes.push(import.add(&unit(ja, en)).unwrap());
        }
        import.commit().unwrap();
        let added = outcomes.iter().filter(|o| **o == AddOutcome::Added).count();
        assert_eq!(added, texts.len(), "{outcomes:?}");
        // And in the next import, from the table.
        let mut import = store.begin_import(&origin("b.tmx")).unwrap();
        for (ja, en) in &texts {
            assert_eq!(import.add(&unit(ja, en)).unwrap(), AddOutcome::Unchanged);
        }
        drop(import);
        assert_eq!(store.stats().unwrap().units, texts.len() as u64);
        let keys: i64 = store.conn.query_row("SELECT count(*) FROM unit_key", [], |r| r.get(0)).unwrap();
        assert_eq!(keys, texts.len() as i64);
    }

    #[test]
    fn a_store_of_schema_5_gets_its_unit_keys_and_deleting_an_origin_forgets_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut store = Store::open(&path).unwrap();
        let mut import = store.begin_import(&origin("a.tmx")).unwrap();
        import.add(&unit("会議", "meeting")).unwrap();
        import.commit().unwrap();
        drop(store);
        // Schema 5 found units by an index on `unit`.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(UNDO_UNIT_KEY).unwrap();
        conn.pragma_update(None, "user_version", 5).unwrap();
        drop(conn);
        let mut store = Store::open(&path).unwrap();
        let keys = |store: &Store| {
            store
                .conn
                .query_row("SELECT count(*) FROM unit_key", [], |r| r.get::<_, i64>(0))
                .unwrap()
        };
        assert_eq!(keys(&store), 1);
        let mut import = store.begin_import(&origin("b.tmx")).unwrap();
        assert_eq!(import.add(&unit("会議", "meeting")).unwrap(), AddOutcome::Unchanged);
        assert_eq!(import.add(&unit("総務省", "MIC")).unwrap(), AddOutcome::Added);
        import.commit().unwrap();
        assert_eq!(keys(&store), 2);
        assert_eq!(store.delete_origin(1).unwrap().map(|d| d.units), Some(1));
        assert_eq!(keys(&store), 1);
        let mut import = store.begin_import(&origin("c.tmx")).unwrap();
        assert_eq!(
            import.add(&unit("会議", "meeting")).unwrap(),
            AddOutcome::Added,
            "its key went with it"
        );
        import.commit().unwrap();
    }

    #[test]
    fn an_import_uses_its_own_page_cache_and_gives_the_connection_its_own_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("t.db")).unwrap();
        let cache = |conn: &Connection| conn.query_row("PRAGMA cache_size", [], |r| r.get::<_, i64>(0)).unwrap();
        let before = cache(&store.conn);
        for commit in [false, true] {
            let mut import = store.begin_import(&origin("a.tmx")).unwrap();
            assert_eq!(cache(&import.tx), -ImportCache::KB);
            import.add(&unit("会議", "meeting")).unwrap();
            if commit {
                import.commit().unwrap();
            } else {
                drop(import);
            }
            assert_eq!(cache(&store.conn), before);
        }
    }

    proptest::proptest! {
        /// Pending keys and the keys written answer as the list of every
        /// key added would, many of them sharing a hash, whatever the
        /// batches.
        #[test]
        fn pending_keys_find_every_unit_added_with_a_hash(
            keys in proptest::collection::vec((0_i64..6, 0_i64..1000), 0..40),
            limit in 1_usize..8,
        ) {
            let conn = Connection::open_in_memory().unwrap();
            conn.execute_batch("CREATE TABLE unit_key (hash INTEGER NOT NULL, unit_id INTEGER NOT NULL)").unwrap();
            let mut pending = PendingKeys { limit, ..PendingKeys::default() };
            for &(hash, id) in &keys {
                pending.add(&conn, hash, id).unwrap();
            }
            for hash in 0..6 {
                let mut found: Vec<i64> = pending.ids(hash).collect();
                let mut written = conn.prepare("SELECT unit_id FROM unit_key WHERE hash = ?1").unwrap();
                found.extend(written.query_map([hash], |r| r.get::<_, i64>(0)).unwrap().map(Result::unwrap));
                let mut added: Vec<i64> = keys.iter().filter(|k| k.0 == hash).map(|k| k.1).collect();
                found.sort_unstable();
                added.sort_unstable();
                proptest::prop_assert_eq!(found, added);
            }
        }
    }

    #[test]
    fn units_with_the_same_hash_and_different_texts_are_both_kept() {
        let conn = Connection::open_in_memory().unwrap();
        let mut keys = PendingKeys::default();
        keys.add(&conn, 7, 1).unwrap();
        keys.add(&conn, 7, 2).unwrap();
        keys.add(&conn, 8, 3).unwrap();
        assert_eq!(keys.ids(7).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(keys.ids(9).count(), 0);
    }

    #[test]
    fn hash_prefixes_report_a_shared_prefix_as_maybe_known() {
        let mut known: HashPrefixes = [5_i64 << 32 | 1].into_iter().collect();
        assert!(!known.insert(5 << 32 | 1), "the same hash");
        assert!(
            !known.insert(5 << 32 | 2),
            "another hash with the same high bits: left to the query"
        );
        assert!(known.insert(6 << 32 | 1));
        assert!(known.insert(-1), "negative hashes have prefixes too");
        assert!(!known.insert(-1));
    }
}
