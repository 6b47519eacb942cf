//! People and places: identities (sex, names, birth date and place, NIR), addresses and telephone
//! numbers, drawn from the reference lists so that they look like the population of a département.

use super::Ctx;
use super::refdata::{Commune, upper, upper_plain};
use super::rng::Rng;
use chrono::{Datelike, Duration, NaiveDate};

/// Where a person was born.
#[derive(Clone, Debug)]
pub struct Place {
    /// Commune name in upper case, or the country for people born abroad.
    pub name: String,
    /// INSEE code (5 characters); `99xxx` abroad.
    pub insee: String,
    /// Département on 3 characters (`059`, `02A`, `099` abroad).
    pub dep: String,
}

/// A person's civil identity.
#[derive(Clone, Debug)]
pub struct Identity {
    pub sex: u8,
    /// Birth name, upper case.
    pub surname: String,
    pub first_names: Vec<&'static str>,
    pub birth: NaiveDate,
    pub place: Place,
    /// The 13 characters of the NIR.
    pub nir13: String,
}

impl Identity {
    pub fn nir_key(&self) -> String {
        format!(
            "{:02}",
            crate::format::ids::nir_key(&self.nir13).expect("generated NIR is well formed")
        )
    }

    /// First names separated by blanks, in their usual case (OPALES).
    pub fn first_names_joined(&self) -> String {
        self.first_names.join(" ")
    }
}

/// A postal address in the département.
#[derive(Clone, Debug)]
pub struct Address {
    pub number: String,
    pub street: String,
    pub commune: &'static Commune,
}

impl Address {
    /// `12 RUE JEAN JAURÈS`
    pub fn line(&self) -> String {
        if self.number.is_empty() {
            self.street.clone()
        } else {
            format!("{} {}", self.number, self.street)
        }
    }

    pub fn city(&self) -> String {
        upper(self.commune.name)
    }
}

const ABROAD: [(&str, &str); 11] = [
    ("MAROC", "99350"),
    ("ALGÉRIE", "99352"),
    ("TUNISIE", "99351"),
    ("PORTUGAL", "99139"),
    ("ESPAGNE", "99134"),
    ("ITALIE", "99127"),
    ("POLOGNE", "99122"),
    ("TURQUIE", "99208"),
    ("BELGIQUE", "99131"),
    ("SÉNÉGAL", "99341"),
    ("VIET NAM", "99243"),
];

/// A uniformly drawn date in `[from, to]`.
pub fn date_between(rng: &mut Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    if to <= from {
        return from;
    }
    let span = (to - from).num_days();
    from + Duration::days(rng.range(0, span))
}

pub fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// `d` plus a number of months, day clamped to the end of the month.
pub fn add_months(d: NaiveDate, months: u32) -> NaiveDate {
    d.checked_add_months(chrono::Months::new(months))
        .unwrap_or(d)
}

