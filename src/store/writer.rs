//! Writing a delivery into a new store file: the schema, and a writer thread that receives the
//! reception's tables, rows, files and anomalies through a bounded channel, so that decrypting and
//! parsing run on one core while SQLite (and SQLCipher) write on the other.

use super::colindex::{self, Blocks, Built, ColumnBuilder, Runs};
use super::insert::Insert;
use super::{StoreError, sql_ident};
use crate::format::descriptif::ColumnType;
use crate::profile::Profile;
use crate::reception::anomaly::Anomaly;
use crate::reception::value::Value;
use crate::reception::{FileInfo, LoadError, Loader, TableInfo, tables_of_file};
use crate::search::index::{PersonColumns, Persons};
use rusqlite::{Connection, params, types::ToSqlOutput, types::ValueRef};
use std::collections::HashMap;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

pub(crate) const SCHEMA: &str = "
CREATE TABLE _meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE _deliveries(
    id INTEGER PRIMARY KEY, name TEXT, application TEXT, version TEXT, departement TEXT,
    libelle_departement TEXT, centre TEXT, extraction TEXT, source TEXT, form TEXT, encoding TEXT,
    received_on TEXT, deadline TEXT, imported_at TEXT, tool TEXT, verdict TEXT, report_json TEXT,
    active INTEGER, replaced_at TEXT);
CREATE TABLE _files(
    delivery_id INTEGER, path TEXT, bytes INTEGER, sha256 TEXT, records INTEGER, bom INTEGER,
    first_line BLOB, content BLOB, PRIMARY KEY(delivery_id, path));
CREATE TABLE _tables(
    id INTEGER PRIMARY KEY, delivery_id INTEGER, position INTEGER, name TEXT, label TEXT, file TEXT,
    sql_name TEXT, row_count INTEGER, described INTEGER, iso_dates INTEGER, decimal TEXT,
    shared_file INTEGER);
CREATE TABLE _columns(
    table_id INTEGER, position INTEGER, name TEXT, type TEXT, length INTEGER, precision INTEGER,
    scale INTEGER, mandatory INTEGER, key INTEGER, ref_table TEXT, ref_column TEXT, label TEXT,
    leading_zero INTEGER, PRIMARY KEY(table_id, position));
CREATE TABLE _anomalies(
    delivery_id INTEGER, file TEXT, table_name TEXT, record INTEGER, column_name TEXT, value TEXT,
    kind TEXT, detail TEXT);
CREATE TABLE _raw(table_id INTEGER, record INTEGER, bytes BLOB, PRIMARY KEY(table_id, record)) WITHOUT ROWID;
";

/// Column of a data table that keeps a row's position in its file, when a file holds several
/// tables (FINESS.TXT).
pub(crate) const SEQ_COLUMN: &str = "_seq";

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(t) => ValueRef::Text(t.as_bytes()),
        }))
    }
}

/// A value of a batch: a text is a range of the batch's text buffer.
#[derive(Clone, Copy)]
enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(usize, usize),
}

/// A row of a batch: its values are `cells[previous row's end..end]`.
struct Head {
    table: usize,
    record: u64,
    seq: u64,
    end: usize,
    raw: Option<(usize, usize)>,
}

/// At most so many bytes of texts, and of raw records, stay with an emptied batch.
const KEPT_BATCH_BYTES: usize = 4 << 20;

/// Rows sent to the writer together, their values kept in a few buffers rather than one
/// allocation per value; the writer sends the emptied buffers back to be filled again.
#[derive(Default)]
pub(crate) struct Rows {
    heads: Vec<Head>,
    cells: Vec<Cell>,
    text: String,
    raw: Vec<u8>,
}

impl Rows {
    fn len(&self) -> usize {
        self.heads.len()
    }

    /// Bytes the batch's rows take.
    fn bytes(&self) -> usize {
        self.heads.len() * std::mem::size_of::<Head>()
            + self.cells.len() * std::mem::size_of::<Cell>()
            + self.text.len()
            + self.raw.len()
    }

