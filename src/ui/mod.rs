//! The desktop application (eframe / egui, glow renderer, AccessKit on). One window, one screen at
//! a time (welcome, unlock, reception, search, dossier, tables, deliveries, settings), a module
//! per screen. Screens draw from [`state::State`] and emit [`state::Intent`]s; [`RepriseApp::apply`]
//! is the one place that carries them out. Every store query runs on the threads of
//! [`worker::Session`], every reception on a [`jobs::Job`] thread: the UI thread only draws.

pub mod i18n;
pub mod jobs;
pub mod settings;
pub mod state;
pub mod worker;

mod deliveries;
mod dossier;
mod journal;
mod reception;
mod search;
mod settings_screen;
mod tables;
mod unlock;
mod welcome;
mod widgets;

use crate::browse::{Filter, PageRequest, Start};
use crate::delivery::Secret;
use crate::profile::Profile;
use age::secrecy::SecretString;
use settings::{Dirs, Settings, Theme};
use state::{
    BLOCK, DeliveriesState, DossierState, Export, Intent, JournalState, ReceptionForm, Rows,
    Screen, SearchState, State, TableView, TablesState, UnlockForm,
};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use worker::{Reply, Request, Session};
use zeroize::Zeroize;

pub use jobs::DEMO_PASSPHRASE;

/// Title of the main window.
pub const WINDOW_TITLE: &str = "Reprise — consultation ITAC / OPALES";

/// Pause in typing after which the search runs.
const SEARCH_DEBOUNCE: Duration = Duration::from_millis(200);

/// Results asked of a search.
const SEARCH_LIMIT: usize = 50;

/// The application.
pub struct RepriseApp {
    pub state: State,
    ctx: egui::Context,
    /// `REPRISE_FRAME_STATS=FILE`: the CPU time of each frame of the tables screen, summed up in
    /// FILE every 100 frames.
    frame_stats: Option<FrameStats>,
}

/// Frame times of the tables screen: eframe's measure of a whole frame (interface, tessellation
/// and painting) and, within it, the time of the interface pass of the screens.
struct FrameStats {
    path: PathBuf,
    /// (whole frame, interface pass) in milliseconds.
    times: Vec<(f32, f32)>,
    /// Start and length of the interface pass of the last frame.
    pass_start: Option<std::time::Instant>,
    last_pass_ms: Option<f32>,
}

/// The profiles: those in the settings folder (`profils/*.toml`) first, then the embedded ones.
fn load_profiles(dirs: &Dirs) -> (Vec<Profile>, Option<String>) {
    let mut profiles = Vec::new();
    let mut problem = None;
    if let Ok(entries) = std::fs::read_dir(dirs.config.join("profils")) {
        let mut paths: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        for p in paths {
            match std::fs::read_to_string(&p)
                .map_err(|e| e.to_string())
                .and_then(|t| {
                    Profile::parse(&p.display().to_string(), &t).map_err(|e| e.to_string())
                }) {
                Ok(profile) => profiles.push(profile),
                Err(e) => {
                    problem = Some(format!(
                        "Le profil {} est ignoré : {e}. Corrigez-le ou retirez-le.",
                        p.display()
                    ))
                }
            }
        }
    }
    profiles.extend(Profile::embedded());
    (profiles, problem)
}

impl RepriseApp {
    /// The application with the user's directories.
    pub fn new(cc: &eframe::CreationContext<'_>) -> Self {
        Self::with_dirs(cc, Dirs::from_env())
    }

