//! Long work started from the interface: checking a delivery, importing it, installing the
//! demonstration. Each runs on its own thread, publishes its progress, and stops when asked
//! (the store is then left as it was: `store::import` is all or nothing).

use crate::delivery::{Delivery, DeliveryError, Secret};
use crate::profile::Profile;
use crate::reception::report::ReceptionReport;
use crate::reception::{self, NoLoader, Progress, ReceiveOptions};
use crate::store::{self, ImportError, ImportOptions, StoreError};
use age::secrecy::SecretString;
use chrono::NaiveDate;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Passphrase of the bundled demonstration deliveries and of the demonstration store.
pub const DEMO_PASSPHRASE: &str = "demo-reprise-2008";

/// The demonstration deliveries, bundled in the binary (encrypted, as delivered).
const DEMO_DELIVERIES: [(&str, &[u8]); 2] = [
    (
        "REPRISE_ITAC_059_20081015.tar.age",
        include_bytes!("../../sample-data/REPRISE_ITAC_059_20081015.tar.age"),
    ),
    (
        "REPRISE_OPALES_059_20081105.tar.age",
        include_bytes!("../../sample-data/REPRISE_OPALES_059_20081105.tar.age"),
    ),
];

/// What a reception needs.
pub struct ReceptionParams {
    pub delivery: PathBuf,
    pub secret: Option<Secret>,
    pub received_on: NaiveDate,
    pub profiles: Vec<Profile>,
    /// None: check only.
    pub store: Option<(PathBuf, SecretString)>,
    pub replace: bool,
}

/// How a job ended.
pub enum Outcome {
    Checked(ReceptionReport),
    Imported {
        report: ReceptionReport,
        store: PathBuf,
        replaced: Option<String>,
    },
    /// The store already holds a delivery of this application: ask before replacing it.
    NeedsConfirmation {
        application: String,
        previous: String,
    },
    DemoReady {
        store: PathBuf,
    },
    Cancelled,
    Failed(String),
}

/// A job running.
pub struct Job {
    pub title: String,
    pub progress: Arc<Mutex<Progress>>,
    pub cancel: Arc<AtomicBool>,
    pub started: Instant,
    done: Receiver<Outcome>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Job {
    /// A job dropped before its end (the window closes) is cancelled and waited for: the store
    /// stays as it was and no temporary file is left.
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            self.cancel.store(true, Ordering::SeqCst);
            let _ = t.join();
        }
    }
}

impl Job {
    fn spawn(
        title: String,
        wake: Arc<dyn Fn() + Send + Sync>,
        work: impl FnOnce(&AtomicBool, &mut (dyn FnMut(&Progress) + Send)) -> Outcome + Send + 'static,
    ) -> Job {
        let progress = Arc::new(Mutex::new(Progress::default()));
        let cancel = Arc::new(AtomicBool::new(false));
        let (tx, done) = channel();
        let (p, c) = (progress.clone(), cancel.clone());
        let thread = std::thread::Builder::new()
            .name("reprise-reception".into())
            .spawn(move || {
                let mut last = Instant::now();
                let mut report = |pr: &Progress| {
                    *p.lock().expect("lock") = pr.clone();
                    if last.elapsed().as_millis() >= 50 {
                        last = Instant::now();
                        wake();
                    }
                };
                let outcome = work(&c, &mut report);
                let _ = tx.send(outcome);
                wake();
            })
            .expect("thread");
        Job {
            title,
            progress,
            cancel,
            started: Instant::now(),
            done,
            thread: Some(thread),
        }
    }

