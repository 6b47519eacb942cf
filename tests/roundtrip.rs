//! Fidelity as a property (issue 7): for any table content the delivery format can carry —
//! any WINDOWS-1252 character, separators, quotes, line breaks, blanks, empty fields, quoting
//! where it is not needed, numbers and dates well or badly written — importing a delivery and
//! exporting the table in delivery format gives back the delivered file byte for byte.

#[path = "common/deliveries.rs"]
mod deliveries;

use deliveries::*;
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// A plain ITAC delivery made once for every case.
fn base() -> &'static Path {
    static BASE: OnceLock<(Scratch, PathBuf)> = OnceLock::new();
    let (_, dir) = BASE.get_or_init(|| {
        let s = Scratch::new();
        let dir = plain(&s, "base");
        (s, dir)
    });
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// Characters WINDOWS-1252 holds, weighted towards those that make the dialect work.
fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => proptest::char::range('a', 'z'),
        3 => proptest::char::range('0', '9'),
        2 => Just(' '),
        2 => Just(';'),
        2 => Just('"'),
        1 => Just('\r'),
        1 => Just('\n'),
        1 => Just('\t'),
        1 => Just(','),
        1 => Just('/'),
        1 => Just(':'),
        2 => prop::sample::select(vec!['é', 'È', 'à', 'Œ', 'œ', 'ü', 'ç', '€', '’', '«', '»', '…', '°', 'ÿ']),
        1 => proptest::char::range('\u{1}', '\u{1f}'),
    ]
}

/// A field: random text, or something that looks like a number or a date (right or wrong).
fn any_field() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::collection::vec(any_char(), 0..14).prop_map(|v| v.into_iter().collect()),
        1 => (0i64..100_000).prop_map(|n| n.to_string()),
        1 => (0i64..1000, 0u32..100).prop_map(|(a, b)| format!("{a},{b:02}")),
        1 => (0u32..40, 0u32..14, 1900u32..2030).prop_map(|(d, m, y)| format!("{d:02}/{m:02}/{y} 00:00:00")),
        1 => Just(String::new()),
        1 => Just("   ".to_string()),
        1 => Just("007".to_string()),
    ]
}

/// Encodes a field per the dialect, quoting when needed and sometimes when not.
fn encode(field: &str, force_quotes: bool) -> Vec<u8> {
    let (bytes, _, bad) = encoding_rs::WINDOWS_1252.encode(field);
    assert!(!bad);
    let needs = bytes
        .iter()
        .any(|b| matches!(b, b';' | b'"' | b'\r' | b'\n'));
    if needs || force_quotes {
        let mut out = vec![b'"'];
        for &b in bytes.iter() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
        out
    } else {
        bytes.into_owned()
    }
}

/// Rows of `columns` fields, each with its quoting choice.
fn any_rows(columns: usize) -> impl Strategy<Value = Vec<Vec<(String, bool)>>> {
    proptest::collection::vec(
        proptest::collection::vec((any_field(), proptest::bool::weighted(0.15)), columns),
        0..25,
    )
}

/// Replaces the rows of `table`, fixes the log and CONTROLE.TXT, imports, exports in delivery
/// format, and returns (delivered, exported).
fn round_trip(table: &str, rows: &[Vec<(String, bool)>]) -> (Vec<u8>, Vec<u8>) {
    let s = Scratch::new();
    let dir = s.join("livraison");
    copy_dir(base(), &dir);
    let file = dir.join("DONNEES").join(format!("{table}.TXT"));
    let old = std::fs::read(&file).unwrap();
    let header_end = old.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
    let mut data = old[..header_end].to_vec();
    for row in rows {
        for (i, (field, quoted)) in row.iter().enumerate() {
            if i > 0 {
                data.push(b';');
            }
            data.extend(encode(field, *quoted));
        }
        data.extend_from_slice(b"\r\n");
    }
    std::fs::write(&file, &data).unwrap();
    set_log_count(&dir, table, rows.len() as u64);
    recompute_controle(&dir);
    let pass = s.passphrase_file("base-pass", "phrase de passe de la base 2008");
    let store = s.join("base.db");
    let run = |args: &[&str]| {
        Command::new(bin())
            .args(args)
            .stdin(Stdio::null())
            .env_remove("REPRISE_STORE_PASSPHRASE")
            .output()
            .unwrap()
    };
    let out = run(&[
        "import",
        dir.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
        "--store-passphrase-file",
        pass.to_str().unwrap(),
    ]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exported = s.join("export.txt");
    let out = run(&[
        "export",
        "--store",
        store.to_str().unwrap(),
        "--store-passphrase-file",
        pass.to_str().unwrap(),
        "--table",
        table,
        "--format",
        "delivery",
        "--out",
        exported.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "export failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (data, std::fs::read(&exported).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Text columns (one of them the key).
    #[test]
    fn any_text_table_comes_back_byte_for_byte(rows in any_rows(4)) {
        let (delivered, exported) = round_trip("ITAC_AGENT", &rows);
        prop_assert!(delivered == exported, "{} bytes delivered, {} exported", delivered.len(), exported.len());
    }

    /// NUMBER, DATE, CHAR and VARCHAR2 columns, values well or badly formed.
    #[test]
    fn any_typed_table_comes_back_byte_for_byte(rows in any_rows(6)) {
        let (delivered, exported) = round_trip("ITAC_REUNION", &rows);
        prop_assert!(delivered == exported, "{} bytes delivered, {} exported", delivered.len(), exported.len());
    }
}