    fn push(&mut self, table: usize, record: u64, seq: u64, values: &[Value], raw: Option<&[u8]>) {
        for v in values {
            self.cells.push(match v {
                Value::Null => Cell::Null,
                Value::Int(i) => Cell::Int(*i),
                Value::Real(f) => Cell::Real(*f),
                Value::Text(t) => {
                    let start = self.text.len();
                    self.text.push_str(t);
                    Cell::Text(start, self.text.len())
                }
            });
        }
        let raw = raw.map(|r| {
            let start = self.raw.len();
            self.raw.extend_from_slice(r);
            (start, self.raw.len())
        });
        self.heads.push(Head {
            table,
            record,
            seq,
            end: self.cells.len(),
            raw,
        });
    }

    fn clear(&mut self) {
        self.heads.clear();
        self.cells.clear();
        self.text.clear();
        self.raw.clear();
        // A batch that held a huge value (a 50 MB field) does not keep its memory.
        if self.text.capacity() > KEPT_BATCH_BYTES {
            self.text = String::new();
        }
        if self.raw.capacity() > KEPT_BATCH_BYTES {
            self.raw = Vec::new();
        }
    }

    /// The rows: (head, values, raw bytes).
    fn iter(&self) -> impl Iterator<Item = (&Head, &[Cell], Option<&[u8]>)> {
        let mut start = 0;
        self.heads.iter().map(move |h| {
            let cells = &self.cells[start..h.end];
            start = h.end;
            (h, cells, h.raw.map(|(a, b)| &self.raw[a..b]))
        })
    }

    fn value_ref<'a>(&'a self, c: &Cell) -> ValueRef<'a> {
        match *c {
            Cell::Null => ValueRef::Null,
            Cell::Int(i) => ValueRef::Integer(i),
            Cell::Real(f) => ValueRef::Real(f),
            Cell::Text(a, b) => ValueRef::Text(&self.text.as_bytes()[a..b]),
        }
    }
}

pub(crate) enum Msg {
    /// The application's profile (before any table): where the person index takes persons.
    Profile(Option<Box<Profile>>),
    Begin(usize, Box<TableInfo>),
    Rows(Rows),
    /// A sorted run of a column's index (table, column position), kept until the table ends.
    Run(usize, usize, Blocks),
    /// The column indexes of a table, built on the reception's side.
    Indexes(usize, Vec<(usize, Built)>),
    End {
        index: usize,
        rows: u64,
        leading_zero: Vec<bool>,
    },
    File(Box<FileInfo>),
    Anomalies(Vec<Anomaly>),
}

/// A batch goes to the writer at so many rows, or at so many bytes ([`Rows::bytes`]) if that
/// comes first: the batches in flight (at most [`BATCHES_AHEAD`]) take a bounded memory
/// whatever the rows hold.
const BATCH: usize = 4096;
const BATCH_BYTES: usize = 1 << 20;
/// Batches the reception may run ahead of the writer. The writer stops the rows for a while at
/// the end of some tables (it merges the runs of a column index), and the reception at others:
/// a deep queue lets each go on meanwhile (imports 5-7 % faster than with 2).
const BATCHES_AHEAD: usize = 32;

/// The reception's [`Loader`] for an import: batches and sends to the writer thread.
pub(crate) struct StoreLoader {
    tx: Option<SyncSender<Msg>>,
    rows: Rows,
    /// Batches the writer has emptied, to be filled again.
    emptied: Receiver<Rows>,
    anomalies: Vec<Anomaly>,
    failure: Arc<Mutex<Option<String>>>,
    /// By table, the column indexes being built: (column position, builder).
    indexes: HashMap<usize, Vec<(usize, ColumnBuilder)>>,
}

