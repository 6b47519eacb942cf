//! Helpers to build good and bad deliveries and to run `reprise verify` on them: generating
//! small samples, editing a plain delivery and recomputing its CONTROLE.TXT, writing tar
//! archives by hand (hostile members included), encrypting with the `age` CLI, damaging
//! ciphertexts, and checking that a run wrote nothing. Uses nothing from the crate's library.
#![allow(dead_code)]

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::SystemTime;

pub const DEP: &str = "059";
pub const DATE: &str = "20081015";
pub const NAME: &str = "REPRISE_ITAC_059_20081015";
pub const PASSPHRASE: &str = "phrase de passe de test 2008";
pub const RECEIVED_ON: &str = "20/10/2008";
pub const CONTROLE_HEADER: &str = "FICHIER;LIGNES;OCTETS;SHA256";
const AGE_HINT: &str = "install the Debian package `age` (sudo apt-get install age)";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_reprise")
}

pub fn delivery_name(app: &str) -> String {
    format!("REPRISE_{app}_{DEP}_{DATE}")
}

fn show(out: &Output) -> String {
    format!(
        "--- stdout ---\n{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

// ---------------------------------------------------------------------------------------------
// Scratch folder and "nothing written" snapshots

/// A temporary folder holding the deliveries of one test and an empty working directory for the
/// runs of `reprise verify`.
pub struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Scratch {
        let dir = tempfile::Builder::new()
            .prefix("reprise-bad-input-")
            .tempdir()
            .expect("cannot create a temporary folder");
        fs::create_dir(dir.path().join("cwd")).unwrap();
        Scratch { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// The working directory of the runs.
    pub fn cwd(&self) -> PathBuf {
        self.join("cwd")
    }

    /// A file holding `passphrase` on one line.
    pub fn passphrase_file(&self, name: &str, passphrase: &str) -> PathBuf {
        let p = self.join(name);
        fs::write(&p, format!("{passphrase}\n")).unwrap();
        p
    }
}

/// What a tree looks like: every entry with its kind, size and modification time.
pub type Snapshot = BTreeMap<String, (char, u64, Option<SystemTime>)>;

pub fn snapshot(root: &Path) -> Snapshot {
    fn walk(root: &Path, dir: &Path, out: &mut Snapshot) {
        for e in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let e = e.unwrap();
            let p = e.path();
            let m = fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let kind = if m.file_type().is_symlink() {
                'l'
            } else if m.is_dir() {
                'd'
            } else {
                'f'
            };
            out.insert(rel, (kind, m.len(), m.modified().ok()));
            if kind == 'd' {
                walk(root, &p, out);
            }
        }
    }
    let mut s = Snapshot::new();
    walk(root, root, &mut s);
    s
}

fn snapshot_diff(before: &Snapshot, after: &Snapshot) -> Vec<String> {
    let mut v = Vec::new();
    for (k, a) in after {
        match before.get(k) {
            None => v.push(format!("created: {k}")),
            Some(b) if b != a => v.push(format!("changed: {k}")),
            _ => {}
        }
    }
    for k in before.keys() {
        if !after.contains_key(k) {
            v.push(format!("removed: {k}"));
        }
    }
    v
}

// ---------------------------------------------------------------------------------------------
// Running the binary

/// The result of one `reprise verify` run.
pub struct Run {
    pub args: Vec<String>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn show(&self) -> String {
        format!(
            "`reprise {}` exited with {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.args.join(" "),
            self.code,
            self.stdout,
            self.stderr
        )
    }

    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "unexpected exit code\n{}", self.show());
        self
    }

    /// Asserts that standard error names the problem (every needle present).
    pub fn assert_stderr_has(&self, needles: &[&str]) -> &Self {
        for n in needles {
            assert!(
                self.stderr.contains(n),
                "stderr does not say « {n} »\n{}",
                self.show()
            );
        }
        self
    }

    /// The report printed by `--json`.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not a JSON report ({e})\n{}", self.show()))
    }

    fn strings(&self, field: &str) -> Vec<String> {
        self.json()[field]
            .as_array()
            .unwrap_or_else(|| panic!("no array `{field}` in the report\n{}", self.show()))
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    }

    pub fn verdict(&self) -> String {
        self.json()["verdict"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub fn reasons(&self) -> Vec<String> {
        self.strings("reasons")
    }

    pub fn warnings(&self) -> Vec<String> {
        self.strings("warnings")
    }

    /// Anomaly groups as (kind, table, count).
    pub fn groups(&self) -> Vec<(String, String, u64)> {
        self.json()["anomalies"]["groups"]
            .as_array()
            .unwrap_or_else(|| panic!("no anomaly groups in the report\n{}", self.show()))
            .iter()
            .map(|g| {
                (
                    g["kind"].as_str().unwrap().to_string(),
                    g["table"].as_str().unwrap().to_string(),
                    g["count"].as_u64().unwrap(),
                )
            })
            .collect()
    }

    /// Asserts CONFORME with exit 0.
    pub fn assert_conforme(&self) -> &Self {
        self.assert_code(0);
        assert_eq!(self.verdict(), "CONFORME", "{}", self.show());
        assert!(self.reasons().is_empty(), "{}", self.show());
        self
    }

    /// Asserts NON CONFORME with exit 1 and one reason holding every needle.
    pub fn assert_non_conforme_because(&self, needles: &[&str]) -> &Self {
        self.assert_code(1);
        assert_eq!(self.verdict(), "NON_CONFORME", "{}", self.show());
        let reasons = self.reasons();
        assert!(
            reasons
                .iter()
                .any(|r| needles.iter().all(|n| r.contains(n))),
            "no reason says {needles:?}: {reasons:#?}\n{}",
            self.show()
        );
        self
    }

    /// Asserts that some warning holds every needle.
    pub fn assert_warning(&self, needles: &[&str]) -> &Self {
        let w = self.warnings();
        assert!(
            w.iter().any(|r| needles.iter().all(|n| r.contains(n))),
            "no warning says {needles:?}: {w:#?}\n{}",
            self.show()
        );
        self
    }

    /// Asserts an anomaly group of this kind whose table (or file) contains `table`; returns
    /// its count.
    pub fn assert_anomaly(&self, kind: &str, table: &str) -> u64 {
        let g = self.groups();
        g.iter()
            .find(|(k, t, _)| k == kind && t.contains(table))
            .unwrap_or_else(|| panic!("no anomaly « {kind} » for {table}: {g:#?}\n{}", self.show()))
            .2
    }
}

/// Runs `reprise verify DELIVERY --json --received-on 20/10/2008 EXTRA...` from the scratch's
/// working directory, with no passphrase in the environment and no terminal, and asserts that
/// nothing under the scratch folder (deliveries, working directory) was created, changed or
/// removed.
pub fn verify(scratch: &Scratch, delivery: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<String> = vec![
        "verify".into(),
        delivery.to_str().unwrap().into(),
        "--json".into(),
        "--received-on".into(),
        RECEIVED_ON.into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let before = snapshot(scratch.path());
    let out = Command::new(bin())
        .args(&args)
        .current_dir(scratch.cwd())
        .env_remove("REPRISE_PASSPHRASE")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin()));
    let run = Run {
        args,
        code: out
            .status
            .code()
            .unwrap_or_else(|| panic!("reprise killed by a signal\n{}", show(&out))),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    let diff = snapshot_diff(&before, &snapshot(scratch.path()));
    assert!(
        diff.is_empty(),
        "`reprise verify` wrote where it must not:\n{}\n{}",
        diff.join("\n"),
        run.show()
    );
    run
}

/// Runs `reprise` with `args`, no passphrase from the environment and nothing on its input.
pub fn reprise_clean(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .env_remove("REPRISE_PASSPHRASE")
        .env_remove("REPRISE_STORE_PASSPHRASE")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Runs `reprise` as `reprise_clean` does, on `store` opened with the passphrase in `pass`.
pub fn reprise_on_store(args: &[&str], store: &str, pass: &str) -> Output {
    let mut all = args.to_vec();
    all.extend(["--store", store, "--store-passphrase-file", pass]);
    reprise_clean(&all)
}

/// What a command printed, standard output then standard error.
pub fn output_text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs an external program and asserts it succeeded; a missing program names its package.
pub fn run_tool(program: &str, args: &[&str]) -> Output {
    let out = match Command::new(program).args(args).output() {
        Ok(o) => o,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            panic!("`{program}` is not installed: {AGE_HINT}")
        }
        Err(e) => panic!("cannot run `{program}`: {e} ({AGE_HINT})"),
    };
    assert!(
        out.status.success(),
        "`{program} {}` failed ({})\n{}",
        args.join(" "),
        out.status,
        show(&out)
    );
    out
}

// ---------------------------------------------------------------------------------------------
// Generating deliveries

/// `reprise sample --app APP --persons 60 --seed 1 --work-factor 4 --out OUT --form FORM EXTRA...`
pub fn sample(app: &str, out: &Path, form: &str, extra: &[&str]) {
    let out_s = out.to_str().unwrap();
    let mut args = vec![
        "sample",
        "--app",
        app,
        "--dep",
        DEP,
        "--date",
        DATE,
        "--persons",
        "60",
        "--seed",
        "1",
        "--work-factor",
        "4",
        "--out",
        out_s,
        "--form",
        form,
    ];
    args.extend_from_slice(extra);
    let out = Command::new(bin())
        .args(&args)
        .env_remove("REPRISE_PASSPHRASE")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "`reprise {}` failed\n{}",
        args.join(" "),
        show(&out)
    );
}

