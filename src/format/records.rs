//! Reading records in the delivery dialect, byte by byte, with bounded memory. Separators,
//! quotes, CR and LF are ASCII in every encoding a delivery may use, so records are split on the
//! raw bytes and each field is decoded afterwards. The reader is tolerant (LF alone, stray quotes,
//! a quote never closed, a last line without its end) and says when a record is not written the
//! way the format writes it, so that the record can be kept exactly as delivered. Records come
//! one at a time ([`RecordReader`]) or by blocks of whole records left where they were read
//! ([`BlockReader`]), which one thread fills and another checks.

use super::dialect::{self, SEPARATOR};
use std::io::{self, BufRead, Read};
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
    /// The field values, concatenated; `spans` cut them (in `raw` when `in_raw`: a record
    /// without quotes, whose values are its bytes).
    values: Vec<u8>,
    spans: Vec<(usize, usize)>,
    in_raw: bool,
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
    /// Every byte of the record is ASCII.
    pub ascii: bool,
    /// A byte of the record is a control character other than CR and LF ([`is_control`]).
    pub controls: bool,
}

impl Record {
    /// The record where it lies, as the checks read it.
    pub fn view(&self) -> RecordRef<'_> {
        RecordRef {
            raw: &self.raw,
            values: if self.in_raw { &self.raw } else { &self.values },
            spans: &self.spans,
            terminator: self.terminator,
            line: self.line,
            canonical: self.canonical,
            unclosed_quote: self.unclosed_quote,
            stray_after_quote: self.stray_after_quote,
            ascii: self.ascii,
            controls: self.controls,
        }
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Field `i` as bytes.
    pub fn field(&self, i: usize) -> &[u8] {
        let (a, b) = self.spans[i];
        &self.view().values[a..b]
    }

    pub fn fields(&self) -> impl Iterator<Item = &[u8]> {
        let values = self.view().values;
        self.spans.iter().map(move |&(a, b)| &values[a..b])
    }

    /// A blank line (no byte at all).
    pub fn is_blank(&self) -> bool {
        self.raw.is_empty()
    }

    fn clear(&mut self) {
        self.raw.clear();
        self.values.clear();
        self.spans.clear();
        self.in_raw = false;
        self.terminator = None;
        self.canonical = true;
        self.unclosed_quote = false;
        self.stray_after_quote = false;
    }
}

/// A record read where it lies: in a [`Record`], or in a [`Block`] of records.
#[derive(Clone, Copy, Debug)]
pub struct RecordRef<'a> {
    /// The bytes of the record as delivered, without its terminator.
    pub raw: &'a [u8],
    /// The field values end to end (the raw bytes themselves for a record without quotes).
    values: &'a [u8],
    spans: &'a [(usize, usize)],
    pub terminator: Option<Terminator>,
    /// Physical line where the record starts (1-based).
    pub line: u64,
    /// See [`Record::canonical`].
    pub canonical: bool,
    pub unclosed_quote: bool,
    pub stray_after_quote: bool,
    pub ascii: bool,
    pub controls: bool,
}

impl<'a> RecordRef<'a> {
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Field `i` as bytes.
    pub fn field(&self, i: usize) -> &'a [u8] {
        let (a, b) = self.spans[i];
        &self.values[a..b]
    }

    /// Field `i`, if the record has that many.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&'a [u8]> {
        let &(a, b) = self.spans.get(i)?;
        self.values.get(a..b)
    }

    pub fn fields(&self) -> impl Iterator<Item = &'a [u8]> + use<'a> {
        let values = self.values;
        self.spans.iter().map(move |&(a, b)| &values[a..b])
    }

    /// Everything the record says, owned: two readings are compared by it (tests, fuzzing).
    pub fn said(&self) -> Said {
        (
            self.raw.to_vec(),
            self.fields().map(<[u8]>::to_vec).collect(),
            self.terminator,
            self.line,
            [
                self.canonical,
                self.unclosed_quote,
                self.stray_after_quote,
                self.ascii,
                self.controls,
            ],
        )
    }

    /// The record as delivered, its terminator included.
    pub fn delivered(&self) -> Vec<u8> {
        let mut raw = Vec::with_capacity(self.raw.len() + 2);
        raw.extend_from_slice(self.raw);
        match self.terminator {
            Some(Terminator::CrLf) => raw.extend_from_slice(b"\r\n"),
            Some(Terminator::Lf) => raw.push(b'\n'),
            _ => {}
        }
        raw
    }
}

