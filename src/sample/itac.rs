//! ITAC version 1 (adults, COTOREP; spec section 3): dossiers and their demandes, conclusions,
//! suivis and historique, agents, réunions, établissements, archive and connection journal, in
//! the volumes of a large département (per dossier about 3.9 demandes, 1.04 conclusions per
//! demande, an archive of about 0.66 × the dossiers).

use super::emit::{DefectKind, Emitter, Injection, RowBuf, mutate};
use super::numbering::{ARCHIVE_BASE, Calendar, SHARED_BASE, YearSlots};
use super::people::{Address, Identity, add_months, date_between, ymd};
use super::refdata::upper;
use super::rng::{Rng, cumulative};
use super::{Ctx, SampleError, SharedPerson, TableSet, code_rows, is_shared_position};
use chrono::{Datelike, Duration, NaiveDate};
use std::io;

const S_PERSON: u64 = 1;
const S_AGENT: u64 = 2;
const S_ETAB: u64 = 3;
const S_ARCHIVE: u64 = 4;
const S_JOURNAL: u64 = 5;
const S_REUNION: u64 = 6;
const S_DELETED: u64 = 7;

pub const DESCRIPTIF: &str = include_str!("../../assets/sample/descriptif-ITAC.txt");
pub const CODES: &str = include_str!("../../assets/sample/codes-ITAC.txt");

/// Indexes of the ITAC tables in the delivery.
pub struct Tables {
    codes: Vec<(usize, String)>,
    dossier: usize,
    agent: usize,
    demande: usize,
    reunion: usize,
    conclusion: usize,
    etablissement: usize,
    suivi: usize,
    historique: usize,
    archive: usize,
    journal: usize,
}

impl Tables {
    pub fn new(t: &TableSet) -> Self {
        Tables {
            codes: t.code_tables(),
            dossier: t.idx("ITAC_DOSSIER"),
            agent: t.idx("ITAC_AGENT"),
            demande: t.idx("ITAC_DEMANDE"),
            reunion: t.idx("ITAC_REUNION"),
            conclusion: t.idx("ITAC_CONCLUSION"),
            etablissement: t.idx("ITAC_ETABLISSEMENT"),
            suivi: t.idx("ITAC_SUIVI"),
            historique: t.idx("ITAC_HISTORIQUE"),
            archive: t.idx("ITAC_ARCHIVE"),
            journal: t.idx("ITAC_JOURNAL"),
        }
    }
}

fn unknown(rng: &mut Rng, choices: &[&str]) -> Option<String> {
    Some(rng.pick(choices).to_string())
}

fn nonempty(v: &str) -> bool {
    !v.is_empty()
}

