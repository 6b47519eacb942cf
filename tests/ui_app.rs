//! The desktop application driven through its accessibility tree (egui_kittest): the welcome
//! screen, the demonstration from start to a dossier, the medical reveal, the tables (sort,
//! filter, follow a reference), a wrong passphrase, and a cancelled import.

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use reprise::ui::RepriseApp;
#[path = "common/store_env.rs"]
mod store_env;
use reprise::ui::settings::Dirs;
use std::path::Path;
use std::time::{Duration, Instant};
use store_env::files_under;

fn app(home: &Path) -> Harness<'static, RepriseApp> {
    let dirs = Dirs::under(home);
    Harness::builder()
        .with_size(egui::vec2(1200.0, 800.0))
        .build_eframe(move |cc| RepriseApp::with_dirs(cc, dirs))
}

/// Steps the app until `cond` holds (the work runs on other threads).
fn wait_for(
    h: &mut Harness<'static, RepriseApp>,
    what: &str,
    cond: impl Fn(&Harness<'static, RepriseApp>) -> bool,
) {
    let start = Instant::now();
    loop {
        h.step();
        if cond(h) {
            h.step();
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "gave up waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The app with the demonstration open on the search screen.
fn with_demo(home: &Path) -> Harness<'static, RepriseApp> {
    let mut h = app(home);
    h.run();
    h.get_by_label("Ouvrir la démonstration").click();
    wait_for(&mut h, "the search screen", |h| {
        has(h, "Rechercher une personne")
    });
    h
}

/// Searches `text` and opens the first result's dossier.
fn open_first_dossier(h: &mut Harness<'static, RepriseApp>, text: &str) {
    let field = h.get_by_role_and_label(
        Role::TextInput,
        "Nom, prénom, date de naissance, numéro de dossier ou NIR :",
    );
    field.focus();
    field.type_text(text);
    wait_for(h, "results", |h| has(h, "trouvée"));
    h.key_press(egui::Key::Enter);
    wait_for(h, "the dossier", |h| has(h, "Chronologie"));
}

/// Replaces the text of the field named `label`.
fn replace_text(h: &mut Harness<'static, RepriseApp>, role: Role, label: &str, text: &str) {
    let f = h.get_by_role_and_label(role, label);
    f.focus();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    f.type_text(text);
    h.run_steps(1);
}

fn has(h: &Harness<'static, RepriseApp>, text: &str) -> bool {
    h.query_all_by_label_contains(text).next().is_some()
}

#[test]
fn welcome_screen_says_what_the_tool_does() {
    let home = tempfile::tempdir().unwrap();
    let mut h = app(home.path());
    h.run();
    h.get_by_label("Bienvenue dans Reprise");
    assert!(has(&h, "fichiers de reprise ITAC"));
    h.get_by_label("Ouvrir la démonstration");
    h.get_by_label("Réceptionner une livraison…");
    h.check_accessibility();
}

#[test]
fn demonstration_to_dossier_then_tables() {
    let home = tempfile::tempdir().unwrap();
    // One click: the bundled deliveries are imported into the demonstration store.
    let mut h = with_demo(home.path());
    // One typed word: results come as you type.
    let field = h.get_by_role_and_label(
        Role::TextInput,
        "Nom, prénom, date de naissance, numéro de dossier ou NIR :",
    );
    field.focus();
    field.type_text("lefevre");
    wait_for(&mut h, "results", |h| has(h, "personnes trouvées"));
    assert!(has(&h, "LEFEVRE"), "a LEFEVRE among the results");
    h.check_accessibility();
    // Enter opens the first result's dossier.
    h.key_press(egui::Key::Enter);
    wait_for(&mut h, "the dossier", |h| has(h, "Chronologie"));
    assert!(has(&h, "Identité et adresse"));
    assert!(has(&h, "Données médicales masquées"));
    assert!(
        !has(&h, "Type de handicap principal"),
        "medical column hidden"
    );
    h.check_accessibility();
    // The medical part: a warned, explicit reveal.
    h.get_by_label("Afficher les données médicales")
        .click_accesskit();
    wait_for(&mut h, "the warning", |h| has(h, "secret médical"));
    h.get_by_label("Je confirme : afficher").click_accesskit();
    wait_for(&mut h, "the medical data", |h| {
        has(h, "Données médicales affichées")
    });
    assert!(
        has(&h, "Type de handicap principal"),
        "medical column shown"
    );
    // Tables: open one, sort, filter, follow a reference.
    h.get_by_label("Tables").click();
    wait_for(&mut h, "the table list", |h| has(h, "Tables livrées"));
    h.get_all_by_label_contains("Demandes — ")
        .next()
        .unwrap()
        .click();
    wait_for(&mut h, "rows", |h| has(h, "Lignes 1"));
    h.check_accessibility();
    h.get_by_role_and_label(Role::Button, "DATE_DEMANDE")
        .click();
    wait_for(&mut h, "the sort", |h| has(h, "triée par DATE_DEMANDE ↑"));
    h.get_by_role_and_label(Role::Button, "DATE_DEMANDE ↑")
        .click();
    wait_for(&mut h, "the descending sort", |h| {
        has(h, "triée par DATE_DEMANDE ↓")
    });
    let filter = h.get_by_role_and_label(Role::TextInput, "NUM_DOSSIER");
    filter.focus();
    filter.type_text("=0597600005");
    h.key_press(egui::Key::Enter);
    // The 8 demandes of dossier 0597600005, in descending date order, counted exactly once the
    // view's order is known.
    wait_for(&mut h, "the filter", |h| has(h, "8 lignes retenues"));
    wait_for(&mut h, "the ordered view", |h| has(h, "sur 8"));
    // A reference opens its target row in its table.
    h.get_all_by_role_and_label(Role::Link, "0597600005")
        .next()
        .unwrap()
        .click();
    wait_for(&mut h, "the referenced row", |h| has(h, "ITAC_DOSSIER — "));
    assert!(has(&h, "Référencé par"));
    wait_for(&mut h, "the referencing tables", |h| {
        has(h, "Demandes (NUM_DOSSIER)")
    });
    h.check_accessibility();
}

#[test]
fn wrong_passphrase_says_so_in_french_and_the_right_one_opens() {
    let home = tempfile::tempdir().unwrap();
    let mut h = with_demo(home.path());
    h.get_by_label("Verrouiller").click();
    wait_for(&mut h, "the unlock screen", |h| has(h, "Ouvrir la base"));
    assert!(
        !has(&h, "Rechercher une personne"),
        "nothing from the store while locked"
    );
    let field = h.get_by_role_and_label(Role::PasswordInput, "Phrase de passe de la base");
    field.focus();
    field.type_text("pas la bonne phrase");
    h.get_by_label("Déverrouiller").click();
    wait_for(&mut h, "the error", |h| {
        has(h, "Phrase de passe de la base incorrecte")
    });
    h.check_accessibility();
    let field = h.get_by_role_and_label(Role::PasswordInput, "Phrase de passe de la base");
    field.focus();
    field.type_text(reprise::ui::DEMO_PASSPHRASE);
    h.key_press(egui::Key::Enter);
    wait_for(&mut h, "the search screen", |h| {
        has(h, "Rechercher une personne")
    });
}

fn file_bytes(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

#[test]
fn cancelling_an_import_leaves_the_store_as_it_was() {
    let home = tempfile::tempdir().unwrap();
    // A store holding the demonstration.
    let mut h = with_demo(home.path());
    let store = Dirs::under(home.path()).demo_store();
    let before = file_bytes(&store);
    // A larger delivery to import into it, cancelled at once.
    let out = home.path().join("livraison");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_reprise"))
        .args([
            "sample",
            "--app",
            "OPALES",
            "--persons",
            "20000",
            "--form",
            "plain",
            "--seed",
            "7",
            "--out",
        ])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let delivery = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_dir())
        .expect("a delivery folder");
    h.get_by_label("Réceptionner…").click();
    h.run_steps(2);
    replace_text(
        &mut h,
        Role::TextInput,
        "Livraison (fichier)",
        &delivery.display().to_string(),
    );
    replace_text(
        &mut h,
        Role::TextInput,
        "Fichier de la base",
        &store.display().to_string(),
    );
    replace_text(
        &mut h,
        Role::PasswordInput,
        "Phrase de passe de la base",
        reprise::ui::DEMO_PASSPHRASE,
    );
    h.get_by_label("Vérifier et importer").click();
    h.run_steps(2);
    // The store holds an OPALES delivery already: confirm its replacement, then cancel.
    wait_for(&mut h, "the replacement question", |h| {
        has(h, "La base contient déjà la livraison OPALES")
    });
    h.get_by_label("Remplacer").click();
    wait_for(&mut h, "the import", |h| has(h, "En cours"));
    h.get_by_label("Annuler").click();
    wait_for(&mut h, "the cancellation", |h| has(h, "Réception annulée"));
    h.check_accessibility();
    assert!(file_bytes(&store) == before, "the store changed");
    let stray: Vec<_> = std::fs::read_dir(store.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("import"))
        .collect();
    assert!(stray.is_empty(), "temporary files left: {stray:?}");
}

#[test]
fn english_ctrl_f_and_the_idle_lock() {
    let home = tempfile::tempdir().unwrap();
    let mut h = with_demo(home.path());
    h.get_by_label("Réglages").click();
    wait_for(&mut h, "the settings", |h| has(h, "Taille du texte"));
    h.get_by_label("English").click();
    wait_for(&mut h, "English", |h| has(h, "Text size"));
    h.check_accessibility();
    // Ctrl+F from any screen: the search, its field focused.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    wait_for(&mut h, "the search", |h| has(h, "Find a person"));
    h.run_steps(2);
    assert!(
        h.get_by_role(Role::TextInput).is_focused(),
        "the search field has the focus"
    );
    // The settings are kept (no personal data in them).
    let saved = std::fs::read_to_string(home.path().join("reglages/reglages.toml")).unwrap();
    assert!(saved.contains("lang = \"en\""), "{saved}");
    // Idle for longer than the delay: the window locks and forgets what it showed.
    h.state_mut().state.last_input = Instant::now() - Duration::from_secs(11 * 60);
    h.run_steps(2);
    assert!(has(&h, "Window locked after 10"));
    assert!(h.state().state.session.is_none(), "the store is closed");
    assert!(
        h.state().state.search.text.is_empty(),
        "the search is forgotten"
    );
}

#[test]
fn checking_a_delivery_shows_the_verdict_and_saves_the_report() {
    let home = tempfile::tempdir().unwrap();
    let mut h = app(home.path());
    h.run();
    h.get_by_label("Réceptionner une livraison…").click();
    h.run_steps(2);
    let delivery =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/REPRISE_ITAC_059_20081015.tar.age");
    let f = h.get_by_role_and_label(Role::TextInput, "Livraison (fichier)");
    f.focus();
    f.type_text(&delivery.display().to_string());
    h.run_steps(1);
    let p = h.get_by_role_and_label(Role::PasswordInput, "Phrase de passe de la livraison");
    p.focus();
    p.type_text(reprise::ui::DEMO_PASSPHRASE);
    h.run_steps(1);
    h.get_by_label("Vérifier seulement").click();
    wait_for(&mut h, "the verdict", |h| has(h, "✔ CONFORME"));
    assert!(has(&h, "date limite de réponse (15 jours ouvrés)"));
    assert!(has(&h, "DONNEES/ITAC_DOSSIER.TXT"));
    h.check_accessibility();
    let pdf = home.path().join("pv.pdf");
    replace_text(
        &mut h,
        Role::TextInput,
        "Procès-verbal PDF :",
        &pdf.display().to_string(),
    );
    h.get_by_label("Enregistrer le procès-verbal (PDF)").click();
    wait_for(&mut h, "the saved report", |h| {
        has(h, "Procès-verbal enregistré")
    });
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    // A check writes no store.
    assert!(!Dirs::under(home.path()).default_store().exists());
}

#[test]
fn the_journal_lists_what_was_seen_and_verifies() {
    let home = tempfile::tempdir().unwrap();
    let mut h = with_demo(home.path());
    open_first_dossier(&mut h, "lefevre");
    // Print the fiche de synthèse.
    h.get_by_label("Imprimer / PDF…").click();
    h.run_steps(2);
    let pdf = home.path().join("fiche.pdf");
    replace_text(
        &mut h,
        Role::TextInput,
        "Fichier à écrire",
        &pdf.display().to_string(),
    );
    h.get_by_label("Enregistrer la fiche (PDF)").click();
    wait_for(&mut h, "the fiche", |h| has(h, "Enregistré :"));
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    h.check_accessibility();
    // A failed unlock, then the right passphrase.
    h.get_by_label("Verrouiller").click();
    wait_for(&mut h, "the unlock screen", |h| has(h, "Ouvrir la base"));
    let p = h.get_by_role_and_label(Role::PasswordInput, "Phrase de passe de la base");
    p.focus();
    p.type_text("mauvaise phrase de passe");
    h.key_press(egui::Key::Enter);
    wait_for(&mut h, "the error", |h| has(h, "incorrecte"));
    let p = h.get_by_role_and_label(Role::PasswordInput, "Phrase de passe de la base");
    p.focus();
    p.type_text(reprise::ui::DEMO_PASSPHRASE);
    h.key_press(egui::Key::Enter);
    wait_for(&mut h, "the search screen", |h| {
        has(h, "Rechercher une personne")
    });
    h.get_by_label("Journal").click();
    wait_for(&mut h, "the journal", |h| has(h, "Dossier consulté"));
    assert!(has(&h, "« lefevre »"), "the search text is journaled");
    assert!(
        has(&h, "MARCHAND (LEFÈVRE) ANDRÉE"),
        "the person seen is journaled"
    );
    assert!(
        has(&h, "Échec d'ouverture"),
        "the failed unlock is journaled"
    );
    assert!(
        has(&h, "fiche de synthèse PDF vers"),
        "the print is journaled"
    );
    h.get_by_label("Vérifier le journal").click();
    wait_for(&mut h, "the verification", |h| has(h, "Journal intact"));
    h.check_accessibility();
    // Filter on a person.
    let f = h.get_by_role_and_label(Role::TextInput, "Personne ou dossier");
    f.focus();
    f.type_text("personne-absente");
    h.key_press(egui::Key::Enter);
    wait_for(&mut h, "the filtered journal", |h| has(h, "0 entrées"));
}

#[test]
fn the_app_writes_nothing_personal_in_clear() {
    let home = tempfile::tempdir().unwrap();
    let mut h = with_demo(home.path());
    open_first_dossier(&mut h, "marchand andrée");
    h.get_by_label("Afficher les données médicales")
        .click_accesskit();
    wait_for(&mut h, "the warning", |h| has(h, "secret médical"));
    h.get_by_label("Je confirme : afficher").click_accesskit();
    wait_for(&mut h, "the medical data", |h| {
        has(h, "Données médicales affichées")
    });
    h.get_by_label("Verrouiller").click();
    h.run_steps(3);
    drop(h);
    // Settings, demonstration deliveries (encrypted), store and journal (encrypted): no name.
    let files = files_under(home.path());
    assert!(files.len() >= 4, "{files:?}");
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        for needle in ["MARCHAND", "ANDRÉE", "marchand"] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{} holds « {needle} » in clear",
                f.display()
            );
        }
    }
}

