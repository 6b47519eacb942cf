//! Table queries for the browser: pages of rows at any depth by keyset paging (never OFFSET),
//! sorted by a column, filtered per column (contains, equals, range; accents and case ignored),
//! a reference followed to its target row, and the rows that refer to a row.
//! The record number is the rowid, so "the rows from position N" is a key look-up.

use crate::format::descriptif::ColumnType;
use crate::reception::value::{self, TextForm, Value, render};
use crate::search::normalize::fold;
use crate::store::{Store, StoreError, StoredColumn, StoredTable, sql_ident, value_from_sql};
use rusqlite::types::ValueRef;

/// A filter on one column.
#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    /// The text holds this, accents and case ignored.
    Contains(String, String),
    /// Equal to this (a date `JJ/MM/AAAA`, a number, or a text, accents, case and trailing
    /// blanks ignored).
    Equals(String, String),
    /// Between these bounds (either may be empty), on the typed value.
    Range(String, Option<String>, Option<String>),
}

/// Where a page starts.
#[derive(Clone, Debug, PartialEq)]
pub enum Start {
    /// From the n-th row of the file (1 = the first), in delivery order.
    Position(i64),
    /// After this row, in the page's sort order (keyset paging).
    After {
        sort_value: Option<SqlValue>,
        rowid: i64,
    },
}

/// A value as SQLite holds it, for keyset cursors.
#[derive(Clone, Debug, PartialEq)]
pub enum SqlValue {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl rusqlite::ToSql for SqlValue {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::ToSqlOutput::Borrowed;
        Ok(Borrowed(match self {
            SqlValue::Null => ValueRef::Null,
            SqlValue::Int(i) => ValueRef::Integer(*i),
            SqlValue::Real(f) => ValueRef::Real(*f),
            SqlValue::Text(t) => ValueRef::Text(t.as_bytes()),
        }))
    }
}

fn sql_value(v: ValueRef<'_>) -> SqlValue {
    match v {
        ValueRef::Null => SqlValue::Null,
        ValueRef::Integer(i) => SqlValue::Int(i),
        ValueRef::Real(f) => SqlValue::Real(f),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            SqlValue::Text(String::from_utf8_lossy(t).into_owned())
        }
    }
}

/// A page request.
#[derive(Clone, Debug, PartialEq)]
pub struct PageRequest {
    pub table: String,
    /// Column and descending order; None: delivery order.
    pub sort: Option<(String, bool)>,
    pub filters: Vec<Filter>,
    pub start: Start,
    pub limit: usize,
}

/// A page of rows, as delivered text.
#[derive(Clone, Debug)]
pub struct Page {
    pub table: StoredTable,
    pub columns: Vec<StoredColumn>,
    /// (record number, values)
    pub rows: Vec<(i64, Vec<String>)>,
    /// Where the next page starts, if there is more.
    pub next: Option<Start>,
}

fn form_of(store: &Store, t: &StoredTable) -> Result<TextForm, StoreError> {
    store.text_form(t.id)
}

/// A typed value for comparisons on a column: a date as `AAAAMMJJ`, a number, else text.
fn typed(c: &StoredColumn, form: TextForm, text: &str) -> SqlValue {
    match c.ty {
        ColumnType::Date => value::parse_date(text.trim(), form)
            .map(SqlValue::Int)
            .unwrap_or_else(|| SqlValue::Text(text.to_string())),
        ColumnType::Number => match value::parse_number(text.trim(), form.decimal, &mut None) {
            Some(Value::Int(i)) => SqlValue::Int(i),
            Some(Value::Real(f)) => SqlValue::Real(f),
            _ => SqlValue::Text(text.to_string()),
        },
        _ => SqlValue::Text(text.to_string()),
    }
}

fn column<'a>(columns: &'a [StoredColumn], name: &str) -> Result<&'a StoredColumn, StoreError> {
    columns
        .iter()
        .find(|c| c.name == name)
        .ok_or_else(|| StoreError::UnknownTable(format!("colonne {name}")))
}

/// The WHERE terms and parameters of a view's filters, and its ORDER BY with the sort column.
struct ViewSql {
    wheres: Vec<String>,
    params: Vec<SqlValue>,
    order: String,
    sort_col: Option<(String, bool)>,
}

