//! The delivery format "REPRISE-MDPH 1" (`shared/spec/delivery-format.md`): what both the sample
//! generator and the reader must agree on, and nothing else. The field dialect (`;`, RFC 4180
//! quoting only where needed, CRLF), the Oracle text forms of NUMBER and DATE values, the check
//! keys of identifiers (NIR, FINESS, UAI) and the single-byte encodings of the delivery.

pub mod controle;
pub mod descriptif;
pub mod dialect;
pub mod encoding;
pub mod extraction_log;
pub mod finess;
pub mod ids;
pub mod lisezmoi;
pub mod oracle;
pub mod records;

/// Name of a delivery: `REPRISE_<APP>_<DEP>_<AAAAMMJJ>`.
pub fn delivery_name(app: &str, dep: &str, date_aaaammjj: &str) -> String {
    format!("REPRISE_{app}_{dep}_{date_aaaammjj}")
}

/// Relative paths of the fixed files of a delivery (spec section 2).
pub const LISEZMOI: &str = "LISEZMOI.TXT";
pub const CONTROLE: &str = "CONTROLE.TXT";
pub const DESCRIPTIF: &str = "DESCRIPTIF.TXT";
pub const EXTRACTION_LOG: &str = "EXTRACTION.LOG";
pub const DATA_DIR: &str = "DONNEES";
pub const REFERENTIALS_DIR: &str = "REFERENTIELS";
pub const FINESS_FILE: &str = "REFERENTIELS/FINESS.TXT";
pub const RAMSESE_FILE: &str = "REFERENTIELS/RAMSESE.TXT";

/// Header of CONTROLE.TXT.
pub const CONTROLE_HEADER: &str = "FICHIER;LIGNES;OCTETS;SHA256";
/// Header of DESCRIPTIF.TXT.
pub const DESCRIPTIF_HEADER: &str =
    "TABLE;ORDRE;COLONNE;TYPE;LONGUEUR;PRECISION;ECHELLE;OBLIGATOIRE;CLE;REFERENCE;LIBELLE";
