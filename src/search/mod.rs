//! Finding a person: normalised forms of names (`normalize`), a French phonetic key
//! (`phonetic`, Soundex2) and bounded edit distance, the ground of the person index.

pub mod generic;
pub mod index;
pub mod normalize;
pub mod phonetic;
pub mod postings;
pub mod query;
