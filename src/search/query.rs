//! Search: one free-text query (`dupont jean 1987`, `lefèvre`, `0599800123`,
//! `2 95 10 99 126 111 93`, `d'almeida`, `martin dupont`, `filipe`) against the person index.
//! Every name word of the query must match a name of the person, exactly, by prefix, by sound
//! (Soundex2) or with one or two typing errors; dates, dossier numbers and NIR narrow or find
//! directly. Hits are ranked exact, then prefix, then phonetic, then fuzzy, and say why they
//! matched.

use super::index::{PHONETIC, kind};
use super::normalize::{compact, edit_distance, fold, significant};
use super::phonetic::soundex2;
use crate::store::{Store, StoreError};
use std::collections::HashMap;
use std::rc::Rc;

/// How well a word matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Fuzzy = 1,
    Phonetic = 2,
    Prefix = 3,
    Exact = 4,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::Exact => "exact",
            Level::Prefix => "début du mot",
            Level::Phonetic => "prononciation proche",
            Level::Fuzzy => "faute de frappe",
        }
    }
}

/// A person linked to a hit in another application.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Linked {
    pub person: i64,
    pub application: String,
    pub dossier: String,
    pub evidence: String,
    pub confidence: i64,
}

/// One hit.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Hit {
    pub person: i64,
    pub application: String,
    pub table: String,
    pub record: i64,
    pub dossier: String,
    pub archived: bool,
    pub surname: String,
    pub other_surnames: String,
    pub first_names: String,
    pub birth: Option<String>,
    pub nir: Option<String>,
    /// True, false, or None when the key is absent.
    pub nir_key_ok: Option<bool>,
    pub level: Level,
    pub why: Vec<String>,
    pub linked: Vec<Linked>,
}

/// A candidate's score: the worst level over the query's words, their sum, and the reasons.
type Score = (Level, u32, Vec<String>);

/// A free-text query as understood: name words, birth-date filters, dossier numbers, NIR.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Query {
    pub names: Vec<String>,
    pub year: Option<i64>,
    pub month_year: Option<(i64, i64)>,
    pub day_month: Option<(i64, i64)>,
    /// `AAAAMMJJ`.
    pub date: Option<i64>,
    pub dossiers: Vec<String>,
    /// 13 characters, or 15 with the key.
    pub nir: Option<String>,
}

/// Reads a free-text query.
pub fn parse(q: &str) -> Query {
    let mut query = Query::default();
    let digits: String = q
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let nir_like = |s: &str| {
        (s.len() == 13 || s.len() == 15)
            && s.chars()
                .enumerate()
                .all(|(i, c)| c.is_ascii_digit() || ((i == 5 || i == 6) && (c == 'A' || c == 'B')))
    };
    if nir_like(&digits) && q.split_whitespace().count() > 1 {
        query.nir = Some(digits);
        return query;
    }
    for token in q.split_whitespace() {
        let t = token.trim_matches(|c: char| c == ',' || c == ';');
        let upper = t.to_ascii_uppercase();
        if nir_like(&upper) {
            query.nir = Some(upper);
        } else if (t.len() == 10 || t.len() == 12)
            && t.chars().skip(3).all(|c| c.is_ascii_digit())
            && t.chars().take(3).all(|c| c.is_ascii_alphanumeric())
            && t.chars().any(|c| c.is_ascii_digit())
        {
            query.dossiers.push(upper);
        } else if t.len() == 4 && t.chars().all(|c| c.is_ascii_digit()) {
            query.year = t.parse().ok();
        } else if let Some(d) = parse_date_filter(t) {
            match d {
                DateFilter::Full(v) => query.date = Some(v),
                DateFilter::MonthYear(m, y) => query.month_year = Some((m, y)),
                DateFilter::DayMonth(d, m) => query.day_month = Some((d, m)),
            }
        } else if !fold(t).trim().is_empty() {
            query.names.push(t.to_string());
        }
    }
    query
}

enum DateFilter {
    Full(i64),
    MonthYear(i64, i64),
    DayMonth(i64, i64),
}

fn parse_date_filter(t: &str) -> Option<DateFilter> {
    let parts: Vec<&str> = t.split(['/', '-', '.']).collect();
    let n = |s: &str| s.parse::<i64>().ok();
    match parts.as_slice() {
        [d, m, y] if y.len() == 4 => Some(DateFilter::Full(n(y)? * 10_000 + n(m)? * 100 + n(d)?)),
        [m, y] if y.len() == 4 && (1..=12).contains(&n(m)?) => {
            Some(DateFilter::MonthYear(n(m)?, n(y)?))
        }
        [d, m] if m.len() <= 2 && (1..=31).contains(&n(d)?) && (1..=12).contains(&n(m)?) => {
            Some(DateFilter::DayMonth(n(d)?, n(m)?))
        }
        _ => None,
    }
}