/// Defects injected at random, per table.
pub fn injections(table: &str) -> &'static [Injection] {
    const DOSSIER: &[Injection] = &[
        Injection {
            column: "DATE_NAISSANCE",
            rate: 0.003,
            kind: None,
            mutate: mutate::impossible_date,
        },
        Injection {
            column: "CLE_NIR",
            rate: 0.005,
            kind: Some(DefectKind::WrongNirKey),
            mutate: mutate::wrong_key2,
        },
        Injection {
            column: "SITU_FAMILIALE",
            rate: 0.002,
            kind: Some(DefectKind::UnknownCode),
            mutate: |r, v| {
                if nonempty(v) {
                    unknown(r, &["X", "0", "9"])
                } else {
                    None
                }
            },
        },
        Injection {
            column: "CODE_TYPE_HANDICAP",
            rate: 0.002,
            kind: Some(DefectKind::UnknownCode),
            mutate: |r, v| {
                if nonempty(v) {
                    unknown(r, &["00", "11", "98"])
                } else {
                    None
                }
            },
        },
        Injection {
            column: "ADR_RUE",
            rate: 0.002,
            kind: None,
            mutate: mutate::overlong,
        },
        Injection {
            column: "ADR_COMMUNE",
            rate: 0.001,
            kind: None,
            mutate: mutate::control_char,
        },
        Injection {
            column: "DEPT_NAISSANCE",
            rate: 0.004,
            kind: None,
            mutate: |_, v| {
                (v.len() == 3 && v.starts_with('0') && v != "099").then(|| format!("{} ", &v[1..]))
            },
        },
        Injection {
            column: "NUM_ALLOCATAIRE_CAF",
            rate: 0.004,
            kind: None,
            mutate: |_, v| (v.len() == 7).then(|| format!("{} ", &v[..6])),
        },
    ];
    const DEMANDE: &[Injection] = &[
        Injection {
            column: "DATE_DEMANDE",
            rate: 0.0015,
            kind: None,
            mutate: mutate::impossible_date,
        },
        Injection {
            column: "CODE_TYPE_DEMANDE",
            rate: 0.0015,
            kind: Some(DefectKind::UnknownCode),
            mutate: |r, _| unknown(r, &["00", "15", "99"]),
        },
        Injection {
            column: "NUM_AGENT",
            rate: 0.001,
            kind: Some(DefectKind::OrphanReference),
            mutate: |r, _| unknown(r, &["X9", "XX00"]),
        },
    ];
    const CONCLUSION: &[Injection] = &[
        Injection {
            column: "DATE_EFFET",
            rate: 0.0015,
            kind: None,
            mutate: mutate::impossible_date,
        },
        Injection {
            column: "CODE_MOTIVATION",
            rate: 0.0015,
            kind: Some(DefectKind::UnknownCode),
            mutate: |r, v| {
                if nonempty(v) {
                    unknown(r, &["X01", "A99", "R9"])
                } else {
                    None
                }
            },
        },
        Injection {
            column: "CODE_PRECISION",
            rate: 0.001,
            kind: Some(DefectKind::UnknownCode),
            mutate: |r, v| {
                if nonempty(v) {
                    unknown(r, &["ZZZ", "T50"])
                } else {
                    None
                }
            },
        },
        Injection {
            column: "OBSERVATIONS",
            rate: 0.004,
            kind: None,
            mutate: mutate::overlong,
        },
        Injection {
            column: "OBSERVATIONS",
            rate: 0.004,
            kind: None,
            mutate: mutate::control_char,
        },
    ];
    const ETAB: &[Injection] = &[
        Injection {
            column: "NUM_FINESS",
            rate: 0.05,
            kind: Some(DefectKind::WrongFinessKey),
            mutate: super::wrong_luhn,
        },
        Injection {
            column: "CODE_ACTIVITE",
            rate: 0.03,
            kind: Some(DefectKind::UnknownCode),
            mutate: |r, _| unknown(r, &["IME", "HOP"]),
        },
        Injection {
            column: "ADRESSE",
            rate: 0.03,
            kind: None,
            mutate: mutate::overlong,
        },
    ];
    const REUNION: &[Injection] = &[Injection {
        column: "CODE_TYPE_REUNION",
        rate: 0.01,
        kind: Some(DefectKind::UnknownCode),
        mutate: |r, _| unknown(r, &["07", "00"]),
    }];
    const SUIVI: &[Injection] = &[
        Injection {
            column: "NUM_ETABLISSEMENT",
            rate: 0.005,
            kind: Some(DefectKind::OrphanReference),
            mutate: |r, _| Some(format!("E9{:04}", r.below(10_000))),
        },
        Injection {
            column: "DATE_SORTIE",
            rate: 0.003,
            kind: None,
            mutate: mutate::impossible_date,
        },
    ];
    const HISTORIQUE: &[Injection] = &[Injection {
        column: "DATE_TRANSFERT",
        rate: 0.002,
        kind: None,
        mutate: mutate::impossible_date,
    }];
    const ARCHIVE: &[Injection] = &[
        Injection {
            column: "DATE_NAISSANCE",
            rate: 0.004,
            kind: None,
            mutate: mutate::impossible_date,
        },
        Injection {
            column: "PRENOMS",
            rate: 0.001,
            kind: None,
            mutate: mutate::control_char,
        },
    ];
    match table {
        "ITAC_DOSSIER" => DOSSIER,
        "ITAC_DEMANDE" => DEMANDE,
        "ITAC_CONCLUSION" => CONCLUSION,
        "ITAC_ETABLISSEMENT" => ETAB,
        "ITAC_REUNION" => REUNION,
        "ITAC_SUIVI" => SUIVI,
        "ITAC_HISTORIQUE" => HISTORIQUE,
        "ITAC_ARCHIVE" => ARCHIVE,
        _ => &[],
    }
}

