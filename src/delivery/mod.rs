//! A delivery as it arrives (spec section 1): a single `.tar.age` (binary or armored, tar possibly
//! gzip-compressed), a folder of files encrypted one by one, or a plain folder. This module opens
//! it, decrypts it with a passphrase or an X25519 identity file, and hands its files, one by one
//! and streaming, to whoever reads them, refusing what the format forbids before reading it: paths
//! that are absolute, hold `..` or are links, members or streams larger than declared.
//! Nothing decrypted is ever written to disk here. Decryption (and gzip) runs on the reader's
//! thread, as the reader asks for bytes: a thread of its own a few buffers ahead made `reprise
//! verify` slower (a third thread on two cores, one more copy of every byte), and an import no
//! faster.

mod limits;

pub use limits::{Counter, LimitedReader};

use age::secrecy::SecretString;
use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufReader, Read};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use thiserror::Error;

/// Largest scrypt work factor accepted (2^20: 1 GiB of memory for the key derivation).
pub const MAX_WORK_FACTOR: u8 = 20;

/// How to decrypt.
pub enum Secret {
    Passphrase(SecretString),
    IdentityFile(PathBuf),
}

/// The physical form of a delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Form {
    /// One age file holding a tar archive.
    Archive,
    /// A folder whose files are encrypted one by one.
    EncryptedFolder,
    /// A folder already decrypted.
    PlainFolder,
}

impl Form {
    pub fn label(self) -> &'static str {
        match self {
            Form::Archive => "archive chiffrée (.tar.age)",
            Form::EncryptedFolder => "dossier de fichiers chiffrés (.age)",
            Form::PlainFolder => "dossier en clair (non chiffré)",
        }
    }
}

#[derive(Debug, Error)]
pub enum DeliveryError {
    #[error("« {0} » n'existe pas ou n'est pas lisible")]
    NotFound(PathBuf),
    #[error("« {0} » n'est pas une livraison : {1}")]
    NotADelivery(PathBuf, String),
    #[error("« {0} » n'est pas un fichier chiffré avec age")]
    NotAge(String),
    #[error(
        "impossible de déchiffrer « {0} » : la phrase de passe ou le fichier d'identité ne correspond pas"
    )]
    WrongSecret(String),
    #[error(
        "« {0} » est chiffré avec une phrase de passe : donnez-la (--passphrase-file ou REPRISE_PASSPHRASE)"
    )]
    PassphraseNeeded(String),
    #[error(
        "« {0} » est chiffré pour une identité age : donnez le fichier d'identité (--identity)"
    )]
    IdentityNeeded(String),
    #[error("le fichier d'identité « {0} » est illisible : {1}")]
    BadIdentityFile(PathBuf, String),
    #[error(
        "« {0} » demande un facteur de travail scrypt supérieur à 2^{MAX_WORK_FACTOR} : refusé"
    )]
    WorkFactor(String),
    #[error("« {0} » est endommagé ou tronqué ({1}) : la livraison n'est pas fiable")]
    Damaged(String, String),
    #[error("livraison refusée : {0}")]
    Hostile(String),
    #[error("lecture interrompue à la demande")]
    Cancelled,
    #[error("erreur de lecture sur « {0} » : {1}")]
    Io(String, io::Error),
}

impl DeliveryError {
    /// Exit code of the command line (README, "Codes de sortie").
    pub fn exit_code(&self) -> u8 {
        match self {
            DeliveryError::WrongSecret(_)
            | DeliveryError::PassphraseNeeded(_)
            | DeliveryError::IdentityNeeded(_)
            | DeliveryError::BadIdentityFile(..)
            | DeliveryError::WorkFactor(_) => 3,
            DeliveryError::NotFound(_) => 2,
            _ => 4,
        }
    }
}

/// An opened delivery, not yet read.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub path: PathBuf,
    /// `REPRISE_<APP>_<DEP>_<AAAAMMJJ>` as named by the file or folder.
    pub name: String,
    pub form: Form,
    /// Files of a folder delivery that are not part of it (no `.age`), mentioned in the report.
    pub ignored: Vec<String>,
    /// Relative paths of a folder delivery (without `.age`), sorted.
    files: Vec<String>,
}

/// One file of the delivery, being read.
pub struct Member<'a> {
    /// Relative path inside the delivery (`DONNEES/ITAC_DOSSIER.TXT`).
    pub path: String,
    /// Size announced by the container (tar header, file size) when it is known.
    pub size: Option<u64>,
    pub reader: &'a mut dyn Read,
}

