//! Posting lists of the person index: for every search key (a name word, a compact name, a
//! Soundex2 key, a first name, a birth year, month, date or day and month), the sorted ids of the
//! persons it finds, stored in one row per key as a delta-encoded varint blob. A search reads a
//! few rows and merges sorted lists in memory instead of one row per person and key; the index
//! is also a fraction of the size of one row per (key, person).
//!
//! Keys start with a letter saying what they are, so that one ordered table serves exact look-ups
//! and prefix ranges of each kind.
//!
//! A search session reads the whole table once into an [`Index`] (about 13 bytes a person: some
//! 12 MB and a few tens of milliseconds for a million persons) and then answers every query from
//! memory: a cold look-up in the encrypted store costs more than the merge it serves.

use super::normalize::{compact, significant, words};
use super::phonetic::soundex2;
use crate::store::StoreError;
use rusqlite::{Connection, params};
use std::collections::HashMap;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

/// Table of the posting lists (created with the store's schema).
pub const SCHEMA: &str =
    "CREATE TABLE _postings(key TEXT PRIMARY KEY, n INTEGER, ids BLOB) WITHOUT ROWID;";

/// The first letter of a key: what it is.
pub mod kind {
    /// A word of a surname (birth, usage or married), or a whole surname without blanks.
    pub const SURNAME: char = 'N';
    /// Soundex2 key of a significant word of a surname.
    pub const SURNAME_PHONETIC: char = 'n';
    /// A first name.
    pub const FIRST_NAME: char = 'P';
    /// Soundex2 key of a first name.
    pub const FIRST_NAME_PHONETIC: char = 'p';
    /// Birth year `AAAA`.
    pub const YEAR: char = 'Y';
    /// Birth month `AAAAMM`.
    pub const MONTH: char = 'M';
    /// Birth date `AAAAMMJJ`.
    pub const DATE: char = 'D';
    /// Birth day and month `MMJJ`.
    pub const DAY_MONTH: char = 'J';

    /// Whether a key of this kind is a name (surname or first name, spelt or sounded).
    pub fn label(k: char) -> &'static str {
        match k {
            FIRST_NAME | FIRST_NAME_PHONETIC => "prénom",
            _ => "nom",
        }
    }
}

/// The key of `text` as a `kind`.
pub fn key(kind: char, text: &str) -> String {
    let mut k = String::with_capacity(text.len() + 1);
    k.push(kind);
    k.push_str(text);
    k
}

/// Appends `v` to `out` as a LEB128 varint.
fn push_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A posting list being built: ids must come in increasing order.
#[derive(Default)]
pub struct Builder {
    bytes: Vec<u8>,
    last: u64,
    n: u64,
}

impl Builder {
    pub fn push(&mut self, id: u64) {
        if self.n > 0 && id <= self.last {
            // The same person twice under one key (two names sharing a word): once is enough.
            debug_assert!(id == self.last, "ids out of order");
            return;
        }
        push_varint(
            &mut self.bytes,
            id - if self.n == 0 { 0 } else { self.last },
        );
        self.last = id;
        self.n += 1;
    }
}

/// Decodes a posting list into sorted ids (a damaged blob ends the list where it breaks).
pub fn decode(bytes: &[u8], out: &mut Vec<u64>) {
    out.clear();
    let (mut acc, mut shift, mut last) = (0u64, 0u32, 0u64);
    for &b in bytes {
        if shift >= 64 {
            return;
        }
        acc |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            last = if out.is_empty() { acc } else { last + acc };
            out.push(last);
            acc = 0;
            shift = 0;
        } else {
            shift += 7;
        }
    }
}

/// What a person is indexed under.
pub struct PersonNames<'a> {
    pub surname: &'a str,
    /// Usage or married names.
    pub others: &'a [String],
    pub first_names: &'a str,
    /// `AAAAMMJJ`.
    pub birth: Option<i64>,
}

/// The search keys of a person, sorted and without repeats.
pub fn person_keys(p: &PersonNames) -> Vec<String> {
    let mut keys = Vec::new();
    for name in std::iter::once(p.surname).chain(p.others.iter().map(String::as_str)) {
        for w in words(name) {
            keys.push(key(kind::SURNAME, &w));
        }
        let c = compact(name);
        if !c.is_empty() {
            keys.push(key(kind::SURNAME, &c));
        }
        for w in significant(name) {
            let ph = soundex2(&w);
            if !ph.is_empty() {
                keys.push(key(kind::SURNAME_PHONETIC, &ph));
            }
        }
    }
    for w in words(p.first_names) {
        let ph = soundex2(&w);
        keys.push(key(kind::FIRST_NAME, &w));
        if !ph.is_empty() {
            keys.push(key(kind::FIRST_NAME_PHONETIC, &ph));
        }
    }
    if let Some(b) = p.birth.filter(|b| *b > 0) {
        let (y, m, d) = (b / 10_000, b / 100 % 100, b % 100);
        keys.push(format!("{}{y:04}", kind::YEAR));
        keys.push(format!("{}{y:04}{m:02}", kind::MONTH));
        keys.push(format!("{}{b:08}", kind::DATE));
        keys.push(format!("{}{m:02}{d:02}", kind::DAY_MONTH));
    }
    keys.sort();
    keys.dedup();
    keys
}

