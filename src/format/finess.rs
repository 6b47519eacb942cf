//! The FINESS referential file (spec section 6): the public etalab layout, without header, a
//! metadata first line, then records tagged `structureet` (table REF_FINESS) and
//! `geolocalisation` (table REF_FINESS_GEO).

pub const STRUCTURE_TAG: &str = "structureet";
pub const GEO_TAG: &str = "geolocalisation";
pub const STRUCTURE_TABLE: &str = "REF_FINESS";
pub const GEO_TABLE: &str = "REF_FINESS_GEO";

/// The fields of a `structureet` record, in file order (spec section 6).
pub const STRUCTURE_FIELDS: [&str; 32] = [
    "structureet",
    "nofinesset",
    "nofinessej",
    "rs",
    "rslongue",
    "complrs",
    "compldistrib",
    "numvoie",
    "typvoie",
    "voie",
    "compvoie",
    "lieuditbp",
    "commune",
    "departement",
    "libdepartement",
    "ligneacheminement",
    "telephone",
    "telecopie",
    "categetab",
    "libcategetab",
    "categagretab",
    "libcategagretab",
    "siret",
    "codeape",
    "codemft",
    "libmft",
    "codesph",
    "libsph",
    "dateouv",
    "dateautor",
    "datemaj",
    "numuai",
];

/// The metadata first line of a FINESS file, `finess;etalab;<n>;<AAAA-MM-JJ>`: the version of
/// the extract and its date, when the fields are those.
pub fn metadata(fields: &[String]) -> Option<(String, String)> {
    match fields {
        [a, b, version, date, ..] if a == "finess" && b == "etalab" => {
            Some((version.trim().to_string(), date.trim().to_string()))
        }
        _ => None,
    }
}

/// A field of a public extract as text: UTF-8 when it is, else WINDOWS-1252 (the public extracts
/// have used both).
pub fn field_text(field: &[u8]) -> String {
    match std::str::from_utf8(field) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(field)
            .0
            .into_owned(),
    }
}

/// What a record of a public extract holds, after its metadata first line.
#[derive(Debug, PartialEq, Eq)]
pub enum ExtractRecord {
    /// A `structureet` record: its fields after the tag, one per `STRUCTURE_FIELDS[1..]`.
    Structure(Vec<String>),
    /// A blank line or a `geolocalisation` record: nothing the labels need.
    Ignored,
    /// Any other record, or a structure with the wrong number of fields: counted, not loaded.
    Skipped,
}

/// Sorts out one record of a public extract.
pub fn classify(rec: &crate::format::records::Record) -> ExtractRecord {
    if rec.is_blank() {
        return ExtractRecord::Ignored;
    }
    let tag = rec.field(0);
    if tag == GEO_TAG.as_bytes() {
        return ExtractRecord::Ignored;
    }
    // One more empty field after the last one may occur and is not a field.
    let n = if rec.len() == STRUCTURE_FIELDS.len() + 1
        && rec.field(STRUCTURE_FIELDS.len()).is_empty()
    {
        STRUCTURE_FIELDS.len()
    } else {
        rec.len()
    };
    if tag != STRUCTURE_TAG.as_bytes() || n != STRUCTURE_FIELDS.len() {
        return ExtractRecord::Skipped;
    }
    ExtractRecord::Structure((1..n).map(|i| field_text(rec.field(i))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::records::RecordReader;

    fn classify_line(line: &str) -> ExtractRecord {
        let mut r = RecordReader::new(line.as_bytes());
        classify(r.next_record().unwrap().unwrap())
    }

    #[test]
    fn records_of_an_extract_are_sorted_out() {
        let mut fields = vec!["structureet".to_string(), "590000000".to_string()];
        fields.extend((2..STRUCTURE_FIELDS.len()).map(|i| format!("v{i}")));
        let line = fields.join(";");
        let ExtractRecord::Structure(values) = classify_line(&format!("{line}\r\n")) else {
            panic!("a structure");
        };
        assert_eq!(values.len(), STRUCTURE_FIELDS.len() - 1);
        assert_eq!(values[0], "590000000");
        // A trailing empty field is not a field; two are.
        assert!(matches!(
            classify_line(&format!("{line};\r\n")),
            ExtractRecord::Structure(_)
        ));
        assert_eq!(
            classify_line(&format!("{line};;\r\n")),
            ExtractRecord::Skipped
        );
        assert_eq!(classify_line("structureet;1;2\r\n"), ExtractRecord::Skipped);
        assert_eq!(
            classify_line("geolocalisation;1;2\r\n"),
            ExtractRecord::Ignored
        );
        assert_eq!(classify_line("autre;1\r\n"), ExtractRecord::Skipped);
    }

    #[test]
    fn a_field_is_utf8_when_it_is_else_windows_1252() {
        assert_eq!(field_text("Hôpital".as_bytes()), "Hôpital");
        assert_eq!(field_text(b"H\xf4pital"), "Hôpital");
    }

    #[test]
    fn the_metadata_line_gives_version_and_date() {
        let f = |s: &str| s.split(';').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(
            metadata(&f("finess;etalab;104;2026-06-30")),
            Some(("104".into(), "2026-06-30".into()))
        );
        assert_eq!(metadata(&f("finess;autre;104;2026-06-30")), None);
        assert_eq!(metadata(&f("finess;etalab")), None);
    }
}