/// What the reader of a member wants next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
    /// Go on, and read next these files in this order where the form lets the reader choose (a
    /// folder); the other files follow, in their own order. An archive comes in its own order.
    Prefer(Vec<String>),
}

const AGE_MAGIC: &[u8] = b"age-encryption.org/";
const ARMOR_MAGIC: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";

fn sniff_age(path: &Path) -> io::Result<bool> {
    let mut head = [0u8; 40];
    let mut f = File::open(path)?;
    let mut n = 0;
    while n < head.len() {
        let k = f.read(&mut head[n..])?;
        if k == 0 {
            break;
        }
        n += k;
    }
    let head = &head[..n];
    let trimmed = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&head[..0], |p| &head[p..]);
    Ok(head.starts_with(AGE_MAGIC) || trimmed.starts_with(ARMOR_MAGIC))
}

/// Checks a relative path from a container: `/`-separated, not absolute, no `..`, no empty part.
pub fn safe_relative(path: &str) -> Result<(), String> {
    if path.starts_with('/') || path.starts_with('\\') || path.contains(":\\") {
        return Err(format!("chemin absolu « {path} »"));
    }
    for part in path.split(['/', '\\']) {
        if part == ".." {
            return Err(format!("chemin « {path} » contenant « .. »"));
        }
    }
    if path.contains('\0') {
        return Err(format!(
            "chemin « {} » contenant un octet nul",
            path.escape_default()
        ));
    }
    Ok(())
}

