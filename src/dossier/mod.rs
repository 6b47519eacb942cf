//! Dossier assembly: the person row, then every row that hangs from it by the references of
//! DESCRIPTIF.TXT (a table whose column refers to a row already in the dossier joins it), each
//! code with its label, each reference with what it points to, orphan references and unknown codes
//! shown as such, the provenance of every row, a timeline; the medical part only when asked for.
//! What is medical, how rows are described and what makes the timeline come from the profile.

use crate::format::descriptif::ColumnType;
use crate::profile::Profile;
use crate::reception::value::{TextForm, Value};
use crate::store::{Store, StoreError, StoredColumn, StoredTable};
use std::collections::{BTreeMap, HashMap, HashSet};

/// What a referenced value turned out to be.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefStatus {
    Found,
    UnknownCode,
    Orphan,
}

/// One value of a row.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Field {
    pub column: String,
    pub label: String,
    /// As delivered.
    pub value: String,
    /// The code's label or the referenced row's description.
    pub meaning: Option<String>,
    pub status: Option<RefStatus>,
}

/// One row, with where it comes from.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Row {
    pub table: String,
    /// Record number in its table (header excluded): the provenance, with the delivery.
    pub record: i64,
    pub fields: Vec<Field>,
}

/// The rows of one table.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Section {
    pub table: String,
    pub label: String,
    pub medical: bool,
    pub rows: Vec<Row>,
}

/// One event of the timeline.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Event {
    /// `AAAAMMJJ`, for sorting.
    pub sort: i64,
    pub date: String,
    pub label: String,
    pub detail: String,
    pub table: String,
    pub record: i64,
}

/// A whole dossier.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Dossier {
    pub application: String,
    pub delivery: String,
    /// The dossier number.
    pub number: String,
    /// Names and birth date of the person, in one line (for the journal and page headers).
    pub summary: String,
    pub person: Row,
    pub sections: Vec<Section>,
    pub timeline: Vec<Event>,
    /// The medical part exists but was not asked for.
    pub medical_hidden: bool,
    /// The medical part was asked for (and is in the sections and rows, if there is one).
    pub medical_included: bool,
}

struct TableData {
    table: StoredTable,
    columns: Vec<StoredColumn>,
    form: TextForm,
}

fn load_table(store: &Store, t: &StoredTable) -> Result<TableData, StoreError> {
    Ok(TableData {
        table: t.clone(),
        columns: store.columns(t.id)?,
        form: store.text_form(t.id)?,
    })
}

/// Rows of a table whose column equals one of `values` (trailing blanks ignored, as Oracle
/// compares CHAR values), with their delivered text, in record order. Each value is looked up
/// through the column's index: a number as a number, a text as itself.
fn rows_where(
    store: &Store,
    td: &TableData,
    column: &str,
    values: &[String],
) -> Result<Vec<(i64, Vec<String>)>, StoreError> {
    let Some(ci) = td.columns.iter().position(|c| c.name == column) else {
        return Ok(Vec::new());
    };
    let mut records: Vec<u32> = Vec::new();
    for v in values {
        let v = v.trim_end();
        let number = (td.columns[ci].ty == ColumnType::Number)
            .then(|| v.parse::<i64>().ok())
            .flatten();
        let value = match number {
            Some(n) => Value::Int(n),
            None => Value::Text(v.to_string()),
        };
        records.extend(store.records_equal(&td.table, column, &value)?);
    }
    records.sort_unstable();
    records.dedup();
    let rows = crate::browse::rows_of(store, &td.table, &td.columns, td.form, &records)?;
    let wanted: HashSet<&str> = values.iter().map(|v| v.trim_end()).collect();
    Ok(rows
        .into_iter()
        .filter(|(_, texts)| wanted.contains(texts[ci].trim_end()))
        .collect())
}

/// Describes referenced rows: codes by their LIBELLE, other rows by the profile's display columns.
struct Resolver<'a> {
    store: &'a Store,
    tables: &'a HashMap<String, TableData>,
    display: &'a BTreeMap<String, Vec<String>>,
    cache: HashMap<(String, String, String), Option<String>>,
}

