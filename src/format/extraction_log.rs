//! EXTRACTION.LOG: `AAAA-MM-JJ HH:MM:SS LEVEL MESSAGE` lines of the extraction batch.

/// What a reader needs from the log.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ExtractionLog {
    /// `TABLE <T> : <n> LIGNES EXTRAITES`, in order.
    pub table_counts: Vec<(String, u64)>,
    /// Lines of level ERREUR.
    pub errors: Vec<String>,
    /// Lines of level ATTENTION.
    pub warnings: Vec<String>,
    /// The last line says `INFO FIN NORMALE DU TRAITEMENT`.
    pub normal_end: bool,
    /// Lines that do not follow the layout.
    pub malformed: Vec<String>,
    pub lines: u64,
}

impl ExtractionLog {
    pub fn parse(text: &str) -> Self {
        let mut log = ExtractionLog::default();
        let mut last = "";
        for raw in text.lines() {
            let line = raw.trim_end_matches('\r');
            log.lines += 1;
            if line.trim().is_empty() {
                continue;
            }
            last = line;
            let mut parts = line.splitn(4, ' ');
            let (date, time, level, msg) = (parts.next(), parts.next(), parts.next(), parts.next());
            let stamped = date
                .is_some_and(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok())
                && time.is_some_and(|t| chrono::NaiveTime::parse_from_str(t, "%H:%M:%S").is_ok());
            let msg = msg.unwrap_or("").trim();
            match (stamped, level) {
                (true, Some("INFO")) => {
                    if let Some(rest) = msg.strip_prefix("TABLE ")
                        && let Some((table, count)) = rest.split_once(" : ")
                        && let Some(n) = count.strip_suffix(" LIGNES EXTRAITES")
                        && let Ok(n) = n.trim().parse()
                    {
                        log.table_counts.push((table.trim().to_string(), n));
                    }
                }
                (true, Some("ATTENTION")) => log.warnings.push(line.to_string()),
                (true, Some("ERREUR")) => log.errors.push(line.to_string()),
                _ => {
                    if line.contains("ERREUR") {
                        log.errors.push(line.to_string());
                    }
                    log.malformed.push(line.to_string());
                }
            }
        }
        log.normal_end = last.ends_with("INFO FIN NORMALE DU TRAITEMENT");
        log
    }

    pub fn count_of(&self, table: &str) -> Option<u64> {
        self.table_counts
            .iter()
            .find(|(t, _)| t == table)
            .map(|(_, n)| *n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_counts_errors_and_end() {
        let ok = ExtractionLog::parse(
            "2008-10-15 20:00:00 INFO DEBUT\r\n2008-10-15 20:00:01 INFO TABLE ITAC_DOSSIER : 12 LIGNES EXTRAITES\r\n2008-10-15 20:00:02 INFO FIN NORMALE DU TRAITEMENT\r\n",
        );
        assert_eq!(ok.count_of("ITAC_DOSSIER"), Some(12));
        assert!(ok.normal_end && ok.errors.is_empty());
        let bad = ExtractionLog::parse(
            "2008-10-15 20:00:00 INFO DEBUT\n2008-10-15 20:05:00 ERREUR ORA-01555 snapshot too old\n",
        );
        assert!(!bad.normal_end);
        assert_eq!(bad.errors.len(), 1);
    }
}
