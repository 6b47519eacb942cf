//! Dossier screen: a header with the person's names, birth date, NIR and its key status,
//! dossier number and applications; a banner for the same person in the other application; the
//! timeline in words; one section per table hanging from the person, each code with its label;
//! the medical part behind an explicit, warned reveal; the provenance of every value on hover.

use super::i18n::Lang;
use super::state::{Intent, Screen, State};
use super::widgets;
use crate::dossier::{Field, RefStatus, Row};
use egui::{RichText, Ui};

pub fn show(ui: &mut Ui, state: &mut State, intents: &mut Vec<Intent>) {
    let lang = state.lang();
    let d = &mut state.dossier;
    ui.horizontal(|ui| {
        if ui
            .button(lang.t("← Retour aux résultats", "← Back to results"))
            .clicked()
            || ui.input(|i| i.key_pressed(egui::Key::Escape))
        {
            intents.push(Intent::Go(Screen::Search));
        }
        if d.loading.is_some() {
            ui.spinner();
            ui.label(lang.t("Chargement du dossier…", "Loading the dossier…"));
        }
    });
    if let Some(e) = &d.error {
        widgets::error_text(ui, e);
    }
    let Some((dossier, hit)) = &d.current else {
        return;
    };
    if d.loading.is_some()
        && d.key
            .as_ref()
            .is_some_and(|k| !k.0.eq_ignore_ascii_case(&dossier.application))
    {
        return;
    }
    let provenance = |row: &Row, f: Option<&Field>| {
        format!(
            "{} {} — {} {} — {} {}{}",
            lang.t("Livraison", "Delivery"),
            dossier.delivery,
            lang.t("table", "table"),
            row.table,
            lang.t("ligne", "row"),
            row.record,
            f.map(|f| format!(" — {} {}", lang.t("colonne", "column"), f.column))
                .unwrap_or_default()
        )
    };
    egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
        // Header.
        egui::Frame::group(ui.style()).inner_margin(12.0).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal_wrapped(|ui| {
                widgets::badge(ui, &dossier.application, widgets::app_color(&dossier.application));
                if let Some(h) = hit {
                    let name = format!(
                        "{}{} {}",
                        h.surname,
                        if h.other_surnames.is_empty() { String::new() } else { format!(" ({})", h.other_surnames) },
                        h.first_names
                    );
                    ui.heading(RichText::new(name).strong().size(24.0));
                    if h.archived {
                        widgets::badge(ui, lang.t("archivé", "archived"), egui::Color32::from_rgb(110, 110, 110));
                    }
                }
            });
            if let Some(h) = hit {
                egui::Grid::new("identity").num_columns(4).spacing([16.0, 4.0]).show(ui, |ui| {
                    ui.label(RichText::new(lang.t("Naissance", "Birth")).strong());
                    ui.label(h.birth.clone().unwrap_or_else(|| "—".into()));
                    ui.label(RichText::new(lang.t("Dossier", "Dossier")).strong());
                    ui.label(format!("{} {}", h.application, h.dossier));
                    ui.end_row();
                    ui.label(RichText::new("NIR").strong());
                    match (&h.nir, h.nir_key_ok) {
                        (Some(n), Some(true)) => ui.label(format!("{n} — {}", lang.t("clé valide", "valid key"))),
                        (Some(n), Some(false)) => ui.label(RichText::new(format!("{n} — {}", lang.t("clé fausse : vérifiez le NIR", "wrong key: check the NIR"))).color(widgets::error_color(ui))),
                        (Some(n), None) => ui.label(format!("{n} — {}", lang.t("sans clé", "no key"))),
                        (None, _) => ui.label("—"),
                    };
                    ui.label(RichText::new(lang.t("Livraison", "Delivery")).strong());
                    ui.label(&dossier.delivery);
                    ui.end_row();
                });
            }
            ui.horizontal(|ui| {
                if ui
                    .button(lang.t("Imprimer / PDF…", "Print / PDF…"))
                    .on_hover_text(lang.t(
                        "La fiche de synthèse en PDF, à imprimer ou à classer",
                        "The summary as a PDF, to print or to file",
                    ))
                    .clicked()
                {
                    d.print.open = !d.print.open;
                }
                if ui
                    .button(lang.t("Exporter…", "Export…"))
                    .on_hover_text(lang.t(
                        "Le dossier complet en JSON (codes, libellés et provenance), pour un autre logiciel",
                        "The whole dossier as JSON (codes, labels and provenance), for other software",
                    ))
                    .clicked()
                {
                    d.print.open = !d.print.open;
                }
            });
            if d.print.open {
                print_panel(ui, lang, &mut d.print, d.medical, dossier, intents);
            }
        });
        // The same person in the other application.
        if let Some(h) = hit {
            for l in &h.linked {
                ui.add_space(6.0);
                egui::Frame::new()
                    .fill(widgets::app_color(&l.application).gamma_multiply(0.18))
                    .corner_radius(6.0)
                    .inner_margin(10.0)
                    .show(ui, |ui| {
                        ui.set_width(ui.available_width());
                        ui.horizontal_wrapped(|ui| {
                            ui.label(RichText::new(format!(
                                "{} {} {} — {} : {} ({} {} %). {}",
                                lang.t("Cette personne a aussi un dossier", "This person also has a dossier"),
                                l.application,
                                l.dossier,
                                lang.t("preuve", "evidence"),
                                l.evidence,
                                lang.t("confiance", "confidence"),
                                l.confidence,
                                lang.t("Les deux dossiers restent distincts.", "Both dossiers stay separate.")
                            )));
                            if ui.button(format!("{} {}", lang.t("Voir le dossier", "Open the dossier"), l.application)).clicked() {
                                intents.push(Intent::OpenDossier {
                                    application: l.application.clone(),
                                    number: l.dossier.clone(),
                                });
                            }
                        });
                    });
            }
        }
        ui.add_space(8.0);
        // Timeline.
        egui::CollapsingHeader::new(RichText::new(format!("{} ({})", lang.t("Chronologie", "Timeline"), dossier.timeline.len())).strong().size(17.0))
            .default_open(true)
            .show(ui, |ui| {
                if dossier.timeline.is_empty() {
                    ui.label(lang.t("Aucun événement daté.", "No dated event."));
                }
                egui::Grid::new("timeline").striped(true).num_columns(3).spacing([16.0, 4.0]).show(ui, |ui| {
                    for e in &dossier.timeline {
                        ui.label(RichText::new(date_only(&e.date)).monospace());
                        ui.label(RichText::new(&e.label).strong());
                        ui.label(&e.detail).on_hover_text(format!(
                            "{} {} — {} {} — {} {}",
                            lang.t("Livraison", "Delivery"), dossier.delivery,
                            lang.t("table", "table"), e.table,
                            lang.t("ligne", "row"), e.record
                        ));
                        ui.end_row();
                    }
                });
            });
        // Identity: every column of the person row.
        egui::CollapsingHeader::new(RichText::new(lang.t("Identité et adresse", "Identity and address")).strong().size(17.0))
            .default_open(true)
            .show(ui, |ui| fields_grid(ui, lang, &dossier.person, "person", &provenance));
        // Medical part.
        ui.add_space(6.0);
        if dossier.medical_hidden {
            egui::Frame::group(ui.style()).inner_margin(10.0).show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(RichText::new(lang.t("Données médicales masquées", "Medical data hidden")).strong());
                if d.confirm_medical {
                    widgets::warning_text(ui, lang.t(
                        "Ces données sont couvertes par le secret médical. Ne les affichez que si votre mission l'exige ; l'affichage est enregistré.",
                        "This data is covered by medical secrecy. Show it only if your work requires it; showing it is recorded.",
                    ));
                    ui.horizontal(|ui| {
                        if ui.button(RichText::new(lang.t("Je confirme : afficher", "I confirm: show")).strong()).clicked() {
                            intents.push(Intent::RevealMedical);
                        }
                        if ui.button(lang.t("Annuler", "Cancel")).clicked() {
                            d.confirm_medical = false;
                        }
                    });
                } else if ui.button(lang.t("Afficher les données médicales", "Show the medical data")).clicked() {
                    d.confirm_medical = true;
                }
            });
        } else if d.medical {
            ui.horizontal(|ui| {
                widgets::warning_text(ui, lang.t("Données médicales affichées.", "Medical data shown."));
                if ui.button(lang.t("Masquer les données médicales", "Hide the medical data")).clicked() {
                    intents.push(Intent::HideMedical);
                }
            });
        }
        // Sections.
        for (si, s) in dossier.sections.iter().enumerate() {
            let title = format!(
                "{}{} ({})",
                if s.medical { "⚕ " } else { "" },
                if s.label.is_empty() { &s.table } else { &s.label },
                s.rows.len()
            );
            egui::CollapsingHeader::new(RichText::new(title).strong().size(17.0))
                .id_salt(("section", si))
                .default_open(s.rows.len() <= 12)
                .show(ui, |ui| {
                    for (ri, row) in s.rows.iter().enumerate() {
                        egui::Frame::new()
                            .fill(ui.visuals().faint_bg_color)
                            .corner_radius(4.0)
                            .inner_margin(6.0)
                            .show(ui, |ui| {
                                ui.set_width(ui.available_width());
                                fields_grid(ui, lang, row, &format!("{si}-{ri}"), &provenance);
                            });
                        ui.add_space(3.0);
                    }
                });
        }
    });
}

