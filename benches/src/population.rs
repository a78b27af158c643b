//! A synthetic register of children.

use chrono::{Datelike, Duration, NaiveDate};
use ecaf_domain::matching::{nickname_variants, PersonRecord};
use ecaf_domain::person::{NhsNumber, Postcode, Upn};
use rand::distributions::{Distribution, WeightedIndex};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;

const FEMALE: &str = include_str!("../data/given_names_female.txt");
const MALE: &str = include_str!("../data/given_names_male.txt");
const SURNAMES: &str = include_str!("../data/surnames.txt");

/// Syllables for rare surnames: real registers have a long tail of names held by one family.
const RARE_START: &[&str] = &[
    "Ash", "Black", "Brad", "Brook", "Card", "Church", "Cliff", "Crom", "Dal", "Elder", "Fair",
    "Fern", "Gold", "Green", "Hal", "Hart", "Hay", "Holt", "Kirk", "Lang", "Lock", "Mar", "Mid",
    "Mor", "New", "Oak", "Pen", "Red", "Ros", "Shel", "Stan", "Thorn", "Tre", "Wal", "West",
    "Whit", "Win", "Wol", "Yar", "Pol",
];
const RARE_MIDDLE: &[&str] = &[
    "", "a", "e", "er", "in", "ing", "on", "en", "el", "is", "le", "ra", "ro", "sel", "ter", "ven",
    "wor", "ham", "brook", "ridge",
];
const RARE_END: &[&str] = &[
    "bury", "by", "combe", "cott", "dale", "den", "don", "field", "ford", "gate", "ham", "hurst",
    "ington", "ley", "lock", "low", "mere", "more", "ridge", "stead", "stock", "ton", "well",
    "wick", "win", "worth", "wood", "thorpe", "shaw", "hope",
];

/// Postcode areas of English towns and cities.
const AREAS: &[&str] = &[
    "BB", "BL", "M", "OL", "PR", "SK", "WN", "L", "N", "E", "SE", "SW", "NW", "B", "LS", "S", "NG",
    "LE", "CV", "BS", "BD", "HD", "HX", "WF", "ST", "WV", "DY", "LU", "MK", "RG",
];
const UNIT_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
/// A town for each postcode area, in the order of [`AREAS`].
const TOWNS: &[&str] = &[
    "Blackburn",
    "Bolton",
    "Manchester",
    "Oldham",
    "Preston",
    "Stockport",
    "Wigan",
    "Liverpool",
    "London",
    "London",
    "London",
    "London",
    "London",
    "Birmingham",
    "Leeds",
    "Sheffield",
    "Nottingham",
    "Leicester",
    "Coventry",
    "Bristol",
    "Bradford",
    "Huddersfield",
    "Halifax",
    "Wakefield",
    "Stoke-on-Trent",
    "Wolverhampton",
    "Dudley",
    "Luton",
    "Milton Keynes",
    "Reading",
];
/// Street names and kinds for the first line of an address.
const STREETS: &[&str] = &[
    "Mill",
    "Church",
    "Station",
    "Park",
    "Victoria",
    "Queen's",
    "King",
    "High",
    "Green",
    "Manor",
    "School",
    "Albert",
    "York",
    "North",
    "South",
    "West",
    "Chapel",
    "Grange",
    "Oak",
    "Elm",
    "Cedar",
    "Willow",
    "Meadow",
    "Bridge",
    "Castle",
    "Market",
    "Windsor",
    "Richmond",
    "Springfield",
    "Highfield",
    "St John's",
    "Brook",
    "Hill",
    "Orchard",
    "Beech",
];
const STREET_KINDS: &[&str] = &[
    "Road", "Street", "Lane", "Avenue", "Close", "Drive", "Grove", "Way", "Crescent", "Terrace",
];

/// "Today" for the generator, fixed so that runs are reproducible.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 1).unwrap_or_default()
}

/// One synthetic child. Names are indices into [`Population::names`] to keep a million of
/// them small; `NONE` means absent.
#[derive(Debug, Clone, Copy)]
pub struct Person {
    /// Person id (1-based, dense).
    pub id: i64,
    /// Given name.
    pub given: u32,
    /// Middle name or `NONE`.
    pub middle: u32,
    /// Family name (may contain a hyphen or space).
    pub family: u32,
    /// One other known name (full or single) or `NONE`.
    pub other: u32,
    /// Date of birth (or expected date, for the unborn).
    pub dob: NaiveDate,
    /// Index into [`Population::postcodes`] or `NONE`.
    pub postcode: u32,
    /// NHS number digits or 0.
    pub nhs: u64,
    /// UPN serial (see [`Population::upn`]) or 0.
    pub upn: u64,
    /// Household number.
    pub household: u32,
}

/// Marks an absent name or postcode.
pub const NONE: u32 = u32::MAX;

