mod common;

// `reprise sample` checked against /work/shared/spec/delivery-format.md by an independent
// checker (tests/common/spec_check.rs), which never uses the crate's library.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::PathBuf;
use std::sync::OnceLock;

use common::spec_check::{self, CellKey, Expect, Report, Table};
use common::{DATE, DEP};

/// A 2 000-person plain delivery, generated once per test process and checked once.
struct Generated {
    delivery: PathBuf,
    report: Report,
}

fn generate_and_check(app: &str, persons: u64, seed: u64) -> Generated {
    let out = common::target_tmp(&format!("sample_spec_{app}_{persons}_{seed}"));
    let delivery = common::sample_plain(app, persons, seed, &out);
    let expect = Expect::new(app, DEP, DATE, seed, persons);
    let report =
        spec_check::check_delivery(&delivery, &common::defects_json_path(&out, app), &expect);
    Generated { delivery, report }
}

static ITAC_2000: OnceLock<Generated> = OnceLock::new();
static OPALES_2000: OnceLock<Generated> = OnceLock::new();

fn itac_2000() -> &'static Generated {
    ITAC_2000.get_or_init(|| generate_and_check("ITAC", 2000, 11))
}

fn opales_2000() -> &'static Generated {
    OPALES_2000.get_or_init(|| generate_and_check("OPALES", 2000, 11))
}

fn table<'a>(report: &'a Report, name: &str) -> &'a Table {
    report
        .table(name)
        .unwrap_or_else(|| panic!("table {name} was not loaded (see the spec test's violations)"))
}

fn rows(report: &Report, name: &str) -> usize {
    report.table(name).map(|t| t.rows.len()).unwrap_or(0)
}

fn col(t: &Table, name: &str) -> usize {
    t.col(name)
        .unwrap_or_else(|| panic!("{} has no column {name}", t.name))
}

fn cell(row: &[String], i: usize) -> &str {
    row.get(i).map(|s| s.as_str()).unwrap_or("")
}

fn ratio(problems: &mut Vec<String>, what: &str, num: usize, den: usize, lo: f64, hi: f64) {
    if den == 0 {
        problems.push(format!("{what}: denominator is 0"));
        return;
    }
    let r = num as f64 / den as f64;
    if !(lo..=hi).contains(&r) {
        problems.push(format!(
            "{what} = {num}/{den} = {r:.3}, expected between {lo} and {hi}"
        ));
    }
}

fn count_value(report: &Report, table_name: &str, column: &str, value: &str) -> usize {
    let t = table(report, table_name);
    let i = col(t, column);
    t.rows
        .iter()
        .filter(|r| spec_check::trim_blanks(cell(r, i)) == value)
        .count()
}

fn spec_test(app: &str, g: &Generated) {
    let mut v = g.report.violations.clone();
    for k in spec_check::missing_kinds(app, &g.report.defects) {
        v.push(format!(
            "no defect of kind {k} in a 2000-person {app} delivery"
        ));
    }
    common::assert_no_violations(
        &format!("{app} delivery {} against the spec", g.delivery.display()),
        &v,
    );
}

#[test]
fn itac_plain_delivery_follows_the_spec() {
    spec_test("ITAC", itac_2000());
}

#[test]
fn opales_plain_delivery_follows_the_spec() {
    spec_test("OPALES", opales_2000());
}

#[test]
fn itac_volumes_are_realistic() {
    let r = &itac_2000().report;
    let mut p = Vec::new();
    let dossiers = rows(r, "ITAC_DOSSIER");
    let demandes = rows(r, "ITAC_DEMANDE");
    let conclusions = rows(r, "ITAC_CONCLUSION");
    ratio(
        &mut p,
        "ITAC_DEMANDE / ITAC_DOSSIER",
        demandes,
        dossiers,
        3.4,
        4.4,
    );
    ratio(
        &mut p,
        "ITAC_CONCLUSION / ITAC_DEMANDE",
        conclusions,
        demandes,
        0.95,
        1.15,
    );
    ratio(
        &mut p,
        "ITAC_ARCHIVE / ITAC_DOSSIER",
        rows(r, "ITAC_ARCHIVE"),
        dossiers,
        0.55,
        0.77,
    );
    if conclusions > 0 {
        let rejets = count_value(r, "ITAC_CONCLUSION", "SENS", "R");
        ratio(
            &mut p,
            "ITAC_CONCLUSION SENS=R / ITAC_CONCLUSION",
            rejets,
            conclusions,
            0.20,
            0.36,
        );
    }
    common::assert_no_violations("ITAC volumes", &p);
}

