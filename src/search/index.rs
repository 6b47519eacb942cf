//! The person index, built at import and kept in the store: one row per person (the person table
//! and the archive tables that the application's profile names) with normalised names, birth
//! date, dossier number and NIR (key checked), the links between the same person in two
//! applications, and the posting lists of the search keys built from them ([`super::postings`]).

use super::normalize::compact;
use super::postings::{Collector, Person, split_others};
use crate::format::ids;
use crate::profile::Profile;
use crate::store::insert::Insert;
use crate::store::{StoreError, sql_ident};
use rusqlite::{Connection, types::ValueRef};

/// Tables of the person index (created with the store's schema).
pub const SCHEMA: &str = "
CREATE TABLE _persons(
    id INTEGER PRIMARY KEY, delivery_id INTEGER, application TEXT, table_name TEXT, record INTEGER,
    dossier TEXT, archived INTEGER, surname TEXT, other_surnames TEXT, first_names TEXT,
    birth INTEGER, birth_text TEXT, sex TEXT, nir TEXT, nir_key TEXT, nir_ok INTEGER,
    link_dossier TEXT, link_application TEXT, surname_compact TEXT);
CREATE TABLE _links(a INTEGER, b INTEGER, evidence TEXT, confidence INTEGER);
";

fn text(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Text(t) => {
            Some(String::from_utf8_lossy(t).trim_end().to_string()).filter(|s| !s.is_empty())
        }
        ValueRef::Integer(i) => Some(i.to_string()),
        _ => None,
    }
}

fn date(v: ValueRef<'_>) -> (Option<i64>, Option<String>) {
    match v {
        ValueRef::Integer(i) => {
            let d = if i >= 100_000_000 { i / 1_000_000 } else { i };
            (
                Some(d),
                Some(format!(
                    "{:02}/{:02}/{:04}",
                    d % 100,
                    d / 100 % 100,
                    d / 10_000
                )),
            )
        }
        ValueRef::Text(t) => (None, Some(String::from_utf8_lossy(t).into_owned())),
        _ => (None, None),
    }
}

struct Source<'p> {
    table: &'p str,
    archived: bool,
    dossier: &'p str,
    surname: &'p str,
    other: Vec<&'p str>,
    first: &'p str,
    birth: Option<&'p str>,
    sex: Option<&'p str>,
    nir: Option<&'p str>,
    nir_key: Option<&'p str>,
    nir15: Option<&'p str>,
    link: Option<(&'p str, &'p str)>,
}

