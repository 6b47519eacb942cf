//! Referentials newer than the deliveries. Today the public FINESS extract: "a newer public
//! FINESS extract in the same layout can be loaded later to refresh establishment labels" (spec
//! section 6). It lives in its own SQLCipher file beside the store (`BASE.finess`, the store's
//! passphrase), never among the delivered data: REF_FINESS stays as delivered, and the dossier
//! shows today's name of an establishment beside the delivered one (or for a FINESS number the
//! delivery did not describe). Loading another extract replaces the file whole.

use crate::format::finess::{self, ExtractRecord, STRUCTURE_FIELDS};
use crate::format::records::RecordReader;
use crate::store::{MIN_PASSPHRASE, Store, StoreError, key, sql_ident};
use age::secrecy::SecretString;
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Schema name under which a store's consultation connection attaches the file.
pub const SCHEMA_NAME: &str = "finess_maj";

/// `BASE.finess`.
pub fn path(store: &Path) -> PathBuf {
    let mut p = store.as_os_str().to_owned();
    p.push(".finess");
    PathBuf::from(p)
}

/// A loaded extract.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Extract {
    /// The version number of the extract (`finess;etalab;<n>;…`).
    pub version: String,
    /// Its date, `AAAA-MM-JJ` as the file writes it.
    pub date: String,
    pub loaded_at: String,
    pub file: String,
    pub sha256: String,
    pub structures: u64,
    /// Records that are neither `structureet` nor `geolocalisation`, or with the wrong number of
    /// fields (not loaded).
    pub skipped: u64,
}

