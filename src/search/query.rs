//! Search: one free-text query (`dupont jean 1987`, `lefèvre`, `0599800123`,
//! `2 95 10 99 126 111 93`, `d'almeida`, `martin dupont`, `filipe`) against the person index.
//! Every name word of the query must match a name of the person, exactly, by prefix, by sound
//! (Soundex2) or with one or two typing errors; dates narrow, dossier numbers and NIR find
//! directly. Hits are ranked exact, then prefix, then phonetic, then fuzzy, and say why they
//! matched.
//!
//! The words are matched against the keys of the posting lists ([`super::postings`]): each query
//! word becomes a set of keys, each with the level it matches at. Levels are tried from the best
//! down (exact keys only, then prefixes too, then sounds, then typing errors) and the search stops
//! at the first level that gives enough hits: a person found at a level ranks before every person
//! only found at a lower one, so the hits are the same as if every level had been looked at. At a
//! level, the word whose keys find the fewest persons gives the candidates, and the lists of the
//! other words and of the date are merged against them.

use super::normalize::{compact, edit_distance, fold, significant};
use super::phonetic::soundex2;
use super::postings::{self, Index, kind};
use crate::store::{Store, StoreError};
use rusqlite::OptionalExtension;

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
    // Short runs of digits only: a day, a month or a year, never a number that overflows.
    let n = |s: &str| {
        (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<i64>().ok())
            .flatten()
    };
    match parts.as_slice() {
        [d, m, y] if y.len() == 4 && (1..=31).contains(&n(d)?) && (1..=12).contains(&n(m)?) => {
            Some(DateFilter::Full(n(y)? * 10_000 + n(m)? * 100 + n(d)?))
        }
        [m, y] if y.len() == 4 && (1..=12).contains(&n(m)?) => {
            Some(DateFilter::MonthYear(n(m)?, n(y)?))
        }
        [d, m] if m.len() <= 2 && (1..=31).contains(&n(d)?) && (1..=12).contains(&n(m)?) => {
            Some(DateFilter::DayMonth(n(d)?, n(m)?))
        }
        _ => None,
    }
}

/// A key that a query word matches, and at which level.
#[derive(Clone, Debug)]
struct KeyMatch {
    key: String,
    level: Level,
    /// Persons under the key.
    n: u64,
    /// The query's word it came from (for the reason of a sound).
    word: String,
}

impl KeyMatch {
    fn reason(&self) -> String {
        let k = self.key.chars().next().unwrap_or(kind::SURNAME);
        match self.level {
            Level::Phonetic => format!(
                "{} prononcé comme {} ({})",
                kind::label(k),
                self.word,
                self.level.label()
            ),
            _ => format!(
                "{} {} ({})",
                kind::label(k),
                &self.key[k.len_utf8()..],
                self.level.label()
            ),
        }
    }
}

/// The keys one name word of the query matches, each at its best level. Typing errors are
/// looked for only when `fuzzy`.
fn word_keys(idx: &Index, token: &str, fuzzy: bool) -> Vec<KeyMatch> {
    let mut keys: Vec<KeyMatch> = Vec::new();
    let mut add = |key: String, level: Level, n: u64, word: &str| match keys
        .iter_mut()
        .find(|k| k.key == key)
    {
        Some(k) if k.level >= level => {}
        Some(k) => k.level = level,
        None => keys.push(KeyMatch {
            key,
            level,
            n,
            word: word.to_string(),
        }),
    };
    let c = compact(token);
    let sig = significant(token);
    let mut exact: Vec<&String> = std::iter::once(&c).chain(sig.iter()).collect();
    exact.sort();
    exact.dedup();
    for kd in [kind::SURNAME, kind::FIRST_NAME] {
        for w in &exact {
            let k = postings::key(kd, w);
            if let Some(n) = idx.count(&k) {
                add(k, Level::Exact, n, w);
            }
        }
    }
    if c.len() >= 3 {
        for kd in [kind::SURNAME, kind::FIRST_NAME] {
            // The most frequent names that start so (a short prefix starts thousands).
            let mut found: Vec<(String, u64)> = idx
                .longer(&postings::key(kd, &c))
                .map(|(k, n)| (k.to_string(), n))
                .collect();
            if found.len() > MAX_PREFIX_KEYS {
                found.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                found.truncate(MAX_PREFIX_KEYS);
            }
            for (k, n) in found {
                add(k, Level::Prefix, n, &c);
            }
        }
    }
    for w in &sig {
        let ph = soundex2(w);
        if ph.is_empty() {
            continue;
        }
        for kd in [kind::SURNAME_PHONETIC, kind::FIRST_NAME_PHONETIC] {
            let k = postings::key(kd, &ph);
            if let Some(n) = idx.count(&k) {
                add(k, Level::Phonetic, n, w);
            }
        }
    }
    // Typing errors: against the name words of the index.
    if fuzzy && c.len() >= 4 {
        let max = if c.len() <= 5 { 1 } else { 2 };
        let mask = letters(&c);
        // The closest words first, the most frequent among equals; a few dozen are plenty.
        let mut near: Vec<(usize, std::cmp::Reverse<u64>, &str, char)> =
            [kind::SURNAME, kind::FIRST_NAME]
                .into_iter()
                .flat_map(|kd| idx.of_kind(kd).map(move |(w, n)| (w, n, kd)))
                .filter(|(w, _, _)| {
                    w.len().abs_diff(c.len()) <= max
                        && (letters(w) ^ mask).count_ones() as usize <= 2 * max
                        && *w != c
                })
                .filter_map(|(w, n, kd)| {
                    edit_distance(w, &c, max).map(|d| (d, std::cmp::Reverse(n), w, kd))
                })
                .collect();
        near.sort_unstable();
        for (_, n, w, kd) in near.into_iter().take(MAX_NEAR_WORDS) {
            add(postings::key(kd, w), Level::Fuzzy, n.0, w);
        }
    }
    keys
}

