//! Independent checker of a delivery produced by `reprise sample`, written from
//! /work/shared/spec/delivery-format.md alone. Nothing of the crate is used here on purpose:
//! this module must keep its own reading of the contract.
//!
//! Every check pushes a human-readable line into a `Vec<String>` of violations instead of
//! panicking, so that a failing test prints every problem it found at once.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::Path;

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const FINESS_FILE: &str = "REFERENTIELS/FINESS.TXT";
pub const RAMSESE_FILE: &str = "REFERENTIELS/RAMSESE.TXT";

/// The ten defect kinds of defects.json.
pub const ALL_KINDS: [&str; 10] = [
    "impossible_date",
    "unknown_code",
    "orphan_reference",
    "wrong_nir_key",
    "wrong_finess_key",
    "wrong_uai_key",
    "padded_char",
    "overlong_value",
    "control_character",
    "special_characters",
];

// ---------------------------------------------------------------------------------------------
// What the test asked the generator for
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Expect {
    pub app: String,
    pub dep: String,
    /// AAAAMMJJ
    pub date: String,
    pub seed: u64,
    pub persons: u64,
}

impl Expect {
    pub fn new(app: &str, dep: &str, date: &str, seed: u64, persons: u64) -> Expect {
        Expect {
            app: app.to_string(),
            dep: dep.to_string(),
            date: date.to_string(),
            seed,
            persons,
        }
    }

    pub fn delivery_name(&self) -> String {
        format!("REPRISE_{}_{}_{}", self.app, self.dep, self.date)
    }
}

// ---------------------------------------------------------------------------------------------
// Spec sections 3, 4 and 6, hard-coded (type notes and value lists left out)
// ---------------------------------------------------------------------------------------------

const CODE_TABLE_COLUMNS: &str =
    "CODE VARCHAR2(3) PK; LIBELLE VARCHAR2(80); DATE_DEBUT DATE; DATE_FIN DATE";

const ITAC_CODE_TABLES: [&str; 7] = [
    "R_TYPE_DEMANDE",
    "R_MOTIVATION",
    "R_PRECISION",
    "R_TYPE_REUNION",
    "R_SITFAM",
    "R_TYPE_HANDICAP",
    "R_ACTIVITE_ETAB",
];

const ITAC_TABLES: &[(&str, &str)] = &[
    (
        "ITAC_DOSSIER",
        "NUM_DOSSIER CHAR(10) PK; NOM_NAISSANCE VARCHAR2(32) O; NOM_MARITAL VARCHAR2(32); \
         PRENOM VARCHAR2(20) O; SEXE CHAR(1); DATE_NAISSANCE DATE; LIEU_NAISSANCE VARCHAR2(32); \
         DEPT_NAISSANCE CHAR(3); NATIONALITE CHAR(1); SITU_FAMILIALE CHAR(1) -> R_SITFAM.CODE; \
         ADR_NUMERO VARCHAR2(5); ADR_RUE VARCHAR2(38); ADR_CODE_POSTAL CHAR(5); \
         ADR_COMMUNE VARCHAR2(32); TELEPHONE CHAR(10); NIR CHAR(13); CLE_NIR CHAR(2); \
         NUM_ALLOCATAIRE_CAF CHAR(7); CODE_TYPE_HANDICAP CHAR(2) -> R_TYPE_HANDICAP.CODE; \
         ETAT CHAR(1); DATE_CREATION DATE; DATE_MAJ DATE",
    ),
    (
        "ITAC_AGENT",
        "NUM_AGENT CHAR(4) PK; NOM VARCHAR2(32); PRENOM VARCHAR2(20); QUALITE VARCHAR2(30)",
    ),
    (
        "ITAC_DEMANDE",
        "NUM_DEMANDE NUMBER(9) PK; NUM_DOSSIER CHAR(10) O -> ITAC_DOSSIER.NUM_DOSSIER; \
         CODE_TYPE_DEMANDE CHAR(2) O -> R_TYPE_DEMANDE.CODE; NUM_AGENT CHAR(4) -> ITAC_AGENT.NUM_AGENT; \
         DATE_DEMANDE DATE; CODE_RENOUVELLEMENT CHAR(1); DATE_COMPLET DATE; ETAT_DEMANDE CHAR(1)",
    ),
    (
        "ITAC_REUNION",
        "ANNEE NUMBER(4) PK1; NUM NUMBER(4) PK2; DATE_REUNION DATE; SECTION CHAR(1); \
         CODE_TYPE_REUNION CHAR(2) -> R_TYPE_REUNION.CODE; LIEU VARCHAR2(30)",
    ),
    (
        "ITAC_CONCLUSION",
        "NUM_DEMANDE NUMBER(9) PK1 -> ITAC_DEMANDE.NUM_DEMANDE; NUM_CONCLUSION NUMBER(2) PK2; \
         NUM_DOSSIER CHAR(10) -> ITAC_DOSSIER.NUM_DOSSIER; REUNION_ANNEE NUMBER(4) -> ITAC_REUNION.ANNEE; \
         REUNION_NUM NUMBER(4) -> ITAC_REUNION.NUM; SENS CHAR(1); \
         CODE_MOTIVATION CHAR(3) -> R_MOTIVATION.CODE; CODE_PRECISION CHAR(3) -> R_PRECISION.CODE; \
         DATE_EFFET DATE; DUREE_MOIS NUMBER(3); DATE_FIN_VALIDITE DATE; TAUX_INCAPACITE NUMBER(3); \
         CATEGORIE_RQTH CHAR(1); MONTANT_PRIME NUMBER(8,2); RECOURS CHAR(1); DATE_NOTIFICATION DATE; \
         OBSERVATIONS VARCHAR2(240)",
    ),
    (
        "ITAC_ETABLISSEMENT",
        "NUM_ETABLISSEMENT CHAR(6) PK; NUM_FINESS CHAR(9); RAISON_SOCIALE VARCHAR2(60); \
         ADRESSE VARCHAR2(80); CODE_POSTAL CHAR(5); COMMUNE VARCHAR2(32); \
         CODE_ACTIVITE CHAR(3) -> R_ACTIVITE_ETAB.CODE; CAPACITE NUMBER(4)",
    ),
    (
        "ITAC_SUIVI",
        "NUM_DEMANDE NUMBER(9) PK1 -> ITAC_CONCLUSION.NUM_DEMANDE; \
         NUM_CONCLUSION NUMBER(2) PK2 -> ITAC_CONCLUSION.NUM_CONCLUSION; \
         NUM_DOSSIER CHAR(10) -> ITAC_DOSSIER.NUM_DOSSIER; \
         NUM_ETABLISSEMENT CHAR(6) -> ITAC_ETABLISSEMENT.NUM_ETABLISSEMENT; DATE_ADMISSION DATE; \
         DATE_SORTIE DATE; ETAT_SUIVI CHAR(1)",
    ),
    (
        "ITAC_HISTORIQUE",
        "NUM_DOSSIER CHAR(10) PK1 -> ITAC_DOSSIER.NUM_DOSSIER; \
         NUM_DEMANDE NUMBER(9) PK2 -> ITAC_DEMANDE.NUM_DEMANDE; DATE_TRANSFERT DATE",
    ),
    (
        "ITAC_ARCHIVE",
        "NUM_DOSSIER CHAR(10) PK; NOM VARCHAR2(32); PRENOMS VARCHAR2(40); DATE_NAISSANCE DATE; \
         DATE_ARCHIVAGE DATE",
    ),
    (
        "ITAC_JOURNAL",
        "ID NUMBER(9) PK; LOGIN VARCHAR2(8); DEBUT DATE; FIN DATE; RESULTAT CHAR(1)",
    ),
];

const OPALES_CODE_TABLES: [&str; 5] = [
    "R_TYPE_DEMANDE_CDES",
    "R_NATURE_ACCUEIL",
    "R_REGIME",
    "R_SITUATION_SCOLAIRE",
    "R_DEFICIENCE",
];