/// A plain ITAC delivery in `scratch/<sub>/`; returns the delivery folder.
pub fn plain(scratch: &Scratch, sub: &str) -> PathBuf {
    let out = scratch.join(sub);
    sample("ITAC", &out, "plain", &[]);
    let dir = out.join(NAME);
    assert!(dir.join("CONTROLE.TXT").is_file(), "{}", dir.display());
    dir
}

/// An ITAC `.tar.age` encrypted with [`PASSPHRASE`]; returns the file and the passphrase file.
pub fn tar_age_with_passphrase(scratch: &Scratch, sub: &str, extra: &[&str]) -> (PathBuf, PathBuf) {
    let pw = scratch.passphrase_file(&format!("{sub}.pass"), PASSPHRASE);
    let out = scratch.join(sub);
    let mut args = vec!["--passphrase-file", pw.to_str().unwrap()];
    args.extend_from_slice(extra);
    sample("ITAC", &out, "tar", &args);
    let file = out.join(format!("{NAME}.tar.age"));
    assert!(file.is_file(), "{}", file.display());
    (file, pw)
}

/// Makes an age X25519 identity with `age-keygen`; returns (identity file, recipient).
pub fn keygen(scratch: &Scratch, name: &str) -> (PathBuf, String) {
    let path = scratch.join(name);
    let p = path.to_str().unwrap();
    run_tool("age-keygen", &["-o", p]);
    let out = run_tool("age-keygen", &["-y", p]);
    let recipient = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(recipient.starts_with("age1"), "{recipient}");
    (path, recipient)
}

