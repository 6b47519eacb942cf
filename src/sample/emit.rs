//! Where generated rows go: a row buffer filled column by column, the injection of data defects
//! (deterministic per table and record, so every pass over a delivery injects the same ones), the
//! detection and recording of every defect in `defects.json`, and the encoding of records into the
//! files of the delivery with their counts, sizes and SHA-256.

use crate::format::descriptif::{ColumnType, Table};
use crate::format::{dialect, encoding, oracle};
use chrono::{NaiveDate, NaiveDateTime};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::io::{self, Write};

use super::rng::Rng;

/// Kinds of data defects a generated delivery holds, as named in `defects.json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DefectKind {
    ImpossibleDate,
    UnknownCode,
    OrphanReference,
    WrongNirKey,
    WrongFinessKey,
    WrongUaiKey,
    PaddedChar,
    OverlongValue,
    ControlCharacter,
    SpecialCharacters,
}

/// One defect: where it is and what was delivered.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Defect {
    pub file: String,
    pub table: String,
    pub record: u64,
    pub column: String,
    pub value: String,
    pub kind: DefectKind,
}

/// The fields of one row being built, in column order.
#[derive(Default)]
pub struct RowBuf {
    fields: Vec<String>,
    len: usize,
    marks: Vec<(usize, DefectKind)>,
    /// Rows whose values must stay intact (people shared by ITAC and OPALES).
    pub protected: bool,
}

impl RowBuf {
    pub fn begin(&mut self) {
        self.len = 0;
        self.marks.clear();
        self.protected = false;
    }

    fn next(&mut self) -> &mut String {
        if self.len == self.fields.len() {
            self.fields.push(String::new());
        }
        let s = &mut self.fields[self.len];
        s.clear();
        self.len += 1;
        s
    }

    pub fn s(&mut self, v: &str) {
        self.next().push_str(v);
    }

    pub fn empty(&mut self) {
        self.next();
    }

    pub fn opt(&mut self, v: Option<&str>) {
        self.s(v.unwrap_or(""));
    }

    pub fn int(&mut self, v: i64) {
        let _ = write!(self.next(), "{v}");
    }

    pub fn oint(&mut self, v: Option<i64>) {
        match v {
            Some(v) => self.int(v),
            None => self.empty(),
        }
    }

    /// A NUMBER with two decimals given in hundredths, Oracle's form, `,` separator.
    pub fn cents(&mut self, c: i64) {
        oracle::push_cents(self.next(), c, ',');
    }

    pub fn date(&mut self, d: NaiveDate) {
        oracle::push_date(self.next(), d);
    }

    pub fn odate(&mut self, d: Option<NaiveDate>) {
        match d {
            Some(d) => self.date(d),
            None => self.empty(),
        }
    }

    pub fn datetime(&mut self, dt: NaiveDateTime) {
        oracle::push_datetime(self.next(), dt);
    }

    /// A date in ISO form (FINESS).
    pub fn iso_date(&mut self, d: NaiveDate) {
        let _ = write!(self.next(), "{}", d.format("%Y-%m-%d"));
    }

    /// Marks the last field with a defect the generator made on purpose (an orphan reference).
    pub fn mark(&mut self, kind: DefectKind) {
        self.marks.push((self.len - 1, kind));
    }
}

/// A defect injected at random into one column of a table.
pub struct Injection {
    pub column: &'static str,
    /// Probability per record.
    pub rate: f64,
    /// Kind to record, for defects that can only be known by meaning (codes, keys, references);
    /// None for those found by looking at the value (dates, padding, length, characters).
    pub kind: Option<DefectKind>,
    /// Turns the delivered value into the defective one; None leaves the row as it is.
    pub mutate: fn(&mut Rng, &str) -> Option<String>,
}

struct TableState {
    def: Table,
    file: usize,
    records: u64,
    injections: Vec<(usize, &'static Injection)>,
    iso_dates: bool,
}

/// Counts, size and SHA-256 of one file of the delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileStats {
    pub path: String,
    pub records: u64,
    pub bytes: u64,
    pub sha256: [u8; 32],
}

impl FileStats {
    pub fn sha_hex(&self) -> String {
        hex::encode(self.sha256)
    }
}

/// A writer that counts and hashes what goes through it.
pub struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    pub fn finish(self) -> (W, u64, [u8; 32]) {
        (self.inner, self.bytes, self.hasher.finalize().into())
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

struct OpenFile<'w> {
    out: HashingWriter<Box<dyn Write + 'w>>,
    records: u64,
}

