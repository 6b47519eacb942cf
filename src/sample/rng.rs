//! The generator's random numbers: SplitMix64, owned here so that the same seed gives the same
//! delivery forever, whatever crate versions the project later moves to. Every stream is derived
//! from the seed and a path of integers (table, person, row...), so one part of a delivery can be
//! regenerated without replaying the others.

/// A SplitMix64 stream (Steele, Lea, Flood: "Fast splittable pseudorandom number generators",
/// OOPSLA 2014).
#[derive(Clone, Debug)]
pub struct Rng(u64);

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A number derived from a seed and a path: the same inputs always give the same number.
pub fn hash(seed: u64, path: &[u64]) -> u64 {
    let mut h = mix(seed ^ 0x5245_5052_4953_4521);
    for &p in path {
        h = mix(h.wrapping_add(GOLDEN) ^ mix(p.wrapping_add(GOLDEN)));
    }
    h
}

impl Rng {
    /// The stream of `seed` along `path`.
    pub fn derive(seed: u64, path: &[u64]) -> Self {
        Rng(hash(seed, path))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        debug_assert!(lo <= hi);
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Number of failures before the first success, success probability `p`, capped.
    pub fn geometric(&mut self, p: f64, cap: u32) -> u32 {
        let mut n = 0;
        while n < cap && !self.chance(p) {
            n += 1;
        }
        n
    }

    /// One element of a slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A copy of one element of a slice.
    pub fn pick_copy<T: Copy>(&mut self, items: &[T]) -> T {
        *self.pick(items)
    }

    /// Index drawn with the given cumulative weights (last element = total).
    pub fn weighted(&mut self, cumulative: &[u64]) -> usize {
        let total = *cumulative.last().expect("non-empty weights");
        let x = self.below(total);
        cumulative.partition_point(|&c| c <= x)
    }
}

/// Cumulative sums of weights, for [`Rng::weighted`] (a zero weight is never drawn).
pub fn cumulative(weights: impl IntoIterator<Item = u64>) -> Vec<u64> {
    let mut acc = 0;
    weights
        .into_iter()
        .map(|w| {
            acc += w;
            acc
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_streams() {
        // These values pin the algorithm: changing them changes every generated delivery.
        let mut r = Rng::derive(1, &[2, 3]);
        let a = r.next_u64();
        assert_eq!(a, Rng::derive(1, &[2, 3]).next_u64());
        assert_ne!(a, Rng::derive(1, &[3, 2]).next_u64());
        assert_eq!(hash(0, &[]), hash(0, &[]));
    }

    #[test]
    fn ranges_and_weights() {
        let mut r = Rng::derive(7, &[]);
        for _ in 0..1000 {
            let x = r.range(-3, 3);
            assert!((-3..=3).contains(&x));
        }
        let cum = cumulative([1, 0, 99]);
        let mut counts = [0; 3];
        for _ in 0..10_000 {
            counts[r.weighted(&cum)] += 1;
        }
        assert!(counts[2] > 9_000);
        assert_eq!(counts[1], 0);
        let mean = (0..20_000).map(|_| r.geometric(0.25, 100)).sum::<u32>() as f64 / 20_000.0;
        assert!((mean - 3.0).abs() < 0.2, "{mean}");
    }
}