/// What [`RecordRef::said`] gives: raw bytes, fields, terminator, line, and the flags
/// (canonical, unclosed quote, stray after quote, ASCII, controls).
pub type Said = (Vec<u8>, Vec<Vec<u8>>, Option<Terminator>, u64, [bool; 5]);

/// Size of a [`Block`]'s buffer: the bytes read at once before the records are cut.
pub const BLOCK_BYTES: usize = 128 << 10;

/// Whole records cut from a stream, where they lie in one buffer: what one thread reads and
/// another checks, without a copy per record. A block is refilled again and again with its
/// memory.
#[derive(Debug, Default)]
pub struct Block {
    /// Bytes read; `buf[..filled]` holds the records (and, while cutting, what follows them).
    buf: Vec<u8>,
    filled: usize,
    /// Field values of the records written with quotes (quotes removed).
    unquoted: Vec<u8>,
    spans: Vec<(usize, usize)>,
    entries: Vec<Entry>,
}

/// Where one record of a block lies.
#[derive(Clone, Copy, Debug)]
struct Entry {
    raw: (usize, usize),
    /// Its values in `unquoted`; None: its raw bytes are its values.
    values: Option<(usize, usize)>,
    spans: (usize, usize),
    terminator: Terminator,
    line: u64,
    canonical: bool,
    unclosed_quote: bool,
    stray_after_quote: bool,
    ascii: bool,
    controls: bool,
}

impl Block {
    /// Records in the block.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Record `i` of the block.
    pub fn get(&self, i: usize) -> RecordRef<'_> {
        let e = &self.entries[i];
        let raw = &self.buf[e.raw.0..e.raw.1];
        RecordRef {
            raw,
            values: e.values.map_or(raw, |(a, b)| &self.unquoted[a..b]),
            spans: &self.spans[e.spans.0..e.spans.1],
            terminator: Some(e.terminator),
            line: e.line,
            canonical: e.canonical,
            unclosed_quote: e.unclosed_quote,
            stray_after_quote: e.stray_after_quote,
            ascii: e.ascii,
            controls: e.controls,
        }
    }

    pub fn records(&self) -> impl Iterator<Item = RecordRef<'_>> {
        (0..self.entries.len()).map(|i| self.get(i))
    }

    /// Gives back the memory a very long record made the block take.
    pub fn shrink(&mut self) {
        if self.buf.len() > 4 * BLOCK_BYTES {
            *self = Block::default();
        }
        self.unquoted.shrink_to(BLOCK_BYTES);
    }
}

/// Reads a stream block by block, each block cut into whole records exactly as
/// [`RecordReader`] reads them (a property test holds the two readings equal): lines without a
/// quote by [`scan_line`] where they lie, the others by the byte-by-byte reading.
pub struct BlockReader<R: Read> {
    inner: R,
    max: usize,
    line: u64,
    /// Bytes read after the last whole record of the previous block.
    carry: Vec<u8>,
    eof: bool,
    started: bool,
    /// A UTF-8 byte order mark was found (and skipped) at the start.
    pub bom: bool,
    /// Bytes read at once (a test makes it tiny).
    read_size: usize,
    /// The record of the byte-by-byte reading, kept for its memory.
    slow: Record,
    /// An error met after the records of the block handed over last.
    failed: Option<RecordError>,
}

impl<R: Read> BlockReader<R> {
    pub fn new(inner: R) -> Self {
        Self::with_limit(inner, MAX_RECORD_BYTES)
    }

    pub fn with_limit(inner: R, max: usize) -> Self {
        BlockReader {
            inner,
            max,
            line: 1,
            carry: Vec::new(),
            eof: false,
            started: false,
            bom: false,
            read_size: BLOCK_BYTES,
            slow: Record::default(),
            failed: None,
        }
    }

    /// Physical lines started so far (the line of the next record).
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Reads `bytes` at a time (tests make it tiny, so that records cross reads).
    pub fn reading(mut self, bytes: usize) -> Self {
        self.read_size = bytes.max(1);
        self
    }

