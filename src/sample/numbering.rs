//! Dossier numbers and commission calendars. Numbers are `DEP + year + sequence`; the sequence
//! space of a year is split so that every kind of dossier gets its own range and a number can be
//! computed from a position alone (which keeps generation streaming and the same in every pass):
//! active dossiers below 40 000, archived ones from 40 000, people shared by ITAC and OPALES from
//! 70 000.

use super::people::ymd;
use chrono::{Datelike, Duration, NaiveDate, Weekday};

pub const ARCHIVE_BASE: u64 = 40_000;
pub const SHARED_BASE: u64 = 70_000;
pub const SEQ_LIMIT: u64 = 100_000;

/// Positions `0..count` spread over years with given weights, in year order.
#[derive(Debug, Clone)]
pub struct YearSlots {
    pub first_year: i32,
    /// `starts[k]`: first position of year `first_year + k`; one extra element = count.
    starts: Vec<u64>,
}

impl YearSlots {
    pub fn new(first_year: i32, last_year: i32, count: u64, weight: impl Fn(i32) -> f64) -> Self {
        let years: Vec<i32> = (first_year..=last_year).collect();
        let weights: Vec<f64> = years.iter().map(|&y| weight(y).max(0.0)).collect();
        let total: f64 = weights.iter().sum();
        let mut starts = Vec::with_capacity(years.len() + 1);
        let mut acc = 0.0;
        for w in &weights {
            starts.push(((acc / total) * count as f64).round() as u64);
            acc += w;
        }
        starts.push(count);
        YearSlots { first_year, starts }
    }

    /// Year and rank in that year of position `i`.
    pub fn locate(&self, i: u64) -> (i32, u64) {
        let k = self.starts.partition_point(|&s| s <= i) - 1;
        (self.first_year + k as i32, i - self.starts[k])
    }

    /// The largest number of positions in one year.
    pub fn max_per_year(&self) -> u64 {
        self.starts
            .windows(2)
            .map(|w| w[1] - w[0])
            .max()
            .unwrap_or(0)
    }
}

/// Meetings of a commission: `per_year` a year from `first_year`, none after `last_day`.
#[derive(Debug, Clone)]
pub struct Calendar {
    pub first_year: i32,
    pub per_year: u32,
    pub last_day: NaiveDate,
}

impl Calendar {
    /// Date of meeting `n` (1-based) of year `y`: spread over the year, weekends moved to Monday.
    pub fn date(&self, y: i32, n: u32) -> NaiveDate {
        let step = 355.0 / f64::from(self.per_year);
        let d = ymd(y, 1, 5) + Duration::days((f64::from(n - 1) * step) as i64);
        match d.weekday() {
            Weekday::Sat => d + Duration::days(2),
            Weekday::Sun => d + Duration::days(1),
            _ => d,
        }
    }

    /// The first meeting on or after `d`, if it is held before the extraction.
    pub fn first_on_or_after(&self, d: NaiveDate) -> Option<(i32, u32, NaiveDate)> {
        let mut y = d.year().max(self.first_year);
        let step = 355.0 / f64::from(self.per_year);
        let offset = (d - ymd(y, 1, 5)).num_days().max(0) as f64;
        let mut n = ((offset / step).floor() as u32).clamp(0, self.per_year - 1) + 1;
        n = n.saturating_sub(1).max(1);
        loop {
            if n > self.per_year {
                y += 1;
                n = 1;
            }
            let date = self.date(y, n);
            if date > self.last_day {
                return None;
            }
            if date >= d {
                return Some((y, n, date));
            }
            n += 1;
        }
    }

    /// Every meeting, in order: (year, number, date).
    pub fn all(&self) -> impl Iterator<Item = (i32, u32, NaiveDate)> + '_ {
        (self.first_year..=self.last_day.year())
            .flat_map(move |y| (1..=self.per_year).map(move |n| (y, n, self.date(y, n))))
            .filter(move |m| m.2 <= self.last_day)
    }

    /// Sequential identifier of a meeting (OPALES: OP_REUNION.ID).
    pub fn id(&self, y: i32, n: u32) -> u64 {
        (y - self.first_year) as u64 * u64::from(self.per_year) + u64::from(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_cover_every_position_once() {
        let s = YearSlots::new(1976, 2008, 1000, |y| f64::from(y - 1970));
        let mut last = (0, 0);
        for i in 0..1000 {
            let (y, r) = s.locate(i);
            assert!((1976..=2008).contains(&y));
            if y == last.0 {
                assert_eq!(r, last.1 + 1);
            } else {
                assert_eq!(r, 0);
            }
            last = (y, r);
        }
        assert!(s.max_per_year() < 100);
    }

    #[test]
    fn calendar_finds_the_next_meeting() {
        let c = Calendar {
            first_year: 1976,
            per_year: 40,
            last_day: ymd(2008, 10, 15),
        };
        for d in [
            ymd(1990, 1, 1),
            ymd(1999, 12, 31),
            ymd(2004, 6, 17),
            ymd(1976, 3, 3),
        ] {
            let (y, n, date) = c.first_on_or_after(d).unwrap();
            assert!(date >= d);
            assert_eq!(c.date(y, n), date);
            // No meeting between d and the one found.
            assert!(c.all().all(|m| m.2 < d || m.2 >= date));
        }
        assert!(c.first_on_or_after(ymd(2008, 12, 1)).is_none());
        assert!(c.all().count() > 1000);
    }
}
