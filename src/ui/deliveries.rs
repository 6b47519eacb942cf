//! Deliveries screen: the deliveries recorded in the store (the history included), with their
//! verdict, dates and the working days left before the deadline, and their reception report.

use super::reception::report_view;
use super::state::{Intent, State};
use super::widgets;
use crate::calendar;
use chrono::NaiveDate;
use egui::{RichText, Ui};

pub fn show(ui: &mut Ui, state: &mut State, intents: &mut Vec<Intent>) {
    let lang = state.lang();
    let Some(ov) = state.session.as_ref().and_then(|s| s.overview.as_ref()) else {
        return;
    };
    let today = chrono::Local::now().date_naive();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            widgets::title(
                ui,
                lang.t("Livraisons de la base", "Deliveries in the store"),
            );
            egui::Grid::new("deliveries")
                .striped(true)
                .num_columns(8)
                .spacing([14.0, 6.0])
                .show(ui, |ui| {
                    for h in [
                        lang.t("Livraison", "Delivery"),
                        lang.t("Extraction", "Extraction"),
                        lang.t("Reçue le", "Received"),
                        lang.t("Date limite", "Deadline"),
                        lang.t("Délai", "Time left"),
                        lang.t("Verdict", "Verdict"),
                        lang.t("État", "State"),
                        "",
                    ] {
                        ui.label(RichText::new(h).strong());
                    }
                    ui.end_row();
                    for d in &ov.deliveries {
                        ui.horizontal(|ui| {
                            widgets::badge(ui, &d.application, widgets::app_color(&d.application));
                            ui.label(&d.name);
                        });
                        ui.label(&d.extraction);
                        let date = |s: &str| {
                            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                                .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
                        };
                        let fr = |s: &str| {
                            date(s)
                                .map(crate::report::fr_date)
                                .unwrap_or_else(|_| s.to_string())
                        };
                        ui.label(fr(&d.received_on));
                        ui.label(fr(&d.deadline));
                        let deadline = date(&d.deadline);
                        match deadline {
                            Ok(dl) if calendar::is_past(today, dl) => {
                                ui.label(lang.t(
                                    "échu (livraison réputée acceptée)",
                                    "past (delivery deemed accepted)",
                                ));
                            }
                            Ok(dl) => {
                                let n = calendar::working_days_left(today, dl, &d.departement);
                                ui.label(
                                    RichText::new(format!(
                                        "{n} {}",
                                        lang.t("jours ouvrés restants", "working days left")
                                    ))
                                    .color(widgets::warn_color(ui)),
                                );
                            }
                            Err(_) => {
                                ui.label("—");
                            }
                        }
                        let ok = d.verdict == "CONFORME";
                        ui.label(RichText::new(&d.verdict).strong().color(if ok {
                            widgets::ok_color(ui)
                        } else {
                            widgets::error_color(ui)
                        }));
                        ui.label(if d.active {
                            lang.t("en consultation", "in use")
                        } else {
                            lang.t("remplacée", "replaced")
                        });
                        if ui.button(lang.t("Procès-verbal", "Report")).clicked() {
                            intents.push(Intent::ShowReport(d.id));
                        }
                        ui.end_row();
                    }
                });
            ui.add_space(10.0);
            fixity(ui, lang, &state.deliveries, intents);
            ui.add_space(6.0);
            finess(ui, lang, ov.finess.as_ref(), &mut state.deliveries, intents);
            ui.add_space(6.0);
            plain_export(ui, lang, &mut state.deliveries, intents);
            if let Some(e) = &state.deliveries.error {
                widgets::error_text(ui, e);
            }
            if let Some(report) = state.deliveries.report.clone() {
                ui.add_space(12.0);
                ui.separator();
                let f = &mut state.reception;
                report_view(ui, lang, &report, &mut f.pdf_path, &f.pdf_message, intents);
            }
        });
}

/// "Contrôler l'intégrité de la base": every page authenticated, every delivered file re-created
/// and compared with CONTROLE.TXT.
fn fixity(
    ui: &mut Ui,
    lang: super::i18n::Lang,
    d: &super::state::DeliveriesState,
    intents: &mut Vec<Intent>,
) {
    ui.horizontal(|ui| {
        let running = d.fixity_running.is_some();
        if ui
            .add_enabled(
                !running,
                egui::Button::new(lang.t(
                    "Contrôler l'intégrité de la base",
                    "Check the store's integrity",
                )),
            )
            .on_hover_text(lang.t(
                "Recrée chaque fichier livré depuis la base et compare sa taille et son empreinte SHA-256 à celles de CONTROLE.TXT ; vérifie aussi chaque page chiffrée.",
                "Re-creates every delivered file from the store and compares its size and SHA-256 with CONTROLE.TXT's; also checks every encrypted page.",
            ))
            .clicked()
        {
            intents.push(Intent::CheckStore);
        }
        if let Some((_, progress)) = &d.fixity_running {
            let p = progress.load(std::sync::atomic::Ordering::Relaxed);
            let (done, total) = (p >> 32, p & 0xffff_ffff);
            ui.spinner();
            ui.label(if total == 0 {
                lang.t("Contrôle des pages chiffrées…", "Checking the encrypted pages…").to_string()
            } else {
                format!(
                    "{} {} {} {}",
                    lang.t("Fichier", "File"),
                    (done + 1).min(total),
                    lang.t("sur", "of"),
                    total
                )
            });
            if ui.button(lang.t("Annuler", "Cancel")).clicked() {
                intents.push(Intent::CancelCheckStore);
            }
        }
    });
    match &d.fixity {
        Some(Ok(f)) if f.ok => {
            ui.label(
                RichText::new(format!(
                    "✔ {} {} {}",
                    lang.t("Base intacte : les", "Store intact: the"),
                    f.files.iter().filter(|x| x.kept).count(),
                    lang.t(
                        "fichiers livrés sont recréés à l'identique (taille et SHA-256 relevés à la réception) et toutes les pages chiffrées sont authentifiées.",
                        "delivered files are re-created exactly (size and SHA-256 measured at reception) and every encrypted page is authenticated.",
                    )
                ))
                .color(widgets::ok_color(ui)),
            );
        }
        Some(Ok(f)) => {
            widgets::error_text(
                ui,
                lang.t(
                    "✖ Base altérée : elle ne redonne plus exactement ce qui a été livré. Remettez en place sa dernière sauvegarde, ou importez à nouveau les livraisons dans une nouvelle base.",
                    "✖ Store altered: it no longer gives back exactly what was delivered. Restore its last backup, or import the deliveries again into a new store.",
                ),
            );
            for line in f
                .pages
                .iter()
                .chain(&f.structure)
                .flat_map(|p| p.lines())
                .take(5)
            {
                ui.label(format!("  {line}"));
            }
            for x in f.files.iter().filter(|x| !x.ok) {
                ui.label(format!(
                    "  {} {} : {}",
                    x.delivery,
                    x.path,
                    x.error.clone().unwrap_or_else(|| lang
                        .t(
                            "contenu différent de celui livré",
                            "content differs from the delivered one"
                        )
                        .to_string())
                ));
            }
        }
        Some(Err(e)) => widgets::error_text(ui, e),
        None => {}
    }
}

