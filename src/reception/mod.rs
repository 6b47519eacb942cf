//! The reception check (spec section 8): reads a delivery once, streaming, and for every file
//! compares what CONTROLE.TXT declares with what is read, checks headers against DESCRIPTIF.TXT,
//! the extraction log and LISEZMOI.TXT, types every value, and finds the data defects (anomalies).
//! What it reads goes to a [`Loader`]: nothing for `reprise verify`, the store for an import.

pub mod anomaly;
pub mod report;
pub mod value;

use crate::calendar;
use crate::delivery::{
    Counter, Delivery, DeliveryError, Flow, LimitedReader, Member, Secret, map_read_error,
};
use crate::format::controle::Controle;
use crate::format::descriptif::{Column, ColumnType, Descriptif, Table};
use crate::format::extraction_log::ExtractionLog;
use crate::format::lisezmoi::Lisezmoi;
use crate::format::records::{
    self, Block, BlockReader, RecordError, RecordReader, RecordRef, Terminator,
};
use crate::format::{self, ids};
use crate::profile::{IdentifierKind, Profile};
use anomaly::{Anomaly, AnomalyKind, SummaryBuilder};
use chrono::NaiveDate;
use encoding_rs::Encoding;
use report::{DeliveryIdentity, FileCheck, LogCheck, ReceptionReport, TableCount, Verdict};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::hash::Hasher;
use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, sync_channel};
use thiserror::Error;
use value::{TextForm, Untyped, Value};

/// Largest metadata file read in memory (LISEZMOI, CONTROLE, DESCRIPTIF, EXTRACTION.LOG).
pub const MAX_METADATA_BYTES: u64 = 64 << 20;
/// Largest number of files a delivery may list.
pub const MAX_FILES: usize = 10_000;

const METADATA: [&str; 4] = [
    format::LISEZMOI,
    format::CONTROLE,
    format::DESCRIPTIF,
    format::EXTRACTION_LOG,
];

/// A table as the loader receives it.
#[derive(Clone, Debug)]
pub struct TableInfo {
    pub name: String,
    pub label: String,
    pub file: String,
    pub columns: Vec<Column>,
    pub form: TextForm,
    /// Described in DESCRIPTIF.TXT (else typed as text from the file's header).
    pub described: bool,
}

/// A file as the loader receives it, once read.
#[derive(Clone, Debug, Default)]
pub struct FileInfo {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
    pub records: u64,
    pub bom: bool,
    /// The first line as delivered, with its line end (header, or FINESS metadata line).
    pub first_line: Vec<u8>,
    /// The whole file, for the metadata files (LISEZMOI, CONTROLE, DESCRIPTIF, EXTRACTION.LOG).
    pub content: Option<Vec<u8>>,
    /// Tables held by the file, in the order the loader received them.
    pub tables: Vec<usize>,
}

/// Errors of the loader (the store), which stop the reception.
#[derive(Debug, Error)]
pub enum LoadError {
    #[error("{0}")]
    Store(String),
    #[error("lecture interrompue à la demande")]
    Cancelled,
}

/// Receives what the reception reads.
pub trait Loader {
    /// The application's profile as the reception found it (none: generic mode), once, before
    /// any table.
    fn profile(&mut self, _profile: Option<&Profile>) -> Result<(), LoadError> {
        Ok(())
    }
    fn begin_table(&mut self, index: usize, table: &TableInfo) -> Result<(), LoadError>;
    /// A row of table `index`, record `record` of its table and `file_record` of its file (they
    /// differ when a file holds several tables); `raw` is the record exactly as delivered (with
    /// its line end) when writing the values back in the format's dialect would not give the same
    /// bytes.
    fn row(
        &mut self,
        index: usize,
        record: u64,
        file_record: u64,
        values: &mut Vec<Value>,
        raw: Option<&[u8]>,
    ) -> Result<(), LoadError>;
    fn end_table(
        &mut self,
        index: usize,
        rows: u64,
        leading_zero: &[bool],
    ) -> Result<(), LoadError>;
    fn file(&mut self, file: &FileInfo) -> Result<(), LoadError>;
    fn anomaly(&mut self, anomaly: &Anomaly) -> Result<(), LoadError>;
    /// False when the loader ignores the values of [`Loader::row`]: text values are then left
    /// out (NULL) where no check needs them.
    fn keeps_values(&self) -> bool {
        true
    }
}

/// A loader that keeps nothing (`reprise verify`).
pub struct NoLoader;

impl Loader for NoLoader {
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
        Ok(())
    }
    fn end_table(&mut self, _: usize, _: u64, _: &[bool]) -> Result<(), LoadError> {
        Ok(())
    }
    fn file(&mut self, _: &FileInfo) -> Result<(), LoadError> {
        Ok(())
    }
    fn anomaly(&mut self, _: &Anomaly) -> Result<(), LoadError> {
        Ok(())
    }
    fn keeps_values(&self) -> bool {
        false
    }
}

#[derive(Debug, Error)]
pub enum ReceiveError {
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
    #[error(transparent)]
    Load(#[from] LoadError),
}

impl ReceiveError {
    pub fn exit_code(&self) -> u8 {
        match self {
            ReceiveError::Delivery(d) => d.exit_code(),
            ReceiveError::Load(LoadError::Cancelled) => 4,
            ReceiveError::Load(_) => 5,
        }
    }
}

/// Progress of a reception, for a progress bar.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    pub file: String,
    pub bytes: u64,
    pub bytes_expected: Option<u64>,
    pub records: u64,
    pub files_done: usize,
    pub files_expected: usize,
}

/// Options of a reception.
pub struct ReceiveOptions<'a> {
    pub secret: Option<&'a Secret>,
    pub received_on: NaiveDate,
    pub profiles: &'a [Profile],
    pub cancel: &'a AtomicBool,
    pub progress: &'a mut (dyn FnMut(&Progress) + Send),
}

/// A 64-bit hash of key values, trailing blanks ignored (FNV-1a, then a SplitMix64 finaliser to
/// spread the bits). Membership tests on millions of keys need speed more than a keyed hash: the
/// input is the delivery itself, and a collision could only hide one orphan reference.
fn key_hash(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for &b in trim_blanks(p) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h ^= 0xFF;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    h ^ (h >> 31)
}

/// Sets of key hashes: the values are hashes already.
type HashSet64 = HashSet<u64, std::hash::BuildHasherDefault<IdentityHasher>>;

#[derive(Default)]
struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

fn trim_blanks(b: &[u8]) -> &[u8] {
    let end = b.iter().rposition(|&c| c != b' ').map_or(0, |p| p + 1);
    &b[..end]
}

/// The parts of one value of some columns of a record, gathered on the stack for up to four
/// columns (every key of ITAC and OPALES): a record's keys and references are gathered several
/// times per record, where a growable list costs more than the look-up that follows.
#[derive(Default)]
struct Gathered<'a> {
    inline: [&'a [u8]; 4],
    more: Vec<&'a [u8]>,
}

impl<'a> Gathered<'a> {
    /// The value of `columns`, each part read by `field`.
    fn fill(&mut self, columns: &[usize], field: impl Fn(usize) -> &'a [u8]) -> &[&'a [u8]] {
        if let Some(slots) = self.inline.get_mut(..columns.len()) {
            for (slot, &c) in slots.iter_mut().zip(columns) {
                *slot = field(c);
            }
            return slots;
        }
        self.more.clear();
        self.more.extend(columns.iter().map(|&c| field(c)));
        &self.more
    }
}

/// A set of values of some columns of a table that other tables refer to.
struct TargetSet {
    columns: Vec<usize>,
    values: KeySet,
}

/// Width of the window of numbers a [`KeySet`] keeps as bits: 2^26 numbers, 8 MiB at most.
const DENSE_SPAN: u64 = 1 << 26;
/// How far below the first number met the window starts (files are mostly in key order).
const DENSE_BELOW: u64 = 1 << 20;

/// The values of a key. A key of one part made of digits (sequence numbers, dossier numbers:
/// most keys) is a bit in a bitmap over a window of numbers, met in order and so read and
/// written in order, where a hash set would touch memory at random for every row; any other
/// value is kept by its 64-bit hash. A value always lands in the same place: the window (how
/// its numbers are written and its first number) is fixed by the first value.
///
/// Other values that come in increasing order (a composite key of a file in key order) are fresh
/// by that order alone: their hashes are only listed. They go into the hash set when a value
/// breaks the order; when the table ends in order and other tables refer to it, they are sorted
/// ([`KeySet::seal`]: sorting costs a fraction of filling the hash set, and happens between two
/// files, when the other core waits).
#[derive(Default)]
struct KeySet {
    dense: Option<Dense>,
    hashes: HashSet64,
    /// Rows expected (CONTROLE.TXT), to size the hash set when it gets its first value.
    expected: usize,
    /// Where the values kept by hash stand with regard to their order.
    order: Order,
}

/// The values a [`KeySet`] keeps by hash: none yet, in increasing order so far, in the hash set
/// (the order broke, or the set is sealed without being referred to), or sorted (the table
/// ended in order).
#[derive(Default)]
enum Order {
    #[default]
    NoneYet,
    Increasing(Run),
    Hashed,
    Sorted(SortedHashes),
}

/// A run of values in increasing order: the last one and the hashes of all of them.
#[derive(Default)]
struct Run {
    last: Parts,
    hashes: Vec<u64>,
}

/// One value of some columns: its parts end to end.
#[derive(Default)]
struct Parts {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Parts {
    fn set<'p>(&mut self, parts: impl IntoIterator<Item = &'p [u8]>) {
        self.bytes.clear();
        self.ends.clear();
        for p in parts {
            self.bytes.extend_from_slice(p);
            self.ends.push(self.bytes.len());
        }
    }

    fn iter(&self) -> impl Iterator<Item = &[u8]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|(a, &b)| &self.bytes[a..b])
    }

    fn equals(&self, parts: &[&[u8]]) -> bool {
        self.ends.len() == parts.len() && self.iter().zip(parts).all(|(a, b)| a == *b)
    }
}

