//! Finding people on the sample data and reading their dossier: each kind of query finds the
//! right person in the top 5; people who were OPALES children and are ITAC adults are grouped
//! with their evidence; a dossier holds exactly the rows that hang from the person, codes with
//! the labels of their code tables, the medical part only on demand.

use reprise::delivery::{Delivery, Secret};
use reprise::profile::Profile;
use reprise::reception::ReceiveOptions;
use reprise::search::normalize::fold;
use reprise::search::query::{Level, search};
use reprise::store::{self, ImportOptions, Store};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::AtomicBool;

const PASS: &str = "phrase-de-passe-de-test";

/// One store with both samples, built once for all the tests of this file.
fn store_path() -> &'static PathBuf {
    static STORE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &STORE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("reprise.db");
            let profiles = Profile::embedded();
            let secret = Secret::Passphrase("demo-reprise-2008".to_string().into());
            for name in [
                "REPRISE_ITAC_059_20081015.tar.age",
                "REPRISE_OPALES_059_20081105.tar.age",
            ] {
                let d = Delivery::open(
                    &Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("sample-data")
                        .join(name),
                )
                .unwrap();
                let cancel = AtomicBool::new(false);
                let mut progress = |_: &reprise::reception::Progress| {};
                let pass = PASS.to_string().into();
                store::import(
                    &d,
                    ImportOptions {
                        store: &path,
                        store_passphrase: &pass,
                        replace: false,
                        receive: ReceiveOptions {
                            secret: Some(&secret),
                            received_on: chrono::NaiveDate::from_ymd_opt(2008, 11, 20).unwrap(),
                            profiles: &profiles,
                            cancel: &cancel,
                            progress: &mut progress,
                        },
                    },
                )
                .unwrap();
            }
            (dir, path)
        })
        .1
}

fn open() -> Store {
    Store::open(store_path(), &PASS.to_string().into()).unwrap()
}

struct Person {
    id: i64,
    surname: String,
    first: String,
    birth: Option<i64>,
    dossier: String,
    nir: Option<String>,
}

/// Every 23rd person of an application, not archived, with a name of at least 5 letters.
fn probes(store: &Store, app: &str) -> Vec<Person> {
    let mut st = store
        .connection()
        .prepare(
            "SELECT id, surname, first_names, birth, dossier, nir FROM _persons
             WHERE application = ?1 AND archived = 0 AND id % 23 = 0 ORDER BY id",
        )
        .unwrap();
    st.query_map([app], |r| {
        Ok(Person {
            id: r.get(0)?,
            surname: r.get(1)?,
            first: r.get(2)?,
            birth: r.get(3)?,
            dossier: r.get(4)?,
            nir: r.get(5)?,
        })
    })
    .unwrap()
    .map(Result::unwrap)
    .filter(|p| {
        fold(&p.surname)
            .chars()
            .filter(char::is_ascii_alphabetic)
            .count()
            >= 5
            && !p.surname.contains(['\u{1}', '\t'])
    })
    .collect()
}

/// Share of probes whose person is in the top 5 of its query.
fn rate(
    store: &Store,
    people: &[Person],
    query: impl Fn(&Person) -> Option<String>,
) -> (f64, usize, Vec<String>) {
    let mut ok = 0;
    let mut n = 0;
    let mut misses = Vec::new();
    for p in people {
        let Some(q) = query(p) else { continue };
        n += 1;
        let hits = search(store, &q, 5).unwrap();
        if hits.iter().any(|h| h.person == p.id) {
            ok += 1;
        } else if misses.len() < 5 {
            misses.push(q);
        }
    }
    (ok as f64 / n.max(1) as f64, n, misses)
}

/// Makes the query of a probe, or None when the person lacks what it needs.
type Probe<'a> = Box<dyn Fn(&Person) -> Option<String> + 'a>;

fn first_word(s: &str) -> String {
    s.split([' ', '-']).next().unwrap_or("").to_string()
}

fn typo(s: &str) -> String {
    // Two neighbouring letters swapped in the middle of the name.
    let mut c: Vec<char> = fold(s).chars().filter(char::is_ascii_alphabetic).collect();
    let i = c.len() / 2;
    c.swap(i - 1, i);
    c.into_iter().collect()
}

