//! `reprise verify` on correct deliveries of every physical form and on broken, hostile or
//! merely unusual ones (spec sections 1, 2 and 8): the exit code, a plain French message naming
//! the problem, and nothing written in the delivery's folder or the working directory (every run
//! goes through `deliveries::verify`, which snapshots the scratch folder before and after).

#[path = "common/deliveries.rs"]
mod deliveries;

use deliveries::*;
use std::fs;
use std::io::{self, Read};
use std::path::PathBuf;

const TWO_GIB: u64 = 2 << 30;

// ---------------------------------------------------------------------------------------------
// The helpers themselves

#[test]
fn recomputed_controle_of_an_untouched_delivery_is_byte_for_byte_the_original() {
    let s = Scratch::new();
    let dir = plain(&s, "p");
    let original = fs::read(dir.join("CONTROLE.TXT")).unwrap();
    recompute_controle(&dir);
    assert_eq!(
        String::from_utf8_lossy(&fs::read(dir.join("CONTROLE.TXT")).unwrap()),
        String::from_utf8_lossy(&original)
    );
}

/// The hand-made tar of a plain delivery, encrypted by the `age` CLI to an X25519 recipient, is
/// CONFORME: what the hostile tars below add is the only problem they have.
#[test]
fn hand_made_tar_encrypted_by_the_age_cli_is_conforme() {
    let s = Scratch::new();
    let dir = plain(&s, "p");
    let (key, recipient) = keygen(&s, "key.txt");
    for gzip in [false, true] {
        let tar = s.join(&format!("clear-{gzip}.tar"));
        let mut t = TarOut::create(&tar, gzip);
        tar_delivery(&mut t, &dir, |_, _| false);
        t.finish(0);
        let out = s.join(&format!("out-{gzip}"));
        fs::create_dir(&out).unwrap();
        let age = out.join(format!("{NAME}.tar.age"));
        age_encrypt(&recipient, &tar, &age);
        verify(&s, &age, &["--identity", key.to_str().unwrap()]).assert_conforme();
    }
}

// ---------------------------------------------------------------------------------------------
// Correct deliveries in every physical form

#[test]
fn tar_binary_form_is_conforme() {
    let s = Scratch::new();
    let (file, pw) = tar_age_with_passphrase(&s, "t", &[]);
    let run = verify(&s, &file, &["--passphrase-file", pw.to_str().unwrap()]);
    run.assert_conforme();
    assert!(run.warnings().iter().all(|w| !w.contains("en clair")));
}

#[test]
fn tar_gzip_armored_form_is_conforme() {
    let s = Scratch::new();
    let (file, pw) = tar_age_with_passphrase(&s, "t", &["--gzip", "--armor"]);
    assert!(
        fs::read(&file)
            .unwrap()
            .starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----")
    );
    verify(&s, &file, &["--passphrase-file", pw.to_str().unwrap()]).assert_conforme();
}

fn encrypted_folder(s: &Scratch) -> (PathBuf, PathBuf) {
    let pw = s.passphrase_file("f.pass", PASSPHRASE);
    let out = s.join("f");
    sample(
        "ITAC",
        &out,
        "folder",
        &["--passphrase-file", pw.to_str().unwrap()],
    );
    let dir = out.join(NAME);
    assert!(dir.join("DONNEES/ITAC_DOSSIER.TXT.age").is_file());
    (dir, pw)
}

#[test]
fn encrypted_folder_form_is_conforme() {
    let s = Scratch::new();
    let (dir, pw) = encrypted_folder(&s);
    let run = verify(&s, &dir, &["--passphrase-file", pw.to_str().unwrap()]);
    run.assert_conforme();
    assert!(run.warnings().iter().all(|w| !w.contains("en clair")));
}

#[test]
fn plain_folder_is_conforme_with_a_warning_that_it_came_in_clear() {
    let s = Scratch::new();
    let dir = plain(&s, "p");
    verify(&s, &dir, &[])
        .assert_conforme()
        .assert_warning(&["en clair"]);
}

