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
