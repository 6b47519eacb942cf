//! `reprise export-base` (the whole store as a plain SQLite file, after an explicit confirmation
//! that the result is not encrypted) and `reprise purge` (end of retention: the store and every
//! file of it beside it removed, after confirmation).

use super::store_cmds::{Journaled, StoreArgs, open_store_with};
use super::{exit, fail};
use crate::audit;
use clap::Args;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct ExportBaseArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Le fichier SQLite à écrire (NON CHIFFRÉ).
    #[arg(long)]
    pub out: PathBuf,
    /// Confirme que le fichier produit ne sera pas chiffré (sinon question au terminal).
    #[arg(long)]
    pub unencrypted: bool,
}

/// Asks a question on the terminal; true when the answer is `expected`.
fn confirm(question: &str, expected: &str) -> bool {
    if !std::io::stdin().is_terminal() {
        return false;
    }
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    answer.trim() == expected
}

pub fn export_base(args: ExportBaseArgs) -> u8 {
    if !args.unencrypted
        && !confirm(
            &format!(
                "ATTENTION : {} contiendra toutes les données de la base EN CLAIR (non chiffrées),\n\
                 lisibles par quiconque accède au fichier. Tapez OUI pour continuer : ",
                args.out.display()
            ),
            "OUI",
        )
    {
        return fail(
            "export en clair non confirmé (--unencrypted, ou répondez OUI) : rien n'a été écrit",
            exit::USAGE,
        );
    }
    let (store, pass) = match open_store_with(&args.store) {
        Ok(s) => s,
        Err(c) => return c,
    };
    drop(store);
    let journaled = match audit::Journal::open(&args.store.store, &pass) {
        Ok(journal) => Journaled {
            journal,
            actor: audit::Actor::current(),
        },
        Err(e) => {
            return fail(
                format!("journal des consultations inaccessible ({e}) : rien n'a été exporté"),
                exit::STORE,
            );
        }
    };
    match crate::export::export_plain_sqlite(&args.store.store, &pass, &args.out) {
        Ok(bytes) => {
            // An export that cannot be journaled is not kept.
            if let Err(c) = journaled.record(
                audit::Action::Export,
                "",
                "",
                &format!("base entière EN CLAIR (SQLite) vers {}", args.out.display()),
            ) {
                let _ = std::fs::remove_file(&args.out);
                return c;
            }
            println!(
                "Base exportée EN CLAIR : {} ({} octets). Ce fichier n'est pas chiffré : \
                 protégez-le et supprimez-le dès qu'il a été repris.",
                args.out.display(),
                crate::report::fr_int(bytes)
            );
            exit::OK
        }
        Err(e) => fail(&e, e.exit_code()),
    }
}

#[derive(Args, Debug)]
pub struct PurgeArgs {
    /// La base à supprimer (avec son journal et ses fichiers voisins).
    #[arg(long)]
    pub store: PathBuf,
    /// Confirme la suppression (sinon question au terminal).
    #[arg(long)]
    pub yes: bool,
}

/// The files of a store: itself, its journal, its failed unlocks, a killed import's leftovers.
pub fn store_files(store: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let dir = match store.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Some(name) = store.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return out;
    };
    for p in [
        store.to_path_buf(),
        audit::journal_path(store),
        audit::attempts_path(store),
        crate::referential::path(store),
    ] {
        if p.exists() {
            out.push(p);
        }
    }
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            let own_temp = n.starts_with(&format!(".{name}.import-"));
            let sqlite_side = [
                "-journal",
                "-wal",
                "-shm",
                ".consultations-journal",
                ".consultations-wal",
                ".consultations-shm",
            ]
            .iter()
            .any(|s| n == format!("{name}{s}"));
            if own_temp || sqlite_side {
                out.push(e.path());
            }
        }
    }
    out
}

pub fn purge(args: PurgeArgs) -> u8 {
    let files = store_files(&args.store);
    if files.is_empty() {
        return fail(
            format!("aucune base à l'emplacement {}", args.store.display()),
            exit::USAGE,
        );
    }
    println!("Fichiers qui seront supprimés définitivement :");
    for f in &files {
        println!("  {}", f.display());
    }
    if !args.yes
        && !confirm(
            "Fin de conservation : la base, son journal des consultations et ses fichiers voisins\n\
             seront supprimés, sans retour possible. Tapez SUPPRIMER pour continuer : ",
            "SUPPRIMER",
        )
    {
        return fail(
            "suppression non confirmée (--yes, ou répondez SUPPRIMER) : rien n'a été supprimé",
            exit::USAGE,
        );
    }
    let mut failed = Vec::new();
    for f in &files {
        if let Err(e) = std::fs::remove_file(f) {
            failed.push(format!("{} ({e})", f.display()));
        }
    }
    if failed.is_empty() {
        println!("Base supprimée : {} fichier(s).", files.len());
        exit::OK
    } else {
        fail(
            format!(
                "suppression incomplète, fichiers restants : {}",
                failed.join(", ")
            ),
            exit::STORE,
        )
    }
}
