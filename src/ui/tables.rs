//! Tables screen: the delivered tables with their French labels and stored row counts, and a
//! grid that shows any of them. The grid draws only the rows on screen: in delivery order it
//! reaches any row at once (the record number is the key), sorted or filtered it reads pages one
//! after the other. Sort by a header, filter under each header (`texte` contains, `=valeur`
//! equals, `a..b` range), codes with their labels, a reference opens its target row, a selected
//! row lists the rows that refer to it, the view exports as CSV.

use super::i18n::Lang;
use super::state::{BLOCK, Intent, Rows, State, TableView};
use super::widgets;
use egui::{RichText, Ui};
use egui_extras::{Column, TableBuilder};
use std::path::PathBuf;

const ROW_HEIGHT: f32 = 24.0;

fn visible_id() -> egui::Id {
    egui::Id::unique("reprise-visible-rows")
}

/// How many rows the grid showed last frame (what the view must fetch).
pub fn visible_rows(ctx: &egui::Context) -> usize {
    ctx.data(|d| d.get_temp::<usize>(visible_id()))
        .unwrap_or(40)
}

pub fn show(ui: &mut Ui, state: &mut State, intents: &mut Vec<Intent>) {
    let lang = state.lang();
    let Some(ov) = state.session.as_ref().and_then(|s| s.overview.as_ref()) else {
        return;
    };
    let current = state.tables.view.as_ref().map(|v| v.name.clone());
    egui::Panel::left("table-list")
        .resizable(true)
        .default_size(300.0)
        .show(ui, |ui| {
            ui.add_space(4.0);
            ui.label(RichText::new(lang.t("Tables livrées", "Delivered tables")).strong());
            let l = ui.label(lang.t("Filtrer la liste", "Filter the list"));
            ui.add(
                egui::TextEdit::singleline(&mut state.tables.list_filter)
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(l.id);
            let needle = crate::search::normalize::fold(&state.tables.list_filter);
            egui::ScrollArea::vertical()
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    let mut app = "";
                    for t in &ov.tables {
                        let text = format!("{} {}", t.name, t.label);
                        if !needle.is_empty()
                            && !crate::search::normalize::fold(&text).contains(needle.trim())
                        {
                            continue;
                        }
                        if t.application != app {
                            app = &t.application;
                            ui.add_space(6.0);
                            widgets::badge(ui, app, widgets::app_color(app));
                        }
                        let name = format!("{}.{}", t.application, t.name);
                        let label = if t.label.is_empty() {
                            t.name.clone()
                        } else {
                            t.label.clone()
                        };
                        let r = ui
                            .selectable_label(
                                current.as_deref() == Some(name.as_str()),
                                format!("{label} — {}", lang.int(t.rows.max(0) as u64)),
                            )
                            .on_hover_text(format!("{} ({})", t.name, t.file));
                        if r.clicked() {
                            intents.push(Intent::OpenTable(name));
                        }
                    }
                });
        });
    let Some(v) = &mut state.tables.view else {
        ui.add_space(24.0);
        ui.label(lang.t(
            "Choisissez une table dans la liste : toutes ses lignes s'affichent ici, triables et filtrables.",
            "Choose a table in the list: all its rows show here, sortable and filterable.",
        ));
        return;
    };
    if v.selected.is_some() {
        egui::Panel::bottom("row-detail")
            .resizable(true)
            .default_size(220.0)
            .show(ui, |ui| row_detail(ui, lang, v, intents));
    }
    toolbar(ui, lang, v, intents);
    grid(ui, lang, v, intents);
}

