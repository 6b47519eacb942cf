//! Generic mode (issue 4): a delivery of an application version that no profile describes, with a
//! table that no list names, is imported, said to be read in generic mode, browsed, and searched
//! in every text column; no person and no dossier are made up for it.

#[path = "common/deliveries.rs"]
mod deliveries;

use deliveries::*;
use std::fs;
use std::path::Path;

const STORE_PASS: &str = "phrase-de-passe-du-mode-generique";

/// The first surname of ITAC_DOSSIER.TXT.
fn first_surname(dir: &Path) -> String {
    let data = fs::read(dir.join("DONNEES/ITAC_DOSSIER.TXT")).unwrap();
    let text = encoding_rs::WINDOWS_1252.decode(&data).0.into_owned();
    text.lines()
        .nth(1)
        .unwrap()
        .split(';')
        .nth(1)
        .unwrap()
        .to_string()
}

#[test]
fn an_unknown_version_with_an_unknown_table_is_read_in_generic_mode() {
    let s = Scratch::new();
    let dir = plain(&s, "p");
    edit_text(&dir, "LISEZMOI.TXT", |t| {
        *t = t.replace("VERSION=1\r\n", "VERSION=9\r\n");
    });
    add_extra_table(&dir);
    recompute_controle(&dir);
    let store = s.join("base/reprise.db");
    let pass = s.passphrase_file("store-pass", STORE_PASS);
    let (store_s, pass_s) = (store.to_str().unwrap(), pass.to_str().unwrap());
    let out = reprise_on_store(&["import", dir.to_str().unwrap()], store_s, pass_s);
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    assert!(
        output_text(&out).contains("mode générique"),
        "{}",
        output_text(&out)
    );
    // Browsed like any other delivery, the unknown table included.
    let tables = reprise_on_store(&["tables"], store_s, pass_s);
    assert!(String::from_utf8_lossy(&tables.stdout).contains("T_EXTRA"));
    // A surname finds its row in every text column, not a person.
    let surname = first_surname(&dir);
    let search = |q: &str| -> serde_json::Value {
        let o = reprise_on_store(&["search", q, "--json"], store_s, pass_s);
        assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let found = search(&surname);
    assert_eq!(found["persons"].as_array().unwrap().len(), 0, "{found:#}");
    let rows = found["rows"].as_array().unwrap();
    assert!(
        rows.iter()
            .any(|r| r["table"] == "ITAC.ITAC_DOSSIER" && r["record"] == 1),
        "{found:#}"
    );
    // Accents and case folded, the start of a word is enough.
    let found = search("premiere eta");
    let rows = found["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{found:#}");
    assert_eq!(rows[0]["table"], "ITAC.T_EXTRA");
    assert_eq!(rows[0]["record"], 1);
    assert_eq!(rows[0]["values"][0][1], "Première étape");
    // No dossier is assembled without a profile.
    let o = reprise_on_store(
        &["dossier", "--app", "ITAC", "--num", "0597600001"],
        store_s,
        pass_s,
    );
    assert_eq!(o.status.code(), Some(2), "{}", output_text(&o));
    assert!(
        output_text(&o).contains("mode générique"),
        "{}",
        output_text(&o)
    );
}