/// `age -r RECIPIENT -o OUTPUT INPUT`.
pub fn age_encrypt(recipient: &str, input: &Path, output: &Path) {
    run_tool(
        "age",
        &[
            "-r",
            recipient,
            "-o",
            output.to_str().unwrap(),
            input.to_str().unwrap(),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Editing a plain delivery

/// Files of a plain delivery, relative with `/`, sorted.
pub fn files_of(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap();
                let parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(parts.join("/"));
            }
        }
    }
    let mut v = Vec::new();
    walk(dir, dir, &mut v);
    v.sort();
    v
}

/// LIGNES, OCTETS and SHA-256 of a file as the format counts them (spec section 2), read
/// streaming: physical lines for LISEZMOI.TXT and EXTRACTION.LOG, records (a quoted value may
/// hold line breaks) without the header line for DESCRIPTIF.TXT and data files, records without
/// the metadata line for FINESS.TXT.
pub fn measure(dir: &Path, rel: &str) -> (u64, u64, String) {
    let mut r = BufReader::with_capacity(1 << 16, File::open(dir.join(rel)).unwrap());
    let mut hasher = Sha256::new();
    let (mut bytes, mut lf, mut records) = (0u64, 0u64, 0u64);
    let (mut quoted, mut open_record, mut last) = (false, false, 0u8);
    loop {
        let buf = r.fill_buf().unwrap();
        if buf.is_empty() {
            break;
        }
        hasher.update(buf);
        bytes += buf.len() as u64;
        for &b in buf {
            match b {
                b'"' => {
                    quoted = !quoted;
                    open_record = true;
                }
                b'\n' => {
                    lf += 1;
                    if quoted {
                        open_record = true;
                    } else {
                        records += 1;
                        open_record = false;
                    }
                }
                _ => open_record = true,
            }
            last = b;
        }
        let n = buf.len();
        r.consume(n);
    }
    let lines = lf + u64::from(bytes > 0 && last != b'\n');
    let records = records + u64::from(open_record);
    let rows = match rel {
        "LISEZMOI.TXT" | "EXTRACTION.LOG" => lines,
        _ if rel == "DESCRIPTIF.TXT" || rel.ends_with(".TXT") => records.saturating_sub(1),
        _ => 0,
    };
    (rows, bytes, hex::encode(hasher.finalize()))
}