impl StoreLoader {
    fn send(&mut self, m: Msg) -> Result<(), LoadError> {
        let tx = self
            .tx
            .as_ref()
            .ok_or_else(|| LoadError::Store("écriture déjà terminée".into()))?;
        tx.send(m).map_err(|_| {
            LoadError::Store(
                self.failure
                    .lock()
                    .ok()
                    .and_then(|f| f.clone())
                    .unwrap_or_else(|| "l'écriture de la base s'est arrêtée".into()),
            )
        })
    }

    fn flush(&mut self) -> Result<(), LoadError> {
        if self.rows.len() > 0 {
            self.send_rows()?;
        }
        if !self.anomalies.is_empty() {
            let a = std::mem::take(&mut self.anomalies);
            self.send(Msg::Anomalies(a))?;
        }
        Ok(())
    }

    fn send_rows(&mut self) -> Result<(), LoadError> {
        let next = self.emptied.try_recv().unwrap_or_default();
        let rows = std::mem::replace(&mut self.rows, next);
        self.send(Msg::Rows(rows))
    }

    /// Sends what is left and closes the channel.
    pub(crate) fn close(mut self) -> Result<(), LoadError> {
        self.flush()?;
        self.tx = None;
        Ok(())
    }
}

impl Loader for StoreLoader {
    fn profile(&mut self, profile: Option<&Profile>) -> Result<(), LoadError> {
        self.send(Msg::Profile(profile.cloned().map(Box::new)))
    }

    fn begin_table(&mut self, index: usize, table: &TableInfo) -> Result<(), LoadError> {
        self.flush()?;
        let indexed = colindex::indexed_columns(table.columns.iter().map(|c| {
            (
                c.key.map(i64::from),
                c.reference.as_ref().map(|r| r.table.as_str()),
                c.ty == ColumnType::Date,
            )
        }));
        let n = indexed.len();
        self.indexes.insert(
            index,
            indexed
                .into_iter()
                .map(|p| (p, ColumnBuilder::new(n)))
                .collect(),
        );
        self.send(Msg::Begin(index, Box::new(table.clone())))
    }

    fn row(
        &mut self,
        index: usize,
        record: u64,
        file_record: u64,
        values: &mut Vec<Value>,
        raw: Option<&[u8]>,
    ) -> Result<(), LoadError> {
        if let Some(builders) = self.indexes.get_mut(&index) {
            let record = u32::try_from(record).map_err(|_| {
                LoadError::Store("plus de 4 milliards de lignes dans une table".into())
            })?;
            let mut full = Vec::new();
            for (p, b) in builders.iter_mut() {
                if let Some(run) = b.push(values.get(*p).unwrap_or(&Value::Null), record) {
                    full.push((*p, run));
                }
            }
            for (p, run) in full {
                self.send(Msg::Run(index, p, run))?;
            }
        }
        self.rows.push(index, record, file_record, values, raw);
        if self.rows.len() >= BATCH || self.rows.bytes() >= BATCH_BYTES {
            self.send_rows()?;
        }
        Ok(())
    }

    fn end_table(
        &mut self,
        index: usize,
        rows: u64,
        leading_zero: &[bool],
    ) -> Result<(), LoadError> {
        self.flush()?;
        if let Some(builders) = self.indexes.remove(&index) {
            let built = builders.into_iter().map(|(p, b)| (p, b.finish())).collect();
            self.send(Msg::Indexes(index, built))?;
        }
        self.send(Msg::End {
            index,
            rows,
            leading_zero: leading_zero.to_vec(),
        })
    }

    fn file(&mut self, file: &FileInfo) -> Result<(), LoadError> {
        self.flush()?;
        self.send(Msg::File(Box::new(file.clone())))
    }

    fn anomaly(&mut self, anomaly: &Anomaly) -> Result<(), LoadError> {
        self.anomalies.push(anomaly.clone());
        if self.anomalies.len() >= BATCH {
            let a = std::mem::take(&mut self.anomalies);
            self.send(Msg::Anomalies(a))?;
        }
        Ok(())
    }
}

