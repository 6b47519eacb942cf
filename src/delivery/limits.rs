//! Byte limits on streams: a member may not be larger than CONTROLE.TXT declares, and the whole
//! decompressed archive may not be larger than the sum of what it declares. Reading stops as soon
//! as a limit is passed, so that a bomb never fills memory or disk.

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use thiserror::Error;

/// A shared byte budget: bytes read so far and the limit, which can be set once it is known.
/// Read by the reception's progress on another thread than the one that reads the bytes.
#[derive(Clone, Debug)]
pub struct Counter {
    read: Arc<AtomicU64>,
    limit: Arc<AtomicU64>,
}

impl Default for Counter {
    fn default() -> Self {
        Counter::new(u64::MAX)
    }
}

impl Counter {
    pub fn new(limit: u64) -> Self {
        Counter {
            read: Arc::new(AtomicU64::new(0)),
            limit: Arc::new(AtomicU64::new(limit)),
        }
    }

    pub fn set_limit(&self, limit: u64) {
        self.limit.store(limit, Ordering::Relaxed);
    }

    pub fn read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }
}

/// The error a [`LimitedReader`] returns when its limit is passed.
#[derive(Debug, Error)]
#[error("{what} dépasse la taille déclarée ({limit} octets) : lecture arrêtée")]
pub struct LimitExceeded {
    pub what: String,
    pub limit: u64,
}

/// A reader that fails as soon as more bytes than its counter's limit went through.
pub struct LimitedReader<R> {
    inner: R,
    counter: Counter,
    what: String,
}

impl<R> LimitedReader<R> {
    pub fn new(inner: R, counter: Counter, what: String) -> Self {
        LimitedReader {
            inner,
            counter,
            what,
        }
    }
}

impl<R: Read> Read for LimitedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let total = self.counter.read.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        let limit = self.counter.limit.load(Ordering::Relaxed);
        if total > limit {
            return Err(io::Error::other(LimitExceeded {
                what: self.what.clone(),
                limit,
            }));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_past_the_limit() {
        let data = vec![0u8; 1000];
        let c = Counter::new(500);
        let mut r = LimitedReader::new(&data[..], c.clone(), "x".into());
        let mut out = Vec::new();
        let e = r.read_to_end(&mut out).unwrap_err();
        assert!(
            e.get_ref()
                .unwrap()
                .downcast_ref::<LimitExceeded>()
                .is_some()
        );
        assert!(c.read() > 500);
        let c = Counter::new(1000);
        let mut r = LimitedReader::new(&data[..], c, "x".into());
        assert_eq!(r.read_to_end(&mut out).unwrap(), 1000);
    }
}
