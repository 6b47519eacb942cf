//! Reception screen: the delivery (typed path, file dialog or drag and drop), its passphrase or
//! identity file, the store and its passphrase, then the check or the import with its progress,
//! and the reception report: the verdict large, one row per file, anomalies by kind and table,
//! the deadline, the PDF.

use super::i18n::Lang;
use super::state::{Intent, Screen, State};
use super::widgets::{self, Pick};
use crate::reception::report::ReceptionReport;
use egui::{RichText, Ui};
use std::path::PathBuf;

pub fn show(ui: &mut Ui, state: &mut State, intents: &mut Vec<Intent>) {
    let lang = state.lang();
    // A file or folder dropped on the window is the delivery.
    if let Some(p) = ui
        .ctx()
        .input(|i| i.raw.dropped_files.first().map(|f| f.path().to_path_buf()))
    {
        state.reception.delivery = p.display().to_string();
    }
    let busy = state.job.is_some();
    egui::ScrollArea::vertical().show(ui, |ui| {
        widgets::title(ui, lang.t("Réceptionner une livraison", "Receive a delivery"));
        ui.label(lang.t(
            "Choisissez la livraison (fichier .tar.age, dossier de fichiers .age ou dossier en clair), ou déposez-la sur cette fenêtre.",
            "Choose the delivery (.tar.age file, folder of .age files or plain folder), or drop it on this window.",
        ));
        ui.add_space(8.0);
        let f = &mut state.reception;
        ui.add_enabled_ui(!busy, |ui| {
            widgets::path_field(ui, lang, lang.t("Livraison (fichier)", "Delivery (file)"), &mut f.delivery, Pick::File);
            ui.horizontal(|ui| {
                ui.add_space(238.0);
                if ui.button(lang.t("Choisir un dossier…", "Choose a folder…")).clicked()
                    && let Some(p) = rfd::FileDialog::new().pick_folder()
                {
                    f.delivery = p.display().to_string();
                }
            });
            ui.horizontal(|ui| {
                ui.add_space(238.0);
                ui.radio_value(&mut f.use_identity, false, lang.t("Phrase de passe", "Passphrase"));
                ui.radio_value(&mut f.use_identity, true, lang.t("Fichier d'identité age", "age identity file"));
            });
            if f.use_identity {
                widgets::path_field(ui, lang, lang.t("Fichier d'identité", "Identity file"), &mut f.identity, Pick::File);
            } else {
                widgets::text_field(ui, lang.t("Phrase de passe de la livraison", "Delivery passphrase"), &mut f.passphrase, true);
            }
            widgets::text_field(ui, lang.t("Date de réception (JJ/MM/AAAA)", "Reception date (DD/MM/YYYY)"), &mut f.received_on, false);
            ui.add_space(8.0);
            ui.separator();
            ui.label(RichText::new(lang.t("Base où importer", "Store to import into")).strong());
            widgets::path_field(ui, lang, lang.t("Fichier de la base", "Store file"), &mut f.store, Pick::Save("reprise.base"));
            let creating = !PathBuf::from(f.store.trim()).exists();
            widgets::text_field(
                ui,
                if creating {
                    lang.t("Phrase de passe de la nouvelle base", "New store passphrase")
                } else {
                    lang.t("Phrase de passe de la base", "Store passphrase")
                },
                &mut f.store_passphrase,
                true,
            );
            if creating {
                widgets::text_field(ui, lang.t("Confirmez la phrase de passe", "Confirm the passphrase"), &mut f.store_passphrase_again, true);
                ui.label(RichText::new(lang.t(
                    "Une nouvelle base sera créée. Choisissez une phrase de passe d'au moins 10 caractères et conservez-la : sans elle, la base est illisible.",
                    "A new store will be created. Choose a passphrase of at least 10 characters and keep it: without it the store cannot be read.",
                )).weak());
            }
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui
                    .add(egui::Button::new(RichText::new(lang.t("Vérifier et importer", "Check and import")).strong()).min_size(egui::vec2(200.0, 34.0)))
                    .on_hover_text(lang.t("Contrôle complet puis chargement dans la base chiffrée", "Full check, then load into the encrypted store"))
                    .clicked()
                {
                    intents.push(Intent::StartReception { import: true });
                }
                if ui
                    .add(egui::Button::new(lang.t("Vérifier seulement", "Check only")).min_size(egui::vec2(160.0, 34.0)))
                    .on_hover_text(lang.t("Contrôle complet sans rien écrire", "Full check without writing anything"))
                    .clicked()
                {
                    intents.push(Intent::StartReception { import: false });
                }
            });
        });
        if let Some(e) = &f.error {
            ui.add_space(6.0);
            widgets::error_text(ui, e);
        }
        if f.cancelled {
            ui.add_space(6.0);
            widgets::warning_text(ui, lang.t(
                "Réception annulée : la base n'a pas changé.",
                "Reception cancelled: the store did not change.",
            ));
        }
        if let Some((app, previous)) = f.confirm_replace.clone() {
            ui.add_space(8.0);
            egui::Frame::group(ui.style()).show(ui, |ui| {
                widgets::warning_text(ui, &format!(
                    "{} {app} ({previous}). {}",
                    lang.t("La base contient déjà la livraison", "The store already holds the delivery"),
                    lang.t(
                        "La nouvelle livraison la remplacera entièrement (cas d'une réextraction) ; l'historique des livraisons est conservé.",
                        "The new delivery will replace it entirely (re-extraction); the delivery history is kept.",
                    )
                ));
                ui.horizontal(|ui| {
                    if ui.button(lang.t("Remplacer", "Replace")).clicked() {
                        intents.push(Intent::ConfirmReplace);
                    }
                    if ui.button(lang.t("Ne pas remplacer", "Do not replace")).clicked() {
                        f.confirm_replace = None;
                    }
                });
            });
        }
        if let Some(report) = f.report.clone() {
            ui.add_space(12.0);
            ui.separator();
            if let Some(store) = &f.imported {
                ui.label(RichText::new(format!(
                    "{} {}{}",
                    lang.t("Livraison importée dans", "Delivery imported into"),
                    store.display(),
                    f.replaced.as_ref().map(|r| format!(" ; {} {r}", lang.t("livraison remplacée :", "replaced delivery:"))).unwrap_or_default()
                )).strong());
                if ui.button(lang.t("Consulter les dossiers", "Read the dossiers")).clicked() {
                    intents.push(Intent::Go(Screen::Search));
                }
            }
            report_view(ui, lang, &report, &mut f.pdf_path, &f.pdf_message, intents);
        }
    });
}

