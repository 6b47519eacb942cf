//! Importing a delivery: all or nothing. The import builds a new store file beside the store (the
//! other application's data copied from the current store, then the new delivery), and swaps it
//! in only when complete. A failed, cancelled or killed import leaves the previous store as it
//! was; its temporary file is removed at once, or by the next import after a kill.

use super::writer::{self, SCHEMA};
use super::{
    MIN_PASSPHRASE, STORE_FORMAT, StoreError, check_store, key, list_deliveries, sql_ident,
};
use crate::delivery::Delivery;
use crate::reception::report::ReceptionReport;
use crate::reception::{self, ReceiveError, ReceiveOptions};
use age::secrecy::{ExposeSecret, SecretString};
use rusqlite::{Connection, OpenFlags, params};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Options of an import.
pub struct ImportOptions<'a> {
    pub store: &'a Path,
    pub store_passphrase: &'a SecretString,
    /// The replacement of a delivery of the same application is confirmed.
    pub replace: bool,
    pub receive: ReceiveOptions<'a>,
}

/// What an import did.
#[derive(Debug)]
pub struct ImportOutcome {
    pub report: ReceptionReport,
    pub created: bool,
    /// The delivery the import replaced, if any.
    pub replaced: Option<String>,
    pub store_bytes: u64,
}

#[derive(Debug, Error)]
pub enum ImportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Receive(#[from] ReceiveError),
}

impl From<rusqlite::Error> for ImportError {
    fn from(e: rusqlite::Error) -> Self {
        ImportError::Store(e.into())
    }
}

impl ImportError {
    pub fn exit_code(&self) -> u8 {
        match self {
            ImportError::Store(s) => s.exit_code(),
            ImportError::Receive(r) => r.exit_code(),
        }
    }
}