impl Delivery {
    /// Recognises the form of a delivery at `path` (file or folder).
    pub fn open(path: &Path) -> Result<Delivery, DeliveryError> {
        let meta =
            fs::symlink_metadata(path).map_err(|_| DeliveryError::NotFound(path.to_path_buf()))?;
        if meta.file_type().is_symlink() {
            // The path given by the user may be a link to the real delivery: follow that one.
            let target =
                fs::canonicalize(path).map_err(|_| DeliveryError::NotFound(path.to_path_buf()))?;
            return Delivery::open(&target);
        }
        if meta.is_file() {
            let is_age =
                sniff_age(path).map_err(|e| DeliveryError::Io(path.display().to_string(), e))?;
            if !is_age {
                return Err(DeliveryError::NotAge(path.display().to_string()));
            }
            let file_name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let name = file_name
                .trim_end_matches(".age")
                .trim_end_matches(".tar.gz")
                .trim_end_matches(".tgz")
                .trim_end_matches(".tar")
                .to_string();
            return Ok(Delivery {
                path: path.to_path_buf(),
                name,
                form: Form::Archive,
                ignored: Vec::new(),
                files: Vec::new(),
            });
        }
        if !meta.is_dir() {
            return Err(DeliveryError::NotADelivery(
                path.to_path_buf(),
                "ni un fichier ni un dossier".into(),
            ));
        }
        let mut root = path.to_path_buf();
        // A DVD or USB key may hold the delivery folder itself: go into it.
        if !root.join("LISEZMOI.TXT").exists()
            && !root.join("LISEZMOI.TXT.age").exists()
            && !root.join("CONTROLE.TXT").exists()
            && !root.join("CONTROLE.TXT.age").exists()
        {
            let subs: Vec<PathBuf> = fs::read_dir(&root)
                .map_err(|e| DeliveryError::Io(root.display().to_string(), e))?
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| {
                    p.is_dir()
                        && p.file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with("REPRISE_"))
                })
                .collect();
            if subs.len() == 1 {
                root = subs[0].clone();
            } else {
                return Err(DeliveryError::NotADelivery(
                    path.to_path_buf(),
                    "ni LISEZMOI.TXT ni CONTROLE.TXT, ni un unique dossier REPRISE_…".into(),
                ));
            }
        }
        let mut all = Vec::new();
        walk(&root, &root, &mut all)?;
        let encrypted = all.iter().any(|p| p.ends_with(".age"));
        let (mut files, mut ignored): (Vec<String>, Vec<String>) = if encrypted {
            let (a, b): (Vec<String>, Vec<String>) =
                all.into_iter().partition(|p| p.ends_with(".age"));
            (
                a.into_iter()
                    .map(|p| p.trim_end_matches(".age").to_string())
                    .collect(),
                b,
            )
        } else {
            (all, Vec::new())
        };
        files.sort();
        ignored.sort();
        let name = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Delivery {
            path: root,
            name,
            form: if encrypted {
                Form::EncryptedFolder
            } else {
                Form::PlainFolder
            },
            ignored,
            files,
        })
    }

    /// Reads the files of the delivery in the container's order (metadata files first for a
    /// folder) and hands each to `visit`. `total_limit` bounds the decompressed tar stream; it may
    /// be lowered by `visit` once CONTROLE.TXT is known.
    pub fn read(
        &self,
        secret: Option<&Secret>,
        cancel: &AtomicBool,
        total_limit: &Counter,
        visit: &mut dyn FnMut(Member) -> Result<Flow, DeliveryError>,
    ) -> Result<(), DeliveryError> {
        match self.form {
            Form::Archive => self.read_archive(secret, cancel, total_limit, visit),
            Form::EncryptedFolder | Form::PlainFolder => self.read_folder(secret, cancel, visit),
        }
    }

    fn read_folder(
        &self,
        secret: Option<&Secret>,
        cancel: &AtomicBool,
        visit: &mut dyn FnMut(Member) -> Result<Flow, DeliveryError>,
    ) -> Result<(), DeliveryError> {
        let first = [
            "LISEZMOI.TXT",
            "CONTROLE.TXT",
            "DESCRIPTIF.TXT",
            "EXTRACTION.LOG",
        ];
        let mut order: Vec<&String> = first
            .iter()
            .filter_map(|f| self.files.iter().find(|p| p.as_str() == *f))
            .collect();
        order.extend(self.files.iter().filter(|p| !first.contains(&p.as_str())));
        let mut next = 0;
        while let Some(&rel) = order.get(next) {
            next += 1;
            if cancel.load(Ordering::Relaxed) {
                return Err(DeliveryError::Cancelled);
            }
            let (disk, size) = match self.form {
                Form::EncryptedFolder => (self.path.join(format!("{rel}.age")), None),
                _ => {
                    let p = self.path.join(rel);
                    let size = fs::metadata(&p).ok().map(|m| m.len());
                    (p, size)
                }
            };
            let file = File::open(&disk).map_err(|e| DeliveryError::Io(rel.clone(), e))?;
            let flow = if self.form == Form::EncryptedFolder {
                let reader = decrypt(file, secret, rel)?;
                let mut guarded = DecryptGuard::new(reader, rel);
                visit(Member {
                    path: rel.clone(),
                    size,
                    reader: &mut guarded,
                })?
            } else {
                let mut reader = BufReader::new(file);
                visit(Member {
                    path: rel.clone(),
                    size,
                    reader: &mut reader,
                })?
            };
            match flow {
                Flow::Stop => break,
                Flow::Prefer(preferred) => prefer(&mut order[next..], &preferred, &first),
                Flow::Continue => {}
            }
        }
        Ok(())
    }

    fn read_archive(
        &self,
        secret: Option<&Secret>,
        cancel: &AtomicBool,
        total_limit: &Counter,
        visit: &mut dyn FnMut(Member) -> Result<Flow, DeliveryError>,
    ) -> Result<(), DeliveryError> {
        let label = self.name.clone();
        let file = File::open(&self.path).map_err(|e| DeliveryError::Io(label.clone(), e))?;
        let decrypted = decrypt(file, secret, &label)?;
        let mut guarded = BufReader::with_capacity(1 << 16, DecryptGuard::new(decrypted, &label));
        // gzip is recognised by its magic bytes, not by the name.
        let head = io::BufRead::fill_buf(&mut guarded).map_err(|e| map_read_error(e, &label))?;
        let gzip = head.starts_with(&[0x1f, 0x8b]);
        let plain: Box<dyn Read + Send> = if gzip {
            Box::new(flate2::bufread::MultiGzDecoder::new(guarded))
        } else {
            Box::new(guarded)
        };
        self.read_tar(plain, &label, cancel, total_limit, visit)
    }

    /// Reads the members of the decrypted (and decompressed) tar stream.
    fn read_tar(
        &self,
        plain: impl Read,
        label: &str,
        cancel: &AtomicBool,
        total_limit: &Counter,
        visit: &mut dyn FnMut(Member) -> Result<Flow, DeliveryError>,
    ) -> Result<(), DeliveryError> {
        let label = label.to_string();
        let counted = LimitedReader::new(
            plain,
            total_limit.clone(),
            "flux décompressé de l'archive".into(),
        );
        let mut archive = tar::Archive::new(counted);
        let entries = archive.entries().map_err(|e| map_read_error(e, &label))?;
        let mut top: Option<String> = None;
        for entry in entries {
            if cancel.load(Ordering::Relaxed) {
                return Err(DeliveryError::Cancelled);
            }
            let mut entry = entry.map_err(|e| map_read_error(e, &label))?;
            let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            safe_relative(&raw).map_err(DeliveryError::Hostile)?;
            let kind = entry.header().entry_type();
            if kind.is_symlink() || kind.is_hard_link() {
                return Err(DeliveryError::Hostile(format!(
                    "lien « {raw} » dans l'archive"
                )));
            }
            if kind.is_dir() {
                if top.is_none() {
                    top = Some(
                        raw.trim_end_matches('/')
                            .split('/')
                            .next()
                            .unwrap_or("")
                            .to_string(),
                    );
                }
                continue;
            }
            if !(kind.is_file() || kind == tar::EntryType::Continuous || kind.is_gnu_sparse()) {
                return Err(DeliveryError::Hostile(format!(
                    "membre « {raw} » d'un type interdit ({:?})",
                    kind
                )));
            }
            let top_name = top
                .get_or_insert_with(|| {
                    if raw.contains('/') {
                        raw.split('/').next().unwrap_or("").to_string()
                    } else {
                        String::new()
                    }
                })
                .clone();
            let rel = if !top_name.is_empty() {
                raw.strip_prefix(&format!("{top_name}/"))
                    .map(str::to_string)
                    .unwrap_or(raw.clone())
            } else {
                raw.clone()
            };
            let size = entry.header().size().ok();
            let flow = visit(Member {
                path: rel,
                size,
                reader: &mut entry,
            })?;
            if flow == Flow::Stop {
                return Ok(());
            }
        }
        // age authenticates each chunk when it is read: read the stream to its very end (past the
        // tar end and its padding), so that a damaged or missing last chunk is not overlooked.
        let mut rest = archive.into_inner();
        io::copy(&mut rest, &mut io::sink()).map_err(|e| map_read_error(e, &label))?;
        Ok(())
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), DeliveryError> {
    let entries = fs::read_dir(dir).map_err(|e| DeliveryError::Io(dir.display().to_string(), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| DeliveryError::Io(dir.display().to_string(), e))?;
        let p = entry.path();
        let rel = p.strip_prefix(root).map_err(|_| {
            DeliveryError::Hostile(format!("chemin hors de la livraison « {} »", p.display()))
        })?;
        let rel_str = rel
            .components()
            .map(|c| match c {
                Component::Normal(s) => Ok(s.to_string_lossy().into_owned()),
                _ => Err(DeliveryError::Hostile(format!(
                    "chemin « {} » interdit",
                    rel.display()
                ))),
            })
            .collect::<Result<Vec<_>, _>>()?
            .join("/");
        let meta = fs::symlink_metadata(&p).map_err(|e| DeliveryError::Io(rel_str.clone(), e))?;
        if meta.file_type().is_symlink() {
            return Err(DeliveryError::Hostile(format!(
                "lien symbolique « {rel_str} » dans la livraison"
            )));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            if meta.is_file() && meta.nlink() > 1 {
                return Err(DeliveryError::Hostile(format!(
                    "lien physique « {rel_str} » dans la livraison"
                )));
            }
        }
        if meta.is_dir() {
            walk(root, &p, out)?;
        } else if meta.is_file() {
            out.push(rel_str);
        } else {
            return Err(DeliveryError::Hostile(format!(
                "« {rel_str} » n'est pas un fichier ordinaire"
            )));
        }
    }
    Ok(())
}

