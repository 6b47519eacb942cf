//! What the subcommands that read a delivery share: the secret (passphrase file, environment,
//! hidden prompt, identity file), the reception date, profiles, the progress line and the report.

use super::{exit, fail, read_passphrase_file};
use crate::delivery::{Delivery, Form, Secret};
use crate::profile::Profile;
use crate::reception::Progress;
use crate::reception::report::ReceptionReport;
use crate::report::{self, ReportFormat};
use age::secrecy::SecretString;
use chrono::NaiveDate;
use clap::Args;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct DeliveryArgs {
    /// La livraison : fichier .tar.age, dossier de fichiers .age, ou dossier en clair.
    pub delivery: PathBuf,
    /// Fichier contenant la phrase de passe de la livraison (sinon REPRISE_PASSPHRASE, sinon
    /// saisie masquée au terminal).
    #[arg(long, conflicts_with = "identity")]
    pub passphrase_file: Option<PathBuf>,
    /// Fichier d'identité age (X25519) de la MDPH.
    #[arg(long)]
    pub identity: Option<PathBuf>,
    /// Date de réception (JJ/MM/AAAA) ; par défaut aujourd'hui.
    #[arg(long, value_parser = parse_fr_date)]
    pub received_on: Option<NaiveDate>,
    /// Écrit le procès-verbal : .json ou .pdf selon l'extension.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Affiche le procès-verbal en JSON au lieu du résumé.
    #[arg(long)]
    pub json: bool,
    /// Profil d'application supplémentaire (fichier TOML), prioritaire sur les profils intégrés.
    #[arg(long)]
    pub profile: Vec<PathBuf>,
}

pub use crate::calendar::parse_fr_date;

pub struct Opened {
    pub delivery: Delivery,
    pub secret: Option<Secret>,
    pub received_on: NaiveDate,
    pub profiles: Vec<Profile>,
}

/// Reads a secret from a file, the environment, or a hidden prompt on a terminal.
pub fn secret_from(
    file: Option<&PathBuf>,
    env: &str,
    prompt: &str,
) -> Result<Option<SecretString>, u8> {
    if let Some(f) = file {
        return read_passphrase_file(f)
            .map(|p| Some(SecretString::from(p)))
            .map_err(|m| fail(m, exit::USAGE));
    }
    if let Ok(p) = std::env::var(env)
        && !p.is_empty()
    {
        return Ok(Some(SecretString::from(p)));
    }
    if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        return rpassword::prompt_password(prompt)
            .map(|p| Some(SecretString::from(p)))
            .map_err(|e| {
                fail(
                    format!("saisie de la phrase de passe impossible : {e}"),
                    exit::USAGE,
                )
            });
    }
    Ok(None)
}

pub fn open_delivery(args: &DeliveryArgs) -> Result<Opened, u8> {
    let delivery = Delivery::open(&args.delivery).map_err(|e| fail(&e, e.exit_code()))?;
    let mut profiles = Vec::new();
    for p in &args.profile {
        let text = std::fs::read_to_string(p).map_err(|e| {
            fail(
                format!("profil {} illisible : {e}", p.display()),
                exit::USAGE,
            )
        })?;
        profiles.push(
            Profile::parse(&p.display().to_string(), &text).map_err(|e| fail(e, exit::USAGE))?,
        );
    }
    profiles.extend(Profile::embedded());
    let secret = if let Some(id) = &args.identity {
        Some(Secret::IdentityFile(id.clone()))
    } else if delivery.form == Form::PlainFolder {
        None
    } else {
        secret_from(
            args.passphrase_file.as_ref(),
            "REPRISE_PASSPHRASE",
            "Phrase de passe de la livraison : ",
        )?
        .map(Secret::Passphrase)
    };
    Ok(Opened {
        delivery,
        secret,
        received_on: args
            .received_on
            .unwrap_or_else(|| chrono::Local::now().date_naive()),
        profiles,
    })
}

/// A progress line on a terminal, nothing otherwise.
pub fn progress_printer() -> impl FnMut(&Progress) {
    let tty = std::io::stderr().is_terminal();
    let mut last = std::time::Instant::now();
    move |p: &Progress| {
        if !tty || last.elapsed().as_millis() < 100 {
            return;
        }
        last = std::time::Instant::now();
        let mut err = std::io::stderr();
        let _ = write!(
            err,
            "\r\x1b[2K  [{}/{}] {} — {} lignes",
            p.files_done,
            p.files_expected.max(p.files_done),
            p.file,
            report::fr_int(p.records)
        );
        let _ = err.flush();
    }
}

pub fn clear_progress() {
    if std::io::stderr().is_terminal() {
        let _ = write!(std::io::stderr(), "\r\x1b[2K");
    }
}

/// Prints and writes the report; returns the exit code of the verdict.
pub fn finish_report(report: &ReceptionReport, args: &DeliveryArgs) -> u8 {
    if args.json {
        print!("{}", report::to_json(report));
    } else {
        print!("{}", report::to_text(report));
    }
    if let Some(out) = &args.report {
        let written = match ReportFormat::of(out) {
            Some(ReportFormat::Json) => {
                std::fs::write(out, report::to_json(report)).map_err(|e| e.to_string())
            }
            Some(ReportFormat::Pdf) => report::pdf::render(report)
                .map_err(|e| e.to_string())
                .and_then(|b| std::fs::write(out, b).map_err(|e| e.to_string())),
            None => Err("le procès-verbal doit se terminer par .json ou .pdf".to_string()),
        };
        match written {
            Ok(()) => {
                if !args.json {
                    println!("  Procès-verbal écrit : {}", out.display());
                }
            }
            Err(e) => {
                return fail(
                    format!("procès-verbal non écrit ({}) : {e}", out.display()),
                    exit::USAGE,
                );
            }
        }
    }
    if report.conforme() {
        exit::OK
    } else {
        exit::NON_CONFORME
    }
}
