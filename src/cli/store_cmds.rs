//! `reprise import`, `reprise tables`, `reprise export`: the commands that write or read a store.

use super::common::{
    DeliveryArgs, clear_progress, finish_report, open_delivery, progress_printer, secret_from,
};
use super::{exit, fail};
use crate::audit::{self, Journal};
use crate::export::{self, ExportFormat};
use crate::reception::ReceiveOptions;
use crate::store::{self, ImportOptions, Store, StoreError};
use age::secrecy::{ExposeSecret, SecretString};
use clap::Args;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

#[derive(Args, Debug)]
pub struct StoreArgs {
    /// La base Reprise (fichier chiffré).
    #[arg(long)]
    pub store: PathBuf,
    /// Fichier contenant la phrase de passe de la base (sinon REPRISE_STORE_PASSPHRASE, sinon
    /// saisie masquée au terminal).
    #[arg(long)]
    pub store_passphrase_file: Option<PathBuf>,
}

fn store_secret(args: &StoreArgs, creating: bool) -> Result<SecretString, u8> {
    let s = secret_from(
        args.store_passphrase_file.as_ref(),
        "REPRISE_STORE_PASSPHRASE",
        if creating {
            "Phrase de passe de la nouvelle base : "
        } else {
            "Phrase de passe de la base : "
        },
    )?
    .ok_or_else(|| fail(StoreError::PassphraseNeeded, exit::USAGE))?;
    let interactive = args.store_passphrase_file.is_none()
        && std::env::var("REPRISE_STORE_PASSPHRASE").map_or(true, |v| v.is_empty());
    if creating && interactive {
        let again = rpassword::prompt_password("Confirmez la phrase de passe : ")
            .map_err(|e| fail(format!("saisie impossible : {e}"), exit::USAGE))?;
        if again != s.expose_secret() {
            return Err(fail(
                "les deux phrases de passe diffèrent : rien n'a été écrit",
                exit::USAGE,
            ));
        }
    }
    Ok(s)
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    #[command(flatten)]
    pub delivery: DeliveryArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Confirme le remplacement d'une livraison déjà présente de la même application.
    #[arg(long)]
    pub yes: bool,
}

pub fn import(args: ImportArgs) -> u8 {
    let opened = match open_delivery(&args.delivery) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let pass = match store_secret(&args.store, !args.store.store.exists()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let cancel = AtomicBool::new(false);
    let mut replace = args.yes;
    loop {
        let mut progress = progress_printer();
        let result = store::import(
            &opened.delivery,
            ImportOptions {
                store: &args.store.store,
                store_passphrase: &pass,
                replace,
                receive: ReceiveOptions {
                    secret: opened.secret.as_ref(),
                    received_on: opened.received_on,
                    profiles: &opened.profiles,
                    cancel: &cancel,
                    progress: &mut progress,
                },
            },
        );
        clear_progress();
        match result {
            Ok(outcome) => {
                let journaled = audit::record_import(&args.store.store, &pass, &outcome);
                if let Err(e) = journaled {
                    eprintln!(
                        "reprise : l'importation n'a pas pu être inscrite au journal des consultations ({e})"
                    );
                }
                let code = finish_report(&outcome.report, &args.delivery);
                if !args.delivery.json {
                    println!(
                        "  Base {} : {} ({} octets){}",
                        if outcome.created {
                            "créée"
                        } else {
                            "mise à jour"
                        },
                        args.store.store.display(),
                        crate::report::fr_int(outcome.store_bytes),
                        outcome
                            .replaced
                            .map(|r| format!(" ; livraison remplacée : {r}"))
                            .unwrap_or_default()
                    );
                }
                return code;
            }
            Err(store::ImportError::Store(StoreError::NeedsConfirmation {
                application,
                previous,
            })) if !replace && std::io::stdin().is_terminal() => {
                eprint!(
                    "La base contient déjà la livraison {application} {previous}.\nLa remplacer entièrement par {} ? [o/N] ",
                    opened.delivery.name
                );
                let _ = std::io::stderr().flush();
                let mut answer = String::new();
                let _ = std::io::stdin().read_line(&mut answer);
                if !matches!(answer.trim(), "o" | "O" | "oui" | "Oui" | "OUI") {
                    return fail("import abandonné : la base n'a pas changé", exit::USAGE);
                }
                replace = true;
            }
            Err(e) => return fail(&e, e.exit_code()),
        }
    }
}

#[derive(Args, Debug)]
pub struct TablesArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Sortie JSON.
    #[arg(long)]
    pub json: bool,
}

/// Opens a store for consultation, with its passphrase from the usual places.
pub fn open_store(args: &StoreArgs) -> Result<Store, u8> {
    open_store_with(args).map(|(s, _)| s)
}