#[test]
fn the_plain_export_asks_to_tick_that_it_is_not_encrypted() {
    let home = tempfile::tempdir().unwrap();
    let mut h = with_demo(home.path());
    h.get_by_label("Livraisons").click();
    wait_for(&mut h, "the deliveries", |h| {
        has(h, "Livraisons de la base")
    });
    h.get_by_label("Exporter toute la base en clair (SQLite)…")
        .click();
    h.run_steps(2);
    let out = home.path().join("clair.sqlite");
    replace_text(
        &mut h,
        Role::TextInput,
        "Fichier SQLite à écrire",
        &out.display().to_string(),
    );
    assert!(
        h.get_by_label("Exporter en clair")
            .accesskit_node()
            .is_disabled(),
        "disabled until the box is ticked"
    );
    h.get_by_label("Je comprends que ce fichier ne sera pas chiffré")
        .click();
    h.run_steps(2);
    h.get_by_label("Exporter en clair").click();
    wait_for(&mut h, "the export", |h| has(h, "Base exportée EN CLAIR"));
    h.check_accessibility();
    let c = reprise::store::connect(&out, rusqlite::OpenFlags::default()).unwrap();
    let n: i64 = c
        .query_row("SELECT count(*) FROM \"OPALES__OP_ENFANT\"", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(n > 1000);
}

/// Sets the table screen's export path.
fn set_export_path(h: &mut Harness<'static, RepriseApp>, path: &Path) {
    replace_text(
        h,
        Role::TextInput,
        "Exporter la vue en CSV vers",
        &path.display().to_string(),
    );
}

#[test]
fn tables_export_the_view_as_csv_and_the_table_byte_for_byte() {
    let home = tempfile::tempdir().unwrap();
    let mut h = with_demo(home.path());
    h.get_by_label("Tables").click();
    wait_for(&mut h, "the table list", |h| has(h, "Tables livrées"));
    h.get_by_label_contains("Dossiers des personnes — ").click();
    wait_for(&mut h, "rows", |h| has(h, "Lignes 1"));
    // The whole table as CSV: every row, accents intact, a BOM for Excel.
    let all = home.path().join("dossiers.csv");
    set_export_path(&mut h, &all);
    h.get_by_label("Exporter (CSV)").click();
    wait_for(&mut h, "the export", |h| has(h, "lignes exportées dans"));
    let text = std::fs::read_to_string(&all).unwrap();
    assert!(text.starts_with('\u{feff}'));
    let rows = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .count();
    assert_eq!(rows, 1996);
    assert!(text.contains("LEFÈVRE"), "accents survive");
    // The delivered file, byte for byte, as `reprise export --format delivery` writes it.
    let delivered = home.path().join("ITAC_DOSSIER.TXT");
    set_export_path(&mut h, &home.path().join("ITAC_DOSSIER.csv"));
    h.get_by_label("Format de livraison").click();
    wait_for(&mut h, "the delivery export", |h| has(h, "octets écrits"));
    let pass = home.path().join("pass");
    std::fs::write(&pass, reprise::ui::DEMO_PASSPHRASE).unwrap();
    let cli = home.path().join("cli.TXT");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_reprise"))
        .args([
            "export",
            "--table",
            "ITAC_DOSSIER",
            "--format",
            "delivery",
            "--store",
        ])
        .arg(Dirs::under(home.path()).demo_store())
        .arg("--store-passphrase-file")
        .arg(&pass)
        .arg("--out")
        .arg(&cli)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read(&delivered).unwrap() == std::fs::read(&cli).unwrap());
    // A filtered view: only its rows.
    let filter = h.get_by_role_and_label(Role::TextInput, "NUM_DOSSIER");
    filter.focus();
    filter.type_text("=0598200008");
    h.key_press(egui::Key::Enter);
    wait_for(&mut h, "the filter", |h| has(h, "1 ligne retenue"));
    let one = home.path().join("un.csv");
    set_export_path(&mut h, &one);
    h.get_by_label("Exporter (CSV)").click();
    wait_for(&mut h, "the view export", |h| has(h, "1 ligne exportée"));
    let text = std::fs::read_to_string(&one).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("LEFÈVRE"));
}