/// Sizes and lookups computed once per delivery.
pub struct Plan {
    slots: YearSlots,
    archive_slots: YearSlots,
    archive_count: u64,
    agents: u64,
    etabs: u64,
    etabs_by_activity: Vec<(&'static str, Vec<u64>)>,
    calendar: Calendar,
    journal: u64,
}

const ACTIVITIES: [(&str, u64); 9] = [
    ("CAT", 30),
    ("FHE", 15),
    ("FDV", 14),
    ("MAS", 8),
    ("FAM", 8),
    ("APR", 8),
    ("CRP", 6),
    ("CPO", 3),
    ("SAV", 8),
];

impl Plan {
    pub fn new(ctx: &Ctx) -> Result<Self, SampleError> {
        let n = u64::from(ctx.persons);
        let last = ctx.extraction.year();
        let slots = YearSlots::new(1976, last, n, |y| 1.0 + f64::from(y - 1976) * 0.06);
        let archive_count = (n as f64 * 0.66).round() as u64;
        let archive_slots = YearSlots::new(1976, last.min(2000), archive_count, |_| 1.0);
        if slots.max_per_year() >= ARCHIVE_BASE
            || archive_slots.max_per_year() >= SHARED_BASE - ARCHIVE_BASE
            || n / 20 >= super::numbering::SEQ_LIMIT - SHARED_BASE
        {
            return Err(SampleError::TooManyPersons { max: 599_999 });
        }
        let etabs = (n / 1000).clamp(40, 400);
        let mut etabs_by_activity: Vec<(&'static str, Vec<u64>)> =
            ACTIVITIES.iter().map(|a| (a.0, Vec::new())).collect();
        for k in 0..etabs {
            let a = etab_activity(ctx, k);
            if let Some(list) = etabs_by_activity.iter_mut().find(|l| l.0 == a) {
                list.1.push(k);
            }
        }
        Ok(Plan {
            slots,
            archive_slots,
            archive_count,
            agents: (n / 4000).clamp(12, 80),
            etabs,
            etabs_by_activity,
            calendar: Calendar {
                first_year: 1976,
                per_year: ((n as f64 * 0.0008).round() as u32).clamp(10, 250),
                last_day: ctx.extraction,
            },
            journal: (n / 3).max(50),
        })
    }
}

fn etab_activity(ctx: &Ctx, k: u64) -> &'static str {
    let mut rng = Rng::derive(ctx.seed, &[S_ETAB, k, 0]);
    let cum = cumulative(ACTIVITIES.iter().map(|a| a.1));
    ACTIVITIES[rng.weighted(&cum)].0
}

fn agent_code(rng_name: &str, k: u64) -> String {
    if k.is_multiple_of(2) {
        let letter = char::from(b'A' + (k / 2 % 26) as u8);
        format!("{letter}{}", 1 + k / 52 % 9)
    } else {
        let initials: String = rng_name
            .chars()
            .filter(|c| c.is_ascii_uppercase())
            .take(2)
            .collect();
        format!("{initials:A<2}{:02}", k % 100)
    }
}

struct Agent {
    code: String,
    nom: String,
    prenom: String,
    qualite: &'static str,
}

fn agent(ctx: &Ctx, k: u64) -> Agent {
    let mut rng = Rng::derive(ctx.seed, &[S_AGENT, k]);
    let sex = if rng.chance(0.7) { 2 } else { 1 };
    let nom = ctx.surname(&mut rng, true);
    let year = rng.range(1945, 1975) as i32;
    let prenom = upper(ctx.refdata.first_name(&mut rng, sex, year));
    const QUALITES: [&str; 6] = [
        "AGENT ADMINISTRATIF",
        "SECRÉTAIRE DE COMMISSION",
        "INSTRUCTEUR",
        "MÉDECIN COORDONNATEUR",
        "CHEF DE SERVICE",
        "ASSISTANTE SOCIALE",
    ];
    let initials = format!(
        "{}{}",
        prenom.chars().next().unwrap_or('X'),
        nom.chars().next().unwrap_or('X')
    );
    Agent {
        code: agent_code(&initials, k),
        nom,
        prenom,
        qualite: rng.pick_copy(&QUALITES),
    }
}

struct Etab {
    num: String,
    finess: Option<String>,
    name: String,
    address: Address,
    activity: &'static str,
    capacity: i64,
}

fn etab(ctx: &Ctx, k: u64) -> Etab {
    let activity = etab_activity(ctx, k);
    let mut rng = Rng::derive(ctx.seed, &[S_ETAB, k, 1]);
    let prefix = match activity {
        "CAT" => "CAT",
        "FHE" => "FOYER D'HÉBERGEMENT",
        "FDV" => "FOYER DE VIE",
        "MAS" => "MAS",
        "FAM" => "FAM",
        "APR" => "ATELIER PROTÉGÉ",
        "CRP" => "CRP",
        "CPO" => "CENTRE DE PRÉORIENTATION",
        _ => "SAVS",
    };
    let name = format!("{prefix} {}", rng.pick(&ctx.refdata.places));
    let finess = (!rng.chance(0.1)).then(|| super::finess_number(ctx, &mut rng));
    Etab {
        num: format!("E{:05}", k + 1),
        finess,
        name: name.chars().take(60).collect(),
        address: ctx.address(&mut rng),
        activity,
        capacity: rng.range(8, 150),
    }
}

struct Conclusion {
    n: u32,
    reunion: (i32, u32, NaiveDate),
    sens: char,
    motivation: &'static str,
    precision: Option<&'static str>,
    effet: Option<NaiveDate>,
    duree: Option<u32>,
    taux: Option<i64>,
    cat_rqth: Option<char>,
    prime: Option<i64>,
    recours: bool,
    notification: Option<NaiveDate>,
    observations: Option<&'static str>,
    suivi: Option<Suivi>,
}

struct Suivi {
    etab: u64,
    admission: Option<NaiveDate>,
    sortie: Option<NaiveDate>,
    etat: char,
}

struct Demande {
    num: u64,
    code: &'static str,
    agent: String,
    date: NaiveDate,
    renouvellement: char,
    complet: Option<NaiveDate>,
    etat: char,
    conclusions: Vec<Conclusion>,
    historique: Option<NaiveDate>,
}

struct Person {
    num: String,
    id: Identity,
    shared: bool,
    deleted: bool,
    married: Option<String>,
    sitfam: &'static str,
    nationality: char,
    address: Address,
    phone: Option<String>,
    nir: bool,
    caf: Option<String>,
    handicap: &'static str,
    created: NaiveDate,
    updated: NaiveDate,
    etat: char,
    demandes: Vec<Demande>,
}

/// The identity of ITAC person `i` alone (also used by the archive, which holds old paper
/// dossiers of some of the same people).
fn identity(ctx: &Ctx, plan: &Plan, i: u64) -> (Identity, NaiveDate, Option<SharedPerson>) {
    if is_shared_position(i) {
        let s = ctx.shared_person(i / 20);
        return (s.identity.clone(), s.itac_created, Some(s));
    }
    let mut rng = Rng::derive(ctx.seed, &[S_PERSON, i, 0]);
    let (year, _) = plan.slots.locate(i);
    let created = date_between(
        &mut rng,
        ymd(year, 1, 2),
        ymd(year, 12, 30).min(ctx.extraction),
    );
    let age = 18 + (rng.unit().powf(1.25) * 52.0) as i32;
    let from = ymd((created.year() - age - 1).max(1900), created.month(), 1);
    let born_to = (from + Duration::days(364)).min(created - Duration::days(16 * 365));
    (ctx.identity(&mut rng, from, born_to), created, None)
}

fn dossier_number(ctx: &Ctx, plan: &Plan, i: u64, shared: Option<&SharedPerson>) -> String {
    match shared {
        Some(s) => s.itac_number.clone(),
        None => {
            let (year, rank) = plan.slots.locate(i);
            format!("{}{:02}{:05}", ctx.dep, year % 100, rank + 1)
        }
    }
}

const OBSERVATIONS: [&str; 11] = [
    "Avis favorable de l'équipe technique",
    "Dossier transmis par la DDASS",
    "Certificat médical à renouveler",
    "Voir rapport du médecin du travail",
    "Reprise d'activité à mi-temps thérapeutique",
    "Accord sous réserve de l'avis de l'employeur",
    "Recours gracieux formé par courrier du conseil",
    "Demande déposée par le tuteur (UDAF)",
    "Inscrit à l'ANPE depuis 18 mois",
    "Stage de préorientation prévu en septembre",
    "Examen par le médecin de la COTOREP le matin même",
];

/// Free text as agents typed it, with separators, quotes and line breaks.
const OBSERVATIONS_SPECIAL: [&str; 5] = [
    "Pièces manquantes : avis d'imposition; justificatif de domicile",
    "L'intéressé \"souhaite\" une orientation vers un CAT proche du domicile",
    "Convocation non honorée; dossier à relancer",
    "Observation de l'équipe technique :\r\nmaintien dans l'emploi possible",
    "Avis du médecin : \"stabilisé\"\r\nrevoir dans 5 ans",
];

fn demande_type(rng: &mut Rng, d: NaiveDate) -> &'static str {
    let after_2005 = d >= ymd(2005, 7, 1);
    let after_2006 = d >= ymd(2006, 1, 1);
    let table: [(&str, u64); 14] = [
        ("01", 200),
        ("02", 140),
        ("03", 170),
        ("04", if after_2005 { 0 } else { 30 }),
        ("05", if after_2006 { 0 } else { 30 }),
        ("06", if after_2006 { 0 } else { 5 }),
        ("07", 220),
        ("08", 90),
        ("09", 20),
        ("10", 20),
        ("11", if after_2005 { 25 } else { 0 }),
        ("12", if after_2006 { 45 } else { 0 }),
        ("13", 50),
        ("14", 25),
    ];
    let cum = cumulative(table.iter().map(|t| t.1));
    table[rng.weighted(&cum)].0
}

