//! Compatibility with independent implementations (issue 7): deliveries encrypted by the real
//! `age` CLI (a passphrase typed at its prompt through a pseudo-terminal, or X25519 recipients from
//! `age-keygen`; binary or armored; tar gzip-compressed or not; one file or a folder of `.age`
//! files) are read; the store opens with an SQLCipher client that shares no code with Reprise
//! (Python's `sqlcipher3`), given the store passphrase.

#[path = "common/deliveries.rs"]
mod deliveries;
#[path = "common/store_env.rs"]
mod store_env;

use deliveries::*;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The plain delivery as a tar (gzip-compressed or not).
fn tar_of(s: &Scratch, dir: &Path, gzip: bool) -> PathBuf {
    let tar = s.join(&format!("clear-{gzip}.tar"));
    let mut t = TarOut::create(&tar, gzip);
    tar_delivery(&mut t, dir, |_, _| false);
    t.finish(0);
    tar
}

/// `age -p [-a] -o OUTPUT INPUT` with the passphrase typed at age's prompt: age reads it from
/// its terminal, so it runs under `script`, which gives it a pseudo-terminal fed from our stdin.
fn age_passphrase_through_a_pty(input: &Path, output: &Path, armor: bool, passphrase: &str) {
    let command = format!(
        "age -p {}-o '{}' '{}'",
        if armor { "-a " } else { "" },
        output.display(),
        input.display()
    );
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("`script` (util-linux) runs age in a pseudo-terminal");
    let mut stdin = child.stdin.take().unwrap();
    // Typed once, then again to confirm; the pseudo-terminal keeps what is typed until age
    // reads it at its prompt.
    for _ in 0..2 {
        std::thread::sleep(std::time::Duration::from_millis(200));
        stdin
            .write_all(format!("{passphrase}\r").as_bytes())
            .unwrap();
        stdin.flush().unwrap();
    }
    // Our end of the terminal stays open until age is done (scrypt takes a while): closing it
    // could end the session first.
    let status = child.wait().unwrap();
    drop(stdin);
    let out = std::process::Output {
        status,
        stdout: read_all(child.stdout.take()),
        stderr: read_all(child.stderr.take()),
    };
    assert!(
        out.status.success() && output.is_file(),
        "age -p through a pty failed ({})\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn read_all(r: Option<impl std::io::Read>) -> Vec<u8> {
    let mut v = Vec::new();
    if let Some(mut r) = r {
        let _ = r.read_to_end(&mut v);
    }
    v
}

#[test]
fn tar_deliveries_encrypted_by_the_age_cli_with_a_passphrase_are_read() {
    let s = Scratch::new();
    let dir = plain(&s, "p");
    let pw = s.passphrase_file("pw", PASSPHRASE);
    for (gzip, armor) in [(false, false), (true, true)] {
        let tar = tar_of(&s, &dir, gzip);
        let out = s.join(&format!("out-{gzip}-{armor}"));
        fs::create_dir(&out).unwrap();
        let age = out.join(format!("{NAME}.tar.age"));
        age_passphrase_through_a_pty(&tar, &age, armor, PASSPHRASE);
        let head = fs::read(&age).unwrap();
        assert_eq!(
            head.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"),
            armor
        );
        verify(&s, &age, &["--passphrase-file", pw.to_str().unwrap()]).assert_conforme();
        // And a wrong passphrase is told as such.
        let wrong = s.passphrase_file("wrong", "pas la bonne phrase");
        verify(&s, &age, &["--passphrase-file", wrong.to_str().unwrap()]).assert_code(3);
    }
}

#[test]
fn deliveries_encrypted_by_the_age_cli_to_recipients_are_read() {
    let s = Scratch::new();
    let dir = plain(&s, "p");
    let (key, recipient) = keygen(&s, "key.txt");
    // One file, armored, plain tar.
    let tar = tar_of(&s, &dir, false);
    let out = s.join("armored");
    fs::create_dir(&out).unwrap();
    let age = out.join(format!("{NAME}.tar.age"));
    run_tool(
        "age",
        &[
            "-a",
            "-r",
            &recipient,
            "-o",
            age.to_str().unwrap(),
            tar.to_str().unwrap(),
        ],
    );
    verify(&s, &age, &["--identity", key.to_str().unwrap()]).assert_conforme();
    // The folder form: every file encrypted on its own by the CLI, `.age` appended.
    let folder = s.join("dvd").join(NAME);
    for rel in files_of(&dir) {
        let target = folder.join(format!("{rel}.age"));
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        age_encrypt(&recipient, &dir.join(&rel), &target);
    }
    let run = verify(&s, &folder, &["--identity", key.to_str().unwrap()]);
    run.assert_conforme();
    // A second identity that is not a recipient cannot decrypt.
    let (other, _) = keygen(&s, "other.txt");
    verify(&s, &folder, &["--identity", other.to_str().unwrap()]).assert_code(3);
}

#[test]
fn the_store_opens_with_an_independent_sqlcipher_client() {
    let env = store_env::StoreEnv::new();
    let script = r#"
import sys
try:
    import sqlcipher3
except ImportError:
    sys.exit("python3 -m pip install sqlcipher3-binary")
c = sqlcipher3.connect(sys.argv[1])
c.execute("PRAGMA key = '%s'" % sys.argv[2].replace("'", "''"))
print(c.execute("PRAGMA cipher_version").fetchone()[0])
print(c.execute("SELECT value FROM _meta WHERE key = 'format'").fetchone()[0])
print(c.execute("SELECT count(*) FROM ITAC__ITAC_DOSSIER").fetchone()[0])
print(c.execute("SELECT row_count FROM _tables WHERE name = 'ITAC_DOSSIER'").fetchone()[0])
print(c.execute("SELECT NOM_NAISSANCE FROM ITAC__ITAC_DOSSIER WHERE rowid = 1").fetchone()[0])
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(env.store())
        .arg(store_env::STORE_PASS)
        .output()
        .expect("python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with('4'), "SQLCipher 4: {stdout}");
    assert_eq!(lines[1], reprise::store::STORE_FORMAT);
    assert_eq!(lines[2], lines[3], "row count kept = rows present");
    assert!(lines[2].parse::<u64>().unwrap() > 1000);
    // The same first name as Reprise reads.
    let s = reprise::store::Store::open(&env.store(), &store_env::STORE_PASS.to_string().into())
        .unwrap();
    let first: String = s
        .connection()
        .query_row(
            "SELECT NOM_NAISSANCE FROM ITAC__ITAC_DOSSIER WHERE rowid = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(lines[4], first);
    // Without the passphrase, the independent client reads nothing.
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(env.store())
        .arg("pas-la-bonne-phrase")
        .output()
        .unwrap();
    assert!(!out.status.success());
}