#[test]
fn autorun_inf_next_to_the_age_files_is_ignored_and_mentioned() {
    let s = Scratch::new();
    let (dir, pw) = encrypted_folder(&s);
    fs::write(
        dir.join("autorun.inf"),
        "[autorun]\r\nopen=setup.exe\r\nicon=setup.exe,0\r\n",
    )
    .unwrap();
    verify(&s, &dir, &["--passphrase-file", pw.to_str().unwrap()])
        .assert_conforme()
        .assert_warning(&["autorun.inf"]);
}

// ---------------------------------------------------------------------------------------------
// 1-5: the encryption layer

#[test]
fn wrong_passphrase_cannot_decrypt() {
    let s = Scratch::new();
    let (file, _) = tar_age_with_passphrase(&s, "t", &[]);
    let wrong = s.passphrase_file("wrong.pass", "pas la bonne phrase");
    verify(&s, &file, &["--passphrase-file", wrong.to_str().unwrap()])
        .assert_code(3)
        .assert_stderr_has(&["phrase de passe", "ne correspond pas"]);
}

#[test]
fn wrong_identity_cannot_decrypt() {
    let s = Scratch::new();
    let (_, recipient) = keygen(&s, "right.key");
    let (other, _) = keygen(&s, "other.key");
    let out = s.join("t");
    sample("ITAC", &out, "tar", &["--recipient", &recipient]);
    let file = out.join(format!("{NAME}.tar.age"));
    verify(&s, &file, &["--identity", other.to_str().unwrap()])
        .assert_code(3)
        .assert_stderr_has(&["identité", "ne correspond pas"]);
}

#[test]
fn text_file_named_tar_age_is_refused() {
    let s = Scratch::new();
    let file = s.join("x.tar.age");
    fs::write(&file, "Ceci n'est pas une livraison.\r\nBonne journée.\r\n").unwrap();
    let pw = s.passphrase_file("p.pass", PASSPHRASE);
    verify(&s, &file, &["--passphrase-file", pw.to_str().unwrap()])
        .assert_code(4)
        .assert_stderr_has(&["x.tar.age", "n'est pas un fichier chiffré avec age"]);
}

#[test]
fn age_file_cut_in_half_is_refused() {
    let s = Scratch::new();
    let (file, pw) = tar_age_with_passphrase(&s, "t", &[]);
    let len = fs::metadata(&file).unwrap().len();
    truncate(&file, len / 2);
    verify(&s, &file, &["--passphrase-file", pw.to_str().unwrap()])
        .assert_code(4)
        .assert_stderr_has(&["endommagé"]);
}

#[test]
fn flipped_byte_in_the_middle_of_the_ciphertext_is_refused() {
    let s = Scratch::new();
    let (file, pw) = tar_age_with_passphrase(&s, "t", &[]);
    let len = fs::metadata(&file).unwrap().len();
    assert!(len / 2 > age_payload_start(&file));
    flip_byte(&file, len / 2);
    verify(&s, &file, &["--passphrase-file", pw.to_str().unwrap()])
        .assert_code(4)
        .assert_stderr_has(&["endommagé"]);
}

#[test]
fn flipped_byte_in_the_last_chunk_is_refused() {
    let s = Scratch::new();
    let (file, pw) = tar_age_with_passphrase(&s, "t", &[]);
    let last = age_last_chunk_start(&file);
    let len = fs::metadata(&file).unwrap().len();
    assert!(
        last > age_payload_start(&file),
        "the delivery fits in one chunk"
    );
    flip_byte(&file, (last + len) / 2);
    verify(&s, &file, &["--passphrase-file", pw.to_str().unwrap()])
        .assert_code(4)
        .assert_stderr_has(&["endommagé"]);
}

