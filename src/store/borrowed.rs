//! A prepared statement that binds text and blobs without copying them.
//!
//! rusqlite binds every text and blob as `SQLITE_TRANSIENT`, which makes
//! SQLite copy the value before the statement runs, and then copy it again
//! into the row it builds. For the unit INSERT of an import, whose values
//! are most of a 500-byte row, the first copy was about 3% of a 1M-unit
//! import's samples (`sqlite3_bind_text64`, `sqlite3_bind_blob64`). Here the
//! values are bound as `SQLITE_STATIC`: SQLite reads them where they are.
//!
//! The invariant that makes that sound: values are bound, the statement is
//! stepped, and its bindings are cleared, all within one call to
//! [`BorrowedInsert::execute`], which borrows the values for exactly that
//! long. No binding outlives the call, so SQLite never reads a value after
//! its owner may have dropped it.

use rusqlite::ffi;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql};
use std::ffi::c_int;
use std::marker::PhantomData;

/// A statement that changes rows and returns none, on connection `'c`.
pub struct BorrowedInsert<'c> {
    stmt: *mut ffi::sqlite3_stmt,
    db: *mut ffi::sqlite3,
    _conn: PhantomData<&'c Connection>,
}

impl<'c> BorrowedInsert<'c> {
    pub fn prepare(conn: &'c Connection, sql: &str) -> rusqlite::Result<BorrowedInsert<'c>> {
        // SAFETY: the handle is the connection's, which outlives `'c`; the
        // statement is finalised on drop, before the connection can close.
        let db = unsafe { conn.handle() };
        let mut stmt = std::ptr::null_mut();
        let len = c_int::try_from(sql.len()).map_err(|_| rusqlite::Error::InvalidQuery)?;
        // SAFETY: `sql` is valid for `len` bytes; SQLite writes `stmt`.
        let rc = unsafe { ffi::sqlite3_prepare_v2(db, sql.as_ptr().cast(), len, &mut stmt, std::ptr::null_mut()) };
        check(db, rc)?;
        if stmt.is_null() {
            return Err(rusqlite::Error::InvalidQuery);
        }
        Ok(BorrowedInsert {
            stmt,
            db,
            _conn: PhantomData,
        })
    }

    /// Binds `values` to parameters 1, 2, … (NULL for those left out) and
    /// runs the statement once.
    pub fn execute<'v>(&mut self, values: impl IntoIterator<Item = &'v dyn ToSql>) -> rusqlite::Result<()> {
        let result = self.bind_and_step(values);
        // SAFETY: `stmt` is live. Reset and clearing end every binding
        // before the values' borrow does (see the module documentation).
        unsafe {
            ffi::sqlite3_reset(self.stmt);
            ffi::sqlite3_clear_bindings(self.stmt);
        }
        result
    }

    fn bind_and_step<'v>(&mut self, values: impl IntoIterator<Item = &'v dyn ToSql>) -> rusqlite::Result<()> {
        for (i, value) in values.into_iter().enumerate() {
            let index = c_int::try_from(i + 1).map_err(|_| rusqlite::Error::InvalidParameterCount(i + 1, i))?;
            let value = value.to_sql()?;
            // Text and blobs borrowed from `values` are read where they
            // are; a value `to_sql` made (and drops below) is copied.
            let (value, lifetime) = match &value {
                ToSqlOutput::Borrowed(v) => (*v, ffi::SQLITE_STATIC()),
                ToSqlOutput::Owned(v) => (ValueRef::from(v), ffi::SQLITE_TRANSIENT()),
                _ => return Err(rusqlite::Error::ToSqlConversionFailure("a value this statement cannot bind".into())),
            };
            // SAFETY: `stmt` is live; borrowed text and blobs stay borrowed
            // until `execute` has cleared the bindings.
            let rc = unsafe {
                match value {
                    ValueRef::Null => continue,
                    ValueRef::Integer(n) => ffi::sqlite3_bind_int64(self.stmt, index, n),
                    ValueRef::Real(x) => ffi::sqlite3_bind_double(self.stmt, index, x),
                    ValueRef::Text(text) => ffi::sqlite3_bind_text64(
                        self.stmt,
                        index,
                        text.as_ptr().cast(),
                        text.len() as u64,
                        lifetime,
                        ffi::SQLITE_UTF8 as u8,
                    ),
                    ValueRef::Blob(blob) => ffi::sqlite3_bind_blob64(self.stmt, index, blob.as_ptr().cast(), blob.len() as u64, lifetime),
                }
            };
            check(self.db, rc)?;
        }
        // SAFETY: `stmt` is live and bound.
        match unsafe { ffi::sqlite3_step(self.stmt) } {
            ffi::SQLITE_DONE => Ok(()),
            ffi::SQLITE_ROW => Err(rusqlite::Error::ExecuteReturnedResults),
            rc => check(self.db, rc),
        }
    }
}

impl Drop for BorrowedInsert<'_> {
    fn drop(&mut self) {
        // SAFETY: `stmt` is live and finalised once.
        unsafe { ffi::sqlite3_finalize(self.stmt) };
    }
}

/// The error SQLite reports for `rc`, with its message.
fn check(db: *mut ffi::sqlite3, rc: c_int) -> rusqlite::Result<()> {
    if rc == ffi::SQLITE_OK {
        return Ok(());
    }
    // SAFETY: `db` is live; its message is copied before any other call.
    let message = unsafe {
        let text = ffi::sqlite3_errmsg(db);
        (!text.is_null()).then(|| std::ffi::CStr::from_ptr(text).to_string_lossy().into_owned())
    };
    Err(rusqlite::Error::SqliteFailure(ffi::Error::new(rc), message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_stored_as_bound_and_bindings_do_not_outlive_a_call() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (a, b, c, d)").unwrap();
        let mut insert = BorrowedInsert::prepare(&conn, "INSERT INTO t VALUES (?1, ?2, ?3, ?4)").unwrap();
        for i in 0..3_i64 {
            let text = format!("会議 {i}");
            let blob = vec![i as u8; 3];
            let missing: Option<String> = None;
            let values: [&dyn ToSql; 4] = [&i, &text, &blob, &missing];
            insert.execute(values).unwrap();
            // The text and blob are dropped here; the next row must not see them.
        }
        // A call binding fewer values leaves the others NULL.
        insert.execute([&9_i64 as &dyn ToSql]).unwrap();
        drop(insert);
        type Row = (i64, Option<String>, Option<Vec<u8>>, Option<String>);
        let rows: Vec<Row> = conn
            .prepare("SELECT a, b, c, d FROM t ORDER BY rowid")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            rows,
            [
                (0, Some("会議 0".into()), Some(vec![0; 3]), None),
                (1, Some("会議 1".into()), Some(vec![1; 3]), None),
                (2, Some("会議 2".into()), Some(vec![2; 3]), None),
                (9, None, None, None),
            ]
        );
    }

    #[test]
    fn a_failing_statement_reports_sqlite_s_message() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (a NOT NULL)").unwrap();
        let mut insert = BorrowedInsert::prepare(&conn, "INSERT INTO t VALUES (?1)").unwrap();
        let error = insert.execute([&rusqlite::types::Null as &dyn ToSql]).unwrap_err();
        assert!(error.to_string().contains("NOT NULL"), "{error}");
        assert!(BorrowedInsert::prepare(&conn, "INSERT INTO nowhere VALUES (1)").is_err());
    }
}