#[test]
fn opales_volumes_are_realistic() {
    let r = &opales_2000().report;
    let mut p = Vec::new();
    let enfants = rows(r, "OP_ENFANT");
    let demandes = rows(r, "OP_DEMANDE");
    let decisions = rows(r, "OP_DECISION");
    ratio(
        &mut p,
        "OP_RESPONSABLE / OP_ENFANT",
        rows(r, "OP_RESPONSABLE"),
        enfants,
        1.3,
        1.9,
    );
    ratio(
        &mut p,
        "OP_CURSUS / OP_ENFANT",
        rows(r, "OP_CURSUS"),
        enfants,
        2.0,
        3.0,
    );
    ratio(
        &mut p,
        "OP_DEMANDE / OP_ENFANT",
        demandes,
        enfants,
        2.9,
        3.9,
    );
    ratio(
        &mut p,
        "OP_DECISION / OP_DEMANDE",
        decisions,
        demandes,
        0.85,
        1.15,
    );
    ratio(
        &mut p,
        "OP_NOTIFICATION / OP_DECISION",
        rows(r, "OP_NOTIFICATION"),
        decisions,
        2.2,
        3.0,
    );
    ratio(
        &mut p,
        "OP_MEDICAL / OP_ENFANT",
        rows(r, "OP_MEDICAL"),
        enfants,
        0.90,
        0.99,
    );
    ratio(
        &mut p,
        "OP_ARCHIV / OP_ENFANT",
        rows(r, "OP_ARCHIV"),
        enfants,
        0.4,
        0.6,
    );
    if decisions > 0 {
        let rejets = count_value(r, "OP_DECISION", "SENS", "2");
        ratio(
            &mut p,
            "OP_DECISION SENS=2 / OP_DECISION",
            rejets,
            decisions,
            0.20,
            0.36,
        );
    }
    common::assert_no_violations("OPALES volumes", &p);
}

#[test]
fn same_arguments_same_bytes() {
    let a = common::tempdir();
    let b = common::tempdir();
    common::sample_plain("OPALES", 300, 5, a.path());
    common::sample_plain("OPALES", 300, 5, b.path());
    // the delivery folder and the defects.json beside it
    let diffs = common::compare_trees(a.path(), b.path());
    common::assert_no_violations("two runs with the same arguments", &diffs);
    let ja =
        fs::read(common::defects_json_path(a.path(), "OPALES")).expect("defects.json of run 1");
    let jb =
        fs::read(common::defects_json_path(b.path(), "OPALES")).expect("defects.json of run 2");
    assert!(
        ja == jb,
        "defects.json differs between two runs with the same arguments"
    );
}

/// Year of a valid `JJ/MM/AAAA[ HH:MI:SS]` date.
fn birth_year(date: &str) -> Option<i32> {
    if spec_check::valid_date_fr(date) {
        date[6..10].parse().ok()
    } else {
        None
    }
}