/// Builds the person index of a delivery just loaded (`delivery_id`, `application`); each
/// person goes to `postings` too.
pub fn build(
    conn: &Connection,
    delivery_id: i64,
    application: &str,
    profile: &Profile,
    postings: &mut Collector,
) -> Result<u64, StoreError> {
    let mut sources = Vec::new();
    if let Some(p) = &profile.person {
        sources.push(Source {
            table: &p.table,
            archived: false,
            dossier: &p.dossier,
            surname: &p.surname,
            other: p.other_surnames.iter().map(String::as_str).collect(),
            first: &p.first_names,
            birth: p.birth_date.as_deref(),
            sex: p.sex.as_deref(),
            nir: p.nir.as_deref(),
            nir_key: p.nir_key.as_deref(),
            nir15: p.nir15.as_deref(),
            link: p
                .link
                .as_ref()
                .map(|l| (l.column.as_str(), l.application.as_str())),
        });
    }
    for a in &profile.archives {
        sources.push(Source {
            table: &a.table,
            archived: true,
            dossier: &a.dossier,
            surname: &a.surname,
            other: Vec::new(),
            first: &a.first_names,
            birth: a.birth_date.as_deref(),
            sex: None,
            nir: None,
            nir_key: None,
            nir15: None,
            link: None,
        });
    }
    let mut insert_person = Insert::new(
        conn,
        "INSERT INTO _persons(delivery_id, application, table_name, record, dossier, archived, surname,
           other_surnames, first_names, birth, birth_text, sex, nir, nir_key, nir_ok, link_dossier,
           link_application, surname_compact)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    )?;
    let mut count = 0u64;
    for s in sources {
        let sql_name = format!("{application}__{}", s.table);
        let exists: bool = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = ?1",
                [&sql_name],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)?;
        if !exists {
            continue;
        }
        let mut cols: Vec<&str> = vec![s.dossier, s.surname, s.first];
        let opt = [
            s.birth,
            s.sex,
            s.nir,
            s.nir_key,
            s.nir15,
            s.link.map(|l| l.0),
        ];
        cols.extend(s.other.iter().copied());
        let fixed = cols.len();
        cols.extend(opt.iter().flatten().copied());
        let list: Vec<String> = cols.iter().map(|c| sql_ident(c)).collect();
        let sql = format!(
            "SELECT rowid, {} FROM {}",
            list.join(", "),
            sql_ident(&sql_name)
        );
        let mut st = match conn.prepare(&sql) {
            Ok(st) => st,
            Err(_) => continue, // a column of the profile is missing: the delivery is another variant
        };
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let record: i64 = r.get(0)?;
            let get = |i: usize| r.get_ref(1 + i).map(text).unwrap_or(None);
            let dossier = get(0);
            let surname = get(1).unwrap_or_default();
            let first = get(2).unwrap_or_default();
            let others: Vec<String> = (0..s.other.len()).filter_map(|i| get(3 + i)).collect();
            // Optional columns follow the fixed ones in the SELECT, after the rowid: the k-th
            // present one is at result index `fixed + k` (1-based past the rowid).
            let mut present_so_far = 0;
            let mut next = |present: bool| {
                present.then(|| {
                    present_so_far += 1;
                    fixed + present_so_far
                })
            };
            let birth_i = next(s.birth.is_some());
            let sex_i = next(s.sex.is_some());
            let nir_i = next(s.nir.is_some());
            let key_i = next(s.nir_key.is_some());
            let nir15_i = next(s.nir15.is_some());
            let link_i = next(s.link.is_some());
            let (birth, birth_text) = birth_i
                .map(|i| date(r.get_ref(i).unwrap_or(ValueRef::Null)))
                .unwrap_or((None, None));
            let cell = |i: Option<usize>| i.and_then(|i| r.get_ref(i).map(text).unwrap_or(None));
            let sex = cell(sex_i);
            let (nir, nir_key) = match (cell(nir_i), cell(key_i), r_nir15(&cell(nir15_i))) {
                (Some(n), k, _) => (Some(n), k),
                (None, _, Some((n, k))) => (Some(n), k),
                _ => (None, None),
            };
            let nir_ok = match (&nir, &nir_key) {
                (Some(n), Some(k)) => ids::nir_key_ok(n, k).map(i64::from),
                _ => None,
            };
            let link = cell(link_i);
            let others = others.join(" / ");
            let nir13 = nir.as_ref().map(|n| n.chars().take(13).collect::<String>());
            let compact = compact(&surname);
            let (t, i) = (text_or_null, int_or_null);
            insert_person.execute([
                ValueRef::Integer(delivery_id),
                ValueRef::from(application),
                ValueRef::from(s.table),
                ValueRef::Integer(record),
                t(&dossier),
                ValueRef::Integer(i64::from(s.archived)),
                ValueRef::from(surname.as_str()),
                ValueRef::from(others.as_str()),
                ValueRef::from(first.as_str()),
                i(birth),
                t(&birth_text),
                t(&sex),
                t(&nir13),
                t(&nir_key),
                i(nir_ok),
                t(&link),
                s.link.map_or(ValueRef::Null, |l| ValueRef::from(l.1)),
                ValueRef::from(compact.as_str()),
            ])?;
            postings.push(Person {
                id: conn.last_insert_rowid() as u64,
                surname,
                // As the column keeps them: the keys are those a rebuild from `_persons` gives.
                others: split_others(&others),
                first_names: first,
                birth,
            });
            count += 1;
        }
    }
    Ok(count)
}

fn text_or_null(v: &Option<String>) -> ValueRef<'_> {
    v.as_deref().map_or(ValueRef::Null, ValueRef::from)
}

fn int_or_null(v: Option<i64>) -> ValueRef<'static> {
    v.map_or(ValueRef::Null, ValueRef::Integer)
}

