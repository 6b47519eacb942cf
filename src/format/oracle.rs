//! Text forms of Oracle values as a delivery writes them: NUMBER in Oracle's default form with the
//! decimal separator of LISEZMOI.TXT (no trailing zeros, `,5` for one half), DATE as `JJ/MM/AAAA`
//! with an optional ` HH:MI:SS`.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use std::fmt::Write;

/// Writes a fixed-point number given in hundredths (`12092` → `120,92`, `50` → `,5`).
pub fn push_cents(out: &mut String, cents: i64, decimal: char) {
    if cents < 0 {
        out.push('-');
    }
    let abs = cents.unsigned_abs();
    let units = abs / 100;
    let frac = abs % 100;
    if units > 0 || frac == 0 {
        let _ = write!(out, "{units}");
    }
    if frac != 0 {
        out.push(decimal);
        if frac.is_multiple_of(10) {
            let _ = write!(out, "{}", frac / 10);
        } else {
            let _ = write!(out, "{frac:02}");
        }
    }
}

/// Writes `JJ/MM/AAAA`.
pub fn push_date(out: &mut String, d: NaiveDate) {
    let _ = write!(out, "{:02}/{:02}/{:04}", d.day(), d.month(), d.year());
}

/// Writes `JJ/MM/AAAA HH:MI:SS`.
pub fn push_datetime(out: &mut String, dt: NaiveDateTime) {
    push_date(out, dt.date());
    let _ = write!(
        out,
        " {:02}:{:02}:{:02}",
        dt.hour(),
        dt.minute(),
        dt.second()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cents(c: i64) -> String {
        let mut s = String::new();
        push_cents(&mut s, c, ',');
        s
    }

    #[test]
    fn oracle_numbers() {
        assert_eq!(cents(12092), "120,92");
        assert_eq!(cents(160000), "1600");
        assert_eq!(cents(80050), "800,5");
        assert_eq!(cents(50), ",5");
        assert_eq!(cents(5), ",05");
        assert_eq!(cents(0), "0");
        assert_eq!(cents(-250), "-2,5");
    }

    #[test]
    fn dates() {
        let mut s = String::new();
        push_date(&mut s, NaiveDate::from_ymd_opt(1997, 2, 3).unwrap());
        assert_eq!(s, "03/02/1997");
        s.clear();
        let dt = NaiveDate::from_ymd_opt(2008, 10, 15)
            .unwrap()
            .and_hms_opt(20, 0, 5)
            .unwrap();
        push_datetime(&mut s, dt);
        assert_eq!(s, "15/10/2008 20:00:05");
    }
}
