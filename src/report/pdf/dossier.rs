//! The printable dossier ("fiche de synthèse"): the person's identity, the timeline of demandes
//! and decisions in words, then every section of the dossier with codes and their labels, the
//! medical part only when it was shown and chosen. On every page: "Document confidentiel — édité
//! le JJ/MM/AAAA à HH:MM par USER — page N / M". Same engine and typography as the procès-verbal.

use super::{
    Align, Cell, Chrome, Column, Doc, Fonts, GREY, LEFT, NAVY, PAGE_W, RIGHT, Row, Style, WIDTH,
};
use crate::dossier::{Dossier, Field, RefStatus};

/// Who prints, when, and what else is known of the person.
pub struct PrintInfo {
    pub by: String,
    pub at: chrono::NaiveDateTime,
    /// The same person's dossiers in other applications, in words.
    pub linked: Vec<String>,
}

fn value_text(f: &Field) -> String {
    let v = f.value.trim_end();
    let v = v.strip_suffix(" 00:00:00").unwrap_or(v);
    match (&f.meaning, &f.status) {
        (Some(m), _) => format!("{v} — {m}"),
        (None, Some(RefStatus::UnknownCode)) => format!("{v} (code inconnu)"),
        (None, Some(RefStatus::Orphan)) => format!("{v} (référence à une ligne absente)"),
        _ => v.to_string(),
    }
}

/// Width of the labels: the dictionary's labels are long ("Nationalité (F français, …)").
const LABEL_COLUMN: f32 = 190.0;

/// "Label    value", both wrapped in their columns.
fn field(doc: &mut Doc, label: &str, value: &str) {
    let line_h = 12.4;
    let label_style = Style::regular(8.5).color(GREY);
    let value_style = Style::regular(9.0);
    let labels = doc.fonts.wrap(label, label_style, LABEL_COLUMN - 10.0);
    let values = doc.fonts.wrap(value, value_style, WIDTH - LABEL_COLUMN);
    let n = labels.len().max(values.len());
    doc.ensure(line_h * n.min(4) as f32);
    for i in 0..n {
        doc.ensure(line_h);
        let y = doc.y;
        if let Some(l) = labels.get(i) {
            doc.text_at(LEFT, y, line_h, label_style, l, Align::Left);
        }
        if let Some(v) = values.get(i) {
            doc.text_at(LEFT + LABEL_COLUMN, y, line_h, value_style, v, Align::Left);
        }
        doc.advance(line_h);
    }
    doc.advance(1.0);
}

fn fields(doc: &mut Doc, row: &crate::dossier::Row) {
    for f in row.fields.iter().filter(|f| !f.value.trim().is_empty()) {
        let label = if f.label.is_empty() {
            &f.column
        } else {
            &f.label
        };
        field(doc, label, &value_text(f));
    }
}

