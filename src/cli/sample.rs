//! `reprise sample`: generates a delivery that follows the delivery format.

use super::{exit, fail, read_passphrase_file};
use crate::sample::{App, Encryption, Form, SampleError, SampleOptions};
use age::secrecy::SecretString;
use chrono::NaiveDate;
use clap::Args;
use std::path::PathBuf;
use std::str::FromStr;

#[derive(Args, Debug)]
pub struct SampleArgs {
    /// Application extraite.
    #[arg(long, value_enum)]
    app: App,
    /// Département, sur 3 caractères (059, 02A, 974).
    #[arg(long, default_value = "059")]
    dep: String,
    /// Date d'extraction, AAAAMMJJ.
    #[arg(long, default_value = "20081015")]
    date: String,
    /// Nombre de personnes (dossiers actifs ; les archives s'y ajoutent).
    #[arg(long, default_value_t = 2000)]
    persons: u32,
    /// Graine : les mêmes options donnent les mêmes fichiers, octet pour octet.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Dossier où écrire la livraison et son defects.json.
    #[arg(long)]
    out: PathBuf,
    /// Forme physique de la livraison.
    #[arg(long, value_enum, default_value = "tar")]
    form: Form,
    /// Compresse l'archive tar avec gzip (forme tar seulement).
    #[arg(long)]
    gzip: bool,
    /// Chiffrement age en ASCII (armored).
    #[arg(long)]
    armor: bool,
    /// Fichier contenant la phrase de passe (sinon la variable REPRISE_PASSPHRASE).
    #[arg(long, conflicts_with = "recipient")]
    passphrase_file: Option<PathBuf>,
    /// Destinataire age X25519 (age1...) ; peut être répété.
    #[arg(long)]
    recipient: Vec<String>,
    /// Facteur de travail scrypt (log2, 1 à 30) ; par défaut celui de age.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=30))]
    work_factor: Option<u8>,
}

fn encryption(args: &SampleArgs) -> Result<Option<Encryption>, String> {
    if !args.recipient.is_empty() {
        let list = args
            .recipient
            .iter()
            .map(|r| {
                age::x25519::Recipient::from_str(r.trim())
                    .map_err(|_| format!("« {r} » n'est pas un destinataire age (age1...)"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Some(Encryption::Recipients(list)));
    }
    if let Some(f) = &args.passphrase_file {
        return Ok(Some(Encryption::Passphrase(SecretString::from(
            read_passphrase_file(f)?,
        ))));
    }
    if let Ok(p) = std::env::var("REPRISE_PASSPHRASE")
        && !p.is_empty()
    {
        return Ok(Some(Encryption::Passphrase(SecretString::from(p))));
    }
    Ok(None)
}

pub fn run(args: SampleArgs) -> u8 {
    let Ok(extraction) = NaiveDate::parse_from_str(&args.date, "%Y%m%d") else {
        return fail(
            format!("la date « {} » n'est pas de la forme AAAAMMJJ", args.date),
            exit::USAGE,
        );
    };
    let encryption = match encryption(&args) {
        Ok(e) => e,
        Err(m) => return fail(m, exit::USAGE),
    };
    let opts = SampleOptions {
        app: args.app,
        dep: args.dep.to_uppercase(),
        extraction,
        persons: args.persons,
        seed: args.seed,
        out: args.out,
        form: args.form,
        gzip: args.gzip,
        armor: args.armor,
        encryption,
        work_factor: args.work_factor,
    };
    let quiet = !std::io::IsTerminal::is_terminal(&std::io::stderr());
    let started = std::time::Instant::now();
    let mut progress = |m: &str| {
        if !quiet {
            eprintln!("  {m}");
        }
    };
    match crate::sample::generate(&opts, &mut progress) {
        Ok(summary) => {
            let rows: u64 = summary.files.iter().map(|f| f.records).sum();
            let bytes: u64 = summary.files.iter().map(|f| f.bytes).sum();
            println!(
                "Livraison écrite : {}\n  {} fichiers, {rows} lignes, {bytes} octets en clair, {} anomalies injectées (liste : {})\n  durée : {:.1} s",
                summary.delivery.display(),
                summary.files.len(),
                summary.defects,
                summary.defects_file.display(),
                started.elapsed().as_secs_f64()
            );
            exit::OK
        }
        Err(e @ (SampleError::Io { .. } | SampleError::Encrypt(_))) => fail(e, exit::FAILED),
        Err(e) => fail(e, exit::USAGE),
    }
}
