//! Read-ahead on a second thread: decryption (and gzip decompression) of a delivery runs on one
//! core while the reception parses and types on the other. The decrypted bytes pass from one
//! thread to the other in memory only, a few buffers at a time: the producer never runs more
//! than [`DEPTH`] buffers ahead, so a decompression bomb stops as soon as the reader stops.

use std::io::{self, Read};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::thread::Scope;

/// Size of one buffer.
const CHUNK: usize = 256 << 10;
/// Buffers in flight between the two threads (4 MB): decryption goes on while the reading
/// thread settles a table between two files.
const DEPTH: usize = 16;

/// The reading end: a [`Read`] over what the producer thread read.
pub struct ReadAhead {
    rx: Receiver<io::Result<Vec<u8>>>,
    recycle: Sender<Vec<u8>>,
    buf: Vec<u8>,
    pos: usize,
    done: bool,
}

impl ReadAhead {
    /// Starts reading `inner` on a thread of `scope`. Dropping the returned reader stops the
    /// thread at its next buffer.
    pub fn spawn<'scope, R: Read + Send + 'scope>(
        scope: &'scope Scope<'scope, '_>,
        mut inner: R,
    ) -> ReadAhead {
        let (tx, rx): (SyncSender<io::Result<Vec<u8>>>, _) = sync_channel(DEPTH);
        let (recycle, spare) = channel::<Vec<u8>>();
        scope.spawn(move || {
            loop {
                let mut buf = spare.try_recv().unwrap_or_default();
                buf.resize(CHUNK, 0);
                let mut n = 0;
                let outcome = loop {
                    if n == buf.len() {
                        break Ok(());
                    }
                    match inner.read(&mut buf[n..]) {
                        Ok(0) => break Ok(()),
                        Ok(k) => n += k,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => break Err(e),
                    }
                };
                buf.truncate(n);
                let end = n == 0;
                let sent = match outcome {
                    // Bytes read before an error are handed over first, then the error.
                    Err(e) => {
                        if n > 0 {
                            let _ = tx.send(Ok(buf));
                        }
                        let _ = tx.send(Err(e));
                        return;
                    }
                    Ok(()) => tx.send(Ok(buf)),
                };
                if sent.is_err() || end {
                    return;
                }
            }
        });
        ReadAhead {
            rx,
            recycle,
            buf: Vec::new(),
            pos: 0,
            done: false,
        }
    }
}

impl Read for ReadAhead {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.buf.len() {
            if self.done || out.is_empty() {
                return Ok(0);
            }
            let used = std::mem::take(&mut self.buf);
            let _ = self.recycle.send(used);
            self.pos = 0;
            match self.rx.recv() {
                Ok(Ok(b)) if b.is_empty() => self.done = true,
                Ok(Ok(b)) => self.buf = b,
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                // The producer is gone without a word: it ended after the last buffer.
                Err(_) => self.done = true,
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Yields `data` in pieces of `step` bytes, then fails when `fail` is set.
    struct Pieces {
        data: Vec<u8>,
        at: usize,
        step: usize,
        fail: bool,
    }

    impl Read for Pieces {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.at == self.data.len() {
                return if self.fail {
                    Err(io::Error::new(io::ErrorKind::InvalidData, "chunk damaged"))
                } else {
                    Ok(0)
                };
            }
            let n = self.step.min(buf.len()).min(self.data.len() - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    fn data(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    #[test]
    fn passes_every_byte_in_order() {
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 12_345] {
            let d = data(len);
            let got = std::thread::scope(|s| {
                let mut r = ReadAhead::spawn(
                    s,
                    Pieces {
                        data: d.clone(),
                        at: 0,
                        step: 10_007,
                        fail: false,
                    },
                );
                let mut out = Vec::new();
                r.read_to_end(&mut out).unwrap();
                out
            });
            assert_eq!(got, d, "{len}");
        }
    }

    #[test]
    fn an_error_comes_after_the_bytes_read_before_it() {
        let d = data(CHUNK + 500);
        std::thread::scope(|s| {
            let mut r = ReadAhead::spawn(
                s,
                Pieces {
                    data: d.clone(),
                    at: 0,
                    step: 4096,
                    fail: true,
                },
            );
            let mut out = vec![0u8; d.len()];
            r.read_exact(&mut out).unwrap();
            assert_eq!(out, d);
            let e = r.read(&mut [0u8; 10]).unwrap_err();
            assert_eq!(e.to_string(), "chunk damaged");
        });
    }

    #[test]
    fn dropping_the_reader_stops_an_endless_producer() {
        std::thread::scope(|s| {
            let mut r = ReadAhead::spawn(s, io::repeat(0x41));
            let mut out = [0u8; 1000];
            r.read_exact(&mut out).unwrap();
            drop(r);
            // The scope returns: the producer stopped instead of reading forever.
        });
    }
}
