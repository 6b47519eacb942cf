//! Reference lists that make generated people and places look real: surnames, first names by
//! birth decade, départements, communes with INSEE codes and postcodes, street names, names of
//! schools and establishments. They live in `assets/sample/*.txt` (UTF-8, `;`-separated, `#`
//! comments) and are embedded in the binary.

use super::rng::{Rng, cumulative};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// A commune of a département.
#[derive(Debug, Clone)]
pub struct Commune {
    pub dep: &'static str,
    pub insee: &'static str,
    pub name: &'static str,
    pub postcode: &'static str,
}

/// A département.
#[derive(Debug, Clone)]
pub struct Departement {
    pub code: &'static str,
    pub name: &'static str,
}

/// A list with weights, for weighted draws.
#[derive(Debug, Default)]
pub struct Weighted {
    pub items: Vec<&'static str>,
    cum: Vec<u64>,
}

impl Weighted {
    fn new(pairs: Vec<(&'static str, u64)>) -> Self {
        let cum = cumulative(pairs.iter().map(|p| p.1));
        Weighted {
            items: pairs.into_iter().map(|p| p.0).collect(),
            cum,
        }
    }

    pub fn draw(&self, rng: &mut Rng) -> &'static str {
        self.items[rng.weighted(&self.cum)]
    }
}

/// All reference lists.
#[derive(Debug)]
pub struct RefData {
    pub surnames: Weighted,
    /// (sex 1|2, decade) → first names.
    first_names: BTreeMap<(u8, i32), Weighted>,
    pub departements: Vec<Departement>,
    pub communes: Vec<Commune>,
    pub streets: Vec<(&'static str, &'static str)>,
    pub patronymes: Vec<&'static str>,
    pub places: Vec<&'static str>,
    pub managers: Vec<&'static str>,
}

fn records(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split(';').map(str::trim).collect())
}

fn weight(s: &str) -> u64 {
    s.parse().unwrap_or(1)
}

