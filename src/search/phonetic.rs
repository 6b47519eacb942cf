//! French phonetic key: **Soundex2**, the French adaptation of Soundex published by Frédéric
//! Brouard in 1998 ("Soundex2 : un algorithme de phonétique pour le français", SQLpro,
//! sqlpro.developpez.com/cours/soundex/). Names that sound alike get the same 4-letter key:
//! `PHILIPPE` and `FILIPE` → `FLP`, `GAUTHIER` and `GAUTIER` → `GTR`.
//!
//! Steps, as published: fold to upper case without accents; replace the primary consonants
//! (GUI→KI, GUE→KE, GA→KA, GO→KO, GU→K, CA→KA, CO→KO, CU→KU, Q→K, CC→K, CK→K); replace every vowel
//! but the first letter (E, I, O, U) by A; replace the prefixes MAC→MCC, ASA→AZA, KN→NN, PF→FF,
//! SCH→SSS, PH→FF; remove H unless after C or S; remove Y unless after A; remove a final A, T, D or
//! S; remove every A but a leading one; remove repeated letters; keep 4 letters.

use super::normalize::fold;

/// The replacements of the primary consonants, in their order.
const PRIMARY_CONSONANTS: [(&str, &str); 11] = [
    ("GUI", "KI"),
    ("GUE", "KE"),
    ("GA", "KA"),
    ("GO", "KO"),
    ("GU", "K"),
    ("CA", "KA"),
    ("CO", "KO"),
    ("CU", "KU"),
    ("Q", "K"),
    ("CC", "K"),
    ("CK", "K"),
];

/// Replaces every `from` by `to`, left to right, as `str::replace` does (a word rarely holds
/// any: nothing is copied then). Returns whether it replaced any.
fn replace(s: &mut String, from: &str, to: &str) -> bool {
    if s.contains(from) {
        *s = s.replace(from, to);
        true
    } else {
        false
    }
}

/// The set of the letters A to Z of `s`, one bit each.
fn letters(s: &str) -> u32 {
    s.bytes()
        .filter(u8::is_ascii_uppercase)
        .fold(0, |m, c| m | 1 << (c - b'A'))
}