/// A tar followed by zeros (which tar readers skip) whose last age chunks hold nothing but those
/// zeros: the encryption layer must still be checked to its end (spec 8: "fails anywhere").
fn tar_age_with_padding_chunks(s: &Scratch) -> (PathBuf, PathBuf) {
    let dir = plain(s, "p");
    let (key, recipient) = keygen(s, "key.txt");
    let tar = s.join("padded.tar");
    let mut t = TarOut::create(&tar, false);
    tar_delivery(&mut t, &dir, |_, _| false);
    t.finish(4 * 65536);
    let out = s.join("t");
    fs::create_dir(&out).unwrap();
    let file = out.join(format!("{NAME}.tar.age"));
    age_encrypt(&recipient, &tar, &file);
    verify(s, &file, &["--identity", key.to_str().unwrap()]).assert_conforme();
    (file, key)
}

#[test]

fn flipped_byte_in_a_last_chunk_of_tar_padding_is_refused() {
    let s = Scratch::new();
    let (file, key) = tar_age_with_padding_chunks(&s);
    flip_byte(&file, age_last_chunk_start(&file) + 100);
    verify(&s, &file, &["--identity", key.to_str().unwrap()])
        .assert_code(4)
        .assert_stderr_has(&["endommagé"]);
}

#[test]

fn age_file_missing_its_last_chunk_of_tar_padding_is_refused() {
    let s = Scratch::new();
    let (file, key) = tar_age_with_padding_chunks(&s);
    truncate(&file, age_last_chunk_start(&file));
    verify(&s, &file, &["--identity", key.to_str().unwrap()])
        .assert_code(4)
        .assert_stderr_has(&["endommagé"]);
}

// ---------------------------------------------------------------------------------------------
// 6: hostile tar members, in a tar that is otherwise a correct delivery

/// Tars the plain delivery with one more member written raw, encrypts it to a fresh X25519
/// recipient with the `age` CLI and verifies it with the identity.
fn verify_tar_with_raw_member(name: &[u8], kind: tar::EntryType, link: &[u8]) -> Run {
    let s = Scratch::new();
    let dir = plain(&s, "p");
    let (key, recipient) = keygen(&s, "key.txt");
    let tar = s.join("hostile.tar");
    let mut t = TarOut::create(&tar, false);
    tar_delivery(&mut t, &dir, |t, rel| {
        if rel == "DONNEES/ITAC_SUIVI.TXT" {
            let data: &[u8] = if kind == tar::EntryType::Regular {
                b"NUM;LIBELLE\r\n1;piege\r\n"
            } else {
                b""
            };
            t.raw(name, kind, link, data);
        }
        false
    });
    t.finish(0);
    let out = s.join("t");
    fs::create_dir(&out).unwrap();
    let file = out.join(format!("{NAME}.tar.age"));
    age_encrypt(&recipient, &tar, &file);
    verify(&s, &file, &["--identity", key.to_str().unwrap()])
}

#[test]
fn tar_member_with_dotdot_is_refused() {
    let name = format!("{NAME}/DONNEES/../../EVASION.TXT");
    verify_tar_with_raw_member(name.as_bytes(), tar::EntryType::Regular, b"")
        .assert_code(4)
        .assert_stderr_has(&["..", "EVASION.TXT"]);
}

#[test]
fn tar_member_with_absolute_path_is_refused() {
    verify_tar_with_raw_member(b"/tmp/reprise-evasion.txt", tar::EntryType::Regular, b"")
        .assert_code(4)
        .assert_stderr_has(&["absolu", "/tmp/reprise-evasion.txt"]);
}

#[test]
fn tar_symlink_member_is_refused() {
    let name = format!("{NAME}/DONNEES/LIEN.TXT");
    verify_tar_with_raw_member(name.as_bytes(), tar::EntryType::Symlink, b"/etc/passwd")
        .assert_code(4)
        .assert_stderr_has(&["lien", "LIEN.TXT"]);
}

