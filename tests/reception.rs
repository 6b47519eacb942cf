//! The reception check on generated deliveries: every anomaly the reader finds is a defect the
//! generator injected, and every injected defect is found.

mod common;

use reprise::delivery::{Delivery, Secret};
use reprise::profile::Profile;
use reprise::reception::anomaly::Anomaly;
use reprise::reception::value::Value;
use reprise::reception::{self, FileInfo, LoadError, Loader, ReceiveOptions, TableInfo};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::AtomicBool;

#[derive(Default)]
struct Collect {
    anomalies: Vec<Anomaly>,
    rows: u64,
    /// As a store keeps values (the reception reads and checks on one thread), or not (as
    /// `reprise verify`: the checks run on a second thread).
    keeps: bool,
}

impl Loader for Collect {
    fn begin_table(&mut self, _: usize, _: &TableInfo) -> Result<(), LoadError> {
        Ok(())
    }
    fn row(
        &mut self,
        _: usize,
        _: u64,
        _: u64,
        _: &mut Vec<Value>,
        _: Option<&[u8]>,
    ) -> Result<(), LoadError> {
        self.rows += 1;
        Ok(())
    }
    fn end_table(&mut self, _: usize, _: u64, _: &[bool]) -> Result<(), LoadError> {
        Ok(())
    }
    fn file(&mut self, _: &FileInfo) -> Result<(), LoadError> {
        Ok(())
    }
    fn anomaly(&mut self, a: &Anomaly) -> Result<(), LoadError> {
        self.anomalies.push(a.clone());
        Ok(())
    }
    fn keeps_values(&self) -> bool {
        self.keeps
    }
}

/// Kinds both sides name the same way.
const SHARED_KINDS: [&str; 8] = [
    "impossible_date",
    "unknown_code",
    "orphan_reference",
    "wrong_nir_key",
    "wrong_finess_key",
    "wrong_uai_key",
    "overlong_value",
    "control_character",
];

type Key = (String, u64, String, String);