const OPALES_TABLES: &[(&str, &str)] = &[
    (
        "OP_ENFANT",
        "NUM_DOSSIER CHAR(12) PK; NOM VARCHAR2(32) O; NOM_USAGE VARCHAR2(32); PRENOMS VARCHAR2(40) O; \
         SEXE CHAR(1); DATE_NAISSANCE DATE; LIEU_NAISSANCE VARCHAR2(32); ADR_LIGNE1 VARCHAR2(38); \
         ADR_LIGNE2 VARCHAR2(38); CODE_POSTAL CHAR(5); COMMUNE VARCHAR2(32); NIR_ENFANT CHAR(15); \
         ETAT CHAR(1); NUM_DOSSIER_COTOREP CHAR(10); DATE_CREATION DATE; DATE_MAJ DATE",
    ),
    (
        "OP_RESPONSABLE",
        "ID NUMBER(9) PK; NUM_DOSSIER CHAR(12) O -> OP_ENFANT.NUM_DOSSIER; QUALITE CHAR(1); \
         NOM VARCHAR2(32); PRENOM VARCHAR2(20); ADRESSE VARCHAR2(80); TELEPHONE CHAR(10); \
         AUTORITE_PARENTALE CHAR(1)",
    ),
    (
        "OP_ASSURE",
        "NUM_DOSSIER CHAR(12) PK -> OP_ENFANT.NUM_DOSSIER; NOM VARCHAR2(32); PRENOM VARCHAR2(20); \
         NIR_ASSURE CHAR(13); CLE CHAR(2); CODE_ORGANISME CHAR(9)",
    ),
    (
        "OP_CURSUS",
        "ID NUMBER(9) PK; NUM_DOSSIER CHAR(12) O -> OP_ENFANT.NUM_DOSSIER; ANNEE_SCOLAIRE CHAR(9); \
         SITUATION CHAR(2) -> R_SITUATION_SCOLAIRE.CODE; NIVEAU VARCHAR2(6); \
         UAI CHAR(8) -> REF_RAMSESE.NUMERO_UAI; NOM_ETAB_SCOLAIRE VARCHAR2(60)",
    ),
    (
        "OP_REUNION",
        "ID NUMBER(9) PK; DATE_REUNION DATE; TYPE CHAR(1); LIEU VARCHAR2(30)",
    ),
    (
        "OP_DEMANDE",
        "NUM_DEMANDE NUMBER(9) PK; NUM_DOSSIER CHAR(12) O -> OP_ENFANT.NUM_DOSSIER; \
         TYPE_DEMANDE CHAR(3) -> R_TYPE_DEMANDE_CDES.CODE; DATE_DEPOT DATE; NATURE CHAR(1)",
    ),
    (
        "OP_DECISION",
        "NUM_DECISION NUMBER(9) PK; NUM_DEMANDE NUMBER(9) -> OP_DEMANDE.NUM_DEMANDE; \
         NUM_DOSSIER CHAR(12) -> OP_ENFANT.NUM_DOSSIER; REUNION_ID NUMBER(9) -> OP_REUNION.ID; \
         SENS CHAR(1); DATE_DECISION DATE; DATE_DEBUT DATE; DATE_FIN DATE; DATE_NOTIFICATION DATE; \
         MOTIF VARCHAR2(240)",
    ),
    (
        "OP_ORIENTATION",
        "NUM_DECISION NUMBER(9) PK -> OP_DECISION.NUM_DECISION; \
         NATURE_ACCUEIL CHAR(3) -> R_NATURE_ACCUEIL.CODE; REGIME CHAR(1) -> R_REGIME.CODE; \
         FINESS_ACCUEIL CHAR(9) -> REF_FINESS.nofinesset; UAI_ACCUEIL CHAR(8) -> REF_RAMSESE.NUMERO_UAI; \
         DATE_DEBUT DATE; DATE_FIN DATE",
    ),
    (
        "OP_AES",
        "NUM_DECISION NUMBER(9) PK -> OP_DECISION.NUM_DECISION; PRESTATION VARCHAR2(4); \
         TRANCHE_TAUX CHAR(1); CATEGORIE_COMPLEMENT NUMBER(1); MONTANT_MENSUEL NUMBER(8,2); \
         DATE_DEBUT DATE; DATE_FIN DATE",
    ),
    (
        "OP_CARTE",
        "NUM_DECISION NUMBER(9) PK -> OP_DECISION.NUM_DECISION; NATURE_CARTE CHAR(3); \
         MENTION VARCHAR2(30); DATE_DEBUT DATE; DATE_FIN DATE",
    ),
    (
        "OP_NOTIFICATION",
        "ID NUMBER(9) PK; NUM_DECISION NUMBER(9) -> OP_DECISION.NUM_DECISION; \
         DESTINATAIRE VARCHAR2(20); DATE_ENVOI DATE",
    ),
    (
        "OP_MEDICAL",
        "NUM_DOSSIER CHAR(12) PK -> OP_ENFANT.NUM_DOSSIER; \
         DEFICIENCE_PRINCIPALE CHAR(2) -> R_DEFICIENCE.CODE; DIAGNOSTIC_CIM10 VARCHAR2(6); \
         TAUX_INCAPACITE NUMBER(3); OBSERVATIONS VARCHAR2(240)",
    ),
    (
        "OP_ARCHIV",
        "NUM_DOSSIER CHAR(12) PK; NOM VARCHAR2(32); PRENOMS VARCHAR2(40); DATE_NAISSANCE DATE; \
         ORGANISME_DESTINATAIRE VARCHAR2(60); DATE_CREATION DATE; DATE_ARCHIVAGE DATE",
    ),
];

/// Section 6. Columns without a type in the spec are checked by name and order only.
const REF_TABLES: &[(&str, &str)] = &[
    (
        "REF_FINESS",
        "structureet; nofinesset PK; nofinessej; rs; rslongue; complrs; compldistrib; numvoie; \
         typvoie; voie; compvoie; lieuditbp; commune; departement; libdepartement; \
         ligneacheminement; telephone; telecopie; categetab; libcategetab; categagretab; \
         libcategagretab; siret; codeape; codemft; libmft; codesph; libsph; dateouv; dateautor; \
         datemaj; numuai",
    ),
    (
        "REF_FINESS_GEO",
        "geolocalisation; nofinesset PK -> REF_FINESS.nofinesset; coordxet; coordyet; \
         sourcecoordet; datemaj",
    ),
    (
        "REF_RAMSESE",
        "NUMERO_UAI CHAR(8) PK; APPELLATION_OFFICIELLE; DENOMINATION_PRINCIPALE; PATRONYME_UAI; \
         SECTEUR_PUBLIC_PRIVE; ADRESSE_UAI; CODE_POSTAL_UAI; LOCALITE_ACHEMINEMENT_UAI; \
         CODE_COMMUNE CHAR(5); NATURE_UAI CHAR(3); ETAT_ETABLISSEMENT CHAR(1); DATE_OUVERTURE DATE; \
         DATE_FERMETURE DATE",
    ),
];

/// One column as the spec lists it.
#[derive(Debug, Clone)]
pub struct SpecCol {
    pub name: String,
    pub typ: Option<String>,
    /// LONGUEUR of CHAR/VARCHAR2, PRECISION of NUMBER
    pub a: Option<u32>,
    /// ECHELLE of NUMBER
    pub b: Option<u32>,
    pub pk: Option<usize>,
    pub mandatory: bool,
    pub reference: Option<(String, String)>,
}

/// Parses the compact notation used above: `NAME [TYPE[(a[,b])]] [PK|PK1|PK2] [O] [-> T.C]`,
/// columns separated by `;`.
fn parse_spec_cols(s: &str) -> Vec<SpecCol> {
    let mut out = Vec::new();
    for col in s.split(';') {
        let col = col.trim();
        if col.is_empty() {
            continue;
        }
        let (main, reference) = match col.split_once("->") {
            Some((m, r)) => (m.trim(), Some(r.trim())),
            None => (col, None),
        };
        let mut toks = main.split_whitespace();
        let name = toks.next().expect("spec column without a name").to_string();
        let mut typ = None;
        let mut a = None;
        let mut b = None;
        let mut pk = None;
        let mut mandatory = false;
        for t in toks {
            match t {
                "PK" | "PK1" => pk = Some(1),
                "PK2" => pk = Some(2),
                "O" => mandatory = true,
                _ => {
                    let (tn, args) = match t.split_once('(') {
                        Some((tn, rest)) => (tn, Some(rest.trim_end_matches(')'))),
                        None => (t, None),
                    };
                    typ = Some(tn.to_string());
                    if let Some(args) = args {
                        let mut parts = args.split(',');
                        a = parts
                            .next()
                            .map(|x| x.trim().parse::<u32>().expect("spec length"));
                        b = parts
                            .next()
                            .map(|x| x.trim().parse::<u32>().expect("spec scale"));
                    }
                }
            }
        }
        let reference = reference.map(|r| {
            let (t, c) = r.split_once('.').expect("spec reference TABLE.COLUMN");
            (t.to_string(), c.to_string())
        });
        out.push(SpecCol {
            name,
            typ,
            a,
            b,
            pk,
            mandatory,
            reference,
        });
    }
    out
}

/// The tables the spec lists for an application, in spec order.
pub fn spec_tables(app: &str) -> Vec<(String, Vec<SpecCol>)> {
    let mut out = Vec::new();
    if app == "ITAC" {
        for t in ITAC_CODE_TABLES {
            out.push((t.to_string(), parse_spec_cols(CODE_TABLE_COLUMNS)));
        }
        for (t, c) in ITAC_TABLES {
            out.push((t.to_string(), parse_spec_cols(c)));
        }
    } else {
        for t in OPALES_CODE_TABLES {
            out.push((t.to_string(), parse_spec_cols(CODE_TABLE_COLUMNS)));
        }
        for (t, c) in OPALES_TABLES {
            out.push((t.to_string(), parse_spec_cols(c)));
        }
        for (t, c) in REF_TABLES {
            out.push((t.to_string(), parse_spec_cols(c)));
        }
    }
    out
}

fn spec_column_names(table: &str) -> Vec<String> {
    for app in ["ITAC", "OPALES"] {
        for (t, cols) in spec_tables(app) {
            if t == table {
                return cols.into_iter().map(|c| c.name).collect();
            }
        }
    }
    Vec::new()
}

/// Where a table's records live (spec section 2).
pub fn table_file(table: &str) -> String {
    match table {
        "REF_FINESS" | "REF_FINESS_GEO" => FINESS_FILE.to_string(),
        "REF_RAMSESE" => RAMSESE_FILE.to_string(),
        _ => format!("DONNEES/{table}.TXT"),
    }
}

// ---------------------------------------------------------------------------------------------
// Small value checks
// ---------------------------------------------------------------------------------------------

/// `d` in `pat` is an ASCII digit, any other character is literal.
pub fn pattern_match(s: &str, pat: &str) -> bool {
    let sc: Vec<char> = s.chars().collect();
    let pc: Vec<char> = pat.chars().collect();
    sc.len() == pc.len()
        && sc.iter().zip(pc.iter()).all(|(c, p)| {
            if *p == 'd' {
                c.is_ascii_digit()
            } else {
                c == p
            }
        })
}

fn num(s: &str) -> u32 {
    s.parse::<u32>().unwrap_or(u32::MAX)
}

