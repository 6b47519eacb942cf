//! Application profiles: what Reprise knows of ITAC, OPALES or a variant, as data files
//! (`assets/profiles/*.toml`, embedded in the binary, or a file given by the user). Nothing of
//! the applications' tables and columns is written in Rust code.

use serde::Deserialize;
use thiserror::Error;

/// Kind of identifier whose check key is verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IdentifierKind {
    /// 13 characters, the 2-digit key in another column.
    Nir,
    /// 13 characters and the key in the same value (15 characters; blanks when never keyed).
    Nir15,
    Finess,
    Uai,
}

/// A column holding an identifier with a check key.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct IdentifierCheck {
    pub kind: IdentifierKind,
    pub table: String,
    pub column: String,
    #[serde(default)]
    pub key_column: Option<String>,
}

/// Where the person is: the table and the columns of the person index.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct PersonTable {
    pub table: String,
    pub dossier: String,
    pub surname: String,
    #[serde(default)]
    pub other_surnames: Vec<String>,
    pub first_names: String,
    #[serde(default)]
    pub birth_date: Option<String>,
    #[serde(default)]
    pub sex: Option<String>,
    /// 13-character NIR, its key in `nir_key`.
    #[serde(default)]
    pub nir: Option<String>,
    #[serde(default)]
    pub nir_key: Option<String>,
    /// NIR and key in one 15-character value.
    #[serde(default)]
    pub nir15: Option<String>,
    /// A column holding the same person's dossier number in another application.
    #[serde(default)]
    pub link: Option<PersonLink>,
}

/// The dossier number of the same person in another application.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct PersonLink {
    pub column: String,
    pub application: String,
}

/// A table of archived persons (found by search, with fewer columns).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct ArchiveTable {
    pub table: String,
    pub dossier: String,
    pub surname: String,
    pub first_names: String,
    #[serde(default)]
    pub birth_date: Option<String>,
}

/// How a dossier is shown.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct DossierView {
    #[serde(default)]
    pub medical_tables: Vec<String>,
    /// `TABLE.COLONNE`
    #[serde(default)]
    pub medical_columns: Vec<String>,
    /// Columns that describe a row another table refers to.
    #[serde(default)]
    pub display: std::collections::BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub section_order: Vec<String>,
    /// Labels of coded values that have no code table: `TABLE.COLONNE` → value → label.
    #[serde(default)]
    pub values: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
}

/// One kind of event of the timeline.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct TimelineSource {
    pub table: String,
    pub date: String,
    pub label: String,
    #[serde(default)]
    pub detail: Vec<String>,
}

/// One application profile.
#[derive(Clone, Debug, PartialEq, Deserialize, serde::Serialize)]
pub struct Profile {
    pub application: String,
    pub versions: Vec<String>,
    pub label: String,
    #[serde(default)]
    pub identifiers: Vec<IdentifierCheck>,
    #[serde(default)]
    pub person: Option<PersonTable>,
    #[serde(default)]
    pub archives: Vec<ArchiveTable>,
    #[serde(default)]
    pub dossier: DossierView,
    #[serde(default)]
    pub timeline: Vec<TimelineSource>,
}

#[derive(Debug, Error)]
pub enum ProfileError {
    #[error("profil {name} illisible : {message}")]
    Parse { name: String, message: String },
    #[error("profil {0} illisible : {1}")]
    Io(String, std::io::Error),
}

const EMBEDDED: [(&str, &str); 2] = [
    ("itac.toml", include_str!("../../assets/profiles/itac.toml")),
    (
        "opales.toml",
        include_str!("../../assets/profiles/opales.toml"),
    ),
];

impl Profile {
    pub fn parse(name: &str, text: &str) -> Result<Profile, ProfileError> {
        toml::from_str(text).map_err(|e| ProfileError::Parse {
            name: name.to_string(),
            message: e.to_string(),
        })
    }

    /// The profiles embedded in the binary.
    pub fn embedded() -> Vec<Profile> {
        EMBEDDED
            .iter()
            .map(|(n, t)| Profile::parse(n, t).expect("embedded profile is valid"))
            .collect()
    }

    /// The profile for an application and version among `profiles`, if any.
    pub fn find<'a>(
        profiles: &'a [Profile],
        application: &str,
        version: &str,
    ) -> Option<&'a Profile> {
        profiles.iter().find(|p| {
            p.application.eq_ignore_ascii_case(application)
                && p.versions.iter().any(|v| v == version)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_profiles_load() {
        let all = Profile::embedded();
        assert!(Profile::find(&all, "ITAC", "1").is_some());
        assert!(Profile::find(&all, "opales", "2.4").is_some());
        assert!(Profile::find(&all, "OPALES", "3").is_none());
        assert!(all.iter().all(|p| !p.identifiers.is_empty()));
        assert!(
            all.iter()
                .all(|p| p.person.is_some() && !p.archives.is_empty())
        );
    }

    #[test]
    fn bad_profile_is_an_error() {
        assert!(Profile::parse("x", "application = 1").is_err());
    }
}