/// A decrypted age stream.
type AgeReader<R> = age::stream::StreamReader<AgeSource<R>>;

/// The bytes of an age file as age reads them: as they lie for a binary file, or decoded from
/// their base64 armour.
///
/// age's own [`age::armor::ArmoredReader`] reads either form, but hands a binary file on 48
/// bytes at a time, from 8 KiB reads: about 28 000 system calls and two more copies for a
/// 220 MB delivery. A binary file (it starts with age's magic line) is therefore read directly:
/// age reads each 64 KiB chunk in one call, straight into its buffer. Anything else goes to the
/// `ArmoredReader`, which also reads a binary file: a wrong guess could only cost speed.
enum AgeSource<R> {
    Binary(BufReader<R>),
    Armored(age::armor::ArmoredReader<BufReader<BufReader<R>>>),
}

impl<R: Read> AgeSource<R> {
    fn new(input: R) -> io::Result<AgeSource<R>> {
        // The default capacity (8 KiB) holds the header; past it, age's reads of whole chunks
        // are larger than the buffer, and go straight to the file.
        let mut input = BufReader::new(input);
        let head = io::BufRead::fill_buf(&mut input)?;
        Ok(if head.starts_with(AGE_MAGIC) {
            AgeSource::Binary(input)
        } else {
            AgeSource::Armored(age::armor::ArmoredReader::new(input))
        })
    }
}

