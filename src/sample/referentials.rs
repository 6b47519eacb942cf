//! The referentials an OPALES delivery carries (spec section 6): the FINESS establishments in the
//! etalab layout (structureet and geolocalisation records) and the RAMSESE schools. Every entry is
//! a pure function of its position, so that decisions and cursus can point at them.

use super::Ctx;
use super::emit::{DefectKind, Emitter, RowBuf};
use super::people::{Address, date_between, ymd};
use super::refdata::upper_plain;
use super::rng::{Rng, cumulative};
use crate::format::ids;
use std::io;

const S_FINESS: u64 = 20;
const S_RAMSESE: u64 = 21;

/// FINESS categories: code, label, aggregate, aggregate label, weight.
const CATEGORIES: [(&str, &str, &str, &str, u64); 24] = [
    (
        "182",
        "Service d'Éducation Spéciale et de Soins à Domicile",
        "4106",
        "Services à Domicile ou Ambulatoires pour Handicapés",
        140,
    ),
    (
        "183",
        "Institut Médico-Educatif (I.M.E.)",
        "4101",
        "Etab.Educ.Spéciale pour Déficients Mentaux et Handicapés",
        120,
    ),
    (
        "186",
        "Institut Thérapeutique Éducatif et Pédagogique (I.T.E.P.)",
        "4102",
        "Etab.Educ.Spéciale Trouble Conduite et Comport.",
        40,
    ),
    (
        "188",
        "Etablissement pour Enfants ou Adolescents Polyhandicapés",
        "4101",
        "Etab.Educ.Spéciale pour Déficients Mentaux et Handicapés",
        20,
    ),
    (
        "189",
        "Centre Médico-Psycho-Pédagogique (C.M.P.P.)",
        "4106",
        "Services à Domicile ou Ambulatoires pour Handicapés",
        30,
    ),
    (
        "190",
        "Centre Action Médico-Sociale Précoce (C.A.M.S.P.)",
        "4106",
        "Services à Domicile ou Ambulatoires pour Handicapés",
        20,
    ),
    (
        "192",
        "Institut d'éducation motrice",
        "4103",
        "Etab.Educ.Spéciale pour Handicapés Moteurs",
        20,
    ),
    (
        "194",
        "Institut pour Déficients Visuels",
        "4104",
        "Etab.Educ.Spéciale pour Déficients Sensoriels",
        8,
    ),
    (
        "195",
        "Institut pour Déficients Auditifs",
        "4104",
        "Etab.Educ.Spéciale pour Déficients Sensoriels",
        10,
    ),
    (
        "196",
        "Institut d'Education Sensorielle Sourd/Aveugle",
        "4104",
        "Etab.Educ.Spéciale pour Déficients Sensoriels",
        3,
    ),
    (
        "198",
        "Centre de Pré orientation pour Handicapés",
        "4303",
        "Réinsertion Prof Adultes Handicapés",
        8,
    ),
    (
        "238",
        "Centre d'Accueil Familial Spécialisé",
        "4105",
        "Etablissements et Services Hébergement Enfants Handicapés",
        8,
    ),
    (
        "246",
        "Etablissement et Service d'Aide par le Travail (E.S.A.T.)",
        "4302",
        "Travail Protégé Adultes Handicapés",
        120,
    ),
    (
        "247",
        "Entreprise adaptée",
        "4302",
        "Travail Protégé Adultes Handicapés",
        40,
    ),
    (
        "249",
        "Centre Rééducation Professionnelle",
        "4303",
        "Réinsertion Prof Adultes Handicapés",
        10,
    ),
    (
        "252",
        "Foyer Hébergement Adultes Handicapés",
        "4301",
        "Hébergement Adultes Handicapés",
        80,
    ),
    (
        "253",
        "Foyer d'Accueil Polyvalent pour Adultes Handicapés",
        "4301",
        "Hébergement Adultes Handicapés",
        10,
    ),
    (
        "255",
        "Maison d'Accueil Spécialisée (M.A.S.)",
        "4301",
        "Hébergement Adultes Handicapés",
        40,
    ),
    (
        "377",
        "Etablissement Expérimental pour Enfance Handicapée",
        "4107",
        "Etab. Expérimentaux Enfance Handicapée",
        5,
    ),
    (
        "382",
        "Foyer de Vie pour Adultes Handicapés",
        "4301",
        "Hébergement Adultes Handicapés",
        80,
    ),
    (
        "390",
        "Etablissement d'Accueil Temporaire d'Enfants Handicapés",
        "4105",
        "Etablissements et Services Hébergement Enfants Handicapés",
        5,
    ),
    (
        "437",
        "Foyer d'Accueil Médicalisé pour Adultes Handicapés (F.A.M.)",
        "4301",
        "Hébergement Adultes Handicapés",
        50,
    ),
    (
        "445",
        "Service d'accompagnement médico-social adultes handicapés",
        "4305",
        "Maintien à Domicile Handicapés",
        20,
    ),
    (
        "446",
        "Service d'Accompagnement à la Vie Sociale (S.A.V.S.)",
        "4305",
        "Maintien à Domicile Handicapés",
        60,
    ),
];

