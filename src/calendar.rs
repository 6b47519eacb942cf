//! French public holidays ("jours fériés") and the legal deadline of a delivery.
//!
//! When an MDPH receives a delivery it has 15 "jours ouvrés" to check it. A jour ouvré is a day
//! from Monday to Friday that is not a public holiday of the MDPH's département. This module owns
//! the holiday list (national days, Alsace-Moselle days, abolition of slavery days in the
//! overseas départements) and the working-day arithmetic built on it; nothing else in the crate
//! should count days on its own.
//!
//! Départements are given by their 3-character code as in the deliveries: `"059"`, `"02A"`,
//! `"974"`. A code written any other way (`"59"`, `"57 "`) matches no local rule and gets the
//! national holidays only.

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// The number of jours ouvrés an MDPH has to check a delivery.
pub const CHECK_PERIOD_WORKING_DAYS: u32 = 15;

/// Alsace-Moselle: Moselle, Bas-Rhin, Haut-Rhin (local law keeps Vendredi saint and 26 décembre).
const ALSACE_MOSELLE: [&str; 3] = ["057", "067", "068"];

/// Easter Sunday of `year` in the Gregorian calendar, or `None` when the year is outside the
/// range chrono can represent.
///
/// Anonymous Gregorian algorithm (Meeus–Jones–Butcher, as given in Jean Meeus, "Astronomical
/// Algorithms"). Euclidean division keeps it valid for the proleptic calendar too.
fn easter_opt(year: i32) -> Option<NaiveDate> {
    let y = i64::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let month = (h + l - 7 * m + 114).div_euclid(31); // 3 = March, 4 = April
    let day = (h + l - 7 * m + 114).rem_euclid(31) + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// Easter Sunday of `year` (Gregorian calendar), by the anonymous Gregorian algorithm
/// (Meeus–Jones–Butcher).
///
/// # Panics
///
/// If `year` is outside the range of [`NaiveDate`] (about ±262 000); every year a `NaiveDate`
/// A date typed as `JJ/MM/AAAA`.
pub fn parse_fr_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%d/%m/%Y")
        .map_err(|_| format!("« {s} » n'est pas une date JJ/MM/AAAA"))
}

/// can hold has its Easter.
pub fn easter_sunday(year: i32) -> NaiveDate {
    easter_opt(year).expect("year within the range of NaiveDate")
}

/// The public holidays of `year` in `departement`, sorted by date, with their French names.
///
/// National list (Code du travail, art. L3133-1): Jour de l'an, Lundi de Pâques, Fête du travail,
/// Victoire 1945, Ascension, Lundi de Pentecôte, Fête nationale, Assomption, Toussaint,
/// Armistice 1918, Noël. Local days: Vendredi saint and Saint-Étienne in Alsace-Moselle (057, 067,
/// 068); the abolition of slavery in Guadeloupe (971, 27 mai), Martinique (972, 22 mai),
/// Guyane (973, 10 juin), La Réunion (974, 20 décembre) and Mayotte (976, 27 avril).
///
/// History, deliberately simplified:
/// - the 8 mai was a public holiday from 1953 to 1959, was not one from 1960 to 1981, and is one
///   again since 1982 (loi n° 81-893 du 2 octobre 1981); the list follows that;
/// - the Lundi de Pentecôte became the "journée de solidarité" in 2005, but it stays in the
///   Code du travail list of public holidays and most public offices close; it is kept every
///   year;
/// - the local days are applied for every year as today's law has them. Deliveries are recent,
///   so nothing earlier than 1982 is expected to matter.
///
/// Two holidays may fall on the same day (in 2008 the Ascension was on the 1er mai): both are
/// listed, in the order of the national list.
pub fn public_holidays(year: i32, departement: &str) -> Vec<(NaiveDate, &'static str)> {
    let fixed = |month: u32, day: u32| NaiveDate::from_ymd_opt(year, month, day);
    let easter = easter_opt(year);
    let from_easter = |offset: i64| {
        let e = easter?;
        let days = Days::new(offset.unsigned_abs());
        if offset >= 0 {
            e.checked_add_days(days)
        } else {
            e.checked_sub_days(days)
        }
    };
    let victoire_1945 = (1953..=1959).contains(&year) || year >= 1982;

    let mut candidates: Vec<(Option<NaiveDate>, &'static str)> = vec![
        (fixed(1, 1), "Jour de l'an"),
        (from_easter(1), "Lundi de Pâques"),
        (fixed(5, 1), "Fête du travail"),
    ];
    if victoire_1945 {
        candidates.push((fixed(5, 8), "Victoire 1945"));
    }
    candidates.extend([
        (from_easter(39), "Ascension"),
        (from_easter(50), "Lundi de Pentecôte"),
        (fixed(7, 14), "Fête nationale"),
        (fixed(8, 15), "Assomption"),
        (fixed(11, 1), "Toussaint"),
        (fixed(11, 11), "Armistice 1918"),
        (fixed(12, 25), "Noël"),
    ]);

    if ALSACE_MOSELLE.contains(&departement) {
        candidates.push((from_easter(-2), "Vendredi saint"));
        candidates.push((fixed(12, 26), "Saint-Étienne"));
    }
    let abolition = match departement {
        "971" => Some((5, 27)),  // Guadeloupe
        "972" => Some((5, 22)),  // Martinique
        "973" => Some((6, 10)),  // Guyane
        "974" => Some((12, 20)), // La Réunion
        "976" => Some((4, 27)),  // Mayotte
        _ => None,
    };
    if let Some((month, day)) = abolition {
        candidates.push((fixed(month, day), "Abolition de l'esclavage"));
    }

    let mut holidays: Vec<(NaiveDate, &'static str)> = candidates
        .into_iter()
        .filter_map(|(date, name)| date.map(|d| (d, name)))
        .collect();
    // Stable: holidays on the same day keep the order of the national list.
    holidays.sort_by_key(|&(date, _)| date);
    holidays
}

/// Whether `d` is a jour ouvré in `departement`: Monday to Friday and not a public holiday.
pub fn is_working_day(d: NaiveDate, departement: &str) -> bool {
    if matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
        return false;
    }
    !public_holidays(d.year(), departement)
        .iter()
        .any(|&(holiday, _)| holiday == d)
}