    /// The application keeping its settings and stores in `dirs` (tests, portable use).
    pub fn with_dirs(cc: &eframe::CreationContext<'_>, dirs: Dirs) -> Self {
        let settings = Settings::load(&dirs);
        let (profiles, notice) = load_profiles(&dirs);
        let start = match &settings.last_store {
            Some(p) if p.is_file() => Screen::Unlock,
            _ => Screen::Welcome,
        };
        let mut state = State {
            unlock: UnlockForm {
                focus: true,
                store: settings
                    .last_store
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                ..Default::default()
            },
            reception: ReceptionForm {
                store: dirs.default_store().display().to_string(),
                received_on: crate::report::fr_date(chrono::Local::now().date_naive()),
                ..Default::default()
            },
            dirs,
            settings,
            profiles,
            screen: start,
            session: None,
            welcome_path: String::new(),
            job: None,
            search: SearchState::default(),
            dossier: DossierState::default(),
            tables: TablesState::default(),
            deliveries: DeliveriesState::default(),
            journal: JournalState::default(),
            notice,
            last_input: Instant::now(),
        };
        if let Some(p) = state.settings.last_store.as_ref().filter(|p| p.is_file()) {
            state.reception.store = p.display().to_string();
        }
        // DejaVu Sans (already in the binary for the PDF reports) after egui's fonts: arrows,
        // check marks and the other signs the screens use.
        let mut fonts = egui::FontDefinitions::default();
        fonts.font_data.insert(
            "dejavu".into(),
            Arc::new(egui::FontData::from_static(crate::report::pdf::REGULAR_TTF)),
        );
        for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
            fonts
                .families
                .entry(family)
                .or_default()
                .push("dejavu".into());
        }
        cc.egui_ctx.set_fonts(fonts);
        let app = RepriseApp {
            state,
            ctx: cc.egui_ctx.clone(),
            frame_stats: std::env::var_os("REPRISE_FRAME_STATS").map(|p| FrameStats {
                path: PathBuf::from(p),
                times: Vec::new(),
                pass_start: None,
                last_pass_ms: None,
            }),
        };
        app.apply_look();
        app
    }

    fn wake(&self) -> Arc<dyn Fn() + Send + Sync> {
        let ctx = self.ctx.clone();
        Arc::new(move || ctx.request_repaint())
    }

    fn apply_look(&self) {
        self.ctx.set_theme(match self.state.settings.theme {
            Theme::Light => egui::Theme::Light,
            Theme::Dark => egui::Theme::Dark,
        });
        self.ctx.set_zoom_factor(self.state.settings.text_scale);
        // A visible keyboard focus everywhere.
        self.ctx.all_styles_mut(|style| {
            style.visuals.selection.stroke.width = 2.0;
            style.visuals.widgets.hovered.bg_stroke.width = 1.5;
            style.spacing.item_spacing = egui::vec2(8.0, 6.0);
            style.spacing.button_padding = egui::vec2(10.0, 5.0);
        });
    }

    fn save_settings(&mut self) {
        if let Err(e) = self.state.settings.save(&self.state.dirs) {
            self.state.notice = Some(format!(
                "Les réglages n'ont pas pu être enregistrés ({e}) : ils valent jusqu'à la fermeture."
            ));
        }
    }

    /// Opens a store in the background with its passphrase.
    fn open_session(&mut self, path: &Path, pass: SecretString) {
        let wake = self.wake();
        self.state.session = Some(Session::open(
            path,
            pass,
            self.state.profiles.clone(),
            move || wake(),
        ));
        self.state.unlock.busy = true;
        self.state.unlock.error = None;
        self.state.unlock.store = path.display().to_string();
    }

    /// Forgets everything read from the store.
    fn forget_data(&mut self) {
        self.state.session = None;
        self.state.search.text.zeroize();
        self.state.search = SearchState::default();
        self.state.dossier = DossierState::default();
        self.state.tables = TablesState::default();
        self.state.deliveries = DeliveriesState::default();
        self.state.journal = JournalState::default();
        self.state.reception.report = None;
    }

    fn send(&self, r: Request) {
        if let Some(s) = &self.state.session {
            s.send(r);
        }
    }

    /// Carries out an intent.
    pub fn apply(&mut self, intent: Intent) {
        let lang = self.state.lang();
        match intent {
            Intent::Go(screen) => {
                self.state.screen = screen;
                if screen == Screen::Journal {
                    self.apply(Intent::LoadJournal { verify: false });
                }
                if screen == Screen::Search {
                    self.state.search.focus = true;
                }
            }
            Intent::DismissNotice => self.state.notice = None,
            Intent::StartDemo => {
                let store = self.state.dirs.demo_store();
                if store.is_file() {
                    self.open_session(&store, SecretString::from(DEMO_PASSPHRASE.to_string()));
                    self.state.screen = Screen::Unlock;
                } else if self.state.job.is_none() {
                    self.state.job = Some(jobs::Job::demo(
                        store,
                        self.state.profiles.clone(),
                        self.wake(),
                    ));
                }
            }
            Intent::ChooseStore(path) => {
                self.forget_data();
                self.state.unlock = UnlockForm {
                    focus: true,
                    store: path.display().to_string(),
                    ..Default::default()
                };
                self.state.screen = Screen::Unlock;
            }
            Intent::Unlock => {
                let path = PathBuf::from(self.state.unlock.store.trim());
                if !path.is_file() {
                    self.state.unlock.error = Some(format!(
                        "{} « {} ». {}",
                        lang.t("Aucune base à l'emplacement", "No store at"),
                        path.display(),
                        lang.t(
                            "Vérifiez le chemin, ou réceptionnez d'abord une livraison.",
                            "Check the path, or receive a delivery first."
                        )
                    ));
                    return;
                }
                let pass = std::mem::take(&mut self.state.unlock.passphrase);
                self.open_session(&path, SecretString::from(pass));
            }
            Intent::Lock => {
                let store = self.state.session.as_ref().map(|s| s.path.clone());
                self.forget_data();
                self.state.unlock = UnlockForm {
                    focus: true,
                    store: store.map(|p| p.display().to_string()).unwrap_or_default(),
                    ..Default::default()
                };
                self.state.screen = Screen::Unlock;
            }
            Intent::Search => {
                let s = &mut self.state.search;
                s.edited_at = None;
                let text = s.text.trim().to_string();
                s.sent = s.text.clone();
                if text.is_empty() {
                    s.hits.clear();
                    s.answered = None;
                    s.busy = false;
                    s.error = None;
                    return;
                }
                s.generation += 1;
                s.busy = true;
                let generation = s.generation;
                self.send(Request::Search {
                    generation,
                    text,
                    limit: SEARCH_LIMIT,
                });
            }
            Intent::OpenDossier {
                application,
                number,
            } => {
                let d = &mut self.state.dossier;
                d.generation += 1;
                d.medical = false;
                d.confirm_medical = false;
                d.error = None;
                d.loading = Some((application.clone(), number.clone()));
                d.key = Some((application.clone(), number.clone()));
                let generation = d.generation;
                self.state.screen = Screen::Dossier;
                self.send(Request::Dossier {
                    generation,
                    application,
                    number,
                    medical: false,
                });
            }
            Intent::RevealMedical | Intent::HideMedical => {
                let medical = matches!(intent, Intent::RevealMedical);
                let d = &mut self.state.dossier;
                d.confirm_medical = false;
                let Some((application, number)) = d.key.clone() else {
                    return;
                };
                d.generation += 1;
                d.medical = medical;
                d.loading = Some((application.clone(), number.clone()));
                let generation = d.generation;
                self.send(Request::Dossier {
                    generation,
                    application,
                    number,
                    medical,
                });
            }
            Intent::StartReception { import } => self.start_reception(import, false),
            Intent::ConfirmReplace => {
                self.state.reception.confirm_replace = None;
                self.start_reception(true, true);
            }
            Intent::CancelJob => {
                if let Some(j) = &self.state.job {
                    j.cancel();
                }
                if let Some(v) = &self.state.tables.view
                    && let Some(e) = &v.export
                {
                    e.cancel.store(true, std::sync::atomic::Ordering::SeqCst);
                }
            }
            Intent::SaveReportPdf(path) => {
                // The report on screen: the deliveries screen shows a stored one.
                let report = if self.state.screen == Screen::Deliveries {
                    self.state.deliveries.report.clone()
                } else {
                    self.state.reception.report.clone()
                };
                let Some(report) = report else { return };
                // Rendered and written off the UI thread; `poll` takes the result.
                let (tx, rx) = std::sync::mpsc::channel();
                let wake = self.wake();
                std::thread::spawn(move || {
                    let tmp = path.with_extension("part");
                    let result = crate::report::pdf::render(&report).and_then(|bytes| {
                        std::fs::write(&tmp, bytes)
                            .and_then(|()| std::fs::rename(&tmp, &path))
                            .map_err(|e| {
                                let _ = std::fs::remove_file(&tmp);
                                e.to_string()
                            })
                    });
                    let _ = tx.send(result.map(|()| path.clone()).map_err(|e| (path, e)));
                    wake();
                });
                self.state.reception.pdf_message = None;
                self.state.reception.pdf_pending = Some(rx);
            }
            Intent::OpenTable(name) => self.open_table(&name, None, Vec::new()),
            Intent::SortBy(column) => {
                if let Some(v) = &mut self.state.tables.view {
                    v.sort = match &v.sort {
                        Some((c, false)) if *c == column => Some((column, true)),
                        Some((c, true)) if *c == column => None,
                        _ => Some((column, false)),
                    };
                    self.reload_view();
                }
            }
            Intent::ApplyFilters => {
                if let Some(v) = &mut self.state.tables.view {
                    v.filters = filters_of(&v.columns, &v.filter_text);
                    self.reload_view();
                }
            }
            Intent::ClearFilters => {
                if let Some(v) = &mut self.state.tables.view {
                    v.filter_text.iter_mut().for_each(String::clear);
                    v.filters.clear();
                    self.reload_view();
                }
            }
            Intent::CancelQuery => {
                if let Some(s) = &self.state.session {
                    s.interrupt_grid();
                }
                if let Some(v) = &mut self.state.tables.view {
                    v.sort = None;
                    v.filters.clear();
                    v.filter_text.iter_mut().for_each(String::clear);
                    self.reload_view();
                }
            }
            Intent::FollowReference { column, value } => {
                if let Some(v) = &self.state.tables.view {
                    let table = v.name.clone();
                    self.send(Request::Follow {
                        table,
                        column,
                        value,
                    });
                }
            }
            Intent::OpenRow { table, record } => {
                self.open_table(&table, Some(record), Vec::new());
            }
            Intent::SelectRow(record) => {
                let t = &mut self.state.tables;
                if let Some(v) = &mut t.view {
                    v.selected = Some(record);
                    v.referenced_by = None;
                    t.ref_generation += 1;
                    let (generation, table) = (t.ref_generation, v.name.clone());
                    self.send(Request::ReferencedBy {
                        generation,
                        table,
                        record,
                    });
                }
            }
            Intent::ShowReferencing {
                table,
                column,
                value,
            } => {
                let filter = Filter::Equals(column, value);
                self.open_table(&table, None, vec![filter]);
            }
            Intent::ExportView(path, delivery_format) => {
                let Some(v) = &mut self.state.tables.view else {
                    return;
                };
                let export = Export {
                    cancel: Default::default(),
                    progress: Default::default(),
                    result: None,
                };
                let req = PageRequest {
                    table: v.name.clone(),
                    sort: v.sort.clone(),
                    filters: v.filters.clone(),
                    start: Start::Position(1),
                    limit: 2000,
                };
                let (cancel, progress) = (export.cancel.clone(), export.progress.clone());
                v.export = Some(export);
                self.send(Request::ExportView {
                    req,
                    path,
                    delivery_format,
                    cancel,
                    progress,
                });
            }
            Intent::ShowReport(id) => {
                self.state.deliveries.report = None;
                self.state.deliveries.error = None;
                self.send(Request::Report { delivery_id: id });
            }
            Intent::LoadJournal { verify } => {
                let j = &mut self.state.journal;
                let date = |s: &str| {
                    let s = s.trim();
                    if s.is_empty() {
                        Ok(None)
                    } else {
                        crate::calendar::parse_fr_date(s).map(Some)
                    }
                };
                let (from, to) = match (date(&j.from), date(&j.to)) {
                    (Ok(f), Ok(t)) => (f, t),
                    (Err(e), _) | (_, Err(e)) => {
                        j.error = Some(widgets::sentence(&e));
                        return;
                    }
                };
                j.error = None;
                j.loading = true;
                if !verify {
                    j.problems = None;
                }
                let filter = crate::audit::Filter {
                    from,
                    to,
                    person: Some(j.person.clone()).filter(|p| !p.trim().is_empty()),
                };
                self.send(Request::Journal { filter, verify });
            }
            Intent::ExportJournal(path) => {
                let j = &mut self.state.journal;
                j.export_message = None;
                let filter = crate::audit::Filter {
                    from: crate::calendar::parse_fr_date(&j.from).ok(),
                    to: crate::calendar::parse_fr_date(&j.to).ok(),
                    person: Some(j.person.clone()).filter(|p| !p.trim().is_empty()),
                };
                self.send(Request::ExportJournal { filter, path });
            }
            Intent::PrintDossier {
                path,
                medical,
                json,
            } => {
                let d = &mut self.state.dossier;
                d.print.message = None;
                let Some((application, number)) = d.key.clone() else {
                    return;
                };
                let medical = medical && d.medical;
                self.send(Request::PrintDossier {
                    application,
                    number,
                    medical,
                    path,
                    json,
                });
            }
            Intent::CheckStore => {
                let d = &mut self.state.deliveries;
                if d.fixity_running.is_some() {
                    return;
                }
                let cancel = Arc::new(std::sync::atomic::AtomicBool::new(false));
                let progress = Arc::new(std::sync::atomic::AtomicU64::new(0));
                d.fixity_running = Some((cancel.clone(), progress.clone()));
                d.fixity = None;
                self.send(Request::Fixity { cancel, progress });
            }
            Intent::LoadFiness(file) => {
                let d = &mut self.state.deliveries;
                if d.finess_running {
                    return;
                }
                d.finess_running = true;
                d.finess_message = None;
                self.send(Request::LoadFiness { file });
            }
            Intent::CancelCheckStore => {
                if let Some((cancel, _)) = &self.state.deliveries.fixity_running {
                    cancel.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            }
            Intent::ExportPlain(path) => {
                let d = &mut self.state.deliveries;
                if !d.plain_understood {
                    return;
                }
                d.plain_running = true;
                d.plain_message = None;
                self.send(Request::ExportPlain { path });
            }
            Intent::SetLang(l) => {
                self.state.settings.lang = l;
                self.save_settings();
            }
            Intent::SetTheme(t) => {
                self.state.settings.theme = t;
                self.apply_look();
                self.save_settings();
            }
            Intent::SetTextScale(s) => {
                self.state.settings.text_scale = s.clamp(0.75, 2.5);
                self.apply_look();
                self.save_settings();
            }
            Intent::SetIdleMinutes(m) => {
                self.state.settings.idle_minutes = m.clamp(1, 240);
                self.save_settings();
            }
        }
    }

    fn start_reception(&mut self, import: bool, replace: bool) {
        let lang = self.state.lang();
        let f = &mut self.state.reception;
        f.error = None;
        f.report = None;
        f.imported = None;
        f.replaced = None;
        f.pdf_message = None;
        f.cancelled = false;
        let delivery = PathBuf::from(f.delivery.trim());
        if f.delivery.trim().is_empty() {
            f.error = Some(
                lang.t(
                    "Indiquez d'abord la livraison : un fichier .tar.age ou un dossier.",
                    "First give the delivery: a .tar.age file or a folder.",
                )
                .into(),
            );
            return;
        }
        let received_on = match crate::calendar::parse_fr_date(&f.received_on) {
            Ok(d) => d,
            Err(e) => {
                f.error = Some(format!(
                    "{e} : {}",
                    lang.t(
                        "corrigez la date de réception",
                        "correct the reception date"
                    )
                ));
                return;
            }
        };
        let secret = if f.use_identity {
            if f.identity.trim().is_empty() {
                f.error = Some(
                    lang.t(
                        "Indiquez le fichier d'identité age de la MDPH.",
                        "Give the MDPH's age identity file.",
                    )
                    .into(),
                );
                return;
            }
            Some(Secret::IdentityFile(PathBuf::from(f.identity.trim())))
        } else if f.passphrase.is_empty() {
            None
        } else {
            Some(Secret::Passphrase(SecretString::from(f.passphrase.clone())))
        };
        let store = if import {
            let path = PathBuf::from(f.store.trim());
            if f.store.trim().is_empty() {
                f.error = Some(
                    lang.t(
                        "Indiquez où enregistrer la base.",
                        "Give where to save the store.",
                    )
                    .into(),
                );
                return;
            }
            if !path.exists() && f.store_passphrase != f.store_passphrase_again {
                f.error = Some(
                    lang.t(
                        "Les deux saisies de la phrase de passe de la nouvelle base diffèrent : saisissez-les à nouveau.",
                        "The two entries of the new store's passphrase differ: type them again.",
                    )
                    .into(),
                );
                return;
            }
            Some((path, SecretString::from(f.store_passphrase.clone())))
        } else {
            None
        };
        let params = jobs::ReceptionParams {
            delivery,
            secret,
            received_on,
            profiles: self.state.profiles.clone(),
            store,
            replace,
        };
        self.state.job = Some(jobs::Job::reception(params, self.wake()));
    }

    /// Opens a table view, at a record or with filters.
    fn open_table(&mut self, name: &str, at: Option<i64>, filters: Vec<Filter>) {
        let Some(ov) = self
            .state
            .session
            .as_ref()
            .and_then(|s| s.overview.as_ref())
        else {
            return;
        };
        let Some(table) = ov
            .tables
            .iter()
            .find(|t| format!("{}.{}", t.application, t.name) == name)
            .cloned()
        else {
            return;
        };
        let generation = self.state.tables.view.as_ref().map_or(0, |v| v.generation) + 1;
        self.state.tables.view = Some(TableView {
            name: name.to_string(),
            table,
            columns: Vec::new(),
            labels: HashMap::new(),
            sort: None,
            filter_text: Vec::new(),
            filters,
            rows: Rows::Positional {
                blocks: HashMap::new(),
                pending: HashSet::new(),
            },
            generation,
            top: at.map_or(0.0, |r| (r - 1).max(0) as f64),
            selected: at,
            reveal: at,
            referenced_by: None,
            busy_since: None,
            view_rows: None,
            error: None,
            export_path: String::new(),
            export: None,
        });
        self.state.screen = Screen::Tables;
        self.reload_view();
        if let Some(r) = at {
            self.apply(Intent::SelectRow(r));
        }
    }

    /// Starts the view again after a change of sort or filters.
    fn reload_view(&mut self) {
        let Some(v) = &mut self.state.tables.view else {
            return;
        };
        v.generation += 1;
        v.error = None;
        v.busy_since = Some(Instant::now());
        v.view_rows = None;
        let ordered = !(v.sort.is_none() && v.filters.is_empty());
        if !ordered {
            v.rows = Rows::Positional {
                blocks: HashMap::new(),
                pending: HashSet::new(),
            };
            if v.reveal.is_none() {
                v.top = v.top.min((v.table.rows - 1).max(0) as f64);
            }
        } else {
            v.rows = Rows::Sequential {
                rows: Vec::new(),
                next: Some(Start::Position(1)),
                pending: false,
            };
            v.top = 0.0;
        }
        self.request_rows(30);
        // The first rows come from the query itself; the whole order follows in the background,
        // then any position of the view is read at once.
        if ordered && let Some(v) = &self.state.tables.view {
            let req = PageRequest {
                table: v.name.clone(),
                sort: v.sort.clone(),
                filters: v.filters.clone(),
                start: Start::Position(1),
                limit: BLOCK as usize,
            };
            self.send(Request::Order {
                generation: v.generation,
                req,
            });
        }
    }

    /// Asks for the rows the view needs to show `visible` rows from its top.
    pub fn request_rows(&mut self, visible: usize) {
        let Some(session) = &self.state.session else {
            return;
        };
        let Some(v) = &mut self.state.tables.view else {
            return;
        };
        let with_labels = v.columns.is_empty();
        session.set_grid_top(v.top.max(0.0) as i64);
        let base = PageRequest {
            table: v.name.clone(),
            sort: v.sort.clone(),
            filters: v.filters.clone(),
            start: Start::Position(1),
            limit: BLOCK as usize,
        };
        match &mut v.rows {
            Rows::Positional { blocks, pending } => {
                let first = v.top.max(0.0) as i64 / BLOCK;
                let last = (v.top.max(0.0) as i64 + visible as i64 + 1) / BLOCK;
                let total = v.view_rows.unwrap_or(v.table.rows);
                for b in first..=last {
                    if b * BLOCK >= total.max(1) || blocks.contains_key(&b) {
                        continue;
                    }
                    if pending.insert(b) {
                        v.busy_since.get_or_insert_with(Instant::now);
                        session.send(Request::Page {
                            generation: v.generation,
                            req: PageRequest {
                                start: Start::Position(b * BLOCK + 1),
                                ..base.clone()
                            },
                            with_labels: with_labels && b == first,
                        });
                    }
                }
                // Keep the memory of a view bounded: drop blocks far from what is shown.
                if blocks.len() > 64 {
                    blocks.retain(|k, _| (*k - first).abs() <= 16);
                }
            }
            Rows::Sequential {
                rows,
                next,
                pending,
            } => {
                let wanted = v.top.max(0.0) as usize + visible + BLOCK as usize / 2;
                if !*pending
                    && rows.len() < wanted
                    && let Some(start) = next.clone()
                {
                    *pending = true;
                    v.busy_since.get_or_insert_with(Instant::now);
                    session.send(Request::Page {
                        generation: v.generation,
                        req: PageRequest { start, ..base },
                        with_labels,
                    });
                }
            }
        }
    }

    /// Takes in what the threads answered.
    fn poll(&mut self) {
        let lang = self.state.lang();
        let r = &mut self.state.reception;
        if let Some(written) = r.pdf_pending.as_ref().and_then(|rx| rx.try_recv().ok()) {
            r.pdf_pending = None;
            r.pdf_message = Some(match written {
                Ok(path) => Ok(format!(
                    "{} {}",
                    lang.t("Procès-verbal enregistré :", "Report saved:"),
                    path.display()
                )),
                Err((path, e)) => Err(format!(
                    "{} « {} » : {e}. {}",
                    lang.t("Impossible d'écrire", "Cannot write"),
                    path.display(),
                    lang.t(
                        "Choisissez un autre emplacement.",
                        "Choose another location."
                    )
                )),
            });
        }
        if let Some(job) = &self.state.job
            && let Some(outcome) = job.poll()
        {
            self.state.job = None;
            self.finish_job(outcome);
        }
        let replies: Vec<Reply> = match &self.state.session {
            Some(s) => s.replies.try_iter().collect(),
            None => Vec::new(),
        };
        for reply in replies {
            match reply {
                Reply::Opened(Ok(ov)) => {
                    self.state.unlock.busy = false;
                    let path = self.state.session.as_ref().map(|s| s.path.clone());
                    if let Some(s) = &mut self.state.session {
                        s.overview = Some(ov);
                    }
                    // Receptions go to the store in use, unless it is the demonstration.
                    if let Some(p) = &path
                        && *p != self.state.dirs.demo_store()
                    {
                        self.state.reception.store = p.display().to_string();
                    }
                    if self.state.settings.last_store != path {
                        self.state.settings.last_store = path;
                        self.save_settings();
                    }
                    if matches!(self.state.screen, Screen::Unlock | Screen::Welcome) {
                        self.state.screen = Screen::Search;
                        self.state.search.focus = true;
                    }
                    self.state.last_input = Instant::now();
                }
                Reply::Opened(Err(e)) => {
                    if matches!(e, crate::store::StoreError::WrongPassphrase(_))
                        && let Some(s) = &self.state.session
                    {
                        crate::audit::note_failed_unlock(&s.path, &crate::audit::Actor::current());
                    }
                    self.state.session = None;
                    self.state.unlock.busy = false;
                    self.state.unlock.error = Some(widgets::sentence(&e.to_string()));
                    self.state.unlock.focus = true;
                    self.state.screen = Screen::Unlock;
                }
                Reply::Search { generation, result } => {
                    let s = &mut self.state.search;
                    if generation != s.generation {
                        continue;
                    }
                    s.busy = false;
                    match result {
                        Ok((hits, rows)) => {
                            s.hits = hits;
                            s.rows = rows;
                            s.selected = 0;
                            s.error = None;
                            s.answered = Some(s.sent.trim().to_string());
                        }
                        Err(e) => s.error = Some(widgets::sentence(&e.to_string())),
                    }
                }
                Reply::Dossier { generation, result } => {
                    let d = &mut self.state.dossier;
                    if generation != d.generation {
                        continue;
                    }
                    let asked = d.loading.take();
                    match result {
                        Ok(Some(x)) => d.current = Some(x),
                        Ok(None) => {
                            d.error = Some(format!(
                                "{} {} {}.",
                                lang.t("Aucun dossier", "No dossier"),
                                asked.map(|a| format!("{} {}", a.0, a.1)).unwrap_or_default(),
                                lang.t("dans la base", "in the store")
                            ))
                        }
                        Err(e) => d.error = Some(widgets::sentence(&e.to_string())),
                    }
                }
                Reply::Page {
                    generation,
                    start_position,
                    result,
                } => self.take_page(generation, start_position, result),
                Reply::Ordered { generation, result } => {
                    let Some(v) = &mut self.state.tables.view else {
                        continue;
                    };
                    if v.generation != generation {
                        continue;
                    }
                    match result {
                        Ok(n) => {
                            // The rows read one page after the other become the first blocks.
                            let read = match std::mem::replace(
                                &mut v.rows,
                                Rows::Positional {
                                    blocks: HashMap::new(),
                                    pending: HashSet::new(),
                                },
                            ) {
                                Rows::Sequential { rows, .. } => rows,
                                Rows::Positional { .. } => Vec::new(),
                            };
                            if let Rows::Positional { blocks, .. } = &mut v.rows {
                                for (b, chunk) in read.chunks(BLOCK as usize).enumerate() {
                                    if chunk.len() == BLOCK as usize || (b as i64 + 1) * BLOCK >= n {
                                        blocks.insert(b as i64, chunk.to_vec());
                                    }
                                }
                            }
                            v.view_rows = Some(n);
                            v.top = v.top.min((n - 1).max(0) as f64);
                            self.request_rows(crate::ui::tables::visible_rows(&self.ctx));
                        }
                        Err(crate::store::StoreError::Cancelled) => {}
                        Err(e) => v.error = Some(widgets::sentence(&e.to_string())),
                    }
                }
                Reply::PageSkipped {
                    generation,
                    start_position,
                } => {
                    if let Some(v) = &mut self.state.tables.view
                        && v.generation == generation
                        && let Rows::Positional { pending, .. } = &mut v.rows
                    {
                        pending.remove(&((start_position - 1) / BLOCK));
                    }
                }
                Reply::Followed(r) => match r {
                    Ok(Some((t, record))) => {
                        let name = format!("{}.{}", t.application, t.name);
                        self.open_table(&name, Some(record), Vec::new());
                    }
                    Ok(None) => {
                        self.state.notice = Some(
                            lang.t(
                                "La ligne visée par cette référence n'existe pas dans la livraison (référence orpheline).",
                                "The row this reference points to is not in the delivery (orphan reference).",
                            )
                            .into(),
                        )
                    }
                    Err(e) => self.state.notice = Some(widgets::sentence(&e.to_string())),
                },
                Reply::ReferencedBy { generation, result } => {
                    if generation != self.state.tables.ref_generation {
                        continue;
                    }
                    if let Some(v) = &mut self.state.tables.view {
                        match result {
                            Ok(r) => v.referenced_by = Some(r),
                            Err(e) => v.error = Some(widgets::sentence(&e.to_string())),
                        }
                    }
                }
                Reply::Report(r) => match r {
                    Ok(Some(report)) => self.state.deliveries.report = Some(report),
                    Ok(None) => {
                        self.state.deliveries.error = Some(
                            lang.t(
                                "Le procès-verbal de cette livraison n'est pas dans la base.",
                                "This delivery's report is not in the store.",
                            )
                            .into(),
                        )
                    }
                    Err(e) => self.state.deliveries.error = Some(widgets::sentence(&e.to_string())),
                },
                Reply::Journal(r) => {
                    let j = &mut self.state.journal;
                    j.loading = false;
                    match r {
                        Ok((entries, problems)) => {
                            j.entries = entries;
                            if problems.is_some() {
                                j.problems = problems;
                            }
                        }
                        Err(e) => j.error = Some(widgets::sentence(&e.to_string())),
                    }
                }
                Reply::JournalExported(r) => {
                    self.state.journal.export_message = Some(match r {
                        Ok((path, n)) => Ok(format!(
                            "{} {} {}",
                            lang.int(n),
                            lang.t("entrées exportées dans", "entries exported to"),
                            path.display()
                        )),
                        Err(e) => Err(widgets::sentence(&e.to_string())),
                    });
                }
                Reply::Printed(r) => {
                    self.state.dossier.print.message = Some(match r {
                        Ok(p) => Ok(format!(
                            "{} {}",
                            lang.t("Enregistré :", "Saved:"),
                            p.display()
                        )),
                        Err(e) => Err(widgets::sentence(&e)),
                    });
                }
                Reply::FinessLoaded(r) => {
                    self.state.deliveries.finess_running = false;
                    match r {
                        Ok(e) => {
                            self.state.deliveries.finess_message = Some(Ok(format!(
                                "{} {} ({} {}) : {} {}.",
                                lang.t("Extrait FINESS du", "FINESS extract of"),
                                e.date,
                                lang.t("version", "version"),
                                e.version,
                                lang.int(e.structures),
                                lang.t("établissements chargés", "establishments loaded")
                            )));
                            if let Some(ov) =
                                self.state.session.as_mut().and_then(|s| s.overview.as_mut())
                            {
                                ov.finess = Some(e);
                            }
                            // The table thread opens the store again too.
                            self.send(Request::Reopen);
                        }
                        Err(e) => {
                            self.state.deliveries.finess_message =
                                Some(Err(widgets::sentence(&e)))
                        }
                    }
                }
                Reply::Fixity(r) => {
                    let d = &mut self.state.deliveries;
                    d.fixity_running = None;
                    d.fixity = match r {
                        Err(crate::store::StoreError::Cancelled) => None,
                        r => Some(r.map_err(|e| widgets::sentence(&e.to_string()))),
                    };
                }
                Reply::PlainExported(r) => {
                    let d = &mut self.state.deliveries;
                    d.plain_running = false;
                    d.plain_understood = false;
                    d.plain_message = Some(match r {
                        Ok((p, bytes)) => Ok(format!(
                            "{} {} ({} {}). {}",
                            lang.t("Base exportée EN CLAIR :", "Store exported UNENCRYPTED:"),
                            p.display(),
                            lang.int(bytes),
                            lang.t("octets", "bytes"),
                            lang.t(
                                "Protégez ce fichier et supprimez-le dès qu'il a été repris.",
                                "Protect this file and delete it once it has been loaded."
                            )
                        )),
                        Err(e) => Err(widgets::sentence(&e.to_string())),
                    });
                }
                Reply::JournalFailed(e) => {
                    self.state.notice = Some(format!(
                        "{} {}",
                        lang.t(
                            "Le journal des consultations n'a pas pu être écrit :",
                            "The consultation journal could not be written:"
                        ),
                        widgets::sentence(&e.to_string())
                    ));
                }
                Reply::Exported(r) => {
                    if let Some(v) = &mut self.state.tables.view
                        && let Some(e) = &mut v.export
                    {
                        e.result = Some(match r {
                            Ok((path, n, delivery_format)) => Ok(format!(
                                "{} {} {}",
                                lang.int(n),
                                if delivery_format {
                                    lang.t(
                                        "octets écrits au format de livraison dans",
                                        "bytes written in delivery format to",
                                    )
                                } else if n == 1 {
                                    lang.t("ligne exportée dans", "row exported to")
                                } else {
                                    lang.t("lignes exportées dans", "rows exported to")
                                },
                                path.display(),
                            )),
                            Err(crate::store::StoreError::Cancelled) => Err(lang
                                .t(
                                    "Exportation annulée : aucun fichier n'a été écrit.",
                                    "Export cancelled: no file was written.",
                                )
                                .into()),
                            Err(err) => Err(widgets::sentence(&err.to_string())),
                        });
                    }
                }
            }
        }
    }

    fn take_page(
        &mut self,
        generation: u64,
        start_position: Option<i64>,
        result: Result<(crate::browse::Page, Option<worker::CodeLabels>), crate::store::StoreError>,
    ) {
        let Some(v) = &mut self.state.tables.view else {
            return;
        };
        if generation != v.generation {
            return;
        }
        v.busy_since = None;
        let (page, labels) = match result {
            Ok(x) => x,
            Err(crate::store::StoreError::Cancelled) => {
                // Asked again when still needed.
                if let (Rows::Positional { pending, .. }, Some(p)) = (&mut v.rows, start_position) {
                    pending.remove(&((p - 1) / BLOCK));
                }
                return;
            }
            Err(e) => {
                v.error = Some(widgets::sentence(&e.to_string()));
                if let Rows::Sequential { pending, next, .. } = &mut v.rows {
                    *pending = false;
                    *next = None;
                }
                return;
            }
        };
        if v.columns.is_empty() {
            v.filter_text = vec![String::new(); page.columns.len()];
            for f in &v.filters {
                let (Filter::Equals(c, t) | Filter::Contains(c, t)) = f else {
                    continue;
                };
                if let Some(i) = page.columns.iter().position(|k| &k.name == c) {
                    v.filter_text[i] = match f {
                        Filter::Equals(..) => format!("={t}"),
                        _ => t.clone(),
                    };
                }
            }
            v.columns = page.columns.clone();
        }
        if let Some(l) = labels {
            v.labels = l;
        }
        match &mut v.rows {
            Rows::Positional { blocks, pending } => {
                let b = (start_position.unwrap_or(1) - 1) / BLOCK;
                pending.remove(&b);
                blocks.insert(b, page.rows);
            }
            Rows::Sequential {
                rows,
                next,
                pending,
            } => {
                *pending = false;
                rows.extend(page.rows);
                *next = page.next;
            }
        }
    }

    fn finish_job(&mut self, outcome: jobs::Outcome) {
        let lang = self.state.lang();
        let f = &mut self.state.reception;
        match outcome {
            jobs::Outcome::Checked(report) => {
                if let Some(s) = &self.state.session {
                    s.send(Request::Record {
                        action: crate::audit::Action::Verify,
                        person: String::new(),
                        dossier: String::new(),
                        detail: format!(
                            "livraison {} : {}",
                            report.delivery.name,
                            report.verdict.label()
                        ),
                    });
                }
                f.report = Some(report);
            }
            jobs::Outcome::Imported {
                report,
                store,
                replaced,
            } => {
                f.report = Some(report);
                f.imported = Some(store.clone());
                f.replaced = replaced;
                f.passphrase.zeroize();
                f.store_passphrase_again.zeroize();
                let pass = SecretString::from(std::mem::take(&mut f.store_passphrase));
                // Consultation goes on the new store at once.
                self.forget_data_keep_reception();
                let screen = self.state.screen;
                self.open_session(&store, pass);
                self.state.screen = screen;
            }
            jobs::Outcome::NeedsConfirmation {
                application,
                previous,
            } => f.confirm_replace = Some((application, previous)),
            jobs::Outcome::DemoReady { store } => {
                self.open_session(&store, SecretString::from(DEMO_PASSPHRASE.to_string()));
            }
            jobs::Outcome::Cancelled => f.cancelled = true,
            jobs::Outcome::Failed(e) => {
                let msg = widgets::sentence(&e);
                if self.state.screen == Screen::Welcome {
                    self.state.notice = Some(format!(
                        "{} {msg}",
                        lang.t(
                            "La démonstration n'a pas pu être installée :",
                            "The demonstration could not be installed:"
                        )
                    ));
                } else {
                    f.error = Some(msg);
                }
            }
        }
    }

    fn forget_data_keep_reception(&mut self) {
        let report = self.state.reception.report.take();
        self.forget_data();
        self.state.reception.report = report;
    }

    /// Keys that work on every screen.
    fn global_keys(&mut self, ctx: &egui::Context) {
        if self.state.unlocked()
            && ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::F))
        {
            self.apply(Intent::Go(Screen::Search));
        }
    }

    /// Locks the window after the idle delay.
    fn idle_check(&mut self, ctx: &egui::Context) {
        let active = ctx.input(|i| !i.events.is_empty() || i.pointer.is_moving());
        if active {
            self.state.last_input = Instant::now();
        }
        if self.state.session.is_some() {
            let limit = Duration::from_secs(u64::from(self.state.settings.idle_minutes) * 60);
            let idle = self.state.last_input.elapsed();
            if idle >= limit && self.state.job.is_none() {
                let minutes = self.state.settings.idle_minutes;
                self.apply(Intent::Lock);
                self.state.notice = Some(format!(
                    "{} {minutes} {}",
                    self.state.lang().t(
                        "Fenêtre verrouillée après",
                        "Window locked after"
                    ),
                    self.state.lang().t(
                        "minutes sans activité : saisissez la phrase de passe de la base pour reprendre.",
                        "idle minutes: type the store passphrase to go on."
                    )
                ));
            } else {
                ctx.request_repaint_after(limit.saturating_sub(idle).max(Duration::from_secs(1)));
            }
        }
    }

    fn debounce_search(&mut self, ctx: &egui::Context) {
        if let Some(t) = self.state.search.edited_at {
            let waited = t.elapsed();
            if waited >= SEARCH_DEBOUNCE {
                if self.state.search.text != self.state.search.sent {
                    self.apply(Intent::Search);
                } else {
                    self.state.search.edited_at = None;
                }
            } else {
                ctx.request_repaint_after(SEARCH_DEBOUNCE - waited);
            }
        }
    }

    fn top_bar(&mut self, ui: &mut egui::Ui, intents: &mut Vec<Intent>) {
        let lang = self.state.lang();
        let unlocked = self.state.unlocked();
        egui::Panel::top("navigation").show(ui, |ui| {
            ui.add_space(4.0);
            ui.horizontal_wrapped(|ui| {
                ui.label(egui::RichText::new("Reprise").strong().size(18.0));
                ui.separator();
                // The screens on offer: the store's once it is open, home before.
                let mut screens: Vec<(Screen, &str, &str)> = Vec::new();
                if unlocked {
                    screens.extend([
                        (
                            Screen::Search,
                            lang.t("Recherche", "Search"),
                            lang.t("Retrouver une personne (Ctrl+F)", "Find a person (Ctrl+F)"),
                        ),
                        (
                            Screen::Tables,
                            lang.t("Tables", "Tables"),
                            lang.t(
                                "Parcourir toutes les tables livrées",
                                "Browse every delivered table",
                            ),
                        ),
                        (
                            Screen::Journal,
                            lang.t("Journal", "Journal"),
                            lang.t(
                                "Journal des consultations : qui a vu quoi, quand",
                                "Consultation journal: who saw what, when",
                            ),
                        ),
                        (
                            Screen::Deliveries,
                            lang.t("Livraisons", "Deliveries"),
                            lang.t(
                                "Les livraisons de la base et leurs délais",
                                "The store's deliveries and their deadlines",
                            ),
                        ),
                    ]);
                } else {
                    screens.push((
                        Screen::Welcome,
                        lang.t("Accueil", "Home"),
                        lang.t("Retour à l'accueil", "Back to the start"),
                    ));
                }
                screens.extend([
                    (
                        Screen::Reception,
                        lang.t("Réceptionner…", "Receive…"),
                        lang.t(
                            "Vérifier et importer une livraison",
                            "Check and import a delivery",
                        ),
                    ),
                    (
                        Screen::Settings,
                        lang.t("Réglages", "Settings"),
                        lang.t(
                            "Langue, thème, taille du texte, verrouillage",
                            "Language, theme, text size, lock",
                        ),
                    ),
                ]);
                for (screen, text, hint) in screens {
                    let selected = self.state.screen == screen
                        || (screen == Screen::Search && self.state.screen == Screen::Dossier);
                    if ui
                        .selectable_label(selected, text)
                        .on_hover_text(hint)
                        .clicked()
                    {
                        intents.push(Intent::Go(screen));
                    }
                }
                if unlocked {
                    ui.separator();
                    if ui
                        .button(lang.t("Verrouiller", "Lock"))
                        .on_hover_text(lang.t(
                            "Masque les données et redemande la phrase de passe",
                            "Hides the data and asks for the passphrase again",
                        ))
                        .clicked()
                    {
                        intents.push(Intent::Lock);
                    }
                    if let Some(s) = &self.state.session {
                        ui.label(
                            egui::RichText::new(format!(
                                "{} {}",
                                lang.t("Base :", "Store:"),
                                s.path
                                    .file_name()
                                    .map(|n| n.to_string_lossy())
                                    .unwrap_or_default()
                            ))
                            .weak(),
                        )
                        .on_hover_text(s.path.display().to_string());
                    }
                }
            });
            ui.add_space(2.0);
        });
    }
}