/// Rewrites CONTROLE.TXT of a plain delivery from the files present: the listed files keep their
/// order, files that are gone are dropped, new files come last.
pub fn recompute_controle(dir: &Path) {
    let old = fs::read_to_string(dir.join("CONTROLE.TXT")).unwrap();
    let listed: Vec<String> = old
        .lines()
        .skip(1)
        .filter_map(|l| l.split(';').next())
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    let present: BTreeSet<String> = files_of(dir)
        .into_iter()
        .filter(|p| p != "CONTROLE.TXT")
        .collect();
    let order = listed
        .iter()
        .filter(|p| present.contains(*p))
        .cloned()
        .chain(present.iter().filter(|p| !listed.contains(p)).cloned());
    let mut text = format!("{CONTROLE_HEADER}\r\n");
    for rel in order {
        let (rows, bytes, sha) = measure(dir, &rel);
        text.push_str(&format!("{rel};{rows};{bytes};{sha}\r\n"));
    }
    fs::write(dir.join("CONTROLE.TXT"), text).unwrap();
}

/// Edits a WINDOWS-1252 text file of a delivery as a string.
pub fn edit_text(dir: &Path, rel: &str, edit: impl FnOnce(&mut String)) {
    let path = dir.join(rel);
    let bytes = fs::read(&path).unwrap();
    let (text, _, bad) = encoding_rs::WINDOWS_1252.decode(&bytes);
    assert!(!bad, "{rel} is not WINDOWS-1252");
    let mut text = text.into_owned();
    let (back, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(
        !unmappable && back.as_ref() == bytes.as_slice(),
        "{rel} does not survive a WINDOWS-1252 round trip"
    );
    edit(&mut text);
    let (out, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable, "edited {rel} is not WINDOWS-1252");
    fs::write(&path, out).unwrap();
}

/// Sets the count of `table` in EXTRACTION.LOG.
pub fn set_log_count(dir: &Path, table: &str, n: u64) {
    edit_text(dir, "EXTRACTION.LOG", |t| {
        let needle = format!(" INFO TABLE {table} : ");
        let start = t
            .find(&needle)
            .unwrap_or_else(|| panic!("no count of {table} in the log"));
        let end = start + t[start..].find('\r').unwrap();
        let line_start = t[..start].rfind('\n').map_or(0, |p| p + 1);
        let stamp = t[line_start..start].to_string();
        t.replace_range(
            line_start..end,
            &format!("{stamp}{needle}{n} LIGNES EXTRAITES"),
        );
    });
}

/// Adds to a plain delivery a table that no application list names, described in DESCRIPTIF.TXT
/// and counted in the log, holding `A;Première étape` and `B;Deuxième étape` (then recompute
/// CONTROLE.TXT).
pub fn add_extra_table(dir: &Path) {
    edit_text(dir, "DESCRIPTIF.TXT", |t| {
        assert!(t.ends_with("\r\n"));
        t.push_str("T_EXTRA;0;;;;;;;;;Table supplémentaire\r\n");
        t.push_str("T_EXTRA;1;CODE;VARCHAR2;3;;;O;1;;Code\r\n");
        t.push_str("T_EXTRA;2;LIBELLE;VARCHAR2;40;;;N;;;Libellé\r\n");
    });
    let data = encoding_rs::WINDOWS_1252
        .encode("CODE;LIBELLE\r\nA;Première étape\r\nB;Deuxième étape\r\n")
        .0
        .into_owned();
    fs::write(dir.join("DONNEES/T_EXTRA.TXT"), data).unwrap();
    insert_log_line_before_end(
        dir,
        "2008-10-15 20:00:20 INFO TABLE T_EXTRA : 2 LIGNES EXTRAITES",
    );
}

/// Inserts a line before the last line of EXTRACTION.LOG.
pub fn insert_log_line_before_end(dir: &Path, line: &str) {
    edit_text(dir, "EXTRACTION.LOG", |t| {
        let body = t.trim_end_matches("\r\n");
        let last = body.rfind("\r\n").map_or(0, |p| p + 2);
        assert!(t[last..].contains("FIN NORMALE DU TRAITEMENT"), "{t}");
        t.insert_str(last, &format!("{line}\r\n"));
    });
}

// ---------------------------------------------------------------------------------------------
// Tar archives written by hand

/// Where a hand-made tar goes: a file, gzip-compressed or not.
pub enum Sink {
    Plain(BufWriter<File>),
    Gzip(flate2::write::GzEncoder<BufWriter<File>>),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Plain(w) => w.write(buf),
            Sink::Gzip(w) => w.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Plain(w) => w.flush(),
            Sink::Gzip(w) => w.flush(),
        }
    }
}

pub struct TarOut {
    builder: tar::Builder<Sink>,
}