/// Keys taken for one query word's prefix, per kind.
const MAX_PREFIX_KEYS: usize = 400;

/// Words of the index taken for one query word's typing errors.
const MAX_NEAR_WORDS: usize = 40;

/// The letters a word holds, as bits (a typing error changes at most two of them).
fn letters(w: &str) -> u64 {
    w.bytes().fold(0u64, |m, b| m | 1u64 << (b % 64))
}

/// A candidate during the merge: the person and, for each query word, the level it matched at
/// and the key (its index in the word's keys).
struct Candidate {
    id: u64,
    matched: Vec<Option<(Level, usize)>>,
}

/// What one search reads from the store, each thing once: posting lists by key, and the search
/// keys of persons checked directly.
struct Reads<'s> {
    store: &'s Store,
    index: &'s Index,
    lists: std::collections::HashMap<String, std::rc::Rc<Vec<u64>>>,
    persons: std::collections::HashMap<u64, Vec<String>>,
}

impl<'s> Reads<'s> {
    fn new(store: &'s Store, index: &'s Index) -> Self {
        Reads {
            store,
            index,
            lists: Default::default(),
            persons: Default::default(),
        }
    }

    /// The persons under a key, sorted.
    fn list(&mut self, key: &str) -> Result<std::rc::Rc<Vec<u64>>, StoreError> {
        if let Some(l) = self.lists.get(key) {
            return Ok(l.clone());
        }
        let mut ids = Vec::new();
        self.index.ids(key, &mut ids);
        let l = std::rc::Rc::new(ids);
        self.lists.insert(key.to_string(), l.clone());
        Ok(l)
    }

    /// The search keys of a person (names only).
    fn person(&mut self, id: u64) -> Result<&[String], StoreError> {
        if !self.persons.contains_key(&id) {
            let mut st = self.store.connection().prepare_cached(
                "SELECT surname, coalesce(other_surnames, ''), first_names FROM _persons WHERE id = ?1",
            )?;
            let keys = st
                .query_row([id as i64], |r| {
                    let surname: String = r.get::<_, Option<String>>(0)?.unwrap_or_default();
                    let others: String = r.get(1)?;
                    let first: String = r.get::<_, Option<String>>(2)?.unwrap_or_default();
                    let others: Vec<String> = others
                        .split(" / ")
                        .filter(|s| !s.trim().is_empty())
                        .map(str::to_string)
                        .collect();
                    Ok(postings::person_keys(&postings::PersonNames {
                        surname: &surname,
                        others: &others,
                        first_names: &first,
                        birth: None,
                    }))
                })
                .optional()?
                .unwrap_or_default();
            self.persons.insert(id, keys);
        }
        Ok(&self.persons[&id])
    }
}

