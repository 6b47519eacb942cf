//! OPALES version 2.4 (children, CDES; spec section 4): children and their responsables, assuré,
//! cursus, demandes, décisions (orientation, AES, carte, notifications) and medical row, réunions
//! and archive, with the FINESS and RAMSESE referentials; in the volumes of a large département
//! (per child about 1.6 responsables, 2.5 cursus, 3.4 demandes, one décision per demande, 2.6
//! notifications per décision).

use super::emit::{DefectKind, Emitter, Injection, RowBuf, mutate};
use super::numbering::{ARCHIVE_BASE, Calendar, YearSlots};
use super::people::{Address, Identity, add_months, date_between, ymd};
use super::refdata::upper;
use super::referentials::{Finess, Ramsese};
use super::rng::{Rng, cumulative};
use super::{Ctx, SampleError, SharedPerson, TableSet, code_rows, is_shared_position};
use chrono::{Datelike, Duration, NaiveDate};
use std::io;

const S_CHILD: u64 = 10;
const S_ARCHIVE: u64 = 11;
const S_REUNION: u64 = 12;
const S_DELETED: u64 = 13;

pub const DESCRIPTIF: &str = include_str!("../../assets/sample/descriptif-OPALES.txt");
pub const CODES: &str = include_str!("../../assets/sample/codes-OPALES.txt");

/// Indexes of the OPALES tables in the delivery.
pub struct Tables {
    codes: Vec<(usize, String)>,
    enfant: usize,
    responsable: usize,
    assure: usize,
    cursus: usize,
    reunion: usize,
    demande: usize,
    decision: usize,
    orientation: usize,
    aes: usize,
    carte: usize,
    notification: usize,
    medical: usize,
    archiv: usize,
    finess: usize,
    finess_geo: usize,
    ramsese: usize,
}

impl Tables {
    pub fn new(t: &TableSet) -> Self {
        Tables {
            codes: t.code_tables(),
            enfant: t.idx("OP_ENFANT"),
            responsable: t.idx("OP_RESPONSABLE"),
            assure: t.idx("OP_ASSURE"),
            cursus: t.idx("OP_CURSUS"),
            reunion: t.idx("OP_REUNION"),
            demande: t.idx("OP_DEMANDE"),
            decision: t.idx("OP_DECISION"),
            orientation: t.idx("OP_ORIENTATION"),
            aes: t.idx("OP_AES"),
            carte: t.idx("OP_CARTE"),
            notification: t.idx("OP_NOTIFICATION"),
            medical: t.idx("OP_MEDICAL"),
            archiv: t.idx("OP_ARCHIV"),
            finess: t.idx("REF_FINESS"),
            finess_geo: t.idx("REF_FINESS_GEO"),
            ramsese: t.idx("REF_RAMSESE"),
        }
    }
}

fn pick(r: &mut Rng, choices: &[&str]) -> Option<String> {
    Some(r.pick(choices).to_string())
}