impl<R: Read> Read for AgeSource<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            AgeSource::Binary(r) => r.read(buf),
            AgeSource::Armored(r) => r.read(buf),
        }
    }
}

impl<R: Read> io::BufRead for AgeSource<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match self {
            AgeSource::Binary(r) => r.fill_buf(),
            AgeSource::Armored(r) => r.fill_buf(),
        }
    }

    fn consume(&mut self, amt: usize) {
        match self {
            AgeSource::Binary(r) => r.consume(amt),
            AgeSource::Armored(r) => r.consume(amt),
        }
    }
}

/// Puts the files of `rest` that `preferred` lists first, in its order (a file listed twice
/// where it is listed first); the others after them, in their order. The metadata files
/// (`first`) stay ahead of everything.
fn prefer(rest: &mut [&String], preferred: &[String], first: &[&str]) {
    let mut rank: HashMap<&str, usize> = HashMap::new();
    for (i, p) in preferred.iter().enumerate() {
        rank.entry(p.as_str()).or_insert(i);
    }
    // A stable sort: files ranked alike (the unlisted ones) keep their order.
    rest.sort_by_key(|p| {
        (
            !first.contains(&p.as_str()),
            rank.get(p.as_str()).copied().unwrap_or(usize::MAX),
        )
    });
}

/// Opens an age stream (binary or armored) with the secret.
fn decrypt<R: Read>(
    input: R,
    secret: Option<&Secret>,
    label: &str,
) -> Result<AgeReader<R>, DeliveryError> {
    let source = AgeSource::new(input).map_err(|e| DeliveryError::Io(label.to_string(), e))?;
    let decryptor = match age::Decryptor::new_buffered(source) {
        Ok(d) => d,
        Err(age::DecryptError::InvalidHeader) | Err(age::DecryptError::UnknownFormat) => {
            return Err(DeliveryError::NotAge(label.to_string()));
        }
        Err(age::DecryptError::Io(e)) => {
            return Err(DeliveryError::Damaged(label.to_string(), e.to_string()));
        }
        Err(e) => return Err(DeliveryError::Damaged(label.to_string(), e.to_string())),
    };
    let result = if decryptor.is_scrypt() {
        let Some(Secret::Passphrase(p)) = secret else {
            return Err(DeliveryError::PassphraseNeeded(label.to_string()));
        };
        let mut identity = age::scrypt::Identity::new(p.clone());
        identity.set_max_work_factor(MAX_WORK_FACTOR);
        decryptor.decrypt(std::iter::once(&identity as &dyn age::Identity))
    } else {
        let Some(Secret::IdentityFile(path)) = secret else {
            return Err(DeliveryError::IdentityNeeded(label.to_string()));
        };
        let file = age::IdentityFile::from_file(path.display().to_string())
            .map_err(|e| DeliveryError::BadIdentityFile(path.clone(), e.to_string()))?;
        let identities = file
            .into_identities()
            .map_err(|e| DeliveryError::BadIdentityFile(path.clone(), e.to_string()))?;
        decryptor.decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity))
    };
    result.map_err(|e| match e {
        age::DecryptError::NoMatchingKeys | age::DecryptError::DecryptionFailed => {
            DeliveryError::WrongSecret(label.to_string())
        }
        age::DecryptError::ExcessiveWork { .. } => DeliveryError::WorkFactor(label.to_string()),
        other => DeliveryError::Damaged(label.to_string(), other.to_string()),
    })
}

/// Marks read errors of the decrypted stream so that they are told apart from others: age
/// authenticates each 64 KiB chunk, and a damaged or missing chunk fails only when it is read.
struct DecryptGuard<R> {
    inner: R,
    label: String,
}

impl<R> DecryptGuard<R> {
    fn new(inner: R, label: &str) -> Self {
        DecryptGuard {
            inner,
            label: label.to_string(),
        }
    }
}

