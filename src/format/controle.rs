//! CONTROLE.TXT: one line per file of the delivery with its records, bytes and SHA-256.

use super::records::RecordReader;

/// One line of CONTROLE.TXT.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ControlEntry {
    pub path: String,
    pub rows: u64,
    pub bytes: u64,
    /// Lowercase hex.
    pub sha256: String,
}

/// The parsed file, and the lines that could not be read.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Controle {
    pub entries: Vec<ControlEntry>,
    pub problems: Vec<String>,
}

impl Controle {
    /// Parses the (decoded) file.
    pub fn parse(text: &str) -> Self {
        let mut c = Controle::default();
        let mut reader = RecordReader::new(text.as_bytes());
        let mut first = true;
        loop {
            let rec = match reader.next_record() {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(e) => {
                    c.problems.push(format!("CONTROLE.TXT : {e}"));
                    break;
                }
            };
            if rec.is_blank() {
                continue;
            }
            let f: Vec<String> = rec
                .fields()
                .map(|b| String::from_utf8_lossy(b).trim().to_string())
                .collect();
            if first {
                first = false;
                if f.join(";") != super::CONTROLE_HEADER {
                    c.problems.push(format!(
                        "CONTROLE.TXT : en-tête « {} » au lieu de « {} »",
                        f.join(";"),
                        super::CONTROLE_HEADER
                    ));
                }
                if f.first().is_some_and(|h| h == "FICHIER") {
                    continue;
                }
            }
            let parsed = (f.len() == 4)
                .then(|| {
                    Some(ControlEntry {
                        path: f[0].clone(),
                        rows: f[1].parse().ok()?,
                        bytes: f[2].parse().ok()?,
                        sha256: (f[3].len() == 64 && f[3].bytes().all(|b| b.is_ascii_hexdigit()))
                            .then(|| f[3].to_ascii_lowercase())?,
                    })
                })
                .flatten();
            match parsed {
                Some(e) if !c.entries.iter().any(|x| x.path == e.path) => c.entries.push(e),
                Some(e) => c.problems.push(format!(
                    "CONTROLE.TXT : le fichier {} est listé deux fois",
                    e.path
                )),
                None => c.problems.push(format!(
                    "CONTROLE.TXT : ligne {} illisible « {} »",
                    rec.line,
                    f.join(";")
                )),
            }
        }
        c
    }

    pub fn get(&self, path: &str) -> Option<&ControlEntry> {
        self.entries.iter().find(|e| e.path == path)
    }

    /// Total bytes the delivery declares.
    pub fn total_bytes(&self) -> u64 {
        self.entries.iter().map(|e| e.bytes).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_entries_and_flags_bad_lines() {
        let sha = "a".repeat(64);
        let text = format!(
            "FICHIER;LIGNES;OCTETS;SHA256\r\nLISEZMOI.TXT;18;727;{sha}\r\nDONNEES/X.TXT;x;1;{sha}\r\nDONNEES/Y.TXT;1;2;zz\r\n"
        );
        let c = Controle::parse(&text);
        assert_eq!(c.entries.len(), 1);
        assert_eq!(c.get("LISEZMOI.TXT").unwrap().bytes, 727);
        assert_eq!(c.problems.len(), 2);
    }
}