/// A file of the delivery: its path and the tables it holds (FINESS.TXT holds two).
#[derive(Clone, Debug)]
pub struct FileSpec {
    pub path: String,
    pub tables: Vec<usize>,
    /// First line: the column names (data files) or the FINESS metadata line.
    pub first_line: String,
}

/// Receives the rows of the generators and writes the open files.
pub struct Emitter<'w> {
    seed: u64,
    tables: Vec<TableState>,
    files: Vec<FileSpec>,
    open: Vec<Option<OpenFile<'w>>>,
    defects: Option<Vec<Defect>>,
    buf: Vec<u8>,
}

const SALT_INJECT: u64 = 0x494E_4A45_4354;

impl<'w> Emitter<'w> {
    /// `tables` in delivery order with their injections and whether their dates are ISO (FINESS);
    /// `files` says which file holds which tables.
    pub fn new(
        seed: u64,
        tables: Vec<(Table, &'static [Injection], bool)>,
        files: Vec<FileSpec>,
        record_defects: bool,
    ) -> Self {
        let mut file_of = vec![usize::MAX; tables.len()];
        for (fi, f) in files.iter().enumerate() {
            for &t in &f.tables {
                file_of[t] = fi;
            }
        }
        let tables = tables
            .into_iter()
            .enumerate()
            .map(|(ti, (def, inj, iso_dates))| {
                let injections = inj
                    .iter()
                    .map(|i| {
                        let c = def.column_index(i.column).unwrap_or_else(|| {
                            panic!("injection on unknown column {}.{}", def.name, i.column)
                        });
                        (c, i)
                    })
                    .collect();
                TableState {
                    def,
                    file: file_of[ti],
                    records: 0,
                    injections,
                    iso_dates,
                }
            })
            .collect();
        let open = files.iter().map(|_| None).collect();
        Emitter {
            seed,
            tables,
            files,
            open,
            defects: record_defects.then(Vec::new),
            buf: Vec::with_capacity(4096),
        }
    }

    pub fn files(&self) -> &[FileSpec] {
        &self.files
    }

    /// Opens file `fi` on `out` and writes its first line.
    pub fn open(&mut self, fi: usize, out: Box<dyn Write + 'w>) -> io::Result<()> {
        let mut out = HashingWriter::new(out);
        let mut line = Vec::new();
        if !encoding::encode_cp1252(&self.files[fi].first_line, &mut line) {
            return Err(io::Error::other("first line outside WINDOWS-1252"));
        }
        line.extend_from_slice(dialect::CRLF);
        out.write_all(&line)?;
        self.open[fi] = Some(OpenFile { out, records: 0 });
        Ok(())
    }

    /// Closes file `fi` and returns its writer and statistics. It does not flush: the owner of
    /// the writer finishes it (a flush in the middle of an armored age stream breaks the line
    /// lengths of age 0.12's `ArmoredWriter`, which counts flushed bytes twice).
    pub fn close(&mut self, fi: usize) -> io::Result<(Box<dyn Write + 'w>, FileStats)> {
        let f = self.open[fi].take().expect("file open");
        let records = f.records;
        let (w, bytes, sha256) = f.out.finish();
        Ok((
            w,
            FileStats {
                path: self.files[fi].path.clone(),
                records,
                bytes,
                sha256,
            },
        ))
    }

    /// True when rows of table `t` are wanted now (its file is open).
    pub fn wants(&self, t: usize) -> bool {
        self.open[self.tables[t].file].is_some()
    }

    /// Records written so far in table `t`.
    pub fn records(&self, t: usize) -> u64 {
        self.tables[t].records
    }

    /// Takes the recorded defects, sorted by file, table, record, column and kind.
    pub fn take_defects(&mut self) -> Vec<Defect> {
        let mut d = self.defects.take().unwrap_or_default();
        let order = |d: &Defect| {
            let fi = self.files.iter().position(|f| f.path == d.file);
            let ti = self.tables.iter().position(|t| t.def.name == d.table);
            let ci = ti.and_then(|ti| self.tables[ti].def.column_index(&d.column));
            (fi, ti, d.record, ci, d.kind)
        };
        d.sort_by_key(|x| order(x));
        d
    }

    /// Writes one row of table `t`.
    pub fn row(&mut self, t: usize, row: &mut RowBuf) -> io::Result<()> {
        let state = &mut self.tables[t];
        assert_eq!(
            row.len,
            state.def.columns.len(),
            "row of {} with a wrong number of fields",
            state.def.name
        );
        state.records += 1;
        let record = state.records;
        if !row.protected {
            for (n, &(c, inj)) in state.injections.iter().enumerate() {
                let mut rng = Rng::derive(self.seed, &[SALT_INJECT, t as u64, record, n as u64]);
                if rng.chance(inj.rate)
                    && let Some(v) = (inj.mutate)(&mut rng, &row.fields[c])
                {
                    row.fields[c] = v;
                    if let Some(k) = inj.kind {
                        row.marks.push((c, k));
                    }
                }
            }
        }
        if let Some(defects) = self.defects.as_mut() {
            let file = &self.files[state.file].path;
            let mut push = |c: usize, kind: DefectKind, value: &str| {
                defects.push(Defect {
                    file: file.clone(),
                    table: state.def.name.clone(),
                    record,
                    column: state.def.columns[c].name.clone(),
                    value: value.to_string(),
                    kind,
                })
            };
            for &(c, kind) in &row.marks {
                push(c, kind, &row.fields[c]);
            }
            for (c, col) in state.def.columns.iter().enumerate() {
                let v = &row.fields[c];
                if v.is_empty() {
                    continue;
                }
                for kind in detect(col.ty, col.length, state.iso_dates, v) {
                    push(c, kind, v);
                }
            }
        }
        self.buf.clear();
        for (i, f) in row.fields[..row.len].iter().enumerate() {
            if i > 0 {
                self.buf.push(dialect::SEPARATOR);
            }
            let start = self.buf.len();
            if !encoding::encode_cp1252(f, &mut self.buf) {
                return Err(io::Error::other(format!(
                    "valeur hors WINDOWS-1252 dans {} : {f}",
                    state.def.name
                )));
            }
            if dialect::needs_quotes(&self.buf[start..]) {
                let raw = self.buf.split_off(start);
                dialect::push_field(&mut self.buf, &raw);
            }
        }
        self.buf.extend_from_slice(dialect::CRLF);
        let file = self.open[state.file]
            .as_mut()
            .expect("row for a closed file");
        file.records += 1;
        file.out.write_all(&self.buf)
    }
}

/// Defects visible in a value itself.
fn detect(ty: ColumnType, length: Option<u32>, iso: bool, v: &str) -> Vec<DefectKind> {
    let mut out = Vec::new();
    if ty == ColumnType::Date && !valid_date(v, iso) {
        out.push(DefectKind::ImpossibleDate);
    }
    if ty == ColumnType::Char && v.ends_with(' ') {
        out.push(DefectKind::PaddedChar);
    }
    if ty.is_text()
        && let Some(len) = length
        && v.chars().count() > len as usize
    {
        out.push(DefectKind::OverlongValue);
    }
    if v.chars().any(|c| c < ' ' && c != '\r' && c != '\n') {
        out.push(DefectKind::ControlCharacter);
    }
    if v.contains([';', '"', '\r', '\n']) {
        out.push(DefectKind::SpecialCharacters);
    }
    out
}

fn valid_date(v: &str, iso: bool) -> bool {
    if iso {
        return NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok() && v.len() == 10;
    }
    match v.len() {
        10 => NaiveDate::parse_from_str(v, "%d/%m/%Y").is_ok(),
        19 => NaiveDateTime::parse_from_str(v, "%d/%m/%Y %H:%M:%S").is_ok(),
        _ => false,
    }
}

/// Mutations shared by the applications.
pub mod mutate {
    use super::Rng;

