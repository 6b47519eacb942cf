//! The interface's state, apart from the drawing code: which screen is shown, the forms'
//! fields, the open store, what the last queries answered. Screens read it and edit their own
//! form fields; every action goes through an [`Intent`] that `RepriseApp::apply` carries out.

use super::i18n::Lang;
use super::jobs::Job;
use super::settings::{Dirs, Settings, Theme};
use super::worker::{CodeLabels, Session};
use crate::browse::{Filter, Start};
use crate::dossier::Dossier;
use crate::profile::Profile;
use crate::reception::report::ReceptionReport;
use crate::search::generic::RowHit;
use crate::search::query::Hit;
use crate::store::{StoredColumn, StoredTable};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::time::Instant;

/// The screens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    Welcome,
    Unlock,
    Reception,
    Search,
    Dossier,
    Tables,
    Deliveries,
    Journal,
    Settings,
}

/// What a screen asks for.
#[derive(Clone, Debug)]
pub enum Intent {
    Go(Screen),
    StartDemo,
    /// Asks for the passphrase of this store.
    ChooseStore(PathBuf),
    Unlock,
    Lock,
    Search,
    OpenDossier {
        application: String,
        number: String,
    },
    RevealMedical,
    HideMedical,
    StartReception {
        import: bool,
    },
    ConfirmReplace,
    CancelJob,
    SaveReportPdf(PathBuf),
    OpenTable(String),
    SortBy(String),
    ApplyFilters,
    ClearFilters,
    /// Stops the running sort or filter and goes back to the table in delivery order.
    CancelQuery,
    FollowReference {
        column: String,
        value: String,
    },
    /// Opens a table at a row (a row found in generic mode).
    OpenRow {
        table: String,
        record: i64,
    },
    SelectRow(i64),
    /// Opens `table` filtered on `column` = `value`.
    ShowReferencing {
        table: String,
        column: String,
        value: String,
    },
    /// The current view as CSV, or (`true`) the whole table in delivery format.
    ExportView(PathBuf, bool),
    ShowReport(i64),
    /// Lists the journal with the screen's filters, and verifies its chain if asked.
    LoadJournal {
        verify: bool,
    },
    ExportJournal(PathBuf),
    /// The whole store, unencrypted, after the user ticked that they understand it.
    ExportPlain(PathBuf),
    /// Checks that the store still gives back every delivered file exactly.
    CheckStore,
    CancelCheckStore,
    /// Loads a newer FINESS extract beside the store.
    LoadFiness(PathBuf),
    /// The fiche de synthèse (PDF) or the whole dossier (JSON).
    PrintDossier {
        path: PathBuf,
        medical: bool,
        json: bool,
    },
    SetLang(Lang),
    SetTheme(Theme),
    SetTextScale(f32),
    SetIdleMinutes(u32),
    DismissNotice,
}

#[derive(Default)]
pub struct UnlockForm {
    /// Put the keyboard focus in the passphrase field.
    pub focus: bool,
    pub store: String,
    pub passphrase: String,
    pub error: Option<String>,
    pub busy: bool,
}

#[derive(Default)]
pub struct ReceptionForm {
    pub delivery: String,
    pub use_identity: bool,
    pub passphrase: String,
    pub identity: String,
    pub store: String,
    pub store_passphrase: String,
    pub store_passphrase_again: String,
    pub received_on: String,
    pub error: Option<String>,
    /// The store already holds a delivery of this application: (application, previous).
    pub confirm_replace: Option<(String, String)>,
    pub report: Option<ReceptionReport>,
    /// Where the delivery was imported, if it was.
    pub imported: Option<PathBuf>,
    pub replaced: Option<String>,
    pub pdf_path: String,
    pub pdf_message: Option<Result<String, String>>,
    /// The procès-verbal being written: where, or why it could not be.
    pub pdf_pending: Option<std::sync::mpsc::Receiver<Result<PathBuf, (PathBuf, String)>>>,
    pub cancelled: bool,
}

#[derive(Default)]
pub struct SearchState {
    pub text: String,
    pub generation: u64,
    /// The text last sent, and when the field last changed (to wait for a pause in typing).
    pub sent: String,
    pub edited_at: Option<Instant>,
    pub hits: Vec<Hit>,
    /// Rows found in the deliveries read in generic mode.
    pub rows: Vec<RowHit>,
    pub answered: Option<String>,
    pub selected: usize,
    pub busy: bool,
    pub error: Option<String>,
    pub focus: bool,
}