fn view_sql(
    columns: &[StoredColumn],
    form: TextForm,
    filters: &[Filter],
    sort: &Option<(String, bool)>,
) -> Result<ViewSql, StoreError> {
    let mut wheres: Vec<String> = Vec::new();
    let mut params: Vec<SqlValue> = Vec::new();
    for f in filters {
        match f {
            Filter::Contains(c, needle) => {
                column(columns, c)?;
                params.push(SqlValue::Text(format!("%{}%", fold(needle).trim())));
                wheres.push(format!(
                    "reprise_fold({}) LIKE ?{}",
                    sql_ident(c),
                    params.len()
                ));
            }
            Filter::Equals(c, v) => {
                let col = column(columns, c)?;
                match typed(col, form, v) {
                    SqlValue::Text(t)
                        if col.ty.is_text()
                            || !matches!(col.ty, ColumnType::Date | ColumnType::Number) =>
                    {
                        params.push(SqlValue::Text(fold(t.trim_end()).trim().to_string()));
                        wheres.push(format!(
                            "reprise_fold(rtrim({})) = ?{}",
                            sql_ident(c),
                            params.len()
                        ));
                    }
                    other => {
                        params.push(other);
                        wheres.push(format!("{} = ?{}", sql_ident(c), params.len()));
                    }
                }
            }
            Filter::Range(c, lo, hi) => {
                let col = column(columns, c)?;
                if let Some(lo) = lo.as_deref().filter(|s| !s.trim().is_empty()) {
                    params.push(typed(col, form, lo));
                    wheres.push(format!("{} >= ?{}", sql_ident(c), params.len()));
                }
                if let Some(hi) = hi.as_deref().filter(|s| !s.trim().is_empty()) {
                    params.push(typed(col, form, hi));
                    wheres.push(format!("{} <= ?{}", sql_ident(c), params.len()));
                }
            }
        }
    }
    let (order, sort_col) = match sort {
        None => ("rowid".to_string(), None),
        Some((c, desc)) => {
            column(columns, c)?;
            let dir = if *desc { "DESC" } else { "ASC" };
            (
                format!("{} {dir}, rowid {dir}", sql_ident(c)),
                Some((c.clone(), *desc)),
            )
        }
    };
    Ok(ViewSql {
        wheres,
        params,
        order,
        sort_col,
    })
}

/// A typed value as the store compares it.
fn to_value(v: SqlValue) -> Value {
    match v {
        SqlValue::Null => Value::Null,
        SqlValue::Int(i) => Value::Int(i),
        SqlValue::Real(f) => Value::Real(f),
        SqlValue::Text(t) => Value::Text(t),
    }
}

/// The records a view's filters let through, in record order (None: no filter). A filter equal
/// to a number or a date, or a range, on a column with an index is answered by the index; the
/// other filters are then checked by SQLite on those records only, or on the whole table when no
/// filter has an index.
fn filtered(
    store: &Store,
    table: &StoredTable,
    columns: &[StoredColumn],
    form: TextForm,
    filters: &[Filter],
) -> Result<Option<Vec<u32>>, StoreError> {
    // A range without bounds (`..`) lets every row through, NULL included.
    let blank = |b: &Option<String>| b.as_deref().is_none_or(|s| s.trim().is_empty());
    let filters: Vec<Filter> = filters
        .iter()
        .filter(|f| !matches!(f, Filter::Range(_, lo, hi) if blank(lo) && blank(hi)))
        .cloned()
        .collect();
    if filters.is_empty() {
        return Ok(None);
    }
    let mut candidates: Option<Vec<u32>> = None;
    let mut all_indexed = true;
    for f in &filters {
        let found = match f {
            Filter::Equals(c, v) if store.has_order(table, c)? => {
                match typed(column(columns, c)?, form, v) {
                    SqlValue::Text(_) => None,
                    other => Some(store.records_equal(table, c, &to_value(other))?),
                }
            }
            Filter::Range(c, lo, hi) if store.has_order(table, c)? => {
                let col = column(columns, c)?;
                let bound = |b: &Option<String>| {
                    b.as_deref()
                        .filter(|s| !s.trim().is_empty())
                        .map(|s| to_value(typed(col, form, s)))
                };
                store.records_between(table, c, bound(lo).as_ref(), bound(hi).as_ref())?
            }
            _ => None,
        };
        match found {
            Some(found) => {
                candidates = Some(match candidates {
                    None => found,
                    Some(c) => intersect(&c, &found),
                })
            }
            None => all_indexed = false,
        }
    }
    if all_indexed {
        return Ok(candidates);
    }
    let v = view_sql(columns, form, &filters, &None)?;
    if v.wheres.is_empty() {
        return Ok(candidates);
    }
    let t = sql_ident(&table.sql_name);
    let wheres = v.wheres.join(" AND ");
    let mut out = Vec::new();
    let mut push = |rows: &mut rusqlite::Rows<'_>| -> Result<(), StoreError> {
        while let Some(r) = rows.next()? {
            out.push(record_number(r.get(0)?)?);
        }
        Ok(())
    };
    let mut params: Vec<&dyn rusqlite::ToSql> =
        v.params.iter().map(|x| x as &dyn rusqlite::ToSql).collect();
    match candidates {
        None => {
            let sql = format!("SELECT rowid FROM {t} WHERE {wheres} ORDER BY rowid");
            let mut st = store.connection().prepare(&sql)?;
            push(&mut st.query(params.as_slice())?)?;
        }
        Some(c) => {
            let n = params.len();
            for chunk in c.chunks(500) {
                let marks: Vec<String> = (0..chunk.len())
                    .map(|i| format!("?{}", n + 1 + i))
                    .collect();
                let sql = format!(
                    "SELECT rowid FROM {t} WHERE rowid IN ({}) AND {wheres} ORDER BY rowid",
                    marks.join(", ")
                );
                params.truncate(n);
                params.extend(chunk.iter().map(|x| x as &dyn rusqlite::ToSql));
                let mut st = store.connection().prepare_cached(&sql)?;
                push(&mut st.query(params.as_slice())?)?;
            }
        }
    }
    Ok(Some(out))
}