/// Order of two trimmed parts: numbers written without leading zeros first, by value; then any
/// other writing, by bytes. A total order in which equal means the same bytes.
fn part_order(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let number = |p: &[u8]| {
        !p.is_empty() && (p.len() == 1 || p[0] != b'0') && p.iter().all(u8::is_ascii_digit)
    };
    match (number(a), number(b)) {
        (true, true) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        (true, false) => std::cmp::Ordering::Less,
        (false, true) => std::cmp::Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

impl Run {
    /// Whether `parts` (trimmed) come strictly after the last value.
    fn follows(&self, parts: &[&[u8]]) -> bool {
        if self.hashes.is_empty() {
            return true;
        }
        for (p, last) in parts.iter().zip(self.last.iter()) {
            match part_order(trim_blanks(p), last) {
                std::cmp::Ordering::Equal => {}
                o => return o == std::cmp::Ordering::Greater,
            }
        }
        false
    }

    fn push(&mut self, parts: &[&[u8]], hash: u64) {
        self.last.set(parts.iter().map(|p| trim_blanks(p)));
        self.hashes.push(hash);
    }
}

struct Dense {
    /// The writing of the numbers in the window: their width when written with leading zeros
    /// (`0597600001`), or `None` when written without (`1`, `25`, `1234`).
    width: Option<usize>,
    base: u64,
    bits: Vec<u64>,
}

/// How `p`, made of digits, writes its number: with leading zeros to a width, or without.
fn digits_width(p: &[u8]) -> Option<usize> {
    (p.len() > 1 && p[0] == b'0').then_some(p.len())
}

/// The number written by `p`, when `p` is made of 1 to 18 digits.
fn digits_value(p: &[u8]) -> Option<u64> {
    if p.is_empty() || p.len() > 18 {
        return None;
    }
    // One pass: each byte checked and added in.
    p.iter().try_fold(0u64, |n, &b| {
        let d = b.wrapping_sub(b'0');
        (d < 10).then(|| n * 10 + u64::from(d))
    })
}

impl Dense {
    /// Position of `p` (trailing blanks removed) in the window, if it falls there.
    fn slot(&self, p: &[u8]) -> Option<usize> {
        let v = digits_value(p)?;
        (digits_width(p) == self.width && v >= self.base && v - self.base < DENSE_SPAN)
            .then(|| (v - self.base) as usize)
    }

    /// Moves the window's start down to take `p` in, if the numbers already met still fit.
    fn extend_down(&mut self, p: &[u8]) {
        let Some(v) = digits_value(p) else {
            return;
        };
        if digits_width(p) != self.width || v >= self.base {
            return;
        }
        for base in [v.saturating_sub(DENSE_BELOW) & !63, v & !63] {
            let words = ((self.base - base) / 64) as usize;
            if ((self.bits.len() + words) as u64) * 64 <= DENSE_SPAN {
                self.bits.splice(0..0, std::iter::repeat_n(0, words));
                self.base = base;
                return;
            }
        }
    }

    fn has(&self, i: usize) -> bool {
        self.bits
            .get(i / 64)
            .is_some_and(|w| w & (1u64 << (i % 64)) != 0)
    }
}

impl KeySet {
    /// Adds a value; false when it was there already.
    fn insert(&mut self, parts: &[&[u8]]) -> bool {
        if let [p] = parts {
            let p = trim_blanks(p);
            if self.dense.is_none()
                && let Some(v) = digits_value(p)
            {
                self.dense = Some(Dense {
                    width: digits_width(p),
                    base: v.saturating_sub(DENSE_BELOW) & !63,
                    bits: Vec::new(),
                });
            }
            // A number below the window moves it down (dossier numbers whose two-digit year
            // went from 99 to 00), as long as no value went by hash yet: the window must never
            // come to cover a value kept by hash.
            let by_hash = !self.hashes.is_empty() || matches!(self.order, Order::Increasing(_));
            if let Some(d) = &mut self.dense
                && !by_hash
                && d.slot(p).is_none()
            {
                d.extend_down(p);
            }
            if let Some(d) = &mut self.dense
                && let Some(i) = d.slot(p)
            {
                let fresh = !d.has(i);
                if d.bits.len() <= i / 64 {
                    d.bits.resize(i / 64 + 1, 0);
                }
                d.bits[i / 64] |= 1 << (i % 64);
                return fresh;
            }
        }
        let hash = key_hash(parts);
        if let Order::NoneYet = self.order {
            self.order = Order::Increasing(Run {
                hashes: Vec::with_capacity(self.expected),
                ..Run::default()
            });
        }
        if let Order::Increasing(run) = &mut self.order {
            if run.follows(parts) {
                run.push(parts, hash);
                return true;
            }
            self.flush_run();
        }
        self.reserve();
        self.hashes.insert(hash)
    }

    fn reserve(&mut self) {
        if self.expected > 0 {
            self.hashes.reserve(std::mem::take(&mut self.expected));
        }
    }

    /// Puts the values of the run into the hash set, and stops the run.
    fn flush_run(&mut self) {
        if let Order::Increasing(run) = std::mem::replace(&mut self.order, Order::Hashed) {
            self.reserve();
            self.hashes.extend(run.hashes);
        }
    }

    /// The table is read: the set is ready for [`KeySet::contains`], or, when nothing refers to
    /// it, dropped.
    fn seal(&mut self, referenced: bool) {
        if referenced {
            if let Order::Increasing(run) = &mut self.order {
                self.order = Order::Sorted(SortedHashes::new(std::mem::take(&mut run.hashes)));
            }
        } else {
            self.order = Order::Hashed;
            self.dense = None;
            self.hashes = HashSet64::default();
        }
    }

    /// Whether the set holds a value (once sealed).
    fn contains(&self, parts: &[&[u8]]) -> bool {
        debug_assert!(
            !matches!(self.order, Order::Increasing(_)),
            "a set is sealed before it is read"
        );
        if let ([p], Some(d)) = (parts, &self.dense) {
            let p = trim_blanks(p);
            if let Some(i) = d.slot(p) {
                return d.has(i);
            }
        }
        let hash = key_hash(parts);
        match &self.order {
            Order::Sorted(sorted) => sorted.contains(hash),
            _ => self.hashes.contains(&hash),
        }
    }
}

/// Hashes in increasing order, with where each value of their first [`SortedHashes::BITS`] bits
/// starts: a look-up reads one entry of that directory and the few hashes of its slice (hashes
/// are spread evenly), where a binary search over millions would wait on memory at each of its
/// last steps.
#[derive(Default)]
struct SortedHashes {
    hashes: Vec<u64>,
    starts: Vec<u32>,
}

impl SortedHashes {
    const BITS: u32 = 16;

    fn new(mut hashes: Vec<u64>) -> SortedHashes {
        hashes.sort_unstable();
        // Fewer than 2^32 hashes: that many would take 32 GB.
        let mut starts = Vec::with_capacity((1 << Self::BITS) + 1);
        let mut at = 0;
        for slot in 0..=(1u64 << Self::BITS) {
            while at < hashes.len() && hashes[at] >> (64 - Self::BITS) < slot {
                at += 1;
            }
            starts.push(at as u32);
        }
        SortedHashes { hashes, starts }
    }

    fn contains(&self, hash: u64) -> bool {
        let slot = (hash >> (64 - Self::BITS)) as usize;
        let (a, b) = (self.starts[slot] as usize, self.starts[slot + 1] as usize);
        self.hashes[a..b].binary_search(&hash).is_ok()
    }
}

/// A reference from columns of a table to a target set of another.
struct RefCheck {
    columns: Vec<usize>,
    target_table: String,
    /// Index of the target table in `Reception::tables`.
    target_index: usize,
    target_set: usize,
    kind: AnomalyKind,
    /// Values whose target table was not read yet.
    pending: Pending,
    /// The last value found in the target, as delivered: the next record often refers to the
    /// same one (the demands of one dossier follow one another).
    found: Parts,
}

/// References waiting for their target table: their records and delivered parts, kept end to
/// end in one buffer (one allocation per reference would cost more than the check). Every
/// reference of a check has as many parts as the check has columns.
#[derive(Default)]
struct Pending {
    records: Vec<u64>,
    /// End of each part in `bytes`, the parts of one reference after one another.
    ends: Vec<usize>,
    bytes: Vec<u8>,
}

impl Pending {
    fn push(&mut self, record: u64, parts: &[&[u8]]) {
        for p in parts {
            self.bytes.extend_from_slice(p);
            self.ends.push(self.bytes.len());
        }
        self.records.push(record);
    }

    fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Each reference in the order they were pushed: its record and its parts (in `parts`).
    fn for_each<'p>(&'p self, parts: &mut Vec<&'p [u8]>, mut f: impl FnMut(u64, &[&'p [u8]])) {
        let width = self.ends.len() / self.records.len().max(1);
        let mut start = 0;
        for (record, ends) in self.records.iter().zip(self.ends.chunks(width.max(1))) {
            parts.clear();
            for &end in ends {
                parts.push(&self.bytes[start..end]);
                start = end;
            }
            f(*record, parts);
        }
    }
}

struct IdCheck {
    kind: IdentifierKind,
    column: usize,
    key_column: Option<usize>,
}

struct TableState {
    info: TableInfo,
    index: usize,
    rows: u64,
    started: bool,
    done: bool,
    leading_zero: Vec<Option<bool>>,
    /// Columns whose text values are built: all of them for a loader that keeps values, else
    /// only those an identifier check reads.
    keep: Vec<bool>,
    key_columns: Vec<usize>,
    targets: Vec<TargetSet>,
    refs: Vec<RefCheck>,
    ids: Vec<IdCheck>,
}

/// Reads a member while hashing and counting it.
struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

struct ReadFile {
    bytes: u64,
    sha: String,
    records: u64,
}

/// The reception in progress.
struct Reception<'a, 'l> {
    delivery: &'a Delivery,
    opts: ReceiveOptions<'a>,
    loader: &'l mut (dyn Loader + Send),
    total: Counter,
    metadata: HashMap<String, Vec<u8>>,
    lisezmoi: Option<Lisezmoi>,
    controle: Option<Controle>,
    descriptif: Option<Descriptif>,
    descriptif_error: Option<String>,
    log: Option<ExtractionLog>,
    encoding: &'static Encoding,
    /// For a single-byte encoding (windows-1252…), the bytes it decodes without error: the
    /// text of a value nobody keeps is then checked on its bytes, without decoding it.
    single_byte: Option<[bool; 256]>,
    decimal: char,
    profile: Option<Profile>,
    tables: Vec<TableState>,
    next_index: usize,
    read: HashMap<String, ReadFile>,
    /// Files met before the metadata was known, read in a second pass.
    deferred: Vec<String>,
    prepared: bool,
    reasons: Vec<String>,
    warnings: Vec<String>,
    summary: SummaryBuilder,
    progress: Progress,
    /// Strings of the text values of the previous record, emptied: the next record's texts are
    /// copied into them rather than into new allocations.
    spare: Vec<String>,
    /// Blocks of records, emptied, kept from one file to the next with their memory (a
    /// fresh block's pages cost the kernel zeroing them).
    blocks: Vec<(Block, Vec<u64>)>,
}

/// Sets a value to NULL, its string kept in `spare` for a later text.
fn recycle(v: &mut Value, spare: &mut Vec<String>) {
    if matches!(v, Value::Null) {
        return;
    }
    if let Value::Text(mut s) = std::mem::replace(v, Value::Null)
        && spare.len() < SPARE_STRINGS
        && s.capacity() <= SPARE_CAPACITY
    {
        s.clear();
        spare.push(s);
    }
}

/// At most so many emptied strings are kept for the next record, each of at most so many bytes
/// (a 50 MB value is not kept for the values that follow).
const SPARE_STRINGS: usize = 1024;
const SPARE_CAPACITY: usize = 4096;

/// Blocks of records read ahead of the checks ([`Reception::check_in_two`]): with blocks of
/// [`records::BLOCK_BYTES`], about 1 MB of records in flight.
const BLOCKS_AHEAD: usize = 8;
/// Blocks waiting for the checking thread from which the reading thread checks values ahead.
const AHEAD_WHEN_WAITING: usize = 2;