pub fn open_store_with(args: &StoreArgs) -> Result<(Store, SecretString), u8> {
    let pass = store_secret(args, false)?;
    match Store::open(&args.store, &pass) {
        Ok(s) => Ok((s, pass)),
        Err(e) => {
            if matches!(e, StoreError::WrongPassphrase(_)) {
                audit::note_failed_unlock(&args.store, &audit::Actor::current());
            }
            Err(fail(&e, e.exit_code()))
        }
    }
}

/// Opens a store for consultation with its journal: every consultation is written there first.
pub fn open_journaled(args: &StoreArgs) -> Result<(Store, Journaled), u8> {
    let (store, pass) = open_store_with(args)?;
    let journal = Journal::open(&args.store, &pass).map_err(|e| {
        fail(
            format!("journal des consultations inaccessible ({e}) : rien n'a été consulté"),
            exit::STORE,
        )
    })?;
    Ok((
        store,
        Journaled {
            journal,
            actor: audit::Actor::current(),
        },
    ))
}

/// The journal of a command and who runs it.
pub struct Journaled {
    pub journal: Journal,
    pub actor: audit::Actor,
}

impl Journaled {
    /// Writes an entry; a consultation that cannot be journaled does not take place.
    pub fn record(
        &self,
        action: audit::Action,
        person: &str,
        dossier: &str,
        detail: &str,
    ) -> Result<(), u8> {
        self.journal
            .record(&self.actor, action, person, dossier, detail)
            .map(|_| ())
            .map_err(|e| {
                fail(
                    format!("écriture impossible dans le journal des consultations ({e}) : rien n'est affiché"),
                    exit::STORE,
                )
            })
    }
}

pub fn tables(args: TablesArgs) -> u8 {
    let store = match open_store(&args.store) {
        Ok(s) => s,
        Err(c) => return c,
    };
    let tables = match store.tables() {
        Ok(t) => t,
        Err(e) => return fail(&e, e.exit_code()),
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&tables).expect("serializable")
        );
    } else {
        for t in &tables {
            println!(
                "{:<7} {:<24} {:>12}  {}",
                t.application,
                t.name,
                crate::report::fr_int(t.rows.max(0) as u64),
                t.label
            );
        }
    }
    exit::OK
}

#[derive(Args, Debug)]
pub struct FinessArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// L'extrait FINESS public, au format etalab (première ligne « finess;etalab;… »).
    pub file: PathBuf,
    /// Sortie JSON.
    #[arg(long)]
    pub json: bool,
}

/// `reprise finess`: loads a newer FINESS extract beside the store (today's names of the
/// establishments, shown beside the delivered ones).
pub fn finess(args: FinessArgs) -> u8 {
    let pass = match store_secret(&args.store, false) {
        Ok(p) => p,
        Err(c) => return c,
    };
    let extract = match crate::referential::load_finess(&args.store.store, &pass, &args.file) {
        Ok(e) => e,
        Err(e) => {
            if matches!(
                e,
                crate::referential::ReferentialError::Store(StoreError::WrongPassphrase(_))
            ) {
                audit::note_failed_unlock(&args.store.store, &audit::Actor::current());
            }
            return fail(&e, e.exit_code());
        }
    };
    let journaled = Journal::open(&args.store.store, &pass).and_then(|j| {
        j.record(
            &audit::Actor::current(),
            audit::Action::Import,
            "",
            "",
            &format!(
                "extrait FINESS du {} (version {}) chargé : {} établissements, SHA-256 {}",
                extract.date, extract.version, extract.structures, extract.sha256
            ),
        )
    });
    if let Err(e) = journaled {
        eprintln!(
            "reprise : le chargement n'a pas pu être inscrit au journal des consultations ({e})"
        );
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&extract).expect("serializable")
        );
    } else {
        println!(
            "Extrait FINESS du {} (version {}) chargé à côté de la base : {} établissements{}.",
            extract.date,
            extract.version,
            crate::report::fr_int(extract.structures),
            if extract.skipped > 0 {
                format!(
                    " ; {} enregistrements ignorés (ni structureet ni geolocalisation, ou mauvais nombre de champs)",
                    crate::report::fr_int(extract.skipped)
                )
            } else {
                String::new()
            }
        );
        println!(
            "  Les dossiers montrent désormais le nom actuel d'un établissement à côté de celui livré."
        );
    }
    exit::OK
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Sortie JSON.
    #[arg(long)]
    pub json: bool,
}