/// The error a [`DecryptGuard`] wraps.
#[derive(Debug, Error)]
#[error("{0}")]
struct DecryptFailure(String);

impl<R: Read> Read for DecryptGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                DecryptFailure(format!("{} : {e}", self.label)),
            )
        })
    }
}

/// Turns an I/O error met while reading a member into the error that says what happened.
pub fn map_read_error(e: io::Error, label: &str) -> DeliveryError {
    if let Some(inner) = e.get_ref() {
        if let Some(d) = inner.downcast_ref::<DecryptFailure>() {
            return DeliveryError::Damaged(label.to_string(), d.0.clone());
        }
        if let Some(l) = inner.downcast_ref::<limits::LimitExceeded>() {
            return DeliveryError::Hostile(l.to_string());
        }
    }
    if e.kind() == io::ErrorKind::UnexpectedEof {
        return DeliveryError::Damaged(label.to_string(), "fin de fichier inattendue".into());
    }
    DeliveryError::Damaged(label.to_string(), e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use age::secrecy::ExposeSecret;
    use std::io::Write;

    /// `plain` encrypted to `key`, binary or armored.
    fn encrypt(plain: &[u8], key: &age::x25519::Identity, armored: bool) -> Vec<u8> {
        let recipient = key.to_public();
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .expect("a recipient");
        let mut out = Vec::new();
        let format = if armored {
            age::armor::Format::AsciiArmor
        } else {
            age::armor::Format::Binary
        };
        let armor = age::armor::ArmoredWriter::wrap_output(&mut out, format).expect("armour");
        let mut w = encryptor.wrap_output(armor).expect("stream");
        w.write_all(plain).expect("written");
        w.finish().and_then(|a| a.finish()).expect("finished");
        out
    }

    #[test]
    fn a_folder_is_read_in_the_order_its_reader_prefers_once_it_says_so() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let root = dir.path().join("REPRISE_ITAC_059_20081015");
        std::fs::create_dir_all(root.join("DONNEES")).expect("folders");
        for f in [
            "LISEZMOI.TXT",
            "CONTROLE.TXT",
            "DESCRIPTIF.TXT",
            "EXTRACTION.LOG",
            "DONNEES/A.TXT",
            "DONNEES/B.TXT",
            "DONNEES/C.TXT",
            "NOTE.TXT",
        ] {
            std::fs::write(root.join(f), f).expect("file written");
        }
        let delivery = Delivery::open(dir.path()).expect("a plain folder");
        let mut seen = Vec::new();
        delivery
            .read(
                None,
                &AtomicBool::new(false),
                &Counter::default(),
                &mut |m: Member| {
                    seen.push(m.path.clone());
                    Ok(if m.path == "CONTROLE.TXT" {
                        // A file listed twice, and one that is not there, change nothing else.
                        Flow::Prefer(
                            [
                                "DONNEES/C.TXT",
                                "NOPE.TXT",
                                "DONNEES/A.TXT",
                                "DONNEES/C.TXT",
                            ]
                            .map(String::from)
                            .to_vec(),
                        )
                    } else {
                        Flow::Continue
                    })
                },
            )
            .expect("read");
        assert_eq!(
            seen,
            [
                "LISEZMOI.TXT",
                "CONTROLE.TXT",
                "DESCRIPTIF.TXT",
                "EXTRACTION.LOG",
                "DONNEES/C.TXT",
                "DONNEES/A.TXT",
                "DONNEES/B.TXT",
                "NOTE.TXT",
            ]
        );
    }

    #[test]
    fn binary_and_armored_age_files_decrypt_alike_and_a_binary_one_is_read_directly() {
        let key = age::x25519::Identity::generate();
        let dir = tempfile::tempdir().expect("temporary folder");
        let identity = dir.path().join("key.txt");
        std::fs::write(&identity, key.to_string().expose_secret()).expect("key written");
        let secret = Secret::IdentityFile(identity);
        // Several chunks of 64 KiB, and a last one cut short.
        let plain: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for armored in [false, true] {
            let file = encrypt(&plain, &key, armored);
            let source = AgeSource::new(&file[..]).expect("read");
            assert_eq!(matches!(source, AgeSource::Binary(_)), !armored);
            let mut out = Vec::new();
            decrypt(&file[..], Some(&secret), "x.age")
                .expect("decrypts")
                .read_to_end(&mut out)
                .expect("read to the end");
            assert!(out == plain, "armored: {armored}");
        }
    }
}