#[test]
fn tar_hard_link_member_is_refused() {
    let name = format!("{NAME}/DONNEES/DUR.TXT");
    let target = format!("{NAME}/CONTROLE.TXT");
    verify_tar_with_raw_member(name.as_bytes(), tar::EntryType::Link, target.as_bytes())
        .assert_code(4)
        .assert_stderr_has(&["lien", "DUR.TXT"]);
}

/// The folder forms forbid links too (spec 1).
#[test]
fn plain_folder_with_a_symlink_or_a_hard_link_is_refused() {
    let s = Scratch::new();
    let dir = plain(&s, "p");
    std::os::unix::fs::symlink("/etc/hostname", dir.join("DONNEES/LIEN.TXT")).unwrap();
    verify(&s, &dir, &[])
        .assert_code(4)
        .assert_stderr_has(&["lien", "LIEN.TXT"]);
    fs::remove_file(dir.join("DONNEES/LIEN.TXT")).unwrap();
    fs::hard_link(
        dir.join("DONNEES/ITAC_AGENT.TXT"),
        dir.join("DONNEES/AGENT_BIS.TXT"),
    )
    .unwrap();
    verify(&s, &dir, &[])
        .assert_code(4)
        .assert_stderr_has(&["lien"]);
}

// ---------------------------------------------------------------------------------------------
// 7: decompression bombs (the test streams them: nothing of 2 GiB is ever held)

/// A gzip tar of the plain delivery where `bomb` gets 2 GiB of zeros, compressed while they are
/// written; encrypted to an X25519 recipient and verified with the identity.
fn verify_gzip_bomb(replace: Option<&str>, extra: Option<&str>) -> Run {
    let s = Scratch::new();
    let dir = plain(&s, "p");
    let (key, recipient) = keygen(&s, "key.txt");
    let tar = s.join("bomb.tar.gz");
    let mut t = TarOut::create(&tar, true);
    tar_delivery(&mut t, &dir, |t, rel| {
        if let Some(name) = extra
            && rel == "EXTRACTION.LOG"
        {
            // The unlisted member comes right after the metadata, before the data files.
            t.file(&format!("{NAME}/{rel}"), &dir.join(rel));
            t.stream(
                &format!("{NAME}/{name}"),
                TWO_GIB,
                io::repeat(0).take(TWO_GIB),
            );
            return true;
        }
        if Some(rel) == replace {
            t.stream(
                &format!("{NAME}/{rel}"),
                TWO_GIB,
                io::repeat(0).take(TWO_GIB),
            );
            return true;
        }
        false
    });
    t.finish(0);
    assert!(fs::metadata(&tar).unwrap().len() < 64 << 20);
    let out = s.join("t");
    fs::create_dir(&out).unwrap();
    let file = out.join(format!("{NAME}.tar.age"));
    age_encrypt(&recipient, &tar, &file);
    fs::remove_file(&tar).unwrap();
    verify(&s, &file, &["--identity", key.to_str().unwrap()])
}

#[test]
fn gzip_bomb_in_place_of_a_listed_member_is_refused() {
    let run = verify_gzip_bomb(Some("DONNEES/ITAC_AGENT.TXT"), None);
    run.assert_code(4).assert_stderr_has(&["ITAC_AGENT.TXT"]);
    assert!(
        run.stderr.contains("dépasse la taille déclarée")
            || run.stderr.contains("alors que CONTROLE.TXT en déclare"),
        "{}",
        run.show()
    );
}

#[test]
fn gzip_bomb_as_an_unlisted_member_is_refused() {
    verify_gzip_bomb(None, Some("DONNEES/ZEROS.BIN"))
        .assert_code(4)
        .assert_stderr_has(&["dépasse la taille déclarée"]);
}

// ---------------------------------------------------------------------------------------------
// 8-12: NON CONFORME deliveries

