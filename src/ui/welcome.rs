//! Welcome screen: what the tool does in two sentences, the demonstration, a reception, or an
//! existing store.

use super::jobs::DEMO_PASSPHRASE;
use super::state::{Intent, Screen, State};
use super::widgets::{self, Pick};
use egui::{RichText, Ui};
use std::path::PathBuf;

pub fn show(ui: &mut Ui, state: &mut State, intents: &mut Vec<Intent>) {
    let lang = state.lang();
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.add_space(24.0);
        ui.heading(RichText::new(lang.t("Bienvenue dans Reprise", "Welcome to Reprise")).size(28.0));
        ui.add_space(12.0);
        ui.label(RichText::new(lang.t(
            "Reprise réceptionne les fichiers de reprise ITAC (adultes, ex-COTOREP) et OPALES (enfants, ex-CDES) livrés chiffrés à la MDPH, et vérifie qu'ils sont complets et lisibles.",
            "Reprise receives the ITAC (adults, former COTOREP) and OPALES (children, former CDES) recovery files delivered encrypted to the MDPH, and checks that they are complete and readable.",
        )).size(16.0));
        ui.label(RichText::new(lang.t(
            "Il permet ensuite de retrouver une personne et de consulter tout son dossier hors ligne, sans accès aux anciennes applications.",
            "It then finds a person and shows their whole dossier offline, without the former applications.",
        )).size(16.0));
        ui.add_space(24.0);
        let busy = state.job.is_some();
        ui.horizontal(|ui| {
            let demo = ui
                .add_enabled(
                    !busy,
                    egui::Button::new(RichText::new(lang.t("Ouvrir la démonstration", "Open the demonstration")).size(18.0))
                        .min_size(egui::vec2(280.0, 44.0)),
                )
                .on_hover_text(lang.t(
                    "Importe les livraisons fictives fournies avec Reprise dans une base de démonstration",
                    "Imports the fictitious deliveries bundled with Reprise into a demonstration store",
                ));
            if demo.clicked() {
                intents.push(Intent::StartDemo);
            }
            if ui
                .add(
                    egui::Button::new(RichText::new(lang.t("Réceptionner une livraison…", "Receive a delivery…")).size(18.0))
                        .min_size(egui::vec2(280.0, 44.0)),
                )
                .clicked()
            {
                intents.push(Intent::Go(Screen::Reception));
            }
        });
        ui.add_space(8.0);
        ui.label(format!(
            "{} « {DEMO_PASSPHRASE} ». {}",
            lang.t(
                "La démonstration contient des personnes fictives ; sa phrase de passe est",
                "The demonstration holds fictitious people; its passphrase is"
            ),
            lang.t(
                "Essayez ensuite de chercher « lefevre ».",
                "Then try searching for “lefevre”."
            )
        ));
        ui.add_space(28.0);
        ui.separator();
        ui.label(RichText::new(lang.t("Ouvrir une base existante", "Open an existing store")).strong());
        widgets::path_field(
            ui,
            lang,
            lang.t("Fichier de la base", "Store file"),
            &mut state.welcome_path,
            Pick::File,
        );
        if ui
            .add_enabled(
                !state.welcome_path.trim().is_empty(),
                egui::Button::new(lang.t("Ouvrir cette base", "Open this store")),
            )
            .clicked()
        {
            intents.push(Intent::ChooseStore(PathBuf::from(state.welcome_path.trim())));
        }
    });
}
