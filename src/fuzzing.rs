//! Entry points for fuzzing: one function per parser of the project, each taking arbitrary bytes.
//! The cargo-fuzz targets of `fuzz/` call them, and `tests/fuzz_regressions.rs` runs every input
//! kept in `fuzz/regressions/` and `fuzz/corpus/` through them in `cargo test`, so that a crash
//! found once stays fixed. Besides not panicking, each checks the invariant its parser promises
//! (a record written back in the dialect gives its bytes, a typed value renders back exactly as
//! delivered, a parsed dictionary written out and read again is the same dictionary).

use crate::delivery::{Delivery, Secret};
use crate::format::controle::Controle;
use crate::format::descriptif::Descriptif;
use crate::format::dialect;
use crate::format::extraction_log::ExtractionLog;
use crate::format::lisezmoi::Lisezmoi;
use crate::format::records::{Block, BlockReader, RecordReader, Terminator};
use crate::profile::Profile;
use crate::reception::value::{TextForm, render, type_value};
use crate::reception::{NoLoader, ReceiveOptions, receive};
use crate::sample::{self, App, Form, SampleOptions};
use crate::search::{normalize, phonetic, query};
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, OnceLock};

/// A fuzz target: any bytes in, a panic when it finds a bug.
pub type Target = fn(&[u8]);

/// The targets by name, as `fuzz/fuzz_targets/<name>.rs` and the folders of the corpus know them.
pub const TARGETS: &[(&str, Target)] = &[
    ("lisezmoi", lisezmoi),
    ("controle", controle),
    ("descriptif", descriptif),
    ("extraction_log", extraction_log),
    ("records", records),
    ("values", values),
    ("finess", finess),
    ("profile", profile),
    ("query", query),
    ("reception", reception),
    ("container", container),
];

fn text(data: &[u8]) -> String {
    encoding_rs::WINDOWS_1252
        .decode_without_bom_handling(data)
        .0
        .into_owned()
}

/// LISEZMOI.TXT.
pub fn lisezmoi(data: &[u8]) {
    let l = Lisezmoi::parse(&text(data));
    let _ = l.problems();
    let _ = l.unknown_keys();
    let _ = l.decimal_separator();
    let _ = l.get("ENCODAGE");
}

/// CONTROLE.TXT.
pub fn controle(data: &[u8]) {
    let c = Controle::parse(&text(data));
    let _ = c.total_bytes();
    for e in &c.entries {
        assert!(
            c.get(&e.path).is_some(),
            "entry {:?} not found again",
            e.path
        );
    }
}

/// DESCRIPTIF.TXT, read as the reception reads it (records of the dialect, decoded), then written
/// out and read again.
pub fn descriptif(data: &[u8]) {
    let mut reader = RecordReader::new(data);
    let mut records = Vec::new();
    while let Ok(Some(rec)) = reader.next_record() {
        records.push((
            rec.line as usize,
            rec.fields().map(text).collect::<Vec<String>>(),
        ));
    }
    let Ok(d) = Descriptif::from_records(records) else {
        return;
    };
    for t in &d.tables {
        let _ = t.header();
        let _ = t.key_columns();
    }
    let again = Descriptif::from_records(d.to_records().into_iter().enumerate())
        .expect("a dictionary written out reads again");
    assert_eq!(again, d, "a dictionary written out and read again changed");
}

/// EXTRACTION.LOG.
pub fn extraction_log(data: &[u8]) {
    let log = ExtractionLog::parse(&text(data));
    let _ = log.count_of("ITAC_DOSSIER");
}

/// Data lines in the delivery's dialect, through a small buffer and a small record limit so that
/// records cross buffer boundaries and the limit is reached. A record that says it is canonical
/// must give back its delivered bytes when its fields are written in the dialect; blocks of
/// records (as the reception reads them) hold the same records, and the same error.
pub fn records(data: &[u8]) {
    let mut reader = RecordReader::with_limit(BufReader::with_capacity(7, data), 4096);
    let mut blocks = BlockReader::with_limit(data, 4096).reading(5);
    let mut block = Block::default();
    let mut in_blocks = Vec::new();
    let blocks_end = loop {
        match blocks.next_block(&mut block) {
            Ok(true) => in_blocks.extend(block.records().map(|r| r.said())),
            Ok(false) => break None,
            Err(e) => break Some(e.to_string()),
        }
    };
    let mut in_records = Vec::new();
    let mut last_line = 0;
    let mut out = Vec::new();
    let records_end = loop {
        let rec = match reader.next_record() {
            Ok(Some(rec)) => rec,
            Ok(None) => break None,
            Err(e) => break Some(e.to_string()),
        };
        in_records.push(rec.view().said());
        assert!(rec.line > last_line, "line numbers go forward");
        last_line = rec.line;
        if rec.canonical {
            out.clear();
            dialect::push_record(&mut out, rec.fields());
            let written = out.strip_suffix(b"\r\n").unwrap_or(&out);
            assert_eq!(
                written,
                &rec.raw[..],
                "a canonical record written back differs from what was read"
            );
            assert_ne!(
                rec.terminator,
                Some(Terminator::Lf),
                "LF alone is not canonical"
            );
        }
    };
    assert_eq!(in_blocks, in_records, "blocks hold other records");
    assert_eq!(blocks_end, records_end, "blocks end otherwise");
}