#[test]
fn each_kind_of_query_finds_the_person_in_the_top_five() {
    let store = open();
    for app in ["ITAC", "OPALES"] {
        let people = probes(&store, app);
        assert!(people.len() > 40, "{app}: {} probes", people.len());
        let year = |p: &Person| p.birth.map(|b| b / 10_000);
        let cases: Vec<(&str, f64, Probe<'_>)> = vec![
            (
                "exact",
                0.95,
                Box::new(|p| {
                    Some(format!(
                        "{} {} {}",
                        p.surname,
                        first_word(&p.first),
                        year(p)?
                    ))
                }),
            ),
            (
                "sans accents, minuscules",
                0.95,
                Box::new(|p| {
                    Some(format!(
                        "{} {} {}",
                        fold(&p.surname).to_lowercase(),
                        fold(&first_word(&p.first)).to_lowercase(),
                        year(p)?
                    ))
                }),
            ),
            (
                "faute de frappe",
                0.8,
                Box::new(|p| {
                    Some(format!(
                        "{} {} {}",
                        typo(&p.surname),
                        first_word(&p.first),
                        year(p)?
                    ))
                }),
            ),
            (
                "phonétique (H et lettres doublées)",
                0.8,
                Box::new(|p| {
                    let f = fold(&p.surname);
                    let v = if f.contains("PH") {
                        f.replacen("PH", "F", 1)
                    } else if f.contains('H') {
                        f.replacen('H', "", 1)
                    } else {
                        let c = f.chars().last()?;
                        format!("{f}{c}")
                    };
                    Some(format!("{v} {} {}", first_word(&p.first), year(p)?))
                }),
            ),
            (
                "nom et date partielle",
                0.9,
                Box::new(|p| {
                    let b = p.birth?;
                    Some(format!("{} {:02}/{}", p.surname, b / 100 % 100, b / 10_000))
                }),
            ),
            (
                "numéro de dossier",
                1.0,
                Box::new(|p| Some(p.dossier.clone())),
            ),
            (
                "NIR avec espaces",
                1.0,
                Box::new(|p| {
                    let n = p.nir.as_ref()?;
                    Some(format!(
                        "{} {} {} {} {} {}",
                        &n[0..1],
                        &n[1..3],
                        &n[3..5],
                        &n[5..7],
                        &n[7..10],
                        &n[10..13]
                    ))
                }),
            ),
        ];
        for (label, min, q) in cases {
            let (r, n, misses) = rate(&store, &people, q);
            assert!(
                r >= min,
                "{app}, {label}: {:.0} % of {n} in the top 5 (at least {:.0} % expected); missed e.g. {misses:?}",
                r * 100.0,
                min * 100.0
            );
        }
    }
}

#[test]
fn named_queries_of_the_issue_work() {
    let store = open();
    let top = |q: &str| search(&store, q, 5).unwrap();
    assert!(top("lefevre").iter().any(|h| fold(&h.surname) == "LEFEVRE"));
    assert_eq!(top("lefevre")[0].level, Level::Exact);
    assert!(top("lefèvre").iter().any(|h| fold(&h.surname) == "LEFEVRE"));
    assert!(top("d'almeida").iter().all(|h| h.surname == "D'ALMEIDA"));
    assert!(top("dalmeida").iter().all(|h| h.surname == "D'ALMEIDA"));
    let filipe = top("filipe");
    assert!(
        !filipe.is_empty()
            && filipe
                .iter()
                .all(|h| h.why.iter().any(|w| w.contains("prononc")))
    );
    assert!(
        filipe
            .iter()
            .any(|h| h.surname == "PHILIPPE" || h.first_names.to_uppercase().contains("PHILIPPE"))
    );
}

