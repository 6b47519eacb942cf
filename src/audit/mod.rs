//! The consultation journal: who searched, opened, revealed, exported, printed, imported or
//! verified what, and when, from which workstation. It lives in its own SQLCipher file beside
//! the store (`BASE.consultations`, same passphrase), so the data part of the store stays read-only and
//! survives the replacement of the store by an import. Entries are chained: each holds the
//! SHA-256 of its content and of the entry before it, and a head (count and last hash) is kept
//! with them, so that [`Journal::verify`] finds an entry changed, inserted or removed and says
//! which. Failed unlocks cannot be written without the key: they wait in `BASE.tentatives` (time,
//! user and workstation only, nothing personal) and join the journal at the next unlock.

use crate::store::StoreError;
use age::secrecy::SecretString;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What was done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Unlock,
    UnlockFailed,
    Search,
    Dossier,
    Medical,
    Export,
    Print,
    Import,
    Verify,
    /// Fixity check of the store.
    Fixity,
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Action::Unlock => "ouverture",
            Action::UnlockFailed => "echec_ouverture",
            Action::Search => "recherche",
            Action::Dossier => "dossier",
            Action::Medical => "medical",
            Action::Export => "export",
            Action::Print => "impression",
            Action::Import => "import",
            Action::Verify => "verification",
            Action::Fixity => "integrite",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Action::Unlock => "Ouverture de la base",
            Action::UnlockFailed => "Échec d'ouverture (phrase de passe fausse)",
            Action::Search => "Recherche",
            Action::Dossier => "Dossier consulté",
            Action::Medical => "Données médicales affichées",
            Action::Export => "Export",
            Action::Print => "Impression",
            Action::Import => "Importation d'une livraison",
            Action::Verify => "Vérification d'une livraison",
            Action::Fixity => "Contrôle d'intégrité de la base",
        }
    }

    pub fn from_code(code: &str) -> Option<Action> {
        [
            Action::Unlock,
            Action::UnlockFailed,
            Action::Search,
            Action::Dossier,
            Action::Medical,
            Action::Export,
            Action::Print,
            Action::Import,
            Action::Verify,
            Action::Fixity,
        ]
        .into_iter()
        .find(|a| a.code() == code)
    }
}

/// Who acts, from where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user: String,
    pub workstation: String,
}

impl Actor {
    /// The operating system's user and the machine's name.
    pub fn current() -> Actor {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let user = env("USER")
            .or_else(|| env("USERNAME"))
            .or_else(|| env("LOGNAME"))
            .or_else(os_user)
            .unwrap_or_else(|| "inconnu".into());
        let workstation = env("COMPUTERNAME")
            .or_else(|| env("HOSTNAME"))
            .or_else(|| {
                std::fs::read_to_string("/etc/hostname")
                    .ok()
                    .map(|h| h.trim().to_string())
                    .filter(|h| !h.is_empty())
            })
            .unwrap_or_else(|| "inconnu".into());
        Actor { user, workstation }
    }
}

/// The login name of the process's user, from the system's user database.
#[cfg(unix)]
fn os_user() -> Option<String> {
    // SAFETY: getpwuid returns a pointer into static storage or null; the name is copied at once.
    unsafe {
        let pw = libc::getpwuid(libc::getuid());
        if pw.is_null() || (*pw).pw_name.is_null() {
            return None;
        }
        std::ffi::CStr::from_ptr((*pw).pw_name)
            .to_str()
            .ok()
            .map(str::to_string)
    }
}

#[cfg(not(unix))]
fn os_user() -> Option<String> {
    None
}

/// One entry.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    pub seq: i64,
    /// Local time, `AAAA-MM-JJ HH:MM:SS`.
    pub at: String,
    pub user: String,
    pub workstation: String,
    pub action: String,
    /// The person seen, if any (names and birth date).
    pub person: String,
    /// `APPLICATION NUMERO`, if a dossier was seen.
    pub dossier: String,
    pub detail: String,
    pub prev: String,
    pub hash: String,
}

impl Entry {
    /// The action's French label.
    pub fn action_label(&self) -> String {
        Action::from_code(&self.action)
            .map(|a| a.label().to_string())
            .unwrap_or_else(|| self.action.clone())
    }
}

