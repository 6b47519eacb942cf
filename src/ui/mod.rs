//! The desktop application (eframe / egui, glow renderer, AccessKit on). This first screen says
//! what the tool is and where the demonstration deliveries are; the reception, search, dossier and
//! table screens build on it.

use std::process::ExitCode;

/// Title of the main window.
pub const WINDOW_TITLE: &str = "Reprise — consultation ITAC / OPALES";

/// Passphrase of the bundled demonstration deliveries (`sample-data/README.md`).
pub const DEMO_PASSPHRASE: &str = "demo-reprise-2008";

/// The application state.
#[derive(Default)]
pub struct RepriseApp {}

impl RepriseApp {
    pub fn new(_cc: &eframe::CreationContext<'_>) -> Self {
        RepriseApp {}
    }
}

impl eframe::App for RepriseApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.add_space(24.0);
            ui.heading("Reprise");
            ui.add_space(8.0);
            ui.label(
                "Reprise réceptionne les fichiers de reprise ITAC (adultes, ex-COTOREP) et OPALES \
                 (enfants, ex-CDES) livrés chiffrés à la MDPH, et vérifie qu'ils sont complets et lisibles.",
            );
            ui.label(
                "Il permet ensuite de retrouver une personne et de consulter tout son dossier hors ligne, \
                 sans accès aux anciennes applications.",
            );
            ui.add_space(16.0);
            ui.label(format!(
                "Livraisons de démonstration : dossier sample-data, phrase de passe « {DEMO_PASSPHRASE} »."
            ));
        });
    }
}

/// Opens the main window; returns when it is closed.
pub fn run() -> ExitCode {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(WINDOW_TITLE)
            .with_inner_size([1100.0, 720.0])
            .with_min_inner_size([640.0, 480.0]),
        ..Default::default()
    };
    match eframe::run_native(
        WINDOW_TITLE,
        options,
        Box::new(|cc| Ok(Box::new(RepriseApp::new(cc)))),
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "reprise : impossible d'ouvrir la fenêtre ({e}). Sans écran, utilisez les sous-commandes : reprise --help"
            );
            ExitCode::from(1)
        }
    }
}
