//! Protection of the data outside the consultation: the plain SQLite export only after an
//! explicit confirmation, the purge at the end of retention, and nothing personal left in
//! clear anywhere the tool writes (store and journal encrypted, no temporary files).

#[path = "common/store_env.rs"]
mod store_env;

use store_env::{StoreEnv as Env, files_under};

/// A surname of the sample deliveries (ITAC dossier 0598200008).
const SURNAME: &str = "MARCHAND";

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn nothing_personal_reaches_the_disk_in_clear() {
    let env = Env::new();
    assert!(env.run(&["search", "marchand"]).status.success());
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
    assert!(env.run(&["audit"]).status.success());
    assert!(env.run(&["audit", "--verify"]).status.success());
    // No temporary file, nothing in the home folder.
    assert!(files_under(&env.p("tmp")).is_empty());
    assert!(files_under(&env.p("home")).is_empty());
    // Beside the store: the store and its journal, both encrypted.
    let mut names: Vec<String> = files_under(&env.p("base"))
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["reprise.base", "reprise.base.consultations"]);
    for f in files_under(&env.p("base")) {
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !contains(&bytes, SURNAME.as_bytes()),
            "{} holds a surname in clear",
            f.display()
        );
        assert!(
            !contains(&bytes, b"SQLite format 3"),
            "{} is not encrypted",
            f.display()
        );
    }
}

#[test]
fn the_plain_export_needs_an_explicit_confirmation() {
    let env = Env::new();
    let out_file = env.p("export.sqlite");
    let refused = env.run(&["export-base", "--out", out_file.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("non confirmé"));
    assert!(!out_file.exists());
    let done = env.run(&[
        "export-base",
        "--out",
        out_file.to_str().unwrap(),
        "--unencrypted",
    ]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(String::from_utf8_lossy(&done.stdout).contains("EN CLAIR"));
    // A plain SQLite file, readable without any key, with every row.
    let c = reprise::store::connect(&out_file, rusqlite::OpenFlags::default()).unwrap();
    let n: i64 = c
        .query_row("SELECT count(*) FROM \"ITAC__ITAC_DOSSIER\"", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(n, 1996);
    let audit = env.run(&["audit"]);
    assert!(String::from_utf8_lossy(&audit.stdout).contains("base entière EN CLAIR"));
}

#[test]
fn purge_removes_the_store_and_everything_of_it_after_confirmation() {
    let env = Env::new();
    assert!(env.run(&["search", "x"]).status.success());
    std::fs::write(env.p("base").join("autre-fichier.txt"), "à garder").unwrap();
    let refused = env.run_with(&["purge"], None);
    assert_eq!(refused.status.code(), Some(2));
    assert!(env.store().exists());
    let done = env.run_with(&["purge", "--yes"], None);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let left: Vec<String> = files_under(&env.p("base"))
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        left,
        ["autre-fichier.txt"],
        "only what is not the store's stays"
    );
}