impl Resolver<'_> {
    /// Describes the row of `target` whose columns have the given values (a composite
    /// reference gives several pairs).
    fn describe(
        &mut self,
        target: &str,
        pairs: &[(String, String)],
    ) -> Result<Option<String>, StoreError> {
        let key = (
            target.to_string(),
            pairs
                .iter()
                .map(|p| p.0.clone())
                .collect::<Vec<_>>()
                .join("+"),
            pairs
                .iter()
                .map(|p| p.1.trim_end().to_string())
                .collect::<Vec<_>>()
                .join("+"),
        );
        if let Some(v) = self.cache.get(&key) {
            return Ok(v.clone());
        }
        let Some(td) = self.tables.get(target) else {
            return Ok(None);
        };
        let Some((first_col, first_val)) = pairs.first() else {
            return Ok(None);
        };
        let positions: Vec<Option<usize>> = pairs
            .iter()
            .map(|(c, _)| td.columns.iter().position(|k| &k.name == c))
            .collect();
        let rows: Vec<(i64, Vec<String>)> = rows_where(
            self.store,
            td,
            first_col,
            &[first_val.trim_end().to_string()],
        )?
        .into_iter()
        .filter(|(_, texts)| {
            pairs
                .iter()
                .zip(&positions)
                .all(|((_, v), p)| p.is_some_and(|p| texts[p].trim_end() == v.trim_end()))
        })
        .collect();
        let described = rows.first().map(|(_, texts)| {
            let wanted: Vec<String> = if target.starts_with("R_") {
                vec!["LIBELLE".to_string()]
            } else {
                self.display.get(target).cloned().unwrap_or_default()
            };
            let parts: Vec<String> = wanted
                .iter()
                .filter_map(|w| td.columns.iter().position(|c| &c.name == w))
                .map(|i| texts[i].trim_end().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            if parts.is_empty() {
                // Without display columns: the first text column after the key.
                td.columns
                    .iter()
                    .position(|c| c.key.is_none() && c.ty.is_text())
                    .map(|i| texts[i].trim_end().to_string())
                    .unwrap_or_default()
            } else {
                parts.join(" — ")
            }
        });
        self.cache.insert(key, described.clone());
        Ok(described)
    }
}

/// Assembles the dossier of `application` numbered `number`.
pub fn assemble(
    store: &Store,
    profiles: &[Profile],
    application: &str,
    number: &str,
    with_medical: bool,
) -> Result<Option<Dossier>, StoreError> {
    store.in_one_read(|| assemble_in(store, profiles, application, number, with_medical))
}

