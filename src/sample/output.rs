//! The physical forms of a generated delivery (spec section 1): a single `.tar.age` (tar, gzip or
//! not, binary or armored age), a folder of files encrypted one by one, or a plain folder; plus the
//! fixed files (LISEZMOI.TXT, DESCRIPTIF.TXT, EXTRACTION.LOG, CONTROLE.TXT) and `defects.json`.
//!
//! A tar member must announce its size before its bytes, and CONTROLE.TXT comes first in the
//! archive so that a reader knows every size before it reads a byte of data. So the tar form runs
//! the generators twice: once to count, hash and find the defects, once to write. Generation is
//! deterministic, and the second pass checks that it wrote exactly what the first one counted.

use super::emit::{Defect, Emitter, FileSpec, FileStats};
use super::{AppModel, Ctx, SampleError, SampleOptions};
use crate::format::{self, dialect, encoding};
use age::secrecy::SecretString;
use chrono::{Datelike, Duration, NaiveDateTime};
use flate2::write::GzEncoder;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Physical form of the delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Form {
    /// One `.tar.age` file.
    #[value(help = "un seul fichier .tar.age")]
    Tar,
    /// A folder whose files are each encrypted (`.age`).
    #[value(help = "un dossier de fichiers .age chiffrés un à un")]
    Folder,
    /// A folder in clear.
    #[value(help = "un dossier en clair")]
    Plain,
}

/// How the delivery is encrypted.
pub enum Encryption {
    Passphrase(SecretString),
    Recipients(Vec<age::x25519::Recipient>),
}

/// What was written.
#[derive(Debug)]
pub struct SampleSummary {
    pub delivery: PathBuf,
    pub defects_file: PathBuf,
    pub files: Vec<FileStats>,
    pub defects: usize,
}

type EncWriter = age::stream::StreamWriter<age::armor::ArmoredWriter<BufWriter<File>>>;

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> SampleError + '_ {
    move |source| SampleError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn encrypted_writer(opts: &SampleOptions, path: &Path) -> Result<EncWriter, SampleError> {
    let enc = opts.encryption.as_ref().ok_or_else(|| {
        SampleError::Options(
            "une phrase de passe ou un destinataire age est nécessaire pour chiffrer".into(),
        )
    })?;
    let encryptor = match enc {
        Encryption::Passphrase(p) => {
            let mut r = age::scrypt::Recipient::new(p.clone());
            if let Some(w) = opts.work_factor {
                r.set_work_factor(w);
            }
            age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))
        }
        Encryption::Recipients(list) => {
            age::Encryptor::with_recipients(list.iter().map(|r| r as &dyn age::Recipient))
        }
    }
    .map_err(|e| SampleError::Encrypt(e.to_string()))?;
    let file = BufWriter::with_capacity(1 << 20, File::create(path).map_err(io_err(path))?);
    let format = if opts.armor {
        age::armor::Format::AsciiArmor
    } else {
        age::armor::Format::Binary
    };
    let armored = age::armor::ArmoredWriter::wrap_output(file, format).map_err(io_err(path))?;
    encryptor.wrap_output(armored).map_err(io_err(path))
}

fn finish_encrypted(w: EncWriter, path: &Path) -> Result<(), SampleError> {
    let armored = w.finish().map_err(io_err(path))?;
    let mut file = armored.finish().map_err(io_err(path))?;
    file.flush().map_err(io_err(path))?;
    file.into_inner()
        .map_err(|e| io_err(path)(e.into_error()))?
        .sync_all()
        .map_err(io_err(path))
}