fn record_number(id: i64) -> Result<u32, StoreError> {
    u32::try_from(id)
        .map_err(|_| StoreError::Sqlite(format!("numéro d'enregistrement {id} hors limites")))
}

/// The records in both lists (each in record order).
fn intersect(a: &[u32], b: &[u32]) -> Vec<u32> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// The record numbers of a view (its sort and filters), in the view's order: the grid then
/// reaches any position of a sorted or filtered view at once. A sort follows the column's index;
/// without one, SQLite sorts (in memory). The query can be interrupted (the store's interrupt
/// handle). Record numbers past `u32::MAX` are not expected of a delivery.
pub fn view_order(store: &Store, req: &PageRequest) -> Result<Vec<u32>, StoreError> {
    store.in_one_read(|| view_order_in(store, req))
}

fn view_order_in(store: &Store, req: &PageRequest) -> Result<Vec<u32>, StoreError> {
    let table = store.table(&req.table)?;
    let columns = store.columns(table.id)?;
    let form = form_of(store, &table)?;
    let matching = filtered(store, &table, &columns, form, &req.filters)?;
    let t = sql_ident(&table.sql_name);
    match (&req.sort, matching) {
        (None, Some(m)) => return Ok(m),
        (Some((c, desc)), matching) => {
            column(&columns, c)?;
            if let Some(order) = store.records_in_order(&table, c, *desc)? {
                return Ok(match matching {
                    None => order,
                    Some(m) => {
                        // The records the filters keep, as bits, read in the sort's order.
                        let max = m.last().copied().unwrap_or(0) as usize;
                        let mut kept = vec![0u64; max / 64 + 1];
                        for &r in &m {
                            kept[r as usize / 64] |= 1 << (r % 64);
                        }
                        order
                            .into_iter()
                            .filter(|&r| {
                                kept.get(r as usize / 64)
                                    .is_some_and(|w| w & (1 << (r % 64)) != 0)
                            })
                            .collect()
                    }
                });
            }
        }
        (None, None) => {}
    }
    // No sort and no filter, or no index on the sort column: SQLite reads the rows the filters
    // let through in the view's order.
    let v = view_sql(&columns, form, &req.filters, &req.sort)?;
    let sql = format!(
        "SELECT rowid FROM {t} {} ORDER BY {}",
        if v.wheres.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", v.wheres.join(" AND "))
        },
        v.order
    );
    let mut st = store.connection().prepare(&sql)?;
    let p: Vec<&dyn rusqlite::ToSql> = v.params.iter().map(|x| x as &dyn rusqlite::ToSql).collect();
    let mut rows = st.query(p.as_slice())?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(record_number(r.get(0)?)?);
    }
    Ok(out)
}