#[test]
fn missing_file_is_non_conforme() {
    let s = Scratch::new();
    let dir = plain(&s, "p");
    fs::remove_file(dir.join("DONNEES/ITAC_SUIVI.TXT")).unwrap();
    verify(&s, &dir, &[]).assert_non_conforme_because(&[
        "DONNEES/ITAC_SUIVI.TXT",
        "listé dans CONTROLE.TXT mais absent",
    ]);
}

#[test]
fn unlisted_file_is_non_conforme() {
    let s = Scratch::new();
    let dir = plain(&s, "p");
    fs::write(dir.join("DONNEES/EXTRA.TXT"), "CODE;LIBELLE\r\n1;un\r\n").unwrap();
    verify(&s, &dir, &[])
        .assert_non_conforme_because(&["DONNEES/EXTRA.TXT", "absent de CONTROLE.TXT"]);
}

#[test]
fn checksum_mismatch_is_non_conforme() {
    let s = Scratch::new();
    let dir = plain(&s, "p");
    let path = dir.join("DONNEES/ITAC_AGENT.TXT");
    let mut bytes = fs::read(&path).unwrap();
    let len = bytes.len();
    // First letter of NOM in the first record: same length, same number of records.
    let record = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    let nom = record + bytes[record..].iter().position(|&b| b == b';').unwrap() + 1;
    assert!(bytes[nom].is_ascii_uppercase());
    bytes[nom] = if bytes[nom] == b'Q' { b'R' } else { b'Q' };
    fs::write(&path, &bytes).unwrap();
    assert_eq!(fs::metadata(&path).unwrap().len(), len as u64);
    let run = verify(&s, &dir, &[]);
    run.assert_non_conforme_because(&["DONNEES/ITAC_AGENT.TXT", "SHA-256"]);
    assert_eq!(run.reasons().len(), 1, "{}", run.show());
}

#[test]
fn header_disagreeing_with_descriptif_is_non_conforme() {
    let s = Scratch::new();
    let dir = plain(&s, "p");
    let rel = "DONNEES/ITAC_AGENT.TXT";
    let path = dir.join(rel);
    let bytes = fs::read(&path).unwrap();
    let (old_rows, old_bytes, old_sha) = measure(&dir, rel);
    // The header names NOM, DESCRIPTIF.TXT says NOM: the file calls it NOM_AGENT instead.
    let header_end = bytes.windows(2).position(|w| w == b"\r\n").unwrap();
    let header = String::from_utf8(bytes[..header_end].to_vec()).unwrap();
    assert!(header.split(';').any(|c| c == "NOM"), "{header}");
    let changed: Vec<&str> = header
        .split(';')
        .map(|c| if c == "NOM" { "NOM_AGENT" } else { c })
        .collect();
    let mut out = changed.join(";").into_bytes();
    out.extend_from_slice(&bytes[header_end..]);
    fs::write(&path, &out).unwrap();
    // CONTROLE.TXT agrees with the file as it now is: the header is the only fault.
    let (rows, len, sha) = measure(&dir, rel);
    assert_eq!(rows, old_rows);
    let controle = fs::read_to_string(dir.join("CONTROLE.TXT")).unwrap();
    let before = format!("{rel};{old_rows};{old_bytes};{old_sha}");
    assert!(controle.contains(&before), "{controle}");
    fs::write(
        dir.join("CONTROLE.TXT"),
        controle.replace(&before, &format!("{rel};{rows};{len};{sha}")),
    )
    .unwrap();
    let run = verify(&s, &dir, &[]);
    run.assert_non_conforme_because(&[rel, "NOM_AGENT", "diffère de DESCRIPTIF.TXT"]);
    assert_eq!(run.reasons().len(), 1, "{}", run.show());
}

