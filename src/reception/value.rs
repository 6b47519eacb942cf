//! Typing of delivered values from their DESCRIPTIF type. A value is typed only when rendering it
//! back gives exactly the delivered text; otherwise it is kept as delivered (and the caller lists
//! an anomaly). DATE values become integers `AAAAMMJJ` or `AAAAMMJJHHMISS`, NUMBER values
//! integers or reals, CHAR and VARCHAR2 stay text with their blanks.

use crate::format::descriptif::ColumnType;
use std::borrow::Cow;
use std::fmt::Write;

/// A value ready for the store.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

/// How a column's values are written in its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextForm {
    pub decimal: char,
    /// Dates written `AAAA-MM-JJ` (FINESS) rather than `JJ/MM/AAAA`.
    pub iso_dates: bool,
}

impl Default for TextForm {
    fn default() -> Self {
        TextForm {
            decimal: ',',
            iso_dates: false,
        }
    }
}

/// Why a value could not be typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Untyped {
    ImpossibleDate,
    InvalidNumber,
}

/// Whether a day exists in the proleptic Gregorian calendar, from year 1 to chrono's last year
/// (the dates the rest of the program reads with chrono).
fn valid_ymd(y: u32, m: u32, d: u32) -> bool {
    const LAST_YEAR: u32 = 262_142;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400)) => 29,
        2 => 28,
        _ => return false,
    };
    (1..=LAST_YEAR).contains(&y) && (1..=days).contains(&d)
}

/// Parses a DATE in the delivery's form into `AAAAMMJJ` or `AAAAMMJJHHMISS`.
pub fn parse_date(s: &str, form: TextForm) -> Option<i64> {
    date_of(s.as_bytes(), form)
}

/// The number written by the two digits at `i` and `i + 1` of `b`, if they are digits.
#[inline]
fn two_digits<const N: usize>(b: &[u8; N], i: usize) -> Option<u32> {
    let (x, y) = (b[i].wrapping_sub(b'0'), b[i + 1].wrapping_sub(b'0'));
    (x <= 9 && y <= 9).then(|| u32::from(x) * 10 + u32::from(y))
}

/// [`parse_date`] on the delivered bytes: every position of a date is a digit or a separator,
/// so a date is ASCII and reads the same in every encoding of a delivery (`reprise verify`
/// checks dates this way, without decoding them).
pub fn date_of(bytes: &[u8], form: TextForm) -> Option<i64> {
    if bytes.len() != 10 && bytes.len() != 19 {
        return None;
    }
    // The date's ten bytes as an array: no bound to check at each position.
    let b: &[u8; 10] = bytes.first_chunk()?;
    let two = |i: usize| two_digits(b, i);
    let (century, year, m, d) = if form.iso_dates {
        if b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        (two(0)?, two(2)?, two(5)?, two(8)?)
    } else {
        if b[2] != b'/' || b[5] != b'/' {
            return None;
        }
        (two(6)?, two(8)?, two(3)?, two(0)?)
    };
    let y = century * 100 + year;
    if !valid_ymd(y, m, d) {
        return None;
    }
    let date = i64::from(y) * 10_000 + i64::from(m) * 100 + i64::from(d);
    let Some(t) = bytes.first_chunk::<19>() else {
        return Some(date);
    };
    if t[10] != b' ' || t[13] != b':' || t[16] != b':' {
        return None;
    }
    let (h, mi, se) = (two_digits(t, 11)?, two_digits(t, 14)?, two_digits(t, 17)?);
    if h > 23 || mi > 59 || se > 59 {
        return None;
    }
    Some(date * 1_000_000 + i64::from(h) * 10_000 + i64::from(mi) * 100 + i64::from(se))
}

/// Whether `s` is an integer [`parse_number`] types as such, in its plain form (a sign, then
/// 1 to 18 digits without a leading zero, or `0`): true means typed, false means ask
/// [`parse_number`].
pub fn is_plain_integer(s: &str) -> bool {
    is_plain_integer_bytes(s.as_bytes())
}

/// [`is_plain_integer`] on bytes (which are then ASCII).
pub fn is_plain_integer_bytes(b: &[u8]) -> bool {
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    !digits.is_empty()
        && digits.len() <= 18
        && digits.iter().all(u8::is_ascii_digit)
        && (digits[0] != b'0' || digits == b"0" && digits.len() == b.len())
}