fn injected(defects: &Path) -> BTreeSet<Key> {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(defects).unwrap()).unwrap();
    v["defects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| SHARED_KINDS.contains(&d["kind"].as_str().unwrap()))
        .map(|d| {
            (
                d["table"].as_str().unwrap().to_string(),
                d["record"].as_u64().unwrap(),
                d["column"].as_str().unwrap().to_string(),
                d["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Receives a delivery the way an import does (one thread reads and checks) and the way
/// `verify` does (checks on a second thread); both must find the same anomalies, in the same
/// order, and read the same rows.
fn receive(
    path: &Path,
    secret: fn() -> Option<Secret>,
) -> (reprise::reception::report::ReceptionReport, Collect) {
    let (report, kept) = receive_as(path, secret(), true);
    let (checked_report, checked) = receive_as(path, secret(), false);
    assert_eq!(kept.rows, checked.rows);
    assert_eq!(
        format!("{:?}", kept.anomalies),
        format!("{:?}", checked.anomalies)
    );
    assert_eq!(
        serde_json::to_value(&report.files).unwrap(),
        serde_json::to_value(&checked_report.files).unwrap()
    );
    assert_eq!(report.conforme(), checked_report.conforme());
    (report, kept)
}

fn receive_as(
    path: &Path,
    secret: Option<Secret>,
    keeps: bool,
) -> (reprise::reception::report::ReceptionReport, Collect) {
    let cancel = AtomicBool::new(false);
    let (report, collect) = receive_with(path, secret, keeps, &cancel, &mut |_| {});
    (report.unwrap(), collect)
}

fn receive_with(
    path: &Path,
    secret: Option<Secret>,
    keeps: bool,
    cancel: &AtomicBool,
    progress: &mut (dyn FnMut(&reception::Progress) + Send),
) -> (
    Result<reprise::reception::report::ReceptionReport, reception::ReceiveError>,
    Collect,
) {
    let delivery = Delivery::open(path).unwrap();
    let profiles = Profile::embedded();
    let mut collect = Collect {
        keeps,
        ..Collect::default()
    };
    let report = reception::receive(
        &delivery,
        ReceiveOptions {
            secret: secret.as_ref(),
            received_on: chrono::NaiveDate::from_ymd_opt(2008, 10, 20).unwrap(),
            profiles: &profiles,
            cancel,
            progress,
        },
        &mut collect,
    );
    (report, collect)
}

fn found(c: &Collect) -> BTreeSet<Key> {
    c.anomalies
        .iter()
        .filter(|a| SHARED_KINDS.contains(&a.kind.code()))
        .map(|a| {
            (
                a.table.clone().unwrap_or_default(),
                a.record,
                a.column.clone().unwrap_or_default(),
                a.kind.code().to_string(),
            )
        })
        .collect()
}

fn assert_only_data_defects(c: &Collect) {
    let other: Vec<_> = c
        .anomalies
        .iter()
        .filter(|a| !SHARED_KINDS.contains(&a.kind.code()))
        .take(10)
        .collect();
    assert!(other.is_empty(), "unexpected anomalies: {other:#?}");
}

fn assert_same(found: &BTreeSet<Key>, injected: &BTreeSet<Key>) {
    let missing: Vec<_> = injected.difference(found).take(20).collect();
    let extra: Vec<_> = found.difference(injected).take(20).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "injected but not found: {missing:#?}\nfound but not injected: {extra:#?}"
    );
}

fn demo_secret() -> Option<Secret> {
    Some(Secret::Passphrase("demo-reprise-2008".to_string().into()))
}

#[test]
fn committed_itac_sample_is_conforme_and_every_defect_is_found() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let (report, c) = receive(&dir.join("REPRISE_ITAC_059_20081015.tar.age"), demo_secret);
    assert!(report.conforme(), "{:#?}", report.reasons);
    assert_eq!(report.files.len(), 20);
    assert!(report.files.iter().all(|f| f.ok));
    assert_only_data_defects(&c);
    assert_same(
        &found(&c),
        &injected(&dir.join("REPRISE_ITAC_059_20081015.defects.json")),
    );
}

#[test]
fn committed_opales_sample_is_conforme_and_every_defect_is_found() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let (report, c) = receive(
        &dir.join("REPRISE_OPALES_059_20081105.tar.age"),
        demo_secret,
    );
    assert!(report.conforme(), "{:#?}", report.reasons);
    assert_only_data_defects(&c);
    assert_same(
        &found(&c),
        &injected(&dir.join("REPRISE_OPALES_059_20081105.defects.json")),
    );
}

/// A delivery's report does not depend on its form. A folder's files are read in the order
/// CONTROLE.TXT lists them, the order the archive holds them in (in alphabetical order, a table
/// came before the tables it refers to): the anomalies come in the same order, and the report
/// shows the same examples of each.
#[test]
fn a_folder_and_an_archive_of_one_delivery_give_the_same_report() {
    let dir = common::tempdir();
    let folder = common::sample_plain("OPALES", 2000, 3, &dir.path().join("plain"));
    let pass = dir.path().join("pass");
    std::fs::write(&pass, "une phrase de passe assez longue\n").unwrap();
    let tar_dir = dir.path().join("tar");
    common::sample(
        "OPALES",
        2000,
        3,
        &tar_dir,
        "tar",
        &[
            "--passphrase-file",
            pass.to_str().unwrap(),
            "--work-factor",
            "4",
        ],
    );
    let tar = tar_dir.join(format!("{}.tar.age", common::delivery_name("OPALES")));
    let secret = || {
        Some(Secret::Passphrase(
            "une phrase de passe assez longue".to_string().into(),
        ))
    };
    let comparable = |r: &reprise::reception::report::ReceptionReport| {
        let mut v = serde_json::to_value(r).unwrap();
        let o = v.as_object_mut().unwrap();
        o.remove("checked_at");
        o.remove("delivery");
        // A plain folder is said to have come unencrypted.
        o.remove("warnings");
        v
    };
    let (from_folder, in_folder) = receive_as(&folder, None, false);
    let (from_tar, in_tar) = receive_as(&tar, secret(), false);
    assert!(!in_tar.anomalies.is_empty());
    assert_eq!(
        format!("{:?}", in_folder.anomalies),
        format!("{:?}", in_tar.anomalies)
    );
    let (folder, tar) = (comparable(&from_folder), comparable(&from_tar));
    for (key, value) in folder.as_object().unwrap() {
        assert_eq!(Some(value), tar.get(key), "{key}");
    }
    assert_eq!(
        from_folder.warnings,
        ["livraison reçue en clair : elle n'a pas été lue chiffrée"]
    );
}

/// A check cancelled while it reads stops with the cancellation, whichever thread sees it.
#[test]
fn a_cancelled_check_stops_on_both_paths() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-data")
        .join("REPRISE_ITAC_059_20081015.tar.age");
    for keeps in [true, false] {
        let cancel = AtomicBool::new(false);
        let mut files = 0;
        let (r, _) = receive_with(&path, demo_secret(), keeps, &cancel, &mut |p| {
            files = files.max(p.files_done);
            // Mid-file when a file is long enough to report within it.
            if p.files_done >= 3 || p.records > 0 {
                cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        });
        assert!(
            matches!(
                r,
                Err(reception::ReceiveError::Load(LoadError::Cancelled)
                    | reception::ReceiveError::Delivery(
                        reprise::delivery::DeliveryError::Cancelled
                    ))
            ),
            "keeps={keeps}: {:?}",
            r.map(|r| r.conforme())
        );
        assert!(files >= 1);
    }
}
