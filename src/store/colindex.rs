//! Column indexes of the data tables: for a key, a reference or a date column, its records in
//! the order of its values, built on the reception's thread while the rows go to SQLite, and
//! stored as a few compact blocks instead of one SQLite B-tree entry per row.
//!
//! A column whose values never decrease from one record to the next (a key in a file delivered in
//! key order) needs no list: a value is found by binary search on the record number, which is the
//! rowid. Other columns keep blocks of about [`BLOCK_BYTES`]: in value order, each distinct value
//! with its record numbers, delta-encoded. A block's first value sits beside it, so a value is
//! found by binary search on the blocks, then read in one or two of them.
//!
//! The order of values is SQLite's (`ORDER BY column`): NULL first, then numbers by value, then
//! texts byte by byte; records of one value by record number. Every query the browser and the
//! dossier make on such a column (equal to, between, in order) goes through [`Store`]'s methods
//! here; for a store made before these indexes, the same methods ask SQLite, whose B-tree indexes
//! that store holds.

use super::{Store, StoreError, StoredTable, sql_ident, value_from_sql};
use crate::reception::value::Value;
use rusqlite::{Connection, OptionalExtension, params};
use std::cmp::Ordering;
use std::collections::HashMap;

pub(crate) const SCHEMA: &str = "
CREATE TABLE _colindex(
    table_id INTEGER, position INTEGER, sorted INTEGER, blocks INTEGER, entries INTEGER,
    PRIMARY KEY(table_id, position)) WITHOUT ROWID;
CREATE TABLE _colblocks(id INTEGER PRIMARY KEY, first, data BLOB);
CREATE TABLE _colruns(id INTEGER PRIMARY KEY, data BLOB);
";

/// Whether the store attached as `schema` (`main`, `old`) has column indexes: stores made
/// before them have SQLite's B-tree indexes instead.
pub(crate) fn present(conn: &Connection, schema: &str) -> Result<bool, StoreError> {
    let n: i64 = conn.query_row(
        &format!("SELECT count(*) FROM {schema}.sqlite_master WHERE name = '_colindex'"),
        [],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

/// Size a block is cut at (a little more: one entry always fits).
pub(crate) const BLOCK_BYTES: usize = 8192;

/// The rowid of a block in `_colblocks`: table, column position, block number.
fn block_id(table_id: i64, position: usize, block: u32) -> i64 {
    (table_id << 40) | ((position as i64) << 24) | i64::from(block)
}

/// SQLite's order of two values: NULL, then numbers (integers and reals together), then texts
/// by their bytes.
pub(crate) fn compare(a: &Value, b: &Value) -> Ordering {
    fn class(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Int(_) | Value::Real(_) => 1,
            Value::Text(_) => 2,
        }
    }
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Int(x), Value::Real(y)) => (*x as f64).total_cmp(y),
        (Value::Real(x), Value::Int(y)) => x.total_cmp(&(*y as f64)),
        (Value::Real(x), Value::Real(y)) => x.total_cmp(y),
        (Value::Text(x), Value::Text(y)) => x.as_bytes().cmp(y.as_bytes()),
        _ => class(a).cmp(&class(b)),
    }
}

/// Which columns of a table get an index: the first column of its key; the first column of each
/// group of columns that refers to another data table (code tables, `R_*`, have few values and
/// get none); every date. `(key position, referenced table, is a date)` by column.
pub(crate) fn indexed_columns<'a>(
    columns: impl Iterator<Item = (Option<i64>, Option<&'a str>, bool)>,
) -> Vec<usize> {
    let columns: Vec<_> = columns.collect();
    let mut out: Vec<usize> = Vec::new();
    if let Some((p, _)) = columns
        .iter()
        .enumerate()
        .filter_map(|(p, c)| c.0.map(|k| (p, k)))
        .min_by_key(|&(_, k)| k)
    {
        out.push(p);
    }
    let mut targets: Vec<&str> = Vec::new();
    for (p, c) in columns.iter().enumerate() {
        if let Some(t) = c.1
            && !t.starts_with("R_")
            && !targets.contains(&t)
        {
            targets.push(t);
            out.push(p);
        }
    }
    out.extend(columns.iter().enumerate().filter(|c| c.1.2).map(|c| c.0));
    out.sort_unstable();
    out.dedup();
    out
}

/// Codes below this are integers standing for themselves; from it up, dictionary entries, the
/// first of which is NULL.
const DICT: u32 = 1 << 31;

/// A hasher for dictionary keys (a column's texts and odd numbers, not chosen by an attacker:
/// a collision only costs time): multiply and rotate over 8-byte words.
#[derive(Default)]
struct WordHasher(u64);

