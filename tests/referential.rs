//! A newer public FINESS extract loaded beside the store (spec section 6): the dossier shows
//! today's name of an establishment beside the delivered one; the delivered data does not change;
//! a file that is not a FINESS extract is refused; purge removes it with the store.

#[path = "common/deliveries.rs"]
mod deliveries;

use deliveries::*;
use std::fs;
use std::path::Path;

const STORE_PASS: &str = "phrase-de-passe-du-referentiel";

fn records(dir: &Path, rel: &str) -> Vec<Vec<String>> {
    let data = fs::read(dir.join(rel)).unwrap();
    let t = encoding_rs::WINDOWS_1252.decode(&data).0.into_owned();
    t.split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| l.split(';').map(str::to_string).collect())
        .collect()
}

#[test]
fn a_newer_finess_extract_gives_todays_names_in_the_dossier() {
    let s = Scratch::new();
    let out = s.join("o");
    sample("OPALES", &out, "plain", &[]);
    let dir = out.join(delivery_name("OPALES"));
    // A child oriented to an establishment of the delivered FINESS.
    let finess = records(&dir, "REFERENTIELS/FINESS.TXT");
    let orientations = records(&dir, "DONNEES/OP_ORIENTATION.TXT");
    let decisions = records(&dir, "DONNEES/OP_DECISION.TXT");
    let col = |rows: &[Vec<String>], name: &str| rows[0].iter().position(|c| c == name).unwrap();
    let (o_dec, o_fin) = (
        col(&orientations, "NUM_DECISION"),
        col(&orientations, "FINESS_ACCUEIL"),
    );
    let (d_dec, d_dos) = (
        col(&decisions, "NUM_DECISION"),
        col(&decisions, "NUM_DOSSIER"),
    );
    let known = |n: &str| {
        finess
            .iter()
            .any(|r| r.first().is_some_and(|t| t == "structureet") && r[1] == n)
    };
    let (decision, number) = orientations[1..]
        .iter()
        .find(|r| known(&r[o_fin]))
        .map(|r| (r[o_dec].clone(), r[o_fin].clone()))
        .expect("an orientation to a known establishment");
    let dossier = decisions[1..]
        .iter()
        .find(|r| r[d_dec] == decision)
        .map(|r| r[d_dos].clone())
        .unwrap();
    let store = s.join("base/reprise.db");
    let pass = s.passphrase_file("store-pass", STORE_PASS);
    let (store_s, pass_s) = (store.to_str().unwrap(), pass.to_str().unwrap());
    let o = reprise_on_store(&["import", dir.to_str().unwrap()], store_s, pass_s);
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    // Today's extract: the same layout, that establishment renamed.
    let mut lines: Vec<String> = Vec::new();
    lines.push("finess;etalab;104;2026-06-30".into());
    for r in &finess[1..] {
        let mut r = r.clone();
        if r[0] == "structureet" && r[1] == number {
            r[3] = "NOUVEAU NOM DE L'ÉTABLISSEMENT".into();
        }
        lines.push(r.join(";"));
    }
    let extract = s.join("etalab-cs1100507-stock.csv");
    fs::write(&extract, lines.join("\n") + "\n").unwrap();
    let o = reprise_on_store(&["finess", extract.to_str().unwrap()], store_s, pass_s);
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    assert!(
        output_text(&o).contains("2026-06-30"),
        "{}",
        output_text(&o)
    );
    let o = reprise_on_store(
        &["dossier", "--app", "OPALES", "--num", &dossier, "--json"],
        store_s,
        pass_s,
    );
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("aujourd'hui : NOUVEAU NOM DE L'ÉTABLISSEMENT"),
        "{out}"
    );
    // The delivered data did not change.
    let o = reprise_on_store(&["check"], store_s, pass_s);
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    // Something else than a FINESS extract is refused, and the loaded one stays.
    let o = reprise_on_store(
        &["finess", dir.join("LISEZMOI.TXT").to_str().unwrap()],
        store_s,
        pass_s,
    );
    assert_eq!(o.status.code(), Some(4), "{}", output_text(&o));
    assert!(
        output_text(&o).contains("n'est pas un extrait FINESS"),
        "{}",
        output_text(&o)
    );
    assert!(s.join("base/reprise.db.finess").is_file());
    // The end of retention removes it with the store.
    let o = reprise_clean(&["purge", "--store", store_s, "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    let left: Vec<_> = fs::read_dir(s.join("base")).unwrap().flatten().collect();
    assert!(left.is_empty(), "{left:?}");
}