/// The data files of a delivery: one per table, FINESS.TXT for the two FINESS tables.
fn data_files(model: &AppModel, ctx: &Ctx) -> Vec<FileSpec> {
    let tables = &model.tables.descriptif.tables;
    let mut files: Vec<FileSpec> = Vec::new();
    for (i, t) in tables.iter().enumerate() {
        if t.name.starts_with("REF_FINESS") {
            if let Some(f) = files.iter_mut().find(|f| f.path == format::FINESS_FILE) {
                f.tables.push(i);
                continue;
            }
            let version = 40 + ctx.extraction.year() % 50;
            let date = ctx.extraction - Duration::days(15);
            files.push(FileSpec {
                path: format::FINESS_FILE.to_string(),
                tables: vec![i],
                first_line: format!("finess;etalab;{version};{}", date.format("%Y-%m-%d")),
            });
        } else {
            let path = if t.name == "REF_RAMSESE" {
                format::RAMSESE_FILE.to_string()
            } else {
                format!("{}/{}.TXT", format::DATA_DIR, t.name)
            };
            files.push(FileSpec {
                path,
                tables: vec![i],
                first_line: t.header(),
            });
        }
    }
    files
}

fn encode_lines(lines: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        let ok = encoding::encode_cp1252(l, &mut out);
        debug_assert!(ok, "{l}");
        out.extend_from_slice(dialect::CRLF);
    }
    out
}

fn centre(dep: &str) -> &'static str {
    match dep.as_bytes().iter().map(|&b| u32::from(b)).sum::<u32>() % 3 {
        0 => "CESIAN",
        1 => "Rennes",
        _ => "Versailles",
    }
}

fn start_time(ctx: &Ctx) -> NaiveDateTime {
    ctx.extraction.and_hms_opt(20, 0, 0).expect("valid time")
}

fn lisezmoi(ctx: &Ctx) -> Vec<String> {
    let app = ctx.app.name();
    let mut l = vec![
        "FORMAT=REPRISE-MDPH 1".to_string(),
        format!("APPLICATION={app}"),
        format!("VERSION={}", ctx.app.version()),
        format!("DEPARTEMENT={}", ctx.dep),
        format!("LIBELLE_DEPARTEMENT={}", ctx.dep_name),
        format!("CENTRE={}", centre(&ctx.dep)),
        format!(
            "DATE_EXTRACTION={}",
            start_time(ctx).format("%d/%m/%Y %H:%M:%S")
        ),
        format!("ENCODAGE={}", encoding::DEFAULT_LABEL),
        "SEPARATEUR=;".to_string(),
        "FORMAT_DATE=JJ/MM/AAAA".to_string(),
        "SEPARATEUR_DECIMAL=,".to_string(),
        String::new(),
    ];
    let what = match ctx.app {
        super::App::Itac => "dossiers adultes de l'ancienne COTOREP (application ITAC)",
        super::App::Opales => "dossiers enfants de l'ancienne CDES (application OPALES)",
    };
    l.extend([
        format!("Fichiers de reprise : {what},"),
        format!("département {} ({}), extraction exhaustive de la base de production.", ctx.dep, ctx.dep_name),
        "Chaque table est livrée dans DONNEES/<TABLE>.TXT, décrite dans DESCRIPTIF.TXT ;".to_string(),
        "CONTROLE.TXT donne pour chaque fichier son nombre de lignes, sa taille et son empreinte SHA-256.".to_string(),
        "La MDPH dispose de 15 jours ouvrés à compter de la réception pour vérifier la lisibilité".to_string(),
        "des fichiers ; passé ce délai, la livraison est réputée acceptée.".to_string(),
    ]);
    l
}