fn header(size: u64, kind: tar::EntryType) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.set_size(size);
    h.set_mode(if kind.is_dir() { 0o755 } else { 0o644 });
    h.set_mtime(1_224_093_600);
    h.set_entry_type(kind);
    h
}

impl TarOut {
    pub fn create(path: &Path, gzip: bool) -> TarOut {
        let file = BufWriter::with_capacity(1 << 16, File::create(path).unwrap());
        let sink = if gzip {
            Sink::Gzip(flate2::write::GzEncoder::new(
                file,
                flate2::Compression::fast(),
            ))
        } else {
            Sink::Plain(file)
        };
        TarOut {
            builder: tar::Builder::new(sink),
        }
    }

    pub fn dir(&mut self, name: &str) {
        let mut h = header(0, tar::EntryType::Directory);
        h.set_path(name).unwrap();
        h.set_cksum();
        self.builder.append(&h, io::empty()).unwrap();
    }

    /// A regular member of `size` bytes read from `data`, streaming.
    pub fn stream(&mut self, name: &str, size: u64, data: impl Read) {
        let mut h = header(size, tar::EntryType::Regular);
        h.set_path(name).unwrap();
        h.set_cksum();
        self.builder.append(&h, data).unwrap();
    }

    pub fn file(&mut self, name: &str, disk: &Path) {
        let size = fs::metadata(disk).unwrap().len();
        self.stream(name, size, File::open(disk).unwrap());
    }

    /// A member whose name and link name are written byte for byte into the header, past the
    /// checks of `Header::set_path`.
    pub fn raw(&mut self, name: &[u8], kind: tar::EntryType, link: &[u8], data: &[u8]) {
        let mut h = header(data.len() as u64, kind);
        let old = h.as_old_mut();
        old.name[..name.len()].copy_from_slice(name);
        old.linkname[..link.len()].copy_from_slice(link);
        h.set_cksum();
        self.builder.append(&h, data).unwrap();
    }

    /// Ends the archive, then adds `padding` zero bytes (readers ignore what follows the end).
    pub fn finish(self, padding: u64) {
        let mut sink = self.builder.into_inner().unwrap();
        io::copy(&mut io::repeat(0).take(padding), &mut sink).unwrap();
        match sink {
            Sink::Plain(mut w) => w.flush().unwrap(),
            Sink::Gzip(g) => g.finish().unwrap().flush().unwrap(),
        }
    }
}

/// Writes the members of the plain delivery `dir` under the top folder [`NAME`], in the order of
/// the generator (folders, LISEZMOI.TXT, CONTROLE.TXT, then CONTROLE.TXT's order). `each` may
/// write a member itself (or drop it) and returns true when it did.
pub fn tar_delivery(t: &mut TarOut, dir: &Path, mut each: impl FnMut(&mut TarOut, &str) -> bool) {
    t.dir(&format!("{NAME}/"));
    t.dir(&format!("{NAME}/DONNEES/"));
    let controle = fs::read_to_string(dir.join("CONTROLE.TXT")).unwrap();
    let mut order = vec!["LISEZMOI.TXT".to_string(), "CONTROLE.TXT".to_string()];
    for l in controle.lines().skip(1) {
        let p = l.split(';').next().unwrap().to_string();
        if !order.contains(&p) {
            order.push(p);
        }
    }
    for rel in order {
        if !each(t, &rel) {
            t.file(&format!("{NAME}/{rel}"), &dir.join(&rel));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Damaging ciphertexts

/// Size of an age payload chunk on disk (64 KiB and its tag).
pub const AGE_CHUNK: u64 = 65536 + 16;

/// Offset of the first payload chunk of a binary age file (after the header and the nonce).
pub fn age_payload_start(path: &Path) -> u64 {
    let bytes = fs::read(path).unwrap();
    let mac = bytes
        .windows(5)
        .position(|w| w == b"\n--- ")
        .expect("no age header end");
    let end = mac + 1 + bytes[mac + 1..].iter().position(|&b| b == b'\n').unwrap() + 1;
    end as u64 + 16
}

/// Offset of the last payload chunk of a binary age file.
pub fn age_last_chunk_start(path: &Path) -> u64 {
    let start = age_payload_start(path);
    let len = fs::metadata(path).unwrap().len();
    let chunks = (len - start).div_ceil(AGE_CHUNK);
    start + (chunks - 1) * AGE_CHUNK
}

pub fn flip_byte(path: &Path, offset: u64) {
    let mut bytes = fs::read(path).unwrap();
    bytes[offset as usize] ^= 0x20;
    fs::write(path, bytes).unwrap();
}

pub fn truncate(path: &Path, len: u64) {
    File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(len)
        .unwrap();
}
