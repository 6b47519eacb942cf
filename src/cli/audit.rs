//! `reprise audit`: lists the consultation journal of a store (filters by dates and person),
//! or verifies its chain of hashes and says which entry was changed, inserted or removed.

use super::common::parse_fr_date;
use super::store_cmds::{StoreArgs, open_store_with};
use super::{exit, fail};
use crate::audit::{Filter, Journal};
use chrono::NaiveDate;
use clap::Args;

#[derive(Args, Debug)]
pub struct AuditArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Vérifie la chaîne d'empreintes du journal (code 1 si elle est rompue).
    #[arg(long)]
    pub verify: bool,
    /// Sortie JSON.
    #[arg(long)]
    pub json: bool,
    /// À partir de ce jour (JJ/MM/AAAA).
    #[arg(long, value_parser = parse_fr_date)]
    pub from: Option<NaiveDate>,
    /// Jusqu'à ce jour inclus (JJ/MM/AAAA).
    #[arg(long, value_parser = parse_fr_date)]
    pub to: Option<NaiveDate>,
    /// Les entrées qui concernent cette personne (nom, numéro de dossier ; accents ignorés).
    #[arg(long)]
    pub person: Option<String>,
}

pub fn run(args: AuditArgs) -> u8 {
    let (_store, pass) = match open_store_with(&args.store) {
        Ok(s) => s,
        Err(c) => return c,
    };
    let journal = match Journal::open(&args.store.store, &pass) {
        Ok(j) => j,
        Err(e) => {
            return fail(
                format!("journal des consultations illisible : {e}"),
                exit::STORE,
            );
        }
    };
    if args.verify {
        let problems = match journal.verify() {
            Ok(p) => p,
            Err(e) => return fail(&e, e.exit_code()),
        };
        let count = journal.entries(&Filter::default()).map_or(0, |e| e.len());
        if args.json {
            println!(
                "{}",
                serde_json::json!({ "entries": count, "intact": problems.is_empty(), "problems": problems })
            );
        } else if problems.is_empty() {
            println!(
                "Journal intact : {} entrées, chaîne d'empreintes vérifiée ({}).",
                crate::report::fr_int(count as u64),
                journal.path().display()
            );
        } else {
            println!("JOURNAL ALTÉRÉ ({} problème(s)) :", problems.len());
            for p in &problems {
                println!("  - {}", p.message);
            }
        }
        return if problems.is_empty() {
            exit::OK
        } else {
            exit::FAILED
        };
    }
    let filter = Filter {
        from: args.from,
        to: args.to,
        person: args.person.clone(),
    };
    let entries = match journal.entries(&filter) {
        Ok(e) => e,
        Err(e) => return fail(&e, e.exit_code()),
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&entries).expect("serializable")
        );
        return exit::OK;
    }
    if entries.is_empty() {
        println!("Aucune entrée.");
    }
    for e in &entries {
        let mut what = vec![e.action_label()];
        for part in [&e.person, &e.dossier, &e.detail] {
            if !part.is_empty() {
                what.push(part.clone());
            }
        }
        println!(
            "{:>6}  {}  {}@{}  {}",
            e.seq,
            e.at,
            e.user,
            e.workstation,
            what.join(" — ")
        );
    }
    exit::OK
}