impl Ctx {
    /// A commune of the delivery's département, large ones more often.
    pub fn local_commune(&self, rng: &mut Rng) -> &'static Commune {
        self.communes[rng.weighted(&self.commune_weights)]
    }

    /// A birth place: mostly the département, else another one, sometimes abroad.
    pub fn birth_place(&self, rng: &mut Rng, birth_year: i32) -> Place {
        let x = rng.unit();
        let abroad_rate = if birth_year < 1970 { 0.07 } else { 0.03 };
        if x < abroad_rate {
            let (name, insee) = rng.pick_copy(&ABROAD);
            return Place {
                name: name.to_string(),
                insee: insee.to_string(),
                dep: "099".to_string(),
            };
        }
        let c = if x < 0.72 {
            self.local_commune(rng)
        } else {
            let all = &self.refdata.communes;
            &all[rng.below(all.len() as u64) as usize]
        };
        Place {
            name: upper(c.name),
            insee: c.insee.to_string(),
            dep: c.dep.to_string(),
        }
    }

    /// The 13 characters of a NIR: sex, year, month, birth place, order number.
    pub fn nir13(&self, rng: &mut Rng, sex: u8, birth: NaiveDate, place: &Place) -> String {
        format!(
            "{}{:02}{:02}{}{:03}",
            sex,
            birth.year() % 100,
            birth.month(),
            place.insee,
            rng.range(1, 999)
        )
    }

    /// A surname in upper case; accents dropped where `plain` (older keying).
    pub fn surname(&self, rng: &mut Rng, plain: bool) -> String {
        let mut s = self.refdata.surnames.draw(rng).to_string();
        // A few double names made of two frequent ones.
        if rng.chance(0.015) && !s.contains([' ', '-', '\'']) {
            let t = self.refdata.surnames.draw(rng);
            if !t.contains([' ', '-', '\'']) && t != s {
                s = format!("{s}-{t}");
            }
        }
        if plain { upper_plain(&s) } else { upper(&s) }
    }

    /// A full identity born between the two dates.
    pub fn identity(&self, rng: &mut Rng, born_from: NaiveDate, born_to: NaiveDate) -> Identity {
        let sex = if rng.chance(0.55) { 1 } else { 2 };
        self.identity_of_sex(rng, sex, born_from, born_to)
    }

    pub fn identity_of_sex(
        &self,
        rng: &mut Rng,
        sex: u8,
        born_from: NaiveDate,
        born_to: NaiveDate,
    ) -> Identity {
        let birth = date_between(rng, born_from, born_to);
        let plain = rng.chance(0.3);
        let surname = self.surname(rng, plain);
        let n = 1 + rng.geometric(0.55, 2) as usize;
        let mut first_names = Vec::with_capacity(n);
        while first_names.len() < n {
            let f = self.refdata.first_name(rng, sex, birth.year());
            if !first_names.contains(&f) {
                first_names.push(f);
            } else if rng.chance(0.5) {
                break;
            }
        }
        let place = self.birth_place(rng, birth.year());
        let nir13 = self.nir13(rng, sex, birth, &place);
        Identity {
            sex,
            surname,
            first_names,
            birth,
            place,
            nir13,
        }
    }

    /// An address in the département.
    pub fn address(&self, rng: &mut Rng) -> Address {
        let (ty, name) = rng.pick_copy(&self.refdata.streets);
        let number = if ty == "RÉSIDENCE" || ty == "CITÉ" || rng.chance(0.04) {
            String::new()
        } else {
            let n = rng.range(1, 250);
            match rng.below(40) {
                0 => format!("{n} B"),
                1 => format!("{n} T"),
                _ => n.to_string(),
            }
        };
        Address {
            number,
            street: format!("{} {}", upper(ty), upper(name)),
            commune: self.local_commune(rng),
        }
    }

    /// A 10-digit telephone number of the region.
    pub fn phone(&self, rng: &mut Rng, mobile: bool) -> String {
        let prefix = if mobile {
            "06".to_string()
        } else {
            self.phone_prefix.clone()
        };
        let mut s = prefix;
        while s.len() < 10 {
            s.push(char::from(b'0' + rng.below(10) as u8));
        }
        s
    }
}

/// The regional telephone prefix of a département.
pub fn phone_prefix(dep: &str) -> &'static str {
    match dep {
        "971" => "0590",
        "972" => "0596",
        "973" => "0594",
        "974" => "0262",
        "976" => "0269",
        "075" | "077" | "078" | "091" | "092" | "093" | "094" | "095" => "01",
        "014" | "022" | "027" | "029" | "035" | "037" | "041" | "044" | "045" | "049" | "050"
        | "053" | "056" | "061" | "072" | "076" | "079" | "085" | "086" | "018" | "028" | "036" => {
            "02"
        }
        "002" | "008" | "010" | "021" | "025" | "039" | "051" | "052" | "054" | "055" | "057"
        | "058" | "059" | "060" | "062" | "067" | "068" | "070" | "071" | "080" | "088" | "089"
        | "090" => "03",
        "009" | "016" | "017" | "019" | "023" | "024" | "031" | "032" | "033" | "040" | "046"
        | "047" | "064" | "065" | "081" | "082" | "087" => "05",
        _ => "04",
    }
}
