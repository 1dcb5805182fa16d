//! Adding units to the store, one file per transaction, merging duplicates.

use super::columns::{self, ADMIN, ADMIN_COUNT};
use super::index::{unit_keys, IndexBuffer, UnitKeys};
use super::{busy_aware, read, StoreError};
use crate::model::{Header, TmxDate, Unit};
use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{params, params_from_iter, Connection, Statement, ToSql, Transaction, TransactionBehavior};
use std::collections::HashSet;

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
    langs: String,
    variants: String,
    /// What the fuzzy index records of the unit.
    keys: UnitKeys,
}

impl UnitRow {
    pub fn of(unit: &Unit) -> UnitRow {
        let mut langs: Vec<&str> = unit.variants.iter().map(|v| v.lang.as_str()).collect();
        langs.sort_unstable();
        langs.dedup();
        UnitRow {
            hash: unit.content_hash(),
            langs: langs.join(" "),
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
    /// are new, and a miss here proves it without touching the `unit_hash`
    /// index; only a hit costs a query.
    known: HashPrefixes,
    /// The unit INSERT, prepared once per file: taking it from the statement
    /// cache and binding every column (most are NULL) cost about half as
    /// much per unit as SQLite's own work of storing it.
    insert_unit: Statement<'c>,
    index: IndexBuffer,
    /// Only dropped, never read: stops when the import ends.
    _writeback: Writeback,
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

/// Writes the store's dirty pages to disk once a second while an import
/// runs, on a thread of its own. SQLite writes the pages of a large import
/// into the operating system's cache as its own cache fills, and the
/// commit's sync then waited for all of them: 1M Kyoto units, 1.54 s of
/// `fsync` after the reading thread had finished (strace). Syncing as the
/// import goes left the commit's `fsync` under 1 ms (strace, the per-second
/// syncs about 0.1 s each) and costs no CPU of the import's threads.
/// Durability is the same: the commit still syncs.
struct Writeback {
    /// Dropped at the end of the import, which stops the thread.
    _stop: Option<std::sync::mpsc::Sender<()>>,
}

impl Writeback {
    fn start(conn: &Connection) -> Writeback {
        // An in-memory store has no file; a file that cannot be opened
        // again is synced by the commit alone, as before.
        let file = conn
            .path()
            .filter(|p| !p.is_empty())
            .and_then(|p| std::fs::OpenOptions::new().write(true).open(p).ok());
        let Some(file) = file else { return Writeback { _stop: None } };
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let started = std::thread::Builder::new().name("writeback".into()).spawn(move || {
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(std::time::Duration::from_secs(1)) {
                if file.sync_data().is_err() {
                    return;
                }
            }
        });
        Writeback {
            _stop: started.is_ok().then_some(stop),
        }
    }
}

impl<'c> Import<'c> {
    pub(super) fn begin(conn: &'c mut Connection, origin: &NewOrigin) -> Result<Import<'c>, StoreError> {
        let conn: &'c Connection = conn;
        let journal = JournalMode::for_import(conn)?;
        let (tx, origin_id, known) = begin_file(conn, origin, "unit")?;
        let insert_unit = conn.prepare(&format!(
            "INSERT INTO unit (origin_id, content_hash, langs, tuid, srclang, segtype, variant_count, variants, {ADMIN}, meta, fuzzy) \
             VALUES ({})",
            placeholders(8 + ADMIN_COUNT + 2)
        ))?;
        Ok(Import {
            tx,
            origin_id,
            known,
            insert_unit,
            index: IndexBuffer::new(),
            _writeback: Writeback::start(conn),
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
        let candidates: Vec<i64> = {
            let mut stmt = self.tx.prepare_cached("SELECT id FROM unit WHERE content_hash = ?1")?;
            let rows = stmt.query_map([hash], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
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
            &row.langs,
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
        // Bindings outlive an execution: clear them all to NULL, then bind
        // only the values this unit has.
        let stmt = &mut self.insert_unit;
        stmt.clear_bindings();
        for (i, value) in values.enumerate() {
            let value = value.to_sql()?;
            if !matches!(value, ToSqlOutput::Borrowed(ValueRef::Null) | ToSqlOutput::Owned(Value::Null)) {
                stmt.raw_bind_parameter(i + 1, value)?;
            }
        }
        stmt.raw_execute()?;
        self.index.add(&self.tx, self.tx.last_insert_rowid(), &row.keys.segments)
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
        self.index.finish(&self.tx)?;
        self.tx.commit().map_err(busy_aware)
    }
}

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
/// origin, and loads the content hashes of `table` (`unit` or `concept`),
/// the identities new rows are checked against. The connection is shared so
/// that statements can be prepared beside the transaction; callers hold it
/// exclusively (the `Store` methods that begin imports take `&mut self`),
/// which is what rules out nested transactions.
pub(super) fn begin_file<'c, Known: FromIterator<i64>>(
    conn: &'c Connection,
    origin: &NewOrigin,
    table: &str,
) -> Result<(Transaction<'c>, i64, Known), StoreError> {
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate).map_err(busy_aware)?;
    let header = serde_json::to_string(&origin.header).unwrap_or_default();
    tx.execute(
        "INSERT INTO origin (name, imported_at, format, header) VALUES (?1, ?2, ?3, ?4)",
        params![origin.name, TmxDate::now().as_str(), origin.format, header],
    )?;
    let origin_id = tx.last_insert_rowid();
    let known = {
        let mut stmt = tx.prepare(&format!("SELECT content_hash FROM {table}"))?;
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
