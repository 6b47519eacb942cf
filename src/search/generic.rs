//! Generic mode: a delivery whose application or version no profile describes has no person
//! index and no dossier; every text value of each of its tables is indexed instead (SQLite FTS5,
//! accents and case folded, one entry per row), and a search returns rows — table, record
//! number, the values that matched — to open in the table browser.

use super::normalize::{fold, words};
use crate::profile::Profile;
use crate::store::{Store, StoreError, StoredDelivery, sql_ident};
use rusqlite::{Connection, params};

/// The index of the rows of generic deliveries (created with the store's schema). Contentless:
/// the rowid says where the row is (`table id << 32 | record`), the values stay in their table.
/// The text indexed is folded as the query is ([`fold`]: Œ is OE on both sides).
pub const SCHEMA: &str = "CREATE VIRTUAL TABLE _generic USING fts5(text, content = '', \
                          tokenize = 'unicode61 remove_diacritics 2');";

/// Whether a delivery is read in generic mode.
pub fn is_generic(profiles: &[Profile], d: &StoredDelivery) -> bool {
    Profile::find(profiles, &d.application, &d.version).is_none()
}

/// Indexes the text values of every table of the active deliveries that no profile describes
/// (the index is rebuilt whole: the store holding it is being built). Returns the rows indexed.
pub fn build(conn: &Connection, profiles: &[Profile]) -> Result<u64, StoreError> {
    conn.execute("INSERT INTO _generic(_generic) VALUES ('delete-all')", [])?;
    let deliveries = crate::store::list_deliveries(conn)?;
    let mut count = 0u64;
    for d in deliveries
        .iter()
        .filter(|d| d.active && is_generic(profiles, d))
    {
        let tables: Vec<(i64, String)> = conn
            .prepare("SELECT id, sql_name FROM _tables WHERE delivery_id = ?1 ORDER BY id")?
            .query_map([d.id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut insert = conn.prepare("INSERT INTO _generic(rowid, text) VALUES (?1, ?2)")?;
        for (table_id, sql_name) in tables {
            let columns: Vec<String> = conn
                .prepare(
                    "SELECT name FROM _columns WHERE table_id = ?1 AND type IN ('CHAR', 'VARCHAR2')
                     ORDER BY position",
                )?
                .query_map([table_id], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            if columns.is_empty() {
                continue;
            }
            let list: Vec<String> = columns.iter().map(|c| sql_ident(c)).collect();
            let sql = format!(
                "SELECT rowid, {} FROM {}",
                list.join(", "),
                sql_ident(&sql_name)
            );
            let mut st = conn.prepare(&sql)?;
            let mut rows = st.query([])?;
            let mut text = String::new();
            while let Some(r) = rows.next()? {
                let record: i64 = r.get(0)?;
                text.clear();
                for i in 0..columns.len() {
                    if let rusqlite::types::ValueRef::Text(t) = r.get_ref(1 + i)? {
                        text.push_str(&fold(&String::from_utf8_lossy(t)));
                        text.push(' ');
                    }
                }
                if !text.trim().is_empty() {
                    insert.execute(params![(table_id << 32) | record, text])?;
                    count += 1;
                }
            }
        }
    }
    Ok(count)
}

/// A row found in generic mode.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RowHit {
    pub application: String,
    /// `APPLICATION.TABLE`, as the browser names it.
    pub table: String,
    pub label: String,
    /// Record number in its table.
    pub record: i64,
    /// The text values of the row that hold a word of the query: (column, value).
    pub values: Vec<(String, String)>,
}

/// Rows of the generic deliveries holding every word of `text` (as a word or the start of one),
/// best first.
pub fn search(store: &Store, text: &str, limit: usize) -> Result<Vec<RowHit>, StoreError> {
    let terms: Vec<String> = words(text);
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let conn = store.connection();
    let any: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM _generic)")?
        .query_row([], |r| r.get(0))?;
    if !any {
        return Ok(Vec::new());
    }
    // Folded words are letters and digits only: quoted, they are plain FTS5 terms.
    let query: Vec<String> = terms.iter().map(|t| format!("\"{t}\"*")).collect();
    let ids: Vec<i64> = conn
        .prepare_cached(
            "SELECT rowid FROM _generic WHERE _generic MATCH ?1 ORDER BY rank LIMIT ?2",
        )?
        .query_map(params![query.join(" "), limit as i64], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let tables = store.tables()?;
    let mut hits = Vec::with_capacity(ids.len());
    for id in ids {
        let (table_id, record) = (id >> 32, id & 0xffff_ffff);
        let Some(t) = tables.iter().find(|t| t.id == table_id) else {
            continue;
        };
        let columns = store.columns(t.id)?;
        let text_columns: Vec<&str> = columns
            .iter()
            .filter(|c| c.ty.is_text())
            .map(|c| c.name.as_str())
            .collect();
        let list: Vec<String> = text_columns.iter().map(|c| sql_ident(c)).collect();
        let values: Vec<Option<String>> = conn
            .prepare_cached(&format!(
                "SELECT {} FROM {} WHERE rowid = ?1",
                list.join(", "),
                sql_ident(&t.sql_name)
            ))?
            .query_row([record], |r| {
                (0..text_columns.len())
                    .map(|i| r.get::<_, Option<String>>(i))
                    .collect()
            })?;
        let matched = text_columns
            .iter()
            .zip(values)
            .filter_map(|(c, v)| {
                let v = v?;
                let f = fold(&v);
                let holds = f
                    .split_whitespace()
                    .any(|w| terms.iter().any(|t| w.starts_with(t.as_str())));
                holds.then(|| (c.to_string(), v.trim_end().to_string()))
            })
            .collect();
        hits.push(RowHit {
            application: t.application.clone(),
            table: format!("{}.{}", t.application, t.name),
            label: t.label.clone(),
            record,
            values: matched,
        });
    }
    Ok(hits)
}