/// The writer thread: gives back the connection, and the person index, once every table is
/// written and indexed.
pub(crate) type WriterHandle = JoinHandle<Result<(Connection, Persons), StoreError>>;

/// Starts the writer thread on `conn` (keyed, schema created, in a transaction); the rows of the
/// tables `persons` takes persons from (by the profile the reception sends) go to it as they
/// are written.
pub(crate) fn spawn(
    conn: Connection,
    delivery_id: i64,
    application: String,
    mut persons: Persons,
) -> (StoreLoader, WriterHandle) {
    let (tx, rx) = sync_channel(BATCHES_AHEAD);
    let (give_back, emptied) = std::sync::mpsc::channel();
    let failure = Arc::new(Mutex::new(None));
    let f2 = failure.clone();
    let handle = std::thread::Builder::new()
        .name("reprise-store-writer".into())
        .spawn(move || {
            let r = write_all(
                &conn,
                delivery_id,
                &application,
                rx,
                give_back,
                &mut persons,
            );
            match r {
                Ok(()) => Ok((conn, persons)),
                Err(e) => {
                    if let Ok(mut f) = f2.lock() {
                        *f = Some(e.to_string());
                    }
                    Err(e)
                }
            }
        })
        .expect("thread starts");
    (
        StoreLoader {
            tx: Some(tx),
            rows: Rows::default(),
            emptied,
            anomalies: Vec::new(),
            failure,
            indexes: HashMap::new(),
        },
        handle,
    )
}

/// A table being written.
struct Open<'c> {
    /// Its id in `_tables`.
    id: i64,
    /// Its quoted SQL name and its columns' names.
    sql: String,
    columns: Vec<String>,
    /// Runs of its column indexes, kept until it ends.
    runs: Runs,
    shared: bool,
    insert: Insert<'c>,
    /// Where its person columns are, if the person index takes persons from it.
    persons: Option<PersonColumns>,
}

