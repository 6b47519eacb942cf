//! Journal screen ("Journal des consultations"): the entries of the store's journal, filtered by
//! dates and person, the verification of its chain of hashes, and a CSV export.

use super::state::{Intent, State};
use super::widgets;
use egui::{RichText, Ui};
use std::path::PathBuf;

pub fn show(ui: &mut Ui, state: &mut State, intents: &mut Vec<Intent>) {
    let lang = state.lang();
    let j = &mut state.journal;
    widgets::title(
        ui,
        lang.t("Journal des consultations", "Consultation journal"),
    );
    ui.label(lang.t(
        "Chaque recherche, dossier consulté, affichage médical, export, importation et échec d'ouverture est inscrit ici, avec l'heure, l'utilisateur et le poste. Les entrées sont chaînées : toute modification se voit à la vérification.",
        "Every search, dossier opened, medical display, export, import and failed unlock is written here with time, user and workstation. Entries are chained: any change shows at verification.",
    ));
    ui.add_space(6.0);
    ui.horizontal_wrapped(|ui| {
        let l = ui.label(lang.t("Du (JJ/MM/AAAA)", "From (DD/MM/YYYY)"));
        ui.add(egui::TextEdit::singleline(&mut j.from).desired_width(100.0))
            .labelled_by(l.id);
        let l = ui.label(lang.t("au", "to"));
        ui.add(egui::TextEdit::singleline(&mut j.to).desired_width(100.0))
            .labelled_by(l.id);
        let l = ui.label(lang.t("Personne ou dossier", "Person or dossier"));
        let r = ui
            .add(egui::TextEdit::singleline(&mut j.person).desired_width(200.0))
            .labelled_by(l.id);
        let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if ui.button(lang.t("Afficher", "Show")).clicked() || enter {
            intents.push(Intent::LoadJournal { verify: false });
        }
        if ui
            .button(RichText::new(lang.t("Vérifier le journal", "Verify the journal")).strong())
            .on_hover_text(lang.t(
                "Recalcule la chaîne d'empreintes : une entrée modifiée, insérée ou supprimée est signalée",
                "Recomputes the chain of hashes: an entry changed, inserted or removed is reported",
            ))
            .clicked()
        {
            intents.push(Intent::LoadJournal { verify: true });
        }
        if j.loading {
            ui.spinner();
        }
    });
    if let Some(e) = &j.error {
        widgets::error_text(ui, e);
    }
    match &j.problems {
        Some(p) if p.is_empty() => {
            ui.label(
                RichText::new(lang.t(
                    "✔ Journal intact : la chaîne d'empreintes est vérifiée.",
                    "✔ Journal intact: the chain of hashes checks out.",
                ))
                .strong()
                .color(widgets::ok_color(ui)),
            );
        }
        Some(p) => {
            widgets::error_text(
                ui,
                &format!(
                    "{} ({})",
                    lang.t("JOURNAL ALTÉRÉ", "JOURNAL ALTERED"),
                    p.len()
                ),
            );
            for problem in p {
                widgets::error_text(ui, &widgets::sentence(&problem.message));
            }
        }
        None => {}
    }
    ui.horizontal(|ui| {
        let l = ui.label(lang.t(
            "Exporter ces entrées en CSV vers",
            "Export these entries as CSV to",
        ));
        if j.export_path.is_empty() {
            let home = std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_default();
            j.export_path = home
                .join("journal-des-consultations.csv")
                .display()
                .to_string();
        }
        ui.add(egui::TextEdit::singleline(&mut j.export_path).desired_width(320.0))
            .labelled_by(l.id);
        if ui
            .button(lang.t("Exporter (CSV)", "Export (CSV)"))
            .clicked()
        {
            intents.push(Intent::ExportJournal(PathBuf::from(j.export_path.trim())));
        }
    });
    match &j.export_message {
        Some(Ok(m)) => {
            ui.label(RichText::new(m).color(widgets::ok_color(ui)));
        }
        Some(Err(m)) => widgets::error_text(ui, m),
        None => {}
    }
    ui.add_space(6.0);
    ui.label(
        RichText::new(format!(
            "{} {}",
            lang.int(j.entries.len() as u64),
            lang.t("entrées", "entries")
        ))
        .weak(),
    );
    // Only the rows on screen are laid out: a journal grows for years.
    let entries = &j.entries;
    let cell = egui::Layout::left_to_right(egui::Align::Center);
    egui_extras::TableBuilder::new(ui)
        .id_salt("journal")
        .striped(true)
        .resizable(true)
        .cell_layout(cell)
        .column(egui_extras::Column::initial(50.0))
        .column(egui_extras::Column::initial(150.0))
        .column(egui_extras::Column::initial(160.0))
        .column(egui_extras::Column::initial(190.0))
        .column(egui_extras::Column::remainder())
        .header(22.0, |mut header| {
            for h in [
                lang.t("N°", "No."),
                lang.t("Date", "Date"),
                lang.t("Utilisateur @ poste", "User @ workstation"),
                lang.t("Action", "Action"),
                lang.t("Ce qui a été vu", "What was seen"),
            ] {
                header.col(|ui| {
                    ui.label(RichText::new(h).strong());
                });
            }
        })
        .body(|body| {
            body.rows(22.0, entries.len(), |mut row| {
                // Newest first.
                let e = &entries[entries.len() - 1 - row.index()];
                let at = chrono::NaiveDateTime::parse_from_str(&e.at, "%Y-%m-%d %H:%M:%S")
                    .map(|d| d.format("%d/%m/%Y %H:%M:%S").to_string())
                    .unwrap_or_else(|_| e.at.clone());
                let seen: Vec<&str> = [e.person.as_str(), e.dossier.as_str(), e.detail.as_str()]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect();
                for text in [
                    e.seq.to_string(),
                    at,
                    format!("{}@{}", e.user, e.workstation),
                    e.action_label(),
                    seen.join(" — "),
                ] {
                    row.col(|ui| {
                        ui.label(text);
                    });
                }
            });
        });
}