/// Whether a value nobody keeps passes every check of its column, seen from its bytes (`ascii`:
/// the record is ASCII in an ASCII-compatible encoding; `decodes`: the bytes a single-byte
/// encoding decodes). False sends
/// the value to the full reading, which says what is wrong with it: the answer only spares work,
/// it never changes a verdict. Without the column's `leading_zero` (a check ahead of the
/// records before it), a decimal number is not known clean.
#[inline(always)]
fn unkept_is_clean(
    col: ColCheck,
    bytes: &[u8],
    ascii: bool,
    controls: bool,
    decodes: Option<&[bool; 256]>,
    form: value::TextForm,
    leading_zero: Option<&mut Option<bool>>,
) -> bool {
    if bytes.is_empty() {
        return !col.mandatory;
    }
    if controls && bytes.iter().copied().any(records::is_control) {
        return false;
    }
    if col.ty.is_text() {
        // One character per byte, each decoded without error, within the declared length.
        return bytes.len() <= col.length
            && (ascii || decodes.is_some_and(|d| bytes.iter().all(|&b| d[b as usize])));
    }
    // A well-written date or number is ASCII, which reads the same in the encodings that give a
    // text or a table here (ASCII-compatible ones).
    if !ascii && (decodes.is_none() || !bytes.is_ascii()) {
        return false;
    }
    match col.ty {
        ColumnType::Date => value::date_of(bytes, form).is_some(),
        ColumnType::Number => {
            value::is_plain_integer_bytes(bytes)
                || leading_zero.is_some_and(|lz| {
                    std::str::from_utf8(bytes)
                        .is_ok_and(|text| value::parse_number(text, form.decimal, lz).is_some())
                })
        }
        _ => false,
    }
}

/// What [`unkept_is_clean`] reads of a column, in a few bytes.
#[derive(Clone, Copy, Debug)]
struct ColCheck {
    ty: ColumnType,
    mandatory: bool,
    /// The declared length (`usize::MAX` when none is declared).
    length: usize,
}

impl ColCheck {
    fn of(col: &Column) -> ColCheck {
        ColCheck {
            ty: col.ty,
            mandatory: col.mandatory,
            length: col.length.map_or(usize::MAX, |l| l as usize),
        }
    }
}

/// The checks of a table's values that depend on nothing read before (see [`unkept_is_clean`]),
/// made on the reading thread while the checking thread checks the blocks before: for each
/// record, the columns (the first 64) whose values are known clean.
struct Ahead {
    /// The columns nobody keeps among the first 64, in order (the others are checked by the
    /// checking thread).
    columns: Vec<(usize, ColCheck)>,
    form: value::TextForm,
    ascii_compatible: bool,
    decodes: Option<[bool; 256]>,
}

impl Ahead {
    /// Bit `c` of `clean[i]`: the value of column `c` of record `i` of `block` is clean.
    fn check(&self, block: &Block, skip: usize, clean: &mut Vec<u64>) {
        clean.clear();
        clean.extend(block.records().skip(skip).map(|rec| {
            let ascii = self.ascii_compatible && rec.ascii;
            // Most records: ASCII without a control character, where the checks of a value
            // come down to its length, or the writing of a date or a number.
            if ascii && !rec.controls {
                self.mask(rec, true, false)
            } else {
                self.mask(rec, ascii, rec.controls)
            }
        }));
    }

    /// The clean columns of one record.
    #[inline(always)]
    fn mask(&self, rec: RecordRef<'_>, ascii: bool, controls: bool) -> u64 {
        let mut mask = 0u64;
        for &(ci, col) in &self.columns {
            let Some(field) = rec.get(ci) else {
                break;
            };
            if unkept_is_clean(
                col,
                field,
                ascii,
                controls,
                self.decodes.as_ref(),
                self.form,
                None,
            ) {
                mask |= 1 << ci;
            }
        }
        mask
    }
}

/// The columns of a record not known clean ahead, in order: the first 64 from the bits of a
/// mask, any further ones one by one.
struct Unclean {
    bits: u64,
    rest: std::ops::Range<usize>,
}

impl Unclean {
    /// The `ncols` columns but those whose bit is set in `clean`.
    fn new(ncols: usize, clean: u64) -> Unclean {
        let all = if ncols >= 64 {
            u64::MAX
        } else {
            (1u64 << ncols) - 1
        };
        Unclean {
            bits: all & !clean,
            rest: 64.min(ncols)..ncols,
        }
    }
}

impl Iterator for Unclean {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        if self.bits == 0 {
            return self.rest.next();
        }
        let ci = self.bits.trailing_zeros() as usize;
        self.bits &= self.bits - 1;
        Some(ci)
    }
}

/// For an ASCII-compatible single-byte encoding, which bytes decode without error (each byte is
/// then one character, and a byte below 0x80 is its ASCII character).
fn single_byte_table(enc: &'static Encoding) -> Option<[bool; 256]> {
    if !enc.is_single_byte() || !enc.is_ascii_compatible() {
        return None;
    }
    let mut ok = [false; 256];
    for (b, ok) in ok.iter_mut().enumerate() {
        *ok = !enc.decode_without_bom_handling(&[b as u8]).1;
    }
    Some(ok)
}

fn decode_text(bytes: &[u8], enc: &'static Encoding) -> String {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(bytes);
    enc.decode_without_bom_handling(bytes).0.into_owned()
}

/// Which tables a data file holds, by the format's conventions (spec sections 2 and 6).
pub fn tables_of_file(path: &str) -> Option<Vec<String>> {
    if path == format::FINESS_FILE {
        return Some(vec![
            format::finess::STRUCTURE_TABLE.into(),
            format::finess::GEO_TABLE.into(),
        ]);
    }
    if path == format::RAMSESE_FILE {
        return Some(vec!["REF_RAMSESE".into()]);
    }
    let name = path.strip_prefix("DONNEES/")?.strip_suffix(".TXT")?;
    (!name.is_empty() && !name.contains('/')).then(|| vec![name.to_string()])
}

/// The file a table is delivered in.
fn file_of_table(table: &str) -> String {
    match table {
        format::finess::STRUCTURE_TABLE | format::finess::GEO_TABLE => format::FINESS_FILE.into(),
        "REF_RAMSESE" => format::RAMSESE_FILE.into(),
        t => format!("DONNEES/{t}.TXT"),
    }
}

/// The reception moves to a second thread for the records of a file ([`Reception::check_in_two`]).
const _: fn() = || {
    fn send<T: Send>() {}
    send::<Reception<'static, 'static>>();
};

impl<'a, 'l> Reception<'a, 'l> {
    fn anomaly(&mut self, a: Anomaly) -> Result<(), LoadError> {
        self.summary.add(&a);
        self.loader.anomaly(&a)
    }

    fn visit(&mut self, member: Member, second_pass: bool) -> Result<Flow, DeliveryError> {
        let path = member.path.clone();
        if second_pass && !self.deferred.contains(&path) {
            return Ok(Flow::Continue);
        }
        if self.read.len() > MAX_FILES {
            return Err(DeliveryError::Hostile(format!(
                "plus de {MAX_FILES} fichiers dans la livraison"
            )));
        }
        if METADATA.contains(&path.as_str()) {
            self.read_metadata(member)?;
            // A folder's files are read in the order CONTROLE.TXT lists them, the extraction's
            // order (that of the archive form): a table then comes after the tables it refers
            // to, whose references need not wait in memory for them.
            if path == format::CONTROLE
                && let Some(c) = &self.controle
            {
                return Ok(Flow::Prefer(
                    c.entries.iter().map(|e| e.path.clone()).collect(),
                ));
            }
            return Ok(Flow::Continue);
        }
        let ready = self.metadata.contains_key(format::CONTROLE)
            && self.metadata.contains_key(format::DESCRIPTIF)
            && self.metadata.contains_key(format::LISEZMOI);
        if !ready && !second_pass {
            // The data comes before what describes it: read it in a second pass.
            self.deferred.push(path);
            return Ok(Flow::Continue);
        }
        self.prepare()
            .map_err(|e| DeliveryError::Hostile(e.to_string()))?;
        self.read_data(member).map_err(|e| match e {
            ReceiveError::Delivery(d) => d,
            ReceiveError::Load(l) => {
                DeliveryError::Io(path.clone(), io::Error::other(LoadFailure(l.to_string())))
            }
        })?;
        Ok(Flow::Continue)
    }

    /// Limit of a member: what CONTROLE.TXT declares, else what the container says.
    fn member_limit(&self, path: &str, size: Option<u64>, cap: u64) -> Result<u64, DeliveryError> {
        if let Some(e) = self.controle.as_ref().and_then(|c| c.get(path)) {
            if let Some(s) = size
                && s > e.bytes
            {
                return Err(DeliveryError::Hostile(format!(
                    "{path} fait {s} octets alors que CONTROLE.TXT en déclare {}",
                    e.bytes
                )));
            }
            return Ok(e.bytes);
        }
        Ok(size.unwrap_or(cap).min(cap))
    }

    fn read_metadata(&mut self, member: Member) -> Result<(), DeliveryError> {
        let path = member.path.clone();
        let limit = self.member_limit(&path, member.size, MAX_METADATA_BYTES)?;
        let mut bytes = Vec::new();
        let counter = Counter::new(limit);
        LimitedReader::new(member.reader, counter, path.clone())
            .read_to_end(&mut bytes)
            .map_err(|e| map_read_error(e, &path))?;
        self.progress.files_done += 1;
        self.progress.file = path.clone();
        self.progress.bytes = self.total.read();
        (self.opts.progress)(&self.progress);
        if path == format::LISEZMOI {
            let l = Lisezmoi::parse(&decode_text(&bytes, encoding_rs::WINDOWS_1252));
            if let Some(enc) = l.get("ENCODAGE").and_then(format::encoding::by_label) {
                self.encoding = enc;
            }
            self.decimal = l.decimal_separator();
            self.lisezmoi = Some(Lisezmoi::parse(&decode_text(&bytes, self.encoding)));
        }
        if path == format::CONTROLE {
            let c = Controle::parse(&decode_text(&bytes, self.encoding));
            if c.entries.len() > MAX_FILES {
                return Err(DeliveryError::Hostile(format!(
                    "CONTROLE.TXT liste plus de {MAX_FILES} fichiers"
                )));
            }
            // The whole decompressed archive may hold the declared files, their tar headers and
            // padding, and little else.
            let declared = c.total_bytes() + bytes.len() as u64;
            let overhead = (c.entries.len() as u64 + 16) * 1536 + (1 << 20);
            self.total.set_limit(declared.saturating_add(overhead));
            self.progress.files_expected = c.entries.len() + 1;
            self.controle = Some(c);
        }
        self.metadata.insert(path, bytes);
        Ok(())
    }

