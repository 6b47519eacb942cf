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

fn replace_all(s: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = s.to_string();
    for (from, to) in pairs {
        out = out.replace(from, to);
    }
    out
}

/// The Soundex2 key of a word (blanks and other characters are ignored); empty for no letter.
pub fn soundex2(word: &str) -> String {
    let s: String = fold(word)
        .chars()
        .filter(char::is_ascii_uppercase)
        .collect();
    if s.is_empty() {
        return String::new();
    }
    // Primary consonants.
    let s = replace_all(
        &s,
        &[
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
        ],
    );
    // Vowels but the first letter.
    let mut chars: Vec<char> = s.chars().collect();
    for c in chars.iter_mut().skip(1) {
        if matches!(*c, 'E' | 'I' | 'O' | 'U') {
            *c = 'A';
        }
    }
    let mut s: String = chars.into_iter().collect();
    // Prefixes.
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
    // H unless after C or S; Y unless after A.
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
    // Final A, T, D, S.
    if kept.len() > 1 && matches!(kept.last(), Some('A' | 'T' | 'D' | 'S')) {
        kept.pop();
    }
    // A but a leading one.
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

#[cfg(test)]
mod tests {
    use super::*;

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