/// The FINESS referential: the newer extract loaded beside the store, and loading another.
fn finess(
    ui: &mut Ui,
    lang: super::i18n::Lang,
    loaded: Option<&crate::referential::Extract>,
    d: &mut super::state::DeliveriesState,
    intents: &mut Vec<Intent>,
) {
    ui.label(RichText::new(lang.t("Référentiel FINESS", "FINESS referential")).strong());
    ui.label(match loaded {
        Some(e) => format!(
            "{} {} ({} {}, {} {}) : {} {}",
            lang.t("Extrait public du", "Public extract of"),
            e.date,
            lang.t("version", "version"),
            e.version,
            lang.t("chargé le", "loaded"),
            e.loaded_at,
            lang.int(e.structures),
            lang.t(
                "établissements ; les dossiers montrent leur nom actuel à côté de celui livré.",
                "establishments; dossiers show their current name beside the delivered one.",
            )
        ),
        None => lang
            .t(
                "Seul le référentiel FINESS livré est utilisé. Un extrait public plus récent (format etalab) donne le nom actuel des établissements.",
                "Only the delivered FINESS referential is used. A newer public extract (etalab layout) gives the establishments' current names.",
            )
            .to_string(),
    });
    widgets::path_field(
        ui,
        lang,
        lang.t("Extrait FINESS (etalab)", "FINESS extract (etalab)"),
        &mut d.finess_path,
        widgets::Pick::File,
    );
    if widgets::job_button(
        ui,
        lang.t("Charger cet extrait FINESS", "Load this FINESS extract"),
        !d.finess_path.trim().is_empty(),
        d.finess_running,
    ) {
        intents.push(Intent::LoadFiness(std::path::PathBuf::from(
            d.finess_path.trim(),
        )));
    }
    let ok = widgets::ok_color(ui);
    widgets::job_outcome(ui, d.finess_message.as_ref(), ok);
}

/// "Exporter toute la base en clair (SQLite)…", behind a ticked warning.
fn plain_export(
    ui: &mut Ui,
    lang: super::i18n::Lang,
    d: &mut super::state::DeliveriesState,
    intents: &mut Vec<Intent>,
) {
    if ui
        .button(lang.t(
            "Exporter toute la base en clair (SQLite)…",
            "Export the whole store unencrypted (SQLite)…",
        ))
        .on_hover_text(lang.t(
            "Pour charger les données dans le nouveau logiciel de la MDPH",
            "To load the data into the MDPH's new software",
        ))
        .clicked()
    {
        d.plain_open = !d.plain_open;
    }
    if !d.plain_open {
        return;
    }
    egui::Frame::group(ui.style()).inner_margin(10.0).show(ui, |ui| {
        widgets::warning_text(
            ui,
            lang.t(
                "Le fichier produit contiendra TOUTES les données de la base, données médicales comprises, NON CHIFFRÉES : quiconque y accède peut les lire. Enregistrez-le sur un support protégé et supprimez-le dès qu'il a été repris.",
                "The file will hold ALL the store's data, medical data included, NOT ENCRYPTED: anyone who reaches it can read it. Save it on protected storage and delete it once loaded.",
            ),
        );
        if d.plain_path.is_empty() {
            let home = std::env::var_os("HOME")
                .map(std::path::PathBuf::from)
                .unwrap_or_default();
            d.plain_path = home.join("reprise-en-clair.sqlite").display().to_string();
        }
        widgets::path_field(
            ui,
            lang,
            lang.t("Fichier SQLite à écrire", "SQLite file to write"),
            &mut d.plain_path,
            widgets::Pick::Save("reprise-en-clair.sqlite"),
        );
        ui.checkbox(
            &mut d.plain_understood,
            lang.t(
                "Je comprends que ce fichier ne sera pas chiffré",
                "I understand this file will not be encrypted",
            ),
        );
        if widgets::job_button(
            ui,
            lang.t("Exporter en clair", "Export unencrypted"),
            d.plain_understood,
            d.plain_running,
        ) {
            intents.push(Intent::ExportPlain(std::path::PathBuf::from(
                d.plain_path.trim(),
            )));
        }
        let warn = widgets::warn_color(ui);
        widgets::job_outcome(ui, d.plain_message.as_ref(), warn);
    });
}