fn short_name(cat: &str) -> &'static str {
    match cat {
        "182" => "SESSAD",
        "183" => "IME",
        "186" => "ITEP",
        "188" => "EEP",
        "189" => "CMPP",
        "190" => "CAMSP",
        "192" => "IEM",
        "194" | "195" | "196" => "IES",
        "198" => "CPO",
        "238" => "CAFS",
        "246" => "ESAT",
        "247" => "EA",
        "249" => "CRP",
        "252" => "FOYER D'HEBERGEMENT",
        "253" => "FOYER POLYVALENT",
        "255" => "MAS",
        "382" => "FOYER DE VIE",
        "437" => "FAM",
        "445" => "SAMSAH",
        "446" => "SAVS",
        _ => "ETABLISSEMENT",
    }
}

/// The two-character département of FINESS (`59`, `2A`, `9D` for La Réunion).
pub fn finess_departement(dep: &str) -> String {
    match dep {
        "971" => "9A".into(),
        "972" => "9B".into(),
        "973" => "9C".into(),
        "974" => "9D".into(),
        "976" => "9F".into(),
        d => d[1..].to_string(),
    }
}

/// A FINESS number: 2-character prefix, 6 digits, Luhn digit (computed on `20` for Corsica).
pub fn finess_with_key(prefix: &str, six: u64) -> String {
    let body = format!("{prefix}{six:06}");
    let digits = body.replace("2A", "20").replace("2B", "20");
    format!("{body}{}", ids::luhn_digit(&digits))
}

/// The first two characters of the FINESS numbers of a département (`59`, `2A`, `97`).
pub fn finess_prefix(dep: &str) -> &str {
    if dep.starts_with("97") {
        "97"
    } else {
        &dep[1..]
    }
}

/// One FINESS structure.
pub struct Structure {
    pub number: String,
    pub wrong_key: bool,
    pub category: usize,
}

/// The FINESS structures of a delivery, with their categories.
pub struct Finess {
    pub structures: Vec<Structure>,
}

impl Finess {
    pub fn new(ctx: &Ctx, count: u64) -> Self {
        let cum = cumulative(CATEGORIES.iter().map(|c| c.4));
        let prefix = finess_prefix(&ctx.dep).to_string();
        let structures = (0..count)
            .map(|k| {
                let mut rng = Rng::derive(ctx.seed, &[S_FINESS, k, 0]);
                let category = rng.weighted(&cum);
                let mut number = finess_with_key(&prefix, 10 + k * 3);
                // 0.6 %, and always one, even in a small referential.
                let wrong_key = (rng.chance(0.006) || k == count / 3)
                    && number.as_bytes()[..2].iter().all(u8::is_ascii_digit);
                if wrong_key {
                    number = super::wrong_luhn(&mut rng, &number).expect("numeric FINESS");
                }
                Structure {
                    number,
                    wrong_key,
                    category,
                }
            })
            .collect();
        Finess { structures }
    }

    /// Structures of one of the given categories.
    pub fn of_categories(&self, cats: &[&str]) -> Vec<usize> {
        self.structures
            .iter()
            .enumerate()
            .filter(|(_, s)| cats.contains(&CATEGORIES[s.category].0))
            .map(|(i, _)| i)
            .collect()
    }

