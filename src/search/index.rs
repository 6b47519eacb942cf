//! The person index, built at import and kept in the store: one row per person (the person table
//! and the archive tables that the application's profile names) with normalised names, birth
//! date, dossier number and NIR (key checked), the links between the same person in two
//! applications, and the posting lists of the search keys built from them ([`super::postings`]).

use super::normalize::compact;
use super::postings::{Collector, Person, split_others};
use crate::format::ids;
use crate::profile::Profile;
use crate::store::StoreError;
use crate::store::insert::Insert;
use rusqlite::{Connection, types::ValueRef};

/// Tables of the person index (created with the store's schema).
pub const SCHEMA: &str = "
CREATE TABLE _persons(
    id INTEGER PRIMARY KEY, delivery_id INTEGER, application TEXT, table_name TEXT, record INTEGER,
    dossier TEXT, archived INTEGER, surname TEXT, other_surnames TEXT, first_names TEXT,
    birth INTEGER, birth_text TEXT, sex TEXT, nir TEXT, nir_key TEXT, nir_ok INTEGER,
    link_dossier TEXT, link_application TEXT, surname_compact TEXT);
CREATE INDEX _persons_dossier ON _persons(dossier);
CREATE INDEX _persons_link ON _persons(link_dossier) WHERE link_dossier IS NOT NULL;
CREATE INDEX _persons_nir ON _persons(nir) WHERE nir IS NOT NULL;
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

/// The statement that adds a person to the index.
const INSERT_PERSON: &str =
    "INSERT INTO _persons(delivery_id, application, table_name, record, dossier,
   archived, surname, other_surnames, first_names, birth, birth_text, sex, nir, nir_key, nir_ok,
   link_dossier, link_application, surname_compact)
 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)";

/// A table the profile takes persons from, and the names of the columns it reads.
struct Source {
    table: String,
    archived: bool,
    dossier: String,
    surname: String,
    other: Vec<String>,
    first: String,
    birth: Option<String>,
    sex: Option<String>,
    nir: Option<String>,
    nir_key: Option<String>,
    nir15: Option<String>,
    /// The column with the person's dossier number in another application, and that
    /// application.
    link: Option<(String, String)>,
}

/// Where the columns a [`Source`] reads are in one of its tables being written.
pub struct PersonColumns {
    source: usize,
    dossier: usize,
    surname: usize,
    other: Vec<usize>,
    first: usize,
    birth: Option<usize>,
    sex: Option<usize>,
    nir: Option<usize>,
    nir_key: Option<usize>,
    nir15: Option<usize>,
    link: Option<usize>,
}

/// The person index of a delivery, made as the store's writer writes its tables: each row of
/// the person table and of the archive tables that the application's profile names becomes a
/// person of `_persons` (normalised names, birth date, dossier number, NIR with its key
/// checked), and goes to the search keys ([`Collector`]). The rows are taken as they are bound,
/// which is what SQLite keeps and gives back: reading the tables back once written took a
/// fifth of an import.
pub struct Persons {
    delivery_id: i64,
    application: String,
    sources: Vec<Source>,
    postings: Collector,
}

impl Persons {
    /// The persons of `application`'s delivery `delivery_id`, each one going to `postings` too:
    /// none until a profile says where they are ([`Persons::follow`]).
    pub fn new(delivery_id: i64, application: &str, postings: Collector) -> Persons {
        Persons {
            delivery_id,
            application: application.to_string(),
            sources: Vec::new(),
            postings,
        }
    }

    /// Takes persons where `profile` says they are: its person table and its archive tables
    /// (without a profile, nowhere).
    pub fn follow(&mut self, profile: Option<&Profile>) {
        self.sources.clear();
        if let Some(p) = profile.and_then(|p| p.person.as_ref()) {
            self.sources.push(Source {
                table: p.table.clone(),
                archived: false,
                dossier: p.dossier.clone(),
                surname: p.surname.clone(),
                other: p.other_surnames.clone(),
                first: p.first_names.clone(),
                birth: p.birth_date.clone(),
                sex: p.sex.clone(),
                nir: p.nir.clone(),
                nir_key: p.nir_key.clone(),
                nir15: p.nir15.clone(),
                link: p
                    .link
                    .as_ref()
                    .map(|l| (l.column.clone(), l.application.clone())),
            });
        }
        for a in profile.map(|p| p.archives.as_slice()).unwrap_or_default() {
            self.sources.push(Source {
                table: a.table.clone(),
                archived: true,
                dossier: a.dossier.clone(),
                surname: a.surname.clone(),
                other: Vec::new(),
                first: a.first_names.clone(),
                birth: a.birth_date.clone(),
                sex: None,
                nir: None,
                nir_key: None,
                nir15: None,
                link: None,
            });
        }
    }