/// The reception report on screen.
pub fn report_view(
    ui: &mut Ui,
    lang: Lang,
    r: &ReceptionReport,
    pdf_path: &mut String,
    pdf_message: &Option<Result<String, String>>,
    intents: &mut Vec<Intent>,
) {
    let (color, icon) = if r.conforme() {
        (widgets::ok_color(ui), "✔")
    } else {
        (widgets::error_color(ui), "✖")
    };
    ui.add_space(8.0);
    egui::Frame::group(ui.style())
        .stroke(egui::Stroke::new(2.0, color))
        .inner_margin(12.0)
        .show(ui, |ui| {
            ui.label(
                RichText::new(format!("{icon} {}", r.verdict.label()))
                    .size(30.0)
                    .strong()
                    .color(color),
            );
            ui.label(
                RichText::new(format!(
                    "{} ({} {}) — {} {} — {} {}",
                    r.delivery.application,
                    lang.t("version", "version"),
                    r.delivery.version,
                    lang.t("département", "département"),
                    r.delivery.departement,
                    lang.t("extraction du", "extracted"),
                    r.delivery.extraction
                ))
                .size(16.0),
            );
            ui.label(format!(
                "{} {} — {} {}",
                lang.t("Reçue le", "Received"),
                crate::report::fr_date(r.received_on),
                lang.t(
                    "date limite de réponse (15 jours ouvrés) :",
                    "answer deadline (15 working days):"
                ),
                crate::report::fr_date(r.deadline)
            ));
            for reason in &r.reasons {
                widgets::error_text(ui, reason);
            }
            for w in &r.warnings {
                widgets::warning_text(ui, w);
            }
        });
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        let l = ui.label(lang.t("Procès-verbal PDF :", "PDF report:"));
        if pdf_path.is_empty() {
            let home = std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_default();
            *pdf_path = home
                .join(format!("PV-reception-{}.pdf", r.delivery.name))
                .display()
                .to_string();
        }
        ui.add(egui::TextEdit::singleline(pdf_path).desired_width(380.0))
            .labelled_by(l.id);
        if ui.button(lang.t("Parcourir…", "Browse…")).clicked()
            && let Some(p) = rfd::FileDialog::new()
                .set_file_name(format!("PV-reception-{}.pdf", r.delivery.name))
                .save_file()
        {
            *pdf_path = p.display().to_string();
        }
        if ui
            .button(
                RichText::new(lang.t(
                    "Enregistrer le procès-verbal (PDF)",
                    "Save the report (PDF)",
                ))
                .strong(),
            )
            .clicked()
        {
            intents.push(Intent::SaveReportPdf(PathBuf::from(pdf_path.trim())));
        }
    });
    match pdf_message {
        Some(Ok(m)) => {
            ui.label(RichText::new(m).color(widgets::ok_color(ui)));
        }
        Some(Err(m)) => widgets::error_text(ui, m),
        None => {}
    }
    ui.add_space(8.0);
    egui::CollapsingHeader::new(
        RichText::new(format!(
            "{} ({})",
            lang.t("Fichiers", "Files"),
            r.files.len()
        ))
        .strong(),
    )
    .default_open(true)
    .show(ui, |ui| {
        egui::Grid::new("files")
            .striped(true)
            .num_columns(6)
            .show(ui, |ui| {
                for h in [
                    lang.t("Fichier", "File"),
                    lang.t("Lignes attendues", "Rows expected"),
                    lang.t("Lignes lues", "Rows read"),
                    lang.t("Octets", "Bytes"),
                    "SHA-256",
                    lang.t("État", "Status"),
                ] {
                    ui.label(RichText::new(h).strong());
                }
                ui.end_row();
                let n = |v: Option<u64>| v.map(|v| lang.int(v)).unwrap_or_else(|| "—".into());
                for f in &r.files {
                    ui.label(&f.path);
                    ui.label(n(f.rows_expected));
                    ui.label(n(f.rows_read));
                    ui.label(n(f.bytes_read));
                    let sha_ok = f.sha256_expected.is_some() && f.sha256_expected == f.sha256_read;
                    ui.label(if sha_ok {
                        lang.t("identique", "equal")
                    } else {
                        lang.t("différent", "different")
                    });
                    if f.ok {
                        ui.label(
                            RichText::new(lang.t("✔ conforme", "✔ ok"))
                                .color(widgets::ok_color(ui)),
                        );
                    } else {
                        ui.label(
                            RichText::new(lang.t("✖ non conforme", "✖ not ok"))
                                .color(widgets::error_color(ui)),
                        );
                    }
                    ui.end_row();
                }
            });
    });
    egui::CollapsingHeader::new(
        RichText::new(lang.t("Journal d'extraction", "Extraction log")).strong(),
    )
    .show(ui, |ui| {
        let log = &r.log;
        ui.label(format!(
            "{} : {} — {} : {} — {} : {}",
            lang.t("présent", "present"),
            yes(lang, log.present),
            lang.t("fin normale", "normal end"),
            yes(lang, log.normal_end),
            lang.t("erreurs", "errors"),
            log.errors.len()
        ));
        for e in log.errors.iter().chain(&log.count_mismatches) {
            widgets::error_text(ui, e);
        }
        for w in &log.warnings {
            widgets::warning_text(ui, w);
        }
    });
    egui::CollapsingHeader::new(RichText::new(format!(
        "{} ({})",
        lang.t("Anomalies de données", "Data anomalies"),
        lang.int(r.anomalies.total)
    )).strong())
        .show(ui, |ui| {
            ui.label(RichText::new(lang.t(
                "Les anomalies de données ne changent pas le verdict : les valeurs sont conservées telles que livrées.",
                "Data anomalies do not change the verdict: values are kept as delivered.",
            )).weak());
            for (gi, g) in r.anomalies.groups.iter().enumerate() {
                egui::CollapsingHeader::new(format!("{} — {} : {}", g.table, g.label, lang.int(g.count)))
                    .id_salt(("anomaly", gi))
                    .show(ui, |ui| {
                        egui::Grid::new(("examples", gi)).striped(true).show(ui, |ui| {
                            for h in [lang.t("Ligne", "Line"), lang.t("Colonne", "Column"), lang.t("Valeur livrée", "Delivered value"), lang.t("Motif", "Reason")] {
                                ui.label(RichText::new(h).strong());
                            }
                            ui.end_row();
                            for a in &g.examples {
                                ui.label(a.record.to_string());
                                ui.label(a.column.clone().unwrap_or_default());
                                ui.label(a.value.clone().unwrap_or_default());
                                ui.label(&a.detail);
                                ui.end_row();
                            }
                        });
                        if g.count > g.examples.len() as u64 {
                            ui.label(RichText::new(format!(
                                "{} {}",
                                lang.int(g.count - g.examples.len() as u64),
                                lang.t("autres, dans le rapport JSON", "more, in the JSON report")
                            )).weak());
                        }
                    });
            }
        });
}

fn yes(lang: Lang, b: bool) -> &'static str {
    if b {
        lang.t("oui", "yes")
    } else {
        lang.t("non", "no")
    }
}