#[test]
fn row_count_mismatch_is_non_conforme() {
    let s = Scratch::new();
    let dir = plain(&s, "p");
    let (rows, _, _) = measure(&dir, "DONNEES/ITAC_AGENT.TXT");
    let controle = fs::read_to_string(dir.join("CONTROLE.TXT")).unwrap();
    let before = format!("DONNEES/ITAC_AGENT.TXT;{rows};");
    assert!(controle.contains(&before));
    let controle = controle.replace(&before, &format!("DONNEES/ITAC_AGENT.TXT;{};", rows + 1));
    fs::write(dir.join("CONTROLE.TXT"), controle).unwrap();
    let run = verify(&s, &dir, &[]);
    run.assert_non_conforme_because(&["DONNEES/ITAC_AGENT.TXT", "lignes lues"]);
    assert_eq!(run.reasons().len(), 1, "{}", run.show());
}

#[test]
fn log_with_an_error_line_is_non_conforme() {
    let s = Scratch::new();
    let dir = plain(&s, "p");
    insert_log_line_before_end(
        &dir,
        "2008-10-15 20:00:21 ERREUR ORA-01555: snapshot too old: rollback segment number 7 with name \"RBS07\" too small",
    );
    recompute_controle(&dir);
    let run = verify(&s, &dir, &[]);
    run.assert_non_conforme_because(&["EXTRACTION.LOG", "ERREUR ORA-01555"]);
    assert_eq!(run.reasons().len(), 1, "{}", run.show());
    assert_eq!(run.json()["log"]["errors"].as_array().unwrap().len(), 1);
}

#[test]
fn log_without_its_normal_end_is_non_conforme() {
    let s = Scratch::new();
    let dir = plain(&s, "p");
    edit_text(&dir, "EXTRACTION.LOG", |t| {
        let body = t.trim_end_matches("\r\n");
        let last = body.rfind("\r\n").unwrap() + 2;
        assert!(t[last..].contains("INFO FIN NORMALE DU TRAITEMENT"));
        t.truncate(last);
    });
    recompute_controle(&dir);
    let run = verify(&s, &dir, &[]);
    run.assert_non_conforme_because(&["EXTRACTION.LOG", "FIN NORMALE"]);
    assert_eq!(run.reasons().len(), 1, "{}", run.show());
}

// ---------------------------------------------------------------------------------------------
// 13-19: CONFORME deliveries with anomalies or unusual content

#[test]
fn bom_is_skipped_and_reported() {
    let s = Scratch::new();
    let dir = plain(&s, "p");
    let path = dir.join("DONNEES/ITAC_AGENT.TXT");
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend(fs::read(&path).unwrap());
    fs::write(&path, bytes).unwrap();
    recompute_controle(&dir);
    let run = verify(&s, &dir, &[]);
    run.assert_conforme();
    assert_eq!(run.assert_anomaly("bom", "ITAC_AGENT"), 1);
}

#[test]
fn lf_only_line_ends_are_accepted_and_reported() {
    let s = Scratch::new();
    let dir = plain(&s, "p");
    edit_text(&dir, "DONNEES/R_SITFAM.TXT", |t| {
        assert!(t.ends_with("\r\n"));
        *t = t.replace("\r\n", "\n");
    });
    recompute_controle(&dir);
    let run = verify(&s, &dir, &[]);
    run.assert_conforme();
    run.assert_anomaly("line_ending", "R_SITFAM");
}