#[test]
fn itac_and_opales_share_people() {
    let itac = &itac_2000().report;
    let opales = &opales_2000().report;
    let dossier = table(itac, "ITAC_DOSSIER");
    let enfant = table(opales, "OP_ENFANT");
    // Cells that carry an injected defect are not compared: a defect may legitimately break
    // the equality of the two copies.
    let bad_i: HashSet<CellKey> = itac.defect_cells();
    let bad_o: HashSet<CellKey> = opales.defect_cells();
    let is_bad_i =
        |rec: usize, c: &str| bad_i.contains(&("ITAC_DOSSIER".to_string(), rec, c.to_string()));
    let is_bad_o =
        |rec: usize, c: &str| bad_o.contains(&("OP_ENFANT".to_string(), rec, c.to_string()));

    let (i_num, i_nom, i_date, i_nir, i_cle) = (
        col(dossier, "NUM_DOSSIER"),
        col(dossier, "NOM_NAISSANCE"),
        col(dossier, "DATE_NAISSANCE"),
        col(dossier, "NIR"),
        col(dossier, "CLE_NIR"),
    );
    let (o_cot, o_nom, o_date, o_nir) = (
        col(enfant, "NUM_DOSSIER_COTOREP"),
        col(enfant, "NOM"),
        col(enfant, "DATE_NAISSANCE"),
        col(enfant, "NIR_ENFANT"),
    );

    let mut by_num: HashMap<String, usize> = HashMap::new();
    let mut by_nir: HashMap<String, Vec<usize>> = HashMap::new();
    let mut by_name_date: HashMap<(String, String), Vec<usize>> = HashMap::new();
    for (ri, row) in dossier.rows.iter().enumerate() {
        let num = spec_check::trim_blanks(cell(row, i_num));
        if !num.is_empty() {
            by_num.insert(num.to_string(), ri);
        }
        let nir = cell(row, i_nir);
        if nir.chars().count() == 13 && !nir.contains(' ') {
            by_nir.entry(nir.to_string()).or_default().push(ri);
        }
        let (nom, date) = (cell(row, i_nom), cell(row, i_date));
        if !nom.is_empty() && !date.is_empty() {
            by_name_date
                .entry((nom.to_string(), date.to_string()))
                .or_default()
                .push(ri);
        }
    }

    let mut problems = Vec::new();
    let mut tied_rows = 0usize;
    let mut tied_by_num = 0usize;
    for (ri, row) in enfant.rows.iter().enumerate() {
        let orec = ri + 1;
        let mut ties: Vec<usize> = Vec::new();

        // 1. NUM_DOSSIER_COTOREP
        let cot = spec_check::trim_blanks(cell(row, o_cot));
        if !cot.is_empty()
            && let Some(&ii) = by_num.get(cot)
        {
            tied_by_num += 1;
            ties.push(ii);
            let irow = &dossier.rows[ii];
            let irec = ii + 1;
            let ctx = format!(
                "OP_ENFANT record {orec} (NUM_DOSSIER_COTOREP {cot}) / ITAC_DOSSIER record {irec}"
            );
            if !is_bad_o(orec, "NOM")
                && !is_bad_i(irec, "NOM_NAISSANCE")
                && cell(row, o_nom) != cell(irow, i_nom)
            {
                problems.push(format!(
                    "{ctx}: NOM {:?} != NOM_NAISSANCE {:?}",
                    cell(row, o_nom),
                    cell(irow, i_nom)
                ));
            }
            if !is_bad_o(orec, "DATE_NAISSANCE")
                && !is_bad_i(irec, "DATE_NAISSANCE")
                && cell(row, o_date) != cell(irow, i_date)
            {
                problems.push(format!(
                    "{ctx}: DATE_NAISSANCE {:?} != {:?}",
                    cell(row, o_date),
                    cell(irow, i_date)
                ));
            }
            let onir: Vec<char> = cell(row, o_nir).chars().collect();
            let inir = cell(irow, i_nir);
            let icle = cell(irow, i_cle);
            if !onir.is_empty()
                && !inir.is_empty()
                && !is_bad_o(orec, "NIR_ENFANT")
                && !is_bad_i(irec, "NIR")
                && !is_bad_i(irec, "CLE_NIR")
            {
                let first: String = onir.iter().take(13).collect();
                if first != inir {
                    problems.push(format!(
                        "{ctx}: NIR_ENFANT {:?} does not start with ITAC NIR {inir:?}",
                        cell(row, o_nir)
                    ));
                } else if onir.len() == 15 && !icle.is_empty() {
                    let key: String = onir[13..].iter().collect();
                    if key != "  " && key != icle {
                        problems.push(format!(
                            "{ctx}: NIR_ENFANT {:?} != NIR + CLE_NIR \"{inir}{icle}\"",
                            cell(row, o_nir)
                        ));
                    }
                }
            }
        }

        // 2. NIR (the 13 characters that identify the person)
        let onir: Vec<char> = cell(row, o_nir).chars().collect();
        if onir.len() >= 13 {
            let first: String = onir.iter().take(13).collect();
            if !first.contains(' ')
                && let Some(list) = by_nir.get(&first)
            {
                ties.extend(list.iter().copied());
            }
        }

        // 3. name and birth date
        let (nom, date) = (cell(row, o_nom), cell(row, o_date));
        if !nom.is_empty()
            && !date.is_empty()
            && let Some(list) = by_name_date.get(&(nom.to_string(), date.to_string()))
        {
            ties.extend(list.iter().copied());
        }

        if ties.is_empty() {
            continue;
        }
        tied_rows += 1;
        ties.sort();
        ties.dedup();
        for ii in ties {
            let irec = ii + 1;
            if is_bad_i(irec, "DATE_NAISSANCE") {
                continue;
            }
            let d = cell(&dossier.rows[ii], i_date);
            match birth_year(d) {
                Some(y) if y >= 1986 => {}
                Some(y) => problems.push(format!(
                    "OP_ENFANT record {orec} is tied to ITAC_DOSSIER record {irec}, born in {y} (before 1986)"
                )),
                None => {}
            }
        }
    }
    ratio(
        &mut problems,
        "OP_ENFANT rows tied to an ITAC_DOSSIER row / OP_ENFANT rows",
        tied_rows,
        enfant.rows.len(),
        0.03,
        0.07,
    );
    if tied_by_num == 0 {
        problems.push("no OP_ENFANT row is tied by NUM_DOSSIER_COTOREP".to_string());
    }
    common::assert_no_violations(
        "people shared by ITAC and OPALES (seed 11, 2000 persons)",
        &problems,
    );
}