impl std::hash::Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(w));
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.add(v);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl WordHasher {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

type WordMap<K> = HashMap<K, u32, std::hash::BuildHasherDefault<WordHasher>>;

/// The codes of the values that are not their own code: NULL (the first), texts (looked up by
/// their bytes, copied only when new), integers out of range and reals (by their bits).
struct Dictionary {
    texts: WordMap<Box<str>>,
    numbers: WordMap<(bool, u64)>,
    len: u32,
    /// Bytes of the texts kept.
    bytes: usize,
}

impl Dictionary {
    fn new() -> Dictionary {
        Dictionary {
            texts: WordMap::default(),
            numbers: WordMap::default(),
            len: 1,
            bytes: 0,
        }
    }

    fn code(&mut self, v: &Value) -> u32 {
        let next = DICT + self.len;
        let code = match v {
            Value::Null => return DICT,
            Value::Text(t) => match self.texts.get(t.as_str()) {
                Some(&c) => return c,
                None => {
                    self.bytes += t.len();
                    *self.texts.entry(t.as_str().into()).or_insert(next)
                }
            },
            Value::Int(i) => *self.numbers.entry((false, *i as u64)).or_insert(next),
            Value::Real(f) => *self.numbers.entry((true, f.to_bits())).or_insert(next),
        };
        if code == next {
            self.len += 1;
        }
        code
    }

    /// The values by code (less [`DICT`]).
    fn values(self) -> Vec<Value> {
        let mut keys: Vec<Value> = vec![Value::Null; self.len as usize];
        for (t, c) in self.texts {
            keys[(c - DICT) as usize] = Value::Text(t.into_string());
        }
        for ((real, bits), c) in self.numbers {
            keys[(c - DICT) as usize] = if real {
                Value::Real(f64::from_bits(bits))
            } else {
                Value::Int(bits as i64)
            };
        }
        keys
    }
}

/// Pairs a table's builders may hold together before they hand sorted runs to the store: about
/// 32 MB, and as many bytes of distinct texts, whatever the size of the delivery.
pub(crate) const TABLE_PAIRS: usize = 4 << 20;

/// While a column's values come in order, the pairs of its first records are kept (a date column
/// soon breaks the order: its first records then need no run of their own); past this many, they
/// are dropped and the column costs nothing more until its order breaks.
const KEPT_IN_ORDER: usize = 4096;

/// Encoded blocks: (first value, data) of each, in order.
pub(crate) type Blocks = Vec<(Value, Vec<u8>)>;

/// Collects one column's values as its rows go by. While they come in order (SQLite's order),
/// nothing but the last value is kept. After that, one `u64` per row (the value's code, the
/// record number): integers from 0 to 2³¹ (dates, dossier numbers) are their own code, any other
/// value goes through a dictionary. When the pairs fill the column's share of [`TABLE_PAIRS`], they
/// are sorted and encoded into a run that the store keeps until the table ends
/// ([`Runs`]); the runs are then merged.
pub(crate) struct ColumnBuilder {
    run_pairs: usize,
    in_order: bool,
    last: Option<Value>,
    /// The pairs of the first records were dropped while the values were in order.
    dropped: bool,
    /// Records, the first and the last so far.
    first_record: u32,
    last_record: u32,
    /// Records read back from the table at the merge: in order, their values were not kept.
    range: Option<(u32, u32)>,
    pairs: Vec<u64>,
    dict: Dictionary,
    runs: u32,
    entries: u64,
}

/// A column index once its table has ended.
pub(crate) enum Built {
    /// Values in record order: no list.
    Sorted { entries: u64 },
    /// Every pair fitted in memory.
    Blocks { entries: u64, blocks: Blocks },
    /// To be merged by the store: the records read back from the table, the runs it keeps, and
    /// the last run.
    Merge {
        entries: u64,
        range: Option<(u32, u32)>,
        last: Blocks,
    },
}

impl ColumnBuilder {
    /// A builder for one of the `columns` indexed columns of a table.
    pub(crate) fn new(columns: usize) -> ColumnBuilder {
        Self::with_runs_of((TABLE_PAIRS / columns.max(1)).max(KEPT_IN_ORDER * 4))
    }

    /// A builder whose runs hold `run_pairs` pairs.
    fn with_runs_of(run_pairs: usize) -> ColumnBuilder {
        ColumnBuilder {
            run_pairs,
            in_order: true,
            last: None,
            dropped: false,
            first_record: 0,
            last_record: 0,
            range: None,
            pairs: Vec::new(),
            dict: Dictionary::new(),
            runs: 0,
            entries: 0,
        }
    }

    /// Adds the value of a record (records come in increasing order); gives a run to keep when
    /// the pairs are full.
    pub(crate) fn push(&mut self, value: &Value, record: u32) -> Option<Blocks> {
        self.entries += 1;
        if self.entries == 1 {
            self.first_record = record;
        }
        if self.in_order {
            let breaks = self
                .last
                .as_ref()
                .is_some_and(|l| compare(l, value) == Ordering::Greater);
            if !breaks {
                self.last_record = record;
                match (&mut self.last, value) {
                    (Some(Value::Int(l)), Value::Int(v)) => *l = *v,
                    (Some(Value::Text(l)), Value::Text(v)) => {
                        l.clear();
                        l.push_str(v);
                    }
                    (last, v) => *last = Some(v.clone()),
                }
                if !self.dropped {
                    self.add(value, record);
                    if self.pairs.len() > KEPT_IN_ORDER {
                        self.pairs = Vec::new();
                        self.dict = Dictionary::new();
                        self.dropped = true;
                    }
                }
                return None;
            }
            self.in_order = false;
            self.last = None;
            if self.dropped {
                self.range = Some((self.first_record, self.last_record));
            }
        }
        self.add(value, record);
        // The texts of the dictionary count too: as many bytes as the pairs may take.
        if self.pairs.len() >= self.run_pairs || self.dict.bytes >= self.run_pairs * 8 {
            self.runs += 1;
            return Some(self.seal());
        }
        None
    }

    fn add(&mut self, value: &Value, record: u32) {
        let code = match value {
            Value::Int(i) if (0..i64::from(DICT)).contains(i) => *i as u32,
            Value::Null => DICT,
            other => self.dict.code(other),
        };
        if self.pairs.capacity() == 0 {
            self.pairs.reserve_exact(self.run_pairs.min(1 << 16));
        }
        self.pairs.push((u64::from(code) << 32) | u64::from(record));
    }

    /// The pairs so far, sorted and encoded; the builder starts a new run.
    fn seal(&mut self) -> Blocks {
        let dict = std::mem::replace(&mut self.dict, Dictionary::new());
        encode(&mut self.pairs, dict)
    }

    pub(crate) fn finish(mut self) -> Built {
        let entries = self.entries;
        if self.in_order {
            return Built::Sorted { entries };
        }
        let last = self.seal();
        if self.runs == 0 && self.range.is_none() {
            Built::Blocks {
                entries,
                blocks: last,
            }
        } else {
            Built::Merge {
                entries,
                range: self.range,
                last,
            }
        }
    }
}

/// Sorts `pairs` and encodes them into blocks (`pairs` is left empty, its memory kept).
fn encode(pairs: &mut Vec<u64>, dict: Dictionary) -> Blocks {
    let keys = dict.values();
    let value_of = |code: u32| -> Value {
        if code < DICT {
            Value::Int(i64::from(code))
        } else {
            keys[(code - DICT) as usize].clone()
        }
    };
    let code = |p: u64| (p >> 32) as u32;
    pairs.sort_unstable();
    // The dictionary's values in order, each with the range of its pairs.
    let split = pairs.partition_point(|&p| code(p) < DICT);
    let (direct, dictionary) = pairs.split_at(split);
    let mut groups: Vec<(Value, &[u64])> = Vec::new();
    let mut i = 0;
    while i < dictionary.len() {
        let c = code(dictionary[i]);
        let n = dictionary[i..].partition_point(|&p| code(p) == c);
        groups.push((value_of(c), &dictionary[i..i + n]));
        i += n;
    }
    groups.sort_by(|a, b| compare(&a.0, &b.0));
    // Values that compare equal (an integer and a real of the same value) make one entry, their
    // records in order, as SQLite sorts them.
    let mut out = Coalesce::default();
    let mut g = groups.into_iter().peekable();
    let mut i = 0;
    while i < direct.len() {
        let c = code(direct[i]);
        let n = direct[i..].partition_point(|&p| code(p) == c);
        let v = Value::Int(i64::from(c));
        while let Some((gv, gp)) = g.next_if(|(gv, _)| compare(gv, &v) != Ordering::Greater) {
            out.add(gv, gp.iter().map(|&p| p as u32));
        }
        out.add(v, direct[i..i + n].iter().map(|&p| p as u32));
        i += n;
    }
    for (gv, gp) in g {
        out.add(gv, gp.iter().map(|&p| p as u32));
    }
    let out = out.finish();
    pairs.clear();
    out.finish()
}

/// Entries in value order into blocks, values that compare equal as one entry.
#[derive(Default)]
struct Coalesce {
    out: BlockWriter,
    current: Option<(Value, Vec<u32>)>,
}

impl Coalesce {
    fn add(&mut self, value: Value, records: impl IntoIterator<Item = u32>) {
        match &mut self.current {
            Some((cv, cr)) if compare(cv, &value) == Ordering::Equal && cr.len() < 1 << 16 => {
                let sorted_before = cr.len();
                cr.extend(records);
                if cr[..sorted_before].last() > cr.get(sorted_before) {
                    cr.sort_unstable();
                }
            }
            _ => {
                if let Some((cv, cr)) = self.current.take() {
                    self.out.entry(&cv, &cr);
                }
                self.current = Some((value, records.into_iter().collect()));
            }
        }
    }

    fn finish(mut self) -> BlockWriter {
        if let Some((cv, cr)) = self.current.take() {
            self.out.entry(&cv, &cr);
        }
        self.out
    }
}

/// The runs of a table's columns, kept in `_colruns` (inside the encrypted store: sorted
/// values are personal data too) until the table ends, then merged into its blocks and deleted.
#[derive(Default)]
pub(crate) struct Runs {
    /// By column position, each run's block rowids.
    runs: HashMap<usize, Vec<Vec<i64>>>,
}

impl Runs {
    pub(crate) fn keep(
        &mut self,
        conn: &Connection,
        position: usize,
        blocks: &Blocks,
    ) -> Result<(), StoreError> {
        let mut st = conn.prepare_cached("INSERT INTO _colruns(data) VALUES (?1)")?;
        let mut ids = Vec::with_capacity(blocks.len());
        for (_, data) in blocks {
            st.execute([data])?;
            ids.push(conn.last_insert_rowid());
        }
        self.runs.entry(position).or_default().push(ids);
        Ok(())
    }

    /// Writes the index of column `position` (named `column`) of table `table_id` (`table`: its
    /// quoted SQL name, schema included if not main), merging what was kept of it.
    pub(crate) fn finish(
        &mut self,
        conn: &Connection,
        table_id: i64,
        table: &str,
        column: &str,
        position: usize,
        built: Built,
    ) -> Result<(), StoreError> {
        let runs = self.runs.remove(&position).unwrap_or_default();
        let mut blocks = BlockSink::new(conn, table_id, position)?;
        let (sorted, entries) = match built {
            Built::Sorted { entries } => (true, entries),
            Built::Blocks { entries, blocks: b } => {
                blocks.write(b)?;
                (false, entries)
            }
            Built::Merge {
                entries,
                range,
                last,
            } => {
                let mut sources: Vec<Source> = Vec::new();
                if let Some((a, b)) = range {
                    sources.push(Source::range(table, column, a, b));
                }
                for ids in &runs {
                    sources.push(Source::kept(ids.clone()));
                }
                sources.push(Source::in_memory(last));
                merge(conn, &mut sources, &mut blocks)?;
                let mut del = conn.prepare_cached("DELETE FROM _colruns WHERE id = ?1")?;
                for id in runs.iter().flatten() {
                    del.execute([id])?;
                }
                (false, entries)
            }
        };
        conn.execute(
            "INSERT INTO _colindex(table_id, position, sorted, blocks, entries) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![table_id, position as i64, sorted, i64::from(blocks.written), entries as i64],
        )?;
        Ok(())
    }
}

/// Writes a column's blocks into `_colblocks` as they come, numbered from 0.
struct BlockSink<'c> {
    insert: rusqlite::CachedStatement<'c>,
    table_id: i64,
    position: usize,
    written: u32,
}

