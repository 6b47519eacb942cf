//! Search screen: one field, focused on arrival and by Ctrl+F, results as you type (after a
//! short pause, on the store's thread); each result shows names, birth date, application
//! badges, dossier number, archived flag, linked persons and why it matched. Up and down move in
//! the results, Enter opens the dossier.

use super::state::{Intent, State};
use super::widgets;
use crate::search::query::Hit;
use egui::{RichText, Ui};
use std::time::Instant;

pub fn show(ui: &mut Ui, state: &mut State, intents: &mut Vec<Intent>) {
    let lang = state.lang();
    let generic: Vec<String> = state
        .session
        .as_ref()
        .and_then(|s| s.overview.as_ref())
        .map(|o| o.generic.clone())
        .unwrap_or_default();
    let s = &mut state.search;
    widgets::title(ui, lang.t("Rechercher une personne", "Find a person"));
    if !generic.is_empty() {
        widgets::warning_text(
            ui,
            &format!(
                "{} {}. {}",
                lang.t("Mode générique pour", "Generic mode for"),
                generic.join(", "),
                lang.t(
                    "Aucun profil ne décrit cette application ou cette version : ses lignes sont cherchées dans toutes les colonnes de texte, sans personne ni dossier assemblé ; ses tables restent consultables.",
                    "No profile describes this application or version: its rows are searched in every text column, without persons or assembled dossiers; its tables can be browsed.",
                )
            ),
        );
    }
    let label = ui.label(lang.t(
        "Nom, prénom, date de naissance, numéro de dossier ou NIR :",
        "Name, first name, birth date, dossier number or NIR:",
    ));
    let field = ui
        .add(
            egui::TextEdit::singleline(&mut s.text)
                .hint_text(lang.t(
                    "par exemple : dupont jean 1987, lefèvre, 0599800123",
                    "for example: dupont jean 1987, lefèvre, 0599800123",
                ))
                .desired_width(f32::INFINITY)
                .font(egui::TextStyle::Heading),
        )
        .labelled_by(label.id);
    if s.focus {
        field.request_focus();
        s.focus = false;
    }
    if field.changed() {
        s.edited_at = Some(Instant::now());
    }
    let (down, up, enter) = ui.input(|i| {
        (
            i.key_pressed(egui::Key::ArrowDown),
            i.key_pressed(egui::Key::ArrowUp),
            i.key_pressed(egui::Key::Enter),
        )
    });
    if field.has_focus() || field.lost_focus() {
        if down && s.selected + 1 < s.hits.len() {
            s.selected += 1;
        }
        if up && s.selected > 0 {
            s.selected -= 1;
        }
        if enter {
            if s.text != s.sent {
                intents.push(Intent::Search);
            } else if let Some(h) = s.hits.get(s.selected) {
                intents.push(Intent::OpenDossier {
                    application: h.application.clone(),
                    number: h.dossier.clone(),
                });
            }
        }
    }
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        if s.busy || s.edited_at.is_some() {
            ui.spinner();
            ui.label(lang.t("Recherche…", "Searching…"));
        } else if let Some(q) = &s.answered {
            let n = s.hits.len();
            let text = match n {
                0 if !s.rows.is_empty() => format!(
                    "{} {}",
                    lang.int(s.rows.len() as u64),
                    lang.t("lignes trouvées en mode générique", "rows found in generic mode")
                ),
                0 => format!("{} « {q} ». {}", lang.t("Aucune personne ne correspond à", "Nobody matches"), lang.t(
                    "Essayez une partie du nom, sans le prénom, ou la seule année de naissance.",
                    "Try part of the name, without the first name, or only the birth year.",
                )),
                _ => format!(
                    "{} {} — {}",
                    lang.int(n as u64),
                    if n > 1 { lang.t("personnes trouvées", "people found") } else { lang.t("personne trouvée", "person found") },
                    lang.t("↑ ↓ pour choisir, Entrée pour ouvrir le dossier", "↑ ↓ to choose, Enter to open the dossier")
                ),
            };
            ui.label(text);
        }
    });
    if let Some(e) = &s.error {
        widgets::error_text(ui, e);
    }
    ui.add_space(4.0);
    let selected = s.selected;
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for (i, h) in s.hits.iter().enumerate() {
                if hit_row(ui, lang, h, i == selected, down || up) {
                    intents.push(Intent::OpenDossier {
                        application: h.application.clone(),
                        number: h.dossier.clone(),
                    });
                }
            }
            if !s.rows.is_empty() {
                ui.add_space(8.0);
                ui.label(
                    RichText::new(lang.t(
                        "Lignes trouvées (mode générique) — cliquez pour ouvrir la table à la ligne",
                        "Rows found (generic mode) — click to open the table at the row",
                    ))
                    .strong(),
                );
                for r in &s.rows {
                    let values: Vec<String> =
                        r.values.iter().map(|(c, v)| format!("{c} : {v}")).collect();
                    let text = format!(
                        "{} ({}) — {} {} — {}",
                        r.label,
                        r.table,
                        lang.t("ligne", "row"),
                        lang.int(r.record.max(0) as u64),
                        values.join(" ; ")
                    );
                    if ui.button(text).clicked() {
                        intents.push(Intent::OpenRow {
                            table: r.table.clone(),
                            record: r.record,
                        });
                    }
                }
            }
        });
}