fn toolbar(ui: &mut Ui, lang: Lang, v: &mut TableView, intents: &mut Vec<Intent>) {
    ui.horizontal_wrapped(|ui| {
        ui.heading(
            RichText::new(if v.table.label.is_empty() {
                &v.table.name
            } else {
                &v.table.label
            })
            .strong(),
        );
        ui.label(
            RichText::new(format!(
                "{} — {} {}",
                v.table.name,
                lang.int(v.table.rows.max(0) as u64),
                lang.t("lignes", "rows")
            ))
            .weak(),
        );
        if let Some((c, desc)) = &v.sort {
            ui.label(format!(
                "{} {c} {}",
                lang.t("triée par", "sorted by"),
                if *desc { "↓" } else { "↑" }
            ));
        }
        if !v.filters.is_empty() {
            let shown = match &v.rows {
                Rows::Sequential { rows, next, .. } => format!(
                    "{}{} {}",
                    lang.int(rows.len() as u64),
                    if next.is_some() { "+" } else { "" },
                    if rows.len() == 1 && next.is_none() {
                        lang.t("ligne retenue", "matching row")
                    } else {
                        lang.t("lignes retenues", "matching rows")
                    }
                ),
                Rows::Positional { .. } => {
                    let n = v.view_rows.unwrap_or(0);
                    format!(
                        "{} {}",
                        lang.int(n.max(0) as u64),
                        if n == 1 {
                            lang.t("ligne retenue", "matching row")
                        } else {
                            lang.t("lignes retenues", "matching rows")
                        }
                    )
                }
            };
            ui.label(shown);
            if ui
                .button(lang.t("Effacer les filtres", "Clear filters"))
                .clicked()
            {
                intents.push(Intent::ClearFilters);
            }
        }
        if let Some(since) = v.busy_since
            && since.elapsed().as_millis() > 300
        {
            ui.spinner();
            ui.label(lang.t("Lecture…", "Reading…"));
            if ui
                .button(lang.t("Annuler", "Cancel"))
                .on_hover_text(lang.t(
                    "Arrête le tri ou le filtre en cours et revient à l'ordre de livraison",
                    "Stops the running sort or filter and goes back to delivery order",
                ))
                .clicked()
            {
                intents.push(Intent::CancelQuery);
            }
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(100));
        }
    });
    ui.horizontal(|ui| {
        let l = ui.label(lang.t("Exporter la vue en CSV vers", "Export the view as CSV to"));
        if v.export_path.is_empty() {
            let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
            // Table names often start with their application (ITAC_DEMANDE): not twice.
            let name = if v.table.name.starts_with(&format!("{}_", v.table.application)) {
                v.table.name.clone()
            } else {
                format!("{}_{}", v.table.application, v.table.name)
            };
            v.export_path = home.join(format!("{name}.csv")).display().to_string();
        }
        ui.add(egui::TextEdit::singleline(&mut v.export_path).desired_width(320.0)).labelled_by(l.id);
        if ui.button(lang.t("Parcourir…", "Browse…")).clicked()
            && let Some(p) = rfd::FileDialog::new()
                .set_file_name(format!("{}_{}.csv", v.table.application, v.table.name))
                .save_file()
        {
            v.export_path = p.display().to_string();
        }
        let running = v.export.as_ref().is_some_and(|e| e.result.is_none());
        if running {
            let n = v.export.as_ref().map_or(0, |e| e.progress.load(std::sync::atomic::Ordering::Relaxed));
            ui.spinner();
            ui.label(format!("{} {}", lang.int(n), lang.t("lignes écrites", "rows written")));
            if ui.button(lang.t("Annuler l'export", "Cancel the export")).clicked() {
                intents.push(Intent::CancelJob);
            }
        } else if ui
            .button(lang.t("Exporter (CSV)", "Export (CSV)"))
            .on_hover_text(lang.t(
                "UTF-8 avec BOM, séparateur « ; » : Excel l'ouvre avec les accents ; le tri et les filtres de la vue sont appliqués",
                "UTF-8 with BOM, “;” separator: Excel opens it with the accents; the view's sort and filters apply",
            ))
            .clicked()
        {
            intents.push(Intent::ExportView(PathBuf::from(v.export_path.trim()), false));
        }
        if !running
            && ui
                .add_enabled(
                    v.sort.is_none() && v.filters.is_empty(),
                    egui::Button::new(lang.t("Format de livraison", "Delivery format")),
                )
                .on_hover_text(lang.t(
                    "Le fichier livré recréé octet pour octet (même SHA-256 que CONTROLE.TXT), toute la table",
                    "The delivered file re-created byte for byte (same SHA-256 as CONTROLE.TXT), the whole table",
                ))
                .on_disabled_hover_text(lang.t(
                    "Le format de livraison reprend toute la table dans l'ordre livré : retirez le tri et les filtres.",
                    "Delivery format is the whole table in delivered order: clear the sort and filters.",
                ))
                .clicked()
        {
            let path = PathBuf::from(v.export_path.trim()).with_extension("TXT");
            intents.push(Intent::ExportView(path, true));
        }
    });
    if let Some(Some(r)) = v.export.as_ref().map(|e| &e.result) {
        match r {
            Ok(m) => {
                ui.label(RichText::new(m).color(widgets::ok_color(ui)));
            }
            Err(m) => widgets::error_text(ui, m),
        }
    }
    if let Some(e) = &v.error {
        widgets::error_text(ui, e);
    }
}

