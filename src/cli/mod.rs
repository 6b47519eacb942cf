//! The command line: `reprise <subcommand>`. Parses arguments with clap, calls the library, and
//! turns its typed errors into plain French sentences and documented exit codes.

mod audit;
mod bench;
mod common;
mod dossier;
mod retention;
mod sample;
mod search;
mod store_cmds;
mod verify;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Exit codes shared by every subcommand (README, "Codes de sortie").
pub mod exit {
    pub const OK: u8 = 0;
    /// `sample`: nothing written. `verify`, `import`: the delivery is NON CONFORME.
    pub const FAILED: u8 = 1;
    pub const NON_CONFORME: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const DECRYPT: u8 = 3;
    pub const REFUSED: u8 = 4;
    pub const STORE: u8 = 5;
}

#[derive(Parser, Debug)]
#[command(
    name = "reprise",
    version,
    about = "Réception et consultation hors ligne des fichiers de reprise ITAC / OPALES",
    long_about = "Sans sous-commande, ouvre l'application de bureau. Avec une sous-commande, \
                  fonctionne en ligne de commande."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Génère une livraison fictive conforme au format de livraison (tests, démonstration, mesures).
    Sample(sample::SampleArgs),
    /// Contrôle de réception d'une livraison, sans rien écrire (procès-verbal, code de sortie).
    Verify(verify::VerifyArgs),
    /// Réception d'une livraison et chargement dans la base chiffrée (tout ou rien).
    Import(store_cmds::ImportArgs),
    /// Contrôle d'intégrité de la base : chaque page authentifiée, structure, et chaque fichier
    /// livré recréé depuis la base, identique à ce qui a été livré (taille, empreinte SHA-256).
    Check(store_cmds::CheckArgs),
    /// Charge à côté de la base un extrait FINESS public plus récent (format etalab) : les
    /// dossiers montrent le nom actuel des établissements à côté de celui livré.
    Finess(store_cmds::FinessArgs),
    /// Liste des tables de la base : application, nom, lignes, libellé.
    Tables(store_cmds::TablesArgs),
    /// Export d'une table : format de livraison (octet pour octet) ou CSV UTF-8.
    Export(store_cmds::ExportArgs),
    /// Recherche d'une personne (nom, prénom, naissance, numéro de dossier, NIR) dans la base.
    Search(search::SearchArgs),
    /// Le dossier complet d'une personne, codes traduits, chronologie, provenance.
    Dossier(dossier::DossierArgs),
    /// Le journal des consultations de la base : liste (filtres par dates et personne) ou
    /// vérification de sa chaîne d'empreintes.
    Audit(audit::AuditArgs),
    /// Copie toute la base dans un fichier SQLite EN CLAIR (pour le nouveau logiciel de la MDPH),
    /// après confirmation explicite.
    ExportBase(retention::ExportBaseArgs),
    /// Fin de conservation : supprime la base, son journal et ses fichiers voisins, après
    /// confirmation.
    Purge(retention::PurgeArgs),
    /// Mesure la recherche et l'assemblage des dossiers sur une base (requêtes tirées des données).
    BenchSearch(bench::BenchArgs),
}

/// Runs a parsed command line.
pub fn run(command: Command) -> ExitCode {
    let code = match command {
        Command::Sample(args) => sample::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Import(args) => store_cmds::import(args),
        Command::Check(args) => store_cmds::check(args),
        Command::Finess(args) => store_cmds::finess(args),
        Command::Tables(args) => store_cmds::tables(args),
        Command::Export(args) => store_cmds::export(args),
        Command::Search(args) => search::run(args),
        Command::Dossier(args) => dossier::run(args),
        Command::BenchSearch(args) => bench::run(args),
        Command::Audit(args) => audit::run(args),
        Command::ExportBase(args) => retention::export_base(args),
        Command::Purge(args) => retention::purge(args),
    };
    ExitCode::from(code)
}

/// Prints an error for a person, in French, on standard error.
pub(crate) fn fail(message: impl std::fmt::Display, code: u8) -> u8 {
    eprintln!("reprise : {message}");
    code
}

/// Reads a passphrase from a file (first line, without its line end).
pub(crate) fn read_passphrase_file(path: &std::path::Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "impossible de lire le fichier de phrase de passe {} : {e}",
            path.display()
        )
    })?;
    let line = text.lines().next().unwrap_or("").to_string();
    if line.is_empty() {
        return Err(format!(
            "le fichier {} ne contient pas de phrase de passe",
            path.display()
        ));
    }
    Ok(line)
}
