//! Settings: language, theme, text size, idle delay. Saved at once in the settings file.

use super::i18n::Lang;
use super::settings::Theme;
use super::state::{Intent, State};
use super::widgets;
use egui::Ui;

pub fn show(ui: &mut Ui, state: &mut State, intents: &mut Vec<Intent>) {
    let lang = state.lang();
    let s = &state.settings;
    widgets::title(ui, lang.t("Réglages", "Settings"));
    egui::Grid::new("settings")
        .num_columns(2)
        .spacing([24.0, 12.0])
        .show(ui, |ui| {
            ui.label(lang.t("Langue", "Language"));
            ui.horizontal(|ui| {
                if ui.radio(s.lang == Lang::Fr, "Français").clicked() {
                    intents.push(Intent::SetLang(Lang::Fr));
                }
                if ui.radio(s.lang == Lang::En, "English").clicked() {
                    intents.push(Intent::SetLang(Lang::En));
                }
            });
            ui.end_row();
            ui.label(lang.t("Thème", "Theme"));
            ui.horizontal(|ui| {
                if ui
                    .radio(s.theme == Theme::Light, lang.t("Clair", "Light"))
                    .clicked()
                {
                    intents.push(Intent::SetTheme(Theme::Light));
                }
                if ui
                    .radio(s.theme == Theme::Dark, lang.t("Sombre", "Dark"))
                    .clicked()
                {
                    intents.push(Intent::SetTheme(Theme::Dark));
                }
            });
            ui.end_row();
            let l = ui.label(lang.t("Taille du texte", "Text size"));
            ui.horizontal(|ui| {
                for (text, v) in [("A", 1.0f32), ("A+", 1.25), ("A++", 1.5), ("A+++", 2.0)] {
                    if ui
                        .selectable_label((s.text_scale - v).abs() < 0.01, text)
                        .on_hover_text(format!("{} %", (v * 100.0) as u32))
                        .labelled_by(l.id)
                        .clicked()
                    {
                        intents.push(Intent::SetTextScale(v));
                    }
                }
            });
            ui.end_row();
            let l = ui.label(lang.t(
                "Verrouillage après (minutes sans activité)",
                "Lock after (idle minutes)",
            ));
            let mut minutes = s.idle_minutes;
            let r = ui
                .add(egui::DragValue::new(&mut minutes).range(1..=240))
                .labelled_by(l.id);
            if r.changed() {
                intents.push(Intent::SetIdleMinutes(minutes));
            }
            ui.end_row();
        });
    ui.add_space(12.0);
    ui.label(
        egui::RichText::new(lang.t(
            "Raccourcis : Ctrl+F recherche depuis n'importe quel écran ; Tab et Maj+Tab passent d'une commande à l'autre ; Entrée valide ; flèches haut et bas dans les résultats et les tables.",
            "Shortcuts: Ctrl+F searches from any screen; Tab and Shift+Tab move between controls; Enter confirms; up and down arrows in results and tables.",
        ))
        .weak(),
    );
}