/// The row shown at view index `i`, if loaded.
fn row_at(v: &TableView, i: i64) -> Option<&(i64, Vec<String>)> {
    match &v.rows {
        Rows::Positional { blocks, .. } => blocks
            .get(&(i / BLOCK))
            .and_then(|b| b.get((i % BLOCK) as usize)),
        Rows::Sequential { rows, .. } => rows.get(i as usize),
    }
}

/// Rows in the view, as far as known.
fn total_rows(v: &TableView) -> i64 {
    match &v.rows {
        Rows::Positional { .. } => v.view_rows.unwrap_or(v.table.rows).max(0),
        Rows::Sequential { rows, next, .. } => rows.len() as i64 + i64::from(next.is_some()),
    }
}

fn grid(ui: &mut Ui, lang: Lang, v: &mut TableView, intents: &mut Vec<Intent>) {
    if v.columns.is_empty() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(lang.t("Ouverture de la table…", "Opening the table…"));
        });
        return;
    }
    let total = total_rows(v);
    // Room for the rows: the header takes two lines (name, filter).
    let pitch = ROW_HEIGHT + ui.spacing().item_spacing.y;
    let status_height = 34.0;
    let body_height =
        (ui.available_height() - 2.0 * ROW_HEIGHT - 6.0 - status_height).max(ROW_HEIGHT);
    let visible = ((body_height / pitch).floor() as usize).max(1);
    ui.ctx().data_mut(|d| d.insert_temp(visible_id(), visible));
    let max_top = (total - visible as i64).max(0) as f64;
    // Bring a followed reference into view.
    if let Some(r) = v.reveal.take() {
        v.top = ((r - 1) as f64 - (visible as f64 / 3.0).floor()).clamp(0.0, max_top);
    }
    let grid_rect = ui.available_rect_before_wrap();
    let grid_id = ui.scope_id().with(("grid", &v.name));
    let grid_response = ui.interact(grid_rect, grid_id, egui::Sense::focusable_noninteractive());
    // Wheel and keys move the first row shown.
    let (wheel, keys) = ui.input(|i| {
        (
            if i.pointer.hover_pos().is_some_and(|p| grid_rect.contains(p)) {
                i.smooth_scroll_delta.y
            } else {
                0.0
            },
            (
                i.key_pressed(egui::Key::ArrowDown),
                i.key_pressed(egui::Key::ArrowUp),
                i.key_pressed(egui::Key::PageDown),
                i.key_pressed(egui::Key::PageUp),
                i.modifiers.command && i.key_pressed(egui::Key::Home),
                i.modifiers.command && i.key_pressed(egui::Key::End),
            ),
        )
    });
    if wheel != 0.0 {
        v.top = (v.top - f64::from(wheel) / f64::from(ROW_HEIGHT)).clamp(0.0, max_top);
    }
    let typing = ui.ctx().memory(|m| m.focused()).is_some_and(|id| {
        ui.ctx()
            .data(|d| d.get_temp::<bool>(id.with("is-filter")))
            .unwrap_or(false)
    });
    if !typing && (grid_response.has_focus() || v.selected.is_some()) {
        let (down, up, pgdn, pgup, home, end) = keys;
        let page = visible as f64;
        let step = if down {
            1.0
        } else if up {
            -1.0
        } else if pgdn {
            page
        } else if pgup {
            -page
        } else {
            0.0
        };
        if step != 0.0 || home || end {
            v.top = if home {
                0.0
            } else if end {
                max_top
            } else {
                (v.top + step).clamp(0.0, max_top)
            };
        }
    }
    let top = v.top.floor() as i64;
    let shown = visible.min((total - top).max(0) as usize);
    // The row count under the grid, the scroll bar on its right, the grid in what remains.
    egui::Panel::bottom(("grid-status", &v.name)).show(ui, |ui| {
        ui.label(
            RichText::new(format!(
                "{} {}–{} {} {}{}",
                lang.t("Lignes", "Rows"),
                lang.int((top + 1).min(total) as u64),
                lang.int((top + shown as i64) as u64),
                lang.t("sur", "of"),
                lang.int(total as u64),
                match &v.rows {
                    Rows::Sequential { next: Some(_), .. } => lang.t(
                        " (la suite se charge en descendant)",
                        " (more loads as you scroll)"
                    ),
                    _ => "",
                }
            ))
            .weak(),
        );
    });
    egui::Panel::right(("grid-scroll", &v.name))
        .resizable(false)
        .exact_size(30.0)
        .show(ui, |ui| {
            // The scroll bar: a vertical slider over the row positions, usable with the keyboard.
            let l = ui.label("");
            let mut pos = max_top - v.top;
            ui.spacing_mut().slider_width = body_height;
            let r = ui
                .add(
                    egui::Slider::new(&mut pos, 0.0..=max_top.max(1.0))
                        .vertical()
                        .show_value(false)
                        .smart_aim(false),
                )
                .labelled_by(l.id)
                .on_hover_text(format!(
                    "{} {} / {}",
                    lang.t("Ligne", "Row"),
                    lang.int((top + 1) as u64),
                    lang.int(total as u64)
                ));
            r.widget_info(|| {
                egui::WidgetInfo::labeled(
                    egui::Role::Slider,
                    true,
                    lang.t("Position dans la table", "Position in the table"),
                )
            });
            if r.changed() {
                v.top = (max_top - pos).clamp(0.0, max_top);
            }
        });
    egui::ScrollArea::horizontal().id_salt(("hscroll", &v.name)).auto_shrink([false, false]).show(ui, |ui| {
                // Cells elide what does not fit (the whole value shows on hover) rather than
                // being clipped one by one: the grid is then painted in a few draw calls.
                ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
                let mut tb = TableBuilder::new(ui)
                    .id_salt(("table", &v.name))
                    .striped(true)
                    .resizable(true)
                    .vscroll(false)
                    .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
                    .column(Column::exact(80.0));
                for c in &v.columns {
                    let chars = c.length.unwrap_or(12).clamp(4, 40) as f32;
                    let coded = if v.labels.contains_key(&c.name) { 240.0 } else { 0.0 };
                    let w = (chars * 8.0).max(c.name.len() as f32 * 8.0 + 24.0).max(coded).clamp(60.0, 360.0);
                    tb = tb.column(Column::initial(w).at_least(40.0));
                }
                let sort = v.sort.clone();
                let columns = v.columns.clone();
                let filter_text = &mut v.filter_text;
                tb.header(2.0 * ROW_HEIGHT + 6.0, |mut header| {
                    header.col(|ui| {
                        ui.strong(lang.t("N° ligne", "Row no."));
                    });
                    for (i, c) in columns.iter().enumerate() {
                        header.col(|ui| {
                            ui.vertical(|ui| {
                                let arrow = match &sort {
                                    Some((s, false)) if *s == c.name => " ↑",
                                    Some((s, true)) if *s == c.name => " ↓",
                                    _ => "",
                                };
                                let b = ui
                                    .add(egui::Button::new(RichText::new(format!("{}{arrow}", c.name)).strong()).frame(false))
                                    .on_hover_text(format!(
                                        "{}\n{} — {}",
                                        if c.label.is_empty() { &c.name } else { &c.label },
                                        c.ty.label(),
                                        lang.t("cliquer pour trier", "click to sort")
                                    ));
                                if b.clicked() {
                                    intents.push(Intent::SortBy(c.name.clone()));
                                }
                                if let Some(text) = filter_text.get_mut(i) {
                                    let r = ui
                                        .add(
                                            egui::TextEdit::singleline(text)
                                                .hint_text(lang.t("filtre", "filter"))
                                                .desired_width(f32::INFINITY),
                                        )
                                        .labelled_by(b.id)
                                        .on_hover_text(lang.t(
                                            "texte : contient ; =valeur : égal ; a..b : entre ; Entrée pour appliquer",
                                            "text: contains; =value: equals; a..b: between; Enter to apply",
                                        ));
                                    ui.ctx().data_mut(|d| d.insert_temp(r.id.with("is-filter"), true));
                                    if r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                                        intents.push(Intent::ApplyFilters);
                                    }
                                }
                            });
                        });
                    }
                })
                .body(|mut body| {
                    // Only the rows on screen are given to the table: the position is ours
                    // (an f64 row index), so 10 million rows scroll as smoothly as 10.
                    for k in 0..shown {
                    body.row(ROW_HEIGHT, |mut row| {
                        let i = top + k as i64;
                        let Some((record, values)) = row_at(v, i) else {
                            row.col(|ui| {
                                ui.weak("…");
                            });
                            for _ in &v.columns {
                                row.col(|ui| {
                                    ui.weak("…");
                                });
                            }
                            return;
                        };
                        let record = *record;
                        row.set_selected(v.selected == Some(record));
                        row.col(|ui| {
                            if ui
                                .selectable_label(v.selected == Some(record), record.to_string())
                                .on_hover_text(lang.t("Détail de la ligne et lignes qui la référencent", "Row detail and rows that refer to it"))
                                .clicked()
                            {
                                intents.push(Intent::SelectRow(record));
                            }
                        });
                        for (c, value) in v.columns.iter().zip(values) {
                            row.col(|ui| {
                                let shown = value.trim_end();
                                let label = v.labels.get(&c.name).and_then(|l| l.get(shown));
                                let text = match label {
                                    Some(l) => format!("{shown} — {l}"),
                                    None => shown.to_string(),
                                };
                                if c.reference.is_some() && !shown.is_empty() {
                                    if ui
                                        .link(text)
                                        .on_hover_ui(|ui| {
                                            ui.label(format!("{} {}", lang.t("Ouvrir la ligne visée dans", "Open the target row in"), c.reference.as_deref().unwrap_or_default()));
                                        })
                                        .clicked()
                                    {
                                        intents.push(Intent::FollowReference { column: c.name.clone(), value: value.clone() });
                                    }
                                } else {
                                    ui.label(text);
                                }
                            });
                        }
                    });
                    }
                });
    });
}