/// Whether the view's order can be kept without sorting a large table in memory: no sort, the
/// sort column has an index, or the table is small enough for an in-memory sort (sorts never
/// spill to disk, where they would be in clear).
pub fn order_is_cheap(store: &Store, req: &PageRequest) -> Result<bool, StoreError> {
    const MAX_SORTED_IN_MEMORY: i64 = 2_000_000;
    let table = store.table(&req.table)?;
    let Some((column, _)) = &req.sort else {
        return Ok(true);
    };
    if table.rows <= MAX_SORTED_IN_MEMORY {
        return Ok(true);
    }
    store.has_order(&table, column)
}

/// The rows of `table` with these record numbers, in this order.
pub fn rows_by_record(store: &Store, table: &str, records: &[u32]) -> Result<Page, StoreError> {
    let table = store.table(table)?;
    let columns = store.columns(table.id)?;
    let form = form_of(store, &table)?;
    let rows = rows_of(store, &table, &columns, form, records)?;
    Ok(Page {
        table,
        columns,
        rows,
        next: None,
    })
}

/// The rows of `table` with these record numbers, in this order, as delivered text.
pub fn rows_of(
    store: &Store,
    table: &StoredTable,
    columns: &[StoredColumn],
    form: TextForm,
    records: &[u32],
) -> Result<Vec<(i64, Vec<String>)>, StoreError> {
    let cols: Vec<String> = columns.iter().map(|c| sql_ident(&c.name)).collect();
    let mut found: std::collections::HashMap<i64, Vec<String>> = Default::default();
    for chunk in records.chunks(200) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let sql = format!(
            "SELECT rowid, {} FROM {} WHERE rowid IN ({marks})",
            cols.join(", "),
            sql_ident(&table.sql_name)
        );
        let mut st = store.connection().prepare_cached(&sql)?;
        let mut rows = st.query(rusqlite::params_from_iter(chunk.iter()))?;
        while let Some(r) = rows.next()? {
            let rowid: i64 = r.get(0)?;
            let mut texts = Vec::with_capacity(columns.len());
            for (i, c) in columns.iter().enumerate() {
                let v = value_from_sql(r.get_ref(1 + i)?);
                let mut s = String::new();
                render(c.ty, &v, form, c.leading_zero, &mut s);
                texts.push(s);
            }
            found.insert(rowid, texts);
        }
    }
    Ok(records
        .iter()
        .filter_map(|&r| found.remove(&i64::from(r)).map(|t| (i64::from(r), t)))
        .collect())
}

/// The page of `req` out of a view's records `ids` in order (all of them, or its first ones):
/// from the position `req` starts at, or after the record it names.
pub fn page_of(store: &Store, req: &PageRequest, ids: &[u32]) -> Result<Page, StoreError> {
    let from = match &req.start {
        Start::Position(n) => usize::try_from(n - 1).unwrap_or(0),
        Start::After { rowid, .. } => ids
            .iter()
            .position(|&r| i64::from(r) == *rowid)
            .map_or(ids.len(), |i| i + 1),
    };
    let from = from.min(ids.len());
    let to = (from + req.limit).min(ids.len());
    let mut p = rows_by_record(store, &req.table, &ids[from..to])?;
    p.next = (to > from && to < ids.len()).then(|| Start::After {
        sort_value: None,
        rowid: i64::from(ids[to - 1]),
    });
    Ok(p)
}

/// Whether [`page`] reads `req` out of the view's whole order ([`view_order`]): a filtered view,
/// or a sort whose first entries no column index gives, when that order is cheap. Whoever pages
/// the same view can keep that order and read its pages with [`page_of`].
pub fn reads_whole_order(store: &Store, req: &PageRequest) -> Result<bool, StoreError> {
    if req.sort.is_none() && req.filters.is_empty() {
        return Ok(false);
    }
    if let (true, Some((c, _)), Start::Position(_)) =
        (req.filters.is_empty(), &req.sort, &req.start)
        && store.has_column_index(&store.table(&req.table)?, c)?
    {
        return Ok(false);
    }
    order_is_cheap(store, req)
}