/// Persons that every word matches at `tier` or better, and the date keys admit. The word whose
/// keys find the fewest persons gives the candidates; each other word is then either merged as
/// lists against them or, when the candidates are few, checked on each candidate's own names,
/// whichever reads less.
fn at_tier(
    reads: &mut Reads,
    words: &[Vec<KeyMatch>],
    dates: &[String],
    tier: Level,
) -> Result<Vec<Candidate>, StoreError> {
    let active: Vec<Vec<usize>> = words
        .iter()
        .map(|keys| (0..keys.len()).filter(|&i| keys[i].level >= tier).collect())
        .collect();
    let size = |w: usize| -> u64 { active[w].iter().map(|&i| words[w][i].n).sum() };
    let mut order: Vec<usize> = (0..words.len()).collect();
    order.sort_by_key(|&w| size(w));
    let first = order[0];
    if active[first].is_empty() {
        return Ok(Vec::new());
    }
    // Person id, best level first, key: packed in one integer so that sorting is cheap.
    let mut entries: Vec<u64> = Vec::new();
    // The key index of a word fits in 16 bits of the packed entries (a word has < 1 000 keys).
    debug_assert!(words[first].len() < 1 << 16);
    for &i in &active[first] {
        let ids = reads.list(&words[first][i].key)?;
        let tag = (u64::from(255 - words[first][i].level as u8) << 16) | i as u64;
        entries.extend(ids.iter().map(|&id| (id << 24) | tag));
    }
    if active[first].len() > 1 {
        entries.sort_unstable();
        entries.dedup_by_key(|e| *e >> 24);
    }
    // The dates narrow the candidates before anything is built for them.
    for d in dates {
        if entries.is_empty() {
            break;
        }
        let ids = reads.list(d)?;
        let mut j = 0;
        entries.retain(|e| {
            let id = e >> 24;
            while j < ids.len() && ids[j] < id {
                j += 1;
            }
            j < ids.len() && ids[j] == id
        });
    }
    let mut cands: Vec<Candidate> = entries
        .into_iter()
        .map(|e| {
            let i = (e & 0xffff) as usize;
            let mut matched = vec![None; words.len()];
            matched[first] = Some((words[first][i].level, i));
            Candidate {
                id: e >> 24,
                matched,
            }
        })
        .collect();
    for &w in &order[1..] {
        if cands.is_empty() {
            break;
        }
        // Merging lists held in memory costs a few nanoseconds an id; checking a candidate on its
        // own names, a look-up in the store (some 25 µs).
        let by_lists = size(w) / 8000;
        if (cands.len() as u64) < by_lists {
            // The same keys as the lists would give: the word's keys at this tier that the
            // person holds.
            let listed: std::collections::HashMap<&str, usize> = active[w]
                .iter()
                .map(|&i| (words[w][i].key.as_str(), i))
                .collect();
            for c in cands.iter_mut() {
                let keys = reads.person(c.id)?;
                c.matched[w] = keys
                    .iter()
                    .filter_map(|k| listed.get(k.as_str()).copied())
                    .map(|i| (words[w][i].level, i))
                    .max_by_key(|m| m.0);
            }
        } else {
            for &i in &active[w] {
                let ids = reads.list(&words[w][i].key)?;
                let level = words[w][i].level;
                let mut j = 0;
                for c in cands.iter_mut() {
                    while j < ids.len() && ids[j] < c.id {
                        j += 1;
                    }
                    if j == ids.len() {
                        break;
                    }
                    if ids[j] == c.id && c.matched[w].is_none_or(|(l, _)| level > l) {
                        c.matched[w] = Some((level, i));
                    }
                }
            }
        }
        cands.retain(|c| c.matched[w].is_some());
    }
    Ok(cands)
}

fn load_hit(store: &Store, person: i64, level: Level, why: Vec<String>) -> Result<Hit, StoreError> {
    let conn = store.connection();
    let mut hit = conn
        .prepare_cached(
            "SELECT application, table_name, record, coalesce(dossier, ''), archived, surname,
                coalesce(other_surnames, ''), first_names, birth_text, nir, nir_ok
         FROM _persons WHERE id = ?1",
        )?
        .query_row([person], |r| {
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
        })?;
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

/// A search session: reads the posting lists of the store once, at its first search, so that
/// searching as one types stays fast.
pub struct Searcher<'s> {
    store: &'s Store,
    index: Option<Index>,
}

impl<'s> Searcher<'s> {
    pub fn new(store: &'s Store) -> Self {
        Searcher { store, index: None }
    }

    /// Searches the person index; hits best first.
    pub fn search(&mut self, text: &str, limit: usize) -> Result<Vec<Hit>, StoreError> {
        let index = match &self.index {
            Some(i) => i,
            None => self.index.insert(Index::load(self.store.connection())?),
        };
        search_with(self.store, index, text, limit)
    }
}

/// The date keys of a query's birth-date filters.
fn date_keys(q: &Query) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(d) = q.date {
        keys.push(format!("{}{d:08}", kind::DATE));
    }
    if let Some((m, y)) = q.month_year {
        keys.push(format!("{}{y:04}{m:02}", kind::MONTH));
    }
    if let Some(y) = q.year {
        keys.push(format!("{}{y:04}", kind::YEAR));
    }
    if let Some((d, m)) = q.day_month {
        keys.push(format!("{}{m:02}{d:02}", kind::DAY_MONTH));
    }
    keys
}