impl RefData {
    /// The embedded lists.
    pub fn get() -> &'static RefData {
        static DATA: OnceLock<RefData> = OnceLock::new();
        DATA.get_or_init(|| {
            Self::parse(
                include_str!("../../assets/sample/noms.txt"),
                include_str!("../../assets/sample/prenoms.txt"),
                include_str!("../../assets/sample/departements.txt"),
                include_str!("../../assets/sample/communes.txt"),
                include_str!("../../assets/sample/voies.txt"),
                include_str!("../../assets/sample/patronymes.txt"),
                include_str!("../../assets/sample/lieux_etablissements.txt"),
                include_str!("../../assets/sample/gestionnaires.txt"),
            )
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn parse(
        noms: &'static str,
        prenoms: &'static str,
        deps: &'static str,
        communes: &'static str,
        voies: &'static str,
        patronymes: &'static str,
        lieux: &'static str,
        gestionnaires: &'static str,
    ) -> RefData {
        let surnames = Weighted::new(
            records(noms)
                .filter(|r| !r[0].is_empty())
                .map(|r| (r[0], r.get(1).map_or(1, |w| weight(w))))
                .collect(),
        );
        let mut by_key: BTreeMap<(u8, i32), Vec<(&'static str, u64)>> = BTreeMap::new();
        for r in records(prenoms) {
            if r.len() < 3 {
                continue;
            }
            let (Ok(sex), Ok(decade)) = (r[0].parse::<u8>(), r[1].parse::<i32>()) else {
                continue;
            };
            by_key
                .entry((sex, decade))
                .or_default()
                .push((r[2], r.get(3).map_or(1, |w| weight(w))));
        }
        let first_names = by_key
            .into_iter()
            .map(|(k, v)| (k, Weighted::new(v)))
            .collect();
        let departements = records(deps)
            .filter(|r| r.len() >= 2)
            .map(|r| Departement {
                code: r[0],
                name: r[1],
            })
            .collect();
        let communes = records(communes)
            .filter(|r| r.len() >= 4)
            .map(|r| Commune {
                dep: r[0],
                insee: r[1],
                name: r[2],
                postcode: r[3],
            })
            .collect();
        RefData {
            surnames,
            first_names,
            departements,
            communes,
            streets: records(voies)
                .filter(|r| r.len() >= 2)
                .map(|r| (r[0], r[1]))
                .collect(),
            patronymes: records(patronymes).map(|r| r[0]).collect(),
            places: records(lieux).map(|r| r[0]).collect(),
            managers: records(gestionnaires).map(|r| r[0]).collect(),
        }
    }

    /// A first name fitting a sex (1 male, 2 female) and a birth year.
    pub fn first_name(&self, rng: &mut Rng, sex: u8, birth_year: i32) -> &'static str {
        let decade = (birth_year.clamp(1900, 2009) / 10) * 10;
        // The closest decade present for that sex.
        let list = self
            .first_names
            .range((sex, i32::MIN)..=(sex, i32::MAX))
            .min_by_key(|((_, d), _)| (d - decade).abs())
            .map(|(_, w)| w)
            .expect("first names for both sexes");
        list.draw(rng)
    }

    pub fn departement(&self, code: &str) -> Option<&Departement> {
        self.departements.iter().find(|d| d.code == code)
    }

    /// Communes of a département, largest first.
    pub fn communes_of(&self, dep: &str) -> Vec<&Commune> {
        self.communes.iter().filter(|c| c.dep == dep).collect()
    }
}

/// Upper case as French civil registers write it, accents kept (`Lefèvre` → `LEFÈVRE`).
pub fn upper(s: &str) -> String {
    s.chars().flat_map(char::to_uppercase).collect()
}

/// Upper case without accents, as many older systems keyed names (`Lefèvre` → `LEFEVRE`).
pub fn upper_plain(s: &str) -> String {
    upper(s)
        .chars()
        .map(|c| match c {
            'À' | 'Â' | 'Ä' => 'A',
            'Ç' => 'C',
            'É' | 'È' | 'Ê' | 'Ë' => 'E',
            'Î' | 'Ï' => 'I',
            'Ô' | 'Ö' => 'O',
            'Ù' | 'Û' | 'Ü' => 'U',
            'Ÿ' => 'Y',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_rich_enough() {
        let d = RefData::get();
        assert!(d.surnames.items.len() >= 200);
        assert!(d.departements.len() >= 100);
        assert!(d.communes_of("059").len() >= 40);
        for dep in &d.departements {
            assert!(
                !d.communes_of(dep.code).is_empty(),
                "no commune for {}",
                dep.code
            );
        }
        let mut rng = Rng::derive(1, &[]);
        assert!(!d.first_name(&mut rng, 1, 1955).is_empty());
        assert!(!d.first_name(&mut rng, 2, 2005).is_empty());
        assert!(d.streets.len() >= 50 && d.patronymes.len() >= 50 && d.places.len() >= 50);
        assert!(d.managers.len() >= 20);
    }

    #[test]
    fn every_name_fits_windows_1252() {
        let d = RefData::get();
        let all = d
            .surnames
            .items
            .iter()
            .chain(d.patronymes.iter())
            .chain(d.places.iter())
            .chain(d.managers.iter())
            .chain(d.communes.iter().map(|c| &c.name));
        for s in all {
            assert!(
                crate::format::encoding::encode_cp1252(s, &mut Vec::new()),
                "{s} has no WINDOWS-1252 form"
            );
            assert!(!s.contains(';') && !s.contains('"'), "{s}");
        }
    }

    #[test]
    fn upper_forms() {
        assert_eq!(upper("Lefèvre"), "LEFÈVRE");
        assert_eq!(upper_plain("Lefèvre"), "LEFEVRE");
        assert_eq!(upper("Marcq-en-Barœul"), "MARCQ-EN-BARŒUL");
    }
}