/// One page of a table. A sorted or filtered view whose order is cheap is read through
/// [`view_order`]; delivery order and the other sorts page by keyset in SQL.
pub fn page(store: &Store, req: &PageRequest) -> Result<Page, StoreError> {
    // The first pages of a sort on an indexed column: only the index's first entries are read
    // (the grid shows them while the whole order is computed).
    if let (true, Some((c, desc)), Start::Position(n)) =
        (req.filters.is_empty(), &req.sort, &req.start)
    {
        let table = store.table(&req.table)?;
        let from = usize::try_from(n - 1).unwrap_or(0);
        if let Some(ids) = store.first_in_order(&table, c, *desc, from + req.limit + 1)? {
            return page_of(store, req, &ids);
        }
    }
    if (req.sort.is_some() || !req.filters.is_empty()) && order_is_cheap(store, req)? {
        return page_of(store, req, &view_order(store, req)?);
    }
    let table = store.table(&req.table)?;
    let columns = store.columns(table.id)?;
    let form = form_of(store, &table)?;
    let ViewSql {
        mut wheres,
        mut params,
        order,
        sort_col,
    } = view_sql(&columns, form, &req.filters, &req.sort)?;
    match (&req.start, &sort_col) {
        (Start::Position(n), None) => {
            params.push(SqlValue::Int(n - 1));
            wheres.push(format!("rowid > ?{}", params.len()));
        }
        (Start::Position(_), Some(_)) => {}
        (Start::After { rowid, .. }, None) => {
            params.push(SqlValue::Int(*rowid));
            wheres.push(format!("rowid > ?{}", params.len()));
        }
        (Start::After { sort_value, rowid }, Some((c, desc))) => {
            params.push(sort_value.clone().unwrap_or(SqlValue::Null));
            let a = params.len();
            params.push(SqlValue::Int(*rowid));
            let b = params.len();
            let op = if *desc { "<" } else { ">" };
            wheres.push(format!("({}, rowid) {op} (?{a}, ?{b})", sql_ident(c)));
        }
    }
    let cols: Vec<String> = columns.iter().map(|c| sql_ident(&c.name)).collect();
    let sort_expr = sort_col
        .as_ref()
        .map_or("NULL".to_string(), |(c, _)| sql_ident(c));
    let sql = format!(
        "SELECT rowid, {sort_expr}, {} FROM {} {} ORDER BY {order} LIMIT {}",
        cols.join(", "),
        sql_ident(&table.sql_name),
        if wheres.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", wheres.join(" AND "))
        },
        req.limit + 1
    );
    let mut st = store.connection().prepare(&sql)?;
    let p: Vec<&dyn rusqlite::ToSql> = params.iter().map(|v| v as &dyn rusqlite::ToSql).collect();
    let mut rows = st.query(p.as_slice())?;
    let mut out = Vec::new();
    let mut last: Option<(SqlValue, i64)> = None;
    let mut more = false;
    while let Some(r) = rows.next()? {
        if out.len() == req.limit {
            more = true;
            break;
        }
        let rowid: i64 = r.get(0)?;
        let mut texts = Vec::with_capacity(columns.len());
        for (i, c) in columns.iter().enumerate() {
            let v = value_from_sql(r.get_ref(2 + i)?);
            let mut s = String::new();
            render(c.ty, &v, form, c.leading_zero, &mut s);
            texts.push(s);
        }
        last = Some((sql_value(r.get_ref(1)?), rowid));
        out.push((rowid, texts));
    }
    let next = if more {
        last.map(|(v, rowid)| Start::After {
            sort_value: sort_col.as_ref().map(|_| v),
            rowid,
        })
    } else {
        None
    };
    Ok(Page {
        table,
        columns,
        rows: out,
        next,
    })
}

/// The row a reference points to: (table, record number), if it exists.
pub fn follow(
    store: &Store,
    table: &str,
    column: &str,
    text: &str,
) -> Result<Option<(StoredTable, i64)>, StoreError> {
    let t = store.table(table)?;
    let columns = store.columns(t.id)?;
    let c = column_ref(&columns, column)?;
    let Some((target, target_col)) = c.reference.as_ref().and_then(|r| r.split_once('.')) else {
        return Ok(None);
    };
    let app_target = format!("{}.{target}", t.application);
    let tt = store.table(&app_target)?;
    let tcols = store.columns(tt.id)?;
    let tc = column_ref(&tcols, target_col)?;
    let form = form_of(store, &tt)?;
    let v = to_value(typed(tc, form, text.trim_end()));
    let found = store.records_equal(&tt, target_col, &v)?.first().copied();
    Ok(found.map(|r| (tt, i64::from(r))))
}