/// Typing of values: whatever a value becomes, rendering it back gives exactly the delivered text
/// (or it stays text, as delivered).
pub fn values(data: &[u8]) {
    use crate::format::descriptif::ColumnType;
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let ty = [
        ColumnType::Date,
        ColumnType::Number,
        ColumnType::Char,
        ColumnType::Varchar2,
    ][usize::from(selector & 3)];
    let form = TextForm {
        decimal: if selector & 4 == 0 { ',' } else { '.' },
        iso_dates: selector & 8 != 0,
    };
    let mut leading_zero = match selector >> 4 & 3 {
        0 => None,
        1 => Some(true),
        _ => Some(false),
    };
    for piece in text(rest).split('\n') {
        let (v, _) = type_value(ty, piece.into(), form, &mut leading_zero);
        let mut back = String::new();
        render(ty, &v, form, leading_zero.unwrap_or(false), &mut back);
        assert_eq!(
            back, piece,
            "value {v:?} typed from {piece:?} renders back differently"
        );
    }
}

/// A public FINESS extract (etalab layout), as `reprise finess` reads it: its metadata first line,
/// then each record sorted out; a structure always has one value per field of the layout.
pub fn finess(data: &[u8]) {
    use crate::format::finess::{ExtractRecord, STRUCTURE_FIELDS, classify, field_text, metadata};
    let mut reader = RecordReader::with_limit(BufReader::with_capacity(7, data), 4096);
    let first: Vec<String> = match reader.next_record() {
        Ok(Some(r)) => r.fields().map(field_text).collect(),
        _ => return,
    };
    if metadata(&first).is_none() {
        return;
    }
    while let Ok(Some(rec)) = reader.next_record() {
        if let ExtractRecord::Structure(values) = classify(rec) {
            assert_eq!(values.len(), STRUCTURE_FIELDS.len() - 1);
        }
    }
}

/// A profile file (TOML).
pub fn profile(data: &[u8]) {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = Profile::parse("fuzz.toml", s);
    }
}

/// The search query and the name forms the person index is built from.
pub fn query(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let q = query::parse(&s);
    if let Some(nir) = &q.nir {
        assert!(nir.len() == 13 || nir.len() == 15, "NIR {nir:?}");
    }
    for w in q.names.iter().chain(std::iter::once(&s.to_string())) {
        let folded = normalize::fold(w);
        assert_eq!(
            normalize::fold(&folded),
            folded,
            "folding twice changes {w:?}"
        );
        let _ = normalize::words(w);
        let _ = normalize::compact(w);
        let _ = normalize::significant(w);
        for word in normalize::words(w) {
            let _ = phonetic::soundex2(&word);
        }
    }
    if let Some((a, b)) = s.split_once('|') {
        let d = normalize::edit_distance(a, b, 2);
        assert_eq!(
            d,
            normalize::edit_distance(b, a, 2),
            "edit distance is symmetric"
        );
        if a == b {
            assert_eq!(d, Some(0));
        }
    }
}

/// A plain delivery of each application, generated once per process, for [`reception`].
struct Deliveries {
    root: PathBuf,
    itac: PathBuf,
    opales: PathBuf,
}

static DELIVERIES: OnceLock<Mutex<Deliveries>> = OnceLock::new();

fn deliveries() -> &'static Mutex<Deliveries> {
    DELIVERIES.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("reprise-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let make = |app: App, date: (i32, u32, u32)| {
            let out = root.join(app.name());
            let opts = SampleOptions {
                app,
                dep: "059".into(),
                extraction: chrono::NaiveDate::from_ymd_opt(date.0, date.1, date.2).unwrap(),
                persons: 6,
                seed: 7,
                out,
                form: Form::Plain,
                gzip: false,
                armor: false,
                encryption: None,
                work_factor: None,
            };
            sample::generate(&opts, &mut |_| {})
                .expect("sample delivery for fuzzing")
                .delivery
        };
        let itac = make(App::Itac, (2008, 10, 15));
        let opales = make(App::Opales, (2008, 11, 5));
        Mutex::new(Deliveries { root, itac, opales })
    })
}