fn write_all(
    conn: &Connection,
    delivery_id: i64,
    app: &str,
    rx: Receiver<Msg>,
    give_back: std::sync::mpsc::Sender<Rows>,
    persons: &mut Persons,
) -> Result<(), StoreError> {
    let mut tables: HashMap<usize, Open<'_>> = HashMap::new();
    let mut person_stmt = Persons::statement(conn)?;
    let mut raw_stmt = Insert::new(
        conn,
        "INSERT INTO _raw(table_id, record, bytes) VALUES (?1, ?2, ?3)",
    )?;
    let mut anomaly_stmt = conn.prepare(
        "INSERT INTO _anomalies(delivery_id, file, table_name, record, column_name, value, kind, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for msg in rx {
        match msg {
            Msg::Profile(profile) => persons.follow(profile.as_deref()),
            Msg::Begin(index, info) => {
                let shared = tables_of_file(&info.file).is_some_and(|t| t.len() > 1);
                let sql_name = format!("{app}__{}", info.name);
                let mut cols: Vec<String> =
                    info.columns.iter().map(|c| sql_ident(&c.name)).collect();
                if shared {
                    cols.push(sql_ident(SEQ_COLUMN));
                }
                conn.execute_batch(&format!(
                    "DROP TABLE IF EXISTS main.{t}; CREATE TABLE main.{t}({c});",
                    t = sql_ident(&sql_name),
                    c = cols.join(", ")
                ))?;
                conn.execute(
                    "INSERT INTO _tables(delivery_id, position, name, label, file, sql_name, row_count,
                       described, iso_dates, decimal, shared_file)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8, ?9, ?10)",
                    params![
                        delivery_id,
                        index as i64,
                        info.name,
                        info.label,
                        info.file,
                        sql_name,
                        info.described,
                        info.form.iso_dates,
                        info.form.decimal.to_string(),
                        shared
                    ],
                )?;
                let id = conn.last_insert_rowid();
                for (p, c) in info.columns.iter().enumerate() {
                    conn.execute(
                        "INSERT INTO _columns(table_id, position, name, type, length, precision, scale,
                           mandatory, key, ref_table, ref_column, label, leading_zero)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0)",
                        params![
                            id,
                            p as i64,
                            c.name,
                            c.ty.as_str(),
                            c.length,
                            c.precision,
                            c.scale,
                            c.mandatory,
                            c.key,
                            c.reference.as_ref().map(|r| r.table.clone()),
                            c.reference.as_ref().map(|r| r.column.clone()),
                            c.label
                        ],
                    )?;
                }
                let placeholders: Vec<String> =
                    (1..=cols.len() + 1).map(|i| format!("?{i}")).collect();
                let insert = Insert::new(
                    conn,
                    &format!(
                        "INSERT INTO {}(rowid, {}) VALUES ({})",
                        sql_ident(&sql_name),
                        cols.join(", "),
                        placeholders.join(", ")
                    ),
                )?;
                let columns: Vec<String> = info.columns.iter().map(|c| c.name.clone()).collect();
                tables.insert(
                    index,
                    Open {
                        id,
                        sql: sql_ident(&sql_name),
                        persons: persons.columns(&info.name, &columns),
                        columns,
                        runs: Runs::default(),
                        shared,
                        insert,
                    },
                );
            }
            Msg::Rows(mut rows) => {
                for (head, cells, raw) in rows.iter() {
                    let t = tables.get_mut(&head.table).ok_or_else(|| {
                        StoreError::Sqlite(format!("table {} inconnue", head.table))
                    })?;
                    let rowid = head.record as i64;
                    // A NULL is bound only where the previous row had a value: most rows
                    // leave many columns empty.
                    t.insert.execute(
                        std::iter::once(ValueRef::Integer(rowid))
                            .chain(cells.iter().map(|c| rows.value_ref(c)))
                            .chain(t.shared.then_some(ValueRef::Integer(head.seq as i64))),
                    )?;
                    if let Some(c) = &t.persons {
                        persons.row(conn, &mut person_stmt, c, rowid, |p| {
                            cells.get(p).map_or(ValueRef::Null, |c| rows.value_ref(c))
                        })?;
                    }
                    if let Some(raw) = raw {
                        raw_stmt.execute([
                            ValueRef::Integer(t.id),
                            ValueRef::Integer(rowid),
                            ValueRef::Blob(raw),
                        ])?;
                    }
                }
                rows.clear();
                // A loader that is gone needs no more batches.
                let _ = give_back.send(rows);
            }
            Msg::End {
                index,
                rows,
                leading_zero,
            } => {
                if let Some(t) = tables.get(&index) {
                    let id = t.id;
                    conn.execute(
                        "UPDATE _tables SET row_count = ?1 WHERE id = ?2",
                        params![rows as i64, id],
                    )?;
                    for (p, lz) in leading_zero.iter().enumerate() {
                        if *lz {
                            conn.execute(
                                "UPDATE _columns SET leading_zero = 1 WHERE table_id = ?1 AND position = ?2",
                                params![id, p as i64],
                            )?;
                        }
                    }
                }
            }
            Msg::Run(index, position, blocks) => {
                if let Some(t) = tables.get_mut(&index) {
                    t.runs.keep(conn, position, &blocks)?;
                }
            }
            Msg::Indexes(index, built) => {
                if let Some(t) = tables.get_mut(&index) {
                    for (position, b) in built {
                        let column = t.columns.get(position).cloned().unwrap_or_default();
                        t.runs.finish(conn, t.id, &t.sql, &column, position, b)?;
                    }
                }
            }
            Msg::File(f) => {
                conn.execute(
                    "INSERT OR REPLACE INTO _files(delivery_id, path, bytes, sha256, records, bom, first_line, content)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        delivery_id,
                        f.path,
                        f.bytes as i64,
                        f.sha256,
                        f.records as i64,
                        f.bom,
                        f.first_line,
                        f.content
                    ],
                )?;
            }
            Msg::Anomalies(list) => {
                for a in list {
                    anomaly_stmt.execute(params![
                        delivery_id,
                        a.file,
                        a.table,
                        a.record as i64,
                        a.column,
                        a.value,
                        a.kind.code(),
                        a.detail
                    ])?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row as the test sees it: table, record, values shown, raw bytes.
    type Seen = (usize, u64, Vec<String>, Option<Vec<u8>>);

    fn texts(rows: &Rows) -> Vec<Seen> {
        rows.iter()
            .map(|(h, cells, raw)| {
                let values = cells
                    .iter()
                    .map(|c| match rows.value_ref(c) {
                        ValueRef::Null => "NULL".to_string(),
                        ValueRef::Integer(i) => format!("i{i}"),
                        ValueRef::Real(f) => format!("r{f}"),
                        ValueRef::Text(t) => format!("t{}", String::from_utf8_lossy(t)),
                        ValueRef::Blob(_) => unreachable!(),
                    })
                    .collect();
                (h.table, h.record, values, raw.map(<[u8]>::to_vec))
            })
            .collect()
    }

    #[test]
    fn a_batch_gives_back_each_row_as_pushed_and_is_filled_again_once_emptied() {
        let mut rows = Rows::default();
        let first = [
            Value::Text("DUPONT".into()),
            Value::Null,
            Value::Int(19_700_101),
            Value::Text("é".into()),
        ];
        let second = [Value::Real(0.5), Value::Text(String::new())];
        rows.push(0, 1, 1, &first, None);
        rows.push(3, 2, 7, &second, Some(b"0,5;\r\n"));
        let expected = vec![
            (
                0,
                1,
                vec!["tDUPONT", "NULL", "i19700101", "té"]
                    .into_iter()
                    .map(String::from)
                    .collect(),
                None,
            ),
            (
                3,
                2,
                vec!["r0.5".to_string(), "t".to_string()],
                Some(b"0,5;\r\n".to_vec()),
            ),
        ];
        assert_eq!(texts(&rows), expected);
        assert_eq!(rows.iter().nth(1).map(|(h, _, _)| h.seq), Some(7));
        rows.clear();
        assert_eq!(rows.len(), 0);
        rows.push(1, 9, 9, &second[..1], None);
        assert_eq!(texts(&rows), vec![(1, 9, vec!["r0.5".to_string()], None)]);
        // A huge value's memory does not stay with the batch once emptied.
        let huge = [Value::Text("x".repeat(KEPT_BATCH_BYTES + 1))];
        let raw = vec![b'x'; KEPT_BATCH_BYTES + 1];
        rows.push(0, 10, 10, &huge, Some(&raw));
        rows.clear();
        assert!(rows.text.capacity() <= KEPT_BATCH_BYTES);
        assert!(rows.raw.capacity() <= KEPT_BATCH_BYTES);
    }

    #[test]
    fn a_batch_of_large_rows_goes_at_its_size_in_bytes() {
        let (tx, rx) = sync_channel(BATCHES_AHEAD);
        let (_give_back, emptied) = std::sync::mpsc::channel();
        let mut loader = StoreLoader {
            tx: Some(tx),
            rows: Rows::default(),
            emptied,
            anomalies: Vec::new(),
            failure: Arc::new(Mutex::new(None)),
            indexes: HashMap::new(),
        };
        let mut values = vec![Value::Text("x".repeat(100_000))];
        for record in 1..=25 {
            loader.row(0, record, record, &mut values, None).unwrap();
        }
        // Rows of 100 kB: a batch at 11 rows (past 1 MiB), far below BATCH rows.
        let sent: Vec<usize> = rx
            .try_iter()
            .filter_map(|m| match m {
                Msg::Rows(rows) => Some(rows.len()),
                _ => None,
            })
            .collect();
        assert_eq!(sent, vec![11, 11]);
        assert_eq!(loader.rows.len(), 3);
    }
}