    /// Once the metadata is known: parses DESCRIPTIF.TXT, picks the profile, announces the tables.
    fn prepare(&mut self) -> Result<(), LoadError> {
        if self.prepared {
            return Ok(());
        }
        self.prepared = true;
        self.single_byte = single_byte_table(self.encoding);
        if let Some(bytes) = self.metadata.get(format::LISEZMOI)
            && self.lisezmoi.is_none()
        {
            self.lisezmoi = Some(Lisezmoi::parse(&decode_text(bytes, self.encoding)));
        }
        if let Some(bytes) = self.metadata.get(format::DESCRIPTIF) {
            let text = decode_text(bytes, self.encoding);
            let mut reader = RecordReader::new(text.as_bytes());
            let mut records = Vec::new();
            loop {
                match reader.next_record() {
                    Ok(Some(r)) => {
                        if !r.is_blank() {
                            let line = r.line as usize;
                            records.push((
                                line,
                                r.fields()
                                    .map(|f| String::from_utf8_lossy(f).into_owned())
                                    .collect::<Vec<_>>(),
                            ));
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        self.descriptif_error = Some(e.to_string());
                        break;
                    }
                }
            }
            if let Some((_, first)) = records.first()
                && first.join(";") != format::DESCRIPTIF_HEADER
            {
                self.reasons.push(format!(
                    "DESCRIPTIF.TXT : en-tête « {} » au lieu de « {} »",
                    first.join(";"),
                    format::DESCRIPTIF_HEADER
                ));
            }
            match Descriptif::from_records(records) {
                Ok(d) => self.descriptif = Some(d),
                Err(e) => self.descriptif_error = Some(e.to_string()),
            }
        }
        if let Some(e) = &self.descriptif_error {
            self.reasons.push(format!("DESCRIPTIF.TXT illisible : {e}"));
        }
        let (app, version) = self
            .lisezmoi
            .as_ref()
            .map(|l| {
                (
                    l.get("APPLICATION").unwrap_or("").to_string(),
                    l.get("VERSION").unwrap_or("").to_string(),
                )
            })
            .unwrap_or_default();
        self.profile = Profile::find(self.opts.profiles, &app, &version).cloned();
        self.loader.profile(self.profile.as_ref())?;
        if self.profile.is_none() {
            self.warnings.push(format!(
                "aucun profil pour l'application « {app} » version « {version} » : mode générique (tables consultables, recherche dans toutes les colonnes de texte, pas de dossier assemblé ; les identifiants NIR, FINESS, UAI ne sont pas vérifiés)"
            ));
        }
        let described: Vec<Table> = self
            .descriptif
            .as_ref()
            .map(|d| d.tables.clone())
            .unwrap_or_default();
        for t in &described {
            self.add_table(t.clone(), true)?;
        }
        self.plan_checks();
        Ok(())
    }

    fn add_table(&mut self, t: Table, described: bool) -> Result<usize, LoadError> {
        let iso = t.name == format::finess::STRUCTURE_TABLE || t.name == format::finess::GEO_TABLE;
        let form = TextForm {
            decimal: if iso { '.' } else { self.decimal },
            iso_dates: iso,
        };
        let info = TableInfo {
            file: file_of_table(&t.name),
            name: t.name.clone(),
            label: t.label.clone(),
            form,
            described,
            columns: t.columns.clone(),
        };
        let index = self.next_index;
        self.next_index += 1;
        self.loader.begin_table(index, &info)?;
        self.tables.push(TableState {
            leading_zero: vec![None; info.columns.len()],
            keep: vec![self.loader.keeps_values(); info.columns.len()],
            key_columns: t.key_columns(),
            info,
            index,
            rows: 0,
            started: false,
            done: false,
            targets: Vec::new(),
            refs: Vec::new(),
            ids: Vec::new(),
        });
        Ok(self.tables.len() - 1)
    }

    /// Works out which value sets to collect and which references and identifiers to check.
    fn plan_checks(&mut self) {
        // References, grouped per (table, target table).
        for ti in 0..self.tables.len() {
            let cols = self.tables[ti].info.columns.clone();
            let mut by_target: Vec<(String, Vec<(usize, String)>)> = Vec::new();
            for (ci, c) in cols.iter().enumerate() {
                if let Some(r) = &c.reference {
                    match by_target.iter_mut().find(|(t, _)| *t == r.table) {
                        Some((_, v)) => v.push((ci, r.column.clone())),
                        None => by_target.push((r.table.clone(), vec![(ci, r.column.clone())])),
                    }
                }
            }
            for (target, refs) in by_target {
                let Some(tt) = self.tables.iter().position(|t| t.info.name == target) else {
                    continue;
                };
                let target_cols: Vec<Option<usize>> = refs
                    .iter()
                    .map(|(_, c)| {
                        self.tables[tt]
                            .info
                            .columns
                            .iter()
                            .position(|x| x.name == *c)
                    })
                    .collect();
                if target_cols.iter().any(Option::is_none) {
                    continue;
                }
                let target_cols: Vec<usize> = target_cols.into_iter().flatten().collect();
                let key = &self.tables[tt].key_columns;
                // A composite reference: the columns cover the target's key of several columns.
                let groups: Vec<(Vec<usize>, Vec<usize>)> = if key.len() > 1
                    && target_cols.len() == key.len()
                    && key.iter().all(|k| target_cols.contains(k))
                {
                    let ordered: Vec<usize> = key
                        .iter()
                        .map(|k| refs[target_cols.iter().position(|c| c == k).expect("covered")].0)
                        .collect();
                    vec![(ordered, key.clone())]
                } else {
                    refs.iter()
                        .zip(&target_cols)
                        .map(|((c, _), t)| (vec![*c], vec![*t]))
                        .collect()
                };
                for (src, dst) in groups {
                    let set = match self.tables[tt]
                        .targets
                        .iter()
                        .position(|s| s.columns == dst)
                    {
                        Some(s) => s,
                        None => {
                            self.tables[tt].targets.push(TargetSet {
                                columns: dst,
                                values: KeySet::default(),
                            });
                            self.tables[tt].targets.len() - 1
                        }
                    };
                    let kind = if target.starts_with("R_") {
                        AnomalyKind::UnknownCode
                    } else {
                        AnomalyKind::OrphanReference
                    };
                    self.tables[ti].refs.push(RefCheck {
                        columns: src,
                        target_table: target.clone(),
                        target_index: tt,
                        target_set: set,
                        kind,
                        pending: Pending::default(),
                        found: Parts::default(),
                    });
                }
            }
        }
        // Primary keys: checked for duplicates in the tables other tables refer to (their key
        // values are collected anyway; other tables would cost memory for every row).
        for t in &mut self.tables {
            if !t.targets.is_empty()
                && !t.key_columns.is_empty()
                && !t.targets.iter().any(|s| s.columns == t.key_columns)
            {
                t.targets.push(TargetSet {
                    columns: t.key_columns.clone(),
                    values: KeySet::default(),
                });
            }
        }
        if let Some(p) = &self.profile {
            for check in &p.identifiers {
                if let Some(t) = self.tables.iter_mut().find(|t| t.info.name == check.table)
                    && let Some(c) = t.info.columns.iter().position(|c| c.name == check.column)
                {
                    let key_column = check
                        .key_column
                        .as_ref()
                        .and_then(|k| t.info.columns.iter().position(|c| &c.name == k));
                    t.keep[c] = true;
                    if let Some(k) = key_column {
                        t.keep[k] = true;
                    }
                    t.ids.push(IdCheck {
                        kind: check.kind,
                        column: c,
                        key_column,
                    });
                }
            }
        }
    }

    fn read_data(&mut self, member: Member) -> Result<(), ReceiveError> {
        let path = member.path.clone();
        let limit = self.member_limit(&path, member.size, u64::MAX)?;
        let counter = Counter::new(limit);
        let limited = LimitedReader::new(member.reader, counter, path.clone());
        let mut hashing = HashingReader {
            inner: limited,
            hasher: Sha256::new(),
            bytes: 0,
        };
        let names = tables_of_file(&path);
        let mut file = FileInfo {
            path: path.clone(),
            ..Default::default()
        };
        let records = match names {
            None => {
                // Not a table (a documentation file, say): kept whole in the store when it is
                // not too large, otherwise only checked (size and hash).
                let mut kept = Vec::new();
                (&mut hashing)
                    .take(MAX_METADATA_BYTES)
                    .read_to_end(&mut kept)
                    .map_err(|e| map_read_error(e, &path))?;
                let rest = io::copy(&mut hashing, &mut io::sink())
                    .map_err(|e| map_read_error(e, &path))?;
                if rest == 0 {
                    file.content = Some(kept);
                } else {
                    self.warnings.push(format!(
                        "fichier « {path} » contrôlé mais non conservé dans la base : il dépasse {} Mo",
                        MAX_METADATA_BYTES >> 20
                    ));
                }
                0
            }
            Some(names) => {
                let mut reader = BlockReader::new(&mut hashing);
                let n = self.read_records(&path, &names, &mut reader, &mut file)?;
                file.bom = reader.bom;
                n
            }
        };
        let sha = hex::encode(hashing.hasher.finalize());
        file.bytes = hashing.bytes;
        file.sha256 = sha.clone();
        file.records = records;
        if file.bom {
            self.anomaly(Anomaly {
                file: path.clone(),
                table: None,
                record: 0,
                column: None,
                value: None,
                kind: AnomalyKind::Bom,
                detail: "une marque d'ordre des octets (BOM) précède le fichier ; elle est ignorée"
                    .into(),
            })?;
        }
        self.loader.file(&file)?;
        self.read.insert(
            path.clone(),
            ReadFile {
                bytes: file.bytes,
                sha,
                records,
            },
        );
        self.progress.files_done += 1;
        self.progress.bytes = self.total.read();
        (self.opts.progress)(&self.progress);
        Ok(())
    }

    fn table_index(&mut self, name: &str, header: &[String]) -> Result<usize, LoadError> {
        if let Some(i) = self.tables.iter().position(|t| t.info.name == name) {
            return Ok(i);
        }
        // A data file that DESCRIPTIF.TXT does not describe: kept, as text, named by its header.
        let columns = header
            .iter()
            .map(|h| Column {
                name: h.clone(),
                ty: ColumnType::Varchar2,
                length: None,
                precision: None,
                scale: None,
                mandatory: false,
                key: None,
                reference: None,
                label: String::new(),
            })
            .collect();
        self.add_table(
            Table {
                name: name.to_string(),
                label: String::new(),
                columns,
            },
            false,
        )
    }

    fn read_records<R: Read>(
        &mut self,
        path: &str,
        names: &[String],
        reader: &mut BlockReader<R>,
        file: &mut FileInfo,
    ) -> Result<u64, ReceiveError> {
        let finess = path == format::FINESS_FILE;
        // First line: the header, or the FINESS metadata line.
        let mut block = self.blocks.pop().map(|(b, _)| b).unwrap_or_default();
        if !reader
            .next_block(&mut block)
            .map_err(|e| record_error(e, path))?
        {
            if !finess {
                self.reasons
                    .push(format!("{path} est vide : la ligne d'en-tête manque"));
            }
            return Ok(0);
        }
        let first = block.get(0);
        file.first_line = first.delivered();
        let header: Vec<String> = first
            .fields()
            .map(|f| decode_text(f, self.encoding))
            .collect();
        let mut tis = Vec::new();
        if finess {
            if header.first().map(String::as_str) != Some("finess") {
                self.reasons.push(format!(
                    "{path} : la première ligne n'est pas « finess;etalab;… »"
                ));
            }
            for n in names {
                let ti = self.table_index(n, &[])?;
                tis.push(ti);
            }
        } else {
            let ti = self.table_index(&names[0], &header)?;
            let expected = self.tables[ti]
                .info
                .columns
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(";");
            if header.join(";") != expected {
                self.reasons.push(format!(
                    "{path} : l'en-tête « {} » diffère de DESCRIPTIF.TXT « {expected} »",
                    header.join(";")
                ));
            }
            tis.push(ti);
        }
        for &ti in &tis {
            self.tables[ti].started = true;
            file.tables.push(self.tables[ti].index);
        }
        // The value sets sized at once from CONTROLE.TXT (bounded: the figure is the
        // delivery's word, and no record is shorter than a few bytes).
        if let [ti] = tis[..]
            && let Some(e) = self.controle.as_ref().and_then(|c| c.get(path))
        {
            let rows = e.rows.min(e.bytes / 8).min(1 << 23) as usize;
            for set in &mut self.tables[ti].targets {
                set.values.expected = rows;
            }
        }
        let tally = if self.loader.keeps_values() {
            // An import: the store's writer has the second core; the records are read and
            // checked on this thread.
            let mut tally = Tally::default();
            let mut skip = 1;
            loop {
                for rec in block.records().skip(skip) {
                    tally.take(self, path, &tis, finess, rec, 0)?;
                }
                skip = 0;
                if !reader
                    .next_block(&mut block)
                    .map_err(|e| record_error(e, path))?
                {
                    break;
                }
            }
            self.blocks.push((block, Vec::new()));
            tally
        } else {
            self.check_in_two(path, &tis, finess, reader, block)?
        };
        let (count, lf_only) = (tally.records, tally.lf_only);
        if lf_only > 0 {
            self.anomaly(Anomaly {
                file: path.to_string(),
                table: None,
                record: 0,
                column: None,
                value: None,
                kind: AnomalyKind::LineEnding,
                detail: format!("{lf_only} enregistrement(s) terminé(s) par LF seul"),
            })?;
        }
        for &ti in &tis {
            self.finish_table(ti)?;
        }
        Ok(count)
    }

    /// Reads the records of `path` on this thread (what decryption hands over, hashed and cut
    /// into blocks of whole records) while a second thread checks and types them, block by
    /// block: a check without a store has both cores. `first` is the block read already, whose
    /// first record (the header) is not a row. Blocks go back and forth with their memory.
    fn check_in_two<R: Read>(
        &mut self,
        path: &str,
        tis: &[usize],
        finess: bool,
        reader: &mut BlockReader<R>,
        first: Block,
    ) -> Result<Tally, ReceiveError> {
        // Blocks in flight: the reading runs ahead while the threads share two cores with
        // decryption.
        let (full_tx, full_rx) = sync_channel::<(Block, usize, Vec<u64>)>(BLOCKS_AHEAD);
        let (empty_tx, empty_rx) = channel::<(Block, Vec<u64>)>();
        // A file of one table: its values are checked ahead where they can be.
        let ahead = match tis {
            [ti] if !finess => {
                let t = &self.tables[*ti];
                Some(Ahead {
                    columns: (t.info.columns.iter().zip(&t.keep))
                        .take(64)
                        .enumerate()
                        .filter(|(_, (_, keep))| !**keep)
                        .map(|(ci, (c, _))| (ci, ColCheck::of(c)))
                        .collect(),
                    form: t.info.form,
                    ascii_compatible: self.encoding.is_ascii_compatible(),
                    decodes: self.single_byte,
                })
            }
            _ => None,
        };
        // Blocks sent and not yet taken by the checks.
        let waiting = AtomicUsize::new(0);
        let waiting = &waiting;
        let mut pool = std::mem::take(&mut self.blocks);
        let this = &mut *self;
        let (read, checked) = std::thread::scope(|scope| {
            let worker = std::thread::Builder::new()
                .name("reprise-controle".into())
                .spawn_scoped(scope, move || -> Result<Tally, ReceiveError> {
                    let mut tally = Tally::default();
                    for (mut block, skip, clean) in full_rx {
                        waiting.fetch_sub(1, Ordering::Relaxed);
                        for (i, rec) in block.records().skip(skip).enumerate() {
                            let clean = clean.get(i).copied().unwrap_or(0);
                            tally.take(this, path, tis, finess, rec, clean)?;
                        }
                        block.shrink();
                        let _ = empty_tx.send((block, clean));
                    }
                    Ok(tally)
                })
                .expect("thread starts");
            let read = (|| -> Result<(), ReceiveError> {
                let (mut block, mut skip) = (first, 1);
                loop {
                    let (next, mut clean) = empty_rx
                        .try_recv()
                        .ok()
                        .or_else(|| pool.pop())
                        .unwrap_or_default();
                    clean.clear();
                    // The checks ahead only while the checking thread has blocks waiting: when
                    // it waits for blocks, they go to it at once, and it checks every value.
                    if let Some(ahead) = &ahead
                        && waiting.load(Ordering::Relaxed) >= AHEAD_WHEN_WAITING
                    {
                        ahead.check(&block, skip, &mut clean);
                    }
                    waiting.fetch_add(1, Ordering::Relaxed);
                    // A send fails when the checks stopped: their error says why.
                    if full_tx.send((block, skip, clean)).is_err() {
                        return Ok(());
                    }
                    (block, skip) = (next, 0);
                    if !reader
                        .next_block(&mut block)
                        .map_err(|e| record_error(e, path))?
                    {
                        pool.push((block, Vec::new()));
                        return Ok(());
                    }
                }
            })();
            drop(full_tx);
            let checked = worker
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            (read, checked)
        });
        pool.extend(empty_rx.try_iter());
        pool.truncate(BLOCKS_AHEAD + 2);
        self.blocks = pool;
        // The checks' error first (cancelled, a loader failure), then the reading's.
        let tally = checked?;
        read?;
        Ok(tally)
    }

    /// Tells the progress callback where the reading of `path` stands; stops when cancelled.
    fn report_progress(&mut self, path: &str, records: u64) -> Result<(), ReceiveError> {
        if self.opts.cancel.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(ReceiveError::Load(LoadError::Cancelled));
        }
        self.progress.file = path.to_string();
        self.progress.records = records;
        self.progress.bytes = self.total.read();
        self.progress.bytes_expected = self
            .controle
            .as_ref()
            .and_then(|c| c.get(path))
            .map(|e| e.bytes);
        (self.opts.progress)(&self.progress);
        Ok(())
    }