    /// A date that no calendar has.
    pub fn impossible_date(rng: &mut Rng, v: &str) -> Option<String> {
        if v.is_empty() {
            return None;
        }
        const BAD: [&str; 6] = [
            "00/00/0000",
            "31/02/1997",
            "30/02/2001",
            "31/04/1999",
            "31/06/1988",
            "29/02/1990",
        ];
        Some(rng.pick(&BAD).to_string())
    }

    /// A 2-digit key that differs from the delivered one.
    pub fn wrong_key2(rng: &mut Rng, v: &str) -> Option<String> {
        let k: u32 = v.trim().parse().ok()?;
        let bad = (k + 1 + rng.below(95) as u32) % 97 + 1;
        let bad = if bad == k { k % 97 + 1 } else { bad };
        Some(format!("{bad:02}"))
    }

    /// Text beyond its declared length (keyed without the length check of the time).
    pub fn overlong(rng: &mut Rng, v: &str) -> Option<String> {
        if v.is_empty() {
            return None;
        }
        const TAILS: [&str; 4] = [
            " (SUITE DE L'ADRESSE SAISIE SANS CONTRÔLE DE LONGUEUR)",
            " - VOIR COURRIER DU SERVICE EN DATE DU 12 MARS, PIÈCES COMPLÉMENTAIRES",
            " ZONE INDUSTRIELLE DES DEUX RIVIÈRES BÂTIMENT C ESCALIER 4",
            " ET CE JUSQU'À NOUVEL EXAMEN DE LA SITUATION PAR LA COMMISSION PLÉNIÈRE",
        ];
        let mut s = v.to_string();
        while s.chars().count() <= 240 {
            s.push_str(rng.pick_copy(&TAILS));
            if rng.chance(0.5) {
                break;
            }
        }
        Some(s)
    }