fn r_nir15(v: &Option<String>) -> Option<(String, Option<String>)> {
    let v = v.as_ref()?;
    if v.len() < 13 || !v.is_ascii() {
        return None;
    }
    let key = v
        .get(13..)
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string);
    Some((v[..13].to_string(), key))
}

/// Indexes of the person index, the links between applications and the posting lists, computed
/// over every active delivery of the store (call after `build`; `postings` has every person of
/// the store).
pub fn finish(conn: &Connection, postings: Collector) -> Result<(), StoreError> {
    let t = std::time::Instant::now();
    conn.execute_batch(
        "CREATE INDEX IF NOT EXISTS _persons_dossier ON _persons(dossier);
         CREATE INDEX IF NOT EXISTS _persons_link ON _persons(link_dossier)
           WHERE link_dossier IS NOT NULL;
         CREATE INDEX IF NOT EXISTS _persons_nir ON _persons(nir) WHERE nir IS NOT NULL;
         DELETE FROM _links;",
    )?;
    let active = "(SELECT id FROM _deliveries WHERE active = 1)";
    // A link is stored once, `a` on the side of the application that sorts first.
    conn.execute_batch("CREATE UNIQUE INDEX IF NOT EXISTS _links_ab ON _links(a, b);")?;
    // Links join two applications: with one, there is nothing to look for.
    let applications: i64 = conn.query_row(
        &format!("SELECT count(DISTINCT application) FROM _deliveries WHERE id IN {active}"),
        [],
        |r| r.get(0),
    )?;
    if applications >= 2 {
        // Only the weakest link reads names and birth dates together.
        conn.execute_batch(
            "CREATE INDEX IF NOT EXISTS _persons_name_birth ON _persons(surname_compact, birth);",
        )?;
        link(conn, active)?;
    }
    conn.execute_batch(
        "CREATE INDEX IF NOT EXISTS _links_a ON _links(a); CREATE INDEX IF NOT EXISTS _links_b ON _links(b);",
    )?;
    tracing::debug!(
        "index des personnes et liens en {:.2} s",
        t.elapsed().as_secs_f64()
    );
    postings.write(conn)?;
    Ok(())
}

/// The links between persons of two applications, from the strongest evidence to the weakest.
fn link(conn: &Connection, active: &str) -> Result<(), StoreError> {
    // The explicit link: the other application's dossier number kept in this one.
    conn.execute(
        &format!(
            "INSERT OR IGNORE INTO _links(a, b, evidence, confidence)
             SELECT CASE WHEN p.application < q.application THEN p.id ELSE q.id END,
                    CASE WHEN p.application < q.application THEN q.id ELSE p.id END,
                    'numéro de dossier ' || p.link_application || ' noté dans le dossier', 100
             FROM _persons p JOIN _persons q
               ON q.dossier = p.link_dossier AND q.application = p.link_application AND q.archived = 0
             WHERE p.link_dossier IS NOT NULL AND p.delivery_id IN {active} AND q.delivery_id IN {active}"
        ),
        [],
    )?;
    // Same NIR in two applications.
    conn.execute(
        &format!(
            "INSERT OR IGNORE INTO _links(a, b, evidence, confidence)
             SELECT p.id, q.id, 'même NIR', 95
             FROM _persons p JOIN _persons q ON q.nir = p.nir AND q.application > p.application
             WHERE p.nir IS NOT NULL AND length(p.nir) = 13
               AND p.delivery_id IN {active} AND q.delivery_id IN {active}"
        ),
        [],
    )?;
    // Same birth name and birth date in two applications (weaker).
    conn.execute(
        &format!(
            "INSERT OR IGNORE INTO _links(a, b, evidence, confidence)
             SELECT p.id, q.id, 'même nom de naissance et même date de naissance', 70
             FROM _persons p JOIN _persons q
               ON q.surname_compact = p.surname_compact AND q.birth = p.birth AND q.application > p.application
             WHERE p.birth IS NOT NULL AND p.archived = 0 AND q.archived = 0
               AND p.delivery_id IN {active} AND q.delivery_id IN {active}"
        ),
        [],
    )?;
    Ok(())
}