/// A person as the posting lists see it: its id in `_persons` and what it is indexed under.
pub struct Person {
    pub id: u64,
    pub surname: String,
    pub others: Vec<String>,
    pub first_names: String,
    pub birth: Option<i64>,
}

/// The usage or married names of a person, as `_persons.other_surnames` keeps them (joined by
/// `" / "`).
pub fn split_others(joined: &str) -> Vec<String> {
    joined
        .split(" / ")
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// The lists by key: hashed with foldhash (seeded per process), much faster than SipHash on
/// short keys.
type Lists = HashMap<String, Builder, foldhash::fast::RandomState>;

/// Persons sent to the thread that computes their keys, by batches.
const PERSONS_BATCH: usize = 2048;

/// Posting lists computed on a thread of their own while the import writes the persons and
/// their indexes: persons are pushed in increasing id order, and [`Collector::write`] stores
/// the lists once every person is in.
pub struct Collector {
    tx: Option<SyncSender<Vec<Person>>>,
    batch: Vec<Person>,
    handle: JoinHandle<Lists>,
}

impl Collector {
    pub fn start() -> Collector {
        let (tx, rx) = sync_channel::<Vec<Person>>(4);
        let handle = std::thread::Builder::new()
            .name("reprise-postings".into())
            .spawn(move || {
                let mut lists = Lists::default();
                for batch in rx {
                    for p in batch {
                        let names = PersonNames {
                            surname: &p.surname,
                            others: &p.others,
                            first_names: &p.first_names,
                            birth: p.birth,
                        };
                        for k in person_keys(&names) {
                            // Most keys are met already: looked up by reference first.
                            match lists.get_mut(k.as_str()) {
                                Some(b) => b.push(p.id),
                                None => lists.entry(k).or_default().push(p.id),
                            }
                        }
                    }
                }
                lists
            })
            .expect("thread starts");
        Collector {
            tx: Some(tx),
            batch: Vec::with_capacity(PERSONS_BATCH),
            handle,
        }
    }

    /// Adds a person (ids in increasing order).
    pub fn push(&mut self, p: Person) {
        self.batch.push(p);
        if self.batch.len() >= PERSONS_BATCH {
            self.send();
        }
    }

    fn send(&mut self) {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(PERSONS_BATCH));
        if let Some(tx) = &self.tx {
            // A thread that stopped says so when it is joined.
            let _ = tx.send(batch);
        }
    }

    /// Adds every person already in `_persons`, in id order.
    pub fn push_stored(&mut self, conn: &Connection) -> Result<u64, StoreError> {
        let mut st = conn.prepare(
            "SELECT id, surname, coalesce(other_surnames, ''), first_names, birth FROM _persons ORDER BY id",
        )?;
        let mut rows = st.query([])?;
        let mut persons = 0u64;
        while let Some(r) = rows.next()? {
            self.push(Person {
                id: r.get::<_, i64>(0)? as u64,
                surname: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                others: split_others(&r.get::<_, String>(2)?),
                first_names: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                birth: r.get(4)?,
            });
            persons += 1;
        }
        Ok(persons)
    }

    /// Replaces the posting lists of the store with those of the persons pushed.
    pub fn write(mut self, conn: &Connection) -> Result<(), StoreError> {
        self.send();
        self.tx = None;
        let t = std::time::Instant::now();
        let lists = self.handle.join().map_err(|_| {
            StoreError::Sqlite("le calcul des clés de recherche s'est arrêté brutalement".into())
        })?;
        tracing::debug!(
            "clés de recherche attendues {:.2} s",
            t.elapsed().as_secs_f64()
        );
        conn.execute("DELETE FROM _postings", [])?;
        let mut keys: Vec<(String, Builder)> = lists.into_iter().collect();
        keys.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        // In key order, the table grows at its end only.
        let mut insert = conn.prepare("INSERT INTO _postings(key, n, ids) VALUES (?1, ?2, ?3)")?;
        for (k, b) in keys {
            insert.execute(params![k, b.n as i64, b.bytes])?;
        }
        Ok(())
    }
}

/// The posting lists of a store, in memory: keys in order, each with its count and its bytes.
#[derive(Default)]
pub struct Index {
    keys: Vec<(Box<str>, u64, std::ops::Range<usize>)>,
    bytes: Vec<u8>,
}