/// The non-empty values of a row, with labels; codes with their meaning.
fn fields_grid(
    ui: &mut Ui,
    lang: Lang,
    row: &Row,
    id: &str,
    provenance: &dyn Fn(&Row, Option<&Field>) -> String,
) {
    egui::Grid::new(("fields", id))
        .num_columns(2)
        .spacing([16.0, 2.0])
        .show(ui, |ui| {
            for f in &row.fields {
                if f.value.trim().is_empty() {
                    continue;
                }
                let label = if f.label.is_empty() {
                    &f.column
                } else {
                    &f.label
                };
                ui.label(RichText::new(label).weak())
                    .on_hover_text(&f.column);
                let text = match (&f.meaning, &f.status) {
                    (Some(m), _) => format!("{} — {m}", f.value.trim_end()),
                    (None, Some(RefStatus::UnknownCode)) => format!(
                        "{} — {}",
                        f.value.trim_end(),
                        lang.t("code inconnu", "unknown code")
                    ),
                    (None, Some(RefStatus::Orphan)) => format!(
                        "{} — {}",
                        f.value.trim_end(),
                        lang.t("référence orpheline", "orphan reference")
                    ),
                    _ => f.value.trim_end().to_string(),
                };
                let bad = matches!(f.status, Some(RefStatus::UnknownCode | RefStatus::Orphan));
                let rich = if bad {
                    RichText::new(text).color(widgets::warn_color(ui))
                } else {
                    RichText::new(text)
                };
                ui.label(rich).on_hover_text(provenance(row, Some(f)));
                ui.end_row();
            }
        });
}

