//! A store built from the bundled ITAC sample in a scratch folder, and `reprise` run on it as an
//! agent would: its own HOME, TMPDIR and REPRISE_HOME inside the folder (so that what the tool
//! writes can be inspected), a known OS user, the store passphrase from a file.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const STORE_PASS: &str = "phrase-de-passe-de-la-base-2008";

pub struct StoreEnv {
    dir: tempfile::TempDir,
}

impl StoreEnv {
    /// The ITAC sample imported into `base/reprise.base`.
    pub fn new() -> StoreEnv {
        let dir = tempfile::tempdir().unwrap();
        for d in ["base", "tmp", "home"] {
            std::fs::create_dir(dir.path().join(d)).unwrap();
        }
        std::fs::write(dir.path().join("demo-pass"), "demo-reprise-2008\n").unwrap();
        std::fs::write(dir.path().join("store-pass"), format!("{STORE_PASS}\n")).unwrap();
        std::fs::write(dir.path().join("wrong-pass"), "pas-la-bonne-phrase\n").unwrap();
        let env = StoreEnv { dir };
        let itac = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("sample-data/REPRISE_ITAC_059_20081015.tar.age");
        let out = env.run(&[
            "import",
            itac.to_str().unwrap(),
            "--passphrase-file",
            env.p("demo-pass").to_str().unwrap(),
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        env
    }

    pub fn p(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn store(&self) -> PathBuf {
        self.p("base").join("reprise.base")
    }

    /// `reprise ARGS --store BASE [--store-passphrase-file PASS]`.
    pub fn run_with(&self, args: &[&str], pass: Option<&str>) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_reprise"));
        c.args(args).arg("--store").arg(self.store());
        if let Some(pass) = pass {
            c.arg("--store-passphrase-file").arg(self.p(pass));
        }
        c.env("USER", "agent.accueil")
            .env("TMPDIR", self.p("tmp"))
            .env("HOME", self.p("home"))
            .env("REPRISE_HOME", self.p("home"))
            .env_remove("REPRISE_STORE_PASSPHRASE")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// With the store passphrase.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, Some("store-pass"))
    }

    pub fn stdout(&self, args: &[&str]) -> String {
        String::from_utf8_lossy(&self.run(args).stdout).into_owned()
    }

    /// The journal opened directly with SQLCipher, to tamper with it.
    pub fn raw_journal(&self) -> rusqlite::Connection {
        let c = reprise::store::connect(
            &reprise::audit::journal_path(&self.store()),
            rusqlite::OpenFlags::default(),
        )
        .unwrap();
        c.pragma_update(None, "key", STORE_PASS).unwrap();
        c
    }
}

/// Every file under `dir`, at any depth.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}