/// Renders a typed date back in the delivery's form.
pub fn render_date(v: i64, form: TextForm, out: &mut String) {
    let (date, time) = if v >= 100_000_000 {
        (v / 1_000_000, Some(v % 1_000_000))
    } else {
        (v, None)
    };
    let (y, m, d) = (date / 10_000, date / 100 % 100, date % 100);
    if form.iso_dates {
        let _ = write!(out, "{y:04}-{m:02}-{d:02}");
    } else {
        let _ = write!(out, "{d:02}/{m:02}/{y:04}");
    }
    if let Some(t) = time {
        let _ = write!(
            out,
            " {:02}:{:02}:{:02}",
            t / 10_000,
            t / 100 % 100,
            t % 100
        );
    }
}

/// Renders a number in Oracle's default text form with the given decimal separator; a value
/// under 1 keeps its leading zero when `leading_zero` (both forms occur, one per extraction).
pub fn render_number(v: &Value, decimal: char, leading_zero: bool, out: &mut String) {
    match v {
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Real(f) => {
            let mut s = format!("{f}");
            if let Some(dot) = s.find('.') {
                let frac = s[dot + 1..].trim_end_matches('0').to_string();
                s.truncate(dot);
                if !leading_zero {
                    if s == "0" {
                        s.clear();
                    } else if s == "-0" {
                        s = "-".into();
                    }
                }
                if !frac.is_empty() {
                    s.push(decimal);
                    s.push_str(&frac);
                } else if s.is_empty() || s == "-" {
                    s.push('0');
                } else if s == "-0" {
                    s = "0".into();
                }
            }
            out.push_str(&s);
        }
        _ => {}
    }
}

/// Parses a NUMBER in Oracle's text form. `leading_zero` is the column's way of writing values
/// under 1 (`0,5` or `,5`): learnt from the first such value, then required of the others.
pub fn parse_number(s: &str, decimal: char, leading_zero: &mut Option<bool>) -> Option<Value> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let (int, frac) = match decimal
        .is_ascii()
        .then(|| memchr::memchr(decimal as u8, body.as_bytes()))
    {
        // An ASCII separator cuts the text at a character boundary.
        Some(Some(at)) => (&body[..at], Some(&body[at + 1..])),
        Some(None) => (body, None),
        None => match body.split_once(decimal) {
            Some((i, f)) => (i, Some(f)),
            None => (body, None),
        },
    };
    if !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let Some(f) = frac else {
        // An integer renders back as its delivered text exactly when it has no leading zero
        // (but "0") and is not "-0": decided without rendering it.
        let canonical = int == "0" && !neg || !int.is_empty() && !int.starts_with('0');
        if !canonical {
            return None;
        }
        let i: i64 = if neg { s.parse() } else { int.parse() }.ok()?;
        return Some(Value::Int(i));
    };
    if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v = Value::Real(
        format!("{}{int}.{f}", if neg { "-" } else { "" })
            .parse()
            .ok()?,
    );
    let below_one = int.trim_start_matches('0').is_empty();
    let form = if below_one {
        let has_zero = !int.is_empty();
        *leading_zero.get_or_insert(has_zero)
    } else {
        leading_zero.unwrap_or(false)
    };
    let mut back = String::new();
    render_number(&v, decimal, form, &mut back);
    (back == s).then_some(v)
}

/// Types one delivered value (already decoded); empty text is NULL. `leading_zero` is the
/// column's form of numbers under 1 (see [`parse_number`]).
#[inline]
pub fn type_value(
    ty: ColumnType,
    text: Cow<'_, str>,
    form: TextForm,
    leading_zero: &mut Option<bool>,
) -> (Value, Option<Untyped>) {
    type_value_in(ty, text, form, leading_zero, &mut Vec::new())
}

/// [`type_value`], a text value copied into one of the `spare` strings when it needs a copy.
#[inline]
pub fn type_value_in(
    ty: ColumnType,
    text: Cow<'_, str>,
    form: TextForm,
    leading_zero: &mut Option<bool>,
    spare: &mut Vec<String>,
) -> (Value, Option<Untyped>) {
    if text.is_empty() {
        return (Value::Null, None);
    }
    let own = |text: Cow<'_, str>, spare: &mut Vec<String>| match text {
        Cow::Owned(s) => s,
        Cow::Borrowed(b) => match spare.pop() {
            Some(mut s) => {
                s.push_str(b);
                s
            }
            None => b.to_string(),
        },
    };
    match ty {
        ColumnType::Char | ColumnType::Varchar2 => (Value::Text(own(text, spare)), None),
        ColumnType::Date => match parse_date(&text, form) {
            Some(v) => (Value::Int(v), None),
            None => (Value::Text(own(text, spare)), Some(Untyped::ImpossibleDate)),
        },
        ColumnType::Number => match parse_number(&text, form.decimal, leading_zero) {
            Some(v) => (v, None),
            None => (Value::Text(own(text, spare)), Some(Untyped::InvalidNumber)),
        },
    }
}

