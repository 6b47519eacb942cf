//! Check keys of the identifiers a delivery holds (spec section 5): NIR key (97 − n mod 97, Corsica
//! `2A` read as 19 and `2B` as 18), FINESS Luhn digit, UAI letter. A wrong key is shown, never a
//! reason to drop a row.

/// Key of a 13-character NIR, or None if it is not 13 digits (Corsican `2A`/`2B` allowed).
pub fn nir_key(nir13: &str) -> Option<u8> {
    if nir13.len() != 13 || !nir13.is_ascii() {
        return None;
    }
    let digits = if &nir13[5..7] == "2A" {
        format!("{}19{}", &nir13[..5], &nir13[7..])
    } else if &nir13[5..7] == "2B" {
        format!("{}18{}", &nir13[..5], &nir13[7..])
    } else {
        nir13.to_string()
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    Some((97 - (n % 97)) as u8)
}

/// True when `key` (2 digits) is the key of `nir13`.
pub fn nir_key_ok(nir13: &str, key: &str) -> Option<bool> {
    let k = nir_key(nir13)?;
    Some(key.len() == 2 && key.parse::<u8>().ok() == Some(k))
}

/// Luhn check of a numeric identifier (FINESS): None if not all digits.
pub fn luhn_ok(number: &str) -> Option<bool> {
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut sum = 0u32;
    for (i, b) in number.bytes().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    Some(sum.is_multiple_of(10))
}

/// The Luhn digit that completes `digits` (FINESS: 8 digits, then this one).
pub fn luhn_digit(digits: &str) -> u8 {
    for d in 0..10u8 {
        if luhn_ok(&format!("{digits}{d}")) == Some(true) {
            return d;
        }
    }
    unreachable!("one Luhn digit always fits")
}

const UAI_LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPRSTUVWXYZ";

/// Check letter of the 7 digits of a UAI.
pub fn uai_letter(digits7: &str) -> Option<char> {
    if digits7.len() != 7 || !digits7.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u32 = digits7.parse().ok()?;
    Some(UAI_LETTERS[(n % 23) as usize] as char)
}

/// True when an 8-character UAI has the right letter; None if it is not 7 digits and a letter.
pub fn uai_ok(uai: &str) -> Option<bool> {
    if uai.len() != 8 || !uai.is_ascii() {
        return None;
    }
    let letter = uai_letter(&uai[..7])?;
    Some(uai.as_bytes()[7].to_ascii_uppercase() as char == letter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples() {
        assert_eq!(nir_key("2951099126111"), Some(93));
        assert_eq!(nir_key_ok("2951099126111", "93"), Some(true));
        assert_eq!(nir_key_ok("2951099126111", "39"), Some(false));
        assert_eq!(luhn_ok("010000024"), Some(true));
        assert_eq!(luhn_ok("010000025"), Some(false));
        assert_eq!(luhn_digit("01000002"), 4);
        assert_eq!(uai_letter("0750655"), Some('E'));
        assert_eq!(uai_ok("0750655E"), Some(true));
        assert_eq!(uai_ok("0750655F"), Some(false));
    }

    #[test]
    fn corsica_and_garbage() {
        // 2A read as 19: the key is that of the number with 19 in place of 2A.
        let k = nir_key("185062A004123").unwrap();
        assert_eq!(Some(k), nir_key("1850619004123"));
        assert_eq!(nir_key("12345"), None);
        assert_eq!(nir_key("1850X2A004123"), None);
        assert_eq!(luhn_ok("2A0000001"), None);
    }
}