#[test]
fn real_age_cli_decrypts_the_tar_form() {
    let hint = "the real age CLI is needed for this test: apt-get install age";
    let tmp = common::tempdir();
    let key = tmp.path().join("key.txt");
    let key_s = common::path_str(&key);
    common::run_tool("age-keygen", &["-o", key_s.as_str()], hint);
    let key_text = fs::read_to_string(key.as_path()).expect("age-keygen wrote no key file");
    let pubkey = key_text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .map(|s| s.trim().to_string())
        .expect("no `# public key: age1...` line in the age-keygen file");
    assert!(
        pubkey.starts_with("age1"),
        "unexpected public key {pubkey:?}"
    );

    let (persons, seed) = (200u64, 3u64);
    for app in ["ITAC", "OPALES"] {
        let plain_out = tmp.path().join(format!("plain_{app}"));
        fs::create_dir_all(&plain_out).unwrap();
        let plain = common::sample_plain(app, persons, seed, &plain_out);

        let variants: [(&str, Vec<&str>, &str); 2] = [
            ("binary", Vec::new(), "-xf"),
            ("gzip_armor", vec!["--gzip", "--armor"], "-xzf"),
        ];
        for (variant, extra, tar_flag) in variants {
            let ctx = format!("{app} --form tar {variant}");
            let out = tmp.path().join(format!("tar_{app}_{variant}"));
            fs::create_dir_all(&out).unwrap();
            let mut args: Vec<&str> = vec!["--recipient", pubkey.as_str()];
            args.extend(extra.iter().copied());
            common::sample(app, persons, seed, &out, "tar", &args);

            let age_file = common::tar_age_path(&out, app);
            let age_bytes = fs::read(&age_file)
                .unwrap_or_else(|e| panic!("{ctx}: cannot read {}: {e}", age_file.display()));
            if variant == "binary" {
                assert!(
                    age_bytes.starts_with(b"age-encryption.org/v1\n"),
                    "{ctx}: not a binary age file"
                );
            } else {
                assert!(
                    age_bytes.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"),
                    "{ctx}: not an ASCII-armored age file"
                );
            }

            let tar_file = out.join("out.tar");
            let tar_s = common::path_str(&tar_file);
            let age_s = common::path_str(&age_file);
            common::run_tool(
                "age",
                &[
                    "-d",
                    "-i",
                    key_s.as_str(),
                    "-o",
                    tar_s.as_str(),
                    age_s.as_str(),
                ],
                hint,
            );
            let tar_bytes = fs::read(tar_file.as_path()).expect("age wrote no output");
            if variant == "binary" {
                assert!(
                    tar_bytes.len() > 262 && tar_bytes[257..262] == b"ustar"[..],
                    "{ctx}: the age plaintext is not a tar archive"
                );
            } else {
                assert!(
                    tar_bytes.starts_with(&[0x1f, 0x8b]),
                    "{ctx}: the age plaintext is not gzip-compressed"
                );
            }

            let unpack = out.join("unpacked");
            fs::create_dir_all(&unpack).unwrap();
            let unpack_s = common::path_str(&unpack);
            common::run_tool(
                "tar",
                &[tar_flag, tar_s.as_str(), "-C", unpack_s.as_str()],
                "the system tar is needed",
            );
            let mut top: Vec<String> = fs::read_dir(&unpack)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            top.sort();
            assert_eq!(
                top,
                vec![common::delivery_name(app)],
                "{ctx}: the tar must hold one top folder named like the delivery"
            );
            let delivery = unpack.join(common::delivery_name(app));

            let expect = Expect::new(app, DEP, DATE, seed, persons);
            let report = spec_check::check_delivery(
                &delivery,
                &common::defects_json_path(&out, app),
                &expect,
            );
            common::assert_no_violations(
                &format!("{ctx}: unpacked delivery against the spec"),
                &report.violations,
            );

            let diffs = common::compare_trees(&plain, &delivery);
            common::assert_no_violations(&format!("{ctx}: unpacked tar vs --form plain"), &diffs);
            let jp = fs::read(common::defects_json_path(&plain_out, app)).unwrap();
            let jt = fs::read(common::defects_json_path(&out, app)).unwrap();
            assert!(
                jp == jt,
                "{ctx}: defects.json differs between --form tar and --form plain"
            );
        }
    }
}