/// `reprise check`: the fixity check. Exit 0 when the store is intact, 1 when it is not.
pub fn check(args: CheckArgs) -> u8 {
    let (store, journaled) = match open_journaled(&args.store) {
        Ok(s) => s,
        Err(c) => return c,
    };
    let cancel = AtomicBool::new(false);
    let tty = std::io::stderr().is_terminal() && !args.json;
    let result = crate::fixity::check(&store, &cancel, &mut |p| {
        if tty {
            eprint!("\r\x1b[2K  {}/{} {}", p.done + 1, p.total, p.file);
        }
    });
    if tty {
        eprint!("\r\x1b[2K");
    }
    let fixity = match result {
        Ok(f) => f,
        Err(e) => return fail(&e, e.exit_code()),
    };
    let altered = fixity.files.iter().filter(|f| !f.ok).count();
    if let Err(c) = journaled.record(
        audit::Action::Fixity,
        "",
        "",
        &if fixity.ok {
            format!(
                "base intacte ({} fichiers recréés à l'identique)",
                fixity.files.len()
            )
        } else {
            format!("base ALTÉRÉE ({altered} fichiers différents)")
        },
    ) {
        return c;
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&fixity).expect("serializable")
        );
    } else {
        println!(
            "Contrôle d'intégrité de {} : {}",
            args.store.store.display(),
            if fixity.ok { "INTACTE" } else { "ALTÉRÉE" }
        );
        println!(
            "  Pages chiffrées : {}",
            if fixity.pages.is_empty() {
                "toutes authentifiées".to_string()
            } else {
                format!("{} en défaut", fixity.pages.len())
            }
        );
        let lines: Vec<&str> = fixity
            .pages
            .iter()
            .chain(&fixity.structure)
            .flat_map(|p| p.lines())
            .collect();
        for l in lines.iter().take(8) {
            println!("    {l}");
        }
        if lines.len() > 8 {
            println!(
                "    … et {} autres lignes (--json pour tout voir)",
                lines.len() - 8
            );
        }
        println!(
            "  Structure : {}",
            if fixity.structure.is_empty() {
                "saine"
            } else {
                "en défaut"
            }
        );
        let not_kept = fixity.files.iter().filter(|f| !f.kept).count();
        println!(
            "  Fichiers livrés recréés depuis la base : {} sur {} identiques à ce qui a été livré (taille et SHA-256 relevés à la réception)",
            fixity.files.len() - altered - not_kept,
            fixity.files.len() - not_kept
        );
        for f in fixity.files.iter().filter(|f| !f.kept) {
            println!(
                "    {} {} : contrôlé à la réception, non conservé dans la base (sans table)",
                f.delivery, f.path
            );
        }
        for f in fixity.files.iter().filter(|f| !f.ok) {
            if let Some(e) = &f.error {
                println!("    {} {} : illisible ({e})", f.delivery, f.path);
                continue;
            }
            println!(
                "    {} {} : {} octets au lieu de {}, SHA-256 {} au lieu de {}",
                f.delivery,
                f.path,
                crate::report::fr_int(f.bytes),
                crate::report::fr_int(f.bytes_expected),
                f.sha256,
                f.sha256_expected
            );
        }
    }
    if !fixity.ok && !args.json {
        println!(
            "La base ne redonne plus exactement ce qui a été livré : remettez en place sa dernière \
             sauvegarde, ou importez à nouveau les livraisons dans une nouvelle base."
        );
    }
    if fixity.ok { exit::OK } else { exit::FAILED }
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// La table à exporter (nom, ou APPLICATION.NOM).
    #[arg(long)]
    pub table: String,
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Fichier à écrire.
    #[arg(long)]
    pub out: PathBuf,
}

pub fn export(args: ExportArgs) -> u8 {
    let (store, journaled) = match open_journaled(&args.store) {
        Ok(s) => s,
        Err(c) => return c,
    };
    let table = match store.table(&args.table) {
        Ok(t) => t,
        Err(e) => return fail(&e, e.exit_code()),
    };
    let tmp = args.out.with_extension("part");
    let result = (|| -> Result<u64, String> {
        let file = std::fs::File::create(&tmp).map_err(|e| e.to_string())?;
        let mut w = BufWriter::new(file);
        let n = match args.format {
            ExportFormat::Delivery => export::export_delivery(&store, &table, &mut w),
            ExportFormat::Csv => export::export_csv(&store, &table, &mut w),
        }
        .map_err(|e| e.to_string())?;
        w.flush().map_err(|e| e.to_string())?;
        std::fs::rename(&tmp, &args.out).map_err(|e| e.to_string())?;
        Ok(n)
    })();
    match result {
        Ok(n) => {
            if let Err(c) = journaled.record(
                audit::Action::Export,
                "",
                "",
                &format!(
                    "table {}.{} vers {} ({})",
                    table.application,
                    table.name,
                    args.out.display(),
                    match args.format {
                        ExportFormat::Delivery => "format de livraison",
                        ExportFormat::Csv => "CSV",
                    }
                ),
            ) {
                let _ = std::fs::remove_file(&args.out);
                return c;
            }
            println!(
                "{} écrit : {} ({})",
                table.name,
                args.out.display(),
                match args.format {
                    ExportFormat::Delivery =>
                        format!("{} octets, format de livraison", crate::report::fr_int(n)),
                    ExportFormat::Csv => format!("{} lignes, CSV UTF-8", crate::report::fr_int(n)),
                }
            );
            exit::OK
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            fail(
                format!("export impossible vers {} : {e}", args.out.display()),
                exit::STORE,
            )
        }
    }
}