/// Oracle has no year 0: `01/01/0000` is read as impossible.
fn ymd_ok(y: &str, m: &str, d: &str) -> bool {
    let y = num(y);
    (1..=9999).contains(&y) && NaiveDate::from_ymd_opt(y as i32, num(m), num(d)).is_some()
}

fn hms_ok(h: &str, mi: &str, s: &str) -> bool {
    NaiveTime::from_hms_opt(num(h), num(mi), num(s)).is_some()
}

/// `JJ/MM/AAAA` or `JJ/MM/AAAA HH:MI:SS`, a real calendar date (and time).
pub fn valid_date_fr(s: &str) -> bool {
    if pattern_match(s, "dd/dd/dddd") {
        return ymd_ok(&s[6..10], &s[3..5], &s[0..2]);
    }
    if pattern_match(s, "dd/dd/dddd dd:dd:dd") {
        return ymd_ok(&s[6..10], &s[3..5], &s[0..2]) && hms_ok(&s[11..13], &s[14..16], &s[17..19]);
    }
    false
}

/// `AAAA-MM-JJ`, a real calendar date.
pub fn valid_date_iso(s: &str) -> bool {
    pattern_match(s, "dddd-dd-dd") && ymd_ok(&s[0..4], &s[5..7], &s[8..10])
}

/// NIR key of 13 characters (`2A` read as 19, `2B` as 18), on 2 digits; None when the
/// 13 characters cannot be read as a number.
pub fn nir_key(nir13: &str) -> Option<String> {
    let mut cs: Vec<char> = nir13.chars().collect();
    if cs.len() != 13 {
        return None;
    }
    if cs[5] == '2' && cs[6] == 'A' {
        cs[5] = '1';
        cs[6] = '9';
    } else if cs[5] == '2' && cs[6] == 'B' {
        cs[5] = '1';
        cs[6] = '8';
    }
    if !cs.iter().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut n: u64 = 0;
    for c in cs {
        n = n * 10 + u64::from(c as u32 - '0' as u32);
    }
    Some(format!("{:02}", 97 - n % 97))
}

/// Luhn check of an all-digit string.
pub fn luhn_ok(s: &str) -> bool {
    let mut sum = 0u32;
    for (i, c) in s.chars().rev().enumerate() {
        let mut d = c.to_digit(10).unwrap_or(0);
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

/// `Some(true/false)` for 7 digits + a letter, `None` for anything else.
pub fn uai_key_ok(s: &str) -> Option<bool> {
    let cs: Vec<char> = s.chars().collect();
    if cs.len() != 8 || !cs[..7].iter().all(|c| c.is_ascii_digit()) || !cs[7].is_ascii_alphabetic()
    {
        return None;
    }
    let digits: String = cs[..7].iter().collect();
    let n: u32 = digits.parse().ok()?;
    let letters: Vec<char> = "ABCDEFGHJKLMNPRSTUVWXYZ".chars().collect();
    Some(letters[(n % 23) as usize] == cs[7])
}

/// Oracle's comparison of CHAR values ignores trailing blanks.
pub fn trim_blanks(s: &str) -> &str {
    s.trim_end_matches(' ')
}

fn needs_quotes(value: &str) -> bool {
    value.chars().any(|c| matches!(c, ';' | '"' | '\r' | '\n'))
}

/// NUMBER value in Oracle's default text form with `,` as decimal separator, fitting
/// PRECISION / ECHELLE.
pub fn check_number(
    value: &str,
    precision: Option<u32>,
    echelle: Option<i32>,
) -> Result<(), String> {
    let negative = value.starts_with('-');
    let body = value.strip_prefix('-').unwrap_or(value);
    let (int_part, frac_part) = match body.split_once(',') {
        Some((a, b)) => (a, Some(b)),
        None => (body, None),
    };
    if !int_part.chars().all(|c| c.is_ascii_digit()) {
        return Err("not a number in Oracle's text form".to_string());
    }
    if let Some(f) = frac_part {
        if f.is_empty() || !f.chars().all(|c| c.is_ascii_digit()) {
            return Err("bad decimal part".to_string());
        }
        if f.ends_with('0') {
            return Err("trailing zero after the decimal separator".to_string());
        }
    }
    if int_part.is_empty() && frac_part.is_none() {
        return Err("no digits".to_string());
    }
    if int_part.len() > 1 && int_part.starts_with('0') {
        return Err("leading zero".to_string());
    }
    if negative && frac_part.is_none() && int_part.trim_start_matches('0').is_empty() {
        return Err("negative zero".to_string());
    }
    let scale = echelle.unwrap_or(0);
    let frac_len = frac_part.map(|f| f.len()).unwrap_or(0) as i32;
    if scale <= 0 && frac_len > 0 {
        return Err("decimal value in an integer column (ECHELLE 0 or empty)".to_string());
    }
    if scale > 0 && frac_len > scale {
        return Err(format!("{frac_len} decimals, ECHELLE is {scale}"));
    }
    if let Some(p) = precision {
        let int_digits = int_part.trim_start_matches('0').len() as i32;
        if int_digits > p as i32 - scale.max(0) {
            return Err(format!("does not fit NUMBER({p},{scale})"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Files: tree, encoding, lines, the `;` dialect
// ---------------------------------------------------------------------------------------------

/// Every regular file under `root`, keyed by its relative path with `/`.
pub fn walk_tree(root: &Path, v: &mut Vec<String>) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    walk_rec(root, "", &mut out, v);
    out
}

fn walk_rec(dir: &Path, prefix: &str, out: &mut BTreeMap<String, Vec<u8>>, v: &mut Vec<String>) {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            v.push(format!("cannot read folder {}: {e}", dir.display()));
            return;
        }
    };
    let mut entries: Vec<fs::DirEntry> = entries.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let path = e.path();
        let md = match fs::symlink_metadata(&path) {
            Ok(md) => md,
            Err(err) => {
                v.push(format!("{rel}: cannot stat: {err}"));
                continue;
            }
        };
        let ft = md.file_type();
        if ft.is_symlink() {
            v.push(format!("{rel}: is a symbolic link"));
        } else if ft.is_dir() {
            walk_rec(&path, &rel, out, v);
        } else if ft.is_file() {
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                if md.nlink() > 1 {
                    v.push(format!("{rel}: is a hard link ({} links)", md.nlink()));
                }
            }
            match fs::read(path.as_path()) {
                Ok(b) => {
                    out.insert(rel, b);
                }
                Err(err) => v.push(format!("{rel}: cannot read: {err}")),
            }
        } else {
            v.push(format!("{rel}: not a regular file"));
        }
    }
}

/// Decodes a delivered text file as WINDOWS-1252 (LISEZMOI's ENCODAGE for the generator).
pub fn decode_text(rel: &str, bytes: &[u8], v: &mut Vec<String>) -> String {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF])
        || bytes.starts_with(&[0xFF, 0xFE])
        || bytes.starts_with(&[0xFE, 0xFF])
    {
        v.push(format!("{rel}: starts with a byte order mark"));
    }
    let (text, had_errors) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
    if had_errors {
        v.push(format!("{rel}: does not decode as WINDOWS-1252"));
    }
    if text.contains('\u{FFFD}') {
        v.push(format!(
            "{rel}: holds U+FFFD after decoding as WINDOWS-1252"
        ));
    }
    // A WINDOWS-1252 file with accented letters is practically never valid UTF-8: if it is,
    // the file was most likely written in UTF-8 (which the generator must not do).
    if bytes.iter().any(|b| *b >= 0x80) && std::str::from_utf8(bytes).is_ok() {
        v.push(format!("{rel}: non-ASCII bytes form valid UTF-8: the file looks UTF-8 encoded, not WINDOWS-1252"));
    }
    text.into_owned()
}

/// Physical lines of a CRLF text file, reporting bare LF, bare CR and a missing final CRLF.
pub fn physical_lines(rel: &str, text: &str, v: &mut Vec<String>) -> Vec<String> {
    let mut lines = Vec::new();
    let parts: Vec<&str> = text.split('\n').collect();
    let last = parts.len() - 1;
    for (k, part) in parts.iter().enumerate() {
        if k == last {
            if !part.is_empty() {
                v.push(format!("{rel}: last line does not end with CRLF"));
                if part.contains('\r') {
                    v.push(format!("{rel}: line {}: CR not followed by LF", k + 1));
                }
                lines.push(part.to_string());
            }
            break;
        }
        match part.strip_suffix('\r') {
            Some(p) => {
                if p.contains('\r') {
                    v.push(format!("{rel}: line {}: CR not followed by LF", k + 1));
                }
                lines.push(p.to_string());
            }
            None => {
                v.push(format!(
                    "{rel}: line {}: ends with LF alone, not CRLF",
                    k + 1
                ));
                if part.contains('\r') {
                    v.push(format!("{rel}: line {}: CR not followed by LF", k + 1));
                }
                lines.push(part.to_string());
            }
        }
    }
    lines
}

#[derive(Debug, Clone)]
pub struct Field {
    pub value: String,
    pub quoted: bool,
}