#[derive(Default)]
pub struct DossierState {
    pub generation: u64,
    /// The dossier shown: application and number.
    pub key: Option<(String, String)>,
    pub current: Option<(Dossier, Option<Hit>)>,
    pub loading: Option<(String, String)>,
    pub medical: bool,
    pub confirm_medical: bool,
    pub error: Option<String>,
    pub print: PrintForm,
}

/// The print and export panel of a dossier: open, where, with the medical part or not, and how
/// it went.
#[derive(Default)]
pub struct PrintForm {
    pub open: bool,
    pub path: String,
    pub medical: bool,
    pub message: Option<Result<String, String>>,
}

/// Rows of a table view: by position when it is in delivery order and unfiltered (any row at
/// once), or in sequence when it is sorted or filtered (pages follow one another).
pub enum Rows {
    Positional {
        blocks: HashMap<i64, Vec<(i64, Vec<String>)>>,
        pending: HashSet<i64>,
    },
    Sequential {
        rows: Vec<(i64, Vec<String>)>,
        next: Option<Start>,
        pending: bool,
    },
}

/// Rows fetched at once in a table view.
pub const BLOCK: i64 = 200;

pub struct TableView {
    pub name: String,
    pub table: StoredTable,
    pub columns: Vec<StoredColumn>,
    pub labels: CodeLabels,
    pub sort: Option<(String, bool)>,
    /// The filter fields, one per column, as typed.
    pub filter_text: Vec<String>,
    pub filters: Vec<Filter>,
    pub rows: Rows,
    pub generation: u64,
    /// First row shown (0-based index in the view).
    pub top: f64,
    pub selected: Option<i64>,
    /// Scroll to this record once it is shown.
    pub reveal: Option<i64>,
    pub referenced_by: Option<Vec<(StoredTable, String, i64, String)>>,
    pub busy_since: Option<Instant>,
    /// Rows of a sorted or filtered view, once its order is known (its rows are then reached at
    /// any position, as in delivery order).
    pub view_rows: Option<i64>,
    pub error: Option<String>,
    pub export_path: String,
    pub export: Option<Export>,
}

pub struct Export {
    pub cancel: Arc<AtomicBool>,
    pub progress: Arc<AtomicU64>,
    pub result: Option<Result<String, String>>,
}

#[derive(Default)]
pub struct TablesState {
    pub list_filter: String,
    pub view: Option<TableView>,
    pub ref_generation: u64,
}

#[derive(Default)]
pub struct JournalState {
    pub from: String,
    pub to: String,
    pub person: String,
    pub entries: Vec<crate::audit::Entry>,
    pub problems: Option<Vec<crate::audit::Problem>>,
    pub loading: bool,
    pub error: Option<String>,
    pub export_path: String,
    pub export_message: Option<Result<String, String>>,
}

#[derive(Default)]
pub struct DeliveriesState {
    pub report: Option<ReceptionReport>,
    pub error: Option<String>,
    /// The plain export: panel open, path, the "not encrypted" box ticked, how it went.
    pub plain_open: bool,
    pub plain_path: String,
    pub plain_understood: bool,
    pub plain_running: bool,
    pub plain_message: Option<Result<String, String>>,
    /// The fixity check: running (with its cancel flag and progress), and how it went.
    pub fixity_running: Option<(Arc<AtomicBool>, Arc<AtomicU64>)>,
    pub fixity: Option<Result<crate::fixity::Fixity, String>>,
    /// A newer FINESS extract to load: its path, running, how it went.
    pub finess_path: String,
    pub finess_running: bool,
    pub finess_message: Option<Result<String, String>>,
}

/// The whole state.
pub struct State {
    pub dirs: Dirs,
    pub settings: Settings,
    pub profiles: Vec<Profile>,
    pub screen: Screen,
    pub session: Option<Session>,
    pub welcome_path: String,
    pub unlock: UnlockForm,
    pub reception: ReceptionForm,
    pub job: Option<Job>,
    pub search: SearchState,
    pub dossier: DossierState,
    pub tables: TablesState,
    pub deliveries: DeliveriesState,
    pub journal: JournalState,
    /// A message for the whole window (what happened, what to do).
    pub notice: Option<String>,
    pub last_input: Instant,
}

impl State {
    pub fn lang(&self) -> Lang {
        self.settings.lang
    }

    /// True once a store is open and answered.
    pub fn unlocked(&self) -> bool {
        self.session.as_ref().is_some_and(|s| s.overview.is_some())
    }
}
