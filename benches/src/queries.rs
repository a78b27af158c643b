//! Searches a practitioner might type, each with the person it should find.

use crate::population::{sound_alike, title, Person, Population, NONE};
use chrono::{Datelike, NaiveDate};
use ecaf_domain::matching::{nickname_variants, normalise_name, MatchQuery};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

/// What was done to a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Perturbation {
    /// A letter replaced by a neighbouring key.
    KeyboardTypo,
    /// Two adjacent letters swapped.
    Transposition,
    /// A letter left out.
    DroppedLetter,
    /// A letter typed twice.
    DoubledLetter,
    /// Spelled as it sounds (ph/f, c/k, -ie/-y, ei/ie, …).
    PhoneticMisspelling,
    /// A nickname or short form instead of the given name.
    Nickname,
    /// Given and family name the other way round.
    SwappedNames,
    /// One part of a double-barrelled surname.
    HyphenatedPart,
    /// One digit of the date of birth wrong.
    DobDigit,
    /// Day and month of birth swapped.
    DobDayMonthSwap,
    /// An other known name (alias, previous name) used instead of the main name.
    OtherKnownName,
    /// Accents dropped or a name typed in capitals with odd spacing.
    Formatting,
    /// No date of birth given.
    NoDob,
    /// No postcode given.
    NoPostcode,
    /// The NHS number or UPN given.
    WithIdentifier,
}

/// A search and its answer.
#[derive(Debug, Clone)]
pub struct TestQuery {
    /// The search.
    pub query: MatchQuery,
    /// The person it should find.
    pub truth: i64,
    /// What was done to it.
    pub perturbations: Vec<Perturbation>,
    /// Another person is indistinguishable from the truth on the fields given (e.g. twins
    /// with the same name pattern, or two children with the same name and date of birth when
    /// no postcode is given): no matcher can be sure which is meant.
    pub ambiguous: bool,
}

const QWERTY: [&str; 3] = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];

fn neighbour(c: char, rng: &mut StdRng) -> char {
    let lower = c.to_ascii_lowercase();
    for (r, row) in QWERTY.iter().enumerate() {
        if let Some(i) = row.find(lower) {
            let mut options: Vec<char> = Vec::new();
            let row_chars: Vec<char> = row.chars().collect();
            if i > 0 {
                options.push(row_chars[i - 1]);
            }
            if i + 1 < row_chars.len() {
                options.push(row_chars[i + 1]);
            }
            for other in [r.checked_sub(1), Some(r + 1)].into_iter().flatten() {
                if let Some(o) = QWERTY.get(other).and_then(|row| row.chars().nth(i)) {
                    options.push(o);
                }
            }
            let pick = options[rng.gen_range(0..options.len())];
            return if c.is_uppercase() {
                pick.to_ascii_uppercase()
            } else {
                pick
            };
        }
    }
    c
}

/// A position to change: rarely the first letter (people hear how a name starts).
fn position(len: usize, rng: &mut StdRng) -> usize {
    if len <= 1 || rng.gen_bool(0.1) {
        0
    } else {
        rng.gen_range(1..len)
    }
}

fn typo(name: &str, kind: Perturbation, rng: &mut StdRng) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    let letters: Vec<usize> = (0..chars.len())
        .filter(|i| chars[*i].is_alphabetic())
        .collect();
    if letters.len() < 3 {
        return name.to_owned();
    }
    let i = letters[position(letters.len(), rng)];
    match kind {
        Perturbation::KeyboardTypo => chars[i] = neighbour(chars[i], rng),
        Perturbation::Transposition => {
            let j = if i + 1 < chars.len() && chars[i + 1].is_alphabetic() {
                i + 1
            } else {
                i.saturating_sub(1)
            };
            chars.swap(i, j);
        }
        Perturbation::DroppedLetter => {
            chars.remove(i);
        }
        _ => {
            let c = chars[i];
            chars.insert(i, c);
        }
    }
    chars.into_iter().collect()
}

fn dob_digit(d: NaiveDate, rng: &mut StdRng) -> NaiveDate {
    let s = format!("{:02}{:02}{:04}", d.day(), d.month(), d.year());
    for _ in 0..100 {
        let mut b = s.clone().into_bytes();
        let pos = rng.gen_range(0..8);
        b[pos] = b'0' + rng.gen_range(0..10);
        let t = String::from_utf8(b).unwrap_or_default();
        let parsed = (|| {
            let day = t.get(0..2)?.parse().ok()?;
            let month = t.get(2..4)?.parse().ok()?;
            let year = t.get(4..8)?.parse().ok()?;
            NaiveDate::from_ymd_opt(year, month, day)
        })();
        if let Some(p) = parsed.filter(|p| *p != d) {
            return p;
        }
    }
    d
}

fn strip_accents(name: &str) -> String {
    deunicode_lite(name).to_uppercase()
}

