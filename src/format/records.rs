//! Reading records in the delivery dialect, byte by byte, with bounded memory. Separators,
//! quotes, CR and LF are ASCII in every encoding a delivery may use, so records are split on the
//! raw bytes and each field is decoded afterwards. The reader is tolerant (LF alone, stray quotes,
//! a quote never closed, a last line without its end) and says when a record is not written the
//! way the format writes it, so that the record can be kept exactly as delivered.

use super::dialect::{self, SEPARATOR};
use std::io::{self, BufRead};
use thiserror::Error;

/// Largest record accepted: no Oracle column of the source bases holds more than 4 000 bytes, so a
/// record beyond this size cannot be legitimate.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

#[derive(Debug, Error)]
pub enum RecordError {
    #[error("l'enregistrement commençant ligne {line} dépasse {limit} octets")]
    TooLong { line: u64, limit: usize },
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// How a record ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Terminator {
    CrLf,
    Lf,
    /// End of file without a line end.
    Eof,
}

/// One record: its raw bytes and its fields (quotes removed, doubled quotes undone).
#[derive(Debug, Default)]
pub struct Record {
    /// The bytes of the record as delivered, without its terminator.
    pub raw: Vec<u8>,
    /// The field values, concatenated; `spans` cut them.
    values: Vec<u8>,
    spans: Vec<(usize, usize)>,
    pub terminator: Option<Terminator>,
    /// Physical line where the record starts (1-based).
    pub line: u64,
    /// True when writing the fields back in the format's dialect (quotes only where needed, CRLF)
    /// gives exactly the delivered bytes.
    pub canonical: bool,
    /// A quoted field was never closed (the record runs to the end of the file).
    pub unclosed_quote: bool,
    /// Bytes followed a closing quote before the separator (`"ab"c`), kept in the field.
    pub stray_after_quote: bool,
}

impl Record {
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Field `i` as bytes.
    pub fn field(&self, i: usize) -> &[u8] {
        let (a, b) = self.spans[i];
        &self.values[a..b]
    }

    pub fn fields(&self) -> impl Iterator<Item = &[u8]> {
        self.spans.iter().map(|&(a, b)| &self.values[a..b])
    }

    /// A blank line (no byte at all).
    pub fn is_blank(&self) -> bool {
        self.raw.is_empty()
    }

    fn clear(&mut self) {
        self.raw.clear();
        self.values.clear();
        self.spans.clear();
        self.terminator = None;
        self.canonical = true;
        self.unclosed_quote = false;
        self.stray_after_quote = false;
    }
}

/// Reads records from a buffered byte stream.
pub struct RecordReader<R: BufRead> {
    inner: R,
    line: u64,
    max: usize,
    rec: Record,
    /// A UTF-8 byte order mark was found (and skipped) at the start.
    pub bom: bool,
    started: bool,
}

impl<R: BufRead> RecordReader<R> {
    pub fn new(inner: R) -> Self {
        Self::with_limit(inner, MAX_RECORD_BYTES)
    }

    pub fn with_limit(inner: R, max: usize) -> Self {
        RecordReader {
            inner,
            line: 1,
            max,
            rec: Record::default(),
            bom: false,
            started: false,
        }
    }

    /// Physical lines started so far (the line of the next record).
    pub fn line(&self) -> u64 {
        self.line
    }

    pub fn into_inner(self) -> R {
        self.inner
    }

    fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(self.inner.fill_buf()?.first().copied())
    }

    fn bump(&mut self) {
        self.inner.consume(1);
    }

    fn push_raw(&mut self, b: u8) -> Result<(), RecordError> {
        if self.rec.raw.len() >= self.max {
            return Err(RecordError::TooLong {
                line: self.rec.line,
                limit: self.max,
            });
        }
        self.rec.raw.push(b);
        Ok(())
    }

    /// The next record, or None at the end of the stream.
    pub fn next_record(&mut self) -> Result<Option<&Record>, RecordError> {
        if !self.started {
            self.started = true;
            let buf = self.inner.fill_buf()?;
            if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
                self.inner.consume(3);
                self.bom = true;
            }
        }
        self.rec.clear();
        self.rec.line = self.line;
        if self.peek()?.is_none() {
            return Ok(None);
        }
        loop {
            // Start of a field.
            let start = self.rec.values.len();
            let quoted = self.peek()? == Some(b'"');
            if quoted {
                self.bump();
                self.push_raw(b'"')?;
                loop {
                    match self.peek()? {
                        None => {
                            self.rec.unclosed_quote = true;
                            self.rec.canonical = false;
                            break;
                        }
                        Some(b'"') => {
                            self.bump();
                            self.push_raw(b'"')?;
                            if self.peek()? == Some(b'"') {
                                self.bump();
                                self.push_raw(b'"')?;
                                self.rec.values.push(b'"');
                            } else {
                                break;
                            }
                        }
                        Some(_) => {
                            // A run of bytes up to the next quote, taken at once.
                            let buf = self.inner.fill_buf()?;
                            let n = buf.iter().position(|&b| b == b'"').unwrap_or(buf.len());
                            if self.rec.raw.len() + n > self.max {
                                return Err(RecordError::TooLong {
                                    line: self.rec.line,
                                    limit: self.max,
                                });
                            }
                            self.line += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
                            self.rec.raw.extend_from_slice(&buf[..n]);
                            self.rec.values.extend_from_slice(&buf[..n]);
                            self.inner.consume(n);
                        }
                    }
                }
            }
            // Unquoted bytes (a whole unquoted field, or stray bytes after a closing quote).
            let stop = loop {
                match self.peek()? {
                    None => break Stop::Eof,
                    Some(SEPARATOR) => {
                        self.bump();
                        break Stop::Separator;
                    }
                    Some(b'\n') => {
                        self.bump();
                        self.line += 1;
                        break Stop::Lf;
                    }
                    Some(b'\r') => {
                        self.bump();
                        if self.peek()? == Some(b'\n') {
                            self.bump();
                            self.line += 1;
                            break Stop::CrLf;
                        }
                        // A lone CR is kept as a character of the field.
                        self.push_raw(b'\r')?;
                        self.rec.values.push(b'\r');
                        if quoted {
                            self.rec.stray_after_quote = true;
                        }
                    }
                    Some(_) => {
                        // A run of ordinary bytes, taken at once.
                        let buf = self.inner.fill_buf()?;
                        let n = buf
                            .iter()
                            .position(|&b| b == SEPARATOR || b == b'\n' || b == b'\r')
                            .unwrap_or(buf.len());
                        if self.rec.raw.len() + n > self.max {
                            return Err(RecordError::TooLong {
                                line: self.rec.line,
                                limit: self.max,
                            });
                        }
                        self.rec.raw.extend_from_slice(&buf[..n]);
                        self.rec.values.extend_from_slice(&buf[..n]);
                        self.inner.consume(n);
                        if quoted {
                            self.rec.stray_after_quote = true;
                        }
                    }
                }
            };
            let field = &self.rec.values[start..];
            if quoted != dialect::needs_quotes(field) || self.rec.stray_after_quote {
                self.rec.canonical = false;
            }
            self.rec.spans.push((start, self.rec.values.len()));
            let terminator = match stop {
                Stop::Separator => {
                    self.push_raw(SEPARATOR)?;
                    continue;
                }
                Stop::CrLf => Terminator::CrLf,
                Stop::Lf => Terminator::Lf,
                Stop::Eof => Terminator::Eof,
            };
            self.rec.terminator = Some(terminator);
            if terminator != Terminator::CrLf {
                self.rec.canonical = false;
            }
            return Ok(Some(&self.rec));
        }
    }
}

enum Stop {
    Separator,
    CrLf,
    Lf,
    Eof,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8]) -> Vec<(Vec<String>, bool, Option<Terminator>, u64)> {
        let mut r = RecordReader::new(bytes);
        let mut out = Vec::new();
        while let Some(rec) = r.next_record().unwrap() {
            out.push((
                rec.fields()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect(),
                rec.canonical,
                rec.terminator,
                rec.line,
            ));
        }
        out
    }

    #[test]
    fn canonical_records() {
        let recs = read_all(b"A;B;\r\n1;\"x;y\";\"d\"\"q\"\r\n\"l1\r\nl2\";z\r\n");
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[0].0, vec!["A", "B", ""]);
        assert_eq!(recs[1].0, vec!["1", "x;y", "d\"q"]);
        assert_eq!(recs[2].0, vec!["l1\r\nl2", "z"]);
        assert!(recs.iter().all(|r| r.1));
        assert_eq!(recs[2].3, 3);
    }

    #[test]
    fn tolerated_forms_are_not_canonical() {
        let recs = read_all(b"a;b\n\"q\";c\r\nx\"y;\"ab\"c;z");
        assert_eq!(recs[0].0, vec!["a", "b"]);
        assert!(!recs[0].1, "LF alone");
        assert_eq!(recs[0].2, Some(Terminator::Lf));
        assert_eq!(recs[1].0, vec!["q", "c"]);
        assert!(!recs[1].1, "needless quotes");
        assert_eq!(recs[2].0, vec!["x\"y", "abc", "z"]);
        assert!(!recs[2].1);
        assert_eq!(recs[2].2, Some(Terminator::Eof));
    }

    #[test]
    fn bom_unclosed_quote_and_limits() {
        let mut r = RecordReader::new(&b"\xEF\xBB\xBFa;b\r\n\"open;x\r\n"[..]);
        assert_eq!(r.next_record().unwrap().unwrap().len(), 2);
        assert!(r.bom);
        let rec = r.next_record().unwrap().unwrap();
        assert!(rec.unclosed_quote);
        assert_eq!(rec.field(0), b"open;x\r\n");
        assert!(r.next_record().unwrap().is_none());
        let long = [b'x'; 100];
        let mut r = RecordReader::with_limit(&long[..], 50);
        assert!(matches!(r.next_record(), Err(RecordError::TooLong { .. })));
    }

    #[test]
    fn empty_lines_are_records_of_one_empty_field() {
        let recs = read_all(b"\r\na\r\n");
        assert_eq!(recs[0].0, vec![""]);
        assert_eq!(recs[1].0, vec!["a"]);
    }
}