/// What a verification found.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The entry where the chain breaks.
    pub seq: i64,
    pub message: String,
}

/// Entries to list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Inclusive, `AAAA-MM-JJ`.
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
    /// Accent- and case-insensitive, in the person, the dossier or the detail.
    pub person: Option<String>,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS entries(
    seq INTEGER PRIMARY KEY, at TEXT NOT NULL, user TEXT NOT NULL, workstation TEXT NOT NULL,
    action TEXT NOT NULL, person TEXT NOT NULL, dossier TEXT NOT NULL, detail TEXT NOT NULL,
    prev TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS head(id INTEGER PRIMARY KEY CHECK (id = 1), count INTEGER NOT NULL,
    last TEXT NOT NULL);
";

/// The hash of an entry: its content and the hash before it, fields separated by a byte that
/// no text holds.
fn entry_hash(e: &Entry) -> String {
    let mut h = Sha256::new();
    for f in [
        &e.at,
        &e.user,
        &e.workstation,
        &e.action,
        &e.person,
        &e.dossier,
        &e.detail,
        &e.prev,
    ] {
        h.update(f.as_bytes());
        h.update([0x1f]);
    }
    hex::encode(h.finalize())
}

/// The journal of a store.
pub struct Journal {
    conn: Connection,
    path: PathBuf,
}

/// `BASE.consultations`.
pub fn journal_path(store: &Path) -> PathBuf {
    let mut p = store.as_os_str().to_owned();
    p.push(".consultations");
    PathBuf::from(p)
}

/// `BASE.tentatives`: failed unlocks waiting for the key.
pub fn attempts_path(store: &Path) -> PathBuf {
    let mut p = store.as_os_str().to_owned();
    p.push(".tentatives");
    PathBuf::from(p)
}

fn now() -> String {
    chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Writes the import of a delivery into the journal of the store it went into.
pub fn record_import(
    store: &Path,
    pass: &SecretString,
    outcome: &crate::store::ImportOutcome,
) -> Result<(), StoreError> {
    Journal::open(store, pass)?.record(
        &Actor::current(),
        Action::Import,
        "",
        "",
        &format!(
            "livraison {} : {}{}",
            outcome.report.delivery.name,
            outcome.report.verdict.label(),
            outcome
                .replaced
                .as_ref()
                .map(|r| format!(", remplace {r}"))
                .unwrap_or_default()
        ),
    )?;
    Ok(())
}

/// Notes a failed unlock of `store` (time, user, workstation) until the journal can take it.
pub fn note_failed_unlock(store: &Path, actor: &Actor) {
    let line = format!(
        "{}\t{}\t{}\n",
        now(),
        actor.user.replace(['\t', '\n'], " "),
        actor.workstation.replace(['\t', '\n'], " ")
    );
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(attempts_path(store))
    {
        let _ = f.write_all(line.as_bytes());
    }
}

impl Journal {
    /// Opens (or creates) the journal of `store` with the store's passphrase, and takes in the
    /// failed unlocks noted since.
    pub fn open(store: &Path, pass: &SecretString) -> Result<Journal, StoreError> {
        let path = journal_path(store);
        let conn = crate::store::connect(&path, rusqlite::OpenFlags::default())?;
        crate::store::key(&conn, pass)?;
        // Several workstations may write to one journal on a shared drive: wait for the lock.
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(SCHEMA)
            .map_err(|_| StoreError::WrongPassphrase(path.clone()))?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        let journal = Journal { conn, path };
        journal.absorb_attempts(store)?;
        Ok(journal)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn absorb_attempts(&self, store: &Path) -> Result<(), StoreError> {
        let attempts = attempts_path(store);
        let Ok(text) = std::fs::read_to_string(&attempts) else {
            return Ok(());
        };
        for line in text.lines() {
            let mut parts = line.splitn(3, '\t');
            let (Some(at), Some(user), Some(ws)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            self.append(
                at,
                &Actor {
                    user: user.into(),
                    workstation: ws.into(),
                },
                Action::UnlockFailed,
                "",
                "",
                "",
            )?;
        }
        let _ = std::fs::remove_file(attempts);
        Ok(())
    }

    /// Adds an entry now.
    pub fn record(
        &self,
        actor: &Actor,
        action: Action,
        person: &str,
        dossier: &str,
        detail: &str,
    ) -> Result<Entry, StoreError> {
        self.append(&now(), actor, action, person, dossier, detail)
    }

    fn append(
        &self,
        at: &str,
        actor: &Actor,
        action: Action,
        person: &str,
        dossier: &str,
        detail: &str,
    ) -> Result<Entry, StoreError> {
        let tx = rusqlite::Transaction::new_unchecked(
            &self.conn,
            rusqlite::TransactionBehavior::Immediate,
        )?;
        let (count, last): (i64, String) = tx
            .query_row("SELECT count, last FROM head WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
            .unwrap_or((0, GENESIS.to_string()));
        let mut e = Entry {
            seq: 0,
            at: at.to_string(),
            user: actor.user.clone(),
            workstation: actor.workstation.clone(),
            action: action.code().to_string(),
            person: person.to_string(),
            dossier: dossier.to_string(),
            detail: detail.to_string(),
            prev: last,
            hash: String::new(),
        };
        e.hash = entry_hash(&e);
        tx.execute(
            "INSERT INTO entries(at, user, workstation, action, person, dossier, detail, prev, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                e.at,
                e.user,
                e.workstation,
                e.action,
                e.person,
                e.dossier,
                e.detail,
                e.prev,
                e.hash
            ],
        )?;
        e.seq = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO head(id, count, last) VALUES (1, ?1, ?2)
             ON CONFLICT(id) DO UPDATE SET count = excluded.count, last = excluded.last",
            params![count + 1, e.hash],
        )?;
        tx.commit()?;
        Ok(e)
    }

    fn all(&self) -> Result<Vec<Entry>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT seq, at, user, workstation, action, person, dossier, detail, prev, hash
             FROM entries ORDER BY seq",
        )?;
        let rows = st.query_map([], |r| {
            Ok(Entry {
                seq: r.get(0)?,
                at: r.get(1)?,
                user: r.get(2)?,
                workstation: r.get(3)?,
                action: r.get(4)?,
                person: r.get(5)?,
                dossier: r.get(6)?,
                detail: r.get(7)?,
                prev: r.get(8)?,
                hash: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The entries that pass the filter, oldest first.
    pub fn entries(&self, f: &Filter) -> Result<Vec<Entry>, StoreError> {
        let needle = f
            .person
            .as_deref()
            .map(crate::search::normalize::fold)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        Ok(self
            .all()?
            .into_iter()
            .filter(|e| {
                let day =
                    chrono::NaiveDate::parse_from_str(e.at.get(..10).unwrap_or(""), "%Y-%m-%d")
                        .ok();
                f.from.is_none_or(|from| day.is_some_and(|d| d >= from))
                    && f.to.is_none_or(|to| day.is_some_and(|d| d <= to))
                    && needle.as_ref().is_none_or(|n| {
                        crate::search::normalize::fold(&format!(
                            "{} {} {}",
                            e.person, e.dossier, e.detail
                        ))
                        .contains(n.as_str())
                    })
            })
            .collect())
    }

    /// Checks the chain: every entry's hash, every link, and the head. Empty when intact.
    pub fn verify(&self) -> Result<Vec<Problem>, StoreError> {
        let entries = self.all()?;
        let mut problems = Vec::new();
        let mut expected = GENESIS.to_string();
        for (i, e) in entries.iter().enumerate() {
            if entry_hash(e) != e.hash {
                problems.push(Problem {
                    seq: e.seq,
                    message: format!(
                        "l'entrée n° {} a été modifiée : son contenu ne correspond plus à son empreinte",
                        e.seq
                    ),
                });
            } else if e.prev != expected {
                let next_follows_previous = entries.get(i + 1).is_some_and(|n| n.prev == expected);
                let message = if next_follows_previous {
                    format!(
                        "l'entrée n° {} a été insérée : l'entrée suivante suit directement la précédente",
                        e.seq
                    )
                } else if let Some(j) = entries[..i].iter().position(|x| x.hash == e.prev) {
                    // The chain goes from entry j straight to this one: what stands between
                    // was inserted.
                    let (a, b) = (entries[j + 1].seq, entries[i - 1].seq);
                    problems.push(Problem {
                        seq: a,
                        message: if a == b {
                            format!("l'entrée n° {a} a été insérée : la chaîne passe de l'entrée n° {} à l'entrée n° {} sans elle", entries[j].seq, e.seq)
                        } else {
                            format!("les entrées n° {a} à {b} ont été insérées : la chaîne passe de l'entrée n° {} à l'entrée n° {} sans elles", entries[j].seq, e.seq)
                        },
                    });
                    expected = e.hash.clone();
                    continue;
                } else {
                    let before = i.checked_sub(1).map(|p| entries[p].seq).unwrap_or(0);
                    if e.seq > before + 1 {
                        format!(
                            "entrée(s) supprimée(s) entre les n° {before} et {} (n° {} à {} manquants)",
                            e.seq,
                            before + 1,
                            e.seq - 1
                        )
                    } else {
                        format!(
                            "entrée(s) supprimée(s) juste avant l'entrée n° {} : elle ne suit pas la précédente",
                            e.seq
                        )
                    }
                };
                problems.push(Problem {
                    seq: e.seq,
                    message,
                });
            }
            // Go on from the entry as it is, to find every break, not only the first.
            expected = e.hash.clone();
        }
        let head: Option<(i64, String)> = self
            .conn
            .query_row("SELECT count, last FROM head WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let (count, last) = head.unwrap_or((0, GENESIS.to_string()));
        let n = entries.len() as i64;
        if count > n && problems.is_empty() && entries.last().is_none_or(|e| e.hash != last) {
            problems.push(Problem {
                seq: entries.last().map_or(0, |e| e.seq) + 1,
                message: format!(
                    "les dernières entrées ont été supprimées : le journal en comptait {count}, il en reste {n}"
                ),
            });
        } else if count != n && problems.is_empty() {
            problems.push(Problem {
                seq: entries.last().map_or(0, |e| e.seq),
                message: format!(
                    "le journal compte {n} entrées alors que son en-tête en annonce {count}"
                ),
            });
        } else if entries.last().is_some_and(|e| e.hash != last) && problems.is_empty() {
            problems.push(Problem {
                seq: entries.last().map_or(0, |e| e.seq),
                message: "la dernière entrée n'est pas celle que l'en-tête du journal enregistre"
                    .into(),
            });
        }
        Ok(problems)
    }

    /// The entries as CSV for a spreadsheet (UTF-8 with BOM, `;`).
    pub fn write_csv(entries: &[Entry], out: &mut dyn Write) -> std::io::Result<()> {
        out.write_all("\u{feff}".as_bytes())?;
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        let io = |e: csv::Error| std::io::Error::other(e.to_string());
        w.write_record([
            "N°",
            "Date",
            "Utilisateur",
            "Poste",
            "Action",
            "Personne",
            "Dossier",
            "Détail",
            "Empreinte",
        ])
        .map_err(io)?;
        for e in entries {
            w.write_record([
                e.seq.to_string().as_str(),
                &e.at,
                &e.user,
                &e.workstation,
                &e.action_label(),
                &e.person,
                &e.dossier,
                &e.detail,
                &e.hash,
            ])
            .map_err(io)?;
        }
        w.flush()
    }

    /// The raw connection, for the tests that tamper with the journal.
    #[doc(hidden)]
    pub fn connection_for_tests(&self) -> &Connection {
        &self.conn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal(dir: &Path) -> Journal {
        Journal::open(
            &dir.join("base"),
            &SecretString::from("phrase de test 2008".to_string()),
        )
        .unwrap()
    }

    fn actor() -> Actor {
        Actor {
            user: "agent".into(),
            workstation: "poste-1".into(),
        }
    }

    fn filled(dir: &Path) -> Journal {
        let j = journal(dir);
        for i in 1..=6 {
            j.record(&actor(), Action::Search, "", "", &format!("recherche {i}"))
                .unwrap();
        }
        j
    }

    #[test]
    fn an_intact_chain_verifies() {
        let d = tempfile::tempdir().unwrap();
        let j = filled(d.path());
        assert_eq!(j.verify().unwrap(), vec![]);
        assert_eq!(j.entries(&Filter::default()).unwrap().len(), 6);
    }

    #[test]
    fn a_changed_entry_is_found() {
        let d = tempfile::tempdir().unwrap();
        let j = filled(d.path());
        j.connection_for_tests()
            .execute("UPDATE entries SET detail = 'autre' WHERE seq = 3", [])
            .unwrap();
        let p = j.verify().unwrap();
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].seq, 3);
        assert!(p[0].message.contains("modifiée"), "{p:?}");
    }

    #[test]
    fn a_removed_entry_is_found() {
        let d = tempfile::tempdir().unwrap();
        let j = filled(d.path());
        j.connection_for_tests()
            .execute("DELETE FROM entries WHERE seq = 4", [])
            .unwrap();
        let p = j.verify().unwrap();
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].seq, 5);
        assert!(p[0].message.contains("n° 4 à 4 manquants"), "{p:?}");
    }

    #[test]
    fn an_inserted_entry_is_found() {
        let d = tempfile::tempdir().unwrap();
        let j = filled(d.path());
        let c = j.connection_for_tests();
        // Make room after entry 2 and insert a well-formed entry that claims to follow it.
        c.execute("UPDATE entries SET seq = seq + 100 WHERE seq > 2", [])
            .unwrap();
        c.execute("UPDATE entries SET seq = seq - 99 WHERE seq > 100", [])
            .unwrap();
        let prev: String = c
            .query_row("SELECT hash FROM entries WHERE seq = 2", [], |r| r.get(0))
            .unwrap();
        let mut e = Entry {
            seq: 3,
            at: "2026-01-01 10:00:00".into(),
            user: "intrus".into(),
            workstation: "x".into(),
            action: "recherche".into(),
            person: String::new(),
            dossier: String::new(),
            detail: "ajoutée".into(),
            prev,
            hash: String::new(),
        };
        e.hash = entry_hash(&e);
        c.execute(
            "INSERT INTO entries VALUES (3, ?1, ?2, ?3, ?4, '', '', ?5, ?6, ?7)",
            params![
                e.at,
                e.user,
                e.workstation,
                e.action,
                e.detail,
                e.prev,
                e.hash
            ],
        )
        .unwrap();
        let p = j.verify().unwrap();
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].seq, 3);
        assert!(
            p[0].message.contains("l'entrée n° 3 a été insérée"),
            "{p:?}"
        );
    }

    #[test]
    fn removing_the_last_entries_is_found_through_the_head() {
        let d = tempfile::tempdir().unwrap();
        let j = filled(d.path());
        j.connection_for_tests()
            .execute("DELETE FROM entries WHERE seq >= 5", [])
            .unwrap();
        let p = j.verify().unwrap();
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].message.contains("dernières entrées"), "{p:?}");
    }

    #[test]
    fn failed_unlocks_wait_then_join_the_journal() {
        let d = tempfile::tempdir().unwrap();
        let store = d.path().join("base");
        note_failed_unlock(&store, &actor());
        note_failed_unlock(&store, &actor());
        let j = journal(d.path());
        let e = j.entries(&Filter::default()).unwrap();
        assert_eq!(e.len(), 2);
        assert!(e.iter().all(|e| e.action == "echec_ouverture"));
        assert!(!attempts_path(&store).exists());
        assert_eq!(j.verify().unwrap(), vec![]);
    }

    #[test]
    fn a_wrong_passphrase_does_not_open_the_journal() {
        let d = tempfile::tempdir().unwrap();
        filled(d.path());
        let r = Journal::open(
            &d.path().join("base"),
            &SecretString::from("autre phrase 2008".to_string()),
        );
        assert!(matches!(r, Err(StoreError::WrongPassphrase(_))));
    }

    #[test]
    fn filters_by_person_and_dates() {
        let d = tempfile::tempdir().unwrap();
        let j = journal(d.path());
        j.record(
            &actor(),
            Action::Dossier,
            "LEFÈVRE ANDRÉE",
            "ITAC 0598200008",
            "",
        )
        .unwrap();
        j.record(
            &actor(),
            Action::Dossier,
            "MARTIN JULIEN",
            "ITAC 0590670000",
            "",
        )
        .unwrap();
        let f = Filter {
            person: Some("lefevre".into()),
            ..Default::default()
        };
        assert_eq!(j.entries(&f).unwrap().len(), 1);
        let today = chrono::Local::now().date_naive();
        let f = Filter {
            from: Some(today.succ_opt().unwrap()),
            ..Default::default()
        };
        assert!(j.entries(&f).unwrap().is_empty());
    }
}