fn extraction_log(ctx: &Ctx, model: &AppModel, counts: &[(String, u64)]) -> Vec<String> {
    let mut t = start_time(ctx);
    let app = ctx.app.name();
    let mut l = Vec::new();
    let mut line = |t: NaiveDateTime, level: &str, msg: String| {
        l.push(format!("{} {level} {msg}", t.format("%Y-%m-%d %H:%M:%S")));
    };
    line(
        t,
        "INFO",
        format!(
            "DEBUT DU TRAITEMENT D'EXTRACTION {app} - DEPARTEMENT {}",
            ctx.dep
        ),
    );
    t += Duration::seconds(2);
    line(
        t,
        "INFO",
        format!("CONNEXION A LA BASE {app}{} ETABLIE", ctx.dep),
    );
    line(
        t,
        "INFO",
        format!("ENCODAGE DES FICHIERS : {}", encoding::DEFAULT_LABEL),
    );
    for table in &model.tables.descriptif.tables {
        let n = counts.iter().find(|c| c.0 == table.name).map_or(0, |c| c.1);
        t += Duration::seconds(1 + (n / 15_000) as i64);
        line(
            t,
            "INFO",
            format!("TABLE {} : {n} LIGNES EXTRAITES", table.name),
        );
        if table.name == "ITAC_JOURNAL" {
            line(
                t,
                "ATTENTION",
                "TABLE ITAC_JOURNAL : CONNEXIONS ANTERIEURES AU 01/01/2003 PURGEES".into(),
            );
        }
        if table.name == "REF_FINESS_GEO" {
            line(
                t,
                "ATTENTION",
                "REF_FINESS_GEO : ETABLISSEMENTS SANS COORDONNEES NON EXTRAITS".into(),
            );
        }
    }
    t += Duration::seconds(3);
    line(
        t,
        "INFO",
        "CALCUL DES EMPREINTES SHA-256 ET ECRITURE DE CONTROLE.TXT".into(),
    );
    t += Duration::seconds(1);
    line(t, "INFO", "FIN NORMALE DU TRAITEMENT".into());
    l
}

fn stats_of(path: &str, bytes: &[u8], records: u64) -> FileStats {
    use sha2::Digest;
    FileStats {
        path: path.to_string(),
        records,
        bytes: bytes.len() as u64,
        sha256: sha2::Sha256::digest(bytes).into(),
    }
}

/// LISEZMOI.TXT, DESCRIPTIF.TXT and EXTRACTION.LOG, with their statistics.
fn fixed_files(
    ctx: &Ctx,
    model: &AppModel,
    emitter_counts: &[(String, u64)],
) -> Vec<(FileStats, Vec<u8>)> {
    let lis = lisezmoi(ctx);
    let lis_bytes = encode_lines(&lis);
    let mut desc_bytes = Vec::new();
    let records = model.tables.descriptif.to_records();
    for r in &records {
        let enc: Vec<Vec<u8>> = r
            .iter()
            .map(|f| {
                let mut b = Vec::new();
                encoding::encode_cp1252(f, &mut b);
                b
            })
            .collect();
        dialect::push_record(&mut desc_bytes, enc.iter().map(|b| b.as_slice()));
    }
    let log = extraction_log(ctx, model, emitter_counts);
    let log_bytes = encode_lines(&log);
    vec![
        (
            stats_of(format::LISEZMOI, &lis_bytes, lis.len() as u64),
            lis_bytes,
        ),
        (
            stats_of(format::DESCRIPTIF, &desc_bytes, records.len() as u64 - 1),
            desc_bytes,
        ),
        (
            stats_of(format::EXTRACTION_LOG, &log_bytes, log.len() as u64),
            log_bytes,
        ),
    ]
}

fn controle(stats: &[FileStats]) -> Vec<u8> {
    let mut lines = vec![format::CONTROLE_HEADER.to_string()];
    lines.extend(
        stats
            .iter()
            .map(|s| format!("{};{};{};{}", s.path, s.records, s.bytes, s.sha_hex())),
    );
    encode_lines(&lines)
}

/// Records per table, for the log.
fn table_counts(model: &AppModel, per_table: &[u64]) -> Vec<(String, u64)> {
    model
        .tables
        .descriptif
        .tables
        .iter()
        .zip(per_table)
        .map(|(t, n)| (t.name.clone(), *n))
        .collect()
}

/// `defects.json`: the delivery, the options that made it and every defect it holds.
#[derive(serde::Serialize)]
struct DefectsFile<'a> {
    delivery: &'a str,
    application: &'a str,
    seed: u64,
    persons: u32,
    defects: &'a [Defect],
}