/// `15/10/2008 00:00:00` → `15/10/2008`.
fn date_only(s: &str) -> &str {
    s.strip_suffix(" 00:00:00").unwrap_or(s)
}

/// Where to write the fiche de synthèse or the JSON export, with or without the medical part.
fn print_panel(
    ui: &mut Ui,
    lang: Lang,
    p: &mut super::state::PrintForm,
    medical_shown: bool,
    dossier: &crate::dossier::Dossier,
    intents: &mut Vec<Intent>,
) {
    ui.separator();
    if p.path.is_empty() {
        let home = std::env::var_os("HOME")
            .map(std::path::PathBuf::from)
            .unwrap_or_default();
        p.path = home
            .join(format!(
                "fiche-{}-{}.pdf",
                dossier.application, dossier.number
            ))
            .display()
            .to_string();
    }
    widgets::path_field(
        ui,
        lang,
        lang.t("Fichier à écrire", "File to write"),
        &mut p.path,
        widgets::Pick::Save("fiche.pdf"),
    );
    ui.add_enabled(
        medical_shown,
        egui::Checkbox::new(
            &mut p.medical,
            lang.t(
                "Inclure les données médicales affichées",
                "Include the medical data shown",
            ),
        ),
    )
    .on_disabled_hover_text(lang.t(
        "Affichez d'abord les données médicales pour pouvoir les inclure.",
        "Show the medical data first to include it.",
    ));
    ui.horizontal(|ui| {
        let path = std::path::PathBuf::from(p.path.trim());
        if ui
            .button(
                RichText::new(lang.t("Enregistrer la fiche (PDF)", "Save the summary (PDF)"))
                    .strong(),
            )
            .clicked()
        {
            intents.push(Intent::PrintDossier {
                path: path.with_extension("pdf"),
                medical: p.medical,
                json: false,
            });
        }
        if ui
            .button(lang.t("Exporter le dossier (JSON)", "Export the dossier (JSON)"))
            .clicked()
        {
            intents.push(Intent::PrintDossier {
                path: path.with_extension("json"),
                medical: p.medical,
                json: true,
            });
        }
    });
    ui.label(
        RichText::new(lang.t(
            "Le document est confidentiel ; son édition est inscrite au journal des consultations.",
            "The document is confidential; producing it is written to the consultation journal.",
        ))
        .weak(),
    );
    match &p.message {
        Some(Ok(m)) => {
            ui.label(RichText::new(m).color(widgets::ok_color(ui)));
        }
        Some(Err(m)) => widgets::error_text(ui, m),
        None => {}
    }
}
