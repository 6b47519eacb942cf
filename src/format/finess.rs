//! The FINESS referential file (spec section 6): the public etalab layout, without header, a
//! metadata first line, then records tagged `structureet` (table REF_FINESS) and
//! `geolocalisation` (table REF_FINESS_GEO).

pub const STRUCTURE_TAG: &str = "structureet";
pub const GEO_TAG: &str = "geolocalisation";
pub const STRUCTURE_TABLE: &str = "REF_FINESS";
pub const GEO_TABLE: &str = "REF_FINESS_GEO";