/// Defects injected at random, per table.
pub fn injections(table: &str) -> &'static [Injection] {
    const ENFANT: &[Injection] = &[
        Injection {
            column: "DATE_NAISSANCE",
            rate: 0.003,
            kind: None,
            mutate: mutate::impossible_date,
        },
        Injection {
            column: "NIR_ENFANT",
            rate: 0.01,
            kind: Some(DefectKind::WrongNirKey),
            mutate: |r, v| {
                if v.len() == 15 && !v.ends_with(' ') {
                    mutate::wrong_key2(r, &v[13..]).map(|k| format!("{}{k}", &v[..13]))
                } else {
                    None
                }
            },
        },
        Injection {
            column: "ADR_LIGNE1",
            rate: 0.002,
            kind: None,
            mutate: mutate::overlong,
        },
        Injection {
            column: "COMMUNE",
            rate: 0.001,
            kind: None,
            mutate: mutate::control_char,
        },
    ];
    const RESPONSABLE: &[Injection] = &[
        Injection {
            column: "ADRESSE",
            rate: 0.001,
            kind: None,
            mutate: mutate::control_char,
        },
        Injection {
            column: "ADRESSE",
            rate: 0.001,
            kind: None,
            mutate: mutate::overlong,
        },
    ];
    const ASSURE: &[Injection] = &[Injection {
        column: "CLE",
        rate: 0.005,
        kind: Some(DefectKind::WrongNirKey),
        mutate: mutate::wrong_key2,
    }];
    const CURSUS: &[Injection] = &[
        Injection {
            column: "SITUATION",
            rate: 0.002,
            kind: Some(DefectKind::UnknownCode),
            mutate: |r, v| {
                if v.is_empty() {
                    None
                } else {
                    pick(r, &["12", "00", "99"])
                }
            },
        },
        Injection {
            column: "UAI",
            rate: 0.004,
            kind: Some(DefectKind::OrphanReference),
            mutate: |r, v| {
                (v.len() == 8).then(|| super::referentials::uai(&v[..3], 9000 + r.below(1000)))
            },
        },
    ];
    const DEMANDE: &[Injection] = &[
        Injection {
            column: "TYPE_DEMANDE",
            rate: 0.0015,
            kind: Some(DefectKind::UnknownCode),
            mutate: |r, _| pick(r, &["XXX", "AAH", "000"]),
        },
        Injection {
            column: "DATE_DEPOT",
            rate: 0.0015,
            kind: None,
            mutate: mutate::impossible_date,
        },
    ];
    const DECISION: &[Injection] = &[
        Injection {
            column: "DATE_DECISION",
            rate: 0.0015,
            kind: None,
            mutate: mutate::impossible_date,
        },
        Injection {
            column: "MOTIF",
            rate: 0.006,
            kind: None,
            mutate: mutate::overlong,
        },
        Injection {
            column: "MOTIF",
            rate: 0.004,
            kind: None,
            mutate: mutate::control_char,
        },
    ];
    const ORIENTATION: &[Injection] = &[
        Injection {
            column: "FINESS_ACCUEIL",
            rate: 0.005,
            kind: Some(DefectKind::OrphanReference),
            mutate: |r, v| {
                (v.len() == 9 && v.bytes().all(|b| b.is_ascii_digit())).then(|| {
                    super::referentials::finess_with_key(&v[..2], 900_000 + r.below(99_999))
                })
            },
        },
        Injection {
            column: "NATURE_ACCUEIL",
            rate: 0.002,
            kind: Some(DefectKind::UnknownCode),
            mutate: |r, _| pick(r, &["IMX", "CRA"]),
        },
        Injection {
            column: "REGIME",
            rate: 0.002,
            kind: Some(DefectKind::UnknownCode),
            mutate: |r, _| pick(r, &["Z", "X"]),
        },
    ];
    const NOTIFICATION: &[Injection] = &[Injection {
        column: "NUM_DECISION",
        rate: 0.002,
        kind: Some(DefectKind::OrphanReference),
        mutate: |r, _| Some(format!("9{:08}", r.below(100_000_000))),
    }];
    const MEDICAL: &[Injection] = &[
        Injection {
            column: "DEFICIENCE_PRINCIPALE",
            rate: 0.002,
            kind: Some(DefectKind::UnknownCode),
            mutate: |r, _| pick(r, &["11", "00", "15"]),
        },
        Injection {
            column: "OBSERVATIONS",
            rate: 0.004,
            kind: None,
            mutate: mutate::control_char,
        },
    ];
    const ARCHIV: &[Injection] = &[Injection {
        column: "DATE_NAISSANCE",
        rate: 0.004,
        kind: None,
        mutate: mutate::impossible_date,
    }];
    match table {
        "OP_ENFANT" => ENFANT,
        "OP_RESPONSABLE" => RESPONSABLE,
        "OP_ASSURE" => ASSURE,
        "OP_CURSUS" => CURSUS,
        "OP_DEMANDE" => DEMANDE,
        "OP_DECISION" => DECISION,
        "OP_ORIENTATION" => ORIENTATION,
        "OP_NOTIFICATION" => NOTIFICATION,
        "OP_MEDICAL" => MEDICAL,
        "OP_ARCHIV" => ARCHIV,
        _ => &[],
    }
}