/// The browser filters from the fields typed under each column: `=x` equals, `a..b` a range,
/// anything else "contains".
fn filters_of(columns: &[crate::store::StoredColumn], texts: &[String]) -> Vec<Filter> {
    let mut out = Vec::new();
    for (c, t) in columns.iter().zip(texts) {
        let t = t.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(eq) = t.strip_prefix('=') {
            out.push(Filter::Equals(c.name.clone(), eq.trim().to_string()));
        } else if let Some((a, b)) = t.split_once("..") {
            let bound = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
            out.push(Filter::Range(c.name.clone(), bound(a), bound(b)));
        } else {
            out.push(Filter::Contains(c.name.clone(), t.to_string()));
        }
    }
    out
}

impl RepriseApp {
    fn record_frame(&mut self, frame: &eframe::Frame) {
        let tables = self.state.screen == Screen::Tables;
        let Some(stats) = &mut self.frame_stats else {
            return;
        };
        stats.pass_start = Some(std::time::Instant::now());
        let pass = stats.last_pass_ms.take();
        let (Some(total), Some(pass), true) = (frame.info().cpu_usage, pass, tables) else {
            return;
        };
        stats.times.push((total * 1000.0, pass));
        if stats.times.len().is_multiple_of(100) {
            // Summed up on another thread, so that the measure does not weigh on the frames.
            let (path, times) = (stats.path.clone(), stats.times.clone());
            std::thread::spawn(move || {
                let _ = std::fs::write(path, frame_summary(&times));
            });
        }
    }

