//! The store: one SQLite file holding every translation memory.
//!
//! Layout (schema version in `PRAGMA user_version`, upgraded by
//! `schema::migrate` on open):
//!
//! * `origin`: one row per imported file: its name, import time, format and
//!   header (JSON).
//! * `unit`: one row per translation unit, with the TMX unit attributes,
//!   props and notes (JSON), the sorted list of its languages (`langs`),
//!   `content_hash` (the identity used to merge duplicates, looked up
//!   through the `unit_key` table of (hash, unit) pairs), and its
//!   variants: a JSON array of `{lang, markup, plain?, admin?, meta?}` in
//!   document order (`plain` only where it differs from `markup`); and
//!   `fuzzy`, the signature lookups score it by ([`signature`]).
//!
//! Why the variants live in the unit's row: a unit is always read and
//! written whole (export, merge, lookup results), and one row per unit
//! instead of one per variant halves the B-tree work of an import, which
//! SQLite dominates. SQLite's JSON functions still reach inside
//! (`json_extract(variants, '$[0].markup')`), and search indexes are tables
//! of their own.
//!
//! Invariants: every unit has at least one variant (`variant_count` is the
//! array's length); language tags are
//! canonical BCP 47 ([`crate::lang::Lang`]); dates are canonical TMX dates;
//! two units never have the same languages and texts (imports merge them).
//!
//! Writers take the write lock up front (`BEGIN IMMEDIATE`) and readers use
//! WAL, so two processes importing at once serialise instead of failing,
//! and a reader never sees half an import. An import into an empty store
//! runs under a rollback journal instead, which writes its pages once
//! (others wait for it); the store is in WAL mode again after it.

mod borrowed;
mod columns;
mod delete;
mod import;
pub mod index;
mod read;
mod schema;
pub mod signature;
mod terms;
#[cfg(test)]
pub(crate) mod testing;

pub use delete::Deleted;
pub use import::{AddOutcome, Import, UnitRow};
pub use read::{ExportFilter, OriginCount, OriginInfo, Stats, StoredUnit};
pub use terms::{ConceptOutcome, TermsImport};