#[derive(Debug, Clone)]
pub struct Record {
    pub fields: Vec<Field>,
    /// physical line where the record starts (1-based)
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct Parsed {
    pub records: Vec<Record>,
    pub problems: Vec<String>,
}

/// RFC 4180 with `;` and CRLF record ends. Tolerant (it always returns the records it can
/// read) but every departure from the dialect is listed in `problems`.
pub fn parse_dialect(text: &str) -> Parsed {
    let c: Vec<char> = text.chars().collect();
    let n = c.len();
    let mut i = 0usize;
    let mut line = 1usize;
    let mut records = Vec::new();
    let mut problems = Vec::new();
    if n == 0 {
        return Parsed { records, problems };
    }
    loop {
        let rec_line = line;
        let mut fields = Vec::new();
        loop {
            let mut value = String::new();
            let mut quoted = false;
            if i < n && c[i] == '"' {
                quoted = true;
                i += 1;
                let mut closed = false;
                while i < n {
                    let ch = c[i];
                    if ch == '"' {
                        if i + 1 < n && c[i + 1] == '"' {
                            value.push('"');
                            i += 2;
                            continue;
                        }
                        i += 1;
                        closed = true;
                        break;
                    }
                    if ch == '\n' {
                        line += 1;
                    }
                    value.push(ch);
                    i += 1;
                }
                if !closed {
                    problems.push(format!("line {rec_line}: quoted field never closed"));
                } else if i < n && c[i] != ';' && c[i] != '\r' && c[i] != '\n' {
                    problems.push(format!("line {line}: characters after a closing quote"));
                    while i < n && c[i] != ';' && c[i] != '\r' && c[i] != '\n' {
                        value.push(c[i]);
                        i += 1;
                    }
                }
            } else {
                while i < n {
                    let ch = c[i];
                    if ch == ';' || ch == '\n' {
                        break;
                    }
                    if ch == '\r' {
                        if i + 1 < n && c[i + 1] == '\n' {
                            break;
                        }
                        problems.push(format!("line {line}: CR not followed by LF outside quotes"));
                    }
                    if ch == '"' {
                        problems.push(format!(
                            "line {line}: double quote inside an unquoted field"
                        ));
                    }
                    value.push(ch);
                    i += 1;
                }
            }
            fields.push(Field { value, quoted });
            if i >= n {
                problems.push(format!("line {line}: last line does not end with CRLF"));
                records.push(Record {
                    fields,
                    line: rec_line,
                });
                return Parsed { records, problems };
            }
            match c[i] {
                ';' => {
                    i += 1;
                }
                '\r' => {
                    if i + 1 < n && c[i + 1] == '\n' {
                        i += 2;
                    } else {
                        problems.push(format!("line {line}: CR not followed by LF"));
                        i += 1;
                    }
                    line += 1;
                    break;
                }
                '\n' => {
                    problems.push(format!("line {line}: ends with LF alone, not CRLF"));
                    i += 1;
                    line += 1;
                    break;
                }
                _ => {
                    // cannot happen: the loops above stop only on ';', CR, LF or the end
                    i += 1;
                }
            }
        }
        records.push(Record {
            fields,
            line: rec_line,
        });
        if i >= n {
            break;
        }
    }
    Parsed { records, problems }
}

/// "A field is enclosed in double quotes only if it contains the separator, a double quote,
/// CR or LF."
fn check_quoting(file: &str, parsed: &Parsed, v: &mut Vec<String>) {
    for r in &parsed.records {
        for (k, f) in r.fields.iter().enumerate() {
            if f.quoted && !needs_quotes(&f.value) {
                v.push(format!(
                    "{file}: line {}: field {} is quoted although it holds no `;`, `\"`, CR or LF: {:?}",
                    r.line,
                    k + 1,
                    f.value
                ));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// DESCRIPTIF.TXT
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct ColumnDesc {
    pub name: String,
    pub ordre: usize,
    pub typ: String,
    pub longueur: Option<usize>,
    pub precision: Option<u32>,
    pub echelle: Option<i32>,
    pub obligatoire: bool,
    pub cle: Option<usize>,
    pub reference: Option<(String, String)>,
    pub libelle: String,
}

#[derive(Debug, Clone)]
pub struct TableDesc {
    pub name: String,
    pub libelle: Option<String>,
    pub columns: Vec<ColumnDesc>,
}

impl TableDesc {
    pub fn col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Indexes of the key columns, by key position.
    pub fn key_indexes(&self) -> Vec<usize> {
        let mut k: Vec<(usize, usize)> = self
            .columns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.cle.map(|p| (p, i)))
            .collect();
        k.sort();
        k.into_iter().map(|(_, i)| i).collect()
    }
}

const DESCRIPTIF_HEADER: [&str; 11] = [
    "TABLE",
    "ORDRE",
    "COLONNE",
    "TYPE",
    "LONGUEUR",
    "PRECISION",
    "ECHELLE",
    "OBLIGATOIRE",
    "CLE",
    "REFERENCE",
    "LIBELLE",
];

fn parse_opt<T: std::str::FromStr>(
    s: &str,
    what: &str,
    ctx: &str,
    v: &mut Vec<String>,
) -> Option<T> {
    if s.is_empty() {
        return None;
    }
    match s.parse::<T>() {
        Ok(x) => Some(x),
        Err(_) => {
            v.push(format!("{ctx}: {what} {s:?} is not a number"));
            None
        }
    }
}

/// Returns the described tables (in first-seen order, columns sorted by ORDRE) and the
/// number of records without the header.
pub fn parse_descriptif(text: &str, v: &mut Vec<String>) -> (Vec<TableDesc>, usize) {
    const F: &str = "DESCRIPTIF.TXT";
    let parsed = parse_dialect(text);
    for p in &parsed.problems {
        v.push(format!("{F}: {p}"));
    }
    check_quoting(F, &parsed, v);
    let mut recs = parsed.records.iter();
    match recs.next() {
        None => v.push(format!("{F}: empty")),
        Some(h) => {
            let got: Vec<&str> = h.fields.iter().map(|f| f.value.as_str()).collect();
            if got != DESCRIPTIF_HEADER {
                v.push(format!(
                    "{F}: header is {:?}, expected {:?}",
                    got.join(";"),
                    DESCRIPTIF_HEADER.join(";")
                ));
            }
        }
    }
    let mut tables: Vec<TableDesc> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut count = 0usize;
    for r in recs {
        count += 1;
        let f: Vec<&str> = r.fields.iter().map(|x| x.value.as_str()).collect();
        let ctx = format!("{F}: line {}", r.line);
        if f.len() != 11 {
            v.push(format!("{ctx}: {} fields, expected 11", f.len()));
            continue;
        }
        let tname = f[0];
        if tname.is_empty() {
            v.push(format!("{ctx}: empty TABLE"));
            continue;
        }
        let ti = *index.entry(tname.to_string()).or_insert_with(|| {
            tables.push(TableDesc {
                name: tname.to_string(),
                libelle: None,
                columns: Vec::new(),
            });
            tables.len() - 1
        });
        let ordre = match f[1].parse::<usize>() {
            Ok(o) => o,
            Err(_) => {
                v.push(format!("{ctx}: ORDRE {:?} is not a number", f[1]));
                continue;
            }
        };
        if ordre == 0 {
            if !f[2].is_empty() {
                v.push(format!(
                    "{ctx}: ORDRE 0 line of {tname} has a COLONNE {:?}",
                    f[2]
                ));
            }
            if f[10].is_empty() {
                v.push(format!("{ctx}: table {tname} has no LIBELLE"));
            }
            if tables[ti].libelle.is_some() {
                v.push(format!("{ctx}: second ORDRE 0 line for {tname}"));
            } else {
                tables[ti].libelle = Some(f[10].to_string());
            }
            continue;
        }
        let cctx = format!("{ctx} ({tname}.{})", f[2]);
        if f[2].is_empty() {
            v.push(format!("{cctx}: empty COLONNE"));
        }
        let typ = f[3];
        if !matches!(typ, "CHAR" | "VARCHAR2" | "NUMBER" | "DATE") {
            v.push(format!(
                "{cctx}: TYPE {typ:?} is not CHAR, VARCHAR2, NUMBER or DATE"
            ));
        }
        let longueur: Option<usize> = parse_opt(f[4], "LONGUEUR", &cctx, v);
        if (typ == "CHAR" || typ == "VARCHAR2") && longueur.is_none_or(|l| l == 0) {
            v.push(format!("{cctx}: {typ} without a LONGUEUR"));
        }
        let precision: Option<u32> = parse_opt(f[5], "PRECISION", &cctx, v);
        let echelle: Option<i32> = parse_opt(f[6], "ECHELLE", &cctx, v);
        let obligatoire = match f[7] {
            "O" => true,
            "N" => false,
            other => {
                v.push(format!("{cctx}: OBLIGATOIRE {other:?} is neither O nor N"));
                false
            }
        };
        let cle = if f[8].is_empty() {
            None
        } else {
            match f[8].parse::<usize>() {
                Ok(k) if k >= 1 => Some(k),
                _ => {
                    v.push(format!("{cctx}: CLE {:?} is not a key position", f[8]));
                    None
                }
            }
        };
        let reference = if f[9].is_empty() {
            None
        } else {
            match f[9].split_once('.') {
                Some((a, b)) if !a.is_empty() && !b.is_empty() => {
                    Some((a.to_string(), b.to_string()))
                }
                _ => {
                    v.push(format!("{cctx}: REFERENCE {:?} is not TABLE.COLONNE", f[9]));
                    None
                }
            }
        };
        tables[ti].columns.push(ColumnDesc {
            name: f[2].to_string(),
            ordre,
            typ: typ.to_string(),
            longueur,
            precision,
            echelle,
            obligatoire,
            cle,
            reference,
            libelle: f[10].to_string(),
        });
    }
    for t in &mut tables {
        if t.libelle.is_none() {
            v.push(format!("{F}: table {} has no ORDRE 0 line", t.name));
        }
        if t.columns.is_empty() {
            v.push(format!("{F}: table {} has no column", t.name));
        }
        t.columns.sort_by_key(|c| c.ordre);
        for (i, c) in t.columns.iter().enumerate() {
            if c.ordre != i + 1 {
                v.push(format!(
                    "{F}: table {}: column ORDRE values are not 1..{} without gaps (found {} at place {})",
                    t.name,
                    t.columns.len(),
                    c.ordre,
                    i + 1
                ));
                break;
            }
        }
        let mut names = HashSet::new();
        for c in &t.columns {
            if !names.insert(c.name.clone()) {
                v.push(format!(
                    "{F}: table {}: column {} described twice",
                    t.name, c.name
                ));
            }
        }
        let mut keys: Vec<usize> = t.columns.iter().filter_map(|c| c.cle).collect();
        keys.sort();
        if keys.iter().enumerate().any(|(i, k)| *k != i + 1) {
            v.push(format!(
                "{F}: table {}: CLE positions {keys:?} are not 1..{}",
                t.name,
                keys.len()
            ));
        }
    }
    for t in &tables {
        for c in &t.columns {
            if let Some((rt, rc)) = &c.reference {
                let ok = tables
                    .iter()
                    .any(|x| &x.name == rt && x.columns.iter().any(|y| &y.name == rc));
                if !ok {
                    v.push(format!(
                        "{F}: {}.{} refers to {rt}.{rc}, which is not described",
                        t.name, c.name
                    ));
                }
            }
        }
    }
    (tables, count)
}

/// Every table the spec lists for the app is described with the spec's columns, in order,
/// with the spec's types, lengths, keys, references and NOT NULLs.
pub fn check_schema_against_spec(schema: &[TableDesc], app: &str, v: &mut Vec<String>) {
    for (tname, cols) in spec_tables(app) {
        let Some(td) = schema.iter().find(|t| t.name == tname) else {
            v.push(format!(
                "DESCRIPTIF.TXT: table {tname} (spec) is not described"
            ));
            continue;
        };
        let got: Vec<&str> = td.columns.iter().map(|c| c.name.as_str()).collect();
        let want: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
        if got != want {
            v.push(format!(
                "DESCRIPTIF.TXT: {tname} has columns {got:?}, the spec lists {want:?}"
            ));
            continue;
        }
        for (c, s) in td.columns.iter().zip(cols.iter()) {
            let ctx = format!("DESCRIPTIF.TXT: {tname}.{}", c.name);
            if let Some(st) = &s.typ {
                if c.typ != *st {
                    v.push(format!("{ctx}: TYPE {}, spec says {st}", c.typ));
                }
                match st.as_str() {
                    "CHAR" | "VARCHAR2" => {
                        let want_len = s.a.map(|x| x as usize);
                        if c.longueur != want_len {
                            v.push(format!(
                                "{ctx}: LONGUEUR {:?}, spec says {want_len:?}",
                                c.longueur
                            ));
                        }
                    }
                    "NUMBER" => {
                        if c.precision != s.a {
                            v.push(format!(
                                "{ctx}: PRECISION {:?}, spec says {:?}",
                                c.precision, s.a
                            ));
                        }
                        let want_scale = s.b.unwrap_or(0) as i32;
                        if c.echelle.unwrap_or(0) != want_scale {
                            v.push(format!(
                                "{ctx}: ECHELLE {:?}, spec says {want_scale}",
                                c.echelle
                            ));
                        }
                    }
                    _ => {}
                }
            }
            if c.cle != s.pk {
                v.push(format!("{ctx}: CLE {:?}, spec says {:?}", c.cle, s.pk));
            }
            if c.reference != s.reference {
                v.push(format!(
                    "{ctx}: REFERENCE {:?}, spec says {:?}",
                    c.reference, s.reference
                ));
            }
            if s.mandatory && !c.obligatoire {
                v.push(format!("{ctx}: OBLIGATOIRE N, the spec marks the column O"));
            }
        }
    }
    if app == "ITAC" {
        for t in schema {
            if t.name.starts_with("REF_") {
                v.push(format!(
                    "DESCRIPTIF.TXT: ITAC delivery describes the OPALES referential {}",
                    t.name
                ));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------

/// A loaded table: rows as delivered (field values after unquoting, record order kept).
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub file: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// Value of a column in a row ("" when the row is too short or the column unknown).
    pub fn get<'a>(&'a self, row: &'a [String], column: &str) -> &'a str {
        match self.col(column) {
            Some(i) => row.get(i).map(|s| s.as_str()).unwrap_or(""),
            None => "",
        }
    }
}

fn load_data_table(td: &TableDesc, file: &str, text: &str, v: &mut Vec<String>) -> Table {
    let parsed = parse_dialect(text);
    for p in &parsed.problems {
        v.push(format!("{file}: {p}"));
    }
    check_quoting(file, &parsed, v);
    let columns: Vec<String> = td.columns.iter().map(|c| c.name.clone()).collect();
    let mut records = parsed.records.into_iter();
    match records.next() {
        None => v.push(format!("{file}: empty file, no header line")),
        Some(h) => {
            let got: Vec<String> = h.fields.into_iter().map(|f| f.value).collect();
            if got != columns {
                v.push(format!(
                    "{file}: header {:?} differs from DESCRIPTIF {:?}",
                    got.join(";"),
                    columns.join(";")
                ));
            }
        }
    }
    let rows: Vec<Vec<String>> = records
        .map(|r| r.fields.into_iter().map(|f| f.value).collect())
        .collect();
    Table {
        name: td.name.clone(),
        file: file.to_string(),
        columns,
        rows,
    }
}

/// FINESS.TXT: metadata line, then `structureet` (32 fields) and `geolocalisation` (6 fields)
/// records, one trailing empty field tolerated. Returns (REF_FINESS, REF_FINESS_GEO, records).
fn load_finess(
    text: &str,
    s_cols: Vec<String>,
    g_cols: Vec<String>,
    v: &mut Vec<String>,
) -> (Table, Table, usize) {
    let parsed = parse_dialect(text);
    for p in &parsed.problems {
        v.push(format!("{FINESS_FILE}: {p}"));
    }
    let mut recs = parsed.records.into_iter();
    match recs.next() {
        None => v.push(format!("{FINESS_FILE}: empty")),
        Some(meta) => {
            let f: Vec<String> = meta.fields.into_iter().map(|f| f.value).collect();
            let ok = f.len() == 4
                && f[0] == "finess"
                && f[1] == "etalab"
                && !f[2].is_empty()
                && f[2].chars().all(|c| c.is_ascii_digit())
                && valid_date_iso(&f[3]);
            if !ok {
                v.push(format!(
                    "{FINESS_FILE}: first line {:?} is not finess;etalab;<n>;<AAAA-MM-JJ>",
                    f.join(";")
                ));
            }
        }
    }
    let mut s_rows = Vec::new();
    let mut g_rows = Vec::new();
    for r in recs {
        let line = r.line;
        let mut fields: Vec<String> = r.fields.into_iter().map(|f| f.value).collect();
        let tag = fields.first().cloned().unwrap_or_default();
        let want = match tag.as_str() {
            "structureet" => 32,
            "geolocalisation" => 6,
            _ => {
                v.push(format!(
                    "{FINESS_FILE}: line {line}: unknown record tag {tag:?}"
                ));
                continue;
            }
        };
        if fields.len() == want + 1 && fields[want].is_empty() {
            fields.pop();
        }
        if fields.len() != want {
            v.push(format!(
                "{FINESS_FILE}: line {line}: {tag} record with {} fields, expected {want}",
                fields.len()
            ));
        }
        if tag == "structureet" {
            s_rows.push(fields);
        } else {
            g_rows.push(fields);
        }
    }
    let n = s_rows.len() + g_rows.len();
    (
        Table {
            name: "REF_FINESS".to_string(),
            file: FINESS_FILE.to_string(),
            columns: s_cols,
            rows: s_rows,
        },
        Table {
            name: "REF_FINESS_GEO".to_string(),
            file: FINESS_FILE.to_string(),
            columns: g_cols,
            rows: g_rows,
        },
        n,
    )
}

/// Reads one table of a delivery (header and rows), outside of the full check.
pub fn read_table_file(
    delivery: &Path,
    table: &str,
) -> Result<(Vec<String>, Vec<Vec<String>>), String> {
    let file = table_file(table);
    let path = delivery.join(&file);
    let bytes = fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut v = Vec::new();
    let text = decode_text(&file, &bytes, &mut v);
    if table == "REF_FINESS" || table == "REF_FINESS_GEO" {
        let (s, g, _) = load_finess(
            &text,
            spec_column_names("REF_FINESS"),
            spec_column_names("REF_FINESS_GEO"),
            &mut v,
        );
        let t = if table == "REF_FINESS" { s } else { g };
        return Ok((t.columns, t.rows));
    }
    let parsed = parse_dialect(&text);
    let mut recs = parsed.records.into_iter();
    let header: Vec<String> = match recs.next() {
        Some(h) => h.fields.into_iter().map(|f| f.value).collect(),
        None => return Err(format!("{file}: empty")),
    };
    let rows = recs
        .map(|r| r.fields.into_iter().map(|f| f.value).collect())
        .collect();
    Ok((header, rows))
}

/// Column counts, NUMBER text form, NOT NULL, primary keys.
fn check_rows(
    td: &TableDesc,
    table: &Table,
    data_file: bool,
    defect_cells: &HashSet<CellKey>,
    v: &mut Vec<String>,
) {
    let ncol = td.columns.len();
    let key_idx = td.key_indexes();
    let mut seen: HashMap<Vec<String>, usize> = HashMap::new();
    for (ri, row) in table.rows.iter().enumerate() {
        let record = ri + 1;
        let ctx = format!("{} ({}) record {record}", table.file, td.name);
        if row.len() != ncol {
            v.push(format!("{ctx}: {} fields, expected {ncol}", row.len()));
            continue;
        }
        for (ci, c) in td.columns.iter().enumerate() {
            let value = &row[ci];
            if c.obligatoire && value.is_empty() {
                v.push(format!("{ctx}: {} is OBLIGATOIRE but empty", c.name));
            }
            if data_file
                && c.typ == "NUMBER"
                && !value.is_empty()
                && !defect_cells.contains(&(td.name.clone(), record, c.name.clone()))
                && let Err(e) = check_number(value, c.precision, c.echelle)
            {
                v.push(format!("{ctx}: {} = {value:?}: {e}", c.name));
            }
        }
        if !key_idx.is_empty() {
            if key_idx.iter().any(|&i| row[i].is_empty()) {
                v.push(format!("{ctx}: empty primary key value"));
                continue;
            }
            let key: Vec<String> = key_idx
                .iter()
                .map(|&i| trim_blanks(&row[i]).to_string())
                .collect();
            if let Some(prev) = seen.insert(key.clone(), record) {
                v.push(format!(
                    "{ctx}: primary key {key:?} already used by record {prev}"
                ));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Defects
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defect {
    pub file: String,
    pub table: String,
    pub record: usize,
    pub column: String,
    pub value: String,
    pub kind: String,
}

impl Defect {
    pub fn show(&self) -> String {
        format!(
            "{} record {} {}.{} = {:?} [{}]",
            self.file, self.record, self.table, self.column, self.value, self.kind
        )
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefectsJson {
    pub delivery: String,
    pub application: String,
    pub seed: u64,
    pub persons: u64,
    pub defects: Vec<Defect>,
}

type ValueSets = HashMap<(String, String), Option<HashSet<String>>>;

/// (table, record, column)
pub type CellKey = (String, usize, String);

/// Value of a described column in a row ("" when absent).
fn cell<'a>(td: &TableDesc, row: &'a [String], name: &str) -> &'a str {
    match td.col(name) {
        Some(i) => row.get(i).map(|s| s.as_str()).unwrap_or(""),
        None => "",
    }
}

fn column_value_set(
    tables: &BTreeMap<String, Table>,
    table: &str,
    column: &str,
) -> Option<HashSet<String>> {
    let t = tables.get(table)?;
    let ci = t.col(column)?;
    Some(
        t.rows
            .iter()
            .filter_map(|r| r.get(ci))
            .map(|s| trim_blanks(s).to_string())
            .collect(),
    )
}

/// Computes the defects of the ten rules over every loaded table; reports as violations the
/// orphans of composite references (which must never happen).
pub fn compute_defects(
    schema: &[TableDesc],
    tables: &BTreeMap<String, Table>,
    v: &mut Vec<String>,
) -> BTreeSet<Defect> {
    let by_name: HashMap<&str, &TableDesc> = schema.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut out = BTreeSet::new();

    let mut value_sets: ValueSets = HashMap::new();
    for td in schema {
        for c in &td.columns {
            if let Some((rt, rc)) = &c.reference {
                value_sets
                    .entry((rt.clone(), rc.clone()))
                    .or_insert_with(|| column_value_set(tables, rt, rc));
            }
        }
    }

    for td in schema {
        let Some(table) = tables.get(&td.name) else {
            continue;
        };
        let is_finess = td.name == "REF_FINESS" || td.name == "REF_FINESS_GEO";

        // Composite references: several columns towards all the key columns (2 or more) of
        // one target table.
        let mut composite_cols: HashSet<usize> = HashSet::new();
        let targets: BTreeSet<&str> = td
            .columns
            .iter()
            .filter_map(|c| c.reference.as_ref().map(|(t, _)| t.as_str()))
            .collect();
        for tt in targets {
            let Some(ttd) = by_name.get(tt) else {
                continue;
            };
            let key_idx = ttd.key_indexes();
            if key_idx.len() < 2 {
                continue;
            }
            let key_names: Vec<&str> = key_idx
                .iter()
                .map(|&i| ttd.columns[i].name.as_str())
                .collect();
            let mut src_by_pos: Vec<Option<usize>> = vec![None; key_idx.len()];
            for (ci, c) in td.columns.iter().enumerate() {
                if let Some((rt, rc)) = &c.reference
                    && rt == tt
                    && let Some(p) = key_names.iter().position(|k| k == rc)
                {
                    src_by_pos[p] = Some(ci);
                }
            }
            if !src_by_pos.iter().all(|x| x.is_some()) {
                continue;
            }
            let src: Vec<usize> = src_by_pos.into_iter().flatten().collect();
            for ci in &src {
                composite_cols.insert(*ci);
            }
            let Some(target) = tables.get(tt) else {
                continue;
            };
            let tuples: HashSet<Vec<String>> = target
                .rows
                .iter()
                .filter(|r| key_idx.iter().all(|&i| i < r.len()))
                .map(|r| {
                    key_idx
                        .iter()
                        .map(|&i| trim_blanks(&r[i]).to_string())
                        .collect()
                })
                .collect();
            let src_names: Vec<&str> = src.iter().map(|&i| td.columns[i].name.as_str()).collect();
            for (ri, row) in table.rows.iter().enumerate() {
                let vals: Option<Vec<&String>> = src.iter().map(|&i| row.get(i)).collect();
                let Some(vals) = vals else {
                    continue;
                };
                if vals.iter().any(|x| x.is_empty()) {
                    continue;
                }
                let tuple: Vec<String> = vals.iter().map(|x| trim_blanks(x).to_string()).collect();
                if !tuples.contains(&tuple) {
                    v.push(format!(
                        "{} record {}: composite reference {}.({}) = {tuple:?} has no row in {tt}.({}) \
                         (composite references must never be orphans)",
                        table.file,
                        ri + 1,
                        td.name,
                        src_names.join(", "),
                        key_names.join(", ")
                    ));
                }
            }
        }

        for (ri, row) in table.rows.iter().enumerate() {
            let record = ri + 1;
            let mk = |column: &str, value: &str, kind: &str| Defect {
                file: table.file.clone(),
                table: td.name.clone(),
                record,
                column: column.to_string(),
                value: value.to_string(),
                kind: kind.to_string(),
            };
            for (ci, c) in td.columns.iter().enumerate() {
                let Some(value) = row.get(ci) else {
                    continue;
                };
                let value = value.as_str();
                let empty = value.is_empty();
                // 1. impossible_date
                if c.typ == "DATE" && !empty {
                    let ok = if is_finess {
                        valid_date_iso(value)
                    } else {
                        valid_date_fr(value)
                    };
                    if !ok {
                        out.insert(mk(&c.name, value, "impossible_date"));
                    }
                }
                // 2. unknown_code, 3. orphan_reference
                if let Some((rt, rc)) = &c.reference
                    && !empty
                    && !composite_cols.contains(&ci)
                    && let Some(Some(set)) = value_sets.get(&(rt.clone(), rc.clone()))
                    && !set.contains(trim_blanks(value))
                {
                    let kind = if rt.starts_with("R_") {
                        "unknown_code"
                    } else {
                        "orphan_reference"
                    };
                    out.insert(mk(&c.name, value, kind));
                }
                // 7. padded_char
                if c.typ == "CHAR" && value.ends_with(' ') {
                    out.insert(mk(&c.name, value, "padded_char"));
                }
                // 8. overlong_value
                if (c.typ == "CHAR" || c.typ == "VARCHAR2")
                    && let Some(l) = c.longueur
                    && value.chars().count() > l
                {
                    out.insert(mk(&c.name, value, "overlong_value"));
                }
                // 9. control_character
                if value
                    .chars()
                    .any(|ch| (ch as u32) < 0x20 && ch != '\r' && ch != '\n')
                {
                    out.insert(mk(&c.name, value, "control_character"));
                }
                // 10. special_characters
                if needs_quotes(value) {
                    out.insert(mk(&c.name, value, "special_characters"));
                }
            }

            // 4. wrong_nir_key
            let nir_and_key = |nir_col: &str, key_col: &str| -> Option<Defect> {
                let nir = cell(td, row, nir_col);
                let cle = cell(td, row, key_col);
                if nir.is_empty() || cle.is_empty() {
                    return None;
                }
                if nir_key(nir).as_deref() != Some(cle) {
                    Some(mk(key_col, cle, "wrong_nir_key"))
                } else {
                    None
                }
            };
            match td.name.as_str() {
                "ITAC_DOSSIER" => {
                    if let Some(d) = nir_and_key("NIR", "CLE_NIR") {
                        out.insert(d);
                    }
                }
                "OP_ASSURE" => {
                    if let Some(d) = nir_and_key("NIR_ASSURE", "CLE") {
                        out.insert(d);
                    }
                }
                "OP_ENFANT" => {
                    let nir = cell(td, row, "NIR_ENFANT");
                    let cs: Vec<char> = nir.chars().collect();
                    if cs.len() == 15 {
                        let first: String = cs[..13].iter().collect();
                        let last: String = cs[13..].iter().collect();
                        if last != "  " && nir_key(&first).as_deref() != Some(last.as_str()) {
                            out.insert(mk("NIR_ENFANT", nir, "wrong_nir_key"));
                        }
                    }
                }
                _ => {}
            }
            // 5. wrong_finess_key
            let finess_cols: &[&str] = match td.name.as_str() {
                "ITAC_ETABLISSEMENT" => &["NUM_FINESS"],
                "REF_FINESS" => &["nofinesset", "nofinessej"],
                _ => &[],
            };
            for &col in finess_cols {
                let value = cell(td, row, col);
                if value.chars().count() == 9
                    && value.chars().all(|ch| ch.is_ascii_digit())
                    && !luhn_ok(value)
                {
                    out.insert(mk(col, value, "wrong_finess_key"));
                }
            }
            // 6. wrong_uai_key
            if td.name == "REF_RAMSESE" {
                let value = cell(td, row, "NUMERO_UAI");
                if uai_key_ok(value) == Some(false) {
                    out.insert(mk("NUMERO_UAI", value, "wrong_uai_key"));
                }
            }
        }
    }
    out
}

/// Kinds a 2 000-person delivery of this app must show at least once and does not.
pub fn missing_kinds(app: &str, defects: &BTreeSet<Defect>) -> Vec<&'static str> {
    ALL_KINDS
        .iter()
        .copied()
        .filter(|k| !(app == "ITAC" && *k == "wrong_uai_key"))
        .filter(|k| !defects.iter().any(|d| d.kind == *k))
        .collect()
}

fn compare_defects(
    computed: &BTreeSet<Defect>,
    path: &Path,
    e: &Expect,
    v: &mut Vec<String>,
) -> Vec<Defect> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(err) => {
            v.push(format!("cannot read {}: {err}", path.display()));
            return Vec::new();
        }
    };
    let dj: DefectsJson = match serde_json::from_slice(&bytes) {
        Ok(d) => d,
        Err(err) => {
            v.push(format!(
                "{}: not in the defects.json format: {err}",
                path.display()
            ));
            return Vec::new();
        }
    };
    if dj.delivery != e.delivery_name() {
        v.push(format!(
            "defects.json: delivery {:?}, expected {:?}",
            dj.delivery,
            e.delivery_name()
        ));
    }
    if dj.application != e.app {
        v.push(format!(
            "defects.json: application {:?}, expected {:?}",
            dj.application, e.app
        ));
    }
    if dj.seed != e.seed {
        v.push(format!(
            "defects.json: seed {}, expected {}",
            dj.seed, e.seed
        ));
    }
    if dj.persons != e.persons {
        v.push(format!(
            "defects.json: persons {}, expected {}",
            dj.persons, e.persons
        ));
    }
    let mut declared: BTreeSet<Defect> = BTreeSet::new();
    let mut keys: HashSet<(String, usize, String, String)> = HashSet::new();
    let mut dups = 0usize;
    for d in &dj.defects {
        let key = (d.table.clone(), d.record, d.column.clone(), d.kind.clone());
        let new_key = keys.insert(key);
        let new_defect = declared.insert(d.clone());
        if !new_key || !new_defect {
            dups += 1;
            if dups <= 20 {
                v.push(format!("defects.json: listed more than once: {}", d.show()));
            }
        }
        if !ALL_KINDS.contains(&d.kind.as_str()) {
            v.push(format!("defects.json: unknown kind: {}", d.show()));
        }
    }
    let missing: Vec<&Defect> = computed.difference(&declared).collect();
    let extra: Vec<&Defect> = declared.difference(computed).collect();
    if !missing.is_empty() {
        v.push(format!(
            "defects.json lacks {} defect(s) that the spec rules find (first 20):",
            missing.len()
        ));
        for d in missing.iter().take(20) {
            v.push(format!("  not declared: {}", d.show()));
        }
    }
    if !extra.is_empty() {
        v.push(format!(
            "defects.json declares {} defect(s) that the spec rules do not find (first 20):",
            extra.len()
        ));
        for d in extra.iter().take(20) {
            v.push(format!("  declared only: {}", d.show()));
        }
    }
    dj.defects
}

// ---------------------------------------------------------------------------------------------
// LISEZMOI.TXT, EXTRACTION.LOG, CONTROLE.TXT
// ---------------------------------------------------------------------------------------------

fn check_lisezmoi(lines: &[String], e: &Expect, v: &mut Vec<String>) {
    const F: &str = "LISEZMOI.TXT";
    let mut kv: BTreeMap<String, String> = BTreeMap::new();
    let mut blank_at = None;
    for (i, l) in lines.iter().enumerate() {
        if l.is_empty() {
            blank_at = Some(i);
            break;
        }
        match l.split_once('=') {
            Some((k, val)) if !k.is_empty() => {
                if kv.insert(k.to_string(), val.to_string()).is_some() {
                    v.push(format!("{F}: key {k} given twice"));
                }
            }
            _ => v.push(format!("{F}: line {} is not KEY=VALUE: {l:?}", i + 1)),
        }
    }
    match blank_at {
        None => v.push(format!("{F}: no blank line after the KEY=VALUE lines")),
        Some(i) => {
            if !lines[i + 1..].iter().any(|l| !l.trim().is_empty()) {
                v.push(format!("{F}: no free text after the blank line"));
            }
        }
    }
    let version = if e.app == "ITAC" { "1" } else { "2.4" };
    let libelle_dep = if e.dep == "059" {
        Some("Nord".to_string())
    } else {
        None
    };
    let expected: Vec<(&str, Option<String>)> = vec![
        ("FORMAT", Some("REPRISE-MDPH 1".to_string())),
        ("APPLICATION", Some(e.app.clone())),
        ("VERSION", Some(version.to_string())),
        ("DEPARTEMENT", Some(e.dep.clone())),
        ("LIBELLE_DEPARTEMENT", libelle_dep),
        ("CENTRE", None),
        ("DATE_EXTRACTION", None),
        ("ENCODAGE", Some("WINDOWS-1252".to_string())),
        ("SEPARATEUR", Some(";".to_string())),
        ("FORMAT_DATE", Some("JJ/MM/AAAA".to_string())),
        ("SEPARATEUR_DECIMAL", Some(",".to_string())),
    ];
    for (k, want) in expected {
        match kv.get(k) {
            None => v.push(format!("{F}: key {k} missing")),
            Some(got) => match want {
                Some(w) => {
                    if *got != w {
                        v.push(format!("{F}: {k}={got:?}, expected {w:?}"));
                    }
                }
                None => {
                    if got.trim().is_empty() {
                        v.push(format!("{F}: {k} is empty"));
                    }
                }
            },
        }
    }
    if let Some(d) = kv.get("DATE_EXTRACTION") {
        let day = if e.date.len() == 8 && e.date.is_ascii() {
            format!("{}/{}/{}", &e.date[6..8], &e.date[4..6], &e.date[0..4])
        } else {
            String::new()
        };
        if !(pattern_match(d, "dd/dd/dddd dd:dd:dd") && valid_date_fr(d) && d.starts_with(&day)) {
            v.push(format!(
                "{F}: DATE_EXTRACTION={d:?}, expected \"{day} HH:MI:SS\""
            ));
        }
    }
}

fn check_log(
    lines: &[String],
    schema: &[TableDesc],
    tables: &BTreeMap<String, Table>,
    v: &mut Vec<String>,
) {
    const F: &str = "EXTRACTION.LOG";
    let mut counts: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        let ln = i + 1;
        let bad = || format!("{F}: line {ln} is not `AAAA-MM-JJ HH:MM:SS LEVEL MESSAGE`: {line:?}");
        let Some(ts) = line.get(..19) else {
            v.push(bad());
            continue;
        };
        if !(pattern_match(ts, "dddd-dd-dd dd:dd:dd")
            && ymd_ok(&ts[0..4], &ts[5..7], &ts[8..10])
            && hms_ok(&ts[11..13], &ts[14..16], &ts[17..19]))
        {
            v.push(bad());
            continue;
        }
        let Some(rest) = line[19..].strip_prefix(' ') else {
            v.push(bad());
            continue;
        };
        let (level, msg) = rest.split_once(' ').unwrap_or((rest, ""));
        match level {
            "INFO" | "ATTENTION" => {}
            "ERREUR" => v.push(format!("{F}: line {ln} is an ERREUR: {line:?}")),
            _ => {
                v.push(bad());
                continue;
            }
        }
        if msg.trim().is_empty() {
            v.push(bad());
        }
        if level == "INFO"
            && let Some(m) = msg.strip_prefix("TABLE ")
        {
            match m
                .strip_suffix(" LIGNES EXTRAITES")
                .and_then(|m| m.split_once(" : "))
            {
                Some((t, n)) => match n.parse::<usize>() {
                    Ok(n) => counts.entry(t.to_string()).or_default().push(n),
                    Err(_) => v.push(format!("{F}: line {ln}: bad count: {line:?}")),
                },
                None => v.push(format!(
                    "{F}: line {ln}: not `INFO TABLE <TABLE> : <n> LIGNES EXTRAITES`: {line:?}"
                )),
            }
        }
    }
    match lines.last() {
        Some(l) if l.get(19..) == Some(" INFO FIN NORMALE DU TRAITEMENT") => {}
        other => v.push(format!(
            "{F}: last line {other:?} is not `... INFO FIN NORMALE DU TRAITEMENT`"
        )),
    }
    for td in schema {
        match counts.get(&td.name) {
            None => v.push(format!(
                "{F}: no `INFO TABLE {} : <n> LIGNES EXTRAITES` line",
                td.name
            )),
            Some(ns) if ns.len() != 1 => {
                v.push(format!("{F}: {} TABLE lines for {}", ns.len(), td.name))
            }
            Some(ns) => {
                if let Some(t) = tables.get(&td.name)
                    && ns[0] != t.rows.len()
                {
                    v.push(format!(
                        "{F}: TABLE {} : {} LIGNES EXTRAITES, but {} records were read",
                        td.name,
                        ns[0],
                        t.rows.len()
                    ));
                }
            }
        }
    }
    for t in counts.keys() {
        if !schema.iter().any(|td| &td.name == t) {
            v.push(format!(
                "{F}: TABLE line for {t}, which DESCRIPTIF.TXT does not describe"
            ));
        }
    }
}

fn check_controle(
    text: &str,
    files: &BTreeMap<String, Vec<u8>>,
    record_counts: &BTreeMap<String, usize>,
    v: &mut Vec<String>,
) {
    const F: &str = "CONTROLE.TXT";
    let parsed = parse_dialect(text);
    for p in &parsed.problems {
        v.push(format!("{F}: {p}"));
    }
    check_quoting(F, &parsed, v);
    let mut recs = parsed.records.iter();
    match recs.next() {
        None => v.push(format!("{F}: empty")),
        Some(h) => {
            let got: Vec<&str> = h.fields.iter().map(|f| f.value.as_str()).collect();
            if got != ["FICHIER", "LIGNES", "OCTETS", "SHA256"] {
                v.push(format!(
                    "{F}: header {:?}, expected \"FICHIER;LIGNES;OCTETS;SHA256\"",
                    got.join(";")
                ));
            }
        }
    }
    let mut listed: BTreeSet<String> = BTreeSet::new();
    for r in recs {
        let ctx = format!("{F}: line {}", r.line);
        if r.fields.len() != 4 {
            v.push(format!("{ctx}: {} fields, expected 4", r.fields.len()));
            continue;
        }
        let path = r.fields[0].value.as_str();
        let lignes = r.fields[1].value.as_str();
        let octets = r.fields[2].value.as_str();
        let sha = r.fields[3].value.as_str();
        if !listed.insert(path.to_string()) {
            v.push(format!("{ctx}: {path} listed twice"));
        }
        if path == F {
            v.push(format!("{ctx}: CONTROLE.TXT lists itself"));
            continue;
        }
        if path.starts_with('/')
            || path.contains('\\')
            || path
                .split('/')
                .any(|p| p == ".." || p == "." || p.is_empty())
        {
            v.push(format!(
                "{ctx}: {path:?} is not a clean relative path with `/`"
            ));
        }
        let Some(bytes) = files.get(path) else {
            v.push(format!("{ctx}: {path} is listed but absent from the tree"));
            continue;
        };
        match octets.parse::<usize>() {
            Ok(n) if n == bytes.len() => {}
            _ => v.push(format!(
                "{ctx}: {path}: OCTETS {octets:?}, the file has {} bytes",
                bytes.len()
            )),
        }
        let actual = hex::encode(Sha256::digest(bytes));
        if sha != actual {
            v.push(format!(
                "{ctx}: {path}: SHA256 {sha:?}, the file's is {actual}"
            ));
        }
        match record_counts.get(path) {
            None => v.push(format!("{ctx}: {path}: no LIGNES rule for this file")),
            Some(&n) => {
                if lignes.parse::<usize>().ok() != Some(n) {
                    v.push(format!("{ctx}: {path}: LIGNES {lignes:?}, counted {n}"));
                }
            }
        }
    }
    for f in files.keys() {
        if f != F && !listed.contains(f) {
            v.push(format!("{F}: {f} is present but not listed"));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The whole delivery
// ---------------------------------------------------------------------------------------------

pub struct Report {
    pub violations: Vec<String>,
    /// defects computed from the spec rules
    pub defects: BTreeSet<Defect>,
    /// defects as listed in defects.json
    pub declared: Vec<Defect>,
    pub schema: Vec<TableDesc>,
    pub tables: BTreeMap<String, Table>,
}

impl Report {
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }

    /// (table, record, column) of every computed defect.
    pub fn defect_cells(&self) -> HashSet<CellKey> {
        self.defects
            .iter()
            .map(|d| (d.table.clone(), d.record, d.column.clone()))
            .collect()
    }
}

/// Checks a plain delivery folder and its defects.json against the spec.
pub fn check_delivery(dir: &Path, defects_json: &Path, e: &Expect) -> Report {
    let mut v: Vec<String> = Vec::new();
    let name = e.delivery_name();
    let folder = dir
        .file_name()
        .and_then(|n| n.to_str())
        .map(|s| s.to_string());
    if folder.as_deref() != Some(name.as_str()) {
        v.push(format!(
            "delivery folder is named {folder:?}, expected {name}"
        ));
    }

    let files = walk_tree(dir, &mut v);
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    for (rel, bytes) in &files {
        texts.insert(rel.clone(), decode_text(rel, bytes, &mut v));
    }
    let mut record_counts: BTreeMap<String, usize> = BTreeMap::new();

    // LISEZMOI.TXT
    match texts.get("LISEZMOI.TXT") {
        Some(t) => {
            let lines = physical_lines("LISEZMOI.TXT", t, &mut v);
            record_counts.insert("LISEZMOI.TXT".to_string(), lines.len());
            check_lisezmoi(&lines, e, &mut v);
        }
        None => v.push("LISEZMOI.TXT missing".to_string()),
    }

    // DESCRIPTIF.TXT
    let schema = match texts.get("DESCRIPTIF.TXT") {
        Some(t) => {
            let (schema, n) = parse_descriptif(t, &mut v);
            record_counts.insert("DESCRIPTIF.TXT".to_string(), n);
            schema
        }
        None => {
            v.push("DESCRIPTIF.TXT missing".to_string());
            Vec::new()
        }
    };
    check_schema_against_spec(&schema, &e.app, &mut v);

    // The tree of section 2
    let mut expected_files: BTreeSet<String> = [
        "LISEZMOI.TXT",
        "CONTROLE.TXT",
        "DESCRIPTIF.TXT",
        "EXTRACTION.LOG",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for td in &schema {
        expected_files.insert(table_file(&td.name));
    }
    for f in &expected_files {
        if !files.contains_key(f) {
            v.push(format!("{f}: missing from the delivery"));
        }
    }
    for f in files.keys() {
        if !expected_files.contains(f) {
            v.push(format!(
                "{f}: present but not part of the tree of spec section 2"
            ));
        }
    }

    // Tables
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for td in &schema {
        if td.name == "REF_FINESS" || td.name == "REF_FINESS_GEO" {
            continue;
        }
        let file = table_file(&td.name);
        if let Some(t) = texts.get(&file) {
            let table = load_data_table(td, &file, t, &mut v);
            record_counts.insert(file.clone(), table.rows.len());
            tables.insert(td.name.clone(), table);
        }
    }
    if let Some(t) = texts.get(FINESS_FILE) {
        let cols_of = |name: &str| -> Vec<String> {
            match schema.iter().find(|td| td.name == name) {
                Some(td) => td.columns.iter().map(|c| c.name.clone()).collect(),
                None => spec_column_names(name),
            }
        };
        let (s, g, n) = load_finess(t, cols_of("REF_FINESS"), cols_of("REF_FINESS_GEO"), &mut v);
        record_counts.insert(FINESS_FILE.to_string(), n);
        tables.insert(s.name.clone(), s);
        tables.insert(g.name.clone(), g);
    }

    // Defects, then the row checks that skip defective cells
    let defects = compute_defects(&schema, &tables, &mut v);
    let defect_cells: HashSet<CellKey> = defects
        .iter()
        .map(|d| (d.table.clone(), d.record, d.column.clone()))
        .collect();
    for td in &schema {
        if let Some(t) = tables.get(&td.name) {
            let data_file = !(td.name == "REF_FINESS" || td.name == "REF_FINESS_GEO");
            check_rows(td, t, data_file, &defect_cells, &mut v);
        }
    }

    // FINESS specifics
    if let (Some(s), Some(g)) = (tables.get("REF_FINESS"), tables.get("REF_FINESS_GEO")) {
        let known: HashSet<&str> = match s.col("nofinesset") {
            Some(i) => s
                .rows
                .iter()
                .filter_map(|r| r.get(i))
                .map(|x| trim_blanks(x))
                .collect(),
            None => HashSet::new(),
        };
        for (ri, row) in g.rows.iter().enumerate() {
            let record = ri + 1;
            let nof = g.get(row, "nofinesset");
            if !known.contains(trim_blanks(nof)) {
                v.push(format!(
                    "{FINESS_FILE}: geolocalisation record {record}: nofinesset {nof:?} has no structureet record"
                ));
            }
            for col in ["coordxet", "coordyet"] {
                let x = g.get(row, col);
                if x.is_empty()
                    || defect_cells.contains(&(
                        "REF_FINESS_GEO".to_string(),
                        record,
                        col.to_string(),
                    ))
                {
                    continue;
                }
                let ok = x
                    .chars()
                    .all(|ch| ch.is_ascii_digit() || ch == '.' || ch == '-')
                    && x.parse::<f64>().is_ok();
                if !ok {
                    v.push(format!(
                        "{FINESS_FILE}: geolocalisation record {record}: {col} {x:?} is not a coordinate with `.`"
                    ));
                }
            }
        }
    }

    // EXTRACTION.LOG
    match texts.get("EXTRACTION.LOG") {
        Some(t) => {
            let lines = physical_lines("EXTRACTION.LOG", t, &mut v);
            record_counts.insert("EXTRACTION.LOG".to_string(), lines.len());
            check_log(&lines, &schema, &tables, &mut v);
        }
        None => v.push("EXTRACTION.LOG missing".to_string()),
    }

    // CONTROLE.TXT (last: needs every record count)
    match texts.get("CONTROLE.TXT") {
        Some(t) => check_controle(t, &files, &record_counts, &mut v),
        None => v.push("CONTROLE.TXT missing".to_string()),
    }

    // defects.json
    let declared = compare_defects(&defects, defects_json, e, &mut v);

    Report {
        violations: v,
        defects,
        declared,
        schema,
        tables,
    }
}