/// Candidates of one name word of the query: person → (level, what matched). Typing errors are
/// looked for only when `fuzzy`.
fn candidates(
    store: &Store,
    token: &str,
    words_cache: &mut Option<Vec<(String, i64)>>,
    fuzzy: bool,
) -> Result<HashMap<i64, (Level, Rc<str>)>, StoreError> {
    let conn = store.connection();
    let mut found: HashMap<i64, (Level, Rc<str>)> = HashMap::new();
    // Reasons are shared by every person a key finds: one string per reason.
    let mut reasons: HashMap<String, Rc<str>> = HashMap::new();
    let mut add =
        |person: i64, level: Level, what: &dyn Fn() -> String, key: (&str, i64, Level)| {
            let better = found.get(&person).is_none_or(|e| level > e.0);
            if better {
                let id = format!("{}\u{1f}{}\u{1f}{:?}", key.0, key.1, key.2);
                let r = reasons
                    .entry(id)
                    .or_insert_with(|| Rc::from(what()))
                    .clone();
                found.insert(person, (level, r));
            }
        };
    let kind_label = |k: i64| {
        if k == kind::FIRST_NAME || k == kind::FIRST_NAME_PHONETIC {
            "prénom"
        } else {
            "nom"
        }
    };
    let c = compact(token);
    let sig = significant(token);
    let mut exact_keys = vec![c.clone()];
    exact_keys.extend(sig.iter().cloned());
    exact_keys.sort();
    exact_keys.dedup();
    let mut st = conn.prepare_cached("SELECT person, kind FROM _person_keys WHERE key = ?1")?;
    for k in &exact_keys {
        for r in st.query_map([k], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))? {
            let (p, kd) = r?;
            add(
                p,
                Level::Exact,
                &|| format!("{} {k}", kind_label(kd)),
                (k, kd, Level::Exact),
            );
        }
    }
    if c.len() >= 3 {
        let mut st = conn.prepare_cached(
            "SELECT person, kind, key FROM _person_keys WHERE key > ?1 AND key < ?2 AND kind IN (1, 3) LIMIT 5000",
        )?;
        for r in st.query_map([&c, &format!("{c}\u{7f}")], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })? {
            let (p, kd, key) = r?;
            add(
                p,
                Level::Prefix,
                &|| format!("{} {key}", kind_label(kd)),
                (&key, kd, Level::Prefix),
            );
        }
    }
    for w in &sig {
        let ph = soundex2(w);
        if ph.is_empty() {
            continue;
        }
        for r in st.query_map([format!("{PHONETIC}{ph}")], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        })? {
            let (p, kd) = r?;
            add(
                p,
                Level::Phonetic,
                &|| format!("{} prononcé comme {w}", kind_label(kd)),
                (w, kd, Level::Phonetic),
            );
        }
    }
    // Typing errors: against the distinct name words of the index.
    if fuzzy && c.len() >= 4 {
        let words = match words_cache {
            Some(w) => w,
            None => {
                let mut st = conn
                    .prepare("SELECT DISTINCT key, kind FROM _person_keys WHERE kind IN (1, 3)")?;
                let all = st
                    .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
                    .collect::<Result<Vec<_>, _>>()?;
                words_cache.insert(all)
            }
        };
        let max = if c.len() <= 5 { 1 } else { 2 };
        let near: Vec<(String, i64)> = words
            .iter()
            .filter(|(w, _)| {
                w.len().abs_diff(c.len()) <= max && w != &c && edit_distance(w, &c, max).is_some()
            })
            .cloned()
            .collect();
        for (w, kd) in near.into_iter().take(200) {
            for r in st.query_map([&w], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))? {
                let (p, k2) = r?;
                if k2 == kd {
                    add(
                        p,
                        Level::Fuzzy,
                        &|| format!("{} {w}", kind_label(kd)),
                        (&w, kd, Level::Fuzzy),
                    );
                }
            }
        }
    }
    Ok(found)
}