#[path = "common/deliveries.rs"]
mod deliveries;

#[test]
fn a_delivery_without_profile_is_searched_in_generic_mode() {
    use reprise::ui::settings::Settings;
    let s = deliveries::Scratch::new();
    let dir = deliveries::plain(&s, "p");
    deliveries::edit_text(&dir, "LISEZMOI.TXT", |t| {
        *t = t.replace("VERSION=1\r\n", "VERSION=9\r\n");
    });
    deliveries::recompute_controle(&dir);
    let store = s.join("base/generique.base");
    let pass = s.passphrase_file("store-pass", "phrase-de-passe-generique");
    let out = std::process::Command::new(deliveries::bin())
        .args(["import", dir.to_str().unwrap(), "--store"])
        .arg(&store)
        .arg("--store-passphrase-file")
        .arg(&pass)
        .env_remove("REPRISE_STORE_PASSPHRASE")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let home = tempfile::tempdir().unwrap();
    Settings {
        last_store: Some(store),
        ..Settings::default()
    }
    .save(&Dirs::under(home.path()))
    .unwrap();
    let mut h = app(home.path());
    h.run();
    let field = h.get_by_role_and_label(Role::PasswordInput, "Phrase de passe de la base");
    field.focus();
    field.type_text("phrase-de-passe-generique");
    h.key_press(egui::Key::Enter);
    wait_for(&mut h, "the search screen", |h| {
        has(h, "Rechercher une personne")
    });
    assert!(has(&h, "Mode générique pour"), "the generic mode is said");
    let field = h.get_by_role_and_label(
        Role::TextInput,
        "Nom, prénom, date de naissance, numéro de dossier ou NIR :",
    );
    field.focus();
    field.type_text("instructeur");
    wait_for(&mut h, "rows", |h| {
        has(h, "lignes trouvées en mode générique")
    });
    h.check_accessibility();
    h.query_all_by_label_contains("(ITAC.ITAC_AGENT) — ligne")
        .next()
        .expect("a row of ITAC_AGENT")
        .click();
    wait_for(&mut h, "the table at the row", |h| has(h, "ITAC_AGENT —"));
}