/// Fills a conclusion's outcome from the type of its demande.
fn decide(rng: &mut Rng, code: &str, date: NaiveDate, sens: char, c: &mut Conclusion) {
    let before_2006 = date < ymd(2006, 1, 1);
    if sens == 'S' {
        c.motivation = if rng.chance(0.5) { "S01" } else { "S02" };
        return;
    }
    let accepted = sens == 'A';
    let five = |rng: &mut Rng, lo: i64, hi: i64| rng.range(lo / 5, hi / 5) * 5;
    let (motiv, precision, duree): (&str, Option<&str>, u32) = match code {
        "01" => {
            if accepted {
                let cat = rng.pick_copy(&['A', 'B', 'C']);
                if before_2006 {
                    c.cat_rqth = Some(cat);
                }
                let p = match (before_2006, cat) {
                    (false, _) => "RQT",
                    (true, 'A') => "RQA",
                    (true, 'B') => "RQB",
                    _ => "RQC",
                };
                ("A07", Some(p), 60)
            } else {
                ("R05", None, 0)
            }
        }
        "02" | "14" => {
            if accepted {
                let p = rng.pick_copy(&["MOR", "MOR", "APR", "CAT", "CRP", "CRP", "CPO"]);
                let p = if code == "14" { "CRP" } else { p };
                if code == "14" && rng.chance(0.2) {
                    c.prime = Some(rng.range(50_000, 350_000));
                }
                (
                    if p == "MOR" || p == "CRP" {
                        "A04"
                    } else {
                        "A03"
                    },
                    Some(p),
                    60,
                )
            } else {
                ("R05", None, 0)
            }
        }
        "03" | "07" | "08" | "13" | "04" | "11" => {
            let high =
                accepted && (code != "03" || rng.chance(0.7)) && code != "08" && code != "13";
            c.taux = Some(if high {
                five(rng, 80, 95)
            } else if accepted || rng.chance(0.5) {
                five(rng, 50, 75)
            } else {
                five(rng, 20, 45)
            });
            if accepted {
                match code {
                    "03" => (
                        if high { "A01" } else { "A02" },
                        Some(if high { "L11" } else { "L12" }),
                        if high { rng.pick_copy(&[60, 120]) } else { 24 },
                    ),
                    "07" => (
                        "A01",
                        Some(rng.pick_copy(&["CIN", "CIN", "CIN", "CIB", "CIC"])),
                        rng.pick_copy(&[60, 120]),
                    ),
                    "08" => ("A06", Some("CST"), 60),
                    "13" => ("A06", Some("CPR"), 60),
                    "11" => ("A01", Some("CPL"), 24),
                    _ => ("A01", None, 24),
                }
            } else {
                (
                    if c.taux.unwrap_or(0) < 50 {
                        "R01"
                    } else {
                        "R02"
                    },
                    None,
                    0,
                )
            }
        }
        "05" => {
            if accepted {
                ("A05", Some(rng.pick_copy(&["T40", "T60", "T80"])), 60)
            } else {
                ("R06", None, 0)
            }
        }
        "06" => {
            if accepted {
                ("A07", Some("FPR"), 60)
            } else {
                ("R05", None, 0)
            }
        }
        "09" => {
            if accepted {
                (
                    "A03",
                    Some(rng.pick_copy(&["MAS", "FAM", "FDV", "FDV", "FHE", "FHE"])),
                    60,
                )
            } else {
                ("R04", None, 0)
            }
        }
        "10" => {
            if accepted {
                ("A03", Some("CAT"), 60)
            } else {
                ("R05", None, 0)
            }
        }
        "12" => {
            if accepted {
                ("A05", Some("PCH"), 120)
            } else {
                ("R06", None, 0)
            }
        }
        _ => {
            if accepted {
                ("A04", None, 24)
            } else {
                ("R04", None, 0)
            }
        }
    };
    c.motivation = if !accepted && rng.chance(0.1) {
        rng.pick_copy(&["R03", "R07"])
    } else {
        motiv
    };
    c.precision = precision;
    if accepted {
        let effet = c.reunion.2.with_day(1).unwrap_or(c.reunion.2);
        c.effet = Some(effet);
        c.duree = Some(duree);
    }
}

