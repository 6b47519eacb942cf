//! The PDF procès-verbal de réception, read back with poppler's `pdftotext` and `pdfinfo`.

use chrono::NaiveDate;
use reprise::reception::anomaly::{Anomaly, AnomalyGroup, AnomalyKind, AnomalySummary};
use reprise::reception::report::{
    DeliveryIdentity, FileCheck, LogCheck, ReceptionReport, TableCount, Verdict,
};
use reprise::report::pdf;
use std::path::{Path, PathBuf};
use std::process::Command;

fn identity(name: &str) -> DeliveryIdentity {
    DeliveryIdentity {
        name: name.into(),
        source: "/srv/reprise/depot/ITAC_033_20081015.tar.age".into(),
        form: "archive tar chiffrée (age)".into(),
        application: "ITAC".into(),
        version: "4.2.1".into(),
        departement: "033".into(),
        libelle_departement: "Gironde".into(),
        centre: "Centre d'extraction de Bordeaux".into(),
        extraction: "15/10/2008 20:00:00".into(),
        encoding: "ISO-8859-15".into(),
    }
}

fn file(path: &str, rows: u64, bytes: u64) -> FileCheck {
    let sha = format!("{:064x}", rows * 7919 + bytes);
    FileCheck {
        path: path.into(),
        listed: true,
        present: true,
        rows_expected: Some(rows),
        rows_read: Some(rows),
        bytes_expected: Some(bytes),
        bytes_read: Some(bytes),
        sha256_expected: Some(sha.clone()),
        sha256_read: Some(sha),
        ok: true,
    }
}

fn conforme() -> ReceptionReport {
    ReceptionReport {
        tool: "Reprise 0.1.0".into(),
        delivery: identity("ITAC_033_20081015"),
        received_on: NaiveDate::from_ymd_opt(2008, 10, 16).unwrap(),
        deadline: NaiveDate::from_ymd_opt(2008, 11, 7).unwrap(),
        checked_at: "2008-10-16 09:42:17".into(),
        verdict: Verdict::Conforme,
        reasons: vec![],
        warnings: vec![],
        files: vec![
            file("DONNEES/INDIVIDU.TXT", 48_213, 9_871_442),
            file("DONNEES/DOSSIER.TXT", 61_007, 12_004_113),
            file("DONNEES/DECISION.TXT", 233_918, 41_337_870),
        ],
        log: LogCheck {
            present: true,
            normal_end: true,
            ..LogCheck::default()
        },
        tables: vec![TableCount {
            name: "INDIVIDU".into(),
            label: "Personnes".into(),
            file: "DONNEES/INDIVIDU.TXT".into(),
            rows: 48_213,
        }],
        anomalies: AnomalySummary::default(),
    }
}

fn anomaly(kind: AnomalyKind, table: &str, record: u64, value: &str) -> Anomaly {
    Anomaly {
        file: format!("DONNEES/{table}.TXT"),
        table: Some(table.into()),
        record,
        column: Some("DATE_DECISION".into()),
        value: Some(value.into()),
        kind,
        detail: "valeur refusée par le contrôle".into(),
    }
}