impl<'c> BlockSink<'c> {
    fn new(conn: &'c Connection, table_id: i64, position: usize) -> Result<Self, StoreError> {
        Ok(BlockSink {
            insert: conn
                .prepare_cached("INSERT INTO _colblocks(id, first, data) VALUES (?1, ?2, ?3)")?,
            table_id,
            position,
            written: 0,
        })
    }

    fn write(&mut self, blocks: Blocks) -> Result<(), StoreError> {
        for (first, data) in blocks {
            self.insert.execute(params![
                block_id(self.table_id, self.position, self.written),
                first,
                data
            ])?;
            self.written += 1;
        }
        Ok(())
    }
}

/// One sorted input of a merge, read an entry at a time.
struct Source {
    kind: SourceKind,
    /// Entries read and not yet taken, in order (the next at the end).
    ahead: Vec<(Value, Vec<u32>)>,
}

enum SourceKind {
    /// Records `next..=end` of the table, whose values are in order.
    Range { sql: String, next: u32, end: u32 },
    /// Blocks kept in `_colruns`, the next first.
    Kept(std::vec::IntoIter<i64>),
    /// Blocks in memory.
    InMemory(std::vec::IntoIter<(Value, Vec<u8>)>),
}

impl Source {
    fn range(table: &str, column: &str, a: u32, b: u32) -> Source {
        Source {
            kind: SourceKind::Range {
                sql: format!(
                    "SELECT rowid, {} FROM {table} WHERE rowid >= ?1 AND rowid <= ?2 ORDER BY rowid LIMIT 4096",
                    sql_ident(column)
                ),
                next: a,
                end: b,
            },
            ahead: Vec::new(),
        }
    }