fn person(ctx: &Ctx, plan: &Plan, i: u64, next_demande: &mut u64) -> Person {
    let (id, created, shared) = identity(ctx, plan, i);
    let mut rng = Rng::derive(ctx.seed, &[S_PERSON, i, 1]);
    let num = dossier_number(ctx, plan, i, shared.as_ref());
    let deleted = shared.is_none() && Rng::derive(ctx.seed, &[S_DELETED, i]).chance(0.0025);
    let age_now = ctx.extraction.year() - id.birth.year();
    let married = (id.sex == 2 && age_now > 22 && rng.chance(0.5))
        .then(|| ctx.surname(&mut rng, shared.is_some()));
    let sitfam = if married.is_some() {
        rng.pick_copy(&["M", "M", "M", "V", "D", "S"])
    } else if age_now < 25 {
        "C"
    } else {
        rng.pick_copy(&["C", "C", "U", "D", "P", "M"])
    };
    let historique_dossier = created.year() < 2000 && rng.chance(0.3);
    let end = if historique_dossier {
        (created + Duration::days(rng.range(365, 3650))).min(ctx.extraction)
    } else {
        ctx.extraction
    };
    let n = 1 + rng.geometric(0.2564, 30);
    let mut dates: Vec<NaiveDate> = (1..n)
        .map(|_| date_between(&mut rng, created, end))
        .collect();
    dates.push((created + Duration::days(rng.range(0, 20))).min(ctx.extraction));
    dates.sort();
    let mut demandes = Vec::with_capacity(dates.len());
    for (k, &date) in dates.iter().enumerate() {
        *next_demande += 1;
        let code = demande_type(&mut rng, date);
        let agent_k = rng.below(plan.agents);
        let a = agent(ctx, agent_k);
        let agent_code = if a.code.len() < 4 && rng.chance(0.05) {
            format!("{:<4}", a.code)
        } else {
            a.code
        };
        let complet = (date + Duration::days(rng.range(0, 90))).min(ctx.extraction);
        let mut d = Demande {
            num: *next_demande,
            code,
            agent: agent_code,
            date,
            renouvellement: if k == 0 {
                'P'
            } else {
                rng.pick_copy(&['R', 'R', 'R', 'V', 'P', 'A'])
            },
            complet: (rng.chance(0.9)).then_some(complet),
            etat: 'E',
            conclusions: Vec::new(),
            historique: None,
        };
        let classee = rng.chance(0.02);
        let first = plan
            .calendar
            .first_on_or_after(complet + Duration::days(rng.range(15, 120)));
        if classee {
            d.etat = 'C';
        } else if let Some(reunion) = first {
            d.etat = 'S';
            let two = rng.chance(0.085);
            let mut reunions = vec![reunion];
            if two {
                match plan
                    .calendar
                    .first_on_or_after(reunion.2 + Duration::days(rng.range(30, 120)))
                {
                    Some(r2) => reunions.push(r2),
                    None => d.etat = 'E',
                }
            }
            let last = reunions.len();
            for (cn, reunion) in reunions.into_iter().enumerate() {
                let sens = if cn + 1 < last || rng.chance(0.02) {
                    'S'
                } else if rng.chance(0.29) {
                    'R'
                } else {
                    'A'
                };
                let mut c = Conclusion {
                    n: cn as u32 + 1,
                    reunion,
                    sens,
                    motivation: "",
                    precision: None,
                    effet: None,
                    duree: None,
                    taux: None,
                    cat_rqth: None,
                    prime: None,
                    recours: false,
                    notification: None,
                    observations: None,
                    suivi: None,
                };
                decide(&mut rng, code, date, sens, &mut c);
                c.recours = sens == 'R' && rng.chance(0.1);
                let notif = reunion.2 + Duration::days(rng.range(7, 35));
                c.notification = (notif <= ctx.extraction).then_some(notif);
                if rng.chance(0.22) {
                    c.observations = Some(if rng.chance(0.05) {
                        rng.pick_copy(&OBSERVATIONS_SPECIAL)
                    } else {
                        rng.pick_copy(&OBSERVATIONS)
                    });
                }
                if sens == 'A'
                    && let Some(p) = c.precision
                    && let Some((_, list)) = plan.etabs_by_activity.iter().find(|l| l.0 == p)
                    && !list.is_empty()
                    && rng.chance(0.85)
                {
                    let effet = c.effet.unwrap_or(reunion.2);
                    let adm = effet + Duration::days(rng.range(0, 400));
                    let admission = (adm <= ctx.extraction).then_some(adm);
                    let sortie = admission
                        .filter(|_| rng.chance(0.3))
                        .map(|a| a + Duration::days(rng.range(200, 3000)))
                        .filter(|s| *s <= ctx.extraction);
                    let etat = match (admission, sortie) {
                        (None, _) => 'L',
                        (Some(_), Some(_)) => 'N',
                        _ if rng.chance(0.04) => 'S',
                        _ => 'E',
                    };
                    c.suivi = Some(Suivi {
                        etab: *rng.pick(list),
                        admission,
                        sortie,
                        etat,
                    });
                }
                d.conclusions.push(c);
            }
        }
        if date < ctx.extraction - Duration::days(8 * 365) && rng.chance(0.4) {
            d.historique =
                Some((date + Duration::days(rng.range(8 * 365, 10 * 365))).min(ctx.extraction));
        }
        demandes.push(d);
    }
    let last_activity = demandes.last().map(|d| d.date).unwrap_or(created);
    let etat = if historique_dossier || last_activity < ctx.extraction - Duration::days(6 * 365) {
        'H'
    } else {
        'A'
    };
    let updated = date_between(
        &mut rng,
        last_activity,
        (last_activity + Duration::days(200)).min(ctx.extraction),
    );
    Person {
        num,
        shared: shared.is_some(),
        deleted,
        married,
        sitfam,
        nationality: match id.place.dep.as_str() {
            "099" => rng.pick_copy(&['E', 'E', 'C', 'F']),
            _ => 'F',
        },
        address: ctx.address(&mut rng),
        phone: rng.chance(0.7).then(|| {
            let mobile = rng.chance(0.2);
            ctx.phone(&mut rng, mobile)
        }),
        nir: shared.is_some() || rng.chance(0.93),
        caf: rng
            .chance(0.5)
            .then(|| format!("{:07}", rng.below(10_000_000))),
        handicap: rng.pick_copy(&[
            "01", "02", "02", "03", "05", "06", "07", "07", "07", "09", "10", "99",
        ]),
        created,
        updated,
        etat,
        demandes,
        id,
    }
}