    fn end_frame(&mut self) {
        if let Some(stats) = &mut self.frame_stats {
            stats.last_pass_ms = stats
                .pass_start
                .take()
                .map(|t| t.elapsed().as_secs_f32() * 1000.0);
        }
    }
}

/// One line per measure: p50, p99 and max of the whole frames and of the interface passes, and
/// the frames over 16 ms (number: whole/interface).
fn frame_summary(times: &[(f32, f32)]) -> String {
    let over: Vec<String> = times
        .iter()
        .enumerate()
        .filter(|(_, t)| t.0 > 16.0)
        .map(|(i, t)| format!("#{i}:{:.0}/{:.0}", t.0, t.1))
        .collect();
    let stats = |mut v: Vec<f32>| {
        v.sort_by(f32::total_cmp);
        let at = |p: f64| v[((v.len() as f64 * p) as usize).min(v.len() - 1)];
        format!(
            "p50 {:.2} ms p99 {:.2} ms max {:.2} ms",
            at(0.5),
            at(0.99),
            v[v.len() - 1]
        )
    };
    format!(
        "frames {}: whole {}; interface {}; over 16 ms: {} ({})\n",
        times.len(),
        stats(times.iter().map(|t| t.0).collect()),
        stats(times.iter().map(|t| t.1).collect()),
        over.len(),
        over.join(" ")
    )
}