    fn kept(ids: Vec<i64>) -> Source {
        Source {
            kind: SourceKind::Kept(ids.into_iter()),
            ahead: Vec::new(),
        }
    }

    fn in_memory(blocks: Blocks) -> Source {
        Source {
            kind: SourceKind::InMemory(blocks.into_iter()),
            ahead: Vec::new(),
        }
    }

    /// The next entry, reading more if needed; None at the end.
    fn peek(&mut self, conn: &Connection) -> Result<Option<&(Value, Vec<u32>)>, StoreError> {
        while self.ahead.is_empty() {
            let data = match &mut self.kind {
                SourceKind::Range { sql, next, end } => {
                    if *next > *end {
                        return Ok(None);
                    }
                    let mut st = conn.prepare_cached(sql)?;
                    let mut rows = st.query(params![*next, *end])?;
                    while let Some(r) = rows.next()? {
                        let record = u32::try_from(r.get::<_, i64>(0)?).map_err(|_| damaged())?;
                        self.ahead
                            .push((value_from_sql(r.get_ref(1)?), vec![record]));
                        *next = record.checked_add(1).ok_or_else(damaged)?;
                    }
                    if self.ahead.is_empty() {
                        *next = *end + 1;
                    }
                    self.ahead.reverse();
                    continue;
                }
                SourceKind::Kept(ids) => match ids.next() {
                    Some(id) => conn
                        .prepare_cached("SELECT data FROM _colruns WHERE id = ?1")?
                        .query_row([id], |r| r.get::<_, Vec<u8>>(0))?,
                    None => return Ok(None),
                },
                SourceKind::InMemory(blocks) => match blocks.next() {
                    Some((_, data)) => data,
                    None => return Ok(None),
                },
            };
            let mut records = Vec::new();
            decode(&data, &mut records, &mut |v, r| {
                self.ahead.push((v.clone(), r.to_vec()));
                true
            })?;
            self.ahead.reverse();
        }
        Ok(self.ahead.last())
    }
}

/// Merges sorted sources whose records come in source order (all of a source's records are
/// below the next one's): for each value, the records of the first source, then of the next.
/// The blocks go to `sink` as they fill: a merged column is never whole in memory.
fn merge(
    conn: &Connection,
    sources: &mut [Source],
    sink: &mut BlockSink<'_>,
) -> Result<(), StoreError> {
    let mut out = Coalesce::default();
    loop {
        for source in sources.iter_mut() {
            source.peek(conn)?;
        }
        let mut best: Option<usize> = None;
        for i in 0..sources.len() {
            let Some((v, _)) = sources[i].ahead.last() else {
                continue;
            };
            let better = best.is_none_or(|b| {
                let bv = &sources[b].ahead.last().expect("peeked").0;
                compare(v, bv) == Ordering::Less
            });
            if better {
                best = Some(i);
            }
        }
        let Some(b) = best else {
            break;
        };
        let (v, records) = sources[b].ahead.pop().expect("peeked");
        out.add(v, records);
        if out.out.blocks.len() >= 16 {
            sink.write(std::mem::take(&mut out.out.blocks))?;
        }
    }
    sink.write(out.finish().finish())
}

fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

fn get_varint(data: &[u8], at: &mut usize) -> Result<u64, StoreError> {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = *data.get(*at).ok_or_else(damaged)?;
        *at += 1;
        if shift > 63 {
            return Err(damaged());
        }
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Ok(v);
        }
        shift += 7;
    }
}

fn damaged() -> StoreError {
    StoreError::Sqlite("index de colonne illisible : importez à nouveau la livraison".into())
}

const TAG_NULL: u8 = 0;
const TAG_INT: u8 = 1;
const TAG_REAL: u8 = 2;
const TAG_TEXT: u8 = 3;

/// Writes entries (a value, how many records, the records as deltas) into blocks.
#[derive(Default)]
struct BlockWriter {
    blocks: Vec<(Value, Vec<u8>)>,
    buf: Vec<u8>,
    first: Option<Value>,
    previous_int: i64,
    deltas: Vec<u8>,
}