/// Writes every ITAC table that the emitter wants.
pub fn generate(ctx: &Ctx, t: &Tables, e: &mut Emitter) -> io::Result<()> {
    let plan = Plan::new(ctx).map_err(io::Error::other)?;
    let mut row = RowBuf::default();
    code_rows(CODES, &t.codes, e, &mut row)?;
    if e.wants(t.agent) {
        for k in 0..plan.agents {
            let a = agent(ctx, k);
            row.begin();
            row.s(&format!("{:<4}", a.code));
            row.s(&a.nom);
            row.s(&a.prenom);
            row.s(a.qualite);
            e.row(t.agent, &mut row)?;
        }
    }
    if e.wants(t.reunion) {
        const LIEUX: [&str; 4] = [
            "SIÈGE DE LA COTOREP",
            "DDTEFP",
            "ANTENNE SUD",
            "ANTENNE NORD",
        ];
        for (y, n, date) in plan.calendar.all() {
            let mut rng = Rng::derive(ctx.seed, &[S_REUNION, y as u64, u64::from(n)]);
            row.begin();
            row.int(i64::from(y));
            row.int(i64::from(n));
            row.date(date);
            let section = if n % 2 == 0 { "2" } else { "1" };
            row.s(section);
            row.s(match (n % 12, section) {
                (0, _) => "06",
                (5, _) => "05",
                (_, "1") if n % 3 == 0 => "03",
                (_, "2") if n % 3 == 0 => "04",
                (_, "1") => "01",
                _ => "02",
            });
            row.s(rng.pick_copy(&LIEUX));
            e.row(t.reunion, &mut row)?;
        }
    }
    let person_tables = [t.dossier, t.demande, t.conclusion, t.suivi, t.historique];
    if person_tables.iter().any(|&x| e.wants(x)) {
        let mut next_demande = 0u64;
        for i in 0..u64::from(ctx.persons) {
            let p = person(ctx, &plan, i, &mut next_demande);
            write_person(t, &p, e, &mut row)?;
        }
    }
    if e.wants(t.etablissement) {
        for k in 0..plan.etabs {
            let x = etab(ctx, k);
            row.begin();
            row.s(&x.num);
            row.opt(x.finess.as_deref());
            row.s(&x.name);
            row.s(&x.address.line());
            row.s(x.address.commune.postcode);
            row.s(&x.address.city());
            row.s(x.activity);
            row.int(x.capacity);
            e.row(t.etablissement, &mut row)?;
        }
    }
    if e.wants(t.archive) {
        for a in 0..plan.archive_count {
            write_archive(ctx, &plan, a, e, t.archive, &mut row)?;
        }
    }
    if e.wants(t.journal) {
        write_journal(ctx, &plan, e, t.journal, &mut row)?;
    }
    Ok(())
}