/// A generated register.
pub struct Population {
    /// Every distinct name string used.
    pub names: Vec<String>,
    /// Postcode pool.
    pub postcodes: Vec<String>,
    /// The people.
    pub people: Vec<Person>,
    /// Twins pairs generated (same surname, same date of birth).
    pub twin_pairs: usize,
    /// People with a double-barrelled surname.
    pub hyphenated: usize,
    /// People with an other known name.
    pub with_other_name: usize,
}

struct NameList {
    names: Vec<String>,
    weights: WeightedIndex<f64>,
}

/// How names are spread over the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Frequencies {
    /// As across England: the commonest surname held by about 1.5% of children, the top ten
    /// given names by about 15%.
    #[default]
    England,
    /// As in an authority where a few communities' names dominate: the commonest surname held
    /// by about 3% of children (some 28,000 at a million), the commonest given names by about
    /// 4% of each sex. Common names are what make namesakes outrank the truth and blocks grow.
    Concentrated,
}

impl Frequencies {
    /// The Zipf–Mandelbrot offset c of the weights 1/(r + c) by rank r.
    fn offset(self) -> f64 {
        match self {
            Frequencies::England => 20.0,
            Frequencies::Concentrated => 5.0,
        }
    }
}

impl NameList {
    fn parse(text: &str, frequencies: Frequencies) -> Self {
        let names: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect();
        // Zipf–Mandelbrot 1/(r + 20): calibrated so the commonest name is held by about 1.5–2%
        // of children and the top ten by about 15%, as in ONS baby-name and surname counts
        // (a plain 1/r over a few hundred names would give one child in ten the top name).
        let offset = frequencies.offset();
        let weights: Vec<f64> = (1..=names.len())
            .map(|r| 1.0 / (r as f64 + offset))
            .collect();
        let weights = WeightedIndex::new(weights).unwrap_or_else(|_| {
            WeightedIndex::new([1.0]).unwrap_or_else(|_| unreachable!("one positive weight"))
        });
        Self { names, weights }
    }

    fn sample(&self, rng: &mut StdRng) -> &str {
        &self.names[self.weights.sample(rng)]
    }
}

struct Interner {
    names: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Interner {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_owned());
        self.ids.insert(name.to_owned(), id);
        id
    }
}

/// A unique valid NHS number at or after `*next` (prefix of 9 digits), advancing it.
fn next_nhs(next: &mut u64, rng: &mut StdRng) -> u64 {
    loop {
        let prefix = *next;
        *next += 1 + rng.gen_range(0..3);
        let digits: Vec<u8> = format!("{prefix:09}").bytes().map(|b| b - b'0').collect();
        if let Some(check) = NhsNumber::check_digit(&digits) {
            return prefix * 10 + u64::from(check);
        }
    }
}

fn random_postcode(rng: &mut StdRng) -> Option<String> {
    let area = AREAS[rng.gen_range(0..AREAS.len())];
    let district = rng.gen_range(1..30);
    let sector = rng.gen_range(0..10);
    let a = UNIT_LETTERS[rng.gen_range(0..UNIT_LETTERS.len())] as char;
    let b = UNIT_LETTERS[rng.gen_range(0..UNIT_LETTERS.len())] as char;
    Postcode::parse(&format!("{area}{district} {sector}{a}{b}"))
        .ok()
        .map(|p| p.to_string())
}

/// A spelling variant that sounds the same, for "alternative spelling" other names.
pub fn sound_alike(name: &str, rng: &mut StdRng) -> Option<String> {
    const RULES: &[(&str, &str)] = &[
        ("ph", "f"),
        ("f", "ph"),
        ("ck", "k"),
        ("c", "k"),
        ("k", "c"),
        ("ie", "y"),
        ("y", "ie"),
        ("ei", "ie"),
        ("ee", "ea"),
        ("ou", "ow"),
        ("s", "z"),
        ("z", "s"),
        ("th", "t"),
        ("ll", "l"),
        ("nn", "n"),
        ("tt", "t"),
        ("l", "ll"),
        ("n", "nn"),
        ("ah", "a"),
        ("wh", "w"),
        ("ae", "ay"),
        ("i", "y"),
        ("y", "i"),
        ("ai", "ay"),
        ("ay", "ai"),
        ("ey", "y"),
        ("an", "en"),
        ("en", "an"),
        ("er", "ar"),
        ("ar", "er"),
    ];
    let lower = name.to_lowercase();
    // Leave the first letter alone: people rarely mishear how a name starts.
    let skip = lower.chars().next().map_or(0, char::len_utf8);
    let applicable: Vec<(usize, &(&str, &str))> = RULES
        .iter()
        .filter_map(|r| lower[skip..].find(r.0).map(|at| (at + skip, r)))
        .collect();
    if applicable.is_empty() {
        return None;
    }
    let (at, (from, to)) = applicable[rng.gen_range(0..applicable.len())];
    let out = format!("{}{to}{}", &lower[..at], &lower[at + from.len()..]);
    (out != lower).then(|| title(&out))
}

