//! Text encodings a delivery may use (LISEZMOI.TXT `ENCODAGE`): WINDOWS-1252 by default,
//! ISO-8859-1, ISO-8859-15 and UTF-8 also occur.

use encoding_rs::Encoding;

/// Label written by the generator in LISEZMOI.TXT.
pub const DEFAULT_LABEL: &str = "WINDOWS-1252";

/// The encoding named by a LISEZMOI.TXT `ENCODAGE` value, if it is one the format allows.
pub fn by_label(label: &str) -> Option<&'static Encoding> {
    match label.trim().to_ascii_uppercase().as_str() {
        "WINDOWS-1252" | "CP1252" | "WIN1252" => Some(encoding_rs::WINDOWS_1252),
        // encoding_rs maps ISO-8859-1 to WINDOWS-1252 per the WHATWG standard: both agree on
        // every printable character, which is what a delivery holds.
        "ISO-8859-1" | "LATIN1" | "ISO8859-1" => Some(encoding_rs::WINDOWS_1252),
        "ISO-8859-15" | "LATIN9" | "ISO8859-15" => Some(encoding_rs::ISO_8859_15),
        "UTF-8" | "UTF8" => Some(encoding_rs::UTF_8),
        _ => None,
    }
}

/// Encodes `text` in WINDOWS-1252 into `out`; returns false (and writes nothing) if a
/// character has no WINDOWS-1252 form.
pub fn encode_cp1252(text: &str, out: &mut Vec<u8>) -> bool {
    if text.is_ascii() {
        out.extend_from_slice(text.as_bytes());
        return true;
    }
    let (bytes, _, had_errors) = encoding_rs::WINDOWS_1252.encode(text);
    if had_errors {
        return false;
    }
    out.extend_from_slice(&bytes);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp1252_covers_french_names() {
        let mut out = Vec::new();
        assert!(encode_cp1252("LECŒUR Müller Éloïse", &mut out));
        assert_eq!(out[3], 0x8C); // Œ
        assert!(!encode_cp1252("Ωmega", &mut Vec::new()));
    }

    #[test]
    fn labels() {
        assert!(by_label("windows-1252").is_some());
        assert!(by_label("UTF-8").is_some());
        assert!(by_label("EBCDIC").is_none());
    }
}