use crate::lang::Lang;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Errors of the store layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the store {}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot create the folder for the store {}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the store {} has schema version {found}, newer than this yakugo understands ({supported}); upgrade yakugo", path.display())]
    TooNew { path: PathBuf, found: i64, supported: i64 },
    #[error("the store is busy: another yakugo process held it for longer than {0:?}; retry when it has finished")]
    Busy(Duration),
    /// The SQLite error is the source, printed after this message.
    #[error("store error")]
    Sql(#[from] rusqlite::Error),
    #[error("corrupt row in the store: {0}")]
    Corrupt(String),
    #[error("cannot start a thread to encode the fuzzy index")]
    Thread(#[source] std::io::Error),
}

/// How long a writer waits for another process's transaction to finish.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(600);

pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the store at `path` and brings its schema
    /// up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        // Takes effect only when the file is created. Larger pages suit rows of
        // a few hundred bytes of text: fewer splits and overflow pages on import.
        conn.execute_batch("PRAGMA page_size = 16384").map_err(open_err)?;
        enable_wal(&conn)?;
        // A 32 MB page cache: a 1,000,000-unit import filled 64 MB of it
        // (peak RSS 209 MB instead of 175 MB) at the same speed, its writes
        // being appends and its only random reads in `unit_key`.
        conn.execute_batch(
            "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY;",
        )
        .map_err(open_err)?;
        schema::migrate(&conn, path)?;
        Ok(Store { conn })
    }

    /// The file of the store, for another connection to it; `None` for a
    /// store in memory.
    pub fn path(&self) -> Option<PathBuf> {
        self.conn.path().filter(|p| !p.is_empty()).map(PathBuf::from)
    }

    /// Starts an import of one file: everything it adds is one transaction.
    pub fn begin_import(&mut self, origin: &import::NewOrigin) -> Result<Import<'_>, StoreError> {
        Import::begin(&mut self.conn, origin)
    }

    /// The lists of the fuzzy index's buckets that `groups` names: (group,
    /// mask of bucket positions in it), for one lookup or concordance search.
    pub fn fuzzy_lists(&self, groups: &[(u32, u64)]) -> Result<index::Lists, StoreError> {
        index::read_lists(&self.conn, groups)
    }

    /// How many units have each bucket of the fuzzy index.
    pub fn fuzzy_bucket_counts(&self) -> Result<Vec<u32>, StoreError> {
        index::bucket_counts(&self.conn)
    }

    /// The languages (primary subtags) the fuzzy index has segments in.
    pub fn indexed_languages(&self) -> Result<Vec<Lang>, StoreError> {
        Ok(index::languages(&self.conn)?.iter().filter_map(|l| Lang::parse(l).ok()).collect())
    }

    /// The bytes of the fuzzy index: its lists and the units' signatures.
    pub fn fuzzy_index_size(&self) -> Result<u64, StoreError> {
        index::size(&self.conn)
    }

    /// Reads through a memory map from now on: lookups read scattered pages
    /// and are spared a copy of each. Not for imports, whose resident
    /// memory would count every page of the store they touch.
    pub fn map_for_reading(&self) -> Result<(), StoreError> {
        self.conn.query_row("PRAGMA mmap_size = 4294967296", [], |_| Ok(()))?;
        Ok(())
    }

    /// Runs `f` in one read transaction: one snapshot, and one lock
    /// instead of one per statement (a lookup runs hundreds). Inside a
    /// transaction already, `f` simply runs in it.
    pub fn reading<T, E: From<StoreError>>(&self, f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        if !self.conn.is_autocommit() {
            return f();
        }
        self.conn.execute_batch("BEGIN DEFERRED").map_err(|e| E::from(e.into()))?;
        let result = f();
        // A read transaction has nothing to keep or lose: ending it cannot
        // fail in a way the result should hide.
        let _ = self.conn.execute_batch(if result.is_ok() { "COMMIT" } else { "ROLLBACK" });
        result
    }

    /// The highest unit id in use (0 when there is none).
    pub fn max_unit_id(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_row("SELECT coalesce(max(id), 0) FROM unit", [], |r| r.get(0))?)
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