impl Population {
    /// Generates about `n` children (exactly `n`) deterministically from `seed`, with names
    /// spread as across England.
    pub fn generate(n: usize, seed: u64) -> Self {
        Self::generate_with(n, seed, Frequencies::England)
    }

    /// Generates exactly `n` children deterministically from `seed`, names spread as
    /// `frequencies` says.
    pub fn generate_with(n: usize, seed: u64, frequencies: Frequencies) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let female = NameList::parse(FEMALE, frequencies);
        let male = NameList::parse(MALE, frequencies);
        let surnames = NameList::parse(SURNAMES, frequencies);
        let mut names = Interner {
            names: Vec::new(),
            ids: HashMap::new(),
        };
        // About 2.2 children per household and 8 households per postcode, so postcode blocks
        // stay the same size however big the register is.
        let pool = (n / 18).max(10);
        let mut postcodes = Vec::with_capacity(pool);
        while postcodes.len() < pool {
            if let Some(p) = random_postcode(&mut rng) {
                postcodes.push(p);
            }
        }
        let mut people = Vec::with_capacity(n);
        let mut next_nhs_prefix: u64 = 400_000_000 + rng.gen_range(0..10_000_000);
        let mut upn_serial: u64 = rng.gen_range(0..1_000);
        let (mut twin_pairs, mut hyphenated, mut with_other_name) = (0, 0, 0);
        let today = today();
        let sample_surname = |rng: &mut StdRng| -> String {
            let roll: f64 = rng.gen();
            // A quarter of children have a surname outside the common list: real registers
            // have a long tail of names held by a few families each (about 24,000 here).
            if roll < 0.25 {
                format!(
                    "{}{}{}",
                    RARE_START[rng.gen_range(0..RARE_START.len())],
                    RARE_MIDDLE[rng.gen_range(0..RARE_MIDDLE.len())],
                    RARE_END[rng.gen_range(0..RARE_END.len())]
                )
            } else if roll < 0.28 {
                let a = surnames.sample(rng).to_owned();
                let b = surnames.sample(rng).to_owned();
                if a == b {
                    a
                } else {
                    format!("{a}-{b}")
                }
            } else {
                surnames.sample(rng).to_owned()
            }
        };
        let mut household = 0u32;
        while people.len() < n {
            household += 1;
            let size = match rng.gen_range(0..100) {
                0..=34 => 1,
                35..=69 => 2,
                70..=87 => 3,
                88..=95 => 4,
                _ => 5,
            };
            let surname = sample_surname(&mut rng);
            let postcode = if rng.gen_bool(0.95) {
                rng.gen_range(0..postcodes.len()) as u32
            } else {
                NONE
            };
            // The eldest is 0–18 years old; 1% of households are expecting (unborn child).
            let mut dob = today - Duration::days(rng.gen_range(0..18 * 365));
            let twins_at = if size >= 2 && rng.gen_bool(0.06) {
                Some(rng.gen_range(1..size))
            } else {
                None
            };
            for child in 0..size {
                if people.len() >= n {
                    break;
                }
                if child > 0 && Some(child) != twins_at {
                    dob += Duration::days(rng.gen_range(330..6 * 365));
                    if dob > today + Duration::days(200) {
                        break;
                    }
                }
                if Some(child) == twins_at {
                    twin_pairs += 1;
                }
                let is_female = rng.gen_bool(0.5);
                let list = if is_female { &female } else { &male };
                let given_name = list.sample(&mut rng).to_owned();
                let given = names.id(&given_name);
                let middle = if rng.gen_bool(0.1) {
                    names.id(list.sample(&mut rng))
                } else {
                    NONE
                };
                // Half-siblings often have a different surname.
                let family_name = if child > 0 && rng.gen_bool(0.12) {
                    sample_surname(&mut rng)
                } else {
                    surname.clone()
                };
                if family_name.contains(['-', ' ']) {
                    hyphenated += 1;
                }
                let family = names.id(&family_name);
                let other = if rng.gen_bool(0.08) {
                    with_other_name += 1;
                    match rng.gen_range(0..3) {
                        0 => {
                            // Known as a short form.
                            let v = nickname_variants(&given_name);
                            match v.get(rng.gen_range(0..v.len().max(1))) {
                                Some(nick) => names.id(&title(nick)),
                                None => {
                                    names.id(&format!("{given_name} {}", sample_surname(&mut rng)))
                                }
                            }
                        }
                        1 => {
                            // A previous surname.
                            let previous = sample_surname(&mut rng);
                            names.id(&format!("{given_name} {previous}"))
                        }
                        _ => match sound_alike(&given_name, &mut rng) {
                            Some(alt) => names.id(&alt),
                            None => names.id(&format!("{given_name} {}", sample_surname(&mut rng))),
                        },
                    }
                } else {
                    NONE
                };
                let nhs = if rng.gen_bool(0.7) && dob <= today {
                    next_nhs(&mut next_nhs_prefix, &mut rng)
                } else {
                    0
                };
                let age = today.year() - dob.year();
                let upn = if (4..=18).contains(&age) && rng.gen_bool(0.6) {
                    upn_serial += 1 + rng.gen_range(0..2);
                    upn_serial
                } else {
                    0
                };
                people.push(Person {
                    id: people.len() as i64 + 1,
                    given,
                    middle,
                    family,
                    other,
                    dob,
                    postcode,
                    nhs,
                    upn,
                    household,
                });
            }
        }
        Self {
            names: names.names,
            postcodes,
            people,
            twin_pairs,
            hyphenated,
            with_other_name,
        }
    }

    /// Takes whole households off the end of the register until at least `count` people are
    /// taken, and returns them: children who are not on the register, for searches that
    /// should find nobody (a family new to the area, with all its names and its postcode).
    pub fn take_absent(&mut self, count: usize) -> Vec<Person> {
        let mut absent = Vec::new();
        while absent.len() < count {
            let Some(last) = self.people.last().map(|p| p.household) else {
                break;
            };
            while self.people.last().is_some_and(|p| p.household == last) {
                absent.extend(self.people.pop());
            }
        }
        absent.reverse();
        absent
    }

    /// A name by index ("" for `NONE`).
    pub fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", String::as_str)
    }

    /// The UPN string for a person's serial: LA code 889, then the serial, then the check
    /// letter computed by the DfE algorithm.
    pub fn upn(&self, serial: u64) -> Option<String> {
        if serial == 0 {
            return None;
        }
        let rest = format!("889{:09}", serial % 1_000_000_000);
        let letter = Upn::check_letter(rest.as_bytes())?;
        Some(format!("{}{rest}", letter as char))
    }

    /// The given name as recorded, with the middle name if any.
    pub fn given_name(&self, p: &Person) -> String {
        if p.middle == NONE {
            self.name(p.given).to_owned()
        } else {
            format!("{} {}", self.name(p.given), self.name(p.middle))
        }
    }

    /// The first line of a household's address: a house number and one of a few hundred
    /// streets, so that the same line recurs in different postcodes and towns as it does.
    pub fn address_line1(&self, household: u32) -> String {
        let h = u64::from(household).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 20;
        let street = STREETS[(h % STREETS.len() as u64) as usize];
        let kind = STREET_KINDS[((h / 64) % STREET_KINDS.len() as u64) as usize];
        format!("{} {street} {kind}", 1 + (h / 1024) % 120)
    }

    /// The town of a postcode: the town of its area.
    pub fn town(&self, postcode: &str) -> Option<&'static str> {
        let area: String = postcode
            .chars()
            .take_while(char::is_ascii_alphabetic)
            .collect();
        AREAS
            .iter()
            .position(|a| *a == area)
            .and_then(|i| TOWNS.get(i).copied())
    }

    /// The record the matcher indexes for a person.
    pub fn record(&self, p: &Person) -> PersonRecord {
        let postcode = self.postcodes.get(p.postcode as usize).cloned();
        PersonRecord {
            id: p.id,
            given_name: self.given_name(p),
            family_name: self.name(p.family).to_owned(),
            other_names: if p.other == NONE {
                Vec::new()
            } else {
                vec![self.name(p.other).to_owned()]
            },
            date_of_birth: Some(p.dob),
            address_line1: Some(self.address_line1(p.household)),
            town: postcode
                .as_deref()
                .and_then(|pc| self.town(pc))
                .map(str::to_string),
            postcode,
            nhs_number: (p.nhs != 0).then(|| format!("{:010}", p.nhs)),
            upn: self.upn(p.upn),
        }
    }
}

/// "katie" → "Katie".
pub fn title(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_population_is_deterministic_and_valid() {
        let a = Population::generate(2_000, 7);
        let b = Population::generate(2_000, 7);
        assert_eq!(a.people.len(), 2_000);
        assert_eq!(a.names, b.names);
        for p in &a.people {
            let r = a.record(p);
            if let Some(n) = &r.nhs_number {
                assert!(NhsNumber::parse(n).is_ok(), "{n}");
            }
            if let Some(u) = &r.upn {
                assert!(Upn::parse(u).is_ok(), "{u}");
            }
            if let Some(pc) = &r.postcode {
                assert!(Postcode::parse(pc).is_ok(), "{pc}");
            }
        }
        assert!(a.twin_pairs > 0);
        assert!(a.hyphenated > 0);
    }
}