/// One result; true when it is clicked.
fn hit_row(ui: &mut Ui, lang: super::i18n::Lang, h: &Hit, selected: bool, scroll: bool) -> bool {
    let fill = if selected {
        ui.visuals().selection.bg_fill.gamma_multiply(0.35)
    } else {
        ui.visuals().faint_bg_color
    };
    let name = format!(
        "{}{} {}",
        h.surname,
        if h.other_surnames.is_empty() {
            String::new()
        } else {
            format!(" ({})", h.other_surnames)
        },
        h.first_names
    );
    let r = egui::Frame::new()
        .fill(fill)
        .corner_radius(6.0)
        .inner_margin(8.0)
        .stroke(if selected {
            ui.visuals().selection.stroke
        } else {
            egui::Stroke::NONE
        })
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                widgets::badge(ui, &h.application, widgets::app_color(&h.application));
                for l in &h.linked {
                    widgets::badge(ui, &l.application, widgets::app_color(&l.application));
                }
                ui.label(RichText::new(&name).strong().size(17.0));
                if let Some(b) = &h.birth {
                    ui.label(format!("{} {b}", lang.t("né(e) le", "born")));
                }
                if h.archived {
                    widgets::badge(
                        ui,
                        lang.t("archivé", "archived"),
                        egui::Color32::from_rgb(110, 110, 110),
                    );
                }
            });
            ui.horizontal_wrapped(|ui| {
                ui.label(format!(
                    "{} {} {}",
                    lang.t("Dossier", "Dossier"),
                    h.application,
                    h.dossier
                ));
                for l in &h.linked {
                    ui.label(format!(
                        "— {} {} {} ({} {} %)",
                        lang.t("lié à", "linked to"),
                        l.application,
                        l.dossier,
                        l.evidence,
                        l.confidence
                    ));
                }
            });
            ui.label(
                RichText::new(format!(
                    "{} {}",
                    lang.t("Pourquoi :", "Why:"),
                    h.why.join(" ; ")
                ))
                .weak(),
            );
        })
        .response;
    let r = r.interact(egui::Sense::click());
    r.widget_info(|| {
        egui::WidgetInfo::labeled(
            egui::Role::Button,
            true,
            format!(
                "{name}, {}, {} {}",
                h.birth.clone().unwrap_or_default(),
                h.application,
                h.dossier
            ),
        )
    });
    if selected && scroll {
        r.scroll_to_me(None);
    }
    if r.hovered() {
        ui.ctx().set_cursor_icon(egui::CursorIcon::PointingHand);
    }
    ui.add_space(4.0);
    r.clicked()
}