/// Renders a stored value back as the delivery wrote it.
pub fn render(ty: ColumnType, v: &Value, form: TextForm, leading_zero: bool, out: &mut String) {
    match (ty, v) {
        (_, Value::Null) => {}
        (_, Value::Text(t)) => out.push_str(t),
        (ColumnType::Date, Value::Int(i)) => render_date(*i, form, out),
        (_, v) => render_number(v, form.decimal, leading_zero, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_spare_string_takes_a_borrowed_text_and_the_value_is_the_same() {
        let form = TextForm {
            decimal: ',',
            iso_dates: false,
        };
        let mut spare = vec![String::with_capacity(64)];
        let ptr = spare[0].as_ptr();
        let mut lz = None;
        let (v, u) = type_value_in(
            ColumnType::Varchar2,
            "DUPONT".into(),
            form,
            &mut lz,
            &mut spare,
        );
        assert!(matches!(&v, Value::Text(t) if t == "DUPONT" && t.as_ptr() == ptr));
        assert!(u.is_none() && spare.is_empty());
        // No spare left, or a value that types: as type_value.
        for (ty, text) in [
            (ColumnType::Char, "X"),
            (ColumnType::Date, "31/02/1990"),
            (ColumnType::Date, "01/02/1990"),
            (ColumnType::Number, "1,50"),
            (ColumnType::Number, "abc"),
        ] {
            let a = type_value_in(ty, text.into(), form, &mut None, &mut spare);
            let b = type_value(ty, text.into(), form, &mut None);
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "{text}");
        }
    }

    fn digits(s: &str) -> Option<u32> {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    }

    /// The reading of dates before it moved to bytes, field by field on the text: the
    /// reference of the property test.
    fn reference_date(s: &str, form: TextForm) -> Option<i64> {
        // Dates are ASCII; anything else (and slicing it by bytes) is not a date.
        if !s.is_ascii() {
            return None;
        }
        let b = s.as_bytes();
        let (y, m, d, rest) = if form.iso_dates {
            if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
                return None;
            }
            (
                digits(&s[0..4])?,
                digits(&s[5..7])?,
                digits(&s[8..10])?,
                &s[10..],
            )
        } else {
            if b.len() < 10 || b[2] != b'/' || b[5] != b'/' {
                return None;
            }
            (
                digits(&s[6..10])?,
                digits(&s[3..5])?,
                digits(&s[0..2])?,
                &s[10..],
            )
        };
        if !valid_ymd(y, m, d) {
            return None;
        }
        let date = i64::from(y) * 10_000 + i64::from(m) * 100 + i64::from(d);
        if rest.is_empty() {
            return Some(date);
        }
        let t = rest.strip_prefix(' ')?.as_bytes();
        if t.len() != 8 || t[2] != b':' || t[5] != b':' {
            return None;
        }
        let rest = &rest[1..];
        let (h, mi, se) = (
            digits(&rest[0..2])?,
            digits(&rest[3..5])?,
            digits(&rest[6..8])?,
        );
        if h > 23 || mi > 59 || se > 59 {
            return None;
        }
        Some(date * 1_000_000 + i64::from(h) * 10_000 + i64::from(mi) * 100 + i64::from(se))
    }

    const F: TextForm = TextForm {
        decimal: ',',
        iso_dates: false,
    };

    fn roundtrip(ty: ColumnType, s: &str, form: TextForm) -> (Value, Option<Untyped>, String) {
        let mut lz = None;
        let (v, u) = type_value(ty, s.into(), form, &mut lz);
        let mut back = String::new();
        render(ty, &v, form, lz.unwrap_or(false), &mut back);
        (v, u, back)
    }

    #[test]
    fn dates() {
        assert_eq!(
            roundtrip(ColumnType::Date, "03/02/1997", F).0,
            Value::Int(19970203)
        );
        assert_eq!(
            roundtrip(ColumnType::Date, "15/10/2008 20:00:05", F).0,
            Value::Int(20081015200005)
        );
        for bad in [
            "31/02/1997",
            "00/00/0000",
            "1/2/1997",
            "03/02/97",
            "03/02/1997 25:00:00",
        ] {
            assert_eq!(
                roundtrip(ColumnType::Date, bad, F).1,
                Some(Untyped::ImpossibleDate),
                "{bad}"
            );
            assert_eq!(roundtrip(ColumnType::Date, bad, F).2, bad);
        }
        let iso = TextForm {
            decimal: '.',
            iso_dates: true,
        };
        assert_eq!(
            roundtrip(ColumnType::Date, "2020-02-04", iso).2,
            "2020-02-04"
        );
    }

    #[test]
    fn numbers() {
        for ok in [
            "120,92", "1600", "800,5", ",5", "-2,5", "0", "-7", ",05", "0,5", "-0,25", "-,25",
        ] {
            let (v, u, back) = roundtrip(ColumnType::Number, ok, F);
            assert_eq!(u, None, "{ok}");
            assert_eq!(back, ok);
            assert!(!matches!(v, Value::Text(_)));
        }
        for bad in ["007", "1,50", "1.5", "1 000", "abc", ",", "-", "00,5", "1,"] {
            let (v, u, back) = roundtrip(ColumnType::Number, bad, F);
            assert_eq!(u, Some(Untyped::InvalidNumber), "{bad}");
            assert_eq!(v, Value::Text(bad.into()));
            assert_eq!(back, bad);
        }
        let dot = TextForm {
            decimal: '.',
            iso_dates: true,
        };
        assert_eq!(roundtrip(ColumnType::Number, "870262.2", dot).2, "870262.2");
        // One form per column: after ",5", "0,25" is not the column's form.
        let mut lz = None;
        assert_eq!(
            type_value(ColumnType::Number, ",5".into(), F, &mut lz).1,
            None
        );
        assert_eq!(
            type_value(ColumnType::Number, "0,25".into(), F, &mut lz).1,
            Some(Untyped::InvalidNumber)
        );
    }

    proptest! {
        /// The calendar check agrees with chrono's on every year, month and day around the
        /// limits.
        #[test]
        fn valid_days_are_chronos(y in prop_oneof![0u32..2500, 262_100u32..262_200, Just(u32::MAX)], m in 0u32..14, d in 0u32..33) {
            let chrono = y >= 1
                && i32::try_from(y).is_ok_and(|y| chrono::NaiveDate::from_ymd_opt(y, m, d).is_some());
            prop_assert_eq!(valid_ymd(y, m, d), chrono);
        }

        /// The reading on bytes answers as the reading on text did.
        #[test]
        fn dates_are_read_as_they_were(
            s in "[0-9/: -]{0,20}|[0-3][0-9]/[01][0-9]/[0-9]{4}( [0-2][0-9]:[0-6][0-9]:[0-6][0-9])?|[0-9]{4}-[01][0-9]-[0-3][0-9]( [0-2][0-9]:[0-6][0-9]:[0-6][0-9])?",
            iso in proptest::bool::ANY,
        ) {
            let form = TextForm { decimal: ',', iso_dates: iso };
            prop_assert_eq!(parse_date(&s, form), reference_date(&s, form));
        }

        #[test]
        fn a_plain_integer_is_typed(s in "-?[0-9]{0,20}|[0-9 ,+-]{0,6}") {
            if is_plain_integer(&s) {
                prop_assert!(matches!(parse_number(&s, ',', &mut None), Some(Value::Int(_))), "{}", s);
            }
        }

        #[test]
        fn every_value_is_recoverable(s in "\\PC{0,30}", ty in 0..4u8) {
            let ty = [ColumnType::Char, ColumnType::Varchar2, ColumnType::Number, ColumnType::Date][ty as usize];
            let (_, _, back) = roundtrip(ty, &s, F);
            prop_assert_eq!(back, s);
        }

        #[test]
        fn numbers_roundtrip(i in -1_000_000_000i64..1_000_000_000, scale in 0u32..3) {
            let mut s = String::new();
            crate::format::oracle::push_cents(&mut s, i * 10i64.pow(2 - scale.min(2)), ',');
            let (_, u, back) = roundtrip(ColumnType::Number, &s, F);
            prop_assert_eq!(u, None);
            prop_assert_eq!(back, s);
        }
    }
}