/// Puts the store in WAL mode (readers beside a writer), as it always is
/// but during an import into an empty store ([`Import`]).
fn enable_wal(conn: &Connection) -> Result<(), StoreError> {
    // journal_mode answers with a row, so it is queried, not executed.
    // Switching to WAL ignores the busy timeout: when another process is
    // creating or importing into the same store at this moment, wait and
    // retry.
    let started = std::time::Instant::now();
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0)) {
            Ok(_) => return Ok(()),
            Err(e) if is_busy(&e) && started.elapsed() < BUSY_TIMEOUT => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(busy_aware(e)),
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Turns SQLite's "database is locked" into a message a user can act on.
pub(crate) fn busy_aware(e: rusqlite::Error) -> StoreError {
    if is_busy(&e) {
        StoreError::Busy(BUSY_TIMEOUT)
    } else {
        StoreError::Sql(e)
    }
}

pub use import::NewOrigin;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Prop, TmxDate, Unit};

    use testing::{origin, variant};

    #[test]
    fn duplicates_merge_dates_counts_and_props_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut store = Store::open(&path).unwrap();
        let mut a = Unit {
            variants: vec![variant("ja", "会議"), variant("en", "meeting")],
            ..Unit::default()
        };
        a.admin.creation_date = TmxDate::parse("20170101T000000Z");
        a.admin.usage_count = Some(2);
        let mut b = a.clone();
        b.variants.reverse(); // variant order does not change identity
        b.admin.creation_date = TmxDate::parse("20160101T000000Z");
        b.admin.usage_count = Some(1);
        b.meta.props.push(Prop {
            kind: "x-topic".into(),
            lang: None,
            o_encoding: None,
            value: "1".into(),
        });
        let mut import = store.begin_import(&origin("a.tmx")).unwrap();
        assert_eq!(import.add(&a).unwrap(), AddOutcome::Added);
        assert_eq!(import.add(&b).unwrap(), AddOutcome::Updated);
        assert_eq!(import.add(&b).unwrap(), AddOutcome::Unchanged);
        import.commit().unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        let stats = store.stats().unwrap();
        assert_eq!((stats.units, stats.variants), (1, 2));
        let stored = store.unit(1).unwrap().unit;
        assert_eq!(stored.admin.creation_date, TmxDate::parse("20160101T000000Z"));
        assert_eq!(stored.admin.usage_count, Some(2));
        assert_eq!(stored.meta.prop("x-topic"), Some("1"));
        assert_eq!(stored.variants[0].lang.as_str(), "ja", "the first import's variant order is kept");
    }

    #[test]
    fn an_import_that_is_not_committed_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("t.db")).unwrap();
        {
            let mut import = store.begin_import(&origin("broken.tmx")).unwrap();
            import
                .add(&Unit {
                    variants: vec![variant("en", "a"), variant("de", "b")],
                    ..Unit::default()
                })
                .unwrap();
        }
        let stats = store.stats().unwrap();
        assert_eq!(stats.units, 0);
        assert!(stats.origins.is_empty());
    }

    #[test]
    fn a_store_without_signatures_gets_them_and_its_index_when_opened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut store = Store::open(&path).unwrap();
        let mut import = store.begin_import(&origin("a.tmx")).unwrap();
        for (ja, en) in [("第10回会議", "10th meeting"), ("総務省", "MIC")] {
            import
                .add(&Unit {
                    variants: vec![variant("ja", ja), variant("en", en)],
                    ..Unit::default()
                })
                .unwrap();
        }
        import.commit().unwrap();
        type Blobs = Vec<Option<Vec<u8>>>;
        let state = |store: &Store| -> (Blobs, Blobs) {
            let column = |sql: &str| {
                store
                    .conn
                    .prepare(sql)
                    .unwrap()
                    .query_map([], |r| r.get(0))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect()
            };
            (
                column("SELECT fuzzy FROM unit ORDER BY id"),
                column("SELECT postings FROM fuzzy_posting ORDER BY grp, id"),
            )
        };
        let written = state(&store);
        assert!(written.0.iter().all(Option::is_some));
        drop(store);
        // A store of schema 4: no signatures, chunks keyed by two columns.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(testing::UNDO_UNIT_KEY).unwrap();
        conn.execute_batch(
            "ALTER TABLE unit DROP COLUMN fuzzy; DROP TABLE fuzzy_posting;
             CREATE TABLE fuzzy_posting (grp INTEGER NOT NULL, seq INTEGER NOT NULL, last_unit INTEGER NOT NULL,
                 postings BLOB NOT NULL, PRIMARY KEY (grp, seq)) WITHOUT ROWID;
             PRAGMA user_version = 4;",
        )
        .unwrap();
        drop(conn);
        let store = Store::open(&path).unwrap();
        assert_eq!(state(&store), written);
    }

    #[test]
    fn an_import_into_an_empty_store_leaves_it_in_wal_mode_whether_committed_or_not() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("t.db")).unwrap();
        let unit = Unit {
            variants: vec![variant("ja", "会議"), variant("en", "meeting")],
            ..Unit::default()
        };
        let mode = |store: &Store| store.conn.query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0)).unwrap();
        for commit in [false, true] {
            let mut import = store.begin_import(&origin("a.tmx")).unwrap();
            import.add(&unit).unwrap();
            if commit {
                import.commit().unwrap();
            } else {
                drop(import);
            }
            assert_eq!(mode(&store), "wal");
            assert_eq!(store.stats().unwrap().units, u64::from(commit));
        }
    }

    #[test]
    fn a_store_from_a_newer_yakugo_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        drop(Store::open(&path).unwrap());
        rusqlite::Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        assert!(matches!(Store::open(&path), Err(StoreError::TooNew { found: 99, .. })));
    }
}