    /// The outcome, once the job ended.
    pub fn poll(&self) -> Option<Outcome> {
        self.done.try_recv().ok()
    }

    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::SeqCst);
    }

    /// Checks, or checks and imports, a delivery.
    pub fn reception(p: ReceptionParams, wake: Arc<dyn Fn() + Send + Sync>) -> Job {
        let title = p
            .delivery
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Job::spawn(title, wake, move |cancel, progress| {
            run_reception(p, cancel, progress)
        })
    }

    /// Installs the demonstration: the bundled deliveries imported into the demonstration store.
    pub fn demo(store: PathBuf, profiles: Vec<Profile>, wake: Arc<dyn Fn() + Send + Sync>) -> Job {
        Job::spawn(
            "démonstration".into(),
            wake,
            move |cancel, progress| match install_demo(&store, &profiles, cancel, progress) {
                Ok(()) => Outcome::DemoReady { store },
                Err(e) if is_cancel(&e) => Outcome::Cancelled,
                Err(e) => Outcome::Failed(e.to_string()),
            },
        )
    }
}

fn is_receive_cancel(e: &reception::ReceiveError) -> bool {
    matches!(
        e,
        reception::ReceiveError::Delivery(DeliveryError::Cancelled)
            | reception::ReceiveError::Load(reception::LoadError::Cancelled)
    )
}

fn is_cancel(e: &ImportError) -> bool {
    match e {
        ImportError::Receive(r) => is_receive_cancel(r),
        ImportError::Store(s) => matches!(s, StoreError::Cancelled),
    }
}

fn run_reception(
    p: ReceptionParams,
    cancel: &AtomicBool,
    progress: &mut (dyn FnMut(&Progress) + Send),
) -> Outcome {
    let delivery = match Delivery::open(&p.delivery) {
        Ok(d) => d,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    let receive = ReceiveOptions {
        secret: p.secret.as_ref(),
        received_on: p.received_on,
        profiles: &p.profiles,
        cancel,
        progress,
    };
    match p.store {
        None => match reception::receive(&delivery, receive, &mut NoLoader) {
            Ok(r) => Outcome::Checked(r),
            Err(e) if is_receive_cancel(&e) => Outcome::Cancelled,
            Err(e) => Outcome::Failed(e.to_string()),
        },
        Some((store, pass)) => match store::import(
            &delivery,
            ImportOptions {
                store: &store,
                store_passphrase: &pass,
                replace: p.replace,
                receive,
            },
        ) {
            Ok(o) => {
                let entry = crate::audit::record_import(&store, &pass, &o);
                if let Err(e) = entry {
                    tracing::warn!("importation non inscrite au journal : {e}");
                }
                Outcome::Imported {
                    report: o.report,
                    store,
                    replaced: o.replaced,
                }
            }
            Err(ImportError::Store(StoreError::NeedsConfirmation {
                application,
                previous,
            })) => Outcome::NeedsConfirmation {
                application,
                previous,
            },
            Err(e) if is_cancel(&e) => Outcome::Cancelled,
            Err(e) => Outcome::Failed(e.to_string()),
        },
    }
}

fn install_demo(
    store: &Path,
    profiles: &[Profile],
    cancel: &AtomicBool,
    progress: &mut (dyn FnMut(&Progress) + Send),
) -> Result<(), ImportError> {
    let dir = store.parent().unwrap_or(Path::new("."));
    let write = |e: std::io::Error| StoreError::Write {
        path: dir.to_path_buf(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(write)?;
    let pass = SecretString::from(DEMO_PASSPHRASE.to_string());
    for (name, bytes) in DEMO_DELIVERIES {
        let path = dir.join(name);
        if std::fs::read(&path).ok().as_deref() != Some(bytes) {
            std::fs::write(&path, bytes).map_err(write)?;
        }
        let delivery = Delivery::open(&path).map_err(reception::ReceiveError::from)?;
        let secret = Secret::Passphrase(pass.clone());
        let outcome = store::import(
            &delivery,
            ImportOptions {
                store,
                store_passphrase: &pass,
                replace: true,
                receive: ReceiveOptions {
                    secret: Some(&secret),
                    received_on: chrono::Local::now().date_naive(),
                    profiles,
                    cancel,
                    progress: &mut *progress,
                },
            },
        )?;
        crate::audit::record_import(store, &pass, &outcome)?;
    }
    Ok(())
}
