//! Unlock screen: the store's passphrase, asked at start, after "Verrouiller" and after the
//! idle delay. A wrong passphrase gets a French sentence saying what to do.

use super::state::{Intent, Screen, State};
use super::widgets::{self, Pick};
use egui::{RichText, Ui};

pub fn show(ui: &mut Ui, state: &mut State, intents: &mut Vec<Intent>) {
    let lang = state.lang();
    ui.add_space(24.0);
    widgets::title(ui, lang.t("Ouvrir la base", "Open the store"));
    ui.label(lang.t(
        "La base est chiffrée : saisissez sa phrase de passe pour consulter les dossiers.",
        "The store is encrypted: type its passphrase to read the dossiers.",
    ));
    ui.add_space(12.0);
    let f = &mut state.unlock;
    widgets::path_field(
        ui,
        lang,
        lang.t("Fichier de la base", "Store file"),
        &mut f.store,
        Pick::File,
    );
    let field = widgets::text_field(
        ui,
        lang.t("Phrase de passe de la base", "Store passphrase"),
        &mut f.passphrase,
        true,
    );
    // Focus the field once the window is up (asking in the very first frames, before the window
    // is shown, leaves winit's X11 input method in a state that drops every event).
    if f.focus && ui.ctx().cumulative_frame_nr() > 2 {
        field.request_focus();
        f.focus = false;
    }
    let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    ui.add_space(8.0);
    ui.horizontal(|ui| {
        let open = ui.add_enabled(
            !f.busy,
            egui::Button::new(RichText::new(lang.t("Déverrouiller", "Unlock")).strong())
                .min_size(egui::vec2(160.0, 32.0)),
        );
        if (open.clicked() || enter) && !f.busy {
            intents.push(Intent::Unlock);
        }
        if f.busy {
            ui.spinner();
            ui.label(lang.t("Ouverture de la base…", "Opening the store…"));
        }
        if ui.button(lang.t("Accueil", "Home")).clicked() {
            intents.push(Intent::Go(Screen::Welcome));
        }
    });
    if let Some(e) = &f.error {
        ui.add_space(8.0);
        widgets::error_text(ui, e);
    }
}
