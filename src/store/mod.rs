//! The store: one SQLite file encrypted with SQLCipher under a passphrase chosen at the first
//! import. It holds the deliveries of ITAC and OPALES side by side, each table typed from its
//! DESCRIPTIF with every delivered value recoverable exactly (row order included), the
//! dictionary, row counts, anomalies, reception reports and the history of deliveries.
//! Consultation opens it read-only; only an import writes, into a new file swapped in whole.

mod colindex;
mod import;
pub(crate) mod insert;
mod writer;

pub(crate) use import::folder_of;
pub(crate) use import::temp_name;
pub use import::temp_name_of;
pub use import::{ImportError, ImportOptions, ImportOutcome, active_delivery, import};

use crate::format::descriptif::ColumnType;
use age::secrecy::{ExposeSecret, SecretString};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Identifies a Reprise store (`_meta.format`).
pub const STORE_FORMAT: &str = "reprise-store-3";

/// Stores of these earlier formats are still read (their indexes are SQLite's own).
const READABLE_FORMATS: &[&str] = &["reprise-store-2"];

/// Shortest store passphrase accepted at creation.
pub const MIN_PASSPHRASE: usize = 10;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("la base « {0} » n'existe pas : importez d'abord une livraison (reprise import)")]
    Missing(PathBuf),
    #[error("phrase de passe de la base incorrecte, ou « {0} » n'est pas une base Reprise")]
    WrongPassphrase(PathBuf),
    #[error("« {0} » n'est pas une base Reprise")]
    NotAStore(PathBuf),
    #[error(
        "la base « {path} » a été créée par une version antérieure de Reprise ({found}) : importez à nouveau les livraisons dans une nouvelle base"
    )]
    OlderFormat { path: PathBuf, found: String },
    #[error("une autre importation est en cours dans « {0} » : attendez qu'elle se termine")]
    InUse(PathBuf),
    #[error("la phrase de passe de la base doit compter au moins {MIN_PASSPHRASE} caractères")]
    WeakPassphrase,
    #[error(
        "une phrase de passe de la base est nécessaire (--store-passphrase-file ou REPRISE_STORE_PASSPHRASE)"
    )]
    PassphraseNeeded,
    #[error(
        "la base contient déjà une livraison {application} ({previous}) : confirmez son remplacement (--yes)"
    )]
    NeedsConfirmation {
        application: String,
        previous: String,
    },
    #[error("la table « {0} » n'existe pas dans la base (voir reprise tables)")]
    UnknownTable(String),
    #[error("écriture impossible dans « {path} » : {message}")]
    Write { path: PathBuf, message: String },
    #[error("opération annulée à la demande")]
    Cancelled,
    #[error("erreur de la base : {0}")]
    Sqlite(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted) {
            return StoreError::Cancelled;
        }
        StoreError::Sqlite(e.to_string())
    }
}

/// Opens a connection to an SQLite file once SQLCipher is ready to take a key.
///
/// SQLite marks itself initialised before it runs SQLCipher's own initialisation: a connection
/// opened on another thread in between fails its `PRAGMA key` (seen when tests open stores in
/// parallel). The first initialisation is therefore made here, once, while the other threads wait;
/// every connection of Reprise, and of its tests, is opened through this function.
pub fn connect(path: &Path, flags: OpenFlags) -> rusqlite::Result<Connection> {
    sqlcipher_ready();
    Connection::open_with_flags(path, flags)
}

/// An in-memory connection, opened as [`connect`] does (unit tests).
#[cfg(test)]
pub(crate) fn connect_in_memory() -> rusqlite::Result<Connection> {
    sqlcipher_ready();
    Connection::open_in_memory()
}

fn sqlcipher_ready() {
    static READY: std::sync::Once = std::sync::Once::new();
    READY.call_once(|| {
        // SAFETY: before initialisation, sqlite3_config may be called from one thread (the
        // Once sees to it); SQLITE_CONFIG_MEMSTATUS takes one int. Without the memory
        // statistics, which nothing reads, an allocation takes no global lock. If SQLite was
        // started already, the call only fails. sqlite3_initialize takes no argument and may be
        // called at any time; its failure resurfaces as an error of the connection that follows.
        unsafe {
            let _ = rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS, 0);
            let _ = rusqlite::ffi::sqlite3_initialize();
        }
    });
}

/// Sets the SQLCipher key of a connection from the passphrase.
pub(crate) fn key(conn: &Connection, pass: &SecretString) -> rusqlite::Result<()> {
    // SQLCipher's own log would print a wrong key's failures on stderr: the caller says it.
    let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE;");
    conn.pragma_update(None, "key", pass.expose_secret())
}

/// A table of the store, as consultation sees it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct StoredTable {
    pub id: i64,
    pub application: String,
    pub name: String,
    pub label: String,
    pub file: String,
    pub sql_name: String,
    pub rows: i64,
    pub described: bool,
}