/// The `n`-th working day strictly after `from`: the day of reception never counts, and a
/// reception on a Saturday, a Sunday or a holiday counts from the next working day.
///
/// `n == 0` returns `from` itself. Should the count run past the last date chrono can represent
/// (year 262 143), the result saturates at [`NaiveDate::MAX`].
pub fn add_working_days(from: NaiveDate, n: u32, departement: &str) -> NaiveDate {
    let mut day = from;
    let mut counted = 0;
    while counted < n {
        let Some(next) = day.succ_opt() else {
            return NaiveDate::MAX;
        };
        day = next;
        if is_working_day(day, departement) {
            counted += 1;
        }
    }
    day
}

/// The legal deadline for checking a delivery received on `received`: the 15th jour ouvré after
/// the day of reception. The delivery is on time when checked on the deadline day itself.
pub fn deadline(received: NaiveDate, departement: &str) -> NaiveDate {
    add_working_days(received, CHECK_PERIOD_WORKING_DAYS, departement)
}

/// The number of working days after `today` up to and including `deadline`: 0 when `today` is
/// the deadline or later (use [`is_past`] to tell the two apart).
pub fn working_days_left(today: NaiveDate, deadline: NaiveDate, departement: &str) -> i64 {
    today
        .iter_days()
        .skip(1)
        .take_while(|&d| d <= deadline)
        .map(|d| i64::from(is_working_day(d, departement)))
        .sum()
}