fn write_person(t: &Tables, p: &Person, e: &mut Emitter, row: &mut RowBuf) -> io::Result<()> {
    let num_dossier = |row: &mut RowBuf| {
        row.s(&p.num);
        if p.deleted {
            row.mark(DefectKind::OrphanReference);
        }
    };
    if e.wants(t.dossier) && !p.deleted {
        let id = &p.id;
        row.begin();
        row.protected = p.shared;
        row.s(&p.num);
        row.s(&id.surname);
        row.opt(p.married.as_deref());
        row.s(&upper(id.first_names[0]));
        row.s(if id.sex == 1 { "1" } else { "2" });
        row.date(id.birth);
        row.s(&id.place.name);
        row.s(&id.place.dep);
        row.s(&p.nationality.to_string());
        row.s(p.sitfam);
        row.s(&p.address.number);
        row.s(&p.address.street);
        row.s(p.address.commune.postcode);
        row.s(&p.address.city());
        row.opt(p.phone.as_deref());
        if p.nir {
            row.s(&id.nir13);
            row.s(&id.nir_key());
        } else {
            row.empty();
            row.empty();
        }
        row.opt(p.caf.as_deref());
        row.s(p.handicap);
        row.s(&p.etat.to_string());
        row.date(p.created);
        row.date(p.updated);
        e.row(t.dossier, row)?;
    }
    for d in &p.demandes {
        if e.wants(t.demande) {
            row.begin();
            row.int(d.num as i64);
            num_dossier(row);
            row.s(d.code);
            row.s(&d.agent);
            row.date(d.date);
            row.s(&d.renouvellement.to_string());
            row.odate(d.complet);
            row.s(&d.etat.to_string());
            e.row(t.demande, row)?;
        }
        for c in &d.conclusions {
            if e.wants(t.conclusion) {
                row.begin();
                row.int(d.num as i64);
                row.int(i64::from(c.n));
                num_dossier(row);
                row.int(i64::from(c.reunion.0));
                row.int(i64::from(c.reunion.1));
                row.s(&c.sens.to_string());
                row.s(c.motivation);
                row.opt(c.precision);
                row.odate(c.effet);
                row.oint(c.duree.map(i64::from));
                row.odate(
                    c.effet
                        .zip(c.duree)
                        .map(|(e, m)| add_months(e, m) - Duration::days(1)),
                );
                row.oint(c.taux);
                row.opt(c.cat_rqth.map(String::from).as_deref());
                match c.prime {
                    Some(p) => row.cents(p),
                    None => row.empty(),
                }
                row.s(if c.recours { "O" } else { "N" });
                row.odate(c.notification);
                row.opt(c.observations);
                e.row(t.conclusion, row)?;
            }
            if let Some(s) = &c.suivi
                && e.wants(t.suivi)
            {
                row.begin();
                row.int(d.num as i64);
                row.int(i64::from(c.n));
                num_dossier(row);
                row.s(&format!("E{:05}", s.etab + 1));
                row.odate(s.admission);
                row.odate(s.sortie);
                row.s(&s.etat.to_string());
                e.row(t.suivi, row)?;
            }
        }
        if let Some(h) = d.historique
            && e.wants(t.historique)
        {
            row.begin();
            num_dossier(row);
            row.int(d.num as i64);
            row.date(h);
            e.row(t.historique, row)?;
        }
    }
    Ok(())
}