fn load_hit(store: &Store, person: i64, level: Level, why: Vec<String>) -> Result<Hit, StoreError> {
    let conn = store.connection();
    let mut hit = conn.query_row(
        "SELECT application, table_name, record, coalesce(dossier, ''), archived, surname,
                coalesce(other_surnames, ''), first_names, birth_text, nir, nir_ok
         FROM _persons WHERE id = ?1",
        [person],
        |r| {
            Ok(Hit {
                person,
                application: r.get(0)?,
                table: r.get(1)?,
                record: r.get(2)?,
                dossier: r.get(3)?,
                archived: r.get(4)?,
                surname: r.get(5)?,
                other_surnames: r.get(6)?,
                first_names: r.get(7)?,
                birth: r.get(8)?,
                nir: r.get(9)?,
                nir_key_ok: r.get::<_, Option<i64>>(10)?.map(|v| v == 1),
                level,
                why,
                linked: Vec::new(),
            })
        },
    )?;
    let mut st = conn.prepare_cached(
        "SELECT p.id, p.application, coalesce(p.dossier, ''), l.evidence, l.confidence
         FROM _links l JOIN _persons p ON p.id = CASE WHEN l.a = ?1 THEN l.b ELSE l.a END
         WHERE l.a = ?1 OR l.b = ?1 ORDER BY l.confidence DESC",
    )?;
    hit.linked = st
        .query_map([person], |r| {
            Ok(Linked {
                person: r.get(0)?,
                application: r.get(1)?,
                dossier: r.get(2)?,
                evidence: r.get(3)?,
                confidence: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(hit)
}

/// Searches the person index; hits best first.
pub fn search(store: &Store, text: &str, limit: usize) -> Result<Vec<Hit>, StoreError> {
    Searcher::new(store).search(text, limit)
}

/// A search session: keeps the distinct name words of the index between queries (the typing
/// errors are looked for among them), so that searching as one types stays fast.
pub struct Searcher<'s> {
    store: &'s Store,
    words: Option<Vec<(String, i64)>>,
}

impl<'s> Searcher<'s> {
    pub fn new(store: &'s Store) -> Self {
        Searcher { store, words: None }
    }

    /// Searches the person index; hits best first.
    pub fn search(&mut self, text: &str, limit: usize) -> Result<Vec<Hit>, StoreError> {
        search_with(self.store, &mut self.words, text, limit)
    }
}

fn search_with(
    store: &Store,
    cache: &mut Option<Vec<(String, i64)>>,
    text: &str,
    limit: usize,
) -> Result<Vec<Hit>, StoreError> {
    let q = parse(text);
    let conn = store.connection();
    // person → (worst level over the words, sum of levels, reasons)
    let mut scored: HashMap<i64, Score> = HashMap::new();
    let mut direct: Vec<(i64, String)> = Vec::new();
    for d in &q.dossiers {
        let mut st =
            conn.prepare_cached("SELECT id FROM _persons WHERE dossier = ?1 OR link_dossier = ?1")?;
        for r in st.query_map([d], |r| r.get::<_, i64>(0))? {
            direct.push((r?, format!("numéro de dossier {d}")));
        }
    }
    if let Some(n) = &q.nir {
        let nir13 = &n[..13];
        let mut st = conn.prepare_cached("SELECT id FROM _persons WHERE nir = ?1")?;
        for r in st.query_map([nir13], |r| r.get::<_, i64>(0))? {
            direct.push((r?, format!("NIR {nir13}")));
        }
    }
    if !q.names.is_empty() {
        let mut per_token: Vec<HashMap<i64, (Level, Rc<str>)>> = Vec::new();
        for t in &q.names {
            per_token.push(candidates(store, t, cache, false)?);
        }
        // Typing errors only when exact, prefix and sound leave fewer hits than asked for.
        let complete = per_token
            .iter()
            .skip(1)
            .fold(
                per_token[0]
                    .keys()
                    .copied()
                    .collect::<std::collections::HashSet<i64>>(),
                |acc, m| acc.into_iter().filter(|p| m.contains_key(p)).collect(),
            )
            .len();
        if complete < limit {
            per_token.clear();
            for t in &q.names {
                per_token.push(candidates(store, t, cache, true)?);
            }
        }
        // Several words may be one compound name (`martin dupont` for MARTIN-DUPONT).
        if q.names.len() > 1 {
            let joined = compact(&q.names.join(" "));
            let mut st = conn
                .prepare_cached("SELECT person FROM _person_keys WHERE key = ?1 AND kind = ?2")?;
            for r in st.query_map(rusqlite::params![joined, kind::SURNAME], |r| {
                r.get::<_, i64>(0)
            })? {
                let n = q.names.len() as u32;
                scored.insert(
                    r?,
                    (
                        Level::Exact,
                        Level::Exact as u32 * n,
                        vec![format!("nom {joined} (exact)")],
                    ),
                );
            }
        }
        let (first, rest) = per_token.split_first().expect("names not empty");
        for (p, (level, what)) in first {
            let mut worst = *level;
            let mut sum = *level as u32;
            let mut why = vec![format!("{what} ({})", level.label())];
            let mut ok = true;
            for other in rest {
                match other.get(p) {
                    Some((l, w)) => {
                        worst = worst.min(*l);
                        sum += *l as u32;
                        why.push(format!("{w} ({})", l.label()));
                    }
                    None => {
                        ok = false;
                        break;
                    }
                }
            }
            if ok {
                let e = scored.entry(*p).or_insert((worst, sum, why.clone()));
                if (worst, sum) > (e.0, e.1) {
                    *e = (worst, sum, why);
                }
            }
        }
    } else if q.year.is_some() || q.date.is_some() || q.month_year.is_some() {
        // Only a date: every person born then.
        let (lo, hi) = if let Some(d) = q.date {
            (d, d)
        } else if let Some((m, y)) = q.month_year {
            (y * 10_000 + m * 100, y * 10_000 + m * 100 + 99)
        } else {
            let y = q.year.unwrap_or(0);
            (y * 10_000, y * 10_000 + 9999)
        };
        let mut st =
            conn.prepare_cached("SELECT id FROM _persons WHERE birth BETWEEN ?1 AND ?2 LIMIT 500")?;
        for r in st.query_map([lo, hi], |r| r.get::<_, i64>(0))? {
            scored.insert(r?, (Level::Exact, 4, Vec::new()));
        }
    }
    for (p, why) in direct {
        let e = scored.entry(p).or_insert((Level::Exact, 0, Vec::new()));
        e.0 = Level::Exact;
        e.1 += 8;
        e.2.push(why);
    }
    // Date filters.
    let has_filter =
        q.year.is_some() || q.date.is_some() || q.month_year.is_some() || q.day_month.is_some();
    // With a year, a month or a date, the people born then, through the birth date index, rather
    // than one look-up per candidate.
    let range = if let Some(d) = q.date {
        Some((d, d))
    } else if let Some((m, y)) = q.month_year {
        Some((y * 10_000 + m * 100, y * 10_000 + m * 100 + 99))
    } else {
        q.year.map(|y| (y * 10_000, y * 10_000 + 9999))
    };
    let born_in_range: Option<HashMap<i64, i64>> = match range {
        Some((lo, hi)) if scored.len() > 50 => {
            let mut st = conn
                .prepare_cached("SELECT id, birth FROM _persons WHERE birth BETWEEN ?1 AND ?2")?;
            let rows =
                st.query_map([lo, hi], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
            Some(rows.collect::<Result<_, _>>()?)
        }
        _ => None,
    };
    let mut hits = Vec::new();
    let mut order: Vec<(i64, Score)> = scored.into_iter().collect();
    order.sort_by(|a, b| (b.1.0, b.1.1).cmp(&(a.1.0, a.1.1)).then(a.0.cmp(&b.0)));
    for (p, (level, _, mut why)) in order {
        if has_filter {
            let birth = match &born_in_range {
                Some(set) => set.get(&p).copied(),
                None => conn.query_row("SELECT birth FROM _persons WHERE id = ?1", [p], |r| {
                    r.get(0)
                })?,
            };
            let Some(b) = birth else { continue };
            let (y, m, d) = (b / 10_000, b / 100 % 100, b % 100);
            let ok = q.year.is_none_or(|v| v == y)
                && q.date.is_none_or(|v| v == b)
                && q.month_year.is_none_or(|(mm, yy)| mm == m && yy == y)
                && q.day_month.is_none_or(|(dd, mm)| dd == d && mm == m);
            if !ok {
                continue;
            }
            why.push("date de naissance".into());
        }
        hits.push(load_hit(store, p, level, why)?);
        if hits.len() >= limit {
            break;
        }
    }
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_understood() {
        let q = parse("dupont jean 1987");
        assert_eq!(q.names, vec!["dupont", "jean"]);
        assert_eq!(q.year, Some(1987));
        assert_eq!(parse("0599800123").dossiers, vec!["0599800123"]);
        assert_eq!(parse("059198712345").dossiers, vec!["059198712345"]);
        assert_eq!(
            parse("2 95 10 99 126 111 93").nir.as_deref(),
            Some("295109912611193")
        );
        assert_eq!(parse("2951099126111").nir.as_deref(), Some("2951099126111"));
        assert_eq!(parse("martin 15/03/1987").date, Some(19870315));
        assert_eq!(parse("martin 03/1987").month_year, Some((3, 1987)));
        assert_eq!(parse("martin 15/03").day_month, Some((15, 3)));
        assert_eq!(parse("d'almeida").names, vec!["d'almeida"]);
    }
}
