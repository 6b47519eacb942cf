//! The import's INSERT statements, bound through SQLite's C interface. rusqlite copies every
//! text it binds (`SQLITE_TRANSIENT`) and checks every call through the connection: for millions
//! of rows that is a large share of the writer thread. Here a text or a blob is bound where it
//! lies (`SQLITE_STATIC`, SQLite copies it into the row it builds), and a NULL is bound only where
//! the previous row had a value.
//!
//! Soundness: every call binds every parameter before the statement runs, so that no statement
//! step ever reads a binding left by an earlier call, whose bytes may be gone.

use super::StoreError;
use rusqlite::{Connection, ffi, types::ValueRef};
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::marker::PhantomData;
use std::ptr::{self, NonNull};

/// A prepared INSERT of the import (see the module).
pub(crate) struct Insert<'c> {
    stmt: NonNull<ffi::sqlite3_stmt>,
    db: *mut ffi::sqlite3,
    /// By parameter, whether NULL is bound now.
    null: Vec<bool>,
    _conn: PhantomData<&'c Connection>,
}

/// The error of `db` after `code`, as rusqlite gives it (so that it reads as every other).
fn error(db: *mut ffi::sqlite3, code: c_int) -> StoreError {
    // SAFETY: `db` is an open connection; sqlite3_errmsg returns a string it owns, valid until
    // the next call on it, copied at once.
    let message = unsafe {
        let m = ffi::sqlite3_errmsg(db);
        (!m.is_null()).then(|| CStr::from_ptr(m).to_string_lossy().into_owned())
    };
    rusqlite::Error::SqliteFailure(ffi::Error::new(code), message).into()
}

/// The address of `bytes`, or of a static empty string when it is empty (an empty slice may
/// point nowhere; SQLite reads no byte of it, but is given a real address all the same).
fn not_dangling(bytes: &[u8]) -> *const u8 {
    if bytes.is_empty() {
        c"".as_ptr().cast()
    } else {
        bytes.as_ptr()
    }
}

impl<'c> Insert<'c> {
    pub(crate) fn new(conn: &'c Connection, sql: &str) -> Result<Self, StoreError> {
        let sql = CString::new(sql).map_err(|e| StoreError::Sqlite(e.to_string()))?;
        // SAFETY: the handle is that of `conn`, which outlives the statement ('c).
        let db = unsafe { conn.handle() };
        let mut stmt = ptr::null_mut();
        // SAFETY: `sql` is NUL-terminated; `stmt` receives the statement or NULL.
        let rc =
            unsafe { ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut stmt, ptr::null_mut()) };
        if rc != ffi::SQLITE_OK {
            return Err(error(db, rc));
        }
        let stmt =
            NonNull::new(stmt).ok_or_else(|| StoreError::Sqlite("instruction vide".into()))?;
        // SAFETY: `stmt` is a prepared statement.
        let n = unsafe { ffi::sqlite3_bind_parameter_count(stmt.as_ptr()) };
        Ok(Insert {
            stmt,
            db,
            null: vec![true; usize::try_from(n).unwrap_or(0)],
            _conn: PhantomData,
        })
    }

    /// Binds `values` to the parameters, every one of them in order, and runs the statement.
    pub(crate) fn execute<'v>(
        &mut self,
        values: impl IntoIterator<Item = ValueRef<'v>>,
    ) -> Result<(), StoreError> {
        let stmt = self.stmt.as_ptr();
        let mut bound = 0;
        for (i, v) in values.into_iter().enumerate() {
            let Some(was_null) = self.null.get_mut(i) else {
                return Err(StoreError::Sqlite(format!(
                    "plus de {} valeurs pour l'instruction",
                    bound
                )));
            };
            let col = (i + 1) as c_int;
            // SAFETY: `stmt` is a prepared statement and `col` one of its parameters. A text
            // or blob bound SQLITE_STATIC is read only by the step below, while `values`
            // still lends it (every later call binds this parameter again before its step).
            let rc = unsafe {
                match v {
                    ValueRef::Null if *was_null => ffi::SQLITE_OK,
                    ValueRef::Null => ffi::sqlite3_bind_null(stmt, col),
                    ValueRef::Integer(n) => ffi::sqlite3_bind_int64(stmt, col, n),
                    ValueRef::Real(f) => ffi::sqlite3_bind_double(stmt, col, f),
                    ValueRef::Text(t) => ffi::sqlite3_bind_text64(
                        stmt,
                        col,
                        not_dangling(t).cast::<c_char>(),
                        t.len() as u64,
                        ffi::SQLITE_STATIC(),
                        ffi::SQLITE_UTF8 as u8,
                    ),
                    ValueRef::Blob(b) => ffi::sqlite3_bind_blob64(
                        stmt,
                        col,
                        not_dangling(b).cast::<c_void>(),
                        b.len() as u64,
                        ffi::SQLITE_STATIC(),
                    ),
                }
            };
            // A parameter whose binding failed is bound again next time.
            *was_null = rc == ffi::SQLITE_OK && matches!(v, ValueRef::Null);
            if rc != ffi::SQLITE_OK {
                return Err(error(self.db, rc));
            }
            bound = i + 1;
        }
        if bound != self.null.len() {
            return Err(StoreError::Sqlite(format!(
                "{bound} valeurs pour {} paramètres",
                self.null.len()
            )));
        }
        // SAFETY: every parameter is bound (above); the statement is reset after its step.
        let (rc, reset) = unsafe { (ffi::sqlite3_step(stmt), ffi::sqlite3_reset(stmt)) };
        if rc != ffi::SQLITE_DONE {
            // sqlite3_reset gives the error of the step that failed.
            return Err(error(
                self.db,
                if reset != ffi::SQLITE_OK { reset } else { rc },
            ));
        }
        Ok(())
    }
}