/// Removes the deliveries generated for [`reception`] and [`container`] (a fuzzing process
/// leaves them to the end; a test calls this when it is done).
pub fn cleanup() {
    if let Some(d) = DELIVERIES.get() {
        let d = d.lock().unwrap_or_else(|e| e.into_inner());
        let _ = std::fs::remove_dir_all(&d.root);
    }
}

fn receive_quietly(delivery: &Path, secret: Option<&Secret>) {
    let Ok(d) = Delivery::open(delivery) else {
        return;
    };
    let cancel = AtomicBool::new(false);
    let profiles = Profile::embedded();
    let opts = ReceiveOptions {
        secret,
        received_on: chrono::NaiveDate::from_ymd_opt(2008, 11, 20).unwrap(),
        profiles: &profiles,
        cancel: &cancel,
        progress: &mut |_| {},
    };
    if let Ok(report) = receive(&d, opts, &mut NoLoader) {
        serde_json::to_string(&report).expect("a reception report serialises");
    }
}

/// A path the fuzzer may add to a delivery: relative, plain characters, no `..`.
fn addable(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 64
        && !path.starts_with('/')
        && !path
            .split('/')
            .any(|p| p.is_empty() || p == "." || p == "..")
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_./-".contains(&b))
}

/// The whole reception of a plain delivery in which one file is replaced (or added). The input is
/// `APP:PATH`, a line feed, then the file's bytes; APP is `ITAC` or `OPALES` (the default).
pub fn reception(data: &[u8]) {
    let (head, body) = match data.iter().position(|&b| b == b'\n') {
        Some(p) => (&data[..p], &data[p + 1..]),
        None => (&b""[..], data),
    };
    let head = String::from_utf8_lossy(head);
    let (app, path) = match head.split_once(':') {
        Some((a, p)) => (a, p),
        None => ("OPALES", &*head),
    };
    let guard = deliveries().lock().unwrap_or_else(|e| e.into_inner());
    let root = if app == "ITAC" {
        &guard.itac
    } else {
        &guard.opales
    };
    let path = if addable(path) {
        path
    } else {
        "DONNEES/FUZZ.TXT"
    };
    let target = root.join(path);
    let original = std::fs::read(&target).ok();
    if original.is_none()
        && let Some(parent) = target.parent()
        && std::fs::create_dir_all(parent).is_err()
    {
        return;
    }
    if target.is_dir() || std::fs::write(&target, body).is_err() {
        return;
    }
    // Put back as it was even when the reception panics (the next input needs the delivery).
    let _restore = Restore { target, original };
    receive_quietly(root, None);
}

/// Puts a file of a delivery back as it was, or removes it, when dropped.
struct Restore {
    target: PathBuf,
    original: Option<Vec<u8>>,
}

impl Drop for Restore {
    fn drop(&mut self) {
        match &self.original {
            Some(bytes) => {
                let _ = std::fs::write(&self.target, bytes);
            }
            None => {
                let _ = std::fs::remove_file(&self.target);
            }
        }
    }
}

fn write_identity(path: &Path, identity: &age::x25519::Identity) -> std::io::Result<()> {
    use age::secrecy::ExposeSecret;
    std::fs::write(path, format!("{}\n", identity.to_string().expose_secret()))
}

/// The container: the input is the plaintext of a `.tar.age` file (a tar, gzip-compressed or
/// not), encrypted to an X25519 identity and received whole.
pub fn container(data: &[u8]) {
    static IDENTITY: OnceLock<age::x25519::Identity> = OnceLock::new();
    let identity = IDENTITY.get_or_init(age::x25519::Identity::generate);
    let guard = deliveries().lock().unwrap_or_else(|e| e.into_inner());
    let file = guard.root.join("REPRISE_OPALES_059_20081105.tar.age");
    let written = (|| -> std::io::Result<()> {
        let recipient = identity.to_public();
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(std::io::Error::other)?;
        let f = std::io::BufWriter::new(std::fs::File::create(&file)?);
        let mut w = encryptor.wrap_output(f)?;
        w.write_all(data)?;
        w.finish()?.flush()
    })();
    let key = guard.root.join("identite.txt");
    if written.is_ok() && (key.exists() || write_identity(&key, identity).is_ok()) {
        receive_quietly(&file, Some(&Secret::IdentityFile(key)));
    }
    let _ = std::fs::remove_file(&file);
}