/// A column of a stored table.
#[derive(Clone, Debug, serde::Serialize)]
pub struct StoredColumn {
    pub name: String,
    pub ty: ColumnType,
    pub length: Option<i64>,
    pub label: String,
    pub key: Option<i64>,
    pub reference: Option<String>,
    pub leading_zero: bool,
}

/// A delivery recorded in the store.
#[derive(Clone, Debug, serde::Serialize)]
pub struct StoredDelivery {
    pub id: i64,
    pub name: String,
    pub application: String,
    pub version: String,
    pub departement: String,
    pub extraction: String,
    pub received_on: String,
    pub deadline: String,
    pub imported_at: String,
    pub verdict: String,
    pub active: bool,
}

/// An open store, read-only.
pub struct Store {
    conn: Connection,
    pub path: PathBuf,
    /// A newer FINESS extract is attached ([`crate::referential`]).
    finess_update: bool,
    /// The data tables have column indexes ([`colindex`]); stores made before them have SQLite's.
    column_indexes: bool,
}

/// A stored value back as the reception typed it.
pub fn value_from_sql(v: rusqlite::types::ValueRef<'_>) -> crate::reception::value::Value {
    use crate::reception::value::Value;
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            Value::Text(String::from_utf8_lossy(t).into_owned())
        }
    }
}