fn write_defects(
    path: &Path,
    name: &str,
    opts: &SampleOptions,
    defects: &[Defect],
) -> Result<(), SampleError> {
    let file = File::create(path).map_err(io_err(path))?;
    let mut w = BufWriter::new(file);
    let doc = DefectsFile {
        delivery: name,
        application: opts.app.name(),
        seed: opts.seed,
        persons: opts.persons,
        defects,
    };
    serde_json::to_writer_pretty(&mut w, &doc).map_err(|e| io_err(path)(e.into()))?;
    w.write_all(b"\n").map_err(io_err(path))?;
    w.flush().map_err(io_err(path))
}

struct Cleanup(Option<PathBuf>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            if p.is_dir() {
                let _ = fs::remove_dir_all(&p);
            } else {
                let _ = fs::remove_file(&p);
            }
        }
    }
}

pub(super) fn write_delivery(
    opts: &SampleOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<SampleSummary, SampleError> {
    let ctx = Ctx::new(
        opts.app,
        &opts.dep,
        opts.extraction,
        opts.persons,
        opts.seed,
    )?;
    let model = AppModel::new(opts.app);
    let name = format::delivery_name(
        opts.app.name(),
        &ctx.dep,
        &opts.extraction.format("%Y%m%d").to_string(),
    );
    fs::create_dir_all(&opts.out).map_err(io_err(&opts.out))?;
    let final_path = match opts.form {
        Form::Tar => opts.out.join(format!("{name}.tar.age")),
        _ => opts.out.join(&name),
    };
    let defects_path = opts.out.join(format!("{name}.defects.json"));
    if final_path.exists() {
        return Err(SampleError::Exists(final_path));
    }
    if opts.form != Form::Plain && opts.encryption.is_none() {
        return Err(SampleError::Options(
            "une phrase de passe (--passphrase-file) ou un destinataire (--recipient) est nécessaire pour une livraison chiffrée".into(),
        ));
    }
    if opts.gzip && opts.form != Form::Tar {
        return Err(SampleError::Options(
            "--gzip ne s'applique qu'à la forme tar".into(),
        ));
    }
    let tmp = opts.out.join(format!(".{name}.part"));
    let _ = fs::remove_dir_all(&tmp);
    let _ = fs::remove_file(&tmp);
    let mut cleanup = Cleanup(Some(tmp.clone()));
    let specs = data_files(&model, &ctx);
    let (files, defects) = match opts.form {
        Form::Tar => write_tar(opts, &ctx, &model, &specs, &name, &tmp, progress)?,
        Form::Plain | Form::Folder => write_folder(opts, &ctx, &model, &specs, &tmp, progress)?,
    };
    fs::rename(&tmp, &final_path).map_err(io_err(&final_path))?;
    cleanup.0 = None;
    write_defects(&defects_path, &name, opts, &defects)?;
    Ok(SampleSummary {
        delivery: final_path,
        defects_file: defects_path,
        defects: defects.len(),
        files,
    })
}

fn emitter<'w>(
    opts: &SampleOptions,
    model: &AppModel,
    specs: &[FileSpec],
    record: bool,
) -> Emitter<'w> {
    Emitter::new(
        opts.seed,
        model.emitter_tables(opts.app),
        specs.to_vec(),
        record,
    )
}

fn per_table_counts(e: &Emitter, n: usize) -> Vec<u64> {
    (0..n).map(|t| e.records(t)).collect()
}

type Written = (Vec<FileStats>, Vec<Defect>);