fn non_conforme() -> ReceptionReport {
    let mut files: Vec<FileCheck> = (0..60)
        .map(|i| {
            file(
                &format!("DONNEES/TABLE_{i:02}_ÉTABLISSEMENT_PRISE_EN_CHARGE.TXT"),
                1_000 + 137 * i,
                1_234_567 * (i + 1),
            )
        })
        .collect();
    files[3].rows_read = Some(998);
    files[3].ok = false;
    files[7].sha256_read = Some("0".repeat(64));
    files[7].ok = false;
    files[11].present = false;
    files[11].rows_read = None;
    files[11].bytes_read = None;
    files[11].sha256_read = None;
    files[11].ok = false;
    files[12].listed = false;
    files[12].rows_expected = None;
    files[12].bytes_expected = None;
    files[12].sha256_expected = None;
    files[12].ok = false;

    let groups: Vec<AnomalyGroup> = AnomalyKind::ALL
        .iter()
        .enumerate()
        .map(|(i, &kind)| AnomalyGroup {
            kind,
            label: kind.label().into(),
            table: format!("TABLE_{i:02}"),
            count: 5 + 1000 * i as u64,
            examples: (0..5)
                .map(|r| {
                    anomaly(
                        kind,
                        &format!("TABLE_{i:02}"),
                        r * 17 + 1,
                        &format!("valeur\u{1b}[0m\tà « échapper » {}", "x".repeat(80)),
                    )
                })
                .collect(),
        })
        .collect();
    ReceptionReport {
        verdict: Verdict::NonConforme,
        reasons: vec![
            "DONNEES/TABLE_03_ÉTABLISSEMENT_PRISE_EN_CHARGE.TXT : 998 lignes lues, 1 411 déclarées \
             dans CONTROLE.TXT"
                .into(),
            "DONNEES/TABLE_07_ÉTABLISSEMENT_PRISE_EN_CHARGE.TXT : empreinte SHA-256 différente".into(),
            "DONNEES/TABLE_11_ÉTABLISSEMENT_PRISE_EN_CHARGE.TXT : fichier absent".into(),
            "EXTRACTION.LOG : l'extraction ne s'est pas terminée normalement".into(),
        ],
        warnings: vec!["LISEZMOI.TXT : l'encodage déclaré diffère de celui du DESCRIPTIF".into()],
        files,
        log: LogCheck {
            present: true,
            normal_end: false,
            errors: vec!["ORA-01555: snapshot too old (ligne 1 244)".into()],
            warnings: vec![],
            count_mismatches: vec!["TABLE_03 : 1 411 lignes annoncées, 998 écrites".into()],
        },
        anomalies: AnomalySummary {
            total: groups.iter().map(|g| g.count).sum(),
            groups,
        },
        ..conforme()
    }
}

/// Renders `report` into `dir/name` and returns the path.
fn write_pdf(report: &ReceptionReport, dir: &Path, name: &str) -> PathBuf {
    let bytes = pdf::render(report).expect("PDF rendered");
    assert!(bytes.starts_with(b"%PDF-"));
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    // To look at the pages: REPRISE_KEEP_PDF=/some/dir cargo test --test report_pdf
    if let Some(keep) = std::env::var_os("REPRISE_KEEP_PDF") {
        std::fs::copy(&path, Path::new(&keep).join(name)).unwrap();
    }
    path
}

fn poppler(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!(
            "`{tool}` could not be run ({e}): install the Debian / Ubuntu package poppler-utils \
             (apt-get install poppler-utils)"
        )
    });
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("poppler writes UTF-8")
}

fn text_of(pdf: &Path) -> String {
    poppler(
        "pdftotext",
        &["-layout", "-enc", "UTF-8", pdf.to_str().unwrap(), "-"],
    )
}

fn pages_of(pdf: &Path) -> usize {
    let info = poppler("pdfinfo", &[pdf.to_str().unwrap()]);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo gives the page count")
}

fn assert_common(text: &str, report: &ReceptionReport) {
    for needle in [
        "Procès-verbal de réception des fichiers de reprise",
        "ITAC_033_20081015",
        "Reçue le 16/10/2008",
        "Délai de vérification : 15 jours ouvrés, jusqu'au 07/11/2008 inclus",
        "Gironde",
        "Centre d'extraction de Bordeaux",
        "ISO-8859-15",
        "page 1 / ",
        "Pour la MDPH de Gironde (033) — Le directeur / La directrice",
        "Nom :",
        "Date :",
        "Signature :",
        "Cachet",
    ] {
        assert!(
            text.contains(needle),
            "{needle:?} not in the PDF text:\n{text}"
        );
    }
    let first = report.files.first().unwrap();
    let path_start: String = first.path.chars().take(20).collect();
    assert!(text.contains(&path_start), "{path_start:?} not in:\n{text}");
}

#[test]
fn conforme_report_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let report = conforme();
    let pdf = write_pdf(&report, dir.path(), "pv-conforme.pdf");
    let text = text_of(&pdf);
    assert_common(&text, &report);
    assert!(
        text.contains("CONFORME") && !text.contains("NON CONFORME"),
        "{text}"
    );
    assert!(text.contains("DONNEES/DECISION.TXT"));
    assert!(text.contains("233 918"), "French thousands separator");
    assert!(text.contains('✓'), "SHA-256 marks");
    assert!(text.contains("Aucune anomalie relevée"));
    // A short report: two pages at most, the signature block saying how many.
    let pages = pages_of(&pdf);
    assert!(pages <= 2, "{pages} pages");
    assert!(text.contains(&format!(
        "Reprise — procès-verbal de réception ITAC_033_20081015 — page 1 / {pages}"
    )));
    let count = if pages == 1 {
        "1 page".to_string()
    } else {
        format!("{pages} pages")
    };
    assert!(
        text.contains(&format!("Le présent procès-verbal comporte {count}.")),
        "{text}"
    );
}