/// The application and the delivery already in a store, if any.
pub fn active_delivery(
    store: &Path,
    pass: &SecretString,
    application: &str,
) -> Result<Option<String>, StoreError> {
    if !store.exists() {
        return Ok(None);
    }
    let conn = super::connect(store, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    key(&conn, pass)?;
    check_store(&conn, store)?;
    Ok(list_deliveries(&conn)?
        .into_iter()
        .find(|d| d.active && d.application.eq_ignore_ascii_case(application))
        .map(|d| format!("{}, extraction du {}", d.name, d.extraction)))
}

/// The workstation's name, as the temporary files of a store name it.
fn workstation() -> String {
    crate::audit::Actor::current()
        .workstation
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The folder a file sits in: `.` for a bare file name.
pub(crate) fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// The name of a temporary file written beside `store` by this process (`what`: `""` for an
/// import, `"finess-"` for a referential): it says which process of which workstation writes
/// it, so that a file left by a killed process can be told from one being written.
pub(crate) fn temp_name(store_name: &str, what: &str) -> String {
    temp_name_of(store_name, what, std::process::id())
}

/// [`temp_name`] for the process `pid` of this workstation.
pub fn temp_name_of(store_name: &str, what: &str, pid: u32) -> String {
    format!(".{store_name}.import-{what}{pid}@{}.tmp", workstation())
}

/// Whether a process of this machine is alive.
fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Removes the temporary files that killed imports left beside a store: those of this
/// workstation whose process is gone, and those of another workstation (a shared drive) or of
/// another naming untouched for a day. A file being written is never touched.
fn clean_stale(dir: &Path, prefix: &str) {
    let here = workstation();
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(prefix) else {
            continue;
        };
        let rest = rest.strip_prefix("finess-").unwrap_or(rest);
        let owner = rest
            .split_once(".tmp")
            .and_then(|(who, _)| who.split_once('@'))
            .and_then(|(pid, host)| Some((pid.parse::<i32>().ok()?, host)));
        let stale = match owner {
            Some((pid, host)) if host == here => !alive(pid),
            _ => e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > std::time::Duration::from_secs(24 * 3600)),
        };
        if stale {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Removes what a killed import left beside `store`. Consultation calls it when it opens the
/// store, so that a kill leaves nothing behind for long; it takes no lock (an import starting
/// at that moment must not find the folder taken) and errors are ignored (a read-only share).
pub(crate) fn clean_after_killed_import(store: &Path) {
    let (Some(dir), Some(name)) = (store.parent(), store.file_name()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    clean_stale(dir, &format!(".{}.import-", name.to_string_lossy()));
}

/// Starts writing the new store's pages to the disk while the import goes on, so that the
/// final `fsync` has only the last ones left to write (Linux: `sync_file_range`, which starts the
/// writing and does not wait; elsewhere, nothing). Stops when dropped.
struct Writeback {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Writeback {
    fn start(path: &Path) -> Writeback {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let thread = File::open(path).ok().and_then(|file| {
            std::thread::Builder::new()
                .name("reprise-writeback".into())
                .spawn(move || {
                    while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                        stopped.recv_timeout(std::time::Duration::from_millis(250))
                    {
                        start_writing(&file);
                    }
                })
                .ok()
        });
        Writeback {
            stop: Some(stop),
            thread,
        }
    }
}

impl Drop for Writeback {
    fn drop(&mut self) {
        self.stop = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(target_os = "linux")]
fn start_writing(file: &File) {
    use std::os::fd::AsRawFd;
    // SAFETY: the descriptor is that of `file`, open; offset 0 and length 0 mean the whole
    // file; SYNC_FILE_RANGE_WRITE only starts the writing of its dirty pages.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writing(_: &File) {}

/// The phases of an import and their durations, in the debug log (`REPRISE_LOG=debug`).
struct Phases {
    start: std::time::Instant,
    since: std::time::Instant,
}

impl Phases {
    fn start() -> Phases {
        let now = std::time::Instant::now();
        Phases {
            start: now,
            since: now,
        }
    }

    fn done(&mut self, name: &str) {
        tracing::debug!(
            "import : {name} en {:.2} s",
            self.since.elapsed().as_secs_f64()
        );
        self.since = std::time::Instant::now();
    }

    fn total(&self) {
        tracing::debug!(
            "import : {:.2} s en tout",
            self.start.elapsed().as_secs_f64()
        );
    }
}

struct TempFile(Option<PathBuf>);

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs::remove_file(&p);
            for suffix in ["-journal", "-wal", "-shm"] {
                let _ = fs::remove_file(format!("{}{suffix}", p.display()));
            }
        }
    }
}

fn write_err(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Imports a delivery into the store.
pub fn import<'a>(
    delivery: &'a Delivery,
    opts: ImportOptions<'a>,
) -> Result<ImportOutcome, ImportError> {
    let store = opts.store;
    let dir = folder_of(store).to_path_buf();
    fs::create_dir_all(&dir).map_err(write_err(&dir))?;
    let name = store
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| StoreError::Write {
            path: store.to_path_buf(),
            message: "chemin sans nom de fichier".into(),
        })?;
    // One import at a time in a folder: a lock on the folder itself (no lock file to leave).
    let lock = File::open(&dir).map_err(write_err(&dir))?;
    if lock.try_lock().is_err() {
        return Err(StoreError::InUse(store.to_path_buf()).into());
    }
    let prefix = format!(".{name}.import-");
    clean_stale(&dir, &prefix);
    let existing = store.exists();
    if !existing && opts.store_passphrase.expose_secret().chars().count() < MIN_PASSPHRASE {
        return Err(StoreError::WeakPassphrase.into());
    }
    if existing {
        let conn = super::connect(store, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        key(&conn, opts.store_passphrase)?;
        check_store(&conn, store)?;
    }
    let mut phases = Phases::start();
    // Which application comes in: decides what the new store keeps from the current one.
    let lisezmoi = reception::peek_lisezmoi(delivery, opts.receive.secret, opts.receive.cancel)
        .map_err(ReceiveError::from)?;
    let application = lisezmoi
        .as_ref()
        .and_then(|l| l.get("APPLICATION"))
        .unwrap_or("INCONNUE")
        .to_ascii_uppercase();
    phases.done("application lue");
    let previous = active_delivery(store, opts.store_passphrase, &application)?;
    if previous.is_some() && !opts.replace {
        return Err(StoreError::NeedsConfirmation {
            application,
            previous: previous.unwrap_or_default(),
        }
        .into());
    }
    let tmp_path = dir.join(temp_name(&name, ""));
    let mut tmp = TempFile(Some(tmp_path.clone()));
    let conn = super::connect(&tmp_path, OpenFlags::default())?;
    key(&conn, opts.store_passphrase)?;
    conn.execute_batch(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -49152;",
    )?;
    conn.execute_batch(SCHEMA)?;
    conn.execute_batch(super::colindex::SCHEMA)?;
    conn.execute_batch(crate::search::index::SCHEMA)?;
    conn.execute_batch(crate::search::postings::SCHEMA)?;
    conn.execute_batch(crate::search::generic::SCHEMA)?;
    conn.execute(
        "INSERT INTO _meta(key, value) VALUES ('format', ?1), ('created_by', ?2)",
        params![
            STORE_FORMAT,
            format!("Reprise {}", env!("CARGO_PKG_VERSION"))
        ],
    )?;
    let now = chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
    if existing {
        // The current store is attached read-only, only while its kept part is copied.
        let uri = format!(
            "file:{}?mode=ro",
            store
                .display()
                .to_string()
                .replace('%', "%25")
                .replace('?', "%3f")
                .replace('#', "%23")
        );
        conn.execute(
            "ATTACH DATABASE ?1 AS old KEY ?2",
            params![uri, opts.store_passphrase.expose_secret()],
        )?;
        conn.execute_batch("BEGIN;")?;
        copy_kept(&conn, &application, &now)?;
        conn.execute_batch("COMMIT; DETACH DATABASE old;")?;
    }
    conn.execute_batch("BEGIN;")?;
    let delivery_id: i64 = conn.query_row(
        "SELECT coalesce(max(id), 0) + 1 FROM _deliveries",
        [],
        |r| r.get(0),
    )?;
    let profiles = opts.receive.profiles;
    // The person index is made as the tables are written, by the profile the reception finds.
    // The search keys of the persons the store keeps go first: posting lists are in the order
    // of persons.
    let mut postings = crate::search::postings::Collector::start();
    postings.push_stored(&conn)?;
    let persons = crate::search::index::Persons::new(delivery_id, &application, postings);
    let writeback = Writeback::start(&tmp_path);
    let (loader, handle) = writer::spawn(conn, delivery_id, application.clone(), persons);
    let mut loader = loader;
    phases.done("base neuve prête");
    let received = reception::receive(delivery, opts.receive, &mut loader);
    let closed = loader.close();
    let joined = handle.join().map_err(|_| {
        StoreError::Sqlite("l'écriture de la base s'est arrêtée brutalement".into())
    })?;
    let report = match received {
        Ok(r) => r,
        Err(e) => {
            // A store failure explains itself better than the reception's view of it.
            if let Err(s) = joined {
                return Err(s.into());
            }
            return Err(e.into());
        }
    };
    closed.map_err(|e| StoreError::Sqlite(e.to_string()))?;
    let (conn, persons) = joined?;
    phases.done("lecture et écriture des lignes et des personnes");
    let d = &report.delivery;
    conn.execute(
        "INSERT INTO _deliveries(id, name, application, version, departement, libelle_departement,
           centre, extraction, source, form, encoding, received_on, deadline, imported_at, tool,
           verdict, report_json, active)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, 1)",
        params![
            delivery_id,
            d.name,
            application,
            d.version,
            d.departement,
            d.libelle_departement,
            d.centre,
            d.extraction,
            d.source,
            d.form,
            d.encoding,
            report.received_on.to_string(),
            report.deadline.to_string(),
            now,
            report.tool,
            report.verdict.label(),
            serde_json::to_string(&report).expect("report serializes"),
        ],
    )?;
    // The links across applications and the search keys, computed on another thread while
    // SQLite wrote the persons.
    crate::search::index::finish(&conn, persons.into_postings())?;
    phases.done("index de recherche et liens");
    // Deliveries that no profile describes: every text value indexed instead (generic mode).
    crate::search::generic::build(&conn, profiles)?;
    phases.done("index générique");
    conn.execute_batch("COMMIT;")?;
    drop(conn);
    drop(writeback);
    phases.done("validation");
    File::open(&tmp_path)
        .and_then(|f| f.sync_all())
        .map_err(write_err(&tmp_path))?;
    phases.done("écriture sur disque");
    phases.total();
    fs::rename(&tmp_path, store).map_err(write_err(store))?;
    tmp.0 = None;
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    drop(lock);
    let store_bytes = fs::metadata(store).map(|m| m.len()).unwrap_or(0);
    Ok(ImportOutcome {
        report,
        created: !existing,
        replaced: previous,
        store_bytes,
    })
}

/// Copies from the current store what the new one keeps: every delivery's record and report,
/// and the data of the applications that the import does not replace.
fn copy_kept(conn: &Connection, application: &str, now: &str) -> Result<(), StoreError> {
    conn.execute("INSERT INTO _deliveries SELECT * FROM old._deliveries", [])?;
    conn.execute(
        "UPDATE _deliveries SET active = 0, replaced_at = ?2 WHERE active = 1 AND application = ?1",
        params![application, now],
    )?;
    conn.execute("INSERT INTO _files SELECT * FROM old._files", [])?;
    let kept = "SELECT t.id FROM old._tables t JOIN _deliveries d ON d.id = t.delivery_id WHERE d.active = 1";
    conn.execute(
        &format!("INSERT INTO _tables SELECT * FROM old._tables WHERE id IN ({kept})"),
        [],
    )?;
    conn.execute(
        &format!("INSERT INTO _columns SELECT * FROM old._columns WHERE table_id IN ({kept})"),
        [],
    )?;
    conn.execute(
        &format!("INSERT INTO _raw SELECT * FROM old._raw WHERE table_id IN ({kept})"),
        [],
    )?;
    conn.execute(
        "INSERT INTO _anomalies SELECT * FROM old._anomalies
         WHERE delivery_id IN (SELECT id FROM _deliveries WHERE active = 1)",
        [],
    )?;
    conn.execute(
        "INSERT INTO _persons SELECT * FROM old._persons
         WHERE delivery_id IN (SELECT id FROM _deliveries WHERE active = 1)",
        [],
    )?;
    let has_column_indexes = super::colindex::present(conn, "old")?;
    let tables: Vec<(i64, String)> = conn
        .prepare("SELECT id, sql_name FROM _tables")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (id, sql_name) in tables {
        let cols: Vec<String> = conn
            .prepare(&format!(
                "SELECT name FROM pragma_table_info('{}', 'old')",
                sql_name.replace('\'', "''")
            ))?
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<_, _>>()?;
        let list = cols
            .iter()
            .map(|c| sql_ident(c))
            .collect::<Vec<_>>()
            .join(", ");
        let t = sql_ident(&sql_name);
        conn.execute_batch(&format!(
            "CREATE TABLE main.{t}({list}); INSERT INTO main.{t}(rowid, {list}) SELECT rowid, {list} FROM old.{t};"
        ))?;
        copy_column_indexes(conn, id, &sql_name, has_column_indexes)?;
    }
    Ok(())
}

/// The column indexes of a kept table: copied, or built from its rows when the current store was
/// made before them.
fn copy_column_indexes(
    conn: &Connection,
    id: i64,
    sql_name: &str,
    has_column_indexes: bool,
) -> Result<(), StoreError> {
    if has_column_indexes {
        conn.execute(
            "INSERT INTO _colindex SELECT * FROM old._colindex WHERE table_id = ?1",
            [id],
        )?;
        conn.execute(
            "INSERT INTO _colblocks SELECT * FROM old._colblocks WHERE id >= ?1 AND id < ?2",
            params![id << 40, (id + 1) << 40],
        )?;
        return Ok(());
    }
    let columns: Vec<(String, Option<i64>, Option<String>, String)> = conn
        .prepare(
            "SELECT name, key, ref_table, type FROM _columns WHERE table_id = ?1 ORDER BY position",
        )?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    let indexed = super::colindex::indexed_columns(
        columns.iter().map(|c| (c.1, c.2.as_deref(), c.3 == "DATE")),
    );
    let wanted: Vec<(String, usize)> = indexed
        .into_iter()
        .map(|p| (columns[p].0.clone(), p))
        .collect();
    super::colindex::build_from_rows(conn, "old", id, sql_name, &wanted)
}