/// Sizes and referentials computed once per delivery.
pub struct Plan {
    slots: YearSlots,
    archive_slots: YearSlots,
    archive_count: u64,
    calendar: Calendar,
    finess: Finess,
    ramsese: Ramsese,
    finess_by_nature: Vec<(&'static str, Vec<usize>)>,
    schools_by_kind: Vec<(&'static str, Vec<usize>)>,
}

impl Plan {
    pub fn new(ctx: &Ctx) -> Result<Self, SampleError> {
        let n = u64::from(ctx.persons);
        let last = ctx.extraction.year();
        let slots = YearSlots::new(1976, last, n, |y| 1.0 + f64::from(y - 1976) * 0.05);
        let archive_count = n / 2;
        let archive_slots = YearSlots::new(1976, last.min(1998), archive_count, |_| 1.0);
        if slots.max_per_year() >= ARCHIVE_BASE
            || archive_slots.max_per_year() >= 30_000
            || n / 20 >= 30_000
        {
            return Err(SampleError::TooManyPersons { max: 599_999 });
        }
        let finess = Finess::new(ctx, (n / 100).clamp(80, 3000));
        let ramsese = Ramsese::new(ctx, (n * 4 / 300).clamp(100, 4000));
        let finess_by_nature = [
            ("IME", &["183"][..]),
            ("IMP", &["183"]),
            ("IPR", &["183"]),
            ("ITE", &["186"]),
            ("IEM", &["192"]),
            ("IES", &["194", "195", "196"]),
            ("EPO", &["188"]),
            ("SES", &["182"]),
            ("CMP", &["189"]),
            ("CAM", &["190"]),
        ]
        .into_iter()
        .map(|(nat, cats)| (nat, finess.of_categories(cats)))
        .collect();
        let schools_by_kind = [
            ("primaire", &["101", "151"][..]),
            ("elementaire", &["151", "162"]),
            ("college", &["340"]),
            ("lycee", &["300", "302", "306", "320"]),
            ("segpa", &["390", "340"]),
            ("erea", &["370", "320"]),
        ]
        .into_iter()
        .map(|(k, natures)| (k, ramsese.of_natures(natures)))
        .collect();
        Ok(Plan {
            slots,
            archive_slots,
            archive_count,
            calendar: Calendar {
                first_year: 1976,
                per_year: ((n as f64 * 0.0005).round() as u32).clamp(10, 150),
                last_day: ctx.extraction,
            },
            finess,
            ramsese,
            finess_by_nature,
            schools_by_kind,
        })
    }

    fn school(&self, rng: &mut Rng, kind: &str) -> Option<usize> {
        let list = &self.schools_by_kind.iter().find(|k| k.0 == kind)?.1;
        (!list.is_empty()).then(|| *rng.pick(list))
    }
}

struct Parent {
    quality: char,
    id: Identity,
    authority: bool,
    phone: Option<String>,
}

struct Cursus {
    year: i32,
    situation: &'static str,
    niveau: &'static str,
    school: Option<usize>,
    other_name: Option<String>,
}

struct SubRow {
    kind: &'static str,
    nature: &'static str,
    regime: &'static str,
    finess: Option<usize>,
    school: Option<usize>,
    tranche: char,
    categorie: i64,
    montant: i64,
    mention: &'static str,
}

struct Decision {
    num: u64,
    reunion: (i32, u32, NaiveDate),
    sens: char,
    debut: Option<NaiveDate>,
    fin: Option<NaiveDate>,
    notification: Option<NaiveDate>,
    motif: Option<&'static str>,
    sub: Option<SubRow>,
    notifications: Vec<&'static str>,
}

struct Demande {
    num: u64,
    code: &'static str,
    date: NaiveDate,
    nature: char,
    decisions: Vec<Decision>,
}

struct Child {
    num: String,
    id: Identity,
    shared: bool,
    deleted: bool,
    usage: Option<String>,
    address: Address,
    line2: Option<&'static str>,
    nir: Option<String>,
    etat: char,
    cotorep: Option<String>,
    created: NaiveDate,
    updated: NaiveDate,
    parents: Vec<Parent>,
    assure: Option<usize>,
    cursus: Vec<Cursus>,
    demandes: Vec<Demande>,
    medical: Option<(&'static str, &'static str, i64, Option<&'static str>)>,
}

const MOTIFS: [&str; 8] = [
    "Taux d'incapacité inférieur à 50 %",
    "Prise en charge en établissement adaptée aux besoins de l'enfant",
    "Accord pour l'orientation proposée par l'équipe technique",
    "Dossier incomplet : certificat médical manquant",
    "Sursis à statuer dans l'attente du bilan psychologique",
    "Frais liés au handicap justifiant le complément",
    "Scolarisation en CLIS à la rentrée",
    "Maintien au titre de l'amendement Creton",
];

/// Free text with separators, quotes and line breaks.
const MOTIFS_SPECIAL: [&str; 4] = [
    "Taux d'incapacité compris entre 50 et 79 %; pas de prise en charge justifiant un complément",
    "Les parents demandent un \"maintien\" en milieu ordinaire",
    "Avis de l'équipe technique :\r\nprise en charge SESSAD",
    "Recours gracieux des parents; réexamen",
];

/// Medical free text with separators, quotes and line breaks.
const MEDICAL_OBS_SPECIAL: [&str; 2] = [
    "Troubles du comportement; suivi pédopsychiatrique hebdomadaire",
    "Avis du médecin : \"autonomie réduite\"\r\nréévaluer à 6 ans",
];

const MEDICAL_OBS: [&str; 8] = [
    "Bilan orthophonique en cours",
    "Suivi au CAMSP depuis l'âge de 2 ans",
    "Épilepsie stabilisée sous traitement",
    "Appareillage auditif bilatéral",
    "Hospitalisations répétées (voir compte rendu du CHU)",
    "Retard global des acquisitions",
    "Fauteuil roulant manuel, kinésithérapie 3 fois par semaine",
    "Diabète de type 1 insulino-dépendant",
];

const DEFICIENCES: [(&str, u64, &[&str]); 10] = [
    ("01", 21, &["F70", "F71", "F72", "F79", "Q90.0"]),
    ("02", 22, &["F90.0", "F91.3", "F93.8", "F32.1", "F20.0"]),
    ("03", 5, &["H90.3", "H90.5", "H91.9"]),
    ("04", 4, &["F80.1", "F80.2", "F80.9"]),
    ("05", 3, &["H54.0", "H54.2", "H54.4"]),
    ("06", 10, &["E10.9", "E84.0", "J45.0", "N18.9"]),
    ("07", 14, &["G80.1", "G80.0", "G71.0", "Q05.9"]),
    ("08", 3, &["Q37.9", "L90.5"]),
    ("09", 8, &["G80.8", "Q87.1"]),
    ("10", 10, &["F84.0", "F84.1", "F84.5"]),
];

fn child_identity(ctx: &Ctx, plan: &Plan, i: u64) -> (Identity, NaiveDate, Option<SharedPerson>) {
    if is_shared_position(i) {
        let s = ctx.shared_person(i / 20);
        return (s.identity.clone(), s.opales_created, Some(s));
    }
    let mut rng = Rng::derive(ctx.seed, &[S_CHILD, i, 0]);
    let (year, _) = plan.slots.locate(i);
    let created = date_between(
        &mut rng,
        ymd(year, 1, 2),
        ymd(year, 12, 30).min(ctx.extraction),
    );
    let age = (rng.unit().powf(1.4) * 17.0) as i32 + 1;
    let from = ymd(year - age - 1, created.month(), 1);
    let to = (from + Duration::days(364)).min(created - Duration::days(120));
    let sex = if rng.chance(0.61) { 1 } else { 2 };
    (ctx.identity_of_sex(&mut rng, sex, from, to), created, None)
}

fn demande_type(rng: &mut Rng, d: NaiveDate, age: i32) -> &'static str {
    let aeeh = d >= ymd(2006, 1, 1);
    let table: [(&str, u64); 11] = [
        ("ORI", 300),
        ("SCO", if (6..=18).contains(&age) { 90 } else { 0 }),
        ("AES", if aeeh { 0 } else { 360 }),
        ("AEH", if aeeh { 360 } else { 0 }),
        ("CIN", 40),
        ("CPR", 30),
        (
            "AVS",
            if d >= ymd(2003, 9, 1) && age >= 3 {
                60
            } else {
                0
            },
        ),
        ("MPA", 30),
        ("TRA", 40),
        ("AVP", 30),
        ("CRE", if age >= 19 { 200 } else { 0 }),
    ];
    table[rng.weighted(&cumulative(table.iter().map(|t| t.1)))].0
}

fn sub_row(rng: &mut Rng, plan: &Plan, code: &str, age: i32, date: NaiveDate) -> Option<SubRow> {
    let mut s = SubRow {
        kind: "",
        nature: "",
        regime: "",
        finess: None,
        school: None,
        tranche: '3',
        categorie: 0,
        montant: 0,
        mention: "",
    };
    match code {
        "ORI" | "CRE" => {
            let natures: &[(&str, u64)] = if code == "CRE" || age >= 14 {
                &[
                    ("IPR", 40),
                    ("IME", 30),
                    ("ITE", 8),
                    ("IEM", 6),
                    ("SES", 16),
                ]
            } else if age < 6 {
                &[("CAM", 30), ("SES", 40), ("IME", 15), ("CMP", 15)]
            } else {
                &[
                    ("IME", 25),
                    ("IMP", 10),
                    ("ITE", 12),
                    ("IEM", 4),
                    ("IES", 4),
                    ("EPO", 3),
                    ("SES", 30),
                    ("CMP", 8),
                ]
            };
            s.kind = "orientation";
            s.nature = natures[rng.weighted(&cumulative(natures.iter().map(|n| n.1)))].0;
            s.regime = match s.nature {
                "SES" | "CMP" | "CAM" => "M",
                _ => rng.pick_copy(&["E", "E", "E", "S", "S", "I", "I", "T"]),
            };
            if let Some((_, list)) = plan.finess_by_nature.iter().find(|f| f.0 == s.nature)
                && !list.is_empty()
                && rng.chance(0.92)
            {
                s.finess = Some(*rng.pick(list));
            }
        }
        "SCO" => {
            s.kind = "orientation";
            let (nature, kind) = if age < 12 {
                ("CLI", "elementaire")
            } else if rng.chance(0.3) {
                ("SEG", "segpa")
            } else if rng.chance(0.1) {
                ("ERE", "erea")
            } else {
                ("UPI", "college")
            };
            s.nature = nature;
            s.regime = "E";
            s.school = plan.school(rng, kind);
        }
        "AES" | "AEH" => {
            s.kind = "aes";
            s.tranche = if rng.chance(0.8) { '3' } else { '2' };
            let max_cat = if date >= ymd(2002, 4, 1) { 6 } else { 3 };
            s.categorie = if rng.chance(0.45) {
                0
            } else {
                rng.range(1, max_cat)
            };
            // Base and complements in euros, revalued over the years.
            let base = 12_454.0 * (1.0 - 0.012 * f64::from(2008 - date.year().min(2008)));
            let factor = [1.0, 1.75, 3.02, 3.86, 5.43, 6.66, 9.27][s.categorie as usize];
            s.montant = (base * factor).round() as i64;
        }
        "CIN" => {
            s.kind = "carte";
            s.nature = "INV";
            s.mention = rng.pick_copy(&["", "", "", "Besoin d'accompagnement", "Cécité"]);
        }
        "CPR" => {
            s.kind = "carte";
            s.nature = rng.pick_copy(&["SDP", "PRI"]);
        }
        _ => return None,
    }
    Some(s)
}

fn notifications(rng: &mut Rng, code: &str) -> Vec<&'static str> {
    let mut v = vec!["famille"];
    v.push(match code {
        "AES" | "AEH" | "AVP" => {
            if rng.chance(0.06) {
                "MSA"
            } else {
                "CAF"
            }
        }
        "ORI" | "CRE" => "établissement",
        "SCO" | "AVS" | "MPA" => "insp. académique",
        _ => "CPAM",
    });
    if rng.chance(0.6) {
        let extra = rng.pick_copy(&["CAF", "établissement", "insp. académique", "CPAM", "MSA"]);
        if !v.contains(&extra) {
            v.push(extra);
        } else {
            v.push("famille");
        }
    }
    v
}

fn child(ctx: &Ctx, plan: &Plan, i: u64, next_demande: &mut u64, next_decision: &mut u64) -> Child {
    let (id, created, shared) = child_identity(ctx, plan, i);
    let mut rng = Rng::derive(ctx.seed, &[S_CHILD, i, 1]);
    let num = match &shared {
        Some(s) => s.opales_number.clone(),
        None => {
            let (year, rank) = plan.slots.locate(i);
            format!("{}{}{:05}", ctx.dep, year, rank + 1)
        }
    };
    let deleted = shared.is_none() && Rng::derive(ctx.seed, &[S_DELETED, i]).chance(0.0025);
    let birth_year = id.birth.year();
    let adult_at = ymd(birth_year + 20, id.birth.month(), 1);
    let end = ctx.extraction.min(adult_at + Duration::days(365));
    // Parents.
    let mut parents = Vec::new();
    let address = ctx.address(&mut rng);
    let parent_birth = |rng: &mut Rng| ymd(birth_year - rng.range(20, 42) as i32, 1, 1);
    if rng.chance(0.95) {
        let from = parent_birth(&mut rng);
        let mut p = ctx.identity_of_sex(&mut rng, 2, from, from + Duration::days(364));
        if rng.chance(0.5) {
            p.surname = id.surname.clone();
        }
        parents.push(Parent {
            quality: 'M',
            id: p,
            authority: true,
            phone: rng.chance(0.8).then(|| {
                let m = rng.chance(0.4);
                ctx.phone(&mut rng, m)
            }),
        });
    }
    if rng.chance(0.6) {
        let from = parent_birth(&mut rng);
        let mut p = ctx.identity_of_sex(&mut rng, 1, from, from + Duration::days(364));
        p.surname = id.surname.clone();
        parents.push(Parent {
            quality: 'P',
            id: p,
            authority: rng.chance(0.9),
            phone: rng.chance(0.6).then(|| {
                let m = rng.chance(0.4);
                ctx.phone(&mut rng, m)
            }),
        });
    }
    if rng.chance(0.07) {
        let q = rng.pick_copy(&['T', 'A', 'F']);
        let mut p = ctx.identity(&mut rng, ymd(1940, 1, 1), ymd(1975, 12, 31));
        if q == 'A' {
            p.surname = "SERVICE DE L'AIDE SOCIALE À L'ENFANCE".into();
            p.first_names.clear();
        } else if q == 'T' && rng.chance(0.5) {
            p.surname = "UDAF".into();
            p.first_names.clear();
        }
        parents.push(Parent {
            quality: q,
            id: p,
            authority: q != 'F',
            phone: Some(ctx.phone(&mut rng, false)),
        });
    }
    let assure = if parents.is_empty() || !rng.chance(0.92) {
        None
    } else {
        Some(
            parents
                .iter()
                .position(|p| p.quality == 'P' && rng.chance(0.6))
                .unwrap_or(0),
        )
    };
    // Schooling.
    let school_year_now = if ctx.extraction.month() >= 9 {
        ctx.extraction.year()
    } else {
        ctx.extraction.year() - 1
    };
    let first_year = created.year().max(birth_year + 3);
    let n_cursus = 1 + rng.geometric(0.4, 8) as i32;
    let start = first_year + rng.range(0, 2) as i32;
    let mut cursus = Vec::new();
    for y in start..(start + n_cursus) {
        let age = y - birth_year;
        if y > school_year_now || age > 20 {
            break;
        }
        let x = rng.unit();
        let (situation, kind) = if x < 0.1 {
            ("07", None)
        } else if x < 0.13 {
            ("09", None)
        } else if x < 0.23 && (6..12).contains(&age) && y >= 1991 {
            ("03", Some("elementaire"))
        } else if x < 0.28 && (12..17).contains(&age) && y >= 1995 {
            ("04", Some("college"))
        } else if x < 0.33 && (12..16).contains(&age) {
            ("05", Some("segpa"))
        } else if x < 0.43 && y >= 2003 {
            ("02", None)
        } else {
            ("01", None)
        };
        const LEVELS: [&str; 15] = [
            "PS", "MS", "GS", "CP", "CE1", "CE2", "CM1", "CM2", "6E", "5E", "4E", "3E", "2NDE",
            "1RE", "TLE",
        ];
        let niveau = match situation {
            "07" => "IME",
            "09" => "",
            "03" => "CLIS",
            "04" => "UPI",
            "05" => "SEGPA",
            _ => LEVELS
                .get((age - 3).max(0) as usize)
                .copied()
                .unwrap_or("CAP"),
        };
        let kind = kind.or(match situation {
            "07" | "09" => None,
            _ if age < 6 => Some("primaire"),
            _ if age < 11 => Some("elementaire"),
            _ if age < 15 => Some("college"),
            _ => Some("lycee"),
        });
        let school = kind.and_then(|k| plan.school(&mut rng, k));
        let other_name =
            (situation == "07").then(|| format!("IME {}", rng.pick(&ctx.refdata.places)));
        cursus.push(Cursus {
            year: y,
            situation,
            niveau,
            school,
            other_name,
        });
    }
    // Demandes and decisions.
    let n = 1 + rng.geometric(0.2941, 30);
    let mut dates: Vec<NaiveDate> = (1..n)
        .map(|_| date_between(&mut rng, created, end.max(created)))
        .collect();
    dates.push((created + Duration::days(rng.range(0, 15))).min(ctx.extraction));
    dates.sort();
    let mut demandes = Vec::with_capacity(dates.len());
    for (k, &date) in dates.iter().enumerate() {
        *next_demande += 1;
        let age = date.year() - birth_year;
        let code = demande_type(&mut rng, date, age);
        let mut d = Demande {
            num: *next_demande,
            code,
            date,
            nature: if k == 0 {
                '1'
            } else {
                rng.pick_copy(&['2', '2', '2', '2', '2', '2', '2', '3', '3', '4'])
            },
            decisions: Vec::new(),
        };
        let first = plan
            .calendar
            .first_on_or_after(date + Duration::days(rng.range(20, 120)));
        if let Some(r1) = first
            && !rng.chance(0.005)
        {
            let mut reunions = vec![r1];
            if rng.chance(0.03)
                && let Some(r2) = plan
                    .calendar
                    .first_on_or_after(r1.2 + Duration::days(rng.range(30, 90)))
            {
                reunions.push(r2);
            }
            let last = reunions.len();
            for (j, reunion) in reunions.into_iter().enumerate() {
                *next_decision += 1;
                let sens = if j + 1 < last || rng.chance(0.01) {
                    '3'
                } else if rng.chance(0.28) {
                    '2'
                } else {
                    '1'
                };
                let debut = (sens == '1')
                    .then(|| add_months(reunion.2.with_day(1).unwrap_or(reunion.2), 1));
                let fin = debut
                    .map(|d| add_months(d, rng.pick_copy(&[12, 24, 36, 60])) - Duration::days(1));
                let notif = reunion.2 + Duration::days(rng.range(7, 30));
                let notification = (notif <= ctx.extraction).then_some(notif);
                let sub = if sens == '1' {
                    sub_row(&mut rng, plan, code, age, reunion.2)
                } else {
                    None
                };
                let notifs = if notification.is_some() {
                    notifications(&mut rng, code)
                } else {
                    Vec::new()
                };
                d.decisions.push(Decision {
                    num: *next_decision,
                    reunion,
                    sens,
                    debut,
                    fin,
                    notification,
                    motif: rng.chance(0.35).then(|| {
                        if rng.chance(0.05) {
                            rng.pick_copy(&MOTIFS_SPECIAL)
                        } else {
                            rng.pick_copy(&MOTIFS)
                        }
                    }),
                    sub,
                    notifications: notifs,
                });
            }
        }
        demandes.push(d);
    }
    let medical = rng.chance(0.95).then(|| {
        let (code, _, cims) =
            DEFICIENCES[rng.weighted(&cumulative(DEFICIENCES.iter().map(|d| d.1)))];
        let taux = rng.range(10, 18) * 5;
        let obs = rng.chance(0.4).then(|| {
            if rng.chance(0.05) {
                rng.pick_copy(&MEDICAL_OBS_SPECIAL)
            } else {
                rng.pick_copy(&MEDICAL_OBS)
            }
        });
        (code, *rng.pick(cims), taux, obs)
    });
    let last_activity = demandes.last().map_or(created, |d| d.date);
    let age_now = ctx.extraction.year() - birth_year;
    let etat = if shared.is_some() {
        'T'
    } else if age_now >= 20 {
        if rng.chance(0.1) { 'T' } else { 'X' }
    } else if last_activity < ctx.extraction - Duration::days(5 * 365) {
        'X'
    } else {
        'A'
    };
    let nir = match &shared {
        Some(s) => s
            .nir_in_opales
            .then(|| format!("{}{}", id.nir13, id.nir_key())),
        None if rng.chance(0.4) => Some(if rng.chance(0.85) {
            format!("{}{}", id.nir13, id.nir_key())
        } else {
            format!("{}  ", id.nir13)
        }),
        None => None,
    };
    Child {
        num,
        shared: shared.is_some(),
        deleted,
        usage: (rng.chance(0.03)).then(|| ctx.surname(&mut rng, false)),
        line2: rng.chance(0.15).then(|| {
            rng.pick_copy(&[
                "RÉSIDENCE LES TILLEULS",
                "BÂTIMENT C",
                "APPARTEMENT 12",
                "CHEZ MME DUPONT",
                "ESCALIER B 3E ÉTAGE",
            ])
        }),
        address,
        nir,
        etat,
        cotorep: shared
            .as_ref()
            .filter(|s| s.cotorep_known)
            .map(|s| s.itac_number.clone()),
        created,
        updated: date_between(
            &mut rng,
            last_activity,
            (last_activity + Duration::days(300)).min(ctx.extraction),
        ),
        parents,
        assure,
        cursus,
        demandes,
        medical,
        id,
    }
}

/// Writes every OPALES table that the emitter wants.
pub fn generate(ctx: &Ctx, t: &Tables, e: &mut Emitter) -> io::Result<()> {
    let plan = Plan::new(ctx).map_err(io::Error::other)?;
    let mut row = RowBuf::default();
    code_rows(CODES, &t.codes, e, &mut row)?;
    let person_tables = [
        t.enfant,
        t.responsable,
        t.assure,
        t.cursus,
        t.demande,
        t.decision,
        t.orientation,
        t.aes,
        t.carte,
        t.notification,
        t.medical,
    ];
    if person_tables.iter().any(|&x| e.wants(x)) {
        let (mut next_demande, mut next_decision, mut next_resp, mut next_cursus, mut next_notif) =
            (0, 0, 0, 0, 0);
        for i in 0..u64::from(ctx.persons) {
            let c = child(ctx, &plan, i, &mut next_demande, &mut next_decision);
            write_child(
                ctx,
                t,
                &plan,
                &c,
                e,
                &mut row,
                (&mut next_resp, &mut next_cursus, &mut next_notif),
            )?;
        }
    }
    if e.wants(t.reunion) {
        const LIEUX: [&str; 3] = [
            "SIÈGE DE LA CDES",
            "INSPECTION ACADÉMIQUE",
            "ANTENNE DE SECTEUR",
        ];
        for (y, n, date) in plan.calendar.all() {
            let mut rng = Rng::derive(ctx.seed, &[S_REUNION, y as u64, u64::from(n)]);
            row.begin();
            row.int(plan.calendar.id(y, n) as i64);
            row.date(date);
            row.s(match n % 4 {
                0 => "P",
                1 => "E",
                _ => "R",
            });
            row.s(rng.pick_copy(&LIEUX));
            e.row(t.reunion, &mut row)?;
        }
    }
    if e.wants(t.archiv) {
        for a in 0..plan.archive_count {
            let mut rng = Rng::derive(ctx.seed, &[S_ARCHIVE, a]);
            let (year, rank) = plan.archive_slots.locate(a);
            let created = date_between(&mut rng, ymd(year, 1, 2), ymd(year, 12, 30));
            let age = rng.range(1, 18) as i32;
            let id = ctx.identity(&mut rng, ymd(year - age - 1, 1, 1), ymd(year - age, 12, 31));
            row.begin();
            row.s(&format!("{}{}{:05}", ctx.dep, year, ARCHIVE_BASE + rank));
            row.s(&id.surname);
            row.s(&id.first_names_joined());
            row.date(id.birth);
            let dest = ctx.dep_name;
            row.s(&match rng.below(5) {
                0 | 1 => format!("COTOREP {}", upper(dest)),
                2 => "ARCHIVES DÉPARTEMENTALES".to_string(),
                3 => format!("CDES {}", upper(rng.pick(&ctx.refdata.departements).name)),
                _ => "FAMILLE".to_string(),
            });
            row.date(created);
            row.date(date_between(
                &mut rng,
                created + Duration::days(3 * 365),
                ctx.extraction,
            ));
            e.row(t.archiv, &mut row)?;
        }
    }
    plan.finess
        .write(ctx, e, t.finess, t.finess_geo, &mut row)?;
    plan.ramsese.write(ctx, e, t.ramsese, &mut row)?;
    Ok(())
}

fn write_child(
    ctx: &Ctx,
    t: &Tables,
    plan: &Plan,
    c: &Child,
    e: &mut Emitter,
    row: &mut RowBuf,
    ids: (&mut u64, &mut u64, &mut u64),
) -> io::Result<()> {
    let (next_resp, next_cursus, next_notif) = ids;
    let num = |row: &mut RowBuf| {
        row.s(&c.num);
        if c.deleted {
            row.mark(DefectKind::OrphanReference);
        }
    };
    let full_address = format!(
        "{} {} {}",
        c.address.line(),
        c.address.commune.postcode,
        c.address.city()
    );
    if e.wants(t.enfant) && !c.deleted {
        row.begin();
        row.protected = c.shared;
        row.s(&c.num);
        row.s(&c.id.surname);
        row.opt(c.usage.as_deref());
        row.s(&c.id.first_names_joined());
        row.s(if c.id.sex == 1 { "1" } else { "2" });
        row.date(c.id.birth);
        row.s(&c.id.place.name);
        row.s(&c.address.line());
        row.opt(c.line2);
        row.s(c.address.commune.postcode);
        row.s(&c.address.city());
        row.opt(c.nir.as_deref());
        row.s(&c.etat.to_string());
        row.opt(c.cotorep.as_deref());
        row.date(c.created);
        row.date(c.updated);
        e.row(t.enfant, row)?;
    }
    for p in &c.parents {
        *next_resp += 1;
        if e.wants(t.responsable) {
            row.begin();
            row.int(*next_resp as i64);
            num(row);
            row.s(&p.quality.to_string());
            row.s(&p.id.surname.chars().take(32).collect::<String>());
            row.opt(p.id.first_names.first().copied());
            row.s(&full_address);
            row.opt(p.phone.as_deref());
            row.s(if p.authority { "O" } else { "N" });
            e.row(t.responsable, row)?;
        }
    }
    if let Some(a) = c.assure
        && e.wants(t.assure)
    {
        let p = &c.parents[a];
        row.begin();
        num(row);
        row.s(&p.id.surname.chars().take(32).collect::<String>());
        row.opt(p.id.first_names.first().copied());
        row.s(&p.id.nir13);
        row.s(&p.id.nir_key());
        let dep2: String = ctx.dep[1..].to_string();
        row.s(&format!(
            "01{dep2}{}0000",
            1 + (c.address.commune.insee.as_bytes()[4] % 3)
        ));
        e.row(t.assure, row)?;
    }
    for k in &c.cursus {
        *next_cursus += 1;
        if e.wants(t.cursus) {
            row.begin();
            row.int(*next_cursus as i64);
            num(row);
            row.s(&format!("{}-{}", k.year, k.year + 1));
            row.s(k.situation);
            row.s(k.niveau);
            match k.school {
                Some(s) => {
                    row.s(&plan.ramsese.schools[s].uai);
                    row.s(&plan.ramsese.schools[s].name);
                }
                None => {
                    row.empty();
                    row.opt(
                        k.other_name
                            .as_deref()
                            .map(|n| if n.len() > 60 { &n[..60] } else { n }),
                    );
                }
            }
            e.row(t.cursus, row)?;
        }
    }
    for d in &c.demandes {
        if e.wants(t.demande) {
            row.begin();
            row.int(d.num as i64);
            num(row);
            row.s(d.code);
            row.date(d.date);
            row.s(&d.nature.to_string());
            e.row(t.demande, row)?;
        }
        for x in &d.decisions {
            if e.wants(t.decision) {
                row.begin();
                row.int(x.num as i64);
                row.int(d.num as i64);
                num(row);
                row.int(plan.calendar.id(x.reunion.0, x.reunion.1) as i64);
                row.s(&x.sens.to_string());
                row.date(x.reunion.2);
                row.odate(x.debut);
                row.odate(x.fin);
                row.odate(x.notification);
                row.opt(x.motif);
                e.row(t.decision, row)?;
            }
            if let Some(s) = &x.sub {
                match s.kind {
                    "orientation" if e.wants(t.orientation) => {
                        row.begin();
                        row.int(x.num as i64);
                        row.s(s.nature);
                        row.s(s.regime);
                        row.opt(s.finess.map(|f| plan.finess.structures[f].number.as_str()));
                        row.opt(s.school.map(|f| plan.ramsese.schools[f].uai.as_str()));
                        row.odate(x.debut);
                        row.odate(x.fin);
                        e.row(t.orientation, row)?;
                    }
                    "aes" if e.wants(t.aes) => {
                        row.begin();
                        row.int(x.num as i64);
                        row.s(if d.code == "AEH" { "AEEH" } else { "AES" });
                        row.s(&s.tranche.to_string());
                        row.int(s.categorie);
                        row.cents(s.montant);
                        row.odate(x.debut);
                        row.odate(x.fin);
                        e.row(t.aes, row)?;
                    }
                    "carte" if e.wants(t.carte) => {
                        row.begin();
                        row.int(x.num as i64);
                        row.s(s.nature);
                        row.s(s.mention);
                        row.odate(x.debut);
                        row.odate(x.fin);
                        e.row(t.carte, row)?;
                    }
                    _ => {}
                }
            }
            for dest in &x.notifications {
                *next_notif += 1;
                if e.wants(t.notification) {
                    row.begin();
                    row.int(*next_notif as i64);
                    row.int(x.num as i64);
                    row.s(dest);
                    row.odate(x.notification);
                    e.row(t.notification, row)?;
                }
            }
        }
    }
    if let Some((def, cim, taux, obs)) = c.medical
        && e.wants(t.medical)
    {
        row.begin();
        num(row);
        row.s(def);
        row.s(cim);
        row.int(taux);
        row.opt(obs);
        e.row(t.medical, row)?;
    }
    Ok(())
}
