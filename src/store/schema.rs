//! Versioned schema migrations. Each entry of [`MIGRATIONS`] takes the
//! store from version `i` to `i + 1`; applied migrations are never edited.

use super::StoreError;
use rusqlite::Connection;
use std::path::Path;

const MIGRATIONS: &[&str] = &[
    // 1: origins and translation units; a unit's variants are a JSON array
    // in its row (see the module documentation of `store`).
    "
    CREATE TABLE origin (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        format      TEXT NOT NULL,
        header      TEXT NOT NULL
    );
    CREATE TABLE unit (
        id                    INTEGER PRIMARY KEY,
        origin_id             INTEGER NOT NULL REFERENCES origin(id),
        content_hash          INTEGER NOT NULL,
        langs                 TEXT NOT NULL,
        tuid                  TEXT,
        srclang               TEXT,
        segtype               TEXT,
        creation_date         TEXT,
        creation_id           TEXT,
        change_date           TEXT,
        change_id             TEXT,
        usage_count           INTEGER,
        last_usage_date       TEXT,
        creation_tool         TEXT,
        creation_tool_version TEXT,
        datatype              TEXT,
        o_tmf                 TEXT,
        o_encoding            TEXT,
        meta                  TEXT,
        variant_count         INTEGER NOT NULL,
        variants              TEXT NOT NULL
    );
    CREATE INDEX unit_hash ON unit(content_hash);
    ",
    // 2: terminology. A concept and its terms; `content_hash` identifies a
    // concept by its content so that importing a glossary twice adds nothing.
    "
    CREATE TABLE concept (
        id            INTEGER PRIMARY KEY,
        origin_id     INTEGER NOT NULL REFERENCES origin(id),
        content_hash  INTEGER NOT NULL,
        source_id     TEXT,
        subject_field TEXT,
        definition    TEXT,
        note          TEXT
    );
    CREATE INDEX concept_hash ON concept(content_hash);
    CREATE TABLE term (
        id             INTEGER PRIMARY KEY,
        concept_id     INTEGER NOT NULL REFERENCES concept(id) ON DELETE CASCADE,
        seq            INTEGER NOT NULL,
        lang           TEXT NOT NULL,
        text           TEXT NOT NULL,
        status         TEXT NOT NULL,
        part_of_speech TEXT,
        term_type      TEXT,
        note           TEXT,
        source         TEXT,
        case_sensitive INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX term_concept ON term(concept_id, seq);
    CREATE INDEX term_lang_text ON term(lang, text);
    ",
    // 3: the fuzzy-match candidate index (see `store::index`). A store
    // that already has units gets its index built by `migrate`.
    "
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
    ",
    // 4: each chunk of the fuzzy index holds one list per bucket instead
    // of one list per group, so a lookup decodes only its buckets. The
    // index is rebuilt in the new layout by `migrate`.
    "DELETE FROM fuzzy_posting; DELETE FROM fuzzy_df; DELETE FROM fuzzy_lang;",
    // 5: each unit's signature for lookups (see `store::signature`), and
    // the chunks of the index numbered in the order written, found by
    // group through an index (see `store::index`); both filled in by the
    // rebuild of the index.
    "
    ALTER TABLE unit ADD COLUMN fuzzy BLOB;
    DROP TABLE fuzzy_posting;
    CREATE TABLE fuzzy_posting (
        id        INTEGER PRIMARY KEY,
        grp       INTEGER NOT NULL,
        last_unit INTEGER NOT NULL,
        postings  BLOB NOT NULL
    );
    CREATE INDEX fuzzy_posting_group ON fuzzy_posting(grp, id);
    ",
    // 6: units are found by content hash through a table of their own
    // instead of an index on `unit`, so that an import can add its keys
    // sorted, a batch at a time (see `store::import`); a trigger forgets
    // the keys of deleted units.
    "
    CREATE TABLE unit_key (
        hash    INTEGER NOT NULL,
        unit_id INTEGER NOT NULL,
        PRIMARY KEY (hash, unit_id)
    ) WITHOUT ROWID;
    INSERT INTO unit_key (hash, unit_id) SELECT content_hash, id FROM unit;
    DROP INDEX unit_hash;
    CREATE TRIGGER unit_key_forget AFTER DELETE ON unit BEGIN
        DELETE FROM unit_key WHERE hash = old.content_hash AND unit_id = old.id;
    END;
    ",
];

/// The migrations after which the fuzzy index is rebuilt from the units:
/// the one that creates it (a store with units gets them indexed), the one
/// that changes its layout and the one that adds signatures and rekeys the
/// chunks.
const REBUILD_INDEX_AFTER: [usize; 3] = [3, 4, 5];

/// The schema version this build writes.
pub const CURRENT: i64 = MIGRATIONS.len() as i64;

pub fn migrate(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > CURRENT {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            supported: CURRENT,
        });
    }
    if found == CURRENT {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE").map_err(super::busy_aware)?;
    // Another process may have migrated while we waited for the lock.
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let mut rebuild_index = false;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        if let Err(e) = conn.execute_batch(sql) {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e.into());
        }
        rebuild_index |= REBUILD_INDEX_AFTER.contains(&(i + 1));
        conn.pragma_update(None, "user_version", i as i64 + 1)?;
    }
    // Once, however many migrations asked for it.
    if rebuild_index {
        if let Err(e) = super::index::rebuild(conn) {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e);
        }
    }
    conn.execute_batch("COMMIT")?;
    Ok(())
}