    /// One record of a file read for the tables `tis` (the FINESS file's two record types go to
    /// their table by their tag).
    fn take_record(
        &mut self,
        path: &str,
        tis: &[usize],
        finess: bool,
        incoming: Incoming<'_>,
        values: &mut Vec<Value>,
    ) -> Result<(), ReceiveError> {
        let Incoming { rec, count, .. } = incoming;
        let ti = if finess {
            let tag = rec.field(0);
            if tag == format::finess::STRUCTURE_TAG.as_bytes() {
                tis[0]
            } else if tag == format::finess::GEO_TAG.as_bytes() {
                tis[1]
            } else {
                // Not a FINESS record type: kept as delivered in the structure table.
                let raw = rec.delivered();
                let t = &mut self.tables[tis[0]];
                t.rows += 1;
                let (index, record) = (t.index, t.rows);
                let n = t.info.columns.len();
                let text = decode_text(rec.raw, self.encoding);
                self.loader
                    .row(index, record, count, &mut vec![Value::Null; n], Some(&raw))?;
                self.anomaly(Anomaly {
                    file: path.to_string(),
                    table: Some(format::finess::STRUCTURE_TABLE.into()),
                    record,
                    column: None,
                    value: Some(text),
                    kind: AnomalyKind::UnknownRecord,
                    detail: "ni structureet ni geolocalisation : gardé tel que livré".into(),
                })?;
                return Ok(());
            }
        } else {
            tis[0]
        };
        self.process_record(path, ti, incoming, finess, values)
    }