impl BlockWriter {
    fn entry(&mut self, value: &Value, records: &[u32]) {
        let mut i = 0;
        while i < records.len() {
            // As many records as the block has room for (one at least).
            self.deltas.clear();
            let mut previous = 0u32;
            let start = i;
            while i < records.len() {
                put_varint(&mut self.deltas, u64::from(records[i] - previous));
                previous = records[i];
                i += 1;
                if self.buf.len() + self.deltas.len() >= BLOCK_BYTES {
                    break;
                }
            }
            if self.first.is_none() {
                self.first = Some(value.clone());
                self.previous_int = 0;
            }
            match value {
                Value::Null => self.buf.push(TAG_NULL),
                Value::Int(v) => {
                    self.buf.push(TAG_INT);
                    let d = v.wrapping_sub(self.previous_int);
                    put_varint(&mut self.buf, ((d << 1) ^ (d >> 63)) as u64);
                    self.previous_int = *v;
                }
                Value::Real(f) => {
                    self.buf.push(TAG_REAL);
                    self.buf.extend_from_slice(&f.to_bits().to_le_bytes());
                }
                Value::Text(t) => {
                    self.buf.push(TAG_TEXT);
                    put_varint(&mut self.buf, t.len() as u64);
                    self.buf.extend_from_slice(t.as_bytes());
                }
            }
            put_varint(&mut self.buf, (i - start) as u64);
            self.buf.extend_from_slice(&self.deltas);
            if self.buf.len() >= BLOCK_BYTES {
                self.flush();
            }
        }
    }

    fn flush(&mut self) {
        if let Some(first) = self.first.take() {
            self.blocks.push((first, std::mem::take(&mut self.buf)));
        }
    }

    fn finish(mut self) -> Vec<(Value, Vec<u8>)> {
        self.flush();
        self.blocks
    }
}

/// Reads a block's entries in order; `visit` gets each value with its records and says whether
/// to go on.
fn decode(
    data: &[u8],
    records: &mut Vec<u32>,
    visit: &mut dyn FnMut(&Value, &[u32]) -> bool,
) -> Result<bool, StoreError> {
    let mut at = 0;
    let mut previous_int = 0i64;
    while at < data.len() {
        let tag = data[at];
        at += 1;
        let value = match tag {
            TAG_NULL => Value::Null,
            TAG_INT => {
                let z = get_varint(data, &mut at)?;
                let d = ((z >> 1) as i64) ^ -((z & 1) as i64);
                previous_int = previous_int.wrapping_add(d);
                Value::Int(previous_int)
            }
            TAG_REAL => {
                let b = data.get(at..at + 8).ok_or_else(damaged)?;
                at += 8;
                Value::Real(f64::from_bits(u64::from_le_bytes(
                    b.try_into().map_err(|_| damaged())?,
                )))
            }
            TAG_TEXT => {
                let n = usize::try_from(get_varint(data, &mut at)?).map_err(|_| damaged())?;
                let end = at.checked_add(n).ok_or_else(damaged)?;
                let b = data.get(at..end).ok_or_else(damaged)?;
                at = end;
                Value::Text(String::from_utf8(b.to_vec()).map_err(|_| damaged())?)
            }
            _ => return Err(damaged()),
        };
        let n = get_varint(data, &mut at)?;
        records.clear();
        let mut previous = 0u64;
        for _ in 0..n {
            previous = previous
                .checked_add(get_varint(data, &mut at)?)
                .ok_or_else(damaged)?;
            records.push(u32::try_from(previous).map_err(|_| damaged())?);
        }
        if !visit(&value, records) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Builds the indexes of a table already written (a table kept from a store made before these
/// indexes), reading its rows.
pub(crate) fn build_from_rows(
    conn: &Connection,
    schema: &str,
    table_id: i64,
    sql_name: &str,
    columns: &[(String, usize)],
) -> Result<(), StoreError> {
    if columns.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = columns.iter().map(|c| sql_ident(&c.0)).collect();
    let mut st = conn.prepare(&format!(
        "SELECT rowid, {} FROM {schema}.{} ORDER BY rowid",
        list.join(", "),
        sql_ident(sql_name)
    ))?;
    let mut builders: Vec<ColumnBuilder> = columns
        .iter()
        .map(|_| ColumnBuilder::new(columns.len()))
        .collect();
    let mut runs = Runs::default();
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let record: i64 = r.get(0)?;
        let record = u32::try_from(record).map_err(|_| damaged())?;
        for (i, b) in builders.iter_mut().enumerate() {
            if let Some(run) = b.push(&value_from_sql(r.get_ref(1 + i)?), record) {
                runs.keep(conn, columns[i].1, &run)?;
            }
        }
    }
    drop(rows);
    for (b, (name, position)) in builders.into_iter().zip(columns) {
        let table = format!("{schema}.{}", sql_ident(sql_name));
        runs.finish(conn, table_id, &table, name, *position, b.finish())?;
    }
    Ok(())
}

/// How a column is indexed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Values in record order: binary search on the rowid.
    Sorted,
    /// This many blocks.
    Blocks(u32),
}

/// An indexed column: its name, its position in its table, how it is indexed.
#[derive(Clone, Copy, Debug)]
struct Indexed<'c> {
    column: &'c str,
    position: usize,
    kind: Kind,
}

/// A text value without its trailing blanks, as Oracle compares CHAR values (and SQLite's `rtrim`).
fn trimmed(t: &str) -> &str {
    t.trim_end_matches(' ')
}

impl Store {
    /// Whether the store holds column indexes (stores made before them have SQLite's).
    fn has_column_indexes(&self) -> bool {
        self.column_indexes
    }