/// Renders the dossier as a PDF document.
pub fn render_dossier(d: &Dossier, info: &PrintInfo) -> Result<Vec<u8>, String> {
    let fonts = Fonts::load()?;
    let mut doc = Doc::new(&fonts);
    let y = doc.y;
    doc.text_at(
        LEFT,
        y,
        12.0,
        Style::bold(9.5).color(NAVY),
        "MDPH — fiche de synthèse",
        Align::Left,
    );
    doc.text_at(
        RIGHT,
        y,
        12.0,
        Style::regular(8.5).color(GREY),
        &format!(
            "Reprise des données {} — livraison {}",
            d.application, d.delivery
        ),
        Align::Right,
    );
    doc.rule(LEFT, RIGHT, y + 17.0, NAVY, 1.2);
    doc.advance(34.0);
    doc.paragraph(
        PAGE_W / 2.0,
        WIDTH,
        &d.summary,
        Style::bold(16.0),
        21.0,
        Align::Center,
    );
    doc.paragraph(
        PAGE_W / 2.0,
        WIDTH,
        &format!("Dossier {} n° {}", d.application, d.number),
        Style::regular(10.5).color(GREY),
        15.0,
        Align::Center,
    );
    for l in &info.linked {
        doc.paragraph(
            PAGE_W / 2.0,
            WIDTH,
            l,
            Style::regular(9.0).color(GREY),
            13.0,
            Align::Center,
        );
    }
    doc.gap(8.0);
    let medical_shown = d.medical_included;
    doc.paragraph(
        LEFT,
        WIDTH,
        if medical_shown {
            "Document confidentiel : il contient des données personnelles et des données médicales couvertes par le secret médical. Ne le communiquez qu'aux personnes habilitées."
        } else if d.medical_hidden {
            "Document confidentiel : il contient des données personnelles. Les données médicales du dossier n'y figurent pas."
        } else {
            "Document confidentiel : il contient des données personnelles."
        },
        Style::regular(8.5).color(GREY),
        12.0,
        Align::Left,
    );

    let mut n = 1;
    doc.heading(n, "Identité", 60.0);
    fields(&mut doc, &d.person);

    n += 1;
    doc.heading(n, "Chronologie", 60.0);
    if d.timeline.is_empty() {
        doc.paragraph(
            LEFT,
            WIDTH,
            "Aucun événement daté.",
            Style::regular(9.0),
            13.0,
            Align::Left,
        );
    } else {
        let columns = [
            Column {
                title: "Date",
                width: 68.0,
                align: Align::Left,
            },
            Column {
                title: "Événement",
                width: 130.0,
                align: Align::Left,
            },
            Column {
                title: "Détail",
                width: WIDTH - 198.0,
                align: Align::Left,
            },
        ];
        let rows: Vec<Row> = d
            .timeline
            .iter()
            .map(|e| Row {
                cells: vec![
                    vec![Cell::number(
                        e.date.strip_suffix(" 00:00:00").unwrap_or(&e.date),
                        Style::regular(8.5),
                    )],
                    vec![Cell::wrap(&e.label, Style::bold(8.5))],
                    vec![Cell::wrap(&e.detail, Style::regular(8.5))],
                ],
                below: Vec::new(),
                tint: None,
            })
            .collect();
        doc.table("Chronologie", &columns, &rows);
    }

    for s in &d.sections {
        n += 1;
        let title = format!(
            "{}{} ({} ligne{})",
            if s.label.is_empty() {
                &s.table
            } else {
                &s.label
            },
            if s.medical {
                " — données médicales"
            } else {
                ""
            },
            s.rows.len(),
            if s.rows.len() > 1 { "s" } else { "" }
        );
        doc.heading(n, &title, 50.0);
        for (i, row) in s.rows.iter().enumerate() {
            if i > 0 {
                doc.gap(3.0);
                doc.ensure(20.0);
                let y = doc.y;
                doc.rule(LEFT, RIGHT, y, super::LIGHT_RULE, 0.5);
                doc.advance(5.0);
            }
            fields(&mut doc, row);
            doc.ensure(11.0);
            let y = doc.y;
            doc.text_at(
                RIGHT,
                y,
                10.0,
                Style::regular(7.0).color(GREY),
                &format!("{}, ligne {}", row.table, row.record),
                Align::Right,
            );
            doc.advance(10.0);
        }
    }

    let printed = format!(
        "édité le {} à {} par {}",
        info.at.format("%d/%m/%Y"),
        info.at.format("%H:%M"),
        info.by
    );
    let footer_text = printed.clone();
    doc.finish_with(&Chrome {
        title: format!("Fiche de synthèse — {}", d.summary),
        description: format!("Dossier {} n° {} — {printed}", d.application, d.number),
        creator: format!("Reprise {}", env!("CARGO_PKG_VERSION")),
        date: info.at,
        running_left: "Fiche de synthèse — document confidentiel".into(),
        running_right: d.summary.clone(),
        footer: Box::new(move |_, page, total, _| {
            format!("Document confidentiel — {footer_text} — page {page} / {total}")
        }),
        what: "de la fiche de synthèse",
    })
}

/// The same person's dossiers in the other applications, in words, from the person index.
pub fn linked_lines(store: &crate::store::Store, d: &Dossier) -> Vec<String> {
    crate::search::query::search(store, &d.number, 20)
        .unwrap_or_default()
        .into_iter()
        .filter(|h| {
            h.application.eq_ignore_ascii_case(&d.application) && h.dossier.trim() == d.number
        })
        .flat_map(|h| h.linked)
        .map(|l| {
            format!(
                "Même personne : dossier {} n° {} ({}, confiance {} %)",
                l.application, l.dossier, l.evidence, l.confidence
            )
        })
        .collect()
}

/// What a dossier is saved as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DossierFile {
    /// The fiche de synthèse.
    Pdf,
    /// The whole dossier, codes, labels and provenance, for other software.
    Json,
}

/// Saves a dossier to `path` as the fiche de synthèse or as JSON: its production is written to
/// the journal first (a print that cannot be journaled does not happen), then the file appears
/// whole or not at all.
pub fn save_dossier(
    store: &crate::store::Store,
    d: &Dossier,
    kind: DossierFile,
    journal: &crate::audit::Journal,
    actor: &crate::audit::Actor,
    path: &std::path::Path,
) -> Result<(), String> {
    let bytes = match kind {
        DossierFile::Json => serde_json::to_vec_pretty(d).map_err(|e| e.to_string())?,
        DossierFile::Pdf => render_dossier(
            d,
            &PrintInfo {
                by: actor.user.clone(),
                at: chrono::Local::now().naive_local(),
                linked: linked_lines(store, d),
            },
        )?,
    };
    let (action, what) = match kind {
        DossierFile::Pdf => (crate::audit::Action::Print, "fiche de synthèse PDF"),
        DossierFile::Json => (crate::audit::Action::Export, "dossier complet en JSON"),
    };
    journal
        .record(
            actor,
            action,
            &d.summary,
            &format!("{} {}", d.application, d.number),
            &format!(
                "{what} vers {}{}",
                path.display(),
                if d.medical_included {
                    ", avec les données médicales"
                } else {
                    ""
                }
            ),
        )
        .map_err(|e| {
            format!(
                "écriture impossible dans le journal des consultations ({e}) : rien n'a été écrit"
            )
        })?;
    let tmp = path.with_extension("part");
    std::fs::write(&tmp, &bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            format!("écriture impossible de « {} » : {e}", path.display())
        })
}