fn write_folder(
    opts: &SampleOptions,
    ctx: &Ctx,
    model: &AppModel,
    specs: &[FileSpec],
    dir: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<Written, SampleError> {
    let encrypt = opts.form == Form::Folder;
    let suffix = if encrypt { ".age" } else { "" };
    for sub in [format::DATA_DIR, format::REFERENTIALS_DIR] {
        let needed = specs.iter().any(|s| s.path.starts_with(sub));
        if needed || sub == format::DATA_DIR {
            fs::create_dir_all(dir.join(sub)).map_err(io_err(dir))?;
        }
    }
    enum Out {
        Plain(BufWriter<File>),
        Enc(EncWriter),
    }
    impl Write for Out {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            match self {
                Out::Plain(w) => w.write(b),
                Out::Enc(w) => w.write(b),
            }
        }
        fn flush(&mut self) -> io::Result<()> {
            match self {
                Out::Plain(w) => w.flush(),
                Out::Enc(w) => w.flush(),
            }
        }
    }
    let open = |path: &Path| -> Result<Out, SampleError> {
        if encrypt {
            Ok(Out::Enc(encrypted_writer(opts, path)?))
        } else {
            Ok(Out::Plain(BufWriter::with_capacity(
                1 << 20,
                File::create(path).map_err(io_err(path))?,
            )))
        }
    };
    let close = |out: Out, path: &Path| -> Result<(), SampleError> {
        match out {
            Out::Enc(w) => finish_encrypted(w, path),
            Out::Plain(mut w) => {
                w.flush().map_err(io_err(path))?;
                w.get_ref().sync_all().map_err(io_err(path))
            }
        }
    };
    let paths: Vec<PathBuf> = specs
        .iter()
        .map(|s| dir.join(format!("{}{suffix}", s.path)))
        .collect();
    let mut outs = paths
        .iter()
        .map(|p| open(p))
        .collect::<Result<Vec<_>, _>>()?;
    let (mut stats, defects, counts) = {
        let mut e = emitter(opts, model, specs, true);
        for (fi, out) in outs.iter_mut().enumerate() {
            e.open(fi, Box::new(out)).map_err(io_err(&paths[fi]))?;
        }
        progress(&format!("génération de {} tables", specs.len()));
        model.generate(ctx, &mut e).map_err(io_err(dir))?;
        let mut stats = Vec::new();
        for (fi, path) in paths.iter().enumerate() {
            stats.push(e.close(fi).map_err(io_err(path))?.1);
        }
        let counts = per_table_counts(&e, model.tables.descriptif.tables.len());
        (stats, e.take_defects(), counts)
    };
    for (out, path) in outs.into_iter().zip(&paths) {
        close(out, path)?;
    }
    let mut all = Vec::new();
    for (s, bytes) in fixed_files(ctx, model, &table_counts(model, &counts)) {
        let path = dir.join(format!("{}{suffix}", s.path));
        let mut out = open(&path)?;
        out.write_all(&bytes).map_err(io_err(&path))?;
        close(out, &path)?;
        all.push(s);
    }
    all.append(&mut stats);
    let control = controle(&all);
    let path = dir.join(format!("{}{suffix}", format::CONTROLE));
    let mut out = open(&path)?;
    out.write_all(&control).map_err(io_err(&path))?;
    close(out, &path)?;
    for s in &all {
        progress(&format!(
            "{} : {} lignes, {} octets",
            s.path, s.records, s.bytes
        ));
    }
    Ok((all, defects))
}

fn tar_header(path: &str, size: u64, mtime: u64, dir: bool) -> io::Result<tar::Header> {
    let mut h = tar::Header::new_ustar();
    h.set_path(path)?;
    h.set_size(size);
    h.set_mode(if dir { 0o755 } else { 0o644 });
    h.set_mtime(mtime);
    h.set_uid(0);
    h.set_gid(0);
    h.set_entry_type(if dir {
        tar::EntryType::Directory
    } else {
        tar::EntryType::Regular
    });
    h.set_cksum();
    Ok(h)
}

fn pad(w: &mut impl Write, size: u64) -> io::Result<()> {
    let rem = (size % 512) as usize;
    if rem != 0 {
        w.write_all(&[0u8; 512][..512 - rem])?;
    }
    Ok(())
}

enum TarOut {
    Plain(EncWriter),
    Gz(GzEncoder<EncWriter>),
}

impl Write for TarOut {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        match self {
            TarOut::Plain(w) => w.write(b),
            TarOut::Gz(w) => w.write(b),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            TarOut::Plain(w) => w.flush(),
            TarOut::Gz(w) => w.flush(),
        }
    }
}