    /// How `column` of `t` is indexed, or None when it has no column index (or the store was
    /// made before them).
    fn indexed<'c>(
        &self,
        t: &StoredTable,
        column: &'c str,
    ) -> Result<Option<Indexed<'c>>, StoreError> {
        if !self.has_column_indexes() {
            return Ok(None);
        }
        let found: Option<(i64, Option<bool>, Option<i64>)> = self
            .conn
            .prepare_cached(
                "SELECT c.position, i.sorted, i.blocks FROM _columns c
                 LEFT JOIN _colindex i ON i.table_id = c.table_id AND i.position = c.position
                 WHERE c.table_id = ?1 AND c.name = ?2",
            )?
            .query_row(params![t.id, column], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let Some((position, sorted, blocks)) = found else {
            return Err(StoreError::UnknownTable(format!("colonne {column}")));
        };
        let position = usize::try_from(position).map_err(|_| damaged())?;
        let Some((sorted, blocks)) = sorted.zip(blocks) else {
            return Ok(None);
        };
        let kind = if sorted {
            Kind::Sorted
        } else {
            Kind::Blocks(u32::try_from(blocks).map_err(|_| damaged())?)
        };
        Ok(Some(Indexed {
            column,
            position,
            kind,
        }))
    }

    /// Whether `column` of `t` has a column index (a `reprise-store-2` store has none: SQLite's
    /// B-trees answer there).
    pub fn has_column_index(&self, t: &StoredTable, column: &str) -> Result<bool, StoreError> {
        Ok(self.indexed(t, column)?.is_some())
    }

    /// Whether the values of `column` can be read in order without sorting the table: it has a
    /// column index, or (a store made before them) an SQLite index that starts with it.
    pub fn has_order(&self, t: &StoredTable, column: &str) -> Result<bool, StoreError> {
        if self.has_column_indexes() {
            return Ok(self.indexed(t, column)?.is_some());
        }
        let conn = &self.conn;
        let indexes: Vec<String> = conn
            .prepare(&format!(
                "SELECT name FROM pragma_index_list('{}')",
                t.sql_name.replace('\'', "''")
            ))?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for i in indexes {
            let first: Option<String> = conn
                .query_row(
                    &format!(
                        "SELECT name FROM pragma_index_info('{}') WHERE seqno = 0",
                        i.replace('\'', "''")
                    ),
                    [],
                    |r| r.get(0),
                )
                .optional()?;
            if first.as_deref() == Some(column) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The value of `column` at record `rowid` (a sorted column's binary search).
    fn value_at(&self, t: &StoredTable, column: &str, rowid: i64) -> Result<Value, StoreError> {
        let sql = format!(
            "SELECT {} FROM {} WHERE rowid = ?1",
            sql_ident(column),
            sql_ident(&t.sql_name)
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([rowid], |r| Ok(value_from_sql(r.get_ref(0)?)))
            .optional()?
            .unwrap_or(Value::Null))
    }

    /// The first block that can hold `lo`: the last one whose first value is below it.
    fn first_block(
        &self,
        t: &StoredTable,
        position: usize,
        blocks: u32,
        lo: &Value,
    ) -> Result<u32, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT first FROM _colblocks WHERE id = ?1")?;
        let (mut a, mut b) = (0u32, blocks);
        // Blocks [0, a) start below `lo`; blocks [b, blocks) do not.
        while a < b {
            let m = a + (b - a) / 2;
            let first = st.query_row([block_id(t.id, position, m)], |r| {
                Ok(value_from_sql(r.get_ref(0)?))
            })?;
            if compare(&first, lo) == Ordering::Less {
                a = m + 1;
            } else {
                b = m;
            }
        }
        Ok(a.saturating_sub(1))
    }

    /// Visits the values of `column` from `lo` up to `hi` (both included, None: no bound) in
    /// order, with their records; `visit` says whether to go on.
    fn scan(
        &self,
        t: &StoredTable,
        ix: Indexed<'_>,
        lo: Option<&Value>,
        hi: Option<&Value>,
        visit: &mut dyn FnMut(&Value, &[u32]) -> bool,
    ) -> Result<(), StoreError> {
        let above = |v: &Value| hi.is_some_and(|h| compare(v, h) == Ordering::Greater);
        let below = |v: &Value| lo.is_some_and(|l| compare(v, l) == Ordering::Less);
        let Indexed {
            column,
            position,
            kind,
        } = ix;
        match kind {
            Kind::Sorted => {
                // The first record whose value is not below `lo`.
                let (mut a, mut b) = (1i64, t.rows + 1);
                if let Some(lo) = lo {
                    while a < b {
                        let m = a + (b - a) / 2;
                        if compare(&self.value_at(t, column, m)?, lo) == Ordering::Less {
                            a = m + 1;
                        } else {
                            b = m;
                        }
                    }
                }
                let sql = format!(
                    "SELECT rowid, {} FROM {} WHERE rowid >= ?1 ORDER BY rowid",
                    sql_ident(column),
                    sql_ident(&t.sql_name)
                );
                let mut st = self.conn.prepare_cached(&sql)?;
                let mut rows = st.query([a])?;
                while let Some(r) = rows.next()? {
                    let v = value_from_sql(r.get_ref(1)?);
                    if above(&v) {
                        break;
                    }
                    let rowid: i64 = r.get(0)?;
                    let rowid = u32::try_from(rowid).map_err(|_| damaged())?;
                    if !visit(&v, &[rowid]) {
                        break;
                    }
                }
            }
            Kind::Blocks(blocks) => {
                let start = match lo {
                    Some(lo) => self.first_block(t, position, blocks, lo)?,
                    None => 0,
                };
                let mut st = self
                    .conn
                    .prepare_cached("SELECT data FROM _colblocks WHERE id = ?1")?;
                let mut records = Vec::new();
                for b in start..blocks {
                    let data: Vec<u8> =
                        st.query_row([block_id(t.id, position, b)], |r| r.get(0))?;
                    let mut done = false;
                    let go_on = decode(&data, &mut records, &mut |v, r| {
                        if above(v) {
                            done = true;
                            return false;
                        }
                        below(v) || visit(v, r)
                    })?;
                    if done || !go_on {
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    /// The records of `t` whose `column` equals `value`, in record order: numbers by value, a
    /// text as delivered without its trailing blanks (as Oracle compares CHAR values).
    pub fn records_equal(
        &self,
        t: &StoredTable,
        column: &str,
        value: &Value,
    ) -> Result<Vec<u32>, StoreError> {
        let (lo, hi) = match value {
            // Nothing equals NULL, as in SQL.
            Value::Null => return Ok(Vec::new()),
            // From the text to the text followed by any number of blanks: every such value sorts
            // below the text followed by `!`, the byte after the blank.
            Value::Text(s) => {
                let s = trimmed(s);
                (Value::Text(s.to_string()), Value::Text(format!("{s}!")))
            }
            other => (other.clone(), other.clone()),
        };
        let keep = |v: &Value| match (v, value) {
            (Value::Text(a), Value::Text(b)) => trimmed(a) == trimmed(b),
            (a, b) => compare(a, b) == Ordering::Equal,
        };
        let mut out = Vec::new();
        match self.indexed(t, column)? {
            Some(ix) => {
                self.scan(t, ix, Some(&lo), Some(&hi), &mut |v, r| {
                    if keep(v) {
                        out.extend_from_slice(r);
                    }
                    true
                })?;
                out.sort_unstable();
            }
            None => {
                let c = sql_ident(column);
                let sql = format!(
                    "SELECT rowid, {c} FROM {} WHERE {c} >= ?1 AND {c} <= ?2 ORDER BY rowid",
                    sql_ident(&t.sql_name)
                );
                let mut st = self.conn.prepare_cached(&sql)?;
                let mut rows = st.query(params![lo, hi])?;
                while let Some(r) = rows.next()? {
                    if keep(&value_from_sql(r.get_ref(1)?)) {
                        out.push(u32::try_from(r.get::<_, i64>(0)?).map_err(|_| damaged())?);
                    }
                }
            }
        }
        Ok(out)
    }

    /// The records of `t` whose `column` lies between `lo` and `hi` (included; None: no bound),
    /// in record order, or None when the column has no index (the caller then asks SQLite).
    pub fn records_between(
        &self,
        t: &StoredTable,
        column: &str,
        lo: Option<&Value>,
        hi: Option<&Value>,
    ) -> Result<Option<Vec<u32>>, StoreError> {
        let Some(ix) = self.indexed(t, column)? else {
            return Ok(None);
        };
        let mut out = Vec::new();
        self.scan(t, ix, lo, hi, &mut |v, r| {
            // NULL is between no bounds, as in SQL.
            if !matches!(v, Value::Null) {
                out.extend_from_slice(r);
            }
            true
        })?;
        out.sort_unstable();
        Ok(Some(out))
    }

    /// The first `count` records of `t` in the order of `column` (as [`Store::records_in_order`]),
    /// reading no more of the index than they need; None when the column has no column index.
    pub fn first_in_order(
        &self,
        t: &StoredTable,
        column: &str,
        descending: bool,
        count: usize,
    ) -> Result<Option<Vec<u32>>, StoreError> {
        let Some(ix) = self.indexed(t, column)? else {
            return Ok(None);
        };
        let rows = u32::try_from(t.rows).map_err(|_| damaged())?;
        let count = count.min(rows as usize);
        // The row count comes from the store: trusted for the size of the list, within reason.
        let mut out = Vec::with_capacity(count.min(1 << 26));
        match (ix.kind, descending) {
            (Kind::Sorted, false) => out.extend((1..=rows).take(count)),
            (Kind::Sorted, true) => out.extend((1..=rows).rev().take(count)),
            (Kind::Blocks(_), false) => {
                self.scan(t, ix, None, None, &mut |_, r| {
                    out.extend_from_slice(r);
                    out.len() < count
                })?;
                out.truncate(count);
            }
            (Kind::Blocks(blocks), true) => {
                // From the last block back, each block's entries backwards.
                let mut st = self
                    .conn
                    .prepare_cached("SELECT data FROM _colblocks WHERE id = ?1")?;
                let mut records = Vec::new();
                for b in (0..blocks).rev() {
                    let data: Vec<u8> =
                        st.query_row([block_id(t.id, ix.position, b)], |r| r.get(0))?;
                    let mut block: Vec<u32> = Vec::new();
                    decode(&data, &mut records, &mut |_, r| {
                        block.extend_from_slice(r);
                        true
                    })?;
                    out.extend(block.iter().rev().take(count - out.len()));
                    if out.len() == count {
                        break;
                    }
                }
            }
        }
        Ok(Some(out))
    }

    /// Every record of `t` in the order of `column` (then of record numbers), descending if
    /// asked, or None when the column has no column index.
    pub fn records_in_order(
        &self,
        t: &StoredTable,
        column: &str,
        descending: bool,
    ) -> Result<Option<Vec<u32>>, StoreError> {
        self.first_in_order(t, column, descending, usize::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Builds the index of `values` (records 1, 2, …) through the store's path, runs of
    /// `run_pairs` pairs, on a table in memory; gives (sorted, blocks) read back.
    fn build(values: &[Value], run_pairs: usize) -> (bool, Vec<(Value, Vec<u8>)>) {
        let conn = crate::store::connect_in_memory().unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        conn.execute_batch("CREATE TABLE t(v);").unwrap();
        for (i, v) in values.iter().enumerate() {
            conn.execute(
                "INSERT INTO t(rowid, v) VALUES (?1, ?2)",
                params![i as i64 + 1, v],
            )
            .unwrap();
        }
        let mut b = ColumnBuilder::with_runs_of(run_pairs);
        let mut runs = Runs::default();
        for (i, v) in values.iter().enumerate() {
            if let Some(run) = b.push(v, i as u32 + 1) {
                runs.keep(&conn, 0, &run).unwrap();
            }
        }
        runs.finish(&conn, 1, "t", "v", 0, b.finish()).unwrap();
        let left: i64 = conn
            .query_row("SELECT count(*) FROM _colruns", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0, "runs deleted after the merge");
        let (sorted, entries): (bool, i64) = conn
            .query_row("SELECT sorted, entries FROM _colindex", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(entries as usize, values.len());
        let mut st = conn
            .prepare("SELECT first, data FROM _colblocks ORDER BY id")
            .unwrap();
        let blocks = st
            .query_map([], |r| Ok((value_from_sql(r.get_ref(0)?), r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        (sorted, blocks)
    }

    fn decoded(blocks: &[(Value, Vec<u8>)]) -> Vec<(Value, u32)> {
        let mut out: Vec<(Value, u32)> = Vec::new();
        let mut records = Vec::new();
        for (first, data) in blocks {
            let mut seen_first = false;
            decode(data, &mut records, &mut |v, r| {
                if !seen_first {
                    assert_eq!(compare(v, first), Ordering::Equal);
                    seen_first = true;
                }
                out.extend(r.iter().map(|&r| (v.clone(), r)));
                true
            })
            .unwrap();
        }
        out
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            (0i64..40).prop_map(Value::Int),
            (-5i64..5).prop_map(Value::Int),
            Just(Value::Int(i64::from(DICT) + 3)),
            Just(Value::Int(i64::MAX)),
            (-3i32..50).prop_map(|i| Value::Real(f64::from(i) / 2.0)),
            "[A-C ]{0,3}".prop_map(Value::Text),
        ]
    }

    /// Values partly in order: an ordered stretch (long enough for its pairs to be dropped),
    /// then anything.
    fn column() -> impl Strategy<Value = Vec<Value>> {
        (
            0usize..6000,
            prop::collection::vec(value(), 0..3000),
            0i64..3,
        )
            .prop_map(|(ordered, rest, step)| {
                let mut v: Vec<Value> = (0..ordered as i64).map(|i| Value::Int(i * step)).collect();
                v.extend(rest);
                v
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// The blocks give back every (value, record) pair in SQLite's order, the records of a
        /// value ascending, whatever the runs and the ordered stretch read back from the table;
        /// a column in order needs no block.
        #[test]
        fn blocks_give_back_the_values_in_order(
            values in column(),
            run_pairs in prop_oneof![Just(1usize << 20), 50usize..2000],
        ) {
            let (sorted, blocks) = build(&values, run_pairs);
            let mut expected: Vec<(Value, u32)> = values.iter().cloned().zip(1u32..).collect();
            let in_order = expected
                .windows(2)
                .all(|w| compare(&w[0].0, &w[1].0) != Ordering::Greater);
            prop_assert_eq!(sorted, in_order);
            if in_order {
                prop_assert!(blocks.is_empty());
            } else {
                expected.sort_by(|a, b| compare(&a.0, &b.0).then(a.1.cmp(&b.1)));
                let got = decoded(&blocks);
                prop_assert_eq!(got.len(), expected.len());
                for (g, e) in got.iter().zip(&expected) {
                    prop_assert_eq!(compare(&g.0, &e.0), Ordering::Equal);
                    prop_assert_eq!(g.1, e.1);
                }
                prop_assert!(blocks.windows(2).all(|w| compare(&w[0].0, &w[1].0) != Ordering::Greater));
            }
        }
    }

    #[test]
    fn a_large_group_spans_blocks() {
        // Mostly NULL, a few dates, not in order.
        let values: Vec<Value> = (0..100_000i64)
            .map(|i| {
                if i % 10 == 0 {
                    Value::Int(20_000_000 - i)
                } else {
                    Value::Null
                }
            })
            .collect();
        for run_pairs in [1 << 20, 7_000] {
            let (sorted, blocks) = build(&values, run_pairs);
            assert!(!sorted);
            assert!(blocks.len() > 5, "{}", blocks.len());
            assert!(blocks.iter().all(|(_, d)| d.len() < BLOCK_BYTES + 64));
            let d = decoded(&blocks);
            assert_eq!(d.len(), 100_000);
            assert!(d[..90_000].iter().all(|(v, _)| *v == Value::Null));
            assert!(d[..90_000].windows(2).all(|w| w[0].1 < w[1].1));
        }
    }

    #[test]
    fn long_texts_out_of_order_go_to_runs_by_their_bytes() {
        // 300 distinct texts of 200 bytes, last first: far fewer pairs than a run holds, but
        // more bytes of texts than it may keep.
        let values: Vec<Value> = (0..300)
            .rev()
            .map(|i| Value::Text(format!("{i:05}{}", "x".repeat(195))))
            .collect();
        let mut b = ColumnBuilder::with_runs_of(1000);
        let runs = values
            .iter()
            .zip(1u32..)
            .filter(|(v, r)| b.push(v, *r).is_some())
            .count();
        assert!(runs >= 5, "{runs} runs");
        let (sorted, blocks) = build(&values, 1000);
        assert!(!sorted);
        let got: Vec<u32> = decoded(&blocks).into_iter().map(|(_, r)| r).collect();
        assert_eq!(got, (1..=300).rev().collect::<Vec<u32>>());
    }

    #[test]
    fn a_damaged_block_is_an_error() {
        let mut records = Vec::new();
        for data in [
            vec![
                TAG_TEXT, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
            ],
            vec![
                TAG_INT, 0x02, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f, 0xff, 0xff, 0xff, 0xff, 0x0f,
            ],
            vec![9],
            vec![TAG_REAL, 1, 2],
        ] {
            assert!(decode(&data, &mut records, &mut |_, _| true).is_err());
        }
    }

    #[test]
    fn the_indexed_columns() {
        let cols = [
            (Some(2), None, false),
            (Some(1), Some("ITAC_DOSSIER"), false),
            (None, Some("R_CODE"), false),
            (None, Some("ITAC_AGENT"), false),
            (None, None, true),
            (None, Some("ITAC_AGENT"), false),
        ];
        assert_eq!(indexed_columns(cols.into_iter()), vec![1, 3, 4]);
    }
}
