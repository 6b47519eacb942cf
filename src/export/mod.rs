//! Exports of a stored table: in delivery format (the delivered file re-created byte for byte,
//! its SHA-256 equal to CONTROLE.TXT's), or as CSV in UTF-8 for other software.

use crate::format::{dialect, encoding};
use crate::reception::value::{TextForm, render};
use crate::store::{Store, StoreError, StoredColumn, StoredTable, value_from_sql};
use std::io::Write;

/// Export formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// The delivered file, byte for byte.
    #[value(help = "le fichier livré, recréé octet pour octet")]
    Delivery,
    /// UTF-8 CSV (`;`, quotes where needed), values as delivered.
    #[value(help = "CSV UTF-8 avec BOM, séparateur « ; », valeurs telles que livrées")]
    Csv,
}

struct TableForm {
    table: StoredTable,
    columns: Vec<StoredColumn>,
    form: TextForm,
    shared: bool,
    delivery_id: i64,
}

fn table_form(store: &Store, t: &StoredTable) -> Result<TableForm, StoreError> {
    let (shared, delivery_id): (bool, i64) = store.connection().query_row(
        "SELECT shared_file, delivery_id FROM _tables WHERE id = ?1",
        [t.id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(TableForm {
        table: t.clone(),
        columns: store.columns(t.id)?,
        form: store.text_form(t.id)?,
        shared,
        delivery_id,
    })
}

/// Writes the rows of a table, in delivery order, to `each(rowid, seq, values, raw)`.
fn each_row(
    store: &Store,
    tf: &TableForm,
    each: &mut dyn FnMut(i64, i64, Vec<String>, Option<Vec<u8>>) -> std::io::Result<()>,
) -> Result<(), StoreError> {
    let cols: Vec<String> = tf
        .columns
        .iter()
        .map(|c| format!("t.{}", crate::store::sql_ident(&c.name)))
        .collect();
    let seq = if tf.shared { "t._seq" } else { "t.rowid" };
    let sql = format!(
        "SELECT t.rowid, {seq}, r.bytes{sep}{cols} FROM {t} t
         LEFT JOIN _raw r ON r.table_id = ?1 AND r.record = t.rowid ORDER BY t.rowid",
        sep = if cols.is_empty() { "" } else { ", " },
        cols = cols.join(", "),
        t = crate::store::sql_ident(&tf.table.sql_name)
    );
    let mut st = store.connection().prepare(&sql)?;
    let mut rows = st.query([tf.table.id])?;
    while let Some(r) = rows.next()? {
        let rowid: i64 = r.get(0)?;
        let seq: i64 = r.get(1)?;
        let raw: Option<Vec<u8>> = r.get(2)?;
        let mut values = Vec::with_capacity(tf.columns.len());
        for (i, c) in tf.columns.iter().enumerate() {
            let v = value_from_sql(r.get_ref(3 + i)?);
            let mut s = String::new();
            render(c.ty, &v, tf.form, c.leading_zero, &mut s);
            values.push(s);
        }
        each(rowid, seq, values, raw).map_err(|e| StoreError::Sqlite(e.to_string()))?;
    }
    Ok(())
}

/// Re-creates the delivered file holding `table`, byte for byte.
pub fn export_delivery(
    store: &Store,
    table: &StoredTable,
    out: &mut dyn Write,
) -> Result<u64, StoreError> {
    let tf = table_form(store, table)?;
    let (bom, first_line, enc_name): (bool, Vec<u8>, String) = store.connection().query_row(
        "SELECT f.bom, f.first_line, d.encoding FROM _files f JOIN _deliveries d ON d.id = f.delivery_id
         WHERE f.delivery_id = ?1 AND f.path = ?2",
        rusqlite::params![tf.delivery_id, tf.table.file],
        |r| Ok((r.get(0)?, r.get::<_, Option<Vec<u8>>>(1)?.unwrap_or_default(), r.get(2)?)),
    )?;
    let enc =
        encoding_rs::Encoding::for_label(enc_name.as_bytes()).unwrap_or(encoding_rs::WINDOWS_1252);
    let io = |e: std::io::Error| StoreError::Sqlite(e.to_string());
    let mut written = 0u64;
    if bom {
        out.write_all(&[0xEF, 0xBB, 0xBF]).map_err(io)?;
        written += 3;
    }
    out.write_all(&first_line).map_err(io)?;
    written += first_line.len() as u64;
    // The tables that share the file, merged in file order.
    let mut parts = vec![tf];
    if parts[0].shared {
        for other in store.tables()? {
            if other.file == table.file && other.id != table.id {
                let o = table_form(store, &other)?;
                if o.delivery_id == parts[0].delivery_id {
                    parts.push(o);
                }
            }
        }
    }
    let mut lines: Vec<(i64, Vec<u8>)> = Vec::new();
    let single = parts.len() == 1;
    for tf in &parts {
        each_row(store, tf, &mut |_, seq, values, raw| {
            let bytes = match raw {
                Some(r) => r,
                None => {
                    let mut line = Vec::new();
                    let encoded: Vec<Vec<u8>> = values
                        .iter()
                        .map(|v| {
                            let mut b = Vec::new();
                            if enc == encoding_rs::WINDOWS_1252 {
                                encoding::encode_cp1252(v, &mut b);
                            } else {
                                b.extend_from_slice(&enc.encode(v).0);
                            }
                            b
                        })
                        .collect();
                    dialect::push_record(&mut line, encoded.iter().map(Vec::as_slice));
                    line
                }
            };
            if single {
                written += bytes.len() as u64;
                out.write_all(&bytes)
            } else {
                lines.push((seq, bytes));
                Ok(())
            }
        })?;
    }
    if !single {
        lines.sort_by_key(|l| l.0);
        for (_, b) in lines {
            written += b.len() as u64;
            out.write_all(&b).map_err(io)?;
        }
    }
    Ok(written)
}

/// Writes a table as CSV for a spreadsheet: UTF-8 with a byte order mark (French Excel then
/// reads the accents right), `;`, a header of column names, then values as delivered.
pub fn export_csv(
    store: &Store,
    table: &StoredTable,
    out: &mut dyn Write,
) -> Result<u64, StoreError> {
    let tf = table_form(store, table)?;
    out.write_all("\u{feff}".as_bytes())
        .map_err(|e| StoreError::Sqlite(e.to_string()))?;
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let map = |e: csv::Error| StoreError::Sqlite(e.to_string());
    w.write_record(tf.columns.iter().map(|c| c.name.as_str()))
        .map_err(map)?;
    let mut n = 0u64;
    each_row(store, &tf, &mut |_, _, values, _| {
        n += 1;
        w.write_record(&values).map_err(std::io::Error::other)
    })?;
    w.flush().map_err(|e| StoreError::Sqlite(e.to_string()))?;
    Ok(n)
}

/// Writes the rows of a browser view (its sort and filters) as CSV for a spreadsheet: UTF-8 with
/// a byte order mark (French Excel then reads the accents right), `;`, a header of column names,
/// values as delivered. A sorted or filtered view is read from its order, any other by keyset
/// pages; `cancel` stops between pages.
pub fn export_view_csv(
    store: &Store,
    view: &crate::browse::PageRequest,
    out: &mut dyn Write,
    cancel: &std::sync::atomic::AtomicBool,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, StoreError> {
    use crate::browse::{PageRequest, Start, order_is_cheap, page, rows_by_record, view_order};
    let io = |e: std::io::Error| StoreError::Sqlite(e.to_string());
    out.write_all("\u{feff}".as_bytes()).map_err(io)?;
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let mut n = 0u64;
    let mut header = false;
    // Writes a page (the header before the first), counts its rows.
    let mut write_page =
        |w: &mut csv::Writer<&mut dyn Write>, p: &crate::browse::Page| -> Result<(), StoreError> {
            let map = |e: csv::Error| StoreError::Sqlite(e.to_string());
            if !header {
                w.write_record(p.columns.iter().map(|c| c.name.as_str()))
                    .map_err(map)?;
                header = true;
            }
            for (_, values) in &p.rows {
                w.write_record(values).map_err(map)?;
                n += 1;
            }
            progress(n);
            Ok(())
        };
    let cancelled = || cancel.load(std::sync::atomic::Ordering::Relaxed);
    if (view.sort.is_some() || !view.filters.is_empty()) && order_is_cheap(store, view)? {
        // A sorted or filtered view: its order once, then its rows by blocks.
        let ids = view_order(store, view)?;
        for block in ids.chunks(2000).chain(ids.is_empty().then_some(&[][..])) {
            if cancelled() {
                return Err(StoreError::Cancelled);
            }
            write_page(&mut w, &rows_by_record(store, &view.table, block)?)?;
        }
    } else {
        let mut req = PageRequest {
            start: Start::Position(1),
            limit: 2000,
            ..view.clone()
        };
        loop {
            if cancelled() {
                return Err(StoreError::Cancelled);
            }
            let p = page(store, &req)?;
            write_page(&mut w, &p)?;
            match p.next {
                Some(next) => req.start = next,
                None => break,
            }
        }
    }
    w.flush().map_err(io)?;
    Ok(n)
}

/// Copies the whole store into a plain, unencrypted SQLite file at `out` (for the MDPH's new
/// software), through SQLCipher's own `sqlcipher_export`. Written beside `out` and renamed only
/// when complete. The caller has had the user confirm that the result is not encrypted.
pub fn export_plain_sqlite(
    store: &std::path::Path,
    pass: &age::secrecy::SecretString,
    out: &std::path::Path,
) -> Result<u64, StoreError> {
    let write_err = |e: std::io::Error| StoreError::Write {
        path: out.to_path_buf(),
        message: e.to_string(),
    };
    if !store.is_file() {
        return Err(StoreError::Missing(store.to_path_buf()));
    }
    let tmp = out.with_extension("part");
    let _ = std::fs::remove_file(&tmp);
    let conn = crate::store::connect(
        store,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
            | rusqlite::OpenFlags::SQLITE_OPEN_CREATE
            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    crate::store::key(&conn, pass)?;
    if conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .is_err()
    {
        return Err(StoreError::WrongPassphrase(store.to_path_buf()));
    }
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    let result = (|| -> Result<(), StoreError> {
        conn.execute(
            "ATTACH DATABASE ?1 AS plaintext KEY ''",
            [tmp.to_string_lossy().as_ref()],
        )?;
        conn.query_row("SELECT sqlcipher_export('plaintext')", [], |_| Ok(()))?;
        conn.execute_batch("DETACH DATABASE plaintext")?;
        Ok(())
    })();
    drop(conn);
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(write_err)?;
    std::fs::rename(&tmp, out).map_err(write_err)?;
    Ok(std::fs::metadata(out).map_err(write_err)?.len())
}