    /// A stray control character in the middle of the text.
    pub fn control_char(rng: &mut Rng, v: &str) -> Option<String> {
        if v.chars().count() < 2 {
            return None;
        }
        const CTRL: [char; 5] = ['\u{1}', '\t', '\u{c}', '\u{1a}', '\u{7}'];
        let at = 1 + rng.below(v.chars().count() as u64 - 1) as usize;
        let mut s: String = v.chars().take(at).collect();
        s.push(rng.pick_copy(&CTRL));
        s.extend(v.chars().skip(at));
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::descriptif::Descriptif;

    fn table() -> Table {
        Descriptif::parse_simple(
            "T;0;;;;;;;;;t\nT;1;ID;NUMBER;;9;0;O;1;;i\nT;2;C;CHAR;3;;;N;;;c\nT;3;D;DATE;;;;N;;;d\nT;4;X;VARCHAR2;5;;;N;;;x\n",
        )
        .unwrap()
        .tables
        .remove(0)
    }

    #[test]
    fn rows_are_encoded_quoted_and_counted() {
        let files = vec![FileSpec {
            path: "DONNEES/T.TXT".into(),
            tables: vec![0],
            first_line: "ID;C;D;X".into(),
        }];
        let mut buf: Vec<u8> = Vec::new();
        let mut e = Emitter::new(1, vec![(table(), &[], false)], files, true);
        e.open(0, Box::new(&mut buf)).unwrap();
        let mut r = RowBuf::default();
        r.begin();
        r.int(1);
        r.s("A ");
        r.date(NaiveDate::from_ymd_opt(1997, 2, 3).unwrap());
        r.s("é;\"xy\"");
        e.row(0, &mut r).unwrap();
        r.begin();
        r.int(2);
        r.empty();
        r.s("31/02/1997");
        r.s("a\u{1}b");
        e.row(0, &mut r).unwrap();
        let (_, stats) = e.close(0).unwrap();
        assert_eq!(stats.records, 2);
        let expected: &[u8] =
            b"ID;C;D;X\r\n1;A ;03/02/1997;\"\xe9;\"\"xy\"\"\"\r\n2;;31/02/1997;a\x01b\r\n";
        assert_eq!(stats.bytes, expected.len() as u64);
        let kinds: Vec<_> = e
            .take_defects()
            .into_iter()
            .map(|d| (d.record, d.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (1, DefectKind::PaddedChar),
                (1, DefectKind::OverlongValue),
                (1, DefectKind::SpecialCharacters),
                (2, DefectKind::ImpossibleDate),
                (2, DefectKind::ControlCharacter),
            ]
        );
        drop(e);
        assert_eq!(buf, expected);
    }

    #[test]
    fn mutations_make_defects() {
        let mut rng = Rng::derive(3, &[]);
        for _ in 0..100 {
            let k = mutate::wrong_key2(&mut rng, "93").unwrap();
            assert_ne!(k, "93");
            assert_eq!(k.len(), 2);
            let d = mutate::impossible_date(&mut rng, "01/01/2000").unwrap();
            assert!(!valid_date(&d, false));
            let o = mutate::overlong(&mut rng, "RUE").unwrap();
            assert!(o.chars().count() > 38);
            let c = mutate::control_char(&mut rng, "ABCD").unwrap();
            assert!(c.chars().any(|c| c < ' '));
        }
        assert_eq!(mutate::impossible_date(&mut rng, ""), None);
    }
}