    fn process_record(
        &mut self,
        path: &str,
        ti: usize,
        incoming: Incoming<'_>,
        finess: bool,
        values: &mut Vec<Value>,
    ) -> Result<(), ReceiveError> {
        let Incoming {
            rec,
            clean,
            count: file_record,
        } = incoming;
        let encoding = self.encoding;
        // The single-byte table is only made for ASCII-compatible encodings.
        let decodes = self.single_byte.as_ref();
        let mut anomalies: Vec<Anomaly> = Vec::new();
        let t = &mut self.tables[ti];
        t.rows += 1;
        let record = t.rows;
        let ncols = t.info.columns.len();
        // FINESS: one more empty field after the last one may occur and is not a field.
        let mut nfields = rec.len();
        if finess && nfields == ncols + 1 && rec.field(ncols).is_empty() {
            nfields = ncols;
        }
        let mut canonical = rec.canonical && nfields == rec.len();
        let mk = |column: Option<&str>,
                  value: Option<String>,
                  kind: AnomalyKind,
                  detail: String| Anomaly {
            file: path.to_string(),
            table: Some(t.info.name.clone()),
            record,
            column: column.map(str::to_string),
            value,
            kind,
            detail,
        };
        if nfields != ncols {
            canonical = false;
            anomalies.push(mk(
                None,
                Some(decode_text(rec.raw, encoding)),
                AnomalyKind::FieldCount,
                format!("{nfields} champs au lieu de {ncols} : enregistrement gardé tel que livré"),
            ));
        }
        if rec.unclosed_quote || rec.stray_after_quote {
            anomalies.push(mk(
                None,
                None,
                AnomalyKind::Quoting,
                if rec.unclosed_quote {
                    "guillemet jamais refermé".into()
                } else {
                    "caractères après un guillemet fermant".into()
                },
            ));
        }
        // The previous record's values are replaced column by column (a column nobody keeps
        // stays NULL, and costs nothing); the strings of its texts take this record's texts.
        if values.len() != ncols {
            for v in values.iter_mut() {
                recycle(v, &mut self.spare);
            }
            values.resize(ncols, Value::Null);
        }
        // Most records are ASCII and free of control characters (the reader says so): then
        // every field is already its text, and no field needs looking at byte by byte.
        let ascii = encoding.is_ascii_compatible() && rec.ascii;
        let controls = rec.controls;
        // A column nobody keeps always holds NULL (its typed value, when there is one, is
        // dropped once checked), so a column known clean ahead ([`Ahead`]) needs nothing: the
        // loop goes over the others only (a record checked ahead, none at all).
        for ci in Unclean::new(ncols, clean) {
            let col = &t.info.columns[ci];
            if ci >= nfields {
                recycle(&mut values[ci], &mut self.spare);
                continue;
            }
            // A value nobody keeps (`reprise verify`) and no check reads is only checked: when
            // its bytes show no defect, it is neither decoded nor typed.
            if !t.keep[ci]
                && unkept_is_clean(
                    ColCheck::of(col),
                    rec.field(ci),
                    ascii,
                    controls,
                    decodes,
                    t.info.form,
                    Some(&mut t.leading_zero[ci]),
                )
            {
                continue;
            }
            recycle(&mut values[ci], &mut self.spare);
            // Borrowed when the record is ASCII: a value is copied only when it is kept.
            let (text, had_errors) = match ascii
                .then(|| std::str::from_utf8(rec.field(ci)).ok())
                .flatten()
            {
                Some(field) => (std::borrow::Cow::Borrowed(field), false),
                None => encoding.decode_without_bom_handling(rec.field(ci)),
            };
            if had_errors {
                canonical = false;
                anomalies.push(mk(
                    Some(&col.name),
                    Some(text.to_string()),
                    AnomalyKind::InvalidEncoding,
                    String::new(),
                ));
            }
            if text.is_empty() {
                if col.mandatory {
                    anomalies.push(mk(
                        Some(&col.name),
                        None,
                        AnomalyKind::MissingValue,
                        "colonne obligatoire (O)".into(),
                    ));
                }
                continue;
            }
            if controls && text.bytes().any(records::is_control) {
                anomalies.push(mk(
                    Some(&col.name),
                    Some(text.to_string()),
                    AnomalyKind::ControlCharacter,
                    String::new(),
                ));
            }
            if col.ty.is_text()
                && let Some(len) = col.length
                && text.len() > len as usize
                && text.chars().count() > len as usize
            {
                anomalies.push(mk(
                    Some(&col.name),
                    Some(text.to_string()),
                    AnomalyKind::OverlongValue,
                    format!("{} caractères pour {len} déclarés", text.chars().count()),
                ));
            }
            if !t.keep[ci] && col.ty.is_text() {
                // Text nobody keeps (`reprise verify`) and no check reads: not copied.
                continue;
            }
            let (v, untyped) = value::type_value_in(
                col.ty,
                text,
                t.info.form,
                &mut t.leading_zero[ci],
                &mut self.spare,
            );
            if let Some(u) = untyped {
                let (kind, detail) = match u {
                    Untyped::ImpossibleDate => (
                        AnomalyKind::ImpossibleDate,
                        "gardée telle que livrée".to_string(),
                    ),
                    Untyped::InvalidNumber => (
                        AnomalyKind::InvalidNumber,
                        "gardé tel que livré".to_string(),
                    ),
                };
                let shown = match &v {
                    Value::Text(t) => Some(t.clone()),
                    _ => None,
                };
                anomalies.push(mk(Some(&col.name), shown, kind, detail));
            }
            if t.keep[ci] {
                values[ci] = v;
            } else {
                recycle(&mut { v }, &mut self.spare);
            }
        }
        // Identifiers with a check key.
        for id in &t.ids {
            let Some(v) = text_of(values, id.column) else {
                continue;
            };
            let col = &t.info.columns[id.column].name;
            match id.kind {
                IdentifierKind::Nir => {
                    let Some(kc) = id.key_column else { continue };
                    let Some(key) = text_of(values, kc) else {
                        continue;
                    };
                    match ids::nir_key_ok(v.trim_end(), key.trim_end()) {
                        Some(true) => {}
                        Some(false) => anomalies.push(mk(
                            Some(&t.info.columns[kc].name),
                            Some(key.clone()),
                            AnomalyKind::WrongNirKey,
                            format!(
                                "clé attendue {:02} pour le NIR {v}",
                                ids::nir_key(v.trim_end()).unwrap_or(0)
                            ),
                        )),
                        None => anomalies.push(mk(
                            Some(col),
                            Some(v.clone()),
                            AnomalyKind::MalformedIdentifier,
                            "NIR de 13 caractères attendu".into(),
                        )),
                    }
                }
                IdentifierKind::Nir15 => {
                    if v.len() != 15 || !v.is_ascii() {
                        anomalies.push(mk(
                            Some(col),
                            Some(v.clone()),
                            AnomalyKind::MalformedIdentifier,
                            "NIR et clé sur 15 caractères attendus".into(),
                        ));
                        continue;
                    }
                    let key = &v[13..];
                    if key.trim().is_empty() {
                        continue;
                    }
                    match ids::nir_key_ok(&v[..13], key) {
                        Some(true) => {}
                        Some(false) => anomalies.push(mk(
                            Some(col),
                            Some(v.clone()),
                            AnomalyKind::WrongNirKey,
                            format!("clé attendue {:02}", ids::nir_key(&v[..13]).unwrap_or(0)),
                        )),
                        None => anomalies.push(mk(
                            Some(col),
                            Some(v.clone()),
                            AnomalyKind::MalformedIdentifier,
                            "NIR mal formé".into(),
                        )),
                    }
                }
                IdentifierKind::Finess => {
                    if ids::luhn_ok(v.trim_end()) == Some(false) {
                        anomalies.push(mk(
                            Some(col),
                            Some(v.clone()),
                            AnomalyKind::WrongFinessKey,
                            "la clé de Luhn ne vérifie pas".into(),
                        ));
                    }
                }
                IdentifierKind::Uai => match ids::uai_ok(v.trim_end()) {
                    Some(true) => {}
                    Some(false) => anomalies.push(mk(
                        Some(col),
                        Some(v.clone()),
                        AnomalyKind::WrongUaiKey,
                        format!(
                            "lettre attendue {}",
                            ids::uai_letter(&v[..7]).unwrap_or('?')
                        ),
                    )),
                    None => anomalies.push(mk(
                        Some(col),
                        Some(v.clone()),
                        AnomalyKind::MalformedIdentifier,
                        "UAI de 7 chiffres et une lettre attendu".into(),
                    )),
                },
            }
        }
        // Value sets other tables refer to, and duplicate keys.
        let mut gathered = Gathered::default();
        let field = |c: usize| if c < nfields { rec.field(c) } else { &[][..] };
        for set in t.targets.iter_mut() {
            let parts = gathered.fill(&set.columns, field);
            if parts.iter().all(|p| trim_blanks(p).is_empty()) {
                continue;
            }
            let fresh = set.values.insert(parts);
            if !fresh && set.columns == t.key_columns {
                let shown: Vec<String> = parts.iter().map(|p| decode_text(p, encoding)).collect();
                anomalies.push(mk(
                    Some(&t.info.columns[set.columns[0]].name),
                    Some(shown.join(" + ")),
                    AnomalyKind::DuplicateKey,
                    "une autre ligne a déjà cette clé".into(),
                ));
            }
        }
        let raw = (!canonical).then(|| rec.delivered());
        let index = t.index;
        self.loader
            .row(index, record, file_record, values, raw.as_deref())?;
        // References.
        let nrefs = self.tables[ti].refs.len();
        for r in 0..nrefs {
            let rc = &self.tables[ti].refs[r];
            let (tt, set) = (rc.target_index, rc.target_set);
            let parts = gathered.fill(&rc.columns, field);
            if parts.iter().any(|p| trim_blanks(p).is_empty()) {
                continue;
            }
            if self.tables[tt].done {
                if self.tables[ti].refs[r].found.equals(parts) {
                    continue;
                }
                if self.tables[tt].targets[set].values.contains(parts) {
                    self.tables[ti].refs[r].found.set(parts.iter().copied());
                } else {
                    let value = parts
                        .iter()
                        .map(|p| decode_text(p, encoding))
                        .collect::<Vec<_>>()
                        .join(" + ");
                    let cols = self.tables[ti].refs[r].columns.clone();
                    let kind = self.tables[ti].refs[r].kind;
                    let a = self.ref_anomaly(ti, kind, &cols, record, value, path);
                    anomalies.push(a);
                }
            } else {
                self.tables[ti].refs[r].pending.push(record, parts);
            }
        }
        for a in anomalies {
            self.anomaly(a)?;
        }
        Ok(())
    }

    fn ref_anomaly(
        &self,
        ti: usize,
        kind: AnomalyKind,
        cols: &[usize],
        record: u64,
        value: String,
        path: &str,
    ) -> Anomaly {
        let t = &self.tables[ti];
        let target = t
            .refs
            .iter()
            .find(|r| r.columns == cols)
            .map(|r| r.target_table.clone())
            .unwrap_or_default();
        Anomaly {
            file: path.to_string(),
            table: Some(t.info.name.clone()),
            record,
            column: Some(t.info.columns[cols[0]].name.clone()),
            value: Some(value),
            kind,
            detail: if kind == AnomalyKind::UnknownCode {
                format!("absent de la table de codes {target}")
            } else {
                format!("aucune ligne correspondante dans {target}")
            },
        }
    }

    /// A table is read: tells the loader, and settles the references that waited for it.
    fn finish_table(&mut self, ti: usize) -> Result<(), LoadError> {
        self.tables[ti].done = true;
        for si in 0..self.tables[ti].targets.len() {
            let referenced = self.tables.iter().any(|t| {
                t.refs
                    .iter()
                    .any(|r| r.target_index == ti && r.target_set == si)
            });
            self.tables[ti].targets[si].values.seal(referenced);
        }
        let t = &self.tables[ti];
        let lz: Vec<bool> = t.leading_zero.iter().map(|x| x.unwrap_or(false)).collect();
        self.loader.end_table(t.index, t.rows, &lz)?;
        let name = t.info.name.clone();
        self.settle_pending(Some(&name))
    }

    /// Checks waiting references to `target` (or to every table read, when None).
    fn settle_pending(&mut self, target: Option<&str>) -> Result<(), LoadError> {
        let mut found = Vec::new();
        for si in 0..self.tables.len() {
            for r in 0..self.tables[si].refs.len() {
                let rc = &self.tables[si].refs[r];
                if rc.pending.is_empty() || target.is_some_and(|t| t != rc.target_table) {
                    continue;
                }
                let Some(tt) = self
                    .tables
                    .iter()
                    .position(|t| t.info.name == rc.target_table)
                else {
                    continue;
                };
                if !self.tables[tt].done {
                    continue;
                }
                let pending = std::mem::take(&mut self.tables[si].refs[r].pending);
                let rc = &self.tables[si].refs[r];
                let set = &self.tables[tt].targets[rc.target_set].values;
                let mut parts = Vec::with_capacity(4);
                pending.for_each(&mut parts, |record, parts| {
                    if !set.contains(parts) {
                        let value = parts
                            .iter()
                            .map(|p| decode_text(p, self.encoding))
                            .collect::<Vec<_>>()
                            .join(" + ");
                        found.push((si, rc.kind, rc.columns.clone(), record, value));
                    }
                });
            }
        }
        for (si, kind, cols, record, value) in found {
            let path = self.tables[si].info.file.clone();
            let a = self.ref_anomaly(si, kind, &cols, record, value, &path);
            self.anomaly(a)?;
        }
        Ok(())
    }