impl Drop for Insert<'_> {
    fn drop(&mut self) {
        // SAFETY: the statement is finalised once, here; its connection is still open ('c).
        unsafe {
            ffi::sqlite3_finalize(self.stmt.as_ptr());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_read_back_as_bound_whatever_was_bound_before() {
        let conn = crate::store::connect_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t(a, b, c)").unwrap();
        let mut insert = Insert::new(&conn, "INSERT INTO t(a, b, c) VALUES (?1, ?2, ?3)").unwrap();
        let rows: Vec<[ValueRef<'_>; 3]> = vec![
            [ValueRef::Text(b"un"), ValueRef::Null, ValueRef::Integer(1)],
            [
                ValueRef::Null,
                ValueRef::Real(0.5),
                ValueRef::Blob(b"\x00\x01"),
            ],
            [ValueRef::Null, ValueRef::Null, ValueRef::Text(b"")],
            [
                ValueRef::Text("é".as_bytes()),
                ValueRef::Integer(-3),
                ValueRef::Null,
            ],
        ];
        for r in &rows {
            // Each row's texts from a buffer of its own, gone once the row is in.
            let owned: Vec<Vec<u8>> = r
                .iter()
                .map(|v| match v {
                    ValueRef::Text(t) | ValueRef::Blob(t) => t.to_vec(),
                    _ => Vec::new(),
                })
                .collect();
            insert
                .execute(r.iter().zip(&owned).map(|(v, o)| match v {
                    ValueRef::Text(_) => ValueRef::Text(o),
                    ValueRef::Blob(_) => ValueRef::Blob(o),
                    v => *v,
                }))
                .unwrap();
        }
        let back: Vec<String> = conn
            .prepare("SELECT quote(a) || ' ' || quote(b) || ' ' || quote(c) FROM t ORDER BY rowid")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            back,
            [
                "'un' NULL 1",
                "NULL 0.5 X'0001'",
                "NULL NULL ''",
                "'é' -3 NULL"
            ]
        );
        // Too few or too many values: refused, nothing inserted.
        assert!(insert.execute([ValueRef::Integer(1)]).is_err());
        assert!(insert.execute([ValueRef::Integer(1); 4]).is_err());
        let n: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 4);
    }

    #[test]
    fn a_failed_insert_says_why_as_sqlite_does() {
        let conn = crate::store::connect_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t(a PRIMARY KEY)").unwrap();
        let mut insert = Insert::new(&conn, "INSERT INTO t(a) VALUES (?1)").unwrap();
        insert.execute([ValueRef::Text(b"x")]).unwrap();
        let e = insert.execute([ValueRef::Text(b"x")]).unwrap_err();
        assert!(e.to_string().contains("UNIQUE"), "{e}");
        insert.execute([ValueRef::Text(b"y")]).unwrap();
    }
}
