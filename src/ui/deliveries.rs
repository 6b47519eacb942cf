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
