//! LISEZMOI.TXT: `KEY=VALUE` lines, a blank line, then free text for humans (spec section 2).

/// Keys the format defines, with whether a reader needs them.
pub const KEYS: [(&str, bool); 11] = [
    ("FORMAT", true),
    ("APPLICATION", true),
    ("VERSION", true),
    ("DEPARTEMENT", true),
    ("LIBELLE_DEPARTEMENT", false),
    ("CENTRE", false),
    ("DATE_EXTRACTION", true),
    ("ENCODAGE", false),
    ("SEPARATEUR", false),
    ("FORMAT_DATE", false),
    ("SEPARATEUR_DECIMAL", false),
];

/// The parsed file.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Lisezmoi {
    /// Keys in file order.
    pub entries: Vec<(String, String)>,
    pub free_text: String,
    /// Lines of the key part that are not `KEY=VALUE`.
    pub malformed: Vec<String>,
}

impl Lisezmoi {
    pub fn parse(text: &str) -> Self {
        let mut l = Lisezmoi::default();
        let mut lines = text.lines();
        for line in lines.by_ref() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() {
                break;
            }
            match line.split_once('=') {
                Some((k, v)) if !k.trim().is_empty() => l
                    .entries
                    .push((k.trim().to_ascii_uppercase(), v.trim().to_string())),
                _ => l.malformed.push(line.to_string()),
            }
        }
        l.free_text = lines
            .map(|s| s.trim_end_matches('\r'))
            .collect::<Vec<_>>()
            .join("\n");
        l
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Problems a reader cannot overlook, in French.
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        for (key, required) in KEYS {
            if required && self.get(key).is_none_or(str::is_empty) {
                p.push(format!("LISEZMOI.TXT : la clé {key} manque"));
            }
        }
        if let Some(f) = self.get("FORMAT")
            && f != "REPRISE-MDPH 1"
        {
            p.push(format!(
                "LISEZMOI.TXT : format « {f} » inconnu (attendu : REPRISE-MDPH 1)"
            ));
        }
        if let Some(s) = self.get("SEPARATEUR")
            && s != ";"
        {
            p.push(format!(
                "LISEZMOI.TXT : séparateur « {s} » non pris en charge (attendu : ;)"
            ));
        }
        if let Some(e) = self.get("ENCODAGE")
            && super::encoding::by_label(e).is_none()
        {
            p.push(format!("LISEZMOI.TXT : encodage « {e} » inconnu"));
        }
        if let Some(d) = self.get("SEPARATEUR_DECIMAL")
            && d != ","
            && d != "."
        {
            p.push(format!("LISEZMOI.TXT : séparateur décimal « {d} » inconnu"));
        }
        if let Some(f) = self.get("FORMAT_DATE")
            && f != "JJ/MM/AAAA"
        {
            p.push(format!("LISEZMOI.TXT : format de date « {f} » inconnu"));
        }
        for m in &self.malformed {
            p.push(format!("LISEZMOI.TXT : ligne « {m} » illisible"));
        }
        p
    }

    /// Keys present but not defined by the format (reported, not a reason to refuse).
    pub fn unknown_keys(&self) -> Vec<&str> {
        self.entries
            .iter()
            .map(|(k, _)| k.as_str())
            .filter(|k| !KEYS.iter().any(|(d, _)| d == k))
            .collect()
    }

    /// The decimal separator of NUMBER columns.
    pub fn decimal_separator(&self) -> char {
        match self.get("SEPARATEUR_DECIMAL") {
            Some(".") => '.',
            _ => ',',
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_and_free_text() {
        let l = Lisezmoi::parse(
            "FORMAT=REPRISE-MDPH 1\r\nAPPLICATION=ITAC\r\nVERSION=1\r\nDEPARTEMENT=059\r\nDATE_EXTRACTION=15/10/2008 20:00:00\r\nX_AUTRE=1\r\n\r\nTexte libre\r\nsuite\r\n",
        );
        assert_eq!(l.get("APPLICATION"), Some("ITAC"));
        assert_eq!(l.free_text, "Texte libre\nsuite");
        assert!(l.problems().is_empty(), "{:?}", l.problems());
        assert_eq!(l.unknown_keys(), vec!["X_AUTRE"]);
    }

    #[test]
    fn reports_missing_and_unknown_values() {
        let l = Lisezmoi::parse("FORMAT=AUTRE 2\nENCODAGE=EBCDIC\nligne\n");
        let p = l.problems();
        assert!(p.iter().any(|x| x.contains("APPLICATION")));
        assert!(p.iter().any(|x| x.contains("AUTRE 2")));
        assert!(p.iter().any(|x| x.contains("EBCDIC")));
        assert!(p.iter().any(|x| x.contains("illisible")));
    }
}
