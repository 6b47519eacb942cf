//! The store seen from the interface: two threads that each own a read-only connection, so that
//! nothing the store does ever runs on the UI thread. The "fast" thread answers searches,
//! dossiers, references and reports; the "grid" thread answers the table browser, whose sorts
//! and filters on large tables may take seconds and can be interrupted. Each request carries a
//! generation: a request older than the latest of its kind is skipped, and its answer would be
//! dropped by the interface anyway.

use crate::audit::{self, Action, Actor, Journal};
use crate::browse::{self, Page, PageRequest};
use crate::dossier::{self, Dossier};
use crate::profile::Profile;
use crate::reception::report::ReceptionReport;
use crate::search::generic::{self, RowHit};
use crate::search::query::{Hit, Searcher};
use crate::store::{Store, StoreError, StoredDelivery, StoredTable};
use age::secrecy::SecretString;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

/// What the interface asks of the store.
#[derive(Debug)]
pub enum Request {
    Search {
        generation: u64,
        text: String,
        limit: usize,
    },
    Dossier {
        generation: u64,
        application: String,
        number: String,
        medical: bool,
    },
    Page {
        generation: u64,
        req: PageRequest,
        with_labels: bool,
    },
    /// The record numbers of a sorted or filtered view in order, kept by the grid thread so that
    /// its pages at any position are read at once.
    Order {
        generation: u64,
        req: PageRequest,
    },
    Follow {
        table: String,
        column: String,
        value: String,
    },
    ReferencedBy {
        generation: u64,
        table: String,
        record: i64,
    },
    Report {
        delivery_id: i64,
    },
    ExportView {
        req: PageRequest,
        path: PathBuf,
        /// The delivered file re-created byte for byte (the whole table) instead of a CSV.
        delivery_format: bool,
        cancel: Arc<AtomicBool>,
        progress: Arc<AtomicU64>,
    },
    Journal {
        filter: audit::Filter,
        verify: bool,
    },
    ExportJournal {
        filter: audit::Filter,
        path: PathBuf,
    },
    /// The fiche de synthèse of a dossier, written to `path` and journaled.
    PrintDossier {
        application: String,
        number: String,
        medical: bool,
        path: PathBuf,
        /// The whole dossier as JSON instead of the PDF.
        json: bool,
    },
    /// The whole store as a plain SQLite file (the user confirmed it is not encrypted).
    ExportPlain {
        path: PathBuf,
    },
    /// Loads a newer FINESS extract beside the store (then both threads open the store again).
    LoadFiness {
        file: PathBuf,
    },
    /// Opens the store again (a referential was loaded beside it).
    Reopen,
    /// The fixity check of the store, on a thread of its own: `progress` holds the files done
    /// (high half) and in all (low half).
    Fixity {
        cancel: Arc<AtomicBool>,
        progress: Arc<AtomicU64>,
    },
    /// An entry for the journal (the interface's own actions: print, verify).
    Record {
        action: Action,
        person: String,
        dossier: String,
        detail: String,
    },
}

/// What the store answers.
pub enum Reply {
    Opened(Result<Overview, StoreError>),
    Search {
        generation: u64,
        /// Persons, and rows of the deliveries read in generic mode.
        result: Result<(Vec<Hit>, Vec<RowHit>), StoreError>,
    },
    Dossier {
        generation: u64,
        result: Result<Option<(Dossier, Option<Hit>)>, StoreError>,
    },
    /// The view of this generation is ordered: it has `rows` rows, reachable at any position.
    Ordered {
        generation: u64,
        result: Result<i64, StoreError>,
    },
    Page {
        generation: u64,
        start_position: Option<i64>,
        result: Result<(Page, Option<CodeLabels>), StoreError>,
    },
    Followed(Result<Option<(StoredTable, i64)>, StoreError>),
    ReferencedBy {
        generation: u64,
        result: Result<Vec<(StoredTable, String, i64, String)>, StoreError>,
    },
    Report(Result<Option<ReceptionReport>, StoreError>),
    /// A block not read because the grid is no longer near it.
    PageSkipped {
        generation: u64,
        start_position: i64,
    },
    /// Where, how many rows (CSV) or bytes (delivery format), and which.
    Exported(Result<(PathBuf, u64, bool), StoreError>),
    Journal(Result<(Vec<audit::Entry>, Option<Vec<audit::Problem>>), StoreError>),
    JournalExported(Result<(PathBuf, u64), StoreError>),
    Printed(Result<PathBuf, String>),
    PlainExported(Result<(PathBuf, u64), StoreError>),
    Fixity(Result<crate::fixity::Fixity, StoreError>),
    FinessLoaded(Result<crate::referential::Extract, String>),
    /// A consultation could not be journaled: it was not shown.
    JournalFailed(StoreError),
}

