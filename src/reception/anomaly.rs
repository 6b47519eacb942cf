//! Anomalies: what a delivery holds that does not follow its own dictionary or the identifiers'
//! rules. They never change the verdict; each names file, table, record, column, the delivered
//! value and the reason, and every one is kept in the store.

use std::collections::BTreeMap;

/// Kinds of anomalies.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    ImpossibleDate,
    InvalidNumber,
    UnknownCode,
    OrphanReference,
    WrongNirKey,
    WrongFinessKey,
    WrongUaiKey,
    MalformedIdentifier,
    OverlongValue,
    ControlCharacter,
    FieldCount,
    DuplicateKey,
    MissingValue,
    InvalidEncoding,
    Bom,
    LineEnding,
    Quoting,
    UnknownRecord,
}

impl AnomalyKind {
    pub const ALL: [AnomalyKind; 18] = [
        AnomalyKind::ImpossibleDate,
        AnomalyKind::InvalidNumber,
        AnomalyKind::UnknownCode,
        AnomalyKind::OrphanReference,
        AnomalyKind::WrongNirKey,
        AnomalyKind::WrongFinessKey,
        AnomalyKind::WrongUaiKey,
        AnomalyKind::MalformedIdentifier,
        AnomalyKind::OverlongValue,
        AnomalyKind::ControlCharacter,
        AnomalyKind::FieldCount,
        AnomalyKind::DuplicateKey,
        AnomalyKind::MissingValue,
        AnomalyKind::InvalidEncoding,
        AnomalyKind::Bom,
        AnomalyKind::LineEnding,
        AnomalyKind::Quoting,
        AnomalyKind::UnknownRecord,
    ];

    /// Stable name (JSON, store).
    pub fn code(self) -> &'static str {
        match self {
            AnomalyKind::ImpossibleDate => "impossible_date",
            AnomalyKind::InvalidNumber => "invalid_number",
            AnomalyKind::UnknownCode => "unknown_code",
            AnomalyKind::OrphanReference => "orphan_reference",
            AnomalyKind::WrongNirKey => "wrong_nir_key",
            AnomalyKind::WrongFinessKey => "wrong_finess_key",
            AnomalyKind::WrongUaiKey => "wrong_uai_key",
            AnomalyKind::MalformedIdentifier => "malformed_identifier",
            AnomalyKind::OverlongValue => "overlong_value",
            AnomalyKind::ControlCharacter => "control_character",
            AnomalyKind::FieldCount => "field_count",
            AnomalyKind::DuplicateKey => "duplicate_key",
            AnomalyKind::MissingValue => "missing_value",
            AnomalyKind::InvalidEncoding => "invalid_encoding",
            AnomalyKind::Bom => "bom",
            AnomalyKind::LineEnding => "line_ending",
            AnomalyKind::Quoting => "quoting",
            AnomalyKind::UnknownRecord => "unknown_record",
        }
    }

    pub fn from_code(code: &str) -> Option<AnomalyKind> {
        AnomalyKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// French label, for people.
    pub fn label(self) -> &'static str {
        match self {
            AnomalyKind::ImpossibleDate => "Date impossible",
            AnomalyKind::InvalidNumber => "Nombre mal écrit",
            AnomalyKind::UnknownCode => "Code absent de sa table de codes",
            AnomalyKind::OrphanReference => "Référence à une ligne absente",
            AnomalyKind::WrongNirKey => "Clé de NIR fausse",
            AnomalyKind::WrongFinessKey => "Clé FINESS fausse",
            AnomalyKind::WrongUaiKey => "Lettre de contrôle UAI fausse",
            AnomalyKind::MalformedIdentifier => "Identifiant mal formé",
            AnomalyKind::OverlongValue => "Valeur plus longue que sa longueur déclarée",
            AnomalyKind::ControlCharacter => "Caractère de contrôle",
            AnomalyKind::FieldCount => "Nombre de champs inattendu",
            AnomalyKind::DuplicateKey => "Clé primaire en double",
            AnomalyKind::MissingValue => "Valeur obligatoire absente",
            AnomalyKind::InvalidEncoding => "Octets invalides pour l'encodage déclaré",
            AnomalyKind::Bom => "Marque d'ordre des octets (BOM) en tête de fichier",
            AnomalyKind::LineEnding => "Fins de ligne LF seul (CRLF attendu)",
            AnomalyKind::Quoting => "Guillemets inattendus",
            AnomalyKind::UnknownRecord => "Enregistrement de type inconnu",
        }
    }
}

/// One anomaly.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Anomaly {
    pub file: String,
    pub table: Option<String>,
    /// Record number in its table (header excluded), 0 for the file as a whole.
    pub record: u64,
    pub column: Option<String>,
    pub value: Option<String>,
    pub kind: AnomalyKind,
    pub detail: String,
}

/// Counts by kind and table, with the first examples of each.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct AnomalySummary {
    pub total: u64,
    pub groups: Vec<AnomalyGroup>,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct AnomalyGroup {
    pub kind: AnomalyKind,
    pub label: String,
    pub table: String,
    pub count: u64,
    pub examples: Vec<Anomaly>,
}

/// Examples kept per kind and table.
pub const EXAMPLES: usize = 10;

/// Builds an [`AnomalySummary`] while anomalies go by.
#[derive(Default)]
pub struct SummaryBuilder {
    total: u64,
    groups: BTreeMap<(AnomalyKind, String), (u64, Vec<Anomaly>)>,
}

impl SummaryBuilder {
    pub fn add(&mut self, a: &Anomaly) {
        self.total += 1;
        let key = (a.kind, a.table.clone().unwrap_or_else(|| a.file.clone()));
        let g = self.groups.entry(key).or_default();
        g.0 += 1;
        if g.1.len() < EXAMPLES {
            g.1.push(a.clone());
        }
    }

    pub fn finish(self) -> AnomalySummary {
        AnomalySummary {
            total: self.total,
            groups: self
                .groups
                .into_iter()
                .map(|((kind, table), (count, examples))| AnomalyGroup {
                    kind,
                    label: kind.label().to_string(),
                    table,
                    count,
                    examples,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_roundtrip_and_summary_counts() {
        for k in AnomalyKind::ALL {
            assert_eq!(AnomalyKind::from_code(k.code()), Some(k));
        }
        let mut b = SummaryBuilder::default();
        for i in 0..25 {
            b.add(&Anomaly {
                file: "DONNEES/T.TXT".into(),
                table: Some("T".into()),
                record: i,
                column: Some("C".into()),
                value: Some("x".into()),
                kind: AnomalyKind::ImpossibleDate,
                detail: String::new(),
            });
        }
        let s = b.finish();
        assert_eq!(s.total, 25);
        assert_eq!(s.groups[0].count, 25);
        assert_eq!(s.groups[0].examples.len(), EXAMPLES);
    }
}