#[test]
fn linked_people_are_grouped_with_their_evidence() {
    let store = open();
    let mut st = store
        .connection()
        .prepare("SELECT dossier, link_dossier FROM _persons WHERE application = 'OPALES' AND link_dossier IS NOT NULL")
        .unwrap();
    let pairs: Vec<(String, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(
        pairs.len() >= 50,
        "{} children with NUM_DOSSIER_COTOREP",
        pairs.len()
    );
    for (child, adult) in pairs.iter().take(30) {
        let hits = search(&store, child, 5).unwrap();
        let h = hits
            .iter()
            .find(|h| &h.dossier == child)
            .expect("child found by its dossier number");
        let l = h
            .linked
            .iter()
            .find(|l| l.application == "ITAC")
            .unwrap_or_else(|| panic!("{child} not linked"));
        assert_eq!(&l.dossier, adult);
        assert_eq!(l.confidence, 100);
        // And the adult's side says the same, both dossiers staying whole.
        let hits = search(&store, adult, 5).unwrap();
        assert!(
            hits.iter()
                .find(|h| &h.dossier == adult)
                .unwrap()
                .linked
                .iter()
                .any(|l| &l.dossier == child)
        );
    }
    // Shared people without NUM_DOSSIER_COTOREP are tied by NIR or by name and birth date.
    let weaker: i64 = store
        .connection()
        .query_row(
            "SELECT count(*) FROM _links WHERE confidence < 100",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(weaker > 0);
}

fn count(store: &Store, sql: &str, p: &str) -> i64 {
    store
        .connection()
        .query_row(sql, [p], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_dossier_holds_exactly_what_hangs_from_the_person() {
    let store = open();
    let profiles = Profile::embedded();
    let people = probes(&store, "ITAC");
    for p in people.iter().take(25) {
        let d = reprise::dossier::assemble(&store, &profiles, "ITAC", &p.dossier, false)
            .unwrap()
            .expect("dossier");
        let rows = |t: &str| {
            d.sections
                .iter()
                .find(|s| s.table == t)
                .map_or(0, |s| s.rows.len() as i64)
        };
        // Computed independently, straight from the stored tables.
        for (table, sql) in [
            (
                "ITAC_DEMANDE",
                "SELECT count(*) FROM ITAC__ITAC_DEMANDE WHERE rtrim(NUM_DOSSIER) = ?1",
            ),
            (
                "ITAC_CONCLUSION",
                "SELECT count(*) FROM ITAC__ITAC_CONCLUSION WHERE NUM_DEMANDE IN (SELECT NUM_DEMANDE FROM ITAC__ITAC_DEMANDE WHERE rtrim(NUM_DOSSIER) = ?1) OR rtrim(NUM_DOSSIER) = ?1",
            ),
            (
                "ITAC_SUIVI",
                "SELECT count(*) FROM ITAC__ITAC_SUIVI WHERE rtrim(NUM_DOSSIER) = ?1",
            ),
            (
                "ITAC_HISTORIQUE",
                "SELECT count(*) FROM ITAC__ITAC_HISTORIQUE WHERE rtrim(NUM_DOSSIER) = ?1 OR NUM_DEMANDE IN (SELECT NUM_DEMANDE FROM ITAC__ITAC_DEMANDE WHERE rtrim(NUM_DOSSIER) = ?1)",
            ),
        ] {
            assert_eq!(
                rows(table),
                count(&store, sql, &p.dossier),
                "{table} of {}",
                p.dossier
            );
        }
        let expected_tables = [
            "ITAC_DEMANDE",
            "ITAC_CONCLUSION",
            "ITAC_SUIVI",
            "ITAC_HISTORIQUE",
        ];
        assert!(
            d.sections
                .iter()
                .all(|s| expected_tables.contains(&s.table.as_str())),
            "no other table joins"
        );
        // Codes carry the label of their code table.
        for s in d.sections.iter().filter(|s| s.table == "ITAC_DEMANDE") {
            for r in &s.rows {
                let f = r
                    .fields
                    .iter()
                    .find(|f| f.column == "CODE_TYPE_DEMANDE")
                    .unwrap();
                let label: Option<String> = store
                    .connection()
                    .query_row(
                        "SELECT LIBELLE FROM ITAC__R_TYPE_DEMANDE WHERE CODE = ?1",
                        [f.value.trim_end()],
                        |r| r.get(0),
                    )
                    .ok();
                assert_eq!(f.meaning, label, "{}", f.value);
            }
        }
        // The timeline is in date order.
        assert!(d.timeline.windows(2).all(|w| w[0].sort <= w[1].sort));
    }
}

#[test]
fn the_medical_part_only_when_asked_for() {
    let store = open();
    let profiles = Profile::embedded();
    let child: String = store
        .connection()
        .query_row(
            "SELECT NUM_DOSSIER FROM OPALES__OP_MEDICAL WHERE NUM_DOSSIER IN (SELECT NUM_DOSSIER FROM OPALES__OP_ENFANT) LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let without = reprise::dossier::assemble(&store, &profiles, "OPALES", &child, false)
        .unwrap()
        .unwrap();
    assert!(without.medical_hidden);
    assert!(without.sections.iter().all(|s| s.table != "OP_MEDICAL"));
    let with = reprise::dossier::assemble(&store, &profiles, "OPALES", &child, true)
        .unwrap()
        .unwrap();
    assert!(!with.medical_hidden);
    let medical = with
        .sections
        .iter()
        .find(|s| s.table == "OP_MEDICAL")
        .expect("medical section");
    assert!(medical.medical && medical.rows.len() == 1);
    // Establishments are described from the FINESS referential.
    let oriented: Option<String> = store
        .connection()
        .query_row(
            "SELECT d.NUM_DOSSIER FROM OPALES__OP_ORIENTATION o JOIN OPALES__OP_DECISION d ON d.NUM_DECISION = o.NUM_DECISION
             JOIN OPALES__REF_FINESS f ON f.nofinesset = o.FINESS_ACCUEIL LIMIT 1",
            [],
            |r| r.get(0),
        )
        .ok();
    let oriented = oriented.expect("an orientation to a FINESS establishment");
    let d = reprise::dossier::assemble(&store, &profiles, "OPALES", &oriented, false)
        .unwrap()
        .unwrap();
    let o = d
        .sections
        .iter()
        .find(|s| s.table == "OP_ORIENTATION")
        .unwrap();
    let f = o
        .rows
        .iter()
        .flat_map(|r| &r.fields)
        .find(|f| f.column == "FINESS_ACCUEIL" && !f.value.is_empty())
        .unwrap();
    assert!(f.meaning.as_deref().is_some_and(|m| !m.is_empty()), "{f:?}");
}

mod browse {
    use super::open;
    use reprise::browse::{Filter, PageRequest, Start, follow, page, referenced_by};
    use reprise::search::normalize::fold;

    fn req(table: &str) -> PageRequest {
        PageRequest {
            table: table.into(),
            sort: None,
            filters: Vec::new(),
            start: Start::Position(1),
            limit: 50,
        }
    }

    /// A range without bounds (`..` typed in a filter) lets every row through, on a column with
    /// a column index (a date) as on one without (a code), alone or with another filter.
    #[test]
    fn a_range_without_bounds_keeps_every_row() {
        use reprise::browse::view_order;
        let store = open();
        let all = view_order(&store, &req("ITAC_DEMANDE")).unwrap();
        assert!(all.len() > 1000);
        for column in ["DATE_DEMANDE", "CODE_TYPE_DEMANDE"] {
            let view = PageRequest {
                filters: vec![Filter::Range(column.into(), None, Some(" ".into()))],
                ..req("ITAC_DEMANDE")
            };
            assert_eq!(view_order(&store, &view).unwrap(), all, "{column}");
            let p = page(&store, &view).unwrap();
            assert_eq!(p.rows.len(), 50, "{column}");
        }
        let both = PageRequest {
            filters: vec![
                Filter::Range("DATE_DEMANDE".into(), None, None),
                Filter::Contains("CODE_TYPE_DEMANDE".into(), "0".into()),
            ],
            ..req("ITAC_DEMANDE")
        };
        let contains = PageRequest {
            filters: vec![Filter::Contains("CODE_TYPE_DEMANDE".into(), "0".into())],
            ..req("ITAC_DEMANDE")
        };
        assert_eq!(
            view_order(&store, &both).unwrap(),
            view_order(&store, &contains).unwrap()
        );
    }

    #[test]
    fn pages_at_any_depth_and_in_sort_order() {
        let store = open();
        let p = page(
            &store,
            &PageRequest {
                start: Start::Position(1000),
                ..req("ITAC_DEMANDE")
            },
        )
        .unwrap();
        assert_eq!(p.rows[0].0, 1000);
        assert_eq!(p.rows.len(), 50);
        let next = page(
            &store,
            &PageRequest {
                start: p.next.clone().unwrap(),
                ..req("ITAC_DEMANDE")
            },
        )
        .unwrap();
        assert_eq!(next.rows[0].0, 1050);
        // Sorted by birth date, descending: two pages by keyset equal one page of twice the size.
        let sorted = PageRequest {
            sort: Some(("DATE_NAISSANCE".into(), true)),
            ..req("ITAC_DOSSIER")
        };
        let one = page(&store, &sorted).unwrap();
        let two = page(
            &store,
            &PageRequest {
                start: one.next.clone().unwrap(),
                ..sorted.clone()
            },
        )
        .unwrap();
        let both = page(
            &store,
            &PageRequest {
                limit: 100,
                ..sorted.clone()
            },
        )
        .unwrap();
        let ids: Vec<i64> = one.rows.iter().chain(&two.rows).map(|r| r.0).collect();
        assert_eq!(ids, both.rows.iter().map(|r| r.0).collect::<Vec<_>>());
        let i = one
            .columns
            .iter()
            .position(|c| c.name == "DATE_NAISSANCE")
            .unwrap();
        let key = |s: &str| {
            s.get(6..10).unwrap_or("").to_string()
                + s.get(3..5).unwrap_or("")
                + s.get(0..2).unwrap_or("")
        };
        // Real dates in descending order (dates kept as delivered, impossible ones, sort apart).
        let dates: Vec<String> = both
            .rows
            .iter()
            .filter(|r| chrono::NaiveDate::parse_from_str(&r.1[i], "%d/%m/%Y").is_ok())
            .map(|r| key(&r.1[i]))
            .collect();
        assert!(
            dates.len() > 50 && dates.windows(2).all(|w| w[0] >= w[1]),
            "descending dates"
        );
    }

    /// The store's column indexes answer as SQLite does on the data: every indexed column of
    /// both applications (the first import's tables were copied into the second's store), equal
    /// to a value met, to a missing one, between bounds, and in order both ways.
    #[test]
    fn column_indexes_answer_as_sqlite() {
        use reprise::reception::value::Value;
        use reprise::store::{sql_ident, value_from_sql};
        let store = open();
        let conn = store.connection();
        fn select(conn: &rusqlite::Connection, sql: &str, p: impl rusqlite::Params) -> Vec<u32> {
            let mut st = conn.prepare(sql).unwrap();
            st.query_map(p, |r| r.get::<_, i64>(0))
                .unwrap()
                .map(|r| r.unwrap() as u32)
                .collect()
        }
        let rowids = |sql: &str, p: &[&dyn rusqlite::ToSql]| select(conn, sql, p);
        let mut checked = 0;
        let mut blocks = 0;
        for t in store.tables().unwrap() {
            let tn = sql_ident(&t.sql_name);
            for c in store.columns(t.id).unwrap() {
                if !store.has_order(&t, &c.name).unwrap() {
                    continue;
                }
                checked += 1;
                let cn = sql_ident(&c.name);
                let all = rowids(&format!("SELECT rowid FROM {tn} ORDER BY rowid"), &[]);
                let asc = rowids(&format!("SELECT rowid FROM {tn} ORDER BY {cn}, rowid"), &[]);
                if asc != all {
                    blocks += 1;
                }
                let desc = rowids(
                    &format!("SELECT rowid FROM {tn} ORDER BY {cn} DESC, rowid DESC"),
                    &[],
                );
                let full = |d| store.records_in_order(&t, &c.name, d).unwrap().unwrap();
                assert_eq!(full(false), asc, "{}.{}", t.name, c.name);
                assert_eq!(full(true), desc, "{}.{}", t.name, c.name);
                for n in [0, 1, 7, 300, asc.len() / 2, asc.len() + 5] {
                    let first = |d| store.first_in_order(&t, &c.name, d, n).unwrap().unwrap();
                    assert_eq!(
                        first(false),
                        asc[..n.min(asc.len())],
                        "{}.{} {n}",
                        t.name,
                        c.name
                    );
                    assert_eq!(
                        first(true),
                        desc[..n.min(desc.len())],
                        "{}.{} {n}",
                        t.name,
                        c.name
                    );
                }
                // Values met (every 97th row), and values next to them that may be missing.
                let mut st = conn
                    .prepare(&format!("SELECT {cn} FROM {tn} WHERE rowid % 97 = 1"))
                    .unwrap();
                let values: Vec<Value> = st
                    .query_map([], |r| Ok(value_from_sql(r.get_ref(0)?)))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                for v in &values {
                    let (expected, near) = match v {
                        Value::Text(s) => (
                            rowids(
                                &format!(
                                    "SELECT rowid FROM {tn} WHERE rtrim({cn}) = rtrim(?1) ORDER BY rowid"
                                ),
                                &[s as &dyn rusqlite::ToSql],
                            ),
                            Value::Text(format!("{}0", s.trim_end())),
                        ),
                        Value::Int(i) => (
                            rowids(
                                &format!("SELECT rowid FROM {tn} WHERE {cn} = ?1 ORDER BY rowid"),
                                &[i as &dyn rusqlite::ToSql],
                            ),
                            Value::Int(i + 1),
                        ),
                        _ => continue,
                    };
                    assert_eq!(
                        store.records_equal(&t, &c.name, v).unwrap(),
                        expected,
                        "{}.{} = {v:?}",
                        t.name,
                        c.name
                    );
                    let (lo, hi) = (v.clone(), near);
                    let between = rowids(
                        &format!(
                            "SELECT rowid FROM {tn} WHERE {cn} >= ?1 AND {cn} <= ?2 ORDER BY rowid"
                        ),
                        &[&lo as &dyn rusqlite::ToSql, &hi],
                    );
                    assert_eq!(
                        store
                            .records_between(&t, &c.name, Some(&lo), Some(&hi))
                            .unwrap()
                            .unwrap(),
                        between,
                        "{}.{} in [{lo:?}, {hi:?}]",
                        t.name,
                        c.name
                    );
                    let up_to = rowids(
                        &format!("SELECT rowid FROM {tn} WHERE {cn} <= ?1 ORDER BY rowid"),
                        &[&hi as &dyn rusqlite::ToSql],
                    );
                    assert_eq!(
                        store
                            .records_between(&t, &c.name, None, Some(&hi))
                            .unwrap()
                            .unwrap(),
                        up_to
                    );
                    let from = rowids(
                        &format!("SELECT rowid FROM {tn} WHERE {cn} >= ?1 ORDER BY rowid"),
                        &[&lo as &dyn rusqlite::ToSql],
                    );
                    assert_eq!(
                        store
                            .records_between(&t, &c.name, Some(&lo), None)
                            .unwrap()
                            .unwrap(),
                        from
                    );
                }
            }
        }
        assert!(
            checked > 20 && blocks > 5,
            "{checked} columns, {blocks} with blocks"
        );
    }

    #[test]
    fn a_view_in_order_gives_the_same_rows_as_its_pages() {
        use reprise::browse::{rows_by_record, view_order};
        let store = open();
        let view = PageRequest {
            sort: Some(("DATE_DEMANDE".into(), true)),
            filters: vec![Filter::Contains("CODE_TYPE_DEMANDE".into(), "0".into())],
            limit: 200,
            ..req("ITAC_DEMANDE")
        };
        // Every page of the view, by keyset, one after the other.
        let mut paged = Vec::new();
        let mut r = view.clone();
        loop {
            let p = page(&store, &r).unwrap();
            paged.extend(p.rows.iter().map(|x| x.0));
            match p.next {
                Some(n) => r.start = n,
                None => break,
            }
        }
        let order = view_order(&store, &view).unwrap();
        assert!(order.len() > 1000, "{}", order.len());
        assert_eq!(
            order.iter().map(|&x| i64::from(x)).collect::<Vec<_>>(),
            paged
        );
        // A block deep in the view, read by record numbers, in the view's order.
        let deep = rows_by_record(&store, "ITAC_DEMANDE", &order[700..750]).unwrap();
        assert_eq!(
            deep.rows.iter().map(|x| x.0).collect::<Vec<_>>(),
            paged[700..750]
        );
        let all = page(
            &store,
            &PageRequest {
                limit: 750,
                ..view.clone()
            },
        )
        .unwrap();
        assert_eq!(deep.rows[0].1, all.rows[700].1);
    }

    #[test]
    fn filters_ignore_accents_and_case() {
        let store = open();
        let p = page(
            &store,
            &PageRequest {
                filters: vec![Filter::Contains("NOM_NAISSANCE".into(), "lefevre".into())],
                limit: 500,
                ..req("ITAC_DOSSIER")
            },
        )
        .unwrap();
        let i = p
            .columns
            .iter()
            .position(|c| c.name == "NOM_NAISSANCE")
            .unwrap();
        assert!(!p.rows.is_empty());
        assert!(p.rows.iter().all(|r| fold(&r.1[i]).contains("LEFEVRE")));
        assert!(
            p.rows.iter().any(|r| r.1[i].contains('È'))
                || p.rows.iter().any(|r| r.1[i] == "LEFEVRE")
        );
        let range = page(
            &store,
            &PageRequest {
                filters: vec![Filter::Range(
                    "DATE_NAISSANCE".into(),
                    Some("01/01/1980".into()),
                    Some("31/12/1980".into()),
                )],
                limit: 500,
                ..req("ITAC_DOSSIER")
            },
        )
        .unwrap();
        let d = range
            .columns
            .iter()
            .position(|c| c.name == "DATE_NAISSANCE")
            .unwrap();
        assert!(!range.rows.is_empty() && range.rows.iter().all(|r| r.1[d].ends_with("/1980")));
        let eq = page(
            &store,
            &PageRequest {
                filters: vec![Filter::Equals("CODE_TYPE_DEMANDE".into(), "07".into())],
                limit: 20,
                ..req("ITAC_DEMANDE")
            },
        )
        .unwrap();
        let c = eq
            .columns
            .iter()
            .position(|c| c.name == "CODE_TYPE_DEMANDE")
            .unwrap();
        assert!(eq.rows.iter().all(|r| r.1[c] == "07"));
    }

    #[test]
    fn references_are_followed_both_ways() {
        let store = open();
        let p = page(
            &store,
            &PageRequest {
                start: Start::Position(10),
                limit: 1,
                ..req("ITAC_DEMANDE")
            },
        )
        .unwrap();
        let i = p
            .columns
            .iter()
            .position(|c| c.name == "NUM_DOSSIER")
            .unwrap();
        let dossier = p.rows[0].1[i].clone();
        let (t, record) = follow(&store, "ITAC_DEMANDE", "NUM_DOSSIER", &dossier)
            .unwrap()
            .expect("target row");
        assert_eq!(t.name, "ITAC_DOSSIER");
        let target = page(
            &store,
            &PageRequest {
                start: Start::Position(record),
                limit: 1,
                ..req("ITAC_DOSSIER")
            },
        )
        .unwrap();
        assert_eq!(target.rows[0].1[0], dossier);
        let (code_table, _) = follow(&store, "ITAC_DEMANDE", "CODE_TYPE_DEMANDE", "07")
            .unwrap()
            .unwrap();
        assert_eq!(code_table.name, "R_TYPE_DEMANDE");
        let by = referenced_by(&store, "ITAC_DOSSIER", record).unwrap();
        let demandes = by
            .iter()
            .find(|(t, c, _, _)| t.name == "ITAC_DEMANDE" && c == "NUM_DOSSIER")
            .expect("demandes");
        let n: i64 = store
            .connection()
            .query_row(
                "SELECT count(*) FROM ITAC__ITAC_DEMANDE WHERE NUM_DOSSIER = ?1",
                [&dossier],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(demandes.2, n);
        // An orphan reference leads nowhere.
        assert!(
            follow(&store, "ITAC_DEMANDE", "NUM_DOSSIER", "0000000000")
                .unwrap()
                .is_none()
        );
    }
}
