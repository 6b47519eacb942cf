//! Every input kept for the fuzz targets (`fuzz/regressions/<target>/`: inputs that once crashed a
//! target, and `fuzz/corpus/<target>/`: the minimised corpus) goes through the same function as the
//! target in `cargo test`, so that a crash found by fuzzing stays fixed without cargo-fuzz.

use reprise::fuzzing::TARGETS;
use std::fs;
use std::panic;
use std::path::Path;

fn inputs(kind: &str, target: &str) -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind)
        .join(target);
    let mut files: Vec<_> = fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn every_kept_fuzz_input_passes_its_target() {
    let mut failed = Vec::new();
    let mut ran = 0;
    for (name, target) in TARGETS {
        for kind in ["regressions", "corpus"] {
            for path in inputs(kind, name) {
                let data = fs::read(&path).unwrap();
                ran += 1;
                if panic::catch_unwind(|| target(&data)).is_err() {
                    failed.push(path.display().to_string());
                }
            }
        }
    }
    reprise::fuzzing::cleanup();
    assert!(ran > 0, "no fuzz input found under fuzz/");
    assert!(
        failed.is_empty(),
        "inputs that fail their target: {failed:#?}"
    );
}

#[test]
fn every_target_has_kept_inputs() {
    for (name, _) in TARGETS {
        assert!(
            !inputs("corpus", name).is_empty() || !inputs("regressions", name).is_empty(),
            "no corpus for the fuzz target {name}: run scripts/fuzz.sh"
        );
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("fuzz/fuzz_targets/{name}.rs"))
                .exists(),
            "fuzz/fuzz_targets/{name}.rs is missing"
        );
    }
}