/// The Soundex2 key of a word (blanks and other characters are ignored); empty for no letter.
pub fn soundex2(word: &str) -> String {
    let mut s: String = fold(word)
        .chars()
        .filter(char::is_ascii_uppercase)
        .collect();
    if s.is_empty() {
        return String::new();
    }
    // Primary consonants, each replacement over the whole word before the next. A word that
    // lacks a letter of a pattern, even after the replacements before it, cannot hold it.
    let mut present = letters(&s);
    for (from, to) in PRIMARY_CONSONANTS {
        let needed = letters(from);
        if present & needed == needed && replace(&mut s, from, to) {
            present |= letters(to);
        }
    }
    // From here on, letters A to Z only: one byte each.
    let mut b = s.into_bytes();
    // Vowels but the first letter.
    for c in b.iter_mut().skip(1) {
        if matches!(*c, b'E' | b'I' | b'O' | b'U') {
            *c = b'A';
        }
    }
    // Prefixes (each as long as what replaces it).
    for (from, to) in [
        (&b"MAC"[..], &b"MCC"[..]),
        (b"ASA", b"AZA"),
        (b"KN", b"NN"),
        (b"PF", b"FF"),
        (b"SCH", b"SSS"),
        (b"PH", b"FF"),
    ] {
        if b.starts_with(from) {
            b[..to.len()].copy_from_slice(to);
        }
    }
    // H unless after C or S; Y unless after A (the letter before, as it stood).
    let mut kept = Vec::with_capacity(b.len());
    for (i, &c) in b.iter().enumerate() {
        let before = i.checked_sub(1).map(|j| b[j]);
        if c == b'H' && !matches!(before, Some(b'C' | b'S')) {
            continue;
        }
        if c == b'Y' && before != Some(b'A') {
            continue;
        }
        kept.push(c);
    }
    // Final A, T, D, S.
    if kept.len() > 1 && matches!(kept.last(), Some(b'A' | b'T' | b'D' | b'S')) {
        kept.pop();
    }
    // A but a leading one; repeated letters once.
    let mut out = String::with_capacity(4);
    let mut last = None;
    for (i, &c) in kept.iter().enumerate() {
        if (c == b'A' && i > 0) || last == Some(c) {
            continue;
        }
        last = Some(c);
        out.push(char::from(c));
        if out.len() == 4 {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Soundex2 step by step as published, one copy per step: the reference that the key above
    /// must equal.
    fn reference(word: &str) -> String {
        let replace_all = |s: &str, pairs: &[(&str, &str)]| {
            let mut out = s.to_string();
            for (from, to) in pairs {
                out = out.replace(from, to);
            }
            out
        };
        let s: String = fold(word)
            .chars()
            .filter(char::is_ascii_uppercase)
            .collect();
        if s.is_empty() {
            return String::new();
        }
        let s = replace_all(&s, &PRIMARY_CONSONANTS);
        let mut chars: Vec<char> = s.chars().collect();
        for c in chars.iter_mut().skip(1) {
            if matches!(*c, 'E' | 'I' | 'O' | 'U') {
                *c = 'A';
            }
        }
        let mut s: String = chars.into_iter().collect();
        for (from, to) in [
            ("MAC", "MCC"),
            ("ASA", "AZA"),
            ("KN", "NN"),
            ("PF", "FF"),
            ("SCH", "SSS"),
            ("PH", "FF"),
        ] {
            if let Some(rest) = s.strip_prefix(from) {
                s = format!("{to}{rest}");
            }
        }
        let chars: Vec<char> = s.chars().collect();
        let mut kept = Vec::with_capacity(chars.len());
        for (i, &c) in chars.iter().enumerate() {
            let before = if i > 0 { Some(chars[i - 1]) } else { None };
            if c == 'H' && !matches!(before, Some('C') | Some('S')) {
                continue;
            }
            if c == 'Y' && before != Some('A') {
                continue;
            }
            kept.push(c);
        }
        if kept.len() > 1 && matches!(kept.last(), Some('A' | 'T' | 'D' | 'S')) {
            kept.pop();
        }
        let mut out: Vec<char> = Vec::with_capacity(kept.len());
        for (i, &c) in kept.iter().enumerate() {
            if c == 'A' && i > 0 {
                continue;
            }
            if out.last() == Some(&c) {
                continue;
            }
            out.push(c);
        }
        out.into_iter().take(4).collect()
    }

    proptest! {
        /// Words made of the letters the steps look at (and accents, blanks, hyphens) get the
        /// reference's key.
        #[test]
        fn the_key_is_the_reference_key(word in "[ACDEGHIKMNOPQSTUYZéèàç -]{0,14}") {
            prop_assert_eq!(soundex2(&word), reference(&word));
        }
    }

    #[test]
    fn names_that_sound_alike_share_a_key() {
        assert_eq!(soundex2("PHILIPPE"), "FLP");
        assert_eq!(soundex2("filipe"), soundex2("PHILIPPE"));
        assert_eq!(soundex2("GAUTHIER"), soundex2("GAUTIER"));
        assert_eq!(soundex2("Lefèvre"), soundex2("LEFEVRE"));
        assert_eq!(soundex2("MARTIN"), soundex2("MARTAIN"));
        assert_eq!(soundex2("DUPONT"), soundex2("DUPOND"));
        assert_eq!(soundex2("THOMAS"), soundex2("TOMAS"));
        assert_ne!(soundex2("MARTIN"), soundex2("BERNARD"));
        assert_eq!(soundex2(""), "");
        assert!(soundex2("ANTOINETTE").len() <= 4);
    }
}