impl eframe::App for RepriseApp {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        self.record_frame(frame);
        let ctx = ui.ctx().clone();
        // A screen reader names the window as its title bar does.
        ctx.accesskit_node_builder(egui::accesskit_root_id(), |n| n.set_label(WINDOW_TITLE));
        self.poll();
        self.global_keys(&ctx);
        self.idle_check(&ctx);
        self.debounce_search(&ctx);
        let mut intents = Vec::new();
        self.top_bar(ui, &mut intents);
        if let Some(notice) = self.state.notice.clone() {
            egui::Panel::top("notice").show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    widgets::warning_text(ui, &notice);
                    if ui.button(self.state.lang().t("Fermer", "Close")).clicked() {
                        intents.push(Intent::DismissNotice);
                    }
                });
            });
        }
        if let Some(job) = &self.state.job {
            let lang = self.state.lang();
            let progress = job.progress.lock().expect("lock").clone();
            let title = job.title.clone();
            egui::Panel::bottom("job").show(ui, |ui| {
                widgets::job_progress(ui, lang, &title, &progress, &mut intents);
            });
        }
        egui::CentralPanel::default().show(ui, |ui| {
            let state = &mut self.state;
            match state.screen {
                Screen::Welcome => welcome::show(ui, state, &mut intents),
                Screen::Unlock => unlock::show(ui, state, &mut intents),
                Screen::Reception => reception::show(ui, state, &mut intents),
                Screen::Search => search::show(ui, state, &mut intents),
                Screen::Dossier => dossier::show(ui, state, &mut intents),
                Screen::Tables => tables::show(ui, state, &mut intents),
                Screen::Deliveries => deliveries::show(ui, state, &mut intents),
                Screen::Journal => journal::show(ui, state, &mut intents),
                Screen::Settings => settings_screen::show(ui, state, &mut intents),
            }
        });
        for i in intents {
            self.apply(i);
        }
        if self.state.screen == Screen::Tables {
            let visible = tables::visible_rows(&self.ctx);
            self.request_rows(visible);
        }
        self.end_frame();
    }
}

/// Opens the main window; returns when it is closed.
pub fn run() -> ExitCode {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(WINDOW_TITLE)
            .with_inner_size([1200.0, 800.0])
            .with_min_inner_size([720.0, 500.0])
            .with_drag_and_drop(true),
        // The screens are flat colours: dithering, made for gradients, would only cost time in
        // every pixel (without a graphics card, the pixels are drawn by the processor).
        dithering: false,
        ..Default::default()
    };
    match eframe::run_native(
        WINDOW_TITLE,
        options,
        Box::new(|cc| Ok(Box::new(RepriseApp::new(cc)))),
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "reprise : impossible d'ouvrir la fenêtre ({e}). Sans écran, utilisez les sous-commandes : reprise --help"
            );
            ExitCode::from(1)
        }
    }
}