impl Index {
    /// Reads every posting list of the store.
    pub fn load(conn: &Connection) -> Result<Index, StoreError> {
        let mut index = Index::default();
        let mut st = conn.prepare("SELECT key, n, ids FROM _postings ORDER BY key")?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let key: String = r.get(0)?;
            let n: i64 = r.get(1)?;
            let ids = r
                .get_ref(2)?
                .as_blob_or_null()
                .ok()
                .flatten()
                .unwrap_or_default();
            let start = index.bytes.len();
            index.bytes.extend_from_slice(ids);
            index
                .keys
                .push((key.into_boxed_str(), n as u64, start..index.bytes.len()));
        }
        Ok(index)
    }

    fn find(&self, key: &str) -> Option<usize> {
        self.keys.binary_search_by(|k| (*k.0).cmp(key)).ok()
    }

    /// The number of persons under a key, if the key exists.
    pub fn count(&self, key: &str) -> Option<u64> {
        self.find(key).map(|i| self.keys[i].1)
    }

    /// The persons under a key, sorted (none for an unknown key).
    pub fn ids(&self, key: &str, out: &mut Vec<u64>) {
        match self.find(key) {
            Some(i) => decode(&self.bytes[self.keys[i].2.clone()], out),
            None => out.clear(),
        }
    }

    /// The keys that start with `prefix` and are longer, in order, with their counts.
    pub fn longer(&self, prefix: &str) -> impl Iterator<Item = (&str, u64)> {
        let start = self.keys.partition_point(|k| *k.0 <= *prefix);
        self.keys[start..]
            .iter()
            .take_while(move |k| k.0.starts_with(prefix))
            .map(|k| (&*k.0, k.1))
    }

    /// Every key of one kind (its text without the kind letter), with its count.
    pub fn of_kind(&self, k: char) -> impl Iterator<Item = (&str, u64)> {
        let mut buf = [0u8; 4];
        let lo: &str = k.encode_utf8(&mut buf);
        let start = self.keys.partition_point(|x| *x.0 < *lo);
        let lo_len = lo.len();
        let lo = lo.to_string();
        self.keys[start..]
            .iter()
            .take_while(move |x| x.0.starts_with(&lo))
            .map(move |x| (&x.0[lo_len..], x.1))
    }

    /// Bytes held.
    pub fn size(&self) -> usize {
        self.bytes.len() + self.keys.iter().map(|k| k.0.len() + 40).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postings_round_trip() {
        let ids = [1u64, 2, 130, 131, 20_000, 1 << 40];
        let mut b = Builder::default();
        for &i in &ids {
            b.push(i);
        }
        b.push(1 << 40);
        assert_eq!(b.n, ids.len() as u64);
        let mut out = Vec::new();
        decode(&b.bytes, &mut out);
        assert_eq!(out, ids);
        decode(&[0x80, 0x80], &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn collector_indexes_stored_and_pushed_persons_in_id_order() {
        let conn = crate::store::connect_in_memory().unwrap();
        conn.execute_batch(super::super::index::SCHEMA).unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        conn.execute_batch(
            "INSERT INTO _postings VALUES ('Nstale', 1, x'01');
             INSERT INTO _persons(id, surname, other_surnames, first_names, birth)
             VALUES (3, 'MARTIN', 'DUPONT / ', 'LUCIE', 19900101),
                    (7, 'DURAND', NULL, 'PAUL', NULL);",
        )
        .unwrap();
        let mut c = Collector::start();
        assert_eq!(c.push_stored(&conn).unwrap(), 2);
        // More persons than one batch, so that several reach the thread.
        for id in 8..8 + 2 * PERSONS_BATCH as u64 {
            c.push(Person {
                id,
                surname: "MARTIN".into(),
                others: Vec::new(),
                first_names: String::new(),
                birth: None,
            });
        }
        c.write(&conn).unwrap();
        let index = Index::load(&conn).unwrap();
        assert_eq!(index.count("Nstale"), None, "the lists are replaced");
        assert_eq!(index.count("NMARTIN"), Some(1 + 2 * PERSONS_BATCH as u64));
        assert_eq!(index.count("NDUPONT"), Some(1));
        assert_eq!(index.count("NDURAND"), Some(1));
        assert_eq!(index.count("D19900101"), Some(1));
        let blob: Vec<u8> = conn
            .query_row("SELECT ids FROM _postings WHERE key = 'NMARTIN'", [], |r| {
                r.get(0)
            })
            .unwrap();
        let mut ids = Vec::new();
        decode(&blob, &mut ids);
        assert_eq!(ids[..3], [3, 8, 9]);
        assert_eq!(*ids.last().unwrap(), 7 + 2 * PERSONS_BATCH as u64);
    }

    #[test]
    fn split_others_drops_empty_names() {
        assert_eq!(split_others("A / B /  / "), vec!["A", "B"]);
        assert!(split_others("").is_empty());
    }

    #[test]
    fn keys_of_a_person() {
        let others = vec!["MARTIN-DUPONT".to_string()];
        let k = person_keys(&PersonNames {
            surname: "D'ALMEIDA",
            others: &others,
            first_names: "JEAN PIERRE",
            birth: Some(19870315),
        });
        for want in [
            "NALMEIDA",
            "NDALMEIDA",
            "NMARTIN",
            "NDUPONT",
            "NMARTINDUPONT",
            "PJEAN",
            "PPIERRE",
            "Y1987",
            "M198703",
            "D19870315",
            "J0315",
        ] {
            assert!(k.iter().any(|x| x == want), "{want} not in {k:?}");
        }
        assert!(k.iter().any(|x| x.starts_with('n')));
        assert!(k.iter().any(|x| x.starts_with('p')));
        assert!(k.windows(2).all(|w| w[0] < w[1]));
    }
}