/// Whether the deadline has passed: `today` is strictly after it (on the deadline day itself the
/// check is still on time).
pub fn is_past(today: NaiveDate, deadline: NaiveDate) -> bool {
    today > deadline
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn dates(list: &[(NaiveDate, &'static str)]) -> Vec<NaiveDate> {
        list.iter().map(|&(d, _)| d).collect()
    }

    #[test]
    fn easter_1990_to_2030() {
        // Easter Sunday, Gregorian, from the published tables.
        let table: [(i32, u32, u32); 41] = [
            (1990, 4, 15),
            (1991, 3, 31),
            (1992, 4, 19),
            (1993, 4, 11),
            (1994, 4, 3),
            (1995, 4, 16),
            (1996, 4, 7),
            (1997, 3, 30),
            (1998, 4, 12),
            (1999, 4, 4),
            (2000, 4, 23),
            (2001, 4, 15),
            (2002, 3, 31),
            (2003, 4, 20),
            (2004, 4, 11),
            (2005, 3, 27),
            (2006, 4, 16),
            (2007, 4, 8),
            (2008, 3, 23),
            (2009, 4, 12),
            (2010, 4, 4),
            (2011, 4, 24),
            (2012, 4, 8),
            (2013, 3, 31),
            (2014, 4, 20),
            (2015, 4, 5),
            (2016, 3, 27),
            (2017, 4, 16),
            (2018, 4, 1),
            (2019, 4, 21),
            (2020, 4, 12),
            (2021, 4, 4),
            (2022, 4, 17),
            (2023, 4, 9),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2028, 4, 16),
            (2029, 4, 1),
            (2030, 4, 21),
        ];
        for (year, month, day) in table {
            assert_eq!(easter_sunday(year), date(year, month, day), "Easter {year}");
            assert_eq!(easter_sunday(year).weekday(), Weekday::Sun);
        }
    }

    #[test]
    fn easter_extremes() {
        // Earliest possible date (22 March) and latest (25 April).
        assert_eq!(easter_sunday(1818), date(1818, 3, 22));
        assert_eq!(easter_sunday(2285), date(2285, 3, 22));
        assert_eq!(easter_sunday(1943), date(1943, 4, 25));
        assert_eq!(easter_sunday(2038), date(2038, 4, 25));
        for year in 1583..=4099 {
            let e = easter_sunday(year);
            assert_eq!(e.weekday(), Weekday::Sun, "Easter {year}");
            assert!(
                e >= date(year, 3, 22) && e <= date(year, 4, 25),
                "Easter {year}"
            );
        }
    }

    #[test]
    fn holidays_2008_nord() {
        // Easter 2008 = 23 March, so Ascension (+39) = 1 May, the same day as the Fête du travail.
        let expected = vec![
            (date(2008, 1, 1), "Jour de l'an"),
            (date(2008, 3, 24), "Lundi de Pâques"),
            (date(2008, 5, 1), "Fête du travail"),
            (date(2008, 5, 1), "Ascension"),
            (date(2008, 5, 8), "Victoire 1945"),
            (date(2008, 5, 12), "Lundi de Pentecôte"),
            (date(2008, 7, 14), "Fête nationale"),
            (date(2008, 8, 15), "Assomption"),
            (date(2008, 11, 1), "Toussaint"),
            (date(2008, 11, 11), "Armistice 1918"),
            (date(2008, 12, 25), "Noël"),
        ];
        assert_eq!(public_holidays(2008, "059"), expected);
    }

    #[test]
    fn holidays_2026_nord() {
        // Easter 2026 = 5 April: Lundi de Pâques 6 April, Ascension 14 May, Pentecôte 25 May.
        let expected = vec![
            (date(2026, 1, 1), "Jour de l'an"),
            (date(2026, 4, 6), "Lundi de Pâques"),
            (date(2026, 5, 1), "Fête du travail"),
            (date(2026, 5, 8), "Victoire 1945"),
            (date(2026, 5, 14), "Ascension"),
            (date(2026, 5, 25), "Lundi de Pentecôte"),
            (date(2026, 7, 14), "Fête nationale"),
            (date(2026, 8, 15), "Assomption"),
            (date(2026, 11, 1), "Toussaint"),
            (date(2026, 11, 11), "Armistice 1918"),
            (date(2026, 12, 25), "Noël"),
        ];
        assert_eq!(public_holidays(2026, "059"), expected);
        // A département with no local rule has exactly the same list.
        assert_eq!(public_holidays(2026, "02A"), expected);
    }

    #[test]
    fn holidays_alsace_moselle() {
        let national = public_holidays(2026, "059");
        for dep in ALSACE_MOSELLE {
            let local = public_holidays(2026, dep);
            assert_eq!(local.len(), national.len() + 2, "{dep}");
            // Vendredi saint = Easter − 2 = Friday 3 April 2026.
            assert!(
                local.contains(&(date(2026, 4, 3), "Vendredi saint")),
                "{dep}"
            );
            assert!(
                local.contains(&(date(2026, 12, 26), "Saint-Étienne")),
                "{dep}"
            );
            assert!(local.windows(2).all(|w| w[0].0 <= w[1].0), "sorted {dep}");
        }
        // 2008: Easter 23 March, Vendredi saint 21 March.
        assert!(public_holidays(2008, "067").contains(&(date(2008, 3, 21), "Vendredi saint")));
        assert!(!is_working_day(date(2026, 4, 3), "067"));
        assert!(is_working_day(date(2026, 4, 3), "059"));
        // Neither day outside Alsace-Moselle.
        assert!(!dates(&national).contains(&date(2026, 4, 3)));
        assert!(!dates(&national).contains(&date(2026, 12, 26)));
    }

    #[test]
    fn holidays_overseas() {
        let cases = [
            ("971", date(2026, 5, 27)),
            ("972", date(2026, 5, 22)),
            ("973", date(2026, 6, 10)),
            ("974", date(2026, 12, 20)),
            ("976", date(2026, 4, 27)),
        ];
        let national = public_holidays(2026, "059");
        for (dep, day) in cases {
            let local = public_holidays(2026, dep);
            assert_eq!(local.len(), national.len() + 1, "{dep}");
            assert!(local.contains(&(day, "Abolition de l'esclavage")), "{dep}");
            assert!(local.windows(2).all(|w| w[0].0 <= w[1].0), "sorted {dep}");
            assert!(!dates(&national).contains(&day));
        }
        // La Réunion: 20 décembre 2024 is a Friday, a holiday there only.
        assert!(!is_working_day(date(2024, 12, 20), "974"));
        assert!(is_working_day(date(2024, 12, 20), "059"));
        assert!(is_working_day(date(2024, 12, 20), "971"));
    }

    #[test]
    fn victoire_1945_history() {
        let has_8_mai =
            |year: i32| dates(&public_holidays(year, "059")).contains(&date(year, 5, 8));
        assert!(!has_8_mai(1960));
        assert!(!has_8_mai(1981));
        assert!(has_8_mai(1959));
        assert!(has_8_mai(1982));
        assert!(has_8_mai(2030));
        // Lundi de Pentecôte is kept after 2005.
        assert!(dates(&public_holidays(2005, "059")).contains(&date(2005, 5, 16)));
    }

    #[test]
    fn working_days() {
        assert!(is_working_day(date(2026, 1, 2), "059")); // Friday
        assert!(!is_working_day(date(2026, 1, 3), "059")); // Saturday
        assert!(!is_working_day(date(2026, 1, 4), "059")); // Sunday
        assert!(!is_working_day(date(2026, 1, 1), "059")); // Thursday, Jour de l'an
        assert!(!is_working_day(date(2026, 5, 25), "059")); // Monday, Lundi de Pentecôte
        assert!(is_working_day(date(2026, 5, 26), "059")); // Tuesday
    }

    #[test]
    fn deadline_october_2008() {
        // Received Wednesday 15/10/2008, Nord. Working days after reception:
        //   Thu 16 (1), Fri 17 (2),
        //   Mon 20 (3), Tue 21 (4), Wed 22 (5), Thu 23 (6), Fri 24 (7),
        //   Mon 27 (8), Tue 28 (9), Wed 29 (10), Thu 30 (11), Fri 31 (12),
        //   (Sat 1/11 Toussaint falls on a weekend and costs nothing), Sun 2/11,
        //   Mon 3/11 (13), Tue 4/11 (14), Wed 5/11 (15).
        // The 11 novembre (Tuesday) lies after the deadline and plays no part either.
        assert_eq!(deadline(date(2008, 10, 15), "059"), date(2008, 11, 5));
        // Received Wednesday 22/10/2008: now the Armistice does count.
        //   Thu 23 (1), Fri 24 (2), Mon 27..Fri 31 (3..7), Mon 3..Fri 7/11 (8..12),
        //   Mon 10/11 (13), Tue 11/11 Armistice (skipped), Wed 12/11 (14), Thu 13/11 (15).
        assert_eq!(deadline(date(2008, 10, 22), "059"), date(2008, 11, 13));
    }

    #[test]
    fn deadline_christmas_new_year() {
        // Received Monday 22/12/2025, Nord:
        //   Tue 23 (1), Wed 24 (2), Thu 25 Noël (skipped), Fri 26 (3),
        //   Mon 29 (4), Tue 30 (5), Wed 31 (6), Thu 1/1 Jour de l'an (skipped), Fri 2/1 (7),
        //   Mon 5/1 (8), Tue 6 (9), Wed 7 (10), Thu 8 (11), Fri 9 (12),
        //   Mon 12/1 (13), Tue 13 (14), Wed 14/1/2026 (15).
        assert_eq!(deadline(date(2025, 12, 22), "059"), date(2026, 1, 14));
        // Bas-Rhin: the 26 décembre (Saint-Étienne) is off too, one day later.
        assert_eq!(deadline(date(2025, 12, 22), "067"), date(2026, 1, 15));
        // Received on Christmas Day itself (Thursday 25/12/2025): counting starts on Fri 26:
        //   Fri 26 (1), Mon 29..Wed 31 (2..4), Fri 2/1 (5), Mon 5..Fri 9 (6..10),
        //   Mon 12..Fri 16/1/2026 (11..15).
        assert_eq!(deadline(date(2025, 12, 25), "059"), date(2026, 1, 16));
    }

    #[test]
    fn deadline_weekend_reception() {
        // Friday 2/1/2026, Saturday 3/1 and Sunday 4/1 all count from Monday 5/1:
        //   Mon 5..Fri 9 (1..5), Mon 12..Fri 16 (6..10), Mon 19..Fri 23/1 (11..15).
        for day in 2..=4 {
            assert_eq!(deadline(date(2026, 1, day), "059"), date(2026, 1, 23));
        }
        // Monday 5/1 itself does not count: one day later.
        assert_eq!(deadline(date(2026, 1, 5), "059"), date(2026, 1, 26));
    }

    #[test]
    fn deadline_ascension_long_weekend() {
        // Easter 2025 = 20 April: Ascension Thursday 29/5, Lundi de Pentecôte 9/6.
        // Received Friday 23/5/2025, Nord:
        //   Mon 26 (1), Tue 27 (2), Wed 28 (3), Thu 29 Ascension (skipped), Fri 30 (4),
        //   Mon 2/6 (5), Tue 3 (6), Wed 4 (7), Thu 5 (8), Fri 6 (9),
        //   Mon 9/6 Pentecôte (skipped), Tue 10 (10), Wed 11 (11), Thu 12 (12), Fri 13 (13),
        //   Mon 16 (14), Tue 17/6/2025 (15).
        assert_eq!(deadline(date(2025, 5, 23), "059"), date(2025, 6, 17));
        // Guyane also rests on 10 juin (abolition of slavery): one day later.
        assert_eq!(deadline(date(2025, 5, 23), "973"), date(2025, 6, 18));
        // Received Friday 8/5/2026 (itself Victoire 1945), Nord; Ascension Thu 14/5,
        // Pentecôte Mon 25/5:
        //   Mon 11 (1), Tue 12 (2), Wed 13 (3), Thu 14 Ascension (skipped), Fri 15 (4),
        //   Mon 18..Fri 22 (5..9), Mon 25 Pentecôte (skipped), Tue 26..Fri 29 (10..13),
        //   Mon 1/6 (14), Tue 2/6/2026 (15).
        assert_eq!(deadline(date(2026, 5, 8), "059"), date(2026, 6, 2));
    }

    #[test]
    fn add_working_days_zero_and_one() {
        assert_eq!(
            add_working_days(date(2026, 1, 3), 0, "059"),
            date(2026, 1, 3)
        );
        assert_eq!(
            add_working_days(date(2026, 1, 2), 1, "059"),
            date(2026, 1, 5)
        );
        assert_eq!(add_working_days(NaiveDate::MAX, 1, "059"), NaiveDate::MAX);
    }

    #[test]
    fn days_left_and_past() {
        let due = date(2026, 1, 14);
        assert_eq!(working_days_left(date(2025, 12, 22), due, "059"), 15);
        assert_eq!(working_days_left(date(2026, 1, 13), due, "059"), 1);
        assert_eq!(working_days_left(due, due, "059"), 0);
        assert_eq!(working_days_left(date(2026, 2, 1), due, "059"), 0);
        // Saturday 10/1 and Sunday 11/1 do not count: Mon 12, Tue 13, Wed 14 remain.
        assert_eq!(working_days_left(date(2026, 1, 10), due, "059"), 3);
        assert!(!is_past(date(2026, 1, 13), due));
        assert!(!is_past(due, due));
        assert!(is_past(date(2026, 1, 15), due));
    }

    #[test]
    fn deadline_property_2000_to_2030() {
        let end = date(2030, 12, 31);
        for dep in ["059", "067", "974"] {
            for received in date(2000, 1, 1).iter_days().take_while(|&d| d <= end) {
                let due = deadline(received, dep);
                assert!(due > received, "{received} {dep}");
                assert!(is_working_day(due, dep), "{received} {dep}");
                // Count the working days in (received, due] independently of the module's own
                // helpers: weekdays minus the listed holidays.
                let mut count = 0;
                for d in received.iter_days().skip(1).take_while(|&d| d <= due) {
                    let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
                    let holiday = public_holidays(d.year(), dep).iter().any(|&(h, _)| h == d);
                    if !weekend && !holiday {
                        count += 1;
                    }
                }
                assert_eq!(count, 15, "{received} {dep}");
                assert_eq!(
                    working_days_left(received, due, dep),
                    15,
                    "{received} {dep}"
                );
                // At most 15 working days + 3 weeks of weekends + a handful of holidays.
                assert!(
                    due - received <= chrono::TimeDelta::days(30),
                    "{received} {dep}"
                );
            }
        }
    }
}
