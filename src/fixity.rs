//! Fixity check of a store ("contrôle d'intégrité"): proves, at any time after the import, that
//! the store still holds exactly what was delivered. Three levels: SQLCipher authenticates every
//! page (HMAC), SQLite checks its structure, and every delivered file of the active deliveries is
//! re-created from the store (the metadata files kept whole, the data files through
//! [`crate::export::export_delivery`]) and its size and SHA-256 compared with those the reception
//! measured on the delivered bytes (CONTROLE.TXT's, for a conforming delivery). A file the
//! reception only checked (a file with no table and too large to keep) is reported as such.
//! Nothing is written: the store stays read-only, nothing is decrypted to disk.

use crate::export::export_delivery;
use crate::store::{Store, StoreError, StoredTable};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// One delivered file, re-created from the store.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FileFixity {
    pub delivery: String,
    pub path: String,
    pub bytes_expected: u64,
    pub bytes: u64,
    pub sha256_expected: String,
    pub sha256: String,
    /// Why the file could not be re-created, when it could not.
    pub error: Option<String>,
    /// False for a file the reception checked but did not keep (no table, too large to keep).
    pub kept: bool,
    pub ok: bool,
}

/// What the check found.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Fixity {
    /// Pages whose authentication failed, as SQLCipher reports them (empty: every page intact).
    pub pages: Vec<String>,
    /// What SQLite's structural check reports (empty: sound).
    pub structure: Vec<String>,
    pub files: Vec<FileFixity>,
    pub ok: bool,
}

/// Progress of a check: the file being re-created, files done, files in all.
pub struct FixityProgress<'a> {
    pub file: &'a str,
    pub done: usize,
    pub total: usize,
}

struct Hashing {
    hash: Sha256,
    bytes: u64,
}

impl Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.hash.update(buf);
        self.bytes += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs the whole check. `cancel` stops it between files.
pub fn check(
    store: &Store,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(FixityProgress),
) -> Result<Fixity, StoreError> {
    let conn = store.connection();
    // A damaged page makes SQLite fail rather than answer: the failure is the finding.
    let pages =
        column_of(conn, "PRAGMA cipher_integrity_check").unwrap_or_else(|e| vec![e.to_string()]);
    let structure: Vec<String> = column_of(conn, "PRAGMA quick_check")
        .unwrap_or_else(|e| vec![e.to_string()])
        .into_iter()
        .filter(|s| s != "ok")
        .collect();
    let listed = list_files(store);
    let (rows, tables) = match listed {
        Ok(l) => l,
        Err(e) => {
            let mut structure = structure;
            structure.push(format!("catalogue des fichiers livrés illisible : {e}"));
            return Ok(Fixity {
                pages,
                structure,
                files: Vec::new(),
                ok: false,
            });
        }
    };
    let mut files = Vec::with_capacity(rows.len());
    let total = rows.len();
    for (done, (delivery, delivery_id, path, bytes, sha, content)) in rows.into_iter().enumerate() {
        if cancel.load(Ordering::Relaxed) {
            return Err(StoreError::Cancelled);
        }
        progress(FixityProgress {
            file: &path,
            done,
            total,
        });
        let mut h = Hashing {
            hash: Sha256::new(),
            bytes: 0,
        };
        let mut error = None;
        let mut kept = true;
        match content {
            Some(c) => h.write_all(&c).expect("hashing does not fail"),
            None => {
                // The first table of the file re-creates the whole file (FINESS.TXT holds two).
                let table = tables
                    .iter()
                    .find(|(t, d)| t.file == path && *d == delivery_id);
                match table {
                    Some((t, _)) => {
                        if let Err(e) = export_delivery(store, t, &mut h) {
                            error = Some(e.to_string());
                        }
                    }
                    // Checked at the reception, not kept (no table, too large to keep whole).
                    None => kept = false,
                }
            }
        }
        let actual = hex::encode(h.hash.finalize());
        files.push(FileFixity {
            kept,
            ok: !kept || (error.is_none() && actual == sha && h.bytes == bytes as u64),
            delivery,
            path,
            bytes_expected: bytes as u64,
            bytes: h.bytes,
            sha256_expected: sha,
            sha256: actual,
            error,
        });
    }
    let ok = pages.is_empty() && structure.is_empty() && files.iter().all(|f| f.ok);
    Ok(Fixity {
        pages,
        structure,
        files,
        ok,
    })
}

/// A delivered file: delivery name and id, path, bytes, SHA-256, whole content if kept so.
type FileRow = (String, i64, String, i64, String, Option<Vec<u8>>);
/// A stored table and the id of its delivery.
type TableOf = (StoredTable, i64);

/// The delivered files of the active deliveries, and the tables with their delivery.
fn list_files(store: &Store) -> Result<(Vec<FileRow>, Vec<TableOf>), StoreError> {
    let conn = store.connection();
    let mut st = conn.prepare(
        "SELECT d.name, d.id, f.path, f.bytes, f.sha256, f.content FROM _files f
         JOIN _deliveries d ON d.id = f.delivery_id WHERE d.active = 1
         ORDER BY d.application, f.path",
    )?;
    let rows: Vec<FileRow> = st
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    let mut tables = Vec::new();
    for t in store.tables()? {
        let d = table_delivery(store, t.id)?;
        tables.push((t, d));
    }
    Ok((rows, tables))
}

fn table_delivery(store: &Store, table_id: i64) -> Result<i64, StoreError> {
    Ok(store.connection().query_row(
        "SELECT delivery_id FROM _tables WHERE id = ?1",
        [table_id],
        |r| r.get(0),
    )?)
}

fn column_of(conn: &rusqlite::Connection, sql: &str) -> Result<Vec<String>, StoreError> {
    let mut st = conn.prepare(sql)?;
    let rows = st
        .query_map([], |r| {
            Ok(match r.get_ref(0)? {
                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                v => format!("{v:?}"),
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