fn write_tar(
    opts: &SampleOptions,
    ctx: &Ctx,
    model: &AppModel,
    specs: &[FileSpec],
    name: &str,
    path: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<Written, SampleError> {
    // Pass 1: count, hash, find defects.
    progress("première passe : comptage et empreintes");
    let (data_stats, defects, counts) = {
        let mut e = emitter(opts, model, specs, true);
        for fi in 0..specs.len() {
            e.open(fi, Box::new(io::sink())).map_err(io_err(path))?;
        }
        model.generate(ctx, &mut e).map_err(io_err(path))?;
        let stats = (0..specs.len())
            .map(|fi| e.close(fi).map(|x| x.1))
            .collect::<io::Result<Vec<_>>>()
            .map_err(io_err(path))?;
        let counts = per_table_counts(&e, model.tables.descriptif.tables.len());
        (stats, e.take_defects(), counts)
    };
    let fixed = fixed_files(ctx, model, &table_counts(model, &counts));
    let mut all: Vec<FileStats> = fixed.iter().map(|f| f.0.clone()).collect();
    all.extend(data_stats.iter().cloned());
    let control = controle(&all);

    // Pass 2: the archive.
    progress("seconde passe : écriture de l'archive chiffrée");
    let enc = encrypted_writer(opts, path)?;
    let mut out = if opts.gzip {
        TarOut::Gz(flate2::GzBuilder::new().write(enc, flate2::Compression::default()))
    } else {
        TarOut::Plain(enc)
    };
    let mtime = start_time(ctx).and_utc().timestamp().max(0) as u64;
    let err = io_err(path);
    let write_member = |out: &mut TarOut, rel: &str, bytes: &[u8]| -> io::Result<()> {
        let h = tar_header(&format!("{name}/{rel}"), bytes.len() as u64, mtime, false)?;
        out.write_all(h.as_bytes())?;
        out.write_all(bytes)?;
        pad(out, bytes.len() as u64)
    };
    let result: io::Result<()> = (|| {
        for dir in ["", "DONNEES/", "REFERENTIELS/"] {
            if dir == "REFERENTIELS/"
                && !specs
                    .iter()
                    .any(|s| s.path.starts_with(format::REFERENTIALS_DIR))
            {
                continue;
            }
            out.write_all(tar_header(&format!("{name}/{dir}"), 0, mtime, true)?.as_bytes())?;
        }
        write_member(&mut out, format::LISEZMOI, &fixed[0].1)?;
        write_member(&mut out, format::CONTROLE, &control)?;
        write_member(&mut out, format::DESCRIPTIF, &fixed[1].1)?;
        write_member(&mut out, format::EXTRACTION_LOG, &fixed[2].1)?;
        for (fi, spec) in specs.iter().enumerate() {
            let expected = &data_stats[fi];
            out.write_all(
                tar_header(
                    &format!("{name}/{}", spec.path),
                    expected.bytes,
                    mtime,
                    false,
                )?
                .as_bytes(),
            )?;
            let mut e = emitter(opts, model, specs, false);
            e.open(fi, Box::new(&mut out))?;
            model.generate(ctx, &mut e)?;
            let (_, got) = e.close(fi)?;
            drop(e);
            if &got != expected {
                return Err(io::Error::other(format!(
                    "génération non déterministe pour {} : {} octets au lieu de {}",
                    spec.path, got.bytes, expected.bytes
                )));
            }
            pad(&mut out, expected.bytes)?;
            progress(&format!(
                "{} : {} lignes, {} octets",
                spec.path, expected.records, expected.bytes
            ));
        }
        out.write_all(&[0u8; 1024])?;
        Ok(())
    })();
    result.map_err(err)?;
    let enc = match out {
        TarOut::Plain(w) => w,
        TarOut::Gz(g) => g.finish().map_err(io_err(path))?,
    };
    finish_encrypted(enc, path)?;
    Ok((all, defects))
}