/// Code labels of a table's columns: column → code → label.
pub type CodeLabels = HashMap<String, HashMap<String, String>>;

/// What the interface shows once a store is open.
#[derive(Clone, Debug)]
pub struct Overview {
    pub tables: Vec<StoredTable>,
    pub deliveries: Vec<StoredDelivery>,
    /// Active deliveries that no profile describes (read in generic mode): their names.
    pub generic: Vec<String>,
    /// The newer FINESS extract loaded beside the store, if any.
    pub finess: Option<crate::referential::Extract>,
}

/// An open store and its two threads. Dropping it ends the threads (their channels close).
pub struct Session {
    pub path: PathBuf,
    fast: Option<Sender<Request>>,
    grid: Option<Sender<Request>>,
    threads: Vec<std::thread::JoinHandle<()>>,
    pub replies: Receiver<Reply>,
    latest_search: Arc<AtomicU64>,
    latest_dossier: Arc<AtomicU64>,
    latest_grid: Arc<AtomicU64>,
    grid_interrupt: Arc<Mutex<Option<rusqlite::InterruptHandle>>>,
    /// The first row the grid shows: blocks asked for rows far from it are skipped.
    grid_top: Arc<std::sync::atomic::AtomicI64>,
    pub overview: Option<Overview>,
}

impl Session {
    /// Opens the store in the background; `Reply::Opened` says how it went.
    pub fn open(
        path: &Path,
        pass: SecretString,
        profiles: Vec<Profile>,
        wake: impl Fn() + Send + Sync + 'static,
    ) -> Session {
        let (reply_tx, replies) = channel();
        let (fast, fast_rx) = channel();
        let (grid, grid_rx) = channel();
        let wake: Arc<dyn Fn() + Send + Sync> = Arc::new(wake);
        let latest_search = Arc::new(AtomicU64::new(0));
        let latest_dossier = Arc::new(AtomicU64::new(0));
        let latest_grid = Arc::new(AtomicU64::new(0));
        let grid_interrupt = Arc::new(Mutex::new(None));
        let grid_top = Arc::new(std::sync::atomic::AtomicI64::new(0));
        let mut threads = Vec::new();
        {
            let (path, pass, tx, wake) = (
                path.to_path_buf(),
                pass.clone(),
                reply_tx.clone(),
                wake.clone(),
            );
            let (ls, ld) = (latest_search.clone(), latest_dossier.clone());
            threads.push(
                std::thread::Builder::new()
                    .name("reprise-base".into())
                    .spawn(move || fast_thread(&path, &pass, profiles, fast_rx, tx, wake, ls, ld))
                    .expect("thread"),
            );
        }
        {
            let (path, tx, wake) = (path.to_path_buf(), reply_tx, wake);
            let (lg, gi, gt) = (
                latest_grid.clone(),
                grid_interrupt.clone(),
                grid_top.clone(),
            );
            threads.push(
                std::thread::Builder::new()
                    .name("reprise-tables".into())
                    .spawn(move || grid_thread(&path, &pass, grid_rx, tx, wake, (lg, gi, gt)))
                    .expect("thread"),
            );
        }
        Session {
            path: path.to_path_buf(),
            fast: Some(fast),
            grid: Some(grid),
            threads,
            replies,
            latest_search,
            latest_dossier,
            latest_grid,
            grid_interrupt,
            grid_top,
            overview: None,
        }
    }

    /// Sends a request to the thread that answers it.
    pub fn send(&self, r: Request) {
        match &r {
            Request::Search { generation, .. } => {
                self.latest_search.store(*generation, Ordering::SeqCst)
            }
            Request::Dossier { generation, .. } => {
                self.latest_dossier.store(*generation, Ordering::SeqCst)
            }
            // A new view (table, sort, filters) stops what the old one still reads; more blocks
            // of the same view do not.
            Request::Page { generation, .. }
                if self.latest_grid.swap(*generation, Ordering::SeqCst) < *generation =>
            {
                self.interrupt_grid();
            }
            _ => {}
        }
        let to = match r {
            Request::Page { .. }
            | Request::Order { .. }
            | Request::ExportView { .. }
            | Request::Reopen => &self.grid,
            _ => &self.fast,
        };
        // A closed channel means the thread ended after a failed opening, already reported.
        if let Some(to) = to {
            let _ = to.send(r);
        }
    }