#[test]
fn utf8_delivery_reads_the_same_values() {
    let s = Scratch::new();
    let dir = plain(&s, "p");
    let original = verify(&s, &dir, &[]);
    original.assert_conforme();
    // Every text file to UTF-8, ENCODAGE=UTF-8.
    for rel in files_of(&dir) {
        let path = dir.join(&rel);
        let bytes = fs::read(&path).unwrap();
        let (text, bad) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes);
        assert!(!bad);
        let mut text = text.into_owned();
        if rel == "LISEZMOI.TXT" {
            assert!(text.contains("ENCODAGE=WINDOWS-1252\r\n"));
            text = text.replace("ENCODAGE=WINDOWS-1252\r\n", "ENCODAGE=UTF-8\r\n");
        }
        if rel == "EXTRACTION.LOG" {
            text = text.replace(
                "ENCODAGE DES FICHIERS : WINDOWS-1252",
                "ENCODAGE DES FICHIERS : UTF-8",
            );
        }
        fs::write(&path, text).unwrap();
    }
    recompute_controle(&dir);
    let utf8 = verify(&s, &dir, &[]);
    utf8.assert_conforme();
    let (a, b) = (original.json(), utf8.json());
    assert!(
        b["delivery"]["encoding"]
            .as_str()
            .unwrap()
            .eq_ignore_ascii_case("UTF-8"),
        "{}",
        utf8.show()
    );
    assert!(!utf8.stdout.contains('\u{FFFD}'), "{}", utf8.show());
    // Same tables (names, labels, rows) and same anomalies, example values included.
    assert_eq!(a["tables"], b["tables"]);
    assert_eq!(original.groups(), utf8.groups());
    assert_eq!(a["anomalies"], b["anomalies"]);
    // And accented text went through both.
    let accented = |v: &serde_json::Value| {
        let t = serde_json::to_string(&v["tables"]).unwrap()
            + &serde_json::to_string(&v["anomalies"]).unwrap();
        t.chars().any(|c| ('À'..='ÿ').contains(&c))
    };
    assert!(accented(&a) && accented(&b), "{}", utf8.show());
}

#[test]
fn too_many_and_too_few_fields_are_anomalies() {
    let s = Scratch::new();
    let dir = plain(&s, "p");
    edit_text(&dir, "DONNEES/ITAC_AGENT.TXT", |t| {
        let mut lines: Vec<String> = t.split("\r\n").map(str::to_string).collect();
        assert_eq!(lines[0], "NUM_AGENT;NOM;PRENOM;QUALITE");
        lines[1].push_str(";EN TROP");
        let cut = lines[2].rfind(';').unwrap();
        lines[2].truncate(cut);
        *t = lines.join("\r\n");
    });
    recompute_controle(&dir);
    let run = verify(&s, &dir, &[]);
    run.assert_conforme();
    assert_eq!(run.assert_anomaly("field_count", "ITAC_AGENT"), 2);
}

// A 50 MB field, a 2 GiB line and a tar of countless tiny files: tests/robustness.rs (refused,
// with the peak memory measured).

#[test]
fn empty_table_is_conforme() {
    let s = Scratch::new();
    let dir = plain(&s, "p");
    edit_text(&dir, "DONNEES/ITAC_SUIVI.TXT", |t| {
        let header_end = t.find("\r\n").unwrap() + 2;
        t.truncate(header_end);
    });
    set_log_count(&dir, "ITAC_SUIVI", 0);
    recompute_controle(&dir);
    assert!(
        fs::read_to_string(dir.join("CONTROLE.TXT"))
            .unwrap()
            .contains("DONNEES/ITAC_SUIVI.TXT;0;")
    );
    let run = verify(&s, &dir, &[]);
    run.assert_conforme();
    let tables = run.json()["tables"].clone();
    let suivi = tables
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "ITAC_SUIVI")
        .unwrap_or_else(|| panic!("no ITAC_SUIVI in {tables:#}"))
        .clone();
    assert_eq!(suivi["rows"], 0, "{suivi:#}");
}

#[test]
fn table_outside_the_lists_but_described_is_loaded() {
    let s = Scratch::new();
    let dir = plain(&s, "p");
    add_extra_table(&dir);
    recompute_controle(&dir);
    let run = verify(&s, &dir, &[]);
    run.assert_conforme();
    let tables = run.json()["tables"].clone();
    let extra = tables
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "T_EXTRA")
        .unwrap_or_else(|| panic!("no T_EXTRA in {tables:#}"))
        .clone();
    assert_eq!(extra["rows"], 2, "{extra:#}");
    assert_eq!(extra["label"], "Table supplémentaire", "{extra:#}");
    assert_eq!(extra["file"], "DONNEES/T_EXTRA.TXT", "{extra:#}");
}