fn write_archive(
    ctx: &Ctx,
    plan: &Plan,
    a: u64,
    e: &mut Emitter,
    table: usize,
    row: &mut RowBuf,
) -> io::Result<()> {
    let mut rng = Rng::derive(ctx.seed, &[S_ARCHIVE, a]);
    let (year, rank) = plan.archive_slots.locate(a);
    let created = ymd(year, 1 + rng.below(12) as u32, 1 + rng.below(28) as u32);
    // One archived paper dossier in ten belongs to someone who also has a dossier in ITAC.
    let id = if a % 10 == 3 && ctx.persons > 20 {
        let mut i = rng.below(u64::from(ctx.persons));
        if is_shared_position(i) {
            i -= 1;
        }
        identity(ctx, plan, i).0
    } else {
        let age = rng.range(18, 70) as i32;
        ctx.identity(&mut rng, ymd(year - age - 1, 1, 1), ymd(year - age, 12, 31))
    };
    let archived = date_between(&mut rng, ymd((year + 5).min(2008), 1, 1), ctx.extraction);
    row.begin();
    row.s(&format!(
        "{}{:02}{:05}",
        ctx.dep,
        year % 100,
        ARCHIVE_BASE + rank
    ));
    row.s(&id.surname);
    row.s(&id
        .first_names
        .iter()
        .map(|f| upper(f))
        .collect::<Vec<_>>()
        .join(" "));
    if rng.chance(0.02) {
        row.empty();
    } else {
        row.date(id.birth);
    }
    row.date(archived.max(created));
    e.row(table, row)
}

fn write_journal(
    ctx: &Ctx,
    plan: &Plan,
    e: &mut Emitter,
    table: usize,
    row: &mut RowBuf,
) -> io::Result<()> {
    let start = ymd(2003, 1, 2).and_hms_opt(8, 0, 0).expect("valid time");
    let end = ctx.extraction.and_hms_opt(18, 0, 0).expect("valid time");
    let span = (end - start).num_seconds().max(1);
    for j in 0..plan.journal {
        let mut rng = Rng::derive(ctx.seed, &[S_JOURNAL, j]);
        let a = agent(ctx, rng.below(plan.agents));
        let login: String = format!("{}{}", a.prenom.chars().next().unwrap_or('x'), a.nom)
            .to_lowercase()
            .chars()
            .filter(char::is_ascii_alphabetic)
            .take(8)
            .collect();
        let day = start + Duration::seconds(span * j as i64 / plan.journal as i64);
        let at = day.date().and_hms_opt(0, 0, 0).expect("midnight")
            + Duration::seconds(rng.range(7 * 3600 + 1800, 18 * 3600));
        let resultat = rng.pick_copy(&['N'; 19].iter().chain(&['H']).copied().collect::<Vec<_>>());
        let resultat = if rng.chance(0.01) { 'R' } else { resultat };
        let fin = if resultat == 'R' {
            at + Duration::seconds(rng.range(1, 5))
        } else {
            at + Duration::seconds(rng.range(300, 4 * 3600))
        };
        row.begin();
        row.int(j as i64 + 1);
        row.s(&login);
        row.datetime(at);
        row.datetime(fin);
        row.s(&resultat.to_string());
        e.row(table, row)?;
    }
    Ok(())
}