    /// Where the grid is (its first row, 0-based): positioned blocks far from it are not read.
    pub fn set_grid_top(&self, top: i64) {
        self.grid_top.store(top, Ordering::Relaxed);
    }

    /// Stops the table query running now, if any.
    pub fn interrupt_grid(&self) {
        if let Some(h) = self.grid_interrupt.lock().expect("lock").as_ref() {
            h.interrupt();
        }
    }
}

impl Drop for Session {
    /// Closes the store: the threads end once their channel closes and the running query is
    /// interrupted; waiting for them means no connection outlives the session (nor the process
    /// exit), and the passphrase they hold is wiped as they end.
    fn drop(&mut self) {
        self.fast.take();
        self.grid.take();
        self.interrupt_grid();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// Background threads yield to the one that draws: on a two-core workstation, a page being
/// decrypted must not delay a frame, least of all without a graphics card, where drawing takes
/// both cores. Nice 15 (nice 5 still let about one frame in a hundred pass 16 ms while the
/// scroll bar was dragged: scripts/bench-scroll-window.sh). They lose nothing when the interface
/// is idle. (On Linux `nice` applies to the calling thread only.)
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: nice() only changes the scheduling priority of the calling thread.
    unsafe {
        libc::nice(15);
    }
}

fn open_store(path: &Path, pass: &SecretString) -> Result<Store, StoreError> {
    Store::open(path, pass)
}

fn overview(store: &Store, profiles: &[Profile]) -> Result<Overview, StoreError> {
    let deliveries = store.deliveries()?;
    Ok(Overview {
        tables: store.tables()?,
        generic: deliveries
            .iter()
            .filter(|d| d.active && generic::is_generic(profiles, d))
            .map(|d| format!("{} ({} {})", d.name, d.application, d.version))
            .collect(),
        deliveries,
        finess: crate::referential::current(store),
    })
}

#[allow(clippy::too_many_arguments)]
fn fast_thread(
    path: &Path,
    pass: &SecretString,
    profiles: Vec<Profile>,
    rx: Receiver<Request>,
    tx: Sender<Reply>,
    wake: Arc<dyn Fn() + Send + Sync>,
    latest_search: Arc<AtomicU64>,
    latest_dossier: Arc<AtomicU64>,
) {
    let actor = Actor::current();
    let opened = open_store(path, pass).and_then(|s| {
        let o = overview(&s, &profiles)?;
        let j = Journal::open(path, pass)?;
        j.record(&actor, Action::Unlock, "", "", "")?;
        Ok((s, o, j))
    });
    let (store, journal) = match opened {
        Ok((s, o, j)) => {
            let _ = tx.send(Reply::Opened(Ok(o)));
            wake();
            (s, j)
        }
        Err(e) => {
            let _ = tx.send(Reply::Opened(Err(e)));
            wake();
            return;
        }
    };
    let mut store = store;
    loop {
        if !serve_fast(
            path,
            pass,
            &profiles,
            &rx,
            &tx,
            &wake,
            (&latest_search, &latest_dossier),
            &store,
            &journal,
            &actor,
        ) {
            return;
        }
        // A referential was loaded beside the store: open it again to see it.
        match open_store(path, pass) {
            Ok(s) => store = s,
            Err(e) => {
                let _ = tx.send(Reply::Opened(Err(e)));
                wake();
                return;
            }
        }
    }
}

/// Answers the fast thread's requests until the channel closes (false) or the store must be
/// opened again (true).
#[allow(clippy::too_many_arguments)]
fn serve_fast(
    path: &Path,
    pass: &SecretString,
    profiles: &[Profile],
    rx: &Receiver<Request>,
    tx: &Sender<Reply>,
    wake: &Arc<dyn Fn() + Send + Sync>,
    (latest_search, latest_dossier): (&AtomicU64, &AtomicU64),
    store: &Store,
    journal: &Journal,
    actor: &Actor,
) -> bool {
    let mut searcher = Searcher::new(store);
    while let Ok(req) = rx.recv() {
        let reply = match req {
            Request::LoadFiness { file } => {
                let r = crate::referential::load_finess(path, pass, &file)
                    .map_err(|e| e.to_string())
                    .and_then(|e| {
                        journal
                            .record(
                                actor,
                                Action::Import,
                                "",
                                "",
                                &format!(
                                    "extrait FINESS du {} (version {}) chargé : {} établissements, SHA-256 {}",
                                    e.date, e.version, e.structures, e.sha256
                                ),
                            )
                            .map_err(|j| j.to_string())?;
                        Ok(e)
                    });
                let loaded = r.is_ok();
                if tx.send(Reply::FinessLoaded(r)).is_err() {
                    return false;
                }
                wake();
                if loaded {
                    return true;
                }
                continue;
            }
            Request::Search {
                generation,
                text,
                limit,
            } => {
                if generation < latest_search.load(Ordering::SeqCst) {
                    continue;
                }
                let result = searcher.search(&text, limit).and_then(|hits| {
                    let rows = generic::search(store, &text, limit)?;
                    journal.record(
                        actor,
                        Action::Search,
                        "",
                        "",
                        &format!(
                            "« {text} » : {} résultat(s){}",
                            hits.len(),
                            if rows.is_empty() {
                                String::new()
                            } else {
                                format!(", {} ligne(s) en mode générique", rows.len())
                            }
                        ),
                    )?;
                    Ok((hits, rows))
                });
                Reply::Search { generation, result }
            }
            Request::Dossier {
                generation,
                application,
                number,
                medical,
            } => {
                if generation < latest_dossier.load(Ordering::SeqCst) {
                    continue;
                }
                let result = dossier::assemble(store, profiles, &application, &number, medical)
                    .and_then(|d| match d {
                        None => Ok(None),
                        Some(d) => {
                            let seen = format!("{} {}", d.application, d.number);
                            journal.record(actor, Action::Dossier, &d.summary, &seen, "")?;
                            if medical {
                                journal.record(
                                    actor,
                                    Action::Medical,
                                    &d.summary,
                                    &seen,
                                    "après avertissement",
                                )?;
                            }
                            // The person's hit gives the linked persons and the NIR's key check.
                            let hit = searcher.search(&number, 20)?.into_iter().find(|h| {
                                h.application.eq_ignore_ascii_case(&application)
                                    && h.dossier.trim() == number.trim()
                            });
                            Ok(Some((d, hit)))
                        }
                    });
                Reply::Dossier { generation, result }
            }
            Request::Follow {
                table,
                column,
                value,
            } => Reply::Followed(browse::follow(store, &table, &column, &value)),
            Request::ReferencedBy {
                generation,
                table,
                record,
            } => Reply::ReferencedBy {
                generation,
                result: browse::referenced_by(store, &table, record),
            },
            Request::Report { delivery_id } => Reply::Report(
                store
                    .report_json(delivery_id)
                    .map(|j| j.and_then(|j| serde_json::from_str(&j).ok())),
            ),
            Request::Journal { filter, verify } => Reply::Journal((|| {
                let entries = journal.entries(&filter)?;
                let problems = if verify {
                    Some(journal.verify()?)
                } else {
                    None
                };
                Ok((entries, problems))
            })()),
            Request::ExportJournal { filter, path } => Reply::JournalExported((|| {
                let entries = journal.entries(&filter)?;
                let write_err = |e: std::io::Error| StoreError::Write {
                    path: path.clone(),
                    message: e.to_string(),
                };
                let mut out =
                    std::io::BufWriter::new(std::fs::File::create(&path).map_err(write_err)?);
                Journal::write_csv(&entries, &mut out).map_err(write_err)?;
                std::io::Write::flush(&mut out).map_err(write_err)?;
                journal.record(
                    actor,
                    Action::Export,
                    "",
                    "",
                    &format!(
                        "journal des consultations ({} entrées) vers {}",
                        entries.len(),
                        path.display()
                    ),
                )?;
                Ok((path.clone(), entries.len() as u64))
            })()),
            Request::PrintDossier {
                application,
                number,
                medical,
                path,
                json,
            } => Reply::Printed(print_dossier(
                store,
                profiles,
                journal,
                actor,
                (&application, &number),
                (medical, json),
                &path,
            )),
            Request::Fixity { cancel, progress } => {
                // Reads the whole store: on its own connection, so that searches go on.
                let (path, pass, tx, wake) =
                    (path.to_path_buf(), pass.clone(), tx.clone(), wake.clone());
                let actor = actor.clone();
                std::thread::spawn(move || {
                    lower_priority();
                    let result = open_store(&path, &pass).and_then(|store| {
                        let f = crate::fixity::check(&store, &cancel, &mut |p| {
                            progress
                                .store(((p.done as u64) << 32) | p.total as u64, Ordering::Relaxed);
                            wake();
                        })?;
                        let altered = f.files.iter().filter(|x| !x.ok).count();
                        Journal::open(&path, &pass)?.record(
                            &actor,
                            Action::Fixity,
                            "",
                            "",
                            &if f.ok {
                                format!(
                                    "base intacte ({} fichiers recréés à l'identique)",
                                    f.files.len()
                                )
                            } else {
                                format!("base ALTÉRÉE ({altered} fichiers différents)")
                            },
                        )?;
                        Ok(f)
                    });
                    let _ = tx.send(Reply::Fixity(result));
                    wake();
                });
                continue;
            }
            Request::ExportPlain { path: out } => Reply::PlainExported(
                crate::export::export_plain_sqlite(path, pass, &out).and_then(|bytes| {
                    if let Err(e) = journal.record(
                        actor,
                        Action::Export,
                        "",
                        "",
                        &format!("base entière EN CLAIR (SQLite) vers {}", out.display()),
                    ) {
                        let _ = std::fs::remove_file(&out);
                        return Err(e);
                    }
                    Ok((out.clone(), bytes))
                }),
            ),
            Request::Record {
                action,
                person,
                dossier,
                detail,
            } => match journal.record(actor, action, &person, &dossier, &detail) {
                Ok(_) => continue,
                Err(e) => Reply::JournalFailed(e),
            },
            Request::Page { .. }
            | Request::Order { .. }
            | Request::ExportView { .. }
            | Request::Reopen => continue,
        };
        if tx.send(reply).is_err() {
            return false;
        }
        wake();
    }
    false
}

/// What identifies a view's order: table, sort, filters.
type ViewKey = (String, Option<(String, bool)>, Vec<browse::Filter>);

fn view_key(req: &PageRequest) -> ViewKey {
    (req.table.clone(), req.sort.clone(), req.filters.clone())
}

/// What the grid thread shares with the interface: the latest view, the interrupt handle, where
/// the grid is.
type GridShared = (
    Arc<AtomicU64>,
    Arc<Mutex<Option<rusqlite::InterruptHandle>>>,
    Arc<std::sync::atomic::AtomicI64>,
);

fn grid_thread(
    path: &Path,
    pass: &SecretString,
    rx: Receiver<Request>,
    tx: Sender<Reply>,
    wake: Arc<dyn Fn() + Send + Sync>,
    (latest, interrupt, top): GridShared,
) {
    lower_priority();
    let (Ok(mut store), Ok(journal)) = (open_store(path, pass), Journal::open(path, pass)) else {
        // The fast thread reports the failure.
        return;
    };
    let actor = Actor::current();
    *interrupt.lock().expect("lock") = Some(store.interrupt_handle());
    let mut labels: HashMap<String, CodeLabels> = HashMap::new();
    // The order of the sorted or filtered view last asked for: its (table, sort, filters).
    let mut order: Option<(ViewKey, Vec<u32>)> = None;
    while let Ok(req) = rx.recv() {
        let reply = match req {
            Request::Order { generation, req } => {
                if generation < latest.load(Ordering::SeqCst) {
                    continue;
                }
                // A page of this view may have computed its order already.
                let result = match &order {
                    Some((k, ids)) if *k == view_key(&req) => Ok(ids.len() as i64),
                    _ => {
                        order = None;
                        // A sort of a large table on a column without index stays page by page.
                        if !browse::order_is_cheap(&store, &req).unwrap_or(false) {
                            continue;
                        }
                        browse::view_order(&store, &req).map(|ids| {
                            let n = ids.len() as i64;
                            order = Some((view_key(&req), ids));
                            n
                        })
                    }
                };
                if generation < latest.load(Ordering::SeqCst) {
                    continue;
                }
                Reply::Ordered { generation, result }
            }
            Request::Reopen => {
                // A referential was loaded beside the store.
                let Ok(s) = open_store(path, pass) else {
                    return;
                };
                store = s;
                *interrupt.lock().expect("lock") = Some(store.interrupt_handle());
                labels.clear();
                continue;
            }
            Request::Page {
                generation,
                req,
                with_labels,
            } => {
                if generation < latest.load(Ordering::SeqCst) {
                    continue;
                }
                let start_position = match req.start {
                    browse::Start::Position(p) => Some(p),
                    _ => None,
                };
                let plain = req.sort.is_none() && req.filters.is_empty();
                let key = view_key(&req);
                // A page read out of the view's whole order (a filtered view, a sort without
                // column index): the order is computed here once and kept for the order request
                // and the pages that follow.
                if order.as_ref().is_none_or(|(k, _)| *k != key)
                    && browse::reads_whole_order(&store, &req).unwrap_or(false)
                    && let Ok(ids) = browse::view_order(&store, &req)
                {
                    order = Some((key.clone(), ids));
                }
                let ordered = order
                    .as_ref()
                    .filter(|(k, _)| !plain && *k == key)
                    .map(|(_, ids)| ids);
                // A block the grid has scrolled far away from: not read (the grid asks again if
                // it comes back).
                if let Some(p) = start_position
                    && (plain || ordered.is_some())
                    && (p - 1 - top.load(Ordering::Relaxed)).abs() > 4 * req.limit as i64
                {
                    let _ = tx.send(Reply::PageSkipped {
                        generation,
                        start_position: p,
                    });
                    wake();
                    continue;
                }
                let paged = match ordered {
                    // A page of a view whose order is known: its records, read at once.
                    Some(ids) => browse::page_of(&store, &req, ids),
                    None => browse::page(&store, &req),
                };
                let result = paged.and_then(|p| {
                    if !with_labels {
                        return Ok((p, None));
                    }
                    let l = match labels.get(&req.table) {
                        Some(l) => l.clone(),
                        None => {
                            let l = browse::code_labels(&store, &req.table)?;
                            labels.insert(req.table.clone(), l.clone());
                            l
                        }
                    };
                    Ok((p, Some(l)))
                });
                if generation < latest.load(Ordering::SeqCst) {
                    continue;
                }
                Reply::Page {
                    generation,
                    start_position,
                    result,
                }
            }
            Request::ExportView {
                req,
                path,
                delivery_format,
                cancel,
                progress,
            } => Reply::Exported(
                export_view(
                    &store,
                    &req,
                    &path,
                    delivery_format,
                    &cancel,
                    &progress,
                    &*wake,
                )
                .and_then(|(p, n)| {
                    let filters = if delivery_format {
                        ", format de livraison, octets".to_string()
                    } else if req.filters.is_empty() && req.sort.is_none() {
                        String::new()
                    } else {
                        format!(", tri {:?}, filtres {:?}", req.sort, req.filters)
                    };
                    if let Err(e) = journal.record(
                        &actor,
                        Action::Export,
                        "",
                        "",
                        &format!(
                            "table {} ({n} lignes{filters}) vers {}",
                            req.table,
                            p.display()
                        ),
                    ) {
                        // An export that cannot be journaled is not kept.
                        let _ = std::fs::remove_file(&p);
                        return Err(e);
                    }
                    Ok((p, n, delivery_format))
                }),
            ),
            _ => continue,
        };
        if tx.send(reply).is_err() {
            return;
        }
        wake();
    }
}

/// Writes the view to a temporary file beside `path`, renamed only when complete.
fn export_view(
    store: &Store,
    req: &PageRequest,
    path: &Path,
    delivery_format: bool,
    cancel: &AtomicBool,
    progress: &AtomicU64,
    wake: &(dyn Fn() + Send + Sync),
) -> Result<(PathBuf, u64), StoreError> {
    let write_err = |e: std::io::Error| StoreError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let dir = crate::store::folder_of(path);
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(write_err)?;
    let n = {
        let mut out = std::io::BufWriter::new(tmp.as_file_mut());
        let n = if delivery_format {
            crate::export::export_delivery(store, &store.table(&req.table)?, &mut out)?
        } else {
            crate::export::export_view_csv(store, req, &mut out, cancel, &mut |n| {
                progress.store(n, Ordering::Relaxed);
                wake();
            })?
        };
        std::io::Write::flush(&mut out).map_err(write_err)?;
        n
    };
    tmp.persist(path).map_err(|e| write_err(e.error))?;
    Ok((path.to_path_buf(), n))
}

/// Assembles, renders, journals and writes (whole or nothing) the fiche de synthèse.
fn print_dossier(
    store: &Store,
    profiles: &[Profile],
    journal: &Journal,
    actor: &Actor,
    (application, number): (&str, &str),
    (medical, json): (bool, bool),
    path: &Path,
) -> Result<PathBuf, String> {
    let d = dossier::assemble(store, profiles, application, number, medical)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("aucun dossier {application} {number}"))?;
    let kind = if json {
        crate::report::pdf::DossierFile::Json
    } else {
        crate::report::pdf::DossierFile::Pdf
    };
    crate::report::pdf::save_dossier(store, &d, kind, journal, actor, path)?;
    Ok(path.to_path_buf())
}