fn assemble_in(
    store: &Store,
    profiles: &[Profile],
    application: &str,
    number: &str,
    with_medical: bool,
) -> Result<Option<Dossier>, StoreError> {
    let delivery = store
        .deliveries()?
        .into_iter()
        .find(|d| d.active && d.application.eq_ignore_ascii_case(application));
    let Some(delivery) = delivery else {
        return Ok(None);
    };
    let profile = Profile::find(profiles, &delivery.application, &delivery.version);
    let Some(person_def) = profile.and_then(|p| p.person.clone()) else {
        return Ok(None);
    };
    let view = profile.map(|p| p.dossier.clone()).unwrap_or_default();
    let timeline_defs = profile.map(|p| p.timeline.clone()).unwrap_or_default();
    let all: Vec<StoredTable> = store
        .tables()?
        .into_iter()
        .filter(|t| t.application.eq_ignore_ascii_case(&delivery.application))
        .collect();
    let mut tables: HashMap<String, TableData> = HashMap::new();
    for t in &all {
        tables.insert(t.name.clone(), load_table(store, t)?);
    }
    let Some(person_td) = tables.get(&person_def.table) else {
        return Ok(None);
    };
    let person_rows = rows_where(
        store,
        person_td,
        &person_def.dossier,
        &[number.trim().to_string()],
    )?;
    let Some((person_record, person_texts)) = person_rows.into_iter().next() else {
        return Ok(None);
    };
    // Rows in the dossier, table by table: (record, texts).
    let mut members: BTreeMap<String, Vec<(i64, Vec<String>)>> = BTreeMap::new();
    members.insert(
        person_def.table.clone(),
        vec![(person_record, person_texts.clone())],
    );
    let mut seen: HashSet<(String, i64)> =
        HashSet::from([(person_def.table.clone(), person_record)]);
    // Follow the references backwards until nothing new joins; each value is looked up once.
    let mut asked: HashSet<(String, String, String)> = HashSet::new();
    loop {
        let mut added = false;
        for t in &all {
            let td = &tables[&t.name];
            for c in &td.columns {
                let Some(reference) = &c.reference else {
                    continue;
                };
                let Some((target, target_col)) = reference.split_once('.') else {
                    continue;
                };
                let Some(target_rows) = members.get(target) else {
                    continue;
                };
                let Some(ti) = tables
                    .get(target)
                    .and_then(|x| x.columns.iter().position(|k| k.name == target_col))
                else {
                    continue;
                };
                // Only a reference to the whole key of the target makes a row hang from it (a
                // column of a composite key alone would join unrelated rows).
                let key_columns = tables[target]
                    .columns
                    .iter()
                    .filter(|k| k.key.is_some())
                    .count();
                if tables[target].columns[ti].key != Some(1) || key_columns != 1 {
                    continue;
                }
                let values: Vec<String> = target_rows
                    .iter()
                    .map(|(_, texts)| texts[ti].trim_end().to_string())
                    .collect();
                let mut values: Vec<String> = values
                    .into_iter()
                    .filter(|v| {
                        !v.is_empty() && asked.insert((t.name.clone(), c.name.clone(), v.clone()))
                    })
                    .collect();
                if values.is_empty() {
                    continue;
                }
                values.sort();
                values.dedup();
                for (record, texts) in rows_where(store, td, &c.name, &values)? {
                    if seen.insert((t.name.clone(), record)) {
                        members
                            .entry(t.name.clone())
                            .or_default()
                            .push((record, texts));
                        added = true;
                    }
                }
            }
        }
        if !added {
            break;
        }
    }
    let mut resolver = Resolver {
        store,
        tables: &tables,
        display: &view.display,
        cache: HashMap::new(),
    };
    let medical_table = |t: &str| view.medical_tables.iter().any(|m| m == t);
    let medical_column = |t: &str, c: &str| {
        view.medical_columns
            .iter()
            .any(|m| m == &format!("{t}.{c}"))
    };
    let mut medical_hidden = false;
    let finess_today = crate::referential::current(store).map(|e| e.date);
    let make_row = |table: &str,
                    record: i64,
                    texts: &[String],
                    resolver: &mut Resolver|
     -> Result<Row, StoreError> {
        let td = &tables[table];
        let mut fields = Vec::new();
        for (i, c) in td.columns.iter().enumerate() {
            if !with_medical && medical_column(table, &c.name) {
                continue;
            }
            let value = texts[i].clone();
            let (mut meaning, mut status) = (None, None);
            if let Some(r) = &c.reference
                && let Some((target, _)) = r.split_once('.')
                && !value.trim().is_empty()
                && !members.contains_key(target)
            {
                // Every column of this table that refers to the same target: a composite
                // reference is looked up whole, and described on its first column.
                let group: Vec<(usize, String)> = td
                    .columns
                    .iter()
                    .enumerate()
                    .filter_map(|(j, k)| {
                        let (t2, c2) = k.reference.as_ref()?.split_once('.')?;
                        (t2 == target).then(|| (j, c2.to_string()))
                    })
                    .collect();
                let composite = tables
                    .get(target)
                    .is_some_and(|x| x.columns.iter().filter(|k| k.key.is_some()).count() > 1)
                    && group.len() > 1;
                let pairs: Vec<(String, String)> = if composite {
                    group
                        .iter()
                        .map(|(j, c2)| (c2.clone(), texts[*j].clone()))
                        .collect()
                } else {
                    vec![(
                        r.split_once('.').map(|x| x.1).unwrap_or("").to_string(),
                        value.clone(),
                    )]
                };
                let first_of_group = !composite || group.first().is_some_and(|g| g.0 == i);
                let found = resolver.describe(target, &pairs)?;
                status = Some(match (&found, target.starts_with("R_")) {
                    (Some(_), _) => RefStatus::Found,
                    (None, true) => RefStatus::UnknownCode,
                    (None, false) => RefStatus::Orphan,
                });
                // A newer FINESS extract says what the establishment is called today.
                let today = (target == crate::format::finess::STRUCTURE_TABLE)
                    .then_some(finess_today.as_ref())
                    .flatten()
                    .and_then(|date| {
                        let columns = view.display.get(target)?;
                        let now: Vec<String> =
                            crate::referential::structure(store, &value, columns)?
                                .into_iter()
                                .map(|v| v.trim_end().to_string())
                                .filter(|v| !v.is_empty())
                                .collect();
                        Some((now.join(" — "), date.clone()))
                    });
                meaning = match (first_of_group, found, today) {
                    (false, _, _) => None,
                    (true, Some(d), Some((now, date))) if now != d && !now.is_empty() => {
                        Some(format!("{d} (aujourd'hui : {now}, FINESS du {date})"))
                    }
                    (true, None, Some((now, date))) if !now.is_empty() => Some(format!(
                        "absent du référentiel livré ; d'après le FINESS du {date} : {now}"
                    )),
                    (true, found, _) => found,
                };
            }
            if meaning.is_none()
                && let Some(labels) = view.values.get(&format!("{table}.{}", c.name))
            {
                meaning = labels.get(value.trim_end()).cloned();
            }
            fields.push(Field {
                column: c.name.clone(),
                label: c.label.clone(),
                value,
                meaning,
                status,
            });
        }
        Ok(Row {
            table: table.to_string(),
            record,
            fields,
        })
    };
    // Medical columns left out of the rows also make a hidden medical part.
    if !with_medical
        && members.keys().any(|t| {
            tables
                .get(t)
                .is_some_and(|td| td.columns.iter().any(|c| medical_column(t, &c.name)))
        })
    {
        medical_hidden = true;
    }
    let person = make_row(
        &person_def.table,
        person_record,
        &person_texts,
        &mut resolver,
    )?;
    let mut order: Vec<String> = view.section_order.clone();
    for t in members.keys() {
        if !order.contains(t) && t != &person_def.table {
            order.push(t.clone());
        }
    }
    let mut sections = Vec::new();
    let mut timeline = Vec::new();
    for t in order {
        let Some(rows) = members.get(&t) else {
            continue;
        };
        if t == person_def.table {
            continue;
        }
        let medical = medical_table(&t);
        if medical && !with_medical {
            medical_hidden = true;
            continue;
        }
        let mut out = Vec::new();
        for (record, texts) in rows {
            out.push(make_row(&t, *record, texts, &mut resolver)?);
        }
        for def in timeline_defs.iter().filter(|d| d.table == t) {
            let td = &tables[&t];
            if !td.columns.iter().any(|c| c.name == def.date) {
                continue;
            }
            for row in &out {
                let date = row
                    .fields
                    .iter()
                    .find(|f| f.column == def.date)
                    .map(|f| f.value.clone())
                    .unwrap_or_default();
                let sort = crate::reception::value::parse_date(&date, td.form)
                    .map(|d| if d > 99_999_999 { d / 1_000_000 } else { d });
                let Some(sort) = sort else { continue };
                let detail: Vec<String> = def
                    .detail
                    .iter()
                    .filter_map(|c| row.fields.iter().find(|f| &f.column == c))
                    .filter(|f| !f.value.trim().is_empty())
                    .map(|f| {
                        f.meaning
                            .clone()
                            .unwrap_or_else(|| f.value.trim_end().to_string())
                    })
                    .collect();
                timeline.push(Event {
                    sort,
                    date,
                    label: def.label.clone(),
                    detail: detail.join(" ; "),
                    table: t.clone(),
                    record: row.record,
                });
            }
        }
        sections.push(Section {
            label: tables[&t].table.label.clone(),
            table: t.clone(),
            medical,
            rows: out,
        });
    }
    // Demandes, then decisions, then their effects, on the same day.
    let rank = |e: &Event| {
        timeline_defs
            .iter()
            .position(|d| d.table == e.table)
            .unwrap_or(99)
    };
    timeline.sort_by_key(|e| (e.sort, rank(e)));
    let value_of = |column: &str| {
        person
            .fields
            .iter()
            .find(|f| f.column == column)
            .map(|f| f.value.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let mut names: Vec<String> = Vec::new();
    names.extend(value_of(&person_def.surname));
    for c in &person_def.other_surnames {
        names.extend(value_of(c).map(|v| format!("({v})")));
    }
    names.extend(value_of(&person_def.first_names));
    if let Some(b) = person_def.birth_date.as_deref().and_then(value_of) {
        names.push(format!("né(e) le {}", b.trim_end_matches(" 00:00:00")));
    }
    Ok(Some(Dossier {
        application: delivery.application.clone(),
        delivery: delivery.name.clone(),
        number: number.trim().to_string(),
        summary: names.join(" "),
        person,
        sections,
        timeline,
        medical_hidden,
        medical_included: with_medical,
    }))
}
