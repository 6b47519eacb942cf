//! Normalised forms of names as staff type them and as the applications stored them: upper case
//! without accents, Œ and Æ spelt out, apostrophes, hyphens and repeated blanks turned into word
//! breaks, particles (DE, DU, LE, D', …) recognised so that `d'almeida`, `DALMEIDA` and
//! `D ALMEIDA` meet, and `martin dupont` finds `MARTIN-DUPONT`.

/// Particles and articles that begin French (and Portuguese, Dutch…) surnames.
pub const PARTICLES: [&str; 16] = [
    "DE", "DU", "DES", "LE", "LA", "LES", "D", "L", "DA", "DOS", "DAS", "VAN", "VON", "DER", "DEN",
    "MC",
];

/// Upper case ASCII letters and digits, accents removed, ligatures spelt out; every other
/// character becomes a blank.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'a'..='z' => out.push(c.to_ascii_uppercase()),
            'A'..='Z' | '0'..='9' => out.push(c),
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => {
                out.push('A')
            }
            'ç' | 'Ç' => out.push('C'),
            'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => out.push('E'),
            'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => out.push('I'),
            'ñ' | 'Ñ' => out.push('N'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => {
                out.push('O')
            }
            'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => out.push('U'),
            'ý' | 'ÿ' | 'Ý' | 'Ÿ' => out.push('Y'),
            'œ' | 'Œ' => out.push_str("OE"),
            'æ' | 'Æ' => out.push_str("AE"),
            'ß' => out.push_str("SS"),
            _ => out.push(' '),
        }
    }
    out
}

/// The words of a name, folded (`d'Almeida-Lefèvre` → `D`, `ALMEIDA`, `LEFEVRE`).
pub fn words(s: &str) -> Vec<String> {
    fold(s).split_whitespace().map(str::to_string).collect()
}

/// The name without blanks, particles kept (`D'ALMEIDA` → `DALMEIDA`, `LE GALL` → `LEGALL`).
pub fn compact(s: &str) -> String {
    fold(s).split_whitespace().collect()
}

/// The significant words: particles dropped unless the name is only particles
/// (`DE LA FONTAINE` → `FONTAINE`).
pub fn significant(s: &str) -> Vec<String> {
    let all = words(s);
    let kept: Vec<String> = all
        .iter()
        .filter(|w| !PARTICLES.contains(&w.as_str()))
        .cloned()
        .collect();
    if kept.is_empty() { all } else { kept }
}

/// Damerau–Levenshtein distance (optimal string alignment) between two short words, or None when
/// it is larger than `max` (computed within a band, so the cost stays small).
pub fn edit_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let (n, m) = (a.len(), b.len());
    let mut prev2 = vec![0usize; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur = vec![0usize; m + 1];
    for i in 1..=n {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    (prev[m] <= max).then_some(prev[m])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding() {
        assert_eq!(fold("Lefèvre"), "LEFEVRE");
        assert_eq!(fold("LECŒUR"), "LECOEUR");
        assert_eq!(fold("Müller"), "MULLER");
        assert_eq!(words("d'Almeida"), vec!["D", "ALMEIDA"]);
        assert_eq!(compact("D'ALMEIDA"), "DALMEIDA");
        assert_eq!(compact("d almeida"), compact("dalmeida"));
        assert_eq!(words("MARTIN-DUPONT"), words("martin dupont"));
        assert_eq!(significant("DE LA FONTAINE"), vec!["FONTAINE"]);
        assert_eq!(significant("LE"), vec!["LE"]);
    }

    #[test]
    fn distances() {
        assert_eq!(edit_distance("LEFEVRE", "LEFEBVRE", 2), Some(1));
        assert_eq!(
            edit_distance("MARTIN", "MATRIN", 2),
            Some(1),
            "transposition"
        );
        assert_eq!(edit_distance("DUPONT", "DUPOND", 2), Some(1));
        assert_eq!(edit_distance("DUPONT", "DURAND", 2), None);
        assert_eq!(edit_distance("", "AB", 2), Some(2));
        assert_eq!(edit_distance("ABC", "ABC", 0), Some(0));
    }
}