    /// Compares what was read with what the delivery declares, and builds the report.
    fn conclude(mut self) -> Result<ReceptionReport, ReceiveError> {
        self.prepare()?;
        // Metadata files count as read files too.
        let metadata: Vec<(String, Vec<u8>)> = self
            .metadata
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (path, bytes) in &metadata {
            let text = decode_text(bytes, self.encoding);
            let records = if path == format::DESCRIPTIF {
                let mut r = RecordReader::new(text.as_bytes());
                let mut n = 0u64;
                while let Ok(Some(rec)) = r.next_record() {
                    if !rec.is_blank() {
                        n += 1;
                    }
                }
                n.saturating_sub(1)
            } else {
                bytes.iter().filter(|&&b| b == b'\n').count() as u64
                    + u64::from(!bytes.is_empty() && !bytes.ends_with(b"\n"))
            };
            let sha = hex::encode(Sha256::digest(bytes));
            self.loader.file(&FileInfo {
                path: path.clone(),
                bytes: bytes.len() as u64,
                sha256: sha.clone(),
                records,
                bom: bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
                first_line: Vec::new(),
                content: Some(bytes.clone()),
                tables: Vec::new(),
            })?;
            self.read.insert(
                path.clone(),
                ReadFile {
                    bytes: bytes.len() as u64,
                    sha,
                    records,
                },
            );
        }
        // Tables whose file never came: their references cannot be checked.
        for t in &mut self.tables {
            if !t.started && !t.done {
                t.done = true;
                let lz = vec![false; t.info.columns.len()];
                self.loader.end_table(t.index, 0, &lz)?;
            }
        }
        self.settle_pending(None)?;
        let mut reasons = std::mem::take(&mut self.reasons);
        let mut warnings = std::mem::take(&mut self.warnings);
        if self.delivery.form == crate::delivery::Form::PlainFolder {
            warnings.insert(
                0,
                "livraison reçue en clair : elle n'a pas été lue chiffrée".into(),
            );
        }
        for f in &self.delivery.ignored {
            warnings.push(format!("fichier « {f} » ignoré : sans extension .age, il ne fait pas partie de la livraison"));
        }
        let lisezmoi = self.lisezmoi.clone().unwrap_or_default();
        match &self.lisezmoi {
            None => reasons.push("LISEZMOI.TXT manque".into()),
            Some(l) => {
                reasons.extend(l.problems());
                for k in l.unknown_keys() {
                    warnings.push(format!("LISEZMOI.TXT : clé « {k} » inconnue du format"));
                }
            }
        }
        // Files: declared against read.
        let mut files = Vec::new();
        let controle = self.controle.clone();
        match &controle {
            None => {
                reasons.push("CONTROLE.TXT manque : la livraison ne peut pas être contrôlée".into())
            }
            Some(c) => {
                for p in &c.problems {
                    reasons.push(p.clone());
                }
                for e in &c.entries {
                    let read = self.read.get(&e.path);
                    let mut fc = FileCheck {
                        path: e.path.clone(),
                        listed: true,
                        present: read.is_some(),
                        rows_expected: Some(e.rows),
                        bytes_expected: Some(e.bytes),
                        sha256_expected: Some(e.sha256.clone()),
                        ..Default::default()
                    };
                    match read {
                        None => reasons.push(format!(
                            "{} est listé dans CONTROLE.TXT mais absent de la livraison",
                            e.path
                        )),
                        Some(r) => {
                            fc.rows_read = Some(r.records);
                            fc.bytes_read = Some(r.bytes);
                            fc.sha256_read = Some(r.sha.clone());
                            if r.bytes != e.bytes {
                                reasons.push(format!(
                                    "{} : {} octets lus pour {} déclarés",
                                    e.path, r.bytes, e.bytes
                                ));
                            }
                            if r.sha != e.sha256 {
                                reasons.push(format!(
                                    "{} : empreinte SHA-256 différente de celle de CONTROLE.TXT",
                                    e.path
                                ));
                            }
                            if r.records != e.rows {
                                reasons.push(format!(
                                    "{} : {} lignes lues pour {} déclarées",
                                    e.path, r.records, e.rows
                                ));
                            }
                            fc.ok = r.bytes == e.bytes && r.sha == e.sha256 && r.records == e.rows;
                        }
                    }
                    files.push(fc);
                }
            }
        }
        let mut unlisted: Vec<&String> = self
            .read
            .keys()
            .filter(|p| {
                p.as_str() != format::CONTROLE
                    && controle.as_ref().is_some_and(|c| c.get(p).is_none())
            })
            .collect();
        unlisted.sort();
        for p in unlisted {
            reasons.push(format!(
                "{p} est présent dans la livraison mais absent de CONTROLE.TXT"
            ));
            let r = &self.read[p];
            files.push(FileCheck {
                path: p.clone(),
                listed: false,
                present: true,
                rows_read: Some(r.records),
                bytes_read: Some(r.bytes),
                sha256_read: Some(r.sha.clone()),
                ..Default::default()
            });
        }
        if self.descriptif.is_none() && self.descriptif_error.is_none() {
            reasons.push("DESCRIPTIF.TXT manque : les colonnes ne peuvent pas être typées".into());
        }
        for t in &self.tables {
            if !t.info.described {
                reasons.push(format!(
                    "{} n'est pas décrit dans DESCRIPTIF.TXT : chargé comme texte",
                    t.info.file
                ));
            }
        }
        // The log.
        let mut log = LogCheck::default();
        if let Some(bytes) = self.metadata.get(format::EXTRACTION_LOG) {
            let l = ExtractionLog::parse(&decode_text(bytes, self.encoding));
            log.present = true;
            log.normal_end = l.normal_end;
            log.errors = l.errors.clone();
            log.warnings = l.warnings.clone();
            if !l.normal_end {
                reasons.push(
                    "EXTRACTION.LOG ne se termine pas par « FIN NORMALE DU TRAITEMENT »".into(),
                );
            }
            for e in &l.errors {
                reasons.push(format!("EXTRACTION.LOG signale une erreur : {e}"));
            }
            for t in &self.tables {
                match l.count_of(&t.info.name) {
                    Some(n) if n != t.rows => {
                        let m = format!(
                            "{} : {n} lignes selon EXTRACTION.LOG, {} lues",
                            t.info.name, t.rows
                        );
                        reasons.push(format!("EXTRACTION.LOG : {m}"));
                        log.count_mismatches.push(m);
                    }
                    None if t.info.described => {
                        let m = format!("{} : aucun compte dans EXTRACTION.LOG", t.info.name);
                        reasons.push(format!("EXTRACTION.LOG : {m}"));
                        log.count_mismatches.push(m);
                    }
                    _ => {}
                }
            }
            for (name, _) in &l.table_counts {
                if !self.tables.iter().any(|t| &t.info.name == name) {
                    let m = format!("{name} : compté dans EXTRACTION.LOG mais décrit nulle part");
                    reasons.push(format!("EXTRACTION.LOG : {m}"));
                    log.count_mismatches.push(m);
                }
            }
        } else {
            reasons.push("EXTRACTION.LOG manque".into());
        }
        for t in &self.tables {
            if t.info.described && !t.started {
                reasons.push(format!(
                    "la table {} est décrite mais son fichier {} manque",
                    t.info.name, t.info.file
                ));
            }
        }
        reasons.dedup();
        let dep = lisezmoi.get("DEPARTEMENT").unwrap_or("").to_string();
        let received_on = self.opts.received_on;
        let identity = DeliveryIdentity {
            name: self.delivery.name.clone(),
            source: self.delivery.path.display().to_string(),
            form: self.delivery.form.label().to_string(),
            application: lisezmoi.get("APPLICATION").unwrap_or("").to_string(),
            version: lisezmoi.get("VERSION").unwrap_or("").to_string(),
            departement: dep.clone(),
            libelle_departement: lisezmoi
                .get("LIBELLE_DEPARTEMENT")
                .unwrap_or("")
                .to_string(),
            centre: lisezmoi.get("CENTRE").unwrap_or("").to_string(),
            extraction: lisezmoi.get("DATE_EXTRACTION").unwrap_or("").to_string(),
            encoding: self.encoding.name().to_string(),
        };
        let tables = self
            .tables
            .iter()
            .map(|t| TableCount {
                name: t.info.name.clone(),
                label: t.info.label.clone(),
                file: t.info.file.clone(),
                rows: t.rows,
            })
            .collect();
        Ok(ReceptionReport {
            tool: format!("Reprise {}", env!("CARGO_PKG_VERSION")),
            delivery: identity,
            received_on,
            deadline: calendar::deadline(received_on, &dep),
            checked_at: chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string(),
            verdict: if reasons.is_empty() {
                Verdict::Conforme
            } else {
                Verdict::NonConforme
            },
            reasons,
            warnings,
            files,
            log,
            tables,
            anomalies: self.summary.finish(),
        })
    }
}