/// Drops common Latin accents (the benchmark's own, simpler than the matcher's transliteration,
/// so the two are not tested against themselves).
fn deunicode_lite(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ą' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'ę' => 'e',
            'í' | 'ì' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' => 'o',
            'ú' | 'ù' | 'ü' => 'u',
            'ł' => 'l',
            'Ł' => 'L',
            'ś' => 's',
            'ź' | 'ż' => 'z',
            'ń' => 'n',
            'ć' => 'c',
            other => other,
        })
        .collect()
}

/// Fields of a query the way the ambiguity check sees them.
fn identity_hash(given: &str, family: &str, dob: Option<NaiveDate>, postcode: Option<&str>) -> u64 {
    let mut h = DefaultHasher::new();
    normalise_name(given).first().hash(&mut h);
    normalise_name(family).hash(&mut h);
    dob.hash(&mut h);
    postcode.hash(&mut h);
    h.finish()
}

/// Generates `count` typo'd queries for random people, deterministically from `seed`.
pub fn generate(population: &Population, count: usize, seed: u64) -> Vec<TestQuery> {
    generate_among(population, &population.people, count, seed)
}

/// Generates `count` typo'd queries for random people of `among` (who may be people taken off
/// the register with [`Population::take_absent`]), deterministically from `seed`.
pub fn generate_among(
    population: &Population,
    among: &[Person],
    count: usize,
    seed: u64,
) -> Vec<TestQuery> {
    if among.is_empty() {
        return Vec::new();
    }
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
    let mut queries = Vec::with_capacity(count);
    let name_kinds = [
        (Perturbation::KeyboardTypo, 14),
        (Perturbation::Transposition, 8),
        (Perturbation::DroppedLetter, 8),
        (Perturbation::DoubledLetter, 6),
        (Perturbation::PhoneticMisspelling, 14),
        (Perturbation::Nickname, 10),
        (Perturbation::SwappedNames, 7),
        (Perturbation::HyphenatedPart, 4),
        (Perturbation::DobDigit, 12),
        (Perturbation::DobDayMonthSwap, 8),
        (Perturbation::OtherKnownName, 4),
        (Perturbation::Formatting, 5),
    ];
    let total: u32 = name_kinds.iter().map(|k| k.1).sum();
    let pick = |rng: &mut StdRng| {
        let mut roll = rng.gen_range(0..total);
        for (k, w) in name_kinds {
            if roll < w {
                return k;
            }
            roll -= w;
        }
        Perturbation::KeyboardTypo
    };
    while queries.len() < count {
        // Hyphenated surnames and other known names are rare in the register, so queries that
        // exercise them choose a person who has one.
        let first_kind = pick(&mut rng);
        let mut p: &Person = &among[rng.gen_range(0..among.len())];
        for _ in 0..1_000 {
            let fits = match first_kind {
                Perturbation::HyphenatedPart => population.name(p.family).contains(['-', ' ']),
                Perturbation::OtherKnownName => p.other != NONE,
                _ => true,
            };
            if fits {
                break;
            }
            p = &among[rng.gen_range(0..among.len())];
        }
        let mut given = population.name(p.given).to_owned();
        let mut family = population.name(p.family).to_owned();
        let mut dob = Some(p.dob);
        let mut done = Vec::new();
        // One perturbation, and a second one in 35% of queries.
        let rounds = if rng.gen_bool(0.35) { 2 } else { 1 };
        let mut next_kind = Some(first_kind);
        while done.len() < rounds {
            let mut kind = next_kind.take().unwrap_or_else(|| pick(&mut rng));
            if done.contains(&kind)
                || (done
                    .iter()
                    .any(|d| matches!(d, Perturbation::DobDigit | Perturbation::DobDayMonthSwap))
                    && matches!(kind, Perturbation::DobDigit | Perturbation::DobDayMonthSwap))
            {
                continue;
            }
            let on_given = rng.gen_bool(0.5);
            match kind {
                Perturbation::KeyboardTypo
                | Perturbation::Transposition
                | Perturbation::DroppedLetter
                | Perturbation::DoubledLetter => {
                    let target = if on_given { &mut given } else { &mut family };
                    *target = typo(target, kind, &mut rng);
                }
                Perturbation::PhoneticMisspelling => {
                    let target = if on_given { &mut given } else { &mut family };
                    match sound_alike(target, &mut rng) {
                        Some(alt) => *target = alt,
                        None => {
                            kind = Perturbation::KeyboardTypo;
                            *target = typo(target, kind, &mut rng);
                        }
                    }
                }
                Perturbation::Nickname => {
                    let v = nickname_variants(&given);
                    if v.is_empty() {
                        kind = Perturbation::PhoneticMisspelling;
                        given = sound_alike(&given, &mut rng)
                            .unwrap_or_else(|| typo(&given, Perturbation::KeyboardTypo, &mut rng));
                    } else {
                        given = title(&v[rng.gen_range(0..v.len())]);
                    }
                }
                Perturbation::SwappedNames => std::mem::swap(&mut given, &mut family),
                Perturbation::HyphenatedPart => {
                    let parts: Vec<&str> =
                        family.split(['-', ' ']).filter(|s| !s.is_empty()).collect();
                    if parts.len() > 1 {
                        family = parts[rng.gen_range(0..parts.len())].to_owned();
                    } else {
                        kind = Perturbation::DroppedLetter;
                        family = typo(&family, kind, &mut rng);
                    }
                }
                Perturbation::DobDigit => dob = dob.map(|d| dob_digit(d, &mut rng)),
                Perturbation::DobDayMonthSwap => {
                    let swapped = dob
                        .and_then(|d| NaiveDate::from_ymd_opt(d.year(), d.day(), d.month()))
                        .filter(|s| Some(*s) != dob);
                    match swapped {
                        Some(s) => dob = Some(s),
                        None => {
                            kind = Perturbation::DobDigit;
                            dob = dob.map(|d| dob_digit(d, &mut rng));
                        }
                    }
                }
                Perturbation::OtherKnownName => {
                    if p.other == NONE {
                        kind = Perturbation::KeyboardTypo;
                        given = typo(&given, kind, &mut rng);
                    } else {
                        let other = population.name(p.other);
                        match other.split_once(' ') {
                            Some((g, f)) => {
                                given = g.to_owned();
                                family = f.to_owned();
                            }
                            None => given = other.to_owned(),
                        }
                    }
                }
                Perturbation::Formatting => {
                    given = format!(" {} ", strip_accents(&given));
                    family = strip_accents(&family).replace('-', " - ");
                }
                _ => {}
            }
            if done.contains(&kind) {
                continue;
            }
            done.push(kind);
        }
        let dob_touched = done
            .iter()
            .any(|d| matches!(d, Perturbation::DobDigit | Perturbation::DobDayMonthSwap));
        if !dob_touched && rng.gen_bool(0.2) {
            dob = None;
            done.push(Perturbation::NoDob);
        }
        let mut postcode = population.postcodes.get(p.postcode as usize).cloned();
        // One field missing at a time ("no DOB or no postcode"): a bare name cannot pick one
        // child out of a million, whatever the matcher.
        if dob.is_some() && postcode.is_some() && rng.gen_bool(0.35) {
            postcode = None;
            done.push(Perturbation::NoPostcode);
        }
        let record = population.record(p);
        let (mut nhs_number, mut upn) = (None, None);
        if rng.gen_bool(0.08) && (record.nhs_number.is_some() || record.upn.is_some()) {
            nhs_number = record.nhs_number.clone();
            upn = if nhs_number.is_none() {
                record.upn.clone()
            } else {
                None
            };
            done.push(Perturbation::WithIdentifier);
        }
        // The address as the family gives it, in some searches: "4 Mill Ln" for "4 Mill Lane".
        let address_line1 = record
            .address_line1
            .clone()
            .filter(|_| rng.gen_bool(0.4))
            .map(|line| {
                if rng.gen_bool(0.3) {
                    line.replace("Lane", "Ln")
                        .replace("Road", "Rd")
                        .replace("Street", "St")
                } else {
                    line
                }
            });
        let town = record.town.clone().filter(|_| rng.gen_bool(0.4));
        queries.push(TestQuery {
            query: MatchQuery {
                address_line1,
                town,
                given_name: Some(given),
                family_name: Some(family),
                date_of_birth: dob,
                postcode: postcode.map(|p| {
                    if rng.gen_bool(0.5) {
                        p.to_lowercase().replace(' ', "")
                    } else {
                        p
                    }
                }),
                nhs_number,
                upn,
            },
            truth: p.id,
            perturbations: done,
            ambiguous: false,
        });
    }
    mark_ambiguous(population, &mut queries);
    queries
}