    /// Fills `block` with the next whole records (at least one); false at the end of the
    /// stream. What follows the last whole record waits for the next block.
    pub fn next_block(&mut self, block: &mut Block) -> Result<bool, RecordError> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        block.entries.clear();
        block.spans.clear();
        block.unquoted.clear();
        if block.buf.len() < self.read_size.max(self.carry.len()) {
            block.buf.resize(self.read_size.max(self.carry.len()), 0);
        }
        block.buf[..self.carry.len()].copy_from_slice(&self.carry);
        block.filled = self.carry.len();
        self.carry.clear();
        let mut pos = 0;
        loop {
            self.fill(block)?;
            if !self.started && (block.filled >= 3 || self.eof) {
                self.started = true;
                if block.buf[..block.filled].starts_with(&[0xEF, 0xBB, 0xBF]) {
                    self.bom = true;
                    pos = 3;
                }
            }
            if self.started {
                pos = self.cut(block, pos)?;
                if !block.entries.is_empty() || (self.eof && pos == block.filled) {
                    break;
                }
            }
            // Not one whole record yet: room for more bytes.
            let len = block.buf.len() + self.read_size;
            block.buf.resize(len, 0);
        }
        self.carry.extend_from_slice(&block.buf[pos..block.filled]);
        Ok(!block.entries.is_empty())
    }

    /// Reads until the block's buffer is full or the stream ends.
    fn fill(&mut self, block: &mut Block) -> Result<(), RecordError> {
        while !self.eof && block.filled < block.buf.len() {
            let end = block.buf.len().min(block.filled + self.read_size);
            match self.inner.read(&mut block.buf[block.filled..end]) {
                Ok(0) => self.eof = true,
                Ok(n) => block.filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Cuts the whole records of `block` from `pos`; returns where the first record not whole
    /// yet starts.
    fn cut(&mut self, block: &mut Block, mut pos: usize) -> Result<usize, RecordError> {
        while pos < block.filled {
            let bytes = &block.buf[pos..block.filled];
            let window = &bytes[..bytes.len().min(self.max.saturating_add(1))];
            let first_span = block.spans.len();
            match scan_line(window, &mut block.spans) {
                Some(scan) if !scan.quote => {
                    let nl = scan.end;
                    let (len, terminator) = match bytes[..nl].strip_suffix(b"\r") {
                        Some(l) => (l.len(), Terminator::CrLf),
                        None => (nl, Terminator::Lf),
                    };
                    // Spans are from the record's start; the last field ends before the CR.
                    if let Some(last) = block.spans.last_mut() {
                        last.1 = len;
                    }
                    let crs = scan.crs - usize::from(terminator == Terminator::CrLf);
                    block.entries.push(Entry {
                        raw: (pos, pos + len),
                        values: None,
                        spans: (first_span, block.spans.len()),
                        terminator,
                        line: self.line,
                        canonical: terminator == Terminator::CrLf && crs == 0,
                        unclosed_quote: false,
                        stray_after_quote: false,
                        ascii: !scan.high,
                        controls: scan.controls,
                    });
                    self.line += 1;
                    pos += nl + 1;
                    continue;
                }
                // No line end yet within reach: more bytes may bring it.
                None if window.len() == bytes.len() && !self.eof => {
                    block.spans.truncate(first_span);
                    return Ok(pos);
                }
                _ => block.spans.truncate(first_span),
            }
            // A quote, a line beyond the limit, or the last line without its end: read byte
            // by byte, as RecordReader does.
            let mut reader = RecordReader {
                inner: bytes,
                line: self.line,
                max: self.max,
                rec: std::mem::take(&mut self.slow),
                bom: false,
                started: true,
                quick: false,
            };
            let read = reader.next_record().map(|_| ());
            let (line, rest) = (reader.line, reader.inner.len());
            self.slow = reader.rec;
            if let Err(e) = read {
                // A CR or a quote at the end of what was read looks one byte further: the
                // verdict waits for it (a record is too long once max + 2 bytes show it).
                if !self.eof && bytes.len() < self.max.saturating_add(2) {
                    return Ok(pos);
                }
                // The records before the faulty one are handed over first, then the error.
                if block.entries.is_empty() {
                    return Err(e);
                }
                self.failed = Some(e);
                return Ok(pos);
            }
            let rec = &self.slow;
            // A record that ran into the end of what was read may go on in what follows.
            if rec.terminator == Some(Terminator::Eof) && !self.eof {
                return Ok(pos);
            }
            let start = block.unquoted.len();
            block.unquoted.extend_from_slice(rec.view().values);
            block.spans.extend_from_slice(&rec.spans);
            block.entries.push(Entry {
                raw: (pos, pos + rec.raw.len()),
                values: Some((start, block.unquoted.len())),
                spans: (first_span, block.spans.len()),
                terminator: rec.terminator.unwrap_or(Terminator::Eof),
                line: rec.line,
                canonical: rec.canonical,
                unclosed_quote: rec.unclosed_quote,
                stray_after_quote: rec.stray_after_quote,
                ascii: rec.ascii,
                controls: rec.controls,
            });
            self.line = line;
            pos = block.filled - rest;
        }
        Ok(pos)
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
    /// Whole quote-free lines taken at once (off only to test that both readings agree).
    quick: bool,
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
            quick: true,
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

    /// The common case taken at once: a whole line already in the buffer, without a quote, within
    /// the size limit. One pass over its bytes ([`scan_line`]) finds the separators, the line end
    /// and what the record holds (a CR, a control character, a byte outside ASCII); CR and LF
    /// cannot be inside fields but a lone CR. Anything else is left to the byte-by-byte reading,
    /// which reads the same line to the same record.
    fn quick_record(&mut self) -> Result<bool, RecordError> {
        let buf = self.inner.fill_buf()?;
        let window = &buf[..buf.len().min(self.max.saturating_add(1))];
        let rec = &mut self.rec;
        let line = match scan_line(window, &mut rec.spans) {
            Some(scan) if !scan.quote => scan,
            _ => {
                rec.spans.clear();
                return Ok(false);
            }
        };
        let nl = line.end;
        let (line_bytes, terminator) = match buf[..nl].strip_suffix(b"\r") {
            Some(l) => (l, Terminator::CrLf),
            None => (&buf[..nl], Terminator::Lf),
        };
        // The last field ends where the line does (before its CR, if any).
        if let Some(last) = rec.spans.last_mut() {
            last.1 = line_bytes.len();
        }
        rec.raw.extend_from_slice(line_bytes);
        rec.in_raw = true;
        rec.ascii = !line.high;
        rec.controls = line.controls;
        // A lone CR in a field would have been quoted by the format.
        let crs = line.crs - usize::from(terminator == Terminator::CrLf);
        rec.canonical = terminator == Terminator::CrLf && crs == 0;
        rec.terminator = Some(terminator);
        self.inner.consume(nl + 1);
        self.line += 1;
        Ok(true)
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
        if self.quick && self.quick_record()? {
            return Ok(Some(&self.rec));
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
            self.rec.ascii = self.rec.raw.is_ascii();
            self.rec.controls = self.rec.raw.iter().any(|&b| is_control(b));
            return Ok(Some(&self.rec));
        }
    }
}

/// A control character other than CR and LF (CR and LF end lines, or are a field's text).
pub fn is_control(b: u8) -> bool {
    b < b' ' && b != b'\r' && b != b'\n'
}

/// What one pass over a line found: where it ends (its LF), and what it holds before that.
#[derive(Debug, Default, PartialEq, Eq)]
struct LineScan {
    end: usize,
    quote: bool,
    crs: usize,
    controls: bool,
    high: bool,
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `w` equal to `b` (exact: no carry crosses a byte).
fn bytes_equal(w: u64, b: u8) -> u64 {
    let x = w ^ (ONES * u64::from(b));
    !(((x & !HIGHS) + !HIGHS) | x) & HIGHS
}

/// The high bit of each byte of `w` below 0x20.
fn bytes_below_space(w: u64) -> u64 {
    !((w & !HIGHS) + ONES * 0x60) & !w & HIGHS
}

/// Scans `window` up to its first LF: pushes the span of each field cut by a separator into
/// `spans` (the last one ending at the LF), and says what the line holds. None when the window
/// holds no LF. Stops at the first quote (the caller reads such a line byte by byte).
/// Thirty-two bytes at a time with AVX2 when the processor has it (a line of the deliveries
/// takes two or three steps), else sixteen with SSE2 (part of every x86_64 processor), else
/// eight ([`scan_line_swar`]).
#[cfg(target_arch = "x86_64")]
#[inline]
fn scan_line(window: &[u8], spans: &mut Vec<(usize, usize)>) -> Option<LineScan> {
    // The detection is made once; afterwards it is one load of a cached answer.
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2, checked just above.
        unsafe { scan_line_avx2(window, spans) }
    } else {
        // SAFETY: SSE2 is part of the x86_64 architecture.
        unsafe { scan_line_sse2(window, spans) }
    }
}

/// A [`scan_line`] over vectors of `$width` bytes, with the intrinsics of one instruction set
/// (`$feature`): one body for AVX2 and SSE2.
#[cfg(target_arch = "x86_64")]
macro_rules! wide_scan {
    ($(#[$doc:meta])* $name:ident, $feature:literal, $width:literal, $vec:ident, $load:ident,
     $set1:ident, $cmpeq:ident, $max:ident, $movemask:ident) => {
        $(#[$doc])*
        ///
        /// # Safety
        #[doc = concat!("The processor must have ", $feature, ".")]
        #[target_feature(enable = $feature)]
        unsafe fn $name(window: &[u8], spans: &mut Vec<(usize, usize)>) -> Option<LineScan> {
            use std::arch::x86_64::{$cmpeq, $load, $max, $movemask, $set1, $vec};
            let mut scan = LineScan::default();
            let mut start = 0;
            let mut at = 0;
            let mut chunks = window.chunks_exact($width);
            let lf_v = $set1(b'\n' as i8);
            let quote_v = $set1(b'"' as i8);
            let cr_v = $set1(b'\r' as i8);
            let sep_v = $set1(SEPARATOR as i8);
            let below_space = $set1(0x1f);
            // The high bit of each byte, `$width` bits.
            let mask = |m: $vec| u64::from($movemask(m) as u32);
            let all = u64::MAX >> (64 - $width);
            for chunk in chunks.by_ref() {
                // SAFETY: the load reads the `$width` bytes of the chunk, unaligned.
                let v = unsafe { $load(chunk.as_ptr().cast::<$vec>()) };
                let lf = mask($cmpeq(v, lf_v));
                // Only the bytes before the line's end count.
                let keep = if lf == 0 {
                    all
                } else {
                    (1u64 << lf.trailing_zeros()) - 1
                };
                if mask($cmpeq(v, quote_v)) & keep != 0 {
                    scan.quote = true;
                    return Some(scan);
                }
                let cr = mask($cmpeq(v, cr_v)) & keep;
                scan.crs += cr.count_ones() as usize;
                // max(b, 0x1F) == 0x1F: b is below a space.
                let below = mask($cmpeq($max(v, below_space), below_space));
                scan.controls |= below & !cr & !lf & keep != 0;
                scan.high |= mask(v) & keep != 0;
                let seps = mask($cmpeq(v, sep_v)) & keep;
                cut_fields(seps, |bit| bit as usize, at, &mut start, spans);
                if lf != 0 {
                    scan.end = at + lf.trailing_zeros() as usize;
                    spans.push((start, scan.end));
                    return Some(scan);
                }
                at += $width;
            }
            scan_tail(chunks.remainder(), at, start, scan, spans)
        }
    };
}

#[cfg(target_arch = "x86_64")]
wide_scan!(
    /// [`scan_line`] thirty-two bytes at a time.
    scan_line_avx2, "avx2", 32, __m256i, _mm256_loadu_si256, _mm256_set1_epi8,
    _mm256_cmpeq_epi8, _mm256_max_epu8, _mm256_movemask_epi8
);

#[cfg(target_arch = "x86_64")]
wide_scan!(
    /// [`scan_line`] sixteen bytes at a time (SSE2 is part of every x86_64 processor).
    scan_line_sse2, "sse2", 16, __m128i, _mm_loadu_si128, _mm_set1_epi8, _mm_cmpeq_epi8,
    _mm_max_epu8, _mm_movemask_epi8
);

#[cfg(not(target_arch = "x86_64"))]
fn scan_line(window: &[u8], spans: &mut Vec<(usize, usize)>) -> Option<LineScan> {
    scan_line_swar(window, spans)
}

/// Pushes the span of each field that a separator of the mask `seps` ends (`byte`: the position
/// in the chunk, from `at`, of a bit of the mask) and moves `start` past it.
#[inline]
fn cut_fields(
    mut seps: u64,
    byte: impl Fn(u32) -> usize,
    at: usize,
    start: &mut usize,
    spans: &mut Vec<(usize, usize)>,
) {
    while seps != 0 {
        let i = at + byte(seps.trailing_zeros());
        spans.push((*start, i));
        *start = i + 1;
        seps &= seps - 1;
    }
}

/// The end of a scan, byte by byte: `tail` starts at `at` in the line, whose current field
/// starts at `start`.
fn scan_tail(
    tail: &[u8],
    at: usize,
    mut start: usize,
    mut scan: LineScan,
    spans: &mut Vec<(usize, usize)>,
) -> Option<LineScan> {
    for (i, &b) in tail.iter().enumerate() {
        let i = at + i;
        match b {
            b'\n' => {
                scan.end = i;
                spans.push((start, i));
                return Some(scan);
            }
            b'"' => {
                scan.quote = true;
                return Some(scan);
            }
            SEPARATOR => {
                spans.push((start, i));
                start = i + 1;
            }
            b'\r' => scan.crs += 1,
            b if b < b' ' => scan.controls = true,
            b if b >= 0x80 => scan.high = true,
            _ => {}
        }
    }
    None
}

/// [`scan_line`] eight bytes at a time, on any processor: pushes the span of each field cut by
/// a separator into `spans` (the last one ending at the LF), and says what the line holds. None
/// when the window holds no LF. Stops at the first quote (the caller reads such a line byte by
/// byte).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn scan_line_swar(window: &[u8], spans: &mut Vec<(usize, usize)>) -> Option<LineScan> {
    let mut scan = LineScan::default();
    let mut start = 0;
    let mut at = 0;
    let mut words = window.chunks_exact(8);
    for chunk in words.by_ref() {
        let w = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let lf = bytes_equal(w, b'\n');
        // Only the bytes before the line's end count.
        let keep = if lf == 0 {
            u64::MAX
        } else {
            (1u64 << lf.trailing_zeros()) - 1
        };
        let quote = bytes_equal(w, b'"') & keep;
        if quote != 0 {
            scan.quote = true;
            return Some(scan);
        }
        let cr = bytes_equal(w, b'\r') & keep;
        scan.crs += cr.count_ones() as usize;
        scan.controls |= bytes_below_space(w) & !cr & !lf & keep != 0;
        scan.high |= w & HIGHS & keep != 0;
        let seps = bytes_equal(w, SEPARATOR) & keep;
        cut_fields(seps, |bit| (bit / 8) as usize, at, &mut start, spans);
        if lf != 0 {
            scan.end = at + (lf.trailing_zeros() / 8) as usize;
            spans.push((start, scan.end));
            return Some(scan);
        }
        at += 8;
    }
    scan_tail(words.remainder(), at, start, scan, spans)
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

    /// Everything a record says, read with or without the quick path, in buffers of `cap`.
    type Reading = Vec<Result<Said, String>>;

    /// A reading that went to the end: where the lines stand, and whether a BOM was skipped.
    fn ended(mut out: Reading, line: u64, bom: bool) -> Reading {
        out.push(Ok((
            Vec::new(),
            Vec::new(),
            None,
            line,
            [bom, false, false, false, false],
        )));
        out
    }

    fn reading(bytes: &[u8], cap: usize, max: usize, quick: bool) -> Reading {
        let mut r = RecordReader::with_limit(io::BufReader::with_capacity(cap, bytes), max);
        r.quick = quick;
        let mut out = Vec::new();
        loop {
            match r.next_record() {
                Ok(Some(rec)) => out.push(Ok(rec.view().said())),
                Ok(None) => break,
                Err(e) => {
                    out.push(Err(e.to_string()));
                    return out;
                }
            }
        }
        ended(out, r.line(), r.bom)
    }

    /// [`reading`], block by block, `read` bytes read at once.
    fn block_reading(bytes: &[u8], read: usize, max: usize) -> Reading {
        let mut r = BlockReader::with_limit(bytes, max).reading(read);
        let mut block = Block::default();
        let mut out = Vec::new();
        loop {
            match r.next_block(&mut block) {
                Ok(true) => out.extend(block.records().map(|rec| Ok(rec.said()))),
                Ok(false) => break,
                Err(e) => {
                    out.push(Err(e.to_string()));
                    return out;
                }
            }
        }
        ended(out, r.line(), r.bom)
    }

    #[test]
    fn a_block_holds_whole_records_and_the_rest_waits() {
        let bytes = b"\xEF\xBB\xBFa;b\r\n\"x\r\ny\";z\r\nlast";
        let mut r = BlockReader::new(&bytes[..]).reading(12);
        let mut block = Block::default();
        assert!(r.next_block(&mut block).unwrap());
        assert!(r.bom);
        // Twelve bytes: the header, and the start of a quoted field that waits.
        assert_eq!(block.len(), 1);
        assert_eq!(block.get(0).fields().collect::<Vec<_>>(), [b"a", b"b"]);
        let mut rest = Vec::new();
        while r.next_block(&mut block).unwrap() {
            rest.extend(
                block
                    .records()
                    .map(|rec| (rec.raw.to_vec(), rec.line, rec.terminator)),
            );
        }
        assert_eq!(
            rest,
            [
                (b"\"x\r\ny\";z".to_vec(), 2, Some(Terminator::CrLf)),
                (b"last".to_vec(), 4, Some(Terminator::Eof)),
            ]
        );
        assert_eq!(r.line(), 4);
    }

    type Scan = fn(&[u8], &mut Vec<(usize, usize)>) -> Option<LineScan>;

    /// The scans of several bytes at a time this processor can run.
    #[cfg(target_arch = "x86_64")]
    fn wide_scans() -> Vec<(&'static str, Scan)> {
        let mut scans: Vec<(&'static str, Scan)> = vec![
            // SAFETY: SSE2 is part of the x86_64 architecture.
            ("SSE2", |w, s| unsafe { scan_line_sse2(w, s) }),
            ("choisi", scan_line),
        ];
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2, checked just above.
            scans.push(("AVX2", |w, s| unsafe { scan_line_avx2(w, s) }));
        }
        scans
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn wide_scans() -> Vec<(&'static str, Scan)> {
        vec![("choisi", scan_line)]
    }

    proptest::proptest! {
        /// The line scans, thirty-two and sixteen bytes at a time, find what the scan eight
        /// bytes at a time finds (the quick path's property below holds the latter to the
        /// byte-by-byte reading).
        #[test]
        fn the_wide_scan_is_the_portable_scan(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    6 => proptest::sample::select(b"ab1 ;;;\r\n".to_vec()),
                    1 => proptest::sample::select(b"\"\xE9\x80\x1F\x20\t\x00\x7F\xFF".to_vec()),
                ],
                0..120,
            ),
            skip in 0usize..16,
        ) {
            let window = &bytes[skip.min(bytes.len())..];
            let mut b = Vec::new();
            let portable = scan_line_swar(window, &mut b);
            // At a quote the scan stops and the line is read again byte by byte: what was
            // counted before it does not count.
            let quoted = |s: &Option<LineScan>| s.as_ref().is_some_and(|s| s.quote);
            for (name, wide) in wide_scans() {
                let mut a = Vec::new();
                let wide = wide(window, &mut a);
                proptest::prop_assert_eq!(quoted(&wide), quoted(&portable), "{}", name);
                if !quoted(&wide) {
                    proptest::prop_assert_eq!(&wide, &portable, "{}", name);
                    proptest::prop_assert_eq!(&a, &b, "{}", name);
                }
            }
        }

        /// The quick path, and blocks of records, read every input exactly as the byte-by-byte
        /// reading does, wherever buffers and reads stop.
        #[test]
        fn quick_path_and_blocks_read_as_the_byte_by_byte_reading(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    4 => proptest::sample::select(b"ab1 ;;\r\n\r\n".to_vec()),
                    1 => proptest::sample::select(b"\"\xE9\xEF\xBB\xBF\t\x00\x7F".to_vec()),
                ],
                0..200,
            ),
            cap in 1usize..40,
            max in 1usize..60,
        ) {
            let byte_by_byte = reading(&bytes, cap, max, false);
            proptest::prop_assert_eq!(&reading(&bytes, cap, max, true), &byte_by_byte);
            proptest::prop_assert_eq!(&block_reading(&bytes, cap, max), &byte_by_byte);
        }
    }
}