/// The delivered text of a value kept as text (identifier columns are CHAR).
fn text_of(values: &[Value], i: usize) -> Option<String> {
    match values.get(i)? {
        Value::Text(t) => Some(t.clone()),
        Value::Int(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The record's bytes as delivered, with its line end.
/// A record that cannot be read, as the reception reports it.
fn record_error(e: RecordError, path: &str) -> ReceiveError {
    match e {
        RecordError::TooLong { line, limit } => {
            ReceiveError::Delivery(DeliveryError::Hostile(format!(
                "{path}, ligne {line} : enregistrement de plus de {limit} octets, impossible dans une extraction Oracle"
            )))
        }
        RecordError::Io(io) => ReceiveError::Delivery(map_read_error(io, path)),
    }
}

/// A record as the checks take it.
#[derive(Clone, Copy)]
struct Incoming<'r> {
    rec: RecordRef<'r>,
    /// Columns whose values were found clean ahead ([`Ahead`]).
    clean: u64,
    /// Number of the record in its file (header excluded).
    count: u64,
}

/// Records of a file counted as they are checked.
#[derive(Default)]
struct Tally {
    records: u64,
    lf_only: u64,
    values: Vec<Value>,
}

impl Tally {
    /// Checks the next record of `path` (progress every 4096 records).
    fn take(
        &mut self,
        r: &mut Reception<'_, '_>,
        path: &str,
        tis: &[usize],
        finess: bool,
        rec: RecordRef<'_>,
        clean: u64,
    ) -> Result<(), ReceiveError> {
        if self.records.is_multiple_of(4096) {
            r.report_progress(path, self.records)?;
        }
        self.records += 1;
        if rec.terminator == Some(Terminator::Lf) {
            self.lf_only += 1;
        }
        r.take_record(
            path,
            tis,
            finess,
            Incoming {
                rec,
                clean,
                count: self.records,
            },
            &mut self.values,
        )
    }
}

/// A loader failure carried through the reading of a member.
#[derive(Debug, Error)]
#[error("{0}")]
struct LoadFailure(String);

/// Reads and checks a whole delivery, handing what it reads to `loader`.
pub fn receive<'a>(
    delivery: &'a Delivery,
    opts: ReceiveOptions<'a>,
    loader: &mut (dyn Loader + Send),
) -> Result<ReceptionReport, ReceiveError> {
    let total = Counter::default();
    let mut r = Reception {
        delivery,
        loader,
        total: total.clone(),
        metadata: HashMap::new(),
        lisezmoi: None,
        controle: None,
        descriptif: None,
        descriptif_error: None,
        log: None,
        encoding: encoding_rs::WINDOWS_1252,
        single_byte: None,
        decimal: ',',
        profile: None,
        tables: Vec::new(),
        next_index: 0,
        read: HashMap::new(),
        deferred: Vec::new(),
        prepared: false,
        reasons: Vec::new(),
        warnings: Vec::new(),
        summary: SummaryBuilder::default(),
        progress: Progress::default(),
        spare: Vec::new(),
        blocks: Vec::new(),
        opts,
    };
    let cancel = r.opts.cancel;
    let secret = r.opts.secret;
    let run = |r: &mut Reception, second: bool, total: &Counter| -> Result<(), ReceiveError> {
        delivery
            .read(secret, cancel, total, &mut |m| r.visit(m, second))
            .map_err(unwrap_load)
    };
    run(&mut r, false, &total)?;
    if !r.deferred.is_empty() {
        let second = Counter::new(r.total_limit());
        run(&mut r, true, &second)?;
    }
    let _ = r.log.take();
    r.conclude()
}

impl Reception<'_, '_> {
    fn total_limit(&self) -> u64 {
        self.controle
            .as_ref()
            .map(|c| c.total_bytes() + (c.entries.len() as u64 + 16) * 1536 + (1 << 20))
            .unwrap_or(u64::MAX)
    }
}

/// A loader error that travelled inside a delivery error comes back as itself.
fn unwrap_load(e: DeliveryError) -> ReceiveError {
    if let DeliveryError::Io(_, io) = &e
        && let Some(inner) = io.get_ref()
        && let Some(LoadFailure(m)) = inner.downcast_ref::<LoadFailure>()
    {
        if m == &LoadError::Cancelled.to_string() {
            return ReceiveError::Load(LoadError::Cancelled);
        }
        return ReceiveError::Load(LoadError::Store(m.clone()));
    }
    ReceiveError::Delivery(e)
}

/// Reads only LISEZMOI.TXT of a delivery (to know its application before importing it).
pub fn peek_lisezmoi(
    delivery: &Delivery,
    secret: Option<&Secret>,
    cancel: &AtomicBool,
) -> Result<Option<Lisezmoi>, DeliveryError> {
    let mut found: Option<Vec<u8>> = None;
    let total = Counter::default();
    delivery.read(secret, cancel, &total, &mut |m: Member| {
        if m.path != format::LISEZMOI {
            return Ok(Flow::Continue);
        }
        let mut bytes = Vec::new();
        LimitedReader::new(m.reader, Counter::new(MAX_METADATA_BYTES), m.path.clone())
            .read_to_end(&mut bytes)
            .map_err(|e| map_read_error(e, format::LISEZMOI))?;
        found = Some(bytes);
        Ok(Flow::Stop)
    })?;
    Ok(found.map(|bytes| {
        let first = Lisezmoi::parse(&decode_text(&bytes, encoding_rs::WINDOWS_1252));
        let enc = first
            .get("ENCODAGE")
            .and_then(format::encoding::by_label)
            .unwrap_or(encoding_rs::WINDOWS_1252);
        Lisezmoi::parse(&decode_text(&bytes, enc))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A key as the reception compares it: its parts, trailing blanks ignored.
    fn model(parts: &[&[u8]]) -> Vec<Vec<u8>> {
        parts.iter().map(|p| trim_blanks(p).to_vec()).collect()
    }

    #[test]
    fn numbers_and_other_values_are_kept_apart() {
        let mut set = KeySet::default();
        assert!(set.insert(&[b"0597600001"]));
        assert!(!set.insert(&[b"0597600001 "]));
        // Same number, other writing: another value.
        assert!(set.insert(&[b"597600001"]));
        assert!(set.insert(&[b"00597600001"]));
        assert!(set.insert(&[b"A12"]));
        assert!(set.insert(&[b"1", b"2"]));
        set.seal(true);
        for v in [&b"0597600001"[..], b"597600001", b"00597600001", b"A12"] {
            assert!(set.contains(&[v]));
        }
        assert!(set.contains(&[b"1", b"2"]));
        assert!(!set.contains(&[b"0597600002"]));
        assert!(!set.contains(&[b"12"]));
        // Far outside the window: kept by hash.
        assert!(set.insert(&[b"9999999999"]));
        assert!(set.contains(&[b"9999999999"]));
    }

    #[test]
    fn the_window_moves_down_for_a_lower_number_until_a_value_went_by_hash() {
        let mut set = KeySet::default();
        assert!(set.insert(&[b"0597600001"]));
        assert!(
            set.insert(&[b"0590000001"]),
            "a dossier of 2000 after those of 1976"
        );
        assert!(
            set.hashes.is_empty() && matches!(set.order, Order::NoneYet),
            "both in the window"
        );
        assert!(!set.insert(&[b"0590000001"]));
        assert!(!set.insert(&[b"0597600001"]));
        // Too far below for the window: by hash, and the window stays where it is.
        assert!(set.insert(&[b"0000000001"]));
        let base = set.dense.as_ref().unwrap().base;
        assert!(set.insert(&[b"0580000001"]));
        assert_eq!(
            set.dense.as_ref().unwrap().base,
            base,
            "a value went by hash"
        );
        assert!(!set.insert(&[b"0580000001"]));
        set.seal(true);
        for v in [
            &b"0597600001"[..],
            b"0590000001",
            b"0000000001",
            b"0580000001",
        ] {
            assert!(set.contains(&[v]), "{v:?}");
        }
        assert!(!set.contains(&[b"0590000002"]));
    }

    #[test]
    fn keys_in_order_are_fresh_and_a_break_in_the_order_still_finds_duplicates() {
        let mut set = KeySet::default();
        for (a, b) in [("1", "1"), ("1", "2"), ("9", "1"), ("10", "1"), ("10", "A")] {
            assert!(set.insert(&[a.as_bytes(), b.as_bytes()]), "{a} {b}");
        }
        assert!(matches!(set.order, Order::Increasing(_)), "still in order");
        assert!(!set.insert(&[b"10", b"A "]), "same key, trailing blank");
        assert!(matches!(set.order, Order::Hashed), "the order broke");
        assert!(!set.insert(&[b"9", b"1"]));
        assert!(set.insert(&[b"09", b"1"]), "another writing, another value");
        set.seal(true);
        assert!(set.contains(&[b"1", b"2"]));
        assert!(!set.contains(&[b"2", b"1"]));
        assert_eq!(part_order(b"9", b"10"), std::cmp::Ordering::Less);
        assert_eq!(part_order(b"10", b"09"), std::cmp::Ordering::Less);
        assert_eq!(part_order(b"0", b"00"), std::cmp::Ordering::Less);
        assert_eq!(part_order(b"B", b"A"), std::cmp::Ordering::Greater);
    }

    #[test]
    fn the_columns_not_known_clean_come_in_order() {
        let list = |ncols, clean| Unclean::new(ncols, clean).collect::<Vec<_>>();
        assert_eq!(list(0, 0), Vec::<usize>::new());
        assert_eq!(list(3, 0b010), vec![0, 2]);
        assert_eq!(list(3, u64::MAX), Vec::<usize>::new());
        assert_eq!(list(64, u64::MAX), Vec::<usize>::new());
        assert_eq!(list(64, 0).len(), 64);
        // Past the first 64 columns, each one is looked at.
        assert_eq!(list(67, !(1 << 63)), vec![63, 64, 65, 66]);
    }

    #[test]
    fn pending_references_keep_their_parts_whatever_bytes_they_hold() {
        let mut p = Pending::default();
        p.push(7, &[b"a\x1Fb", b""]);
        p.push(9, &[b"", b"c;d"]);
        let mut got = Vec::new();
        p.for_each(&mut Vec::new(), |r, parts| {
            got.push((r, parts.iter().map(|x| x.to_vec()).collect::<Vec<_>>()))
        });
        assert_eq!(
            got,
            vec![
                (7, vec![b"a\x1Fb".to_vec(), vec![]]),
                (9, vec![vec![], b"c;d".to_vec()])
            ]
        );
    }

    proptest! {
        /// The set answers as a set of the delivered values would, whatever their order.
        #[test]
        fn behaves_as_a_set_of_values(
            keys in prop::collection::vec(
                prop_oneof![
                    (0u64..3000).prop_map(|n| format!("{n}")),
                    (0u64..3000).prop_map(|n| format!("{n:06}")),
                    (0u64..u64::MAX / 2).prop_map(|n| format!("{n}")),
                    "[0-9 ]{0,4}",
                    "[A-Z0-9]{1,3}",
                ],
                1..300,
            ),
            probes in prop::collection::vec((0u64..3000).prop_map(|n| format!("{n}")), 0..50),
        ) {
            let mut set = KeySet::default();
            let mut seen = HashSet::new();
            for k in &keys {
                let parts = [k.as_bytes()];
                prop_assert_eq!(set.insert(&parts), seen.insert(model(&parts)), "{:?}", k);
            }
            set.seal(true);
            for k in keys.iter().chain(&probes) {
                let parts = [k.as_bytes()];
                prop_assert_eq!(set.contains(&parts), seen.contains(&model(&parts)), "{:?}", k);
            }
        }

        /// Composite keys, mostly in order (as files are) with some out of order: the same
        /// answers as a set of the delivered values.
        #[test]
        fn composite_keys_behave_as_a_set_of_values(
            mut keys in prop::collection::vec(
                (
                    prop_oneof![(0u64..40).prop_map(|n| format!("{n}")), "[0-9A ]{0,3}"],
                    prop_oneof![(0u64..40).prop_map(|n| format!("{n:02}")), "[0-9B ]{0,2}"],
                ),
                1..200,
            ),
            sorted_prefix in 0usize..200,
            probes in prop::collection::vec(((0u64..40), (0u64..40)), 0..30),
        ) {
            let n = sorted_prefix.min(keys.len());
            keys[..n].sort_by(|a, b| {
                part_order(trim_blanks(a.0.as_bytes()), trim_blanks(b.0.as_bytes())).then_with(|| {
                    part_order(trim_blanks(a.1.as_bytes()), trim_blanks(b.1.as_bytes()))
                })
            });
            let mut set = KeySet::default();
            let mut seen = HashSet::new();
            for (a, b) in &keys {
                let parts = [a.as_bytes(), b.as_bytes()];
                prop_assert_eq!(set.insert(&parts), seen.insert(model(&parts)), "{:?} {:?}", a, b);
            }
            set.seal(true);
            let probes: Vec<(String, String)> =
                probes.iter().map(|(a, b)| (format!("{a}"), format!("{b:02}"))).collect();
            for (a, b) in keys.iter().chain(&probes) {
                let parts = [a.as_bytes(), b.as_bytes()];
                prop_assert_eq!(set.contains(&parts), seen.contains(&model(&parts)), "{:?} {:?}", a, b);
            }
        }
    }
}