/// Flags queries whose true person has a double on the fields the query gives (given name,
/// family name, and date of birth / postcode when given) and no identifier was given.
fn mark_ambiguous(population: &Population, queries: &mut [TestQuery]) {
    let mut counts: [HashMap<u64, u32>; 4] = Default::default();
    for p in &population.people {
        let given = population.name(p.given);
        let family = population.name(p.family);
        let postcode = population
            .postcodes
            .get(p.postcode as usize)
            .map(String::as_str);
        for (i, map) in counts.iter_mut().enumerate() {
            let dob = (i & 1 == 1).then_some(p.dob);
            let pc = if i & 2 == 2 { postcode } else { None };
            if i & 2 == 2 && pc.is_none() {
                continue;
            }
            *map.entry(identity_hash(given, family, dob, pc))
                .or_default() += 1;
        }
    }
    for q in queries.iter_mut() {
        if q.query.nhs_number.is_some() || q.query.upn.is_some() {
            continue;
        }
        let Some(p) = population.people.get((q.truth - 1) as usize) else {
            continue;
        };
        let postcode = population
            .postcodes
            .get(p.postcode as usize)
            .map(String::as_str);
        let with_dob = q.query.date_of_birth.is_some();
        let with_pc = q.query.postcode.is_some() && postcode.is_some();
        let i = usize::from(with_dob) | (usize::from(with_pc) << 1);
        let key = identity_hash(
            population.name(p.given),
            population.name(p.family),
            with_dob.then_some(p.dob),
            if with_pc { postcode } else { None },
        );
        q.ambiguous = counts[i].get(&key).copied().unwrap_or(0) > 1;
    }
}
