//! `reprise sample`: writes deliveries that follow the delivery format to the letter, at any
//! scale, for the tests, the demonstration and the benchmarks. Deterministic (the same options
//! give byte-identical plaintext) and streaming (memory does not grow with the number of persons).
//! Real extractions will never be available to the project: these deliveries also carry the
//! defects real bases hold, each listed in a `defects.json` written beside the delivery.

pub mod emit;
mod itac;
mod numbering;
mod opales;
mod output;
pub mod people;
pub mod refdata;
mod referentials;
pub mod rng;

use crate::format::descriptif::{Descriptif, Table};
use chrono::NaiveDate;
use people::{Identity, date_between, ymd};
use refdata::{Commune, RefData};
use rng::Rng;
use std::path::PathBuf;
use thiserror::Error;

pub use output::{Encryption, Form, SampleSummary};

/// The application a delivery comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum App {
    #[value(name = "ITAC")]
    Itac,
    #[value(name = "OPALES")]
    Opales,
}

impl App {
    pub fn name(self) -> &'static str {
        match self {
            App::Itac => "ITAC",
            App::Opales => "OPALES",
        }
    }

    pub fn version(self) -> &'static str {
        match self {
            App::Itac => "1",
            App::Opales => "2.4",
        }
    }
}

/// What to generate and where.
pub struct SampleOptions {
    pub app: App,
    /// Département on 3 characters (`059`, `02A`, `974`).
    pub dep: String,
    pub extraction: NaiveDate,
    pub persons: u32,
    pub seed: u64,
    /// Folder that receives the delivery and its `defects.json`.
    pub out: PathBuf,
    pub form: Form,
    pub gzip: bool,
    pub armor: bool,
    pub encryption: Option<Encryption>,
    /// scrypt work factor (log2) for passphrase encryption; age's own choice when None.
    pub work_factor: Option<u8>,
}

#[derive(Debug, Error)]
pub enum SampleError {
    #[error(
        "le département « {0} » est inconnu : donnez son code sur 3 caractères (059, 02A, 974)"
    )]
    UnknownDepartement(String),
    #[error("trop de personnes pour la numérotation des dossiers : {max} au plus")]
    TooManyPersons { max: u32 },
    #[error("la date d'extraction doit être comprise entre 1980 et 2030")]
    BadDate,
    #[error("{0}")]
    Options(String),
    #[error("« {0} » existe déjà : choisissez un autre dossier de sortie ou supprimez-le")]
    Exists(PathBuf),
    #[error("écriture impossible dans {path} : {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("chiffrement age impossible : {0}")]
    Encrypt(String),
}

/// Everything the table generators share.
pub struct Ctx {
    pub seed: u64,
    pub app: App,
    pub dep: String,
    pub dep_name: &'static str,
    pub extraction: NaiveDate,
    pub persons: u32,
    pub refdata: &'static RefData,
    communes: Vec<&'static Commune>,
    commune_weights: Vec<u64>,
    phone_prefix: String,
}

const S_SHARED: u64 = 100;

/// A person found in both deliveries of a seed: a CDES child who became a COTOREP adult.
#[derive(Clone, Debug)]
pub struct SharedPerson {
    pub identity: Identity,
    pub itac_number: String,
    pub itac_created: NaiveDate,
    pub opales_number: String,
    pub opales_created: NaiveDate,
    /// OP_ENFANT.NUM_DOSSIER_COTOREP filled (else the link is by NIR or name and birth date).
    pub cotorep_known: bool,
    pub nir_in_opales: bool,
}

/// One person in twenty, at the same positions in ITAC and OPALES, is shared.
pub fn is_shared_position(i: u64) -> bool {
    i % 20 == 19
}

impl Ctx {
    pub fn new(
        app: App,
        dep: &str,
        extraction: NaiveDate,
        persons: u32,
        seed: u64,
    ) -> Result<Self, SampleError> {
        let refdata = RefData::get();
        let d = refdata
            .departement(dep)
            .ok_or_else(|| SampleError::UnknownDepartement(dep.to_string()))?;
        if !(ymd(1980, 1, 1)..=ymd(2030, 12, 31)).contains(&extraction) {
            return Err(SampleError::BadDate);
        }
        let communes = refdata.communes_of(d.code);
        // Larger communes (listed first) are drawn more often.
        let commune_weights =
            rng::cumulative((0..communes.len()).map(|k| (10_000.0 / (k as f64 + 1.5)) as u64));
        Ok(Ctx {
            seed,
            app,
            dep: d.code.to_string(),
            dep_name: d.name,
            extraction,
            persons,
            refdata,
            communes,
            commune_weights,
            phone_prefix: people::phone_prefix(d.code).to_string(),
        })
    }

    /// Shared person `s`, the same in the ITAC and the OPALES delivery of a seed.
    pub fn shared_person(&self, s: u64) -> SharedPerson {
        let mut rng = Rng::derive(self.seed, &[S_SHARED, s]);
        let identity = self.identity(&mut rng, ymd(1986, 1, 1), ymd(1990, 12, 31));
        let adult = identity.birth + chrono::Duration::days(18 * 365 + 5);
        let itac_created = date_between(&mut rng, adult, adult + chrono::Duration::days(700))
            .min(self.extraction - chrono::Duration::days(20));
        let opales_created = date_between(
            &mut rng,
            identity.birth + chrono::Duration::days(2 * 365),
            identity.birth + chrono::Duration::days(12 * 365),
        );
        use chrono::Datelike;
        SharedPerson {
            itac_number: format!(
                "{}{:02}{:05}",
                self.dep,
                itac_created.year() % 100,
                numbering::SHARED_BASE + s
            ),
            opales_number: format!(
                "{}{}{:05}",
                self.dep,
                opales_created.year(),
                numbering::SHARED_BASE + s
            ),
            itac_created,
            opales_created,
            cotorep_known: rng.chance(0.8),
            nir_in_opales: rng.chance(0.7),
            identity,
        }
    }
}