    /// The statement [`Persons::row`] adds persons with.
    pub(crate) fn statement(conn: &Connection) -> Result<Insert<'_>, StoreError> {
        Insert::new(conn, INSERT_PERSON)
    }

    /// Where the person columns are in table `table` (its `columns` in order), if the profile
    /// takes persons from it. A table without one of the columns the profile names is another
    /// variant of the schema: it gives no person. Column names compare as SQLite compares
    /// them, ASCII case aside.
    pub fn columns(&self, table: &str, columns: &[String]) -> Option<PersonColumns> {
        let source = self.sources.iter().position(|s| s.table == table)?;
        let s = &self.sources[source];
        let find = |name: &str| columns.iter().position(|c| c.eq_ignore_ascii_case(name));
        // A column the profile names, and that the table lacks, gives None.
        let optional = |name: &Option<String>| -> Option<Option<usize>> {
            match name {
                Some(n) => find(n).map(Some),
                None => Some(None),
            }
        };
        Some(PersonColumns {
            source,
            dossier: find(&s.dossier)?,
            surname: find(&s.surname)?,
            other: s.other.iter().map(|o| find(o)).collect::<Option<_>>()?,
            first: find(&s.first)?,
            birth: optional(&s.birth)?,
            sex: optional(&s.sex)?,
            nir: optional(&s.nir)?,
            nir_key: optional(&s.nir_key)?,
            nir15: optional(&s.nir15)?,
            link: optional(&s.link.as_ref().map(|l| l.0.clone()))?,
        })
    }

    /// Adds the person of a row just written to a source table: its `record` (the rowid), and
    /// the value of each column as bound (`value`).
    pub(crate) fn row<'v>(
        &mut self,
        conn: &Connection,
        insert: &mut Insert<'_>,
        c: &PersonColumns,
        record: i64,
        value: impl Fn(usize) -> ValueRef<'v>,
    ) -> Result<(), StoreError> {
        let s = &self.sources[c.source];
        let get = |p: usize| text(value(p));
        let cell = |p: Option<usize>| p.and_then(get);
        let dossier = get(c.dossier);
        let surname = get(c.surname).unwrap_or_default();
        let first = get(c.first).unwrap_or_default();
        let others: Vec<String> = c.other.iter().filter_map(|&p| get(p)).collect();
        let (birth, birth_text) = c.birth.map(|p| date(value(p))).unwrap_or((None, None));
        let sex = cell(c.sex);
        let (nir, nir_key) = match (cell(c.nir), cell(c.nir_key), r_nir15(&cell(c.nir15))) {
            (Some(n), k, _) => (Some(n), k),
            (None, _, Some((n, k))) => (Some(n), k),
            _ => (None, None),
        };
        let nir_ok = match (&nir, &nir_key) {
            (Some(n), Some(k)) => ids::nir_key_ok(n, k).map(i64::from),
            _ => None,
        };
        let link = cell(c.link);
        let others = others.join(" / ");
        let nir13 = nir.as_ref().map(|n| n.chars().take(13).collect::<String>());
        let compact = compact(&surname);
        let (t, i) = (text_or_null, int_or_null);
        insert.execute([
            ValueRef::Integer(self.delivery_id),
            ValueRef::from(self.application.as_str()),
            ValueRef::from(s.table.as_str()),
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
            s.link
                .as_ref()
                .map_or(ValueRef::Null, |l| ValueRef::from(l.1.as_str())),
            ValueRef::from(compact.as_str()),
        ])?;
        self.postings.push(Person {
            id: conn.last_insert_rowid() as u64,
            surname,
            // As the column keeps them: the keys are those a rebuild from `_persons` gives.
            others: split_others(&others),
            first_names: first,
            birth,
        });
        Ok(())
    }

    /// The search keys of every person added, still being computed.
    pub fn into_postings(self) -> Collector {
        self.postings
    }
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
/// over every active delivery of the store (call once the tables are written; `postings` has every
/// person of the store).
pub fn finish(conn: &Connection, postings: Collector) -> Result<(), StoreError> {
    let t = std::time::Instant::now();
    conn.execute_batch("DELETE FROM _links;")?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn itac() -> Profile {
        Profile::embedded()
            .into_iter()
            .find(|p| p.application == "ITAC")
            .expect("the ITAC profile")
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    const DOSSIER: [&str; 9] = [
        "NUM_DOSSIER",
        "NOM_NAISSANCE",
        "nom_marital",
        "PRENOM",
        "DATE_NAISSANCE",
        "SEXE",
        "NIR",
        "CLE_NIR",
        "ADR_COMMUNE",
    ];

    #[test]
    fn a_source_table_gives_its_person_columns_and_a_variant_without_one_gives_none() {
        let mut persons = Persons::new(1, "ITAC", Collector::start());
        persons.follow(Some(&itac()));
        let c = persons
            .columns("ITAC_DOSSIER", &names(&DOSSIER))
            .expect("the person table");
        // Column names compare as SQLite compares them, ASCII case aside.
        assert_eq!((c.dossier, c.surname, c.first), (0, 1, 3));
        assert_eq!(c.other, vec![2]);
        assert_eq!(
            (c.birth, c.nir, c.nir_key, c.nir15),
            (Some(4), Some(6), Some(7), None)
        );
        // Without a column the profile names, the table is another variant: no person.
        assert!(
            persons
                .columns("ITAC_DOSSIER", &names(&DOSSIER[..7]))
                .is_none()
        );
        assert!(persons.columns("ITAC_DEMANDE", &names(&DOSSIER)).is_none());
        // Without a profile, no table gives persons.
        let mut none = Persons::new(1, "ITAC", Collector::start());
        none.follow(None);
        assert!(none.columns("ITAC_DOSSIER", &names(&DOSSIER)).is_none());
    }

    #[test]
    fn a_row_becomes_a_person_with_its_names_birth_and_checked_nir() {
        let conn = crate::store::connect_in_memory().expect("in memory");
        conn.execute_batch(SCHEMA).expect("schema");
        conn.execute_batch(super::super::postings::SCHEMA)
            .expect("posting lists");
        let mut persons = Persons::new(7, "ITAC", Collector::start());
        persons.follow(Some(&itac()));
        let c = persons
            .columns("ITAC_DOSSIER", &names(&DOSSIER))
            .expect("the person table");
        let mut insert = Persons::statement(&conn).expect("statement");
        let row = [
            ValueRef::Text(b"0597600001"),
            ValueRef::Text(b"DUPONT-MARTIN  "),
            ValueRef::Text(b"DURAND"),
            ValueRef::Text(b"Jeanne"),
            ValueRef::Integer(19_520_314),
            ValueRef::Text(b"F"),
            ValueRef::Text(b"2520375123456"),
            ValueRef::Text(b"99"),
            ValueRef::Text(b"LILLE"),
        ];
        persons
            .row(&conn, &mut insert, &c, 42, |p| row[p])
            .expect("added");
        drop(insert);
        let got: String = conn
            .query_row(
                "SELECT concat_ws('|', delivery_id, table_name, record, dossier, surname,
                        other_surnames, first_names, birth, birth_text, nir) FROM _persons",
                [],
                |r| r.get(0),
            )
            .expect("one person");
        // Names without their trailing blanks, the birth date as a number and as written.
        assert_eq!(
            got,
            "7|ITAC_DOSSIER|42|0597600001|DUPONT-MARTIN|DURAND|Jeanne|19520314|14/03/1952|2520375123456"
        );
        let nir_ok: Option<i64> = conn
            .query_row("SELECT nir_ok FROM _persons", [], |r| r.get(0))
            .expect("nir_ok");
        assert_eq!(
            nir_ok,
            ids::nir_key_ok("2520375123456", "99").map(i64::from)
        );
        // The person's search keys are computed from what the row says.
        let lists = persons.into_postings();
        lists.write(&conn).expect("keys written");
        let keys: i64 = conn
            .query_row("SELECT count(*) FROM _postings", [], |r| r.get(0))
            .expect("keys");
        assert!(keys > 0);
    }
}