#[test]
fn the_integrity_check_recreates_every_delivered_file() {
    let home = tempfile::tempdir().unwrap();
    let mut h = with_demo(home.path());
    h.get_by_label("Livraisons").click();
    h.run_steps(2);
    h.get_by_label("Contrôler l'intégrité de la base").click();
    wait_for(&mut h, "the check", |h| has(h, "Base intacte"));
    assert!(has(&h, "fichiers livrés sont recréés à l'identique"));
    h.check_accessibility();
    // And it is journaled.
    h.get_by_label("Journal").click();
    wait_for(&mut h, "the journal", |h| {
        has(h, "Contrôle d'intégrité de la base")
    });
}

#[test]
fn a_newer_finess_extract_is_loaded_and_named_in_the_dossier() {
    let home = tempfile::tempdir().unwrap();
    let mut h = with_demo(home.path());
    // An establishment an orientation of the demonstration points to, and its child.
    let store = Dirs::under(home.path()).demo_store();
    let (finess, child) = {
        let s =
            reprise::store::Store::open(&store, &reprise::ui::DEMO_PASSPHRASE.to_string().into())
                .unwrap();
        s.connection()
            .query_row(
                "SELECT o.FINESS_ACCUEIL, d.NUM_DOSSIER FROM OPALES__OP_ORIENTATION o
                 JOIN OPALES__OP_DECISION d ON d.NUM_DECISION = o.NUM_DECISION
                 JOIN OPALES__REF_FINESS f ON f.nofinesset = o.FINESS_ACCUEIL
                 ORDER BY o.rowid LIMIT 1",
                [],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            )
            .unwrap()
    };
    let mut fields = vec![String::new(); 32];
    fields[0] = "structureet".into();
    fields[1] = finess.clone();
    fields[3] = "ÉTABLISSEMENT AU NOM DE 2026".into();
    fields[15] = "59000 LILLE".into();
    let extract = home.path().join("finess-2026.csv");
    std::fs::write(
        &extract,
        format!("finess;etalab;104;2026-06-30\n{}\n", fields.join(";")),
    )
    .unwrap();
    h.get_by_label("Livraisons").click();
    h.run_steps(2);
    replace_text(
        &mut h,
        Role::TextInput,
        "Extrait FINESS (etalab)",
        extract.to_str().unwrap(),
    );
    h.get_by_label("Charger cet extrait FINESS").click();
    wait_for(&mut h, "the extract", |h| has(h, "établissements chargés"));
    h.check_accessibility();
    // The dossier of the child says what the establishment is called today.
    h.get_by_label("Recherche").click();
    h.run_steps(2);
    open_first_dossier(&mut h, &child);
    assert!(
        has(&h, "aujourd'hui : ÉTABLISSEMENT AU NOM DE 2026"),
        "today's name in the dossier"
    );
    // And the tables still answer after the store was opened again.
    h.get_by_label("Tables").click();
    wait_for(&mut h, "the table list", |h| has(h, "Notifications"));
}
