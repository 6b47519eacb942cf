//! Helpers shared by the integration tests: running `reprise sample`, temporary folders,
//! reading a delivered table. The spec checker lives in `spec_check.rs`; neither uses the
//! crate's library.
#![allow(dead_code)]

pub mod spec_check;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const DEP: &str = "059";
pub const DATE: &str = "20081015";

pub fn reprise_bin() -> &'static str {
    env!("CARGO_BIN_EXE_reprise")
}

fn show_output(out: &Output) -> String {
    format!(
        "--- stdout ---\n{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs the binary and asserts it succeeded, showing its stderr otherwise.
pub fn run_reprise(args: &[String]) -> Output {
    let out = Command::new(reprise_bin())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", reprise_bin()));
    if !out.status.success() {
        panic!(
            "`reprise {}` failed ({})\n{}",
            args.join(" "),
            out.status,
            show_output(&out)
        );
    }
    out
}

/// Runs an external tool and asserts it succeeded; a missing program fails with `hint`.
pub fn run_tool(program: &str, args: &[&str], hint: &str) -> Output {
    let out = match Command::new(program).args(args).output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("`{program}` is not installed: {hint}")
        }
        Err(e) => panic!("cannot run `{program}`: {e} ({hint})"),
    };
    if !out.status.success() {
        panic!(
            "`{program} {}` failed ({})\n{}",
            args.join(" "),
            out.status,
            show_output(&out)
        );
    }
    out
}

pub fn delivery_name(app: &str) -> String {
    format!("REPRISE_{app}_{DEP}_{DATE}")
}

pub fn defects_json_path(out: &Path, app: &str) -> PathBuf {
    out.join(format!("{}.defects.json", delivery_name(app)))
}

pub fn tar_age_path(out: &Path, app: &str) -> PathBuf {
    out.join(format!("{}.tar.age", delivery_name(app)))
}

pub fn path_str(p: &Path) -> String {
    p.to_str()
        .unwrap_or_else(|| panic!("non UTF-8 path {}", p.display()))
        .to_string()
}

/// `reprise sample --app APP --dep 059 --date 20081015 --persons N --seed S --out OUT --form FORM EXTRA...`
pub fn sample(
    app: &str,
    persons: u64,
    seed: u64,
    out: &Path,
    form: &str,
    extra: &[&str],
) -> Output {
    let mut args: Vec<String> = vec![
        "sample".to_string(),
        "--app".to_string(),
        app.to_string(),
        "--dep".to_string(),
        DEP.to_string(),
        "--date".to_string(),
        DATE.to_string(),
        "--persons".to_string(),
        persons.to_string(),
        "--seed".to_string(),
        seed.to_string(),
        "--out".to_string(),
        path_str(out),
        "--form".to_string(),
        form.to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    run_reprise(&args)
}

/// Generates a plain delivery into `out` and returns the delivery folder.
pub fn sample_plain(app: &str, persons: u64, seed: u64, out: &Path) -> PathBuf {
    sample(app, persons, seed, out, "plain", &[]);
    let dir = out.join(delivery_name(app));
    assert!(
        dir.is_dir(),
        "`reprise sample --form plain` did not create {}",
        dir.display()
    );
    dir
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("reprise-spec-")
        .tempdir()
        .expect("cannot create a temporary folder")
}

/// A fresh, empty folder under cargo's CARGO_TARGET_TMPDIR (kept after the run for inspection).
pub fn target_tmp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    if dir.exists() {
        fs::remove_dir_all(&dir).unwrap_or_else(|e| panic!("cannot empty {}: {e}", dir.display()));
    }
    fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// Header and rows of one table of a plain delivery (REF_FINESS / REF_FINESS_GEO read from
/// FINESS.TXT with the spec's column names).
pub fn read_table(delivery: &Path, table: &str) -> (Vec<String>, Vec<Vec<String>>) {
    spec_check::read_table_file(delivery, table).unwrap_or_else(|e| panic!("{e}"))
}

/// Every file under `root`, by relative path.
pub fn tree_files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut v = Vec::new();
    let files = spec_check::walk_tree(root, &mut v);
    assert_no_violations(&format!("walking {}", root.display()), &v);
    files
}

/// Differences between two trees, file by file, byte for byte.
pub fn compare_trees(a: &Path, b: &Path) -> Vec<String> {
    let fa = tree_files(a);
    let fb = tree_files(b);
    let mut v = Vec::new();
    if fa.is_empty() {
        v.push(format!("{} is empty", a.display()));
    }
    for (k, ba) in &fa {
        match fb.get(k) {
            None => v.push(format!("{k}: only in {}", a.display())),
            Some(bb) => {
                if ba != bb {
                    let first = ba
                        .iter()
                        .zip(bb.iter())
                        .position(|(x, y)| x != y)
                        .unwrap_or(ba.len().min(bb.len()));
                    v.push(format!(
                        "{k}: contents differ ({} vs {} bytes, first difference at byte {first})",
                        ba.len(),
                        bb.len()
                    ));
                }
            }
        }
    }
    for k in fb.keys() {
        if !fa.contains_key(k) {
            v.push(format!("{k}: only in {}", b.display()));
        }
    }
    v
}

/// Fails with every problem listed (up to 300 lines).
pub fn assert_no_violations(context: &str, v: &[String]) {
    if v.is_empty() {
        return;
    }
    let shown: Vec<&str> = v.iter().take(300).map(|s| s.as_str()).collect();
    let more = if v.len() > 300 {
        format!("\n... and {} more", v.len() - 300)
    } else {
        String::new()
    };
    panic!(
        "{context}: {} problem(s):\n{}{more}",
        v.len(),
        shown.join("\n")
    );
}
