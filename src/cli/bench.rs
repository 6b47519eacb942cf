//! `reprise bench-search`: measures search and dossier assembly on a store (probes drawn from
//! the data itself), and how often the right person is in the top 5, per kind of query.

use super::store_cmds::{StoreArgs, open_store};
use super::{exit, fail};
use crate::profile::Profile;
use crate::search::normalize::fold;
use crate::search::query::Searcher;
use clap::Args;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct BenchArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Nombre de requêtes tirées des données pour la mesure.
    #[arg(long, default_value_t = 1000)]
    pub probes: usize,
}

struct Person {
    id: i64,
    application: String,
    surname: String,
    first: String,
    birth: Option<i64>,
    dossier: String,
    nir: Option<String>,
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn probe(kind: usize, p: &Person) -> Option<String> {
    let first = p.first.split([' ', '-']).next().unwrap_or("").to_string();
    let year = p.birth.map(|b| b / 10_000);
    let f = fold(&p.surname);
    match kind {
        0 => Some(format!("{} {first} {}", p.surname, year?)),
        1 => Some(format!(
            "{} {} {}",
            f.to_lowercase(),
            fold(&first).to_lowercase(),
            year?
        )),
        2 => {
            let mut c: Vec<char> = f.chars().filter(char::is_ascii_alphabetic).collect();
            if c.len() < 5 {
                return None;
            }
            let i = c.len() / 2;
            c.swap(i - 1, i);
            Some(format!(
                "{} {first} {}",
                c.into_iter().collect::<String>(),
                year?
            ))
        }
        3 => {
            let v = if f.contains("PH") {
                f.replacen("PH", "F", 1)
            } else if f.contains('H') {
                f.replacen('H', "", 1)
            } else {
                format!("{f}{}", f.chars().last()?)
            };
            Some(format!("{v} {first} {}", year?))
        }
        4 => {
            let b = p.birth?;
            Some(format!("{} {:02}/{}", p.surname, b / 100 % 100, b / 10_000))
        }
        5 => {
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
        }
        _ => Some(p.dossier.clone()),
    }
}

const KINDS: [&str; 7] = [
    "exact (nom prénom année)",
    "sans accents, minuscules",
    "faute de frappe",
    "phonétique",
    "nom et mois/année",
    "NIR avec espaces",
    "numéro de dossier",
];

pub fn run(args: BenchArgs) -> u8 {
    let store = match open_store(&args.store) {
        Ok(s) => s,
        Err(c) => return c,
    };
    let total: i64 = store
        .connection()
        .query_row(
            "SELECT count(*) FROM _persons WHERE archived = 0",
            [],
            |r| r.get(0),
        )
        .unwrap_or(0);
    if total == 0 {
        return fail("la base ne contient aucune personne", exit::USAGE);
    }
    let step = (total as usize / args.probes.max(1)).max(1);
    let people: Vec<Person> = match store.connection().prepare(
        "SELECT id, application, surname, first_names, birth, coalesce(dossier, ''), nir FROM _persons
         WHERE archived = 0 AND id % ?1 = 0 LIMIT ?2",
    ) {
        Ok(mut st) => st
            .query_map(rusqlite::params![step as i64, args.probes as i64], |r| {
                Ok(Person {
                    id: r.get(0)?,
                    application: r.get(1)?,
                    surname: r.get(2)?,
                    first: r.get(3)?,
                    birth: r.get(4)?,
                    dossier: r.get(5)?,
                    nir: r.get(6)?,
                })
            })
            .map(|rows| rows.filter_map(Result::ok).collect())
            .unwrap_or_default(),
        Err(e) => return fail(e, exit::STORE),
    };
    let mut searcher = Searcher::new(&store);
    let t = Instant::now();
    let _ = searcher.search("martin", 5);
    println!(
        "première recherche (chargement des mots du nom) : {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    let mut all = Vec::new();
    println!(
        "{:<28} {:>6} {:>9} {:>9} {:>9}",
        "requête", "n", "top 5", "p50 ms", "p99 ms"
    );
    for (k, label) in KINDS.iter().enumerate() {
        let mut times = Vec::new();
        let mut ok = 0;
        for (i, p) in people.iter().enumerate() {
            if i % KINDS.len() != k && people.len() >= KINDS.len() * 50 {
                continue;
            }
            let Some(q) = probe(k, p) else { continue };
            let t = Instant::now();
            let hits = match searcher.search(&q, 5) {
                Ok(h) => h,
                Err(e) => return fail(e, exit::STORE),
            };
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            ok += usize::from(hits.iter().any(|h| h.person == p.id));
        }
        all.extend(times.iter().copied());
        let n = times.len();
        println!(
            "{label:<28} {n:>6} {:>8.1}% {:>9.2} {:>9.2}",
            100.0 * ok as f64 / n.max(1) as f64,
            percentile(&mut times, 0.5),
            percentile(&mut times, 0.99)
        );
    }
    let n = all.len();
    println!(
        "{:<28} {n:>6} {:>9} {:>9.2} {:>9.2}",
        "toutes",
        "",
        percentile(&mut all, 0.5),
        percentile(&mut all, 0.99)
    );
    // A page of rows deep in the largest table.
    if let Ok(tables) = store.tables()
        && let Some(big) = tables.iter().max_by_key(|t| t.rows)
    {
        let depth = big.rows.min(2_000_000).saturating_sub(100).max(1);
        let mut times = Vec::new();
        for k in 0..50 {
            let t = Instant::now();
            let req = crate::browse::PageRequest {
                table: format!("{}.{}", big.application, big.name),
                sort: None,
                filters: Vec::new(),
                start: crate::browse::Start::Position(depth - k),
                limit: 50,
            };
            if let Err(e) = crate::browse::page(&store, &req) {
                return fail(e, exit::STORE);
            }
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        println!(
            "page de 50 lignes à la profondeur {depth} de {} ({} lignes) : p50 {:.3} ms, max {:.3} ms",
            big.name,
            big.rows,
            percentile(&mut times, 0.5),
            percentile(&mut times, 1.0)
        );
    }
    let profiles = Profile::embedded();
    let mut times = Vec::new();
    for p in people.iter().take(300) {
        let t = Instant::now();
        if let Err(e) =
            crate::dossier::assemble(&store, &profiles, &p.application, &p.dossier, false)
        {
            return fail(e, exit::STORE);
        }
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "assemblage de dossier ({} dossiers) : p50 {:.2} ms, p99 {:.2} ms",
        times.len(),
        percentile(&mut times, 0.5),
        percentile(&mut times, 0.99)
    );
    exit::OK
}