#[derive(Debug, Error)]
pub enum ReferentialError {
    #[error(
        "« {0} » n'est pas un extrait FINESS : sa première ligne doit être « finess;etalab;<version>;<date> »"
    )]
    NotFiness(PathBuf),
    #[error("lecture impossible de « {path} » : {message}")]
    Read { path: PathBuf, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for ReferentialError {
    fn from(e: rusqlite::Error) -> Self {
        ReferentialError::Store(e.into())
    }
}

impl ReferentialError {
    pub fn exit_code(&self) -> u8 {
        match self {
            ReferentialError::NotFiness(_) | ReferentialError::Read { .. } => 4,
            ReferentialError::Store(s) => s.exit_code(),
        }
    }
}

struct Hashing<R> {
    inner: R,
    hash: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

/// A temporary file removed when dropped (not once renamed: then it is forgotten).
struct TempPath(PathBuf);

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Loads the FINESS extract `file` beside `store` (whose passphrase is `pass`), replacing the one
/// loaded before, whole or not at all.
pub fn load_finess(
    store: &Path,
    pass: &SecretString,
    file: &Path,
) -> Result<Extract, ReferentialError> {
    // The store must open with this passphrase: the file is encrypted with it.
    Store::open(store, pass)?;
    if age::secrecy::ExposeSecret::expose_secret(pass)
        .chars()
        .count()
        < MIN_PASSPHRASE
    {
        return Err(StoreError::WeakPassphrase.into());
    }
    let read_err = |e: std::io::Error| ReferentialError::Read {
        path: file.to_path_buf(),
        message: e.to_string(),
    };
    let dir = crate::store::folder_of(store);
    let write_err = |e: std::io::Error| {
        ReferentialError::Store(StoreError::Write {
            path: dir.to_path_buf(),
            message: e.to_string(),
        })
    };
    // One writer at a time beside a store, as for an import.
    let lock = std::fs::File::open(dir).map_err(write_err)?;
    if lock.try_lock().is_err() {
        return Err(StoreError::InUse(store.to_path_buf()).into());
    }
    let input = std::fs::File::open(file).map_err(read_err)?;
    let mut hashing = Hashing {
        inner: input,
        hash: Sha256::new(),
    };
    let mut reader = RecordReader::new(BufReader::with_capacity(1 << 16, &mut hashing));
    let first: Vec<String> = match reader.next_record() {
        Ok(Some(r)) => r.fields().map(finess::field_text).collect(),
        _ => Vec::new(),
    };
    let Some((version, date)) = finess::metadata(&first) else {
        return Err(ReferentialError::NotFiness(file.to_path_buf()));
    };
    let target = path(store);
    let tmp_path = dir.join(crate::store::temp_name(
        &store.file_name().unwrap_or_default().to_string_lossy(),
        "finess-",
    ));
    let _ = std::fs::remove_file(&tmp_path);
    let tmp = TempPath(tmp_path);
    let conn = crate::store::connect(&tmp.0, rusqlite::OpenFlags::default())?;
    key(&conn, pass)?;
    conn.execute_batch("PRAGMA journal_mode = OFF; PRAGMA temp_store = MEMORY;")?;
    let columns: Vec<String> = STRUCTURE_FIELDS[1..]
        .iter()
        .map(|c| {
            if *c == "nofinesset" {
                format!("{} TEXT PRIMARY KEY", sql_ident(c))
            } else {
                format!("{} TEXT", sql_ident(c))
            }
        })
        .collect();
    conn.execute_batch(&format!(
        "BEGIN;
         CREATE TABLE extract(version TEXT, date TEXT, loaded_at TEXT, file TEXT, sha256 TEXT,
                              structures INTEGER, skipped INTEGER);
         CREATE TABLE structures({}) WITHOUT ROWID;",
        columns.join(", ")
    ))?;
    let placeholders: Vec<String> = (1..STRUCTURE_FIELDS.len())
        .map(|i| format!("?{i}"))
        .collect();
    let mut insert = conn.prepare(&format!(
        "INSERT OR REPLACE INTO structures VALUES ({})",
        placeholders.join(", ")
    ))?;
    let (mut structures, mut skipped) = (0u64, 0u64);
    loop {
        let rec = match reader.next_record() {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(e) => {
                return Err(ReferentialError::Read {
                    path: file.to_path_buf(),
                    message: e.to_string(),
                });
            }
        };
        let values = match finess::classify(rec) {
            ExtractRecord::Structure(values) => values,
            ExtractRecord::Ignored => continue,
            ExtractRecord::Skipped => {
                skipped += 1;
                continue;
            }
        };
        insert.execute(rusqlite::params_from_iter(values.iter()))?;
        structures += 1;
    }
    drop(insert);
    drop(reader);
    let extract = Extract {
        version,
        date,
        loaded_at: chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string(),
        file: file.display().to_string(),
        sha256: hex::encode(hashing.hash.finalize()),
        structures,
        skipped,
    };
    conn.execute(
        "INSERT INTO extract VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            extract.version,
            extract.date,
            extract.loaded_at,
            extract.file,
            extract.sha256,
            extract.structures as i64,
            extract.skipped as i64
        ],
    )?;
    conn.execute_batch("COMMIT;")?;
    drop(conn);
    std::fs::File::open(&tmp.0)
        .and_then(|f| f.sync_all())
        .map_err(write_err)?;
    std::fs::rename(&tmp.0, &target).map_err(write_err)?;
    std::mem::forget(tmp);
    drop(lock);
    Ok(extract)
}

/// The extract attached to an open store, if one was loaded.
pub fn current(store: &Store) -> Option<Extract> {
    if !store.has_finess_update() {
        return None;
    }
    store
        .connection()
        .query_row(
            &format!(
                "SELECT version, date, loaded_at, file, sha256, structures, skipped FROM {SCHEMA_NAME}.extract"
            ),
            [],
            |r| {
                Ok(Extract {
                    version: r.get(0)?,
                    date: r.get(1)?,
                    loaded_at: r.get(2)?,
                    file: r.get(3)?,
                    sha256: r.get(4)?,
                    structures: r.get::<_, i64>(5)? as u64,
                    skipped: r.get::<_, i64>(6)? as u64,
                })
            },
        )
        .optional()
        .ok()
        .flatten()
}

/// Today's values of `columns` for the establishment `nofinesset`, from the loaded extract.
pub fn structure(store: &Store, nofinesset: &str, columns: &[String]) -> Option<Vec<String>> {
    if !store.has_finess_update() || columns.is_empty() {
        return None;
    }
    let known: Vec<&String> = columns
        .iter()
        .filter(|c| STRUCTURE_FIELDS[1..].contains(&c.as_str()))
        .collect();
    if known.is_empty() {
        return None;
    }
    let list: Vec<String> = known
        .iter()
        .map(|c| format!("coalesce({}, '')", sql_ident(c)))
        .collect();
    let mut st = store
        .connection()
        .prepare_cached(&format!(
            "SELECT {} FROM {SCHEMA_NAME}.structures WHERE nofinesset = ?1",
            list.join(", ")
        ))
        .ok()?;
    st.query_row([nofinesset.trim_end()], |r| {
        (0..known.len()).map(|i| r.get::<_, String>(i)).collect()
    })
    .optional()
    .ok()
    .flatten()
}
