//! `reprise dossier`: a person's whole dossier, codes turned into words.

use super::store_cmds::{StoreArgs, open_journaled};
use super::{exit, fail};
use crate::dossier::{self, RefStatus};
use crate::profile::Profile;
use clap::Args;

#[derive(Args, Debug)]
pub struct DossierArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Application du dossier.
    #[arg(long)]
    pub app: String,
    /// Numéro du dossier.
    #[arg(long)]
    pub num: String,
    /// Montre aussi les données médicales (secret médical : à ne demander qu'en connaissance de cause).
    #[arg(long)]
    pub medical: bool,
    /// Écrit la fiche de synthèse imprimable (PDF) dans ce fichier, au lieu de l'afficher ; les
    /// données médicales n'y figurent qu'avec --medical.
    #[arg(long)]
    pub pdf: Option<std::path::PathBuf>,
    /// Sortie JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: DossierArgs) -> u8 {
    let (store, journaled) = match open_journaled(&args.store) {
        Ok(s) => s,
        Err(c) => return c,
    };
    let profiles = Profile::embedded();
    let d = match dossier::assemble(&store, &profiles, &args.app, &args.num, args.medical) {
        Ok(Some(d)) => d,
        Ok(None) => {
            let generic = store.deliveries().ok().and_then(|all| {
                all.into_iter().find(|d| {
                    d.active
                        && d.application.eq_ignore_ascii_case(&args.app)
                        && crate::search::generic::is_generic(&profiles, d)
                })
            });
            return fail(
                match generic {
                    Some(d) => format!(
                        "la livraison {} ({} version {}) n'a pas de profil : pas de dossier assemblé (mode générique) ; ses tables se consultent avec reprise tables, reprise search et reprise export",
                        d.name, d.application, d.version
                    ),
                    None => format!(
                        "aucun dossier {} numéro {} dans la base",
                        args.app.to_uppercase(),
                        args.num
                    ),
                },
                exit::USAGE,
            );
        }
        Err(e) => return fail(&e, e.exit_code()),
    };
    let seen = format!("{} {}", d.application, d.number);
    if let Err(c) = journaled.record(crate::audit::Action::Dossier, &d.summary, &seen, "") {
        return c;
    }
    if args.medical
        && let Err(c) = journaled.record(
            crate::audit::Action::Medical,
            &d.summary,
            &seen,
            "ligne de commande, --medical",
        )
    {
        return c;
    }
    if let Some(path) = &args.pdf {
        return print_pdf(&store, &journaled, &d, path);
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&d).expect("serializable")
        );
        return exit::OK;
    }
    let show = |f: &dossier::Field| -> String {
        let v = f.value.trim_end();
        match (&f.meaning, &f.status) {
            (Some(m), _) => format!("{m} [{v}]"),
            (None, Some(RefStatus::UnknownCode)) => format!("{v} (code inconnu)"),
            (None, Some(RefStatus::Orphan)) => format!("{v} (référence à une ligne absente)"),
            _ => v.to_string(),
        }
    };
    println!(
        "Dossier {} {} — livraison {}",
        d.application, args.num, d.delivery
    );
    for f in d.person.fields.iter().filter(|f| !f.value.is_empty()) {
        println!(
            "  {:<38} {}",
            if f.label.is_empty() {
                &f.column
            } else {
                &f.label
            },
            show(f)
        );
    }
    println!("\nChronologie");
    for e in &d.timeline {
        println!("  {}  {:<28} {}", e.date, e.label, e.detail);
    }
    for s in &d.sections {
        println!("\n{} ({} ligne(s))", s.label, s.rows.len());
        for r in &s.rows {
            let parts: Vec<String> = r
                .fields
                .iter()
                .filter(|f| !f.value.trim().is_empty())
                .map(|f| format!("{} : {}", f.column, show(f)))
                .collect();
            println!("  [{} ligne {}] {}", r.table, r.record, parts.join(" · "));
        }
    }
    if d.medical_hidden {
        println!("\nDonnées médicales non affichées (--medical pour les voir).");
    }
    exit::OK
}

/// Writes the fiche de synthèse (whole file or nothing) and journals it.
fn print_pdf(
    store: &crate::store::Store,
    journaled: &super::store_cmds::Journaled,
    d: &dossier::Dossier,
    path: &std::path::Path,
) -> u8 {
    if let Err(e) = crate::report::pdf::save_dossier(
        store,
        d,
        crate::report::pdf::DossierFile::Pdf,
        &journaled.journal,
        &journaled.actor,
        path,
    ) {
        return fail(e, exit::STORE);
    }
    println!("Fiche de synthèse écrite : {}", path.display());
    exit::OK
}
