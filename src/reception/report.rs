//! The reception report ("procès-verbal de réception") as data: verdict and its reasons, the
//! delivery's identity, one line per file, the log check, the tables read, the anomalies, and the
//! legal deadline. Renderings (terminal, JSON, PDF) live in `crate::report`.

use super::anomaly::AnomalySummary;
use chrono::NaiveDate;

/// CONFORME or NON CONFORME.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    Conforme,
    NonConforme,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Conforme => "CONFORME",
            Verdict::NonConforme => "NON CONFORME",
        }
    }
}

/// What the delivery says it is.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct DeliveryIdentity {
    pub name: String,
    pub source: String,
    pub form: String,
    pub application: String,
    pub version: String,
    pub departement: String,
    pub libelle_departement: String,
    pub centre: String,
    /// As written in LISEZMOI.TXT (`15/10/2008 20:00:00`).
    pub extraction: String,
    pub encoding: String,
}

/// One file: what CONTROLE.TXT declares and what was read.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct FileCheck {
    pub path: String,
    pub listed: bool,
    pub present: bool,
    pub rows_expected: Option<u64>,
    pub rows_read: Option<u64>,
    pub bytes_expected: Option<u64>,
    pub bytes_read: Option<u64>,
    pub sha256_expected: Option<String>,
    pub sha256_read: Option<String>,
    pub ok: bool,
}

/// The check of EXTRACTION.LOG.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct LogCheck {
    pub present: bool,
    pub normal_end: bool,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub count_mismatches: Vec<String>,
}

/// Rows read per table.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct TableCount {
    pub name: String,
    pub label: String,
    pub file: String,
    pub rows: u64,
}

/// The whole report.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ReceptionReport {
    pub tool: String,
    pub delivery: DeliveryIdentity,
    pub received_on: NaiveDate,
    pub deadline: NaiveDate,
    /// When the check ran (local time, `AAAA-MM-JJ HH:MM:SS`).
    pub checked_at: String,
    pub verdict: Verdict,
    pub reasons: Vec<String>,
    pub warnings: Vec<String>,
    pub files: Vec<FileCheck>,
    pub log: LogCheck,
    pub tables: Vec<TableCount>,
    pub anomalies: AnomalySummary,
}

impl ReceptionReport {
    pub fn conforme(&self) -> bool {
        self.verdict == Verdict::Conforme
    }
}