/// A person found, with the worst level over the query's words, their sum, and the reasons.
struct Scored {
    id: i64,
    worst: Level,
    sum: u32,
    why: Vec<String>,
}

fn search_with(
    store: &Store,
    index: &Index,
    text: &str,
    limit: usize,
) -> Result<Vec<Hit>, StoreError> {
    let q = parse(text);
    let conn = store.connection();
    let dates = date_keys(&q);
    let mut reads = Reads::new(store, index);
    let mut scored: Vec<Scored> = Vec::new();
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
    // Direct finds pass the date filters too.
    if !dates.is_empty() && !direct.is_empty() {
        let mut keep = vec![true; direct.len()];
        for d in &dates {
            let born = reads.list(d)?;
            for (k, (p, _)) in keep.iter_mut().zip(&direct) {
                *k &= born.binary_search(&(*p as u64)).is_ok();
            }
        }
        let mut it = keep.into_iter();
        direct.retain(|_| it.next().unwrap_or(false));
    }
    if !q.names.is_empty() {
        let mut words: Vec<Vec<KeyMatch>> = Vec::new();
        for t in &q.names {
            words.push(word_keys(index, t, false));
        }
        let mut found = Vec::new();
        // Prefixes and sounds in one pass: when the exact keys are not enough, both usually are
        // needed.
        for tier in [Level::Exact, Level::Phonetic, Level::Fuzzy] {
            if tier == Level::Fuzzy {
                // Typing errors only when exact, prefix and sound leave fewer hits than asked for.
                words.clear();
                for t in &q.names {
                    words.push(word_keys(index, t, true));
                }
            }
            found = at_tier(&mut reads, &words, &dates, tier)?;
            if found.len() >= limit {
                break;
            }
        }
        for c in found {
            let mut worst = Level::Exact;
            let mut sum = 0;
            let mut why = Vec::with_capacity(words.len());
            for (w, m) in c.matched.iter().enumerate() {
                let (level, i) = m.expect("every word matched");
                worst = worst.min(level);
                sum += level as u32;
                why.push(words[w][i].reason());
            }
            scored.push(Scored {
                id: c.id as i64,
                worst,
                sum,
                why,
            });
        }
        // Several words may be one compound name (`martin dupont` for MARTIN-DUPONT).
        if q.names.len() > 1 {
            let joined = compact(&q.names.join(" "));
            let mut ids = (*reads.list(&postings::key(kind::SURNAME, &joined))?).clone();
            for d in &dates {
                let born = reads.list(d)?;
                ids.retain(|id| born.binary_search(id).is_ok());
            }
            let n = q.names.len() as u32;
            for id in ids {
                let id = id as i64;
                scored.retain(|s| s.id != id);
                scored.push(Scored {
                    id,
                    worst: Level::Exact,
                    sum: Level::Exact as u32 * n,
                    why: vec![format!("nom {joined} (exact)")],
                });
            }
        }
    } else if !dates.is_empty() && direct.is_empty() {
        // Only a date: the first persons born then.
        let mut ids = (*reads.list(&dates[0])?).clone();
        for d in &dates[1..] {
            let other = reads.list(d)?;
            ids.retain(|id| other.binary_search(id).is_ok());
        }
        scored.extend(ids.into_iter().take(limit).map(|id| Scored {
            id: id as i64,
            worst: Level::Exact,
            sum: Level::Exact as u32,
            why: Vec::new(),
        }));
    }
    for (p, why) in direct {
        match scored.iter_mut().find(|s| s.id == p) {
            Some(s) => {
                s.worst = Level::Exact;
                s.sum += 8;
                s.why.push(why);
            }
            None => scored.push(Scored {
                id: p,
                worst: Level::Exact,
                sum: 8,
                why: vec![why],
            }),
        }
    }
    let by_rank = |a: &Scored, b: &Scored| {
        (b.worst, b.sum)
            .cmp(&(a.worst, a.sum))
            .then(a.id.cmp(&b.id))
    };
    if scored.len() > limit {
        scored.select_nth_unstable_by(limit, by_rank);
        scored.truncate(limit);
    }
    scored.sort_by(by_rank);
    let mut hits = Vec::with_capacity(scored.len());
    for mut s in scored {
        if !dates.is_empty() {
            s.why.push("date de naissance".into());
        }
        hits.push(load_hit(store, s.id, s.worst, s.why)?);
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
        // Found by fuzzing: numbers too large for a date are names, not an overflow.
        assert_eq!(parse("1/99999999999999999/1987").date, None);
        assert_eq!(parse("45/13/1987").date, None);
    }
}