/// A quoted SQL identifier.
pub fn sql_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Store {
    /// Opens a store for consultation, read-only.
    pub fn open(path: &Path, pass: &SecretString) -> Result<Store, StoreError> {
        if !path.is_file() {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        import::clean_after_killed_import(path);
        let conn = connect(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        key(&conn, pass)?;
        check_store(&conn, path)?;
        // A newer FINESS extract loaded beside the store, if any (a damaged one is left out).
        let update = crate::referential::path(path);
        let finess_update = update.is_file()
            && conn
                .execute(
                    &format!(
                        "ATTACH DATABASE ?1 AS {} KEY ?2",
                        crate::referential::SCHEMA_NAME
                    ),
                    rusqlite::params![update.to_string_lossy(), pass.expose_secret()],
                )
                .is_ok()
            && conn
                .query_row(
                    &format!(
                        "SELECT count(*) FROM {}.extract",
                        crate::referential::SCHEMA_NAME
                    ),
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .is_ok();
        if update.is_file() && !finess_update {
            let _ = conn.execute_batch(&format!(
                "DETACH DATABASE {}",
                crate::referential::SCHEMA_NAME
            ));
        }
        let column_indexes = colindex::present(&conn, "main")?;
        conn.pragma_update(None, "query_only", "ON")?;
        // Sorts and temporary indexes stay in memory: no decrypted page reaches a temporary file.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // Every page read is decrypted and authenticated: keep the hot ones in memory.
        conn.pragma_update(None, "cache_size", -65536)?;
        // The dossier and the browser prepare a few statements per table: keep them all, and
        // keep their plans whatever values are bound (no new preparation for each value).
        conn.set_prepared_statement_cache_capacity(512);
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )?;
        // Accent- and case-insensitive comparisons of the browser's filters.
        conn.create_scalar_function(
            "reprise_fold",
            1,
            rusqlite::functions::FunctionFlags::SQLITE_UTF8
                | rusqlite::functions::FunctionFlags::SQLITE_DETERMINISTIC,
            |ctx| {
                Ok(match ctx.get_raw(0) {
                    rusqlite::types::ValueRef::Text(t) => {
                        Some(crate::search::normalize::fold(&String::from_utf8_lossy(t)))
                    }
                    rusqlite::types::ValueRef::Integer(i) => Some(i.to_string()),
                    rusqlite::types::ValueRef::Real(f) => Some(f.to_string()),
                    _ => None,
                })
            },
        )?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            finess_update,
            column_indexes,
        })
    }

    /// Runs `f` in one read transaction: its queries see one state of the store, and the file's
    /// shared lock is taken once instead of once per statement (a dossier makes hundreds of small
    /// look-ups). Nested calls join the outer one.
    pub fn in_one_read<T>(
        &self,
        f: impl FnOnce() -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.conn.execute_batch("SAVEPOINT reprise_read")?;
        let r = f();
        if self.conn.execute_batch("RELEASE reprise_read").is_err() && !self.conn.is_autocommit() {
            // An interrupted statement can leave the transaction open: never keep it (a store
            // replaced by an import must be seen by the next consultation).
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        r
    }

    /// Whether a newer FINESS extract was loaded beside the store.
    pub fn has_finess_update(&self) -> bool {
        self.finess_update
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// A handle that stops the query running on this store from another thread.
    pub fn interrupt_handle(&self) -> rusqlite::InterruptHandle {
        self.conn.get_interrupt_handle()
    }

    /// Tables of the active deliveries, application by application.
    pub fn tables(&self) -> Result<Vec<StoredTable>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT t.id, d.application, t.name, t.label, t.file, t.sql_name, t.row_count, t.described
             FROM _tables t JOIN _deliveries d ON d.id = t.delivery_id
             WHERE d.active = 1 ORDER BY d.application, t.id",
        )?;
        let rows = st
            .query_map([], |r| {
                Ok(StoredTable {
                    id: r.get(0)?,
                    application: r.get(1)?,
                    name: r.get(2)?,
                    label: r.get(3)?,
                    file: r.get(4)?,
                    sql_name: r.get(5)?,
                    rows: r.get(6)?,
                    described: r.get(7)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// A table by name (`ITAC_DOSSIER`, or `ITAC.ITAC_DOSSIER` when two applications share it).
    pub fn table(&self, name: &str) -> Result<StoredTable, StoreError> {
        let (app, table) = match name.split_once('.') {
            Some((a, t)) => (Some(a), t),
            None => (None, name),
        };
        let all = self.tables()?;
        let found: Vec<&StoredTable> = all
            .iter()
            .filter(|t| {
                t.name == table && app.is_none_or(|a| t.application.eq_ignore_ascii_case(a))
            })
            .collect();
        match found.as_slice() {
            [one] => Ok((*one).clone()),
            _ => Err(StoreError::UnknownTable(name.to_string())),
        }
    }

    pub fn columns(&self, table_id: i64) -> Result<Vec<StoredColumn>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT name, type, length, label, key, ref_table, ref_column, leading_zero
             FROM _columns WHERE table_id = ?1 ORDER BY position",
        )?;
        let rows = st
            .query_map([table_id], |r| {
                let ty: String = r.get(1)?;
                let rt: Option<String> = r.get(5)?;
                let rc: Option<String> = r.get(6)?;
                Ok(StoredColumn {
                    name: r.get(0)?,
                    ty: ColumnType::parse(&ty).unwrap_or(ColumnType::Varchar2),
                    length: r.get(2)?,
                    label: r.get(3)?,
                    key: r.get(4)?,
                    reference: rt.zip(rc).map(|(t, c)| format!("{t}.{c}")),
                    leading_zero: r.get(7)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// How the values of a table were written (decimal separator, ISO dates for FINESS).
    pub fn text_form(
        &self,
        table_id: i64,
    ) -> Result<crate::reception::value::TextForm, StoreError> {
        let (iso, decimal): (bool, String) = self
            .conn
            .prepare_cached("SELECT iso_dates, decimal FROM _tables WHERE id = ?1")?
            .query_row([table_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(crate::reception::value::TextForm {
            decimal: decimal.chars().next().unwrap_or(','),
            iso_dates: iso,
        })
    }

    /// Every delivery ever imported, the replaced ones included.
    pub fn deliveries(&self) -> Result<Vec<StoredDelivery>, StoreError> {
        list_deliveries(&self.conn)
    }

    /// The reception report of a delivery, as JSON.
    pub fn report_json(&self, delivery_id: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT report_json FROM _deliveries WHERE id = ?1",
                [delivery_id],
                |r| r.get(0),
            )
            .optional()?)
    }
}

pub(crate) fn list_deliveries(conn: &Connection) -> Result<Vec<StoredDelivery>, StoreError> {
    let mut st = conn.prepare_cached(
        "SELECT id, name, application, version, departement, extraction, received_on, deadline,
                imported_at, verdict, active FROM _deliveries ORDER BY id",
    )?;
    let rows = st
        .query_map([], |r| {
            Ok(StoredDelivery {
                id: r.get(0)?,
                name: r.get(1)?,
                application: r.get(2)?,
                version: r.get(3)?,
                departement: r.get(4)?,
                extraction: r.get(5)?,
                received_on: r.get(6)?,
                deadline: r.get(7)?,
                imported_at: r.get(8)?,
                verdict: r.get(9)?,
                active: r.get(10)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Checks that a keyed connection opens a Reprise store.
pub(crate) fn check_store(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let count: Result<i64, _> =
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0));
    if count.is_err() {
        return Err(StoreError::WrongPassphrase(path.to_path_buf()));
    }
    let format: Option<String> = conn
        .query_row("SELECT value FROM _meta WHERE key = 'format'", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(|_| StoreError::NotAStore(path.to_path_buf()))?;
    match format {
        Some(f) if f == STORE_FORMAT || READABLE_FORMATS.contains(&f.as_str()) => Ok(()),
        Some(f) if f.starts_with("reprise-store-") => Err(StoreError::OlderFormat {
            path: path.to_path_buf(),
            found: f,
        }),
        _ => Err(StoreError::NotAStore(path.to_path_buf())),
    }
}

impl StoreError {
    pub fn exit_code(&self) -> u8 {
        match self {
            StoreError::NeedsConfirmation { .. }
            | StoreError::UnknownTable(_)
            | StoreError::WeakPassphrase => 2,
            _ => 5,
        }
    }
}
