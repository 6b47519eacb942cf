//! Renderings of the reception report: a readable summary for the terminal, JSON for other
//! software, and the PDF "procès-verbal de réception" (`pdf`).

use crate::reception::report::{ReceptionReport, Verdict};
use std::fmt::Write;
use std::path::Path;

pub mod pdf;

/// Format of a report file, from its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Json,
    Pdf,
}

impl ReportFormat {
    pub fn of(path: &Path) -> Option<ReportFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "json" => Some(ReportFormat::Json),
            "pdf" => Some(ReportFormat::Pdf),
            _ => None,
        }
    }
}

/// `15/10/2008`
pub fn fr_date(d: chrono::NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// `1 234 567` (French thousands separator, a narrow no-break space shown as a space).
pub fn fr_int(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// The JSON report.
pub fn to_json(report: &ReceptionReport) -> String {
    serde_json::to_string_pretty(report).expect("report serializes") + "\n"
}

/// A readable summary for the terminal.
pub fn to_text(report: &ReceptionReport) -> String {
    let mut s = String::new();
    let d = &report.delivery;
    let _ = writeln!(s, "Procès-verbal de réception — {}", d.name);
    let _ = writeln!(
        s,
        "  {} {} — département {} {} — centre {} — extraction du {}",
        d.application, d.version, d.departement, d.libelle_departement, d.centre, d.extraction
    );
    let _ = writeln!(s, "  forme : {} ; encodage : {}", d.form, d.encoding);
    let _ = writeln!(s);
    let mark = match report.verdict {
        Verdict::Conforme => "✔",
        Verdict::NonConforme => "✘",
    };
    let _ = writeln!(s, "  VERDICT : {mark} {}", report.verdict.label());
    for r in &report.reasons {
        let _ = writeln!(s, "    - {r}");
    }
    for w in &report.warnings {
        let _ = writeln!(s, "  Attention : {w}");
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "  Reçue le {} — délai de vérification : jusqu'au {} inclus (15 jours ouvrés)",
        fr_date(report.received_on),
        fr_date(report.deadline)
    );
    let _ = writeln!(s);
    let ok = report.files.iter().filter(|f| f.ok).count();
    let _ = writeln!(
        s,
        "  Fichiers : {} contrôlés, {ok} conformes",
        report.files.len()
    );
    for f in report.files.iter().filter(|f| !f.ok) {
        let _ = writeln!(
            s,
            "    ✘ {} (lignes {} / {}, octets {} / {})",
            f.path,
            f.rows_read.map_or("—".into(), fr_int),
            f.rows_expected.map_or("—".into(), fr_int),
            f.bytes_read.map_or("—".into(), fr_int),
            f.bytes_expected.map_or("—".into(), fr_int),
        );
    }
    let rows: u64 = report.tables.iter().map(|t| t.rows).sum();
    let _ = writeln!(
        s,
        "  Tables : {} ({} lignes)",
        report.tables.len(),
        fr_int(rows)
    );
    let _ = writeln!(
        s,
        "  Journal d'extraction : {}",
        if !report.log.present {
            "absent".to_string()
        } else if report.log.normal_end
            && report.log.errors.is_empty()
            && report.log.count_mismatches.is_empty()
        {
            "fin normale, aucune erreur, comptes conformes".to_string()
        } else {
            "à revoir (voir les motifs)".to_string()
        }
    );
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "  Anomalies de données (sans effet sur le verdict) : {}",
        fr_int(report.anomalies.total)
    );
    for g in &report.anomalies.groups {
        let ex = g
            .examples
            .first()
            .map(|a| {
                format!(
                    " — ex. {} ligne {}{}",
                    a.column.as_deref().unwrap_or("(enregistrement)"),
                    a.record,
                    a.value
                        .as_deref()
                        .map(|v| format!(
                            " « {} »",
                            v.chars().take(40).collect::<String>().escape_debug()
                        ))
                        .unwrap_or_default()
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "    {:>7}  {} : {}{ex}",
            fr_int(g.count),
            g.table,
            g.label
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_numbers() {
        assert_eq!(fr_int(0), "0");
        assert_eq!(fr_int(1234), "1 234");
        assert_eq!(fr_int(1234567), "1 234 567");
        assert_eq!(
            ReportFormat::of(Path::new("pv.PDF")),
            Some(ReportFormat::Pdf)
        );
        assert_eq!(ReportFormat::of(Path::new("pv.txt")), None);
    }
}