    pub fn write(
        &self,
        ctx: &Ctx,
        e: &mut Emitter,
        t_struct: usize,
        t_geo: usize,
        row: &mut RowBuf,
    ) -> io::Result<()> {
        let dep2 = finess_departement(&ctx.dep);
        let dep_name = upper_plain(ctx.dep_name);
        if e.wants(t_struct) {
            for (k, s) in self.structures.iter().enumerate() {
                let mut rng = Rng::derive(ctx.seed, &[S_FINESS, k as u64, 1]);
                let (code, label, agr, agr_label, _) = CATEGORIES[s.category];
                let place = rng.pick_copy(&ctx.refdata.places);
                let rs: String = format!("{} {}", short_name(code), upper_plain(place))
                    .chars()
                    .take(38)
                    .collect();
                let manager = rng.pick(&ctx.refdata.managers);
                let addr: Address = ctx.address(&mut rng);
                let (typ, voie) = addr.street.split_once(' ').unwrap_or(("RUE", &addr.street));
                let typ = match typ {
                    "RUE" => "R",
                    "AVENUE" => "AV",
                    "BOULEVARD" => "BD",
                    "PLACE" => "PL",
                    "CHEMIN" => "CHE",
                    "ALLÉE" => "ALL",
                    "IMPASSE" => "IMP",
                    "ROUTE" => "RTE",
                    "QUAI" => "QUA",
                    "SQUARE" => "SQ",
                    "RÉSIDENCE" => "RES",
                    _ => "",
                };
                let ouv = date_between(
                    &mut rng,
                    ymd(1960, 1, 1),
                    ymd(2007, 12, 31).min(ctx.extraction),
                );
                row.begin();
                row.s("structureet");
                row.s(&s.number);
                if s.wrong_key {
                    row.mark(DefectKind::WrongFinessKey);
                }
                row.s(&finess_with_key(
                    finess_prefix(&ctx.dep),
                    500_000 + rng.below(99_999),
                ));
                row.s(&rs);
                row.s(&format!(
                    "{} {}",
                    upper_plain(label).replace("(", "").replace(")", ""),
                    upper_plain(place)
                )
                .chars()
                .take(100)
                .collect::<String>());
                if rng.chance(0.2) {
                    row.s(&upper_plain(manager).chars().take(60).collect::<String>());
                } else {
                    row.empty();
                }
                row.empty();
                row.s(addr.number.split(' ').next().unwrap_or(""));
                row.s(typ);
                row.s(&upper_plain(voie));
                row.s(addr.number.split_once(' ').map_or("", |x| x.1));
                if rng.chance(0.1) {
                    row.s(&format!("BP {}", rng.range(1, 400)));
                } else {
                    row.empty();
                }
                row.s(&addr.commune.insee[2..]);
                row.s(&dep2);
                row.s(&dep_name);
                row.s(&format!(
                    "{} {}",
                    addr.commune.postcode,
                    upper_plain(addr.commune.name)
                ));
                row.s(&ctx.phone(&mut rng, false));
                if rng.chance(0.7) {
                    row.s(&ctx.phone(&mut rng, false));
                } else {
                    row.empty();
                }
                row.s(code);
                row.s(label);
                row.s(agr);
                row.s(agr_label);
                row.s(&format!("{:014}", rng.below(100_000_000_000_000)));
                row.s(if code == "246" || code == "247" {
                    "8810C"
                } else {
                    "8891A"
                });
                row.s(rng.pick_copy(&["05", "34", "40", "41"]));
                row.s(rng.pick_copy(&[
                    "ARS PCD Dotation globale",
                    "Conseil départemental, tarif journalier",
                    "Prix de journée fixé par le préfet",
                ]));
                row.empty();
                row.empty();
                row.iso_date(ouv);
                row.iso_date(ouv);
                row.iso_date(date_between(&mut rng, ouv, ctx.extraction));
                row.empty();
                e.row(t_struct, row)?;
            }
        }
        if e.wants(t_geo) {
            for (k, s) in self.structures.iter().enumerate() {
                let mut rng = Rng::derive(ctx.seed, &[S_FINESS, k as u64, 2]);
                if rng.chance(0.03) {
                    continue;
                }
                row.begin();
                row.s("geolocalisation");
                row.s(&s.number);
                row.s(&format!(
                    "{}.{}",
                    rng.range(600_000, 760_000),
                    rng.range(1, 9)
                ));
                row.s(&format!(
                    "{}.{}",
                    rng.range(6_950_000, 7_110_000),
                    rng.range(1, 9)
                ));
                row.s("1,ATLASANTE,96,BAN,EPSG:2154 RGF93 / Lambert-93 (Métropole)");
                row.iso_date(date_between(&mut rng, ymd(2004, 1, 1), ctx.extraction));
                e.row(t_geo, row)?;
            }
        }
        Ok(())
    }
}