#[test]
fn non_conforme_report_spans_pages() {
    let dir = tempfile::tempdir().unwrap();
    let report = non_conforme();
    let pdf = write_pdf(&report, dir.path(), "pv-non-conforme.pdf");
    let text = text_of(&pdf);
    assert_common(&text, &report);
    assert!(text.contains("NON CONFORME"));
    assert!(text.contains("Motifs de non-conformité"));
    assert!(text.contains("empreinte SHA-256 différente"));
    assert!(text.contains("Points d'attention"));
    assert!(text.contains("ORA-01555"));
    assert!(text.contains("absent de la livraison"));
    assert!(text.contains("non déclaré dans CONTROLE.TXT"));
    assert!(text.contains('✗'));
    // Anomalies: every group, escaped control characters, truncated values.
    for kind in AnomalyKind::ALL {
        let label: String = kind.label().chars().take(18).collect();
        assert!(text.contains(&label), "{label:?} not in:\n{text}");
    }
    assert!(text.contains("\\u{1b}[0m\\t"), "control characters escaped");
    assert!(!text.contains('\u{1b}'));
    assert!(
        text.contains("Total : 153 090 anomalies (18 groupes)"),
        "{text}"
    );
    // Several pages, each with its footer.
    let pages = pages_of(&pdf);
    assert!(pages > 1, "{pages} page(s)");
    for n in 1..=pages {
        let footer = format!("page {n} / {pages}");
        assert!(text.contains(&footer), "{footer:?} missing");
    }
    assert!(text.contains(&format!("Le présent procès-verbal comporte {pages} pages.")));
    assert!(text.contains("reçue le 16/10/2008 : NON CONFORME"));
    // The table header is repeated on the next page, with a caption.
    assert!(text.contains("3. Contrôle des fichiers (suite)"));
    assert!(text.matches("Octets lus").count() > 1);
}

#[test]
fn sparse_and_odd_reports_still_render() {
    let dir = tempfile::tempdir().unwrap();
    let long_name = format!("LIVRAISON_{}", "TRÈS_LONGUE_".repeat(20));
    let mut report = ReceptionReport {
        delivery: DeliveryIdentity {
            name: long_name.clone(),
            source: format!("C:\\Reprise\\{}\\{}", "dépôt".repeat(30), "ITAC.tar"),
            ..DeliveryIdentity::default()
        },
        checked_at: "pas une date".into(),
        verdict: Verdict::NonConforme,
        reasons: vec![format!("motif très long {}", "sans fin ".repeat(60))],
        files: vec![],
        log: LogCheck::default(),
        tables: vec![],
        ..conforme()
    };
    report.anomalies = AnomalySummary {
        total: 1,
        groups: vec![AnomalyGroup {
            kind: AnomalyKind::ControlCharacter,
            label: AnomalyKind::ControlCharacter.label().into(),
            table: "DONNEES/FICHIER SANS TABLE.TXT".into(),
            count: 1,
            examples: vec![Anomaly {
                file: "DONNEES/FICHIER SANS TABLE.TXT".into(),
                table: None,
                record: 0,
                column: None,
                value: Some("\u{0}\u{7f}😀\u{202e}".into()),
                kind: AnomalyKind::ControlCharacter,
                detail: String::new(),
            }],
        }],
    };
    let pdf = write_pdf(&report, dir.path(), "pv-odd.pdf");
    let text = text_of(&pdf);
    let pages = pages_of(&pdf);
    for n in 1..=pages {
        assert!(text.contains(&format!("page {n} / {pages}")), "{text}");
    }
    assert!(text.contains("NON CONFORME"));
    assert!(text.contains("absent de la livraison"), "log absent");
    assert!(text.contains("Aucun fichier contrôlé."));
    assert!(text.contains("pas une date"));
    assert!(text.contains("fichier entier"));
    assert!(text.contains("\\0\\u{7f}"), "{text}");
    assert!(text.contains("Pour la MDPH de (département non indiqué)"));
    // The footer shortens a name too long for it.
    assert!(text.contains("LIVRAISON_TRÈS_LONGUE_"));
    assert!(text.contains('…'));
}
