//! Small pieces shared by the screens: named text fields (every input has a label a screen
//! reader announces), path fields with a file dialog, messages, badges, the progress of a job.

use super::i18n::Lang;
use super::state::Intent;
use crate::reception::Progress;
use egui::{Color32, RichText, Ui};

/// A library message as a sentence: capital first letter, final full stop.
pub fn sentence(msg: &str) -> String {
    let msg = msg.trim();
    let mut chars = msg.chars();
    let mut out: String = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !out.ends_with(['.', '!', '?', '»']) {
        out.push('.');
    }
    out
}

pub fn error_color(ui: &Ui) -> Color32 {
    if ui.visuals().dark_mode {
        Color32::from_rgb(255, 140, 130)
    } else {
        Color32::from_rgb(170, 20, 20)
    }
}

pub fn ok_color(ui: &Ui) -> Color32 {
    if ui.visuals().dark_mode {
        Color32::from_rgb(120, 220, 140)
    } else {
        Color32::from_rgb(20, 110, 40)
    }
}

pub fn warn_color(ui: &Ui) -> Color32 {
    if ui.visuals().dark_mode {
        Color32::from_rgb(255, 200, 90)
    } else {
        Color32::from_rgb(140, 80, 0)
    }
}

/// An error message, announced with its icon.
pub fn error_text(ui: &mut Ui, msg: &str) {
    let c = error_color(ui);
    ui.label(RichText::new(format!("⚠ {msg}")).color(c).strong());
}

/// A button that starts a job run off the UI thread: enabled when `ready` and the job is not
/// running, a spinner beside it while it runs. True when clicked.
pub fn job_button(ui: &mut Ui, label: &str, ready: bool, running: bool) -> bool {
    ui.horizontal(|ui| {
        let clicked = ui
            .add_enabled(ready && !running, egui::Button::new(label))
            .clicked();
        if running {
            ui.spinner();
        }
        clicked
    })
    .inner
}

/// What a job ended with: its message in `color`, or its error.
pub fn job_outcome(ui: &mut Ui, outcome: Option<&Result<String, String>>, color: Color32) {
    match outcome {
        Some(Ok(m)) => {
            ui.label(RichText::new(m).color(color));
        }
        Some(Err(m)) => error_text(ui, m),
        None => {}
    }
}

pub fn warning_text(ui: &mut Ui, msg: &str) {
    let c = warn_color(ui);
    ui.label(RichText::new(format!("ℹ {msg}")).color(c));
}

/// A one-line text field with its label; the label names the field for screen readers.
/// A label in the fixed-width column of a form, left-aligned.
fn form_label(ui: &mut Ui, label: &str) -> egui::Response {
    ui.allocate_ui_with_layout(
        egui::vec2(230.0, 22.0),
        egui::Layout::left_to_right(egui::Align::Center),
        |ui| {
            ui.set_min_width(230.0);
            ui.label(label)
        },
    )
    .inner
}

pub fn text_field(ui: &mut Ui, label: &str, value: &mut String, password: bool) -> egui::Response {
    ui.horizontal(|ui| {
        let l = form_label(ui, label);
        ui.add(
            egui::TextEdit::singleline(value)
                .password(password)
                .desired_width(420.0),
        )
        .labelled_by(l.id)
    })
    .inner
}

/// What a path field chooses.
#[derive(Clone, Copy)]
pub enum Pick {
    File,
    Save(&'static str),
}

/// A path field with "Parcourir…": the dialog when the desktop offers one, the typed path always.
pub fn path_field(ui: &mut Ui, lang: Lang, label: &str, value: &mut String, pick: Pick) {
    ui.horizontal(|ui| {
        let l = form_label(ui, label);
        ui.add(egui::TextEdit::singleline(value).desired_width(420.0))
            .labelled_by(l.id);
        let browse = lang.t("Parcourir…", "Browse…");
        if ui
            .button(browse)
            .on_hover_text(format!("{} : {label}", lang.t("Choisir", "Choose")))
            .clicked()
        {
            let dialog = rfd::FileDialog::new();
            let chosen = match pick {
                Pick::File => dialog.pick_file(),
                Pick::Save(name) => dialog.set_file_name(name).save_file(),
            };
            if let Some(p) = chosen {
                *value = p.display().to_string();
            }
        }
    });
}

/// A small coloured badge (ITAC, OPALES, archivé…).
pub fn badge(ui: &mut Ui, text: &str, color: Color32) {
    egui::Frame::new()
        .fill(color)
        .corner_radius(4.0)
        .inner_margin(egui::Margin::symmetric(6, 1))
        .show(ui, |ui| {
            ui.label(RichText::new(text).color(Color32::WHITE).strong().small());
        });
}

pub fn app_color(application: &str) -> Color32 {
    if application.eq_ignore_ascii_case("OPALES") {
        Color32::from_rgb(120, 60, 150)
    } else {
        Color32::from_rgb(30, 90, 160)
    }
}

/// The progress of a reception, with its cancel button.
pub fn job_progress(ui: &mut Ui, lang: Lang, title: &str, p: &Progress, intents: &mut Vec<Intent>) {
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        ui.spinner();
        ui.label(RichText::new(format!("{} {title}", lang.t("En cours :", "Running:"))).strong());
        if ui
            .button(lang.t("Annuler", "Cancel"))
            .on_hover_text(lang.t(
                "Arrête la lecture ; la base reste telle qu'avant",
                "Stops reading; the store stays as it was",
            ))
            .clicked()
        {
            intents.push(Intent::CancelJob);
        }
    });
    let fraction = (p.files_expected > 0).then(|| p.files_done as f32 / p.files_expected as f32);
    let text = format!(
        "{} {} — {} {} / {} — {} {} — {} {}",
        lang.t("fichier", "file"),
        if p.file.is_empty() { "…" } else { &p.file },
        lang.t("fichiers", "files"),
        p.files_done,
        p.files_expected,
        lang.int(p.records),
        lang.t("lignes", "rows"),
        lang.int(p.bytes / 1_000_000),
        lang.t("Mo déchiffrés", "MB decrypted"),
    );
    let bar = egui::ProgressBar::new(fraction.unwrap_or(0.0).clamp(0.0, 1.0))
        .text(text)
        .animate(fraction.is_none());
    ui.add(bar);
    ui.add_space(6.0);
}

/// A screen title.
pub fn title(ui: &mut Ui, text: &str) {
    ui.add_space(6.0);
    ui.heading(RichText::new(text).strong());
    ui.add_space(4.0);
}