/// RAMSESE natures: code, label, weight.
const NATURES: [(&str, &str, u64); 10] = [
    ("101", "ECOLE MATERNELLE", 250),
    ("151", "ECOLE ELEMENTAIRE", 420),
    ("340", "COLLEGE", 150),
    ("300", "LYCEE ENSEIGNT GENERAL ET TECHNOLOGIQUE", 25),
    ("302", "LYCEE D ENSEIGNEMENT GENERAL", 15),
    ("306", "LYCEE POLYVALENT", 20),
    ("320", "LYCEE PROFESSIONNEL", 40),
    ("390", "SECTION ENSEIGNT GEN. ET PROF. ADAPTE", 30),
    ("370", "ETAB REGIONAL/LYCEE ENSEIGNEMENT ADAPTE", 4),
    ("162", "ECOLE DE NIVEAU ELEMENTAIRE SPECIALISEE", 6),
];

/// One school.
pub struct School {
    pub uai: String,
    pub patronyme: &'static str,
    pub wrong_key: bool,
    pub nature: &'static str,
    pub name: String,
}

pub struct Ramsese {
    pub schools: Vec<School>,
}

/// First three characters of the UAI of a département (`620`, `720` for Corsica).
fn uai_prefix(dep: &str) -> &str {
    match dep {
        "02A" => "620",
        "02B" => "720",
        d => d,
    }
}

pub fn uai(dep: &str, four: u64) -> String {
    let digits = format!("{}{four:04}", uai_prefix(dep));
    let letter = ids::uai_letter(&digits).unwrap_or('A');
    format!("{digits}{letter}")
}

impl Ramsese {
    pub fn new(ctx: &Ctx, count: u64) -> Self {
        let cum = cumulative(NATURES.iter().map(|n| n.2));
        let schools = (0..count)
            .map(|k| {
                let mut rng = Rng::derive(ctx.seed, &[S_RAMSESE, k, 0]);
                let (nature, _, _) = NATURES[rng.weighted(&cum)];
                let mut uai = uai(&ctx.dep, 1000 + k);
                let wrong_key = rng.chance(0.006) || k == count / 3;
                if wrong_key {
                    let last = uai.pop().expect("letter");
                    uai.push(if last == 'Z' {
                        'A'
                    } else {
                        char::from(last as u8 + 1)
                    });
                    if uai.ends_with(['I', 'O', 'Q']) {
                        let l = uai.pop().expect("letter");
                        uai.push(char::from(l as u8 + 1));
                    }
                }
                let patronyme = rng.pick(&ctx.refdata.patronymes);
                let kind = match nature {
                    "101" => "Ecole maternelle",
                    "151" | "162" => "Ecole élémentaire",
                    "340" | "390" => "Collège",
                    "370" => "EREA",
                    "320" => "Lycée professionnel",
                    _ => "Lycée",
                };
                let name = format!("{kind} {}", title_case(patronyme));
                School {
                    uai,
                    patronyme,
                    wrong_key,
                    nature,
                    name,
                }
            })
            .collect();
        Ramsese { schools }
    }

    pub fn of_natures(&self, natures: &[&str]) -> Vec<usize> {
        self.schools
            .iter()
            .enumerate()
            .filter(|(_, s)| natures.contains(&s.nature))
            .map(|(i, _)| i)
            .collect()
    }

    pub fn write(&self, ctx: &Ctx, e: &mut Emitter, t: usize, row: &mut RowBuf) -> io::Result<()> {
        if !e.wants(t) {
            return Ok(());
        }
        for (k, s) in self.schools.iter().enumerate() {
            let mut rng = Rng::derive(ctx.seed, &[S_RAMSESE, k as u64, 1]);
            let label = NATURES.iter().find(|n| n.0 == s.nature).map_or("", |n| n.1);
            let public = !rng.chance(0.2);
            let addr = ctx.address(&mut rng);
            let etat = rng.pick_copy(&[
                '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '3', '2',
            ]);
            let ouv = date_between(&mut rng, ymd(1950, 9, 1), ymd(2006, 9, 1));
            row.begin();
            row.s(&s.uai);
            if s.wrong_key {
                row.mark(DefectKind::WrongUaiKey);
            }
            row.s(&format!(
                "{}{}",
                s.name,
                if public { "" } else { " (privé)" }
            ));
            row.s(label);
            row.s(s.patronyme);
            row.s(if public { "PU" } else { "PR" });
            row.s(&addr.line());
            row.s(addr.commune.postcode);
            row.s(&upper_plain(addr.commune.name));
            row.s(addr.commune.insee);
            row.s(s.nature);
            row.s(&etat.to_string());
            row.date(ouv);
            if etat == '3' {
                row.date(date_between(&mut rng, ouv, ctx.extraction));
            } else {
                row.empty();
            }
            e.row(t, row)?;
        }
        Ok(())
    }
}

fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = c == ' ' || c == '-' || c == '\'';
    }
    out
}
