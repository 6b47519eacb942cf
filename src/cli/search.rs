//! `reprise search`: finds a person in the store and says why each hit matched.

use super::store_cmds::{StoreArgs, open_journaled};
use super::{exit, fail};
use crate::search::{generic, query};
use clap::Args;

#[derive(Args, Debug)]
pub struct SearchArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Ce que l'on cherche : nom(s), prénom, date ou année de naissance, numéro de dossier, NIR.
    pub query: String,
    /// Sortie JSON.
    #[arg(long)]
    pub json: bool,
    /// Nombre de résultats au plus.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
}

pub fn run(args: SearchArgs) -> u8 {
    let (store, journaled) = match open_journaled(&args.store) {
        Ok(s) => s,
        Err(c) => return c,
    };
    let found = query::search(&store, &args.query, args.limit)
        .and_then(|hits| Ok((hits, generic::search(&store, &args.query, args.limit)?)));
    let (hits, rows) = match found {
        Ok(h) => h,
        Err(e) => return fail(&e, e.exit_code()),
    };
    if let Err(c) = journaled.record(
        crate::audit::Action::Search,
        "",
        "",
        &format!(
            "« {} » : {} résultat(s){}",
            args.query,
            hits.len(),
            if rows.is_empty() {
                String::new()
            } else {
                format!(", {} ligne(s) en mode générique", rows.len())
            }
        ),
    ) {
        return c;
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "persons": hits, "rows": rows }))
                .expect("serializable")
        );
        return exit::OK;
    }
    if hits.is_empty() && rows.is_empty() {
        println!("Aucune personne ne correspond à « {} ».", args.query);
    }
    for h in &hits {
        let other = if h.other_surnames.is_empty() {
            String::new()
        } else {
            format!(" ({})", h.other_surnames)
        };
        println!(
            "{} {}{} — né(e) le {} — {} dossier {}{}",
            h.surname,
            h.first_names,
            other,
            h.birth.as_deref().unwrap_or("?"),
            h.application,
            h.dossier,
            if h.archived { " (archivé)" } else { "" }
        );
        if let Some(n) = &h.nir {
            let key = match h.nir_key_ok {
                Some(true) => "clé correcte",
                Some(false) => "CLÉ FAUSSE",
                None => "sans clé",
            };
            println!("    NIR {n} ({key})");
        }
        println!("    trouvé par : {}", h.why.join(", "));
        for l in &h.linked {
            println!(
                "    même personne probable : {} dossier {} — {} (confiance {} %)",
                l.application, l.dossier, l.evidence, l.confidence
            );
        }
    }
    if !rows.is_empty() {
        println!(
            "Lignes trouvées dans les livraisons sans profil (mode générique : ni personne ni dossier assemblé) :"
        );
        for r in &rows {
            println!("{} ligne {} — {}", r.table, r.record, r.label);
            for (c, v) in &r.values {
                println!("    {c} : {v}");
            }
        }
    }
    exit::OK
}
