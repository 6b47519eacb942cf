//! The consultation journal through the command line: `search`, `dossier`, `export` and
//! `import` write it, a wrong passphrase is noted, `audit` lists and filters it, and
//! `audit --verify` finds an entry changed, removed or inserted and names it.

#[path = "common/store_env.rs"]
mod store_env;

use std::path::Path;
use std::process::Command;
use store_env::StoreEnv as Env;

#[test]
fn consultations_are_journaled_and_listed() {
    let env = Env::new();
    assert!(env.run(&["search", "lefevre"]).status.success());
    assert!(
        env.run(&[
            "dossier",
            "--app",
            "ITAC",
            "--num",
            "0598200008",
            "--medical"
        ])
        .status
        .success()
    );
    let csv = env.p("dossiers.csv");
    assert!(
        env.run(&[
            "export",
            "--table",
            "ITAC_DOSSIER",
            "--format",
            "csv",
            "--out",
            csv.to_str().unwrap()
        ])
        .status
        .success()
    );
    // A wrong passphrase: refused, and noted.
    assert_eq!(
        env.run_with(&["search", "x"], Some("wrong-pass"))
            .status
            .code(),
        Some(5)
    );
    let list = env.stdout(&["audit"]);
    for expected in [
        "Importation d'une livraison — livraison REPRISE_ITAC_059_20081015 : CONFORME",
        "Recherche — « lefevre »",
        "Dossier consulté — MARCHAND (LEFÈVRE) ANDRÉE né(e) le 16/01/1927 — ITAC 0598200008",
        "Données médicales affichées",
        "Export — table ITAC.ITAC_DOSSIER",
        "Échec d'ouverture",
        "agent.accueil@",
    ] {
        assert!(
            list.contains(expected),
            "« {expected} » missing from:\n{list}"
        );
    }
    let by_person = env.stdout(&["audit", "--person", "lefèvre"]);
    assert_eq!(by_person.lines().count(), 3, "{by_person}");
    let future = env.stdout(&["audit", "--from", "01/01/2099"]);
    assert!(future.contains("Aucune entrée"), "{future}");
    let json: serde_json::Value = serde_json::from_str(&env.stdout(&["audit", "--json"])).unwrap();
    assert!(json.as_array().unwrap().len() >= 6);
    let ok = env.run(&["audit", "--verify"]);
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).contains("Journal intact"));
}

fn verify(env: &Env) -> (Option<i32>, String) {
    let out = env.run(&["audit", "--verify"]);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn journal_with_entries(n: usize) -> Env {
    let env = Env::new();
    for i in 0..n {
        assert!(env.run(&["search", &format!("nom{i}")]).status.success());
    }
    assert_eq!(verify(&env).0, Some(0));
    env
}

#[test]
fn a_changed_entry_is_found_and_named() {
    let env = journal_with_entries(4);
    env.raw_journal()
        .execute("UPDATE entries SET detail = 'rien' WHERE seq = 3", [])
        .unwrap();
    let (code, out) = verify(&env);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("l'entrée n° 3 a été modifiée"), "{out}");
}

#[test]
fn a_removed_entry_is_found_and_named() {
    let env = journal_with_entries(4);
    env.raw_journal()
        .execute("DELETE FROM entries WHERE seq = 3", [])
        .unwrap();
    let (code, out) = verify(&env);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("n° 3 à 3 manquants"), "{out}");
}

#[test]
fn an_inserted_entry_is_found_and_named() {
    let env = journal_with_entries(4);
    let c = env.raw_journal();
    // Shift entries 3.. up by one and slip a copy of entry 2 (well formed, same hash chain
    // position) in at 3.
    c.execute("UPDATE entries SET seq = seq + 1000 WHERE seq >= 3", [])
        .unwrap();
    c.execute("UPDATE entries SET seq = seq - 999 WHERE seq >= 1000", [])
        .unwrap();
    c.execute(
        "INSERT INTO entries SELECT 3, at, user, workstation, action, person, dossier, detail, prev, hash FROM entries WHERE seq = 2",
        [],
    )
    .unwrap();
    let (code, out) = verify(&env);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("l'entrée n° 3 a été insérée"), "{out}");
}

fn pdf_text(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (sudo apt-get install poppler-utils)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_printed_dossier_holds_the_person_the_footer_and_medical_only_when_asked() {
    let env = Env::new();
    let plain = env.p("fiche.pdf");
    let out = env.run(&[
        "dossier",
        "--app",
        "ITAC",
        "--num",
        "0598200008",
        "--pdf",
        plain.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = pdf_text(&plain);
    assert!(text.contains("MARCHAND (LEFÈVRE) ANDRÉE"), "{text}");
    assert!(text.contains("Fiche de synthèse") || text.contains("fiche de synthèse"));
    assert!(text.contains("Chronologie"));
    assert!(text.contains("Conclusions de la commission"), "{text}");
    let pages = text.matches("Document confidentiel — édité le").count();
    assert!(pages >= 2, "the footer on every page: {pages}");
    assert!(text.contains("par agent.accueil"), "{text}");
    assert!(text.contains(&format!("page {pages} / {pages}")));
    assert!(
        !text.contains("Type de handicap principal"),
        "medical left out"
    );
    let medical = env.p("fiche-medicale.pdf");
    let out = env.run(&[
        "dossier",
        "--app",
        "ITAC",
        "--num",
        "0598200008",
        "--medical",
        "--pdf",
        medical.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert!(pdf_text(&medical).contains("Type de handicap principal"));
    let list = env.stdout(&["audit"]);
    assert!(list.contains("Impression — MARCHAND"), "{list}");
    assert!(list.contains("avec les données médicales"), "{list}");
}