/// The tables of a delivery, in DESCRIPTIF order.
pub struct TableSet {
    pub descriptif: Descriptif,
}

impl TableSet {
    pub fn idx(&self, name: &str) -> usize {
        self.descriptif
            .tables
            .iter()
            .position(|t| t.name == name)
            .unwrap_or_else(|| panic!("table {name} missing from the embedded dictionary"))
    }

    /// Code tables (`R_*`) with their index.
    pub fn code_tables(&self) -> Vec<(usize, String)> {
        self.descriptif
            .tables
            .iter()
            .enumerate()
            .filter(|(_, t)| t.name.starts_with("R_"))
            .map(|(i, t)| (i, t.name.clone()))
            .collect()
    }
}

/// Writes the code tables from an embedded `TABLE;CODE;LIBELLE;DATE_DEBUT;DATE_FIN` list.
fn code_rows(
    codes: &str,
    tables: &[(usize, String)],
    e: &mut emit::Emitter,
    row: &mut emit::RowBuf,
) -> std::io::Result<()> {
    for (t, name) in tables {
        if !e.wants(*t) {
            continue;
        }
        for line in codes
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let f: Vec<&str> = line.split(';').collect();
            if f[0] != name {
                continue;
            }
            row.begin();
            for v in &f[1..5] {
                row.s(v);
            }
            e.row(*t, row)?;
        }
    }
    Ok(())
}

/// A FINESS number of the département with its Luhn digit.
fn finess_number(ctx: &Ctx, rng: &mut Rng) -> String {
    referentials::finess_with_key(
        referentials::finess_prefix(&ctx.dep),
        100_000 + rng.below(400_000),
    )
}

/// The same number with a last digit that fails the Luhn check.
fn wrong_luhn(rng: &mut Rng, v: &str) -> Option<String> {
    if v.len() != 9 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let d = u64::from(v.as_bytes()[8] - b'0');
    let bad = (d + 1 + rng.below(9)) % 10;
    Some(format!("{}{bad}", &v[..8]))
}

/// The dictionary, defects and generator of an application.
pub(crate) struct AppModel {
    pub tables: TableSet,
}

impl AppModel {
    pub fn new(app: App) -> Self {
        let text = match app {
            App::Itac => itac::DESCRIPTIF,
            App::Opales => opales::DESCRIPTIF,
        };
        let descriptif = Descriptif::parse_simple(text).expect("embedded dictionary is valid");
        AppModel {
            tables: TableSet { descriptif },
        }
    }

    /// Tables with their injected defects and whether they use ISO dates (FINESS).
    pub fn emitter_tables(&self, app: App) -> Vec<(Table, &'static [emit::Injection], bool)> {
        self.tables
            .descriptif
            .tables
            .iter()
            .map(|t| {
                let inj = match app {
                    App::Itac => itac::injections(&t.name),
                    App::Opales => opales::injections(&t.name),
                };
                (t.clone(), inj, t.name.starts_with("REF_FINESS"))
            })
            .collect()
    }

    pub fn generate(&self, ctx: &Ctx, e: &mut emit::Emitter) -> std::io::Result<()> {
        match ctx.app {
            App::Itac => itac::generate(ctx, &itac::Tables::new(&self.tables), e),
            App::Opales => opales::generate(ctx, &opales::Tables::new(&self.tables), e),
        }
    }
}

/// Generates a delivery as the options say.
pub fn generate(
    opts: &SampleOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<SampleSummary, SampleError> {
    output::write_delivery(opts, progress)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_people_are_the_same_for_both_applications() {
        let d = ymd(2008, 10, 15);
        let a = Ctx::new(App::Itac, "059", d, 1000, 5).unwrap();
        let b = Ctx::new(App::Opales, "059", d, 1000, 5).unwrap();
        for s in 0..20 {
            let x = a.shared_person(s);
            let y = b.shared_person(s);
            assert_eq!(x.identity.surname, y.identity.surname);
            assert_eq!(x.identity.birth, y.identity.birth);
            assert_eq!(x.itac_number, y.itac_number);
            assert!(x.identity.birth >= ymd(1986, 1, 1));
            assert_eq!(x.itac_number.len(), 10);
            assert_eq!(x.opales_number.len(), 12);
        }
    }

    #[test]
    fn unknown_departement_is_refused() {
        assert!(matches!(
            Ctx::new(App::Itac, "999", ymd(2008, 1, 1), 10, 1),
            Err(SampleError::UnknownDepartement(_))
        ));
    }

    #[test]
    fn wrong_luhn_fails_the_check() {
        let mut rng = Rng::derive(1, &[]);
        for _ in 0..50 {
            let bad = wrong_luhn(&mut rng, "010000024").unwrap();
            assert_eq!(crate::format::ids::luhn_ok(&bad), Some(false));
        }
    }
}