fn row_detail(ui: &mut Ui, lang: Lang, v: &mut TableView, intents: &mut Vec<Intent>) {
    let Some(record) = v.selected else { return };
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(format!(
                "{} {record} — {}",
                lang.t("Ligne", "Row"),
                v.table.name
            ))
            .strong(),
        );
        if ui.button(lang.t("Fermer", "Close")).clicked() {
            v.selected = None;
            v.referenced_by = None;
        }
    });
    let found = match &v.rows {
        Rows::Positional { blocks, .. } => blocks
            .get(&((record - 1) / BLOCK))
            .and_then(|b| b.iter().find(|r| r.0 == record)),
        Rows::Sequential { rows, .. } => rows.iter().find(|r| r.0 == record),
    };
    ui.columns(2, |cols| {
        egui::ScrollArea::vertical()
            .id_salt("detail-values")
            .show(&mut cols[0], |ui| {
                if let Some((_, values)) = found {
                    egui::Grid::new("detail")
                        .num_columns(2)
                        .striped(true)
                        .show(ui, |ui| {
                            for (c, value) in v.columns.iter().zip(values) {
                                ui.label(
                                    RichText::new(if c.label.is_empty() {
                                        &c.name
                                    } else {
                                        &c.label
                                    })
                                    .weak(),
                                )
                                .on_hover_text(&c.name);
                                let shown = value.trim_end();
                                match v.labels.get(&c.name).and_then(|l| l.get(shown)) {
                                    Some(l) => ui.label(format!("{shown} — {l}")),
                                    None => ui.label(shown),
                                };
                                ui.end_row();
                            }
                        });
                }
            });
        let ui = &mut cols[1];
        ui.label(RichText::new(lang.t("Référencé par", "Referenced by")).strong());
        match &v.referenced_by {
            None => {
                ui.spinner();
            }
            Some(list) if list.is_empty() => {
                ui.label(lang.t(
                    "Aucune autre ligne ne fait référence à celle-ci.",
                    "No other row refers to this one.",
                ));
            }
            Some(list) => {
                egui::ScrollArea::vertical()
                    .id_salt("detail-refs")
                    .show(ui, |ui| {
                        for (t, column, n, value) in list {
                            let text = format!(
                                "{} ({}) — {} {} {}",
                                if t.label.is_empty() {
                                    &t.name
                                } else {
                                    &t.label
                                },
                                column,
                                lang.int(*n as u64),
                                if *n > 1 {
                                    lang.t("lignes", "rows")
                                } else {
                                    lang.t("ligne", "row")
                                },
                                "→"
                            );
                            if ui.button(text).clicked() {
                                intents.push(Intent::ShowReferencing {
                                    table: format!("{}.{}", t.application, t.name),
                                    column: column.clone(),
                                    value: value.clone(),
                                });
                            }
                        }
                    });
            }
        }
    });
}
