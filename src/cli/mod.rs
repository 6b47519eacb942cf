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

use clap::{Arg, ArgAction, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::process::ExitCode;

/// The command line as `reprise` parses it: clap's own flags, headings and help subcommand say
/// things in English, so they are replaced by French ones, in every subcommand.
pub fn command() -> clap::Command {
    fn french(cmd: clap::Command) -> clap::Command {
        cmd.disable_help_flag(true)
            .disable_help_subcommand(true)
            .subcommand_help_heading("Sous-commandes")
            .subcommand_value_name("SOUS-COMMANDE")
            .help_template(
                "{before-help}{about-with-newline}\nUtilisation : {usage}\n\n{all-args}{after-help}",
            )
            .arg(
                Arg::new("help")
                    .short('h')
                    .long("help")
                    .action(ArgAction::Help)
                    .help("Affiche cette aide (--help : en détail)"),
            )
            .mut_args(french_arg)
            .mut_subcommands(french)
    }
    // clap writes an argument's default and possible values in English: they go into its help.
    fn french_arg(arg: Arg) -> Arg {
        let mut text = arg
            .get_long_help()
            .or(arg.get_help())
            .map(|h| h.to_string())
            .unwrap_or_default();
        let values: Vec<String> = arg
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| match v.get_help() {
                Some(h) => format!("{} ({h})", v.get_name()),
                None => v.get_name().to_string(),
            })
            .collect();
        let default: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect();
        if values.is_empty() && default.is_empty() {
            return arg;
        }
        let mut extra = Vec::new();
        if !values.is_empty() && arg.get_action().takes_values() {
            extra.push(format!("valeurs : {}", values.join(", ")));
        }
        if !default.is_empty() && arg.get_action().takes_values() {
            extra.push(format!("par défaut : {}", default.join(", ")));
        }
        if extra.is_empty() {
            return arg;
        }
        if !text.is_empty() {
            text.push_str(" — ");
        }
        text.push_str(&extra.join(" ; "));
        arg.hide_possible_values(true)
            .hide_default_value(true)
            .help(text.clone())
            .long_help(text)
    }
    french(Cli::command()).disable_version_flag(true).arg(
        Arg::new("version")
            .short('V')
            .long("version")
            .action(ArgAction::Version)
            .help("Affiche la version"),
    )
}

/// Parses the arguments of the process. Help and version end it with code 0; a usage error with
/// a French sentence and code 2.
pub fn parse() -> Cli {
    use clap::error::ErrorKind;
    let parsed = command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    match parsed {
        Ok(cli) => cli,
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) =>
        {
            e.exit()
        }
        Err(e) => {
            eprintln!("{}", usage_error(&e));
            std::process::exit(exit::USAGE.into())
        }
    }
}

/// A usage error of clap as a French sentence: what is wrong, and where the help is.
pub fn usage_error(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let ctx = |k| match e.get(k) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join(", "),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let arg = ctx(ContextKind::InvalidArg);
    let what = match e.kind() {
        ErrorKind::InvalidSubcommand => format!(
            "la sous-commande « {} » n'existe pas",
            ctx(ContextKind::InvalidSubcommand)
        ),
        ErrorKind::UnknownArgument => {
            format!("l'option « {arg} » n'existe pas pour cette commande")
        }
        ErrorKind::MissingRequiredArgument => format!("il manque {arg}"),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            let valid = ctx(ContextKind::ValidValue);
            let mut s = format!(
                "la valeur « {} » n'est pas admise pour {arg}",
                ctx(ContextKind::InvalidValue)
            );
            if !valid.is_empty() {
                s.push_str(&format!(" (valeurs possibles : {valid})"));
            }
            s
        }
        ErrorKind::ArgumentConflict => format!(
            "{arg} ne peut pas être donné avec {}",
            ctx(ContextKind::PriorArg)
        ),
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            format!("{arg} n'a pas le bon nombre de valeurs")
        }
        ErrorKind::NoEquals => format!("{arg} attend sa valeur après « = »"),
        ErrorKind::MissingSubcommand => "il faut une sous-commande".to_string(),
        ErrorKind::InvalidUtf8 => "un argument n'est pas du texte UTF-8".to_string(),
        _ => "les arguments ne sont pas compris".to_string(),
    };
    format!("Erreur : {what}.\nL'aide : reprise --help, ou reprise <sous-commande> --help.")
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn error(args: &[&str]) -> String {
        let e = command()
            .try_get_matches_from(args)
            .and_then(|m| Cli::from_arg_matches(&m))
            .unwrap_err();
        usage_error(&e)
    }

    #[test]
    fn usage_errors_are_french_sentences() {
        assert!(
            error(&["reprise", "imprt"]).contains("la sous-commande « imprt » n'existe pas"),
            "{}",
            error(&["reprise", "imprt"])
        );
        let e = error(&["reprise", "verify", "x", "--vite"]);
        assert!(e.contains("l'option « --vite » n'existe pas"), "{e}");
        let e = error(&["reprise", "import", "x"]);
        assert!(e.starts_with("Erreur : il manque --store"), "{e}");
        let e = error(&[
            "reprise", "sample", "--app", "ITAC", "--form", "zip", "--out", "d",
        ]);
        assert!(
            e.contains("la valeur « zip » n'est pas admise pour --form"),
            "{e}"
        );
        assert!(e.contains("valeurs possibles : tar, folder, plain"), "{e}");
        assert!(e.ends_with("reprise <sous-commande> --help."), "{e}");
    }

    #[test]
    fn help_is_french_in_every_subcommand() {
        let mut cmd = command();
        let top = cmd.render_help().to_string();
        assert!(top.contains("Utilisation : "), "{top}");
        assert!(top.contains("Affiche la version"), "{top}");
        for sub in cmd.get_subcommands_mut() {
            let help = sub.render_long_help().to_string();
            assert!(help.contains("Utilisation : "), "{help}");
            assert!(help.contains("Affiche cette aide"), "{help}");
            assert!(!help.contains("Print help"), "{help}");
            assert!(!help.contains("Possible values"), "{help}");
            assert!(!help.contains("[default:"), "{help}");
        }
    }
}