fn column_ref<'a>(columns: &'a [StoredColumn], name: &str) -> Result<&'a StoredColumn, StoreError> {
    column(columns, name)
}

/// The tables and columns that refer to a row, with how many rows do.
pub fn referenced_by(
    store: &Store,
    table: &str,
    record: i64,
) -> Result<Vec<(StoredTable, String, i64, String)>, StoreError> {
    store.in_one_read(|| referenced_by_in(store, table, record))
}

fn referenced_by_in(
    store: &Store,
    table: &str,
    record: i64,
) -> Result<Vec<(StoredTable, String, i64, String)>, StoreError> {
    let t = store.table(table)?;
    let columns = store.columns(t.id)?;
    let page = page(
        store,
        &PageRequest {
            table: format!("{}.{}", t.application, t.name),
            sort: None,
            filters: Vec::new(),
            start: Start::Position(record),
            limit: 1,
        },
    )?;
    let Some((_, texts)) = page.rows.first() else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for other in store
        .tables()?
        .into_iter()
        .filter(|o| o.application == t.application)
    {
        for c in store.columns(other.id)? {
            let Some((target, target_col)) = c.reference.as_ref().and_then(|r| r.split_once('.'))
            else {
                continue;
            };
            if target != t.name {
                continue;
            }
            let Some(i) = columns.iter().position(|k| k.name == target_col) else {
                continue;
            };
            let value = texts[i].trim_end().to_string();
            if value.is_empty() {
                continue;
            }
            let n = page_count(store, &other, &c, &value)?;
            if n > 0 {
                out.push((other.clone(), c.name.clone(), n, value));
            }
        }
    }
    Ok(out)
}

fn page_count(
    store: &Store,
    t: &StoredTable,
    c: &StoredColumn,
    value: &str,
) -> Result<i64, StoreError> {
    let form = form_of(store, t)?;
    let v = to_value(typed(c, form, value));
    Ok(store.records_equal(t, &c.name, &v)?.len() as i64)
}

/// Labels of the codes a table's columns refer to: for each column that references a code table
/// (`R_…`, spec section 3), its codes and their `LIBELLE`. Code tables are small; a larger one
/// (over `MAX_CODES` rows) is left out rather than loaded.
pub fn code_labels(
    store: &Store,
    table: &str,
) -> Result<std::collections::HashMap<String, std::collections::HashMap<String, String>>, StoreError>
{
    const MAX_CODES: i64 = 20_000;
    let t = store.table(table)?;
    let mut out = std::collections::HashMap::new();
    for c in store.columns(t.id)? {
        let Some((target, target_col)) = c.reference.as_ref().and_then(|r| r.split_once('.'))
        else {
            continue;
        };
        if !target.starts_with("R_") {
            continue;
        }
        let Ok(tt) = store.table(&format!("{}.{target}", t.application)) else {
            continue;
        };
        if tt.rows > MAX_CODES {
            continue;
        }
        let tcols = store.columns(tt.id)?;
        let (Some(ki), Some(li)) = (
            tcols.iter().position(|k| k.name == target_col),
            tcols.iter().position(|k| k.name == "LIBELLE"),
        ) else {
            continue;
        };
        let form = store.text_form(tt.id)?;
        let sql = format!(
            "SELECT {}, {} FROM {}",
            sql_ident(&tcols[ki].name),
            sql_ident(&tcols[li].name),
            sql_ident(&tt.sql_name)
        );
        let mut st = store.connection().prepare(&sql)?;
        let mut rows = st.query([])?;
        let mut labels = std::collections::HashMap::new();
        while let Some(r) = rows.next()? {
            let mut code = String::new();
            render(
                tcols[ki].ty,
                &value_from_sql(r.get_ref(0)?),
                form,
                tcols[ki].leading_zero,
                &mut code,
            );
            let mut label = String::new();
            render(
                tcols[li].ty,
                &value_from_sql(r.get_ref(1)?),
                form,
                false,
                &mut label,
            );
            labels.insert(code.trim_end().to_string(), label.trim_end().to_string());
        }
        out.insert(c.name.clone(), labels);
    }
    Ok(out)
}
