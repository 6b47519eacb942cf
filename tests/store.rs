//! Import into the encrypted store, consultation read-only, exports, replacement, and what an
//! import must never do: half-write, leave a stray file, or let two imports collide.

use reprise::delivery::{Delivery, Secret};
use reprise::profile::Profile;
use reprise::reception::ReceiveOptions;
use reprise::store::{self, ImportOptions, Store, StoreError};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};

const STORE_PASS: &str = "phrase-de-passe-de-test";

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_reprise")
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-data")
        .join(name)
}

const ITAC: &str = "REPRISE_ITAC_059_20081015.tar.age";
const OPALES: &str = "REPRISE_OPALES_059_20081105.tar.age";

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("demo-pass"), "demo-reprise-2008\n").unwrap();
        fs::write(dir.path().join("store-pass"), format!("{STORE_PASS}\n")).unwrap();
        Env { dir }
    }

    fn store(&self) -> PathBuf {
        self.dir.path().join("base").join("reprise.db")
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(bin())
            .args(args)
            .env_remove("REPRISE_PASSPHRASE")
            .env_remove("REPRISE_STORE_PASSPHRASE")
            .output()
            .unwrap()
    }

    fn import(&self, delivery: &str, extra: &[&str]) -> Output {
        let d = sample(delivery);
        let store = self.store();
        let pass = self.dir.path().join("demo-pass");
        let sp = self.dir.path().join("store-pass");
        let mut args = vec![
            "import",
            d.to_str().unwrap(),
            "--store",
            store.to_str().unwrap(),
            "--passphrase-file",
            pass.to_str().unwrap(),
            "--store-passphrase-file",
            sp.to_str().unwrap(),
            "--received-on",
            "20/11/2008",
        ];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    fn open(&self) -> Store {
        Store::open(&self.store(), &STORE_PASS.to_string().into()).unwrap()
    }

    fn files_in_store_dir(&self) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(self.store().parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

fn digest(p: &Path) -> String {
    hex::encode(<sha2::Sha256 as sha2::Digest>::digest(fs::read(p).unwrap()))
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn show(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Every table's delivered file, re-created from the store, has the SHA-256 of CONTROLE.TXT.
fn assert_exports_identical(env: &Env, delivery: &str) {
    let verify = env.run(&[
        "verify",
        sample(delivery).to_str().unwrap(),
        "--passphrase-file",
        env.dir.path().join("demo-pass").to_str().unwrap(),
        "--json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&verify.stdout).unwrap();
    let store = env.open();
    let app = report["delivery"]["application"].as_str().unwrap();
    let mut checked = 0;
    for t in store
        .tables()
        .unwrap()
        .into_iter()
        .filter(|t| t.application == app)
    {
        let mut out = Vec::new();
        reprise::export::export_delivery(&store, &t, &mut out).unwrap();
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&out));
        let expected = report["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == t.file.as_str())
            .unwrap_or_else(|| panic!("{} not in the report", t.file));
        assert_eq!(
            sha,
            expected["sha256_expected"].as_str().unwrap(),
            "{} re-created differently",
            t.file
        );
        checked += 1;
    }
    assert!(checked >= 17, "{checked} tables checked");
}

#[test]
fn import_both_applications_then_export_byte_for_byte() {
    let env = Env::new();
    let out = env.import(
        ITAC,
        &["--report", env.dir.path().join("pv.json").to_str().unwrap()],
    );
    assert_eq!(code(&out), 0, "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Base créée"));
    let report: serde_json::Value =
        serde_json::from_slice(&fs::read(env.dir.path().join("pv.json")).unwrap()).unwrap();
    assert_eq!(report["verdict"], "CONFORME");
    assert_eq!(report["deadline"], "2008-12-11");
    let out = env.import(OPALES, &[]);
    assert_eq!(code(&out), 0, "{}", show(&out));
    let store = env.open();
    let tables = store.tables().unwrap();
    assert!(
        tables
            .iter()
            .any(|t| t.application == "ITAC" && t.name == "ITAC_DOSSIER" && t.rows > 1900)
    );
    assert!(
        tables
            .iter()
            .any(|t| t.application == "OPALES" && t.name == "OP_ENFANT" && t.rows > 1900)
    );
    assert_eq!(store.deliveries().unwrap().len(), 2);
    drop(store);
    assert_exports_identical(&env, ITAC);
    assert_exports_identical(&env, OPALES);
    // `reprise tables` lists them with their counts.
    let sp = env.dir.path().join("store-pass");
    let out = env.run(&[
        "tables",
        "--store",
        env.store().to_str().unwrap(),
        "--store-passphrase-file",
        sp.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code(&out), 0, "{}", show(&out));
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), tables.len());
    assert_eq!(
        env.files_in_store_dir(),
        vec!["reprise.db", "reprise.db.consultations"]
    );
}

#[test]
fn csv_export_is_utf8_with_every_row() {
    let env = Env::new();
    assert_eq!(code(&env.import(ITAC, &[])), 0);
    let sp = env.dir.path().join("store-pass");
    let csv = env.dir.path().join("dossiers.csv");
    let out = env.run(&[
        "export",
        "--store",
        env.store().to_str().unwrap(),
        "--store-passphrase-file",
        sp.to_str().unwrap(),
        "--table",
        "ITAC_DOSSIER",
        "--format",
        "csv",
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", show(&out));
    let text = fs::read_to_string(&csv).expect("UTF-8");
    assert!(text.starts_with('\u{feff}'), "a byte order mark for Excel");
    let text = text.trim_start_matches('\u{feff}').to_string();
    let rows = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes())
        .records()
        .count();
    let store = env.open();
    assert_eq!(rows as i64, store.table("ITAC_DOSSIER").unwrap().rows);
    assert!(text.contains('É') || text.contains('È'), "accents survive");
}

#[test]
fn consultation_is_read_only() {
    let env = Env::new();
    assert_eq!(code(&env.import(ITAC, &[])), 0);
    let store = env.open();
    let err = store
        .connection()
        .execute("DELETE FROM \"ITAC__ITAC_DOSSIER\"", []);
    assert!(err.is_err(), "a consultation connection must not write");
    let wrong = Store::open(&env.store(), &"pas la bonne".to_string().into());
    assert!(matches!(wrong, Err(StoreError::WrongPassphrase(_))));
}

#[test]
fn replacement_needs_confirmation_and_keeps_history() {
    let env = Env::new();
    assert_eq!(code(&env.import(ITAC, &[])), 0);
    let before = digest(&env.store());
    let out = env.import(ITAC, &[]);
    assert_eq!(code(&out), 2, "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--yes"),
        "{}",
        show(&out)
    );
    assert_eq!(
        digest(&env.store()),
        before,
        "store untouched without confirmation"
    );
    let out = env.import(ITAC, &["--yes"]);
    assert_eq!(code(&out), 0, "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("livraison remplacée"));
    let store = env.open();
    let d = store.deliveries().unwrap();
    assert_eq!(d.len(), 2);
    assert_eq!(d.iter().filter(|x| x.active).count(), 1);
    assert_eq!(
        store
            .tables()
            .unwrap()
            .iter()
            .filter(|t| t.name == "ITAC_DOSSIER")
            .count(),
        1
    );
    drop(store);
    assert_exports_identical(&env, ITAC);
    assert_eq!(
        env.files_in_store_dir(),
        vec!["reprise.db", "reprise.db.consultations"]
    );
}

#[test]
fn wrong_store_passphrase_and_not_a_store() {
    let env = Env::new();
    assert_eq!(code(&env.import(ITAC, &[])), 0);
    fs::write(env.dir.path().join("bad"), "mauvaise-phrase-123\n").unwrap();
    let out = env.run(&[
        "tables",
        "--store",
        env.store().to_str().unwrap(),
        "--store-passphrase-file",
        env.dir.path().join("bad").to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 5, "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("phrase de passe de la base incorrecte"));
    let junk = env.dir.path().join("junk.db");
    fs::write(&junk, vec![7u8; 8192]).unwrap();
    let out = env.run(&[
        "tables",
        "--store",
        junk.to_str().unwrap(),
        "--store-passphrase-file",
        env.dir.path().join("store-pass").to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 5, "{}", show(&out));
    let missing = env.run(&[
        "tables",
        "--store",
        env.dir.path().join("nope.db").to_str().unwrap(),
        "--store-passphrase-file",
        env.dir.path().join("store-pass").to_str().unwrap(),
    ]);
    assert_eq!(code(&missing), 5, "{}", show(&missing));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("importez d'abord"));
}

#[test]
fn a_weak_store_passphrase_is_refused_at_creation() {
    let env = Env::new();
    fs::write(env.dir.path().join("store-pass"), "court\n").unwrap();
    let out = env.import(ITAC, &[]);
    assert_eq!(code(&out), 2, "{}", show(&out));
    assert!(!env.store().exists());
}

fn import_lib(
    env: &Env,
    delivery: &str,
    cancel_after: Option<u64>,
) -> Result<store::ImportOutcome, store::ImportError> {
    let d = Delivery::open(&sample(delivery)).unwrap();
    let secret = Secret::Passphrase("demo-reprise-2008".to_string().into());
    let profiles = Profile::embedded();
    let cancel = AtomicBool::new(false);
    let mut seen = 0u64;
    let mut progress = |p: &reprise::reception::Progress| {
        seen = seen.max(p.records);
        if let Some(n) = cancel_after
            && p.files_done as u64 >= n
        {
            cancel.store(true, Ordering::Relaxed);
        }
    };
    let pass = STORE_PASS.to_string().into();
    store::import(
        &d,
        ImportOptions {
            store: &env.store(),
            store_passphrase: &pass,
            replace: true,
            receive: ReceiveOptions {
                secret: Some(&secret),
                received_on: chrono::NaiveDate::from_ymd_opt(2008, 11, 20).unwrap(),
                profiles: &profiles,
                cancel: &cancel,
                progress: &mut progress,
            },
        },
    )
}

#[test]
fn a_cancelled_import_leaves_the_store_as_it_was() {
    let env = Env::new();
    assert_eq!(code(&env.import(ITAC, &[])), 0);
    let before = digest(&env.store());
    let r = import_lib(&env, OPALES, Some(8));
    assert!(r.is_err(), "cancelled");
    assert_eq!(digest(&env.store()), before);
    assert_eq!(
        env.files_in_store_dir(),
        vec!["reprise.db", "reprise.db.consultations"]
    );
    // And without a store at all, nothing is left behind.
    let env = Env::new();
    assert!(import_lib(&env, ITAC, Some(6)).is_err());
    assert!(!env.store().exists());
    assert!(env.files_in_store_dir().is_empty());
}

#[test]
fn two_imports_at_once_do_not_collide() {
    let env = Env::new();
    assert_eq!(code(&env.import(ITAC, &[])), 0);
    let before = digest(&env.store());
    // Another import holds the folder.
    let dir = fs::File::open(env.store().parent().unwrap()).unwrap();
    dir.lock().unwrap();
    let out = env.import(OPALES, &[]);
    assert_eq!(code(&out), 5, "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("une autre importation"),
        "{}",
        show(&out)
    );
    dir.unlock().unwrap();
    assert_eq!(digest(&env.store()), before);
}

#[test]
fn a_stray_file_from_a_killed_import_is_removed_by_the_next_one() {
    let env = Env::new();
    assert_eq!(code(&env.import(ITAC, &[])), 0);
    let stray = env
        .store()
        .parent()
        .unwrap()
        // A process of this workstation that no longer runs.
        .join(store::temp_name_of("reprise.db", "", 2_000_000_000));
    fs::write(&stray, b"partial").unwrap();
    // The file of an import still running (this process) is left alone.
    let running = env.store().parent().unwrap().join(store::temp_name_of(
        "reprise.db",
        "",
        std::process::id(),
    ));
    fs::write(&running, b"being written").unwrap();
    env.open();
    assert!(!stray.exists(), "removed when the store is opened");
    assert!(running.exists());
    assert_eq!(code(&env.import(OPALES, &[])), 0);
    assert!(running.exists());
    fs::remove_file(&running).unwrap();
    assert_eq!(
        env.files_in_store_dir(),
        vec!["reprise.db", "reprise.db.consultations"]
    );
}

#[test]
fn disk_full_during_an_import_is_a_clear_error_and_the_store_stays() {
    let env = Env::new();
    assert_eq!(code(&env.import(ITAC, &[])), 0);
    let before = digest(&env.store());
    // Files may not grow past ~5 MB: the OPALES import cannot fit. SIGXFSZ is ignored so that a
    // write fails with EFBIG, as on a full disk.
    let d = sample(OPALES);
    let script = format!(
        "trap '' XFSZ; ulimit -f 10000; exec '{}' import '{}' --store '{}' --passphrase-file '{}' --store-passphrase-file '{}' --received-on 20/11/2008",
        bin(),
        d.display(),
        env.store().display(),
        env.dir.path().join("demo-pass").display(),
        env.dir.path().join("store-pass").display()
    );
    let out = Command::new("sh").arg("-c").arg(&script).output().unwrap();
    assert_eq!(code(&out), 5, "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("base") || err.contains("écriture"),
        "{}",
        show(&out)
    );
    assert_eq!(digest(&env.store()), before);
    assert_eq!(
        env.files_in_store_dir(),
        vec!["reprise.db", "reprise.db.consultations"]
    );
}

#[test]
fn a_refused_delivery_writes_nothing() {
    let env = Env::new();
    assert_eq!(code(&env.import(ITAC, &[])), 0);
    let before = digest(&env.store());
    // The ITAC sample cut in the middle: age fails on a late chunk, after rows were loaded.
    let bytes = fs::read(sample(ITAC)).unwrap();
    let cut = env.dir.path().join("REPRISE_ITAC_059_20081015.tar.age");
    fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let sp = env.dir.path().join("store-pass");
    let pass = env.dir.path().join("demo-pass");
    let out = env.run(&[
        "import",
        cut.to_str().unwrap(),
        "--store",
        env.store().to_str().unwrap(),
        "--passphrase-file",
        pass.to_str().unwrap(),
        "--store-passphrase-file",
        sp.to_str().unwrap(),
        "--yes",
    ]);
    assert_eq!(code(&out), 4, "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("endommagé"),
        "{}",
        show(&out)
    );
    assert_eq!(digest(&env.store()), before);
    assert_eq!(
        env.files_in_store_dir(),
        vec!["reprise.db", "reprise.db.consultations"]
    );
    // Wrong delivery passphrase: exit 3, nothing written.
    fs::write(env.dir.path().join("bad"), "pas-la-bonne\n").unwrap();
    let out = env.run(&[
        "import",
        sample(OPALES).to_str().unwrap(),
        "--store",
        env.store().to_str().unwrap(),
        "--passphrase-file",
        env.dir.path().join("bad").to_str().unwrap(),
        "--store-passphrase-file",
        sp.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 3, "{}", show(&out));
    assert_eq!(digest(&env.store()), before);
}

#[test]
fn import_writes_the_pdf_report() {
    let env = Env::new();
    let pdf = env.dir.path().join("pv.pdf");
    let out = env.import(ITAC, &["--report", pdf.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", show(&out));
    let bytes = fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
}

#[test]
fn the_fixity_check_finds_a_changed_value_and_a_damaged_page() {
    let env = Env::new();
    assert_eq!(code(&env.import(ITAC, &[])), 0);
    let sp = env.dir.path().join("store-pass");
    let check = |env: &Env| {
        env.run(&[
            "check",
            "--store",
            env.store().to_str().unwrap(),
            "--store-passphrase-file",
            sp.to_str().unwrap(),
        ])
    };
    let out = check(&env);
    assert_eq!(code(&out), 0, "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("INTACTE"));
    // One value changed by someone holding the passphrase, outside Reprise.
    {
        let c = reprise::store::connect(&env.store(), rusqlite::OpenFlags::default()).unwrap();
        c.pragma_update(None, "key", STORE_PASS).unwrap();
        c.execute(
            "UPDATE \"ITAC__ITAC_AGENT\" SET NOM = 'AUTRE' WHERE rowid = 3",
            [],
        )
        .unwrap();
    }
    let out = check(&env);
    assert_eq!(code(&out), 1, "{}", show(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("ALTÉRÉE"), "{text}");
    assert!(text.contains("DONNEES/ITAC_AGENT.TXT"), "{text}");
    assert!(!text.contains("DONNEES/ITAC_DOSSIER.TXT"), "{text}");
    // One byte of a page flipped on the disk: its authentication fails.
    let bytes = fs::read(env.store()).unwrap();
    let mut damaged = bytes.clone();
    let at = bytes.len() / 2 + 100;
    damaged[at] ^= 0x5a;
    fs::write(env.store(), damaged).unwrap();
    let out = check(&env);
    assert_eq!(code(&out), 1, "{}", show(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("ALTÉRÉE") && text.contains("HMAC"), "{text}");
}

/// What the browser gets from every column that can be read in order: the whole table in that
/// order both ways, and the records equal to the values of every 7th row.
fn ordered_answers(store: &Store) -> Vec<(String, Vec<u32>)> {
    use reprise::browse::{PageRequest, Start, view_order};
    let mut out = Vec::new();
    for t in store.tables().unwrap() {
        for c in store.columns(t.id).unwrap() {
            if !store.has_order(&t, &c.name).unwrap() {
                continue;
            }
            for desc in [false, true] {
                let req = PageRequest {
                    table: t.name.clone(),
                    sort: Some((c.name.clone(), desc)),
                    filters: Vec::new(),
                    start: Start::Position(1),
                    limit: 50,
                };
                out.push((
                    format!("{} {}.{} desc={desc}", t.application, t.name, c.name),
                    view_order(store, &req).unwrap(),
                ));
            }
            let mut st = store
                .connection()
                .prepare(&format!(
                    "SELECT {} FROM {} WHERE rowid % 7 = 1 ORDER BY rowid",
                    store::sql_ident(&c.name),
                    store::sql_ident(&t.sql_name)
                ))
                .unwrap();
            let values: Vec<reprise::reception::value::Value> = st
                .query_map([], |r| Ok(store::value_from_sql(r.get_ref(0)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            for v in values {
                let found = store.records_equal(&t, &c.name, &v).unwrap();
                out.push((
                    format!("{} {}.{} = {v:?}", t.application, t.name, c.name),
                    found,
                ));
            }
        }
    }
    out
}

/// A store made before the column indexes (format `reprise-store-2`: SQLite B-tree indexes on
/// the data tables, no `_colindex`) is still read, with the same answers; an import into it
/// keeps the other application, whose column indexes are then built from its rows.
#[test]
fn a_store_of_the_previous_format_is_read_then_upgraded_by_the_next_import() {
    let env = Env::new();
    assert_eq!(code(&env.import(ITAC, &[])), 0);
    let expected = ordered_answers(&env.open());
    assert!(expected.len() > 100, "{}", expected.len());
    // Back to the previous format, as it was written: an SQLite index per indexed column.
    {
        let c = reprise::store::connect(&env.store(), rusqlite::OpenFlags::default()).unwrap();
        c.pragma_update(None, "key", STORE_PASS).unwrap();
        let indexed: Vec<(String, String)> = c
            .prepare(
                "SELECT t.sql_name, c.name FROM _colindex i JOIN _tables t ON t.id = i.table_id
                 JOIN _columns c ON c.table_id = i.table_id AND c.position = i.position",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(indexed.len() > 10, "{}", indexed.len());
        for (i, (t, col)) in indexed.iter().enumerate() {
            c.execute_batch(&format!(
                "CREATE INDEX \"{t}__{i}\" ON {}({});",
                store::sql_ident(t),
                store::sql_ident(col)
            ))
            .unwrap();
        }
        c.execute_batch(
            "DROP TABLE _colindex; DROP TABLE _colblocks; DROP TABLE _colruns;
             UPDATE _meta SET value = 'reprise-store-2' WHERE key = 'format';",
        )
        .unwrap();
    }
    let old = env.open();
    assert_eq!(
        old.connection()
            .query_row("SELECT value FROM _meta WHERE key = 'format'", [], |r| {
                r.get::<_, String>(0)
            })
            .unwrap(),
        "reprise-store-2"
    );
    let got = ordered_answers(&old);
    assert_eq!(got.len(), expected.len());
    for (g, e) in got.iter().zip(&expected) {
        assert_eq!(g, e);
    }
    drop(old);
    // The next import writes the current format; ITAC's tables come with column indexes.
    let out = env.import(OPALES, &[]);
    assert_eq!(code(&out), 0, "{}", show(&out));
    let new = env.open();
    let format: String = new
        .connection()
        .query_row("SELECT value FROM _meta WHERE key = 'format'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(format, store::STORE_FORMAT);
    let itac_indexes: i64 = new
        .connection()
        .query_row(
            "SELECT count(*) FROM _colindex i JOIN _tables t ON t.id = i.table_id
             WHERE t.sql_name LIKE 'ITAC\\_\\_%' ESCAPE '\\'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(itac_indexes > 10, "{itac_indexes}");
    let after: Vec<_> = ordered_answers(&new)
        .into_iter()
        .filter(|(k, _)| k.starts_with("ITAC "))
        .collect();
    assert_eq!(after.len(), expected.len());
    for (a, e) in after.iter().zip(&expected) {
        assert_eq!(a, e);
    }
    drop(new);
    assert_exports_identical(&env, ITAC);
}
